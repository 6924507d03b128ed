package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// loadEvidence gives the trust a year of occupied bed days, for its
// reporting rate per 1,000 bed days, and a digital change marked by its
// CSO on the IT incidents measure: the go-live of its ePMA release 16
// weeks ago, so the dashboard shows a chart rebased there and a
// before-and-after statement.
func loadEvidence(ctx context.Context, st *store.DB, trust, _ store.Org, people map[string]store.User, _ string) error {
	ev := evidencedb.New(st)
	today := clock.Today(st.Now())
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := 12; i >= 0; i-- {
		m := month.AddDate(0, -i, 0)
		// Around 14,000 bed days a month, a little more in winter.
		beds := int64(13600 + 900*((int(m.Month())+1)%12/6) + 37*i)
		if err := ev.SetBedDays(ctx, trust.ID, evidencedb.BedDays{Month: m.Format("2006-01"), BedDays: beds}); err != nil {
			return fmt.Errorf("demo: bed days: %w", err)
		}
	}
	// The trust is a member of its integrated care system, whose analyst
	// (the demo analyst) reads the measures of every member side by side.
	nw, err := st.CreateNetwork(ctx, store.Network{Name: "Integrated care system of " + trust.Name, Kind: "ics"})
	if err != nil {
		return fmt.Errorf("demo: network: %w", err)
	}
	if err := st.SetNetworkMember(ctx, trust.ID, nw.ID, true); err != nil {
		return fmt.Errorf("demo: network member: %w", err)
	}
	if a, ok := people["analyst@demo.clinsafe.test"]; ok {
		if err := st.SetNetworkAnalyst(ctx, nw.ID, a.ID, true); err != nil {
			return fmt.Errorf("demo: network analyst: %w", err)
		}
	}
	systems, err := riskdb.New(st).SystemChoices(ctx, trust.ID)
	if err != nil {
		return err
	}
	cso, ok := people["cso@demo.clinsafe.test"]
	if !ok || len(systems) == 0 {
		return nil
	}
	as := audit.WithActor(ctx, audit.Actor{UserID: cso.ID, Name: cso.Name})
	if _, err := ev.MarkChange(as, trust.ID, evidencedb.MarkedChange{Measure: "it_incidents", Period: evidence.Week,
		Title: systems[0].Name + " release go-live", On: evidence.Week.Start(today.AddDate(0, 0, -16*7)), SystemID: systems[0].ID}); err != nil {
		return fmt.Errorf("demo: marked change: %w", err)
	}
	return nil
}
