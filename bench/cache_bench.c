/*
 * cache_bench.c -- the schema store and the LSP response cache against
 * SQLite with the seed schema (shared/seeds/000: lsp_cache, symbols,
 * call_graph tables and indexes), same data, same run:
 *  1. LSP cache: put and get throughput, hit latency p50/p99, on the daemon's
 *     real responses ($LMKV_FIXTURES/sled/probe-universal-cache.decoded.jsonl:
 *     each line's value.data JSON is a response). SQLite does what the seed
 *     does per hit: SELECT by cache_key, then UPDATE last_accessed and
 *     access_count; lmkv buffers access data (no write txn per read).
 *  2. Bulk load of typed records (lmkv_store_put_file, 10 files per write
 *     txn) in records/s, from functions and call sites scanned out of
 *     LMDB's mdb.c and midl.c ($LMKV_SOURCES/lmdb), as V file versions.
 *  3. Bytes per record on disk for symbols and calls (with their indexes)
 *     against SQLite holding the same rows in the seed's tables + indexes.
 *  4. callers lookup (calls to NAME) p50/p99 in one read txn against
 *     SQLite's indexed SELECT on call_graph.
 *  5. Concurrent puts: N threads (1, 2, 4, 8), each putting its own entries
 *     through one shared lmkv_cache (lmkv_cache_put: a write group, so
 *     concurrent puts share a commit and its sync) at default durability,
 *     against SQLite (WAL, synchronous=FULL, one connection per thread,
 *     busy_timeout) doing the same inserts: puts/s, ratio, p50/p99 latency.
 *     CACHE_BENCH_THREADS="1 2 4 8" picks the thread counts (1-8);
 *     CACHE_BENCH_ONLY_CONCURRENT=1 runs only this section.
 * Prints markdown tables. BENCH_QUICK=1 shrinks the data.
 *
 * Build by hand: cc -std=c11 -D_GNU_SOURCE -O2 -Ikv -Ischema -Itests \
 *   bench/cache_bench.c build/libschema.a build/libkv.a -llmdb -lxxhash \
 *   -ljansson -lz -lsqlite3 -lpthread -o cache_bench
 */
#include "lmkv_kv.h"
#include "lmkv_schema.h"
#include "test_schema_store_facts.h"

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char work[2048];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cache_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (%s)\n", lmkv_errmsg());
    va_end(ap);
    exit(1);
}

#define CK(x) do { int rc_ = (x); if (rc_ != 0) die("%s:%d: %s -> %d", __FILE__, __LINE__, #x, rc_); } while (0)
#define SQ(db, x) do { if ((x) != SQLITE_OK && (x) != SQLITE_DONE) die("sqlite: %s: %s", #x, sqlite3_errmsg(db)); } while (0)

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_d);
    size_t i = (size_t)(p * (double)(n - 1));
    return v[i];
}

/* ------------------------------------------------------------ responses */

typedef struct resp { char method[64], path[64], key[256]; char *body; size_t len; uint64_t params; } resp;
static resp *R;
static size_t NR;

static void load_responses(void)
{
    const char *fx = getenv("LMKV_FIXTURES");
    char p[4096];
    snprintf(p, sizeof p, "%s/sled/probe-universal-cache.decoded.jsonl", fx && *fx ? fx : "tests/fixtures");
    FILE *f = fopen(p, "r");
    if (!f)
        die("cannot open %s", p);
    R = calloc(512, sizeof *R);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0 && NR < 512) {
        json_t *j = json_loads(line, 0, NULL);
        const char *tree = j ? json_string_value(json_object_get(j, "tree")) : NULL;
        if (tree && strcmp(tree, "universal_cache") == 0) {
            resp *r = &R[NR++];
            json_t *kf = json_object_get(j, "key_fields");
            snprintf(r->method, sizeof r->method, "%s", json_string_value(json_object_get(kf, "method")));
            snprintf(r->path, sizeof r->path, "%s", json_string_value(json_object_get(kf, "workspace_relative_path")));
            snprintf(r->key, sizeof r->key, "%s", json_string_value(json_object_get(j, "key")));
            char h[17];
            memcpy(h, json_string_value(json_object_get(kf, "content_hash")), 16);
            h[16] = 0;
            r->params = strtoull(h, NULL, 16);
            r->body = json_dumps(json_object_get(json_object_get(j, "value"), "data"), JSON_COMPACT | JSON_SORT_KEYS);
            r->len = strlen(r->body);
        }
        json_decref(j);
    }
    free(line);
    fclose(f);
    if (NR == 0)
        die("no responses in %s", p);
}

static lmkv_db *open_db(const char *name)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", work, name);
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = p;
    cfg.flush_every_ms = 0;
    lmkv_db *db;
    CK(lmkv_db_open(&db, &cfg));
    return db;
}

