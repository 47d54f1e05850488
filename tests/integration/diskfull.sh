#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# A full disk, as a file size limit on the school's running batond (prlimit): sends are refused
# with an error that says so, nothing is half-written (the outbox holds exactly the forms that
# were accepted, the store passes SQLite's integrity check), and once the limit is lifted batond
# takes and delivers forms again without a restart. Files grow in the store's write-ahead log.
set -u
. "$(dirname "$0")/lib.sh"

if ! command -v prlimit >/dev/null 2>&1; then
    echo "SKIP: prlimit (util-linux) is not installed: cannot limit a running daemon's file size"
    exit 77
fi
# prlimit of another user's process needs CAP_SYS_RESOURCE, which containers often lack: as root
# (batond then runs as nobody) it runs as nobody too, and changes only the soft limit.
as_daemon_user() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
    else
        "$@"
    fi
}
net || finish
start gemeente || finish
start school || finish
id=$(send_handover) || fail "a first send" "$W/err"
waitfor 15 is_state school "$id" delivered
check "before the limit a handover is delivered" test $? -eq 0

# The limit: a little above the largest file of the store now.
big=0
for f in "$W/school/store.db" "$W/school/store.db-wal"; do
    [ -f "$f" ] && s=$(stat -c %s "$f") && [ "$s" -gt "$big" ] && big=$s
done
limit=$((big + 200000))
as_daemon_user prlimit --pid "$PID_school" --fsize="$limit:" ||
    fail "prlimit sets the school's file size limit"
: >"$W/accepted"
refused=0
n=0
while [ $n -lt 40 ] && [ $refused -eq 0 ]; do
    if b school send --to $OIN_GEM --purpose warme-overdracht --basis consent \
        --consent $CONSENT --json "$FORM"; then
        j "$W/out" id >>"$W/accepted"
    else
        refused=1
        cp "$W/err" "$W/refusal"
    fi
    n=$((n + 1))
done
check "with the disk full a send is refused (after $(grep -c . "$W/accepted") accepted)" \
    test $refused -eq 1
check "the refusal says the store could not be written" \
    grep -q "could not be written or read (the disk may be full" "$W/refusal"
check "batond is still running" kill -0 "$PID_school"
b school outbox --json
check "the outbox holds exactly the forms accepted (nothing half-written)" \
    test "$(grep -o '"id":"[^"]*"' "$W/out" | wc -l)" -eq $(($(grep -c . "$W/accepted") + 1))

as_daemon_user prlimit --pid "$PID_school" --fsize=unlimited: ||
    fail "prlimit lifts the school's file size limit"
id2=$(send_handover)
check "once space returns a send is accepted again, without a restart" test -n "$id2"
waitfor 30 is_state school "$id2" delivered
check "and delivered" test $? -eq 0
delivered_all() {
    for i in $(cat "$W/accepted"); do
        is_state school "$i" delivered || return 1
    done
}
waitfor 30 delivered_all
check "every form accepted before the disk filled is delivered" test $? -eq 0
stop school
"$HELPER" query "$W/school/store.db" "PRAGMA integrity_check" >"$W/ic" 2>&1
check "the school's store passes SQLite's integrity check" grep -qx ok "$W/ic"
stop gemeente
finish
