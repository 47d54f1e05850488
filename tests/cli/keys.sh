#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs the built 'baton keygen' and 'baton key' as an operator or a script would, and checks the
# files they write, their modes, and their refusals.
#
# usage: keys.sh BATON SOURCE_DIR GROUP
#   GROUP: keygen refusals modes passphrase rotate
# Every check prints "ok - ..." or "FAIL - ..." with what was seen; the last line counts them.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BATON SOURCE_DIR GROUP" >&2
    exit 2
fi
BATON=$1
SRC=$2
GROUP=$3

CLI_NAME=keys
. "$(dirname "$0")/lib.sh"
# The tests say where the keystore and its passphrase come from; nothing of the caller's counts.
unset BATON_KEYSTORE BATON_PASSPHRASE

umask 022

OIN=00000001812345671000
OIN2=00000001812345682000
PASS='correct horse battery staple'

# e VAR=VALUE... -- ARG...: runs baton like b, with standard input from /dev/null (no terminal:
# nobody to ask), and with those variables in its environment.
e() {
    last="env"
    for arg in "$@"; do
        [ "$arg" = "--" ] && break
        last="$last $arg"
    done
    (
        while [ "$1" != "--" ]; do
            export "${1?}"
            shift
        done
        shift
        exec "$BATON" "$@"
    ) </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    last="$last baton (see the test for the arguments)"
    sanitizer_check
}

# expect_count DESCRIPTION FILE TEXT N: FILE has N lines containing TEXT.
expect_count() {
    n=$(grep -F -c -e "$3" "$2")
    if [ "$n" -eq "$4" ]; then
        pass "$1: $4 lines with '$3'"
    else
        fail "$1: $n lines with '$3', expected $4"
    fi
}

expect_mode() {
    m=$(stat -c %a "$2" 2>/dev/null)
    if [ "$m" = "$3" ]; then
        pass "$1: $2 has mode $3"
    else
        fail "$1: $2 has mode '$m', expected $3"
    fi
}

expect_absent() {
    if [ -e "$2" ]; then
        fail "$1: $2 should not exist"
    else
        pass "$1: $2 does not exist"
    fi
}

expect_same() {
    if cmp -s "$2" "$3"; then
        pass "$1: $2 and $3 are the same"
    else
        fail "$1: $2 and $3 differ"
    fi
}

expect_differ() {
    if cmp -s "$2" "$3"; then
        fail "$1: $2 and $3 should differ"
    else
        pass "$1: $2 and $3 differ"
    fi
}

# keygen DIR [OPTION...]: a valid keygen for the school into DIR.
keygen() {
    dir=$1
    shift
    b keygen --org "$OIN" --name 'Praktijkschool De Brug' --role school \
        --endpoint https://127.0.0.1:8443/peer --out "$dir" "$@"
}

# validate_entries DESCRIPTION ENTRY.json...: the entries, as the organisations of a directory,
# pass the directory schema (urn:baton:directory:1) with 'baton validate'.
validate_entries() {
    what=$1
    shift
    {
        printf '{"$schema": "urn:baton:directory:1", "version": 1,\n'
        printf ' "issued": "2025-08-01T00:00:00Z", "expires": "2035-08-01T00:00:00Z",\n'
        printf ' "organisations": [\n'
        sep=
        for f in "$@"; do
            printf '%s' "$sep"
            cat "$f"
            sep=','
        done
        printf ']}\n'
    } >"$T/directory.json"
    b validate --lang en "$T/directory.json"
    expect_rc "$what: the directory schema accepts the entries" 0
}

