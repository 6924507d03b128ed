package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/devices/devicesdb"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/webtest"

	"golang.org/x/net/html"

	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/knowledge"
	"github.com/clinsafe/clinsafe/internal/knowledge/knowledgedb"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/web"
)

// idKinds are the kinds of id that route parameters and request bodies
// carry, each found by a query over one organisation's rows ($1 is the
// organisation). Every path parameter of the route table must map to one
// of them (see paramKind), so a new route cannot escape the walk.
var idKinds = map[string]string{
	"users":       `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.org_id = $1 ORDER BY u.platform_admin DESC, u.email LIMIT 3`,
	"tokens":      `SELECT id FROM api_tokens WHERE org_id = $1 AND revoked_at IS NULL ORDER BY id LIMIT 1`,
	"invitations": `SELECT id FROM invitations WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"systems":     `SELECT id FROM risk_systems WHERE org_id = $1 ORDER BY name LIMIT 2`,
	"hazards":     `SELECT id FROM hazards WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"issues":      `SELECT id FROM hazard_log_issues WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"cscrs":       `SELECT id FROM cscr_issues WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"reports":     `SELECT id FROM cscr_issues WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"procedures":  `SELECT id FROM implant_procedures WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"implants":    `SELECT id FROM implants WHERE org_id = $1 AND explanted_on IS NULL ORDER BY id LIMIT 1`,
	"recalls":     `SELECT id FROM recalls WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"patients":    `SELECT id FROM implant_patients WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"patient":     `SELECT patient_id FROM recall_actions WHERE org_id = $1 ORDER BY patient_id LIMIT 1`,
	"gtin":        `SELECT gtin FROM implants WHERE org_id = $1 AND serial <> '' ORDER BY id LIMIT 1`,
	"serial":      `SELECT serial FROM implants WHERE org_id = $1 AND serial <> '' ORDER BY id LIMIT 1`,
	"orgs":        `SELECT id FROM organisations WHERE id = $1`,
	// The FHIR API: a submitted event, its first version, the register.
	"AdverseEvent": `SELECT id FROM events WHERE org_id = $1 AND status <> 'draft' ORDER BY id LIMIT 2`,
	"vid":          `SELECT '1' FROM organisations WHERE id = $1`,
	"Device":       `SELECT id FROM implants WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"Procedure":    `SELECT id FROM implant_procedures WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"Patient":      `SELECT id FROM implant_patients WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"csos":         `SELECT user_id FROM user_roles WHERE org_id = $1 AND role = 'cso' ORDER BY user_id LIMIT 1`,
	"mail":         `SELECT id FROM mail_outbox WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"mine":         `SELECT e.id FROM events e JOIN users u ON u.id = e.reporter_id WHERE e.org_id = $1 AND e.status = 'submitted' AND u.email IN ('walk-all@example.com', 'admin@demo.clinsafe.test') ORDER BY e.id LIMIT 1`,
	"lfpse":        `SELECT event_id FROM lfpse_submissions WHERE org_id = $1 ORDER BY event_id LIMIT 1`,
	"bulk":         `SELECT id FROM bulk_jobs WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"file":         `SELECT 'AdverseEvent.ndjson' FROM organisations WHERE id = $1`,
	// Safety events (seedTriage): the open IT incident that also involves
	// a device (the demo has none such), with its device linked to an
	// implant and a hazard; a hazard of its system it is not linked to; a
	// share; the supplier it went to. The same event serves its handler
	// pages (/events/review/{id}) and API (/api/v1/events/records/{id}).
	"triage": `SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1`,
	"events": `SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1`,
	// One event's handler pages (/events/review/{id}/...) and API
	// (/api/v1/events/records/{id}/...).
	"review":       `SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1`,
	"records":      `SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1`,
	"devices":      `SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1`,
	"hazard":       `SELECT hazard_id FROM event_hazard_links WHERE org_id = $1 AND removed_at IS NULL AND event_id = (SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1) ORDER BY id LIMIT 1`,
	"free_hazard":  `SELECT h.id FROM hazards h WHERE h.org_id = $1 AND h.system_id = (SELECT system_id FROM events WHERE id = (SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1)) AND h.id NOT IN (SELECT hazard_id FROM event_hazard_links WHERE org_id = $1 AND removed_at IS NULL AND event_id = (SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1)) ORDER BY h.id LIMIT 1`,
	"shared":       `SELECT id FROM event_shares WHERE org_id = $1 OR to_org_id = $1 ORDER BY id LIMIT 1`,
	"supplier":     `SELECT to_org_id FROM event_shares WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"link_implant": `SELECT implant_id FROM event_implant_links WHERE org_id = $1 AND removed_at IS NULL AND event_id = (SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1) ORDER BY id LIMIT 1`,
	// Not an id: that event's version, for bodies.
	"records_version": `SELECT CAST(version AS TEXT) FROM events WHERE id = (SELECT id FROM events WHERE org_id = $1 AND agents LIKE '%|9|%' AND agents LIKE '%|3|%' AND system_id IS NOT NULL AND status = 'submitted' ORDER BY id LIMIT 1)`,
	// Not an id: the number of an event's device.
	"n": `SELECT '0' FROM organisations WHERE id = $1`,
	// A learning response with an open action (whose page offers the
	// action's forms), that action, and their versions for bodies.
	"learning":         `SELECT response_id FROM learning_actions WHERE org_id = $1 AND status = 'open' ORDER BY id LIMIT 1`,
	"action":           `SELECT id FROM learning_actions WHERE org_id = $1 AND status = 'open' ORDER BY id LIMIT 1`,
	"learning_version": `SELECT CAST(r.version AS TEXT) FROM learning_responses r WHERE r.id = (SELECT response_id FROM learning_actions WHERE org_id = $1 AND status = 'open' ORDER BY id LIMIT 1)`,
	"action_version":   `SELECT CAST(version AS TEXT) FROM learning_actions WHERE org_id = $1 AND status = 'open' ORDER BY id LIMIT 1`,
	"handlers":         `SELECT user_id FROM user_roles WHERE org_id = $1 AND role = 'handler' ORDER BY user_id LIMIT 1`,
	// Not an id (the same in every organisation, so neither a marker of
	// another's data nor translated): a hazard's number, which names it
	// within an issued version of its log (/risk/issues/{id}/hazards/{ref}).
	"ref": `SELECT CAST(MIN(number) AS TEXT) FROM hazards WHERE org_id = $1`,
	// Safety events: drafts (the reporting pages and the API) and reports
	// of their reporters, local questions.
	"report":    `SELECT id FROM events WHERE org_id = $1 AND status = 'draft' AND reporter_id IS NOT NULL ORDER BY id LIMIT 1`,
	"drafts":    `SELECT id FROM events WHERE org_id = $1 AND status = 'draft' AND reporter_id IS NOT NULL ORDER BY id LIMIT 1`,
	"questions": `SELECT id FROM event_local_questions WHERE org_id = $1 AND retired_at IS NULL ORDER BY id LIMIT 1`,
	// Not ids: a page and an item of the reporting flow, and the public
	// report page of a third organisation (public pages are anyone's).
	"page": `SELECT 'patients' FROM organisations WHERE id = $1`,
	"item": `SELECT '0' FROM organisations WHERE id = $1`,
	"ods":  `SELECT ods_code FROM organisations WHERE ods_code = 'RAS' AND id <> $1`,
	// Training: courses and assignments of the organisation; the
	// enrolment in progress, open quiz attempt and course completion of
	// the walk's learner (demo.TrainLearner); evidence someone else sent
	// for review; a CSO other than the walk's learner.
	"courses":     `SELECT id FROM training_courses WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"enrolments":  `SELECT e.id FROM training_enrolments e JOIN users u ON u.id = e.user_id WHERE e.org_id = $1 AND e.completed_at IS NULL AND u.email IN ('walk-all@example.com', 'admin@demo.clinsafe.test') ORDER BY e.id LIMIT 1`,
	"attempts":    `SELECT a.id FROM training_attempts a JOIN users u ON u.id = a.user_id WHERE a.org_id = $1 AND a.submitted_at IS NULL AND u.email IN ('walk-all@example.com', 'admin@demo.clinsafe.test') ORDER BY a.id LIMIT 1`,
	"completions": `SELECT c.id FROM training_completions c JOIN users u ON u.id = c.user_id WHERE c.org_id = $1 AND c.source = 'course' AND u.email IN ('walk-all@example.com', 'admin@demo.clinsafe.test') ORDER BY c.id LIMIT 1`,
	"assignments": `SELECT id FROM training_assignments WHERE org_id = $1 AND withdrawn_at IS NULL ORDER BY id LIMIT 1`,
	"evidence":    `SELECT e.id FROM training_evidence e JOIN users u ON u.id = e.user_id WHERE e.org_id = $1 AND e.status = 'submitted' AND u.email NOT IN ('walk-all@example.com', 'admin@demo.clinsafe.test') ORDER BY e.id LIMIT 1`,
	"competency":  `SELECT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.org_id = $1 AND r.role = 'cso' AND u.email NOT IN ('walk-all@example.com', 'admin@demo.clinsafe.test') ORDER BY r.user_id LIMIT 1`,
	// Evidence: a change marked on a measure, a network the organisation
	// is a member of, and (not an id, the same everywhere) a measure's code.
	"changes":  `SELECT id FROM evidence_changes WHERE org_id = $1 ORDER BY id LIMIT 1`,
	"networks": `SELECT network_id FROM network_members WHERE org_id = $1 ORDER BY network_id LIMIT 1`,
	"code":     `SELECT 'it_incidents' FROM organisations WHERE id = $1`,
	// The knowledge hub: a private document with a draft (the demo's
	// guidance), its version for bodies, and a version number.
	"documents":         `SELECT id FROM knowledge_documents WHERE org_id = $1 AND kind = 'guidance' AND source = '' AND latest > published ORDER BY id LIMIT 1`,
	"documents_version": `SELECT CAST(version AS TEXT) FROM knowledge_documents WHERE org_id = $1 AND kind = 'guidance' AND source = '' AND latest > published ORDER BY id LIMIT 1`,
	"number":            `SELECT '1' FROM organisations WHERE id = $1`,
	// Not an id: the current version of the first hazard, for bodies.
	"version": `SELECT CAST(version AS TEXT) FROM hazards WHERE org_id = $1 ORDER BY id LIMIT 1`,
}

// paramKind names the kind of a path parameter: its own name, or for {id}
// the path segment before it ("/risk/hazards/{id}" is a hazard).
func paramKind(path, param string) string {
	if param != "id" {
		return param
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s == "{id}" && i > 0 {
			return segs[i-1]
		}
	}
	return ""
}

type orgIDs map[string][]string

func idsOf(t *testing.T, st *store.DB, orgID store.OrgID) orgIDs {
	t.Helper()
	out := orgIDs{}
	for kind, q := range idKinds {
		rows, err := st.SQL().Query(q, orgID)
		if err != nil {
			t.Fatalf("%s ids: %v", kind, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out[kind] = append(out[kind], id)
		}
		rows.Close()
		if len(out[kind]) == 0 {
			t.Fatalf("organisation %s has no %s to walk the routes with", orgID, kind)
		}
	}
	return out
}

// fill replaces the parameters of a route pattern, and {kind} placeholders
// in a body, with ids of one organisation (the n-th of its kind, wrapping).
func (ids orgIDs) fill(pattern string, n int) string {
	return pathParam.ReplaceAllStringFunc(pattern, func(m string) string {
		name := strings.Trim(m, "{}")
		kind := name
		if _, ok := ids[kind]; !ok {
			kind = paramKind(pattern, name)
		}
		list := ids[kind]
		if len(list) == 0 {
			return m
		}
		return url.PathEscape(list[n%len(list)])
	})
}

// translate replaces every id of a in s by the id of b of the same kind
// and position, so a form harvested from a's page attacks b's records.
func translate(s string, a, b orgIDs) string {
	var pairs []string
	for kind, list := range a {
		if kind == "version" || kind == "ref" || kind == "page" || kind == "item" || kind == "ods" || kind == "code" || kind == "number" || kind == "documents_version" {
			continue
		}
		for i, id := range list {
			pairs = append(pairs, id, b[kind][i%len(b[kind])])
		}
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// apiBodies are request bodies for the JSON routes that change state, with
// {kind} placeholders for ids. Each is checked to work on the acting
// organisation's own records at the end of the walk, so that the attack on
// the other organisation is a real request, not one refused for its body.
var apiBodies = map[string]string{
	// The knowledge hub.
	"POST /api/v1/knowledge/documents":              `{"kind":"guidance","title":"Walk","body":"Walk"}`,
	"PATCH /api/v1/knowledge/documents/{id}":        `{"version":{documents_version},"kind":"guidance","title":"Walk","body":"Walked"}`,
	"POST /api/v1/knowledge/documents/{id}/publish": `{"version":{documents_version}}`,

	"PUT /api/v1/systems/{id}":                                 `{"name":"Renamed by the walk","manufacturer":"M","intended_use":"U","standard":"DCB0160","cso_ids":["{csos}"]}`,
	"POST /api/v1/systems/{id}/releases":                       `{"version":"9.9","date":"2026-01-02","notes":"walk"}`,
	"POST /api/v1/systems/{id}/hazards":                        `{"template":"wrong-patient"}`,
	"PUT /api/v1/hazards/{id}":                                 `{"name":"Renamed hazard","description":"d","initial_severity":"major","initial_likelihood":"medium","status":"open","version":{version}}`,
	"POST /api/v1/systems/{id}/issues":                         `{"comment":"walk","password":"` + webtest.Password + `"}`,
	"PUT /api/v1/systems/{id}/cscr":                            webtest.CSCRDraftJSON("9.9"),
	"POST /api/v1/systems/{id}/reports":                        `{"password":"` + webtest.Password + `"}`,
	"POST /api/v1/devices/procedures/{id}/implants":            `{"barcode":"(01)09506000134376(17)301231(10)WALK1(21)WALK1"}`,
	"POST /api/v1/devices/implants/{id}/explant":               `{"date":"2026-01-02","reason":"walk"}`,
	"POST /api/v1/devices/recalls/{id}/match":                  `{}`,
	"PUT /api/v1/devices/recalls/{id}/patients/{patient}":      `{"status":"contacted","note":"walk"}`,
	"POST /api/v1/devices/recalls/{id}/patients":               `{"patient_ids":["{patient}"],"status":"contacted","note":"walk"}`,
	"POST /api/v1/devices/recalls/{id}/close":                  ``,
	"POST /api/v1/events/records/{id}/messages":                `{"body":"A question from the walk"}`,
	"PUT /api/v1/users/{id}/roles":                             `{"roles":["admin","cso"]}`,
	"POST /api/v1/tokens":                                      `{"name":"walk"}`,
	"POST /api/v1/events/records/{id}/hazards":                 `{"hazard_id":"{free_hazard}","note":"walk"}`,
	"POST /api/v1/events/records/{id}/hazards/{hazard}/unlink": ``,
	"POST /api/v1/events/records/{id}/shares":                  `{"to_org_id":"{supplier}","description":"walk","consent_by":"Walk","consent_basis":"caldicott","consented_on":"2026-11-02"}`,
	"POST /api/v1/events/records/{id}/devices/{n}/implant":     `{"implant_id":"{link_implant}"}`,
	"DELETE /api/v1/tokens/{id}":                               ``,
	"DELETE /api/v1/invitations/{id}":                          ``,
	"POST /api/v1/systems/{id}/import":                         ``,
	"POST /api/v1/systems":                                     ``,
	"POST /api/v1/devices/catalogue":                           ``,
	"POST /api/v1/devices/procedures":                          ``,
	"POST /api/v1/devices/recalls":                             ``,
	"POST /api/v1/users":                                       ``,
	"PUT /api/v1/risk/plan":                                    ``,
	"PUT /api/v1/risk/compliance":                              ``,
	"POST /api/v1/events/learning":                             `{"title":"Walk","type":"aar","events":["{events}"]}`,
	"PATCH /api/v1/events/learning/{id}":                       `{"title":"Walked","status":"in_progress","version":{learning_version}}`,
	"POST /api/v1/events/learning/{id}/actions":                `{"description":"Walk","owner_id":"{csos}","due_on":"2027-01-31","measure":"m"}`,
	"PATCH /api/v1/events/learning/{id}/actions/{action}":      `{"description":"Walk","owner_id":"{csos}","due_on":"2027-01-31","measure":"m","status":"open","version":{action_version}}`,
	"PUT /api/v1/events/learning/plan":                         `{"rules":[{"name":"All","response":"aar"}]}`,
	"PATCH /api/v1/events/records/{id}":                        `{"version":{records_version},"assigned_to":"{handlers}","notes":"walk"}`,
	"POST /api/v1/events/records/{id}/status":                  ``,
	"POST /api/v1/events/records/{id}/addenda":                 `{"body":"walk"}`,
	"POST /api/v1/events/records/{id}/merge":                   ``,
	"POST /api/v1/events":                                      ``,
	"POST /api/v1/events/drafts":                               `{"record_type":"1","answers":{}}`,
	"PUT /api/v1/events/drafts/{id}":                           `{"record_type":"1","answers":{"description":["walk"]},"version":1}`,
	"POST /api/v1/events/drafts/{id}/submit":                   ``,
	// Training: a course, a new version of the first one (still at
	// version 1 when the bodies are checked), an assignment by role.
	"POST /api/v1/training/courses":               `{"source":"---\ntitle: Walk course\nlevel: local\nminutes: 5\naudience: reporter\n---\n# One\nText\n## Quiz\n? Q\n+ y\n  > r\n- n\n  > w\n"}`,
	"POST /api/v1/training/courses/{id}/versions": `{"source":"---\ntitle: Walk course\nlevel: local\nminutes: 5\naudience: reporter\n---\n# One\nText\n## Quiz\n? Q\n+ y\n  > r\n- n\n  > w\n","version":1}`,
	"POST /api/v1/training/assignments":           `{"course_id":"{courses}","role":"reporter","due_on":"2027-01-31"}`,
}

// worldOf is every row that belongs to org, or to its people anywhere
// (their accounts, their roles in any organisation, their sessions and
// tokens), as sorted text: if any request of another organisation changes
// it, the walk says so.
func worldOf(t *testing.T, st *store.DB, orgID store.OrgID, people []string) string {
	t.Helper()
	var tables []string
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`
	if st.Engine() == "sqlite" {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`
	}
	rows, err := st.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	in := "'" + strings.Join(people, "','") + "'"
	var b strings.Builder
	for _, table := range tables {
		cols := columnsOf(t, st, table)
		var conds []string
		if cols["org_id"] {
			conds = append(conds, "org_id = '"+string(orgID)+"'")
		}
		if cols["user_id"] {
			conds = append(conds, "user_id IN ("+in+")")
		}
		if table == "users" {
			conds = append(conds, "id IN ("+in+")")
		}
		if table == "organisations" {
			conds = append(conds, "id = '"+string(orgID)+"'")
		}
		if len(conds) == 0 {
			continue
		}
		rs, err := st.SQL().Query(`SELECT * FROM ` + table + ` WHERE ` + strings.Join(conds, " OR "))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		n, _ := rs.Columns()
		var lines []string
		for rs.Next() {
			vals := make([]any, len(n))
			ptrs := make([]any, len(n))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var sb strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&sb, "%s=%v;", n[i], v)
			}
			lines = append(lines, sb.String())
		}
		rs.Close()
		sort.Strings(lines)
		fmt.Fprintf(&b, "## %s (%d)\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

func columnsOf(t *testing.T, st *store.DB, table string) map[string]bool {
	t.Helper()
	rs, err := st.SQL().Query(`SELECT * FROM ` + table + ` WHERE 1 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	names, _ := rs.Columns()
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// firstDiff names the first line where two worlds differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("before: %.300s\nafter:  %.300s", x, y)
		}
	}
	return ""
}

