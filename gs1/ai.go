package gs1

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Charset is the set of characters a component of an AI's value may hold.
type Charset uint8

// The character sets of the GS1 General Specifications.
const (
	// Numeric is the digits 0-9.
	Numeric Charset = iota + 1
	// CS82 is the GS1 AI encodable character set 82: the digits, the upper
	// and lower case letters and ! " % & ' ( ) * + , - . / : ; < = > ? _
	CS82
	// CS39 is GS1 AI encodable character set 39: digits, upper case letters,
	// # - and /.
	CS39
	// CS64 is GS1 AI encodable character set 64: the file-safe base64
	// alphabet (letters, digits, - and _) and = for padding.
	CS64
)

// String returns the letter the GS1 General Specifications use for the set.
func (c Charset) String() string {
	switch c {
	case Numeric:
		return "N"
	case CS82:
		return "X"
	case CS39:
		return "Y"
	case CS64:
		return "Z"
	}
	return "?"
}

// DateKind says whether, and how, a component holds a date or time.
type DateKind uint8

// The date and time layouts used by GS1 AIs.
const (
	NoDate       DateKind = iota
	YYMMDD                // a date; day 00 is not allowed
	YYMMD0                // a date; day 00 means the last day of the month
	YYMMDDHH              // a date and hour
	YYMMDDHHMM            // a date, hour and minute
	HHMM                  // a time of day
	MMOptSS               // minutes, optionally followed by seconds
	YYYYMMDD              // a date with a four-digit year
	YYYYMMDDHHMM          // a date and time with a four-digit year
)

// Component is one part of an AI's value. Every component but the last has a
// fixed length (Min == Max). The last may vary from Min to Max characters, or
// be absent altogether when Optional is set.
type Component struct {
	Charset  Charset
	Min, Max int
	Optional bool
	// Check is set when the last digit of the component is a GS1 mod-10
	// check digit over the digits before it.
	Check bool
	Date  DateKind

	lints lint // further content rules of the component
}

// AI describes one GS1 Application Identifier. The values returned by
// [LookupAI] and [AIs] share their Components slice with the package's
// table and must not be modified.
type AI struct {
	// Code is the AI itself: two, three or four digits.
	Code string
	// Title is the GS1 data title, such as "GTIN" or "BATCH/LOT".
	Title string
	// Components make up the value, in order.
	Components []Component
	// Predefined is set for AIs in the GS1 table of predefined lengths
	// (those beginning 00-04, 11-20, 31-36 and 41). They are never followed
	// by FNC1. Every other AI is followed by FNC1 (GS) unless it is last.
	Predefined bool
	// Decimals is the number of implied decimal places of a measure or
	// amount (the last digit of AIs 310n-369n and 390n-395n), or -1.
	Decimals int

	fixed int // total value length when every component is fixed, else 0
	min   int // shortest valid value
	max   int // longest valid value
}

// Format returns the value's format in the notation of the GS1 General
// Specifications, for example "N14", "X..20" or "N13+[X..17]".
func (a AI) Format() string {
	var b strings.Builder
	for i, c := range a.Components {
		if i > 0 {
			b.WriteByte('+')
		}
		if c.Optional {
			b.WriteByte('[')
		}
		b.WriteString(c.Charset.String())
		if c.Min != c.Max {
			b.WriteString("..")
		}
		b.WriteString(strconv.Itoa(c.Max))
		if c.Optional {
			b.WriteByte(']')
		}
	}
	return b.String()
}

// FixedLength returns the length of every valid value and true when the
// value has a fixed length, or 0 and false when it varies.
func (a AI) FixedLength() (int, bool) { return a.fixed, a.fixed > 0 }

// MaxLength returns the length of the longest valid value.
func (a AI) MaxLength() int { return a.max }

// CheckDigit reports whether the value carries a GS1 mod-10 check digit.
func (a AI) CheckDigit() bool {
	for _, c := range a.Components {
		if c.Check {
			return true
		}
	}
	return false
}

// Date reports the date layout of the value's first component, or NoDate.
func (a AI) Date() DateKind {
	if len(a.Components) == 0 {
		return NoDate
	}
	return a.Components[0].Date
}

