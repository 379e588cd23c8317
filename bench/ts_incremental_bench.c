/*
 * ts_incremental_bench.c -- CPU of re-analysing an edited file with the
 * tree-sitter frontends' reparse cache (analysis/ts.c: the path's last tree
 * edited and reparsed) against analysing it from scratch, issue 20.
 *
 * Per language, a large real file (CPython's _pydecimal.py, x/tools'
 * go/ssa/builder.go, syn's expr.rs) and a one-function edit of it: a
 * statement added at the top of the body of the function in the middle of
 * the file. Measured (CPU time of this thread, CLOCK_THREAD_CPUTIME_ID,
 * median of REPS runs): the whole frontend run -- parse, tags query, the
 * sweep, the records into versioning's sink --
 *  - fresh: no cache (what every re-analysis cost before);
 *  - incremental: the cache holds the other version (the file before or
 *    after the edit), so each run is one edit away.
 * The records of both are compared (equal, or the bench fails), and the
 * heap the cache holds for the file (content + tree, glibc mallinfo2) is
 * printed per content byte. Prints a markdown table. REPS=N overrides 15.
 */
#include "ts_int.h"
#include "versioning_int.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b) { fclose(f); return NULL; }
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

/* records as one string, to compare runs */
static char *records(const lmkv_analysis *a)
{
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    for (size_t i = 0; i < a->nsyms + a->ncalls + a->nrefs; i++) {
        char line[1024];
        int w;
        if (i < a->nsyms) {
            const struct vsym *y = &a->syms[i];
            w = snprintf(line, sizeof line, "S%s|%s|%d|%u:%u-%u:%u\n", y->qname, y->signature ? y->signature : "",
                         y->kind, y->line, y->column, y->end_line, y->end_column);
        } else if (i < a->nsyms + a->ncalls) {
            const struct vcall *c = &a->calls[i - a->nsyms];
            w = snprintf(line, sizeof line, "C%s|%s|%u:%u|%d\n", c->caller, c->callee, c->line, c->column,
                         c->argument_count);
        } else {
            const struct vref *r = &a->refs[i - a->nsyms - a->ncalls];
            w = snprintf(line, sizeof line, "R%s|%s|%d|%u:%u\n", r->name, r->from ? r->from : "", r->kind, r->line,
                         r->column);
        }
        if (w < 0) w = 0;
        if ((size_t)w >= sizeof line) w = sizeof line - 1;
        while (n + (size_t)w + 1 > cap) s = realloc(s, cap *= 2);
        memcpy(s + n, line, (size_t)w);
        n += (size_t)w;
    }
    s[n] = 0;
    return s;
}

static double run(const char *lang, const char *src, size_t len, struct lmkv_analysis__ts_cache *c, char **rec)
{
    lmkv_analysis a;
    memset(&a, 0, sizeof a);
    a.active = 1;
    struct lmkv_analysis__opts o;
    memset(&o, 0, sizeof o);
    o.ts_cache = c;
    double t0 = now_cpu();
    int rc = lmkv_analysis__ts_run(&a, lang, "bench/file", src, len, &o);
    double t = now_cpu() - t0;
    if (rc != LMKV_OK) { fprintf(stderr, "%s: rc %d (%s)\n", lang, rc, a.error ? a.error : ""); exit(1); }
    if (rec) *rec = records(&a);
    a.active = 0;
    lmkv_versioning__vanalysis_reset(&a);
    return t;
}

