// Package evidence is the evidence wing's domain: the measures a board
// reads as statistical process control charts (safety events, IT and
// device incidents, hazards, overdue actions, time to first feedback, the
// reporting rate per 1,000 bed days), what each safety event contributes
// to the counts they are drawn from, and the readings of a chart in plain
// words, including the before-and-after statement of a digital change.
// It imports no database or HTTP package; evidencedb stores the counts.
package evidence

import (
	"slices"
	"time"

	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/spc"
)

// Source says where a measure's series comes from.
type Source string

// The sources of measures.
const (
	// FromCounts: the counts of safety events per day and dimension.
	FromCounts Source = "counts"
	// FromHazards: the hazard logs (hazards identified per period).
	FromHazards Source = "hazards"
	// FromActions: hazard and learning-response actions overdue at the end
	// of each period.
	FromActions Source = "actions"
	// FromBedDays: the counts over the bed days the organisation entered.
	FromBedDays Source = "bed_days"
	// FromTraining: the training wing's assignments and completions (the
	// share of assigned training in date at the end of each period).
	FromTraining Source = "training"
)

// Measure is one chart a board can read.
type Measure struct {
	Code  string `json:"code"`
	Title string `json:"title"`
	// Unit names one value of the series ("events", "days", "per 1,000 bed days").
	Unit string `json:"unit"`
	// About says what the measure counts.
	About  string `json:"about"`
	Source Source `json:"source"`
	// Dim and Value are the counts the measure reads when no filter is
	// chosen (FromCounts).
	Dim   string `json:"-"`
	Value string `json:"-"`
	// Filters are the dimensions a person may narrow the measure by, up
	// to MaxConds of them at once (Cond).
	Filters []string `json:"filters"`
	// Direction is the improvement direction the chart assumes unless the
	// reader chooses another.
	Direction spc.Direction `json:"improvement_direction"`
	// MonthlyOnly: the series exists by month only (bed days are entered
	// per month).
	MonthlyOnly bool `json:"monthly_only,omitempty"`
	// Available is false for a measure whose data another wing has yet to
	// give (none now): its page says so, with Pending.
	Available bool   `json:"available"`
	Pending   string `json:"pending,omitempty"`
}

// The dimensions of the counts of safety events.
const (
	DimAll          = "all"
	DimType         = "type"
	DimHarm         = "harm"
	DimReportedHarm = "reported_harm"
	DimAgent        = "agent"
	DimLocation     = "location"
	DimServiceArea  = "service_area"
	DimSystem       = "system"
	DimIT           = "it"
	DimDevice       = "device"
	DimStatus       = "status"
	DimFeedback     = "feedback"         // time-to-first-feedback bucket
	DimFeedbackMins = "feedback_minutes" // n events with feedback, minutes summed
	// Filters of the measures that are not counts of events.
	DimRating = "rating"
	DimKind   = "kind"
	DimRole   = "role"
	DimCourse = "course"
)

// DimLabels names the dimensions.
var DimLabels = map[string]string{
	DimType: "Record type", DimHarm: "Graded harm", DimReportedHarm: "Reported harm", DimAgent: "Involved agent",
	DimLocation: "Location", DimServiceArea: "Service area", DimSystem: "Health IT system", DimIT: "IT involvement",
	DimDevice: "Device involvement", DimStatus: "Status", DimFeedback: "Time to first feedback",
	DimRating: "Risk rating", DimKind: "Kind of action", DimRole: "Staff role", DimCourse: "Course",
}

