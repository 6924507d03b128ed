package riskweb_test

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
)

var bareTable = template.Must(template.New("t").Parse(`<table>{{range .}}<tr><td>{{.Ref}}</td><td>{{.Name}}</td><td>{{.Status}}</td><td>{{len .Controls}}</td></tr>{{end}}</table>`))

// BenchmarkHazardLogPage500 renders the hazard log page of a log of 500
// hazards (each with controls and actions) over HTTP on SQLite, and
// compares it with a bare baseline measured in the same run: a plain
// SELECT of the same hazards through the store plus a bare html/template
// table of them. The limit is 300 ms a page.
func BenchmarkHazardLogPage500(b *testing.B) {
	st, _ := storetest.Open(b, "sqlite")
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "bench"})
	org, err := st.CreateOrg(ctx, store.Org{ODSCode: "RBE", Name: "Bench Trust", Kind: "trust"})
	if err != nil {
		b.Fatal(err)
	}
	sys, err := riskdb.New(st).CreateSystem(ctx, org.ID, riskdb.System{Name: "ePMA", Manufacturer: "M", IntendedUse: "x", Standard: risk.DCB0160})
	if err != nil {
		b.Fatal(err)
	}
	l := &risk.Log{}
	tpls := risk.Templates()
	for i := range 500 {
		h := tpls[i%len(tpls)].Hazard(0)
		h.Name = fmt.Sprintf("%s %d", h.Name, i)
		h.ResidualSeverity, h.ResidualLikelihood = h.InitialSeverity, risk.VeryLow
		h.Actions = []risk.Action{{Summary: "Check", Owner: "Ward", Due: storetest.FixedTime.AddDate(0, 0, i%40-20)}}
		l.Hazards = append(l.Hazards, h)
	}
	if _, err := riskdb.New(st).ImportHazards(ctx, org.ID, sys.ID, l, false); err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "cso@bench.test", Name: "Bench CSO", Password: webtest.Password, OrgID: org.ID, Roles: []auth.Role{auth.CSO}})
	if err != nil {
		b.Fatal(err)
	}
	srvURL, cookie := benchServer(b, st, u)
	get := func() {
		req, _ := http.NewRequest("GET", srvURL+"/risk/systems/"+sys.ID+"/hazards", nil)
		req.Header.Set("Cookie", cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < 100000 {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
	get()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		get()
	}
	ours := time.Since(start)
	b.StopTimer()
	start = time.Now()
	for range b.N {
		hs, err := riskdb.New(st).ListHazards(ctx, org.ID, sys.ID)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := bareTable.Execute(&buf, hs); err != nil {
			b.Fatal(err)
		}
	}
	bare := time.Since(start)
	per := float64(ours.Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(per, "ms/page")
	b.ReportMetric(float64(bare.Microseconds())/1000/float64(b.N), "ms/baseline")
	b.ReportMetric(float64(ours)/float64(bare), "x-baseline")
	b.ReportMetric(per/300, "of-300ms-limit")
}

// benchServer starts the real server on st and a session for u.
func benchServer(b *testing.B, st *store.DB, u store.User) (string, string) {
	cfg := webtest.TestConfig(b)
	s, err := app.NewServer(web.Options{Store: st, Config: cfg, Version: "bench", Logger: webtest.QuietLog})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s)
	b.Cleanup(srv.Close)
	token := auth.NewSecret(16)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "bench"})
	if _, err := st.StartSession(ctx, "", u.ID, auth.HashToken([]byte(strings.Repeat("k", 32)), token), time.Hour); err != nil {
		b.Fatal(err)
	}
	return srv.URL, "clinsafe_session=" + token
}
