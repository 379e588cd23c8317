/*
 * test_kv_group.c -- group commit (kv/txn.c, "GROUP COMMIT" in lmkv_kv.h)
 * with real threads, real LMDB files, a real second process:
 *  - a lone writer's writes each commit alone (groups of one);
 *  - writers queued behind a commit (the writer lock held by an explicit
 *    transaction of the main thread) commit as one group, and each gets its
 *    own result: the failing members (compare_and_swap mismatch, an update
 *    callback's error, a batch that hits a long-key collision half-way)
 *    fail alone with their own code and message in their own thread, and
 *    leave nothing written; the others commit; update callbacks run in
 *    their caller's thread, and one that writes to the db gets LMKV_EBUSY;
 *  - update_and_fetch counters from 8 threads are exact, and a subscriber
 *    sees every increment once, in commit order (1, 2, ..., N);
 *  - MDB_MAP_FULL inside a group grows the map and reruns the group;
 *  - everything acknowledged at default durability is there after reopen;
 *  - a writer in another process works beside grouped writers;
 *  - at NOSYNC durability writes are not grouped;
 *  - an insert of the stored value (the daemon's rewrite on a hit) joins no
 *    group and costs no commit (LMDB's txn id does not move), sends no
 *    event, returns while another thread holds LMDB's writer lock, and
 *    syncs the file itself only when the commit it read is not known
 *    durable (another process's); under SIGKILL every acknowledged equal
 *    rewrite is there.
 * "Queued" is made certain, not timed: the test waits until every writer
 * thread is about to call, then keeps the writer lock a further 300 ms;
 * the group size it checks is at least 2 (it prints the real one), so a
 * slow machine cannot make a correct implementation fail.
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
#include <inttypes.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmkv_kv.h"
#include "kv_int.h"
#include "util/lmkv_test_kv.h"
#include "util/lmkv_test_util.h"
#include "reliability/rel_common.h"

#define OK(x) LMKV_TEST_OK(x)
#define NTH 8

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* update_and_fetch callback: the 8-byte big-endian counter + 1 */
static int incr(void *ctx, const uint8_t *old, size_t on, uint8_t **out, size_t *outn)
{
    (void)ctx;
    uint64_t v = old && on == 8 ? be64(old) : 0;
    *out = malloc(8);
    if (!*out)
        return LMKV_ENOMEM;
    put_be64(*out, v + 1);
    *outn = 8;
    return 0;
}

/* ------------------------------------------------------------ forced groups */

typedef struct job job;
typedef void (*job_fn)(job *j);
struct job {
    lmkv_tree *t;
    int id;
    job_fn fn;
    int rc;
    char msg[256];
    atomic_int *ready;
    pthread_t th;
};

static _Thread_local int tls_job = -1; /* which job this thread runs */

static void *job_main(void *p)
{
    job *j = p;
    tls_job = j->id;
    atomic_fetch_add(j->ready, 1);
    j->fn(j);
    snprintf(j->msg, sizeof j->msg, "%s", lmkv_errmsg()); /* this thread's message */
    return NULL;
}

/* Run the jobs in their own threads while the main thread holds LMDB's
 * writer lock (an explicit write txn), so that they queue behind it; then
 * commit and join. Returns the largest group seen. */
static uint64_t run_queued(lmkv_db *db, job *jobs, int n)
{
    atomic_int ready = 0;
    lmkv_txn *hold;
    OK(lmkv_txn_begin(&hold, db, 0));
    for (int i = 0; i < n; i++) {
        jobs[i].ready = &ready;
        assert_int_equal(pthread_create(&jobs[i].th, NULL, job_main, &jobs[i]), 0);
    }
    while (atomic_load(&ready) < n)
        lmkv_test_sleep_ms(1);
    lmkv_test_sleep_ms(300); /* each is now inside its call, queued */
    OK(lmkv_txn_commit(hold));
    for (int i = 0; i < n; i++)
        pthread_join(jobs[i].th, NULL);
    lmkv_group_stats gs;
    OK(lmkv_kv__group_stats(&gs, db));
    fprintf(stderr, "group stats: %llu commits, %llu ops, largest group %llu\n", (unsigned long long)gs.commits,
            (unsigned long long)gs.ops, (unsigned long long)gs.max_group);
    return gs.max_group;
}

static void j_insert(job *j)
{
    char k[32];
    snprintf(k, sizeof k, "ok/%d", j->id);
    j->rc = lmkv_tree_insert(NULL, j->t, k, strlen(k), "v", 1);
}

static void j_cas_mismatch(job *j)
{
    lmkv_bytes cur = {0};
    j->rc = lmkv_tree_compare_and_swap(&cur, j->t, "cas", 3, "wrong", 5, "new", 3);
    if (j->rc == LMKV_ECAS && !(cur.size == 3 && memcmp(cur.data, "old", 3) == 0))
        j->rc = 999; /* the current value must come back */
    lmkv_free(cur.data);
}

static int refuse(void *ctx, const uint8_t *old, size_t on, uint8_t **out, size_t *outn)
{
    (void)old;
    (void)on;
    (void)out;
    (void)outn;
    return lmkv_error_set(LMKV_EINVAL, "callback of job %d refuses", *(int *)ctx);
}

