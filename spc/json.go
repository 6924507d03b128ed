package spc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Input is one series in the NDJSON format of "clinsafe spc" and the
// evidence API:
//
//	{"id": "falls", "x": ["2026-01-05", ...], "y": [3, 5, ...],
//	 "options": {"improvement_direction": "decrease", "fix_after_n_points": null,
//	             "rebase": ["2026-03-02"], "screen_outliers": true, "target": null}}
//
// Beyond the format, "chart" picks the chart ("xmr", the default,
// "g", "t", "p", "p_prime", "u", "u_prime"), "n" gives the denominators of
// p and u charts, and options may hold "shift_length", "trend_length",
// "reject_gaps" and "multiplier".
type Input struct {
	// ID is echoed back as given (any JSON value; usually a string).
	ID      json.RawMessage `json:"id"`
	Chart   ChartKind       `json:"chart,omitempty"`
	X       []time.Time     `json:"-"`
	Y       []float64       `json:"-"`
	N       []float64       `json:"-"`
	Options Options         `json:"-"`
}

type wireOptions struct {
	ImprovementDirection *string  `json:"improvement_direction"`
	FixAfterNPoints      *int     `json:"fix_after_n_points"`
	Rebase               []string `json:"rebase"`
	ScreenOutliers       *bool    `json:"screen_outliers"`
	Target               *float64 `json:"target"`
	ShiftLength          *int     `json:"shift_length"`
	TrendLength          *int     `json:"trend_length"`
	RejectGaps           *bool    `json:"reject_gaps"`
	Multiplier           *float64 `json:"multiplier"`
}

type wireInput struct {
	ID      json.RawMessage `json:"id"`
	Chart   *string         `json:"chart"`
	X       []string        `json:"x"`
	Y       []*float64      `json:"y"`
	N       []*float64      `json:"n"`
	Options *wireOptions    `json:"options"`
}

// ParseDate reads an ISO 8601 date ("2026-03-04") or an RFC 3339 time.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// ParseSeries reads one series line. The error is an [*Error] wrapping
// [ErrSyntax], [ErrMissingValue] or another sentinel; the returned Input
// holds the id (when it could be read) even on error, so the caller can
// report it.
func ParseSeries(line []byte) (*Input, error) {
	var w wireInput
	in := &Input{}
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		// Try for the id alone, so the error line can carry it.
		var idOnly struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(line, &idOnly) == nil {
			in.ID = idOnly.ID
		}
		return in, errf("line", -1, ErrSyntax, "%s", jsonProblem(err))
	}
	in.ID = w.ID
	if d.More() {
		return in, errf("line", -1, ErrSyntax, "more than one JSON value on the line")
	}
	if w.Chart != nil {
		in.Chart = ChartKind(*w.Chart)
	}
	in.X = make([]time.Time, len(w.X))
	for i, s := range w.X {
		t, err := ParseDate(s)
		if err != nil {
			return in, errf("x", i, ErrSyntax, "%q is not a date like 2026-03-04", s)
		}
		in.X[i] = t
	}
	var err error
	if in.Y, err = values("y", w.Y); err != nil {
		return in, err
	}
	if w.N != nil {
		if in.N, err = values("n", w.N); err != nil {
			return in, err
		}
	}
	if o := w.Options; o != nil {
		if o.ImprovementDirection != nil {
			in.Options.Direction = Direction(*o.ImprovementDirection)
		}
		if o.FixAfterNPoints != nil {
			in.Options.FixAfterNPoints = *o.FixAfterNPoints
			if *o.FixAfterNPoints == 0 {
				return in, errf("fix_after_n_points", -1, ErrBaseline, "use null for a baseline of every point")
			}
		}
		for i, s := range o.Rebase {
			t, err := ParseDate(s)
			if err != nil {
				return in, errf("rebase", i, ErrSyntax, "%q is not a date like 2026-03-04", s)
			}
			in.Options.Rebase = append(in.Options.Rebase, t)
		}
		if o.ScreenOutliers != nil {
			in.Options.Screening = NoScreening
			if *o.ScreenOutliers {
				in.Options.Screening = ScreenOutliers
			}
		}
		in.Options.Target = o.Target
		if o.ShiftLength != nil {
			in.Options.ShiftLength = *o.ShiftLength
			if *o.ShiftLength == 0 {
				return in, errf("shift_length", -1, ErrRunLength, "0 is not between 3 and 25")
			}
		}
		if o.TrendLength != nil {
			in.Options.TrendLength = *o.TrendLength
			if *o.TrendLength == 0 {
				return in, errf("trend_length", -1, ErrRunLength, "0 is not between 3 and 25")
			}
		}
		if o.RejectGaps != nil {
			in.Options.RejectGaps = *o.RejectGaps
		}
		if o.Multiplier != nil {
			if *o.Multiplier <= 0 {
				return in, errf("multiplier", -1, ErrNotFinite, "the multiplier must be positive")
			}
			in.Options.Multiplier = *o.Multiplier
		}
	}
	return in, nil
}

