/*
 * test_schema_store.c -- the schema store on real LMDB files with real code
 * facts (functions and call sites of LMDB's mdb.c and midl.c, scanned by
 * test_schema_store_facts.h): write sessions (replace, abort, failed file),
 * current-map filtering, prefix-scan lookups, removal, workspace
 * isolation, verify against injected damage, and the key byte tables of
 * schema/KEYS.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmkv_kv.h"
#include "lmkv_schema.h"
#include "store_int.h"
#include "test_schema_store_facts.h"


/* lmkv_store_symbol_exists's answer, asserting that it succeeded. */
static int sym_exists(lmkv_store_txn *t, uint64_t ws, const char *name, size_t len, unsigned flags)
{
    int ex = -1;
    assert_int_equal(lmkv_store_symbol_exists(&ex, t, ws, name, len, flags), LMKV_OK);
    assert_true(ex == 0 || ex == 1);
    return ex;
}

static const char *const FILES[] = { "mdb.c", "midl.c" };
#define NFILES 2
static fact_file g_files[NFILES];
static int g_loaded;

/* ------------------------------------------------------------ fixture */

typedef struct fx {
    char dir[4096];
    lmkv_db *db;
    lmkv_store *st;
    uint64_t ws;
    facts_recs recs[NFILES];
} fx;

static int next_dir(char *out, size_t n)
{
    static int seq;
    const char *base = getenv("LMKV_TEST_TMP");
    static char tmpl[64];
    if (!base || !*base) {
        if (!tmpl[0]) {
            snprintf(tmpl, sizeof tmpl, "/tmp/lmkv-store-XXXXXX");
            if (!mkdtemp(tmpl))
                return -1;
        }
        base = tmpl;
    }
    if (strlen(base) > 3000)
        return -1;
    snprintf(out, n, "%.3000s/store-db%d-%d", base, (int)getpid(), seq++);
    return 0;
}

static void open_db(fx *f)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = f->dir;
    cfg.flush_every_ms = 0;
    cfg.durability = LMKV_DURABILITY_NOSYNC;
    assert_int_equal(lmkv_db_open(&f->db, &cfg), LMKV_OK);
    assert_int_equal(lmkv_store_open(&f->st, f->db), LMKV_OK);
}

static void close_db(fx *f)
{
    lmkv_store_close(f->st);
    lmkv_db_close(f->db);
    f->st = NULL;
    f->db = NULL;
}

static int setup(void **state)
{
    if (!g_loaded) {
        if (facts_load(g_files, FILES, NFILES) != 0)
            return -1;
        g_loaded = 1;
    }
    fx *f = calloc(1, sizeof *f);
    if (next_dir(f->dir, sizeof f->dir) != 0)
        return -1;
    open_db(f);
    assert_int_equal(lmkv_workspace_id(&f->ws, "/home/dev/lmdb"), LMKV_OK);
    for (int i = 0; i < NFILES; i++)
        facts_records(&f->recs[i], &g_files[i], f->ws, "v1");
    *state = f;
    return 0;
}

/* Free f's records and close its database (f itself is the caller's). */
static void fx_done(fx *f)
{
    for (int i = 0; i < NFILES; i++)
        facts_records_free(&f->recs[i]);
    close_db(f);
}

/* A second fixture in a new database, with a's workspace and records built
 * the same way (for comparisons of two ways to store the same thing). */
static void fx_like(fx *b, const fx *a)
{
    memset(b, 0, sizeof *b);
    assert_int_equal(next_dir(b->dir, sizeof b->dir), 0);
    open_db(b);
    b->ws = a->ws;
    for (int i = 0; i < NFILES; i++)
        facts_records(&b->recs[i], &g_files[i], b->ws, "v1");
}

static int teardown(void **state)
{
    fx *f = *state;
    fx_done(f);
    free(f);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_loaded)
        facts_free(g_files, NFILES);
    return 0;
}

static void register_ws(lmkv_store_session *s, uint64_t ws, const char *root)
{
    lmkv_workspace w;
    lmkv_record_init(LMKV_REC_WORKSPACE, &w);
    w.id = ws;
    w.root_path = root;
    w.name = strrchr(root, '/') + 1;
    assert_int_equal(lmkv_store_workspace_put(s, &w), LMKV_OK);
}

