package eventsweb_test

import (
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/web"
)

// learningSamples are the sample data of the learning response pages.
func learningSamples(b web.Base) map[string]any {
	rule := events.DefaultPlan[0]
	lr := eventsdb.LearningResponse{ID: "r", Ref: "LR-001", Response: events.Response{Title: "T", Type: events.PSII, Status: events.ResponseCompleted,
		CompletedOn: "2026-11-30", DueOn: "2026-11-01", Content: map[string]string{"psii.terms": "x"}},
		Events: []eventsdb.EventRef{{ID: "e", Ref: "PSE-2026-000001", Type: events.Incident, Status: events.Closed}},
		Actions: []eventsdb.LearningAction{
			{ID: "a", Action: events.Action{Description: "d", DueOn: "2026-11-01", Measure: "m", Status: events.ActionOpen}, Overdue: true},
			{ID: "b", Action: events.Action{Description: "d", DueOn: "2026-11-01", Measure: "m", Status: events.ActionDone, DoneOn: "2026-11-02", Evidence: "e"}},
			{ID: "c", Action: events.Action{Description: "d", DueOn: "2026-11-01", Measure: "m", Status: events.ActionCancelled, CancelReason: "r"}},
		}}
	return map[string]any{
		"learning_list": eventsweb.LearningListPage{Base: b, Responses: []eventsdb.LearningResponse{lr, {ID: "s", Response: events.Response{Type: events.AAR, Status: events.ResponsePlanned}, OverdueActions: 1}},
			Statuses: []web.Option{{Value: "", Label: "All"}}},
		"learning_new": eventsweb.LearningNewPage{Base: b, Expected: &rule, Types: []web.Option{{Value: "aar", Label: "After action review"}}},
		"learning_response": eventsweb.LearningPage{Base: b, R: lr, Form: lr.Response, Fields: events.PSII.Fields(), ActionID: "a",
			ActionErrors: map[string]string{"evidence": "Say"}},
		"learning_plan": eventsweb.LearningPlanPage{Base: b, Rules: append(events.DefaultPlan, events.PlanRule{}), Types: events.RecordTypes,
			Harms: events.LFPSE.List(events.ListPhysicalHarm).Entries, Agents: events.LFPSE.List(events.ListAgent).Entries, Resps: events.ResponseTypes},
	}
}
