/*
 * test_kv_sled.c -- ports of sled 0.34's behavioural tests (tests/test_tree.rs,
 * tests/tree/mod.rs) to lmkv: concurrent pops until empty, concurrent
 * set/get/cas/delete with reopen between phases, iterators that never
 * overshoot while others write, swapping transactions whose readers always
 * see both values, subscribers, edge cases, generate_id across reopen,
 * merge operators, batches, txn abort/poison, 64 MiB values, map growth from
 * a tiny map, long-key hash collisions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmkv_kv.h"
#include "kv_int.h"
#include "util/lmkv_test_kv.h"
#include "util/lmkv_test_util.h"

#define OK(x) LMKV_TEST_OK(x)

static lmkv_db *open_db(const char *dir) { return lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 0); }

/* ------------------------------------------------------------ concurrent pops */

typedef struct pop_ctx {
    lmkv_tree *t;
    int max;
    int count;
    uint8_t *seen;
    pthread_mutex_t *mu;
} pop_ctx;

static void *popper(void *p)
{
    pop_ctx *c = p;
    for (;;) {
        lmkv_bytes k = {0}, v = {0};
        int rc = c->max ? lmkv_tree_pop_max(&k, &v, c->t) : lmkv_tree_pop_min(&k, &v, c->t);
        if (rc == LMKV_NOTFOUND)
            break;
        if (rc)
            abort();
        char kb[16] = {0};
        memcpy(kb, k.data, k.size < 15 ? k.size : 15);
        int i = atoi(kb + 1);
        pthread_mutex_lock(c->mu);
        c->seen[i]++;
        pthread_mutex_unlock(c->mu);
        c->count++;
        lmkv_free(k.data);
        lmkv_free(v.data);
    }
    return NULL;
}

