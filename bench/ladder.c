/*
 * ladder.c -- the C half of bench/ladder.sh (the scale ladder). Not meant to
 * be run alone (bench/run.sh skips it); ladder.sh calls it per tier:
 *
 *   ladder rusage OUT CMD [ARG...]
 *       Run CMD with stdout to OUT and stderr to OUT.err; print
 *       "wall_ms maxrss_kib exit_status cpu_ms" (wait4's usage of the child
 *       and its waited-for descendants; cpu = user + system).
 *
 *   ladder update DB ROOT EDIT[,EDIT...] [REPS]
 *       Step 3 below alone, with only the edited files' records loaded;
 *       prints the "update" line (path, records, reps, storage p50/p99,
 *       save->query p50/p99 in ms) and the "update_cpu" line (path, the
 *       storage work's CPU time p50/p99 in ms); then "update_reput" and
 *       "update_rewrite" (path, records, reps, storage p50/p99, CPU
 *       p50/p99 in ms): the same version analysed again (LMKV_INDEX_FULL),
 *       stored over itself (only what differs is written) and, side by
 *       side, after its removal (everything written). To time or profile one update:
 *       valgrind --tool=callgrind --toggle-collect=update_store ...
 *
 *   ladder tier NAME DB ROOT WORK EDIT[,EDIT...]
 *       DB is the database `lmkv index` wrote for workspace ROOT. Loads the
 *       current state's records (file versions, symbols, calls, references,
 *       hierarchy) into memory, then on exactly those records:
 *        1. storage alone: writes them into a fresh lmkv store (batches of
 *           64 files per write transaction, as `lmkv index`) and into SQLite
 *           with the seed schema (/work/shared/seeds/000: the DuckDB guide's
 *           tables and indexes; WAL, synchronous=FULL like lmkv's synced
 *           commits, prepared statements, one transaction per batch of 64
 *           files); time and bytes on disk of each;
 *        2. queries on both, per sampled name: point lookup (symbols by
 *           name), callers, callees, references, impact depth 3 (callers
 *           and referrers, by name, breadth first), shortest call path of
 *           at most 3 calls; each timed one by one (p50, p99) and answer
 *           sizes compared between the two engines (mismatches counted);
 *        3. update latency: for each EDIT path (workspace-relative), append
 *           a function to the file, then time "save -> query ready": an
 *           index session with that one changed path (as a file watcher
 *           gives it: lmkv_index_session_set_plan) whose analyser replays
 *           the file's extracted records plus the new function (so no
 *           ctags/cflow time: lmkv's storage work only), then a fresh
 *           snapshot and a callers query that must see the new function.
 *       Writes WORK/NAME.tsv (one line per measurement, for ladder.sh's
 *       tables and plot.sh) and prints nothing on success.
 *
 * The lmkv queries go through schema's store API (lmkv_store_calls_to,
 * _calls_by_caller, _refs_to, _symbols_by_name): the same prefix scans
 * graph/'s lmkv_graph_callers/_callees/_refs use; impact and paths are the same
 * breadth-first walk on both engines, so the ratio compares storage.
 * BENCH_QUICK=1 samples fewer names and repetitions.
 */
#include "lmkv_versioning.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* ------------------------------------------------------------ utilities */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ladder: ");
    vfprintf(stderr, fmt, ap);
    const char *m = lmkv_errmsg();
    if (m && *m) fprintf(stderr, " (%s)", m);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}
#define CK(x) do { int rc_ = (x); if (rc_ != LMKV_OK) die("%s failed: %d at line %d", #x, rc_, __LINE__); } while (0)

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* string arena: records are copied out of the read txn once */
struct chunk { struct chunk *next; size_t used, cap; char data[]; };
static struct chunk *arena;
static void *aalloc(size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (!arena || arena->used + n > arena->cap) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        struct chunk *c = malloc(sizeof *c + cap);
        if (!c) die("out of memory");
        c->next = arena; c->used = 0; c->cap = cap; arena = c;
    }
    void *p = arena->data + arena->used;
    arena->used += n;
    return p;
}
static const char *adup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = aalloc(n);
    memcpy(p, s, n);
    return p;
}

struct vec { void *p; size_t n, cap, sz; };
static void *vpush(struct vec *v)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->p = realloc(v->p, v->cap * v->sz);
        if (!v->p) die("out of memory");
    }
    return (char *)v->p + v->n++ * v->sz;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double pct(double *v, size_t n, double p)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, dcmp);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static unsigned long long file_bytes(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
}

/* ------------------------------------------------------------- rusage */

static int cmd_rusage(int argc, char **argv)
{
    if (argc < 4) die("usage: ladder rusage OUT CMD [ARG...]");
    char err[4200];
    snprintf(err, sizeof err, "%s.err", argv[2]);
    double t0 = now_us();
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
        int o = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0) _exit(126);
        dup2(o, 1); dup2(e, 2);
        execvp(argv[3], argv + 3);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) die("wait4: %s", strerror(errno));
    double ms = (now_us() - t0) / 1e3;
    /* wait4's usage covers the child and the descendants it waited for
     * (ctags, cflow): CPU time is far less disturbed by a loaded machine */
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    printf("%.1f %ld %d %.1f\n", ms, ru.ru_maxrss, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), cpu);
    return 0;
}

/* ------------------------------------------------------ loaded records */

struct file {
    lmkv_file_version fv;
    struct vec syms, calls, refs, hier; /* lmkv_symbol, lmkv_call, lmkv_reference, lmkv_hierarchy */
};
static struct vec files = {.sz = sizeof(struct file)};
static uint64_t WS;
static lmkv_workspace WSREC;
static size_t nsyms, ncalls, nrefs, nhier;

static int on_sym(void *ctx, const lmkv_symbol *s)
{
    struct file *f = ctx;
    lmkv_symbol *d = vpush(&f->syms);
    *d = *s;
    d->file_path = adup(s->file_path); d->name = adup(s->name);
    d->qualified_name = adup(s->qualified_name); d->signature = adup(s->signature);
    d->documentation = adup(s->documentation); d->visibility = adup(s->visibility);
    d->language = adup(s->language); d->parent_name = adup(s->parent_name);
    d->modifiers.fb_ = NULL;
    d->modifiers.items = NULL;
    if (s->modifiers.count) {
        const char **it = aalloc(sizeof(char *) * s->modifiers.count);
        for (uint32_t i = 0; i < s->modifiers.count; i++) it[i] = adup(lmkv_strvec_get(&s->modifiers, i));
        d->modifiers.items = (const char *const *)it;
    }
    nsyms++;
    return 0;
}
static int on_call(void *ctx, const lmkv_call *c)
{
    struct file *f = ctx;
    lmkv_call *d = vpush(&f->calls);
    *d = *c;
    d->file_path = adup(c->file_path); d->caller_name = adup(c->caller_name); d->callee_name = adup(c->callee_name);
    ncalls++;
    return 0;
}
static int on_ref(void *ctx, const lmkv_reference *r)
{
    struct file *f = ctx;
    lmkv_reference *d = vpush(&f->refs);
    *d = *r;
    d->file_path = adup(r->file_path); d->source_name = adup(r->source_name); d->target_name = adup(r->target_name);
    nrefs++;
    return 0;
}
static int fv_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct file *)a)->fv.id, y = ((const struct file *)b)->fv.id;
    return x < y ? -1 : x > y;
}
static struct file *file_of(uint64_t fv)
{
    struct file key;
    key.fv.id = fv;
    return bsearch(&key, files.p, files.n, sizeof key, fv_cmp);
}
static int on_hier(void *ctx, const lmkv_hierarchy *h)
{
    (void)ctx;
    struct file *f = file_of(h->file_version_id);
    if (!f) return 0;
    lmkv_hierarchy *d = vpush(&f->hier);
    *d = *h;
    d->parent_name = adup(h->parent_name); d->child_name = adup(h->child_name);
    nhier++;
    return 0;
}
static int on_cur(void *ctx, const lmkv_store_current *c)
{
    lmkv_store_txn *t = ctx;
    struct file *f = vpush(&files);
    memset(f, 0, sizeof *f);
    f->syms.sz = sizeof(lmkv_symbol); f->calls.sz = sizeof(lmkv_call);
    f->refs.sz = sizeof(lmkv_reference); f->hier.sz = sizeof(lmkv_hierarchy);
    lmkv_file_version fv;
    CK(lmkv_store_file_version_get(&fv, t, WS, c->fv));
    f->fv = fv;
    f->fv.path = adup(fv.path); f->fv.git_blob_id = adup(fv.git_blob_id); f->fv.language = adup(fv.language);
    return 0;
}

