/*
 * test_versioning_blobid.c -- lmkv_blob_id is git's blob id (lmkv's own
 * SHA-1), equal to libgit2's git_odb_hash and to `git hash-object` on real
 * content and at every SHA-1 block boundary; and libgit2 is initialised
 * only for a workspace that may be a repository (git_libgit2_init, which
 * parses the system's CA bundle, costs every non-git `lmkv index` ~4.5 ms).
 * git_libgit2_init's return value counts initialisations: 1 means nobody
 * initialised libgit2 before the call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>

#include "test_versioning_util.h"

static void libgit2_hex(char out[LMKV_OID_HEXSZ], const void *p, size_t n)
{
    git_oid oid;
    assert_int_equal(git_odb_hash(&oid, n ? p : "", n, GIT_OBJECT_BLOB), 0);
    git_oid_tostr(out, LMKV_OID_HEXSZ, &oid);
}

/* Must run first: asserts that nothing initialised libgit2 yet. */
static void test_non_git_never_initialises_libgit2(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "plain");
    sh("rm -rf '%s' && mkdir -p '%s/sub'", dir, dir);
    write_file(dir, "a.c", A_C);
    write_file(dir, "sub/b.c", B_C);
    struct dbh h;
    db_open(&h, dbdir, dir);            /* no .git: not a repository */
    assert_int_equal(lmkv_worktree_is_git(h.wt), 0);
    struct lmkv_index_report r;
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, tiny_analyser, NULL), LMKV_OK);
    assert_int_equal(r.analysed, 2);
    lmkv_index_report_clear(&r);
    char blob[LMKV_OID_HEXSZ];
    assert_int_equal(lmkv_blob_id(blob, "x", 1), LMKV_OK);
    db_close(&h);
    /* a repository opened with LMKV_WORKTREE_NO_GIT: not initialised either */
    char repo[1100];
    snprintf(repo, sizeof repo, "%s/repo-nogit", tmpdir);
    sh("rm -rf '%s' && git init -q '%s'", repo, repo);
    lmkv_db *db;
    lmkv_store *st;
    lmkv_worktree *wt;
    snprintf(dbdir, sizeof dbdir, "%s/db-nogit", tmpdir);
    assert_int_equal(lmkv_db_open_path(&db, dbdir), LMKV_OK);
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    assert_int_equal(lmkv_worktree_open(&wt, st, repo, LMKV_WORKTREE_NO_GIT), LMKV_OK);
    assert_int_equal(lmkv_worktree_is_git(wt), 0);
    lmkv_worktree_free(wt);

    assert_int_equal(git_libgit2_init(), 1); /* the first initialisation is ours */
    git_libgit2_shutdown();

    /* a repository is opened as one (libgit2 initialised by lmkv) */
    assert_int_equal(lmkv_worktree_open(&wt, st, repo, 0), LMKV_OK);
    assert_int_equal(lmkv_worktree_is_git(wt), 1);
    assert_true(git_libgit2_init() >= 2);
    git_libgit2_shutdown();
    lmkv_worktree_free(wt);
    /* a worktree whose .git is a gitlink file, and a bare repository root */
    char linked[1100], bare[1100];
    snprintf(linked, sizeof linked, "%s/linked", tmpdir);
    snprintf(bare, sizeof bare, "%s/bare.git", tmpdir);
    sh("rm -rf '%s' '%s' && git init -q --separate-git-dir '%s/linked.gitdir' '%s' && git init -q --bare '%s'",
       linked, bare, tmpdir, linked, bare);
    assert_int_equal(lmkv_worktree_open(&wt, st, linked, 0), LMKV_OK);
    assert_int_equal(lmkv_worktree_is_git(wt), 1);
    lmkv_worktree_free(wt);
    assert_int_equal(lmkv_worktree_open(&wt, st, bare, 0), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "bare"));
    lmkv_store_close(st);
    lmkv_db_close(db);
}

static void test_blob_id_is_gits(void **state)
{
    (void)state;
    git_libgit2_init();
    char a[LMKV_OID_HEXSZ], b[LMKV_OID_HEXSZ];
    /* git's well-known ids */
    assert_int_equal(lmkv_blob_id(a, NULL, 0), LMKV_OK);
    assert_string_equal(a, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    assert_int_equal(lmkv_blob_id(a, "hello\n", 6), LMKV_OK);
    assert_string_equal(a, "ce013625030ba8dba906f756967f9e9ca394464a");
    assert_int_equal(lmkv_blob_id(a, NULL, 1), LMKV_EINVAL);
    assert_int_equal(lmkv_blob_id(NULL, "x", 1), LMKV_EINVAL);
    /* every length around the 64-byte blocks and the 56-byte padding limit
     * (the header "blob N\0" shifts them) */
    uint8_t buf[1 << 12];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 2654435761u >> 11);
    for (size_t n = 0; n <= 300; n++) {
        assert_int_equal(lmkv_blob_id(a, buf, n), LMKV_OK);
        libgit2_hex(b, buf, n);
        if (strcmp(a, b) != 0) fail_msg("length %zu: lmkv %s, libgit2 %s", n, a, b);
    }
    /* 8 MiB of bytes, and real sources */
    size_t big = (size_t)8 << 20;
    uint8_t *p = malloc(big);
    assert_non_null(p);
    for (size_t i = 0; i < big; i++) p[i] = (uint8_t)(i * 2654435761u >> 13);
    assert_int_equal(lmkv_blob_id(a, p, big), LMKV_OK);
    libgit2_hex(b, p, big);
    assert_string_equal(a, b);
    free(p);
    const char *src = getenv("LMKV_SOURCES");
    char path[2048];
    snprintf(path, sizeof path, "%s/lmdb/mdb.c", src ? src : "build/sources");
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("%s: not found (LMKV_SOURCES; scripts/fetch-sources.sh)", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)len);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    assert_int_equal(lmkv_blob_id(a, text, (size_t)len), LMKV_OK);
    free(text);
    char cmd[2200], want[64] = "";
    snprintf(cmd, sizeof cmd, "git hash-object '%s'", path);
    FILE *g = popen(cmd, "r");
    assert_non_null(g);
    assert_non_null(fgets(want, sizeof want, g));
    assert_int_equal(pclose(g), 0);
    want[40] = '\0';
    assert_string_equal(a, want);
    git_libgit2_shutdown();
}

int main(void)
{
    test_setup_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_git_never_initialises_libgit2),
        cmocka_unit_test(test_blob_id_is_gits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
