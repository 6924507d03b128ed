#!/usr/bin/env bash
# Runs every Go test with PostgreSQL and the browser tests required, and
# prints a readable summary: package results, each test's result on each
# engine, and totals. The full verbose log is kept in $LOG.
set -uo pipefail
LOG=${LOG:-${TMPDIR:-/tmp}/clinsafe-test.log}
export CLINSAFE_TEST_POSTGRES=1 CLINSAFE_TEST_BROWSER=1
go test -count=1 -timeout 60m -v "$@" ./... >"$LOG" 2>&1
status=$?
# Package results, failures and every per-engine subtest result.
grep -E '^(ok|FAIL|panic:|--- FAIL|--- SKIP)|^\s+--- (PASS|FAIL|SKIP): [^ ]+/(sqlite|postgres) |^--- (PASS|FAIL): TestBrowser|SKIPPED|\*\*\*' "$LOG"
pass=$(grep -cE '^\s*--- PASS' "$LOG")
fail=$(grep -cE '^\s*--- FAIL' "$LOG")
skip=$(grep -cE '^\s*--- SKIP' "$LOG")
sq=$(grep -cE '^\s+--- PASS: [^ ]+/sqlite ' "$LOG")
pg=$(grep -cE '^\s+--- PASS: [^ ]+/postgres ' "$LOG")
br=$(grep -cE '^--- PASS: TestBrowser' "$LOG")
echo
echo "engine sqlite: $sq test(s) passed; engine postgres: $pg test(s) passed; browser: $br test(s) passed"
echo "full log: $LOG"
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then
	# A build failure or panic fails without a --- FAIL line.
	grep -E '^(#|.*\.go:[0-9]+:)' "$LOG" | head -40
	fail=1
fi
echo "$pass passed, $fail failed, $skip skipped"
exit $status
