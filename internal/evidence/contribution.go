package evidence

import (
	"slices"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/events"
)

// EventFacts are the columns of a safety event its counts are made from.
type EventFacts struct {
	Status          events.Status
	Type            events.RecordType
	Harm            string
	ReportedHarm    string
	Agents          string // agent codes as |3|9|
	Location        string
	ServiceArea     string
	SystemID        string
	SubmittedAt     *time.Time
	FirstFeedbackAt *time.Time
}

// Key is one count an event adds to: dimension, value and, for
// feedback_minutes, the minutes it adds.
type Key struct {
	Dim     string `json:"d"`
	Value   string `json:"v"`
	Minutes int64  `json:"m,omitempty"`
}

// FeedbackBuckets are the spans of time from report to first feedback,
// shortest first; "none" holds the reports with no feedback yet.
var FeedbackBuckets = []struct {
	Code, Label string
	Within      time.Duration
}{
	{"1d", "Within a day", 24 * time.Hour},
	{"3d", "Within 3 days", 72 * time.Hour},
	{"7d", "Within a week", 7 * 24 * time.Hour},
	{"14d", "Within 2 weeks", 14 * 24 * time.Hour},
	{"more", "After 2 weeks", 0},
	{"none", "No feedback yet", 0},
}

// Contribution is what an event adds to the counts: the day it was
// reported (in London) and its keys. A draft, or an event without a
// submission time, adds nothing (day "").
func Contribution(f EventFacts) (string, []Key) {
	if f.Status == events.Draft || f.Status == "" || f.SubmittedAt == nil {
		return "", nil
	}
	day := clock.Date(*f.SubmittedAt)
	ks := []Key{{Dim: DimAll}, {Dim: DimType, Value: string(f.Type)}, {Dim: DimHarm, Value: f.Harm},
		{Dim: DimReportedHarm, Value: f.ReportedHarm}, {Dim: DimStatus, Value: string(f.Status)}}
	agents := strings.FieldsFunc(f.Agents, func(r rune) bool { return r == '|' })
	slices.Sort(agents)
	agents = slices.Compact(agents)
	for _, a := range agents {
		ks = append(ks, Key{Dim: DimAgent, Value: a})
	}
	if slices.Contains(agents, events.AgentIT) {
		ks = append(ks, Key{Dim: DimIT, Value: "yes"})
	}
	if slices.Contains(agents, events.AgentDevice) {
		ks = append(ks, Key{Dim: DimDevice, Value: "yes"})
	}
	if l := strings.TrimSpace(f.Location); l != "" {
		ks = append(ks, Key{Dim: DimLocation, Value: l})
	}
	if f.ServiceArea != "" {
		ks = append(ks, Key{Dim: DimServiceArea, Value: f.ServiceArea})
	}
	if f.SystemID != "" {
		ks = append(ks, Key{Dim: DimSystem, Value: f.SystemID})
	}
	bucket := "none"
	if f.FirstFeedbackAt != nil {
		d := max(f.FirstFeedbackAt.Sub(*f.SubmittedAt), 0)
		bucket = "more"
		for _, b := range FeedbackBuckets {
			if b.Within > 0 && d <= b.Within {
				bucket = b.Code
				break
			}
		}
		ks = append(ks, Key{Dim: DimFeedbackMins, Minutes: int64(d / time.Minute)})
	}
	ks = append(ks, Key{Dim: DimFeedback, Value: bucket})
	return day, ks
}
