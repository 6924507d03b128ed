package text

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Unstorable says, in a phrase that starts in lower case, what is wrong
// with a cell of an imported file that cannot be stored: bytes that are
// not UTF-8, or a NUL character (which PostgreSQL refuses). It returns ""
// for good text. Positions count characters from 1.
func Unstorable(s string) string {
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Sprintf("the text is not UTF-8 (byte 0x%02X at position %d); save the file as \"CSV UTF-8\" and import it again", s[i], utf8.RuneCountInString(s[:i])+1)
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return fmt.Sprintf("the cell holds a NUL character (at position %d), which cannot be stored; remove it and import again", utf8.RuneCountInString(s[:i])+1)
	}
	return ""
}

// Sentence returns s with its first letter in capitals.
func Sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}
