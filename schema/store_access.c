/*
 * store_access.c -- schema STORE's access layer: tree names, key errors,
 * txn checks, zero-copy get and prefix scan, and a write session's puts
 * and deletes (with the bulk-load buffer). Below every other store file
 * (schema/LAYERS).
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const char *const lmkv_schema__store_tree_names[T__COUNT] = {
    [T_WS] = "store.ws", [T_WS_ROOT] = "store.ws_root", [T_WS_GEN] = "store.ws_gen",
    [T_FV] = "store.fv", [T_FV_BLOB] = "store.fv_blob",
    [T_MAP_COMMIT] = "store.map_commit", [T_MAP_LATEST] = "store.map_latest",
    [T_CUR] = "store.cur", [T_CUR_FV] = "store.cur_fv",
    [T_SYM] = "store.sym", [T_SYM_NAME] = "store.sym_name",
    [T_SYM_QNAME] = "store.sym_qname", [T_SYM_ID] = "store.sym_id",
    [T_CALL] = "store.call", [T_CALL_TO] = "store.call_to",
    [T_REF] = "store.ref", [T_REF_TO] = "store.ref_to",
    [T_CUR_CALL_TO] = "store.cur_call_to", [T_CUR_REF_TO] = "store.cur_ref_to",
    [T_CUR_CALL_FROM] = "store.cur_call_from",
    [T_HIER] = "store.hier", [T_HIER_PARENT] = "store.hier_parent",
    [T_HIER_CHILD] = "store.hier_child",
    [T_CACHE_ENTRY] = "cache.entry", [T_CACHE_ATIME] = "cache.atime",
    [T_CACHE_LRU] = "cache.lru", [T_CACHE_STATS] = "cache.stats",
    [T_CACHE_META] = "cache.meta",
};

/* ================================================================ helpers */

const char *lmkv_schema__store_hex(char *buf, const void *key, size_t len)
{
    static const char hx[] = "0123456789abcdef";
    const uint8_t *k = key;
    size_t n = len > 48 ? 48 : len, o = 0;
    for (size_t i = 0; i < n; i++) {
        buf[o++] = hx[k[i] >> 4];
        buf[o++] = hx[k[i] & 15];
    }
    if (n < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

int lmkv_schema__store_err_key(int code, enum store_tree tr, const void *key, size_t len, const char *what)
{
    char hx[112];
    return lmkv_error_wrap(code, "store: tree '%s' key %s (%zu bytes): %s",
                           lmkv_schema__store_tree_names[tr], lmkv_schema__store_hex(hx, key, len), len, what);
}

int64_t lmkv_schema__store_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int lmkv_schema__txn_check(lmkv_store_txn *t)
{
    if (!t)
        return lmkv_error_set(LMKV_EINVAL, "store: NULL txn");
    if (t->sess && t->sess->poisoned)
        return lmkv_error_set(LMKV_EBADTXN, "store: session failed earlier (poisoned)");
    if (!t->txn)
        return lmkv_error_set(LMKV_EBADTXN, "store: txn was reset (renew it first)");
    return LMKV_OK;
}

int lmkv_schema__st_get(lmkv_pair *out, lmkv_store_txn *t, enum store_tree tr, const kbuf *k)
{
    if (!kb_ok(k))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    lmkv_tree *tree = t->st->t[tr];
    if (!tree)
        return LMKV_NOTFOUND;
    int rc;
    if ((rc = st_flush(t, tr)) != LMKV_OK)
        return rc;
    rc = lmkv_txn_get(out, t->txn, tree, k->p, k->len);
    if (rc != LMKV_OK && rc != LMKV_NOTFOUND)
        return lmkv_schema__store_err_key(rc, tr, k->p, k->len, "get failed");
    return rc;
}

int lmkv_schema__st_scan(lmkv_store_txn *t, enum store_tree tr, const void *prefix, size_t n,
            st_scan_fn fn, void *ctx)
{
    lmkv_tree *tree = t->st->t[tr];
    if (!tree)
        return LMKV_OK;
    lmkv_iter *it = NULL;
    int rc;
    /* (a callback that reads another tree directly flushes it first: st_flush) */
    if ((rc = st_flush(t, tr)) != LMKV_OK)
        return rc;
    rc = lmkv_txn_scan_prefix(&it, t->txn, tree, prefix, n);
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, tr, prefix, n, "prefix scan failed");
    lmkv_pair p;
    for (;;) {
        rc = lmkv_iter_next(&p, it);
        if (rc == LMKV_NOTFOUND) {
            rc = LMKV_OK;
            break;
        }
        if (rc != LMKV_OK) {
            rc = lmkv_schema__store_err_key(rc, tr, prefix, n, "prefix scan failed");
            break;
        }
        rc = fn(ctx, &p);
        if (rc > 0) {
            rc = LMKV_OK;
            break;
        }
        if (rc < 0)
            break;
    }
    lmkv_iter_free(it);
    return rc;
}

int lmkv_schema__sess_check(lmkv_store_session *s)
{
    if (!s)
        return lmkv_error_set(LMKV_EINVAL, "store: NULL session");
    if (s->poisoned)
        return lmkv_error_set(LMKV_EBADTXN, "store: session failed earlier (poisoned); abort it");
    return LMKV_OK;
}

/* Trees whose inserts a bulk session buffers: the records of file versions
 * and their indexes (the trees lmkv_store_put_file fills). */
#define BULK_TREES ((1u << T_SYM) | (1u << T_SYM_NAME) | (1u << T_SYM_QNAME) | (1u << T_SYM_ID) | \
                    (1u << T_CALL) | (1u << T_CALL_TO) | (1u << T_REF) | (1u << T_REF_TO) |     \
                    (1u << T_CUR_CALL_TO) | (1u << T_CUR_REF_TO) | (1u << T_CUR_CALL_FROM) |    \
                    (1u << T_HIER) | (1u << T_HIER_PARENT) | (1u << T_HIER_CHILD))
