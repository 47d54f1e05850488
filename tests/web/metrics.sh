#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# /metrics and /health/* on the web listener, against real daemons: every counter and gauge
# follows what happened (a handover sent and delivered, one refused, one received, accepted,
# overdue, a retry while the recipient is down), the latency histogram counts the delivery, the
# audit size is the audit trail's, and /health/ready turns 503 with the reason when the store's
# file is gone.
set -u
. "$4/tests/web/lib.sh"

# metric NAME WHO: the value of the sample line NAME (with its labels, as written) at WHO.
metric() {
    web "$2" GET /metrics
    awk -v n="$1" '$1 == n { print $2 }' "$W/out"
}

# is_metric NAME WHO VALUE: for waitfor.
is_metric() {
    [ "$(metric "$1" "$2")" = "$3" ]
}

webnet || finish

web school GET /health/live
check "GET /health/live: 200 ok" test "$code $(cat "$W/out")" = "200 ok"
web school GET /health/ready
check "GET /health/ready: 200 ok (store, directory, covenant, workers)" \
    test "$code $(cat "$W/out")" = "200 ok"
web school GET /metrics
check "GET /metrics: 200, the Prometheus text format 0.0.4" \
    grep -qi '^content-type: text/plain; version=0.0.4' "$W/headers"
check "batond_up 1" test "$(metric batond_up school)" = 1
for c in submitted refused delivered retries undeliverable received peer_refused role_refused; do
    check "batond_${c}_total starts at 0" test "$(metric batond_${c}_total school)" = 0
done

# One handover delivered, one refused (the BSN may not go to the municipality for this purpose).
handover || finish
id=$HANDOVER
b school send --to $OIN_GEM --purpose warme-overdracht --basis consent --consent $CONSENT \
    "$FORM_BSN"
check "a form with a BSN is refused" test $? -eq 1
check "school: batond_submitted_total 1" test "$(metric batond_submitted_total school)" = 1
check "school: batond_refused_total 1" test "$(metric batond_refused_total school)" = 1
check "school: batond_delivered_total 1" test "$(metric batond_delivered_total school)" = 1
# A caseworker asking for the audit trail is refused for her role, and counted.
web school GET '/api/v1/audit?limit=1' -H "Authorization: Bearer $TOK_CW"
check "a caseworker asking for the audit: 403" test "$code" = 403
check "school: batond_role_refused_total 1" test "$(metric batond_role_refused_total school)" = 1
check "school: a role refusal is not a refused submit" \
    test "$(metric batond_refused_total school)" = 1
check "school: one handover delivered" \
    test "$(metric 'batond_handovers{direction="out",state="delivered"}' school)" = 1
check "school: none queued" \
    test "$(metric 'batond_handovers{direction="out",state="queued"}' school)" = 0
count_=$(metric batond_delivery_seconds_count school)
check "school: the latency histogram counts the delivery" test "$count_" = 1
check "school: its +Inf bucket equals its count" \
    test "$(metric 'batond_delivery_seconds_bucket{le="+Inf"}' school)" = "$count_"
# Measured in milliseconds from the submit: more than none, under five seconds, and not a
# whole number of seconds (as it would be from the store's times in seconds).
sum_=$(metric batond_delivery_seconds_sum school)
check "school: the delivery took a fraction of a second ($sum_ s)" \
    awk -v s="$sum_" 'BEGIN { exit !(s > 0 && s < 5 && s != int(s)) }'
web school GET '/api/v1/audit?limit=1000' -H "Authorization: Bearer $TOK_PO"
n_audit=$(j "$W/out" items.#)
check "school: batond_audit_entries is the audit trail's length ($n_audit)" \
    test "$(metric batond_audit_entries school)" = "$n_audit"
check "municipality: batond_received_total 1" \
    test "$(metric batond_received_total gemeente)" = 1
check "municipality: one new handover in" \
    test "$(metric 'batond_handovers{direction="in",state="new"}' gemeente)" = 1

# Counts and durations only: no id, organisation or name of a young person in the figures.
web school GET /metrics
check "the figures name no packet, organisation or young person" \
    sh -c "! grep -q -e '$id' -e '$OIN_GEM' -e 'Haan' -e 'Milan' '$W/out'"

# Taken over: the gauges move at both sides.
b gemeente accept "$id" --by "Jan de Vries, jobcoach"
check "the municipality accepts" test $? -eq 0
check "municipality: one accepted in, none new" \
    test "$(metric 'batond_handovers{direction="in",state="accepted"}' gemeente) $(metric 'batond_handovers{direction="in",state="new"}' gemeente)" = "1 0"
waitfor 20 is_metric 'batond_handovers{direction="out",state="accepted"}' school 1
check "school: one accepted out once the notice is back" test $? -eq 0
check "school: none delivered-and-waiting any more" \
    test "$(metric 'batond_handovers{direction="out",state="delivered"}' school)" = 0

# Overdue: a second handover, delivered eleven days ago by the store's clock (the covenant's
# deadline is ten).
check "school: nothing overdue yet" test "$(metric batond_overdue school)" = 0
handover || finish
id2=$HANDOVER
"$HELPER" sql "$W/school/store.db" \
    "UPDATE outbox SET delivered = delivered - 11*86400 WHERE id = '$id2'" >/dev/null
check "school: batond_overdue 1" test "$(metric batond_overdue school)" = 1

# The recipient down: the next delivery fails and is retried.
stop gemeente
id3=$(send_handover)
check "a third handover is queued" test -n "$id3"
waitfor 20 sh -c "[ \"\$(curl -s http://127.0.0.1:$WEB_school/metrics |
    awk '\$1 == \"batond_retries_total\" { print \$2 }')\" -ge 1 ]"
check "school: batond_retries_total counts the failed attempt" test $? -eq 0
check "school: one queued" \
    test "$(metric 'batond_handovers{direction="out",state="queued"}' school)" = 1

# Ready no more when the store's file is gone.
rm -f "$W/school/store.db"
web school GET /health/ready
check "GET /health/ready: 503 once the store's file is gone" test "$code" = 503
check "and it says why" grep -q 'is gone' "$W/out"
web school GET /health/live
check "while /health/live still answers 200" test "$code" = 200
finish
