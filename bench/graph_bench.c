/*
 * graph_bench.c -- graph/ queries (lmkv_graph.h) against SQLite with the
 * seed schema (/work/shared/seeds/000, the DuckDB guide: files, symbols,
 * symbol_references, call_graph and their indexes), same data, same run.
 *
 * 1. `lmkv index` ($LMKV_BIN) of SQLite's amalgamation
 *    ($LMKV_SOURCES/sqlite) into a fresh database (BENCH_GRAPH_SRC=DIR
 *    picks another source directory).
 * 2. Every current record (symbols, calls, references) is copied from the
 *    lmkv store into an SQLite file database with the guide's tables and
 *    indexes, then ANALYZE. Nodes are NAMES in both engines, as in graph/:
 *    call_graph.caller_symbol_id / callee_symbol_id and the reference ids
 *    hold the canonical symbol id of the name (its first definition, or an
 *    "external" symbol row for names with no definition, e.g. libc).
 * 3. For a sample of function names that have callers: callers, callees,
 *    references (lmkv: lmkv_graph_callers/_callees/_refs with a counting
 *    callback; SQLite: the guide's incoming/outgoing/references SELECTs,
 *    prepared once), impact depth 3 (lmkv_graph_impact; SQLite: recursive
 *    CTE over call_graph and symbol_references, UNION, depth < 3) and call
 *    paths of at most 3 calls to a reachable target (lmkv_graph_paths;
 *    SQLite: the guide's recursive path CTE with cycle check). Each query is
 *    timed alone (CLOCK_MONOTONIC); both engines answer inside one read
 *    transaction each (lmkv: one graph handle; SQLite: BEGIN ... COMMIT),
 *    warm caches. Answer sizes are compared (mismatches reported).
 *    The lmkv phase runs in a FRESH PROCESS (this binary re-executed with
 *    --query-child): it opens the database, runs only the timed queries
 *    for the sampled names and reports its own memory from
 *    /proc/self/status, so the RSS is that of a process doing only the
 *    query workload (the sampling pass, which reads every symbol record,
 *    and the SQLite copy run in the parent).
 * 4. Memory of the query process: VmHWM (peak RSS), and at the end RssAnon
 *    (heap, stacks) and RssFile (file pages mapped: the binary, shared
 *    libraries and the LMDB map pages the queries touched; page cache,
 *    shared with other processes), each also before the first query.
 * Markdown tables on stdout; summary rows to $LMKV_BENCH_SUMMARY.
 * BENCH_QUICK=1: fewer names and rounds.
 */
#include "lmkv_graph.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "graph_bench: ");
    vfprintf(stderr, fmt, ap);
    const char *m = lmkv_errmsg();
    if (m && *m) fprintf(stderr, " (%s)", m);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}
#define CK(x) do { int rc_ = (x); if (rc_ != LMKV_OK) die("%s failed: %d at line %d", #x, rc_, __LINE__); } while (0)
#define SQ(db, x) do { int rc_ = (x); if (rc_ != SQLITE_OK && rc_ != SQLITE_DONE && rc_ != SQLITE_ROW) die("sqlite: %s: %s (line %d)", #x, sqlite3_errmsg(db), __LINE__); } while (0)

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}
/* "VmHWM"/"RssAnon"/"RssFile" of /proc/self/status in KiB (-1 if absent) */
static long proc_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') { v = strtol(line + kl + 1, NULL, 10); break; }
    fclose(f);
    return v;
}
static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* ------------------------------------------------------- name table */
struct name { char *name; char id[24]; int has_def; int called; int fn_def; };
static struct name *names;
static size_t nnames, capnames;
static size_t *slots; static size_t nslots;

static size_t hstr(const char *s) { size_t h = 1469598103934665603ull; while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull; return h; }
static void grow_slots(void)
{
    size_t ns = nslots ? nslots * 2 : 1 << 14;
    size_t *s = calloc(ns, sizeof *s);
    if (!s) die("oom");
    for (size_t i = 0; i < nnames; i++) {
        size_t h = hstr(names[i].name) & (ns - 1);
        while (s[h]) h = (h + 1) & (ns - 1);
        s[h] = i + 1;
    }
    free(slots); slots = s; nslots = ns;
}
static struct name *name_get(const char *n, int create)
{
    if (!n || !*n) return NULL;
    if (nslots) {
        size_t h = hstr(n) & (nslots - 1);
        while (slots[h]) {
            if (strcmp(names[slots[h] - 1].name, n) == 0) return &names[slots[h] - 1];
            h = (h + 1) & (nslots - 1);
        }
    }
    if (!create) return NULL;
    if ((nnames + 1) * 2 > nslots) grow_slots();
    if (nnames == capnames) {
        capnames = capnames ? capnames * 2 : 4096;
        names = realloc(names, capnames * sizeof *names);
        if (!names) die("oom");
    }
    struct name *x = &names[nnames];
    memset(x, 0, sizeof *x);
    if (!(x->name = strdup(n))) die("oom");
    snprintf(x->id, sizeof x->id, "n%zu", nnames);
    size_t h = hstr(n) & (nslots - 1);
    while (slots[h]) h = (h + 1) & (nslots - 1);
    slots[h] = ++nnames;
    return x;
}