// SyntaxDictionary names the release of the GS1 Barcode Syntax Dictionary
// that the AI table below follows: formats, character sets, check digits
// and check character pairs, dates, code lists (ISO 3166 countries, ISO 4217
// currencies, ISO 5218 sex, AIDC media types, package types) and the other
// content rules it gives, and the associations between AIs (assoc.go). It
// is the release that brought AIs 717 and 8040 to 8043. A new GS1 release is
// one reviewed change to this table, its code lists (codes.go), its
// associations and this name.
const SyntaxDictionary = "GS1 Barcode Syntax Dictionary, release 2026-01-27"

// LookupAI returns the definition of the AI with the given code.
func LookupAI(code string) (AI, bool) {
	a := lookupCode(code)
	if a == nil {
		return AI{}, false
	}
	return *a, true
}

// AIs returns every AI in the table, in code order.
func AIs() []AI {
	out := make([]AI, len(table))
	for i, a := range table {
		out[i] = *a
	}
	return out
}

// predefinedLength is the GS1 table of predefined-length AIs by their first
// two digits: the length of the whole element string (AI plus value). These
// element strings never need FNC1 after them.
var predefinedLength = map[string]int{
	"00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
	"11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8,
	"20": 4,
	"31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10,
	"41": 16,
}

// spec is one row of the table as written below: code, format, title.
//
// The format is components joined by "+". Each is a character set letter
// (N, X, Y, Z), then a fixed length ("14") or a maximum ("..20"), then
// optional flags after commas: csum (check digit), a date layout
// (yymmdd, yymmd0, yymmddhh, yymmddhhmm, hhmm, mmoptss, yyyymmdd,
// yyyymmddhhmm), and the content rules of the Syntax Dictionary: csumalpha
// (a GS1 check character pair ends the value), hasnondigit, zero (the digit
// 0), hyphen (the character "-"), iso3166 (an ISO 3166 numeric country code),
// iso3166999 (a country code or 999), iso3166list (one to five country
// codes), iso3166alpha2, iso4217 (an ISO 4217 numeric currency code),
// iso5218 (an ISO 5218 code for sex), yesno, nozeroprefix, nonzero, winding,
// pieceoftotal, key (starts with a GS1 Company Prefix: four digits or more),
// keyoff1 (the same after the first digit), pcenc (percent-encoding, %
// and two hex digits), iban (ISO 13616), latitude and longitude (ten
// digits, at most 1800000000 and 3600000000), mediatype (an AIDC media
// type), packagetype (a UN/ECE Recommendation 21 package type code, as GS1
// extends it), posinseqslash ("position/total", position <= total) and
// importeridx (an importer index character). A component in square
// brackets may be absent. Where the dictionary writes 423 and 425 as up to
// five optional N3,iso3166 components, the table writes the same rule as
// N..15,iso3166list; it writes 8008's N2,hh [N2],mi [N2],ss as the
// N..4,mmoptss after the hour.
type spec struct{ code, format, title string }

