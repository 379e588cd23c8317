/*
 * tree.c -- sled::Tree point operations, first/last/pop, get_lt/get_gt,
 * len/clear, merge/update, compare_and_swap and batches, on LMDB.
 *
 * Reads use a pooled, reset read txn (mdb_txn_renew/mdb_txn_reset) so a get
 * costs no reader-slot setup. Each write is one member of a write group
 * (lmkv_kv__write_grouped, txn.c: concurrent writers share one LMDB commit and
 * one sync; map growth and events handled there); clear runs alone
 * (lmkv_kv__write).
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t EMPTY[1] = {0};

/* Convert an MDB/errno code from a write step to an lmkv code with context;
 * MDB_MAP_FULL passes through so lmkv_kv__write can grow the map and retry. */
static int fx(int rc, const char *what, const kv_tree_state *st, const void *k, size_t ks)
{
    if (rc == 0 || rc == MDB_MAP_FULL || (rc <= -30900 && rc >= -30999))
        return rc;
    return lmkv_kv__err_mdb(rc, what, st, k, ks);
}

static int tree_ok(const lmkv_tree *t)
{
    int rc = lmkv_kv__check_tree(t);
    if (rc)
        return rc;
    if (t->st->pending_tx && !lmkv_kv__thread_is_writer(t->db))
        return lmkv_error_set(LMKV_EBUSY, "tree is being created by an uncommitted transaction of another thread");
    return 0;
}

/* Writes: also refuse handles opened through a read-only db handle. */
static int tree_w_ok(const lmkv_tree *t)
{
    int rc = tree_ok(t);
    if (rc)
        return rc;
    if (t->ro)
        return lmkv_error_set(LMKV_EREADONLY, "write through a tree handle of a database opened read-only");
    return 0;
}

static int key_ok(const void *k, size_t ks, const void *v, size_t vs)
{
    if ((!k && ks) || (!v && vs))
        return lmkv_error_set(LMKV_EINVAL, "NULL key or value pointer with non-zero size");
    return 0;
}

static void bytes_reset(lmkv_bytes *b)
{
    if (b) {
        free(b->data);
        b->data = NULL;
        b->size = 0;
    }
}

/* ------------------------------------------------------------ reads */

int lmkv_tree_get(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t ks)
{
    int rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_get: NULL out");
    if ((rc = tree_ok(t)) || (rc = key_ok(key, ks, NULL, 0)))
        return rc;
    MDB_txn *txn;
    if ((rc = lmkv_kv__rtxn_get(t->db, &txn)))
        return rc;
    MDB_val v;
    rc = lmkv_kv__raw_get(txn, t->st->dbi, t->st, key, ks, &v);
    if (rc == 0)
        rc = lmkv_kv__bytes_dup(out, v.mv_data, v.mv_size);
    lmkv_kv__rtxn_put(t->db, txn);
    if (rc == MDB_NOTFOUND)
        return lmkv_error_set(LMKV_NOTFOUND, "get: key absent");
    if (rc)
        return fx(rc, "get", t->st, key, ks);
    return 0;
}

int lmkv_tree_contains_key(lmkv_tree *t, const void *key, size_t ks)
{
    int rc;
    if ((rc = tree_ok(t)) || (rc = key_ok(key, ks, NULL, 0)))
        return rc;
    MDB_txn *txn;
    if ((rc = lmkv_kv__rtxn_get(t->db, &txn)))
        return rc;
    MDB_val v;
    rc = lmkv_kv__raw_get(txn, t->st->dbi, t->st, key, ks, &v);
    lmkv_kv__rtxn_put(t->db, txn);
    if (rc == MDB_NOTFOUND)
        return lmkv_error_set(LMKV_NOTFOUND, "contains_key: key absent");
    return fx(rc, "contains_key", t->st, key, ks);
}

enum { POS_FIRST, POS_LAST, POS_LT, POS_GT };

static int lc_position(kv_lcur *c, int how, const void *key, size_t ks)
{
    switch (how) {
    case POS_FIRST: return lmkv_kv__lc_first(c);
    case POS_LAST: return lmkv_kv__lc_last(c);
    case POS_LT: return lmkv_kv__lc_seek_lt(c, key, ks);
    default: return lmkv_kv__lc_seek_gt(c, key, ks);
    }
}