// harvest reads every POST form of an HTML page: action -> its fields as
// a browser would submit them (the first button's value aside).
func harvest(body string, into map[string]url.Values) {
	z := html.NewTokenizer(strings.NewReader(body))
	var action string
	var vals url.Values
	var inSelect, inOption, inTextarea string
	selected := map[string]bool{}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		tok := z.Token()
		attr := func(k string) (string, bool) {
			for _, a := range tok.Attr {
				if a.Key == k {
					return a.Val, true
				}
			}
			return "", false
		}
		switch {
		case tt == html.StartTagToken && tok.Data == "form":
			m, _ := attr("method")
			a, _ := attr("action")
			if strings.EqualFold(m, "post") {
				action, vals = a, url.Values{}
			}
		case tt == html.EndTagToken && tok.Data == "form":
			if action != "" {
				if _, seen := into[action]; !seen {
					into[action] = vals
				}
			}
			action = ""
		case action == "":
		case tok.Data == "input" && tt != html.EndTagToken:
			name, _ := attr("name")
			typ, _ := attr("type")
			v, _ := attr("value")
			_, checked := attr("checked")
			switch {
			case name == "", typ == "submit", typ == "button", typ == "file":
			case (typ == "checkbox" || typ == "radio") && !checked:
				if typ == "radio" && !vals.Has(name) && !selected[name] {
					vals.Set(name, v)
				}
			case typ == "radio":
				vals.Set(name, v)
				selected[name] = true
			case typ == "password":
				vals.Set(name, webtest.Password)
			default:
				vals.Add(name, v)
			}
		case tok.Data == "select" && tt == html.StartTagToken:
			inSelect, _ = attr("name")
		case tok.Data == "select" && tt == html.EndTagToken:
			inSelect = ""
		case tok.Data == "option" && tt == html.StartTagToken && inSelect != "":
			v, _ := attr("value")
			_, sel := attr("selected")
			if sel || !vals.Has(inSelect) {
				vals.Set(inSelect, v)
			}
			inOption = v
		case tok.Data == "textarea" && tt == html.StartTagToken:
			inTextarea, _ = attr("name")
			vals.Set(inTextarea, "")
		case tt == html.TextToken && inTextarea != "":
			vals.Set(inTextarea, vals.Get(inTextarea)+tok.Data)
		case tok.Data == "textarea" && tt == html.EndTagToken:
			inTextarea = ""
		}
		_ = inOption
	}
}