static void test_concurrent_pops(void **state)
{
    (void)state;
    enum { N = 2000, T = 4 };
    char *dir = lmkv_test_tmpdir("sledpop");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    lmkv_batch *b;
    OK(lmkv_batch_new(&b));
    for (int i = 0; i < N; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_batch_insert(b, k, strlen(k), "v", 1));
    }
    OK(lmkv_tree_apply_batch(t, b));
    lmkv_batch_free(b);
    uint8_t seen[N] = {0};
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_t th[T];
    pop_ctx cx[T];
    for (int i = 0; i < T; i++) {
        cx[i] = (pop_ctx){t, i % 2, 0, seen, &mu};
        pthread_create(&th[i], NULL, popper, &cx[i]);
    }
    int total = 0;
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        total += cx[i].count;
    }
    assert_int_equal(total, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(lmkv_tree_is_empty(t), 1);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ concurrent tree ops */

typedef struct ops_ctx {
    lmkv_db *db;
    int id, n, phase;
} ops_ctx;

static void *tree_ops(void *p)
{
    ops_ctx *c = p;
    lmkv_tree *t = lmkv_db_default_tree(c->db);
    for (int j = 0; j < c->n; j++) {
        char k[16], v[16], v2[16];
        lmkv_test_key(k, c->id * c->n + j);
        snprintf(v, sizeof v, "%d", j);
        snprintf(v2, sizeof v2, "%d", j + 1);
        lmkv_bytes b = {0};
        switch (c->phase) {
        case 0:
            if (lmkv_tree_insert(NULL, t, k, strlen(k), v, strlen(v)))
                abort();
            break;
        case 1:
            if (lmkv_tree_get(&b, t, k, strlen(k)) || b.size != strlen(v) || memcmp(b.data, v, b.size))
                abort();
            lmkv_free(b.data);
            break;
        case 2:
            if (lmkv_tree_compare_and_swap(NULL, t, k, strlen(k), v, strlen(v), v2, strlen(v2)))
                abort();
            break;
        case 3:
            if (lmkv_tree_get(&b, t, k, strlen(k)) || b.size != strlen(v2) || memcmp(b.data, v2, b.size))
                abort();
            lmkv_free(b.data);
            break;
        case 4:
            if (lmkv_tree_remove(NULL, t, k, strlen(k)))
                abort();
            break;
        }
    }
    return NULL;
}

static void test_concurrent_tree_ops(void **state)
{
    (void)state;
    enum { T = 4, N = 300 };
    char *dir = lmkv_test_tmpdir("sledops");
    lmkv_db *db = open_db(dir);
    for (int phase = 0; phase < 5; phase++) {
        pthread_t th[T];
        ops_ctx c[T];
        for (int i = 0; i < T; i++) {
            c[i] = (ops_ctx){db, i, N, phase};
            pthread_create(&th[i], NULL, tree_ops, &c[i]);
        }
        for (int i = 0; i < T; i++)
            pthread_join(th[i], NULL);
        /* reopen between phases */
        lmkv_db_close(db);
        db = open_db(dir);
        uint64_t len;
        OK(lmkv_tree_len(&len, lmkv_db_default_tree(db)));
        assert_int_equal(len, phase == 4 ? 0 : T * N);
    }
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ iterators never overshoot */

typedef struct churn_ctx {
    lmkv_tree *t;
    atomic_int *stop;
} churn_ctx;

static void *churner(void *p)
{
    churn_ctx *c = p;
    uint64_t rs = 7;
    while (!atomic_load(c->stop)) {
        char k[32];
        int i = (int)(lmkv_test_rand(&rs) % 100);
        snprintf(k, sizeof k, "k%06d_x", i);
        if (lmkv_test_rand(&rs) % 2)
            lmkv_tree_insert(NULL, c->t, k, strlen(k), "churn", 5);
        else
            lmkv_tree_remove(NULL, c->t, k, strlen(k));
    }
    return NULL;
}

static void test_iter_no_overshoot(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sleditr");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    enum { N = 100 };
    for (int i = 0; i < N; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_tree_insert(NULL, t, k, strlen(k), "fixed", 5));
    }
    atomic_int stop = 0;
    churn_ctx cc = {t, &stop};
    pthread_t th[2];
    pthread_create(&th[0], NULL, churner, &cc);
    pthread_create(&th[1], NULL, churner, &cc);
    for (int round = 0; round < 60; round++) {
        lmkv_iter *it;
        lmkv_pair p;
        bool back = round % 2;
        OK(lmkv_tree_iter(&it, t));
        int fixed = 0;
        char last[64] = "";
        size_t lastn = 0;
        bool first = true;
        while ((back ? lmkv_iter_next_back(&p, it) : lmkv_iter_next(&p, it)) == 0) {
            if (!first) {
                int c = lmkv_kv__bytes_cmp(p.key, p.key_size, last, lastn);
                assert_true(back ? c < 0 : c > 0); /* never repeats or goes backwards */
            }
            first = false;
            memcpy(last, p.key, p.key_size);
            lastn = p.key_size;
            if (p.value_size == 5 && memcmp(p.value, "fixed", 5) == 0) {
                char k[16];
                lmkv_test_key(k, back ? N - 1 - fixed : fixed);
                assert_int_equal(p.key_size, strlen(k));
                assert_memory_equal(p.key, k, p.key_size); /* no fixed key skipped */
                fixed++;
            }
        }
        assert_int_equal(fixed, N);
        lmkv_iter_free(it);
    }
    atomic_store(&stop, 1);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ swapping transactions */

typedef struct swap_ctx {
    lmkv_db *db;
    lmkv_tree *t;
    atomic_int *stop;
    int swaps, reads;
} swap_ctx;

static int swap_fn(void *p, lmkv_txn *tx)
{
    swap_ctx *c = p;
    lmkv_pair a, b;
    int rc;
    if ((rc = lmkv_txn_get(&a, tx, c->t, "a", 1)) || (rc = lmkv_txn_get(&b, tx, c->t, "b", 1)))
        return rc;
    char va[16], vb[16];
    memcpy(va, a.value, a.value_size);
    va[a.value_size] = 0;
    memcpy(vb, b.value, b.value_size);
    vb[b.value_size] = 0;
    if ((rc = lmkv_txn_insert(tx, c->t, "a", 1, vb, strlen(vb))) || (rc = lmkv_txn_insert(tx, c->t, "b", 1, va, strlen(va))))
        return rc;
    return 0;
}

static void *swapper(void *p)
{
    swap_ctx *c = p;
    lmkv_tree *trees[1] = {c->t};
    while (!atomic_load(c->stop) && c->swaps < 300) {
        if (lmkv_db_transaction(c->db, trees, 1, swap_fn, c))
            abort();
        c->swaps++;
    }
    return NULL;
}

static void *swap_reader(void *p)
{
    swap_ctx *c = p;
    while (!atomic_load(c->stop) || c->reads < 200) {
        lmkv_txn *tx;
        if (lmkv_txn_begin(&tx, c->db, LMKV_TXN_READ_ONLY))
            abort();
        lmkv_pair a, b;
        if (lmkv_txn_get(&a, tx, c->t, "a", 1) || lmkv_txn_get(&b, tx, c->t, "b", 1))
            abort();
        bool cd = a.value_size == 4 && !memcmp(a.value, "cats", 4) && b.value_size == 4 && !memcmp(b.value, "dogs", 4);
        bool dc = a.value_size == 4 && !memcmp(a.value, "dogs", 4) && b.value_size == 4 && !memcmp(b.value, "cats", 4);
        if (!cd && !dc)
            abort();
        /* the iterator in the same snapshot agrees */
        lmkv_iter *it;
        lmkv_pair p1, p2;
        if (lmkv_txn_iter(&it, tx, c->t) || lmkv_iter_next(&p1, it) || lmkv_iter_next(&p2, it))
            abort();
        if (p1.value_size != 4 || memcmp(p1.value, cd ? "cats" : "dogs", 4))
            abort();
        lmkv_iter_free(it);
        lmkv_txn_abort(tx);
        c->reads++;
    }
    return NULL;
}

static void test_swapping_transactions(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledswap");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "pets", 4));
    OK(lmkv_tree_insert(NULL, t, "a", 1, "cats", 4));
    OK(lmkv_tree_insert(NULL, t, "b", 1, "dogs", 4));
    atomic_int stop = 0;
    swap_ctx s1 = {db, t, &stop, 0, 0}, s2 = s1, r1 = s1, r2 = s1;
    pthread_t th[4];
    pthread_create(&th[0], NULL, swapper, &s1);
    pthread_create(&th[1], NULL, swapper, &s2);
    pthread_create(&th[2], NULL, swap_reader, &r1);
    pthread_create(&th[3], NULL, swap_reader, &r2);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    atomic_store(&stop, 1);
    pthread_join(th[2], NULL);
    pthread_join(th[3], NULL);
    assert_int_equal(s1.swaps + s2.swaps, 600);
    assert_true(r1.reads >= 200 && r2.reads >= 200);
    /* an even number of swaps: back to the start */
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "a", 1));
    assert_memory_equal(v.data, "cats", 4);
    lmkv_free(v.data);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ subscribers */

static void expect_event(lmkv_subscriber *s, int type, const char *k, const char *v)
{
    lmkv_test_expect_event(s, 1000, type, k, v);
}

static void test_subscribers(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledsub");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "w", 1));
    lmkv_subscriber *all, *pre, *other;
    OK(lmkv_tree_watch_prefix(&all, t, "", 0));
    OK(lmkv_tree_watch_prefix(&pre, t, "a", 1));
    OK(lmkv_tree_watch_prefix(&other, lmkv_db_default_tree(db), "", 0));
    OK(lmkv_tree_insert(NULL, t, "a1", 2, "x", 1));
    OK(lmkv_tree_insert(NULL, t, "b1", 2, "y", 1));
    OK(lmkv_tree_insert(NULL, t, "a1", 2, "x", 1)); /* no-op: no event */
    OK(lmkv_tree_remove(NULL, t, "a1", 2));
    assert_int_equal(lmkv_tree_remove(NULL, t, "zz", 2), LMKV_NOTFOUND); /* nothing removed: no event */
    expect_event(all, LMKV_EVENT_INSERT, "a1", "x");
    expect_event(all, LMKV_EVENT_INSERT, "b1", "y");
    expect_event(all, LMKV_EVENT_REMOVE, "a1", NULL);
    lmkv_test_expect_no_event(all);
    expect_event(pre, LMKV_EVENT_INSERT, "a1", "x");
    expect_event(pre, LMKV_EVENT_REMOVE, "a1", NULL);
    lmkv_test_expect_no_event(pre);
    lmkv_test_expect_no_event(other);

    /* batch: one event per key, last write wins */
    lmkv_batch *b;
    OK(lmkv_batch_new(&b));
    OK(lmkv_batch_insert(b, "a2", 2, "1", 1));
    OK(lmkv_batch_insert(b, "a2", 2, "2", 1));
    OK(lmkv_batch_remove(b, "b1", 2));
    OK(lmkv_tree_apply_batch(t, b));
    lmkv_batch_free(b);
    expect_event(all, LMKV_EVENT_INSERT, "a2", "2");
    expect_event(all, LMKV_EVENT_REMOVE, "b1", NULL);
    lmkv_test_expect_no_event(all);
    expect_event(pre, LMKV_EVENT_INSERT, "a2", "2");

    /* transaction: events after commit only; none on abort */
    lmkv_txn *tx;
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_txn_insert(tx, t, "a3", 2, "t", 1));
    lmkv_test_expect_no_event(all);
    OK(lmkv_txn_commit(tx));
    expect_event(all, LMKV_EVENT_INSERT, "a3", "t");
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_txn_insert(tx, t, "a4", 2, "t", 1));
    lmkv_txn_abort(tx);
    lmkv_test_expect_no_event(all);
    expect_event(pre, LMKV_EVENT_INSERT, "a3", "t");
    lmkv_test_expect_no_event(pre);

    /* clear -> a Remove per key */
    OK(lmkv_tree_clear(t));
    expect_event(all, LMKV_EVENT_REMOVE, "a2", NULL);
    expect_event(all, LMKV_EVENT_REMOVE, "a3", NULL);
    lmkv_test_expect_no_event(all);
    lmkv_subscriber_close(pre);

    /* bounded queue of 1024: a sled subscriber would block this thread's
     * 1025th insert (tests/test_kv_subscriber.c); a non-blocking one drops
     * events instead, then says LMKV_ELIMIT once, then gets new events */
    lmkv_subscriber_close(all);
    OK(lmkv_tree_watch_prefix_ex(&all, t, "", 0, LMKV_WATCH_NONBLOCKING));
    for (int i = 0; i < 1100; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_tree_insert(NULL, t, k, strlen(k), "v", 1));
    }
    int got = 0;
    lmkv_event ev;
    int rc;
    while ((rc = lmkv_subscriber_next(&ev, all, 0)) == 0) {
        char k[16];
        lmkv_test_key(k, got);
        assert_memory_equal(ev.key.data, k, ev.key.size);
        lmkv_event_clear(&ev);
        got++;
    }
    assert_int_equal(got, 1024);
    assert_int_equal(rc, LMKV_ELIMIT);
    lmkv_test_expect_no_event(all);
    OK(lmkv_tree_insert(NULL, t, "after", 5, "v", 1));
    expect_event(all, LMKV_EVENT_INSERT, "after", "v");

    /* a blocking next wakes up on a write from another thread */
    lmkv_subscriber_close(other);
    /* drop: subscriber told */
    OK(lmkv_db_drop_tree(NULL, db, "w", 1));
    assert_int_equal(lmkv_subscriber_next(&ev, all, 100), LMKV_ETREE);
    lmkv_subscriber_close(all);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

