#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The privacy officer's reports across three real daemons: the school hands two young people
# over (person 1 to the municipality and UWV, person 2 to the municipality), the municipality
# takes person 1 over, UWV rejects, and a send about person 1 is refused by the covenant. Then:
# the school's access report for person 1 lists every exchange about person 1 (both recipients,
# states, who took over, the refusal) and nothing about person 2 nor any form content; the
# municipality's lists what it received; English on request; a printable HTML page with every
# name escaped; steering figures with small counts as "<5"; the processing register; anomalies
# with the refusal (exit 1) and none at UWV (exit 0); bad requests refused.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
conf gemeente "withdrawal_grace = 0"
start school || finish
start gemeente || finish
start uwv || finish

# Person 2: the example handover and consent about someone else (another name and birth date).
sed -e 's/Haan/Bakker/g' -e 's/Milan/Sanne/g' -e 's/2007-03-14/2006-09-02/g' "$FORM" \
    >"$W/person2.json"
CID2=$(cat /proc/sys/kernel/random/uuid)
sed -e "s/\"record_id\": \"[^\"]*\"/\"record_id\": \"$CID2\"/" \
    -e "s/\"valid_until\": \"[^\"]*\"/\"valid_until\": \"$(date -u -d '+365 days' +%Y-%m-%d)\"/" \
    -e 's/Haan/Bakker/g' -e 's/Milan/Sanne/g' -e 's/2007-03-14/2006-09-02/g' \
    "$SRC/forms/examples/valid/consent-record.json" >"$W/consent2.json"
b school consent add "$W/consent2.json"
check "person 2's consent is registered at the school" test $rc -eq 0

# send_form TO FORM CONSENT: prints the packet id.
send_form() {
    b school send --to "$1" --purpose warme-overdracht --basis consent --consent "$3" --json "$2" ||
        return 1
    j "$W/out" id
}
id1g=$(send_form $OIN_GEM "$FORM" $CONSENT)
id1u=$(send_form $OIN_UWV "$FORM" $CONSENT)
id2g=$(send_form $OIN_GEM "$W/person2.json" "$CID2")
check "three handovers are queued" test -n "$id1g" -a -n "$id1u" -a -n "$id2g"
waitfor 15 is_state school "$id1g" delivered && waitfor 15 is_state school "$id1u" delivered &&
    waitfor 15 is_state school "$id2g" delivered
check "all three are delivered" test $? -eq 0

b gemeente accept --by "Eva <Jansen>, jongerencoach" "$id1g"
check "the municipality takes person 1 over (a name with '<')" test $rc -eq 0
b uwv reject --reason "Past niet bij <UWV> & de regio" "$id1u"
check "UWV rejects person 1's handover" test $rc -eq 0
waitfor 15 is_state school "$id1g" accepted && waitfor 15 is_state school "$id1u" rejected
check "the school learns both decisions" test $? -eq 0

b school send --to $OIN_GEM --purpose warme-overdracht --basis public-task --law "Geen" "$FORM"
check "a send about person 1 on a basis the covenant does not allow is refused (exit 1)" \
    test $rc -eq 1

# ---- the access report (GDPR art. 15) ----

b school audit subject --name Haan --birthdate 2007-03-14
cp "$W/out" "$W/s1.txt"
check "the school's access report for person 1 is drawn up" test $rc -eq 0
check "it is in Dutch by default" grep -q "Wat wij hebben gedeeld (2)" "$W/s1.txt"
check "it lists the handover to the municipality" grep -q "$id1g" "$W/s1.txt"
check "it lists the handover to UWV" grep -q "$id1u" "$W/s1.txt"
check "it names both recipients" \
    sh -c "grep -q 'Gemeente Lindeveld (gemeente)' '$W/s1.txt' && grep -q 'UWV Lindeveld (UWV)' '$W/s1.txt'"
