package eventsdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/nhsnumber"
	"github.com/google/uuid"
)

// MaxNote is the longest note on a link, in characters.
const MaxNote = 1000

// TriageItem is an IT incident in a CSO's triage list.
type TriageItem struct {
	Event
	SystemName string `json:"system_name"`
	// Hazards counts the hazards it is linked to now.
	Hazards int `json:"hazards"`
}

// Linked reports whether the incident is linked to a hazard.
func (t TriageItem) Linked() bool { return t.Hazards > 0 }

// actorID is the signed-in actor; Unauthenticated without one.
func actorID(ctx context.Context) (string, error) {
	a := audit.ActorFrom(ctx)
	if a.UserID == "" {
		return "", apperr.New(apperr.Unauthenticated, "Sign in first")
	}
	return a.UserID, nil
}

// scope is the SQL condition (on events e) of the IT incidents the actor
// triages: all of the organisation's when all (a handler), else those of
// the systems the actor is a CSO for. Its parameters follow args.
func (s *DB) scope(ctx context.Context, orgID store.OrgID, all bool, args []any) (string, []any, error) {
	cond := `e.org_id = $1 AND e.status <> 'draft' AND e.system_id IS NOT NULL`
	if all {
		return cond, args, nil
	}
	uid, err := actorID(ctx)
	if err != nil {
		return "", nil, err
	}
	args = append(args, uid)
	return cond + fmt.Sprintf(` AND e.system_id IN (SELECT c.system_id FROM risk_system_csos c WHERE c.org_id = e.org_id AND c.user_id = $%d)`, len(args)), args, nil
}

const activeLinks = `(SELECT COUNT(*) FROM event_hazard_links l WHERE l.event_id = e.id AND l.removed_at IS NULL)`

// Triage lists the IT incidents the signed-in actor triages in orgID
// (all of them when all, for a handler; else those of the systems they
// are CSO for): those not yet linked to a hazard first, then newest
// first, at most limit.
func (s *DB) Triage(ctx context.Context, orgID store.OrgID, all bool, limit int) ([]TriageItem, error) {
	cond, args, err := s.scope(ctx, orgID, all, []any{orgID})
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+store.Qualify("e.", EventCols)+`, COALESCE(rs.name, ''), `+activeLinks+` AS n
		FROM events e LEFT JOIN risk_systems rs ON rs.id = e.system_id
		WHERE `+cond+` ORDER BY CASE WHEN `+activeLinks+` = 0 THEN 0 ELSE 1 END, e.submitted_at DESC, e.id DESC LIMIT `+fmt.Sprint(limit), args...)
	if err != nil {
		return nil, s.Wrap(err, "triage list")
	}
	defer rows.Close()
	var out []TriageItem
	for rows.Next() {
		var t TriageItem
		var extra struct {
			name string
			n    int
		}
		ev, err := scanEventWith(rows, &extra.name, &extra.n)
		if err != nil {
			return nil, s.Wrap(err, "read triage list")
		}
		t.Event, t.SystemName, t.Hazards = ev, extra.name, extra.n
		out = append(out, t)
	}
	return out, s.Wrap(rows.Err(), "triage list")
}

