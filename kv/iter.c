/*
 * iter.c -- sled iter/range/scan_prefix: double-ended iterators.
 *
 * Tree iterators (no txn) are NOT snapshots, like sled's: each refill takes
 * a pooled read txn, re-seeks strictly past the last key returned from that
 * end, copies up to 1024 entries (or ~1 MiB) and releases the txn at once,
 * so a long or abandoned scan never pins old pages. Each end remembers its
 * last returned key; an entry is returned only if it lies strictly between
 * the two ends' last keys (they meet in the middle, no entry twice).
 * Txn iterators read the txn's snapshot (with its own writes) zero-copy and
 * re-seek after any write in the txn.
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX_ENTRIES 1024
#define BATCH_MAX_BYTES   ((size_t)1 << 20)

typedef struct ent_off {
    size_t ko, ks, vo, vs;
} ent_off;

#define INLINE_ARENA 1536
#define INLINE_ENTS 16

typedef struct side {
    uint8_t *arena;
    size_t used, cap;
    ent_off *ents;
    size_t n, ecap, pos;
    bool eof;
    size_t want;
    /* txn mode */
    kv_lcur c;
    bool open, positioned;
    uint64_t gen, epoch;
    /* last key returned from this end: lastp points into this side's arena
     * (tree iterators; copied to `last` before the arena is refilled) or to
     * `last` (txn iterators, whose map pointers a write may invalidate) */
    bool started;
    const uint8_t *lastp;
    uint8_t *last;
    size_t last_size, last_cap;
    /* small scans need no allocation */
    uint8_t arena_inline[INLINE_ARENA];
    ent_off ents_inline[INLINE_ENTS];
    uint8_t last_inline[64];
} side;

struct lmkv_iter {
    lmkv_db *db;
    kv_tree_state *st;
    lmkv_txn *txn;
    int lo_kind, hi_kind;
    uint8_t *lo, *hi;
    size_t lon, hin;
    bool done;
    uint8_t lo_inline[48], hi_inline[48];
    side f, b;
};

static int bound_copy(uint8_t **dst, uint8_t *inl, size_t cap, const void *src, size_t n)
{
    if (n <= cap) {
        if (n)
            memcpy(inl, src, n);
        *dst = inl;
        return 0;
    }
    return lmkv_kv__mem_dup(dst, src, n);
}

/* Copy the last key into the side's own buffer (lastp then points there). */
static int set_last(side *s, const void *k, size_t n)
{
    if (n > s->last_cap) {
        uint8_t *nl = s->last == s->last_inline ? malloc(n) : realloc(s->last, n);
        if (!nl)
            return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        s->last = nl;
        s->last_cap = n;
    }
    if (n)
        memmove(s->last, k, n);
    s->last_size = n;
    s->lastp = s->last;
    s->started = true;
    return 0;
}

static inline bool below_hi(const lmkv_iter *it, const uint8_t *k, size_t n)
{
    if (it->hi_kind == LMKV_UNBOUNDED)
        return true;
    int c = lmkv_kv__bytes_cmp(k, n, it->hi, it->hin);
    return it->hi_kind == LMKV_INCLUDED ? c <= 0 : c < 0;
}

static inline bool above_lo(const lmkv_iter *it, const uint8_t *k, size_t n)
{
    if (it->lo_kind == LMKV_UNBOUNDED)
        return true;
    int c = lmkv_kv__bytes_cmp(k, n, it->lo, it->lon);
    return it->lo_kind == LMKV_INCLUDED ? c >= 0 : c > 0;
}

/* May the front end return k (the back end has not passed it)? */
static inline bool front_ok(const lmkv_iter *it, const uint8_t *k, size_t n)
{
    if (!below_hi(it, k, n))
        return false;
    return !it->b.started || lmkv_kv__bytes_cmp(k, n, it->b.lastp, it->b.last_size) < 0;
}

static inline bool back_ok(const lmkv_iter *it, const uint8_t *k, size_t n)
{
    if (!above_lo(it, k, n))
        return false;
    return !it->f.started || lmkv_kv__bytes_cmp(k, n, it->f.lastp, it->f.last_size) > 0;
}

