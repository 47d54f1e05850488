#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs every fuzz target with libFuzzer (ASan + UBSan, leak detection on) for a bounded time,
# starting from its seed corpus. Fails on any crash, leak, timeout or sanitizer report; the input
# that caused it is kept in tests/fuzz/regressions/TARGET/ so that it becomes a regression test
# (every build replays that folder: see tests/fuzz/CMakeLists.txt).
#
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET [TARGET...]]
#   BUILD_DIR  a build configured with -DCMAKE_C_COMPILER=clang -DBATON_FUZZ=ON
#              (./bootstrap fuzz makes build-fuzz/ and runs this).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR [SECONDS [TARGET...]]}" && pwd) || exit 2
SECS=${2:-30}
shift
[ $# -gt 0 ] && shift
TARGETS=${*:-validate schema packet notice document config request}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/baton-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
failed=0
for t in $TARGETS; do
    bin=$BUILD/tests/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "run.sh: no $bin; build with -DBATON_FUZZ=ON first" >&2
        exit 2
    fi
    mkdir -p "$WORK/$t" "$WORK/artifacts-$t"
    # The seeds, as tests/fuzz/CMakeLists.txt lists them.
    seeds=
    [ -d "$SRC/tests/fuzz/corpus/$t" ] && seeds=$SRC/tests/fuzz/corpus/$t
    case $t in
    validate) seeds="$seeds $SRC/forms/examples/valid $SRC/forms/examples/invalid" ;;
    schema) seeds="$seeds $SRC/forms/catalogue" ;;
    esac
    [ -d "$SRC/tests/fuzz/regressions/$t" ] && seeds="$seeds $SRC/tests/fuzz/regressions/$t"
    # The new inputs go to $WORK/$t; the seed corpus is read, never written.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$WORK/artifacts-$t/" -print_final_stats=1 \
        "$WORK/$t" $seeds >"$WORK/$t.log" 2>&1
    st=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$WORK/$t.log" | tail -n 1)
    if [ "$st" -eq 0 ]; then
        echo "ok - fuzz_$t: ${runs:-?} runs in ${SECS} s, ${cov:-cov: ?}"
        continue
    fi
    failed=$((failed + 1))
    echo "FAIL - fuzz_$t (exit $st):"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$WORK/$t.log" | head -n 20 | sed 's/^/    /'
    mkdir -p "$SRC/tests/fuzz/regressions/$t"
    for a in "$WORK/artifacts-$t"/*; do
        [ -f "$a" ] || continue
        cp "$a" "$SRC/tests/fuzz/regressions/$t/"
        echo "    kept $(basename "$a") in tests/fuzz/regressions/$t/: fix the bug, keep the file"
    done
    tail -n 40 "$WORK/$t.log" | sed 's/^/    | /'
done
echo "fuzz: $(echo $TARGETS | wc -w) target(s), $failed failed"
[ "$failed" -eq 0 ]
