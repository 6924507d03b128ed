package eventsweb_test

import (
	"time"

	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// reviewSamples are the sample data of the review part's pages.
func reviewSamples(b web.Base) map[string]any {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	e := eventsdb.Event{ID: "e1", Ref: "PSE-2026-000001", Type: events.Incident, Status: events.InReview, Harm: "2", ReportedHarm: "4",
		Location: "Ward 7", AssignedTo: "u1", SubmittedAt: &at, OccurredOn: "2026-11-23", Version: 3,
		Record: events.Record{Type: events.Incident, Answers: events.Answers{events.AnsDescription: {"Wrong dose"}},
			Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}}}}}}
	rv := eventsdb.EventReview{Review: eventsdb.Review{LearningSummary: "Check twice", Notes: "Call back",
		Governance: eventsdb.Governance{Candour: "y", CandourAwareOn: "2026-11-23", NeverEvent: "y", NeverEventType: "other"}},
		History:  []eventsdb.Grading{{Patient: 0, Physical: "2", Psychological: "3", ActorName: "H", At: at}},
		Addenda:  []eventsdb.Addendum{{ID: "a", Body: "More", AuthorName: "H", At: at}},
		Statuses: []eventsdb.StatusChange{{Status: events.Submitted, At: at}, {Status: events.InReview, ActorName: "H", At: at}},
		Kept:     &eventsdb.Event{ID: "k", Ref: "PSE-2026-000002"}, Duplicates: []eventsdb.Event{{ID: "d", Ref: "PSE-2026-000003"}}, Assignee: "H"}
	withErr := b
	withErr.Errors = map[string]string{"reason": "Enter why"}
	withErr.ErrorList = []web.FieldError{{Field: "reason", Message: "Enter why"}}
	return map[string]any{
		"review_queue": eventsweb.EventsQueuePage{Base: b, Page: eventsdb.QueuePage{Events: []eventsdb.Event{e}, Total: 30},
			Tabs: []eventsweb.QueueTab{{Label: "Open", Href: "/events/queue", Count: 30, Current: true}}, Names: map[string]string{"u1": "H"},
			Prev: "/events/queue?offset=0", Next: "/events/queue?offset=50", First: 26, Last: 26, Query: "status=open",
			Types: []web.Option{{Value: "1", Label: "Incident"}}},
		"review_event": eventsweb.EventsReviewPage{Base: withErr, Event: e, Review: rv, Reporter: "Anonymous", CandourDue: "2026-12-07",
			Summary:  []events.SummaryRow{{Prompt: "What happened?", Answer: []string{"Wrong dose"}}, {Prompt: "Blank"}},
			Similar:  []eventsdb.Match{{Event: eventsdb.Event{ID: "s", Ref: "PSE-2026-000004", Location: "Ward 7", OccurredOn: "2026-11-20"}, Why: []string{"same location"}}},
			Patients: []eventsweb.PatientGrade{{Index: 0, Label: "Patient 1", ReportedPhys: "4", Physical: "2", Graded: true}},
			Handlers: []web.Option{{Value: "u1", Label: "H", Selected: true}}, Dates: map[string]web.DateParts{}},
	}
}
