package evidenceweb

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/evidence"
	"github.com/clinsafe/clinsafe/internal/evidence/evidencedb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/web"
	"github.com/clinsafe/clinsafe/spc"
)

// SystemOptions are the organisation's systems as choices.
func (s *Module) systemOptions(r *http.Request) ([]web.Option, error) {
	cs, err := s.ev.Systems(r.Context(), web.PrincipalFrom(r.Context()).Org.ID)
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, len(cs))
	for i, c := range cs {
		out[i] = web.Option{Value: c.ID, Label: c.Name}
	}
	return out, nil
}

// BedDaysPage lists and enters the organisation's bed days.
type BedDaysPage struct {
	web.Base
	Months         []evidencedb.BedDays
	Month, BedDays string
}

func (s *Module) bedDaysPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderBedDays(w, r, http.StatusOK, "", "", nil)
}

func (s *Module) renderBedDays(w http.ResponseWriter, r *http.Request, status int, month, beds string, ferr error) error {
	p := web.PrincipalFrom(r.Context())
	ms, err := s.ev.ListBedDays(r.Context(), p.Org.ID)
	if err != nil {
		return err
	}
	page := BedDaysPage{Base: s.k.Base(w, r, "Bed days"), Months: ms, Month: month, BedDays: beds}
	if ferr != nil {
		page.SetErrors(ferr, "month", "bed_days")
	}
	return s.k.Render(w, status, "evidence/evidence_bed_days", page)
}

func (s *Module) saveBedDays(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	month, beds := strings.TrimSpace(r.PostForm.Get("month")), strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("bed_days")), ",", "")
	n, err := strconv.ParseInt(beds, 10, 64)
	if err != nil {
		return s.renderBedDays(w, r, http.StatusUnprocessableEntity, month, beds, apperr.Field("bed_days", "Enter the bed days as a whole number, for example 14200"))
	}
	if err := s.ev.SetBedDays(r.Context(), p.Org.ID, evidencedb.BedDays{Month: month, BedDays: n}); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.renderBedDays(w, r, http.StatusUnprocessableEntity, month, beds, err)
		}
		return err
	}
	return s.k.Redirect(w, r, "/evidence/bed-days", "Bed days saved for "+month)
}

// BoardPage chooses the measures of a board pack.
type BoardPage struct {
	web.Base
	Measures []evidence.Measure
}

func (s *Module) boardPage(w http.ResponseWriter, r *http.Request) error {
	var ms []evidence.Measure
	for _, m := range evidence.Measures {
		if m.Available {
			ms = append(ms, m)
		}
	}
	return s.k.Render(w, http.StatusOK, "evidence/evidence_board", BoardPage{Base: s.k.Base(w, r, "Board pack"), Measures: ms})
}

// NetworkPage shows one measure for every member of a network side by
// side, on common axes, and the network's total: aggregates only.
type NetworkPage struct {
	web.Base
	Network  store.Network
	Measure  evidence.Measure
	Measures []web.Option
	Period   string
	Total    ChartView
	Members  []MemberChart
}

// MemberChart is one member organisation's chart.
type MemberChart struct {
	Org   store.Org
	Chart ChartView
}

// network returns the network of the request when the signed-in person
// is its analyst; NotFound otherwise, so it reads as if there were none.
func (s *Module) network(r *http.Request) (store.Network, []store.Org, error) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	ok, err := s.k.Store().IsNetworkAnalyst(r.Context(), id, p.User.ID)
	if err != nil {
		return store.Network{}, nil, err
	}
	if !ok {
		return store.Network{}, nil, store.NotFound("Network")
	}
	n, err := s.k.Store().Network(r.Context(), id)
	if err != nil {
		return n, nil, err
	}
	members, err := s.k.Store().NetworkMembers(r.Context(), id)
	return n, members, err
}

// networkCharts draws the measure for each member and the total, the
// members on the value axis of them all.
func (s *Module) networkCharts(r *http.Request, members []store.Org, m evidence.Measure) (ChartView, []MemberChart, Filters, error) {
	f, q, opt, err := parseFilters(r.URL.Query(), m, s.ev.Now())
	if err != nil {
		return ChartView{}, nil, f, err
	}
	ids := make([]store.OrgID, len(members))
	for i, o := range members {
		ids[i] = o.ID
	}
	total, err := s.chart(r.Context(), ids, f, q, opt, nil)
	if err != nil {
		return total, nil, f, err
	}
	total.SVG = ""
	if total.Result != nil {
		total.SVG = drawChart(total.Result, "Network total: "+total.Title(), m.Unit, total.Period, nil, nil)
	}
	var out []MemberChart
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, o := range members {
		v, err := s.chart(r.Context(), []store.OrgID{o.ID}, f, q, opt, nil)
		if err != nil {
			return total, nil, f, err
		}
		if v.Result != nil {
			a, b := valueRange(v.Result)
			lo, hi = math.Min(lo, a), math.Max(hi, b)
		}
		out = append(out, MemberChart{Org: o, Chart: v})
	}
	for i := range out {
		if v := out[i].Chart; v.Result != nil {
			out[i].Chart.SVG = drawChart(v.Result, out[i].Org.Name+": "+v.Title(), m.Unit, v.Period, nil, &[2]float64{lo, hi})
		}
	}
	return total, out, f, nil
}

