#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs the built 'baton directory' and 'baton covenant' as a regional coordinator and a member's
# operator would, with keys made by 'baton keygen', and checks what they answer.
#
# usage: directory.sh BATON SOURCE_DIR GROUP
#   GROUP: sign verify refusals usage
# Every check prints "ok - ..." or "FAIL - ..." with what was seen; the last line counts them.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BATON SOURCE_DIR GROUP" >&2
    exit 2
fi
BATON=$1
SRC=$2
GROUP=$3
EXAMPLES=$SRC/forms/examples

CLI_NAME=directory
. "$(dirname "$0")/lib.sh"
# The keystores here are unencrypted unless a test says otherwise; nothing from the caller's
# environment may choose another keystore or passphrase.
unset BATON_KEYSTORE BATON_PASSPHRASE

# A compact JWS: one line of three base64url parts.
is_jws() {
    grep -E -q -x '[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+' "$1" &&
        [ "$(wc -l <"$1")" -eq 1 ]
}

# keygen DIR OIN ROLE NAME: a member's keys, as its operator makes them.
keygen() {
    b keygen --org "$2" --name "$4" --role "$3" --endpoint "https://baton.$1.example" \
        --out "$T/$1"
    if [ "$rc" -ne 0 ] || [ ! -f "$T/$1/entry.json" ]; then
        fail "baton keygen makes the keys of $4"
        return 1
    fi
    return 0
}

# A directory of the given entries (each entry.json is one organisation, as keygen wrote it).
# make_directory OUT ISSUED EXPIRES ENTRY...
make_directory() {
    out=$1
    issued=$2
    expires=$3
    shift 3
    {
        printf '{"$schema": "urn:baton:directory:1", "network": "Testnetwerk Lindeveld",\n'
        printf ' "version": 1, "issued": "%s", "expires": "%s",\n' "$issued" "$expires"
        printf ' "organisations": ['
        sep=
        for e in "$@"; do
            printf '%s' "$sep"
            cat "$e"
            sep=','
        done
        printf ']}\n'
    } >"$out"
}

# The example covenant, valid for as long as these tests will run.
make_covenant() {
    sed -e 's/"valid_from": "[0-9-]*"/"valid_from": "2020-01-01"/' \
        -e 's/"valid_until": "[0-9-]*"/"valid_until": "2099-12-31"/' \
        "$EXAMPLES/valid/covenant.json" >"$1"
}

# The network: a coordinator, a school, a municipality; a directory and covenant of them.
setup() {
    keygen coord 00000001001234567002 coordinator 'Coördinatiepunt Lindeveld' || return 1
    keygen school 00000001812345671000 school 'Praktijkschool De Brug' || return 1
    keygen town 00000001001234567000 municipality 'Gemeente Lindeveld' || return 1
    make_directory "$T/directory.json" 2020-01-01T00:00:00Z 2099-12-31T23:59:59Z \
        "$T/coord/entry.json" "$T/school/entry.json" "$T/town/entry.json"
    make_covenant "$T/covenant.json"
    return 0
}

# sign_ok KIND DOC OUT: signs as the coordinator; the rest of a group needs it.
sign_ok() {
    b "$1" sign --keystore "$T/coord/keystore" -o "$3" "$2"
    if [ "$rc" -ne 0 ] || ! is_jws "$3"; then
        fail "the coordinator signs $(basename "$2")"
        return 1
    fi
    return 0
}

# The kid of a signing key in an entry.json: the one after "use": "sig" would need a JSON
# parser; the kid printed by a verify of a document it signed is what the tests compare.
coordinator_kid() {
    sed -n 's/^  signed by: *coordinator key //p' "$T/out"
}

