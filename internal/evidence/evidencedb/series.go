package evidencedb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// Query asks for one series of a measure.
type Query struct {
	Measure evidence.Measure
	Period  evidence.Period
	// Dim and Value narrow the measure to one value of one of its filters
	// ("" for none).
	Dim, Value string
	// More are further filters, combined with Dim and Value: every
	// dimension must hold, a dimension named twice for either value. The
	// counts of events keep one dimension at a time, so combined filters
	// on them are counted from each event's own keys (MaxCombinedEvents).
	More []evidence.Cond
	// From and To are days (midnight UTC), inclusive.
	From, To time.Time
}

// Conds are every filter of the query: Dim and Value, then More.
func (q Query) Conds() []evidence.Cond {
	var out []evidence.Cond
	if q.Dim != "" {
		out = append(out, evidence.Cond{Dim: q.Dim, Value: q.Value})
	}
	return append(out, q.More...)
}

// MaxCombinedEvents bounds the events a chart with combined filters on
// the counts of events reads (each event's own keys, in the span): over
// it, the chart is refused (Invalid) rather than slow. A variable so
// that a test can lower it.
var MaxCombinedEvents = 200_000

// condSet groups filters by dimension: the values each may take
type condSet map[string][]string

// (harm "or worse" stands for each harm it holds).
func groupConds(cs []evidence.Cond) condSet {
	out := condSet{}
	for _, c := range cs {
		for _, v := range evidence.HarmOrWorse(c.Dim, c.Value) {
			if !slices.Contains(out[c.Dim], v) {
				out[c.Dim] = append(out[c.Dim], v)
			}
		}
	}
	return out
}

// combined reports whether q's filters need more than one count of a day:
// more than one filter, or harm "or worse".
func (q Query) combined() bool {
	cs := q.Conds()
	return len(cs) > 1 || (len(cs) == 1 && len(evidence.HarmOrWorse(cs[0].Dim, cs[0].Value)) > 1)
}

// allows reports whether dim may be value (every value when dim has no filter).
func (g condSet) allows(dim, value string) bool {
	vs, ok := g[dim]
	return !ok || slices.Contains(vs, value)
}

// Series returns the measure's series for the organisations orgs (one, or
// a network's members summed), one point per whole period from the one
// holding q.From to the one holding q.To, and none after today (span).
// Counts of events come from the counts table, never the raw events;
// hazards and actions from the risk and events wings. Invalid for a
// filter the measure does not have or a measure without data yet.
func (s *DB) Series(ctx context.Context, orgs []store.OrgID, q Query) ([]evidence.Point, error) {
	m := q.Measure
	if !m.Available {
		return nil, apperr.New(apperr.Invalid, "%s", m.Pending)
	}
	conds := q.Conds()
	if len(conds) > evidence.MaxConds {
		return nil, apperr.Field("filter", fmt.Sprintf("Choose at most %d filters", evidence.MaxConds))
	}
	for _, c := range conds {
		if !m.Filterable(c.Dim) {
			return nil, apperr.Field("dim", "This measure cannot be narrowed by "+label(c.Dim))
		}
		if !m.ValidValue(c.Dim, c.Value) {
			return nil, apperr.Field("value", "Select "+article(evidence.DimLabels[c.Dim])+" from the list")
		}
	}
	if m.MonthlyOnly {
		q.Period = evidence.Month
	}
	if !q.Period.Valid() {
		return nil, apperr.Field("period", "Select week or month")
	}
	q, starts, err := s.span(q)
	if err != nil {
		return nil, err
	}
	switch m.Source {
	case evidence.FromCounts:
		return s.countSeries(ctx, orgs, q, starts)
	case evidence.FromBedDays:
		return s.rateSeries(ctx, orgs, q, starts)
	case evidence.FromHazards:
		return s.hazardSeries(ctx, orgs, q, starts)
	case evidence.FromActions:
		return s.actionSeries(ctx, orgs, q, starts)
	case evidence.FromTraining:
		pts, _, err := s.trainingSeries(ctx, orgs, q, starts)
		return pts, err
	}
	return nil, apperr.New(apperr.Invalid, "This measure has no data yet")
}

