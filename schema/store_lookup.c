/*
 * store_lookup.c -- the indexed lookups of file versions, symbols, calls,
 * references and hierarchy edges (key layouts: schema/KEYS.md).
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

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
