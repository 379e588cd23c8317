/*
 * migrate_bench.c -- import speed of lmdb-migrate (lmkv_migrate_import) for a
 * generated 1,000,000-pair sled dump (BENCH_QUICK=1: 100,000), plain and
 * gzip, against loading the same pairs with raw LMDB calls (the limit: the
 * same streaming dump reader, mdb_put with MDB_APPEND into one dbi, one
 * write transaction per 100,000 pairs, one fsync at the end), all in this
 * run. Each loader runs in its own child process so its peak RSS
 * (getrusage ru_maxrss) is its own. Prints a markdown table.
 * Targets (issue): at least half the raw LMDB rate; peak RSS under 64 MiB.
 */
#include "lmkv_migrate.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define VALUE_SIZE 100
#define BATCH 100000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "migrate_bench: %s: %s\n", what, lmkv_errmsg());
    exit(1);
}

/* The dump: tree "bench" with keys "k%012llu" and 100-byte values from a
 * xorshift stream (incompressible-ish, as cached JSON is not). */
static void make_dump(const char *path, uint64_t n)
{
    lmkv_dump_writer *w = NULL;
    if (lmkv_dump_writer_open(&w, path, 0)) die("open writer");
    if (lmkv_dump_writer_tree(w, "__sled__default", 15) || lmkv_dump_writer_end(w)) die("default tree");
    if (lmkv_dump_writer_tree(w, "bench", 5)) die("tree");
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned char v[VALUE_SIZE];
    char k[32];
    for (uint64_t i = 0; i < n; i++) {
        for (int j = 0; j < VALUE_SIZE; j += 8) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            memcpy(v + j, &x, VALUE_SIZE - j < 8 ? (size_t)(VALUE_SIZE - j) : 8);
        }
        int kl = snprintf(k, sizeof k, "k%012llu", (unsigned long long)i);
        if (lmkv_dump_writer_pair(w, k, (size_t)kl, v, VALUE_SIZE)) die("pair");
    }
    if (lmkv_dump_writer_end(w) || lmkv_dump_writer_finish(w, NULL)) die("finish");
    lmkv_dump_writer_free(w);
}

static void gzip_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    gzFile out = gzopen(dst, "wb1");
    if (!in || !out) { fprintf(stderr, "migrate_bench: gzip %s\n", strerror(errno)); exit(1); }
    static char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) gzwrite(out, buf, (unsigned)n);
    fclose(in);
    gzclose(out);
}

/* Remove a loader's database directory (or the whole work directory). */
static void rm_tree(const char *dir)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) { fprintf(stderr, "migrate_bench: could not remove %s\n", dir); exit(1); }
}

/* Child: raw LMDB load of the dump's pairs. */
static int raw_lmdb(const char *dump, const char *dir, uint64_t map)
{
    mkdir(dir, 0700);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    if (mdb_env_create(&env) || mdb_env_set_mapsize(env, map) || mdb_env_set_maxdbs(env, 4) ||
        mdb_env_open(env, dir, MDB_NOSYNC, 0600))
        return 1;
    if (mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, "bench", MDB_CREATE, &dbi)) return 1;
    lmkv_dump_reader *r = NULL;
    if (lmkv_dump_reader_open(&r, dump)) return 1;
    lmkv_dump_event ev;
    uint64_t in_batch = 0;
    int rc;
    while ((rc = lmkv_dump_reader_next(r, &ev)) == LMKV_OK) {
        if (ev.kind != LMKV_DUMP_PAIR) continue;
        MDB_val k = {ev.key_len, (void *)ev.key}, v = {ev.value_len, (void *)ev.value};
        if (mdb_put(txn, dbi, &k, &v, MDB_APPEND)) return 1;
        if (++in_batch == BATCH) {
            if (mdb_txn_commit(txn) || mdb_txn_begin(env, NULL, 0, &txn)) return 1;
            in_batch = 0;
        }
    }
    if (rc != LMKV_NOTFOUND || mdb_txn_commit(txn) || mdb_env_sync(env, 1)) return 1;
    lmkv_dump_reader_free(r);
    mdb_env_close(env);
    return 0;
}

static int migrate_load(const char *dump, const char *dir)
{
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    lmkv_migrate_report rep;
    if (lmkv_migrate_import(&rep, dump, dir, &o)) {
        fprintf(stderr, "migrate_bench: import: %s\n", lmkv_errmsg());
        return 1;
    }
    return 0;
}

struct result { double secs; long rss_kib; };

#define ROUNDS 3

static int by_secs(const void *a, const void *b)
{
    double x = ((const struct result *)a)->secs, y = ((const struct result *)b)->secs;
    return x < y ? -1 : x > y;
}

