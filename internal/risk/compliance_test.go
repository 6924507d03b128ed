package risk

import (
	"regexp"
	"strings"
	"testing"
)

func clauseTexts(std Standard) map[string]string {
	out := map[string]string{}
	for _, g := range ClauseGroups(std) {
		for _, it := range g.Items {
			out[it.Clause] = it.Text
		}
	}
	return out
}

func TestChecklistFollowsPublishedNumbering(t *testing.T) {
	req := regexp.MustCompile(`^[2-7]\.[1-9]\.[1-9]$`)
	for _, std := range []Standard{DCB0129, DCB0160} {
		seen := map[string]bool{}
		for _, g := range ClauseGroups(std) {
			for _, it := range g.Items {
				if !req.MatchString(it.Clause) || !strings.HasPrefix(it.Clause, g.Number+".") {
					t.Errorf("%s group %s: clause %q is not one requirement numbered section.subsection.requirement", std, g.Number, it.Clause)
				}
				if seen[it.Clause] {
					t.Errorf("%s: clause %s listed twice", std, it.Clause)
				}
				seen[it.Clause] = true
				if strings.TrimSpace(it.Text) == "" || strings.TrimSpace(it.Heading) == "" {
					t.Errorf("%s %s: text %q, heading %q; want both", std, it.Clause, it.Text, it.Heading)
				}
			}
		}
		if ChecklistSource(std) == "" {
			t.Errorf("ChecklistSource(%s) is empty", std)
		}
	}

	c := clauseTexts(DCB0129)
	for clause, want := range map[string]string{
		"2.3.2": "registration", "2.5.2": "third-party", "4.1.1": "risk analysis", "4.2.1": "scope",
		"6.1.4": "residual", "6.2.1": "benefit", "7.1.2": "review", "7.3.4": "audit trail",
	} {
		if !strings.Contains(strings.ToLower(c[clause]), want) {
			t.Errorf("DCB0129 %s = %q, want it to be about %q", clause, c[clause], want)
		}
	}
	for _, gone := range []string{"5.2.1", "6.5.1", "4.2.3", "7.4.1"} {
		if _, ok := c[gone]; ok {
			t.Errorf("DCB0129 lists %s, which the standard does not have", gone)
		}
	}
	if n := len(c); n != 61 {
		t.Errorf("DCB0129 has %d requirements, want the standard's 61", n)
	}

	d := clauseTexts(DCB0160)
	for clause, want := range map[string]string{
		"2.2.2": "residual", "2.5.1": "DCB0129", "2.6.1": "third-party", "4.2.3": "operational environment",
		"7.1.1": "local", "7.4.1": "decommission", "6.1.4": "residual",
	} {
		if !strings.Contains(d[clause], want) {
			t.Errorf("DCB0160 %s = %q, want it to be about %q", clause, d[clause], want)
		}
	}
	if strings.Contains(d["2.1.1"], "manufacturer") || !strings.Contains(d["2.1.1"], "health organisation") {
		t.Errorf("DCB0160 2.1.1 = %q, want the health organisation's wording", d["2.1.1"])
	}
}

func TestOldChecklistMapping(t *testing.T) {
	for _, std := range []Standard{DCB0129, DCB0160} {
		cur := clauseTexts(std)
		old := OldChecklist(std)
		if len(old) != 26 {
			t.Errorf("%s: old checklist has %d clauses, want 26", std, len(old))
		}
		targets := map[string]string{}
		mapped := 0
		for _, o := range old {
			if o.Text == "" {
				t.Errorf("%s old %s: no text", std, o.Clause)
			}
			for _, n := range o.MapsTo {
				if _, ok := cur[n]; !ok {
					t.Errorf("%s old %s maps to %s, which is not on the checklist", std, o.Clause, n)
				}
				if prev, dup := targets[n]; dup {
					t.Errorf("%s: old %s and %s both map to %s", std, prev, o.Clause, n)
				}
				targets[n] = o.Clause
			}
			if len(o.MapsTo) > 0 {
				mapped++
			}
		}
		if mapped == 0 || mapped == len(old) {
			t.Errorf("%s: %d of %d old clauses mapped; want some mapped and the rest kept as old answers", std, mapped, len(old))
		}
	}
	// Spot checks of meaning.
	want := map[string]string{"4.1": "4.2.1", "4.2": "4.2.2", "6.2": "6.1.4", "6.3": "6.2.1", "6.5": "6.4.1"}
	for _, o := range OldChecklist(DCB0129) {
		if w, ok := want[o.Clause]; ok && (len(o.MapsTo) == 0 || o.MapsTo[0] != w) {
			t.Errorf("DCB0129 old %s maps to %v, want %s", o.Clause, o.MapsTo, w)
		}
		if o.Clause == "5.2" && len(o.MapsTo) != 0 {
			t.Errorf("old 5.2 maps to %v; it has no counterpart and must be kept as an old answer", o.MapsTo)
		}
	}
	for _, o := range OldChecklist(DCB0160) {
		if o.Clause == "2.5" && (len(o.MapsTo) != 1 || o.MapsTo[0] != "2.6.1") {
			t.Errorf("DCB0160 old 2.5 maps to %v, want 2.6.1 (third-party products)", o.MapsTo)
		}
	}
}

// The DCB0129 subsection titles are those of the official compliance
// assessment template (v5.0), which has 3.5.3 and no 2.6.2.
func TestDCB0129HeadingsFollowTheTemplate(t *testing.T) {
	heading := map[string]string{}
	for _, g := range ClauseGroups(DCB0129) {
		for _, it := range g.Items {
			heading[it.Clause] = it.Heading
		}
	}
	for clause, want := range map[string]string{
		"2.5.1": "Third-party products",
		"2.6.1": "Regular clinical risk management process review",
		"3.5.3": "Clinical safety case reports",
		"4.2.1": "Health IT system scope definition",
		"4.4.1": "Estimation of the clinical risks",
		"6.1.4": "Clinical risk control option analysis",
	} {
		if got := heading[clause]; got != want {
			t.Errorf("DCB0129 %s heading = %q, want %q", clause, got, want)
		}
	}
	if _, ok := heading["2.6.2"]; ok {
		t.Errorf("DCB0129 lists 2.6.2, which the compliance assessment template does not have")
	}
}
