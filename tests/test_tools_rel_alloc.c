/*
 * test_tools_rel_alloc.c -- allocation-failure injection (the SQLite and
 * libgit2 technique): this program replaces malloc/calloc/realloc/
 * posix_memalign/aligned_alloc/free for the whole process (libc, liblmdb,
 * libgit2, jansson, zlib and lmkv all call them) and fails chosen calls.
 * For N = 1, 2, ... it runs a workload with the N-th allocation failing
 * (one-shot), and for a sample of N with every allocation from the N-th on
 * failing (persistent), until a run finishes without reaching N. Every run
 * must return an error code (with a message) or succeed -- never crash --
 * and afterwards, with allocation working again, the database must open,
 * hold every step the workload acknowledged, show every batch and
 * transaction all-or-nothing and pass `lmkv verify`. In the plain build the
 * bytes still allocated after each run are compared with a warm-up run (a
 * leak on an error path shows as growth); under `make test SAN=1` the
 * replacement forwards to ASan's allocator, so LeakSanitizer also checks.
 *
 * Not injected: jansson's own allocations (json_set_alloc_funcs in main):
 * jansson 2.14's lexer ignores a failed string-buffer allocation and then
 * asserts or walks past its buffer (akheron/jansson#362, open upstream;
 * found here at N=121177 of the probe-universal-cache import, reproduced
 * with jansson alone).
 *
 * Workloads: (kv) open, open trees, inserts incl. a 600-byte key, batch
 * with removes, two-tree transaction, compare_and_swap, update_and_fetch,
 * iterators both ways, subscriber, generate_id, export, close; (kv group)
 * four threads queued behind a held write txn (so they commit as one write
 * group: an insert, a batch, an update_and_fetch, a compare_and_swap) with
 * the N-th allocation of the group failing: each member returns OK (and is
 * stored) or an error with a message in its own thread (and left nothing);
 * (kv group, one member) the same group with only the update_and_fetch
 * thread's N-th allocation failing: it alone gets LMKV_ENOMEM, the other
 * three commit;
 * (migrate)
 * lmdb-migrate's import of tests/fixtures/sled/edge-cases-small.sleddump:
 * either an error with the target untouched (absent) or the same checksum
 * as an undisturbed import.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>

#include "lmkv_migrate.h"
#include "reliability/rel_common.h"
#include "kv_int.h" /* lmkv_kv__group_stats */
#include "util/lmkv_test_util.h"

/* The replacement allocator runs before ThreadSanitizer's runtime is set up
 * (its initialisation calls malloc through dlsym), so under TSan it must not
 * be instrumented: an instrumented malloc crashes in __tsan_func_entry
 * before main. Its state is atomic or set once at the first call. */
#if defined(__SANITIZE_THREAD__)
#define ALLOC_FN __attribute__((no_sanitize_thread))
#else
#define ALLOC_FN
#endif
#define EXPORT __attribute__((visibility("default"))) ALLOC_FN

/* ------------------------------------------------------------ allocator */

static atomic_ulong g_calls;         /* allocation calls since armed */
static atomic_ulong g_fail_at;       /* 0 = never fail */
static atomic_int g_persistent;      /* fail every call >= fail_at */
static atomic_ulong g_injected;      /* failures injected in total */
static atomic_long g_live;           /* bytes live (plain build only) */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define REL_FORWARD 1
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static char boot[65536];
static size_t boot_used;
static int resolving;
ALLOC_FN static void resolve(void)
{
    if (real_malloc || resolving) return;
    resolving = 1;
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    resolving = 0;
}
ALLOC_FN static void *boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (boot_used + n > sizeof boot) return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;
}
ALLOC_FN static int in_boot(void *p) { return (char *)p >= boot && (char *)p < boot + sizeof boot; }
#else
#define REL_FORWARD 0
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
#endif

static int g_trace;   /* LMKV_REL_ALLOC_TRACE=1: log the calls of run N=1 to stderr */
__attribute__((unused)) static void trace(const char *what, void *p, size_t n)
{
    if (!g_trace) return;
    char b[160];
    int len = snprintf(b, sizeof b, "%s %p %zu from %p\n", what, p, n, __builtin_return_address(0));
    if (len > 0) (void)!write(2, b, (size_t)len);
}

/* g_thread_only: count and fail only the allocations of threads that set
 * tls_alloc_target (one member of a write group, in its own thread). */
static atomic_int g_thread_only;
static _Thread_local int tls_alloc_target;