/* update callback: the counter + 1, and which thread ran it */
static int incr_where(void *ctx, const uint8_t *old, size_t on, uint8_t **out, size_t *outn)
{
    *(int *)ctx = tls_job;
    return incr(NULL, old, on, out, outn);
}

static void j_counter_own_thread(job *j)
{
    int ran_in = -2;
    j->rc = lmkv_tree_update_and_fetch(NULL, j->t, "n", 1, incr_where, &ran_in);
    if (j->rc == 0 && ran_in != j->id)
        j->rc = 1000 + ran_in; /* the callback ran in another writer's thread */
}

static void j_update_refuses(job *j)
{
    j->rc = lmkv_tree_update_and_fetch(NULL, j->t, "refused", 7, refuse, &j->id);
}

static uint8_t g_k1[600], g_k2[600];

static void j_batch_collides(job *j)
{
    lmkv_batch *b;
    j->rc = lmkv_batch_new(&b);
    if (j->rc)
        return;
    for (int i = 0; i < 5; i++) {
        char k[32];
        snprintf(k, sizeof k, "batch/%d", i);
        lmkv_batch_insert(b, k, strlen(k), "b", 1);
    }
    lmkv_batch_insert(b, g_k1, sizeof g_k1, "v1", 2); /* sorts after "batch/": written last */
    j->rc = lmkv_tree_apply_batch(j->t, b);
    lmkv_batch_free(b);
}

/* The update callback writes to the same db: refused (EBUSY), no deadlock. */
static int nested_write(void *ctx, const uint8_t *old, size_t on, uint8_t **out, size_t *outn)
{
    (void)old;
    (void)on;
    job *j = ctx;
    int rc = lmkv_tree_insert(NULL, j->t, "inner", 5, "x", 1);
    *out = malloc(1);
    if (!*out)
        return LMKV_ENOMEM;
    **out = rc == LMKV_EBUSY ? 'B' : '?';
    *outn = 1;
    return 0;
}

static void j_nested(job *j)
{
    j->rc = lmkv_tree_update_and_fetch(NULL, j->t, "nested", 6, nested_write, j);
}

static uint64_t weak_hash(const void *p, size_t n)
{
    (void)p;
    (void)n;
    return 42;
}

static void test_group_members_fail_alone(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpfail");
    uint64_t (*saved)(const void *, size_t) = lmkv_kv__key_hash_fn;
    lmkv_kv__key_hash_fn = weak_hash; /* g_k1 and g_k2 collide */
    memset(g_k1, 'a', sizeof g_k1);
    memcpy(g_k2, g_k1, sizeof g_k2);
    g_k2[599] = 'b';
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "g", 1));
    OK(lmkv_tree_insert(NULL, t, "cas", 3, "old", 3));
    OK(lmkv_tree_insert(NULL, t, g_k2, sizeof g_k2, "v2", 2));

    job jobs[NTH];
    memset(jobs, 0, sizeof jobs);
    job_fn fns[NTH] = {j_insert, j_cas_mismatch, j_counter_own_thread, j_update_refuses, j_counter_own_thread,
                       j_batch_collides, j_nested, j_insert};
    for (int i = 0; i < NTH; i++) {
        jobs[i].t = t;
        jobs[i].id = i;
        jobs[i].fn = fns[i];
    }
    uint64_t maxg = run_queued(db, jobs, NTH);
    assert_true(maxg >= 2);

    for (int i = 0; i < NTH; i++)
        fprintf(stderr, "job %d: rc %d msg '%s'\n", i, jobs[i].rc, jobs[i].msg);
    assert_int_equal(jobs[1].rc, LMKV_ECAS);
    assert_non_null(strstr(jobs[1].msg, "compare_and_swap"));
    assert_int_equal(jobs[3].rc, LMKV_EINVAL);
    assert_non_null(strstr(jobs[3].msg, "callback of job 3 refuses")); /* set in the leader's thread, reported in job 3's */
    assert_int_equal(jobs[5].rc, LMKV_ECOLLISION);
    assert_non_null(strstr(jobs[5].msg, "xxh3"));
    OK(jobs[6].rc);
    for (int i = 0; i < NTH; i++)
        if (fns[i] == j_insert || fns[i] == j_counter_own_thread)
            OK(jobs[i].rc); /* counters: each callback ran in its caller's thread */

    /* the failed members left nothing; the others committed, durably */
    lmkv_tree_close(t);
    lmkv_db_close(db);
    db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    OK(lmkv_db_open_tree(&t, db, "g", 1));
    for (int i = 0; i < NTH; i++) {
        char k[32];
        snprintf(k, sizeof k, "ok/%d", i);
        assert_int_equal(lmkv_tree_contains_key(t, k, strlen(k)), fns[i] == j_insert ? LMKV_OK : LMKV_NOTFOUND);
    }
    for (int i = 0; i < 5; i++) {
        char k[32];
        snprintf(k, sizeof k, "batch/%d", i);
        assert_int_equal(lmkv_tree_contains_key(t, k, strlen(k)), LMKV_NOTFOUND); /* rolled back with its member */
    }
    assert_int_equal(lmkv_tree_contains_key(t, "refused", 7), LMKV_NOTFOUND);
    assert_int_equal(lmkv_tree_contains_key(t, "inner", 5), LMKV_NOTFOUND);
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "nested", 6));
    assert_int_equal(v.size, 1);
    assert_int_equal(v.data[0], 'B'); /* the callback's own write got LMKV_EBUSY */
    lmkv_free(v.data);
    OK(lmkv_tree_get(&v, t, "n", 1));
    assert_int_equal(be64(v.data), 2);
    lmkv_free(v.data);
    OK(lmkv_tree_get(&v, t, "cas", 3));
    assert_memory_equal(v.data, "old", 3);
    lmkv_free(v.data);
    OK(lmkv_tree_get(&v, t, g_k2, sizeof g_k2));
    assert_memory_equal(v.data, "v2", 2);
    lmkv_free(v.data);
    lmkv_tree_close(t);
    lmkv_kv__key_hash_fn = saved;
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ grouped transactions */

