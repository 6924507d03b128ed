package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/clinsafe/clinsafe/internal/app"
	"github.com/clinsafe/clinsafe/internal/audit"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/clock"
	"github.com/clinsafe/clinsafe/internal/demo"
	"github.com/clinsafe/clinsafe/internal/events"
	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/fhir/lfpse"
	"github.com/clinsafe/clinsafe/internal/mail"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// The bad-input sweep walks every route of the table, signed in as a user
// who holds every role and is an instance administrator, and sends it bad
// values for every path parameter, query parameter, form field and JSON
// field: NUL, bytes that are not UTF-8, huge strings, wrong types, unknown
// fields, malformed and deeply nested JSON, malformed ids. No answer may be
// a 5xx and the server may log no panic.

// lockedBuffer collects the server's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const invalidUTF8 = "\xff\xfe"

// badText is sent for every form field and (JSON-encoded) for every JSON
// string value: each must be refused or stored, never fail the server.
var badText = []string{
	"x\x00y", "x" + invalidUTF8, "\t\r\n\x1b[31m\x7f", "abc", "-1", "99999999999999999999999", "2026-02-30",
	strings.Repeat("€", 30_000), // 90 KB: over every text limit, under the body limit
}

// moreText is sent, with badText, in every field of a form at once.
var moreText = []string{"", "0", "1e308", "%_\\", "' OR 1=1 --", "<script>x</script>", "\U0001F600\u202e"}

// badQuery is sent for every query parameter.
var badQuery = []string{"%00", "%ff", "%09%0d%0a", "abc", "-1", "99999999999999999999999", "2026-02-30",
	url.QueryEscape(strings.Repeat("x%", 25_000)), "%2F%2Fevil.example"}

// queryParams are the query parameters the handlers read (see docs/api*.md
// and the GET forms), and one that none reads.
var queryParams = []string{"q", "next", "format", "from", "to", "actor", "action", "entity", "before", "limit",
	"serial", "actions", "status", "basis", "offset", "standard", "supplier",
	"type", "harm", "agent", "location", "system", "assigned", "sort",
	"period", "dim", "value", "filter", "direction", "baseline", "screen", "shift", "target", "measure", "m", "zz_unknown",
	"kind", "tag", "v", "version", "event", "response", "set"}

// badPathValues replace each path parameter in turn.
var badPathValues = []string{"%00", "%ff", strings.Repeat("a", 5000), "not-an-id", "01936F0E-0000-7000-8000-000000000000", "%2e%2e", "-1"}

// badBodies are sent to every JSON route as whole bodies.
var badBodies = []string{
	"", "{", `{"a":`, "[]", `"text"`, "123", "null", "{} {}", "{}garbage", `{"a":1,"a":2}`,
	"{\"\xff\":1}", "{\"a\":\"\xff\"}", `{"a":"\u0000"}`, `{"\u0000":1}`,
	`{"a":` + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "}",
	strings.Repeat(`{"a":`, 10_000) + "1" + strings.Repeat("}", 10_000),
	`{"a":"` + strings.Repeat("x", 2<<20) + `"}`, // over the 1 MB limit
}

