/*
 * graph.c -- code-graph queries over the current state (lmkv_graph.h).
 *
 * Simple lookups are one prefix scan each through schema's store (calls_to,
 * calls_by_caller, refs_to; refs_from per symbol of the name), passing
 * zero-copy records on. Traversals
 * intern names into a per-query table (name -> node number) and keep the
 * adjacency lists they load, so each node's edges are read once per query.
 */
#include "lmkv_graph.h"
#include "kv_array_int.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ------------------------------------------------------------ arena */
struct garena { struct garena *next; size_t used, cap; char data[]; };

static void *ga_alloc(struct garena **a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (!*a || (*a)->used + n > (*a)->cap) {
        size_t cap = n > 65536 ? n : 65536;
        struct garena *b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = *a; b->used = 0; b->cap = cap;
        *a = b;
    }
    void *p = (*a)->data + (*a)->used;
    (*a)->used += n;
    return p;
}
static char *ga_strndup(struct garena **a, const char *s, size_t n)
{
    char *p = ga_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n); p[n] = '\0';
    return p;
}
static char *ga_strdup(struct garena **a, const char *s) { return s ? ga_strndup(a, s, strlen(s)) : NULL; }
static void ga_free(struct garena *a) { while (a) { struct garena *n = a->next; free(a); a = n; } }

/* ------------------------------------------------------------ handle */
struct lmkv_graph {
    lmkv_store *st;
    uint64_t ws;
    lmkv_store_txn *t;
    struct garena *arena;          /* strings of the last result */
    lmkv_graph_item *items; size_t nitems, capitems;
    size_t *groups; size_t ngroups, capgroups;
};


int lmkv_graph_open(lmkv_graph **out, lmkv_store *st, uint64_t ws)
{
    if (!out || !st) return lmkv_error_set(LMKV_EINVAL, "lmkv_graph_open: NULL argument");
    lmkv_graph *g = calloc(1, sizeof *g);
    if (!g) return lmkv_error_set(LMKV_ENOMEM, "lmkv_graph_open: out of memory");
    g->st = st; g->ws = ws;
    int rc = lmkv_store_txn_begin(&g->t, st);
    if (rc != LMKV_OK) { free(g); return rc; }
    *out = g;
    return LMKV_OK;
}

static void reset_result(lmkv_graph *g)
{
    ga_free(g->arena); g->arena = NULL;
    g->nitems = 0; g->ngroups = 0;
}

void lmkv_graph_close(lmkv_graph *g)
{
    if (!g) return;
    lmkv_store_txn_end(g->t);
    reset_result(g);
    free(g->items); free(g->groups);
    free(g);
}

int lmkv_graph_renew(lmkv_graph *g)
{
    if (!g) return lmkv_error_set(LMKV_EINVAL, "lmkv_graph_renew: NULL handle");
    reset_result(g);
    lmkv_store_txn_reset(g->t);
    return lmkv_store_txn_renew(g->t);
}

lmkv_store_txn *lmkv_graph_txn(lmkv_graph *g) { return g ? g->t : NULL; }

_Static_assert(sizeof(void *) != 8 || sizeof(lmkv_graph_item) == 56,
               "lmkv_graph_item.column sits in the padding after kind (the struct keeps its size)");

static lmkv_graph_item *push_item(lmkv_graph *g)
{
    if (g->nitems == g->capitems && LMKV_ARRAY_GROW(g->items, g->capitems, g->capitems + 1, 64))
        return NULL;
    lmkv_graph_item *it = &g->items[g->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}

static int push_group(lmkv_graph *g, size_t start)
{
    if (g->ngroups + 1 >= g->capgroups && LMKV_ARRAY_GROW(g->groups, g->capgroups, g->capgroups + 1, 64))
        return LMKV_ENOMEM;
    g->groups[g->ngroups++] = start;
    return LMKV_OK;
}

static void fill_result(lmkv_graph_result *out, lmkv_graph *g, int truncated, int grouped)
{
    out->items = g->items;
    out->n = g->nitems;
    out->truncated = truncated;
    if (grouped) {
        if (g->groups) g->groups[g->ngroups] = g->nitems; /* capacity kept one larger */
        out->groups = g->ngroups;
        out->group_start = g->groups;
    } else {
        out->groups = 0;
        out->group_start = NULL;
    }
}

static int check_name(const char *q, const char *name)
{
    if (!name || !*name) return lmkv_error_set(LMKV_EINVAL, "graph %s: empty name", q);
    return LMKV_OK;
}

/* ------------------------------------------------------ existence tests */
static int stop_first(void *ctx, const void *rec) { (void)rec; *(int *)ctx = 1; return 1; }
static int stop_first_sym(void *ctx, const lmkv_symbol *s) { return stop_first(ctx, s); }
static int stop_first_call(void *ctx, const lmkv_call *c) { return stop_first(ctx, c); }
static int stop_first_ref(void *ctx, const lmkv_reference *r) { return stop_first(ctx, r); }

/* LMKV_OK if NAME is a current symbol, callee (calls_too) or reference
 * target (refs_too); else LMKV_NOTFOUND with a message naming query q, or a
 * lookup's error (< 0). */
static int require_known(lmkv_graph *g, const char *q, const char *name, int calls_too, int refs_too)
{
    int found = 0, rc;
    size_t n = strlen(name);
    int exists = 0;
    if ((rc = lmkv_store_symbol_exists(&exists, g->t, g->ws, name, n, 0)) != LMKV_OK) return rc; /* index keys only */
    if (exists) return LMKV_OK;
    if (calls_too && (rc = lmkv_store_calls_to(g->t, g->ws, name, n, 0, stop_first_call, &found)) < 0) return rc;
    if (!found && refs_too && (rc = lmkv_store_refs_to(g->t, g->ws, name, n, 0, stop_first_ref, &found)) < 0) return rc;
    if (found) return LMKV_OK;
    return lmkv_error_set(LMKV_NOTFOUND, "graph %s: no symbol, call or reference named '%s' in the current state", q, name);
}

/* ------------------------------------------------------- simple lookups */
struct lim {
    size_t n, limit;
    int trunc;
    lmkv_store_call_fn cfn;
    lmkv_store_reference_fn rfn;
    lmkv_store_symbol_fn sfn;
    void *ctx;
    const char *skip_name;    /* symbols: skip records whose name equals this */
};

static size_t eff_limit(size_t limit) { return limit ? limit : LMKV_GRAPH_DEFAULT_LIMIT; }

static int lim_call(void *c, const lmkv_call *call)
{
    struct lim *l = c;
    if (l->n >= l->limit) { l->trunc = 1; return 1; }
    l->n++;
    return l->cfn ? l->cfn(l->ctx, call) : 0;
}
static int lim_ref(void *c, const lmkv_reference *r)
{
    struct lim *l = c;
    if (l->n >= l->limit) { l->trunc = 1; return 1; }
    l->n++;
    return l->rfn ? l->rfn(l->ctx, r) : 0;
}
static int lim_sym(void *c, const lmkv_symbol *s)
{
    struct lim *l = c;
    if (l->skip_name && s->name && strcmp(s->name, l->skip_name) == 0) return 0;
    if (l->n >= l->limit) { l->trunc = 1; return 1; }
    l->n++;
    return l->sfn ? l->sfn(l->ctx, s) : 0;
}

static void lim_out(const struct lim *l, size_t *out_n, int *out_trunc)
{
    if (out_n) *out_n = l->n;
    if (out_trunc) *out_trunc = l->trunc;
}

int lmkv_graph_symbols(size_t *out_n, int *out_truncated, lmkv_graph *g, const char *name,
                       int match, size_t limit, lmkv_store_symbol_fn fn, void *ctx)
{
    int rc;
    if (!g) return lmkv_error_set(LMKV_EINVAL, "graph symbol: NULL handle");
    if ((rc = check_name("symbol", name)) != LMKV_OK) return rc;
    struct lim l = {0, eff_limit(limit), 0, NULL, NULL, fn, ctx, NULL};
    size_t n = strlen(name);
    switch (match) {
    case LMKV_GRAPH_EXACT:
        if ((rc = lmkv_store_symbols_by_name(g->t, g->ws, name, n, 0, lim_sym, &l)) < 0) return rc;
        l.skip_name = name; /* by_qname also lists symbols whose qname is their name */
        if (!l.trunc && (rc = lmkv_store_symbols_by_qname(g->t, g->ws, name, n, 0, lim_sym, &l)) < 0) return rc;
        break;
    case LMKV_GRAPH_PREFIX:
        if ((rc = lmkv_store_symbols_by_name(g->t, g->ws, name, n, LMKV_STORE_PREFIX, lim_sym, &l)) < 0) return rc;
        break;
    case LMKV_GRAPH_QUALIFIED:
        if ((rc = lmkv_store_symbols_by_qname(g->t, g->ws, name, n, 0, lim_sym, &l)) < 0) return rc;
        break;
    default:
        return lmkv_error_set(LMKV_EINVAL, "graph symbol: unknown match mode %d", match);
    }
    lim_out(&l, out_n, out_truncated);
    if (l.n == 0) return lmkv_error_set(LMKV_NOTFOUND, "graph symbol: no symbol %s'%s' in the current state",
                              match == LMKV_GRAPH_PREFIX ? "starting with " : "", name);
    return LMKV_OK;
}

int lmkv_graph_callers(size_t *out_n, int *out_truncated, lmkv_graph *g, const char *name,
                       size_t limit, lmkv_store_call_fn fn, void *ctx)
{
    int rc;
    if (!g) return lmkv_error_set(LMKV_EINVAL, "graph callers: NULL handle");
    if ((rc = check_name("callers", name)) != LMKV_OK) return rc;
    struct lim l = {0, eff_limit(limit), 0, fn, NULL, NULL, ctx, NULL};
    if ((rc = lmkv_store_calls_to(g->t, g->ws, name, strlen(name), 0, lim_call, &l)) < 0) return rc;
    if (l.n == 0 && (rc = require_known(g, "callers", name, 0, 1)) != LMKV_OK) return rc;
    lim_out(&l, out_n, out_truncated);
    return LMKV_OK;
}

/* (fv, id) of the current symbols named NAME; *out malloc'd. */
struct symref { uint64_t fv, id; };
struct symcollect { struct symref *v; size_t n, cap; int oom; };
static int collect_sym(void *ctx, const lmkv_symbol *s)
{
    struct symcollect *c = ctx;
    if (c->n == c->cap && LMKV_ARRAY_GROW(c->v, c->cap, c->cap + 1, 8)) {
        c->oom = 1;
        return LMKV_ENOMEM;
    }
    c->v[c->n].fv = s->file_version_id;
    c->v[c->n].id = s->id;
    c->n++;
    return 0;
}

static int symbols_named(struct symcollect *c, lmkv_graph *g, const char *name)
{
    memset(c, 0, sizeof *c);
    int rc = lmkv_store_symbols_by_name(g->t, g->ws, name, strlen(name), 0, collect_sym, c);
    if (rc < 0) { free(c->v); c->v = NULL; if (c->oom) return lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); return rc; }
    return LMKV_OK;
}

