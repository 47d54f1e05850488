#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# End to end with two real daemons: the school sends a handover, the municipality's batond
# receives it and answers with a receipt that the school verifies and stores; a caseworker reads
# and accepts it; the school sees it accepted; a status update travels back; a second handover is
# rejected with a reason. Also: what the daemons refuse on the admin API.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
conf school
"$BATOND" --config "$W/school/batond.conf" --check >"$W/out" 2>"$W/err"
check "batond --check: the configuration, keystore, directory, covenant and store are usable" \
    test $? -eq 0
check "and it says so" grep -q 'batond can run and send' "$W/out"
start school || finish
start gemeente || finish

id=$(send_handover)
if [ -n "$id" ] && [ "$(j "$W/out" state)" = queued ]; then
    pass "baton send: the school's batond queues the handover ($id)"
else
    fail "baton send queues the handover" "$W/out" "$W/err"
    finish
fi

if waitfor 15 is_state school "$id" delivered; then
    pass "delivered to the municipality"
else
    fail "delivered to the municipality within 15 s" "$W/out" "$W/school/log"
fi
state school "$id" >/dev/null
cp "$W/out" "$W/status.json"
[ "$(j "$W/status.json" receipt.verified)" = true ] &&
    [ -n "$(j "$W/status.json" receipt.id)" ] &&
    [ -n "$(j "$W/status.json" receipt.received_at)" ]
check "the receipt is verified and stored at the school" test $? -eq 0
check "the school's events show submitted, minimised, sealed, delivered" \
    test "$(j "$W/status.json" events.0.event) $(j "$W/status.json" events.1.event) $(j "$W/status.json" events.2.event) $(j "$W/status.json" events.3.event)" = "submitted minimised sealed delivered"

# The same packet as a file (for a handover without the network): exactly the bytes the
# municipality received and receipted, and the export is audited with who asked.
j "$W/status.json" receipt.jws >"$W/receipt.jws"
if b school export "${id%%-*}" -o "$W/exported.packet"; then
    pass "baton export writes the sealed packet to a file"
else
    fail "baton export writes the sealed packet to a file" "$W/err"
fi
"$BATON" receipt verify --directory "$W/directory.jws" --coordinator "$W/coord/entry.json" \
    "$W/receipt.jws" "$W/exported.packet" >"$W/out" 2>"$W/err"
check "the municipality's receipt verifies against the exported file (the same bytes)" \
    test $? -eq 0
check "the school's audit records the export" audit_has school exported "exported as a file"
b school export "$id" -o "$W/exported.packet"
check "export does not replace an existing file without --force (exit 2)" test $? -eq 2
b school export 00000000-0000-4000-8000-000000000000
check "export of an unknown id: exit 1" test $? -eq 1

b gemeente inbox --json
cp "$W/out" "$W/inbox.json"
check "the municipality's inbox holds it, new, from the school" \
    test "$(j "$W/inbox.json" items.#) $(j "$W/inbox.json" items.0.id) $(j "$W/inbox.json" items.0.state) $(j "$W/inbox.json" items.0.from)" = "1 $id new $OIN_SCHOOL"
check "the inbox names the sender and the deadline" \
    test "$(j "$W/inbox.json" items.0.from_name)" = "Praktijkschool De Brug" -a -n "$(j "$W/inbox.json" items.0.deadline)"

b gemeente show "$id"
check "baton show renders the form with its labels" grep -q -i 'Milan' "$W/out"
b gemeente show --json "$id"
check "baton show --json gives the claims and the form" \
    test "$(j "$W/out" claims.iss) $(j "$W/out" form.young_person.first_name)" = "$OIN_SCHOOL Milan"
b school outbox --json
check "baton outbox at the school lists it, delivered" \
    test "$(j "$W/out" items.0.id) $(j "$W/out" items.0.state) $(j "$W/out" items.0.overdue)" = "$id delivered false"

# Overdue: the covenant gives 10 days to take a handover over. Eleven days back in time:
"$HELPER" sql "$W/school/store.db" \
    "UPDATE outbox SET delivered = delivered - 11 * 86400 WHERE id = '$id'"
"$HELPER" sql "$W/gemeente/store.db" \
    "UPDATE inbox SET received = received - 11 * 86400 WHERE id = '$id'"
state school "$id" >/dev/null
check "delivered 11 days ago and not decided: overdue at the school" \
    test "$(j "$W/out" state) $(j "$W/out" overdue)" = "delivered true"
b gemeente inbox --json
check "and at the municipality, past its deadline" test "$(j "$W/out" items.0.overdue)" = true