// jsonExamples is a valid body for each JSON route that takes one, from
// docs/api*.md; {name} stands for a record made by the sweep's set-up.
// Each is mutated field by field. "GET:" takes the body from a GET of the
// same path (a round trip). jsonQuery adds a query string.
var jsonExamples = map[string]string{
	"POST /fhir/R4/AdverseEvent":     fhirIncident,
	"PUT /fhir/R4/AdverseEvent/{id}": "GET:",
	// One line of NDJSON is one resource.
	"POST /fhir/R4/AdverseEvent/$import":            fhirIncident,
	"POST /api/v1/events/records/{id}/lfpse":        `{}`,
	"POST /fhir/R4":                                 `{"resourceType":"Bundle","type":"batch","entry":[{"resource":` + fhirIncident + `,"request":{"method":"POST","url":"AdverseEvent"}},{"request":{"method":"GET","url":"AdverseEvent/{events}"}}]}`,
	"POST /fhir/R4/{$}":                             `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":` + fhirIncident + `,"request":{"method":"POST","url":"AdverseEvent","ifNoneExist":"identifier=https://epr.example/ids|S-1"}}]}`,
	"POST /api/v1/knowledge/documents":              `{"kind":"guidance","title":"Insulin units","summary":"S","body":"# Insulin\n\nCheck the unit.","sharing":"public","tags":["medication"],"system_types":["eprescribing"],"links":[{"title":"NHS","url":"https://www.nhs.uk"}],"review_on":"2027-06-30"}`,
	"PATCH /api/v1/knowledge/documents/{id}":        `{"version":1,"title":"Insulin units","body":"Check the unit twice.","sharing":"private","tags":["medication"]}`,
	"POST /api/v1/knowledge/documents/{id}/publish": `{"version":2}`,

	"POST /api/v1/users":                                       `{"email":"sweep-new@example.com","name":"New Person","roles":["reporter"]}`,
	"PUT /api/v1/users/{id}/roles":                             `{"roles":["reporter","cso"]}`,
	"POST /api/v1/tokens":                                      `{"name":"Theatre feed","user_id":"{user}","expires_on":"2027-03-31"}`,
	"POST /api/v1/systems":                                     systemExample,
	"PUT /api/v1/systems/{id}":                                 systemExample,
	"POST /api/v1/systems/{id}/releases":                       `{"version":"5.2","date":"2026-11-01","notes":"Notes"}`,
	"POST /api/v1/systems/{id}/hazards":                        hazardExample,
	"PUT /api/v1/hazards/{id}":                                 strings.TrimSuffix(hazardExample, "}") + `,"version":1}`,
	"POST /api/v1/systems/{id}/issues":                         `{"comment":"Approved for go-live","password":"` + webtest.Password + `"}`,
	"PUT /api/v1/systems/{id}/cscr":                            "GET:",
	"POST /api/v1/systems/{id}/reports":                        `{"password":"` + webtest.Password + `"}`,
	"POST /api/v1/systems/{id}/import":                         `{"format":"clinsafe-hazard-log","version":1,"log":{"version":"1","hazards":[` + hazardExample + `]}}`,
	"PUT /api/v1/risk/plan":                                    "GET:",
	"PUT /api/v1/risk/compliance":                              `{"standard":"DCB0160","answers":[{"clause":"2.1.1","answer":"partial","evidence":"https://example.org/e"}]}`,
	"POST /api/v1/devices/catalogue":                           `{"items":[{"gtin":"{gtin}","manufacturer":"Northwind Orthopaedics (fictional)","brand":"Meridia","model":"Hip stem size 3","description":"Cementless femoral stem","device_type":89}]}`,
	"POST /api/v1/devices/procedures":                          procedureExample,
	"POST /api/v1/devices/procedures/{id}/implants":            `{"gtin":"{gtin}","lot":"HS24041","serial":"100007","expiry":"2029-12-31"}`,
	"POST /api/v1/devices/implants/{id}/explant":               `{"date":"2026-11-22","reason":"Infection"}`,
	"POST /api/v1/devices/recalls":                             recallExample,
	"POST /api/v1/devices/recalls/{id}/match":                  `{}`,
	"PUT /api/v1/devices/recalls/{id}/patients/{patient}":      `{"status":"contacted","note":"Letter sent"}`,
	"POST /api/v1/devices/recalls/{id}/patients":               `{"patient_ids":["{patients}"],"status":"contacted","note":"Letter sent"}`,
	"POST /api/v1/devices/recalls/{id}/close":                  `{"confirm_open":1,"reason":"Notice withdrawn"}`,
	"POST /api/v1/events/records/{id}/messages":                `{"body":"Which ward was it?"}`,
	"POST /api/v1/public/{ods}/follow-up":                      `{"code":"ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6723"}`,
	"POST /api/v1/public/{ods}/follow-up/messages":             `{"code":"ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6723","body":"Ward 3"}`,
	"POST /api/v1/events/records/{id}/hazards":                 `{"hazard_id":"{hazards}","note":"Same fault"}`,
	"POST /api/v1/events/records/{id}/hazards/{hazard}/unlink": `{}`,
	"POST /api/v1/events/records/{id}/shares":                  `{"to_org_id":"{users}","description":"Stale list","consent_by":"Dr A, Caldicott Guardian","consent_basis":"caldicott","consented_on":"2026-11-02"}`,
	"POST /api/v1/events/records/{id}/devices/{n}/implant":     `{"implant_id":"{implants}"}`,
	"POST /api/v1/events/learning":                             `{"title":"Late medicine","type":"aar","lead_id":"{user}","due_on":"2027-01-31","events":["{events}"]}`,
	"PATCH /api/v1/events/learning/{id}":                       `{"title":"Late medicine","status":"in_progress","participants":"Nurse in charge","content":{"aar.expected":"On time"},"version":1}`,
	"POST /api/v1/events/learning/{id}/actions":                `{"description":"Mark time-critical medicines","owner_id":"{user}","due_on":"2027-01-31","measure":"Audit"}`,
	"PATCH /api/v1/events/learning/{id}/actions/{action}":      `{"description":"Mark time-critical medicines","owner_id":"{user}","due_on":"2027-01-31","measure":"Audit","status":"done","evidence":"Record","version":1}`,
	"PUT /api/v1/events/learning/plan":                         "GET:",
	"PATCH /api/v1/events/records/{id}":                        `{"version":1,"assigned_to":"{user}","notes":"Sweep","learning_summary":"Learning","governance":{"duty_of_candour":"y","candour_aware_on":"2026-11-01","never_event":"n"},"gradings":[{"patient":0,"physical_harm":"3","psychological_harm":"3"}]}`,
	"POST /api/v1/events/records/{id}/status":                  `{"version":1,"status":"closed","learning_summary":"Learning","reason":"Sweep"}`,
	"POST /api/v1/events/records/{id}/addenda":                 `{"body":"Sweep addendum"}`,
	"POST /api/v1/events/records/{id}/merge":                   `{"version":1,"duplicate_of":"{event2}"}`,
	"POST /api/v1/events":                                      eventExample,
	"POST /api/v1/events/drafts":                               `{"record_type":"1","answers":{"description":["The list showed yesterday's results"]}}`,
	"PUT /api/v1/events/drafts/{id}":                           `{"record_type":"1","answers":{"description":["The list showed yesterday's results"]},"version":1}`,
	"POST /api/v1/events/drafts/{id}/submit":                   `{"version":1,"anonymous":false}`,
	"POST /api/v1/training/courses":                            `{"source":"---\ntitle: Walk course\nlevel: local\nminutes: 5\naudience: reporter\n---\n# One\nText\n## Quiz\n? Q\n+ y\n  > r\n- n\n  > w\n"}`,
	"POST /api/v1/training/courses/{id}/versions":              `{"source":"---\ntitle: Walk course\nlevel: local\nminutes: 5\naudience: reporter\n---\n# One\nText\n## Quiz\n? Q\n+ y\n  > r\n- n\n  > w\n","version":1}`,
	"POST /api/v1/training/assignments":                        `{"course_id":"{courses}","role":"reporter","due_on":"2027-01-31"}`,
}

// sweepEvent is a complete staff incident report.
func sweepEvent() events.Record {
	return events.Record{Type: events.Incident, Answers: events.Answers{
		events.AnsDescription: {"Two doses charted"}, events.AnsWhenKind: {"today"}, events.AnsLocation: {"Ward 7"}, events.AnsServiceArea: {"acute"},
		events.AnsAgents: {events.AgentMedication}, events.AnsPatientsSaid: {"u"}, events.AnsConcern: {"4"}, events.AnsReporterRole: {"nurse"}, events.AnsDataSharing: {events.DataShare},
	}, Groups: map[string][]events.Answers{events.GroupMedicines: {{"name": {"Warfarin"}}}}}
}

