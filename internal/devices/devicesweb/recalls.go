package devicesweb

import (
	"bytes"
	"encoding/csv"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/web"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/text"
)

// DevicesRecallsPage lists recalls.
type DevicesRecallsPage struct {
	web.Base
	Recalls  []devicesdb.RecallSummary
	CanWrite bool
}

func (s *Module) devicesRecalls(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.dev.ListRecalls(r.Context(), devOrg(r))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/recalls", DevicesRecallsPage{Base: s.k.Base(w, r, "Recalls"), Recalls: rs, CanWrite: canWriteDevices(r)})
}

// DevicesNewRecallPage is the form for a Field Safety Notice or National
// Patient Safety Alert.
type DevicesNewRecallPage struct {
	web.Base
	In    devices.RecallInput
	Kinds []web.Option
	// IssuedOn and Deadline are the date boxes as typed.
	IssuedOn, Deadline web.DateParts
}

var recallFields = []string{"reference", "kind", "issuer", "issued_on", "manufacturer", "action_required", "deadline", "affects"}

func (s *Module) newRecallPage(w http.ResponseWriter, r *http.Request, in devices.RecallInput) DevicesNewRecallPage {
	return DevicesNewRecallPage{Base: s.k.Base(w, r, "Record a recall"), In: in,
		Kinds: web.Choices(devices.RecallKinds, web.CodeLabel, in.Kind), IssuedOn: web.PartsOf(in.IssuedOn), Deadline: web.PartsOf(in.Deadline)}
}

func (s *Module) devicesNewRecall(w http.ResponseWriter, r *http.Request) error {
	return s.k.Render(w, http.StatusOK, "devices/recall_new", s.newRecallPage(w, r, devices.RecallInput{}))
}

func (s *Module) devicesCreateRecall(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm.Get
	issued, issuedTyped, issuedMsg := web.FormDate(r.PostForm, "issued_on", "the date issued")
	deadline, deadlineTyped, deadlineMsg := web.FormDate(r.PostForm, "deadline", "the action deadline")
	in := devices.RecallInput{Reference: f("reference"), Kind: f("kind"), Issuer: f("issuer"), IssuedOn: issued, Manufacturer: f("manufacturer"),
		ActionRequired: f("action_required"), Deadline: deadline, Affects: f("affects")}
	var rc devices.Recall
	var err error
	if issuedMsg != "" || deadlineMsg != "" {
		fs := map[string]string{}
		if issuedMsg != "" {
			fs["issued_on"] = issuedMsg
		}
		if deadlineMsg != "" {
			fs["deadline"] = deadlineMsg
		}
		err = &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: fs}
	} else {
		rc, err = s.dev.CreateRecall(r.Context(), devOrg(r), in)
	}
	if apperr.Is(err, apperr.Invalid) {
		d := s.newRecallPage(w, r, in)
		d.IssuedOn, d.Deadline = issuedTyped, deadlineTyped
		d.SetErrors(err, recallFields...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/recall_new", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+rc.ID, "Recall "+rc.Reference+" recorded. Check the affected patients below, then start the recall work.")
}

// DevicesRecallPage shows a recall, the three lists of patients it finds
// (affected, possibly affected, devices removed: never merged), and one
// page of the patient list with the recall work for each.
type DevicesRecallPage struct {
	web.Base
	Recall devices.Recall
	Counts devicesdb.RecallCounts
	Match  devicesdb.RecallMatch
	// Affected, Possible and Explanted are the three lists of Match, each
	// a page with its total and links to the pages before and after.
	Affected, Possible, Explanted RecallMatchList
	List                          devicesdb.RecallPatientPage
	Filters                       RecallFilters
	Prev                          string // link to the page before, or ""
	Next                          string // and after
	ListFrom                      int    // 1-based number of the first patient shown
	ListTo                        int
	ListQ                         string // the list's query (filters and offset), kept by the forms
	Started                       int    // patients with recall work
	Done                          int
	CanWrite                      bool
	Statuses                      []web.Option
	Bulk                          devices.RecallActionsInput // the bulk change, re-shown after an error
	Selected                      map[string]bool
	// BasisLabels names each group of the list (devices.Bases).
	BasisLabels map[string]string

	// SafetyEvents are the safety events linked to a device of the
	// recalled products.
	SafetyEvents []eventsdb.DeviceEvent
}

// RecallFilters are the patient list's filters, each with how many of the
// recall's patients it holds.
type RecallFilters struct {
	Statuses []RecallFilter
	Bases    []RecallFilter
	Any      bool // a filter is set
}

// RecallFilter is one choice of a filter.
type RecallFilter struct {
	Value, Label string
	Count        int
	Checked      bool
}

// recallPageSize is the patients on one page of the list.
const recallPageSize = 50

// matchPageSize is the patients on one page of each of the three lists
// the recall finds.
const matchPageSize = 100

// RecallMatchList is one page of one of the three lists a recall finds.
type RecallMatchList struct {
	ID, Caption, Empty string
	Patients           []devicesdb.AffectedPatient
	Total, From, To    int
	Prev, Next         string // links to the pages before and after, or ""
}

// matchPageParams are the query parameters of the three lists' pages.
var matchPageParams = [3]string{"affected_page", "possible_page", "explanted_page"}

// matchPages reads the pages of the three lists (1-based; absent is the
// first). Invalid, with a clear message, for a page that is not a whole
// number from 1.
func matchPages(v url.Values) ([3]int, error) {
	var pages [3]int
	for i, name := range matchPageParams {
		pages[i] = 1
		if raw := strings.TrimSpace(v.Get(name)); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > 1_000_000 {
				return pages, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with the list",
					Fields: map[string]string{name: "The page must be a whole number, 1 or more"}}
			}
			pages[i] = n
		}
	}
	return pages, nil
}

