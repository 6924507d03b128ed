package knowledgeweb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgeweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the knowledge hub with
// the typed data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	v := knowledgedb.Version{Number: 2, Title: "Insulin units", Summary: "S", Body: "# H\n\ntext", Status: "draft", AuthorName: "Sam", PublishedAt: &now}
	doc := knowledgedb.Document{ID: "d", Ref: "KD-001", Kind: knowledge.Lesson, Sharing: knowledge.Public, OrgName: "Org", OrgODS: "X1", OwnerName: "Sam",
		ReviewOn: "2026-01-01", Tags: []string{"medication"}, SystemTypes: []string{"epr"}, Links: []knowledge.Link{{Title: "NHS", URL: "https://www.nhs.uk"}},
		Published: 1, Latest: 2, Version: 3, Shown: &v, Versions: []knowledgedb.Version{v, {Number: 1, Title: "Insulin", Status: "published", PublishedAt: &now}}}
	res := knowledgedb.Page{Results: []knowledgedb.Result{{ID: "d", Ref: "KD-001", Kind: knowledge.Guidance, Title: "T", Tags: []string{"ai"},
		Snippet: []knowledge.Part{{Text: "a "}, {Text: "hit", Hit: true}}}}, More: true, Limit: 20}
	flags := []knowledgeweb.FlagRow{{Flag: knowledge.Flag{Kind: "date", Label: "A date", Match: "1/2/2026", Key: "date-1"}, Confirmed: true}}
	samples := func(b web.Base) map[string]any {
		return map[string]any{
			"knowledge_home": knowledgeweb.HomePage{Base: b, Results: res, Drafts: []knowledgedb.Document{doc}, CanEdit: true, Searched: true,
				Kinds: []web.Option{{Value: "guidance", Label: "Guidance"}}, Tags: []web.Option{{Value: "ai", Label: "AI"}}},
			"knowledge_form": knowledgeweb.FormPage{Base: b, Action: "/knowledge/documents/d", Doc: &doc, Draft: doc.Draft(v), Flags: flags, Source: "event:e",
				Tags: []web.Option{{Value: "ai", Label: "AI", Selected: true}}, Types: []web.Option{{Value: "epr", Label: "EPR"}}},
			"knowledge_document": knowledgeweb.DocumentPage{Base: b, Doc: doc, Body: knowledge.Render(v.Body), CanEdit: true, CanApprove: true, Flags: flags, Overdue: true},
			"knowledge_diff":     knowledgeweb.DiffPage{Base: b, Doc: doc, From: v, To: v, Lines: knowledge.Diff("a\nb", "a\nc"), Added: 1, Removed: 1},
			"knowledge_library":  knowledgeweb.LibraryPage{Base: b, Org: &store.Org{Name: "Org", ODSCode: "X1"}, Action: "/library/X1", Results: res},
			"knowledge_public":   knowledgeweb.DocumentPage{Base: b, Doc: doc, Body: knowledge.Render(v.Body), Public: true},
		}
	}
	webtest.EveryPage(t, "knowledge", samples, "knowledge_library", "knowledge_public")
	// With a field in error, each page shows the layout's error summary
	// and none of its own.
	webtest.OneErrorSummary(t, "knowledge", samples)
}
