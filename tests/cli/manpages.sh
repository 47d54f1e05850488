#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The manual pages are complete and well-formed: every command of baton's command table has its
# section in baton(1), every option any command accepts is in baton(1), every configuration key
# of batond's table is described in baton.conf(5), and groff renders each page without a warning.
# usage: manpages.sh SOURCE_DIR
SRC=$1
MAN=$SRC/tools/man
. "$SRC/tests/tap.sh"

# The command table of tools/baton.c: lines such as  {"send", "hand a form ...", cmd_send, ...
commands=$(sed -n 's/^ *{"\([a-z][a-z-]*\)", "[^"]*",.*/\1/p' "$SRC/tools/baton.c")
n=$(printf '%s\n' "$commands" | grep -c .)
if [ "$n" -lt 10 ]; then
    fail "found the command table in tools/baton.c (found $n commands)"
fi
for c in $commands; do
    if grep -qx "\.SS \"baton $c\"" "$MAN/baton.1"; then
        pass "baton.1 has a section for 'baton $c'"
    else
        fail "baton.1 has no section '.SS \"baton $c\"' for the command $c of tools/baton.c"
    fi
done

# Every long option of every command's option table (tools/*.c, tools/admin.h).
options=$(cat "$SRC"/tools/*.c "$SRC"/tools/*.h | grep -o '{"--[a-z][a-z-]*"' |
    sed 's/^{"//; s/"$//' | sort -u)
for o in $options; do
    roff=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
    if grep -q -- "$roff" "$MAN/baton.1"; then
        pass "baton.1 names $o"
    else
        fail "baton.1 does not name the option $o (written $roff in roff)"
    fi
done

# The key table of daemon/config.c: lines such as  {"keystore", KIND_PATH, 1, ...
keys=$(sed -n 's/^ *{"\([a-z_]*\)", KIND_[A-Z]*,.*/\1/p' "$SRC/daemon/config.c")
n=$(printf '%s\n' "$keys" | grep -c .)
if [ "$n" -lt 20 ]; then
    fail "found the key table in daemon/config.c (found $n keys)"
fi
for k in $keys; do
    if grep -qx "\.B $k" "$MAN/baton.conf.5"; then
        pass "baton.conf.5 describes $k"
    else
        fail "baton.conf.5 has no entry '.B $k' for the key $k of daemon/config.c"
    fi
done
# And no key that batond does not know.
for k in $(sed -n '/^\.SH KEYS/,/^\.SH FILES/{/^\.TP/{n;s/^\.B \([a-z_]*\)$/\1/p}}' "$MAN/baton.conf.5"); do
    if printf '%s\n' "$keys" | grep -qx "$k"; then :; else
        fail "baton.conf.5 describes $k, which daemon/config.c does not know"
    fi
done

# batond's options.
for o in --config --check --version --help; do
    roff=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
    if grep -q -- "$roff" "$MAN/batond.8"; then
        pass "batond.8 names $o"
    else
        fail "batond.8 does not name $o"
    fi
done

# Every page renders without a warning, and has the sections a manual page needs.
if command -v groff >/dev/null 2>&1; then
    for page in baton.1 batond.8 baton.conf.5; do
        warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN/$page" 2>&1)
        if [ -z "$warnings" ]; then
            pass "groff renders $page without warnings"
        else
            fail "groff warns about $page:"
            printf '%s\n' "$warnings" | head -n 20 | sed 's/^/      /'
        fi
        for s in NAME SYNOPSIS DESCRIPTION FILES 'SEE ALSO'; do
            grep -q "^\.SH \"*$s\"*\$" "$MAN/$page" || fail "$page has no $s section"
        done
    done
    for page in baton.1 batond.8; do
        grep -q '^\.SH "*EXIT STATUS"*$' "$MAN/$page" || fail "$page has no EXIT STATUS section"
    done
    grep -q '^\.SH ENVIRONMENT$' "$MAN/baton.1" || fail "baton.1 has no ENVIRONMENT section"
else
    echo "SKIP: groff is not installed (Debian package groff-base): cannot render the pages"
    printf '# %d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ] || exit 1
    exit 77
fi
if command -v man >/dev/null 2>&1; then
    for page in baton.1 batond.8 baton.conf.5; do
        out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$MAN/$page" 2>&1 >/dev/null)
        if [ -z "$out" ]; then
            pass "man -l $page without warnings"
        else
            fail "man -l $page warns: $out"
        fi
    done
fi

tap_summary
