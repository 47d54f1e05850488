#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The recipient is down when the school sends: the handover waits in the outbox with the reason
# of each failed attempt, and is delivered by a retry once the recipient's batond is started.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start school || finish

id=$(send_handover)
check "the school queues the handover while the municipality is down" test -n "$id"

# attempts counts the failed attempts so far.
attempts_at_least() {
    b school status --json "$id" && [ "$(j "$W/out" attempts)" -ge "$1" ]
}
waitfor 10 attempts_at_least 2
check "it is tried again (retry_initial 1 s), still queued" \
    test "$(j "$W/out" state)" = queued
check "the outbox says why: the municipality's endpoint does not answer" \
    grep -q -i -e 'connect' -e 'refused' "$W/out"
check "each failed attempt is logged with the packet id and the peer" \
    grep -q "delivery-failed packet=$id peer=$OIN_GEM" "$W/school/log"

start gemeente || finish
if waitfor 15 is_state school "$id" delivered; then
    pass "once the municipality is up, a retry delivers it"
else
    fail "delivered by a retry within 15 s" "$W/out" "$W/school/log"
fi
check "the municipality stored it once" test "$(count gemeente inbox)" = 1
state school "$id" >/dev/null
check "its receipt is verified" test "$(j "$W/out" receipt.verified)" = true

stop gemeente
stop school
finish
