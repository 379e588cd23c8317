/*
 * store_collect.c -- collecting every record of a file version with its
 * index entries and current copies (for removal and for put_file over a
 * stored version), and removing them.
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

/* ================================================================ removal */

static void dels_add_v(struct dels *d, enum store_tree tr, const kbuf *k, const void *v, size_t vn)
{
    lmkv_schema__kb_u8(&d->b, (uint8_t)tr);
    lmkv_schema__kb_u32(&d->b, (uint32_t)k->len);
    lmkv_schema__kb_raw(&d->b, k->p, k->len);
    if (d->with_vals) {
        if (vn && v == d->last_v && vn == d->last_vn) {
            lmkv_schema__kb_u32(&d->b, DELS_SAME);
        } else {
            lmkv_schema__kb_u32(&d->b, (uint32_t)vn);
            lmkv_schema__kb_raw(&d->b, v, vn);
            if (vn) {
                d->last_v = v;
                d->last_vn = vn;
            }
        }
    }
    d->n++;
}

static void dels_add(struct dels *d, enum store_tree tr, const kbuf *k)
{
    dels_add_v(d, tr, k, "", 0);
}

static int dels_apply(lmkv_store_session *s, struct dels *d, size_t *removed)
{
    if (!kb_ok(&d->b))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory collecting keys");
    size_t off = 0;
    while (off < d->b.len) {
        enum store_tree tr = (enum store_tree)d->b.p[off];
        uint32_t n = get_be32(d->b.p + off + 1);
        size_t before = s->pending;
        int rc = lmkv_schema__sess_del(s, tr, d->b.p + off + 5, n);
        if (rc != LMKV_OK)
            return rc;
        if (removed)
            *removed += s->pending - before;
        off += 5 + n;
    }
    return LMKV_OK;
}

struct rm_ctx { struct dels *d; uint64_t ws, fv; kbuf k; };

static int rm_sym_cb(void *ctx, const lmkv_pair *p)
{
    struct rm_ctx *r = ctx;
    r->d->last_v = NULL; /* DELS_SAME only within one record */
    kb_reset(&r->k);
    lmkv_schema__kb_raw(&r->k, p->key, p->key_size);
    dels_add_v(r->d, T_SYM, &r->k, p->value, p->value_size);
    if (p->key_size != 24)
        return 0;
    uint64_t sid = get_be64(p->key + 16);
    lmkv_symbol sym;
    if (lmkv_symbol_read(&sym, p->value, p->value_size) == LMKV_OK && sym.name) {
        const char *q = sym.qualified_name ? sym.qualified_name : sym.name;
        kb_reset(&r->k);
        lmkv_schema__kb_u64(&r->k, r->ws);
        lmkv_schema__kb_esc(&r->k, sym.name, strlen(sym.name));
        lmkv_schema__kb_u64(&r->k, r->fv);
        lmkv_schema__kb_u64(&r->k, sid);
        dels_add(r->d, T_SYM_NAME, &r->k);
        kb_reset(&r->k);
        lmkv_schema__kb_u64(&r->k, r->ws);
        lmkv_schema__kb_esc(&r->k, q, strlen(q));
        lmkv_schema__kb_u64(&r->k, r->fv);
        lmkv_schema__kb_u64(&r->k, sid);
        dels_add(r->d, T_SYM_QNAME, &r->k);
    }
    kb_reset(&r->k);
    lmkv_schema__kb_u64(&r->k, r->ws);
    lmkv_schema__kb_u64(&r->k, sid);
    lmkv_schema__kb_u64(&r->k, r->fv);
    dels_add(r->d, T_SYM_ID, &r->k);
    return 0;
}

/* call and ref: primary key ws fv sid ord; index ws E(name) fv sid ord
 * (empty); current copies ws E(name) fv ord (the record): by callee/target
 * name, and for calls also by caller name (store.cur_call_from) */
struct rm_edge { struct rm_ctx *r; enum store_tree prim, idx, cur; int is_call; };

