#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs integration tests once more with every batond (and with --client every baton) under
# valgrind memcheck, then fails unless each process's log says "ERROR SUMMARY: 0 errors" and
# no byte is definitely lost; memcheck sees what ASan cannot in the plain build: reads of
# uninitialised memory, and the leaks and bad frees of the binaries as they ship.
#
# usage: tests/valgrind.sh [-j JOBS] [--client] [BUILD_DIR [TEST...]]
#   BUILD_DIR  a plain build (default build/, as ./bootstrap build makes it)
#   TEST       names under tests/integration/ (default: the list below)
#   -j JOBS    tests run at the same time (default 2: memcheck is single-threaded and the
#              daemons mostly wait on each other, so two keep two cores busy)
#   --client   baton, the client, under memcheck too (every call: several times slower)
# Environment: VALGRIND_KEEP=1 keeps the logs and prints where.
#
# "Still reachable" blocks (gnutls, libcurl and SQLite keep global state until exit) are not
# counted: only memcheck errors and definite leaks are.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
client=0
jobs=2
while [ $# -gt 0 ]; do
    case $1 in
    --client) client=1 ;;
    -j) jobs=${2:?-j needs a number}; shift ;;
    -*) echo "usage: tests/valgrind.sh [-j JOBS] [--client] [BUILD_DIR [TEST...]]" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
