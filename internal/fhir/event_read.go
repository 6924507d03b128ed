package fhir

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
)

// reader collects the issues of an AdverseEvent being read.
type reader struct {
	cfg   Config
	is    Issues
	paths map[string]string
}

func (r *reader) bad(code, expr, format string, args ...any) {
	if len(r.is) < 50 {
		r.is = append(r.is, issue(code, expr, fmt.Sprintf(format, args...)))
	}
}

// sub is one nested extension with its expression.
type sub struct {
	ext  Extension
	path string
}

// subs are the nested extensions of ext, by url, each of a name in
// allowed; anything else is an issue.
func (r *reader) subs(ext Extension, path string, allowed ...string) map[string][]sub {
	out := map[string][]sub{}
	if hasValue(ext) {
		r.bad(CodeStructure, path, "This extension holds nested extensions, not a value")
	}
	for i, e := range ext.Extension {
		p := fmt.Sprintf("%s.extension[%d]", path, i)
		if !slices.Contains(allowed, e.URL) {
			r.bad(CodeStructure, p+".url", "Unknown nested extension %q: expected one of %s", e.URL, strings.Join(allowed, ", "))
			continue
		}
		if len(e.Extension) > 0 && e.URL != "Local" {
			r.bad(CodeStructure, p, "Extension %s holds a value, not nested extensions", e.URL)
			continue
		}
		out[e.URL] = append(out[e.URL], sub{e, p})
	}
	return out
}

func hasValue(e Extension) bool {
	return e.ValueCode != nil || e.ValueString != nil || e.ValueInteger != nil || e.ValueBoolean != nil ||
		e.ValueDate != nil || e.ValueDateTime != nil || e.ValueTime != nil || e.ValueCoding != nil
}

// value reads a sub-extension's value of the kind q takes, checking a
// code against q's list.
func (r *reader) value(s sub, q events.Question) (string, bool) {
	var v *string
	want := "valueString"
	switch q.Kind {
	case events.KindChoice, events.KindMulti:
		v, want = s.ext.ValueCode, "valueCode"
	case events.KindDate:
		v, want = s.ext.ValueDate, "valueDate"
	default:
		v = s.ext.ValueString
	}
	if v == nil {
		r.bad(CodeStructure, s.path, "Extension %s takes %s", s.ext.URL, want)
		return "", false
	}
	if q.Kind == events.KindChoice || q.Kind == events.KindMulti {
		if l := events.LFPSE.List(q.List); !l.Has(*v) {
			r.bad(CodeCodeInvalid, s.path+"."+want, "%q is not a code of the LFPSE %s list", *v, q.LFPSE)
			return "", false
		}
	}
	return *v, true
}

func (r *reader) code(s sub, list string) (string, bool) {
	if s.ext.ValueCode == nil {
		r.bad(CodeStructure, s.path, "Extension %s takes valueCode", s.ext.URL)
		return "", false
	}
	if list != "" && !events.LFPSE.List(list).Has(*s.ext.ValueCode) {
		r.bad(CodeCodeInvalid, s.path+".valueCode", "%q is not a code of the LFPSE %s list", *s.ext.ValueCode, events.LFPSE.List(list).LFPSE)
		return "", false
	}
	return *s.ext.ValueCode, true
}

func (r *reader) flag(s sub) bool {
	if s.ext.ValueBoolean == nil {
		r.bad(CodeStructure, s.path, "Extension %s takes valueBoolean", s.ext.URL)
		return false
	}
	return *s.ext.ValueBoolean
}

func (r *reader) str(s sub) string {
	if s.ext.ValueString == nil {
		r.bad(CodeStructure, s.path, "Extension %s takes valueString", s.ext.URL)
		return ""
	}
	return *s.ext.ValueString
}

func one(r *reader, m map[string][]sub, name string) (sub, bool) {
	ss := m[name]
	if len(ss) > 1 {
		r.bad(CodeStructure, ss[1].path, "Extension %s is given more than once", name)
	}
	if len(ss) == 0 {
		return sub{}, false
	}
	return ss[0], true
}

