/*
 * test_tools_rel_crash.c -- crash campaign: a child process writes (single
 * inserts and removes, batches, multi-tree transactions, generate_id, tree
 * creation, map growth from a tiny initial map) and is killed with SIGKILL
 * at a random moment; then, every round:
 *   - the database opens (stale reader slots of the dead child are cleared);
 *   - every acknowledged write is present, every acknowledged remove absent
 *     (the child reports 'B'egun / 'A'cknowledged records through a pipe,
 *     the 'A' only after the call returned LMKV_OK);
 *   - every batch is all-or-nothing: the 16 keys bk/00..bk/15 always carry
 *     one generation number, at least the last acknowledged one;
 *   - every transaction is all-or-nothing across trees: bank a+b == 1000 and
 *     bank/seq == audit/seq, at least the last acknowledged transaction;
 *   - generate_id never repeats: every id is above every id acknowledged in
 *     earlier rounds;
 *   - `lmkv verify` finds no damage.
 * The same database lives through all rounds, and rounds alternate the
 * durability modes (a process kill must be harmless in all of them).
 * Rounds: 50 x LMKV_REL_SCALE (make torture: 1000+). Seed: LMKV_SEED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <sys/prctl.h>

#include "reliability/rel_common.h"
#include "util/lmkv_test_util.h"

#define NBATCH 16
enum { ST_NONE = 0, ST_PRESENT, ST_REMOVED };

static void val_of(char *buf, size_t cap, uint64_t n) { snprintf(buf, cap, "value-%016" PRIx64, n * 2654435761u); }
static void skey(char *buf, size_t cap, uint64_t n) { snprintf(buf, cap, "s/%016" PRIx64, n); }

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ------------------------------------------------------------------ child */

struct txctx { lmkv_tree *bank, *audit; uint64_t t, amount; };

static int txn_body(void *vctx, lmkv_txn *txn)
{
    struct txctx *c = vctx;
    lmkv_pair p;
    uint64_t a = 1000, b = 0;
    int rc = lmkv_txn_get(&p, txn, c->bank, "a", 1);
    if (rc == 0 && p.value_size == 8) a = le64(p.value);
    else if (rc != LMKV_NOTFOUND) return rc ? rc : LMKV_ECORRUPT;
    rc = lmkv_txn_get(&p, txn, c->bank, "b", 1);
    if (rc == 0 && p.value_size == 8) b = le64(p.value);
    else if (rc != LMKV_NOTFOUND) return rc ? rc : LMKV_ECORRUPT;
    uint64_t x = a ? c->amount % (a + 1) : 0;
    if (c->t & 1) { a -= x; b += x; } else { uint64_t y = b ? c->amount % (b + 1) : 0; a += y; b -= y; }
    uint8_t va[8], vb[8], vs[8];
    put64(va, a); put64(vb, b); put64(vs, c->t);
    if ((rc = lmkv_txn_insert(txn, c->bank, "a", 1, va, 8))) return rc;
    if ((rc = lmkv_txn_insert(txn, c->bank, "b", 1, vb, 8))) return rc;
    if ((rc = lmkv_txn_insert(txn, c->bank, "seq", 3, vs, 8))) return rc;
    return lmkv_txn_insert(txn, c->audit, "seq", 3, vs, 8);
}

