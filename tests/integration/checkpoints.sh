#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Signed audit checkpoints travel with receipts and notices between two real daemons: the school
# keeps the municipality's checkpoints that come along with its receipt, acceptance and withdrawal
# confirmation, the municipality keeps the school's that come along with its withdrawal notice;
# the copies verify against the issuer's own audit chain, and they catch a history cut back
# behind them that the issuer's own chain and checkpoints no longer show; a checkpoint that
# contradicts one held is audited as a conflict.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start school || finish
start gemeente || finish

# held NAME PEER N: NAME holds at least N checkpoints of PEER's chain (their JWS in $W/held).
held() {
    b "$1" audit checkpoints --peer "$2" --jws || return 1
    cp "$W/out" "$W/held"
    [ "$(grep -c '\.' "$W/held")" -ge "$3" ]
}

id1=$(send_handover)
check "the handover is queued" test -n "$id1"
waitfor 15 is_state school "$id1" delivered
check "the handover is delivered" test $? -eq 0
waitfor 10 held school $OIN_GEM 1
check "the school keeps the municipality's checkpoint that came along with the receipt" \
    test $? -eq 0
b school audit checkpoints --peer $OIN_GEM --json
cp "$W/out" "$W/held1.json"
first=$(j "$W/held1.json" checkpoints.0.size)
check "it says how many entries of the municipality's chain it covers" test "${first:-0}" -ge 1
check "... and is the municipality's own" test "$(j "$W/held1.json" of)" = $OIN_GEM

