package riskweb

import (
	"bytes"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/risk/riskdb"
	"github.com/clinsafe/clinsafe/internal/training/trainingdb"
	"github.com/clinsafe/clinsafe/internal/web"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/risk"
	"github.com/clinsafe/clinsafe/internal/risk/report"
)

// IssueCheckPage is the check-your-answers step before a hazard log is
// issued: what changed since the last issued version, and the signature.
type IssueCheckPage struct {
	web.Base
	Changes     riskdb.LogChanges
	LastVersion string
	Comment     string
	CanApprove  bool
}

func (s *Module) issueCheckPage(w http.ResponseWriter, r *http.Request) (IssueCheckPage, error) {
	p := web.PrincipalFrom(r.Context())
	ch, err := s.risk.LogChanges(r.Context(), p.Org, r.PathValue("id"))
	if err != nil {
		return IssueCheckPage{}, err
	}
	d := IssueCheckPage{Base: s.k.Base(w, r, "Check the hazard log of "+ch.System.Name+" before you issue it"), Changes: ch, CanApprove: canApprove(p)}
	if ch.Last != nil {
		d.LastVersion = ch.Last.Version
	}
	return d, nil
}

func (s *Module) riskIssueCheckPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.issueCheckPage(w, r)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/issue_check", d)
}

