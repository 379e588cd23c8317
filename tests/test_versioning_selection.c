/*
 * test_versioning_selection.c -- an index session restricted to some paths
 * (lmkv_index_options.paths, or an explicit plan from a file watcher) looks
 * at those paths only: it neither walks the rest of a non-git workspace nor
 * reads the current-map entries of other paths, so a one-file update costs
 * the same in a small and in a huge workspace. What it decides must be what
 * a walk of everything would decide for those paths: sibling names that
 * share a prefix ("sub", "sub2", "subx.c") stay apart, symlinked
 * directories and .git are never entered, deleted files are found.
 * Real directories in $LMKV_TEST_TMP, real databases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>

#include "test_versioning_util.h"

static struct lmkv_index_report index_paths(struct dbh *h, const char *const *paths, size_t n)
{
    struct lmkv_index_report r;
    struct lmkv_index_options o = opts_c();
    o.paths = paths;
    o.npaths = n;
    int rc = lmkv_index_worktree(&r, h->wt, &o, tiny_analyser, NULL);
    if (rc != LMKV_OK) fail_msg("index: %s", lmkv_errmsg());
    return r;
}

static int is_current(struct dbh *h, const char *path)
{
    uint64_t fv = 0;
    int src = 0;
    int rc = lmkv_current_file_version(&fv, &src, h->wt, path);
    if (rc != LMKV_OK && rc != LMKV_NOTFOUND) fail_msg("current of %s: %s", path, lmkv_errmsg());
    return rc == LMKV_OK;
}

static void test_selection_keeps_siblings_apart(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "sel");
    sh("rm -rf '%s' && mkdir -p '%s/sub' '%s/sub2' '%s/.git/x'", dir, dir, dir, dir);
    write_file(dir, "sub/b.c", B_C);
    write_file(dir, "sub2/c.c", "int gamma(void)\n{\n    return 3;\n}\n");
    write_file(dir, "subx.c", "int delta(void)\n{\n    return 4;\n}\n");
    write_file(dir, "a.c", A_C);
    write_file(dir, ".git/x/hidden.c", "int hidden(void)\n{\n    return 5;\n}\n");
    sh("ln -s sub '%s/link'", dir);
    struct dbh h;
    db_open(&h, dbdir, dir);
    assert_int_equal(lmkv_worktree_is_git(h.wt), 0); /* .git is a plain directory here */
    struct lmkv_index_report r = step(&h, dir);
    assert_int_equal(r.analysed, 4);
    lmkv_index_report_clear(&r);

    /* "sub" selects sub/ only: sub2/ and subx.c, gone from disk, stay */
    sh("rm -r '%s/sub2' '%s/subx.c'", dir, dir);
    const char *sub[] = {"sub"};
    r = index_paths(&h, sub, 1);
    assert_int_equal(r.deleted, 0);
    assert_int_equal(r.unchanged, 1);
    assert_int_equal(r.analysed, 0);
    lmkv_index_report_clear(&r);
    assert_true(is_current(&h, "sub2/c.c"));
    assert_true(is_current(&h, "subx.c"));

    /* a selected file that is gone is found deleted, its siblings are not */
    const char *subx[] = {"subx.c"};
    r = index_paths(&h, subx, 1);
    assert_int_equal(r.deleted, 1);
    lmkv_index_report_clear(&r);
    assert_false(is_current(&h, "subx.c"));
    assert_true(is_current(&h, "sub2/c.c"));
    const char *sub2[] = {"sub2/"};
    r = index_paths(&h, sub2, 1);
    assert_int_equal(r.deleted, 1);
    lmkv_index_report_clear(&r);
    assert_false(is_current(&h, "sub2/c.c"));

    /* through a symlinked directory or into .git: nothing, as a full walk */
    const char *odd[] = {"link/b.c", "link", ".git/x/hidden.c", ".git"};
    r = index_paths(&h, odd, 4);
    assert_int_equal(r.analysed + r.unchanged + r.deleted + r.failed, 0);
    lmkv_index_report_clear(&r);
    assert_false(is_current(&h, "link/b.c"));
    assert_false(is_current(&h, ".git/x/hidden.c"));

    /* an edit under a selected directory and a selected file, overlapping */
    write_file(dir, "sub/b.c", "int beta(void)\n{\n    return 0;\n}\n");
    write_file(dir, "sub/new.c", "int fresh(void)\n{\n    return beta();\n}\n");
    const char *both[] = {"sub", "sub/b.c", "a.c"};
    r = index_paths(&h, both, 3);
    assert_int_equal(r.analysed, 2);
    assert_int_equal(r.unchanged, 1);
    lmkv_index_report_clear(&r);
    r = step(&h, dir);           /* equals a fresh full index: nothing left */
    assert_int_equal(r.analysed + r.reused + r.deleted, 0);
    lmkv_index_report_clear(&r);
    db_close(&h);
}

