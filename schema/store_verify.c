/*
 * store_verify.c -- lmkv_store_verify: every record through the FlatBuffers
 * verifier, every index entry pointing at its record (and agreeing with
 * it), every record reachable from each of its indexes, mappings and the
 * current map consistent, cache trees consistent (schema/KEYS.md).
 */
#include "store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct vctx {
    lmkv_store_txn *t;
    lmkv_store_problem_fn fn;
    void *ctx;
    size_t problems;
    int stop;
    kbuf k;                   /* scratch key */
    uint64_t cache_bytes;     /* sum of cache.atime sizes */
    int fv_blob_complete;     /* store.fv_blob has its marker */
} vctx;

/* Report one problem; returns 1 to stop the scan if the callback asked to. */
static int problem(vctx *v, enum store_tree tr, const void *key, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int problem(vctx *v, enum store_tree tr, const void *key, size_t len, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    v->problems++;
    if (v->fn) {
        lmkv_store_problem p = { lmkv_schema__store_tree_names[tr], key, len, msg };
        if (v->fn(v->ctx, &p) != 0)
            v->stop = 1;
    }
    return v->stop;
}

/* Get k from tree tr into *out: 1 found, 0 absent, <0 error. */
static int vget(lmkv_pair *out, vctx *v, enum store_tree tr, const kbuf *k)
{
    int rc = lmkv_schema__st_get(out, v->t, tr, k);
    return rc == LMKV_OK ? 1 : rc == LMKV_NOTFOUND ? 0 : rc;
}

/* The index entry k in tr must exist; if `same` is non-NULL its value must
 * equal same[0..n). Returns <0 error, 1 stop, 0 go on. */
static int expect(vctx *v, enum store_tree tr, const lmkv_pair *from, enum store_tree from_tr,
                  const uint8_t *same, size_t n)
{
    lmkv_pair p;
    int rc = vget(&p, v, tr, &v->k);
    if (rc < 0)
        return rc;
    char hx[112];
    if (rc == 0)
        return problem(v, from_tr, from->key, from->key_size,
                       "record not reachable: its entry %s is missing from %s",
                       lmkv_schema__store_hex(hx, v->k.p, v->k.len), lmkv_schema__store_tree_names[tr]);
    if (same && (p.value_size != n || memcmp(p.value, same, n) != 0))
        return problem(v, tr, v->k.p, v->k.len, "index value differs from the record at %s key %s",
                       lmkv_schema__store_tree_names[from_tr], lmkv_schema__store_hex(hx, from->key, from->key_size));
    return 0;
}

static int fv_exists(vctx *v, uint64_t ws, uint64_t fv)
{
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u64(&k, fv);
    lmkv_pair p;
    int rc = vget(&p, v, T_FV, &k);
    lmkv_schema__kb_free(&k);
    return rc;
}

/* ------------------------------------------------------------ workspaces */

static int v_ws(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    lmkv_workspace w;
    if (lmkv_workspace_read(&w, p->value, p->value_size) != LMKV_OK)
        return problem(v, T_WS, p->key, p->key_size, "Workspace record fails verification: %s", lmkv_errmsg());
    if (p->key_size != 8 || get_be64(p->key) != w.id)
        return problem(v, T_WS, p->key, p->key_size, "key does not match the record's id");
    if (!w.root_path)
        return problem(v, T_WS, p->key, p->key_size, "Workspace without root path");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, w.root_path, strlen(w.root_path));
    return expect(v, T_WS_ROOT, p, T_WS, p->key, 8);
}

static int v_ws_root(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->value_size != 8)
        return problem(v, T_WS_ROOT, p->key, p->key_size, "value is not 8 bytes");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->value, 8);
    lmkv_pair w;
    int rc = vget(&w, v, T_WS, &v->k);
    if (rc < 0)
        return rc;
    lmkv_workspace ws;
    if (rc == 0 || lmkv_workspace_read(&ws, w.value, w.value_size) != LMKV_OK || !ws.root_path ||
        strlen(ws.root_path) != p->key_size || memcmp(ws.root_path, p->key, p->key_size) != 0)
        return problem(v, T_WS_ROOT, p->key, p->key_size, "index entry without a Workspace with this root");
    return 0;
}

static int v_ws_gen(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->key_size != 8 || p->value_size != 8)
        return problem(v, T_WS_GEN, p->key, p->key_size, "key or value is not 8 bytes");
    return 0;
}

