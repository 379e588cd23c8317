/*
 * store_records.c -- records of file versions: put_file (replace), removal,
 * and the indexed lookups (key layouts: schema/KEYS.md).
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

/* ================================================================ arena */

typedef struct enc { size_t off, len; } enc;
typedef struct arena { uint8_t *p; size_t len, cap; } arena;

static int arena_add(arena *a, enc *e, const uint8_t *buf, size_t len)
{
    if (len > SIZE_MAX - a->len || LMKV_ARRAY_GROW(a->p, a->cap, a->len + len, 4096))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory encoding records");
    memcpy(a->p + a->len, buf, len);
    e->off = a->len;
    e->len = len;
    a->len += len;
    return LMKV_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ================================================================ blob index */

const uint8_t lmkv_schema__fv_blob_marker[FV_BLOB_MARKER_LEN] = { 0 };

void lmkv_schema__fv_blob_key(kbuf *k, uint64_t ws, const char *blob, uint64_t fv)
{
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws);
    lmkv_schema__kb_esc(k, blob, strlen(blob));
    lmkv_schema__kb_u64(k, fv);
}

struct backfill { kbuf keys; size_t n; };

static int backfill_cb(void *ctx, const lmkv_pair *p)
{
    struct backfill *b = ctx;
    lmkv_file_version f;
    /* an unreadable record is left to lmkv_store_verify to report */
    if (p->key_size != 16 || lmkv_file_version_read(&f, p->value, p->value_size) != LMKV_OK ||
        !f.git_blob_id || !f.git_blob_id[0])
        return 0;
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__fv_blob_key(&k, get_be64(p->key), f.git_blob_id, get_be64(p->key + 8));
    lmkv_schema__kb_u32(&b->keys, (uint32_t)k.len);
    lmkv_schema__kb_raw(&b->keys, k.p, k.len);
    int ok = kb_ok(&k);
    lmkv_schema__kb_free(&k);
    b->n++;
    return ok ? 0 : lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
}

int lmkv_schema__store_fv_blob_backfill(lmkv_store_session *s)
{
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_raw(&k, lmkv_schema__fv_blob_marker, FV_BLOB_MARKER_LEN);
    lmkv_pair p;
    int rc = lmkv_schema__st_get(&p, &s->view, T_FV_BLOB, &k);
    lmkv_schema__kb_free(&k);
    if (rc != LMKV_NOTFOUND)
        return rc; /* LMKV_OK: the index is complete */
    struct backfill b;
    lmkv_schema__kb_init(&b.keys);
    b.n = 0;
    /* collect first: no writes while a cursor walks store.fv */
    rc = lmkv_schema__st_scan(&s->view, T_FV, "", 0, backfill_cb, &b);
    if (rc == LMKV_OK && !kb_ok(&b.keys))
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    for (size_t off = 0; rc == LMKV_OK && off < b.keys.len;) {
        uint32_t n = get_be32(b.keys.p + off);
        rc = lmkv_schema__sess_put(s, T_FV_BLOB, b.keys.p + off + 4, n, "", 0);
        off += 4 + (size_t)n;
    }
    if (rc == LMKV_OK)
        rc = lmkv_schema__sess_put(s, T_FV_BLOB, lmkv_schema__fv_blob_marker, FV_BLOB_MARKER_LEN, "", 0);
    if (rc != LMKV_OK)
        s->poisoned = 1;
    lmkv_schema__kb_free(&b.keys);
    return rc;
}

/* ================================================================ removal */

/* A list of (tree, key) to delete after a scan: tree(1) klen(4) key, and
 * with_vals: vlen(4) value (the bytes the key holds: the record for a
 * primary or a copy, empty for a name/id index entry), for put_file's diff
 * against a stored version (struct oldset). */
struct dels { kbuf b; size_t n; int with_vals; const void *last_v; size_t last_vn; };

/* vlen DELS_SAME: the value is the previous entry's with a value (a copy
 * of the primary just added: its bytes are held once) */
#define DELS_SAME UINT32_MAX

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

/* Callee/target name of a call/reference record (NULL if unreadable);
 * *from = the call's caller name (NULL for references or when absent). */
static const char *edge_names(int is_call, const lmkv_pair *p, const char **from)
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
    const char *name = edge_names(e->is_call, p, &from);
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
    const char *name = edge_names(c->is_call, p, &from);
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

static void store_cur_pending_drop(lmkv_store_session *s, uint64_t ws, uint64_t fv)
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
static void cp_keep(lmkv_store_session *s, uint64_t ws, uint64_t fv, const kbuf *ops)
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
static void cp_op(kbuf *ops, enum store_tree tr, const kbuf *k, const uint8_t *v, size_t vn)
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
        store_cur_pending_drop(s, ws, fv);
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
static int collect_records(lmkv_store_session *s, uint64_t ws, uint64_t fv, struct dels *d)
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
static int remove_records(lmkv_store_session *s, uint64_t ws, uint64_t fv, size_t *removed)
{
    store_cur_pending_drop(s, ws, fv);
    struct dels d;
    memset(&d, 0, sizeof d);
    lmkv_schema__kb_init(&d.b);
    int rc = collect_records(s, ws, fv, &d);
    if (rc == LMKV_OK)
        rc = dels_apply(s, &d, removed);
    lmkv_schema__kb_free(&d.b);
    return rc;
}

/* ---- put_file over a stored version: write only what differs ----
 *
 * The entries (tree, key, value) a stored version holds now, sorted by
 * (tree, key). put_file's writes go through os_put: a key held with the
 * same bytes is not written again (marked seen), any other is written;
 * os_finish then deletes the held keys put_file did not write. The result
 * is the same as removing the version and writing it anew, with no write
 * for what is byte-equal (no page dirtied, no index entry moved). */
struct oent { size_t koff, kn, voff, vn; uint8_t tr, seen; };
struct oldset { struct dels d; struct oent *v; size_t n; };

/* (tr, k) against entry b, whose key is at base + b->koff */
static int oent_cmp3(uint8_t tr, const uint8_t *k, size_t kn, const struct oent *b, const uint8_t *base)
{
    if (tr != b->tr)
        return tr < b->tr ? -1 : 1;
    size_t m = kn < b->kn ? kn : b->kn;
    int c = m ? memcmp(k, base + b->koff, m) : 0;
    if (c)
        return c;
    return kn < b->kn ? -1 : kn > b->kn;
}

/* qsort_r comparator (no shared state: sessions of other stores may put
 * files in other threads); base = the entries' buffer */
static int oent_cmp(const void *a, const void *b, void *base)
{
    const struct oent *x = a;
    return oent_cmp3(x->tr, (const uint8_t *)base + x->koff, x->kn, b, base);
}

static void os_free(struct oldset *o)
{
    lmkv_schema__kb_free(&o->d.b);
    free(o->v);
    memset(o, 0, sizeof *o);
}

/* Read the entries of (ws, fv) into o (empty when nothing is stored). */
static int os_load(lmkv_store_session *s, uint64_t ws, uint64_t fv, struct oldset *o)
{
    memset(o, 0, sizeof *o);
    lmkv_schema__kb_init(&o->d.b);
    o->d.with_vals = 1;
    int rc = collect_records(s, ws, fv, &o->d);
    if (rc != LMKV_OK)
        return rc;
    if (o->d.n && !(o->v = calloc(o->d.n, sizeof *o->v))) {
        s->poisoned = 1;
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    }
    const uint8_t *b = o->d.b.p;
    size_t last_voff = 0, last_vn = 0;
    for (size_t off = 0; off < o->d.b.len && o->n < o->d.n; o->n++) {
        struct oent *e = &o->v[o->n];
        e->tr = b[off];
        e->kn = get_be32(b + off + 1);
        e->koff = off + 5;
        off += 5 + e->kn;
        uint32_t vn = get_be32(b + off);
        off += 4;
        if (vn == DELS_SAME) {
            e->voff = last_voff;
            e->vn = last_vn;
            continue;
        }
        e->voff = off;
        e->vn = vn;
        off += vn;
        if (vn) {
            last_voff = e->voff;
            last_vn = vn;
        }
    }
    if (o->n > 1)
        qsort_r(o->v, o->n, sizeof *o->v, oent_cmp, (void *)b);
    return LMKV_OK;
}

static int os_put(lmkv_store_session *s, struct oldset *o, enum store_tree tr, const void *k, size_t kn,
                  const void *v, size_t vn)
{
    if (o && o->n) {
        size_t lo = 0, hi = o->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = oent_cmp3((uint8_t)tr, k, kn, &o->v[mid], o->d.b.p);
            if (c == 0) {
                struct oent *e = &o->v[mid];
                e->seen = 1;
                if (e->vn == vn && (vn == 0 || memcmp(o->d.b.p + e->voff, v, vn) == 0))
                    return LMKV_OK;
                break;
            }
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
    }
    return lmkv_schema__sess_put(s, tr, k, kn, v, vn);
}

