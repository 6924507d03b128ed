package knowledge

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/clinsafe/clinsafe/nhsnumber"
)

// Flag is something in a lesson learned that may identify a patient: the
// de-identification check finds them, and the author must edit each away
// or confirm it is not patient detail before the lesson can be approved.
type Flag struct {
	Kind  string `json:"kind"`  // nhs_number, name, date_of_birth, date, patient_detail
	Label string `json:"label"` // what was found, in words
	// Match is the text found; Before and After are a few words either
	// side, so the author can find it. Never stored or logged.
	Match  string `json:"match"`
	Before string `json:"before"`
	After  string `json:"after"`
	// Key names the flag without its text (its kind and a hash of the
	// text), so a confirmation can be stored.
	Key string `json:"key"`
}

var (
	// Ten digits, alone or grouped 3-3-4 by spaces or dashes.
	digitRun = regexp.MustCompile(`\b\d{3}[ -]?\d{3}[ -]?\d{4}\b`)
	monthRe  = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	dateRes  = []*regexp.Regexp{
		regexp.MustCompile(`\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b`),
		regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`),
		regexp.MustCompile(`(?i)\b\d{1,2}(?:st|nd|rd|th)?\s+` + monthRe + `\.?,?\s+\d{4}\b`),
		regexp.MustCompile(`(?i)\b` + monthRe + `\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b`),
	}
	dobCue = regexp.MustCompile(`(?i)\b(?:d\.?o\.?b\.?|date of birth|born(?: on| in)?|birthday)\W*$`)
	// Free-text patient detail: titles before a capitalised name, exact
	// ages, postcodes, hospital and phone numbers, addresses.
	detailRes = []struct {
		re    *regexp.Regexp
		label string
	}{
		{regexp.MustCompile(`\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z][a-z'-]+`), "A title and name"},
		{regexp.MustCompile(`(?i)\b(?:aged\s+\d{1,3}|\d{1,3}[ -]?(?:year|yr)s?[ -]old)\b`), "An exact age"},
		{regexp.MustCompile(`(?i)\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b`), "What looks like a postcode"},
		{regexp.MustCompile(`(?i)\b(?:MRN|hospital (?:number|no\.?)|unit number|case number)\s*:?\s*[A-Z0-9]{4,}`), "A hospital or case number"},
		{regexp.MustCompile(`(?:\+44\s?|\b0)\d{2,4}[ -]?\d{3}[ -]?\d{3,4}\b`), "What looks like a telephone number"},
		{regexp.MustCompile(`(?i)\b\d{1,4}\s+[A-Z][a-z]+\s+(?:Road|Street|Avenue|Lane|Close|Drive|Way|Crescent|Gardens|Place|Court)\b`), "What looks like an address"},
		{regexp.MustCompile(`(?i)\b(?:his|her|their) (?:wife|husband|son|daughter|mother|father|partner) [A-Z][a-z]+`), "A relative named"},
	}
)

// CheckDeidentified finds what in text may identify a patient: NHS
// numbers (ten digits with a valid check digit), the names given (the
// event's patients, when recorded), dates of birth, any other date, and
// free-text patient detail (a title and name, an exact age, a postcode, a
// hospital or telephone number, an address, a named relative). Flags are
// in the order they appear; one text found twice is one flag.
func CheckDeidentified(text string, names []string) []Flag {
	type hit struct {
		start, end  int
		kind, label string
	}
	var hits []hit
	for _, loc := range digitRun.FindAllStringIndex(text, -1) {
		if nhsnumber.Valid(text[loc[0]:loc[1]]) {
			hits = append(hits, hit{loc[0], loc[1], "nhs_number", "An NHS number"})
		}
	}
	lower := strings.ToLower(text)
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		for _, part := range append([]string{n}, strings.Fields(n)...) {
			if len([]rune(part)) < 3 {
				continue
			}
			for from := 0; ; {
				i := strings.Index(lower[from:], part)
				if i < 0 {
					break
				}
				s, e := from+i, from+i+len(part)
				if wordEdge(lower, s, e) {
					hits = append(hits, hit{s, e, "name", "A name of the event's patient"})
				}
				from = e
			}
		}
	}
	for _, re := range dateRes {
		for _, loc := range re.FindAllStringIndex(text, -1) {
			if dobCue.MatchString(text[max(0, loc[0]-24):loc[0]]) {
				hits = append(hits, hit{loc[0], loc[1], "date_of_birth", "A date of birth"})
			} else {
				hits = append(hits, hit{loc[0], loc[1], "date", "A date"})
			}
		}
	}
	for _, d := range detailRes {
		for _, loc := range d.re.FindAllStringIndex(text, -1) {
			hits = append(hits, hit{loc[0], loc[1], "patient_detail", d.label})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.start - b.start })
	var out []Flag
	seen := map[string]bool{}
	end := -1
	for _, h := range hits {
		if h.start < end && h.kind != "name" {
			continue // inside an earlier finding (a date within a phone number)
		}
		end = max(end, h.end)
		m := text[h.start:h.end]
		key := flagKey(h.kind, m)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Flag{Kind: h.kind, Label: h.label, Match: m, Before: around(text[:h.start], true), After: around(text[h.end:], false), Key: key})
	}
	return out
}

// Unconfirmed returns the flags whose keys are not in confirmed.
func Unconfirmed(flags []Flag, confirmed []string) []Flag {
	var out []Flag
	for _, f := range flags {
		if !slices.Contains(confirmed, f.Key) {
			out = append(out, f)
		}
	}
	return out
}

func flagKey(kind, match string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.Join(strings.Fields(match), " "))))
	return kind + "-" + hex.EncodeToString(sum[:6])
}

func wordEdge(s string, start, end int) bool {
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	if start > 0 && isWord(rune(s[start-1])) {
		return false
	}
	return end >= len(s) || !isWord(rune(s[end]))
}

// around is up to five words of s next to a finding: its end (before is
// true) or its start.
func around(s string, before bool) string {
	ws := strings.Fields(s)
	if before {
		ws = ws[max(0, len(ws)-5):]
	} else if len(ws) > 5 {
		ws = ws[:5]
	}
	return strings.Join(ws, " ")
}

// LessonText is the text of a lesson the check reads.
func LessonText(d Draft) string { return d.Title + "\n" + d.Summary + "\n" + d.Body }