static int v_fv(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    lmkv_file_version f;
    if (lmkv_file_version_read(&f, p->value, p->value_size) != LMKV_OK)
        return problem(v, T_FV, p->key, p->key_size, "FileVersion record fails verification: %s", lmkv_errmsg());
    if (p->key_size != 16 || get_be64(p->key) != f.workspace_id || get_be64(p->key + 8) != f.id)
        return problem(v, T_FV, p->key, p->key_size, "key does not match the record's workspace/id");
    if (!v->fv_blob_complete || !f.git_blob_id || !f.git_blob_id[0])
        return 0; /* (a database written before the index: filled by the next write session) */
    lmkv_schema__fv_blob_key(&v->k, f.workspace_id, f.git_blob_id, f.id);
    return expect(v, T_FV_BLOB, p, T_FV, (const uint8_t *)"", 0);
}

/* store.fv_blob: ws E(blob) fv -> empty, or the marker (one byte 00) */
static int v_fv_blob(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->key_size == FV_BLOB_MARKER_LEN && memcmp(p->key, lmkv_schema__fv_blob_marker, FV_BLOB_MARKER_LEN) == 0)
        return p->value_size ? problem(v, T_FV_BLOB, p->key, p->key_size, "marker value is not empty") : 0;
    size_t raw = 0;
    size_t el = p->key_size > 8 ? lmkv_schema__esc_len(p->key + 8, p->key_size - 8, &raw) : 0;
    if (el == 0 || raw == 0 || p->key_size != 8 + el + 8)
        return problem(v, T_FV_BLOB, p->key, p->key_size, "key is not ws E(blob) fv");
    if (p->value_size != 0)
        return problem(v, T_FV_BLOB, p->key, p->key_size, "index value is not empty");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key, 8);
    lmkv_schema__kb_raw(&v->k, p->key + 8 + el, 8);
    lmkv_pair fp;
    int rc = vget(&fp, v, T_FV, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return problem(v, T_FV_BLOB, p->key, p->key_size, "orphan index entry: no FileVersion record");
    lmkv_file_version f;
    if (lmkv_file_version_read(&f, fp.value, fp.value_size) != LMKV_OK)
        return 0; /* reported by v_fv */
    kb_reset(&v->k);
    if (f.git_blob_id)
        lmkv_schema__kb_esc(&v->k, f.git_blob_id, strlen(f.git_blob_id));
    if (!f.git_blob_id || v->k.len != el || memcmp(v->k.p, p->key + 8, el) != 0)
        return problem(v, T_FV_BLOB, p->key, p->key_size, "stale index entry: the FileVersion's blob id is now '%s'",
                       f.git_blob_id ? f.git_blob_id : "(none)");
    return 0;
}

/* ------------------------------------------------------------ mappings */

static int v_map(vctx *v, enum store_tree tr, const lmkv_pair *p, size_t min_key)
{
    if (p->value_size != 8 || p->key_size <= min_key)
        return problem(v, tr, p->key, p->key_size, "value is not 8 bytes or key too short");
    int rc = fv_exists(v, get_be64(p->key), get_be64(p->value));
    if (rc < 0)
        return rc;
    if (rc == 0)
        return problem(v, tr, p->key, p->key_size, "maps to file version %016llx, which is not stored",
                       (unsigned long long)get_be64(p->value));
    return 0;
}
static int v_map_commit(void *ctx, const lmkv_pair *p) { return v_map(ctx, T_MAP_COMMIT, p, 28); }
static int v_map_latest(void *ctx, const lmkv_pair *p) { return v_map(ctx, T_MAP_LATEST, p, 8); }

static int v_cur(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->value_size != CUR_VALUE_LEN || p->key_size <= 8 ||
        (p->value[8] != LMKV_SOURCE_COMMIT && p->value[8] != LMKV_SOURCE_LATEST))
        return problem(v, T_CUR, p->key, p->key_size, "value is not fv(8) source(1: 1 or 2) commit(20)");
    uint64_t ws = get_be64(p->key), fv = get_be64(p->value);
    int rc = fv_exists(v, ws, fv);
    if (rc < 0)
        return rc;
    if (rc == 0 && problem(v, T_CUR, p->key, p->key_size, "current file version %016llx is not stored",
                           (unsigned long long)fv))
        return 1;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws);
    lmkv_schema__kb_u64(&v->k, fv);
    return expect(v, T_CUR_FV, p, T_CUR, p->key + 8, p->key_size - 8);
}

