package evidencedb_test

import (
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
)

// reportAt reports one incident at Ward 7 in org at instant at, with
// physical harm harm; harm "" reports one with no patient, so no harm is
// recorded.
func reportAt(t *testing.T, w *world, org store.Org, u store.User, at time.Time, harm string) eventsdb.Event {
	t.Helper()
	w.st.SetClock(func() time.Time { return at })
	defer w.st.SetClock(func() time.Time { return storetest.FixedTime })
	rec := record("Ward 7", "acute", harm, "", events.AgentMedication)
	if harm == "" {
		rec.Answers[events.AnsPatientsSaid] = []string{"n"}
		delete(rec.Groups, events.GroupPatients)
	}
	e, err := w.ev.Report(storetest.As(u), org.ID, rec, eventsdb.Submission{Audience: events.Staff, ReporterID: u.ID})
	if err != nil {
		t.Fatalf("Report: %v (%v)", err, apperr.FieldsOf(err))
	}
	return e
}