typedef struct order_ctx {
    lmkv_tree *t;
    int id;
} order_ctx;

static void *order_writer(void *p)
{
    order_ctx *c = p;
    for (int i = 0; i < 200; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d-%d", c->id, i);
        if (lmkv_tree_insert(NULL, c->t, "hot", 3, v, strlen(v)))
            abort();
    }
    return NULL;
}

static void test_subscriber_order(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledsubord");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    lmkv_subscriber *s1, *s2;
    OK(lmkv_tree_watch_prefix(&s1, t, "", 0));
    OK(lmkv_tree_watch_prefix(&s2, t, "h", 1));
    pthread_t th[3];
    order_ctx c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = (order_ctx){t, i};
        pthread_create(&th[i], NULL, order_writer, &c[i]);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    /* same per-key order for both subscribers, and the last event is the stored value */
    lmkv_event e1, e2;
    int n = 0;
    char lastv[32] = "";
    while (lmkv_subscriber_next(&e1, s1, 0) == 0) {
        OK(lmkv_subscriber_next(&e2, s2, 0));
        assert_int_equal(e1.value.size, e2.value.size);
        assert_memory_equal(e1.value.data, e2.value.data, e1.value.size);
        memcpy(lastv, e1.value.data, e1.value.size);
        lastv[e1.value.size] = 0;
        lmkv_event_clear(&e1);
        lmkv_event_clear(&e2);
        n++;
    }
    assert_true(n >= 600 - 2 && n <= 600); /* equal consecutive values would be no-ops; here all differ */
    assert_int_equal(n, 600);
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "hot", 3));
    assert_int_equal(v.size, strlen(lastv));
    assert_memory_equal(v.data, lastv, v.size);
    lmkv_free(v.data);
    lmkv_subscriber_close(s1);
    lmkv_subscriber_close(s2);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ edge cases */

static void test_edge_cases(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledge");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    lmkv_bytes k, v;
    /* empty tree */
    assert_int_equal(lmkv_tree_get_lt(&k, &v, t, "", 0), LMKV_NOTFOUND);
    assert_int_equal(lmkv_tree_get_gt(&k, &v, t, "", 0), LMKV_NOTFOUND);
    OK(lmkv_tree_insert(NULL, t, "", 0, "", 0));
    OK(lmkv_tree_insert(NULL, t, "\x00", 1, "z", 1));
    OK(lmkv_tree_insert(NULL, t, "\xff", 1, "f", 1));
    OK(lmkv_tree_insert(NULL, t, "\xff\x00", 2, "f0", 2));
    OK(lmkv_tree_insert(NULL, t, "\xff\xff", 2, "ff", 2));
    assert_int_equal(lmkv_tree_get_lt(&k, &v, t, "", 0), LMKV_NOTFOUND);
    OK(lmkv_tree_get_gt(&k, &v, t, "", 0));
    assert_int_equal(k.size, 1);
    assert_int_equal(k.data[0], 0);
    lmkv_free(k.data);
    lmkv_free(v.data);
    OK(lmkv_tree_get_lt(&k, &v, t, "\x00", 1));
    assert_int_equal(k.size, 0); /* the empty key */
    lmkv_free(k.data);
    lmkv_free(v.data);
    /* [] < [0] < [255] < [255,0] < [255,255] */
    const char *order[] = {"", "\x00", "\xff", "\xff\x00", "\xff\xff"};
    const size_t olen[] = {0, 1, 1, 2, 2};
    lmkv_iter *it;
    lmkv_pair p;
    OK(lmkv_tree_iter(&it, t));
    for (int i = 0; i < 5; i++) {
        OK(lmkv_iter_next(&p, it));
        assert_int_equal(p.key_size, olen[i]);
        assert_memory_equal(p.key, order[i], olen[i]);
    }
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_NOTFOUND);
    assert_int_equal(lmkv_iter_next_back(&p, it), LMKV_NOTFOUND);
    lmkv_iter_free(it);
    /* scan_prefix of 0xFF and 0xFF 0xFF */
    OK(lmkv_tree_scan_prefix(&it, t, "\xff", 1));
    int n = 0;
    while (lmkv_iter_next(&p, it) == 0)
        n++;
    assert_int_equal(n, 3);
    lmkv_iter_free(it);
    OK(lmkv_tree_scan_prefix(&it, t, "\xff\xff", 2));
    OK(lmkv_iter_next_back(&p, it));
    assert_int_equal(p.key_size, 2);
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_NOTFOUND);
    lmkv_iter_free(it);
    /* bounds: start > end is empty, not an error; included/excluded */
    lmkv_bound s = {LMKV_INCLUDED, "\xff", 1}, e = {LMKV_EXCLUDED, "\x00", 1};
    OK(lmkv_tree_range(&it, t, &s, &e));
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_NOTFOUND);
    lmkv_iter_free(it);
    OK(lmkv_tree_range(&it, t, &s, &s)); /* [ff, ff] */
    OK(lmkv_iter_next(&p, it));
    assert_int_equal(p.key_size, 1);
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_NOTFOUND);
    lmkv_iter_free(it);
    lmkv_bound ex = {LMKV_EXCLUDED, "\xff", 1};
    OK(lmkv_tree_range(&it, t, &ex, &ex)); /* (ff, ff) */
    assert_int_equal(lmkv_iter_next_back(&p, it), LMKV_NOTFOUND);
    lmkv_iter_free(it);
    lmkv_bound emp = {LMKV_EXCLUDED, "", 0};
    OK(lmkv_tree_range(&it, t, &emp, NULL)); /* everything but the empty key */
    n = 0;
    while (lmkv_iter_next(&p, it) == 0)
        n++;
    assert_int_equal(n, 4);
    lmkv_iter_free(it);
    /* double-ended meeting in the middle */
    OK(lmkv_tree_iter(&it, t));
    OK(lmkv_iter_next(&p, it));
    OK(lmkv_iter_next_back(&p, it));
    OK(lmkv_iter_next(&p, it));
    OK(lmkv_iter_next_back(&p, it));
    OK(lmkv_iter_next(&p, it));
    assert_int_equal(p.key_size, 1);
    assert_int_equal(p.key[0], 0xff);
    assert_int_equal(lmkv_iter_next_back(&p, it), LMKV_NOTFOUND);
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_NOTFOUND);
    lmkv_iter_free(it);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ ids */