/* lmkv_db_transaction closures (two trees) queued behind one commit form
 * one group like tree writes: each fn runs in its caller's thread, sees the
 * earlier members' writes, a failing or poisoned one fails alone with its
 * own message, one that opens a tree or reserves ids is rerun alone. */
static lmkv_db *g_db;
static lmkv_tree *g_ta, *g_tb;
static atomic_int g_wrong_thread;

typedef struct txjob {
    job *j;
    int kind; /* 0 count, 1 count + open a tree, 2 count + generate_id, 3 abort, 4 poisoned */
    int runs;
    uint64_t id;
} txjob;
static txjob g_txj[NTH];

static int tx_count(lmkv_txn *tx, int id)
{
    lmkv_pair p;
    uint64_t n = 0;
    int rc = lmkv_txn_get(&p, tx, g_ta, "n", 1);
    if (rc == LMKV_OK && p.value_size == 8)
        n = be64(p.value);
    else if (rc != LMKV_NOTFOUND)
        return rc;
    uint8_t v[8];
    put_be64(v, n + 1);
    if ((rc = lmkv_txn_insert(tx, g_ta, "n", 1, v, 8)))
        return rc;
    char k[32];
    snprintf(k, sizeof k, "seen/%d", id);
    put_be64(v, n);
    return lmkv_txn_insert(tx, g_tb, k, strlen(k), v, 8); /* what it saw: the earlier members' result */
}

static int tx_fn(void *ctx, lmkv_txn *tx)
{
    txjob *x = ctx;
    x->runs++;
    if (tls_job != x->j->id)
        atomic_fetch_add(&g_wrong_thread, 1);
    int rc;
    switch (x->kind) {
    case 3:
        OK(lmkv_txn_insert(tx, g_ta, "n", 1, "\0\0\0\0\0\0\3\xe7", 8));
        OK(lmkv_txn_insert(tx, g_tb, "aborted", 7, "x", 1));
        return lmkv_error_set(LMKV_ECONFLICT, "job %d aborts on purpose", x->j->id);
    case 4:
        OK(lmkv_txn_insert(tx, g_tb, "poisoned", 8, "x", 1));
        assert_int_equal(lmkv_txn_insert(tx, g_tb, NULL, 3, "x", 1), LMKV_EINVAL);
        return 0; /* ignores the failed call: the commit must refuse */
    default:
        if ((rc = tx_count(tx, x->j->id)))
            return rc;
        if (x->kind == 1) {
            lmkv_tree *nt;
            if ((rc = lmkv_db_open_tree(&nt, g_db, "made-inside", 11)))
                return rc;
            rc = lmkv_txn_insert(tx, nt, "k", 1, "v", 1);
            lmkv_tree_close(nt);
            return rc;
        }
        if (x->kind == 2)
            return lmkv_db_generate_id(&x->id, g_db);
        return 0;
    }
}

static void j_tx(job *j)
{
    lmkv_tree *trees[2] = {g_ta, g_tb};
    j->rc = lmkv_db_transaction(g_db, trees, 2, tx_fn, &g_txj[j->id]);
}

static void j_insert_a(job *j)
{
    j->rc = lmkv_tree_insert(NULL, g_ta, "plain", 5, "p", 1);
}