#define BULK_MAX_BYTES (256u << 20) /* buffered bytes before a flush of every tree */

struct bulk_ent { size_t koff, kn, voff, vn, seq; uint32_t tree; };

static int bulk_add(lmkv_store_session *s, enum store_tree tr, const void *k, size_t kn,
                    const void *v, size_t vn)
{
    struct bulk_list *l = &s->bl[tr];
    if (l->n == l->cap && LMKV_ARRAY_GROW(l->v, l->cap, l->cap + 1, 256))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory buffering a bulk insert");
    if (kn > SIZE_MAX - vn || kn + vn > SIZE_MAX - s->nba ||
        LMKV_ARRAY_GROW(s->ba, s->capba, s->nba + kn + vn, 1u << 16))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory buffering a bulk insert");
    struct bulk_ent *e = &l->v[l->n++];
    e->tree = (uint32_t)tr;
    e->seq = l->n;
    s->nbe++;
    e->koff = s->nba;
    e->kn = kn;
    if (kn)
        memcpy(s->ba + s->nba, k, kn);
    s->nba += kn;
    e->voff = s->nba;
    e->vn = vn;
    if (vn)
        memcpy(s->ba + s->nba, v, vn);
    s->nba += vn;
    s->bulk_mask |= 1u << tr;
    return LMKV_OK;
}

static int key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : an < bn ? -1 : an > bn;
}

