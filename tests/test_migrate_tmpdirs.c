/*
 * test_migrate_tmpdirs.c -- temporary directories of killed imports are
 * removed by the next import against the same target; a live run's is not.
 *
 * Real runs in child processes: one is killed with SIGKILL from its progress
 * callback while its "<target>.tmp-XXXXXX" exists (the kernel releases its
 * flock, as for any killed process); another is paused in its progress
 * callback (its directory locked: a live run) and later cancelled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmkv_migrate.h"
#include "util/lmkv_test_files.h"

/* Names in $LMKV_TEST_TMP starting with prefix: count, and the first one. */
static int count_prefixed(const char *prefix, char *first, size_t n)
{
    DIR *d = opendir(lmkv_test_tmp(""));
    assert_non_null(d);
    struct dirent *e;
    int c = 0;
    while ((e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            if (c == 0 && first) snprintf(first, n, "%s", e->d_name);
            c++;
        }
    closedir(d);
    return c;
}

static int is_dir(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void die_now(void *ctx, const lmkv_migrate_progress *p)
{
    (void)ctx;
    (void)p;
    raise(SIGKILL);
}

/* A run killed outright while building beside `target`. */
static void killed_run(const char *target)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        lmkv_migrate_options o;
        lmkv_migrate_options_init(&o);
        o.progress = die_now;
        lmkv_migrate_import(NULL, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), target, &o);
        _exit(3); /* not reached: the first progress report kills it */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
}

struct pause_ctx { int ready_w, go_r, paused; volatile int cancel; };

static void pause_once(void *ctx, const lmkv_migrate_progress *p)
{
    struct pause_ctx *c = ctx;
    (void)p;
    if (c->paused) return;
    c->paused = 1;
    char b = 'r';
    if (write(c->ready_w, &b, 1) != 1) _exit(4);
    if (read(c->go_r, &b, 1) < 0) _exit(5); /* EOF: the parent says go on */
    c->cancel = 1;                            /* then cancel: the run removes its own directory */
}

/* A live run paused while building beside `target`; returns its pid. */
static pid_t live_run(const char *target, int *go_w)
{
    int ready[2], go[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        struct pause_ctx c = {ready[1], go[0], 0, 0};
        lmkv_migrate_options o;
        lmkv_migrate_options_init(&o);
        o.progress = pause_once;
        o.progress_ctx = &c;
        o.cancel = &c.cancel;
        int rc = lmkv_migrate_import(NULL, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), target, &o);
        _exit(rc == LMKV_ECONFLICT ? 0 : 6);
    }
    close(ready[1]);
    close(go[0]);
    char b;
    assert_int_equal(read(ready[0], &b, 1), 1); /* paused, its directory locked */
    close(ready[0]);
    *go_w = go[1];
    return pid;
}

static void test_killed_runs_are_cleaned_live_runs_are_not(void **state)
{
    (void)state;
    char target[4096], stale[300], live[300], p[4096];
    snprintf(target, sizeof target, "%s", lmkv_test_tmp("db"));

    /* 1. a killed run leaves its directory, the target does not exist */
    killed_run(target);
    assert_false(is_dir(target));
    assert_int_equal(count_prefixed("db.tmp-", stale, sizeof stale), 1);
    snprintf(p, sizeof p, "%s", lmkv_test_tmp(stale));
    assert_true(is_dir(p));

    /* 2. the next run (live, paused) removed it and holds its own */
    int go_w;
    pid_t pid = live_run(target, &go_w);
    assert_false(is_dir(p));
    assert_int_equal(count_prefixed("db.tmp-", live, sizeof live), 1);
    assert_string_not_equal(live, stale);

    /* 3. another killed run meanwhile: it leaves the live run's directory alone */
    killed_run(target);
    assert_int_equal(count_prefixed("db.tmp-", NULL, 0), 2);
    snprintf(p, sizeof p, "%s", lmkv_test_tmp(live));
    assert_true(is_dir(p));

    /* things that are not a run's directory are never touched */
    assert_int_equal(mkdir(lmkv_test_tmp("outside"), 0700), 0);
    lmkv_test_spit(lmkv_test_tmp("outside/keep"), "keep", 4);
    assert_int_equal(symlink(lmkv_test_tmp("outside"), lmkv_test_tmp("db.tmp-SyMlNk")), 0);
    lmkv_test_spit(lmkv_test_tmp("db.tmp-FiLe01"), "file", 4);
    assert_int_equal(mkdir(lmkv_test_tmp("dbx.tmp-AAAAAA"), 0700), 0);
    assert_int_equal(mkdir(lmkv_test_tmp("db.tmp-toolong1"), 0700), 0);

    /* 4. an import in this process: removes the dead run's directory only */
    lmkv_migrate_report rep;
    int rc = lmkv_migrate_import(&rep, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), target, NULL);
    if (rc) fprintf(stderr, "%s\n", lmkv_errmsg());
    assert_int_equal(rc, LMKV_OK);
    assert_int_equal(rep.stale_tmp_removed, 1);
    assert_true(is_dir(target));
    assert_true(is_dir(p)); /* the live run's */
    assert_true(is_dir(lmkv_test_tmp("outside")));
    size_t n = 0;
    free(lmkv_test_slurp(lmkv_test_tmp("outside/keep"), &n));
    assert_int_equal(n, 4);
    struct stat lst;
    assert_int_equal(lstat(lmkv_test_tmp("db.tmp-SyMlNk"), &lst), 0);
    assert_true(S_ISLNK(lst.st_mode)); /* the link is still there */
    free(lmkv_test_slurp(lmkv_test_tmp("db.tmp-FiLe01"), &n));
    assert_int_equal(n, 4);
    assert_true(is_dir(lmkv_test_tmp("dbx.tmp-AAAAAA")));
    assert_true(is_dir(lmkv_test_tmp("db.tmp-toolong1")));
    /* db.tmp-<live>, the symlink, the file, db.tmp-toolong1 */
    assert_int_equal(count_prefixed("db.tmp-", NULL, 0), 4);

    /* 5. the live run goes on, is cancelled, and removes its own directory */
    close(go_w);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_false(is_dir(p));

    /* 6. a re-run (already imported) finds nothing more to clean */
    assert_int_equal(lmkv_migrate_import(&rep, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), target,
                                         NULL),
                     LMKV_OK);
    assert_true(rep.already_imported);
    assert_int_equal(rep.stale_tmp_removed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_killed_runs_are_cleaned_live_runs_are_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