// span bounds q's series, for every measure alike: it covers whole
// periods at both ends, from the first day of the period holding From to
// the last day of the period holding To, and never goes past today (a
// period that has not happened is not charted, and the period under way
// is counted to today). It returns q with From and To so bounded and the
// starts of its periods. Invalid for a start after today or after the
// end, or a span of more than 1,000 periods.
func (s *DB) span(q Query) (Query, []time.Time, error) {
	today := clock.Today(s.Now())
	if q.From.After(today) {
		return q, nil, apperr.Field("from", "The start must be today or earlier")
	}
	if q.To.Before(q.From) {
		return q, nil, apperr.Field("from", "The start must be on or before the end")
	}
	q.From = q.Period.Start(q.From)
	q.To = q.Period.Next(q.Period.Start(q.To)).AddDate(0, 0, -1)
	if q.To.After(today) {
		q.To = today
	}
	starts := q.Period.Periods(q.From, q.To)
	if len(starts) > 1000 {
		return q, nil, apperr.Field("from", "Choose a shorter span: a chart has at most 1,000 points")
	}
	return q, starts, nil
}

// lastDay is the last day of the period starting at st that q counts:
// its own last day, or q.To (today) for the period under way.
func (q Query) lastDay(st time.Time) time.Time {
	if last := q.Period.Next(st).AddDate(0, 0, -1); last.Before(q.To) {
		return last
	}
	return q.To
}

// bucket sums daily counts into the periods starting at starts.
func bucket(p evidence.Period, starts []time.Time, days []dayCount) (n, minutes []int64) {
	n, minutes = make([]int64, len(starts)), make([]int64, len(starts))
	idx := map[time.Time]int{}
	for i, s := range starts {
		idx[s] = i
	}
	for _, d := range days {
		if i, ok := idx[p.Start(d.day)]; ok {
			n[i] += d.n
			minutes[i] += d.minutes
		}
	}
	return n, minutes
}

// article is a dimension's label after "a" or "an", in lower case.
func article(l string) string {
	l = strings.ToLower(l)
	if l != "" && strings.ContainsRune("aeiou", rune(l[0])) {
		return "an " + l
	}
	return "a " + l
}

// combinedDaily counts, per day q.From..q.To, the events of orgs that
// hold every filter of q (and the measure's own dimension, as IT
// incidents are events with IT involved), from each event's own keys
// (evidence_event_counts): the counts table keeps one dimension at a
// time. Invalid when the span holds more than MaxCombinedEvents events.
func (s *DB) combinedDaily(ctx context.Context, orgs []store.OrgID, q Query) ([]dayCount, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	cs := groupConds(q.Conds())
	if m := q.Measure; m.Dim != "" && m.Dim != evidence.DimAll {
		if _, ok := cs[m.Dim]; !ok {
			cs[m.Dim] = []string{m.Value}
		}
	}
	args := []any{q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)}
	in, args := orgsIn(args, orgs)
	rows, err := s.SQL().QueryContext(ctx, `SELECT day, keys FROM evidence_event_counts WHERE day >= $1 AND day <= $2 AND org_id IN (`+in+`)
		LIMIT `+strconv.Itoa(MaxCombinedEvents+1), args...)
	if err != nil {
		return nil, s.Wrap(err, "read event counts")
	}
	defer rows.Close()
	per := map[string]int64{}
	read := 0
	for rows.Next() {
		if read++; read > MaxCombinedEvents {
			return nil, apperr.Field("filter", fmt.Sprintf("A chart with more than one filter counts each event, and this span has more than %d: choose a shorter span or one filter",
				MaxCombinedEvents))
		}
		var day, raw string
		if err := rows.Scan(&day, &raw); err != nil {
			return nil, s.Wrap(err, "read event counts")
		}
		var keys []evidence.Key
		if err := json.Unmarshal([]byte(raw), &keys); err != nil {
			return nil, fmt.Errorf("evidencedb: keys of an event on %s: %w", day, err)
		}
		if holds(cs, keys) {
			per[day]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "read event counts")
	}
	out := make([]dayCount, 0, len(per))
	for d, n := range per {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return nil, fmt.Errorf("evidencedb: day %q of event counts: %w", d, err)
		}
		out = append(out, dayCount{day: t, n: n})
	}
	slices.SortFunc(out, func(a, b dayCount) int { return a.day.Compare(b.day) })
	return out, nil
}