func (s *Module) riskIssueLog(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sg, err := s.k.Store().VerifySigner(r.Context(), r.PostForm.Get("password"))
	if err != nil {
		return s.signFailed(w, r, err)
	}
	// The signature approves the log the CSO was shown: a form without
	// what it showed is out of date, and is checked again.
	reviewed := r.PostForm.Get("reviewed")
	if reviewed == "" {
		reviewed = "none"
	}
	li, err := s.risk.IssueReviewedLog(r.Context(), p.Org, r.PathValue("id"), r.PostForm.Get("comment"), reviewed, sg)
	if apperr.Is(err, apperr.Conflict) {
		// Changed since it was checked (or nothing to issue): the check
		// page again, as the log stands now.
		d, derr := s.issueCheckPage(w, r)
		if derr != nil {
			return derr
		}
		d.Comment = r.PostForm.Get("comment")
		d.SetErrors(err)
		return s.k.Render(w, http.StatusConflict, "risk/issue_check", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/issues/"+li.ID, "Hazard log version "+li.Version+" approved and issued.")
}

// IssuePage shows an issued hazard log version.
type IssuePage struct {
	web.Base
	Issue   riskdb.LogIssue
	Hazards []HazardRow
	Others  []riskdb.LogIssue
}

func (s *Module) riskIssuePage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	li, err := s.risk.LogIssue(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Rated with the matrix it was issued with: a later change of the
	// plan does not re-rate an issued version (older versions carry none
	// and fall back to the plan's).
	plan, err := s.risk.Matrix(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	m := li.Log.RatingMatrix(plan)
	others, err := s.risk.LogIssues(r.Context(), p.Org.ID, li.SystemID)
	if err != nil {
		return err
	}
	href := func(h *risk.Hazard) string { return "/risk/issues/" + li.ID + "/hazards/" + url.PathEscape(h.Ref) }
	return s.k.Render(w, http.StatusOK, "risk/issue", IssuePage{Base: s.k.Base(w, r, li.Log.System.Name+" hazard log version "+li.Version),
		Issue: li, Hazards: hazardRows(li.Log.Hazards, m, li.IssuedAt, href), Others: others})
}

// IssueHazardPage is one hazard as it was in an issued version of the
// log, from the issued snapshot, rated with the matrix it was issued with.
type IssueHazardPage struct {
	web.Base
	Issue     riskdb.LogIssue
	Hazard    risk.Hazard
	Initial   int
	Residual  int
	Matrix    risk.Matrix
	Now       time.Time
	NeedsJust bool
	// CurrentID is the live hazard's id, when it is still in the log.
	CurrentID string
}

// issuedHazard finds a hazard of an issued log by its reference
// ("HAZ-004", any case) or its number ("4").
func issuedHazard(l risk.Log, ref string) (risk.Hazard, bool) {
	ref = strings.TrimSpace(ref)
	n, err := strconv.Atoi(ref)
	for _, h := range l.Hazards {
		if strings.EqualFold(h.Ref, ref) || (err == nil && n > 0 && h.Number == n) {
			return h, true
		}
	}
	return risk.Hazard{}, false
}

func (s *Module) riskIssueHazardPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	li, err := s.risk.LogIssue(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	h, ok := issuedHazard(li.Log, r.PathValue("ref"))
	if !ok {
		return apperr.New(apperr.NotFound, "Version %s of the hazard log has no hazard %s", li.Version, r.PathValue("ref"))
	}
	plan, err := s.risk.Matrix(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	m := li.Log.RatingMatrix(plan)
	d := IssueHazardPage{Base: s.k.Base(w, r, h.Ref+" "+h.Name+" in version "+li.Version), Issue: li, Hazard: h, Matrix: m, Now: li.IssuedAt}
	d.Initial, _ = h.InitialRating(m)
	d.Residual, _ = h.ResidualRating(m)
	d.NeedsJust = m.NeedsJustification(d.Residual)
	if cur, err := s.risk.Hazard(r.Context(), p.Org.ID, h.ID); err == nil && cur.SystemID == li.SystemID {
		d.CurrentID = cur.ID
	}
	return s.k.Render(w, http.StatusOK, "risk/issue_hazard", d)
}

// DiffPage compares two issued versions of a hazard log.
type DiffPage struct {
	web.Base
	System   riskdb.System
	Issues   []riskdb.LogIssue
	From, To riskdb.LogIssue
	Diff     risk.LogDiff
	Compared bool
}

func (s *Module) diffOf(r *http.Request) (riskdb.System, []riskdb.LogIssue, riskdb.LogIssue, riskdb.LogIssue, bool, error) {
	p := web.PrincipalFrom(r.Context())
	sys, err := s.risk.System(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return sys, nil, riskdb.LogIssue{}, riskdb.LogIssue{}, false, err
	}
	issues, err := s.risk.LogIssues(r.Context(), p.Org.ID, sys.ID)
	if err != nil {
		return sys, nil, riskdb.LogIssue{}, riskdb.LogIssue{}, false, err
	}
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" && to == "" && len(issues) >= 2 {
		from, to = issues[1].ID, issues[0].ID
	}
	if from == "" || to == "" {
		return sys, issues, riskdb.LogIssue{}, riskdb.LogIssue{}, false, nil
	}
	var a, b riskdb.LogIssue
	for _, li := range issues {
		if li.ID == from {
			a = li
		}
		if li.ID == to {
			b = li
		}
	}
	if a.ID == "" || b.ID == "" {
		return sys, issues, a, b, false, apperr.New(apperr.NotFound, "Issued hazard log was not found")
	}
	return sys, issues, a, b, true, nil
}

func (s *Module) riskDiffPage(w http.ResponseWriter, r *http.Request) error {
	sys, issues, a, b, ok, err := s.diffOf(r)
	if err != nil {
		return err
	}
	d := DiffPage{Base: s.k.Base(w, r, "Compare issued versions of "+sys.Name), System: sys, Issues: issues, From: a, To: b, Compared: ok}
	if ok {
		d.Diff = risk.DiffLogs(a.Log, b.Log)
	}
	return s.k.Render(w, http.StatusOK, "risk/diff", d)
}

// CSCRPage previews the safety case report from the latest issued hazard
// log and edits its narrative sections.
type CSCRPage struct {
	web.Base
	System     riskdb.System
	Draft      riskdb.CSCRDraft
	Report     risk.CSCR
	HasIssue   bool
	Issue      riskdb.LogIssue
	Reports    []riskdb.CSCRIssue
	CanEdit    bool
	CanApprove bool
	// SavedDraft is the Reviewed of the draft as saved.
	SavedDraft string
	Sections   []SectionField
	// LapsedCSOs are the system's CSOs whose competency has lapsed.
	LapsedCSOs []trainingdb.CSO
	// Evidence are before-and-after statements of digital changes to the
	// system, attached from the evidence wing's measures.
	Evidence []evidencedb.MarkedChange
}

// SectionField is one editable report section.
type SectionField struct {
	Key, Title, Text, Default string
	// Required: the report cannot be issued until the section is written
	// (ToWrite: clinsafe cannot know its content at all).
	Required, ToWrite bool
	// Facts are what clinsafe records under the section from the log.
	Facts []string
}

func (s *Module) cscrPage(w http.ResponseWriter, r *http.Request, draft *riskdb.CSCRDraft) (CSCRPage, error) {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	sys, err := s.risk.System(ctx, p.Org.ID, r.PathValue("id"))
	if err != nil {
		return CSCRPage{}, err
	}
	d := CSCRPage{Base: s.k.Base(w, r, "Clinical safety case report for "+sys.Name), System: sys, CanEdit: canEdit(p), CanApprove: canApprove(p)}
	if d.LapsedCSOs, _, err = s.csoCompetency(ctx, p.Org.ID, sys); err != nil {
		return d, err
	}
	// The issuing form names the draft as saved, even when the page
	// shows an edit that could not be saved.
	if d.Draft, err = s.risk.CSCRDraft(ctx, p.Org.ID, sys.ID); err != nil {
		return d, err
	}
	d.SavedDraft = d.Draft.Reviewed
	if draft != nil {
		d.Draft = *draft
	}
	issues, err := s.risk.LogIssues(ctx, p.Org.ID, sys.ID)
	if err != nil {
		return d, err
	}
	if d.Reports, err = s.risk.CSCRIssues(ctx, p.Org.ID, sys.ID); err != nil {
		return d, err
	}
	if d.Evidence, err = evidencedb.New(s.k.Store()).SystemEvidence(ctx, p.Org.ID, sys.ID); err != nil {
		return d, err
	}
	li := riskdb.LogIssue{Log: risk.Log{System: sys.Info(p.Org.Name)}}
	if len(issues) > 0 {
		li, d.HasIssue, d.Issue = issues[0], true, issues[0]
	}
	if d.Report, err = s.risk.BuildCSCR(ctx, p.Org, sys.ID, li, d.Draft, p.User.Name, s.k.Store().Now()); err != nil {
		return d, err
	}
	blank, err := s.risk.BuildCSCR(ctx, p.Org, sys.ID, li, riskdb.CSCRDraft{DocumentVersion: d.Draft.DocumentVersion}, p.User.Name, s.k.Store().Now())
	if err != nil {
		return d, err
	}
	for _, sec := range blank.Sections {
		d.Sections = append(d.Sections, SectionField{Key: sec.Key, Title: sec.Title, Text: d.Draft.Narratives[sec.Key], Default: sec.Text,
			Required: sec.Required, ToWrite: sec.ToWrite, Facts: sec.Facts})
	}
	return d, nil
}

// cscrFields are the report form's fields in page order.
func cscrFields() []string {
	out := []string{"password", "document_version", "phase", "author", "cso_registration"}
	for _, k := range risk.SectionKeys() {
		out = append(out, "section-"+k)
	}
	return out
}

func (s *Module) riskCSCRPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.cscrPage(w, r, nil)
	if err != nil {
		return err
	}
	return s.k.Render(w, http.StatusOK, "risk/cscr", d)
}

func (s *Module) riskSaveCSCR(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	in := riskdb.CSCRDraft{DocumentVersion: r.PostForm.Get("document_version"), Phase: r.PostForm.Get("phase"),
		Author: r.PostForm.Get("author"), CSORegistration: r.PostForm.Get("cso_registration"), Narratives: map[string]string{}}
	for _, k := range risk.SectionKeys() {
		in.Narratives[k] = r.PostForm.Get("section-" + k)
	}
	_, err := s.risk.SaveCSCRDraft(r.Context(), p.Org.ID, r.PathValue("id"), in)
	if apperr.Is(err, apperr.Invalid) {
		d, derr := s.cscrPage(w, r, &in)
		if derr != nil {
			return derr
		}
		d.SetErrors(err, cscrFields()...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/cscr", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/systems/"+r.PathValue("id")+"/cscr", "Report draft saved.")
}

func (s *Module) riskIssueCSCR(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	sg, err := s.k.Store().VerifySigner(r.Context(), r.PostForm.Get("password"))
	if err != nil {
		return s.signFailed(w, r, err)
	}
	regs, err := s.csoRegistrations(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	// The signature approves the report the CSO was shown: built from
	// the hazard log version the form names, with the draft as saved
	// then. A form without them is out of date, and is checked again.
	rv := riskdb.CSCRReviewed{LogIssueID: r.PostForm.Get("log_issue_id"), Draft: r.PostForm.Get("draft")}
	if rv.LogIssueID == "" {
		rv.LogIssueID = "none"
	}
	ci, err := s.risk.IssueReviewedCSCR(r.Context(), p.Org, r.PathValue("id"), rv, sg, regs)
	if apperr.Is(err, apperr.Conflict) {
		d, derr := s.cscrPage(w, r, nil)
		if derr != nil {
			return derr
		}
		d.SetErrors(err)
		return s.k.Render(w, http.StatusConflict, "risk/cscr", d)
	}
	if apperr.Is(err, apperr.Invalid) {
		// What the report still needs, on the draft form in the
		// error-summary pattern.
		d, derr := s.cscrPage(w, r, nil)
		if derr != nil {
			return derr
		}
		d.SetErrors(err, cscrFields()...)
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/cscr", d)
	}
	if err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/risk/cscrs/"+ci.ID, "Clinical safety case report "+ci.DocumentVersion+" issued.")
}

// CSCRIssuePage shows an issued report, laid out to print.
type CSCRIssuePage struct {
	web.Base
	Issue    riskdb.CSCRIssue
	Sections []ReportSection
}

// ReportSection is a report section split into paragraphs and bullets.
type ReportSection struct {
	risk.Section
	Blocks []Block
}

// Block is a paragraph or a bullet list.
type Block struct {
	Text    string
	Bullets []string
}

func blocks(text string) []Block {
	var out []Block
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		var b Block
		var plain []string
		for _, line := range strings.Split(para, "\n") {
			t := strings.TrimSpace(line)
			if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
				b.Bullets = append(b.Bullets, strings.TrimSpace(t[2:]))
			} else if t != "" {
				plain = append(plain, t)
			}
		}
		b.Text = strings.Join(plain, " ")
		if b.Text != "" || len(b.Bullets) > 0 {
			out = append(out, b)
		}
	}
	return out
}

func (s *Module) cscrIssue(r *http.Request) (riskdb.CSCRIssue, error) {
	return s.risk.CSCRIssue(r.Context(), web.PrincipalFrom(r.Context()).Org.ID, r.PathValue("id"))
}

func (s *Module) riskCSCRIssuePage(w http.ResponseWriter, r *http.Request) error {
	ci, err := s.cscrIssue(r)
	if err != nil {
		return err
	}
	d := CSCRIssuePage{Base: s.k.Base(w, r, ci.Report.Title()), Issue: ci}
	for _, sec := range ci.Report.Sections {
		d.Sections = append(d.Sections, ReportSection{Section: sec, Blocks: blocks(sec.Text)})
	}
	return s.k.Render(w, http.StatusOK, "risk/cscr_issue", d)
}

func fileName(name, ext string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	n := strings.Trim(b.String(), "-")
	if n == "" {
		n = "download"
	}
	return n + "." + ext
}

func sendFile(w http.ResponseWriter, contentType, name string, body []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(body)
	return err
}

func (s *Module) riskCSCRPDF(w http.ResponseWriter, r *http.Request) error {
	ci, err := s.cscrIssue(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := report.PDF(ci.Report, &buf); err != nil {
		return err
	}
	return sendFile(w, "application/pdf", fileName(ci.Report.System.Name+" CSCR "+ci.DocumentVersion, "pdf"), buf.Bytes())
}

func (s *Module) riskCSCRMarkdown(w http.ResponseWriter, r *http.Request) error {
	ci, err := s.cscrIssue(r)
	if err != nil {
		return err
	}
	return sendFile(w, "text/markdown; charset=utf-8", fileName(ci.Report.System.Name+" CSCR "+ci.DocumentVersion, "md"), report.Markdown(ci.Report))
}

// signFailed re-renders the page the signature was made from (the system
// page for a hazard log, the report page for a safety case report) with
// the password error, or returns err when it is not a form error.
func (s *Module) signFailed(w http.ResponseWriter, r *http.Request, err error) error {
	if !apperr.Is(err, apperr.Invalid) {
		return err
	}
	if strings.HasSuffix(r.URL.Path, "/cscrs") {
		d, derr := s.cscrPage(w, r, nil)
		if derr != nil {
			return derr
		}
		d.SetErrors(err, "password")
		return s.k.Render(w, http.StatusUnprocessableEntity, "risk/cscr", d)
	}
	d, derr := s.issueCheckPage(w, r)
	if derr != nil {
		return derr
	}
	d.Comment = r.PostForm.Get("comment")
	d.SetErrors(err, "password")
	return s.k.Render(w, http.StatusUnprocessableEntity, "risk/issue_check", d)
}
