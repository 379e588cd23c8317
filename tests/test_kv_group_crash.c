/*
 * test_kv_group_crash.c -- SIGKILL during grouped commits: a child process
 * runs 6 writer threads on one database (so their writes commit in shared
 * write groups) and is killed with SIGKILL at a random moment; then:
 *   - every acknowledged write is there: each thread's batches (4 keys of
 *     one generation) up to the last one it acknowledged, and its counter
 *     (update_and_fetch, run in the thread's own thread) at least at its
 *     last acknowledged value;
 *   - nothing unacknowledged is half-applied: a batch is all 4 keys or
 *     none, all with its generation; a thread's batches are present as a
 *     prefix 0..k (its writes commit in its order) with k at most its one
 *     in-flight batch; the counter is at most its in-flight value;
 *   - the group stats of the child (reported before the kill) show groups
 *     larger than one, so the kills did land in grouped commits.
 * Acknowledgements go through a pipe ('B'egun / 'A'cknowledged, 24-byte
 * records, atomic writes) as in test_tools_rel_crash.c. The rounds
 * alternate DEFAULT and SYNC (NOSYNC writes are not grouped).
 * Rounds: 12 x LMKV_REL_SCALE. Seed: LMKV_SEED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

#include "reliability/rel_common.h"
#include "kv_int.h" /* lmkv_kv__group_stats */
#include "util/lmkv_test_util.h"

#define NW 6        /* writer threads */
#define NKEYS 4     /* keys per batch */
#define MAXOPS 100000

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

struct wr {
    lmkv_tree *t;
    lmkv_db *db;
    int id;
    uint64_t round;
    int fd;
};

static int incr(void *ctx, const uint8_t *old, size_t on, uint8_t **out, size_t *outn)
{
    (void)ctx;
    uint64_t v = old && on == 8 ? le64(old) : 0;
    *out = malloc(8);
    if (!*out)
        return LMKV_ENOMEM;
    put64(*out, v + 1);
    *outn = 8;
    return 0;
}

static void bkey(char *b, size_t cap, uint64_t round, int w, uint64_t g, int i)
{
    snprintf(b, cap, "b/%04" PRIu64 "/%d/%08" PRIu64 "/%d", round, w, g, i);
}

static void ckey(char *b, size_t cap, uint64_t round, int w)
{
    snprintf(b, cap, "c/%04" PRIu64 "/%d", round, w);
}

static void *writer_main(void *p)
{
    struct wr *w = p;
    uint8_t val[64];
    for (uint64_t g = 0; g < MAXOPS; g++) {
        lmkv_batch *b;
        if (lmkv_batch_new(&b)) _exit(4);
        memset(val, (int)(g & 0xff), sizeof val);
        put64(val, g);
        for (int i = 0; i < NKEYS; i++) {
            char k[64];
            bkey(k, sizeof k, w->round, w->id, g, i);
            if (lmkv_batch_insert(b, k, strlen(k), val, 8 + (g % 56))) _exit(4);
        }
        rel_send(w->fd, 'B', 'G', (uint64_t)w->id, g);
        if (lmkv_tree_apply_batch(w->t, b)) { fprintf(stderr, "batch: %s\n", lmkv_errmsg()); _exit(4); }
        rel_send(w->fd, 'A', 'G', (uint64_t)w->id, g);
        lmkv_batch_free(b);
        char ck[32];
        ckey(ck, sizeof ck, w->round, w->id);
        rel_send(w->fd, 'B', 'U', (uint64_t)w->id, g + 1);
        if (lmkv_tree_update_and_fetch(NULL, w->t, ck, strlen(ck), incr, NULL)) { fprintf(stderr, "counter: %s\n", lmkv_errmsg()); _exit(4); }
        rel_send(w->fd, 'A', 'U', (uint64_t)w->id, g + 1);
        if (g % 8 == 7) {
            lmkv_group_stats gs;
            if (lmkv_kv__group_stats(&gs, w->db) == 0)
                rel_send(w->fd, 'A', 'S', gs.max_group, gs.ops);
        }
    }
    return NULL;
}

static void child(const char *dir, uint64_t round, int durability, int fd)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.durability = durability;
    cfg.initial_map_size = 512 * 1024; /* small: the map grows inside groups too */
    cfg.flush_every_ms = round & 1 ? 0 : 20;
    lmkv_db *db;
    if (lmkv_db_open(&db, &cfg)) { fprintf(stderr, "child open: %s\n", lmkv_errmsg()); _exit(3); }
    lmkv_tree *t;
    if (lmkv_db_open_tree(&t, db, "g", 1)) _exit(3);
    rel_send(fd, 'A', 'O', 0, 0);
    struct wr w[NW];
    pthread_t th[NW];
    for (int i = 0; i < NW; i++) {
        w[i] = (struct wr){t, db, i, round, fd};
        if (pthread_create(&th[i], NULL, writer_main, &w[i])) _exit(3);
    }
    for (int i = 0; i < NW; i++)
        pthread_join(th[i], NULL);
    _exit(0);
}

struct wmodel {
    int any_acked_g, any_begun_g;
    uint64_t acked_g, begun_g;   /* last acknowledged / begun batch generation */
    uint64_t acked_c, begun_c;   /* counter values */
};