group_sign() {
    setup || return
    b directory sign --keystore "$T/coord/keystore" -o "$T/directory.jws" "$T/directory.json"
    expect_rc "directory sign -o" 0
    expect_in "directory sign -o" err "signed $T/directory.json with key "
    expect_in "directory sign -o names the coordinator" err "of Coördinatiepunt Lindeveld into"
    expect_empty "directory sign -o" out
    check "the signed directory is a compact JWS on one line" is_jws "$T/directory.jws"
    check "the signed directory is readable by all (a public document)" \
        test -n "$(find "$T/directory.jws" -perm -0644)"
    if ls "$T"/directory.jws.tmp-* >/dev/null 2>&1; then
        check "no temporary file is left behind" false
    else
        pass "no temporary file is left behind"
    fi

    # To standard output, and the same bytes again: compact sorted JSON and Ed25519 are
    # deterministic, so re-signing an unchanged directory changes nothing.
    b directory sign --keystore "$T/coord/keystore" "$T/directory.json"
    expect_rc "directory sign to standard output" 0
    cp "$T/out" "$T/stdout.jws"
    check "directory sign to standard output prints the JWS" is_jws "$T/stdout.jws"
    check "signing the same directory again gives the same JWS" cmp -s "$T/stdout.jws" \
        "$T/directory.jws"

    # The keystore from the environment, as keygen's other commands take it.
    last="BATON_KEYSTORE=$T/coord/keystore baton covenant sign $T/covenant.json"
    BATON_KEYSTORE="$T/coord/keystore" "$BATON" covenant sign -o "$T/covenant.jws" \
        "$T/covenant.json" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    sanitizer_check
    expect_rc "covenant sign with BATON_KEYSTORE" 0
    check "the signed covenant is a compact JWS" is_jws "$T/covenant.jws"

    # An encrypted coordinator keystore, its passphrase in a file.
    printf 'correct horse battery staple\n' >"$T/pass"
    chmod 600 "$T/pass"
    b keygen --org 00000001001234567003 --name 'Coördinatiepunt Oost' --role coordinator \
        --endpoint https://baton.oost.example --out "$T/enc" --passphrase-file "$T/pass"
    expect_rc "keygen of an encrypted coordinator keystore" 0
    b directory sign --keystore "$T/enc/keystore" --passphrase-file "$T/pass" \
        -o "$T/enc.jws" "$T/directory.json"
    expect_rc "directory sign with an encrypted keystore and --passphrase-file" 0
    b directory verify --coordinator "$T/enc/entry.json" "$T/enc.jws"
    expect_rc "what the encrypted keystore signed verifies with its entry" 0
    printf 'wrong\n' >"$T/wrong"
    chmod 600 "$T/wrong"
    b directory sign --keystore "$T/enc/keystore" --passphrase-file "$T/wrong" \
        -o "$T/wrong.jws" "$T/directory.json"
    expect_rc "directory sign with a wrong passphrase" 2
    check "nothing is written with a wrong passphrase" test ! -e "$T/wrong.jws"

    # Only the coordinator signs.
    b directory sign --keystore "$T/school/keystore" -o "$T/school.jws" "$T/directory.json"
    expect_rc "directory sign with a school's keystore" 2
    expect_in "directory sign with a school's keystore" err "whose role is school, not coordinator"
    expect_in "directory sign with a school's keystore" err "Praktijkschool De Brug"
    check "a school's keystore writes nothing" test ! -e "$T/school.jws"

    # Each command its own kind.
    b covenant sign --keystore "$T/coord/keystore" -o "$T/x.jws" "$T/directory.json"
    expect_rc "covenant sign of a directory" 2
    expect_in "covenant sign of a directory" err "this is a directory"
    expect_in "covenant sign of a directory" err "'baton directory sign'"
    b directory sign --keystore "$T/coord/keystore" -o "$T/x.jws" "$T/covenant.json"
    expect_rc "directory sign of a covenant" 2
    expect_in "directory sign of a covenant" err "'baton covenant sign'"
    check "neither is written" test ! -e "$T/x.jws"

    # What the schema refuses is not signed.
    b directory sign --keystore "$T/coord/keystore" -o "$T/http.jws" \
        "$EXAMPLES/invalid/directory-http-endpoint.json"
    expect_rc "directory sign of a directory with an http endpoint" 1
    expect_in "directory sign of a directory with an http endpoint" err \
        "does not conform to its schema urn:baton:directory:1: at /organisations/3/endpoint"
    expect_in "directory sign of an invalid directory points to validate" err "'baton validate "
    check "an invalid directory is not written" test ! -e "$T/http.jws"
    b covenant sign --keystore "$T/coord/keystore" "$EXAMPLES/invalid/covenant-bsn-on-consent.json"
    expect_rc "covenant sign of a covenant letting the BSN travel on consent" 1
    expect_empty "covenant sign of an invalid covenant" out

    # Nor what would make look-ups ambiguous.
    make_directory "$T/dup.json" 2020-01-01T00:00:00Z 2099-12-31T23:59:59Z \
        "$T/coord/entry.json" "$T/school/entry.json" "$T/school/entry.json"
    b directory sign --keystore "$T/coord/keystore" -o "$T/dup.jws" "$T/dup.json"
    expect_rc "directory sign with an organisation twice" 1
    expect_in "directory sign with an organisation twice" err \
        "OIN 00000001812345671000 is listed twice in the directory"
    check "a directory with an organisation twice is not written" test ! -e "$T/dup.jws"

    # Signed out of its period: signed as asked, with a warning.
    make_directory "$T/old.json" 2000-01-01T00:00:00Z 2001-01-01T00:00:00Z \
        "$T/coord/entry.json" "$T/school/entry.json"
    b directory sign --keystore "$T/coord/keystore" -o "$T/old.jws" "$T/old.json"
    expect_rc "directory sign of an expired directory" 0
    expect_in "directory sign of an expired directory" err \
        "warning: daemons refuse it now: the directory expired on 2001-01-01T00:00:00Z"
    check "an expired directory is still signed" is_jws "$T/old.jws"

    b directory sign --keystore "$T/coord/keystore" "$T/missing.json"
    expect_rc "directory sign of a missing file" 2
    expect_in "directory sign of a missing file" err "$T/missing.json"
    printf '{"$schema": "urn:baton:directory:1",' >"$T/broken.json"
    b directory sign --keystore "$T/coord/keystore" "$T/broken.json"
    expect_rc "directory sign of a file that is not JSON" 2
    b_in "$T/directory.json" directory sign --keystore "$T/coord/keystore" -
    expect_rc "directory sign from standard input" 0
    cp "$T/out" "$T/stdin.jws"
    check "directory sign from standard input gives the same JWS" cmp -s "$T/stdin.jws" \
        "$T/directory.jws"
}

