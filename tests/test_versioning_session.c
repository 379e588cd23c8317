/*
 * test_versioning_session.c -- index sessions over real git repositories
 * made in $LMKV_TEST_TMP with the git CLI (commit, edit, stage, branch,
 * checkout, rename, delete, detached HEAD, no commits) and over a non-git
 * directory. After every step the current state read through the store
 * (symbols and calls, current files only) must equal what a FRESH FULL
 * INDEX of the same worktree into a second database gives, and the counts
 * (analysed, reused, deleted, failed) must show that only what changed was
 * analysed. A warm run must not commit a write transaction (LMDB's last
 * txn id does not move).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_versioning_util.h"

/* ------------------------------------------------------------------ tests */

static void test_git_lifecycle(void **state)
{
    (void)state;
    char repo[1100], dbdir[1100];
    snprintf(repo, sizeof repo, "%s/repo", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-life", tmpdir);
    sh("git init -q -b main '%s'", repo);
    write_file(repo, "a.c", A_C);
    write_file(repo, "b.c", B_C);
    write_file(repo, "README", "not C\n");
    sh("cd '%s' && git add . && git commit -q -m c1", repo);

    struct dbh h;
    db_open(&h, dbdir, repo);
    assert_int_equal(lmkv_worktree_is_git(h.wt), 1);

    /* 1. first index: both files analysed, README filtered out. */
    struct lmkv_index_report r = step(&h, repo);
    assert_int_equal(r.analysed, 2);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.head.is_git, 1);
    assert_string_equal(r.head.branch, "main");
    assert_true(r.write_txns >= 1);
    char *s = state_of(&h);
    assert_true(has_line(s, "sym a.c|alpha|12|(void)|5\n"));
    assert_true(has_line(s, "call a.c|alpha|beta|7|"));
    assert_false(has_line(s, "README"));
    free(s);
    int src = 0;
    uint64_t fv = 0;
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    assert_int_equal(src, LMKV_SOURCE_COMMIT);
    uint64_t gen1 = r.generation;
    assert_true(gen1 > 0);
    lmkv_index_report_clear(&r);

    /* 2. warm run: no analysis and no write transaction at all. */
    uint64_t txn_before = last_txnid(&h);
    analyser_calls = 0;
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.unchanged, 2);
    assert_int_equal(r.write_txns, 0);
    assert_int_equal(last_txnid(&h), txn_before);
    assert_int_equal(r.generation, gen1);
    lmkv_index_report_clear(&r);

    /* 3. edit a.c: only a.c analysed; its source becomes LATEST. */
    write_file(repo, "a.c",
               "int helper(int x, int z)\n{\n    return x + z;\n}\n"
               "int alpha(void)\n{\n    return helper(2, 3) + gamma(3);\n}\n");
    r = step(&h, repo);
    assert_int_equal(r.analysed, 1);
    assert_int_equal(r.unchanged, 1);
    assert_true(r.generation > gen1);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    assert_int_equal(src, LMKV_SOURCE_LATEST);
    s = state_of(&h);
    assert_true(has_line(s, "sym a.c|helper|12|(int x, int z)|1\n"));
    assert_true(has_line(s, "call a.c|alpha|gamma|7|"));
    assert_false(has_line(s, "call a.c|alpha|beta|"));   /* old version invisible */
    free(s);
    lmkv_index_report_clear(&r);

    /* current info: a.c modified, from latest; b.c from the commit. */
    struct lmkv_current_info *ci = NULL;
    assert_int_equal(lmkv_current_info_get(&ci, h.wt), LMKV_OK);
    assert_int_equal(ci->stale, 0);
    int seen = 0;
    for (size_t i = 0; i < ci->nentries; i++) {
        if (!strcmp(ci->entries[i].path, "a.c")) {
            assert_true(ci->entries[i].status & LMKV_WT_MODIFIED);
            assert_int_equal(ci->entries[i].source, LMKV_SOURCE_LATEST);
            seen++;
        } else if (!strcmp(ci->entries[i].path, "b.c")) {
            assert_int_equal(ci->entries[i].status, 0);
            assert_int_equal(ci->entries[i].source, LMKV_SOURCE_COMMIT);
            assert_string_equal(ci->entries[i].commit, ci->head.commit);
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    lmkv_current_info_free(ci);

    /* 4. stage it: same content, nothing analysed. */
    sh("cd '%s' && git add a.c", repo);
    analyser_calls = 0;
    r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    lmkv_index_report_clear(&r);

    /* 5. commit: every file now from the new commit, by reuse. */
    sh("cd '%s' && git commit -q -m c2", repo);
    r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.reused, 2);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    assert_int_equal(src, LMKV_SOURCE_COMMIT);
    lmkv_index_report_clear(&r);

    /* 6. a branch with a new file and a changed one. */
    sh("cd '%s' && git checkout -q -b feature", repo);
    write_file(repo, "c.c", "int gamma(int g)\n{\n    return beta(g);\n}\n");
    write_file(repo, "b.c", "int beta(long y)\n{\n    return helper(y, 1);\n}\n");
    sh("cd '%s' && git add . && git commit -q -m c3", repo);
    r = step(&h, repo);
    assert_int_equal(r.analysed, 2);
    assert_int_equal(r.unchanged + r.reused, 1);
    assert_string_equal(r.head.branch, "feature");
    lmkv_index_report_clear(&r);

    /* 7. switch back: nothing analysed, c.c leaves the current state. */
    sh("cd '%s' && git checkout -q main", repo);
    assert_int_equal(lmkv_current_info_get(&ci, h.wt), LMKV_OK);
    assert_int_equal(ci->stale, 1);                  /* HEAD moved, not indexed yet */
    assert_string_equal(ci->head.branch, "main");
    assert_string_not_equal(ci->indexed_commit, ci->head.commit);
    lmkv_current_info_free(ci);
    analyser_calls = 0;
    r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.deleted, 1);
    assert_int_equal(r.reused, 2);
    s = state_of(&h);
    assert_false(has_line(s, "c.c"));
    assert_true(has_line(s, "sym b.c|beta|12|(int y)|1\n"));
    free(s);
    lmkv_index_report_clear(&r);

    /* 8. and to feature again: resolution only (RESOLVE never analyses). */
    sh("cd '%s' && git checkout -q feature", repo);
    o = opts_c();
    o.flags = LMKV_INDEX_RESOLVE;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, NULL, NULL), LMKV_OK);
    assert_int_equal(r.pending, 0);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.reused, 3);
    lmkv_index_report_clear(&r);
    r = step(&h, repo);                     /* and it equals a fresh index */
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.write_txns, 0);
    lmkv_index_report_clear(&r);

    /* 9. rename (staged): the new path is a new file version, stored from
     *    the records of the same bytes under b.c (test_versioning_rename). */
    sh("cd '%s' && git mv b.c d.c", repo);
    r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.copied, 1);
    assert_int_equal(r.deleted, 1);
    lmkv_index_report_clear(&r);
    assert_int_equal(lmkv_current_info_get(&ci, h.wt), LMKV_OK);
    seen = 0;
    for (size_t i = 0; i < ci->nentries; i++)
        if (!strcmp(ci->entries[i].path, "d.c")) {
            assert_true(ci->entries[i].status & LMKV_WT_RENAMED);
            assert_non_null(ci->entries[i].old_path);
            assert_string_equal(ci->entries[i].old_path, "b.c");
            seen = 1;
        }
    assert_int_equal(seen, 1);
    lmkv_current_info_free(ci);

    /* 10. delete a file from the worktree. */
    sh("rm '%s/a.c'", repo);
    r = step(&h, repo);
    assert_int_equal(r.deleted, 1);
    assert_int_equal(r.analysed, 0);
    lmkv_index_report_clear(&r);

    /* 11. untracked file and a failing file: the failure leaves no rows. */
    write_file(repo, "new.c", "int fresh(void)\n{\n    return 0;\n}\n");
    write_file(repo, "bad.c", "int bad(void)\n#error analyse\n");
    r = step(&h, repo);
    assert_int_equal(r.analysed, 1);
    assert_int_equal(r.failed, 1);
    assert_string_equal(r.failures[0].path, "bad.c");
    assert_int_equal(r.failures[0].error, LMKV_EPARSE);
    assert_non_null(strstr(r.failures[0].message, "#error analyse"));
    s = state_of(&h);
    assert_false(has_line(s, "bad.c"));
    assert_true(has_line(s, "sym new.c|fresh|"));
    free(s);
    lmkv_index_report_clear(&r);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "bad.c"), LMKV_NOTFOUND);

    /* A previously good file that starts failing loses its rows. */
    write_file(repo, "new.c", "int fresh(void)\n#error analyse\n");
    r = step(&h, repo);
    assert_int_equal(r.failed, 2);
    s = state_of(&h);
    assert_false(has_line(s, "new.c"));
    free(s);
    lmkv_index_report_clear(&r);
    sh("rm '%s/new.c' '%s/bad.c'", repo, repo);

    /* 12. detached HEAD at the first commit (worktree clean again). */
    sh("cd '%s' && git checkout -q -f main && git checkout -q --detach HEAD~1", repo);
    r = step(&h, repo);
    assert_int_equal(r.head.detached, 1);
    assert_string_equal(r.head.branch, "");
    assert_int_equal(r.analysed, 0);        /* c1's versions were indexed */
    s = state_of(&h);
    assert_true(has_line(s, "sym a.c|helper|12|(int x)|1\n"));
    free(s);
    lmkv_index_report_clear(&r);
    db_close(&h);
}

