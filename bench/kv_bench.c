/*
 * kv_bench.c -- lmkv's kv layer against raw LMDB calls with the same flags
 * (MDB_NOTLS | MDB_NOMETASYNC, same map size), same data, same run:
 * N keys of 16 bytes ("k" + 15 decimal digits), 100-byte values, inserted in
 * random order. Measures (ops/s, lmkv / raw ratio):
 *   - insert one at a time: one write txn per insert, NOSYNC (CPU cost) and
 *     the default durability (fsync per commit; fewer keys)
 *   - batched insert: 1000 inserts per write txn (lmkv_tree_apply_batch)
 *   - random get: lmkv_tree_get (pooled reset read txns, value copied out) vs
 *     raw renew/get/reset per op with the value copied (and, for reference,
 *     raw gets in one long read txn)
 *   - full iteration, scan_prefix (~10 results per scan)
 *   - disk size after the load
 *   - concurrent single-key inserts from 1, 2, 4, 8 and 32 threads at the
 *     default durability (fsync per commit): lmkv's group commit against raw
 *     LMDB, where every thread commits (and syncs) its own txn; ops/s and
 *     p99 latency per insert (a second table)
 * Write rows are wall-clock; read rows are CPU seconds of this thread with
 * lmkv and raw interleaved in 10 rounds (the machine may be shared).
 * Prints markdown tables. N from argv[1], else 1,000,000 (BENCH_QUICK=1:
 * 100,000). Files under $LMKV_BENCH_TMP (else $TMPDIR or /tmp).
 *
 * Build by hand (Makefile-independent):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Ikv -Itests bench/kv_bench.c build/libkv.a \
 *      -llmdb -lxxhash -lz -lpthread -o kv_bench
 */
#include "lmkv_kv.h"
#include "kv_int.h" /* lmkv_kv__group_stats */

#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEYLEN 16
#define VALLEN 100
#define MAPSIZE ((size_t)4 << 30)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the machine may be shared, so read-side numbers
 * are measured in CPU seconds, interleaving lmkv and raw in rounds. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "kv_bench: %s: %d %s / %s\n", what, rc, mdb_strerror(rc), lmkv_errmsg());
    exit(1);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void mkkey(char *k, uint64_t i)
{
    /* "k" + 15 decimal digits, written by hand (fast, and no truncation warning) */
    k[0] = 'k';
    for (int j = KEYLEN - 1; j >= 1; j--) {
        k[j] = (char)('0' + i % 10);
        i /= 10;
    }
    k[KEYLEN] = 0;
}
static void mkval(uint8_t *v, uint64_t i)
{
    for (int j = 0; j < VALLEN; j++)
        v[j] = (uint8_t)(i * 31 + (uint64_t)j);
}

