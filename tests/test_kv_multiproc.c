/*
 * test_kv_multiproc.c -- several real processes on one database (lmkv never
 * takes an exclusive lock, unlike sled): a forked writer inserts while this
 * process reads and writes, each side sees the other's acknowledged writes,
 * the map grown by one process is adopted by the other; a SIGKILLed writer
 * (possibly inside a write transaction) leaves the database openable and
 * writable with every acknowledged write present and ids never repeated.
 * Children open their own lmkv_db after fork (an LMDB env must not cross
 * fork) and report acknowledgements through a pipe. A shared watcher
 * (lmkv_tree_watch_prefix_shared) sees another process's writes as one
 * event per changed key, latest state, in key order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
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

/* Default durability; NULL on failure (children must not fail a test). */
static lmkv_db *open_db(const char *dir, uint64_t map)
{
    return lmkv_test_try_open(dir, LMKV_DURABILITY_DEFAULT, map);
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ------------------------------------------------------------ concurrent writer */

enum { NW = 400, NP = 200, VAL = 8192 };

static int child_writer(const char *dir, int ackfd)
{
    lmkv_db *db = open_db(dir, 1 << 20);
    if (!db)
        return 10;
    lmkv_tree *t;
    if (lmkv_db_open_tree(&t, db, "shared", 6))
        return 11;
    char *val = malloc(VAL);
    for (int i = 0; i < NW; i++) {
        char k[32];
        snprintf(k, sizeof k, "c%06d", i);
        memset(val, 'a' + i % 26, VAL);
        int rc = lmkv_tree_insert(NULL, t, k, strlen(k), val, VAL);
        if (rc) {
            fprintf(stderr, "child insert: %s\n", lmkv_errmsg());
            return 12;
        }
        if (write_all(ackfd, &i, sizeof i))
            return 13;
    }
    /* wait for the parent's writes, then check them all */
    for (int tries = 0; tries < 3000; tries++) {
        if (lmkv_tree_contains_key(t, "p_done", 6) == 0)
            break;
        usleep(2000);
    }
    for (int i = 0; i < NP; i++) {
        char k[32];
        snprintf(k, sizeof k, "p%06d", i);
        lmkv_bytes b;
        if (lmkv_tree_get(&b, t, k, strlen(k)))
            return 14;
        lmkv_free(b.data);
    }
    free(val);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return 0;
}

static void test_two_processes(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("mpw");
    lmkv_db *db = open_db(dir, 1 << 20);
    assert_non_null(db);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "shared", 6));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(child_writer(dir, fds[1]));
    }
    close(fds[1]);
    /* read acknowledgements while writing our own keys */
    int acked = 0, pw = 0;
    uint64_t txn_before;
    OK(lmkv_db_last_txnid(&txn_before, db));
    while (acked < NW) {
        int i;
        assert_int_equal(read_all(fds[0], &i, sizeof i), 0);
        assert_int_equal(i, acked);
        char k[32];
        snprintf(k, sizeof k, "c%06d", i);
        lmkv_bytes b;
        OK(lmkv_tree_get(&b, t, k, strlen(k))); /* an acknowledged write is visible here at once */
        assert_int_equal(b.size, VAL);
        assert_int_equal(b.data[VAL - 1], 'a' + i % 26);
        lmkv_free(b.data);
        acked++;
        if (pw < NP && acked % 2 == 0) {
            snprintf(k, sizeof k, "p%06d", pw++);
            OK(lmkv_tree_insert(NULL, t, k, strlen(k), "parent", 6));
        }
    }
    while (pw < NP) {
        char k[32];
        snprintf(k, sizeof k, "p%06d", pw++);
        OK(lmkv_tree_insert(NULL, t, k, strlen(k), "parent", 6));
    }
    OK(lmkv_tree_insert(NULL, t, "p_done", 6, "1", 1));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    uint64_t txn_after, len;
    OK(lmkv_db_last_txnid(&txn_after, db));
    assert_true(txn_after >= txn_before + NW + NP); /* the other process's commits are seen */
    OK(lmkv_tree_len(&len, t));
    assert_int_equal(len, NW + NP + 1);
    /* the map was grown by the child (3+ MiB of values in a 1 MiB map) and adopted here */
    lmkv_db_stat st;
    OK(lmkv_db_stat_get(&st, db));
    assert_true(st.map_size > (1u << 20));
    /* the env is still a plain LMDB env: iterate everything once more */
    lmkv_iter *it;
    lmkv_pair p;
    OK(lmkv_tree_iter(&it, t));
    uint64_t n = 0;
    while (lmkv_iter_next(&p, it) == 0)
        n++;
    assert_int_equal(n, len);
    lmkv_iter_free(it);
    close(fds[0]);
    lmkv_tree_close(t);
    lmkv_test_db_done(db, dir);
}

