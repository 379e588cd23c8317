/*
 * test_tools_rel_concurrency.c -- concurrency campaign: 3 processes (this
 * one and 2 forked children, each opening its own lmkv_db) x 8 threads on
 * one database for LMKV_REL_SECONDS (default 10; make torture: 60),
 * starting from a 1 MiB map so growth happens under load in every process.
 * Per process: 4 writer threads, 2 reader threads, 1 iterator thread,
 * 1 subscriber thread. Checked against a model:
 *  - writer w owns the keys w<p>.<w>/0000..0255 of tree "data" (inserts,
 *    removes, batches, compare_and_swap, update_and_fetch; values carry a
 *    per-writer counter that only grows): after every acknowledged write
 *    lmkv_tree_get sees it, and every 64 ops a scan_prefix of its range
 *    equals its model exactly; at the end, the parent checks every
 *    writer's final model (written to a file) against the database.
 *  - writers also move money between 16 accounts of tree "bank" in
 *    two-key lmkv_db_transaction; readers check in read txns (snapshots)
 *    that the 16 accounts always sum to 16000.
 *  - the iterator thread walks "data" with tree iterators forwards and
 *    backwards: keys strictly monotonic, never repeated.
 *  - the subscriber (watch_prefix "w<p>.") sees, per key, counters only
 *    growing (events in write order); a dropped-events signal (ELIMIT)
 *    resets its view.
 * Afterwards `lmkv verify` finds no damage. Run under ThreadSanitizer with
 * `make test SAN=thread TESTS=rel_concurrency`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>

#include "reliability/rel_common.h"
#include "util/lmkv_test_util.h"

#define NPROC 3
#define NWRITERS 4
#define NREADERS 2
#define NKEYS 256
#define NACCT 16
#define TOTAL (NACCT * 1000)

static const char *g_dir;
static int g_proc;
static atomic_int g_stop;
static atomic_int g_failed;
static atomic_ulong g_ops, g_reads, g_iters, g_events, g_dropped;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "proc %d: ", g_proc);                              \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, " (%s)\n", lmkv_errmsg());                         \
            atomic_store(&g_failed, 1);                                        \
            atomic_store(&g_stop, 1);                                          \
            return NULL;                                                       \
        }                                                                      \
    } while (0)

static uint64_t le64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = (v << 8) | p[i]; return v; }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

struct shared { lmkv_db *db; lmkv_tree *data, *bank; };

struct wctx { struct shared *s; int w; uint64_t model[NKEYS]; uint64_t counter; };

static void wkey(char *b, size_t cap, int p, int w, int i) { snprintf(b, cap, "w%d.%d/%04d", p, w, i); }
/* The 4-digit key index after `off` bytes of a (not NUL-terminated) key, or -1. */
static int key_index(const uint8_t *k, size_t n, size_t off)
{
    if (n != off + 4) return -1;
    int v = 0;
    for (size_t j = off; j < n; j++) {
        if (k[j] < '0' || k[j] > '9') return -1;
        v = v * 10 + (k[j] - '0');
    }
    return v < NKEYS ? v : -1;
}

/* value: counter (8 bytes) + filler of counter-derived length */
static size_t wval(uint8_t *buf, uint64_t c)
{
    size_t n = 8 + (size_t)(c % 200);
    if (c % 97 == 0) n = 3000 + (size_t)(c % 5000);
    put64(buf, c);
    memset(buf + 8, (int)(c & 0xff), n - 8);
    return n;
}

struct transfer { lmkv_tree *bank; int from, to; uint64_t amount; };
static int transfer_fn(void *vctx, lmkv_txn *txn)
{
    struct transfer *t = vctx;
    char kf[16], kt[16];
    snprintf(kf, sizeof kf, "acct/%02d", t->from);
    snprintf(kt, sizeof kt, "acct/%02d", t->to);
    lmkv_pair a, b;
    int rc;
    if ((rc = lmkv_txn_get(&a, txn, t->bank, kf, strlen(kf)))) return rc;
    uint64_t va = le64(a.value);
    if ((rc = lmkv_txn_get(&b, txn, t->bank, kt, strlen(kt)))) return rc;
    uint64_t vb = le64(b.value);
    uint64_t x = va ? t->amount % (va + 1) : 0;
    uint8_t na[8], nb[8];
    put64(na, va - x); put64(nb, vb + x);
    if ((rc = lmkv_txn_insert(txn, t->bank, kf, strlen(kf), na, 8))) return rc;
    return lmkv_txn_insert(txn, t->bank, kt, strlen(kt), nb, 8);
}