static void test_explicit_plan(void **state)
{
    (void)state;
    char repo[1100], dbdir[1100];
    snprintf(repo, sizeof repo, "%s/plan", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-plan", tmpdir);
    sh("git init -q -b main '%s'", repo);
    write_file(repo, "a.c", A_C);
    write_file(repo, "b.c", B_C);
    sh("cd '%s' && git add . && git commit -q -m c1", repo);
    struct dbh h;
    db_open(&h, dbdir, repo);
    struct lmkv_index_report r = step(&h, repo);
    lmkv_index_report_clear(&r);

    /* A watcher says: a.c changed, b.c deleted. */
    write_file(repo, "a.c", "int alpha(void)\n{\n    return 1;\n}\n");
    sh("rm '%s/b.c'", repo);
    lmkv_index_session *s = NULL;
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &o), LMKV_OK);
    const char *changed[] = {"a.c"}, *deleted[] = {"b.c"};
    /* bad plans first */
    const char *dup[] = {"a.c"};
    assert_int_equal(lmkv_index_session_set_plan(s, changed, 1, dup, 1, NULL, 0), LMKV_EINVAL);
    const char *dotdot[] = {"../x.c"};
    assert_int_equal(lmkv_index_session_set_plan(s, dotdot, 1, NULL, 0, NULL, 0), LMKV_EINVAL);
    assert_int_equal(lmkv_index_session_set_plan(s, changed, 1, deleted, 1, NULL, 0), LMKV_OK);
    size_t nc, nd, nu;
    assert_int_equal(lmkv_index_session_plan_counts(&nc, &nd, &nu, s), LMKV_OK);
    assert_int_equal(nc, 1);
    assert_int_equal(nd, 1);
    assert_int_equal(lmkv_index_session_run(&r, s, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 1);
    assert_int_equal(r.deleted, 1);
    assert_int_equal(lmkv_index_session_run(&r, s, tiny_analyser, NULL), LMKV_EINVAL); /* runs once */
    lmkv_index_session_free(s);
    lmkv_index_report_clear(&r);
    r = step(&h, repo);                 /* equals a fresh index, nothing left to do */
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.write_txns, 0);
    lmkv_index_report_clear(&r);

    /* A session freed without running changes nothing. */
    uint64_t before = last_txnid(&h);
    write_file(repo, "a.c", A_C);
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &o), LMKV_OK);
    assert_int_equal(lmkv_index_session_plan(s), LMKV_OK);
    assert_int_equal(lmkv_index_session_plan_counts(&nc, &nd, &nu, s), LMKV_OK);
    assert_int_equal(nc, 1);
    const char *const *pend = NULL;
    size_t np = 0;
    assert_int_equal(lmkv_index_session_pending_paths(&pend, &np, s), LMKV_OK);
    assert_int_equal(np, 0);                 /* a.c = A_C was indexed at c1: reused */
    lmkv_index_session_free(s);
    write_file(repo, "a.c", "int omega(void)\n{\n    return 2;\n}\n");
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &o), LMKV_OK);
    assert_int_equal(lmkv_index_session_pending_paths(&pend, &np, s), LMKV_EINVAL);   /* no plan yet */
    assert_int_equal(lmkv_index_session_plan(s), LMKV_OK);
    assert_int_equal(lmkv_index_session_pending_paths(&pend, &np, s), LMKV_OK);
    assert_int_equal(np, 1);
    assert_string_equal(pend[0], "a.c");
    lmkv_index_session_free(s);
    assert_int_equal(last_txnid(&h), before);
    db_close(&h);
}

