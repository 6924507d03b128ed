package web_test

import (
	"net/url"
	"testing"

	"github.com/clinsafe/clinsafe/internal/web"
)

// Dates are typed as people write them, in the NHS.UK date input's three
// boxes or in one box, and a date that is not real says what is wrong.
func TestFormDate(t *testing.T) {
	for _, c := range []struct {
		form    url.Values
		want    string
		wantMsg bool
	}{
		{url.Values{"due-day": {"15"}, "due-month": {"1"}, "due-year": {"2027"}}, "2027-01-15", false},
		{url.Values{"due": {"15/01/2027"}}, "2027-01-15", false},
		{url.Values{"due": {"15 1 2027"}}, "2027-01-15", false},
		{url.Values{"due": {"2027-01-15"}}, "2027-01-15", false},
		{url.Values{}, "", false},
		{url.Values{"due-day": {""}, "due-month": {""}, "due-year": {""}}, "", false},
		{url.Values{"due-day": {"30"}, "due-month": {"2"}, "due-year": {"2027"}}, "", true},
		{url.Values{"due-day": {"1"}, "due-month": {"13"}, "due-year": {"2027"}}, "", true},
		{url.Values{"due-day": {"1"}, "due-month": {"1"}, "due-year": {"27"}}, "", true},
		{url.Values{"due-day": {"1"}, "due-year": {"2027"}}, "", true},
		{url.Values{"due": {"tomorrow"}}, "", true},
		{url.Values{"due": {"15/01/2027/1"}}, "", true},
	} {
		got, _, msg := web.FormDate(c.form, "due", "the due date")
		if got != c.want || (msg != "") != c.wantMsg {
			t.Errorf("FormDate(%v) = %q, %q; want %q, message %v", c.form, got, msg, c.want, c.wantMsg)
		}
	}
	if _, _, msg := web.FormDate(url.Values{"due-day": {"1"}, "due-year": {"2027"}}, "due", "the due date"); msg != "The due date must include a month" {
		t.Errorf("missing month: %q", msg)
	}
	if p := web.PartsOf("2027-01-05"); p != (web.DateParts{Day: "5", Month: "1", Year: "2027"}) {
		t.Errorf("PartsOf = %+v", p)
	}
}