static int upd_fn(void *ctx, const uint8_t *old, size_t on, uint8_t **out, size_t *outn)
{
    (void)old; (void)on;
    uint64_t c = *(uint64_t *)ctx;
    uint8_t *p = malloc(8 + 200 + 8000);
    if (!p) return LMKV_ENOMEM;
    *outn = wval(p, c);
    *out = p;
    return 0;
}

static void *writer(void *arg)
{
    struct wctx *c = arg;
    struct shared *s = c->s;
    uint64_t rng = ((uint64_t)g_proc << 40) ^ ((uint64_t)c->w << 20) ^ 0x9e3779b97f4a7c15u;
    uint8_t *buf = malloc(8 + 200 + 8000);
    CHECK(buf, "oom");
    uint64_t ops = 0;
    while (!atomic_load(&g_stop)) {
        uint64_t r = lmkv_test_rand(&rng);
        int i = (int)(r % NKEYS);
        char k[32];
        wkey(k, sizeof k, g_proc, c->w, i);
        int op = (int)((r >> 16) % 100);
        int rc;
        if (op < 35) {
            uint64_t cn = ++c->counter;
            size_t n = wval(buf, cn);
            rc = lmkv_tree_insert(NULL, s->data, k, strlen(k), buf, n);
            CHECK(rc == 0, "insert %s: %d", k, rc);
            c->model[i] = cn;
        } else if (op < 45) {
            rc = lmkv_tree_remove(NULL, s->data, k, strlen(k));
            CHECK(rc == (c->model[i] ? 0 : LMKV_NOTFOUND), "remove %s: %d (model %" PRIu64 ")", k, rc, c->model[i]);
            c->model[i] = 0;
        } else if (op < 60) {               /* batch over 8 keys */
            lmkv_batch *b;
            CHECK(lmkv_batch_new(&b) == 0, "batch_new");
            int idx[8];
            uint64_t cn[8];
            for (int j = 0; j < 8; j++) {
                idx[j] = (i + j * 31) % NKEYS;
                char kk[32];
                wkey(kk, sizeof kk, g_proc, c->w, idx[j]);
                if (j == 7) { lmkv_batch_remove(b, kk, strlen(kk)); cn[j] = 0; }
                else { cn[j] = ++c->counter; size_t n = wval(buf, cn[j]); lmkv_batch_insert(b, kk, strlen(kk), buf, n); }
            }
            rc = lmkv_tree_apply_batch(s->data, b);
            lmkv_batch_free(b);
            CHECK(rc == 0, "apply_batch: %d", rc);
            for (int j = 0; j < 8; j++) c->model[idx[j]] = cn[j];
        } else if (op < 70) {               /* compare_and_swap from the model */
            uint8_t old[8 + 200 + 8000];
            size_t on = c->model[i] ? wval(old, c->model[i]) : 0;
            uint64_t cn = ++c->counter;
            size_t n = wval(buf, cn);
            rc = lmkv_tree_compare_and_swap(NULL, s->data, k, strlen(k), c->model[i] ? old : NULL, on, buf, n);
            CHECK(rc == 0, "cas %s: %d", k, rc);
            c->model[i] = cn;
        } else if (op < 75) {
            uint64_t cn = ++c->counter;
            rc = lmkv_tree_update_and_fetch(NULL, s->data, k, strlen(k), upd_fn, &cn);
            CHECK(rc == 0, "update_and_fetch %s: %d", k, rc);
            c->model[i] = cn;
        } else {                            /* bank transfer */
            struct transfer t = {s->bank, (int)((r >> 24) % NACCT), (int)((r >> 32) % NACCT), r >> 40};
            if (t.from == t.to) t.to = (t.to + 1) % NACCT;
            lmkv_tree *ts[1] = {s->bank};
            rc = lmkv_db_transaction(s->db, ts, 1, transfer_fn, &t);
            CHECK(rc == 0, "transfer: %d", rc);
            continue;
        }
        /* read your write */
        lmkv_bytes v = {0};
        rc = lmkv_tree_get(&v, s->data, k, strlen(k));
        if (c->model[i]) {
            CHECK(rc == 0 && v.size >= 8 && le64(v.data) == c->model[i], "read-your-write %s: rc %d", k, rc);
        } else {
            CHECK(rc == LMKV_NOTFOUND, "removed %s still there: %d", k, rc);
        }
        lmkv_free(v.data);
        if (++ops % 64 == 0) {              /* whole range equals the model */
            char pfx[32];
            snprintf(pfx, sizeof pfx, "w%d.%d/", g_proc, c->w);
            lmkv_iter *it;
            CHECK(lmkv_tree_scan_prefix(&it, s->data, pfx, strlen(pfx)) == 0, "scan_prefix");
            lmkv_pair p;
            int next = 0;
            while ((rc = lmkv_iter_next(&p, it)) == 0) {
                int ki = key_index(p.key, p.key_size, strlen(pfx));
                if (ki < 0) { lmkv_iter_free(it); CHECK(0, "scan of %s: foreign key", pfx); }
                while (next < ki) { if (c->model[next]) break; next++; }
                if (next != ki || le64(p.value) != c->model[ki]) { lmkv_iter_free(it); CHECK(0, "scan of %s: key %d unexpected (model %" PRIu64 ")", pfx, ki, c->model[ki]); }
                next++;
            }
            lmkv_iter_free(it);
            CHECK(rc == LMKV_NOTFOUND, "scan end %d", rc);
            for (; next < NKEYS; next++) CHECK(!c->model[next], "scan of %s missed key %d", pfx, next);
        }
        atomic_fetch_add(&g_ops, 1);
    }
    free(buf);
    return NULL;
}