ALLOC_FN static int should_fail(void)
{
    unsigned long at = atomic_load(&g_fail_at);
    if (!at) return 0;
    if (atomic_load(&g_thread_only) && !tls_alloc_target) return 0;
    unsigned long c = atomic_fetch_add(&g_calls, 1) + 1;
    if (c == at || (atomic_load(&g_persistent) && c > at)) {
        atomic_fetch_add(&g_injected, 1);
        return 1;
    }
    return 0;
}

ALLOC_FN static void *alloc_nofail(size_t n);

EXPORT void *malloc(size_t n)
{
    if (should_fail()) { errno = ENOMEM; return NULL; }
    return alloc_nofail(n);
}

/* The allocation itself, never failed: malloc without injection, and
 * jansson's allocator (see main: jansson 2.14's lexer aborts or corrupts its
 * heap on a failed allocation, akheron/jansson#362, so it is left out). */
ALLOC_FN static void *alloc_nofail(size_t n)
{
#if REL_FORWARD
    resolve();
    if (!real_malloc) return boot_alloc(n);
    return real_malloc(n);
#else
    void *p = __libc_malloc(n);
    if (p) atomic_fetch_add(&g_live, (long)malloc_usable_size(p));
    trace("malloc", p, n);
    return p;
#endif
}

EXPORT void *calloc(size_t a, size_t b)
{
    if (should_fail()) { errno = ENOMEM; return NULL; }
#if REL_FORWARD
    resolve();
    if (!real_calloc) { void *p = boot_alloc(a * b); if (p) memset(p, 0, a * b); return p; }
    return real_calloc(a, b);
#else
    void *p = __libc_calloc(a, b);
    if (p) atomic_fetch_add(&g_live, (long)malloc_usable_size(p));
    trace("calloc", p, a * b);
    return p;
#endif
}

EXPORT void *realloc(void *old, size_t n)
{
    if (should_fail()) { errno = ENOMEM; return NULL; }
#if REL_FORWARD
    resolve();
    if (in_boot(old)) { void *p = real_malloc(n); if (p && old) memcpy(p, old, n); return p; }
    return real_realloc(old, n);
#else
    long before = old ? (long)malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);
    if (p) atomic_fetch_add(&g_live, (long)malloc_usable_size(p) - before);
    else if (n == 0 && old) atomic_fetch_sub(&g_live, before);
    trace("realloc-from", old, 0);
    trace("realloc", p, n);
    return p;
#endif
}

EXPORT void free(void *p)
{
    if (!p) return;
#if REL_FORWARD
    if (in_boot(p)) return;
    resolve();
    real_free(p);
#else
    atomic_fetch_sub(&g_live, (long)malloc_usable_size(p));
    trace("free", p, 0);
    __libc_free(p);
#endif
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (should_fail()) return ENOMEM;
#if REL_FORWARD
    resolve();
    return real_posix_memalign(out, align, n);
#else
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    atomic_fetch_add(&g_live, (long)malloc_usable_size(p));
    *out = p;
    return 0;
#endif
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    void *p = NULL;
    return posix_memalign(&p, align, n) == 0 ? p : NULL;
}

static void arm(unsigned long at, int persistent)
{
    atomic_store(&g_calls, 0);
    atomic_store(&g_persistent, persistent);
    atomic_store(&g_fail_at, at);
}
static unsigned long disarm(void)
{
    unsigned long c = atomic_load(&g_calls);
    atomic_store(&g_fail_at, 0);
    return c;
}

/* ------------------------------------------------------------ kv workload */

/* Steps acknowledged by the last run (each bit one step). */
enum { S_OPEN = 1, S_INSERTS = 2, S_BATCH = 4, S_TXN = 8, S_CAS = 16, S_UPDATE = 32 };

static int upd(void *ctx, const uint8_t *old, size_t on, uint8_t **out, size_t *outn)
{
    (void)ctx;
    uint8_t *p = malloc(on + 1);
    if (!p) return LMKV_ENOMEM;
    if (on) memcpy(p, old, on);
    p[on] = '+';
    *out = p; *outn = on + 1;
    return 0;
}

struct txc { lmkv_tree *a, *b; };
static int txfn(void *vctx, lmkv_txn *txn)
{
    struct txc *c = vctx;
    int rc = lmkv_txn_insert(txn, c->a, "tx", 2, "1", 1);
    if (!rc) rc = lmkv_txn_insert(txn, c->b, "tx", 2, "1", 1);
    if (!rc) rc = lmkv_txn_remove(txn, c->a, "k03", 3);
    return rc == LMKV_NOTFOUND ? 0 : rc;
}

