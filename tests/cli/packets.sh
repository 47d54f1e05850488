#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs the built 'baton seal', 'open', 'inspect' and 'receipt verify' as a school and a
# municipality would, in a network made with 'baton keygen', 'baton directory sign' and 'baton
# covenant sign', and checks what they answer, and that every kind of bad packet is refused.
#
# usage: packets.sh BATON SOURCE_DIR GROUP
#   GROUP: seal open inspect receipt refusals usage
# Every check prints "ok - ..." or "FAIL - ..." with what was seen; the last line counts them.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BATON SOURCE_DIR GROUP" >&2
    exit 2
fi
BATON=$1
SRC=$2
GROUP=$3
FORM=$SRC/forms/examples/valid/school-leaver-handover.json
CONSENT=6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60
OIN_COORD=00000001001234567002
OIN_SCHOOL=00000001812345671000
OIN_GEM=00000001001234567000
OIN_UWV=00000001234567890000

CLI_NAME=packets
. "$(dirname "$0")/lib.sh"
unset BATON_KEYSTORE BATON_PASSPHRASE BATON_DIRECTORY BATON_COORDINATOR BATON_COVENANT

# expect_in FILE TEXT DESCRIPTION: FILE ($T/out or $T/err) contains TEXT. This and expect_not_in
# replace lib.sh's, which take DESCRIPTION out|err TEXT.
expect_in() {
    if grep -q -F -e "$2" "$1"; then
        pass "$3"
    else
        fail "$3: '$2' not in $(basename "$1")"
    fi
}

expect_not_in() {
    if grep -q -F -e "$2" "$1"; then
        fail "$3: '$2' in $(basename "$1")"
    else
        pass "$3"
    fi
}

# refused DESCRIPTION TEXT ARG...: baton refuses with exit status 1, says TEXT, shows nothing.
refused() {
    what=$1
    says=$2
    shift 2
    b "$@"
    if [ "$rc" -eq 1 ] && grep -q -F -e "$says" "$T/err" && [ ! -s "$T/out" ]; then
        pass "$what: refused (exit 1, \"$says\")"
    else
        fail "$what: expected exit 1, no output, and \"$says\" on standard error"
    fi
}

# ---- the network ----

keygen() {
    "$BATON" keygen --org "$2" --name "$3" --role "$4" --endpoint "https://$1.example" \
        --out "$T/$1" >/dev/null 2>"$T/err" || {
        echo "setup: keygen $1 failed: $(cat "$T/err")" >&2
        exit 2
    }
}

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
expires=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -v+30d +%Y-%m-%dT%H:%M:%SZ)

# directory NAME ENTRY...: the signed directory $T/NAME.jws of those entries.
directory() {
    name=$1
    shift
    {
        printf '{"$schema":"urn:baton:directory:1","version":1,"issued":"%s","expires":"%s",' \
            "$now" "$expires"
        printf '"organisations":['
        sep=
        for e in "$@"; do
            printf '%s' "$sep"
            cat "$e"
            sep=,
        done
        printf ']}\n'
    } >"$T/$name.json"
    "$BATON" directory sign --keystore "$T/coord/keystore" -o "$T/$name.jws" "$T/$name.json" \
        >/dev/null 2>"$T/err" || {
        echo "setup: directory sign failed: $(cat "$T/err")" >&2
        exit 2
    }
}

keygen coord $OIN_COORD "Coordinatiepunt" coordinator
keygen school $OIN_SCHOOL "Praktijkschool De Brug" school
keygen gem $OIN_GEM "Gemeente Lindeveld" municipality
keygen uwv $OIN_UWV "UWV" uwv
directory directory "$T/coord/entry.json" "$T/school/entry.json" "$T/gem/entry.json" \
    "$T/uwv/entry.json"
