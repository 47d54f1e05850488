#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Roles on the admin API through real daemons: the school and the municipality each know three
# tokens (a caseworker, a privacy officer, an administrator) and give the caseworker and
# administrator roles to uids that are not the test's, so that the test's own uid gets nothing
# without a token. The caseworker sends and reads a form; the privacy officer gets the audit and
# the listings but 403 on a form's content (and the refusal is audited with who asked); the
# administrator may not send, and alone sees the set-up (configuration, directory, keys); no token, a wrong token or a token file others may read: refused.
# A daemon without roles configured warns at start and still lets its own user do everything.
set -u
. "$(dirname "$0")/lib.sh"

net || finish

TOK_CW=cw-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOK_PO=po-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOK_AD=ad-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
sha() {
    printf %s "$1" | sha256sum | cut -d' ' -f1
}
me=$(id -u)
other1=$((me + 1001))
other2=$((me + 1002))
for org in school gemeente; do
    {
        echo "# NAME ROLE SHA256-OF-TOKEN"
        echo "desk caseworker $(sha "$TOK_CW")"
        echo "helpdesk privacy-officer $(sha "$TOK_PO")"
        echo "ops administrator $(sha "$TOK_AD")"
    } >"$W/$org/tokens"
    chmod 600 "$W/$org/tokens"
    conf $org "tokens = tokens" "caseworkers = $other1" "administrators = $other2"
done

# as TOKEN COMMAND...: COMMAND with $BATON_TOKEN set to TOKEN ("" for none); its status.
as() {
    if [ -n "$1" ]; then
        BATON_TOKEN=$1
        export BATON_TOKEN
    else
        unset BATON_TOKEN
    fi
    shift
    "$@"
    st=$?
    unset BATON_TOKEN
    return $st
}

# actor NAME EVENT PACKET: the actor of NAME's audit entries EVENT about PACKET, one a line.
actor() {
    "$HELPER" query "$W/$1/store.db" \
        "SELECT coalesce(actor, '-') FROM audit WHERE event = '$2' AND packet = '$3' ORDER BY seq"
}

# The school's start registers the example consent through baton: as its caseworker.
BATON_TOKEN=$TOK_CW
export BATON_TOKEN
start school || finish
start gemeente || finish
unset BATON_TOKEN
check "a daemon with roles does not warn that none are configured" \
    test "$(grep -c 'no roles configured' "$W/school/log")" = 0
check "the consent registered at the school's start is audited with the caseworker's token" \
    test "$("$HELPER" query "$W/school/store.db" "SELECT actor FROM audit WHERE event = 'consent-added'" | grep -c 'token desk (uid .*), caseworker')" = 1

# ---- no token, a wrong token ----
b school outbox
check "without a token the test's uid (in no role) is refused: exit 1" test $rc -eq 1
check "... and told it has no role and whom to ask" grep -q "has no role on this batond" "$W/err"
api school GET /v1/outbox
check "... the admin API answers 403 with code role" \
    test "$code $(j "$W/out" code)" = "403 role"
api school GET /v1/health
check "GET /v1/health needs no role" test "$code" = 200
as "not-a-token" b school outbox
rc=$?
check "a wrong token is refused: exit 1" test $rc -eq 1
check "... saying the token is not one of batond's" grep -q "not one of this batond's tokens" \
    "$W/err"
as "$(printf 'x\r\nX-Role: caseworker')" b school outbox
rc=$?
check "a token with a line break (a second header) is refused by baton: exit 2" test $rc -eq 2
check "... saying what a token may hold" grep -q "visible characters without spaces" "$W/err"
as "$TOK_CW" api school GET /v1/audit
check "the caseworker may not read the audit trail (403)" test "$code" = 403
check "... and is told to ask a privacy officer or an administrator" \
    grep -q "ask a privacy officer or an administrator" "$W/out"

# ---- the administrator may not send ----
as "$TOK_AD" b school send --to $OIN_GEM --purpose warme-overdracht --basis consent \
    --consent $CONSENT "$FORM"
rc=$?
check "the administrator may not send a form: exit 1" test $rc -eq 1
check "... 'your role administrator may not send a form'" \
    grep -q "your role administrator may not send a form" "$W/err"
check "... and nothing was queued" test "$(as "$TOK_CW" count school outbox)" = 0
as "$TOK_AD" api school GET /v1/audit
check "the administrator may read the audit trail (200)" test "$code" = 200

# ---- the caseworker sends ----
id=$(as "$TOK_CW" send_handover)
check "the caseworker sends a handover" test -n "$id"
waitfor 15 as "$TOK_CW" is_state school "$id" delivered
check "... and it is delivered" test $? -eq 0
check "the school's audit entries of the send name the caseworker's token and role" \
    test "$(actor school submitted "$id")" != "" -a \
    "$(actor school submitted "$id" | grep -c 'token desk (uid .*), caseworker')" = 1 -a \
    "$(actor school sealed "$id" | grep -c 'token desk (uid .*), caseworker')" = 1
check "the delivery (batond's own doing) has no actor" test "$(actor school delivered "$id")" = "-"
as "$TOK_PO" b school export "$id" -o "$W/po.packet"
rc=$?
check "the privacy officer may not export a sealed packet: exit 1, no file" \
    test "$rc" -eq 1 -a ! -e "$W/po.packet"
