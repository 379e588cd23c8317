/*
 * test_analysis_ts.c -- the tree-sitter frontends' contract at the C level
 * (analysis/ts_int.h), through versioning's own analyser sink:
 *  - records of real source files (CPython's json/decoder.py when present;
 *    each language's definitions, qualified names, callers, hierarchy);
 *  - every error code with its path-free reason (unknown language, binary,
 *    too large, too deep, cancelled) and nothing left in the sink's state
 *    that a failed file would keep;
 *  - two threads analysing at once on a language not used yet (the
 *    once-per-language query build; TSan checks it under make test
 *    SAN=thread);
 *  - the records depend on the bytes only (same records under any path).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ts_int.h"
#include "versioning_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sink_init(lmkv_analysis *a) { memset(a, 0, sizeof *a); a->active = 1; }
static void sink_free(lmkv_analysis *a) { a->active = 0; lmkv_versioning__vanalysis_reset(a); }

static int run(lmkv_analysis *a, const char *lang, const char *src)
{
    return lmkv_analysis__ts_run(a, lang, "x", src, strlen(src), NULL);
}

static const struct vsym *sym(const lmkv_analysis *a, const char *qname)
{
    for (size_t i = 0; i < a->nsyms; i++) if (!strcmp(a->syms[i].qname, qname)) return &a->syms[i];
    return NULL;
}

static int has_call(const lmkv_analysis *a, const char *caller, const char *callee, uint32_t line)
{
    for (size_t i = 0; i < a->ncalls; i++)
        if (!strcmp(a->calls[i].caller, caller) && !strcmp(a->calls[i].callee, callee) && a->calls[i].line == line)
            return 1;
    return 0;
}

static int has_hier(const lmkv_analysis *a, const char *parent, const char *child, int kind)
{
    for (size_t i = 0; i < a->nhiers; i++)
        if (!strcmp(a->hiers[i].parent, parent) && !strcmp(a->hiers[i].child, child) && a->hiers[i].kind == kind)
            return 1;
    return 0;
}

static void test_languages(void **state)
{
    (void)state;
    lmkv_analysis a;
    sink_init(&a);
    assert_int_equal(run(&a, "rust",
        "struct S;\ntrait T { fn t(&self); }\nimpl T for S {\n    fn t(&self) { helper(1, 2); }\n}\n"), LMKV_OK);
    assert_non_null(sym(&a, "S"));
    assert_int_equal(sym(&a, "S")->kind, 23);
    assert_non_null(sym(&a, "S::t"));
    assert_int_equal(sym(&a, "S::t")->kind, 6);
    assert_string_equal(sym(&a, "S::t")->parent, "S");
    assert_int_equal(sym(&a, "T::t")->flags & LMKV_ANALYSIS_SYM_DEFINITION, 0);
    assert_true(has_call(&a, "S::t", "helper", 4));
    assert_int_equal(a.calls[0].argument_count, 2);
    assert_true(has_hier(&a, "T", "S", 2));
    sink_free(&a);

    sink_init(&a);
    assert_int_equal(run(&a, "go", "package p\ntype R struct{}\nfunc (r *R) M() { fmt.Println(r) }\n"), LMKV_OK);
    assert_non_null(sym(&a, "p.R.M"));
    assert_string_equal(sym(&a, "p.R.M")->parent, "p.R");
    assert_true(has_call(&a, "p.R.M", "Println", 3));
    sink_free(&a);

    sink_init(&a);
    assert_int_equal(run(&a, "java", "class A extends B implements C {\n  void m() { n(); new D(); }\n}\n"), LMKV_OK);
    assert_non_null(sym(&a, "A.m"));
    assert_true(has_call(&a, "A.m", "n", 2));
    assert_true(has_call(&a, "A.m", "D", 2));
    assert_true(has_hier(&a, "B", "A", 1));
    assert_true(has_hier(&a, "C", "A", 2));
    sink_free(&a);

    sink_init(&a);
    assert_int_equal(run(&a, "typescript", "class K extends L implements M {\n  f(): void { g<number>(1); }\n}\nh();\n"), LMKV_OK);
    assert_true(has_call(&a, "K.f", "g", 2));
    assert_true(has_call(&a, "<module>", "h", 4));
    assert_true(has_hier(&a, "L", "K", 1));
    assert_true(has_hier(&a, "M", "K", 2));
    sink_free(&a);

    assert_string_equal(lmkv_analysis__ts_frontend_id("python"), "tree-sitter-python 0.23.6");
    assert_null(lmkv_analysis__ts_frontend_id("c"));
}

static void test_real_file_and_contract(void **state)
{
    (void)state;
    const char *path = "/usr/lib/python3.11/json/decoder.py";
    FILE *f = fopen(path, "rb");
    if (!f) { skip(); return; }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    lmkv_analysis a, b;
    sink_init(&a); sink_init(&b);
    assert_int_equal(lmkv_analysis__ts_run(&a, "python", "json/decoder.py", buf, n, NULL), LMKV_OK);
    assert_int_equal(lmkv_analysis__ts_run(&b, "python", "elsewhere/other.py", buf, n, NULL), LMKV_OK);
    assert_non_null(sym(&a, "JSONDecoder.raw_decode"));
    assert_int_equal(sym(&a, "JSONDecoder.raw_decode")->kind, 6);
    assert_true(has_call(&a, "JSONDecoder.decode", "raw_decode", 337));
    /* the same bytes under another path: the same records */
    assert_int_equal(a.nsyms, b.nsyms);
    assert_int_equal(a.ncalls, b.ncalls);
    for (size_t i = 0; i < a.nsyms; i++) assert_string_equal(a.syms[i].qname, b.syms[i].qname);
    for (size_t i = 0; i < a.ncalls; i++) {
        assert_string_equal(a.calls[i].caller, b.calls[i].caller);
        assert_int_equal(a.calls[i].line, b.calls[i].line);
    }
    sink_free(&a); sink_free(&b);
}

