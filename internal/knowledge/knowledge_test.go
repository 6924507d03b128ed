package knowledge

import (
	"strings"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

func TestRenderSanitises(t *testing.T) {
	for _, in := range []string{
		"<script>alert(1)</script>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"[click](javascript:alert(1))",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<img src=x onerror=alert(1)>",
		"<p onclick=\"alert(1)\">hi</p>",
		"![x](javascript:alert(1))",
		"<svg onload=alert(1)>",
		"[x](JaVaScRiPt:alert(1))",
		"<style>body{display:none}</style>",
	} {
		got := strings.ToLower(string(Render(in)))
		for _, bad := range []string{"<script", "<iframe", "javascript:", "onerror", "onclick", "onload", "<svg", "<style"} {
			if strings.Contains(got, bad) {
				t.Errorf("Render(%q) = %q, has %q", in, got, bad)
			}
		}
	}
	got := string(Render("# Title\n\nSome **bold** and a [link](https://example.org).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
	for _, want := range []string{"<h1", "<strong>bold</strong>", `href="https://example.org"`, "<table>"} {
		if !strings.Contains(got, want) {
			t.Errorf("Render kept no %q: %s", want, got)
		}
	}
}

func TestDiff(t *testing.T) {
	d := Diff("a\nb\nc\nd\n", "a\nc\nd\ne\n")
	var got []string
	for _, l := range d {
		got = append(got, []string{" ", "+", "-"}[l.Op]+l.Text)
	}
	if want := " a|-b| c| d|+e"; strings.Join(got, "|") != want {
		t.Errorf("Diff = %v, want %s", strings.Join(got, "|"), want)
	}
	if a, r := DiffCounts(d); a != 1 || r != 1 {
		t.Errorf("counts %d %d, want 1 1", a, r)
	}
	if d := Diff("same\n", "same\n"); len(d) != 1 || d[0].Op != Same {
		t.Errorf("identical texts: %+v", d)
	}
	if d := Diff("", "new"); len(d) != 1 || d[0].Op != Added || d[0].New != 1 {
		t.Errorf("from nothing: %+v", d)
	}
}

func TestCheckDeidentified(t *testing.T) {
	text := "Mrs Smith, NHS number 943 476 5919, born on 12/03/1950, was seen on 4 May 2026 at SW1A 1AA. Aged 84. Jane was fine. The order 1234567890 is not one."
	flags := CheckDeidentified(text, []string{"Jane Smith"})
	kinds := map[string]int{}
	for _, f := range flags {
		kinds[f.Kind]++
		if strings.Contains(f.Key, f.Match) || f.Key == "" {
			t.Errorf("flag key %q holds its text or is empty", f.Key)
		}
	}
	for _, k := range []string{"nhs_number", "name", "date_of_birth", "date", "patient_detail"} {
		if kinds[k] == 0 {
			t.Errorf("no %s flag in %q: %+v", k, text, flags)
		}
	}
	for _, f := range flags {
		if f.Match == "1234567890" {
			t.Errorf("1234567890 (no valid check digit) flagged as %s", f.Kind)
		}
	}
	if f := CheckDeidentified("The prescribing screen showed the wrong unit, so staff now check units on each round.", nil); len(f) != 0 {
		t.Errorf("clean text flagged: %+v", f)
	}
	if u := Unconfirmed(flags, []string{flags[0].Key}); len(u) != len(flags)-1 {
		t.Errorf("Unconfirmed after confirming one: %d of %d", len(u), len(flags))
	}
}

func TestDraftCheck(t *testing.T) {
	ok := Draft{Kind: Guidance, Title: "T", Body: "B", Tags: []string{"medication"}, SystemTypes: []string{"epr"}, Links: []Link{{"NHS", "https://www.nhs.uk"}}}
	if err := ok.Check(); err != nil {
		t.Fatalf("valid draft: %v", err)
	}
	for name, c := range map[string]struct {
		d     Draft
		field string
	}{
		"kind":   {Draft{Kind: "memo", Title: "T", Body: "B"}, "kind"},
		"tag":    {Draft{Kind: Guidance, Title: "T", Body: "B", Tags: []string{"nonsense"}}, "tags"},
		"system": {Draft{Kind: Guidance, Title: "T", Body: "B", SystemTypes: []string{"toaster"}}, "system_types"},
		"link":   {Draft{Kind: Guidance, Title: "T", Body: "B", Links: []Link{{"x", "javascript:alert(1)"}}}, "links"},
		"title":  {Draft{Kind: Guidance, Body: "B"}, "title"},
		"share":  {Draft{Kind: Guidance, Title: "T", Body: "B", Sharing: "everyone"}, "sharing"},
		"review": {Draft{Kind: Guidance, Title: "T", Body: "B", ReviewOn: "2026-02-30"}, "review_on"},
	} {
		err := c.d.Check()
		if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)[c.field] == "" {
			t.Errorf("%s: got %v, want Invalid on %s", name, err, c.field)
		}
	}
	big := Draft{Kind: Guidance, Title: "T", Body: strings.Repeat("x", MaxBody+1)}
	if err := big.Check(); !apperr.Is(err, apperr.TooLarge) {
		t.Errorf("oversize body: %v, want TooLarge", err)
	}
}

func TestSnippetMarksHits(t *testing.T) {
	parts := Snippet("Intro. The <b>prescribing</b> screen showed insulin units wrongly.", "prescribing insulin")
	hits := 0
	for _, p := range parts {
		if p.Hit {
			hits++
		}
	}
	if hits != 2 {
		t.Errorf("Snippet hits = %d, want 2: %+v", hits, parts)
	}
}

func TestBlueprints(t *testing.T) {
	if len(Blueprints) < 6 {
		t.Fatalf("%d blueprint sets, want 6", len(Blueprints))
	}
	for _, b := range Blueprints {
		if !ValidSystemType(b.SystemType) || b.Version == "" {
			t.Errorf("%s: system type %q, version %q", b.Code, b.SystemType, b.Version)
		}
		if len(b.Hazards) < 5 {
			t.Errorf("%s has %d hazards, want 5 or more", b.Code, len(b.Hazards))
		}
		keys := map[string]bool{}
		for _, h := range b.Hazards {
			if keys[h.Key] || h.Name == "" || len(h.Causes) == 0 || h.Effects == "" || len(h.Controls) == 0 {
				t.Errorf("%s %s: repeated key or missing causes, effects or controls", b.Code, h.Key)
			}
			keys[h.Key] = true
		}
		if md := b.Markdown(); !strings.Contains(md, b.Hazards[0].Name) {
			t.Errorf("%s Markdown lacks its first hazard", b.Code)
		}
	}
}

func TestCatalogueMarkdown(t *testing.T) {
	c, _ := CatalogueOf("DCB0129")
	md := c.Markdown()
	for _, want := range []string{"### 6.1 Clinical risk control option analysis", "**6.1.4**", "## 7 Delivery, monitoring and modification"} {
		if !strings.Contains(md, want) {
			t.Errorf("DCB0129 document lacks %q", want)
		}
	}
	if strings.Contains(md, "{org}") || strings.Contains(md, "{sys}") {
		t.Errorf("placeholders left in the document")
	}
}