var specs = []spec{
	{"00", "N18,csum,keyoff1", "SSCC"},
	{"01", "N14,csum,keyoff1", "GTIN"},
	{"02", "N14,csum,keyoff1", "CONTENT"},
	{"03", "N14,csum,keyoff1", "MTO GTIN"},
	{"10", "X..20", "BATCH/LOT"},
	{"11", "N6,yymmd0", "PROD DATE"},
	{"12", "N6,yymmd0", "DUE DATE"},
	{"13", "N6,yymmd0", "PACK DATE"},
	{"15", "N6,yymmd0", "BEST BEFORE or BEST BY"},
	{"16", "N6,yymmd0", "SELL BY"},
	{"17", "N6,yymmd0", "USE BY or EXPIRY"},
	{"20", "N2", "VARIANT"},
	{"21", "X..20", "SERIAL"},
	{"22", "X..20", "CPV"},
	{"235", "X..28", "TPX"},
	{"240", "X..30", "ADDITIONAL ID"},
	{"241", "X..30", "CUST. PART No."},
	{"242", "N..6", "MTO VARIANT"},
	{"243", "X..20", "PCN"},
	{"250", "X..30", "SECONDARY SERIAL"},
	{"251", "X..30", "REF. TO SOURCE"},
	{"253", "N13,csum,key+[X..17]", "GDTI"},
	{"254", "X..20", "GLN EXTENSION COMPONENT"},
	{"255", "N13,csum,key+[N..12]", "GCN"},
	{"30", "N..8", "VAR. COUNT"},
	{"37", "N..8", "COUNT"},
	{"400", "X..30", "ORDER NUMBER"},
	{"401", "X..30,key", "GINC"},
	{"402", "N17,csum,key", "GSIN"},
	{"403", "X..30", "ROUTE"},
	{"410", "N13,csum,key", "SHIP TO LOC"},
	{"411", "N13,csum,key", "BILL TO"},
	{"412", "N13,csum,key", "PURCHASE FROM"},
	{"413", "N13,csum,key", "SHIP FOR LOC"},
	{"414", "N13,csum,key", "LOC No."},
	{"415", "N13,csum,key", "PAY TO"},
	{"416", "N13,csum,key", "PROD/SERV LOC"},
	{"417", "N13,csum,key", "PARTY"},
	{"420", "X..20", "SHIP TO POST"},
	{"421", "N3,iso3166+X..9", "SHIP TO POST"},
	{"422", "N3,iso3166", "ORIGIN"},
	{"423", "N..15,iso3166list", "COUNTRY - INITIAL PROCESS"},
	{"424", "N3,iso3166", "COUNTRY - PROCESS"},
	{"425", "N..15,iso3166list", "COUNTRY - DISASSEMBLY"},
	{"426", "N3,iso3166", "COUNTRY - FULL PROCESS"},
	{"427", "X..3", "ORIGIN SUBDIVISION"},
	{"4300", "X..35,pcenc", "SHIP TO COMP"},
	{"4301", "X..35,pcenc", "SHIP TO NAME"},
	{"4302", "X..70,pcenc", "SHIP TO ADD1"},
	{"4303", "X..70,pcenc", "SHIP TO ADD2"},
	{"4304", "X..70,pcenc", "SHIP TO SUB"},
	{"4305", "X..70,pcenc", "SHIP TO LOC"},
	{"4306", "X..70,pcenc", "SHIP TO REG"},
	{"4307", "X2,iso3166alpha2", "SHIP TO COUNTRY"},
	{"4308", "X..30", "SHIP TO PHONE"},
	{"4309", "N10,latitude+N10,longitude", "SHIP TO GEO"},
	{"4310", "X..35,pcenc", "RTN TO COMP"},
	{"4311", "X..35,pcenc", "RTN TO NAME"},
	{"4312", "X..70,pcenc", "RTN TO ADD1"},
	{"4313", "X..70,pcenc", "RTN TO ADD2"},
	{"4314", "X..70,pcenc", "RTN TO SUB"},
	{"4315", "X..70,pcenc", "RTN TO LOC"},
	{"4316", "X..70,pcenc", "RTN TO REG"},
	{"4317", "X2,iso3166alpha2", "RTN TO COUNTRY"},
	{"4318", "X..20", "RTN TO POST"},
	{"4319", "X..30", "RTN TO PHONE"},
	{"4320", "X..35,pcenc", "SRV DESCRIPTION"},
	{"4321", "N1,yesno", "DANGEROUS GOODS"},
	{"4322", "N1,yesno", "AUTH TO LEAVE"},
	{"4323", "N1,yesno", "SIG REQUIRED"},
	{"4324", "N6,yymmd0+N4,hhmm", "NOT BEF DEL DT"},
	{"4325", "N6,yymmd0+N4,hhmm", "NOT AFT DEL DT"},
	{"4326", "N6,yymmdd", "REL DATE"},
	{"4330", "N6+[X1,hyphen]", "MAX TEMP F."},
	{"4331", "N6+[X1,hyphen]", "MAX TEMP C."},
	{"4332", "N6+[X1,hyphen]", "MIN TEMP F."},
	{"4333", "N6+[X1,hyphen]", "MIN TEMP C."},
	{"7001", "N13", "NSN"},
	{"7002", "X..30", "MEAT CUT"},
	{"7003", "N10,yymmddhhmm", "EXPIRY TIME"},
	{"7004", "N..4", "ACTIVE POTENCY"},
	{"7005", "X..12", "CATCH AREA"},
	{"7006", "N6,yymmdd", "FIRST FREEZE DATE"},
	{"7007", "N6,yymmdd+[N6,yymmdd]", "HARVEST DATE"},
	{"7008", "X..3", "AQUATIC SPECIES"},
	{"7009", "X..10", "FISHING GEAR TYPE"},
	{"7010", "X..2", "PROD METHOD"},
	{"7011", "N6,yymmdd+[N4,hhmm]", "TEST BY DATE"},
	{"7020", "X..20", "REFURB LOT"},
	{"7021", "X..20", "FUNC STAT"},
	{"7022", "X..20", "REV STAT"},
	{"7023", "X..30,key", "GIAI - ASSEMBLY"},
	{"7040", "N1+X1+X1+X1,importeridx", "UIC+EXT"},
	{"7041", "X..4,packagetype", "UFRGT UNIT TYPE"},
	{"710", "X..20", "NHRN PZN"},
	{"711", "X..20", "NHRN CIP"},
	{"712", "X..20", "NHRN CN"},
	{"713", "X..20", "NHRN DRN"},
	{"714", "X..20", "NHRN AIM"},
	{"715", "X..20", "NHRN NDC"},
	{"716", "X..20", "NHRN AIC"},
	{"717", "X..20", "NHRN SRN"},
	{"7240", "X..20", "PROTOCOL"},
	{"7241", "N2,mediatype", "AIDC MEDIA TYPE"},
	{"7242", "X..25", "VCN"},
	{"7250", "N8,yyyymmdd", "DOB"},
	{"7251", "N12,yyyymmddhhmm", "DOB TIME"},
	{"7252", "N1,iso5218", "BIO SEX"},
	{"7253", "X..40,pcenc", "FAMILY NAME"},
	{"7254", "X..40,pcenc", "GIVEN NAME"},
	{"7255", "X..10", "SUFFIX"},
	{"7256", "X..90,pcenc", "FULL NAME"},
	{"7257", "X..70,pcenc", "PERSON ADDR"},
	{"7258", "X3,posinseqslash", "BIRTH SEQUENCE"},
	{"7259", "X..40,pcenc", "BABY"},
	{"8001", "N4,nonzero+N5,nonzero+N3,nonzero+N1,winding+N1", "DIMENSIONS"},
	{"8002", "X..20", "CMT No."},
	{"8003", "N1,zero+N13,csum,key+[X..16]", "GRAI"},
	{"8004", "X..30,key", "GIAI"},
	{"8005", "N6", "PRICE PER UNIT"},
	{"8006", "N14,csum,keyoff1+N4,pieceoftotal", "ITIP"},
	{"8007", "X..34,iban", "IBAN"},
	{"8008", "N8,yymmddhh+[N..4,mmoptss]", "PROD TIME"},
	{"8009", "X..50", "OPTSEN"},
	{"8010", "Y..30,key", "CPID"},
	{"8011", "N..12,nozeroprefix", "CPID SERIAL"},
	{"8012", "X..20", "VERSION"},
	{"8013", "X..25,csumalpha,key", "GMN"},
	{"8014", "X..25,csumalpha,key,hasnondigit", "MUDI"},
	{"8017", "N18,csum,key", "GSRN - PROVIDER"},
	{"8018", "N18,csum,key", "GSRN - RECIPIENT"},
	{"8019", "N..10", "SRIN"},
	{"8020", "X..25", "REF No."},
	{"8026", "N14,csum,keyoff1+N4,pieceoftotal", "ITIP CONTENT"},
	{"8030", "Z..90", "DIGSIG"},
	{"8040", "N15", "IMEI"},
	{"8041", "N15", "IMEI2"},
	{"8042", "N32", "ESIM"},
	{"8043", "N18+[N..2]", "PSIM"},
	{"8110", "X..70", "Coupon code"},
	{"8111", "N4", "POINTS"},
	{"8112", "X..70", "Paperless coupon code"},
	{"8200", "X..70", "PRODUCT URL"},
	{"90", "X..30", "INTERNAL"},
}

