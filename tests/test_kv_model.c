/*
 * test_kv_model.c -- model-based randomized test in the manner of sled's
 * tree model test: random Set / Merge / Get / GetLt / GetGt / Del / Cas /
 * Scan (forward, reverse, mixed double-ended, prefix) / Pop / Batch / Txn /
 * Restart (close + reopen) against an in-memory sorted map.
 * Keys are 0..300 bytes from a tiny alphabet with 0x00/0xFF (so they share
 * prefixes), sometimes 490..520 bytes around the 500-byte encoding limit and
 * sometimes 10,000 bytes sharing a 9,000-byte 0xFF prefix (long-key groups).
 * A failure prints its seed; rerun one seed with LMKV_SEED=<n>.
 * LMKV_MODEL_SEEDS=<n> changes how many seeds run (default 120).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmkv_kv.h"
#include "util/lmkv_test_util.h"

static unsigned long long g_seed;
static int g_step;
static const char *g_op = "";

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "model mismatch: %s (line %d) at step %d, op %s; reproduce with LMKV_SEED=%llu\n", \
                    #c, __LINE__, g_step, g_op, g_seed);                                          \
            fail();                                                                                \
        }                                                                                          \
    } while (0)
#define CHECK_RC(x, want)                                                                          \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != (want)) {                                                                       \
            fprintf(stderr, "rc %d (%s) != %d: %s\n", rc_, lmkv_errmsg(), (want), #x);              \
            CHECK(rc_ == (want));                                                                  \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------ model */

typedef struct ment {
    uint8_t *k, *v;
    size_t kn, vn;
} ment;

typedef struct model {
    ment *e;
    size_t n, cap;
} model;

static int bcmp_(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* index of first entry >= k */
static size_t m_lower(const model *m, const uint8_t *k, size_t kn)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (bcmp_(m->e[mid].k, m->e[mid].kn, k, kn) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static ment *m_find(model *m, const uint8_t *k, size_t kn)
{
    size_t i = m_lower(m, k, kn);
    if (i < m->n && bcmp_(m->e[i].k, m->e[i].kn, k, kn) == 0)
        return &m->e[i];
    return NULL;
}

static uint8_t *dup(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (n)
        memcpy(d, p, n);
    return d;
}

static void m_set(model *m, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    size_t i = m_lower(m, k, kn);
    if (i < m->n && bcmp_(m->e[i].k, m->e[i].kn, k, kn) == 0) {
        free(m->e[i].v);
        m->e[i].v = dup(v, vn);
        m->e[i].vn = vn;
        return;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->e = realloc(m->e, m->cap * sizeof *m->e);
    }
    memmove(&m->e[i + 1], &m->e[i], (m->n - i) * sizeof *m->e);
    m->e[i].k = dup(k, kn);
    m->e[i].kn = kn;
    m->e[i].v = dup(v, vn);
    m->e[i].vn = vn;
    m->n++;
}

static void m_del(model *m, const uint8_t *k, size_t kn)
{
    size_t i = m_lower(m, k, kn);
    if (i < m->n && bcmp_(m->e[i].k, m->e[i].kn, k, kn) == 0) {
        free(m->e[i].k);
        free(m->e[i].v);
        memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof *m->e);
        m->n--;
    }
}

static void m_free(model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].k);
        free(m->e[i].v);
    }
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ generators */

static const uint8_t ALPHA[] = {0x00, 0x01, 0x61, 0xFE, 0xFF};

typedef struct buf {
    uint8_t *p;
    size_t n;
} buf;

/* Half the time (when the model holds keys), replace *k by a copy of one of
 * the model's keys, so that operations also hit existing keys. */
static void maybe_existing_key(buf *k, const model *m, uint64_t *rs)
{
    if (m->n && lmkv_test_rand(rs) % 2) {
        const ment *e = &m->e[lmkv_test_rand(rs) % m->n];
        free(k->p);
        k->p = dup(e->k, e->kn);
        k->n = e->kn;
    }
}