static int ex_col(void *ctx, const char *type, const uint8_t *name, size_t n) { (void)type; (void)name; (void)n; (*(int *)ctx)++; return 0; }
static int ex_pair(void *ctx, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn) { (void)k; (void)kn; (void)v; (void)vn; (*(int *)ctx)++; return 0; }

static uint8_t longkey[600];

static int kv_workload(const char *dir, unsigned *acked)
{
    lmkv_db *db = NULL;
    lmkv_tree *a = NULL, *b = NULL;
    lmkv_batch *bt = NULL;
    lmkv_iter *it = NULL;
    lmkv_subscriber *sub = NULL;
    lmkv_bytes out = {0};
    int rc;
    *acked = 0;
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    cfg.initial_map_size = 1 << 20;
    if ((rc = lmkv_db_open(&db, &cfg))) goto out;
    if ((rc = lmkv_db_open_tree(&a, db, "a", 1))) goto out;
    if ((rc = lmkv_db_open_tree(&b, db, "b", 1))) goto out;
    *acked |= S_OPEN;
    if ((rc = lmkv_tree_watch_prefix(&sub, a, "k", 1))) goto out;
    for (int i = 0; i < 8; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%02d", i);
        if ((rc = lmkv_tree_insert(NULL, a, k, 3, k, 3))) goto out;
    }
    if ((rc = lmkv_tree_insert(NULL, a, longkey, sizeof longkey, "long", 4))) goto out;
    *acked |= S_INSERTS;
    if ((rc = lmkv_batch_new(&bt))) goto out;
    for (int i = 0; i < 6; i++) {
        char k[8];
        snprintf(k, sizeof k, "g%02d", i);
        if ((rc = lmkv_batch_insert(bt, k, 3, "gen1", 4))) goto out;
    }
    if ((rc = lmkv_batch_remove(bt, "k00", 3))) goto out;
    if ((rc = lmkv_tree_apply_batch(a, bt))) goto out;
    *acked |= S_BATCH;
    struct txc c = {a, b};
    lmkv_tree *ts[2] = {a, b};
    if ((rc = lmkv_db_transaction(db, ts, 2, txfn, &c))) goto out;
    *acked |= S_TXN;
    if ((rc = lmkv_tree_compare_and_swap(NULL, a, "k01", 3, "k01", 3, "swapped", 7))) goto out;
    *acked |= S_CAS;
    if ((rc = lmkv_tree_update_and_fetch(&out, a, "k02", 3, upd, NULL))) goto out;
    lmkv_free(out.data); out.data = NULL;
    *acked |= S_UPDATE;
    lmkv_event ev;
    if ((rc = lmkv_subscriber_next(&ev, sub, 0)) == 0) lmkv_event_clear(&ev);
    else if (rc != LMKV_NOTFOUND && rc != LMKV_ELIMIT) goto out;
    lmkv_bound lo = {LMKV_INCLUDED, "g", 1}, hi = {LMKV_EXCLUDED, "l", 1};
    if ((rc = lmkv_tree_range(&it, a, &lo, &hi))) goto out;
    lmkv_pair p;
    int n = 0;
    while ((rc = lmkv_iter_next(&p, it)) == 0 && (rc = lmkv_iter_next_back(&p, it)) == 0) n += 2;
    if (rc != LMKV_NOTFOUND) goto out;
    lmkv_iter_free(it); it = NULL;
    if ((rc = lmkv_tree_scan_prefix(&it, a, "k", 1))) goto out;
    while ((rc = lmkv_iter_next(&p, it)) == 0) n++;
    if (rc != LMKV_NOTFOUND) goto out;
    uint64_t id;
    if ((rc = lmkv_db_generate_id(&id, db))) goto out;
    int cnt = 0;
    lmkv_export_visitor v = {ex_col, ex_pair};
    if ((rc = lmkv_db_export(db, &v, &cnt))) goto out;
    if ((rc = lmkv_tree_get(&out, a, "g00", 3))) goto out;
    rc = 0;
out:
    lmkv_free(out.data);
    lmkv_iter_free(it);
    lmkv_batch_free(bt);
    lmkv_subscriber_close(sub);
    lmkv_tree_close(a);
    lmkv_tree_close(b);
    lmkv_db_close(db);
    return rc;
}

