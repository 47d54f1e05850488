#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# The Debian package as an administrator meets it: cpack builds it from this build, its contents
# are checked, dpkg installs it, the organisation's keys, directory and covenant are put where
# the sample configuration expects them, batond starts from the installed files as the systemd
# unit starts it (as user baton) and answers, then it stops and dpkg purges the package, leaving
# the machine as it was. Needs root, dpkg-deb and dpkg-shlibdeps, and a machine where baton is
# not installed; skipped (77) otherwise.
# usage: package.sh BUILD_DIR SOURCE_DIR CPACK ITEST_HELPER SANITIZED(0|1)
BUILD=$1
SRC=$2
CPACK=$3
HELPER=$4
SANITIZED=${5:-0}

skip() {
    echo "SKIP: $1"
    exit 77
}
[ "$SANITIZED" = 0 ] || skip "this build has sanitizers; the package is made from a plain build"
[ "$(id -u)" -eq 0 ] || skip "not root: installing a package with dpkg needs root"
for tool in dpkg dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool is missing (Debian packages dpkg and dpkg-dev): cannot build or install a .deb"
done
for tool in curl setpriv flock useradd; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is missing: cannot run batond as the unit does"
done

# One run at a time on this machine: the package is installed system-wide.
exec 9>/run/lock/baton-package-test.lock
flock -w 600 9 || skip "another run of this test holds /run/lock/baton-package-test.lock"

if dpkg-query -W -f='${Status}' baton 2>/dev/null | grep -q 'installed'; then
    skip "a baton package is installed on this machine; the test would replace and purge it"
fi
for d in /etc/baton /var/lib/baton /run/baton; do
    [ -e "$d" ] && skip "$d exists and is not from a baton package: the test leaves it alone"
done

T=$(mktemp -d "${TMPDIR:-/tmp}/baton-package.XXXXXX") || exit 2
user_existed=0
getent passwd baton >/dev/null && user_existed=1
group_existed=0
getent group baton >/dev/null && group_existed=1
installed=0
pid=
. "$SRC/tests/tap.sh"

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    if [ "$installed" -eq 1 ]; then
        dpkg --purge baton >"$T/purge-cleanup.log" 2>&1
    fi
    rm -rf /run/baton
    if [ "$user_existed" -eq 0 ] && getent passwd baton >/dev/null; then
        userdel baton 2>/dev/null
    fi
    if [ "$group_existed" -eq 0 ] && getent group baton >/dev/null; then
        groupdel baton 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 3' INT TERM

finish() {
    tap_summary
    exit $?
}
# mode_owner PATH: "MODE USER GROUP".
mode_owner() {
    stat -c '%a %U %G' "$1" 2>/dev/null
}

# ---- build and look inside ----

if "$CPACK" --config "$BUILD/CPackConfig.cmake" -G DEB -B "$T/pkg" >"$T/cpack.log" 2>&1; then
    pass "cpack -G DEB builds the package"
else
    fail "cpack -G DEB builds the package" "$T/cpack.log"
    finish
