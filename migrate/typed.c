/*
 * typed.c -- the probe LSP daemon's sled trees as lmkv typed records
 * (lmkv_migrate.h, IMPORT/EXPORT section; value layouts in bincode.c).
 *
 * Recognition: a tree named like one of the daemon's (universal_cache,
 * cache_stats, nodes, file_index, git_index, metadata) whose FIRST pair
 * decodes is the daemon's; a later pair of it that does not decode is
 * reported (RAW_ONLY) and kept raw. A same-named tree whose first pair does
 * not decode is someone else's tree: imported raw, silently.
 */
#include "typed_int.h"

#include "lmkv_schema.h"
#include "lmkv_versioning.h"
#include "kv_array_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int mig_typed_tree_kind(const void *name, size_t len)
{
    static const struct { const char *n; int k; } t[] = {
        {"universal_cache", MT_CACHE}, {"cache_stats", MT_STATS},   {"nodes", MT_NODES},
        {"file_index", MT_FILE_INDEX}, {"git_index", MT_GIT_INDEX}, {"metadata", MT_METADATA}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strlen(t[i].n) == len && !memcmp(t[i].n, name, len)) return t[i].k;
    return MT_NONE;
}

/* Lexical normalisation of a '/'-separated path: empty and "." components
 * dropped, ".." removes the previous component. Returns the components
 * joined by '/' without a leading '/' (malloc'd); *escaped = 1 when a ".."
 * of a relative path goes above its start ("/.." of an absolute path stays
 * at "/", as in POSIX). No file system access: symbolic links are not
 * followed (the dump's paths name the daemon's machine, not this one). */
static char *norm_path(int *escaped, const char *p, size_t n)
{
    int abs = n && p[0] == '/';
    char *b = malloc(n + 1);
    size_t bl = 0, i = 0;
    *escaped = 0;
    if (!b) return NULL;
    while (i < n) {
        while (i < n && p[i] == '/') i++;
        size_t s = i;
        while (i < n && p[i] != '/') i++;
        size_t cl = i - s;
        if (cl == 0 || (cl == 1 && p[s] == '.')) continue;
        if (cl == 2 && p[s] == '.' && p[s + 1] == '.') {
            if (bl == 0) {
                if (!abs) *escaped = 1;
                continue;
            }
            while (bl > 0 && b[bl - 1] != '/') bl--;
            if (bl > 0) bl--;
            continue;
        }
        if (bl) b[bl++] = '/';
        memcpy(b + bl, p + s, cl);
        bl += cl;
    }
    b[bl] = '\0';
    return b;
}

/* Confines a path of a dump to its workspace: lexically normalised (no
 * file system access), it must be relative and stay inside (no ".." above
 * its start) or, with `root` (an absolute directory), be absolute under
 * root or relative and inside. *out: the normalised workspace-relative
 * path (malloc'd). LMKV_EPERM with a message naming the path when it
 * escapes (or is empty, holds a NUL, names root itself, or is absolute and
 * root is NULL); LMKV_ENOMEM. */
