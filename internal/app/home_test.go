package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/devices"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// "Needs your attention" gathers every wing's items, most urgent first: an
// open recall (patients may be at risk) before overdue hazard actions and
// transferred controls nobody owns, each thing a link of its own.
func TestHomeAttentionByUrgency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		st.SetClock(func() time.Time { return storetest.FixedTime })
		f := webtest.NewFixture(t, st)
		rk, dv := riskdb.New(st), devicesdb.New(st)
		sys, err := rk.CreateSystem(storetest.Operator, f.OrgA.ID, riskdb.System{Name: "ePMA", Manufacturer: "Meridian", IntendedUse: "Prescribing", Standard: risk.DCB0160})
		if err != nil {
			t.Fatal(err)
		}
		h := storetest.SampleHazard("Dose given twice") // its action was due three days ago
		e, err := rk.CreateHazard(storetest.Operator, f.OrgA.ID, sys.ID, h)
		if err != nil {
			t.Fatal(err)
		}
		l := &risk.Log{System: risk.SystemInfo{Name: "ePMA", Organisation: "Meridian"}, Version: "3", Hazards: []risk.Hazard{storetest.SampleHazard("Wrong patient")}}
		l.Hazards[0].Number, l.Hazards[0].Ref, l.Hazards[0].Actions = 7, "HAZ-007", nil
		l.Hazards[0].Controls[1].Owner = "" // the deployer-side control: nobody owns it yet
		if _, err := rk.ImportHazards(storetest.Operator, f.OrgA.ID, sys.ID, l, true); err != nil {
			t.Fatal(err)
		}
		rc, err := dv.CreateRecall(storetest.Operator, f.OrgA.ID, devices.RecallInput{Reference: "FSN-2026-031", Kind: "fsn", Issuer: "Northwind",
			IssuedOn: "2026-11-20", Manufacturer: "Northwind", ActionRequired: "Review", Affects: webtest.GTIN(1) + " all"})
		if err != nil {
			t.Fatal(err)
		}

		// Issued, then changed: the issued version no longer shows the log.
		cso := f.Users["A/cso"]
		sg, err := st.VerifySigner(storetest.As(cso), webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rk.IssueLog(storetest.As(cso), f.OrgA, sys.ID, "v1", sg); err != nil {
			t.Fatal(err)
		}
		body := webtest.Get(t, f.Client(t, "A/cso"), f.Srv.URL+"/", 200)
		if strings.Contains(body, "changed since last issued") {
			t.Error("a log just issued is said to have changed")
		}
		e.Name = "Dose given twice (renamed)"
		if e, err = rk.UpdateHazard(storetest.As(cso), f.OrgA.ID, e.Hazard); err != nil {
			t.Fatal(err)
		}

		body = webtest.Get(t, f.Client(t, "A/cso"), f.Srv.URL+"/", 200)
		recall := strings.Index(body, "1 recall is open")
		overdue := strings.Index(body, "1 hazard has overdue actions")
		owner := strings.Index(body, "1 transferred control has no owner")
		if recall < 0 || overdue < 0 || owner < 0 || !(recall < overdue && overdue < owner) {
			t.Errorf("attention at %d (recall), %d (overdue), %d (no owner): want all three, in that order", recall, overdue, owner)
		}
		for _, link := range []string{`href="/devices/recalls/` + rc.ID + `"`, `href="/risk/hazards/` + e.ID + `"`, "FSN-2026-031: no patients matched yet", "ePMA HAZ-001: Dose given twice", `href="/risk/systems/` + sys.ID + `/issue"`, "1 hazard log has changed since last issued"} {
			if !strings.Contains(body, link) {
				t.Errorf("home page lacks %s", link)
			}
		}
		// A reporter works no recall and keeps no hazard log.
		if body := webtest.Get(t, f.Client(t, "A/reporter"), f.Srv.URL+"/", 200); strings.Contains(body, "recall is open") || strings.Contains(body, "overdue") {
			t.Error("a reporter is shown recalls or hazard actions")
		}
	})
}
