package riskweb

import (
	"net/http"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
)

// BlueprintPage chooses hazards of a knowledge hub blueprint to import
// into a system's hazard log in one step.
type BlueprintPage struct {
	web.Base
	System riskdb.System
	Sets   []web.Option
	Set    knowledge.BlueprintSet
}

func (s *Module) blueprintPage(w http.ResponseWriter, r *http.Request, sys riskdb.System, code string) BlueprintPage {
	set, ok := knowledge.BlueprintOf(code)
	if !ok {
		set = knowledge.Blueprints[0]
	}
	return BlueprintPage{Base: s.k.Base(w, r, "Import hazards from a blueprint"), System: sys, Set: set,
		Sets: web.Choices(knowledge.Blueprints, func(b knowledge.BlueprintSet) (string, string) { return b.Code, b.Title }, set.Code)}
}

func (s *Module) riskBlueprintPage(w http.ResponseWriter, r *http.Request) error {
	sys, err := s.risk.System(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/blueprint_import", s.blueprintPage(w, r, sys, r.URL.Query().Get("set")))
}

// BlueprintHazard is a blueprint's hazard as a new hazard of a log run
// under std: Open, with the suggested rating and controls (the deployer's
// under DCB0160 when the blueprint gives the manufacturer's, as the
// deploying organisation's log records its own), marked as coming from the
// blueprint and its version.
func BlueprintHazard(set knowledge.BlueprintSet, bh knowledge.BlueprintHazard, std risk.Standard) (risk.Hazard, error) {
	sev, err := risk.ParseSeverity(bh.Severity)
	if err != nil {
		return risk.Hazard{}, err
	}
	lik, err := risk.ParseLikelihood(bh.Likelihood)
	if err != nil {
		return risk.Hazard{}, err
	}
	h := risk.Hazard{Name: bh.Name, Description: bh.Description, ClinicalImpact: bh.Effects, Causes: append([]string(nil), bh.Causes...),
		InitialSeverity: sev, InitialLikelihood: lik, Status: risk.Open,
		Provenance: risk.Provenance{Source: "clinsafe knowledge hub", Document: set.DocumentTitle(), Version: set.Version, Ref: bh.Key}}
	for _, c := range bh.Controls {
		ct, err := risk.ParseControlType(c.Type)
		if err != nil {
			return risk.Hazard{}, err
		}
		side, err := risk.ParseSide(c.Side)
		if err != nil {
			return risk.Hazard{}, err
		}
		if std == risk.DCB0160 {
			side = risk.Deployer
		}
		h.Controls = append(h.Controls, risk.Control{Description: c.Description, Type: ct, Side: side})
	}
	return h, nil
}

func (s *Module) riskBlueprintImport(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	set, ok := knowledge.BlueprintOf(r.PostForm.Get("set"))
	keys := r.PostForm["hazards"]
	if !ok || len(keys) == 0 {
		d := s.blueprintPage(w, r, sys, r.PostForm.Get("set"))
		d.SetErrors(apperr.Field("hazards", "Select the hazards to import"))
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/blueprint_import", d)
	}
	var hs []risk.Hazard
	for _, k := range keys {
		bh, ok := set.Hazard(k)
		if !ok {
			return apperr.Field("hazards", "Select hazards of the blueprint from the list")
		}
		h, err := BlueprintHazard(set, bh, sys.Standard)
		if err != nil {
			return err
		}
		h.Provenance.ImportedAt = s.risk.Now()
		hs = append(hs, h)
	}
	var refs []string
	err = s.risk.Tx(r.Context(), func(tx *store.Tx) error {
		for _, h := range hs {
			e, err := s.risk.CreateHazardTx(r.Context(), tx, p.Org.ID, sys.ID, h)
			if err != nil {
				return err
			}
			refs = append(refs, e.Ref)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/systems/"+sys.ID+"/hazards", "Imported "+strings.Join(refs, ", ")+" from "+set.DocumentTitle()+" version "+set.Version+". Judge each for "+sys.Name+".")
}