// Measures lists every measure, in the order of the dashboard.
var Measures = []Measure{
	{Code: "events", Title: "Safety events reported", Unit: "events", Source: FromCounts, Dim: DimAll,
		About:   "Safety events reported (submitted), by the day they were reported. Drafts do not count.",
		Filters: []string{DimType, DimHarm, DimReportedHarm, DimAgent, DimLocation, DimServiceArea, DimStatus, DimFeedback}, Direction: spc.Neutral, Available: true},
	{Code: "it_incidents", Title: "IT-system incidents", Unit: "events", Source: FromCounts, Dim: DimIT, Value: "yes",
		About:   "Safety events with IT systems among the involved agents, overall or for one Health IT system.",
		Filters: []string{DimSystem}, Direction: spc.Neutral, Available: true},
	{Code: "device_incidents", Title: "Device and implant incidents", Unit: "events", Source: FromCounts, Dim: DimDevice, Value: "yes",
		About: "Safety events with a medical device or implant among the involved agents.", Direction: spc.Neutral, Available: true},
	{Code: "hazards", Title: "Hazards identified", Unit: "hazards", Source: FromHazards,
		About:   "Hazards added to the organisation's hazard logs, by the day they were added, by residual risk rating and status.",
		Filters: []string{DimRating, DimStatus}, Direction: spc.Neutral, Available: true},
	{Code: "overdue_actions", Title: "Overdue actions", Unit: "actions", Source: FromActions,
		About:   "Hazard actions and learning-response actions not done by their due day, counted at the end of each period.",
		Filters: []string{DimKind}, Direction: spc.Decrease, Available: true},
	{Code: "feedback_time", Title: "Time from report to first feedback", Unit: "days (mean)", Source: FromCounts, Dim: DimFeedbackMins,
		About: "The mean number of days from a report to the first feedback its reporter was given, by the day it was reported.", Direction: spc.Decrease, Available: true},
	{Code: "reporting_rate", Title: "Reporting rate per 1,000 bed days", Unit: "per 1,000 bed days", Source: FromBedDays, Dim: DimAll, MonthlyOnly: true,
		About: "Safety events reported per 1,000 occupied bed days, for the months the organisation entered its bed days. " +
			"For a network, each month counts only the events of the members that entered bed days for it.", Direction: spc.Increase, Available: true},
	{Code: "training_coverage", Title: "Training coverage", Unit: "% in date", Source: FromTraining,
		About: "The share of assigned training in date on the last day of each period. The denominator is the assignments due by that day: " +
			"one per person and course, for the assignments in force that day (made by then and not withdrawn), counting the earliest due date " +
			"when a course is assigned to a person more than once. The numerator is those of them the person had completed by that day with a " +
			"completion that had not expired. Training not yet due counts in neither; people count under the roles they hold now.",
		Filters: []string{DimRole, DimCourse}, Direction: spc.Increase, Available: true},
}

// Cond is one filter of a chart: one value of one of the measure's
// dimensions. A chart's filters must all hold, except that a dimension
// named twice holds for either value (harm moderate or severe).
type Cond struct {
	Dim   string `json:"dim"`
	Value string `json:"value"`
}

// MaxConds is how many filters one chart may combine.
const MaxConds = 3

// ValidValue reports whether value can be a value of the measure's
// filter dim: a code of its list, where the dimension has one (record
// type, harm, agent, service area, status, feedback, rating, kind,
// role); location, system and course as they are, not empty and not
// over 200 characters (a course is then looked up).
func (m Measure) ValidValue(dim, value string) bool {
	switch dim {
	case DimType:
		return events.RecordType(value).Valid()
	case DimHarm, DimReportedHarm:
		return value == "" || events.LFPSE.List(events.ListPhysicalHarm).Has(value) || len(HarmOrWorse(dim, value)) > 1
	case DimAgent:
		return events.LFPSE.List(events.ListAgent).Has(value)
	case DimServiceArea:
		return events.LFPSE.List(events.ListServiceArea).Has(value)
	case DimStatus:
		if m.Source == FromHazards {
			return slices.Contains(risk.AllStatuses(), risk.Status(value))
		}
		return slices.Contains(events.Statuses, events.Status(value))
	case DimFeedback:
		return slices.ContainsFunc(FeedbackBuckets, func(b struct {
			Code, Label string
			Within      time.Duration
		}) bool {
			return b.Code == value
		})
	case DimIT, DimDevice:
		return value == "yes"
	case DimRating:
		return len(value) == 1 && value >= "1" && value <= "5"
	case DimKind:
		return value == "hazard" || value == "learning"
	case DimRole:
		return slices.Contains(auth.AllRoles, auth.Role(value))
	}
	return value != "" && len(value) <= 200
}

