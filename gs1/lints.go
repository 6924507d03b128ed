package gs1

import "strings"

// gcpMinLength is the length of the shortest GS1 Company Prefix.
const gcpMinLength = 4

// checkGCP checks that part, at offset pos, starts with a GS1 Company
// Prefix, as the Syntax Dictionary's "key" rule asks: at least four digits
// (after the first character when off1 is set). Whether the prefix is one
// GS1 has allocated needs GS1's register and is not checked.
func checkGCP(part string, pos int, code string, off1 bool) *ParseError {
	start := 0
	if off1 {
		start = 1
	}
	if len(part) < start+gcpMinLength {
		return errk(KindLength, pos+1, code, "value %q is too short to start with a GS1 Company Prefix (%d digits or more)", part, gcpMinLength)
	}
	for i := start; i < start+gcpMinLength; i++ {
		if !isDigit(part[i]) {
			return errk(KindCharacter, pos+i+1, code, "%s: the value must start with a GS1 Company Prefix, %d digits or more", quoteByte(part[i]), gcpMinLength)
		}
	}
	return nil
}

// checkLints2 applies the content rules pcenc, iban, latitude, longitude,
// mediatype, packagetype, posinseqslash and importeridx of l to part, found
// at offset pos of the input (0-based), for AI code.
func checkLints2(l lint, part string, pos int, code string) *ParseError {
	if l&lintPcenc != 0 {
		for i := 0; i < len(part); i++ {
			if part[i] != '%' {
				continue
			}
			if i+2 >= len(part) || !isHex(part[i+1]) || !isHex(part[i+2]) {
				return errk(KindCharacter, pos+i+1, code, "%q: a %% must be followed by two hexadecimal digits (percent-encoding)", part[i:min(i+3, len(part))])
			}
			i += 2
		}
	}
	if l&lintIBAN != 0 {
		if err := checkIBAN(part, pos, code); err != nil {
			return err
		}
	}
	if l&(lintLatitude|lintLongitude) != 0 {
		limit, what := 1800000000, "latitude"
		if l&lintLongitude != 0 {
			limit, what = 3600000000, "longitude"
		}
		if atoi(part) > limit {
			return errk(KindRange, pos+1, code, "%s %s is above %d", what, part, limit)
		}
	}
	if l&lintMediaType != 0 {
		if n := atoi2(part); n < 1 || n > 10 && n < 80 {
			return errk(KindCode, pos+1, code, "%s is not an AIDC media type (01-10, 80-99)", part)
		}
	}
	if l&lintPackageType != 0 && !packageTypes[part] {
		return errk(KindCode, pos+1, code, "%q is not a package type code (UN/ECE Recommendation 21, as extended by GS1)", part)
	}
	if l&lintPosInSeqSlash != 0 {
		if err := checkPosInSeq(part, pos, code); err != nil {
			return err
		}
	}
	if l&lintImporterIdx != 0 {
		if c := part[0]; !(isDigit(c) || isLetter(c) || c == '-' || c == '_') {
			return errk(KindCharacter, pos+1, code, "%s is not an importer index (a digit, a letter, \"-\" or \"_\")", quoteByte(c))
		}
	}
	return nil
}

func isHex(c byte) bool { return isDigit(c) || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f' }

// checkIBAN checks an International Bank Account Number (ISO 13616): an
// ISO 3166 alpha-2 country code, two check digits and up to 30 letters and
// digits, 11 to 34 characters in all, whose mod-97 check (the first four
// characters moved to the end, letters counted as 10 to 35) is 1.
func checkIBAN(s string, pos int, code string) *ParseError {
	if len(s) < 4 {
		return errk(KindLength, pos+1, code, "IBAN %q is too short", s)
	}
	if i := alpha2Index(s[:2]); i < 0 || !iso3166alpha2[i] {
		return errk(KindCode, pos+1, code, "IBAN %q does not start with an ISO 3166 alpha-2 country code", s)
	}
	if len(s) <= 10 {
		return errk(KindLength, pos+1, code, "IBAN %q is too short: %d characters", s, len(s))
	}
	rem := 0
	for k := 4; k < len(s)+4; k++ {
		i := k % len(s)
		c := s[i]
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case isUpper(c):
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return errk(KindCharacter, pos+i+1, code, "%s is not allowed in an IBAN: only digits and upper case letters", quoteByte(c))
		}
	}
	if rem != 1 {
		return errk(KindCheckDigit, pos+3, code, "IBAN check digits %s do not match the account number", s[2:4])
	}
	return nil
}