static int mig_path_confine(char **out, const char *root, const void *path, size_t len)
{
    const char *p = path;
    int pl = (int)(len > 200 ? 200 : len), esc = 0;
    *out = NULL;
    if (len == 0 || memchr(p, '\0', len)) return lmkv_error_set(LMKV_EPERM, "path is empty or holds a NUL byte");
    int abs = p[0] == '/';
    if (abs && !root)
        return lmkv_error_set(LMKV_EPERM, "path '%.*s' is absolute; a workspace-relative path is expected", pl, p);
    char *n = norm_path(&esc, p, len);
    if (!n) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if (esc) {
        free(n);
        return lmkv_error_set(LMKV_EPERM, "path '%.*s' escapes the workspace root through '..'", pl, p);
    }
    if (abs) {
        char *r = norm_path(&esc, root, strlen(root));
        if (!r) { free(n); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
        size_t rl = strlen(r);
        if (rl && !(strlen(n) > rl && !memcmp(n, r, rl) && n[rl] == '/')) {
            free(r);
            free(n);
            return lmkv_error_set(LMKV_EPERM, "path '%.*s' lies outside the workspace root '%s'", pl, p, root);
        }
        if (rl) memmove(n, n + rl + 1, strlen(n + rl + 1) + 1);
        free(r);
    }
    if (!n[0]) {
        free(n);
        return lmkv_error_set(LMKV_EPERM, "path '%.*s' names the workspace root itself, not a file in it", pl, p);
    }
    *out = n;
    return LMKV_OK;
}

/* Decodes one universal_cache pair: its key, its CacheEntry and the entry's
 * data, which must be a JSON object (*out_data, the caller's reference).
 * The slices point into key/val. */
static int decode_cache(lmkv_daemon_cache_key *k, lmkv_daemon_cache_entry *e, json_t **out_data,
                        const void *key, size_t klen, const void *val, size_t vlen)
{
    int rc;
    if ((rc = lmkv_daemon_cache_key_parse(k, key, klen))) return rc;
    if ((rc = lmkv_bincode_cache_entry(e, val, vlen))) return rc;
    json_error_t err;
    json_t *j = json_loadb(e->data.ptr, e->data.len, 0, &err);
    if (!j) return lmkv_error_set(LMKV_ECORRUPT, "CacheEntry.data is not JSON: %s at byte %d", err.text, err.position);
    if (!json_is_object(j)) {
        json_decref(j);
        return lmkv_error_set(LMKV_ECORRUPT, "CacheEntry.data is not a JSON object");
    }
    *out_data = j;
    return LMKV_OK;
}

/* Decodes one daemon pair; returns LMKV_OK or an error with a message.
 * *out_calls gets the number of calls of a node. */
static int decode_pair(int kind, const void *key, size_t klen, const void *val, size_t vlen, uint64_t *out_calls)
{
    int rc;
    *out_calls = 0;
    switch (kind) {
    case MT_CACHE: {
        lmkv_daemon_cache_key k;
        lmkv_daemon_cache_entry e;
        json_t *j;
        if ((rc = decode_cache(&k, &e, &j, key, klen, val, vlen))) return rc;
        json_decref(j);
        char *rel = NULL;
        rc = mig_path_confine(&rel, NULL, k.path.ptr, k.path.len);
        free(rel);
        return rc; /* LMKV_EPERM: decodes, but its path escapes */
    }
    case MT_STATS: {
        uint64_t v;
        if (!((klen == 4 && !memcmp(key, "hits", 4)) || (klen == 6 && !memcmp(key, "misses", 6))))
            return lmkv_error_set(LMKV_ECORRUPT, "cache_stats key is neither \"hits\" nor \"misses\"");
        return lmkv_bincode_counter(&v, val, vlen);
    }
    case MT_NODES: {
        lmkv_daemon_node_key k;
        lmkv_daemon_node n;
        if ((rc = lmkv_bincode_node_key(&k, key, klen))) return rc;
        if ((rc = lmkv_bincode_node(&n, val, vlen))) return rc;
        int same = k.symbol.len == n.key.symbol.len && k.file.len == n.key.file.len &&
                   k.content_md5.len == n.key.content_md5.len && !memcmp(k.symbol.ptr, n.key.symbol.ptr, k.symbol.len) &&
                   !memcmp(k.file.ptr, n.key.file.ptr, k.file.len) &&
                   !memcmp(k.content_md5.ptr, n.key.content_md5.ptr, k.content_md5.len);
        *out_calls = n.n_incoming + n.n_outgoing;
        lmkv_daemon_node_clear(&n);
        if (!same) return lmkv_error_set(LMKV_ECORRUPT, "PersistedNode.key differs from the sled key");
        return LMKV_OK;
    }
    case MT_FILE_INDEX:
    case MT_GIT_INDEX: {
        if (kind == MT_GIT_INDEX && !(klen == 40 && lmkv_migrate__is_lower_hex(key, 40)))
            return lmkv_error_set(LMKV_ECORRUPT, "git_index key is not a 40-digit commit id");
        lmkv_daemon_node_key *keys = NULL;
        size_t n;
        if ((rc = lmkv_bincode_node_key_list(&keys, &n, val, vlen))) return rc;
        free(keys);
        return LMKV_OK;
    }
    case MT_METADATA: {
        lmkv_daemon_cache_metadata m;
        if (!(klen == 14 && !memcmp(key, "cache_metadata", 14)))
            return lmkv_error_set(LMKV_ECORRUPT, "metadata key is not \"cache_metadata\"");
        return lmkv_bincode_cache_metadata(&m, val, vlen);
    }
    }
    return LMKV_OK;
}

static unsigned char *dup_bytes(const void *p, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    if (d && n) memcpy(d, p, n);
    return d;
}

/* Holds one RAW_ONLY notice; delivers it at once when the budget is spent or
 * memory runs out (a notice is never lost, only its order relative to the
 * CRC check). */
static void hold_notice(mig_typed_scan *s, const lmkv_migrate_options *o, const lmkv_dump_event *ev, const char *why)
{
    size_t wl = strlen(why);
    size_t cost = ev->name_len + ev->key_len + wl + sizeof(struct mig_notice);
    if (s->held_bytes + cost <= MIG_NOTICE_HOLD_BYTES) {
        if (s->nheld == s->capheld) (void)LMKV_ARRAY_GROW(s->held, s->capheld, s->nheld + 1, 16);
        if (s->nheld < s->capheld) {
            struct mig_notice *n = &s->held[s->nheld];
            n->tree = dup_bytes(ev->name, ev->name_len);
            n->key = dup_bytes(ev->key, ev->key_len);
            n->why = (char *)dup_bytes(why, wl + 1);
            n->tree_len = ev->name_len;
            n->key_len = ev->key_len;
            if (n->tree && n->key && n->why) {
                s->nheld++;
                s->held_bytes += cost;
                return;
            }
            free(n->tree); free(n->key); free(n->why);
        }
    }
    o->notice(o->notice_ctx, LMKV_MIGRATE_RAW_ONLY, ev->name, ev->name_len, ev->key, ev->key_len, why);
}

void lmkv_migrate__typed_notices_deliver(mig_typed_scan *s, const lmkv_migrate_options *o)
{
    for (size_t i = 0; i < s->nheld; i++) {
        struct mig_notice *n = &s->held[i];
        if (o->notice) o->notice(o->notice_ctx, LMKV_MIGRATE_RAW_ONLY, n->tree, n->tree_len, n->key, n->key_len, n->why);
    }
    lmkv_migrate__typed_notices_drop(s);
}

void lmkv_migrate__typed_notices_drop(mig_typed_scan *s)
{
    for (size_t i = 0; i < s->nheld; i++) {
        free(s->held[i].tree);
        free(s->held[i].key);
        free(s->held[i].why);
    }
    free(s->held);
    s->held = NULL;
    s->nheld = s->capheld = s->held_bytes = 0;
}

void lmkv_migrate__typed_check(mig_typed_scan *s, const lmkv_dump_event *ev, const lmkv_migrate_options *o,
                     lmkv_migrate_report *rep)
{
    if (s->off || ev->is_meta) return;
    if (ev->kind == LMKV_DUMP_COLLECTION) {
        s->cur = mig_typed_tree_kind(ev->name, ev->name_len);
        s->cur_state = 0;
        return;
    }
    if (ev->kind != LMKV_DUMP_PAIR || !s->cur || s->cur_state < 0) return;
    uint64_t calls;
    int rc = decode_pair(s->cur, ev->key, ev->key_len, ev->value, ev->value_len, &calls);
    if (s->cur_state == 0) s->cur_state = rc && rc != LMKV_EPERM ? -1 : 1; /* an escaping path still decodes */
    if (s->cur_state < 0) return;
    if (rc) {
        rep->raw_only++;
        if (o->notice) hold_notice(s, o, ev, lmkv_errmsg());
        return;
    }
    switch (s->cur) {
    case MT_CACHE: s->cache_entries++; break;
    case MT_STATS: s->stats++; break;
    case MT_NODES: s->nodes++; s->calls += calls; break;
    default: break;
    }
    if (rep->dry_run) {
        rep->typed_cache_entries = s->cache_entries;
        rep->typed_cache_stats = s->stats ? 1 : 0;
        rep->typed_symbols = s->nodes;
        rep->typed_calls = s->calls;
        rep->typed_records = rep->typed_cache_entries + rep->typed_cache_stats + rep->typed_symbols + rep->typed_calls;
    }
}

/* ------------------------------------------------------------ helpers */

static char *dupn(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static int64_t ns_of(lmkv_systime t)
{
    if (t.secs > (uint64_t)(INT64_MAX / 1000000000) - 1) return INT64_MAX;
    return (int64_t)t.secs * 1000000000 + (int64_t)t.nanos;
}

/* Opens user tree `name` if present; *out NULL when absent. */
static int open_existing(lmkv_tree **out, lmkv_db *db, const char *name)
{
    *out = NULL;
    int rc = lmkv_db_open_tree_ex(out, db, name, strlen(name), LMKV_TREE_NO_CREATE);
    if (rc == LMKV_NOTFOUND) { *out = NULL; return LMKV_OK; }
    return rc;
}

static void notice_raw(const lmkv_migrate_options *o, lmkv_migrate_report *rep, const char *tree,
                       const lmkv_pair *p, const char *why)
{
    rep->raw_only++;
    if (o->notice)
        o->notice(o->notice_ctx, LMKV_MIGRATE_RAW_ONLY, (const unsigned char *)tree, strlen(tree), p->key, p->key_size,
                  why);
}

/* ------------------------------------------------------ universal cache */

struct cache_ctx {
    lmkv_db *db;
    lmkv_store *st;
    lmkv_cache *cache;
    const lmkv_migrate_options *o;
    lmkv_migrate_report *rep;
    uint64_t ws_single; /* the one workspace seen (0 if none or several) */
    int ws_count;
};

static int ws_for(uint64_t *out, const lmkv_migrate_options *o, const lmkv_slice *daemon_ws)
{
    if (o->workspace_root) return lmkv_workspace_id(out, o->workspace_root);
    char root[600];
    snprintf(root, sizeof root, "/.probe-workspace/%.*s", (int)(daemon_ws->len > 500 ? 500 : daemon_ws->len),
             daemon_ws->ptr);
    return lmkv_workspace_id(out, root);
}

static int convert_cache(struct cache_ctx *c)
{
    lmkv_tree *t = NULL;
    lmkv_iter *it = NULL;
    int rc = open_existing(&t, c->db, "universal_cache");
    if (rc || !t) return rc;
    if ((rc = lmkv_tree_iter(&it, t))) goto cleanup;
    lmkv_pair p;
    int state = 0;
    while ((rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
        lmkv_daemon_cache_key k;
        lmkv_daemon_cache_entry e;
        json_t *j = NULL;
        int drc = decode_cache(&k, &e, &j, p.key, p.key_size, p.value, p.value_size);
        if (state == 0) state = drc ? -1 : 1;
        if (state < 0) break; /* not the daemon's tree */
        if (drc) continue;    /* reported in the raw pass */
        char *path = NULL;
        if ((drc = mig_path_confine(&path, NULL, k.path.ptr, k.path.len))) {
            json_decref(j);
            if (drc != LMKV_EPERM) { rc = drc; goto cleanup; }
            continue; /* reported in the raw pass: never stored with an escaping path */
        }
        char *rtype = NULL;
        if (json_is_string(json_object_get(j, "type"))) rtype = strdup(json_string_value(json_object_get(j, "type")));
        json_decref(j);
        uint64_t ws;
        if ((rc = ws_for(&ws, c->o, &k.workspace_id))) { free(rtype); free(path); goto cleanup; }
        if (c->ws_count == 0) { c->ws_single = ws; c->ws_count = 1; }
        else if (c->ws_single != ws) c->ws_count = 2;
        char *method = dupn(k.method_in_key.ptr, k.method_in_key.len);
        char *hash = dupn(k.content_hash.ptr, k.content_hash.len);
        char *sym = k.has_symbol ? dupn(k.symbol.ptr, k.symbol.len) : NULL;
        char *legacy = dupn((const char *)p.key, p.key_size);
        if (!method || !path || !hash || !legacy || (k.has_symbol && !sym)) {
            rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        } else {
            for (char *q = method; *q; q++)
                if (*q == '_') *q = '/';
            lmkv_cache_entry rec;
            lmkv_record_init(LMKV_REC_CACHE_ENTRY, &rec);
            rec.workspace_id = ws;
            rec.method = method;
            rec.file_path = path;
            rec.content_hash = hash;
            rec.response.data = (const uint8_t *)(e.data.len ? e.data.ptr : "");
            rec.response.len = e.data.len;
            rec.response_type = rtype;
            rec.created_ns = ns_of(e.created_at);
            rec.last_accessed_ns = ns_of(e.last_accessed);
            rec.access_count = e.access_count;
            rec.symbol = sym;
            rec.legacy_key = legacy;
            lmkv_cache_key ck;
            memset(&ck, 0, sizeof ck);
            /* the daemon's key holds no position: the entry's is null (the
             * key bytes hold 0,0, so a lookup without a position finds it) */
            ck.line = ck.character = LMKV_POSITION_NONE;
            ck.ws = ws;
            ck.method = method;
            ck.path = path;
            ck.content_version = strtoull((char[17]){hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6],
                                                     hash[7], hash[8], hash[9], hash[10], hash[11], hash[12], hash[13],
                                                     hash[14], hash[15], 0},
                                          NULL, 16);
            rc = lmkv_cache_put_entry(c->cache, &ck, &rec);
            if (rc == LMKV_ETOOBIG) {
                notice_raw(c->o, c->rep, "universal_cache", &p, lmkv_errmsg());
                rc = LMKV_OK;
            } else if (rc == LMKV_OK) {
                c->rep->typed_cache_entries++;
            }
        }
        free(method);
        free(path);
        free(hash);
        free(sym);
        free(legacy);
        free(rtype);
        if (rc) goto cleanup;
    }
    if (rc == LMKV_NOTFOUND) rc = LMKV_OK;
cleanup:
    lmkv_iter_free(it);
    lmkv_tree_close(t);
    return rc;
}

static int convert_stats(struct cache_ctx *c)
{
    lmkv_tree *t = NULL;
    int rc = open_existing(&t, c->db, "cache_stats");
    if (rc || !t) return rc;
    uint64_t hits = 0, misses = 0;
    int ok = 1, any = 0;
    const char *keys[2] = {"hits", "misses"};
    uint64_t *vals[2] = {&hits, &misses};
    for (int i = 0; i < 2; i++) {
        lmkv_bytes v = {0};
        rc = lmkv_tree_get(&v, t, keys[i], strlen(keys[i]));
        if (rc == LMKV_NOTFOUND) continue;
        if (rc) goto cleanup;
        if (lmkv_bincode_counter(vals[i], v.data, v.size) != LMKV_OK) ok = 0;
        else any = 1;
        lmkv_free(v.data);
    }
    rc = LMKV_OK;
    if (ok && any) {
        uint64_t ws = 0;
        if (c->o->workspace_root) {
            if ((rc = lmkv_workspace_id(&ws, c->o->workspace_root))) goto cleanup;
        } else if (c->ws_count == 1) {
            ws = c->ws_single;
        }
        if ((rc = lmkv_cache_stats_add(c->cache, ws, "", 0, hits, misses))) goto cleanup;
        c->rep->typed_cache_stats++;
    }
cleanup:
    lmkv_tree_close(t);
    return rc;
}

/* ------------------------------------------------------ legacy call graph */

struct lnode {
    unsigned char *key; /* owned copy of the sled key (for reports) */
    size_t klen;
    unsigned char *val; /* owned copy of the value */
    lmkv_daemon_node n; /* slices into val */
};

struct lsym {
    uint64_t id, fv;
    char *path, *name;
    int kind;
    uint32_t line, col;
    int64_t ns;
    const char *lang;
};

struct lcall {
    uint64_t id, fv, caller, callee;
    char *caller_name, *callee_name, *path;
};

struct lfv {
    uint64_t id;
    char *path, *md5; /* md5 may be NULL (caller files without a node) */
    int64_t ns;
    const char *lang;
};

struct legacy {
    const lmkv_migrate_options *o;
    lmkv_migrate_report *rep;
    char *root;
    uint64_t ws;
    struct lnode *nodes;
    size_t n_nodes;
    struct lfv *fvs;
    size_t n_fvs, cap_fvs;
    struct lsym *syms;
    size_t n_syms, cap_syms;
    struct lcall *calls;
    size_t n_calls, cap_calls;
};

#define GROW(arr, n, cap)                                                                  \
    do {                                                                                   \
        if (LMKV_ARRAY_GROW(arr, cap, (n) + 1, 64))                                        \
            return lmkv_error_set(LMKV_ENOMEM, "typed conversion: out of memory");         \
    } while (0)

/* Workspace-relative form of a path of the dump (malloc'd); NULL when out
 * of memory or when it escapes the root (never for the nodes kept by
 * confine_nodes, whose every path was checked). */
static char *relpath(const struct legacy *L, const char *p, size_t n)
{
    char *r = NULL;
    return mig_path_confine(&r, L->root, p, n) ? NULL : r;
}

static int fv_get(uint64_t *out, struct legacy *L, const char *rel, const char *md5, int64_t ns, const char *lang)
{
    for (size_t i = 0; i < L->n_fvs; i++) {
        struct lfv *f = &L->fvs[i];
        if (!strcmp(f->path, rel) && ((!f->md5 && !md5) || (f->md5 && md5 && !strcmp(f->md5, md5)))) {
            if (ns > f->ns) f->ns = ns;
            if (!f->lang) f->lang = lang;
            *out = f->id;
            return LMKV_OK;
        }
    }
    GROW(L->fvs, L->n_fvs, L->cap_fvs);
    struct lfv *f = &L->fvs[L->n_fvs];
    memset(f, 0, sizeof *f);
    int rc = lmkv_file_version_id(&f->id, L->ws, rel, md5);
    if (rc) return rc;
    f->path = strdup(rel);
    f->md5 = md5 ? strdup(md5) : NULL;
    if (!f->path || (md5 && !f->md5)) { free(f->path); free(f->md5); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
    f->ns = ns;
    f->lang = lang;
    L->n_fvs++;
    *out = f->id;
    return LMKV_OK;
}

/* The file version a caller/callee file (no md5 known) belongs to: the
 * newest node version of that path, else one with unknown content. */
static int fv_for_path(uint64_t *out, struct legacy *L, const char *rel, int64_t ns)
{
    const struct lfv *best = NULL;
    for (size_t i = 0; i < L->n_fvs; i++)
        if (L->fvs[i].md5 && !strcmp(L->fvs[i].path, rel) && (!best || L->fvs[i].ns > best->ns)) best = &L->fvs[i];
    if (best) { *out = best->id; return LMKV_OK; }
    return fv_get(out, L, rel, NULL, ns, NULL);
}

/* CallInfo.symbol_kind as the daemon stored it: the LSP SymbolKind number
 * ("12") or its name ("Function", "EnumMember", any case, '_' ignored; see
 * lmkv_symbol_kind_from_name).  Anything else (empty, "unknown", out of
 * range, longer than any name) is 0, Unknown. */
static int kind_of(const lmkv_slice *s)
{
    char b[64];
    if (s->len == 0 || s->len >= sizeof b) return 0;
    memcpy(b, s->ptr, s->len);
    b[s->len] = 0;
    int digits = 1;
    for (size_t i = 0; i < s->len; i++)
        if (b[i] < '0' || b[i] > '9') digits = 0;
    if (digits) {
        if (s->len > 2) return 0;
        int v = atoi(b);
        return v >= 0 && v <= LMKV_SK_TYPE_PARAMETER ? v : 0;
    }
    if (memchr(b, 0, s->len)) return 0;
    lmkv_symbol_kind k;
    if (lmkv_symbol_kind_from_name(&k, b) != LMKV_OK) {
        lmkv_error_clear();
        return 0;
    }
    return (int)k;
}

static int sym_get(uint64_t *out, struct legacy *L, uint64_t fv, const char *rel, const char *name, size_t name_len,
                   int kind, uint32_t line, uint32_t col, int64_t ns, const char *lang)
{
    char *nm = dupn(name, name_len);
    if (!nm) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    uint64_t id;
    int rc = lmkv_symbol_id(&id, L->ws, rel, nm, kind, 0);
    if (rc) { free(nm); return rc; }
    for (size_t i = 0; i < L->n_syms; i++) {
        struct lsym *s = &L->syms[i];
        if (s->id == id && s->fv == fv) {
            if (!s->line && line) { s->line = line; s->col = col; }
            if (ns > s->ns) s->ns = ns;
            free(nm);
            *out = id;
            return LMKV_OK;
        }
    }
    if (L->n_syms == L->cap_syms && LMKV_ARRAY_GROW(L->syms, L->cap_syms, L->cap_syms + 1, 64)) {
        free(nm);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    struct lsym *s = &L->syms[L->n_syms];
    s->id = id;
    s->fv = fv;
    s->path = strdup(rel);
    s->name = nm;
    s->kind = kind;
    s->line = line;
    s->col = col;
    s->ns = ns;
    s->lang = lang;
    if (!s->path) { free(nm); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
    L->n_syms++;
    *out = id;
    return LMKV_OK;
}

static int call_add(struct legacy *L, uint64_t fv, const char *rel, uint64_t caller, const lmkv_slice *caller_name,
                    uint64_t callee, const lmkv_slice *callee_name)
{
    uint64_t id;
    int rc = lmkv_call_id(&id, fv, caller, callee, 0, 0);
    if (rc) return rc;
    /* One call per (caller file version, caller, callee name): the daemon
     * keys a node by the file the request was made in, so one function
     * asked for from two files (mdb_txn_begin from mdb.c and mdb_drop.c) is
     * two nodes with the same incoming calls, which are one call each. */
    for (size_t i = 0; i < L->n_calls; i++) {
        const struct lcall *c = &L->calls[i];
        if (c->fv == fv && (c->id == id || (c->caller == caller && strlen(c->callee_name) == callee_name->len &&
                                            !memcmp(c->callee_name, callee_name->ptr, callee_name->len))))
            return LMKV_OK;
    }
    GROW(L->calls, L->n_calls, L->cap_calls);
    struct lcall *c = &L->calls[L->n_calls];
    c->id = id;
    c->fv = fv;
    c->caller = caller;
    c->callee = callee;
    c->caller_name = dupn(caller_name->ptr, caller_name->len);
    c->callee_name = dupn(callee_name->ptr, callee_name->len);
    c->path = strdup(rel);
    if (!c->caller_name || !c->callee_name || !c->path) {
        free(c->caller_name); free(c->callee_name); free(c->path);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    L->n_calls++;
    return LMKV_OK;
}

static void legacy_free(struct legacy *L)
{
    for (size_t i = 0; i < L->n_nodes; i++) {
        lmkv_daemon_node_clear(&L->nodes[i].n);
        free(L->nodes[i].val);
        free(L->nodes[i].key);
    }
    free(L->nodes);
    for (size_t i = 0; i < L->n_fvs; i++) { free(L->fvs[i].path); free(L->fvs[i].md5); }
    free(L->fvs);
    for (size_t i = 0; i < L->n_syms; i++) { free(L->syms[i].path); free(L->syms[i].name); }
    free(L->syms);
    for (size_t i = 0; i < L->n_calls; i++) {
        free(L->calls[i].caller_name); free(L->calls[i].callee_name); free(L->calls[i].path);
    }
    free(L->calls);
    free(L->root);
}

/* 1 if the absolute path p is already in normal form (no empty, "." or
 * ".." component): only those define the common root, so a file spelled
 * with ".." cannot widen it (confine_nodes then refuses it if it lies
 * outside). */
static int is_normal_abs(const lmkv_slice *p)
{
    if (!p->len || p->ptr[0] != '/') return 0;
    int esc;
    char *n = norm_path(&esc, p->ptr, p->len);
    int ok = n && strlen(n) + 1 == p->len && !memcmp(n, p->ptr + 1, p->len - 1);
    free(n);
    return ok;
}

/* Deepest directory containing every node's (absolute, normal) file. */
static int common_root(struct legacy *L)
{
    char *root = NULL;
    for (size_t i = 0; i < L->n_nodes; i++) {
        const lmkv_slice *p = &L->nodes[i].n.key.file;
        if (!is_normal_abs(p)) continue;
        if (!root) {
            size_t n = p->len;
            while (n > 0 && p->ptr[n - 1] != '/') n--; /* dirname */
            if (n > 1) n--;
            root = dupn(p->ptr, n ? n : 1);
            if (!root) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
            continue;
        }
        for (;;) {
            size_t rl = strlen(root);
            if (rl == 1 || (p->len > rl && !memcmp(p->ptr, root, rl) && p->ptr[rl] == '/')) break;
            char *slash = strrchr(root, '/');
            if (slash == root) root[1] = '\0';
            else *slash = '\0';
        }
    }
    L->root = root ? root : strdup("/");
    return L->root ? LMKV_OK : lmkv_error_set(LMKV_ENOMEM, "out of memory");
}

static int load_nodes(struct legacy *L, lmkv_db *db)
{
    lmkv_tree *t = NULL;
    lmkv_iter *it = NULL;
    size_t cap = 0;
    int rc = open_existing(&t, db, "nodes");
    if (rc || !t) return rc;
    if ((rc = lmkv_tree_iter(&it, t))) goto cleanup;
    lmkv_pair p;
    int state = 0;
    while ((rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
        uint64_t calls;
        int drc = decode_pair(MT_NODES, p.key, p.key_size, p.value, p.value_size, &calls);
        if (state == 0) state = drc ? -1 : 1;
        if (state < 0) break;
        if (drc) continue;
        if (L->n_nodes == cap && LMKV_ARRAY_GROW(L->nodes, cap, cap + 1, 64)) {
            rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
            goto cleanup;
        }
        struct lnode *n = &L->nodes[L->n_nodes];
        n->val = malloc(p.value_size ? p.value_size : 1);
        n->key = malloc(p.key_size ? p.key_size : 1);
        n->klen = p.key_size;
        if (!n->val || !n->key) {
            free(n->val);
            free(n->key);
            rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
            goto cleanup;
        }
        memcpy(n->val, p.value, p.value_size);
        memcpy(n->key, p.key, p.key_size);
        if ((rc = lmkv_bincode_node(&n->n, n->val, p.value_size))) { free(n->val); free(n->key); goto cleanup; }
        L->n_nodes++;
    }
    if (rc == LMKV_NOTFOUND) rc = LMKV_OK;
cleanup:
    lmkv_iter_free(it);
    lmkv_tree_close(t);
    return rc;
}

/* Drops (and reports by sled key, as RAW_ONLY: the pair stays in the raw
 * `nodes` tree) every node whose file or one of whose caller/callee files
 * is not inside L->root: no record is stored with a path escaping its
 * workspace ("paths in dumps never escape their roots"). */
static int confine_nodes(struct legacy *L)
{
    size_t kept = 0;
    for (size_t i = 0; i < L->n_nodes; i++) {
        struct lnode *nd = &L->nodes[i];
        const lmkv_daemon_node *n = &nd->n;
        char *r = NULL;
        int rc = mig_path_confine(&r, L->root, n->key.file.ptr, n->key.file.len);
        free(r);
        for (int dir = 0; dir < 2 && !rc; dir++) {
            const lmkv_daemon_call_info *cs = dir ? n->outgoing : n->incoming;
            size_t nc = dir ? n->n_outgoing : n->n_incoming;
            for (size_t q = 0; q < nc && !rc; q++) {
                rc = mig_path_confine(&r, L->root, cs[q].file_path.ptr, cs[q].file_path.len);
                free(r);
                if (rc == LMKV_EPERM)
                    lmkv_error_wrap(rc, "%s call of it", dir ? "an outgoing" : "an incoming");
            }
        }
        if (rc == LMKV_EPERM) {
            lmkv_pair p = {nd->key, nd->klen, NULL, 0};
            notice_raw(L->o, L->rep, "nodes", &p, lmkv_errmsg());
            lmkv_daemon_node_clear(&nd->n);
            free(nd->val);
            free(nd->key);
            continue;
        }
        if (rc) { /* out of memory: keep the rest so legacy_free frees each node once */
            memmove(&L->nodes[kept], nd, (L->n_nodes - i) * sizeof *nd);
            L->n_nodes = kept + (L->n_nodes - i);
            return rc;
        }
        L->nodes[kept++] = *nd;
    }
    L->n_nodes = kept;
    return LMKV_OK;
}

static int build_graph(struct legacy *L)
{
    int rc;
    /* file versions of the nodes first, so caller files find them */
    for (size_t i = 0; i < L->n_nodes; i++) {
        lmkv_daemon_node *n = &L->nodes[i].n;
        char *rel = relpath(L, n->key.file.ptr, n->key.file.len);
        char *md5 = dupn(n->key.content_md5.ptr, n->key.content_md5.len);
        uint64_t fv;
        if (!rel || !md5) rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        else rc = fv_get(&fv, L, rel, md5, ns_of(n->created_at), lmkv_daemon_language_name(n->language));
        free(rel);
        free(md5);
        if (rc) return rc;
    }
    for (size_t i = 0; i < L->n_nodes; i++) {
        lmkv_daemon_node *n = &L->nodes[i].n;
        int64_t ns = ns_of(n->created_at);
        const char *lang = lmkv_daemon_language_name(n->language);
        char *rel = relpath(L, n->key.file.ptr, n->key.file.len);
        char *md5 = dupn(n->key.content_md5.ptr, n->key.content_md5.len);
        uint64_t fv = 0, sym = 0;
        if (!rel || !md5) rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        else rc = fv_get(&fv, L, rel, md5, ns, lang);
        /* the node's own kind: from a CallInfo naming it in its file, else unknown */
        int kind = 0;
        for (size_t j = 0; !rc && j < L->n_nodes && !kind; j++) {
            const lmkv_daemon_node *m = &L->nodes[j].n;
            for (int dir = 0; dir < 2 && !kind; dir++) {
                const lmkv_daemon_call_info *cs = dir ? m->outgoing : m->incoming;
                size_t nc = dir ? m->n_outgoing : m->n_incoming;
                for (size_t q = 0; q < nc; q++)
                    if (cs[q].name.len == n->key.symbol.len && !memcmp(cs[q].name.ptr, n->key.symbol.ptr, cs[q].name.len) &&
                        cs[q].file_path.len == n->key.file.len &&
                        !memcmp(cs[q].file_path.ptr, n->key.file.ptr, cs[q].file_path.len)) {
                        kind = kind_of(&cs[q].symbol_kind);
                        break;
                    }
            }
        }
        if (!rc) rc = sym_get(&sym, L, fv, rel, n->key.symbol.ptr, n->key.symbol.len, kind, 0, 0, ns, lang);
        for (int dir = 0; dir < 2 && !rc; dir++) {
            const lmkv_daemon_call_info *cs = dir ? n->outgoing : n->incoming;
            size_t nc = dir ? n->n_outgoing : n->n_incoming;
            for (size_t q = 0; q < nc && !rc; q++) {
                char *orel = relpath(L, cs[q].file_path.ptr, cs[q].file_path.len);
                uint64_t ofv = 0, osym = 0;
                if (!orel) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); break; }
                rc = fv_for_path(&ofv, L, orel, ns);
                if (!rc)
                    rc = sym_get(&osym, L, ofv, orel, cs[q].name.ptr, cs[q].name.len, kind_of(&cs[q].symbol_kind),
                                 cs[q].line + 1, cs[q].column + 1, ns, lang);
                if (!rc) {
                    if (dir == 0) /* incoming: other calls this node; the call is in the caller's file */
                        rc = call_add(L, ofv, orel, osym, &cs[q].name, sym, &n->key.symbol);
                    else          /* outgoing: this node calls other */
                        rc = call_add(L, fv, rel, sym, &n->key.symbol, osym, &cs[q].name);
                }
                free(orel);
            }
        }
        free(rel);
        free(md5);
        if (rc) return rc;
    }
    return LMKV_OK;
}

static int write_graph(struct legacy *L, lmkv_store *st, lmkv_db *db)
{
    lmkv_store_session *s = NULL;
    lmkv_symbol *syms = NULL;
    lmkv_call *calls = NULL;
    lmkv_tree *gi = NULL;
    lmkv_iter *it = NULL;
    int rc = lmkv_store_session_begin(&s, st);
    if (rc) return rc;
    if (L->o->workspace_root || strcmp(L->root, "/")) {
        lmkv_workspace w;
        lmkv_record_init(LMKV_REC_WORKSPACE, &w);
        w.id = L->ws;
        w.root_path = L->root;
        const char *b = strrchr(L->root, '/');
        w.name = b && b[1] ? b + 1 : L->root;
        if ((rc = lmkv_store_workspace_put(s, &w))) goto cleanup;
    }
    syms = calloc(L->n_syms ? L->n_syms : 1, sizeof *syms);
    calls = calloc(L->n_calls ? L->n_calls : 1, sizeof *calls);
    if (!syms || !calls) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    for (size_t f = 0; f < L->n_fvs; f++) {
        const struct lfv *v = &L->fvs[f];
        size_t ns = 0, nc = 0;
        for (size_t i = 0; i < L->n_syms; i++) {
            const struct lsym *x = &L->syms[i];
            if (x->fv != v->id) continue;
            lmkv_symbol *y = &syms[ns++];
            lmkv_record_init(LMKV_REC_SYMBOL, y);
            y->id = x->id;
            y->name = x->name;
            y->file_path = x->path;
            y->kind = (lmkv_symbol_kind)x->kind;
            y->start_line = x->line;
            y->start_column = x->col;
            y->language = x->lang && !strcmp(x->lang, "C") ? "c" : NULL;
            y->indexed_ns = x->ns;
        }
        for (size_t i = 0; i < L->n_calls; i++) {
            const struct lcall *x = &L->calls[i];
            if (x->fv != v->id) continue;
            lmkv_call *y = &calls[nc++];
            lmkv_record_init(LMKV_REC_CALL, y);
            y->id = x->id;
            y->file_path = x->path;
            y->caller_id = x->caller;
            y->caller_name = x->caller_name;
            y->callee_id = x->callee;
            y->callee_name = x->callee_name;
            y->is_recursive = x->caller == x->callee;
        }
        lmkv_file_version fvr;
        lmkv_record_init(LMKV_REC_FILE_VERSION, &fvr);
        fvr.id = v->id;
        fvr.workspace_id = L->ws;
        fvr.path = v->path;
        fvr.language = v->lang && !strcmp(v->lang, "C") ? "c" : NULL;
        fvr.indexed_ns = v->ns;
        lmkv_store_file_records recs = {syms, ns, NULL, 0, calls, nc, NULL, 0};
        if ((rc = lmkv_store_put_file(s, &fvr, &recs))) goto cleanup;
        L->rep->typed_file_versions++;
        L->rep->typed_symbols += ns;
        L->rep->typed_calls += nc;
    }
    /* latest + current: the newest version of each path */
    for (size_t f = 0; f < L->n_fvs; f++) {
        const struct lfv *v = &L->fvs[f], *best = v;
        for (size_t g = 0; g < L->n_fvs; g++)
            if (!strcmp(L->fvs[g].path, v->path) && (L->fvs[g].ns > best->ns || (L->fvs[g].ns == best->ns && L->fvs[g].md5 && !best->md5)))
                best = &L->fvs[g];
        if (best != v) continue;
        /* versioning owns the current map: it is asked, not written here */
        if ((rc = lmkv_current_set_latest(s, L->ws, v->path, strlen(v->path), v->id))) goto cleanup;
    }
    /* git_index: commit -> node keys -> commit mappings */
    if ((rc = open_existing(&gi, db, "git_index")) || !gi) goto commit;
    if ((rc = lmkv_tree_iter(&it, gi))) goto cleanup;
    lmkv_pair p;
    while ((rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
        uint64_t calls_n;
        if (decode_pair(MT_GIT_INDEX, p.key, p.key_size, p.value, p.value_size, &calls_n)) continue;
        uint8_t oid[20];
        for (int i = 0; i < 20; i++) {
            const char *h = (const char *)p.key + 2 * i;
            int hi = h[0] <= '9' ? h[0] - '0' : h[0] - 'a' + 10, lo = h[1] <= '9' ? h[1] - '0' : h[1] - 'a' + 10;
            oid[i] = (uint8_t)(hi << 4 | lo);
        }
        lmkv_daemon_node_key *keys = NULL;
        size_t nk = 0;
        if ((rc = lmkv_bincode_node_key_list(&keys, &nk, p.value, p.value_size))) goto cleanup;
        char **seen = calloc(nk ? nk : 1, sizeof *seen);
        size_t nseen = 0, nout = 0;
        for (size_t i = 0; i < nk && !rc; i++) {
            char *rel = NULL;
            int crc = mig_path_confine(&rel, L->root, keys[i].file.ptr, keys[i].file.len);
            if (crc == LMKV_EPERM) { nout++; continue; } /* reported below */
            if (crc) { rc = crc; break; }
            char *md5 = dupn(keys[i].content_md5.ptr, keys[i].content_md5.len);
            uint64_t fv;
            if (!rel || !md5 || !seen) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
            else {
                int dup = 0;
                for (size_t q = 0; q < nseen; q++) if (!strcmp(seen[q], rel)) dup = 1;
                if (!dup && !(rc = fv_get(&fv, L, rel, md5, 0, NULL))) {
                    rc = lmkv_store_map_commit(s, L->ws, oid, rel, strlen(rel), fv);
                    if (!rc) { L->rep->typed_commit_mappings++; seen[nseen++] = rel; rel = NULL; }
                }
            }
            free(rel);
            free(md5);
        }
        for (size_t q = 0; q < nseen; q++) free(seen[q]);
        free(seen);
        free(keys);
        if (rc) goto cleanup;
        if (nout) {
            char why[256];
            snprintf(why, sizeof why, "%zu of its %zu node keys have a file path outside the workspace root '%.80s'; "
                     "their commit mappings are not stored", nout, nk, L->root);
            notice_raw(L->o, L->rep, "git_index", &p, why);
        }
    }
    if (rc != LMKV_NOTFOUND) goto cleanup;
commit:
    rc = lmkv_store_session_commit(s);
    s = NULL;
cleanup:
    lmkv_iter_free(it);
    lmkv_tree_close(gi);
    lmkv_store_session_abort(s);
    free(syms);
    free(calls);
    return rc;
}

static int convert_legacy(lmkv_db *db, lmkv_store *st, const lmkv_migrate_options *o, lmkv_migrate_report *rep)
{
    struct legacy L;
    memset(&L, 0, sizeof L);
    L.o = o;
    L.rep = rep;
    int rc = load_nodes(&L, db);
    if (rc || L.n_nodes == 0) goto cleanup;
    if (o->workspace_root) {
        size_t n = strlen(o->workspace_root);
        while (n > 1 && o->workspace_root[n - 1] == '/') n--;
        L.root = dupn(o->workspace_root, n);
        if (!L.root) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    } else if ((rc = common_root(&L))) {
        goto cleanup;
    }
    if ((rc = lmkv_workspace_id(&L.ws, L.root))) goto cleanup;
    if ((rc = confine_nodes(&L))) goto cleanup;
    if (L.n_nodes == 0) goto cleanup; /* every node escapes: no workspace, no records */
    if ((rc = build_graph(&L))) goto cleanup;
    rc = write_graph(&L, st, db);
cleanup:
    legacy_free(&L);
    return rc;
}

int lmkv_migrate__typed_convert(lmkv_db *db, const lmkv_migrate_options *o, lmkv_migrate_report *rep, int add_stats)
{
    struct cache_ctx c;
    memset(&c, 0, sizeof c);
    c.db = db;
    c.o = o;
    c.rep = rep;
    int rc = lmkv_store_open(&c.st, db);
    if (rc) return lmkv_error_wrap(rc, "typed conversion: open store");
    if ((rc = lmkv_cache_open(&c.cache, c.st, NULL))) goto cleanup;
    if ((rc = convert_cache(&c))) goto cleanup;
    if (add_stats && (rc = convert_stats(&c))) goto cleanup;
    if ((rc = lmkv_cache_close(c.cache))) { c.cache = NULL; goto cleanup; }
    c.cache = NULL;
    if ((rc = convert_legacy(db, c.st, o, rep))) goto cleanup;
cleanup:
    rep->typed_records = rep->typed_cache_entries + rep->typed_cache_stats + rep->typed_file_versions +
                         rep->typed_symbols + rep->typed_calls + rep->typed_commit_mappings;
    if (c.cache) lmkv_cache_close(c.cache);
    lmkv_store_close(c.st);
    return rc;
}

int lmkv_migrate__typed_count_existing(lmkv_db *db, lmkv_migrate_report *rep)
{
    lmkv_store *st = NULL;
    lmkv_store_txn *txn = NULL;
    lmkv_store_counts n;
    memset(&n, 0, sizeof n);
    int rc = lmkv_store_open(&st, db);
    if (rc == LMKV_OK) rc = lmkv_store_txn_begin(&txn, st);
    if (rc == LMKV_OK) rc = lmkv_store_count(&n, txn, 0);
    lmkv_store_txn_end(txn);
    lmkv_store_close(st);
    if (rc) return lmkv_error_wrap(rc, "counting the typed records of the target");
    rep->typed_cache_entries = n.cache_entries;
    rep->typed_cache_stats = n.cache_stats;
    rep->typed_file_versions = n.file_versions;
    rep->typed_symbols = n.symbols;
    rep->typed_calls = n.calls;
    rep->typed_commit_mappings = n.commit_mappings;
    rep->typed_records = rep->typed_cache_entries + rep->typed_cache_stats + rep->typed_file_versions +
                         rep->typed_symbols + rep->typed_calls + rep->typed_commit_mappings;
    return LMKV_OK;
}