static void child(const char *dir, uint64_t base, uint64_t seed, int durability, int fd)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.durability = durability;
    cfg.initial_map_size = 256 * 1024;     /* tiny: the map must grow */
    cfg.flush_every_ms = (seed & 1) ? 0 : 20;
    lmkv_db *db;
    if (lmkv_db_open(&db, &cfg)) { fprintf(stderr, "child open: %s\n", lmkv_errmsg()); _exit(3); }
    lmkv_tree *single, *bat, *bank, *audit;
    if (lmkv_db_open_tree(&single, db, "single", 6) || lmkv_db_open_tree(&bat, db, "batch", 5) ||
        lmkv_db_open_tree(&bank, db, "bank", 4) || lmkv_db_open_tree(&audit, db, "audit", 5)) {
        fprintf(stderr, "child open_tree: %s\n", lmkv_errmsg()); _exit(3);
    }
    rel_send(fd, 'A', 'O', base, 0);       /* opened */
    uint64_t rng = seed | 1, cnt = 0, gcnt = 0, tcnt = 0, trees = 0;
    uint64_t inserted[4096]; size_t ninserted = 0;
    char *big = malloc(70000);
    if (!big) _exit(3);
    for (;;) {
        uint64_t r = lmkv_test_rand(&rng);
        int op = (int)(r % 100);
        if (op < 40) {                      /* single insert (sometimes a long key, a big value) */
            uint64_t n = base + cnt++;
            char k[64], v[64];
            skey(k, sizeof k, n); val_of(v, sizeof v, n);
            rel_send(fd, 'B', 'I', n, 0);
            if (lmkv_tree_insert(NULL, single, k, strlen(k), v, strlen(v))) { fprintf(stderr, "insert: %s\n", lmkv_errmsg()); _exit(4); }
            rel_send(fd, 'A', 'I', n, 0);
            if (ninserted < 4096) inserted[ninserted++] = n;
        } else if (op < 50 && ninserted) {  /* remove an acknowledged key */
            size_t i = (size_t)(r >> 8) % ninserted;
            uint64_t n = inserted[i];
            inserted[i] = inserted[--ninserted];
            char k[64];
            skey(k, sizeof k, n);
            rel_send(fd, 'B', 'R', n, 0);
            int rc = lmkv_tree_remove(NULL, single, k, strlen(k));
            if (rc != 0) { fprintf(stderr, "remove: %d %s\n", rc, lmkv_errmsg()); _exit(4); }
            rel_send(fd, 'A', 'R', n, 0);
        } else if (op < 70) {               /* batch: 16 keys, one generation */
            uint64_t g = base + gcnt++;
            size_t vs = 8 + (size_t)((r >> 16) % 3000);
            if ((r >> 40) % 16 == 0) vs = 20000 + (size_t)((r >> 20) % 40000);   /* overflow pages */
            memset(big, (int)(g & 0xff), vs);
            put64((uint8_t *)big, g);
            lmkv_batch *b;
            if (lmkv_batch_new(&b)) _exit(4);
            for (int i = 0; i < NBATCH; i++) {
                char k[16];
                snprintf(k, sizeof k, "bk/%02d", i);
                if (lmkv_batch_insert(b, k, strlen(k), big, vs)) _exit(4);
            }
            rel_send(fd, 'B', 'G', g, 0);
            if (lmkv_tree_apply_batch(bat, b)) { fprintf(stderr, "batch: %s\n", lmkv_errmsg()); _exit(4); }
            rel_send(fd, 'A', 'G', g, 0);
            lmkv_batch_free(b);
        } else if (op < 88) {               /* transaction over two trees */
            struct txctx c = {bank, audit, base + tcnt++, r >> 32};
            lmkv_tree *ts[2] = {bank, audit};
            rel_send(fd, 'B', 'T', c.t, 0);
            int rc = lmkv_db_transaction(db, ts, 2, txn_body, &c);
            if (rc) { fprintf(stderr, "txn: %d %s\n", rc, lmkv_errmsg()); _exit(4); }
            rel_send(fd, 'A', 'T', c.t, 0);
        } else if (op < 97) {               /* generate_id */
            uint64_t id;
            if (lmkv_db_generate_id(&id, db)) { fprintf(stderr, "id: %s\n", lmkv_errmsg()); _exit(4); }
            rel_send(fd, 'A', 'D', id, 0);
        } else if ((r >> 50) % 4 == 0) {    /* create a tree with one key (rarely: max_trees) */
            char name[64];
            snprintf(name, sizeof name, "t/%016" PRIx64, base + trees++);
            lmkv_tree *t;
            rel_send(fd, 'B', 'C', base + trees - 1, 0);
            if (lmkv_db_open_tree(&t, db, name, strlen(name))) { fprintf(stderr, "open_tree: %s\n", lmkv_errmsg()); _exit(4); }
            if (lmkv_tree_insert(NULL, t, "k", 1, name, strlen(name))) _exit(4);
            lmkv_tree_close(t);
            rel_send(fd, 'A', 'C', base + trees - 1, 0);
        }
    }
}

