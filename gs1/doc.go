// Package gs1 parses and validates the barcode data found on medicines and
// medical devices: GS1 element strings as scanners deliver them, the
// bracketed human-readable form, GS1 Digital Link URIs and HIBC (Health
// Industry Bar Code) supplier labels.
//
// It exists so that a scan at the point of care (Scan4Safety) yields the
// matching key a recall needs: GTIN, batch/lot, serial number and expiry,
// checked for the mistakes that matter (wrong check digit, impossible date,
// unknown Application Identifier, dropped separators).
//
// # Forms
//
// [Parse] detects the form of its input:
//
//   - a GS1 element string, optionally prefixed by a symbology identifier
//     (]C1 GS1-128, ]d2 GS1 DataMatrix, ]Q3 GS1 QR Code, ]e0 GS1 DataBar,
//     ]J1 GS1 DotCode), with FNC1 sent as the GS character (ASCII 29);
//   - the bracketed form (01)09521234543213(17)261231(10)ABC123;
//   - a GS1 Digital Link URI, http:// or https://, any domain and any path
//     before the primary key;
//   - an HIBC supplier label, which starts with "+".
//
// A symbology identifier that does not mark GS1 data (]d1, ]Q1, ]C0 ...)
// in front of an element string is not a GS1 barcode and is refused, in
// either mode; an EAN-13 (]E0) or EAN-8 (]E4) is read as the product code
// (GTIN) it is and nothing more ([FormEAN]). A Digital Link URI or an HIBC
// label may come in any symbology.
//
// The explicit functions [ParseElementString], [ParseBracketed],
// [ParseDigitalLink] and [ParseHIBC] accept one form each.
//
// # Validation
//
// Every value is checked against the AI table ([LookupAI]), which follows
// the GS1 Barcode Syntax Dictionary release named by [SyntaxDictionary]:
// length, character set (digits, or GS1 character set 82, 39 or 64), GS1
// mod-10 check digits, the check character pair of AIs 8013 and 8014 ([CheckPair]),
// dates, the code lists (ISO 3166 country codes in 421-426 and 703s,
// ISO 4217 currency codes in 391n and 393n, ISO 5218 in 7252, AIDC media
// types in 7241, package types in 7041) and the dictionary's other content
// rules (a GS1 Company Prefix at the start of a key, percent-encoding in
// names and addresses, the IBAN of 8007, the latitude and longitude of
// 4309, the birth sequence of 7258). YYMMDD years
// are resolved with the GS1 General Specifications century rule (section
// 7.12): the year lies between 49 years before and 50 years after the
// current year, taken from [Options].Now. A day of 00, allowed in the date
// AIs 11 to 17, means the last day of the month.
//
// The AIs of one barcode are then checked together, as the dictionary's
// associations say: AIs that may not stand together, such as a GTIN (01)
// with the GTIN of the contents (02), are an error of [KindConflict]; an AI
// without one it needs, such as a serial number (21) without its GTIN, is
// an error of [KindMissingAI]. The dictionary applies the second rule to
// all the barcodes of an item together, so when a scan is one of several
// barcodes on a label, [Options].SeveralBarcodes makes it a warning in
// [Result].Warnings instead. Of several readings of an ambiguous scan, those
// that break these rules are dropped.
//
// In an element string a GS ends a value that is not of predefined length
// and is not last. A GS anywhere else (at the start, at the end, doubled, or
// after a value of predefined length) is an error in strict mode. In the
// bracketed form an AI in parentheses that GS1 has not defined is an error.
// A Digital Link URI must keep the rules of the GS1 Digital Link standard:
// a 14-digit GTIN, key qualifiers (such as lot and serial number) in the
// path in their order and never in the query string, no AI twice, and no
// "/" at the end of the path.
//
// Errors are of type [*ParseError]. Its Error (or Detail) names the position,
// the AI and the rule, for logs and tests; its Message says what is wrong in
// plain words, with what to do, for the person at the scanner ([Message]).
//
// # Strict and lenient
//
// Parsing is strict by default. The text spellings of GS that some scanners
// send ("<GS>" and others, see [NormalizeGS]) are read as the separator only
// when [Options].TextGS says so, since "<GS>" is also valid lot data.
//
// In lenient mode ([Options].Lenient) the parser allows for the known habits
// of scanners, and every tolerance is reported in the result's Notes:
//
//   - a GS at the start, at the end, doubled, or after a value of predefined
//     length is accepted;
//   - a fixed-length AI that is not of predefined length, such as AI 7003
//     or AI 8017, must be followed by GS when it is not last; its length is
//     known, so a missing GS is simply noted (Recovered is set);
//   - some scanners drop the GS separators altogether. A variable-length
//     value could then end at any place k from which the rest of its
//     segment (to the next GS or the end of the data) reads completely and
//     validly as element strings. Each such k is a reading, and so is the
//     value as read when it is valid. The value as read is the only reading
//     when the data holds a GS elsewhere (the scanner sends them) and the
//     value is valid. One reading is taken (Recovered is set if it splits
//     the value); more than one is an error of [KindAmbiguous] whose
//     Candidates are the readings, each complete and valid, for the person
//     scanning to choose from the label. No guess is ever presented as
//     certain. Readings whose AIs would clash across segments are dropped.
//
// In strict mode the scanner is trusted to send every GS, and the data has
// the one reading the GS1 rules give.
//
// Parse never panics, whatever its input.
package gs1