// EventFromAdverseEvent maps an AdverseEvent sent by a client back to a
// record and what the resource says beside it. Every problem is an
// Issue with the expression of the element at fault (Issues when there
// are several); the record is then checked by the reporting flow as a
// form's is.
func EventFromAdverseEvent(cfg Config, ae AdverseEvent) (events.Record, EventMeta, error) {
	r := &reader{cfg: cfg, paths: map[string]string{}}
	rec := events.Record{Answers: events.Answers{}, TaxonomyVersion: cfg.TaxonomyVersion}
	meta := EventMeta{}

	if ae.Meta != nil {
		for i, p := range ae.Meta.Profile {
			if p != cfg.Profile() {
				r.bad(CodeNotSupported, fmt.Sprintf("AdverseEvent.meta.profile[%d]", i), "Profile %q is not supported: use %s", p, cfg.Profile())
			}
		}
	}
	if id := ae.Identifier; id != nil {
		switch {
		case id.System == "" || id.Value == "":
			r.bad(CodeRequired, "AdverseEvent.identifier", "An identifier needs its system and value")
		case id.System == cfg.ReferenceSystem():
			meta.Ref = id.Value
		default:
			meta.Identifier = &Identifier{System: id.System, Value: id.Value}
		}
	}

	// The record type.
	typ := ""
	if ae.Event == nil || len(ae.Event.Coding) == 0 {
		r.bad(CodeRequired, "AdverseEvent.event", "event.coding must give the LFPSE event type (1 incident, 2 outcome, 3 risk, 4 good care)")
	} else {
		for i, c := range ae.Event.Coding {
			p := fmt.Sprintf("AdverseEvent.event.coding[%d]", i)
			if c.System != cfg.EventTypeSystem() {
				r.bad(CodeValue, p+".system", "The event type system must be %s", cfg.EventTypeSystem())
				continue
			}
			if !events.RecordType(c.Code).Valid() {
				r.bad(CodeCodeInvalid, p+".code", "%q is not an LFPSE event type: use 1, 2, 3 or 4", c.Code)
				continue
			}
			if typ != "" && typ != c.Code {
				r.bad(CodeValue, p+".code", "The event codings give two event types")
			}
			typ = c.Code
		}
	}
	rec.Type = events.RecordType(typ)
	r.paths[events.AnsType] = "AdverseEvent.event"
	for i, c := range ae.Category {
		for j, cd := range c.Coding {
			if cd.System == cfg.EventTypeSystem() && typ != "" && cd.Code != typ {
				r.bad(CodeValue, fmt.Sprintf("AdverseEvent.category[%d].coding[%d].code", i, j), "The category gives another event type than event.coding")
			}
		}
	}
	if want := "actual"; typ != "" {
		if rec.Type == events.Risk {
			want = "potential"
		}
		if ae.Actuality != want {
			r.bad(CodeValue, "AdverseEvent.actuality", "actuality must be %s for this event type", want)
		}
	}
	if ae.Event != nil && ae.Event.Text != "" {
		rec.Answers[events.AnsDescription] = []string{ae.Event.Text}
	}
	r.paths[events.AnsDescription] = "AdverseEvent.event.text"

	// Contained resources, by id.
	contained := map[string]int{}
	for i, c := range ae.Contained {
		id := containedID(c)
		p := fmt.Sprintf("AdverseEvent.contained[%d]", i)
		if id == "" {
			r.bad(CodeRequired, p+".id", "A contained resource needs an id")
			continue
		}
		if _, dup := contained[id]; dup {
			r.bad(CodeDuplicate, p+".id", "Two contained resources have the id %q", id)
			continue
		}
		contained[id] = i
	}
	used := map[string]bool{}
	resolve := func(ref Reference, path, kind string) (Resource, int, bool) {
		if !strings.HasPrefix(ref.Reference, "#") {
			r.bad(CodeValue, path+".reference", "Refer to a contained %s as \"#id\"", kind)
			return nil, 0, false
		}
		i, ok := contained[ref.Reference[1:]]
		if !ok {
			r.bad(CodeValue, path+".reference", "No contained resource has the id %q", ref.Reference[1:])
			return nil, 0, false
		}
		if ae.Contained[i].ResourceKind() != kind {
			r.bad(CodeValue, path+".reference", "%s refers to a %s, not a %s", ref.Reference, ae.Contained[i].ResourceKind(), kind)
			return nil, 0, false
		}
		used[ref.Reference[1:]] = true
		return ae.Contained[i], i, true
	}

	// Section extensions and clinsafe's own.
	for i, e := range ae.Extension {
		p := fmt.Sprintf("AdverseEvent.extension[%d]", i)
		if e.URL == cfg.EventExt() {
			r.own(e, p, &rec, &meta)
			continue
		}
		section := ""
		for _, s := range sectionOrder {
			if e.URL == cfg.Ext(s) {
				section = s
			}
		}
		if section == "" {
			r.bad(CodeStructure, p+".url", "Unknown extension %q", e.URL)
			continue
		}
		var allowed []string
		for name, s := range sections {
			if s == section {
				allowed = append(allowed, name)
			}
		}
		slices.Sort(allowed)
		for name, ss := range r.subs(e, p, allowed...) {
			q := topQuestions[name]
			if q.Kind != events.KindMulti && len(ss) > 1 {
				r.bad(CodeStructure, ss[1].path, "Extension %s is given more than once", name)
			}
			var vs []string
			for _, s := range ss {
				if v, ok := r.value(s, q); ok {
					vs = append(vs, v)
				}
			}
			if len(vs) > 0 {
				rec.Answers[q.ID] = vs
			}
			r.paths[q.ID] = ss[0].path
		}
	}

	// When.
	if ae.Date != "" {
		r.date(ae.Date, &rec)
	}

	// Where.
	if ae.Location != nil {
		if res, _, ok := resolve(*ae.Location, "AdverseEvent.location", "Location"); ok {
			if n := res.(*Location).Name; n != "" {
				rec.Answers[events.AnsLocation] = []string{n}
			}
		}
	}
	r.paths[events.AnsLocation] = "AdverseEvent.location"

	// Patients.
	var pats []int // indexes of the contained patients, in order
	switch {
	case ae.Subject.Reference == "":
	case kindOf(ae, contained, ae.Subject.Reference) == "Group":
		if res, gi, ok := resolve(ae.Subject, "AdverseEvent.subject", "Group"); ok {
			for j, m := range res.(*Group).Member {
				if _, pi, ok := resolve(m.Entity, fmt.Sprintf("AdverseEvent.contained[%d].member[%d].entity", gi, j), "Patient"); ok {
					pats = append(pats, pi)
				}
			}
		}
	default:
		if _, pi, ok := resolve(ae.Subject, "AdverseEvent.subject", "Patient"); ok {
			pats = append(pats, pi)
		}
	}
	r.paths[events.GroupPatients] = "AdverseEvent.subject"
	for n, pi := range pats {
		item := r.patient(ae.Contained[pi].(*Patient), fmt.Sprintf("AdverseEvent.contained[%d]", pi), n, &meta)
		rec.Groups = addItem(rec.Groups, events.GroupPatients, item)
	}

	// Devices and medicines.
	for i, s := range ae.SuspectEntity {
		p := fmt.Sprintf("AdverseEvent.suspectEntity[%d].instance", i)
		ref := s.Instance.Reference
		switch kindOf(ae, contained, ref) {
		case "Device":
			if _, ci, ok := resolve(s.Instance, p, "Device"); ok {
				n := len(rec.Groups[events.GroupDevices])
				rec.Groups = addItem(rec.Groups, events.GroupDevices, r.device(ae.Contained[ci].(*Device), fmt.Sprintf("AdverseEvent.contained[%d]", ci), n))
			}
		case "Medication":
			if _, ci, ok := resolve(s.Instance, p, "Medication"); ok {
				n := len(rec.Groups[events.GroupMedicines])
				rec.Groups = addItem(rec.Groups, events.GroupMedicines, r.medication(ae.Contained[ci].(*Medication), fmt.Sprintf("AdverseEvent.contained[%d]", ci), n))
			}
		default:
			r.bad(CodeValue, p+".reference", "A suspect entity must refer to a contained Device or Medication")
		}
	}
	r.paths[events.GroupDevices] = "AdverseEvent.suspectEntity"
	r.paths[events.GroupMedicines] = "AdverseEvent.suspectEntity"

	// The reporter.
	if ae.Recorder != nil {
		if res, ci, ok := resolve(*ae.Recorder, "AdverseEvent.recorder", "Practitioner"); ok {
			r.reporter(res.(*Practitioner), fmt.Sprintf("AdverseEvent.contained[%d]", ci), &rec, &meta)
		}
	}

	for id, i := range contained {
		if !used[id] {
			r.bad(CodeStructure, fmt.Sprintf("AdverseEvent.contained[%d]", i), "The contained resource %q is not referred to from the AdverseEvent", id)
		}
	}
	if len(r.is) > 0 {
		slices.SortStableFunc(r.is, func(a, b *Issue) int { return strings.Compare(a.Expression, b.Expression) })
		return rec, meta, r.is
	}
	meta.Paths = r.paths
	return rec, meta, nil
}