check "it says who took person 1 over" grep -q "Overgenomen: *door Eva <Jansen>, jongerencoach" "$W/s1.txt"
check "it says UWV did not, and why" grep -q "Niet overgenomen:.*Past niet bij <UWV> & de regio" "$W/s1.txt"
check "it gives the purpose and the basis with the consent id" \
    sh -c "grep -q 'warme-overdracht' '$W/s1.txt' && grep -q 'Grondslag: *toestemming (vastgelegd als $CONSENT)' '$W/s1.txt'"
check "it gives the kinds of data from the minimisation record" \
    grep -q "Soorten gegevens: *identiteit, contactgegevens, onderwijs" "$W/s1.txt"
check "it lists the refused send with its rule" \
    sh -c "grep -q 'Geweigerd (1)' '$W/s1.txt' && grep -q 'het convenant staat deze grondslag niet toe voor dit doel (regel basis)' '$W/s1.txt'"
check "nothing about person 2: not the packet id" sh -c "! grep -q '$id2g' '$W/s1.txt'"
check "nothing about person 2: not the name" sh -c "! grep -qi -e Bakker -e Sanne '$W/s1.txt'"
check "no form content (the young person's wish, phone number)" \
    sh -c "! grep -q -e Heftruck -e '06 12345678' -e Milan '$W/s1.txt'"
check "the access request is audited with the pseudonym" audit_has school report-subject "2 sent, 0 received, 1 refused"

b school audit subject --name Bakker --birthdate 2006-09-02
cp "$W/out" "$W/s2.txt"
check "person 2's report lists person 2's handover only" \
    sh -c "grep -q '$id2g' '$W/s2.txt' && ! grep -q -e '$id1g' -e '$id1u' '$W/s2.txt' && grep -q 'Geweigerd (0)' '$W/s2.txt'"

b school audit subject --name Haan --birthdate 2007-03-14 --json
cp "$W/out" "$W/s1.json"
check "JSON: two sent, in order, with their states" \
    test "$(j "$W/s1.json" sent.#)" = 2 -a "$(j "$W/s1.json" sent.0.state)" = accepted -a \
    "$(j "$W/s1.json" sent.1.state)" = rejected -a "$(j "$W/s1.json" sent.0.by)" = "Eva <Jansen>, jongerencoach"
pseud=$(j "$W/s1.json" subject)
b school audit subject --subject "$pseud" --json
check "--subject PSEUDONYM finds the same exchanges" \
    test "$(j "$W/out" sent.0.packet)" = "$id1g" -a "$(j "$W/out" sent.1.packet)" = "$id1u"
b school audit subject --name "  haan " --birthdate 2007-03-14 --json
check "the surname matches with other case and white space, as the pseudonym is made" \
    test "$(j "$W/out" sent.#)" = 2
b school audit subject --name Haan --birthdate 2007-03-15
check "another birth date: a report with nothing in it" \
    sh -c "test $rc -eq 0 && grep -q 'Wat wij hebben gedeeld (0)' '$W/out' && ! grep -q '$id1g' '$W/out'"

b gemeente audit subject --name Haan --birthdate 2007-03-14
cp "$W/out" "$W/g1.txt"
check "the municipality's report lists what it received about person 1" \
    sh -c "grep -q 'Wat wij over deze jongere hebben ontvangen (1)' '$W/g1.txt' && grep -q '$id1g' '$W/g1.txt' && grep -q 'Praktijkschool De Brug (school)' '$W/g1.txt'"
check "... that it took person 1 over, and nothing of person 2" \
    sh -c "grep -q 'door Eva <Jansen>' '$W/g1.txt' && ! grep -q '$id2g' '$W/g1.txt' && ! grep -q '$id1u' '$W/g1.txt'"

b school audit subject --name Haan --birthdate 2007-03-14 --lang en
cp "$W/out" "$W/s1en.txt"
check "--lang en gives English" \
    sh -c "grep -q 'What we shared (2)' '$W/s1en.txt' && grep -q 'Taken over: *by Eva' '$W/s1en.txt' && grep -q 'Legal basis: *consent' '$W/s1en.txt' && ! grep -q 'Wat wij' '$W/s1en.txt'"