// matchList makes list i (matchPageParams) of the page: its patients, the
// range shown and the links to the pages around it, keeping the rest of
// the query.
func matchList(id string, v url.Values, i int, page int, ps []devicesdb.AffectedPatient, offset, total int, l RecallMatchList) RecallMatchList {
	l.Patients, l.Total = ps, total
	if len(ps) > 0 {
		l.From, l.To = offset+1, offset+len(ps)
	}
	link := func(p int) string {
		q := url.Values{}
		for k, vs := range v {
			q[k] = vs
		}
		q.Set(matchPageParams[i], strconv.Itoa(p))
		if p == 1 {
			q.Del(matchPageParams[i])
		}
		return recallHref(id, q.Encode(), "#"+l.ID)
	}
	if page > 1 {
		l.Prev = link(page - 1)
	}
	if offset+len(ps) < total {
		l.Next = link(page + 1)
	}
	return l
}

// recallListQuery reads the patient list's filters and offset (status,
// repeated or comma-separated, each once; basis; offset) from v. Invalid, with a
// clear message, for an offset that is not a whole number; RecallPatients
// checks the statuses and basis.
func recallListQuery(v url.Values) (devicesdb.RecallPatientQuery, error) {
	var q devicesdb.RecallPatientQuery
	for _, st := range v["status"] {
		for _, x := range strings.Split(st, ",") {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(q.Statuses, x) {
				q.Statuses = append(q.Statuses, x)
			}
		}
	}
	q.Basis = strings.TrimSpace(v.Get("basis"))
	if o := strings.TrimSpace(v.Get("offset")); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 {
			return q, &apperr.Error{Kind: apperr.Invalid, Message: "There is a problem with the list",
				Fields: map[string]string{"offset": "Offset must be a whole number, 0 or more"}}
		}
		q.Offset = n
	}
	return q, nil
}