static int v_cur_fv(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->key_size != 16)
        return problem(v, T_CUR_FV, p->key, p->key_size, "key is not 16 bytes");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key, 8);
    lmkv_schema__kb_raw(&v->k, p->value, p->value_size);
    lmkv_pair c;
    int rc = vget(&c, v, T_CUR, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0 || c.value_size < 8 || memcmp(c.value, p->key + 8, 8) != 0)
        return problem(v, T_CUR_FV, p->key, p->key_size, "reverse entry without the matching current-map entry");
    return 0;
}

/* ------------------------------------------------------------ records */

static int v_sym(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    lmkv_symbol s;
    if (lmkv_symbol_read(&s, p->value, p->value_size) != LMKV_OK)
        return problem(v, T_SYM, p->key, p->key_size, "Symbol record fails verification: %s", lmkv_errmsg());
    if (p->key_size != 24 || get_be64(p->key) != s.workspace_id ||
        get_be64(p->key + 8) != s.file_version_id || get_be64(p->key + 16) != s.id || !s.name)
        return problem(v, T_SYM, p->key, p->key_size, "key does not match the record's workspace/file version/id, or no name");
    uint64_t ws = s.workspace_id, fv = s.file_version_id;
    int rc = fv_exists(v, ws, fv);
    if (rc < 0)
        return rc;
    if (rc == 0 && problem(v, T_SYM, p->key, p->key_size, "its file version is not stored"))
        return 1;
    const char *q = s.qualified_name ? s.qualified_name : s.name;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_esc(&v->k, s.name, strlen(s.name)); lmkv_schema__kb_u64(&v->k, fv); lmkv_schema__kb_u64(&v->k, s.id);
    if ((rc = expect(v, T_SYM_NAME, p, T_SYM, NULL, 0)) != 0)
        return rc;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_esc(&v->k, q, strlen(q)); lmkv_schema__kb_u64(&v->k, fv); lmkv_schema__kb_u64(&v->k, s.id);
    if ((rc = expect(v, T_SYM_QNAME, p, T_SYM, NULL, 0)) != 0)
        return rc;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_u64(&v->k, s.id); lmkv_schema__kb_u64(&v->k, fv);
    return expect(v, T_SYM_ID, p, T_SYM, NULL, 0);
}

/* sym_name / sym_qname: ws E(name) fv sid -> empty */
static int v_sym_name_common(vctx *v, enum store_tree tr, const lmkv_pair *p)
{
    size_t raw = 0;
    size_t el = p->key_size > 8 ? lmkv_schema__esc_len(p->key + 8, p->key_size - 8, &raw) : 0;
    if (el == 0 || p->key_size != 8 + el + 16)
        return problem(v, tr, p->key, p->key_size, "key is not ws E(name) fv sid");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key, 8);
    lmkv_schema__kb_raw(&v->k, p->key + 8 + el, 16);
    lmkv_pair sp;
    int rc = vget(&sp, v, T_SYM, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return problem(v, tr, p->key, p->key_size, "orphan index entry: no Symbol record %s",
                       "at store.sym ws fv sid");
    lmkv_symbol s;
    if (lmkv_symbol_read(&s, sp.value, sp.value_size) != LMKV_OK || !s.name)
        return 0; /* reported by v_sym */
    const char *n = tr == T_SYM_NAME ? s.name : (s.qualified_name ? s.qualified_name : s.name);
    kb_reset(&v->k);
    lmkv_schema__kb_esc(&v->k, n, strlen(n));
    if (v->k.len != el || memcmp(v->k.p, p->key + 8, el) != 0)
        return problem(v, tr, p->key, p->key_size, "stale index entry: the Symbol's name is now '%s'", n);
    return 0;
}
static int v_sym_name(void *ctx, const lmkv_pair *p) { return v_sym_name_common(ctx, T_SYM_NAME, p); }
static int v_sym_qname(void *ctx, const lmkv_pair *p) { return v_sym_name_common(ctx, T_SYM_QNAME, p); }

static int v_sym_id(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->key_size != 24)
        return problem(v, T_SYM_ID, p->key, p->key_size, "key is not 24 bytes");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key, 8);
    lmkv_schema__kb_raw(&v->k, p->key + 16, 8);
    lmkv_schema__kb_raw(&v->k, p->key + 8, 8);
    lmkv_pair sp;
    int rc = vget(&sp, v, T_SYM, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return problem(v, T_SYM_ID, p->key, p->key_size, "orphan index entry: no Symbol record");
    return 0;
}