// holds reports whether an event's keys meet every filter of cs.
func holds(cs condSet, keys []evidence.Key) bool {
	for dim, vals := range cs {
		if !slices.ContainsFunc(keys, func(k evidence.Key) bool { return k.Dim == dim && slices.Contains(vals, k.Value) }) {
			return false
		}
	}
	return true
}

// label is a dimension in words, or as it came when it is not one (kept short).
func label(dim string) string {
	if l, ok := evidence.DimLabels[dim]; ok {
		return strings.ToLower(l)
	}
	if len(dim) > 40 {
		dim = dim[:40] + "..."
	}
	return strconv.Quote(dim)
}

// countSeries counts the events of orgs per period, q as span bounds it.
func (s *DB) countSeries(ctx context.Context, orgs []store.OrgID, q Query, starts []time.Time) ([]evidence.Point, error) {
	dim, value := q.Measure.Counts(q.Dim, q.Value)
	var days []dayCount
	var err error
	if q.combined() {
		days, err = s.combinedDaily(ctx, orgs, q)
	} else {
		days, err = s.daily(ctx, orgs, dim, value, q.From, q.To)
	}
	if err != nil {
		return nil, err
	}
	n, mins := bucket(q.Period, starts, days)
	var out []evidence.Point
	for i, st := range starts {
		p := evidence.Point{Start: st, Label: q.Period.Label(st), Num: float64(n[i]), Value: float64(n[i])}
		if dim == evidence.DimFeedbackMins {
			// The mean days to first feedback of the period's reports that
			// had feedback; a period without any has no point.
			if n[i] == 0 {
				continue
			}
			p.Num, p.Den = float64(mins[i])/1440, float64(n[i])
			p.Value = p.Num / p.Den
		}
		out = append(out, p)
	}
	return out, nil
}

// rateSeries is the events of orgs per 1,000 of their bed days, by
// month. Each month counts only the events of the members of orgs that
// entered bed days for it, over their bed days: the events of a member
// without bed days would have no denominator and inflate the rate. This
// keeps every month whose bed days some member entered, rather than
// leaving a network's months out until the last member enters them (a
// member that never does would empty the chart); the u chart's limits
// follow each month's bed days, and the measure's About says so. A month
// no member entered bed days for has no point.
func (s *DB) rateSeries(ctx context.Context, orgs []store.OrgID, q Query, starts []time.Time) ([]evidence.Point, error) {
	cq := q
	cq.Measure.Source = evidence.FromCounts
	num, den := make([]float64, len(starts)), make([]float64, len(starts))
	for _, o := range orgs {
		beds, err := s.bedDays(ctx, o)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(starts, func(st time.Time) bool { return beds[st.Format("2006-01")] > 0 }) {
			continue
		}
		counts, err := s.countSeries(ctx, []store.OrgID{o}, cq, starts)
		if err != nil {
			return nil, err
		}
		for i, p := range counts {
			if b := beds[p.Start.Format("2006-01")]; b > 0 {
				num[i] += p.Num
				den[i] += float64(b)
			}
		}
	}
	var out []evidence.Point
	for i, st := range starts {
		if den[i] <= 0 {
			continue
		}
		out = append(out, evidence.Point{Start: st, Label: q.Period.Label(st), Num: num[i], Den: den[i], Value: num[i] / den[i] * 1000})
	}
	return out, nil
}

func (s *DB) hazardSeries(ctx context.Context, orgs []store.OrgID, q Query, starts []time.Time) ([]evidence.Point, error) {
	cs := groupConds(q.Conds())
	counts := make([]float64, len(starts))
	idx := map[time.Time]int{}
	for i, st := range starts {
		idx[st] = i
	}
	for _, org := range orgs {
		m, err := s.risk.Matrix(ctx, org)
		if err != nil {
			return nil, err
		}
		systems, err := s.risk.ListSystems(ctx, org)
		if err != nil {
			return nil, err
		}
		for _, sys := range systems {
			hs, err := s.risk.ListHazards(ctx, org, sys.ID)
			if err != nil {
				return nil, err
			}
			for _, h := range hs {
				if !cs.allows(evidence.DimStatus, string(h.Status)) {
					continue
				}
				if r, _ := h.ResidualRating(m); !cs.allows(evidence.DimRating, strconv.Itoa(r)) {
					continue
				}
				if i, ok := idx[q.Period.Start(clock.Today(h.CreatedAt))]; ok {
					counts[i]++
				}
			}
		}
	}
	out := make([]evidence.Point, len(starts))
	for i, st := range starts {
		out[i] = evidence.Point{Start: st, Label: q.Period.Label(st), Value: counts[i], Num: counts[i]}
	}
	return out, nil
}