b school audit subject --name Haan --birthdate 2007-03-14 --html
cp "$W/out" "$W/s1.html"
check "--html gives a whole page" \
    sh -c "head -n 1 '$W/s1.html' | grep -q '<!DOCTYPE html>' && grep -q '<html lang=\"nl\">' '$W/s1.html' && tail -n 1 '$W/s1.html' | grep -q '</html>' && grep -q '<meta charset=\"utf-8\">' '$W/s1.html'"
check "the page escapes names and reasons" \
    sh -c "grep -q 'Eva &lt;Jansen&gt;, jongerencoach' '$W/s1.html' && grep -q 'Past niet bij &lt;UWV&gt; &amp; de regio' '$W/s1.html' && ! grep -q -e '<Jansen>' -e '<UWV>' '$W/s1.html'"
check "the page's sections are balanced, with print styles" \
    sh -c "test \$(grep -c '<section>' '$W/s1.html') -eq 2 && test \$(grep -c '</section>' '$W/s1.html') -eq 2 && grep -q '@media print' '$W/s1.html'"

b school audit subject --name Haan --birthdate 2007-02-30
check "a date of birth that does not exist is refused (exit 1), saying so" \
    sh -c "test $rc -eq 1 && grep -q 'date_of_birth must be a date' '$W/err'"
b school audit subject --name Haan
check "without a birth date: a usage error (exit 2)" test $rc -eq 2
api school GET '/v1/reports/subject?subject=XYZ'
check "a pseudonym that is not one is refused (400)" test "$code" = 400
api school GET '/v1/reports/register?format=pdf'
check "an unknown format is refused (400)" test "$code" = 400
api school GET '/v1/reports/subject?last_name=Haan&date_of_birth=2007-03-14&format=html&raw=1'
check "raw=1 answers the page itself" sh -c "test '$code' = 200 && grep -q '</html>' '$W/out'"

# ---- steering figures ----

b school audit figures --json
check "figures: the three handovers and the refusal counted as \"<5\"" \
    test "$(j "$W/out" sent.total)" = "<5"
# Five more refusals (nothing is sent): counts from 5 up are shown as they are.
for n in 1 2 3 4 5; do
    b school send --to $OIN_UWV --purpose warme-overdracht --basis public-task --law "Geen" "$FORM"
done
b school audit figures --json
cp "$W/out" "$W/fig.json"
check "figures: 9 sent in all (3 handovers, 6 refused), shown as the number" \
    test "$(j "$W/fig.json" sent.total)" = 9
check "figures: outcomes, small ones as \"<5\" and larger ones as they are" \
    sh -c "grep -q '\"key\":\"accepted\",\"label\":\"overgenomen\",\"count\":\"<5\"' '$W/fig.json' && grep -q '\"key\":\"refused\",\"label\":\"geweigerd\",\"count\":6' '$W/fig.json'"
check "figures: by route and by month" \
    sh -c "grep -q '\"key\":\"school->municipality\"' '$W/fig.json' && grep -q \"\\\"key\\\":\\\"$(date -u +%Y-%m)\\\"\" '$W/fig.json'"
check "figures hold no packet id, pseudonym or name of a young person" \
    sh -c "! grep -q -e '$id1g' -e '$id2g' -e '$pseud' -e Haan -e Bakker '$W/fig.json'"
check "figures: nothing received at the school" test "$(j "$W/fig.json" received.total)" = 0
b school audit figures
check "figures as text: \"<5\" and numbers" sh -c "grep -q 'Verstuurd: 9' '$W/out' && grep -q 'Gemeente Lindeveld: *<5' '$W/out' && grep -q 'UWV Lindeveld: *6' '$W/out'"
b school audit figures --from 2001-01-01 --until 2001-12-31 --json
check "figures of a period without handovers are 0" test "$(j "$W/out" sent.total)" = 0
b school audit figures --from 2026-13-01
check "a bad date is refused" test $rc -eq 1

# ---- the processing register ----