BUILD=$(cd "${1:-$SRC/build}" && pwd) || exit 2
[ $# -gt 0 ] && shift
# Every integration test but killloop, load and expired, slowest first so that the jobs finish
# close together. killloop and load measure time and kill daemons on purpose; expired gives its
# directory 4 s from the start of batond to its expiry, which memcheck's slower start-up can
# use up. Under memcheck these fail for reasons that say nothing about memory.
TESTS=${*:-crash e2e policy refusals checkpoints retention audit reports withdrawal roles
hardening retry duplicate}

BATON=$BUILD/tools/baton
BATOND=$BUILD/daemon/batond
HELPER=$BUILD/tests/integration/itest_helper
for f in "$BATON" "$BATOND" "$HELPER"; do
    if [ ! -x "$f" ]; then
        echo "valgrind.sh: no $f; build first (cmake --build $BUILD)" >&2
        exit 2
    fi
done
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind.sh: valgrind is not installed (./bootstrap valgrind installs it)" >&2
    exit 2
fi

VG=$(mktemp -d "${TMPDIR:-/tmp}/baton-vg.XXXXXX") || exit 2
if [ -z "${VALGRIND_KEEP:-}" ]; then
    trap 'rm -rf "$VG"' EXIT
fi
trap 'exit 3' INT TERM

supp=
[ -f "$SRC/tests/valgrind.supp" ] && supp="--suppressions=$SRC/tests/valgrind.supp"
# wrapper NAME BINARY: a script that runs BINARY under memcheck with one log per process in the
# current test's folder ($VG_LOGS, set below for each test). Exit status 87 on an error or a
# definite leak, so that it cannot pass as a status a test expects (lib.sh gives the sanitizers
# 86). No origin tracking: it doubles the time, and a report can be rerun with it by hand.
# No vgdb: its pipes in /tmp could not be removed once batond has dropped root.
wrapper() {
    cat >"$VG/$1" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \\
    --show-leak-kinds=definite --error-exitcode=87 --track-origins=no --num-callers=30 --vgdb=no \\
    $supp --log-file="\$VG_LOGS/$1.%p.log" "$2" "\$@"
EOF
    chmod 755 "$VG/$1"
}
wrapper batond "$BATOND"
RUN_BATON=$BATON
if [ $client -eq 1 ]; then
    wrapper baton "$BATON"
    RUN_BATON=$VG/baton
fi

# lib.sh: memcheck makes start-up several times slower, and daemons still running when a test ends
# get SIGTERM (not SIGKILL) so that they exit through their own shutdown and get their leak check.
ITEST_DAEMON_WAIT=60
ITEST_STOP_AT_EXIT=1
export ITEST_DAEMON_WAIT ITEST_STOP_AT_EXIT

# An error memcheck reported before the process was killed (no summary then); the headlines of
# memcheck's error kinds, and the fatal signals it reports.
ERRORS='== (Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised'
ERRORS="$ERRORS|Syscall param|Source and destination overlap|Argument .* fishy|Jump to the invalid"
ERRORS="$ERRORS|Process terminating with default action of signal (4|6|7|8|11) )"

# run TEST: one integration test, its output in $VG/TEST.out, its exit status in $VG/TEST.rc,
# its logs in $VG/TEST/.
run() {
    VG_LOGS=$VG/$1
    export VG_LOGS
    mkdir -p "$VG_LOGS"
    s=$(date +%s)
    sh "$SRC/tests/integration/$1.sh" "$RUN_BATON" "$VG/batond" "$HELPER" "$SRC" >"$VG/$1.out" 2>&1
    echo "$? $(($(date +%s) - s))" >"$VG/$1.rc"
}

for t in $TESTS; do
    if [ ! -f "$SRC/tests/integration/$t.sh" ]; then
        echo "valgrind.sh: no $SRC/tests/integration/$t.sh" >&2
        exit 2
    fi
done
t0=$(date +%s)
# Each job takes the next test nobody has taken (mkdir is the atomic claim).
j=0
while [ $j -lt "$jobs" ]; do
    (
        for t in $TESTS; do
            mkdir "$VG/claim.$t" 2>/dev/null && run "$t"
        done
    ) &
    j=$((j + 1))
done
wait

tests=0
tests_failed=0
daemons=0
clients=0
killed=0
errors=0
lost=0
bad=0
for t in $TESTS; do
    VG_LOGS=$VG/$t
    read -r st secs <"$VG/$t.rc" || st=2
    tests=$((tests + 1))
    # A daemon that got SIGTERM at the test's exit may still be in its leak check.
    i=0
    while [ $i -lt 300 ]; do
        open=0
        for l in "$VG_LOGS"/*.log; do
            [ -f "$l" ] || continue
            grep -q 'ERROR SUMMARY:' "$l" || open=1
        done
        [ $open -eq 0 ] && break
        sleep 0.2
        i=$((i + 1))
    done
    n=0
    for l in "$VG_LOGS"/*.log; do
        [ -f "$l" ] || continue
        n=$((n + 1))
        what=$(basename "$l" .log)
        if grep -q 'ERROR SUMMARY:' "$l"; then
            e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$l" | tr -d , | tail -n 1)
            d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$l" | tr -d , | tail -n 1)
            case "$what" in
            batond.*) daemons=$((daemons + 1)) ;;
            *) clients=$((clients + 1)) ;;
            esac
        else
            # Killed (SIGKILL leaves no summary): what it reported until then still counts.
            e=$(grep -Ec "$ERRORS" "$l")
            d=0
            case "$what" in batond.*) killed=$((killed + 1)) ;; esac
        fi
        e=${e:-0}
        d=${d:-0}
        errors=$((errors + e))
        lost=$((lost + d))
        if [ "$e" -ne 0 ] || [ "$d" -ne 0 ]; then
            bad=$((bad + 1))
            printf 'FAIL - %s: %s: %s errors, %s bytes definitely lost\n' "$t" "$what" "$e" "$d"
            sed 's/^/      /' "$l"
        fi
    done
    if [ "$st" -eq 0 ]; then
        printf 'ok - %s under memcheck (%d processes, %d s)\n' "$t" "$n" "$secs"
    else
        tests_failed=$((tests_failed + 1))
        printf 'FAIL - %s under memcheck exits %d (%s s):\n' "$t" "$st" "${secs:-?}"
        sed 's/^/      /' "$VG/$t.out"
    fi
done
[ -n "${VALGRIND_KEEP:-}" ] && echo "# valgrind logs kept in $VG"
# Killed daemons (SIGKILL in crash.sh) have no leak check; their errors until then are counted.
printf '# valgrind: %d tests run (%d failed), %d batond checked at exit (and %d killed),' \
    "$tests" "$tests_failed" "$daemons" "$killed"
printf ' %d baton calls checked, %d errors, %d bytes definitely lost, %d s\n' \
    "$clients" "$errors" "$lost" $(($(date +%s) - t0))
[ "$tests_failed" -eq 0 ] && [ "$bad" -eq 0 ]
