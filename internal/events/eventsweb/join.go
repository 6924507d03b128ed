package eventsweb

import (
	"context"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// The seams between the wing's parts: what the handler's event page shows
// of the follow-up, learning and triage parts, what a reporter sees of
// similar events, and the conversation on My reports.

// EventJoin is what the other parts add to the handler's event page.
type EventJoin struct {
	// Messages and UnreadAnswers count the conversation with the reporter.
	Messages, UnreadAnswers int
	// Expected is what the response plan expects for the event (nil when
	// no rule fits).
	Expected *events.PlanRule
	// Responses are the learning responses that learn from the event.
	Responses []eventsdb.LearningResponse
	// Summary is the learning summary offered on closing: the one
	// recorded, else the latest completed response's.
	Summary string
	// IT: the event involves IT naming a registered system, with its
	// hazard links; Devices: it involves devices.
	IT      bool
	Hazards []eventsdb.HazardLink
	Devices bool
}

// joinEvent gathers what the other parts show on e's event page; summary
// is the learning summary recorded.
func (s *Module) joinEvent(ctx context.Context, orgID store.OrgID, e eventsdb.Event, summary string) (EventJoin, error) {
	j := EventJoin{Summary: summary}
	ms, err := s.ev.Thread(ctx, orgID, e.ID, eventsdb.TeamView)
	if err != nil {
		return j, err
	}
	j.Messages = len(ms)
	for _, m := range ms {
		if m.Direction == eventsdb.FromReporter && m.ReadAt == nil {
			j.UnreadAnswers++
		}
	}
	if rule, ok, err := s.ev.ExpectedResponse(ctx, orgID, e); err != nil {
		return j, err
	} else if ok {
		j.Expected = &rule
	}
	if j.Responses, err = s.ev.EventResponses(ctx, orgID, e.ID); err != nil {
		return j, err
	}
	if j.Summary == "" {
		for _, r := range j.Responses {
			if r.Status == events.ResponseCompleted && r.Summary != "" {
				j.Summary = r.Summary
			}
		}
	}
	j.IT = e.SystemID != "" && e.Record.Involves(events.AgentIT)
	if j.IT {
		if j.Hazards, err = s.ev.EventHazards(ctx, orgID, e.ID); err != nil {
			return j, err
		}
	}
	j.Devices = e.Record.Involves(events.AgentDevice)
	return j, nil
}

// SimilarEvent is an event shown on the check-answers page as perhaps the
// same: its reference, date and location; its description only to a
// handler, who may read other people's reports.
type SimilarEvent struct {
	ID, Ref, OccurredOn, Location string
	Description                   string
}

// similarFor are up to three events of orgID like rec (draft id left
// out), as the principal p may see them.
func (s *Module) similarFor(ctx context.Context, p *store.Principal, rec events.Record, id string) ([]SimilarEvent, error) {
	ms, err := s.ev.Similar(ctx, p.Org.ID, rec, 3, id)
	if err != nil {
		return nil, err
	}
	handler := auth.HasAny(p.Roles, evHandle...)
	var out []SimilarEvent
	for _, m := range ms {
		se := SimilarEvent{Ref: m.Ref, OccurredOn: m.OccurredOn, Location: m.Location}
		if handler {
			se.ID, se.Description = m.ID, m.Record.Answers.Get(events.AnsDescription)
		}
		out = append(out, se)
	}
	return out, nil
}