static void test_transactions_grouped(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grptx");
    g_db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    OK(lmkv_db_open_tree(&g_ta, g_db, "a", 1));
    OK(lmkv_db_open_tree(&g_tb, g_db, "b", 1));
    lmkv_subscriber *sub;
    OK(lmkv_tree_watch_prefix(&sub, g_ta, "n", 1));
    atomic_store(&g_wrong_thread, 0);
    int kinds[NTH] = {0, 0, 3, 0, -1, 1, 2, 4}; /* -1: a plain tree insert in the same group */
    job jobs[NTH];
    memset(jobs, 0, sizeof jobs);
    memset(g_txj, 0, sizeof g_txj);
    for (int i = 0; i < NTH; i++) {
        jobs[i].id = i;
        jobs[i].fn = kinds[i] < 0 ? j_insert_a : j_tx;
        g_txj[i].j = &jobs[i];
        g_txj[i].kind = kinds[i];
    }
    lmkv_group_stats a;
    OK(lmkv_kv__group_stats(&a, g_db));
    uint64_t maxg = run_queued(g_db, jobs, NTH);
    assert_true(maxg >= 2);
    for (int i = 0; i < NTH; i++)
        fprintf(stderr, "tx job %d (kind %d): rc %d, %d runs, msg '%s'\n", i, kinds[i], jobs[i].rc, g_txj[i].runs,
                jobs[i].msg);
    assert_int_equal(atomic_load(&g_wrong_thread), 0); /* every fn ran in its caller's thread */
    int counted = 0;
    for (int i = 0; i < NTH; i++) {
        if (kinds[i] == 3) {
            assert_int_equal(jobs[i].rc, LMKV_ECONFLICT);
            assert_non_null(strstr(jobs[i].msg, "aborts on purpose")); /* its own message, in its thread */
            assert_int_equal(g_txj[i].runs, 1);
        } else if (kinds[i] == 4) {
            assert_int_equal(jobs[i].rc, LMKV_EBADTXN);
        } else {
            OK(jobs[i].rc);
            assert_string_equal(jobs[i].msg, ""); /* a rerun alone leaves no message behind */
            counted += kinds[i] >= 0;
        }
    }
    assert_int_equal(g_txj[6].id, 0); /* the first id of a fresh db, reserved in its rerun-alone txn */
    uint64_t next;
    OK(lmkv_db_generate_id(&next, g_db));
    assert_true(next > g_txj[6].id);
    /* every increment once, in commit order; the aborted 999 never */
    for (int want = 1; want <= counted; want++) {
        lmkv_event ev;
        OK(lmkv_subscriber_next(&ev, sub, 5000));
        assert_int_equal(ev.type, LMKV_EVENT_INSERT);
        assert_int_equal(ev.value.size, 8);
        assert_int_equal(be64(ev.value.data), (uint64_t)want);
        lmkv_event_clear(&ev);
    }
    lmkv_test_expect_no_event(sub);
    lmkv_subscriber_close(sub);
    lmkv_tree_close(g_ta);
    lmkv_tree_close(g_tb);
    lmkv_db_close(g_db);

    /* acknowledged = durable; the failed members left nothing */
    g_db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    OK(lmkv_db_open_tree(&g_ta, g_db, "a", 1));
    OK(lmkv_db_open_tree(&g_tb, g_db, "b", 1));
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, g_ta, "n", 1));
    assert_int_equal(be64(v.data), (uint64_t)counted);
    lmkv_free(v.data);
    bool saw[NTH] = {0};
    for (int i = 0; i < NTH; i++) {
        char k[32];
        snprintf(k, sizeof k, "seen/%d", i);
        int rc = lmkv_tree_get(&v, g_tb, k, strlen(k));
        if (kinds[i] < 0 || kinds[i] >= 3) {
            assert_int_equal(rc, LMKV_NOTFOUND);
            continue;
        }
        OK(rc);
        uint64_t n = be64(v.data);
        lmkv_free(v.data);
        assert_true(n < (uint64_t)counted);
        assert_false(saw[n]); /* each saw the one before it: a distinct count */
        saw[n] = true;
    }
    assert_int_equal(lmkv_tree_contains_key(g_tb, "aborted", 7), LMKV_NOTFOUND);
    assert_int_equal(lmkv_tree_contains_key(g_tb, "poisoned", 8), LMKV_NOTFOUND);
    OK(lmkv_tree_contains_key(g_ta, "plain", 5));
    lmkv_tree *nt;
    OK(lmkv_db_open_tree(&nt, g_db, "made-inside", 11));
    OK(lmkv_tree_contains_key(nt, "k", 1));
    lmkv_tree_close(nt);
    lmkv_tree_close(g_ta);
    lmkv_tree_close(g_tb);
    lmkv_test_db_done(g_db, dir);
}

/* ------------------------------------------------------------ a lone writer */

static void test_lone_writer_commits_alone(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grplone");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "g", 1));
    lmkv_group_stats a, b;
    OK(lmkv_kv__group_stats(&a, db));
    for (int i = 0; i < 50; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_tree_insert(NULL, t, k, strlen(k), k, strlen(k)));
    }
    OK(lmkv_kv__group_stats(&b, db));
    assert_int_equal(b.ops - a.ops, 50);
    assert_int_equal(b.commits - a.commits, 50); /* one commit each: nobody to wait for */
    assert_int_equal(b.max_group, 1);
    assert_int_equal(lmkv_kv__group_stats(NULL, db), LMKV_EINVAL);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* NOSYNC: commits cost no sync, writes are not grouped (each commits alone). */
static void test_nosync_not_grouped(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpnosync");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 0);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "g", 1));
    job jobs[4];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 4; i++) {
        jobs[i].t = t;
        jobs[i].id = i;
        jobs[i].fn = j_insert;
    }
    assert_int_equal(run_queued(db, jobs, 4), 0);
    for (int i = 0; i < 4; i++) {
        OK(jobs[i].rc);
        char k[32];
        snprintf(k, sizeof k, "ok/%d", i);
        OK(lmkv_tree_contains_key(t, k, strlen(k)));
    }
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ counters, events, durability */

typedef struct cjob {
    lmkv_tree *t;
    int id, n;
    int rc;
    pthread_t th;
} cjob;