// TestCrossOrgWalk walks every route as every role of organisation A, an
// instance administrator who belongs to A, with every path parameter and
// every id in the body naming a real record of organisation B of the right
// kind (a system, a hazard, an issued version, a procedure, a recall, a
// person, ...). B is the full demo trust. After the requests of each
// route, every row of B and of B's people must be exactly as before, and
// no answer may show B's records.
func TestCrossOrgWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		op := audit.WithActor(context.Background(), audit.Actor{Name: "walk", Operator: true})
		if _, err := demo.Load(op, st, demo.Options{Password: webtest.Password}); err != nil {
			t.Fatal(err)
		}
		victim, err := st.OrgByODS(op, demo.TrustODS)
		if err != nil {
			t.Fatal(err)
		}
		// Organisation A gets the same demo content, loaded by the same
		// loaders, so that every kind of record exists on both sides.
		orgA, err := st.CreateOrg(op, store.Org{ODSCode: "RAA", Name: "Alpha Trust", Kind: "trust"})
		if err != nil {
			t.Fatal(err)
		}
		supA, err := st.CreateOrg(op, store.Org{ODSCode: "RAS", Name: "Alpha Supplier", Kind: "supplier"})
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]store.User{}
		mk := func(key string, org store.Org, platform bool, roles ...auth.Role) store.User {
			u, err := st.CreateUser(op, store.NewUser{Email: "walk-" + key + "@example.com", Name: "Walk " + key, Password: webtest.Password, OrgID: org.ID, Roles: roles, PlatformAdmin: platform})
			if err != nil {
				t.Fatal(err)
			}
			users[key] = u
			return u
		}
		for _, r := range auth.AllRoles {
			mk(string(r), orgA, false, r)
		}
		all := mk("all", orgA, false, auth.AllRoles...)
		// A second organisation, so that the switcher's form is offered.
		if err := st.AddMember(op, supA.ID, all.ID, []auth.Role{auth.Reporter}); err != nil {
			t.Fatal(err)
		}
		mk("platform", orgA, true, auth.Reporter)
		supCSO := mk("supplier-cso", supA, false, auth.CSO, auth.Admin)
		people := map[string]store.User{"cso@demo.clinsafe.test": users["cso"], "cso@meridian.clinsafe.test": supCSO}
		if err := st.AddMember(op, orgA.ID, users["cso"].ID, []auth.Role{auth.CSO, auth.Admin}); err != nil {
			t.Fatal(err)
		}
		for _, l := range demo.Loaders {
			if err := l(op, st, orgA, supA, people, webtest.Password); err != nil {
				t.Fatal(err)
			}
		}
		// Training records of the walk's learner and of another person of A
		// (the trust's are the demo's).
		for _, u := range []store.User{all, users["reporter"]} {
			if err := demo.TrainLearner(op, st, orgA.ID, u); err != nil {
				t.Fatal(err)
			}
		}
		// Safety events on both sides: a draft and a report of a person of
		// the organisation, and a local question.
		for _, o := range []struct {
			org  store.Org
			user store.User
		}{{orgA, all}, {victim, webtest.UserByEmail(t, st, demo.AdminEmail)}} {
			ev := eventsdb.New(st)
			as := audit.WithActor(context.Background(), audit.Actor{UserID: o.user.ID, Name: o.user.Name})
			draft := events.Record{Type: events.Incident, Answers: events.Answers{events.AnsPatientsSaid: {"y"}},
				Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"5"}}}}}
			if _, err := ev.SaveDraft(as, o.org.ID, "", 0, draft, events.AnsType); err != nil {
				t.Fatal(err)
			}
			risk := events.Record{Type: events.Risk, Answers: events.Answers{events.AnsDescription: {"The drug fridge does not lock"},
				events.AnsLocation: {"Ward 2"}, events.AnsServiceArea: {"acute"}, events.AnsAgents: {"10"}, events.AnsConcern: {"3"},
				"risk.theme": {"1"}, "risk.imminent": {"n"}, events.AnsDataSharing: {events.DataShare}}}
			if _, err := ev.Report(as, o.org.ID, risk, eventsdb.Submission{Audience: events.Staff, ReporterID: o.user.ID}); err != nil {
				t.Fatal(err)
			}
			if _, err := ev.AddLocalQuestion(op, o.org.ID, events.LocalQuestion{Type: events.Incident, Kind: events.KindText, Prompt: "Which site?"}); err != nil {
				t.Fatal(err)
			}
		}
		// Tokens, invitations and recall work on both sides.
		for _, o := range []struct {
			org  store.Org
			user store.User
		}{{orgA, all}, {victim, webtest.UserByEmail(t, st, demo.AdminEmail)}} {
			if _, _, err := st.CreateToken(op, o.org.ID, o.user.ID, "walk token", nil, nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.Invite(op, o.org.ID, "invitee@example.com", "Invitee", []auth.Role{auth.Reporter}); err != nil {
				t.Fatal(err)
			}
			if err := st.Tx(op, func(tx *store.Tx) error {
				return mail.Enqueue(op, tx, mail.Message{OrgID: o.org.ID, Kind: "events.feedback", To: "reporter@example.com", Subject: "Walk", Body: "Walk"})
			}); err != nil {
				t.Fatal(err)
			}
			// An event queued for LFPSE, for the queue's retry.
			var queued string
			if err := st.SQL().QueryRow(`SELECT id FROM events WHERE org_id = $1 AND status <> 'draft' ORDER BY id DESC LIMIT 1`, o.org.ID).Scan(&queued); err != nil {
				t.Fatal(err)
			}
			if _, err := lfpse.New(st).MarkReady(op, o.org.ID, queued); err != nil {
				t.Fatal(err)
			}
			// A finished Bulk Data export, for its status, files and cancel.
			if _, err := st.SQL().Exec(`INSERT INTO bulk_jobs (id, org_id, requested_by, request_url, types, status, created_at)
				VALUES ($1, $2, $3, '/fhir/R4/$export', 'AdverseEvent', 'done', $4)`, store.NewID(), o.org.ID, o.user.ID, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			recalls, err := devicesdb.New(st).ListRecalls(op, o.org.ID)
			if err != nil || len(recalls) == 0 {
				t.Fatalf("recalls: %d, %v", len(recalls), err)
			}
			if _, err := devicesdb.New(st).StartRecallActions(op, o.org.ID, recalls[0].ID); err != nil {
				t.Fatal(err)
			}
			// A staff report of the acting person, for the events routes.
			if _, err := eventsdb.New(st).Report(storetest.As(o.user), o.org.ID, sweepEvent(), eventsdb.Submission{Audience: events.Staff, ReporterID: o.user.ID}); err != nil {
				t.Fatal(err)
			}
		}
		demoSupplier, err := st.OrgByODS(op, demo.SupplierODS)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []struct {
			org, sup store.Org
			by       store.User
		}{{orgA, supA, users["cso"]}, {victim, demoSupplier, webtest.UserByEmail(t, st, demo.AdminEmail)}} {
			imp, gtin, serial := firstImplant(t, st, o.org.ID)
			seedTriage(t, st, o.org.ID, o.by, triageSystem(t, st, o.org.ID), o.sup.ID, imp, gtin, serial)
			for i := range 2 {
				if _, _, err := eventsdb.New(st).ReportPublic(op, o.org.ID, publicIncident(fmt.Sprintf("Walk event %d", i))); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A private document of B, published, whose title, words and id no
		// answer to A may show (the demo's documents are on both sides).
		kbB := knowledgedb.New(st)
		asB := audit.WithActor(context.Background(), audit.Actor{UserID: webtest.UserByEmail(t, st, demo.AdminEmail).ID, Name: "Admin"})
		privB, err := kbB.Create(asB, victim.ID, knowledge.Draft{Kind: knowledge.Guidance, Sharing: knowledge.Private, Title: "Walk private guidance Okapi",
			Summary: "Okapi summary", Body: "Okapiprivatebody insulin advice", Tags: []string{"medication"}})
		if err != nil {
			t.Fatal(err)
		}
		if privB, err = kbB.Publish(asB, victim.ID, privB.ID, privB.Version); err != nil {
			t.Fatal(err)
		}
		idsA, idsB := idsOf(t, st, orgA.ID), idsOf(t, st, victim.ID)
		var peopleB []string
		members, err := st.ListUsers(op, victim.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range members {
			peopleB = append(peopleB, u.ID)
		}
		markers := []string{victim.Name, demo.AdminEmail, "reporter@demo.clinsafe.test", "Okapi", privB.ID}
		// B's name may show on the knowledge hub's lists only as the
		// publisher of what B makes public or shares to a network of A.
		var publicB, sharedB int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM knowledge_documents WHERE org_id = $1 AND published > 0 AND sharing = 'public'`, victim.ID).Scan(&publicB); err != nil {
			t.Fatal(err)
		}
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM knowledge_documents d WHERE d.org_id = $1 AND d.published > 0 AND d.sharing = 'network'
			AND EXISTS (SELECT 1 FROM network_members a JOIN network_members b ON b.network_id = a.network_id WHERE a.org_id = $2 AND b.org_id = d.org_id)`, victim.ID, orgA.ID).Scan(&sharedB); err != nil {
			t.Fatal(err)
		}
		if publicB == 0 {
			t.Fatal("the walk's data has no public document of B, so the knowledge hub's exception below is untested")
		}
		publisherB := regexp.MustCompile(`KD-\d+, ` + regexp.QuoteMeta(victim.Name) + `|"organisation": "` + regexp.QuoteMeta(victim.Name) + `"`)
		for kind, list := range idsB {
			if kind != "gtin" && kind != "serial" && kind != "version" && kind != "ref" && kind != "ods" && kind != "n" && kind != "supplier" &&
				kind != "learning_version" && kind != "action_version" && kind != "records_version" && kind != "page" && kind != "item" && kind != "vid" && kind != "code" &&
				kind != "number" && kind != "documents_version" {
				markers = append(markers, list...)
			}
		}

		cfg := webtest.TestConfig(t)
		srv, err := app.NewServer(web.Options{Store: st, Config: cfg, Logger: webtest.QuietLog})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv)
		t.Cleanup(hs.Close)
		ts := hs.URL
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		send := func(method, path, body string, u *store.User) (int, string) {
			var hdr []string
			if u != nil {
				hdr = []string{"Cookie", "clinsafe_session=" + webtest.SessionFor(t, st, *u)}
			}
			resp, got := webtest.Do(t, client, method, ts+path, body, hdr...)
			return resp.StatusCode, got
		}

		routes := srv.Routes()
		// Every parameter has a kind with real ids.
		for _, rt := range routes {
			for _, m := range pathParam.FindAllString(rt.Path, -1) {
				if k := paramKind(rt.Path, strings.Trim(m, "{}")); m != "{$}" && idsB[k] == nil {
					t.Fatalf("%s %s: parameter %s has no id kind in idKinds", rt.Method, rt.Path, m)
				}
			}
		}
		// Forms as the pages of A offer them, to replay against B.
		forms := map[string]url.Values{}
		platform := users["platform"]
		for _, rt := range routes {
			if rt.Method == "GET" && !rt.API && !rt.Public {
				for n := 0; n < 3; n++ {
					for _, u := range []*store.User{&all, &platform} {
						_, body := send("GET", idsA.fill(strings.ReplaceAll(rt.Path, "{$}", ""), n), "", u)
						harvest(body, forms)
					}
				}
			}
		}
		// Whoever holds every role passes every route's role check, so the
		// organisation scoping is what is tested; the role checks
		// themselves are TestRouteRoleMatrix's. An instance administrator
		// and a plain administrator act too.
		admin := users["admin"]
		actors := []*store.User{&all, &platform, &admin}

		before := worldOf(t, st, victim.ID, peopleB)
		var noForm []string
		for _, rt := range routes {
			mutating := rt.Method != "GET"
			pattern := strings.ReplaceAll(rt.Path, "{$}", "")
			rounds := 1
			for _, m := range bodyParam.FindAllString(pattern+apiBodies[rt.Method+" "+rt.Path], -1) {
				if k := paramKind(pattern, strings.Trim(m, "{}")); len(idsB[k]) > rounds {
					rounds = len(idsB[k])
				}
			}
			body := ""
			switch {
			case rt.API:
				body = apiBodies[rt.Method+" "+rt.Path]
			case mutating:
				found := false
				for n := 0; n < rounds && !found; n++ {
					var f url.Values
					if f, found = forms[idsA.fill(pattern, n)]; found {
						body = f.Encode()
					}
				}
				if !found && rt.Method == "POST" && !rt.Public && rt.Path != "/logout" && !needsSecret[rt.Path] {
					noForm = append(noForm, rt.Path)
				}
			}
			if body == "" && mutating && rt.Method != "DELETE" {
				body = "x=1"
				if rt.API {
					body = "{}"
				}
			}
			for n := 0; n < rounds; n++ {
				pathB := idsB.fill(pattern, n)
				bodyB := translate(idsB.fillBody(body, n), idsA, idsB)
				for _, a := range actors {
					if a.PlatformAdmin && mutating && strings.HasPrefix(rt.Path, "/admin/networks") {
						continue // instance administrators manage every network (TestAdminNetworks); others get 403 here
					}
					code, got := send(rt.Method, pathB, bodyB, a)
					where := fmt.Sprintf("%s %s as %s", rt.Method, pathB, a.Name)
					if code >= 500 {
						t.Errorf("%s: status %d", where, code)
					}
					for _, m := range markers {
						if a.PlatformAdmin && strings.HasPrefix(rt.Path, "/admin/orgs") && m == victim.Name {
							continue // instance administrators see the directory of organisations
						}
						if a.PlatformAdmin && strings.HasPrefix(rt.Path, "/admin/networks") {
							continue // and manage every network, its members and analysts
						}
						if rt.Public && strings.Contains(rt.Path, "{ods}") && m == victim.Name {
							continue // an organisation's public pages name it
						}
						shown := got
						if m == victim.Name && (rt.Path == "/library" && publicB > 0 || (rt.Path == "/knowledge" || rt.Path == "/api/v1/knowledge/documents") && publicB+sharedB > 0) {
							// B's public (and shared) documents are A's to read, and
							// each names its publisher, there and nowhere else.
							shown = publisherB.ReplaceAllString(got, "")
						}
						if strings.Contains(shown, m) {
							t.Errorf("%s: answer shows organisation B's %q", where, m)
						}
					}
				}
			}
			if mutating {
				if after := worldOf(t, st, victim.ID, peopleB); after != before {
					t.Errorf("%s %s changed organisation B:\n%s", rt.Method, rt.Path, firstDiff(before, after))
					before = after
				}
			}
		}
		if len(noForm) > 0 {
			t.Errorf("no page of organisation A offers a form for %d routes, so they were walked with a dummy body: %v", len(noForm), noForm)
		}
		// The JSON bodies are real: each works on A's own records (after a
		// complete report draft, which issuing a report needs).
		if code, got := send("PUT", idsA.fill("/api/v1/systems/{id}/cscr", 0), apiBodies["PUT /api/v1/systems/{id}/cscr"], &all); code != 200 {
			t.Errorf("complete report draft for A: %d %.300s", code, got)
		}
		for key, body := range apiBodies {
			if body == "" {
				continue
			}
			method, pattern, _ := strings.Cut(key, " ")
			found := false
			for _, rt := range routes {
				found = found || (rt.Method == method && rt.Path == pattern)
			}
			if !found {
				t.Errorf("apiBodies has %s, which is not a route", key)
				continue
			}
			code, got := send(method, idsA.fill(pattern, 0), withVersionsNow(t, st, orgA.ID, idsA).fillBody(body, 0), &all)
			if code >= 300 {
				t.Errorf("%s on A's own records: %d %.300s", key, code, got)
			}
		}
	})
}