static int rm_edge_cb(void *ctx, const lmkv_pair *p)
{
    struct rm_edge *e = ctx;
    struct rm_ctx *r = e->r;
    r->d->last_v = NULL;
    kb_reset(&r->k);
    lmkv_schema__kb_raw(&r->k, p->key, p->key_size);
    dels_add_v(r->d, e->prim, &r->k, p->value, p->value_size);
    if (p->key_size != 28)
        return 0;
    const char *from;
    const char *name = lmkv_schema__store_edge_names(e->is_call, p, &from);
    if (!name)
        return 0;
    kb_reset(&r->k);
    lmkv_schema__kb_u64(&r->k, r->ws);
    lmkv_schema__kb_esc(&r->k, name, strlen(name));
    lmkv_schema__kb_u64(&r->k, r->fv);
    size_t base = r->k.len;
    lmkv_schema__kb_raw(&r->k, p->key + 16, 12); /* sid ord */
    dels_add(r->d, e->idx, &r->k);
    r->k.len = base;
    lmkv_schema__kb_raw(&r->k, p->key + 24, 4);  /* ord */
    dels_add_v(r->d, e->cur, &r->k, p->value, p->value_size);
    if (from) {
        kb_reset(&r->k);
        lmkv_schema__kb_u64(&r->k, r->ws);
        lmkv_schema__kb_esc(&r->k, from, strlen(from));
        lmkv_schema__kb_u64(&r->k, r->fv);
        lmkv_schema__kb_raw(&r->k, p->key + 24, 4);
        dels_add_v(r->d, T_CUR_CALL_FROM, &r->k, p->value, p->value_size);
    }
    return 0;
}

static int rm_hier_cb(void *ctx, const lmkv_pair *p)
{
    struct rm_ctx *r = ctx;
    r->d->last_v = NULL;
    kb_reset(&r->k);
    lmkv_schema__kb_raw(&r->k, p->key, p->key_size);
    dels_add_v(r->d, T_HIER, &r->k, p->value, p->value_size);
    if (p->key_size != 20)
        return 0;
    uint32_t ord = get_be32(p->key + 16);
    lmkv_hierarchy h;
    if (lmkv_hierarchy_read(&h, p->value, p->value_size) != LMKV_OK)
        return 0;
    kb_reset(&r->k);
    lmkv_schema__kb_u64(&r->k, r->ws);
    lmkv_schema__kb_u64(&r->k, h.parent_id);
    lmkv_schema__kb_u64(&r->k, r->fv);
    lmkv_schema__kb_u32(&r->k, ord);
    dels_add_v(r->d, T_HIER_PARENT, &r->k, p->value, p->value_size);
    kb_reset(&r->k);
    lmkv_schema__kb_u64(&r->k, r->ws);
    lmkv_schema__kb_u64(&r->k, h.child_id);
    lmkv_schema__kb_u64(&r->k, r->fv);
    lmkv_schema__kb_u32(&r->k, ord);
    dels_add_v(r->d, T_HIER_CHILD, &r->k, p->value, p->value_size);
    return 0;
}

/* Collect into d every record of (ws, fv) and its index entries and
 * copies (not the FileVersion), with their values when d->with_vals. A
 * failed scan poisons the session (a write may have preceded it). */
int lmkv_schema__store_collect_records(lmkv_store_session *s, uint64_t ws, uint64_t fv, struct dels *d)
{
    struct rm_ctx r = { d, ws, fv, { 0 } };
    lmkv_schema__kb_init(&r.k);
    uint8_t pre[16];
    put_be64(pre, ws);
    put_be64(pre + 8, fv);
    int rc = lmkv_schema__st_scan(&s->view, T_SYM, pre, 16, rm_sym_cb, &r);
    struct rm_edge ec = { &r, T_CALL, T_CALL_TO, T_CUR_CALL_TO, 1 },
                   er = { &r, T_REF, T_REF_TO, T_CUR_REF_TO, 0 };
    if (rc == LMKV_OK)
        rc = lmkv_schema__st_scan(&s->view, T_CALL, pre, 16, rm_edge_cb, &ec);
    if (rc == LMKV_OK)
        rc = lmkv_schema__st_scan(&s->view, T_REF, pre, 16, rm_edge_cb, &er);
    if (rc == LMKV_OK)
        rc = lmkv_schema__st_scan(&s->view, T_HIER, pre, 16, rm_hier_cb, &r);
    if (rc == LMKV_OK && (!kb_ok(&r.k) || !kb_ok(&d->b)))
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory collecting keys");
    if (rc != LMKV_OK)
        s->poisoned = 1; /* a failed scan inside the txn: do not commit half */
    lmkv_schema__kb_free(&r.k);
    return rc;
}

/* Delete every record of (ws, fv) and its index entries (not the FileVersion). */
int lmkv_schema__store_remove_records(lmkv_store_session *s, uint64_t ws, uint64_t fv, size_t *removed)
{
    lmkv_schema__store_cur_pending_drop(s, ws, fv);
    struct dels d;
    memset(&d, 0, sizeof d);
    lmkv_schema__kb_init(&d.b);
    int rc = lmkv_schema__store_collect_records(s, ws, fv, &d);
    if (rc == LMKV_OK)
        rc = dels_apply(s, &d, removed);
    lmkv_schema__kb_free(&d.b);
    return rc;
}