static void expect_failure(const char *lang, const char *src, size_t len, int code, const char *reason,
                           const struct lmkv_analysis__opts *o)
{
    lmkv_analysis a;
    sink_init(&a);
    assert_int_equal(lmkv_analysis__ts_run(&a, lang, "dir/file", src, len, o), code);
    assert_non_null(a.error);
    if (!strstr(a.error, reason)) fail_msg("reason [%s] lacks [%s]", a.error, reason);
    assert_null(strstr(a.error, "dir/file"));     /* path-free: the session prefixes it */
    sink_free(&a);
}

static void test_failures(void **state)
{
    (void)state;
    expect_failure("cobol", "x", 1, LMKV_EINVAL, "no tree-sitter frontend for language 'cobol'", NULL);
    expect_failure("python", "def f():\n  pass\n\0\0", 18, LMKV_EPARSE, "binary content (a NUL byte at offset 16)", NULL);
    size_t big = LMKV_ANALYSIS__TS_MAX_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, '\n', big);
    expect_failure("go", huge, big, LMKV_ETOOBIG, "file too large", NULL);
    free(huge);
    size_t depth = LMKV_ANALYSIS__TS_MAX_DEPTH + 1;
    char *deep = malloc(2 * depth + 8);
    assert_non_null(deep);
    memcpy(deep, "x = ", 4);
    memset(deep + 4, '[', depth);
    memset(deep + 4 + depth, ']', depth);
    expect_failure("python", deep, 4 + 2 * depth, LMKV_ELIMIT, "nesting too deep: 1001 levels of brackets at line 1", NULL);
    memset(deep + 4, '(', depth - 1);              /* 1000 levels: analysed */
    memset(deep + 4 + depth - 1, ')', depth - 1);
    lmkv_analysis a;
    sink_init(&a);
    assert_int_equal(lmkv_analysis__ts_run(&a, "python", "d", deep, 4 + 2 * (depth - 1), NULL), LMKV_OK);
    sink_free(&a);
    free(deep);

    /* cancelled: the flag set, a file with more than 4096 matches */
    size_t n = 20000, len = 0;
    char *many = malloc(n * 8 + 1);
    assert_non_null(many);
    for (size_t i = 0; i < n; i++) len += (size_t)sprintf(many + len, "f(%zu)\n", i % 10);
    volatile sig_atomic_t cancel = 1;
    struct lmkv_analysis__opts o;
    memset(&o, 0, sizeof o);
    o.cancel = &cancel;
    expect_failure("python", many, len, LMKV_ECONFLICT, "interrupted", &o);
    cancel = 0;
    sink_init(&a);
    assert_int_equal(lmkv_analysis__ts_run(&a, "python", "m", many, len, &o), LMKV_OK);
    assert_int_equal(a.ncalls, n);
    sink_free(&a);
    free(many);

    /* a syntax error is recovered, not a failure */
    sink_init(&a);
    assert_int_equal(run(&a, "python", "def broken(:\n    pass\ndef ok():\n    g()\n"), LMKV_OK);
    assert_true(has_call(&a, "ok", "g", 4));
    sink_free(&a);
}

static void *thread_main(void *arg)
{
    const char *lang = arg;
    for (int i = 0; i < 20; i++) {
        lmkv_analysis a;
        sink_init(&a);
        int rc = run(&a, lang, "object O { def m() = f(1) }\nclass C { void m() { f(1); } }\n");
        sink_free(&a);
        if (rc != LMKV_OK) return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[2];
    /* java is not used by the tests above: both threads race to build it */
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, thread_main, (void *)"java"), 0);
    for (int i = 0; i < 2; i++) {
        void *r;
        assert_int_equal(pthread_join(t[i], &r), 0);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_real_file_and_contract),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