// TriageCount counts the open IT incidents about the systems user
// userID is CSO for that are linked to no hazard yet.
func (s *DB) TriageCount(ctx context.Context, orgID store.OrgID, userID string) (int, error) {
	cond := `e.org_id = $1 AND e.status <> 'draft' AND e.system_id IS NOT NULL AND e.system_id IN (SELECT c.system_id FROM risk_system_csos c WHERE c.org_id = e.org_id AND c.user_id = $2)`
	args := []any{orgID, userID}
	var err error
	var n int
	err = s.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM events e WHERE `+cond+` AND e.status IN ('submitted', 'in_review', 'awaiting_information') AND `+activeLinks+` = 0`, args...).Scan(&n)
	return n, s.Wrap(err, "count triage")
}

// TriageEvent is the IT incident id as its triage shows it to the
// signed-in actor; NotFound when it is not an IT incident naming a
// registered system, or (unless all) not about a system they are CSO for.
func (s *DB) TriageEvent(ctx context.Context, orgID store.OrgID, all bool, id string) (TriageItem, error) {
	if _, err := uuid.Parse(id); err != nil {
		return TriageItem{}, store.NotFound("IT incident")
	}
	cond, args, err := s.scope(ctx, orgID, all, []any{orgID, id})
	if err != nil {
		return TriageItem{}, err
	}
	var t TriageItem
	var name string
	var n int
	ev, err := scanEventWith(s.SQL().QueryRowContext(ctx, `SELECT `+store.Qualify("e.", EventCols)+`, COALESCE(rs.name, ''), `+activeLinks+`
		FROM events e LEFT JOIN risk_systems rs ON rs.id = e.system_id WHERE e.id = $2 AND `+cond, args...), &name, &n)
	if err != nil {
		return t, s.One(err, "IT incident", "read IT incident %s", id)
	}
	t.Event, t.SystemName, t.Hazards = ev, name, n
	return t, nil
}

// scanEventWith reads a row of EventCols followed by extra columns.
func scanEventWith(r scanner, extra ...any) (Event, error) {
	return ScanEvent(&extraScanner{r: r, extra: extra})
}

type extraScanner struct {
	r     scanner
	extra []any
}

func (x *extraScanner) Scan(dest ...any) error { return x.r.Scan(append(dest, x.extra...)...) }

// HazardLink is an event linked to a hazard: by whom, when and why, and
// when it was unlinked (the link is kept).
type HazardLink struct {
	ID         string     `json:"id"`
	EventID    string     `json:"event_id"`
	HazardID   string     `json:"hazard_id"`
	HazardRef  string     `json:"hazard_ref"`
	HazardName string     `json:"hazard_name"`
	LinkedBy   string     `json:"linked_by"`
	LinkedAt   time.Time  `json:"linked_at"`
	Note       string     `json:"note,omitempty"`
	RemovedAt  *time.Time `json:"removed_at,omitempty"`
}

// EventHazards are the hazard links of event id, current and removed,
// oldest first.
func (s *DB) EventHazards(ctx context.Context, orgID store.OrgID, id string) ([]HazardLink, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT l.id, l.event_id, l.hazard_id, h.number, h.name, COALESCE(u.name, ''), l.linked_at, l.note, l.removed_at
		FROM event_hazard_links l JOIN hazards h ON h.id = l.hazard_id LEFT JOIN users u ON u.id = l.linked_by
		WHERE l.org_id = $1 AND l.event_id = $2 ORDER BY l.linked_at, l.id`, orgID, id)
	if err != nil {
		return nil, s.Wrap(err, "hazards of event %s", id)
	}
	defer rows.Close()
	var out []HazardLink
	for rows.Next() {
		var l HazardLink
		var num int
		var removed sql.NullTime
		if err := rows.Scan(&l.ID, &l.EventID, &l.HazardID, &num, &l.HazardName, &l.LinkedBy, &l.LinkedAt, &l.Note, &removed); err != nil {
			return nil, s.Wrap(err, "hazards of event %s", id)
		}
		l.HazardRef, l.LinkedAt, l.RemovedAt = risk.FormatRef(num), l.LinkedAt.UTC(), utcPtr(removed)
		out = append(out, l)
	}
	return out, s.Wrap(rows.Err(), "hazards of event %s", id)
}

func checkNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNote {
		return "", &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{"note": fmt.Sprintf("The note must be %d characters or fewer", MaxNote)}}
	}
	return note, nil
}

// itEvent is the submitted IT incident id of orgID naming a registered
// system, read in tx.
func (s *DB) itEvent(ctx context.Context, q store.Querier, orgID store.OrgID, id string) (Event, error) {
	e, err := s.get(ctx, q, orgID, id)
	if err != nil {
		return e, err
	}
	if e.SystemID == "" {
		return e, store.NotFound("IT incident")
	}
	return e, nil
}

// LinkHazard links IT incident eventID to hazardID, a hazard of the
// system the incident names. NotFound for another organisation's event
// or hazard, Invalid when the hazard is of another system, Conflict when
// they are linked already.
func (s *DB) LinkHazard(ctx context.Context, orgID store.OrgID, eventID, hazardID, note string) (HazardLink, error) {
	uid, err := actorID(ctx)
	if err != nil {
		return HazardLink{}, err
	}
	if note, err = checkNote(note); err != nil {
		return HazardLink{}, err
	}
	var out HazardLink
	err = s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.itEvent(ctx, tx, orgID, eventID)
		if err != nil {
			return err
		}
		if _, err := uuid.Parse(hazardID); err != nil {
			return hazardField("Select a hazard of " + "the system")
		}
		h, err := s.risk.Hazard(ctx, orgID, hazardID)
		if apperr.Is(err, apperr.NotFound) {
			return hazardField("Select a hazard of the system the incident names")
		}
		if err != nil {
			return err
		}
		if h.SystemID != e.SystemID {
			return hazardField("Select a hazard of the system the incident names")
		}
		out, err = s.linkTx(ctx, tx, orgID, e, h.Hazard, uid, note)
		return err
	})
	return out, err
}