/* Delete the stored entries put_file did not write again. */
static int os_finish(lmkv_store_session *s, struct oldset *o)
{
    int rc = LMKV_OK;
    for (size_t i = 0; i < o->n && rc == LMKV_OK; i++)
        if (!o->v[i].seen)
            rc = lmkv_schema__sess_del(s, (enum store_tree)o->v[i].tr, o->d.b.p + o->v[i].koff, o->v[i].kn);
    return rc;
}

int lmkv_store_remove_file(size_t *out_removed, lmkv_store_session *s,
                                    uint64_t ws, uint64_t fv)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    size_t removed = 0;
    char *path = NULL;
    size_t path_len = 0;
    kbuf k, bk;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_init(&bk);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u64(&k, fv);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, &s->view, T_FV, &k);
    if (rc == LMKV_NOTFOUND) {
        rc = lmkv_error_set(LMKV_NOTFOUND, "store: file version %016llx of workspace %016llx is not stored",
                            (unsigned long long)fv, (unsigned long long)ws);
        goto cleanup;
    }
    if (rc != LMKV_OK)
        goto cleanup;
    lmkv_file_version fvr;
    if (lmkv_file_version_read(&fvr, p.value, p.value_size) == LMKV_OK) {
        if (fvr.path) {
            path_len = strlen(fvr.path);
            path = malloc(path_len + 1);
            if (!path) {
                rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
                goto cleanup;
            }
            memcpy(path, fvr.path, path_len + 1);
        }
        if (fvr.git_blob_id && fvr.git_blob_id[0])
            lmkv_schema__fv_blob_key(&bk, ws, fvr.git_blob_id, fv); /* before any write moves fvr */
    }
    if ((rc = remove_records(s, ws, fv, &removed)) != LMKV_OK)
        goto cleanup;
    /* current map entry pointing at fv (via the reverse entry) */
    rc = lmkv_schema__st_get(&p, &s->view, T_CUR_FV, &k);
    if (rc == LMKV_OK) {
        kbuf ck;
        lmkv_schema__kb_init(&ck);
        lmkv_schema__kb_u64(&ck, ws);
        lmkv_schema__kb_raw(&ck, p.value, p.value_size);
        lmkv_pair cp;
        rc = lmkv_schema__st_get(&cp, &s->view, T_CUR, &ck);
        if (rc == LMKV_OK && cp.value_size >= 8 && get_be64(cp.value) == fv) {
            rc = lmkv_store_unset_current(s, ws, (const char *)ck.p + 8, ck.len - 8);
            removed += 2;
        } else if (rc == LMKV_OK || rc == LMKV_NOTFOUND) {
            rc = lmkv_schema__sess_del(s, T_CUR_FV, k.p, k.len);
            removed++;
        }
        lmkv_schema__kb_free(&ck);
        if (rc != LMKV_OK)
            goto cleanup;
    } else if (rc != LMKV_NOTFOUND) {
        goto cleanup;
    }
    /* latest mapping pointing at fv */
    if (path) {
        kbuf lk;
        lmkv_schema__kb_init(&lk);
        lmkv_schema__kb_u64(&lk, ws);
        lmkv_schema__kb_raw(&lk, path, path_len);
        rc = lmkv_schema__st_get(&p, &s->view, T_MAP_LATEST, &lk);
        if (rc == LMKV_OK && p.value_size == 8 && get_be64(p.value) == fv) {
            rc = lmkv_schema__sess_del(s, T_MAP_LATEST, lk.p, lk.len);
            removed++;
        } else if (rc == LMKV_NOTFOUND || rc == LMKV_OK) {
            rc = LMKV_OK;
        }
        lmkv_schema__kb_free(&lk);
        if (rc != LMKV_OK)
            goto cleanup;
    }
    /* LSP cache entries computed for this content (content version = fv) */
    if (path) {
        size_t nc = 0;
        if ((rc = lmkv_schema__cache_remove_version(&nc, &s->view, ws, path, path_len, fv)) != LMKV_OK) {
            s->poisoned = 1;
            goto cleanup;
        }
        removed += nc;
        s->pending += nc;
    }
    /* the content index entry */
    if (bk.len) {
        if (!kb_ok(&bk)) {
            rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
            s->poisoned = 1;
            goto cleanup;
        }
        size_t before = s->pending;
        if ((rc = lmkv_schema__sess_del(s, T_FV_BLOB, bk.p, bk.len)) != LMKV_OK)
            goto cleanup;
        removed += s->pending - before;
    }
    rc = lmkv_schema__sess_del(s, T_FV, k.p, k.len);
    removed++;
    if (rc == LMKV_OK && out_removed)
        *out_removed = removed;
cleanup:
    free(path);
    lmkv_schema__kb_free(&k);
    lmkv_schema__kb_free(&bk);
    return rc;
}

/* ================================================================ put_file */

/* Write the i-th call or reference of file version fv (its encoded record
 * val/vlen; `from` the caller/source symbol id, `to` the callee/target name):
 * the record under tr_rec (ws, fv, from, i), the by-name index entry under
 * tr_to (ws, esc(to), fv, from, i), and the record's current copy under
 * tr_cur_to (ws, esc(to), fv, i): written when fv is current, else appended
 * to keep for set_current (cp_keep). Writes go through os_put (o: what
 * the version holds before this put). k is scratch space. */
static int put_edge(lmkv_store_session *s, struct oldset *o, kbuf *k, uint64_t ws, uint64_t fv, uint32_t i,
                    uint64_t from, const char *to, int is_cur, kbuf *keep, const uint8_t *val, size_t vlen,
                    enum store_tree tr_rec, enum store_tree tr_to, enum store_tree tr_cur_to)
{
    int rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u64(k, from); lmkv_schema__kb_u32(k, i);
    if ((rc = os_put(s, o, tr_rec, k->p, k->len, val, vlen)) != LMKV_OK)
        return rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_esc(k, to, strlen(to)); lmkv_schema__kb_u64(k, fv);
    size_t base = k->len;
    lmkv_schema__kb_u64(k, from); lmkv_schema__kb_u32(k, i);
    if (!kb_ok(k))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    if ((rc = os_put(s, o, tr_to, k->p, k->len, "", 0)) != LMKV_OK)
        return rc;
    k->len = base;
    lmkv_schema__kb_u32(k, i);
    if (is_cur)
        return os_put(s, o, tr_cur_to, k->p, k->len, val, vlen);
    cp_op(keep, tr_cur_to, k, val, vlen);
    return LMKV_OK;
}

/* Check the records (names present, ids non-zero and unique): nothing is
 * written, and the error names the record. */
static int put_check(const char *path, const lmkv_store_file_records *R)
{
    for (size_t i = 0; i < R->n_symbols; i++)
        if (!R->symbols[i].name || R->symbols[i].id == 0)
            return lmkv_error_set(LMKV_EINVAL, "lmkv_store_put_file: '%s': symbol %zu has no name or id 0", path, i);
    for (size_t i = 0; i < R->n_calls; i++)
        if (!R->calls[i].callee_name)
            return lmkv_error_set(LMKV_EINVAL, "lmkv_store_put_file: '%s': call %zu has no callee name", path, i);
    for (size_t i = 0; i < R->n_references; i++)
        if (!R->references[i].target_name)
            return lmkv_error_set(LMKV_EINVAL, "lmkv_store_put_file: '%s': reference %zu has no target name", path, i);
    size_t nsym = R->n_symbols;
    if (!nsym)
        return LMKV_OK;
    uint64_t *ids = malloc(nsym * sizeof *ids);
    if (!ids)
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    for (size_t i = 0; i < nsym; i++)
        ids[i] = R->symbols[i].id;
    qsort(ids, nsym, sizeof *ids, cmp_u64);
    int rc = LMKV_OK;
    for (size_t i = 1; i < nsym && rc == LMKV_OK; i++)
        if (ids[i] == ids[i - 1])
            rc = lmkv_error_set(LMKV_EINVAL, "lmkv_store_put_file: '%s': symbol id %016llx appears twice",
                                path, (unsigned long long)ids[i]);
    free(ids);
    return rc;
}

/* Encode the FileVersion then every record (symbols, calls, references,
 * hierarchy: that order) into a, e[i] naming the i-th; *ei = the number
 * encoded (on error: the index of the record that failed). */
