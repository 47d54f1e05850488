#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Crash injection: while a stream of handovers flows from a school to a municipality, either
# daemon is killed with SIGKILL at a random moment and started again, KILLS times. Afterwards
# every form the school accepted (answered 202) is delivered exactly once: none lost, none stored
# twice; both audit chains verify; SQLite's integrity check is ok on both stores. The last lines
# give the counts.
#
# usage: killloop.sh BATON BATOND ITEST_HELPER SOURCE_DIR [KILLS]
#   KILLS  how many kills (default 30: the short form CI runs; the long form is 200 or more,
#          tests/crash-injection.sh runs it).
set -u
. "$(dirname "$0")/lib.sh"
KILLS=${5:-30}

rand() { # a random number from 0 to $1 - 1
    echo $(($(od -An -N2 -tu2 /dev/urandom) % $1))
}

net || finish
start gemeente || finish
start school || finish

# The stream: one handover after the other, as fast as the school takes them; the ids it
# answered with 202 go to $W/accepted. A send that fails (the school is down, or died before
# answering) is not counted as accepted: it may or may not have been queued.
: >"$W/accepted"
: >"$W/stop"
rm -f "$W/stop"
(
    while [ ! -f "$W/stop" ]; do
        if "$BATON" send --to $OIN_GEM --purpose warme-overdracht --basis consent \
            --consent $CONSENT --json --socket "$W/school/admin.sock" "$FORM" \
            </dev/null >"$W/sender.out" 2>"$W/sender.err"; then
            j "$W/sender.out" id >>"$W/accepted"
        fi
        sleep 0.05
    done
) &
SENDER=$!

kills=0
kills_school=0
kills_gem=0
while [ "$kills" -lt "$KILLS" ]; do
    # A random moment: 0 to 0.6 s after the last restart.
    sleep "0.$(printf '%03d' "$(rand 600)")"
    if [ "$(rand 2)" -eq 0 ]; then
        victim=school
        kills_school=$((kills_school + 1))
    else
        victim=gemeente
        kills_gem=$((kills_gem + 1))
    fi
    crash "$victim"
    kills=$((kills + 1))
    start "$victim" >/dev/null || { fail "batond $victim restarts after kill $kills"; break; }
done
touch "$W/stop"
wait "$SENDER"
pass "$kills kills with SIGKILL ($kills_school school, $kills_gem municipality), each restarted"

sent=$(grep -c . "$W/accepted")
check "the school accepted forms during the run ($sent)" test "$sent" -gt 0

# Everything queued is delivered in the end (the school retries with back-off of at most 2 s).
all_delivered() {
    api school GET '/v1/outbox?limit=10000'
    [ "$code" = 200 ] || return 1
    cp "$W/out" "$W/outbox.json"
    [ "$(grep -o '"state":"queued"' "$W/outbox.json" | wc -l)" -eq 0 ]
}
waitfor 120 all_delivered
check "nothing is left queued at the school" test $? -eq 0

# The municipality's inbox: every accepted id, each once.
# The ids in the municipality's inbox, straight from its store (one query for hundreds).
"$HELPER" query "$W/gemeente/store.db" "SELECT id FROM inbox" >"$W/stored"
n=$(grep -c . "$W/stored")
sort "$W/accepted" >"$W/accepted.sorted"
sort "$W/stored" >"$W/stored.sorted"
lost=$(comm -23 "$W/accepted.sorted" "$W/stored.sorted" | grep -c .)
dups=$(uniq -d "$W/stored.sorted" | grep -c .)
# Stored but never answered with 202: queued just before a kill; they must be in the school's
# outbox as delivered, not come from nowhere.
extra=$(comm -13 "$W/accepted.sorted" "$W/stored.sorted" | sort -u)
unknown=0
for id in $extra; do
    grep -q "\"id\":\"$id\"" "$W/outbox.json" || unknown=$((unknown + 1))
done
delivered=$(grep -o '"state":"delivered"' "$W/outbox.json" | wc -l)
check "no accepted form lost ($lost lost)" test "$lost" -eq 0
check "no form stored twice ($dups duplicated)" test "$dups" -eq 0
check "every stored form was queued by the school ($unknown unknown)" test "$unknown" -eq 0
check "the school's outbox and the municipality's inbox agree ($delivered delivered, $n stored)" \
    test "$delivered" -eq "${n:-0}"

for o in school gemeente; do
    "$HELPER" query "$W/$o/store.db" "PRAGMA integrity_check" >"$W/ic" 2>&1
    check "SQLite integrity_check of the $o store is ok" grep -qx ok "$W/ic"
    if b "$o" audit verify; then
        pass "the $o audit chain verifies"
    else
        fail "the $o audit chain verifies" "$W/out" "$W/err"
    fi
done

stop school
stop gemeente
echo "crash injection: kills $kills, forms sent (accepted) $sent, delivered $delivered," \
    "stored $n, lost $lost, duplicated $dups"
finish
