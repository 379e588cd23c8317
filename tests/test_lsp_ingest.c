/*
 * test_lsp_ingest.c -- lsp/lmkv_lsp.h on a real LMDB database: LSP answers
 * (documentSymbol in both shapes, incoming/outgoing calls, references,
 * definition/typeDefinition/implementation) become records that the store's
 * lookups return; UTF-16 columns on non-ASCII lines (2-, 3- and 4-byte
 * characters) convert to byte columns; re-ingest replaces a file's records
 * in one session; bad answers (malformed JSON, ranges outside the file,
 * unknown SymbolKind, a position inside a surrogate pair, a URI outside the
 * root) are refused with method and JSON path and leave nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmkv_lsp.h"
#include "util/lmkv_test_util.h"

#define ROOT "/ws/proj"

/* a.c: line 1 holds a 2-byte (é), a 3-byte (€) and a 4-byte (😀, two UTF-16
 * units) character before `callee`'s name. */
static const char A_C[] =
    "/* é€😀 */ int callee(int x) { return x; }\n" /* line 0 */
    "int caller(void) {\n"                          /* line 1 */
    "    return callee(1) + callee(2);\n"           /* line 2 */
    "}\n";
static const char B_C[] =
    "int callee(int x);\n"
    "int other(void) { return callee(3); }\n";