static int put_encode(lmkv_store_session *s, const lmkv_file_version *F, const lmkv_store_file_records *R,
                      arena *a, enc *e, size_t *ei)
{
    const uint64_t ws = F->workspace_id, fv = F->id;
    const char *path = F->path;
    const uint8_t *buf;
    size_t len;
    int rc;
    *ei = 0;
    if ((rc = lmkv_file_version_build(s->fbb, F, &buf, &len)) != LMKV_OK ||
        (rc = arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
        return rc;
    for (size_t i = 0; i < R->n_symbols; i++) {
        lmkv_symbol r = R->symbols[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        r.file_path = path;
        if ((rc = lmkv_symbol_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
            return rc;
    }
    for (size_t i = 0; i < R->n_calls; i++) {
        lmkv_call r = R->calls[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        r.file_path = path;
        if ((rc = lmkv_call_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
            return rc;
    }
    for (size_t i = 0; i < R->n_references; i++) {
        lmkv_reference r = R->references[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        r.file_path = path;
        if ((rc = lmkv_reference_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
            return rc;
    }
    for (size_t i = 0; i < R->n_hierarchy; i++) {
        lmkv_hierarchy r = R->hierarchy[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        if ((rc = lmkv_hierarchy_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
            return rc;
    }
    return LMKV_OK;
}

/* Write symbol r (its encoded record val/vlen) of fv: the record and its
 * name, qualified-name and id index entries, through os_put. */
static int put_symbol(lmkv_store_session *s, struct oldset *o, kbuf *k, uint64_t ws, uint64_t fv,
                      const lmkv_symbol *r, const uint8_t *val, size_t vlen)
{
    int rc;
    const char *q = r->qualified_name ? r->qualified_name : r->name;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u64(k, r->id);
    if ((rc = os_put(s, o, T_SYM, k->p, k->len, val, vlen)) != LMKV_OK)
        return rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_esc(k, r->name, strlen(r->name)); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u64(k, r->id);
    if (!kb_ok(k))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    if ((rc = os_put(s, o, T_SYM_NAME, k->p, k->len, "", 0)) != LMKV_OK)
        return rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_esc(k, q, strlen(q)); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u64(k, r->id);
    if (!kb_ok(k))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    if ((rc = os_put(s, o, T_SYM_QNAME, k->p, k->len, "", 0)) != LMKV_OK)
        return rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_u64(k, r->id); lmkv_schema__kb_u64(k, fv);
    return os_put(s, o, T_SYM_ID, k->p, k->len, "", 0);
}

/* The current copy by caller name of the i-th call of fv (store.cur_call_from,
 * ws E(caller) fv i): written when fv is current, else appended to keep. */
static int put_call_from(lmkv_store_session *s, struct oldset *o, kbuf *k, uint64_t ws, uint64_t fv, uint32_t i,
                         const char *caller, int is_cur, kbuf *keep, const uint8_t *val, size_t vlen)
{
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_esc(k, caller, strlen(caller)); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u32(k, i);
    if (!kb_ok(k))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    if (!is_cur) {
        cp_op(keep, T_CUR_CALL_FROM, k, val, vlen);
        return LMKV_OK;
    }
    return os_put(s, o, T_CUR_CALL_FROM, k->p, k->len, val, vlen);
}

/* Write the i-th hierarchy edge r of fv (encoded val/vlen): the record and
 * its copies by parent and by child, through os_put. */
static int put_hier(lmkv_store_session *s, struct oldset *o, kbuf *k, uint64_t ws, uint64_t fv, uint32_t i,
                    const lmkv_hierarchy *r, const uint8_t *val, size_t vlen)
{
    int rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u32(k, i);
    if ((rc = os_put(s, o, T_HIER, k->p, k->len, val, vlen)) != LMKV_OK)
        return rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_u64(k, r->parent_id); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u32(k, i);
    if ((rc = os_put(s, o, T_HIER_PARENT, k->p, k->len, val, vlen)) != LMKV_OK)
        return rc;
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws); lmkv_schema__kb_u64(k, r->child_id); lmkv_schema__kb_u64(k, fv); lmkv_schema__kb_u32(k, i);
    return os_put(s, o, T_HIER_CHILD, k->p, k->len, val, vlen);
}

int lmkv_store_put_file(lmkv_store_session *s,
                                 const lmkv_file_version *file_version,
                                 const lmkv_store_file_records *records)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    static const lmkv_store_file_records none;
    const lmkv_store_file_records *R = records ? records : &none;
    const lmkv_file_version *F = file_version;
    if (!F || F->id == 0 || F->workspace_id == 0 || !F->path || !F->path[0])
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_put_file: NULL file version, id 0, workspace 0 or empty path");
    if ((R->n_symbols && !R->symbols) || (R->n_calls && !R->calls) ||
        (R->n_references && !R->references) || (R->n_hierarchy && !R->hierarchy))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_put_file: '%s': NULL array with a non-zero count", F->path);
    if (R->n_symbols > UINT32_MAX || R->n_calls > UINT32_MAX || R->n_references > UINT32_MAX ||
        R->n_hierarchy > UINT32_MAX)
        return lmkv_error_set(LMKV_ETOOBIG, "lmkv_store_put_file: '%s': more than 2^32 records of one type", F->path);
    const uint64_t ws = F->workspace_id, fv = F->id;
    const char *path = F->path;
    size_t nsym = R->n_symbols, ncall = R->n_calls, nref = R->n_references, nhier = R->n_hierarchy;
    size_t total = 1 + nsym + ncall + nref + nhier;
    arena a = { 0 };
    enc *e = NULL;
    int stage = 0; /* 0 checking, 1 encoding, 2 writing (errors poison) */
    kbuf k, obk, keep; /* keep: the current copies, when fv is not current yet */
    struct oldset old; /* what a stored fv holds before this put */
    memset(&old, 0, sizeof old);
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_init(&obk);
    lmkv_schema__kb_init(&keep);

    /* ---- phase 1: check and encode everything; nothing written yet */
    size_t ei = 0;
    if ((rc = put_check(path, R)) != LMKV_OK)
        goto cleanup;
    e = malloc(total * sizeof *e);
    if (!e) {
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
        goto cleanup;
    }
    stage = 1;
    if ((rc = put_encode(s, F, R, &a, e, &ei)) != LMKV_OK)
        goto cleanup;

    /* ---- phase 2: write. From here any error poisons the session. */
    stage = 2;
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u64(&k, fv);
    lmkv_pair p;
    int fv_same = 0, blob_kept = 0;
    rc = lmkv_schema__st_get(&p, &s->view, T_FV, &k);
    if (rc == LMKV_OK) {
        /* a replaced record with another content: its store.fv_blob entry
         * goes (key built before the first write moves the old record) */
        lmkv_file_version ofv;
        fv_same = p.value_size == e[0].len && memcmp(p.value, a.p + e[0].off, e[0].len) == 0;
        if (lmkv_file_version_read(&ofv, p.value, p.value_size) == LMKV_OK && ofv.git_blob_id &&
            ofv.git_blob_id[0]) {
            if (!F->git_blob_id || strcmp(ofv.git_blob_id, F->git_blob_id) != 0)
                lmkv_schema__fv_blob_key(&obk, ws, ofv.git_blob_id, fv);
            else
                blob_kept = 1;
        }
        /* a version stored before: only what differs is written (os_put) */
        store_cur_pending_drop(s, ws, fv);
        rc = os_load(s, ws, fv, &old);
    } else if (rc == LMKV_NOTFOUND) {
        rc = LMKV_OK;
    }
    if (rc != LMKV_OK)
        goto cleanup;
    /* a current file version also gets the current copies of its calls/refs */
    int is_cur = lmkv_schema__store_fv_current(&s->view, ws, fv);
    if (is_cur < 0) {
        rc = is_cur;
        goto cleanup;
    }
    ei = 0;
    if (!fv_same && (rc = lmkv_schema__sess_put(s, T_FV, k.p, k.len, a.p + e[ei].off, e[ei].len)) != LMKV_OK)
        goto cleanup;
    ei++;
    if (obk.len && !kb_ok(&obk)) {
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
        goto cleanup;
    }
    if (obk.len && (rc = lmkv_schema__sess_del(s, T_FV_BLOB, obk.p, obk.len)) != LMKV_OK)
        goto cleanup;
    if (F->git_blob_id && F->git_blob_id[0] && !blob_kept) {
        kbuf bk;
        lmkv_schema__kb_init(&bk);
        lmkv_schema__fv_blob_key(&bk, ws, F->git_blob_id, fv);
        rc = kb_ok(&bk) ? lmkv_schema__sess_put(s, T_FV_BLOB, bk.p, bk.len, "", 0)
                        : lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
        lmkv_schema__kb_free(&bk);
        if (rc != LMKV_OK)
            goto cleanup;
    }
    for (size_t i = 0; i < nsym; i++, ei++)
        if ((rc = put_symbol(s, &old, &k, ws, fv, &R->symbols[i], a.p + e[ei].off, e[ei].len)) != LMKV_OK)
            goto cleanup;
    for (size_t i = 0; i < ncall; i++, ei++) {
        const lmkv_call *r = &R->calls[i];
        if ((rc = put_edge(s, &old, &k, ws, fv, (uint32_t)i, r->caller_id, r->callee_name, is_cur, &keep,
                           a.p + e[ei].off, e[ei].len, T_CALL, T_CALL_TO, T_CUR_CALL_TO)) != LMKV_OK)
            goto cleanup;
        if (r->caller_name &&
            (rc = put_call_from(s, &old, &k, ws, fv, (uint32_t)i, r->caller_name, is_cur, &keep, a.p + e[ei].off,
                                e[ei].len)) != LMKV_OK)
            goto cleanup;
    }
    for (size_t i = 0; i < nref; i++, ei++) {
        const lmkv_reference *r = &R->references[i];
        if ((rc = put_edge(s, &old, &k, ws, fv, (uint32_t)i, r->source_id, r->target_name, is_cur, &keep,
                           a.p + e[ei].off, e[ei].len, T_REF, T_REF_TO, T_CUR_REF_TO)) != LMKV_OK)
            goto cleanup;
    }
    if (!is_cur)
        cp_keep(s, ws, fv, &keep);
    for (size_t i = 0; i < nhier; i++, ei++)
        if ((rc = put_hier(s, &old, &k, ws, fv, (uint32_t)i, &R->hierarchy[i], a.p + e[ei].off, e[ei].len)) !=
            LMKV_OK)
            goto cleanup;
    if ((rc = os_finish(s, &old)) != LMKV_OK)
        goto cleanup;
    rc = LMKV_OK;
cleanup:
    if (stage == 1 && rc != LMKV_OK)
        rc = lmkv_error_wrap(rc, "lmkv_store_put_file: '%s': record %zu cannot be encoded", path, ei);
    if (stage == 2 && rc == LMKV_OK && !kb_ok(&k))
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    if (stage == 2 && rc != LMKV_OK) {
        s->poisoned = 1;
        rc = lmkv_error_wrap(rc, "lmkv_store_put_file: '%s' (session poisoned: nothing of it will commit)", path);
    }
    lmkv_schema__kb_free(&k);
    lmkv_schema__kb_free(&obk);
    lmkv_schema__kb_free(&keep);
    os_free(&old);
    free(a.p);
    free(e);
    return rc;
}

/* ================================================================ copy_file */

/* Raw records of one file version, copied out of the txn (a write of the
 * session may move what a scan returned); ord = the key's trailing u32. */
struct raw_rec { size_t off, len; uint32_t ord; };
struct raw_set { arena *a; struct raw_rec *v; size_t n, cap; int with_ord; };

static int raw_collect_cb(void *ctx, const lmkv_pair *p)
{
    struct raw_set *r = ctx;
    if (r->n == r->cap && LMKV_ARRAY_GROW(r->v, r->cap, r->cap + 1, 64))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    enc e;
    int rc = arena_add(r->a, &e, p->value, p->value_size);
    if (rc != LMKV_OK)
        return rc;
    struct raw_rec *x = &r->v[r->n++];
    x->off = e.off;
    x->len = e.len;
    x->ord = r->with_ord && p->key_size >= 4 ? get_be32(p->key + p->key_size - 4) : 0;
    return 0;
}

/* Records put in order: slot[ord] = index into r->v; every ord 0..n-1 once. */
static int raw_by_ord(size_t **out, const struct raw_set *r, enum store_tree tr, uint64_t fv)
{
    size_t *slot = malloc((r->n ? r->n : 1) * sizeof *slot);
    if (!slot)
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    for (size_t i = 0; i < r->n; i++)
        slot[i] = SIZE_MAX;
    for (size_t i = 0; i < r->n; i++) {
        uint32_t o = r->v[i].ord;
        if (o >= r->n || slot[o] != SIZE_MAX) {
            free(slot);
            return lmkv_error_set(LMKV_ECORRUPT, "store: tree '%s': the ordinals of file version %016llx "
                                  "are not 0..%zu (ordinal %u)", lmkv_schema__store_tree_names[tr],
                                  (unsigned long long)fv, r->n - 1, o);
        }
        slot[o] = i;
    }
    *out = slot;
    return LMKV_OK;
}

struct idmap { uint64_t from, to; };
static int idmap_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct idmap *)a)->from, y = ((const struct idmap *)b)->from;
    return x < y ? -1 : x > y;
}
/* The new id of a symbol of the source version; any other id as it is. */
static uint64_t idmap_get(const struct idmap *m, size_t n, uint64_t id)
{
    if (!id || !n)
        return id;
    struct idmap key = { id, 0 };
    const struct idmap *e = bsearch(&key, m, n, sizeof *m, idmap_cmp);
    return e ? e->to : id;
}

/* copy_file: read the source's symbols (raw rs) into syms with ids for
 * `path`, map[i] = old id -> new id (unsorted), *nmods = the modifier
 * slots they need; *bad = the first symbol whose id is not
 * lmkv_symbol_id() of the source's path. */
static int copy_syms(lmkv_symbol *syms, struct idmap *map, size_t *nmods, const char **bad, const arena *a,
                     const struct raw_set *rs, uint64_t ws, const char *src_path, const char *path,
                     uint64_t srclfv, int64_t indexed_ns)
{
    int rc = LMKV_OK;
    for (size_t i = 0; i < rs->n; i++) {
        lmkv_symbol *y = &syms[i];
        if ((rc = lmkv_symbol_read(y, a->p + rs->v[i].off, rs->v[i].len)) != LMKV_OK || !y->name) {
            rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_store_copy_file: a Symbol of %016llx fails verification",
                                (unsigned long long)srclfv);
            return rc;
        }
        const char *q = y->qualified_name ? y->qualified_name : y->name;
        uint64_t old_id, new_id;
        if ((rc = lmkv_symbol_id(&old_id, ws, src_path, q, (int)y->kind, y->disambiguator)) != LMKV_OK ||
            (rc = lmkv_symbol_id(&new_id, ws, path, q, (int)y->kind, y->disambiguator)) != LMKV_OK)
            return rc;
        if (old_id != y->id && !*bad)
            *bad = q;
        map[i].from = y->id;
        map[i].to = new_id;
        y->id = new_id;
        y->indexed_ns = indexed_ns;
        *nmods += lmkv_strvec_present(&y->modifiers) ? y->modifiers.count + 1u : 0u;
    }
    return rc;
}

/* copy_file: read the source's calls (raw rcl, in ord order oc) into
 * calls, their symbol ids mapped and ids recomputed for dst_fv; *bad = the
 * callee of the first call whose id is not lmkv_call_id() of the source. */
static int copy_calls(lmkv_call *calls, const char **bad, const arena *a, const struct raw_set *rcl,
                      const size_t *oc, const struct idmap *map, size_t nmap, uint64_t srclfv, uint64_t dst_fv)
{
    int rc = LMKV_OK;
    for (size_t i = 0; i < rcl->n && !*bad; i++) {
        const struct raw_rec *x = &rcl->v[oc[i]];
        lmkv_call *c = &calls[i];
        uint64_t old_id;
        if ((rc = lmkv_call_read(c, a->p + x->off, x->len)) != LMKV_OK) {
            rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_store_copy_file: a Call of %016llx fails verification",
                                (unsigned long long)srclfv);
            return rc;
        }
        if ((rc = lmkv_call_id(&old_id, srclfv, c->caller_id, c->callee_id, c->line, c->column)) != LMKV_OK)
            return rc;
        if (old_id != c->id) {
            *bad = c->callee_name ? c->callee_name : "?";
            break;
        }
        c->caller_id = idmap_get(map, nmap, c->caller_id);
        c->callee_id = idmap_get(map, nmap, c->callee_id);
        if ((rc = lmkv_call_id(&c->id, dst_fv, c->caller_id, c->callee_id, c->line, c->column)) != LMKV_OK)
            return rc;
    }
    return rc;
}

/* copy_file: the same for the references (raw rr, in ord order orf). */
static int copy_refs(lmkv_reference *refs, const char **bad, const arena *a, const struct raw_set *rr,
                     const size_t *orf, const struct idmap *map, size_t nmap, uint64_t srclfv, uint64_t dst_fv)
{
    int rc = LMKV_OK;
    for (size_t i = 0; i < rr->n && !*bad; i++) {
        const struct raw_rec *x = &rr->v[orf[i]];
        lmkv_reference *r = &refs[i];
        uint64_t old_id;
        if ((rc = lmkv_reference_read(r, a->p + x->off, x->len)) != LMKV_OK) {
            rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_store_copy_file: a Reference of %016llx fails verification",
                                (unsigned long long)srclfv);
            return rc;
        }
        if ((rc = lmkv_reference_id(&old_id, srclfv, r->source_id, r->target_id, (int)r->kind,
                                    r->start_line, r->start_column)) != LMKV_OK)
            return rc;
        if (old_id != r->id) {
            *bad = r->target_name ? r->target_name : "?";
            break;
        }
        r->source_id = idmap_get(map, nmap, r->source_id);
        r->target_id = idmap_get(map, nmap, r->target_id);
        if ((rc = lmkv_reference_id(&r->id, dst_fv, r->source_id, r->target_id, (int)r->kind,
                                    r->start_line, r->start_column)) != LMKV_OK)
            return rc;
    }
    return rc;
}

/* copy_file: the hierarchy edges (raw rh, in ord order oh), ids mapped. */
static int copy_hier(lmkv_hierarchy *hier, const arena *a, const struct raw_set *rh, const size_t *oh,
                     const struct idmap *map, size_t nmap, uint64_t srclfv)
{
    int rc = LMKV_OK;
    for (size_t i = 0; i < rh->n; i++) {
        const struct raw_rec *x = &rh->v[oh[i]];
        lmkv_hierarchy *h = &hier[i];
        if ((rc = lmkv_hierarchy_read(h, a->p + x->off, x->len)) != LMKV_OK) {
            rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_store_copy_file: a Hierarchy edge of %016llx fails "
                                "verification", (unsigned long long)srclfv);
            return rc;
        }
        h->parent_id = idmap_get(map, nmap, h->parent_id);
        h->child_id = idmap_get(map, nmap, h->child_id);
    }

    return rc;
}

int lmkv_store_copy_file(lmkv_store_session *s, const lmkv_file_version *dst,
                                  uint64_t srclfv)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if (!dst || dst->id == 0 || dst->workspace_id == 0 || !dst->path || !dst->path[0] || srclfv == 0)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_copy_file: NULL file version, id 0, workspace 0, "
                              "empty path or source 0");
    if (dst->id == srclfv)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_copy_file: '%s': source and copy are the same "
                              "file version %016llx", dst->path, (unsigned long long)srclfv);
    const uint64_t ws = dst->workspace_id;
    const char *path = dst->path;
    arena a = { 0 };
    struct raw_set rs = { &a, NULL, 0, 0, 0 }, rcl = { &a, NULL, 0, 0, 1 },
                   rr = { &a, NULL, 0, 0, 1 }, rh = { &a, NULL, 0, 0, 1 };
    size_t *oc = NULL, *orf = NULL, *oh = NULL;
    lmkv_symbol *syms = NULL;
    lmkv_call *calls = NULL;
    lmkv_reference *refs = NULL;
    lmkv_hierarchy *hier = NULL;
    struct idmap *map = NULL;
    const char **mods = NULL;
    size_t nmods = 0;
    enc fe;
    kbuf k;
    lmkv_schema__kb_init(&k);

    /* ---- read: the source's FileVersion and records, copied out */
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u64(&k, srclfv);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, &s->view, T_FV, &k);
    if (rc == LMKV_NOTFOUND) {
        rc = lmkv_error_set(LMKV_NOTFOUND, "lmkv_store_copy_file: '%s': source file version %016llx of "
                            "workspace %016llx is not stored", path, (unsigned long long)srclfv,
                            (unsigned long long)ws);
        goto cleanup;
    }
    if (rc != LMKV_OK || (rc = arena_add(&a, &fe, p.value, p.value_size)) != LMKV_OK)
        goto cleanup;
    uint8_t pre[16];
    put_be64(pre, ws);
    put_be64(pre + 8, srclfv);
    if ((rc = lmkv_schema__st_scan(&s->view, T_SYM, pre, 16, raw_collect_cb, &rs)) != LMKV_OK ||
        (rc = lmkv_schema__st_scan(&s->view, T_CALL, pre, 16, raw_collect_cb, &rcl)) != LMKV_OK ||
        (rc = lmkv_schema__st_scan(&s->view, T_REF, pre, 16, raw_collect_cb, &rr)) != LMKV_OK ||
        (rc = lmkv_schema__st_scan(&s->view, T_HIER, pre, 16, raw_collect_cb, &rh)) != LMKV_OK)
        goto cleanup;
    if ((rc = raw_by_ord(&oc, &rcl, T_CALL, srclfv)) != LMKV_OK ||
        (rc = raw_by_ord(&orf, &rr, T_REF, srclfv)) != LMKV_OK ||
        (rc = raw_by_ord(&oh, &rh, T_HIER, srclfv)) != LMKV_OK)
        goto cleanup;

    /* ---- check and re-path (the arena no longer moves: records point into it) */
    lmkv_file_version src;
    if ((rc = lmkv_file_version_read(&src, a.p + fe.off, fe.len)) != LMKV_OK) {
        rc = lmkv_schema__store_err_key(rc, T_FV, k.p, k.len, "bad FileVersion record");
        goto cleanup;
    }
    if (!src.path || !src.path[0] || !src.git_blob_id || !src.git_blob_id[0]) {
        rc = lmkv_error_set(LMKV_EINVAL, "lmkv_store_copy_file: '%s': source %016llx has no path or no git "
                            "blob id, so its content is unknown", path, (unsigned long long)srclfv);
        goto cleanup;
    }
    uint64_t want;
    if ((rc = lmkv_file_version_id(&want, ws, path, src.git_blob_id)) != LMKV_OK)
        goto cleanup;
    if (want != dst->id) {
        rc = lmkv_error_set(LMKV_EINVAL, "lmkv_store_copy_file: '%s': id %016llx is not the file version id "
                            "of this path and the source's blob %s (%016llx)", path,
                            (unsigned long long)dst->id, src.git_blob_id, (unsigned long long)want);
        goto cleanup;
    }
    if ((rs.n && (!(syms = calloc(rs.n, sizeof *syms)) || !(map = calloc(rs.n, sizeof *map)))) ||
        (rcl.n && !(calls = calloc(rcl.n, sizeof *calls))) ||
        (rr.n && !(refs = calloc(rr.n, sizeof *refs))) ||
        (rh.n && !(hier = calloc(rh.n, sizeof *hier)))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
        goto cleanup;
    }
    const char *bad = NULL; /* the record whose id is not derived as lmkv_*_id */
    if ((rc = copy_syms(syms, map, &nmods, &bad, &a, &rs, ws, src.path, path, srclfv, dst->indexed_ns)) != LMKV_OK)
        goto cleanup;
    if (bad) {
        rc = lmkv_error_set(LMKV_EINVAL, "lmkv_store_copy_file: '%s': symbol '%s' of %016llx has an id that is "
                            "not lmkv_symbol_id() of its path, so it cannot move to another path", path, bad,
                            (unsigned long long)srclfv);
        goto cleanup;
    }
    if (rs.n)
        qsort(map, rs.n, sizeof *map, idmap_cmp);
    /* read string vectors become built ones (the builder takes items[]) */
    if (nmods && !(mods = calloc(nmods, sizeof *mods))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
        goto cleanup;
    }
    for (size_t i = 0, m = 0; i < rs.n; i++) {
        lmkv_symbol *y = &syms[i];
        y->parent_id = idmap_get(map, rs.n, y->parent_id);
        if (!lmkv_strvec_present(&y->modifiers))
            continue;
        const char **items = mods + m;
        for (uint32_t j = 0; j < y->modifiers.count; j++)
            items[j] = lmkv_strvec_get(&y->modifiers, j);
        m += y->modifiers.count + 1u;
        y->modifiers.items = items;
        y->modifiers.fb_ = NULL;
    }
    if ((rc = copy_calls(calls, &bad, &a, &rcl, oc, map, rs.n, srclfv, dst->id)) != LMKV_OK ||
        (!bad && (rc = copy_refs(refs, &bad, &a, &rr, orf, map, rs.n, srclfv, dst->id)) != LMKV_OK))
        goto cleanup;
    if (bad) {
        rc = lmkv_error_set(LMKV_EINVAL, "lmkv_store_copy_file: '%s': a call or reference to '%s' in %016llx has "
                            "an id that is not lmkv_call_id()/lmkv_reference_id() of its file version, so it "
                            "cannot move to another path", path, bad, (unsigned long long)srclfv);
        goto cleanup;
    }
    if ((rc = copy_hier(hier, &a, &rh, oh, map, rs.n, srclfv)) != LMKV_OK)
        goto cleanup;

    /* ---- write, as put_file of what analysing `path` gives */
    lmkv_file_version f = src;
    f.id = dst->id;
    f.path = path;
    f.mtime_ns = dst->mtime_ns;
    f.indexed_ns = dst->indexed_ns;
    lmkv_store_file_records recs = {
        .symbols = syms, .n_symbols = rs.n,
        .references = refs, .n_references = rr.n,
        .calls = calls, .n_calls = rcl.n,
        .hierarchy = hier, .n_hierarchy = rh.n,
    };
    rc = lmkv_store_put_file(s, &f, &recs);
cleanup:
    lmkv_schema__kb_free(&k);
    free(a.p);
    free(rs.v); free(rcl.v); free(rr.v); free(rh.v);
    free(oc); free(orf); free(oh);
    free(syms); free(calls); free(refs); free(hier);
    free(map);
    free(mods);
    return rc;
}

/* ================================================================ lookups */

int lmkv_store_file_version_get(lmkv_file_version *out, lmkv_store_txn *t,
                                         uint64_t ws, uint64_t fv)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_file_version_get: NULL out");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u64(&k, fv);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, t, T_FV, &k);
    if (rc == LMKV_OK && (rc = lmkv_file_version_read(out, p.value, p.value_size)) != LMKV_OK)
        rc = lmkv_schema__store_err_key(rc, T_FV, k.p, k.len, "bad FileVersion record");
    return rc;
}

