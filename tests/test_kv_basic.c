/*
 * test_kv_basic.c -- every kv operation on real LMDB files: the key codec
 * against its byte table, ordering of empty / 0xFF-heavy / 600 / 10,000 /
 * 1 MiB keys sharing long prefixes, reopen persistence, absent vs empty,
 * drop_tree and stale handles, system trees hidden, checksum computed by
 * hand, export/import, copy, stats, errors, format version.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lmdb.h>
#include <xxhash.h>

#include "lmkv_kv.h"
#include "kv_int.h"
#include "util/lmkv_test_util.h"

#define OK(x) assert_int_equal((x), LMKV_OK)

static lmkv_db *open_db(const char *dir)
{
    lmkv_db *db = NULL;
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = dir;
    c.flush_every_ms = 0;
    int rc = lmkv_db_open(&db, &c);
    if (rc)
        fprintf(stderr, "open %s: %s\n", dir, lmkv_errmsg());
    assert_int_equal(rc, 0);
    return db;
}

static void put(lmkv_tree *t, const char *k, const char *v)
{
    OK(lmkv_tree_insert(NULL, t, k, strlen(k), v, strlen(v)));
}

static void expect(lmkv_tree *t, const void *k, size_t ks, const char *v)
{
    lmkv_bytes b = {0};
    int rc = lmkv_tree_get(&b, t, k, ks);
    if (!v) {
        assert_int_equal(rc, LMKV_NOTFOUND);
        return;
    }
    OK(rc);
    assert_non_null(b.data);
    assert_int_equal(b.size, strlen(v));
    assert_memory_equal(b.data, v, b.size);
    lmkv_free(b.data);
}

/* ------------------------------------------------------------ key codec table */

static void test_key_codec_table(void **state)
{
    (void)state;
    kv_enc e;
    /* empty -> 00 */
    lmkv_kv__key_encode(&e, NULL, 0);
    assert_int_equal(e.size, 1);
    assert_int_equal(e.buf[0], 0x00);
    assert_false(e.is_long);
    /* "a" -> 01 61 */
    lmkv_kv__key_encode(&e, "a", 1);
    assert_int_equal(e.size, 2);
    assert_int_equal(e.buf[0], 0x01);
    assert_int_equal(e.buf[1], 0x61);
    /* 500 bytes -> 01 k (501 bytes) */
    uint8_t k[2000];
    for (int i = 0; i < 2000; i++)
        k[i] = (uint8_t)(i * 7);
    lmkv_kv__key_encode(&e, k, 500);
    assert_int_equal(e.size, 501);
    assert_int_equal(e.buf[0], 0x01);
    assert_memory_equal(e.buf + 1, k, 500);
    assert_false(e.is_long);
    /* 501 and 2000 bytes -> 01 k[0..501) H(8, big-endian) = 510 bytes */
    size_t lens[] = {501, 2000};
    for (int j = 0; j < 2; j++) {
        lmkv_kv__key_encode(&e, k, lens[j]);
        assert_int_equal(e.size, 510);
        assert_true(e.is_long);
        assert_int_equal(e.buf[0], 0x01);
        assert_memory_equal(e.buf + 1, k, 501);
        uint64_t h = XXH3_64bits(k, lens[j]);
        for (int i = 0; i < 8; i++)
            assert_int_equal(e.buf[502 + i], (uint8_t)(h >> (56 - 8 * i)));
    }
    /* decode of a long record: value = L (u64 LE) k v */
    uint8_t val[8 + 600 + 3];
    uint64_t L = 600;
    for (int i = 0; i < 8; i++)
        val[i] = (uint8_t)(L >> (8 * i));
    memcpy(val + 8, k, 600);
    memcpy(val + 608, "xyz", 3);
    lmkv_kv__key_encode(&e, k, 600);
    MDB_val sk = {e.size, e.buf}, sv = {sizeof val, val};
    lmkv_pair p;
    OK(lmkv_kv__record_decode(&sk, &sv, &p));
    assert_int_equal(p.key_size, 600);
    assert_memory_equal(p.key, k, 600);
    assert_int_equal(p.value_size, 3);
    assert_memory_equal(p.value, "xyz", 3);
    /* a malformed long record is reported, not trusted */
    sv.mv_size = 100;
    assert_int_equal(lmkv_kv__record_decode(&sk, &sv, &p), LMKV_ECORRUPT);
}

/* ------------------------------------------------------------ point ops */

static int upd_append_x(void *ctx, const uint8_t *old, size_t n, uint8_t **out, size_t *outn)
{
    (void)ctx;
    if (old && n == 3 && memcmp(old, "del", 3) == 0) {
        *out = NULL;
        return 0;
    }
    uint8_t *m = malloc(n + 1);
    if (n)
        memcpy(m, old, n);
    m[n] = 'x';
    *out = m;
    *outn = n + 1;
    return 0;
}

static int concat_merge(void *ctx, const uint8_t *key, size_t ks, const uint8_t *old, size_t on,
                        const uint8_t *m, size_t mn, uint8_t **out, size_t *outn)
{
    (void)ctx; (void)key; (void)ks;
    if (mn == 0) { /* empty merge arg deletes */
        *out = NULL;
        return 0;
    }
    uint8_t *r = malloc(on + mn);
    if (on)
        memcpy(r, old, on);
    memcpy(r + on, m, mn);
    *out = r;
    *outn = on + mn;
    return 0;
}

