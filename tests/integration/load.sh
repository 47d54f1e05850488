#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Load: CONNECTIONS concurrent mutual-TLS connections send handovers to one municipality's
# batond for SECONDS (each a form per PERIOD_MS), while 20 slow-loris clients hold connections
# open. No error, no lost form, each form stored once, no request held up, memory flat after
# warm-up (tests/integration/loadtest.c says how each is judged). The last line gives the counts.
#
# usage: load.sh BATON BATOND ITEST_HELPER SOURCE_DIR LOADTEST [CONNECTIONS [SECONDS [PERIOD_MS]]]
#   Defaults: 100 connections for 10 s, a form each per 2000 ms (the short form CI runs);
#   the long form is 100 connections for 60 s at 1000 ms (tests/load.sh).
set -u
. "$(dirname "$0")/lib.sh"
LOADTEST=$5
CONNS=${6:-100}
SECS=${7:-10}
PERIOD=${8:-2000}
SLOW=20

net || finish
# Room for the connections and the slow ones (lib.sh's conf cuts an idle client off after 10 s).
conf gemeente "max_connections = $((CONNS + SLOW + 20))"
# Under AddressSanitizer freed memory waits in a quarantine of up to 256 MiB, which would read as
# growth: keep it small, so that the memory figure means the same in both builds.
ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=4:thread_local_quarantine_size_kb=64"
export ASAN_OPTIONS
start gemeente || finish

"$LOADTEST" "$W" "$FORM" "$PID_gemeente" "$CONNS" "$SECS" "$PERIOD" "$SLOW" "$W/ids" >"$W/load.out" 2>&1
st=$?
cat "$W/load.out"
check "the load ran without error or a request held up, memory flat" test "$st" -eq 0

sent=$(grep -c . "$W/ids")
# The ids in the municipality's inbox, straight from its store (one query for thousands).
"$HELPER" query "$W/gemeente/store.db" "SELECT id FROM inbox" >"$W/stored"
n=$(grep -c . "$W/stored")
lost=$(sort "$W/ids" | comm -23 - "$(sort "$W/stored" >"$W/stored.s" && echo "$W/stored.s")" | grep -c .)
dups=$(sort "$W/stored" | uniq -d | grep -c .)
check "every answered form is stored ($lost lost of $sent)" test "$lost" -eq 0
check "none is stored twice ($dups)" test "$dups" -eq 0
check "the inbox holds exactly the forms answered ($n stored, $sent answered)" test "${n:-0}" -eq "$sent"
if grep -q -e 'error' "$W/gemeente/log"; then
    fail "no error in the municipality's log" "$W/gemeente/log"
else
    pass "no error in the municipality's log"
fi
stop gemeente
echo "load: $CONNS connections for $SECS s: forms answered $sent, stored ${n:-0}, lost $lost, duplicated $dups"
finish