/* With allocation working: the database is consistent with `acked`. */
static void kv_check(const char *dir, unsigned acked)
{
    struct stat sb;
    char *data = lmkv_test_path(dir, "data.mdb");
    int exists = stat(data, &sb) == 0;
    free(data);
    if (!exists) { assert_false(acked & S_OPEN); return; }
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    lmkv_db *db;
    REL_OK(lmkv_db_open(&db, &cfg));
    lmkv_tree *a, *b;
    REL_OK(lmkv_db_open_tree(&a, db, "a", 1));
    REL_OK(lmkv_db_open_tree(&b, db, "b", 1));
    lmkv_bytes o = {0};
    if (acked & S_INSERTS) {
        REL_OK(lmkv_tree_get(&o, a, longkey, sizeof longkey));
        lmkv_free(o.data); o.data = NULL;
        REL_OK(lmkv_tree_contains_key(a, "k07", 3));
    }
    /* batch: all six or none, together with the remove of k00 */
    int g = 0;
    for (int i = 0; i < 6; i++) {
        char k[8];
        snprintf(k, sizeof k, "g%02d", i);
        g += lmkv_tree_contains_key(a, k, 3) == 0;
    }
    assert_true(g == 0 || g == 6);
    if (g == 6) assert_int_equal(lmkv_tree_contains_key(a, "k00", 3), LMKV_NOTFOUND);
    if (acked & S_BATCH) assert_int_equal(g, 6);
    /* txn: both trees or none */
    int ta = lmkv_tree_contains_key(a, "tx", 2), tb = lmkv_tree_contains_key(b, "tx", 2);
    assert_int_equal(ta, tb);
    if (ta == 0) assert_int_equal(lmkv_tree_contains_key(a, "k03", 3), LMKV_NOTFOUND);
    if (acked & S_TXN) assert_int_equal(ta, 0);
    if (acked & S_CAS) {
        REL_OK(lmkv_tree_get(&o, a, "k01", 3));
        assert_int_equal(o.size, 7);
        lmkv_free(o.data); o.data = NULL;
    }
    if (acked & S_UPDATE) {
        REL_OK(lmkv_tree_get(&o, a, "k02", 3));
        assert_int_equal(o.size, 4);
        lmkv_free(o.data); o.data = NULL;
    }
    lmkv_tree_close(a);
    lmkv_tree_close(b);
    lmkv_db_close(db);
}

struct stats { unsigned long runs, errors, successes, injected, verify_runs, max_n; };

static void kv_campaign(int persistent, struct stats *st)
{
    char *base = lmkv_test_tmpdir(persistent ? "rel-alloc-p" : "rel-alloc");
    memset(longkey, 'L', sizeof longkey);
    /* warm-up: one-time allocations (thread message buffers, libc) */
    {
        char *d = lmkv_test_path(base, "warm");
        unsigned acked;
        REL_OK(kv_workload(d, &acked));
        lmkv_test_rmtree(d);
        /* and one failing run: the first failure path allocates once
         * (56 bytes that stay: a libc one-time allocation) */
        arm(1, persistent);
        kv_workload(d, &acked);
        disarm();
        lmkv_test_rmtree(d);
        free(d);
    }
    long live0 = atomic_load(&g_live);
    (void)live0;   /* SAN builds: LeakSanitizer instead */
    unsigned step = persistent ? 7 : 1;
    for (unsigned long n = 1;; n += step) {
        char name[32];
        snprintf(name, sizeof name, "n%lu", n);
        char *d = lmkv_test_path(base, name);
        unsigned acked = 0;
        g_trace = !persistent && getenv("LMKV_REL_ALLOC_TRACE") && strtoul(getenv("LMKV_REL_ALLOC_TRACE"), NULL, 10) == n;
        arm(n, persistent);
        int rc = kv_workload(d, &acked);
        unsigned long calls = disarm();
        st->runs++;
        if (rc == 0) st->successes++;
        else {
            st->errors++;
            if (!*lmkv_errmsg() && rc != LMKV_NOTFOUND) { fprintf(stderr, "N=%lu: error %d without a message\n", n, rc); fail(); }
        }
        kv_check(d, acked);
        if (n % 25 == 1) {
            char log[4096];
            snprintf(log, sizeof log, "%s.verify.log", d);
            struct stat sb;
            char *data = lmkv_test_path(d, "data.mdb");
            if (stat(data, &sb) == 0) {
                int vr = rel_lmkv_verify(d, log);
                if (vr) { fprintf(stderr, "N=%lu: lmkv verify exit %d\n", n, vr); rel_print_log(log); fail(); }
                st->verify_runs++;
            }
            free(data);
        }
        g_trace = 0;
        lmkv_test_rmtree(d);
        free(d);
#if !REL_FORWARD
        long live = atomic_load(&g_live);
        if (live > live0) {
            fprintf(stderr, "N=%lu%s: %ld bytes still allocated after the run (leak on an error path)\n",
                    n, persistent ? " persistent" : "", live - live0);
            fail();
        }
#endif
        if (calls < n) { st->max_n = n; break; }   /* the workload no longer reaches N */
    }
    lmkv_test_rmtree(base);
    free(base);
}

