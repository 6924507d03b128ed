package web

// Option is one choice of a select, radios or checkboxes, for every
// module's forms (the "select" partial).
type Option struct {
	Value, Label, Hint string
	Selected           bool
}

// Choices turns a list of code and label pairs into choices, with the one
// whose code is selected marked.
func Choices[T any](xs []T, value func(T) (code, label string), selected string) []Option {
	out := make([]Option, 0, len(xs))
	for _, x := range xs {
		v, l := value(x)
		out = append(out, Option{Value: v, Label: l, Selected: v == selected})
	}
	return out
}

// CodeLabel reads the code and label lists of the domain packages
// (organisation kinds, lateralities, recall kinds, ...).
func CodeLabel(k struct{ Code, Label string }) (string, string) { return k.Code, k.Label }
