#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The web page's listener without a browser (curl against real daemons): a web_listen that is not
# a loopback address stops batond at start with the line and the reason; without tokens it serves
# /health and /metrics and nobody can log in; the API answers 401 without a valid token (never falling back to a uid), refuses a foreign Host
# header (DNS rebinding) and a POST from another origin, keeps a form's content from the privacy
# officer (403, audited with the token's person); the page's files come with their
# Content-Security-Policy and nothing outside web_root is served.
set -u
. "$4/tests/web/lib.sh"
command -v curl >/dev/null 2>&1 || { echo "SKIP: curl is not installed"; exit 77; }

webnet || finish
handover || finish
ID=$HANDOVER
CW="Authorization: Bearer $TOK_CW"
PO="Authorization: Bearer $TOK_PO"
ORIGIN="Origin: http://127.0.0.1:$WEB_gemeente"

# ---- refused at start ----
# badconf LINE...: the municipality's configuration with LINEs in place of its web keys; batond's
# exit status in $st, its standard error in $W/bad.err.
badconf() {
    grep -v -e '^web_listen' -e '^tokens' -e '^listen' -e '^admin_socket' -e '^database' -e '^web_root' \
        "$W/gemeente/batond.conf" >"$W/gemeente/bad.conf"
    printf 'listen = 127.0.0.1:0\nadmin_socket = bad.sock\ndatabase = bad.db\n' \
        >>"$W/gemeente/bad.conf"
    for l in "$@"; do echo "$l" >>"$W/gemeente/bad.conf"; done
    timeout 10 "$BATOND" --config "$W/gemeente/bad.conf" >/dev/null 2>"$W/bad.err"
    st=$?
}
badconf "tokens = tokens" "web_listen = 0.0.0.0:$WEB_gemeente"
check "web_listen 0.0.0.0 stops batond at start" test "$st" -ne 0 -a "$st" -ne 124
check "... naming the line and the reason" \
    grep -q "bad.conf:[0-9]*: web_listen \"0.0.0.0:$WEB_gemeente\" is not a loopback address" "$W/bad.err"
badconf "tokens = tokens" "web_listen = 192.168.1.10:8480"
check "a network address is refused too" grep -q "is not a loopback address" "$W/bad.err"
badconf "tokens = tokens" "web_listen = localhost:8480"
check "a host name is refused (not looked up)" grep -q "web_listen must be a loopback IP address" \
    "$W/bad.err"
badconf "tokens = tokens" "web_listen = 127.0.0.1:0" "web_root = $W/nowhere"
check "a web_root that does not exist is refused at start" grep -q "web_root $W/nowhere" "$W/bad.err"

# ---- no token: 401, whatever the uid ----
web gemeente GET /api/v1/inbox
check "no token: 401" test "$code $(j "$W/out" code)" = "401 login"
web gemeente GET /api/v1/health
check "no token on a request the socket lets anyone make: 401 too" test "$code" = 401
web gemeente GET /api/v1/inbox -H "Authorization: Bearer not-a-token"
check "a wrong token: 401" test "$code" = 401
web gemeente GET /session -H "Authorization: Bearer not-a-token"
check "a wrong token cannot log in: 401" test "$code" = 401
web gemeente POST "/api/v1/inbox/$ID/accept" -H "$ORIGIN" -H 'Content-Type: application/json' \
    -d '{"by":"nobody"}'
check "an accept without a token: 401" test "$code" = 401
web gemeente GET '/api/v1/audit?event=refused-login&limit=100' -H "$PO"
check "the refusals are audited (refused-login, web)" \
    test "$(j "$W/out" entries.#)" -ge 4 -a "$(j "$W/out" entries.0.actor)" = "web, no token"

# ---- the token decides ----
web gemeente GET /session -H "$CW"
check "a caseworker's token logs in as its person and role" \
    test "$(j "$W/out" name) $(j "$W/out" role)" = "anna.caseworker caseworker"
web gemeente GET /api/v1/inbox -H "$CW"
check "the caseworker lists the inbox (200)" test "$code $(j "$W/out" items.#)" = "200 1"
check "... not to be cached" grep -qi '^Cache-Control: no-store' "$W/headers"

# ---- DNS rebinding, cross-origin POSTs ----
web gemeente GET /api/v1/inbox -H "$CW" -H "Host: attacker.example:$WEB_gemeente"
check "a foreign Host header is refused (421 host)" test "$code $(j "$W/out" code)" = "421 host"
web gemeente GET / -H "Host: attacker.example"
check "... for the page too" test "$code" = 421
web gemeente POST "/api/v1/inbox/$ID/accept" -H "$CW" -H 'Origin: http://attacker.example' \
    -H 'Content-Type: application/json' -d '{"by":"Mallory"}'
