// Package text holds small helpers for the words shown to people, shared by
// the domain packages and the web layer (it imports nothing of either).
package text

import "strconv"

// Plural returns one when n is 1 and many otherwise: "1 problem was",
// "2 problems were" are written Count(n, "problem was", "problems were").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count returns n and the word for it, as in "1 hazard" or "3 hazards".
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Plural(n, one, many)
}