/* Index both files as "latest" and make them current. */
static void index_all(fx *f)
{
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    register_ws(s, f->ws, "/home/dev/lmdb");
    for (int i = 0; i < NFILES; i++) {
        facts_recs *r = &f->recs[i];
        assert_int_equal(lmkv_store_put_file(s, &r->fv, &r->r), LMKV_OK);
        size_t pl = strlen(r->fv.path);
        assert_int_equal(lmkv_store_map_latest(s, f->ws, r->fv.path, pl, r->fv.id), LMKV_OK);
        assert_int_equal(lmkv_store_set_current(s, f->ws, r->fv.path, pl, r->fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    }
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
}

/* ------------------------------------------------------------ collectors */

typedef struct coll {
    size_t n;
    uint64_t ws_seen_other;      /* records of another workspace */
    uint64_t want_ws;
    char names[256][64];
    uint32_t lines[256];
    uint64_t fvs[256];
    const char *match;           /* count names equal to this */
    size_t matches;
} coll;

static void coll_add(coll *c, uint64_t ws, const char *name, uint32_t line, uint64_t fv)
{
    if (c->want_ws && ws != c->want_ws)
        c->ws_seen_other++;
    if (c->n < 256) {
        snprintf(c->names[c->n], 64, "%s", name ? name : "");
        c->lines[c->n] = line;
        c->fvs[c->n] = fv;
    }
    if (c->match && name && strcmp(name, c->match) == 0)
        c->matches++;
    c->n++;
}

static int on_call_caller(void *ctx, const lmkv_call *c)
{
    coll_add(ctx, c->workspace_id, c->caller_name, c->line, c->file_version_id);
    return 0;
}
static int on_call_callee(void *ctx, const lmkv_call *c)
{
    coll_add(ctx, c->workspace_id, c->callee_name, c->line, c->file_version_id);
    return 0;
}
static int on_ref(void *ctx, const lmkv_reference *r)
{
    coll_add(ctx, r->workspace_id, r->source_name, r->start_line, r->file_version_id);
    return 0;
}
static int on_sym(void *ctx, const lmkv_symbol *s)
{
    coll_add(ctx, s->workspace_id, s->name, s->start_line, s->file_version_id);
    return 0;
}
static int on_hier(void *ctx, const lmkv_hierarchy *h)
{
    coll_add(ctx, h->workspace_id, h->child_name, 0, h->file_version_id);
    return 0;
}

/* Expected callers of `callee` from the facts (all files). */
static size_t expected_callers(const char *callee, const char *caller, uint32_t *line)
{
    size_t n = 0;
    for (int i = 0; i < NFILES; i++)
        for (size_t j = 0; j < g_files[i].n_calls; j++)
            if (strcmp(g_files[i].calls[j].callee, callee) == 0) {
                n++;
                if (caller && line && strcmp(g_files[i].fns[g_files[i].calls[j].caller].name, caller) == 0)
                    *line = g_files[i].calls[j].line;
            }
    return n;
}

/* Expected callees of caller NAME from the facts (all files): calls made
 * by every function of that name. */
static size_t expected_callees(const char *caller)
{
    size_t n = 0;
    for (int i = 0; i < NFILES; i++)
        for (size_t j = 0; j < g_files[i].n_calls; j++)
            n += strcmp(g_files[i].fns[g_files[i].calls[j].caller].name, caller) == 0;
    return n;
}

/* ------------------------------------------------------------ tests */

typedef struct probs {
    size_t n;
    char trees[16][32];
    char msgs[16][256];
} probs;
static int on_problem(void *ctx, const lmkv_store_problem *p);
static int has_problem(const probs *p, const char *tree, const char *word);
static lmkv_tree *raw_tree(fx *f, const char *name);

static void test_facts_are_real(void **state)
{
    (void)state;
    /* the scanner found LMDB's definitions at their real lines */
    const fact_fn *put = facts_find(&g_files[0], "mdb_put");
    assert_non_null(put);
    assert_non_null(facts_find(&g_files[0], "mdb_cursor_put"));
    assert_non_null(facts_find(&g_files[1], "mdb_midl_append"));
    assert_true(g_files[0].n_fns > 150); /* 183 in LMDB 0.9.90 */
    assert_true(g_files[0].n_calls > 400); /* 457 */
    assert_memory_equal(g_files[0].text + 0, "/**", 3);
    uint32_t line = 0;
    assert_true(expected_callers("mdb_cursor_put", "mdb_put", &line) > 0);
    assert_true(line > put->line && line < put->end_line);
}

static void test_roundtrip_lookups(void **state)
{
    fx *f = *state;
    index_all(f);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);

    /* workspace registration */
    lmkv_workspace w;
    assert_int_equal(lmkv_store_workspace_get(&w, t, f->ws), LMKV_OK);
    assert_string_equal(w.root_path, "/home/dev/lmdb");
    uint64_t ws2 = 0;
    assert_int_equal(lmkv_store_workspace_by_root(&ws2, t, "/home/dev/lmdb", 14), LMKV_OK);
    assert_int_equal(ws2, f->ws);
    assert_int_equal(lmkv_store_workspace_by_root(&ws2, t, "/nope", 5), LMKV_NOTFOUND);

    /* callers of mdb_cursor_put: every call site, with caller name and line */
    coll c = { .want_ws = f->ws, .match = "mdb_put" };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, 0, on_call_caller, &c), LMKV_OK);
    uint32_t put_line = 0;
    assert_int_equal(c.n, expected_callers("mdb_cursor_put", "mdb_put", &put_line));
    assert_true(c.matches >= 1);
    int seen_line = 0;
    for (size_t i = 0; i < c.n && i < 256; i++)
        if (strcmp(c.names[i], "mdb_put") == 0 && c.lines[i] == put_line)
            seen_line = 1;
    assert_true(seen_line);
    assert_int_equal(c.ws_seen_other, 0);

    /* cross-file: midl.c's mdb_midl_append is called from mdb.c (by name) */
    coll m = { .want_ws = f->ws };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_midl_append", 15, 0, on_call_caller, &m), LMKV_OK);
    assert_int_equal(m.n, expected_callers("mdb_midl_append", NULL, NULL));
    assert_true(m.n > 0);

    /* a name that is a prefix of another is exact by default */
    coll ex = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor", 10, 0, on_call_caller, &ex), LMKV_OK);
    assert_int_equal(ex.n, expected_callers("mdb_cursor", NULL, NULL));

    /* callees of mdb_put: by (fv, id) and by id alone (fv 0) */
    const fact_fn *put = facts_find(&g_files[0], "mdb_put");
    size_t want = 0;
    for (size_t j = 0; j < g_files[0].n_calls; j++)
        if (strcmp(g_files[0].fns[g_files[0].calls[j].caller].name, "mdb_put") == 0)
            want++;
    coll ce = { .match = "mdb_cursor_put" };
    assert_int_equal(lmkv_store_calls_from(t, f->ws, f->recs[0].fv.id, put->id, 0, on_call_callee, &ce), LMKV_OK);
    assert_int_equal(ce.n, want);
    assert_true(ce.matches >= 1);
    coll ce0 = { 0 };
    assert_int_equal(lmkv_store_calls_from(t, f->ws, 0, put->id, 0, on_call_callee, &ce0), LMKV_OK);
    assert_int_equal(ce0.n, want);
    /* ... and by caller NAME (store.cur_call_from): the same call sites in
     * the same order, without the symbol */
    coll cn = { .want_ws = f->ws, .match = "mdb_cursor_put" };
    assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, "mdb_put", 7, 0, on_call_callee, &cn), LMKV_OK);
    assert_int_equal(cn.n, want);
    assert_int_equal(cn.matches, ce.matches);
    assert_int_equal(cn.ws_seen_other, 0);
    for (size_t i = 0; i < cn.n && i < 256; i++) {
        assert_string_equal(cn.names[i], ce.names[i]);
        assert_int_equal(cn.lines[i], ce.lines[i]);
    }
    /* every function of both files: callees by name = the facts' call sites */
    for (int fi = 0; fi < NFILES; fi++)
        for (size_t i = 0; i < g_files[fi].n_fns; i++) {
            const char *nm = g_files[fi].fns[i].name;
            coll x = { 0 };
            assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, nm, strlen(nm), 0, on_call_callee, &x), LMKV_OK);
            if (x.n != expected_callees(nm))
                fail_msg("callees of %s: %zu, facts say %zu", nm, x.n, expected_callees(nm));
        }
    /* exact by default, PREFIX on request; other versions are refused */
    coll cx = { 0 }, cp = { 0 };
    assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, "mdb_pu", 6, 0, on_call_callee, &cx), LMKV_OK);
    assert_int_equal(cx.n, 0);
    assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, "mdb_pu", 6, LMKV_STORE_PREFIX, on_call_callee, &cp), LMKV_OK);
    size_t want_pu = 0;
    for (int fi = 0; fi < NFILES; fi++)
        for (size_t j = 0; j < g_files[fi].n_calls; j++)
            want_pu += strncmp(g_files[fi].fns[g_files[fi].calls[j].caller].name, "mdb_pu", 6) == 0;
    assert_true(want_pu >= want);
    assert_int_equal(cp.n, want_pu);
    assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, "mdb_put", 7, LMKV_STORE_ALL_VERSIONS, on_call_callee, &cx),
                     LMKV_EINVAL);
    assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, NULL, 3, 0, on_call_callee, &cx), LMKV_EINVAL);
    assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, "mdb_put", 7, 0, NULL, NULL), LMKV_EINVAL);

    /* references by target name and from a source */
    coll r = { 0 };
    assert_int_equal(lmkv_store_refs_to(t, f->ws, "mdb_cursor_put", 14, 0, on_ref, &r), LMKV_OK);
    assert_int_equal(r.n, c.n);
    coll rf = { 0 };
    assert_int_equal(lmkv_store_refs_from(t, f->ws, 0, put->id, 0, on_ref, &rf), LMKV_OK);
    assert_int_equal(rf.n, want);

    /* symbols: exact, prefix, qualified, by id, of a file version */
    coll s = { 0 };
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "mdb_put", 7, 0, on_sym, &s), LMKV_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.lines[0], put->line);
    size_t npre = 0;
    for (int i = 0; i < NFILES; i++)
        for (size_t j = 0; j < g_files[i].n_fns; j++)
            npre += strncmp(g_files[i].fns[j].name, "mdb_cursor_", 11) == 0;
    coll sp = { 0 };
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "mdb_cursor_", 11, LMKV_STORE_PREFIX, on_sym, &sp), LMKV_OK);
    assert_int_equal(sp.n, npre);
    for (size_t i = 1; i < sp.n && i < 256; i++) /* name order */
        assert_true(strcmp(sp.names[i - 1], sp.names[i]) <= 0);
    coll sq = { 0 };
    assert_int_equal(lmkv_store_symbols_by_qname(t, f->ws, "midl.c::mdb_midl_append", 23, 0, on_sym, &sq), LMKV_OK);
    assert_int_equal(sq.n, 1);
    assert_string_equal(sq.names[0], "mdb_midl_append");
    /* existence from index keys alone: short name, qualified name, prefix */
    int exv = -1;
    assert_true(sym_exists(t, f->ws, "mdb_put", 7, 0) == 1);
    assert_true(sym_exists(t, f->ws, "midl.c::mdb_midl_append", 23, 0) == 1);
    assert_true(sym_exists(t, f->ws, "mdb_pu", 6, 0) == 0);
    assert_true(sym_exists(t, f->ws, "mdb_pu", 6, LMKV_STORE_PREFIX) == 1);
    assert_true(sym_exists(t, f->ws, "mdb_cursor_put", 14, 0) == 1);
    assert_int_equal(lmkv_store_symbol_exists(&exv, t, f->ws, "mdb_cursor_put", 14, 1u << 7), LMKV_EINVAL);
    assert_int_equal(lmkv_store_symbol_exists(&exv, t, f->ws, NULL, 1, 0), LMKV_EINVAL);
    assert_int_equal(exv, 0); /* cleared on error */
    assert_int_equal(lmkv_store_symbol_exists(NULL, t, f->ws, "mdb_put", 7, 0), LMKV_EINVAL);
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "mdb_put", 7, 0, NULL, &s), LMKV_EINVAL);
    coll sid = { 0 };
    assert_int_equal(lmkv_store_symbols_by_id(t, f->ws, put->id, 0, on_sym, &sid), LMKV_OK);
    assert_int_equal(sid.n, 1);
    lmkv_symbol sym;
    assert_int_equal(lmkv_store_symbol_get(&sym, t, f->ws, f->recs[0].fv.id, put->id), LMKV_OK);
    assert_string_equal(sym.qualified_name, "mdb.c::mdb_put");
    assert_string_equal(sym.file_path, "mdb.c");
    assert_int_equal(sym.workspace_id, f->ws);
    coll so = { 0 };
    assert_int_equal(lmkv_store_symbols_of(t, f->ws, f->recs[1].fv.id, on_sym, &so), LMKV_OK);
    assert_int_equal(so.n, g_files[1].n_fns + 1);

    /* hierarchy: file contains functions */
    coll hc = { 0 };
    assert_int_equal(lmkv_store_hierarchy_children(t, f->ws, g_files[1].file_sym_id, 0, on_hier, &hc), LMKV_OK);
    assert_int_equal(hc.n, g_files[1].n_fns);
    coll hp = { .match = "mdb_put" };
    assert_int_equal(lmkv_store_hierarchy_parents(t, f->ws, put->id, 0, on_hier, &hp), LMKV_OK);
    assert_int_equal(hp.n, 1);
    assert_int_equal(hp.matches, 1);

    /* whole-workspace iterations and counts */
    coll all = { 0 };
    assert_int_equal(lmkv_store_calls_all(t, f->ws, 0, on_call_caller, &all), LMKV_OK);
    assert_int_equal(all.n, g_files[0].n_calls + g_files[1].n_calls);
    lmkv_store_counts n;
    assert_int_equal(lmkv_store_count(&n, t, f->ws), LMKV_OK);
    assert_int_equal(n.workspaces, 1);
    assert_int_equal(n.file_versions, 2);
    assert_int_equal(n.symbols, g_files[0].n_fns + g_files[1].n_fns + 2);
    assert_int_equal(n.calls, all.n);
    assert_int_equal(n.references, all.n);
    assert_int_equal(n.hierarchy, g_files[0].n_fns + g_files[1].n_fns);
    assert_int_equal(n.current_mappings, 2);
    assert_int_equal(n.latest_mappings, 2);
    lmkv_store_txn_end(t);

    size_t problems = 99;
    assert_int_equal(lmkv_store_verify(&problems, f->st, NULL, NULL), LMKV_OK);
    assert_int_equal(problems, 0);
}

static void test_replace_and_versions(void **state)
{
    fx *f = *state;
    index_all(f);
    facts_recs *r0 = &f->recs[0];
    uint64_t v1 = r0->fv.id;
    const fact_fn *put = facts_find(&g_files[0], "mdb_put");
    size_t callers_v1 = expected_callers("mdb_cursor_put", NULL, NULL);

    /* a new version of mdb.c in which mdb_put no longer calls mdb_cursor_put */
    facts_recs r2;
    facts_records(&r2, &g_files[0], f->ws, "v2");
    assert_int_not_equal(r2.fv.id, v1);
    size_t k = 0, dropped = 0;
    for (size_t i = 0; i < r2.r.n_calls; i++) {
        if (r2.calls[i].caller_id == put->id && strcmp(r2.calls[i].callee_name, "mdb_cursor_put") == 0) {
            dropped++;
            continue;
        }
        r2.calls[k] = r2.calls[i];
        r2.refs[k] = r2.refs[i];
        k++;
    }
    assert_true(dropped > 0);
    r2.r.n_calls = r2.r.n_references = k;

    lmkv_store_txn *old;
    assert_int_equal(lmkv_store_txn_begin(&old, f->st), LMKV_OK);
    uint64_t g0, g1;
    assert_int_equal(lmkv_store_generation(&g0, old, f->ws), LMKV_OK);
    assert_int_equal(lmkv_store_is_current(old, f->ws, v1), 1);

    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &r2.fv, &r2.r), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "mdb.c", 5, r2.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    /* the session's own view sees its writes */
    assert_int_equal(lmkv_store_is_current(lmkv_store_session_txn(s), f->ws, r2.fv.id), 1);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

    /* the old snapshot is unchanged (and its cached set stays right) */
    assert_int_equal(lmkv_store_is_current(old, f->ws, v1), 1);
    assert_int_equal(lmkv_store_is_current(old, f->ws, r2.fv.id), 0);
    coll c0 = { 0 };
    assert_int_equal(lmkv_store_calls_to(old, f->ws, "mdb_cursor_put", 14, 0, on_call_caller, &c0), LMKV_OK);
    assert_int_equal(c0.n, callers_v1);
    lmkv_store_txn_end(old);

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_generation(&g1, t, f->ws), LMKV_OK);
    assert_true(g1 > g0);
    assert_int_equal(lmkv_store_is_current(t, f->ws, v1), 0);
    assert_int_equal(lmkv_store_is_current(t, f->ws, r2.fv.id), 1);
    coll c = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, 0, on_call_caller, &c), LMKV_OK);
    assert_int_equal(c.n, callers_v1 - dropped);
    /* both versions are stored once each: ALL_VERSIONS sees v1 and v2 */
    coll ca = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, LMKV_STORE_ALL_VERSIONS, on_call_caller, &ca), LMKV_OK);
    assert_int_equal(ca.n, 2 * callers_v1 - dropped);
    /* symbols_by_id sees the current version only, unless ALL_VERSIONS */
    coll si = { 0 }, sa = { 0 };
    assert_int_equal(lmkv_store_symbols_by_id(t, f->ws, put->id, 0, on_sym, &si), LMKV_OK);
    assert_int_equal(si.n, 1);
    assert_int_equal(si.fvs[0], r2.fv.id);
    assert_int_equal(lmkv_store_symbols_by_id(t, f->ws, put->id, LMKV_STORE_ALL_VERSIONS, on_sym, &sa), LMKV_OK);
    assert_int_equal(sa.n, 2);
    lmkv_store_txn_end(t);

    /* replacing v2 in place with fewer records removes the old index entries */
    r2.r.n_calls = r2.r.n_references = 0;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &r2.fv, &r2.r), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    coll cz = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, 0, on_call_caller, &cz), LMKV_OK);
    assert_int_equal(cz.n, 0);
    coll cv = { 0 };
    assert_int_equal(lmkv_store_calls_of(t, f->ws, r2.fv.id, on_call_caller, &cv), LMKV_OK);
    assert_int_equal(cv.n, 0);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    facts_records_free(&r2);
}