// measures are the AI families whose last digit is the number of implied
// decimal places: prefix, highest decimal digit, format, title.
var measures = []struct {
	prefix string
	maxDec int
	format string
	title  string
}{
	{"310", 5, "N6", "NET WEIGHT (kg)"},
	{"311", 5, "N6", "LENGTH (m)"},
	{"312", 5, "N6", "WIDTH (m)"},
	{"313", 5, "N6", "HEIGHT (m)"},
	{"314", 5, "N6", "AREA (m²)"},
	{"315", 5, "N6", "NET VOLUME (l)"},
	{"316", 5, "N6", "NET VOLUME (m³)"},
	{"320", 5, "N6", "NET WEIGHT (lb)"},
	{"321", 5, "N6", "LENGTH (in)"},
	{"322", 5, "N6", "LENGTH (ft)"},
	{"323", 5, "N6", "LENGTH (yd)"},
	{"324", 5, "N6", "WIDTH (in)"},
	{"325", 5, "N6", "WIDTH (ft)"},
	{"326", 5, "N6", "WIDTH (yd)"},
	{"327", 5, "N6", "HEIGHT (in)"},
	{"328", 5, "N6", "HEIGHT (ft)"},
	{"329", 5, "N6", "HEIGHT (yd)"},
	{"330", 5, "N6", "GROSS WEIGHT (kg)"},
	{"331", 5, "N6", "LENGTH (m), log"},
	{"332", 5, "N6", "WIDTH (m), log"},
	{"333", 5, "N6", "HEIGHT (m), log"},
	{"334", 5, "N6", "AREA (m²), log"},
	{"335", 5, "N6", "VOLUME (l), log"},
	{"336", 5, "N6", "VOLUME (m³), log"},
	{"337", 5, "N6", "KG PER m²"},
	{"340", 5, "N6", "GROSS WEIGHT (lb)"},
	{"341", 5, "N6", "LENGTH (in), log"},
	{"342", 5, "N6", "LENGTH (ft), log"},
	{"343", 5, "N6", "LENGTH (yd), log"},
	{"344", 5, "N6", "WIDTH (in), log"},
	{"345", 5, "N6", "WIDTH (ft), log"},
	{"346", 5, "N6", "WIDTH (yd), log"},
	{"347", 5, "N6", "HEIGHT (in), log"},
	{"348", 5, "N6", "HEIGHT (ft), log"},
	{"349", 5, "N6", "HEIGHT (yd), log"},
	{"350", 5, "N6", "AREA (in²)"},
	{"351", 5, "N6", "AREA (ft²)"},
	{"352", 5, "N6", "AREA (yd²)"},
	{"353", 5, "N6", "AREA (in²), log"},
	{"354", 5, "N6", "AREA (ft²), log"},
	{"355", 5, "N6", "AREA (yd²), log"},
	{"356", 5, "N6", "NET WEIGHT (tr oz)"},
	{"357", 5, "N6", "NET VOLUME (oz)"},
	{"360", 5, "N6", "NET VOLUME (qt (US))"},
	{"361", 5, "N6", "NET VOLUME (gal.)"},
	{"362", 5, "N6", "VOLUME (qt (US)), log"},
	{"363", 5, "N6", "VOLUME (gal (US)), log"},
	{"364", 5, "N6", "NET VOLUME (in³)"},
	{"365", 5, "N6", "NET VOLUME (ft³)"},
	{"366", 5, "N6", "NET VOLUME (yd³)"},
	{"367", 5, "N6", "VOLUME (in³), log"},
	{"368", 5, "N6", "VOLUME (ft³), log"},
	{"369", 5, "N6", "VOLUME (yd³), log"},
	{"390", 9, "N..15", "AMOUNT"},
	{"391", 9, "N3,iso4217+N..15", "AMOUNT"},
	{"392", 9, "N..15", "PRICE"},
	{"393", 9, "N3,iso4217+N..15", "PRICE"},
	{"394", 3, "N4", "PRCNT OFF"},
	{"395", 5, "N6", "PRICE/UoM"},
}