group_verify() {
    setup || return
    sign_ok directory "$T/directory.json" "$T/directory.jws" || return
    sign_ok covenant "$T/covenant.json" "$T/covenant.jws" || return

    b directory verify --coordinator "$T/coord/entry.json" "$T/directory.jws"
    expect_rc "directory verify" 0
    expect_in "directory verify" out "$T/directory.jws: valid signed directory"
    expect_in "directory verify" out "signed by:     coordinator key "
    expect_in "directory verify" out "valid:         from 2020-01-01T00:00:00Z until 2099-12-31T23:59:59Z"
    expect_in "directory verify" out "organisations: 3"
    expect_in "directory verify lists the members" out \
        "00000001812345671000  school       Praktijkschool De Brug  https://baton.school.example"
    expect_in "directory verify lists the members" out "00000001001234567000  municipality Gemeente Lindeveld"
    expect_empty "directory verify" err
    kid=$(coordinator_kid)
    check "directory verify names the coordinator's key" test -n "$kid"
    if grep -F -q -e "\"kid\": \"$kid\"" "$T/coord/entry.json"; then
        pass "the key named is the coordinator's signing key from its entry.json"
    else
        fail "the key named ($kid) is the coordinator's signing key from its entry.json"
    fi

    b directory verify --coordinator "$T/coord/entry.json" --at 2050-06-01T00:00:00+02:00 \
        "$T/directory.jws"
    expect_rc "directory verify --at" 0
    expect_in "directory verify --at" out "checked at:    2050-05-31T22:00:00Z"

    b directory verify --coordinator "$T/coord/entry.json" --json "$T/directory.jws"
    expect_rc "directory verify --json" 0
    expect_in "directory verify --json prints the document" out '"$schema": "urn:baton:directory:1"'
    expect_in "directory verify --json prints the document" out '"oin": "00000001001234567000"'

    b_in "$T/directory.jws" directory verify --coordinator "$T/coord/entry.json" -
    expect_rc "directory verify from standard input" 0
    expect_in "directory verify from standard input" out "<stdin>: valid signed directory"

    b covenant verify --coordinator "$T/coord/entry.json" "$T/covenant.jws"
    expect_rc "covenant verify" 0
    expect_in "covenant verify" out "$T/covenant.jws: valid signed covenant"
    expect_in "covenant verify" out "covenant:      netwerk-lindeveld"
    expect_in "covenant verify" out "valid:         2020-01-01 to 2099-12-31 (Dutch days, both included)"
    expect_in "covenant verify lists the purposes" out \
        "rmc-uit-beeld: 10 routes; legal bases: legal-obligation, public-task; BSN allowed for: legal-obligation"

    # The coordinator rotates its signing key: daemons that still trust only the old key
    # refuse what the new one signed, and the new entry (old and new key) accepts both.
    # The keystore signs with the key that became valid last, and keygen's key became valid
    # when it was made: the new one must begin after that, and not after now.
    sleep 1
    b key rotate --use sig --valid-from "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --keystore "$T/coord/keystore"
    expect_rc "key rotate of the coordinator's signing key" 0
    cp "$T/out" "$T/coord/entry-rotated.json"
    sign_ok directory "$T/directory.json" "$T/rotated.jws" || return
    if cmp -s "$T/rotated.jws" "$T/directory.jws"; then
        check "after the rotation the new key signs" false
    else
        pass "after the rotation the new key signs"
    fi
    b directory verify --coordinator "$T/coord/entry.json" "$T/rotated.jws"
    expect_rc "the new key's signature with only the old key trusted" 1
    expect_in "the new key's signature with only the old key trusted" err \
        "is signed by a key that is not the regional coordinator's"
    b directory verify --coordinator "$T/coord/entry-rotated.json" "$T/rotated.jws"
    expect_rc "the new key's signature with the rotated entry (both keys)" 0
    b directory verify --coordinator "$T/coord/entry-rotated.json" "$T/directory.jws"
    expect_rc "the old key's signature with the rotated entry (both keys)" 0
}