/* ------------------------------------------------------------------ model */

struct single { uint64_t n; int st; };
struct model {
    struct single *s; size_t ns, caps;
    uint64_t batch_acked; int batch_any;
    uint64_t txn_acked; int txn_any;
    uint64_t max_id; int id_any;
    uint64_t *trees; size_t ntrees, captrees;   /* acknowledged created trees */
};

static struct single *model_find(struct model *m, uint64_t n)
{
    /* ns are appended in increasing order within a round and across rounds */
    size_t lo = 0, hi = m->ns;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->s[mid].n < n) lo = mid + 1; else hi = mid;
    }
    return lo < m->ns && m->s[lo].n == n ? &m->s[lo] : NULL;
}

static struct single *model_add(struct model *m, uint64_t n)
{
    struct single *e = model_find(m, n);
    if (e) return e;
    if (m->ns == m->caps) {
        m->caps = m->caps ? m->caps * 2 : 1024;
        m->s = realloc(m->s, m->caps * sizeof *m->s);
        assert_non_null(m->s);
    }
    assert_true(m->ns == 0 || m->s[m->ns - 1].n < n);
    m->s[m->ns] = (struct single){n, ST_NONE};
    return &m->s[m->ns++];
}

static int single_present(lmkv_tree *t, uint64_t n)
{
    char k[64], v[64];
    skey(k, sizeof k, n); val_of(v, sizeof v, n);
    lmkv_bytes out = {0};
    int rc = lmkv_tree_get(&out, t, k, strlen(k));
    if (rc == LMKV_NOTFOUND) return 0;
    if (rc != 0) { fprintf(stderr, "get %s: %s\n", k, lmkv_errmsg()); fail(); }
    if (out.size != strlen(v) || memcmp(out.data, v, out.size) != 0) {
        fprintf(stderr, "single %s: wrong value\n", k);
        fail();
    }
    lmkv_free(out.data);
    return 1;
}

struct counts { unsigned rounds, kills, acks, ids, inflight_resolved, verify_runs; };