static void *counter_main(void *p)
{
    cjob *c = p;
    for (int i = 0; i < c->n && !c->rc; i++) {
        char k[32];
        snprintf(k, sizeof k, "key/%d/%d", c->id, i);
        c->rc = lmkv_tree_insert(NULL, c->t, k, strlen(k), k, strlen(k));
        if (!c->rc)
            c->rc = lmkv_tree_update_and_fetch(NULL, c->t, "n", 1, incr, NULL);
    }
    return NULL;
}

static void test_counters_exact_events_in_order(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpcnt");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "c", 1));
    lmkv_subscriber *sub;
    OK(lmkv_tree_watch_prefix(&sub, t, "n", 1));
    enum { PER = 100 };
    cjob c[NTH];
    memset(c, 0, sizeof c);
    lmkv_group_stats a, b;
    OK(lmkv_kv__group_stats(&a, db));
    for (int i = 0; i < NTH; i++) {
        c[i].t = t;
        c[i].id = i;
        c[i].n = PER;
        assert_int_equal(pthread_create(&c[i].th, NULL, counter_main, &c[i]), 0);
    }
    for (int i = 0; i < NTH; i++) {
        pthread_join(c[i].th, NULL);
        OK(c[i].rc);
    }
    OK(lmkv_kv__group_stats(&b, db));
    fprintf(stderr, "%llu operations in %llu commits (largest group %llu)\n", (unsigned long long)(b.ops - a.ops),
            (unsigned long long)(b.commits - a.commits), (unsigned long long)b.max_group);
    assert_int_equal(b.ops - a.ops, 2 * NTH * PER);
    /* every increment once, in commit order */
    for (uint64_t want = 1; want <= NTH * PER; want++) {
        lmkv_event ev;
        OK(lmkv_subscriber_next(&ev, sub, 5000));
        assert_int_equal(ev.type, LMKV_EVENT_INSERT);
        assert_int_equal(ev.value.size, 8);
        assert_int_equal(be64(ev.value.data), want);
        lmkv_event_clear(&ev);
    }
    lmkv_test_expect_no_event(sub);
    lmkv_subscriber_close(sub);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    /* acknowledged = durable: all there after reopen */
    db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    OK(lmkv_db_open_tree(&t, db, "c", 1));
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "n", 1));
    assert_int_equal(be64(v.data), NTH * PER); /* exact: no lost increment */
    lmkv_free(v.data);
    uint64_t len;
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, NTH * PER + 1);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ map growth in a group */

static void j_big(job *j)
{
    uint8_t *buf = malloc(64 << 10);
    if (!buf) {
        j->rc = LMKV_ENOMEM;
        return;
    }
    memset(buf, 'a' + j->id, 64 << 10);
    j->rc = 0;
    for (int i = 0; i < 4 && !j->rc; i++) {
        char k[32];
        snprintf(k, sizeof k, "big/%d/%d", j->id, i);
        j->rc = lmkv_tree_insert(NULL, j->t, k, strlen(k), buf, 64 << 10);
    }
    free(buf);
}

static void test_map_full_reruns_group(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpfull");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 256 << 10);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "g", 1));
    lmkv_db_stat st0, st1;
    OK(lmkv_db_stat_get(&st0, db));
    job jobs[NTH];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < NTH; i++) {
        jobs[i].t = t;
        jobs[i].id = i;
        jobs[i].fn = j_big;
    }
    assert_true(run_queued(db, jobs, NTH) >= 2);
    for (int i = 0; i < NTH; i++)
        OK(jobs[i].rc);
    OK(lmkv_db_stat_get(&st1, db));
    assert_true(st1.map_size > st0.map_size);
    for (int i = 0; i < NTH; i++)
        for (int k = 0; k < 4; k++) {
            char key[32];
            snprintf(key, sizeof key, "big/%d/%d", i, k);
            lmkv_bytes v;
            OK(lmkv_tree_get(&v, t, key, strlen(key)));
            assert_int_equal(v.size, 64 << 10);
            assert_int_equal(v.data[0], 'a' + i);
            assert_int_equal(v.data[v.size - 1], 'a' + i);
            lmkv_free(v.data);
        }
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ another process */

static void test_other_process_beside_groups(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpproc");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "c", 1));
    enum { PER = 150 };
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        lmkv_db *cdb = lmkv_test_try_open(dir, LMKV_DURABILITY_DEFAULT, 0);
        lmkv_tree *ct;
        if (!cdb || lmkv_db_open_tree(&ct, cdb, "c", 1))
            _exit(2);
        for (int i = 0; i < PER; i++) {
            char k[32];
            snprintf(k, sizeof k, "proc/%d", i);
            if (lmkv_tree_insert(NULL, ct, k, strlen(k), "p", 1) ||
                lmkv_tree_update_and_fetch(NULL, ct, "n", 1, incr, NULL))
                _exit(3);
        }
        lmkv_tree_close(ct);
        lmkv_db_close(cdb);
        _exit(0);
    }
    cjob c[4];
    memset(c, 0, sizeof c);
    for (int i = 0; i < 4; i++) {
        c[i].t = t;
        c[i].id = i;
        c[i].n = PER;
        assert_int_equal(pthread_create(&c[i].th, NULL, counter_main, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(c[i].th, NULL);
        OK(c[i].rc);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, "n", 1));
    assert_int_equal(be64(v.data), 5 * PER); /* both processes' increments, none lost */
    lmkv_free(v.data);
    uint64_t len;
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, 5 * PER + 1);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ unchanged inserts */