"$BATON" covenant sign --keystore "$T/coord/keystore" -o "$T/covenant.jws" \
    "$SRC/forms/examples/valid/covenant.json" >/dev/null 2>"$T/err" || {
    echo "setup: covenant sign failed: $(cat "$T/err")" >&2
    exit 2
}

NET="--directory $T/directory.jws --coordinator $T/coord/entry.json"
SEAL_ARGS="--to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT"

# seal_to KEYSTORE OUT [ARG...]: seals the example handover from the school; exits on failure.
seal_to() {
    ks=$1
    out=$2
    shift 2
    # shellcheck disable=SC2086
    "$BATON" seal --keystore "$T/$ks/keystore" $NET --covenant "$T/covenant.jws" "$@" -o "$out" \
        "$FORM" >/dev/null 2>"$T/err" || {
        echo "setup: seal failed: $(cat "$T/err")" >&2
        exit 2
    }
}

# part N FILE: the N-th dot-separated part of a compact serialization.
part() {
    cut -d. -f"$1" <"$2" | tr -d '\n'
}

b64url_decode() {
    s=$(tr '_-' '/+')
    case $((${#s} % 4)) in
    2) s="$s==" ;;
    3) s="$s=" ;;
    esac
    printf '%s' "$s" | base64 -d
}

b64url_encode() {
    base64 | tr -d '\n=' | tr '+/' '-_'
}

# with_header PACKET SED-EXPRESSION OUT: the packet with its protected header rewritten.
with_header() {
    h=$(part 1 "$1" | b64url_decode | sed "$2" | b64url_encode)
    printf '%s.%s.%s.%s.%s' "$h" "$(part 2 "$1")" "$(part 3 "$1")" "$(part 4 "$1")" \
        "$(part 5 "$1")" >"$3"
}

# flip PACKET N OUT: the packet with one character in the middle of part N changed.
flip() {
    awk -v n="$2" 'BEGIN { FS = "."; OFS = "." }
    {
        p = $n; m = int(length(p) / 2) + 1; c = substr(p, m, 1)
        r = (c == "A") ? "B" : "A"
        $n = substr(p, 1, m - 1) r substr(p, m + 1)
        printf "%s", $0
    }' "$1" >"$3"
}

# ---- the groups ----

group_seal() {
    # shellcheck disable=SC2086
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" $SEAL_ARGS \
        -o "$T/p.packet" "$FORM"
    expect_rc "seal a valid handover" 0
    expect_in "$T/err" "written to $T/p.packet" "seal tells where the packet went"
    expect_in "$T/err" "Gemeente Lindeveld ($OIN_GEM)" "seal names the recipient"
    if [ -f "$T/p.packet" ] && [ "$(tr -cd . <"$T/p.packet" | wc -c)" -eq 4 ] &&
        grep -q '^[A-Za-z0-9_-]*\.\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$' "$T/p.packet"; then
        pass "the packet is one JWE compact serialization with an empty encrypted key"
    else
        fail "the packet is one JWE compact serialization with an empty encrypted key"
    fi
    case $(ls -l "$T/p.packet" | cut -c1-10) in
    -rw-------) pass "the packet file is mode 0600" ;;
    *) fail "the packet file is mode 0600: $(ls -l "$T/p.packet")" ;;
    esac
    if ls "$T" | grep -q 'tmp-'; then
        fail "no temporary file is left behind"
    else
        pass "no temporary file is left behind"
    fi
    if grep -q -e Milan -e 999990548 "$T/p.packet"; then
        fail "the packet does not show the form in the clear"
    else
        pass "the packet does not show the form in the clear"
    fi

    cp "$T/p.packet" "$T/p.keep"
    # shellcheck disable=SC2086
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" $SEAL_ARGS \
        -o "$T/p.packet" "$FORM"
    expect_rc "seal refuses to replace an existing packet" 2
    expect_in "$T/err" "--force" "seal says how to replace it"
    if cmp -s "$T/p.packet" "$T/p.keep"; then pass "the existing packet is unchanged"; else fail "the existing packet is unchanged"; fi
    # shellcheck disable=SC2086
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" $SEAL_ARGS --force \
        -o "$T/p.packet" "$FORM"
    expect_rc "seal --force replaces it" 0
    if cmp -s "$T/p.packet" "$T/p.keep"; then fail "a new packet was written"; else pass "a new packet was written"; fi

    # The environment stands in for the options.
    BATON_KEYSTORE=$T/school/keystore BATON_DIRECTORY=$T/directory.jws \
        BATON_COORDINATOR=$T/coord/entry.json BATON_COVENANT=$T/covenant.jws \
        "$BATON" seal $SEAL_ARGS -o - "$FORM" >"$T/out" 2>"$T/err"
    rc=$?
    last="BATON_...=... baton seal $SEAL_ARGS -o - FORM"
    expect_rc "seal with BATON_KEYSTORE, BATON_DIRECTORY, BATON_COORDINATOR, BATON_COVENANT, to standard output" 0
    if [ "$(tr -cd . <"$T/out" | wc -c)" -eq 4 ]; then pass "standard output holds the packet"; else fail "standard output holds the packet"; fi

    # legal obligation with its law
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" --to $OIN_GEM \
        --purpose warme-overdracht --basis legal-obligation --law "Leerplichtwet 1969, artikel 8" \
        -o "$T/law.packet" "$FORM"
    expect_rc "seal on a legal obligation with --law" 0

    # refusals before sealing
    cp "$FORM" "$T/bad.json"
    sed 's/"leaving_date": "2025-07-11",//; s/"bsn": "999990548"/"bsn": "123456789"/' "$FORM" >"$T/bad.json"
    # shellcheck disable=SC2086
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" $SEAL_ARGS \
        -o "$T/bad.packet" "$T/bad.json"
    expect_rc "seal refuses an invalid form" 1
    expect_in "$T/err" "nothing was sealed (2 errors)" "seal says how many errors"
    expect_in "$T/err" "/young_person/bsn" "seal lists each error with its place"
    if [ -e "$T/bad.packet" ]; then fail "no packet is written for an invalid form"; else pass "no packet is written for an invalid form"; fi
    printf '{"$schema": ' >"$T/broken.json"
    # shellcheck disable=SC2086
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" $SEAL_ARGS \
        -o "$T/bad.packet" "$T/broken.json"
    expect_rc "seal: a form that is not JSON is unusable" 2
    # shellcheck disable=SC2086
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" --to 00000009999999999999 \
        --purpose warme-overdracht --basis consent --consent $CONSENT -o "$T/bad.packet" "$FORM"
    expect_rc "seal refuses a recipient that is not in the directory" 1
    expect_in "$T/err" "no organisation with OIN 00000009999999999999" "seal names the unknown recipient"
    # shellcheck disable=SC2086
    b seal --keystore "$T/school/keystore" $NET $SEAL_ARGS -o "$T/bad.packet" "$FORM"
    expect_rc "seal without a covenant" 2
    expect_in "$T/err" "BATON_COVENANT" "seal says how to give the covenant"
    # a directory signed by someone else than the coordinator
    b seal --keystore "$T/school/keystore" --directory "$T/directory.jws" --coordinator \
        "$T/uwv/entry.json" --covenant "$T/covenant.jws" $SEAL_ARGS -o "$T/bad.packet" "$FORM"
    expect_rc "seal refuses a directory that the coordinator did not sign" 2
    expect_in "$T/err" "the directory refused" "seal says the directory was refused"
    # a keystore whose key the directory does not list
    keygen stranger 00000005555555555555 "Stranger" school
    # shellcheck disable=SC2086
    b seal --keystore "$T/stranger/keystore" $NET --covenant "$T/covenant.jws" $SEAL_ARGS \
        -o "$T/bad.packet" "$FORM"
    expect_rc "seal refuses when our signing key is not in the directory" 1
    expect_in "$T/err" "coordinator to publish" "seal says what to do about it"
    if [ -e "$T/bad.packet" ]; then fail "no packet was written by the refusals"; else pass "no packet was written by the refusals"; fi
}

