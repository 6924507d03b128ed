package riskweb

import (
	"context"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// csoCompetency reads the competency register for the CSOs of sys: those
// whose competency has lapsed (for the warning on the system and safety
// case pages) and each one's registration (for the issued report).
func (s *Module) csoCompetency(ctx context.Context, orgID store.OrgID, sys riskdb.System) ([]trainingdb.CSO, []risk.CSORegistration, error) {
	cs, err := trainingdb.New(s.k.Store()).CSOsOf(ctx, orgID, sys)
	if err != nil {
		return nil, nil, err
	}
	var lapsed []trainingdb.CSO
	var regs []risk.CSORegistration
	for _, c := range cs {
		if c.Status == training.Lapsed {
			lapsed = append(lapsed, c)
		}
		words := "No registration recorded in the competency register"
		if c.Registration != nil {
			words = c.Registration.Words()
		}
		regs = append(regs, risk.CSORegistration{Name: c.Name, Registration: words})
	}
	return lapsed, regs, nil
}

// csoRegistrations are the registrations of system id's CSOs; none for a
// system that is not found (issuing then says so).
func (s *Module) csoRegistrations(ctx context.Context, orgID store.OrgID, id string) ([]risk.CSORegistration, error) {
	sys, err := s.risk.System(ctx, orgID, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, regs, err := s.csoCompetency(ctx, orgID, sys)
	return regs, err
}