// encodeListQuery writes q as the page's query string (no patient data).
func encodeListQuery(q devicesdb.RecallPatientQuery, offset int) string {
	v := url.Values{}
	if len(q.Statuses) > 0 {
		v["status"] = q.Statuses
	}
	if q.Basis != "" {
		v.Set("basis", q.Basis)
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	return v.Encode()
}

// recallHref is the recall page with the list's query and a fragment.
func recallHref(id, query, frag string) string {
	h := "/devices/recalls/" + id
	if query != "" {
		h += "?" + query
	}
	return h + frag
}

func (s *Module) recallPage(w http.ResponseWriter, r *http.Request, id string, q devicesdb.RecallPatientQuery) (DevicesRecallPage, error) {
	org := devOrg(r)
	pages, err := matchPages(r.URL.Query())
	if err != nil {
		// The forms' re-rendered pages come back to the first pages.
		pages = [3]int{1, 1, 1}
	}
	rc, err := s.dev.Recall(r.Context(), org, id)
	if err != nil {
		return DevicesRecallPage{}, err
	}
	d := DevicesRecallPage{Base: s.k.Base(w, r, "Recall "+rc.Reference), Recall: rc, CanWrite: canWriteDevices(r),
		Statuses: web.Choices(devices.ActionStatuses, web.CodeLabel, ""), Selected: map[string]bool{}, BasisLabels: map[string]string{}}
	for _, b := range devices.Bases {
		d.BasisLabels[b.Code] = b.Label
	}
	if d.Counts, err = s.dev.CountRecall(r.Context(), org, rc); err != nil {
		return d, err
	}
	var gtins []string
	for _, rule := range rc.Rules {
		if rule.GTIN != "" {
			gtins = append(gtins, rule.GTIN)
		}
	}
	if d.SafetyEvents, err = eventsdb.New(s.k.Store()).ProductEvents(r.Context(), org, gtins); err != nil {
		return d, err
	}
	if d.Match, err = s.dev.MatchRecallPages(r.Context(), org, rc, devicesdb.RecallMatchPages{Limit: matchPageSize,
		Affected: (pages[0] - 1) * matchPageSize, Possible: (pages[1] - 1) * matchPageSize, Explanted: (pages[2] - 1) * matchPageSize}); err != nil {
		return d, err
	}
	v, m := r.URL.Query(), d.Match
	d.Affected = matchList(rc.ID, v, 0, pages[0], m.Patients, m.Offset, m.Total,
		RecallMatchList{ID: "affected-patients", Caption: "Patients with affected devices still implanted", Empty: "No patient has an affected device still implanted."})
	d.Possible = matchList(rc.ID, v, 1, pages[1], m.Possible, m.PossibleOffset, m.PossibleTotal,
		RecallMatchList{ID: "possible-patients", Caption: "Patients with possibly affected devices, with what to check", Empty: "No patient has a possibly affected device."})
	d.Explanted = matchList(rc.ID, v, 2, pages[2], m.Explanted, m.ExplantedOffset, m.ExplantedTotal,
		RecallMatchList{ID: "explanted-patients", Caption: "Patients whose recalled devices have been removed", Empty: "No recalled device has been removed."})
	q.Limit = recallPageSize
	if d.List, err = s.dev.RecallPatients(r.Context(), org, rc.ID, q); err != nil {
		return d, err
	}
	checked := map[string]bool{}
	for _, st := range q.Statuses {
		checked[st] = true
	}
	for _, st := range devices.ActionStatuses {
		n := d.List.ByStatus[st.Code]
		d.Started += n
		if devices.ActionDone(st.Code) {
			d.Done += n
		}
		d.Filters.Statuses = append(d.Filters.Statuses, RecallFilter{Value: st.Code, Label: st.Label, Count: n, Checked: checked[st.Code]})
	}
	d.Filters.Bases = append(d.Filters.Bases, RecallFilter{Value: "", Label: "All groups", Count: d.Started, Checked: q.Basis == ""})
	for _, b := range devices.Bases {
		d.Filters.Bases = append(d.Filters.Bases, RecallFilter{Value: b.Code, Label: b.Label, Count: d.List.ByBasis[b.Code], Checked: q.Basis == b.Code})
	}
	d.Filters.Any = len(q.Statuses) > 0 || q.Basis != ""
	d.ListQ = encodeListQuery(q, d.List.Offset)
	if n := len(d.List.Patients); n > 0 {
		d.ListFrom, d.ListTo = d.List.Offset+1, d.List.Offset+n
	}
	if d.List.Offset > 0 {
		d.Prev = recallHref(rc.ID, encodeListQuery(q, max(d.List.Offset-d.List.Limit, 0)), "#patients")
	}
	if d.List.HasNext() {
		d.Next = recallHref(rc.ID, encodeListQuery(q, d.List.Offset+len(d.List.Patients)), "#patients")
	}
	return d, nil
}

func (s *Module) devicesRecall(w http.ResponseWriter, r *http.Request) error {
	q, err := recallListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if _, err := matchPages(r.URL.Query()); err != nil {
		return err
	}
	d, err := s.recallPage(w, r, r.PathValue("id"), q)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/recall", d)
}

// formListQuery is the patient list's query a form carried back (field
// list), cleaned: only the filters and offset, so a redirect returns to
// the same page of the list.
func formListQuery(r *http.Request) devicesdb.RecallPatientQuery {
	v, err := url.ParseQuery(r.PostForm.Get("list"))
	if err != nil {
		return devicesdb.RecallPatientQuery{}
	}
	q, err := recallListQuery(v)
	if err != nil {
		return devicesdb.RecallPatientQuery{}
	}
	var sts []string
	for _, st := range q.Statuses {
		if devices.ValidAction(st) {
			sts = append(sts, st)
		}
	}
	q.Statuses = sts
	if devices.BasisLabel(q.Basis) == q.Basis {
		q.Basis = ""
	}
	return q
}

// devicesRecallBulk changes the status of the patients ticked on the list
// at once; a refusal re-renders the page (422) with the ticks kept.
func (s *Module) devicesRecallBulk(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, q := r.PathValue("id"), formListQuery(r)
	in := devices.RecallActionsInput{PatientIDs: r.PostForm["patient_ids"], Status: r.PostForm.Get("status"), Note: r.PostForm.Get("note")}
	n, err := s.dev.SetRecallActions(r.Context(), devOrg(r), id, in)
	if apperr.Is(err, apperr.Invalid) {
		d, perr := s.recallPage(w, r, id, q)
		if perr != nil {
			return perr
		}
		d.Bulk = in
		for _, pid := range in.PatientIDs {
			d.Selected[pid] = true
		}
		d.Statuses = web.Choices(devices.ActionStatuses, web.CodeLabel, in.Status)
		d.SetErrors(err, "patient_ids", "status", "note")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/recall", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, recallHref(id, encodeListQuery(q, q.Offset), "#patients"),
		text.Count(n, "patient", "patients")+" marked "+strings.ToLower(devices.ActionLabel(in.Status))+".")
}

// DevicesRecallClosePage confirms closing a recall, naming how many
// patients' recall work is still open.
type DevicesRecallClosePage struct {
	web.Base
	Recall devices.Recall
	Open   devicesdb.OpenWork
	Reason string
}

func (s *Module) recallClosePage(w http.ResponseWriter, r *http.Request) (DevicesRecallClosePage, error) {
	org := devOrg(r)
	rc, err := s.dev.Recall(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return DevicesRecallClosePage{}, err
	}
	d := DevicesRecallClosePage{Base: s.k.Base(w, r, "Close recall "+rc.Reference), Recall: rc}
	d.Open, err = s.dev.RecallOpenWork(r.Context(), org, rc.ID)
	return d, err
}

func (s *Module) devicesRecallClosePage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.recallClosePage(w, r)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "devices/recall_close", d)
}

