#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs the built baton's daemon commands (send, outbox, status, inbox, show, accept, reject,
# update) where no batond runs: their help, usage errors, every way the admin socket can be
# unusable, and the form checks that refuse before anything is sent. What they do with a running
# batond is tested end to end by tests/integration.
#
# usage: daemon_cli.sh BATON SOURCE_DIR GROUP
#   GROUP: help usage unreachable validation
# Every check prints "ok - ..." or "FAIL - ..." with what was seen; the last line counts them.
#
# $S and $SEND are split into words on purpose: the temporary folder has no spaces (mktemp), and
# '$schema' in single quotes is JSON, not a variable.
# shellcheck disable=SC2086,SC2016
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BATON SOURCE_DIR GROUP" >&2
    exit 2
fi
BATON=$1
SRC=$2
GROUP=$3
VALID=$SRC/forms/examples/valid
INVALID=$SRC/forms/examples/invalid
FORM=$VALID/school-leaver-handover.json
UPDATE=$VALID/status-update.json
CONSENT=6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60
ID=3f0c9a52-7d1e-4c8b-9a41-2b6e5d8f1c07
OIN_GEM=00000001001234567000
COMMANDS="send outbox status inbox show accept reject update"

CLI_NAME=daemon-cli
. "$(dirname "$0")/lib.sh"
unset BATON_SOCKET
# A proxy in the environment must not take the request anywhere.
http_proxy=http://127.0.0.1:9
HTTP_PROXY=$http_proxy
ALL_PROXY=$http_proxy
export http_proxy HTTP_PROXY ALL_PROXY

# Readable by the unprivileged user that the permission check runs baton as.
chmod 0755 "$T"
NONE=$T/none.sock
SEND="send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT"

# expect DESCRIPTION STATUS TEXT: the last run exited with STATUS and said TEXT on standard
# error, and printed nothing on standard output.
expect() {
    if [ "$rc" -eq "$2" ] && grep -q -F -e "$3" "$T/err" && [ ! -s "$T/out" ]; then
        pass "$1: exit $2, \"$3\""
    else
        fail "$1: expected exit $2, no output, and \"$3\" on standard error"
    fi
}

# expect_not_in FILE TEXT DESCRIPTION: FILE does not contain TEXT (replaces lib.sh's, which takes
# DESCRIPTION out|err TEXT).
expect_not_in() {
    if grep -q -F -e "$2" "$1"; then
        fail "$3: '$2' in $(basename "$1")"
    else
        pass "$3"
    fi
}

# usage DESCRIPTION TEXT ARG...: a usage error (exit 2, TEXT, the pointer to the help), found
# before the socket is looked at: the socket named does not exist.
usage() {
    what=$1
    says=$2
    shift 2
    b "$@"
    expect "$what" 2 "$says"
    expect_not_in "$T/err" "not running" "$what: refused before batond is asked"
}

# ---- help ----

group_help() {
    for c in $COMMANDS; do
        b "$c" --help
        if [ "$rc" -eq 0 ] && head -n 1 "$T/out" | grep -q "^usage: baton $c " &&
            grep -q -e '--socket PATH' "$T/out" && grep -q 'Exit status' "$T/out"; then
            pass "$c --help: usage, --socket and the exit statuses"
        else
            fail "$c --help: expected exit 0 and a help that starts with 'usage: baton $c'"
        fi
        b help "$c"
        if [ "$rc" -eq 0 ] && head -n 1 "$T/out" | grep -q "^usage: baton $c "; then
            pass "help $c"
        else
            fail "help $c: expected exit 0 and the help"
        fi
        b "$c" -h
        if [ "$rc" -eq 0 ] && head -n 1 "$T/out" | grep -q "^usage: baton $c "; then
            pass "$c -h"
        else
            fail "$c -h: expected exit 0 and the help"
        fi
    done
    b help
    for c in $COMMANDS; do
        if grep -q "^  $c " "$T/out"; then
            pass "baton help lists $c"
        else
            fail "baton help lists $c"
        fi
    done
    b accept --help
    if grep -q -F -e '--by "NAME, ROLE"' "$T/out"; then
        pass "accept --help explains --by"
    else
        fail "accept --help explains --by"
    fi
    b reject --help
    if grep -q -F -e '--reason TEXT' "$T/out"; then
        pass "reject --help explains --reason"
    else
        fail "reject --help explains --reason"
    fi
}

# ---- usage ----

