#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The covenant, the legal basis and the consent register enforced on real daemons: a table of
# cases sent with 'baton send' through the school's (and the municipality's and UWV's) batond,
# each asserting the outcome on both sides (the sender: refused with the rule, or queued then
# delivered; the recipient: nothing, or the item with only the fields the covenant allows) and
# the audit entry (the sender's "refused" naming the rule, or its minimisation record). Ends
# with the recipient's own check (defence in depth) on a packet sealed outside batond.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
start school || finish
start gemeente || finish
start uwv || finish

year=$(date -u -d '+365 days' +%Y-%m-%d)
yesterday=$(date -u -d '-1 day' +%Y-%m-%d)
minor_dob=$(date -u -d '-15 years' +%Y-%m-%d)

# ---- forms ----
# The example handover without its BSN (the covenant allows no BSN for warme-overdracht).
sed '/"bsn":/d' "$FORM" >"$W/ho.json"
# The same for a 15-year-old.
sed "s/\"date_of_birth\": \"2007-03-14\"/\"date_of_birth\": \"$minor_dob\"/" "$W/ho.json" \
    >"$W/ho-minor.json"
# Contact notices as UWV and the municipality write them.
sed -e 's/"oin": "00000003123456780000"/"oin": "'$OIN_UWV'"/' -e 's/"Jobcoach Op Weg B.V."/"UWV"/' \
    -e 's/"role": "jobcoach"/"role": "uwv"/' "$CONTACT" >"$W/cn-uwv.json"
sed -e 's/"oin": "00000003123456780000"/"oin": "'$OIN_GEM'"/' \
    -e 's/"Jobcoach Op Weg B.V."/"Gemeente Lindeveld"/' \
    -e 's/"role": "jobcoach"/"role": "municipality"/' "$CONTACT" >"$W/cn-gem.json"
# A contact notice that would say "what": an extra member (its schema refuses it).
sed 's/"in_contact_since": /"situation": "werkt bij de bakker", "in_contact_since": /' \
    "$W/cn-uwv.json" >"$W/cn-extra.json"

# ---- consents (registered with 'baton consent add' at the school) ----
# consent NAME [SED-EXPRESSION...]: the example consent record under a new id, valid for a
# year, changed by the expressions; registered at the school; its id in $C_NAME.
consent() {
    cname=$1
    shift
    cid=$(cat /proc/sys/kernel/random/uuid)
    set -- -e "s/\"record_id\": \"[^\"]*\"/\"record_id\": \"$cid\"/" \
        -e "s/\"valid_until\": \"[^\"]*\"/\"valid_until\": \"$year\"/" "$@"
    sed "$@" "$SRC/forms/examples/valid/consent-record.json" >"$W/consent-$cname.json"
    b school consent add "$W/consent-$cname.json"
    if [ $rc -ne 0 ]; then
        fail "baton consent add $cname" "$W/out" "$W/err"
        return 1
    fi
    eval "C_$cname=$cid"
}
consent ok || finish
consent expired -e "s/\"valid_until\": \"$year\"/\"valid_until\": \"$yesterday\"/"
consent withdrawn
b school consent withdraw "$C_withdrawn" --reason "ingetrokken"
check "baton consent withdraw (for the withdrawn-consent case)" test $rc -eq 0
# Recipients: UWV only (by OIN).
consent uwvonly -e 's/"oin": "00000001001234567000"/"oin": "00000001001234567001"/' \
    -e 's/"Gemeente Lindeveld"/"RMC-regio Lindeveld"/'
# Purposes: nazorg only.
consent nazorg -e 's/"purposes": \["warme-overdracht", "nazorg"\]/"purposes": ["nazorg"]/'
# Categories without health.
consent nohealth -e 's/, "health"//'
# A minor, the young person alone / the young person and a parent / a parent alone.
consent minor -e "s/\"date_of_birth\": \"2007-03-14\"/\"date_of_birth\": \"$minor_dob\"/"
consent minorboth -e "s/\"date_of_birth\": \"2007-03-14\"/\"date_of_birth\": \"$minor_dob\"/" \
    -e 's/"name": "Milan de Haan"$/"name": "Milan de Haan"}, {"role": "parent", "name": "Sandra de Haan"/'
consent minorparent -e "s/\"date_of_birth\": \"2007-03-14\"/\"date_of_birth\": \"$minor_dob\"/" \
    -e 's/"role": "young-person",/"role": "parent",/' -e 's/"name": "Milan de Haan"$/"name": "Sandra de Haan"/'
# About another young person (the policy compares the last name and the date of birth);
# recorded by another school.
consent other -e 's/"last_name": "Haan"/"last_name": "Bakker"/' -e 's/"first_name": "Milan"/"first_name": "Noor"/'
consent controller -e 's/"oin": "00000001812345671000"/"oin": "00000001812345682000"/' \
    -e 's/"name": "Praktijkschool De Brug",$/"name": "Vso De Horizon",/'