group_open() {
    seal_to school "$T/p.packet" $SEAL_ARGS
    b open --keystore "$T/gem/keystore" $NET --lang nl "$T/p.packet"
    expect_rc "the municipality opens the packet" 0
    expect_in "$T/out" "Praktijkschool De Brug ($OIN_SCHOOL)" "open names the sender"
    expect_in "$T/out" "Overdracht schoolverlater (urn:baton:form:school-leaver-handover:1)" "open names the form"
    expect_in "$T/out" "Toestemming              $CONSENT" "open shows the consent"
    expect_in "$T/out" "Voornaam: Milan" "open shows the form with Dutch labels"
    expect_in "$T/out" "niet vergeleken" "open says the covenant was not compared"
    b open --keystore "$T/gem/keystore" $NET --covenant "$T/covenant.jws" --lang en "$T/p.packet"
    expect_rc "open with the covenant" 0
    expect_in "$T/out" "First name: Milan" "open --lang en shows English labels"
    expect_in "$T/out" "netwerk-lindeveld (SHA-256" "open shows the covenant"
    b open --keystore "$T/gem/keystore" $NET --json "$T/p.packet"
    expect_rc "open --json" 0
    expect_in "$T/out" "\"iss\": \"$OIN_SCHOOL\"" "open --json has the sender"
    expect_in "$T/out" "\"aud\": \"$OIN_GEM\"" "open --json has the recipient"
    expect_in "$T/out" "\"first_name\": \"Milan\"" "open --json has the form"
    b_in "$T/p.packet" open --keystore "$T/gem/keystore" $NET -
    expect_rc "open reads the packet from standard input" 0
    b open --keystore "$T/gem/keystore" $NET --receipt "$T/r.receipt" "$T/p.packet"
    expect_rc "open --receipt" 0
    if [ -s "$T/r.receipt" ] && [ "$(tr -cd . <"$T/r.receipt" | wc -c)" -eq 2 ]; then
        pass "open wrote the receipt, a JWS"
    else
        fail "open wrote the receipt, a JWS"
    fi
    b open --keystore "$T/gem/keystore" $NET --receipt "$T/r.receipt" "$T/p.packet"
    expect_rc "open --receipt does not replace an existing receipt" 2

    # a covenant other than the packet's
    sed 's/"version": 3/"version": 4/' "$SRC/forms/examples/valid/covenant.json" >"$T/cov4.json"
    "$BATON" covenant sign --keystore "$T/coord/keystore" -o "$T/cov4.jws" "$T/cov4.json" >/dev/null 2>&1
    refused "open under another covenant" "another covenant" open --keystore "$T/gem/keystore" \
        $NET --covenant "$T/cov4.jws" "$T/p.packet"
    # the packet is for the municipality, not for UWV
    refused "UWV opens the municipality's packet" "none of this organisation's encryption keys" \
        open --keystore "$T/uwv/keystore" $NET "$T/p.packet"
    # the sender cannot open what it sent
    refused "the school opens its own packet" "none of this organisation's encryption keys" \
        open --keystore "$T/school/keystore" $NET "$T/p.packet"
}