typedef struct eqjob {
    lmkv_tree *t;
    const char *k, *v;
    atomic_int done;
    int rc;
    pthread_t th;
} eqjob;

static void *eq_main(void *p)
{
    eqjob *j = p;
    j->rc = lmkv_tree_insert(NULL, j->t, j->k, strlen(j->k), j->v, strlen(j->v));
    atomic_store(&j->done, 1);
    return NULL;
}

static void eq_stats(uint64_t *skipped, uint64_t *synced, lmkv_db *db)
{
    OK(lmkv_kv__equal_insert_stats(skipped, synced, db));
}

static void test_equal_insert_skips_commit(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpequal");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_DEFAULT, 0);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "e", 1));
    lmkv_subscriber *sub;
    OK(lmkv_tree_watch_prefix(&sub, t, "", 0));
    OK(lmkv_tree_insert(NULL, t, "k", 1, "value-1", 7));
    lmkv_event ev;
    OK(lmkv_subscriber_next(&ev, sub, 1000));
    assert_int_equal(ev.type, LMKV_EVENT_INSERT);
    lmkv_event_clear(&ev);

    lmkv_group_stats a, b;
    uint64_t txa, txb, sk0, sy0, sk1, sy1;
    OK(lmkv_kv__group_stats(&a, db));
    OK(lmkv_db_last_txnid(&txa, db));
    eq_stats(&sk0, &sy0, db);
    for (int i = 0; i < 100; i++) {
        lmkv_bytes prev = {0};
        OK(lmkv_tree_insert(&prev, t, "k", 1, "value-1", 7));
        assert_int_equal(prev.size, 7);
        assert_memory_equal(prev.data, "value-1", 7);
        lmkv_free(prev.data);
    }
    OK(lmkv_kv__group_stats(&b, db));
    OK(lmkv_db_last_txnid(&txb, db));
    eq_stats(&sk1, &sy1, db);
    assert_int_equal(txb, txa);               /* no LMDB commit */
    assert_int_equal(b.commits, a.commits);   /* no write group */
    assert_int_equal(b.ops, a.ops);
    assert_int_equal(sk1 - sk0, 100);
    assert_int_equal(sy1, sy0);               /* this process's own commit: known durable, no sync */
    assert_int_equal(lmkv_subscriber_next(&ev, sub, 0), LMKV_NOTFOUND); /* no event (sled) */

    /* a different value, an empty value, an absent key: the write path */
    OK(lmkv_tree_insert(NULL, t, "k", 1, "value-2", 7));
    OK(lmkv_db_last_txnid(&txb, db));
    assert_int_equal(txb, txa + 1);
    OK(lmkv_subscriber_next(&ev, sub, 1000));
    assert_int_equal(ev.value.size, 7);
    assert_memory_equal(ev.value.data, "value-2", 7);
    lmkv_event_clear(&ev);
    OK(lmkv_tree_insert(NULL, t, "empty", 5, "", 0));
    OK(lmkv_subscriber_next(&ev, sub, 1000));
    lmkv_event_clear(&ev);
    OK(lmkv_db_last_txnid(&txa, db));
    OK(lmkv_tree_insert(NULL, t, "empty", 5, NULL, 0)); /* the stored empty value again */
    OK(lmkv_db_last_txnid(&txb, db));
    assert_int_equal(txb, txa);
    assert_int_equal(lmkv_subscriber_next(&ev, sub, 0), LMKV_NOTFOUND);
    lmkv_bytes prev = {0};
    OK(lmkv_tree_insert(&prev, t, "new", 3, "value-1", 7)); /* absent: written */
    assert_null(prev.data);
    OK(lmkv_subscriber_next(&ev, sub, 1000));
    lmkv_event_clear(&ev);

    /* it takes no writer lock: it returns while the main thread holds an
     * explicit write txn (a write would wait for its commit). The 30 s
     * bound only keeps a wrong implementation from hanging the test. */
    lmkv_txn *hold;
    OK(lmkv_txn_begin(&hold, db, 0));
    eqjob j = {.t = t, .k = "k", .v = "value-2"};
    atomic_init(&j.done, 0);
    assert_int_equal(pthread_create(&j.th, NULL, eq_main, &j), 0);
    for (int i = 0; i < 30000 && !atomic_load(&j.done); i++)
        lmkv_test_sleep_ms(1);
    assert_int_equal(atomic_load(&j.done), 1);
    OK(j.rc);
    /* inside this thread's own write txn it is an ordinary txn-less write: EBUSY as before */
    assert_int_equal(lmkv_tree_insert(NULL, t, "k", 1, "value-2", 7), LMKV_EBUSY);
    OK(lmkv_txn_commit(hold));
    pthread_join(j.th, NULL);

    /* a value committed by another process: not known durable here, so
     * the first equal rewrite syncs the file (once), the next does not */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        lmkv_db *cdb = lmkv_test_try_open(dir, LMKV_DURABILITY_NOSYNC, 0);
        lmkv_tree *ct;
        if (!cdb || lmkv_db_open_tree(&ct, cdb, "e", 1) || lmkv_tree_insert(NULL, ct, "proc", 4, "p", 1))
            _exit(3);
        lmkv_tree_close(ct);
        lmkv_db_close(cdb);
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    eq_stats(&sk0, &sy0, db);
    OK(lmkv_tree_insert(NULL, t, "proc", 4, "p", 1));
    OK(lmkv_tree_insert(NULL, t, "proc", 4, "p", 1));
    eq_stats(&sk1, &sy1, db);
    assert_int_equal(sk1 - sk0, 2);
    assert_int_equal(sy1 - sy0, 1);
    assert_int_equal(lmkv_subscriber_next(&ev, sub, 0), LMKV_NOTFOUND); /* another process's writes: no events here */
    assert_int_equal(lmkv_kv__equal_insert_stats(NULL, &sy1, db), LMKV_EINVAL);

    lmkv_subscriber_close(sub);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* NOSYNC: no sync to save, so an unchanged insert takes the ordinary
 * write path (no read first: inserts of new keys pay nothing more), which
 * writes and commits nothing for it either. */
static void test_equal_insert_nosync(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpeqns");
    lmkv_db *db = lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 0);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "e", 1));
    lmkv_subscriber *sub;
    OK(lmkv_tree_watch_prefix(&sub, t, "", 0));
    OK(lmkv_tree_insert(NULL, t, "k", 1, "v", 1));
    lmkv_event ev;
    OK(lmkv_subscriber_next(&ev, sub, 1000));
    lmkv_event_clear(&ev);
    uint64_t txa, txb, sk, sy;
    OK(lmkv_db_last_txnid(&txa, db));
    for (int i = 0; i < 10; i++) {
        lmkv_bytes prev = {0};
        OK(lmkv_tree_insert(&prev, t, "k", 1, "v", 1));
        assert_int_equal(prev.size, 1);
        lmkv_free(prev.data);
    }
    OK(lmkv_db_last_txnid(&txb, db));
    eq_stats(&sk, &sy, db);
    assert_int_equal(txb, txa); /* nothing committed */
    assert_int_equal(sk, 0);    /* through the write path */
    assert_int_equal(sy, 0);
    assert_int_equal(lmkv_subscriber_next(&ev, sub, 0), LMKV_NOTFOUND);
    lmkv_subscriber_close(sub);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* SIGKILL while writer threads write new keys (w/<writer>/<seq>, each
 * once, its value naming it) and rewriter threads insert again, unchanged,
 * the newest key a writer has begun -- read back as soon as it is visible,
 * often while its commit is still in flight in the writer's group. After
 * the kill every acknowledged write and every acknowledged equal rewrite
 * must be there: each writer's keys are a prefix 1..k, with k at least its
 * last acknowledged write and every acknowledged rewrite, and at most its
 * last begun write. */
