package eventsweb_test

import (
	"maps"
	"testing"

	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsweb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs every page of the safety events wing
// with the typed data its handler passes. Each part of the pillar adds its
// pages' samples in its own test file.
func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "events", samples, publicPages...)
}

// TestOneErrorSummary: a page whose form came back with an error shows
// the layout's error summary, and no second one of its own.
func TestOneErrorSummary(t *testing.T) {
	webtest.OneErrorSummary(t, "events", samples)
}

// samples are the sample data of every page of the wing.
func samples(b web.Base) map[string]any {
	out := map[string]any{
		"home": eventsweb.EventsHome{Base: b, CanHandle: true, CanTriage: true, CanAdmin: true,
			Drafts: []eventsdb.Event{{ID: "d"}}, Mine: []eventsdb.Event{{ID: "e", Ref: "PSE-2026-000001", Type: "1", Status: "closed"}}},
	}
	for _, part := range []func(web.Base) map[string]any{reportSamples, reviewSamples, publicSamples, learningSamples, triageSamples} {
		maps.Copy(out, part(b))
	}
	return out
}