func hazardField(msg string) error {
	return apperr.Field("hazard_id", msg)
}

func (s *DB) linkTx(ctx context.Context, tx *store.Tx, orgID store.OrgID, e Event, h risk.Hazard, uid, note string) (HazardLink, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_hazard_links WHERE event_id = $1 AND hazard_id = $2 AND removed_at IS NULL`, e.ID, h.ID).Scan(&n); err != nil {
		return HazardLink{}, s.Wrap(err, "check link")
	}
	if n > 0 {
		return HazardLink{}, apperr.New(apperr.Conflict, "%s is linked to %s already", e.Ref, h.Ref)
	}
	l := HazardLink{ID: store.NewID(), EventID: e.ID, HazardID: h.ID, HazardRef: h.Ref, HazardName: h.Name, LinkedAt: s.Now(), Note: note}
	if _, err := tx.ExecContext(ctx, `INSERT INTO event_hazard_links (id, event_id, hazard_id, org_id, linked_by, linked_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		l.ID, e.ID, h.ID, orgID, uid, l.LinkedAt, note); err != nil {
		return HazardLink{}, s.Wrap(err, "link event %s", e.ID)
	}
	return l, tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.hazard_link", Entity: "event", EntityID: e.ID,
		Summary: audit.Summarise("event", e.Ref, "hazard", h.Ref)})
}

