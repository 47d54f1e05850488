#!/bin/bash
# SPDX-License-Identifier: EUPL-1.2
# tools/completion/baton in bash: what COMPREPLY holds for commands, options, option values,
# subcommands and files, and for the ids of the inbox and outbox of real daemons.
# usage: completion.sh BATON BATOND ITEST_HELPER SOURCE_DIR
# shellcheck disable=SC1091
. "$4/tests/integration/lib.sh"
. "$SRC/tools/completion/baton"

# comp WORD...: completes the last WORD of 'baton WORD...'; the candidates, one a line, in
# $W/comp (sorted).
comp() {
    COMP_WORDS=("$BATON" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _baton
    printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort >"$W/comp"
}
# has DESCRIPTION WORD...: every WORD is a candidate.
has() {
    d=$1
    shift
    for w in "$@"; do
        if ! grep -qxF -- "$w" "$W/comp"; then
            fail "$d: '$w' is not among the candidates" "$W/comp"
            return
        fi
    done
    pass "$d"
}
# exactly DESCRIPTION WORD...: the candidates are these WORDs.
exactly() {
    d=$1
    shift
    printf '%s\n' "$@" | sort >"$W/want"
    if cmp -s "$W/want" "$W/comp"; then pass "$d"; else fail "$d: expected $*" "$W/comp"; fi
}

# none DESCRIPTION: no candidate at all.
none() {
    if [ -s "$W/comp" ]; then fail "$1: expected no candidate" "$W/comp"; else pass "$1"; fi
}

if complete -p baton >/dev/null 2>&1; then pass "the script registers _baton for baton"; else fail "complete -p baton"; fi

# Commands: every command of the table, and help.
comp ""
# shellcheck disable=SC2046
has "every command of tools/baton.c, and help" help \
    $(sed -n 's/^ *{"\([a-z][a-z-]*\)", "[^"]*",.*/\1/p' "$SRC/tools/baton.c")
comp se
exactly "'se' completes to seal, send and setup" seal send setup
comp help ac
exactly "'help ac' completes to accept" accept
comp --v
exactly "'--v' completes to --version" --version

# Options, read from the command's help.
comp send --p
exactly "'send --p' completes to --purpose" --purpose
comp send --
has "send's options" --to --purpose --basis --consent --law --socket --token-file --json --lang --help
comp send --to 00000001001234567000 --purpose warme-overdracht --b
exactly "an option of send after other options and their values" --basis
comp keygen --
has "keygen's options" --org --name --role --endpoint --out --valid-days --passphrase \
    --passphrase-file --force
if grep -qxF -- --to "$W/comp"; then fail "keygen does not offer send's --to" "$W/comp"; else pass "keygen does not offer send's --to"; fi

# Values of options.
comp send --basis ""
exactly "the legal bases after --basis" consent legal-obligation public-task
comp validate --lang ""
exactly "the languages after --lang" nl en
comp keygen --role m
exactly "a role after --role" municipality
comp key rotate --use ""
exactly "sig and enc after --use" sig enc

# Subcommands.
comp key ""
exactly "key's subcommands" rotate show
comp audit ""
has "audit's subcommands" log verify checkpoints subject register figures anomalies retention
comp consent w
exactly "'consent w' completes to withdraw" withdraw
comp directory s
exactly "'directory s' completes to sign" sign

# Files where a file is expected, folders after --out.
comp validate "$SRC/forms/examples/valid/school-leaver-h"
has "form files for validate" "$SRC/forms/examples/valid/school-leaver-handover.json"
comp seal --keystore "$SRC/forms/examples/valid/cov"
has "a file after --keystore" "$SRC/forms/examples/valid/covenant.json"
comp keygen --out "$SRC/forms/ex"
exactly "only folders after --out" "$SRC/forms/examples"
comp keygen --out "$SRC/forms/examples/valid/cov"
none "no file after --out"

# Ids from real daemons: the school's outbox, the municipality's inbox.
comp status --socket "$W/none/admin.sock" ""
none "no ids when batond is not there"
net || finish
start school || finish
start gemeente || finish
id=$(send_handover)
if [ -n "$id" ]; then pass "the school sends a handover ($id)"; else fail "the school sends a handover" "$W/out" "$W/err"; finish; fi
comp status --socket "$W/school/admin.sock" ""
has "status offers the outbox's ids" "$id"
comp export --socket="$W/school/admin.sock" "${id:0:6}"
exactly "export completes an id from its first characters" "$id"
if waitfor 20 is_state school "$id" delivered; then pass "the handover is delivered"; else fail "the handover is delivered"; fi
comp show --socket "$W/gemeente/admin.sock" ""
has "show offers the inbox's ids" "$id"
comp accept --by "Mark Jansen, klantmanager" --socket "$W/gemeente/admin.sock" "${id:0:4}"
exactly "accept completes an inbox id after --by and its value" "$id"
BATON_SOCKET=$W/gemeente/admin.sock comp reject ""
has "reject finds batond through BATON_SOCKET" "$id"
comp update --socket "$W/gemeente/admin.sock" "$id" "$SRC/forms/examples/valid/status-u"
has "update's second operand is a file" "$SRC/forms/examples/valid/status-update.json"
finish