struct fv_each { lmkv_store_file_version_fn fn; void *ctx; };
static int fv_each_cb(void *ctx, const lmkv_pair *p)
{
    struct fv_each *f = ctx;
    lmkv_file_version r;
    int rc = lmkv_file_version_read(&r, p->value, p->value_size);
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_FV, p->key, p->key_size, "bad FileVersion record");
    return f->fn(f->ctx, &r);
}

int lmkv_store_file_versions(lmkv_store_txn *t, uint64_t ws,
                                      lmkv_store_file_version_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_file_versions: NULL callback");
    uint8_t pre[8];
    put_be64(pre, ws);
    struct fv_each f = { fn, ctx };
    return lmkv_schema__st_scan(t, T_FV, pre, 8, fv_each_cb, &f);
}

struct by_blob { lmkv_store_txn *t; size_t key_len; const char *blob; lmkv_store_file_version_fn fn; void *ctx; };
static int by_blob_cb(void *ctx, const lmkv_pair *p)
{
    struct by_blob *b = ctx;
    if (p->key_size != b->key_len)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_FV_BLOB, p->key, p->key_size, "key is not ws E(blob) fv");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_raw(&k, p->key, 8);
    lmkv_schema__kb_raw(&k, p->key + p->key_size - 8, 8);
    lmkv_pair fp;
    lmkv_file_version r;
    int rc = lmkv_schema__st_get(&fp, b->t, T_FV, &k);
    lmkv_schema__kb_free(&k);
    if (rc == LMKV_NOTFOUND)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_FV_BLOB, p->key, p->key_size, "index entry without its FileVersion");
    if (rc != LMKV_OK)
        return rc;
    if ((rc = lmkv_file_version_read(&r, fp.value, fp.value_size)) != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_FV_BLOB, p->key, p->key_size, "its FileVersion record fails verification");
    if (!r.git_blob_id || strcmp(r.git_blob_id, b->blob) != 0)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_FV_BLOB, p->key, p->key_size,
                             "stale index entry: the FileVersion has another blob id");
    return b->fn(b->ctx, &r);
}

