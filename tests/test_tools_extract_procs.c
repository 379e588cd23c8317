/*
 * test_tools_extract_procs.c -- the extractor's child processes: ctags and
 * cflow's three passes run at once (XC_WITH_CALLS, xc_symbols_mem,
 * xc_analyze_file), every pipe read as data comes. Tools are the real
 * Universal Ctags and GNU cflow, or shell wrappers put first on $PATH that
 * run them with noise on stderr, fail, flood stdout and fail, or are
 * missing. Each case must end (no deadlock, no process left), report the
 * failing tool by name as the sequential runs did, and otherwise give
 * exactly what the tools give one after another. The extractor lives in the
 * lmkv tool, so it is compiled into this program directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../tools/lmkv/extract_c.c"
#include "util/lmkv_test_util.h"

static char *dir;        /* test files */
static char *bin;        /* wrapper tools */
static char real_path[8192];
static char real_ctags[PATH_MAX], real_cflow[PATH_MAX];

static void write_text(const char *path, const char *text, int mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, (mode_t)mode), 0);
}

/* $PATH = the wrapper directory only (with WRAP_CTAGS / WRAP_CFLOW as the
 * scripts, NULL = no such tool there), or the real $PATH (NULL, NULL, 0). */
static void tools(const char *wrap_ctags, const char *wrap_cflow, int wrapped)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/ctags", bin);
    unlink(p);
    if (wrap_ctags) write_text(p, wrap_ctags, 0755);
    snprintf(p, sizeof p, "%s/cflow", bin);
    unlink(p);
    if (wrap_cflow) write_text(p, wrap_cflow, 0755);
    setenv("PATH", wrapped ? bin : real_path, 1);
}

static const char demo_c[] =
    "#define TWICE(x) ((x) * 2)\n"
    "struct point { int x; int y; };\n"
    "static int scale(int v) { return TWICE(v); }\n"
    "int norm(struct point *p)\n"
    "{\n"
    "    return scale(p->x) + scale(p->y);\n"
    "}\n"
    "int area(struct point *p)\n"
    "{\n"
    "    return norm(p) * norm(p);\n"
    "}\n";

static char *demo_path;

static int setup(void **state)
{
    (void)state;
    dir = lmkv_test_tmpdir("xprocs");
    bin = lmkv_test_tmpdir("xprocs-bin");
    snprintf(real_path, sizeof real_path, "%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    if (!path_lookup("ctags", real_path, real_ctags) || !path_lookup("cflow", real_path, real_cflow))
        return -1;
    demo_path = lmkv_test_path(dir, "demo.c");
    write_text(demo_path, demo_c, 0644);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    setenv("PATH", real_path, 1);
    lmkv_test_rmtree(dir);
    lmkv_test_rmtree(bin);
    free(dir);
    free(bin);
    free(demo_path);
    return 0;
}

/* One line per symbol, call and reference: the whole result as text. */
static char *result_text(const struct xc_file *f)
{
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    s[0] = '\0';
#define ADD(...) do { \
        int k_ = snprintf(s + n, cap - n, __VA_ARGS__); \
        assert_true(k_ >= 0); \
        if ((size_t)k_ >= cap - n) { cap = cap * 2 + (size_t)k_; s = realloc(s, cap); assert_non_null(s); \
            k_ = snprintf(s + n, cap - n, __VA_ARGS__); } \
        n += (size_t)k_; } while (0)
    for (size_t i = 0; i < f->nsyms; i++)
        ADD("sym %s %d %u-%u %u %s\n", f->syms[i].qualified, (int)f->syms[i].ckind, f->syms[i].line,
            f->syms[i].end_line, f->syms[i].column, f->syms[i].signature ? f->syms[i].signature : "-");
    for (size_t i = 0; i < f->ncalls; i++)
        ADD("call %s %s %u:%u\n", f->calls[i].caller, f->calls[i].callee, f->calls[i].line, f->calls[i].column);
    for (size_t i = 0; i < f->nrefs; i++)
        ADD("ref %s %s %u:%u %d\n", f->refs[i].source ? f->refs[i].source : "-", f->refs[i].target,
            f->refs[i].line, f->refs[i].column, (int)f->refs[i].kind);
#undef ADD
    return s;
}

/* The result with the tools run one after another (ctags, then cflow's
 * passes when xc_calls_refs asks): the reference every concurrent run
 * must equal. */