// UnlinkHazard ends the link of eventID to hazardID, keeping it in the
// history. NotFound when they are not linked.
func (s *DB) UnlinkHazard(ctx context.Context, orgID store.OrgID, eventID, hazardID string) error {
	uid, err := actorID(ctx)
	if err != nil {
		return err
	}
	if _, err := uuid.Parse(hazardID); err != nil {
		return store.NotFound("link")
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.itEvent(ctx, tx, orgID, eventID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE event_hazard_links SET removed_at = $1, removed_by = $2 WHERE org_id = $3 AND event_id = $4 AND hazard_id = $5 AND removed_at IS NULL`,
			s.Now(), uid, orgID, e.ID, hazardID)
		if err != nil {
			return s.Wrap(err, "unlink event %s", e.ID)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.NotFound("link")
		}
		h, err := s.risk.Hazard(ctx, orgID, hazardID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event.hazard_unlink", Entity: "event", EntityID: e.ID,
			Summary: audit.Summarise("event", e.Ref, "hazard", h.Ref)})
	})
}

// HazardFromEvent is a new hazard prefilled from an IT incident: its name
// from what went wrong with the system, its description from what
// happened, its causes from how the system was involved. The CSO rates it.
func HazardFromEvent(e Event) risk.Hazard {
	a := e.Record.Answers
	name := firstLine(a.Get(events.AnsITProblem))
	if name == "" {
		name = firstLine(a.Get(events.AnsDescription))
	}
	if r := []rune(name); len(r) > 120 {
		name = strings.TrimSpace(string(r[:117])) + "..."
	}
	h := risk.Hazard{Name: name, Description: a.Get(events.AnsDescription), Status: risk.Open}
	if p := a.Get(events.AnsITProblem); p != "" && p != h.Description {
		h.Description = strings.TrimSpace(h.Description + "\n\n" + p)
	}
	for _, c := range a[events.AnsITFactors] {
		if c == "6" || c == "7" { // Other, Don't know
			continue
		}
		h.Causes = append(h.Causes, events.LFPSE.Label(events.ListITFactor, c))
	}
	return h
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// RaiseHazard adds h to the log of the system IT incident eventID names
// and links the incident to it, in one transaction. Invalid with the
// hazard's per-field messages.
func (s *DB) RaiseHazard(ctx context.Context, orgID store.OrgID, eventID string, h risk.Hazard, note string) (riskdb.HazardEntry, error) {
	uid, err := actorID(ctx)
	if err != nil {
		return riskdb.HazardEntry{}, err
	}
	if note, err = checkNote(note); err != nil {
		return riskdb.HazardEntry{}, err
	}
	var out riskdb.HazardEntry
	err = s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.itEvent(ctx, tx, orgID, eventID)
		if err != nil {
			return err
		}
		if out, err = s.risk.CreateHazardTx(ctx, tx, orgID, e.SystemID, h); err != nil {
			return err
		}
		_, err = s.linkTx(ctx, tx, orgID, e, out.Hazard, uid, note)
		return err
	})
	return out, err
}

// LoggedEvent is a row of a hazard's Safety Incident Management Log: an
// incident of the organisation, or one a trust shared with it (which
// names the trust, and only the month it happened).
type LoggedEvent struct {
	EventID  string        `json:"event_id,omitempty"`
	ShareID  string        `json:"share_id,omitempty"`
	Ref      string        `json:"reference,omitempty"`
	SharedBy string        `json:"shared_by,omitempty"`
	Date     string        `json:"date"` // YYYY-MM-DD, or YYYY-MM for a shared one
	Harm     string        `json:"harm,omitempty"`
	Status   events.Status `json:"status,omitempty"`
	LinkedAt time.Time     `json:"linked_at"`
	Note     string        `json:"note,omitempty"`
	// HazardID and HazardRef name the hazard (SystemEvents).
	HazardID  string `json:"hazard_id,omitempty"`
	HazardRef string `json:"hazard_ref,omitempty"`
}

// Href is the page of the logged event for the log's organisation.
func (l LoggedEvent) Href() string {
	if l.ShareID != "" {
		return "/events/shared/" + l.ShareID
	}
	return "/events/triage/" + l.EventID
}

// Serious reports whether the harm is moderate or worse.
func (l LoggedEvent) Serious() bool { return l.Harm == "1" || l.Harm == "2" || l.Harm == "3" }

// HazardEvents is the Safety Incident Management Log of hazardID: the
// events linked to it now, own and shared, newest link first. NotFound
// for another organisation's hazard.
func (s *DB) HazardEvents(ctx context.Context, orgID store.OrgID, hazardID string) ([]LoggedEvent, error) {
	if _, err := uuid.Parse(hazardID); err != nil {
		return nil, store.NotFound("Hazard")
	}
	if _, err := s.risk.Hazard(ctx, orgID, hazardID); err != nil {
		return nil, err
	}
	return s.logged(ctx, orgID, `l.hazard_id = $2`, hazardID)
}

// logged are the current links of orgID's log matching cond (on links l
// and hazards h; $2 is arg).
func (s *DB) logged(ctx context.Context, orgID store.OrgID, cond, arg string) ([]LoggedEvent, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT e.id, '', COALESCE(e.ref, ''), '', e.occurred_on, e.harm, e.status, l.linked_at, l.note, h.id, h.number
		FROM event_hazard_links l JOIN events e ON e.id = l.event_id JOIN hazards h ON h.id = l.hazard_id
		WHERE l.org_id = $1 AND l.removed_at IS NULL AND `+cond+`
		UNION ALL
		SELECT '', sh.id, '', o.name, sh.occurred_month, sh.harm, '', l.linked_at, l.note, h.id, h.number
		FROM event_share_links l JOIN event_shares sh ON sh.id = l.share_id JOIN organisations o ON o.id = sh.org_id JOIN hazards h ON h.id = l.hazard_id
		WHERE l.org_id = $1 AND l.removed_at IS NULL AND `+cond+`
		ORDER BY 8 DESC, 1, 2`, orgID, arg)
	if err != nil {
		return nil, s.Wrap(err, "incident log")
	}
	defer rows.Close()
	var out []LoggedEvent
	for rows.Next() {
		var l LoggedEvent
		var num int
		var st string
		if err := rows.Scan(&l.EventID, &l.ShareID, &l.Ref, &l.SharedBy, &l.Date, &l.Harm, &st, &l.LinkedAt, &l.Note, &l.HazardID, &num); err != nil {
			return nil, s.Wrap(err, "incident log")
		}
		l.Status, l.LinkedAt, l.HazardRef = events.Status(st), l.LinkedAt.UTC(), risk.FormatRef(num)
		out = append(out, l)
	}
	return out, s.Wrap(rows.Err(), "incident log")
}

// LikelihoodReview says whether a hazard's linked events call for a review
// of its likelihood: three or more linked since the likelihood was last
// changed (since; zero when never changed after it was raised), or any
// with harm moderate or worse.
func LikelihoodReview(log []LoggedEvent, since time.Time) bool {
	n := 0
	for _, l := range log {
		if l.Serious() {
			return true
		}
		if l.LinkedAt.After(since) {
			n++
		}
	}
	return n >= 3
}

// LikelihoodChanged is when the likelihood of a hazard last changed, from
// its history (riskdb.HazardHistory, newest first); zero when it never
// changed after the first version.
func LikelihoodChanged(hist []riskdb.HazardVersion) time.Time {
	for _, v := range hist {
		if v.Version <= 1 {
			continue
		}
		for _, c := range v.Changes {
			if c.Field == "initial_likelihood" || c.Field == "residual_likelihood" {
				return v.ChangedAt
			}
		}
	}
	return time.Time{}
}

// SystemIncident is a row of a system's incident log: an incident naming
// the system (or shared about it) with the hazards it is linked to.
type SystemIncident struct {
	LoggedEvent
	Hazards []string `json:"hazards"`
}

// SystemEvents is the Safety Incident Management Log of systemID: every
// IT incident of orgID naming it, newest first, and every shared incident
// linked to one of its hazards, each with its hazards. NotFound for
// another organisation's system.
func (s *DB) SystemEvents(ctx context.Context, orgID store.OrgID, systemID string) ([]SystemIncident, error) {
	if _, err := uuid.Parse(systemID); err != nil {
		return nil, store.NotFound("System")
	}
	if _, err := s.risk.System(ctx, orgID, systemID); err != nil {
		return nil, err
	}
	evs, err := s.queryEvents(ctx, `SELECT `+EventCols+` FROM events WHERE org_id = $1 AND system_id = $2 AND status <> 'draft' ORDER BY submitted_at DESC, id DESC LIMIT 1000`, orgID, systemID)
	if err != nil {
		return nil, err
	}
	links, err := s.logged(ctx, orgID, `h.system_id = $2`, systemID)
	if err != nil {
		return nil, err
	}
	byEvent := map[string][]string{}
	var shared []SystemIncident
	seen := map[string]int{}
	for _, l := range links {
		if l.EventID != "" {
			byEvent[l.EventID] = append(byEvent[l.EventID], l.HazardRef)
			continue
		}
		if i, ok := seen[l.ShareID]; ok {
			shared[i].Hazards = append(shared[i].Hazards, l.HazardRef)
			continue
		}
		seen[l.ShareID] = len(shared)
		shared = append(shared, SystemIncident{LoggedEvent: LoggedEvent{ShareID: l.ShareID, SharedBy: l.SharedBy, Date: l.Date, Harm: l.Harm, LinkedAt: l.LinkedAt},
			Hazards: []string{l.HazardRef}})
	}
	var out []SystemIncident
	for _, e := range evs {
		out = append(out, SystemIncident{LoggedEvent: LoggedEvent{EventID: e.ID, Ref: e.Ref, Date: e.OccurredOn, Harm: e.Harm, Status: e.Status},
			Hazards: byEvent[e.ID]})
	}
	return append(out, shared...), nil
}

// ShareBases are the bases on which a trust may share an incident with a
// supplier, with their words.
var ShareBases = []events.Entry{
	{Code: "deidentified", Label: "De-identified information shared for patient safety", Hint: "No one can be identified from what is shared"},
	{Code: "caldicott", Label: "Approved by the Caldicott Guardian", Hint: ""},
	{Code: "agreement", Label: "Under a data sharing agreement with the supplier", Hint: ""},
	{Code: "reporter", Label: "The reporter agreed", Hint: ""},
}

// ShareBasisLabel is a basis in words.
func ShareBasisLabel(code string) string {
	for _, b := range ShareBases {
		if b.Code == code {
			return b.Label
		}
	}
	return code
}

// ShareInput is what the sharing CSO gives.
type ShareInput struct {
	ToOrg        store.OrgID `json:"to_org_id"`
	Description  string      `json:"description"`
	ConsentBy    string      `json:"consent_by"`
	ConsentBasis string      `json:"consent_basis"`
	ConsentedOn  string      `json:"consented_on"` // YYYY-MM-DD
}

// Share is an IT incident shared de-identified with a supplier: what the
// supplier sees, never the record itself.
type Share struct {
	ID            string            `json:"id"`
	EventID       string            `json:"-"`
	OrgID         store.OrgID       `json:"-"`
	FromOrg       string            `json:"shared_by_organisation"`
	ToOrgID       store.OrgID       `json:"to_org_id"`
	ToOrg         string            `json:"to_organisation"`
	Type          events.RecordType `json:"record_type"`
	Harm          string            `json:"harm,omitempty"`
	OccurredMonth string            `json:"occurred_month"`
	SystemName    string            `json:"system"`
	SystemVersion string            `json:"system_version,omitempty"`
	ITFactors     []string          `json:"it_factors"`
	Description   string            `json:"description"`
	ConsentBy     string            `json:"consent_by"`
	ConsentBasis  string            `json:"consent_basis"`
	ConsentedOn   string            `json:"consented_on"`
	SharedAt      time.Time         `json:"shared_at"`
	// Links are the supplier's current links to its hazards.
	Links []HazardLink `json:"hazards"`
}

// MaxShareText is the longest description of a shared incident.
const MaxShareText = 4000

// SupplierOrgs are the organisations an incident about sys may be shared
// with: the instance's suppliers other than orgID, the one whose name
// matches the system's manufacturer first (match reports whether it did).
func (s *DB) SupplierOrgs(ctx context.Context, orgID store.OrgID, sys riskdb.System) (out []store.Org, match bool, err error) {
	orgs, err := s.ListOrgs(ctx)
	if err != nil {
		return nil, false, err
	}
	m := strings.ToLower(strings.TrimSpace(sys.Manufacturer))
	for _, o := range orgs {
		if o.ID == orgID || o.Kind != "supplier" {
			continue
		}
		n := strings.ToLower(o.Name)
		if m != "" && (strings.HasPrefix(n, m) || strings.HasPrefix(m, n)) && !match {
			out, match = append([]store.Org{o}, out...), true
			continue
		}
		out = append(out, o)
	}
	return out, match, nil
}

func (in *ShareInput) check(now time.Time) error {
	in.Description, in.ConsentBy = strings.TrimSpace(in.Description), strings.TrimSpace(in.ConsentBy)
	var fs apperr.Fields
	fs.Check(in.ToOrg == "", "to_org_id", "Select the supplier to share with")
	fs.Check(in.Description == "", "description", "Describe the incident for the supplier")
	fs.Check(utf8.RuneCountInString(in.Description) > MaxShareText, "description", fmt.Sprintf("The description must be %d characters or fewer", MaxShareText))
	if fs.Err() == nil && containsNHSNumber(in.Description) {
		fs.Add("description", "Take the NHS number out of the description: shared incidents are de-identified")
	}
	fs.Check(in.ConsentBy == "", "consent_by", "Enter who consented to sharing, with their role")
	fs.Check(utf8.RuneCountInString(in.ConsentBy) > 200, "consent_by", "Who consented must be 200 characters or fewer")
	ok := false
	for _, b := range ShareBases {
		ok = ok || b.Code == in.ConsentBasis
	}
	fs.Check(!ok, "consent_basis", "Select the basis for sharing")
	d, err := time.Parse(time.DateOnly, in.ConsentedOn)
	switch {
	case in.ConsentedOn == "":
		fs.Add("consented_on", "Enter the date consent was given")
	case err != nil:
		fs.Add("consented_on", "The date consent was given must be a real date")
	case d.After(now):
		fs.Add("consented_on", "The date consent was given must be today or in the past")
	}
	return fs.Err()
}

// containsNHSNumber reports whether s holds ten digits (spaced or not)
// that make a valid NHS number.
func containsNHSNumber(s string) bool {
	var run []byte
	flush := func() bool {
		ok := len(run) >= 10 && nhsnumber.Valid(string(run[len(run)-10:]))
		if !ok && len(run) > 10 {
			for i := 0; i+10 <= len(run); i++ {
				if nhsnumber.Valid(string(run[i : i+10])) {
					return true
				}
			}
		}
		run = run[:0]
		return ok
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			run = append(run, c)
		case (c == ' ' || c == '-') && len(run) > 0:
		default:
			if flush() {
				return true
			}
		}
	}
	return flush()
}