static void test_abort_leaves_nothing(void **state)
{
    fx *f = *state;
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    register_ws(s, f->ws, "/home/dev/lmdb");
    assert_int_equal(lmkv_store_put_file(s, &f->recs[0].fv, &f->recs[0].r), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "mdb.c", 5, f->recs[0].fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    assert_true(lmkv_store_session_pending(s) > 2000);
    lmkv_store_session_abort(s);

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    lmkv_store_counts n;
    assert_int_equal(lmkv_store_count(&n, t, 0), LMKV_OK);
    assert_int_equal(n.workspaces + n.file_versions + n.symbols + n.calls + n.references +
                     n.hierarchy + n.current_mappings, 0);
    coll c = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, LMKV_STORE_ALL_VERSIONS, on_call_caller, &c), LMKV_OK);
    assert_int_equal(c.n, 0);
    uint64_t g = 99;
    assert_int_equal(lmkv_store_generation(&g, t, f->ws), LMKV_OK);
    assert_int_equal(g, 0);
    lmkv_store_txn_end(t);
}

static void test_failed_file_leaves_no_rows(void **state)
{
    fx *f = *state;
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &f->recs[1].fv, &f->recs[1].r), LMKV_OK);
    size_t before = lmkv_store_session_pending(s);

    /* mdb.c with one bad call (no callee name) half-way through its arrays */
    facts_recs *r0 = &f->recs[0];
    lmkv_call *calls = malloc(r0->r.n_calls * sizeof *calls);
    memcpy(calls, r0->calls, r0->r.n_calls * sizeof *calls);
    calls[r0->r.n_calls / 2].callee_name = NULL;
    lmkv_store_file_records bad = r0->r;
    bad.calls = calls;
    assert_int_equal(lmkv_store_put_file(s, &r0->fv, &bad), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "mdb.c"));
    assert_int_equal(lmkv_store_session_pending(s), before); /* nothing written */

    /* duplicate symbol ids are refused too */
    lmkv_symbol *syms = malloc(r0->r.n_symbols * sizeof *syms);
    memcpy(syms, r0->syms, r0->r.n_symbols * sizeof *syms);
    syms[2].id = syms[1].id;
    lmkv_store_file_records dup = r0->r;
    dup.symbols = syms;
    assert_int_equal(lmkv_store_put_file(s, &r0->fv, &dup), LMKV_EINVAL);
    assert_int_equal(lmkv_store_session_pending(s), before);

    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    lmkv_file_version fvr;
    assert_int_equal(lmkv_store_file_version_get(&fvr, t, f->ws, r0->fv.id), LMKV_NOTFOUND);
    assert_int_equal(lmkv_store_file_version_get(&fvr, t, f->ws, f->recs[1].fv.id), LMKV_OK);
    assert_string_equal(fvr.path, "midl.c");
    coll c = { 0 };
    assert_int_equal(lmkv_store_symbols_of(t, f->ws, r0->fv.id, on_sym, &c), LMKV_OK);
    assert_int_equal(c.n, 0);
    coll cc = { 0 };
    assert_int_equal(lmkv_store_calls_of(t, f->ws, r0->fv.id, on_call_caller, &cc), LMKV_OK);
    assert_int_equal(cc.n, 0);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    free(calls);
    free(syms);
}

static void test_poisoned_session_commits_nothing(void **state)
{
    fx *f = *state;
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &f->recs[1].fv, &f->recs[1].r), LMKV_OK);
    s->poisoned = 1; /* as after a failed write (LMKV_EFULL, LMKV_EIO) */
    assert_int_equal(lmkv_store_put_file(s, &f->recs[0].fv, &f->recs[0].r), LMKV_EBADTXN);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_EBADTXN);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    lmkv_store_counts n;
    assert_int_equal(lmkv_store_count(&n, t, 0), LMKV_OK);
    assert_int_equal(n.file_versions + n.symbols, 0);
    lmkv_store_txn_end(t);
}

static int cur_cb(void *ctx, const lmkv_store_current *c)
{
    char path[64];
    snprintf(path, sizeof path, "%.*s", (int)c->path_len, c->path); /* not NUL-terminated */
    coll_add(ctx, 0, path, (uint32_t)c->source, c->fv);
    return 0;
}

/* Overwrites the stack below the caller's frame, where a function it just
 * called kept its locals. */
__attribute__((noinline)) static void clobber_stack(void)
{
    volatile char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)0x5a;
}

static void test_current_map(void **state)
{
    fx *f = *state;
    index_all(f);
    uint8_t oid[20];
    for (int i = 0; i < 20; i++)
        oid[i] = (uint8_t)(0xA0 + i);
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_map_commit(s, f->ws, oid, "mdb.c", 5, f->recs[0].fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_map_commit(s, f->ws, oid, "midl.c", 6, f->recs[1].fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "mdb.c", 5, f->recs[0].fv.id, LMKV_SOURCE_COMMIT, oid), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "x.c", 3, 0, LMKV_SOURCE_LATEST, NULL), LMKV_EINVAL);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "x.c", 3, 5, 7, NULL), LMKV_EINVAL);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    lmkv_store_current cur;
    assert_int_equal(lmkv_store_current_get(&cur, t, f->ws, "mdb.c", 5), LMKV_OK);
    clobber_stack(); /* cur.path pointed into get's dead stack frame */
    assert_int_equal(cur.path_len, 5);
    assert_memory_equal(cur.path, "mdb.c", 5);
    assert_int_equal(cur.fv, f->recs[0].fv.id);
    assert_int_equal(cur.source, LMKV_SOURCE_COMMIT);
    assert_memory_equal(cur.commit, oid, 20);
    assert_int_equal(lmkv_store_current_get(&cur, t, f->ws, "nope.c", 6), LMKV_NOTFOUND);
    coll each = { 0 };
    assert_int_equal(lmkv_store_current_each(t, f->ws, cur_cb, &each), LMKV_OK);
    assert_int_equal(each.n, 2);
    assert_string_equal(each.names[0], "mdb.c");
    assert_string_equal(each.names[1], "midl.c");
    /* by path prefix: byte prefixes, in path order */
    static const struct { const char *prefix; size_t n; const char *first; } pq[] = {
        {"", 2, "mdb.c"}, {"m", 2, "mdb.c"}, {"mi", 1, "midl.c"}, {"mdb.c", 1, "mdb.c"},
        {"mdb.cc", 0, NULL}, {"x", 0, NULL},
    };
    for (size_t i = 0; i < sizeof pq / sizeof pq[0]; i++) {
        coll pc = { 0 };
        assert_int_equal(lmkv_store_current_prefix(t, f->ws, pq[i].prefix, strlen(pq[i].prefix), cur_cb, &pc), LMKV_OK);
        assert_int_equal(pc.n, pq[i].n);
        if (pq[i].first)
            assert_string_equal(pc.names[0], pq[i].first);
    }
    coll po = { 0 };
    assert_int_equal(lmkv_store_current_prefix(t, f->ws + 1, "m", 1, cur_cb, &po), LMKV_OK);
    assert_int_equal(po.n, 0); /* another workspace has none */
    assert_int_equal(lmkv_store_current_prefix(t, f->ws, NULL, 1, cur_cb, &po), LMKV_EINVAL);
    assert_int_equal(lmkv_store_current_prefix(t, f->ws, "m", 1, NULL, &po), LMKV_EINVAL);
    uint64_t fv = 0;
    assert_int_equal(lmkv_store_commit_get(&fv, t, f->ws, oid, "midl.c", 6), LMKV_OK);
    assert_int_equal(fv, f->recs[1].fv.id);
    assert_int_equal(lmkv_store_latest_get(&fv, t, f->ws, "mdb.c", 5), LMKV_OK);
    assert_int_equal(fv, f->recs[0].fv.id);
    uint64_t g1;
    assert_int_equal(lmkv_store_generation(&g1, t, f->ws), LMKV_OK);
    lmkv_store_txn_end(t);

    /* setting the same entry again changes nothing (no generation bump) */
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    size_t p0 = lmkv_store_session_pending(s);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "mdb.c", 5, f->recs[0].fv.id, LMKV_SOURCE_COMMIT, oid), LMKV_OK);
    assert_int_equal(lmkv_store_session_pending(s), p0);
    /* deleting midl.c from the current state hides its records */
    assert_int_equal(lmkv_store_unset_current(s, f->ws, "midl.c", 6), LMKV_OK);
    assert_int_equal(lmkv_store_unset_current(s, f->ws, "midl.c", 6), LMKV_NOTFOUND);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    uint64_t g2;
    assert_int_equal(lmkv_store_generation(&g2, t, f->ws), LMKV_OK);
    assert_int_equal(g2, g1 + 1);
    coll sq = { 0 };
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "mdb_midl_append", 15, 0, on_sym, &sq), LMKV_OK);
    assert_int_equal(sq.n, 0);
    assert_true(sym_exists(t, f->ws, "mdb_midl_append", 15, 0) == 0);
    assert_true(sym_exists(t, f->ws, "mdb_midl_append", 15, LMKV_STORE_ALL_VERSIONS) == 1);
    /* midl.c's calls left the callees-by-name copies with it */
    size_t midl_calls = 0;
    for (size_t i = 0; i < g_files[1].n_fns; i++) {
        coll x = { 0 };
        const char *nm = g_files[1].fns[i].name;
        assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, nm, strlen(nm), 0, on_call_callee, &x), LMKV_OK);
        assert_int_equal(x.n, 0);
        midl_calls += expected_callees(nm);
    }
    assert_true(midl_calls > 0);
    coll ce = { 0 };
    assert_int_equal(lmkv_store_calls_by_caller(t, f->ws, "mdb_put", 7, 0, on_call_callee, &ce), LMKV_OK);
    assert_int_equal(ce.n, expected_callees("mdb_put"));
    /* ... but mdb.c's calls to it (stored by name) are still current */
    coll cm = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_midl_append", 15, 0, on_call_caller, &cm), LMKV_OK);
    assert_int_equal(cm.n, expected_callers("mdb_midl_append", NULL, NULL));
    assert_int_equal(lmkv_store_is_current(t, f->ws, f->recs[1].fv.id), 0);
    lmkv_store_txn_reset(t);
    assert_int_equal(lmkv_store_txn_renew(t), LMKV_OK);
    assert_int_equal(lmkv_store_is_current(t, f->ws, f->recs[0].fv.id), 1);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