func addItem(g map[string][]events.Answers, id string, a events.Answers) map[string][]events.Answers {
	if g == nil {
		g = map[string][]events.Answers{}
	}
	g[id] = append(g[id], a)
	return g
}

func kindOf(ae AdverseEvent, contained map[string]int, ref string) string {
	if !strings.HasPrefix(ref, "#") {
		return ""
	}
	if i, ok := contained[ref[1:]]; ok {
		return ae.Contained[i].ResourceKind()
	}
	return ""
}

func containedID(r Resource) string {
	switch v := r.(type) {
	case *Patient:
		return v.ID
	case *Practitioner:
		return v.ID
	case *Location:
		return v.ID
	case *Device:
		return v.ID
	case *Medication:
		return v.ID
	case *Group:
		return v.ID
	}
	return ""
}

// date reads AdverseEvent.date: a day, or a day and time.
func (r *reader) date(s string, rec *events.Record) {
	const p = "AdverseEvent.date"
	for _, id := range []string{events.AnsWhenKind, events.AnsDate, events.AnsTime} {
		r.paths[id] = p
	}
	if rec.Answers.Get(events.AnsWhenKind) == "today" {
		return // the day it was reported, which the record does not hold
	}
	if len(s) == 10 {
		rec.Answers[events.AnsDate] = []string{s}
		if rec.Answers.Get(events.AnsWhenKind) == "" {
			rec.Answers[events.AnsWhenKind] = []string{"approximate"}
		}
		return
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		r.bad(CodeValue, p, "Give the date as 2026-12-01, or the date and time as 2026-12-01T14:30:00+00:00")
		return
	}
	t = t.In(clock.London)
	rec.Answers[events.AnsDate] = []string{t.Format(time.DateOnly)}
	rec.Answers[events.AnsTime] = []string{t.Format("15:04")}
	if rec.Answers.Get(events.AnsWhenKind) == "" {
		rec.Answers[events.AnsWhenKind] = []string{"exact"}
	}
}