int lmkv_graph_callees(size_t *out_n, int *out_truncated, lmkv_graph *g, const char *name,
                       size_t limit, lmkv_store_call_fn fn, void *ctx)
{
    int rc;
    if (!g) return lmkv_error_set(LMKV_EINVAL, "graph callees: NULL handle");
    if ((rc = check_name("callees", name)) != LMKV_OK) return rc;
    struct lim l = {0, eff_limit(limit), 0, fn, NULL, NULL, ctx, NULL};
    /* one prefix scan of the current calls by caller name (a node is a name) */
    if ((rc = lmkv_store_calls_by_caller(g->t, g->ws, name, strlen(name), 0, lim_call, &l)) < 0) return rc;
    if (l.n == 0 && (rc = require_known(g, "callees", name, 1, 1)) != LMKV_OK) return rc;
    lim_out(&l, out_n, out_truncated);
    return LMKV_OK;
}

int lmkv_graph_refs(size_t *out_n, int *out_truncated, lmkv_graph *g, const char *name,
                    size_t limit, lmkv_store_reference_fn fn, void *ctx)
{
    int rc;
    if (!g) return lmkv_error_set(LMKV_EINVAL, "graph refs: NULL handle");
    if ((rc = check_name("refs", name)) != LMKV_OK) return rc;
    struct lim l = {0, eff_limit(limit), 0, NULL, fn, NULL, ctx, NULL};
    if ((rc = lmkv_store_refs_to(g->t, g->ws, name, strlen(name), 0, lim_ref, &l)) < 0) return rc;
    if (l.n == 0 && (rc = require_known(g, "refs", name, 1, 0)) != LMKV_OK) return rc;
    lim_out(&l, out_n, out_truncated);
    return LMKV_OK;
}

int lmkv_graph_refs_from(size_t *out_n, int *out_truncated, lmkv_graph *g, const char *name,
                         size_t limit, lmkv_store_reference_fn fn, void *ctx)
{
    int rc;
    struct symcollect sc;
    if (!g) return lmkv_error_set(LMKV_EINVAL, "graph refs-from: NULL handle");
    if ((rc = check_name("refs-from", name)) != LMKV_OK) return rc;
    if ((rc = symbols_named(&sc, g, name)) != LMKV_OK) return rc;
    struct lim l = {0, eff_limit(limit), 0, NULL, fn, NULL, ctx, NULL};
    for (size_t i = 0; i < sc.n && !l.trunc; i++)
        if ((rc = lmkv_store_refs_from(g->t, g->ws, sc.v[i].fv, sc.v[i].id, 0, lim_ref, &l)) < 0) break;
    size_t nsyms = sc.n;
    free(sc.v);
    if (rc < 0) return rc;
    if (nsyms == 0 && (rc = require_known(g, "refs-from", name, 1, 1)) != LMKV_OK) return rc;
    lim_out(&l, out_n, out_truncated);
    return LMKV_OK;
}

/* ------------------------------------------------- node table (per query) */
struct nodes {
    struct garena *arena;
    char **name;            /* by node number */
    uint32_t *slot;         /* hash slots: node number + 1, 0 = empty */
    size_t n, cap, scap;
    /* per node */
    uint32_t **adj; uint32_t *nadj; unsigned char *loaded;
    int32_t *dist;
    uint64_t *cnt, *cnt2;
};