static void test_current_before_put_in_one_session(void **state)
{
    fx *f = *state;
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    /* versioning may decide the current map first and store the file after */
    assert_int_equal(lmkv_store_set_current(s, f->ws, "mdb.c", 5, f->recs[0].fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &f->recs[0].fv, &f->recs[0].r), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &f->recs[1].fv, &f->recs[1].r), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    size_t want_cur = 0;
    for (size_t j = 0; j < g_files[0].n_calls; j++)
        want_cur += strcmp(g_files[0].calls[j].callee, "mdb_midl_append") == 0;
    coll c = { 0 }, a = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_midl_append", 15, 0, on_call_caller, &c), LMKV_OK);
    assert_int_equal(c.n, want_cur); /* midl.c is stored but not current */
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_midl_append", 15, LMKV_STORE_ALL_VERSIONS, on_call_caller, &a), LMKV_OK);
    assert_int_equal(a.n, expected_callers("mdb_midl_append", NULL, NULL));
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);

    /* a current copy left behind for a version that is not current is damage */
    lmkv_tree *cur = raw_tree(f, "store.cur_ref_to");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, f->ws); lmkv_schema__kb_esc(&k, "mdb_midl_free", 13); lmkv_schema__kb_u64(&k, f->recs[1].fv.id); lmkv_schema__kb_u32(&k, 0);
    uint8_t junk[8] = { 0 };
    assert_int_equal(lmkv_tree_insert(NULL, cur, k.p, k.len, junk, sizeof junk), LMKV_OK);
    probs p = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p), LMKV_ECORRUPT);
    assert_true(has_problem(&p, "store.cur_ref_to", NULL));
    lmkv_schema__kb_free(&k);
    lmkv_tree_close(cur);
}

static int count_paths(void *ctx, const char *p, size_t n, uint64_t fv)
{
    (void)p; (void)n; (void)fv;
    (*(size_t *)ctx)++;
    return 0;
}

static void test_removal(void **state)
{
    fx *f = *state;
    index_all(f);
    uint8_t oid[20] = { 1, 2, 3 };
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    char path[32];
    for (int i = 0; i < 25; i++) {
        snprintf(path, sizeof path, "dir/file%02d.c", i);
        assert_int_equal(lmkv_store_map_commit(s, f->ws, oid, path, strlen(path), f->recs[1].fv.id), LMKV_OK);
    }
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

    /* remove midl.c's version: records, indexes, current + latest entries */
    size_t removed = 0;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_remove_file(&removed, s, f->ws, f->recs[1].fv.id), LMKV_OK);
    assert_true(removed > 4 * g_files[1].n_fns);
    assert_int_equal(lmkv_store_remove_file(NULL, s, f->ws, f->recs[1].fv.id), LMKV_NOTFOUND);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

    /* the commit still maps to it: verify says so; bounded unmapping fixes it */
    size_t problems = 0;
    assert_int_equal(lmkv_store_verify(&problems, f->st, NULL, NULL), LMKV_ECORRUPT);
    assert_int_equal(problems, 25);
    size_t total = 0, n;
    do {
        assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
        assert_int_equal(lmkv_store_unmap_commit(&n, s, f->ws, oid, 10), LMKV_OK);
        assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
        total += n;
    } while (n == 10);
    assert_int_equal(total, 25);

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    size_t np = 0;
    assert_int_equal(lmkv_store_commit_files(t, f->ws, oid, count_paths, &np), LMKV_OK);
    assert_int_equal(np, 0);
    lmkv_store_current cur;
    assert_int_equal(lmkv_store_current_get(&cur, t, f->ws, "midl.c", 6), LMKV_NOTFOUND);
    uint64_t fv;
    assert_int_equal(lmkv_store_latest_get(&fv, t, f->ws, "midl.c", 6), LMKV_NOTFOUND);
    coll s1 = { 0 };
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "mdb_midl", 8, LMKV_STORE_PREFIX | LMKV_STORE_ALL_VERSIONS, on_sym, &s1), LMKV_OK);
    assert_int_equal(s1.n, 0);
    coll h = { 0 };
    assert_int_equal(lmkv_store_hierarchy_children(t, f->ws, g_files[1].file_sym_id, LMKV_STORE_ALL_VERSIONS, on_hier, &h), LMKV_OK);
    assert_int_equal(h.n, 0);
    lmkv_store_counts c;
    assert_int_equal(lmkv_store_count(&c, t, f->ws), LMKV_OK);
    assert_int_equal(c.file_versions, 1);
    assert_int_equal(c.symbols, g_files[0].n_fns + 1);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(&problems, f->st, NULL, NULL), LMKV_OK);
    assert_int_equal(problems, 0);
}

struct oids { size_t n; uint8_t o[8][20]; };
static int on_commit(void *ctx, const uint8_t commit[20])
{
    struct oids *o = ctx;
    if (o->n < 8)
        memcpy(o->o[o->n], commit, 20);
    o->n++;
    return 0;
}

static void test_commits_listed_once_each(void **state)
{
    fx *f = *state;
    index_all(f);
    uint8_t a[20], b[20], z[20];
    memset(a, 0x11, 20);
    memset(b, 0x11, 20);
    b[19] = 0x12;                 /* differs in the last byte only */
    memset(z, 0xFF, 20);          /* the largest oid */
    uint64_t other;
    assert_int_equal(lmkv_workspace_id(&other, "/elsewhere"), LMKV_OK);
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    for (int i = 0; i < NFILES; i++) {
        const char *p = f->recs[i].fv.path;
        assert_int_equal(lmkv_store_map_commit(s, f->ws, a, p, strlen(p), f->recs[i].fv.id), LMKV_OK);
        assert_int_equal(lmkv_store_map_commit(s, f->ws, b, p, strlen(p), f->recs[i].fv.id), LMKV_OK);
        assert_int_equal(lmkv_store_map_commit(s, f->ws, z, p, strlen(p), f->recs[i].fv.id), LMKV_OK);
    }
    /* another workspace's commit is not listed */
    assert_int_equal(lmkv_store_map_commit(s, other, a, "x.c", 3, f->recs[0].fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    struct oids o = { 0 };
    assert_int_equal(lmkv_store_commits(t, f->ws, on_commit, &o), LMKV_OK);
    assert_int_equal(o.n, 3);
    assert_memory_equal(o.o[0], a, 20);
    assert_memory_equal(o.o[1], b, 20);
    assert_memory_equal(o.o[2], z, 20);
    struct oids o2 = { 0 };
    assert_int_equal(lmkv_store_commits(t, other, on_commit, &o2), LMKV_OK);
    assert_int_equal(o2.n, 1);
    lmkv_store_txn_end(t);
}

static void test_workspace_isolation(void **state)
{
    fx *f = *state;
    index_all(f);
    /* a second workspace with the same files (a clone elsewhere) */
    uint64_t wsb;
    assert_int_equal(lmkv_workspace_id(&wsb, "/srv/other/lmdb"), LMKV_OK);
    facts_recs rb;
    facts_records(&rb, &g_files[0], wsb, "v1");
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    register_ws(s, wsb, "/srv/other/lmdb");
    assert_int_equal(lmkv_store_put_file(s, &rb.fv, &rb.r), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, wsb, "mdb.c", 5, rb.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    /* facts_records rewrote the ids for wsb; restore ws A's for the lookups */
    facts_records_free(&f->recs[0]);
    facts_records(&f->recs[0], &g_files[0], f->ws, "v1");

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    coll a = { .want_ws = f->ws }, b = { .want_ws = wsb };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, LMKV_STORE_ALL_VERSIONS, on_call_caller, &a), LMKV_OK);
    assert_int_equal(lmkv_store_calls_to(t, wsb, "mdb_cursor_put", 14, LMKV_STORE_ALL_VERSIONS, on_call_caller, &b), LMKV_OK);
    assert_int_equal(a.n, expected_callers("mdb_cursor_put", NULL, NULL));
    assert_int_equal(b.n, a.n);
    assert_int_equal(a.ws_seen_other + b.ws_seen_other, 0);
    coll sa = { .want_ws = f->ws }, sb = { .want_ws = wsb };
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "", 0, LMKV_STORE_PREFIX, on_sym, &sa), LMKV_OK);
    assert_int_equal(lmkv_store_symbols_by_name(t, wsb, "", 0, LMKV_STORE_PREFIX, on_sym, &sb), LMKV_OK);
    assert_int_equal(sa.n, g_files[0].n_fns + g_files[1].n_fns + 2);
    assert_int_equal(sb.n, g_files[0].n_fns + 1);
    assert_int_equal(sa.ws_seen_other + sb.ws_seen_other, 0);
    /* a fv of A is not current in B */
    assert_int_equal(lmkv_store_is_current(t, wsb, f->recs[0].fv.id), 0);
    lmkv_store_txn_end(t);

    /* removing B's file leaves A untouched */
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_remove_file(NULL, s, wsb, rb.fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    coll a2 = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, 0, on_call_caller, &a2), LMKV_OK);
    assert_int_equal(a2.n, a.n);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    facts_records_free(&rb);
}

/* ------------------------------------------------------------ concurrency */

struct flip { fx *f; uint64_t v1, v2; size_t n1, n2; int rounds; int errors; int done; };