group_inspect() {
    seal_to school "$T/p.packet" $SEAL_ARGS
    b inspect "$T/p.packet"
    expect_rc "inspect a packet, without any key" 0
    expect_in "$T/out" "from (iss):            $OIN_SCHOOL" "inspect shows the sender"
    expect_in "$T/out" "to (aud):              $OIN_GEM" "inspect shows the recipient"
    expect_in "$T/out" "encrypted" "inspect says the content is encrypted"
    expect_in "$T/out" "Nothing" "inspect says nothing is verified"
    expect_not_in "$T/out" "Milan" "inspect shows nothing of the form"
    b inspect --json "$T/p.packet"
    expect_rc "inspect --json" 0
    expect_in "$T/out" "\"alg\": \"ECDH-ES\"" "inspect --json shows the header"
    expect_in "$T/out" "\"typ\": \"baton-packet+jwe\"" "inspect --json shows the typ"
    printf 'not a packet' >"$T/garbage"
    b inspect "$T/garbage"
    expect_rc "inspect refuses what is not a packet" 1
    expect_in "$T/err" "not a well-formed baton packet" "inspect says so"
    with_header "$T/p.packet" 's/"alg":"ECDH-ES"/"alg":"none"/' "$T/none.packet"
    b inspect "$T/none.packet"
    expect_rc "inspect refuses alg none" 1
    b inspect "$T/missing"
    expect_rc "inspect: a missing file is unusable" 2
}