static int position(lmkv_iter *it, kv_lcur *c, bool front)
{
    side *s = front ? &it->f : &it->b;
    if (front) {
        if (s->started)
            return lmkv_kv__lc_seek_gt(c, s->lastp, s->last_size);
        if (it->lo_kind == LMKV_UNBOUNDED)
            return lmkv_kv__lc_first(c);
        return it->lo_kind == LMKV_INCLUDED ? lmkv_kv__lc_seek_ge(c, it->lo, it->lon) : lmkv_kv__lc_seek_gt(c, it->lo, it->lon);
    }
    if (s->started)
        return lmkv_kv__lc_seek_lt(c, s->lastp, s->last_size);
    if (it->hi_kind == LMKV_UNBOUNDED)
        return lmkv_kv__lc_last(c);
    return it->hi_kind == LMKV_INCLUDED ? lmkv_kv__lc_seek_le(c, it->hi, it->hin) : lmkv_kv__lc_seek_lt(c, it->hi, it->hin);
}

static int arena_add(side *s, const lmkv_pair *p)
{
    size_t need = p->key_size + p->value_size;
    if (need > SIZE_MAX - s->used ||
        LMKV_ARRAY_GROW_INLINE(s->arena, s->cap, s->used + need, 4096, s->arena_inline, s->used) ||
        LMKV_ARRAY_GROW_INLINE(s->ents, s->ecap, s->n + 1, 16, s->ents_inline, s->n))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory buffering an iterator");
    ent_off *e = &s->ents[s->n++];
    e->ko = s->used;
    e->ks = p->key_size;
    e->vo = s->used + p->key_size;
    e->vs = p->value_size;
    if (p->key_size && p->value == p->key + p->key_size) {
        /* a short key and its value lie side by side in the LMDB leaf node
         * (key then data): one copy */
        memcpy(s->arena + s->used, p->key, need);
    } else {
        if (p->key_size)
            memcpy(s->arena + s->used, p->key, p->key_size);
        if (p->value_size)
            memcpy(s->arena + e->vo, p->value, p->value_size);
    }
    s->used += need;
    return 0;
}

static int refill(lmkv_iter *it, bool front)
{
    side *s = front ? &it->f : &it->b;
    int rc;
    if (s->started && s->lastp != s->last && (rc = set_last(s, s->lastp, s->last_size)))
        return rc; /* the arena is about to be reused */
    s->used = s->n = s->pos = 0;
    if (it->st->dropped)
        return lmkv_error_set(LMKV_ETREE, "iterator: the tree was dropped");
    if ((rc = lmkv_kv__state_reopen(it->st)))
        return rc;
    MDB_txn *txn;
    if ((rc = lmkv_kv__rtxn_get(it->db, &txn)))
        return rc;
    kv_lcur c;
    rc = lmkv_kv__lc_open(&c, txn, it->st->dbi, it->st);
    if (rc == 0) {
        for (rc = position(it, &c, front); rc == 0;
             rc = front ? lmkv_kv__lc_next(&c) : lmkv_kv__lc_prev(&c)) {
            const lmkv_pair *p = kv_lc_cur(&c);
            if (front ? !front_ok(it, p->key, p->key_size) : !back_ok(it, p->key, p->key_size)) {
                s->eof = true;
                break;
            }
            if ((rc = arena_add(s, p)))
                break;
            if (s->n >= s->want || s->used >= BATCH_MAX_BYTES)
                break;
        }
        lmkv_kv__lc_close(&c);
    }
    lmkv_kv__rtxn_put(it->db, txn);
    if (rc == MDB_NOTFOUND) {
        s->eof = true;
        rc = 0;
    }
    /* A failure (e.g. a damaged record) after some entries: hand those out
     * first; the next refill starts past them and meets the failure again. */
    if (rc && s->n > 0)
        rc = 0;
    if (rc)
        return rc <= -30900 ? rc : lmkv_kv__err_mdb(rc, "iterating", it->st, NULL, 0);
    if (s->want < BATCH_MAX_ENTRIES)
        s->want *= 2;
    return 0;
}

static int step_detached(lmkv_pair *out, lmkv_iter *it, bool front)
{
    side *s = front ? &it->f : &it->b;
    int rc;
    if (s->pos == s->n) {
        if (s->eof) {
            it->done = true;
            return LMKV_NOTFOUND;
        }
        if ((rc = refill(it, front)))
            return rc;
        if (s->n == 0) {
            it->done = true;
            return LMKV_NOTFOUND;
        }
    }
    ent_off *e = &s->ents[s->pos];
    const uint8_t *k = s->arena + e->ko;
    /* The other end may have moved since this buffer was filled (the range
     * bounds were checked by refill and do not change). */
    if (front ? (it->b.started && lmkv_kv__bytes_cmp(k, e->ks, it->b.lastp, it->b.last_size) >= 0)
              : (it->f.started && lmkv_kv__bytes_cmp(k, e->ks, it->f.lastp, it->f.last_size) <= 0)) {
        it->done = true;
        return LMKV_NOTFOUND;
    }
    s->lastp = k; /* points into the arena until the next refill */
    s->last_size = e->ks;
    s->started = true;
    s->pos++;
    out->key = k;
    out->key_size = e->ks;
    out->value = s->arena + e->vo;
    out->value_size = e->vs;
    return 0;
}