static buf gen_key(uint64_t *rs)
{
    buf b;
    uint64_t r = lmkv_test_rand(rs) % 100;
    if (r < 3) { /* 10,000 bytes: 9,000 x 0xFF then a short varying tail */
        b.n = 10000;
        b.p = malloc(b.n);
        memset(b.p, 0xFF, b.n);
        for (int i = 0; i < 3; i++)
            b.p[9000 + lmkv_test_rand(rs) % 1000] = ALPHA[lmkv_test_rand(rs) % 5];
        return b;
    }
    if (r < 8) { /* around the 500/501-byte boundary, sharing 490 bytes */
        b.n = 490 + lmkv_test_rand(rs) % 31;
        b.p = malloc(b.n);
        memset(b.p, 0x01, b.n);
        for (size_t i = 488; i < b.n; i++)
            b.p[i] = ALPHA[lmkv_test_rand(rs) % 5];
        return b;
    }
    if (lmkv_test_rand(rs) % 2)
        b.n = lmkv_test_rand(rs) % 4;
    else
        b.n = lmkv_test_rand(rs) % 301;
    b.p = malloc(b.n ? b.n : 1);
    for (size_t i = 0; i < b.n; i++)
        b.p[i] = ALPHA[lmkv_test_rand(rs) % 5];
    return b;
}

static buf gen_val(uint64_t *rs)
{
    buf b;
    b.n = lmkv_test_rand(rs) % 4 == 0 ? 0 : lmkv_test_rand(rs) % 24;
    b.p = malloc(b.n ? b.n : 1);
    for (size_t i = 0; i < b.n; i++)
        b.p[i] = (uint8_t)lmkv_test_rand(rs);
    return b;
}

/* Merge operator: concatenation; a result over 48 bytes deletes the key. */
static int concat(void *ctx, const uint8_t *key, size_t ks, const uint8_t *old, size_t on,
                  const uint8_t *m, size_t mn, uint8_t **out, size_t *outn)
{
    (void)ctx; (void)key; (void)ks;
    if (on + mn > 48) {
        *out = NULL;
        return 0;
    }
    uint8_t *r = malloc(on + mn + 1);
    if (on)
        memcpy(r, old, on);
    if (mn)
        memcpy(r + on, m, mn);
    *out = r;
    *outn = on + mn;
    return 0;
}

static lmkv_db *open_db(const char *dir, lmkv_tree **t)
{
    lmkv_db *db;
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = dir;
    c.flush_every_ms = 0;
    c.durability = LMKV_DURABILITY_NOSYNC; /* crash safety is tested elsewhere */
    c.initial_map_size = 1 << 20;          /* small: exercise map growth */
    CHECK_RC(lmkv_db_open(&db, &c), 0);
    CHECK_RC(lmkv_db_open_tree(t, db, "model", 5), 0);
    lmkv_tree_set_merge_operator(*t, concat, NULL);
    return db;
}

/* ------------------------------------------------------------ checks */

static void check_pair(const lmkv_pair *p, const ment *e)
{
    CHECK(e != NULL);
    CHECK(bcmp_(p->key, p->key_size, e->k, e->kn) == 0);
    CHECK(bcmp_(p->value, p->value_size, e->v, e->vn) == 0);
}

static bool in_bounds(const ment *e, const lmkv_bound *lo, const lmkv_bound *hi)
{
    if (lo->kind != LMKV_UNBOUNDED) {
        int c = bcmp_(e->k, e->kn, lo->key, lo->key_size);
        if (lo->kind == LMKV_INCLUDED ? c < 0 : c <= 0)
            return false;
    }
    if (hi->kind != LMKV_UNBOUNDED) {
        int c = bcmp_(e->k, e->kn, hi->key, hi->key_size);
        if (hi->kind == LMKV_INCLUDED ? c > 0 : c >= 0)
            return false;
    }
    return true;
}

/* Compare a range iterator with the model, stepping by `pattern`:
 * 0 forward only, 1 backward only, 2 random mix. */
static void check_range(lmkv_iter *it, const model *m, const lmkv_bound *lo, const lmkv_bound *hi, int pattern,
                        uint64_t *rs)
{
    /* model indexes in range */
    size_t *idx = malloc((m->n + 1) * sizeof *idx), n = 0;
    for (size_t i = 0; i < m->n; i++)
        if (in_bounds(&m->e[i], lo, hi))
            idx[n++] = i;
    size_t f = 0, b = n;
    for (;;) {
        bool front = pattern == 0 || (pattern == 2 && lmkv_test_rand(rs) % 2);
        lmkv_pair p;
        int rc = front ? lmkv_iter_next(&p, it) : lmkv_iter_next_back(&p, it);
        if (rc == LMKV_NOTFOUND) {
            CHECK(f == b);
            break;
        }
        CHECK_RC(rc, 0);
        CHECK(f < b);
        if (front)
            check_pair(&p, &m->e[idx[f++]]);
        else
            check_pair(&p, &m->e[idx[--b]]);
    }
    free(idx);
}