b school audit register --json
cp "$W/out" "$W/reg.json"
check "register: controller is the school" test "$(j "$W/reg.json" controller.name)" = "Praktijkschool De Brug"
check "register: the covenant's purposes" \
    test "$(j "$W/reg.json" purposes.0.id)" = warme-overdracht -a "$(j "$W/reg.json" purposes.1.id)" = nazorg
check "register: the actual flows (2 to municipalities, 1 to UWV)" \
    test "$(j "$W/reg.json" purposes.0.processing.0.to)" = municipality -a \
    "$(j "$W/reg.json" purposes.0.processing.0.count)" = 2 -a \
    "$(j "$W/reg.json" purposes.0.processing.1.to)" = uwv -a "$(j "$W/reg.json" purposes.0.processing.1.count)" = 1
b school audit register
cp "$W/out" "$W/reg.txt"
check "register: retention per form type" \
    sh -c "grep -q 'Overdracht schoolverlater.*730 dagen' '$W/reg.txt' || grep -q '730 dagen' '$W/reg.txt'"
check "register: categories of data per route, the recipients and the security measures" \
    sh -c "grep -q 'Wij versturen:.*gezondheid' '$W/reg.txt' && grep -q 'gemeente: Gemeente Lindeveld (OIN $OIN_GEM)' '$W/reg.txt' && grep -q 'Ed25519' '$W/reg.txt'"
check "register: parents are among the people concerned" grep -q "ouders, voogden" "$W/reg.txt"
b school audit register --lang en --html
check "register in English as a page" \
    sh -c "grep -q 'Record of processing activities' '$W/out' && grep -q 'Retention periods' '$W/out' && grep -q '</html>' '$W/out'"

# ---- anomalies ----

b school audit anomalies
st=$rc
cp "$W/out" "$W/anom.txt"
check "anomalies at the school: exit 1 (there is something)" test $st -eq 1
check "... the refused send with its rule" \
    sh -c "grep -q 'Verzendingen die baton tegenhield' '$W/anom.txt' && grep -q 'deze grondslag niet toe voor dit doel (regel basis)' '$W/anom.txt'"
b school audit anomalies --json
check "anomalies as JSON: kind and rule" \
    test "$(j "$W/out" items.0.kind)" = refused-send -a "$(j "$W/out" items.0.rule)" = basis
b uwv audit anomalies
check "no anomalies at UWV: exit 0, saying so" sh -c "test $rc -eq 0 && grep -q 'Geen afwijkingen' '$W/out'"
b school audit anomalies --days 0
check "--days 0 is refused" test $rc -eq 1

# ---- withdrawal and erasure in the access report ----

b school consent withdraw "$CID2" --reason "Sanne trekt de toestemming in"
check "person 2's consent is withdrawn at the school" test $rc -eq 0
# erased_at NAME: the municipality's report for person 2 says when the content was erased.
erased_at() {
    b gemeente audit subject --name Bakker --birthdate 2006-09-02 --json || return 1
    [ -n "$(j "$W/out" received.0.erased)" ]
}
confirmed_at() {
    b school audit subject --name Bakker --birthdate 2006-09-02 --json || return 1
    [ -n "$(j "$W/out" sent.0.withdrawal_confirmed)" ]
}
waitfor 20 erased_at
check "the municipality's report for person 2 shows the content erased" test $? -eq 0
b gemeente audit subject --name Bakker --birthdate 2006-09-02
check "... in words, with the withdrawal" \
    sh -c "grep -q 'Toestemming ingetrokken: *20' '$W/out' && grep -q 'Inhoud gewist: *20' '$W/out'"
waitfor 20 confirmed_at
check "the school's report for person 2 shows the withdrawal confirmed" test $? -eq 0
b school audit subject --name Bakker --birthdate 2006-09-02 --lang en
check "... in words" grep -q "Consent withdrawn: *recipient notified on 20.*the recipient confirmed" "$W/out"

# A clean stop: under the sanitizers a leak in the reports shows here.
stop school
stop gemeente
finish
