package demo

import (
	"context"
	"fmt"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// loadKnowledge fills the trust's knowledge hub: clinsafe's own documents
// (the requirement catalogues and hazard blueprints, public), a piece of
// guidance in its second published version with a draft of a third, and a
// lesson learned from a completed learning response waiting for a second
// person's approval.
func loadKnowledge(ctx context.Context, st *store.DB, trust, _ store.Org, people map[string]store.User, _ string) error {
	cso := people["cso@demo.clinsafe.test"]
	if cso.ID == "" {
		return nil
	}
	handler := people["handler@demo.clinsafe.test"]
	kb := knowledgedb.New(st)
	as := audit.WithActor(ctx, audit.Actor{UserID: cso.ID, Name: cso.Name, RequestID: "demo"})
	if _, err := kb.InstallBuiltIns(as, trust.ID); err != nil {
		return fmt.Errorf("demo: knowledge built-ins: %w", err)
	}
	g := knowledge.Draft{Kind: knowledge.Guidance, Title: "Checking insulin units on the ePMA chart", Sharing: knowledge.Network,
		Summary: "How ward staff check insulin doses and units on the electronic prescribing chart before giving them.",
		Body:    "## Why\n\nInsulin prescribed in the wrong unit can cause serious harm.\n\n## What to do\n\n- Read the dose and the unit aloud.\n- Check the prescription against the patient's glucose plan.\n",
		Tags:    []string{"medication"}, SystemTypes: []string{"eprescribing"}, ReviewOn: st.Now().AddDate(0, -1, 0).Format("2006-01-02"),
		Links: []knowledge.Link{{Title: "Insulin safety resources", URL: "https://www.england.nhs.uk/patient-safety/"}}}
	d, err := kb.Create(as, trust.ID, g)
	if err != nil {
		return fmt.Errorf("demo: knowledge guidance: %w", err)
	}
	if d, err = kb.Publish(as, trust.ID, d.ID, d.Version); err != nil {
		return err
	}
	g.Body += "- Ask a second person to check any dose over 20 units.\n"
	g.Note = "Added the second check of large doses"
	if d, err = kb.SaveDraft(as, trust.ID, d.ID, d.Version, g); err != nil {
		return err
	}
	if d, err = kb.Publish(as, trust.ID, d.ID, d.Version); err != nil {
		return err
	}
	g.Body += "- Record the check on the chart.\n"
	g.Note = "Record the check"
	if _, err = kb.SaveDraft(as, trust.ID, d.ID, d.Version, g); err != nil {
		return err
	}
	// A lesson learned from the completed learning response, by the
	// handler, for someone else to approve.
	author := handler
	if author.ID == "" {
		author = cso
	}
	var responseID string
	err = st.SQL().QueryRowContext(ctx, `SELECT id FROM learning_responses WHERE org_id = $1 AND status = 'completed' AND summary <> ''
		ORDER BY created_at, id LIMIT 1`, trust.ID).Scan(&responseID)
	if store.NoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	byAuthor := audit.WithActor(ctx, audit.Actor{UserID: author.ID, Name: author.Name, RequestID: "demo"})
	start, err := kb.StartLesson(byAuthor, trust.ID, "", responseID)
	if err != nil {
		return fmt.Errorf("demo: lesson learned: %w", err)
	}
	start.Draft.Sharing = knowledge.Public
	for _, f := range knowledge.CheckDeidentified(knowledge.LessonText(start.Draft), nil) {
		start.Draft.Confirmed = append(start.Draft.Confirmed, f.Key)
	}
	if _, err := kb.CreateLesson(byAuthor, trust.ID, start.Source, start.Draft); err != nil {
		return fmt.Errorf("demo: lesson learned: %w", err)
	}
	return nil
}
