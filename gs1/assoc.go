package gs1

import (
	"fmt"
	"strings"
)

// associations are the req and ex attributes of the GS1 Barcode Syntax
// Dictionary release named by [SyntaxDictionary], one line per AI or range
// of AIs, in the dictionary's own notation:
//
//   - "req=01,02" - the AI needs one of the listed AIs with it; "01+21"
//     means both; several req= keys must each be met;
//   - "ex=255,37" - the AI may not stand with any of the listed AIs.
//
// A listed AI may be a pattern in which "n" stands for any digit, as
// "310n" or "31nn"; an AI is never exclusive of itself. The dictionary
// says these rules apply to the data of every barcode on the item together.
const associations = `
01        ex=255,37
02        ex=01,03 req=37
03        ex=01,02,37,235
10        req=01,02,03,8006,8026
11        req=01,02,03,8006,8026
12        req=8020
13        req=01,02,03,8006,8026
15        req=01,02,03,8006,8026
16        req=01,02,03,8006,8026
17        req=01,02,03,255,8006,8026
20        req=01,02,03,8006,8026
21        req=01,03,8006 ex=235
22        req=01
235       req=01
240       req=01,02,03,8006,8026
241       req=01,02,03,8006,8026
242       req=01,02,8006,8026
243       req=01,03
250       req=01+21,03+21,8006+21
251       req=01,03,8006
254       req=414
255       ex=01,02,415,8006,8020,8026
30        req=01,02
3100-3105 req=01,02 ex=310n
3110-3115 req=01,02 ex=311n
3120-3125 req=01,02 ex=312n
3130-3135 req=01,02 ex=313n
3140-3145 req=01,02 ex=314n
3150-3155 req=01,02 ex=315n
3160-3165 req=01,02 ex=316n
3200-3205 req=01,02 ex=320n
3210-3215 req=01,02 ex=321n
3220-3225 req=01,02 ex=322n
3230-3235 req=01,02 ex=323n
3240-3245 req=01,02 ex=324n
3250-3255 req=01,02 ex=325n
3260-3265 req=01,02 ex=326n
3270-3275 req=01,02 ex=327n
3280-3285 req=01,02 ex=328n
3290-3295 req=01,02 ex=329n
3300-3305 req=00,01 ex=330n
3310-3315 req=00,01 ex=331n
3320-3325 req=00,01 ex=332n
3330-3335 req=00,01 ex=333n
3340-3345 req=00,01 ex=334n
3350-3355 req=00,01 ex=335n
3360-3365 req=00,01 ex=336n
3370-3375 req=01    ex=337n
3400-3405 req=00,01 ex=340n
3410-3415 req=00,01 ex=341n
3420-3425 req=00,01 ex=342n
3430-3435 req=00,01 ex=343n
3440-3445 req=00,01 ex=344n
3450-3455 req=00,01 ex=345n
3460-3465 req=00,01 ex=346n
3470-3475 req=00,01 ex=347n
3480-3485 req=00,01 ex=348n
3490-3495 req=00,01 ex=349n
3500-3505 req=01,02 ex=350n
3510-3515 req=01,02 ex=351n
3520-3525 req=01,02 ex=352n
3530-3535 req=00,01 ex=353n
3540-3545 req=00,01 ex=354n
3550-3555 req=00,01 ex=355n
3560-3565 req=01,02 ex=356n
3570-3575 req=01,02 ex=357n
3600-3605 req=01,02 ex=360n
3610-3615 req=01,02 ex=361n
3620-3625 req=00,01 ex=362n
3630-3635 req=00,01 ex=363n
3640-3645 req=01,02 ex=364n
3650-3655 req=01,02 ex=365n
3660-3665 req=01,02 ex=366n
3670-3675 req=00,01 ex=367n
3680-3685 req=00,01 ex=368n
3690-3695 req=00,01 ex=369n
37        req=00+02,00+8026
3900-3909 req=255,8020 ex=390n,391n,394n,8111
3910-3919 req=8020 ex=391n
3920-3929 req=01+30,01+31nn,01+32nn,01+35nn,01+36nn ex=392n,393n
3930-3939 req=30,31nn,32nn,35nn,36nn ex=393n
3940-3943 req=255 ex=394n,8111
3950-3955 req=30,31nn,32nn,35nn,36nn ex=392n,393n,395n,8005
403       req=00
415       req=8020
420       ex=421
421       ex=4307
422       req=01,02,03,8006,8026 ex=426
423       req=01,02,03 ex=426
424       req=01,02,03 ex=426
425       req=01,02,03 ex=426
426       req=01,02,03
427       req=01+422,02+422,03+422
4300-4302 req=00
4303      req=4302
4304-4312 req=00
4313      req=4312
4314-4326 req=00
4330      req=00 ex=4331
4331      req=00 ex=4330
4332      req=00 ex=4333
4333      req=00 ex=4332
7001      req=01,02,8006,8026
7002      req=01,02
7003      req=01,02,03
7004      req=01+10,03+10
7005-7009 req=01,02
7010-7011 req=01,02,03
7020      req=01+416,03+416,8006+416
7021      req=01,03,8006
7022      req=01+7021,03+7021,8006+7021
7030-7039 req=01,02
7041      req=00
710-717   req=01
7230-7239 req=01,8004
7240      req=01,8006 ex=03
7241-7242 req=8017,8018
7250      req=8018 ex=7251
7251      req=8018 ex=7250
7252      req=8018
7253-7255 req=8017,8018 ex=7256,7259
7256      req=8017,8018
7257      req=8018
7258      req=8018+7259
7259      req=8018 ex=7256
8001      req=01
8005      req=01,02
8006      ex=01,03,37
8007      req=415
8008      req=01,02,03
8009      req=00,01,03
8011      req=8010
8012      req=01,03,8006
8014      req=01
8017      ex=8018
8018      ex=8017
8019      req=8017,8018
8020      req=415
8026      req=37 ex=02,03,8006
8030      req=00,01+21,03+21,253,255,8003,8004,8006+21,8010+8011,8017,8018
8040      req=01+21
8041-8043 req=01+21+8040
8111      req=255
8200      req=01
`

