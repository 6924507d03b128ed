package riskweb_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

func shownSystem(t *testing.T, f *webtest.Fixture, csos ...store.User) riskdb.System {
	t.Helper()
	var ps []riskdb.Person
	for _, u := range csos {
		ps = append(ps, riskdb.Person{ID: u.ID})
	}
	sys, err := riskdb.New(f.St).CreateSystem(storetest.Operator, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian",
		IntendedUse: "Prescribing", Standard: risk.DCB0160, CSOs: ps})
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

// A CSO's signature approves the hazard log they were shown on the
// check page. Before, the log was issued as it stood when the signature
// arrived: an edit saved by someone else in between (here a hazard made
// catastrophic and renamed) was issued, signed, as approved by the CSO
// who never saw it. Now the form carries what it showed, and a log
// changed since is not issued (409): the check page comes back with the
// log as it is now, and signing that issues it.
func TestIssuedLogIsTheLogTheCSOChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		csoUser, admin := f.Users["A/cso"], f.Users["A/admin"]
		sys := shownSystem(t, f, csoUser)
		rk := riskdb.New(st)
		h, err := rk.CreateHazard(storetest.As(csoUser), f.OrgA.ID, sys.ID, storetest.SampleHazard("Wrong dose"))
		if err != nil {
			t.Fatal(err)
		}
		cso := f.Client(t, "A/cso")
		check, action := f.Srv.URL+"/risk/systems/"+sys.ID+"/issue", "/risk/systems/"+sys.ID+"/issues"
		shown := webtest.FormAsShown(t, cso, check, action, "comment", "Reviewed", "password", webtest.Password)

		// While the CSO reads, an administrator edits the hazard.
		edit := h.Hazard
		edit.Name = "Wrong dose EDITED-AFTER-REVIEW"
		edit.InitialSeverity, edit.InitialLikelihood = risk.Catastrophic, risk.VeryHigh
		if _, err := rk.UpdateHazard(storetest.As(admin), f.OrgA.ID, edit); err != nil {
			t.Fatal(err)
		}
		resp, body := webtest.Do(t, cso, "POST", f.Srv.URL+action, shown)
		if resp.StatusCode != 409 || !strings.Contains(body, "changed since you checked it") || !strings.Contains(body, "EDITED-AFTER-REVIEW") {
			t.Fatalf("signing a log changed since it was shown: %d %q; want 409, the check page again with the edit", resp.StatusCode, resp.Header.Get("Location"))
		}
		if lis, err := rk.LogIssues(t.Context(), f.OrgA.ID, sys.ID); err != nil || len(lis) != 0 {
			t.Fatalf("after the refused signature: %d issued versions, %v; want none", len(lis), err)
		}
		// A form that does not say what it showed is out of date too.
		resp, _ = webtest.Do(t, cso, "POST", f.Srv.URL+action, webtest.Form("comment", "Reviewed", "password", webtest.Password))
		if resp.StatusCode != 409 {
			t.Errorf("signing without what was shown: %d, want 409", resp.StatusCode)
		}

		// Signed as shown now, it is issued with the edit.
		resp, _ = webtest.Do(t, cso, "POST", f.Srv.URL+action, webtest.FormAsShown(t, cso, check, action, "comment", "Reviewed", "password", webtest.Password))
		li, err := rk.LogIssue(t.Context(), f.OrgA.ID, webtest.Location(t, resp, "/risk/issues/"))
		if err != nil {
			t.Fatal(err)
		}
		if len(li.Log.Hazards) != 1 || li.Log.Hazards[0].Name != edit.Name {
			t.Errorf("issued %+v, want the edited hazard the CSO was shown", li.Log.Hazards)
		}
	})
}