static void nodes_free(struct nodes *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->adj ? t->adj[i] : NULL);
    free(t->name); free(t->slot); free(t->adj); free(t->nadj); free(t->loaded);
    free(t->dist); free(t->cnt); free(t->cnt2);
    ga_free(t->arena);
    memset(t, 0, sizeof *t);
}

static int nodes_grow(struct nodes *t)
{
    /* parallel arrays: each grows from the same capacity to the same nc */
    size_t nc = t->cap;
#define GROW(f) do { nc = t->cap; if (LMKV_ARRAY_GROW(t->f, nc, t->cap + 1, 256)) return LMKV_ENOMEM; } while (0)
    GROW(name); GROW(adj); GROW(nadj); GROW(loaded); GROW(dist); GROW(cnt); GROW(cnt2);
#undef GROW
    t->cap = nc;
    size_t ns = nc * 2;
    uint32_t *s = calloc(ns, sizeof *s);
    if (!s) return LMKV_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        size_t h = XXH3_64bits(t->name[i], strlen(t->name[i])) & (ns - 1);
        while (s[h]) h = (h + 1) & (ns - 1);
        s[h] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = s; t->scap = ns;
    return LMKV_OK;
}

/* Node number of NAME (len bytes); created when `create`. -1 absent, -2 ENOMEM. */
static long node_id(struct nodes *t, const char *name, size_t len, int create)
{
    if (t->scap) {
        size_t h = XXH3_64bits(name, len) & (t->scap - 1);
        while (t->slot[h]) {
            const char *k = t->name[t->slot[h] - 1];
            if (strncmp(k, name, len) == 0 && k[len] == '\0') return (long)t->slot[h] - 1;
            h = (h + 1) & (t->scap - 1);
        }
    }
    if (!create) return -1;
    if (t->n + 1 > t->cap && nodes_grow(t) != LMKV_OK) return -2;
    char *k = ga_strndup(&t->arena, name, len);
    if (!k) return -2;
    size_t id = t->n++;
    t->name[id] = k; t->adj[id] = NULL; t->nadj[id] = 0; t->loaded[id] = 0;
    t->dist[id] = -1; t->cnt[id] = 0; t->cnt2[id] = 0;
    size_t h = XXH3_64bits(name, len) & (t->scap - 1);
    while (t->slot[h]) h = (h + 1) & (t->scap - 1);
    t->slot[h] = (uint32_t)id + 1;
    return (long)id;
}

/* neighbour list under construction */
struct nb { struct nodes *t; uint32_t *v; size_t n, cap; int err; };
static int nb_add_name(struct nb *b, const char *name)
{
    if (!name || !*name) return 0;
    long id = node_id(b->t, name, strlen(name), 1);
    if (id < 0) { b->err = LMKV_ENOMEM; return LMKV_ENOMEM; }
    if (b->n == b->cap && LMKV_ARRAY_GROW(b->v, b->cap, b->cap + 1, 8)) {
        b->err = LMKV_ENOMEM;
        return LMKV_ENOMEM;
    }
    b->v[b->n++] = (uint32_t)id;
    return 0;
}
static int nb_callee(void *ctx, const lmkv_call *c) { return nb_add_name(ctx, c->callee_name); }
static int nb_caller(void *ctx, const lmkv_call *c) { return nb_add_name(ctx, c->caller_name); }
static int nb_source(void *ctx, const lmkv_reference *r) { return nb_add_name(ctx, r->source_name); }

static _Thread_local struct nodes *sort_nodes;   /* qsort context (per thread) */
static int id_by_name(const void *a, const void *b)
{
    return strcmp(sort_nodes->name[*(const uint32_t *)a], sort_nodes->name[*(const uint32_t *)b]);
}

/* Sort by name and drop duplicates; store as node's adjacency. */
static void nb_finish(struct nodes *t, uint32_t node, struct nb *b)
{
    if (b->n > 1) {
        sort_nodes = t;
        qsort(b->v, b->n, sizeof *b->v, id_by_name);
        size_t w = 1;
        for (size_t i = 1; i < b->n; i++) if (b->v[i] != b->v[w - 1]) b->v[w++] = b->v[i];
        b->n = w;
    }
    t->adj[node] = b->v; t->nadj[node] = (uint32_t)b->n; t->loaded[node] = 1;
}

enum { DIR_CALLEES = 1, DIR_CALLERS = 2, DIR_IMPACT = 3 };

static int load_adj(lmkv_graph *g, struct nodes *t, uint32_t node, int dir)
{
    if (t->loaded[node]) return LMKV_OK;
    struct nb b = {t, NULL, 0, 0, 0};
    int rc = LMKV_OK;
    char *name = t->name[node];       /* arena string: stable */
    size_t len = strlen(name);
    if (dir == DIR_CALLEES) {
        rc = lmkv_store_calls_by_caller(g->t, g->ws, name, len, 0, nb_callee, &b);
    } else {
        rc = lmkv_store_calls_to(g->t, g->ws, name, len, 0, nb_caller, &b);
        if (rc >= 0 && dir == DIR_IMPACT) rc = lmkv_store_refs_to(g->t, g->ws, name, len, 0, nb_source, &b);
    }
    if (b.err) rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory");
    if (rc < 0) { free(b.v); return rc; }
    nb_finish(t, node, &b);
    return LMKV_OK;
}

/* Definition site of NAME for an item: first current symbol (prefers a
 * function definition). */
struct defsite { const char *file; uint32_t line, column; int kind; const char *sig; int good; };
static int pick_def(void *ctx, const lmkv_symbol *s)
{
    struct defsite *d = ctx;
    int is_decl = 0;
    for (uint32_t i = 0; i < s->modifiers.count; i++) {
        const char *m = lmkv_strvec_get(&s->modifiers, i);
        if (m && strcmp(m, "declaration") == 0) is_decl = 1;
    }
    int good = !is_decl;
    if (!d->file || (good && !d->good)) {
        d->file = s->file_path; d->line = s->start_line; d->column = s->start_column; d->kind = s->kind; d->sig = s->signature; d->good = good;
    }
    return good ? 1 : 0;
}

static int item_for(lmkv_graph *g, lmkv_graph_item **out, const char *name, int with_def)
{
    lmkv_graph_item *it = push_item(g);
    if (!it) return lmkv_error_set(LMKV_ENOMEM, "graph: out of memory");
    if (!(it->name = ga_strdup(&g->arena, name))) return lmkv_error_set(LMKV_ENOMEM, "graph: out of memory");
    if (with_def) {
        struct defsite d = {0};
        int rc = lmkv_store_symbols_by_name(g->t, g->ws, name, strlen(name), 0, pick_def, &d);
        if (rc < 0) return rc;
        if (d.file) {
            if (!(it->file = ga_strdup(&g->arena, d.file))) return lmkv_error_set(LMKV_ENOMEM, "graph: out of memory");
            it->line = d.line; it->column = d.column; it->kind = d.kind;
            if (d.sig && !(it->detail = ga_strdup(&g->arena, d.sig))) return lmkv_error_set(LMKV_ENOMEM, "graph: out of memory");
        }
    }
    *out = it;
    return LMKV_OK;
}