static void *reader(void *arg)
{
    struct shared *s = arg;
    while (!atomic_load(&g_stop)) {
        lmkv_txn *tx;
        int rc = lmkv_txn_begin(&tx, s->db, LMKV_TXN_READ_ONLY);
        CHECK(rc == 0, "read txn: %d", rc);
        lmkv_iter *it;
        rc = lmkv_txn_iter(&it, tx, s->bank);
        if (rc) { lmkv_txn_abort(tx); CHECK(0, "txn_iter %d", rc); }
        lmkv_pair p;
        uint64_t sum = 0;
        int n = 0;
        while ((rc = lmkv_iter_next(&p, it)) == 0) { sum += le64(p.value); n++; }
        lmkv_iter_free(it);
        lmkv_txn_abort(tx);
        CHECK(rc == LMKV_NOTFOUND && n == NACCT && sum == TOTAL, "bank snapshot: %d accounts, sum %" PRIu64, n, sum);
        if (atomic_fetch_add(&g_reads, 1) % 16 == 0) usleep(200);   /* leave CPU to the writers (shared machine) */
    }
    return NULL;
}

static void *iterator(void *arg)
{
    struct shared *s = arg;
    int dir = 0;
    while (!atomic_load(&g_stop)) {
        lmkv_iter *it;
        CHECK(lmkv_tree_iter(&it, s->data) == 0, "iter");
        lmkv_pair p;
        uint8_t last[64];
        size_t lastn = 0;
        int have = 0, rc;
        while ((rc = dir ? lmkv_iter_next_back(&p, it) : lmkv_iter_next(&p, it)) == 0) {
            CHECK(p.key_size < sizeof last, "key size");
            if (have) {
                size_t m = p.key_size < lastn ? p.key_size : lastn;
                int cmp = memcmp(p.key, last, m);
                if (!cmp) cmp = p.key_size < lastn ? -1 : p.key_size > lastn;
                if (dir ? cmp >= 0 : cmp <= 0) { lmkv_iter_free(it); CHECK(0, "iterator went %s", dir ? "forwards" : "backwards"); }
            }
            memcpy(last, p.key, p.key_size);
            lastn = p.key_size;
            have = 1;
        }
        lmkv_iter_free(it);
        CHECK(rc == LMKV_NOTFOUND, "iter end %d", rc);
        dir ^= 1;
        atomic_fetch_add(&g_iters, 1);
        usleep(500);
    }
    return NULL;
}

