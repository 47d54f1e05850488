#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The school's batond is killed (SIGKILL: no clean-up at all) while its outbox holds forms, once
# while the recipient is down and once in the middle of delivering; after a restart every form
# is delivered exactly once: the municipality stores as many as were sent, no duplicates.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start school || finish

: >"$W/ids"
i=0
while [ $i -lt 5 ]; do
    send_handover >>"$W/ids" || fail "send $i" "$W/err"
    i=$((i + 1))
done
failed_once() {
    [ "$(grep -c 'delivery-failed' "$W/school/log")" -ge 2 ]
}
waitfor 10 failed_once
check "delivery is tried and fails (the municipality is down)" test $? -eq 0
b school outbox --json
check "five handovers wait in the outbox" \
    test "$(grep -o '"state":"queued"' "$W/out" | wc -l)" -eq 5
crash school
pass "the school's batond was killed with SIGKILL"

start gemeente || finish
start school || finish
delivered_all() {
    b school outbox --json || return 1
    [ "$(grep -o '"state":"delivered"' "$W/out" | wc -l)" -eq "$1" ]
}
if waitfor 20 delivered_all 5; then
    pass "after the restart all five are delivered"
else
    fail "all five delivered within 20 s of the restart" "$W/out" "$W/school/log"
fi

# Now in the middle of delivering: 20 more, and the kill right after the last is queued.
i=0
while [ $i -lt 20 ]; do
    send_handover >>"$W/ids" || fail "send $i" "$W/err"
    i=$((i + 1))
done
crash school
start school || finish
if waitfor 30 delivered_all 25; then
    pass "after a second SIGKILL in the middle of delivering all 25 are delivered"
else
    fail "all 25 delivered within 30 s" "$W/out" "$W/school/log"
fi

check "25 ids were handed out, all different" test "$(sort -u "$W/ids" | grep -c .)" = 25
b gemeente inbox --json
cp "$W/out" "$W/inbox.json"
check "the municipality stored exactly 25 packets" test "$(j "$W/inbox.json" items.#)" = 25
n=0
: >"$W/got"
while [ $n -lt 25 ]; do
    j "$W/inbox.json" items.$n.id >>"$W/got"
    n=$((n + 1))
done
check "they are the 25 sent, each once" \
    test "$(sort "$W/got" | uniq | wc -l) $(sort "$W/got" "$W/ids" | uniq -d | wc -l)" = "25 25"
# A packet sent again after a crash between the POST and its commit is answered with the
# stored receipt; count how often that happened (it may be zero).
again=$(grep -c 'received-again' "$W/gemeente/log")
pass "packets answered from the store after a crash: $again"

stop gemeente
stop school
finish