static int check_depth(const char *q, unsigned *depth)
{
    if (*depth == 0) *depth = LMKV_GRAPH_DEFAULT_DEPTH;
    if (*depth > LMKV_GRAPH_MAX_DEPTH)
        return lmkv_error_set(LMKV_EINVAL, "graph %s: depth %u over the maximum %d", q, *depth, LMKV_GRAPH_MAX_DEPTH);
    return LMKV_OK;
}

/* ---------------------------------------------------------------- impact */
int lmkv_graph_impact(lmkv_graph_result *out, lmkv_graph *g, const char *name, unsigned depth, size_t limit)
{
    int rc;
    struct nodes t;
    uint32_t *queue = NULL;
    memset(&t, 0, sizeof t);
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph impact: NULL argument");
    if ((rc = check_name("impact", name)) != LMKV_OK) return rc;
    if ((rc = check_depth("impact", &depth)) != LMKV_OK) return rc;
    reset_result(g);
    limit = eff_limit(limit);
    if ((rc = require_known(g, "impact", name, 1, 1)) != LMKV_OK) goto cleanup;
    long start = node_id(&t, name, strlen(name), 1);
    if (start < 0) { rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    size_t qcap = 256, qh = 0, qt = 0;
    if (!(queue = malloc(qcap * sizeof *queue))) { rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    t.dist[start] = 0;
    queue[qt++] = (uint32_t)start;
    int trunc = 0;
    while (qh < qt) {
        uint32_t u = queue[qh++];
        if ((unsigned)t.dist[u] >= depth) {
            /* would more exist beyond the depth? */
            if (!trunc) {
                if ((rc = load_adj(g, &t, u, DIR_IMPACT)) != LMKV_OK) goto cleanup;
                for (uint32_t i = 0; i < t.nadj[u]; i++) if (t.dist[t.adj[u][i]] < 0) { trunc = 1; break; }
            }
            continue;
        }
        if ((rc = load_adj(g, &t, u, DIR_IMPACT)) != LMKV_OK) goto cleanup;
        for (uint32_t i = 0; i < t.nadj[u]; i++) {
            uint32_t v = t.adj[u][i];
            if (t.dist[v] >= 0) continue;
            t.dist[v] = t.dist[u] + 1;
            if (LMKV_ARRAY_GROW(queue, qcap, qt + 1, 256)) { rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
            queue[qt++] = v;
        }
    }
    /* queue order is BFS order; sort (depth, name) */
    uint32_t *ord = queue + 1;
    size_t nord = qt - 1;
    sort_nodes = &t;
    /* stable by depth: BFS already groups by depth; sort each depth run by name */
    for (size_t a = 0; a < nord;) {
        size_t b = a;
        while (b < nord && t.dist[ord[b]] == t.dist[ord[a]]) b++;
        qsort(ord + a, b - a, sizeof *ord, id_by_name);
        a = b;
    }
    for (size_t i = 0; i < nord; i++) {
        if (g->nitems >= limit) { trunc = 1; break; }
        lmkv_graph_item *it;
        if ((rc = item_for(g, &it, t.name[ord[i]], 1)) != LMKV_OK) goto cleanup;
        it->depth = (uint32_t)t.dist[ord[i]];
    }
    fill_result(out, g, trunc, 0);
    rc = LMKV_OK;
cleanup:
    free(queue);
    nodes_free(&t);
    return rc;
}

/* ----------------------------------------------------------------- paths */
struct pathsearch {
    lmkv_graph *g;
    struct nodes *t;
    uint32_t *stack;          /* current path */
    unsigned char *onpath;
    int32_t *dto;             /* distance to target (reverse BFS), -1 = unreachable */
    uint32_t target;
    size_t limit, npaths;
    int trunc;
    size_t nfwd;              /* nodes numbered >= nfwd cannot reach the target */
};

static int emit_path(struct pathsearch *p, size_t len)
{
    lmkv_graph *g = p->g;
    if (push_group(g, g->nitems) != LMKV_OK) return lmkv_error_set(LMKV_ENOMEM, "graph: out of memory");
    for (size_t i = 0; i <= len; i++) {
        lmkv_graph_item *it;
        int rc = item_for(g, &it, p->t->name[p->stack[i]], 0);
        if (rc != LMKV_OK) return rc;
        it->depth = (uint32_t)i;
    }
    p->npaths++;
    return LMKV_OK;
}

/* paths of exactly L edges from stack[pos] */
static int dfs_paths(struct pathsearch *p, size_t pos, size_t L)
{
    uint32_t u = p->stack[pos];
    if (pos == L) return u == p->target ? emit_path(p, L) : LMKV_OK;
    if (u == p->target) return LMKV_OK;
    int rc = load_adj(p->g, p->t, u, DIR_CALLEES);
    if (rc != LMKV_OK) return rc;
    /* adjacency may move when nodes are added: index, not pointer */
    for (uint32_t i = 0; i < p->t->nadj[u]; i++) {
        uint32_t v = p->t->adj[u][i];
        if (v >= p->nfwd || p->onpath[v]) continue;
        if (p->dto[v] < 0 || (size_t)p->dto[v] > L - pos - 1) continue;
        if (p->npaths >= p->limit) { p->trunc = 1; return 1; }
        p->stack[pos + 1] = v; p->onpath[v] = 1;
        rc = dfs_paths(p, pos + 1, L);
        p->onpath[v] = 0;
        if (rc) return rc;
    }
    return LMKV_OK;
}

int lmkv_graph_paths(lmkv_graph_result *out, lmkv_graph *g, const char *from, const char *to,
                     unsigned depth, size_t limit)
{
    int rc;
    struct nodes t;
    uint32_t *queue = NULL, *stack = NULL;
    int32_t *dto = NULL;
    unsigned char *onpath = NULL;
    memset(&t, 0, sizeof t);
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph paths: NULL argument");
    if ((rc = check_name("paths", from)) != LMKV_OK || (rc = check_name("paths", to)) != LMKV_OK) return rc;
    if ((rc = check_depth("paths", &depth)) != LMKV_OK) return rc;
    reset_result(g);
    limit = eff_limit(limit);
    if ((rc = require_known(g, "paths", from, 1, 1)) != LMKV_OK || (rc = require_known(g, "paths", to, 1, 1)) != LMKV_OK)
        goto cleanup;
    /* reverse BFS from TO over callers, up to depth: distance to TO */
    long tid = node_id(&t, to, strlen(to), 1);
    if (tid < 0) { rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    struct nodes rev; /* separate table for reverse adjacency */
    memset(&rev, 0, sizeof rev);
    long rt = node_id(&rev, to, strlen(to), 1);
    if (rt < 0) { nodes_free(&rev); rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    size_t qcap = 256, qh = 0, qt = 0;
    if (!(queue = malloc(qcap * sizeof *queue))) { nodes_free(&rev); rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    rev.dist[rt] = 0; queue[qt++] = (uint32_t)rt;
    while (qh < qt) {
        uint32_t u = queue[qh++];
        if ((unsigned)rev.dist[u] >= depth) continue;
        if ((rc = load_adj(g, &rev, u, DIR_CALLERS)) != LMKV_OK) { nodes_free(&rev); goto cleanup; }
        for (uint32_t i = 0; i < rev.nadj[u]; i++) {
            uint32_t v = rev.adj[u][i];
            if (rev.dist[v] >= 0) continue;
            rev.dist[v] = rev.dist[u] + 1;
            if (LMKV_ARRAY_GROW(queue, qcap, qt + 1, 256)) { nodes_free(&rev); rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
            queue[qt++] = v;
        }
    }
    long fid_rev = node_id(&rev, from, strlen(from), 0);
    if (fid_rev < 0 || rev.dist[fid_rev] < 0) { /* unreachable within depth */
        nodes_free(&rev);
        fill_result(out, g, 0, 1);
        rc = LMKV_OK;
        goto cleanup;
    }
    unsigned minlen = (unsigned)rev.dist[fid_rev];
    /* forward table: intern every reverse-reachable name first so dto can
     * be indexed by forward node numbers */
    long fid = node_id(&t, from, strlen(from), 1);
    if (fid < 0) { nodes_free(&rev); rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    for (size_t i = 0; i < rev.n; i++)
        if (rev.dist[i] >= 0 && node_id(&t, rev.name[i], strlen(rev.name[i]), 1) < 0) {
            nodes_free(&rev); rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup;
        }
    size_t nfwd = t.n;
    dto = malloc(nfwd * sizeof *dto);
    onpath = calloc(nfwd, 1);
    stack = malloc(((size_t)depth + 1) * sizeof *stack);
    if (!dto || !onpath || !stack) { nodes_free(&rev); rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    for (size_t i = 0; i < nfwd; i++) {
        long r = node_id(&rev, t.name[i], strlen(t.name[i]), 0);
        dto[i] = r >= 0 ? rev.dist[r] : -1;
    }
    nodes_free(&rev);
    /* Forward adjacency may add nodes beyond nfwd: those have dto -1
     * (not reverse-reachable) and are skipped via v >= nfwd check. */
    struct pathsearch p = {g, &t, stack, onpath, dto, (uint32_t)tid, limit, 0, 0, nfwd};
    for (unsigned L = minlen; L <= depth && !p.trunc; L++) {
        stack[0] = (uint32_t)fid; onpath[fid] = 1;
        if (L == 0) { rc = emit_path(&p, 0); onpath[fid] = 0; if (rc != LMKV_OK) goto cleanup; break; }
        rc = dfs_paths(&p, 0, L);
        onpath[fid] = 0;
        if (rc < 0) goto cleanup;
    }
    fill_result(out, g, p.trunc, 1);
    rc = LMKV_OK;
cleanup:
    free(queue); free(stack); free(dto); free(onpath);
    nodes_free(&t);
    return rc;
}

/* ---------------------------------------------------------------- search */
struct cand { const char *name, *qname, *file, *sig; uint32_t line, column; int kind; int score; };
struct search {
    lmkv_graph *g;
    const char *q; size_t qlen;
    struct cand *v; size_t n, cap;
    int err;
};

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i])) return 0;
    return 1;
}
/* 0 exact, 1 prefix, 2 substring, -1 no match */
static int match_score(const char *name, const char *q, size_t qlen)
{
    size_t n = strlen(name);
    if (n < qlen) return -1;
    if (ieq_n(name, q, qlen)) return n == qlen ? 0 : 1;
    for (size_t i = 1; i + qlen <= n; i++) if (ieq_n(name + i, q, qlen)) return 2;
    return -1;
}

static int search_sym(void *ctx, const lmkv_symbol *s)
{
    struct search *x = ctx;
    if (!s->name) return 0;
    int sc = match_score(s->name, x->q, x->qlen);
    if (sc < 0) return 0;
    if (x->n == x->cap && LMKV_ARRAY_GROW(x->v, x->cap, x->cap + 1, 256)) {
        x->err = 1;
        return LMKV_ENOMEM;
    }
    struct garena **a = &x->g->arena;
    struct cand *c = &x->v[x->n];
    c->name = ga_strdup(a, s->name);
    c->qname = s->qualified_name ? ga_strdup(a, s->qualified_name) : c->name;
    c->file = ga_strdup(a, s->file_path ? s->file_path : "");
    c->sig = s->signature ? ga_strdup(a, s->signature) : NULL;
    if (!c->name || !c->qname || !c->file || (s->signature && !c->sig)) { x->err = 1; return LMKV_ENOMEM; }
    c->line = s->start_line; c->column = s->start_column; c->kind = s->kind; c->score = sc;
    x->n++;
    return 0;
}

static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score) return x->score - y->score;
    size_t lx = strlen(x->name), ly = strlen(y->name);
    if (lx != ly) return lx < ly ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    if ((c = strcmp(x->file, y->file))) return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

int lmkv_graph_search(lmkv_graph_result *out, lmkv_graph *g, const char *query, size_t limit)
{
    int rc;
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph search: NULL argument");
    if ((rc = check_name("search", query)) != LMKV_OK) return rc;
    reset_result(g);
    limit = eff_limit(limit);
    struct search x = {g, query, strlen(query), NULL, 0, 0, 0};
    rc = lmkv_store_symbols_by_name(g->t, g->ws, "", 0, LMKV_STORE_PREFIX, search_sym, &x);
    if (x.err) rc = lmkv_error_set(LMKV_ENOMEM, "graph search: out of memory");
    if (rc < 0) goto cleanup;
    if (x.n) qsort(x.v, x.n, sizeof *x.v, cand_cmp);
    for (size_t i = 0; i < x.n && i < limit; i++) {
        lmkv_graph_item *it = push_item(g);
        if (!it) { rc = lmkv_error_set(LMKV_ENOMEM, "graph search: out of memory"); goto cleanup; }
        it->name = x.v[i].qname; it->file = x.v[i].file; it->line = x.v[i].line; it->column = x.v[i].column;
        it->kind = x.v[i].kind; it->count = (uint64_t)x.v[i].score; it->detail = x.v[i].sig;
    }
    fill_result(out, g, x.n > limit, 0);
    rc = LMKV_OK;
cleanup:
    free(x.v);
    return rc;
}

/* ---------------------------------------------------------------- cycles */
struct edges { struct nodes *t; uint32_t *from, *to; size_t n, cap; int err; };
static int edge_add(struct edges *e, const char *a, const char *b)
{
    if (!a || !*a || !b || !*b) return 0;
    long x = node_id(e->t, a, strlen(a), 1), y = node_id(e->t, b, strlen(b), 1);
    if (x < 0 || y < 0) { e->err = 1; return LMKV_ENOMEM; }
    if (e->n == e->cap) { /* parallel arrays: both grow from cap to the same capacity */
        size_t cf = e->cap, ct = e->cap;
        if (LMKV_ARRAY_GROW(e->from, cf, e->cap + 1, 1024) || LMKV_ARRAY_GROW(e->to, ct, e->cap + 1, 1024)) {
            e->err = 1;
            return LMKV_ENOMEM;
        }
        e->cap = cf;
    }
    e->from[e->n] = (uint32_t)x; e->to[e->n] = (uint32_t)y; e->n++;
    return 0;
}
static int edge_call(void *ctx, const lmkv_call *c) { return edge_add(ctx, c->caller_name, c->callee_name); }

struct comp { uint32_t start, len; };
static _Thread_local struct nodes *cyc_nodes;
static _Thread_local uint32_t *cyc_members;
static int comp_cmp(const void *a, const void *b)
{
    const struct comp *x = a, *y = b;
    if (x->len != y->len) return x->len > y->len ? -1 : 1;
    return strcmp(cyc_nodes->name[cyc_members[x->start]], cyc_nodes->name[cyc_members[y->start]]);
}

int lmkv_graph_cycles(lmkv_graph_result *out, lmkv_graph *g, size_t limit)
{
    int rc;
    struct nodes t;
    struct edges e;
    uint32_t *off = NULL, *adj = NULL, *idx = NULL, *low = NULL, *stk = NULL, *cs = NULL, *ci = NULL, *members = NULL;
    unsigned char *onstk = NULL, *self = NULL;
    struct comp *comps = NULL;
    memset(&t, 0, sizeof t);
    memset(&e, 0, sizeof e);
    e.t = &t;
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph cycles: NULL argument");
    reset_result(g);
    limit = eff_limit(limit);
    rc = lmkv_store_calls_all(g->t, g->ws, 0, edge_call, &e);
    if (e.err) rc = lmkv_error_set(LMKV_ENOMEM, "graph cycles: out of memory");
    if (rc < 0) goto cleanup;
    size_t n = t.n;
    /* CSR adjacency */
    off = calloc(n + 1, sizeof *off); adj = malloc((e.n + 1) * sizeof *adj);
    idx = malloc((n + 1) * sizeof *idx); low = malloc((n + 1) * sizeof *low);
    stk = malloc((n + 1) * sizeof *stk); cs = malloc((n + 1) * sizeof *cs); ci = malloc((n + 1) * sizeof *ci);
    members = malloc((n + 1) * sizeof *members);
    onstk = calloc(n + 1, 1); self = calloc(n + 1, 1);
    comps = malloc((n + 1) * sizeof *comps);
    if (!off || !adj || !idx || !low || !stk || !cs || !ci || !members || !onstk || !self || !comps) {
        rc = lmkv_error_set(LMKV_ENOMEM, "graph cycles: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < e.n; i++) { off[e.from[i] + 1]++; if (e.from[i] == e.to[i]) self[e.from[i]] = 1; }
    for (size_t i = 0; i < n; i++) off[i + 1] += off[i];
    {
        uint32_t *fill = malloc((n + 1) * sizeof *fill);
        if (!fill) { rc = lmkv_error_set(LMKV_ENOMEM, "graph cycles: out of memory"); goto cleanup; }
        memcpy(fill, off, (n + 1) * sizeof *fill);
        for (size_t i = 0; i < e.n; i++) adj[fill[e.from[i]]++] = e.to[i];
        free(fill);
    }
    /* iterative Tarjan */
    const uint32_t UNSEEN = UINT32_MAX;
    for (size_t i = 0; i < n; i++) idx[i] = UNSEEN;
    uint32_t counter = 0, sp = 0, csp = 0, nmem = 0, ncomp = 0;
    for (uint32_t root = 0; root < n; root++) {
        if (idx[root] != UNSEEN) continue;
        cs[csp] = root; ci[csp] = off[root]; csp++;
        idx[root] = low[root] = counter++;
        stk[sp++] = root; onstk[root] = 1;
        while (csp) {
            uint32_t v = cs[csp - 1];
            if (ci[csp - 1] < off[v + 1]) {
                uint32_t w = adj[ci[csp - 1]++];
                if (idx[w] == UNSEEN) {
                    idx[w] = low[w] = counter++;
                    stk[sp++] = w; onstk[w] = 1;
                    cs[csp] = w; ci[csp] = off[w]; csp++;
                } else if (onstk[w] && idx[w] < low[v]) {
                    low[v] = idx[w];
                }
                continue;
            }
            /* v finished */
            if (low[v] == idx[v]) {
                uint32_t start = nmem, w;
                do { w = stk[--sp]; onstk[w] = 0; members[nmem++] = w; } while (w != v);
                uint32_t len = nmem - start;
                if (len > 1 || self[v]) { comps[ncomp].start = start; comps[ncomp].len = len; ncomp++; }
            }
            csp--;
            if (csp) { uint32_t p = cs[csp - 1]; if (low[v] < low[p]) low[p] = low[v]; }
        }
    }
    sort_nodes = &t;
    for (uint32_t c = 0; c < ncomp; c++) qsort(members + comps[c].start, comps[c].len, sizeof *members, id_by_name);
    cyc_nodes = &t; cyc_members = members;
    if (ncomp) qsort(comps, ncomp, sizeof *comps, comp_cmp);
    for (uint32_t c = 0; c < ncomp && c < limit; c++) {
        if ((rc = push_group(g, g->nitems)) != LMKV_OK) { rc = lmkv_error_set(LMKV_ENOMEM, "graph cycles: out of memory"); goto cleanup; }
        for (uint32_t k = 0; k < comps[c].len; k++) {
            lmkv_graph_item *it;
            if ((rc = item_for(g, &it, t.name[members[comps[c].start + k]], 1)) != LMKV_OK) goto cleanup;
            it->depth = c;
        }
    }
    fill_result(out, g, ncomp > limit, 1);
    rc = LMKV_OK;
cleanup:
    free(off); free(adj); free(idx); free(low); free(stk); free(cs); free(ci); free(members);
    free(onstk); free(self); free(comps);
    free(e.from); free(e.to);
    nodes_free(&t);
    return rc;
}

/* ------------------------------------------------------------- hierarchy */
struct hctx { lmkv_graph *g; size_t limit; int trunc; int parents; int impl_only; int err; };
static int h_edge(void *ctx, const lmkv_hierarchy *h)
{
    struct hctx *x = ctx;
    if (x->impl_only && h->kind != LMKV_HIER_IMPLEMENTS && h->kind != LMKV_HIER_EXTENDS) return 0;
    if (x->g->nitems >= x->limit) { x->trunc = 1; return 1; }
    const char *nm = x->parents ? h->parent_name : h->child_name;
    lmkv_graph_item *it = push_item(x->g);
    if (!it) { x->err = 1; return LMKV_ENOMEM; }
    it->name = ga_strdup(&x->g->arena, nm ? nm : "");
    it->kind = h->kind;
    it->detail = x->parents ? "parent" : "child";
    if (!it->name) { x->err = 1; return LMKV_ENOMEM; }
    return 0;
}

static int hier_query(lmkv_graph_result *out, lmkv_graph *g, const char *name, size_t limit, int impl_only)
{
    int rc;
    struct symcollect sc;
    const char *q = impl_only ? "implementations" : "hierarchy";
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph %s: NULL argument", q);
    if ((rc = check_name(q, name)) != LMKV_OK) return rc;
    reset_result(g);
    if ((rc = symbols_named(&sc, g, name)) != LMKV_OK) return rc;
    if (sc.n == 0) {
        /* qualified names too (e.g. "MDB_val::mv_size") */
        rc = lmkv_store_symbols_by_qname(g->t, g->ws, name, strlen(name), 0, collect_sym, &sc);
        if (rc < 0) { free(sc.v); return sc.oom ? lmkv_error_set(LMKV_ENOMEM, "graph: out of memory") : rc; }
        if (sc.n == 0) { free(sc.v); return lmkv_error_set(LMKV_NOTFOUND, "graph %s: no symbol '%s' in the current state", q, name); }
    }
    struct hctx x = {g, eff_limit(limit), 0, 0, impl_only, 0};
    rc = LMKV_OK;
    if (!impl_only)
        for (size_t i = 0; i < sc.n && rc >= 0 && !x.trunc; i++) {
            x.parents = 1;
            rc = lmkv_store_hierarchy_parents(g->t, g->ws, sc.v[i].id, 0, h_edge, &x);
        }
    for (size_t i = 0; i < sc.n && rc >= 0 && !x.trunc; i++) {
        x.parents = 0;
        rc = lmkv_store_hierarchy_children(g->t, g->ws, sc.v[i].id, 0, h_edge, &x);
    }
    free(sc.v);
    if (x.err) return lmkv_error_set(LMKV_ENOMEM, "graph %s: out of memory", q);
    if (rc < 0) return rc;
    /* the same edge may be reached from several symbols of the name (a
     * typedef and its struct): drop repeated (detail, name) items */
    size_t w = 0;
    for (size_t i = 0; i < g->nitems; i++) {
        int dup = 0;
        for (size_t k = 0; k < w && !dup; k++)
            dup = g->items[k].detail == g->items[i].detail && strcmp(g->items[k].name, g->items[i].name) == 0;
        if (!dup) g->items[w++] = g->items[i];
    }
    g->nitems = w;
    fill_result(out, g, x.trunc, 0);
    return LMKV_OK;
}

int lmkv_graph_hierarchy(lmkv_graph_result *out, lmkv_graph *g, const char *name, size_t limit)
{
    return hier_query(out, g, name, limit, 0);
}
int lmkv_graph_implementations(lmkv_graph_result *out, lmkv_graph *g, const char *name, size_t limit)
{
    return hier_query(out, g, name, limit, 1);
}

/* ------------------------------------------------------------------ dead */
struct fcand { const char *name, *file, *sig; uint32_t line, column; };
struct fcoll { lmkv_graph *g; struct fcand *v; size_t n, cap; int err; };
static int is_definition(const lmkv_symbol *s)
{
    for (uint32_t i = 0; i < s->modifiers.count; i++) {
        const char *m = lmkv_strvec_get(&s->modifiers, i);
        if (m && strcmp(m, "declaration") == 0) return 0;
    }
    return 1;
}
static int collect_fn(void *ctx, const lmkv_symbol *s)
{
    struct fcoll *c = ctx;
    if (s->kind != LMKV_SK_FUNCTION || !s->name || !is_definition(s)) return 0;
    if (c->n == c->cap && LMKV_ARRAY_GROW(c->v, c->cap, c->cap + 1, 256)) {
        c->err = 1;
        return LMKV_ENOMEM;
    }
    struct fcand *f = &c->v[c->n];
    f->name = ga_strdup(&c->g->arena, s->name);
    f->file = ga_strdup(&c->g->arena, s->file_path ? s->file_path : "");
    f->sig = s->signature ? ga_strdup(&c->g->arena, s->signature) : NULL;
    f->line = s->start_line;
    f->column = s->start_column;
    if (!f->name || !f->file || (s->signature && !f->sig)) { c->err = 1; return LMKV_ENOMEM; }
    c->n++;
    return 0;
}

/* Entry points: the built-in patterns, then the caller's (fnmatch(3) shell
 * patterns, flags 0; a pattern without * ? [ matches that name only). */
static int is_entry_point(const char *name, const char *const *keep)
{
    static const char *const builtin[] = {"main", "*_test", "test_*", NULL};
    for (const char *const *k = builtin; *k; k++) if (fnmatch(*k, name, 0) == 0) return 1;
    for (const char *const *k = keep; k && *k; k++) if (fnmatch(*k, name, 0) == 0) return 1;
    return 0;
}

int lmkv_graph_dead(lmkv_graph_result *out, lmkv_graph *g, const char *const *keep, size_t limit)
{
    int rc;
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph dead: NULL argument");
    reset_result(g);
    limit = eff_limit(limit);
    struct fcoll c = {g, NULL, 0, 0, 0};
    rc = lmkv_store_symbols_by_name(g->t, g->ws, "", 0, LMKV_STORE_PREFIX, collect_fn, &c);
    if (c.err) rc = lmkv_error_set(LMKV_ENOMEM, "graph dead: out of memory");
    if (rc < 0) goto cleanup;
    int trunc = 0;
    const char *last = NULL; int last_dead = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct fcand *f = &c.v[i];
        if (is_entry_point(f->name, keep)) continue;
        int dead;
        if (last && strcmp(last, f->name) == 0) dead = last_dead;
        else {
            int used = 0;
            size_t len = strlen(f->name);
            if ((rc = lmkv_store_calls_to(g->t, g->ws, f->name, len, 0, stop_first_call, &used)) < 0) goto cleanup;
            if (!used && (rc = lmkv_store_refs_to(g->t, g->ws, f->name, len, 0, stop_first_ref, &used)) < 0) goto cleanup;
            dead = !used;
            last = f->name; last_dead = dead;
        }
        if (!dead) continue;
        if (g->nitems >= limit) { trunc = 1; break; }
        lmkv_graph_item *it = push_item(g);
        if (!it) { rc = lmkv_error_set(LMKV_ENOMEM, "graph dead: out of memory"); goto cleanup; }
        it->name = f->name; it->file = f->file; it->line = f->line; it->column = f->column; it->kind = LMKV_SK_FUNCTION; it->detail = f->sig;
    }
    fill_result(out, g, trunc, 0);
    rc = LMKV_OK;
cleanup:
    free(c.v);
    return rc;
}

/* -------------------------------------------------------------- hotspots */
struct hcount { struct nodes *t; int err; };
static int count_ref(void *ctx, const lmkv_reference *r)
{
    struct hcount *h = ctx;
    if (!r->target_name) return 0;
    long id = node_id(h->t, r->target_name, strlen(r->target_name), 1);
    if (id < 0) { h->err = 1; return LMKV_ENOMEM; }
    h->t->cnt[id]++;
    return 0;
}
static int count_call(void *ctx, const lmkv_call *c)
{
    struct hcount *h = ctx;
    if (!c->callee_name) return 0;
    long id = node_id(h->t, c->callee_name, strlen(c->callee_name), 1);
    if (id < 0) { h->err = 1; return LMKV_ENOMEM; }
    h->t->cnt2[id]++;
    return 0;
}
static _Thread_local struct nodes *hot_nodes;
static int hot_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint64_t sx = hot_nodes->cnt[x] + hot_nodes->cnt2[x], sy = hot_nodes->cnt[y] + hot_nodes->cnt2[y];
    if (sx != sy) return sx > sy ? -1 : 1;
    return strcmp(hot_nodes->name[x], hot_nodes->name[y]);
}

int lmkv_graph_hotspots(lmkv_graph_result *out, lmkv_graph *g, size_t limit)
{
    int rc;
    struct nodes t;
    uint32_t *ord = NULL;
    memset(&t, 0, sizeof t);
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph hotspots: NULL argument");
    reset_result(g);
    limit = eff_limit(limit);
    struct hcount h = {&t, 0};
    rc = lmkv_store_refs_all(g->t, g->ws, 0, count_ref, &h);
    if (rc >= 0 && !h.err) rc = lmkv_store_calls_all(g->t, g->ws, 0, count_call, &h);
    if (h.err) rc = lmkv_error_set(LMKV_ENOMEM, "graph hotspots: out of memory");
    if (rc < 0) goto cleanup;
    if (!(ord = malloc((t.n + 1) * sizeof *ord))) { rc = lmkv_error_set(LMKV_ENOMEM, "graph hotspots: out of memory"); goto cleanup; }
    for (size_t i = 0; i < t.n; i++) ord[i] = (uint32_t)i;
    hot_nodes = &t;
    if (t.n) qsort(ord, t.n, sizeof *ord, hot_cmp);
    int trunc = 0;
    for (size_t i = 0; i < t.n; i++) {
        int found = 0;
        const char *nm = t.name[ord[i]];
        if ((rc = lmkv_store_symbols_by_name(g->t, g->ws, nm, strlen(nm), 0, stop_first_sym, &found)) < 0) goto cleanup;
        if (!found) continue;   /* external (libc, ...) */
        if (g->nitems >= limit) { trunc = 1; break; }
        lmkv_graph_item *it;
        if ((rc = item_for(g, &it, nm, 1)) != LMKV_OK) goto cleanup;
        it->count = t.cnt[ord[i]]; it->count2 = t.cnt2[ord[i]];
    }
    fill_result(out, g, trunc, 0);
    rc = LMKV_OK;
cleanup:
    free(ord);
    nodes_free(&t);
    return rc;
}

/* ------------------------------------------------------------ deps/rdeps */
struct dctx { struct nodes *names; struct nodes *files; const char *self; int err; };
static int d_ref_name(void *ctx, const lmkv_reference *r)
{
    struct dctx *d = ctx;
    if (!r->target_name) return 0;
    long id = node_id(d->names, r->target_name, strlen(r->target_name), 1);
    if (id < 0) { d->err = 1; return LMKV_ENOMEM; }
    d->names->cnt[id]++;
    return 0;
}
static int d_call_name(void *ctx, const lmkv_call *c)
{
    struct dctx *d = ctx;
    if (!c->callee_name) return 0;
    long id = node_id(d->names, c->callee_name, strlen(c->callee_name), 1);
    if (id < 0) { d->err = 1; return LMKV_ENOMEM; }
    d->names->cnt[id]++;
    return 0;
}
static int d_sym_name(void *ctx, const lmkv_symbol *s)
{
    struct dctx *d = ctx;
    if (!s->name || s->kind == LMKV_SK_FIELD) return 0;
    if (node_id(d->names, s->name, strlen(s->name), 1) < 0) { d->err = 1; return LMKV_ENOMEM; }
    return 0;
}
struct dfile { struct dctx *d; uint64_t weight; long last; };
static int d_file_add(struct dctx *d, const char *path, uint64_t w, long *last)
{
    if (!path || strcmp(path, d->self) == 0) return 0;
    long id = node_id(d->files, path, strlen(path), 1);
    if (id < 0) { d->err = 1; return LMKV_ENOMEM; }
    if (last) { if (*last == id) return 0; *last = id; }   /* a name defined twice in one file counts once */
    d->files->cnt[id] += w;
    return 0;
}
static int d_def_file(void *ctx, const lmkv_symbol *s) { struct dfile *f = ctx; return d_file_add(f->d, s->file_path, f->weight, &f->last); }
static int d_ref_file(void *ctx, const lmkv_reference *r) { struct dfile *f = ctx; return d_file_add(f->d, r->file_path, 1, NULL); }
static int d_call_file(void *ctx, const lmkv_call *c) { struct dfile *f = ctx; return d_file_add(f->d, c->file_path, 1, NULL); }

static _Thread_local struct nodes *dep_nodes;
static int dep_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (dep_nodes->cnt[x] != dep_nodes->cnt[y]) return dep_nodes->cnt[x] > dep_nodes->cnt[y] ? -1 : 1;
    return strcmp(dep_nodes->name[x], dep_nodes->name[y]);
}

static int deps_query(lmkv_graph_result *out, lmkv_graph *g, const char *path, size_t limit, int reverse)
{
    int rc;
    const char *q = reverse ? "rdeps" : "deps";
    struct nodes names, files;
    uint32_t *ord = NULL;
    memset(&names, 0, sizeof names);
    memset(&files, 0, sizeof files);
    if (!out || !g) return lmkv_error_set(LMKV_EINVAL, "graph %s: NULL argument", q);
    if ((rc = check_name(q, path)) != LMKV_OK) return rc;
    reset_result(g);
    limit = eff_limit(limit);
    lmkv_store_current cur;
    rc = lmkv_store_current_get(&cur, g->t, g->ws, path, strlen(path));
    if (rc == LMKV_NOTFOUND) return lmkv_error_set(LMKV_NOTFOUND, "graph %s: file '%s' is not in the current state", q, path);
    if (rc < 0) return rc;
    struct dctx d = {&names, &files, path, 0};
    if (!reverse) {
        rc = lmkv_store_refs_of(g->t, g->ws, cur.fv, d_ref_name, &d);
        if (rc >= 0 && !d.err) rc = lmkv_store_calls_of(g->t, g->ws, cur.fv, d_call_name, &d);
    } else {
        rc = lmkv_store_symbols_of(g->t, g->ws, cur.fv, d_sym_name, &d);
    }
    if (d.err) rc = lmkv_error_set(LMKV_ENOMEM, "graph %s: out of memory", q);
    if (rc < 0) goto cleanup;
    for (size_t i = 0; i < names.n; i++) {
        const char *nm = names.name[i];
        struct dfile f = {&d, names.cnt[i], -1};
        if (!reverse) rc = lmkv_store_symbols_by_name(g->t, g->ws, nm, strlen(nm), 0, d_def_file, &f);
        else {
            rc = lmkv_store_refs_to(g->t, g->ws, nm, strlen(nm), 0, d_ref_file, &f);
            if (rc >= 0 && !d.err) rc = lmkv_store_calls_to(g->t, g->ws, nm, strlen(nm), 0, d_call_file, &f);
        }
        if (d.err) rc = lmkv_error_set(LMKV_ENOMEM, "graph %s: out of memory", q);
        if (rc < 0) goto cleanup;
    }
    if (!(ord = malloc((files.n + 1) * sizeof *ord))) { rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
    for (size_t i = 0; i < files.n; i++) ord[i] = (uint32_t)i;
    dep_nodes = &files;
    if (files.n) qsort(ord, files.n, sizeof *ord, dep_cmp);
    for (size_t i = 0; i < files.n && i < limit; i++) {
        lmkv_graph_item *it = push_item(g);
        if (!it || !(it->name = ga_strdup(&g->arena, files.name[ord[i]]))) { rc = lmkv_error_set(LMKV_ENOMEM, "graph: out of memory"); goto cleanup; }
        it->file = it->name;
        it->count = files.cnt[ord[i]];
    }
    fill_result(out, g, files.n > limit, 0);
    rc = LMKV_OK;
cleanup:
    free(ord);
    nodes_free(&names);
    nodes_free(&files);
    return rc;
}

int lmkv_graph_deps(lmkv_graph_result *out, lmkv_graph *g, const char *path, size_t limit)
{
    return deps_query(out, g, path, limit, 0);
}
int lmkv_graph_rdeps(lmkv_graph_result *out, lmkv_graph *g, const char *path, size_t limit)
{
    return deps_query(out, g, path, limit, 1);
}
