package trainingweb_test

import (
	"encoding/json"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/training"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

var (
	questionName = regexp.MustCompile(`name="q-(m\d+q\d+)"`)
	versionField = regexp.MustCompile(`name="version" value="(\d+)"`)
	certCode     = regexp.MustCompile(`[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}`)
)

// builtin returns the shipped course with key.
func builtin(t *testing.T, key string) training.Course {
	t.Helper()
	bs, err := training.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Key == key {
			return b.Course
		}
	}
	t.Fatalf("no built-in course %s", key)
	return training.Course{}
}

// quizForm answers the quiz page body of course c: right or all wrong.
func quizForm(t *testing.T, c training.Course, body string, right bool) url.Values {
	t.Helper()
	v := url.Values{}
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("quiz page has no version:\n%s", body)
	}
	v.Set("version", m[1])
	seen := map[string]bool{}
	for _, m := range questionName.FindAllStringSubmatch(body, -1) {
		if seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		q, ok := c.Question(m[1])
		if !ok {
			t.Fatalf("quiz asks %s, not in the course", m[1])
		}
		for i, a := range q.Answers {
			if a.Correct == right {
				v.Add("q-"+q.ID, strconv.Itoa(i))
				if !right {
					break
				}
			}
		}
	}
	if len(seen) != c.Draw {
		t.Fatalf("quiz asks %d questions, want %d", len(seen), c.Draw)
	}
	return v
}