static void *flip_writer(void *arg)
{
    struct flip *fl = arg;
    for (int i = 0; i < fl->rounds; i++) {
        lmkv_store_session *s;
        if (lmkv_store_session_begin(&s, fl->f->st) != LMKV_OK) {
            fl->errors++;
            break;
        }
        uint64_t fv = (i % 2 == 0) ? fl->v2 : fl->v1;
        if (lmkv_store_set_current(s, fl->f->ws, "mdb.c", 5, fv, LMKV_SOURCE_LATEST, NULL) != LMKV_OK)
            fl->errors++;
        if (lmkv_store_session_commit(s) != LMKV_OK)
            fl->errors++;
    }
    __atomic_store_n(&fl->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int count_call_cb(void *ctx, const lmkv_call *c)
{
    (void)c;
    (*(size_t *)ctx)++;
    return 0;
}

static void *flip_reader(void *arg)
{
    struct flip *fl = arg;
    int iters = 0;
    while (!__atomic_load_n(&fl->done, __ATOMIC_ACQUIRE) || iters < 50) {
        lmkv_store_txn *t;
        if (lmkv_store_txn_begin(&t, fl->f->st) != LMKV_OK) {
            __atomic_add_fetch(&fl->errors, 1, __ATOMIC_RELAXED);
            break;
        }
        int c1 = lmkv_store_is_current(t, fl->f->ws, fl->v1);
        int c2 = lmkv_store_is_current(t, fl->f->ws, fl->v2);
        size_t n = 0;
        int rc = lmkv_store_calls_to(t, fl->f->ws, "mdb_cursor_put", 14, 0, count_call_cb, &n);
        /* one snapshot: exactly one version current, and the lookup agrees */
        if (rc != LMKV_OK || c1 + c2 != 1 || n != (c1 ? fl->n1 : fl->n2))
            __atomic_add_fetch(&fl->errors, 1, __ATOMIC_RELAXED);
        lmkv_store_txn_end(t);
        iters++;
    }
    return NULL;
}

static void test_concurrent_readers_consistent(void **state)
{
    fx *f = *state;
    index_all(f);
    const fact_fn *put = facts_find(&g_files[0], "mdb_put");
    facts_recs r2;
    facts_records(&r2, &g_files[0], f->ws, "v2");
    size_t k = 0;
    for (size_t i = 0; i < r2.r.n_calls; i++)
        if (!(r2.calls[i].caller_id == put->id && strcmp(r2.calls[i].callee_name, "mdb_cursor_put") == 0))
            r2.calls[k++] = r2.calls[i];
    r2.r.n_calls = k;
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &r2.fv, &r2.r), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    struct flip fl = { f, f->recs[0].fv.id, r2.fv.id, 0, 0, 40, 0, 0 };
    fl.n1 = expected_callers("mdb_cursor_put", NULL, NULL);
    fl.n2 = fl.n1 - (f->recs[0].r.n_calls - k);
    assert_true(fl.n2 < fl.n1);
    pthread_t w, r[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&r[i], NULL, flip_reader, &fl);
    pthread_create(&w, NULL, flip_writer, &fl);
    pthread_join(w, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    assert_int_equal(fl.errors, 0);
    facts_records_free(&r2);
}

/* ------------------------------------------------------------ verify damage */


static int on_problem(void *ctx, const lmkv_store_problem *p)
{
    probs *pr = ctx;
    if (pr->n < 16) {
        snprintf(pr->trees[pr->n], 32, "%s", p->tree);
        snprintf(pr->msgs[pr->n], 256, "%s", p->message);
    }
    pr->n++;
    assert_non_null(p->key);
    return 0;
}

static int has_problem(const probs *p, const char *tree, const char *word)
{
    for (size_t i = 0; i < p->n && i < 16; i++)
        if (strcmp(p->trees[i], tree) == 0 && (!word || strstr(p->msgs[i], word)))
            return 1;
    return 0;
}

/* Raw kv access to a system tree (bypassing the store). */
static lmkv_tree *raw_tree(fx *f, const char *name)
{
    lmkv_tree *t = NULL;
    assert_int_equal(lmkv_db_open_system_tree(&t, f->db, name, strlen(name)), LMKV_OK);
    return t;
}

static void test_verify_finds_damage(void **state)
{
    fx *f = *state;
    index_all(f);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    const fact_fn *put = facts_find(&g_files[0], "mdb_put");
    uint64_t fv = f->recs[0].fv.id;

    /* 1. a Symbol record's bytes corrupted (vtable offset smashed) */
    lmkv_tree *sym = raw_tree(f, "store.sym");
    uint8_t k[24];
    put_be64(k, f->ws); put_be64(k + 8, fv); put_be64(k + 16, put->id);
    lmkv_bytes orig;
    assert_int_equal(lmkv_tree_get(&orig, sym, k, 24), LMKV_OK);
    uint8_t *bad = malloc(orig.size);
    memcpy(bad, orig.data, orig.size);
    uint32_t root = (uint32_t)bad[0] | (uint32_t)bad[1] << 8;
    bad[root] = 0xFF; bad[root + 1] = 0x7F; bad[root + 2] = 0xFF; bad[root + 3] = 0x7F;
    assert_int_equal(lmkv_tree_insert(NULL, sym, k, 24, bad, orig.size), LMKV_OK);
    probs p1 = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p1), LMKV_ECORRUPT);
    assert_true(has_problem(&p1, "store.sym", "verification"));
    /* a lookup that meets it reports ECORRUPT naming tree and key */
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    coll c = { 0 };
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "mdb_put", 7, 0, on_sym, &c), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "store.sym"));
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_tree_insert(NULL, sym, k, 24, orig.data, orig.size), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);

    /* 2. a Call record deleted, its callers-index entry left behind */
    lmkv_tree *call = raw_tree(f, "store.call");
    uint8_t ck[28];
    put_be64(ck, f->ws); put_be64(ck + 8, fv);
    size_t ci = 0;
    while (f->recs[0].calls[ci].caller_id != put->id)
        ci++;
    put_be64(ck + 16, put->id); put_be32(ck + 24, (uint32_t)ci);
    lmkv_bytes cval;
    assert_int_equal(lmkv_tree_get(&cval, call, ck, 28), LMKV_OK);
    assert_int_equal(lmkv_tree_remove(NULL, call, ck, 28), LMKV_OK);
    probs p2 = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p2), LMKV_ECORRUPT);
    assert_true(has_problem(&p2, "store.call_to", "orphan"));
    assert_int_equal(lmkv_tree_insert(NULL, call, ck, 28, cval.data, cval.size), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);

    /* 3. an orphan entry in the symbol-name index */
    lmkv_tree *sn = raw_tree(f, "store.sym_name");
    kbuf ok;
    lmkv_schema__kb_init(&ok);
    lmkv_schema__kb_u64(&ok, f->ws); lmkv_schema__kb_esc(&ok, "ghost", 5); lmkv_schema__kb_u64(&ok, fv); lmkv_schema__kb_u64(&ok, 12345);
    assert_int_equal(lmkv_tree_insert(NULL, sn, ok.p, ok.len, "", 0), LMKV_OK);
    probs p3 = { 0 };
    size_t np = 0;
    assert_int_equal(lmkv_store_verify(&np, f->st, on_problem, &p3), LMKV_ECORRUPT);
    assert_int_equal(np, 1);
    assert_true(has_problem(&p3, "store.sym_name", "orphan"));
    assert_int_equal(lmkv_tree_remove(NULL, sn, ok.p, ok.len), LMKV_OK);

    /* 4. a record unreachable from its index (callers-index entry deleted) */
    lmkv_tree *cto = raw_tree(f, "store.call_to");
    kb_reset(&ok);
    lmkv_schema__kb_u64(&ok, f->ws); lmkv_schema__kb_esc(&ok, f->recs[0].calls[ci].callee_name, strlen(f->recs[0].calls[ci].callee_name));
    lmkv_schema__kb_u64(&ok, fv); lmkv_schema__kb_u64(&ok, put->id); lmkv_schema__kb_u32(&ok, (uint32_t)ci);
    assert_int_equal(lmkv_tree_remove(NULL, cto, ok.p, ok.len), LMKV_OK);
    probs p4 = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p4), LMKV_ECORRUPT);
    assert_true(has_problem(&p4, "store.call", "not reachable"));
    assert_int_equal(lmkv_tree_insert(NULL, cto, ok.p, ok.len, "", 0), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);

    /* 5. the callees-by-name copy of a current call deleted: the call is
     *    unreachable from it; put back with other bytes: it differs */
    lmkv_tree *cfr = raw_tree(f, "store.cur_call_from");
    kb_reset(&ok);
    lmkv_schema__kb_u64(&ok, f->ws); lmkv_schema__kb_esc(&ok, "mdb_put", 7); lmkv_schema__kb_u64(&ok, fv); lmkv_schema__kb_u32(&ok, (uint32_t)ci);
    assert_int_equal(lmkv_tree_remove(NULL, cfr, ok.p, ok.len), LMKV_OK);
    probs p5 = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p5), LMKV_ECORRUPT);
    assert_true(has_problem(&p5, "store.call", "store.cur_call_from"));
    size_t oi = ci + 1;
    while (f->recs[0].calls[oi].caller_id != put->id)
        oi++;
    put_be32(ck + 24, (uint32_t)oi);
    lmkv_bytes other;
    assert_int_equal(lmkv_tree_get(&other, call, ck, 28), LMKV_OK);
    assert_int_equal(lmkv_tree_insert(NULL, cfr, ok.p, ok.len, other.data, other.size), LMKV_OK);
    probs p6 = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p6), LMKV_ECORRUPT);
    assert_true(has_problem(&p6, "store.cur_call_from", NULL));
    /* 6. a copy filed under another caller's name */
    assert_int_equal(lmkv_tree_insert(NULL, cfr, ok.p, ok.len, cval.data, cval.size), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    kb_reset(&ok);
    lmkv_schema__kb_u64(&ok, f->ws); lmkv_schema__kb_esc(&ok, "mdb_get", 7); lmkv_schema__kb_u64(&ok, fv); lmkv_schema__kb_u32(&ok, (uint32_t)ci);
    assert_int_equal(lmkv_tree_insert(NULL, cfr, ok.p, ok.len, cval.data, cval.size), LMKV_OK);
    probs p7 = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p7), LMKV_ECORRUPT);
    assert_true(has_problem(&p7, "store.cur_call_from", "does not match"));
    lmkv_free(other.data);
    lmkv_tree_close(cfr);
    lmkv_schema__kb_free(&ok);

    lmkv_free(orig.data);
    lmkv_free(cval.data);
    free(bad);
    lmkv_tree_close(sym);
    lmkv_tree_close(call);
    lmkv_tree_close(sn);
    lmkv_tree_close(cto);
}

/* ------------------------------------------------------------ key tables */

static void test_key_layouts(void **state)
{
    fx *f = *state;
    /* E(s) of KEYS.md */
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_esc(&k, "a\0b", 3);
    static const uint8_t want[] = { 'a', 0x00, 0xFF, 'b', 0x00, 0x01 };
    assert_int_equal(k.len, sizeof want);
    assert_memory_equal(k.p, want, sizeof want);
    size_t raw = 0;
    assert_int_equal(lmkv_schema__esc_len(k.p, k.len, &raw), 6);
    assert_int_equal(raw, 3);
    uint8_t dec[8];
    assert_int_equal(lmkv_schema__esc_decode(dec, k.p, k.len), 3);
    assert_memory_equal(dec, "a\0b", 3);
    /* order preserved and never a proper prefix: "ab" < "ab\0" < "abc" */
    const char *ss[] = { "", "\0", "a", "ab", "ab\0", "ab\x01", "abc", "b" };
    size_t ls[] = { 0, 1, 1, 2, 3, 3, 3, 1 };
    for (int i = 0; i + 1 < 8; i++) {
        kbuf a, b;
        lmkv_schema__kb_init(&a); lmkv_schema__kb_init(&b);
        lmkv_schema__kb_esc(&a, ss[i], ls[i]);
        lmkv_schema__kb_esc(&b, ss[i + 1], ls[i + 1]);
        size_t m = a.len < b.len ? a.len : b.len;
        int c = memcmp(a.p, b.p, m);
        assert_true(c < 0);
        lmkv_schema__kb_free(&a); lmkv_schema__kb_free(&b);
    }
    /* big-endian integers */
    kb_reset(&k);
    lmkv_schema__kb_u64(&k, 0x0102030405060708ULL);
    lmkv_schema__kb_u32(&k, 0x0A0B0C0DU);
    static const uint8_t be[] = { 1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D };
    assert_memory_equal(k.p, be, sizeof be);
    /* long keys grow beyond the inline buffer */
    kb_reset(&k);
    for (int i = 0; i < 1000; i++)
        lmkv_schema__kb_u8(&k, (uint8_t)i);
    assert_true(kb_ok(&k));
    assert_int_equal(k.len, 1000);
    lmkv_schema__kb_free(&k);

    /* the callers index key is exactly ws E(callee) fv caller ord (empty
     * value) and the current copy's key ws E(callee) fv ord (the Call) */
    index_all(f);
    lmkv_tree *cto = raw_tree(f, "store.call_to");
    lmkv_tree *cur = raw_tree(f, "store.cur_call_to");
    lmkv_tree *call = raw_tree(f, "store.call");
    uint8_t pre[8];
    put_be64(pre, f->ws);
    lmkv_iter *it;
    assert_int_equal(lmkv_tree_scan_prefix(&it, cto, pre, 8), LMKV_OK);
    lmkv_pair p;
    assert_int_equal(lmkv_iter_next(&p, it), LMKV_OK);
    size_t el = lmkv_schema__esc_len(p.key + 8, p.key_size - 8, &raw);
    assert_true(el > 2);
    assert_int_equal(p.key_size, 8 + el + 8 + 8 + 4);
    assert_int_equal(p.value_size, 0);
    uint64_t fv = get_be64(p.key + 8 + el);
    assert_true(fv == f->recs[0].fv.id || fv == f->recs[1].fv.id);
    uint8_t pk[28];
    memcpy(pk, p.key, 8);
    memcpy(pk + 8, p.key + 8 + el, 20);
    char name[128];
    assert_true(raw < sizeof name);
    memcpy(name, p.key + 8, raw);
    name[raw] = 0;
    lmkv_iter_free(it);
    lmkv_bytes rec;
    assert_int_equal(lmkv_tree_get(&rec, call, pk, 28), LMKV_OK);
    lmkv_call c;
    assert_int_equal(lmkv_call_read(&c, rec.data, rec.size), LMKV_OK);
    assert_string_equal(c.callee_name, name);
    assert_int_equal(c.caller_id, get_be64(pk + 16));
    kbuf ck;
    lmkv_schema__kb_init(&ck);
    lmkv_schema__kb_u64(&ck, f->ws); lmkv_schema__kb_esc(&ck, name, raw); lmkv_schema__kb_u64(&ck, fv); lmkv_schema__kb_raw(&ck, pk + 24, 4);
    lmkv_bytes copy;
    assert_int_equal(lmkv_tree_get(&copy, cur, ck.p, ck.len), LMKV_OK);
    assert_int_equal(copy.size, rec.size);
    assert_memory_equal(copy.data, rec.data, rec.size);
    lmkv_schema__kb_free(&ck);
    lmkv_free(rec.data);
    lmkv_free(copy.data);
    lmkv_tree_close(cto);
    lmkv_tree_close(cur);
    lmkv_tree_close(call);
    /* system trees are invisible to sled's tree_names */
    lmkv_bytes_array names;
    assert_int_equal(lmkv_db_tree_names(&names, f->db), LMKV_OK);
    for (size_t i = 0; i < names.count; i++)
        assert_null(memmem(names.items[i].data, names.items[i].size, "store.", 6));
    lmkv_bytes_array_free(&names);
}

