package knowledge

import "strings"

// Op is what happened to a line between two versions.
type Op int

// The operations of a diff.
const (
	Same Op = iota
	Added
	Removed
)

// DiffLine is one line of a diff.
type DiffLine struct {
	Op   Op
	Text string
	// Old and New are the line's numbers in each version (0 when it is
	// not in that version).
	Old, New int
}

// maxDiffCells bounds the work of the longest common subsequence: past it
// the changed middle is shown as removed then added, whole.
const maxDiffCells = 4_000_000

// Diff compares two texts line by line: the lines of a in order, with
// those not in b Removed and those of b not in a Added, using the longest
// common subsequence of lines so that a change shows as little as it can.
func Diff(a, b string) []DiffLine {
	as, bs := lines(a), lines(b)
	// The lines both start and end with need no table.
	pre := 0
	for pre < len(as) && pre < len(bs) && as[pre] == bs[pre] {
		pre++
	}
	suf := 0
	for suf < len(as)-pre && suf < len(bs)-pre && as[len(as)-1-suf] == bs[len(bs)-1-suf] {
		suf++
	}
	var out []DiffLine
	oldN, newN := 0, 0
	emit := func(op Op, text string) {
		l := DiffLine{Op: op, Text: text}
		if op != Added {
			oldN++
			l.Old = oldN
		}
		if op != Removed {
			newN++
			l.New = newN
		}
		out = append(out, l)
	}
	for _, l := range as[:pre] {
		emit(Same, l)
	}
	ma, mb := as[pre:len(as)-suf], bs[pre:len(bs)-suf]
	if len(ma)*len(mb) > maxDiffCells {
		for _, l := range ma {
			emit(Removed, l)
		}
		for _, l := range mb {
			emit(Added, l)
		}
	} else {
		// lcs[i][j] is the length of the longest common subsequence of
		// ma[i:] and mb[j:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				emit(Same, ma[i])
				i, j = i+1, j+1
			case i < len(ma) && (j == len(mb) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
				emit(Removed, ma[i])
				i++
			default:
				emit(Added, mb[j])
				j++
			}
		}
	}
	for _, l := range as[len(as)-suf:] {
		emit(Same, l)
	}
	return out
}

// DiffCounts counts the lines a diff adds and removes.
func DiffCounts(d []DiffLine) (added, removed int) {
	for _, l := range d {
		switch l.Op {
		case Added:
			added++
		case Removed:
			removed++
		}
	}
	return added, removed
}

func lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