/* --------------------------------------------------- copy into SQLite */
struct load { sqlite3 *db; sqlite3_stmt *sym, *call, *ref, *file; const char *ws; size_t nsym, ncall, nref; };

static int load_sym(void *ctx, const lmkv_symbol *s)
{
    struct load *L = ctx;
    struct name *n = name_get(s->name, 1);
    char sid[80];
    /* the first definition's row carries the canonical id of the name */
    if (!n->has_def) { n->has_def = 1; snprintf(sid, sizeof sid, "%s", n->id); }
    else snprintf(sid, sizeof sid, "%s.%016llx.%016llx", n->id, (unsigned long long)s->file_version_id,
                  (unsigned long long)s->id);
    sqlite3_stmt *st = L->sym;
    char fid[40];
    snprintf(fid, sizeof fid, "f%016llx", (unsigned long long)s->file_version_id);
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, L->ws, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, s->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, s->qualified_name ? s->qualified_name : s->name, -1, SQLITE_TRANSIENT);
    const char *kn = lmkv_symbol_kind_name(s->kind);
    sqlite3_bind_text(st, 7, kn ? kn : "Unknown", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, (int)s->start_line);
    sqlite3_bind_int(st, 9, (int)s->start_column);
    sqlite3_bind_int(st, 10, (int)s->end_line);
    if (s->signature) sqlite3_bind_text(st, 11, s->signature, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 11);
    SQ(L->db, sqlite3_step(st));
    sqlite3_reset(st);
    L->nsym++;
    return 0;
}

