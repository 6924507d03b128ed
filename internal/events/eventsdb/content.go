package eventsdb

import "github.com/clinsafe/clinsafe/internal/store"

// Content lists the safety events pillar's audited entities and the
// tables that hold their content, for store.Open.
func Content() []store.Entity {
	return []store.Entity{
		{Name: "event", Parts: []store.Part{
			{Table: "events", Key: []string{"id"}},
			{Table: "event_status_history", Key: []string{"event_id"}},
			{Table: "event_followups", Key: []string{"event_id"}},
			{Table: "event_messages", Key: []string{"event_id"}, Exclude: []string{"read_at"}},
			{Table: "event_reporter_contacts", Key: []string{"event_id"}},
			{Table: "event_hazard_links", Key: []string{"event_id"}},
			{Table: "event_implant_links", Key: []string{"event_id"}},
			{Table: "event_yellow_cards", Key: []string{"event_id"}},
			{Table: "event_reviews", Key: []string{"event_id"}},
			{Table: "event_gradings", Key: []string{"event_id"}},
			{Table: "event_addenda", Key: []string{"event_id"}},
		}},
		// An incident shared with a supplier, and the supplier's links of
		// it to its own hazards.
		{Name: "event_share", Parts: []store.Part{
			{Table: "event_shares", Key: []string{"id"}},
			{Table: "event_share_links", Key: []string{"share_id"}},
		}},
		{Name: "event_question", Parts: []store.Part{{Table: "event_local_questions", Key: []string{"id"}}}},
		{Name: "learning_response", Parts: []store.Part{
			{Table: "learning_responses", Key: []string{"id"}},
			{Table: "learning_response_events", Key: []string{"response_id"}},
			{Table: "learning_actions", Key: []string{"response_id"}},
		}},
		{Name: "psirf_plan", Parts: []store.Part{{Table: "psirf_plans", Key: []string{"org_id"}}}},
	}
}
