package fhirweb_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/fhir/fhirweb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestEveryPageTemplateExecutes runs the FHIR wing's one page with the
// typed data its handler passes.
func TestEveryPageTemplateExecutes(t *testing.T) {
	webtest.EveryPage(t, "fhir", func(b web.Base) map[string]any {
		return map[string]any{"about": fhirweb.AboutPage{Base: b, URL: "https://clinsafe.example/fhir/R4"}}
	})
}

func TestFHIRAboutPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		resp, body := webtest.Do(t, f.Client(t, "A/reporter"), "GET", f.Srv.URL+"/fhir", "")
		if resp.StatusCode != 200 || !strings.Contains(body, f.Srv.URL+"/fhir/R4") || !strings.Contains(body, "/fhir/R4/metadata") {
			t.Fatalf("about page: %d", resp.StatusCode)
		}
		// An API wing has no card in the navigation.
		if strings.Contains(body, `nhsuk-header__navigation-link" href="/fhir"`) {
			t.Errorf("the FHIR wing is in the navigation")
		}
	})
}
