/*
 * test_graph_queries.c -- graph/ queries on a real lmkv store (real LMDB
 * files in $LMKV_TEST_TMP) holding a small call graph written through
 * schema's store: two current files and one stored but NOT current file
 * version whose records must stay invisible.
 *
 *   a.c:  main -> a, a -> b, a -> d, b -> c, c -> a (cycle a b c),
 *         d -> d (self loop), d -> printf (external), e (never used),
 *         g (never called, reads c)
 *   h.h:  prototype c, macro M (referenced from a)
 *   old.c (not current): x -> y, x reads c
 *   shapes.h: struct Pt containing fields px, py (qualified Pt::px, Pt::py),
 *         Impl implementing Ifc, Sub extending Ifc (synthetic edges: C
 *         extraction records none, the graph API serves any language)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lmkv_graph.h"
#include "util/lmkv_test_util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static lmkv_db *db;
static lmkv_store *st;
static uint64_t ws;

struct fsym { const char *name; int kind; uint32_t line, end; int decl; };
struct fcall { const char *caller, *callee; uint32_t line; };
struct fref { const char *source, *target; uint32_t line; int kind; };

static uint64_t sym_id(const char *path, const char *name, int kind)
{
    uint64_t id;
    assert_int_equal(lmkv_symbol_id(&id, ws, path, name, kind, 0), LMKV_OK);
    return id;
}

/* A C file version of the workspace at `path` with git blob id `blob`. */
static lmkv_file_version file_version(const char *path, const char *blob)
{
    lmkv_file_version fv;
    lmkv_record_init(LMKV_REC_FILE_VERSION, &fv);
    assert_int_equal(lmkv_file_version_id(&fv.id, ws, path, blob), LMKV_OK);
    fv.workspace_id = ws;
    fv.path = path;
    fv.language = "c";
    return fv;
}