static void test_point_ops(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvbasic");
    lmkv_db *db = open_db(dir);
    assert_int_equal(lmkv_db_was_recovered(db), 0);
    lmkv_tree *t = lmkv_db_default_tree(db);
    size_t nl;
    assert_memory_equal(lmkv_tree_name(t, &nl), "__sled__default", 15);
    assert_int_equal(nl, 15);
    assert_string_equal(lmkv_tree_dbi_name(t), "t:__sled__default");

    lmkv_bytes prev = {0};
    OK(lmkv_tree_insert(&prev, t, "k", 1, "v1", 2));
    assert_null(prev.data);
    OK(lmkv_tree_insert(&prev, t, "k", 1, "v2", 2));
    assert_int_equal(prev.size, 2);
    assert_memory_equal(prev.data, "v1", 2);
    lmkv_free(prev.data);
    expect(t, "k", 1, "v2");
    OK(lmkv_tree_contains_key(t, "k", 1));
    assert_int_equal(lmkv_tree_contains_key(t, "nope", 4), LMKV_NOTFOUND);

    /* absent vs empty value, empty key */
    OK(lmkv_tree_insert(NULL, t, "e", 1, "", 0));
    lmkv_bytes b = {0};
    OK(lmkv_tree_get(&b, t, "e", 1));
    assert_non_null(b.data);
    assert_int_equal(b.size, 0);
    lmkv_free(b.data);
    OK(lmkv_tree_insert(NULL, t, NULL, 0, "emptykey", 8));
    expect(t, "", 0, "emptykey");

    /* remove returns previous; absent -> NOTFOUND */
    OK(lmkv_tree_remove(&prev, t, "k", 1));
    assert_memory_equal(prev.data, "v2", 2);
    lmkv_free(prev.data);
    assert_int_equal(lmkv_tree_remove(&prev, t, "k", 1), LMKV_NOTFOUND);

    /* compare_and_swap */
    lmkv_bytes cur = {0};
    OK(lmkv_tree_compare_and_swap(&cur, t, "c", 1, NULL, 0, "1", 1)); /* absent -> 1 */
    assert_int_equal(lmkv_tree_compare_and_swap(&cur, t, "c", 1, NULL, 0, "2", 1), LMKV_ECAS);
    assert_int_equal(cur.size, 1);
    assert_memory_equal(cur.data, "1", 1);
    lmkv_free(cur.data);
    cur.data = NULL;
    assert_int_equal(lmkv_tree_compare_and_swap(&cur, t, "c", 1, "", 0, "2", 1), LMKV_ECAS); /* empty != "1" */
    lmkv_free(cur.data);
    cur.data = NULL;
    OK(lmkv_tree_compare_and_swap(&cur, t, "c", 1, "1", 1, "", 0)); /* -> empty value */
    assert_int_equal(lmkv_tree_compare_and_swap(&cur, t, "c", 1, NULL, 0, "x", 1), LMKV_ECAS); /* empty is not absent */
    assert_non_null(cur.data);
    assert_int_equal(cur.size, 0);
    lmkv_free(cur.data);
    cur.data = NULL;
    OK(lmkv_tree_compare_and_swap(&cur, t, "c", 1, "", 0, NULL, 0)); /* delete */
    assert_int_equal(lmkv_tree_contains_key(t, "c", 1), LMKV_NOTFOUND);
    assert_int_equal(lmkv_tree_compare_and_swap(&cur, t, "c", 1, "1", 1, NULL, 0), LMKV_ECAS);
    assert_null(cur.data); /* current is absent */
    OK(lmkv_tree_compare_and_swap(NULL, t, "c", 1, NULL, 0, NULL, 0)); /* absent -> absent */

    /* update_and_fetch / fetch_and_update */
    OK(lmkv_tree_update_and_fetch(&b, t, "u", 1, upd_append_x, NULL));
    assert_int_equal(b.size, 1);
    assert_memory_equal(b.data, "x", 1);
    lmkv_free(b.data);
    OK(lmkv_tree_fetch_and_update(&b, t, "u", 1, upd_append_x, NULL));
    assert_int_equal(b.size, 1);
    lmkv_free(b.data);
    expect(t, "u", 1, "xx");
    put(t, "u", "del");
    OK(lmkv_tree_update_and_fetch(&b, t, "u", 1, upd_append_x, NULL));
    assert_null(b.data);
    expect(t, "u", 1, NULL);

    /* merge */
    assert_int_equal(lmkv_tree_merge(NULL, t, "m", 1, "a", 1), LMKV_EUNSUPPORTED);
    lmkv_tree_set_merge_operator(t, concat_merge, NULL);
    OK(lmkv_tree_merge(&b, t, "m", 1, "a", 1));
    assert_memory_equal(b.data, "a", 1);
    lmkv_free(b.data);
    OK(lmkv_tree_merge(&b, t, "m", 1, "bc", 2));
    assert_int_equal(b.size, 3);
    assert_memory_equal(b.data, "abc", 3);
    lmkv_free(b.data);
    put(t, "m", "zz"); /* insert bypasses the operator */
    expect(t, "m", 1, "zz");
    OK(lmkv_tree_merge(&b, t, "m", 1, "", 0)); /* operator returns absent -> delete */
    assert_null(b.data);
    expect(t, "m", 1, NULL);
    /* another handle to the same tree has no operator (not persisted) */
    lmkv_tree *t2;
    OK(lmkv_db_open_tree(&t2, db, "__sled__default", 15));
    assert_int_equal(lmkv_tree_merge(NULL, t2, "m", 1, "a", 1), LMKV_EUNSUPPORTED);
    lmkv_tree_close(t2);

    /* first/last/get_lt/get_gt/pop */
    lmkv_tree *o;
    OK(lmkv_db_open_tree(&o, db, "order", 5));
    lmkv_bytes k = {0}, v = {0};
    assert_int_equal(lmkv_tree_first(&k, &v, o), LMKV_NOTFOUND);
    assert_int_equal(lmkv_tree_is_empty(o), 1);
    put(o, "b", "2");
    put(o, "a", "1");
    put(o, "c", "3");
    OK(lmkv_tree_insert(NULL, o, "", 0, "0", 1));
    uint64_t len;
    OK(lmkv_tree_len(&len, o));
    assert_int_equal(len, 4);
    assert_int_equal(lmkv_tree_is_empty(o), 0);
    OK(lmkv_tree_first(&k, &v, o));
    assert_int_equal(k.size, 0);
    assert_non_null(k.data);
    lmkv_free(k.data); lmkv_free(v.data);
    OK(lmkv_tree_last(&k, &v, o));
    assert_memory_equal(k.data, "c", 1);
    lmkv_free(k.data); lmkv_free(v.data);
    assert_int_equal(lmkv_tree_get_lt(&k, &v, o, "", 0), LMKV_NOTFOUND);
    OK(lmkv_tree_get_gt(&k, &v, o, "", 0));
    assert_memory_equal(k.data, "a", 1);
    lmkv_free(k.data); lmkv_free(v.data);
    OK(lmkv_tree_get_lt(&k, &v, o, "b", 1));
    assert_memory_equal(k.data, "a", 1);
    lmkv_free(k.data); lmkv_free(v.data);
    OK(lmkv_tree_get_lt(&k, &v, o, "bb", 2));
    assert_memory_equal(k.data, "b", 1);
    lmkv_free(k.data); lmkv_free(v.data);
    assert_int_equal(lmkv_tree_get_gt(&k, &v, o, "c", 1), LMKV_NOTFOUND);
    OK(lmkv_tree_pop_min(&k, &v, o));
    assert_int_equal(k.size, 0);
    assert_memory_equal(v.data, "0", 1);
    lmkv_free(k.data); lmkv_free(v.data);
    OK(lmkv_tree_pop_max(&k, &v, o));
    assert_memory_equal(k.data, "c", 1);
    lmkv_free(k.data); lmkv_free(v.data);
    OK(lmkv_tree_len(&len, o));
    assert_int_equal(len, 2);
    OK(lmkv_tree_clear(o));
    assert_int_equal(lmkv_tree_is_empty(o), 1);
    assert_int_equal(lmkv_tree_pop_min(&k, &v, o), LMKV_NOTFOUND);
    lmkv_tree_close(o);

    /* errors carry context */
    assert_int_equal(lmkv_tree_get(&b, NULL, "k", 1), LMKV_EINVAL);
    assert_true(strlen(lmkv_errmsg()) > 0);
    assert_string_equal(lmkv_strerror(LMKV_ECAS), "compare_and_swap: current value differs");
    assert_true(strlen(lmkv_version()) > 0);

    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------ ordering */

typedef struct kvp {
    uint8_t *k;
    size_t n;
} kvp;

static int kvp_cmp(const void *a, const void *b)
{
    const kvp *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->k, y->k, m);
    if (c)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

static void test_ordering_long_keys(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvorder");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "long", 4));
    enum { N = 64 };
    kvp keys[N];
    size_t nk = 0;
    uint64_t rs = 42;
    /* shared 700-byte prefix of 0xFF bytes, then variations */
    const size_t lens[] = {0, 1, 2, 499, 500, 501, 502, 600, 600, 601, 1000, 10000, 10000, 1048577};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (int variant = 0; variant < 4 && nk < N; variant++) {
            size_t n = lens[i];
            uint8_t *k = malloc(n ? n : 1);
            memset(k, 0xFF, n);
            if (n > 0 && variant == 1)
                k[n - 1] = 0x00;
            if (n > 1 && variant == 2)
                k[n / 2] = (uint8_t)lmkv_test_rand(&rs);
            if (n > 600 && variant == 3)
                k[550] = 0xFE; /* differs after the 501-byte stored prefix */
            bool dup = false;
            for (size_t j = 0; j < nk; j++)
                if (keys[j].n == n && memcmp(keys[j].k, k, n) == 0)
                    dup = true;
            if (dup) {
                free(k);
                continue;
            }
            keys[nk].k = k;
            keys[nk].n = n;
            nk++;
        }
    }
    /* insert in a scrambled order; value = decimal index of insertion */
    for (size_t i = 0; i < nk; i++) {
        size_t j = (i * 37) % nk;
        char v[32];
        snprintf(v, sizeof v, "%zu", keys[j].n);
        OK(lmkv_tree_insert(NULL, t, keys[j].k, keys[j].n, v, strlen(v)));
    }
    qsort(keys, nk, sizeof keys[0], kvp_cmp);
    uint64_t len;
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, nk);
    for (int pass = 0; pass < 2; pass++) {
        /* forward */
        lmkv_iter *it;
        lmkv_pair p;
        OK(lmkv_tree_iter(&it, t));
        size_t i = 0;
        while (lmkv_iter_next(&p, it) == 0) {
            assert_true(i < nk);
            assert_int_equal(p.key_size, keys[i].n);
            assert_memory_equal(p.key, keys[i].k, p.key_size);
            i++;
        }
        assert_int_equal(i, nk);
        lmkv_iter_free(it);
        /* backward */
        OK(lmkv_tree_iter(&it, t));
        i = nk;
        while (lmkv_iter_next_back(&p, it) == 0) {
            assert_true(i > 0);
            i--;
            assert_int_equal(p.key_size, keys[i].n);
            assert_memory_equal(p.key, keys[i].k, p.key_size);
        }
        assert_int_equal(i, 0);
        lmkv_iter_free(it);
        /* get, get_lt, get_gt of every key */
        for (i = 0; i < nk; i++) {
            lmkv_bytes k = {0}, v = {0};
            OK(lmkv_tree_get(&v, t, keys[i].k, keys[i].n));
            lmkv_free(v.data);
            int rc = lmkv_tree_get_lt(&k, &v, t, keys[i].k, keys[i].n);
            if (i == 0) {
                assert_int_equal(rc, LMKV_NOTFOUND);
            } else {
                OK(rc);
                assert_int_equal(k.size, keys[i - 1].n);
                assert_memory_equal(k.data, keys[i - 1].k, k.size);
                lmkv_free(k.data); lmkv_free(v.data);
            }
            rc = lmkv_tree_get_gt(&k, &v, t, keys[i].k, keys[i].n);
            if (i == nk - 1) {
                assert_int_equal(rc, LMKV_NOTFOUND);
            } else {
                OK(rc);
                assert_int_equal(k.size, keys[i + 1].n);
                assert_memory_equal(k.data, keys[i + 1].k, k.size);
                lmkv_free(k.data); lmkv_free(v.data);
            }
        }
        /* a range over the middle third, both ends */
        lmkv_bound lo = {LMKV_INCLUDED, keys[nk / 3].k, keys[nk / 3].n};
        lmkv_bound hi = {LMKV_EXCLUDED, keys[2 * nk / 3].k, keys[2 * nk / 3].n};
        OK(lmkv_tree_range(&it, t, &lo, &hi));
        i = nk / 3;
        size_t j = 2 * nk / 3;
        int turn = 0;
        for (;;) {
            int rc = (turn++ % 3 == 0) ? lmkv_iter_next_back(&p, it) : lmkv_iter_next(&p, it);
            if (rc == LMKV_NOTFOUND)
                break;
            OK(rc);
            if ((turn - 1) % 3 == 0) {
                j--;
                assert_int_equal(p.key_size, keys[j].n);
                assert_memory_equal(p.key, keys[j].k, p.key_size);
            } else {
                assert_int_equal(p.key_size, keys[i].n);
                assert_memory_equal(p.key, keys[i].k, p.key_size);
                i++;
            }
        }
        assert_int_equal(i, j);
        lmkv_iter_free(it);
        /* scan_prefix of 0xFF x 700 */
        uint8_t pre[700];
        memset(pre, 0xFF, sizeof pre);
        OK(lmkv_tree_scan_prefix(&it, t, pre, sizeof pre));
        size_t want = 0, got = 0;
        for (i = 0; i < nk; i++)
            if (keys[i].n >= 700 && memcmp(keys[i].k, pre, 700) == 0)
                want++;
        while (lmkv_iter_next(&p, it) == 0) {
            assert_true(p.key_size >= 700);
            assert_memory_equal(p.key, pre, 700);
            got++;
        }
        assert_int_equal(got, want);
        assert_true(want > 3);
        lmkv_iter_free(it);
        /* reopen and check again */
        lmkv_tree_close(t);
        lmkv_db_close(db);
        db = open_db(dir);
        assert_int_equal(lmkv_db_was_recovered(db), 1);
        OK(lmkv_db_open_tree(&t, db, "long", 4));
    }
    /* removing long keys */
    for (size_t i = 0; i < nk; i += 2)
        OK(lmkv_tree_remove(NULL, t, keys[i].k, keys[i].n));
    for (size_t i = 0; i < nk; i++)
        assert_int_equal(lmkv_tree_contains_key(t, keys[i].k, keys[i].n), i % 2 ? LMKV_OK : LMKV_NOTFOUND);
    for (size_t i = 0; i < nk; i++)
        free(keys[i].k);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------ trees */

