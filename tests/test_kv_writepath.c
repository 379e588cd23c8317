/*
 * test_kv_writepath.c -- the write path of an explicit transaction
 * (lmkv_txn_insert / _remove): an insert of a new key is one MDB_NOOVERWRITE
 * put, an insert over an existing key is a no-op when the value is equal
 * (no write, no event) and an overwrite otherwise; every write is logged in
 * the txn's log arena so that the txn is replayed on a grown map when the
 * map fills inside it. Real LMDB files, a map small enough that the txn's
 * writes cannot fit without growing it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmkv_kv.h"
#include "util/lmkv_test_kv.h"
#include "util/lmkv_test_util.h"

#define OK(x) LMKV_TEST_OK(x)

static lmkv_db *open_small(const char *dir, uint64_t map)
{
    return lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, map);
}

/* Key i: short ("k000123") or, every 50th, a long key (> 500 bytes: stored
 * by prefix and hash, the path that still looks the key up first). */
static size_t key_of(char *buf, int i)
{
    int n = snprintf(buf, 16, "k%06d", i);
    if (i % 50 != 0)
        return (size_t)n;
    memset(buf + n, 'L', 600 - (size_t)n);
    return 600;
}

/* Value of key i in version ver (0 = first, 1 = rewritten), len bytes. */
static void value_of(uint8_t *v, size_t len, int i, int ver)
{
    for (size_t j = 0; j < len; j++)
        v[j] = (uint8_t)((size_t)i * 131u + j * 7u + (unsigned)ver * 29u);
}

enum { NOLD = 3000, NNEW = 20000 };

/* What the txn does to the old key i: 0 remove, 1 rewrite the same value,
 * 2 rewrite another value, 3 nothing. */
static int action(int i) { return i % 4; }

static void test_mixed_writes_replayed_on_growth(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvwritepath");
    lmkv_db *db = open_small(dir, 256 * 1024);
    lmkv_tree *t = lmkv_db_default_tree(db);
    char key[1024];
    uint8_t val[400], got[400];

    lmkv_txn *tx;
    OK(lmkv_txn_begin(&tx, db, 0));
    for (int i = 0; i < NOLD; i++) {
        size_t kn = key_of(key, i);
        value_of(val, 100, i, 0);
        OK(lmkv_txn_insert(tx, t, key, kn, val, 100));
    }
    OK(lmkv_txn_commit(tx));
    lmkv_db_stat st0;
    OK(lmkv_db_stat_get(&st0, db));

    lmkv_subscriber *sub;
    OK(lmkv_tree_watch_prefix(&sub, t, "k0000", 5)); /* keys 0..99 */

    /* one explicit txn: removes, equal and different rewrites, then more
     * new bytes than the whole map held: the map must grow inside it */
    OK(lmkv_txn_begin(&tx, db, 0));
    for (int i = 0; i < NOLD; i++) {
        size_t kn = key_of(key, i);
        switch (action(i)) {
        case 0: OK(lmkv_txn_remove(tx, t, key, kn)); break;
        case 1: value_of(val, 100, i, 0); OK(lmkv_txn_insert(tx, t, key, kn, val, 100)); break;
        case 2: value_of(val, 150, i, 1); OK(lmkv_txn_insert(tx, t, key, kn, val, 150)); break;
        default: break;
        }
    }
    for (int i = NOLD; i < NOLD + NNEW; i++) {
        size_t kn = key_of(key, i);
        value_of(val, 300, i, 0);
        OK(lmkv_txn_insert(tx, t, key, kn, val, 300));
    }
    /* a key inserted twice in the txn: the second value wins */
    size_t kn0 = key_of(key, NOLD + 1);
    value_of(val, 300, NOLD + 1, 1);
    OK(lmkv_txn_insert(tx, t, key, kn0, val, 300));
    OK(lmkv_txn_commit(tx));

    lmkv_db_stat st1;
    OK(lmkv_db_stat_get(&st1, db));
    assert_true(st0.map_size < (uint64_t)NNEW * 300); /* the txn could not fit... */
    assert_true(st1.map_size > st0.map_size);          /* ...so the map grew inside it */

    uint64_t len;
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, (uint64_t)(NOLD - NOLD / 4 + NNEW));
    for (int i = 0; i < NOLD + NNEW; i++) {
        size_t kn = key_of(key, i);
        lmkv_bytes v;
        int rc = lmkv_tree_get(&v, t, key, kn);
        if (i < NOLD && action(i) == 0) {
            assert_int_equal(rc, LMKV_NOTFOUND);
            continue;
        }
        OK(rc);
        size_t want = i >= NOLD ? 300 : action(i) == 2 ? 150 : 100;
        value_of(got, want, i, (i < NOLD && action(i) == 2) || i == NOLD + 1);
        assert_int_equal(v.size, want);
        assert_memory_equal(v.data, got, want);
        lmkv_free(v.data);
    }

    /* events for keys 0..99: one per changed key, none for equal rewrites
     * (and none for untouched keys) */
    int removes = 0, inserts = 0;
    lmkv_event ev;
    while (lmkv_subscriber_next(&ev, sub, 0) == LMKV_OK) {
        char kb[8];
        assert_true(ev.key.size >= 7);
        memcpy(kb, (const char *)ev.key.data + 1, 6); /* "k000123...": the number */
        kb[6] = '\0';
        int i = atoi(kb);
        assert_true(i < 100);
        if (ev.type == LMKV_EVENT_REMOVE) {
            assert_int_equal(action(i), 0);
            removes++;
        } else {
            assert_int_equal(action(i), 2);
            assert_int_equal(ev.value.size, 150);
            inserts++;
        }
        lmkv_event_clear(&ev);
    }
    assert_int_equal(removes, 25);
    assert_int_equal(inserts, 25);
    lmkv_subscriber_close(sub);

    lmkv_test_db_done(db, dir);
}

