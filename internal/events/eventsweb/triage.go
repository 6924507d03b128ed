package eventsweb

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/text"
	"github.com/clinsafe/clinsafe/internal/web"
)

// triageRoutes are the routes of the digital clinical safety triage: IT
// incidents for the system's CSOs, their links to hazards, sharing with
// the supplier, and the devices of events.
func (s *Module) triageRoutes() []web.Route {
	return []web.Route{
		{Method: "GET", Path: "/events/triage", Roles: evTriage, Handle: s.triageList},
		{Method: "GET", Path: "/events/triage/{id}", Roles: evTriage, Handle: s.triageEvent},
		{Method: "POST", Path: "/events/triage/{id}/hazards", Roles: evTriage, Handle: s.triageLink},
		{Method: "POST", Path: "/events/triage/{id}/hazards/{hazard}/unlink", Roles: evTriage, Handle: s.triageUnlink},
		{Method: "GET", Path: "/events/triage/{id}/hazards/new", Roles: evTriage, Handle: s.triageNewHazard},
		{Method: "POST", Path: "/events/triage/{id}/hazards/new", Roles: evTriage, Handle: s.triageRaiseHazard},
		{Method: "GET", Path: "/events/triage/{id}/share", Roles: evTriage, Handle: s.triageSharePage},
		{Method: "POST", Path: "/events/triage/{id}/share", Roles: evTriage, Handle: s.triageShare},
		{Method: "GET", Path: "/events/shared/{id}", Roles: evTriage, Handle: s.triageShared},
		{Method: "POST", Path: "/events/shared/{id}/hazards", Roles: evTriage, Handle: s.triageSharedLink},
		{Method: "POST", Path: "/events/shared/{id}/hazards/{hazard}/unlink", Roles: evTriage, Handle: s.triageSharedUnlink},
		{Method: "GET", Path: "/events/systems/{id}", Roles: evTriage, Handle: s.triageSystem},
		{Method: "GET", Path: "/events/devices/{id}", Roles: evHandle, Handle: s.eventDevices},
		{Method: "POST", Path: "/events/devices/{id}/device/{n}/implant", Roles: evHandle, Handle: s.eventLinkImplant},
		{Method: "POST", Path: "/events/devices/{id}/device/{n}/yellow-card", Roles: evHandle, Handle: s.eventYellowCard},

		{Method: "GET", Path: "/api/v1/events/triage", Roles: evTriage, API: true, Handle: s.apiTriage},
		{Method: "POST", Path: "/api/v1/events/records/{id}/hazards", Roles: evTriage, API: true, Handle: s.apiLinkHazard},
		{Method: "POST", Path: "/api/v1/events/records/{id}/hazards/{hazard}/unlink", Roles: evTriage, API: true, Handle: s.apiUnlinkHazard},
		{Method: "POST", Path: "/api/v1/events/records/{id}/shares", Roles: evTriage, API: true, Handle: s.apiShare},
		{Method: "POST", Path: "/api/v1/events/records/{id}/devices/{n}/implant", Roles: evHandle, API: true, Handle: s.apiLinkImplant},
		{Method: "GET", Path: "/api/v1/risk/hazards/{id}/events", Roles: evTriage, API: true, Handle: s.apiHazardEvents},
	}
}

// handlesAll reports whether the signed-in person triages every IT
// incident (a handler) rather than those of their own systems.
func handlesAll(r *http.Request) bool {
	return auth.HasAny(web.PrincipalFrom(r.Context()).Roles, evHandle...)
}

func (s *Module) triageAttention(ctx context.Context, p *store.Principal) ([]web.Attention, error) {
	if !auth.HasAny(p.Roles, auth.CSO) {
		return nil, nil
	}
	n, err := s.ev.TriageCount(ctx, p.Org.ID, p.User.ID)
	if err != nil || n == 0 {
		return nil, err
	}
	return []web.Attention{{Title: text.Count(n, "IT incident", "IT incidents") + " about your systems need triage",
		Detail: "Link each to a hazard of the system's log, or raise a new hazard.", Href: "/events/triage", Link: "Triage IT incidents",
		Urgency: web.UrgencySoon}}, nil
}