static int count_names(lmkv_db *db, const char *name, size_t n, bool system)
{
    lmkv_bytes_array a;
    OK(system ? lmkv_db_system_tree_names(&a, db) : lmkv_db_tree_names(&a, db));
    int found = 0;
    for (size_t i = 0; i < a.count; i++)
        if (a.items[i].size == n && memcmp(a.items[i].data, name, n) == 0)
            found++;
    lmkv_bytes_array_free(&a);
    return found;
}

static void test_trees_drop_and_system(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvtrees");
    lmkv_db *db = open_db(dir);
    const char weird[] = {'a', 0, (char)0xFF, 'b'};
    lmkv_tree *t, *e, *w, *s, *t2;
    OK(lmkv_db_open_tree(&t, db, "users", 5));
    OK(lmkv_db_open_tree(&e, db, "", 0));
    OK(lmkv_db_open_tree(&w, db, weird, sizeof weird));
    OK(lmkv_db_open_system_tree(&s, db, "users", 5));
    put(t, "k", "user");
    put(e, "k", "empty-named");
    put(w, "k", "weird");
    put(s, "k", "system");
    expect(t, "k", 1, "user");
    expect(s, "k", 1, "system");
    assert_string_equal(lmkv_tree_dbi_name(t), "t:users");
    assert_string_equal(lmkv_tree_dbi_name(e), "t#");
    assert_string_equal(lmkv_tree_dbi_name(w), "t#6100ff62");
    assert_string_equal(lmkv_tree_dbi_name(s), "s:users");
    assert_int_equal(lmkv_tree_is_system(s), 1);

    lmkv_bytes_array a;
    OK(lmkv_db_tree_names(&a, db));
    assert_int_equal(a.count, 4); /* "", "__sled__default", "a\0\xffb", "users" */
    assert_int_equal(a.items[0].size, 0);
    assert_memory_equal(a.items[1].data, "__sled__default", 15);
    assert_memory_equal(a.items[2].data, weird, sizeof weird);
    assert_memory_equal(a.items[3].data, "users", 5);
    lmkv_bytes_array_free(&a);
    assert_int_equal(count_names(db, "users", 5, true), 1);
    assert_int_equal(count_names(db, "__sled__default", 15, true), 0);

    /* drop */
    int existed = -1;
    assert_int_equal(lmkv_db_drop_tree(&existed, db, "__sled__default", 15), LMKV_EINVAL);
    OK(lmkv_db_open_tree(&t2, db, "users", 5));
    OK(lmkv_db_drop_tree(&existed, db, "users", 5));
    assert_int_equal(existed, 1);
    OK(lmkv_db_drop_tree(&existed, db, "users", 5));
    assert_int_equal(existed, 0);
    lmkv_bytes b;
    assert_int_equal(lmkv_tree_get(&b, t, "k", 1), LMKV_ETREE);
    assert_int_equal(lmkv_tree_insert(NULL, t2, "k", 1, "v", 1), LMKV_ETREE);
    lmkv_iter *it;
    assert_int_equal(lmkv_tree_iter(&it, t), LMKV_ETREE);
    lmkv_tree_close(t);
    lmkv_tree_close(t2);
    assert_int_equal(count_names(db, "users", 5, false), 0);
    expect(s, "k", 1, "system"); /* the system tree of the same name is untouched */
    OK(lmkv_db_open_tree(&t, db, "users", 5));
    expect(t, "k", 1, NULL);
    uint64_t len;
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, 0);
    put(t, "k2", "again");
    lmkv_tree_close(t);
    lmkv_tree_close(e);
    lmkv_tree_close(w);
    lmkv_tree_close(s);
    lmkv_db_close(db);

    /* reopen: everything persisted; NO_CREATE; read-only */
    db = open_db(dir);
    OK(lmkv_db_open_tree_ex(&w, db, weird, sizeof weird, LMKV_TREE_NO_CREATE));
    expect(w, "k", 1, "weird");
    lmkv_tree_close(w);
    assert_int_equal(lmkv_db_open_tree_ex(&w, db, "nope", 4, LMKV_TREE_NO_CREATE), LMKV_NOTFOUND);
    OK(lmkv_db_open_system_tree(&s, db, "users", 5));
    expect(s, "k", 1, "system");
    lmkv_tree_close(s);
    lmkv_db_close(db);

    lmkv_config c;
    lmkv_config_init(&c);
    c.path = dir;
    c.read_only = 1;
    OK(lmkv_db_open(&db, &c));
    OK(lmkv_db_open_tree(&t, db, "users", 5));
    expect(t, "k2", 2, "again");
    assert_int_equal(lmkv_tree_insert(NULL, t, "x", 1, "y", 1), LMKV_EREADONLY);
    assert_int_equal(lmkv_db_open_tree(&w, db, "absent", 6), LMKV_NOTFOUND);
    lmkv_tree_close(t);
    lmkv_db_close(db);

    /* mdb_stat (Debian lmdb-utils) reads the env and shows readable names */
    char cmd[4200];
    char *out = lmkv_test_path(dir, "..stat.txt");
    snprintf(cmd, sizeof cmd, "mdb_stat -a '%s' > '%s' 2>&1", dir, out);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_non_null(strstr(buf, "Status of t:__sled__default"));
    assert_non_null(strstr(buf, "Status of t:users"));
    assert_non_null(strstr(buf, "Status of s:users"));
    assert_non_null(strstr(buf, "Status of lmkv.catalog"));
    unlink(out);
    free(out);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------ checksum */