int lmkv_store_file_versions_by_blob(lmkv_store_txn *t, uint64_t ws, const char *git_blob_id,
                                              lmkv_store_file_version_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn || !git_blob_id || !git_blob_id[0])
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_file_versions_by_blob: NULL callback or empty blob id");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_esc(&k, git_blob_id, strlen(git_blob_id));
    if (!kb_ok(&k)) {
        lmkv_schema__kb_free(&k);
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    }
    struct by_blob b = { t, k.len + 8, git_blob_id, fn, ctx };
    rc = lmkv_schema__st_scan(t, T_FV_BLOB, k.p, k.len, by_blob_cb, &b);
    lmkv_schema__kb_free(&k);
    return rc;
}

/* ---- generic record visitor over a tree whose value is the record ---- */

enum fv_at { FV_AT_8, FV_AT_16, FV_AT_END12 };

struct rec_scan {
    lmkv_store_txn *t;
    uint64_t ws;
    unsigned flags;
    enum store_tree tr;
    enum fv_at fv_at;
    lmkv_record_type type;
    void *fn;
    void *ctx;
};

static int deliver(struct rec_scan *r, const lmkv_pair *p)
{
    int rc;
    switch (r->type) {
    case LMKV_REC_CALL: {
        lmkv_call c;
        if ((rc = lmkv_call_read(&c, p->value, p->value_size)) != LMKV_OK)
            break;
        return ((lmkv_store_call_fn)r->fn)(r->ctx, &c);
    }
    case LMKV_REC_REFERENCE: {
        lmkv_reference c;
        if ((rc = lmkv_reference_read(&c, p->value, p->value_size)) != LMKV_OK)
            break;
        return ((lmkv_store_reference_fn)r->fn)(r->ctx, &c);
    }
    case LMKV_REC_HIERARCHY: {
        lmkv_hierarchy c;
        if ((rc = lmkv_hierarchy_read(&c, p->value, p->value_size)) != LMKV_OK)
            break;
        return ((lmkv_store_hierarchy_fn)r->fn)(r->ctx, &c);
    }
    case LMKV_REC_SYMBOL: {
        lmkv_symbol c;
        if ((rc = lmkv_symbol_read(&c, p->value, p->value_size)) != LMKV_OK)
            break;
        return ((lmkv_store_symbol_fn)r->fn)(r->ctx, &c);
    }
    default:
        return lmkv_error_set(LMKV_EINVAL, "store: internal: bad record type");
    }
    return lmkv_schema__store_err_key(rc, r->tr, p->key, p->key_size, "bad record");
}