static void test_generate_id(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledid");
    lmkv_db *db = open_db(dir);
    uint64_t id, last, hw0;
    OK(lmkv_db_peek_next_id(&hw0, db));
    assert_int_equal(hw0, 0);
    OK(lmkv_db_generate_id(&id, db));
    assert_int_equal(id, 0);
    last = id;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 100; i++) {
            OK(lmkv_db_generate_id(&id, db));
            assert_true(id > last);
            last = id;
        }
        /* inside a write txn too (reservation happens inside it when needed) */
        lmkv_txn *tx;
        OK(lmkv_txn_begin(&tx, db, 0));
        OK(lmkv_db_generate_id(&id, db));
        assert_true(id > last);
        last = id;
        if (round % 2)
            lmkv_txn_abort(tx); /* ids are not rolled back */
        else
            OK(lmkv_txn_commit(tx));
        lmkv_db_close(db);
        db = open_db(dir);
        OK(lmkv_db_generate_id(&id, db));
        assert_true(id > last); /* jumps ahead after reopen, never repeats */
        last = id;
    }
    uint64_t hw;
    OK(lmkv_db_peek_next_id(&hw, db));
    assert_true(hw > last); /* nothing at or above the mark was handed out */
    OK(lmkv_db_set_next_id(db, last + 1000000));
    OK(lmkv_db_peek_next_id(&hw, db));
    assert_true(hw >= last + 1000000);
    OK(lmkv_db_generate_id(&id, db));
    assert_true(id >= last + 1000000);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ merge, batch, txn */

static int counter_merge(void *ctx, const uint8_t *key, size_t ks, const uint8_t *old, size_t on,
                         const uint8_t *m, size_t mn, uint8_t **out, size_t *outn)
{
    (void)ctx; (void)key; (void)ks; (void)mn;
    uint8_t *r = malloc(1);
    r[0] = (uint8_t)((old && on ? old[0] : 0) + m[0]);
    *out = r;
    *outn = 1;
    return 0;
}