group_usage() {
    S="--socket $NONE"
    usage "send without --to" "--to OIN is required" send $S --purpose p1 --basis consent \
        --consent $CONSENT "$FORM"
    usage "send --to that is not an OIN" "--to must be an OIN" send $S --to 1234 --purpose p1 \
        --basis consent --consent $CONSENT "$FORM"
    usage "send without --purpose" "--purpose is required" send $S --to $OIN_GEM \
        --basis consent --consent $CONSENT "$FORM"
    usage "send --purpose that is not a code" "--purpose must be a covenant purpose code" \
        send $S --to $OIN_GEM --purpose "Warme overdracht" --basis consent --consent $CONSENT \
        "$FORM"
    usage "send without --basis" "--basis must be consent" send $S --to $OIN_GEM \
        --purpose p1 "$FORM"
    usage "send --basis unknown" "--basis must be consent" send $S --to $OIN_GEM \
        --purpose p1 --basis legitimate-interest "$FORM"
    usage "send --basis consent without --consent" "needs --consent ID" send $S --to $OIN_GEM \
        --purpose p1 --basis consent "$FORM"
    usage "send --consent that is not a UUID" "a UUID" send $S --to $OIN_GEM --purpose p1 \
        --basis consent --consent 12345 "$FORM"
    usage "send --basis consent with --law" "--law goes with" send $S --to $OIN_GEM \
        --purpose p1 --basis consent --consent $CONSENT --law "Wet X" "$FORM"
    usage "send --basis public-task without --law" "needs --law TEXT" send $S --to $OIN_GEM \
        --purpose p1 --basis public-task "$FORM"
    usage "send --basis legal-obligation with --consent" "--consent goes with --basis consent" \
        send $S --to $OIN_GEM --purpose p1 --basis legal-obligation --law "Wet X" \
        --consent $CONSENT "$FORM"
    usage "send --law on two lines" "--law must be" send $S --to $OIN_GEM --purpose p1 \
        --basis public-task --law "Wet
X" "$FORM"
    usage "send without FORM" "no FORM given" $SEND $S
    usage "send with '-' and another FORM" "give it alone" $SEND $S - "$FORM"
    usage "send --lang xx" "--lang must be" $SEND $S --lang xx "$FORM"
    usage "send with an unknown option" "unknown option '--bogus'" $SEND $S --bogus "$FORM"
    usage "send --socket without a value" "needs a value" $SEND "$FORM" --socket

    usage "accept without --by" '--by "NAME, ROLE" is required' accept $S $ID
    usage "accept --by empty" "--by must be a name and a role" accept $S --by "" $ID
    usage "accept --by blank" "--by must be a name and a role" accept $S --by "   " $ID
    usage "accept --by without a role" "needs a name and a role" accept $S --by "Mark Jansen" $ID
    usage "accept --by with an empty role" "needs a name and a role" accept $S \
        --by "Mark Jansen,  " $ID
    usage "accept --by with an empty name" "needs a name and a role" accept $S \
        --by " , klantmanager" $ID
    usage "accept --by on two lines" "--by must be" accept $S --by "Mark Jansen,
klantmanager" $ID
    usage "accept without ID" "no ID given" accept $S --by "Mark Jansen, klantmanager"
    usage "accept with two IDs" "give one ID" accept $S --by "Mark Jansen, klantmanager" $ID $ID
    usage "accept --reason (reject's option)" "unknown option '--reason'" accept $S \
        --by "Mark Jansen, klantmanager" --reason x $ID
    usage "reject without --reason" "--reason TEXT is required" reject $S $ID
    usage "reject --reason empty" "--reason must be" reject $S --reason "" $ID
    usage "reject --reason blank" "--reason must be" reject $S --reason "  " $ID
    usage "reject --reason with an escape character" "--reason must be" reject $S \
        --reason "$(printf 'no\033[2J')" $ID
    long=$(printf '%02001d' 0)
    usage "reject --reason over 2000 bytes" "at most 2000 bytes" reject $S --reason "$long" $ID
    b reject $S --reason "$(printf '%02000d' 0)" $ID
    expect "reject --reason of 2000 bytes: not refused here" 2 "batond is not running"
    b accept $S --by "$(printf '%0190d' 0), rol ok" $ID
    expect "accept --by of 200 bytes: not refused here" 2 "batond is not running"
    b accept $S --by "Jansen, Mark, klantmanager" $ID
    expect "accept --by with two commas: not refused here" 2 "batond is not running"
    usage "reject with --by without a role" "needs a name and a role" reject $S --reason x \
        --by "Mark" $ID
    usage "reject without ID" "no ID given" reject $S --reason "not ours"

    usage "show without ID" "no ID given" show $S
    usage "show with two IDs" "give one ID" show $S $ID $ID
    usage "show an id with other characters" "is not an id" show $S "../../v1/send"
    usage "show an id with a query" "is not an id" show $S "$ID?x=1"
    usage "show an id longer than a UUID" "longer than a UUID" show $S "${ID}0"
    usage "show a prefix of 3 characters" "at least its first 4 characters" show $S 3f0
    usage "show --lang xx" "--lang must be" show $S --lang xx $ID
    usage "status without ID" "no ID given" status $S
    usage "status an id with other characters" "is not an id" status $S "xyz"
    usage "update without FORM" "no FORM given" update $S $ID
    usage "update without ID or FORM" "no ID given" update $S
    usage "update with three operands" "give one ID and one FORM" update $S $ID "$UPDATE" x
    usage "inbox with an operand" "takes no operands" inbox $S $ID
    usage "outbox with an operand" "takes no operands" outbox $S x
    usage "outbox --lang (not one of its options)" "unknown option '--lang'" outbox $S --lang en
    usage "inbox --json=yes" "takes no value" inbox $S --json=yes
}