/* Sorts the current files by file version and reads each one's symbols,
 * calls and references into it. */
static void load_file_records(lmkv_store_txn *t)
{
    qsort(files.p, files.n, sizeof(struct file), fv_cmp);
    struct file *F = files.p;
    for (size_t i = 0; i < files.n; i++) {
        CK(lmkv_store_symbols_of(t, WS, F[i].fv.id, on_sym, &F[i]));
        CK(lmkv_store_calls_of(t, WS, F[i].fv.id, on_call, &F[i]));
        CK(lmkv_store_refs_of(t, WS, F[i].fv.id, on_ref, &F[i]));
    }
}

static void load(lmkv_store *st, const char *root)
{
    lmkv_store_txn *t;
    CK(lmkv_store_txn_begin(&t, st));
    CK(lmkv_store_workspace_by_root(&WS, t, root, strlen(root)));
    lmkv_workspace w;
    CK(lmkv_store_workspace_get(&w, t, WS));
    WSREC = w;
    WSREC.root_path = adup(w.root_path); WSREC.name = adup(w.name);
    WSREC.current_commit = adup(w.current_commit); WSREC.metadata = adup(w.metadata);
    CK(lmkv_store_current_each(t, WS, on_cur, t));
    load_file_records(t);
    int rc = lmkv_store_hierarchy_all(t, WS, LMKV_STORE_CURRENT, on_hier, NULL);
    if (rc != LMKV_OK && rc != LMKV_NOTFOUND) die("hierarchy_all: %d", rc);
    lmkv_store_txn_end(t);
}

/* --------------------------------------------------------- output file */

static FILE *tsv;
static const char *TIER;
static void put(const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(tsv, "%s\t%s\t", TIER, key);
    vfprintf(tsv, fmt, ap);
    fputc('\n', tsv);
    va_end(ap);
}

/* -------------------------------------------- 1a. storage alone: lmkv */

static lmkv_db *open_db(const char *path)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = path;
    cfg.flush_every_ms = 0;
    lmkv_db *db;
    CK(lmkv_db_open(&db, &cfg));
    return db;
}

static void ingest_lmkv(const char *work)
{
    char dir[4200], data[4300];
    snprintf(dir, sizeof dir, "%s/%s-replay.lmkv", work, TIER);
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    unlink(data); /* a fresh database, also when WORK is reused */
    snprintf(data, sizeof data, "%s/lock.mdb", dir);
    unlink(data);
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    double t0 = now_us();
    lmkv_db *db = open_db(dir);
    lmkv_store *st;
    CK(lmkv_store_open(&st, db));
    struct file *F = files.p;
    size_t txns = 0;
    for (size_t i = 0; i < files.n || i == 0;) {
        lmkv_store_session *s;
        CK(lmkv_store_session_begin(&s, st));
        CK(lmkv_store_session_set_bulk(s, 1)); /* as lmkv index (LMKV_INDEX_BULK) */
        if (i == 0) CK(lmkv_store_workspace_put(s, &WSREC));
        for (size_t k = 0; k < 64 && i < files.n; k++, i++) {
            lmkv_store_file_records r = {
                F[i].syms.p, F[i].syms.n, F[i].refs.p, F[i].refs.n,
                F[i].calls.p, F[i].calls.n, F[i].hier.p, F[i].hier.n};
            CK(lmkv_store_put_file(s, &F[i].fv, &r));
            CK(lmkv_store_map_latest(s, WS, F[i].fv.path, strlen(F[i].fv.path), F[i].fv.id));
            CK(lmkv_store_set_current(s, WS, F[i].fv.path, strlen(F[i].fv.path), F[i].fv.id,
                                      LMKV_SOURCE_LATEST, NULL));
        }
        CK(lmkv_store_session_commit(s));
        txns++;
        if (files.n == 0) break;
    }
    lmkv_store_close(st);
    lmkv_db_close(db);
    double ms = (now_us() - t0) / 1e3;
    put("lmkv_store_ms", "%.1f", ms);
    put("lmkv_store_txns", "%zu", txns);
    put("lmkv_replay_bytes", "%llu", file_bytes(data));
}

/* ------------------------------------------- 1b. storage alone: SQLite */