typedef struct fx {
    char *dir;
    lmkv_db *db;
    lmkv_store *st;
    uint64_t ws;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = lmkv_test_tmpdir("lsp");
    assert_int_equal(lmkv_db_open_path(&f->db, f->dir), LMKV_OK);
    assert_int_equal(lmkv_store_open(&f->st, f->db), LMKV_OK);
    assert_int_equal(lmkv_workspace_id(&f->ws, ROOT), LMKV_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    lmkv_store_close(f->st);
    lmkv_db_close(f->db);
    lmkv_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void answer_ok(lmkv_lsp_ingest *g, const char *m, const char *p, const char *r)
{
    int rc = lmkv_lsp_ingest_answer(g, m, p, strlen(p), r, strlen(r));
    if (rc) fail_msg("%s: %s", m, lmkv_errmsg());
}

/* the answer is refused with `code` and a message containing every
 * '|'-separated part of `want`; a part "@result:TOKEN" (or "@params:TOKEN")
 * stands for "(result byte N)" with N the offset of TOKEN in that text */
static void answer_bad(lmkv_lsp_ingest *g, int code, const char *want, const char *m, const char *p, const char *r)
{
    int rc = lmkv_lsp_ingest_answer(g, m, p, strlen(p), r, strlen(r));
    assert_int_equal(rc, code);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", want);
    for (char *part = strtok(buf, "|"); part; part = strtok(NULL, "|")) {
        char exp[160];
        if (part[0] == '@') {
            int res = !strncmp(part, "@result:", 8);
            const char *txt = res ? r : p, *tok = strstr(txt, part + 8);
            assert_non_null(tok);
            snprintf(exp, sizeof exp, "(%s byte %ld)", res ? "result" : "params", (long)(tok - txt));
        } else {
            snprintf(exp, sizeof exp, "%s", part);
        }
        if (!strstr(lmkv_errmsg(), exp)) fail_msg("message \"%s\" lacks \"%s\"", lmkv_errmsg(), exp);
    }
}

#define DOC_A "{\"textDocument\":{\"uri\":\"file://" ROOT "/a.c\"}}"
#define DOC_B "{\"textDocument\":{\"uri\":\"file://" ROOT "/b.c\"}}"
// callee's name starts at byte 20 (0-based) = UTF-16 unit 15: comment opener and space 3, e-acute 1, euro 1, emoji 2, closer and " int " 8
#define CALLEE_SEL "{\"start\":{\"line\":0,\"character\":15},\"end\":{\"line\":0,\"character\":21}}"
#define CALLEE_RANGE "{\"start\":{\"line\":0,\"character\":11},\"end\":{\"line\":0,\"character\":42}}"
#define CALLEE_ITEM "{\"name\":\"callee\",\"kind\":12,\"uri\":\"file://" ROOT "/a.c\",\"range\":" CALLEE_RANGE ",\"selectionRange\":" CALLEE_SEL "}"
#define CALLER_ITEM "{\"name\":\"caller\",\"kind\":12,\"uri\":\"file://" ROOT "/a.c\",\"range\":{\"start\":{\"line\":1,\"character\":0},\"end\":{\"line\":3,\"character\":1}},\"selectionRange\":{\"start\":{\"line\":1,\"character\":4},\"end\":{\"line\":1,\"character\":10}}}"
#define OTHER_ITEM "{\"name\":\"other\",\"kind\":12,\"uri\":\"file://" ROOT "/b.c\",\"range\":{\"start\":{\"line\":1,\"character\":0},\"end\":{\"line\":1,\"character\":37}},\"selectionRange\":{\"start\":{\"line\":1,\"character\":4},\"end\":{\"line\":1,\"character\":9}}}"

static const char SYMS_A[] =
    "[{\"name\":\"callee\",\"detail\":\"int (int)\",\"kind\":12,\"range\":" CALLEE_RANGE ",\"selectionRange\":" CALLEE_SEL
    ",\"children\":[{\"name\":\"x\",\"kind\":13,\"range\":{\"start\":{\"line\":0,\"character\":22},\"end\":{\"line\":0,\"character\":27}},"
    "\"selectionRange\":{\"start\":{\"line\":0,\"character\":26},\"end\":{\"line\":0,\"character\":27}}}]},"
    "{\"name\":\"caller\",\"kind\":12,\"range\":{\"start\":{\"line\":1,\"character\":0},\"end\":{\"line\":3,\"character\":1}},"
    "\"selectionRange\":{\"start\":{\"line\":1,\"character\":4},\"end\":{\"line\":1,\"character\":10}}}]";
/* SymbolInformation[] shape */
static const char SYMS_B[] =
    "[{\"name\":\"callee\",\"kind\":12,\"location\":{\"uri\":\"file://" ROOT "/b.c\",\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":0,\"character\":18}}}},"
    "{\"name\":\"other\",\"kind\":12,\"location\":{\"uri\":\"file://" ROOT "/b.c\",\"range\":{\"start\":{\"line\":1,\"character\":0},\"end\":{\"line\":1,\"character\":37}}}}]";

static lmkv_lsp_ingest *ingest_ab(fx *f)
{
    lmkv_lsp_ingest *g;
    assert_int_equal(lmkv_lsp_ingest_new(&g, f->ws, ROOT "/"), LMKV_OK);
    assert_int_equal(lmkv_lsp_ingest_add_file(NULL, g, "a.c", A_C, strlen(A_C), "c"), LMKV_OK);
    assert_int_equal(lmkv_lsp_ingest_add_file(NULL, g, "b.c", B_C, strlen(B_C), "c"), LMKV_OK);
    answer_ok(g, "textDocument/documentSymbol", DOC_A, SYMS_A);
    answer_ok(g, "textDocument/documentSymbol", DOC_B, SYMS_B);
    /* incoming calls of callee: two sites in caller (a.c line 2), one in other (b.c) */
    answer_ok(g, "callHierarchy/incomingCalls", "{\"item\":" CALLEE_ITEM "}",
              "[{\"from\":" CALLER_ITEM ",\"fromRanges\":[{\"start\":{\"line\":2,\"character\":11},\"end\":{\"line\":2,\"character\":17}},"
              "{\"start\":{\"line\":2,\"character\":25},\"end\":{\"line\":2,\"character\":31}}]},"
              "{\"from\":" OTHER_ITEM ",\"fromRanges\":[{\"start\":{\"line\":1,\"character\":25},\"end\":{\"line\":1,\"character\":31}}]}]");
    /* outgoing calls of caller: the same two sites again (kept once) */
    answer_ok(g, "callHierarchy/outgoingCalls", "{\"item\":" CALLER_ITEM "}",
              "[{\"to\":" CALLEE_ITEM ",\"fromRanges\":[{\"start\":{\"line\":2,\"character\":11},\"end\":{\"line\":2,\"character\":17}},"
              "{\"start\":{\"line\":2,\"character\":25},\"end\":{\"line\":2,\"character\":31}}]}]");
    /* references of callee (includeDeclaration): its name on line 0, b.c's prototype and call */
    answer_ok(g, "textDocument/references",
              "{\"textDocument\":{\"uri\":\"file://" ROOT "/a.c\"},\"position\":{\"line\":0,\"character\":15},\"context\":{\"includeDeclaration\":true}}",
              "[{\"uri\":\"file://" ROOT "/a.c\",\"range\":" CALLEE_SEL "},"
              "{\"uri\":\"file://" ROOT "/b.c\",\"range\":{\"start\":{\"line\":0,\"character\":4},\"end\":{\"line\":0,\"character\":10}}},"
              "{\"uri\":\"file://" ROOT "/b.c\",\"range\":{\"start\":{\"line\":1,\"character\":25},\"end\":{\"line\":1,\"character\":31}}},"
              "{\"uri\":\"file:///usr/include/elsewhere.h\",\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":0,\"character\":1}}}]");
    return g;
}

typedef struct seen {
    char buf[16][128];
    int n;
} seen;

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

static int on_call(void *ctx, const lmkv_call *c)
{
    seen *s = ctx;
    snprintf(s->buf[s->n++], 128, "%s %s:%u:%u %s", c->caller_name, c->file_path, c->line, c->column,
             c->caller_id ? "id" : "noid");
    return 0;
}

static int on_ref(void *ctx, const lmkv_reference *r)
{
    seen *s = ctx;
    snprintf(s->buf[s->n++], 128, "%s:%u:%u-%u:%u %s %s%s", r->file_path, r->start_line, r->start_column, r->end_line,
             r->end_column, r->source_name ? r->source_name : "-", r->target_name, r->is_declaration ? " decl" : "");
    return 0;
}

static int on_sym(void *ctx, const lmkv_symbol *y)
{
    seen *s = ctx;
    snprintf(s->buf[s->n++], 128, "%s %s %s %u:%u-%u:%u %s", y->file_path, y->qualified_name, lmkv_symbol_kind_name(y->kind),
             y->start_line, y->start_column, y->end_line, y->end_column, y->parent_name ? y->parent_name : "-");
    return 0;
}

static void test_position_conversion(void **state)
{
    (void)state;
    uint32_t l, c;
    // line 0: e-acute at byte 3, euro at 5, emoji at 8 (4 bytes), space at 12
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 0, 3), LMKV_OK);
    assert_int_equal(c, 4);
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 0, 4), LMKV_OK);
    assert_int_equal(c, 6); /* after é (2 bytes) */
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 0, 5), LMKV_OK);
    assert_int_equal(c, 9); /* after € (3 bytes) */
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 0, 7), LMKV_OK);
    assert_int_equal(c, 13); /* after 😀 (4 bytes, 2 units) */
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 0, 6), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "surrogate"));
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 2, 4), LMKV_OK);
    assert_int_equal(l, 3);
    assert_int_equal(c, 5);
    /* past the line's end: its end (LSP); the line after the final newline exists */
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, "ab\r\ncd", 6, 0, 99), LMKV_OK);
    assert_int_equal(c, 3);
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, "ab\r\ncd", 6, 1, 1), LMKV_OK);
    assert_int_equal(c, 2);
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 4, 0), LMKV_OK);
    assert_int_equal(lmkv_lsp_position_to_byte(&l, &c, A_C, strlen(A_C), 5, 0), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "past the last line"));
    lmkv_lsp_method m;
    assert_int_equal(lmkv_lsp_method_from_name(&m, "callHierarchy/outgoingCalls"), LMKV_OK);
    assert_int_equal(m, LMKV_LSP_OUTGOING_CALLS);
    assert_string_equal(lmkv_lsp_method_name(LMKV_LSP_TYPE_DEFINITION), "textDocument/typeDefinition");
    assert_int_equal(lmkv_lsp_method_from_name(&m, "textDocument/hover"), LMKV_NOTFOUND);
    assert_null(lmkv_lsp_method_name(99));
    assert_string_equal(lmkv_lsp_language_of("src/a.c"), "c");
    assert_string_equal(lmkv_lsp_language_of("include/x.hpp"), "cpp");
    assert_string_equal(lmkv_lsp_language_of("lib.rs"), "rust");
    assert_string_equal(lmkv_lsp_language_of("ui/App.tsx"), "typescript");
    assert_string_equal(lmkv_lsp_language_of("dist/x.cjs"), "javascript");
    assert_string_equal(lmkv_lsp_language_of("m.py"), "python");
    assert_string_equal(lmkv_lsp_language_of("main.go"), "go");
    assert_string_equal(lmkv_lsp_language_of("A.java"), "java");
    assert_null(lmkv_lsp_language_of("Makefile"));
    assert_null(lmkv_lsp_language_of("a.d/Makefile")); /* a dot in a directory is no extension */
    assert_null(lmkv_lsp_language_of("a.C"));          /* case-sensitive */
    assert_null(lmkv_lsp_language_of(NULL));
}