static void test_alloc_kv(void **state)
{
    (void)state;
    struct stats one = {0}, per = {0};
    unsigned long inj0 = atomic_load(&g_injected);
    kv_campaign(0, &one);
    unsigned long inj1 = atomic_load(&g_injected);
    kv_campaign(1, &per);
    unsigned long inj2 = atomic_load(&g_injected);
    printf("alloc failure (kv workload): one-shot N=1..%lu: %lu runs, %lu errors returned, %lu successes, %lu failures injected, %lu verify runs\n",
           one.max_n, one.runs, one.errors, one.successes, inj1 - inj0, one.verify_runs);
    printf("alloc failure (kv workload): persistent from N (every 7th): %lu runs, %lu errors, %lu successes, %lu failures injected\n",
           per.runs, per.errors, per.successes, inj2 - inj1);
}

/* ------------------------------------------------------------ kv group */

struct gmember {
    lmkv_tree *t;
    int op;
    int rc;
    int has_msg;
    atomic_int *ready;
    pthread_t th;
};

static void *gmember_main(void *p)
{
    struct gmember *m = p;
    atomic_fetch_add(m->ready, 1);
    switch (m->op) {
    case 0:
        m->rc = lmkv_tree_insert(NULL, m->t, "ins", 3, "v", 1);
        break;
    case 1: {
        lmkv_batch *b;
        if ((m->rc = lmkv_batch_new(&b)))
            break;
        for (int i = 0; i < 5 && !m->rc; i++) {
            char k[8];
            snprintf(k, sizeof k, "bat%d", i);
            m->rc = lmkv_batch_insert(b, k, 4, "b", 1);
        }
        if (!m->rc)
            m->rc = lmkv_tree_apply_batch(m->t, b);
        lmkv_batch_free(b);
        break;
    }
    case 2:
        m->rc = lmkv_tree_update_and_fetch(NULL, m->t, "upd", 3, upd, NULL);
        break;
    default:
        m->rc = lmkv_tree_compare_and_swap(NULL, m->t, "cas", 3, NULL, 0, "c", 1);
        break;
    }
    m->has_msg = *lmkv_errmsg() != 0;
    return NULL;
}

/* One run: returns the number of allocation calls after arming. */
static unsigned long group_run(const char *dir, unsigned long n, int *errors, uint64_t *max_group)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    lmkv_db *db;
    REL_OK(lmkv_db_open(&db, &cfg));
    lmkv_tree *t;
    REL_OK(lmkv_db_open_tree(&t, db, "g", 1));
    REL_OK(lmkv_tree_insert(NULL, t, "upd", 3, "old", 3));
    atomic_int ready = 0;
    struct gmember m[4];
    lmkv_txn *hold;
    REL_OK(lmkv_txn_begin(&hold, db, 0));
    for (int i = 0; i < 4; i++) {
        m[i] = (struct gmember){t, i, 0, 0, &ready, 0};
        assert_int_equal(pthread_create(&m[i].th, NULL, gmember_main, &m[i]), 0);
    }
    while (atomic_load(&ready) < 4)
        rel_sleep_ms(1);
    rel_sleep_ms(30); /* they are queued behind hold */
    arm(n, 0);
    lmkv_txn_abort(hold);
    for (int i = 0; i < 4; i++)
        pthread_join(m[i].th, NULL);
    unsigned long calls = disarm();
    lmkv_group_stats gs;
    REL_OK(lmkv_kv__group_stats(&gs, db));
    if (gs.max_group > *max_group)
        *max_group = gs.max_group;
    /* each member: stored if acknowledged, absent otherwise */
    for (int i = 0; i < 4; i++) {
        if (m[i].rc && !m[i].has_msg) { fprintf(stderr, "N=%lu: member %d: error %d without a message\n", n, i, m[i].rc); fail(); }
        *errors += m[i].rc != 0;
    }
    assert_int_equal(lmkv_tree_contains_key(t, "ins", 3), m[0].rc ? LMKV_NOTFOUND : LMKV_OK);
    int nb = 0;
    for (int i = 0; i < 5; i++) {
        char k[8];
        snprintf(k, sizeof k, "bat%d", i);
        nb += lmkv_tree_contains_key(t, k, 4) == LMKV_OK;
    }
    assert_int_equal(nb, m[1].rc ? 0 : 5);
    lmkv_bytes v = {0};
    REL_OK(lmkv_tree_get(&v, t, "upd", 3));
    assert_int_equal(v.size, m[2].rc ? 3 : 4); /* upd appends a byte */
    lmkv_free(v.data);
    assert_int_equal(lmkv_tree_contains_key(t, "cas", 3), m[3].rc ? LMKV_NOTFOUND : LMKV_OK);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    /* and the same after a reopen: nothing acknowledged lost */
    REL_OK(lmkv_db_open(&db, &cfg));
    REL_OK(lmkv_db_open_tree(&t, db, "g", 1));
    assert_int_equal(lmkv_tree_contains_key(t, "ins", 3), m[0].rc ? LMKV_NOTFOUND : LMKV_OK);
    assert_int_equal(lmkv_tree_contains_key(t, "cas", 3), m[3].rc ? LMKV_NOTFOUND : LMKV_OK);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return calls;
}

