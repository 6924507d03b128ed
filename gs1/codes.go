package gs1

import "strings"

// lint is a set of content rules of one component, beyond its character
// set, length, check digit and date (see the flags in ai.go).
type lint uint32

const (
	lintCheckPair     lint = 1 << iota // ends in a GS1 check character pair
	lintNonDigit                       // holds at least one character that is not a digit
	lintZero                           // is the digit 0
	lintHyphen                         // is "-"
	lintISO3166                        // an ISO 3166-1 numeric country code
	lintISO3166Or999                   // a country code, or 999
	lintISO3166List                    // one or more country codes, three digits each
	lintISO4217                        // an ISO 4217 numeric currency code
	lintISO5218                        // an ISO 5218 code for sex
	lintISO3166Alpha2                  // an ISO 3166-1 alpha-2 country code
	lintYesNo                          // 0 (no) or 1 (yes)
	lintNoZeroPrefix                   // no leading zero, unless the value is 0
	lintNonZero                        // not all zeros
	lintWinding                        // 0 (face out), 1 (face in) or 9 (undefined)
	lintPieceOfTotal                   // two two-digit numbers: piece of total, 1 <= piece <= total
	lintKey                            // starts with a GS1 Company Prefix: at least four digits
	lintKeyOff1                        // the same, after the first character
	lintPcenc                          // every "%" starts a percent-encoded byte: % and two hex digits
	lintIBAN                           // an International Bank Account Number (ISO 13616)
	lintLatitude                       // ten digits, 0 to 1800000000 (latitude + 90 degrees, in 10^-7 degrees)
	lintLongitude                      // ten digits, 0 to 3600000000 (longitude + 180 degrees)
	lintMediaType                      // an AIDC media type: 01-10 or 80-99
	lintPackageType                    // a package type code
	lintPosInSeqSlash                  // "position/total", no leading zeros, position <= total
	lintImporterIdx                    // an importer index: a digit, letter, "-" or "_"
)

var lintNames = map[string]lint{
	"csumalpha":     lintCheckPair,
	"hasnondigit":   lintNonDigit,
	"zero":          lintZero,
	"hyphen":        lintHyphen,
	"iso3166":       lintISO3166,
	"iso3166999":    lintISO3166Or999,
	"iso3166list":   lintISO3166List,
	"iso4217":       lintISO4217,
	"iso5218":       lintISO5218,
	"iso3166alpha2": lintISO3166Alpha2,
	"yesno":         lintYesNo,
	"nozeroprefix":  lintNoZeroPrefix,
	"nonzero":       lintNonZero,
	"winding":       lintWinding,
	"pieceoftotal":  lintPieceOfTotal,
	"key":           lintKey,
	"keyoff1":       lintKeyOff1,
	"pcenc":         lintPcenc,
	"iban":          lintIBAN,
	"latitude":      lintLatitude,
	"longitude":     lintLongitude,
	"mediatype":     lintMediaType,
	"packagetype":   lintPackageType,
	"posinseqslash": lintPosInSeqSlash,
	"importeridx":   lintImporterIdx,
}