const eventExample = `{"record_type":"3","answers":{"description":["The drug fridge does not lock"],"where.location":["Ward 2"],` +
	`"where.service_area":["acute"],"agents":["10"],"concern":["3"],"risk.theme":["1"],"risk.imminent":["n"],"reporter.data_sharing":["y"]},"anonymous":false}`

var jsonQuery = map[string]string{"POST /api/v1/systems/{id}/import": "?format=json&supplier=true"}

// fhirIncident is an incident as a FHIR client sends it (docs/fhir.md).
const fhirIncident = `{"resourceType":"AdverseEvent","meta":{"profile":["https://psims-uat.azure-api.net/taxonomy/fhir/StructureDefinition/patient-safety-adverse-event-5"]},` +
	`"contained":[{"resourceType":"Location","id":"location","name":"Ward 7"},{"resourceType":"Practitioner","id":"reporter","extension":[{"url":"https://psims-uat.azure-api.net/taxonomy/fhir/StructureDefinition/reporter-information-5","extension":[{"url":"DataSharingOptOut","valueBoolean":false}]}]}],` +
	`"extension":[{"url":"https://psims-uat.azure-api.net/taxonomy/fhir/StructureDefinition/event-details-5","extension":[{"url":"ServiceArea","valueCode":"acute"},` +
	`{"url":"InvolvedAgents","valueCode":"10"},{"url":"PatientsAffected","valueCode":"n"},{"url":"LevelOfConcern","valueCode":"3"}]}],` +
	`"actuality":"actual","event":{"coding":[{"system":"https://psims-uat.azure-api.net/taxonomy/fhir/CodeSystem/event-type-5","code":"1"}],"text":"The sweep's incident"},` +
	`"subject":{"display":"No patient was involved"},"date":"2026-11-20","location":{"reference":"#location"},"recorder":{"reference":"#reporter"}}`

const systemExample = `{"name":"MedChart ePMA","manufacturer":"Meridian Clinical Software Ltd","intended_use":"Electronic prescribing",` +
	`"clinical_scope":"Adult wards","deployment_context":"Acute trust","standard":"DCB0160","phases":["Configuration","Go-live"],` +
	`"cso_ids":["{user}"],"releases":[{"version":"5.2","date":"2026-10-01T00:00:00Z","notes":""}]}`

const hazardExample = `{"name":"Dose given twice","description":"A dose is recorded twice","clinical_impact":"Overdose",` +
	`"causes":["Recording after the drug round"],"existing_controls":"None","initial_severity":"major","initial_likelihood":"medium",` +
	`"residual_severity":"major","residual_likelihood":"low","status":"open",` +
	`"controls":[{"description":"Show recent doses","type":"design","owner":"Supplier","side":"manufacturer","implementation_evidence":"Release notes","verification_evidence":"Test report"}],` +
	`"actions":[{"summary":"Train nurses","owner":"Ward matron","due":"2027-01-31T00:00:00Z","done":false}],` +
	`"risk_benefit_justification":"Benefit outweighs the risk"}`

const procedureExample = `{"patient":{"nhs_number":"943 476 5919","name":"Ada Example","birth_date":"1950-01-02","address":"1 High Street",` +
	`"postcode":"NF1 1AB","phone":"01632 960000","email":""},"procedure":{"performed_on":"2026-11-20","site":"Theatre 1",` +
	`"laterality":"left","clinician":"Ms R Achebe","description":"Total hip replacement"}}`

const recallExample = `{"reference":"FSN-2026-031","kind":"fsn","issuer":"Northwind","issued_on":"2026-11-20","manufacturer":"Northwind",` +
	`"action_required":"Review each patient.","deadline":"2026-12-31","affects":[{"gtin":"{gtin}","kind":"lots","lots":["HS24041"]},` +
	`{"gtin":"{gtin}","kind":"lot_range","from":"HS24031","to":"HS24063"},{"gtin":"{gtin}","kind":"serials","serials":["100007"]},` +
	`{"gtin":"{gtin}","kind":"expiry","from":"2029-01-01","to":"2029-06-30"},{"gtin":"{gtin}","kind":"all"}]}`

type sweeper struct {
	t        *testing.T
	st       *store.DB
	base     string
	client   *http.Client
	user     store.User
	session  string
	token    string
	ids      map[string]string // path segment before a parameter -> a valid value
	requests *atomic.Int64
	fails    *atomic.Int64
	statuses *sync.Map // status -> *atomic.Int64
}

// newSession starts a session for the sweep's user (each worker has its
// own, as sign-out ends one).
func (sw *sweeper) newSession() {
	token := auth.NewSecret(16)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "sweep", Operator: true})
	if _, err := sw.st.StartSession(ctx, "", sw.user.ID, auth.HashToken([]byte(strings.Repeat("k", 32)), token), time.Hour); err != nil {
		sw.t.Errorf("start session: %v", err)
	}
	sw.session = token
}

