/*
 * test_analysis_ts_incremental.c -- the tree-sitter frontends' reparse
 * cache (analysis/ts.c, LMKV_ANALYSIS_TS_CACHE_* in lmkv_analysis.h):
 *  - random single edits (insert / delete / replace a span, a line at the
 *    top, a function added, a function removed) of real files -- Python's
 *    standard library, golang.org/x/tools and x/net (Debian's golang
 *    packages), syn 1.0 (Debian's cargo registry) -- each analysed
 *    incrementally (the path's cached tree edited and reparsed) and fresh
 *    (no cache): every record equal, 200+ edits per language, and the
 *    cache's counters prove each incremental run did reuse a tree;
 *  - the bounds: the least recently analysed path is evicted past the path
 *    bound and past the byte bound, a file over the byte bound is not kept;
 *  - a different language for the same path reuses nothing;
 *  - two threads analysing the same paths through one cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ts_int.h"
#include "versioning_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sink_init(lmkv_analysis *a) { memset(a, 0, sizeof *a); a->active = 1; }
static void sink_free(lmkv_analysis *a) { a->active = 0; lmkv_versioning__vanalysis_reset(a); }

/* ------------------------------------------------------------ records as text */

struct buf { char *p; size_t n, cap; };

static void bput(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        assert_true(w >= 0);
        if (b->p && b->n + (size_t)w < b->cap) { b->n += (size_t)w; return; }
        b->cap = (b->cap + (size_t)w + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
}

#define S(x) ((x) ? (x) : "(null)")

/* Every field of every record, in the sink's order. */
static char *records_text(const lmkv_analysis *a)
{
    struct buf b = {0};
    bput(&b, "");
    for (size_t i = 0; i < a->nsyms; i++) {
        const struct vsym *s = &a->syms[i];
        bput(&b, "S %s|%s|%s|%s|%d|%u:%u-%u:%u|%u\n", S(s->name), S(s->qname), S(s->signature), S(s->parent),
             s->kind, s->line, s->column, s->end_line, s->end_column, s->flags);
    }
    for (size_t i = 0; i < a->ncalls; i++) {
        const struct vcall *c = &a->calls[i];
        bput(&b, "C %s|%s|%u:%u|%d|%d\n", S(c->caller), S(c->callee), c->line, c->column, c->call_type,
             c->argument_count);
    }
    for (size_t i = 0; i < a->nrefs; i++) {
        const struct vref *r = &a->refs[i];
        bput(&b, "R %s|%s|%d|%u:%u\n", S(r->name), S(r->from), r->kind, r->line, r->column);
    }
    for (size_t i = 0; i < a->nhiers; i++)
        bput(&b, "H %s|%s|%d\n", S(a->hiers[i].parent), S(a->hiers[i].child), a->hiers[i].kind);
    return b.p;
}

static char *analyse(const char *lang, const char *path, const char *src, size_t len,
                     struct lmkv_analysis__ts_cache *cache, int expect_rc)
{
    lmkv_analysis a;
    struct lmkv_analysis__opts o;
    memset(&o, 0, sizeof o);
    o.ts_cache = cache;
    sink_init(&a);
    int rc = lmkv_analysis__ts_run(&a, lang, path, src, len, &o);
    if (rc != expect_rc) fail_msg("%s %s: rc %d (%s)", lang, path, rc, a.error ? a.error : "");
    char *t = records_text(&a);
    sink_free(&a);
    return t;
}

/* First differing line of two record texts, for the failure message. */
static void report_diff(const char *x, const char *y, const char *what)
{
    size_t line = 1;
    while (*x && *x == *y) { if (*x == '\n') line++; x++; y++; }
    while (line > 1 && x[-1] != '\n') { x--; y--; }
    fail_msg("%s: records differ at record %zu:\n incremental: %.200s\n fresh:       %.200s", what, line, x, y);
}

/* ------------------------------------------------------------ edits */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return n ? (uint32_t)((rng_state >> 33) % n) : 0;
}