/* Durability as lmkv's default (data synced at every commit): WAL with
 * synchronous=FULL syncs the WAL at every commit. */
static sqlite3 *open_sqlite(const char *name)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", work, name);
    sqlite3 *s;
    if (sqlite3_open(p, &s) != SQLITE_OK)
        die("sqlite open %s", p);
    SQ(s, sqlite3_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", 0, 0, 0));
    return s;
}

/* ------------------------------------------------------------ 1. LSP cache */

static void bench_cache(int quick)
{
    int versions = quick ? 4 : 20;
    size_t nput = NR * (size_t)versions;
    size_t ngets = quick ? 5000 : 40000;
    lmkv_db *db = open_db("cache.lmkv");
    lmkv_store *st;
    CK(lmkv_store_open(&st, db));
    lmkv_cache *c;
    CK(lmkv_cache_open(&c, st, NULL));
    uint64_t ws;
    CK(lmkv_workspace_id(&ws, "/home/dev/lmdb"));

    double t0 = now_s();
    for (int v = 0; v < versions; v++)
        for (size_t i = 0; i < NR; i++) {
            lmkv_cache_key k = { ws, R[i].method, R[i].path, (uint64_t)v + 1, 0, 0, R[i].params };
            CK(lmkv_cache_put(c, &k, R[i].body, R[i].len, NULL, NULL, 0));
        }
    double lput = now_s() - t0;

    double *lat = malloc(ngets * sizeof *lat);
    uint64_t rnd = 88172645463325252ULL;
    t0 = now_s();
    for (size_t g = 0; g < ngets; g++) {
        rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
        size_t i = rnd % NR;
        int v = (int)((rnd >> 32) % (uint64_t)versions);
        lmkv_cache_key k = { ws, R[i].method, R[i].path, (uint64_t)v + 1, 0, 0, R[i].params };
        void *buf;
        size_t len;
        double a = now_s();
        CK(lmkv_cache_get(&buf, &len, c, &k));
        lat[g] = now_s() - a;
        lmkv_free(buf);
    }
    double lget = now_s() - t0;
    double lp50 = pct(lat, ngets, 0.5), lp99 = pct(lat, ngets, 0.99);
    CK(lmkv_cache_close(c));

    /* SQLite, the seed's lsp_cache */
    sqlite3 *s = open_sqlite("cache.sqlite");
    SQ(s, sqlite3_exec(s,
        "CREATE TABLE lsp_cache (cache_key TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, method TEXT NOT NULL,"
        " file_id TEXT NOT NULL, version_id TEXT NOT NULL, git_commit_hash TEXT, request_params JSON NOT NULL,"
        " position_line INTEGER, position_column INTEGER, response_data JSON NOT NULL, response_type TEXT,"
        " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_accessed TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
        " access_count INTEGER DEFAULT 1, response_time_ms INTEGER);"
        "CREATE INDEX idx_lsp_cache_workspace_method ON lsp_cache(workspace_id, method);"
        "CREATE INDEX idx_lsp_cache_file ON lsp_cache(file_id, version_id);"
        "CREATE INDEX idx_lsp_cache_position ON lsp_cache(file_id, position_line, position_column);"
        "CREATE INDEX idx_lsp_cache_access ON lsp_cache(workspace_id, last_accessed);", 0, 0, 0));
    sqlite3_stmt *ins, *sel, *upd;
    SQ(s, sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO lsp_cache(cache_key, workspace_id, method, file_id,"
        " version_id, request_params, position_line, position_column, response_data) VALUES(?,?,?,?,?,'{}',0,0,?)", -1, &ins, 0));
    SQ(s, sqlite3_prepare_v2(s, "SELECT response_data FROM lsp_cache WHERE cache_key = ?", -1, &sel, 0));
    SQ(s, sqlite3_prepare_v2(s, "UPDATE lsp_cache SET last_accessed = CURRENT_TIMESTAMP,"
        " access_count = access_count + 1 WHERE cache_key = ?", -1, &upd, 0));
    char key[512], ver[32];
    t0 = now_s();
    for (int v = 0; v < versions; v++)
        for (size_t i = 0; i < NR; i++) {
            snprintf(key, sizeof key, "%s:%d", R[i].key, v + 1);
            snprintf(ver, sizeof ver, "%d", v + 1);
            sqlite3_bind_text(ins, 1, key, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, "74a7322a_lmdb", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, R[i].method, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, R[i].path, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, ver, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, R[i].body, (int)R[i].len, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                die("sqlite insert: %s", sqlite3_errmsg(s));
            sqlite3_reset(ins);
        }
    double sput = now_s() - t0;
    rnd = 88172645463325252ULL;
    t0 = now_s();
    for (size_t g = 0; g < ngets; g++) {
        rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
        size_t i = rnd % NR;
        int v = (int)((rnd >> 32) % (uint64_t)versions);
        snprintf(key, sizeof key, "%s:%d", R[i].key, v + 1);
        double a = now_s();
        sqlite3_bind_text(sel, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(sel) != SQLITE_ROW)
            die("sqlite miss");
        size_t n = (size_t)sqlite3_column_bytes(sel, 0);
        void *copy = malloc(n + 1);
        memcpy(copy, sqlite3_column_blob(sel, 0), n);
        sqlite3_reset(sel);
        sqlite3_bind_text(upd, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(upd) != SQLITE_DONE)
            die("sqlite update");
        sqlite3_reset(upd);
        lat[g] = now_s() - a;
        free(copy);
    }
    double sget = now_s() - t0;
    double sp50 = pct(lat, ngets, 0.5), sp99 = pct(lat, ngets, 0.99);
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    sqlite3_close(s);

    printf("### LSP response cache (%zu real clangd responses x %d content versions = %zu entries, %zu random gets)\n\n",
           NR, versions, nput, ngets);
    printf("| operation | lmkv | SQLite (seed lsp_cache) | lmkv / SQLite |\n|---|---|---|---|\n");
    printf("| put (one txn each, synced at commit), ops/s | %.0f | %.0f | %.2fx |\n", nput / lput, nput / sput, (nput / lput) / (nput / sput));
    printf("| get hit (+ access update), ops/s | %.0f | %.0f | %.2fx |\n", ngets / lget, ngets / sget, (ngets / lget) / (ngets / sget));
    printf("| get hit latency p50, us | %.2f | %.2f | %.2fx faster |\n", lp50 * 1e6, sp50 * 1e6, sp50 / lp50);
    printf("| get hit latency p99, us | %.2f | %.2f | %.2fx faster |\n\n", lp99 * 1e6, sp99 * 1e6, sp99 / lp99);
    printf("Both sync every commit (lmkv default durability; SQLite WAL + synchronous=FULL). A SQLite hit is "
           "the seed's SELECT plus its UPDATE of last_accessed/access_count (a synced write per read); an lmkv "
           "hit reads in a pooled read txn and buffers the access data, written in one txn per 256 reads.\n\n");
    free(lat);
    lmkv_store_close(st);
    lmkv_db_close(db);
}

/* ------------------------------------------------------------ 5. concurrent puts */

static const char LSP_CACHE_DDL[] =
    "CREATE TABLE lsp_cache (cache_key TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, method TEXT NOT NULL,"
    " file_id TEXT NOT NULL, version_id TEXT NOT NULL, git_commit_hash TEXT, request_params JSON NOT NULL,"
    " position_line INTEGER, position_column INTEGER, response_data JSON NOT NULL, response_type TEXT,"
    " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_accessed TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
    " access_count INTEGER DEFAULT 1, response_time_ms INTEGER);"
    "CREATE INDEX idx_lsp_cache_workspace_method ON lsp_cache(workspace_id, method);"
    "CREATE INDEX idx_lsp_cache_file ON lsp_cache(file_id, version_id);"
    "CREATE INDEX idx_lsp_cache_position ON lsp_cache(file_id, position_line, position_column);"
    "CREATE INDEX idx_lsp_cache_access ON lsp_cache(workspace_id, last_accessed);";

typedef struct cput_arg {
    int tid;
    size_t nputs;
    lmkv_cache *c;      /* lmkv: the shared handle */
    uint64_t ws;
    const char *sqlite_path; /* SQLite: this thread's own connection */
    pthread_barrier_t *start;
    double *lat;        /* nputs latencies, seconds */
    int failed;
    char err[256];
} cput_arg;

/* Entry j of thread t: response j % NR under a content version no other
 * thread (and no earlier j) uses, so every put inserts a new entry. */
static uint64_t cput_version(int tid, size_t j)
{
    return ((uint64_t)tid + 1) * 1000000u + (uint64_t)j + 1;
}

static void *cput_lmkv(void *p)
{
    cput_arg *a = p;
    pthread_barrier_wait(a->start);
    for (size_t j = 0; j < a->nputs; j++) {
        const resp *r = &R[j % NR];
        lmkv_cache_key k = { a->ws, r->method, r->path, cput_version(a->tid, j), 0, 0, r->params };
        double t = now_s();
        int rc = lmkv_cache_put(a->c, &k, r->body, r->len, NULL, NULL, 0);
        a->lat[j] = now_s() - t;
        if (rc != LMKV_OK) {
            snprintf(a->err, sizeof a->err, "lmkv_cache_put thread %d put %zu: %d %s", a->tid, j, rc, lmkv_errmsg());
            a->failed = 1;
            break;
        }
    }
    return NULL;
}

static void *cput_sqlite(void *p)
{
    cput_arg *a = p;
    sqlite3 *s = NULL;
    sqlite3_stmt *ins = NULL;
    int ok = sqlite3_open(a->sqlite_path, &s) == SQLITE_OK &&
             sqlite3_busy_timeout(s, 30000) == SQLITE_OK &&
             sqlite3_exec(s, "PRAGMA synchronous=FULL;", 0, 0, 0) == SQLITE_OK &&
             sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO lsp_cache(cache_key, workspace_id, method, file_id,"
                 " version_id, request_params, position_line, position_column, response_data)"
                 " VALUES(?,?,?,?,?,'{}',0,0,?)", -1, &ins, 0) == SQLITE_OK;
    if (!ok) {
        snprintf(a->err, sizeof a->err, "sqlite thread %d setup: %s", a->tid, s ? sqlite3_errmsg(s) : "open failed");
        a->failed = 1;
    }
    pthread_barrier_wait(a->start);
    char key[512], ver[32];
    for (size_t j = 0; ok && j < a->nputs; j++) {
        const resp *r = &R[j % NR];
        snprintf(key, sizeof key, "%s:%llu", r->key, (unsigned long long)cput_version(a->tid, j));
        snprintf(ver, sizeof ver, "%llu", (unsigned long long)cput_version(a->tid, j));
        double t = now_s();
        sqlite3_bind_text(ins, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, "74a7322a_lmdb", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, r->method, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, r->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, ver, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, r->body, (int)r->len, SQLITE_STATIC);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        a->lat[j] = now_s() - t;
        if (rc != SQLITE_DONE) {
            snprintf(a->err, sizeof a->err, "sqlite thread %d insert %zu: %s", a->tid, j, sqlite3_errmsg(s));
            a->failed = 1;
            break;
        }
    }
    sqlite3_finalize(ins);
    sqlite3_close(s);
    return NULL;
}

/* Runs n threads of fn, returns wall seconds from the common start to the
 * last join; all latencies end up in lat (n * nputs). */
static double cput_run(int n, size_t nputs, void *(*fn)(void *), lmkv_cache *c, uint64_t ws,
                       const char *sqlite_path, double *lat)
{
    pthread_t th[8];
    cput_arg args[8];
    pthread_barrier_t start;
    if (pthread_barrier_init(&start, NULL, (unsigned)n + 1) != 0)
        die("pthread_barrier_init");
    for (int t = 0; t < n; t++) {
        args[t] = (cput_arg){ t, nputs, c, ws, sqlite_path, &start, lat + (size_t)t * nputs, 0, "" };
        if (pthread_create(&th[t], NULL, fn, &args[t]) != 0)
            die("pthread_create");
    }
    pthread_barrier_wait(&start);
    double t0 = now_s();
    for (int t = 0; t < n; t++)
        pthread_join(th[t], NULL);
    double wall = now_s() - t0;
    pthread_barrier_destroy(&start);
    for (int t = 0; t < n; t++)
        if (args[t].failed) {
            fprintf(stderr, "cache_bench: %s\n", args[t].err);
            exit(1);
        }
    return wall;
}

static void bench_cache_concurrent(int quick)
{
    int ns[8], nn = 0;
    const char *env = getenv("CACHE_BENCH_THREADS");
    const char *spec = env && *env ? env : "1 2 4 8";
    for (const char *q = spec; *q && nn < 8;) {
        char *end;
        long v = strtol(q, &end, 10);
        if (end == q)
            die("CACHE_BENCH_THREADS=\"%s\": not a list of thread counts at \"%s\"", spec, q);
        if (v < 1 || v > 8)
            die("CACHE_BENCH_THREADS=\"%s\": %ld threads; 1 to 8 allowed", spec, v);
        ns[nn++] = (int)v;
        q = end;
        while (*q == ' ' || *q == ',')
            q++;
    }
    size_t nputs = quick ? 25 : 200; /* per thread */
    uint64_t ws;
    CK(lmkv_workspace_id(&ws, "/home/dev/lmdb"));
    printf("### Concurrent puts (N threads, %zu puts each, default durability: every put acknowledged after its commit is synced)\n\n",
           nputs);
    printf("| threads | lmkv puts/s | SQLite puts/s | lmkv / SQLite | lmkv p50 ms | lmkv p99 ms | SQLite p50 ms | SQLite p99 ms | lmkv puts per commit |\n"
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    double *lat = malloc(8 * nputs * sizeof *lat);
    if (!lat)
        die("out of memory");
    for (int i = 0; i < nn; i++) {
        int n = ns[i];
        size_t total = (size_t)n * nputs;
        char name[64];
        snprintf(name, sizeof name, "cput%d-%d.lmkv", i, n);
        lmkv_db *db = open_db(name);
        lmkv_store *st;
        CK(lmkv_store_open(&st, db));
        lmkv_cache *c;
        CK(lmkv_cache_open(&c, st, NULL));
        uint64_t tx0, tx1;
        CK(lmkv_db_last_txnid(&tx0, db));
        double lw = cput_run(n, nputs, cput_lmkv, c, ws, NULL, lat);
        CK(lmkv_db_last_txnid(&tx1, db));
        double lp50 = pct(lat, total, 0.5), lp99 = pct(lat, total, 0.99);
        CK(lmkv_cache_close(c));
        lmkv_store_close(st);
        lmkv_db_close(db);

        char sp[4200];
        snprintf(sp, sizeof sp, "%s/cput%d-%d.sqlite", work, i, n);
        sqlite3 *s = open_sqlite(strrchr(sp, '/') + 1);
        SQ(s, sqlite3_exec(s, LSP_CACHE_DDL, 0, 0, 0));
        double sw = cput_run(n, nputs, cput_sqlite, NULL, 0, sp, lat);
        double sp50 = pct(lat, total, 0.5), sp99 = pct(lat, total, 0.99);
        sqlite3_stmt *q;
        SQ(s, sqlite3_prepare_v2(s, "SELECT count(*) FROM lsp_cache", -1, &q, 0));
        if (sqlite3_step(q) != SQLITE_ROW || (size_t)sqlite3_column_int64(q, 0) != total)
            die("sqlite concurrent puts: %lld rows, expected %zu", (long long)sqlite3_column_int64(q, 0), total);
        sqlite3_finalize(q);
        sqlite3_close(s);

        printf("| %d | %.0f | %.0f | %.2fx | %.2f | %.2f | %.2f | %.2f | %.1f |\n", n, total / lw, total / sw,
               (total / lw) / (total / sw), lp50 * 1e3, lp99 * 1e3, sp50 * 1e3, sp99 * 1e3,
               tx1 > tx0 ? (double)total / (double)(tx1 - tx0) : 0.0);
        fflush(stdout);
    }
    free(lat);
    printf("\nEach row is a fresh database of each kind. lmkv: one lmkv_cache shared by the threads, each "
           "lmkv_cache_put one lmkv_db_transaction, so puts queued together share one commit and one sync "
           "(group commit); puts per commit = puts / LMDB transaction ids used. SQLite: the seed's lsp_cache table and indexes, WAL + synchronous=FULL, one "
           "connection per thread, busy_timeout 30 s, one autocommit INSERT per put (one WAL sync each; "
           "writers take turns on the WAL lock). Wall time from a common start to the last thread's end.\n\n");
}

/* ------------------------------------------------------------ 2-4. records */

static uint64_t tree_bytes(lmkv_db *db, const char *name)
{
    lmkv_tree *t;
    CK(lmkv_db_open_system_tree(&t, db, name, strlen(name)));
    lmkv_tree_stat s;
    CK(lmkv_tree_stat_get(&s, t));
    lmkv_tree_close(t);
    return (s.branch_pages + s.leaf_pages + s.overflow_pages) * (uint64_t)s.page_size;
}

static uint64_t sqlite_bytes(sqlite3 *s)
{
    SQ(s, sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;", 0, 0, 0));
    sqlite3_stmt *q;
    SQ(s, sqlite3_prepare_v2(s, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", -1, &q, 0));
    if (sqlite3_step(q) != SQLITE_ROW)
        die("sqlite page_count");
    uint64_t b = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return b;
}

static char *hex64(char *b, uint64_t v)
{
    snprintf(b, 17, "%016llx", (unsigned long long)v);
    return b;
}

struct cb_count { size_t n; };
static int count_call(void *ctx, const lmkv_call *c)
{
    (void)c;
    ((struct cb_count *)ctx)->n++;
    return 0;
}

static void bench_records(int quick)
{
    static const char *const names[] = { "mdb.c", "midl.c" };
    fact_file files[2];
    if (facts_load(files, names, 2) != 0)
        die("cannot load LMDB sources from $LMKV_SOURCES/lmdb");
    int versions = quick ? 5 : 40;
    uint64_t ws;
    CK(lmkv_workspace_id(&ws, "/home/dev/lmdb"));
    size_t nrec = 0, nsym = 0, ncall = 0;

    /* 2. bulk load */
    lmkv_db *db = open_db("records.lmkv");
    lmkv_store *st;
    CK(lmkv_store_open(&st, db));
    facts_recs *recs = calloc((size_t)versions * 2, sizeof *recs);
    for (int v = 0; v < versions; v++)
        for (int f = 0; f < 2; f++) {
            char blob[32];
            snprintf(blob, sizeof blob, "blob-%d", v);
            facts_records(&recs[v * 2 + f], &files[f], ws, blob);
        }
    double t0 = now_s();
    lmkv_store_session *s = NULL;
    for (int i = 0; i < versions * 2; i++) {
        if (!s)
            CK(lmkv_store_session_begin(&s, st));
        facts_recs *r = &recs[i];
        CK(lmkv_store_put_file(s, &r->fv, &r->r));
        nrec += 1 + r->r.n_symbols + r->r.n_calls + r->r.n_references + r->r.n_hierarchy;
        nsym += r->r.n_symbols;
        ncall += r->r.n_calls;
        if (i % 10 == 9 || i == versions * 2 - 1) {
            CK(lmkv_store_session_commit(s));
            s = NULL;
        }
    }
    double load = now_s() - t0;
    /* the last version is current */
    CK(lmkv_store_session_begin(&s, st));
    for (int f = 0; f < 2; f++) {
        facts_recs *r = &recs[(versions - 1) * 2 + f];
        CK(lmkv_store_set_current(s, ws, r->fv.path, strlen(r->fv.path), r->fv.id, LMKV_SOURCE_LATEST, NULL));
    }
    CK(lmkv_store_session_commit(s));

    /* 3. bytes per record: lmkv trees vs the seed's SQLite tables */
    uint64_t lsym = tree_bytes(db, "store.sym") + tree_bytes(db, "store.sym_name") +
                    tree_bytes(db, "store.sym_qname") + tree_bytes(db, "store.sym_id");
    uint64_t lcall = tree_bytes(db, "store.call") + tree_bytes(db, "store.call_to") +
                     tree_bytes(db, "store.cur_call_to");

    sqlite3 *qs = open_sqlite("symbols.sqlite");
    SQ(qs, sqlite3_exec(qs,
        "CREATE TABLE symbols (symbol_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, file_id TEXT NOT NULL,"
        " version_id TEXT NOT NULL, git_commit_hash TEXT, name TEXT NOT NULL, qualified_name TEXT, kind TEXT NOT NULL,"
        " start_line INTEGER NOT NULL, start_column INTEGER NOT NULL, end_line INTEGER NOT NULL,"
        " end_column INTEGER NOT NULL, signature TEXT, documentation TEXT, visibility TEXT, modifiers TEXT,"
        " indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, confidence DOUBLE DEFAULT 1.0);"
        "CREATE INDEX idx_symbols_workspace_current ON symbols(workspace_id, git_commit_hash, indexed_at DESC);"
        "CREATE INDEX idx_symbols_file_time ON symbols(file_id, indexed_at DESC);"
        "CREATE INDEX idx_symbols_name ON symbols(workspace_id, name);"
        "CREATE INDEX idx_symbols_kind ON symbols(workspace_id, kind);"
        "CREATE INDEX idx_symbols_qualified_name ON symbols(workspace_id, qualified_name);"
        "CREATE TABLE call_graph (call_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL,"
        " caller_symbol_id TEXT NOT NULL, callee_symbol_id TEXT NOT NULL, file_id TEXT NOT NULL,"
        " version_id TEXT NOT NULL, git_commit_hash TEXT, call_line INTEGER NOT NULL, call_column INTEGER NOT NULL,"
        " call_type TEXT DEFAULT 'direct', argument_count INTEGER, is_recursive BOOLEAN DEFAULT FALSE,"
        " indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
        "CREATE INDEX idx_call_graph_caller ON call_graph(caller_symbol_id);"
        "CREATE INDEX idx_call_graph_callee ON call_graph(callee_symbol_id);"
        "CREATE INDEX idx_call_graph_workspace ON call_graph(workspace_id, git_commit_hash, indexed_at DESC);",
        0, 0, 0));
    sqlite3_stmt *is, *ic;
    SQ(qs, sqlite3_prepare_v2(qs, "INSERT INTO symbols(symbol_id, workspace_id, file_id, version_id, name,"
        " qualified_name, kind, start_line, start_column, end_line, end_column) VALUES(?,?,?,?,?,?,?,?,?,?,?)", -1, &is, 0));
    SQ(qs, sqlite3_prepare_v2(qs, "INSERT INTO call_graph(call_id, workspace_id, caller_symbol_id,"
        " callee_symbol_id, file_id, version_id, call_line, call_column, is_recursive) VALUES(?,?,?,?,?,?,?,?,?)", -1, &ic, 0));
    char h1[17], h2[17], h3[17], wsx[17], sid[40], cid[40];
    hex64(wsx, ws);
    double s0 = now_s();
    SQ(qs, sqlite3_exec(qs, "BEGIN", 0, 0, 0));
    for (int i = 0; i < versions * 2; i++) {
        facts_recs *r = &recs[i];
        hex64(h1, r->fv.id);
        for (size_t j = 0; j < r->r.n_symbols; j++) {
            const lmkv_symbol *y = &r->syms[j];
            /* symbol ids are stable across versions: the row id is (version, symbol) */
            snprintf(sid, sizeof sid, "%s:%s", h1, hex64(h2, y->id));
            sqlite3_bind_text(is, 1, sid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(is, 2, wsx, -1, SQLITE_STATIC);
            sqlite3_bind_text(is, 3, r->fv.path, -1, SQLITE_STATIC);
            sqlite3_bind_text(is, 4, h1, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(is, 5, y->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(is, 6, y->qualified_name ? y->qualified_name : y->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(is, 7, lmkv_symbol_kind_name(y->kind), -1, SQLITE_STATIC);
            sqlite3_bind_int(is, 8, (int)y->start_line);
            sqlite3_bind_int(is, 9, (int)y->start_column);
            sqlite3_bind_int(is, 10, (int)y->end_line);
            sqlite3_bind_int(is, 11, (int)y->end_column);
            if (sqlite3_step(is) != SQLITE_DONE)
                die("sqlite symbols: %s", sqlite3_errmsg(qs));
            sqlite3_reset(is);
        }
        for (size_t j = 0; j < r->r.n_calls; j++) {
            const lmkv_call *y = &r->calls[j];
            snprintf(cid, sizeof cid, "%s:%zu", h1, j);
            sqlite3_bind_text(ic, 1, cid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ic, 2, wsx, -1, SQLITE_STATIC);
            sqlite3_bind_text(ic, 3, hex64(h2, y->caller_id), -1, SQLITE_TRANSIENT);
            /* unresolved (other file) callees by name, as lmkv indexes them */
            if (y->callee_id)
                sqlite3_bind_text(ic, 4, hex64(h3, y->callee_id), -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_text(ic, 4, y->callee_name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ic, 5, r->fv.path, -1, SQLITE_STATIC);
            sqlite3_bind_text(ic, 6, h1, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(ic, 7, (int)y->line);
            sqlite3_bind_int(ic, 8, (int)y->column);
            sqlite3_bind_int(ic, 9, y->is_recursive);
            if (sqlite3_step(ic) != SQLITE_DONE)
                die("sqlite calls: %s", sqlite3_errmsg(qs));
            sqlite3_reset(ic);
        }
    }
    SQ(qs, sqlite3_exec(qs, "COMMIT", 0, 0, 0));
    double sload = now_s() - s0;
    sqlite3_finalize(is);
    sqlite3_finalize(ic);
    /* per-table size: copy each table (+ its indexes) into its own database */
    uint64_t ssym = 0, scall = 0;
    {
        char p[4200];
        snprintf(p, sizeof p, "%s/only_calls.sqlite", work);
        char sql[4400];
        snprintf(sql, sizeof sql, "VACUUM INTO '%s'", p);
        SQ(qs, sqlite3_exec(qs, sql, 0, 0, 0));
        sqlite3 *oc;
        if (sqlite3_open(p, &oc) != SQLITE_OK)
            die("sqlite open");
        SQ(oc, sqlite3_exec(oc, "DROP TABLE symbols;", 0, 0, 0));
        scall = sqlite_bytes(oc) - 4096; /* minus the header/schema page */
        sqlite3_close(oc);
        SQ(qs, sqlite3_exec(qs, "DROP TABLE call_graph;", 0, 0, 0));
        ssym = sqlite_bytes(qs) - 4096;
    }

    /* 4. callers lookups: every callee name, one read txn */
    size_t nnames = files[0].n_fns + files[1].n_fns;
    double *lat = malloc(nnames * 8 * sizeof *lat), *slat = malloc(nnames * 8 * sizeof *slat);
    size_t nl = 0, found = 0;
    lmkv_store_txn *t;
    CK(lmkv_store_txn_begin(&t, st));
    struct cb_count cc = { 0 };
    for (int rep = 0; rep < 8; rep++)
        for (int f = 0; f < 2; f++)
            for (size_t i = 0; i < files[f].n_fns; i++) {
                const char *n = files[f].fns[i].name;
                if (facts_find(&files[f], n) != &files[f].fns[i])
                    continue; /* #ifdef alternative: name asked once */
                cc.n = 0;
                double a = now_s();
                CK(lmkv_store_calls_to(t, ws, n, strlen(n), 0, count_call, &cc));
                lat[nl++] = now_s() - a;
                found += cc.n;
            }
    lmkv_store_txn_end(t);
    double lp50 = pct(lat, nl, 0.5), lp99 = pct(lat, nl, 0.99);

    /* SQLite: same question (callers in the current version) on the seed's index */
    sqlite3 *cs;
    {
        char p[4200];
        snprintf(p, sizeof p, "%s/only_calls.sqlite", work);
        if (sqlite3_open(p, &cs) != SQLITE_OK)
            die("sqlite open");
    }
    sqlite3_stmt *q;
    SQ(cs, sqlite3_prepare_v2(cs, "SELECT caller_symbol_id, file_id, call_line, call_column FROM call_graph"
        " WHERE callee_symbol_id = ?1 AND version_id IN (?2, ?3)", -1, &q, 0));
    char v0[17], v1[17];
    hex64(v0, recs[(versions - 1) * 2].fv.id);
    hex64(v1, recs[(versions - 1) * 2 + 1].fv.id);
    size_t sn = 0, sfound = 0;
    for (int rep = 0; rep < 8; rep++)
        for (int f = 0; f < 2; f++)
            for (size_t i = 0; i < files[f].n_fns; i++) {
                const char *key = files[f].fns[i].name;
                if (facts_find(&files[f], key) != &files[f].fns[i])
                    continue;
                /* callees stored by id within a file, by name across files:
                 * ask for both, as a name-resolving query would */
                char idh[17];
                hex64(idh, files[f].fns[i].id);
                double a = now_s();
                for (int pass = 0; pass < 2; pass++) {
                    sqlite3_bind_text(q, 1, pass ? key : idh, -1, SQLITE_STATIC);
                    sqlite3_bind_text(q, 2, v0, -1, SQLITE_STATIC);
                    sqlite3_bind_text(q, 3, v1, -1, SQLITE_STATIC);
                    while (sqlite3_step(q) == SQLITE_ROW) {
                        (void)sqlite3_column_text(q, 0);
                        (void)sqlite3_column_text(q, 1);
                        (void)sqlite3_column_int(q, 2);
                        (void)sqlite3_column_int(q, 3);
                        sfound++;
                    }
                    sqlite3_reset(q);
                }
                slat[sn++] = now_s() - a;
            }
    sqlite3_finalize(q);
    sqlite3_close(cs);
    sqlite3_close(qs);
    double sp50 = pct(slat, sn, 0.5), sp99 = pct(slat, sn, 0.99);

    printf("### Typed records (LMDB mdb.c + midl.c: %zu functions, %zu call sites; x %d file versions)\n\n",
           files[0].n_fns + files[1].n_fns, files[0].n_calls + files[1].n_calls, versions);
    printf("| measure | lmkv | SQLite (seed schema) | ratio |\n|---|---|---|---|\n");
    printf("| bulk load, records/s (lmkv: records + all indexes, 10 files/txn) | %.0f | %.0f (symbols + calls rows, 1 txn) | %.2fx |\n",
           nrec / load, (nsym + ncall) / sload, (nrec / load) / ((nsym + ncall) / sload));
    printf("| symbols: bytes per record incl. indexes (%zu rows) | %.1f | %.1f | %.2fx |\n",
           nsym, (double)lsym / nsym, (double)ssym / nsym, (double)lsym / (double)ssym);
    printf("| calls: bytes per record incl. indexes (%zu rows) | %.1f | %.1f | %.2fx |\n",
           ncall, (double)lcall / ncall, (double)scall / ncall, (double)lcall / (double)scall);
    printf("| callers of NAME (current state), p50 us | %.2f | %.2f | %.2fx faster |\n", lp50 * 1e6, sp50 * 1e6, sp50 / lp50);
    printf("| callers of NAME (current state), p99 us | %.2f | %.2f | %.2fx faster |\n", lp99 * 1e6, sp99 * 1e6, sp99 / lp99);
    printf("| call sites found over all lookups | %zu | %zu | %s |\n\n", found, sfound, found == sfound ? "equal" : "DIFFER");
    printf("lmkv sizes are B+tree pages in use (mdb_stat) of store.sym + sym_name + sym_qname + sym_id and "
           "store.call + call_to + cur_call_to; the current-state callers index holds a copy of each current Call record so a lookup needs no second read. "
           "SQLite sizes are pages after VACUUM of a database holding only that table and its indexes.\n\n");

    free(lat);
    free(slat);
    for (int i = 0; i < versions * 2; i++)
        facts_records_free(&recs[i]);
    free(recs);
    facts_free(files, 2);
    lmkv_store_close(st);
    lmkv_db_close(db);
}

int main(void)
{
    const char *q = getenv("BENCH_QUICK");
    int quick = q && *q && strcmp(q, "0") != 0;
    const char *base = getenv("LMKV_BENCH_TMP");
    snprintf(work, sizeof work, "%s/cache_bench.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(work))
        die("mkdtemp %s", work);
    load_responses();
    const char *only = getenv("CACHE_BENCH_ONLY_CONCURRENT");
    if (!(only && *only && strcmp(only, "0") != 0)) {
        bench_cache(quick);
        bench_records(quick);
    }
    bench_cache_concurrent(quick);
    for (size_t i = 0; i < NR; i++)
        free(R[i].body);
    free(R);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    if (system(cmd) != 0)
        fprintf(stderr, "cache_bench: could not remove %s\n", work);
    return 0;
}
