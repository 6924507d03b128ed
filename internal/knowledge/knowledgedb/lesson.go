package knowledgedb

import (
	"context"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/store"
)

// LessonStart is the first draft of a lesson learned from a closed event
// or a completed learning response: its learning summary, and where it
// came from.
type LessonStart struct {
	Source string // event:ID or response:ID
	// From names the event or response, e.g. "PSE-2026-000012".
	From  string
	Draft knowledge.Draft
}

// StartLesson drafts a lesson learned from event eventID (closed, with a
// learning summary) or response responseID (completed, with a summary) of
// orgID; exactly one of the two is given. NotFound for another
// organisation's; Invalid when the event is not closed, the response not
// complete or there is no summary to publish.
func (s *DB) StartLesson(ctx context.Context, orgID store.OrgID, eventID, responseID string) (LessonStart, error) {
	switch {
	case eventID != "" && responseID == "":
		r, err := s.ev.GetReview(ctx, orgID, eventID)
		if err != nil {
			return LessonStart{}, err
		}
		e, err := s.ev.Get(ctx, orgID, eventID)
		if err != nil {
			return LessonStart{}, err
		}
		if e.Status != events.Closed {
			return LessonStart{}, apperr.New(apperr.Invalid, "Only a closed event's learning can be published: %s is %s", e.Ref, strings.ToLower(e.Status.Label()))
		}
		if strings.TrimSpace(r.LearningSummary) == "" {
			return LessonStart{}, apperr.New(apperr.Invalid, "%s has no learning summary to publish: add one to the event first", e.Ref)
		}
		return LessonStart{Source: "event:" + e.ID, From: e.Ref, Draft: knowledge.Draft{Kind: knowledge.Lesson,
			Title: "Lesson learned: " + e.Type.Label(), Body: r.LearningSummary, Tags: []string{"incident-learning"}, Sharing: knowledge.Private}}, nil
	case responseID != "" && eventID == "":
		lr, err := s.ev.Response(ctx, orgID, responseID)
		if err != nil {
			return LessonStart{}, err
		}
		if lr.Status != events.ResponseCompleted {
			return LessonStart{}, apperr.New(apperr.Invalid, "Only a completed learning response can be published: %s is not complete", lr.Ref)
		}
		body := strings.TrimSpace(lr.Summary)
		if f := strings.TrimSpace(lr.Findings); f != "" {
			body = strings.TrimSpace(body + "\n\n## What we found\n\n" + f)
		}
		if body == "" {
			return LessonStart{}, apperr.New(apperr.Invalid, "%s has no summary to publish: add one to the response first", lr.Ref)
		}
		return LessonStart{Source: "response:" + lr.ID, From: lr.Ref, Draft: knowledge.Draft{Kind: knowledge.Lesson,
			Title: lr.Title, Summary: lr.Type.Label(), Body: body, Tags: []string{"incident-learning"}, Sharing: knowledge.Private}}, nil
	}
	return LessonStart{}, apperr.New(apperr.Invalid, "Choose the closed event or the completed learning response the lesson comes from")
}

// CreateLesson adds a lesson learned of orgID from source (as StartLesson
// gave it) as a draft, for a second person to approve. A source already
// published from is a Conflict.
func (s *DB) CreateLesson(ctx context.Context, orgID store.OrgID, source string, d knowledge.Draft) (Document, error) {
	kind, id, _ := strings.Cut(source, ":")
	var err error
	switch kind {
	case "event":
		_, err = s.StartLesson(ctx, orgID, id, "")
	case "response":
		_, err = s.StartLesson(ctx, orgID, "", id)
	default:
		err = apperr.New(apperr.Invalid, "Choose the closed event or the completed learning response the lesson comes from")
	}
	if err != nil {
		return Document{}, err
	}
	if old, ok, err := s.BySource(ctx, orgID, source); err != nil {
		return Document{}, err
	} else if ok {
		return Document{}, apperr.New(apperr.Conflict, "A lesson learned from this is already %s (%s): change that one", map[bool]string{true: "published", false: "drafted"}[old.Published > 0], old.Ref)
	}
	d.Kind = knowledge.Lesson
	return s.create(ctx, orgID, d, source, false)
}

// patientNames are the names recorded for the patients of the event (or
// of the events of the response) a lesson came from: the record keeps
// none today, but any answer of a patient named like a name is used.
func (s *DB) patientNames(ctx context.Context, orgID store.OrgID, source string) ([]string, error) {
	kind, id, _ := strings.Cut(source, ":")
	var ids []string
	switch kind {
	case "event":
		ids = []string{id}
	case "response":
		lr, err := s.ev.Response(ctx, orgID, id)
		if apperr.Is(err, apperr.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, e := range lr.Events {
			ids = append(ids, e.ID)
		}
	default:
		return nil, nil
	}
	var names []string
	for _, eid := range ids {
		e, err := s.ev.Get(ctx, orgID, eid)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, p := range e.Record.Groups[events.GroupPatients] {
			for k, vs := range p {
				if strings.Contains(k, "name") {
					names = append(names, vs...)
				}
			}
		}
	}
	return names, nil
}