// triageWords are the words of this part's audit actions.
var triageWords = map[string]string{
	"event_share":               "Incident shared with a supplier",
	"event.hazard_link":         "Safety event linked to a hazard",
	"event.hazard_unlink":       "Safety event unlinked from a hazard",
	"event.implant_link":        "Device of a safety event linked to an implant",
	"event.yellow_card":         "MHRA Yellow Card reference recorded",
	"event_share.create":        "IT incident shared with the supplier",
	"event_share.hazard_link":   "Shared incident linked to a hazard",
	"event_share.hazard_unlink": "Shared incident unlinked from a hazard",
}

// TriagePage lists the IT incidents for the signed-in CSO or handler, and
// the incidents other organisations shared with theirs.
type TriagePage struct {
	web.Base
	Items  []eventsdb.TriageItem
	Shared []eventsdb.Share
	All    bool
}

// SharedGroups are the shared incidents by the organisation that shared
// them.
func (d TriagePage) SharedGroups() map[string][]eventsdb.Share {
	out := map[string][]eventsdb.Share{}
	for _, sh := range d.Shared {
		out[sh.FromOrg] = append(out[sh.FromOrg], sh)
	}
	return out
}

func (s *Module) triageList(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	d := TriagePage{Base: s.k.Base(w, r, "IT incidents for your systems"), All: handlesAll(r)}
	var err error
	if d.Items, err = s.ev.Triage(r.Context(), p.Org.ID, d.All, 0); err != nil {
		return err
	}
	if d.Shared, err = s.ev.SharedWith(r.Context(), p.Org.ID); err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/triage_list", d)
}

// TriageEventPage is one IT incident for its CSO: the answers in words,
// its hazards and what can be done with it.
type TriageEventPage struct {
	web.Base
	Item    eventsdb.TriageItem
	Answers []events.SummaryRow
	Links   []eventsdb.HazardLink
	Hazards []web.Option
	Shares  []eventsdb.Share
	Note    string
}

func (s *Module) triageItem(r *http.Request) (eventsdb.TriageItem, error) {
	return s.ev.TriageEvent(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, handlesAll(r), r.PathValue("id"))
}

func (s *Module) triageEventPage(w http.ResponseWriter, r *http.Request) (TriageEventPage, error) {
	org := web.PrincipalFrom(r.Context()).Org.ID
	it, err := s.triageItem(r)
	if err != nil {
		return TriageEventPage{}, err
	}
	d := TriageEventPage{Base: s.k.Base(w, r, it.Ref+" IT incident"), Item: it}
	flow, err := s.ev.Flow(r.Context(), org)
	if err != nil {
		return d, err
	}
	cc, err := s.ev.CheckContext(r.Context(), org)
	if err != nil {
		return d, err
	}
	d.Answers = flow.Summary(it.Record, it.Audience, cc)
	if d.Links, err = s.ev.EventHazards(r.Context(), org, it.ID); err != nil {
		return d, err
	}
	hs, err := s.risk().ListHazards(r.Context(), org, it.SystemID)
	if err != nil {
		return d, err
	}
	linked := map[string]bool{}
	for _, l := range d.Links {
		linked[l.HazardID] = linked[l.HazardID] || l.RemovedAt == nil
	}
	for _, h := range hs {
		if !linked[h.ID] {
			d.Hazards = append(d.Hazards, web.Option{Value: h.ID, Label: h.Ref + " " + h.Name})
		}
	}
	d.Shares, err = s.ev.SharesOf(r.Context(), org, it.ID)
	return d, err
}

func (s *Module) risk() *riskdb.DB { return riskdb.New(s.k.Store()) }

func (s *Module) triageEvent(w http.ResponseWriter, r *http.Request) error {
	d, err := s.triageEventPage(w, r)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/triage_event", d)
}

func (s *Module) triageLink(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	l, err := s.ev.LinkHazard(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, it.ID, r.PostForm.Get("hazard_id"), r.PostForm.Get("note"))
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.triageEventPage(w, r)
		if derr != nil {
			return derr
		}
		d.Note = r.PostForm.Get("note")
		d.SetErrors(err, "hazard_id", "note")
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/triage_event", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/triage/"+it.ID, it.Ref+" linked to "+l.HazardRef+".")
}

func (s *Module) triageUnlink(w http.ResponseWriter, r *http.Request) error {
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	if err := s.ev.UnlinkHazard(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, it.ID, r.PathValue("hazard")); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/triage/"+it.ID, it.Ref+" unlinked. The link stays in its history.")
}

// TriageHazardPage is the new hazard prefilled from an IT incident.
type TriageHazardPage struct {
	web.Base
	Item        eventsdb.TriageItem
	System      riskdb.System
	Hazard      risk.Hazard
	Causes      string
	Severities  []web.Option
	Likelihoods []web.Option
}

