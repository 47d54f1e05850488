#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Long operations of the real baton against real daemons: 'baton send' of a folder (every form
# goes, a refused or invalid one does not stop the others, one line per form, the worst exit
# status), and the progress line of send, 'audit verify' and 'export': on a terminal (a
# pseudo-terminal made by script(1)) it is drawn, into a pipe or with --json/--quiet it is not.
#
# usage: bulk.sh BATON BATOND ITEST_HELPER SOURCE_DIR
set -u
# Entries appended to the school's audit trail for the progress of its verification: a walk of
# one to two seconds for batond, long enough for the progress line to be asked several times.
BULK_AUDIT_ENTRIES=${BULK_AUDIT_ENTRIES:-2000000}
. "$(dirname "$0")/../integration/lib.sh"

if ! command -v script >/dev/null 2>&1; then
    echo "SKIP: script (util-linux, Debian package bsdutils) is not installed: it makes the" \
        "pseudo-terminal the progress tests need" >&2
    exit 77
fi

# sendargs: the options of a handover from the school to the municipality.
SENDARGS="--to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT"

# onterm CMD...: runs CMD under a pseudo-terminal (standard output and error both on it); what the
# terminal showed in $W/tty, the exit status returned.
onterm() {
    cmd=""
    for a in "$@"; do
        cmd="$cmd '$a'"
    done
    script -qec "$cmd" /dev/null </dev/null >"$W/tty" 2>&1
}

net || finish
start school || finish
start gemeente || finish

# ---- a folder of forms: three good ones, one batond refuses, one invalid here ----
mkdir -p "$W/forms"
cp "$FORM" "$W/forms/a-first.json"
cp "$FORM_BSN" "$W/forms/b-with-bsn.json" # the covenant lets no BSN travel on consent
cp "$FORM" "$W/forms/c-second.json"
cp "$SRC/forms/examples/invalid/handover-bad-postcode.json" "$W/forms/d-bad-postcode.json"
cp "$FORM" "$W/forms/e-third.json"
echo "not a form" >"$W/forms/notes.txt"
cp "$FORM" "$W/forms/.hidden.json"

"$BATON" send $SENDARGS --socket "$W/school/admin.sock" "$W/forms" </dev/null \
    >"$W/out" 2>"$W/err"
st=$?
check "a folder with a refused and an invalid form: exit status 1, the worst" test "$st" -eq 1
check "one line per form, five (not notes.txt, not a hidden file)" \
    test "$(wc -l <"$W/out")" -eq 5
check "the forms go in order of name" \
    test "$(sed 's/:.*//; s,.*/,,' "$W/out" | tr '\n' ' ')" = \
    "a-first.json b-with-bsn.json c-second.json d-bad-postcode.json e-third.json "
check "the three good forms are queued, each with its id" \
    test "$(grep -c -E '(a-first|c-second|e-third)\.json: queued [0-9a-f-]{36} for '"$OIN_GEM" "$W/out")" -eq 3
check "the form batond refused is named, not sent" \
    grep -q 'b-with-bsn.json: not sent (refused by batond: policy)' "$W/out"
check "the invalid form is named, not sent" \
    grep -q 'd-bad-postcode.json: not sent (invalid form)' "$W/out"
check "standard error says why batond refused it (the covenant's BSN rule)" \
    grep -q -i 'bsn' "$W/err"
check "standard error names the invalid form's file and its error" \
    grep -q 'd-bad-postcode.json' "$W/err"
check "and counts what went" grep -q '3 of 5 forms queued' "$W/err"
check "no progress into a pipe: no carriage return on standard error" \
    test "$(tr -cd '\r' <"$W/err" | wc -c)" -eq 0
check "no progress into a pipe: no progress text" \
    sh -c "! grep -q -e 'send: [0-9]*/5' '$W/err'"
check "the school's outbox holds the three" test "$(count school outbox)" -eq 3
gemeente_has3() {
    [ "$(count gemeente inbox)" -eq 3 ]
}
if waitfor 20 gemeente_has3; then
    pass "the municipality received all three"
else
    fail "the municipality received all three within 20 s" "$W/gemeente/log"
fi