static int cmpd(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

struct lcase { const char *lang, *file, *fn_kw, *stmt; };

int main(void)
{
    static const struct lcase cases[] = {
        {"python", "/usr/lib/python3.11/_pydecimal.py", "def ", "helper_added(1)\n"},
        {"go", "/usr/share/gocode/src/golang.org/x/tools/go/ssa/builder.go", "func ", "_ = helperAdded(1)\n"},
        {"rust", "/usr/share/cargo/registry/syn-1.0.107/src/expr.rs", "fn ", "let _ = helper_added(1);\n"},
    };
    int reps = getenv("REPS") ? atoi(getenv("REPS")) : 15;
    if (reps < 3) reps = 3;
    printf("| language | file | bytes | lines | fresh CPU ms (median) | incremental CPU ms (median) | incremental / fresh | reparses kept | cache heap per content byte |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const struct lcase *lc = &cases[k];
        size_t alen;
        char *a = slurp(lc->file, &alen);
        if (!a) { printf("| %s | %s | missing | | | | | | |\n", lc->lang, lc->file); continue; }
        size_t lines = 0;
        for (size_t i = 0; i < alen; i++) lines += a[i] == '\n';
        /* the function whose header line is nearest the middle, with its
         * body on the next line: insert a statement there, indented as that
         * next line */
        size_t kl = strlen(lc->fn_kw), at = 0, best = (size_t)-1;
        for (size_t i = 0; i + kl < alen; i++) {
            if (i && a[i - 1] != '\n') continue;
            size_t j = i;
            while (a[j] == ' ' || a[j] == '\t') j++;
            if (!strncmp(a + j, lc->fn_kw, kl) || (!strncmp(a + j, "pub ", 4) && !strncmp(a + j + 4, lc->fn_kw, kl))) {
                char *eol = strchr(a + j, '\n');
                if (!eol) break;
                char last = eol[-1];
                if (last != '{' && last != ':') continue;
                size_t d = i > alen / 2 ? i - alen / 2 : alen / 2 - i;
                if (d < best) { best = d; at = (size_t)(eol - a) + 1; }
            }
        }
        size_t ind = 0;
        while (a[at + ind] == ' ' || a[at + ind] == '\t') ind++;
        size_t sl = strlen(lc->stmt), blen = alen + ind + sl;
        char *b = malloc(blen + 1);
        memcpy(b, a, at);
        memcpy(b + at, a + at, ind);
        memcpy(b + at + ind, lc->stmt, sl);
        memcpy(b + at + ind + sl, a + at, alen - at + 1);
        unsigned edit_line = 1;
        for (size_t i = 0; i < at; i++) edit_line += a[i] == '\n';

        double *fr = calloc((size_t)reps, sizeof *fr), *in = calloc((size_t)reps, sizeof *in);
        char *rf = NULL, *ri = NULL;
        run(lc->lang, b, blen, NULL, NULL);                       /* warm: the query built */
        for (int r = 0; r < reps; r++) fr[r] = run(lc->lang, b, blen, NULL, r ? NULL : &rf);
        struct lmkv_analysis__ts_cache *c;
        if (lmkv_analysis__ts_cache_new(&c) != LMKV_OK) return 1;
        struct mallinfo2 m0 = mallinfo2();
        run(lc->lang, a, alen, c, NULL);                          /* A cached */
        struct mallinfo2 m1 = mallinfo2();
        for (int r = 0; r < reps; r++) {                         /* B from A, then A from B */
            in[r] = run(lc->lang, b, blen, c, r ? NULL : &ri);
            run(lc->lang, a, alen, c, NULL);
        }
        if (strcmp(rf, ri)) { fprintf(stderr, "%s: incremental records differ from fresh\n", lc->lang); return 1; }
        struct lmkv_analysis__ts_cache_stats st;
        lmkv_analysis__ts_cache_stats(c, &st);
        lmkv_analysis__ts_cache_free(c);
        qsort(fr, (size_t)reps, sizeof *fr, cmpd);
        qsort(in, (size_t)reps, sizeof *in, cmpd);
        double f = fr[reps / 2] * 1e3, i = in[reps / 2] * 1e3;
        const char *base = strrchr(lc->file, '/');
        printf("| %s | %s (edit at line %u) | %zu | %zu | %.2f | %.2f | %.2f | %zu of %zu | %.1f |\n", lc->lang,
               base ? base + 1 : lc->file, edit_line, blen, lines, f, i, i / f, st.reparsed,
               st.reparsed + st.reparsed_errors, (double)(m1.uordblks - m0.uordblks) / (double)alen);
        free(fr); free(in); free(rf); free(ri); free(a); free(b);
    }
    return 0;
}
