/*
 * vstore.c -- versioning's helpers over schema's STORE API: the Workspace
 * record and its metadata, the current map as an owned array, and turning
 * an analysis into schema records for lmkv_store_put_file.
 *
 * Store primitives versioning would use if the STORE API had them (the lead
 * may add them; until then this file works around their absence):
 *  1. lmkv_store_commits(txn, ws, fn, ctx): every commit oid that has
 *     mappings in store.map_commit for ws. Needed by gc to find indexed
 *     commits that are no longer reachable. Workaround: versioning records
 *     the commits it maps (hex id and index time) in the Workspace record's
 *     `metadata` JSON ({"analyser_id": ..., "commits": {hex: ns}}), written
 *     in the same session as the mappings, so the list is exact.
 *  2. Removing a file version's LSP cache entries inside
 *     lmkv_store_remove_file (entries whose `ver` is that fv). Workaround:
 *     gc calls lmkv_cache_invalidate(ws, path, current fv of path) for every
 *     path whose version it removed (one bounded write txn per path).
 */
#include "versioning_int.h"
#include "kv_array_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

int64_t lmkv_versioning__vnow_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static char *vstrdup0(const char *s)
{
    return strdup(s ? s : "");
}

/* ------------------------------------------------------------------ meta */

void lmkv_versioning__vmeta_clear(struct vmeta *m)
{
    if (!m) return;
    free(m->analyser_id);
    free(m->commits);
    free(m->root); free(m->name); free(m->current_commit);
    memset(m, 0, sizeof *m);
}

int lmkv_versioning__vmeta_add_commit(struct vmeta *m, const char *hex, int64_t now_ns)
{
    for (size_t i = 0; i < m->ncommits; i++)
        if (strcmp(m->commits[i].hex, hex) == 0) return LMKV_OK;
    struct vcommit *nc = realloc(m->commits, (m->ncommits + 1) * sizeof *nc);
    if (!nc) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    m->commits = nc;
    snprintf(nc[m->ncommits].hex, LMKV_OID_HEXSZ, "%s", hex);
    nc[m->ncommits].indexed_ns = now_ns;
    m->ncommits++;
    return LMKV_OK;
}

void lmkv_versioning__vmeta_del_commit(struct vmeta *m, const char *hex)
{
    for (size_t i = 0; i < m->ncommits; i++) {
        if (strcmp(m->commits[i].hex, hex) != 0) continue;
        memmove(&m->commits[i], &m->commits[i + 1], (m->ncommits - i - 1) * sizeof *m->commits);
        m->ncommits--;
        return;
    }
}