// Families of AIs that share a format and differ in their last digit.
// The title's number is the last digit plus first: PROCESSOR # 0 is AI
// 7030, but CERT # 1 is AI 7230.
var families = []struct {
	prefix   string
	from, to int
	format   string
	title    string
	first    int
}{
	{"703", 0, 9, "N3,iso3166999+X..27", "PROCESSOR # %d", 0},
	{"723", 0, 9, "X2+X..28", "CERT # %d", 1},
	{"9", 1, 9, "X..90", "INTERNAL", 0},
}

var (
	table  []*AI          // every AI, in code order
	index2 [100]*AI       // two-digit AIs
	index3 [1000]*AI      // three-digit AIs
	index4 [10000]*AI     // four-digit AIs
	aiLen  [100]int8      // length of the AIs beginning with each two digits, 0 if none
	byCode map[string]*AI // every AI by its code
)

func init() {
	add := func(code, format, title string, decimals int) {
		a := &AI{Code: code, Title: title, Decimals: decimals}
		a.Components = mustComponents(code, format)
		_, a.Predefined = predefinedLength[code[:2]]
		a.fixed, a.min, a.max = lengths(a.Components)
		table = append(table, a)
	}
	for _, s := range specs {
		add(s.code, s.format, s.title, -1)
	}
	for _, m := range measures {
		for d := 0; d <= m.maxDec; d++ {
			add(m.prefix+strconv.Itoa(d), m.format, m.title, d)
		}
	}
	for _, f := range families {
		for d := f.from; d <= f.to; d++ {
			title := f.title
			if strings.Contains(title, "%d") {
				title = fmt.Sprintf(title, d+f.first)
			}
			add(f.prefix+strconv.Itoa(d), f.format, title, -1)
		}
	}
	sort.Slice(table, func(i, j int) bool { return table[i].Code < table[j].Code })
	byCode = make(map[string]*AI, len(table))
	for _, a := range table {
		byCode[a.Code] = a
		n, _ := strconv.Atoi(a.Code)
		switch len(a.Code) {
		case 2:
			index2[n] = a
		case 3:
			index3[n] = a
		case 4:
			index4[n] = a
		}
		p := (a.Code[0]-'0')*10 + a.Code[1] - '0'
		aiLen[p] = int8(len(a.Code))
	}
}

