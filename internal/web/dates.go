package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clinsafe/clinsafe/internal/clock"
)

// DateParts are the day, month and year boxes of the NHS.UK date input,
// as typed (the "dateInput" partial draws them).
type DateParts struct{ Day, Month, Year string }

// PartsOf fills the boxes from an ISO date ("2027-01-31") or a time; empty
// for none.
func PartsOf(v any) DateParts {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	case string:
		if x == "" {
			return DateParts{}
		}
		p, err := time.Parse("2006-01-02", x)
		if err != nil {
			return DateParts{}
		}
		t = p
	case DateParts:
		return x
	}
	if t.IsZero() {
		return DateParts{}
	}
	t = t.In(clock.London)
	return DateParts{Day: strconv.Itoa(t.Day()), Month: strconv.Itoa(int(t.Month())), Year: strconv.Itoa(t.Year())}
}

// FormDate reads the date input named field from form: the boxes
// field-day, field-month and field-year, or one box field holding a date
// written as people write them (15/01/2027, 15 1 2027, 2027-01-15). It
// returns the date as YYYY-MM-DD ("" when every box is empty), the boxes
// as typed (to draw the form again), and a message naming what is wrong in
// words, for the field, when the date is not real. what names the date in
// the message ("the due date").
func FormDate(form url.Values, field, what string) (iso string, typed DateParts, msg string) {
	typed = DateParts{Day: strings.TrimSpace(form.Get(field + "-day")), Month: strings.TrimSpace(form.Get(field + "-month")),
		Year: strings.TrimSpace(form.Get(field + "-year"))}
	if typed == (DateParts{}) {
		one := strings.TrimSpace(form.Get(field))
		if one == "" {
			return "", typed, ""
		}
		p, ok := splitDate(one)
		if !ok {
			return "", typed, fmt.Sprintf("Enter %s as a real date, for example 15 3 2027", what)
		}
		typed = p
	}
	switch {
	case typed.Day == "":
		return "", typed, fmt.Sprintf("%s must include a day", sentence(what))
	case typed.Month == "":
		return "", typed, fmt.Sprintf("%s must include a month", sentence(what))
	case typed.Year == "":
		return "", typed, fmt.Sprintf("%s must include a year", sentence(what))
	}
	d, e1 := strconv.Atoi(typed.Day)
	m, e2 := strconv.Atoi(typed.Month)
	y, e3 := strconv.Atoi(typed.Year)
	if e1 != nil || e2 != nil || e3 != nil || len(typed.Year) != 4 || y < 1900 || y > 2200 {
		return "", typed, fmt.Sprintf("Enter %s as a real date, with a 4-digit year, for example 15 3 2027", what)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return "", typed, fmt.Sprintf("%s must be a real date", sentence(what))
	}
	return t.Format("2006-01-02"), typed, ""
}

// splitDate reads a date written in one box: day month year separated by
// /, -, . or spaces, or ISO year-month-day.
func splitDate(s string) (DateParts, bool) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ' ' })
	if len(f) != 3 {
		return DateParts{}, false
	}
	if len(f[0]) == 4 {
		return DateParts{Day: f[2], Month: f[1], Year: f[0]}, true
	}
	return DateParts{Day: f[0], Month: f[1], Year: f[2]}, true
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