static int copy_pair(lmkv_bytes *ok, lmkv_bytes *ov, const lmkv_pair *p)
{
    lmkv_bytes k = {0}, v = {0};
    if (lmkv_kv__bytes_dup(&k, p->key, p->key_size))
        return LMKV_ENOMEM;
    if (lmkv_kv__bytes_dup(&v, p->value, p->value_size)) {
        free(k.data);
        return LMKV_ENOMEM;
    }
    if (ok)
        *ok = k;
    else
        free(k.data);
    if (ov)
        *ov = v;
    else
        free(v.data);
    return 0;
}

static int read_position(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t, int how, const void *key, size_t ks,
                         const char *what)
{
    int rc;
    if ((rc = tree_ok(t)) || (rc = key_ok(key, ks, NULL, 0)))
        return rc;
    MDB_txn *txn;
    if ((rc = lmkv_kv__rtxn_get(t->db, &txn)))
        return rc;
    kv_lcur c;
    rc = lmkv_kv__lc_open(&c, txn, t->st->dbi, t->st);
    if (rc == 0) {
        rc = lc_position(&c, how, key, ks);
        if (rc == 0)
            rc = copy_pair(ok, ov, kv_lc_cur(&c));
        lmkv_kv__lc_close(&c);
    }
    lmkv_kv__rtxn_put(t->db, txn);
    if (rc == MDB_NOTFOUND)
        return LMKV_NOTFOUND;
    return fx(rc, what, t->st, key, ks);
}

int lmkv_tree_first(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t)
{
    return read_position(ok, ov, t, POS_FIRST, NULL, 0, "first");
}
int lmkv_tree_last(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t)
{
    return read_position(ok, ov, t, POS_LAST, NULL, 0, "last");
}
int lmkv_tree_get_lt(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t, const void *key, size_t ks)
{
    return read_position(ok, ov, t, POS_LT, key, ks, "get_lt");
}
int lmkv_tree_get_gt(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t, const void *key, size_t ks)
{
    return read_position(ok, ov, t, POS_GT, key, ks, "get_gt");
}

/* One mdb_stat path for lmkv_tree_stat_get and lmkv_tree_len (issue 19: they
 * had drifted apart and stat_get skipped tree_ok's pending-creation check). */
static int tree_mdb_stat(MDB_stat *st, lmkv_tree *t, const char *what)
{
    int rc;
    if ((rc = tree_ok(t)))
        return rc;
    MDB_txn *txn;
    if ((rc = lmkv_kv__rtxn_get(t->db, &txn)))
        return rc;
    rc = mdb_stat(txn, t->st->dbi, st);
    lmkv_kv__rtxn_put(t->db, txn);
    if (rc)
        return fx(rc, what, t->st, NULL, 0);
    return 0;
}

int lmkv_tree_stat_get(lmkv_tree_stat *out, lmkv_tree *t)
{
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_stat_get: NULL out");
    MDB_stat st;
    int rc = tree_mdb_stat(&st, t, "stat");
    if (rc)
        return rc;
    out->entries = st.ms_entries;
    out->depth = st.ms_depth;
    out->branch_pages = st.ms_branch_pages;
    out->leaf_pages = st.ms_leaf_pages;
    out->overflow_pages = st.ms_overflow_pages;
    out->page_size = st.ms_psize;
    return 0;
}

int lmkv_tree_len(uint64_t *out, lmkv_tree *t)
{
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_len: NULL out");
    MDB_stat st;
    int rc = tree_mdb_stat(&st, t, "len");
    if (rc)
        return rc;
    *out = st.ms_entries;
    return 0;
}

int lmkv_tree_is_empty(lmkv_tree *t)
{
    uint64_t n;
    int rc = lmkv_tree_len(&n, t);
    return rc ? rc : n == 0;
}

/* ------------------------------------------------------------ writes */

typedef struct wctx {
    lmkv_tree *t;
    const void *k; size_t ks;
    const void *v; size_t vs;          /* insert value / cas new / merge arg */
    const void *old; size_t olds;      /* cas old */
    lmkv_update_fn uf; void *uctx;
    int mode;
    lmkv_bytes *out, *out2;
    lmkv_bytes r1, r2;                 /* results, moved to out/out2 on success */
} wctx;

static void wctx_reset(wctx *c)
{
    bytes_reset(&c->r1);
    bytes_reset(&c->r2);
}

