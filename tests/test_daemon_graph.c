/*
 * test_daemon_graph.c -- daemon/lmkv_daemon.h: the probe daemon's graph
 * storage methods over lmkv.
 *
 * Unit cases check every function's documented behaviour on small inputs
 * (workspaces, uid <-> id stability, edge dedup, self-loops, markers, bad
 * input leaving nothing written, traverse's layers and limit, the LSP-shaped
 * answers, analysis progress, the queue's order, pending enrichment).
 * test_clangd_capture converts real clangd-14 answers over LMDB's sources
 * ($LMKV_BUILD/lsp-captures/clangd-14-lmdb.jsonl, made by
 * scripts/lsp_capture.py as bench/daemon_graph_bench.c makes it, here if
 * absent) into the daemon's SymbolState / Edge rows as its
 * lsp_database_adapter.rs does (callers -> callee, enclosing symbol ->
 * referenced symbol, request symbol -> definition, "none" markers for empty
 * answers), stores them, and checks that every symbol's callers and
 * referrers read back equal the sets clangd answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmkv_daemon.h"
#include "lmkv_schema.h"
#include "util/lmkv_test_files.h"
#include "util/lmkv_test_kv.h"
#include "util/lmkv_test_util.h"

typedef struct fx {
    char *dir;
    lmkv_db *db;
    lmkv_daemon *d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = lmkv_test_tmpdir("daemon");
    assert_int_equal(lmkv_db_open_path(&f->db, f->dir), LMKV_OK);
    assert_int_equal(lmkv_daemon_open(&f->d, f->db), LMKV_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    lmkv_daemon_close(f->d);
    lmkv_db_close(f->db);
    lmkv_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static lmkv_daemon_symbol sym(const char *uid, const char *file, const char *name, const char *fqn, uint32_t line)
{
    lmkv_daemon_symbol s = {.symbol_uid = uid, .file_path = file, .language = "c", .name = name, .fqn = fqn,
                            .kind = "function", .def_start_line = line, .def_start_char = 4,
                            .def_end_line = line + 3, .def_end_char = 1, .is_definition = 1};
    return s;
}

static lmkv_daemon_edge edge(int rel, const char *src, const char *tgt, const char *file, int64_t line)
{
    lmkv_daemon_edge e = {.relation = rel, .source_symbol_uid = src, .target_symbol_uid = tgt, .file_path = file,
                          .start_line = line, .start_char = line < 0 ? -1 : 2, .confidence = 1.0f,
                          .language = "c", .metadata = NULL};
    return e;
}

static void test_relation_names(void **state)
{
    (void)state;
    static const char *const names[] = {"has_child", "inherits_from", "implements", "overrides", "references",
                                        "calls", "instantiates", "imports", "includes", "depends_on",
                                        "definition", "implementation"};
    for (int r = 1; r <= 12; r++) {
        assert_string_equal(lmkv_daemon_relation_name(r), names[r - 1]);
        lmkv_daemon_relation x;
        assert_int_equal(lmkv_daemon_relation_from_name(&x, names[r - 1]), LMKV_OK);
        assert_int_equal(x, r);
    }
    assert_null(lmkv_daemon_relation_name(0));
    assert_null(lmkv_daemon_relation_name(13));
    lmkv_daemon_relation x;
    assert_int_equal(lmkv_daemon_relation_from_name(&x, "calls_"), LMKV_NOTFOUND);
    assert_string_equal(lmkv_errmsg(), "Unknown edge relation: calls_");
}

static void test_workspaces(void **state)
{
    fx *f = *state;
    int64_t a, b, c;
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&a, f->d, "main", 7, NULL));
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&b, f->d, "feature", 7, "topic"));
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&c, f->d, "other", 8, "main"));
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    assert_int_equal(c, 3);
    assert_int_equal(lmkv_daemon_workspace_create(&c, f->d, "", 1, NULL), LMKV_EINVAL);

    lmkv_daemon_workspace *w;
    LMKV_TEST_OK(lmkv_daemon_workspace_get(&w, f->d, b));
    assert_int_equal(w->workspace_id, 2);
    assert_int_equal(w->project_id, 7);
    assert_string_equal(w->name, "feature");
    assert_string_equal(w->branch_hint, "topic");
    assert_null(w->description);
    assert_int_equal(w->is_active, 1);
    assert_int_equal(strlen(w->created_at), 19);
    assert_true(w->created_at[4] == '-' && w->created_at[10] == ' ' && w->created_at[13] == ':');
    lmkv_free(w);
    assert_int_equal(lmkv_daemon_workspace_get(&w, f->d, 99), LMKV_NOTFOUND);
    assert_null(w);

    size_t n;
    LMKV_TEST_OK(lmkv_daemon_workspace_list(&w, &n, f->d, 0, 0));
    assert_int_equal(n, 3); /* same second: id DESC */
    assert_int_equal(w[0].workspace_id, 3);
    assert_int_equal(w[2].workspace_id, 1);
    assert_null(w[2].branch_hint);
    lmkv_free(w);
    LMKV_TEST_OK(lmkv_daemon_workspace_list(&w, &n, f->d, 1, 7));
    assert_int_equal(n, 2);
    assert_string_equal(w[0].name, "feature");
    assert_string_equal(w[1].name, "main");
    lmkv_free(w);
    LMKV_TEST_OK(lmkv_daemon_workspace_list(&w, &n, f->d, 1, 100));
    assert_int_equal(n, 0);
    assert_null(w);

    LMKV_TEST_OK(lmkv_daemon_workspace_update_branch(f->d, a, "release"));
    LMKV_TEST_OK(lmkv_daemon_workspace_get(&w, f->d, a));
    assert_string_equal(w->branch_hint, "release");
    assert_string_equal(w->name, "main");
    lmkv_free(w);
    assert_int_equal(lmkv_daemon_workspace_update_branch(f->d, 42, "x"), LMKV_NOTFOUND);

    /* files, analysis status and progress */
    lmkv_daemon_progress p;
    LMKV_TEST_OK(lmkv_daemon_analysis_progress(&p, f->d, a));
    assert_int_equal(p.total_files, 0);
    assert_true(p.completion_percentage == 0.0f);
    for (int64_t file = 10; file < 14; file++) LMKV_TEST_OK(lmkv_daemon_link_file(f->d, a, file, file * 100));
    LMKV_TEST_OK(lmkv_daemon_link_file(f->d, b, 10, 1000));
    assert_int_equal(lmkv_daemon_link_file(f->d, 77, 10, 1), LMKV_NOTFOUND);
    int64_t run;
    LMKV_TEST_OK(lmkv_daemon_analysis_run_create(&run, f->d, "tree-sitter", "0.20", "c", "{}"));
    assert_int_equal(run, 1);
    LMKV_TEST_OK(lmkv_daemon_file_analysis_set(f->d, a, 10, run, LMKV_DAEMON_FILE_COMPLETED));
    LMKV_TEST_OK(lmkv_daemon_file_analysis_set(f->d, a, 11, run, LMKV_DAEMON_FILE_COMPLETED));
    LMKV_TEST_OK(lmkv_daemon_file_analysis_set(f->d, a, 12, run, LMKV_DAEMON_FILE_FAILED));
    assert_int_equal(lmkv_daemon_file_analysis_set(f->d, a, 99, run, 1), LMKV_NOTFOUND);
    assert_int_equal(lmkv_daemon_file_analysis_set(f->d, a, 10, 5, 1), LMKV_NOTFOUND);
    assert_int_equal(lmkv_daemon_file_analysis_set(f->d, a, 10, run, 3), LMKV_EINVAL);
    /* a re-link keeps the status */
    LMKV_TEST_OK(lmkv_daemon_link_file(f->d, a, 10, 1001));
    LMKV_TEST_OK(lmkv_daemon_analysis_progress(&p, f->d, a));
    assert_int_equal(p.workspace_id, a);
    assert_int_equal(p.total_files, 4);
    assert_int_equal(p.analyzed_files, 2);
    assert_int_equal(p.failed_files, 1);
    assert_int_equal(p.pending_files, 1);
    assert_true(p.completion_percentage == 50.0f);
    LMKV_TEST_OK(lmkv_daemon_analysis_progress(&p, f->d, b));
    assert_int_equal(p.total_files, 1);
    assert_int_equal(p.pending_files, 1);

    /* queue: priority DESC, then queueing order */
    LMKV_TEST_OK(lmkv_daemon_queue_file(f->d, 10, "c", 1));
    LMKV_TEST_OK(lmkv_daemon_queue_file(f->d, 11, "c", 5));
    LMKV_TEST_OK(lmkv_daemon_queue_file(f->d, 12, "rust", -3));
    LMKV_TEST_OK(lmkv_daemon_queue_file(f->d, 13, "c", 5));
    lmkv_daemon_queue_item *q;
    LMKV_TEST_OK(lmkv_daemon_queue_list(&q, &n, f->d));
    assert_int_equal(n, 4);
    int64_t order[] = {11, 13, 10, 12};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(q[i].file_id, order[i]);
        assert_string_equal(q[i].operation, "analyze");
        assert_string_equal(q[i].status, "pending");
    }
    assert_int_equal(q[0].queue_id, 2);
    assert_int_equal(q[3].priority, -3);
    assert_string_equal(q[3].language, "rust");
    lmkv_free(q);
}