static void test_unborn_repository(void **state)
{
    (void)state;
    char repo[1100], dbdir[1100];
    snprintf(repo, sizeof repo, "%s/unborn", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-unborn", tmpdir);
    sh("git init -q -b trunk '%s'", repo);
    write_file(repo, "a.c", A_C);
    struct dbh h;
    db_open(&h, dbdir, repo);
    struct lmkv_head_info hd;
    assert_int_equal(lmkv_worktree_head(&hd, h.wt), LMKV_OK);
    assert_int_equal(hd.is_git, 1);
    assert_int_equal(hd.unborn, 1);
    assert_string_equal(hd.branch, "trunk");
    assert_string_equal(hd.commit, "");
    struct lmkv_index_report r = step(&h, repo);    /* untracked */
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    int src = 0;
    uint64_t fv;
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    assert_int_equal(src, LMKV_SOURCE_LATEST);
    sh("cd '%s' && git add a.c", repo);              /* staged, still unborn */
    r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    lmkv_index_report_clear(&r);
    sh("cd '%s' && git commit -q -m first", repo);   /* born */
    r = step(&h, repo);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.reused, 1);
    lmkv_index_report_clear(&r);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    assert_int_equal(src, LMKV_SOURCE_COMMIT);
    db_close(&h);
}