func (s *Module) networkPage(w http.ResponseWriter, r *http.Request) error {
	n, members, err := s.network(r)
	if err != nil {
		return err
	}
	code := r.URL.Query().Get("measure")
	if code == "" {
		code = evidence.Measures[0].Code
	}
	m, ok := evidence.MeasureByCode(code)
	if !ok || !m.Available {
		return apperr.Field("measure", "Select a measure")
	}
	page := NetworkPage{Base: s.k.Base(w, r, n.Name), Network: n, Measure: m}
	for _, x := range evidence.Measures {
		if x.Available {
			page.Measures = append(page.Measures, web.Option{Value: x.Code, Label: x.Title, Selected: x.Code == m.Code})
		}
	}
	total, ms, f, err := s.networkCharts(r, members, m)
	status := http.StatusOK
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		page.SetErrors(err)
		status = http.StatusUnprocessableEntity
	}
	page.Total, page.Members, page.Period = total, ms, f.Period
	return s.k.Render(w, status, "evidence/evidence_network", page)
}

// API answers.

// SeriesAnswer is a series as the API gives it.
type SeriesAnswer struct {
	Measure evidence.Measure `json:"measure"`
	Period  evidence.Period  `json:"period"`
	Dim     string           `json:"dim,omitempty"`
	Value   string           `json:"value,omitempty"`
	// Filters are every filter when the chart combines more than one.
	Filters []evidence.Cond  `json:"filters,omitempty"`
	Points  []evidence.Point `json:"points"`
}

// SPCAnswer is a series with its SPC result, in the reference's names.
type SPCAnswer struct {
	SeriesAnswer
	Mean          []float64 `json:"mean,omitempty"`
	LPL           []float64 `json:"lpl,omitempty"`
	UPL           []float64 `json:"upl,omitempty"`
	PointType     []string  `json:"point_type,omitempty"`
	VariationIcon string    `json:"variation_icon,omitempty"`
	AssuranceIcon *string   `json:"assurance_icon"`
	Reading       string    `json:"reading,omitempty"`
	// CannotDraw says why there is no chart (too few points, say).
	CannotDraw string `json:"cannot_draw,omitempty"`
}

func spcAnswer(v ChartView) SPCAnswer {
	a := SPCAnswer{SeriesAnswer: SeriesAnswer{Measure: v.Measure, Period: v.Period, Dim: v.Filters.Dim, Value: v.Filters.Value, Points: v.Points},
		Reading: v.Reading, CannotDraw: v.CannotDraw}
	if v.Filters.Combined() {
		a.Filters = v.Filters.Conds()
	}
	if a.Points == nil {
		a.Points = []evidence.Point{}
	}
	if r := v.Result; r != nil {
		for _, p := range r.Points {
			a.Mean, a.LPL, a.UPL = append(a.Mean, p.Mean), append(a.LPL, p.LPL), append(a.UPL, p.UPL)
			a.PointType = append(a.PointType, string(p.Type))
		}
		a.VariationIcon = string(r.Variation)
		if r.Assurance != spc.AssuranceNone {
			s := string(r.Assurance)
			a.AssuranceIcon = &s
		}
	}
	return a
}

func (s *Module) apiMeasures(w http.ResponseWriter, r *http.Request) error {
	return web.WriteJSON(w, http.StatusOK, evidence.Measures)
}

func (s *Module) apiSeries(w http.ResponseWriter, r *http.Request) error {
	v, err := s.apiChart(r)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, spcAnswer(v).SeriesAnswer)
}

func (s *Module) apiSPC(w http.ResponseWriter, r *http.Request) error {
	v, err := s.apiChart(r)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, spcAnswer(v))
}

func (s *Module) apiChart(r *http.Request) (ChartView, error) {
	m, err := s.measure(r)
	if err != nil {
		return ChartView{}, err
	}
	if !m.Available {
		return ChartView{}, apperr.New(apperr.NotFound, "%s", m.Pending)
	}
	return s.measureView(r, m)
}

// NetworkAnswer is a network's measure: the total and each member's
// series, aggregates only.
type NetworkAnswer struct {
	Network store.Network  `json:"network"`
	Total   SPCAnswer      `json:"total"`
	Members []MemberAnswer `json:"members"`
}

// MemberAnswer is one member's series.
type MemberAnswer struct {
	OrgID   store.OrgID `json:"org_id"`
	ODSCode string      `json:"ods_code"`
	Name    string      `json:"name"`
	SPCAnswer
}

func (s *Module) apiNetwork(w http.ResponseWriter, r *http.Request) error {
	n, members, err := s.network(r)
	if err != nil {
		return err
	}
	m, err := s.measure(r)
	if err != nil {
		return err
	}
	if !m.Available {
		return apperr.New(apperr.NotFound, "%s", m.Pending)
	}
	total, ms, _, err := s.networkCharts(r, members, m)
	if err != nil {
		return err
	}
	out := NetworkAnswer{Network: n, Total: spcAnswer(total), Members: []MemberAnswer{}}
	for _, mc := range ms {
		out.Members = append(out.Members, MemberAnswer{OrgID: mc.Org.ID, ODSCode: mc.Org.ODSCode, Name: mc.Org.Name, SPCAnswer: spcAnswer(mc.Chart)})
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
