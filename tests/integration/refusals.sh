#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# What the peer endpoint refuses: a client whose TLS key is not in the directory (403, before
# its body is read), a packet whose "from" is not the TLS client's organisation (a third
# member's daemon key posting a packet the school signed: 403, audited), garbage (400), a
# packet for someone else (403).
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start gemeente || finish
URL=https://127.0.0.1:$PORT_gemeente
NET="--directory $W/directory.jws --coordinator $W/coord/entry.json"
PIN=$(pin gemeente)

"$BATON" seal --keystore "$W/school/keystore" $NET --covenant "$W/covenant.jws" \
    --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT \
    -o "$W/packet" "$FORM" >"$W/out" 2>"$W/err" || fail "seal" "$W/err"

code=$("$HELPER" post "$W/stranger/keystore" "$URL" /v1/packets "$PIN" "$W/packet" "$W/r")
check "a client with a certificate that is not in the directory: 403" test "$code" = 403
check "which says why" grep -q -i 'directory' "$W/r"
check "nothing was stored" test "$(count gemeente inbox)" = 0
check "the refusal is logged" grep -q -i 'refus\|403\|unknown' "$W/gemeente/log"

code=$("$HELPER" post "$W/uwv/keystore" "$URL" /v1/packets "$PIN" "$W/packet" "$W/r")
check "UWV's endpoint posting a packet the school signed: 403" test "$code" = 403
check "refused as from-mismatch, naming both organisations" \
    grep -q "from-mismatch" "$W/r"
check "nothing was stored" test "$(count gemeente inbox)" = 0
check "the refusal is audited with the rule and the TLS peer" \
    audit_has gemeente refused 'from-mismatch: the packet is from OIN' $OIN_UWV
check "and logged" grep -q "refused packet=.* peer=$OIN_UWV" "$W/gemeente/log"

printf 'not.a.packet' >"$W/garbage"
code=$("$HELPER" post "$W/school/keystore" "$URL" /v1/packets "$PIN" "$W/garbage" "$W/r")
check "garbage from a member: 400" test "$code" = 400

"$BATON" seal --keystore "$W/school/keystore" $NET --covenant "$W/covenant.jws" \
    --to $OIN_UWV --purpose warme-overdracht --basis consent --consent $CONSENT \
    -o "$W/for-uwv" "$FORM" >"$W/out" 2>"$W/err" || fail "seal for UWV" "$W/err"
code=$("$HELPER" post "$W/school/keystore" "$URL" /v1/packets "$PIN" "$W/for-uwv" "$W/r")
check "a packet for UWV posted to the municipality: refused" test "$code" = 403 -o "$code" = 400
check "nothing was stored" test "$(count gemeente inbox)" = 0

# The right client and packet still work after all that.
code=$("$HELPER" post "$W/school/keystore" "$URL" /v1/packets "$PIN" "$W/packet" "$W/r")
check "the school's own endpoint with its own packet: 200" test "$code" = 200

# A receipt the school cannot verify is no proof of delivery: the municipality signs with a key
# the directory does not list (rotated in after the directory was signed).
"$BATON" key rotate --use sig --valid-from "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --keystore "$W/gemeente/keystore" >"$W/out" 2>"$W/err"
check "the municipality rotates its signing key (not yet in the directory)" test $? -eq 0
stop gemeente
start gemeente || finish
start school || finish
id=$(send_handover)
attempted() {
    b school status --json "$id" && [ "$(j "$W/out" attempts)" -ge 1 ]
}
waitfor 10 attempted
check "a receipt signed with an unknown key leaves the handover queued" \
    test "$(j "$W/out" state)" = queued
check "with the reason: the receipt does not verify" grep -q 'receipt does not verify' "$W/out"
stop school
stop gemeente
finish