// dueSpan is an action's due day and the day it stopped being open ("" while open).
type dueSpan struct{ due, closed time.Time }

func (s *DB) actionSeries(ctx context.Context, orgs []store.OrgID, q Query, starts []time.Time) ([]evidence.Point, error) {
	var spans []dueSpan
	cs := groupConds(q.Conds())
	for _, org := range orgs {
		if cs.allows(evidence.DimKind, "hazard") {
			systems, err := s.risk.ListSystems(ctx, org)
			if err != nil {
				return nil, err
			}
			for _, sys := range systems {
				hs, err := s.risk.ListHazards(ctx, org, sys.ID)
				if err != nil {
					return nil, err
				}
				for _, h := range hs {
					for _, a := range h.Actions {
						sp := dueSpan{due: clock.Today(a.Due)}
						if a.Done {
							sp.closed = clock.Today(a.DoneAt)
						}
						spans = append(spans, sp)
					}
				}
			}
		}
		if cs.allows(evidence.DimKind, "learning") {
			rs, err := s.events.ListResponses(ctx, org, "")
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				full, err := s.events.Response(ctx, org, r.ID)
				if err != nil {
					return nil, err
				}
				for _, a := range full.Actions {
					due, err := time.Parse(time.DateOnly, a.DueOn)
					if err != nil || a.Status == events.ActionCancelled {
						continue
					}
					sp := dueSpan{due: due}
					if a.Status == events.ActionDone {
						sp.closed, _ = time.Parse(time.DateOnly, a.DoneOn)
					}
					spans = append(spans, sp)
				}
			}
		}
	}
	out := make([]evidence.Point, len(starts))
	for i, st := range starts {
		// Counted on the last day of the period (today for the current one).
		last := q.lastDay(st)
		n := 0
		for _, sp := range spans {
			if sp.due.Before(last) && (sp.closed.IsZero() || sp.closed.After(last)) {
				n++
			}
		}
		out[i] = evidence.Point{Start: st, Label: q.Period.Label(st), Value: float64(n), Num: float64(n)}
	}
	return out, nil
}

// trainingSeries is the share of assigned training in date on the last
// day of each period (today for the one under way), in per cent, from
// the training wing (trainingdb.CoverageHistory), summed over orgs: a
// period with nothing due has no point. assigned is false when no
// training was assigned to anyone in the span at all. Invalid for a
// role that is not one, or a course no organisation of orgs has.
func (s *DB) trainingSeries(ctx context.Context, orgs []store.OrgID, q Query, starts []time.Time) ([]evidence.Point, bool, error) {
	var f trainingdb.CoverageFilter
	cs := groupConds(q.Conds())
	if len(cs[evidence.DimRole]) > 1 || len(cs[evidence.DimCourse]) > 1 {
		return nil, false, apperr.Field("filter", "Choose at most one staff role and one course")
	}
	if r := cs[evidence.DimRole]; len(r) == 1 {
		f.Role = auth.Role(r[0])
		if !slices.Contains(auth.AllRoles, f.Role) {
			return nil, false, apperr.Field("value", "Select a staff role from the list")
		}
	}
	if c := cs[evidence.DimCourse]; len(c) == 1 {
		f.CourseID = c[0]
		found := false
		for _, o := range orgs {
			if _, err := s.training.Course(ctx, o, f.CourseID); err == nil {
				found = true
				break
			} else if !apperr.Is(err, apperr.NotFound) {
				return nil, false, err
			}
		}
		if !found {
			return nil, false, apperr.Field("value", "Select a course from the list")
		}
	}
	days := make([]time.Time, len(starts))
	for i, st := range starts {
		days[i] = q.lastDay(st)
	}
	due, in := make([]int, len(starts)), make([]int, len(starts))
	anyAssigned := false
	for _, o := range orgs {
		cs, assigned, err := s.training.CoverageHistory(ctx, o, days, f)
		if err != nil {
			return nil, false, err
		}
		anyAssigned = anyAssigned || assigned
		for i, c := range cs {
			due[i] += c.Due
			in[i] += c.InDate
		}
	}
	var out []evidence.Point
	for i, st := range starts {
		if due[i] == 0 {
			continue
		}
		out = append(out, evidence.Point{Start: st, Label: q.Period.Label(st), Num: float64(in[i]), Den: float64(due[i]), Value: 100 * float64(in[i]) / float64(due[i])})
	}
	return out, anyAssigned, nil
}