# A restart signs a checkpoint at the stop and at the start; the acceptance carries the newest.
stop gemeente
start gemeente || finish
b gemeente audit checkpoints --json
cp "$W/out" "$W/own.json"
n_own=$(j "$W/own.json" checkpoints.#)
newest=$(j "$W/own.json" checkpoints.$((${n_own:-1} - 1)).size)
check "the municipality signed a newer checkpoint at its restart" test "${newest:-0}" -gt "$first"
b gemeente accept --by "Anna de Vries, jobcoach" "$id1"
check "the municipality accepts the handover" test $rc -eq 0
waitfor 15 is_state school "$id1" accepted
check "the acceptance reaches the school" test $? -eq 0
waitfor 10 held school $OIN_GEM 2
check "the school keeps the newer checkpoint that came along with the acceptance" test $? -eq 0
b school audit checkpoints --peer $OIN_GEM --json
cp "$W/out" "$W/held2.json"
n_held=$(j "$W/held2.json" checkpoints.#)
check "the school's newest copy is the municipality's newest checkpoint" \
    test "$(j "$W/held2.json" checkpoints.$((${n_held:-1} - 1)).size)" = "$newest"

# The other way: the school withdraws the consent; its withdrawal notice carries its checkpoint,
# the municipality's confirmation carries the municipality's.
b school consent withdraw "$CONSENT" --reason "De jongere trekt de toestemming in"
check "the school withdraws the consent" test $rc -eq 0
waitfor 15 held gemeente $OIN_SCHOOL 1
check "the municipality keeps the school's checkpoint that came along with the withdrawal" \
    test $? -eq 0
b school audit checkpoints --json
cp "$W/out" "$W/school-own.json"
b gemeente audit checkpoints --peer $OIN_SCHOOL --jws
cp "$W/out" "$W/school-cps"
b school audit verify --checkpoints "$W/school-cps"
check "the school's checkpoints as the municipality keeps them verify against the school's chain" \
    test $rc -eq 0

# The copies the school keeps verify against the municipality's own chain.
b school audit checkpoints --peer $OIN_GEM --jws
cp "$W/out" "$W/gem-cps"
b gemeente audit verify --checkpoints "$W/gem-cps"
check "the municipality's checkpoints as the school keeps them verify against its chain" \
    test $rc -eq 0
if audit_has school peer-checkpoint-refused "" || audit_has school peer-checkpoint-conflict ""; then
    fail "no checkpoint was refused or in conflict at the school" "$W/audit.json"
else
    pass "no checkpoint was refused or in conflict at the school"
fi

# A checkpoint altered on its way (one character of its signature) does not verify.
line=$(head -n 1 "$W/gem-cps")
pos=$((${#line} - 10))
c=$(printf '%s' "$line" | cut -c$pos)
if [ "$c" = A ]; then r=B; else r=A; fi
printf '%s%s%s\n' "$(printf '%s' "$line" | cut -c1-$((pos - 1)))" "$r" \
    "$(printf '%s' "$line" | cut -c$((pos + 1))-)" >"$W/gem-forged"
check "the altered copy differs from the real one" test "$(cat "$W/gem-forged")" != "$line"
b gemeente audit verify --checkpoints "$W/gem-forged"
if [ $rc -ne 0 ] && grep -q 'does not verify' "$W/err" "$W/out"; then
    pass "a checkpoint with a changed signature does not verify, and the verification says so"
else
    fail "a checkpoint with a changed signature does not verify (exit $rc)" "$W/out" "$W/err"
fi

# The municipality cuts its audit history back and removes its own checkpoints beyond the cut,
# so that its own chain and checkpoints agree again: only the copies its peer keeps show it.
cut=$(($(j "$W/held2.json" checkpoints.$((${n_held:-1} - 1)).size) - 1))
"$HELPER" sql "$W/gemeente/store.db" \
    "DELETE FROM audit WHERE seq > $cut; DELETE FROM checkpoints WHERE size > $cut" 2>"$W/err"
check "the municipality's history is cut back to $cut entries" test $? -eq 0
b gemeente audit verify
check "its own chain and checkpoints no longer show it (exit 0)" test $rc -eq 0
b gemeente audit verify --checkpoints "$W/gem-cps"
check "the copies kept by the school show it (exit 1)" test $rc -eq 1
if grep -q -e "$((cut + 1))" "$W/err" "$W/out"; then
    pass "the verification names where the history was cut"
else
    fail "the verification names where the history was cut ($((cut + 1)))" "$W/out" "$W/err"
fi

# Its history goes on from the cut: the stop appends entry $cut + 1 and signs a checkpoint of it,
# which contradicts the school's copy of the same size. Sent along with a receipt (the newer
# checkpoints of the start removed, so that it is the latest), the school catches it: an error and
# an audit entry with the new checkpoint as evidence, while the handover itself is delivered.
stop gemeente
start gemeente || finish
size=$((cut + 1))
has=$("$HELPER" query "$W/gemeente/store.db" "SELECT count(*) FROM checkpoints WHERE size = $size")
check "the municipality signed another checkpoint of $size entries at its stop" test "$has" = 1
"$HELPER" sql "$W/gemeente/store.db" "DELETE FROM checkpoints WHERE size > $size" 2>"$W/err"
# (the first consent is withdrawn: the second handover goes under a new one)
CID2=$(cat /proc/sys/kernel/random/uuid)
sed -e "s/\"record_id\": \"[^\"]*\"/\"record_id\": \"$CID2\"/" \
    -e "s/\"valid_until\": \"[^\"]*\"/\"valid_until\": \"$(date -u -d '+365 days' +%Y-%m-%d)\"/" \
    "$SRC/forms/examples/valid/consent-record.json" >"$W/consent2.json"
b school consent add "$W/consent2.json"
check "the school registers a second consent" test $rc -eq 0
b school send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent "$CID2" \
    --json "$FORM"
id2=$(j "$W/out" id)
check "a second handover is queued" test -n "$id2"
waitfor 15 is_state school "$id2" delivered
check "a handover whose receipt carries a contradicting checkpoint is still delivered" test $? -eq 0
waitfor 5 audit_has school peer-checkpoint-conflict "rewritten" $OIN_GEM
check "the school audits the contradiction as peer-checkpoint-conflict" test $? -eq 0
check "... and logs it as an error" grep -q "error peer-checkpoint-conflict" "$W/school/log"
b school audit checkpoints --peer $OIN_GEM --json
cp "$W/out" "$W/held3.json"
n3=$(j "$W/held3.json" checkpoints.#)
i=0
kept=""
while [ "$i" -lt "${n3:-0}" ]; do
    [ "$(j "$W/held3.json" checkpoints.$i.size)" = "$size" ] && kept=$(j "$W/held3.json" checkpoints.$i.jws)
    i=$((i + 1))
done
check "the school keeps the first checkpoint of that size, not the contradicting one" \
    grep -q -F -x -- "$kept" "$W/gem-cps"

stop school
stop gemeente
finish