func (s *Module) hazardPage(w http.ResponseWriter, r *http.Request, it eventsdb.TriageItem, h risk.Hazard) (TriageHazardPage, error) {
	sys, err := s.risk().System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, it.SystemID)
	if err != nil {
		return TriageHazardPage{}, err
	}
	d := TriageHazardPage{Base: s.k.Base(w, r, "New hazard from "+it.Ref), Item: it, System: sys, Hazard: h, Causes: strings.Join(h.Causes, "\n")}
	for _, v := range risk.AllSeverities() {
		d.Severities = append(d.Severities, web.Option{Value: v.Code(), Label: v.String(), Hint: v.Description(), Selected: v == h.InitialSeverity})
	}
	for _, v := range risk.AllLikelihoods() {
		d.Likelihoods = append(d.Likelihoods, web.Option{Value: v.Code(), Label: v.String(), Hint: v.Description(), Selected: v == h.InitialLikelihood})
	}
	return d, nil
}

func (s *Module) triageNewHazard(w http.ResponseWriter, r *http.Request) error {
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	d, err := s.hazardPage(w, r, it, eventsdb.HazardFromEvent(it.Event))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/triage_hazard", d)
}

func (s *Module) triageRaiseHazard(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	f := r.PostForm.Get
	// Browsers send a textarea's lines with CRLF.
	h := risk.Hazard{Name: strings.TrimSpace(f("name")), Description: strings.TrimSpace(strings.ReplaceAll(f("description"), "\r\n", "\n")), Status: risk.Open}
	for _, c := range strings.Split(f("causes"), "\n") {
		if c = strings.TrimSpace(c); c != "" {
			h.Causes = append(h.Causes, c)
		}
	}
	for _, v := range risk.AllSeverities() {
		if v.Code() == f("initial_severity") {
			h.InitialSeverity = v
		}
	}
	for _, v := range risk.AllLikelihoods() {
		if v.Code() == f("initial_likelihood") {
			h.InitialLikelihood = v
		}
	}
	e, err := s.ev.RaiseHazard(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, it.ID, h, "")
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.hazardPage(w, r, it, h)
		if derr != nil {
			return derr
		}
		d.Causes = f("causes")
		d.SetErrors(err, "name", "description", "causes", "initial_severity", "initial_likelihood")
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/triage_hazard", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/hazards/"+e.ID, "Added "+e.Ref+" to the hazard log of "+it.SystemName+", linked to "+it.Ref+".")
}

// TriageSharePage is the form to share an IT incident with the supplier.
type TriageSharePage struct {
	web.Base
	Item        eventsdb.TriageItem
	Suppliers   []web.Option
	Matched     bool
	Bases       []web.Option
	In          eventsdb.ShareInput
	ConsentedOn web.DateParts
}

func (s *Module) sharePage(w http.ResponseWriter, r *http.Request, it eventsdb.TriageItem, in eventsdb.ShareInput) (TriageSharePage, error) {
	org := web.PrincipalFrom(r.Context()).Org.ID
	sys, err := s.risk().System(r.Context(), org, it.SystemID)
	if err != nil {
		return TriageSharePage{}, err
	}
	sups, match, err := s.ev.SupplierOrgs(r.Context(), org, sys)
	if err != nil {
		return TriageSharePage{}, err
	}
	d := TriageSharePage{Base: s.k.Base(w, r, "Share "+it.Ref+" with the supplier"), Item: it, Matched: match, In: in}
	if in.ToOrg == "" && match {
		in.ToOrg = sups[0].ID
	}
	for _, o := range sups {
		d.Suppliers = append(d.Suppliers, web.Option{Value: string(o.ID), Label: o.Name, Selected: o.ID == in.ToOrg})
	}
	d.Bases = web.Choices(eventsdb.ShareBases, func(e events.Entry) (string, string) { return e.Code, e.Label }, in.ConsentBasis)
	return d, nil
}

func (s *Module) triageSharePage(w http.ResponseWriter, r *http.Request) error {
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	desc := it.Record.Answers.Get(events.AnsITProblem)
	if desc == "" {
		desc = it.Record.Answers.Get(events.AnsDescription)
	}
	d, err := s.sharePage(w, r, it, eventsdb.ShareInput{Description: desc})
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/triage_share", d)
}

