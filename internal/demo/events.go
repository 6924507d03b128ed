package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
)

// scenario is a kind of event the demo generates, in our own words.
type scenario struct {
	t        events.RecordType
	what     string
	agents   []string
	area     string
	stage    string
	it       []string // IT involvement factors, when IT is involved
	problem  string
	device   string // LFPSE device type code, when a device is involved
	factors  []string
	maker    string
	medicine string
	// serious scenarios draw harm from the severe end.
	serious bool
	weight  int
}

var scenarios = []scenario{
	{t: events.Incident, what: "The results screen showed the previous patient's blood results after the patient list was refreshed.", agents: []string{events.AgentIT}, area: "acute", stage: "4",
		it: []string{"4"}, problem: "The results panel kept the last patient's results when the list refreshed.", weight: 6},
	{t: events.Incident, what: "A dose of antibiotic was given twice because the first administration was recorded an hour late.", agents: []string{events.AgentIT, events.AgentMedication}, area: "acute", stage: "6",
		it: []string{"2"}, problem: "The administration was recorded after the drug round on a shared device.", medicine: "Co-amoxiclav", weight: 6},
	{t: events.Incident, what: "The infusion rate on the prescribing screen was shown in mg/hour although it had been entered in mL/hour.", agents: []string{events.AgentIT, events.AgentMedication}, area: "acute", stage: "5",
		it: []string{"4", "5"}, problem: "Units differed between the prescribing and the administration screens.", medicine: "Noradrenaline", serious: true, weight: 2},
	{t: events.Incident, what: "A stopped anticoagulant still appeared on the chart after a synchronisation delay and a dose was nearly given.", agents: []string{events.AgentIT, events.AgentMedication}, area: "acute", stage: "6",
		it: []string{"4"}, problem: "The ward tablet had not synchronised for two hours.", medicine: "Apixaban", weight: 3},
	{t: events.Incident, what: "The electronic record was unavailable for 40 minutes during the morning; paper downtime forms were not on the ward.", agents: []string{events.AgentIT}, area: "emergency", stage: "3",
		it: []string{"4"}, problem: "Unplanned outage of the record system.", weight: 3},
	{t: events.Incident, what: "A discharge summary was not sent to the GP because the interface rejected the message without telling anyone.", agents: []string{events.AgentIT}, area: "acute", stage: "9",
		it: []string{"4", "5"}, problem: "Interface error queue not monitored.", weight: 3},
	{t: events.Incident, what: "Two records existed for the same patient and an allergy was on the other record.", agents: []string{events.AgentIT}, area: "outpatient", stage: "3",
		it: []string{"5"}, problem: "Duplicate patient records not merged.", weight: 2},
	{t: events.Incident, what: "An infusion pump did not alarm when the line was occluded.", agents: []string{events.AgentDevice}, area: "acute", stage: "6",
		device: "96", factors: []string{"4"}, maker: "Halden Medical", weight: 3},
	{t: events.Incident, what: "The wrong size of hip implant was opened in theatre and the error was noticed before it was used.", agents: []string{events.AgentDevice}, area: "theatres", stage: "6",
		device: "89", factors: []string{"3"}, maker: "Ortholine", weight: 2},
	{t: events.Incident, what: "A pacemaker check showed the battery running down faster than expected.", agents: []string{events.AgentDevice}, area: "outpatient", stage: "7",
		device: "94", factors: []string{"4"}, maker: "CardioPulse", serious: true, weight: 1},
	{t: events.Incident, what: "A time-critical Parkinson's medicine was given two hours late.", agents: []string{events.AgentMedication}, area: "acute", stage: "6", medicine: "Co-careldopa", weight: 8},
	{t: events.Incident, what: "An insulin dose was omitted at lunchtime.", agents: []string{events.AgentMedication}, area: "acute", stage: "6", medicine: "Insulin aspart", weight: 6},
	{t: events.Incident, what: "A patient slipped on a wet floor in the bathroom.", agents: []string{"10"}, area: "acute", stage: "6", weight: 12},
	{t: events.Incident, what: "A pressure ulcer developed on the patient's heel during the admission.", agents: []string{"10"}, area: "community", stage: "7", weight: 8},
	{t: events.Incident, what: "The lift to the maternity unit was out of order and a transfer was delayed.", agents: []string{"13"}, area: "maternity", stage: "8", weight: 2},
	{t: events.Incident, what: "A referral was sent to the wrong clinic and the appointment was delayed by three weeks.", agents: []string{"10"}, area: "outpatient", stage: "8", weight: 4},
	{t: events.Outcome, what: "The patient returned to theatre for bleeding the day after surgery.", agents: []string{"10"}, area: "theatres", stage: "6", serious: true, weight: 2},
	{t: events.Outcome, what: "Unplanned admission to intensive care after deterioration on the ward.", agents: []string{"10"}, area: "acute", stage: "7", serious: true, weight: 1},
	{t: events.Risk, what: "Ward tablets run out of battery during the night drug round, so doses are recorded later from memory.", agents: []string{events.AgentIT, "4"}, area: "acute",
		it: []string{"5"}, problem: "Too few chargers and no spare devices.", medicine: "Various", weight: 2},
	{t: events.Risk, what: "Staffing on the night shift is regularly below the planned level.", agents: []string{"10"}, area: "acute", weight: 3},
	{t: events.GoodCare, what: "The pharmacist noticed an interaction alert had been overridden and called the prescriber before the first dose.", area: "pharmacy", weight: 3},
	{t: events.GoodCare, what: "The night team used the downtime procedure well during the record system outage and no doses were missed.", area: "acute", weight: 2},
}