// devicesCloseRecall closes the recall with the number of open patients
// the person confirmed (the checkbox carries it) and the reason; a
// refusal, such as a number that changed since the page was shown,
// re-renders the page (422) with the number now.
func (s *Module) devicesCloseRecall(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	in := devices.CloseRecallInput{Reason: r.PostForm.Get("reason")}
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("confirm_open"))); err == nil && n > 0 {
		in.ConfirmOpen = n
	}
	err := s.dev.CloseRecall(r.Context(), devOrg(r), id, in)
	if apperr.Is(err, apperr.Invalid) {
		d, perr := s.recallClosePage(w, r)
		if perr != nil {
			return perr
		}
		d.Reason = in.Reason
		d.SetErrors(err, "confirm_open", "reason")
		return s.k.Render(w, http.StatusUnprocessableEntity, "devices/recall_close", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+id, "Recall closed.")
}

func (s *Module) devicesMatchRecall(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	st, err := s.dev.StartRecallWork(r.Context(), devOrg(r), id)
	if err != nil {
		return err
	}
	var said []string
	if st.Added > 0 {
		said = append(said, text.Count(st.Added, "patient", "patients")+" added to the recall work.")
	}
	if st.Reopened > 0 {
		said = append(said, text.Count(st.Reopened, "patient's", "patients'")+" recall work started again: the recall now finds a device affecting them more than when their work began.")
	}
	msg := "No new patients: everyone affected already has a recall action."
	if len(said) > 0 {
		msg = strings.Join(said, " ")
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+id+"#actions", msg)
}

