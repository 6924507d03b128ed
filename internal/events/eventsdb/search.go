package eventsdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/google/uuid"
)

// The review queue, its exports, full-text search and similar events.

// QueueFilter are the review queue's filters, sort and page. Empty
// fields do not filter.
type QueueFilter struct {
	Type     string `json:"type,omitempty"`
	Status   string `json:"status,omitempty"` // a status, "open" (the default) or "all"
	Harm     string `json:"harm,omitempty"`   // a physical harm code, or "none" for no patient harm recorded
	Agent    string `json:"agent,omitempty"`
	Location string `json:"location,omitempty"` // part of the location, any case
	System   string `json:"system,omitempty"`
	From     string `json:"from,omitempty"` // occurred on or after, YYYY-MM-DD
	To       string `json:"to,omitempty"`
	// Assigned is "me", "nobody", a handler's id, or "" for anyone.
	Assigned string `json:"assigned,omitempty"`
	Q        string `json:"q,omitempty"`
	Sort     string `json:"sort,omitempty"` // newest (default), oldest, harm, reference
	Offset   int    `json:"offset,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

// QueueSorts are the queue's sort orders, default first.
var QueueSorts = []struct{ Code, Label string }{{"newest", "Newest first"}, {"oldest", "Oldest first"}, {"harm", "Worst harm first"}, {"reference", "Reference"}}

// Queue page sizes.
const (
	QueuePageSize = 25
	QueueMaxPage  = 200
)

// Check validates f (codes from the taxonomy, real dates, a sort and page
// that exist) and fills the defaults; Invalid with per-field messages.
func (f *QueueFilter) Check() error {
	var fs apperr.Fields
	for _, p := range []*string{&f.Type, &f.Status, &f.Harm, &f.Agent, &f.Location, &f.System, &f.From, &f.To, &f.Assigned, &f.Q, &f.Sort} {
		*p = strings.TrimSpace(*p)
	}
	fs.Check(f.Type != "" && !events.RecordType(f.Type).Valid(), "type", "Select a record type from the list")
	if f.Status == "" {
		f.Status = "open"
	}
	fs.Check(f.Status != "open" && f.Status != "all" && !slices.Contains(events.Statuses, events.Status(f.Status)), "status", "Select a status from the list")
	fs.Check(f.Harm != "" && f.Harm != "none" && !events.LFPSE.List(events.ListPhysicalHarm).Has(f.Harm), "harm", "Select a harm from the list")
	fs.Check(f.Agent != "" && !events.LFPSE.List(events.ListAgent).Has(f.Agent), "agent", "Select an involved agent from the list")
	fs.Check(f.System != "" && uuid.Validate(f.System) != nil, "system", "Select a system from the list")
	fs.Check(f.Assigned != "" && f.Assigned != "me" && f.Assigned != "nobody" && uuid.Validate(f.Assigned) != nil, "assigned", "Select who it is assigned to from the list")
	for _, d := range []struct{ v, field, what string }{{f.From, "from", "The date from"}, {f.To, "to", "The date to"}} {
		if _, err := time.Parse(time.DateOnly, d.v); d.v != "" && err != nil {
			fs.Add(d.field, d.what+" must be a real date")
		}
	}
	fs.Check(f.From != "" && f.To != "" && f.To < f.From, "to", "The date to must be on or after the date from")
	fs.Check(len(f.Q) > 200 || len(f.Location) > 200, "q", "Search for 200 characters or fewer")
	if f.Sort == "" {
		f.Sort = "newest"
	}
	fs.Check(!slices.ContainsFunc(QueueSorts, func(s struct{ Code, Label string }) bool { return s.Code == f.Sort }), "sort", "Select a sort order from the list")
	fs.Check(f.Offset < 0 || f.Offset > 1_000_000_000, "offset", "The offset must be a number from 0")
	if f.Limit <= 0 {
		f.Limit = QueuePageSize
	}
	fs.Check(f.Limit > QueueMaxPage, "limit", fmt.Sprintf("The limit must be %d or fewer", QueueMaxPage))
	return fs.Err()
}

// statusIn are the statuses filter f admits.
func (f QueueFilter) statusIn() []events.Status {
	switch f.Status {
	case "open":
		return []events.Status{events.Submitted, events.InReview, events.AwaitingInfo}
	case "all":
		return events.Statuses
	}
	return []events.Status{events.Status(f.Status)}
}

// where is the SQL condition of f's filters except the status, on
// events, with its arguments from $1 (the organisation).
func (s *DB) where(ctx context.Context, orgID store.OrgID, f QueueFilter) (string, []any) {
	conds := []string{"org_id = $1", "status <> 'draft'"}
	args := []any{orgID}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Type != "" {
		add("record_type = $?", f.Type)
	}
	switch f.Harm {
	case "":
	case "none":
		conds = append(conds, "harm = ''")
	default:
		add("harm = $?", f.Harm)
	}
	if f.Agent != "" {
		add("agents LIKE $?", "%|"+f.Agent+"|%")
	}
	if f.Location != "" {
		loc := strings.NewReplacer("%", "", "_", "", `\`, "").Replace(f.Location)
		add("location "+s.ILike()+" $?", "%"+loc+"%")
	}
	if f.System != "" {
		add("system_id = $?", f.System)
	}
	if f.From != "" {
		add("occurred_on >= $?", f.From)
	}
	if f.To != "" {
		add("occurred_on <= $?", f.To)
	}
	switch f.Assigned {
	case "":
	case "nobody":
		conds = append(conds, "assigned_to IS NULL")
	case "me":
		add("assigned_to = $?", audit.ActorFrom(ctx).UserID)
	default:
		add("assigned_to = $?", f.Assigned)
	}
	if f.Q != "" {
		if ts, ok := s.TextSearch("event_search", len(args)+1, f.Q, false); ok {
			args = append(args, ts.Arg)
			conds = append(conds, "id IN (SELECT event_search.event_id FROM "+ts.From+" WHERE event_search.org_id = $1 AND "+ts.Where+")")
		}
	}
	return strings.Join(conds, " AND "), args
}

// unfiltered reports whether f filters by status alone.
func (f QueueFilter) unfiltered() bool {
	f.Status, f.Sort, f.Offset, f.Limit = "", "", 0, 0
	return f == QueueFilter{}
}

func (f QueueFilter) order() string {
	switch f.Sort {
	case "oldest":
		return "submitted_at, id"
	case "harm":
		return "CASE WHEN harm = '' THEN '9' ELSE harm END, submitted_at DESC, id DESC"
	case "reference":
		return "ref"
	}
	return "submitted_at DESC, id DESC"
}

// QueuePage is one page of the review queue.
type QueuePage struct {
	Events []Event `json:"items"`
	// Total is how many events match; Counts how many match each status
	// with the other filters.
	Total  int                   `json:"total"`
	Counts map[events.Status]int `json:"counts"`
	Offset int                   `json:"offset"`
	Limit  int                   `json:"limit"`
}

func placeholders(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ps, ", ")
}

func (s *DB) statusCond(f QueueFilter, args []any) (string, []any) {
	in := f.statusIn()
	cond := "status IN (" + placeholders(len(args)+1, len(in)) + ")"
	for _, st := range in {
		args = append(args, string(st))
	}
	return cond, args
}

// Queue is the page of the review queue of orgID that f asks for (f must
// have been checked), with the total and the counts per status.
func (s *DB) Queue(ctx context.Context, orgID store.OrgID, f QueueFilter) (QueuePage, error) {
	where, args := s.where(ctx, orgID, f)
	out := QueuePage{Counts: map[events.Status]int{}, Offset: f.Offset, Limit: f.Limit}
	count, cargs := `SELECT status, COUNT(*) FROM events WHERE `+where+` GROUP BY status`, args
	if f.unfiltered() {
		// The counts the triggers keep (in shards, summed): the queue as
		// it opens needs no count of every row.
		count, cargs = `SELECT status, SUM(n) FROM event_status_counts WHERE org_id = $1 AND status <> 'draft' GROUP BY status`, []any{orgID}
	}
	rows, err := s.SQL().QueryContext(ctx, count, cargs...)
	if err != nil {
		return out, s.Wrap(err, "count the review queue")
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return out, s.Wrap(err, "count the review queue")
		}
		out.Counts[events.Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return out, s.Wrap(err, "count the review queue")
	}
	for _, st := range f.statusIn() {
		out.Total += out.Counts[st]
	}
	sc, args := s.statusCond(f, args)
	args = append(args, f.Limit, f.Offset)
	out.Events, err = s.queryEvents(ctx, fmt.Sprintf(`SELECT %s FROM events WHERE %s AND %s ORDER BY %s LIMIT $%d OFFSET $%d`,
		EventCols, where, sc, f.order(), len(args)-1, len(args)), args...)
	return out, err
}

// QueueEach calls fn with every event of orgID that f matches (all pages),
// in f's order, streaming them: the exports of what the queue shows.
func (s *DB) QueueEach(ctx context.Context, orgID store.OrgID, f QueueFilter, fn func(Event) error) error {
	where, args := s.where(ctx, orgID, f)
	sc, args := s.statusCond(f, args)
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+EventCols+` FROM events WHERE `+where+` AND `+sc+` ORDER BY `+f.order(), args...)
	if err != nil {
		return s.Wrap(err, "export the review queue")
	}
	defer rows.Close()
	for rows.Next() {
		e, err := ScanEvent(rows)
		if err != nil {
			return s.Wrap(err, "export the review queue")
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return s.Wrap(rows.Err(), "export the review queue")
}

// searchBody is the text of event e that search finds: its reference,
// description, location, IT problem, medicines, addenda and learning
// summary.
func searchBody(e Event, r Review, addenda []string) string {
	a := e.Record.Answers
	parts := []string{e.Ref, a.Get(events.AnsDescription), e.Location, a.Get(events.AnsITProblem)}
	for _, m := range e.Record.Groups[events.GroupMedicines] {
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		}) {
			parts = append(parts, m[k]...)
		}
	}
	parts = append(parts, addenda...)
	parts = append(parts, r.LearningSummary)
	return strings.Join(slices.DeleteFunc(parts, func(p string) bool { return p == "" }), "\n")
}

// index rewrites the search document of event id in tx, from the event
// as it stands there: every write of a submitted event calls it in its
// own transaction.
func (s *DB) index(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string) error {
	e, err := s.get(ctx, tx, orgID, id)
	if err != nil {
		return err
	}
	return s.indexEvent(ctx, tx, e, false)
}

// indexEvent is index for event e as it stands in tx; isNew says the
// transaction made e in one step, so that it has no review and no
// addenda to read.
func (s *DB) indexEvent(ctx context.Context, tx *store.Tx, e Event, isNew bool) error {
	orgID, id := e.OrgID, e.ID
	if isNew {
		return s.writeIndex(ctx, tx, e, Review{}, nil)
	}
	r, err := s.review(ctx, tx, orgID, id)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT body FROM event_addenda WHERE event_id = $1 AND org_id = $2 ORDER BY at, id`, id, orgID)
	if err != nil {
		return s.Wrap(err, "index event %s", id)
	}
	var addenda []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return s.Wrap(err, "index event %s", id)
		}
		addenda = append(addenda, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.Wrap(err, "index event %s", id)
	}
	return s.writeIndex(ctx, tx, e, r, addenda)
}