/* Inserting over an existing key with an equal value writes nothing: the
 * txn commits no new LMDB transaction id when that is all it did. */
static void test_equal_insert_writes_nothing(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvwritepath_eq");
    lmkv_db *db = open_small(dir, 0);
    lmkv_tree *t = lmkv_db_default_tree(db);
    OK(lmkv_tree_insert(NULL, t, "a", 1, "one", 3));
    lmkv_db_stat s0, s1;
    OK(lmkv_db_stat_get(&s0, db));
    lmkv_txn *tx;
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_txn_insert(tx, t, "a", 1, "one", 3));
    OK(lmkv_txn_commit(tx));
    OK(lmkv_db_stat_get(&s1, db));
    assert_int_equal(s1.last_txnid, s0.last_txnid); /* nothing was written */
    OK(lmkv_txn_begin(&tx, db, 0));
    lmkv_pair p;
    OK(lmkv_txn_get(&p, tx, t, "a", 1));
    assert_int_equal(p.value_size, 3);
    assert_memory_equal(p.value, "one", 3);
    OK(lmkv_txn_insert(tx, t, "a", 1, "two", 3));
    OK(lmkv_txn_get(&p, tx, t, "a", 1));
    assert_memory_equal(p.value, "two", 3);
    OK(lmkv_txn_insert(tx, t, "b", 1, "", 0));
    OK(lmkv_txn_get(&p, tx, t, "b", 1));
    assert_int_equal(p.value_size, 0);
    OK(lmkv_txn_commit(tx));
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "a", 1));
    assert_int_equal(v.size, 3);
    assert_memory_equal(v.data, "two", 3);
    lmkv_free(v.data);
    lmkv_test_db_done(db, dir);
}

/* A flush, and so the last close, syncs only what was committed since the
 * handle was opened or last flushed: a process that only reads pays no
 * fdatasync. */
static void test_flush_after_open_syncs_nothing(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvwritepath_fl");
    lmkv_db *db = open_small(dir, 0);
    OK(lmkv_tree_insert(NULL, lmkv_db_default_tree(db), "a", 1, "1", 1));
    lmkv_db_close(db);
    db = open_small(dir, 0);
    uint64_t fl = 1;
    OK(lmkv_db_flush(&fl, db));
    assert_int_equal(fl, 0);                /* nothing new since the open */
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, lmkv_db_default_tree(db), "a", 1));
    lmkv_free(v.data);
    OK(lmkv_db_flush(&fl, db));
    assert_int_equal(fl, 0);                /* reads commit nothing */
    OK(lmkv_tree_insert(NULL, lmkv_db_default_tree(db), "b", 1, "2", 1));
    OK(lmkv_db_flush(&fl, db));
    assert_true(fl > 0);                    /* a commit since: synced */
    OK(lmkv_db_flush(&fl, db));
    assert_int_equal(fl, 0);
    lmkv_db_close(db);
    /* a fresh database: its creation commits are synced by the first flush */
    char *dir2 = lmkv_test_tmpdir("kvwritepath_fl2");
    db = open_small(dir2, 0);
    OK(lmkv_db_flush(&fl, db));
    assert_true(fl > 0);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    lmkv_test_rmtree(dir2);
    free(dir);
    free(dir2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_writes_replayed_on_growth),
        cmocka_unit_test(test_equal_insert_writes_nothing),
        cmocka_unit_test(test_flush_after_open_syncs_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