// The code lists, as of the Syntax Dictionary release named by
// [SyntaxDictionary]. Each is the three-digit codes in use, in order.
const (
	// iso3166Codes are the ISO 3166-1 numeric country codes.
	iso3166Codes = `
004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060
064 068 070 072 074 076 084 086 090 092 096 100 104 108 112 116 120 124
132 136 140 144 148 152 156 158 162 166 170 174 175 178 180 184 188 191
192 196 203 204 208 212 214 218 222 226 231 232 233 234 238 239 242 246 248 250 254
258 260 262 266 268 270 275 276 288 292 296 300 304 308 312 316
320 324 328 332 334 336 340 344 348 352 356 360 364 368 372 376 380
384 388 392 398 400 404 408 410 414 417 418 422 426 428 430 434 438 440 442 446
450 454 458 462 466 470 474 478 480 484 492 496 498 499 500 504 508
512 516 520 524 528 531 533 534 535 540 548 554 558 562 566 570 574
578 580 581 583 584 585 586 591 598 600 604 608 612 616 620 624 626 630 634 638
642 643 646 652 654 659 660 662 663 666 670 674 678 682 686 688 690 694 702 703
704 705 706 710 716 724 728 729 732 740 744 748 752 756 760 762 764
768 772 776 780 784 788 792 795 796 798 800 804 807 818 826 831
832 833 834 840 850 854 858 860 862 876 882 887 894`

	// iso4217Codes are the ISO 4217 numeric currency codes.
	iso4217Codes = `
008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124
132 136 144 152 156 170 174 188 191 192 203 208 214 222 230 232 238 242 262 270 292
320 324 328 332 340 344 348 352 356 360 364 368 376
388 392 398 400 404 408 410 414 417 418 422 426 430 434 446
454 458 462 480 484 496 498 504 512 516 524 532 533 548 554 558 566
578 586 590 598 600 604 608 634 643 646 654 682 690 694 702
704 706 710 728 748 752 756 760 764 776 780 784 788 800 807 818 826
834 840 858 860 882 886
901 924 925 927 928 929 930 932 933 934 936 938 940 941 943 944
946 947 948 949 950 951 952 953 955 956 957 958 959
960 961 962 963 964 965 967 968 969 970 971 972 973 975 976 977 978 979 980 981
984 985 986 990 994 997 999`

	// iso3166Alpha2Codes are the ISO 3166-1 alpha-2 country codes.
	iso3166Alpha2Codes = `
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`
)

// iso3166, iso4217: membership of the three-digit codes, indexed by value.
var iso3166, iso4217 [1000]bool

// iso3166alpha2: membership of the alpha-2 codes, indexed by alpha2Index.
var iso3166alpha2 [26 * 26]bool

// alpha2Index returns the index of two upper-case letters, or -1.
func alpha2Index(s string) int {
	if len(s) != 2 || !isUpper(s[0]) || !isUpper(s[1]) {
		return -1
	}
	return int(s[0]-'A')*26 + int(s[1]-'A')
}

func init() {
	for _, l := range []struct {
		set   *[1000]bool
		codes string
	}{{&iso3166, iso3166Codes}, {&iso4217, iso4217Codes}} {
		for _, c := range strings.Fields(l.codes) {
			if len(c) != 3 || charsetOK(Numeric, c) >= 0 {
				panic("gs1: bad code " + c)
			}
			l.set[atoi(c)] = true
		}
	}
	for _, c := range strings.Fields(iso3166Alpha2Codes) {
		i := alpha2Index(c)
		if i < 0 {
			panic("gs1: bad code " + c)
		}
		iso3166alpha2[i] = true
	}
}

// code3 returns the value of three digits, already checked.
func code3(s string) int { return atoi(s[:3]) }

// cs82Order is GS1 character set 82 in the order of its values for the
// check character pair; cs32 is the set the pair is written in.
const (
	cs82Order = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	cs32      = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
)

// CheckPair returns the GS1 check character pair for data, the characters
// of a GMN (AI 8013) or MUDI (AI 8014) before the pair: each character's
// value (its place in character set 82) is weighted by the primes 2, 3, 5
// ... from the right; the sum modulo 1021, split into two five-bit halves,
// gives two characters of character set 32. It returns an error when data is
// empty, too long or holds a character outside set 82.
func CheckPair(data string) (string, error) {
	if data == "" || len(data) > len(primes) {
		return "", errk(KindLength, 0, "", "a check character pair needs 1 to %d characters before it, not %d", len(primes), len(data))
	}
	sum := 0
	for i := 0; i < len(data); i++ {
		v := strings.IndexByte(cs82Order, data[i])
		if v < 0 {
			return "", errk(KindCharacter, i+1, "", "%s is not in GS1 character set 82", quoteByte(data[i]))
		}
		sum += v * primes[len(data)-1-i]
	}
	sum %= 1021
	return string([]byte{cs32[sum>>5], cs32[sum&31]}), nil
}

// primes are the weights of the check character pair, from the right.
var primes = [...]int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
	97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199}

