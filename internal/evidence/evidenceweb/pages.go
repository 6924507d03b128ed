package evidenceweb

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"time"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/xuri/excelize/v2"
)

// DashboardPage is the evidence home: every measure of the organisation
// with its chart and reading, and the networks the person analyses.
type DashboardPage struct {
	web.Base
	CanRead  bool
	Charts   []ChartView
	Pending  []evidence.Measure
	Networks []store.Network
	CanBeds  bool
}

func (s *Module) dashboard(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	page := DashboardPage{Base: s.k.Base(w, r, "Evidence"), CanRead: auth.HasAny(p.Roles, evRead...), CanBeds: auth.HasAny(p.Roles, evBeds...)}
	nets, err := s.k.Store().AnalystNetworks(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	page.Networks = nets
	if page.CanRead {
		charts, pending, err := s.dashboardCharts(r, []store.OrgID{p.Org.ID}, p.Org.ID)
		if err != nil {
			return err
		}
		page.Charts, page.Pending = charts, pending
	}
	return s.k.Render(w, http.StatusOK, "evidence/evidence_dashboard", page)
}

// dashboardCharts draws every available measure by week (month where the
// measure has months only) for orgs; changes are orgID's ("" for none).
func (s *Module) dashboardCharts(r *http.Request, orgs []store.OrgID, orgID store.OrgID) ([]ChartView, []evidence.Measure, error) {
	var charts []ChartView
	var pending []evidence.Measure
	for _, m := range evidence.Measures {
		if !m.Available {
			pending = append(pending, m)
			continue
		}
		f, q, opt, err := parseFilters(nil, m, s.ev.Now())
		if err != nil {
			return nil, nil, err
		}
		var changes []evidencedb.MarkedChange
		if orgID != "" {
			if changes, err = s.ev.Changes(r.Context(), orgID, m.Code, "", ""); err != nil {
				return nil, nil, err
			}
		}
		v, err := s.chart(r.Context(), orgs, f, q, opt, changes)
		if err != nil {
			return nil, nil, err
		}
		charts = append(charts, v)
	}
	return charts, pending, nil
}

// MeasurePage is one measure: its filters, chart, reading, data table,
// downloads and the changes marked on it.
type MeasurePage struct {
	web.Base
	Chart     ChartView
	Choices   map[string][]web.Option
	Systems   []web.Option
	CanMark   bool
	CanAttach bool
	// The mark-a-change form as typed, when it was refused.
	Mark MarkForm
}

// MarkForm is the form marking a change.
type MarkForm struct {
	Title, SystemID string
	On              web.DateParts
}

func (s *Module) measure(r *http.Request) (evidence.Measure, error) {
	m, ok := evidence.MeasureByCode(r.PathValue("code"))
	if !ok {
		return m, store.NotFound("Measure")
	}
	return m, nil
}

// measureView reads the chart the request's filters ask for.
func (s *Module) measureView(r *http.Request, m evidence.Measure) (ChartView, error) {
	p := web.PrincipalFrom(r.Context())
	f, q, opt, err := parseFilters(r.URL.Query(), m, s.ev.Now())
	if err != nil {
		return ChartView{Measure: m, Filters: f, Period: q.Period}, err
	}
	if !m.Available {
		return ChartView{Measure: m, Filters: f, Period: q.Period}, nil
	}
	// Changes are marked on a chart of one filter at most: a chart of
	// combined filters shows none.
	var changes []evidencedb.MarkedChange
	if !f.Combined() {
		if changes, err = s.ev.Changes(r.Context(), p.Org.ID, m.Code, q.Dim, q.Value); err != nil {
			return ChartView{}, err
		}
	}
	return s.chart(r.Context(), []store.OrgID{p.Org.ID}, f, q, opt, changes)
}

func (s *Module) measurePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMeasure(w, r, MarkForm{}, nil)
}

func (s *Module) renderMeasure(w http.ResponseWriter, r *http.Request, mf MarkForm, markErr error) error {
	m, err := s.measure(r)
	if err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	page := MeasurePage{Base: s.k.Base(w, r, m.Title), CanMark: auth.HasAny(p.Roles, evMark...), CanAttach: auth.HasAny(p.Roles, evAttach...), Mark: mf}
	status := http.StatusOK
	v, err := s.measureView(r, m)
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		page.SetErrors(err)
		// A filter's message shows at the first filter select.
		for i, fe := range page.ErrorList {
			if fe.Field == "dim" || fe.Field == "value" || fe.Field == "filter" {
				page.ErrorList[i].Href = "#filter"
			}
		}
		status = http.StatusUnprocessableEntity
	}
	if markErr != nil {
		page.SetErrors(markErr, "title", "changed_on", "system_id")
		status = http.StatusUnprocessableEntity
	}
	page.Chart = v
	if page.Choices, err = s.filterChoices(r.Context(), []store.OrgID{p.Org.ID}, m); err != nil {
		return err
	}
	if page.CanMark {
		if page.Systems, err = s.systemOptions(r); err != nil {
			return err
		}
	}
	return s.k.Render(w, status, "evidence/evidence_measure", page)
}

// table is the measure's data as rows of cells, with a header.
func table(v ChartView) [][]string {
	out := [][]string{{"Period starting", v.Measure.Unit, "Numerator", "Denominator", "Mean", "Lower process limit", "Upper process limit", "Variation"}}
	for i, p := range v.Points {
		row := []string{p.Start.Format(time.DateOnly), evidence.Num(p.Value), evidence.Num(p.Num), "", "", "", "", ""}
		if p.Den != 0 {
			row[3] = evidence.Num(p.Den)
		}
		if v.Result != nil && i < len(v.Result.Points) {
			rp := v.Result.Points[i]
			row[4], row[5], row[6], row[7] = evidence.Num(rp.Mean), evidence.Num(rp.LPL), evidence.Num(rp.UPL), string(rp.Type)
		}
		out = append(out, row)
	}
	return out
}