// TrainingAssigned reports whether any training was assigned to anyone in
// orgs on any day of the measure's span (q as Series takes it), due or not:
// when none was, there is no coverage to chart.
func (s *DB) TrainingAssigned(ctx context.Context, orgs []store.OrgID, q Query) (bool, error) {
	if q.To.Before(q.From) || !q.Period.Valid() {
		return false, nil
	}
	q, starts, err := s.span(q)
	if err != nil {
		return false, err
	}
	_, assigned, err := s.trainingSeries(ctx, orgs, q, starts)
	return assigned, err
}

// Courses lists orgID's training courses, for the course filter of
// training coverage (ID and Name, the course's title).
func (s *DB) Courses(ctx context.Context, orgID store.OrgID) ([]SystemChoice, error) {
	cs, err := s.training.Courses(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]SystemChoice, len(cs))
	for i, c := range cs {
		out[i] = SystemChoice{ID: c.ID, Name: c.Course.Title}
	}
	return out, nil
}

// BedDays is one month's occupied bed days.
type BedDays struct {
	Month   string `json:"month"` // YYYY-MM
	BedDays int64  `json:"bed_days"`
}

// bedDays is orgID's bed days by month (YYYY-MM).
func (s *DB) bedDays(ctx context.Context, orgID store.OrgID) (map[string]int64, error) {
	bs, err := s.ListBedDays(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, b := range bs {
		out[b.Month] = b.BedDays
	}
	return out, nil
}

// ListBedDays returns the bed days orgID entered, by month.
func (s *DB) ListBedDays(ctx context.Context, orgID store.OrgID) ([]BedDays, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT month, bed_days FROM evidence_bed_days WHERE org_id = $1 ORDER BY month`, orgID)
	if err != nil {
		return nil, s.Wrap(err, "read bed days")
	}
	defer rows.Close()
	var out []BedDays
	for rows.Next() {
		var b BedDays
		if err := rows.Scan(&b.Month, &b.BedDays); err != nil {
			return nil, s.Wrap(err, "read bed days")
		}
		out = append(out, b)
	}
	return out, s.Wrap(rows.Err(), "read bed days")
}

// SetBedDays records orgID's occupied bed days for a month (YYYY-MM); 0
// removes the month. Audited. Invalid with per-field messages.
func (s *DB) SetBedDays(ctx context.Context, orgID store.OrgID, b BedDays) error {
	var f apperr.Fields
	m, err := time.Parse("2006-01", b.Month)
	f.Check(err != nil, "month", "Enter the month as a year and month, for example 2026-03")
	f.Check(err == nil && m.After(clock.Today(s.Now())), "month", "The month must not be in the future")
	f.Check(b.BedDays < 0 || b.BedDays > 100_000_000, "bed_days", "Enter the bed days as a whole number from 0 to 100,000,000")
	if err := f.Err(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if b.BedDays == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM evidence_bed_days WHERE org_id = $1 AND month = $2`, orgID, b.Month)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO evidence_bed_days (org_id, month, bed_days) VALUES ($1, $2, $3)
				ON CONFLICT (org_id, month) DO UPDATE SET bed_days = excluded.bed_days`, orgID, b.Month, b.BedDays)
		}
		if err != nil {
			return s.Wrap(err, "save bed days")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "evidence.bed_days", Entity: "evidence_bed_days", EntityID: string(orgID),
			Summary: audit.Summarise("month", b.Month, "bed_days", fmt.Sprint(b.BedDays))})
	})
}

// ratingValues lists the residual ratings a hazard may have, for the filter.
func RatingValues() []string {
	var out []string
	for r := 1; r <= 5; r++ {
		out = append(out, strconv.Itoa(r))
	}
	return out
}

// StatusValues lists the hazard statuses, for the filter.
func StatusValues() []string {
	var out []string
	for _, st := range risk.AllStatuses() {
		out = append(out, string(st))
	}
	return out
}