/* Bitwise CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): independent of zlib. */
static uint32_t crc_update(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= b[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

typedef struct ectx {
    lmkv_import *imp;
    int colls, pairs;
} ectx;

static int exp_coll(void *c, const char *type, const uint8_t *name, size_t n)
{
    ectx *e = c;
    e->colls++;
    assert_string_equal(type, "tree");
    return lmkv_import_collection(e->imp, type, name, n);
}

static int exp_pair(void *c, const uint8_t *k, size_t ks, const uint8_t *v, size_t vs)
{
    ectx *e = c;
    e->pairs++;
    return lmkv_import_pair(e->imp, k, ks, v, vs);
}

static void test_checksum_export_import(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvcrc");
    lmkv_db *db = open_db(dir);
    lmkv_tree *d = lmkv_db_default_tree(db), *a, *s;
    OK(lmkv_db_open_tree(&a, db, "alpha", 5));
    OK(lmkv_db_open_system_tree(&s, db, "sys", 3));
    put(d, "k1", "v1");
    put(d, "k0", "");
    put(a, "x", "yy");
    put(s, "hidden", "zzz");
    /* by hand: trees sorted by name: "__sled__default" < "alpha" */
    uint32_t want = 0;
    want = crc_update(want, "__sled__default", 15);
    want = crc_update(want, "k0", 2);
    want = crc_update(want, "", 0);
    want = crc_update(want, "k1", 2);
    want = crc_update(want, "v1", 2);
    want = crc_update(want, "alpha", 5);
    want = crc_update(want, "x", 1);
    want = crc_update(want, "yy", 2);
    uint32_t got;
    OK(lmkv_db_checksum(&got, db));
    assert_int_equal(got, want);
    uint32_t tw = crc_update(crc_update(0, "x", 1), "yy", 2);
    OK(lmkv_tree_checksum(&got, a));
    assert_int_equal(got, tw);
    assert_int_equal(crc_update(0, "123456789", 9), 0xCBF43926u); /* the CRC-32 check value */

    /* export: system trees excluded, order by name then key */
    lmkv_db_close(NULL); /* NULL is fine */
    char *dir2 = lmkv_test_tmpdir("kvimp");
    lmkv_db *db2 = open_db(dir2);
    lmkv_import *imp;
    OK(lmkv_import_begin(&imp, db2));
    ectx ec = {imp, 0, 0};
    lmkv_export_visitor v = {exp_coll, exp_pair};
    OK(lmkv_db_export(db, &v, &ec));
    assert_int_equal(ec.colls, 2);
    assert_int_equal(ec.pairs, 3);
    OK(lmkv_import_commit(imp));
    uint32_t c1, c2;
    OK(lmkv_db_checksum(&c1, db));
    OK(lmkv_db_checksum(&c2, db2));
    assert_int_equal(c1, c2);
    lmkv_bytes_array names;
    OK(lmkv_db_system_tree_names(&names, db2));
    assert_int_equal(names.count, 0);
    lmkv_bytes_array_free(&names);

    /* import refuses to overwrite and is atomic */
    OK(lmkv_import_begin(&imp, db2));
    OK(lmkv_import_collection(imp, "tree", "newtree", 7));
    OK(lmkv_import_pair(imp, "n", 1, "1", 1));
    OK(lmkv_import_collection(imp, "tree", "alpha", 5));
    assert_int_equal(lmkv_import_pair(imp, "x", 1, "other", 5), LMKV_EEXISTS);
    assert_non_null(strstr(lmkv_errmsg(), "616c706861")); /* tree "alpha" in hex */
    assert_int_equal(lmkv_import_pair(imp, "y", 1, "1", 1), LMKV_EBADTXN);
    assert_int_equal(lmkv_import_commit(imp), LMKV_EBADTXN);
    OK(lmkv_db_checksum(&c2, db2));
    assert_int_equal(c1, c2);
    assert_int_equal(count_names(db2, "newtree", 7, false), 0);
    OK(lmkv_import_begin(&imp, db2));
    assert_int_equal(lmkv_import_collection(imp, "meta", "x", 1), LMKV_EINVAL);
    lmkv_import_abort(imp);

    /* copy (compact) and stats */
    char *cp = lmkv_test_path(dir2, "copy");
    OK(lmkv_db_copy(db, cp, LMKV_COPY_COMPACT));
    assert_int_equal(lmkv_db_copy(db, cp, 0), LMKV_EEXISTS);
    lmkv_db *db3 = open_db(cp);
    OK(lmkv_db_checksum(&c2, db3));
    assert_int_equal(c1, c2);
    lmkv_db_stat st;
    OK(lmkv_db_stat_get(&st, db3));
    assert_int_equal(st.tree_count, 2);
    assert_int_equal(st.system_tree_count, 1);
    assert_int_equal(st.total_entries, 3);
    assert_true(st.map_size > 0 && st.page_size >= 4096 && st.last_txnid > 0);
    lmkv_tree_stat ts;
    OK(lmkv_tree_stat_get(&ts, lmkv_db_default_tree(db3)));
    assert_int_equal(ts.entries, 2);
    lmkv_db_close(db3);
    free(cp);

    uint64_t sz, tx1, tx2, fl;
    OK(lmkv_db_size_on_disk(&sz, db));
    assert_true(sz > 0);
    OK(lmkv_db_last_txnid(&tx1, db));
    put(d, "k2", "v2");
    OK(lmkv_db_last_txnid(&tx2, db));
    assert_true(tx2 > tx1);
    OK(lmkv_db_flush(&fl, db));
    assert_true(fl > 0);
    OK(lmkv_db_flush(&fl, db));
    assert_int_equal(fl, 0);

    /* db clear empties user trees only */
    OK(lmkv_db_clear(db));
    assert_int_equal(lmkv_tree_is_empty(d), 1);
    assert_int_equal(lmkv_tree_is_empty(a), 1);
    expect(s, "hidden", 6, "zzz");

    lmkv_tree_close(a);
    lmkv_tree_close(s);
    lmkv_db_close(db);
    lmkv_db_close(db2);
    lmkv_test_rmtree(dir);
    lmkv_test_rmtree(dir2);
    free(dir);
    free(dir2);
}

/* ------------------------------------------------------------ open options */

/* MDB_NOTLS (issue 2 point 3): a read txn is not tied to the thread that
 * began it. One thread holds several read txns at once (without MDB_NOTLS
 * LMDB refuses the second with MDB_BAD_RSLOT), and a txn begun in one
 * thread is read from and ended in another. */
struct moved { lmkv_txn *txn; lmkv_tree *t; int rc_get, rc_abort_ok; char val[8]; };
static void *use_moved_txn(void *arg)
{
    struct moved *m = arg;
    lmkv_pair p;
    m->rc_get = lmkv_txn_get(&p, m->txn, m->t, "k", 1);
    if (m->rc_get == LMKV_OK && p.value_size < sizeof m->val) memcpy(m->val, p.value, p.value_size);
    lmkv_txn_abort(m->txn);
    m->rc_abort_ok = 1;
    return NULL;
}

static void test_txn_moves_between_threads(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvnotls");
    lmkv_db *db;
    lmkv_tree *t;
    OK(lmkv_db_open_path(&db, dir));
    OK(lmkv_db_open_tree(&t, db, "moves", 5));
    OK(lmkv_tree_insert(NULL, t, "k", 1, "old", 3));
    lmkv_txn *r[3];
    for (int i = 0; i < 3; i++) OK(lmkv_txn_begin(&r[i], db, LMKV_TXN_READ_ONLY));
    OK(lmkv_tree_insert(NULL, t, "k", 1, "new", 3));  /* the snapshots keep "old" */
    lmkv_pair p;
    for (int i = 1; i < 3; i++) {
        OK(lmkv_txn_get(&p, r[i], t, "k", 1));
        assert_memory_equal(p.value, "old", 3);
    }
    /* r[0], begun here, is read and ended by another thread */
    struct moved m = {r[0], t, -1, 0, ""};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, use_moved_txn, &m), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    OK(m.rc_get);
    assert_string_equal(m.val, "old");
    assert_int_equal(m.rc_abort_ok, 1);
    for (int i = 1; i < 3; i++) lmkv_txn_abort(r[i]);
    /* the moved txn's hold was this thread's: ending it elsewhere must
     * release this thread too, or drop_tree (which quiesces) refuses with
     * EBUSY "this thread has a transaction ... open" (the defect) */
    lmkv_tree *o;
    OK(lmkv_db_open_tree(&o, db, "other", 5));
    OK(lmkv_tree_insert(NULL, o, "x", 1, "y", 1));
    lmkv_tree_close(o);
    int existed = 0;
    OK(lmkv_db_drop_tree(&existed, db, "other", 5));
    assert_int_equal(existed, 1);
    /* the same after a reset in one thread and a renew plus abort in another */
    OK(lmkv_txn_begin(&r[0], db, LMKV_TXN_READ_ONLY));
    OK(lmkv_txn_reset(r[0]));
    OK(lmkv_txn_renew(r[0]));
    m = (struct moved){r[0], t, -1, 0, ""};
    assert_int_equal(pthread_create(&th, NULL, use_moved_txn, &m), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    OK(m.rc_get);
    assert_string_equal(m.val, "new");
    OK(lmkv_db_open_tree(&o, db, "other2", 6));
    lmkv_tree_close(o);
    OK(lmkv_db_drop_tree(&existed, db, "other2", 6));
    /* a fresh read txn in this thread sees the new value */
    OK(lmkv_txn_begin(&r[0], db, LMKV_TXN_READ_ONLY));
    OK(lmkv_txn_get(&p, r[0], t, "k", 1));
    assert_memory_equal(p.value, "new", 3);
    lmkv_txn_abort(r[0]);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* lmkv_tree_len and lmkv_tree_stat_get are one implementation (issue 19: they
 * had drifted, stat_get accepting what len refused with EBUSY). */
struct lenstat { lmkv_tree *t; int rc_len, rc_stat; uint64_t len; lmkv_tree_stat st; };

static void *lenstat_other_thread(void *p)
{
    struct lenstat *ls = p;
    ls->rc_len = lmkv_tree_len(&ls->len, ls->t);
    ls->rc_stat = lmkv_tree_stat_get(&ls->st, ls->t);
    return NULL;
}

static void lenstat_run(struct lenstat *ls, lmkv_tree *t)
{
    memset(ls, 0, sizeof *ls);
    ls->t = t;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, lenstat_other_thread, ls), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
}

static void test_len_and_stat_agree(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvlenstat");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t, *fresh;
    OK(lmkv_db_open_tree(&t, db, "many", 4));
    char k[16], v[200];
    memset(v, 'v', sizeof v);
    for (int i = 0; i < 2000; i++) {
        snprintf(k, sizeof k, "k%05d", i);
        OK(lmkv_tree_insert(NULL, t, k, strlen(k), v, sizeof v));
    }
    uint64_t len;
    lmkv_tree_stat ts;
    OK(lmkv_tree_len(&len, t));
    OK(lmkv_tree_stat_get(&ts, t));
    assert_int_equal(len, 2000);
    assert_int_equal(ts.entries, 2000);
    /* 2000 x ~210 bytes do not fit one page: a real B-tree */
    assert_true(ts.depth >= 2 && ts.branch_pages >= 1 && ts.leaf_pages >= 2000 * 200 / ts.page_size);
    assert_true(ts.page_size >= 4096);
    lmkv_db_stat ds;
    OK(lmkv_db_stat_get(&ds, db));
    assert_int_equal(ds.total_entries, 2000);

    /* a tree created inside this thread's uncommitted txn: another thread
     * gets EBUSY from both calls */
    lmkv_txn *tx;
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_db_open_tree(&fresh, db, "fresh", 5));
    OK(lmkv_txn_insert(tx, fresh, "a", 1, "1", 1));
    struct lenstat ls;
    lenstat_run(&ls, fresh);
    assert_int_equal(ls.rc_len, LMKV_EBUSY);
    assert_int_equal(ls.rc_stat, LMKV_EBUSY);
    /* the committed tree stays readable from the other thread meanwhile */
    lenstat_run(&ls, t);
    OK(ls.rc_len);
    OK(ls.rc_stat);
    assert_int_equal(ls.len, 2000);
    assert_int_equal(ls.st.entries, 2000);
    OK(lmkv_txn_commit(tx));
    lenstat_run(&ls, fresh);
    OK(ls.rc_len);
    OK(ls.rc_stat);
    assert_int_equal(ls.len, 1);
    assert_int_equal(ls.st.entries, 1);
    assert_int_equal(ls.st.depth, 1);
    assert_int_equal(ls.st.leaf_pages, 1);

    /* a dropped tree: the same error from both */
    int existed = 0;
    OK(lmkv_db_drop_tree(&existed, db, "fresh", 5));
    assert_int_equal(existed, 1);
    assert_int_equal(lmkv_tree_len(&len, fresh), LMKV_ETREE);
    assert_int_equal(lmkv_tree_stat_get(&ts, fresh), LMKV_ETREE);
    assert_int_equal(lmkv_tree_len(NULL, t), LMKV_EINVAL);
    assert_int_equal(lmkv_tree_stat_get(NULL, t), LMKV_EINVAL);
    lmkv_tree_close(fresh);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

static void test_open_options(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("kvopen");
    char *p = lmkv_test_path(dir, "db");
    lmkv_db *db;
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = p;
    c.read_only = 1;
    assert_int_equal(lmkv_db_open(&db, &c), LMKV_NOTFOUND);
    c.read_only = 0;
    c.create_new = 1;
    OK(lmkv_db_open(&db, &c));
    struct stat sb;
    char *data = lmkv_test_path(p, "data.mdb");
    assert_int_equal(stat(data, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    uint64_t id;
    OK(lmkv_db_generate_id(&id, db));
    assert_int_equal(id, 0);
    OK(lmkv_db_generate_id(&id, db));
    assert_int_equal(id, 1);
    lmkv_db_close(db);
    assert_int_equal(lmkv_db_open(&db, &c), LMKV_EEXISTS);
    assert_int_equal(stat(data, &sb), 0); /* nothing removed */

    /* the same directory opened twice in one process shares one handle */
    lmkv_db *d1, *d2;
    lmkv_config_init(&c);
    c.path = p;
    c.flush_every_ms = 0;
    OK(lmkv_db_open(&d1, &c));
    OK(lmkv_db_open(&d2, &c));
    assert_ptr_equal(d1, d2);
    put(lmkv_db_default_tree(d1), "shared", "yes");
    lmkv_db_close(d1);
    expect(lmkv_db_default_tree(d2), "shared", 6, "yes"); /* still open */
    /* read-only beside the read-write handle: a read-only view of the same env */
    lmkv_db *ro;
    c.read_only = 1;
    OK(lmkv_db_open(&ro, &c));
    assert_int_equal(lmkv_db_is_read_only(ro), 1);
    assert_int_equal(lmkv_db_is_read_only(d2), 0);
    expect(lmkv_db_default_tree(ro), "shared", 6, "yes");
    assert_int_equal(lmkv_tree_insert(NULL, lmkv_db_default_tree(ro), "x", 1, "y", 1), LMKV_EREADONLY);
    lmkv_tree *rt, *wt;
    OK(lmkv_db_open_tree(&wt, d2, "rw", 2));
    put(wt, "k", "v");
    OK(lmkv_db_open_tree(&rt, ro, "rw", 2));
    expect(rt, "k", 1, "v");
    assert_int_equal(lmkv_tree_remove(NULL, rt, "k", 1), LMKV_EREADONLY);
    assert_int_equal(lmkv_db_open_tree(&wt, ro, "absent", 6), LMKV_NOTFOUND); /* no creation */
    lmkv_txn *rtx;
    assert_int_equal(lmkv_txn_begin(&rtx, ro, 0), LMKV_EREADONLY);
    OK(lmkv_txn_begin(&rtx, ro, LMKV_TXN_READ_ONLY));
    lmkv_pair pp;
    OK(lmkv_txn_get(&pp, rtx, rt, "k", 1));
    lmkv_txn_abort(rtx);
    assert_int_equal(lmkv_db_generate_id(&id, ro), LMKV_EREADONLY);
    assert_int_equal(lmkv_db_drop_tree(NULL, ro, "rw", 2), LMKV_EREADONLY);
    uint32_t c1, c2;
    OK(lmkv_db_checksum(&c1, ro));
    OK(lmkv_db_checksum(&c2, d2));
    assert_int_equal(c1, c2);
    lmkv_tree_close(wt);
    lmkv_db_close(d2); /* the read-write handle goes first; the view keeps the env */
    expect(rt, "k", 1, "v");
    lmkv_tree_close(rt);
    lmkv_db_close(ro);
    /* read-write beside a read-only open cannot share an MDB_RDONLY env */
    OK(lmkv_db_open(&ro, &c));
    c.read_only = 0;
    assert_int_equal(lmkv_db_open(&db, &c), LMKV_EBUSY);
    lmkv_db_close(ro);

    /* temporary with NULL path: directory removed on close */
    lmkv_config_init(&c);
    c.temporary = 1;
    OK(lmkv_db_open(&db, &c));
    char *tp = strdup(lmkv_db_path(db));
    assert_int_equal(lmkv_db_is_temporary(db), 1);
    put(lmkv_db_default_tree(db), "a", "b");
    lmkv_db_close(db);
    assert_int_not_equal(stat(tp, &sb), 0);
    free(tp);
    lmkv_config_init(&c);
    assert_int_equal(lmkv_db_open(&db, &c), LMKV_EINVAL);

    /* max_trees: the (max_trees+1)-th tree is refused with LMKV_EFULL, nothing else breaks */
    char *mt = lmkv_test_path(dir, "maxtrees");
    lmkv_config_init(&c);
    c.path = mt;
    c.flush_every_ms = 0;
    c.max_trees = 3;
    OK(lmkv_db_open(&db, &c));
    lmkv_tree *tt[8];
    int opened = 0, rc2 = 0;
    for (; opened < 8; opened++) {
        char nm[8];
        snprintf(nm, sizeof nm, "t%d", opened);
        if ((rc2 = lmkv_db_open_tree(&tt[opened], db, nm, strlen(nm))))
            break;
    }
    assert_int_equal(rc2, LMKV_EFULL);
    assert_true(opened >= 2 && opened < 8);
    OK(lmkv_tree_insert(NULL, tt[0], "a", 1, "b", 1));
    for (int i = 0; i < opened; i++)
        lmkv_tree_close(tt[i]);
    lmkv_db_close(db);
    free(mt);

    /* format version mismatch -> LMKV_EVERSION, never silent reuse */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    assert_int_equal(mdb_env_open(env, p, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "lmkv.meta", 0, &meta), 0);
    uint8_t v99[8] = {99, 0, 0, 0, 0, 0, 0, 0};
    MDB_val k = {14, "format_version"}, v = {8, v99};
    assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(lmkv_db_open_path(&db, p), LMKV_EVERSION);
    assert_non_null(strstr(lmkv_errmsg(), "version 99"));

    /* a non-LMDB file -> LMKV_ECORRUPT */
    char *bad = lmkv_test_path(dir, "bad");
    mkdir(bad, 0700);
    char *bd = lmkv_test_path(bad, "data.mdb");
    FILE *f = fopen(bd, "w");
    for (int i = 0; i < 20000; i++)
        fputc('x', f);
    fclose(f);
    int rc = lmkv_db_open_path(&db, bad);
    assert_true(rc == LMKV_ECORRUPT || rc == LMKV_EVERSION);
    free(bd);
    free(bad);
    free(data);
    free(p);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* lmkv_error_set may be given the current message as an argument: every
 * module adds context that way ("what: <callee's message>"). */
static void test_error_set_own_message(void **state)
{
    (void)state;
    lmkv_error_set(LMKV_EIO, "inner %d", 7);
    assert_int_equal(lmkv_error_set(LMKV_ECORRUPT, "outer: %s", lmkv_errmsg()), LMKV_ECORRUPT);
    assert_string_equal(lmkv_errmsg(), "outer: inner 7");
    assert_int_equal(lmkv_error_set(LMKV_EIO, "%s / %s", lmkv_errmsg(), lmkv_errmsg() + 7), LMKV_EIO);
    assert_string_equal(lmkv_errmsg(), "outer: inner 7 / inner 7");
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    lmkv_error_set(LMKV_EIO, "%s", big);
    assert_int_equal(strlen(lmkv_errmsg()), 1023); /* truncated to 1 KiB */
    lmkv_error_set(LMKV_EIO, "b%s", lmkv_errmsg());
    assert_int_equal(strlen(lmkv_errmsg()), 1023);
    assert_int_equal(lmkv_errmsg()[0], 'b');
    assert_int_equal(lmkv_errmsg()[1022], 'a');
    /* constant messages (no conversion: copied, not formatted), also the
     * current message itself and one over 1 KiB */
    assert_int_equal(lmkv_error_set(LMKV_NOTFOUND, "get: key absent"), LMKV_NOTFOUND);
    assert_string_equal(lmkv_errmsg(), "get: key absent");
    lmkv_error_set(LMKV_EIO, lmkv_errmsg());
    assert_string_equal(lmkv_errmsg(), "get: key absent");
    lmkv_error_set(LMKV_EIO, big);
    assert_int_equal(strlen(lmkv_errmsg()), 1023);
    assert_int_equal(lmkv_errmsg()[1022], 'a');
    lmkv_error_clear();
    assert_string_equal(lmkv_errmsg(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_codec_table),
        cmocka_unit_test(test_point_ops),
        cmocka_unit_test(test_ordering_long_keys),
        cmocka_unit_test(test_trees_drop_and_system),
        cmocka_unit_test(test_checksum_export_import),
        cmocka_unit_test(test_open_options),
        cmocka_unit_test(test_len_and_stat_agree),
        cmocka_unit_test(test_txn_moves_between_threads),
        cmocka_unit_test(test_error_set_own_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
