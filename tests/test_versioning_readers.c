/*
 * test_versioning_readers.c -- readers never see a half indexed state.
 * A writer thread rewrites two files of a workspace with new content each
 * round (so both must be analysed) and runs an index session with
 * batch_files = 1, so each analysed version is committed in its own write
 * transaction before the mapping swap. Reader threads meanwhile read the
 * current symbols in one read transaction each and check that they always
 * see exactly one round's pair {fa_N, fb_N} -- never a file of one round
 * with a file of another, never a file without its records -- and that the
 * state generation grows with every round they observe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "test_versioning_util.h"

#define ROUNDS 25
#define READERS 2

static struct dbh H;
static char dir[1100];
static atomic_int writer_done;

struct seen { char a[64], b[64]; int na, nb, other; };

static int collect(void *ctx, const lmkv_symbol *y)
{
    struct seen *s = ctx;
    if (!strcmp(y->file_path, "a.c")) { snprintf(s->a, sizeof s->a, "%s", y->name); s->na++; }
    else if (!strcmp(y->file_path, "b.c")) { snprintf(s->b, sizeof s->b, "%s", y->name); s->nb++; }
    else s->other++;
    return 0;
}

struct reader_result { int observations, mixed, missing, gen_backwards; char detail[256]; };

static void *reader(void *arg)
{
    struct reader_result *res = arg;
    uint64_t ws = lmkv_worktree_id(H.wt), last_gen = 0;
    while (!atomic_load(&writer_done)) {
        lmkv_store_txn *t = NULL;
        if (lmkv_store_txn_begin(&t, H.st) != LMKV_OK) { res->missing++; break; }
        struct seen s;
        memset(&s, 0, sizeof s);
        uint64_t gen = 0;
        int rc = lmkv_store_symbols_by_name(t, ws, "", 0, LMKV_STORE_PREFIX, collect, &s);
        if (rc == LMKV_OK) rc = lmkv_store_generation(&gen, t, ws);
        lmkv_store_txn_end(t);
        if (rc != LMKV_OK) { res->missing++; snprintf(res->detail, sizeof res->detail, "read: %d", rc); continue; }
        usleep(100);
        if (s.na == 0 && s.nb == 0) continue;          /* before the first round */
        res->observations++;
        if (s.na != 1 || s.nb != 1 || s.other) {
            res->missing++;
            snprintf(res->detail, sizeof res->detail, "a=%d b=%d other=%d", s.na, s.nb, s.other);
        } else if (strcmp(s.a + 3, s.b + 3) != 0) {     /* "fa_N" vs "fb_M" */
            res->mixed++;
            snprintf(res->detail, sizeof res->detail, "mixed %s %s", s.a, s.b);
        }
        if (gen < last_gen) res->gen_backwards++;
        last_gen = gen;
    }
    return NULL;
}

static void test_no_half_indexed_state(void **state)
{
    (void)state;
    char dbdir[1200];
    snprintf(dir, sizeof dir, "%s/rw", tmpdir);
    snprintf(dbdir, sizeof dbdir, "%s/db-rw", tmpdir);
    sh("mkdir -p '%s'", dir);
    db_open(&H, dbdir, dir);

    pthread_t th[READERS];
    struct reader_result res[READERS];
    memset(res, 0, sizeof res);
    atomic_store(&writer_done, 0);
    for (int i = 0; i < READERS; i++) assert_int_equal(pthread_create(&th[i], NULL, reader, &res[i]), 0);

    size_t txns = 0;
    for (int round = 0; round < ROUNDS; round++) {
        char text[256];
        snprintf(text, sizeof text, "int fa_%d(void)\n{\n    return helper(%d);\n}\n", round, round);
        write_file(dir, "a.c", text);
        snprintf(text, sizeof text, "int fb_%d(void)\n{\n    return helper(%d);\n}\n", round, round);
        write_file(dir, "b.c", text);
        struct lmkv_index_options o = opts_c();
        o.batch_files = 1;
        struct lmkv_index_report r;
        int rc = lmkv_index_worktree(&r, H.wt, &o, tiny_analyser, NULL);
        if (rc != LMKV_OK) fail_msg("index round %d: %s", round, lmkv_errmsg());
        assert_int_equal(r.analysed, 2);
        txns += r.write_txns;
        lmkv_index_report_clear(&r);
    }
    atomic_store(&writer_done, 1);
    for (int i = 0; i < READERS; i++) pthread_join(th[i], NULL);
    int obs = 0;
    for (int i = 0; i < READERS; i++) {
        if (res[i].mixed || res[i].missing || res[i].gen_backwards)
            fail_msg("reader %d saw a half indexed state: mixed %d, missing %d, generation backwards %d (%s)",
                     i, res[i].mixed, res[i].missing, res[i].gen_backwards, res[i].detail);
        obs += res[i].observations;
    }
    assert_true(obs > 0);
    /* each round: one transaction per analysed file, then the mapping swap */
    assert_int_equal(txns, 3 * ROUNDS);
    db_close(&H);
}

int main(void)
{
    test_setup_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_half_indexed_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