static int step_txn(lmkv_pair *out, lmkv_iter *it, bool front)
{
    side *s = front ? &it->f : &it->b;
    lmkv_txn *tx = it->txn;
    int rc;
    if (tx->poisoned)
        return lmkv_error_set(LMKV_EBADTXN, "iterator: the transaction is poisoned");
    if (tx->is_reset)
        return lmkv_error_set(LMKV_EINVAL, "iterator: the read transaction is reset");
    if (it->st->dropped)
        return lmkv_error_set(LMKV_ETREE, "iterator: the tree was dropped");
    if (s->open && s->epoch != tx->epoch) {
        if (tx->rdonly)
            lmkv_kv__lc_close(&s->c);
        else
            lmkv_kv__lc_forget(&s->c);
        s->open = false;
    }
    if (!s->open) {
        if ((rc = lmkv_kv__lc_open(&s->c, tx->txn, it->st->dbi, it->st)))
            return lmkv_kv__err_mdb(rc, "iterating", it->st, NULL, 0);
        s->open = true;
        s->positioned = false;
        s->epoch = tx->epoch;
    }
    if (!s->positioned || s->gen != tx->wgen)
        rc = position(it, &s->c, front);
    else
        rc = front ? lmkv_kv__lc_next(&s->c) : lmkv_kv__lc_prev(&s->c);
    s->positioned = rc == 0;
    s->gen = tx->wgen;
    if (rc == MDB_NOTFOUND) {
        it->done = true;
        return LMKV_NOTFOUND;
    }
    if (rc)
        return rc <= -30900 ? rc : lmkv_kv__err_mdb(rc, "iterating", it->st, NULL, 0);
    const lmkv_pair *p = kv_lc_cur(&s->c);
    if (front ? !front_ok(it, p->key, p->key_size) : !back_ok(it, p->key, p->key_size)) {
        it->done = true;
        return LMKV_NOTFOUND;
    }
    if ((rc = set_last(s, p->key, p->key_size)))
        return rc;
    *out = *p;
    return 0;
}

static int step(lmkv_pair *out, lmkv_iter *it, bool front)
{
    if (!out || !it)
        return lmkv_error_set(LMKV_EINVAL, "iterator: NULL argument");
    if (it->done)
        return LMKV_NOTFOUND;
    int rc = it->txn ? step_txn(out, it, front) : step_detached(out, it, front);
    if (rc == LMKV_NOTFOUND)
        lmkv_error_set(rc, "iterator exhausted");
    return rc;
}

int lmkv_iter_next(lmkv_pair *out, lmkv_iter *it) { return step(out, it, true); }
int lmkv_iter_next_back(lmkv_pair *out, lmkv_iter *it) { return step(out, it, false); }

static void side_free(side *s, lmkv_txn *tx)
{
    if (s->open) {
        if (tx && !tx->rdonly && s->epoch != tx->epoch)
            lmkv_kv__lc_forget(&s->c);
        else
            lmkv_kv__lc_close(&s->c);
    }
    if (s->arena != s->arena_inline)
        free(s->arena);
    if (s->ents != s->ents_inline)
        free(s->ents);
    if (s->last != s->last_inline)
        free(s->last);
}

static void side_init(side *s)
{
    memset(s, 0, offsetof(side, arena_inline));
    s->arena = s->arena_inline;
    s->cap = INLINE_ARENA;
    s->ents = s->ents_inline;
    s->ecap = INLINE_ENTS;
    s->last = s->last_inline;
    s->last_cap = sizeof s->last_inline;
    s->want = 32;
}

void lmkv_iter_free(lmkv_iter *it)
{
    if (!it)
        return;
    side_free(&it->f, it->txn);
    side_free(&it->b, it->txn);
    if (it->lo != it->lo_inline)
        free(it->lo);
    if (it->hi != it->hi_inline)
        free(it->hi);
    lmkv_kv__tree_state_unref(it->st);
    free(it);
}

