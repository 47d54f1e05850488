#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Retention with real daemons: a received handover is dated at receipt with the covenant's period
# (730 days for school-leaver-handover), 'baton audit retention' lists it as due only when the
# horizon reaches that date, and when the date has passed (moved back in the store, as an
# operator's sqlite3 shell could; batond has no clock of its own to move) batond's sweep erases
# the content at start: the form is no longer shown, its metadata stays, the audit has
# "erased-retention" without content, and the report lists it as erased. A form stored before
# retention dates were kept is dated and erased the same way. Refusals: a bad --within.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start school || finish
start gemeente || finish

id1=$(send_handover)
id2=$(send_handover)
check "two handovers are queued" test -n "$id1" -a -n "$id2"
waitfor 15 is_state school "$id1" delivered && waitfor 15 is_state school "$id2" delivered
check "both are delivered" test $? -eq 0

# Dated at receipt: received + 730 days.
got=$("$HELPER" query "$W/gemeente/store.db" "SELECT received FROM inbox WHERE id = '$id1'")
until=$("$HELPER" query "$W/gemeente/store.db" "SELECT retain_until FROM inbox WHERE id = '$id1'")
check "the municipality dated the handover received + 730 days" \
    test -n "$got" -a "$until" = "$((got + 730 * 86400))"

b gemeente audit retention --json --within 3650
cp "$W/out" "$W/r1.json"
check "baton audit retention --within 3650 lists both as due" \
    test $rc -eq 0 -a "$(j "$W/r1.json" due.#)" = 2 -a "$(j "$W/r1.json" erased.#)" = 0
check "with the date they are erased on" \
    test "$(j "$W/r1.json" due.0.retain_until)" = "$(date -u -d "@$until" +%Y-%m-%dT%H:%M:%SZ)"
b gemeente audit retention --json --within 729
check "baton audit retention --within 729 lists none as due" \
    test $rc -eq 0 -a "$(j "$W/out" due.#)" = 0
b gemeente audit retention
if [ $rc -eq 0 ] && grep -q "Content erased within 30 days (0): none" "$W/out" &&
    grep -q "Erased by retention (0): none" "$W/out"; then
    pass "baton audit retention prints the three lists as text"
else
    fail "baton audit retention prints the three lists as text" "$W/out" "$W/err"
fi
b gemeente audit retention --within 3651
check "--within 3651 is refused as bad usage (exit 2)" test $rc -eq 2
b gemeente audit retention --within soon
check "--within soon is refused as bad usage (exit 2)" test $rc -eq 2
api gemeente GET '/v1/retention?within=-5'
check "the admin API answers within=-5 with 400" test "$code" = 400

# The first form's period ends (its dates moved back to a second before now); the second was stored
# before retention dates were kept (no date) and received 731 days ago. batond sweeps at start.
stop gemeente
now=$(date +%s)
"$HELPER" sql "$W/gemeente/store.db" \
    "UPDATE inbox SET received = $((now - 730 * 86400 - 1)), retain_until = $((now - 1)) WHERE id = '$id1'"
"$HELPER" sql "$W/gemeente/store.db" \
    "UPDATE inbox SET retain_until = NULL, received = $((now - 731 * 86400)) WHERE id = '$id2'"
start gemeente || finish

# erasures: the number of erased-retention entries in the municipality's audit trail.
erasures() {
    "$HELPER" query "$W/gemeente/store.db" "SELECT count(*) FROM audit WHERE event = 'erased-retention'"
}
erased() {
    [ "$("$HELPER" query "$W/gemeente/store.db" \
        "SELECT count(*) FROM inbox WHERE key_id IS NULL AND content IS NULL")" = 2 ]
}
waitfor 15 erased
check "batond erased both forms' content (record key and ciphertext gone)" test $? -eq 0
n=$("$HELPER" query "$W/gemeente/store.db" "SELECT count(*) FROM record_keys")
check "no record key is left" test "$n" = 0
until2=$("$HELPER" query "$W/gemeente/store.db" "SELECT retain_until FROM inbox WHERE id = '$id2'")
check "the earlier form was dated received + 730 days" \
    test "$until2" = "$((now - 731 * 86400 + 730 * 86400))"

audit_has gemeente erased-retention "730 days for school-leaver-handover" $OIN_SCHOOL
check "the audit has erased-retention with the period and the sender" test $? -eq 0
api gemeente GET '/v1/audit?limit=1000'
if grep -q -e Milan -e Haan "$W/out"; then
    fail "nothing of the form's content in the audit trail" "$W/out"
else
    pass "nothing of the form's content in the audit trail"
fi
check "one erased-retention entry per form" test "$(erasures)" = 2

b gemeente show --json "$id1"
if [ $rc -eq 0 ] && [ "$(j "$W/out" erased)" = true ] && [ "$(j "$W/out" from)" = $OIN_SCHOOL ] &&
    [ "$(j "$W/out" erased_by)" = retention ] && [ -n "$(j "$W/out" retain_until)" ] &&
    ! grep -q -e '"form"' -e Milan "$W/out"; then
    pass "baton show: metadata kept, content erased by retention"
else
    fail "baton show: metadata kept, content erased by retention" "$W/out" "$W/err"
fi
b gemeente audit retention --json --within 0
cp "$W/out" "$W/r2.json"
check "baton audit retention lists both as erased, none as due" \
    test "$(j "$W/r2.json" erased.#)" = 2 -a "$(j "$W/r2.json" due.#)" = 0
check "with when they were erased" test -n "$(j "$W/r2.json" erased.0.erased)"

# Idempotent: a restart sweeps again and erases nothing twice.
stop gemeente
start gemeente || finish
sleep 2
check "after a restart still one erased-retention entry per form" test "$(erasures)" = 2

stop gemeente
stop school
finish