static void test_merge_batch_txn(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledmbt");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db), *o;
    OK(lmkv_db_open_tree(&o, db, "other", 5));
    lmkv_tree_set_merge_operator(t, counter_merge, NULL);
    uint8_t one = 1;
    for (int i = 0; i < 5; i++)
        OK(lmkv_tree_merge(NULL, t, "c", 1, &one, 1));
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "c", 1));
    assert_int_equal(v.data[0], 5);
    lmkv_free(v.data);
    OK(lmkv_tree_insert(NULL, t, "c", 1, "\x0a", 1));
    OK(lmkv_tree_merge(&v, t, "c", 1, &one, 1));
    assert_int_equal(v.data[0], 11);
    lmkv_free(v.data);

    /* batch: last write per key wins */
    lmkv_batch *b;
    OK(lmkv_batch_new(&b));
    OK(lmkv_batch_insert(b, "k", 1, "1", 1));
    OK(lmkv_batch_remove(b, "k", 1));
    OK(lmkv_batch_insert(b, "k", 1, "3", 1));
    OK(lmkv_batch_insert(b, "j", 1, "x", 1));
    OK(lmkv_batch_remove(b, "j", 1));
    assert_int_equal(lmkv_batch_len(b), 5);
    OK(lmkv_tree_apply_batch(t, b));
    lmkv_batch_free(b);
    OK(lmkv_tree_get(&v, t, "k", 1));
    assert_memory_equal(v.data, "3", 1);
    lmkv_free(v.data);
    assert_int_equal(lmkv_tree_contains_key(t, "j", 1), LMKV_NOTFOUND);

    /* abort writes nothing; reads see own writes; ranges inside a txn */
    lmkv_txn *tx;
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_txn_insert(tx, t, "t1", 2, "a", 1));
    OK(lmkv_txn_insert(tx, o, "t2", 2, "b", 1));
    lmkv_pair p;
    OK(lmkv_txn_get(&p, tx, o, "t2", 2));
    assert_memory_equal(p.value, "b", 1);
    lmkv_iter *it;
    OK(lmkv_txn_scan_prefix(&it, tx, t, "t", 1));
    OK(lmkv_iter_next(&p, it));
    assert_memory_equal(p.key, "t1", 2);
    OK(lmkv_txn_insert(tx, t, "t0", 2, "z", 1)); /* behind the cursor: re-seek keeps going forward */
    OK(lmkv_txn_insert(tx, t, "t3", 2, "c", 1));
    OK(lmkv_iter_next(&p, it));
    assert_memory_equal(p.key, "t3", 2);
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_NOTFOUND);
    lmkv_iter_free(it);
    /* a thread holding a write txn cannot start tree-level writes; its
     * tree-level reads see the committed state, not the txn's writes */
    assert_int_equal(lmkv_tree_insert(NULL, t, "x", 1, "y", 1), LMKV_EBUSY);
    assert_int_equal(lmkv_tree_contains_key(t, "t1", 2), LMKV_NOTFOUND);
    OK(lmkv_tree_get(&v, t, "k", 1));
    lmkv_free(v.data);
    lmkv_txn *tx2;
    assert_int_equal(lmkv_txn_begin(&tx2, db, 0), LMKV_EBUSY);
    lmkv_txn_abort(tx);
    assert_int_equal(lmkv_tree_contains_key(t, "t1", 2), LMKV_NOTFOUND);
    assert_int_equal(lmkv_tree_contains_key(o, "t2", 2), LMKV_NOTFOUND);

    /* trees of another db are refused and poison the txn */
    char *dir2 = lmkv_test_tmpdir("sledmbt2");
    lmkv_db *db2 = open_db(dir2);
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_txn_insert(tx, t, "p1", 2, "a", 1));
    assert_int_equal(lmkv_txn_insert(tx, lmkv_db_default_tree(db2), "p2", 2, "b", 1), LMKV_EINVAL);
    assert_int_equal(lmkv_txn_insert(tx, t, "p3", 2, "c", 1), LMKV_EBADTXN);
    assert_int_equal(lmkv_txn_commit(tx), LMKV_EBADTXN);
    assert_int_equal(lmkv_tree_contains_key(t, "p1", 2), LMKV_NOTFOUND);
    lmkv_tree *mixed[2] = {t, lmkv_db_default_tree(db2)};
    assert_int_equal(lmkv_db_transaction(db, mixed, 2, swap_fn, NULL), LMKV_EINVAL);
    lmkv_db_close(db2);
    lmkv_test_rmtree(dir2);
    free(dir2);

    /* append (sorted bulk load) into a system tree; out-of-order append poisons */
    lmkv_tree *sys;
    OK(lmkv_db_open_system_tree(&sys, db, "bulk", 4));
    OK(lmkv_txn_begin(&tx, db, 0));
    for (int i = 0; i < 1000; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_txn_insert_ex(tx, sys, k, strlen(k), "v", 1, LMKV_INSERT_APPEND));
    }
    OK(lmkv_txn_commit(tx));
    uint64_t len;
    OK(lmkv_tree_len(&len, sys));
    assert_int_equal(len, 1000);
    OK(lmkv_txn_begin(&tx, db, 0));
    assert_int_equal(lmkv_txn_insert_ex(tx, sys, "a", 1, "v", 1, LMKV_INSERT_APPEND), LMKV_EINVAL);
    assert_int_equal(lmkv_txn_commit(tx), LMKV_EBADTXN);
    /* read txn reset/renew sees newer data */
    OK(lmkv_txn_begin(&tx, db, LMKV_TXN_READ_ONLY));
    assert_int_equal(lmkv_txn_get(&p, tx, sys, "zz", 2), LMKV_NOTFOUND);
    OK(lmkv_txn_reset(tx));
    OK(lmkv_tree_insert(NULL, sys, "zz", 2, "new", 3));
    OK(lmkv_txn_renew(tx));
    OK(lmkv_txn_get(&p, tx, sys, "zz", 2));
    assert_memory_equal(p.value, "new", 3);
    assert_int_equal(lmkv_txn_insert(tx, sys, "q", 1, "q", 1), LMKV_EREADONLY);
    lmkv_txn_abort(tx);
    /* a tree created inside a txn disappears if the txn aborts */
    OK(lmkv_txn_begin(&tx, db, 0));
    lmkv_tree *nt;
    OK(lmkv_db_open_tree(&nt, db, "created-in-txn", 14));
    OK(lmkv_txn_insert(tx, nt, "a", 1, "b", 1));
    lmkv_txn_abort(tx);
    assert_int_equal(lmkv_tree_get(&v, nt, "a", 1), LMKV_ETREE);
    lmkv_tree_close(nt);
    assert_int_equal(lmkv_db_open_tree_ex(&nt, db, "created-in-txn", 14, LMKV_TREE_NO_CREATE), LMKV_NOTFOUND);
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_db_open_tree(&nt, db, "created-in-txn", 14));
    OK(lmkv_txn_insert(tx, nt, "a", 1, "b", 1));
    OK(lmkv_txn_commit(tx));
    OK(lmkv_tree_get(&v, nt, "a", 1));
    lmkv_free(v.data);
    lmkv_tree_close(nt);
    /* an EXISTING tree first opened inside a txn that aborts stays usable */
    lmkv_db_close(NULL);
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_db_open_tree(&nt, db, "created-in-txn", 14)); /* not open in this process yet? it is: reopen path */
    lmkv_tree_close(nt);
    lmkv_tree_close(sys);
    lmkv_tree_close(o);
    lmkv_txn_abort(tx);
    lmkv_db_close(db);
    db = open_db(dir);
    t = lmkv_db_default_tree(db);
    OK(lmkv_txn_begin(&tx, db, 0));
    OK(lmkv_db_open_tree(&nt, db, "created-in-txn", 14)); /* first open in this process, inside the txn */
    OK(lmkv_txn_insert(tx, nt, "c", 1, "d", 1));
    lmkv_txn_abort(tx);
    OK(lmkv_tree_get(&v, nt, "a", 1)); /* reopened after the abort */
    assert_memory_equal(v.data, "b", 1);
    lmkv_free(v.data);
    assert_int_equal(lmkv_tree_contains_key(nt, "c", 1), LMKV_NOTFOUND);
    OK(lmkv_tree_insert(NULL, nt, "e", 1, "f", 1));
    lmkv_tree_close(nt);
    OK(lmkv_db_open_system_tree(&sys, db, "bulk", 4));
    OK(lmkv_db_open_tree(&o, db, "other", 5));
    lmkv_tree_close(sys);
    lmkv_tree_close(o);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ big values, map growth */

static void test_big_values_and_growth(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledbig");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 256 * 1024); /* tiny map */
    lmkv_tree *t = lmkv_db_default_tree(db);
    size_t n = (size_t)64 << 20;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    OK(lmkv_tree_insert(NULL, t, "big", 3, big, n));
    /* a 1 MiB + 1 key with a 64 MiB value */
    size_t kn = (1 << 20) + 1;
    uint8_t *bk = malloc(kn);
    memset(bk, 'K', kn);
    OK(lmkv_tree_insert(NULL, t, bk, kn, big, n));
    /* many small writes in one explicit txn (replayed when the map grows) */
    lmkv_txn *tx;
    OK(lmkv_txn_begin(&tx, db, 0));
    for (int i = 0; i < 20000; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_txn_insert(tx, t, k, strlen(k), big + i, 200));
    }
    OK(lmkv_txn_commit(tx));
    lmkv_db_close(db);
    db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 256 * 1024);
    t = lmkv_db_default_tree(db);
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "big", 3));
    assert_int_equal(v.size, n);
    assert_memory_equal(v.data, big, n);
    lmkv_free(v.data);
    OK(lmkv_tree_get(&v, t, bk, kn));
    assert_int_equal(v.size, n);
    assert_int_equal(memcmp(v.data, big, n), 0);
    lmkv_free(v.data);
    uint64_t len;
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, 20002);
    for (int i = 0; i < 20000; i += 997) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_tree_get(&v, t, k, strlen(k)));
        assert_int_equal(v.size, 200);
        assert_memory_equal(v.data, big + i, 200);
        lmkv_free(v.data);
    }
    lmkv_db_stat st;
    OK(lmkv_db_stat_get(&st, db));
    assert_true(st.map_size > (uint64_t)130 << 20);
    lmkv_test_db_done(db, dir);

    /* a tree created inside an explicit txn survives the map growing (replay) */
    dir = lmkv_test_tmpdir("sledbig2");
    db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 128 * 1024);
    OK(lmkv_txn_begin(&tx, db, 0));
    lmkv_tree *nt, *ns;
    OK(lmkv_db_open_tree(&nt, db, "grown", 5));
    OK(lmkv_db_open_system_tree(&ns, db, "grown-sys", 9));
    for (int i = 0; i < 5000; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_txn_insert(tx, nt, k, strlen(k), big + i, 300));
        OK(lmkv_txn_insert_ex(tx, ns, k, strlen(k), big + i, 100, LMKV_INSERT_APPEND));
    }
    OK(lmkv_txn_commit(tx));
    OK(lmkv_tree_len(&len, nt));
    assert_int_equal(len, 5000);
    OK(lmkv_tree_len(&len, ns));
    assert_int_equal(len, 5000);
    OK(lmkv_tree_get(&v, ns, "k004999", 7));
    assert_int_equal(v.size, 100);
    assert_memory_equal(v.data, big + 4999, 100);
    lmkv_free(v.data);
    OK(lmkv_db_stat_get(&st, db));
    assert_true(st.map_size > 128 * 1024);
    lmkv_tree_close(nt);
    lmkv_tree_close(ns);
    free(bk);
    free(big);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ collisions */