static int insert_fn(lmkv_txn *tx, void *p)
{
    wctx *c = p;
    kv_tree_state *st = c->t->st;
    MDB_val cur;
    wctx_reset(c);
    int rc = lmkv_kv__raw_get(tx->txn, st->dbi, st, c->k, c->ks, &cur);
    if (rc == 0 && c->out && (rc = lmkv_kv__bytes_dup(&c->r1, cur.mv_data, cur.mv_size)))
        return rc;
    if (rc && rc != MDB_NOTFOUND)
        return fx(rc, "insert", st, c->k, c->ks);
    return fx(lmkv_kv__txn_put_cur(tx, st, c->k, c->ks, c->v, c->vs, rc == 0 ? &cur : NULL), "insert", st, c->k, c->ks);
}

static int update_fn(lmkv_txn *tx, void *p);

static int run_write(wctx *c, kv_write_fn fn, size_t bytes)
{
    /* update_fn calls the user's callback or merge operator: in the caller's thread */
    int rc = lmkv_kv__write_grouped(c->t->db, fn, c, bytes, fn == update_fn);
    if (rc && rc != LMKV_ECAS) {
        wctx_reset(c);
        return rc;
    }
    if (c->out)
        *c->out = c->r1;
    else
        free(c->r1.data);
    if (c->out2)
        *c->out2 = c->r2;
    else
        free(c->r2.data);
    return rc;
}

int lmkv_tree_insert(lmkv_bytes *out_prev, lmkv_tree *t, const void *key, size_t ks, const void *val, size_t vs)
{
    int rc;
    if ((rc = tree_w_ok(t)) || (rc = key_ok(key, ks, val, vs)))
        return rc;
    /* the stored value again: no write group, no commit, no event (sled
     * 0.34 Tree::insert_inner), but returns once it is durable */
    if ((rc = lmkv_kv__insert_if_equal(t->db, t->st, key, ks, val ? val : EMPTY, vs, out_prev)))
        return rc < 0 ? rc : 0;
    wctx c = {.t = t, .k = key, .ks = ks, .v = val ? val : EMPTY, .vs = vs, .out = out_prev};
    return run_write(&c, insert_fn, ks + vs);
}

static int remove_fn(lmkv_txn *tx, void *p)
{
    wctx *c = p;
    kv_tree_state *st = c->t->st;
    MDB_val cur;
    wctx_reset(c);
    int rc = lmkv_kv__raw_get(tx->txn, st->dbi, st, c->k, c->ks, &cur);
    if (rc == MDB_NOTFOUND)
        return LMKV_NOTFOUND;
    if (rc)
        return fx(rc, "remove", st, c->k, c->ks);
    if (c->out && (rc = lmkv_kv__bytes_dup(&c->r1, cur.mv_data, cur.mv_size)))
        return rc;
    return fx(lmkv_kv__txn_del(tx, st, c->k, c->ks), "remove", st, c->k, c->ks);
}

int lmkv_tree_remove(lmkv_bytes *out_prev, lmkv_tree *t, const void *key, size_t ks)
{
    int rc;
    if ((rc = tree_w_ok(t)) || (rc = key_ok(key, ks, NULL, 0)))
        return rc;
    wctx c = {.t = t, .k = key, .ks = ks, .out = out_prev};
    rc = run_write(&c, remove_fn, ks);
    if (rc == LMKV_NOTFOUND)
        lmkv_error_set(rc, "remove: key absent");
    return rc;
}

static int cas_fn(lmkv_txn *tx, void *p)
{
    wctx *c = p;
    kv_tree_state *st = c->t->st;
    MDB_val cur;
    wctx_reset(c);
    int rc = lmkv_kv__raw_get(tx->txn, st->dbi, st, c->k, c->ks, &cur);
    if (rc && rc != MDB_NOTFOUND)
        return fx(rc, "compare_and_swap", st, c->k, c->ks);
    bool present = rc == 0;
    bool match = present ? (c->old && cur.mv_size == c->olds && (c->olds == 0 || memcmp(cur.mv_data, c->old, c->olds) == 0))
                         : c->old == NULL;
    if (!match) {
        if (present && (rc = lmkv_kv__bytes_dup(&c->r1, cur.mv_data, cur.mv_size)))
            return rc;
        char h[80];
        lmkv_kv__hexprefix(h, sizeof h, c->k, c->ks);
        return lmkv_error_set(LMKV_ECAS, "compare_and_swap: key %s: current value %s the expected one", h,
                              present ? "differs from" : "is absent, unlike");
    }
    if (c->v == NULL) {
        if (!present)
            return 0;
        return fx(lmkv_kv__txn_del(tx, st, c->k, c->ks), "compare_and_swap", st, c->k, c->ks);
    }
    return fx(lmkv_kv__txn_put_cur(tx, st, c->k, c->ks, c->v, c->vs, present ? &cur : NULL), "compare_and_swap", st, c->k,
              c->ks);
}

