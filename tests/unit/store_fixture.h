/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * What the unit tests of batond's store and of its users share: a store file in a new temporary
 * folder with a random store key (removed with the folder afterwards), and SQL run on that file
 * directly, as another program would. Include after cmocka.h and store.h.
 */
#ifndef BATON_TEST_STORE_FIXTURE_H
#define BATON_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>
#include <sqlite3.h>

/* Makes /tmp/baton-NAME-XXXXXX into dir (64 bytes), its "store.db" into path (128 bytes) and a
 * random key. */
static inline void
store_tmp_make(char dir[64], char path[128], unsigned char key[STORE_KEY_BYTES], const char *name)
{
    assert_true(sodium_init() >= 0);
    snprintf(dir, 64, "/tmp/baton-%s-XXXXXX", name);
    assert_non_null(mkdtemp(dir));
    snprintf(path, 128, "%s/store.db", dir);
    randombytes_buf(key, STORE_KEY_BYTES);
}

/* Removes the folder store_tmp_make made, with everything in it. */
static inline void
store_tmp_remove(const char *dir)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Runs sql on the file at path; fails the test with SQLite's message when it fails. */
static inline void
raw_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

/* The first column of the first row of sql on the file at path, as an integer (-1: no row). */
static inline long long
raw_int(const char *path, const char *sql)
{
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;
    long long v = -1;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

#endif
