package devicesdb

import "github.com/clinsafe/clinsafe/internal/store"

// Content lists the devices pillar's audited entities and the tables that
// hold their content, for store.Open: the audit trail records a hash of
// each one's content with every change, and the deep check compares the
// live rows with it. Patients, procedures and implants may be written in
// bulk (ImportImplants).
func Content() []store.Entity {
	return []store.Entity{
		{Name: "catalogue", Parts: []store.Part{{Table: "device_products", Key: []string{"org_id"}}}},
		{Name: "implant_patient", Bulk: true, Parts: []store.Part{{Table: "implant_patients", Key: []string{"id"}}}},
		{Name: "procedure", Bulk: true, Parts: []store.Part{{Table: "implant_procedures", Key: []string{"id"}}}},
		// in_catalogue follows the catalogue, which is audited itself.
		{Name: "implant", Bulk: true, Parts: []store.Part{{Table: "implants", Key: []string{"id"}, Exclude: []string{"in_catalogue"}}}},
		{Name: "recall", Parts: []store.Part{
			{Table: "recalls", Key: []string{"id"}},
			{Table: "recall_actions", Key: []string{"recall_id"}},
		}},
	}
}
