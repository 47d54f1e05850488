#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs the built 'baton validate' as a person or a script would, and checks what it answers.
#
# usage: validate.sh BATON CLI_JSON SOURCE_DIR GROUP
#   GROUP: examples-valid examples-invalid lang json stdin hostile usage
# Every check prints "ok - ..." or "FAIL - ..." with what was seen; the last line counts them.
set -u

if [ $# -ne 4 ]; then
    echo "usage: $0 BATON CLI_JSON SOURCE_DIR GROUP" >&2
    exit 2
fi
BATON=$1
CLI_JSON=$2
SRC=$3
GROUP=$4
VALID_DIR=$SRC/forms/examples/valid
INVALID_DIR=$SRC/forms/examples/invalid

CLI_NAME=cli
. "$(dirname "$0")/lib.sh"

# expect_re DESCRIPTION out|err EXTENDED-REGEX
expect_re() {
    if grep -E -q -e "$3" "$T/$2"; then
        pass "$1: std$2 matches /$3/"
    else
        fail "$1: std$2 does not match /$3/"
    fi
}

# The example forms; none found is a failure, never a silent pass.
examples() {
    found=0
    for f in "$1"/*.json; do
        [ -e "$f" ] || continue
        [ "$(basename "$f")" = expected.json ] && continue
        found=1
        printf '%s\n' "$f"
    done
    if [ $found -eq 0 ]; then
        echo "no example forms in $1" >&2
    fi
}

need_examples() {
    if [ -z "$(examples "$1" 2>/dev/null)" ]; then
        last="ls $1"
        rc=-
        : >"$T/out"
        : >"$T/err"
        fail "example forms exist in $1"
        return 1
    fi
    return 0
}

first_valid() {
    examples "$VALID_DIR" | head -n 1
}

# A valid example of the school-leaver handover, the form most checks here are about.
valid_handover() {
    for f in $(examples "$VALID_DIR"); do
        if grep -q '"urn:baton:form:school-leaver-handover:1"' "$f"; then
            printf '%s\n' "$f"
            return
        fi
    done
    first_valid
}

group_examples_valid() {
    need_examples "$VALID_DIR" || return
    examples "$VALID_DIR" >"$T/valid.list"
    while IFS= read -r f; do
        b validate "$f"
        expect_rc "valid example $(basename "$f")" 0
        expect_in "valid example $(basename "$f")" out "$f: valid (urn:baton:"
        expect_empty "valid example $(basename "$f")" err
    done <"$T/valid.list"
    set --
    while IFS= read -r f; do
        set -- "$@" "$f"
    done <"$T/valid.list"
    b validate "$@"
    expect_rc "all $# valid examples at once" 0
}

group_examples_invalid() {
    need_examples "$INVALID_DIR" || return
    if ! "$CLI_JSON" expected "$INVALID_DIR/expected.json" >"$T/expected.tsv"; then
        last="cli_json expected $INVALID_DIR/expected.json"
        rc=-
        fail "expected.json lists what each invalid example must report"
        return
    fi
    # Every invalid example has an expectation, and every expectation an example.
    examples "$INVALID_DIR" >"$T/invalid.list"
    while IFS= read -r f; do
        name=$(basename "$f")
        if cut -f 1 "$T/expected.tsv" | grep -F -x -q -e "$name"; then
            pass "expected.json covers $name"
        else
            last="grep $name expected.json"
            rc=-
            fail "expected.json has no entry for $name"
        fi
    done <"$T/invalid.list"
    tab=$(printf '\t')
    while IFS=$tab read -r name kw loc; do
        f=$INVALID_DIR/$name
        if [ ! -f "$f" ]; then
            last="test -f $f"
            rc=-
            fail "expected.json names $name, which exists"
            continue
        fi
        shown=$loc
        [ -z "$shown" ] && shown="(top level)"
        b validate --lang en "$f"
        expect_rc "invalid example $name" 1
        expect_in "invalid example $name" out "$f: $shown: "
        expect_in "invalid example $name names the rule" out "[schema: urn:baton:"
        expect_not_in "invalid example $name" out "$f: valid"
        b validate --json "$f"
        expect_rc "invalid example $name --json" 1
        if "$CLI_JSON" report "$T/out" >"$T/flat.tsv" 2>"$T/flat.err"; then
            if awk -F "$tab" -v f="$f" -v loc="$loc" -v kw="$kw" '
                $1 == f && $2 == "error" && $3 == loc &&
                substr($4, length($4) - length(kw)) == "/" kw { found = 1 }
                END { exit !found }' "$T/flat.tsv"; then
                pass "invalid example $name --json: error at '$loc' by keyword '$kw'"
            else
                fail "invalid example $name --json: no error at '$loc' by keyword '$kw'"
            fi
        else
            cat "$T/flat.err" >>"$T/err"
            fail "invalid example $name --json: report has the documented shape"
        fi
    done <"$T/expected.tsv"
}

# A schema of our own with both labels, so that the test knows which words must appear.
write_label_schema() {
    cat >"$T/label-schema.json" <<'EOF'
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:baton:test:labels:1",
  "title": "Testformulier",
  "x-en": {"title": "Test form"},
  "type": "object",
  "required": ["postcode"],
  "properties": {
    "postcode": {
      "title": "Postcode van het woonadres",
      "x-en": {"title": "Home address postcode"},
      "type": "string",
      "format": "postcode"
    }
  }
}
EOF
    printf '{"postcode": "99999"}\n' >"$T/label-form.json"
}

group_lang() {
    write_label_schema
    b validate --schema "$T/label-schema.json" --lang en "$T/label-form.json"
    expect_rc "--lang en" 1
    expect_in "--lang en" out "Home address postcode"
    expect_not_in "--lang en" out "Postcode van het woonadres"
    expect_in "--lang en" out "$T/label-form.json: /postcode: "
    cp "$T/out" "$T/out-en"
    b validate --schema "$T/label-schema.json" --lang nl "$T/label-form.json"
    expect_rc "--lang nl" 1
    expect_in "--lang nl" out "Postcode van het woonadres"
    expect_not_in "--lang nl" out "Home address postcode"
    if cmp -s "$T/out" "$T/out-en"; then
        fail "--lang en and --lang nl give different messages"
    else
        pass "--lang en and --lang nl give different messages"
    fi
    cp "$T/out" "$T/out-nl"

    # Without --lang: Dutch, unless the locale says English.
    last="LC_ALL= LC_MESSAGES= LANG= baton validate ..."
    LC_ALL='' LC_MESSAGES='' LANG='' "$BATON" validate --schema "$T/label-schema.json" \
        "$T/label-form.json" >"$T/out" 2>"$T/err"
    rc=$?
    sanitizer_check
    expect_in "no locale, no --lang: Dutch" out "Postcode van het woonadres"
    last="LC_ALL= LC_MESSAGES= LANG=en_GB.UTF-8 baton validate ..."
    LC_ALL='' LC_MESSAGES='' LANG=en_GB.UTF-8 "$BATON" validate --schema "$T/label-schema.json" \
        "$T/label-form.json" >"$T/out" 2>"$T/err"
    rc=$?
    sanitizer_check
    expect_in "LANG=en_GB.UTF-8, no --lang: English" out "Home address postcode"
    last="LC_ALL=en_US.UTF-8 LANG=nl_NL.UTF-8 baton validate ..."
    LC_ALL=en_US.UTF-8 LANG=nl_NL.UTF-8 "$BATON" validate --schema "$T/label-schema.json" \
        "$T/label-form.json" >"$T/out" 2>"$T/err"
    rc=$?
    sanitizer_check
    expect_in "LC_ALL overrides LANG" out "Home address postcode"
    last="LANG=en_GB.UTF-8 baton validate --lang nl ..."
    LC_ALL='' LANG=en_GB.UTF-8 "$BATON" validate --lang nl --schema "$T/label-schema.json" \
        "$T/label-form.json" >"$T/out" 2>"$T/err"
    rc=$?
    sanitizer_check
    expect_in "--lang overrides the locale" out "Postcode van het woonadres"

    b validate --lang de "$T/label-form.json"
    expect_rc "--lang de" 2
    expect_in "--lang de" err "--lang must be 'nl' or 'en'"

    # The catalogue's own forms: the two languages differ there too.
    need_examples "$INVALID_DIR" || return
    f=$(examples "$INVALID_DIR" | head -n 1)
    b validate --lang en "$f"
    cp "$T/out" "$T/out-en"
    b validate --lang nl "$f"
    if cmp -s "$T/out" "$T/out-en"; then
        fail "$(basename "$f"): English and Dutch messages differ"
    else
        pass "$(basename "$f"): English and Dutch messages differ"
    fi
}

group_json() {
    need_examples "$VALID_DIR" || return
    need_examples "$INVALID_DIR" || return
    good=$(first_valid)
    bad=$(examples "$INVALID_DIR" | head -n 1)
    b validate --json "$good" "$bad" "$T/missing.json"
    expect_rc "--json with a valid, an invalid and a missing file" 2
    if ! "$CLI_JSON" report "$T/out" >"$T/flat.tsv" 2>"$T/flat.err"; then
        cat "$T/flat.err" >>"$T/err"
        fail "--json output is a JSON array of entries in the basic output format"
        return
    fi
    pass "--json output is a JSON array of entries in the basic output format"
    cp "$T/flat.tsv" "$T/out"
    tab=$(printf '\t')
    expect_in "--json" out "$good${tab}valid${tab}true"
    expect_in "--json" out "$good${tab}schema${tab}urn:baton:"
    expect_in "--json" out "$bad${tab}valid${tab}false"
    expect_in "--json: errors with instanceLocation" out "$bad${tab}error${tab}"
    expect_in "--json" out "$T/missing.json${tab}valid${tab}false"
    expect_in "--json" out "$T/missing.json${tab}unusable${tab}"
    if [ "$(cut -f 1 "$T/flat.tsv" | uniq)" = "$(printf '%s\n%s\n%s' "$good" "$bad" "$T/missing.json")" ]; then
        pass "--json: one entry per file, in the order given"
    else
        fail "--json: one entry per file, in the order given"
    fi
}

group_stdin() {
    need_examples "$VALID_DIR" || return
    good=$(first_valid)
    b_in "$good" validate -
    expect_rc "a valid form on standard input" 0
    expect_in "a valid form on standard input" out "<stdin>: valid (urn:baton:"
    if need_examples "$INVALID_DIR"; then
        b_in "$(examples "$INVALID_DIR" | head -n 1)" validate --lang en -
        expect_rc "an invalid form on standard input" 1
        expect_in "an invalid form on standard input" out "<stdin>: "
    fi
    printf '{"a": 1, "a": 2}' >"$T/dup.json"
    b_in "$T/dup.json" validate -
    expect_rc "a duplicate key on standard input" 2
    b_in "$good" validate - -
    expect_rc "'-' twice" 2
    expect_in "'-' twice" err "only once"
    b_in "$good" validate --json -
    expect_rc "--json -" 0
    expect_in "--json -" out '"file": "<stdin>"'
}

group_hostile() {
    # A syntax error at a known place: line 3, where the value is missing.
    printf '{\n  "a": 1,\n  "b": ,\n  "c": 3\n}\n' >"$T/syntax.json"
    b validate "$T/syntax.json"
    expect_rc "a syntax error" 2
    expect_re "a syntax error is shown at FILE:LINE:COLUMN" err "^$T/syntax.json:3:[0-9]+: "
    expect_empty "a syntax error" out

    printf '{"$schema": "urn:baton:form:school-leaver-handover:1",\n "youngPerson": {"bsn": "1", "bsn": "2"}}\n' \
        >"$T/dup.json"
    b validate "$T/dup.json"
    expect_rc "a duplicate key" 2
    expect_re "a duplicate key is named, with its place" err "^$T/dup.json:2:[0-9]+: .*bsn"
    expect_in "a duplicate key" err "duplicate"

    printf '{"$schema": "urn:baton:form:school-leaver-handover:1", "name": "Jan \377"}\n' \
        >"$T/utf8.json"
    b validate "$T/utf8.json"
    expect_rc "invalid UTF-8" 2
    expect_in "invalid UTF-8" err "$T/utf8.json"
    expect_in "invalid UTF-8 is named as such" err "UTF-8"

    printf '{"name": "\300\257"}' >"$T/overlong.json"
    b validate "$T/overlong.json"
    expect_rc "an overlong UTF-8 sequence" 2

    printf '{"name": "\\ud800"}' >"$T/surrogate.json"
    b validate "$T/surrogate.json"
    expect_rc "a lone surrogate escape" 2

    printf '{"name": "a\\u0000b"}' >"$T/nul.json"
    b validate "$T/nul.json"
    expect_rc "a NUL character in a string" 2

    awk 'BEGIN { for (i = 0; i < 100; i++) printf "["; for (i = 0; i < 100; i++) printf "]" }' \
        >"$T/deep.json"
    b validate "$T/deep.json"
    expect_rc "100 levels of nesting" 2
    expect_in "too deep" err "$T/deep.json"
    expect_re "too deep is named as such" err "(deep|depth|nest)"

    # Far deeper than any stack would survive if the parser recursed before checking.
    awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"a\":"; printf "1";
                 for (i = 0; i < 200000; i++) printf "}" }' >"$T/deeper.json"
    b validate "$T/deeper.json"
    expect_rc "200000 levels of nesting (and 1.4 MB)" 2

    # One byte over the limit of 1 MiB.
    { printf '{"a": "'; dd if=/dev/zero bs=1024 count=1024 2>/dev/null | tr '\0' x; printf '"}'; } \
        >"$T/big.json"
    b validate "$T/big.json"
    expect_rc "a file over 1 MiB" 2
    expect_in "too big" err "$T/big.json"
    expect_re "too big is named as such" err "(MiB|bytes|large|big)"
    b_in "$T/big.json" validate -
    expect_rc "over 1 MiB on standard input" 2

    : >"$T/empty.json"
    b validate "$T/empty.json"
    expect_rc "an empty file" 2
    expect_in "an empty file" err "$T/empty.json"

    # Terminal escape sequences, in a duplicated key and in a file name, must not reach the
    # terminal as they are: they could clear it, or hide or fake lines.
    printf '{"\\u001b[2J\\u009b1m": 1, "\\u001b[2J\\u009b1m": 2}' >"$T/escape.json"
    b validate "$T/escape.json"
    expect_rc "terminal escapes in a key" 2
    if od -c "$T/err" | grep -q -e '033' -e '302 233'; then
        fail "terminal escapes in a key are not printed raw"
    else
        pass "terminal escapes in a key are not printed raw"
    fi
    esc=$(printf '\033')
    printf '[]' >"$T/x${esc}[2J.json"
    b validate "$T/x${esc}[2J.json"
    expect_rc "terminal escapes in a file name" 2
    if od -c "$T/err" | grep -q '033'; then
        fail "terminal escapes in a file name are not printed raw"
    else
        pass "terminal escapes in a file name are not printed raw"
    fi

    printf '[1, 2, 3]' >"$T/array.json"
    b validate "$T/array.json"
    expect_rc "a form that is an array" 2

    b validate "$T"
    expect_rc "a directory instead of a file" 2
}

group_usage() {
    b --version
    expect_rc "--version" 0
    expect_re "--version" out "^baton [0-9]+\.[0-9]+\.[0-9]+"
    b
    expect_rc "no command" 2
    expect_in "no command" err "usage: baton"
    b help
    expect_rc "help" 0
    expect_in "help" out "validate"
    b help validate
    expect_rc "help validate" 0
    expect_in "help validate" out "usage: baton validate"
    b validate --help
    expect_rc "validate --help" 0
    expect_in "validate --help" out "--catalogue-list"
    b help nosuch
    expect_rc "help for an unknown command" 2
    b nosuch
    expect_rc "an unknown command" 2
    expect_in "an unknown command" err "no command 'nosuch'"

    b validate
    expect_rc "validate without FILE" 2
    expect_in "validate without FILE" err "See 'baton help validate'"
    b validate --frobnicate x.json
    expect_rc "an unknown option" 2
    expect_in "an unknown option" err "unknown option '--frobnicate'"
    expect_in "an unknown option" err "See 'baton help validate'"
    b validate --schema
    expect_rc "--schema without a value" 2
    expect_in "--schema without a value" err "needs a value"
    b validate --json=yes x.json
    expect_rc "--json=yes" 2

    b validate "$T/missing.json"
    expect_rc "a missing file" 2
    expect_in "a missing file" err "$T/missing.json"

    b validate --catalogue-list
    expect_rc "--catalogue-list" 0
    expect_in "--catalogue-list" out "urn:baton:form:school-leaver-handover:1"
    expect_in "--catalogue-list" out "urn:baton:defs:1"
    b validate --catalogue-list --json
    expect_rc "--catalogue-list --json" 0
    expect_in "--catalogue-list --json" out '"id": "urn:baton:form:school-leaver-handover:1"'

    need_examples "$VALID_DIR" || return
    good=$(valid_handover)
    b validate --schema urn:baton:form:no-such-form:1 "$good"
    expect_rc "an unknown --schema id" 2
    expect_in "an unknown --schema id" err "no such schema"
    expect_in "an unknown --schema id" err "--catalogue-list"
    b validate --schema "$T/no-such-schema.json" "$good"
    expect_rc "a missing --schema file" 2
    expect_in "a missing --schema file" err "$T/no-such-schema.json"
    b validate --schema urn:baton:form:school-leaver-handover:1 "$good"
    expect_rc "--schema with a catalogue id" 0
    printf '{"type": "object"}' >"$T/noid-schema.json"
    b validate --schema "$T/noid-schema.json" "$good"
    expect_rc "a --schema file without \$id" 2
    expect_in "a --schema file without \$id" err '"$id"'

    # format asserts, so a format baton does not know would accept anything: refused.
    printf '{"$id": "urn:baton:test:format:1", "format": "nope"}' >"$T/format-schema.json"
    b validate --schema "$T/format-schema.json" "$good"
    expect_rc "a --schema file with an unknown format" 2
    expect_in "a --schema file with an unknown format" err '"nope"'

    printf '{"young_person": {}}\n' >"$T/noschema.json"
    b validate "$T/noschema.json"
    expect_rc "a form without \$schema" 2
    expect_in "a form without \$schema" err '"$schema"'
    expect_in "a form without \$schema says how to fix it" err "--catalogue-list"
    printf '{"$schema": "urn:baton:form:no-such-form:1"}\n' >"$T/unknown.json"
    b validate "$T/unknown.json"
    expect_rc "a form naming an unknown schema" 2
    expect_in "a form naming an unknown schema" err "$T/unknown.json"

    if need_examples "$INVALID_DIR"; then
        bad=$(examples "$INVALID_DIR" | head -n 1)
        b validate "$good" "$bad"
        expect_rc "a valid and an invalid form" 1
        expect_in "a valid and an invalid form" out "$good: valid"
        b validate "$good" "$bad" "$T/missing.json"
        expect_rc "valid, invalid and missing: the worst decides" 2
        expect_in "the files after a bad one are still checked" out "$bad: "
    fi
}

case $GROUP in
examples-valid) group_examples_valid ;;
examples-invalid) group_examples_invalid ;;
lang) group_lang ;;
json) group_json ;;
stdin) group_stdin ;;
hostile) group_hostile ;;
usage) group_usage ;;
*)
    echo "$0: unknown group '$GROUP'" >&2
    exit 2
    ;;
esac

finish
