#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Benchmarks batond on loopback: a school's and a municipality's daemon with durable stores,
# forms per second end to end with one and eight senders (p50/p99), the same paced at half the
# peak, the receive path alone, peak memory and memory per open connection, against the per-form
# cryptography measured in the same run (bench_daemon.c says how each figure is taken).
#
# usage: tests/bench/run-daemon.sh [BUILD_DIR [SECONDS [CONNECTIONS]]]
#   BUILD_DIR    a CMake build directory of baton (default: the current directory if it is one,
#                else ./build) with baton, batond, itest_helper and bench_daemon built.
#   SECONDS      the length of each timed phase (default 3; the whole run takes about 10 times
#                that plus 10 s).
#   CONNECTIONS  idle mutual-TLS connections opened for the memory figure (default 200).
# The network (keys, signed directory and covenant) is made as the integration tests make it,
# in a temporary folder on the disk of $TMPDIR (default /tmp): put it on the disk you want to
# measure, not on a tmpfs. The daemons are started and stopped as there too. Everything runs on
# 127.0.0.1 and is removed at the end; the daemons are killed whatever happens. KEEP_LOGS=1
# prints the daemons' last log lines.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ge 1 ]; then
    BUILD=$(cd "$1" && pwd) || exit 2
elif [ -f CMakeCache.txt ]; then
    BUILD=$(pwd)
else
    BUILD=$SRC/build
fi
SECONDS_EACH=${2:-3}
CONNS=${3:-200}
BENCH=$BUILD/tests/bench/bench_daemon
for f in "$BUILD/tools/baton" "$BUILD/daemon/batond" "$BUILD/tests/integration/itest_helper" \
    "$BENCH"; do
    if [ ! -x "$f" ]; then
        echo "run-daemon.sh: no $f; build it first: cmake --build $BUILD --target bench-daemon" >&2
        exit 2
    fi
done

# The integration tests' network: keygen, directory and covenant signed by a coordinator.
set -- "$BUILD/tools/baton" "$BUILD/daemon/batond" "$BUILD/tests/integration/itest_helper" "$SRC"
. "$SRC/tests/integration/lib.sh"

# The daemons' configuration: defaults, except the log level (info: one line per form).
bench_conf() {
    eval "port=\$PORT_$1"
    cat >"$W/$1/batond.conf" <<EOF
keystore = keystore
directory = ../directory.jws
coordinator = ../coord/entry.json
covenant = ../covenant.jws
database = store.db
listen = 127.0.0.1:$port
admin_socket = admin.sock
log_level = info
EOF
    # batond will not keep root: run as root, it drops to an unprivileged user once started.
    if [ "$(id -u)" -eq 0 ]; then echo "user = nobody" >>"$W/$1/batond.conf"; fi
}

echo "Making the network (keys, directory, covenant) in $W, starting the daemons..." >&2
net || exit 1
bench_conf school
bench_conf gemeente
# lib.sh's start also puts the example consent in the school's consent register.
start gemeente && start school || exit 1
# shellcheck disable=SC2154 # PID_school and PID_gemeente: set by lib.sh's start
"$BENCH" "$FORM" "$W" "$PID_school" "$PID_gemeente" "$SECONDS_EACH" "$CONNS"
st=$?
# A clean stop on SIGTERM is part of the run (lib.sh counts a failure otherwise).
stop school >/dev/null
stop gemeente >/dev/null
if [ "$failed" -ne 0 ]; then
    echo "run-daemon.sh: a daemon did not stop cleanly on SIGTERM" >&2
    st=1
fi
# lib.sh's clean-up prints the daemons' last log lines when something failed.
[ "$st" -eq 0 ] || failed=1
exit "$st"