int lmkv_tree_compare_and_swap(lmkv_bytes *out_current, lmkv_tree *t, const void *key, size_t ks,
                               const void *old, size_t olds, const void *nv, size_t nvs)
{
    int rc;
    if ((rc = tree_w_ok(t)) || (rc = key_ok(key, ks, NULL, 0)))
        return rc;
    if ((!old && olds) || (!nv && nvs))
        return lmkv_error_set(LMKV_EINVAL, "compare_and_swap: NULL (absent) old/new with non-zero size");
    wctx c = {.t = t, .k = key, .ks = ks, .v = nv, .vs = nvs, .old = old, .olds = olds};
    rc = lmkv_kv__write_grouped(t->db, cas_fn, &c, ks + olds + nvs, false);
    if (rc == LMKV_ECAS && out_current) {
        *out_current = c.r1;
        c.r1.data = NULL;
    }
    wctx_reset(&c);
    return rc;
}

enum { UPD_FETCH_NEW, UPD_FETCH_OLD, UPD_MERGE };

static int update_fn(lmkv_txn *tx, void *p)
{
    wctx *c = p;
    kv_tree_state *st = c->t->st;
    MDB_val cur;
    uint8_t *nv = NULL;
    size_t nvs = 0;
    wctx_reset(c);
    int rc = lmkv_kv__raw_get(tx->txn, st->dbi, st, c->k, c->ks, &cur);
    if (rc && rc != MDB_NOTFOUND)
        return fx(rc, "update", st, c->k, c->ks);
    bool present = rc == 0;
    const uint8_t *old = present ? (cur.mv_size ? cur.mv_data : EMPTY) : NULL;
    if (c->mode == UPD_FETCH_OLD && present && (rc = lmkv_kv__bytes_dup(&c->r1, old, cur.mv_size)))
        return rc;
    lmkv_error_clear(); /* so that a callback's own message can be told from none */
    if (c->mode == UPD_MERGE)
        rc = c->t->merge(c->t->merge_ctx, c->k ? c->k : EMPTY, c->ks, old, present ? cur.mv_size : 0,
                         c->v, c->vs, &nv, &nvs);
    else
        rc = c->uf(c->uctx, old, present ? cur.mv_size : 0, &nv, &nvs);
    if (rc) {
        free(nv);
        if (rc > 0 || rc < -30999 || rc > -30900)
            rc = lmkv_error_set(LMKV_ECONFLICT, "update callback returned %d", rc);
        else if (!lmkv_errmsg()[0])
            lmkv_error_set(rc, "%s callback returned %s", c->mode == UPD_MERGE ? "merge" : "update", lmkv_strerror(rc));
        return rc;
    }
    if (!nv) {
        if (present)
            rc = lmkv_kv__txn_del(tx, st, c->k, c->ks);
    } else {
        rc = lmkv_kv__txn_put_cur(tx, st, c->k, c->ks, nv, nvs, present ? &cur : NULL);
        if (rc == 0 && c->mode != UPD_FETCH_OLD) {
            c->r1.data = nv;
            c->r1.size = nvs;
            nv = NULL;
        }
    }
    free(nv);
    return fx(rc, "update", st, c->k, c->ks);
}

static int do_update(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t ks, lmkv_update_fn f, void *ctx, int mode)
{
    int rc;
    if ((rc = tree_w_ok(t)) || (rc = key_ok(key, ks, NULL, 0)))
        return rc;
    if (!f)
        return lmkv_error_set(LMKV_EINVAL, "update: NULL callback");
    wctx c = {.t = t, .k = key, .ks = ks, .uf = f, .uctx = ctx, .mode = mode, .out = out};
    return run_write(&c, update_fn, ks + 256);
}