static void test_ingest_and_lookups(void **state)
{
    fx *f = *state;
    lmkv_lsp_ingest *g = ingest_ab(f);
    lmkv_lsp_ingest_stats st;
    assert_int_equal(lmkv_lsp_ingest_commit(&st, g, f->st), LMKV_OK);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.answers, 5);
    assert_int_equal(st.symbols, 5);
    assert_int_equal(st.calls, 3);
    assert_int_equal(st.duplicates, 2);
    assert_int_equal(st.references, 3);
    assert_int_equal(st.outside, 1);
    assert_int_equal(st.hierarchy, 1);
    lmkv_lsp_ingest_free(g);

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    seen s = {.n = 0};
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "callee", 6, 0, on_call, &s), LMKV_OK);
    assert_int_equal(s.n, 3);
    /* byte columns: "    return callee(1) + callee(2);" -> 12 and 26 (ASCII line) */
    int found = 0;
    for (int i = 0; i < s.n; i++) {
        if (!strcmp(s.buf[i], "caller a.c:3:12 id") || !strcmp(s.buf[i], "caller a.c:3:26 id") ||
            !strcmp(s.buf[i], "other b.c:2:26 id"))
            found++;
        else
            fail_msg("unexpected call %s", s.buf[i]);
    }
    assert_int_equal(found, 3);
    s.n = 0;
    assert_int_equal(lmkv_store_refs_to(t, f->ws, "callee", 6, 0, on_ref, &s), LMKV_OK);
    assert_int_equal(s.n, 3);
    qsort(s.buf, (size_t)s.n, sizeof s.buf[0], cmp_str);
    /* b.c came as SymbolInformation[] (no selectionRange): its prototype contains its own name, so it is the source.
     * the declaration on the non-ASCII line: UTF-16 15..21 = byte columns 21..27 (1-based) */
    assert_string_equal(s.buf[0], "a.c:1:21-1:27 - callee decl");
    assert_string_equal(s.buf[1], "b.c:1:5-1:11 callee callee");
    assert_string_equal(s.buf[2], "b.c:2:26-2:32 other callee");
    s.n = 0;
    assert_int_equal(lmkv_store_symbols_by_qname(t, f->ws, "callee::x", 9, 0, on_sym, &s), LMKV_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.buf[0], "a.c callee::x Variable 1:28-1:33 callee");
    s.n = 0;
    assert_int_equal(lmkv_store_symbols_by_name(t, f->ws, "callee", 6, 0, on_sym, &s), LMKV_OK);
    assert_int_equal(s.n, 2);
    lmkv_store_txn_end(t);
}