static void test_reopen_and_read_only(void **state)
{
    fx *f = *state;
    index_all(f);
    close_db(f);
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = f->dir;
    cfg.read_only = 1;
    cfg.flush_every_ms = 0;
    assert_int_equal(lmkv_db_open(&f->db, &cfg), LMKV_OK);
    assert_int_equal(lmkv_store_open(&f->st, f->db), LMKV_OK);
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_EREADONLY);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    coll c = { 0 };
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "mdb_cursor_put", 14, 0, on_call_caller, &c), LMKV_OK);
    assert_int_equal(c.n, expected_callers("mdb_cursor_put", NULL, NULL));
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

/* ------------------------------------------------------------ bulk sessions */

/* One store's writes for the bulk comparison: index both files, then in a
 * second session a new mdb.c version made current, replaced in place with
 * fewer calls in the same session, and the old version removed. With bulk
 * on, the session's own reads must see its buffered writes on the way. */
static void bulk_scenario(fx *f, int bulk)
{
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_session_set_bulk(s, bulk), LMKV_OK);
    register_ws(s, f->ws, "/home/dev/lmdb");
    for (int i = 0; i < NFILES; i++) {
        facts_recs *r = &f->recs[i];
        assert_int_equal(lmkv_store_put_file(s, &r->fv, &r->r), LMKV_OK);
        /* read-your-writes: the calls just put are there */
        coll c = { 0 };
        assert_int_equal(lmkv_store_calls_of(lmkv_store_session_txn(s), f->ws, r->fv.id, on_call_caller, &c), LMKV_OK);
        assert_int_equal(c.n, r->r.n_calls);
        size_t pl = strlen(r->fv.path);
        assert_int_equal(lmkv_store_map_latest(s, f->ws, r->fv.path, pl, r->fv.id), LMKV_OK);
        assert_int_equal(lmkv_store_set_current(s, f->ws, r->fv.path, pl, r->fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    }
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

    facts_recs r2;
    facts_records(&r2, &g_files[0], f->ws, "v2");
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_session_set_bulk(s, bulk), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &r2.fv, &r2.r), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "mdb.c", 5, r2.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    size_t full_calls = r2.r.n_calls;
    r2.r.n_calls = r2.r.n_references = full_calls / 2;
    assert_int_equal(lmkv_store_put_file(s, &r2.fv, &r2.r), LMKV_OK);
    coll cs = { 0 };
    assert_int_equal(lmkv_store_symbols_by_name(lmkv_store_session_txn(s), f->ws, "mdb_put", 7, 0, on_sym, &cs), LMKV_OK);
    assert_int_equal(cs.n, 1);
    assert_int_equal(cs.fvs[0], r2.fv.id);
    size_t removed = 0;
    assert_int_equal(lmkv_store_remove_file(&removed, s, f->ws, f->recs[0].fv.id), LMKV_OK);
    assert_true(removed > 1000);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    facts_records_free(&r2);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

static size_t assert_store_trees_equal(fx *a, fx *b, const char *const *skip);

/* Bulk sessions (sorted writes, MDB_APPEND past the last key) store exactly
 * what plain sessions store: every store tree byte for byte. */
static void test_bulk_session_same_as_plain(void **state)
{
    fx *a = *state;
    fx b;
    fx_like(&b, a);
    bulk_scenario(a, 0);
    bulk_scenario(&b, 1);
    assert_true(assert_store_trees_equal(a, &b, NULL) > 1000);
    fx_done(&b);
}

/* A one-function edit of mdb.c's records as a re-analysis of the same
 * version gives them (issue 20): a body change (one function ends 3 lines
 * later), a call moved to the next line, the last call and reference gone,
 * one function renamed (its name and qualified name index entries move). */
static void edit_records(facts_recs *r)
{
    assert_true(r->r.n_symbols > 10 && r->r.n_calls > 20);
    r->syms[3].end_line += 3;
    r->calls[10].line += 1;
    r->refs[10].start_line += 1;
    r->r.n_calls--;
    r->r.n_references--;
    r->syms[5].name = "renamed_by_the_edit";
    r->syms[5].qualified_name = "mdb.c::renamed_by_the_edit";
}

/* Put mdb.c's edited records over its stored, current version: in place
 * (diff: only what differs is written) or by removing the version first
 * (the reference: everything written anew); bulk sessions or plain.
 * Returns the key writes of the put. */
static size_t reput_scenario(fx *f, int in_place, int bulk)
{
    index_all(f);
    facts_recs *r = &f->recs[0];
    lmkv_store_session *s;
    size_t p0, p1;
    if (in_place) {
        /* the same records again: nothing is written */
        assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
        assert_int_equal(lmkv_store_session_set_bulk(s, bulk), LMKV_OK);
        p0 = lmkv_store_session_pending(s);
        assert_int_equal(lmkv_store_put_file(s, &r->fv, &r->r), LMKV_OK);
        assert_int_equal(lmkv_store_session_pending(s), p0);
        assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    }
    edit_records(r);
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_session_set_bulk(s, bulk), LMKV_OK);
    if (!in_place) {
        size_t removed = 0;
        assert_int_equal(lmkv_store_remove_file(&removed, s, f->ws, r->fv.id), LMKV_OK);
        assert_true(removed > 1000);
    }
    p0 = lmkv_store_session_pending(s);
    assert_int_equal(lmkv_store_put_file(s, &r->fv, &r->r), LMKV_OK);
    p1 = lmkv_store_session_pending(s);
    /* read-your-writes inside the session */
    coll c = { 0 };
    assert_int_equal(lmkv_store_calls_of(lmkv_store_session_txn(s), f->ws, r->fv.id, on_call_caller, &c), LMKV_OK);
    assert_int_equal(c.n, r->r.n_calls);
    size_t pl = strlen(r->fv.path);
    assert_int_equal(lmkv_store_map_latest(s, f->ws, r->fv.path, pl, r->fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, f->ws, r->fv.path, pl, r->fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    /* the queries answer the edit */
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    coll sn = { 0 }, so = { 0 };
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "renamed_by_the_edit", 19, 0, on_sym, &sn), LMKV_OK);
    assert_int_equal(sn.n, 1);
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, g_files[0].fns[4].name,
                                                strlen(g_files[0].fns[4].name), 0, on_sym, &so), LMKV_OK);
    for (size_t i = 0; i < so.n && i < 256; i++) /* the old name is gone from this version */
        assert_false(so.lines[i] == r->syms[5].start_line && so.fvs[i] == r->fv.id);
    lmkv_store_txn_end(t);
    return p1 - p0;
}

/* Re-putting a stored version writes only what differs (issue 20) and
 * stores exactly what removing it and putting it anew stores: every store
 * tree byte for byte (store.ws_gen: one more generation in the reference),
 * in plain and in bulk sessions. */
static void test_reput_writes_only_what_differs(void **state)
{
    fx *a = *state;
    for (int bulk = 0; bulk < 2; bulk++) {
        fx b;
        fx_like(&b, a);
        fx x;
        if (bulk)
            fx_like(&x, a);
        fx *in = bulk ? &x : a;
        size_t w_diff = reput_scenario(in, 1, bulk);
        size_t w_full = reput_scenario(&b, 0, bulk);
        /* a handful of keys against every record and index entry */
        assert_true(w_diff > 0);
        assert_true(w_diff < 40);
        assert_true(w_full > 1000);
        static const char *const skip[] = { "store.ws_gen", NULL };
        assert_true(assert_store_trees_equal(in, &b, skip) > 1000);
        fx_done(&b);
        if (bulk)
            fx_done(&x);
    }
}

/* ------------------------------------------------------------ copies */

/* Records of fact file f as an analyser gives them for `path`: no field
 * holds the path (names, positions, kinds), every id derived from it
 * (symbol ids from the path, call and reference ids from the file
 * version). The first call's callee id names a symbol of another file. */
typedef struct pf_recs {
    lmkv_file_version fv;
    lmkv_symbol *syms;
    lmkv_call *calls;
    lmkv_reference *refs;
    lmkv_hierarchy *hier;
    lmkv_store_file_records r;
} pf_recs;

static const char *const pf_static[] = { "static" };
static const char *const pf_none[] = { NULL };