// HarmAtLeast are the filter values of harm "or worse" ("3+": moderate,
// severe or fatal), most severe first; LFPSE grades physical harm from 1
// (fatal) to 5 (none).
var HarmAtLeast = []string{"2+", "3+", "4+"}

// HarmOrWorse is the harm codes a filter value of harm stands for: "3+"
// is 3, 2 and 1; any other value (or dimension) is itself.
func HarmOrWorse(dim, value string) []string {
	if (dim == DimHarm || dim == DimReportedHarm) && slices.Contains(HarmAtLeast, value) {
		var out []string
		for c := value[0]; c >= '1'; c-- {
			out = append(out, string(c))
		}
		return out
	}
	return []string{value}
}

// MeasureByCode returns the measure with code.
func MeasureByCode(code string) (Measure, bool) {
	i := slices.IndexFunc(Measures, func(m Measure) bool { return m.Code == code })
	if i < 0 {
		return Measure{}, false
	}
	return Measures[i], true
}

// Filterable reports whether the measure can be narrowed by dim.
func (m Measure) Filterable(dim string) bool { return slices.Contains(m.Filters, dim) }

// Counts is the dimension and value of the counts the measure reads with
// the filter dim=value (dim "" for none). Whether there is a filter is
// told by its dimension alone: "" is a value too (harm "No harm
// recorded").
func (m Measure) Counts(dim, value string) (string, string) {
	if dim != "" {
		return dim, value
	}
	return m.Dim, m.Value
}

// Period is the span of one point of a chart.
type Period string

// The periods.
const (
	Week  Period = "week"
	Month Period = "month"
)

// Valid reports whether p is a period.
func (p Period) Valid() bool { return p == Week || p == Month }

// Start is the first day of the period that holds day d: the Monday of
// its week or the first of its month (d is a date at midnight UTC).
func (p Period) Start(d time.Time) time.Time {
	y, m, dd := d.Date()
	if p == Month {
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	}
	t := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// Next is the start of the period after the one starting at start.
func (p Period) Next(start time.Time) time.Time {
	if p == Month {
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 7)
}

// Noun is the period in words: "week" or "month".
func (p Period) Noun() string { return string(p) }

// Label is how one period is shown: "w/c 2 March 2026" or "March 2026".
func (p Period) Label(start time.Time) string {
	if p == Month {
		return start.Format("January 2006")
	}
	return "w/c " + start.Format("2 January 2006")
}

// Periods returns the starts of every period from the one holding from to
// the one holding to.
func (p Period) Periods(from, to time.Time) []time.Time {
	var out []time.Time
	for s := p.Start(from); !s.After(to); s = p.Next(s) {
		out = append(out, s)
	}
	return out
}

// Point is one period of a series: its value, and for a rate its
// numerator and denominator.
type Point struct {
	Start time.Time `json:"start"`
	Label string    `json:"label"`
	Value float64   `json:"value"`
	// Num and Den are the count and its denominator of a rate or mean (the
	// events and bed days, the minutes and events with feedback).
	Num float64 `json:"numerator"`
	Den float64 `json:"denominator,omitempty"`
}

// ValueLabel is the words of a filter value of a dimension: a record
// type's, harm's, agent's, status's or service area's label; others as
// they are.
func ValueLabel(dim, value string) string {
	switch dim {
	case DimType:
		return events.RecordType(value).Label()
	case DimHarm, DimReportedHarm:
		if value == "" {
			return "No harm recorded"
		}
		if slices.Contains(HarmAtLeast, value) {
			return events.LFPSE.Label(events.ListPhysicalHarm, value[:1]) + " or worse"
		}
		return events.LFPSE.Label(events.ListPhysicalHarm, value)
	case DimAgent:
		return events.LFPSE.Label(events.ListAgent, value)
	case DimServiceArea:
		return events.LFPSE.Label(events.ListServiceArea, value)
	case DimStatus:
		return events.Status(value).Label()
	case DimFeedback:
		for _, b := range FeedbackBuckets {
			if b.Code == value {
				return b.Label
			}
		}
	case DimIT, DimDevice:
		if value == "yes" {
			return "Involved"
		}
	case DimRole:
		if r := auth.Role(value); slices.Contains(auth.AllRoles, r) {
			return r.Label()
		}
	}
	return value
}
