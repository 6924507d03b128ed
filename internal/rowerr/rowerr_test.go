package rowerr

import (
	"encoding/json"
	"testing"

	"github.com/clinsafe/clinsafe/internal/apperr"
)

func TestError(t *testing.T) {
	for _, c := range []struct {
		e    Error
		want string
	}{
		{Error{Row: 5, Column: "Initial risk rating", Cell: "I5", Message: "formulas are not accepted"}, "row 5, column Initial risk rating (I5): formulas are not accepted"},
		{Error{Row: 2, Column: "gtin", Message: "bad"}, "row 2, column gtin: bad"},
		{Error{Column: "format", Message: "wrong"}, "column format: wrong"},
		{Error{Message: "The file is empty"}, "The file is empty"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v.Error() = %q, want %q", c.e, got, c.want)
		}
	}
}

func TestListIsInvalid(t *testing.T) {
	var err error = List{{Row: 2, Message: "a"}, {Row: 3, Column: "b", Message: "c"}}
	if !apperr.Is(err, apperr.Invalid) {
		t.Errorf("KindOf(List) = %s, want invalid", apperr.KindOf(err))
	}
	if got, want := apperr.MessageOf(err), "The file could not be imported: 2 problems to fix"; got != want {
		t.Errorf("MessageOf(List) = %q, want %q", got, want)
	}
	if got, want := err.Error(), "import: row 2: a; row 3, column b: c"; got != want {
		t.Errorf("List.Error() = %q, want %q", got, want)
	}
}

// The API's JSON for a problem: row and message always, column and cell
// only when set (docs/api-risk.md).
func TestJSON(t *testing.T) {
	for _, c := range []struct {
		e    Error
		want string
	}{
		{Error{Row: 5, Column: "Initial risk rating", Cell: "I5", Message: "m"}, `{"row":5,"column":"Initial risk rating","cell":"I5","message":"m"}`},
		{Error{Row: 3, Column: "gtin", Message: "m"}, `{"row":3,"column":"gtin","message":"m"}`},
		{Error{Message: "m"}, `{"row":0,"message":"m"}`},
	} {
		b, err := json.Marshal(c.e)
		if err != nil || string(b) != c.want {
			t.Errorf("json.Marshal(%+v) = %s, %v; want %s", c.e, b, err, c.want)
		}
	}
}