#define EQ_W 3
#define EQ_R 3

struct eqw {
    lmkv_tree *t;
    lmkv_db *db;
    int id;
    int fd;
    uint64_t seed;
};

static atomic_uint_fast64_t eq_begun[EQ_W];

static void eq_key(char *k, size_t cap, int id, uint64_t seq)
{
    snprintf(k, cap, "w/%d/%08" PRIu64, id, seq);
}

static void eq_val(uint8_t *v, uint64_t seq)
{
    memset(v, 0xa5, 24);
    put_be64(v, seq);
    put_be64(v + 16, ~seq);
}

static void *eq_writer(void *p)
{
    struct eqw *w = p;
    for (uint64_t seq = 1;; seq++) {
        char k[32];
        uint8_t v[24];
        eq_key(k, sizeof k, w->id, seq);
        eq_val(v, seq);
        rel_send(w->fd, 'B', 'W', (uint64_t)w->id, seq);
        atomic_store(&eq_begun[w->id], seq);
        if (lmkv_tree_insert(NULL, w->t, k, strlen(k), v, sizeof v)) { fprintf(stderr, "write: %s\n", lmkv_errmsg()); _exit(4); }
        rel_send(w->fd, 'A', 'W', (uint64_t)w->id, seq);
    }
    return NULL;
}

static void *eq_rewriter(void *p)
{
    struct eqw *w = p;
    uint64_t rng = w->seed;
    for (uint64_t n = 0;; n++) {
        int id = (int)(lmkv_test_rand(&rng) % EQ_W);
        uint64_t seq = atomic_load(&eq_begun[id]);
        if (!seq)
            continue;
        char k[32];
        eq_key(k, sizeof k, id, seq);
        lmkv_bytes v = {0};
        int rc;
        while ((rc = lmkv_tree_get(&v, w->t, k, strlen(k))) == LMKV_NOTFOUND)
            ; /* not committed yet: read again until it is visible */
        if (rc || v.size != 24 || be64(v.data) != seq) _exit(5);
        if (lmkv_tree_insert(NULL, w->t, k, strlen(k), v.data, v.size)) { fprintf(stderr, "rewrite: %s\n", lmkv_errmsg()); _exit(5); }
        rel_send(w->fd, 'A', 'E', (uint64_t)id, seq);
        lmkv_free(v.data);
        if (n % 64 == 63) {
            uint64_t sk, sy;
            if (lmkv_kv__equal_insert_stats(&sk, &sy, w->db) == 0)
                rel_send(w->fd, 'A', 'S', sk, sy);
        }
    }
    return NULL;
}