// writeIndex writes the search document of event e, with its review r
// and addenda.
func (s *DB) writeIndex(ctx context.Context, tx *store.Tx, e Event, r Review, addenda []string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO event_search (event_id, org_id, body) VALUES ($1, $2, $3)
		ON CONFLICT (event_id) DO UPDATE SET body = excluded.body`, e.ID, e.OrgID, searchBody(e, r, addenda))
	return s.Wrap(err, "index event %s", e.ID)
}

// IndexTx rewrites the search document of submitted event id inside the
// caller's transaction, for another eventsdb method that changes what
// search finds.
func (s *DB) IndexTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, id string) error {
	return s.index(ctx, tx, orgID, id)
}

// searchIDs are the ids of orgID's events whose search document matches
// q (every word, or any word), best match first.
func (s *DB) searchIDs(ctx context.Context, orgID store.OrgID, q string, anyTerm bool, limit int) ([]string, error) {
	ts, ok := s.TextSearch("event_search", 2, q, anyTerm)
	if !ok {
		return nil, nil
	}
	// The best of the newest matches: read in the index's own order and
	// stopped early, ranking only those, so a common word among a million
	// events costs no more than a rare one.
	rows, err := s.SQL().QueryContext(ctx, `SELECT event_id FROM (SELECT event_search.event_id AS event_id, `+ts.Doc+` AS doc, `+ts.Rank+` AS r
		FROM `+ts.From+` WHERE event_search.org_id = $1 AND `+ts.Where+` ORDER BY `+ts.Doc+` DESC LIMIT $4) m ORDER BY r, doc DESC LIMIT $3`,
		orgID, ts.Arg, limit, searchWindow)
	if err != nil {
		return nil, s.Wrap(err, "search events")
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.Wrap(err, "search events")
		}
		ids = append(ids, id)
	}
	return ids, s.Wrap(rows.Err(), "search events")
}

// searchWindow is how many of the newest matches search ranks.
const searchWindow = 500

// byIDs are the submitted events ids of orgID, in the order of ids.
func (s *DB) byIDs(ctx context.Context, orgID store.OrgID, ids []string) ([]Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var args []any
	for _, id := range ids {
		args = append(args, id)
	}
	// By primary key alone, so that no engine is tempted to read the
	// organisation's index instead; the organisation is checked here.
	es, err := s.queryEvents(ctx, `SELECT `+EventCols+` FROM events WHERE id IN (`+placeholders(1, len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	es = slices.DeleteFunc(es, func(e Event) bool { return e.OrgID != orgID || e.Status == events.Draft })
	slices.SortFunc(es, func(a, b Event) int { return slices.Index(ids, a.ID) - slices.Index(ids, b.ID) })
	return es, nil
}

// Search finds orgID's submitted events whose description, location, IT
// problem, medicines, addenda, learning summary or reference hold every
// word of q (stemmed, any case): the best matches among the newest 500,
// best first.
func (s *DB) Search(ctx context.Context, orgID store.OrgID, q string, limit int) ([]Event, error) {
	if len(q) > 200 {
		return nil, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with what was entered", Fields: map[string]string{"q": "Search for 200 characters or fewer"}}
	}
	ids, err := s.searchIDs(ctx, orgID, q, false, min(max(limit, 1), QueueMaxPage))
	if err != nil {
		return nil, err
	}
	return s.byIDs(ctx, orgID, ids)
}

// Match is a similar event and why it is similar.
type Match struct {
	Event
	Score float64  `json:"score"`
	Why   []string `json:"why"`
}

// similarWindow is how close in time a same-place event must be.
const similarWindow = 30

// Similar finds orgID's submitted events that may report the same thing
// as rec: ranked by the similarity of their text to rec's description and
// IT problem, and by sharing its location, system or an involved agent
// within 30 days of it. Events in exclude (rec's own id) and duplicates
// are left out. For the handler's possible duplicates and the reporter's
// check-answers page.
func (s *DB) Similar(ctx context.Context, orgID store.OrgID, rec events.Record, limit int, exclude ...string) ([]Match, error) {
	limit = min(max(limit, 1), 50)
	words := map[string]bool{}
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(rec.Answers.Get(events.AnsDescription)+" "+rec.Answers.Get(events.AnsITProblem)), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r > 0x7f)
	}) {
		if len([]rune(w)) >= 4 && !words[w] && len(terms) < 24 {
			words[w] = true
			terms = append(terms, w)
		}
	}
	scores := map[string]*Match{}
	var order []string
	ids, err := s.searchIDs(ctx, orgID, strings.Join(terms, " "), true, 50)
	if err != nil {
		return nil, err
	}
	found, err := s.byIDs(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	for i, e := range found {
		scores[e.ID] = &Match{Event: e, Score: 1 - float64(i)/float64(len(found)+1), Why: []string{"similar description"}}
		order = append(order, e.ID)
	}
	day, _ := rec.OccurredOn(s.Now())
	if d, err := time.Parse(time.DateOnly, day); err == nil && (rec.Location() != "" || rec.SystemID() != "") {
		from, to := d.AddDate(0, 0, -similarWindow).Format(time.DateOnly), d.AddDate(0, 0, similarWindow).Format(time.DateOnly)
		near, err := s.queryEvents(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $1 AND status <> 'draft' AND occurred_on >= $2 AND occurred_on <= $3
			AND ((location <> '' AND LOWER(location) = LOWER($4)) OR system_id = $5) ORDER BY submitted_at DESC LIMIT 100`,
			orgID, from, to, rec.Location(), rec.SystemID())
		if err != nil {
			return nil, err
		}
		for _, e := range near {
			if scores[e.ID] == nil {
				scores[e.ID] = &Match{Event: e}
				order = append(order, e.ID)
			}
		}
	}
	var out []Match
	for _, id := range order {
		m := scores[id]
		if slices.Contains(exclude, id) || m.Status == events.Duplicate {
			continue
		}
		if near := within(m.OccurredOn, day, similarWindow); near {
			structural := 0
			if rec.Location() != "" && strings.EqualFold(m.Location, rec.Location()) {
				m.Score += 0.6
				m.Why = append(m.Why, "same location")
				structural++
			}
			if rec.SystemID() != "" && m.SystemID == rec.SystemID() {
				m.Score += 0.6
				m.Why = append(m.Why, "same system")
				structural++
			}
			if slices.ContainsFunc(rec.Agents(), func(a string) bool { return m.Record.Involves(a) }) {
				m.Score += 0.3
				m.Why = append(m.Why, "same kind of agent")
				structural++
			}
			if len(m.Why) == structural && structural < 2 {
				continue // one shared place or system alone, without a similar text
			}
		} else if len(m.Why) == 0 {
			continue
		}
		out = append(out, *m)
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// within reports whether days a and b (YYYY-MM-DD) are at most n days apart.
func within(a, b string, n int) bool {
	da, err1 := time.Parse(time.DateOnly, a)
	db, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return false
	}
	d := da.Sub(db)
	return d <= time.Duration(n)*24*time.Hour && d >= -time.Duration(n)*24*time.Hour
}