/* the median time of ROUNDS runs, with the largest peak RSS among them */
static struct result median(struct result *r)
{
    long rss = 0;
    for (int i = 0; i < ROUNDS; i++)
        if (r[i].rss_kib > rss) rss = r[i].rss_kib;
    qsort(r, ROUNDS, sizeof *r, by_secs);
    struct result m = r[ROUNDS / 2];
    m.rss_kib = rss;
    return m;
}

static struct result run_child(int kind, const char *dump, const char *dir, uint64_t map)
{
    struct result res = {0, 0};
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) _exit(kind == 0 ? raw_lmdb(dump, dir, map) : migrate_load(dump, dir));
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "migrate_bench: loader %d failed\n", kind);
        exit(1);
    }
    res.secs = now() - t0;
    res.rss_kib = ru.ru_maxrss;
    return res;
}

int main(void)
{
    const char *q = getenv("BENCH_QUICK");
    uint64_t n = (q && *q && *q != '0') ? 100000 : 1000000;
    const char *base = getenv("LMKV_BENCH_TMP");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/migrate-bench-XXXXXX", base ? base : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp"));
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char dump[4200], gz[4200], d_raw[4200], d_lmkv[4200], d_gz[4200];
    snprintf(dump, sizeof dump, "%s/bench.sleddump", dir);
    snprintf(gz, sizeof gz, "%s/bench.sleddump.gz", dir);
    snprintf(d_raw, sizeof d_raw, "%s/raw", dir);
    snprintf(d_lmkv, sizeof d_lmkv, "%s/lmkv", dir);
    snprintf(d_gz, sizeof d_gz, "%s/lmkv-gz", dir);
    make_dump(dump, n);
    gzip_file(dump, gz);
    struct stat st, stg;
    stat(dump, &st);
    stat(gz, &stg);
    double mb = (double)st.st_size / 1e6;
    uint64_t map = (uint64_t)st.st_size * 3 + (64u << 20);

    /* warm the page cache for the dump once, then ROUNDS rounds of the
     * three loaders in turn; each loader's median time (a shared, loaded
     * machine disturbs single runs: one run each once gave 0.46 where the
     * quiet machine gives 0.89) and its largest peak RSS */
    struct result raw, lm, lg, rr[ROUNDS], rl[ROUNDS], rg[ROUNDS];
    run_child(0, dump, d_raw, map);
    rm_tree(d_raw);
    for (int i = 0; i < ROUNDS; i++) {
        rr[i] = run_child(0, dump, d_raw, map);
        rm_tree(d_raw);
        rl[i] = run_child(1, dump, d_lmkv, 0);
        rm_tree(d_lmkv);
        rg[i] = run_child(1, gz, d_gz, 0);
        rm_tree(d_gz);
    }
    raw = median(rr);
    lm = median(rl);
    lg = median(rg);

    printf("Import of a generated sled dump: %llu pairs (13-byte keys, %d-byte values) in one tree, "
           "%.1f MB plain, %.1f MB gzip. Raw LMDB = the same streaming dump reader + mdb_put(MDB_APPEND), "
           "%d pairs per txn, one fsync; lmkv = lmkv_migrate_import (build beside, typed scan, verify lens, "
           "fsync, rename). Each loader in its own process; %d rounds of the three in turn: seconds = the median, RSS = the largest peak (ru_maxrss).\n\n",
           (unsigned long long)n, VALUE_SIZE, mb, (double)stg.st_size / 1e6, BATCH, ROUNDS);
    printf("| loader | seconds | pairs/s | MB/s (dump) | peak RSS MiB | rate vs raw LMDB |\n");
    printf("|---|---|---|---|---|---|\n");
    struct { const char *name; struct result r; } rows[] = {
        {"raw LMDB (limit)", raw}, {"lmdb-migrate, plain dump", lm}, {"lmdb-migrate, gzip dump", lg}};
    for (int i = 0; i < 3; i++)
        printf("| %s | %.2f | %.0f | %.1f | %.1f | %.2f |\n", rows[i].name, rows[i].r.secs, (double)n / rows[i].r.secs,
               mb / rows[i].r.secs, (double)rows[i].r.rss_kib / 1024.0, raw.secs / rows[i].r.secs);
    printf("\nTargets: lmdb-migrate at least 0.5x the raw LMDB rate (plain: %s), peak RSS under 64 MiB (%s).\n",
           raw.secs / lm.secs >= 0.5 ? "met" : "NOT met", lm.rss_kib < 64 * 1024 && lg.rss_kib < 64 * 1024 ? "met" : "NOT met");
    rm_tree(dir);
    return 0;
}