static void *subscriber(void *arg)
{
    struct shared *s = arg;
    char pfx[16];
    snprintf(pfx, sizeof pfx, "w%d.", g_proc);
    lmkv_subscriber *sub;
    CHECK(lmkv_tree_watch_prefix(&sub, s->data, pfx, strlen(pfx)) == 0, "watch_prefix");
    static uint64_t seen[NWRITERS][NKEYS];  /* last counter per key (0 = unknown/removed) */
    memset(seen, 0, sizeof seen);
    while (!atomic_load(&g_stop)) {
        lmkv_event ev;
        int rc = lmkv_subscriber_next(&ev, sub, 50);
        if (rc == LMKV_NOTFOUND) continue;
        if (rc == LMKV_ELIMIT) { memset(seen, 0, sizeof seen); atomic_fetch_add(&g_dropped, 1); continue; }
        if (rc) { lmkv_subscriber_close(sub); CHECK(0, "subscriber_next %d", rc); }
        size_t pl = strlen(pfx);
        int w = ev.key.size > pl ? ev.key.data[pl] - '0' : -1;
        int i = ev.key.size > pl + 2 && ev.key.data[pl + 1] == '/' ? key_index(ev.key.data, ev.key.size, pl + 2) : -1;
        if (w < 0 || w >= NWRITERS || i < 0) {
            lmkv_event_clear(&ev); lmkv_subscriber_close(sub); CHECK(0, "event key");
        }
        if (ev.type == LMKV_EVENT_INSERT) {
            uint64_t c = le64(ev.value.data);
            if (seen[w][i] && c <= seen[w][i]) {
                lmkv_event_clear(&ev); lmkv_subscriber_close(sub);
                CHECK(0, "events out of order for w%d.%d/%04d: %" PRIu64 " after %" PRIu64, g_proc, w, i, c, seen[w][i]);
            }
            seen[w][i] = c;
        }
        lmkv_event_clear(&ev);
        atomic_fetch_add(&g_events, 1);
    }
    lmkv_subscriber_close(sub);
    return NULL;
}

static unsigned seconds(void)
{
    const char *e = getenv("LMKV_REL_SECONDS");
    long v = e ? strtol(e, NULL, 10) : 10;
    return v > 0 ? (unsigned)v : 10;
}

/* Run one process's 8 threads; write each writer's model to a file. */
static int run_process(int p)
{
    g_proc = p;
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = g_dir;
    cfg.initial_map_size = 1 << 20;
    cfg.flush_every_ms = 100;
    /* process 0 syncs every commit (DEFAULT), the others use NOSYNC so the
     * writers are bound by the CPU, not by fdatasync */
    cfg.durability = p == 0 ? LMKV_DURABILITY_DEFAULT : LMKV_DURABILITY_NOSYNC;
    struct shared s;
    if (lmkv_db_open(&s.db, &cfg)) { fprintf(stderr, "open: %s\n", lmkv_errmsg()); return 1; }
    if (lmkv_db_open_tree(&s.data, s.db, "data", 4) || lmkv_db_open_tree(&s.bank, s.db, "bank", 4)) return 1;
    pthread_t th[8];
    struct wctx *wc = calloc(NWRITERS, sizeof *wc);
    for (int w = 0; w < NWRITERS; w++) {
        wc[w].s = &s; wc[w].w = w;
        wc[w].counter = 0;
        pthread_create(&th[w], NULL, writer, &wc[w]);
    }
    for (int r = 0; r < NREADERS; r++) pthread_create(&th[NWRITERS + r], NULL, reader, &s);
    pthread_create(&th[6], NULL, iterator, &s);
    pthread_create(&th[7], NULL, subscriber, &s);
    uint64_t end = rel_now_ms() + seconds() * 1000u;
    while (rel_now_ms() < end && !atomic_load(&g_stop)) rel_sleep_ms(50);
    atomic_store(&g_stop, 1);
    for (int t = 0; t < 8; t++) pthread_join(th[t], NULL);
    for (int w = 0; w < NWRITERS; w++) {
        char path[4096];
        snprintf(path, sizeof path, "%s.model.%d.%d", g_dir, p, w);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(wc[w].model, sizeof wc[w].model, 1, f) != 1) return 1;
        fclose(f);
    }
    lmkv_db_stat st;
    lmkv_db_stat_get(&st, s.db);
    printf("proc %d: %lu writes, %lu bank snapshots, %lu full iterations, %lu events (%lu overflow signals), map %" PRIu64 " bytes\n",
           p, atomic_load(&g_ops), atomic_load(&g_reads), atomic_load(&g_iters), atomic_load(&g_events),
           atomic_load(&g_dropped), st.map_size);
    fflush(stdout);
    free(wc);
    lmkv_tree_close(s.data);
    lmkv_tree_close(s.bank);
    lmkv_db_close(s.db);
    return atomic_load(&g_failed);
}