// group is AIs or patterns that must all be present.
type group []string

// rules are the association rules of one AI: each entry of req is a list
// of alternatives, one of which must be present; no group of ex may match.
type rules struct {
	req [][]group
	ex  []group
}

// assocs are the rules by AI.
var assocs = map[string]*rules{}

func init() {
	for line := range strings.SplitSeq(associations, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		from, to, _ := strings.Cut(f[0], "-")
		if to == "" {
			to = from
		}
		if len(from) != len(to) || from > to {
			panic("gs1: bad association range " + f[0])
		}
		var rs rules
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			var alts []group
			for alt := range strings.SplitSeq(v, ",") {
				alts = append(alts, strings.Split(alt, "+"))
			}
			switch k {
			case "req":
				rs.req = append(rs.req, alts)
			case "ex":
				rs.ex = append(rs.ex, alts...)
			default:
				panic("gs1: bad association attribute " + kv)
			}
		}
		n := 0
		for _, a := range table {
			if len(a.Code) == len(from) && a.Code >= from && a.Code <= to {
				r := rs
				assocs[a.Code] = &r
				n++
			}
		}
		if n == 0 {
			panic("gs1: association rules for no AI: " + line)
		}
	}
}

// matchPattern reports whether the AI code matches p, an AI or a pattern
// in which "n" stands for any digit.
func matchPattern(p, code string) bool {
	if len(p) != len(code) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != 'n' && p[i] != code[i] {
			return false
		}
	}
	return true
}

// checkAssociations applies the association rules to the elements read.
// AIs that may not stand together are an error of KindConflict. An AI
// without an AI it needs is an error of KindMissingAI, or, when the scan
// is one of several barcodes on a label, a warning in the result.
func (p *parser) checkAssociations() *ParseError {
	codes := uniqueAIs(p.r.Elements)
	present := func(pat, self string) bool {
		for _, c := range codes {
			if c != self && matchPattern(pat, c) {
				return true
			}
		}
		return false
	}
	for _, c := range codes {
		rs := assocs[c]
		if rs == nil {
			continue
		}
		for _, g := range rs.ex {
			for _, other := range codes {
				if other != c && matchPattern(g[0], other) {
					return &ParseError{AI: c, Kind: KindConflict, with: []string{other},
						Msg: fmt.Sprintf("may not stand with AI (%s)", other)}
				}
			}
		}
	}
	for _, c := range codes {
		rs := assocs[c]
		if rs == nil {
			continue
		}
		for _, alts := range rs.req {
			met := false
			for _, g := range alts {
				all := true
				for _, pat := range g {
					all = all && present(pat, c)
				}
				met = met || all
			}
			if met {
				continue
			}
			msg := "needs " + describeAlternatives(alts) + " with it, and the data has none"
			if !p.opts.SeveralBarcodes {
				return &ParseError{AI: c, Kind: KindMissingAI, with: absentAIs(alts, codes), Msg: msg}
			}
			p.r.Warnings = append(p.r.Warnings, fmt.Sprintf("AI (%s) %s: it may be in another barcode on the label", c, msg))
		}
	}
	return nil
}

// uniqueAIs returns the AIs of the elements, each once, in the order read.
// Long data is indexed by a map, so that it costs no more than linear time.
func uniqueAIs(els []Element) []string {
	out := make([]string, 0, len(els))
	var seen map[string]bool
	if len(els) > 16 {
		seen = make(map[string]bool, len(els))
	}
	for _, e := range els {
		switch {
		case seen != nil && seen[e.AI]:
		case seen == nil && containsString(out, e.AI):
		default:
			out = append(out, e.AI)
			if seen != nil {
				seen[e.AI] = true
			}
		}
	}
	return out
}

// describeAlternatives writes alternatives as "AI (01), AI (03) or AI
// (8006)", a group as "AI (01) and AI (21)".
func describeAlternatives(alts []group) string {
	var parts []string
	for _, g := range alts {
		var ais []string
		for _, pat := range g {
			ais = append(ais, "AI ("+pat+")")
		}
		parts = append(parts, strings.Join(ais, " and "))
	}
	return joinOr(parts)
}

// absentAIs returns, for the plain message, the AIs of the first of the
// alternatives (the usual one, such as the GTIN a lot needs) that are not
// among the AIs read, patterns left out.
func absentAIs(alts []group, codes []string) []string {
	var out []string
	for _, pat := range alts[0] {
		if !containsString(codes, pat) && !strings.Contains(pat, "n") {
			out = append(out, pat)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// joinOr joins "a", "b" and "c" as "a, b or c".
func joinOr(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
