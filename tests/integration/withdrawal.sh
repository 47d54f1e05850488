#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Withdrawal end to end across three real daemons: the school sends a handover to the
# municipality and to UWV under one consent; 'baton consent withdraw' at the school sends a
# signed withdrawal notice to both; each restricts the form (no longer shown or handled; the
# municipality, with a grace period of 0, erases it at once) and answers with a signed
# confirmation, which the school verifies and shows per recipient; a new send under the consent
# is refused. Also: a withdrawal notice replayed by another member is refused and audited.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
conf gemeente "withdrawal_grace = 0"
start school || finish
start gemeente || finish
start uwv || finish

# The consent: the example record under a new id, valid for a year.
CID=$(cat /proc/sys/kernel/random/uuid)
until=$(date -u -d '+365 days' +%Y-%m-%d)
sed -e "s/\"record_id\": \"[^\"]*\"/\"record_id\": \"$CID\"/" \
    -e "s/\"valid_until\": \"[^\"]*\"/\"valid_until\": \"$until\"/" \
    "$SRC/forms/examples/valid/consent-record.json" >"$W/consent.json"
b school consent add "$W/consent.json"
check "baton consent add registers the consent at the school" test $rc -eq 0

# send TO: the example handover under the consent; prints the id.
send_to() {
    b school send --to "$1" --purpose warme-overdracht --basis consent --consent "$CID" \
        --json "$FORM" || return 1
    j "$W/out" id
}
id_gem=$(send_to $OIN_GEM)
id_uwv=$(send_to $OIN_UWV)
check "both handovers are queued" test -n "$id_gem" -a -n "$id_uwv"
waitfor 15 is_state school "$id_gem" delivered && waitfor 15 is_state school "$id_uwv" delivered
check "both are delivered" test $? -eq 0
b gemeente show "$id_gem"
check "before the withdrawal the municipality sees the form" test $rc -eq 0
b uwv accept --by "Anna de Vries, arbeidsdeskundige" "$id_uwv"
check "UWV takes its handover over (a decided packet is withdrawn too)" test $rc -eq 0

b school consent withdraw "$CID" --reason "De jongere trekt de toestemming in"
check "baton consent withdraw at the school" test $rc -eq 0
b school consent withdraw "$CID"
check "withdrawing twice is refused (exit 1)" test $rc -eq 1

# confirmed ID: the school shows a verified confirmation for packet ID.
confirmed() {
    b school status --json "$1" >/dev/null 2>&1 || return 1
    [ -n "$(j "$W/out" withdrawal.confirmed)" ]
}
waitfor 20 confirmed "$id_gem"
check "the municipality's confirmation reaches the school" test $? -eq 0
waitfor 20 confirmed "$id_uwv"
check "UWV's confirmation reaches the school" test $? -eq 0
b school status --json "$id_gem"
check "the school shows the withdrawal notice delivered and when the municipality erases" \
    test "$(j "$W/out" withdrawal.notice_state)" = delivered -a -n "$(j "$W/out" withdrawal.erase_after)"
b school consent show --json "$CID"
cp "$W/out" "$W/consent-show.json"
if [ "$(j "$W/consent-show.json" withdrawal.confirmed)" = 2 ]; then
    pass "baton consent show: both recipients confirmed"
else
    fail "baton consent show lists both recipients as confirmed (withdrawal.confirmed = 2)" \
        "$W/consent-show.json"
fi

# The recipients: restricted, not shown, not handled.
for who in gemeente uwv; do
    case $who in gemeente) pid=$id_gem ;; *) pid=$id_uwv ;; esac
    b $who show "$pid"
    if [ $rc -ne 0 ] && grep -q -i 'withdr' "$W/err"; then
        pass "$who: baton show refuses the withdrawn form and says why"
    else
        fail "$who: baton show refuses the withdrawn form" "$W/out" "$W/err"
    fi
    api $who GET "/v1/inbox/$pid"
    check "$who: the admin API answers 410 withdrawn" test "$code $(j "$W/out" code)" = "410 withdrawn"
    if grep -q -e Milan -e Haan "$W/out"; then fail "$who: nothing of the form in the refusal" "$W/out"; else pass "$who: nothing of the form in the refusal"; fi
    b $who inbox --json
    check "$who: the inbox lists it as withdrawn" test "$(j "$W/out" items.0.state)" = withdrawn
    audit_has $who withdrawn "consent $CID" $OIN_SCHOOL
    check "$who: audited (withdrawn, consent named, the school as peer)" test $? -eq 0