static int rec_scan_cb(void *ctx, const lmkv_pair *p)
{
    struct rec_scan *r = ctx;
    if (!(r->flags & LMKV_STORE_ALL_VERSIONS)) {
        uint64_t fv;
        if (r->fv_at == FV_AT_8 && p->key_size >= 16)
            fv = get_be64(p->key + 8);
        else if (r->fv_at == FV_AT_16 && p->key_size >= 24)
            fv = get_be64(p->key + 16);
        else if (r->fv_at == FV_AT_END12 && p->key_size >= 20)
            fv = get_be64(p->key + p->key_size - 12);
        else
            return lmkv_schema__store_err_key(LMKV_ECORRUPT, r->tr, p->key, p->key_size, "key too short");
        int cur = lmkv_schema__store_fv_current(r->t, r->ws, fv);
        if (cur < 0)
            return cur;
        if (!cur)
            return 0;
    }
    return deliver(r, p);
}

static int prefix_scan(lmkv_store_txn *t, uint64_t ws, const uint64_t *comp, int ncomp,
                       unsigned flags, enum store_tree tr, enum fv_at at, lmkv_record_type type,
                       void *fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "store: NULL callback");
    uint8_t pre[32];
    put_be64(pre, ws);
    for (int i = 0; i < ncomp; i++)
        put_be64(pre + 8 + 8 * i, comp[i]);
    struct rec_scan r = { t, ws, flags, tr, at, type, fn, ctx };
    return lmkv_schema__st_scan(t, tr, pre, 8 + 8 * (size_t)ncomp, rec_scan_cb, &r);
}

/* ALL_VERSIONS name lookups: index key ws E(name) fv sid ord -> primary ws fv sid ord */
struct idx_scan { lmkv_store_txn *t; enum store_tree idx, prim; lmkv_record_type type; void *fn; void *ctx; };

static int idx_scan_cb(void *ctx, const lmkv_pair *p)
{
    struct idx_scan *x = ctx;
    if (p->key_size < 8 + 2 + 20)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, x->idx, p->key, p->key_size, "key too short");
    uint8_t k[28];
    memcpy(k, p->key, 8);
    memcpy(k + 8, p->key + p->key_size - 20, 20); /* fv sid ord */
    lmkv_pair pp;
    int rc = lmkv_txn_get(&pp, x->t->txn, x->t->st->t[x->prim], k, 28);
    if (rc == LMKV_NOTFOUND)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, x->idx, p->key, p->key_size, "index entry without its record");
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, x->prim, k, 28, "get failed");
    struct rec_scan r = { x->t, 0, LMKV_STORE_ALL_VERSIONS, x->prim, FV_AT_8, x->type, x->fn, x->ctx };
    pp.key = k;
    pp.key_size = 28;
    return deliver(&r, &pp);
}