static void put_file(lmkv_store_session *s, const char *path, int current,
                     const struct fsym *syms, size_t ns, const struct fcall *calls, size_t nc,
                     const struct fref *refs, size_t nr)
{
    lmkv_file_version fv = file_version(path, "0123456789abcdef0123456789abcdef01234567");
    lmkv_symbol *ys = calloc(ns + 1, sizeof *ys);
    lmkv_call *cs = calloc(nc + 1, sizeof *cs);
    lmkv_reference *rs = calloc(nr + 1, sizeof *rs);
    static const char *const decl[] = {"declaration"};
    for (size_t i = 0; i < ns; i++) {
        lmkv_record_init(LMKV_REC_SYMBOL, &ys[i]);
        ys[i].id = sym_id(path, syms[i].name, syms[i].kind);
        ys[i].name = syms[i].name;
        ys[i].kind = (lmkv_symbol_kind)syms[i].kind;
        ys[i].start_line = syms[i].line;
        ys[i].start_column = syms[i].line + 100;   /* distinct from the line: items carry both */
        ys[i].end_line = syms[i].end;
        ys[i].language = "c";
        if (syms[i].decl) { ys[i].modifiers.items = decl; ys[i].modifiers.count = 1; }
    }
    for (size_t i = 0; i < nc; i++) {
        lmkv_record_init(LMKV_REC_CALL, &cs[i]);
        cs[i].caller_id = sym_id(path, calls[i].caller, LMKV_SK_FUNCTION);
        cs[i].caller_name = calls[i].caller;
        cs[i].callee_name = calls[i].callee;
        cs[i].line = calls[i].line;
        cs[i].column = 5;
        assert_int_equal(lmkv_call_id(&cs[i].id, fv.id, cs[i].caller_id, 0, cs[i].line, 5), LMKV_OK);
    }
    for (size_t i = 0; i < nr; i++) {
        lmkv_record_init(LMKV_REC_REFERENCE, &rs[i]);
        rs[i].source_id = refs[i].source ? sym_id(path, refs[i].source, LMKV_SK_FUNCTION) : 0;
        rs[i].source_name = refs[i].source;
        rs[i].target_name = refs[i].target;
        rs[i].start_line = refs[i].line;
        rs[i].start_column = 3;
        rs[i].kind = (lmkv_reference_kind)refs[i].kind;
        assert_int_equal(lmkv_reference_id(&rs[i].id, fv.id, rs[i].source_id, 0, refs[i].kind, refs[i].line, 3), LMKV_OK);
    }
    lmkv_store_file_records recs = {ys, ns, rs, nr, cs, nc, NULL, 0};
    assert_int_equal(lmkv_store_put_file(s, &fv, &recs), LMKV_OK);
    if (current)
        assert_int_equal(lmkv_store_set_current(s, ws, path, strlen(path), fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    free(ys); free(cs); free(rs);
}

/* shapes.h: symbols with qualified names and Hierarchy edges */
static void put_shapes(lmkv_store_session *s)
{
    const char *path = "shapes.h";
    lmkv_file_version fv = file_version(path, "89abcdef0123456789abcdef0123456789abcdef");
    static const struct { const char *name, *qname; int kind; } sy[] = {
        {"Pt", NULL, LMKV_SK_STRUCT}, {"px", "Pt::px", LMKV_SK_FIELD}, {"py", "Pt::py", LMKV_SK_FIELD},
        {"Ifc", NULL, LMKV_SK_INTERFACE}, {"Impl", NULL, LMKV_SK_CLASS}, {"Sub", NULL, LMKV_SK_CLASS}};
    lmkv_symbol ys[6];
    for (size_t i = 0; i < 6; i++) {
        lmkv_record_init(LMKV_REC_SYMBOL, &ys[i]);
        ys[i].id = sym_id(path, sy[i].qname ? sy[i].qname : sy[i].name, sy[i].kind);
        ys[i].name = sy[i].name;
        ys[i].qualified_name = sy[i].qname;
        ys[i].kind = (lmkv_symbol_kind)sy[i].kind;
        ys[i].start_line = ys[i].end_line = (uint32_t)i + 1;
        ys[i].language = "c";
    }
    /* parent, child, kind */
    static const int ed[][3] = {{0, 1, LMKV_HIER_CONTAINS}, {0, 2, LMKV_HIER_CONTAINS},
                                {3, 4, LMKV_HIER_IMPLEMENTS}, {3, 5, LMKV_HIER_EXTENDS}};
    lmkv_hierarchy hs[4];
    for (size_t i = 0; i < 4; i++) {
        lmkv_record_init(LMKV_REC_HIERARCHY, &hs[i]);
        hs[i].workspace_id = ws;
        hs[i].file_version_id = fv.id;
        hs[i].parent_id = ys[ed[i][0]].id; hs[i].parent_name = ys[ed[i][0]].name;
        hs[i].child_id = ys[ed[i][1]].id;  hs[i].child_name = ys[ed[i][1]].name;
        hs[i].kind = (lmkv_hierarchy_kind)ed[i][2];
    }
    lmkv_store_file_records recs = {ys, 6, NULL, 0, NULL, 0, hs, 4};
    assert_int_equal(lmkv_store_put_file(s, &fv, &recs), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, ws, path, strlen(path), fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
}

static int setup(void **state)
{
    (void)state;
    dir = lmkv_test_tmpdir("graph");
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    assert_int_equal(lmkv_db_open(&db, &cfg), LMKV_OK);
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    assert_int_equal(lmkv_workspace_id(&ws, "/ws"), LMKV_OK);
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, st), LMKV_OK);
    lmkv_workspace w;
    lmkv_record_init(LMKV_REC_WORKSPACE, &w);
    w.id = ws; w.root_path = "/ws"; w.name = "ws";
    assert_int_equal(lmkv_store_workspace_put(s, &w), LMKV_OK);
    const struct fsym a_syms[] = {
        {"main", LMKV_SK_FUNCTION, 1, 4, 0}, {"a", LMKV_SK_FUNCTION, 5, 10, 0}, {"b", LMKV_SK_FUNCTION, 11, 14, 0},
        {"c", LMKV_SK_FUNCTION, 15, 18, 0}, {"d", LMKV_SK_FUNCTION, 19, 22, 0}, {"e", LMKV_SK_FUNCTION, 23, 24, 0},
        {"g", LMKV_SK_FUNCTION, 25, 27, 0}};
    const struct fcall a_calls[] = {
        {"main", "a", 2}, {"a", "b", 6}, {"a", "d", 7}, {"a", "b", 8}, {"b", "c", 12}, {"c", "a", 16},
        {"d", "d", 20}, {"d", "printf", 21}};
    const struct fref a_refs[] = {{"g", "c", 26, LMKV_REF_READ}, {"a", "M", 9, LMKV_REF_READ}};
    put_file(s, "a.c", 1, a_syms, 7, a_calls, 8, a_refs, 2);
    const struct fsym h_syms[] = {{"c", LMKV_SK_FUNCTION, 3, 3, 1}, {"M", LMKV_SK_MACRO, 1, 1, 0},
                                   {"UNUSED_MACRO", LMKV_SK_MACRO, 2, 2, 0}};
    put_file(s, "h.h", 1, h_syms, 3, NULL, 0, NULL, 0);
    const struct fsym o_syms[] = {{"x", LMKV_SK_FUNCTION, 1, 5, 0}, {"y", LMKV_SK_FUNCTION, 6, 8, 0}};
    const struct fcall o_calls[] = {{"x", "y", 2}, {"x", "a", 3}};
    const struct fref o_refs[] = {{"x", "c", 4, LMKV_REF_READ}};
    put_file(s, "old.c", 0, o_syms, 2, o_calls, 2, o_refs, 1);
    put_shapes(s);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lmkv_store_close(st);
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
    return 0;
}

/* collect names of calls/refs into a sorted, comma-joined string */
struct names { char buf[1024]; };
static int add_name(struct names *n, const char *s)
{
    if (n->buf[0]) strncat(n->buf, ",", sizeof n->buf - strlen(n->buf) - 1);
    strncat(n->buf, s ? s : "-", sizeof n->buf - strlen(n->buf) - 1);
    return 0;
}
static int caller_cb(void *ctx, const lmkv_call *c) { return add_name(ctx, c->caller_name); }
static int callee_cb(void *ctx, const lmkv_call *c) { return add_name(ctx, c->callee_name); }
static int source_cb(void *ctx, const lmkv_reference *r) { return add_name(ctx, r->source_name); }
static int target_cb(void *ctx, const lmkv_reference *r) { return add_name(ctx, r->target_name); }
static int sym_cb(void *ctx, const lmkv_symbol *s) { return add_name(ctx, s->file_path); }

static lmkv_graph *open_graph(void)
{
    lmkv_graph *g;
    assert_int_equal(lmkv_graph_open(&g, st, ws), LMKV_OK);
    return g;
}

static void test_callers_callees_refs(void **state)
{
    (void)state;
    lmkv_graph *g = open_graph();
    struct names n = {""};
    size_t cnt; int tr;
    assert_int_equal(lmkv_graph_callers(&cnt, &tr, g, "a", 0, caller_cb, &n), LMKV_OK);
    assert_string_equal(n.buf, "main,c");          /* old.c's x -> a is not current */
    assert_int_equal(cnt, 2); assert_int_equal(tr, 0);
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_callees(&cnt, &tr, g, "a", 0, callee_cb, &n), LMKV_OK);
    assert_string_equal(n.buf, "b,d,b");           /* one item per call site, in extraction order */
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_callers(&cnt, &tr, g, "a", 1, caller_cb, &n), LMKV_OK);
    assert_int_equal(cnt, 1); assert_int_equal(tr, 1);
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_refs(&cnt, &tr, g, "c", 0, source_cb, &n), LMKV_OK);
    assert_string_equal(n.buf, "g");               /* x's read of c is in the old version */
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_refs_from(&cnt, &tr, g, "a", 0, target_cb, &n), LMKV_OK);
    assert_string_equal(n.buf, "M");
    /* a known name with no callers: OK, empty */
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_callers(&cnt, &tr, g, "e", 0, caller_cb, &n), LMKV_OK);
    assert_int_equal(cnt, 0);
    /* an external callee is known through its calls */
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_callers(&cnt, &tr, g, "printf", 0, caller_cb, &n), LMKV_OK);
    assert_string_equal(n.buf, "d");
    /* unknown, and names that exist only in the non-current version */
    assert_int_equal(lmkv_graph_callers(&cnt, &tr, g, "nope", 0, caller_cb, &n), LMKV_NOTFOUND);
    assert_int_equal(lmkv_graph_callers(&cnt, &tr, g, "y", 0, caller_cb, &n), LMKV_NOTFOUND);
    assert_int_equal(lmkv_graph_callees(&cnt, &tr, g, "x", 0, callee_cb, &n), LMKV_NOTFOUND);
    assert_non_null(strstr(lmkv_errmsg(), "'x'"));
    assert_int_equal(lmkv_graph_callers(&cnt, &tr, g, "", 0, caller_cb, &n), LMKV_EINVAL);
    /* symbols: c is defined in a.c and declared in h.h */
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_symbols(&cnt, &tr, g, "c", LMKV_GRAPH_EXACT, 0, sym_cb, &n), LMKV_OK);
    assert_int_equal(cnt, 2);
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_symbols(&cnt, &tr, g, "ma", LMKV_GRAPH_PREFIX, 0, sym_cb, &n), LMKV_OK);
    assert_string_equal(n.buf, "a.c");
    lmkv_graph_close(g);
}