static void test_symbols(void **state)
{
    fx *f = *state;
    lmkv_daemon_symbol s[3] = {sym("a.c:1:foo:3", "a.c", "foo", "foo", 2), sym("a.c:1:bar:9", "a.c", "bar", "ns::bar", 8),
                               sym("b.c:1:foo:1", "b.c", "foo", NULL, 0)};
    s[1].signature = "int bar(void)";
    s[1].documentation = "Bar. \xc3\xa9";
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, s, 3));
    uint64_t ida, idb, idc;
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&ida, f->d, "a.c:1:foo:3"));
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&idb, f->d, "a.c:1:bar:9"));
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&idc, f->d, "b.c:1:foo:1"));
    assert_true(ida && idb && idc && ida != idb && idb != idc);
    uint64_t z;
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&z, f->d, "none"));
    assert_int_equal(z, 0);
    assert_int_equal(lmkv_daemon_symbol_id(&z, f->d, "nope"), LMKV_NOTFOUND);
    char *u;
    LMKV_TEST_OK(lmkv_daemon_symbol_uid(&u, f->d, idb));
    assert_string_equal(u, "a.c:1:bar:9");
    lmkv_free(u);
    assert_int_equal(lmkv_daemon_symbol_uid(&u, f->d, 999), LMKV_NOTFOUND);

    lmkv_daemon_symbol *r;
    size_t n;
    LMKV_TEST_OK(lmkv_daemon_symbols_by_file(&r, &n, f->d, "a.c", "c"));
    assert_int_equal(n, 2);
    assert_string_equal(r[0].name, "foo");
    assert_string_equal(r[1].signature, "int bar(void)");
    assert_string_equal(r[1].documentation, "Bar. \xc3\xa9");
    assert_int_equal(r[1].def_start_line, 8);
    assert_int_equal(r[1].def_end_line, 11);
    assert_int_equal(r[1].symbol_id, idb);
    assert_null(r[0].signature);
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_symbols_by_file(&r, &n, f->d, "a.c", "rust"));
    assert_int_equal(n, 0);
    LMKV_TEST_OK(lmkv_daemon_symbols_by_file(&r, &n, f->d, "a.", "c"));
    assert_int_equal(n, 0);
    LMKV_TEST_OK(lmkv_daemon_symbols_by_name(&r, &n, f->d, "foo"));
    assert_int_equal(n, 2);
    assert_string_equal(r[0].file_path, "a.c");
    assert_string_equal(r[1].file_path, "b.c");
    assert_null(r[1].fqn);
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_symbol_by_fqn(&r, &n, f->d, "ns::bar"));
    assert_int_equal(n, 1);
    assert_string_equal(r[0].symbol_uid, "a.c:1:bar:9");
    lmkv_free(r);

    /* re-index: same uid, moved and renamed fqn: id kept, indexes moved */
    lmkv_daemon_symbol s2 = sym("a.c:1:bar:9", "c.c", "bar", "ns2::bar", 20);
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, &s2, 1));
    uint64_t idb2;
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&idb2, f->d, "a.c:1:bar:9"));
    assert_int_equal(idb2, idb);
    LMKV_TEST_OK(lmkv_daemon_symbol_by_fqn(&r, &n, f->d, "ns::bar"));
    assert_int_equal(n, 0);
    LMKV_TEST_OK(lmkv_daemon_symbol_by_fqn(&r, &n, f->d, "ns2::bar"));
    assert_int_equal(n, 1);
    assert_null(r[0].signature);
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_symbols_by_file(&r, &n, f->d, "a.c", "c"));
    assert_int_equal(n, 1);
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_symbols_all(&r, &n, f->d));
    assert_int_equal(n, 3);
    assert_int_equal(r[0].symbol_id, ida);
    lmkv_free(r);

    /* bad input: nothing of the call written */
    lmkv_daemon_symbol bad[3] = {sym("new:1", "n.c", "n1", NULL, 1), sym("new:2", "n.c", "n2", NULL, 1),
                                 sym("none", "n.c", "n3", NULL, 1)};
    assert_int_equal(lmkv_daemon_store_symbols(f->d, bad, 3), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "symbols[2].symbol_uid"));
    bad[2].symbol_uid = "new:3";
    bad[2].kind = NULL;
    assert_int_equal(lmkv_daemon_store_symbols(f->d, bad, 3), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "symbols[2].kind"));
    assert_int_equal(lmkv_daemon_symbol_id(&z, f->d, "new:1"), LMKV_NOTFOUND);
    LMKV_TEST_OK(lmkv_daemon_symbols_by_file(&r, &n, f->d, "n.c", "c"));
    assert_int_equal(n, 0);
}

/* Closing and reopening keeps everything, ids go on from where they were;
 * trees of another format are refused. */
static void test_reopen(void **state)
{
    fx *f = *state;
    lmkv_daemon_symbol s[2] = {sym("r1", "r.c", "r1", NULL, 1), sym("r2", "r.c", "r2", NULL, 5)};
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, s, 2));
    lmkv_daemon_edge e = edge(LMKV_DAEMON_CALLS, "r1", "r2", "r.c", 2);
    LMKV_TEST_OK(lmkv_daemon_store_edges(NULL, f->d, &e, 1));
    int64_t w;
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&w, f->d, "ws", 1, NULL));
    uint64_t id2;
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&id2, f->d, "r2"));
    lmkv_daemon_close(f->d);
    lmkv_db_close(f->db);
    assert_int_equal(lmkv_db_open_path(&f->db, f->dir), LMKV_OK);
    assert_int_equal(lmkv_daemon_open(&f->d, f->db), LMKV_OK);
    uint64_t id;
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&id, f->d, "r2"));
    assert_int_equal(id, id2);
    lmkv_daemon_symbol r3 = sym("r3", "r.c", "r3", NULL, 9);
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, &r3, 1));
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&id, f->d, "r3"));
    assert_int_equal(id, id2 + 1);
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&w, f->d, "ws2", 1, NULL));
    assert_int_equal(w, 2);
    lmkv_daemon_edge *r;
    size_t n;
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "r2", LMKV_DAEMON_CALLS, LMKV_DAEMON_INCOMING));
    assert_int_equal(n, 1);
    assert_string_equal(r[0].source_symbol_uid, "r1");
    lmkv_free(r);
    /* a later format: refused */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    lmkv_tree *meta;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&meta, f->db, "lmkv.daemon.meta", 16));
    LMKV_TEST_OK(lmkv_tree_insert(NULL, meta, "format", 6, "\4", 1));
    lmkv_tree_close(meta);
    lmkv_daemon *d2;
    assert_int_equal(lmkv_daemon_open(&d2, f->db), LMKV_EVERSION);
    assert_non_null(strstr(lmkv_errmsg(), "format 4"));
}

static void uids_of(char out[][64], const lmkv_daemon_edge *e, size_t n, int src)
{
    for (size_t i = 0; i < n; i++) snprintf(out[i], 64, "%s", src ? e[i].source_symbol_uid : e[i].target_symbol_uid);
}