# ---- unreachable ----

# unreachable DESCRIPTION TEXT ARG...: exit 2, TEXT on standard error, nothing on standard
# output (also with --json).
unreachable() {
    what=$1
    says=$2
    shift 2
    b "$@"
    expect "$what" 2 "$says"
}

every_command() {
    label=$1
    says=$2
    shift 2
    unreachable "$label: inbox" "$says" inbox "$@"
    unreachable "$label: inbox --json" "$says" inbox --json "$@"
    unreachable "$label: outbox" "$says" outbox "$@"
    unreachable "$label: status" "$says" status "$@" $ID
    unreachable "$label: status by prefix" "$says" status "$@" 3f0c9a
    unreachable "$label: show" "$says" show "$@" $ID
    unreachable "$label: show --json" "$says" show --json "$@" $ID
    unreachable "$label: accept" "$says" accept --by "Mark Jansen, klantmanager" "$@" $ID
    unreachable "$label: reject" "$says" reject --reason "not ours" "$@" $ID
    unreachable "$label: update" "$says" update "$@" $ID "$UPDATE"
    unreachable "$label: send" "$says" $SEND "$@" "$FORM"
    unreachable "$label: send --json" "$says" $SEND --json "$@" "$FORM"
}

group_unreachable() {
    every_command "no socket" "batond is not running (no socket at $NONE)" --socket "$NONE"

    BATON_SOCKET=$NONE
    export BATON_SOCKET
    unreachable "BATON_SOCKET names the socket" "no socket at $NONE" inbox
    : >"$T/regular"
    unreachable "--socket overrides BATON_SOCKET" "$T/regular is not a socket" \
        inbox --socket "$T/regular"
    BATON_SOCKET=
    if [ ! -e /run/baton/admin.sock ]; then
        unreachable "an empty BATON_SOCKET: the default socket" \
            "no socket at /run/baton/admin.sock" outbox
    else
        pass "# SKIP the default socket: /run/baton/admin.sock exists on this machine"
    fi
    unset BATON_SOCKET

    every_command "a regular file" "is not a socket" --socket "$T/regular"
    mkdir "$T/folder"
    unreachable "a folder" "$T/folder is a folder, not batond's socket" outbox \
        --socket "$T/folder"
    unreachable "a missing folder" "no socket at $T/missing/admin.sock" outbox \
        --socket "$T/missing/admin.sock"
    unreachable "a path through a file" "no socket at $T/regular/admin.sock" outbox \
        --socket "$T/regular/admin.sock"
    long=$T/$(printf '%0120d' 0).sock
    unreachable "a path too long for a Unix socket" "is too long for a Unix socket" outbox \
        --socket "$long"

    # A socket that nothing listens on any more, as a daemon that was killed leaves it.
    if ! perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(),
            Local => $ARGV[0], Listen => 1) or die "$!\n"' "$T/stale.sock" 2>"$T/err"; then
        last="perl (creating a Unix socket)"
        rc=-
        fail "setup: could not create a Unix socket with perl (perl-base)"
        return
    fi
    every_command "a stale socket" "batond is not running (nothing listens on $T/stale.sock" \
        --socket "$T/stale.sock"

    # Someone not in the socket's group: the kernel refuses the connection.
    chmod 0600 "$T/stale.sock"
    if [ "$(id -u)" -ne 0 ]; then
        chmod 0000 "$T/stale.sock"
        b inbox --socket "$T/stale.sock"
    elif command -v setpriv >/dev/null 2>&1; then
        last="setpriv (as nobody) baton inbox --socket $T/stale.sock"
        setpriv --reuid=65534 --regid=65534 --clear-groups "$BATON" inbox \
            --socket "$T/stale.sock" </dev/null >"$T/out" 2>"$T/err"
        rc=$?
        sanitizer_check
    else
        rc=-
    fi
    if [ "$rc" = - ]; then
        pass "# SKIP permission denied: running as root without setpriv"
    else
        expect "a socket of another group" 2 "permission denied on the socket $T/stale.sock: add yourself to the group that owns it"
    fi
}

