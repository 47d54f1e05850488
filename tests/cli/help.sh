#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Every command of baton's command table answers '--help', '-h' and 'baton help CMD' with the
# same usage on standard output, nothing on standard error, and exit status 0; subcommands too;
# an unknown command is refused with status 2.
# usage: help.sh BATON BATOND SOURCE_DIR
BATON=$1
BATOND=$2
SRC=$3
CLI_NAME=help
. "$(dirname "$0")/lib.sh"

commands=$(sed -n 's/^ *{"\([a-z][a-z-]*\)", "[^"]*",.*/\1/p' "$SRC/tools/baton.c")
n=$(printf '%s\n' "$commands" | grep -c .)
if [ "$n" -lt 10 ]; then
    echo "FAIL - found only $n commands in the command table of tools/baton.c"
    exit 1
fi

# help_ok DESCRIPTION WANT: the last command exited 0, said nothing on standard error, and its
# standard output starts with WANT.
help_ok() {
    if [ "$rc" -eq 0 ] && [ ! -s "$T/err" ] && head -n 1 "$T/out" | grep -q "^$2"; then
        pass "$1"
    else
        fail "$1: expected exit 0, a usage starting '$2' on stdout and nothing on stderr"
    fi
}

b help
help_ok "baton help" "usage: baton COMMAND"
cp "$T/out" "$T/list"
for c in $commands; do
    if grep -q "^  $c  *[a-z]" "$T/list"; then
        pass "baton help lists $c"
    else
        fail "baton help does not list $c"
    fi
    b "$c" --help
    help_ok "baton $c --help" "usage: baton $c"
    cp "$T/out" "$T/help-long"
    b "$c" -h
    help_ok "baton $c -h" "usage: baton $c"
    cmp -s "$T/out" "$T/help-long" || fail "baton $c -h prints what baton $c --help prints"
    b help "$c"
    help_ok "baton help $c" "usage: baton $c"
    if cmp -s "$T/out" "$T/help-long"; then
        pass "baton help $c prints what baton $c --help prints"
    else
        fail "baton help $c and baton $c --help differ"
    fi
    lines=$(wc -l <"$T/help-long")
    [ "$lines" -ge 5 ] || fail "baton $c --help is only $lines lines long"
done

# Subcommands answer --help too.
for s in "key rotate" "key show" "directory sign" "directory verify" "covenant sign" \
    "covenant verify" "receipt verify" "consent add" "consent list" "consent show" \
    "consent withdraw" "audit log" "audit verify" "audit checkpoints" "audit subject" \
    "audit register" "audit figures" "audit anomalies" "audit retention"; do
    # shellcheck disable=SC2086
    b $s --help
    help_ok "baton $s --help" "usage: baton ${s%% *}"
done

# The program's own.
b --help
help_ok "baton --help" "usage: baton COMMAND"
b --version
if [ "$rc" -eq 0 ] && grep -q '^baton [0-9]' "$T/out"; then
    pass "baton --version"
else
    fail "baton --version: expected exit 0 and 'baton VERSION'"
fi
b help no-such-command
if [ "$rc" -eq 2 ] && grep -q "no command 'no-such-command'" "$T/err" && [ ! -s "$T/out" ]; then
    pass "baton help no-such-command is refused with status 2"
else
    fail "baton help no-such-command: expected status 2 and 'no command' on stderr"
fi
b no-such-command --help
if [ "$rc" -eq 2 ] && grep -q "no command 'no-such-command'" "$T/err"; then
    pass "baton no-such-command --help is refused with status 2"
else
    fail "baton no-such-command --help: expected status 2 and 'no command' on stderr"
fi

last="batond --help"
"$BATOND" --help </dev/null >"$T/out" 2>"$T/err"
rc=$?
help_ok "batond --help" "Usage: batond --config FILE"

finish