/* One member's allocation fails, the others' never: the group of four
 * (insert, batch, compare_and_swap, and an update_and_fetch whose callback
 * and lmkv/LMDB steps run in its own thread) is formed with the
 * update_and_fetch thread queued last, behind a leader (gc_inside, the
 * group queue's count, says when each is queued: certain, not timed); its
 * thread's N-th allocation fails. It alone gets LMKV_ENOMEM (with a
 * message) and leaves its key unchanged; the three others return OK and
 * are stored, also after a reopen. */
static size_t group_inside(lmkv_db *db)
{
    pthread_mutex_lock(&db->gc_mu);
    size_t n = db->gc_inside;
    pthread_mutex_unlock(&db->gc_mu);
    return n;
}

static void *gtarget_main(void *p)
{
    struct gmember *m = p;
    tls_alloc_target = 1;
    atomic_fetch_add(m->ready, 1);
    m->rc = lmkv_tree_update_and_fetch(NULL, m->t, "upd", 3, upd, NULL);
    m->has_msg = *lmkv_errmsg() != 0;
    tls_alloc_target = 0;
    return NULL;
}

static unsigned long group_one_run(const char *dir, unsigned long n, int *enomem, uint64_t *max_group)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    lmkv_db *db;
    REL_OK(lmkv_db_open(&db, &cfg));
    lmkv_tree *t;
    REL_OK(lmkv_db_open_tree(&t, db, "g", 1));
    REL_OK(lmkv_tree_insert(NULL, t, "upd", 3, "old", 3));
    lmkv_subscriber *sub; /* events too: the target records one in its own thread */
    REL_OK(lmkv_tree_watch_prefix_ex(&sub, t, "", 0, LMKV_WATCH_NONBLOCKING));
    atomic_int ready = 0;
    struct gmember m[4];
    lmkv_txn *hold;
    REL_OK(lmkv_txn_begin(&hold, db, 0));
    int ops[3] = {0, 1, 3};
    for (int i = 0; i < 3; i++) {
        m[i] = (struct gmember){t, ops[i], 0, 0, &ready, 0};
        assert_int_equal(pthread_create(&m[i].th, NULL, gmember_main, &m[i]), 0);
    }
    while (group_inside(db) < 3) /* queued: one of them leads */
        rel_sleep_ms(1);
    m[3] = (struct gmember){t, 2, 0, 0, &ready, 0};
    assert_int_equal(pthread_create(&m[3].th, NULL, gtarget_main, &m[3]), 0);
    while (group_inside(db) < 4)
        rel_sleep_ms(1);
    atomic_store(&g_thread_only, 1);
    arm(n, 0);
    lmkv_txn_abort(hold);
    for (int i = 0; i < 4; i++)
        pthread_join(m[i].th, NULL);
    unsigned long calls = disarm();
    atomic_store(&g_thread_only, 0);
    lmkv_group_stats gs;
    REL_OK(lmkv_kv__group_stats(&gs, db));
    if (gs.max_group > *max_group)
        *max_group = gs.max_group;
    for (int i = 0; i < 3; i++) {
        if (m[i].rc) { fprintf(stderr, "N=%lu: member op %d failed (%d: %s) although only the update_and_fetch thread's allocation failed\n", n, m[i].op, m[i].rc, lmkv_strerror(m[i].rc)); fail(); }
    }
    if (m[3].rc && (m[3].rc != LMKV_ENOMEM || !m[3].has_msg)) { fprintf(stderr, "N=%lu: the failing member returned %d (message: %d), not LMKV_ENOMEM with a message\n", n, m[3].rc, m[3].has_msg); fail(); }
    *enomem += m[3].rc == LMKV_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(lmkv_tree_contains_key(t, "ins", 3), LMKV_OK);
        assert_int_equal(lmkv_tree_contains_key(t, "cas", 3), LMKV_OK);
        for (int i = 0; i < 5; i++) {
            char k[8];
            snprintf(k, sizeof k, "bat%d", i);
            assert_int_equal(lmkv_tree_contains_key(t, k, 4), LMKV_OK);
        }
        lmkv_bytes v = {0};
        REL_OK(lmkv_tree_get(&v, t, "upd", 3));
        assert_int_equal(v.size, m[3].rc ? 3 : 4); /* upd appends a byte */
        lmkv_free(v.data);
        if (pass == 0) {
            lmkv_subscriber_close(sub);
            lmkv_tree_close(t);
            lmkv_db_close(db);
            REL_OK(lmkv_db_open(&db, &cfg));
            REL_OK(lmkv_db_open_tree(&t, db, "g", 1));
        }
    }
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return calls;
}