func (s *Module) download(w http.ResponseWriter, r *http.Request) (ChartView, error) {
	m, err := s.measure(r)
	if err != nil {
		return ChartView{}, err
	}
	if !m.Available {
		return ChartView{}, apperr.New(apperr.NotFound, "%s", m.Pending)
	}
	return s.measureView(r, m)
}

func (s *Module) measureCSV(w http.ResponseWriter, r *http.Request) error {
	v, err := s.download(w, r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if err := cw.WriteAll(table(v)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, v.Measure.Code, v.Period))
	_, err = buf.WriteTo(w)
	return err
}

func (s *Module) measureXLSX(w http.ResponseWriter, r *http.Request) error {
	v, err := s.download(w, r)
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := "Data"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	for i, row := range table(v) {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(sheet, cell, &cells); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, v.Measure.Code, v.Period))
	return x.Write(w)
}

func (s *Module) markChange(w http.ResponseWriter, r *http.Request) error {
	m, err := s.measure(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	iso, typed, msg := web.FormDate(r.PostForm, "changed_on", "the day of the change")
	mf := MarkForm{Title: r.PostForm.Get("title"), SystemID: r.PostForm.Get("system_id"), On: typed}
	// The chart's filters come with the form, so the page comes back to
	// the same chart.
	r.URL.RawQuery = r.PostForm.Get("query")
	f, q, _, err := parseFilters(r.URL.Query(), m, s.ev.Now())
	if err != nil {
		return s.renderMeasure(w, r, mf, err)
	}
	if f.Combined() {
		return s.renderMeasure(w, r, mf, apperr.Field("title", "A change is marked on a chart of one filter at most: show the chart with one filter, then mark the change"))
	}
	c := evidencedb.MarkedChange{Measure: m.Code, Dim: q.Dim, Value: q.Value, Period: q.Period, Title: mf.Title, SystemID: mf.SystemID}
	if msg != "" {
		return s.renderMeasure(w, r, mf, apperr.Field("changed_on", msg))
	}
	if iso != "" {
		c.On, _ = time.Parse(time.DateOnly, iso)
	}
	if _, err := s.ev.MarkChange(r.Context(), p.Org.ID, c); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.renderMeasure(w, r, mf, err)
		}
		return err
	}
	return s.k.Redirect(w, r, "/evidence/measures/"+m.Code+"?"+f.Query(), "Change marked: the chart is rebased there when it has at least 2 points on each side")
}

// attachChange attaches a change's before-and-after statement to its
// system's safety case: the statement as the measure page showed it. The
// attach form carries the page's query (its filters, span and options)
// and the statement shown; the statement is read again by the page's own
// code (measureView) and attached only when it is the one shown, so new
// data since the page was drawn is a Conflict, never a silent change.
func (s *Module) attachChange(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	if err := web.ParseForm(r); err != nil {
		return err
	}
	c, err := s.ev.Change(r.Context(), p.Org.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	m, ok := evidence.MeasureByCode(c.Measure)
	if !ok {
		return store.NotFound("Measure")
	}
	st, f, err := s.shownStatement(r, m, c, r.PostForm.Get("query"))
	if err != nil {
		return err
	}
	if shown := r.PostForm.Get("statement"); shown != "" && shown != st.Words() {
		return apperr.New(apperr.Conflict, "The statement has changed since the page was shown, as the data has changed: read it again on the chart, then attach it")
	}
	if _, err := s.ev.AttachChange(r.Context(), p.Org.ID, c.ID, st.Words()); err != nil {
		return err
	}
	return s.k.Redirect(w, r, "/evidence/measures/"+m.Code+"?"+f.Query(), "Statement attached to the safety case of "+c.SystemName)
}

// shownStatement reads change c's before-and-after statement as the
// measure page shows it for query (the page's query; "" for the page of
// c's series as it opens), by the same code as the page. Invalid when the
// query is not of c's chart or the chart has no statement of c.
func (s *Module) shownStatement(r *http.Request, m evidence.Measure, c evidencedb.MarkedChange, query string) (evidence.Statement, Filters, error) {
	if query == "" {
		query = Filters{Period: string(c.Period), Dim: c.Dim, Value: c.Value}.Query()
	}
	r.URL.RawQuery = query
	v, err := s.measureView(r, m)
	if err != nil {
		return evidence.Statement{}, v.Filters, err
	}
	if v.Filters.Combined() || v.Filters.Dim != c.Dim || v.Filters.Value != c.Value {
		return evidence.Statement{}, v.Filters, apperr.New(apperr.Invalid, "This change is marked on another chart: attach its statement from the chart it is marked on")
	}
	for _, cv := range v.Changes {
		if cv.ID != c.ID {
			continue
		}
		if cv.Problem != "" {
			return cv.Statement, v.Filters, apperr.New(apperr.Invalid, "%s", cv.Problem)
		}
		return cv.Statement, v.Filters, nil
	}
	why := v.CannotDraw
	if why == "" {
		why = "This chart has no statement of the change."
	}
	return evidence.Statement{}, v.Filters, apperr.New(apperr.Invalid, "There is no statement to attach. %s", why)
}