static _Thread_local const uint8_t *bulk_sort_base;
static int bulk_ent_cmp(const void *x, const void *y)
{
    const struct bulk_ent *a = x, *b = y;
    int c = key_cmp(bulk_sort_base + a->koff, a->kn, bulk_sort_base + b->koff, b->kn);
    return c ? c : a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* kv stores keys of up to 500 bytes as they are (longer ones by prefix and
 * hash), so for them byte order is the tree's order; an append is only
 * tried for such keys. */
#define APPEND_MAX_KEY 500u

/* Write list tr (sorted by key, the last write of a key winning). */
static int bulk_flush_tree(lmkv_store_session *s, enum store_tree tr)
{
    struct bulk_list *l = &s->bl[tr];
    int rc = LMKV_OK;
    if (!l->n)
        return LMKV_OK;
    bulk_sort_base = s->ba;
    qsort(l->v, l->n, sizeof *l->v, bulk_ent_cmp);
    lmkv_tree *tree = s->st->t[tr];
    lmkv_txn *txn = s->view.txn;
    /* the tree's last key bounds what may be appended */
    uint8_t *last = NULL;
    size_t last_n = 0;
    int have_last = 0, last_long = 0;
    {
        lmkv_iter *it = NULL;
        lmkv_pair p;
        if ((rc = lmkv_txn_iter(&it, txn, tree)) != LMKV_OK)
            return lmkv_schema__store_err_key(rc, tr, "", 0, "reading the last key failed");
        rc = lmkv_iter_next_back(&p, it);
        if (rc == LMKV_OK) {
            have_last = 1;
            last_long = p.key_size > APPEND_MAX_KEY;
            last_n = p.key_size;
            if (!last_long && p.key_size) {
                if ((last = malloc(p.key_size)) != NULL)
                    memcpy(last, p.key, p.key_size);
                else
                    rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
            }
        } else if (rc == LMKV_NOTFOUND) {
            rc = LMKV_OK;
        } else {
            rc = lmkv_schema__store_err_key(rc, tr, "", 0, "reading the last key failed");
        }
        lmkv_iter_free(it);
        if (rc != LMKV_OK) {
            free(last);
            return rc;
        }
    }
    const uint8_t *cur = last; /* the tree's last key as writes go on */
    size_t cur_n = last_n;
    for (size_t k = 0; k < l->n && rc == LMKV_OK; k++) {
        const struct bulk_ent *e = &l->v[k];
        const uint8_t *kp = s->ba + e->koff;
        if (k + 1 < l->n && key_cmp(kp, e->kn, s->ba + l->v[k + 1].koff, l->v[k + 1].kn) == 0)
            continue; /* the same key written again later: the later value wins */
        int greater = !have_last || (!last_long && key_cmp(kp, e->kn, cur, cur_n) > 0);
        unsigned fl = greater && e->kn <= APPEND_MAX_KEY ? LMKV_INSERT_APPEND : 0u;
        rc = lmkv_txn_insert_ex(txn, tree, kp, e->kn, s->ba + e->voff, e->vn, fl);
        if (rc != LMKV_OK) {
            rc = lmkv_schema__store_err_key(rc, tr, kp, e->kn, fl ? "bulk append failed" : "insert failed");
            break;
        }
        if (greater) {
            /* the new last key (a long one ends appending to this tree) */
            have_last = 1;
            last_long = e->kn > APPEND_MAX_KEY;
            cur = kp;
            cur_n = e->kn;
        }
    }
    free(last);
    if (rc == LMKV_OK) {
        s->nbe -= l->n;
        l->n = 0;
        s->bulk_mask &= ~(1u << tr);
    }
    return rc;
}

int lmkv_schema__store_bulk_flush(lmkv_store_session *s, enum store_tree only)
{
    int rc = LMKV_OK;
    for (int tr = 0; tr < T__COUNT && rc == LMKV_OK; tr++)
        if ((only == T__COUNT || tr == (int)only) && (s->bulk_mask & (1u << tr)))
            rc = bulk_flush_tree(s, (enum store_tree)tr);
    if (rc != LMKV_OK) {
        s->poisoned = 1;
        return rc;
    }
    if (!s->nbe)
        s->nba = 0; /* every list written: the arena starts over */
    return LMKV_OK;
}

int lmkv_schema__sess_put(lmkv_store_session *s, enum store_tree tr, const void *k, size_t kn,
             const void *v, size_t vn)
{
    if (s->bulk && (BULK_TREES & (1u << tr))) {
        int rc = bulk_add(s, tr, k, kn, v, vn);
        if (rc == LMKV_OK && s->nba > BULK_MAX_BYTES)
            rc = lmkv_schema__store_bulk_flush(s, T__COUNT);
        if (rc != LMKV_OK) {
            s->poisoned = 1;
            return rc;
        }
        s->pending++;
        return LMKV_OK;
    }
    int rc = lmkv_txn_insert(s->view.txn, s->st->t[tr], k, kn, v, vn);
    if (rc != LMKV_OK) {
        s->poisoned = 1;
        return lmkv_schema__store_err_key(rc, tr, k, kn, "insert failed");
    }
    s->pending++;
    return LMKV_OK;
}

int lmkv_schema__sess_del(lmkv_store_session *s, enum store_tree tr, const void *k, size_t kn)
{
    int rc;
    if ((s->bulk_mask & (1u << tr)) && (rc = lmkv_schema__store_bulk_flush(s, tr)) != LMKV_OK)
        return rc;
    rc = lmkv_txn_remove(s->view.txn, s->st->t[tr], k, kn);
    if (rc == LMKV_NOTFOUND)
        return LMKV_OK;
    if (rc != LMKV_OK) {
        s->poisoned = 1;
        return lmkv_schema__store_err_key(rc, tr, k, kn, "remove failed");
    }
    s->pending++;
    return LMKV_OK;
}