/* ------------------------------------------------------------ SIGKILL */

typedef struct ack {
    uint64_t id;
    int32_t batch;
} ack;

/* Forever: take an id, write it (alone, or in a 10-key txn with more ids),
 * acknowledge after commit. */
static int child_killed(const char *dir, int ackfd)
{
    lmkv_db *db = open_db(dir, 0);
    if (!db)
        return 20;
    lmkv_tree *t = lmkv_db_default_tree(db);
    for (int32_t round = 0;; round++) {
        uint64_t ids[10];
        int n = round % 2 ? 10 : 1;
        for (int j = 0; j < n; j++)
            if (lmkv_db_generate_id(&ids[j], db))
                return 21;
        if (n == 1) {
            char k[32];
            snprintf(k, sizeof k, "id%020llu", (unsigned long long)ids[0]);
            if (lmkv_tree_insert(NULL, t, k, strlen(k), "x", 1))
                return 22;
        } else {
            lmkv_txn *tx;
            if (lmkv_txn_begin(&tx, db, 0))
                return 23;
            for (int j = 0; j < n; j++) {
                char k[32];
                snprintf(k, sizeof k, "id%020llu", (unsigned long long)ids[j]);
                if (lmkv_txn_insert(tx, t, k, strlen(k), "txn", 3))
                    return 24;
                usleep(100); /* widen the window in which a kill lands inside the txn */
            }
            if (lmkv_txn_commit(tx))
                return 25;
        }
        for (int j = 0; j < n; j++) {
            ack a = {ids[j], round};
            if (write_all(ackfd, &a, sizeof a))
                return 26;
        }
    }
}

static void test_sigkill_writer(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("mpkill");
    uint64_t rs = lmkv_test_seed(12345);
    size_t cap = 1 << 16, nacks = 0;
    ack *acks = malloc(cap * sizeof *acks);
    for (int round = 0; round < 4; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            _exit(child_killed(dir, fds[1]));
        }
        close(fds[1]);
        /* let it run for a random number of acknowledgements, then kill it */
        int want = 50 + (int)(lmkv_test_rand(&rs) % 200);
        for (int i = 0; i < want; i++) {
            assert_true(nacks < cap);
            assert_int_equal(read_all(fds[0], &acks[nacks], sizeof acks[0]), 0);
            nacks++;
        }
        usleep((useconds_t)(lmkv_test_rand(&rs) % 3000));
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        /* drain acknowledgements written before the kill */
        ack a;
        while (read_all(fds[0], &a, sizeof a) == 0 && nacks < cap)
            acks[nacks++] = a;
        close(fds[0]);

        lmkv_db *db = open_db(dir, 0);
        assert_non_null(db);
        lmkv_tree *t = lmkv_db_default_tree(db);
        uint64_t maxid = 0;
        for (size_t i = 0; i < nacks; i++) {
            char k[32];
            snprintf(k, sizeof k, "id%020llu", (unsigned long long)acks[i].id);
            OK(lmkv_tree_contains_key(t, k, strlen(k))); /* every acknowledged write survived */
            if (acks[i].id > maxid)
                maxid = acks[i].id;
            for (size_t j = i + 1; j < nacks && j < i + 64; j++)
                assert_true(acks[j].id != acks[i].id);
        }
        /* transactions are all-or-nothing: count keys per stored value kind */
        lmkv_iter *it;
        lmkv_pair p;
        OK(lmkv_tree_iter(&it, t));
        uint64_t txn_keys = 0;
        while (lmkv_iter_next(&p, it) == 0)
            if (p.value_size == 3)
                txn_keys++;
        lmkv_iter_free(it);
        assert_int_equal(txn_keys % 10, 0);
        /* the db is writable (a writer lock held by the dead child is recovered) */
        OK(lmkv_tree_insert(NULL, t, "after-kill", 10, "ok", 2));
        uint64_t id;
        OK(lmkv_db_generate_id(&id, db));
        assert_true(id > maxid); /* ids never repeat */
        lmkv_db_close(db);
    }
    assert_true(nacks >= 200);
    free(acks);
    lmkv_test_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------ shared watcher */