/* calls and references: primary ws fv sid ord (record); index ws E(name)
 * fv sid ord (empty); current copy ws E(name) fv ord (same bytes as the
 * record, only while fv is current) */
/* by_caller: the copy tree is keyed by the caller name (store.cur_call_from) */
struct edge_kind { enum store_tree prim, idx, cur; int is_call, by_caller; };
static const struct edge_kind K_CALL = { T_CALL, T_CALL_TO, T_CUR_CALL_TO, 1, 0 },
                              K_CALL_FROM = { T_CALL, T_CALL_TO, T_CUR_CALL_FROM, 1, 1 },
                              K_REF = { T_REF, T_REF_TO, T_CUR_REF_TO, 0, 0 };

static int edge_fields(const struct edge_kind *ek, const lmkv_pair *p, uint64_t *ws, uint64_t *fv,
                       uint64_t *sid, const char **name)
{
    if (ek->is_call) {
        lmkv_call c;
        if (lmkv_call_read(&c, p->value, p->value_size) != LMKV_OK)
            return -1;
        *ws = c.workspace_id; *fv = c.file_version_id; *sid = c.caller_id;
        *name = ek->by_caller ? c.caller_name : c.callee_name;
    } else {
        lmkv_reference r;
        if (lmkv_reference_read(&r, p->value, p->value_size) != LMKV_OK)
            return -1;
        *ws = r.workspace_id; *fv = r.file_version_id; *sid = r.source_id; *name = r.target_name;
    }
    return *name ? 0 : -1;
}

static int fv_is_current(vctx *v, uint64_t ws, uint64_t fv)
{
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u64(&k, fv);
    lmkv_pair p;
    int rc = vget(&p, v, T_CUR_FV, &k);
    lmkv_schema__kb_free(&k);
    return rc;
}

static int v_edge_prim(vctx *v, const struct edge_kind *ek, const lmkv_pair *p)
{
    uint64_t ws, fv, sid;
    const char *name;
    if (edge_fields(ek, p, &ws, &fv, &sid, &name) != 0)
        return problem(v, ek->prim, p->key, p->key_size, "%s record fails verification or has no name: %s",
                       ek->is_call ? "Call" : "Reference", lmkv_errmsg());
    if (p->key_size != 28 || get_be64(p->key) != ws || get_be64(p->key + 8) != fv ||
        get_be64(p->key + 16) != sid)
        return problem(v, ek->prim, p->key, p->key_size, "key does not match the record's workspace/file version/symbol");
    int rc = fv_exists(v, ws, fv);
    if (rc < 0)
        return rc;
    if (rc == 0 && problem(v, ek->prim, p->key, p->key_size, "its file version is not stored"))
        return 1;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_esc(&v->k, name, strlen(name)); lmkv_schema__kb_u64(&v->k, fv);
    lmkv_schema__kb_raw(&v->k, p->key + 16, 12);
    if ((rc = expect(v, ek->idx, p, ek->prim, (const uint8_t *)"", 0)) != 0)
        return rc;
    if ((rc = fv_is_current(v, ws, fv)) <= 0)
        return rc;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_esc(&v->k, name, strlen(name)); lmkv_schema__kb_u64(&v->k, fv);
    lmkv_schema__kb_raw(&v->k, p->key + 24, 4);
    if ((rc = expect(v, ek->cur, p, ek->prim, p->value, p->value_size)) != 0 || !ek->is_call)
        return rc;
    /* a current call with a caller name also has its copy by caller name */
    const char *from = NULL;
    if (edge_fields(&K_CALL_FROM, p, &ws, &fv, &sid, &from) != 0)
        return 0;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_esc(&v->k, from, strlen(from)); lmkv_schema__kb_u64(&v->k, fv);
    lmkv_schema__kb_raw(&v->k, p->key + 24, 4);
    return expect(v, T_CUR_CALL_FROM, p, ek->prim, p->value, p->value_size);
}

