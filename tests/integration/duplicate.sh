#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The same packet POSTed twice (a sender that did not see the first receipt): stored once, the
# same receipt both times. Other bytes under a packet id that is known: 409, audited.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start gemeente || finish
URL=https://127.0.0.1:$PORT_gemeente
NET="--directory $W/directory.jws --coordinator $W/coord/entry.json"

"$BATON" seal --keystore "$W/school/keystore" $NET --covenant "$W/covenant.jws" \
    --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT \
    -o "$W/packet" "$FORM" >"$W/out" 2>"$W/err"
check "baton seal makes a packet for the municipality" test $? -eq 0

code=$("$HELPER" post "$W/school/keystore" "$URL" /v1/packets "$(pin gemeente)" "$W/packet" "$W/r1")
check "the first POST is answered 200 with a receipt" test "$code" = 200
code=$("$HELPER" post "$W/school/keystore" "$URL" /v1/packets "$(pin gemeente)" "$W/packet" "$W/r2")
check "the same packet again: 200" test "$code" = 200
check "with the same receipt, byte for byte" cmp -s "$W/r1" "$W/r2"
"$BATON" receipt verify $NET "$W/r1" "$W/packet" >"$W/out" 2>"$W/err"
check "the receipt verifies against the packet (baton receipt verify)" test $? -eq 0
check "the municipality stored it once" test "$(count gemeente inbox)" = 1

"$HELPER" reseal "$W/gemeente/keystore" "$W/packet" "$W/other" 2>"$W/err"
check "the same signed content encrypted again: other bytes, same id" \
    test "$(cmp -s "$W/packet" "$W/other"; echo $?)" = 1
code=$("$HELPER" post "$W/school/keystore" "$URL" /v1/packets "$(pin gemeente)" "$W/other" "$W/r3")
check "other bytes under a known id: 409" test "$code" = 409
check "which says why" grep -q 'other bytes' "$W/r3"
check "still one packet stored" test "$(count gemeente inbox)" = 1
check "the conflict is audited" audit_has gemeente refused 'conflict: another packet' $OIN_SCHOOL
check "the second delivery is audited as received again" \
    audit_has gemeente received-again 'stored receipt' $OIN_SCHOOL

stop gemeente
finish
