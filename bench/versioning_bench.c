/*
 * versioning_bench.c -- git-aware index sessions on a real repository with
 * history: a git repo made from LMDB's sources ($LMKV_SOURCES/lmdb) with
 * several commits on main and a second branch. Measures, in one run:
 *  - a full index (fresh database) -- the baseline every ratio uses;
 *  - re-indexing after editing one file: end to end (git status + hashing +
 *    analysis + storage) and the storage/resolution part alone (end to end
 *    minus the time spent inside the analyser);
 *  - switching HEAD between two indexed branches (resolution only: no
 *    analysis, LMKV_INDEX_RESOLVE), against the full index;
 *  - a warm run on an unchanged worktree (no write transaction);
 *  - storage growth per indexed commit (data.mdb pages in use).
 * The analyser is a small deterministic C scanner (definitions `name(` at
 * column 0 after a type line, as LMDB is written; `ident(` calls inside),
 * so the numbers measure lmkv, not ctags. Prints markdown tables.
 * BENCH_QUICK=1 runs fewer repetitions.
 */
#include "lmkv_versioning.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char work[1024], repo[1200];
static double analyser_s;

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
    fprintf(stderr, "versioning_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (%s)\n", lmkv_errmsg());
    va_end(ap);
    exit(1);
}

static void sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0) die("command failed: %s", cmd);
}

static int is_id(int c) { return isalnum(c) || c == '_'; }

static int scan_analyser(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    (void)path; (void)ctx;
    double t0 = now_s();
    const char *s = content, *end = s + len;
    char cur[256] = "", name[256], sig[512];
    uint32_t line = 1;
    int rc = LMKV_OK;
    for (const char *l = s; l < end && rc == LMKV_OK; line++) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        const char *le = nl ? nl : end;
        /* definition: identifier at column 0 directly followed by '(' on a
         * line that does not end with ';'; a '}' at column 0 ends it */
        if (l < le && *l == '}') { cur[0] = '\0'; l = nl ? nl + 1 : end; continue; }
        if (l < le && (isalpha((unsigned char)*l) || *l == '_')) {
            const char *q = l;
            while (q < le && is_id((unsigned char)*q)) q++;
            if (q < le && *q == '(' && le[-1] != ';' && le[-1] != '\\') {
                snprintf(name, sizeof name, "%.*s", (int)(q - l), l);
                snprintf(sig, sizeof sig, "%.*s", (int)(le - q), q);
                snprintf(cur, sizeof cur, "%s", name);
                struct lmkv_analysis_symbol y = { .name = name, .kind = 12, .signature = sig,
                    .line = line, .column = 1, .flags = LMKV_ANALYSIS_SYM_DEFINITION };
                rc = lmkv_analysis_add_symbol(a, &y);
                l = nl ? nl + 1 : end;
                continue;
            }
        }
        for (const char *c = l; c < le && rc == LMKV_OK && cur[0]; c++) {
            if ((isalpha((unsigned char)*c) || *c == '_') && (c == l || !is_id((unsigned char)c[-1]))) {
                const char *e = c;
                while (e < le && is_id((unsigned char)*e)) e++;
                if (e < le && *e == '(') {
                    size_t n = (size_t)(e - c);
                    if (!((n == 2 && !memcmp(c, "if", 2)) || (n == 3 && !memcmp(c, "for", 3)) ||
                          (n == 5 && !memcmp(c, "while", 5)) || (n == 6 && (!memcmp(c, "return", 6) || !memcmp(c, "sizeof", 6) || !memcmp(c, "switch", 6))))) {
                        snprintf(name, sizeof name, "%.*s", (int)n, c);
                        struct lmkv_analysis_call k = { .caller = cur, .callee = name, .line = line,
                            .column = (uint32_t)(c - l) + 1, .argument_count = -1 };
                        rc = lmkv_analysis_add_call(a, &k);
                    }
                }
                c = e - 1;
            }
        }
        l = nl ? nl + 1 : end;
    }
    analyser_s += now_s() - t0;
    return rc;
}