// own reads clinsafe's own extension.
func (r *reader) own(e Extension, p string, rec *events.Record, meta *EventMeta) {
	m := r.subs(e, p, "WhenKind", "Status", "Audience", "Confidential", "NationalReference", "TaxonomyVersion", "Local")
	if s, ok := one(r, m, "WhenKind"); ok {
		if v, ok := r.code(s, events.ListWhen); ok {
			rec.Answers[events.AnsWhenKind] = []string{v}
		}
		r.paths[events.AnsWhenKind] = s.path
	}
	if s, ok := one(r, m, "Status"); ok {
		if v, ok := r.code(s, ""); ok {
			if st := events.Status(v); slices.Contains(events.Statuses, st) {
				meta.Status = st
			} else {
				r.bad(CodeCodeInvalid, s.path+".valueCode", "%q is not a status of a submitted event", v)
			}
		}
	}
	if s, ok := one(r, m, "Audience"); ok {
		if v, ok := r.code(s, ""); ok {
			if a := events.Audience(v); a == events.Staff || a == events.Public {
				meta.Audience = a
			} else {
				r.bad(CodeCodeInvalid, s.path+".valueCode", "Audience is staff or public")
			}
		}
	}
	if s, ok := one(r, m, "Confidential"); ok {
		meta.Confidential = r.flag(s)
	}
	if s, ok := one(r, m, "NationalReference"); ok {
		meta.NationalRef = r.str(s)
	}
	if s, ok := one(r, m, "TaxonomyVersion"); ok {
		if v := r.str(s); v != r.cfg.TaxonomyVersion {
			r.bad(CodeNotSupported, s.path+".valueString", "Taxonomy version %q is not supported: use %s", v, r.cfg.TaxonomyVersion)
		}
	}
	for _, s := range m["Local"] {
		lm := r.subs(s.ext, s.path, "question", "answer")
		q, ok := one(r, lm, "question")
		if !ok {
			r.bad(CodeRequired, s.path, "A local answer names its question")
			continue
		}
		id := "local." + r.str(q)
		var vs []string
		for _, a := range lm["answer"] {
			vs = append(vs, r.str(a))
		}
		if len(vs) > 0 {
			rec.Answers[id] = vs
		}
		r.paths[id] = s.path
	}
}