var (
	demoLocations = []string{"Ward 7", "Ward 12", "Emergency department", "Theatre 3", "Outpatients B", "Maternity unit", "Intensive care", "Pharmacy", "District nursing, north", "Ward 3"}
	demoRoles     = []string{"nurse", "doctor", "pharmacy", "ahp", "hca", "midwife"}
)

// harmFrom draws a physical harm code as it is spread nationally: mostly
// none or low.
func harmFrom(r *rand.Rand, serious bool) string {
	p := r.Float64()
	if serious {
		switch {
		case p < 0.30:
			return "4"
		case p < 0.75:
			return "3"
		case p < 0.95:
			return "2"
		}
		return "1"
	}
	switch {
	case p < 0.70:
		return "5"
	case p < 0.95:
		return "4"
	case p < 0.995:
		return "3"
	}
	return "2"
}

// GenerateEvents makes n events reported over the year before now, from
// seed, naming systemID (a registered system, or "") for IT incidents and
// reporters for staff reports. Older events are mostly closed.
func GenerateEvents(n int, seed uint64, now time.Time, systemID string, reporters []string) []eventsdb.Historical {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	total := 0
	for _, s := range scenarios {
		total += s.weight
	}
	out := make([]eventsdb.Historical, 0, n)
	for i := range n {
		pick := r.IntN(total)
		var sc scenario
		for _, s := range scenarios {
			if pick < s.weight {
				sc = s
				break
			}
			pick -= s.weight
		}
		age := time.Duration(r.Float64() * float64(365*24*time.Hour))
		at := now.Add(-age).Truncate(time.Minute)
		happened := at.Add(-time.Duration(r.IntN(48)) * time.Hour)
		a := events.Answers{
			events.AnsDescription: {sc.what}, events.AnsLocation: {demoLocations[r.IntN(len(demoLocations))]},
			events.AnsServiceArea: {sc.area}, events.AnsReporterRole: {demoRoles[r.IntN(len(demoRoles))]},
		}
		if sc.t != events.Risk {
			a[events.AnsWhenKind] = []string{"exact"}
			a[events.AnsDate] = []string{happened.In(clock.London).Format(time.DateOnly)}
			a[events.AnsTime] = []string{happened.In(clock.London).Format("15:04")}
		}
		rec := events.Record{Type: sc.t, Answers: a, Groups: map[string][]events.Answers{}}
		if len(sc.agents) > 0 && sc.t != events.GoodCare {
			a[events.AnsAgents] = sc.agents
		}
		if sc.it != nil {
			a[events.AnsITFactors] = sc.it
			a[events.AnsITProblem] = []string{sc.problem}
			a[events.AnsSystem] = []string{events.NoSystem}
			if systemID != "" {
				a[events.AnsSystem] = []string{systemID}
			}
		}
		if sc.device != "" {
			rec.Groups[events.GroupDevices] = []events.Answers{{events.DevType: {sc.device}, events.DevFactors: sc.factors, events.DevManufacturer: {sc.maker}}}
		}
		if sc.medicine != "" {
			rec.Groups[events.GroupMedicines] = []events.Answers{{"name": {sc.medicine}}}
		}
		switch sc.t {
		case events.Incident, events.Outcome:
			a[events.AnsPatientsSaid] = []string{"y"}
			rec.Groups[events.GroupPatients] = []events.Answers{{events.PatPhysical: {harmFrom(r, sc.serious)}, events.PatPsych: {"4"}, events.PatAssociation: {"5"}}}
			a["process_stage"] = []string{sc.stage}
		case events.Risk:
			a["risk.theme"] = []string{map[bool]string{true: "6", false: "1"}[sc.it != nil]}
			a["risk.imminent"] = []string{"n"}
		}
		if sc.t == events.Incident || sc.t == events.Risk {
			a[events.AnsConcern] = []string{[]string{"3", "4", "4", "5"}[r.IntN(4)]}
		}
		if sc.t == events.Outcome {
			a["outcome.type"] = []string{map[bool]string{true: "3", false: "2"}[sc.area == "theatres"]}
		}
		h := eventsdb.Historical{Record: rec, Audience: events.Staff, SubmittedAt: at, Status: events.Submitted}
		if len(reporters) > 0 && r.IntN(10) > 0 {
			h.ReporterID = reporters[r.IntN(len(reporters))]
		}
		// The older the report, the likelier it is closed.
		switch days := age.Hours() / 24; {
		case days > 60 || days > 20 && r.IntN(3) > 0:
			h.Status, h.ChangedAt = events.Closed, at.Add(time.Duration(2+r.IntN(20))*24*time.Hour)
		case days > 7:
			h.Status, h.ChangedAt = events.InReview, at.Add(48*time.Hour)
		}
		if h.ChangedAt.After(now) {
			h.Status, h.ChangedAt = events.InReview, time.Time{}
		}
		out = append(out, h)
		_ = i
	}
	return out
}

