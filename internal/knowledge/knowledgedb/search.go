package knowledgedb

import (
	"context"
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/store"
)

// Filter is a search of the documents a reader sees. Empty fields do not
// filter; with no words, documents are listed by title.
type Filter struct {
	Q      string `json:"q,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Tag    string `json:"tag,omitempty"`
	Offset int    `json:"offset,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// rankCandidates is how many of the newest matches of a search are
// ranked by relevance.
const rankCandidates = 1000

// Search page sizes.
const (
	PageSize = 20
	MaxPage  = 500
)

// Check validates f: a kind or tag that is not the hub's is Invalid (422).
func (f *Filter) Check() error {
	f.Q, f.Kind, f.Tag = strings.TrimSpace(f.Q), strings.TrimSpace(f.Kind), strings.TrimSpace(f.Tag)
	var fs apperr.Fields
	fs.Check(f.Kind != "" && !knowledge.Kind(f.Kind).Valid(), "kind", "Select a kind of document from the list")
	fs.Check(f.Tag != "" && !knowledge.ValidTag(f.Tag), "tag", "Select a tag from the list")
	fs.Check(len(f.Q) > 200, "q", "Search for 200 characters or fewer")
	fs.Check(f.Offset < 0 || f.Offset > 100_000, "offset", "The offset must be a number from 0 to 100000")
	if f.Limit <= 0 {
		f.Limit = PageSize
	}
	fs.Check(f.Limit > MaxPage, "limit", fmt.Sprintf("The limit must be %d or fewer", MaxPage))
	return fs.Err()
}

// Result is a published document found by a search, with a snippet of
// its text around the words searched for.
type Result struct {
	ID      string            `json:"id"`
	OrgODS  string            `json:"ods_code"`
	OrgName string            `json:"organisation"`
	Ref     string            `json:"reference"`
	Kind    knowledge.Kind    `json:"kind"`
	Sharing knowledge.Sharing `json:"sharing"`
	Tags    []string          `json:"tags"`
	Title   string            `json:"title"`
	// TitleParts is the title with the words searched for marked, and
	// Snippet a passage of the text around them.
	TitleParts []knowledge.Part `json:"title_parts"`
	Snippet    []knowledge.Part `json:"snippet"`
}

// Page is one page of results; More when there are further ones.
type Page struct {
	Results []Result `json:"items"`
	More    bool     `json:"more"`
	Offset  int      `json:"offset"`
	Limit   int      `json:"limit"`
}

// Search finds the published documents a member of orgID reads (f must
// have been checked): its own, and those shared with its networks or
// with everyone.
func (s *DB) Search(ctx context.Context, orgID store.OrgID, f Filter) (Page, error) {
	return s.search(ctx, orgScope, orgID, f)
}

// orgScope is what an organisation ($1) may read: its own documents, the
// public ones, and those shared with a network it belongs to.
const orgScope = `(knowledge_search.org_id = $1 OR knowledge_search.sharing = 'public' OR (knowledge_search.sharing = 'network' AND knowledge_search.org_id IN
		(SELECT b.org_id FROM network_members a JOIN network_members b ON b.network_id = a.network_id WHERE a.org_id = $1)))`

// SearchPublic finds public documents: of the organisation with ODS code
// ods, or of every organisation when ods is "".
func (s *DB) SearchPublic(ctx context.Context, ods string, f Filter) (Page, error) {
	if ods == "" {
		return s.search(ctx, `knowledge_search.sharing = 'public' AND $1 = ''`, "", f)
	}
	o, err := s.OrgByODS(ctx, ods)
	if err != nil {
		return Page{}, err
	}
	return s.search(ctx, `knowledge_search.sharing = 'public' AND knowledge_search.org_id = $1`, string(o.ID), f)
}

func (s *DB) search(ctx context.Context, scope string, scopeArg any, f Filter) (Page, error) {
	q, args := s.searchSQL(scope, scopeArg, f)
	rows, err := s.SQL().QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, s.Wrap(err, "search knowledge")
	}
	defer rows.Close()
	out := Page{Offset: f.Offset, Limit: f.Limit}
	for rows.Next() {
		var r Result
		var tags, body string
		if err := rows.Scan(&r.ID, &r.OrgODS, &r.OrgName, &r.Ref, &r.Kind, &r.Sharing, &tags, &r.Title, &body); err != nil {
			return Page{}, s.Wrap(err, "search knowledge")
		}
		r.Tags = knowledge.Unbar(tags)
		r.TitleParts, r.Snippet = knowledge.Snippet(r.Title, f.Q), knowledge.Snippet(body, f.Q)
		out.Results = append(out.Results, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, s.Wrap(err, "search knowledge")
	}
	if len(out.Results) > f.Limit {
		out.Results, out.More = out.Results[:f.Limit], true
	}
	return out, nil
}

// searchSQL is the query of search and its arguments.
func (s *DB) searchSQL(scope string, scopeArg any, f Filter) (string, []any) {
	args := []any{scopeArg}
	conds := []string{scope}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Kind != "" {
		add("knowledge_search.kind = $?", f.Kind)
	}
	if f.Tag != "" {
		add("knowledge_search.tags LIKE $?", "%|"+f.Tag+"|%")
	}
	// Without words, the newest published first (the index's order); with
	// words, the best matches among the newest rankCandidates: ranking
	// every match of a common word would cost a pass over them all.
	from, order := "knowledge_search", "knowledge_search.doc DESC"
	if ts, ok := s.TextSearch("knowledge_search", len(args)+1, f.Q, false); ok {
		args = append(args, ts.Arg)
		conds = append(conds, ts.Where)
		from = "(SELECT knowledge_search.doc AS doc, " + ts.Rank + " AS r FROM " + ts.From + " WHERE " + strings.Join(conds, " AND ") +
			" ORDER BY " + ts.Doc + fmt.Sprintf(" DESC LIMIT %d) c JOIN knowledge_search ON knowledge_search.doc = c.doc", rankCandidates)
		conds, order = []string{"TRUE"}, "c.r, c.doc DESC"
	} else {
		// Read in the index's order and stop at the page: an index on the
		// organisation would find every row of it, to be sorted.
		conds = []string{"(CASE WHEN " + strings.Join(conds, " AND ") + " THEN 1 ELSE 0 END) = 1"}
	}
	args = append(args, f.Limit+1, f.Offset)
	q := `SELECT knowledge_search.document_id, o.ods_code, o.name, d.ref, knowledge_search.kind, knowledge_search.sharing, knowledge_search.tags,
		knowledge_search.title, knowledge_search.body FROM ` + from + `
		JOIN knowledge_documents d ON d.id = knowledge_search.document_id JOIN organisations o ON o.id = knowledge_search.org_id
		WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY ` + order + fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	return q, args
}