/* Files that change under the plan: the filter runs during the non-git
 * walk after a file was listed (lstat) and before the plan reads it to
 * hash it, so it can remove it or replace it with a directory or a FIFO
 * right in that window. Each is that file's failure (path, code, reason),
 * its previous version stays current, the other files are indexed. */
static char vanish_dir[1100];
static int vanish_filter(const char *path, void *ctx)
{
    (void)ctx;
    char full[1300];
    snprintf(full, sizeof full, "%s/%s", vanish_dir, path);
    if (strcmp(path, "b.c") == 0) unlink(full);
    if (strcmp(path, "c.c") == 0) { unlink(full); mkdir(full, 0755); }
    if (strcmp(path, "d.c") == 0) { unlink(full); mkfifo(full, 0644); }
    return c_filter(path, ctx);
}

static void test_changed_under_the_plan(void **state)
{
    (void)state;
    char dbdir[1100];
    ws_paths(vanish_dir, dbdir, "vanish");
    sh("mkdir -p '%s'", vanish_dir);
    write_file(vanish_dir, "a.c", A_C);
    write_file(vanish_dir, "b.c", B_C);
    write_file(vanish_dir, "c.c", "int gamma(void)\n{\n    return helper(1);\n}\n");
    write_file(vanish_dir, "d.c", "int delta(void)\n{\n    return helper(4);\n}\n");
    struct dbh h;
    db_open(&h, dbdir, vanish_dir);
    struct lmkv_index_options o = opts_c();
    struct lmkv_index_report r;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 4);
    lmkv_index_report_clear(&r);
    uint64_t fv_b, fv_c, fv, fv_a;
    int src;
    assert_int_equal(lmkv_current_file_version(&fv_b, &src, h.wt, "b.c"), LMKV_OK);
    assert_int_equal(lmkv_current_file_version(&fv_c, &src, h.wt, "c.c"), LMKV_OK);
    assert_int_equal(lmkv_current_file_version(&fv_a, &src, h.wt, "a.c"), LMKV_OK);

    /* every file edited (a new size: the stat cache cannot answer) */
    write_file(vanish_dir, "a.c", "int helper(int x)\n{\n    return x + 2;\n}\nint alpha2(void)\n{\n    return helper(7);\n}\n");
    write_file(vanish_dir, "b.c", "int beta(int y)\n{\n    return helper(y) + 1;\n}\n");
    write_file(vanish_dir, "c.c", "int gamma(void)\n{\n    return helper(11);\n}\n");
    write_file(vanish_dir, "d.c", "int delta(void)\n{\n    return helper(44);\n}\n");
    o.filter = vanish_filter;
    int rc = lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL);
    if (rc != LMKV_OK) fail_msg("index with files changing under the plan: %s", lmkv_errmsg());
    assert_int_equal(r.analysed, 1);                   /* a.c */
    assert_int_equal(r.failed, 3);
    assert_string_equal(r.failures[0].path, "b.c");
    assert_int_equal(r.failures[0].error, LMKV_NOTFOUND);
    assert_string_equal(r.failures[0].message, "reading: No such file or directory (removed after it was listed)");
    assert_string_equal(r.failures[1].path, "c.c");
    assert_int_equal(r.failures[1].error, LMKV_EIO);
    assert_non_null(strstr(r.failures[1].message, "not a regular file"));
    assert_string_equal(r.failures[2].path, "d.c");
    assert_int_equal(r.failures[2].error, LMKV_EIO);
    assert_non_null(strstr(r.failures[2].message, "not a regular file"));
    lmkv_index_report_clear(&r);
    /* a.c's new version is current; b.c and c.c keep their previous one */
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    assert_true(fv != fv_a);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "b.c"), LMKV_OK);
    assert_int_equal(fv, fv_b);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "c.c"), LMKV_OK);
    assert_int_equal(fv, fv_c);
    char *st = state_of(&h);
    if (!has_line(st, "call a.c|alpha2|helper|")) fail_msg("a.c's new calls not current:\n%s", st);
    free(st);

    /* the next plan sees b.c gone: it is deleted from the current state;
     * c.c (a directory now) and d.c (a FIFO) are no regular files either */
    o.filter = c_filter;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.deleted, 3);
    lmkv_index_report_clear(&r);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "b.c"), LMKV_NOTFOUND);
    db_close(&h);
}