static int load_file(void *ctx, const lmkv_store_current *c)
{
    struct load *L = ctx;
    char fid[40];
    snprintf(fid, sizeof fid, "f%016llx", (unsigned long long)c->fv);
    sqlite3_bind_text(L->file, 1, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(L->file, 2, L->ws, -1, SQLITE_STATIC);
    sqlite3_bind_text(L->file, 3, c->path, (int)c->path_len, SQLITE_TRANSIENT);
    SQ(L->db, sqlite3_step(L->file));
    sqlite3_reset(L->file);
    return 0;
}

static int load_call(void *ctx, const lmkv_call *c)
{
    struct load *L = ctx;
    if (!c->caller_name || !c->callee_name) return 0;
    struct name *a = name_get(c->caller_name, 1), *b = name_get(c->callee_name, 1);
    b->called = 1;
    char cid[40], fid[40];
    snprintf(cid, sizeof cid, "c%016llx.%zu", (unsigned long long)c->id, L->ncall);
    snprintf(fid, sizeof fid, "f%016llx", (unsigned long long)c->file_version_id);
    sqlite3_stmt *st = L->call;
    sqlite3_bind_text(st, 1, cid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, L->ws, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, b->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 7, (int)c->line);
    sqlite3_bind_int(st, 8, (int)c->column);
    SQ(L->db, sqlite3_step(st));
    sqlite3_reset(st);
    L->ncall++;
    return 0;
}

static int load_ref(void *ctx, const lmkv_reference *r)
{
    struct load *L = ctx;
    if (!r->target_name) return 0;
    struct name *b = name_get(r->target_name, 1);
    struct name *a = r->source_name ? name_get(r->source_name, 1) : NULL;
    char rid[48], fid[40];
    snprintf(rid, sizeof rid, "r%016llx.%zu", (unsigned long long)r->id, L->nref);
    snprintf(fid, sizeof fid, "f%016llx", (unsigned long long)r->file_version_id);
    sqlite3_stmt *st = L->ref;
    sqlite3_bind_text(st, 1, rid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, L->ws, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a ? a->id : "filescope", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, b->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, fid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 7, (int)r->start_line);
    sqlite3_bind_int(st, 8, (int)r->start_column);
    const char *kn = lmkv_reference_kind_name(r->kind);
    sqlite3_bind_text(st, 9, kn ? kn : "use", -1, SQLITE_STATIC);
    SQ(L->db, sqlite3_step(st));
    sqlite3_reset(st);
    L->nref++;
    return 0;
}

static const char schema_sql[] =
    "CREATE TABLE files (file_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, relative_path TEXT NOT NULL,"
    " absolute_path TEXT, language TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
    "CREATE INDEX idx_files_workspace ON files(workspace_id);"
    "CREATE TABLE symbols (symbol_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, file_id TEXT NOT NULL,"
    " version_id TEXT NOT NULL, git_commit_hash TEXT, name TEXT NOT NULL, qualified_name TEXT, kind TEXT NOT NULL,"
    " start_line INTEGER NOT NULL, start_column INTEGER NOT NULL, end_line INTEGER NOT NULL, end_column INTEGER NOT NULL DEFAULT 0,"
    " signature TEXT, documentation TEXT, visibility TEXT, modifiers TEXT, indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
    " confidence DOUBLE DEFAULT 1.0);"
    "CREATE INDEX idx_symbols_workspace_current ON symbols(workspace_id, git_commit_hash, indexed_at DESC);"
    "CREATE INDEX idx_symbols_file_time ON symbols(file_id, indexed_at DESC);"
    "CREATE INDEX idx_symbols_name ON symbols(workspace_id, name);"
    "CREATE INDEX idx_symbols_kind ON symbols(workspace_id, kind);"
    "CREATE INDEX idx_symbols_qualified_name ON symbols(workspace_id, qualified_name);"
    "CREATE TABLE symbol_references (reference_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL,"
    " source_symbol_id TEXT NOT NULL, target_symbol_id TEXT NOT NULL, file_id TEXT NOT NULL, version_id TEXT NOT NULL,"
    " git_commit_hash TEXT, ref_line INTEGER NOT NULL, ref_column INTEGER NOT NULL, ref_end_line INTEGER,"
    " ref_end_column INTEGER, reference_kind TEXT DEFAULT 'use', is_definition BOOLEAN DEFAULT FALSE,"
    " is_declaration BOOLEAN DEFAULT FALSE, indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
    "CREATE INDEX idx_references_source ON symbol_references(source_symbol_id);"
    "CREATE INDEX idx_references_target ON symbol_references(target_symbol_id);"
    "CREATE INDEX idx_references_file ON symbol_references(file_id, version_id);"
    "CREATE INDEX idx_references_workspace ON symbol_references(workspace_id, git_commit_hash, indexed_at DESC);"
    "CREATE TABLE call_graph (call_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, caller_symbol_id TEXT NOT NULL,"
    " callee_symbol_id TEXT NOT NULL, file_id TEXT NOT NULL, version_id TEXT NOT NULL, git_commit_hash TEXT,"
    " call_line INTEGER NOT NULL, call_column INTEGER NOT NULL, call_type TEXT DEFAULT 'direct',"
    " argument_count INTEGER, is_recursive BOOLEAN DEFAULT FALSE, indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
    "CREATE INDEX idx_call_graph_caller ON call_graph(caller_symbol_id);"
    "CREATE INDEX idx_call_graph_callee ON call_graph(callee_symbol_id);"
    "CREATE INDEX idx_call_graph_workspace ON call_graph(workspace_id, git_commit_hash, indexed_at DESC);";

/* The queries (guide's section "Query Patterns", by name). */
static const char q_callers[] =
    "SELECT caller.name, f.relative_path, cg.call_line, cg.call_column FROM call_graph cg"
    " JOIN symbols caller ON cg.caller_symbol_id = caller.symbol_id JOIN files f ON cg.file_id = f.file_id"
    " WHERE cg.workspace_id = ?1 AND cg.callee_symbol_id IN"
    " (SELECT symbol_id FROM symbols WHERE workspace_id = ?1 AND name = ?2)";
static const char q_callees[] =
    "SELECT callee.name, f.relative_path, cg.call_line, cg.call_column FROM call_graph cg"
    " JOIN symbols callee ON cg.callee_symbol_id = callee.symbol_id JOIN files f ON cg.file_id = f.file_id"
    " WHERE cg.workspace_id = ?1 AND cg.caller_symbol_id IN"
    " (SELECT symbol_id FROM symbols WHERE workspace_id = ?1 AND name = ?2)";
static const char q_refs[] =
    "SELECT src.name, f.relative_path, sr.ref_line, sr.ref_column, sr.reference_kind FROM symbol_references sr"
    " LEFT JOIN symbols src ON sr.source_symbol_id = src.symbol_id JOIN files f ON sr.file_id = f.file_id"
    " WHERE sr.workspace_id = ?1 AND sr.target_symbol_id IN"
    " (SELECT symbol_id FROM symbols WHERE workspace_id = ?1 AND name = ?2)";
static const char q_impact[] =
    "WITH RECURSIVE affected(symbol_id, depth) AS ("
    " SELECT symbol_id, 0 FROM symbols WHERE workspace_id = ?1 AND name = ?2"
    " UNION SELECT cg.caller_symbol_id, a.depth + 1 FROM affected a JOIN call_graph cg"
    "   ON cg.callee_symbol_id = a.symbol_id WHERE a.depth < ?3"
    " UNION SELECT sr.source_symbol_id, a.depth + 1 FROM affected a JOIN symbol_references sr"
    "   ON sr.target_symbol_id = a.symbol_id WHERE a.depth < ?3)"
    " SELECT s.name, MIN(a.depth) FROM affected a JOIN symbols s ON s.symbol_id = a.symbol_id"
    " WHERE s.name <> ?2 GROUP BY s.name";
static const char q_paths[] =
    "WITH RECURSIVE call_paths(caller_symbol_id, callee_symbol_id, depth, path) AS ("
    " SELECT caller_symbol_id, callee_symbol_id, 1, ',' || caller_symbol_id || ',' || callee_symbol_id || ','"
    "  FROM (SELECT DISTINCT caller_symbol_id, callee_symbol_id FROM call_graph WHERE workspace_id = ?1 AND caller_symbol_id = ?2 AND callee_symbol_id <> ?2)"
    " UNION ALL"
    " SELECT cp.caller_symbol_id, cg.callee_symbol_id, cp.depth + 1, cp.path || cg.callee_symbol_id || ','"
    "  FROM call_paths cp JOIN (SELECT DISTINCT caller_symbol_id, callee_symbol_id FROM call_graph) cg"
    "  ON cp.callee_symbol_id = cg.caller_symbol_id"
    "  WHERE cp.depth < ?4 AND cp.callee_symbol_id <> ?3 AND instr(cp.path, ',' || cg.callee_symbol_id || ',') = 0)"
    " SELECT path, depth FROM call_paths WHERE callee_symbol_id = ?3 ORDER BY depth, path";

/* -------------------------------------------------------------- timing */
static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
struct lat { double *v; size_t n, cap; };
static void lat_add(struct lat *l, double us)
{
    if (l->n == l->cap) { l->cap = l->cap ? l->cap * 2 : 1024; l->v = realloc(l->v, l->cap * sizeof *l->v); if (!l->v) die("oom"); }
    l->v[l->n++] = us;
}
static double pct(struct lat *l, double p)
{
    if (!l->n) return 0;
    qsort(l->v, l->n, sizeof *l->v, dcmp);
    size_t i = (size_t)(p * (double)(l->n - 1) + 0.5);
    return l->v[i];
}

static int count_call(void *ctx, const lmkv_call *c) { (void)c; (*(size_t *)ctx)++; return 0; }
static int count_ref(void *ctx, const lmkv_reference *r) { (void)r; (*(size_t *)ctx)++; return 0; }

static int is_decl(const lmkv_symbol *s)
{
    for (uint32_t i = 0; i < s->modifiers.count; i++) {
        const char *m = lmkv_strvec_get(&s->modifiers, i);
        if (m && strcmp(m, "declaration") == 0) return 1;
    }
    return 0;
}
static int note_fn(void *ctx, const lmkv_symbol *s)
{
    (void)ctx;
    if (s->kind != LMKV_SK_FUNCTION || is_decl(s)) return 0;
    name_get(s->name, 1)->fn_def = 1;
    return 0;
}
struct pick { const char *self; char *got; };
static int pick_callee(void *ctx, const lmkv_call *c)
{
    struct pick *p = ctx;
    if (!c->callee_name || strcmp(c->callee_name, p->self) == 0) return 0;
    if (!(p->got = strdup(c->callee_name))) die("oom");
    return 1;
}

static size_t sq_count(sqlite3 *db, sqlite3_stmt *st)
{
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) n++;
    if (rc != SQLITE_DONE) die("sqlite step: %s", sqlite3_errmsg(db));
    sqlite3_reset(st);
    return n;
}