// demoTrustEvents is how many events the demo trust has over its year.
const demoTrustEvents = 2400

// loadEvents gives the trust a year of events, with its IT incidents
// about its ePMA system, and the supplier the few its own staff reported.
func loadEvents(ctx context.Context, st *store.DB, trust, supplier store.Org, people map[string]store.User, _ string) error {
	var reporters []string
	for _, p := range People {
		reporters = append(reporters, people[p.Email].ID)
	}
	if _, err := AddEvents(ctx, st, trust.ID, demoTrustEvents, reporters, 1); err != nil {
		return err
	}
	_, err := AddEvents(ctx, st, supplier.ID, 60, []string{people["cso@meridian.clinsafe.test"].ID}, 2)
	return err
}

// AddEvents adds n generated events (a year's worth, ending now) to
// orgID, their IT incidents naming the organisation's first registered
// system; reporters are the staff who report them.
func AddEvents(ctx context.Context, st *store.DB, orgID store.OrgID, n int, reporters []string, seed uint64) (int, error) {
	ctx = audit.WithActor(ctx, audit.Actor{Name: "demo loader", Operator: true})
	systems, err := riskdb.New(st).ListSystems(ctx, orgID)
	if err != nil {
		return 0, err
	}
	sys := ""
	if len(systems) > 0 {
		sys = systems[0].ID
	}
	added, err := eventsdb.New(st).ImportHistorical(ctx, orgID, GenerateEvents(n, seed, st.Now(), sys, reporters))
	if err != nil {
		return added, fmt.Errorf("demo: events: %w", err)
	}
	return added, nil
}