static void test_impact(void **state)
{
    (void)state;
    lmkv_graph *g = open_graph();
    lmkv_graph_result r;
    assert_int_equal(lmkv_graph_impact(&r, g, "c", 1, 0), LMKV_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[0].name, "b"); assert_int_equal(r.items[0].depth, 1);
    assert_string_equal(r.items[1].name, "g"); assert_int_equal(r.items[1].depth, 1);
    assert_string_equal(r.items[0].file, "a.c"); assert_int_equal(r.items[0].line, 11);
    assert_int_equal(r.items[0].column, 111);      /* b's definition column */
    assert_int_equal(r.truncated, 1);              /* a is one step further */
    assert_int_equal(lmkv_graph_impact(&r, g, "c", 3, 0), LMKV_OK);
    assert_int_equal(r.n, 4);                      /* b g (1), a (2), main (3); c itself excluded */
    assert_string_equal(r.items[2].name, "a"); assert_int_equal(r.items[2].depth, 2);
    assert_string_equal(r.items[3].name, "main"); assert_int_equal(r.items[3].depth, 3);
    assert_int_equal(r.truncated, 0);
    assert_int_equal(lmkv_graph_impact(&r, g, "c", 3, 2), LMKV_OK);
    assert_int_equal(r.n, 2); assert_int_equal(r.truncated, 1);
    assert_int_equal(lmkv_graph_impact(&r, g, "c", LMKV_GRAPH_MAX_DEPTH + 1, 0), LMKV_EINVAL);
    assert_int_equal(lmkv_graph_impact(&r, g, "zzz", 3, 0), LMKV_NOTFOUND);
    lmkv_graph_close(g);
}