static void test_edges(void **state)
{
    fx *f = *state;
    lmkv_daemon_symbol s[4] = {sym("main", "m.c", "main", "main", 0), sym("foo", "m.c", "foo", "foo", 10),
                               sym("bar", "b.c", "bar", "bar", 5), sym("baz", "b.c", "baz", "baz", 30)};
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, s, 4));
    lmkv_daemon_edge e[] = {
        edge(LMKV_DAEMON_CALLS, "main", "foo", "m.c", 2),
        edge(LMKV_DAEMON_CALLS, "main", "bar", "m.c", 3),
        edge(LMKV_DAEMON_CALLS, "foo", "bar", "m.c", 12),
        edge(LMKV_DAEMON_CALLS, "bar", "foo", "b.c", 7),   /* a cycle */
        edge(LMKV_DAEMON_CALLS, "bar", "bar", "b.c", 8),   /* recursion: a CALLS self-loop is kept */
        edge(LMKV_DAEMON_REFERENCES, "foo", "foo", "m.c", 11), /* dropped */
        edge(LMKV_DAEMON_CALLS, "main", "foo", "m.c", 4),  /* duplicate (relation, src, tgt, language) */
        edge(LMKV_DAEMON_REFERENCES, "main", "bar", "m.c", 3),
        edge(LMKV_DAEMON_REFERENCES, "foo", "bar", NULL, 12), /* uri from the source symbol */
        edge(LMKV_DAEMON_REFERENCES, "baz", "none", NULL, -1),
        edge(LMKV_DAEMON_DEFINITION, "main", "bar", "b.c", 5),
        edge(LMKV_DAEMON_IMPLEMENTS, "baz", "bar", "b.c", 30),
        edge(LMKV_DAEMON_IMPLEMENTATION, "main", "bar", "b.c", 31),
        edge(LMKV_DAEMON_CALLS, "extern:x", "baz", "x.c", 1), /* an end with no symbol */
        edge(LMKV_DAEMON_CALLS, "none", "baz", NULL, -1),     /* incoming-calls marker */
    };
    e[1].confidence = 0.8f;
    e[9].language = "unknown";
    e[9].metadata = "null_edge";
    size_t ne = sizeof e / sizeof e[0];
    lmkv_daemon_store_stats st;
    LMKV_TEST_OK(lmkv_daemon_store_edges(&st, f->d, e, ne));
    assert_int_equal(st.stored, ne - 2);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.self_loops, 1);
    /* again: all duplicates */
    LMKV_TEST_OK(lmkv_daemon_store_edges(&st, f->d, e, ne));
    assert_int_equal(st.stored, 0);
    assert_int_equal(st.duplicates, ne - 1);

    lmkv_daemon_edge *r;
    size_t n;
    char u[16][64];
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "main", LMKV_DAEMON_CALLS, LMKV_DAEMON_OUTGOING));
    assert_int_equal(n, 2);
    uids_of(u, r, n, 0);
    assert_string_equal(u[0], "foo");
    assert_string_equal(u[1], "bar");
    assert_int_equal(r[0].start_line, 2); /* the first stored wins */
    assert_true(r[1].confidence == 0.8f);
    assert_string_equal(r[0].file_path, "m.c");
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "bar", LMKV_DAEMON_CALLS, LMKV_DAEMON_INCOMING));
    assert_int_equal(n, 3); /* main, foo, bar itself */
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "bar", LMKV_DAEMON_CALLS, LMKV_DAEMON_BOTH));
    assert_int_equal(n, 4); /* out: foo, bar; in: main, foo (the self-loop once) */
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "baz", LMKV_DAEMON_REFERENCES, LMKV_DAEMON_OUTGOING));
    assert_int_equal(n, 1);
    assert_string_equal(r[0].target_symbol_uid, "none");
    assert_string_equal(r[0].metadata, "null_edge");
    assert_string_equal(r[0].language, "unknown");
    assert_null(r[0].file_path);
    assert_int_equal(r[0].start_line, -1);
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "unknown-uid", 0, LMKV_DAEMON_BOTH));
    assert_int_equal(n, 0);
    assert_int_equal(lmkv_daemon_edges_of(&r, &n, f->d, "main", 13, 1), LMKV_EINVAL);
    LMKV_TEST_OK(lmkv_daemon_edges_all(&r, &n, f->d));
    assert_int_equal(n, ne - 2);
    lmkv_free(r);

    /* bad input: nothing written */
    lmkv_daemon_edge bad[2] = {edge(LMKV_DAEMON_CALLS, "q1", "q2", NULL, 1), edge(LMKV_DAEMON_CALLS, "q1", "q3", NULL, 1)};
    bad[1].confidence = 1.5f;
    assert_int_equal(lmkv_daemon_store_edges(&st, f->d, bad, 2), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "edges[1].confidence"));
    bad[1].confidence = 1.0f;
    bad[1].relation = 0;
    assert_int_equal(lmkv_daemon_store_edges(&st, f->d, bad, 2), LMKV_EINVAL);
    bad[1].relation = LMKV_DAEMON_CALLS;
    bad[1].start_line = -2;
    assert_int_equal(lmkv_daemon_store_edges(&st, f->d, bad, 2), LMKV_EINVAL);
    uint64_t z;
    assert_int_equal(lmkv_daemon_symbol_id(&z, f->d, "q1"), LMKV_NOTFOUND);

    /* lmkv_daemon_store: symbols and edges in one txn, all or nothing */
    lmkv_daemon_symbol ns = sym("new-sym", "n.c", "newsym", NULL, 1);
    lmkv_daemon_edge ne2[2] = {edge(LMKV_DAEMON_CALLS, "new-sym", "main", "n.c", 1),
                               edge(LMKV_DAEMON_CALLS, "new-sym", "bar", "n.c", 2)};
    ne2[1].language = NULL;
    assert_int_equal(lmkv_daemon_store(&st, f->d, &ns, 1, ne2, 2), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "lmkv_daemon_store: edges[1].language"));
    assert_int_equal(lmkv_daemon_symbol_id(&z, f->d, "new-sym"), LMKV_NOTFOUND);
    ne2[1].language = "c";
    LMKV_TEST_OK(lmkv_daemon_store(&st, f->d, &ns, 1, ne2, 2));
    assert_int_equal(st.stored, 2);
    lmkv_daemon_symbol *nsr;
    LMKV_TEST_OK(lmkv_daemon_symbol_get(&nsr, f->d, "new-sym"));
    assert_string_equal(nsr->name, "newsym");
    lmkv_free(nsr);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "new-sym", LMKV_DAEMON_CALLS, LMKV_DAEMON_OUTGOING));
    assert_int_equal(n, 2);
    lmkv_free(r);

    /* traverse: layers, no visited set, markers not followed, limit */
    int calls = LMKV_DAEMON_CALLS;
    lmkv_daemon_path *p;
    LMKV_TEST_OK(lmkv_daemon_traverse(&p, &n, f->d, "main", 1, &calls, 1, 100));
    assert_int_equal(n, 2);
    assert_int_equal(p[0].depth, 1);
    assert_string_equal(p[0].from_uid, "main");
    lmkv_free(p);
    LMKV_TEST_OK(lmkv_daemon_traverse(&p, &n, f->d, "main", 3, &calls, 1, 100));
    /* d1: foo, bar; d2: foo->bar, bar->foo, bar->bar; d3: bar->foo, bar->bar, foo->bar, bar->foo, bar->bar */
    assert_int_equal(n, 10);
    assert_int_equal(p[9].depth, 3);
    assert_int_equal(p[9].relation, LMKV_DAEMON_CALLS);
    lmkv_free(p);
    assert_int_equal(lmkv_daemon_traverse(&p, &n, f->d, "main", 3, &calls, 1, 9), LMKV_ELIMIT);
    assert_null(p);
    int refs = LMKV_DAEMON_REFERENCES;
    LMKV_TEST_OK(lmkv_daemon_traverse(&p, &n, f->d, "baz", 3, &refs, 1, 100));
    assert_int_equal(n, 0);
    LMKV_TEST_OK(lmkv_daemon_traverse(&p, &n, f->d, "main", 3, NULL, 0, 100));
    assert_int_equal(n, 0);
    /* several relations (one scan each), given twice and out of order: the
     * paths of one layer are main's outgoing edges of those relations in
     * the order of edges_of (relation, then target), each once */
    int mixed[3] = {LMKV_DAEMON_REFERENCES, LMKV_DAEMON_CALLS, LMKV_DAEMON_REFERENCES};
    LMKV_TEST_OK(lmkv_daemon_traverse(&p, &n, f->d, "main", 1, mixed, 3, 100));
    size_t nall;
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &nall, f->d, "main", 0, LMKV_DAEMON_OUTGOING));
    size_t want = 0;
    for (size_t i = 0; i < nall; i++) {
        if ((r[i].relation != LMKV_DAEMON_CALLS && r[i].relation != LMKV_DAEMON_REFERENCES) ||
            !strcmp(r[i].target_symbol_uid, "none"))
            continue;
        assert_true(want < n);
        assert_int_equal(p[want].relation, r[i].relation);
        assert_string_equal(p[want].symbol_uid, r[i].target_symbol_uid);
        assert_string_equal(p[want].from_uid, "main");
        want++;
    }
    assert_int_equal(n, want);
    assert_true(want >= 2);
    lmkv_free(p);
    lmkv_free(r);

    /* call hierarchy */
    int analysed;
    lmkv_daemon_symbol *item;
    lmkv_daemon_call *c;
    size_t nin;
    LMKV_TEST_OK(lmkv_daemon_call_hierarchy(&analysed, &item, &c, &nin, &n, f->d, "foo"));
    assert_int_equal(analysed, 1);
    assert_string_equal(item->name, "foo");
    assert_int_equal(nin, 2); /* main, bar */
    assert_int_equal(n, 3);   /* + bar */
    assert_string_equal(c[0].symbol_uid, "main");
    assert_int_equal(c[0].from_line, 2);
    assert_int_equal(c[0].from_char, 2);
    assert_string_equal(c[0].uri, "m.c");
    assert_int_equal(c[0].start_line, 0);
    assert_string_equal(c[2].name, "bar");
    assert_string_equal(c[2].kind, "function");
    lmkv_free(item);
    lmkv_free(c);
    LMKV_TEST_OK(lmkv_daemon_call_hierarchy(&analysed, &item, &c, &nin, &n, f->d, "baz"));
    assert_int_equal(analysed, 1); /* a marker and a caller with no symbol */
    assert_int_equal(n, 0);
    assert_non_null(item);
    lmkv_free(item);
    lmkv_free(c);
    lmkv_daemon_symbol lone = sym("lone", "l.c", "lone", NULL, 1);
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, &lone, 1));
    LMKV_TEST_OK(lmkv_daemon_call_hierarchy(&analysed, &item, &c, &nin, &n, f->d, "lone"));
    assert_int_equal(analysed, 0);
    assert_null(item);
    assert_null(c);

    /* references / definitions / implementations */
    lmkv_daemon_location *l;
    LMKV_TEST_OK(lmkv_daemon_references(&l, &n, f->d, "bar", 0));
    assert_int_equal(n, 2);
    assert_string_equal(l[0].uri, "m.c");
    assert_int_equal(l[0].start_line, 3);
    assert_string_equal(l[1].uri, "m.c"); /* foo's file: the edge has none */
    assert_int_equal(l[1].start_line, 12);
    lmkv_free(l);
    LMKV_TEST_OK(lmkv_daemon_references(&l, &n, f->d, "bar", 1));
    assert_int_equal(n, 3);
    assert_string_equal(l[0].uri, "b.c");
    assert_int_equal(l[0].start_line, 5);
    assert_int_equal(l[0].end_line, 8);
    lmkv_free(l);
    LMKV_TEST_OK(lmkv_daemon_references(&l, &n, f->d, "baz", 0));
    assert_int_equal(n, 0); /* only a marker */
    LMKV_TEST_OK(lmkv_daemon_definitions(&l, &n, f->d, "bar"));
    assert_int_equal(n, 1);
    assert_string_equal(l[0].uri, "b.c");
    lmkv_free(l);
    LMKV_TEST_OK(lmkv_daemon_implementations(&l, &n, f->d, "bar"));
    assert_int_equal(n, 2);
    lmkv_free(l);

    /* pending enrichment: sqlite_backend.rs's SQL -- references and
       implementations at the source end only, calls at either end */
    lmkv_daemon_enrichment *pe;
    LMKV_TEST_OK(lmkv_daemon_pending_enrichment(&pe, &n, f->d, 100));
    /* main: refs (main->bar), impls (implementation main->bar), calls -> not pending;
       foo: refs (foo->bar), no impls, calls; bar: only a target of references,
       implements and implementation -> needs refs and impls, calls; baz: refs
       marker, impls (implements baz->bar), calls (extern:x->baz) -> not pending;
       new-sym: calls only; lone: all three */
    assert_int_equal(n, 4);
    assert_string_equal(pe[0].symbol.symbol_uid, "foo");
    assert_int_equal(pe[0].needs_implementations, 1);
    assert_int_equal(pe[0].needs_references, 0);
    assert_int_equal(pe[0].needs_call_hierarchy, 0);
    assert_string_equal(pe[1].symbol.symbol_uid, "bar");
    assert_true(pe[1].needs_references && pe[1].needs_implementations && !pe[1].needs_call_hierarchy);
    assert_string_equal(pe[1].symbol.file_path, "b.c");
    assert_string_equal(pe[2].symbol.symbol_uid, "new-sym");
    assert_true(pe[2].needs_references && pe[2].needs_implementations && !pe[2].needs_call_hierarchy);
    assert_string_equal(pe[3].symbol.symbol_uid, "lone");
    assert_true(pe[3].needs_references && pe[3].needs_implementations && pe[3].needs_call_hierarchy);
    lmkv_free(pe);
    LMKV_TEST_OK(lmkv_daemon_pending_enrichment(&pe, &n, f->d, 1));
    assert_int_equal(n, 1);
    assert_string_equal(pe[0].symbol.symbol_uid, "foo");
    lmkv_free(pe);
    LMKV_TEST_OK(lmkv_daemon_pending_enrichment(&pe, &n, f->d, 0));
    assert_int_equal(n, 0);
    assert_null(pe);

    /* the candidate filter: kind, blank path (spaces only, as SQLite's
       trim), "/dep/" in any ASCII case (LIKE); everything else stays */
    lmkv_daemon_symbol cand[8] = {sym("k-var", "v.c", "v", NULL, 1),       sym("k-method", "v.c", "m", NULL, 2),
                                  sym("k-blank", "   ", "b", NULL, 3),     sym("k-dep", "/dep/x.c", "d", NULL, 4),
                                  sym("k-DEP", "/DEP/y.c", "D", NULL, 5),  sym("k-depish", "/depot/z.c", "z", NULL, 6),
                                  sym("k-tab", "\t", "t", NULL, 7),       sym("k-trait", "/dep", "r", NULL, 8)};
    cand[0].kind = "variable";
    cand[1].kind = "method";
    cand[7].kind = "trait";
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, cand, 8));
    LMKV_TEST_OK(lmkv_daemon_pending_enrichment(&pe, &n, f->d, 100));
    assert_int_equal(n, 4 + 4);
    const char *kept[4] = {"k-method", "k-depish", "k-tab", "k-trait"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(pe[4 + i].symbol.symbol_uid, kept[i]);
        assert_true(pe[4 + i].needs_references && pe[4 + i].needs_implementations && pe[4 + i].needs_call_hierarchy);
    }
    lmkv_free(pe);
}