static int iter_new(lmkv_iter **out, lmkv_tree *t, lmkv_txn *txn, const lmkv_bound *lo, const lmkv_bound *hi)
{
    int rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "iterator: NULL out");
    if ((rc = lmkv_kv__check_tree(t)))
        return rc;
    if ((lo && (lo->kind < 0 || lo->kind > 2 || (!lo->key && lo->key_size))) ||
        (hi && (hi->kind < 0 || hi->kind > 2 || (!hi->key && hi->key_size))))
        return lmkv_error_set(LMKV_EINVAL, "range: bad bound");
    lmkv_iter *it = malloc(sizeof *it);
    if (!it)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    memset(it, 0, offsetof(lmkv_iter, f));
    it->db = t->db;
    it->st = t->st;
    it->txn = txn;
    side_init(&it->f);
    side_init(&it->b);
    if (lo && lo->kind != LMKV_UNBOUNDED) {
        it->lo_kind = lo->kind;
        if (bound_copy(&it->lo, it->lo_inline, sizeof it->lo_inline, lo->key, lo->key_size))
            goto nomem;
        it->lon = lo->key_size;
    }
    if (hi && hi->kind != LMKV_UNBOUNDED) {
        it->hi_kind = hi->kind;
        if (bound_copy(&it->hi, it->hi_inline, sizeof it->hi_inline, hi->key, hi->key_size))
            goto nomem;
        it->hin = hi->key_size;
    }
    pthread_mutex_lock(&t->db->tree_mu);
    t->st->refs++;
    pthread_mutex_unlock(&t->db->tree_mu);
    *out = it;
    return 0;
nomem:
    if (it->lo != it->lo_inline)
        free(it->lo);
    free(it);
    return LMKV_ENOMEM;
}

int lmkv_tree_iter(lmkv_iter **out, lmkv_tree *t) { return iter_new(out, t, NULL, NULL, NULL); }

int lmkv_tree_range(lmkv_iter **out, lmkv_tree *t, const lmkv_bound *start, const lmkv_bound *end)
{
    return iter_new(out, t, NULL, start, end);
}

/* Bounds of scan_prefix: [prefix, successor) where successor strips trailing
 * 0xFF bytes and increments the last byte; all-0xFF or "" = unbounded. */
static void prefix_bounds(lmkv_bound *lo, lmkv_bound *hi, uint8_t *succ, const void *prefix, size_t n)
{
    lo->kind = n ? LMKV_INCLUDED : LMKV_UNBOUNDED;
    lo->key = prefix;
    lo->key_size = n;
    size_t m = n;
    const uint8_t *p = prefix;
    while (m > 0 && p[m - 1] == 0xFF)
        m--;
    if (m == 0) {
        hi->kind = LMKV_UNBOUNDED;
        hi->key = NULL;
        hi->key_size = 0;
        return;
    }
    memcpy(succ, p, m);
    succ[m - 1]++;
    hi->kind = LMKV_EXCLUDED;
    hi->key = succ;
    hi->key_size = m;
}

static int scan_prefix(lmkv_iter **out, lmkv_tree *t, lmkv_txn *txn, const void *prefix, size_t n)
{
    if (!prefix && n)
        return lmkv_error_set(LMKV_EINVAL, "scan_prefix: NULL prefix with non-zero size");
    uint8_t small[256];
    uint8_t *succ = n <= sizeof small ? small : malloc(n);
    if (!succ)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    lmkv_bound lo, hi;
    prefix_bounds(&lo, &hi, succ, prefix, n);
    int rc = iter_new(out, t, txn, &lo, &hi);
    if (succ != small)
        free(succ);
    return rc;
}

int lmkv_tree_scan_prefix(lmkv_iter **out, lmkv_tree *t, const void *prefix, size_t n)
{
    return scan_prefix(out, t, NULL, prefix, n);
}

static int txn_iter_check(lmkv_txn *txn, lmkv_tree *t)
{
    if (!txn)
        return lmkv_error_set(LMKV_EINVAL, "NULL transaction");
    if (txn->poisoned)
        return lmkv_error_set(LMKV_EBADTXN, "transaction is poisoned");
    return lmkv_kv__txn_check_tree(txn, t);
}

int lmkv_txn_iter(lmkv_iter **out, lmkv_txn *txn, lmkv_tree *t)
{
    int rc = txn_iter_check(txn, t);
    return rc ? rc : iter_new(out, t, txn, NULL, NULL);
}

int lmkv_txn_range(lmkv_iter **out, lmkv_txn *txn, lmkv_tree *t, const lmkv_bound *start, const lmkv_bound *end)
{
    int rc = txn_iter_check(txn, t);
    return rc ? rc : iter_new(out, t, txn, start, end);
}

int lmkv_txn_scan_prefix(lmkv_iter **out, lmkv_txn *txn, lmkv_tree *t, const void *prefix, size_t n)
{
    int rc = txn_iter_check(txn, t);
    return rc ? rc : scan_prefix(out, t, txn, prefix, n);
}