/* index entry: ws E(name) fv sid ord, empty */
static int v_edge_idx(vctx *v, const struct edge_kind *ek, const lmkv_pair *p)
{
    size_t raw = 0;
    size_t el = p->key_size > 8 ? lmkv_schema__esc_len(p->key + 8, p->key_size - 8, &raw) : 0;
    if (el == 0 || p->key_size != 8 + el + 20)
        return problem(v, ek->idx, p->key, p->key_size, "key is not ws E(name) fv sid ord");
    if (p->value_size != 0)
        return problem(v, ek->idx, p->key, p->key_size, "index value is not empty");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key, 8);
    lmkv_schema__kb_raw(&v->k, p->key + p->key_size - 20, 20);
    lmkv_pair pp;
    int rc = vget(&pp, v, ek->prim, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return problem(v, ek->idx, p->key, p->key_size, "orphan index entry: no record in %s",
                       lmkv_schema__store_tree_names[ek->prim]);
    uint64_t ws, fv, sid;
    const char *name;
    if (edge_fields(ek, &pp, &ws, &fv, &sid, &name) != 0)
        return 0; /* reported with the record */
    kb_reset(&v->k);
    lmkv_schema__kb_esc(&v->k, name, strlen(name));
    if (v->k.len != el || memcmp(v->k.p, p->key + 8, el) != 0)
        return problem(v, ek->idx, p->key, p->key_size, "stale index entry: the record's name is now '%s'", name);
    return 0;
}

/* current copy: ws E(name) fv ord -> the record's bytes; fv must be current */
static int v_edge_cur(vctx *v, const struct edge_kind *ek, const lmkv_pair *p)
{
    uint64_t ws, fv, sid;
    const char *name;
    if (edge_fields(ek, p, &ws, &fv, &sid, &name) != 0)
        return problem(v, ek->cur, p->key, p->key_size, "%s value fails verification: %s",
                       ek->is_call ? "Call" : "Reference", lmkv_errmsg());
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_esc(&v->k, name, strlen(name)); lmkv_schema__kb_u64(&v->k, fv);
    if (p->key_size != v->k.len + 4 || memcmp(p->key, v->k.p, v->k.len) != 0)
        return problem(v, ek->cur, p->key, p->key_size, "key does not match its record (ws, name, fv)");
    int rc = fv_is_current(v, ws, fv);
    if (rc < 0)
        return rc;
    if (rc == 0 && problem(v, ek->cur, p->key, p->key_size,
                           "stale current copy: file version %016llx is not current", (unsigned long long)fv))
        return 1;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, ws); lmkv_schema__kb_u64(&v->k, fv); lmkv_schema__kb_u64(&v->k, sid);
    lmkv_schema__kb_raw(&v->k, p->key + p->key_size - 4, 4);
    lmkv_pair pp;
    rc = vget(&pp, v, ek->prim, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return problem(v, ek->cur, p->key, p->key_size, "orphan index entry: no record in %s",
                       lmkv_schema__store_tree_names[ek->prim]);
    if (pp.value_size != p->value_size || memcmp(pp.value, p->value, p->value_size) != 0)
        return problem(v, ek->cur, p->key, p->key_size, "index value differs from its record");
    return 0;
}
static int v_call(void *ctx, const lmkv_pair *p) { return v_edge_prim(ctx, &K_CALL, p); }
static int v_call_to(void *ctx, const lmkv_pair *p) { return v_edge_idx(ctx, &K_CALL, p); }
static int v_cur_call_to(void *ctx, const lmkv_pair *p) { return v_edge_cur(ctx, &K_CALL, p); }
static int v_cur_call_from(void *ctx, const lmkv_pair *p) { return v_edge_cur(ctx, &K_CALL_FROM, p); }
static int v_ref(void *ctx, const lmkv_pair *p) { return v_edge_prim(ctx, &K_REF, p); }
static int v_ref_to(void *ctx, const lmkv_pair *p) { return v_edge_idx(ctx, &K_REF, p); }
static int v_cur_ref_to(void *ctx, const lmkv_pair *p) { return v_edge_cur(ctx, &K_REF, p); }