# Several files name the forms themselves; an unreadable one is exit 2, the others still go.
b school send $SENDARGS "$W/forms/a-first.json" "$W/forms/missing.json" "$W/forms/e-third.json"
st=$?
check "several files with one missing: exit status 2, the worst" test "$st" -eq 2
check "the missing one is named, the other two are queued" \
    test "$(grep -c ': queued ' "$W/out") $(grep -c 'missing.json: not sent (unusable)' "$W/out")" = "2 1"

# --json: one array, an entry per form.
b school send $SENDARGS --json "$W/forms"
check "--json with a folder: exit status 1" test $? -eq 1
check "--json: an array of five, three queued, with batond's answers" \
    test "$(j "$W/out" '#') $(grep -c '"queued": true' "$W/out") $(j "$W/out" 0.answer.state) $(j "$W/out" 1.answer.code)" = "5 3 queued policy"

# One file is as it always was.
b school send $SENDARGS "$FORM"
check "one form: 'queued ID for OIN', exit 0" grep -q -E "^queued [0-9a-f-]{36} for $OIN_GEM\$" "$W/out"
check "one form: no progress" test ! -s "$W/err"
b school send $SENDARGS "$W/empty-folder-does-not-exist/"
check "a folder that does not exist: exit 2" test $? -eq 2
mkdir -p "$W/empty"
b school send $SENDARGS "$W/empty"
check "an empty folder: exit 2, said" test $? -eq 2
check "an empty folder: named" grep -q 'holds no forms' "$W/err"
b school send $SENDARGS - "$FORM"
check "'-' with other forms: usage error, exit 2" test $? -eq 2

# ---- on a terminal ----
onterm "$BATON" send $SENDARGS --socket "$W/school/admin.sock" "$W/forms"
st=$?
check "on a terminal: the same exit status 1" test "$st" -eq 1
check "on a terminal: the progress line counts the forms" grep -q 'send: [0-5]/5 ([0-9]*%)' "$W/tty"
check "on a terminal: the final count is drawn (5/5, 100%)" grep -q 'send: 5/5 (100%) ETA' "$W/tty"
check "on a terminal: the progress is drawn in place (carriage returns)" \
    test "$(tr -cd '\r' <"$W/tty" | wc -c)" -gt 5
check "on a terminal: every form's line is still there" \
    test "$(grep -c -e ': queued ' -e ': not sent ' "$W/tty")" -eq 5
onterm "$BATON" send $SENDARGS --quiet --socket "$W/school/admin.sock" "$W/forms"
check "--quiet on a terminal: no progress" sh -c "! grep -q 'send: [0-9]*/5' '$W/tty'"
onterm "$BATON" send $SENDARGS --json --socket "$W/school/admin.sock" "$W/forms"
check "--json on a terminal: no progress" sh -c "! grep -q 'send: [0-9]*/5' '$W/tty'"

# audit verify: batond verifies; the terminal sees the time waited, and at the end every entry.
onterm "$BATON" audit verify --socket "$W/school/admin.sock"
check "audit verify on a terminal: exit 0" test $? -eq 0
check "audit verify on a terminal: the waiting line" grep -q 'audit verify: [-|/\\] waiting 0:0' "$W/tty"
check "audit verify on a terminal: at the end all entries, as batond counted them" \
    grep -q -E 'audit verify: ([0-9]+)/\1 \(100%\)' "$W/tty"
check "audit verify on a terminal: the verdict" grep -q 'The audit trail is intact' "$W/tty"
b school audit verify
check "audit verify into a pipe: no progress" \
    sh -c "! grep -q 'audit verify: .* waiting' '$W/err' && test \$(tr -cd '\r' <'$W/err' | wc -c) -eq 0"

# export: the download on a terminal.
id=$(send_handover)
onterm "$BATON" export --socket "$W/school/admin.sock" -o "$W/exported.packet" "$id"
check "export on a terminal: exit 0, the file written" test $? -eq 0 -a -s "$W/exported.packet"
check "export on a terminal: the progress line" grep -q -E 'export: ([-|/\\] waiting|[0-9.]+ (B|KiB))' "$W/tty"
b school export -o "$W/exported2.packet" "$id"
check "export into a pipe: exit 0, the file written" test $? -eq 0 -a -s "$W/exported2.packet"
check "export into a pipe: no progress" \
    sh -c "! grep -q -E 'export: ([-|/\\\\] waiting|[0-9.]+ (B|KiB))' '$W/err' && test \$(tr -cd '\r' <'$W/err' | wc -c) -eq 0"
check "the packet is the same either way" cmp -s "$W/exported.packet" "$W/exported2.packet"