int lmkv_versioning__vmeta_read(struct vmeta *out, lmkv_store_txn *t, const lmkv_worktree *wt)
{
    int rc;
    lmkv_workspace w;
    struct vmeta m;
    json_t *root = NULL;

    memset(&m, 0, sizeof m);
    rc = lmkv_store_workspace_get(&w, t, wt->ws);
    if (rc == LMKV_NOTFOUND) {
        if (!(m.analyser_id = strdup(""))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        *out = m;
        return LMKV_OK;
    }
    if (rc != LMKV_OK) goto cleanup;
    m.registered = 1;
    m.rec = w;
    if (!(m.root = vstrdup0(w.root_path)) || !(m.name = vstrdup0(w.name)) ||
        !(m.current_commit = vstrdup0(w.current_commit))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        goto cleanup;
    }
    m.rec.root_path = m.root;
    m.rec.name = m.name;
    m.rec.current_commit = m.current_commit;
    m.rec.metadata = NULL;
    if (w.metadata && *w.metadata) {
        json_error_t je;
        root = json_loads(w.metadata, 0, &je);
        if (!root || !json_is_object(root)) {
            rc = lmkv_error_set(LMKV_ECORRUPT, "workspace %016llx: metadata is not a JSON object (byte %d: %s)",
                      (unsigned long long)wt->ws, je.position, je.text);
            goto cleanup;
        }
        const char *aid = json_string_value(json_object_get(root, "analyser_id"));
        if (!(m.analyser_id = strdup(aid ? aid : ""))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        json_t *commits = json_object_get(root, "commits");
        const char *k;
        json_t *v;
        if (json_is_object(commits)) {
            json_object_foreach(commits, k, v) {
                if (strlen(k) != LMKV_OID_HEXLEN) continue;
                if ((rc = lmkv_versioning__vmeta_add_commit(&m, k, (int64_t)json_integer_value(v))) != LMKV_OK) goto cleanup;
            }
        }
    } else if (!(m.analyser_id = strdup(""))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        goto cleanup;
    }
    *out = m;
    memset(&m, 0, sizeof m);
    rc = LMKV_OK;
cleanup:
    json_decref(root);
    lmkv_versioning__vmeta_clear(&m);
    return rc;
}

int lmkv_versioning__vmeta_write(lmkv_store_session *s, const struct vmeta *m, const lmkv_worktree *wt,
                int64_t last_indexed_ns)
{
    int rc = LMKV_OK;
    json_t *root = json_object(), *commits = json_object();
    char *text = NULL;
    lmkv_workspace w;

    if (!root || !commits) { json_decref(commits); rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    json_object_set_new(root, "analyser_id", json_string(m->analyser_id ? m->analyser_id : ""));
    for (size_t i = 0; i < m->ncommits; i++)
        json_object_set_new(commits, m->commits[i].hex, json_integer((json_int_t)m->commits[i].indexed_ns));
    json_object_set_new(root, "commits", commits);
    if (!(text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }

    lmkv_record_init(LMKV_REC_WORKSPACE, &w);
    if (m->registered) w = m->rec;
    w.id = wt->ws;
    w.root_path = wt->root;
    if (!m->registered) {
        const char *base = strrchr(wt->root, '/');
        w.name = base && base[1] ? base + 1 : wt->root;
        w.created_ns = lmkv_versioning__vnow_ns();
    }
    w.is_git = wt->repo != NULL;
    /* The HEAD the state was resolved at is given by the caller through
     * m->current_commit (NULL/"" = none). */
    w.current_commit = m->current_commit && *m->current_commit ? m->current_commit : NULL;
    if (last_indexed_ns) w.last_indexed_ns = last_indexed_ns;
    w.metadata = text;
    rc = lmkv_store_workspace_put(s, &w);
cleanup:
    free(text);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------ current map */

void lmkv_versioning__vcurmap_clear(struct vcurmap *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) free(m->v[i].path);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static int vcur_push(void *ctx, const lmkv_store_current *c)
{
    struct vcurmap *m = ctx;
    if (m->n == m->cap && LMKV_ARRAY_GROW(m->v, m->cap, m->cap + 1, 256))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    struct vcur *e = &m->v[m->n];
    memset(e, 0, sizeof *e);
    if (!(e->path = malloc(c->path_len + 1))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    memcpy(e->path, c->path, c->path_len);
    e->path[c->path_len] = '\0';
    e->fv = c->fv;
    e->source = c->source;
    if (c->source == LMKV_SOURCE_COMMIT) lmkv_versioning__vhex20(e->commit, c->commit);
    m->n++;
    return 0;
}

static int vcur_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vcur *)a)->path, ((const struct vcur *)b)->path);
}

int lmkv_versioning__vcurmap_read(struct vcurmap *out, lmkv_store_txn *t, uint64_t ws)
{
    struct vcurmap m = {0};
    int rc = lmkv_store_current_each(t, ws, vcur_push, &m);
    if (rc != LMKV_OK) { lmkv_versioning__vcurmap_clear(&m); return rc; }
    /* Byte order equals strcmp order except for paths with NUL (none). */
    if (m.n) qsort(m.v, m.n, sizeof *m.v, vcur_cmp);
    *out = m;
    return LMKV_OK;
}

/* Sort by path and drop repeats (overlapping selections give an entry twice). */
static void vcurmap_sort_unique(struct vcurmap *m)
{
    if (m->n < 2) return;
    qsort(m->v, m->n, sizeof *m->v, vcur_cmp);
    size_t w = 1;
    for (size_t i = 1; i < m->n; i++) {
        if (strcmp(m->v[w - 1].path, m->v[i].path) == 0) { free(m->v[i].path); continue; }
        m->v[w++] = m->v[i];
    }
    m->n = w;
}

struct vsel_push { struct vcurmap *m; const char *sel; size_t n; };
static int vcur_push_in(void *ctx, const lmkv_store_current *c)
{
    struct vsel_push *p = ctx;
    /* the prefix scan also gives "dir2/..." for "dir": keep dir itself and
     * what is under dir/ */
    if (c->path_len > p->n && c->path[p->n] != '/') return 0;
    return vcur_push(p->m, c);
}

int lmkv_versioning__vcurmap_read_paths(struct vcurmap *out, lmkv_store_txn *t, uint64_t ws,
                       const char *const *paths, size_t npaths, int files_only)
{
    struct vcurmap m = {0};
    int rc = LMKV_OK;
    for (size_t i = 0; i < npaths && rc == LMKV_OK; i++) {
        const char *p = paths[i];
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/') n--;
        if (n == 0 || (n == 1 && p[0] == '.')) { lmkv_versioning__vcurmap_clear(&m); return lmkv_versioning__vcurmap_read(out, t, ws); }
    }
    if (npaths == 0) return lmkv_versioning__vcurmap_read(out, t, ws);
    for (size_t i = 0; i < npaths && rc == LMKV_OK; i++) {
        const char *p = paths[i];
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/') n--;
        if (files_only) {
            lmkv_store_current c;
            rc = lmkv_store_current_get(&c, t, ws, p, n);
            if (rc == LMKV_OK) rc = vcur_push(&m, &c);
            else if (rc == LMKV_NOTFOUND) rc = LMKV_OK;
        } else {
            struct vsel_push sp = { &m, p, n };
            rc = lmkv_store_current_prefix(t, ws, p, n, vcur_push_in, &sp);
        }
    }
    if (rc != LMKV_OK) { lmkv_versioning__vcurmap_clear(&m); return rc; }
    vcurmap_sort_unique(&m);
    *out = m;
    return LMKV_OK;
}

struct vcur *lmkv_versioning__vcurmap_find(const struct vcurmap *m, const char *path)
{
    struct vcur key = {.path = (char *)path};
    return m->n ? bsearch(&key, m->v, m->n, sizeof *m->v, vcur_cmp) : NULL;
}

/* ------------------------------------------------------ analysis -> records */

static const char *vlanguage(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) return NULL;
    dot++;
    if (!strcmp(dot, "c") || !strcmp(dot, "h")) return "c";
    if (!strcmp(dot, "cc") || !strcmp(dot, "cpp") || !strcmp(dot, "cxx") || !strcmp(dot, "hpp") ||
        !strcmp(dot, "hh")) return "cpp";
    if (!strcmp(dot, "rs")) return "rust";
    if (!strcmp(dot, "py")) return "python";
    if (!strcmp(dot, "go")) return "go";
    if (!strcmp(dot, "js")) return "javascript";
    if (!strcmp(dot, "ts")) return "typescript";
    return NULL;
}

/* Name table of one file's symbols, so resolving the file's calls, references
 * and hierarchy edges costs O(1) per name instead of a scan of all symbols
 * (SQLite's 9 MB amalgamation: ~8,000 symbols x ~100,000 calls/references).
 * Open addressing on xxh3 of (qualified name, kind); kind 0 = "any kind":
 *  - (q, 0): `sym` = the symbol a name resolves to: the FIRST DEFINITION
 *    with qualified name q (LMKV_ANALYSIS_SYM_DEFINITION), else the first
 *    symbol with it (a prototype/declaration): a caller_id or target_id
 *    names the function body, not a prototype that happens to come first;
 *  - (q, kind): `count` = number of symbols so far with that pair, the
 *    disambiguator of the symbol id (lmkv_symbol_id). */
struct vname_slot { const char *q; int kind; uint32_t sym; uint32_t count; };
struct vnames { struct vname_slot *s; size_t mask; };

static uint64_t vname_hash(const char *q, int kind)
{
    return XXH3_64bits_withSeed(q, strlen(q), (uint64_t)(unsigned)kind);
}

static struct vname_slot *vname_slot(const struct vnames *t, const char *q, int kind)
{
    size_t h = (size_t)vname_hash(q, kind) & t->mask;
    while (t->s[h].q && (t->s[h].kind != kind || strcmp(t->s[h].q, q) != 0))
        h = (h + 1) & t->mask;
    return &t->s[h];
}

/* Capacity for 2 entries per symbol at load <= 1/2. */
static int vnames_init(struct vnames *t, size_t nsyms)
{
    size_t cap = 16;
    while (cap < nsyms * 4) cap *= 2;
    t->mask = cap - 1;
    if (!(t->s = calloc(cap, sizeof *t->s))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    return LMKV_OK;
}

/* Symbol id a qualified name q resolves to in this file, 0 if none. */
static uint64_t vfind_sym(const struct vnames *t, const uint64_t *ids, const char *q)
{
    if (!q) return 0;
    const struct vname_slot *e = vname_slot(t, q, 0);
    return e->q ? ids[e->sym] : 0;
}

/* Convert an analysis to schema records and put the file version. */
static int vput_version(lmkv_store_session *s, const lmkv_worktree *wt, const char *path,
                 const char *blob_hex, uint64_t fv, const void *content, size_t len,
                 int64_t mtime_ns, const lmkv_analysis *a, int64_t now_ns)
{
    int rc = LMKV_OK;
    lmkv_file_version fvr;
    lmkv_symbol *syms = NULL;
    lmkv_call *calls = NULL;
    lmkv_reference *refs = NULL;
    lmkv_hierarchy *hier = NULL;
    uint64_t *ids = NULL;
    struct vnames names = { NULL, 0 };
    size_t nhier = 0;
    const char *lang = a->language ? a->language : vlanguage(path);
    static const char *const mod_static[] = {"static"};
    static const char *const mod_decl[] = {"declaration"};
    static const char *const mod_both[] = {"static", "declaration"};

    lmkv_record_init(LMKV_REC_FILE_VERSION, &fvr);
    fvr.id = fv;
    fvr.workspace_id = wt->ws;
    fvr.path = path;
    fvr.content_hash = XXH3_64bits(content, len);
    fvr.git_blob_id = blob_hex;
    fvr.language = lang;
    fvr.frontend = a->frontend;
    fvr.size_bytes = len;
    uint32_t lines = 0;
    for (size_t i = 0; i < len; i++) if (((const char *)content)[i] == '\n') lines++;
    if (len && ((const char *)content)[len - 1] != '\n') lines++;
    fvr.line_count = lines;
    fvr.mtime_ns = mtime_ns;
    fvr.indexed_ns = now_ns;

    size_t ns = a->nsyms;
    if ((ns && (!(syms = calloc(ns, sizeof *syms)) || !(ids = calloc(ns, sizeof *ids)))) ||
        (a->ncalls && !(calls = calloc(a->ncalls, sizeof *calls))) ||
        (a->nrefs && !(refs = calloc(a->nrefs, sizeof *refs))) ||
        ((ns + a->nhiers) && !(hier = calloc(ns + a->nhiers, sizeof *hier)))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = vnames_init(&names, ns)) != LMKV_OK) goto cleanup;
    /* Ids: (qualified name, kind) plus a disambiguator counting earlier
     * symbols of the file with the same pair. */
    for (size_t i = 0; i < ns; i++) {
        const struct vsym *v = &a->syms[i];
        struct vname_slot *e = vname_slot(&names, v->qname, v->kind);
        if (!e->q) { e->q = v->qname; e->kind = v->kind; }
        uint32_t dis = e->count++;
        e = vname_slot(&names, v->qname, 0);
        if (!e->q) { e->q = v->qname; e->kind = 0; e->sym = (uint32_t)i; }
        else if ((v->flags & LMKV_ANALYSIS_SYM_DEFINITION) && !(a->syms[e->sym].flags & LMKV_ANALYSIS_SYM_DEFINITION))
            e->sym = (uint32_t)i;
        if ((rc = lmkv_symbol_id(&ids[i], wt->ws, path, v->qname, v->kind, dis)) != LMKV_OK) goto cleanup;
        lmkv_symbol *y = &syms[i];
        lmkv_record_init(LMKV_REC_SYMBOL, y);
        y->id = ids[i];
        y->name = v->name;
        y->qualified_name = strcmp(v->qname, v->name) ? v->qname : NULL;
        y->kind = (lmkv_symbol_kind)v->kind;
        y->start_line = v->line; y->start_column = v->column;
        y->end_line = v->end_line; y->end_column = v->end_column;
        y->signature = v->signature;
        y->language = lang;
        y->disambiguator = dis;
        y->indexed_ns = now_ns;
        int st = (v->flags & LMKV_ANALYSIS_SYM_STATIC) != 0;
        int decl = (v->flags & LMKV_ANALYSIS_SYM_DEFINITION) == 0;
        if (st) y->visibility = "static";
        if (st && decl) { y->modifiers.items = mod_both; y->modifiers.count = 2; }
        else if (st) { y->modifiers.items = mod_static; y->modifiers.count = 1; }
        else if (decl) { y->modifiers.items = mod_decl; y->modifiers.count = 1; }
    }
    for (size_t i = 0; i < ns; i++) {
        const struct vsym *v = &a->syms[i];
        if (!v->parent) continue;
        syms[i].parent_name = v->parent;
        syms[i].parent_id = vfind_sym(&names, ids, v->parent);
        lmkv_hierarchy *h = &hier[nhier++];
        lmkv_record_init(LMKV_REC_HIERARCHY, h);
        h->parent_id = syms[i].parent_id;
        h->parent_name = v->parent;
        h->child_id = ids[i];
        h->child_name = v->qname;
        h->kind = LMKV_HIER_CONTAINS;
    }
    for (size_t i = 0; i < a->nhiers; i++) {
        const struct vhier *v = &a->hiers[i];
        lmkv_hierarchy *h = &hier[nhier++];
        lmkv_record_init(LMKV_REC_HIERARCHY, h);
        h->parent_id = vfind_sym(&names, ids, v->parent);
        h->parent_name = v->parent;
        h->child_id = vfind_sym(&names, ids, v->child);
        h->child_name = v->child;
        h->kind = (lmkv_hierarchy_kind)v->kind;
    }
    for (size_t i = 0; i < a->ncalls; i++) {
        const struct vcall *v = &a->calls[i];
        lmkv_call *c = &calls[i];
        lmkv_record_init(LMKV_REC_CALL, c);
        c->caller_id = vfind_sym(&names, ids, v->caller);
        c->caller_name = v->caller;
        c->callee_id = vfind_sym(&names, ids, v->callee);
        c->callee_name = v->callee;
        c->line = v->line; c->column = v->column;
        c->call_type = (lmkv_call_type)v->call_type;
        c->argument_count = v->argument_count;
        c->is_recursive = strcmp(v->caller, v->callee) == 0;
        if ((rc = lmkv_call_id(&c->id, fv, c->caller_id, c->callee_id, c->line, c->column)) != LMKV_OK)
            goto cleanup;
    }
    for (size_t i = 0; i < a->nrefs; i++) {
        const struct vref *v = &a->refs[i];
        lmkv_reference *r = &refs[i];
        lmkv_record_init(LMKV_REC_REFERENCE, r);
        r->source_id = vfind_sym(&names, ids, v->from);
        r->source_name = v->from;
        r->target_id = vfind_sym(&names, ids, v->name);
        r->target_name = v->name;
        r->start_line = v->line; r->start_column = v->column;
        r->kind = (lmkv_reference_kind)v->kind;
        if ((rc = lmkv_reference_id(&r->id, fv, r->source_id, r->target_id, v->kind, v->line, v->column)) != LMKV_OK)
            goto cleanup;
    }
    lmkv_store_file_records recs = {
        .symbols = syms, .n_symbols = ns,
        .references = refs, .n_references = a->nrefs,
        .calls = calls, .n_calls = a->ncalls,
        .hierarchy = hier, .n_hierarchy = nhier,
    };
    rc = lmkv_store_put_file(s, &fvr, &recs);
    if (rc != LMKV_OK)
        rc = lmkv_error_wrap(rc, "storing '%s' (blob %s)", path, blob_hex);
cleanup:
    free(syms); free(ids); free(calls); free(refs); free(hier); free(names.s);
    return rc;
}

int lmkv_versioning__vanalyse_only(lmkv_analysis *a, int *out_failed, int *out_err, char **out_msg, const char *path,
                  const void *content, size_t len, lmkv_analyser_fn analyser, void *ctx)
{
    memset(a, 0, sizeof *a);
    *out_failed = 0;
    *out_err = 0;
    *out_msg = NULL;
    a->active = 1;
    lmkv_error_clear();
    int arc = analyser(a, path, content, len, ctx);
    a->active = 0;
    if (arc != 0) {
        const char *m = a->error ? a->error : lmkv_errmsg();
        if (!m || !*m) m = arc < 0 ? lmkv_strerror(arc) : "analyser failed";
        *out_failed = 1;
        *out_err = arc;
        if (!(*out_msg = strdup(m))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    return LMKV_OK;
}

int lmkv_versioning__vput_analysed(int *out_failed, int *out_err, char **out_msg, lmkv_store_session *s,
                  const lmkv_worktree *wt, const char *path, const char *blob_hex,
                  uint64_t fv, const void *content, size_t len, int64_t mtime_ns,
                  lmkv_analysis *a, int64_t now_ns)
{
    *out_failed = 0;
    *out_err = 0;
    *out_msg = NULL;
    int rc = vput_version(s, wt, path, blob_hex, fv, content, len, mtime_ns, a, now_ns);
    if (rc == LMKV_EINVAL) {
        /* Bad records (store checked them before writing: nothing written,
         * session usable): the file fails, the session goes on. */
        *out_failed = 1;
        *out_err = rc;
        const char *m = lmkv_errmsg();
        if (!(*out_msg = strdup(m && *m ? m : "invalid records"))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        rc = LMKV_OK;
    }
    return rc;
}

int lmkv_versioning__vanalyse_and_put(int *out_failed, int *out_err, char **out_msg, lmkv_store_session *s,
                     const lmkv_worktree *wt, const char *path, const char *blob_hex,
                     uint64_t fv, const void *content, size_t len, int64_t mtime_ns,
                     lmkv_analyser_fn analyser, void *ctx, int64_t now_ns)
{
    lmkv_analysis a;
    int rc = lmkv_versioning__vanalyse_only(&a, out_failed, out_err, out_msg, path, content, len, analyser, ctx);
    if (rc == LMKV_OK && !*out_failed)
        rc = lmkv_versioning__vput_analysed(out_failed, out_err, out_msg, s, wt, path, blob_hex, fv, content, len,
                           mtime_ns, &a, now_ns);
    lmkv_versioning__vanalysis_reset(&a);
    return rc;
}

/* ------------------------------------------------- renamed and copied files */

const char *lmkv_versioning__vext(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot ? dot + 1 : "";
}

int lmkv_versioning__vsame_ext(const char *a, const char *b)
{
    return strcmp(lmkv_versioning__vext(a), lmkv_versioning__vext(b)) == 0;
}

struct vsrc { const char *path; uint64_t fv; };

static int vsrc_cb(void *ctx, const lmkv_file_version *r)
{
    struct vsrc *x = ctx;
    if (!r->path || strcmp(r->path, x->path) == 0 || !lmkv_versioning__vsame_ext(r->path, x->path)) return 0;
    x->fv = r->id;
    return 1;
}

int lmkv_versioning__vfind_copy_source(uint64_t *out_src, lmkv_store_txn *t, const lmkv_worktree *wt,
                      const char *path, const char *blob_hex)
{
    struct vsrc x = { path, 0 };
    *out_src = 0;
    if (!blob_hex[0]) return LMKV_OK;
    int rc = lmkv_store_file_versions_by_blob(t, wt->ws, blob_hex, vsrc_cb, &x);
    if (rc == LMKV_OK) *out_src = x.fv;
    return rc;
}

int lmkv_versioning__vcopy_version(int *out_copied, lmkv_store_session *s, const lmkv_worktree *wt,
                  const char *path, uint64_t fv, uint64_t src, int64_t mtime_ns, int64_t now_ns)
{
    lmkv_file_version dst;
    lmkv_record_init(LMKV_REC_FILE_VERSION, &dst);
    dst.id = fv;
    dst.workspace_id = wt->ws;
    dst.path = path;
    dst.mtime_ns = mtime_ns;
    dst.indexed_ns = now_ns;
    *out_copied = 0;
    int rc = lmkv_store_copy_file(s, &dst, src);
    if (rc == LMKV_OK) *out_copied = 1;
    else if (rc == LMKV_NOTFOUND || rc == LMKV_EINVAL || rc == LMKV_ECORRUPT) rc = LMKV_OK;
    return rc;
}