func (r *reader) patient(pt *Patient, p string, n int, meta *EventMeta) events.Answers {
	item := events.Answers{}
	if len(pt.Identifier) > 0 || len(pt.Name) > 0 || pt.BirthDate != "" {
		r.bad(CodeBusinessRule, p, "A patient of a safety event carries no identity: send only the LFPSE patient information")
	}
	field := func(id string) string { return fmt.Sprintf("%s.%d.%s", events.GroupPatients, n, id) }
	var g Grading
	graded := false
	for i, e := range pt.Extension {
		ep := fmt.Sprintf("%s.extension[%d]", p, i)
		if e.URL != r.cfg.Ext(ExtPatient) {
			r.bad(CodeStructure, ep+".url", "Unknown extension %q", e.URL)
			continue
		}
		m := r.subs(e, ep, "PatientSequence", "PhysicalHarm", "PsychologicalHarm", "ReportedPhysicalHarm", "ReportedPsychologicalHarm", "AgeBracket", "StrengthOfAssociation")
		for name, id := range map[string]string{"PhysicalHarm": events.PatPhysical, "PsychologicalHarm": events.PatPsych,
			"AgeBracket": events.PatAge, "StrengthOfAssociation": events.PatAssociation} {
			s, ok := one(r, m, name)
			if !ok {
				continue
			}
			r.paths[field(id)] = s.path
			if v, ok := r.value(s, member(events.GroupPatients, id)); ok {
				item[id] = []string{v}
			}
		}
		for name, id := range map[string]string{"ReportedPhysicalHarm": events.PatPhysical, "ReportedPsychologicalHarm": events.PatPsych} {
			s, ok := one(r, m, name)
			if !ok {
				continue
			}
			if v, ok := r.value(s, member(events.GroupPatients, id)); ok {
				graded = true
				if id == events.PatPhysical {
					g.Physical = item.Get(id)
				} else {
					g.Psychological = item.Get(id)
				}
				item[id] = []string{v}
			}
		}
	}
	if graded {
		g.Patient = n
		if g.Physical == "" {
			g.Physical = item.Get(events.PatPhysical)
		}
		if g.Psychological == "" {
			g.Psychological = item.Get(events.PatPsych)
		}
		meta.Gradings = append(meta.Gradings, g)
	}
	if _, ok := r.paths[field(events.PatPhysical)]; !ok {
		r.paths[field(events.PatPhysical)] = p + ".extension"
	}
	return item
}

func (r *reader) device(d *Device, p string, n int) events.Answers {
	item := events.Answers{}
	field := func(id string) string { return fmt.Sprintf("%s.%d.%s", events.GroupDevices, n, id) }
	set := func(id, v, path string) {
		if v != "" {
			item[id] = []string{v}
		}
		r.paths[field(id)] = path
	}
	set(events.DevManufacturer, d.Manufacturer, p+".manufacturer")
	set(events.DevModel, d.ModelNumber, p+".modelNumber")
	set(events.DevSerial, d.SerialNumber, p+".serialNumber")
	set(events.DevLot, d.LotNumber, p+".lotNumber")
	if len(d.UDICarrier) > 1 {
		r.bad(CodeStructure, p+".udiCarrier[1]", "Give one barcode per device")
	}
	if len(d.UDICarrier) > 0 {
		if d.UDICarrier[0].CarrierHRF == "" {
			r.bad(CodeRequired, p+".udiCarrier[0].carrierHRF", "Give the barcode as read, in carrierHRF")
		}
		set(events.DevBarcode, d.UDICarrier[0].CarrierHRF, p+".udiCarrier[0].carrierHRF")
	}
	r.paths[field(events.DevFactors)] = p + ".extension"
	for i, e := range d.Extension {
		ep := fmt.Sprintf("%s.extension[%d]", p, i)
		if e.URL != r.cfg.Ext(ExtDevice) {
			r.bad(CodeStructure, ep+".url", "Unknown extension %q", e.URL)
			continue
		}
		m := r.subs(e, ep, "DeviceType", "DeviceInvolvementFactors")
		if s, ok := one(r, m, "DeviceType"); ok {
			if v, ok := r.value(s, member(events.GroupDevices, events.DevType)); ok {
				item[events.DevType] = []string{v}
			}
			r.paths[field(events.DevType)] = s.path
		}
		for i, s := range m["DeviceInvolvementFactors"] {
			if v, ok := r.value(s, member(events.GroupDevices, events.DevFactors)); ok {
				item[events.DevFactors] = append(item[events.DevFactors], v)
			}
			if i == 0 {
				r.paths[field(events.DevFactors)] = s.path
			}
		}
	}
	return item
}