static void test_concurrency(void **state)
{
    (void)state;
    char *base = lmkv_test_tmpdir("rel-conc");
    char *dir = lmkv_test_path(base, "db");
    g_dir = dir;
    /* accounts first, so every snapshot sees 16 */
    {
        lmkv_db *db;
        REL_OK(lmkv_db_open_path(&db, dir));
        lmkv_tree *bank, *data;
        REL_OK(lmkv_db_open_tree(&data, db, "data", 4));
        lmkv_tree_close(data);
        REL_OK(lmkv_db_open_tree(&bank, db, "bank", 4));
        for (int a = 0; a < NACCT; a++) {
            char k[16]; uint8_t v[8];
            snprintf(k, sizeof k, "acct/%02d", a);
            put64(v, 1000);
            REL_OK(lmkv_tree_insert(NULL, bank, k, strlen(k), v, 8));
        }
        lmkv_tree_close(bank);
        lmkv_db_close(db);
    }
    fflush(stdout);
    pid_t kids[NPROC - 1];
    for (int p = 1; p < NPROC; p++) {
        kids[p - 1] = fork();
        assert_true(kids[p - 1] >= 0);
        if (kids[p - 1] == 0) _exit(run_process(p));
    }
    int mine = run_process(0);
    assert_int_equal(mine, 0);
    for (int p = 1; p < NPROC; p++) {
        int st;
        waitpid(kids[p - 1], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "process %d failed (status %d)\n", p, st); fail(); }
    }
    /* every writer's final model against the database */
    lmkv_db *db;
    REL_OK(lmkv_db_open_path(&db, dir));
    lmkv_tree *data, *bank;
    REL_OK(lmkv_db_open_tree(&data, db, "data", 4));
    REL_OK(lmkv_db_open_tree(&bank, db, "bank", 4));
    uint64_t present = 0, len = 0;
    for (int p = 0; p < NPROC; p++)
        for (int w = 0; w < NWRITERS; w++) {
            char path[4096];
            snprintf(path, sizeof path, "%s.model.%d.%d", dir, p, w);
            uint64_t model[NKEYS];
            FILE *f = fopen(path, "rb");
            assert_non_null(f);
            assert_int_equal(fread(model, sizeof model, 1, f), 1);
            fclose(f);
            for (int i = 0; i < NKEYS; i++) {
                char k[32];
                wkey(k, sizeof k, p, w, i);
                lmkv_bytes v = {0};
                int rc = lmkv_tree_get(&v, data, k, strlen(k));
                if (model[i]) {
                    if (rc != 0 || le64(v.data) != model[i]) { fprintf(stderr, "final: %s rc %d\n", k, rc); fail(); }
                    present++;
                } else {
                    assert_int_equal(rc, LMKV_NOTFOUND);
                }
                lmkv_free(v.data);
            }
        }
    REL_OK(lmkv_tree_len(&len, data));
    assert_int_equal(len, present);
    uint64_t sum = 0;
    for (int a = 0; a < NACCT; a++) {
        char k[16];
        snprintf(k, sizeof k, "acct/%02d", a);
        lmkv_bytes v = {0};
        REL_OK(lmkv_tree_get(&v, bank, k, strlen(k)));
        sum += le64(v.data);
        lmkv_free(v.data);
    }
    assert_int_equal(sum, TOTAL);
    lmkv_tree_close(data);
    lmkv_tree_close(bank);
    lmkv_db_close(db);
    char log[4096];
    snprintf(log, sizeof log, "%s.verify.log", dir);
    int vr = rel_lmkv_verify(dir, log);
    if (vr) rel_print_log(log);
    assert_int_equal(vr, 0);
    printf("concurrency: %d processes x 8 threads for %u s: %" PRIu64 " keys in the final model all present, bank sum %d, lmkv verify clean\n",
           NPROC, seconds(), present, TOTAL);
    lmkv_test_rmtree(base);
    free(base); free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