func values(field string, v []*float64) ([]float64, error) {
	out := make([]float64, len(v))
	for i, p := range v {
		if p == nil {
			return nil, errf(field, i, ErrMissingValue, "leave a missing period out of x and %s, or give its value", field)
		}
		out[i] = *p
	}
	return out, nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("%s must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("expected %s, not %s", te.Type, te.Value)
	}
	return err.Error()
}

// Run computes the chart the input asks for.
func Run(in *Input) (*Result, error) {
	switch in.Chart {
	case "", KindXmR:
		return XmR(in.X, in.Y, in.Options)
	case KindG:
		return GChart(in.X, in.Y, in.Options)
	case KindT:
		return TChart(in.X, in.Y, in.Options)
	case KindP:
		return PChart(in.X, in.Y, in.N, in.Options)
	case KindPPrime:
		return LaneyPChart(in.X, in.Y, in.N, in.Options)
	case KindU:
		return UChart(in.X, in.Y, in.N, in.Options)
	case KindUPrime:
		return LaneyUChart(in.X, in.Y, in.N, in.Options)
	}
	return nil, errf("chart", -1, ErrSyntax, "%q is not xmr, g, t, p, p_prime, u or u_prime", string(in.Chart))
}

// Output is one result line, exactly the format.
type Output struct {
	ID            json.RawMessage `json:"id"`
	Mean          []float64       `json:"mean"`
	LPL           []float64       `json:"lpl"`
	UPL           []float64       `json:"upl"`
	PointType     []PointType     `json:"point_type"`
	VariationIcon VariationIcon   `json:"variation_icon"`
	// AssuranceIcon is null without a target.
	AssuranceIcon *AssuranceIcon `json:"assurance_icon"`
}

// NewOutput is the result line of r for the series id.
func NewOutput(id json.RawMessage, r *Result) Output {
	o := Output{ID: nullID(id), VariationIcon: r.Variation}
	n := len(r.Points)
	o.Mean, o.LPL, o.UPL, o.PointType = make([]float64, n), make([]float64, n), make([]float64, n), make([]PointType, n)
	for i, p := range r.Points {
		o.Mean[i], o.LPL[i], o.UPL[i], o.PointType[i] = p.Mean, p.LPL, p.UPL, p.Type
	}
	if r.Assurance != AssuranceNone {
		a := r.Assurance
		o.AssuranceIcon = &a
	}
	return o
}

// ErrorOutput is the error line for a series that could not be charted.
type ErrorOutput struct {
	ID    json.RawMessage `json:"id"`
	Line  int             `json:"line"`
	Field string          `json:"field,omitempty"`
	Error string          `json:"error"`
}

// NewErrorOutput is the error line for the series id on line (from 1).
func NewErrorOutput(id json.RawMessage, line int, err error) ErrorOutput {
	o := ErrorOutput{ID: nullID(id), Line: line, Error: err.Error()}
	var e *Error
	if errors.As(err, &e) {
		o.Field = e.Field
	}
	return o
}

func nullID(id json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(id)) == 0 {
		return json.RawMessage("null")
	}
	return id
}
