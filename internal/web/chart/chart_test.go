package chart

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func grid() HeatMap {
	return HeatMap{ID: "m1", Title: `Risk <script>alert("t")</script>`, RowAxis: "Likelihood", ColumnAxis: "Severity",
		Rows:    []string{"High", `<script>alert(1)</script>`},
		Columns: []string{"Minor", "Major & worse", "Fatal"},
		Cells: [][]Cell{
			{{Count: 3, Tag: "R2", Fill: "#fff0b3"}, {Count: 0, Tag: "R4", Fill: "#f5c2c0"}, {Count: 12, Tag: "R5", Fill: `red" onclick="x`}},
			{{Count: 1, Tag: "<b>", Fill: "#cce5d6"}}, // short row: the rest is empty
		}}
}

// svgText is the text content of every element named name, in order.
func svgText(t *testing.T, svg, name string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []string
	var in []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			in = append(in, tok.Name.Local)
			if tok.Name.Local == name {
				out = append(out, "")
			}
		case xml.EndElement:
			in = in[:len(in)-1]
		case xml.CharData:
			if len(in) > 0 && in[len(in)-1] == name {
				out[len(out)-1] += string(tok)
			}
		}
	}
}

func TestHeatMapEscapesEveryLabel(t *testing.T) {
	svg := string(grid().SVG())
	if strings.Contains(svg, "<script") || strings.Contains(svg, `onclick="x`) || strings.Contains(svg, "<b>") {
		t.Errorf("unescaped markup in the SVG:\n%s", svg)
	}
	for _, want := range []string{`&lt;script&gt;alert(1)&lt;/script&gt;`, `Major &amp; worse`, `fill="red&#34; onclick=&#34;x"`, `&lt;b&gt;`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s:\n%s", want, svg)
		}
	}
	// Parsed, the labels read as written.
	texts := strings.Join(svgText(t, svg, "text"), "|")
	for _, want := range []string{"High", `<script>alert(1)</script>`, "Minor", "Major & worse", "Fatal", "Likelihood", "Severity", "R2", "<b>"} {
		if !strings.Contains(texts, want) {
			t.Errorf("text elements %q lack %q", texts, want)
		}
	}
}

func TestHeatMapCountsAndSize(t *testing.T) {
	svg := string(grid().SVG())
	texts := svgText(t, svg, "text")
	var counts []string
	for _, s := range texts {
		if s == "3" || s == "12" || s == "1" || s == "0" {
			counts = append(counts, s)
		}
	}
	if got := strings.Join(counts, ","); got != "3,12,1" {
		t.Errorf("counts drawn %s, want 3,12,1 (no 0)", got)
	}
	if n := strings.Count(svg, "<rect "); n != 6 {
		t.Errorf("%d cells drawn, want 2 rows × 3 columns = 6", n)
	}
	// 110 for the labels + 3 columns of 84 + 10; 30 + 2 rows of 84 + 60.
	if !strings.Contains(svg, `viewBox="0 0 372 258" width="372" height="258"`) {
		t.Errorf("SVG size wrong: %s", svg[:120])
	}
	if strings.Count(svg, `fill="#ffffff"`) != 2 {
		t.Errorf("missing cells are not white:\n%s", svg)
	}
}

func TestHeatMapTextAlternative(t *testing.T) {
	g := grid()
	svg := string(g.SVG())
	if !strings.Contains(svg, `role="img" aria-labelledby="m1-title m1-desc"`) || !strings.Contains(svg, `<title id="m1-title">`) || !strings.Contains(svg, `<desc id="m1-desc">`) {
		t.Errorf("SVG is not labelled by its title and description:\n%s", svg)
	}
	if got, want := svgText(t, svg, "title"), `Risk <script>alert("t")</script> heat map`; len(got) != 1 || got[0] != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	want := `Risk <script>alert("t")</script>: 3 at likelihood High and severity Minor; 12 at likelihood High and severity Fatal; 1 at likelihood <script>alert(1)</script> and severity Minor.`
	if got := svgText(t, svg, "desc"); len(got) != 1 || got[0] != want {
		t.Errorf("made description = %q, want %q", got, want)
	}
	g.Desc = "Two & three"
	if got := svgText(t, string(g.SVG()), "desc"); len(got) != 1 || got[0] != "Two & three" {
		t.Errorf("given description = %q, want %q", got, "Two & three")
	}
	empty := HeatMap{ID: "e", Title: "Nothing", Rows: []string{"a"}, Columns: []string{"b"}}
	if got := svgText(t, string(empty.SVG()), "desc"); len(got) != 1 || got[0] != "Nothing: nothing to show." {
		t.Errorf("empty description = %q", got)
	}
}