/* A selection does not walk the rest of the workspace: a directory whose
 * path is longer than PATH_MAX cannot be listed, so a full walk fails on
 * it, while an index of one file elsewhere does not go near it. */
static void test_selection_does_not_walk_everything(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "deep");
    sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
    write_file(dir, "a.c", A_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    struct lmkv_index_report r = step(&h, dir);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    /* 24 levels of 200-byte names: about 4800 bytes, past PATH_MAX */
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    for (int i = 0; i < 24; i++) {
        char name[201];
        memset(name, 'a' + i, 200);
        name[200] = '\0';
        assert_int_equal(mkdirat(fd, name, 0755), 0);
        int sub = openat(fd, name, O_RDONLY | O_DIRECTORY);
        assert_true(sub >= 0);
        close(fd);
        fd = sub;
    }
    close(fd);

    struct lmkv_index_options all = opts_c();
    assert_int_not_equal(lmkv_index_worktree(&r, h.wt, &all, tiny_analyser, NULL), LMKV_OK);

    write_file(dir, "a.c", "int alpha(void)\n{\n    return 7;\n}\n");
    const char *one[] = {"a.c"};
    r = index_paths(&h, one, 1);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    char *s = state_of(&h);
    assert_true(has_line(s, "sym a.c|alpha|12|(void)|1\n"));
    free(s);
    sh("rm -rf '%s'", dir); /* rm copes with the long path */
    db_close(&h);
}

/* Damage the current-map entry of OTHER_PATH (a value that is not 29
 * bytes: every read of it reports LMKV_ECORRUPT). */
static void damage_current_entry(struct dbh *h, const char *other_path)
{
    lmkv_tree *t = NULL;
    assert_int_equal(lmkv_db_open_system_tree(&t, h->db, "store.cur", 9), LMKV_OK);
    uint8_t key[256];
    uint64_t ws = lmkv_worktree_id(h->wt);
    for (int i = 0; i < 8; i++) key[i] = (uint8_t)(ws >> (56 - 8 * i));
    size_t n = strlen(other_path);
    memcpy(key + 8, other_path, n);
    assert_int_equal(lmkv_tree_insert(NULL, t, key, 8 + n, "bad", 3), LMKV_OK);
    lmkv_tree_close(t);
}

/* A one-file update reads the current entries of that file only: another
 * file's damaged entry does not stop it (it stops a whole-workspace plan,
 * which must read every entry). */
static void test_update_reads_only_its_entries(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "dmg");
    sh("rm -rf '%s' && mkdir -p '%s/sub' '%s/other'", dir, dir, dir);
    write_file(dir, "sub/a.c", A_C);
    write_file(dir, "other/b.c", B_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    struct lmkv_index_report r = step(&h, dir);
    assert_int_equal(r.analysed, 2);
    lmkv_index_report_clear(&r);
    damage_current_entry(&h, "other/b.c");

    /* a watcher's explicit plan */
    write_file(dir, "sub/a.c", "int alpha(void)\n{\n    return 1;\n}\n");
    lmkv_index_session *s = NULL;
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &o), LMKV_OK);
    const char *changed[] = {"sub/a.c"};
    if (lmkv_index_session_set_plan(s, changed, 1, NULL, 0, NULL, 0) != LMKV_OK)
        fail_msg("set_plan: %s", lmkv_errmsg());
    assert_int_equal(lmkv_index_session_run(&r, s, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    lmkv_index_session_free(s);

    /* a path selection */
    write_file(dir, "sub/a.c", "int alpha(void)\n{\n    return 2;\n}\n");
    const char *sub[] = {"sub"};
    r = index_paths(&h, sub, 1);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);

    /* the whole workspace reads the damaged entry and says so */
    struct lmkv_index_options all = opts_c();
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &all, tiny_analyser, NULL), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "store.cur"));
    db_close(&h);
}