static uint64_t dir_size(const char *dir)
{
    char p[4096];
    struct stat sb;
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    return stat(p, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

static void rm_db(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", dir);
    unlink(p);
    rmdir(dir);
}

/* ------------------------------------------------------------ raw LMDB */

typedef struct raw {
    MDB_env *env;
    MDB_dbi dbi;
} raw;

static void raw_open(raw *r, const char *dir, int nosync)
{
    int rc;
    mkdir(dir, 0700);
    if ((rc = mdb_env_create(&r->env)))
        die("mdb_env_create", rc);
    mdb_env_set_maxdbs(r->env, 16);
    mdb_env_set_mapsize(r->env, MAPSIZE);
    if ((rc = mdb_env_open(r->env, dir, MDB_NOTLS | MDB_NOMETASYNC | (nosync ? MDB_NOSYNC : 0), 0600)))
        die("mdb_env_open", rc);
    MDB_txn *t;
    mdb_txn_begin(r->env, NULL, 0, &t);
    if ((rc = mdb_dbi_open(t, "bench", MDB_CREATE, &r->dbi)))
        die("mdb_dbi_open", rc);
    mdb_txn_commit(t);
}

static lmkv_db *lm_open(const char *dir, int nosync, lmkv_tree **t)
{
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = dir;
    c.flush_every_ms = 0;
    c.initial_map_size = MAPSIZE;
    c.durability = nosync ? LMKV_DURABILITY_NOSYNC : LMKV_DURABILITY_DEFAULT;
    lmkv_db *db;
    int rc = lmkv_db_open(&db, &c);
    if (rc)
        die("lmkv_db_open", rc);
    if ((rc = lmkv_db_open_tree(t, db, "bench", 5)))
        die("open_tree", rc);
    return db;
}

typedef struct row {
    const char *name;
    double lmkv, raw;
    const char *note;
} row;

static void print_rows(const row *r, int n)
{
    printf("| operation | lmkv ops/s | raw LMDB ops/s | lmkv / raw |\n|---|---:|---:|---:|\n");
    for (int i = 0; i < n; i++)
        printf("| %s%s%s | %.0f | %.0f | %.2f |\n", r[i].name, r[i].note ? " " : "", r[i].note ? r[i].note : "",
               r[i].lmkv, r[i].raw, r[i].raw > 0 ? r[i].lmkv / r[i].raw : 0.0);
}

/* ------------------------------------------------------------ concurrent writers */

typedef struct cw {
    lmkv_tree *t;    /* lmkv, or NULL: raw */
    raw *r;
    uint64_t id, n;
    double *lat;     /* n latencies, seconds */
    pthread_t th;
} cw;

static uint64_t cw_round;

static void *cw_main(void *p)
{
    cw *c = p;
    uint64_t round = cw_round;
    char k[KEYLEN + 1];
    uint8_t v[VALLEN];
    for (uint64_t i = 0; i < c->n; i++) {
        uint64_t key = round * 10000000000ull + c->id * 100000000ull + i;
        mkkey(k, key);
        mkval(v, key);
        double t0 = now_s();
        int rc;
        if (c->t) {
            if ((rc = lmkv_tree_insert(NULL, c->t, k, KEYLEN, v, VALLEN)))
                die("concurrent insert", rc);
        } else {
            MDB_txn *tx;
            if ((rc = mdb_txn_begin(c->r->env, NULL, 0, &tx)))
                die("mdb_txn_begin", rc);
            MDB_val mk = {KEYLEN, k}, mv = {VALLEN, v};
            if ((rc = mdb_put(tx, c->r->dbi, &mk, &mv, 0)))
                die("mdb_put", rc);
            if ((rc = mdb_txn_commit(tx)))
                die("commit", rc);
        }
        c->lat[i] = now_s() - t0;
    }
    return NULL;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* nthreads threads insert per_thread keys each; ops/s, *p99 in ms */
static double cw_run(lmkv_tree *t, raw *r, int nthreads, uint64_t per_thread, double *p99)
{
    cw *c = calloc((size_t)nthreads, sizeof *c);
    cw_round++; /* new keys each run */
    double *lat = malloc((size_t)nthreads * per_thread * sizeof *lat);
    double t0 = now_s();
    for (int i = 0; i < nthreads; i++) {
        c[i] = (cw){t, r, (uint64_t)i, per_thread, lat + (size_t)i * per_thread, 0};
        pthread_create(&c[i].th, NULL, cw_main, &c[i]);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(c[i].th, NULL);
    double el = now_s() - t0;
    size_t n = (size_t)nthreads * per_thread;
    qsort(lat, n, sizeof *lat, dcmp);
    *p99 = lat[(n * 99) / 100] * 1e3;
    free(lat);
    free(c);
    return (double)n / el;
}

/* The disk's own sync rate, in the directory the databases use: a 4 KiB
 * pwrite then fdatasync, n times (what one LMDB commit at the default
 * durability costs at least: its data pages, then fdatasync). Syncs/s; *p99
 * in ms. No commit of one writer can be faster, so with a group of G
 * operations per commit G x this is the ceiling on acknowledged ops/s. */
static double sync_rate(const char *dir, int n, double *p99)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.syncprobe", dir);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0)
        die("open sync probe", -1);
    uint8_t page[4096];
    memset(page, 0xA5, sizeof page);
    double *lat = malloc((size_t)n * sizeof *lat);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        double t1 = now_s();
        if (pwrite(fd, page, sizeof page, (off_t)(i % 64) * 4096) != (ssize_t)sizeof page || fdatasync(fd))
            die("sync probe write", -1);
        lat[i] = now_s() - t1;
    }
    double el = now_s() - t0;
    close(fd);
    unlink(path);
    qsort(lat, (size_t)n, sizeof *lat, dcmp);
    *p99 = lat[((size_t)n * 99) / 100] * 1e3;
    free(lat);
    return (double)n / el;
}

static void concurrent_table(const char *dl, const char *dr)
{
    static const int threads[] = {1, 2, 4, 8, 32};
    double sp0, sp1, s0 = sync_rate(dl, 500, &sp0);
    printf("\n| concurrent single-key inserts, fsync per commit (default durability) | lmkv ops/s | lmkv p99 ms | lmkv mean group | raw LMDB ops/s | raw p99 ms | lmkv / raw |\n"
           "|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        int nt = threads[i];
        uint64_t per = 2000 / (uint64_t)nt;
        if (per < 100)
            per = 100;
        lmkv_tree *t;
        lmkv_db *db = lm_open(dl, 0, &t);
        raw r;
        raw_open(&r, dr, 0);
        lmkv_group_stats g0, g1;
        lmkv_kv__group_stats(&g0, db);
        /* two rounds each, interleaved (l r r l): the disk is shared */
        double lp99[2], rp99[2], lo = 0, ro = 0;
        lo += cw_run(t, NULL, nt, per, &lp99[0]) / 2;
        ro += cw_run(NULL, &r, nt, per, &rp99[0]) / 2;
        ro += cw_run(NULL, &r, nt, per, &rp99[1]) / 2;
        lo += cw_run(t, NULL, nt, per, &lp99[1]) / 2;
        lmkv_kv__group_stats(&g1, db);
        double lp = (lp99[0] + lp99[1]) / 2, rp = (rp99[0] + rp99[1]) / 2;
        double mg = g1.commits > g0.commits ? (double)(g1.ops - g0.ops) / (double)(g1.commits - g0.commits) : 0;
        printf("| %d thread%s | %.0f | %.2f | %.1f | %.0f | %.2f | %.2f |\n", nt, nt > 1 ? "s" : "", lo, lp, mg, ro,
               rp, lo / ro);
        fflush(stdout);
        lmkv_tree_close(t);
        lmkv_db_close(db);
        rm_db(dl);
        mdb_env_close(r.env);
        rm_db(dr);
    }
    double s1 = sync_rate(dl, 500, &sp1);
    printf("\n| the disk alone, same directory, same run | syncs/s | p99 ms |\n|---|---:|---:|\n"
           "| 4 KiB pwrite + fdatasync, before the table | %.0f | %.2f |\n"
           "| 4 KiB pwrite + fdatasync, after the table | %.0f | %.2f |\n",
           s0, sp0, s1, sp1);
}

int main(int argc, char **argv)
{
    uint64_t N = 1000000;
    if (getenv("BENCH_QUICK"))
        N = 100000;
    if (argc > 1)
        N = strtoull(argv[1], NULL, 10);
    if (N < 1000)
        N = 1000;
    const char *base = getenv("LMKV_BENCH_TMP");
    if (!base)
        base = getenv("TMPDIR");
    if (!base)
        base = "/tmp";
    char work[2048], dl[2100], dr[2100];
    snprintf(work, sizeof work, "%s/kv_bench.XXXXXX", base);
    if (!mkdtemp(work))
        die("mkdtemp", 0);
    snprintf(dl, sizeof dl, "%s/lmkv", work);
    snprintf(dr, sizeof dr, "%s/raw", work);

    /* random insertion order */
    uint64_t *perm = malloc(N * sizeof *perm);
    for (uint64_t i = 0; i < N; i++)
        perm[i] = i;
    for (uint64_t i = N - 1; i > 0; i--) {
        uint64_t j = rnd() % (i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    char k[KEYLEN + 1];
    uint8_t v[VALLEN];
    row rows[16];
    int nr = 0;
    int rc;

    /* 1-2. insert one at a time (one write txn each), lmkv and raw interleaved
     * in rounds: NOSYNC (CPU cost), then default durability (fsync per commit) */
    for (int sync = 0; sync < 2; sync++) {
        uint64_t n1 = sync ? 1000 : (N < 100000 ? N : 100000), per = n1 / 10;
        lmkv_tree *t1;
        lmkv_db *db1 = lm_open(dl, !sync, &t1);
        raw r1;
        raw_open(&r1, dr, !sync);
        double tl = 0, tr = 0;
        for (uint64_t b0 = 0; b0 < n1; b0 += per) {
            double t0 = now_s();
            for (uint64_t i = b0; i < b0 + per; i++) {
                mkkey(k, perm[i]);
                mkval(v, perm[i]);
                if ((rc = lmkv_tree_insert(NULL, t1, k, KEYLEN, v, VALLEN)))
                    die("insert", rc);
            }
            tl += now_s() - t0;
            t0 = now_s();
            for (uint64_t i = b0; i < b0 + per; i++) {
                mkkey(k, perm[i]);
                mkval(v, perm[i]);
                MDB_txn *tx;
                mdb_txn_begin(r1.env, NULL, 0, &tx);
                MDB_val mk = {KEYLEN, k}, mv = {VALLEN, v};
                if ((rc = mdb_put(tx, r1.dbi, &mk, &mv, 0)))
                    die("mdb_put", rc);
                if ((rc = mdb_txn_commit(tx)))
                    die("commit", rc);
            }
            tr += now_s() - t0;
        }
        lmkv_tree_close(t1);
        lmkv_db_close(db1);
        rm_db(dl);
        mdb_env_close(r1.env);
        rm_db(dr);
        static char note[2][96];
        snprintf(note[sync], sizeof note[sync], sync ? "(MDB_NOMETASYNC: fsync per commit, %llu keys)" : "(NOSYNC, %llu keys)",
                 (unsigned long long)n1);
        rows[nr++] = (row){"insert one at a time", (double)(per * 10) / tl, (double)(per * 10) / tr, note[sync]};
    }
    /* 3. batched insert of all N keys (1000 per txn): this loads the read data set */
    lmkv_tree *t;
    lmkv_db *db = lm_open(dl, 0, &t);
    raw r;
    raw_open(&r, dr, 0);
    {
        double t0 = now_s();
        for (uint64_t i = 0; i < N; i += 1000) {
            lmkv_batch *b;
            lmkv_batch_new(&b);
            for (uint64_t j = i; j < i + 1000 && j < N; j++) {
                mkkey(k, perm[j]);
                mkval(v, perm[j]);
                lmkv_batch_insert(b, k, KEYLEN, v, VALLEN);
            }
            if ((rc = lmkv_tree_apply_batch(t, b)))
                die("apply_batch", rc);
            lmkv_batch_free(b);
        }
        double tl = now_s() - t0;
        t0 = now_s();
        for (uint64_t i = 0; i < N; i += 1000) {
            MDB_txn *tx;
            mdb_txn_begin(r.env, NULL, 0, &tx);
            for (uint64_t j = i; j < i + 1000 && j < N; j++) {
                mkkey(k, perm[j]);
                mkval(v, perm[j]);
                MDB_val mk = {KEYLEN, k}, mv = {VALLEN, v};
                if ((rc = mdb_put(tx, r.dbi, &mk, &mv, 0)))
                    die("mdb_put", rc);
            }
            if ((rc = mdb_txn_commit(tx)))
                die("commit", rc);
        }
        double tr = now_s() - t0;
        rows[nr++] = (row){"batched insert", (double)N / tl, (double)N / tr, "(1000 per txn; lmkv applies each batch in key order)"};
    }
    /* 4-6. reads: ROUNDS interleaved rounds, CPU time per side */
    enum { ROUNDS = 10 };
    uint64_t G = N;
    double g_l = 0, g_r = 0, g_r1 = 0, g_l2 = 0, it_l = 0, it_r = 0, sc_l = 0, sc_r = 0, it_lz = 0, sc_lz = 0;
    uint64_t S = N / 10 < 100000 ? N / 10 : 100000;
    uint64_t sum = 0, got = 0, got2 = 0, gotz = 0;
    MDB_txn *rtx;
    mdb_txn_begin(r.env, NULL, MDB_RDONLY, &rtx);
    mdb_txn_reset(rtx);
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t g = G / ROUNDS;
        double t0 = cpu_s();
        for (uint64_t i = 0; i < g; i++) {
            mkkey(k, rnd() % N);
            lmkv_bytes b;
            if ((rc = lmkv_tree_get(&b, t, k, KEYLEN)))
                die("get", rc);
            sum += b.data[0];
            lmkv_free(b.data);
        }
        g_l += cpu_s() - t0;
        uint8_t copy[VALLEN];
        t0 = cpu_s();
        for (uint64_t i = 0; i < g; i++) {
            mkkey(k, rnd() % N);
            mdb_txn_renew(rtx);
            MDB_val mk = {KEYLEN, k}, mv;
            if ((rc = mdb_get(rtx, r.dbi, &mk, &mv)))
                die("mdb_get", rc);
            memcpy(copy, mv.mv_data, mv.mv_size);
            sum += copy[0];
            mdb_txn_reset(rtx);
        }
        g_r += cpu_s() - t0;
        mdb_txn_renew(rtx);
        t0 = cpu_s();
        for (uint64_t i = 0; i < g; i++) {
            mkkey(k, rnd() % N);
            MDB_val mk = {KEYLEN, k}, mv;
            if ((rc = mdb_get(rtx, r.dbi, &mk, &mv)))
                die("mdb_get", rc);
            sum += ((uint8_t *)mv.mv_data)[0];
        }
        g_r1 += cpu_s() - t0;
        lmkv_txn *lt;
        lmkv_txn_begin(&lt, db, LMKV_TXN_READ_ONLY);
        t0 = cpu_s();
        for (uint64_t i = 0; i < g; i++) {
            mkkey(k, rnd() % N);
            lmkv_pair p;
            if ((rc = lmkv_txn_get(&p, lt, t, k, KEYLEN)))
                die("txn_get", rc);
            sum += p.value[0];
        }
        g_l2 += cpu_s() - t0;
        lmkv_txn_abort(lt);

        /* full iteration: one in every other round per side (it is long) */
        if (round % 5 == 0) {
            t0 = cpu_s();
            lmkv_iter *it;
            lmkv_pair p;
            uint64_t n = 0;
            lmkv_tree_iter(&it, t);
            while (lmkv_iter_next(&p, it) == 0) {
                n++;
                sum += p.value[0];
            }
            lmkv_iter_free(it);
            it_l += cpu_s() - t0;
            if (n != N)
                die("iteration count", (int)n);
            /* the same in one read txn: zero-copy pairs (lmkv_txn_iter) */
            t0 = cpu_s();
            lmkv_txn *it_t;
            if ((rc = lmkv_txn_begin(&it_t, db, LMKV_TXN_READ_ONLY)) || (rc = lmkv_txn_iter(&it, it_t, t)))
                die("txn_iter", rc);
            n = 0;
            while (lmkv_iter_next(&p, it) == 0) {
                n++;
                sum += p.value[0];
            }
            lmkv_iter_free(it);
            lmkv_txn_abort(it_t);
            it_lz += cpu_s() - t0;
            if (n != N)
                die("txn iteration count", (int)n);
            t0 = cpu_s();
            MDB_cursor *c;
            mdb_cursor_open(rtx, r.dbi, &c);
            MDB_val mk, mv;
            uint64_t n2 = 0;
            while (mdb_cursor_get(c, &mk, &mv, n2 ? MDB_NEXT : MDB_FIRST) == 0) {
                n2++;
                sum += ((uint8_t *)mv.mv_data)[0];
            }
            mdb_cursor_close(c);
            it_r += cpu_s() - t0;
        }
        mdb_txn_reset(rtx);

        /* scan_prefix: 15-byte prefixes -> 10 keys each */
        uint64_t s = S / ROUNDS;
        t0 = cpu_s();
        for (uint64_t i = 0; i < s; i++) {
            mkkey(k, (rnd() % (N / 10)) * 10);
            lmkv_iter *it;
            lmkv_pair p;
            lmkv_tree_scan_prefix(&it, t, k, KEYLEN - 1);
            while (lmkv_iter_next(&p, it) == 0)
                got++;
            lmkv_iter_free(it);
        }
        sc_l += cpu_s() - t0;
        /* the same scans, each in its own read txn: zero-copy pairs */
        t0 = cpu_s();
        for (uint64_t i = 0; i < s; i++) {
            mkkey(k, (rnd() % (N / 10)) * 10);
            lmkv_txn *sx;
            lmkv_iter *it;
            lmkv_pair p;
            if ((rc = lmkv_txn_begin(&sx, db, LMKV_TXN_READ_ONLY)) ||
                (rc = lmkv_txn_scan_prefix(&it, sx, t, k, KEYLEN - 1)))
                die("txn_scan_prefix", rc);
            while (lmkv_iter_next(&p, it) == 0)
                gotz++;
            lmkv_iter_free(it);
            lmkv_txn_abort(sx);
        }
        sc_lz += cpu_s() - t0;
        t0 = cpu_s();
        mdb_txn_renew(rtx);
        MDB_cursor *c;
        mdb_cursor_open(rtx, r.dbi, &c);
        mdb_txn_reset(rtx);
        for (uint64_t i = 0; i < s; i++) {
            mkkey(k, (rnd() % (N / 10)) * 10);
            mdb_txn_renew(rtx);
            mdb_cursor_renew(rtx, c);
            MDB_val mk = {KEYLEN - 1, k}, mv;
            int r2 = mdb_cursor_get(c, &mk, &mv, MDB_SET_RANGE);
            while (r2 == 0 && mk.mv_size >= KEYLEN - 1 && memcmp(mk.mv_data, k, KEYLEN - 1) == 0) {
                got2++;
                r2 = mdb_cursor_get(c, &mk, &mv, MDB_NEXT);
            }
            mdb_txn_reset(rtx);
        }
        mdb_cursor_close(c);
        sc_r += cpu_s() - t0;
    }
    mdb_txn_abort(rtx);
    if (got != got2 || gotz != got || got < (S / ROUNDS) * ROUNDS * 9)
        die("scan counts differ", (int)(got - got2));
    if (sum == 42)
        printf("\n");
    uint64_t gt = (G / ROUNDS) * ROUNDS, st = (S / ROUNDS) * ROUNDS;
    rows[nr++] = (row){"random get", (double)gt / g_l, (double)gt / g_r, "(CPU time; raw: renew/get/copy/reset per op)"};
    rows[nr++] = (row){"random get", (double)gt / g_l, (double)gt / g_r1, "(CPU time; raw: all gets in one read txn, no copy)"};
    rows[nr++] = (row){"random get in one read txn, zero-copy", (double)gt / g_l2, (double)gt / g_r1, "(CPU time; raw: same)"};
    rows[nr++] = (row){"full iteration", (double)(2 * N) / it_l, (double)(2 * N) / it_r, "(CPU time; entries/s)"};
    rows[nr++] = (row){"full iteration in one read txn, zero-copy", (double)(2 * N) / it_lz, (double)(2 * N) / it_r,
                       "(CPU time; entries/s; raw: same)"};
    rows[nr++] = (row){"scan_prefix", (double)st / sc_l, (double)st / sc_r, "(CPU time; scans/s, 10 results each)"};
    rows[nr++] = (row){"scan_prefix in a read txn each, zero-copy", (double)st / sc_lz, (double)st / sc_r,
                       "(CPU time; scans/s; raw: same)"};
    uint64_t sl = dir_size(dl), sr = dir_size(dr);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    mdb_env_close(r.env);

    printf("N = %llu keys of %d bytes, %d-byte values, random insertion order; one thread.\n\n",
           (unsigned long long)N, KEYLEN, VALLEN);
    print_rows(rows, nr);
    printf("\n| disk size after batched load | lmkv | raw LMDB | lmkv / raw |\n|---|---:|---:|---:|\n");
    printf("| data.mdb bytes | %llu | %llu | %.2f |\n", (unsigned long long)sl, (unsigned long long)sr,
           sr ? (double)sl / (double)sr : 0.0);
    printf("| bytes per pair | %.1f | %.1f | |\n", (double)sl / (double)N, (double)sr / (double)N);
    rm_db(dl);
    rm_db(dr);
    if (!getenv("KV_BENCH_NO_CONCURRENT"))
        concurrent_table(dl, dr);
    rmdir(work);
    free(perm);
    return 0;
}