static void test_non_git(void **state)
{
    (void)state;
    char dir[1100], dbdir[1100];
    snprintf(dir, sizeof dir, "%s/plain", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/plain/.lmkv", tmpdir);   /* db inside the workspace */
    sh("mkdir -p '%s/sub'", dir);
    write_file(dir, "a.c", A_C);
    write_file(dir, "sub/b.c", B_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    assert_int_equal(lmkv_worktree_is_git(h.wt), 0);
    struct lmkv_index_report r = step(&h, dir);
    assert_int_equal(r.analysed, 2);
    assert_int_equal(r.head.is_git, 0);
    lmkv_index_report_clear(&r);
    int src = 0;
    uint64_t fv, fv_before;
    assert_int_equal(lmkv_current_file_version(&fv_before, &src, h.wt, "sub/b.c"), LMKV_OK);
    assert_int_equal(src, LMKV_SOURCE_LATEST);
    /* the blob id is git's: the fv id is (ws, path, git hash-object) */
    char blob[LMKV_OID_HEXSZ];
    assert_int_equal(lmkv_blob_id(blob, B_C, strlen(B_C)), LMKV_OK);
    uint64_t want;
    assert_int_equal(lmkv_file_version_id(&want, lmkv_worktree_id(h.wt), "sub/b.c", blob), LMKV_OK);
    assert_int_equal(fv_before, want);

    uint64_t before = last_txnid(&h);
    r = step(&h, dir);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.write_txns, 0);
    assert_int_equal(last_txnid(&h), before);
    lmkv_index_report_clear(&r);

    write_file(dir, "sub/b.c", "int beta(void)\n{\n    return 0;\n}\n");
    r = step(&h, dir);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    /* back to the old content: known version, not analysed */
    write_file(dir, "sub/b.c", B_C);
    r = step(&h, dir);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.reused, 1);
    lmkv_index_report_clear(&r);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "sub/b.c"), LMKV_OK);
    assert_int_equal(fv, fv_before);

    /* selection by path: only sub/ is looked at; a.c keeps its mapping */
    sh("rm '%s/a.c'", dir);
    struct lmkv_index_options o = opts_c();
    const char *paths[] = {"sub"};
    o.paths = paths;
    o.npaths = 1;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.deleted, 0);
    assert_int_equal(r.unchanged, 1);
    lmkv_index_report_clear(&r);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    r = step(&h, dir);
    assert_int_equal(r.deleted, 1);
    lmkv_index_report_clear(&r);

    struct lmkv_current_info *ci = NULL;
    assert_int_equal(lmkv_current_info_get(&ci, h.wt), LMKV_OK);
    assert_int_equal(ci->head.is_git, 0);
    assert_int_equal(ci->nentries, 1);
    assert_string_equal(ci->entries[0].path, "sub/b.c");
    assert_int_equal(ci->entries[0].status, LMKV_WT_NOGIT);
    assert_string_equal(ci->entries[0].blob, blob);
    lmkv_current_info_free(ci);
    db_close(&h);
}

/* Non-git worktrees use git's stat-cache rule: a file whose size and mtime
 * equal the stored version's, with an mtime well before that version was
 * indexed, is not read again. LMKV_INDEX_FULL reads everything. */
static void test_non_git_stat_cache(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "statc");
    sh("mkdir -p '%s'", dir);
    write_file(dir, "a.c", A_C);
    sh("touch -d '2001-01-01 00:00:00' '%s/a.c'", dir);
    struct dbh h;
    db_open(&h, dbdir, dir);
    struct lmkv_index_report r = step(&h, dir);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    /* same size, same mtime: trusted as unchanged, like git */
    char *edited = strdup(A_C);
    char *p = strstr(edited, "alpha");
    p[4] = 'b';                                   /* alpha -> alphb */
    write_file(dir, "a.c", edited);
    sh("touch -d '2001-01-01 00:00:00' '%s/a.c'", dir);
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.unchanged, 1);
    lmkv_index_report_clear(&r);
    char *st = state_of(&h);
    assert_true(has_line(st, "sym a.c|alpha|"));
    free(st);
    /* a full index reads the bytes */
    o.flags = LMKV_INDEX_FULL;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    st = state_of(&h);
    assert_true(has_line(st, "sym a.c|alphb|"));
    free(st);
    r = step(&h, dir);
    assert_int_equal(r.analysed, 0);
    lmkv_index_report_clear(&r);
    /* a fresh mtime is never trusted: the same-size edit is seen */
    p[4] = 'c';
    write_file(dir, "a.c", edited);
    r = step(&h, dir);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    free(edited);
    db_close(&h);
}

