#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# batond never keeps root and never dumps core: started as root without "user" it refuses and
# says what to do; with "user = nobody" it drops to nobody (real, effective and saved ids) once
# its files and sockets are open, and still works; its core file size limit is 0 and it is not
# dumpable. Started as another user than the configured one it refuses.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
conf gemeente
if [ "$(id -u)" -eq 0 ]; then
    # lib.sh's conf names nobody for root; without it batond must refuse.
    grep -v '^user = ' "$W/gemeente/batond.conf" >"$W/gemeente/root.conf"
    timeout 20 "$BATOND" --config "$W/gemeente/root.conf" >"$W/out" 2>"$W/err"
    check "as root without \"user\", batond refuses to start (exit 1)" test $? -eq 1
    check "and says to set user = NAME" grep -q 'will not run as root: set "user = NAME"' "$W/err"
    check "and nothing listens or was created" test ! -e "$W/gemeente/store.db"
    sed 's/^user = .*/user = root/' "$W/gemeente/batond.conf" >"$W/gemeente/root2.conf"
    timeout 20 "$BATOND" --config "$W/gemeente/root2.conf" >"$W/out" 2>"$W/err"
    check "\"user = root\" is refused (exit 1)" test $? -eq 1
    check "with the line and the reason" grep -q 'root2.conf:[0-9]*: user "root" is root' "$W/err"

    # Core files allowed for this shell and what it starts: batond must turn them off itself.
    ulimit -c unlimited 2>/dev/null || ulimit -c 1000000 2>/dev/null
    start gemeente || finish
    # It drops root just after it says "started": wait for the line that says it did.
    waitfor 20 grep -q 'privileges running as user nobody' "$W/gemeente/log"
    status=/proc/$PID_gemeente/status
    nobody=$(id -u nobody)
    check "after start batond runs as nobody: real, effective, saved and file uid $nobody" \
        grep -Eq "^Uid:[[:space:]]+$nobody[[:space:]]+$nobody[[:space:]]+$nobody[[:space:]]+$nobody$" "$status"
    check "and no supplementary group but nobody's own" \
        grep -Eq "^Groups:[[:space:]]*$(id -g nobody)[[:space:]]*$" "$status"
    check "it logged the change" grep -q 'privileges running as user nobody' "$W/gemeente/log"
    check "its core file size limit is 0" \
        grep -Eq '^Max core file size +0 +0 ' "/proc/$PID_gemeente/limits"
    # Not dumpable: its /proc files belong to root, not to the user it runs as.
    check "it is not dumpable (its /proc entry stays root's)" \
        test "$(stat -c %u "/proc/$PID_gemeente/status")" = 0
    start school || finish
    id=$(send_handover) || fail "send" "$W/err"
    waitfor 20 is_state school "$id" delivered
    check "after dropping root both daemons deliver, store and receipt a handover" test $? -eq 0
    if b gemeente audit verify; then
        pass "the audit chain verifies after the drop"
    else
        fail "the audit chain verifies after the drop" "$W/err"
    fi
    stop school
    stop gemeente
    # Started as an ordinary user, no change of user clears its dumpable flag for it: batond
    # must clear it itself. Its /proc entry then stays root's instead of becoming nobody's.
    if ! command -v setpriv >/dev/null 2>&1; then
        printf 'ok - # SKIP started as nobody: setpriv (util-linux) is not installed\n'
    elif ! setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
        sh -c 'test -r "$1" -a -x "$1"' - "$BATOND"; then
        printf 'ok - # SKIP started as nobody: nobody may not run %s (a wrapper of the test run)\n' \
            "$BATOND"
    else
        chmod 755 "$W" "$W/coord"
        chmod o+r "$W/coord/entry.json" "$W/directory.jws" "$W/covenant.jws"
        chown -R nobody "$W/gemeente"
        setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
            "$BATOND" --config "$W/gemeente/batond.conf" 2>"$W/err" &
        plain=$!
        i=0
        while ! grep -q ' started ' "$W/err" && [ $i -lt 100 ] &&
            kill -0 $plain 2>/dev/null; do
            i=$((i + 1))
            sleep 0.2
        done
        check "started as nobody, batond runs" kill -0 $plain
        check "its /proc entry stays root's (it made itself not dumpable)" \
            test "$(stat -c %u "/proc/$plain/status")" = 0
        check "and it runs as nobody" \
            grep -Eq "^Uid:[[:space:]]+$(id -u nobody)[[:space:]]" "/proc/$plain/status"
        kill -TERM $plain 2>/dev/null
        wait $plain
        check "and stops cleanly on SIGTERM" test $? -eq 0
    fi
else
    # Not root: "user" must be the user batond runs as.
    conf gemeente "user = nobody"
    timeout 20 "$BATOND" --config "$W/gemeente/batond.conf" >"$W/out" 2>"$W/err"
    check "as uid $(id -u) with user = nobody, batond refuses (exit 1)" test $? -eq 1
    check "and names both" grep -q 'says user = nobody' "$W/err"
fi
finish