func (s *Module) triageShare(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	f := r.PostForm.Get
	on, typed, msg := web.FormDate(r.PostForm, "consented_on", "the date consent was given")
	in := eventsdb.ShareInput{ToOrg: store.OrgID(f("to_org_id")), Description: f("description"), ConsentBy: f("consent_by"), ConsentBasis: f("consent_basis"), ConsentedOn: on}
	if msg != "" {
		err = apperr.Field("consented_on", msg)
	} else {
		_, err = s.ev.ShareEvent(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, it.ID, in)
	}
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.sharePage(w, r, it, in)
		if derr != nil {
			return derr
		}
		d.ConsentedOn = typed
		d.SetErrors(err, "to_org_id", "description", "consent_by", "consent_basis", "consented_on")
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/triage_share", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/triage/"+it.ID, it.Ref+" shared with the supplier, de-identified.")
}

// TriageSharedPage is an incident another organisation shared, for the
// supplier's CSO to link to its own hazards.
type TriageSharedPage struct {
	web.Base
	Share   eventsdb.Share
	Factors []string
	Hazards []web.Option
	Note    string
}

func (s *Module) sharedPage(w http.ResponseWriter, r *http.Request) (TriageSharedPage, error) {
	org := web.PrincipalFrom(r.Context()).Org.ID
	sh, err := s.ev.SharedEvent(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return TriageSharedPage{}, err
	}
	d := TriageSharedPage{Base: s.k.Base(w, r, "Incident shared by "+sh.FromOrg), Share: sh}
	for _, c := range sh.ITFactors {
		d.Factors = append(d.Factors, events.LFPSE.Label(events.ListITFactor, c))
	}
	linked := map[string]bool{}
	for _, l := range sh.Links {
		linked[l.HazardID] = true
	}
	systems, err := s.risk().ListSystems(r.Context(), org)
	if err != nil {
		return d, err
	}
	for _, sys := range systems {
		hs, err := s.risk().ListHazards(r.Context(), org, sys.ID)
		if err != nil {
			return d, err
		}
		for _, h := range hs {
			if !linked[h.ID] {
				d.Hazards = append(d.Hazards, web.Option{Value: h.ID, Label: sys.Name + ": " + h.Ref + " " + h.Name})
			}
		}
	}
	return d, nil
}

func (s *Module) triageShared(w http.ResponseWriter, r *http.Request) error {
	d, err := s.sharedPage(w, r)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/triage_shared", d)
}

func (s *Module) triageSharedLink(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	org := web.PrincipalFrom(r.Context()).Org.ID
	l, err := s.ev.LinkShare(r.Context(), org, r.PathValue("id"), r.PostForm.Get("hazard_id"), r.PostForm.Get("note"))
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.sharedPage(w, r)
		if derr != nil {
			return derr
		}
		d.Note = r.PostForm.Get("note")
		d.SetErrors(err, "hazard_id", "note")
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/triage_shared", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/shared/"+r.PathValue("id"), "Linked to "+l.HazardRef+".")
}

func (s *Module) triageSharedUnlink(w http.ResponseWriter, r *http.Request) error {
	if err := s.ev.UnlinkShare(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), r.PathValue("hazard")); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/shared/"+r.PathValue("id"), "Unlinked. The link stays in its history.")
}

// TriageSystemPage is a system's Safety Incident Management Log.
type TriageSystemPage struct {
	web.Base
	System riskdb.System
	Rows   []eventsdb.SystemIncident
}

func (s *Module) triageSystem(w http.ResponseWriter, r *http.Request) error {
	org := web.PrincipalFrom(r.Context()).Org.ID
	sys, err := s.risk().System(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, err := s.ev.SystemEvents(r.Context(), org, sys.ID)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		_ = cw.Write([]string{"reference", "shared_by", "date", "harm", "status", "hazards"})
		for _, x := range rows {
			_ = cw.Write([]string{x.Ref, x.SharedBy, x.Date, harmWords(x.Harm), x.Status.Label(), strings.Join(x.Hazards, " ")})
		}
		cw.Flush()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="incident-log.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		_, err = buf.WriteTo(w)
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/triage_system", TriageSystemPage{Base: s.k.Base(w, r, "Incident log of "+sys.Name), System: sys, Rows: rows})
}

// EventDevicesPage is the devices of an event, read from their barcodes,
// with the implants of the register they may be.
type EventDevicesPage struct {
	web.Base
	Event   eventsdb.Event
	Devices []eventsdb.EventDevice
}

func (s *Module) devicesPage(w http.ResponseWriter, r *http.Request) (EventDevicesPage, error) {
	org := web.PrincipalFrom(r.Context()).Org.ID
	e, err := s.ev.Get(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return EventDevicesPage{}, err
	}
	ds, err := s.ev.EventDevices(r.Context(), org, e)
	return EventDevicesPage{Base: s.k.Base(w, r, "Devices of "+e.Ref), Event: e, Devices: ds}, err
}

func (s *Module) eventDevices(w http.ResponseWriter, r *http.Request) error {
	d, err := s.devicesPage(w, r)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "events/triage_devices", d)
}