group_keygen() {
    keygen "$T/org/keys"
    expect_rc "keygen" 0
    expect_in "keygen prints the entry" out "\"oin\": \"$OIN\""
    expect_in "keygen prints the entry" out '"tls_pin": "sha256//'
    expect_in "keygen prints the endpoint" out '"endpoint": "https://127.0.0.1:8443/peer"'
    expect_count "keygen prints a key of each use" "$T/out" '"kid": "' 2
    expect_count "keygen prints a signing key" "$T/out" '"use": "sig"' 1
    expect_count "keygen prints an encryption key" "$T/out" '"use": "enc"' 1
    expect_count "keygen prints validity" "$T/out" '"validUntil": "' 2
    expect_not_in "keygen never prints a private key" out '"d"'
    expect_in "keygen says what it wrote" err "entry.json"
    cp "$T/out" "$T/printed.json"
    expect_mode "keygen" "$T/org" 700
    expect_mode "keygen" "$T/org/keys" 700
    expect_mode "keygen" "$T/org/keys/keystore" 600
    expect_mode "keygen" "$T/org/keys/entry.json" 644
    expect_mode "keygen" "$T/org/keys/tls.crt" 644
    expect_same "the printed entry is entry.json" "$T/printed.json" "$T/org/keys/entry.json"
    if head -n 1 "$T/org/keys/tls.crt" | grep -q -x -e '-----BEGIN CERTIFICATE-----'; then
        pass "tls.crt is a PEM certificate"
    else
        fail "tls.crt is not a PEM certificate"
    fi
    if [ "$(head -n 1 "$T/org/keys/keystore")" = "baton-keystore 1" ]; then
        pass "the keystore is version 1"
    else
        fail "the keystore's first line is not 'baton-keystore 1'"
    fi
    n=$(ls -A "$T/org/keys" | wc -l)
    if [ "$n" -eq 3 ]; then
        pass "keygen leaves exactly three files"
    else
        fail "keygen left $n files: $(ls -A "$T/org/keys")"
    fi

    b key show --keystore "$T/org/keys/keystore"
    expect_rc "key show" 0
    cp "$T/out" "$T/shown.json"
    expect_same "key show prints entry.json" "$T/shown.json" "$T/org/keys/entry.json"
    b key show --cert --keystore "$T/org/keys/keystore"
    expect_rc "key show --cert" 0
    cp "$T/out" "$T/shown.crt"
    expect_same "key show --cert prints tls.crt" "$T/shown.crt" "$T/org/keys/tls.crt"
    e BATON_KEYSTORE="$T/org/keys/keystore" -- key show
    expect_rc "BATON_KEYSTORE names the keystore" 0

    b keygen --org "$OIN2" --name 'Gemeente Lindeveld' --role municipality \
        --endpoint https://baton.lindeveld.example --out "$T/gemeente/" --valid-days 30
    expect_rc "keygen for a second organisation, --out with a slash" 0
    expect_mode "keygen" "$T/gemeente/keystore" 600
    validate_entries "two keygen entries" "$T/org/keys/entry.json" "$T/gemeente/entry.json"
    # The check can fail: a private key member in an entry is refused by the schema.
    sed 's/"kty": "OKP",/"kty": "OKP", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",/' \
        "$T/gemeente/entry.json" >"$T/with-d.json"
    {
        printf '{"$schema": "urn:baton:directory:1", "version": 1,\n'
        printf ' "issued": "2025-08-01T00:00:00Z", "expires": "2035-08-01T00:00:00Z",\n'
        printf ' "organisations": ['
        cat "$T/with-d.json"
        printf ']}\n'
    } >"$T/bad-directory.json"
    b validate --lang en "$T/bad-directory.json"
    expect_rc "an entry with a private key fails the directory schema" 1
}