check "a cross-origin POST is refused (403 origin)" test "$code $(j "$W/out" code)" = "403 origin"
web gemeente POST "/api/v1/inbox/$ID/accept" -H "$CW" -H 'Content-Type: application/json' \
    -d '{"by":"Mallory"}'
check "a POST without Origin is refused" test "$code $(j "$W/out" code)" = "403 origin"
web gemeente GET "/api/v1/inbox/$ID" -H "$CW"
check "... and the handover was not taken over" test "$(j "$W/out" state)" = new

# ---- the privacy officer and a form's content ----
web gemeente GET "/api/v1/inbox/$ID" -H "$PO"
check "the privacy officer may not read a form's content (403 role)" \
    test "$code $(j "$W/out" code)" = "403 role"
check "... and gets none of it" sh -c "! grep -q -e Haan -e young_person '$W/out'"
check "... told why" grep -q "your role privacy-officer may not read a form's content" "$W/out"
web gemeente GET "/api/v1/audit?event=refused-role&packet=$ID" -H "$PO"
check "... and the refusal is audited with the token's person" \
    test "$(j "$W/out" entries.0.actor)" = "token piet.privacy (web), privacy-officer"
web gemeente GET /api/v1/audit/verify -H "$PO"
check "the privacy officer verifies the audit chain" test "$code $(j "$W/out" intact)" = "200 true"
web gemeente GET /api/v1/audit -H "$CW"
check "the caseworker may not read the audit (403)" test "$code" = 403

# ---- the caseworker accepts from the page's own origin ----
web gemeente GET "/api/v1/inbox/$ID?lang=nl" -H "$CW"
check "the form comes with its Dutch labels" \
    test "$(j "$W/out" rendered.title)" = "Overdracht schoolverlater"
web gemeente POST "/api/v1/inbox/$ID/accept" -H "$CW" -H "$ORIGIN" \
    -H 'Content-Type: application/json' -d '{"by":"Jan de Vries, casemanager"}'
check "a POST from the page's own origin is handled (200)" test "$code $(j "$W/out" state)" = \
    "200 accepted"
web gemeente GET "/api/v1/audit?event=accepted&packet=$ID" -H "$PO"
check "the acceptance is audited with the token's person" \
    test "$(j "$W/out" entries.0.actor)" = "token anna.caseworker (web), caseworker"

# ---- the page's files ----
web gemeente GET /
check "the page is served (200, HTML)" test "$code" = 200 -a -n "$(grep -i '^Content-Type: text/html' "$W/headers")"
check "... with a Content-Security-Policy of its own origin, no inline script" \
    grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self';" "$W/headers"
check "... never framed" grep -qi '^X-Frame-Options: DENY' "$W/headers"
check "... and no inline script in it" sh -c "! grep -q '<script>' '$W/out' && ! grep -qi ' on[a-z]*=' '$W/out'"
web gemeente GET /app.js
check "app.js is served as JavaScript" grep -qi '^Content-Type: text/javascript' "$W/headers"
web gemeente GET /../tokens --path-as-is
check "nothing outside web_root (404)" test "$code" = 404
web gemeente GET /%2e%2e/batond.conf --path-as-is
check "... not even encoded" test "$code" = 404
web gemeente DELETE /api/v1/inbox -H "$CW"
check "other methods: 405" test "$code" = 405

# ---- the figures, without a token ----
web gemeente GET /metrics
check "GET /metrics needs no token" test "$code" = 200 -a -n "$(grep '^batond_up 1' "$W/out")"
web gemeente GET /health/live
check "GET /health/live: 200 ok" test "$code $(cat "$W/out")" = "200 ok"
web gemeente GET /health/ready
check "GET /health/ready: 200 ok" test "$code $(cat "$W/out")" = "200 ok"
stop gemeente

# ---- without tokens: the figures and health, and nobody logs in ----
grep -v '^tokens' "$W/gemeente/batond.conf" >"$W/gemeente/notokens.conf"
mv "$W/gemeente/notokens.conf" "$W/gemeente/batond.conf"
start gemeente || finish
web gemeente GET /health/ready
check "without tokens batond starts and /health/ready answers 200 ok" \
    test "$code $(cat "$W/out")" = "200 ok"
web gemeente GET /metrics
check "... and /metrics" test "$code" = 200
web gemeente GET /api/v1/inbox -H "$CW"
check "... and nobody can use the API: 401, saying that there are no tokens" \
    test "$code $(j "$W/out" code)" = "401 login" -a -n "$(grep 'has no tokens' "$W/out")"
web gemeente GET /session -H "$CW"
check "... nor log in" test "$code" = 401
stop gemeente
check "the port is closed after stop" sh -c "! curl -s -o /dev/null http://127.0.0.1:$WEB_gemeente/"
finish