// deviceN is the {n} path value: a device's number from 0.
func deviceN(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n > events.MaxGroup {
		return 0, store.NotFound("device")
	}
	return n, nil
}

func (s *Module) eventLinkImplant(w http.ResponseWriter, r *http.Request) error {
	return s.deviceForm(w, r, "implant_id", func(org store.OrgID, id string, n int, v string) (string, error) {
		_, err := s.ev.LinkImplant(r.Context(), org, id, n, v)
		return "Device linked to the implant in the register.", err
	})
}

func (s *Module) eventYellowCard(w http.ResponseWriter, r *http.Request) error {
	return s.deviceForm(w, r, "yellow_card", func(org store.OrgID, id string, n int, v string) (string, error) {
		ref, err := s.ev.SetYellowCard(r.Context(), org, id, n, v)
		return "Yellow Card reference " + ref + " recorded.", err
	})
}

func (s *Module) deviceForm(w http.ResponseWriter, r *http.Request, field string, do func(store.OrgID, string, int, string) (string, error)) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	n, err := deviceN(r)
	if err != nil {
		return err
	}
	org := web.PrincipalFrom(r.Context()).Org.ID
	e, err := s.ev.Get(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	flash, err := do(org, e.ID, n, r.PostForm.Get(field))
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.devicesPage(w, r)
		if derr != nil {
			return derr
		}
		msg := apperr.FieldsOf(err)[field]
		d.SetErrors(&apperr.Error{Kind: apperr.Invalid, Message: "There is a problem", Fields: map[string]string{field + "-" + strconv.Itoa(n): msg}})
		return s.k.Render(w, http.StatusUnprocessableEntity, "events/triage_devices", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/events/devices/"+e.ID, flash)
}

func (s *Module) apiTriage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	items, err := s.ev.Triage(r.Context(), p.Org.ID, handlesAll(r), 0)
	if err != nil {
		return err
	}
	shared, err := s.ev.SharedWith(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	if items == nil {
		items = []eventsdb.TriageItem{}
	}
	for i := range items {
		// A confidential reporter is for the patient safety lead alone,
		// as in the review API.
		if items[i].Confidential {
			items[i].ReporterID = ""
		}
	}
	if shared == nil {
		shared = []eventsdb.Share{}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "shared_with_you": shared})
}

func (s *Module) apiLinkHazard(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		HazardID string `json:"hazard_id"`
		Note     string `json:"note"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	l, err := s.ev.LinkHazard(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, it.ID, in.HazardID, in.Note)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, l)
}

func (s *Module) apiUnlinkHazard(w http.ResponseWriter, r *http.Request) error {
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	org := web.PrincipalFrom(r.Context()).Org.ID
	if err := s.ev.UnlinkHazard(r.Context(), org, it.ID, r.PathValue("hazard")); err != nil {
		return err
	}
	links, err := s.ev.EventHazards(r.Context(), org, it.ID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(links))
}

func (s *Module) apiShare(w http.ResponseWriter, r *http.Request) error {
	var in eventsdb.ShareInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	it, err := s.triageItem(r)
	if err != nil {
		return err
	}
	sh, err := s.ev.ShareEvent(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, it.ID, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, sh)
}

func (s *Module) apiLinkImplant(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ImplantID string `json:"implant_id"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	n, err := deviceN(r)
	if err != nil {
		return err
	}
	org := web.PrincipalFrom(r.Context()).Org.ID
	e, err := s.ev.Get(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	l, err := s.ev.LinkImplant(r.Context(), org, e.ID, n, in.ImplantID)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, l)
}

func (s *Module) apiHazardEvents(w http.ResponseWriter, r *http.Request) error {
	log, err := s.ev.HazardEvents(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(log))
}