group_refusals() {
    b keygen --org 0000000181234567100 --name X --role school --endpoint https://a.example \
        --out "$T/x"
    expect_rc "a 19-digit OIN" 2
    expect_in "a 19-digit OIN" err 'the OIN "0000000181234567100" must be exactly 20 digits'
    expect_absent "a 19-digit OIN: nothing written" "$T/x"
    b keygen --org 0000000181234567100A --name X --role school --endpoint https://a.example \
        --out "$T/x"
    expect_rc "an OIN with a letter" 2
    expect_in "an OIN with a letter" err "must be exactly 20 digits"
    b keygen --org 000000018123456710001 --name X --role school --endpoint https://a.example \
        --out "$T/x"
    expect_rc "a 21-digit OIN" 2
    expect_in "a 21-digit OIN" err "--org: an OIN is 20 digits"
    b keygen --org "$OIN" --name X --role teacher --endpoint https://a.example --out "$T/x"
    expect_rc "an unknown role" 2
    expect_in "an unknown role" err \
        'the role "teacher" is not one of school, municipality, uwv, rmc, jobcoach, coordinator'
    expect_absent "an unknown role: nothing written" "$T/x"
    b keygen --org "$OIN" --name X --role school --endpoint http://a.example --out "$T/x"
    expect_rc "an http endpoint" 2
    expect_in "an http endpoint" err 'the endpoint "http://a.example" must be an https URL'
    b keygen --org "$OIN" --name X --role school --endpoint 'https://a.example/?q=1' --out "$T/x"
    expect_rc "an endpoint with a query" 2
    expect_in "an endpoint with a query" err "must be an https URL"
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example:99999 --out "$T/x"
    expect_rc "an endpoint with port 99999" 2
    expect_absent "bad endpoints: nothing written" "$T/x"
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example
    expect_rc "no --out" 2
    expect_in "no --out" err "missing --out DIR"
    b keygen --org "$OIN" --role school --endpoint https://a.example --out "$T/x"
    expect_rc "no --name" 2
    expect_in "no --name" err "missing --name NAME"
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example --out "$T/x" \
        --valid-days 0
    expect_rc "--valid-days 0" 2
    expect_in "--valid-days 0" err "--valid-days: give a whole number of days from 1 to 3650"
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example --out "$T/x" \
        --valid-days 12x
    expect_rc "--valid-days 12x" 2
    # A passphrase is never an argument: the word after --passphrase is refused as an operand.
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example --out "$T/x" \
        --passphrase hunter2
    expect_rc "a passphrase on the command line" 2
    expect_in "a passphrase on the command line" err "unexpected argument 'hunter2'"
    expect_absent "a passphrase on the command line: nothing written" "$T/x"
    b keygen --org "$OIN" --name "$(printf 'De Brug\nrole coordinator')" --role school \
        --endpoint https://a.example --out "$T/x"
    expect_rc "a name with a line break" 2
    expect_in "a name with a line break" err "without control characters"

    # An existing keystore is never replaced without --force, and nothing else is touched.
    keygen "$T/org"
    expect_rc "keygen" 0
    cp "$T/org/keystore" "$T/keystore.before"
    cp "$T/org/entry.json" "$T/entry.before"
    keygen "$T/org"
    expect_rc "keygen over an existing keystore" 2
    expect_in "keygen over an existing keystore" err "$T/org/keystore already exists"
    expect_in "keygen over an existing keystore" err "Nothing was written"
    expect_same "the keystore is untouched" "$T/keystore.before" "$T/org/keystore"
    expect_same "entry.json is untouched" "$T/entry.before" "$T/org/entry.json"
    keygen "$T/org" --force
    expect_rc "keygen --force" 0
    expect_differ "--force replaced the keystore" "$T/keystore.before" "$T/org/keystore"
    expect_differ "--force replaced entry.json" "$T/entry.before" "$T/org/entry.json"
    expect_mode "keygen --force" "$T/org/keystore" 600

    # --out names a file, not a folder.
    : >"$T/plainfile"
    keygen "$T/plainfile"
    expect_rc "--out is a file" 2
    expect_in "--out is a file" err "is not a folder"

    b key rotate --keystore "$T/org/keystore"
    expect_rc "rotate without --use" 2
    expect_in "rotate without --use" err "missing --use sig|enc"
    b key rotate --keystore "$T/org/keystore" --use both
    expect_rc "rotate --use both" 2
    b key rotate --keystore "$T/org/keystore" --use sig --valid-from 2025-13-01
    expect_rc "rotate --valid-from 2025-13-01" 2
    expect_in "rotate --valid-from 2025-13-01" err "RFC 3339"
    b key show
    expect_rc "key show without a keystore" 2
    expect_in "key show without a keystore" err "Give --keystore FILE or set BATON_KEYSTORE"
    b key show --keystore "$T/none"
    expect_rc "key show, no such keystore" 2
    expect_in "key show, no such keystore" err "No such file"
    b key sing
    expect_rc "an unknown key subcommand" 2
    # A damaged keystore is refused and says where.
    sed 's/^role school$/role teacher/' "$T/org/keystore" >"$T/damaged"
    chmod 600 "$T/damaged"
    b key show --keystore "$T/damaged"
    expect_rc "a damaged keystore" 2
    expect_in "a damaged keystore" err 'the role "teacher"'
}