// send makes one request and reports a 5xx. Requests to API routes carry
// the API token; the others the session cookie (as a browser, same
// origin, so that CrossOriginProtection lets them through).
func (sw *sweeper) send(useToken bool, method, path, ctype string, body []byte, what string) (int, []byte) {
	sw.t.Helper()
	req, err := http.NewRequest(method, sw.base+path, bytes.NewReader(body))
	if err != nil {
		sw.t.Errorf("%s %.200q: %v", method, path, err)
		return 0, nil
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if useToken {
		req.Header.Set("Authorization", "Bearer "+sw.token)
	} else {
		req.Header.Set("Cookie", "clinsafe_session="+sw.session)
	}
	resp, err := sw.client.Do(req)
	if err != nil {
		sw.t.Errorf("%s %.200q (%s): %v", method, path, what, err)
		return 0, nil
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sw.requests.Add(1)
	c, _ := sw.statuses.LoadOrStore(resp.StatusCode, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	if resp.StatusCode >= 500 {
		if sw.fails.Add(1) <= 50 {
			sw.t.Errorf("%s %.200q (%s): status %d: %.300s", method, path, what, resp.StatusCode, got)
		}
	}
	if path == "/logout" || resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		sw.newSession()
	}
	return resp.StatusCode, got
}

// fill puts the set-up's records in place of {name} in an example.
func (sw *sweeper) fill(s string) string {
	for k, v := range sw.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// concrete substitutes valid values for the parameters of a route path.
func (sw *sweeper) concrete(pattern string) string {
	segs := strings.Split(strings.ReplaceAll(pattern, "{$}", ""), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			v, ok := sw.ids[segs[i-1]]
			if s == "{patient}" {
				v, ok = sw.ids["patients"], true
			}
			if s == "{page}" || s == "{item}" || s == "{ods}" || s == "{file}" {
				v, ok = sw.ids[strings.Trim(s, "{}")], true
			}
			if !ok {
				sw.t.Fatalf("route %s: no valid value for parameter %s after %q: add one to the sweep's set-up", pattern, s, segs[i-1])
			}
			segs[i] = v
		}
	}
	return strings.Join(segs, "/")
}

// withBadParams lists the route's path with each parameter in turn
// replaced by each bad value.
func withBadParams(pattern, valid string) []string {
	var out []string
	ps := strings.Split(strings.ReplaceAll(pattern, "{$}", ""), "/")
	vs := strings.Split(valid, "/")
	for i, s := range ps {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		for _, b := range badPathValues {
			c := append([]string(nil), vs...)
			c[i] = b
			out = append(out, strings.Join(c, "/"))
		}
	}
	return out
}

func TestBadInputSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		start := time.Now()
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "sweep", Operator: true})
		var logBuf lockedBuffer
		cfg := webtest.TestConfig(t)
		srv, err := app.NewServer(web.Options{Store: st, Config: cfg, Version: "test",
			Logger: slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv)
		defer hs.Close()
		org, err := st.CreateOrg(ctx, store.Org{ODSCode: "RSW", Name: "Sweep Trust", Kind: "trust"})
		if err != nil {
			t.Fatal(err)
		}
		user, err := st.CreateUser(ctx, store.NewUser{Email: "sweep@example.com", Name: "Sweep Person", Password: webtest.Password,
			OrgID: org.ID, Roles: auth.AllRoles, PlatformAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		target, err := st.CreateUser(ctx, store.NewUser{Email: "target@example.com", Name: "Target Person", Password: webtest.Password,
			OrgID: org.ID, Roles: []auth.Role{auth.Reporter}})
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := st.CreateScopedToken(ctx, org.ID, user.ID, "Sweep token", nil, []string{"*.read", "*.write"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sw := &sweeper{t: t, st: st, base: hs.URL, user: user, token: secret, requests: new(atomic.Int64), fails: new(atomic.Int64), statuses: new(sync.Map),
			client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			ids:    map[string]string{"users": target.ID, "user": user.ID, "gtin": webtest.GTIN(10), "catalogue": webtest.GTIN(10), "serial": "100007"}}
		sw.newSession()
		sw.setUp()
		for _, k := range []string{"events", "event2"} {
			e, _, err := eventsdb.New(st).ReportPublic(ctx, org.ID, publicIncident("Sweep event "+k))
			if err != nil {
				t.Fatal(err)
			}
			sw.ids[k] = e.ID
		}
		// The FHIR API's ids, named by the segment before them.
		sw.ids["AdverseEvent"], sw.ids["_history"] = sw.ids["events"], "1"
		sw.ids["Device"], sw.ids["Procedure"], sw.ids["Patient"] = sw.ids["implants"], sw.ids["procedures"], sw.ids["patients"]
		// The outbox has no API: one message, written as a wing would.
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			return mail.Enqueue(ctx, tx, mail.Message{OrgID: org.ID, Kind: "events.feedback", To: "reporter@example.com", Subject: "Sweep", Body: "Sweep"})
		}); err != nil {
			t.Fatal(err)
		}
		var mailID string
		if err := st.SQL().QueryRow(`SELECT id FROM mail_outbox WHERE org_id = $1`, org.ID).Scan(&mailID); err != nil {
			t.Fatal(err)
		}
		sw.ids["mail"] = mailID
		// An event queued for LFPSE, for the queue's retry.
		if _, err := lfpse.New(st).MarkReady(ctx, org.ID, sw.ids["event2"]); err != nil {
			t.Fatal(err)
		}
		sw.ids["lfpse"] = sw.ids["event2"]
		// A finished Bulk Data export, for its status, files and cancel.
		sw.ids["bulk"] = store.NewID()
		if _, err := st.SQL().Exec(`INSERT INTO bulk_jobs (id, org_id, requested_by, request_url, types, status, created_at)
			VALUES ($1, $2, $3, '/fhir/R4/$export', 'AdverseEvent', 'done', $4)`, sw.ids["bulk"], org.ID, user.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		sw.ids["file"] = "AdverseEvent.ndjson"
		// The organisation's public follow-up pages.
		sw.ids["public"] = org.ODSCode

		routes := srv.Routes()
		forms := sw.discoverForms(routes)
		formsSeen := 0
		for _, rt := range routes {
			if p := sw.concrete(rt.Path); rt.Method != "GET" && !rt.API && len(forms[p]) > 0 {
				formsSeen++
			}
		}
		// The routes are shared out to a few workers, each with its own
		// session.
		work := make(chan web.RouteInfo)
		var wg sync.WaitGroup
		for range sweepWorkers {
			w := *sw
			w.newSession()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for rt := range work {
					w.sweepRoute(rt, forms)
				}
			}()
		}
		for _, rt := range routes {
			work <- rt
		}
		close(work)
		wg.Wait()
		// Both ways of signing in reach every kind of route.
		for _, rt := range routes {
			if rt.Method == "GET" {
				sw.send(!rt.API, rt.Method, sw.concrete(rt.Path), "", nil, "other sign-in")
			}
		}
		for _, h := range []string{"Bearer cs_\x00", "Bearer cs_" + invalidUTF8, "Bearer " + strings.Repeat("x", 10000), "Basic abc"} {
			req, _ := http.NewRequest("GET", hs.URL+"/api/v1/me", nil)
			req.Header["Authorization"] = []string{h}
			if resp, err := sw.client.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("Authorization %.40q: status %d", h, resp.StatusCode)
				}
			}
		}
		if n := len(routes); formsSeen < 25 {
			t.Errorf("forms found for only %d form routes of %d routes: the discovery is broken", formsSeen, n)
		}
		if log := logBuf.String(); strings.Contains(log, "panic") {
			i := strings.Index(log, "panic")
			t.Errorf("the server logged a panic: %.500s", log[max(0, i-200):])
		}
		// The requests reach the handlers: none is refused for want of a
		// session, a role or the same origin, and many pass the checks.
		count := map[int]int64{}
		var codes []int
		sw.statuses.Range(func(k, v any) bool {
			count[k.(int)] = v.(*atomic.Int64).Load()
			codes = append(codes, k.(int))
			return true
		})
		sort.Ints(codes)
		var hist []string
		for _, c := range codes {
			hist = append(hist, fmt.Sprintf("%d: %d", c, count[c]))
		}
		if count[401] > 0 || count[403] > sw.requests.Load()/100 || count[200]+count[201]+count[204]+count[303] < 1000 || count[422] < 1000 {
			t.Errorf("the sweep did not reach the handlers: statuses %s", strings.Join(hist, ", "))
		}
		t.Logf("%d routes, %d requests (%s), %d with status >= 500, in %s", len(routes), sw.requests.Load(), strings.Join(hist, ", "),
			sw.fails.Load(), time.Since(start).Round(time.Millisecond))
	})
}