// A CSO's signature approves the safety case report they were shown:
// built from the hazard log version the page names, with the draft as
// saved then. Before, the report was built from whichever version was the
// latest when the signature arrived: another CSO's version 2, adding a
// catastrophic hazard, went into a report the first CSO signed as "tied
// to hazard log version 1". Now a newer log version, or a draft saved
// again, refuses the signature (409) and shows the report as it is now.
func TestIssuedReportIsTheReportTheCSOChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		csoUser := f.Users["A/cso"]
		other := storetest.User(t, st, f.OrgA, "cso2@a.test", auth.CSO)
		sys := shownSystem(t, f, csoUser, other)
		rk := riskdb.New(st)
		if _, err := rk.CreateHazard(storetest.As(csoUser), f.OrgA.ID, sys.ID, storetest.SampleHazard("Wrong dose")); err != nil {
			t.Fatal(err)
		}
		if _, err := rk.IssueLog(storetest.As(csoUser), f.OrgA, sys.ID, "", storetest.Signer(t, st, csoUser)); err != nil {
			t.Fatal(err)
		}
		cso := f.Client(t, "A/cso")
		page, action := f.Srv.URL+"/risk/systems/"+sys.ID+"/cscr", "/risk/systems/"+sys.ID+"/cscrs"
		resp, _ := webtest.Do(t, cso, "POST", page, webtest.CSCRDraftForm("1.0"))
		webtest.Location(t, resp, "/risk/systems/")
		if body := webtest.Get(t, cso, page, 200); !strings.Contains(body, "tied to hazard log version 1") {
			t.Fatalf("report page does not say which log version it is tied to")
		}
		shown := webtest.FormAsShown(t, cso, page, action, "password", webtest.Password)

		// Meanwhile another CSO adds a catastrophic hazard and issues version 2.
		worst := storetest.SampleHazard("Dose ten times too high")
		worst.InitialSeverity, worst.InitialLikelihood = risk.Catastrophic, risk.VeryHigh
		if _, err := rk.CreateHazard(storetest.As(other), f.OrgA.ID, sys.ID, worst); err != nil {
			t.Fatal(err)
		}
		if _, err := rk.IssueLog(storetest.As(other), f.OrgA, sys.ID, "", storetest.Signer(t, st, other)); err != nil {
			t.Fatal(err)
		}
		resp, body := webtest.Do(t, cso, "POST", f.Srv.URL+action, shown)
		if resp.StatusCode != 409 || !strings.Contains(body, "Hazard log version 2 has been issued since you checked this report") || !strings.Contains(body, "tied to hazard log version 2") {
			t.Fatalf("signing a report whose log has a newer version: %d %q; want 409 and the report as built from version 2", resp.StatusCode, resp.Header.Get("Location"))
		}

		// The draft saved again after the page was shown.
		shown = webtest.FormAsShown(t, cso, page, action, "password", webtest.Password)
		resp, _ = webtest.Do(t, cso, "POST", page, webtest.CSCRDraftForm("1.1"))
		webtest.Location(t, resp, "/risk/systems/")
		resp, body = webtest.Do(t, cso, "POST", f.Srv.URL+action, shown)
		if resp.StatusCode != 409 || !strings.Contains(body, "report draft has been saved again since you checked it") {
			t.Fatalf("signing a report whose draft was saved again: %d; want 409", resp.StatusCode)
		}
		if cs, err := rk.CSCRIssues(t.Context(), f.OrgA.ID, sys.ID); err != nil || len(cs) != 0 {
			t.Fatalf("after the refused signatures: %d reports, %v; want none", len(cs), err)
		}

		// Signed as shown now, it is issued, tied to version 2.
		resp, _ = webtest.Do(t, cso, "POST", f.Srv.URL+action, webtest.FormAsShown(t, cso, page, action, "password", webtest.Password))
		ci, err := rk.CSCRIssue(t.Context(), f.OrgA.ID, webtest.Location(t, resp, "/risk/cscrs/"))
		if err != nil {
			t.Fatal(err)
		}
		if ci.Report.LogVersion != "2" || ci.DocumentVersion != "1.1" {
			t.Errorf("issued report tied to log version %s, document %s; want 2 and 1.1", ci.Report.LogVersion, ci.DocumentVersion)
		}
	})
}
