package devicesdb

import "github.com/clinsafe/clinsafe/internal/store"

// Content lists the devices pillar's audited entities and the tables that
// hold their content, for store.Open: the audit trail records a hash of
// each one's content with every change, and the deep check compares the
// live rows with it. Patients, procedures and implants may be written in
// bulk (ImportImplants). Columns added to a table after rows of it were
// audited are OmitEmpty: empty on those rows, they leave the rows' content
// hash as it was recorded (migrations 0008 and 0011).
func Content() []store.Entity {
	return []store.Entity{
		{Name: "catalogue", Parts: []store.Part{{Table: "device_products", Key: []string{"org_id"},
			OmitEmpty: []string{"catalogue_number", "catalogue_key"}}}},
		{Name: "implant_patient", Bulk: true, Parts: []store.Part{{Table: "implant_patients", Key: []string{"id"}}}},
		{Name: "procedure", Bulk: true, Parts: []store.Part{{Table: "implant_procedures", Key: []string{"id"}}}},
		// in_catalogue follows the catalogue, which is audited itself.
		{Name: "implant", Bulk: true, Parts: []store.Part{{Table: "implants", Key: []string{"id"}, Exclude: []string{"in_catalogue"},
			OmitEmpty: []string{"labeler", "manufacturer", "catalogue", "unit_of_measure"}}}},
		{Name: "recall", Parts: []store.Part{
			// closed_at is NULL on a recall never closed.
			{Table: "recalls", Key: []string{"id"}, OmitEmpty: []string{"closed_reason", "closed_at"}},
			{Table: "recall_actions", Key: []string{"recall_id"}, OmitEmpty: []string{"basis"}},
		}},
		// One row per organisation: the entity id is the organisation's id.
		{Name: "devices_settings", OrgScoped: true, Parts: []store.Part{{Table: "devices_settings", Key: []string{"org_id", "org_id"}}}},
	}
}
