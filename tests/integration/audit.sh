#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The audit chain with real daemons: after a handover 'baton audit verify' finds the
# municipality's chain intact; 'baton audit log' filters by action, peer, packet and time, in
# text, JSON and CSV; batond signs checkpoints at start and at a clean stop (covering the
# "stopped" entry) and records "started" with what it runs on, and "directory-changed" when the
# directory differs at the next start; the school keeps the checkpoints the municipality sends
# and they verify there. Then the municipality's store is tampered with while it is stopped:
# 'baton audit verify' exits 1 naming the changed entry, and a log cut back behind a checkpoint
# is named too.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start school || finish
start gemeente || finish
DB=$W/gemeente/store.db

id=$(send_handover)
check "a handover is queued" test -n "$id"
waitfor 20 is_state school "$id" delivered
check "and delivered" test $? -eq 0

b gemeente audit verify
check "baton audit verify: the municipality's chain is intact (exit 0)" test $rc -eq 0
check "and says so" grep -q "intact" "$W/out"
b gemeente audit verify --json
check "verify --json: intact, with the entries and checkpoints counted" \
    test "$(j "$W/out" intact)" = true -a "$(j "$W/out" entries)" -ge 2 -a \
    "$(j "$W/out" checkpoints)" -ge 1

# Filters.
b gemeente audit log --action received --json
cp "$W/out" "$W/received.json"
n=$(j "$W/received.json" entries.#)
check "log --action received finds the handover" test "${n:-0}" -ge 1
ok=1
i=0
while [ "$i" -lt "${n:-0}" ]; do
    [ "$(j "$W/received.json" entries.$i.event)" = received ] || ok=0
    [ "$(j "$W/received.json" entries.$i.peer)" = $OIN_SCHOOL ] || ok=0
    [ "$(j "$W/received.json" entries.$i.packet)" = "$id" ] || ok=0
    i=$((i + 1))
done
check "every entry it lists is a 'received' from the school about that packet" test $ok -eq 1
check "an entry carries its chain hash" test "$(j "$W/received.json" entries.0.hash | wc -c)" -eq 65

b gemeente audit log --action started,received --action viewed --json
check "several actions, comma-separated and repeated" \
    test "$(j "$W/out" entries.0.event)" = started -a "$(j "$W/out" entries.1.event)" = received

b gemeente audit log --packet "$id" --json
check "log --packet lists only that packet's entries" \
    test "$(j "$W/out" entries.#)" -ge 1 -a -z "$(grep -o '"event":"started"' "$W/out")"

b gemeente audit log --from "$(date -u -d '+1 day' +%Y-%m-%d)" --json
check "log --from tomorrow: nothing" test "$(j "$W/out" entries.#)" = 0
b gemeente audit log --until "$(date -u -d '-1 day' +%Y-%m-%d)" --json
check "log --until yesterday: nothing" test "$(j "$W/out" entries.#)" = 0
b gemeente audit log --from "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" --until "$(date -u +%Y-%m-%d)" \
    --action received --json
check "log --from an hour ago --until today: the handover" test "$(j "$W/out" entries.#)" -ge 1

b gemeente audit log --peer $OIN_SCHOOL --csv
check "log --csv: exit 0" test $rc -eq 0
check "log --csv: a header row" \
    test "$(head -n 1 "$W/out" | tr -d '\r')" = "seq,at,event,packet,peer,subject,actor,detail,hash"
check "log --csv: every row is about the school" \
    test "$(tail -n +2 "$W/out" | grep -c -v $OIN_SCHOOL)" -eq 0 -a "$(wc -l <"$W/out")" -ge 2

b gemeente audit log --limit 1
check "log in text: a table with its heading and one entry" \
    test "$(head -n 1 "$W/out" | awk '{print $1, $2, $3}')" = "SEQ AT EVENT" -a \
    "$(wc -l <"$W/out")" -eq 2
check "and a note that more entries match" grep -q "more entries match" "$W/err"

b gemeente audit log --peer 12345
check "log --peer with a bad OIN: exit 2" test $rc -eq 2
b gemeente audit log --from yesterday
check "log --from with a bad time: exit 2" test $rc -eq 2
api gemeente GET '/v1/audit?colour=red'
check "the API refuses an unknown filter (400)" test "$code" = 400
api gemeente GET '/v1/audit?event=received%2Cviewed&limit=5'
check "the API takes percent-encoded filters" test "$code" = 200 -a "$(j "$W/out" entries.0.event)" = received

# Checkpoints: one at start, kept by the school from the municipality's receipts.
b gemeente audit checkpoints --json
check "the municipality signed a checkpoint at start" test "$(j "$W/out" checkpoints.#)" -ge 1
b school audit checkpoints --peer $OIN_GEM --jws
cp "$W/out" "$W/gem-checkpoints"
check "the school kept the municipality's checkpoint from its receipt (--peer --jws)" \
    test $rc -eq 0 -a "$(grep -c '^ey[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$' "$W/gem-checkpoints")" -ge 1
b gemeente audit verify --checkpoints "$W/gem-checkpoints"
check "the municipality's checkpoints the school kept verify against its chain" test $rc -eq 0
b gemeente audit verify --json --checkpoints "$W/gem-checkpoints"
own=$(j "$W/out" checkpoints)
b gemeente audit verify --json
check "and were checked too ($own checkpoints with them)" test "$own" -gt "$(j "$W/out" checkpoints)"
printf 'not a checkpoint\n' >"$W/garbage"
b gemeente audit verify --checkpoints "$W/garbage"
check "verify --checkpoints with a file of garbage: exit 2" test $rc -eq 2
b school audit checkpoints --jws
cp "$W/out" "$W/school-checkpoints"
b gemeente audit verify --checkpoints "$W/school-checkpoints"
check "another organisation's checkpoints are refused, not taken for tampering (exit 2)" \
    test $rc -eq 2

# A clean stop: "stopped", then a checkpoint covering it.
stop gemeente
last=$("$HELPER" query "$DB" "SELECT max(seq) FROM audit")
cp_size=$("$HELPER" query "$DB" "SELECT max(size) FROM checkpoints")
check "the last entry is 'stopped'" \
    test "$("$HELPER" query "$DB" "SELECT event FROM audit WHERE seq = $last")" = stopped
check "and the last checkpoint covers it ($cp_size of $last entries)" test "$cp_size" = "$last"

# The next start with another directory (signed again: another issue time).
sleep 1
docs "$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)"
start gemeente || finish
b gemeente audit log --action started,directory-changed,covenant-changed,keys-changed --json
cp "$W/out" "$W/starts.json"
b gemeente audit log --action started --csv
check "two starts are recorded" test "$(tail -n +2 "$W/out" | wc -l)" -eq 2
cp "$W/starts.json" "$W/out"
check "the new directory is recorded as directory-changed" \
    grep -q '"event":"directory-changed"' "$W/out"
check "the covenant and keys did not change" \
    test -z "$(grep -o -e covenant-changed -e keys-changed "$W/out")"
check "'started' names the directory's SHA-256 and the signing key" \
    sh -c "grep -q 'directory sha256 [0-9a-f]\{64\}' '$W/out' && grep -q 'signing key ' '$W/out'"
b gemeente audit verify
check "after a restart the chain is still intact" test $rc -eq 0

# Tampering while the daemon is stopped.
stop gemeente
"$HELPER" sql "$DB" "UPDATE audit SET at = at - 3600 WHERE seq = 3"
start gemeente || finish
b gemeente audit verify
check "an entry changed: baton audit verify exits 1" test $rc -eq 1
check "and names entry 3 as changed" grep -q "entry 3 (changed)" "$W/err"
b gemeente audit verify --json
check "verify --json: not intact, first_bad.seq 3" \
    test "$(j "$W/out" intact)" = false -a "$(j "$W/out" first_bad.seq)" = 3

# Entry 3 as it was; then the last entries removed while batond runs.
stop gemeente
"$HELPER" sql "$DB" "UPDATE audit SET at = at + 3600 WHERE seq = 3"
start gemeente || finish
b gemeente audit verify
check "entry 3 as it was: intact again" test $rc -eq 0
"$HELPER" sql "$DB" "DELETE FROM audit WHERE seq > 4"
b gemeente audit verify
check "the log cut back behind a signed checkpoint: exit 1" test $rc -eq 1
check "and says it was cut back (or, with entries written since, rewritten) after entry 4" \
    grep -q -e "cut back" -e "rewritten.*after entry [1-4])" "$W/err"

"$BATON" audit verify --socket "$W/nowhere.sock" >"$W/out" 2>"$W/err"
check "verify without a batond: exit 2" test $? -eq 2
finish