static int v_hier(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    lmkv_hierarchy h;
    if (lmkv_hierarchy_read(&h, p->value, p->value_size) != LMKV_OK)
        return problem(v, T_HIER, p->key, p->key_size, "Hierarchy record fails verification: %s", lmkv_errmsg());
    if (p->key_size != 20 || get_be64(p->key) != h.workspace_id || get_be64(p->key + 8) != h.file_version_id)
        return problem(v, T_HIER, p->key, p->key_size, "key does not match the record's workspace/file version");
    int rc = fv_exists(v, h.workspace_id, h.file_version_id);
    if (rc < 0)
        return rc;
    if (rc == 0 && problem(v, T_HIER, p->key, p->key_size, "its file version is not stored"))
        return 1;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, h.workspace_id); lmkv_schema__kb_u64(&v->k, h.parent_id); lmkv_schema__kb_u64(&v->k, h.file_version_id);
    lmkv_schema__kb_raw(&v->k, p->key + 16, 4);
    if ((rc = expect(v, T_HIER_PARENT, p, T_HIER, p->value, p->value_size)) != 0)
        return rc;
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, h.workspace_id); lmkv_schema__kb_u64(&v->k, h.child_id); lmkv_schema__kb_u64(&v->k, h.file_version_id);
    lmkv_schema__kb_raw(&v->k, p->key + 16, 4);
    return expect(v, T_HIER_CHILD, p, T_HIER, p->value, p->value_size);
}

static int v_hier_idx(vctx *v, enum store_tree tr, const lmkv_pair *p)
{
    lmkv_hierarchy h;
    if (lmkv_hierarchy_read(&h, p->value, p->value_size) != LMKV_OK)
        return problem(v, tr, p->key, p->key_size, "Hierarchy index value fails verification: %s", lmkv_errmsg());
    uint64_t sid = tr == T_HIER_PARENT ? h.parent_id : h.child_id;
    if (p->key_size != 28 || get_be64(p->key) != h.workspace_id || get_be64(p->key + 8) != sid ||
        get_be64(p->key + 16) != h.file_version_id)
        return problem(v, tr, p->key, p->key_size, "key does not match its record");
    kb_reset(&v->k);
    lmkv_schema__kb_u64(&v->k, h.workspace_id); lmkv_schema__kb_u64(&v->k, h.file_version_id); lmkv_schema__kb_raw(&v->k, p->key + 24, 4);
    lmkv_pair pp;
    int rc = vget(&pp, v, T_HIER, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return problem(v, tr, p->key, p->key_size, "orphan index entry: no record in store.hier");
    if (pp.value_size != p->value_size || memcmp(pp.value, p->value, p->value_size) != 0)
        return problem(v, tr, p->key, p->key_size, "index value differs from its record");
    return 0;
}
static int v_hier_parent(void *ctx, const lmkv_pair *p) { return v_hier_idx(ctx, T_HIER_PARENT, p); }
static int v_hier_child(void *ctx, const lmkv_pair *p) { return v_hier_idx(ctx, T_HIER_CHILD, p); }

/* ------------------------------------------------------------ cache */

static int v_cache_entry(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    lmkv_cache_entry e;
    if (lmkv_cache_entry_read(&e, p->value, p->value_size) != LMKV_OK)
        return problem(v, T_CACHE_ENTRY, p->key, p->key_size, "CacheEntry record fails verification: %s", lmkv_errmsg());
    if (p->key_size < 8 || get_be64(p->key) != e.workspace_id)
        return problem(v, T_CACHE_ENTRY, p->key, p->key_size, "key does not match the record's workspace");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key, p->key_size);
    lmkv_pair a;
    int rc = vget(&a, v, T_CACHE_ATIME, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0 || a.value_size != ATIME_VALUE_LEN)
        return problem(v, T_CACHE_ENTRY, p->key, p->key_size, "entry without a valid cache.atime entry");
    return 0;
}

static int v_cache_atime(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->value_size != ATIME_VALUE_LEN)
        return problem(v, T_CACHE_ATIME, p->key, p->key_size, "value is not 24 bytes");
    v->cache_bytes += get_be64(p->value + 16);
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key, p->key_size);
    lmkv_pair e;
    int rc = vget(&e, v, T_CACHE_ENTRY, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0 && problem(v, T_CACHE_ATIME, p->key, p->key_size, "access data without its cache entry"))
        return 1;
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->value, 8);
    lmkv_schema__kb_raw(&v->k, p->key, p->key_size);
    return expect(v, T_CACHE_LRU, p, T_CACHE_ATIME, NULL, 0);
}

static int v_cache_lru(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    if (p->key_size < 8)
        return problem(v, T_CACHE_LRU, p->key, p->key_size, "key too short");
    kb_reset(&v->k);
    lmkv_schema__kb_raw(&v->k, p->key + 8, p->key_size - 8);
    lmkv_pair a;
    int rc = vget(&a, v, T_CACHE_ATIME, &v->k);
    if (rc < 0)
        return rc;
    if (rc == 0 || a.value_size != ATIME_VALUE_LEN || memcmp(a.value, p->key, 8) != 0)
        return problem(v, T_CACHE_LRU, p->key, p->key_size, "LRU entry without matching access data");
    return 0;
}