fi
deb=$(ls "$T"/pkg/baton_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
    fail "cpack wrote baton_VERSION_ARCH.deb" "$T/cpack.log"
    finish
fi
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$T/contents"
unit=$(grep '/systemd/system/batond.service$' "$T/contents")
for f in /usr/bin/baton /usr/sbin/batond /etc/baton/batond.conf /usr/share/man/man1/baton.1.gz \
    /usr/share/man/man5/baton.conf.5.gz /usr/share/man/man8/batond.8.gz \
    /usr/share/bash-completion/completions/baton /usr/share/doc/baton/copyright; do
    if grep -qx "$f" "$T/contents"; then
        pass "the package holds $f"
    else
        fail "the package lacks $f" "$T/contents"
    fi
done
if [ -n "$unit" ]; then pass "the package holds the unit $unit"; else fail "the package lacks batond.service"; fi
if ls "$SRC"/daemon/web/index.html >/dev/null 2>&1; then
    check "the package holds the web page" grep -qx /usr/share/baton/web/index.html "$T/contents"
fi
if grep -q '^/usr/local' "$T/contents"; then
    fail "nothing in the package under /usr/local" "$T/contents"
fi
dpkg-deb -f "$deb" Package Version Depends Section Maintainer >"$T/control"
check "Package: baton" grep -qx 'Package: baton' "$T/control"
check "Depends lists the shared libraries' packages (dpkg-shlibdeps)" grep -q '^Depends:.*libsodium' "$T/control"
check "Depends lists passwd (useradd in postinst)" grep -q '^Depends:.*passwd' "$T/control"
dpkg-deb -e "$deb" "$T/control.d"
check "the configuration is a conffile" grep -qx /etc/baton/batond.conf "$T/control.d/conffiles"
for s in postinst prerm postrm; do
    check "the package has $s" test -x "$T/control.d/$s"
done

# ---- install ----

if dpkg -i "$deb" >"$T/dpkg.log" 2>&1; then
    installed=1
    pass "dpkg -i installs it"
else
    installed=1
    fail "dpkg -i installs it" "$T/dpkg.log"
    finish
fi
check "baton --version runs from /usr/bin" sh -c '/usr/bin/baton --version | grep -q "^baton [0-9]"'
check "batond --version runs from /usr/sbin" sh -c '/usr/sbin/batond --version >/dev/null'
check "postinst made the system user baton" sh -c 'getent passwd baton >/dev/null'
check "the user baton has no login shell" sh -c 'getent passwd baton | grep -q ":/usr/sbin/nologin$"'
got=$(mode_owner /var/lib/baton)
if [ "$got" = "750 baton baton" ]; then pass "/var/lib/baton is 0750 baton:baton"; else fail "/var/lib/baton is 0750 baton:baton, not '$got'"; fi
got=$(mode_owner /etc/baton)
if [ "$got" = "750 root baton" ]; then pass "/etc/baton is 0750 root:baton"; else fail "/etc/baton is 0750 root:baton, not '$got'"; fi
check "the unit starts /usr/sbin/batond with /etc/baton/batond.conf" \
    grep -qx 'ExecStart=/usr/sbin/batond --config /etc/baton/batond.conf' "$unit"
if command -v systemd-analyze >/dev/null 2>&1; then
    if systemd-analyze verify "$unit" >"$T/verify.log" 2>&1 && [ ! -s "$T/verify.log" ]; then
        pass "systemd-analyze verify accepts the installed unit"
    else
        fail "systemd-analyze verify accepts the installed unit" "$T/verify.log"
    fi
fi
if command -v man >/dev/null 2>&1; then
    for p in "1 baton" "8 batond" "5 baton.conf"; do
        # shellcheck disable=SC2086
        check "man -w $p finds the installed page" sh -c "man -w $p | grep -q '^/usr/share/man/'"
    done
fi
for l in "keystore = /etc/baton/keystore" "database = /var/lib/baton/store.db" \
    "admin_socket = /run/baton/admin.sock" "user = baton" "directory = /etc/baton/directory.jws" \
    "covenant = /etc/baton/covenant.jws" "coordinator = /etc/baton/coordinator.json"; do
    check "the sample configuration says '$l'" grep -qx "$l" /etc/baton/batond.conf
done

# ---- what the sample configuration needs: keys, directory, covenant (README: keygen) ----

OIN=00000001812345671000
OIN_COORD=00000001001234567002
# The peer port: the sample's 8443, unless something on this machine listens there already.
port=8443
if cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {print $2}' | grep -qi ':20FB$'; then
    port=$("$HELPER" ports 1)
    sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" /etc/baton/batond.conf
fi
if /usr/bin/baton keygen --org $OIN --name 'Praktijkschool De Brug' --role school \
    --endpoint "https://127.0.0.1:$port" --out /etc/baton >"$T/out" 2>"$T/err"; then
    pass "baton keygen --out /etc/baton"
else
    fail "baton keygen --out /etc/baton" "$T/err"
fi
chown baton:baton /etc/baton/keystore
/usr/bin/baton keygen --org $OIN_COORD --name 'Regionaal Coordinatiepunt' --role coordinator \
    --endpoint https://127.0.0.1:1 --out "$T/coord" >"$T/out" 2>"$T/err" ||
    fail "the coordinator's keygen" "$T/err"
issued=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
expires=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
{
    printf '{"$schema":"urn:baton:directory:1","version":1,"issued":"%s","expires":"%s",' \
        "$issued" "$expires"
    printf '"organisations":[%s,%s]}\n' "$(cat "$T/coord/entry.json")" "$(cat /etc/baton/entry.json)"
} >"$T/directory.json"
sed -e "s/\"valid_from\": \"[0-9-]*\"/\"valid_from\": \"$(date -u -d '-1 day' +%Y-%m-%d)\"/" \
    -e "s/\"valid_until\": \"[0-9-]*\"/\"valid_until\": \"$(date -u -d '+365 days' +%Y-%m-%d)\"/" \
    "$SRC/forms/examples/valid/covenant.json" >"$T/covenant.json"
/usr/bin/baton directory sign --keystore "$T/coord/keystore" -o /etc/baton/directory.jws \
    "$T/directory.json" >"$T/out" 2>"$T/err" || fail "the coordinator signs the directory" "$T/err"
/usr/bin/baton covenant sign --keystore "$T/coord/keystore" -o /etc/baton/covenant.jws \
    "$T/covenant.json" >"$T/out" 2>"$T/err" || fail "the coordinator signs the covenant" "$T/err"
cp "$T/coord/entry.json" /etc/baton/coordinator.json
chmod 0644 /etc/baton/directory.jws /etc/baton/covenant.jws /etc/baton/coordinator.json

# The sample's web listener (127.0.0.1:8480: /health and /metrics, and the page once people have
# tokens), unless something on this machine listens there already.
check "the sample configuration turns on the web listener on 127.0.0.1:8480" \
    grep -qx 'web_listen = 127.0.0.1:8480' /etc/baton/batond.conf
wport=8480
if cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {print $2}' | grep -qi ':2120$'; then
    wport=$("$HELPER" ports 1)
    sed -i "s/^web_listen = .*/web_listen = 127.0.0.1:$wport/" /etc/baton/batond.conf
fi

# Installing again keeps the configuration as changed (a conffile), and postinst runs again.
echo "# kept across installs" >>/etc/baton/batond.conf
if dpkg -i "$deb" >"$T/dpkg2.log" 2>&1 && grep -qx '# kept across installs' /etc/baton/batond.conf; then
    pass "dpkg -i again keeps the changed configuration"
else
    fail "dpkg -i again keeps the changed configuration" "$T/dpkg2.log"
fi

# ---- start batond as the unit does: as user baton, with /run/baton made for it ----

install -d -o baton -g baton -m 0750 /run/baton
# (The lock's descriptor is not handed on: a daemon left behind must not hold it.)
if (umask 0077 && exec setpriv --reuid=baton --regid=baton --clear-groups -- \
    /usr/sbin/batond --config /etc/baton/batond.conf --check) >"$T/check.log" 2>&1 9>&-; then
    pass "batond --check accepts the installed configuration"
else
    fail "batond --check accepts the installed configuration" "$T/check.log"
fi
# The subshell execs setpriv, which execs batond: $! is batond.
(umask 0077 && exec setpriv --reuid=baton --regid=baton --clear-groups -- \
    /usr/sbin/batond --config /etc/baton/batond.conf) </dev/null >"$T/batond.out" 2>"$T/batond.log" 9>&- &
pid=$!
i=0
while ! grep -q ' started ' "$T/batond.log" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge 75 ] || ! kill -0 "$pid" 2>/dev/null; then
        fail "batond starts from /etc/baton/batond.conf" "$T/batond.log"
        finish
    fi
    sleep 0.2