static int count_call(void *ctx, const lmkv_call *c) { (void)c; ++*(int *)ctx; return 0; }

static void test_reingest_replaces(void **state)
{
    fx *f = *state;
    lmkv_lsp_ingest *g = ingest_ab(f);
    assert_int_equal(lmkv_lsp_ingest_commit(NULL, g, f->st), LMKV_OK);
    lmkv_lsp_ingest_free(g);
    /* a.c edited: caller now calls callee once; b.c unchanged is re-sent too */
    static const char A2[] =
        "/* é€😀 */ int callee(int x) { return x; }\n"
        "int caller(void) {\n"
        "    return callee(1);\n"
        "}\n";
    assert_int_equal(lmkv_lsp_ingest_new(&g, f->ws, ROOT), LMKV_OK);
    uint64_t fv_new;
    assert_int_equal(lmkv_lsp_ingest_add_file(&fv_new, g, "a.c", A2, strlen(A2), "c"), LMKV_OK);
    answer_ok(g, "textDocument/documentSymbol", DOC_A, SYMS_A);
    answer_ok(g, "callHierarchy/outgoingCalls", "{\"item\":" CALLER_ITEM "}",
              "[{\"to\":" CALLEE_ITEM ",\"fromRanges\":[{\"start\":{\"line\":2,\"character\":11},\"end\":{\"line\":2,\"character\":17}}]}]");
    assert_int_equal(lmkv_lsp_ingest_commit(NULL, g, f->st), LMKV_OK);
    lmkv_lsp_ingest_free(g);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    int n = 0;
    assert_int_equal(lmkv_store_calls_to(t, f->ws, "callee", 6, 0, count_call, &n), LMKV_OK);
    assert_int_equal(n, 2); /* a.c's one + b.c's one: the old version's two are not current */
    lmkv_store_current cur;
    assert_int_equal(lmkv_store_current_get(&cur, t, f->ws, "a.c", 3), LMKV_OK);
    assert_true(cur.fv == fv_new);
    lmkv_store_txn_end(t);
    size_t problems = 99;
    assert_int_equal(lmkv_store_verify(&problems, f->st, NULL, NULL), LMKV_OK);
    assert_int_equal(problems, 0);
}