/* Apply one round's messages to the model and check the database. */
static void check_round(const char *dir, struct model *m, const struct rel_msgs *ms, struct counts *cn, int full)
{
    /* a round only touches its own singles (removes pick keys of the same
     * round): check those every round and all of them when `full` */
    size_t first = full ? 0 : m->ns;
    uint64_t round_first_id = 0; int have_first_id = 0;
    /* in-flight ops: 'B' without the matching 'A' (at most one: the child is sequential) */
    int infl = 0; char infl_op = 0; uint64_t infl_n = 0;
    for (size_t i = 0; i < ms->n; i++) {
        const struct rel_msg *g = &ms->v[i];
        if (g->kind == 'B') { infl = 1; infl_op = g->op; infl_n = g->n; continue; }
        infl = 0;
        cn->acks++;
        switch (g->op) {
        case 'I': model_add(m, g->n)->st = ST_PRESENT; break;
        case 'R': { struct single *e = model_find(m, g->n); assert_non_null(e); e->st = ST_REMOVED; break; }
        case 'G': m->batch_acked = g->n; m->batch_any = 1; break;
        case 'T': m->txn_acked = g->n; m->txn_any = 1; break;
        case 'D':
            if (m->id_any) {
                if (g->n <= m->max_id) {
                    fprintf(stderr, "generate_id repeated or went back: %" PRIu64 " after %" PRIu64 "\n", g->n, m->max_id);
                    fail();
                }
            }
            if (!have_first_id) { round_first_id = g->n; have_first_id = 1; }
            m->max_id = g->n; m->id_any = 1; cn->ids++;
            break;
        case 'C':
            if (m->ntrees == m->captrees) {
                m->captrees = m->captrees ? m->captrees * 2 : 64;
                m->trees = realloc(m->trees, m->captrees * sizeof *m->trees);
                assert_non_null(m->trees);
            }
            m->trees[m->ntrees++] = g->n;
            break;
        default: break;
        }
    }
    (void)round_first_id;

    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    lmkv_db *db;
    REL_OK(lmkv_db_open(&db, &cfg));
    lmkv_db_stat st;
    REL_OK(lmkv_db_stat_get(&st, db));
    /* the dead child's reader slots were cleared at open (else 1000 kills fill them) */
    if (st.num_readers > 8) { fprintf(stderr, "%u reader slots in use after open\n", st.num_readers); fail(); }
    lmkv_tree *single, *bat, *bank, *audit;
    REL_OK(lmkv_db_open_tree(&single, db, "single", 6));
    REL_OK(lmkv_db_open_tree(&bat, db, "batch", 5));
    REL_OK(lmkv_db_open_tree(&bank, db, "bank", 4));
    REL_OK(lmkv_db_open_tree(&audit, db, "audit", 5));

    /* resolve the in-flight op from what is stored */
    if (infl && infl_op == 'I') {
        struct single *e = model_add(m, infl_n);
        e->st = single_present(single, infl_n) ? ST_PRESENT : ST_NONE;
        cn->inflight_resolved++;
    } else if (infl && infl_op == 'R') {
        struct single *e = model_find(m, infl_n);
        assert_non_null(e);
        e->st = single_present(single, infl_n) ? ST_PRESENT : ST_REMOVED;
        cn->inflight_resolved++;
    }
    /* singles */
    for (size_t i = first; i < m->ns; i++) {
        int p = single_present(single, m->s[i].n);
        if (m->s[i].st == ST_PRESENT && !p) { fprintf(stderr, "acknowledged insert of s/%016" PRIx64 " lost\n", m->s[i].n); fail(); }
        if (m->s[i].st != ST_PRESENT && p) { fprintf(stderr, "removed/never-acked s/%016" PRIx64 " present\n", m->s[i].n); fail(); }
    }
    /* batch: all 16 keys or none, one generation, >= acknowledged */
    uint64_t gen = 0; int present = 0;
    for (int i = 0; i < NBATCH; i++) {
        char k[16];
        snprintf(k, sizeof k, "bk/%02d", i);
        lmkv_bytes v = {0};
        int rc = lmkv_tree_get(&v, bat, k, strlen(k));
        if (rc == LMKV_NOTFOUND) { assert_int_equal(present, 0); assert_false(m->batch_any); continue; }
        REL_OK(rc);
        assert_true(v.size >= 8);
        uint64_t g = le64(v.data);
        for (size_t j = 8; j < v.size; j++)
            if (v.data[j] != (uint8_t)(g & 0xff)) { fprintf(stderr, "batch value of %s torn at byte %zu\n", k, j); fail(); }
        if (i == 0) gen = g;
        else if (g != gen) { fprintf(stderr, "batch not atomic: bk/00 gen %" PRIu64 ", %s gen %" PRIu64 "\n", gen, k, g); fail(); }
        present++;
        lmkv_free(v.data);
    }
    assert_true(present == 0 || present == NBATCH);
    if (m->batch_any && gen < m->batch_acked) { fprintf(stderr, "acknowledged batch %" PRIu64 " lost (have %" PRIu64 ")\n", m->batch_acked, gen); fail(); }
    if (present) { m->batch_acked = gen; m->batch_any = 1; }
    /* transaction: invariant across two trees */
    lmkv_bytes a = {0}, b = {0}, s1 = {0}, s2 = {0};
    int ra = lmkv_tree_get(&a, bank, "a", 1), rb = lmkv_tree_get(&b, bank, "b", 1);
    int r1 = lmkv_tree_get(&s1, bank, "seq", 3), r2 = lmkv_tree_get(&s2, audit, "seq", 3);
    assert_int_equal(ra, rb); assert_int_equal(ra, r1); assert_int_equal(r1, r2);
    if (ra == 0) {
        assert_int_equal(le64(a.data) + le64(b.data), 1000);
        assert_int_equal(le64(s1.data), le64(s2.data));
        if (m->txn_any && le64(s1.data) < m->txn_acked) { fprintf(stderr, "acknowledged txn lost\n"); fail(); }
        m->txn_acked = le64(s1.data); m->txn_any = 1;
    } else {
        assert_int_equal(ra, LMKV_NOTFOUND);
        assert_false(m->txn_any);
    }
    lmkv_free(a.data); lmkv_free(b.data); lmkv_free(s1.data); lmkv_free(s2.data);
    /* created trees */
    for (size_t i = 0; i < m->ntrees; i++) {
        char name[64];
        snprintf(name, sizeof name, "t/%016" PRIx64, m->trees[i]);
        lmkv_tree *t;
        if (lmkv_db_open_tree_ex(&t, db, name, strlen(name), LMKV_TREE_NO_CREATE)) { fprintf(stderr, "acknowledged tree %s lost\n", name); fail(); }
        lmkv_bytes v = {0};
        REL_OK(lmkv_tree_get(&v, t, "k", 1));
        lmkv_free(v.data);
        lmkv_tree_close(t);
    }
    /* ids: the next one is above every acknowledged one */
    uint64_t next;
    REL_OK(lmkv_db_peek_next_id(&next, db));
    if (m->id_any && next <= m->max_id) { fprintf(stderr, "id high-water %" PRIu64 " <= acknowledged id %" PRIu64 "\n", next, m->max_id); fail(); }
    lmkv_tree_close(single); lmkv_tree_close(bat); lmkv_tree_close(bank); lmkv_tree_close(audit);
    lmkv_db_close(db);
}

