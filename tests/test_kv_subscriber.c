/*
 * test_kv_subscriber.c -- watch_prefix back-pressure as sled 0.34
 * (src/subscriber.rs: a sync_channel(1024) per subscriber; a writer whose
 * event does not fit blocks until the subscriber drains), with real
 * threads and a real second process:
 *  - a writer blocks on its 1025th undrained event, AFTER its commit (the
 *    key is already readable), and proceeds as soon as one event is
 *    drained; every event arrives, in order;
 *  - while it waits, readers, writers of other keys/trees and another
 *    process's writer are not blocked;
 *  - a transaction's commit waits until its last event has a slot;
 *  - closing the subscriber, dropping the tree or closing the db releases a
 *    blocked writer (its write stays committed);
 *  - LMKV_WATCH_NONBLOCKING keeps the drop-and-report behaviour
 *    (LMKV_ELIMIT once) and never stalls a writer.
 * "Blocked" is observed as "has not returned after a pause"; "released"
 * is waited for with a generous deadline, so a slow machine cannot make a
 * correct implementation fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lmkv_kv.h"
#include "util/lmkv_test_kv.h"
#include "util/lmkv_test_util.h"

#define OK(x) LMKV_TEST_OK(x)

#define QCAP 1024   /* sled's sync_channel(1024) */
#define PAUSE_MS 300   /* "still blocked" = no progress during this pause */
#define DEADLINE_MS 20000

static lmkv_db *open_db(const char *dir) { return lmkv_test_open(dir, LMKV_DURABILITY_NOSYNC, 0); }

/* Wait until *v >= want (DEADLINE_MS at most). */
static int wait_for(atomic_int *v, int want)
{
    long end = lmkv_test_now_ms() + DEADLINE_MS;
    while (atomic_load(v) < want) {
        if (lmkv_test_now_ms() > end)
            return 0;
        lmkv_test_sleep_ms(2);
    }
    return 1;
}

/* A writer thread: inserts keys k<from>..k<to-1> into t, counting returns. */
typedef struct writer {
    lmkv_tree *t;
    int from, to;
    atomic_int done;     /* inserts that returned LMKV_OK */
    atomic_int finished; /* the thread ended */
    int last_rc;         /* first error, or 0 */
    pthread_t th;
} writer;

static void *writer_main(void *p)
{
    writer *w = p;
    for (int i = w->from; i < w->to; i++) {
        char k[16];
        lmkv_test_key(k, i);
        int rc = lmkv_tree_insert(NULL, w->t, k, strlen(k), k, strlen(k));
        if (rc) {
            w->last_rc = rc;
            break;
        }
        atomic_fetch_add(&w->done, 1);
    }
    atomic_store(&w->finished, 1);
    return NULL;
}

static void writer_start(writer *w, lmkv_tree *t, int from, int to)
{
    memset(w, 0, sizeof *w);
    w->t = t;
    w->from = from;
    w->to = to;
    assert_int_equal(pthread_create(&w->th, NULL, writer_main, w), 0);
}

/* The writer has returned from exactly n inserts and stays there. */
static void assert_blocked_at(writer *w, int n)
{
    assert_true(wait_for(&w->done, n));
    lmkv_test_sleep_ms(PAUSE_MS);
    assert_int_equal(atomic_load(&w->done), n);
    assert_int_equal(atomic_load(&w->finished), 0);
}

static void expect_key_event(lmkv_subscriber *s, int i)
{
    char k[16];
    lmkv_test_key(k, i);
    lmkv_test_expect_event(s, DEADLINE_MS, LMKV_EVENT_INSERT, k, k);
}

/* A forked process opens the database, writes and reads one key; returns
 * its exit status (0 = it did both), or -1 if it did not finish in time. */
static int other_process_writes(const char *dir, const char *key)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        lmkv_db *db = lmkv_test_try_open(dir, LMKV_DURABILITY_DEFAULT, 0);
        if (!db)
            _exit(2);
        lmkv_tree *t = lmkv_db_default_tree(db);
        lmkv_bytes v;
        if (lmkv_tree_insert(NULL, t, key, strlen(key), "p", 1) || lmkv_tree_get(&v, t, key, strlen(key)))
            _exit(3);
        lmkv_free(v.data);
        lmkv_db_close(db);
        _exit(0);
    }
    long end = lmkv_test_now_ms() + DEADLINE_MS;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
        if (lmkv_test_now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        lmkv_test_sleep_ms(5);
    }
}