static char *sequential_result(const char *name)
{
    struct xc_file *f = NULL;
    assert_int_equal(xc_symbols(&f, dir, name), 0);
    assert_int_equal(f->priv->have_cflow, 0);
    assert_int_equal(xc_calls_refs(f, dir, NULL), 0);
    char *s = result_text(f);
    xc_file_free(f);
    return s;
}

static void test_concurrent_equals_sequential(void **state)
{
    (void)state;
    tools(NULL, NULL, 0);
    char *want = sequential_result("demo.c");
    assert_non_null(strstr(want, "call area norm 10:"));
    struct xc_file *f = NULL;
    assert_int_equal(xc_symbols_ex(&f, dir, "demo.c", XC_WITH_CALLS), 0);
    assert_int_equal(f->priv->have_cflow, 1);           /* cflow ran with ctags */
    assert_int_equal(xc_calls_refs(f, dir, NULL), 0);
    char *got = result_text(f);
    assert_string_equal(got, want);
    free(got);
    xc_file_free(f);
    /* in memory and xc_analyze_file: the same */
    assert_int_equal(xc_symbols_mem(&f, "demo.c", demo_c, sizeof demo_c - 1), 0);
    assert_int_equal(f->priv->have_cflow, 1);
    assert_int_equal(xc_calls_refs(f, NULL, NULL), 0);
    got = result_text(f);
    assert_string_equal(got, want);
    free(got);
    xc_file_free(f);
    assert_int_equal(xc_analyze_file(&f, dir, "demo.c", NULL), 0);
    got = result_text(f);
    assert_string_equal(got, want);
    free(got);
    xc_file_free(f);
    free(want);
}

/* Tools that write a megabyte to stderr each (a naive reader waiting on
 * stdout while stderr fills would hang): same result. */
static void test_stderr_noise(void **state)
{
    (void)state;
    tools(NULL, NULL, 0);
    char *want = sequential_result("demo.c");
    char ct[PATH_MAX + 128], cf[PATH_MAX + 128];
    snprintf(ct, sizeof ct, "#!/bin/sh\nhead -c 1048576 /dev/zero >&2\nexec %s \"$@\"\n", real_ctags);
    snprintf(cf, sizeof cf, "#!/bin/sh\nhead -c 1048576 /dev/zero >&2\nexec %s \"$@\"\n", real_cflow);
    tools(ct, cf, 1);
    struct xc_file *f = NULL;
    assert_int_equal(xc_analyze_file(&f, dir, "demo.c", NULL), 0);
    char *got = result_text(f);
    assert_string_equal(got, want);
    free(got);
    xc_file_free(f);
    free(want);
    tools(NULL, NULL, 0);
}

/* cflow fails: ctags' symbols are still given (the failure is reported by
 * xc_calls_refs, naming cflow and its status, as without XC_WITH_CALLS);
 * ctags fails: xc_symbols_ex reports it. One wrapper floods stdout (8 MiB,
 * far past a pipe's 64 KiB) before failing. */
static void test_failing_tools(void **state)
{
    (void)state;
    char ct[PATH_MAX + 64];
    snprintf(ct, sizeof ct, "#!/bin/sh\nexec %s \"$@\"\n", real_ctags);
    tools(ct, "#!/bin/sh\nhead -c 8388608 /dev/zero | tr '\\0' x\nexit 3\n", 1);
    struct xc_file *f = NULL;
    assert_int_equal(xc_symbols_ex(&f, dir, "demo.c", XC_WITH_CALLS), 0);
    assert_int_equal(f->priv->have_cflow, 0);
    assert_true(f->nsyms >= 4);
    assert_int_equal(xc_calls_refs(f, dir, NULL), LMKV_EEXTERNAL);
    assert_non_null(strstr(xc_errmsg(), "cflow failed (status 3)"));
    assert_non_null(strstr(xc_errmsg(), "demo.c"));
    xc_file_free(f);
    f = NULL;
    assert_int_equal(xc_analyze_file(&f, dir, "demo.c", NULL), LMKV_EEXTERNAL);
    assert_null(f);
    assert_non_null(strstr(xc_errmsg(), "cflow failed (status 3)"));

    tools("#!/bin/sh\necho '{not json' \nexit 2\n", "#!/bin/sh\nexit 0\n", 1);
    assert_int_equal(xc_symbols_ex(&f, dir, "demo.c", XC_WITH_CALLS), LMKV_EEXTERNAL);
    assert_null(f);
    assert_non_null(strstr(xc_errmsg(), "ctags failed (status 2)"));
    tools(NULL, NULL, 0);
}

/* A tool that is not there: ctags missing fails xc_symbols_ex; cflow
 * missing fails xc_calls_refs; both name the program. */