done
pass "batond starts from /etc/baton/batond.conf"
check "batond runs as user baton" sh -c "[ \"\$(stat -c %U /proc/$pid)\" = baton ]"

if curl -sS --max-time 10 --unix-socket /run/baton/admin.sock http://localhost/v1/health \
    >"$T/health" 2>"$T/err"; then
    pass "GET /v1/health on /run/baton/admin.sock answers"
else
    fail "GET /v1/health on /run/baton/admin.sock answers" "$T/err"
fi
check "health: status ok, this organisation, able to send" sh -c \
    "grep -q '\"status\": *\"ok\"' '$T/health' && grep -q '\"oin\": *\"$OIN\"' '$T/health' &&
     grep -q '\"can_send\": *true' '$T/health'"
if /usr/bin/baton outbox --socket /run/baton/admin.sock >"$T/out" 2>"$T/err"; then
    pass "baton outbox through the installed batond's socket"
else
    fail "baton outbox through the installed batond's socket" "$T/err"
fi
got=$(mode_owner /run/baton/admin.sock)
if [ "$got" = "660 baton baton" ]; then pass "the admin socket is 0660 baton:baton"; else fail "the admin socket is 0660 baton:baton, not '$got'"; fi
got=$(mode_owner /var/lib/baton/store.db)
case $got in
"600 baton baton" | "640 baton baton") pass "the store /var/lib/baton/store.db belongs to baton ($got)" ;;
*) fail "the store /var/lib/baton/store.db belongs to baton, not '$got'" ;;
esac
code=$(curl -s -o "$T/ready" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$wport/health/ready")
if [ "$code" = 200 ] && [ "$(cat "$T/ready")" = ok ]; then
    pass "GET /health/ready on the sample's web listener answers 200 ok"
else
    fail "GET /health/ready on the sample's web listener answers 200 ok, not $code" "$T/ready" \
        "$T/batond.log"
fi
code=$(curl -s -o "$T/index" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$wport/")
if [ "$code" = 200 ] && grep -qi '<html' "$T/index"; then
    pass "the web page comes from /usr/share/baton/web"
else
    fail "the web page comes from /usr/share/baton/web (status $code)" "$T/index"
fi

kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 150 ]; do
    i=$((i + 1))
    sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
    fail "batond stops within 30 s of SIGTERM" "$T/batond.log"
    finish
fi
wait "$pid"
st=$?
pid=
if [ "$st" -eq 0 ] && grep -q ' stopped ' "$T/batond.log"; then
    pass "batond stops cleanly on SIGTERM"
else
    fail "batond stops cleanly on SIGTERM (exit status $st)" "$T/batond.log"
fi

# ---- purge: nothing of it stays ----

if dpkg --purge baton >"$T/purge.log" 2>&1; then
    installed=0
    pass "dpkg --purge removes it"
else
    fail "dpkg --purge removes it" "$T/purge.log"
fi
for f in /usr/bin/baton /usr/sbin/batond "$unit" /etc/baton /var/lib/baton /usr/share/man/man1/baton.1.gz; do
    if [ -e "$f" ]; then fail "$f is gone after the purge"; else pass "$f is gone after the purge"; fi
done
if dpkg-query -W -f='${Status}' baton 2>/dev/null | grep -q 'installed'; then
    fail "dpkg no longer lists baton"
else
    pass "dpkg no longer lists baton"
fi
finish
