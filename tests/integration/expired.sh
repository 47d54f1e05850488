#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# An expired directory: batond starts (its inbox and outbox stay readable) but refuses to send,
# and says why; 'batond --check' says so too. A directory that expires while batond runs has the
# same effect from that moment.
set -u
. "$(dirname "$0")/lib.sh"

net "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" || finish
conf school
"$BATOND" --config "$W/school/batond.conf" --check >"$W/out" 2>"$W/err"
check "batond --check exits 1 on an expired directory" test $? -eq 1
check "and says the directory expired" grep -q 'expired on' "$W/out"

start school || finish
check "batond starts anyway and logs why it cannot send" \
    grep -q 'directory-expired' "$W/school/log"
b school send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT "$FORM"
check "baton send is refused (batond answers 503)" test $rc -ne 0
check "with the reason: the directory expired, ask the coordinator" \
    grep -q 'directory expired on .*ask the regional coordinator for a new one' "$W/err"
check "nothing was queued" test "$(count school outbox)" = 0
stop school

# A directory that expires a few seconds after the start.
rm -rf "$W/school/store.db"*
docs "$(date -u -d '+4 seconds' +%Y-%m-%dT%H:%M:%SZ)" || finish
start school || finish
b school send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT "$FORM"
check "before it expires, sending works" test $rc -eq 0
sleep 5
b school send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT "$FORM"
check "once it has expired, sending is refused" test $rc -ne 0
check "saying when it expired" grep -q 'directory expired on' "$W/err"
says_expired() {
    b school outbox --json && grep -q 'expired' "$W/out"
}
waitfor 5 says_expired
check "the queued one waits, with the reason (at its next attempt)" test $? -eq 0
stop school

# A directory signed by someone other than the coordinator: batond does not start at all.
keygen forger 00000001001234567009 "Niet de coordinator" coordinator 1
"$BATON" directory sign --keystore "$W/forger/keystore" -o "$W/forged.jws" \
    "$W/directory.json" >"$W/out" 2>"$W/err" && mv "$W/forged.jws" "$W/directory.jws" ||
    fail "a forged directory" "$W/err"
timeout 20 "$BATOND" --config "$W/school/batond.conf" >"$W/out" 2>"$W/err"
check "a directory not signed by the coordinator: batond refuses to start (exit 1)" test $? -eq 1
check "and says which document and why" grep -q 'directory .* refused' "$W/err"
finish