struct lang_case {
    const char *lang;
    const char *const *files;
    const char *top_line;        /* a line inserted at the top            */
    const char *fn_fmt;          /* a function added (%d: a number)        */
    const char *fn_kw;           /* a line starting (after blanks) with it
                                    begins a function to remove            */
};

static size_t line_start(const char *s, size_t at) { while (at && s[at - 1] != '\n') at--; return at; }

/* Replace [at, at+dl) of *src (length *len) by INS (il bytes). */
static void splice(char **src, size_t *len, size_t at, size_t dl, const char *ins, size_t il)
{
    char *n = malloc(*len - dl + il + 1);
    assert_non_null(n);
    memcpy(n, *src, at);
    memcpy(n + at, ins, il);
    memcpy(n + at + il, *src + at + dl, *len - at - dl);
    *len = *len - dl + il;
    n[*len] = 0;
    free(*src);
    *src = n;
}

/* One random edit of kind K (0..5) of *src; names it in WHAT. */
static void random_edit(const struct lang_case *lc, int k, char **src, size_t *len, char *what, size_t wl)
{
    size_t n = *len;
    switch (k) {
    case 0: case 2: {                            /* insert / replace a span */
        size_t from = rnd((uint32_t)n), sl = 1 + rnd(200);
        if (from + sl > n) sl = n - from;
        char *span = malloc(sl + 1);
        assert_non_null(span);
        memcpy(span, *src + from, sl);
        size_t at = rnd((uint32_t)n + 1), dl = 0;
        if (k == 2) { dl = 1 + rnd(200); if (at + dl > n) dl = n - at; }
        splice(src, len, at, dl, span, sl);
        snprintf(what, wl, "%s %zu bytes at %zu (%zu cut)", k ? "replace" : "insert", sl, at, dl);
        free(span);
        break;
    }
    case 1: {                                    /* delete a span */
        size_t at = rnd((uint32_t)n), dl = 1 + rnd(300);
        if (at + dl > n) dl = n - at;
        splice(src, len, at, dl, "", 0);
        snprintf(what, wl, "delete %zu bytes at %zu", dl, at);
        break;
    }
    case 3:                                      /* a line at the top */
        splice(src, len, 0, 0, lc->top_line, strlen(lc->top_line));
        snprintf(what, wl, "a line at the top");
        break;
    case 4: {                                    /* a function added */
        char fn[256];
        int fl = snprintf(fn, sizeof fn, lc->fn_fmt, (int)rnd(1000));
        size_t at = line_start(*src, rnd((uint32_t)n + 1));
        splice(src, len, at, 0, fn, (size_t)fl);
        snprintf(what, wl, "a function added at %zu", at);
        break;
    }
    default: {                                   /* a function removed */
        size_t kl = strlen(lc->fn_kw), starts[4096], ns = 0;
        for (size_t i = 0; i < n && ns < 4096; i++) {
            if (i && (*src)[i - 1] != '\n') continue;
            size_t j = i;
            while (j < n && ((*src)[j] == ' ' || (*src)[j] == '\t')) j++;
            if (j + kl <= n && !memcmp(*src + j, lc->fn_kw, kl)) starts[ns++] = i;
        }
        if (!ns) { snprintf(what, wl, "no function to remove"); break; }
        size_t w = rnd((uint32_t)ns), at = starts[w], end = w + 1 < ns ? starts[w + 1] : n;
        splice(src, len, at, end - at, "", 0);
        snprintf(what, wl, "function at %zu removed (%zu bytes)", at, end - at);
        break;
    }
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    assert_non_null(b);
    *len = fread(b, 1, (size_t)sz, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

#define EDITS_PER_FILE 52

static void run_edits(const struct lang_case *lc)
{
    struct lmkv_analysis__ts_cache *cache;
    assert_int_equal(lmkv_analysis__ts_cache_new(&cache), LMKV_OK);
    size_t edits = 0, runs = 0, nfiles = 0, kinds[6] = {0}, clean = 0;
    for (size_t f = 0; lc->files[f]; f++) {
        size_t olen;
        char *orig = read_file(lc->files[f], &olen);
        if (!orig) continue;
        nfiles++;
        char path[64];
        snprintf(path, sizeof path, "f%zu", f);
        size_t len = olen;
        char *cur = malloc(len + 1);
        assert_non_null(cur);
        memcpy(cur, orig, len + 1);
        char *orig_fresh = analyse(lc->lang, path, orig, olen, cache, LMKV_OK);   /* fresh, cached */
        /* each edit of the file as it is, analysed from the cached tree of
         * the original, then the original again from the edited file's tree
         * (the edit undone: a reparse from a tree with the edit's syntax
         * errors); both compared with a fresh parse */
        for (int e = 0; e < EDITS_PER_FILE; e++) {
            char what[160];
            int k = e % 6;
            free(cur); len = olen;
            cur = malloc(len + 1); assert_non_null(cur); memcpy(cur, orig, len + 1);
            random_edit(lc, k, &cur, &len, what, sizeof what);
            kinds[k]++;
            for (int back = 0; back < 2; back++) {
                const char *src = back ? orig : cur;
                size_t sl = back ? olen : len;
                struct lmkv_analysis__ts_cache_stats before, after;
                lmkv_analysis__ts_cache_stats(cache, &before);
                char *inc = analyse(lc->lang, path, src, sl, cache, LMKV_OK);
                lmkv_analysis__ts_cache_stats(cache, &after);
                /* the cached tree was used (and, where the result had a
                 * syntax error, the file parsed again from scratch) */
                assert_int_equal(after.reparsed + after.reparsed_errors, before.reparsed + before.reparsed_errors + 1);
                clean += after.reparsed - before.reparsed;
                char *fresh = back ? orig_fresh : analyse(lc->lang, path, src, sl, NULL, LMKV_OK);
                if (strcmp(inc, fresh)) {
                    char m[400];
                    snprintf(m, sizeof m, "%s %s edit %d (%s)%s", lc->lang, lc->files[f], e, what,
                             back ? ", undone" : "");
                    report_diff(inc, fresh, m);
                }
                free(inc);
                if (!back) free(fresh);
                runs++;
            }
            edits++;
        }
        free(orig_fresh);
        free(cur); free(orig);
    }
    lmkv_analysis__ts_cache_free(cache);
    if (edits < 200) { print_message("%s: only %zu files of the corpus present\n", lc->lang, nfiles); skip(); }
    print_message("%s: %zu edits of %zu files (and each undone), incremental == fresh; of %zu reparses %zu kept, "
                  "%zu had syntax errors and parsed again (edit kinds: %zu %zu %zu %zu %zu %zu)\n",
                  lc->lang, edits, nfiles, runs, clean, runs - clean,
                  kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5]);
    /* every undo (back to the real file) and the error-free edits: kept */
    assert_true(clean * 2 >= runs);
}

static void test_python(void **state)
{
    (void)state;
    static const char *const files[] = {
        "/usr/lib/python3.11/json/decoder.py", "/usr/lib/python3.11/textwrap.py",
        "/usr/lib/python3.11/shlex.py", "/usr/lib/python3.11/difflib.py", NULL};
    static const struct lang_case lc = {"python", files, "import os\n",
        "def added_fn_%d(x, y=2):\n    return helper(x) + y\n\n", "def "};
    run_edits(&lc);
}

static void test_go(void **state)
{
    (void)state;
    static const char *const files[] = {
        "/usr/share/gocode/src/golang.org/x/tools/go/ssa/func.go",
        "/usr/share/gocode/src/golang.org/x/tools/go/ssa/lift.go",
        "/usr/share/gocode/src/golang.org/x/net/html/parse.go",
        "/usr/share/gocode/src/golang.org/x/tools/go/ssa/builder.go", NULL};
    static const struct lang_case lc = {"go", files, "// a comment at the top\n",
        "func addedFn%d(x int) int {\n\treturn helper(x) + 1\n}\n\n", "func "};
    run_edits(&lc);
}

static void test_rust(void **state)
{
    (void)state;
    static const char *const files[] = {
        "/usr/share/cargo/registry/syn-1.0.107/src/generics.rs",
        "/usr/share/cargo/registry/syn-1.0.107/src/ty.rs",
        "/usr/share/cargo/registry/syn-1.0.107/src/lit.rs",
        "/usr/share/cargo/registry/syn-1.0.107/src/path.rs", NULL};
    static const struct lang_case lc = {"rust", files, "use std::fmt;\n",
        "fn added_fn_%d(x: u32) -> u32 {\n    helper(x) + 1\n}\n\n", "fn "};
    run_edits(&lc);
}

/* ------------------------------------------------------------ bounds */

static void test_bounds(void **state)
{
    (void)state;
    struct lmkv_analysis__ts_cache *c;
    struct lmkv_analysis__ts_cache_stats s;
    char path[32], src[128];
    /* the path bound: 4 paths; a fifth evicts the least recently analysed */
    assert_int_equal(lmkv_analysis__ts_cache_new_bounded(&c, 4, 1 << 20), LMKV_OK);
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "p%d", i);
        int n = snprintf(src, sizeof src, "def f%d():\n    g(%d)\n", i, i);
        free(analyse("python", path, src, (size_t)n, c, LMKV_OK));
        if (i == 2) {                          /* p0 used again: p1 is now the oldest */
            n = snprintf(src, sizeof src, "def f0():\n    g(0)\n");
            free(analyse("python", "p0", src, (size_t)n, c, LMKV_OK));
        }
    }
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.entries, 4);
    assert_int_equal(s.evicted, 1);
    assert_int_equal(s.reparsed, 1);
    assert_int_equal(s.fresh, 5);
    int n = snprintf(src, sizeof src, "def f1():\n    g(1)\n");
    free(analyse("python", "p1", src, (size_t)n, c, LMKV_OK));   /* evicted: fresh */
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.fresh, 6);
    assert_int_equal(s.evicted, 2);                              /* p2 out now */
    n = snprintf(src, sizeof src, "def f0():\n    g(0)\n");
    free(analyse("python", "p0", src, (size_t)n, c, LMKV_OK));   /* kept: reparsed */
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed, 2);
    assert_int_equal(s.entries, 4);
    lmkv_analysis__ts_cache_free(c);

    /* the byte bound: 100 bytes; two 40-byte files fit, a third evicts the
     * oldest, a 101-byte file is not kept (and evicts nothing) */
    assert_int_equal(lmkv_analysis__ts_cache_new_bounded(&c, 64, 100), LMKV_OK);
    char f40[41], f101[102];
    memset(f40, '#', 40); f40[39] = '\n'; f40[40] = 0;
    memset(f101, '#', 101); f101[100] = '\n'; f101[101] = 0;
    free(analyse("python", "a", f40, 40, c, LMKV_OK));
    free(analyse("python", "b", f40, 40, c, LMKV_OK));
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.entries, 2);
    assert_int_equal(s.bytes, 80);
    free(analyse("python", "c", f40, 40, c, LMKV_OK));
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.entries, 2);
    assert_int_equal(s.bytes, 80);
    assert_int_equal(s.evicted, 1);
    free(analyse("python", "a", f40, 40, c, LMKV_OK));            /* a was the one out */
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed, 0);
    free(analyse("python", "big", f101, 101, c, LMKV_OK));
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.entries, 2);                               /* a, c */
    assert_int_equal(s.bytes, 80);
    free(analyse("python", "big", f101, 101, c, LMKV_OK));
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed, 0);
    /* a file that fails before parsing (nesting) leaves its path's entry
     * as it was: the next run reparses from it */
    char deep[2100];
    memset(deep, '[', 1001); memset(deep + 1001, ']', 1001);
    free(analyse("python", "c", deep, 2002, c, LMKV_ELIMIT));
    free(analyse("python", "c", f40, 40, c, LMKV_OK));
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed, 1);
    assert_int_equal(s.entries, 2);
    lmkv_analysis__ts_cache_free(c);
}