enum { QC, QE, QR, QI, QP, NQ };

/* Memory of this process from /proc/self/status (KiB). */
struct mem { long hwm, rss, anon, file; };
static struct mem mem_now(void)
{
    struct mem m = { proc_kib("VmHWM"), proc_kib("VmRSS"), proc_kib("RssAnon"), proc_kib("RssFile") };
    return m;
}

/* The query process: argv = dbdir, workspace root, names file, results
 * file, rounds. Names file: "name\ttarget\n" per sampled name (target may
 * be empty). Results file: "M when hwm rss anon file", then "L q us" per
 * timed query and "K i q n" (answer size of name i) per query of round 0. */
static int query_child(char **argv)
{
    const char *dbdir = argv[0], *root = argv[1], *names_path = argv[2], *out_path = argv[3];
    size_t rounds = (size_t)strtoul(argv[4], NULL, 10);
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_graph *g = NULL;
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dbdir;
    cfg.read_only = 1;
    cfg.flush_every_ms = 0;
    CK(lmkv_db_open(&db, &cfg));
    CK(lmkv_store_open(&st, db));
    uint64_t ws;
    CK(lmkv_workspace_id(&ws, root));
    CK(lmkv_graph_open(&g, st, ws));
    FILE *nf = fopen(names_path, "r");
    if (!nf) die("open %s", names_path);
    char **sample = NULL, **target = NULL;
    size_t ns = 0, cap = 0;
    char line[4096];
    while (fgets(line, sizeof line, nf)) {
        char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        if (!tab || !nl) die("bad names file line: %s", line);
        *tab = '\0'; *nl = '\0';
        if (ns == cap) {
            cap = cap ? cap * 2 : 512;
            sample = realloc(sample, cap * sizeof *sample);
            target = realloc(target, cap * sizeof *target);
            if (!sample || !target) die("oom");
        }
        sample[ns] = strdup(line);
        target[ns] = tab[1] ? strdup(tab + 1) : NULL;
        if (!sample[ns] || (tab[1] && !target[ns])) die("oom");
        ns++;
    }
    fclose(nf);
    double *lat = malloc(rounds * ns * NQ * sizeof *lat);
    size_t *cnt = calloc(ns * NQ, sizeof *cnt);
    if (!lat || !cnt) die("oom");
    for (size_t i = 0; i < rounds * ns * NQ; i++) lat[i] = -1;
    struct mem m0 = mem_now();

    lmkv_graph_result res;
    for (size_t r = 0; r < rounds; r++)
        for (size_t i = 0; i < ns; i++) {
            double *L = lat + (r * ns + i) * NQ;
            size_t n = 0; double a;
            a = now_us(); CK(lmkv_graph_callers(NULL, NULL, g, sample[i], SIZE_MAX, count_call, &n)); L[QC] = now_us() - a;
            cnt[i * NQ + QC] = n; n = 0;
            a = now_us(); CK(lmkv_graph_callees(NULL, NULL, g, sample[i], SIZE_MAX, count_call, &n)); L[QE] = now_us() - a;
            cnt[i * NQ + QE] = n; n = 0;
            a = now_us(); CK(lmkv_graph_refs(NULL, NULL, g, sample[i], SIZE_MAX, count_ref, &n)); L[QR] = now_us() - a;
            cnt[i * NQ + QR] = n;
            a = now_us(); CK(lmkv_graph_impact(&res, g, sample[i], 3, SIZE_MAX)); L[QI] = now_us() - a;
            cnt[i * NQ + QI] = res.n;
            if (target[i]) {
                a = now_us(); CK(lmkv_graph_paths(&res, g, sample[i], target[i], 3, SIZE_MAX)); L[QP] = now_us() - a;
                cnt[i * NQ + QP] = res.groups;
            }
        }
    struct mem m1 = mem_now();

    FILE *of = fopen(out_path, "w");
    if (!of) die("open %s", out_path);
    fprintf(of, "M 0 %ld %ld %ld %ld\n", m0.hwm, m0.rss, m0.anon, m0.file);
    fprintf(of, "M 1 %ld %ld %ld %ld\n", m1.hwm, m1.rss, m1.anon, m1.file);
    for (size_t k = 0; k < rounds * ns; k++)
        for (int q = 0; q < NQ; q++)
            if (lat[k * NQ + q] >= 0) fprintf(of, "L %d %.4f\n", q, lat[k * NQ + q]);
    for (size_t i = 0; i < ns; i++)
        for (int q = 0; q < NQ; q++) fprintf(of, "K %zu %d %zu\n", i, q, cnt[i * NQ + q]);
    if (fclose(of) != 0) die("write %s", out_path);
    lmkv_graph_close(g);
    lmkv_store_close(st);
    lmkv_db_close(db);
    for (size_t i = 0; i < ns; i++) { free(sample[i]); free(target[i]); }
    free(sample); free(target); free(lat); free(cnt);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "--query-child") == 0) return query_child(argv + 2);
    const char *tmp = getenv("LMKV_BENCH_TMP");
    const char *lmkv_bin = getenv("LMKV_BIN");
    const char *srcs = getenv("LMKV_SOURCES");
    const char *srcdir_env = getenv("BENCH_GRAPH_SRC");
    int quick = getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0") != 0;
    char work[1024], dbdir[1100], sqpath[1100], srcdir[1100], cmd[4096];
    if (!tmp) tmp = "/tmp";
    if (!lmkv_bin) lmkv_bin = "build/lmkv";
    if (!srcs) srcs = "build/sources";
    snprintf(work, sizeof work, "%s/graph_bench.XXXXXX", tmp);
    if (!mkdtemp(work)) die("mkdtemp %s", work);
    snprintf(dbdir, sizeof dbdir, "%s/lmkv", work);
    snprintf(sqpath, sizeof sqpath, "%s/seed.sqlite", work);
    if (srcdir_env) snprintf(srcdir, sizeof srcdir, "%s", srcdir_env);
    else snprintf(srcdir, sizeof srcdir, "%s/sqlite", srcs);

    /* 1. index */
    double t0 = now_us();
    snprintf(cmd, sizeof cmd, "'%s' --db '%s' index -q '%s'", lmkv_bin, dbdir, srcdir);
    if (system(cmd) != 0) die("indexing failed: %s", cmd);
    double index_s = (now_us() - t0) / 1e6;

    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_graph *g = NULL;
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dbdir;
    cfg.read_only = 1;
    cfg.flush_every_ms = 0;
    CK(lmkv_db_open(&db, &cfg));
    CK(lmkv_store_open(&st, db));
    char real[4096];
    if (!realpath(srcdir, real)) die("realpath %s", srcdir);
    uint64_t ws;
    CK(lmkv_workspace_id(&ws, real));
    CK(lmkv_graph_open(&g, st, ws));
    lmkv_store_txn *t = lmkv_graph_txn(g);

    /* 2. sample, from lmkv alone: function definitions with callers */
    CK(lmkv_store_symbols_by_name(t, ws, "", 0, LMKV_STORE_PREFIX, note_fn, NULL));
    size_t want = quick ? 60 : 400, rounds = quick ? 2 : 5;
    char **sample = malloc(want * sizeof *sample);
    char **target = calloc(want, sizeof *target);
    size_t ns = 0;
    if (!sample || !target) die("oom");
    {
        size_t cand = 0;
        for (size_t i = 0; i < nnames; i++) if (names[i].fn_def) cand++;
        size_t step = cand / want ? cand / want : 1, k = 0;
        for (size_t i = 0; i < nnames && ns < want; i++) {
            if (!names[i].fn_def || (k++ % step) != 0) continue;
            size_t n = 0;
            CK(lmkv_graph_callers(NULL, NULL, g, names[i].name, 1, count_call, &n));
            if (n) sample[ns++] = names[i].name;
        }
        if (!ns) die("no called functions in %s", srcdir);
    }
    /* path targets: the first callee (other than itself) of the first callee */
    for (size_t i = 0; i < ns; i++) {
        struct pick pk = {sample[i], NULL};
        CK(lmkv_graph_callees(NULL, NULL, g, sample[i], SIZE_MAX, pick_callee, &pk));
        if (!pk.got) continue;
        struct pick pk2 = {sample[i], NULL};
        char *mid = pk.got;
        CK(lmkv_graph_callees(NULL, NULL, g, mid, SIZE_MAX, pick_callee, &pk2));
        if (pk2.got && strcmp(pk2.got, mid) != 0) target[i] = pk2.got; else free(pk2.got);
        free(mid);
    }

    static const char *qname[NQ] = {"callers", "callees", "references", "impact depth 3", "paths (<= 3 calls)"};
    struct lat lk[NQ] = {{0}}, ls[NQ] = {{0}};
    size_t mism[NQ] = {0}, answers[NQ] = {0};
    size_t *kcount = calloc(ns * NQ, sizeof *kcount);
    if (!kcount) die("oom");

    /* lmkv phase: a fresh process that runs only the timed queries */
    char names_path[1200], res_path[1200], rounds_s[32];
    snprintf(names_path, sizeof names_path, "%s/names.txt", work);
    snprintf(res_path, sizeof res_path, "%s/lmkv-results.txt", work);
    snprintf(rounds_s, sizeof rounds_s, "%zu", rounds);
    {
        FILE *nf = fopen(names_path, "w");
        if (!nf) die("open %s", names_path);
        for (size_t i = 0; i < ns; i++) fprintf(nf, "%s\t%s\n", sample[i], target[i] ? target[i] : "");
        if (fclose(nf) != 0) die("write %s", names_path);
    }
    /* The main process lets go of the map so the page cache state is the
     * only thing the query processes share with it. */
    lmkv_graph_close(g); g = NULL;
    lmkv_store_close(st); st = NULL;
    lmkv_db_close(db); db = NULL;
    /* run 1: data.mdb entirely in the page cache (as right after indexing):
     * the timed run. Run 2: data.mdb dropped from the page cache first, so
     * the pages it maps are those the queries read (plus what the kernel
     * reads ahead); its timings are not used. */
    struct mem qm0 = {-1, -1, -1, -1}, qm1 = {-1, -1, -1, -1}, cm0 = qm0, cm1 = qm0;
    char dm[1200];
    snprintf(dm, sizeof dm, "%s/data.mdb", dbdir);
    for (int run = 0; run < 2; run++) {
        if (run == 1) {
            int fd = open(dm, O_RDONLY);
            if (fd < 0) die("open %s", dm);
            if (fdatasync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) die("fadvise %s", dm);
            close(fd);
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            char *cargv[] = {"graph_bench", "--query-child", dbdir, real, names_path, res_path, rounds_s, NULL};
            execv("/proc/self/exe", cargv);
            _exit(127);
        }
        int wst;
        if (waitpid(pid, &wst, 0) != pid || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
            die("query process failed (status %d)", wst);
        FILE *rf = fopen(res_path, "r");
        if (!rf) die("open %s", res_path);
        char line[256];
        size_t nl = 0;
        while (fgets(line, sizeof line, rf)) {
            int q, w; size_t i, n; double us; struct mem m;
            if (sscanf(line, "M %d %ld %ld %ld %ld", &w, &m.hwm, &m.rss, &m.anon, &m.file) == 5) {
                if (run == 0) { if (w) qm1 = m; else qm0 = m; }
                else { if (w) cm1 = m; else cm0 = m; }
            } else if (sscanf(line, "L %d %lf", &q, &us) == 2 && q >= 0 && q < NQ) {
                nl++;
                if (run == 0) lat_add(&lk[q], us);
            } else if (sscanf(line, "K %zu %d %zu", &i, &q, &n) == 3 && i < ns && q >= 0 && q < NQ) {
                if (run == 0) kcount[i * NQ + q] = n;
                else if (kcount[i * NQ + q] != n) die("run 2 answered %zu for %s query %d, run 1 %zu", n, sample[i], q, kcount[i * NQ + q]);
            } else die("bad result line: %s", line);
        }
        fclose(rf);
        if (!nl) die("query process %d reported nothing", run + 1);
    }
    if (qm1.hwm < 0 || cm1.hwm < 0) die("query process reported no memory");
    CK(lmkv_db_open(&db, &cfg));
    CK(lmkv_store_open(&st, db));
    CK(lmkv_graph_open(&g, st, ws));
    t = lmkv_graph_txn(g);

    /* 3. SQLite copy of the same records */
    sqlite3 *sq = NULL;
    if (sqlite3_open(sqpath, &sq) != SQLITE_OK) die("sqlite3_open %s", sqpath);
    SQ(sq, sqlite3_exec(sq, schema_sql, NULL, NULL, NULL));
    SQ(sq, sqlite3_exec(sq, "BEGIN", NULL, NULL, NULL));
    struct load L = {sq, NULL, NULL, NULL, NULL, "ws", 0, 0, 0};
    SQ(sq, sqlite3_prepare_v2(sq, "INSERT INTO symbols(symbol_id, workspace_id, file_id, version_id, name, qualified_name,"
                              " kind, start_line, start_column, end_line, signature) VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &L.sym, NULL));
    SQ(sq, sqlite3_prepare_v2(sq, "INSERT INTO call_graph(call_id, workspace_id, caller_symbol_id, callee_symbol_id,"
                              " file_id, version_id, call_line, call_column) VALUES (?,?,?,?,?,?,?,?)", -1, &L.call, NULL));
    SQ(sq, sqlite3_prepare_v2(sq, "INSERT INTO symbol_references(reference_id, workspace_id, source_symbol_id,"
                              " target_symbol_id, file_id, version_id, ref_line, ref_column, reference_kind)"
                              " VALUES (?,?,?,?,?,?,?,?,?)", -1, &L.ref, NULL));
    SQ(sq, sqlite3_prepare_v2(sq, "INSERT INTO files(file_id, workspace_id, relative_path) VALUES (?,?,?)", -1, &L.file, NULL));
    CK(lmkv_store_current_each(t, ws, load_file, &L));
    CK(lmkv_store_symbols_by_name(t, ws, "", 0, LMKV_STORE_PREFIX, load_sym, &L));
    CK(lmkv_store_calls_all(t, ws, 0, load_call, &L));
    CK(lmkv_store_refs_all(t, ws, 0, load_ref, &L));
    /* names without a definition (externals, file scope): a symbol row each */
    size_t next = 0;
    for (size_t i = 0; i < nnames; i++) {
        if (names[i].has_def) continue;
        sqlite3_bind_text(L.sym, 1, names[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(L.sym, 2, "ws", -1, SQLITE_STATIC);
        sqlite3_bind_text(L.sym, 3, "external", -1, SQLITE_STATIC);
        sqlite3_bind_text(L.sym, 4, "external", -1, SQLITE_STATIC);
        sqlite3_bind_text(L.sym, 5, names[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(L.sym, 6, names[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(L.sym, 7, "External", -1, SQLITE_STATIC);
        sqlite3_bind_int(L.sym, 8, 0); sqlite3_bind_int(L.sym, 9, 0); sqlite3_bind_int(L.sym, 10, 0);
        sqlite3_bind_null(L.sym, 11);
        SQ(sq, sqlite3_step(L.sym));
        sqlite3_reset(L.sym);
        next++;
    }
    sqlite3_finalize(L.sym); sqlite3_finalize(L.call); sqlite3_finalize(L.ref); sqlite3_finalize(L.file);
    SQ(sq, sqlite3_exec(sq, "COMMIT; ANALYZE;", NULL, NULL, NULL));


    /* SQLite phase */
    sqlite3_stmt *ps[NQ];
    SQ(sq, sqlite3_prepare_v2(sq, q_callers, -1, &ps[QC], NULL));
    SQ(sq, sqlite3_prepare_v2(sq, q_callees, -1, &ps[QE], NULL));
    SQ(sq, sqlite3_prepare_v2(sq, q_refs, -1, &ps[QR], NULL));
    SQ(sq, sqlite3_prepare_v2(sq, q_impact, -1, &ps[QI], NULL));
    SQ(sq, sqlite3_prepare_v2(sq, q_paths, -1, &ps[QP], NULL));
    SQ(sq, sqlite3_exec(sq, "BEGIN", NULL, NULL, NULL));
    for (size_t r = 0; r < rounds; r++)
        for (size_t i = 0; i < ns; i++) {
            for (int q = 0; q < NQ; q++) {
                if (q == QP && !target[i]) continue;
                sqlite3_stmt *p = ps[q];
                sqlite3_bind_text(p, 1, "ws", -1, SQLITE_STATIC);
                if (q == QP) {
                    sqlite3_bind_text(p, 2, name_get(sample[i], 0)->id, -1, SQLITE_STATIC);
                    sqlite3_bind_text(p, 3, name_get(target[i], 0)->id, -1, SQLITE_STATIC);
                    sqlite3_bind_int(p, 4, 3);
                } else {
                    sqlite3_bind_text(p, 2, sample[i], -1, SQLITE_STATIC);
                    if (q == QI) sqlite3_bind_int(p, 3, 3);
                }
                double a = now_us();
                size_t n = sq_count(sq, p);
                lat_add(&ls[q], now_us() - a);
                if (r == 0) {
                    answers[q]++;
                    if (n != kcount[i * NQ + q]) {
                        if (mism[q] < 3)
                            fprintf(stderr, "graph_bench: %s %s%s%s: lmkv %zu, sqlite %zu\n", qname[q], sample[i],
                                    q == QP ? " -> " : "", q == QP ? target[i] : "", kcount[i * NQ + q], n);
                        mism[q]++;
                    }
                }
            }
        }
    SQ(sq, sqlite3_exec(sq, "COMMIT", NULL, NULL, NULL));
    long rss_end = maxrss_kib();

    struct stat sb;
    long long mdb_bytes = stat(dm, &sb) == 0 ? (long long)sb.st_size : -1;
    long long sq_bytes = stat(sqpath, &sb) == 0 ? (long long)sb.st_size : -1;

    printf("Source: %s (%zu symbols, %zu calls, %zu references loaded into both engines); "
           "`lmkv index` took %.1f s. %zu sampled functions with callers, %zu rounds, each query timed alone, "
           "one read transaction per engine, warm caches. SQLite %s with the seed schema's tables and indexes, "
           "ANALYZE, prepared statements; impact and paths as recursive CTEs.\n\n",
           srcdir, L.nsym, L.ncall, L.nref, index_s, ns, rounds, sqlite3_libversion());
    printf("| query | lmkv p50 (us) | lmkv p99 (us) | SQLite p50 (us) | SQLite p99 (us) | speed-up p50 (SQLite/lmkv) | answers compared | size mismatches |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    double k50[NQ], s50[NQ];
    for (int q = 0; q < NQ; q++) {
        k50[q] = pct(&lk[q], 0.5); s50[q] = pct(&ls[q], 0.5);
        printf("| %s | %.2f | %.2f | %.2f | %.2f | %.1fx | %zu | %zu |\n", qname[q], k50[q], pct(&lk[q], 0.99),
               s50[q], pct(&ls[q], 0.99), k50[q] > 0 ? s50[q] / k50[q] : 0, answers[q], mism[q]);
    }
    printf("\n| memory of the lmkv query process (a fresh process running only the lmkv queries above) | data.mdb in page cache: before the first query (KiB) | after the last query (KiB) | data.mdb dropped from page cache first: before (KiB) | after (KiB) |\n|---|---:|---:|---:|---:|\n");
    printf("| VmHWM: peak resident set | %ld | %ld | %ld | %ld |\n", qm0.hwm, qm1.hwm, cm0.hwm, cm1.hwm);
    printf("| VmRSS: resident set | %ld | %ld | %ld | %ld |\n", qm0.rss, qm1.rss, cm0.rss, cm1.rss);
    printf("| RssAnon: anonymous memory (heap, stacks: private to the process) | %ld | %ld | %ld | %ld |\n", qm0.anon, qm1.anon, cm0.anon, cm1.anon);
    printf("| RssFile: file pages mapped (binary, libraries, LMDB map; page cache, shared, reclaimable) | %ld | %ld | %ld | %ld |\n", qm0.file, qm1.file, cm0.file, cm1.file);
    printf("\n| size | value |\n|---|---:|\n");
    printf("| peak RSS of the bench's main process (sampling, SQLite load + queries) (KiB) | %ld |\n", rss_end);
    printf("| lmkv data.mdb (bytes, all records + indexes) | %lld |\n", mdb_bytes);
    printf("| SQLite file (bytes, seed schema) | %lld |\n", sq_bytes);
    printf("\nTargets: callers/callees/refs p50 < 5 us and >= 3x SQLite; impact depth 3 p50 < 200 us and >= 10x "
           "SQLite; RSS of the querying process < 25 MB (VmHWM above). The lmkv queries run in their own process "
           "(this binary re-executed), after the main process sampled the names; SQLite runs in the main process "
           "after loading the same records. RssFile counts every LMDB page the process has mapped; when the whole "
           "file is in the page cache the kernel maps up to 64 KiB of cached neighbours per page fault "
           "(fault-around), so the first memory columns overstate what the queries read; the last columns (file "
           "dropped from the page cache first, same queries) count the pages read, plus any read-ahead.\n");

    const char *sum = getenv("LMKV_BENCH_SUMMARY");
    FILE *sf = sum ? fopen(sum, "a") : NULL;
    if (sf) {
        fprintf(sf, "| graph callers p50 (SQLite amalgamation) | %.2f us | %.2f us SQLite | %.1fx (target >= 3x, < 5 us) |\n",
                k50[QC], s50[QC], k50[QC] > 0 ? s50[QC] / k50[QC] : 0);
        fprintf(sf, "| graph refs p50 | %.2f us | %.2f us SQLite | %.1fx |\n", k50[QR], s50[QR], k50[QR] > 0 ? s50[QR] / k50[QR] : 0);
        fprintf(sf, "| graph impact depth 3 p50 | %.1f us | %.1f us SQLite CTE | %.1fx (target >= 10x, < 200 us) |\n",
                k50[QI], s50[QI], k50[QI] > 0 ? s50[QI] / k50[QI] : 0);
        fprintf(sf, "| graph query process peak RSS VmHWM, data.mdb cached / not cached before (anonymous / mapped file pages) | %ld KiB (%ld / %ld) / %ld KiB (%ld / %ld) | - | target < 25 MB |\n",
                qm1.hwm, qm1.anon, qm1.file, cm1.hwm, cm1.anon, cm1.file);
        fprintf(sf, "| graph callees p50 | %.2f us | %.2f us SQLite | %.1fx |\n", k50[QE], s50[QE], k50[QE] > 0 ? s50[QE] / k50[QE] : 0);
        fclose(sf);
    }

    for (int q = 0; q < NQ; q++) { sqlite3_finalize(ps[q]); free(lk[q].v); free(ls[q].v); }
    sqlite3_close(sq);
    lmkv_graph_close(g);
    lmkv_store_close(st);
    lmkv_db_close(db);
    for (size_t i = 0; i < nnames; i++) free(names[i].name);
    for (size_t i = 0; i < ns; i++) free(target[i]);
    free(names); free(slots); free(sample); free(target); free(kcount);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    if (system(cmd) != 0) fprintf(stderr, "graph_bench: could not remove %s\n", work);
    (void)next;
    return 0;
}