static void eq_child(const char *dir, int durability, int fd, uint64_t seed)
{
    lmkv_db *db = lmkv_test_try_open(dir, durability, 0);
    lmkv_tree *t;
    if (!db || lmkv_db_open_tree(&t, db, "e", 1)) _exit(3);
    struct eqw w[EQ_W + EQ_R];
    pthread_t th[EQ_W + EQ_R];
    for (int i = 0; i < EQ_W + EQ_R; i++) {
        w[i] = (struct eqw){t, db, i < EQ_W ? i : i - EQ_W, fd, seed + (uint64_t)i};
        if (pthread_create(&th[i], NULL, i < EQ_W ? eq_writer : eq_rewriter, &w[i])) _exit(3);
    }
    for (int i = 0; i < EQ_W + EQ_R; i++)
        pthread_join(th[i], NULL);
    _exit(0);
}

static void test_equal_insert_sigkill(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grpeqkill");
    uint64_t seed = lmkv_test_seed(0xe9a1);
    uint64_t rng = seed, skipped = 0, acked_eq = 0;
    unsigned rounds = 6 * rel_scale();
    for (unsigned r = 0; r < rounds; r++) {
        char sub[32];
        snprintf(sub, sizeof sub, "db%u", r);
        char *path = lmkv_test_path(dir, sub);
        int p[2];
        assert_int_equal(pipe(p), 0);
        int durability = r % 2 ? LMKV_DURABILITY_SYNC : LMKV_DURABILITY_DEFAULT;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            eq_child(path, durability, p[1], seed + r * 100);
        }
        close(p[1]);
        struct rel_msgs ms = {0};
        int st = rel_kill_after_start(&ms, pid, p[0], 20 + (unsigned)(lmkv_test_rand(&rng) % 200));
        close(p[0]);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
            fprintf(stderr, "round %u: child ended by itself (status %d) -- a write failed\n", r, st);
            fail();
        }
        uint64_t acked[EQ_W] = {0}, begun[EQ_W] = {0}, acked_rw[EQ_W] = {0};
        for (size_t i = 0; i < ms.n; i++) {
            const struct rel_msg *m = &ms.v[i];
            if (m->op == 'S') {
                if (m->n > skipped) skipped = m->n;
                continue;
            }
            assert_true(m->n < EQ_W);
            if (m->op == 'W' && m->kind == 'B') begun[m->n] = m->m;
            else if (m->op == 'W') acked[m->n] = m->m;
            else if (m->op == 'E') { if (m->m > acked_rw[m->n]) acked_rw[m->n] = m->m; acked_eq++; }
        }
        lmkv_db *db = lmkv_test_open(path, LMKV_DURABILITY_DEFAULT, 0);
        lmkv_tree *t;
        OK(lmkv_db_open_tree(&t, db, "e", 1));
        for (int i = 0; i < EQ_W; i++) {
            uint64_t seq = 1;
            for (;; seq++) {
                char k[32];
                eq_key(k, sizeof k, i, seq);
                lmkv_bytes v = {0};
                int rc = lmkv_tree_get(&v, t, k, strlen(k));
                if (rc == LMKV_NOTFOUND)
                    break;
                OK(rc);
                uint8_t want[24];
                eq_val(want, seq);
                assert_int_equal(v.size, 24);
                assert_memory_equal(v.data, want, 24);
                lmkv_free(v.data);
            }
            uint64_t present = seq - 1;
            if (present < acked[i] || present < acked_rw[i] || present > begun[i]) {
                fprintf(stderr, "round %u writer %d: keys 1..%" PRIu64 " present, acknowledged write %" PRIu64 ", acknowledged equal rewrite %" PRIu64 ", last begun %" PRIu64 "\n",
                        r, i, present, acked[i], acked_rw[i], begun[i]);
                fail();
            }
            char k[32];
            eq_key(k, sizeof k, i, seq + 1);
            assert_int_equal(lmkv_tree_contains_key(t, k, strlen(k)), LMKV_NOTFOUND); /* a prefix */
        }
        lmkv_tree_close(t);
        lmkv_db_close(db);
        rel_msgs_free(&ms);
        free(path);
    }
    printf("equal-rewrite kill campaign: seed 0x%" PRIx64 ": %u rounds, %" PRIu64 " acknowledged equal rewrites, up to %" PRIu64 " skipped commits in a child\n",
           seed, rounds, acked_eq, skipped);
    assert_true(skipped > 0); /* the rewrites took the no-commit path */
    lmkv_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lone_writer_commits_alone),
        cmocka_unit_test(test_nosync_not_grouped),
        cmocka_unit_test(test_group_members_fail_alone),
        cmocka_unit_test(test_counters_exact_events_in_order),
        cmocka_unit_test(test_transactions_grouped),
        cmocka_unit_test(test_map_full_reruns_group),
        cmocka_unit_test(test_other_process_beside_groups),
        cmocka_unit_test(test_equal_insert_skips_commit),
        cmocka_unit_test(test_equal_insert_nosync),
        cmocka_unit_test(test_equal_insert_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
