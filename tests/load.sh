#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The long form of the load test (tests/integration/load.sh): 100 concurrent connections for
# 60 s, a form each per second, with slow-loris clients; CI runs a 10 s form as integration.load.
# usage: tests/load.sh [BUILD_DIR [CONNECTIONS [SECONDS [PERIOD_MS]]]]
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd) || exit 2
exec sh "$SRC/tests/integration/load.sh" "$BUILD/tools/baton" "$BUILD/daemon/batond" \
    "$BUILD/tests/integration/itest_helper" "$SRC" "$BUILD/tests/integration/loadtest" \
    "${2:-100}" "${3:-60}" "${4:-1000}"