static int child_edits(const char *dir)
{
    lmkv_db *db = open_db(dir, 1 << 20);
    lmkv_tree *t;
    if (!db || lmkv_db_open_tree(&t, db, "w", 1))
        return 20;
    int rc = 0;
    rc |= lmkv_tree_insert(NULL, t, "k/1", 3, "v1", 2);   /* inserted, then removed: no event */
    rc |= lmkv_tree_insert(NULL, t, "k/2", 3, "v2", 2);
    rc |= lmkv_tree_remove(NULL, t, "k/1", 3);
    rc |= lmkv_tree_insert(NULL, t, "k/3", 3, "v3", 2);
    rc |= lmkv_tree_insert(NULL, t, "k/3", 3, "v3b", 3);  /* two writes: one event, the latest */
    rc |= lmkv_tree_remove(NULL, t, "k/0", 3);            /* existed before the watcher */
    rc |= lmkv_tree_insert(NULL, t, "k/4", 3, "same", 4); /* written back unchanged: no event */
    rc |= lmkv_tree_insert(NULL, t, "other", 5, "x", 1);  /* outside the prefix */
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return rc ? 21 : 0;
}

static void test_shared_watcher(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("mpwatch");
    lmkv_db *db = open_db(dir, 1 << 20);
    assert_non_null(db);
    lmkv_tree *t;
    OK(lmkv_db_open_tree(&t, db, "w", 1));
    OK(lmkv_tree_insert(NULL, t, "k/0", 3, "old", 3));
    OK(lmkv_tree_insert(NULL, t, "k/4", 3, "same", 4));
    lmkv_watcher *w;
    assert_int_equal(lmkv_tree_watch_prefix_shared(&w, t, NULL, 1, 0), LMKV_EINVAL);
    OK(lmkv_tree_watch_prefix_shared(&w, t, "k/", 2, 10));
    assert_int_equal(lmkv_watcher_len(w), 2);
    lmkv_event ev;
    assert_int_equal(lmkv_watcher_next(&ev, w, 0), LMKV_NOTFOUND); /* nothing yet */
    uint64_t before = lmkv_watcher_txnid(w);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_edits(dir));
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    static const struct { int type; const char *key, *val; } want[] = {
        {LMKV_EVENT_REMOVE, "k/0", NULL}, {LMKV_EVENT_INSERT, "k/2", "v2"}, {LMKV_EVENT_INSERT, "k/3", "v3b"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        OK(lmkv_watcher_next(&ev, w, 2000));
        assert_int_equal(ev.type, want[i].type);
        assert_int_equal(ev.key.size, 3);
        assert_memory_equal(ev.key.data, want[i].key, 3);
        if (want[i].val) {
            assert_int_equal(ev.value.size, strlen(want[i].val));
            assert_memory_equal(ev.value.data, want[i].val, ev.value.size);
        } else {
            assert_null(ev.value.data);
        }
        lmkv_event_clear(&ev);
    }
    assert_int_equal(lmkv_watcher_next(&ev, w, 50), LMKV_NOTFOUND); /* k/1, k/4, other: nothing */
    assert_true(lmkv_watcher_txnid(w) > before);
    assert_int_equal(lmkv_watcher_len(w), 3); /* k/2 k/3 k/4 */
    /* this process's own writes are seen too */
    OK(lmkv_tree_insert(NULL, t, "k/5", 3, "mine", 4));
    OK(lmkv_watcher_next(&ev, w, 2000));
    assert_int_equal(ev.type, LMKV_EVENT_INSERT);
    assert_memory_equal(ev.key.data, "k/5", 3);
    lmkv_event_clear(&ev);
    lmkv_watcher_close(w);
    lmkv_watcher_close(NULL);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_processes),
        cmocka_unit_test(test_sigkill_writer),
        cmocka_unit_test(test_shared_watcher),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