static int edge_name_scan(lmkv_store_txn *t, uint64_t ws, const char *name, size_t name_len,
                          unsigned flags, int is_call, void *fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn || (!name && name_len))
        return lmkv_error_set(LMKV_EINVAL, "store: NULL name or callback");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    if (flags & LMKV_STORE_PREFIX)
        lmkv_schema__kb_esc_prefix(&k, name, name_len);
    else
        lmkv_schema__kb_esc(&k, name, name_len);
    lmkv_record_type type = is_call ? LMKV_REC_CALL : LMKV_REC_REFERENCE;
    if (!kb_ok(&k)) {
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    } else if (flags & LMKV_STORE_ALL_VERSIONS) {
        struct idx_scan x = { t, is_call ? T_CALL_TO : T_REF_TO, is_call ? T_CALL : T_REF, type, fn, ctx };
        if ((rc = st_flush(t, x.prim)) == LMKV_OK) /* idx_scan_cb reads it directly */
            rc = lmkv_schema__st_scan(t, x.idx, k.p, k.len, idx_scan_cb, &x);
    } else {
        /* current copies: no filtering, no second read */
        struct rec_scan r = { t, ws, LMKV_STORE_ALL_VERSIONS, is_call ? T_CUR_CALL_TO : T_CUR_REF_TO,
                              FV_AT_END12, type, fn, ctx };
        rc = lmkv_schema__st_scan(t, r.tr, k.p, k.len, rec_scan_cb, &r);
    }
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_store_calls_to(lmkv_store_txn *t, uint64_t ws, const char *name,
                                 size_t name_len, unsigned flags,
                                 lmkv_store_call_fn fn, void *ctx)
{
    return edge_name_scan(t, ws, name, name_len, flags, 1, (void *)fn, ctx);
}

int lmkv_store_calls_by_caller(lmkv_store_txn *t, uint64_t ws, const char *name,
                                        size_t name_len, unsigned flags,
                                        lmkv_store_call_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn || (!name && name_len))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_calls_by_caller: NULL name or callback");
    if (flags & ~(unsigned)LMKV_STORE_PREFIX)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_calls_by_caller: flags 0x%x: only the current state "
                              "(LMKV_STORE_PREFIX allowed); for other versions use lmkv_store_calls_from", flags);
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    if (flags & LMKV_STORE_PREFIX)
        lmkv_schema__kb_esc_prefix(&k, name, name_len);
    else
        lmkv_schema__kb_esc(&k, name, name_len);
    if (!kb_ok(&k)) {
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    } else {
        struct rec_scan r = { t, ws, LMKV_STORE_ALL_VERSIONS, T_CUR_CALL_FROM, FV_AT_END12, LMKV_REC_CALL,
                              (void *)fn, ctx };
        rc = lmkv_schema__st_scan(t, r.tr, k.p, k.len, rec_scan_cb, &r);
    }
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_store_refs_to(lmkv_store_txn *t, uint64_t ws, const char *name,
                                size_t name_len, unsigned flags,
                                lmkv_store_reference_fn fn, void *ctx)
{
    return edge_name_scan(t, ws, name, name_len, flags, 0, (void *)fn, ctx);
}

int lmkv_store_calls_of(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                 lmkv_store_call_fn fn, void *ctx)
{
    uint64_t c[1] = { fv };
    return prefix_scan(t, ws, c, 1, LMKV_STORE_ALL_VERSIONS, T_CALL, FV_AT_8, LMKV_REC_CALL, (void *)fn, ctx);
}

int lmkv_store_refs_of(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                lmkv_store_reference_fn fn, void *ctx)
{
    uint64_t c[1] = { fv };
    return prefix_scan(t, ws, c, 1, LMKV_STORE_ALL_VERSIONS, T_REF, FV_AT_8, LMKV_REC_REFERENCE, (void *)fn, ctx);
}

int lmkv_store_calls_all(lmkv_store_txn *t, uint64_t ws, unsigned flags,
                                  lmkv_store_call_fn fn, void *ctx)
{
    return prefix_scan(t, ws, NULL, 0, flags, T_CALL, FV_AT_8, LMKV_REC_CALL, (void *)fn, ctx);
}

int lmkv_store_refs_all(lmkv_store_txn *t, uint64_t ws, unsigned flags,
                                 lmkv_store_reference_fn fn, void *ctx)
{
    return prefix_scan(t, ws, NULL, 0, flags, T_REF, FV_AT_8, LMKV_REC_REFERENCE, (void *)fn, ctx);
}

int lmkv_store_hierarchy_children(lmkv_store_txn *t, uint64_t ws, uint64_t parent_id,
                                           unsigned flags, lmkv_store_hierarchy_fn fn, void *ctx)
{
    uint64_t c[1] = { parent_id };
    return prefix_scan(t, ws, c, 1, flags, T_HIER_PARENT, FV_AT_16, LMKV_REC_HIERARCHY, (void *)fn, ctx);
}

int lmkv_store_hierarchy_parents(lmkv_store_txn *t, uint64_t ws, uint64_t child_id,
                                          unsigned flags, lmkv_store_hierarchy_fn fn, void *ctx)
{
    uint64_t c[1] = { child_id };
    return prefix_scan(t, ws, c, 1, flags, T_HIER_CHILD, FV_AT_16, LMKV_REC_HIERARCHY, (void *)fn, ctx);
}

int lmkv_store_hierarchy_all(lmkv_store_txn *t, uint64_t ws, unsigned flags,
                                      lmkv_store_hierarchy_fn fn, void *ctx)
{
    return prefix_scan(t, ws, NULL, 0, flags, T_HIER, FV_AT_8, LMKV_REC_HIERARCHY, (void *)fn, ctx);
}

int lmkv_store_symbols_of(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                   lmkv_store_symbol_fn fn, void *ctx)
{
    uint64_t c[1] = { fv };
    return prefix_scan(t, ws, c, 1, LMKV_STORE_ALL_VERSIONS, T_SYM, FV_AT_8, LMKV_REC_SYMBOL, (void *)fn, ctx);
}

/* ---- callees / refs-from: by (fv, sid) or, with fv 0, via store.sym_id ---- */

struct by_id { lmkv_store_txn *t; uint64_t ws, sid; unsigned flags; enum store_tree tr;
               lmkv_record_type type; void *fn; void *ctx; };

static int by_id_cb(void *ctx, const lmkv_pair *p)
{
    struct by_id *b = ctx;
    if (p->key_size != 24)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_SYM_ID, p->key, p->key_size, "key is not 24 bytes");
    uint64_t fv = get_be64(p->key + 16);
    if (!(b->flags & LMKV_STORE_ALL_VERSIONS)) {
        int cur = lmkv_schema__store_fv_current(b->t, b->ws, fv);
        if (cur <= 0)
            return cur;
    }
    if (b->tr == T_SYM) {
        kbuf k;
        lmkv_schema__kb_init(&k);
        lmkv_schema__kb_u64(&k, b->ws); lmkv_schema__kb_u64(&k, fv); lmkv_schema__kb_u64(&k, b->sid);
        lmkv_pair sp;
        int rc = lmkv_schema__st_get(&sp, b->t, T_SYM, &k);
        if (rc == LMKV_NOTFOUND)
            return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_SYM_ID, p->key, p->key_size, "index entry without its Symbol record");
        if (rc != LMKV_OK)
            return rc;
        struct rec_scan r = { b->t, b->ws, LMKV_STORE_ALL_VERSIONS, T_SYM, FV_AT_8, LMKV_REC_SYMBOL, b->fn, b->ctx };
        return deliver(&r, &sp);
    }
    uint64_t c[2] = { fv, b->sid };
    int rc = prefix_scan(b->t, b->ws, c, 2, LMKV_STORE_ALL_VERSIONS, b->tr, FV_AT_8, b->type, b->fn, b->ctx);
    return rc;
}

static int by_id(lmkv_store_txn *t, uint64_t ws, uint64_t fv, uint64_t sid, unsigned flags,
                 enum store_tree tr, lmkv_record_type type, void *fn, void *ctx)
{
    if (fv != 0 && tr != T_SYM) {
        uint64_t c[2] = { fv, sid };
        return prefix_scan(t, ws, c, 2, LMKV_STORE_ALL_VERSIONS, tr, FV_AT_8, type, fn, ctx);
    }
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "store: NULL callback");
    uint8_t pre[16];
    put_be64(pre, ws);
    put_be64(pre + 8, sid);
    struct by_id b = { t, ws, sid, flags, tr, type, fn, ctx };
    return lmkv_schema__st_scan(t, T_SYM_ID, pre, 16, by_id_cb, &b);
}