func (s *Module) devicesRecallStatus(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, st := r.PathValue("id"), r.PostForm.Get("status")
	if st == "closed" {
		// Closing asks for a reason, and a confirmation while work is
		// open: the page's button leads to the confirmation page.
		if _, err := s.dev.Recall(r.Context(), devOrg(r), id); err != nil {
			return err
		}
		http.Redirect(w, r, "/devices/recalls/"+id+"/close", http.StatusSeeOther)
		return nil
	}
	if err := s.dev.SetRecallStatus(r.Context(), devOrg(r), id, st); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/devices/recalls/"+id, "Recall marked "+st+".")
}

func (s *Module) devicesRecallAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, pid := r.PathValue("id"), r.PathValue("patient")
	err := s.dev.SetRecallAction(r.Context(), devOrg(r), id, pid, r.PostForm.Get("status"), r.PostForm.Get("note"))
	if err != nil {
		return err
	}
	q := formListQuery(r)
	return s.k.Redirect(w, r, recallHref(id, encodeListQuery(q, q.Offset), "#action-"+pid), "Recall action updated: "+devices.ActionLabel(r.PostForm.Get("status"))+".")
}

// devicesRecallCSV exports the patients with recall actions, for letters:
// one row per patient, with the affected devices joined.
func (s *Module) devicesRecallCSV(w http.ResponseWriter, r *http.Request) error {
	org := devOrg(r)
	rc, err := s.dev.Recall(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	acts, err := s.dev.RecallActions(r.Context(), org, rc.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	// Dates as people read them ("1 May 1960"), the time of the last
	// change of status in London time ("1 December 2026 14:05").
	_ = cw.Write([]string{"recall_reference", "nhs_number", "name", "birth_date", "address", "postcode", "phone", "email", "devices", "group", "status", "deadline", "status_changed"})
	for _, a := range acts {
		var devs []string
		for _, d := range a.Devices {
			devs = append(devs, deviceWords(d.Device()))
		}
		p := a.Patient
		changed := ""
		if a.UpdatedAt != nil {
			changed = text.DayTime(*a.UpdatedAt)
		}
		_ = cw.Write([]string{devices.CSVSafe(rc.Reference), p.NHSNumber.Format(), devices.CSVSafe(p.Name), text.Day(p.BirthDate), devices.CSVSafe(p.Address), devices.CSVSafe(p.Postcode),
			devices.CSVSafe(p.Phone), devices.CSVSafe(p.Email), devices.CSVSafe(strings.Join(devs, "; ")), devices.BasisLabel(a.Basis), devices.ActionLabel(a.Status), text.Day(rc.Deadline), changed})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="recall-letters.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	return err
}