/* ------------------------------------------------------ real answers */

typedef struct cap {
    char root[1024];
    json_t *lines;
    json_t *files; /* path -> language */
    json_t *syms;  /* path -> array of [uid, sl, sc, el, ec, ssl, ssc, sel, sec] */
} cap;

static const char *rel_of(const cap *c, const char *uri)
{
    size_t rl = strlen(c->root);
    if (!uri || strncmp(uri, "file://", 7) || strncmp(uri + 7, c->root, rl) || uri[7 + rl] != '/') return NULL;
    const char *p = uri + 8 + rl;
    return json_object_get(c->files, p) ? p : NULL;
}

static uint32_t ju(json_t *o, const char *a, const char *b)
{
    return (uint32_t)json_integer_value(json_object_get(json_object_get(o, a), b));
}

static int le(uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2) { return l1 < l2 || (l1 == l2 && c1 <= c2); }

/* the innermost documentSymbol of path holding (l, ch): sel 1 selectionRange, 0 range */
static const char *sym_at(const cap *c, const char *path, uint32_t l, uint32_t ch, int sel)
{
    json_t *arr = path ? json_object_get(c->syms, path) : NULL;
    const char *best = NULL;
    uint32_t bl = 0, bc = 0;
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) {
        int o = sel ? 5 : 1;
        uint32_t a = (uint32_t)json_integer_value(json_array_get(s, o)), b = (uint32_t)json_integer_value(json_array_get(s, o + 1));
        uint32_t x = (uint32_t)json_integer_value(json_array_get(s, o + 2)), y = (uint32_t)json_integer_value(json_array_get(s, o + 3));
        if (le(a, b, l, ch) && le(l, ch, x, y) && (!best || le(bl, bc, a, b))) {
            best = json_string_value(json_array_get(s, 0));
            bl = a, bc = b;
        }
    }
    return best;
}

static void doc_symbols(cap *c, lmkv_daemon *d, const char *path, json_t *arr, const char *parent)
{
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        json_t *range = json_object_get(s, "range"), *sel = json_object_get(s, "selectionRange");
        assert_non_null(name);
        assert_non_null(range);
        if (!sel) sel = range;
        char uid[2048], fqn[2048];
        snprintf(uid, sizeof uid, "%s:%s:%u:%u", path, name, ju(sel, "start", "line") + 1, ju(sel, "start", "character"));
        snprintf(fqn, sizeof fqn, "%s%s%s", parent ? parent : "", parent ? "::" : "", name);
        lmkv_daemon_symbol y = {.symbol_uid = uid, .file_path = path,
                                .language = json_string_value(json_object_get(c->files, path)), .name = name,
                                .fqn = fqn, .kind = "symbol", .def_start_line = ju(range, "start", "line"),
                                .def_start_char = ju(range, "start", "character"),
                                .def_end_line = ju(range, "end", "line"), .def_end_char = ju(range, "end", "character"),
                                .is_definition = 1};
        LMKV_TEST_OK(lmkv_daemon_store_symbols(d, &y, 1));
        json_t *arr2 = json_object_get(c->syms, path);
        if (!arr2) json_object_set_new(c->syms, path, arr2 = json_array());
        json_array_append_new(arr2, json_pack("[s,i,i,i,i,i,i,i,i]", uid, ju(range, "start", "line"),
                                              ju(range, "start", "character"), ju(range, "end", "line"),
                                              ju(range, "end", "character"), ju(sel, "start", "line"),
                                              ju(sel, "start", "character"), ju(sel, "end", "line"),
                                              ju(sel, "end", "character")));
        doc_symbols(c, d, path, json_object_get(s, "children"), fqn);
    }
}

/* A CallHierarchyItem's uid (as the daemon's adapter: stored as a symbol too). */
static void item_uid(char *out, size_t n, cap *c, lmkv_daemon *d, json_t *it)
{
    const char *name = json_string_value(json_object_get(it, "name"));
    const char *uri = json_string_value(json_object_get(it, "uri"));
    const char *path = rel_of(c, uri);
    json_t *sel = json_object_get(it, "selectionRange"), *range = json_object_get(it, "range");
    snprintf(out, n, "%s:%s:%u:%u", path ? path : uri, name, ju(sel, "start", "line") + 1, ju(sel, "start", "character"));
    lmkv_daemon_symbol *have;
    int rc = lmkv_daemon_symbol_get(&have, d, out);
    if (rc == LMKV_OK) { lmkv_free(have); return; }
    assert_int_equal(rc, LMKV_NOTFOUND);
    lmkv_daemon_symbol y = {.symbol_uid = out, .file_path = path ? path : uri, .language = path ? "c" : "unknown",
                            .name = name, .kind = "function", .def_start_line = ju(range, "start", "line"),
                            .def_start_char = ju(range, "start", "character"), .def_end_line = ju(range, "end", "line"),
                            .def_end_char = ju(range, "end", "character")};
    LMKV_TEST_OK(lmkv_daemon_store_symbols(d, &y, 1));
}

static void set_add(json_t *sets, const char *key, const char *member)
{
    json_t *s = json_object_get(sets, key);
    if (!s) json_object_set_new(sets, key, s = json_object());
    if (member) json_object_set_new(s, member, json_true());
}

static const char *capture_file(char *buf, size_t n)
{
    const char *build = getenv("LMKV_BUILD") ? getenv("LMKV_BUILD") : "build";
    const char *root = getenv("LMKV_ROOT") ? getenv("LMKV_ROOT") : ".";
    const char *srcs = getenv("LMKV_SOURCES") ? getenv("LMKV_SOURCES") : "build/sources";
    snprintf(buf, n, "%s/lsp-captures/clangd-14-lmdb.jsonl", build);
    if (access(buf, R_OK) == 0) return buf;
    char cmd[32768];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/lsp-captures' && python3 '%s/scripts/lsp_capture.py' --root '%s/lmdb' --out '%s.tmp' -- "
             "clangd-14 --background-index=false --log=error >&2 && mv '%s.tmp' '%s'",
             build, root, srcs, buf, buf, buf);
    assert_int_equal(system(cmd), 0);
    return buf;
}