static void test_paths(void **state)
{
    (void)state;
    lmkv_graph *g = open_graph();
    lmkv_graph_result r;
    assert_int_equal(lmkv_graph_paths(&r, g, "main", "c", 3, 0), LMKV_OK);
    assert_int_equal(r.groups, 1);
    assert_int_equal(r.group_start[1] - r.group_start[0], 4);
    assert_string_equal(r.items[0].name, "main"); assert_string_equal(r.items[3].name, "c");
    assert_int_equal(lmkv_graph_paths(&r, g, "main", "c", 2, 0), LMKV_OK);
    assert_int_equal(r.groups, 0);                 /* needs 3 calls */
    /* two paths to printf: main a d printf (3) -- and none through the cycle twice */
    assert_int_equal(lmkv_graph_paths(&r, g, "b", "d", 5, 0), LMKV_OK);
    assert_int_equal(r.groups, 1);                 /* b c a d */
    assert_string_equal(r.items[1].name, "c"); assert_string_equal(r.items[2].name, "a");
    assert_int_equal(lmkv_graph_paths(&r, g, "main", "nope", 3, 0), LMKV_NOTFOUND);
    lmkv_graph_close(g);
}

static void test_cycles_dead_hotspots(void **state)
{
    (void)state;
    lmkv_graph *g = open_graph();
    lmkv_graph_result r;
    assert_int_equal(lmkv_graph_cycles(&r, g, 0), LMKV_OK);
    assert_int_equal(r.groups, 2);
    assert_int_equal(r.group_start[1], 3);
    assert_string_equal(r.items[0].name, "a"); assert_string_equal(r.items[1].name, "b");
    assert_string_equal(r.items[2].name, "c"); assert_string_equal(r.items[3].name, "d");
    assert_int_equal(lmkv_graph_cycles(&r, g, 1), LMKV_OK);
    assert_int_equal(r.groups, 1); assert_int_equal(r.truncated, 1);

    assert_int_equal(lmkv_graph_dead(&r, g, NULL, 0), LMKV_OK);
    assert_int_equal(r.n, 2);                      /* e and g; main is an entry point; no macro */
    assert_string_equal(r.items[0].name, "e"); assert_string_equal(r.items[1].name, "g");
    assert_int_equal(r.items[0].line, 23); assert_int_equal(r.items[0].column, 123);
    const char *keep[] = {"g", NULL};
    assert_int_equal(lmkv_graph_dead(&r, g, keep, 0), LMKV_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].name, "e");
    /* keep entries are fnmatch patterns: a bracket class, a wildcard */
    const char *keep_class[] = {"[d-f]", NULL};
    assert_int_equal(lmkv_graph_dead(&r, g, keep_class, 0), LMKV_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].name, "g");
    const char *keep_all[] = {"nomatch*", "?", NULL};
    assert_int_equal(lmkv_graph_dead(&r, g, keep_all, 0), LMKV_OK);
    assert_int_equal(r.n, 0);
    /* the limit cuts the answer and says so */
    assert_int_equal(lmkv_graph_dead(&r, g, NULL, 1), LMKV_OK);
    assert_int_equal(r.n, 1); assert_int_equal(r.truncated, 1);

    assert_int_equal(lmkv_graph_hotspots(&r, g, 0), LMKV_OK);
    /* a b c d: 2 each (c: 1 call + 1 reference), ties by name; M: 1 ref */
    assert_int_equal(r.n, 5);
    assert_string_equal(r.items[0].name, "a"); assert_int_equal(r.items[0].count2, 2);
    assert_string_equal(r.items[2].name, "c");
    assert_int_equal(r.items[2].count, 1); assert_int_equal(r.items[2].count2, 1);
    assert_string_equal(r.items[3].name, "d");
    assert_string_equal(r.items[4].name, "M"); assert_int_equal(r.items[4].count, 1);
    assert_int_equal(r.items[4].kind, LMKV_SK_MACRO);   /* each row says its kind */
    assert_int_equal(r.items[4].line, 1); assert_int_equal(r.items[4].column, 101);
    assert_int_equal(r.items[0].kind, LMKV_SK_FUNCTION);
    for (size_t i = 0; i < r.n; i++) assert_string_not_equal(r.items[i].name, "printf"); /* external */
    lmkv_graph_close(g);
}

