/*
 * store_put.c -- lmkv_store_put_file: the records of a file version
 * (replacing what it held; over a stored version only what differs).
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

/* ================================================================ arena */

int lmkv_schema__arena_add(arena *a, enc *e, const uint8_t *buf, size_t len)
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
    int rc = lmkv_schema__store_collect_records(s, ws, fv, &o->d);
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

/* ================================================================ put_file */

/* Write the i-th call or reference of file version fv (its encoded record
 * val/vlen; `from` the caller/source symbol id, `to` the callee/target name):
 * the record under tr_rec (ws, fv, from, i), the by-name index entry under
 * tr_to (ws, esc(to), fv, from, i), and the record's current copy under
 * tr_cur_to (ws, esc(to), fv, i): written when fv is current, else appended
 * to keep for set_current (lmkv_schema__store_cp_keep). Writes go through os_put (o: what
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
    lmkv_schema__store_cp_op(keep, tr_cur_to, k, val, vlen);
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
        (rc = lmkv_schema__arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
        return rc;
    for (size_t i = 0; i < R->n_symbols; i++) {
        lmkv_symbol r = R->symbols[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        r.file_path = path;
        if ((rc = lmkv_symbol_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = lmkv_schema__arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
            return rc;
    }
    for (size_t i = 0; i < R->n_calls; i++) {
        lmkv_call r = R->calls[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        r.file_path = path;
        if ((rc = lmkv_call_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = lmkv_schema__arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
            return rc;
    }
    for (size_t i = 0; i < R->n_references; i++) {
        lmkv_reference r = R->references[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        r.file_path = path;
        if ((rc = lmkv_reference_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = lmkv_schema__arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
            return rc;
    }
    for (size_t i = 0; i < R->n_hierarchy; i++) {
        lmkv_hierarchy r = R->hierarchy[i];
        r.workspace_id = ws;
        r.file_version_id = fv;
        if ((rc = lmkv_hierarchy_build(s->fbb, &r, &buf, &len)) != LMKV_OK ||
            (rc = lmkv_schema__arena_add(a, &e[(*ei)++], buf, len)) != LMKV_OK)
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
        lmkv_schema__store_cp_op(keep, T_CUR_CALL_FROM, k, val, vlen);
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
        lmkv_schema__store_cur_pending_drop(s, ws, fv);
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
        lmkv_schema__store_cp_keep(s, ws, fv, &keep);
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