static void test_crash_campaign(void **state)
{
    (void)state;
    char *dir = lmkv_test_tmpdir("rel-crash");
    char *db = lmkv_test_path(dir, "db");
    char *log = lmkv_test_path(dir, "verify.log");
    uint64_t seed = lmkv_test_seed(0x5eedc0ffee);
    unsigned rounds = 50 * rel_scale();
    struct model m = {0};
    struct counts cn = {0};
    uint64_t rng = seed;
    unsigned verify_every = rounds > 200 ? 5 : 1;
    for (unsigned r = 0; r < rounds; r++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        uint64_t cseed = lmkv_test_rand(&rng);
        int durability = (int)(r % 3);      /* DEFAULT, SYNC, NOSYNC */
        uint64_t base = ((uint64_t)r + 1) << 32;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the campaign */
            child(db, base, cseed, durability, p[1]);
            _exit(0);
        }
        close(p[1]);
        /* kill at a random moment: mostly within 60 ms, sometimes later
         * (bigger database, map growth), sometimes during open */
        uint64_t x = lmkv_test_rand(&rng);
        unsigned delay = (x % 10 == 0) ? (unsigned)(x >> 8) % 400 : (unsigned)(x >> 8) % 60;
        struct rel_msgs ms = {0};
        rel_msgs_read_until(&ms, p[0], rel_now_ms() + delay);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        rel_msgs_read_until(&ms, p[0], UINT64_MAX);
        close(p[0]);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
            fprintf(stderr, "round %u: child ended by itself (status %d) -- a write failed\n", r, st);
            fail();
        }
        cn.kills++;
        check_round(db, &m, &ms, &cn, r % 25 == 0 || r + 1 == rounds);
        rel_msgs_free(&ms);
        if (r % verify_every == 0 || r + 1 == rounds) {
            int vr = rel_lmkv_verify(db, log);
            if (vr != 0) { fprintf(stderr, "round %u: lmkv verify exit %d\n", r, vr); rel_print_log(log); fail(); }
            cn.verify_runs++;
        }
        cn.rounds++;
    }
    size_t present = 0;
    for (size_t i = 0; i < m.ns; i++) present += m.s[i].st == ST_PRESENT;
    printf("crash campaign: seed 0x%" PRIx64 ": %u rounds, %u SIGKILLs, %u acknowledged ops checked, "
           "%zu singles tracked (%zu present), %u ids, %zu trees created, %u in-flight ops resolved, "
           "%u lmkv verify runs, 0 failures\n",
           seed, cn.rounds, cn.kills, cn.acks, m.ns, present, cn.ids, m.ntrees, cn.inflight_resolved, cn.verify_runs);
    free(m.s); free(m.trees);
    lmkv_test_rmtree(dir);
    free(dir); free(db); free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_campaign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