group_receipt() {
    seal_to school "$T/p.packet" $SEAL_ARGS
    seal_to school "$T/q.packet" $SEAL_ARGS
    "$BATON" open --keystore "$T/gem/keystore" $NET --receipt "$T/r.receipt" "$T/p.packet" \
        >/dev/null 2>&1
    b receipt verify $NET "$T/r.receipt" "$T/p.packet"
    expect_rc "the school verifies the municipality's receipt" 0
    expect_in "$T/out" "received by:         Gemeente Lindeveld ($OIN_GEM)" "receipt verify names who received it"
    BATON_DIRECTORY=$T/directory.jws BATON_COORDINATOR=$T/coord/entry.json \
        "$BATON" receipt verify --json "$T/r.receipt" "$T/p.packet" >"$T/out" 2>"$T/err"
    rc=$?
    last="BATON_DIRECTORY=... baton receipt verify --json"
    expect_rc "receipt verify with BATON_DIRECTORY and BATON_COORDINATOR" 0
    expect_in "$T/out" "\"sha256\"" "receipt verify --json shows the digest"
    refused "a receipt against another packet" "other bytes" receipt verify $NET "$T/r.receipt" "$T/q.packet"
    flip "$T/p.packet" 4 "$T/p-changed.packet"
    refused "a receipt against a changed packet" "other bytes" receipt verify $NET "$T/r.receipt" \
        "$T/p-changed.packet"
    flip "$T/r.receipt" 2 "$T/r-changed.receipt"
    refused "a receipt with a changed claim" "" receipt verify $NET "$T/r-changed.receipt" "$T/p.packet"
    flip "$T/r.receipt" 3 "$T/r-sig.receipt"
    refused "a receipt with a changed signature" "signature" receipt verify $NET "$T/r-sig.receipt" \
        "$T/p.packet"
    refused "the packet given as the receipt" "5 dot-separated parts" receipt verify $NET "$T/p.packet" \
        "$T/r.receipt"
    # the packet's own signed claims (as the recipient sees them) are no receipt: a packet's JWS
    # has another typ; and a receipt is no packet
    refused "a receipt opened as a packet" "3 dot-separated parts" open --keystore "$T/gem/keystore" \
        $NET "$T/r.receipt"
    b receipt verify $NET "$T/r.receipt" "$T/missing"
    expect_rc "receipt verify: a missing file is unusable" 2
}