// checkPosInSeq checks "position/total": each a number with no leading
// zero, and position <= total.
func checkPosInSeq(s string, pos int, code string) *ParseError {
	p, t, ok := strings.Cut(s, "/")
	if !ok || p == "" || t == "" || charsetOK(Numeric, p) >= 0 || charsetOK(Numeric, t) >= 0 {
		return errk(KindCharacter, pos+1, code, "%q is not a position in a sequence, such as 1/2", s)
	}
	if p[0] == '0' || t[0] == '0' {
		return errk(KindRange, pos+1, code, "%q: the numbers start at 1, with no leading zero", s)
	}
	if len(p) > len(t) || len(p) == len(t) && p > t {
		return errk(KindRange, pos+1, code, "%q: the position is after the last", s)
	}
	return nil
}

// packageTypeCodes are the codes of GS1's PackageTypeCode code list (UN/ECE
// Recommendation 21 codes, extended by GS1), as of the release named by
// SyntaxDictionary.
const packageTypeCodes = `
1A 1B 1D 1F 1G 1W 200 201 202 203 204 205 206 210 211 212 2C 3A 3H 43 44 4A 4B 4C 4D 4F 4G 4H
5H 5L 5M 6H 6P 7A 7B 8 8A 8B 8C 9
AA AB AC AD AF AG AH AI AJ AL AM AP APE AT AV
B4 BB BC BD BE BF BG BGE BH BI BJ BK BL BM BME BN BO BP BQ BR BRI BS BT BU BV BW BX BY BZ
CA CB CBL CC CCE CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ CR CS CT CU CV CW CX CY CZ
DA DB DC DG DH DI DJ DK DL DM DN DP DPE DR DS DT DU DV DW DX DY
E1 E2 E3 EC ED EE EF EG EH EI EN
FB FC FD FE FI FL FO FOB FP FPE FR FT FW FX
GB GI GL GR GU GY GZ HA HB HC HG HN HR
IA IB IC ID IE IF IG IH IK IL IN IZ JB JC JG JR JT JY KG KI
LAB LE LG LT LU LV LZ MA MB MC ME MPE MR MS MT MW MX
NA NE NF NG NS NT NU NV OA OB OC OD OE OF OK OPE OT OU
P2 PA PAE PB PC PD PE PF PG PH PI PJ PK PL PLP PN PO POP PP PPE PR PT PU PUE PV PX PY PZ
QA QB QC QD QF QG QH QJ QK QL QM QN QP QQ QR QS
RB1 RB2 RB3 RCB RD RG RJ RK RL RO RT RZ
S1 SA SB SC SD SE SEC SH SI SK SL SM SO SP SS ST STL SU SV SW SX SY SZ
T1 TB TC TD TE TEV TG THE TI TK TL TN TO TR TRE TS TT TTE TU TV TW TWE TY TZ
UC UN UUE VA VG VI VK VL VN VO VP VQ VR VS VY
WA WB WC WD WF WG WH WJ WK WL WM WN WP WQ WR WRP WS WT WU WV WW WX WY WZ
X11 X12 X15 X16 X17 X18 X19 X20 X3 XA XB XC XD XF XG XH XJ XK
YA YB YC YD YF YG YH YJ YK YL YM YN YP YQ YR YS YT YV YW YX YY YZ
ZA ZB ZC ZD ZF ZG ZH ZJ ZK ZL ZM ZN ZP ZQ ZR ZS ZT ZU ZV ZW ZX ZY ZZ`

var packageTypes = map[string]bool{}

func init() {
	for _, c := range strings.Fields(packageTypeCodes) {
		packageTypes[c] = true
	}
}
