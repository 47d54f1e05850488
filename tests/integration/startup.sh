#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# batond refuses to start, and says exactly why, on a corrupt database file, another program's
# SQLite database, another organisation's store, a missing keystore, and a keystore that others
# may read; in each case it changes nothing and exits 1.
set -u
. "$(dirname "$0")/lib.sh"

net || finish
conf gemeente
conf school

# refuses NAME DESCRIPTION WORDS: NAME's batond exits 1 within 20 s, saying WORDS.
refuses() {
    timeout 20 "$BATOND" --config "$W/$1/batond.conf" >"$W/out" 2>"$W/err"
    st=$?
    if [ "$st" -eq 1 ] && grep -q -- "$3" "$W/err"; then
        pass "$2: refused, saying \"$3\""
    else
        fail "$2: refused with exit 1 saying \"$3\" (exit $st)" "$W/err"
    fi
}

head -c 8192 /dev/urandom >"$W/gemeente/store.db"
cp "$W/gemeente/store.db" "$W/garbage.copy"
refuses gemeente "a database file of random bytes" "store.db"
check "... and the file is as it was" cmp -s "$W/gemeente/store.db" "$W/garbage.copy"
rm -f "$W/gemeente/store.db"*

"$HELPER" sql "$W/gemeente/store.db" "CREATE TABLE recipes (name TEXT)" 2>/dev/null ||
    { rm -f "$W/gemeente/store.db"; : >"$W/gemeente/store.db"; "$HELPER" sql "$W/gemeente/store.db" "CREATE TABLE recipes (name TEXT)"; }
refuses gemeente "another program's SQLite database" "recipes"
check "... its table is still there and alone" \
    test "$("$HELPER" query "$W/gemeente/store.db" "SELECT group_concat(name) FROM sqlite_master")" = recipes
rm -f "$W/gemeente/store.db"*

# The school's store, given to the municipality.
start school || finish
stop school >/dev/null
for f in "$W/school/store.db"*; do cp "$f" "$W/gemeente/${f##*/}"; done
refuses gemeente "another organisation's store" "$OIN_SCHOOL"
rm -f "$W/gemeente/store.db"*

mv "$W/gemeente/keystore" "$W/gemeente/keystore.away"
refuses gemeente "a missing keystore" "keystore"
check "... and no store was made" test ! -e "$W/gemeente/store.db"
mv "$W/gemeente/keystore.away" "$W/gemeente/keystore"

chmod 0644 "$W/gemeente/keystore"
refuses gemeente "a keystore others may read" "chmod 600"
check "... and no store was made" test ! -e "$W/gemeente/store.db"
chmod 0600 "$W/gemeente/keystore"

start gemeente || finish
pass "with all put right it starts"
stop gemeente
finish