static void test_analyser_id_change(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "aid");
    sh("mkdir -p '%s'", dir);
    write_file(dir, "a.c", A_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    struct lmkv_index_report r = step(&h, dir);
    lmkv_index_report_clear(&r);
    struct lmkv_index_options o = opts_c();
    o.analyser_id = "tiny 2";
    analyser_calls = 0;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 1);       /* new analyser: analysed again */
    assert_int_equal(analyser_calls, 1);
    lmkv_index_report_clear(&r);
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.write_txns, 0);
    lmkv_index_report_clear(&r);
    db_close(&h);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char dbdir[1100];
    snprintf(dbdir, sizeof dbdir, "%s/db-bad", tmpdir);
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_worktree *wt = NULL;
    assert_int_equal(lmkv_db_open_path(&db, dbdir), LMKV_OK);
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    assert_int_equal(lmkv_worktree_open(&wt, st, "/nonexistent/lmkv/dir", 0), LMKV_NOTFOUND);
    assert_non_null(strstr(lmkv_errmsg(), "/nonexistent/lmkv/dir"));
    assert_int_equal(lmkv_worktree_open(&wt, NULL, tmpdir, 0), LMKV_EINVAL);
    assert_int_equal(lmkv_worktree_open(&wt, st, tmpdir, 0x100), LMKV_EINVAL);
    assert_int_equal(lmkv_worktree_open(&wt, st, tmpdir, 0), LMKV_OK);
    struct lmkv_current_info *ci = NULL;
    assert_int_equal(lmkv_current_info_get(&ci, wt), LMKV_NOTFOUND);    /* never indexed */
    lmkv_index_session *s = NULL;
    struct lmkv_index_options o;
    memset(&o, 0, sizeof o);
    const char *bad[] = {"../etc"};
    o.paths = bad;
    o.npaths = 1;
    assert_int_equal(lmkv_index_session_begin(&s, wt, &o), LMKV_EINVAL);
    o.npaths = 0;
    o.flags = 0x80;
    assert_int_equal(lmkv_index_session_begin(&s, wt, &o), LMKV_EINVAL);
    struct lmkv_semdiff *d = NULL;
    assert_int_equal(lmkv_diff_commits(&d, wt, "HEAD", "HEAD", NULL, NULL, NULL), LMKV_EINVAL); /* not git */
    lmkv_worktree_free(wt);
    lmkv_worktree_free(NULL);
    lmkv_index_session_free(NULL);
    lmkv_current_info_free(NULL);
    lmkv_semdiff_free(NULL);
    lmkv_index_report_clear(NULL);
    /* git's blob id of "hello\n" (git hash-object) */
    char blob[LMKV_OID_HEXSZ];
    assert_int_equal(lmkv_blob_id(blob, "hello\n", 6), LMKV_OK);
    assert_string_equal(blob, "ce013625030ba8dba906f756967f9e9ca394464a");
    lmkv_store_close(st);
    lmkv_db_close(db);
}

/* Resolution of names inside one file (caller_id, callee_id, source_id,
 * target_id): the DEFINITION of a name, not a prototype that comes first;
 * a prototype and its definition (same qualified name and kind) get
 * disambiguators 0 and 1. 1500 prototypes, then 1500 definitions each
 * calling and referencing the previous one: every id must name a
 * definition (the name table is a hash map; this also exercises its
 * collisions and size). */
#define NPROTO 1500
static int proto_analyser(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    (void)path; (void)ctx;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memcpy(text, content, len);
    text[len] = '\0';
    int rc = LMKV_OK;
    char cur[64] = "";
    uint32_t lineno = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && rc == LMKV_OK; l = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char name[64];
        if (sscanf(l, "int %63[a-z0-9_](", name) == 1) {
            int decl = strchr(l, ';') != NULL;
            struct lmkv_analysis_symbol s = { .name = name, .kind = 12, .line = lineno, .column = 5,
                                              .flags = decl ? 0u : LMKV_ANALYSIS_SYM_DEFINITION };
            rc = lmkv_analysis_add_symbol(a, &s);
            if (!decl) snprintf(cur, sizeof cur, "%s", name);
        } else if (cur[0] && strchr(l, '(') && sscanf(l, " return %63[a-z0-9_](", name) == 1) {
            struct lmkv_analysis_call c = { .caller = cur, .callee = name, .line = lineno, .column = 12,
                                            .argument_count = 1 };
            struct lmkv_analysis_reference r = { .name = name, .from = cur, .kind = 0, .line = lineno, .column = 12 };
            if ((rc = lmkv_analysis_add_call(a, &c)) == LMKV_OK) rc = lmkv_analysis_add_reference(a, &r);
        }
    }
    free(text);
    return rc;
}

