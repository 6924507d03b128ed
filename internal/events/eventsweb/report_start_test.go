package eventsweb_test

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// TestReportLinkReusesAnUntypedDraft: following "Report a safety event"
// twice opens the same empty draft instead of leaving two behind.
func TestReportLinkReusesAnUntypedDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := f.Client(t, "A/reporter")
		resp, _ := webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
		first := webtest.Location(t, resp, "/events/report/")
		resp, _ = webtest.Do(t, c, "GET", f.Srv.URL+"/events/report", "")
		if again := webtest.Location(t, resp, "/events/report/"); again != first {
			t.Errorf("second start went to %s, want the same untyped draft %s", again, first)
		}
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE status = 'draft'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d drafts (%v), want 1", n, err)
		}
		if !strings.HasSuffix(first, "/type") {
			t.Errorf("start went to %s, want the type page", first)
		}
	})
}
