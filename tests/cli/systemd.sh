#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The systemd unit's sandbox: systemd-analyze rates its exposure (0 safest, 10 unsafe); baton's
# unit must stay at 1.5 or lower, and keep the directives SECURITY.md names.
# usage: systemd.sh SOURCE_DIR
UNIT=$1/daemon/batond.service
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze is not installed (Debian package systemd): cannot rate the unit"
    exit 77
fi
failed=0
out=$(systemd-analyze security --offline=true "$UNIT" 2>&1)
level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$level" ]; then
    echo "FAIL - systemd-analyze gave no exposure level:"
    printf '%s\n' "$out" | tail -n 5
    exit 1
fi
# --threshold counts in tenths: 15 is an exposure of 1.5.
if systemd-analyze security --offline=true --threshold=15 "$UNIT" >/dev/null 2>&1; then
    echo "ok - exposure level $level (at most 1.5)"
else
    echo "FAIL - exposure level $level is above 1.5"
    failed=1
fi
for d in 'User=baton' 'NoNewPrivileges=yes' 'CapabilityBoundingSet=$' 'ProtectSystem=strict' \
    'PrivateTmp=yes' 'SystemCallFilter=@system-service' 'LimitCORE=0' 'MemoryDenyWriteExecute=yes'; do
    if grep -q "^$d" "$UNIT"; then
        echo "ok - $d"
    else
        echo "FAIL - the unit lacks $d"
        failed=1
    fi
done
if systemd-analyze verify "$UNIT" 2>&1 | grep -v 'is not executable' | grep -q .; then
    echo "FAIL - systemd-analyze verify:"
    systemd-analyze verify "$UNIT" 2>&1 | grep -v 'is not executable'
    failed=1
else
    echo "ok - systemd-analyze verify (apart from /usr/sbin/batond not being installed here)"
fi
exit $failed