int lmkv_store_calls_from(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                   uint64_t caller_id, unsigned flags,
                                   lmkv_store_call_fn fn, void *ctx)
{
    return by_id(t, ws, fv, caller_id, flags, T_CALL, LMKV_REC_CALL, (void *)fn, ctx);
}

int lmkv_store_refs_from(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                  uint64_t source_id, unsigned flags,
                                  lmkv_store_reference_fn fn, void *ctx)
{
    return by_id(t, ws, fv, source_id, flags, T_REF, LMKV_REC_REFERENCE, (void *)fn, ctx);
}

int lmkv_store_symbols_by_id(lmkv_store_txn *t, uint64_t ws, uint64_t sym_id,
                                      unsigned flags, lmkv_store_symbol_fn fn, void *ctx)
{
    return by_id(t, ws, 0, sym_id, flags, T_SYM, LMKV_REC_SYMBOL, (void *)fn, ctx);
}

int lmkv_store_symbol_get(lmkv_symbol *out, lmkv_store_txn *t, uint64_t ws,
                                   uint64_t fv, uint64_t sym_id)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_symbol_get: NULL out");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws); lmkv_schema__kb_u64(&k, fv); lmkv_schema__kb_u64(&k, sym_id);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, t, T_SYM, &k);
    if (rc == LMKV_OK && (rc = lmkv_symbol_read(out, p.value, p.value_size)) != LMKV_OK)
        rc = lmkv_schema__store_err_key(rc, T_SYM, k.p, k.len, "bad Symbol record");
    return rc;
}

/* ---- symbols by name / qualified name: index value empty, key names the primary ---- */

struct sym_name { lmkv_store_txn *t; uint64_t ws; unsigned flags; enum store_tree tr;
                  lmkv_store_symbol_fn fn; void *ctx; };

static int sym_name_cb(void *ctx, const lmkv_pair *p)
{
    struct sym_name *s = ctx;
    if (p->key_size < 8 + 2 + 16)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, s->tr, p->key, p->key_size, "key too short");
    uint64_t fv = get_be64(p->key + p->key_size - 16);
    uint64_t sid = get_be64(p->key + p->key_size - 8);
    if (!(s->flags & LMKV_STORE_ALL_VERSIONS)) {
        int cur = lmkv_schema__store_fv_current(s->t, s->ws, fv);
        if (cur <= 0)
            return cur;
    }
    if (!s->fn) { /* existence test (lmkv_store_symbol_exists): the key is enough */
        *(int *)s->ctx = 1;
        return 1;
    }
    uint8_t k[24];
    memcpy(k, p->key, 8);
    put_be64(k + 8, fv);
    put_be64(k + 16, sid);
    lmkv_pair sp;
    int rc = lmkv_txn_get(&sp, s->t->txn, s->t->st->t[T_SYM], k, 24);
    if (rc == LMKV_NOTFOUND)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, s->tr, p->key, p->key_size, "index entry without its Symbol record");
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_SYM, k, 24, "get failed");
    lmkv_symbol sym;
    if ((rc = lmkv_symbol_read(&sym, sp.value, sp.value_size)) != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_SYM, k, 24, "bad Symbol record");
    return s->fn(s->ctx, &sym);
}

static int sym_by(lmkv_store_txn *t, uint64_t ws, const char *name, size_t name_len,
                  unsigned flags, enum store_tree tr, lmkv_store_symbol_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if ((!fn && !ctx) || (!name && name_len))
        return lmkv_error_set(LMKV_EINVAL, "store: NULL name or callback");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    if (flags & LMKV_STORE_PREFIX)
        lmkv_schema__kb_esc_prefix(&k, name, name_len);
    else
        lmkv_schema__kb_esc(&k, name, name_len);
    struct sym_name s = { t, ws, flags, tr, fn, ctx };
    if (!kb_ok(&k))
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    else if ((rc = st_flush(t, T_SYM)) == LMKV_OK) /* sym_name_cb reads it directly */
        rc = lmkv_schema__st_scan(t, tr, k.p, k.len, sym_name_cb, &s);
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_store_symbols_by_name(lmkv_store_txn *t, uint64_t ws, const char *name,
                                        size_t name_len, unsigned flags,
                                        lmkv_store_symbol_fn fn, void *ctx)
{
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "store: NULL callback");
    return sym_by(t, ws, name, name_len, flags, T_SYM_NAME, fn, ctx);
}

int lmkv_store_symbol_exists(int *out_exists, lmkv_store_txn *t, uint64_t ws, const char *name,
                             size_t name_len, unsigned flags)
{
    if (!out_exists) return lmkv_error_set(LMKV_EINVAL, "lmkv_store_symbol_exists: NULL out_exists");
    *out_exists = 0;
    if (flags & ~(unsigned)(LMKV_STORE_ALL_VERSIONS | LMKV_STORE_PREFIX))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_symbol_exists: unknown flags 0x%x", flags);
    int found = 0;
    int rc = sym_by(t, ws, name, name_len, flags, T_SYM_NAME, NULL, &found);
    if (rc == LMKV_OK && !found)
        rc = sym_by(t, ws, name, name_len, flags, T_SYM_QNAME, NULL, &found);
    if (rc == LMKV_OK) *out_exists = found != 0;
    return rc;
}

int lmkv_store_symbols_by_qname(lmkv_store_txn *t, uint64_t ws, const char *qname,
                                         size_t qname_len, unsigned flags,
                                         lmkv_store_symbol_fn fn, void *ctx)
{
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "store: NULL callback");
    return sym_by(t, ws, qname, qname_len, flags, T_SYM_QNAME, fn, ctx);
}

/* ================================================================ counts */

static int count_cb(void *ctx, const lmkv_pair *p)
{
    (void)p;
    (*(uint64_t *)ctx)++;
    return 0;
}

static int count_tree(uint64_t *out, lmkv_store_txn *t, enum store_tree tr, uint64_t ws)
{
    *out = 0;
    if (!t->st->t[tr])
        return LMKV_OK;
    if (ws == 0) { /* whole tree: O(1) entry count (mdb_stat) */
        int rc = lmkv_tree_len(out, t->st->t[tr]);
        return rc == LMKV_OK ? rc : lmkv_schema__store_err_key(rc, tr, "", 0, "len failed");
    }
    uint8_t pre[8];
    put_be64(pre, ws);
    return lmkv_schema__st_scan(t, tr, pre, ws ? 8 : 0, count_cb, out);
}

struct bytes_sum { uint64_t total; };
static int atime_sum_cb(void *ctx, const lmkv_pair *p)
{
    if (p->value_size == ATIME_VALUE_LEN)
        ((struct bytes_sum *)ctx)->total += get_be64(p->value + 16);
    return 0;
}

int lmkv_store_count(lmkv_store_counts *out, lmkv_store_txn *t, uint64_t ws)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_count: NULL out");
    lmkv_store_counts c;
    memset(&c, 0, sizeof c);
    struct { uint64_t *dst; enum store_tree tr; } m[] = {
        { &c.workspaces, T_WS }, { &c.file_versions, T_FV }, { &c.symbols, T_SYM },
        { &c.calls, T_CALL }, { &c.references, T_REF }, { &c.hierarchy, T_HIER },
        { &c.commit_mappings, T_MAP_COMMIT }, { &c.latest_mappings, T_MAP_LATEST },
        { &c.current_mappings, T_CUR }, { &c.cache_entries, T_CACHE_ENTRY },
        { &c.cache_stats, T_CACHE_STATS },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if ((rc = count_tree(m[i].dst, t, m[i].tr, ws)) != LMKV_OK)
            return rc;
    struct bytes_sum b = { 0 };
    if (ws == 0) { /* the running total kept by the cache */
        kbuf k;
        lmkv_schema__kb_init(&k);
        lmkv_schema__kb_raw(&k, "bytes", 5);
        lmkv_pair p;
        rc = lmkv_schema__st_get(&p, t, T_CACHE_META, &k);
        if (rc == LMKV_OK && p.value_size == 8)
            b.total = get_be64(p.value);
        else if (rc != LMKV_OK && rc != LMKV_NOTFOUND)
            return rc;
    } else {
        uint8_t pre[8];
        put_be64(pre, ws);
        if ((rc = lmkv_schema__st_scan(t, T_CACHE_ATIME, pre, 8, atime_sum_cb, &b)) != LMKV_OK)
            return rc;
    }
    c.cache_bytes = b.total;
    *out = c;
    return LMKV_OK;
}
