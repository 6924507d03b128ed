package knowledgedb

import (
	"context"

	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/store"
)

// builtIns are clinsafe's own documents, made from data: the DCB0129 and
// DCB0160 requirement catalogues (kind standard) and the hazard blueprints.
func builtIns() []struct {
	source string
	draft  knowledge.Draft
} {
	var out []struct {
		source string
		draft  knowledge.Draft
	}
	for _, c := range knowledge.Catalogues() {
		tag := "dcb0129"
		if c.Code == "DCB0160" {
			tag = "dcb0160"
		}
		out = append(out, struct {
			source string
			draft  knowledge.Draft
		}{"builtin:catalogue:" + c.Code, knowledge.Draft{Kind: knowledge.Standard, Title: c.Title + ": requirement catalogue",
			Summary: "The clause numbers and subsection titles of " + c.Code + ", each explained in our own words. The compliance checklists of the clinical risk module use this catalogue.",
			Body:    c.Markdown(), Note: "Catalogue version " + knowledge.CatalogueVersion, Tags: []string{tag}, Sharing: knowledge.Public}})
	}
	for _, b := range knowledge.Blueprints {
		out = append(out, struct {
			source string
			draft  knowledge.Draft
		}{"builtin:blueprint:" + b.Code, knowledge.Draft{Kind: knowledge.Blueprint, Title: b.DocumentTitle(), Summary: b.Intro, Body: b.Markdown(),
			Note: "Blueprint version " + b.Version, Tags: []string{"hazard-log"}, SystemTypes: []string{b.SystemType}, Sharing: knowledge.Public}})
	}
	return out
}

// InstallBuiltIns adds clinsafe's own documents (the requirement
// catalogues and the hazard blueprints) to orgID's library, published and
// public, or publishes a new version of each whose data has changed since.
// It returns how many documents it added or updated.
func (s *DB) InstallBuiltIns(ctx context.Context, orgID store.OrgID) (int, error) {
	n := 0
	for _, b := range builtIns() {
		old, ok, err := s.BySource(ctx, orgID, b.source)
		if err != nil {
			return n, err
		}
		if !ok {
			if _, err := s.create(ctx, orgID, b.draft, b.source, true); err != nil {
				return n, err
			}
			n++
			continue
		}
		if old.Shown.Body == b.draft.Body && old.Shown.Title == b.draft.Title && !old.HasDraft() {
			continue
		}
		d := old.Draft(*old.Shown)
		d.Title, d.Summary, d.Body, d.Note = b.draft.Title, b.draft.Summary, b.draft.Body, b.draft.Note
		saved, err := s.SaveDraft(ctx, orgID, old.ID, old.Version, d)
		if err != nil {
			return n, err
		}
		if _, err := s.Publish(ctx, orgID, saved.ID, saved.Version); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
