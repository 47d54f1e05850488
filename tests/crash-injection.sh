#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The long form of the crash-injection test (tests/integration/killloop.sh): KILLS random
# SIGKILLs of a sending and a receiving batond while handovers flow, then the counts of forms
# sent, delivered, lost and duplicated. CI runs the short form (30 kills) as integration.killloop.
# usage: tests/crash-injection.sh [BUILD_DIR [KILLS]]   (defaults: build, 200)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd) || exit 2
exec sh "$SRC/tests/integration/killloop.sh" "$BUILD/tools/baton" "$BUILD/daemon/batond" \
    "$BUILD/tests/integration/itest_helper" "$SRC" "${2:-200}"