b gemeente accept --by "Mark Jansen, klantmanager werk" "$id"
check "baton accept at the municipality" test $rc -eq 0
b gemeente accept --by "Someone Else, other" "$id"
check "accepting twice is refused (exit 1, nothing changed)" test $rc -eq 1
if waitfor 15 is_state school "$id" accepted; then
    pass "the school sees the handover accepted"
else
    fail "the school sees it accepted within 15 s" "$W/out" "$W/school/log" "$W/gemeente/log"
fi
state school "$id" >/dev/null
check "the school sees who took over" test "$(j "$W/out" by)" = "Mark Jansen, klantmanager werk"
check "accepted is no longer overdue" test "$(j "$W/out" overdue)" = false

# A status update back to the school, under the original's purpose.
b gemeente update --json "$id" "$UPDATE"
uid=$(j "$W/out" id)
check "baton update queues a status update back to the school" test -n "$uid"
waitfor 15 is_state gemeente "$uid" delivered
check "the status update is delivered" test $? -eq 0
b school inbox --json
check "the school's inbox holds the status update, purpose warme-overdracht" \
    test "$(j "$W/out" items.0.id) $(j "$W/out" items.0.form_type) $(j "$W/out" items.0.purpose)" = "$uid urn:baton:form:status-update:1 warme-overdracht"

# A second handover, rejected with a reason.
id2=$(send_handover)
waitfor 15 is_state school "$id2" delivered
b gemeente reject --reason "Woont niet in Lindeveld" "$id2"
check "baton reject at the municipality" test $rc -eq 0
waitfor 15 is_state school "$id2" rejected
check "the school sees it rejected" test $? -eq 0
state school "$id2" >/dev/null
check "with the reason" test "$(j "$W/out" reason)" = "Woont niet in Lindeveld"
b gemeente accept --by "Mark Jansen, klantmanager werk" "$id2"
check "accepting after rejecting is refused" test $rc -eq 1

# The audit trail: metadata only, every step.
api gemeente GET '/v1/audit?limit=100'
cp "$W/out" "$W/audit.json"
events=$(i=0; n=$(j "$W/audit.json" items.#); while [ $i -lt "$n" ]; do j "$W/audit.json" items.$i.event; i=$((i + 1)); done | tr '\n' ' ')
case "$events" in
*received*viewed*accepted*notice-delivered*) pass "the municipality's audit: received, viewed, accepted, notice delivered" ;;
*) fail "the municipality's audit has every step: $events" ;;
esac
if grep -q -e Milan -e 'Haan' "$W/audit.json"; then
    fail "the audit holds no form content" "$W/audit.json"
else
    pass "the audit holds no form content"
fi

# What the admin API refuses, straight (baton checks forms before batond sees them).
printf '{"to":"%s","purpose":"warme-overdracht","basis":"consent","consent":"%s","form":{"$schema":"urn:baton:form:school-leaver-handover:1"}}' \
    $OIN_GEM $CONSENT >"$W/bad.json"
api school POST /v1/send "$W/bad.json"
check "an invalid form is refused with 422 and its errors" \
    test "$code $(j "$W/out" code)" = "422 invalid-form" -a -n "$(j "$W/out" details.0.instanceLocation)$(j "$W/out" details.0.error)"
printf '{"to":"00000001001234560000","purpose":"warme-overdracht","basis":"consent","consent":"%s","form":%s}' \
    $CONSENT "$(cat "$FORM")" >"$W/unknown.json"
api school POST /v1/send "$W/unknown.json"
check "an unknown recipient is refused with 503 and says so" \
    test "$code $(j "$W/out" code)" = "503 unknown-recipient"
printf '{"to": 1' >"$W/broken.json"
api school POST /v1/send "$W/broken.json"
check "a body that is not JSON is refused with 400" test "$code" = 400
api gemeente GET /v1/inbox/00000000-0000-4000-8000-000000000000
check "an unknown id is 404" test "$code" = 404
api school GET /v1/health
check "GET /v1/health names the organisation and says it can send" \
    test "$code $(j "$W/out" oin) $(j "$W/out" can_send)" = "200 $OIN_SCHOOL true"

b school outbox --json
check "the school's outbox lists the two handovers (not the notices)" test "$(j "$W/out" items.#)" = 2

stop gemeente
stop school

# The store survives a restart: the school still knows its receipts and states.
start school && state school "$id" >/dev/null
check "after a restart the school still shows the handover accepted with its receipt" \
    test "$(j "$W/out" state) $(j "$W/out" receipt.verified)" = "accepted true"
stop school
finish