group_refusals() {
    seal_to school "$T/p.packet" $SEAL_ARGS
    OPEN="open --keystore $T/gem/keystore $NET"
    # shellcheck disable=SC2086
    b $OPEN "$T/p.packet"
    expect_rc "the untouched packet opens" 0

    with_header "$T/p.packet" 's/"alg":"ECDH-ES"/"alg":"none"/' "$T/x.packet"
    refused "alg none" 'alg "none" is refused' $OPEN "$T/x.packet"
    with_header "$T/p.packet" 's/"alg":"ECDH-ES"/"alg":"RSA-OAEP-256"/' "$T/x.packet"
    refused "alg RSA-OAEP-256" 'alg "RSA-OAEP-256" is refused' $OPEN "$T/x.packet"
    with_header "$T/p.packet" 's/"enc":"A256GCM"/"enc":"A128CBC-HS256"/' "$T/x.packet"
    refused "enc A128CBC-HS256" 'enc "A128CBC-HS256" is refused' $OPEN "$T/x.packet"
    with_header "$T/p.packet" 's/^{/{"crit":["exp"],/' "$T/x.packet"
    refused "a crit header" "critical extensions" $OPEN "$T/x.packet"
    with_header "$T/p.packet" 's/"kid":"[^"]*"/"kid":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"/' "$T/x.packet"
    refused "an unknown kid" "none of this organisation's encryption keys" $OPEN "$T/x.packet"
    with_header "$T/p.packet" "s/\"aud\":\"$OIN_GEM\"/\"aud\":\"$OIN_UWV\"/" "$T/x.packet"
    refused "the header re-addressed to UWV (not authentic any more)" "AES-256-GCM authentication failed" \
        $OPEN "$T/x.packet"

    for n in 1 3 4 5; do
        flip "$T/p.packet" $n "$T/x.packet"
        refused "a changed character in part $n of the JWE" "" $OPEN "$T/x.packet"
    done
    printf '%s.AAAA.%s.%s.%s' "$(part 1 "$T/p.packet")" "$(part 3 "$T/p.packet")" \
        "$(part 4 "$T/p.packet")" "$(part 5 "$T/p.packet")" >"$T/x.packet"
    refused "an encrypted key in part 2" "encrypted key part is not empty" $OPEN "$T/x.packet"

    size=$(wc -c <"$T/p.packet")
    # the file ends with a line feed, which is not part of the packet
    head -c $((size - 2)) "$T/p.packet" >"$T/x.packet"
    refused "the last character cut off" "" $OPEN "$T/x.packet"
    head -c $((size / 2)) "$T/p.packet" >"$T/x.packet"
    refused "cut in half" "dot-separated parts" $OPEN "$T/x.packet"
    : >"$T/x.packet"
    refused "an empty file" "dot-separated parts" $OPEN "$T/x.packet"
    { cat "$T/p.packet"; printf 'x'; } >"$T/x.packet"
    refused "trailing garbage" "" $OPEN "$T/x.packet"
    { cat "$T/p.packet"; printf '\n\n'; } >"$T/x.packet"
    refused "two line feeds after it" "" $OPEN "$T/x.packet"
    { cat "$T/p.packet"; printf '.AAAA'; } >"$T/x.packet"
    refused "a sixth part" "6 dot-separated parts" $OPEN "$T/x.packet"
    sed 's/\(.\{40\}\)./\1+/' "$T/p.packet" >"$T/x.packet"
    refused "invalid base64url ('+')" "'+'" $OPEN "$T/x.packet"
    head -c 4194400 /dev/zero | tr '\0' A >"$T/x.packet"
    refused "an oversized packet" "limit" $OPEN "$T/x.packet"

    "$BATON" open --keystore "$T/gem/keystore" $NET --receipt "$T/r.receipt" "$T/p.packet" \
        >/dev/null 2>&1
    refused "a receipt presented as a packet" "3 dot-separated parts" $OPEN "$T/r.receipt"
    seal_to school "$T/uwv.packet" --to $OIN_UWV --purpose warme-overdracht --basis consent \
        --consent $CONSENT
    refused "a packet addressed to UWV" "none of this organisation's encryption keys" $OPEN \
        "$T/uwv.packet"

    # The school's signing key, as a later directory lists it, was valid only in 2020.
    sed 's/"validFrom": "[^"]*"/"validFrom": "2020-01-01T00:00:00Z"/; s/"validUntil": "[^"]*"/"validUntil": "2021-01-01T00:00:00Z"/' \
        "$T/school/entry.json" >"$T/school-expired.json"
    directory expired "$T/coord/entry.json" "$T/school-expired.json" "$T/gem/entry.json"
    refused "a signature by a key outside its validity" "is valid from 2020-01-01T00:00:00Z until" open --keystore \
        "$T/gem/keystore" --directory "$T/expired.jws" --coordinator "$T/coord/entry.json" \
        "$T/p.packet"
    # and a directory without the school at all
    directory noschool "$T/coord/entry.json" "$T/gem/entry.json"
    refused "a sender that is not in the directory" "no organisation in the directory" open \
        --keystore "$T/gem/keystore" --directory "$T/noschool.jws" --coordinator \
        "$T/coord/entry.json" "$T/p.packet"
}

