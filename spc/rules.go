package spc

// classify applies the special-cause rules within each segment and sets
// each point's Rules, Rule, High and Type, then the icons. Limits must be
// set on every point.
func classify(r *Result, p *plan) {
	pts := r.Points
	side := make([]int8, len(pts))
	const (
		fOutside = 1 << iota
		fClose
		fTrendUp
		fTrendDown
	)
	flag := make([]uint8, len(pts))
	for i := range pts {
		q := &pts[i]
		switch {
		case q.Y > q.Mean:
			side[i] = 1
		case q.Y < q.Mean:
			side[i] = -1
		}
		if q.Y > q.UPL || q.Y < q.LPL {
			flag[i] |= fOutside
		} else if q.Y > q.NearUPL || q.Y < q.NearLPL {
			flag[i] |= fClose
		}
		q.Rules = RuleNone
	}
	shiftLen, trendLen := p.opt.ShiftLength, p.opt.TrendLength
	for _, sg := range r.Segments {
		s, e := sg.Start, sg.End
		// Shift: ShiftLength or more consecutive points on one side of the
		// centre line; a point on the centre line breaks the run.
		run := 0
		for i := s; i < e; i++ {
			switch {
			case side[i] == 0:
				run = 0
			case i > s && side[i] == side[i-1]:
				run++
			default:
				run = 1
			}
			if run == shiftLen {
				for j := i - shiftLen + 1; j <= i; j++ {
					pts[j].Rules |= RuleShift
				}
			} else if run > shiftLen {
				pts[i].Rules |= RuleShift
			}
		}
		// Trend: TrendLength or more consecutive points each strictly above
		// (or below) the one before; a tie breaks the run.
		up, down := 0, 0
		for i := s + 1; i < e; i++ {
			switch {
			case pts[i].Y > pts[i-1].Y:
				up, down = up+1, 0
			case pts[i].Y < pts[i-1].Y:
				up, down = 0, down+1
			default:
				up, down = 0, 0
			}
			for _, c := range [2]struct {
				n int
				f uint8
			}{{up, fTrendUp}, {down, fTrendDown}} {
				if c.n == trendLen-1 {
					for j := i - c.n; j <= i; j++ {
						flag[j] |= c.f
						pts[j].Rules |= RuleTrend
					}
				} else if c.n > trendLen-1 {
					flag[i] |= c.f
					pts[i].Rules |= RuleTrend
				}
			}
		}
		// Two in three: three consecutive points all on the same side of
		// the centre line, at least two of them beyond the near limit (and
		// inside the process limits); those two (or three) are flagged.
		for w := s; w+2 < e; w++ {
			if side[w] == 0 || side[w] != side[w+1] || side[w] != side[w+2] {
				continue
			}
			c := 0
			for j := w; j < w+3; j++ {
				if flag[j]&fClose != 0 {
					c++
				}
			}
			if c >= 2 {
				for j := w; j < w+3; j++ {
					if flag[j]&fClose != 0 {
						pts[j].Rules |= RuleTwoInThree
					}
				}
			}
		}
		for i := s; i < e; i++ {
			q := &pts[i]
			if flag[i]&fOutside != 0 {
				q.Rules |= RuleOutsideLimits
			}
			q.Rule = q.Rules.First()
			switch q.Rule {
			case RuleNone:
				q.Type, q.High = CommonCause, false
				continue
			case RuleTrend:
				// The direction of a point in a trend is the step to the
				// next point when that is in a trend too, else the step from
				// the previous point; as in the reference, a tie counts as
				// decreasing.
				if i+1 < e && pts[i+1].Rules.Has(RuleTrend) {
					q.High = pts[i+1].Y > q.Y
				} else {
					q.High = i > s && q.Y > pts[i-1].Y
				}
			default:
				q.High = side[i] > 0
			}
			switch {
			case p.dir == 0 && q.High:
				q.Type = SpecialCauseNeutralHigh
			case p.dir == 0:
				q.Type = SpecialCauseNeutralLow
			case q.High == (p.dir > 0):
				q.Type = SpecialCauseImprovement
			default:
				q.Type = SpecialCauseConcern
			}
		}
	}
	r.Variation = variationIcon(r.Latest().Type, p.opt.Direction)
	r.Assurance = assuranceIcon(r.Latest(), p.opt)
}

func variationIcon(t PointType, d Direction) VariationIcon {
	switch t {
	case SpecialCauseNeutralHigh:
		return VariationNeutralHigh
	case SpecialCauseNeutralLow:
		return VariationNeutralLow
	case SpecialCauseImprovement:
		if d == Decrease {
			return VariationImprovementLow
		}
		return VariationImprovementHigh
	case SpecialCauseConcern:
		if d == Decrease {
			return VariationConcernHigh
		}
		return VariationConcernLow
	}
	return VariationCommonCause
}

// assuranceIcon compares the target with the latest point's process
// limits: beyond them on the good side passes, on the bad side fails,
// between them (or on one) is inconsistent.
func assuranceIcon(last Point, opt Options) AssuranceIcon {
	if opt.Target == nil || opt.Direction == Neutral {
		return AssuranceNone
	}
	t := *opt.Target
	up := opt.Direction != Decrease
	switch {
	case t > last.UPL:
		if up {
			return AssuranceFail
		}
		return AssurancePass
	case t < last.LPL:
		if up {
			return AssurancePass
		}
		return AssuranceFail
	}
	return AssuranceInconsistent
}