var bodyParam = regexp.MustCompile(`\{[a-z_]+\}`)

// needsSecret lists the routes whose form carries a one-time secret that
// no page shows (an invitation code); the store tests cover them.
var needsSecret = map[string]bool{"/invite/accept": true,
	// Only a supplier organisation's pages offer these (organisation A is
	// a trust); the triage tests cover them.
	"/events/shared/{id}/hazards": true, "/events/shared/{id}/hazards/{hazard}/unlink": true}

// withVersionsNow is ids with the current version of each record whose
// version a body carries (the kinds named *version, read again now): the
// walk changes records, and a stale version is refused.
func withVersionsNow(t *testing.T, st *store.DB, orgID store.OrgID, ids orgIDs) orgIDs {
	t.Helper()
	out := orgIDs{}
	for k, v := range ids {
		out[k] = v
	}
	versionOf := map[string]string{
		"records_version":  `SELECT CAST(version AS TEXT) FROM events WHERE org_id = $1 AND id = $2`,
		"learning_version": `SELECT CAST(version AS TEXT) FROM learning_responses WHERE org_id = $1 AND id = $2`,
		"action_version":   `SELECT CAST(version AS TEXT) FROM learning_actions WHERE org_id = $1 AND id = $2`,
		"version":          `SELECT CAST(version AS TEXT) FROM hazards WHERE org_id = $1 AND id = $2`,

		"documents_version": `SELECT CAST(version AS TEXT) FROM knowledge_documents WHERE org_id = $1 AND id = $2`,
	}
	of := map[string]string{"records_version": "records", "learning_version": "learning", "action_version": "action", "version": "hazards", "documents_version": "documents"}
	for k, q := range versionOf {
		if len(ids[of[k]]) == 0 {
			continue
		}
		var v string
		if err := st.SQL().QueryRow(q, orgID, ids[of[k]][0]).Scan(&v); err == nil {
			out[k] = []string{v}
		}
	}
	return out
}

// fillBody replaces {kind} placeholders in a JSON body.
func (ids orgIDs) fillBody(body string, n int) string {
	return bodyParam.ReplaceAllStringFunc(body, func(m string) string {
		if list := ids[strings.Trim(m, "{}")]; len(list) > 0 {
			return list[n%len(list)]
		}
		return m
	})
}

// publicIncident is a complete incident as a patient reports it on the
// public page, for the safety events routes of the walk and the sweep.
func publicIncident(desc string) events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {desc}, events.AnsWhenKind: {"exact"}, events.AnsDate: {"2026-01-02"}, events.AnsTime: {"08:40"},
		events.AnsLocation: {"Ward 1"}, events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"y"}, events.AnsConcern: {"4"},
		events.AnsReporterType: {"patient"}, events.AnsDataSharing: {events.DataShare}},
		Groups: map[string][]events.Answers{events.GroupPatients: {{events.PatPhysical: {"4"}, events.PatPsych: {"4"}}},
			events.GroupMedicines: {{"name": {"Warfarin"}}}}}
}
