// Package spc draws the statistics behind "Making Data Count" statistical
// process control (SPC) charts: XmR (individuals) charts with their
// special-cause rules, variation and assurance icons, rebasing and fixed
// baselines, and charts for rare events (g and t charts) and proportions
// or rates (p, Laney p', u and Laney u' charts).
//
// The package uses the standard library only and imports nothing from the
// rest of clinsafe, so other programs can import it.
//
// The rules follow the NHS-R Community's NHSRplotthedots package (the
// reference implementation of the NHS England Making Data Count rules):
// for the same series and options, [XmR] gives the same centre line,
// limits, point types and icons. Where the reference and the NHS England
// Excel tool differ (screening of moving ranges), both are offered; see
// [Screening]. docs/spc.md lists every rule as implemented.
//
// Entry points return an error, never panic, for bad input: an empty
// series, too few points, values that are not finite, dates that do not
// increase, a baseline longer than the series, rebase dates out of order or
// out of range, and a target without an improvement direction. Every such
// error is an [*Error] naming the field at fault and wrapping one of the
// sentinel errors ([ErrTooFewPoints], [ErrNotFinite] and so on), so callers
// can say in words why a chart cannot be drawn.
package spc