static int v_cache_stats(void *ctx, const lmkv_pair *p)
{
    vctx *v = ctx;
    lmkv_cache_stats s;
    if (lmkv_cache_stats_read(&s, p->value, p->value_size) != LMKV_OK)
        return problem(v, T_CACHE_STATS, p->key, p->key_size, "CacheStats record fails verification: %s", lmkv_errmsg());
    if (p->key_size < 12 || get_be64(p->key) != s.workspace_id || get_be32(p->key + 8) != s.day)
        return problem(v, T_CACHE_STATS, p->key, p->key_size, "key does not match the record");
    return 0;
}

/* ------------------------------------------------------------ driver */

int lmkv_store_verify(size_t *out_problems, lmkv_store *st,
                               lmkv_store_problem_fn fn, void *ctx)
{
    if (!st)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_verify: NULL store");
    static const struct { enum store_tree tr; st_scan_fn f; } steps[] = {
        { T_WS, v_ws }, { T_WS_ROOT, v_ws_root }, { T_WS_GEN, v_ws_gen }, { T_FV, v_fv },
        { T_FV_BLOB, v_fv_blob },
        { T_MAP_COMMIT, v_map_commit }, { T_MAP_LATEST, v_map_latest },
        { T_CUR, v_cur }, { T_CUR_FV, v_cur_fv },
        { T_SYM, v_sym }, { T_SYM_NAME, v_sym_name }, { T_SYM_QNAME, v_sym_qname },
        { T_SYM_ID, v_sym_id },
        { T_CALL, v_call }, { T_CALL_TO, v_call_to }, { T_CUR_CALL_TO, v_cur_call_to },
        { T_CUR_CALL_FROM, v_cur_call_from },
        { T_REF, v_ref }, { T_REF_TO, v_ref_to }, { T_CUR_REF_TO, v_cur_ref_to },
        { T_HIER, v_hier }, { T_HIER_PARENT, v_hier_parent }, { T_HIER_CHILD, v_hier_child },
        { T_CACHE_ENTRY, v_cache_entry }, { T_CACHE_ATIME, v_cache_atime },
        { T_CACHE_LRU, v_cache_lru }, { T_CACHE_STATS, v_cache_stats },
    };
    lmkv_store_txn *t = NULL;
    int rc = lmkv_store_txn_begin(&t, st);
    if (rc != LMKV_OK)
        return rc;
    vctx v = { .t = t, .fn = fn, .ctx = ctx };
    lmkv_schema__kb_init(&v.k);
    {
        lmkv_pair p;
        lmkv_schema__kb_raw(&v.k, lmkv_schema__fv_blob_marker, FV_BLOB_MARKER_LEN);
        int r = vget(&p, &v, T_FV_BLOB, &v.k);
        if (r < 0) {
            rc = r;
            goto cleanup;
        }
        v.fv_blob_complete = r;
    }
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && !v.stop; i++) {
        rc = lmkv_schema__st_scan(t, steps[i].tr, "", 0, steps[i].f, &v);
        if (rc == LMKV_OK && !kb_ok(&v.k))
            rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_store_verify: out of memory");
        if (rc != LMKV_OK)
            goto cleanup;
    }
    if (!v.stop) {
        lmkv_pair p;
        kb_reset(&v.k);
        lmkv_schema__kb_raw(&v.k, "bytes", 5);
        int r = vget(&p, &v, T_CACHE_META, &v.k);
        uint64_t meta = (r == 1 && p.value_size == 8) ? get_be64(p.value) : 0;
        if (r < 0) {
            rc = r;
            goto cleanup;
        }
        if ((r == 1 && p.value_size != 8) || meta != v.cache_bytes)
            problem(&v, T_CACHE_META, "bytes", 5, "byte total %llu differs from the sum of entry sizes %llu",
                    (unsigned long long)meta, (unsigned long long)v.cache_bytes);
    }
    rc = v.problems ? lmkv_error_set(LMKV_ECORRUPT, "lmkv_store_verify: %zu problem(s) found", v.problems)
                    : LMKV_OK;
    if (out_problems)
        *out_problems = v.problems;
cleanup:
    lmkv_schema__kb_free(&v.k);
    lmkv_store_txn_end(t);
    return rc;
}