static const char *seed_schema =
    "CREATE TABLE workspaces (workspace_id TEXT PRIMARY KEY, root_path TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL, is_git_repo BOOLEAN DEFAULT FALSE, current_commit TEXT,"
    " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_indexed TIMESTAMP, metadata JSON);"
    "CREATE INDEX idx_workspaces_root_path ON workspaces(root_path);"
    "CREATE TABLE files (file_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, relative_path TEXT NOT NULL,"
    " absolute_path TEXT NOT NULL, language TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
    " FOREIGN KEY (workspace_id) REFERENCES workspaces(workspace_id) ON DELETE CASCADE,"
    " UNIQUE (workspace_id, relative_path));"
    "CREATE INDEX idx_files_workspace ON files(workspace_id);"
    "CREATE INDEX idx_files_language ON files(language);"
    "CREATE TABLE file_versions (version_id TEXT PRIMARY KEY, file_id TEXT NOT NULL, content_hash TEXT NOT NULL,"
    " git_commit_hash TEXT, size_bytes INTEGER, line_count INTEGER, last_modified TIMESTAMP,"
    " indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
    " FOREIGN KEY (file_id) REFERENCES files(file_id) ON DELETE CASCADE, UNIQUE (file_id, content_hash));"
    "CREATE INDEX idx_file_versions_file_time ON file_versions(file_id, indexed_at DESC);"
    "CREATE INDEX idx_file_versions_commit ON file_versions(git_commit_hash) WHERE git_commit_hash IS NOT NULL;"
    "CREATE TABLE symbols (symbol_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, file_id TEXT NOT NULL,"
    " version_id TEXT NOT NULL, git_commit_hash TEXT, name TEXT NOT NULL, qualified_name TEXT, kind TEXT NOT NULL,"
    " start_line INTEGER NOT NULL, start_column INTEGER NOT NULL, end_line INTEGER NOT NULL,"
    " end_column INTEGER NOT NULL, signature TEXT, documentation TEXT, visibility TEXT,"
    " modifiers TEXT /* TEXT[] in the DuckDB seed: a JSON array here */,"
    " indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, confidence DOUBLE DEFAULT 1.0,"
    " FOREIGN KEY (workspace_id) REFERENCES workspaces(workspace_id) ON DELETE CASCADE,"
    " FOREIGN KEY (file_id) REFERENCES files(file_id) ON DELETE CASCADE,"
    " FOREIGN KEY (version_id) REFERENCES file_versions(version_id) ON DELETE CASCADE);"
    "CREATE INDEX idx_symbols_workspace_current ON symbols(workspace_id, git_commit_hash, indexed_at DESC);"
    "CREATE INDEX idx_symbols_file_time ON symbols(file_id, indexed_at DESC);"
    "CREATE INDEX idx_symbols_name ON symbols(workspace_id, name);"
    "CREATE INDEX idx_symbols_kind ON symbols(workspace_id, kind);"
    "CREATE INDEX idx_symbols_qualified_name ON symbols(workspace_id, qualified_name);"
    "CREATE TABLE symbol_hierarchy (hierarchy_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL,"
    " parent_symbol_id TEXT NOT NULL, child_symbol_id TEXT NOT NULL, git_commit_hash TEXT,"
    " relationship_type TEXT DEFAULT 'contains', indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
    " UNIQUE (parent_symbol_id, child_symbol_id, git_commit_hash));"
    "CREATE INDEX idx_hierarchy_parent ON symbol_hierarchy(parent_symbol_id);"
    "CREATE INDEX idx_hierarchy_child ON symbol_hierarchy(child_symbol_id);"
    "CREATE INDEX idx_hierarchy_workspace ON symbol_hierarchy(workspace_id, git_commit_hash, indexed_at DESC);"
    "CREATE TABLE symbol_references (reference_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL,"
    " source_symbol_id TEXT NOT NULL, target_symbol_id TEXT NOT NULL, file_id TEXT NOT NULL,"
    " version_id TEXT NOT NULL, git_commit_hash TEXT, ref_line INTEGER NOT NULL, ref_column INTEGER NOT NULL,"
    " ref_end_line INTEGER, ref_end_column INTEGER, reference_kind TEXT DEFAULT 'use',"
    " is_definition BOOLEAN DEFAULT FALSE, is_declaration BOOLEAN DEFAULT FALSE,"
    " indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
    "CREATE INDEX idx_references_source ON symbol_references(source_symbol_id);"
    "CREATE INDEX idx_references_target ON symbol_references(target_symbol_id);"
    "CREATE INDEX idx_references_file ON symbol_references(file_id, version_id);"
    "CREATE INDEX idx_references_workspace ON symbol_references(workspace_id, git_commit_hash, indexed_at DESC);"
    "CREATE TABLE call_graph (call_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL,"
    " caller_symbol_id TEXT NOT NULL, callee_symbol_id TEXT NOT NULL, file_id TEXT NOT NULL,"
    " version_id TEXT NOT NULL, git_commit_hash TEXT, call_line INTEGER NOT NULL, call_column INTEGER NOT NULL,"
    " call_type TEXT DEFAULT 'direct', argument_count INTEGER, is_recursive BOOLEAN DEFAULT FALSE,"
    " indexed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
    "CREATE INDEX idx_call_graph_caller ON call_graph(caller_symbol_id);"
    "CREATE INDEX idx_call_graph_callee ON call_graph(callee_symbol_id);"
    "CREATE INDEX idx_call_graph_workspace ON call_graph(workspace_id, git_commit_hash, indexed_at DESC);";

static sqlite3 *SQ;
#define SQCK(x) do { int rc_ = (x); if (rc_ != SQLITE_OK && rc_ != SQLITE_DONE && rc_ != SQLITE_ROW) \
    die("sqlite: %s: %s (line %d)", #x, sqlite3_errmsg(SQ), __LINE__); } while (0)

static sqlite3_stmt *prep(const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(SQ, sql, -1, &s, NULL) != SQLITE_OK) die("prepare %s: %s", sql, sqlite3_errmsg(SQ));
    return s;
}
static void step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT) die("sqlite step: %s", sqlite3_errmsg(SQ));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}
static void bt(sqlite3_stmt *s, int i, const char *v)
{
    if (v) sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC); else sqlite3_bind_null(s, i);
}

/* name -> symbol id text of its best definition (function definitions first) */
struct nm { const char *name; char id[33]; int rank; };
static struct nm *nmap; static size_t nmap_cap, nmap_used;
/* The slot of `name`; an empty slot returned is counted as used (every
 * caller fills it). Grows at half load. */
static size_t nm_slot(const char *name)
{
    if (2 * (nmap_used + 1) > nmap_cap) {
        size_t ocap = nmap_cap;
        struct nm *old = nmap;
        nmap_cap = ocap ? 2 * ocap : 1024;
        if (!(nmap = calloc(nmap_cap, sizeof *nmap))) die("out of memory");
        for (size_t i = 0; i < ocap; i++) {
            if (!old[i].name) continue;
            size_t h = (size_t)XXH3_64bits(old[i].name, strlen(old[i].name)) & (nmap_cap - 1);
            while (nmap[h].name) h = (h + 1) & (nmap_cap - 1);
            nmap[h] = old[i];
        }
        free(old);
    }
    size_t h = (size_t)XXH3_64bits(name, strlen(name)) & (nmap_cap - 1);
    while (nmap[h].name && strcmp(nmap[h].name, name) != 0) h = (h + 1) & (nmap_cap - 1);
    if (!nmap[h].name) nmap_used++;
    return h;
}

static void sym_key(char out[33], uint64_t fv, uint64_t id)
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)fv, (unsigned long long)id);
}

