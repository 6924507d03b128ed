package fhirweb_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/fhir"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// A create answers with the event as its transaction stored it, without
// reading it again: the same resource a read answers after, and the same
// as the version kept of it; the deep audit check finds every content
// hash right. So does a create in a transaction bundle.
func TestFHIRCreateAnswersWhatItStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		check := func(what, id string, made []byte) {
			t.Helper()
			code, _, read := c.do("GET", "/AdverseEvent/"+id, "")
			if code != 200 || string(read) != string(made) {
				t.Errorf("%s: answered\n%s\nread after (%d)\n%s", what, made, code, read)
			}
			in, err := fhirdb.New(st).Event(storetest.Operator, f.OrgA.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(in)
			var kept string
			if err := st.SQL().QueryRow(`SELECT snapshot FROM fhir_versions WHERE event_id = $1 AND version = 1`, id).Scan(&kept); err != nil {
				t.Fatalf("%s: version 1 kept: %v", what, err)
			}
			if kept != string(want) {
				t.Errorf("%s: version kept\n%s\nthe event as read\n%s", what, kept, want)
			}
		}
		for _, x := range []struct {
			what string
			who  fhir.EventInput
		}{{"named", fhir.EventInput{}}, {"confidential", fhir.EventInput{Confidential: true}}, {"anonymous", fhir.EventInput{Anonymous: true}}} {
			code, hdr, body := c.do("POST", "/AdverseEvent", incidentAs(t, "Created "+x.what, x.who))
			m := locRE.FindStringSubmatch(hdr.Get("Location"))
			if code != 201 || m == nil || m[2] != "1" {
				t.Fatalf("%s create: %d %q\n%s", x.what, code, hdr.Get("Location"), body)
			}
			if ae := decodeAE(t, body); ae.ID != m[1] {
				t.Fatalf("%s create: resource %s at %s", x.what, ae.ID, hdr.Get("Location"))
			}
			check(x.what, m[1], body)
		}
		code, _, body := c.do("POST", "", bundleOf("transaction", postEntry(incident(t, "In a bundle"), "")))
		bd := decodeBundle(t, body)
		if code != 200 || len(bd.Entry) != 1 || bd.Entry[0].Response.Status != "201 Created" {
			t.Fatalf("transaction: %d %s", code, body)
		}
		made, _ := json.Marshal(bd.Entry[0].Resource)
		ae := decodeAE(t, made)
		check("in a bundle", ae.ID, made)
		if fs := storetest.Findings(t, st); len(fs) > 0 {
			t.Errorf("deep audit check: %q, want none", fs)
		}
	})
}

// Creates sent together are written together, in one transaction, and
// each is answered as alone: its own event and reference, the same
// resource a read answers, its own audit entry naming its own request;
// a create the flow refuses gets its own refusal, naming the element,
// and the others are stored.
func TestFHIRCreatesSentTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		const n = 12
		bodies := make([]string, n)
		for i := range n {
			bodies[i] = incident(t, fmt.Sprintf("Sent together %d", i))
			if i%5 == 3 { // a day to come: the flow refuses it
				day := storetest.FixedTime.AddDate(0, 0, -2).Format(time.DateOnly)
				bodies[i] = strings.ReplaceAll(bodies[i], day, "2099-01-01")
			}
		}
		answers, before := sendHeld(t, st, f, c, bodies)
		refs := map[string]bool{}
		for i, a := range answers {
			if i%5 == 3 {
				if a.code != 422 || !slices.Contains(outcome(t, a.body), "AdverseEvent.occurrence") && !strings.Contains(string(a.body), "today or in the past") {
					t.Errorf("create %d, dated to come: %d %s; want 422 naming the date", i, a.code, a.body)
				}
				continue
			}
			m := locRE.FindStringSubmatch(a.hdr.Get("Location"))
			if a.code != 201 || m == nil {
				t.Fatalf("create %d: %d %q %s", i, a.code, a.hdr.Get("Location"), a.body)
			}
			ae := decodeAE(t, a.body)
			if !strings.Contains(string(a.body), fmt.Sprintf("Sent together %d", i)) {
				t.Errorf("create %d answered with another's event: %s", i, a.body)
			}
			code, _, read := c.do("GET", "/AdverseEvent/"+m[1], "")
			if code != 200 || string(read) != string(a.body) {
				t.Errorf("create %d: answered\n%s\nread after (%d)\n%s", i, a.body, code, read)
			}
			if ae.Identifier == nil || refs[ae.Identifier.Value] {
				t.Errorf("create %d: reference %+v missing or given twice", i, ae.Identifier)
			} else {
				refs[ae.Identifier.Value] = true
			}
			es, err := st.ListAudit(storetest.Operator, store.AuditFilter{OrgID: f.OrgA.ID, EntityID: m[1]})
			if err != nil || len(es) != 1 || es[0].Action != "event.submit" || es[0].ActorName == "" || es[0].RequestID == "" {
				t.Errorf("create %d: audit %+v, %v; want one event.submit naming its actor and request", i, es, err)
			}
		}
		if got := eventCount(t, st, f.OrgA) - before; got != n-2 {
			t.Errorf("%d events stored, want %d", got, n-2)
		}
		var requests int
		if err := st.SQL().QueryRow(`SELECT COUNT(DISTINCT request_id) FROM audit_log WHERE org_id = $1 AND action = 'event.submit'`, f.OrgA.ID).Scan(&requests); err != nil || requests < n-2 {
			t.Errorf("the creates' audit entries name %d requests (%v), want %d", requests, err, n-2)
		}
		if fs := storetest.Findings(t, st); len(fs) > 0 {
			t.Errorf("deep audit check: %q, want none", fs)
		}
	})
}