static void test_clangd_capture(void **state)
{
    fx *f = *state;
    char path[4096];
    cap c = {{0}, lmkv_test_load_jsonl(capture_file(path, sizeof path)), json_object(), json_object()};
    json_t *hdr = json_array_get(c.lines, 0);
    snprintf(c.root, sizeof c.root, "%s", json_string_value(json_object_get(hdr, "root")));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(hdr, "files"), i, x)
        json_object_set(c.files, json_string_value(json_array_get(x, 0)), json_array_get(x, 1));
    /* pass 1: documentSymbol */
    size_t nsym = 0;
    json_array_foreach(c.lines, i, x) {
        if (!i || strcmp(json_string_value(json_object_get(x, "method")), "textDocument/documentSymbol")) continue;
        const char *p = rel_of(&c, json_string_value(json_object_get(json_object_get(json_object_get(x, "params"), "textDocument"), "uri")));
        assert_non_null(p);
        doc_symbols(&c, f->d, p, json_object_get(x, "result"), NULL);
    }
    const char *k;
    json_object_foreach(c.syms, k, x) nsym += json_array_size(x);
    fprintf(stderr, "capture: %zu documentSymbol symbols\n", nsym);
    assert_true(nsym > 300);

    /* pass 2: the other answers -> edges; expected sets from the answers */
    json_t *callers = json_object(), *referrers = json_object(), *refout = json_object(), *definers = json_object(), *asked = json_object();
    size_t n_edges_given = 0, n_markers = 0;
    json_array_foreach(c.lines, i, x) {
        if (!i) continue;
        const char *m = json_string_value(json_object_get(x, "method"));
        json_t *params = json_object_get(x, "params"), *res = json_object_get(x, "result");
        lmkv_daemon_edge e[1024];
        size_t ne = 0;
        char uid[2048], from[1024][256];
        if (!strcmp(m, "callHierarchy/incomingCalls")) {
            item_uid(uid, sizeof uid, &c, f->d, json_object_get(params, "item"));
            set_add(callers, uid, NULL);
            if (!json_array_size(res)) {
                e[ne++] = edge(LMKV_DAEMON_CALLS, "none", uid, NULL, -1);
                n_markers++;
            }
            size_t j;
            json_t *call;
            json_array_foreach(res, j, call) {
                assert_true(ne < 1024);
                item_uid(from[ne], sizeof from[ne], &c, f->d, json_object_get(call, "from"));
                json_t *fr = json_array_get(json_object_get(call, "fromRanges"), 0);
                e[ne] = edge(LMKV_DAEMON_CALLS, from[ne], uid,
                             rel_of(&c, json_string_value(json_object_get(json_object_get(call, "from"), "uri"))),
                             ju(fr, "start", "line"));
                e[ne].start_char = ju(fr, "start", "character");
                set_add(callers, uid, from[ne]);
                ne++;
            }
        } else if (!strcmp(m, "textDocument/references") || !strcmp(m, "textDocument/definition") ||
                   !strcmp(m, "textDocument/implementation")) {
            const char *p = rel_of(&c, json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri")));
            json_t *pos = json_object_get(params, "position");
            uint32_t pl = (uint32_t)json_integer_value(json_object_get(pos, "line"));
            uint32_t pc = (uint32_t)json_integer_value(json_object_get(pos, "character"));
            const char *at = sym_at(&c, p, pl, pc, 1);
            if (!at) continue;
            snprintf(uid, sizeof uid, "%s", at);
            int rel = m[13] == 'r' ? LMKV_DAEMON_REFERENCES : m[13] == 'd' ? LMKV_DAEMON_DEFINITION : LMKV_DAEMON_IMPLEMENTATION;
            set_add(asked, uid, lmkv_daemon_relation_name(rel));
            json_t *locs = json_is_array(res) ? json_incref(res) : json_is_object(res) ? json_pack("[O]", res) : json_array();
            if (rel == LMKV_DAEMON_REFERENCES) set_add(referrers, uid, NULL);
            if (rel == LMKV_DAEMON_DEFINITION) set_add(definers, uid, NULL);
            size_t j;
            json_t *l;
            json_array_foreach(locs, j, l) {
                const char *lp = rel_of(&c, json_string_value(json_object_get(l, "uri")));
                json_t *r = json_object_get(l, "range");
                uint32_t ll = ju(r, "start", "line"), lc = ju(r, "start", "character");
                const char *other = rel == LMKV_DAEMON_REFERENCES ? sym_at(&c, lp, ll, lc, 0) : sym_at(&c, lp, ll, lc, 1);
                if (!other || ne >= 1024) continue;
                snprintf(from[ne], sizeof from[ne], "%s", other);
                if (rel == LMKV_DAEMON_REFERENCES) {
                    if (!strcmp(other, uid)) continue; /* a self-reference: dropped as the daemon's self-loops */
                    e[ne] = edge(rel, from[ne], uid, lp, ll);
                    set_add(referrers, uid, from[ne]);
                    set_add(refout, from[ne], uid);
                } else {
                    if (!strcmp(other, uid)) continue;
                    e[ne] = edge(rel, uid, from[ne], lp, ll);
                    if (rel == LMKV_DAEMON_DEFINITION) set_add(definers, from[ne], uid);
                }
                e[ne].start_char = lc;
                ne++;
            }
            if (!ne) {
                e[ne] = edge(rel, uid, "none", NULL, -1);
                e[ne].language = "unknown";
                e[ne++].metadata = "null_edge";
                n_markers++;
            }
            json_decref(locs);
        } else {
            continue;
        }
        lmkv_daemon_store_stats st;
        LMKV_TEST_OK(lmkv_daemon_store_edges(&st, f->d, e, ne));
        assert_int_equal(st.stored + st.duplicates + st.self_loops, ne);
        n_edges_given += st.stored;
    }
    assert_true(n_markers > 0);
    lmkv_daemon_edge *all;
    size_t nall;
    LMKV_TEST_OK(lmkv_daemon_edges_all(&all, &nall, f->d));
    assert_int_equal(nall, n_edges_given);
    assert_true(nall > 1000);
    lmkv_free(all);

    /* every callee's callers = clangd's incomingCalls `from` items */
    size_t checked = 0, with_callers = 0;
    json_t *set;
    json_object_foreach(callers, k, set) {
        int analysed;
        lmkv_daemon_symbol *item;
        lmkv_daemon_call *calls;
        size_t nin, n;
        LMKV_TEST_OK(lmkv_daemon_call_hierarchy(&analysed, &item, &calls, &nin, &n, f->d, k));
        assert_int_equal(analysed, 1);
        assert_non_null(item);
        json_t *got = json_object();
        for (size_t j = 0; j < nin; j++) json_object_set_new(got, calls[j].symbol_uid, json_true());
        if (!json_equal(got, set)) fprintf(stderr, "callers of %s: lmkv %zu, clangd %zu\n", k, json_object_size(got), json_object_size(set));
        assert_true(json_equal(got, set));
        assert_int_equal(nin, json_object_size(set)); /* one caller edge per (caller, callee) */
        with_callers += nin > 0;
        checked++;
        json_decref(got);
        lmkv_free(item);
        lmkv_free(calls);
    }
    assert_true(checked > 300);
    assert_true(with_callers > 100);

    /* every target's referrers = the enclosing symbols of clangd's references */
    size_t refs_total = 0;
    json_object_foreach(referrers, k, set) {
        lmkv_daemon_edge *r;
        size_t n;
        LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, k, LMKV_DAEMON_REFERENCES, LMKV_DAEMON_INCOMING));
        json_t *got = json_object();
        for (size_t j = 0; j < n; j++) json_object_set_new(got, r[j].source_symbol_uid, json_true());
        assert_true(json_equal(got, set));
        lmkv_free(r);
        lmkv_daemon_location *l;
        LMKV_TEST_OK(lmkv_daemon_references(&l, &n, f->d, k, 0));
        /* either end: the symbols referring to it, then those it refers to */
        json_t *outs = json_object_get(refout, k);
        assert_int_equal(n, json_object_size(set) + (outs ? json_object_size(outs) : 0));
        for (size_t j = 0; j < n; j++) assert_non_null(json_object_get(c.files, l[j].uri));
        refs_total += n;
        lmkv_free(l);
        json_decref(got);
    }
    assert_true(refs_total > 500);
    json_object_foreach(definers, k, set) {
        lmkv_daemon_location *l;
        size_t n;
        LMKV_TEST_OK(lmkv_daemon_definitions(&l, &n, f->d, k));
        assert_int_equal(n, json_object_size(set));
        lmkv_free(l);
    }

    /* a symbol asked for references, definition and implementation and with
       an incomingCalls answer needs nothing more */
    lmkv_daemon_enrichment *pe;
    size_t npe;
    LMKV_TEST_OK(lmkv_daemon_pending_enrichment(&pe, &npe, f->d, (size_t)-1));
    assert_true(npe > 0 && npe < nsym + 1000);
    for (size_t j = 0; j < npe; j++) {
        json_t *a = json_object_get(asked, pe[j].symbol.symbol_uid);
        if (a && json_object_get(a, "references") && json_object_get(a, "implementation") &&
            json_object_get(callers, pe[j].symbol.symbol_uid))
            fail_msg("%s was answered but is pending", pe[j].symbol.symbol_uid);
    }
    lmkv_free(pe);

    /* re-index: the same symbols again keep their ids; counts unchanged */
    lmkv_daemon_symbol *before, *after;
    size_t nb, na;
    LMKV_TEST_OK(lmkv_daemon_symbols_all(&before, &nb, f->d));
    json_object_clear(c.syms);
    json_array_foreach(c.lines, i, x) {
        if (!i || strcmp(json_string_value(json_object_get(x, "method")), "textDocument/documentSymbol")) continue;
        const char *p = rel_of(&c, json_string_value(json_object_get(json_object_get(json_object_get(x, "params"), "textDocument"), "uri")));
        doc_symbols(&c, f->d, p, json_object_get(x, "result"), NULL);
    }
    LMKV_TEST_OK(lmkv_daemon_symbols_all(&after, &na, f->d));
    assert_int_equal(na, nb);
    for (size_t j = 0; j < na; j++) {
        assert_int_equal(after[j].symbol_id, before[j].symbol_id);
        assert_string_equal(after[j].symbol_uid, before[j].symbol_uid);
    }
    lmkv_free(before);
    lmkv_free(after);
    json_decref(callers);
    json_decref(referrers);
    json_decref(refout);
    json_decref(definers);
    json_decref(asked);
    json_decref(c.lines);
    json_decref(c.files);
    json_decref(c.syms);
}

/* The stored queue records are schema/'s IndexerQueueItem ("LKIQ"). */
static void check_queue_records(lmkv_db *db, size_t want)
{
    lmkv_tree *q;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&q, db, "lmkv.daemon.queue", 17));
    lmkv_iter *it;
    LMKV_TEST_OK(lmkv_tree_iter(&it, q));
    lmkv_pair p;
    size_t n = 0;
    while (lmkv_iter_next(&p, it) == LMKV_OK) {
        lmkv_record_type ty;
        LMKV_TEST_OK(lmkv_record_type_of(&ty, p.value, p.value_size));
        assert_int_equal(ty, LMKV_REC_INDEXER_QUEUE_ITEM);
        LMKV_TEST_OK(lmkv_record_verify(LMKV_REC_INDEXER_QUEUE_ITEM, p.value, p.value_size));
        n++;
    }
    lmkv_iter_free(it);
    lmkv_tree_close(q);
    assert_int_equal(n, want);
}

static int meta_format(lmkv_db *db)
{
    lmkv_tree *meta;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&meta, db, "lmkv.daemon.meta", 16));
    lmkv_bytes v = {0};
    LMKV_TEST_OK(lmkv_tree_get(&v, meta, "format", 6));
    int f = v.size == 1 ? v.data[0] : -1;
    lmkv_free(v.data);
    lmkv_tree_close(meta);
    return f;
}

static void le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* The indexer queue in schema/'s FlatBuffers table: the bytes daemon/
 * stores decode with flatc (the official implementation); a db of format 1
 * (the module's own encoding) is read as it is read-only and converted on
 * a writable open. */
static void test_queue_records(void **state)
{
    fx *f = *state;
    LMKV_TEST_OK(lmkv_daemon_queue_file(f->d, 7, "c", 5));
    LMKV_TEST_OK(lmkv_daemon_queue_file(f->d, 8, "rust", 9));
    assert_int_equal(meta_format(f->db), 3);
    check_queue_records(f->db, 2);

    /* flatc reads a stored record (highest priority first: file 8) */
    lmkv_tree *q;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&q, f->db, "lmkv.daemon.queue", 17));
    lmkv_iter *it;
    LMKV_TEST_OK(lmkv_tree_iter(&it, q));
    lmkv_pair p;
    LMKV_TEST_OK(lmkv_iter_next(&p, it));
    char bin[4096], cmd[16384], js[4096];
    snprintf(bin, sizeof bin, "%s/queue.lkiq", f->dir);
    FILE *o = fopen(bin, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(p.value, 1, p.value_size, o), p.value_size);
    fclose(o);
    lmkv_iter_free(it);
    lmkv_tree_close(q);
    const char *root = getenv("LMKV_ROOT") ? getenv("LMKV_ROOT") : ".";
    snprintf(cmd, sizeof cmd,
             "flatc --json --strict-json --defaults-json --raw-binary -o '%s' '%s/schema/indexer_queue_item.fbs' -- '%s'",
             f->dir, root, bin);
    assert_int_equal(system(cmd), 0); /* flatc (Debian flatbuffers-compiler) is needed, as by t_schema_conformance */
    snprintf(js, sizeof js, "%s/queue.json", f->dir);
    json_error_t je;
    json_t *j = json_load_file(js, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "queue_id")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "file_id")), 8);
    assert_int_equal(json_integer_value(json_object_get(j, "priority")), 9);
    assert_string_equal(json_string_value(json_object_get(j, "language")), "rust");
    assert_string_equal(json_string_value(json_object_get(j, "operation")), "analyze");
    assert_string_equal(json_string_value(json_object_get(j, "status")), "pending");
    json_decref(j);

    /* a format 1 db: its queue records in the old encoding */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&q, f->db, "lmkv.daemon.queue", 17));
    LMKV_TEST_OK(lmkv_tree_iter(&it, q));
    uint8_t keys[2][12];
    size_t nk = 0;
    while (lmkv_iter_next(&p, it) == LMKV_OK) memcpy(keys[nk++], p.key, 12);
    lmkv_iter_free(it);
    assert_int_equal(nk, 2);
    const char *langs[2] = {"rust", "c"};
    const int64_t files[2] = {8, 7};
    const int32_t prios[2] = {9, 5};
    for (size_t i = 0; i < 2; i++) {
        uint8_t v[128];
        size_t n = 0;
        v[n++] = 1;
        le32(v + n, (uint32_t)files[i]); le32(v + n + 4, 0); n += 8;
        le32(v + n, (uint32_t)prios[i]); n += 4;
        const char *str[3] = {langs[i], "analyze", "pending"};
        for (int k = 0; k < 3; k++) {
            le32(v + n, (uint32_t)strlen(str[k]));
            memcpy(v + n + 4, str[k], strlen(str[k]));
            n += 4 + strlen(str[k]);
        }
        LMKV_TEST_OK(lmkv_tree_insert(NULL, q, keys[i], 12, v, n));
    }
    lmkv_tree_close(q);
    lmkv_tree *meta;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&meta, f->db, "lmkv.daemon.meta", 16));
    LMKV_TEST_OK(lmkv_tree_insert(NULL, meta, "format", 6, "\1", 1));
    lmkv_tree_close(meta);
    lmkv_db_close(f->db);

    /* read-only: read as it is, nothing converted */
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = f->dir;
    cfg.read_only = 1;
    LMKV_TEST_OK(lmkv_db_open(&f->db, &cfg));
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    lmkv_daemon_queue_item *qi;
    size_t n;
    LMKV_TEST_OK(lmkv_daemon_queue_list(&qi, &n, f->d));
    assert_int_equal(n, 2);
    assert_int_equal(qi[0].file_id, 8);
    assert_string_equal(qi[0].language, "rust");
    assert_int_equal(qi[0].queue_id, 2);
    assert_int_equal(qi[1].priority, 5);
    assert_string_equal(qi[1].status, "pending");
    lmkv_free(qi);
    assert_int_equal(meta_format(f->db), 1);
    lmkv_daemon_close(f->d);
    lmkv_db_close(f->db);

    /* writable: converted in one transaction */
    assert_int_equal(lmkv_db_open_path(&f->db, f->dir), LMKV_OK);
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    assert_int_equal(meta_format(f->db), 3);
    check_queue_records(f->db, 2);
    LMKV_TEST_OK(lmkv_daemon_queue_file(f->d, 9, "go", 9));
    LMKV_TEST_OK(lmkv_daemon_queue_list(&qi, &n, f->d));
    assert_int_equal(n, 3);
    assert_int_equal(qi[0].file_id, 8);
    assert_string_equal(qi[0].operation, "analyze");
    assert_int_equal(qi[1].file_id, 9); /* same priority: queueing order */
    assert_int_equal(qi[1].queue_id, 3);
    assert_int_equal(qi[2].file_id, 7);
    assert_string_equal(qi[2].language, "c");
    lmkv_free(qi);

    /* a damaged record: a clear error, not a guess */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&q, f->db, "lmkv.daemon.queue", 17));
    LMKV_TEST_OK(lmkv_tree_insert(NULL, q, keys[0], 12, "\1\2\3", 3));
    lmkv_tree_close(q);
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    assert_int_equal(lmkv_daemon_queue_list(&qi, &n, f->d), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "queue entry 2"));
}

