package eventsweb_test

import (
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// reportSamples are the sample data of the reporting pages.
func reportSamples(b web.Base) map[string]any {
	opts := []eventsweb.ReportOption{{ID: "q", Value: "1", Label: "One", Hint: "The first", Checked: true}, {ID: "q-2", Value: "2", Label: "Two"}}
	fields := []eventsweb.ReportField{
		{ID: "description", Name: "description", Kind: events.KindLongText, Label: "What happened?", Hint: "In your words", Error: "Enter an answer", Max: 10000, AsHeading: true},
		{ID: "t", Name: "t", Kind: events.KindText, Label: "Text", Max: 200, Value: "x"},
		{ID: "tm", Name: "tm", Kind: events.KindTime, Label: "Time"},
		{ID: "when-date", Name: "when.date", Kind: events.KindDate, Label: "Date", Date: web.DateParts{Day: "1", Month: "12", Year: "2026"}, Error: "Enter a real date"},
		{ID: "q", Name: "q", Kind: events.KindChoice, Label: "Choice", Options: opts},
		{ID: "m", Name: "m", Kind: events.KindMulti, Label: "Multi", Options: opts, Error: "Select at least one"},
		{ID: "s", Name: "s", Kind: events.KindChoice, Label: "Long list", Options: opts, Select: true},
		{ID: "sys", Name: "it.system", Kind: events.KindSystem, Label: "System", Options: opts},
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ev := eventsdb.Event{ID: "e", Ref: "PSE-2026-000123", Type: events.Incident, Status: events.InReview, OccurredOn: "2026-11-30", Confidential: true, UpdatedAt: now}
	rows := []events.SummaryRow{{Prompt: "What happened?", Answer: []string{"A fall", "at night"}}}
	return map[string]any{
		"report_question": eventsweb.ReportQuestionPage{Base: b, Action: "/events/report/d/description", Back: "/events/report/d/type", Heading: "What happened?",
			Caption: "Patients affected: 1", Fields: fields, Version: 2, Button: "Continue"},
		"report_group": eventsweb.ReportGroupPage{Base: b, Action: "/events/report/d/patients", Back: "/events/report/d/patients.affected", Heading: "Patients affected",
			Items:   []eventsweb.ReportGroupItem{{Title: "Patient 1", Rows: rows, ChangeHref: "/events/report/d/patients/0", RemoveAction: "/events/report/d/patients/0/remove"}, {Title: "Patient 2"}},
			AddHref: "/events/report/d/patients/new", Version: 3},
		"report_check": eventsweb.ReportCheckPage{Base: b, Action: "/events/report/d/check", Back: "/events/report/d/reporter.role",
			Rows: []eventsweb.ReportCheckRow{{Prompt: "What happened?", Answer: []string{"A fall"}, Href: "/events/report/d/description?return=check"}}, Version: 4,
			IdentityField: &eventsweb.ReportField{ID: "identity", Name: "identity", Kind: events.KindChoice, Label: "How?", Options: opts}, DiscardHref: "/events/report/d/discard"},
		"report_discard":      eventsweb.ReportDiscardPage{Base: b, Draft: eventsdb.Event{ID: "d", Type: events.Incident, Version: 3, UpdatedAt: now}},
		"report_done":         eventsweb.ReportDonePage{Base: b, Ref: "PSE-2026-000123", Code: "ABCD-EFGH", Anonymous: true, FollowUpHref: "/report/X1/follow-up", OrgName: "Org"},
		"report_public_done":  eventsweb.ReportDonePage{Base: b, Ref: "PSE-2026-000124", Code: "ABCD-EFGH", Public: true, Anonymous: true, FollowUpHref: "/report/X1/follow-up", OrgName: "Org"},
		"report_public_start": eventsweb.PublicStartPage{Base: b, Org: store.Org{Name: "Org", ODSCode: "X1"}, Action: "/report/X1", Resume: "/report/X1/description"},
		"report_mine":         eventsweb.MyReportsPage{Base: b, Events: []eventsdb.Event{ev}, Drafts: []eventsdb.Event{{ID: "d", UpdatedAt: now}}},
		"report_mine_event": eventsweb.MyReportPage{Base: b, Event: ev, Rows: rows,
			History: []eventsdb.StatusChange{{Status: events.Submitted, At: now}, {Status: events.NotPSE, Reason: "A complaint", At: now}}},
		"report_questions": eventsweb.QuestionsPage{Base: b, Types: []eventsweb.QuestionsType{{Type: events.Incident, Label: "Patient safety incident",
			Questions: []events.LocalQuestion{{ID: "q", Prompt: "Which site?", Options: []string{"North", "South"}, Required: true}}}, {Type: events.Risk, Label: "Risk"}},
			Form: events.LocalQuestion{Kind: events.KindChoice}, Options: "North\nSouth",
			Kind: eventsweb.ReportField{ID: "kind", Name: "kind", Kind: events.KindChoice, Label: "Kind", Options: opts}},
	}
}