static uint64_t weak_hash(const void *p, size_t n)
{
    (void)p;
    (void)n;
    return 42; /* every long key collides with every other of its group */
}

/* Store (with raw LMDB, lmkv closed) a long-key record under E(under) whose
 * full key is `full`: what a real xxh3 collision would leave, or damage. */
static void forge(const char *dir, const uint8_t *under, size_t un, const uint8_t *full, size_t fn)
{
    kv_enc e;
    lmkv_kv__key_encode(&e, under, un);
    uint8_t *val = malloc(8 + fn + 2);
    for (int i = 0; i < 8; i++)
        val[i] = (uint8_t)((uint64_t)fn >> (8 * i));
    memcpy(val + 8, full, fn);
    memcpy(val + 8 + fn, "vf", 2);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "t:forged", MDB_CREATE, &dbi), 0);
    MDB_val mk = {e.size, e.buf}, mv = {8 + fn + 2, val};
    assert_int_equal(mdb_put(txn, dbi, &mk, &mv, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    free(val);
}

static void test_long_key_collision(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledcoll");
    uint8_t k1[600], k2[600], k3[700];
    memset(k1, 'a', sizeof k1);
    memcpy(k2, k1, sizeof k2);
    k2[599] = 'b';             /* same first 501 bytes as k1 */
    memset(k3, 'a', sizeof k3);
    k3[0] = 'c';               /* another group */

    /* 1. real collisions, made with a weak hash */
    uint64_t (*saved)(const void *, size_t) = lmkv_kv__key_hash_fn;
    lmkv_kv__key_hash_fn = weak_hash;
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "coll", 4));
    OK(lmkv_tree_insert(NULL, t, k2, sizeof k2, "v2", 2));
    OK(lmkv_tree_insert(NULL, t, k3, sizeof k3, "v3", 2));
    lmkv_bytes v;
    assert_int_equal(lmkv_tree_get(&v, t, k1, sizeof k1), LMKV_NOTFOUND); /* k1 is not stored */
    assert_int_equal(lmkv_tree_insert(NULL, t, k1, sizeof k1, "v1", 2), LMKV_ECOLLISION);
    assert_non_null(strstr(lmkv_errmsg(), "xxh3"));
    lmkv_batch *b;
    OK(lmkv_batch_new(&b));
    OK(lmkv_batch_insert(b, "short", 5, "s", 1));
    OK(lmkv_batch_insert(b, k1, sizeof k1, "v1", 2));
    assert_int_equal(lmkv_tree_apply_batch(t, b), LMKV_ECOLLISION); /* atomic: "short" not written */
    lmkv_batch_free(b);
    assert_int_equal(lmkv_tree_contains_key(t, "short", 5), LMKV_NOTFOUND);
    assert_int_equal(lmkv_tree_remove(NULL, t, k1, sizeof k1), LMKV_NOTFOUND); /* never removes k2 */
    OK(lmkv_tree_insert(NULL, t, k2, sizeof k2, "v2b", 3)); /* the stored key itself updates */
    for (int pass = 0; pass < 2; pass++) { /* nothing lost, before and after reopen */
        OK(lmkv_tree_get(&v, t, k2, sizeof k2));
        assert_int_equal(v.size, 3);
        assert_memory_equal(v.data, "v2b", 3);
        lmkv_free(v.data);
        lmkv_iter *it;
        lmkv_pair p;
        OK(lmkv_tree_iter(&it, t));
        OK(lmkv_iter_next(&p, it));
        assert_int_equal(p.key_size, sizeof k2);
        assert_memory_equal(p.key, k2, sizeof k2);
        OK(lmkv_iter_next(&p, it));
        assert_int_equal(p.key_size, sizeof k3);
        assert_int_equal(lmkv_iter_next(&p, it), LMKV_NOTFOUND);
        lmkv_iter_free(it);
        lmkv_tree_close(t);
        lmkv_db_close(db);
        db = open_db(dir);
        OK(lmkv_db_open_tree(&t, db, "coll", 4));
    }
    lmkv_tree_close(t);
    lmkv_db_close(db);
    lmkv_kv__key_hash_fn = saved;

    /* 2. k2 stored under E(k1): what a real xxh3 collision of k1 and k2
     * would leave -- but k2's real hash differs from k1's, so it is forged */
    db = open_db(dir);
    OK(lmkv_db_open_tree(&t, db, "forged", 6)); /* catalog entry -> dbi "t:forged" */
    assert_string_equal(lmkv_tree_dbi_name(t), "t:forged");
    lmkv_tree_close(t);
    lmkv_db_close(db);
    forge(dir, k1, sizeof k1, k2, sizeof k2);
    /* k2 does not hash to E(k1)'s hash: the record is forged (or damaged),
     * and every read says so, naming tree and key, instead of answering */
    db = open_db(dir);
    OK(lmkv_db_open_tree(&t, db, "forged", 6));
    assert_int_equal(lmkv_tree_get(&v, t, k1, sizeof k1), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "tree 'forged'"));
    assert_non_null(strstr(lmkv_errmsg(), "key 6161616161"));
    assert_non_null(strstr(lmkv_errmsg(), "xxh3"));
    assert_int_equal(lmkv_tree_insert(NULL, t, k1, sizeof k1, "v1", 2), LMKV_ECORRUPT);
    assert_int_equal(lmkv_tree_get(&v, t, k2, sizeof k2), LMKV_NOTFOUND); /* E(k2) holds nothing */
    lmkv_iter *it;
    lmkv_pair p;
    OK(lmkv_tree_iter(&it, t));
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "tree 'forged'"));
    lmkv_iter_free(it);
    OK(lmkv_tree_clear(t));
    lmkv_tree_close(t);
    lmkv_db_close(db);

    /* 3. damage: a record whose full key does not begin with the bytes its
     * stored key was made from is reported, never returned */
    forge(dir, k1, sizeof k1, k3, sizeof k3);
    db = open_db(dir);
    OK(lmkv_db_open_tree(&t, db, "forged", 6));
    assert_int_equal(lmkv_tree_get(&v, t, k1, sizeof k1), LMKV_ECORRUPT);
    OK(lmkv_tree_iter(&it, t));
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_ECORRUPT);
    lmkv_iter_free(it);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* A long key damaged after its first 501 bytes (invisible to the stored
 * key, which keeps only those and the hash) is reported by every read that
 * meets its record -- point reads, writes' lookups, iteration in both
 * directions, positioned reads, checksum, export, transactions -- as
 * LMKV_ECORRUPT naming tree and key, and never returned; other keys stay
 * readable. */
