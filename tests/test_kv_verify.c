/*
 * test_kv_verify.c -- lmkv_db_verify on real LMDB files: a clean database
 * (user trees, a system tree, long keys) reads every entry of every tree
 * and reports no problem; records damaged with LMDB's own API (a key whose
 * encoding kv does not know, a long key whose stored full key does not
 * match its prefix) are one problem per damaged tree, naming it, the other
 * trees still read; on_tree sees every tree; on_problem can stop the walk,
 * and so can max_problems.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmkv_kv.h"
#include "util/lmkv_test_kv.h"
#include "util/lmkv_test_util.h"

struct seen {
    int trees, problems, stop_after;
    char names[16][64];
    char problem_tree[4][64];
    char problem_msg[4][1200];
};

static void on_tree(void *ctx, const void *tree, size_t len, int system)
{
    struct seen *s = ctx;
    if (s->trees < 16) snprintf(s->names[s->trees], 64, "%s%.*s", system ? "s:" : "t:", (int)len, (const char *)tree);
    s->trees++;
}

static int on_problem(void *ctx, const lmkv_db_verify_problem *p)
{
    struct seen *s = ctx;
    if (s->problems < 4) {
        snprintf(s->problem_tree[s->problems], 64, "%.*s", (int)p->tree_len, (const char *)p->tree);
        snprintf(s->problem_msg[s->problems], 1200, "%s", p->message);
    }
    s->problems++;
    return s->stop_after && s->problems >= s->stop_after;
}

static int has_tree(const struct seen *s, const char *name)
{
    for (int i = 0; i < s->trees && i < 16; i++)
        if (!strcmp(s->names[i], name)) return 1;
    return 0;
}

static void fill(lmkv_db *db)
{
    lmkv_tree *a = NULL, *b = NULL, *sys = NULL;
    assert_int_equal(lmkv_db_open_tree(&a, db, "alpha", 5), LMKV_OK);
    assert_int_equal(lmkv_db_open_tree(&b, db, "beta", 4), LMKV_OK);
    assert_int_equal(lmkv_db_open_system_tree(&sys, db, "store.test", 10), LMKV_OK);
    char k[16], big[900];
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof k, "k%04d", i);
        assert_int_equal(lmkv_tree_insert(NULL, a, k, strlen(k), "v", 1), LMKV_OK);
        assert_int_equal(lmkv_tree_insert(NULL, sys, k, strlen(k), "s", 1), LMKV_OK);
    }
    for (int i = 0; i < 5; i++) {
        memset(big, 'a' + i, sizeof big);
        assert_int_equal(lmkv_tree_insert(NULL, b, big, sizeof big, "long", 4), LMKV_OK);
    }
    lmkv_tree_close(a);
    lmkv_tree_close(b);
    lmkv_tree_close(sys);
}

static void test_clean(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvverify");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 0);
    fill(db);
    struct seen s;
    memset(&s, 0, sizeof s);
    lmkv_db_verify_options o;
    lmkv_db_verify_options_init(&o);
    o.on_tree = on_tree;
    o.on_problem = on_problem;
    o.ctx = &s;
    lmkv_db_verify_report r;
    assert_int_equal(lmkv_db_verify(&r, db, &o), LMKV_OK);
    assert_int_equal(s.problems, 0);
    assert_true(r.problems == 0 && !r.stopped);
    assert_true(has_tree(&s, "t:alpha") && has_tree(&s, "t:beta") && has_tree(&s, "s:store.test"));
    assert_true(has_tree(&s, "t:__sled__default"));
    assert_true(r.trees == (uint64_t)s.trees);
    assert_true(r.entries == r.total_entries);
    assert_true(r.entries >= 605); /* 300 + 300 + 5, plus whatever the default tree holds */
    assert_int_equal(lmkv_db_verify(NULL, NULL, NULL), LMKV_EINVAL);
    assert_int_equal(lmkv_db_verify(NULL, db, NULL), LMKV_OK); /* no options, no report */
    lmkv_test_db_done(db, dir);
}

/* Damages tree `dbi_name` with LMDB's own API (lmkv closed): puts a raw key. */
static void damage(const char *dir, const char *dbi_name, const void *key, size_t klen, const void *val, size_t vlen)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 4096), 0);
    assert_int_equal(mdb_env_set_mapsize(env, 64u << 20), 0);
    assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, dbi_name, 0, &dbi), 0);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void test_damage(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvverify");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 0);
    fill(db);
    lmkv_db_close(db);
    /* alpha: a key with a tag byte kv's codec does not know */
    damage(dir, "t:alpha", "\x07zz", 3, "v", 1);
    /* beta: a long key (01, 501 prefix bytes, 8 hash bytes) whose value does
     * not start with a full key matching that prefix */
    unsigned char lk[1 + 501 + 8];
    lk[0] = 0x01;
    memset(lk + 1, 'q', 501);
    memset(lk + 502, 0x5a, 8);
    damage(dir, "t:beta", lk, sizeof lk, "nonsense", 8);
    db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 0);

    struct seen s;
    memset(&s, 0, sizeof s);
    lmkv_db_verify_options o;
    lmkv_db_verify_options_init(&o);
    o.on_tree = on_tree;
    o.on_problem = on_problem;
    o.ctx = &s;
    lmkv_db_verify_report r;
    assert_int_equal(lmkv_db_verify(&r, db, &o), LMKV_ECORRUPT);
    assert_int_equal(s.problems, 2);
    assert_true(r.problems == 2 && !r.stopped);
    assert_string_equal(s.problem_tree[0], "alpha");
    assert_string_equal(s.problem_tree[1], "beta");
    assert_non_null(strstr(s.problem_msg[0], "reading entry "));
    assert_true(has_tree(&s, "s:store.test")); /* trees after the damage were still read */
    assert_true(r.trees == (uint64_t)s.trees);
    assert_true(r.entries < r.total_entries); /* the damaged records were not read */

    /* on_problem stops the walk at the first problem */
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(lmkv_db_verify(&r, db, &o), LMKV_ECORRUPT);
    assert_int_equal(s.problems, 1);
    assert_true(r.problems == 1 && r.stopped);
    /* and so does max_problems */
    memset(&s, 0, sizeof s);
    o.max_problems = 1;
    assert_int_equal(lmkv_db_verify(&r, db, &o), LMKV_ECORRUPT);
    assert_true(r.problems == 1 && r.stopped && s.problems == 1);
    lmkv_test_db_done(db, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_clean), cmocka_unit_test(test_damage)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