// sweepWorkers is how many requests are in flight at once.
const sweepWorkers = 3

// sweepRoute sends one route its bad path parameters, query parameters and
// bodies.
func (sw *sweeper) sweepRoute(rt web.RouteInfo, forms map[string][]pageForm) {
	start := time.Now()
	defer func() {
		if d := time.Since(start); d > 5*time.Second {
			sw.t.Logf("slow: %s %s took %s", rt.Method, rt.Path, d.Round(time.Millisecond))
		}
	}()
	path := sw.concrete(rt.Path)
	key := rt.Method + " " + rt.Path
	useToken := rt.API
	jsonType := jsonTypeOf(rt.Path)
	hasBody := rt.Method == "POST" || rt.Method == "PUT"
	// Malformed path parameters.
	for _, p := range withBadParams(rt.Path, path) {
		if hasBody && rt.API {
			sw.send(useToken, rt.Method, p, jsonType, []byte("{}"), "bad path parameter")
		} else if hasBody {
			sw.send(useToken, rt.Method, p, "application/x-www-form-urlencoded", []byte("x=1"), "bad path parameter")
		} else {
			sw.send(useToken, rt.Method, p, "", nil, "bad path parameter")
		}
	}
	// Query parameters: each bad value in all at once, then a wrong and a
	// huge value one parameter at a time.
	if !hasBody || rt.Path == "/api/v1/systems/{id}/import" {
		for _, v := range badQuery {
			var q []string
			for _, p := range queryParams {
				q = append(q, p+"="+v)
			}
			sw.send(useToken, rt.Method, path+"?"+strings.Join(q, "&"), "", nil, "bad query "+v)
		}
		if !hasBody {
			for _, p := range queryParams {
				for _, v := range []string{"abc", badQuery[7]} {
					sw.send(useToken, rt.Method, path+"?"+p+"="+v, "", nil, "query "+p)
				}
			}
		}
	}
	if !hasBody {
		return
	}
	if rt.API {
		sw.sweepJSON(rt, key, path)
		return
	}
	fs := forms[path]
	if len(fs) == 0 {
		// A route no page links a form to: the fields are unknown.
		fs = []pageForm{{fields: url.Values{"x": {"1"}}}}
	}
	for _, f := range fs {
		sw.sweepForm(rt.Method, path, f)
	}
	for _, b := range []string{"%zz", "a%00=1", "%ff=1", "a=" + strings.Repeat("x", 2<<20), "a=1&" + strings.Repeat("&", 5000)} {
		sw.send(false, rt.Method, path, "application/x-www-form-urlencoded", []byte(b), "bad form body")
	}
	sw.send(false, rt.Method, path, "multipart/form-data; boundary=zz", []byte("--zz\r\nbroken"), "broken multipart body")
}