done
b gemeente reject --reason "test" "$id_gem"
check "the municipality cannot decide on a withdrawn form" test $rc -ne 0
b gemeente update --json "$id_gem" "$UPDATE"
check "nor send a status update on it" test $rc -ne 0

# Grace period 0 at the municipality: erased by the next sweep; UWV keeps it restricted.
erased_at() {
    api "$1" GET /v1/inbox
    [ -n "$(j "$W/out" items.0.erased)" ]
}
waitfor 10 erased_at gemeente
check "the municipality erased the content (grace period 0)" test $? -eq 0
audit_has gemeente erased "consent $CID"
check "the municipality audited the erasure" test $? -eq 0
api uwv GET /v1/inbox
check "UWV keeps it restricted until its grace period ends (not erased yet)" \
    test -z "$(j "$W/out" items.0.erased)" -a -n "$(j "$W/out" items.0.erase_after)"

# The school's audit: a notice queued and a confirmation for each recipient.
for oin in $OIN_GEM $OIN_UWV; do
    audit_has school withdrawal-queued "consent $CID" $oin
    check "the school audited the withdrawal notice for $oin" test $? -eq 0
    audit_has school withdrawal-confirmed "confirmed withdrawal notice" $oin
    check "the school audited $oin's confirmation" test $? -eq 0
done

# New sends under the withdrawn consent: refused, nothing sent.
before=$(count gemeente inbox)
b school send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent "$CID" --json "$FORM"
check "a new send under the withdrawn consent is refused (exit 1)" test $rc -eq 1
check "and it names the withdrawal" grep -q -i 'withdrawn\|ingetrokken' "$W/err" "$W/out"
b school outbox --json
check "nothing new in the school's outbox" test "$(j "$W/out" items.#)" = 2
sleep 1
check "nothing new at the municipality" test "$(count gemeente inbox)" = "$before"

# A withdrawal notice replayed by another member's endpoint: refused and audited. The notice
# the school sent to UWV, posted by the municipality's key to UWV.
"$HELPER" query "$W/school/store.db" \
    "SELECT body FROM outbox WHERE answers = '$id_uwv' AND form_type = 'baton-withdrawal+jws'" \
    >"$W/notice.jws"
code=$("$HELPER" post "$W/gemeente/keystore" "https://127.0.0.1:$PORT_uwv" /v1/notices \
    "$(pin uwv)" "$W/notice.jws" "$W/r")
check "a withdrawal notice posted by another member's endpoint: 403" test "$code" = 403
audit_has uwv notice-refused "TLS client" $OIN_GEM
check "and UWV audited the refusal" test $? -eq 0
# The same notice again from the school's own key: idempotent, no second confirmation.
code=$("$HELPER" post "$W/school/keystore" "https://127.0.0.1:$PORT_uwv" /v1/notices \
    "$(pin uwv)" "$W/notice.jws" "$W/r")
check "the same withdrawal notice again: 200" test "$code" = 200
n=$("$HELPER" query "$W/uwv/store.db" \
    "SELECT count(*) FROM outbox WHERE form_type = 'baton-withdrawal-confirmation+jws'")
check "and no second confirmation is queued" test "$n" = 1
# A tampered notice (one byte of the signature changed): refused.
awk '{ n = length($0) - 20; c = substr($0, n, 1); printf "%s%s%s\n", substr($0, 1, n - 1), (c == "A" ? "B" : "A"), substr($0, n + 1) }' \
    "$W/notice.jws" >"$W/bad.jws"
code=$("$HELPER" post "$W/school/keystore" "https://127.0.0.1:$PORT_uwv" /v1/notices \
    "$(pin uwv)" "$W/bad.jws" "$W/r")
check "a tampered withdrawal notice: 400" test "$code" = 400

stop uwv
stop gemeente
stop school
finish
