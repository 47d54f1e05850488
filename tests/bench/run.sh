#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Measures baton's validator against Ajv on the example forms, in one run on one machine.
#
# usage: tests/bench/run.sh [BUILD_DIR] [SECONDS]
#   BUILD_DIR  a CMake build directory of baton (default: the current directory if it is one,
#              else ./build); bench_validate must be built in it.
#   SECONDS    wall time for each measurement (default 2.5).
# Needs Node.js and 'npm ci' in tests/js.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ge 1 ]; then
    BUILD=$1
elif [ -f CMakeCache.txt ]; then
    BUILD=.
else
    BUILD=$SRC/build
fi
SECONDS_EACH=${2:-2.5}
BENCH=$BUILD/tests/bench/bench_validate

if [ ! -x "$BENCH" ]; then
    echo "run.sh: no $BENCH; build it first: cmake --build $BUILD --target bench_validate" >&2
    exit 2
fi
if ! command -v node >/dev/null 2>&1; then
    echo "run.sh: node (Node.js) is not installed; Ajv is the baseline and runs on it" >&2
    exit 2
fi
if [ ! -d "$SRC/tests/js/node_modules/ajv" ]; then
    echo "run.sh: Ajv is not installed: run npm ci in tests/js" >&2
    exit 2
fi

out=$(mktemp "${TMPDIR:-/tmp}/baton-bench.XXXXXX")
trap 'rm -f "$out"' EXIT INT TERM

echo "Validating the example forms in $SRC/forms/examples for $SECONDS_EACH s each..."
"$BENCH" "$SRC/forms/examples" "$SECONDS_EACH" >>"$out"
node "$SRC/tests/bench/ajv-bench.mjs" "$SRC" "$SECONDS_EACH" >>"$out"

awk '
    { best[$1, $2] = $3; mean[$1, $2] = $4; forms[$2] = $5 }
    END {
        printf "\n%-34s %12s %12s %10s %16s\n", "forms per second (best slice)", "baton", "ajv",
               "baton/ajv", "ratio of means"
        split("verdict errors", kinds, " ")
        what["verdict"] = "verdict only, " forms["verdict"] " examples"
        what["errors"] = "all errors, " forms["errors"] " invalid examples"
        for (k = 1; k <= 2; k++) {
            kind = kinds[k]
            if (best["baton", kind] == "" || best["ajv", kind] + 0 == 0 || mean["ajv", kind] + 0 == 0) {
                printf "%s: a measurement is missing\n", kind
                bad = 1
                continue
            }
            printf "%-34s %12.0f %12.0f %10.2f %16.2f\n", what[kind], best["baton", kind],
                   best["ajv", kind], best["baton", kind] / best["ajv", kind],
                   mean["baton", kind] / mean["ajv", kind]
        }
        print "\nEach side ran for the same time, cut in 10 slices; the best slice is its speed"
        print "when nothing else runs. A ratio above 1 means baton was faster than Ajv."
        exit bad
    }' "$out"