/* The same path in another language: nothing reused, the records are that
 * language's fresh ones. */
static void test_other_language(void **state)
{
    (void)state;
    struct lmkv_analysis__ts_cache *c;
    struct lmkv_analysis__ts_cache_stats s;
    assert_int_equal(lmkv_analysis__ts_cache_new(&c), LMKV_OK);
    const char *js = "function f(a) { return g(a); }\nclass C extends B { m() { h(); } }\n";
    free(analyse("javascript", "same", js, strlen(js), c, LMKV_OK));
    char *inc = analyse("typescript", "same", js, strlen(js), c, LMKV_OK);
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed, 0);
    assert_int_equal(s.fresh, 2);
    assert_int_equal(s.entries, 1);
    char *fresh = analyse("typescript", "x", js, strlen(js), NULL, LMKV_OK);
    assert_string_equal(inc, fresh);
    free(inc); free(fresh);
    /* and back: typescript's tree is not javascript's */
    inc = analyse("javascript", "same", js, strlen(js), c, LMKV_OK);
    fresh = analyse("javascript", "x", js, strlen(js), NULL, LMKV_OK);
    assert_string_equal(inc, fresh);
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed, 0);
    free(inc); free(fresh);
    /* the same language again: reused */
    free(analyse("javascript", "same", js, strlen(js) - 1, c, LMKV_OK));
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed, 1);
    lmkv_analysis__ts_cache_free(c);
}