static void gen_bound(lmkv_bound *bd, buf *store, uint64_t *rs)
{
    bd->kind = (int)(lmkv_test_rand(rs) % 3);
    *store = gen_key(rs);
    bd->key = store->p;
    bd->key_size = store->n;
}

/* ------------------------------------------------------------ one seed */

static void run_seed(const char *dir, unsigned long long seed, int steps)
{
    uint64_t rs = seed * 0x9E3779B97F4A7C15ull + 1;
    model m = {0};
    lmkv_tree *t;
    lmkv_db *db = open_db(dir, &t);
    g_seed = seed;
    for (g_step = 0; g_step < steps; g_step++) {
        int op = (int)(lmkv_test_rand(&rs) % 100);
        buf k = gen_key(&rs), v = gen_val(&rs);
        if (op < 25) {
            g_op = "set";
            lmkv_bytes prev = {0};
            ment *e = m_find(&m, k.p, k.n);
            CHECK_RC(lmkv_tree_insert(&prev, t, k.p, k.n, v.p, v.n), 0);
            if (e) {
                CHECK(prev.data != NULL);
                CHECK(bcmp_(prev.data, prev.size, e->v, e->vn) == 0);
            } else {
                CHECK(prev.data == NULL);
            }
            lmkv_free(prev.data);
            m_set(&m, k.p, k.n, v.p, v.n);
        } else if (op < 32) {
            g_op = "merge";
            ment *e = m_find(&m, k.p, k.n);
            size_t on = e ? e->vn : 0;
            lmkv_bytes nv = {0};
            CHECK_RC(lmkv_tree_merge(&nv, t, k.p, k.n, v.p, v.n), 0);
            if (on + v.n > 48) {
                CHECK(nv.data == NULL);
                m_del(&m, k.p, k.n);
            } else {
                uint8_t *c = malloc(on + v.n + 1);
                if (on)
                    memcpy(c, e->v, on);
                if (v.n)
                    memcpy(c + on, v.p, v.n);
                CHECK(nv.data && bcmp_(nv.data, nv.size, c, on + v.n) == 0);
                m_set(&m, k.p, k.n, c, on + v.n);
                free(c);
            }
            lmkv_free(nv.data);
        } else if (op < 42) {
            g_op = "get";
            /* half the time ask for a key that exists */
            maybe_existing_key(&k, &m, &rs);
            ment *e = m_find(&m, k.p, k.n);
            lmkv_bytes got = {0};
            int rc = lmkv_tree_get(&got, t, k.p, k.n);
            if (e) {
                CHECK_RC(rc, 0);
                CHECK(bcmp_(got.data, got.size, e->v, e->vn) == 0);
                CHECK(got.data != NULL);
            } else {
                CHECK_RC(rc, LMKV_NOTFOUND);
            }
            lmkv_free(got.data);
        } else if (op < 50) {
            bool lt = op < 46;
            g_op = lt ? "get_lt" : "get_gt";
            size_t i = m_lower(&m, k.p, k.n);
            const ment *want = NULL;
            if (lt)
                want = i > 0 ? &m.e[i - 1] : NULL;
            else {
                if (i < m.n && bcmp_(m.e[i].k, m.e[i].kn, k.p, k.n) == 0)
                    i++;
                want = i < m.n ? &m.e[i] : NULL;
            }
            lmkv_bytes gk = {0}, gv = {0};
            int rc = lt ? lmkv_tree_get_lt(&gk, &gv, t, k.p, k.n) : lmkv_tree_get_gt(&gk, &gv, t, k.p, k.n);
            if (want) {
                CHECK_RC(rc, 0);
                CHECK(bcmp_(gk.data, gk.size, want->k, want->kn) == 0);
                CHECK(bcmp_(gv.data, gv.size, want->v, want->vn) == 0);
            } else {
                CHECK_RC(rc, LMKV_NOTFOUND);
            }
            lmkv_free(gk.data);
            lmkv_free(gv.data);
        } else if (op < 58) {
            g_op = "del";
            maybe_existing_key(&k, &m, &rs);
            ment *e = m_find(&m, k.p, k.n);
            lmkv_bytes prev = {0};
            int rc = lmkv_tree_remove(&prev, t, k.p, k.n);
            if (e) {
                CHECK_RC(rc, 0);
                CHECK(bcmp_(prev.data, prev.size, e->v, e->vn) == 0);
                lmkv_free(prev.data);
                m_del(&m, k.p, k.n);
            } else {
                CHECK_RC(rc, LMKV_NOTFOUND);
            }
        } else if (op < 66) {
            g_op = "cas";
            maybe_existing_key(&k, &m, &rs);
            ment *e = m_find(&m, k.p, k.n);
            int which = (int)(lmkv_test_rand(&rs) % 3); /* old: 0 absent, 1 current, 2 random */
            const uint8_t *old = NULL;
            size_t oldn = 0;
            buf rnd = gen_val(&rs);
            if (which == 1 && e) {
                old = e->v;
                oldn = e->vn;
            } else if (which == 2) {
                old = rnd.p;
                oldn = rnd.n;
            }
            bool del_new = lmkv_test_rand(&rs) % 4 == 0;
            bool match = e ? (old && bcmp_(old, oldn, e->v, e->vn) == 0) : old == NULL;
            uint8_t *oldcopy = old ? dup(old, oldn) : NULL;
            lmkv_bytes cur = {0};
            int rc = lmkv_tree_compare_and_swap(&cur, t, k.p, k.n, oldcopy, oldn, del_new ? NULL : v.p, del_new ? 0 : v.n);
            if (match) {
                CHECK_RC(rc, 0);
                if (del_new)
                    m_del(&m, k.p, k.n);
                else
                    m_set(&m, k.p, k.n, v.p, v.n);
            } else {
                CHECK_RC(rc, LMKV_ECAS);
                if (e)
                    CHECK(cur.data && bcmp_(cur.data, cur.size, e->v, e->vn) == 0);
                else
                    CHECK(cur.data == NULL);
                lmkv_free(cur.data);
            }
            free(oldcopy);
            free(rnd.p);
        } else if (op < 80) {
            int pattern = op < 72 ? 0 : op < 76 ? 1 : 2;
            g_op = pattern == 0 ? "scan" : pattern == 1 ? "scan_rev" : "scan_mixed";
            lmkv_bound lo, hi;
            buf ls, hs;
            gen_bound(&lo, &ls, &rs);
            gen_bound(&hi, &hs, &rs);
            if (lmkv_test_rand(&rs) % 4 == 0)
                lo.kind = LMKV_UNBOUNDED;
            if (lmkv_test_rand(&rs) % 4 == 0)
                hi.kind = LMKV_UNBOUNDED;
            lmkv_iter *it;
            CHECK_RC(lmkv_tree_range(&it, t, &lo, &hi), 0);
            check_range(it, &m, &lo, &hi, pattern, &rs);
            lmkv_iter_free(it);
            free(ls.p);
            free(hs.p);
        } else if (op < 85) {
            g_op = "scan_prefix";
            size_t pn = k.n > 3 ? lmkv_test_rand(&rs) % 4 : k.n;
            if (k.n == 10000 && lmkv_test_rand(&rs) % 2)
                pn = 9000;
            lmkv_iter *it;
            CHECK_RC(lmkv_tree_scan_prefix(&it, t, k.p, pn), 0);
            size_t i = 0;
            lmkv_pair p;
            int rc;
            while ((rc = lmkv_iter_next(&p, it)) == 0) {
                while (i < m.n && !(m.e[i].kn >= pn && memcmp(m.e[i].k, k.p, pn) == 0))
                    i++;
                CHECK(i < m.n);
                check_pair(&p, &m.e[i]);
                i++;
            }
            CHECK_RC(rc, LMKV_NOTFOUND);
            for (; i < m.n; i++)
                CHECK(!(m.e[i].kn >= pn && memcmp(m.e[i].k, k.p, pn) == 0));
            lmkv_iter_free(it);
        } else if (op < 88) {
            bool max = op == 87;
            g_op = max ? "pop_max" : "pop_min";
            lmkv_bytes pk = {0}, pv = {0};
            int rc = max ? lmkv_tree_pop_max(&pk, &pv, t) : lmkv_tree_pop_min(&pk, &pv, t);
            if (m.n == 0) {
                CHECK_RC(rc, LMKV_NOTFOUND);
            } else {
                CHECK_RC(rc, 0);
                ment *e = &m.e[max ? m.n - 1 : 0];
                CHECK(bcmp_(pk.data, pk.size, e->k, e->kn) == 0);
                CHECK(bcmp_(pv.data, pv.size, e->v, e->vn) == 0);
                m_del(&m, pk.data, pk.size);
                lmkv_free(pk.data);
                lmkv_free(pv.data);
            }
        } else if (op < 92) {
            g_op = "batch";
            lmkv_batch *b;
            CHECK_RC(lmkv_batch_new(&b), 0);
            int nops = 1 + (int)(lmkv_test_rand(&rs) % 6);
            model shadow = {0};
            (void)shadow;
            for (int j = 0; j < nops; j++) {
                buf bk = j % 2 ? gen_key(&rs) : (buf){dup(k.p, k.n), k.n}; /* repeats a key */
                buf bv = gen_val(&rs);
                if (lmkv_test_rand(&rs) % 3 == 0) {
                    CHECK_RC(lmkv_batch_remove(b, bk.p, bk.n), 0);
                    m_del(&m, bk.p, bk.n);
                } else {
                    CHECK_RC(lmkv_batch_insert(b, bk.p, bk.n, bv.p, bv.n), 0);
                    m_set(&m, bk.p, bk.n, bv.p, bv.n);
                }
                free(bk.p);
                free(bv.p);
            }
            CHECK_RC(lmkv_tree_apply_batch(t, b), 0);
            lmkv_batch_free(b);
        } else if (op < 97) {
            bool abort_it = lmkv_test_rand(&rs) % 3 == 0;
            g_op = abort_it ? "txn_abort" : "txn";
            lmkv_txn *tx;
            CHECK_RC(lmkv_txn_begin(&tx, db, 0), 0);
            model pend = {0};
            for (size_t i = 0; i < m.n; i++)
                m_set(&pend, m.e[i].k, m.e[i].kn, m.e[i].v, m.e[i].vn);
            int nops = 1 + (int)(lmkv_test_rand(&rs) % 5);
            for (int j = 0; j < nops; j++) {
                buf bk = gen_key(&rs), bv = gen_val(&rs);
                if (lmkv_test_rand(&rs) % 3 == 0) {
                    int rc = lmkv_txn_remove(tx, t, bk.p, bk.n);
                    CHECK_RC(rc, m_find(&pend, bk.p, bk.n) ? 0 : LMKV_NOTFOUND);
                    m_del(&pend, bk.p, bk.n);
                } else {
                    CHECK_RC(lmkv_txn_insert(tx, t, bk.p, bk.n, bv.p, bv.n), 0);
                    m_set(&pend, bk.p, bk.n, bv.p, bv.n);
                }
                /* reads see own writes */
                lmkv_pair p;
                int rc = lmkv_txn_get(&p, tx, t, bk.p, bk.n);
                ment *e = m_find(&pend, bk.p, bk.n);
                if (e) {
                    CHECK_RC(rc, 0);
                    CHECK(bcmp_(p.value, p.value_size, e->v, e->vn) == 0);
                } else {
                    CHECK_RC(rc, LMKV_NOTFOUND);
                }
                free(bk.p);
                free(bv.p);
            }
            /* a range inside the txn sees the pending state */
            lmkv_bound lo, hi;
            buf ls, hs;
            gen_bound(&lo, &ls, &rs);
            gen_bound(&hi, &hs, &rs);
            lmkv_iter *it;
            CHECK_RC(lmkv_txn_range(&it, tx, t, &lo, &hi), 0);
            check_range(it, &pend, &lo, &hi, 2, &rs);
            lmkv_iter_free(it);
            free(ls.p);
            free(hs.p);
            /* iterate while writing in the same txn: each step returns the
             * first key (front) / last key (back) of the CURRENT pending state
             * strictly beyond what that end returned last */
            {
                lmkv_iter *wi;
                CHECK_RC(lmkv_txn_iter(&wi, tx, t), 0);
                uint8_t *fl = NULL, *bl = NULL;
                size_t fln = 0, bln = 0;
                bool fs = false, bs = false;
                for (int st = 0; st < 12; st++) {
                    if (lmkv_test_rand(&rs) % 2) { /* a write between steps */
                        buf wk = gen_key(&rs), wv = gen_val(&rs);
                        if (lmkv_test_rand(&rs) % 3 == 0) {
                            int rc = lmkv_txn_remove(tx, t, wk.p, wk.n);
                            CHECK_RC(rc, m_find(&pend, wk.p, wk.n) ? 0 : LMKV_NOTFOUND);
                            m_del(&pend, wk.p, wk.n);
                        } else {
                            CHECK_RC(lmkv_txn_insert(tx, t, wk.p, wk.n, wv.p, wv.n), 0);
                            m_set(&pend, wk.p, wk.n, wv.p, wv.n);
                        }
                        free(wk.p);
                        free(wv.p);
                    }
                    bool front = lmkv_test_rand(&rs) % 2;
                    /* expected: strictly between the two ends' last keys */
                    const ment *want = NULL;
                    if (front) {
                        size_t i = fs ? m_lower(&pend, fl, fln) : 0;
                        if (fs && i < pend.n && bcmp_(pend.e[i].k, pend.e[i].kn, fl, fln) == 0)
                            i++;
                        if (i < pend.n && (!bs || bcmp_(pend.e[i].k, pend.e[i].kn, bl, bln) < 0))
                            want = &pend.e[i];
                    } else {
                        size_t i = bs ? m_lower(&pend, bl, bln) : pend.n;
                        if (i > 0 && (!fs || bcmp_(pend.e[i - 1].k, pend.e[i - 1].kn, fl, fln) > 0))
                            want = &pend.e[i - 1];
                    }
                    lmkv_pair p;
                    int rc = front ? lmkv_iter_next(&p, wi) : lmkv_iter_next_back(&p, wi);
                    if (!want) {
                        CHECK_RC(rc, LMKV_NOTFOUND);
                        break; /* an exhausted iterator stays exhausted */
                    }
                    CHECK_RC(rc, 0);
                    check_pair(&p, want);
                    if (front) {
                        free(fl);
                        fl = dup(p.key, p.key_size);
                        fln = p.key_size;
                        fs = true;
                    } else {
                        free(bl);
                        bl = dup(p.key, p.key_size);
                        bln = p.key_size;
                        bs = true;
                    }
                }
                free(fl);
                free(bl);
                lmkv_iter_free(wi);
            }
            if (abort_it) {
                lmkv_txn_abort(tx);
                m_free(&pend);
            } else {
                CHECK_RC(lmkv_txn_commit(tx), 0);
                m_free(&m);
                m = pend;
            }
        } else {
            g_op = "restart";
            lmkv_tree_close(t);
            lmkv_db_close(db);
            db = open_db(dir, &t);
            uint64_t len;
            CHECK_RC(lmkv_tree_len(&len, t), 0);
            CHECK(len == m.n);
        }
        free(k.p);
        free(v.p);
    }
    /* final full comparison both ways */
    g_op = "final";
    lmkv_bound un = {LMKV_UNBOUNDED, NULL, 0};
    lmkv_iter *it;
    CHECK_RC(lmkv_tree_iter(&it, t), 0);
    check_range(it, &m, &un, &un, 0, &rs);
    lmkv_iter_free(it);
    uint64_t len;
    CHECK_RC(lmkv_tree_len(&len, t), 0);
    CHECK(len == m.n);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    m_free(&m);
}

static void test_model(void **state)
{
    (void)state;
    const char *one = getenv("LMKV_SEED");
    const char *ns = getenv("LMKV_MODEL_SEEDS");
    int nseeds = ns ? atoi(ns) : 120;
    for (int i = 0; i < (one ? 1 : nseeds); i++) {
        unsigned long long seed = one ? lmkv_test_seed(0) : (unsigned long long)(i + 1);
        char *dir = lmkv_test_tmpdir("kvmodel");
        run_seed(dir, seed, 300);
        lmkv_test_rmtree(dir);
        free(dir);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