static void pf_records(pf_recs *o, const fact_file *f, uint64_t ws, const char *path, const char *blob,
                       int64_t mtime_ns, int64_t indexed_ns, uint64_t foreign_id)
{
    memset(o, 0, sizeof *o);
    lmkv_record_init(LMKV_REC_FILE_VERSION, &o->fv);
    o->fv.workspace_id = ws;
    o->fv.path = path;
    o->fv.git_blob_id = blob;
    o->fv.language = "c";
    o->fv.size_bytes = f->len;
    o->fv.line_count = 4242;
    o->fv.content_hash = 0x1122334455667788ULL;
    o->fv.mtime_ns = mtime_ns;
    o->fv.indexed_ns = indexed_ns;
    assert_int_equal(lmkv_file_version_id(&o->fv.id, ws, path, blob), LMKV_OK);
    size_t ns = f->n_fns + 1;
    o->syms = calloc(ns, sizeof *o->syms);
    o->hier = calloc(f->n_fns ? f->n_fns : 1, sizeof *o->hier);
    o->calls = calloc(f->n_calls ? f->n_calls : 1, sizeof *o->calls);
    o->refs = calloc(f->n_calls ? f->n_calls : 1, sizeof *o->refs);
    assert_true(o->syms && o->hier && o->calls && o->refs);
    lmkv_symbol *fs = &o->syms[0];
    lmkv_record_init(LMKV_REC_SYMBOL, fs);
    fs->name = "(file)";
    fs->kind = LMKV_SK_FILE;
    fs->indexed_ns = indexed_ns;
    assert_int_equal(lmkv_symbol_id(&fs->id, ws, path, "(file)", LMKV_SK_FILE, 0), LMKV_OK);
    for (size_t i = 0; i < f->n_fns; i++) {
        lmkv_symbol *s = &o->syms[i + 1];
        lmkv_record_init(LMKV_REC_SYMBOL, s);
        s->name = f->fns[i].name;
        s->kind = LMKV_SK_FUNCTION;
        s->start_line = f->fns[i].line;
        s->start_column = 1;
        s->end_line = f->fns[i].end_line;
        s->signature = "(void)";
        s->language = "c";
        s->parent_id = fs->id;
        s->parent_name = "(file)";
        s->indexed_ns = indexed_ns;
        if (i % 3 == 0) {
            s->visibility = "static";
            s->modifiers.items = pf_static;
            s->modifiers.count = 1;
        } else if (i % 3 == 1) {
            s->modifiers.items = pf_none; /* present and empty */
            s->modifiers.count = 0;
        }
        if (i % 5 == 0)
            s->documentation = "documented";
        if (i % 7 == 0)
            s->confidence = 0.5f;
        for (size_t j = 0; j < i; j++) /* #ifdef alternatives: same name twice */
            if (strcmp(f->fns[j].name, f->fns[i].name) == 0)
                s->disambiguator++;
        assert_int_equal(lmkv_symbol_id(&s->id, ws, path, s->name, LMKV_SK_FUNCTION, s->disambiguator), LMKV_OK);
        lmkv_hierarchy *h = &o->hier[i];
        lmkv_record_init(LMKV_REC_HIERARCHY, h);
        h->parent_id = fs->id;
        h->parent_name = "(file)";
        h->child_id = s->id;
        h->child_name = s->name;
        h->kind = LMKV_HIER_CONTAINS;
    }
    for (size_t i = 0; i < f->n_calls; i++) {
        const fact_call *fc = &f->calls[i];
        const fact_fn *callee = facts_find(f, fc->callee);
        lmkv_call *c = &o->calls[i];
        lmkv_record_init(LMKV_REC_CALL, c);
        c->caller_id = o->syms[fc->caller + 1].id;
        c->caller_name = f->fns[fc->caller].name;
        c->callee_id = i == 0 ? foreign_id : callee ? o->syms[callee - f->fns + 1].id : 0;
        c->callee_name = fc->callee;
        c->line = fc->line;
        c->column = fc->column;
        c->call_type = (lmkv_call_type)(i % 4);
        c->argument_count = (int32_t)(i % 5) - 1;
        c->is_recursive = strcmp(c->caller_name, fc->callee) == 0;
        assert_int_equal(lmkv_call_id(&c->id, o->fv.id, c->caller_id, c->callee_id, c->line, c->column), LMKV_OK);
        lmkv_reference *r = &o->refs[i];
        lmkv_record_init(LMKV_REC_REFERENCE, r);
        r->source_id = c->caller_id;
        r->source_name = c->caller_name;
        r->target_id = c->callee_id;
        r->target_name = fc->callee;
        r->start_line = r->end_line = fc->line;
        r->start_column = fc->column;
        r->end_column = fc->column + (uint32_t)strlen(fc->callee);
        r->kind = (lmkv_reference_kind)(i % 6);
        assert_int_equal(lmkv_reference_id(&r->id, o->fv.id, r->source_id, r->target_id, r->kind,
                                           r->start_line, r->start_column), LMKV_OK);
    }
    o->r.symbols = o->syms;
    o->r.n_symbols = ns;
    o->r.calls = o->calls;
    o->r.n_calls = f->n_calls;
    o->r.references = o->refs;
    o->r.n_references = f->n_calls;
    o->r.hierarchy = o->hier;
    o->r.n_hierarchy = f->n_fns;
}

static void pf_free(pf_recs *o)
{
    free(o->syms);
    free(o->calls);
    free(o->refs);
    free(o->hier);
}

static void fx_new(fx *f, uint64_t ws)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(next_dir(f->dir, sizeof f->dir), 0);
    open_db(f);
    f->ws = ws;
}

/* Every store.* tree of a and b holds the same entries byte for byte,
 * except the trees named in skip. Returns the number of entries. */
static size_t assert_store_trees_equal(fx *a, fx *b, const char *const *skip)
{
    size_t total = 0;
    for (int i = 0; i < T__COUNT; i++) {
        const char *name = lmkv_schema__store_tree_names[i];
        int skipped = strncmp(name, "store.", 6) != 0;
        for (size_t j = 0; skip && skip[j]; j++)
            skipped |= strcmp(name, skip[j]) == 0;
        if (skipped)
            continue;
        lmkv_tree *ta = raw_tree(a, name), *tb = raw_tree(b, name);
        lmkv_txn *xa, *xb;
        lmkv_iter *ia, *ib;
        assert_int_equal(lmkv_txn_begin(&xa, a->db, LMKV_TXN_READ_ONLY), LMKV_OK);
        assert_int_equal(lmkv_txn_begin(&xb, b->db, LMKV_TXN_READ_ONLY), LMKV_OK);
        assert_int_equal(lmkv_txn_iter(&ia, xa, ta), LMKV_OK);
        assert_int_equal(lmkv_txn_iter(&ib, xb, tb), LMKV_OK);
        for (;;) {
            lmkv_pair pa, pb;
            int ra = lmkv_iter_next(&pa, ia), rb = lmkv_iter_next(&pb, ib);
            if (ra != rb)
                fail_msg("tree %s: one database has more entries", name);
            if (ra == LMKV_NOTFOUND)
                break;
            assert_int_equal(ra, LMKV_OK);
            if (pa.key_size != pb.key_size || memcmp(pa.key, pb.key, pa.key_size) != 0)
                fail_msg("tree %s: entry %zu has another key", name, total);
            if (pa.value_size != pb.value_size || (pa.value_size && memcmp(pa.value, pb.value, pa.value_size) != 0))
                fail_msg("tree %s: entry %zu has another value", name, total);
            total++;
        }
        lmkv_iter_free(ia);
        lmkv_iter_free(ib);
        lmkv_txn_abort(xa);
        lmkv_txn_abort(xb);
        lmkv_tree_close(ta);
        lmkv_tree_close(tb);
    }
    return total;
}

static int count_fv(void *ctx, const lmkv_file_version *v)
{
    coll_add(ctx, v->workspace_id, v->path, 0, v->id);
    return 0;
}

/* lmkv_store_copy_file stores under the new path exactly what put_file of
 * the records computed for that path stores: every store tree byte for
 * byte (ids derived from the new path and version, keys in the original
 * order, current copies, content index), in a plain session after the
 * source committed and in one bulk session that also put the source. */