static void test_bad_answers(void **state)
{
    fx *f = *state;
    lmkv_lsp_ingest *g;
    assert_int_equal(lmkv_lsp_ingest_new(&g, f->ws, ROOT), LMKV_OK);
    assert_int_equal(lmkv_lsp_ingest_add_file(NULL, g, "a.c", A_C, strlen(A_C), "c"), LMKV_OK);
    assert_int_equal(lmkv_lsp_ingest_add_file(NULL, g, "a.c", B_C, strlen(B_C), "c"), LMKV_EINVAL);
    answer_bad(g, LMKV_EPARSE, "result: malformed JSON at byte 10", "textDocument/documentSymbol", DOC_A, "[{\"name\":}]");
    answer_bad(g, LMKV_EPARSE, "params: malformed JSON", "textDocument/documentSymbol", "{", "[]");
    answer_bad(g, LMKV_EPARSE, "at result[1].kind|@result:27,|: unknown SymbolKind 27", "textDocument/documentSymbol", DOC_A,
               "[{\"name\":\"callee\",\"kind\":12,\"range\":" CALLEE_RANGE ",\"selectionRange\":" CALLEE_SEL "},"
               "{\"name\":\"bad\",\"kind\":27,\"range\":" CALLEE_RANGE ",\"selectionRange\":" CALLEE_SEL "}]");
    answer_bad(g, LMKV_EPARSE, "at result[0].children[0].range.start|@result:{\"line\":40|: line 40 is outside a.c (5 lines)",
               "textDocument/documentSymbol", DOC_A,
               "[{\"name\":\"callee\",\"kind\":12,\"range\":" CALLEE_RANGE ",\"selectionRange\":" CALLEE_SEL ","
               "\"children\":[{\"name\":\"x\",\"kind\":13,\"range\":{\"start\":{\"line\":40,\"character\":0},\"end\":{\"line\":40,\"character\":1}},"
               "\"selectionRange\":" CALLEE_SEL "}]}]");
    answer_bad(g, LMKV_EPARSE, "surrogate pair", "textDocument/references",
               "{\"textDocument\":{\"uri\":\"file://" ROOT "/a.c\"},\"position\":{\"line\":0,\"character\":6}}", "[]");
    answer_bad(g, LMKV_EPARSE, "at params.textDocument.uri|@params:\"file:///elsewhere|: \"file:///elsewhere/a.c\" is not under the workspace root",
               "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"file:///elsewhere/a.c\"}}", "[]");
    answer_bad(g, LMKV_EPARSE, "the file was not added", "textDocument/documentSymbol", DOC_B, "[]");
    answer_bad(g, LMKV_EPARSE, "at result[0].fromRanges[0].start.character|@result:-1}|: -1 is not a uinteger",
               "callHierarchy/outgoingCalls", "{\"item\":" CALLER_ITEM "}",
               "[{\"to\":" CALLEE_ITEM ",\"fromRanges\":[{\"start\":{\"line\":2,\"character\":-1},\"end\":{\"line\":2,\"character\":17}}]}]");
    answer_bad(g, LMKV_EPARSE, "at result (result byte 0): not an array", "textDocument/documentSymbol", DOC_A, "42");
    answer_bad(g, LMKV_EINVAL, "not one lmkv ingests", "textDocument/hover", DOC_A, "null");
    /* a refused answer after good calls of the same answer keeps none of them:
     * the first fromRange is fine, the second is outside the file */
    answer_bad(g, LMKV_EPARSE, "line 9 is outside", "callHierarchy/outgoingCalls", "{\"item\":" CALLER_ITEM "}",
               "[{\"to\":" CALLEE_ITEM ",\"fromRanges\":[{\"start\":{\"line\":2,\"character\":11},\"end\":{\"line\":2,\"character\":17}},"
               "{\"start\":{\"line\":9,\"character\":0},\"end\":{\"line\":9,\"character\":1}}]}]");
    /* null results and empty arrays are "analysed, nothing found" */
    answer_ok(g, "textDocument/definition",
              "{\"textDocument\":{\"uri\":\"file://" ROOT "/a.c\"},\"position\":{\"line\":0,\"character\":15}}", "null");
    answer_ok(g, "callHierarchy/incomingCalls", "{\"item\":" CALLER_ITEM "}", "[]");
    lmkv_lsp_ingest_stats st;
    assert_int_equal(lmkv_lsp_ingest_commit(&st, g, f->st), LMKV_OK);
    assert_int_equal(st.answers, 2);
    assert_int_equal(st.empty, 2);
    assert_int_equal(st.calls, 0);
    assert_int_equal(st.references, 0);
    lmkv_lsp_ingest_free(g);
}

static void test_definition_like(void **state)
{
    fx *f = *state;
    lmkv_lsp_ingest *g = ingest_ab(f);
    /* definition of `callee` at b.c's call: a LocationLink to a.c */
    answer_ok(g, "textDocument/definition",
              "{\"textDocument\":{\"uri\":\"file://" ROOT "/b.c\"},\"position\":{\"line\":1,\"character\":26}}",
              "[{\"targetUri\":\"file://" ROOT "/a.c\",\"targetRange\":" CALLEE_RANGE ",\"targetSelectionRange\":" CALLEE_SEL "}]");
    /* typeDefinition as one Location into a file not added: named from the request position */
    answer_ok(g, "textDocument/typeDefinition",
              "{\"textDocument\":{\"uri\":\"file://" ROOT "/b.c\"},\"position\":{\"line\":1,\"character\":26}}",
              "{\"uri\":\"file:///usr/include/x.h\",\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":0,\"character\":1}}}");
    answer_ok(g, "textDocument/implementation",
              "{\"textDocument\":{\"uri\":\"file://" ROOT "/b.c\"},\"position\":{\"line\":0,\"character\":5}}",
              "[{\"uri\":\"file://" ROOT "/a.c\",\"range\":" CALLEE_SEL "}]");
    lmkv_lsp_ingest_stats st;
    assert_int_equal(lmkv_lsp_ingest_commit(&st, g, f->st), LMKV_OK);
    /* the definition at b.c's call site is that reference again (kept once, with its range) */
    assert_int_equal(st.references, 4);
    assert_int_equal(st.duplicates, 3);
    assert_int_equal(st.hierarchy, 2);
    lmkv_lsp_ingest_free(g);
    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    seen s = {.n = 0};
    assert_int_equal(lmkv_store_refs_to(t, f->ws, "callee", 6, 0, on_ref, &s), LMKV_OK);
    assert_int_equal(s.n, 4); /* 3 references + the typeDefinition at b.c:2:26 (its identifier's range) */
    qsort(s.buf, (size_t)s.n, sizeof s.buf[0], cmp_str);
    assert_string_equal(s.buf[2], "b.c:2:26-2:32 other callee");
    assert_string_equal(s.buf[3], "b.c:2:26-2:32 other callee");
    lmkv_store_txn_end(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_position_conversion),
        cmocka_unit_test_setup_teardown(test_ingest_and_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reingest_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_definition_like, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