int lmkv_tree_update_and_fetch(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t ks, lmkv_update_fn f, void *ctx)
{
    return do_update(out, t, key, ks, f, ctx, UPD_FETCH_NEW);
}

int lmkv_tree_fetch_and_update(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t ks, lmkv_update_fn f, void *ctx)
{
    return do_update(out, t, key, ks, f, ctx, UPD_FETCH_OLD);
}

void lmkv_tree_set_merge_operator(lmkv_tree *t, lmkv_merge_fn f, void *ctx)
{
    if (!t)
        return;
    t->merge = f;
    t->merge_ctx = ctx;
}

int lmkv_tree_merge(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t ks, const void *val, size_t vs)
{
    int rc;
    if ((rc = tree_w_ok(t)) || (rc = key_ok(key, ks, val, vs)))
        return rc;
    if (!t->merge)
        return lmkv_error_set(LMKV_EUNSUPPORTED, "merge: no merge operator set on this tree handle");
    wctx c = {.t = t, .k = key, .ks = ks, .v = val ? val : EMPTY, .vs = vs, .mode = UPD_MERGE, .out = out};
    return run_write(&c, update_fn, ks + 2 * vs);
}

static int pop_fn(lmkv_txn *tx, void *p)
{
    wctx *c = p;
    kv_tree_state *st = c->t->st;
    kv_lcur lc;
    wctx_reset(c);
    int rc = lmkv_kv__lc_open(&lc, tx->txn, st->dbi, st);
    if (rc)
        return fx(rc, "pop", st, NULL, 0);
    rc = c->mode ? lmkv_kv__lc_last(&lc) : lmkv_kv__lc_first(&lc);
    if (rc == 0) {
        const lmkv_pair *pp = kv_lc_cur(&lc);
        rc = lmkv_kv__bytes_dup(&c->r1, pp->key, pp->key_size);
        if (rc == 0)
            rc = lmkv_kv__bytes_dup(&c->r2, pp->value, pp->value_size);
    }
    lmkv_kv__lc_close(&lc);
    if (rc == MDB_NOTFOUND)
        return LMKV_NOTFOUND;
    if (rc)
        return fx(rc, "pop", st, NULL, 0);
    return fx(lmkv_kv__txn_del(tx, st, c->r1.data, c->r1.size), "pop", st, c->r1.data, c->r1.size);
}

static int do_pop(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t, int last)
{
    int rc;
    if ((rc = tree_w_ok(t)))
        return rc;
    wctx c = {.t = t, .mode = last, .out = ok, .out2 = ov};
    rc = run_write(&c, pop_fn, 1024);
    if (rc == LMKV_NOTFOUND)
        lmkv_error_set(rc, "pop: tree is empty");
    return rc;
}

int lmkv_tree_pop_min(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t) { return do_pop(ok, ov, t, 0); }
int lmkv_tree_pop_max(lmkv_bytes *ok, lmkv_bytes *ov, lmkv_tree *t) { return do_pop(ok, ov, t, 1); }

static int clear_fn(lmkv_txn *tx, void *p)
{
    wctx *c = p;
    return fx(lmkv_kv__txn_clear(tx, c->t->st), "clear", c->t->st, NULL, 0);
}

int lmkv_tree_clear(lmkv_tree *t)
{
    int rc;
    if ((rc = tree_w_ok(t)))
        return rc;
    wctx c = {.t = t};
    return lmkv_kv__write(t->db, clear_fn, &c);
}

/* ------------------------------------------------------------ batches */

typedef struct bop {
    bool del;
    uint8_t *k; size_t ks;
    uint8_t *v; size_t vs;
} bop;

struct lmkv_batch {
    bop *ops;
    size_t n, cap;
};

int lmkv_batch_new(lmkv_batch **out)
{
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_batch_new: NULL out");
    lmkv_batch *b = calloc(1, sizeof *b);
    if (!b)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    *out = b;
    return 0;
}