as "$TOK_CW" b school export "$id" -o "$W/cw.packet"
check "the caseworker may" test $? -eq 0 -a -s "$W/cw.packet"
check "the export is audited with the caseworker's token" \
    test "$(actor school exported "$id" | grep -c 'token desk (uid .*), caseworker')" = 1

# ---- at the municipality: the privacy officer lists, but may not read ----
as "$TOK_PO" b gemeente inbox --json
rc=$?
check "the privacy officer lists the inbox" test $rc -eq 0 -a "$(j "$W/out" items.0.id)" = "$id"
check "... without the form's content" test -z "$(j "$W/out" items.0.form)"
as "$TOK_PO" b gemeente show "$id"
rc=$?
check "the privacy officer may not read the form: exit 1" test $rc -eq 1
check "... 'your role privacy-officer may not read a form's content; ask a caseworker'" \
    grep -q "your role privacy-officer may not read a form's content (GET /v1/inbox/$id); ask a caseworker" \
    "$W/err"
check "... nothing of the form was shown" test "$(cat "$W/out" "$W/err" | grep -c Haan)" = 0
check "the refusal is audited with the privacy officer's token and role" \
    test "$(actor gemeente refused-role "$id" | grep -c 'token helpdesk (uid .*), privacy-officer')" = 1
as "$TOK_PO" api gemeente GET '/v1/audit?limit=1000'
check "the privacy officer reads the audit trail (200)" test "$code" = 200
check "... which holds the refusal (refused-role)" grep -q '"refused-role"' "$W/out"
as "$TOK_PO" api gemeente GET /v1/inbox/$id/accept
check "a request the table does not know (GET .../accept) is refused for every role" \
    test "$code $(j "$W/out" code)" = "403 role"
as "$TOK_AD" api gemeente GET /v1/inbox/$id
check "the administrator may not read the form either (403)" test "$code" = 403
check "the form was not viewed by anyone yet" test "$(actor gemeente viewed "$id")" = ""

# ---- the caseworker reads and accepts, with --token-file ----
printf '%s\n' "$TOK_CW" >"$W/cw.token"
chmod 644 "$W/cw.token"
b gemeente show --token-file "$W/cw.token" "$id"
check "a token file others may read is refused by baton: exit 2" test $rc -eq 2
check "... saying chmod 600" grep -q "chmod 600" "$W/err"
chmod 600 "$W/cw.token"
b gemeente show --token-file "$W/cw.token" "$id"
check "the caseworker reads the form (--token-file)" test $rc -eq 0
check "... and sees its content" grep -q Haan "$W/out"
check "the reading is audited as viewed, with the caseworker's token and the young person" \
    test "$("$HELPER" query "$W/gemeente/store.db" "SELECT actor || '|' || length(subject) FROM audit WHERE event = 'viewed' AND packet = '$id'" | grep -c 'token desk (uid .*), caseworker|32')" = 1
as "$TOK_PO" b gemeente accept --by "Fatima, privacy" "$id"
rc=$?
check "the privacy officer may not accept" test $rc -eq 1
b gemeente accept --token-file "$W/cw.token" --by "Sanne Bakker, jongerencoach" "$id"
check "the caseworker accepts" test $rc -eq 0
check "... audited with the caseworker's token" \
    test "$(actor gemeente accepted "$id" | grep -c 'token desk (uid .*), caseworker')" = 1
waitfor 15 as "$TOK_PO" is_state school "$id" accepted
check "the school's privacy officer sees the handover accepted (outbox status)" test $? -eq 0

# ---- the administrator's view of the set-up: configuration, directory, keys ----
as "$TOK_AD" b school setup config
check "the administrator reads the configuration (baton setup config)" test $rc -eq 0
check "... with the keys in force" grep -Eq '^  delivery_workers +4$' "$W/out"
check "... and the tokens file's path" grep -q "tokens .*$W/school/tokens" "$W/out"
as "$TOK_AD" b school setup directory
check "the administrator reads the directory and covenant (baton setup directory)" test $rc -eq 0
check "... with the members" grep -q "$OIN_GEM" "$W/out"
check "... and both usable" test "$(grep -c '^  usable *true$' "$W/out")" = 2
as "$TOK_AD" b school setup keys --json
check "the administrator reads the public keys (baton setup keys)" test $rc -eq 0
check "... the entry with its TLS pin, no private key" \
    sh -c "grep -q '\"tls_pin\"' '$W/out' && ! grep -q '\"d\":' '$W/out'"
check "the looks are audited as setup-viewed, with the administrator's token" \
    test "$("$HELPER" query "$W/school/store.db" "SELECT count(*) FROM audit WHERE event = 'setup-viewed' AND actor LIKE 'token ops%administrator'")" = 3
as "$TOK_CW" b school setup config
check "a caseworker may not read the configuration: exit 1" test $rc -eq 1
check "... 'your role caseworker may not read batond's configuration'" \
    grep -q "your role caseworker may not read batond's configuration" "$W/err"
as "$TOK_PO" api school GET /v1/keys
check "a privacy officer may not read the keys either (403)" test "$code" = 403

# ---- a daemon without roles: warns, its own user does everything ----
start uwv || finish
waitfor 10 grep -q ' started ' "$W/uwv/log" # start may return before the log exists
check "a daemon without roles warns at start: no roles configured" \
    grep -q "no roles configured" "$W/uwv/log"
b uwv inbox
check "... and its own user may use it without a token" test $rc -eq 0
api uwv GET /v1/audit
check "... every role: the audit too" test "$code" = 200

stop school
stop gemeente
stop uwv
finish