static void test_copy_file_equals_put_under_new_path(void **state)
{
    fx *f = *state;
    const fact_file *src_file = &g_files[1]; /* midl.c */
    const uint64_t foreign = g_files[0].fns[0].id;
    assert_true(foreign != 0);
    for (int bulk = 0; bulk < 2; bulk++) {
        fx a, b;
        fx_new(&a, f->ws);
        fx_new(&b, f->ws);
        pf_recs src, want;
        pf_records(&src, src_file, f->ws, "midl.c", "blob-midl", 111, 222, foreign);
        pf_records(&want, src_file, f->ws, "lib/moved.c", "blob-midl", 333, 444, foreign);
        assert_true(src.fv.id != want.fv.id);

        /* a: put at midl.c, copy to lib/moved.c, then midl.c goes */
        lmkv_store_session *s;
        assert_int_equal(lmkv_store_session_begin(&s, a.st), LMKV_OK);
        assert_int_equal(lmkv_store_session_set_bulk(s, bulk), LMKV_OK);
        register_ws(s, a.ws, "/home/dev/lmdb");
        assert_int_equal(lmkv_store_put_file(s, &src.fv, &src.r), LMKV_OK);
        assert_int_equal(lmkv_store_set_current(s, a.ws, "midl.c", 6, src.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
        if (!bulk) {
            assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
            assert_int_equal(lmkv_store_session_begin(&s, a.st), LMKV_OK);
        }
        lmkv_file_version dst;
        lmkv_record_init(LMKV_REC_FILE_VERSION, &dst);
        dst.id = want.fv.id;
        dst.workspace_id = a.ws;
        dst.path = "lib/moved.c";
        dst.mtime_ns = 333;
        dst.indexed_ns = 444;
        dst.language = "ignored";        /* content fields are the source's */
        dst.size_bytes = 1;
        assert_int_equal(lmkv_store_copy_file(s, &dst, src.fv.id), LMKV_OK);
        assert_int_equal(lmkv_store_set_current(s, a.ws, "lib/moved.c", 11, want.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
        /* read-your-writes: the copy's callers are there under its path */
        coll c = { 0 };
        assert_int_equal(lmkv_store_calls_of(lmkv_store_session_txn(s), a.ws, want.fv.id, on_call_caller, &c), LMKV_OK);
        assert_int_equal(c.n, src_file->n_calls);
        assert_int_equal(lmkv_store_unset_current(s, a.ws, "midl.c", 6), LMKV_OK);
        assert_int_equal(lmkv_store_remove_file(NULL, s, a.ws, src.fv.id), LMKV_OK);
        assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

        /* b: the records computed for lib/moved.c, put directly */
        assert_int_equal(lmkv_store_session_begin(&s, b.st), LMKV_OK);
        register_ws(s, b.ws, "/home/dev/lmdb");
        assert_int_equal(lmkv_store_put_file(s, &want.fv, &want.r), LMKV_OK);
        assert_int_equal(lmkv_store_set_current(s, b.ws, "lib/moved.c", 11, want.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
        assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

        /* the generation counts sessions, nothing else may differ */
        static const char *const skip[] = { "store.ws_gen", NULL };
        size_t n = assert_store_trees_equal(&a, &b, skip);
        assert_true(n > 4 * src_file->n_calls);
        assert_int_equal(lmkv_store_verify(NULL, a.st, NULL, NULL), LMKV_OK);

        /* the content index names the copy only */
        lmkv_store_txn *t;
        assert_int_equal(lmkv_store_txn_begin(&t, a.st), LMKV_OK);
        coll v = { 0 };
        assert_int_equal(lmkv_store_file_versions_by_blob(t, a.ws, "blob-midl", count_fv, &v), LMKV_OK);
        assert_int_equal(v.n, 1);
        assert_string_equal(v.names[0], "lib/moved.c");
        lmkv_store_txn_end(t);
        pf_free(&src);
        pf_free(&want);
        close_db(&a);
        close_db(&b);
    }
}

static int keep_first_call(void *ctx, const lmkv_call *c)
{
    uint64_t *ids = ctx;
    if (c->line == ids[0] && c->column == ids[1])
        ids[2] = c->callee_id;
    return 0;
}

/* What copy_file refuses leaves nothing written and the session usable. */
static void test_copy_file_refusals(void **state)
{
    fx *f = *state;
    const fact_file *mf = &g_files[1];
    const uint64_t foreign = 0x0123456789abcdefULL;
    pf_recs src, odd, odd_call;
    pf_records(&src, mf, f->ws, "midl.c", "b1", 1, 2, foreign);
    pf_records(&odd, mf, f->ws, "odd.c", "b2", 1, 2, foreign);
    odd.syms[1].id = 0xdeadbeefULL;       /* not lmkv_symbol_id of its path */
    pf_records(&odd_call, mf, f->ws, "odd_call.c", "b3", 1, 2, foreign);
    odd_call.calls[0].id = 1;             /* not lmkv_call_id of its version */
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    register_ws(s, f->ws, "/home/dev/lmdb");
    assert_int_equal(lmkv_store_put_file(s, &src.fv, &src.r), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &odd.fv, &odd.r), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &odd_call.fv, &odd_call.r), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    lmkv_file_version dst;
    lmkv_record_init(LMKV_REC_FILE_VERSION, &dst);
    dst.workspace_id = f->ws;
    dst.path = "copy.c";
    assert_int_equal(lmkv_file_version_id(&dst.id, f->ws, "copy.c", "b1"), LMKV_OK);
    uint64_t good = dst.id;
    assert_int_equal(lmkv_store_copy_file(NULL, &dst, src.fv.id), LMKV_EINVAL);
    assert_int_equal(lmkv_store_copy_file(s, NULL, src.fv.id), LMKV_EINVAL);
    assert_int_equal(lmkv_store_copy_file(s, &dst, 0), LMKV_EINVAL);
    assert_int_equal(lmkv_store_copy_file(s, &dst, 777), LMKV_NOTFOUND);     /* source not stored */
    assert_non_null(strstr(lmkv_errmsg(), "not stored"));
    dst.id = src.fv.id;                                                      /* onto itself */
    assert_int_equal(lmkv_store_copy_file(s, &dst, src.fv.id), LMKV_EINVAL);
    assert_int_equal(lmkv_file_version_id(&dst.id, f->ws, "copy.c", "b2"), LMKV_OK);
    assert_int_equal(lmkv_store_copy_file(s, &dst, src.fv.id), LMKV_EINVAL); /* id of other content */
    assert_non_null(strstr(lmkv_errmsg(), "blob b1"));
    dst.path = "";
    assert_int_equal(lmkv_store_copy_file(s, &dst, src.fv.id), LMKV_EINVAL);
    dst.path = "copy.c";
    assert_int_equal(lmkv_store_copy_file(s, &dst, odd.fv.id), LMKV_EINVAL); /* symbol id not derived */
    assert_non_null(strstr(lmkv_errmsg(), "lmkv_symbol_id"));
    assert_int_equal(lmkv_file_version_id(&dst.id, f->ws, "copy.c", "b3"), LMKV_OK);
    assert_int_equal(lmkv_store_copy_file(s, &dst, odd_call.fv.id), LMKV_EINVAL); /* call id not derived */
    assert_non_null(strstr(lmkv_errmsg(), "lmkv_call_id"));
    lmkv_file_version got;
    assert_int_equal(lmkv_store_file_version_get(&got, lmkv_store_session_txn(s), f->ws, dst.id), LMKV_NOTFOUND);
    /* still usable: a good copy commits */
    dst.id = good;
    assert_int_equal(lmkv_store_copy_file(s, &dst, src.fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_file_version_get(&got, t, f->ws, good), LMKV_OK);
    assert_string_equal(got.path, "copy.c");
    assert_string_equal(got.git_blob_id, "b1");
    coll v = { 0 };
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "b3", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 1);                  /* no copy of odd_call.c */
    /* the foreign callee id of the first call is kept; a callee of the file
     * follows the new path */
    uint64_t first[3] = { mf->calls[0].line, mf->calls[0].column, 0 };
    assert_int_equal(lmkv_store_calls_of(t, f->ws, good, keep_first_call, first), LMKV_OK);
    assert_int_equal(first[2], foreign);
    coll syms = { 0 };
    assert_int_equal(lmkv_store_symbols_of(t, f->ws, good, on_sym, &syms), LMKV_OK);
    assert_int_equal(syms.n, mf->n_fns + 1);
    uint64_t want_id;
    assert_int_equal(lmkv_symbol_id(&want_id, f->ws, "copy.c", "(file)", LMKV_SK_FILE, 0), LMKV_OK);
    lmkv_symbol fs;
    assert_int_equal(lmkv_store_symbol_get(&fs, t, f->ws, good, want_id), LMKV_OK);
    assert_string_equal(fs.file_path, "copy.c");
    lmkv_store_txn_end(t);
    pf_free(&src);
    pf_free(&odd);
    pf_free(&odd_call);
}

/* The content index: versions by blob id whatever their path, kept right by
 * put_file (also a replacement with other content) and remove_file, filled
 * once for a database written before it existed, checked by verify. */
static void test_blob_index(void **state)
{
    fx *f = *state;
    index_all(f); /* mdb.c and midl.c, both with blob id "v1" */
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    coll v = { 0 };
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v1", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 2);
    assert_true(v.fvs[0] < v.fvs[1]);                    /* fv order */
    memset(&v, 0, sizeof v);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 0);                            /* exact, not a prefix */
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws + 1, "v1", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 0);                            /* another workspace */
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "", count_fv, &v), LMKV_EINVAL);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, NULL, count_fv, &v), LMKV_EINVAL);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v1", NULL, &v), LMKV_EINVAL);
    lmkv_store_txn_end(t);

    /* mdb.c's version replaced with other content under the same id; midl.c removed */
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    f->recs[0].fv.git_blob_id = "v9";
    assert_int_equal(lmkv_store_put_file(s, &f->recs[0].fv, &f->recs[0].r), LMKV_OK);
    assert_int_equal(lmkv_store_remove_file(NULL, s, f->ws, f->recs[1].fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    memset(&v, 0, sizeof v);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v1", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 0);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v9", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.names[0], "mdb.c");
    lmkv_store_txn_end(t);

    /* a database from before the index: no entries and no marker */
    lmkv_tree *raw = raw_tree(f, "store.fv_blob");
    uint64_t n = 0;
    assert_int_equal(lmkv_tree_len(&n, raw), LMKV_OK);
    assert_int_equal(n, 2);                              /* mdb.c's entry and the marker */
    assert_int_equal(lmkv_tree_clear(raw), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    memset(&v, 0, sizeof v);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v9", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 0);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    lmkv_store_session_abort(s);                         /* aborted: still empty */
    assert_int_equal(lmkv_tree_len(&n, raw), LMKV_OK);
    assert_int_equal(n, 0);
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK); /* any write session fills it */
    assert_int_equal(lmkv_tree_len(&n, raw), LMKV_OK);
    assert_int_equal(n, 2);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v9", count_fv, &v), LMKV_OK);
    assert_int_equal(v.n, 1);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);

    /* damage: the entry missing (with the marker there), an orphan entry */
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__fv_blob_key(&k, f->ws, "v9", f->recs[0].fv.id);
    assert_int_equal(lmkv_tree_remove(NULL, raw, k.p, k.len), LMKV_OK);
    probs p = { 0 };
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p), LMKV_ECORRUPT);
    assert_true(has_problem(&p, "store.fv", "store.fv_blob"));
    lmkv_schema__fv_blob_key(&k, f->ws, "v9", f->recs[0].fv.id);
    assert_int_equal(lmkv_tree_insert(NULL, raw, k.p, k.len, "", 0), LMKV_OK);
    lmkv_schema__fv_blob_key(&k, f->ws, "v5", f->recs[0].fv.id);     /* stale: the record says v9 */
    assert_int_equal(lmkv_tree_insert(NULL, raw, k.p, k.len, "", 0), LMKV_OK);
    lmkv_schema__fv_blob_key(&k, f->ws, "v9", 12345);                 /* orphan: no such version */
    assert_int_equal(lmkv_tree_insert(NULL, raw, k.p, k.len, "", 0), LMKV_OK);
    memset(&p, 0, sizeof p);
    assert_int_equal(lmkv_store_verify(NULL, f->st, on_problem, &p), LMKV_ECORRUPT);
    assert_int_equal(p.n, 2);
    assert_true(has_problem(&p, "store.fv_blob", "stale"));
    assert_true(has_problem(&p, "store.fv_blob", "orphan"));
    /* and a lookup that meets them says so */
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    memset(&v, 0, sizeof v);
    assert_int_equal(lmkv_store_file_versions_by_blob(t, f->ws, "v9", count_fv, &v), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "store.fv_blob"));
    lmkv_store_txn_end(t);
    lmkv_schema__kb_free(&k);
    lmkv_tree_close(raw);
}

/* set_current writes the current copies (calls and references by name) of
 * a version put earlier in the same session from what put_file kept,
 * without reading the records back; a version replaced or removed in the
 * session drops what was kept. The result must be what reading the
 * records back gives: the same scenario with every put in a session of its
 * own (nothing kept across sessions) stores the same trees, byte for byte. */
static void copies_scenario(fx *f, int one_session)
{
    facts_recs r2, r3;
    facts_records(&r2, &g_files[0], f->ws, "v2");
    facts_records(&r3, &g_files[1], f->ws, "v2");
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    register_ws(s, f->ws, "/home/dev/lmdb");
    for (int i = 0; i < NFILES; i++)
        assert_int_equal(lmkv_store_put_file(s, &f->recs[i].fv, &f->recs[i].r), LMKV_OK);
    assert_int_equal(s->ncp, NFILES); /* both kept: neither is current */
    if (!one_session) {
        assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
        assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
        assert_int_equal(s->ncp, 0);
    }
    for (int i = 0; i < NFILES; i++) {
        facts_recs *r = &f->recs[i];
        size_t pl = strlen(r->fv.path);
        assert_int_equal(lmkv_store_map_latest(s, f->ws, r->fv.path, pl, r->fv.id), LMKV_OK);
        assert_int_equal(lmkv_store_set_current(s, f->ws, r->fv.path, pl, r->fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    }
    assert_int_equal(s->ncp, 0);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);

    /* new versions: r2 put whole then replaced by its first half; r3 put,
     * removed, put again with half of its calls and references */
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &r2.fv, &r2.r), LMKV_OK);
    r2.r.n_calls /= 2;
    r2.r.n_references /= 2;
    assert_int_equal(lmkv_store_put_file(s, &r2.fv, &r2.r), LMKV_OK);
    assert_int_equal(s->ncp, 1);
    assert_int_equal(lmkv_store_put_file(s, &r3.fv, &r3.r), LMKV_OK);
    assert_int_equal(lmkv_store_remove_file(NULL, s, f->ws, r3.fv.id), LMKV_OK);
    assert_int_equal(s->ncp, 1);
    r3.r.n_calls /= 2;
    r3.r.n_references /= 2;
    assert_int_equal(lmkv_store_put_file(s, &r3.fv, &r3.r), LMKV_OK);
    if (!one_session) {
        assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
        assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    }
    assert_int_equal(lmkv_store_set_current(s, f->ws, "mdb.c", 5, r2.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    assert_int_equal(lmkv_store_set_current(s, f->ws, "midl.c", 6, r3.fv.id, LMKV_SOURCE_LATEST, NULL), LMKV_OK);
    assert_int_equal(s->ncp, 0);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    facts_records_free(&r2);
    facts_records_free(&r3);
}

static void test_current_copies_kept_by_put_file(void **state)
{
    fx *a = *state;
    fx b;
    fx_like(&b, a);
    copies_scenario(a, 1);
    copies_scenario(&b, 0);
    assert_true(assert_store_trees_equal(a, &b, NULL) > 1000);
    assert_int_equal(lmkv_store_verify(NULL, a->st, NULL, NULL), LMKV_OK);
    fx_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_facts_are_real, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_and_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_file_leaves_no_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poisoned_session_commits_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_before_put_in_one_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commits_listed_once_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workspace_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_readers_consistent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_layouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_and_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_session_same_as_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_file_equals_put_under_new_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_file_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_copies_kept_by_put_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reput_writes_only_what_differs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