static int count_pair(void *ctx, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    (void)k; (void)kn; (void)v; (void)vn;
    (*(int *)ctx)++;
    return 0;
}

static void assert_corrupt_msg(int rc)
{
    assert_int_equal(rc, LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "tree 'forged'"));
    assert_non_null(strstr(lmkv_errmsg(), "key 6b6b6b6b"));
    assert_non_null(strstr(lmkv_errmsg(), "(600 bytes)"));
}

static void test_long_key_damage_every_read(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sleddmg");
    uint8_t k[600], kd[600];
    memset(k, 'k', sizeof k);
    memcpy(kd, k, sizeof kd);
    kd[550] = 'Z'; /* after the 501 bytes kept in the stored key */
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "forged", 6));
    assert_string_equal(lmkv_tree_dbi_name(t), "t:forged");
    OK(lmkv_tree_insert(NULL, t, "a", 1, "va", 2));
    OK(lmkv_tree_insert(NULL, t, k, sizeof k, "vk", 2));
    OK(lmkv_tree_insert(NULL, t, "z", 1, "vz", 2));
    lmkv_tree_close(t);
    lmkv_db_close(db);
    forge(dir, k, sizeof k, kd, sizeof kd); /* replaces k's record */

    db = open_db(dir);
    OK(lmkv_db_open_tree(&t, db, "forged", 6));
    lmkv_bytes v, kk;
    assert_corrupt_msg(lmkv_tree_get(&v, t, k, sizeof k));
    assert_corrupt_msg(lmkv_tree_contains_key(t, k, sizeof k));
    assert_int_equal(lmkv_tree_get(&v, t, kd, sizeof kd), LMKV_NOTFOUND); /* stored nowhere */
    assert_corrupt_msg(lmkv_tree_get_gt(&kk, &v, t, "a", 1));
    assert_corrupt_msg(lmkv_tree_get_lt(&kk, &v, t, "z", 1));
    lmkv_iter *it;
    lmkv_pair p;
    OK(lmkv_tree_iter(&it, t));
    OK(lmkv_iter_next(&p, it));
    assert_int_equal(p.key_size, 1);
    assert_corrupt_msg(lmkv_iter_next(&p, it));
    lmkv_iter_free(it);
    OK(lmkv_tree_iter(&it, t));
    OK(lmkv_iter_next_back(&p, it));
    assert_corrupt_msg(lmkv_iter_next_back(&p, it));
    lmkv_iter_free(it);
    uint32_t crc;
    assert_corrupt_msg(lmkv_tree_checksum(&crc, t));
    int pairs = 0;
    lmkv_export_visitor ev = {NULL, count_pair};
    assert_corrupt_msg(lmkv_db_export(db, &ev, &pairs));
    /* writes that look the key up refuse, writing nothing */
    assert_corrupt_msg(lmkv_tree_insert(NULL, t, k, sizeof k, "new", 3));
    assert_corrupt_msg(lmkv_tree_remove(NULL, t, k, sizeof k));
    lmkv_txn *tx;
    OK(lmkv_txn_begin(&tx, db, LMKV_TXN_READ_ONLY));
    assert_corrupt_msg(lmkv_txn_get(&p, tx, t, k, sizeof k));
    OK(lmkv_txn_iter(&it, tx, t));
    OK(lmkv_iter_next(&p, it));
    assert_corrupt_msg(lmkv_iter_next(&p, it));
    lmkv_iter_free(it);
    lmkv_txn_abort(tx);
    /* the rest is intact */
    OK(lmkv_tree_get(&v, t, "a", 1));
    lmkv_free(v.data);
    OK(lmkv_tree_get(&v, t, "z", 1));
    lmkv_free(v.data);
    OK(lmkv_tree_first(&kk, &v, t));
    assert_int_equal(kk.size, 1);
    lmkv_free(kk.data);
    lmkv_free(v.data);
    OK(lmkv_tree_last(&kk, &v, t));
    assert_int_equal(kk.size, 1);
    lmkv_free(kk.data);
    lmkv_free(v.data);
    uint64_t n;
    OK(lmkv_tree_len(&n, t));
    assert_int_equal(n, 3);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ no pinned pages */

