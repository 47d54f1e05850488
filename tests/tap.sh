# SPDX-License-Identifier: EUPL-1.2
# What every test script counts with: each check prints "ok - WHAT" or "FAIL - WHAT" and what was
# seen, and tap_summary prints "# N passed, M failed". Sourced by tests/integration/lib.sh,
# tests/cli/lib.sh and the scripts that need neither (tests/cli/package.sh, manpages.sh).
# shellcheck shell=sh

passed=0
failed=0
# The files check shows when its command fails (tests/integration/lib.sh: the last answer).
CHECK_SHOW=

pass() {
    passed=$((passed + 1))
    printf 'ok - %s\n' "$1"
}

# fail_context: what a harness adds to every failure (tests/cli/lib.sh: the last baton command
# and what it printed); nothing here.
fail_context() {
    :
}

# fail DESCRIPTION [FILE...]: fail_context, then the end of each FILE that exists (where a log
# says what went wrong), so that the failure explains itself.
fail() {
    failed=$((failed + 1))
    printf 'FAIL - %s\n' "$1"
    fail_context
    shift
    for f in "$@"; do
        [ -f "$f" ] && tail -c 2000 "$f" | sed 's/^/      /'
    done
}

# check DESCRIPTION COMMAND...: pass when COMMAND succeeds, else fail showing $CHECK_SHOW.
check() {
    d=$1
    shift
    # shellcheck disable=SC2086 # CHECK_SHOW is a list of paths without spaces
    if "$@"; then pass "$d"; else fail "$d" $CHECK_SHOW; fi
}

# tap_summary: the counts; status 0 only when something was checked and nothing failed.
tap_summary() {
    printf '# %d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