struct defs { uint64_t def[NPROTO], proto[NPROTO]; size_t ncalls, nrefs; };
static int defs_sym(void *ctx, const lmkv_symbol *y)
{
    struct defs *d = ctx;
    int i = atoi(y->name + 1);
    assert_true(i >= 0 && i < NPROTO);
    int decl = y->modifiers.count == 1;
    assert_int_equal(y->disambiguator, decl ? 0 : 1);
    if (decl) d->proto[i] = y->id; else d->def[i] = y->id;
    return 0;
}
static int defs_call(void *ctx, const lmkv_call *c)
{
    struct defs *d = ctx;
    int i = atoi(c->caller_name + 1), j = atoi(c->callee_name + 1);
    assert_int_equal(j, i - 1);
    assert_true(c->caller_id == d->def[i] && c->caller_id != d->proto[i]);
    assert_true(c->callee_id == d->def[j] && c->callee_id != d->proto[j]);
    d->ncalls++;
    return 0;
}
static int defs_ref(void *ctx, const lmkv_reference *r)
{
    struct defs *d = ctx;
    int i = atoi(r->source_name + 1), j = atoi(r->target_name + 1);
    assert_true(r->source_id == d->def[i] && r->target_id == d->def[j]);
    d->nrefs++;
    return 0;
}

static void test_definition_over_prototype(void **state)
{
    (void)state;
    char dir[1100], dbdir[1100];
    snprintf(dir, sizeof dir, "%s/protos", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/protos-db", tmpdir);
    sh("mkdir -p '%s'", dir);
    struct sbuf b = {0};
    for (int i = 0; i < NPROTO; i++) sb_add(&b, "int f%d(int x);\n", i);
    for (int i = 0; i < NPROTO; i++) {
        sb_add(&b, "int f%d(int x)\n{\n", i);
        if (i) sb_add(&b, "    return f%d(x);\n", i - 1);
        else sb_add(&b, "    return x;\n");
        sb_add(&b, "}\n");
    }
    write_file(dir, "p.c", b.s);
    free(b.s);
    struct dbh h;
    db_open(&h, dbdir, dir);
    struct lmkv_index_options o = opts_c();
    o.analyser_id = "proto 1";
    struct lmkv_index_report r;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, proto_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 1);
    assert_int_equal(r.failed, 0);
    lmkv_index_report_clear(&r);
    struct defs *d = calloc(1, sizeof *d);
    assert_non_null(d);
    lmkv_store_txn *t = NULL;
    uint64_t ws = lmkv_worktree_id(h.wt);
    assert_int_equal(lmkv_store_txn_begin(&t, h.st), LMKV_OK);
    assert_int_equal(lmkv_store_symbols_by_name(t, ws, "f", 1, LMKV_STORE_PREFIX, defs_sym, d), LMKV_OK);
    for (int i = 0; i < NPROTO; i++) assert_true(d->def[i] && d->proto[i] && d->def[i] != d->proto[i]);
    assert_int_equal(lmkv_store_calls_all(t, ws, 0, defs_call, d), LMKV_OK);
    assert_int_equal(lmkv_store_refs_all(t, ws, 0, defs_ref, d), LMKV_OK);
    assert_int_equal(d->ncalls, NPROTO - 1);
    assert_int_equal(d->nrefs, NPROTO - 1);
    lmkv_store_txn_end(t);
    free(d);
    db_close(&h);
}

/* LMKV_INDEX_BULK (sorted, appended writes) stores what a plain session
 * stores: two workspaces with the same files in one database, one indexed
 * with it, one without, have equal counts and answers, also after an edit
 * (the bulk one then writes into non-empty trees). */
static struct lmkv_index_report run_flags(struct dbh *h, unsigned flags)
{
    struct lmkv_index_report r;
    struct lmkv_index_options o = opts_c();
    o.flags = flags;
    int rc = lmkv_index_worktree(&r, h->wt, &o, tiny_analyser, NULL);
    if (rc != LMKV_OK) fail_msg("index: %s", lmkv_errmsg());
    return r;
}

static void counts_of(lmkv_store_counts *c, struct dbh *h)
{
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, h->st), LMKV_OK);
    assert_int_equal(lmkv_store_count(c, t, lmkv_worktree_id(h->wt)), LMKV_OK);
    lmkv_store_txn_end(t);
}