// indexChunk is how many events one transaction of IndexMissing indexes.
const indexChunk = 500

// IndexMissing writes the search document of every submitted event that
// has none, a chunk of events to a transaction, and returns how many it
// wrote: events imported before imports wrote their documents were not
// found by the queue's text search. The documents are derived data, not
// audited content; the run is audited as one action.
func (s *DB) IndexMissing(ctx context.Context) (int, error) {
	done := 0
	for {
		rows, err := s.SQL().QueryContext(ctx, `SELECT e.id, e.org_id FROM events e WHERE e.status <> $1
			AND NOT EXISTS (SELECT 1 FROM event_search x WHERE x.event_id = e.id) ORDER BY e.id LIMIT $2`, string(events.Draft), indexChunk)
		if err != nil {
			return done, s.Wrap(err, "find events without a search document")
		}
		type key struct {
			id  string
			org store.OrgID
		}
		var ks []key
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.id, &k.org); err != nil {
				rows.Close()
				return done, s.Wrap(err, "find events without a search document")
			}
			ks = append(ks, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, s.Wrap(err, "find events without a search document")
		}
		if len(ks) == 0 {
			break
		}
		err = s.Tx(ctx, func(tx *store.Tx) error {
			for _, k := range ks {
				if err := s.index(ctx, tx, k.org, k.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += len(ks)
	}
	if done == 0 {
		return 0, nil
	}
	return done, s.RecordAction(ctx, store.Change{Action: "event.reindex", Entity: "event_search", Summary: fmt.Sprintf("wrote the search documents of %d events that had none", done)})
}
