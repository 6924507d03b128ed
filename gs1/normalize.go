package gs1

import "strings"

// gsTokens are the textual stand-ins for the GS character that keyboard
// wedges, terminals and people type, matched in any case.
var gsTokens = []string{"<GS>", "{GS}", "[GS]", `\x1d`, `\u001d`}

// NormalizeGS replaces each textual stand-in for the GS separator (<GS>,
// {GS}, [GS], \x1d and \u001d, in any case) with the GS byte itself,
// ASCII 29. "<GS>" is also valid lot or serial data (GS1 character set 82
// holds "<" and ">"), so the replacement is a scanner setting, never a
// default: [Options].TextGS asks [Parse] to apply it.
func NormalizeGS(s string) string {
	if !strings.ContainsAny(s, `<{[\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		matched := false
		switch s[i] {
		case '<', '{', '[', '\\':
			for _, t := range gsTokens {
				if len(s)-i >= len(t) && strings.EqualFold(s[i:i+len(t)], t) {
					b.WriteByte(0x1d)
					i += len(t)
					matched = true
					break
				}
			}
		}
		if !matched {
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}
