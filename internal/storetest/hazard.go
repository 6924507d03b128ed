package storetest

import "github.com/clinsafe/clinsafe/internal/risk"

// SampleHazard is a valid open hazard with two controls and an overdue
// action, named name.
func SampleHazard(name string) risk.Hazard {
	return risk.Hazard{Name: name, Description: "d", Causes: []string{"cause one", " ", "cause two"},
		InitialSeverity: risk.Major, InitialLikelihood: risk.Medium, Status: risk.Open,
		Controls: []risk.Control{{Description: "Barcode check", Type: risk.Design, Side: risk.Manufacturer, Owner: "Dev"},
			{Description: "Ward training", Type: risk.Training, Side: risk.Deployer, Owner: "Education"}},
		Actions: []risk.Action{{Summary: "Train staff", Owner: "Ward manager", Due: FixedTime.AddDate(0, 0, -3)}}}
}
