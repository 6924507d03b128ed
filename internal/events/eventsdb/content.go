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
			{Table: "event_reviews", Key: []string{"event_id"}},
			{Table: "event_gradings", Key: []string{"event_id"}},
			{Table: "event_addenda", Key: []string{"event_id"}},
		}},
		{Name: "event_question", Parts: []store.Part{{Table: "event_local_questions", Key: []string{"id"}}}},
	}
}