static uint64_t data_size(const char *dir)
{
    char *p = lmkv_test_path(dir, "data.mdb");
    struct stat sb;
    uint64_t n = stat(p, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    free(p);
    return n;
}

static void rewrite_all(lmkv_tree *t, int rounds, uint8_t *val)
{
    for (int r = 0; r < rounds; r++) {
        lmkv_batch *b;
        OK(lmkv_batch_new(&b));
        for (int i = 0; i < 200; i++) {
            char k[16];
            lmkv_test_key(k, i);
            memset(val, 'a' + r % 26, 4000);
            OK(lmkv_batch_insert(b, k, strlen(k), val, 4000));
        }
        OK(lmkv_tree_apply_batch(t, b));
        lmkv_batch_free(b);
    }
}

static void test_iter_does_not_pin(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledpin");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    uint8_t *val = malloc(4000);
    rewrite_all(t, 1, val);
    /* A held read txn pins its snapshot: 30 rewrites of 0.8 MB make the file grow. */
    lmkv_txn *rt;
    OK(lmkv_txn_begin(&rt, db, LMKV_TXN_READ_ONLY));
    uint64_t s0 = data_size(dir);
    rewrite_all(t, 30, val);
    uint64_t pinned = data_size(dir) - s0;
    lmkv_txn_abort(rt);
    assert_true(pinned > (uint64_t)16 << 20);
    /* A tree iterator between steps holds no snapshot: old pages are reused. */
    lmkv_iter *it;
    lmkv_pair p;
    OK(lmkv_tree_iter(&it, t));
    OK(lmkv_iter_next(&p, it));
    assert_memory_equal(p.key, "k000000", 7);
    rewrite_all(t, 5, val); /* let the freelist catch up with the released snapshot */
    uint64_t s1 = data_size(dir);
    rewrite_all(t, 30, val);
    uint64_t grown = data_size(dir) - s1;
    fprintf(stderr, "file growth over 30 rewrites: %llu bytes with a held read txn, %llu with an open iterator\n",
            (unsigned long long)pinned, (unsigned long long)grown);
    assert_true(grown < (uint64_t)4 << 20);
    /* and it goes on in order, seeing the newer values */
    int n = 1;
    while (lmkv_iter_next(&p, it) == 0) {
        char k[16];
        lmkv_test_key(k, n);
        assert_int_equal(p.key_size, strlen(k));
        assert_memory_equal(p.key, k, p.key_size);
        n++;
    }
    assert_int_equal(n, 200);
    lmkv_iter_free(it);
    free(val);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ flush thread */

static void test_flush_thread(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledflush");
    lmkv_db *db;
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = dir;
    c.flush_every_ms = 20;
    OK(lmkv_db_open(&db, &c));
    OK(lmkv_tree_insert(NULL, lmkv_db_default_tree(db), "k", 1, "v", 1));
    uint64_t last;
    OK(lmkv_db_last_txnid(&last, db));
    /* the background thread (not this one) syncs the commit: poll its mark */
    bool flushed = false;
    for (int i = 0; i < 500 && !flushed; i++) {
        pthread_mutex_lock(&db->fl_mu);
        flushed = db->flushed_txnid >= last;
        pthread_mutex_unlock(&db->fl_mu);
        if (!flushed)
            usleep(10000);
    }
    assert_true(flushed);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ growth under concurrency */

typedef struct grow_ctx {
    lmkv_db *db;
    lmkv_tree *t;
    int id;
    atomic_int *writers_left;
    int reads;
} grow_ctx;

static void *grow_writer(void *p)
{
    grow_ctx *c = p;
    uint8_t *val = malloc(16384);
    for (int i = 0; i < 200; i++) {
        char k[32];
        snprintf(k, sizeof k, "w%d-%05d", c->id, i);
        memset(val, 'a' + (i + c->id) % 26, 16384);
        if (c->id == 0 && i % 20 == 0) {
            /* explicit transactions too (replayed if the map fills inside) */
            lmkv_txn *tx;
            if (lmkv_txn_begin(&tx, c->db, 0))
                abort();
            int rc = 0;
            for (int j = 0; j < 20 && rc == 0; j++) {
                char k2[40];
                snprintf(k2, sizeof k2, "x%05d-%02d", i, j);
                rc = lmkv_txn_insert(tx, c->t, k2, strlen(k2), val, 4096);
            }
            if (rc == 0)
                rc = lmkv_txn_commit(tx);
            else
                lmkv_txn_abort(tx);
            if (rc == LMKV_ECONFLICT || rc == LMKV_EBADTXN) {
                i--; /* the map grew and another process committed: retry */
                continue;
            }
            if (rc) {
                fprintf(stderr, "txn: %s\n", lmkv_errmsg());
                abort();
            }
        }
        if (lmkv_tree_insert(NULL, c->t, k, strlen(k), val, 16384)) {
            fprintf(stderr, "insert: %s\n", lmkv_errmsg());
            abort();
        }
    }
    free(val);
    atomic_fetch_sub(c->writers_left, 1);
    return NULL;
}

static void *grow_reader(void *p)
{
    grow_ctx *c = p;
    uint64_t rs = 99 + (uint64_t)c->id;
    while (atomic_load(c->writers_left) > 0 || c->reads < 50) {
        char k[32];
        snprintf(k, sizeof k, "w%d-%05d", (int)(lmkv_test_rand(&rs) % 3), (int)(lmkv_test_rand(&rs) % 200));
        lmkv_bytes v;
        int rc = lmkv_tree_get(&v, c->t, k, strlen(k));
        if (rc == 0) {
            if (v.size != 16384)
                abort();
            lmkv_free(v.data);
        } else if (rc != LMKV_NOTFOUND) {
            abort();
        }
        if (c->reads % 10 == 0) {
            lmkv_iter *it;
            lmkv_pair pr;
            if (lmkv_tree_scan_prefix(&it, c->t, "w1", 2))
                abort();
            int n = 0;
            while (lmkv_iter_next(&pr, it) == 0 && n < 50)
                n++;
            lmkv_iter_free(it);
        }
        c->reads++;
    }
    return NULL;
}

static void test_growth_under_concurrency(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledgrowc");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 256 * 1024);
    lmkv_tree *t = lmkv_db_default_tree(db);
    atomic_int left = 3;
    grow_ctx c[5];
    pthread_t th[5];
    for (int i = 0; i < 5; i++) {
        c[i] = (grow_ctx){db, t, i < 3 ? i : i - 3, &left, 0};
        pthread_create(&th[i], NULL, i < 3 ? grow_writer : grow_reader, &c[i]);
    }
    for (int i = 0; i < 5; i++)
        pthread_join(th[i], NULL);
    uint64_t len;
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, 3 * 200 + 10 * 20);
    lmkv_db_stat st;
    OK(lmkv_db_stat_get(&st, db));
    assert_true(st.map_size >= (uint64_t)10 << 20);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ reader slots */

typedef struct rd_ctx {
    lmkv_db *db;
    int ok;
} rd_ctx;

static void *slot_reader(void *p)
{
    rd_ctx *c = p;
    for (int i = 0; i < 300; i++) {
        lmkv_bytes v;
        if (lmkv_tree_get(&v, lmkv_db_default_tree(c->db), "k", 1) == 0) {
            lmkv_free(v.data);
            c->ok++;
        }
    }
    return NULL;
}

static void test_few_reader_slots(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("sledslots");
    lmkv_db *db;
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = dir;
    c.flush_every_ms = 0;
    c.max_readers = 2;
    OK(lmkv_db_open(&db, &c));
    OK(lmkv_tree_insert(NULL, lmkv_db_default_tree(db), "k", 1, "v", 1));
    /* 6 threads share 2 reader slots: bursts wait for a slot instead of failing */
    pthread_t th[6];
    rd_ctx rc[6];
    for (int i = 0; i < 6; i++) {
        rc[i] = (rd_ctx){db, 0};
        pthread_create(&th[i], NULL, slot_reader, &rc[i]);
    }
    int ok = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        ok += rc[i].ok;
    }
    assert_int_equal(ok, 6 * 300);
    /* a long-held read txn in each slot: the next reader reports LMKV_EBUSY */
    lmkv_txn *t1, *t2, *t3;
    OK(lmkv_txn_begin(&t1, db, LMKV_TXN_READ_ONLY));
    OK(lmkv_txn_begin(&t2, db, LMKV_TXN_READ_ONLY));
    assert_int_equal(lmkv_txn_begin(&t3, db, LMKV_TXN_READ_ONLY), LMKV_EBUSY);
    assert_non_null(strstr(lmkv_errmsg(), "reader slots"));
    lmkv_txn_abort(t1);
    OK(lmkv_txn_begin(&t3, db, LMKV_TXN_READ_ONLY));
    lmkv_txn_abort(t2);
    lmkv_txn_abort(t3);
    lmkv_test_db_done(db, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_pops),
        cmocka_unit_test(test_concurrent_tree_ops),
        cmocka_unit_test(test_iter_no_overshoot),
        cmocka_unit_test(test_swapping_transactions),
        cmocka_unit_test(test_subscribers),
        cmocka_unit_test(test_subscriber_order),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_generate_id),
        cmocka_unit_test(test_merge_batch_txn),
        cmocka_unit_test(test_big_values_and_growth),
        cmocka_unit_test(test_long_key_collision),
        cmocka_unit_test(test_long_key_damage_every_read),
        cmocka_unit_test(test_iter_does_not_pin),
        cmocka_unit_test(test_flush_thread),
        cmocka_unit_test(test_growth_under_concurrency),
        cmocka_unit_test(test_few_reader_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
