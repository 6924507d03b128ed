package eventsweb

import (
	"context"
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// The review API (docs/api-events.md): the same store methods as
// the pages.

// APIEvent is an event as the review API shows it to a handler: the
// record, its review and who reported in words ("Anonymous" when nothing
// is kept; no reporter id for a confidential report).
type APIEvent struct {
	eventsdb.Event
	Reporter string                `json:"reporter"`
	Review   *eventsdb.EventReview `json:"review,omitempty"`
}

func apiEventOf(e eventsdb.Event) APIEvent {
	a := APIEvent{Event: e, Reporter: "Anonymous"}
	switch {
	case e.ReporterID == "":
	case e.Confidential:
		a.Reporter, a.ReporterID = "Confidential", ""
	default:
		a.Reporter = "Staff member"
	}
	return a
}

// APIQueue is a page of the review queue.
type APIQueue struct {
	Items  []APIEvent            `json:"items"`
	Total  int                   `json:"total"`
	Counts map[events.Status]int `json:"counts"`
	Offset int                   `json:"offset"`
	Limit  int                   `json:"limit"`
}

func (s *Module) apiQueue(w http.ResponseWriter, r *http.Request) error {
	f, _, _, err := queueFilter(r.URL.Query())
	if err != nil {
		return err
	}
	p, err := s.ev.Queue(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, f)
	if err != nil {
		return err
	}
	out := APIQueue{Items: []APIEvent{}, Total: p.Total, Counts: p.Counts, Offset: p.Offset, Limit: p.Limit}
	for _, e := range p.Events {
		out.Items = append(out.Items, apiEventOf(e))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (s *Module) apiSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return apperr.Field("q", "Enter words to search for")
	}
	es, err := s.ev.Search(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, q, 50)
	if err != nil {
		return err
	}
	out := []APIEvent{}
	for _, e := range es {
		out = append(out, apiEventOf(e))
	}
	return web.WriteJSON(w, http.StatusOK, web.Items(out))
}

func (s *Module) apiEventRead(ctx context.Context, orgID store.OrgID, id string) (APIEvent, error) {
	e, err := s.ev.Get(ctx, orgID, id)
	if err != nil {
		return APIEvent{}, err
	}
	rv, err := s.ev.GetReview(ctx, orgID, id)
	if err != nil {
		return APIEvent{}, err
	}
	a := apiEventOf(e)
	a.Review = &rv
	return a, nil
}

func (s *Module) apiEvent(w http.ResponseWriter, r *http.Request) error {
	a, err := s.apiEventRead(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, a)
}

func (s *Module) apiAfter(w http.ResponseWriter, r *http.Request, status int) error {
	a, err := s.apiEventRead(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, status, a)
}

func (s *Module) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	var u eventsdb.Update
	if err := web.DecodeJSON(r, &u); err != nil {
		return err
	}
	if _, err := s.ev.Update(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), u); err != nil {
		return err
	}
	return s.apiAfter(w, r, http.StatusOK)
}

func (s *Module) apiStatus(w http.ResponseWriter, r *http.Request) error {
	var in eventsdb.StatusInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := s.ev.SetStatus(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in); err != nil {
		return err
	}
	return s.apiAfter(w, r, http.StatusOK)
}

func (s *Module) apiAddendum(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Body string `json:"body"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.ev.AddAddendum(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in.Body)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, a)
}

func (s *Module) apiMerge(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Version     int    `json:"version"`
		DuplicateOf string `json:"duplicate_of"`
		Reason      string `json:"reason,omitempty"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := s.ev.Merge(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"), in.Version, in.DuplicateOf, in.Reason); err != nil {
		return err
	}
	return s.apiAfter(w, r, http.StatusOK)
}