group_usage() {
    b seal
    expect_rc "seal without arguments" 2
    b seal --help
    expect_rc "seal --help" 0
    expect_in "$T/out" "BATON_KEYSTORE" "seal --help names BATON_KEYSTORE"
    expect_in "$T/out" "BATON_DIRECTORY" "seal --help names BATON_DIRECTORY"
    expect_in "$T/out" "BATON_COORDINATOR" "seal --help names BATON_COORDINATOR"
    b open --help
    expect_rc "open --help" 0
    expect_in "$T/out" "BATON_COORDINATOR" "open --help names BATON_COORDINATOR"
    b inspect --help
    expect_rc "inspect --help" 0
    b receipt --help
    expect_rc "receipt --help" 0
    b help seal
    expect_rc "help seal" 0
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" --purpose p1 \
        --basis consent --consent $CONSENT -o "$T/x" "$FORM"
    expect_rc "seal without --to" 2
    expect_in "$T/err" "--to OIN is required" "seal says --to is missing"
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" --to $OIN_GEM \
        --purpose p1 --basis consent -o "$T/x" "$FORM"
    expect_rc "seal --basis consent without --consent" 2
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" --to $OIN_GEM \
        --purpose p1 --basis public-task -o "$T/x" "$FORM"
    expect_rc "seal --basis public-task without --law" 2
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" --to $OIN_GEM \
        --purpose p1 --basis legitimate-interest -o "$T/x" "$FORM"
    expect_rc "seal --basis legitimate-interest" 2
    b seal --keystore "$T/school/keystore" $NET --covenant "$T/covenant.jws" $SEAL_ARGS "$FORM"
    expect_rc "seal without -o" 2
    b seal --keystore "$T/school/keystore" --covenant "$T/covenant.jws" $SEAL_ARGS -o "$T/x" "$FORM"
    expect_rc "seal without a directory" 2
    expect_in "$T/err" "BATON_DIRECTORY" "seal says how to give the directory"
    b seal --bogus
    expect_rc "seal --bogus" 2
    b open $NET "$T/x"
    expect_rc "open without a keystore" 2
    expect_in "$T/err" "BATON_KEYSTORE" "open says how to give the keystore"
    b open --keystore "$T/gem/keystore" $NET
    expect_rc "open without a packet" 2
    b open --keystore "$T/gem/keystore" $NET "$T/missing"
    expect_rc "open: a missing packet file is unusable" 2
    b inspect
    expect_rc "inspect without a packet" 2
    b receipt
    expect_rc "receipt without a subcommand" 2
    b receipt sign x y
    expect_rc "receipt sign (no such subcommand)" 2
    b receipt verify $NET onlyone
    expect_rc "receipt verify with one file" 2
    [ -e "$T/x" ] && fail "no output was written by a usage error" || pass "no output was written by a usage error"
}

case $GROUP in
seal | open | inspect | receipt | refusals | usage) "group_$GROUP" ;;
*)
    echo "$0: unknown group '$GROUP'" >&2
    exit 2
    ;;
esac

finish