# ---- a large audit trail: batond says how far a verification got while it walks ----
api school GET '/v1/audit/verify/progress?id=no-such-verification'
check "the progress of no verification: 404, which says so" \
    grep -q 'no verification with progress id no-such-verification runs now or ended' "$W/out"
api school GET '/v1/audit/verify/progress?id=short'
check "a progress id of five characters: 400" test "$code" = 400
api school POST '/v1/audit/verify?progress=not%20an%20id'
check "a verification with a bad progress id: 400, before anything is verified" \
    test "$code" = 400 -a -z "$(grep '"intact"' "$W/out")"
# Nine verifications one after the other, each under an id of its own: their final counts stay
# in eight slots, the one that ended first giving way to the ninth.
for k in 1 2 3 4 5 6 7 8 9; do
    api school POST "/v1/audit/verify?progress=bulk-slot-000$k"
    [ "$code" = 200 ] || break
done
check "nine verifications under progress ids: each 200" test "$code $k" = "200 9"
api school GET '/v1/audit/verify/progress?id=bulk-slot-0009'
check "the ninth's counts after it ended: not running, all entries walked" \
    test "$code $(j "$W/out" running)" = "200 false" -a "$(j "$W/out" done)" -gt 0 -a \
    "$(j "$W/out" done)" = "$(j "$W/out" total)"
api school GET '/v1/audit/verify/progress?id=bulk-slot-0002'
check "the second's counts are still there" test "$code $(j "$W/out" running)" = "200 false"
api school GET '/v1/audit/verify/progress?id=bulk-slot-0001'
check "the first's gave way to the ninth: 404" test "$code" = 404
stop school
"$HELPER" audit-fill "$W/school/store.db" "$BULK_AUDIT_ENTRIES"
check "$BULK_AUDIT_ENTRIES entries appended to the school's chain" test $? -eq 0
start school || finish
# A verification under a progress id, and its progress asked until it is seen mid-walk.
"$HELPER" admin "$W/school/admin.sock" POST '/v1/audit/verify?progress=bulk-test-0001' \
    >"$W/verify.raw" 2>&1 &
vpid=$!
seen=""
while [ -z "$seen" ] && kill -0 $vpid 2>/dev/null; do
    "$HELPER" admin "$W/school/admin.sock" GET '/v1/audit/verify/progress?id=bulk-test-0001' \
        >"$W/progress.raw" 2>/dev/null
    [ "$(head -n 1 "$W/progress.raw")" = 200 ] || continue
    tail -n +2 "$W/progress.raw" >"$W/progress.json"
    done_=$(j "$W/progress.json" done)
    total_=$(j "$W/progress.json" total)
    [ "$done_" -gt 0 -a "$done_" -lt "$total_" ] || continue
    seen="$done_ $total_"
    # The same id again while it runs.
    "$HELPER" admin "$W/school/admin.sock" POST '/v1/audit/verify?progress=bulk-test-0001' \
        >"$W/again.raw" 2>&1
done
wait $vpid
check "while it walked: $seen, of every entry" \
    test -n "$seen" -a "${total_:-0}" -gt "$BULK_AUDIT_ENTRIES"
check "the same progress id again while it ran: 409" test "$(head -n 1 "$W/again.raw")" = 409
tail -n +2 "$W/verify.raw" >"$W/verify.json"
check "the verification: 200, intact, every entry walked" \
    test "$(head -n 1 "$W/verify.raw") $(j "$W/verify.json" intact)" = "200 true" -a \
    "$(j "$W/verify.json" entries)" = "$total_"
api school GET '/v1/audit/verify/progress?id=bulk-test-0001'
check "once it ended: its final counts, not running" \
    test "$code $(j "$W/out" running) $(j "$W/out" done) $(j "$W/out" total)" = \
    "200 false $total_ $total_"
onterm "$BATON" audit verify --socket "$W/school/admin.sock"
check "audit verify of a large trail on a terminal: exit 0" test $? -eq 0
check "audit verify of a large trail on a terminal: the entries walked before the end" \
    grep -q -E "audit verify: [1-9][0-9]*/$total_ \(([0-9]|[1-9][0-9])%\)" "$W/tty"
check "audit verify of a large trail on a terminal: then all of them" \
    grep -q "audit verify: $total_/$total_ (100%)" "$W/tty"

finish