# ---- validation ----

# local_refusal DESCRIPTION TEXT ARG...: refused (exit 1) with TEXT before batond is asked: the
# socket named does not exist, and baton must not say so.
local_refusal() {
    what=$1
    says=$2
    shift 2
    b "$@"
    expect "$what" 1 "$says"
    expect_not_in "$T/err" "not running" "$what: refused before batond is asked"
}

group_validation() {
    S="--socket $NONE"
    for f in handover-bad-postcode handover-bsn-fails-eleven-test handover-typo-in-field-name \
        contact-notice-with-address dropout-signal-unknown-signal; do
        local_refusal "send $f" "$f.json: the form is invalid, nothing was sent" $SEND $S \
            "$INVALID/$f.json"
    done
    local_refusal "send says where the error is" "/young_person/address/postcode: " $SEND $S \
        "$INVALID/handover-bad-postcode.json"
    local_refusal "send --lang en: the message in English" "must be a Dutch postcode" $SEND $S \
        --lang en "$INVALID/handover-bad-postcode.json"
    local_refusal "send --lang nl: the message in Dutch" "moet een Nederlandse postcode" $SEND \
        $S --lang nl "$INVALID/handover-bad-postcode.json"
    local_refusal "send counts the errors" "(1 error)" $SEND $S \
        "$INVALID/handover-bad-postcode.json"

    # --json: the refusal in batond's own shape, on standard output.
    b $SEND $S --json "$INVALID/handover-bad-postcode.json"
    if [ "$rc" -eq 1 ] && grep -q '"code": "invalid-form"' "$T/out" &&
        grep -q '"instanceLocation": "/young_person/address/postcode"' "$T/out" &&
        grep -q '"error": ' "$T/out"; then
        pass "send --json: the errors as batond's 422 answer (code, details)"
    else
        fail "send --json: expected exit 1 and {\"code\": \"invalid-form\", \"details\": [...]}"
    fi
    expect_not_in "$T/err" "not running" "send --json: refused before batond is asked"

    b_in "$INVALID/handover-bad-postcode.json" $SEND $S -
    expect "send - (standard input)" 1 "<stdin>: the form is invalid"

    # Not forms at all: unusable (2), still before batond is asked.
    printf '{"a": ' >"$T/truncated.json"
    usage "send a file that is not JSON" "truncated.json:1:" $SEND $S "$T/truncated.json"
    usage "send a file that does not exist" "missing.json: cannot open" $SEND $S "$T/missing.json"
    usage "send the directory" "this is not a form but a urn:baton:directory:1" $SEND $S \
        "$VALID/directory.json"
    usage "send the covenant" "this is not a form but a urn:baton:covenant:1" $SEND $S \
        "$VALID/covenant.json"
    printf '{"first_name": "Milan"}\n' >"$T/noschema.json"
    usage "send a form without \$schema" 'has no "$schema" member' $SEND $S "$T/noschema.json"
    printf '{"$schema": "urn:baton:form:nonsense:1"}\n' >"$T/unknown.json"
    usage "send a form of an unknown type" "which is not in the catalogue" $SEND $S "$T/unknown.json"
    printf '{"$schema": "urn:baton:form:status-update:1", "a": 1, "a": 2}\n' >"$T/dup.json"
    usage "send a form with a duplicate key" 'dup.json:1:55: duplicate key "a"' $SEND $S "$T/dup.json"

    # A valid form passes the check, and only then is batond asked.
    b $SEND $S "$FORM"
    expect "send a valid form: checked, then batond is asked" 2 "batond is not running"
    expect_not_in "$T/err" "invalid" "send a valid form: no complaint about the form"

    # update: a status-update form only.
    local_refusal "update with a handover form" \
        "only a urn:baton:form:status-update:1 form goes here" update $S $ID "$FORM"
    local_refusal "update with an invalid status update" "the form is invalid, nothing was sent" \
        update $S $ID "$INVALID/status-update-hours-over-40.json"
    local_refusal "update says where the error is" "/work/hours_per_week: " update $S $ID \
        "$INVALID/status-update-hours-over-40.json"
    b update $S $ID "$UPDATE"
    expect "update a valid status update: checked, then batond is asked" 2 \
        "batond is not running"
}

case $GROUP in
help | usage | unreachable | validation) "group_$GROUP" ;;
*)
    echo "$0: unknown group '$GROUP'" >&2
    exit 2
    ;;
esac

finish