/* ------------------------------------------------------------ blocking */

static void test_writer_blocks_until_drained(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subblock");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t, *other;
    OK(lmkv_db_open_tree(&t, db, "w", 1));
    OK(lmkv_db_open_tree(&other, db, "o", 1));
    lmkv_subscriber *s;
    OK(lmkv_tree_watch_prefix(&s, t, "k", 1));
    const int total = QCAP + 200;
    writer w;
    writer_start(&w, t, 0, total);

    /* 1024 events fit; the 1025th insert commits, then waits for room */
    assert_blocked_at(&w, QCAP);
    char k[16];
    lmkv_test_key(k, QCAP);
    lmkv_bytes v;
    OK(lmkv_tree_get(&v, t, k, strlen(k))); /* committed before waiting */
    lmkv_free(v.data);

    /* nobody else is blocked by the waiting writer: readers, a read txn,
     * writers of keys the subscriber does not watch and of other trees,
     * and another process's writer */
    lmkv_txn *rt;
    OK(lmkv_txn_begin(&rt, db, LMKV_TXN_READ_ONLY));
    lmkv_pair p;
    OK(lmkv_txn_get(&p, rt, t, k, strlen(k)));
    lmkv_txn_abort(rt);
    OK(lmkv_tree_insert(NULL, t, "other", 5, "x", 1));
    OK(lmkv_tree_insert(NULL, other, "k1", 2, "x", 1));
    lmkv_txn *wt;
    OK(lmkv_txn_begin(&wt, db, 0));
    OK(lmkv_txn_insert(wt, other, "k2", 2, "y", 1));
    OK(lmkv_txn_commit(wt));
    assert_int_equal(other_process_writes(dir, "from-child"), 0);
    OK(lmkv_tree_get(&v, lmkv_db_default_tree(db), "from-child", 10));
    lmkv_free(v.data);
    assert_int_equal(atomic_load(&w.done), QCAP); /* still waiting */

    /* one drained event releases it; the next insert blocks again */
    expect_key_event(s, 0);
    assert_blocked_at(&w, QCAP + 1);
    expect_key_event(s, 1);
    assert_blocked_at(&w, QCAP + 2);

    /* drain the rest while it writes: nothing lost, order kept */
    for (int i = 2; i < total; i++)
        expect_key_event(s, i);
    assert_true(wait_for(&w.finished, 1));
    pthread_join(w.th, NULL);
    assert_int_equal(w.last_rc, 0);
    assert_int_equal(atomic_load(&w.done), total);
    lmkv_test_expect_no_event(s);
    lmkv_subscriber_close(s);
    lmkv_tree_close(other);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* Two subscribers, one drained and one not: the writer waits for the slow
 * one only, and both get every event in the same order. */
static void test_slow_and_fast_subscribers(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subtwo");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    lmkv_subscriber *fast, *slow;
    OK(lmkv_tree_watch_prefix(&fast, t, "", 0));
    OK(lmkv_tree_watch_prefix(&slow, t, "k", 1));
    const int total = QCAP + 10;
    writer w;
    writer_start(&w, t, 0, total);
    for (int i = 0; i < QCAP; i++)
        expect_key_event(fast, i);
    assert_blocked_at(&w, QCAP); /* fast has room; slow does not */
    expect_key_event(fast, QCAP); /* the committed, waiting writer's event */
    lmkv_test_expect_no_event(fast);
    /* each event drained from slow lets exactly one more write through */
    for (int i = 0; i < total; i++) {
        expect_key_event(slow, i);
        if (QCAP + 1 + i < total)
            expect_key_event(fast, QCAP + 1 + i);
    }
    assert_true(wait_for(&w.finished, 1));
    pthread_join(w.th, NULL);
    assert_int_equal(w.last_rc, 0);
    lmkv_test_expect_no_event(fast);
    lmkv_test_expect_no_event(slow);
    lmkv_subscriber_close(fast);
    lmkv_subscriber_close(slow);
    lmkv_test_db_done(db, dir);
}

/* A transaction's commit: all its events are queued at once, and the
 * committing thread waits until its last one has a slot. */
typedef struct txw {
    lmkv_db *db;
    lmkv_tree *t;
    int n;
    atomic_int committed;
    int rc;
} txw;

static void *txn_writer(void *p)
{
    txw *c = p;
    lmkv_txn *tx;
    c->rc = lmkv_txn_begin(&tx, c->db, 0);
    for (int i = 0; c->rc == 0 && i < c->n; i++) {
        char k[16];
        lmkv_test_key(k, i);
        c->rc = lmkv_txn_insert(tx, c->t, k, strlen(k), k, strlen(k));
    }
    if (c->rc == 0)
        c->rc = lmkv_txn_commit(tx);
    else
        lmkv_txn_abort(tx);
    atomic_store(&c->committed, 1);
    return NULL;
}

static void test_transaction_waits_for_its_last_event(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subtxn");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "t", 1));
    lmkv_subscriber *s;
    OK(lmkv_tree_watch_prefix(&s, t, "", 0));
    const int n = QCAP + 476;
    txw c = {db, t, n, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, txn_writer, &c), 0);
    /* the whole transaction is committed (readable) while its thread waits */
    char k[16];
    lmkv_test_key(k, n - 1);
    long end = lmkv_test_now_ms() + DEADLINE_MS;
    lmkv_bytes v;
    while (lmkv_tree_get(&v, t, k, strlen(k)) != 0) {
        assert_true(lmkv_test_now_ms() < end);
        lmkv_test_sleep_ms(2);
    }
    lmkv_free(v.data);
    lmkv_test_sleep_ms(PAUSE_MS);
    assert_int_equal(atomic_load(&c.committed), 0);
    /* its last event (number n-1) gets a slot once n - 1024 are drained */
    for (int i = 0; i < n - QCAP - 1; i++)
        expect_key_event(s, i);
    lmkv_test_sleep_ms(PAUSE_MS);
    assert_int_equal(atomic_load(&c.committed), 0);
    expect_key_event(s, n - QCAP - 1);
    assert_true(wait_for(&c.committed, 1));
    pthread_join(th, NULL);
    assert_int_equal(c.rc, 0);
    for (int i = n - QCAP; i < n; i++)
        expect_key_event(s, i);
    lmkv_test_expect_no_event(s);
    lmkv_subscriber_close(s);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ release */

static void test_close_releases_writer(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subclose");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "w", 1));
    lmkv_subscriber *s;
    OK(lmkv_tree_watch_prefix(&s, t, "", 0));
    const int total = QCAP + 50;
    writer w;
    writer_start(&w, t, 0, total);
    assert_blocked_at(&w, QCAP);
    lmkv_subscriber_close(s); /* from this thread, while the writer waits */
    assert_true(wait_for(&w.finished, 1));
    pthread_join(w.th, NULL);
    assert_int_equal(w.last_rc, 0);
    assert_int_equal(atomic_load(&w.done), total);
    uint64_t n;
    OK(lmkv_tree_len(&n, t));
    assert_int_equal(n, (uint64_t)total);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

static void test_drop_releases_writer(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subdrop");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "d", 1));
    lmkv_subscriber *s;
    OK(lmkv_tree_watch_prefix(&s, t, "", 0));
    writer w;
    writer_start(&w, t, 0, QCAP + 50);
    assert_blocked_at(&w, QCAP);
    int existed = 0;
    OK(lmkv_db_drop_tree(&existed, db, "d", 1));
    assert_int_equal(existed, 1);
    assert_true(wait_for(&w.finished, 1));
    pthread_join(w.th, NULL);
    /* the waiting insert returned OK (it had committed); the next one
     * found the tree dropped */
    assert_int_equal(atomic_load(&w.done), QCAP + 1);
    assert_int_equal(w.last_rc, LMKV_ETREE);
    /* the subscriber still gets what was queued, then LMKV_ETREE */
    for (int i = 0; i <= QCAP; i++)
        expect_key_event(s, i);
    lmkv_event ev;
    assert_int_equal(lmkv_subscriber_next(&ev, s, 0), LMKV_ETREE);
    lmkv_subscriber_close(s);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

static void test_db_close_releases_writer(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subdbclose");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    lmkv_subscriber *s;
    OK(lmkv_tree_watch_prefix(&s, t, "", 0));
    /* the writer's last insert is the one that waits */
    writer w;
    writer_start(&w, t, 0, QCAP + 1);
    assert_blocked_at(&w, QCAP);
    lmkv_db_close(db); /* must not hang: releases the writer, waits for it */
    assert_true(wait_for(&w.finished, 1));
    pthread_join(w.th, NULL);
    assert_int_equal(w.last_rc, 0);
    assert_int_equal(atomic_load(&w.done), QCAP + 1);
    /* the detached subscriber: queued events, then LMKV_ETREE; freeing it
     * after the close touches no freed memory (ASan) */
    for (int i = 0; i <= QCAP; i++)
        expect_key_event(s, i);
    lmkv_event ev;
    assert_int_equal(lmkv_subscriber_next(&ev, s, 0), LMKV_ETREE);
    lmkv_subscriber_close(s);
    /* a subscriber left open is detached too, and may be closed later */
    db = open_db(dir);
    uint64_t n;
    OK(lmkv_tree_len(&n, lmkv_db_default_tree(db)));
    assert_int_equal(n, (uint64_t)QCAP + 1);
    OK(lmkv_tree_watch_prefix(&s, lmkv_db_default_tree(db), "", 0));
    OK(lmkv_tree_insert(NULL, lmkv_db_default_tree(db), "z", 1, "v", 1));
    lmkv_db_close(db);
    OK(lmkv_subscriber_next(&ev, s, 0));
    assert_int_equal(ev.key.size, 1);
    lmkv_event_clear(&ev);
    assert_int_equal(lmkv_subscriber_next(&ev, s, -1), LMKV_ETREE); /* never hangs */
    lmkv_subscriber_close(s);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* A thread blocked in lmkv_subscriber_next(-1) is woken by the db's close. */
static void *next_forever(void *p)
{
    lmkv_event ev;
    intptr_t rc = lmkv_subscriber_next(&ev, p, -1);
    if (rc == 0)
        lmkv_event_clear(&ev);
    return (void *)rc;
}

static void test_db_close_wakes_reader(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subdbwake");
    lmkv_db *db = open_db(dir);
    lmkv_subscriber *s;
    OK(lmkv_tree_watch_prefix(&s, lmkv_db_default_tree(db), "", 0));
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, next_forever, s), 0);
    lmkv_test_sleep_ms(50);
    lmkv_db_close(db);
    void *ret;
    pthread_join(th, &ret);
    assert_int_equal((intptr_t)ret, LMKV_ETREE);
    lmkv_subscriber_close(s);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------ non-blocking */

static void test_nonblocking_drops_and_reports(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("subnb");
    lmkv_db *db = open_db(dir);
    lmkv_tree *t = lmkv_db_default_tree(db);
    lmkv_subscriber *s;
    assert_int_equal(lmkv_tree_watch_prefix_ex(&s, t, "", 0, 0x80), LMKV_EINVAL);
    OK(lmkv_tree_watch_prefix_ex(&s, t, "", 0, LMKV_WATCH_NONBLOCKING));
    /* one thread writes past the bound without draining: never blocks */
    const int total = QCAP + 100;
    for (int i = 0; i < total; i++) {
        char k[16];
        lmkv_test_key(k, i);
        OK(lmkv_tree_insert(NULL, t, k, strlen(k), k, strlen(k)));
    }
    for (int i = 0; i < QCAP; i++)
        expect_key_event(s, i);
    lmkv_event ev;
    assert_int_equal(lmkv_subscriber_next(&ev, s, 0), LMKV_ELIMIT);
    assert_non_null(strstr(lmkv_errmsg(), "dropped"));
    lmkv_test_expect_no_event(s); /* once */
    OK(lmkv_tree_insert(NULL, t, "k999999", 7, "k999999", 7));
    expect_key_event(s, 999999);
    lmkv_subscriber_close(s);
    lmkv_test_db_done(db, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_blocks_until_drained),
        cmocka_unit_test(test_slow_and_fast_subscribers),
        cmocka_unit_test(test_transaction_waits_for_its_last_event),
        cmocka_unit_test(test_close_releases_writer),
        cmocka_unit_test(test_drop_releases_writer),
        cmocka_unit_test(test_db_close_releases_writer),
        cmocka_unit_test(test_db_close_wakes_reader),
        cmocka_unit_test(test_nonblocking_drops_and_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
