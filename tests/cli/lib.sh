# SPDX-License-Identifier: EUPL-1.2
# The harness that the command-line tests share: a temporary folder, the counters, running baton
# and checking what it answered. Sourced by each script after it has set BATON and CLI_NAME.
#
# Every check prints "ok - ..." or "FAIL - ..." with what was seen; finish prints the count.
# shellcheck shell=sh

# Sanitizer reports must not pass as baton's own exit status 1 or 2.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

T=$(mktemp -d "${TMPDIR:-/tmp}/baton-$CLI_NAME.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM

. "$(dirname "$0")/../tap.sh"
last=
rc=-
: >"$T/out"
: >"$T/err"

# Every failure says which baton command ran last and what it printed.
fail_context() {
    printf '    command: %s\n' "$last"
    printf '    exit status: %s\n' "$rc"
    printf '    stdout:\n'
    head -c 3000 "$T/out" | sed 's/^/      /'
    printf '    stderr:\n'
    head -c 3000 "$T/err" | sed 's/^/      /'
}

sanitizer_check() {
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$T/err"; then
        fail "no sanitizer report from: $last"
    fi
}

# b ARG...: runs baton with no input; b_in FILE ARG...: with FILE as standard input.
# Standard output goes to $T/out, standard error to $T/err, the exit status to $rc.
b() {
    last="baton $*"
    "$BATON" "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    sanitizer_check
}

b_in() {
    input=$1
    shift
    last="baton $* < $input"
    "$BATON" "$@" <"$input" >"$T/out" 2>"$T/err"
    rc=$?
    sanitizer_check
}

expect_rc() {
    if [ "$rc" -eq "$2" ]; then
        pass "$1: exit status $2"
    else
        fail "$1: exit status $rc, expected $2"
    fi
}

# expect_in DESCRIPTION out|err TEXT: the stream contains TEXT (fixed string).
expect_in() {
    if grep -F -q -e "$3" "$T/$2"; then
        pass "$1: std$2 says '$3'"
    else
        fail "$1: std$2 does not contain '$3'"
    fi
}

expect_not_in() {
    if grep -F -q -e "$3" "$T/$2"; then
        fail "$1: std$2 should not contain '$3'"
    else
        pass "$1: std$2 does not say '$3'"
    fi
}

expect_empty() {
    if [ -s "$T/$2" ]; then
        fail "$1: std$2 should be empty"
    else
        pass "$1: std$2 is empty"
    fi
}

# finish: prints the count; fails if anything failed or nothing was checked at all.
finish() {
    tap_summary
    exit $?
}