/* Run `run` in a fresh database under base for N = 1, 2, ... until a run
 * makes fewer than N allocations (every allocation of the operation has
 * failed once) or N passes `limit`; `run` counts the failures it saw in
 * *failures and the largest group in *max_group. Returns the last N. */
static unsigned long alloc_sweep(const char *base, unsigned long (*run)(const char *, unsigned long, int *, uint64_t *),
                                 unsigned long limit, unsigned long *runs, int *failures, uint64_t *max_group)
{
    unsigned long n;
    for (n = 1;; n++) {
        char name[32];
        snprintf(name, sizeof name, "n%lu", n);
        char *d = lmkv_test_path(base, name);
        unsigned long calls = run(d, n, failures, max_group);
        (*runs)++;
        lmkv_test_rmtree(d);
        free(d);
        if (calls < n || n > limit)
            return n;
    }
}

static void test_alloc_group_one_member(void **state)
{
    (void)state;
    char *base = lmkv_test_tmpdir("rel-alloc-grp1");
    unsigned long runs = 0;
    int enomem = 0;
    uint64_t max_group = 0;
    unsigned long n = alloc_sweep(base, group_one_run, 2000, &runs, &enomem, &max_group);
    printf("alloc failure (one member of a kv group of 4, in its own thread): N=1..%lu: %lu runs, %d LMKV_ENOMEM to that member alone, largest group %" PRIu64 "\n",
           n, runs, enomem, max_group);
    assert_true(enomem > 0);
    assert_true(max_group >= 4);
    lmkv_test_rmtree(base);
    free(base);
}

static void test_alloc_group(void **state)
{
    (void)state;
    char *base = lmkv_test_tmpdir("rel-alloc-grp");
    unsigned long runs = 0;
    int errors = 0;
    uint64_t max_group = 0;
    unsigned long n = alloc_sweep(base, group_run, 5000, &runs, &errors, &max_group);
    printf("alloc failure (kv group of 4): N=1..%lu: %lu runs, %d member errors returned, largest group %" PRIu64 "\n",
           n, runs, errors, max_group);
    assert_true(errors > 0);
    assert_true(max_group >= 2);
    lmkv_test_rmtree(base);
    free(base);
}

