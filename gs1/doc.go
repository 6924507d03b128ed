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
// The explicit functions [ParseElementString], [ParseBracketed],
// [ParseDigitalLink] and [ParseHIBC] accept one form each.
//
// # Validation
//
// Every value is checked against the AI table ([LookupAI]): length, character
// set (digits, or GS1 character set 82, 39 or 64), GS1 mod-10 check digits,
// and dates. YYMMDD years are resolved with the GS1 General Specifications
// century rule (section 7.12): the year lies between 49 years before and 50
// years after the current year, taken from [Options].Now. A day of 00, allowed
// in the date AIs 11 to 17, means the last day of the month.
//
// Errors are of type [*ParseError], which names the position and the AI.
//
// # Lenient recovery
//
// Some scanners drop the GS separator. In lenient mode ([Options].Lenient),
// the parser repairs two cases where the AI table leaves exactly one reading:
//
//  1. A variable-length value that is invalid as read (too long, or a bad
//     character) is split at a position k when the text from k to the end of
//     its segment (the next GS or the end of the data) reads completely as
//     one or more predefined fixed-length element strings (AIs beginning 00-04,
//     11-20, 31-36 or 41) whose values are all valid, and the text before k
//     is a valid value for the variable-length AI. The split is made only
//     when exactly one k qualifies; otherwise the original error is returned.
//  2. A fixed-length AI that is not of predefined length, such as AI 7003
//     or AI 8017, must be followed by GS when it is not last; its length is
//     known, so a missing GS is simply noted.
//
// A repaired result has Recovered set and a note in Notes. In strict mode the
// same inputs are errors. A value that is valid as read is never split: a
// lot "ABC12317261231" stays a lot even though it ends with text that could
// be an expiry date, because nothing in the data says otherwise.
//
// Parse never panics, whatever its input.
package gs1
