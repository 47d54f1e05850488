#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The web page in a real browser: Debian's headless Chromium driven by playwright-core
# (tests/web/browser.mjs) against a school and a municipality with real daemons and tokens for a
# caseworker and a privacy officer. Takes a screenshot of each page, into the folder
# $BATON_SCREENSHOTS when it is set (BATON_SCREENSHOTS=$PWD/tests/web/screenshots renews the
# README's pictures), else into the test's temporary folder: a test run leaves the source tree
# as it was. Skipped (77) without /usr/bin/chromium or tests/js/node_modules.
set -u
SRC=$4
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: $CHROMIUM is not installed (apt-get install chromium)"
    exit 77
fi
if [ ! -d "$SRC/tests/js/node_modules/playwright-core" ]; then
    echo "SKIP: playwright-core is not installed (npm ci in tests/js)"
    exit 77
fi
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed"
    exit 77
fi
. "$SRC/tests/web/lib.sh"

webnet || finish
handover || finish
H1=$HANDOVER
handover || finish
H2=$HANDOVER
waitfor 20 test "$(count gemeente inbox)" = 2 || fail "both handovers are in the municipality's inbox"
# A long audit trail at the school, for the progress of its verification on the page: a walk of
# a few seconds for batond.
stop school
"$HELPER" audit-fill "$W/school/store.db" "${WEB_AUDIT_ENTRIES:-3000000}" ||
    fail "entries appended to the school's audit trail"
start school || finish

SHOTS=${BATON_SCREENSHOTS:-$W/screenshots}
mkdir -p "$SHOTS"
GEM=http://127.0.0.1:$WEB_gemeente/ SCHOOL=http://127.0.0.1:$WEB_school/ H1=$H1 H2=$H2 \
    SHOTS=$SHOTS JS_DIR=$SRC/tests/js \
    timeout 240 node "$SRC/tests/web/browser.mjs" >"$W/node.out" 2>&1
st=$?
sed 's/^/  /' "$W/node.out"
if [ $st -eq 0 ]; then
    pass "the browser run passes ($(grep -c '^ok - ' "$W/node.out") checks)"
else
    fail "the browser run passes (exit status $st)"
fi
finish