// checkLints applies the content rules of c to part, found at offset pos of
// the input (0-based), for AI code.
func checkLints(c *Component, part string, pos int, code string) *ParseError {
	l := c.lints
	switch {
	case l&lintCheckPair != 0:
		if len(part) < 3 {
			return errk(KindLength, pos+1, code, "value %q is too short for a check character pair", part)
		}
		n := len(part) - 2
		want, err := CheckPair(part[:n])
		if err != nil {
			pe := err.(*ParseError)
			return errk(pe.Kind, pos+pe.Pos, code, "%s", pe.Msg)
		}
		if part[n:] != want {
			return errk(KindCheckDigit, pos+n+1, code, "check character pair is %s, want %s", part[n:], want)
		}
	}
	if l&(lintKey|lintKeyOff1) != 0 {
		if err := checkGCP(part, pos, code, l&lintKeyOff1 != 0); err != nil {
			return err
		}
	}
	if l&lintNonDigit != 0 && charsetOK(Numeric, part) < 0 {
		return errk(KindCharacter, pos+1, code, "value %q must hold at least one character that is not a digit", part)
	}
	if l&lintZero != 0 && part != "0" {
		return errk(KindCharacter, pos+1, code, "the first digit must be 0, not %s", quoteByte(part[0]))
	}
	if l&lintHyphen != 0 && part != "-" {
		return errk(KindCharacter, pos+1, code, "%s is not allowed here: only \"-\" (a negative value)", quoteByte(part[0]))
	}
	if l&(lintISO3166|lintISO3166Or999) != 0 {
		if v := code3(part); !iso3166[v] && !(v == 999 && l&lintISO3166Or999 != 0) {
			return errk(KindCode, pos+1, code, "%s is not an ISO 3166 country code", part)
		}
	}
	if l&lintISO3166List != 0 {
		if len(part)%3 != 0 {
			return errk(KindLength, pos+1, code, "value %q: country codes have three digits each, so the length must be a multiple of 3, not %d", part, len(part))
		}
		for i := 0; i < len(part); i += 3 {
			if !iso3166[code3(part[i:])] {
				return errk(KindCode, pos+i+1, code, "%s is not an ISO 3166 country code", part[i:i+3])
			}
		}
	}
	if l&lintISO4217 != 0 && !iso4217[code3(part)] {
		return errk(KindCode, pos+1, code, "%s is not an ISO 4217 currency code", part)
	}
	if l&lintISO5218 != 0 && part != "0" && part != "1" && part != "2" && part != "9" {
		return errk(KindCode, pos+1, code, "%s is not an ISO 5218 code for sex (0, 1, 2 or 9)", part)
	}
	if l&lintISO3166Alpha2 != 0 {
		if i := alpha2Index(part); i < 0 || !iso3166alpha2[i] {
			return errk(KindCode, pos+1, code, "%q is not an ISO 3166 alpha-2 country code", part)
		}
	}
	if l&lintYesNo != 0 && part != "0" && part != "1" {
		return errk(KindCode, pos+1, code, "%s is not 0 (no) or 1 (yes)", part)
	}
	if l&lintNoZeroPrefix != 0 && len(part) > 1 && part[0] == '0' {
		return errk(KindCharacter, pos+1, code, "value %q may not start with 0", part)
	}
	if l&lintNonZero != 0 && strings.Trim(part, "0") == "" {
		return errk(KindCode, pos+1, code, "%s may not be zero", part)
	}
	if l&lintWinding != 0 && part != "0" && part != "1" && part != "9" {
		return errk(KindCode, pos+1, code, "winding direction %s is not 0, 1 or 9", part)
	}
	if l&lintPieceOfTotal != 0 {
		piece, total := atoi2(part), atoi2(part[2:])
		if piece == 0 || total == 0 || piece > total {
			return errk(KindCode, pos+1, code, "piece %d of %d: want 1 <= piece <= total", piece, total)
		}
	}
	if l&(lintPcenc|lintIBAN|lintLatitude|lintLongitude|lintMediaType|lintPackageType|lintPosInSeqSlash|lintImporterIdx) != 0 {
		return checkLints2(l, part, pos, code)
	}
	return nil
}
