// Package knowledge is the domain of the knowledge hub: versioned Markdown
// documents of five kinds (standards, guidance, hazard blueprints, lessons
// learned and safety alerts), who may write them, how they are shared,
// the de-identification check a lesson learned passes before it is
// published, the line diff between two versions, search snippets, and
// clinsafe's own content as data: the DCB0129 and DCB0160 requirement
// catalogue (which the clinical risk wing's compliance checklists use)
// and the hazard blueprints for kinds of health IT system.
package knowledge

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clinsafe/clinsafe/internal/apperr"
	"github.com/clinsafe/clinsafe/internal/auth"
)

// Kind is the kind of a knowledge document.
type Kind string

// The kinds of document.
const (
	Standard    Kind = "standard"
	Guidance    Kind = "guidance"
	Blueprint   Kind = "blueprint"
	Lesson      Kind = "lesson_learned"
	SafetyAlert Kind = "safety_alert"
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Standard, Guidance, Blueprint, Lesson, SafetyAlert}

// Valid reports whether k is a kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Label is the kind in words, e.g. "Lesson learned".
func (k Kind) Label() string {
	switch k {
	case Standard:
		return "Standard"
	case Guidance:
		return "Guidance"
	case Blueprint:
		return "Hazard blueprint"
	case Lesson:
		return "Lesson learned"
	case SafetyAlert:
		return "Safety alert"
	}
	return string(k)
}

// Sharing says who may read a document's published version.
type Sharing string

// The sharing levels.
const (
	// Private: members of the document's organisation.
	Private Sharing = "private"
	// Network: also members of any organisation in a network the
	// document's organisation belongs to.
	Network Sharing = "network"
	// Public: anyone, on the public library pages, without signing in.
	Public Sharing = "public"
)

// Sharings lists the sharing levels, narrowest first.
var Sharings = []Sharing{Private, Network, Public}

// Valid reports whether s is a sharing level.
func (s Sharing) Valid() bool { return slices.Contains(Sharings, s) }

// Label is the sharing level in words.
func (s Sharing) Label() string {
	switch s {
	case Private:
		return "Private to this organisation"
	case Network:
		return "Shared with our networks"
	case Public:
		return "Public"
	}
	return string(s)
}

// Editors are the roles that write, version and publish documents: the
// administrator, the clinical safety officer (standards, blueprints,
// safety alerts), the educator (guidance) and the safety events handler
// (lessons learned). Every member of an organisation reads its documents.
var Editors = []auth.Role{auth.Admin, auth.CSO, auth.Educator, auth.Handler}

// CanEdit reports whether someone with roles may write documents.
func CanEdit(roles []auth.Role) bool { return auth.HasAny(roles, Editors...) }

// Tag is a topic from the hub's controlled vocabulary, so that a filter by
// tag finds every document about it.
type Tag struct{ Code, Label string }

// Tags is the vocabulary of tags.
var Tags = []Tag{
	{"medication", "Medication and prescribing"},
	{"patient-identification", "Patient identification"},
	{"test-results", "Test results and reports"},
	{"alerts", "Alerts and decision support"},
	{"interoperability", "Interfaces and interoperability"},
	{"data-migration", "Data migration"},
	{"downtime", "Downtime and business continuity"},
	{"usability", "Usability and human factors"},
	{"configuration", "Configuration and change"},
	{"imaging", "Imaging"},
	{"records", "Health records"},
	{"patient-facing", "Patient-facing services"},
	{"remote-monitoring", "Remote monitoring"},
	{"ai", "Artificial intelligence"},
	{"dcb0129", "DCB0129"},
	{"dcb0160", "DCB0160"},
	{"hazard-log", "Hazard logs"},
	{"safety-case", "Safety cases"},
	{"incident-learning", "Learning from incidents"},
	{"training", "Training and competence"},
}

// ValidTag reports whether code is in the vocabulary.
func ValidTag(code string) bool {
	return slices.ContainsFunc(Tags, func(t Tag) bool { return t.Code == code })
}

// TagLabel is a tag's label (the code when unknown).
func TagLabel(code string) string {
	for _, t := range Tags {
		if t.Code == code {
			return t.Label
		}
	}
	return code
}

// SystemType is a kind of health IT system a document relates to; the
// hazard blueprints are written for these too.
type SystemType struct{ Code, Label string }

// SystemTypes lists the kinds of health IT system.
var SystemTypes = []SystemType{
	{"eprescribing", "Electronic prescribing and medicines administration"},
	{"epr", "Electronic patient record"},
	{"pacs", "Picture archiving and communication system (PACS)"},
	{"patient-app", "Patient-facing app"},
	{"remote-monitoring", "Remote monitoring"},
	{"ai-decision-support", "AI decision support"},
	{"lims", "Laboratory information system"},
	{"integration", "Integration engine and interfaces"},
	{"other", "Other health IT system"},
}

// ValidSystemType reports whether code is a kind of system.
func ValidSystemType(code string) bool {
	return slices.ContainsFunc(SystemTypes, func(t SystemType) bool { return t.Code == code })
}