static void test_missing_tools(void **state)
{
    (void)state;
    char ct[PATH_MAX + 64];
    snprintf(ct, sizeof ct, "#!/bin/sh\nexec %s \"$@\"\n", real_ctags);
    tools(ct, NULL, 1);
    assert_int_equal(xc_tools_available(), 0);
    struct xc_file *f = NULL;
    assert_int_equal(xc_symbols_ex(&f, dir, "demo.c", XC_WITH_CALLS), 0);
    assert_int_equal(f->priv->have_cflow, 0);
    assert_int_equal(xc_calls_refs(f, dir, NULL), LMKV_EEXTERNAL);
    assert_non_null(strstr(xc_errmsg(), "cflow"));
    xc_file_free(f);
    f = NULL;
    tools(NULL, NULL, 1);
    assert_int_equal(xc_symbols_ex(&f, dir, "demo.c", XC_WITH_CALLS), LMKV_EEXTERNAL);
    assert_null(f);
    assert_non_null(strstr(xc_errmsg(), "ctags"));
    tools(NULL, NULL, 0);
    assert_int_equal(xc_tools_available(), 1); /* the lookup follows $PATH */
}

/* cflow runs in the C locale whatever the caller's (it loads no locale
 * files at start); ctags gets the caller's environment unchanged. */
static void test_cflow_in_c_locale(void **state)
{
    (void)state;
    char ct[PATH_MAX * 2 + 128], cf[PATH_MAX * 2 + 128];
    char *envlog = lmkv_test_path(dir, "env.log");
    snprintf(ct, sizeof ct, "#!/bin/sh\necho \"ctags ${LC_ALL:-unset} $LANG\" >> %s\nexec %s \"$@\"\n", envlog, real_ctags);
    snprintf(cf, sizeof cf, "#!/bin/sh\necho \"cflow ${LC_ALL:-unset} $LANG\" >> %s\nexec %s \"$@\"\n", envlog, real_cflow);
    tools(ct, cf, 1);
    setenv("LANG", "C.UTF-8", 1);
    unsetenv("LC_ALL");
    struct xc_file *f = NULL;
    assert_int_equal(xc_analyze_file(&f, dir, "demo.c", NULL), 0);
    xc_file_free(f);
    FILE *fp = fopen(envlog, "r");
    assert_non_null(fp);
    char line[256];
    int nct = 0, ncf = 0;
    while (fgets(line, sizeof line, fp)) {
        if (!strcmp(line, "ctags unset C.UTF-8\n")) nct++;
        else if (!strcmp(line, "cflow C C.UTF-8\n")) ncf++;
        else fail_msg("unexpected environment: %s", line);
    }
    fclose(fp);
    assert_int_equal(nct, 1);
    assert_int_equal(ncf, 3);
    free(envlog);
    tools(NULL, NULL, 0);
}

/* A file of 4000 functions: each tool writes far more than a pipe holds
 * (64 KiB), all four at once; everything arrives. */
static void test_huge_outputs(void **state)
{
    (void)state;
    tools(NULL, NULL, 0);
    enum { N = 4000 };
    size_t cap = (size_t)N * 80, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "int fn0(int v)\n{\n    return v;\n}\n");
    for (int i = 1; i < N; i++) /* shallow: cflow's trees indent by call depth */
        n += (size_t)snprintf(text + n, cap - n, "int fn%d(int v)\n{\n    return fn0(v) + %d;\n}\n", i, i);
    char *p = lmkv_test_path(dir, "huge.c");
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, n, fp), n);
    fclose(fp);
    free(p);
    struct xc_file *f = NULL;
    assert_int_equal(xc_symbols_ex(&f, dir, "huge.c", XC_WITH_CALLS), 0);
    assert_int_equal(f->priv->have_cflow, 1);
    assert_true(f->priv->cflow[0].n > 65536 && f->priv->cflow[1].n > 65536 && f->priv->cflow[2].n > 65536);
    if (xc_calls_refs(f, dir, NULL) != 0) fail_msg("%s", xc_errmsg());
    assert_int_equal(f->nsyms, N);
    assert_int_equal(f->ncalls, N - 1);
    char *got = result_text(f);
    xc_file_free(f);
    char *want = sequential_result("huge.c");
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_equals_sequential),
        cmocka_unit_test(test_stderr_noise),
        cmocka_unit_test(test_failing_tools),
        cmocka_unit_test(test_missing_tools),
        cmocka_unit_test(test_cflow_in_c_locale),
        cmocka_unit_test(test_huge_outputs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
