package eventsweb_test

import (
	"time"

	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// publicSamples are the sample data of the follow-up pages.
func publicSamples(b web.Base) map[string]any {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ms := []eventsdb.Message{
		{ID: "m1", Direction: eventsdb.ToReporter, Kind: eventsdb.KindQuestion, Body: "Which ward?", From: eventsdb.TeamWords, AuthorName: "Jo Handler", CreatedAt: at, ReadAt: &at},
		{ID: "m2", Direction: eventsdb.FromReporter, Kind: eventsdb.KindAnswer, Body: "Ward 3", From: eventsdb.ReporterWords, CreatedAt: at},
		{ID: "m3", Direction: eventsdb.ToReporter, Kind: eventsdb.KindFeedback, Body: "Closed. What we learned: ...", From: eventsdb.TeamWords, CreatedAt: at},
	}
	e := eventsdb.Event{ID: "e", Ref: "PSE-2026-000001", Type: "1", Status: "awaiting_information", Confidential: true}
	org := store.Org{ODSCode: "RAA", Name: "Alpha Trust"}
	return map[string]any{
		"followup_conversation": eventsweb.ConversationPage{Base: b, Event: e, Reporter: "A Nurse", Thread: eventsweb.ThreadView{Messages: ms, Team: true}, CanAsk: true, Lead: true},
		"followup_mine":         eventsweb.MineMessagesPage{Base: b, Event: e, Thread: eventsweb.ThreadView{Messages: ms}, CanAnswer: true},
		"followup_code":         eventsweb.FollowUpCodePage{Base: b, Org: org},
		"followup_report":       eventsweb.FollowUpThreadPage{Base: b, Org: org, Event: e, Thread: eventsweb.ThreadView{Messages: ms}, Email: "a@example.com", CanAnswer: true},
	}
}