const shareCols = `sh.id, sh.event_id, sh.org_id, fo.name, sh.to_org_id, tor.name, sh.record_type, sh.harm, sh.occurred_month, sh.system_name, sh.system_version,
	sh.it_factors, sh.description, sh.consent_by, sh.consent_basis, sh.consented_on, sh.shared_at`

const shareFrom = ` FROM event_shares sh JOIN organisations fo ON fo.id = sh.org_id JOIN organisations tor ON tor.id = sh.to_org_id`

func scanShare(r scanner) (Share, error) {
	var sh Share
	var factors string
	err := r.Scan(&sh.ID, &sh.EventID, &sh.OrgID, &sh.FromOrg, &sh.ToOrgID, &sh.ToOrg, &sh.Type, &sh.Harm, &sh.OccurredMonth, &sh.SystemName, &sh.SystemVersion,
		&factors, &sh.Description, &sh.ConsentBy, &sh.ConsentBasis, &sh.ConsentedOn, &sh.SharedAt)
	sh.SharedAt = sh.SharedAt.UTC()
	if f := strings.Trim(factors, "|"); f != "" {
		sh.ITFactors = strings.Split(f, "|")
	}
	return sh, err
}

// ShareEvent shares IT incident eventID of orgID with the supplier
// organisation in.ToOrg, de-identified: its record type, harm grade,
// month, system and version and IT involvement factors, and the
// description the CSO wrote; never the reporter, the patients or the
// free text of the record. Consent is recorded. Invalid with per-field
// messages; Conflict when shared with that organisation already.
func (s *DB) ShareEvent(ctx context.Context, orgID store.OrgID, eventID string, in ShareInput) (Share, error) {
	uid, err := actorID(ctx)
	if err != nil {
		return Share{}, err
	}
	if err := in.check(s.Now()); err != nil {
		return Share{}, err
	}
	var out Share
	err = s.Tx(ctx, func(tx *store.Tx) error {
		e, err := s.itEvent(ctx, tx, orgID, eventID)
		if err != nil {
			return err
		}
		sys, err := s.risk.System(ctx, orgID, e.SystemID)
		if err != nil {
			return err
		}
		sups, _, err := s.SupplierOrgs(ctx, orgID, sys)
		if err != nil {
			return err
		}
		ok := false
		for _, o := range sups {
			ok = ok || o.ID == in.ToOrg
		}
		if !ok {
			return apperr.Field("to_org_id", "Select a supplier organisation on this service")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_shares WHERE event_id = $1 AND to_org_id = $2`, e.ID, in.ToOrg).Scan(&n); err != nil {
			return s.Wrap(err, "check share")
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "%s has been shared with that supplier already", e.Ref)
		}
		id := store.NewID()
		month := ""
		if len(e.OccurredOn) >= 7 {
			month = e.OccurredOn[:7]
		}
		factors := ""
		if f := e.Record.Answers[events.AnsITFactors]; len(f) > 0 {
			factors = "|" + strings.Join(f, "|") + "|"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_shares (id, event_id, org_id, to_org_id, record_type, harm, occurred_month, system_name, system_version,
			it_factors, description, consent_by, consent_basis, consented_on, shared_by, shared_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			id, e.ID, orgID, in.ToOrg, string(e.Type), e.Harm, month, sys.Name, sys.LatestRelease(), factors, in.Description, in.ConsentBy, in.ConsentBasis, in.ConsentedOn, uid, s.Now()); err != nil {
			return s.Wrap(err, "share event %s", e.ID)
		}
		if err := tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event_share.create", Entity: "event_share", EntityID: id,
			Summary: audit.Summarise("event", e.Ref, "basis", in.ConsentBasis)}); err != nil {
			return err
		}
		out, err = scanShare(tx.QueryRowContext(ctx, `SELECT `+shareCols+shareFrom+` WHERE sh.id = $1`, id))
		return s.Wrap(err, "read share")
	})
	return out, err
}

// SharesOf are the shares of orgID's event eventID.
func (s *DB) SharesOf(ctx context.Context, orgID store.OrgID, eventID string) ([]Share, error) {
	return s.queryShares(ctx, `WHERE sh.org_id = $1 AND sh.event_id = $2 ORDER BY sh.shared_at`, orgID, eventID)
}

// SharedWith are the incidents shared with orgID, newest first, with the
// links to orgID's hazards.
func (s *DB) SharedWith(ctx context.Context, orgID store.OrgID) ([]Share, error) {
	return s.queryShares(ctx, `WHERE sh.to_org_id = $1 ORDER BY sh.shared_at DESC LIMIT 500`, orgID)
}

// SharedEvent is share id as the supplier orgID sees it; NotFound for
// anyone else.
func (s *DB) SharedEvent(ctx context.Context, orgID store.OrgID, id string) (Share, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Share{}, store.NotFound("shared incident")
	}
	sh, err := s.queryShares(ctx, `WHERE sh.to_org_id = $1 AND sh.id = $2`, orgID, id)
	if err != nil {
		return Share{}, err
	}
	if len(sh) == 0 {
		return Share{}, store.NotFound("shared incident")
	}
	return sh[0], nil
}

func (s *DB) queryShares(ctx context.Context, where string, args ...any) ([]Share, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT `+shareCols+shareFrom+` `+where, args...)
	if err != nil {
		return nil, s.Wrap(err, "shared incidents")
	}
	var out []Share
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			rows.Close()
			return nil, s.Wrap(err, "shared incidents")
		}
		out = append(out, sh)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.Wrap(err, "shared incidents")
	}
	for i := range out {
		if out[i].Links, err = s.shareLinks(ctx, out[i].ToOrgID, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *DB) shareLinks(ctx context.Context, toOrg store.OrgID, id string) ([]HazardLink, error) {
	rows, err := s.SQL().QueryContext(ctx, `SELECT l.id, l.hazard_id, h.number, h.name, COALESCE(u.name, ''), l.linked_at, l.note
		FROM event_share_links l JOIN hazards h ON h.id = l.hazard_id LEFT JOIN users u ON u.id = l.linked_by
		WHERE l.org_id = $1 AND l.share_id = $2 AND l.removed_at IS NULL ORDER BY l.linked_at, l.id`, toOrg, id)
	if err != nil {
		return nil, s.Wrap(err, "links of shared incident")
	}
	defer rows.Close()
	var out []HazardLink
	for rows.Next() {
		var l HazardLink
		var num int
		if err := rows.Scan(&l.ID, &l.HazardID, &num, &l.HazardName, &l.LinkedBy, &l.LinkedAt, &l.Note); err != nil {
			return nil, s.Wrap(err, "links of shared incident")
		}
		l.HazardRef, l.LinkedAt = risk.FormatRef(num), l.LinkedAt.UTC()
		out = append(out, l)
	}
	return out, s.Wrap(rows.Err(), "links of shared incident")
}

// LinkShare links the incident share id, shared with orgID, to hazardID
// of orgID's own log. NotFound for a share not with orgID; Invalid for a
// hazard not orgID's; Conflict when linked already.
func (s *DB) LinkShare(ctx context.Context, orgID store.OrgID, id, hazardID, note string) (HazardLink, error) {
	uid, err := actorID(ctx)
	if err != nil {
		return HazardLink{}, err
	}
	if note, err = checkNote(note); err != nil {
		return HazardLink{}, err
	}
	sh, err := s.SharedEvent(ctx, orgID, id)
	if err != nil {
		return HazardLink{}, err
	}
	if _, err := uuid.Parse(hazardID); err != nil {
		return HazardLink{}, hazardField("Select one of your hazards")
	}
	h, err := s.risk.Hazard(ctx, orgID, hazardID)
	if apperr.Is(err, apperr.NotFound) {
		return HazardLink{}, hazardField("Select one of your hazards")
	}
	if err != nil {
		return HazardLink{}, err
	}
	l := HazardLink{ID: store.NewID(), HazardID: h.ID, HazardRef: h.Ref, HazardName: h.Name, LinkedAt: s.Now(), Note: note}
	err = s.Tx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_share_links WHERE share_id = $1 AND hazard_id = $2 AND removed_at IS NULL`, sh.ID, h.ID).Scan(&n); err != nil {
			return s.Wrap(err, "check link")
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "The shared incident is linked to %s already", h.Ref)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_share_links (id, share_id, hazard_id, org_id, linked_by, linked_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			l.ID, sh.ID, h.ID, orgID, uid, l.LinkedAt, note); err != nil {
			return s.Wrap(err, "link shared incident")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event_share.hazard_link", Entity: "event_share", EntityID: sh.ID,
			Summary: audit.Summarise("from", sh.FromOrg, "hazard", h.Ref)})
	})
	return l, err
}

// UnlinkShare ends the link of share id to hazardID, keeping it.
func (s *DB) UnlinkShare(ctx context.Context, orgID store.OrgID, id, hazardID string) error {
	uid, err := actorID(ctx)
	if err != nil {
		return err
	}
	sh, err := s.SharedEvent(ctx, orgID, id)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE event_share_links SET removed_at = $1, removed_by = $2 WHERE org_id = $3 AND share_id = $4 AND hazard_id = $5 AND removed_at IS NULL`,
			s.Now(), uid, orgID, sh.ID, hazardID)
		if err != nil {
			return s.Wrap(err, "unlink shared incident")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.NotFound("link")
		}
		return tx.Audit(ctx, store.Change{OrgID: orgID, Action: "event_share.hazard_unlink", Entity: "event_share", EntityID: sh.ID,
			Summary: audit.Summarise("from", sh.FromOrg)})
	})
}

// BasisLabel is the basis for sharing in words.
func (sh Share) BasisLabel() string { return ShareBasisLabel(sh.ConsentBasis) }

// Month is the month the shared incident happened, "November 2026".
func (sh Share) Month() string { return monthWords(sh.OccurredMonth) }

// When is the day the logged event happened, "23 November 2026", or for
// a shared one its month.
func (l LoggedEvent) When() string {
	if len(l.Date) == 7 {
		return monthWords(l.Date)
	}
	if t, err := time.Parse(time.DateOnly, l.Date); err == nil {
		return t.Format("2 January 2006")
	}
	return l.Date
}

func monthWords(m string) string {
	if t, err := time.Parse("2006-01", m); err == nil {
		return t.Format("January 2006")
	}
	return m
}

// HarmWords is the logged event's harm in words.
func (l LoggedEvent) HarmWords() string {
	if l.Harm == "" {
		return "No patient harm recorded"
	}
	return events.LFPSE.Label(events.ListPhysicalHarm, l.Harm)
}

// StatusWords is the logged event's status in words ("Shared" for a
// shared one, whose status is the trust's).
func (l LoggedEvent) StatusWords() string {
	if l.Status == "" {
		return "Shared"
	}
	return l.Status.Label()
}