// mustComponents parses a format of the table above. The table is part of
// the program, so a malformed entry is a programming error caught by the
// package's tests.
func mustComponents(code, format string) []Component {
	var out []Component
	for part := range strings.SplitSeq(format, "+") {
		var c Component
		if strings.HasPrefix(part, "[") && strings.HasSuffix(part, "]") {
			c.Optional = true
			part = part[1 : len(part)-1]
		}
		fields := strings.Split(part, ",")
		f := fields[0]
		switch f[0] {
		case 'N':
			c.Charset = Numeric
		case 'X':
			c.Charset = CS82
		case 'Y':
			c.Charset = CS39
		case 'Z':
			c.Charset = CS64
		default:
			panic("gs1: bad format for AI " + code + ": " + format)
		}
		f = f[1:]
		variable := strings.HasPrefix(f, "..")
		n, err := strconv.Atoi(strings.TrimPrefix(f, ".."))
		if err != nil || n < 1 {
			panic("gs1: bad length for AI " + code + ": " + format)
		}
		c.Min, c.Max = n, n
		if variable {
			c.Min = 1
		}
		for _, flag := range fields[1:] {
			switch flag {
			case "csum":
				c.Check = true
			case "yymmdd":
				c.Date = YYMMDD
			case "yymmd0":
				c.Date = YYMMD0
			case "yymmddhh":
				c.Date = YYMMDDHH
			case "yymmddhhmm":
				c.Date = YYMMDDHHMM
			case "hhmm":
				c.Date = HHMM
			case "mmoptss":
				c.Date = MMOptSS
			case "yyyymmdd":
				c.Date = YYYYMMDD
			case "yyyymmddhhmm":
				c.Date = YYYYMMDDHHMM
			default:
				l, ok := lintNames[flag]
				if !ok {
					panic("gs1: bad flag for AI " + code + ": " + format)
				}
				c.lints |= l
			}
		}
		out = append(out, c)
	}
	return out
}

// lengths returns the fixed total length (0 if the value varies), and the
// shortest and longest valid value.
func lengths(cs []Component) (fixed, min, max int) {
	variable := false
	for _, c := range cs {
		if c.Min != c.Max || c.Optional {
			variable = true
		}
		if !c.Optional {
			min += c.Min
		}
		max += c.Max
	}
	if !variable {
		fixed = max
	}
	return fixed, min, max
}

// lookupCode returns the AI with exactly this code, or nil.
func lookupCode(code string) *AI {
	n := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c < '0' || c > '9' {
			return nil
		}
		n = n*10 + int(c-'0')
	}
	switch len(code) {
	case 2:
		return index2[n]
	case 3:
		return index3[n]
	case 4:
		return index4[n]
	}
	return nil
}
