/*
 * test_versioning_diffgc.c -- semantic diff between commits (added,
 * removed, modified by qualified name and signature; revspecs; versions not
 * indexed) and retention (gc of versions of unreachable commits, of
 * orphaned worktree versions, of commits older than max-age; dry runs;
 * bounded transactions; LSP cache entries of removed versions) over real
 * git repositories made with the git CLI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "test_versioning_util.h"

static const struct lmkv_symbol_change *find_change(const struct lmkv_semdiff *d, const char *q)
{
    for (size_t i = 0; i < d->nchanges; i++)
        if (!strcmp(d->changes[i].qualified_name, q)) return &d->changes[i];
    return NULL;
}

static void head_hex(char out[LMKV_OID_HEXSZ], struct dbh *h)
{
    struct lmkv_head_info hd;
    assert_int_equal(lmkv_worktree_head(&hd, h->wt), LMKV_OK);
    memcpy(out, hd.commit, LMKV_OID_HEXSZ);
}

static void index_now(struct dbh *h)
{
    struct lmkv_index_report r;
    struct lmkv_index_options o = opts_c();
    if (lmkv_index_worktree(&r, h->wt, &o, tiny_analyser, NULL) != LMKV_OK) fail_msg("index: %s", lmkv_errmsg());
    lmkv_index_report_clear(&r);
}

static void test_semantic_diff(void **state)
{
    (void)state;
    char repo[1100], dbdir[1100], c1[LMKV_OID_HEXSZ], c2[LMKV_OID_HEXSZ];
    snprintf(repo, sizeof repo, "%s/drepo", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-diff", tmpdir);
    sh("git init -q -b main '%s'", repo);
    write_file(repo, "a.c", A_C);
    write_file(repo, "b.c", B_C);
    write_file(repo, "keep.c", "int stable(void)\n{\n    return 7;\n}\n");
    sh("cd '%s' && git add . && git commit -q -m c1", repo);
    struct dbh h;
    db_open(&h, dbdir, repo);
    index_now(&h);
    head_hex(c1, &h);

    /* c2: helper's signature changes, alpha's body only, delta added,
     * b.c (beta) removed, c.c (gamma) added, keep.c untouched. */
    write_file(repo, "a.c",
               "int helper(int x, int z)\n{\n    return x + z;\n}\n"
               "int alpha(void)\n{\n    return helper(2, 5);\n}\n"
               "int delta(void)\n{\n    return 4;\n}\n");
    write_file(repo, "c.c", "int gamma(int g)\n{\n    return g;\n}\n");
    sh("cd '%s' && git rm -q b.c && git add . && git commit -q -m c2", repo);
    index_now(&h);
    head_hex(c2, &h);

    struct lmkv_semdiff *d = NULL;
    struct lmkv_index_options o = opts_c();
    int rc = lmkv_diff_commits(&d, h.wt, "HEAD~1", "main", &o, NULL, NULL);
    if (rc != LMKV_OK) fail_msg("diff: %s", lmkv_errmsg());
    assert_string_equal(d->a, c1);
    assert_string_equal(d->b, c2);
    assert_int_equal(d->added, 2);
    assert_int_equal(d->removed, 1);
    assert_int_equal(d->modified, 1);
    assert_int_equal(d->nchanges, 4);
    assert_int_equal(d->analysed, 0);
    const struct lmkv_symbol_change *x = find_change(d, "helper");
    assert_non_null(x);
    assert_int_equal(x->change, LMKV_CHANGE_MODIFIED);
    assert_string_equal(x->old_signature, "(int x)");
    assert_string_equal(x->new_signature, "(int x, int z)");
    assert_string_equal(x->path, "a.c");
    assert_null(x->old_path);
    x = find_change(d, "beta");
    assert_non_null(x);
    assert_int_equal(x->change, LMKV_CHANGE_REMOVED);
    assert_string_equal(x->path, "b.c");
    x = find_change(d, "gamma");
    assert_non_null(x);
    assert_int_equal(x->change, LMKV_CHANGE_ADDED);
    assert_int_equal(x->kind, 12);
    assert_non_null(find_change(d, "delta"));
    assert_null(find_change(d, "alpha"));       /* body change only */
    assert_null(find_change(d, "stable"));      /* file unchanged */
    /* sorted by qualified name */
    for (size_t i = 1; i < d->nchanges; i++)
        assert_true(strcmp(d->changes[i - 1].qualified_name, d->changes[i].qualified_name) <= 0);
    lmkv_semdiff_free(d);

    /* reversed: added <-> removed */
    assert_int_equal(lmkv_diff_commits(&d, h.wt, c2, c1, &o, NULL, NULL), LMKV_OK);
    assert_int_equal(d->added, 1);
    assert_int_equal(d->removed, 2);
    assert_int_equal(d->modified, 1);
    lmkv_semdiff_free(d);

    /* same commit: nothing */
    assert_int_equal(lmkv_diff_commits(&d, h.wt, "HEAD", c2, &o, NULL, NULL), LMKV_OK);
    assert_int_equal(d->nchanges, 0);
    lmkv_semdiff_free(d);

    /* a function moved to another file with the same signature: no change */
    sh("cd '%s' && git checkout -q -b move", repo);
    write_file(repo, "c.c", "int gamma(int g)\n{\n    return g;\n}\nint delta(void)\n{\n    return 4;\n}\n");
    write_file(repo, "a.c",
               "int helper(int x, int z)\n{\n    return x + z;\n}\n"
               "int alpha(void)\n{\n    return helper(2, 5);\n}\n");
    sh("cd '%s' && git commit -q -am move", repo);
    /* c3 is not indexed: without an analyser the diff names what is missing */
    assert_int_equal(lmkv_diff_commits(&d, h.wt, "main", "move", &o, NULL, NULL), LMKV_NOTFOUND);
    assert_non_null(strstr(lmkv_errmsg(), "is not indexed"));
    /* with one, the blobs are analysed from git and stored */
    analyser_calls = 0;
    assert_int_equal(lmkv_diff_commits(&d, h.wt, "main", "move", &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(d->analysed, 2);
    assert_int_equal(analyser_calls, 2);
    assert_int_equal(d->nchanges, 0);
    lmkv_semdiff_free(d);
    /* now stored: no analysis the second time */
    analyser_calls = 0;
    assert_int_equal(lmkv_diff_commits(&d, h.wt, "main", "move", &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(d->analysed, 0);
    assert_int_equal(analyser_calls, 0);
    lmkv_semdiff_free(d);

    /* revisions that do not resolve */
    assert_int_equal(lmkv_diff_commits(&d, h.wt, "no-such-branch", "HEAD", &o, NULL, NULL), LMKV_NOTFOUND);
    assert_non_null(strstr(lmkv_errmsg(), "no-such-branch"));
    assert_int_equal(lmkv_diff_commits(&d, h.wt, "HEAD~99", "HEAD", &o, NULL, NULL), LMKV_NOTFOUND);
    db_close(&h);
}

static int has_version(struct dbh *h, uint64_t fv)
{
    lmkv_store_txn *t = NULL;
    lmkv_file_version r;
    assert_int_equal(lmkv_store_txn_begin(&t, h->st), LMKV_OK);
    int rc = lmkv_store_file_version_get(&r, t, lmkv_worktree_id(h->wt), fv);
    lmkv_store_txn_end(t);
    assert_true(rc == LMKV_OK || rc == LMKV_NOTFOUND);
    return rc == LMKV_OK;
}

static uint64_t fv_of(struct dbh *h, const char *path, const char *content)
{
    char blob[LMKV_OID_HEXSZ];
    uint64_t fv;
    assert_int_equal(lmkv_blob_id(blob, content, strlen(content)), LMKV_OK);
    assert_int_equal(lmkv_file_version_id(&fv, lmkv_worktree_id(h->wt), path, blob), LMKV_OK);
    return fv;
}

static void test_gc(void **state)
{
    (void)state;
    char repo[1100], dbdir[1100];
    snprintf(repo, sizeof repo, "%s/grepo", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-gc", tmpdir);
    sh("git init -q -b main '%s'", repo);
    write_file(repo, "a.c", A_C);
    write_file(repo, "b.c", B_C);
    sh("cd '%s' && git add . && git commit -q -m c1", repo);
    struct dbh h;
    db_open(&h, dbdir, repo);
    index_now(&h);

    /* a throw-away branch, indexed, then deleted */
    static const char *TMP_A = "int helper(int x)\n{\n    return x + 2;\n}\n";
    sh("cd '%s' && git checkout -q -b tmp", repo);
    write_file(repo, "a.c", TMP_A);
    sh("cd '%s' && git commit -q -am tmp", repo);
    index_now(&h);
    sh("cd '%s' && git checkout -q main && git branch -q -D tmp", repo);
    index_now(&h);
    /* an edit indexed and reverted: its version is orphaned */
    static const char *EDIT_B = "int beta(int y)\n{\n    return y;\n}\n";
    write_file(repo, "b.c", EDIT_B);
    index_now(&h);
    write_file(repo, "b.c", B_C);
    index_now(&h);

    uint64_t fv_tmp = fv_of(&h, "a.c", TMP_A), fv_edit = fv_of(&h, "b.c", EDIT_B);
    uint64_t fv_a = fv_of(&h, "a.c", A_C);
    assert_true(has_version(&h, fv_tmp));
    assert_true(has_version(&h, fv_edit));

    /* an LSP cache entry for the orphaned version of b.c and one for a.c's current version */
    lmkv_cache *cache = NULL;
    assert_int_equal(lmkv_cache_open(&cache, h.st, NULL), LMKV_OK);
    lmkv_cache_key kold = { lmkv_worktree_id(h.wt), "textDocument/hover", "b.c", fv_edit, 1, 4, 0 };
    lmkv_cache_key kcur = { lmkv_worktree_id(h.wt), "textDocument/hover", "a.c", fv_a, 1, 4, 0 };
    assert_int_equal(lmkv_cache_put(cache, &kold, "old", 3, NULL, NULL, 1), LMKV_OK);
    assert_int_equal(lmkv_cache_put(cache, &kcur, "cur", 3, NULL, NULL, 1), LMKV_OK);
    assert_int_equal(lmkv_cache_close(cache), LMKV_OK);

    /* dry run: counts, writes nothing */
    uint64_t before = last_txnid(&h);
    struct lmkv_gc_options go;
    struct lmkv_gc_report gr;
    memset(&go, 0, sizeof go);
    go.dry_run = 1;
    assert_int_equal(lmkv_gc_run(&gr, h.wt, &go), LMKV_OK);
    assert_int_equal(gr.commits_dropped, 1);
    assert_int_equal(gr.commits_kept, 1);
    assert_int_equal(gr.versions_removed, 2);
    assert_int_equal(gr.versions_kept, 2);
    assert_int_equal(gr.write_txns, 0);
    assert_int_equal(last_txnid(&h), before);
    assert_true(has_version(&h, fv_tmp));

    /* real run, one version per transaction */
    go.dry_run = 0;
    go.batch_versions = 1;
    assert_int_equal(lmkv_gc_run(&gr, h.wt, &go), LMKV_OK);
    assert_int_equal(gr.commits_dropped, 1);
    assert_int_equal(gr.versions_removed, 2);
    assert_int_equal(gr.versions_kept, 2);
    assert_true(gr.write_txns >= 3);            /* unmap + 2 removals */
    assert_false(has_version(&h, fv_tmp));
    assert_false(has_version(&h, fv_edit));
    assert_true(has_version(&h, fv_a));
    /* the orphaned version's cache entry is gone, the current one stays */
    assert_int_equal(lmkv_cache_open(&cache, h.st, NULL), LMKV_OK);
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(lmkv_cache_get(&buf, &len, cache, &kold), LMKV_NOTFOUND);
    assert_int_equal(lmkv_cache_get(&buf, &len, cache, &kcur), LMKV_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, "cur", 3);
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_close(cache), LMKV_OK);

    /* the current state is intact (equals a fresh index) */
    struct lmkv_index_report r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.write_txns, 0);
    lmkv_index_report_clear(&r);

    /* nothing left: a second gc removes nothing */
    before = last_txnid(&h);
    go.batch_versions = 0;
    assert_int_equal(lmkv_gc_run(&gr, h.wt, &go), LMKV_OK);
    assert_int_equal(gr.versions_removed, 0);
    assert_int_equal(gr.commits_dropped, 0);
    assert_int_equal(gr.write_txns, 0);
    assert_int_equal(last_txnid(&h), before);
    db_close(&h);
}

static void test_gc_max_age(void **state)
{
    (void)state;
    char repo[1100], dbdir[1100];
    snprintf(repo, sizeof repo, "%s/arepo", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-age", tmpdir);
    sh("git init -q -b main '%s'", repo);
    static const char *OLD_A = "int helper(int x)\n{\n    return x * 3;\n}\n";
    write_file(repo, "a.c", OLD_A);
    sh("cd '%s' && git add . && GIT_AUTHOR_DATE='2001-01-01T00:00:00Z' GIT_COMMITTER_DATE='2001-01-01T00:00:00Z' git commit -q -m old", repo);
    struct dbh h;
    db_open(&h, dbdir, repo);
    index_now(&h);
    write_file(repo, "a.c", A_C);
    sh("cd '%s' && git commit -q -am new", repo);
    index_now(&h);
    uint64_t fv_old = fv_of(&h, "a.c", OLD_A);
    assert_true(has_version(&h, fv_old));

    struct lmkv_gc_options go;
    struct lmkv_gc_report gr;
    memset(&go, 0, sizeof go);
    /* without an age limit the old commit is reachable from main: kept */
    assert_int_equal(lmkv_gc_run(&gr, h.wt, &go), LMKV_OK);
    assert_int_equal(gr.commits_dropped, 0);
    assert_int_equal(gr.versions_removed, 0);
    assert_true(has_version(&h, fv_old));
    /* one day: the 2001 commit goes, HEAD (the tip) stays whatever its age */
    go.max_age_seconds = 86400;
    assert_int_equal(lmkv_gc_run(&gr, h.wt, &go), LMKV_OK);
    assert_int_equal(gr.commits_dropped, 1);
    assert_int_equal(gr.commits_kept, 1);
    assert_int_equal(gr.versions_removed, 1);
    assert_false(has_version(&h, fv_old));
    /* a tip older than the limit is kept */
    go.now = (int64_t)time(NULL) + 10 * 86400;
    assert_int_equal(lmkv_gc_run(&gr, h.wt, &go), LMKV_OK);
    assert_int_equal(gr.commits_dropped, 0);
    assert_int_equal(gr.commits_kept, 1);
    struct lmkv_index_report r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    lmkv_index_report_clear(&r);
    go.max_age_seconds = -1;
    assert_int_equal(lmkv_gc_run(&gr, h.wt, &go), LMKV_EINVAL);
    db_close(&h);
}

static void test_gc_non_git(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "gplain");
    sh("mkdir -p '%s'", dir);
    write_file(dir, "a.c", A_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    index_now(&h);
    write_file(dir, "a.c", B_C);        /* the first version is superseded */
    index_now(&h);
    assert_true(has_version(&h, fv_of(&h, "a.c", A_C)));
    struct lmkv_gc_report gr;
    assert_int_equal(lmkv_gc_run(&gr, h.wt, NULL), LMKV_OK);
    assert_int_equal(gr.commits_kept + gr.commits_dropped, 0);
    assert_int_equal(gr.versions_removed, 1);
    assert_int_equal(gr.versions_kept, 1);
    assert_false(has_version(&h, fv_of(&h, "a.c", A_C)));
    assert_true(has_version(&h, fv_of(&h, "a.c", B_C)));
    struct lmkv_index_report r = step(&h, dir);
    assert_int_equal(r.analysed, 0);
    lmkv_index_report_clear(&r);
    db_close(&h);
}

int main(void)
{
    test_setup_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semantic_diff),
        cmocka_unit_test(test_gc),
        cmocka_unit_test(test_gc_max_age),
        cmocka_unit_test(test_gc_non_git),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