// installed installs the shipped courses in A and returns the id of the
// one titled title.
func installed(t *testing.T, f *webtest.Fixture, title string) string {
	t.Helper()
	edu := f.Client(t, "A/educator")
	resp, _ := webtest.Do(t, edu, "POST", f.Srv.URL+"/training/courses/install", "x=1")
	webtest.Location(t, resp, "/training/courses")
	_, body := webtest.Do(t, edu, "GET", f.Srv.URL+"/api/v1/training/courses", "")
	var list struct {
		Items []struct {
			ID     string `json:"id"`
			Course struct {
				Title string `json:"title"`
			} `json:"course"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 3 {
		t.Fatalf("courses: %v %s", err, body)
	}
	for _, c := range list.Items {
		if c.Course.Title == title {
			return c.ID
		}
	}
	t.Fatalf("no course %q", title)
	return ""
}

func TestLearnerJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := builtin(t, "essentials")
		id := installed(t, f, c.Title)
		learner, other := f.Client(t, "A/reporter"), f.Client(t, "A/handler")
		resp, _ := webtest.Do(t, learner, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		enrol := webtest.Location(t, resp, "/training/enrolments/")
		body := webtest.Get(t, learner, f.Srv.URL+"/training/enrolments/"+enrol, 200)
		if !strings.Contains(body, "<strong>Wrong patient record.</strong>") {
			t.Errorf("enrolment page lacks the rendered module")
		}
		webtest.Get(t, other, f.Srv.URL+"/training/enrolments/"+enrol, 404)
		resp, _ = webtest.Do(t, learner, "POST", f.Srv.URL+"/training/enrolments/"+enrol+"/attempts", "x=1")
		attempt := webtest.Location(t, resp, "/training/attempts/")
		quiz := webtest.Get(t, learner, f.Srv.URL+"/training/attempts/"+attempt, 200)
		// No answer is in the page before submission.
		if strings.Contains(strings.ToLower(quiz), "correct") {
			t.Errorf("quiz page says correct")
		}
		for _, q := range c.Bank() {
			for _, a := range q.Answers {
				if strings.Contains(quiz, a.Explanation) {
					t.Fatalf("quiz page holds the explanation %q", a.Explanation)
				}
			}
		}
		webtest.Get(t, other, f.Srv.URL+"/training/attempts/"+attempt, 404)
		// Unanswered: 422 with the summary.
		resp, body = webtest.Do(t, learner, "POST", f.Srv.URL+"/training/attempts/"+attempt, "version=1")
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#answers"`) {
			t.Fatalf("empty quiz: %d", resp.StatusCode)
		}
		wrong := quizForm(t, c, quiz, false).Encode()
		resp, _ = webtest.Do(t, other, "POST", f.Srv.URL+"/training/attempts/"+attempt, wrong)
		if resp.StatusCode != 404 {
			t.Errorf("another learner submits: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, learner, "POST", f.Srv.URL+"/training/attempts/"+attempt, wrong)
		webtest.Location(t, resp, "/training/attempts/"+attempt)
		result := webtest.Get(t, learner, f.Srv.URL+"/training/attempts/"+attempt, 200)
		explained := false // the draw is random: some drawn question's explanation
		for _, q := range c.Bank() {
			for _, a := range q.Answers {
				explained = explained || strings.Contains(result, template.HTMLEscapeString(a.Explanation))
			}
		}
		if !strings.Contains(result, "Not passed") || !strings.Contains(result, "Wrong") || !explained {
			t.Errorf("result page lacks the marks or explanations")
		}
		// The same answers posted twice count once.
		resp, _ = webtest.Do(t, learner, "POST", f.Srv.URL+"/training/attempts/"+attempt, quizForm(t, c, quiz, true).Encode())
		webtest.Location(t, resp, "/training/attempts/"+attempt)
		if got := webtest.Get(t, learner, f.Srv.URL+"/training/attempts/"+attempt, 200); !strings.Contains(got, "already submitted") || !strings.Contains(got, "Not passed") {
			t.Errorf("second post of an attempt changed its mark")
		}
		// Second attempt passes.
		resp, _ = webtest.Do(t, learner, "POST", f.Srv.URL+"/training/enrolments/"+enrol+"/attempts", "x=1")
		attempt2 := webtest.Location(t, resp, "/training/attempts/")
		quiz = webtest.Get(t, learner, f.Srv.URL+"/training/attempts/"+attempt2, 200)
		resp, _ = webtest.Do(t, learner, "POST", f.Srv.URL+"/training/attempts/"+attempt2, quizForm(t, c, quiz, true).Encode())
		webtest.Location(t, resp, "/training/attempts/"+attempt2)
		result = webtest.Get(t, learner, f.Srv.URL+"/training/attempts/"+attempt2, 200)
		m := regexp.MustCompile(`action="/training/completions/([0-9a-f-]{36})/certificate"`).FindStringSubmatch(result)
		if !strings.Contains(result, "You passed") || m == nil {
			t.Fatalf("pass page lacks the certificate:\n%s", result)
		}
		resp, _ = webtest.Do(t, other, "POST", f.Srv.URL+"/training/completions/"+m[1]+"/certificate", "x=1")
		if resp.StatusCode != 404 {
			t.Errorf("another learner's certificate: %d", resp.StatusCode)
		}
		resp, pdf := webtest.Do(t, learner, "POST", f.Srv.URL+"/training/completions/"+m[1]+"/certificate", "x=1")
		text := webtest.PDFText([]byte(pdf))
		code := certCode.FindString(text)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || code == "" || !strings.Contains(text, f.Users["A/reporter"].Name) {
			t.Fatalf("certificate: %d %q %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), text)
		}
		anon := f.Client(t, "")
		got := webtest.Get(t, anon, f.Srv.URL+"/training/verify?code="+url.QueryEscape(strings.ToLower(code)), 200)
		if !strings.Contains(got, "Valid") || !strings.Contains(got, f.Users["A/reporter"].Name) || !strings.Contains(got, c.Title) || strings.Contains(got, f.OrgA.Name) ||
			strings.Contains(got, f.Users["A/reporter"].Email) {
			t.Errorf("verification page:\n%s", got)
		}
		// A forged code: not found, and nothing about anyone.
		resp, got = webtest.Do(t, anon, "POST", f.Srv.URL+"/training/verify", webtest.Form("code", "AAAAA-BBBBB-CCCCC-DDDDD"))
		if resp.StatusCode != 404 || !strings.Contains(got, "No certificate was found") || strings.Contains(got, f.Users["A/reporter"].Name) {
			t.Errorf("forged code: %d", resp.StatusCode)
		}
		for range 5 {
			resp, _ = webtest.Do(t, anon, "POST", f.Srv.URL+"/training/verify", webtest.Form("code", "AAAAA-BBBBB-CCCCC-DDDDE"))
		}
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("guesses are not throttled: %d", resp.StatusCode)
		}
		// My learning in the API shows the completion.
		_, got = webtest.Do(t, learner, "GET", f.Srv.URL+"/api/v1/training/me", "")
		if !strings.Contains(got, `"source": "course"`) || strings.Contains(got, "correct") {
			t.Errorf("api me: %.400s", got)
		}
	})
}

func TestEducatorAssignsAndCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := builtin(t, "harm-and-psirf")
		id := installed(t, f, c.Title)
		edu := f.Client(t, "A/educator")
		resp, body := webtest.Do(t, edu, "POST", f.Srv.URL+"/training/assignments", webtest.Form("course_id", id, "role", "", "user_id", "", "due_on-day", "31", "due_on-month", "2", "due_on-year", "2027"))
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#due_on"`) {
			t.Fatalf("bad assignment: %d", resp.StatusCode)
		}
		resp, body = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/assignments", webtest.Form("course_id", id, "role", "", "user_id", "", "due_on-day", "1", "due_on-month", "2", "due_on-year", "2027"))
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#who"`) {
			t.Fatalf("assignment to no one: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/assignments", webtest.Form("course_id", id, "role", "handler", "user_id", "", "due_on-day", "1", "due_on-month", "12", "due_on-year", "2026"))
		webtest.Location(t, resp, "/training/assignments")
		// The learner's home page lists it.
		home := webtest.Get(t, f.Client(t, "A/handler"), f.Srv.URL+"/", 200)
		if !strings.Contains(home, c.Title+": due by 1 December 2026") {
			t.Errorf("home page lacks the assignment")
		}
		cov := webtest.Get(t, edu, f.Srv.URL+"/training/coverage", 200)
		if !strings.Contains(cov, c.Title) || !strings.Contains(cov, "Patient safety handler") {
			t.Errorf("coverage page:\n%s", cov)
		}
		resp, csv := webtest.Do(t, edu, "GET", f.Srv.URL+"/training/coverage.csv", "")
		if resp.StatusCode != 200 || !strings.Contains(csv, "Alpha Trust,"+c.Title+",handler,1,0,0,0") {
			t.Errorf("coverage CSV: %d\n%s", resp.StatusCode, csv)
		}
		if cb := webtest.Get(t, f.Client(t, "B/educator"), f.Srv.URL+"/training/coverage", 200); strings.Contains(cb, c.Title) {
			t.Errorf("organisation B sees A's coverage")
		}
		webtest.Get(t, f.Client(t, "A/reporter"), f.Srv.URL+"/training/coverage", 403)
	})
}

