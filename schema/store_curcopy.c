/*
 * store_curcopy.c -- the current copies of calls and references
 * (store.cur_call_to / cur_call_from / cur_ref_to): added and deleted by
 * set_current / unset_current, and the copies put_file keeps for them.
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

/* Callee/target name of a call/reference record (NULL if unreadable);
 * *from = the call's caller name (NULL for references or when absent). */
const char *lmkv_schema__store_edge_names(int is_call, const lmkv_pair *p, const char **from)
{
    lmkv_call c;
    lmkv_reference rf;
    *from = NULL;
    if (is_call) {
        if (lmkv_call_read(&c, p->value, p->value_size) != LMKV_OK)
            return NULL;
        *from = c.caller_name;
        return c.callee_name;
    }
    return lmkv_reference_read(&rf, p->value, p->value_size) == LMKV_OK ? rf.target_name : NULL;
}

/* ---- current copies (store.cur_call_to / cur_call_from / cur_ref_to) ---- */

/* ops: per copy tree(1) klen(4) key [vlen(4) value when adding] */
struct cur_ctx { uint64_t ws, fv; int is_call, add; kbuf ops; kbuf k; };

static void cur_op(struct cur_ctx *c, enum store_tree tr, const char *name, const lmkv_pair *p)
{
    kb_reset(&c->k);
    lmkv_schema__kb_u64(&c->k, c->ws);
    lmkv_schema__kb_esc(&c->k, name, strlen(name));
    lmkv_schema__kb_u64(&c->k, c->fv);
    lmkv_schema__kb_raw(&c->k, p->key + 24, 4);
    lmkv_schema__kb_u8(&c->ops, (uint8_t)tr);
    lmkv_schema__kb_u32(&c->ops, (uint32_t)c->k.len);
    lmkv_schema__kb_raw(&c->ops, c->k.p, c->k.len);
    if (c->add) {
        lmkv_schema__kb_u32(&c->ops, (uint32_t)p->value_size);
        lmkv_schema__kb_raw(&c->ops, p->value, p->value_size);
    }
}

static int cur_collect_cb(void *ctx, const lmkv_pair *p)
{
    struct cur_ctx *c = ctx;
    if (p->key_size != 28)
        return 0;
    const char *from;
    const char *name = lmkv_schema__store_edge_names(c->is_call, p, &from);
    if (!name)
        return 0;
    cur_op(c, c->is_call ? T_CUR_CALL_TO : T_CUR_REF_TO, name, p);
    if (from)
        cur_op(c, T_CUR_CALL_FROM, from, p);
    return kb_ok(&c->ops) && kb_ok(&c->k) ? 0 : lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
}

/* ---- copies kept by put_file for set_current (session cache) ---- */

static struct cur_pending *cp_find(lmkv_store_session *s, uint64_t ws, uint64_t fv)
{
    for (size_t i = 0; i < s->ncp; i++)
        if (s->cp[i].ws == ws && s->cp[i].fv == fv)
            return &s->cp[i];
    return NULL;
}

void lmkv_schema__store_cur_pending_drop(lmkv_store_session *s, uint64_t ws, uint64_t fv)
{
    struct cur_pending *c = cp_find(s, ws, fv);
    if (!c)
        return;
    s->cp_bytes -= c->len;
    free(c->ops);
    *c = s->cp[--s->ncp];
}

void lmkv_schema__store_cur_pending_free(lmkv_store_session *s)
{
    for (size_t i = 0; i < s->ncp; i++)
        free(s->cp[i].ops);
    free(s->cp);
    s->cp = NULL;
    s->ncp = s->capcp = s->cp_bytes = 0;
}

/* Keep ops (the copies of fv, in cur_ctx's add format) for set_current.
 * Not kept (no error) when over the byte bound or out of memory: then
 * set_current reads the records back. */
void lmkv_schema__store_cp_keep(lmkv_store_session *s, uint64_t ws, uint64_t fv, const kbuf *ops)
{
    if (!kb_ok(ops) || s->cp_bytes + ops->len > CUR_PENDING_MAX_BYTES)
        return;
    if (s->ncp == s->capcp && LMKV_ARRAY_GROW(s->cp, s->capcp, s->capcp + 1, 8)) return;
    uint8_t *b = malloc(ops->len ? ops->len : 1);
    if (!b)
        return;
    if (ops->len)
        memcpy(b, ops->p, ops->len);
    s->cp[s->ncp++] = (struct cur_pending){ ws, fv, b, ops->len };
    s->cp_bytes += ops->len;
}

/* Append one copy (tree, key, value) to ops, in cur_ctx's add format. */
void lmkv_schema__store_cp_op(kbuf *ops, enum store_tree tr, const kbuf *k, const uint8_t *v, size_t vn)
{
    lmkv_schema__kb_u8(ops, (uint8_t)tr);
    lmkv_schema__kb_u32(ops, (uint32_t)k->len);
    lmkv_schema__kb_raw(ops, k->p, k->len);
    lmkv_schema__kb_u32(ops, (uint32_t)vn);
    lmkv_schema__kb_raw(ops, v, vn);
}

/* Apply ops: per copy tree(1) klen(4) key [vlen(4) value when adding]. */
static int cur_ops_apply(lmkv_store_session *s, const uint8_t *ops, size_t len, int add)
{
    int rc = LMKV_OK;
    for (size_t off = 0; rc == LMKV_OK && off < len;) {
        enum store_tree tr = (enum store_tree)ops[off];
        uint32_t kn = get_be32(ops + off + 1);
        const uint8_t *key = ops + off + 5;
        off += 5 + kn;
        if (add) {
            uint32_t vn = get_be32(ops + off);
            rc = lmkv_schema__sess_put(s, tr, key, kn, ops + off + 4, vn);
            off += 4 + vn;
        } else {
            rc = lmkv_schema__sess_del(s, tr, key, kn);
        }
    }
    return rc;
}

int lmkv_schema__store_cur_index(lmkv_store_session *s, uint64_t ws, uint64_t fv, int add)
{
    uint8_t pre[16];
    put_be64(pre, ws);
    put_be64(pre + 8, fv);
    int rc = LMKV_OK;
    struct cur_pending *kept = add ? cp_find(s, ws, fv) : NULL;
    if (kept) {
        /* put_file kept them: no read back of what it just wrote */
        rc = cur_ops_apply(s, kept->ops, kept->len, 1);
        lmkv_schema__store_cur_pending_drop(s, ws, fv);
        if (rc != LMKV_OK)
            s->poisoned = 1;
        return rc;
    }
    for (int pass = 0; pass < 2 && rc == LMKV_OK; pass++) {
        struct cur_ctx c = { ws, fv, pass == 0, add, { 0 }, { 0 } };
        lmkv_schema__kb_init(&c.ops);
        lmkv_schema__kb_init(&c.k);
        rc = lmkv_schema__st_scan(&s->view, pass == 0 ? T_CALL : T_REF, pre, 16, cur_collect_cb, &c);
        if (rc == LMKV_OK && !kb_ok(&c.ops))
            rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
        if (rc == LMKV_OK)
            rc = cur_ops_apply(s, c.ops.p, c.ops.len, add);
        lmkv_schema__kb_free(&c.ops);
        lmkv_schema__kb_free(&c.k);
    }
    if (rc != LMKV_OK)
        s->poisoned = 1;
    return rc;
}