group_refusals() {
    setup || return
    sign_ok directory "$T/directory.json" "$T/directory.jws" || return
    sign_ok covenant "$T/covenant.json" "$T/covenant.jws" || return
    coord=$T/coord/entry.json

    b directory verify --coordinator "$coord" "$T/directory.json"
    expect_rc "an unsigned directory" 1
    expect_in "an unsigned directory" err \
        "the directory is plain JSON, not signed: a directory must be signed by the regional coordinator (baton directory sign)"
    expect_empty "an unsigned directory" out
    b covenant verify --coordinator "$coord" "$EXAMPLES/valid/covenant.json"
    expect_rc "an unsigned covenant" 1
    expect_in "an unsigned covenant" err "a covenant must be signed by the regional coordinator"

    # Signed by another key: a second coordinator's (or anyone's) is not this one.
    keygen other 00000001001234567009 coordinator 'Andere coördinator' || return
    b directory sign --keystore "$T/other/keystore" -o "$T/other.jws" "$T/directory.json"
    expect_rc "another coordinator signs" 0
    b directory verify --coordinator "$coord" "$T/other.jws"
    expect_rc "a directory signed by another key" 1
    expect_in "a directory signed by another key" err \
        "the directory is signed by a key that is not the regional coordinator's (kid "
    # A member's entry is no coordinator key either.
    b directory verify --coordinator "$T/school/entry.json" "$T/directory.jws"
    expect_rc "the school's entry as --coordinator" 1

    # One character changed, in the payload and in the signature.
    jws=$(cat "$T/directory.jws")
    head=${jws%%.*}
    rest=${jws#*.}
    payload=${rest%%.*}
    sig=${rest#*.}
    for where in payload sig; do
        eval "text=\$$where"
        c=$(printf '%s' "$text" | cut -c 40)
        if [ "$c" = A ]; then n=B; else n=A; fi
        changed=$(printf '%s' "$text" | sed "s/^\(.\{39\}\)./\1$n/")
        if [ "$where" = payload ]; then
            printf '%s.%s.%s\n' "$head" "$changed" "$sig" >"$T/changed.jws"
        else
            printf '%s.%s.%s\n' "$head" "$payload" "$changed" >"$T/changed.jws"
        fi
        b directory verify --coordinator "$coord" "$T/changed.jws"
        expect_rc "one character of the $where changed" 1
        expect_in "one character of the $where changed" err "signature does not verify"
    done
    printf '%s.%s.\n' "$head" "$payload" >"$T/nosig.jws"
    b directory verify --coordinator "$coord" "$T/nosig.jws"
    expect_rc "the signature cut off" 1
    printf '%s.%s\n' "$head" "$payload" >"$T/twoparts.jws"
    b directory verify --coordinator "$coord" "$T/twoparts.jws"
    expect_rc "two parts" 1
    expect_in "two parts" err "parts"
    printf 'not a directory\n' >"$T/garbage"
    b directory verify --coordinator "$coord" "$T/garbage"
    expect_rc "neither JSON nor a JWS" 1

    # One kind presented as the other.
    b directory verify --coordinator "$coord" "$T/covenant.jws"
    expect_rc "a covenant presented as a directory" 1
    expect_in "a covenant presented as a directory" err "this is a signed covenant, not a directory"
    b covenant verify --coordinator "$coord" "$T/directory.jws"
    expect_rc "a directory presented as a covenant" 1
    expect_in "a directory presented as a covenant" err "this is a signed directory, not a covenant"

    # Out of date.
    b directory verify --coordinator "$coord" --at 2100-01-01T00:00:00Z "$T/directory.jws"
    expect_rc "an expired directory" 1
    expect_in "an expired directory" err \
        "the directory expired on 2099-12-31T23:59:59Z; ask the regional coordinator for a new one"
    b directory verify --coordinator "$coord" --at 2019-12-31T23:59:59Z "$T/directory.jws"
    expect_rc "a directory not valid yet" 1
    expect_in "a directory not valid yet" err "the directory is not valid yet"
    b directory verify --coordinator "$coord" --at 2099-12-31T23:59:59Z "$T/directory.jws"
    expect_rc "a directory at its last second" 0
    b covenant verify --coordinator "$coord" --at 2099-12-31T23:00:00Z "$T/covenant.jws"
    expect_rc "a covenant after its last Dutch day" 1
    expect_in "a covenant after its last Dutch day" err \
        "the covenant ended on 2099-12-31 (its last day, Dutch time)"
    b covenant verify --coordinator "$coord" --at 2099-12-31T22:59:59Z "$T/covenant.jws"
    expect_rc "a covenant in the last second of its last Dutch day" 0
}

group_usage() {
    b help directory
    expect_rc "help directory" 0
    expect_in "help directory" out "usage: baton directory sign"
    expect_in "help directory says where the coordinator's key comes from" out "entry.json"
    b covenant --help
    expect_rc "covenant --help" 0
    expect_in "covenant --help" out "usage: baton covenant sign"
    b help
    expect_in "help lists directory" out "directory"
    expect_in "help lists covenant" out "covenant"

    b directory
    expect_rc "directory without a subcommand" 2
    expect_in "directory without a subcommand" err "See 'baton help directory'"
    b directory frob
    expect_rc "an unknown subcommand" 2
    expect_in "an unknown subcommand" err "no subcommand 'frob'"
    b directory verify "$T/x.jws"
    expect_rc "verify without --coordinator" 2
    expect_in "verify without --coordinator" err "--coordinator is required"
    b directory verify --coordinator
    expect_rc "--coordinator without a value" 2
    b directory verify --frob --coordinator x x
    expect_rc "an unknown option" 2

    setup || return
    sign_ok directory "$T/directory.json" "$T/directory.jws" || return
    coord=$T/coord/entry.json
    b directory verify --coordinator "$coord" "$T/missing.jws"
    expect_rc "verify of a missing file" 2
    expect_in "verify of a missing file" err "$T/missing.jws"
    b directory verify --coordinator "$T/missing.jwk" "$T/directory.jws"
    expect_rc "a missing coordinator key file" 2
    expect_in "a missing coordinator key file" err "$T/missing.jwk"
    b directory verify --coordinator "$T/coord/keystore" "$T/directory.jws"
    expect_rc "the keystore given as the coordinator's public key" 2
    expect_in "the keystore given as the coordinator's public key" err "--coordinator: "
    b directory verify --coordinator "$coord" --at yesterday "$T/directory.jws"
    expect_rc "--at that is not a date-time" 2
    expect_in "--at that is not a date-time" err "RFC 3339"
    b directory verify --coordinator "$coord" "$T/directory.jws" "$T/directory.jws"
    expect_rc "two files to verify" 2
    b directory sign --keystore "$T/coord/keystore"
    expect_rc "sign without a document" 2
    b directory sign "$T/directory.json"
    expect_rc "sign without a keystore" 2
    expect_in "sign without a keystore" err "BATON_KEYSTORE"
    b directory sign --keystore "$T/missing.keystore" "$T/directory.json"
    expect_rc "sign with a missing keystore" 2
    expect_in "sign with a missing keystore" err "$T/missing.keystore"
}

case $GROUP in
sign) group_sign ;;
verify) group_verify ;;
refusals) group_refusals ;;
usage) group_usage ;;
*)
    echo "$0: unknown group '$GROUP'" >&2
    exit 2
    ;;
esac

finish
