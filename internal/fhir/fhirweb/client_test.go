package fhirweb_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/clinsafe/clinsafe/internal/fhir/fhirtest"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestFHIRClientLibrary: a real FHIR client library (fhir-kit-client, on
// node) drives the server: metadata, create, read, search with paging,
// a transaction, a conditional create and a refusal; every response it
// got validates against the R4 schema.
func TestFHIRClientLibrary(t *testing.T) {
	node, err := exec.LookPath("node")
	lib := filepath.Join("..", "..", "..", "node_modules", "fhir-kit-client", "package.json")
	if _, serr := os.Stat(lib); err != nil || serr != nil {
		if os.Getenv("CLINSAFE_TEST_POSTGRES") == "1" || os.Getenv("CI") != "" {
			t.Fatalf("the FHIR client library test needs node (%v) and npm's fhir-kit-client (%v): run npm install", err, serr)
		}
		t.Logf("node or fhir-kit-client missing (%v, %v): the client library was NOT run; run npm install", err, serr)
		return
	}
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		tok := token(t, f, "A/handler", "*.read", "*.write")
		cmd := exec.Command(node, filepath.Join("testdata", "client.mjs"))
		cmd.Env = append(os.Environ(), "FHIR_BASE="+f.Srv.URL+"/fhir/R4", "FHIR_TOKEN="+tok, "FHIR_INCIDENT="+incident(t, "x"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("client script: %v\n%s\n%s", err, out, stderr.String())
		}
		results := map[string]json.RawMessage{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		n := 0
		for sc.Scan() {
			var line struct {
				Step     string          `json:"step"`
				Resource json.RawMessage `json:"resource"`
				Result   json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("client output: %v: %s", err, sc.Bytes())
			}
			if line.Resource != nil {
				fhirtest.Validate(t, line.Resource)
				n++
			}
			if line.Result != nil {
				results[line.Step] = line.Result
			}
		}
		get := func(step string, into any) {
			t.Helper()
			if err := json.Unmarshal(results[step], into); err != nil {
				t.Fatalf("%s: %v (%s)", step, err, results[step])
			}
		}
		var meta struct {
			FHIRVersion string   `json:"fhirVersion"`
			Types       []string `json:"types"`
		}
		get("metadata", &meta)
		if meta.FHIRVersion == "" || !slices.Contains(meta.Types, "AdverseEvent") {
			t.Errorf("metadata: %s", results["metadata"])
		}
		var created, read struct{ ID, VersionID, Text string }
		get("create", &created)
		get("read", &read)
		if created.ID == "" || created.VersionID != "1" || read.ID != created.ID || read.Text != "Created by the client library" {
			t.Errorf("create %s, read %s", results["create"], results["read"])
		}
		var paged struct {
			Pages  int      `json:"pages"`
			IDs    []string `json:"ids"`
			Unique int      `json:"unique"`
		}
		get("searchWithPaging", &paged)
		if paged.Pages != 3 || len(paged.IDs) != 5 || paged.Unique != 5 {
			t.Errorf("search with paging: %s", results["searchWithPaging"])
		}
		var tx struct {
			Type     string   `json:"type"`
			Statuses []string `json:"statuses"`
		}
		get("transaction", &tx)
		if tx.Type != "transaction-response" || !slices.Equal(tx.Statuses, []string{"201 Created", "201 Created"}) {
			t.Errorf("transaction: %s", results["transaction"])
		}
		var cond struct{ First, Second string }
		get("conditionalCreate", &cond)
		if cond.First == "" || cond.First != cond.Second {
			t.Errorf("conditional create: %s", results["conditionalCreate"])
		}
		var refused struct {
			Status     int      `json:"status"`
			Expression []string `json:"expression"`
		}
		get("refused", &refused)
		if refused.Status != 400 || !slices.Contains(refused.Expression, "AdverseEvent.colour") {
			t.Errorf("refused: %s", results["refused"])
		}
		if n < 12 {
			t.Errorf("only %d responses were validated", n)
		}
	})
}