static int c_filter(const char *path, void *ctx)
{
    (void)ctx;
    size_t n = strlen(path);
    return n > 2 && path[n - 2] == '.' && (path[n - 1] == 'c' || path[n - 1] == 'h');
}

struct dbh { lmkv_db *db; lmkv_store *st; lmkv_worktree *wt; char dir[1300]; };

static void db_open(struct dbh *h, const char *name)
{
    snprintf(h->dir, sizeof h->dir, "%s/%s", work, name);
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = h->dir;
    cfg.flush_every_ms = 0;
    if (lmkv_db_open(&h->db, &cfg) != LMKV_OK) die("open %s", h->dir);
    if (lmkv_store_open(&h->st, h->db) != LMKV_OK) die("store");
    if (lmkv_worktree_open(&h->wt, h->st, repo, 0) != LMKV_OK) die("worktree");
}

static void db_close(struct dbh *h)
{
    lmkv_worktree_free(h->wt);
    lmkv_store_close(h->st);
    lmkv_db_close(h->db);
}

static struct lmkv_index_report index_run(struct dbh *h, unsigned flags, double *secs, double *an_secs)
{
    struct lmkv_index_options o;
    memset(&o, 0, sizeof o);
    o.filter = c_filter;
    o.analyser_id = "bench-scan 1";
    o.flags = flags;
    struct lmkv_index_report r;
    analyser_s = 0;
    double t0 = now_s();
    if (lmkv_index_worktree(&r, h->wt, &o, (flags & LMKV_INDEX_RESOLVE) ? NULL : scan_analyser, NULL) != LMKV_OK)
        die("index");
    *secs = now_s() - t0;
    if (an_secs) *an_secs = analyser_s;
    return r;
}

static uint64_t used_bytes(struct dbh *h)
{
    lmkv_db_stat s;
    if (lmkv_db_stat_get(&s, h->db) != LMKV_OK) die("stat");
    return (s.last_page + 1) * (uint64_t)s.page_size;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n) { qsort(v, (size_t)n, sizeof *v, dbl_cmp); return v[n / 2]; }