# ---- the cases ----
name_of() {
    case $1 in
    $OIN_SCHOOL) echo school ;; $OIN_GEM) echo gemeente ;; $OIN_UWV) echo uwv ;; *) echo none ;;
    esac
}

# last_seq NAME: the seq of NAME's newest audit entry.
last_seq() {
    api "$1" GET '/v1/audit?limit=1'
    s=$(j "$W/out" items.0.seq)
    echo "${s:-0}"
}

# audit_new NAME SEQ EVENT WORDS [PACKET]: an entry after SEQ with EVENT whose detail has WORDS.
audit_new() {
    api "$1" GET '/v1/audit?limit=200'
    cp "$W/out" "$W/audit.json"
    n=$(j "$W/audit.json" items.#)
    i=0
    while [ "$i" -lt "${n:-0}" ]; do
        if [ "$(j "$W/audit.json" items.$i.seq)" -gt "$2" ] &&
            [ "$(j "$W/audit.json" items.$i.event)" = "$3" ] &&
            j "$W/audit.json" items.$i.detail | grep -q -- "$4" &&
            { [ -z "${5:-}" ] || [ "$(j "$W/audit.json" items.$i.packet)" = "$5" ]; }; then
            return 0
        fi
        i=$((i + 1))
    done
    return 1
}

ncase=0
# case LABEL allowed|refused RULE FROM TO FORM SEND-ARG...: one row of the table. RULE: the
# policy rule a refusal names ("-": refused before the policy, by the form's schema).
case_() {
    label=$1 outcome=$2 rule=$3 from=$4 to=$5 form=$6
    shift 6
    ncase=$((ncase + 1))
    fname=$(name_of "$from")
    tname=$(name_of "$to")
    seq0=$(last_seq "$fname")
    out0=$(count "$fname" outbox)
    in0=$(count "$tname" inbox)
    b "$fname" send --to "$to" "$@" --json "$form"
    src=$rc
    cp "$W/out" "$W/send.out"
    cp "$W/err" "$W/send.err"
    if [ "$outcome" = allowed ]; then
        id=$(j "$W/send.out" id)
        if [ $src -ne 0 ] || [ -z "$id" ]; then
            fail "case $ncase ($label): allowed, but baton send refused it" "$W/send.out" "$W/send.err"
            return
        fi
        if ! waitfor 15 is_state "$fname" "$id" delivered; then
            fail "case $ncase ($label): queued but not delivered" "$W/out" "$W/$fname/log"
            return
        fi
        b "$tname" show --json "$id"
        cp "$W/out" "$W/shown.json"
        if [ $rc -ne 0 ] || [ "$(j "$W/shown.json" claims.iss)" != "$from" ]; then
            fail "case $ncase ($label): the recipient does not show the item" "$W/shown.json" "$W/err"
            return
        fi
        if ! audit_new "$fname" "$seq0" submitted "" "$id" && ! audit_new "$fname" "$seq0" sealed "" "$id"; then
            fail "case $ncase ($label): no audit entry for the send at the sender" "$W/audit.json"
            return
        fi
        pass "case $ncase ($label): allowed; delivered; the recipient shows it; audited"
    else
        if [ $src -ne 1 ]; then
            fail "case $ncase ($label): refused expected (exit 1), got exit $src" "$W/send.out" "$W/send.err"
            return
        fi
        if [ "$(count "$fname" outbox)" != "$out0" ] || [ "$(count "$tname" inbox)" != "$in0" ]; then
            fail "case $ncase ($label): refused, but something was queued or arrived"
            return
        fi
        if [ "$rule" != - ] && ! audit_new "$fname" "$seq0" refused "rule $rule"; then
            fail "case $ncase ($label): no audit entry \"refused\" naming rule $rule" "$W/audit.json" "$W/send.err"
            return
        fi
        if [ ! -s "$W/send.err" ] && [ ! -s "$W/send.out" ]; then
            fail "case $ncase ($label): refused without saying why"
            return
        fi
        pass "case $ncase ($label): refused${rule:+ by rule $rule}; nothing sent or received; audited"
    fi
}

WO="--purpose warme-overdracht --basis consent"
NZ="--purpose nazorg"
# Allowed.
case_ "handover to the municipality under a valid consent" allowed - $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_ok"
ho_gem=$id
case_ "handover to UWV under the same consent" allowed - $OIN_SCHOOL $OIN_UWV "$W/ho.json" $WO --consent "$C_ok"
ho_uwv=$id
case_ "handover to UWV under a consent naming only UWV" allowed - $OIN_SCHOOL $OIN_UWV "$W/ho.json" $WO --consent "$C_uwvonly"
case_ "handover for a minor with the young person's and a parent's consent" allowed - $OIN_SCHOOL $OIN_GEM "$W/ho-minor.json" $WO --consent "$C_minorboth"
case_ "the consent record itself to the municipality" allowed - $OIN_SCHOOL $OIN_GEM "$W/consent-ok.json" $WO --consent "$C_ok"
case_ "status update school -> municipality, nazorg, public task" allowed - $OIN_SCHOOL $OIN_GEM "$UPDATE" $NZ --basis public-task --law "Wet op het voortgezet onderwijs, art. 2.94"
case_ "status update school -> municipality, nazorg, consent" allowed - $OIN_SCHOOL $OIN_GEM "$UPDATE" $NZ --basis consent --consent "$C_ok"
case_ "status update municipality -> school, nazorg, public task" allowed - $OIN_GEM $OIN_SCHOOL "$UPDATE" $NZ --basis public-task --law "Participatiewet, art. 7"
case_ "status update UWV -> school, nazorg, public task" allowed - $OIN_UWV $OIN_SCHOOL "$UPDATE" $NZ --basis public-task --law "Wet SUWI, art. 30"
case_ "contact notice UWV -> school, nazorg, public task" allowed - $OIN_UWV $OIN_SCHOOL "$W/cn-uwv.json" $NZ --basis public-task --law "Wet SUWI, art. 30"
cn_uwv=$id
case_ "contact notice municipality -> school, nazorg, public task" allowed - $OIN_GEM $OIN_SCHOOL "$W/cn-gem.json" $NZ --basis public-task --law "Participatiewet, art. 7"

# Refused: the covenant's routes and purposes.
case_ "handover under nazorg (no such route for the purpose)" refused route $OIN_SCHOOL $OIN_GEM "$W/ho.json" $NZ --basis public-task --law "Participatiewet"
case_ "contact notice school -> municipality (wrong direction)" refused route $OIN_SCHOOL $OIN_GEM "$W/cn-gem.json" $NZ --basis public-task --law "Participatiewet"
case_ "status update school -> UWV (no route to UWV)" refused route $OIN_SCHOOL $OIN_UWV "$UPDATE" $NZ --basis public-task --law "Wet SUWI"
case_ "handover municipality -> UWV (a municipality does not hand over)" refused route $OIN_GEM $OIN_UWV "$W/ho.json" $NZ --basis public-task --law "Participatiewet"
case_ "dropout signal school -> municipality (only the RMC gets those)" refused route $OIN_SCHOOL $OIN_GEM "$SRC/forms/examples/valid/dropout-signal.json" --purpose rmc-uit-beeld --basis legal-obligation --law "Leerplichtwet 1969, art. 28"
case_ "an unknown purpose" refused purpose $OIN_SCHOOL $OIN_GEM "$W/ho.json" --purpose stage-zoeken --basis consent --consent "$C_ok"
# The legal basis.
case_ "handover on public task (warme-overdracht needs consent)" refused basis $OIN_SCHOOL $OIN_GEM "$W/ho.json" --purpose warme-overdracht --basis public-task --law "Participatiewet"
case_ "handover on legal obligation (warme-overdracht needs consent)" refused basis $OIN_SCHOOL $OIN_GEM "$W/ho.json" --purpose warme-overdracht --basis legal-obligation --law "Leerplichtwet"
case_ "a BSN without a basis that allows it" refused bsn-basis $OIN_SCHOOL $OIN_GEM "$FORM_BSN" $WO --consent "$C_ok"
# The consent.
case_ "an unknown consent id" refused consent-missing $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$(cat /proc/sys/kernel/random/uuid)"
case_ "an expired consent" refused consent-expired $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_expired"
case_ "a withdrawn consent" refused consent-withdrawn $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_withdrawn"
case_ "a consent that does not name the municipality" refused consent-recipient $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_uwvonly"
case_ "a consent that does not cover warme-overdracht" refused consent-purpose $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_nazorg"
case_ "a consent that does not cover health data" refused consent-category $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_nohealth"
case_ "a minor with only the young person's consent" refused minor-parent $OIN_SCHOOL $OIN_GEM "$W/ho-minor.json" $WO --consent "$C_minor"
case_ "a minor with only a parent's consent (the covenant wants both)" refused minor-parent $OIN_SCHOOL $OIN_GEM "$W/ho-minor.json" $WO --consent "$C_minorparent"
case_ "a consent about another young person" refused consent-subject $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_other"
case_ "a consent recorded by another school" refused consent-controller $OIN_SCHOOL $OIN_GEM "$W/ho.json" $WO --consent "$C_controller"
case_ "contact notice UWV -> school under consent UWV does not hold" refused consent-missing $OIN_UWV $OIN_SCHOOL "$W/cn-uwv.json" $NZ --basis consent --consent "$C_ok"
case_ "a contact notice that says what (its schema refuses it)" refused - $OIN_UWV $OIN_SCHOOL "$W/cn-extra.json" $NZ --basis public-task --law "Wet SUWI"

# Basis consent without any consent id, straight to the admin API (baton itself refuses that).
seq0=$(last_seq school)
printf '{"to":"%s","purpose":"warme-overdracht","basis":"consent","form":%s}' $OIN_GEM \
    "$(cat "$W/ho.json")" >"$W/noconsent.json"
api school POST /v1/send "$W/noconsent.json"
sent=$code
cp "$W/out" "$W/noconsent.out"
ncase=$((ncase + 1))
if [ "$sent" -ge 400 ] && [ "$sent" -lt 500 ] && audit_new school "$seq0" refused "rule consent-missing"; then
    pass "case $ncase (basis consent without a consent id, admin API): refused ($sent), audited"
else
    fail "case $ncase (basis consent without a consent id): refused and audited (HTTP $sent)" "$W/noconsent.out"
fi

# ---- minimisation, seen at the recipients ----
b uwv show --json "$ho_uwv"
cp "$W/out" "$W/uwv.json"
gone=""
for f in start_qualification qualification_duty travel parents trusted_person handover_meeting_date; do
    [ -n "$(j "$W/uwv.json" form.$f)" ] && gone="$gone $f"
done
check "UWV does not get the fields the covenant keeps from it (travel, parents, ...):${gone:- none left}" test -z "$gone"
check "UWV gets what it may (the young person, support, benefit)" \
    test -n "$(j "$W/uwv.json" form.young_person.first_name)" -a -n "$(j "$W/uwv.json" form.support)" -a -n "$(j "$W/uwv.json" form.benefit)"
check "no BSN travelled" test -z "$(j "$W/uwv.json" form.young_person.bsn)"
b gemeente show --json "$ho_gem"
check "the municipality gets travel and parents (its covenant list has them)" \
    test -n "$(j "$W/out" form.travel)" -a -n "$(j "$W/out" form.parents)"
found=0
api school GET '/v1/audit?limit=1000'
cp "$W/out" "$W/audit.json"
n=$(j "$W/audit.json" items.#)
i=0
while [ "$i" -lt "${n:-0}" ]; do
    if [ "$(j "$W/audit.json" items.$i.packet)" = "$ho_uwv" ] &&
        j "$W/audit.json" items.$i.detail | grep -q 'removed.*/travel'; then
        found=1
    fi
    i=$((i + 1))
done
check "the school's audit records the paths removed for UWV (paths, not values)" test $found -eq 1
if grep -q -e Milan -e Beukenlaan -e 999990548 "$W/audit.json"; then
    fail "the school's audit holds no form content" "$W/audit.json"
else
    pass "the school's audit holds no form content"
fi
b school show --json "$cn_uwv"
cp "$W/out" "$W/cn.json"
extra=$(for k in work situation support health drawn_up_by; do [ -n "$(j "$W/cn.json" form.$k)" ] && echo $k; done)
check "the contact notice arrives minimal: only who and since (no$( echo " $extra"))" \
    test -z "$extra" -a "$(j "$W/cn.json" form.#)" -le 7 -a -n "$(j "$W/cn.json" form.contact_person.name)"

# ---- the recipient's own check: a packet sealed outside batond that breaks the covenant ----
# The school's keys seal a handover for the municipality under nazorg (no such route); posted by
# the school's own endpoint, the municipality's batond refuses it and audits the rule.
"$BATON" seal --keystore "$W/school/keystore" --directory "$W/directory.jws" \
    --coordinator "$W/coord/entry.json" --covenant "$W/covenant.jws" --to $OIN_GEM \
    --purpose nazorg --basis public-task --law "Participatiewet" -o "$W/rogue.jwe" \
    "$W/ho.json" >"$W/out" 2>"$W/err"
if [ $? -ne 0 ]; then
    fail "baton seal makes the rogue packet" "$W/err"
else
    seq0=$(last_seq gemeente)
    in0=$(count gemeente inbox)
    code=$("$HELPER" post "$W/school/keystore" "https://127.0.0.1:$PORT_gemeente" /v1/packets \
        "$(pin gemeente)" "$W/rogue.jwe" "$W/r")
    ncase=$((ncase + 1))
    if [ "$code" = 403 ] && [ "$(count gemeente inbox)" = "$in0" ] &&
        audit_new gemeente "$seq0" refused "rule route"; then
        pass "case $ncase (receive side: a packet off the covenant's routes): 403, not stored, audited with the rule"
    else
        fail "case $ncase (receive side): 403, not stored, audited (got $code)" "$W/r" "$W/audit.json"
    fi
fi

check "at least 30 cases ran" test "$ncase" -ge 30
stop uwv
stop gemeente
stop school
finish