static void check_round(const char *dir, uint64_t round, const struct rel_msgs *ms, uint64_t *max_group)
{
    struct wmodel m[NW];
    memset(m, 0, sizeof m);
    for (size_t i = 0; i < ms->n; i++) {
        const struct rel_msg *g = &ms->v[i];
        if (g->op == 'S') {
            if (g->n > *max_group) *max_group = g->n;
            continue;
        }
        if (g->op == 'O') continue;
        assert_true(g->n < NW);
        struct wmodel *w = &m[g->n];
        if (g->op == 'G') {
            if (g->kind == 'B') { w->begun_g = g->m; w->any_begun_g = 1; }
            else { w->acked_g = g->m; w->any_acked_g = 1; }
        } else if (g->op == 'U') {
            if (g->kind == 'B') w->begun_c = g->m;
            else w->acked_c = g->m;
        }
    }
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    lmkv_db *db;
    REL_OK(lmkv_db_open(&db, &cfg));
    lmkv_tree *t;
    REL_OK(lmkv_db_open_tree(&t, db, "g", 1));
    for (int wi = 0; wi < NW; wi++) {
        struct wmodel *w = &m[wi];
        /* batches: a prefix 0..k of whole batches */
        uint64_t g = 0;
        for (;; g++) {
            int present = 0;
            for (int i = 0; i < NKEYS; i++) {
                char k[64];
                bkey(k, sizeof k, round, wi, g, i);
                lmkv_bytes v = {0};
                int rc = lmkv_tree_get(&v, t, k, strlen(k));
                if (rc == LMKV_NOTFOUND) continue;
                REL_OK(rc);
                if (v.size != 8 + (g % 56) || le64(v.data) != g) { fprintf(stderr, "round %" PRIu64 " writer %d batch %" PRIu64 ": wrong value in %s\n", round, wi, g, k); fail(); }
                present++;
                lmkv_free(v.data);
            }
            if (present != 0 && present != NKEYS) { fprintf(stderr, "round %" PRIu64 " writer %d batch %" PRIu64 ": %d of %d keys (half-applied)\n", round, wi, g, present, NKEYS); fail(); }
            if (!present) break;
        }
        /* g = batches present */
        if (w->any_acked_g && g < w->acked_g + 1) { fprintf(stderr, "round %" PRIu64 " writer %d: acknowledged batch %" PRIu64 " lost (%" PRIu64 " present)\n", round, wi, w->acked_g, g); fail(); }
        if (g > (w->any_begun_g ? w->begun_g + 1 : 0)) { fprintf(stderr, "round %" PRIu64 " writer %d: batch %" PRIu64 " present but never begun\n", round, wi, g - 1); fail(); }
        /* nothing beyond the prefix */
        char k[64];
        bkey(k, sizeof k, round, wi, g + 1, 0);
        assert_int_equal(lmkv_tree_contains_key(t, k, strlen(k)), LMKV_NOTFOUND);
        /* the counter */
        char ck[32];
        ckey(ck, sizeof ck, round, wi);
        lmkv_bytes v = {0};
        int rc = lmkv_tree_get(&v, t, ck, strlen(ck));
        uint64_t c = 0;
        if (rc == 0) { assert_int_equal(v.size, 8); c = le64(v.data); lmkv_free(v.data); }
        else assert_int_equal(rc, LMKV_NOTFOUND);
        if (c < w->acked_c || c > w->begun_c) { fprintf(stderr, "round %" PRIu64 " writer %d: counter %" PRIu64 " outside [acknowledged %" PRIu64 ", begun %" PRIu64 "]\n", round, wi, c, w->acked_c, w->begun_c); fail(); }
    }
    lmkv_tree_close(t);
    lmkv_db_close(db);
}

static void test_sigkill_during_groups(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("grp-crash");
    char *db = lmkv_test_path(dir, "db");
    uint64_t seed = lmkv_test_seed(0x6a0c0ffee);
    unsigned rounds = 12 * rel_scale();
    uint64_t rng = seed, max_group = 0;
    size_t acks = 0;
    for (unsigned r = 0; r < rounds; r++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        int durability = r % 3 == 2 ? LMKV_DURABILITY_SYNC : LMKV_DURABILITY_DEFAULT; /* NOSYNC is not grouped */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            child(db, r, durability, p[1]);
        }
        close(p[1]);
        /* wait until the writers run (a first group-stats report: slow
         * builds, ASan, take a while), then kill 20-220 ms later */
        struct rel_msgs ms = {0};
        int st = rel_kill_after_start(&ms, pid, p[0], 20 + (unsigned)(lmkv_test_rand(&rng) % 200));
        close(p[0]);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
            fprintf(stderr, "round %u: child ended by itself (status %d) -- a write failed\n", r, st);
            fail();
        }
        acks += ms.n;
        check_round(db, r, &ms, &max_group);
        rel_msgs_free(&ms);
    }
    printf("group crash campaign: seed 0x%" PRIx64 ": %u rounds, %u SIGKILLs of %d writer threads, %zu messages, largest group reported %" PRIu64 "\n",
           seed, rounds, rounds, NW, acks, max_group);
    assert_true(max_group >= 2); /* the kills landed among grouped commits */
    lmkv_test_rmtree(dir);
    free(dir);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_during_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