static void test_deps_search(void **state)
{
    (void)state;
    lmkv_graph *g = open_graph();
    lmkv_graph_result r;
    assert_int_equal(lmkv_graph_deps(&r, g, "a.c", 0), LMKV_OK);
    assert_int_equal(r.n, 1);                      /* h.h declares c and defines M */
    assert_string_equal(r.items[0].name, "h.h");
    assert_int_equal(lmkv_graph_rdeps(&r, g, "h.h", 0), LMKV_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].name, "a.c");
    assert_int_equal(lmkv_graph_deps(&r, g, "old.c", 0), LMKV_NOTFOUND);
    assert_int_equal(lmkv_graph_search(&r, g, "A", 0), LMKV_OK);
    assert_string_equal(r.items[0].name, "a");     /* exact (case-insensitive) first */
    assert_int_equal(r.items[0].count, 0);
    assert_string_equal(r.items[1].name, "main");  /* substring */
    assert_int_equal(r.items[1].count, 2);
    assert_int_equal(r.truncated, 0);
    assert_int_equal(lmkv_graph_search(&r, g, "A", 1), LMKV_OK);
    assert_int_equal(r.n, 1); assert_int_equal(r.truncated, 1);
    assert_string_equal(r.items[0].name, "a");
    assert_int_equal(lmkv_graph_hierarchy(&r, g, "zzz", 0), LMKV_NOTFOUND);
    lmkv_graph_close(g);
}