/* flatc's (the official implementation's) JSON of the record `val` of
 * the table in schema/<fbs>. */
static json_t *flatc_json(const fx *f, const char *fbs, const void *val, size_t n)
{
    char bin[4096], cmd[16384], js[4096];
    snprintf(bin, sizeof bin, "%s/rec.bin", f->dir);
    FILE *o = fopen(bin, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(val, 1, n, o), n);
    fclose(o);
    const char *root = getenv("LMKV_ROOT") ? getenv("LMKV_ROOT") : ".";
    snprintf(cmd, sizeof cmd, "flatc --json --strict-json --defaults-json --raw-binary -o '%s' '%s/schema/%s' -- '%s'",
             f->dir, root, fbs, bin);
    assert_int_equal(system(cmd), 0); /* flatc (Debian flatbuffers-compiler) is needed, as by t_schema_conformance */
    snprintf(js, sizeof js, "%s/rec.json", f->dir);
    json_error_t je;
    json_t *j = json_load_file(js, 0, &je);
    assert_non_null(j);
    return j;
}

/* A run record in the module's own encoding (daemon formats 1 and 2). */
static size_t old_run(uint8_t *v, const char *const str[5])
{
    size_t n = 0;
    v[n++] = 1;
    for (int k = 0; k < 5; k++) {
        le32(v + n, (uint32_t)strlen(str[k]));
        memcpy(v + n + 4, str[k], strlen(str[k]));
        n += 4 + strlen(str[k]);
    }
    return n;
}

static void put_raw(lmkv_db *db, const char *tree, const void *k, size_t kn, const void *v, size_t vn)
{
    lmkv_tree *t;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&t, db, tree, strlen(tree)));
    LMKV_TEST_OK(lmkv_tree_insert(NULL, t, k, kn, v, vn));
    lmkv_tree_close(t);
}

/* The stored value at key be64(id) of system tree `tree` (the tree of
 * runs or of workspaces), as put_raw writes one. */
static void get_by_id(lmkv_db *db, const char *tree, int64_t id, lmkv_bytes *v)
{
    lmkv_tree *t;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&t, db, tree, strlen(tree)));
    uint8_t k[8];
    for (int i = 0; i < 8; i++) k[i] = (uint8_t)((uint64_t)id >> (56 - 8 * i));
    LMKV_TEST_OK(lmkv_tree_get(v, t, k, 8));
    lmkv_tree_close(t);
}

/* The stored run record of run `id`, read with schema/. */
static int get_run(lmkv_db *db, int64_t id, lmkv_bytes *v, lmkv_analysis_run *r)
{
    get_by_id(db, "lmkv.daemon.run", id, v);
    return lmkv_analysis_run_read(r, v->data, v->size);
}

/* Analysis runs in schema/'s AnalysisRun ("LKDR"): flatc decodes a stored
 * record; a format 2 db (runs in the module's own encoding) is read as it
 * is read-only and converted on a writable open, and a damaged one is
 * refused with nothing converted. */
static void test_run_records(void **state)
{
    fx *f = *state;
    int64_t r1, r2;
    LMKV_TEST_OK(lmkv_daemon_analysis_run_create(&r1, f->d, "clangd", "14.0.6", "cpp", "{\"background\":true}"));
    LMKV_TEST_OK(lmkv_daemon_analysis_run_create(&r2, f->d, "tree-sitter", "0.20", "c", "{}"));
    assert_int_equal(r2, 2);
    assert_int_equal(meta_format(f->db), 3);
    lmkv_bytes v = {0};
    lmkv_analysis_run r;
    LMKV_TEST_OK(get_run(f->db, r1, &v, &r));
    lmkv_record_type ty;
    LMKV_TEST_OK(lmkv_record_type_of(&ty, v.data, v.size));
    assert_int_equal(ty, LMKV_REC_ANALYSIS_RUN);
    json_t *j = flatc_json(f, "analysis_run.fbs", v.data, v.size);
    assert_int_equal(json_integer_value(json_object_get(j, "run_id")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "analyzer_name")), "clangd");
    assert_string_equal(json_string_value(json_object_get(j, "analyzer_version")), "14.0.6");
    assert_string_equal(json_string_value(json_object_get(j, "language")), "cpp");
    assert_string_equal(json_string_value(json_object_get(j, "config")), "{\"background\":true}");
    const char *at = json_string_value(json_object_get(j, "started_at"));
    assert_true(at && strlen(at) == 19 && at[4] == '-' && at[10] == ' ' && at[13] == ':');
    assert_string_equal(r.started_at, at);
    json_decref(j);
    lmkv_free(v.data);

    /* a format 2 db: its run records in the module's own encoding */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    const char *s1[5] = {"clangd", "14.0.6", "cpp", "{}", "2026-12-07 10:00:00"};
    const char *s2[5] = {"tree-sitter", "0.20", "c", "", "2026-12-07 10:00:01"};
    uint8_t k1[8] = {0, 0, 0, 0, 0, 0, 0, 1}, k2[8] = {0, 0, 0, 0, 0, 0, 0, 2}, ov[256];
    put_raw(f->db, "lmkv.daemon.run", k1, 8, ov, old_run(ov, s1));
    put_raw(f->db, "lmkv.daemon.run", k2, 8, ov, old_run(ov, s2));
    put_raw(f->db, "lmkv.daemon.meta", "format", 6, "\2", 1);
    lmkv_db_close(f->db);

    /* read-only: opened as it is, nothing converted */
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = f->dir;
    cfg.read_only = 1;
    LMKV_TEST_OK(lmkv_db_open(&f->db, &cfg));
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    assert_int_equal(meta_format(f->db), 2);
    assert_int_equal(get_run(f->db, 1, &v, &r), LMKV_ECORRUPT);
    assert_int_equal(v.data[0], 1);
    lmkv_free(v.data);
    lmkv_daemon_close(f->d);
    lmkv_db_close(f->db);

    /* writable: converted in one transaction, fields kept */
    assert_int_equal(lmkv_db_open_path(&f->db, f->dir), LMKV_OK);
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    assert_int_equal(meta_format(f->db), 3);
    LMKV_TEST_OK(get_run(f->db, 1, &v, &r));
    assert_int_equal(r.run_id, 1);
    assert_string_equal(r.analyzer_name, "clangd");
    assert_string_equal(r.config, "{}");
    assert_string_equal(r.started_at, "2026-12-07 10:00:00");
    lmkv_free(v.data);
    LMKV_TEST_OK(get_run(f->db, 2, &v, &r));
    assert_string_equal(r.analyzer_version, "0.20");
    assert_string_equal(r.config, "");
    assert_string_equal(r.started_at, "2026-12-07 10:00:01");
    lmkv_free(v.data);
    int64_t ws, r3;
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&ws, f->d, "w", 1, NULL));
    LMKV_TEST_OK(lmkv_daemon_link_file(f->d, ws, 10, 100));
    LMKV_TEST_OK(lmkv_daemon_file_analysis_set(f->d, ws, 10, 2, LMKV_DAEMON_FILE_COMPLETED));
    LMKV_TEST_OK(lmkv_daemon_analysis_run_create(&r3, f->d, "clangd", "14", "c", "{}"));
    assert_int_equal(r3, 3);

    /* a damaged format 2 run record: a clear error, nothing converted */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    put_raw(f->db, "lmkv.daemon.run", k1, 8, "\1\2\3", 3);
    put_raw(f->db, "lmkv.daemon.run", k2, 8, ov, old_run(ov, s2));
    put_raw(f->db, "lmkv.daemon.meta", "format", 6, "\2", 1);
    assert_int_equal(lmkv_daemon_open(&f->d, f->db), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "analysis run 1"));
    assert_int_equal(meta_format(f->db), 2);
    assert_int_equal(get_run(f->db, 2, &v, &r), LMKV_ECORRUPT);
    assert_int_equal(v.data[0], 1);
    lmkv_free(v.data);
}

