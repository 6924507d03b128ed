package riskweb_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestCSOCompetencyOnSystemAndReport: the system and safety case pages
// warn while a CSO of the system has lapsed in the competency register,
// and the issued report shows each CSO's registration.
func TestCSOCompetencyOnSystemAndReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso, base := f.Client(t, "A/cso"), f.Srv.URL
		me := f.Users["A/cso"]
		resp, _ := webtest.Do(t, cso, "POST", base+"/risk/systems", webtest.Form("name", "ePMA", "manufacturer", "Meridian", "intended_use", "Prescribing",
			"standard", "DCB0160", "phases", "Build\nGo-live", "csos", me.ID))
		sysID := webtest.Location(t, resp, "/risk/systems/")
		const warn = "competency has lapsed"
		for _, p := range []string{"/risk/systems/" + sysID, "/risk/systems/" + sysID + "/cscr"} {
			if body := webtest.Get(t, cso, base+p, 200); !strings.Contains(body, warn) || !strings.Contains(body, "No professional registration has been checked") {
				t.Errorf("%s: no warning of the lapsed CSO", p)
			}
		}
		db := trainingdb.New(st)
		edu := storetest.As(f.Users["A/educator"])
		if _, err := db.SetRegistration(edu, f.OrgA.ID, me.ID, 0, "GMC", "7012345", "2026-11-01"); err != nil {
			t.Fatal(err)
		}
		ev, err := db.AddEvidence(storetest.As(me), f.OrgA.ID, me.ID, trainingdb.NewEvidence{Title: "CSO course", Provider: "NHS", CompletedOn: "2026-10-01", ClinicalSafety: true, FileName: "cso-course.pdf", Data: []byte("%PDF-1")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReviewEvidence(edu, f.OrgA.ID, ev.ID, ev.Version, true, ""); err != nil {
			t.Fatal(err)
		}
		if body := webtest.Get(t, cso, base+"/risk/systems/"+sysID, 200); strings.Contains(body, warn) {
			t.Errorf("system page still warns of a current CSO")
		}
		resp, body := webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/hazards", webtest.Form("name", "Wrong dose", "description", "d", "causes", "typo",
			"initial_severity", "major", "initial_likelihood", "high", "status", "open"))
		if resp.StatusCode != 303 {
			t.Fatalf("hazard: %d %.3000s", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/issues",
			webtest.FormAsShown(t, cso, base+"/risk/systems/"+sysID+"/issue", "/risk/systems/"+sysID+"/issues", "comment", "First", "password", webtest.Password))
		webtest.Location(t, resp, "/risk/issues/")
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/cscr", webtest.CSCRDraftForm("1.0"))
		webtest.Location(t, resp, "/risk/systems/")
		resp, _ = webtest.Do(t, cso, "POST", base+"/risk/systems/"+sysID+"/cscrs",
			webtest.FormAsShown(t, cso, base+"/risk/systems/"+sysID+"/cscr", "/risk/systems/"+sysID+"/cscrs", "password", webtest.Password))
		cscrID := webtest.Location(t, resp, "/risk/cscrs/")
		want := "GMC 7012345, checked 1 November 2026"
		if md := webtest.Get(t, cso, base+"/risk/cscrs/"+cscrID+"/markdown", 200); !strings.Contains(md, want) || !strings.Contains(md, me.Name) {
			t.Errorf("Markdown report lacks the CSO's registration:\n%.2000s", md)
		}
		if pdf := webtest.Get(t, cso, base+"/risk/cscrs/"+cscrID+"/pdf", 200); !strings.Contains(webtest.PDFText([]byte(pdf)), "GMC 7012345") {
			t.Errorf("PDF report lacks the CSO's registration")
		}
	})
}
