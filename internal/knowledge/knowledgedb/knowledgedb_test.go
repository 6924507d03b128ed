package knowledgedb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type world struct {
	st          *store.DB
	kb          *knowledgedb.DB
	a, b        store.Org
	editor, cso store.User
	reader, bEd store.User
	asEd, asCSO context.Context
	asRd, asBEd context.Context
	asOperator  context.Context
	eventsOfA   *eventsdb.DB
}

func setup(t *testing.T, st *store.DB) *world {
	t.Helper()
	w := &world{st: st, kb: knowledgedb.New(st), eventsOfA: eventsdb.New(st)}
	w.a, w.b = storetest.Org(t, st, "RA1"), storetest.Org(t, st, "RB1")
	w.editor = storetest.User(t, st, w.a, "handler@a.test", auth.Handler)
	w.cso = storetest.User(t, st, w.a, "cso@a.test", auth.CSO)
	w.reader = storetest.User(t, st, w.a, "reader@a.test", auth.Reporter)
	w.bEd = storetest.User(t, st, w.b, "admin@b.test", auth.Admin)
	w.asEd, w.asCSO, w.asRd, w.asBEd = storetest.As(w.editor), storetest.As(w.cso), storetest.As(w.reader), storetest.As(w.bEd)
	w.asOperator = audit.WithActor(context.Background(), audit.Actor{Name: "test", Operator: true})
	return w
}

// closeEvent reports an event in org A and closes it with summary.
func (w *world) closeEvent(t *testing.T, summary string) eventsdb.Event {
	t.Helper()
	rec := events.Record{Type: events.Risk, Answers: events.Answers{events.AnsDescription: {"The drug fridge does not lock"},
		events.AnsLocation: {"Ward 2"}, events.AnsServiceArea: {"acute"}, events.AnsAgents: {"10"}, events.AnsConcern: {"3"},
		"risk.theme": {"1"}, "risk.imminent": {"n"}, events.AnsDataSharing: {events.DataShare}}}
	e, err := w.eventsOfA.Report(w.asRd, w.a.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: w.reader.ID})
	if err != nil {
		t.Fatal(err)
	}
	e, err = w.eventsOfA.SetStatus(w.asEd, w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.InReview})
	if err != nil {
		t.Fatal(err)
	}
	e, err = w.eventsOfA.SetStatus(w.asEd, w.a.ID, e.ID, eventsdb.StatusInput{Version: e.Version, Status: events.Closed, LearningSummary: summary})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func guidance(title, body string) knowledge.Draft {
	return knowledge.Draft{Kind: knowledge.Guidance, Title: title, Body: body, Tags: []string{"medication"}}
}

func TestVersionsStayReadable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := setup(t, st)
		d, err := w.kb.Create(w.asCSO, w.a.ID, guidance("Insulin units", "Line one\nLine two\n"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Ref != "KD-001" || d.Latest != 1 || d.Published != 0 || d.OwnerID != w.cso.ID {
			t.Fatalf("created %+v", d)
		}
		// Not searchable until published.
		if p, _ := w.kb.Search(w.asRd, w.a.ID, knowledgedb.Filter{Q: "insulin", Limit: 10}); len(p.Results) != 0 {
			t.Errorf("a draft was found by search: %+v", p.Results)
		}
		d, err = w.kb.Publish(w.asCSO, w.a.ID, d.ID, d.Version)
		if err != nil {
			t.Fatal(err)
		}
		dr := guidance("Insulin units", "Line one\nLine 2 changed\n")
		dr.Note = "Clarified"
		d, err = w.kb.SaveDraft(w.asCSO, w.a.ID, d.ID, d.Version, dr)
		if err != nil {
			t.Fatal(err)
		}
		if d.Latest != 2 || d.Published != 1 {
			t.Fatalf("after a new draft: latest %d published %d, want 2 and 1", d.Latest, d.Published)
		}
		// A stale version is a conflict.
		if _, err := w.kb.SaveDraft(w.asCSO, w.a.ID, d.ID, d.Version-1, dr); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale save: %v, want Conflict", err)
		}
		// Readers see version 1 while 2 is a draft.
		got, err := w.kb.Get(w.asRd, w.a.ID, d.ID, 0)
		if err != nil || got.Shown.Number != 1 || !strings.Contains(got.Shown.Body, "Line two") {
			t.Fatalf("reader sees %+v, %v; want version 1", got.Shown, err)
		}
		if d, err = w.kb.Publish(w.asCSO, w.a.ID, d.ID, d.Version); err != nil {
			t.Fatal(err)
		}
		v1, err := w.kb.Version(w.asRd, w.a.ID, d.ID, 1)
		if err != nil || !strings.Contains(v1.Body, "Line two") || v1.Status != "superseded" {
			t.Errorf("version 1 after 2 is published: %+v, %v", v1, err)
		}
		v2, _ := w.kb.Version(w.asRd, w.a.ID, d.ID, 2)
		if a, r := knowledge.DiffCounts(knowledge.Diff(v1.Body, v2.Body)); a != 1 || r != 1 {
			t.Errorf("diff of 1 and 2: +%d -%d, want +1 -1", a, r)
		}
		// Organisation B cannot read A's private document.
		if _, err := w.kb.Get(w.asBEd, w.b.ID, d.ID, 0); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("B reads A's private document: %v, want NotFound", err)
		}
		if _, err := w.kb.SaveDraft(w.asBEd, w.b.ID, d.ID, d.Version, dr); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("B changes A's document: %v, want NotFound", err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("audit findings: %v", f)
		}
	})
}

func TestSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := setup(t, st)
		c := storetest.Org(t, st, "RC1")
		mk := func(title string, sh knowledge.Sharing) knowledgedb.Document {
			dr := guidance(title, "Wristband scanning before every dose of "+title)
			dr.Sharing = sh
			d, err := w.kb.Create(w.asCSO, w.a.ID, dr)
			if err != nil {
				t.Fatal(err)
			}
			d, err = w.kb.Publish(w.asCSO, w.a.ID, d.ID, d.Version)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		priv, netw, pub := mk("privatum", knowledge.Private), mk("networkum", knowledge.Network), mk("publicum", knowledge.Public)
		n, err := st.CreateNetwork(w.asOperator, store.Network{Name: "ICS", Kind: "ics"})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.Org{w.a, w.b} {
			if err := st.SetNetworkMember(w.asOperator, o.ID, n.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		asC := storetest.As(storetest.User(t, st, c, "x@c.test", auth.Reporter))
		for _, tc := range []struct {
			org  store.OrgID
			ctx  context.Context
			doc  knowledgedb.Document
			want bool
		}{
			{w.b.ID, w.asBEd, priv, false}, {w.b.ID, w.asBEd, netw, true}, {w.b.ID, w.asBEd, pub, true},
			{c.ID, asC, priv, false}, {c.ID, asC, netw, false}, {c.ID, asC, pub, true},
		} {
			_, err := w.kb.Get(tc.ctx, tc.org, tc.doc.ID, 0)
			if (err == nil) != tc.want {
				t.Errorf("org %s reads %s: %v, want readable %v", tc.org, tc.doc.Ref, err, tc.want)
			}
			p, err := w.kb.Search(tc.ctx, tc.org, knowledgedb.Filter{Q: "wristband", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range p.Results {
				found = found || r.ID == tc.doc.ID
			}
			if found != tc.want {
				t.Errorf("org %s search finds %s: %v, want %v", tc.org, tc.doc.Ref, found, tc.want)
			}
		}
		p, err := w.kb.SearchPublic(context.Background(), "", knowledgedb.Filter{Q: "wristband", Limit: 10})
		if err != nil || len(p.Results) != 1 || p.Results[0].ID != pub.ID {
			t.Errorf("public search: %+v, %v; want only %s", p.Results, err, pub.Ref)
		}
		if _, err := w.kb.GetPublic(context.Background(), w.a.ODSCode, netw.ID, 0); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("public read of a network document: %v, want NotFound", err)
		}
		if _, err := w.kb.GetPublic(context.Background(), w.b.ODSCode, pub.ID, 0); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("public read under another organisation's code: %v, want NotFound", err)
		}
	})
}