static void test_hierarchy_implementations(void **state)
{
    (void)state;
    lmkv_graph *g = open_graph();
    lmkv_graph_result r;
    /* a struct's children: its fields, by Contains edges */
    assert_int_equal(lmkv_graph_hierarchy(&r, g, "Pt", 0), LMKV_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[0].name, "px"); assert_string_equal(r.items[0].detail, "child");
    assert_int_equal(r.items[0].kind, LMKV_HIER_CONTAINS);
    assert_string_equal(r.items[1].name, "py");
    /* a field's parent, found by its qualified name too */
    assert_int_equal(lmkv_graph_hierarchy(&r, g, "px", 0), LMKV_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].name, "Pt"); assert_string_equal(r.items[0].detail, "parent");
    assert_int_equal(lmkv_graph_hierarchy(&r, g, "Pt::py", 0), LMKV_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].name, "Pt");
    /* implementations: Implements and Extends children only */
    assert_int_equal(lmkv_graph_implementations(&r, g, "Ifc", 0), LMKV_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[0].name, "Impl"); assert_int_equal(r.items[0].kind, LMKV_HIER_IMPLEMENTS);
    assert_string_equal(r.items[1].name, "Sub"); assert_int_equal(r.items[1].kind, LMKV_HIER_EXTENDS);
    assert_int_equal(lmkv_graph_implementations(&r, g, "Pt", 0), LMKV_OK);
    assert_int_equal(r.n, 0);                      /* Contains edges are not implementations */
    assert_int_equal(lmkv_graph_implementations(&r, g, "Ifc", 1), LMKV_OK);
    assert_int_equal(r.n, 1); assert_int_equal(r.truncated, 1);
    /* hierarchy of Impl: its parent Ifc */
    assert_int_equal(lmkv_graph_hierarchy(&r, g, "Impl", 0), LMKV_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].name, "Ifc"); assert_string_equal(r.items[0].detail, "parent");
    assert_int_equal(lmkv_graph_implementations(&r, g, "nope", 0), LMKV_NOTFOUND);

    /* symbol lookups: exact finds a qualified name, qualified only by it */
    size_t cnt; int tr;
    struct names n = {""};
    assert_int_equal(lmkv_graph_symbols(&cnt, &tr, g, "Pt::px", LMKV_GRAPH_EXACT, 0, sym_cb, &n), LMKV_OK);
    assert_int_equal(cnt, 1);
    assert_string_equal(n.buf, "shapes.h");
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_symbols(&cnt, &tr, g, "Pt::px", LMKV_GRAPH_QUALIFIED, 0, sym_cb, &n), LMKV_OK);
    assert_int_equal(cnt, 1);
    assert_int_equal(lmkv_graph_symbols(&cnt, &tr, g, "px", LMKV_GRAPH_QUALIFIED, 0, sym_cb, &n), LMKV_NOTFOUND);
    memset(&n, 0, sizeof n);
    assert_int_equal(lmkv_graph_symbols(&cnt, &tr, g, "p", LMKV_GRAPH_PREFIX, 0, sym_cb, &n), LMKV_OK);
    assert_int_equal(cnt, 2);                      /* px py: case-sensitive (not Pt); printf is only called */
    lmkv_graph_close(g);
}

/* Handles in several threads at once (one handle per thread, as the
 * header says): every thread gets the single-threaded answers. */
struct tres { int ok; };
static void *worker(void *arg)
{
    struct tres *r = arg;
    lmkv_graph *g = NULL;
    r->ok = 0;
    if (lmkv_graph_open(&g, st, ws) != LMKV_OK) return NULL;
    int ok = 1;
    for (int i = 0; i < 200 && ok; i++) {
        lmkv_graph_result x;
        ok = lmkv_graph_cycles(&x, g, 0) == LMKV_OK && x.groups == 2 && !strcmp(x.items[0].name, "a") &&
             !strcmp(x.items[3].name, "d");
        ok = ok && lmkv_graph_impact(&x, g, "c", 3, 0) == LMKV_OK && x.n == 4 && !strcmp(x.items[3].name, "main");
        ok = ok && lmkv_graph_hotspots(&x, g, 0) == LMKV_OK && x.n == 5 && !strcmp(x.items[4].name, "M");
        ok = ok && lmkv_graph_deps(&x, g, "a.c", 0) == LMKV_OK && x.n == 1;
    }
    lmkv_graph_close(g);
    r->ok = ok;
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    struct tres r[4];
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&th[i], NULL, worker, &r[i]), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(r[i].ok, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callers_callees_refs),
        cmocka_unit_test(test_impact),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_cycles_dead_hotspots),
        cmocka_unit_test(test_deps_search),
        cmocka_unit_test(test_hierarchy_implementations),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
