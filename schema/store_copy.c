/*
 * store_copy.c -- lmkv_store_copy_file: a file version's records copied
 * under a new file version (ids remapped).
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

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
    int rc = lmkv_schema__arena_add(r->a, &e, p->value, p->value_size);
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
    if (rc != LMKV_OK || (rc = lmkv_schema__arena_add(&a, &fe, p.value, p.value_size)) != LMKV_OK)
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