func TestCoursesAPIAndSanitising(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		edu := f.Client(t, "A/educator")
		src := "---\ntitle: Local\nlevel: local\nminutes: 5\naudience: reporter\n---\n# One\n<script>alert(1)</script>\n\n<iframe src=\"https://x\"></iframe>\n\n[click](javascript:alert(2))\n## Quiz\n? Q\n+ y\n  > r\n- n\n  > w\n"
		b, _ := json.Marshal(map[string]any{"source": src})
		resp, body := webtest.Do(t, edu, "POST", f.Srv.URL+"/api/v1/training/courses", string(b))
		var c struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		}
		if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &c) != nil {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		resp, body = webtest.Do(t, edu, "POST", f.Srv.URL+"/api/v1/training/courses", `{"source":"nope"}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"source"`) {
			t.Errorf("bad source: %d %s", resp.StatusCode, body)
		}
		b, _ = json.Marshal(map[string]any{"source": strings.Replace(src, "title: Local", "title: Local two", 1), "version": 1})
		if resp, body = webtest.Do(t, edu, "POST", f.Srv.URL+"/api/v1/training/courses/"+c.ID+"/versions", string(b)); resp.StatusCode != 201 {
			t.Fatalf("publish: %d %s", resp.StatusCode, body)
		}
		if resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/api/v1/training/courses/"+c.ID+"/versions", string(b)); resp.StatusCode != 409 {
			t.Errorf("stale publish: %d, want 409", resp.StatusCode)
		}
		if resp, _ = webtest.Do(t, f.Client(t, "A/reporter"), "POST", f.Srv.URL+"/api/v1/training/courses", `{"source":"x"}`); resp.StatusCode != 403 {
			t.Errorf("reporter writes a course: %d", resp.StatusCode)
		}
		learner := f.Client(t, "A/reporter")
		resp, _ = webtest.Do(t, learner, "POST", f.Srv.URL+"/training/courses/"+c.ID+"/start", "x=1")
		page := webtest.Get(t, learner, f.Srv.URL+"/training/enrolments/"+webtest.Location(t, resp, "/training/enrolments/"), 200)
		for _, bad := range []string{"<script>alert", "<iframe", "javascript:alert"} {
			if strings.Contains(page, bad) {
				t.Errorf("module page keeps %s", bad)
			}
		}
		webtest.Get(t, f.Client(t, "B/reporter"), f.Srv.URL+"/training/courses/"+c.ID, 404)
	})
}

func TestEvidenceAndRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso, edu := f.Client(t, "A/cso"), f.Client(t, "A/educator")
		fields := []string{"title", "CSO training", "provider", "NHS", "completed_on-day", "1", "completed_on-month", "11", "completed_on-year", "2026", "clinical_safety", "yes"}
		resp, body := webtest.Upload(t, cso, f.Srv.URL+"/training/evidence", "big.pdf", append([]byte("%PDF-"), make([]byte, 6<<20)...), fields...)
		if resp.StatusCode != 413 || !strings.Contains(body, "smaller than 5 MB") || !strings.Contains(body, `href="#file"`) {
			t.Fatalf("oversize upload: %d", resp.StatusCode)
		}
		resp, body = webtest.Upload(t, cso, f.Srv.URL+"/training/evidence", "x.exe", []byte("MZ"), fields...)
		if resp.StatusCode != 422 || !strings.Contains(body, "PDF, PNG or JPEG") {
			t.Fatalf("exe upload: %d", resp.StatusCode)
		}
		resp, _ = webtest.Upload(t, cso, f.Srv.URL+"/training/evidence", "cert.png", []byte("\x89PNG\r\n\x1a\nxx"), fields...)
		ev := webtest.Location(t, resp, "/training/evidence/")
		webtest.Get(t, f.Client(t, "A/reporter"), f.Srv.URL+"/training/evidence/"+ev, 404)
		webtest.Get(t, f.Client(t, "A/reporter"), f.Srv.URL+"/training/evidence/"+ev+"/file", 404)
		page := webtest.Get(t, edu, f.Srv.URL+"/training/evidence/"+ev, 200)
		v := versionField.FindStringSubmatch(page)
		if v == nil {
			t.Fatal("no review form")
		}
		resp, body = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/evidence/"+ev+"/review", webtest.Form("version", v[1], "decision", "reject"))
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#reason"`) {
			t.Fatalf("reject without reason: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/evidence/"+ev+"/review", webtest.Form("version", v[1], "decision", "accept"))
		webtest.Location(t, resp, "/training/evidence")
		resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/evidence/"+ev+"/review", webtest.Form("version", v[1], "decision", "accept"))
		if resp.StatusCode != 409 {
			t.Errorf("second review: %d, want 409", resp.StatusCode)
		}
		csoID := f.Users["A/cso"].ID
		resp, body = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/competency/"+csoID, webtest.Form("version", "0", "body", "XX", "number", "", "checked_on-day", "1", "checked_on-month", "11", "checked_on-year", "2026"))
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#body"`) || !strings.Contains(body, `href="#number"`) {
			t.Fatalf("bad registration: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/competency/"+csoID, webtest.Form("version", "0", "body", "NMC", "number", "12a3456e", "checked_on-day", "20", "checked_on-month", "11", "checked_on-year", "2026"))
		webtest.Location(t, resp, "/training/competency")
		reg := webtest.Get(t, cso, f.Srv.URL+"/training/competency", 200)
		if !strings.Contains(reg, "NMC 12A3456E") || !strings.Contains(reg, "CSO training (NHS)") || !strings.Contains(reg, "Current") {
			t.Errorf("register:\n%s", reg)
		}
		if slices.Contains([]int{200}, 0) {
			t.Fatal()
		}
	})
}

