/*
 * test_versioning_current.c -- lmkv_current_set_latest, the one door through
 * which modules other than index sessions (lmdb-migrate's typed import) set
 * a path's latest and current version: on a real LMDB database, the entry
 * appears with source LATEST only when the caller's session commits, moves
 * the state generation once, is a no-op the second time, and bad arguments
 * are refused with nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_versioning_util.h"
#include "util/lmkv_test_util.h"

static uint64_t generation(lmkv_store *st, uint64_t ws)
{
    lmkv_store_txn *t = NULL;
    uint64_t g = 0;
    assert_int_equal(lmkv_store_txn_begin(&t, st), LMKV_OK);
    assert_int_equal(lmkv_store_generation(&g, t, ws), LMKV_OK);
    lmkv_store_txn_end(t);
    return g;
}

static int current_of(lmkv_store *st, uint64_t ws, const char *path, lmkv_store_current *out)
{
    lmkv_store_txn *t = NULL;
    assert_int_equal(lmkv_store_txn_begin(&t, st), LMKV_OK);
    int rc = lmkv_store_current_get(out, t, ws, path, strlen(path));
    lmkv_store_txn_end(t);
    return rc;
}

static void test_set_latest(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("vcur");
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    assert_int_equal(lmkv_db_open_path(&db, dir), LMKV_OK);
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    uint64_t ws, fv1, fv2;
    assert_int_equal(lmkv_workspace_id(&ws, "/srv/proj"), LMKV_OK);
    assert_int_equal(lmkv_file_version_id(&fv1, ws, "src/a.c", "1a7b5016e184713a876faecdb8b939d2"), LMKV_OK);
    assert_int_equal(lmkv_file_version_id(&fv2, ws, "src/a.c", "e66fd217cd43a9f23f3f00b91712f93b"), LMKV_OK);
    uint64_t g0 = generation(st, ws);

    /* bad arguments: refused, nothing written */
    lmkv_store_session *s = NULL;
    assert_int_equal(lmkv_store_session_begin(&s, st), LMKV_OK);
    assert_int_equal(lmkv_current_set_latest(NULL, ws, "src/a.c", 7, fv1), LMKV_EINVAL);
    assert_int_equal(lmkv_current_set_latest(s, ws, NULL, 7, fv1), LMKV_EINVAL);
    assert_int_equal(lmkv_current_set_latest(s, ws, "src/a.c", 0, fv1), LMKV_EINVAL);
    assert_int_equal(lmkv_current_set_latest(s, ws, "src/a.c", 7, 0), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "src/a.c"));
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    lmkv_store_current c;
    assert_int_equal(current_of(st, ws, "src/a.c", &c), LMKV_NOTFOUND);

    /* an aborted session leaves nothing */
    assert_int_equal(lmkv_store_session_begin(&s, st), LMKV_OK);
    assert_int_equal(lmkv_current_set_latest(s, ws, "src/a.c", 7, fv1), LMKV_OK);
    lmkv_store_session_abort(s);
    assert_int_equal(current_of(st, ws, "src/a.c", &c), LMKV_NOTFOUND);
    assert_int_equal(generation(st, ws), g0);

    /* committed: current with source LATEST, generation moved once; path_len
     * counts bytes (no NUL needed) */
    assert_int_equal(lmkv_store_session_begin(&s, st), LMKV_OK);
    assert_int_equal(lmkv_current_set_latest(s, ws, "src/a.cXYZ", 7, fv1), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(current_of(st, ws, "src/a.c", &c), LMKV_OK);
    assert_true(c.fv == fv1);
    assert_int_equal(c.source, LMKV_SOURCE_LATEST);
    uint64_t g1 = generation(st, ws);
    assert_true(g1 > g0);

    /* the same fv again: no change, no new generation */
    assert_int_equal(lmkv_store_session_begin(&s, st), LMKV_OK);
    assert_int_equal(lmkv_current_set_latest(s, ws, "src/a.c", 7, fv1), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_true(generation(st, ws) == g1);

    /* a newer version replaces it */
    assert_int_equal(lmkv_store_session_begin(&s, st), LMKV_OK);
    assert_int_equal(lmkv_current_set_latest(s, ws, "src/a.c", 7, fv2), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(current_of(st, ws, "src/a.c", &c), LMKV_OK);
    assert_true(c.fv == fv2);
    assert_true(generation(st, ws) > g1);

    lmkv_store_close(st);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_set_latest)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