/* A workspace record in the module's own encoding (daemon formats 1 and
 * 2): project, active, created_at, name, description, branch (NULL: none). */
static size_t old_ws(uint8_t *v, int64_t project, const char *const str[4])
{
    size_t n = 0;
    v[n++] = 1;
    le32(v + n, (uint32_t)project); le32(v + n + 4, 0); n += 8;
    v[n++] = 1;
    for (int k = 0; k < 4; k++) {
        le32(v + n, str[k] ? (uint32_t)strlen(str[k]) : 0xFFFFFFFFu);
        if (str[k]) memcpy(v + n + 4, str[k], strlen(str[k]));
        n += 4 + (str[k] ? strlen(str[k]) : 0);
    }
    return n;
}

/* The stored record of workspace `id`, read with schema/. */
static int get_ws(lmkv_db *db, int64_t id, lmkv_bytes *v, lmkv_daemon_workspace_record *w)
{
    get_by_id(db, "lmkv.daemon.ws", id, v);
    return lmkv_daemon_workspace_record_read(w, v->data, v->size);
}

/* Workspaces in schema/'s DaemonWorkspace ("LKDW"): flatc decodes a stored
 * record; a format 2 db (workspaces in the module's own encoding) is read
 * as it is read-only and converted on a writable open; a damaged record is
 * refused with nothing converted. */
static void test_workspace_records(void **state)
{
    fx *f = *state;
    int64_t a, b;
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&a, f->d, "main", 7, NULL));
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&b, f->d, "feature", 7, "topic"));
    LMKV_TEST_OK(lmkv_daemon_workspace_update_branch(f->d, a, "release"));
    lmkv_bytes v = {0};
    lmkv_daemon_workspace_record w;
    LMKV_TEST_OK(get_ws(f->db, a, &v, &w));
    lmkv_record_type ty;
    LMKV_TEST_OK(lmkv_record_type_of(&ty, v.data, v.size));
    assert_int_equal(ty, LMKV_REC_DAEMON_WORKSPACE);
    json_t *j = flatc_json(f, "daemon_workspace.fbs", v.data, v.size);
    assert_int_equal(json_integer_value(json_object_get(j, "workspace_id")), a);
    assert_int_equal(json_integer_value(json_object_get(j, "project_id")), 7);
    assert_true(json_is_true(json_object_get(j, "is_active")));
    assert_string_equal(json_string_value(json_object_get(j, "name")), "main");
    assert_string_equal(json_string_value(json_object_get(j, "branch_hint")), "release");
    assert_null(json_object_get(j, "description"));
    assert_string_equal(json_string_value(json_object_get(j, "created_at")), w.created_at);
    json_decref(j);
    lmkv_free(v.data);

    /* a format 2 db: its workspace records in the module's own encoding */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    const char *s1[4] = {"2026-12-07 10:00:00", "main", NULL, NULL};
    const char *s2[4] = {"2026-12-07 10:00:01", "feature", "the feature", "topic"};
    uint8_t k1[8] = {0, 0, 0, 0, 0, 0, 0, 1}, k2[8] = {0, 0, 0, 0, 0, 0, 0, 2}, ov[256];
    put_raw(f->db, "lmkv.daemon.ws", k1, 8, ov, old_ws(ov, 7, s1));
    put_raw(f->db, "lmkv.daemon.ws", k2, 8, ov, old_ws(ov, 8, s2));
    put_raw(f->db, "lmkv.daemon.meta", "format", 6, "\2", 1);
    lmkv_db_close(f->db);

    /* read-only: read as it is, nothing converted */
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = f->dir;
    cfg.read_only = 1;
    LMKV_TEST_OK(lmkv_db_open(&f->db, &cfg));
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    lmkv_daemon_workspace *ws;
    size_t n;
    LMKV_TEST_OK(lmkv_daemon_workspace_list(&ws, &n, f->d, 0, 0));
    assert_int_equal(n, 2);
    assert_string_equal(ws[0].name, "feature"); /* newest first */
    assert_string_equal(ws[0].description, "the feature");
    assert_int_equal(ws[0].project_id, 8);
    assert_string_equal(ws[1].created_at, "2026-12-07 10:00:00");
    assert_null(ws[1].branch_hint);
    lmkv_free(ws);
    assert_int_equal(meta_format(f->db), 2);
    lmkv_daemon_close(f->d);
    lmkv_db_close(f->db);

    /* writable: converted in one transaction, fields kept */
    assert_int_equal(lmkv_db_open_path(&f->db, f->dir), LMKV_OK);
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    assert_int_equal(meta_format(f->db), 3);
    LMKV_TEST_OK(get_ws(f->db, 2, &v, &w));
    assert_int_equal(w.workspace_id, 2);
    assert_int_equal(w.project_id, 8);
    assert_int_equal(w.is_active, 1);
    assert_string_equal(w.description, "the feature");
    assert_string_equal(w.branch_hint, "topic");
    assert_string_equal(w.created_at, "2026-12-07 10:00:01");
    lmkv_free(v.data);
    LMKV_TEST_OK(get_ws(f->db, 1, &v, &w));
    assert_null(w.description);
    assert_null(w.branch_hint);
    lmkv_free(v.data);
    LMKV_TEST_OK(lmkv_daemon_workspace_get(&ws, f->d, 1));
    assert_string_equal(ws[0].name, "main");
    lmkv_free(ws);

    /* a damaged format 2 record: a clear error, nothing converted */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    put_raw(f->db, "lmkv.daemon.ws", k1, 8, ov, old_ws(ov, 7, s1));
    put_raw(f->db, "lmkv.daemon.ws", k2, 8, "\1\2\3", 3);
    put_raw(f->db, "lmkv.daemon.meta", "format", 6, "\2", 1);
    assert_int_equal(lmkv_daemon_open(&f->d, f->db), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "workspace record 2"));
    assert_int_equal(meta_format(f->db), 2);
    assert_int_equal(get_ws(f->db, 1, &v, &w), LMKV_ECORRUPT);
    assert_int_equal(v.data[0], 1);
    lmkv_free(v.data);
}

/* The stored link of (ws, file), read with schema/. */
static int get_link(lmkv_db *db, const uint8_t k[16], lmkv_bytes *v, lmkv_daemon_file_link *l)
{
    lmkv_tree *t;
    LMKV_TEST_OK(lmkv_db_open_system_tree(&t, db, "lmkv.daemon.wsf", 15));
    LMKV_TEST_OK(lmkv_tree_get(v, t, k, 16));
    lmkv_tree_close(t);
    return lmkv_daemon_file_link_read(l, v->data, v->size);
}

static void link_key(uint8_t k[16], int64_t ws, int64_t file)
{
    for (int i = 0; i < 8; i++) k[i] = (uint8_t)((uint64_t)ws >> (56 - 8 * i));
    for (int i = 0; i < 8; i++) k[8 + i] = (uint8_t)((uint64_t)file >> (56 - 8 * i));
}

/* A link in formats 1 and 2: be64 file version, u8 status, be64 run. */
static void old_link(uint8_t v[17], int64_t fv, int status, int64_t run)
{
    for (int i = 0; i < 8; i++) v[i] = (uint8_t)((uint64_t)fv >> (56 - 8 * i));
    v[8] = (uint8_t)status;
    for (int i = 0; i < 8; i++) v[9 + i] = (uint8_t)((uint64_t)run >> (56 - 8 * i));
}

/* Workspace-file links in schema/'s DaemonFileLink ("LKDL"): flatc decodes
 * a stored record; a format 2 db (17 raw bytes a link) is read as it is
 * read-only and converted on a writable open; a damaged link is refused
 * with nothing converted. */