// SystemTypeLabel is a system type's label (the code when unknown).
func SystemTypeLabel(code string) string {
	for _, t := range SystemTypes {
		if t.Code == code {
			return t.Label
		}
	}
	return code
}

// Link is a related web page or document.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Limits, in characters (bytes for the body).
const (
	MaxTitle   = 200
	MaxSummary = 1000
	MaxNote    = 1000
	// MaxBody is the largest Markdown body: a longer one is TooLarge (413).
	MaxBody  = 200_000
	MaxTags  = 20
	MaxLinks = 30
)

// Draft is what an editor writes: a document's settings and the content of
// its newest version.
type Draft struct {
	Kind        Kind     `json:"kind"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Body        string   `json:"body"`
	Note        string   `json:"note,omitempty"`
	Sharing     Sharing  `json:"sharing"`
	OwnerID     string   `json:"owner_id,omitempty"`
	ReviewOn    string   `json:"review_on,omitempty"` // YYYY-MM-DD
	Tags        []string `json:"tags"`
	SystemTypes []string `json:"system_types"`
	Links       []Link   `json:"links"`
	// Confirmed are the keys of the de-identification flags the author
	// confirms are not patient detail (lessons learned).
	Confirmed []string `json:"confirmed,omitempty"`
}

// Check tidies d and validates it: TooLarge for an oversize body, else
// Invalid with per-field messages (unknown kinds, tags and system types,
// missing title or body, a link that is not http(s), a review date that is
// not a real day).
func (d *Draft) Check() error {
	d.Title, d.Summary, d.Note = strings.TrimSpace(d.Title), strings.TrimSpace(d.Summary), strings.TrimSpace(d.Note)
	d.ReviewOn, d.OwnerID = strings.TrimSpace(d.ReviewOn), strings.TrimSpace(d.OwnerID)
	d.Body = strings.ReplaceAll(d.Body, "\r\n", "\n")
	if len(d.Body) > MaxBody {
		return apperr.New(apperr.TooLarge, "The document is too long: the limit is %d characters", MaxBody)
	}
	if d.Sharing == "" {
		d.Sharing = Private
	}
	var f apperr.Fields
	f.Check(!d.Kind.Valid(), "kind", "Select the kind of document")
	f.Check(d.Title == "", "title", "Enter a title")
	f.Check(utf8.RuneCountInString(d.Title) > MaxTitle, "title", fmt.Sprintf("The title must be %d characters or fewer", MaxTitle))
	f.Check(utf8.RuneCountInString(d.Summary) > MaxSummary, "summary", fmt.Sprintf("The summary must be %d characters or fewer", MaxSummary))
	f.Check(utf8.RuneCountInString(d.Note) > MaxNote, "note", fmt.Sprintf("The note of what changed must be %d characters or fewer", MaxNote))
	f.Check(strings.TrimSpace(d.Body) == "", "body", "Enter the document's text")
	f.Check(!d.Sharing.Valid(), "sharing", "Select who can read the document")
	if d.ReviewOn != "" {
		_, err := time.Parse(time.DateOnly, d.ReviewOn)
		f.Check(err != nil, "review_on", "The review date must be a real date")
	}
	d.Tags = tidy(d.Tags)
	f.Check(len(d.Tags) > MaxTags, "tags", fmt.Sprintf("Choose %d tags or fewer", MaxTags))
	for _, t := range d.Tags {
		if !ValidTag(t) {
			f.Add("tags", fmt.Sprintf("%q is not a tag of the knowledge hub: choose tags from the list", t))
			break
		}
	}
	d.SystemTypes = tidy(d.SystemTypes)
	for _, t := range d.SystemTypes {
		if !ValidSystemType(t) {
			f.Add("system_types", fmt.Sprintf("%q is not a kind of health IT system: choose from the list", t))
			break
		}
	}
	var links []Link
	for _, l := range d.Links {
		l.Title, l.URL = strings.TrimSpace(l.Title), strings.TrimSpace(l.URL)
		if l.Title == "" && l.URL == "" {
			continue
		}
		if l.Title == "" {
			l.Title = l.URL
		}
		u, err := url.Parse(l.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(l.URL) > 2000 || utf8.RuneCountInString(l.Title) > MaxTitle {
			f.Add("links", "Each link must be a web address starting https:// or http://, with a title of 200 characters or fewer")
			break
		}
		links = append(links, l)
	}
	d.Links = links
	f.Check(len(d.Links) > MaxLinks, "links", fmt.Sprintf("Add %d links or fewer", MaxLinks))
	d.Confirmed = tidy(d.Confirmed)
	return f.Err()
}

// tidy trims, drops empty and repeated values, and sorts.
func tidy(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Bar joins codes as stored (|a|b|), so that LIKE '%|a|%' finds one.
func Bar(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	return "|" + strings.Join(codes, "|") + "|"
}

// Unbar splits codes stored by Bar.
func Unbar(s string) []string {
	var out []string
	for _, c := range strings.Split(s, "|") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}