/* ------------------------------------------------------------ migrate */
static void migrate_campaign(const char *fixture, unsigned long stepn)
{
    const char *fx = getenv("LMKV_FIXTURES");
    char dump[4096];
    snprintf(dump, sizeof dump, "%s/sled/%s", fx ? fx : "tests/fixtures", fixture);
    char *base = lmkv_test_tmpdir("rel-alloc-mig");
    char *good = lmkv_test_path(base, "good");
    lmkv_migrate_report rep;
    REL_OK(lmkv_migrate_import(&rep, dump, good, NULL));
    uint32_t want;
    {
        lmkv_db *db;
        REL_OK(lmkv_db_open_path(&db, good));
        REL_OK(lmkv_db_checksum(&want, db));
        lmkv_db_close(db);
    }
    {
        char *d = lmkv_test_path(base, "warm");
        arm(1, 0);
        lmkv_migrate_import(NULL, dump, d, NULL);
        disarm();
        lmkv_test_rmtree(d);
        free(d);
    }
    /* how many allocations an undisturbed import makes; stepn 0 = about 2000
     * runs spread over all of them (probe-universal-cache makes ~200k) */
    unsigned long total;
    {
        char *d = lmkv_test_path(base, "count");
        arm(ULONG_MAX, 0);
        REL_OK(lmkv_migrate_import(NULL, dump, d, NULL));
        total = disarm();
        lmkv_test_rmtree(d);
        free(d);
    }
    if (stepn == 0) stepn = total / 2000 + 1;
    long live0 = atomic_load(&g_live);
    (void)live0;
    unsigned long runs = 0, errs = 0, oks = 0, inj0 = atomic_load(&g_injected), n;
    for (n = 1;; n += stepn) {
        char name[32];
        snprintf(name, sizeof name, "m%lu", n);
        char *d = lmkv_test_path(base, name);
        arm(n, 0);
        int rc = lmkv_migrate_import(NULL, dump, d, NULL);
        unsigned long calls = disarm();
        runs++;
        struct stat sb;
        if (rc) {
            errs++;
            if (!*lmkv_errmsg()) { fprintf(stderr, "N=%lu: error %d without a message\n", n, rc); fail(); }
            if (stat(d, &sb) == 0) {
                /* untouched: absent, or an empty directory at most */
                char *data = lmkv_test_path(d, "data.mdb");
                if (stat(data, &sb) == 0) { fprintf(stderr, "N=%lu: failed import (%s) left %s\n", n, lmkv_errmsg(), data); fail(); }
                free(data);
            }
        } else {
            oks++;
            lmkv_db *db;
            REL_OK(lmkv_db_open_path(&db, d));
            uint32_t got;
            REL_OK(lmkv_db_checksum(&got, db));
            lmkv_db_close(db);
            assert_int_equal(got, want);
        }
        lmkv_test_rmtree(d);
        free(d);
#if !REL_FORWARD
        long live = atomic_load(&g_live);
        if (live > live0) { fprintf(stderr, "migrate %s N=%lu: %ld bytes leaked\n", fixture, n, live - live0); fail(); }
#endif
        if (calls < n) break;
    }
    printf("alloc failure (lmdb-migrate import of %s, typed, %lu allocations): N=1..%lu step %lu: %lu runs, %lu errors (target untouched), %lu successes (checksum equal), %lu failures injected\n",
           fixture, total, n, stepn, runs, errs, oks, atomic_load(&g_injected) - inj0);
    lmkv_test_rmtree(base);
    free(base); free(good);
}

static void test_alloc_migrate(void **state)
{
    (void)state;
    if (rel_scale() > 1) {   /* make torture: every N of all three imports */
        migrate_campaign("edge-cases-small.sleddump", 1);
        migrate_campaign("probe-legacy-call-graph.sleddump", 1);
        migrate_campaign("probe-universal-cache.sleddump", 1);
    } else {
        migrate_campaign("edge-cases-small.sleddump", 3);
    }
}

/* Minimal reproducer of a leak the campaign found (kv/db.c
 * for_each_user_tree leaked the catalog snapshot when the per-tree
 * callback failed): an export whose visitor stops at the first pair. */
static int stop_pair(void *ctx, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    (void)ctx; (void)k; (void)kn; (void)v; (void)vn;
    return LMKV_ECONFLICT;
}

static void test_export_stopped_no_leak(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("rel-export-stop");
    lmkv_db *db;
    REL_OK(lmkv_db_open_path(&db, dir));
    lmkv_tree *t;
    REL_OK(lmkv_db_open_tree(&t, db, "x", 1));
    REL_OK(lmkv_tree_insert(NULL, t, "k", 1, "v", 1));
    lmkv_export_visitor v = {NULL, stop_pair};
    assert_int_equal(lmkv_db_export(db, &v, NULL), LMKV_ECONFLICT);   /* warm-up */
    long live0 = atomic_load(&g_live);
    for (int i = 0; i < 10; i++) assert_int_equal(lmkv_db_export(db, &v, NULL), LMKV_ECONFLICT);
#if !REL_FORWARD
    assert_int_equal(atomic_load(&g_live) - live0, 0);
#else
    (void)live0;   /* LeakSanitizer checks at exit */
#endif
    lmkv_tree_close(t);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

static void jansson_free(void *p) { free(p); }

int main(void)
{
    json_set_alloc_funcs(alloc_nofail, jansson_free);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_stopped_no_leak),
        cmocka_unit_test(test_alloc_kv),
        cmocka_unit_test(test_alloc_group),
        cmocka_unit_test(test_alloc_group_one_member),
        cmocka_unit_test(test_alloc_migrate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