int main(void)
{
    const char *src = getenv("LMKV_SOURCES");
    const char *tmp = getenv("LMKV_BENCH_TMP");
    int quick = getenv("BENCH_QUICK") != NULL;
    int reps = quick ? 3 : 7;
    char lmdb[1100];
    snprintf(lmdb, sizeof lmdb, "%s/lmdb", src && *src ? src : "build/sources");
    if (access(lmdb, R_OK) != 0) die("LMDB sources not found at %s (run scripts/fetch-sources.sh)", lmdb);
    snprintf(work, sizeof work, "%s/versioning-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    mkdir(work, 0700);
    snprintf(repo, sizeof repo, "%s/repo", work);
    setenv("GIT_AUTHOR_NAME", "bench", 1); setenv("GIT_AUTHOR_EMAIL", "bench@lmkv.invalid", 1);
    setenv("GIT_COMMITTER_NAME", "bench", 1); setenv("GIT_COMMITTER_EMAIL", "bench@lmkv.invalid", 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("HOME", work, 1);

    /* History: c0 = LMDB's sources; main gets 4 commits that each append a
     * function to one file; branch `feature` (from c2) changes 3 others. */
    sh("git init -q -b main '%s' && cp '%s'/*.c '%s'/*.h '%s'/", repo, lmdb, lmdb, repo);
    sh("cd '%s' && git add . && git commit -q -m c0", repo);
    static const char *main_files[] = {"midl.c", "mdb_stat.c", "mdb_dump.c", "mdb_load.c"};
    static const char *feat_files[] = {"mdb_copy.c", "mtest.c", "mtest2.c"};
    for (int i = 0; i < 4; i++) {
        if (i == 2) sh("cd '%s' && git branch feature", repo);
        sh("cd '%s' && printf '\\nint\\nbench_main_%d(int x)\\n{\\n\\treturn helper_%d(x);\\n}\\n' >> %s && git commit -q -am m%d",
           repo, i, i, main_files[i], i);
    }
    sh("cd '%s' && git checkout -q feature", repo);
    for (int i = 0; i < 3; i++)
        sh("cd '%s' && printf '\\nint\\nbench_feat_%d(void)\\n{\\n\\treturn feat_%d();\\n}\\n' >> %s && git commit -q -am f%d",
           repo, i, i, feat_files[i], i);
    sh("cd '%s' && git checkout -q main", repo);

    /* 1. Full index of main (fresh database): the baseline. */
    struct dbh h;
    double t, an, full_s[16], full_an[16];
    size_t nfiles = 0;
    lmkv_store_counts counts;
    memset(&counts, 0, sizeof counts);
    for (int i = 0; i < reps; i++) {
        char name[64];
        snprintf(name, sizeof name, "full%d", i);
        struct dbh f;
        db_open(&f, name);
        struct lmkv_index_report r = index_run(&f, 0, &full_s[i], &full_an[i]);
        nfiles = r.analysed;
        lmkv_index_report_clear(&r);
        lmkv_store_txn *ct = NULL;
        if (lmkv_store_txn_begin(&ct, f.st) != LMKV_OK || lmkv_store_count(&counts, ct, 0) != LMKV_OK) die("count");
        lmkv_store_txn_end(ct);
        db_close(&f);
    }
    double full = median(full_s, reps), full_analyse = median(full_an, reps);

    /* 2. The incremental database: index main, then feature, then main. */
    db_open(&h, "inc");
    struct lmkv_index_report r = index_run(&h, 0, &t, &an);
    lmkv_index_report_clear(&r);
    sh("cd '%s' && git checkout -q feature", repo);
    r = index_run(&h, 0, &t, &an);
    size_t feat_analysed = r.analysed;
    lmkv_index_report_clear(&r);
    sh("cd '%s' && git checkout -q main", repo);
    r = index_run(&h, 0, &t, &an);
    lmkv_index_report_clear(&r);

    /* 3. Warm run: nothing changed. */
    double warm_s[16];
    size_t warm_txns = 0;
    for (int i = 0; i < reps; i++) {
        r = index_run(&h, 0, &warm_s[i], &an);
        warm_txns += r.write_txns;
        lmkv_index_report_clear(&r);
    }

    /* 4. Edit one file and re-index: end to end and storage-only. */
    static const char *edit_files[] = {"mdb.c", "midl.c"};
    double edit_e2e[2][16], edit_store[2][16];
    size_t edit_analysed[2] = {0, 0};
    for (int f = 0; f < 2; f++) {
        for (int i = 0; i < reps; i++) {
            sh("cd '%s' && printf '\\nint\\nbench_edit_%d_%d(void)\\n{\\n\\treturn mdb_env_create(0);\\n}\\n' >> %s",
               repo, f, i, edit_files[f]);
            r = index_run(&h, 0, &edit_e2e[f][i], &an);
            edit_store[f][i] = edit_e2e[f][i] - an;
            edit_analysed[f] += r.analysed;
            lmkv_index_report_clear(&r);
        }
        sh("cd '%s' && git checkout -q -- %s", repo, edit_files[f]);
        r = index_run(&h, 0, &t, &an);
        lmkv_index_report_clear(&r);
    }

    /* 5. Branch switches between two indexed branches: resolution only. */
    double sw_s[32];
    size_t sw_analysed = 0, sw_reused = 0;
    for (int i = 0; i < reps; i++) {
        sh("cd '%s' && git checkout -q %s", repo, i % 2 ? "main" : "feature");
        r = index_run(&h, LMKV_INDEX_RESOLVE, &sw_s[i], &an);
        sw_analysed += r.analysed + r.pending;
        sw_reused += r.reused;
        lmkv_index_report_clear(&r);
    }
    sh("cd '%s' && git checkout -q main", repo);
    r = index_run(&h, 0, &t, &an);
    lmkv_index_report_clear(&r);
    db_close(&h);

    /* 6. Storage growth per commit: index every commit of main in order. */
    struct dbh g;
    db_open(&g, "growth");
    char revs[8][64];
    int nrev = 0;
    FILE *p = NULL;
    {
        char cmd[1400];
        snprintf(cmd, sizeof cmd, "cd '%s' && git rev-list --reverse main", repo);
        p = popen(cmd, "r");
        if (!p) die("rev-list");
        while (nrev < 8 && fgets(revs[nrev], sizeof revs[nrev], p)) {
            revs[nrev][strcspn(revs[nrev], "\n")] = '\0';
            nrev++;
        }
        pclose(p);
    }
    uint64_t sizes[8];
    size_t analysed_per[8];
    for (int i = 0; i < nrev; i++) {
        sh("cd '%s' && git checkout -q %s", repo, revs[i]);
        r = index_run(&g, 0, &t, &an);
        analysed_per[i] = r.analysed;
        lmkv_index_report_clear(&r);
        sizes[i] = used_bytes(&g);
    }
    sh("cd '%s' && git checkout -q main", repo);
    db_close(&g);

    double e2e0 = median(edit_e2e[0], reps), st0 = median(edit_store[0], reps);
    double e2e1 = median(edit_e2e[1], reps), st1 = median(edit_store[1], reps);
    double sw = median(sw_s, reps), warm = median(warm_s, reps);
    printf("Repository: LMDB sources (%zu C files), 5 commits on main, 3 on `feature`; "
           "analyser: built-in scanner (not ctags) giving %llu symbols and %llu calls. Medians of %d runs.\n\n",
           nfiles, (unsigned long long)counts.symbols, (unsigned long long)counts.calls, reps);
    printf("| operation | time (ms) | vs full index | files analysed |\n|---|---:|---:|---:|\n");
    printf("| full index, fresh database (analysis %.1f ms) | %.1f | 1.00 | %zu |\n", full_analyse * 1e3, full * 1e3, nfiles);
    printf("| edit mdb.c, re-index end to end | %.1f | %.3f | %.1f |\n", e2e0 * 1e3, e2e0 / full, (double)edit_analysed[0] / reps);
    printf("| edit mdb.c, storage + resolution only | %.1f | %.3f | |\n", st0 * 1e3, st0 / full);
    printf("| edit midl.c, re-index end to end | %.1f | %.3f | %.1f |\n", e2e1 * 1e3, e2e1 / full, (double)edit_analysed[1] / reps);
    printf("| edit midl.c, storage + resolution only | %.1f | %.3f | |\n", st1 * 1e3, st1 / full);
    printf("| switch main <-> feature (resolution only) | %.1f | %.3f | %zu |\n", sw * 1e3, sw / full, sw_analysed);
    printf("| warm run, unchanged worktree (%zu write txns) | %.1f | %.3f | 0 |\n", warm_txns, warm * 1e3, warm / full);
    printf("\nBranch switches re-mapped %.1f files each without analysing any; "
           "indexing `feature` the first time analysed %zu files.\n\n", (double)sw_reused / reps, feat_analysed);
    printf("| commit of main | files analysed | data.mdb in use (KiB) | growth (KiB) |\n|---|---:|---:|---:|\n");
    for (int i = 0; i < nrev; i++)
        printf("| %d (%.8s) | %zu | %llu | %lld |\n", i, revs[i], analysed_per[i],
               (unsigned long long)(sizes[i] / 1024),
               i ? (long long)(sizes[i] / 1024) - (long long)(sizes[i - 1] / 1024) : (long long)(sizes[i] / 1024));
    sh("rm -rf '%s'", work);
    return 0;
}