// setUp makes one record of each kind through the API, checking that the
// examples are valid, and keeps their ids for the path parameters.
func (sw *sweeper) setUp() {
	t := sw.t
	create := func(method, path, body string, want int) map[string]any {
		t.Helper()
		// Signing and making tokens need a session: no token can do either.
		viaToken := !strings.HasSuffix(path, "/issues") && !strings.HasSuffix(path, "/reports") && !strings.HasSuffix(path, "/tokens")
		code, got := sw.send(viaToken, method, path, "application/json", []byte(sw.fill(body)), "set-up")
		if code != want {
			t.Fatalf("set-up %s %s: status %d, want %d: %s", method, path, code, want, got)
		}
		var m map[string]any
		_ = json.Unmarshal(got, &m)
		return m
	}
	id := func(m map[string]any) string {
		t.Helper()
		s, _ := m["id"].(string)
		if s == "" {
			t.Fatalf("set-up: no id in %v", m)
		}
		return s
	}
	sw.ids["systems"] = id(create("POST", "/api/v1/systems", jsonExamples["POST /api/v1/systems"], 201))
	sw.ids["hazards"] = id(create("POST", "/api/v1/systems/"+sw.ids["systems"]+"/hazards", hazardExample, 201))
	sw.ids["issues"] = id(create("POST", "/api/v1/systems/"+sw.ids["systems"]+"/issues", jsonExamples["POST /api/v1/systems/{id}/issues"], 201))
	create("PUT", "/api/v1/systems/"+sw.ids["systems"]+"/cscr", webtest.CSCRDraftJSON("1.0"), 200)
	sw.ids["cscrs"] = id(create("POST", "/api/v1/systems/"+sw.ids["systems"]+"/reports", jsonExamples["POST /api/v1/systems/{id}/reports"], 201))
	sw.ids["reports"] = sw.ids["cscrs"]
	create("POST", "/api/v1/devices/catalogue", jsonExamples["POST /api/v1/devices/catalogue"], 200)
	proc := create("POST", "/api/v1/devices/procedures", procedureExample, 201)
	sw.ids["procedures"] = id(proc)
	imp := create("POST", "/api/v1/devices/procedures/"+sw.ids["procedures"]+"/implants", jsonExamples["POST /api/v1/devices/procedures/{id}/implants"], 201)
	sw.ids["implants"] = id(imp)
	sw.ids["patients"], _ = imp["patient_id"].(string)
	sw.ids["recalls"] = id(create("POST", "/api/v1/devices/recalls", recallExample, 201))
	create("POST", "/api/v1/devices/recalls/"+sw.ids["recalls"]+"/match", `{}`, 200)
	tok := create("POST", "/api/v1/tokens", `{"name":"Second token"}`, 201)
	sw.ids["tokens"] = id(tok)
	inv := create("POST", "/api/v1/users", jsonExamples["POST /api/v1/users"], 201)
	if m, ok := inv["invitation"].(map[string]any); ok {
		sw.ids["invitations"], _ = m["id"].(string)
	}
	// Safety events triage: IT incidents of the system, one shared with a
	// supplier (see seedTriage).
	create("POST", "/api/v1/systems/"+sw.ids["systems"]+"/hazards", hazardExample, 201)
	sweepOrg, err := sw.st.OrgByODS(context.Background(), "RSW")
	if err != nil {
		t.Fatal(err)
	}
	sup, err := sw.st.CreateOrg(audit.WithActor(context.Background(), audit.Actor{Name: "sweep", Operator: true}), store.Org{ODSCode: "RSWS", Name: "Sweep Supplier", Kind: "supplier"})
	if err != nil {
		t.Fatal(err)
	}
	seedTriage(t, sw.st, sweepOrg.ID, sw.user, sw.ids["systems"], sup.ID, sw.ids["implants"], webtest.GTIN(10), "100007")
	var firstEvent, share string
	if err := sw.st.SQL().QueryRow(`SELECT id FROM events WHERE org_id = $1 ORDER BY id LIMIT 1`, sweepOrg.ID).Scan(&firstEvent); err != nil {
		t.Fatal(err)
	}
	if err := sw.st.SQL().QueryRow(`SELECT id FROM event_shares WHERE org_id = $1`, sweepOrg.ID).Scan(&share); err != nil {
		t.Fatal(err)
	}
	sw.ids["triage"], sw.ids["events"], sw.ids["devices"], sw.ids["device"], sw.ids["shared"] = firstEvent, firstEvent, firstEvent, "0", share
	sw.ids["review"], sw.ids["records"] = firstEvent, firstEvent
	lr := create("POST", "/api/v1/events/learning", jsonExamples["POST /api/v1/events/learning"], 201)
	sw.ids["learning"] = id(lr)
	sw.ids["documents"], sw.ids["versions"] = id(create("POST", "/api/v1/knowledge/documents", jsonExamples["POST /api/v1/knowledge/documents"], 201)), "1"
	sw.ids["actions"] = id(create("POST", "/api/v1/events/learning/"+sw.ids["learning"]+"/actions", jsonExamples["POST /api/v1/events/learning/{id}/actions"], 201))
	// Safety events: a draft and a report of the sweep's user, a local
	// question, and the public page of the sweep's organisation.
	sw.ids["drafts"] = id(create("POST", "/api/v1/events/drafts", `{"record_type":"1","answers":{}}`, 201))
	sw.ids["report"] = sw.ids["drafts"]
	sw.ids["mine"] = id(create("POST", "/api/v1/events", eventExample, 201))
	sw.ids["ods"], sw.ids["page"], sw.ids["item"] = "RSW", "description", "0"
	if code, got := sw.send(false, "POST", "/events/questions", "application/x-www-form-urlencoded",
		[]byte("record_type=1&kind=text&prompt=Which+site%3F"), "set-up"); code != http.StatusSeeOther {
		t.Fatalf("set-up local question: %d %s", code, got)
	}
	var qid string
	if err := sw.st.SQL().QueryRow(`SELECT id FROM event_local_questions ORDER BY id LIMIT 1`).Scan(&qid); err != nil {
		t.Fatal(err)
	}
	sw.ids["questions"] = qid
	// Training: the shipped courses and the sweep's own course, the sweep
	// person's training records, and a CSO's evidence waiting for review.
	op := audit.WithActor(context.Background(), audit.Actor{Name: "sweep", Operator: true})
	tdb := trainingdb.New(sw.st)
	if _, err := tdb.InstallBuiltins(op, sweepOrg.ID); err != nil {
		t.Fatal(err)
	}
	if err := demo.TrainLearner(op, sw.st, sweepOrg.ID, sw.user); err != nil {
		t.Fatal(err)
	}
	sw.ids["courses"] = id(create("POST", "/api/v1/training/courses", jsonExamples["POST /api/v1/training/courses"], 201))
	sw.ids["assignments"] = id(create("POST", "/api/v1/training/assignments", jsonExamples["POST /api/v1/training/assignments"], 201))
	cso, err := sw.st.CreateUser(op, store.NewUser{Email: "sweep-cso@example.com", Name: "Sweep CSO", Password: webtest.Password, OrgID: sweepOrg.ID, Roles: []auth.Role{auth.CSO}})
	if err != nil {
		t.Fatal(err)
	}
	sw.ids["competency"] = cso.ID
	ev, err := tdb.AddEvidence(audit.WithActor(op, audit.Actor{UserID: cso.ID, Name: cso.Name}), sweepOrg.ID, cso.ID,
		trainingdb.NewEvidence{Title: "E-learning", Provider: "Hub", CompletedOn: "2026-11-01", FileName: "c.pdf", Data: []byte("%PDF-1.4")})
	if err != nil {
		t.Fatal(err)
	}
	sw.ids["evidence"] = ev.ID
	for kind, q := range map[string]string{
		"enrolments":  `SELECT id FROM training_enrolments WHERE user_id = $1 AND completed_at IS NULL`,
		"attempts":    `SELECT id FROM training_attempts WHERE user_id = $1 AND submitted_at IS NULL`,
		"completions": `SELECT id FROM training_completions WHERE user_id = $1`,
	} {
		var v string
		if err := sw.st.SQL().QueryRow(q, sw.user.ID).Scan(&v); err != nil {
			t.Fatalf("sweep %s: %v", kind, err)
		}
		sw.ids[kind] = v
	}
	// Evidence: a change marked on a measure, and a network of the sweep's
	// organisation that the sweep's user analyses.
	ch, err := evidencedb.New(sw.st).MarkChange(storetest.As(sw.user), sweepOrg.ID, evidencedb.MarkedChange{Measure: "events", Period: "week",
		Title: "Sweep change", On: clock.Today(sw.st.Now()).AddDate(0, 0, -30)})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := sw.st.CreateNetwork(storetest.Operator, store.Network{Name: "Sweep network", Kind: "ics"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.st.SetNetworkMember(storetest.Operator, sweepOrg.ID, nw.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := sw.st.SetNetworkAnalyst(storetest.Operator, nw.ID, sw.user.ID, true); err != nil {
		t.Fatal(err)
	}
	sw.ids["measures"], sw.ids["changes"], sw.ids["networks"] = "events", ch.ID, nw.ID
	for _, k := range []string{"systems", "hazards", "issues", "cscrs", "procedures", "implants", "patients", "recalls", "tokens", "invitations",
		"events", "learning", "actions", "drafts", "mine", "questions"} {
		if sw.ids[k] == "" {
			t.Fatalf("set-up: no %s id", k)
		}
	}
}

// sweepJSON sends the bad bodies, then the route's example with each of its
// values in turn replaced by each bad value, and with an unknown field in
// each object.
// jsonTypeOf is the media type of the JSON bodies of the route at path:
// the FHIR API's own, or plain JSON.
func jsonTypeOf(path string) string {
	if strings.HasPrefix(path, "/fhir/") {
		return "application/fhir+json"
	}
	return "application/json"
}

func (sw *sweeper) sweepJSON(rt web.RouteInfo, key, path string) {
	t := sw.t
	jsonType := jsonTypeOf(rt.Path)
	for _, b := range badBodies {
		sw.send(true, rt.Method, path, jsonType, []byte(b), "bad body")
	}
	sw.send(true, rt.Method, path, "text/plain", []byte("{}"), "wrong content type")
	ex, ok := jsonExamples[key]
	if !ok {
		t.Errorf("%s takes a body but the sweep has no example for it: add one to jsonExamples", key)
		return
	}
	query := jsonQuery[key]
	if strings.HasPrefix(ex, "GET:") {
		from := path
		code, got := sw.send(true, "GET", from, "", nil, "example")
		if code != 200 {
			t.Errorf("example for %s from GET %s: status %d", key, from, code)
			return
		}
		ex = string(got)
	}
	var doc any
	dec := json.NewDecoder(strings.NewReader(sw.fill(ex)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Errorf("example for %s: %v", key, err)
		return
	}
	var values []any
	for _, s := range badText {
		values = append(values, s)
	}
	values = append(values, json.Number("12345"), json.Number("99999999999999999999999"), json.Number("1e308"), true, nil,
		map[string]any{"a": "b"}, []any{"x", json.Number("1")}, manyStrings)
	for _, p := range jsonPaths(doc, nil) {
		for _, v := range values {
			body := marshalBad(t, setPath(doc, p, v))
			sw.send(true, rt.Method, path+query, jsonType, body, fmt.Sprintf("field %s = %.40q", strings.Join(p, "."), fmt.Sprint(v)))
		}
		if m, ok := getPath(doc, p).(map[string]any); ok {
			c := deepCopy(m).(map[string]any)
			c["zz_unknown"] = "x"
			sw.send(true, rt.Method, path+query, jsonType, marshalBad(t, setPath(doc, p, c)), "unknown field in "+strings.Join(p, "."))
		}
	}
}

var manyStrings = func() []any {
	out := make([]any, 20_000)
	for i := range out {
		out[i] = "a"
	}
	return out
}()

// jsonPaths lists the path of every value in doc (object keys and array
// indices), the root first.
func jsonPaths(doc any, prefix []string) [][]string {
	out := [][]string{append([]string(nil), prefix...)}
	switch d := doc.(type) {
	case map[string]any:
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, jsonPaths(d[k], append(prefix, k))...)
		}
	case []any:
		for i, v := range d {
			out = append(out, jsonPaths(v, append(prefix, fmt.Sprint(i)))...)
		}
	}
	return out
}

func deepCopy(v any) any {
	switch d := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(d))
		for k, x := range d {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(d))
		for i, x := range d {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}

func getPath(doc any, p []string) any {
	for _, k := range p {
		switch d := doc.(type) {
		case map[string]any:
			doc = d[k]
		case []any:
			var i int
			fmt.Sscan(k, &i)
			doc = d[i]
		}
	}
	return doc
}

// setPath returns a copy of doc with the value at p replaced by v.
func setPath(doc any, p []string, v any) any {
	if len(p) == 0 {
		return v
	}
	c := deepCopy(doc)
	parent := getPath(c, p[:len(p)-1])
	switch d := parent.(type) {
	case map[string]any:
		d[p[len(p)-1]] = v
	case []any:
		var i int
		fmt.Sscan(p[len(p)-1], &i)
		d[i] = v
	}
	return c
}

// marshalBad encodes doc as JSON, keeping bytes that are not UTF-8 (which
// encoding/json would replace).
func marshalBad(t *testing.T, doc any) []byte {
	const mark = "\u2063BAD\u2063"
	var fix func(any) any
	fix = func(v any) any {
		switch d := v.(type) {
		case string:
			return strings.ReplaceAll(d, invalidUTF8, mark)
		case map[string]any:
			m := make(map[string]any, len(d))
			for k, x := range d {
				m[k] = fix(x)
			}
			return m
		case []any:
			s := make([]any, len(d))
			for i, x := range d {
				s[i] = fix(x)
			}
			return s
		}
		return v
	}
	b, err := json.Marshal(fix(doc))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte(mark), []byte(invalidUTF8))
}

// pageForm is one <form> of a page: its fields with their default values, and
// whether it uploads files.
type pageForm struct {
	fields    url.Values
	files     []string
	multipart bool
}

// discoverForms fetches every GET page and collects its POST forms by
// action, and sends each page's GET forms' fields as query parameters.
func (sw *sweeper) discoverForms(routes []web.RouteInfo) map[string][]pageForm {
	out := map[string][]pageForm{}
	for _, rt := range routes {
		if rt.Method != "GET" || rt.API {
			continue
		}
		code, page := sw.send(false, "GET", sw.concrete(rt.Path), "", nil, "discover forms")
		if code != 200 || !bytes.Contains(page, []byte("<form")) {
			continue
		}
		for action, f := range parseForms(sw.t, page) {
			out[action] = append(out[action], f)
		}
	}
	return out
}

// parseForms reads the POST forms of a page, by action.
func parseForms(t *testing.T, page []byte) map[string]pageForm {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	attr := func(n *html.Node, k string) string {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val
			}
		}
		return ""
	}
	out := map[string]pageForm{}
	var inForm func(n *html.Node, f *pageForm)
	inForm = func(n *html.Node, f *pageForm) {
		if n.Type == html.ElementNode {
			name := attr(n, "name")
			switch n.Data {
			case "input":
				typ := attr(n, "type")
				switch {
				case name == "":
				case typ == "file":
					f.files = append(f.files, name)
				case typ == "checkbox" || typ == "radio":
					if _, seen := f.fields[name]; !seen || hasAttr(n, "checked") {
						f.fields.Set(name, attr(n, "value"))
					}
				case typ == "submit" || typ == "button":
				default:
					f.fields.Set(name, attr(n, "value"))
				}
			case "select":
				v := ""
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if o.Type == html.ElementNode && o.Data == "option" && (v == "" || hasAttr(o, "selected")) {
						v = attr(o, "value")
					}
				}
				if name != "" {
					f.fields.Set(name, v)
				}
				return
			case "textarea":
				v := ""
				if n.FirstChild != nil {
					v = n.FirstChild.Data
				}
				if name != "" {
					f.fields.Set(name, v)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			inForm(c, f)
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" && strings.EqualFold(attr(n, "method"), "post") {
			f := pageForm{fields: url.Values{}, multipart: attr(n, "enctype") == "multipart/form-data"}
			inForm(n, &f)
			out[attr(n, "action")] = f
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func hasAttr(n *html.Node, k string) bool {
	for _, a := range n.Attr {
		if a.Key == k {
			return true
		}
	}
	return false
}

// sweepForm sends a form with every field set to each bad value at once,
// then each field in turn set to each bad value, sent twice and left out,
// and with unknown fields added.
func (sw *sweeper) sweepForm(method, path string, f pageForm) {
	send := func(vals url.Values, what string) {
		if f.multipart {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, vs := range vals {
				for _, v := range vs {
					_ = mw.WriteField(k, v)
				}
			}
			for _, name := range f.files {
				w, _ := mw.CreateFormFile(name, "upload\x00"+invalidUTF8+".csv")
				_, _ = w.Write([]byte("gtin,manufacturer,model,device_type\n"))
			}
			mw.Close()
			sw.send(false, method, path, mw.FormDataContentType(), buf.Bytes(), what)
			return
		}
		sw.send(false, method, path, "application/x-www-form-urlencoded", []byte(vals.Encode()), what)
	}
	copyVals := func() url.Values {
		c := url.Values{}
		for k, v := range f.fields {
			c[k] = append([]string(nil), v...)
		}
		return c
	}
	send(copyVals(), "form defaults")
	names := sortedNames(f.fields)
	for _, v := range append(append([]string(nil), badText...), moreText...) {
		c := copyVals()
		for _, name := range names {
			c.Set(name, v)
		}
		send(c, fmt.Sprintf("every field = %.40q", v))
	}
	for _, name := range names {
		for _, v := range badText {
			c := copyVals()
			c.Set(name, v)
			send(c, fmt.Sprintf("field %s = %.40q", name, v))
		}
		c := copyVals()
		c[name] = []string{"a", "x\x00"}
		send(c, "field "+name+" twice")
		c = copyVals()
		delete(c, name)
		send(c, "field "+name+" left out")
	}
	c := copyVals()
	c.Set("zz_unknown", "x\x00")
	c.Set("x"+invalidUTF8, "1")
	send(c, "unknown fields")
}

func sortedNames(v url.Values) []string {
	out := make([]string, 0, len(v))
	for k := range v {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
