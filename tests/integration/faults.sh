#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Peers that misbehave: UWV's address is taken by a fake peer that never answers, then one that
# answers a byte a second, then one that sends garbage. Each time the school has handovers for
# UWV queued, and a handover to the municipality still goes through at once (no delivery worker
# is held by the bad peer beyond its share); the bad peer's deliveries fail with a timeout or a
# TLS error and are retried; the school's memory does not grow. At the end UWV's real batond
# starts and receives every handover, once.
# usage: faults.sh BATON BATOND ITEST_HELPER SOURCE_DIR FAKEPEER
set -u
. "$(dirname "$0")/lib.sh"
FAKEPEER=$5

# Under AddressSanitizer freed memory waits in a quarantine of up to 256 MiB, which would read as
# growth: keep it small, so that the memory figure means the same in both builds.
ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=4:thread_local_quarantine_size_kb=64"
export ASAN_OPTIONS
net || finish
# One attempt may take 5 s; retries come quickly.
conf school "send_timeout = 5"
start gemeente || finish
start school || finish

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID_school/status"; }
to_uwv() {
    b school send --to $OIN_UWV --purpose warme-overdracht --basis consent --consent $CONSENT \
        --json "$FORM" || return 1
    j "$W/out" id
}
: >"$W/uwv_ids"
rss_first=
for mode in silent slow garbage; do
    "$FAKEPEER" "$PORT_uwv" "$mode" >"$W/fake.out" 2>&1 &
    FAKE=$!
    PIDS="$PIDS $FAKE"
    waitfor 5 grep -q listening "$W/fake.out"
    failures=$(grep -c 'delivery-failed.*peer=00000001234567890000' "$W/school/log")
    i=0
    while [ $i -lt 6 ]; do
        to_uwv >>"$W/uwv_ids" || fail "queue a handover for UWV ($mode)" "$W/err"
        i=$((i + 1))
    done
    sleep 1 # the workers are busy with UWV now
    start_s=$(date +%s)
    id=$(send_handover) || fail "send to the municipality ($mode)" "$W/err"
    if waitfor 4 is_state school "$id" delivered; then
        pass "$mode UWV: a handover to the municipality is delivered at once ($(($(date +%s) - start_s)) s)"
    else
        fail "$mode UWV: a handover to the municipality is delivered within 4 s" "$W/school/log"
    fi
    more_failures() {
        [ "$(grep -c 'delivery-failed.*peer=00000001234567890000' "$W/school/log")" -gt "$failures" ]
    }
    if waitfor 15 more_failures; then
        pass "$mode UWV: its deliveries fail and are retried: $(grep 'delivery-failed.*peer=00000001234567890000' "$W/school/log" | tail -n 1 | sed 's/.*attempt [0-9]*: //' | cut -c1-90)"
    else
        fail "$mode UWV: its deliveries fail within 15 s" "$W/school/log"
    fi
    [ -n "$rss_first" ] || rss_first=$(rss)
    kill "$FAKE" 2>/dev/null
    wait "$FAKE" 2>/dev/null
done
rss_last=$(rss)
# 4 MiB of slack (SQLite's page caches filling, buffers); under AddressSanitizer also its
# quarantine (4 MiB above), which fills with freed memory before it is reused.
slack=4096
grep -q libasan "/proc/$PID_school/maps" 2>/dev/null && slack=$((slack + 4096))
check "the school's memory stays flat across the three bad peers (${rss_first} kB -> ${rss_last} kB, at most +$slack)" \
    test "$rss_last" -le $((rss_first + slack))

start uwv || finish
all_there() {
    n=$(count uwv inbox)
    [ "$n" -eq "$(grep -c . "$W/uwv_ids")" ]
}
if waitfor 60 all_there; then
    pass "UWV's real batond receives all $(grep -c . "$W/uwv_ids") handovers once started"
else
    fail "UWV receives every queued handover within 60 s ($(count uwv inbox) of $(grep -c . "$W/uwv_ids"))" "$W/school/log"
fi
b uwv inbox --json
check "each once" test "$(grep -o '"id":"[^"]*"' "$W/out" | sort | uniq -d | wc -l)" -eq 0
stop school
stop gemeente
stop uwv
finish