func TestLessonLearned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := setup(t, st)
		e := w.closeEvent(t, "Mrs Patel, NHS number 943 476 5919, was given a double dose because the fridge was left open.")
		start, err := w.kb.StartLesson(w.asEd, w.a.ID, e.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		// Another organisation's event is not found.
		if _, err := w.kb.StartLesson(w.asBEd, w.b.ID, e.ID, ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("B starts a lesson from A's event: %v, want NotFound", err)
		}
		d, err := w.kb.CreateLesson(w.asEd, w.a.ID, start.Source, start.Draft)
		if err != nil {
			t.Fatal(err)
		}
		flags, err := w.kb.Flags(w.asEd, w.a.ID, d, *d.Shown)
		if err != nil || len(flags) < 2 {
			t.Fatalf("flags %+v, %v; want the title and name and the NHS number", flags, err)
		}
		// The author cannot approve their own lesson; unconfirmed flags block a second person too.
		if _, err := w.kb.Publish(w.asEd, w.a.ID, d.ID, d.Version); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("author publishes own lesson: %v, want Invalid", err)
		}
		if _, err := w.kb.Publish(w.asCSO, w.a.ID, d.ID, d.Version); !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "unconfirmed") {
			t.Errorf("publish with unconfirmed flags: %v, want Invalid", err)
		}
		// The handler edits the NHS number away and confirms the rest.
		dr := d.Draft(*d.Shown)
		dr.Body = "A patient was given a double dose because the fridge was left open. The fridge now locks itself."
		left := knowledge.CheckDeidentified(knowledge.LessonText(dr), nil)
		for _, f := range left {
			dr.Confirmed = append(dr.Confirmed, f.Key)
		}
		if d, err = w.kb.SaveDraft(w.asEd, w.a.ID, d.ID, d.Version, dr); err != nil {
			t.Fatal(err)
		}
		d, err = w.kb.Publish(w.asCSO, w.a.ID, d.ID, d.Version)
		if err != nil {
			t.Fatalf("second person approves: %v", err)
		}
		if d.Published != 1 || d.Versions[0].ApprovedBy != w.cso.ID {
			t.Errorf("published %d approved by %q, want 1 by the CSO", d.Published, d.Versions[0].ApprovedBy)
		}
		if _, err := w.kb.CreateLesson(w.asEd, w.a.ID, start.Source, start.Draft); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a second lesson from one event: %v, want Conflict", err)
		}
		if _, err := w.kb.Create(w.asEd, w.a.ID, knowledge.Draft{Kind: knowledge.Lesson, Title: "x", Body: "y"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a lesson not from an event: %v, want Invalid", err)
		}
		if f := storetest.Findings(t, st); len(f) > 0 {
			t.Errorf("audit findings: %v", f)
		}
	})
}

func TestSearchFiltersAndBuiltIns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		w := setup(t, st)
		n, err := w.kb.InstallBuiltIns(w.asCSO, w.a.ID)
		if err != nil || n != 2+len(knowledge.Blueprints) {
			t.Fatalf("installed %d, %v", n, err)
		}
		if n, err := w.kb.InstallBuiltIns(w.asCSO, w.a.ID); err != nil || n != 0 {
			t.Errorf("installing again: %d, %v; want 0", n, err)
		}
		p, err := w.kb.Search(w.asRd, w.a.ID, knowledgedb.Filter{Q: "residual clinical risk", Kind: "standard", Limit: 10})
		if err != nil || len(p.Results) != 2 {
			t.Fatalf("standards about residual risk: %d, %v; want DCB0129 and DCB0160", len(p.Results), err)
		}
		hit := false
		for _, part := range p.Results[0].Snippet {
			hit = hit || part.Hit
		}
		if !hit {
			t.Errorf("snippet has no highlight: %+v", p.Results[0].Snippet)
		}
		p, _ = w.kb.Search(w.asRd, w.a.ID, knowledgedb.Filter{Tag: "hazard-log", Limit: 50})
		if len(p.Results) != len(knowledge.Blueprints) {
			t.Errorf("tag hazard-log: %d results, want %d", len(p.Results), len(knowledge.Blueprints))
		}
		for _, f := range []knowledgedb.Filter{{Kind: "memo"}, {Tag: "nonsense"}} {
			if err := f.Check(); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("filter %+v: %v, want Invalid", f, err)
			}
		}
	})
}