static void test_link_records(void **state)
{
    fx *f = *state;
    int64_t ws, run;
    LMKV_TEST_OK(lmkv_daemon_workspace_create(&ws, f->d, "main", 7, NULL));
    LMKV_TEST_OK(lmkv_daemon_analysis_run_create(&run, f->d, "clangd", "14", "c", "{}"));
    LMKV_TEST_OK(lmkv_daemon_link_file(f->d, ws, 10, 1000));
    LMKV_TEST_OK(lmkv_daemon_link_file(f->d, ws, 11, 1100));
    LMKV_TEST_OK(lmkv_daemon_link_file(f->d, ws, 12, 1200));
    LMKV_TEST_OK(lmkv_daemon_file_analysis_set(f->d, ws, 10, run, LMKV_DAEMON_FILE_COMPLETED));
    LMKV_TEST_OK(lmkv_daemon_file_analysis_set(f->d, ws, 11, run, LMKV_DAEMON_FILE_FAILED));
    LMKV_TEST_OK(lmkv_daemon_link_file(f->d, ws, 10, 1001)); /* a new version keeps the status */
    uint8_t k10[16], k11[16], k12[16];
    link_key(k10, ws, 10);
    link_key(k11, ws, 11);
    link_key(k12, ws, 12);
    lmkv_bytes v = {0};
    lmkv_daemon_file_link l;
    LMKV_TEST_OK(get_link(f->db, k10, &v, &l));
    lmkv_record_type ty;
    LMKV_TEST_OK(lmkv_record_type_of(&ty, v.data, v.size));
    assert_int_equal(ty, LMKV_REC_DAEMON_FILE_LINK);
    json_t *j = flatc_json(f, "daemon_file_link.fbs", v.data, v.size);
    assert_int_equal(json_integer_value(json_object_get(j, "workspace_id")), ws);
    assert_int_equal(json_integer_value(json_object_get(j, "file_id")), 10);
    assert_int_equal(json_integer_value(json_object_get(j, "file_version_id")), 1001);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), LMKV_DAEMON_FILE_COMPLETED);
    assert_int_equal(json_integer_value(json_object_get(j, "run_id")), run);
    json_decref(j);
    lmkv_free(v.data);

    /* a format 2 db: its links as 17 raw bytes */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    uint8_t ov[17];
    old_link(ov, 1000, LMKV_DAEMON_FILE_COMPLETED, run);
    put_raw(f->db, "lmkv.daemon.wsf", k10, 16, ov, 17);
    old_link(ov, 1100, LMKV_DAEMON_FILE_FAILED, run);
    put_raw(f->db, "lmkv.daemon.wsf", k11, 16, ov, 17);
    old_link(ov, 1200, 0, 0);
    put_raw(f->db, "lmkv.daemon.wsf", k12, 16, ov, 17);
    const char *s1[4] = {"2026-12-07 10:00:00", "main", NULL, NULL};
    const char *r1[5] = {"clangd", "14", "c", "{}", "2026-12-07 10:00:00"};
    uint8_t kw[8] = {0, 0, 0, 0, 0, 0, 0, 1}, wv[256];
    put_raw(f->db, "lmkv.daemon.ws", kw, 8, wv, old_ws(wv, 7, s1));
    put_raw(f->db, "lmkv.daemon.run", kw, 8, wv, old_run(wv, r1));
    put_raw(f->db, "lmkv.daemon.meta", "format", 6, "\2", 1);
    lmkv_db_close(f->db);

    /* read-only: read as it is, nothing converted */
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = f->dir;
    cfg.read_only = 1;
    LMKV_TEST_OK(lmkv_db_open(&f->db, &cfg));
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    lmkv_daemon_progress pr;
    LMKV_TEST_OK(lmkv_daemon_analysis_progress(&pr, f->d, ws));
    assert_int_equal(pr.total_files, 3);
    assert_int_equal(pr.analyzed_files, 1);
    assert_int_equal(pr.failed_files, 1);
    assert_int_equal(pr.pending_files, 1);
    assert_int_equal(meta_format(f->db), 2);
    lmkv_daemon_close(f->d);
    lmkv_db_close(f->db);

    /* writable: converted in one transaction, fields kept */
    assert_int_equal(lmkv_db_open_path(&f->db, f->dir), LMKV_OK);
    LMKV_TEST_OK(lmkv_daemon_open(&f->d, f->db));
    assert_int_equal(meta_format(f->db), 3);
    LMKV_TEST_OK(get_link(f->db, k11, &v, &l));
    assert_int_equal(l.workspace_id, ws);
    assert_int_equal(l.file_id, 11);
    assert_int_equal(l.file_version_id, 1100);
    assert_int_equal(l.status, LMKV_DAEMON_FILE_FAILED);
    assert_int_equal(l.run_id, run);
    lmkv_free(v.data);
    LMKV_TEST_OK(lmkv_daemon_file_analysis_set(f->d, ws, 12, run, LMKV_DAEMON_FILE_COMPLETED));
    LMKV_TEST_OK(lmkv_daemon_analysis_progress(&pr, f->d, ws));
    assert_int_equal(pr.total_files, 3);
    assert_int_equal(pr.analyzed_files, 2);
    assert_int_equal(pr.pending_files, 0);
    LMKV_TEST_OK(get_link(f->db, k12, &v, &l));
    assert_int_equal(l.file_version_id, 1200);
    lmkv_free(v.data);
    /* a damaged format 3 link: reads and writes name it, nothing written */
    put_raw(f->db, "lmkv.daemon.wsf", k12, 16, "\1\2\3", 3);
    assert_int_equal(lmkv_daemon_analysis_progress(&pr, f->d, ws), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "file link 1/12"));
    assert_int_equal(lmkv_daemon_link_file(f->d, ws, 12, 5), LMKV_ECORRUPT);
    assert_int_equal(get_link(f->db, k12, &v, &l), LMKV_ECORRUPT);
    assert_int_equal(v.size, 3);
    lmkv_free(v.data);

    /* a damaged format 2 link: a clear error, nothing converted */
    lmkv_daemon_close(f->d);
    f->d = NULL;
    old_link(ov, 1000, LMKV_DAEMON_FILE_COMPLETED, run);
    put_raw(f->db, "lmkv.daemon.wsf", k10, 16, ov, 17);
    put_raw(f->db, "lmkv.daemon.wsf", k11, 16, ov, 16);
    put_raw(f->db, "lmkv.daemon.ws", kw, 8, wv, old_ws(wv, 7, s1));
    put_raw(f->db, "lmkv.daemon.run", kw, 8, wv, old_run(wv, r1));
    put_raw(f->db, "lmkv.daemon.meta", "format", 6, "\2", 1);
    assert_int_equal(lmkv_daemon_open(&f->d, f->db), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "file link 1/11"));
    assert_int_equal(meta_format(f->db), 2);
    assert_int_equal(get_link(f->db, k10, &v, &l), LMKV_ECORRUPT);
    assert_int_equal(v.size, 17);
    lmkv_free(v.data);
}

/* SQLiteBackend::delete_none_edges_for_symbol: markers at either end, by
 * relation, counted once; real edges, other symbols' markers and ids kept. */
static void test_delete_none_edges(void **state)
{
    fx *f = *state;
    lmkv_daemon_symbol s[2] = {sym("a", "a.c", "a", "a", 0), sym("b", "a.c", "b", "b", 9)};
    LMKV_TEST_OK(lmkv_daemon_store_symbols(f->d, s, 2));
    lmkv_daemon_edge e[] = {
        edge(LMKV_DAEMON_CALLS, "a", "b", "a.c", 2),            /* real */
        edge(LMKV_DAEMON_CALLS, "none", "a", NULL, -1),         /* empty incomingCalls */
        edge(LMKV_DAEMON_CALLS, "a", "none", NULL, -1),         /* empty outgoingCalls */
        edge(LMKV_DAEMON_REFERENCES, "a", "none", NULL, -1),
        edge(LMKV_DAEMON_IMPLEMENTATION, "a", "none", NULL, -1),
        edge(LMKV_DAEMON_DEFINITION, "a", "none", NULL, -1),
        edge(LMKV_DAEMON_REFERENCES, "b", "none", NULL, -1),    /* another symbol's */
        edge(LMKV_DAEMON_REFERENCES, "a", "b", "a.c", 3),       /* real */
    };
    size_t ne = sizeof e / sizeof e[0];
    for (size_t i = 0; i < ne; i++)
        if (e[i].start_line < 0) { e[i].language = "unknown"; e[i].metadata = "null_edge"; }
    LMKV_TEST_OK(lmkv_daemon_store_edges(NULL, f->d, e, ne));
    uint64_t id_a, id_b, id2, n_del = 99;
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&id_a, f->d, "a"));
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&id_b, f->d, "b"));

    /* bad input: nothing deleted */
    int bad_rel[2] = {LMKV_DAEMON_CALLS, 13};
    assert_int_equal(lmkv_daemon_delete_none_edges(&n_del, f->d, "a", bad_rel, 2), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "relations[1]"));
    assert_int_equal(n_del, 0);
    assert_int_equal(lmkv_daemon_delete_none_edges(&n_del, f->d, "", NULL, 0), LMKV_EINVAL);
    assert_int_equal(lmkv_daemon_delete_none_edges(&n_del, f->d, "a", NULL, 1), LMKV_EINVAL);
    assert_int_equal(lmkv_daemon_delete_none_edges(NULL, f->d, "a", NULL, 0), LMKV_EINVAL);
    lmkv_daemon_edge *r;
    size_t n;
    LMKV_TEST_OK(lmkv_daemon_edges_all(&r, &n, f->d));
    assert_int_equal(n, ne);
    lmkv_free(r);

    /* the call hierarchy's two markers (both ends) */
    int calls = LMKV_DAEMON_CALLS;
    LMKV_TEST_OK(lmkv_daemon_delete_none_edges(&n_del, f->d, "a", &calls, 1));
    assert_int_equal(n_del, 2);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "a", LMKV_DAEMON_CALLS, LMKV_DAEMON_BOTH));
    assert_int_equal(n, 1); /* the real call only, in both trees */
    assert_string_equal(r[0].target_symbol_uid, "b");
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "none", LMKV_DAEMON_CALLS, LMKV_DAEMON_BOTH));
    assert_int_equal(n, 0); /* the twins went too */
    lmkv_free(r);
    int analysed;
    lmkv_daemon_symbol *item;
    lmkv_daemon_call *cl;
    size_t nin;
    LMKV_TEST_OK(lmkv_daemon_call_hierarchy(&analysed, &item, &cl, &nin, &n, f->d, "a"));
    assert_int_equal(analysed, 1); /* a real call remains */
    lmkv_free(item);
    lmkv_free(cl);
    /* again: nothing left of that relation */
    LMKV_TEST_OK(lmkv_daemon_delete_none_edges(&n_del, f->d, "a", &calls, 1));
    assert_int_equal(n_del, 0);

    /* every relation: references, implementation, definition markers of a */
    LMKV_TEST_OK(lmkv_daemon_delete_none_edges(&n_del, f->d, "a", NULL, 0));
    assert_int_equal(n_del, 3);
    LMKV_TEST_OK(lmkv_daemon_edges_all(&r, &n, f->d));
    assert_int_equal(n, 3); /* a -> b calls, a -> b references, b's marker */
    size_t markers = 0;
    for (size_t i = 0; i < n; i++) markers += !strcmp(r[i].target_symbol_uid, "none");
    assert_int_equal(markers, 1);
    lmkv_free(r);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "b", LMKV_DAEMON_REFERENCES, LMKV_DAEMON_OUTGOING));
    assert_int_equal(n, 1);
    assert_string_equal(r[0].target_symbol_uid, "none");
    lmkv_free(r);
    /* pending enrichment sees a's questions open again */
    lmkv_daemon_enrichment *pe;
    LMKV_TEST_OK(lmkv_daemon_pending_enrichment(&pe, &n, f->d, 10));
    assert_true(n >= 1);
    assert_string_equal(pe[0].symbol.symbol_uid, "a");
    assert_int_equal(pe[0].needs_implementations, 1);
    lmkv_free(pe);
    /* ids stable; unknown uid: 0 deleted, nothing created */
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&id2, f->d, "a"));
    assert_int_equal(id2, id_a);
    LMKV_TEST_OK(lmkv_daemon_symbol_id(&id2, f->d, "b"));
    assert_int_equal(id2, id_b);
    LMKV_TEST_OK(lmkv_daemon_delete_none_edges(&n_del, f->d, "never-seen", NULL, 0));
    assert_int_equal(n_del, 0);
    assert_int_equal(lmkv_daemon_symbol_id(&id2, f->d, "never-seen"), LMKV_NOTFOUND);

    /* "none" itself: a none -> none CALLS edge (CALLS keeps self-loops) */
    lmkv_daemon_edge nn = edge(LMKV_DAEMON_CALLS, "none", "none", NULL, -1);
    LMKV_TEST_OK(lmkv_daemon_store_edges(NULL, f->d, &nn, 1));
    LMKV_TEST_OK(lmkv_daemon_delete_none_edges(&n_del, f->d, "none", NULL, 0));
    assert_int_equal(n_del, 1);
    LMKV_TEST_OK(lmkv_daemon_edges_of(&r, &n, f->d, "none", 0, LMKV_DAEMON_BOTH));
    assert_int_equal(n, 1); /* b's references marker (incoming at none) */
    lmkv_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relation_names),
        cmocka_unit_test_setup_teardown(test_workspaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symbols, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_none_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workspace_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clangd_capture, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