/* Analyser that rewrites the file on disk at its first call (an editor
 * saving again while the index runs), then analyses what it is given. */
static const char *rewrite_path;
static int rewriting_analyser(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    if (rewrite_path) {
        FILE *f = fopen(rewrite_path, "wb");
        assert_non_null(f);
        fputs("int later(void)\n{\n    return 9;\n}\n", f);
        fclose(f);
        rewrite_path = NULL;
    }
    return tiny_analyser(a, path, content, len, ctx);
}

/* An edit's plan keeps the bytes it hashed and the run analyses those (one
 * read and one hash per file): a save that lands between plan and run is
 * the next update's. A plan of more than 16 files keeps nothing and reads
 * each file again in the run. */
static void test_plan_bytes_are_analysed(void **state)
{
    (void)state;
    char dir[1100], dbdir[1100], full[1200];
    snprintf(dir, sizeof dir, "%s/keep", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-keep", tmpdir);
    sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
    write_file(dir, "a.c", A_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    struct lmkv_index_report r = step(&h, dir);
    lmkv_index_report_clear(&r);

    /* explicit plan */
    write_file(dir, "a.c", "int alpha(void)\n{\n    return 1;\n}\n");
    lmkv_index_session *s = NULL;
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &o), LMKV_OK);
    const char *changed[] = {"a.c"};
    assert_int_equal(lmkv_index_session_set_plan(s, changed, 1, NULL, 0, NULL, 0), LMKV_OK);
    snprintf(full, sizeof full, "%s/a.c", dir);
    write_file(dir, "a.c", "int omega(void)\n{\n    return 2;\n}\n"); /* after the plan */
    assert_int_equal(lmkv_index_session_run(&r, s, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    lmkv_index_session_free(s);
    char *st = state_of(&h);
    assert_true(has_line(st, "sym a.c|alpha|12|(void)|1\n"));
    assert_false(has_line(st, "omega"));
    free(st);
    char blob[LMKV_OID_HEXSZ];
    const char *planned = "int alpha(void)\n{\n    return 1;\n}\n";
    assert_int_equal(lmkv_blob_id(blob, planned, strlen(planned)), LMKV_OK);
    uint64_t want, fv;
    int src;
    assert_int_equal(lmkv_file_version_id(&want, lmkv_worktree_id(h.wt), "a.c", blob), LMKV_OK);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "a.c"), LMKV_OK);
    assert_int_equal(fv, want);              /* stored under the id of what was analysed */

    /* a path selection, saved again while the analyser runs: the same */
    const char *one[] = {"a.c"};
    rewrite_path = full;
    o.paths = one;
    o.npaths = 1;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, rewriting_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    st = state_of(&h);
    assert_true(has_line(st, "sym a.c|omega|"));
    assert_false(has_line(st, "later"));
    free(st);
    /* the next run sees the later save */
    r = index_paths(&h, one, 1);
    assert_int_equal(r.analysed, 1);
    lmkv_index_report_clear(&r);
    st = state_of(&h);
    assert_true(has_line(st, "sym a.c|later|"));
    free(st);

    /* 17 files to hash: nothing kept, the run reads them again, so a save
     * between plan and run is what gets analysed (under its own id) */
    for (int i = 0; i < 17; i++) {
        char name[32], text[128];
        snprintf(name, sizeof name, "m%02d.c", i);
        snprintf(text, sizeof text, "int m%02d(void)\n{\n    return %d;\n}\n", i, i);
        write_file(dir, name, text);
    }
    struct lmkv_index_options all = opts_c();
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &all), LMKV_OK);
    assert_int_equal(lmkv_index_session_plan(s), LMKV_OK);
    write_file(dir, "m00.c", "int changed_after_plan(void)\n{\n    return 0;\n}\n");
    assert_int_equal(lmkv_index_session_run(&r, s, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 17);
    lmkv_index_report_clear(&r);
    lmkv_index_session_free(s);
    st = state_of(&h);
    assert_true(has_line(st, "sym m00.c|changed_after_plan|"));
    free(st);
    db_close(&h);
}

int main(void)
{
    test_setup_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selection_keeps_siblings_apart),
        cmocka_unit_test(test_selection_does_not_walk_everything),
        cmocka_unit_test(test_update_reads_only_its_entries),
        cmocka_unit_test(test_plan_bytes_are_analysed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