/* ------------------------------------------------------------ threads */

struct tctx { struct lmkv_analysis__ts_cache *c; int id; int bad; };

static void *thread_main(void *arg)
{
    struct tctx *t = arg;
    char src[256], path[16];
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof path, "t%d", i % 3);       /* both threads, the same 3 paths */
        int n = snprintf(src, sizeof src, "def f%d(x):\n    return g%d(x)\n\nclass C%d(B):\n    def m(self):\n        h(%d)\n",
                         i % 7, t->id, i % 5, i);
        lmkv_analysis a, b;
        struct lmkv_analysis__opts o;
        memset(&o, 0, sizeof o);
        o.ts_cache = t->c;
        sink_init(&a); sink_init(&b);
        int r1 = lmkv_analysis__ts_run(&a, "python", path, src, (size_t)n, &o);
        int r2 = lmkv_analysis__ts_run(&b, "python", path, src, (size_t)n, NULL);
        char *x = records_text(&a), *y = records_text(&b);
        if (r1 || r2 || strcmp(x, y)) t->bad = 1;
        free(x); free(y);
        sink_free(&a); sink_free(&b);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct lmkv_analysis__ts_cache *c;
    assert_int_equal(lmkv_analysis__ts_cache_new(&c), LMKV_OK);
    pthread_t t[2];
    struct tctx ctx[2] = {{c, 0, 0}, {c, 1, 0}};
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, thread_main, &ctx[i]), 0);
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(ctx[0].bad, 0);
    assert_int_equal(ctx[1].bad, 0);
    struct lmkv_analysis__ts_cache_stats s;
    lmkv_analysis__ts_cache_stats(c, &s);
    assert_int_equal(s.reparsed + s.reparsed_errors + s.fresh, 200);
    assert_true(s.reparsed > 0);
    assert_true(s.entries <= 3);
    lmkv_analysis__ts_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_other_language),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_python),
        cmocka_unit_test(test_go),
        cmocka_unit_test(test_rust),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
