// Package report renders a Clinical Safety Case Report (risk.CSCR) as
// Markdown and as PDF. The PDF is produced in-process with go-pdf/fpdf and
// its core Helvetica font: no browser, no external tools.
package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/clinsafe/clinsafe/internal/risk"
)

// Markdown renders c as a CommonMark document: title and document details,
// each section as a numbered second-level heading with its narrative, and the
// hazard table in the hazard log section.
func Markdown(c risk.CSCR) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", mdInline(c.Title()))
	for _, kv := range details(c) {
		fmt.Fprintf(&b, "- **%s:** %s\n", kv[0], mdInline(kv[1]))
	}
	for i, s := range c.Sections {
		fmt.Fprintf(&b, "\n## %d. %s\n", i+1, mdInline(s.Title))
		if t := strings.TrimSpace(s.Text); t != "" {
			if s.Generated {
				b.WriteString("\n*" + draftNote(s) + "*\n")
			}
			b.WriteString("\n" + t + "\n")
		}
		if len(s.Facts) > 0 {
			b.WriteString("\n" + factsLead + "\n\n")
			for _, f := range s.Facts {
				fmt.Fprintf(&b, "- %s\n", mdInline(f))
			}
		}
		if s.Key == risk.SectionHazardLog {
			b.WriteString("\n| Ref | Hazard | Initial rating | Residual rating | Status |\n|---|---|:-:|:-:|---|\n")
			for _, h := range c.Hazards {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(h.Ref), mdCell(h.Name),
					ratingText(h.InitialRating), ratingText(h.ResidualRating), h.Status.Label())
			}
			if len(c.Hazards) == 0 {
				b.WriteString("| | No hazards recorded | | | |\n")
			}
			b.WriteString("\nRisk ratings:\n\n")
			for r := 5; r >= 1; r-- {
				fmt.Fprintf(&b, "- %d: %s\n", r, mdInline(c.Acceptability[r-1]))
			}
		}
	}
	return b.Bytes()
}

// factsLead introduces the lines of a section drawn from the data, so a
// reader can tell them from the author's words.
const factsLead = "Recorded by clinsafe:"

// draftNote marks text that is clinsafe's, not the author's. An issued
// report has none in its required sections; a preview may.
func draftNote(s risk.Section) string {
	if s.ToWrite {
		return "Not yet written: this section is for the Clinical Safety Officer to write."
	}
	return "Draft written by clinsafe from the data: not yet reviewed by the author."
}

// details are the document-control facts shown under the title.
func details(c risk.CSCR) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			out = append(out, [2]string{k, v})
		}
	}
	add("System", c.System.Name)
	add("System version", c.System.Version)
	add("Organisation", c.System.Organisation)
	add("Standard", string(c.System.Standard))
	add("Lifecycle phase", c.Issue.Phase)
	add("Author", c.Issue.Author)
	add("Document version", c.Issue.DocumentVersion)
	if !c.Issue.Date.IsZero() {
		add("Date", c.Issue.Date.UTC().Format("2 January 2006"))
	}
	cso := c.Issue.CSOName
	if r := strings.TrimSpace(c.Issue.CSORegistration); r != "" {
		cso += " (" + r + ")"
	}
	add("Clinical Safety Officer", strings.TrimSpace(cso))
	for _, r := range c.Issue.CSORegistrations {
		add("Registration of "+r.Name, r.Registration)
	}
	add("Hazard log version", c.LogVersion)
	add("Hazard log fingerprint (SHA-256)", c.LogHash)
	return out
}

func ratingText(r int) string {
	if r == 0 {
		return "–"
	}
	return fmt.Sprint(r)
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, "#", `\#`)

// mdInline escapes text that should not be read as Markdown.
func mdInline(s string) string { return mdEscaper.Replace(strings.Join(strings.Fields(s), " ")) }

func mdCell(s string) string { return strings.ReplaceAll(mdInline(s), "|", `\|`) }
