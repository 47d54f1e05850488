# SPDX-License-Identifier: EUPL-1.2
# What the integration tests share: a network made with 'baton keygen', 'baton directory sign' and
# 'baton covenant sign' in a temporary folder, real batond daemons on 127.0.0.1 with ports the
# kernel picked, the real 'baton' as their client, bounded waits, and "ok - ..." lines.
#
# A test script sources this with: BATON BATOND HELPER SOURCE_DIR as its arguments.
# Every daemon it starts is killed when the script exits, whatever happens.

if [ $# -lt 4 ]; then
    echo "usage: $0 BATON BATOND ITEST_HELPER SOURCE_DIR" >&2
    exit 2
fi
BATON=$1
BATOND=$2
HELPER=$3
SRC=$4

FORM=$SRC/forms/examples/valid/school-leaver-handover.json
CONTACT=$SRC/forms/examples/valid/contact-notice.json
UPDATE=$SRC/forms/examples/valid/status-update.json
CONSENT=6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60
OIN_COORD=00000001001234567002
OIN_SCHOOL=00000001812345671000
OIN_GEM=00000001001234567000
OIN_UWV=00000001234567890000
OIN_STRANGER=00000009999999990000

# Sanitizer reports must not pass as an exit status that a test expects.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS
# How long start and stop wait for a daemon; tests/valgrind.sh gives memcheck more.
ITEST_DAEMON_WAIT=${ITEST_DAEMON_WAIT:-10}
unset BATON_KEYSTORE BATON_PASSPHRASE BATON_DIRECTORY BATON_COORDINATOR BATON_COVENANT BATON_SOCKET

W=$(mktemp -d "${TMPDIR:-/tmp}/baton-it.XXXXXX") || exit 2
# The example handover without its BSN: the example covenant hands over on consent, and consent
# alone is never a basis for the BSN (batond refuses such a form, rule bsn-basis).
FORM_BSN=$FORM
sed '/"bsn":/d' "$FORM_BSN" >"$W/handover.json" || exit 2
FORM=$W/handover.json
PIDS=""
rc=0
. "$SRC/tests/tap.sh"
CHECK_SHOW="$W/out $W/err"

cleanup() {
    # ITEST_STOP_AT_EXIT (tests/valgrind.sh sets it): SIGTERM first, so that daemons still running
    # exit through their own shutdown and memcheck checks them for leaks.
    if [ -n "${ITEST_STOP_AT_EXIT:-}" ]; then
        for p in $PIDS; do
            kill -TERM "$p" 2>/dev/null
        done
        i=0
        for p in $PIDS; do
            while kill -0 "$p" 2>/dev/null && [ "$i" -lt $((ITEST_DAEMON_WAIT * 5)) ]; do
                sleep 0.2
                i=$((i + 1))
            done
        done
    fi
    for p in $PIDS; do
        kill -KILL "$p" 2>/dev/null
    done
    if [ "$failed" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
        for l in "$W"/*/log; do
            [ -f "$l" ] || continue
            printf '    --- %s (last 40 lines)\n' "$l"
            tail -n 40 "$l" | sed 's/^/      /'
        done
    fi
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 3' INT TERM

finish() {
    for l in "$W"/*/log; do
        [ -f "$l" ] || continue
        if grep -q -e 'Sanitizer' -e 'runtime error:' "$l"; then
            fail "no sanitizer report in $(basename "$(dirname "$l")")'s log" "$l"
        fi
    done
    tap_summary
    exit $?
}

# j FILE PATH: a value of a JSON file ("" when absent).
j() {
    "$HELPER" json "$1" "$2" 2>/dev/null
}

# waitfor SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds; 1 after SECONDS.
waitfor() {
    limit=$(($1 * 5))
    shift
    n=0
    while ! "$@" >/dev/null 2>&1; do
        n=$((n + 1))
        [ "$n" -ge "$limit" ] && return 1
        sleep 0.2
    done
    return 0
}

# net [EXPIRES]: the keys of the coordinator, a school, a municipality (gemeente), UWV and a
# stranger (not in the directory), the signed directory (valid until EXPIRES, default tomorrow)
# and a covenant valid from yesterday for a year. Sets PORT_school, PORT_gemeente, PORT_uwv.
net() {
    expires=${1:-$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)}
    set -- $("$HELPER" ports 4)
    PORT_school=$1
    PORT_gemeente=$2
    PORT_uwv=$3
    PORT_stranger=$4
    keygen coord $OIN_COORD "Regionaal Coordinatiepunt" coordinator 1 || return 1
    keygen school $OIN_SCHOOL "Praktijkschool De Brug" school "$PORT_school" || return 1
    keygen gemeente $OIN_GEM "Gemeente Lindeveld" municipality "$PORT_gemeente" || return 1
    keygen uwv $OIN_UWV "UWV Lindeveld" uwv "$PORT_uwv" || return 1
    keygen stranger $OIN_STRANGER "Niet in de gids" jobcoach "$PORT_stranger" || return 1
    docs "$expires"
}

# docs EXPIRES: the signed directory (valid until EXPIRES) and covenant for the keys net made.
docs() {
    expires=$1
    issued=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
    {
        printf '{"$schema":"urn:baton:directory:1","version":1,"issued":"%s","expires":"%s",' \
            "$issued" "$expires"
        printf '"organisations":[%s,%s,%s,%s]}\n' "$(cat "$W/coord/entry.json")" \
            "$(cat "$W/school/entry.json")" "$(cat "$W/gemeente/entry.json")" \
            "$(cat "$W/uwv/entry.json")"
    } >"$W/directory.json"
    "$BATON" directory sign --keystore "$W/coord/keystore" -o "$W/directory.jws" \
        "$W/directory.json" >"$W/out" 2>"$W/err" || { fail "directory sign" "$W/err"; return 1; }
    # The example covenant, valid around today whatever today is.
    from=$(date -u -d '-1 day' +%Y-%m-%d)
    until=$(date -u -d '+365 days' +%Y-%m-%d)
    sed -e "s/\"valid_from\": \"[0-9-]*\"/\"valid_from\": \"$from\"/" \
        -e "s/\"valid_until\": \"[0-9-]*\"/\"valid_until\": \"$until\"/" \
        "$SRC/forms/examples/valid/covenant.json" >"$W/covenant.json"
    "$BATON" covenant sign --keystore "$W/coord/keystore" -o "$W/covenant.jws" \
        "$W/covenant.json" >"$W/out" 2>"$W/err" || { fail "covenant sign" "$W/err"; return 1; }
}

keygen() {
    "$BATON" keygen --org "$2" --name "$3" --role "$4" --endpoint "https://127.0.0.1:$5" \
        --out "$W/$1" >"$W/out" 2>"$W/err" || { fail "keygen $1" "$W/err"; return 1; }
}

# conf NAME [LINE...]: the configuration of NAME's daemon, small retry times for tests; a LINE
# "KEY = VALUE" replaces the default of KEY.
conf() {
    name=$1
    shift
    eval "port=\$PORT_$name"
    {
        for line in "keystore = keystore" "directory = ../directory.jws" \
            "coordinator = ../coord/entry.json" "covenant = ../covenant.jws" \
            "database = store.db" "listen = 127.0.0.1:$port" "admin_socket = admin.sock" \
            "retry_initial = 1" "retry_max = 2" "retry_window = 600" "connection_timeout = 10" \
            "send_timeout = 10" "log_level = debug"; do
            key=${line%% =*}
            given=0
            for l in "$@"; do
                [ "${l%% =*}" = "$key" ] && given=1
            done
            [ $given -eq 1 ] || echo "$line"
        done
        # batond will not keep root: run as root (as CI does), it drops to nobody once started.
        if [ "$(id -u)" -eq 0 ]; then echo "user = nobody"; fi
        for line in "$@"; do
            echo "$line"
        done
    } >"$W/$name/batond.conf"
}

# started_lines NAME: how many times NAME's log says batond started; 0 while there is no log yet
# (the shell that starts batond may not have created it when the count is taken).
started_lines() {
    c=$(grep -c ' started ' "$W/$1/log" 2>/dev/null)
    echo "${c:-0}"
}

# start NAME: starts NAME's daemon and waits until it says it started (ITEST_DAEMON_WAIT s).
start() {
    [ -f "$W/$1/batond.conf" ] || conf "$1"
    # Counted before batond starts: a quick one may have said "started" before the count.
    want=$(($(started_lines "$1") + 1))
    "$BATOND" --config "$W/$1/batond.conf" 2>>"$W/$1/log" &
    eval "PID_$1=$!"
    PIDS="$PIDS $!"
    i=0
    while [ "$(started_lines "$1")" -lt "$want" ]; do
        i=$((i + 1))
        eval "p=\$PID_$1"
        if [ "$i" -ge $((ITEST_DAEMON_WAIT * 5)) ] || ! kill -0 "$p" 2>/dev/null; then
            fail "batond $1 starts" "$W/$1/log"
            return 1
        fi
        sleep 0.2
    done
    # The school's consent register holds the example consent as $CONSENT, valid for a year, so
    # that handovers under it pass the covenant's consent rules.
    # (Each start tries: a test may give the school a new store; a known consent is a 409.)
    if [ "$1" = school ]; then
        sed -e "s/\"record_id\": \"[^\"]*\"/\"record_id\": \"$CONSENT\"/" \
            -e "s/\"valid_until\": \"[^\"]*\"/\"valid_until\": \"$(date -u -d '+365 days' +%Y-%m-%d)\"/" \
            "$SRC/forms/examples/valid/consent-record.json" >"$W/consent-lib.json"
        if ! "$BATON" consent add "$W/consent-lib.json" --socket "$W/school/admin.sock" \
            </dev/null >/dev/null 2>"$W/consent-lib.err" &&
            ! grep -q 'already' "$W/consent-lib.err"; then
            printf '# the example consent was not registered at the start of school:\n'
            sed 's/^/#   /' "$W/consent-lib.err"
        fi
    fi
    return 0
}

# stop NAME: SIGTERM, and a clean exit (status 0) within ITEST_DAEMON_WAIT s.
stop() {
    eval "p=\$PID_$1"
    kill -TERM "$p" 2>/dev/null
    i=0
    while kill -0 "$p" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -ge $((ITEST_DAEMON_WAIT * 5)) ]; then
            fail "batond $1 stops within $ITEST_DAEMON_WAIT s of SIGTERM"
            return 1
        fi
        sleep 0.2
    done
    wait "$p"
    st=$?
    if [ "$st" -eq 0 ] && grep -q ' stopped ' "$W/$1/log"; then
        pass "batond $1 stops cleanly on SIGTERM"
    else
        fail "batond $1 stops cleanly on SIGTERM (exit status $st)" "$W/$1/log"
    fi
}