// When a batch of creates fails before its commit, nothing of it is
// stored and each of its creates is written again alone: the good ones
// are stored once each, with their own answer and audit entry, and only
// the create that fails alone is refused. The failures here are the
// database's own, from triggers made for this test: one refuses to store
// an event whose record holds a marker (a create fails), the other the
// evidence count of a location holding it (what the transaction writes
// last, just before its commit, fails).
func TestFHIRCreatesOfAFailedBatchAreWrittenAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		c.serverErrors = true
		type poison struct{ table, when, drop string }
		for _, p := range []poison{
			{"events", "NEW.record LIKE '%POISONED%'", "DROP TRIGGER poison ON events"},
			{"evidence_counts", "NEW.dim = 'location' AND NEW.value LIKE '%POISONED%'", "DROP TRIGGER poison ON evidence_counts"},
		} {
			t.Run(p.table, func(t *testing.T) {
				create := []string{`CREATE TRIGGER poison BEFORE INSERT ON ` + p.table + ` WHEN (` + p.when + `) BEGIN SELECT RAISE(ABORT, 'poisoned'); END`}
				drop := `DROP TRIGGER poison`
				if st.Engine() == "postgres" {
					create = []string{
						`CREATE OR REPLACE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poisoned'; END; $$`,
						`CREATE TRIGGER poison BEFORE INSERT ON ` + p.table + ` FOR EACH ROW WHEN (` + strings.Replace(p.when, "NEW.record", "NEW.record::text", 1) + `) EXECUTE FUNCTION poison()`,
					}
					drop = p.drop
				}
				for _, q := range create {
					if _, err := st.SQL().Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				defer st.SQL().Exec(drop)
				writtenAlone(t, st, f, c, "Written alone after "+p.table+" failed")
			})
		}
	})
}

// writtenAlone sends n creates at once, one of them poisoned (its
// description and location hold the marker), and checks that the others
// are each stored once and answered as alone.
func writtenAlone(t *testing.T, st *store.DB, f *webtest.Fixture, c *client, what string) {
	const n, bad = 6, 2
	bodies := make([]string, n)
	for i := range n {
		desc := fmt.Sprintf("%s %d", what, i)
		bodies[i] = incident(t, desc)
		if i == bad {
			bodies[i] = strings.ReplaceAll(bodies[i], desc, "POISONED "+desc)
			bodies[i] = strings.ReplaceAll(bodies[i], "Ward 7", "POISONED Ward")
		}
	}
	answers, before := sendHeld(t, st, f, c, bodies)
	for i, a := range answers {
		if i == bad {
			if a.code < 500 || !strings.Contains(string(a.body), `"resourceType":"OperationOutcome"`) {
				t.Errorf("the poisoned create: %d %s; want a server error as an OperationOutcome", a.code, a.body)
			}
			continue
		}
		m := locRE.FindStringSubmatch(a.hdr.Get("Location"))
		if a.code != 201 || m == nil {
			t.Fatalf("create %d, written alone after its batch failed: %d %q %s", i, a.code, a.hdr.Get("Location"), a.body)
		}
		if !strings.Contains(string(a.body), fmt.Sprintf("%s %d", what, i)) {
			t.Errorf("create %d answered with another's event: %s", i, a.body)
		}
		code, _, read := c.do("GET", "/AdverseEvent/"+m[1], "")
		if code != 200 || string(read) != string(a.body) {
			t.Errorf("create %d: answered\n%s\nread after (%d)\n%s", i, a.body, code, read)
		}
		es, err := st.ListAudit(storetest.Operator, store.AuditFilter{OrgID: f.OrgA.ID, EntityID: m[1]})
		if err != nil || len(es) != 1 || es[0].Action != "event.submit" {
			t.Errorf("create %d: audit %+v, %v; want one event.submit", i, es, err)
		}
	}
	if got := eventCount(t, st, f.OrgA) - before; got != n-1 {
		t.Errorf("%d events stored, want %d (each good create once, the poisoned one not)", got, n-1)
	}
	var described int
	if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE org_id = $1 AND record LIKE $2`, f.OrgA.ID, "%"+what+"%").Scan(&described); err != nil || described != n-1 {
		t.Errorf("events holding the creates' descriptions = %d (%v), want %d", described, err, n-1)
	}
	if fs := storetest.Findings(t, st); len(fs) > 0 {
		t.Errorf("deep audit check: %q, want none", fs)
	}
}

// answer is one create's response.
type answer struct {
	code int
	hdr  http.Header
	body []byte
}

// sendHeld posts bodies as creates all at once, held until every one is
// queued so that they are written as one batch, and returns their
// answers and the count of A's events just before they were let go.
func sendHeld(t *testing.T, st *store.DB, f *webtest.Fixture, c *client, bodies []string) ([]answer, int) {
	t.Helper()
	queued, release := fhirweb.HoldCreates(t)
	answers := make([]answer, len(bodies))
	var wg sync.WaitGroup
	for i, body := range bodies {
		wg.Go(func() {
			code, hdr, b := c.do("POST", "/AdverseEvent", body)
			answers[i] = answer{code, hdr, b}
		})
	}
	for deadline := time.Now().Add(10 * time.Second); queued() < len(bodies); {
		if time.Now().After(deadline) {
			t.Fatalf("%d creates queued, want %d", queued(), len(bodies))
		}
		time.Sleep(5 * time.Millisecond)
	}
	before := eventCount(t, st, f.OrgA)
	release()
	wg.Wait()
	return answers, before
}
