/*
 * test_analysis_dispatch.c -- analysis/'s dispatcher (lmkv_analysis.h):
 * a path's language by extension (case-sensitive, last component only),
 * else by the #! line (env and its options skipped, version digits
 * dropped); the language filter; the analyser id naming each selected
 * frontend; unknown language names refused with the known ones listed;
 * the filter reading an extensionless file's shebang from the root.
 * Languages whose frontend is not built in select nothing: the test asks
 * the table (lmkv_analysis_language_at) which ones are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmkv_analysis.h"

static int built(const char *lang)
{
    struct lmkv_analysis_language_info li;
    for (size_t i = 0; lmkv_analysis_language_at(&li, i) == LMKV_OK; i++)
        if (!strcmp(li.name, lang)) return li.frontend != NULL;
    fail_msg("language %s not in the table", lang);
    return 0;
}

/* The language the analyser picks, or NULL; checks NULL for unbuilt ones. */
static void expect_lang(const lmkv_analyser *an, const char *path, const char *head, const char *want)
{
    const char *got = lmkv_analyser_language(an, path, head, head ? strlen(head) : 0);
    if (want && !built(want)) want = NULL;
    if (!want) assert_null(got);
    else { assert_non_null(got); assert_string_equal(got, want); }
}

static void test_extensions_and_shebangs(void **state)
{
    (void)state;
    lmkv_analyser *an = NULL;
    assert_int_equal(lmkv_analyser_new(&an, NULL), LMKV_OK);
    assert_true(built("c") && built("cpp"));
    expect_lang(an, "mdb.c", NULL, "c");
    expect_lang(an, "src/lmdb.h", NULL, "c");
    expect_lang(an, "a/b.cpp", NULL, "cpp");
    expect_lang(an, "x.hpp", NULL, "cpp");
    expect_lang(an, "x.C", NULL, "cpp");           /* gcc: .C is C++ */
    expect_lang(an, "x.rs", NULL, "rust");
    expect_lang(an, "x.py", NULL, "python");
    expect_lang(an, "x.tsx", NULL, "tsx");
    expect_lang(an, "dir.c/README", NULL, NULL);   /* the last component counts */
    expect_lang(an, ".c", NULL, NULL);             /* a dot file has no extension */
    expect_lang(an, "x.cobol", NULL, NULL);
    /* the extension wins over a shebang */
    expect_lang(an, "tool.c", "#!/usr/bin/python3\n", "c");
    expect_lang(an, "tool", "#!/usr/bin/python3\nprint(1)\n", "python");
    expect_lang(an, "tool", "#!/usr/bin/env python3.11 -u\n", "python");
    expect_lang(an, "tool", "#!/usr/bin/env -S node --harmony\n", "javascript");
    expect_lang(an, "tool", "#! /bin/sh\n", NULL);
    expect_lang(an, "tool", "no shebang\n", NULL);
    const char *id = lmkv_analyser_id(an);
    assert_non_null(strstr(id, "lmkv-analysis 1"));
    assert_non_null(strstr(id, "c=libclang 14"));
    assert_non_null(strstr(id, "cpp=libclang 14"));
    lmkv_analyser_free(an);
}

static void test_language_filter(void **state)
{
    (void)state;
    lmkv_analyser *an = NULL;
    const char *only_cpp[] = {"cpp"};
    struct lmkv_analyser_options o = {.languages = only_cpp, .nlanguages = 1};
    assert_int_equal(lmkv_analyser_new(&an, &o), LMKV_OK);
    expect_lang(an, "mdb.c", NULL, NULL);
    expect_lang(an, "a.cc", NULL, "cpp");
    assert_null(strstr(lmkv_analyser_id(an), "c=libclang"));
    assert_int_equal(lmkv_analyser_filter("mdb.c", an), 0);
    assert_int_equal(lmkv_analyser_filter("a.cc", an), 1);
    lmkv_analyser_free(an);

    const char *bad[] = {"c", "cobol"};
    o.languages = bad;
    o.nlanguages = 2;
    an = NULL;
    assert_int_equal(lmkv_analyser_new(&an, &o), LMKV_EINVAL);
    assert_null(an);
    assert_non_null(strstr(lmkv_errmsg(), "cobol"));
    assert_non_null(strstr(lmkv_errmsg(), "known: c, cpp"));
    o.languages = NULL;
    assert_int_equal(lmkv_analyser_new(&an, &o), LMKV_EINVAL);
    assert_int_equal(lmkv_analyser_new(NULL, NULL), LMKV_EINVAL);
}

/* The filter reads an extensionless file's first line from the root. */
static void test_filter_reads_shebang(void **state)
{
    (void)state;
    char dir[] = "/tmp/lmkv-dispatch.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p[256];
    snprintf(p, sizeof p, "%s/run", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("#!/usr/bin/env python3\nprint('hi')\n", f);
    fclose(f);
    lmkv_analyser *an = NULL;
    struct lmkv_analyser_options o = {.root = dir};
    assert_int_equal(lmkv_analyser_new(&an, &o), LMKV_OK);
    assert_int_equal(lmkv_analyser_filter("run", an), built("python"));
    assert_int_equal(lmkv_analyser_filter("missing", an), 0);
    assert_int_equal(lmkv_analyser_filter("x.c", an), 1);
    struct lmkv_analyser_stats st;
    lmkv_analyser_stats(&st, an);
    assert_int_equal(st.files, 0);
    lmkv_analyser_free(an);
    unlink(p);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extensions_and_shebangs),
        cmocka_unit_test(test_language_filter),
        cmocka_unit_test(test_filter_reads_shebang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