# crash NAME: SIGKILL, no chance to clean up.
crash() {
    eval "p=\$PID_$1"
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
}

# b NAME ARG...: the real baton against NAME's admin socket; output in $W/out and $W/err.
b() {
    name=$1
    shift
    "$BATON" "$@" --socket "$W/$name/admin.sock" </dev/null >"$W/out" 2>"$W/err"
    rc=$?
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$W/err"; then
        fail "no sanitizer report from baton $*" "$W/err"
    fi
    return $rc
}

# send [ARG...]: the example handover from the school to the municipality; prints the id.
send_handover() {
    b school send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT \
        --json "$FORM" || return 1
    j "$W/out" id
}

# state NAME ID: the outbox state of ID at NAME.
state() {
    b "$1" status --json "$2" >/dev/null 2>&1 || return 1
    j "$W/out" state
}

# is_state NAME ID STATE: for waitfor.
is_state() {
    [ "$(state "$1" "$2")" = "$3" ]
}

# count NAME inbox|outbox: the number of items.
count() {
    b "$1" "$2" --json >/dev/null 2>&1 || { echo -1; return; }
    j "$W/out" items.#
}

# api NAME METHOD PATH [BODY_FILE]: one admin API request straight to NAME's batond; the body
# of the answer in $W/out, its HTTP status in $code.
api() {
    name=$1
    shift
    "$HELPER" admin "$W/$name/admin.sock" "$@" >"$W/api.raw" 2>"$W/err"
    code=$(head -n 1 "$W/api.raw")
    tail -n +2 "$W/api.raw" >"$W/out"
}

# audit_has NAME EVENT WORDS [PEER]: NAME's audit trail has an entry EVENT whose detail holds
# WORDS (and whose peer is PEER).
audit_has() {
    api "$1" GET '/v1/audit?limit=1000'
    cp "$W/out" "$W/audit.json"
    n=$(j "$W/audit.json" items.#)
    i=0
    while [ "$i" -lt "${n:-0}" ]; do
        if [ "$(j "$W/audit.json" items.$i.event)" = "$2" ] &&
            j "$W/audit.json" items.$i.detail | grep -q -- "$3" &&
            { [ -z "${4:-}" ] || [ "$(j "$W/audit.json" items.$i.peer)" = "$4" ]; }; then
            return 0
        fi
        i=$((i + 1))
    done
    return 1
}

# pin NAME: the TLS pin of NAME's endpoint.
pin() {
    j "$W/$1/entry.json" tls_pin
}