func (r *reader) medication(m *Medication, p string, n int) events.Answers {
	item := events.Answers{}
	field := func(id string) string { return fmt.Sprintf("%s.%d.%s", events.GroupMedicines, n, id) }
	r.paths[field("name")] = p + ".code.text"
	if m.Code != nil {
		if len(m.Code.Coding) > 0 {
			r.bad(CodeNotSupported, p+".code.coding", "Name the medicine in code.text")
		}
		if m.Code.Text != "" {
			item["name"] = []string{m.Code.Text}
		}
	}
	for i, e := range m.Extension {
		ep := fmt.Sprintf("%s.extension[%d]", p, i)
		if e.URL != r.cfg.Ext(ExtMedication) {
			r.bad(CodeStructure, ep+".url", "Unknown extension %q", e.URL)
			continue
		}
		mm := r.subs(e, ep, "MedicationProblem")
		if s, ok := one(r, mm, "MedicationProblem"); ok {
			if v := r.str(s); v != "" {
				item["problem"] = []string{v}
			}
			r.paths[field("problem")] = s.path
		}
	}
	return item
}

func (r *reader) reporter(pr *Practitioner, p string, rec *events.Record, meta *EventMeta) {
	for i, e := range pr.Extension {
		ep := fmt.Sprintf("%s.extension[%d]", p, i)
		if e.URL != r.cfg.Ext(ExtReporter) {
			r.bad(CodeStructure, ep+".url", "Unknown extension %q", e.URL)
			continue
		}
		m := r.subs(e, ep, "ReporterOrganisation", "ReporterType", "ReporterRole", "Anonymous", "DataSharingOptOut")
		if s, ok := one(r, m, "ReporterType"); ok {
			if v, ok := r.code(s, events.ListReporterType); ok {
				meta.ReporterType = v
				if v != "staff" {
					rec.Answers[events.AnsReporterType] = []string{v}
				}
			}
			r.paths[events.AnsReporterType] = s.path
		}
		if s, ok := one(r, m, "ReporterRole"); ok {
			if v, ok := r.code(s, events.ListReporterRole); ok {
				rec.Answers[events.AnsReporterRole] = []string{v}
			}
			r.paths[events.AnsReporterRole] = s.path
		}
		if s, ok := one(r, m, "ReporterOrganisation"); ok {
			r.code(s, "")
		}
		if s, ok := one(r, m, "Anonymous"); ok {
			meta.Anonymous = r.flag(s)
		}
		if s, ok := one(r, m, "DataSharingOptOut"); ok {
			meta.DataSharingOptOut = r.flag(s)
			rec.Answers[events.AnsDataSharing] = []string{events.DataShare}
			if meta.DataSharingOptOut {
				rec.Answers[events.AnsDataSharing] = []string{events.DataOptOut}
			}
			r.paths[events.AnsDataSharing] = s.path
		}
	}
	if _, ok := r.paths[events.AnsDataSharing]; !ok {
		// Where a refusal for the missing answer points.
		r.paths[events.AnsDataSharing] = p + ".extension"
	}
	if meta.Anonymous && (len(pr.Identifier) > 0 || len(pr.Name) > 0) {
		r.bad(CodeBusinessRule, p, "An anonymous reporter carries no identifier or name")
	}
}