// A course's audience is enforced: a learner may start a course whose
// audience includes one of their roles or that is assigned to them (by
// role or by name); educators and administrators preview any course.
// Anyone else sees the course marked as not for their role without a Start
// button, and a direct POST to start it is a 403 that enrols no one. A
// course started before its audience changed is finished on its version.
func TestCourseAudienceEnforced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := builtin(t, "harm-and-psirf") // for handlers and CSOs
		id := installed(t, f, c.Title)
		edu, reporter, devices, handler := f.Client(t, "A/educator"), f.Client(t, "A/reporter"), f.Client(t, "A/devices"), f.Client(t, "A/handler")
		enrolments := func(key string) int {
			t.Helper()
			var n int
			if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM training_enrolments WHERE user_id = $1 AND course_id = $2`, f.Users[key].ID, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		startForm := `action="/training/courses/` + id + `/start"`
		list := webtest.Get(t, reporter, f.Srv.URL+"/training/courses", 200)
		if i := strings.Index(list, c.Title); i < 0 || !strings.Contains(list[i:], "Not for your role") {
			t.Errorf("the catalogue does not mark the course as not for a reporter")
		}
		if n := strings.Count(list, "Not for your role"); n != 2 { // this and the DCB primer; not the essentials
			t.Errorf("the catalogue marks %d courses as not for a reporter, want 2", n)
		}
		page := webtest.Get(t, reporter, f.Srv.URL+"/training/courses/"+id, 200)
		if strings.Contains(page, startForm) || !strings.Contains(page, "not for your role") {
			t.Errorf("a reporter is offered the handlers' course")
		}
		resp, body := webtest.Do(t, reporter, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		if resp.StatusCode != 403 || !strings.Contains(body, "not for your role") {
			t.Errorf("a reporter starts the handlers' course: %d", resp.StatusCode)
		}
		if n := enrolments("A/reporter"); n != 0 {
			t.Errorf("the refused start enrolled the reporter %d times", n)
		}
		// Assigned by name: the reporter may start it.
		resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/assignments", webtest.Form("course_id", id, "role", "", "user_id", f.Users["A/reporter"].ID,
			"due_on-day", "1", "due_on-month", "12", "due_on-year", "2027"))
		webtest.Location(t, resp, "/training/assignments")
		if page := webtest.Get(t, reporter, f.Srv.URL+"/training/courses/"+id, 200); !strings.Contains(page, startForm) {
			t.Errorf("the course assigned to the reporter has no Start button")
		}
		resp, _ = webtest.Do(t, reporter, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		webtest.Location(t, resp, "/training/enrolments/")
		// Assigned by role: the devices role may start it once assigned.
		resp, _ = webtest.Do(t, devices, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		if resp.StatusCode != 403 {
			t.Errorf("devices starts the handlers' course before it is assigned: %d", resp.StatusCode)
		}
		resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/assignments", webtest.Form("course_id", id, "role", "devices", "user_id", "",
			"due_on-day", "1", "due_on-month", "12", "due_on-year", "2027"))
		webtest.Location(t, resp, "/training/assignments")
		resp, _ = webtest.Do(t, devices, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		webtest.Location(t, resp, "/training/enrolments/")
		// An educator previews a course outside their audience.
		if page := webtest.Get(t, edu, f.Srv.URL+"/training/courses/"+id, 200); !strings.Contains(page, startForm) || strings.Contains(page, "not for your role") {
			t.Errorf("an educator cannot preview the course")
		}
		resp, _ = webtest.Do(t, edu, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		webtest.Location(t, resp, "/training/enrolments/")
		// A handler starts it; the audience then narrows to CSOs. The
		// handler finishes the version they started, and may not start it
		// again afterwards.
		resp, _ = webtest.Do(t, handler, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		enrol := webtest.Location(t, resp, "/training/enrolments/")
		var src string
		for _, b := range mustBuiltins(t) {
			if b.Key == "harm-and-psirf" {
				src = strings.Replace(b.Source, "audience: handler, cso", "audience: cso", 1)
			}
		}
		b, _ := json.Marshal(map[string]any{"source": src, "version": 1})
		if resp, body := webtest.Do(t, edu, "POST", f.Srv.URL+"/api/v1/training/courses/"+id+"/versions", string(b)); resp.StatusCode != 201 || !strings.Contains(body, `"cso"`) || strings.Contains(body, `"handler"`) {
			t.Fatalf("narrow the audience: %d %s", resp.StatusCode, body)
		}
		resp, _ = webtest.Do(t, handler, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		if got := webtest.Location(t, resp, "/training/enrolments/"); got != enrol {
			t.Errorf("starting again gave enrolment %s, want the one in progress %s", got, enrol)
		}
		if page := webtest.Get(t, handler, f.Srv.URL+"/training/courses/"+id, 200); !strings.Contains(page, "/training/enrolments/"+enrol) {
			t.Errorf("the course page does not offer the handler their course in progress")
		}
		resp, _ = webtest.Do(t, handler, "POST", f.Srv.URL+"/training/enrolments/"+enrol+"/attempts", "x=1")
		attempt := webtest.Location(t, resp, "/training/attempts/")
		quiz := webtest.Get(t, handler, f.Srv.URL+"/training/attempts/"+attempt, 200)
		resp, _ = webtest.Do(t, handler, "POST", f.Srv.URL+"/training/attempts/"+attempt, quizForm(t, c, quiz, true).Encode())
		webtest.Location(t, resp, "/training/attempts/"+attempt)
		if got := webtest.Get(t, handler, f.Srv.URL+"/training/attempts/"+attempt, 200); !strings.Contains(got, "You passed") {
			t.Errorf("the handler could not finish the version they started")
		}
		resp, body = webtest.Do(t, handler, "POST", f.Srv.URL+"/training/courses/"+id+"/start", "x=1")
		if resp.StatusCode != 403 || !strings.Contains(body, "not for your role") {
			t.Errorf("the handler starts the course again after its audience narrowed: %d", resp.StatusCode)
		}
		if n := enrolments("A/handler"); n != 1 {
			t.Errorf("the handler has %d enrolments, want 1", n)
		}
	})
}

func mustBuiltins(t *testing.T) []training.Builtin {
	t.Helper()
	bs, err := training.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// Evidence is accepted only when the file's name and its content agree: a
// real PDF named certificate.exe, with no extension or named a.pdf.html is
// refused, as is a .pdf name on PNG or HTML bytes, each with a clear
// message. The download's type is the sniffed one, as an attachment with a
// sanitised name, never sniffed by the browser.
func TestEvidenceNameMustMatchContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso := f.Client(t, "A/cso")
		fields := []string{"title", "CSO training", "provider", "NHS", "completed_on-day", "1", "completed_on-month", "11", "completed_on-year", "2026", "clinical_safety", "yes"}
		pdf, png := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
		count := func() int {
			t.Helper()
			var n int
			if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM training_evidence WHERE user_id = $1`, f.Users["A/cso"].ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, c := range []struct {
			name string
			data []byte
			want string
		}{
			{"certificate.exe", pdf, "The file is a PDF but its name ends .exe: rename it to end .pdf"},
			{"certificate", pdf, "The file is a PDF but its name has no extension: rename it to end .pdf"},
			{"a.pdf.html", pdf, "The file is a PDF but its name ends .html: rename it to end .pdf"},
			{"cert.pdf", png, "The file is a PNG image but its name ends .pdf: rename it to end .png"},
			{"cert.pdf", html, "The file must be a PDF, PNG or JPEG"},
		} {
			resp, body := webtest.Upload(t, cso, f.Srv.URL+"/training/evidence", c.name, c.data, fields...)
			if resp.StatusCode != 422 || !strings.Contains(body, c.want) || !strings.Contains(body, `href="#file"`) {
				t.Errorf("%s with %.8q: %d, want 422 saying %q", c.name, c.data, resp.StatusCode, c.want)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("refused uploads recorded %d records", n)
		}
		// Name and content agree (the extension's case does not matter):
		// accepted; the download names it safely.
		resp, _ := webtest.Upload(t, cso, f.Srv.URL+"/training/evidence", `C:\fakepath\my "cert";x=1.PDF`, pdf, fields...)
		ev := webtest.Location(t, resp, "/training/evidence/")
		resp, got := webtest.Do(t, cso, "GET", f.Srv.URL+"/training/evidence/"+ev+"/file", "")
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != 200 || got != string(pdf) || resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"))
		}
		if want := `attachment; filename="my_cert_x_1.pdf"`; cd != want {
			t.Errorf("Content-Disposition %q, want %q", cd, want)
		}
		resp, _ = webtest.Upload(t, cso, f.Srv.URL+"/training/evidence", "scan.jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), fields...)
		ev = webtest.Location(t, resp, "/training/evidence/")
		resp, _ = webtest.Do(t, cso, "GET", f.Srv.URL+"/training/evidence/"+ev+"/file", "")
		if resp.Header.Get("Content-Type") != "image/jpeg" || resp.Header.Get("Content-Disposition") != `attachment; filename="scan.jpeg"` {
			t.Errorf("JPEG download: %q %q", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
	})
}

// The educator who accepts evidence sets until when it counts: the form
// offers the default (EvidenceRenewalMonths from the training date), a bad
// or earlier date is refused, and the learner is shown the date chosen.
func TestEvidenceExpirySetByEducator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		cso, edu := f.Client(t, "A/cso"), f.Client(t, "A/educator")
		resp, _ := webtest.Upload(t, cso, f.Srv.URL+"/training/evidence", "cert.pdf", []byte("%PDF-1.4\n"),
			"title", "CSO training", "provider", "NHS", "completed_on-day", "1", "completed_on-month", "11", "completed_on-year", "2026", "clinical_safety", "yes")
		ev := webtest.Location(t, resp, "/training/evidence/")
		page := webtest.Get(t, edu, f.Srv.URL+"/training/evidence/"+ev, 200)
		for _, want := range []string{`name="expires_on-day" type="text" inputmode="numeric" value="1"`, `name="expires_on-month" type="text" inputmode="numeric" value="11"`,
			`name="expires_on-year" type="text" inputmode="numeric" value="2029"`} {
			if !strings.Contains(page, want) {
				t.Errorf("review form lacks the default expiry: %s", want)
			}
		}
		v := versionField.FindStringSubmatch(page)
		if v == nil {
			t.Fatal("no review form")
		}
		review := func(day, month, year string) (int, string) {
			resp, body := webtest.Do(t, edu, "POST", f.Srv.URL+"/training/evidence/"+ev+"/review",
				webtest.Form("version", v[1], "decision", "accept", "expires_on-day", day, "expires_on-month", month, "expires_on-year", year))
			return resp.StatusCode, body
		}
		for _, c := range []struct{ day, month, year, want string }{
			{"31", "2", "2028", "real date"},
			{"1", "10", "2026", "after the date the training was done"},
			{"1", "11", "2046", "at most 10 years after"},
			{"1", "1", "99999999999999999999", "4-digit year"},
			{"-1", "1", "2028", "real date"},
			{"x", "y", "z", "real date"},
		} {
			code, body := review(c.day, c.month, c.year)
			if code != 422 || !strings.Contains(body, `href="#expires_on"`) || !strings.Contains(body, c.want) {
				t.Errorf("expiry %s-%s-%s: %d, want 422 saying %q", c.year, c.month, c.day, code, c.want)
			}
			// The decision made is kept, not to be made again.
			if !strings.Contains(body, `value="accept" checked`) {
				t.Errorf("expiry %s-%s-%s: the form came back without the decision to accept", c.year, c.month, c.day)
			}
		}
		resp, body := webtest.Do(t, edu, "POST", f.Srv.URL+"/training/evidence/"+ev+"/review", webtest.Form("version", v[1], "reason", "The scan is blurred"))
		if resp.StatusCode != 422 || !strings.Contains(body, ">The scan is blurred</textarea>") || !strings.Contains(body, `aria-describedby="decision-error"`) {
			t.Errorf("review without a decision: %d, want 422 keeping the reason typed, the decision described by its error", resp.StatusCode)
		}
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM training_completions WHERE evidence_id = $1`, ev).Scan(&n); err != nil || n != 0 {
			t.Fatalf("refused reviews made %d completions (%v)", n, err)
		}
		if code, _ := review("15", "5", "2028"); code != 303 {
			t.Fatalf("accept: %d", code)
		}
		if got := webtest.Get(t, cso, f.Srv.URL+"/training/evidence/"+ev, 200); !strings.Contains(got, "Counts until") || !strings.Contains(got, "15 May 2028") {
			t.Errorf("the learner is not shown until when the evidence counts")
		}
		_, me := webtest.Do(t, cso, "GET", f.Srv.URL+"/api/v1/training/me", "")
		if !strings.Contains(me, `"expires_at": "2028-05-15T00:00:00Z"`) {
			t.Errorf("api me lacks the expiry chosen: %.1500s", me)
		}
	})
}