static int batch_add(lmkv_batch *b, bool del, const void *k, size_t ks, const void *v, size_t vs)
{
    if (!b || (!k && ks) || (!v && vs))
        return lmkv_error_set(LMKV_EINVAL, "batch: NULL argument");
    if (b->n == b->cap && LMKV_ARRAY_GROW(b->ops, b->cap, b->cap + 1, 16))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    bop *o = &b->ops[b->n];
    memset(o, 0, sizeof *o);
    o->del = del;
    if (lmkv_kv__mem_dup(&o->k, k, ks))
        return LMKV_ENOMEM;
    o->ks = ks;
    if (!del) {
        if (lmkv_kv__mem_dup(&o->v, v, vs)) {
            free(o->k);
            return LMKV_ENOMEM;
        }
        o->vs = vs;
    }
    b->n++;
    return 0;
}

int lmkv_batch_insert(lmkv_batch *b, const void *k, size_t ks, const void *v, size_t vs)
{
    return batch_add(b, false, k, ks, v ? v : EMPTY, vs);
}

int lmkv_batch_remove(lmkv_batch *b, const void *k, size_t ks)
{
    return batch_add(b, true, k, ks, NULL, 0);
}

size_t lmkv_batch_len(const lmkv_batch *b) { return b ? b->n : 0; }

void lmkv_batch_free(lmkv_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->ops[i].k);
        free(b->ops[i].v);
    }
    free(b->ops);
    free(b);
}

typedef struct bctx {
    lmkv_tree *t;
    const lmkv_batch *b;
    size_t *order;  /* indexes of the last op per key, sorted by key */
    size_t n;
} bctx;


typedef struct sidx {
    const bop *o;
    size_t i;
} sidx;

static int sidx_cmp(const void *a, const void *b)
{
    const sidx *x = a, *y = b;
    int c = lmkv_kv__bytes_cmp(x->o->k, x->o->ks, y->o->k, y->o->ks);
    if (c)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int batch_fn(lmkv_txn *tx, void *p)
{
    bctx *c = p;
    kv_tree_state *st = c->t->st;
    for (size_t j = 0; j < c->n; j++) {
        const bop *o = &c->b->ops[c->order[j]];
        int rc;
        if (o->del) {
            rc = lmkv_kv__txn_del(tx, st, o->k, o->ks);
            if (rc == LMKV_NOTFOUND)
                rc = 0;
        } else {
            rc = lmkv_kv__txn_put(tx, st, o->k, o->ks, o->v, o->vs, 0, NULL);
        }
        if (rc)
            return fx(rc, "apply_batch", st, o->k, o->ks);
    }
    return 0;
}

int lmkv_tree_apply_batch(lmkv_tree *t, const lmkv_batch *b)
{
    int rc;
    if ((rc = tree_w_ok(t)))
        return rc;
    if (!b)
        return lmkv_error_set(LMKV_EINVAL, "apply_batch: NULL batch");
    if (b->n == 0)
        return 0;
    sidx *s = malloc(b->n * sizeof *s);
    size_t *order = malloc(b->n * sizeof *order);
    if (!s || !order) {
        free(s);
        free(order);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < b->n; i++) {
        s[i].o = &b->ops[i];
        s[i].i = i;
    }
    qsort(s, b->n, sizeof *s, sidx_cmp);
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (i + 1 < b->n && lmkv_kv__bytes_cmp(s[i].o->k, s[i].o->ks, s[i + 1].o->k, s[i + 1].o->ks) == 0)
            continue; /* a later write to the same key wins */
        order[n++] = s[i].i;
    }
    free(s);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += b->ops[order[i]].ks + b->ops[order[i]].vs + 16;
    bctx c = {t, b, order, n};
    rc = lmkv_kv__write_grouped(t->db, batch_fn, &c, bytes, false);
    free(order);
    return rc;
}

/* ------------------------------------------------------------ subscribers */

int lmkv_tree_watch_prefix_ex(lmkv_subscriber **out, lmkv_tree *t, const void *prefix, size_t n, unsigned flags)
{
    int rc;
    if (!out || (!prefix && n))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_watch_prefix: NULL argument");
    if (flags & ~LMKV_WATCH_NONBLOCKING)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_watch_prefix_ex: unknown flags 0x%x", flags);
    if ((rc = lmkv_kv__check_tree(t)))
        return rc;
    return lmkv_kv__subs_add(out, t->st, prefix, n, flags);
}

int lmkv_tree_watch_prefix(lmkv_subscriber **out, lmkv_tree *t, const void *prefix, size_t n)
{
    return lmkv_tree_watch_prefix_ex(out, t, prefix, n, 0);
}