group_modes() {
    keygen "$T/org"
    expect_rc "keygen" 0
    for mode in 644 640 604 660 620 602; do
        chmod "$mode" "$T/org/keystore"
        b key show --keystore "$T/org/keystore"
        expect_rc "a keystore of mode $mode" 2
        expect_in "a keystore of mode $mode" err "(mode 0$mode); run chmod 600 $T/org/keystore"
        expect_not_in "a keystore of mode $mode" out '"oin"'
        b key rotate --use enc --keystore "$T/org/keystore"
        expect_rc "rotate with a keystore of mode $mode" 2
    done
    chmod 644 "$T/org/keystore"
    b key show --keystore "$T/org/keystore"
    expect_in "mode 644" err "keystore $T/org/keystore is readable by group or others (mode 0644)"
    chmod 600 "$T/org/keystore"
    b key show --keystore "$T/org/keystore"
    expect_rc "after chmod 600" 0
    chmod 400 "$T/org/keystore"
    b key show --keystore "$T/org/keystore"
    expect_rc "a read-only keystore (0400)" 0
    b key show --keystore "$T/org"
    expect_rc "a folder as keystore" 2
    expect_in "a folder as keystore" err "is not a regular file"
}

group_passphrase() {
    e BATON_PASSPHRASE="$PASS" -- keygen --org "$OIN" --name 'Praktijkschool De Brug' \
        --role school --endpoint https://baton.debrug.example --out "$T/org" --passphrase
    expect_rc "keygen --passphrase with BATON_PASSPHRASE" 0
    expect_in "keygen --passphrase" err "(encrypted)"
    expect_mode "keygen --passphrase" "$T/org/keystore" 600
    if sed -n 2p "$T/org/keystore" | grep -q '^encrypted argon2id13 '; then
        pass "the keystore is encrypted with Argon2id"
    else
        fail "the keystore's second line is not 'encrypted argon2id13 ...'"
    fi
    if grep -q -e "$OIN" -e 'sign ' -e CERTIFICATE "$T/org/keystore"; then
        fail "the encrypted keystore shows its contents"
    else
        pass "the encrypted keystore shows nothing of its contents"
    fi

    b key show --keystore "$T/org/keystore"
    expect_rc "an encrypted keystore without a passphrase" 2
    expect_in "an encrypted keystore without a passphrase" err \
        "keystore $T/org/keystore is encrypted and needs its passphrase: set BATON_PASSPHRASE"
    expect_not_in "an encrypted keystore without a passphrase" out '"oin"'
    e BATON_PASSPHRASE="wrong $PASS" -- key show --keystore "$T/org/keystore"
    expect_rc "a wrong passphrase" 2
    expect_in "a wrong passphrase" err "the passphrase does not open this keystore"
    e BATON_PASSPHRASE="$PASS" -- key show --keystore "$T/org/keystore"
    expect_rc "the right passphrase" 0
    expect_in "the right passphrase" out "\"oin\": \"$OIN\""

    printf '%s\n' "$PASS" >"$T/pass"
    chmod 600 "$T/pass"
    b key show --keystore "$T/org/keystore" --passphrase-file "$T/pass"
    expect_rc "--passphrase-file" 0
    printf '%s\r\n' "$PASS" >"$T/pass-crlf"
    chmod 600 "$T/pass-crlf"
    b key show --keystore "$T/org/keystore" --passphrase-file "$T/pass-crlf"
    expect_rc "--passphrase-file written on Windows" 0
    chmod 644 "$T/pass"
    b key show --keystore "$T/org/keystore" --passphrase-file "$T/pass"
    expect_rc "a passphrase file others can read" 2
    expect_in "a passphrase file others can read" err "(mode 0644); run chmod 600 $T/pass"
    : >"$T/empty"
    chmod 600 "$T/empty"
    b key show --keystore "$T/org/keystore" --passphrase-file "$T/empty"
    expect_rc "an empty passphrase file" 2
    expect_in "an empty passphrase file" err "the passphrase is empty"

    # --passphrase without a source: no terminal here, so nothing is written.
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example --out "$T/x" \
        --passphrase
    expect_rc "--passphrase without a terminal or BATON_PASSPHRASE" 2
    expect_in "--passphrase without a source" err "no passphrase for the new keystore"
    expect_absent "--passphrase without a source: nothing written" "$T/x/keystore"
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example --out "$T/x" \
        --passphrase --passphrase-file "$T/pass"
    expect_rc "--passphrase and --passphrase-file" 2
    e BATON_PASSPHRASE= -- keygen --org "$OIN" --name X --role school \
        --endpoint https://a.example --out "$T/x" --passphrase
    expect_rc "an empty BATON_PASSPHRASE" 2
    expect_in "an empty BATON_PASSPHRASE" err "the passphrase is empty"
    chmod 600 "$T/pass"
    b keygen --org "$OIN" --name X --role school --endpoint https://a.example --out "$T/y" \
        --passphrase-file "$T/pass"
    expect_rc "keygen --passphrase-file" 0
    e BATON_PASSPHRASE="$PASS" -- key show --keystore "$T/y/keystore"
    expect_rc "the file's passphrase opens it" 0
}

