package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeTags are the axe-core rule tags that CheckA11y runs: WCAG 2.0, 2.1 and
// 2.2 at levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// FailImpacts are the axe impacts that fail a test; lesser ones are logged.
var FailImpacts = []string{"serious", "critical"}

// AxeViolation is one failed axe rule on a page.
type AxeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that failed an axe rule.
type AxeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"summary"`
}

// AxeResult is the outcome of one axe run.
type AxeResult struct {
	URL        string         `json:"url"`
	Version    string         `json:"version"`
	Passes     int            `json:"passes"`
	Violations []AxeViolation `json:"violations"`
}

// axeRunJS runs axe on the whole document and keeps only what a report
// needs. %s is the JSON list of tags.
const axeRunJS = `axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']}).then(r => ({
  url: r.url,
  version: axe.version,
  passes: r.passes.length,
  violations: r.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)),
      html: n.html,
      summary: n.failureSummary || '',
    })),
  })),
}))`

// RunAxe injects axe-core into the current page, if it is not there yet, and
// runs it with AxeTags.
//
// axe is injected with the DevTools protocol's Runtime.evaluate, which runs
// with the privileges of the debugger: the page's Content-Security-Policy
// (script-src 'self', no inline script) does not apply to it, and the page
// itself is not changed, so the CSP is checked as the user's browser sees it.
func RunAxe(ctx context.Context) (AxeResult, error) {
	src, _ := ctx.Value(axeKey{}).(string)
	if src == "" {
		return AxeResult{}, fmt.Errorf("browsertest: context has no axe-core; use the context from New")
	}
	sctx, cancel := step(ctx)
	defer cancel()
	has, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`))
	if err != nil {
		return AxeResult{}, fmt.Errorf("look for axe: %w", err)
	}
	if !has {
		if err := chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](src+"\n;void 0")); err != nil {
			return AxeResult{}, fmt.Errorf("inject axe-core: %w", err)
		}
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`))
		if err != nil || !ok {
			return AxeResult{}, fmt.Errorf("inject axe-core: axe.run is not there after evaluating it (%v)", err)
		}
	}
	tags, _ := json.Marshal(AxeTags)
	res, err := chromedp.Run(sctx, chromedp.Evaluate[AxeResult](fmt.Sprintf(axeRunJS, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		return AxeResult{}, fmt.Errorf("run axe-core: %w", err)
	}
	return res, nil
}

// CheckA11y runs axe-core on the current page. It fails the test on any
// violation whose impact is in FailImpacts, with the rule, its help and the
// failing elements, and logs the others.
func CheckA11y(t testing.TB, ctx context.Context) {
	t.Helper()
	res, err := RunAxe(ctx)
	if err != nil {
		t.Fatalf("browsertest: axe: %v", err)
	}
	var fail, warn []AxeViolation
	for _, v := range res.Violations {
		if isFailImpact(v.Impact) {
			fail = append(fail, v)
		} else {
			warn = append(warn, v)
		}
	}
	if len(warn) > 0 {
		t.Logf("axe %s: %d minor/moderate accessibility issue(s) on %s:\n%s", res.Version, len(warn), res.URL, FormatViolations(warn))
	}
	if len(fail) > 0 {
		t.Errorf("axe %s: %d serious/critical accessibility violation(s) on %s:\n%s", res.Version, len(fail), res.URL, FormatViolations(fail))
		return
	}
	if res.Passes == 0 {
		t.Errorf("axe %s: no rule passed on %s; did the page load?", res.Version, res.URL)
		return
	}
	t.Logf("axe %s: %s: no serious or critical violations (%d rules passed)", res.Version, res.URL, res.Passes)
}

func isFailImpact(impact string) bool {
	for _, f := range FailImpacts {
		if impact == f {
			return true
		}
	}
	return false
}

// FormatViolations lists violations for a test log.
func FormatViolations(vs []AxeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  [%s] %s: %s (%s)\n", v.Impact, v.ID, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "    - %s\n      %s\n", strings.Join(n.Target, ", "), truncate(n.HTML, 300))
			if n.Summary != "" {
				fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(truncate(n.Summary, 600), "\n", "\n      "))
			}
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