static void test_bulk_flag_same_result(void **state)
{
    (void)state;
    char a[1100], b[1100], dbdir[1100];
    snprintf(a, sizeof a, "%s/bulk_a", tmpdir);
    snprintf(b, sizeof b, "%s/bulk_b", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/bulk_db", tmpdir);
    sh("mkdir -p '%s/sub' '%s/sub' '%s'", a, b, dbdir);
    for (int i = 0; i < 2; i++) {
        const char *d = i ? b : a;
        write_file(d, "a.c", A_C);
        write_file(d, "sub/b.c", B_C);
    }
    struct dbh ha, hb;
    db_open(&ha, dbdir, a);
    db_open(&hb, dbdir, b);
    for (int round = 0; round < 2; round++) {
        struct lmkv_index_report ra = run_flags(&ha, 0), rb = run_flags(&hb, LMKV_INDEX_BULK);
        assert_int_equal(ra.analysed, round ? 1 : 2);
        assert_int_equal(rb.analysed, ra.analysed);
        assert_int_equal(rb.failed, 0);
        lmkv_index_report_clear(&ra);
        lmkv_index_report_clear(&rb);
        lmkv_store_counts ca, cb;
        counts_of(&ca, &ha);
        counts_of(&cb, &hb);
        assert_true(ca.symbols > 0 && ca.calls > 0);
        assert_int_equal(cb.file_versions, ca.file_versions);
        assert_int_equal(cb.symbols, ca.symbols);
        assert_int_equal(cb.calls, ca.calls);
        assert_int_equal(cb.references, ca.references);
        assert_int_equal(cb.current_mappings, ca.current_mappings);
        /* the edit for round 1: a new version of sub/b.c in both */
        write_file(a, "sub/b.c", "int beta(void)\n{\n    return alpha();\n}\n");
        write_file(b, "sub/b.c", "int beta(void)\n{\n    return alpha();\n}\n");
    }
    db_close(&hb);
    db_close(&ha);
}

/* batch_writes bounds a write transaction by key writes, checked after
 * each file (a file is never split): with 1 every analysed file commits
 * alone (4 files: 4 transactions, then the swap's); with the default
 * budget or a large one, the 4 files and the swap in one. Doubling the budget from 1, the first that
 * groups files holds at most two of these same-shaped files (it is at most
 * twice the writes of one). Every state equals the one-transaction state. */
static size_t index_with_budget(char **state_out, const char *dbdir, const char *dir, int k, size_t budget)
{
    struct dbh h;
    char d[TV_PATH + 16];
    snprintf(d, sizeof d, "%s-%d", dbdir, k);
    db_open(&h, d, dir);
    struct lmkv_index_options o = opts_c();
    o.batch_writes = budget;
    struct lmkv_index_report r;
    if (lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL) != LMKV_OK) fail_msg("index: %s", lmkv_errmsg());
    assert_int_equal(r.analysed, 4);
    assert_int_equal(r.failed, 0);
    size_t txns = r.write_txns;
    lmkv_index_report_clear(&r);
    *state_out = state_of(&h);
    db_close(&h);
    return txns;
}

static void test_batch_writes(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "batchw");
    sh("mkdir -p '%s'", dir);
    for (int i = 0; i < 4; i++) {
        char name[32], text[256];
        snprintf(name, sizeof name, "f%d.c", i);
        snprintf(text, sizeof text, "int f%d(void)\n{\n    return helper(%d);\n}\nint g%d(void)\n{\n    return f%d();\n}\n",
                 i, i, i, i);
        write_file(dir, name, text);
    }
    char *want, *got;
    int k = 0;
    assert_int_equal(index_with_budget(&want, dbdir, dir, k++, 0), 1);
    assert_true(strstr(want, "g3") != NULL);
    assert_int_equal(index_with_budget(&got, dbdir, dir, k++, 1000000), 1);
    assert_string_equal(got, want);
    free(got);
    assert_int_equal(index_with_budget(&got, dbdir, dir, k++, 1), 5);
    assert_string_equal(got, want);
    free(got);
    size_t txns = 5, budget = 1;
    while (txns == 5) {
        budget *= 2;
        if (budget > 1000000) fail_msg("no budget up to %zu groups two files", budget);
        txns = index_with_budget(&got, dbdir, dir, k++, budget);
        assert_string_equal(got, want);
        free(got);
    }
    if (txns < 3 || txns > 4) fail_msg("budget %zu: %zu write transactions, expected 3 or 4", budget, txns);
    free(want);
}

int main(void)
{
    test_setup_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_git_lifecycle),
        cmocka_unit_test(test_explicit_plan),
        cmocka_unit_test(test_unborn_repository),
        cmocka_unit_test(test_non_git),
        cmocka_unit_test(test_changed_under_the_plan),
        cmocka_unit_test(test_non_git_stat_cache),
        cmocka_unit_test(test_analyser_id_change),
        cmocka_unit_test(test_definition_over_prototype),
        cmocka_unit_test(test_bulk_flag_same_result),
        cmocka_unit_test(test_batch_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
