package riskdb

import "github.com/clinsafe/clinsafe/internal/store"

// Content lists the clinical risk pillar's audited entities and the tables
// that hold their content, for store.Open: the audit trail records a hash
// of each one's content with every change, and the deep check compares the
// live rows with it.
func Content() []store.Entity {
	return []store.Entity{
		// An imported hazard log records one entry per hazard as well, so
		// the import changes none of the system's own content.
		// cscr_versions is filled by a trigger as each report is inserted
		// into cscr_issues, in the transaction of the report's own audit
		// entry (cscr.issue, entity system), so it hashes with the system.
		{Name: "system", NoContent: []string{"hazardlog.import"}, Parts: []store.Part{
			{Table: "risk_systems", Key: []string{"id"}},
			{Table: "risk_system_csos", Key: []string{"system_id"}},
			{Table: "risk_releases", Key: []string{"system_id"}},
			{Table: "cscr_drafts", Key: []string{"system_id"}},
			{Table: "hazard_log_issues", Key: []string{"system_id"}},
			{Table: "cscr_issues", Key: []string{"system_id"}},
			{Table: "cscr_versions", Key: []string{"system_id"}},
			{Table: "signatures", Key: []string{"parent_id"}},
		}},
		{Name: "hazard", Parts: []store.Part{
			{Table: "hazards", Key: []string{"id"}},
			{Table: "hazard_controls", Key: []string{"hazard_id"}},
			{Table: "hazard_actions", Key: []string{"hazard_id"}},
			{Table: "hazard_versions", Key: []string{"hazard_id"}},
		}},
		{Name: "plan", Parts: []store.Part{{Table: "risk_plans", Key: []string{"org_id"}}}},
		{Name: "compliance", OrgScoped: true, Parts: []store.Part{{Table: "compliance_answers", Key: []string{"org_id", "standard"}}}},
		{Name: "import_mapping", OrgScoped: true, Parts: []store.Part{{Table: "risk_import_mappings", Key: []string{"org_id", "header_key"}}}},
	}
}
