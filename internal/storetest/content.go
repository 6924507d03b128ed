package storetest

import (
	"slices"

	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/fhir/bulk"
	"github.com/clinsafe/clinsafe/internal/fhir/fhirdb"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
)

// Content lists every wing's audited entities, as app.Content does; Open
// registers it. It cannot call app.Content: app wires the web packages,
// whose own tests use storetest, so that import would be a cycle. The
// command's tests check that the two lists are the same.
func Content() []store.Entity {
	return slices.Concat(
		eventsdb.Content(),
		riskdb.Content(),
		devicesdb.Content(),
		trainingdb.Content(),
		fhirdb.Content(),
		lfpse.Content(),
		bulk.Content(),
		evidencedb.Content(),
		knowledgedb.Content(),
	)
}