group_rotate() {
    keygen "$T/org"
    expect_rc "keygen" 0
    cp "$T/org/entry.json" "$T/entry.before"
    b key rotate --keystore "$T/org/keystore" --use enc
    expect_rc "rotate --use enc" 0
    expect_count "rotate --use enc: three keys" "$T/out" '"kid": "' 3
    expect_count "rotate --use enc: two encryption keys" "$T/out" '"use": "enc"' 2
    expect_in "rotate --use enc" err "added a new encryption key"
    expect_mode "rotate" "$T/org/keystore" 600
    # The old keys are still there, unchanged.
    grep '"kid": "' "$T/entry.before" | while read -r line; do
        grep -F -q -e "$line" "$T/out" || echo "$line"
    done >"$T/lost"
    if [ -s "$T/lost" ]; then
        fail "rotate lost old keys: $(cat "$T/lost")"
    else
        pass "rotate keeps the old keys"
    fi
    b key rotate --keystore "$T/org/keystore" --use sig --valid-from 2030-01-01 --valid-days 365
    expect_rc "rotate --use sig --valid-from 2030-01-01" 0
    expect_count "rotate --use sig: four keys" "$T/out" '"kid": "' 4
    expect_in "rotate --valid-from" out '"validFrom": "2030-01-01T00:00:00Z"'
    expect_in "rotate --valid-days" out '"validUntil": "2031-01-01T00:00:00Z"'
    cp "$T/out" "$T/rotated.json"
    validate_entries "a rotated entry" "$T/rotated.json"
    b key show --keystore "$T/org/keystore"
    cp "$T/out" "$T/shown.json"
    expect_same "the rotation was saved" "$T/rotated.json" "$T/shown.json"
    b key rotate --keystore "$T/org/keystore" --use sig --valid-from 2031-01-01T00:00:00+01:00
    expect_rc "rotate --valid-from with an offset" 0
    expect_in "rotate --valid-from with an offset" out '"validFrom": "2030-12-31T23:00:00Z"'

    # An encrypted keystore stays encrypted under the same passphrase; a wrong one changes nothing.
    e BATON_PASSPHRASE="$PASS" -- keygen --org "$OIN2" --name 'Gemeente Lindeveld' \
        --role municipality --endpoint https://baton.lindeveld.example --out "$T/enc" --passphrase
    expect_rc "keygen --passphrase" 0
    cp "$T/enc/keystore" "$T/enc.before"
    e BATON_PASSPHRASE="not $PASS" -- key rotate --keystore "$T/enc/keystore" --use sig
    expect_rc "rotate with a wrong passphrase" 2
    expect_same "a refused rotation leaves the keystore" "$T/enc.before" "$T/enc/keystore"
    e BATON_PASSPHRASE="$PASS" BATON_KEYSTORE="$T/enc/keystore" -- key rotate --use sig
    expect_rc "rotate an encrypted keystore" 0
    expect_in "rotate: default validFrom a week ahead" err "added a new signing key, valid from"
    if sed -n 2p "$T/enc/keystore" | grep -q '^encrypted argon2id13 '; then
        pass "the rotated keystore is still encrypted"
    else
        fail "the rotated keystore is no longer encrypted"
    fi
    expect_mode "rotate" "$T/enc/keystore" 600
    e BATON_PASSPHRASE="$PASS" -- key show --keystore "$T/enc/keystore"
    expect_rc "the same passphrase opens the rotated keystore" 0
    expect_count "the rotated keystore has three keys" "$T/out" '"kid": "' 3
    n=$(ls -A "$T/enc" | wc -l)
    if [ "$n" -eq 3 ]; then
        pass "rotate leaves no temporary file"
    else
        fail "rotate left files: $(ls -A "$T/enc")"
    fi
}

case $GROUP in
keygen) group_keygen ;;
refusals) group_refusals ;;
modes) group_modes ;;
passphrase) group_passphrase ;;
rotate) group_rotate ;;
*)
    echo "$0: unknown group '$GROUP'" >&2
    exit 2
    ;;
esac

finish