static void ingest_sqlite(const char *work)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s-seed.sqlite", work, TIER);
    unlink(path);
    struct file *F = files.p;
    /* the seed's rows reference symbol ids: names are resolved while loading
     * (nm_slot), inside the timed part, as an indexer writing them must */
    double t0 = now_us();
    if (sqlite3_open(path, &SQ) != SQLITE_OK) die("sqlite open %s", path);
    SQCK(sqlite3_exec(SQ, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", 0, 0, 0));
    SQCK(sqlite3_exec(SQ, seed_schema, 0, 0, 0));
    for (size_t i = 0; i < files.n; i++)
        for (size_t k = 0; k < F[i].syms.n; k++) {
            const lmkv_symbol *s = (const lmkv_symbol *)F[i].syms.p + k;
            size_t h = nm_slot(s->name);
            int rank = s->kind == LMKV_SK_FUNCTION ? 2 : 1;
            if (!nmap[h].name || rank > nmap[h].rank) {
                nmap[h].name = s->name; nmap[h].rank = rank;
                sym_key(nmap[h].id, F[i].fv.id, s->id);
            }
        }
    char wsid[17];
    snprintf(wsid, sizeof wsid, "%016llx", (unsigned long long)WS);
    sqlite3_stmt *ws = prep("INSERT INTO workspaces(workspace_id, root_path, name, is_git_repo, current_commit) VALUES (?,?,?,?,?)");
    sqlite3_stmt *fi = prep("INSERT INTO files(file_id, workspace_id, relative_path, absolute_path, language) VALUES (?,?,?,?,?)");
    sqlite3_stmt *fvs = prep("INSERT INTO file_versions(version_id, file_id, content_hash, git_commit_hash, size_bytes, line_count, last_modified) VALUES (?,?,?,?,?,?,?)");
    sqlite3_stmt *sy = prep("INSERT OR IGNORE INTO symbols(symbol_id, workspace_id, file_id, version_id, git_commit_hash, name, qualified_name, kind,"
                            " start_line, start_column, end_line, end_column, signature, documentation, visibility, modifiers, confidence)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_stmt *cg = prep("INSERT OR IGNORE INTO call_graph(call_id, workspace_id, caller_symbol_id, callee_symbol_id, file_id, version_id,"
                            " git_commit_hash, call_line, call_column, call_type, argument_count, is_recursive) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_stmt *rf = prep("INSERT OR IGNORE INTO symbol_references(reference_id, workspace_id, source_symbol_id, target_symbol_id, file_id,"
                            " version_id, git_commit_hash, ref_line, ref_column, ref_end_line, ref_end_column, reference_kind,"
                            " is_definition, is_declaration) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_stmt *hi = prep("INSERT OR IGNORE INTO symbol_hierarchy(hierarchy_id, workspace_id, parent_symbol_id, child_symbol_id,"
                            " git_commit_hash, relationship_type) VALUES (?,?,?,?,?,?)");
    sqlite3_stmt *ext = prep("INSERT OR IGNORE INTO symbols(symbol_id, workspace_id, file_id, version_id, name, kind,"
                             " start_line, start_column, end_line, end_column) VALUES (?,?,'<external>','<external>',?,'external',0,0,0,0)");
    SQCK(sqlite3_exec(SQ, "BEGIN", 0, 0, 0));
    bt(ws, 1, wsid); bt(ws, 2, WSREC.root_path); bt(ws, 3, WSREC.name ? WSREC.name : WSREC.root_path);
    sqlite3_bind_int(ws, 4, WSREC.is_git); bt(ws, 5, WSREC.current_commit);
    step_done(ws);
    size_t txns = 1, nrows = 0;
    char buf[4600], fid[4200], vid[4300], k1[33], k2[80], k3[33];
    for (size_t i = 0; i < files.n; i++) {
        if (i && i % 64 == 0) {
            SQCK(sqlite3_exec(SQ, "COMMIT; BEGIN", 0, 0, 0));
            txns++;
        }
        const lmkv_file_version *v = &F[i].fv;
        snprintf(fid, sizeof fid, "%s:%s", wsid, v->path);
        snprintf(vid, sizeof vid, "%s:%016llx", fid, (unsigned long long)v->content_hash);
        snprintf(buf, sizeof buf, "%s/%s", WSREC.root_path, v->path);
        bt(fi, 1, fid); bt(fi, 2, wsid); bt(fi, 3, v->path); bt(fi, 4, buf); bt(fi, 5, v->language);
        step_done(fi);
        char ch[17];
        snprintf(ch, sizeof ch, "%016llx", (unsigned long long)v->content_hash);
        bt(fvs, 1, vid); bt(fvs, 2, fid); bt(fvs, 3, ch); bt(fvs, 4, NULL);
        sqlite3_bind_int64(fvs, 5, (sqlite3_int64)v->size_bytes); sqlite3_bind_int64(fvs, 6, v->line_count);
        sqlite3_bind_int64(fvs, 7, v->mtime_ns);
        step_done(fvs);
        nrows += 2;
        for (size_t k = 0; k < F[i].syms.n; k++) {
            const lmkv_symbol *s = (const lmkv_symbol *)F[i].syms.p + k;
            sym_key(k1, v->id, s->id);
            char mods[512] = "";
            if (s->modifiers.count) {
                size_t o = 0;
                o += (size_t)snprintf(mods + o, sizeof mods - o, "[");
                for (uint32_t m = 0; m < s->modifiers.count && o < sizeof mods; m++)
                    o += (size_t)snprintf(mods + o, sizeof mods - o, "%s\"%s\"", m ? "," : "", s->modifiers.items[m]);
                if (o < sizeof mods) snprintf(mods + o, sizeof mods - o, "]");
            }
            bt(sy, 1, k1); bt(sy, 2, wsid); bt(sy, 3, fid); bt(sy, 4, vid); bt(sy, 5, NULL);
            bt(sy, 6, s->name); bt(sy, 7, s->qualified_name); bt(sy, 8, lmkv_symbol_kind_name(s->kind));
            sqlite3_bind_int(sy, 9, (int)s->start_line); sqlite3_bind_int(sy, 10, (int)s->start_column);
            sqlite3_bind_int(sy, 11, (int)s->end_line); sqlite3_bind_int(sy, 12, (int)s->end_column);
            bt(sy, 13, s->signature); bt(sy, 14, s->documentation); bt(sy, 15, s->visibility);
            bt(sy, 16, *mods ? mods : NULL); sqlite3_bind_double(sy, 17, s->confidence);
            step_done(sy);
            nrows++;
        }
        for (size_t k = 0; k < F[i].calls.n; k++) {
            const lmkv_call *c = (const lmkv_call *)F[i].calls.p + k;
            /* + the ordinal: cflow may report one call site twice (macros), and lmkv keeps both */
            snprintf(k2, sizeof k2, "%016llx%016llx.%zu", (unsigned long long)v->id, (unsigned long long)c->id, k);
            sym_key(k1, v->id, c->caller_id);
            size_t h = nm_slot(c->callee_name);
            if (!nmap[h].name) { /* external callee (libc...): one placeholder symbol per name */
                nmap[h].name = c->callee_name; nmap[h].rank = 0;
                snprintf(nmap[h].id, sizeof nmap[h].id, "x%016llx", (unsigned long long)XXH3_64bits(c->callee_name, strlen(c->callee_name)));
            }
            if (nmap[h].rank == 0) {
                bt(ext, 1, nmap[h].id); bt(ext, 2, wsid); bt(ext, 3, c->callee_name);
                step_done(ext);
                nmap[h].rank = -1;
            }
            bt(cg, 1, k2); bt(cg, 2, wsid); bt(cg, 3, k1); bt(cg, 4, nmap[h].id); bt(cg, 5, fid); bt(cg, 6, vid);
            bt(cg, 7, NULL); sqlite3_bind_int(cg, 8, (int)c->line); sqlite3_bind_int(cg, 9, (int)c->column);
            bt(cg, 10, lmkv_call_type_name(c->call_type)); sqlite3_bind_int(cg, 11, c->argument_count);
            sqlite3_bind_int(cg, 12, c->is_recursive);
            step_done(cg);
            nrows++;
        }
        for (size_t k = 0; k < F[i].refs.n; k++) {
            const lmkv_reference *r = (const lmkv_reference *)F[i].refs.p + k;
            snprintf(k2, sizeof k2, "%016llx%016llx.%zu", (unsigned long long)v->id, (unsigned long long)r->id, k);
            sym_key(k1, v->id, r->source_id);
            size_t h = nm_slot(r->target_name);
            if (!nmap[h].name) {
                nmap[h].name = r->target_name; nmap[h].rank = 0;
                snprintf(nmap[h].id, sizeof nmap[h].id, "x%016llx", (unsigned long long)XXH3_64bits(r->target_name, strlen(r->target_name)));
            }
            if (nmap[h].rank == 0) {
                bt(ext, 1, nmap[h].id); bt(ext, 2, wsid); bt(ext, 3, r->target_name);
                step_done(ext);
                nmap[h].rank = -1;
            }
            bt(rf, 1, k2); bt(rf, 2, wsid); bt(rf, 3, k1); bt(rf, 4, nmap[h].id); bt(rf, 5, fid); bt(rf, 6, vid);
            bt(rf, 7, NULL); sqlite3_bind_int(rf, 8, (int)r->start_line); sqlite3_bind_int(rf, 9, (int)r->start_column);
            sqlite3_bind_int(rf, 10, (int)r->end_line); sqlite3_bind_int(rf, 11, (int)r->end_column);
            bt(rf, 12, lmkv_reference_kind_name(r->kind)); sqlite3_bind_int(rf, 13, r->is_definition);
            sqlite3_bind_int(rf, 14, r->is_declaration);
            step_done(rf);
            nrows++;
        }
        for (size_t k = 0; k < F[i].hier.n; k++) {
            const lmkv_hierarchy *e = (const lmkv_hierarchy *)F[i].hier.p + k;
            sym_key(k1, v->id, e->parent_id);
            sym_key(k3, v->id, e->child_id);
            snprintf(k2, sizeof k2, "%.32s%.32s", k1, k3);
            bt(hi, 1, k2); bt(hi, 2, wsid); bt(hi, 3, k1); bt(hi, 4, k3); bt(hi, 5, NULL);
            bt(hi, 6, lmkv_hierarchy_kind_name(e->kind));
            step_done(hi);
            nrows++;
        }
    }
    SQCK(sqlite3_exec(SQ, "COMMIT", 0, 0, 0));
    double ms = (now_us() - t0) / 1e3;
    sqlite3_stmt *all[] = {ws, fi, fvs, sy, cg, rf, hi, ext};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) sqlite3_finalize(all[i]);
    SQCK(sqlite3_exec(SQ, "PRAGMA wal_checkpoint(TRUNCATE)", 0, 0, 0));
    put("sqlite_store_ms", "%.1f", ms);
    put("sqlite_store_txns", "%zu", txns);
    put("sqlite_rows", "%zu", nrows);
    char wal[4300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    put("sqlite_bytes", "%llu", file_bytes(path) + file_bytes(wal));
}

/* ----------------------------------------------------------- 2. queries */

/* A small string set (names seen by a walk). */
struct sset { const char **k; size_t cap, n; };
static void ss_init(struct sset *s) { s->cap = 256; s->n = 0; s->k = calloc(s->cap, sizeof *s->k); if (!s->k) die("oom"); }
static int ss_add(struct sset *s, const char *name) /* 1 if new; copies */
{
    if (2 * (s->n + 1) > s->cap) {
        struct sset t = {calloc(s->cap * 2, sizeof *s->k), s->cap * 2, 0};
        if (!t.k) die("oom");
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->k[i]) continue;
            size_t h = XXH3_64bits(s->k[i], strlen(s->k[i])) & (t.cap - 1);
            while (t.k[h]) h = (h + 1) & (t.cap - 1);
            t.k[h] = s->k[i];
            t.n++;
        }
        free(s->k); *s = t;
    }
    size_t h = XXH3_64bits(name, strlen(name)) & (s->cap - 1);
    while (s->k[h]) { if (strcmp(s->k[h], name) == 0) return 0; h = (h + 1) & (s->cap - 1); }
    s->k[h] = strdup(name);
    if (!s->k[h]) die("oom");
    s->n++;
    return 1;
}
static void ss_free(struct sset *s) { for (size_t i = 0; i < s->cap; i++) free((void *)s->k[i]); free(s->k); s->k = NULL; }

/* frontier list of names */
struct names { char **v; size_t n, cap; };
static void nm_push(struct names *l, const char *s)
{
    if (l->n == l->cap) { l->cap = l->cap ? 2 * l->cap : 64; l->v = realloc(l->v, l->cap * sizeof *l->v); if (!l->v) die("oom"); }
    l->v[l->n++] = strdup(s);
}
static void nm_clear(struct names *l) { for (size_t i = 0; i < l->n; i++) free(l->v[i]); l->n = 0; }

/* lmkv side */
static lmkv_store_txn *QT;
static size_t cnt;
static int count_sym(void *c, const lmkv_symbol *s) { (void)c; (void)s; cnt++; return 0; }
static int count_call(void *c, const lmkv_call *x) { (void)c; (void)x; cnt++; return 0; }
static int count_ref(void *c, const lmkv_reference *x) { (void)c; (void)x; cnt++; return 0; }
static int nf_ok(int rc) { return rc == LMKV_OK || rc == LMKV_NOTFOUND; }

static size_t lk_point(const char *n)
{
    cnt = 0;
    if (!nf_ok(lmkv_store_symbols_by_name(QT, WS, n, strlen(n), 0, count_sym, NULL))) die("symbols_by_name");
    return cnt;
}
static size_t lk_callers(const char *n)
{
    cnt = 0;
    if (!nf_ok(lmkv_store_calls_to(QT, WS, n, strlen(n), 0, count_call, NULL))) die("calls_to");
    return cnt;
}
static size_t lk_callees(const char *n)
{
    cnt = 0;
    if (!nf_ok(lmkv_store_calls_by_caller(QT, WS, n, strlen(n), 0, count_call, NULL))) die("calls_by_caller");
    return cnt;
}
static size_t lk_refs(const char *n)
{
    cnt = 0;
    if (!nf_ok(lmkv_store_refs_to(QT, WS, n, strlen(n), 0, count_ref, NULL))) die("refs_to");
    return cnt;
}
static struct sset *WSEEN; static struct names *WNEXT;
static int walk_call_caller(void *c, const lmkv_call *x) { (void)c; if (x->caller_name && *x->caller_name && ss_add(WSEEN, x->caller_name)) nm_push(WNEXT, x->caller_name); return 0; }
static int walk_ref_source(void *c, const lmkv_reference *x) { (void)c; if (x->source_name && *x->source_name && ss_add(WSEEN, x->source_name)) nm_push(WNEXT, x->source_name); return 0; }
static int walk_call_callee(void *c, const lmkv_call *x) { (void)c; if (x->callee_name && ss_add(WSEEN, x->callee_name)) nm_push(WNEXT, x->callee_name); return 0; }
static const char *TARGET; static int FOUND;

/* Breadth-first walks, the same on both engines. impact: callers and
 * referrers up to depth 3 (answer: distinct names, the start excluded);
 * path: callees from `from` until `to` is reached (answer: length, 0 none). */
typedef void (*expand_fn)(const char *name, int dir);
static size_t walk(const char *start, int dir, unsigned depth, expand_fn ex, const char *to)
{
    struct sset seen; struct names cur = {0}, next = {0};
    ss_init(&seen); ss_add(&seen, start); nm_push(&cur, start);
    WSEEN = &seen; WNEXT = &next; TARGET = to; FOUND = 0;
    size_t ans = 0;
    for (unsigned d = 1; d <= depth && cur.n; d++) {
        for (size_t i = 0; i < cur.n; i++) ex(cur.v[i], dir);
        if (to) {
            for (size_t i = 0; i < next.n; i++) if (strcmp(next.v[i], to) == 0) { ans = d; break; }
            if (ans) break;
        }
        nm_clear(&cur);
        struct names t = cur; cur = next; next = t;
        WNEXT = &next;
    }
    if (!to) ans = seen.n - 1;
    nm_clear(&cur); nm_clear(&next); free(cur.v); free(next.v); ss_free(&seen);
    return ans;
}
static void lk_expand(const char *n, int dir)
{
    int rc;
    if (dir == 0) {
        rc = lmkv_store_calls_to(QT, WS, n, strlen(n), 0, walk_call_caller, NULL);
        if (!nf_ok(rc)) die("calls_to");
        rc = lmkv_store_refs_to(QT, WS, n, strlen(n), 0, walk_ref_source, NULL);
        if (!nf_ok(rc)) die("refs_to");
    } else {
        rc = lmkv_store_calls_by_caller(QT, WS, n, strlen(n), 0, walk_call_callee, NULL);
        if (!nf_ok(rc)) die("calls_by_caller");
    }
}

/* SQLite side: the seed schema joins through symbol ids */
static sqlite3_stmt *Q_point, *Q_callers, *Q_callees, *Q_refs;
static char WSID[17];
static size_t sq_run(sqlite3_stmt *s, const char *n, void (*row)(sqlite3_stmt *))
{
    size_t k = 0;
    sqlite3_bind_text(s, 1, WSID, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, n, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) { k++; if (row) row(s); }
    if (rc != SQLITE_DONE) die("sqlite query: %s", sqlite3_errmsg(SQ));
    sqlite3_reset(s);
    return k;
}
static size_t sq_point(const char *n) { return sq_run(Q_point, n, NULL); }
static size_t sq_callers(const char *n) { return sq_run(Q_callers, n, NULL); }
static size_t sq_callees(const char *n) { return sq_run(Q_callees, n, NULL); }
static size_t sq_refs(const char *n) { return sq_run(Q_refs, n, NULL); }
static void sq_row_name(sqlite3_stmt *s)
{
    const char *v = (const char *)sqlite3_column_text(s, 0);
    if (v && *v && ss_add(WSEEN, v)) nm_push(WNEXT, v);
}
static void sq_expand(const char *n, int dir)
{
    if (dir == 0) { sq_run(Q_callers, n, sq_row_name); sq_run(Q_refs, n, sq_row_name); }
    else sq_run(Q_callees, n, sq_row_name);
}

static lmkv_store *QST;
static void lk_begin(void) { if (lmkv_store_txn_renew(QT) != LMKV_OK) die("renew"); }
static void lk_end(void) { lmkv_store_txn_reset(QT); }

/* the sample: defined function names that are called, every k-th in name order */
static int scmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct qdef { const char *name; size_t (*lk)(const char *); size_t (*sq)(const char *); };

static void queries(int quick)
{
    CK(lmkv_store_txn_begin(&QT, QST));
    lmkv_store_txn_reset(QT);
    snprintf(WSID, sizeof WSID, "%016llx", (unsigned long long)WS);
    Q_point = prep("SELECT s.symbol_id, s.file_id, s.start_line FROM symbols s WHERE s.workspace_id = ?1 AND s.name = ?2");
    Q_callers = prep("SELECT caller.name, cg.file_id, cg.call_line FROM symbols callee"
                     " JOIN call_graph cg ON cg.callee_symbol_id = callee.symbol_id"
                     " LEFT JOIN symbols caller ON caller.symbol_id = cg.caller_symbol_id"
                     " WHERE callee.workspace_id = ?1 AND callee.name = ?2");
    Q_callees = prep("SELECT callee.name, cg.file_id, cg.call_line FROM symbols caller"
                     " JOIN call_graph cg ON cg.caller_symbol_id = caller.symbol_id"
                     " JOIN symbols callee ON callee.symbol_id = cg.callee_symbol_id"
                     " WHERE caller.workspace_id = ?1 AND caller.name = ?2");
    Q_refs = prep("SELECT src.name, sr.file_id, sr.ref_line FROM symbols target"
                  " JOIN symbol_references sr ON sr.target_symbol_id = target.symbol_id"
                  " LEFT JOIN symbols src ON src.symbol_id = sr.source_symbol_id"
                  " WHERE target.workspace_id = ?1 AND target.name = ?2");

    /* candidate names: function definitions that are called somewhere */
    struct sset called; ss_init(&called);
    struct file *F = files.p;
    for (size_t i = 0; i < files.n; i++)
        for (size_t k = 0; k < F[i].calls.n; k++) ss_add(&called, ((lmkv_call *)F[i].calls.p)[k].callee_name);
    struct sset cand; ss_init(&cand);
    for (size_t i = 0; i < files.n; i++)
        for (size_t k = 0; k < F[i].syms.n; k++) {
            const lmkv_symbol *s = (const lmkv_symbol *)F[i].syms.p + k;
            if (s->kind != LMKV_SK_FUNCTION) continue;
            size_t h = XXH3_64bits(s->name, strlen(s->name)) & (called.cap - 1);
            int hit = 0;
            while (called.k[h]) { if (strcmp(called.k[h], s->name) == 0) { hit = 1; break; } h = (h + 1) & (called.cap - 1); }
            if (hit) ss_add(&cand, s->name);
        }
    char **names = malloc((cand.n + 1) * sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < cand.cap; i++) if (cand.k[i]) names[nn++] = (char *)cand.k[i];
    qsort(names, nn, sizeof *names, scmp);
    size_t want = quick ? 60 : 300, step = nn > want ? nn / want : 1, ns = 0;
    const char **sample = malloc((want + 1) * sizeof *sample);
    for (size_t i = 0; i < nn && ns < want; i += step) sample[ns++] = names[i];
    put("sample_names", "%zu", ns);
    put("candidate_names", "%zu", nn);

    struct qdef qs[] = {{"point", lk_point, sq_point}, {"callers", lk_callers, sq_callers},
                        {"callees", lk_callees, sq_callees}, {"refs", lk_refs, sq_refs}};
    double *tl = malloc(ns * sizeof *tl), *ts = malloc(ns * sizeof *ts);
    for (size_t q = 0; q < sizeof qs / sizeof *qs; q++) {
        size_t mism = 0, ans = 0;
        for (int round = 0; round < 2; round++) /* round 0 warms both caches */
            for (size_t i = 0; i < ns; i++) {
                double t0 = now_us();
                lk_begin();
                size_t a = qs[q].lk(sample[i]);
                lk_end();
                double t1 = now_us();
                size_t b = qs[q].sq(sample[i]);
                double t2 = now_us();
                if (round) { tl[i] = t1 - t0; ts[i] = t2 - t1; ans += a; mism += a != b; }
                if (round && a != b && getenv("LADDER_DEBUG"))
                    fprintf(stderr, "ladder: %s %s: lmkv %zu rows, SQLite %zu\n", qs[q].name, sample[i], a, b);
            }
        put(qs[q].name, "%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%zu\t%zu", pct(tl, ns, .5), pct(tl, ns, .99),
            pct(ts, ns, .5), pct(ts, ns, .99), (double)ans / (double)(ns ? ns : 1), ns, mism);
    }
    /* impact depth 3 */
    {
        size_t mism = 0, ans = 0, m = quick ? ns / 3 : ns / 2;
        for (int round = 0; round < 2; round++)
            for (size_t i = 0; i < m; i++) {
                double t0 = now_us();
                lk_begin();
                size_t a = walk(sample[i * ns / (m ? m : 1)], 0, 3, lk_expand, NULL);
                lk_end();
                double t1 = now_us();
                size_t b = walk(sample[i * ns / (m ? m : 1)], 0, 3, sq_expand, NULL);
                double t2 = now_us();
                if (round) { tl[i] = t1 - t0; ts[i] = t2 - t1; ans += a; mism += a != b; }
            }
        put("impact3", "%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%zu\t%zu", pct(tl, m, .5), pct(tl, m, .99),
            pct(ts, m, .5), pct(ts, m, .99), (double)ans / (double)(m ? m : 1), m, mism);
    }
    /* paths: from a sampled name to a name 2..3 calls away (found on lmkv) */
    {
        size_t np = 0, mism = 0, ans = 0;
        const char **from = malloc(ns * sizeof *from);
        char **to = malloc(ns * sizeof *to);
        for (size_t i = 0; i < ns && np < (quick ? 30 : 150); i++) {
            /* the first name first reached at the deepest level (<= 3) */
            struct sset seen; struct names cur = {0}, next = {0};
            ss_init(&seen); ss_add(&seen, sample[i]); nm_push(&cur, sample[i]);
            WSEEN = &seen; WNEXT = &next;
            char *last = NULL; unsigned lastd = 0;
            lk_begin();
            for (unsigned d = 1; d <= 3 && cur.n; d++) {
                for (size_t k = 0; k < cur.n; k++) lk_expand(cur.v[k], 1);
                if (next.n) { free(last); last = strdup(next.v[0]); lastd = d; }
                nm_clear(&cur);
                struct names t = cur; cur = next; next = t; WNEXT = &next;
            }
            lk_end();
            nm_clear(&cur); nm_clear(&next); free(cur.v); free(next.v); ss_free(&seen);
            if (last && lastd >= 2) { from[np] = sample[i]; to[np++] = last; } else free(last);
        }
        for (int round = 0; round < 2; round++)
            for (size_t i = 0; i < np; i++) {
                double t0 = now_us();
                lk_begin();
                size_t a = walk(from[i], 1, 3, lk_expand, to[i]);
                lk_end();
                double t1 = now_us();
                size_t b = walk(from[i], 1, 3, sq_expand, to[i]);
                double t2 = now_us();
                if (round) { tl[i] = t1 - t0; ts[i] = t2 - t1; ans += a; mism += a != b; }
            }
        put("paths3", "%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%zu\t%zu", pct(tl, np, .5), pct(tl, np, .99),
            pct(ts, np, .5), pct(ts, np, .99), (double)ans / (double)(np ? np : 1), np, mism);
        for (size_t i = 0; i < np; i++) free(to[i]);
        free(from); free(to);
    }
    free(tl); free(ts); free(sample); free(names);
    ss_free(&cand); ss_free(&called);
    sqlite3_finalize(Q_point); sqlite3_finalize(Q_callers); sqlite3_finalize(Q_callees); sqlite3_finalize(Q_refs);
    lmkv_store_txn_end(QT);
    QT = NULL;
}

/* ------------------------------------------------------ 3. update latency */

struct replay { struct file *f; const char *newfn; const char *callee; };
static int replay_analyser(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    (void)path; (void)content; (void)len;
    struct replay *r = ctx;
    struct file *f = r->f;
    for (size_t i = 0; i < f->syms.n; i++) {
        const lmkv_symbol *s = (const lmkv_symbol *)f->syms.p + i;
        struct lmkv_analysis_symbol as = {
            .name = s->name, .qualified_name = s->qualified_name, .kind = (int)s->kind,
            .signature = s->signature, .parent = s->parent_name, .line = s->start_line,
            .column = s->start_column, .end_line = s->end_line, .end_column = s->end_column,
            .flags = LMKV_ANALYSIS_SYM_DEFINITION};
        int rc = lmkv_analysis_add_symbol(a, &as);
        if (rc != LMKV_OK) { as.parent = NULL; rc = lmkv_analysis_add_symbol(a, &as); }
        if (rc != LMKV_OK) return rc;
    }
    struct lmkv_analysis_symbol ns = {.name = r->newfn, .kind = LMKV_SK_FUNCTION, .signature = "(void)",
                                      .line = 1000000, .column = 1, .end_line = 1000003,
                                      .flags = LMKV_ANALYSIS_SYM_DEFINITION};
    int rc = lmkv_analysis_add_symbol(a, &ns);
    if (rc != LMKV_OK) return rc;
    for (size_t i = 0; i < f->calls.n; i++) {
        const lmkv_call *c = (const lmkv_call *)f->calls.p + i;
        struct lmkv_analysis_call ac = {.caller = c->caller_name, .callee = c->callee_name, .line = c->line,
                                        .column = c->column, .call_type = (int)c->call_type,
                                        .argument_count = c->argument_count};
        if ((rc = lmkv_analysis_add_call(a, &ac)) != LMKV_OK) return rc;
    }
    struct lmkv_analysis_call nc = {.caller = r->newfn, .callee = r->callee, .line = 1000001, .column = 9,
                                    .argument_count = 0};
    if ((rc = lmkv_analysis_add_call(a, &nc)) != LMKV_OK) return rc;
    for (size_t i = 0; i < f->refs.n; i++) {
        const lmkv_reference *x = (const lmkv_reference *)f->refs.p + i;
        struct lmkv_analysis_reference ar = {.name = x->target_name, .from = x->source_name, .kind = (int)x->kind,
                                             .line = x->start_line, .column = x->start_column};
        if ((rc = lmkv_analysis_add_reference(a, &ar)) != LMKV_OK) return rc;
    }
    return LMKV_OK;
}

struct seek { const char *name; int hit; };
static int seek_caller(void *ctx, const lmkv_call *c)
{
    struct seek *k = ctx;
    if (c->caller_name && strcmp(c->caller_name, k->name) == 0) { k->hit = 1; return 1; }
    return 0;
}

static int c_or_h(const char *path, void *ctx)
{
    (void)ctx;
    size_t n = strlen(path);
    return n > 2 && path[n - 2] == '.' && (path[n - 1] == 'c' || path[n - 1] == 'h');
}

/* The storage work of one update (a function of its own, so that
 * `valgrind --tool=callgrind --toggle-collect=update_store` counts it alone). */
static __attribute__((noinline)) void update_store(lmkv_worktree *wt, const char *p, struct file *f,
                                                   const char *fn, const char *callee, unsigned flags)
{
    struct lmkv_index_options io;
    memset(&io, 0, sizeof io);
    io.flags = flags;
    io.filter = c_or_h;
    io.analyser_id = "ladder-replay";
    lmkv_index_session *s;
    CK(lmkv_index_session_begin(&s, wt, &io));
    const char *ch[1] = {p};
    CK(lmkv_index_session_set_plan(s, ch, 1, NULL, 0, NULL, 0));
    struct replay rp = {f, fn, callee};
    struct lmkv_index_report rep;
    CK(lmkv_index_session_run(&rep, s, replay_analyser, &rp));
    if (rep.analysed != 1) die("update of %s: analysed %zu, failed %zu", p, rep.analysed, rep.failed);
    lmkv_index_report_clear(&rep);
    lmkv_index_session_free(s);
}

static int REPS; /* ladder update: repetitions per edit (0: the tier's default) */

static void updates(const char *root, const char *edits, int quick)
{
    lmkv_worktree *wt;
    CK(lmkv_worktree_open(&wt, QST, root, LMKV_WORKTREE_NO_GIT));
    char *list = strdup(edits), *save = NULL;
    for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        struct file *f = NULL;
        for (size_t i = 0; i < files.n; i++)
            if (strcmp(((struct file *)files.p)[i].fv.path, p) == 0) f = (struct file *)files.p + i;
        if (!f) die("edit path %s is not in the current state", p);
        size_t recs = f->syms.n + f->calls.n + f->refs.n;
        /* callee of the new function: the first call's callee, else a libc name */
        const char *callee = f->calls.n ? ((lmkv_call *)f->calls.p)[0].callee_name : "memcpy";
        int reps = quick ? 6 : 30;
        if (recs > 20000) reps = quick ? 3 : 8; /* an amalgamation: seconds per edit */
        if (REPS > 0) reps = REPS;
        double *lat = malloc((size_t)reps * sizeof *lat), *st = malloc((size_t)reps * sizeof *st);
        double *cpu = malloc((size_t)reps * sizeof *cpu);
        char full[4200], fn[64];
        snprintf(full, sizeof full, "%s/%s", root, p);
        lmkv_store_txn *t;
        CK(lmkv_store_txn_begin(&t, QST));
        lmkv_store_txn_reset(t);
        for (int r = 0; r < reps; r++) {
            snprintf(fn, sizeof fn, "ladder_edit_%d_%d", (int)getpid(), r);
            FILE *o = fopen(full, "a");
            if (!o) die("open %s: %s", full, strerror(errno));
            fprintf(o, "\nint\n%s(void)\n{\n\treturn %s(0);\n}\n", fn, callee);
            fclose(o);
            /* saved: from here to a query that sees the new function */
            double t0 = now_us(), c0 = cpu_us();
            update_store(wt, p, f, fn, callee, 0);
            double t1 = now_us();
            cpu[r] = (cpu_us() - c0) / 1e3;
            CK(lmkv_store_txn_renew(t));
            struct seek k = {fn, 0};
            int rc = lmkv_store_calls_to(t, WS, callee, strlen(callee), 0, seek_caller, &k);
            lmkv_store_txn_reset(t);
            if (!nf_ok(rc) || !k.hit) die("after re-indexing %s the new caller %s is not visible", p, fn);
            double t2 = now_us();
            lat[r] = (t2 - t0) / 1e3;
            st[r] = (t1 - t0) / 1e3;
        }
        lmkv_store_txn_end(t);
        put("update", "%s\t%zu\t%d\t%.2f\t%.2f\t%.2f\t%.2f", p, recs, reps, pct(st, (size_t)reps, .5),
            pct(st, (size_t)reps, .99), pct(lat, (size_t)reps, .5), pct(lat, (size_t)reps, .99));
        /* the storage work's CPU time (this process), apart from waiting on
         * the disk: what a loaded machine disturbs least */
        put("update_cpu", "%s\t%.2f\t%.2f", p, pct(cpu, (size_t)reps, .5), pct(cpu, (size_t)reps, .99));
        /* The same version analysed again (LMKV_INDEX_FULL, the file as the
         * last edit left it): put_file over the stored version writes what
         * differs ("reput"), side by side in this run with a full rewrite of
         * it (its removal, untimed, then the same session: "rewrite"). */
        for (int mode = 0; mode < 2; mode++) {
            for (int r = 0; r < reps; r++) {
                if (mode == 1) {
                    lmkv_store_txn *q;
                    uint64_t cfv;
                    CK(lmkv_store_txn_begin(&q, QST));
                    CK(lmkv_store_latest_get(&cfv, q, WS, p, strlen(p)));
                    lmkv_store_txn_end(q);
                    lmkv_store_session *ss;
                    CK(lmkv_store_session_begin(&ss, QST));
                    CK(lmkv_store_remove_file(NULL, ss, WS, cfv));
                    CK(lmkv_store_session_commit(ss));
                }
                double t0 = now_us(), c0 = cpu_us();
                update_store(wt, p, f, fn, callee, LMKV_INDEX_FULL);
                st[r] = (now_us() - t0) / 1e3;
                cpu[r] = (cpu_us() - c0) / 1e3;
            }
            put(mode ? "update_rewrite" : "update_reput", "%s\t%zu\t%d\t%.2f\t%.2f\t%.2f\t%.2f", p, recs, reps,
                pct(st, (size_t)reps, .5), pct(st, (size_t)reps, .99), pct(cpu, (size_t)reps, .5),
                pct(cpu, (size_t)reps, .99));
        }
        free(lat); free(st); free(cpu);
    }
    free(list);
    lmkv_worktree_free(wt);
}

/* ------------------------------------------------------------------ tier */

static int cmd_tier(int argc, char **argv)
{
    if (argc < 7) die("usage: ladder tier NAME DB ROOT WORK EDIT[,EDIT...]");
    TIER = argv[2];
    const char *dbp = argv[3], *root = argv[4], *work = argv[5], *edits = argv[6];
    int quick = getenv("BENCH_QUICK") && *getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0") != 0;
    char out[4200], real[4096];
    if (!realpath(root, real)) die("%s: %s", root, strerror(errno));
    snprintf(out, sizeof out, "%s/%s.tsv", work, TIER);
    if (!(tsv = fopen(out, "w"))) die("%s: %s", out, strerror(errno));
    lmkv_db *db = open_db(dbp);
    CK(lmkv_store_open(&QST, db));
    double t0 = now_us();
    load(QST, real);
    put("load_ms", "%.1f", (now_us() - t0) / 1e3);
    put("files", "%zu", files.n);
    put("symbols", "%zu", nsyms);
    put("calls", "%zu", ncalls);
    put("references", "%zu", nrefs);
    put("hierarchy", "%zu", nhier);
    fflush(tsv);
    ingest_lmkv(work);
    fflush(tsv);
    ingest_sqlite(work);
    fflush(tsv);
    queries(quick);
    fflush(tsv);
    updates(real, edits, quick);
    sqlite3_close(SQ);
    lmkv_store_close(QST);
    lmkv_db_close(db);
    fclose(tsv);
    free(nmap);
    struct file *F = files.p;
    for (size_t i = 0; i < files.n; i++) { free(F[i].syms.p); free(F[i].calls.p); free(F[i].refs.p); free(F[i].hier.p); }
    free(files.p);
    while (arena) { struct chunk *n = arena->next; free(arena); arena = n; }
    return 0;
}

/* ---------------------------------------------------------------- update */

struct only { lmkv_store_txn *t; char **paths; size_t n; };
static int on_cur_only(void *ctx, const lmkv_store_current *c)
{
    struct only *o = ctx;
    for (size_t i = 0; i < o->n; i++)
        if (strlen(o->paths[i]) == c->path_len && memcmp(o->paths[i], c->path, c->path_len) == 0)
            return on_cur(o->t, c);
    return 0;
}

/* ladder update DB ROOT EDIT[,EDIT...] [REPS]: only step 3 of a tier, with
 * only the edited files' records loaded (to profile or time one update on a
 * database that `lmkv index` built; the timings go to stdout). */
static int cmd_update(int argc, char **argv)
{
    if (argc < 5) die("usage: ladder update DB ROOT EDIT[,EDIT...] [REPS]");
    TIER = "update";
    const char *dbp = argv[2], *root = argv[3], *edits = argv[4];
    if (argc > 5) REPS = atoi(argv[5]);
    char real[4096];
    if (!realpath(root, real)) die("%s: %s", root, strerror(errno));
    tsv = stdout;
    lmkv_db *db = open_db(dbp);
    CK(lmkv_store_open(&QST, db));
    lmkv_store_txn *t;
    CK(lmkv_store_txn_begin(&t, QST));
    CK(lmkv_store_workspace_by_root(&WS, t, real, strlen(real)));
    struct only o = {t, NULL, 0};
    char *list = strdup(edits), *save = NULL;
    for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        o.paths = realloc(o.paths, (o.n + 1) * sizeof *o.paths);
        o.paths[o.n++] = p;
    }
    CK(lmkv_store_current_each(t, WS, on_cur_only, &o));
    load_file_records(t);
    lmkv_store_txn_end(t);
    free(o.paths);
    free(list);
    updates(real, edits, 0);
    lmkv_store_close(QST);
    lmkv_db_close(db);
    struct file *F = files.p;
    for (size_t i = 0; i < files.n; i++) { free(F[i].syms.p); free(F[i].calls.p); free(F[i].refs.p); free(F[i].hier.p); }
    free(files.p);
    while (arena) { struct chunk *n = arena->next; free(arena); arena = n; }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "update") == 0) return cmd_update(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "rusage") == 0) return cmd_rusage(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "tier") == 0) return cmd_tier(argc, argv);
    fprintf(stderr, "ladder: a helper of bench/ladder.sh (run `make bench`); see bench/README.md\n");
    return 2;
}
