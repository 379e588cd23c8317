/*
 * test_tools_extract.c -- the C extractor (tools/lmkv/extract_c.c) on small
 * real C files written to $LMKV_TEST_TMP and on LMDB's midl.c, running the
 * real Universal Ctags and GNU cflow. The extractor lives in the lmkv tool
 * (not a library module), so it is compiled into this program directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../tools/lmkv/extract_c.c"
#include "util/lmkv_test_util.h"

static char *dir;

static void write_file(const char *name, const char *text, size_t len)
{
    char *p = lmkv_test_path(dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    free(p);
}

static const struct xc_symbol *find_sym(const struct xc_file *f, const char *q, enum xc_ckind k)
{
    for (size_t i = 0; i < f->nsyms; i++)
        if (strcmp(f->syms[i].qualified, q) == 0 && f->syms[i].ckind == k) return &f->syms[i];
    return NULL;
}

static size_t count_calls(const struct xc_file *f, const char *caller, const char *callee, uint32_t line)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ncalls; i++)
        if (!strcmp(f->calls[i].caller, caller) && !strcmp(f->calls[i].callee, callee) &&
            (!line || f->calls[i].line == line)) n++;
    return n;
}

static const struct xc_ref *find_ref(const struct xc_file *f, const char *target, uint32_t line)
{
    for (size_t i = 0; i < f->nrefs; i++)
        if (!strcmp(f->refs[i].target, target) && f->refs[i].line == line) return &f->refs[i];
    return NULL;
}

static const char demo_c[] =
    "#include <stdio.h>\n"                                         /* 1 */
    "#define SQUARE(x) ((x) * (x))\n"                              /* 2 */
    "struct point { int x; int y; };\n"                            /* 3 */
    "typedef struct point point_t;\n"                              /* 4 */
    "enum color { RED, GREEN };\n"                                 /* 5 */
    "static int counter;\n"                                        /* 6 */
    "int helper(int v);\n"                                         /* 7 */
    "static int twice(int v) { return v * 2; }\n"                  /* 8 */
    "int helper(int v)\n"                                          /* 9 */
    "{\n"                                                          /* 10 */
    "    /* helper(1) in a comment is no call */\n"                /* 11 */
    "    const char *s = \"twice(2) in a string\";\n"              /* 12 */
    "    counter += 1;\n"                                          /* 13 */
    "    (void)s;\n"                                               /* 14 */
    "    return twice(v) + SQUARE(v);\n"                           /* 15 */
    "}\n"                                                          /* 16 */
    "int area(point_t *p)\n"                                       /* 17 */
    "{\n"                                                          /* 18 */
    "    int counter = p->x;\n"                                    /* 19: shadows the global */
    "    struct point q = *p;\n"                                   /* 20 */
    "    printf(\"%d\\n\", counter + q.y + RED);\n"                /* 21 */
    "    return helper(p->x) * helper(p->y);\n"                    /* 22 */
    "}\n"                                                          /* 23 */
    "#if 0\n"                                                      /* 24 */
    "int hidden(void) { return helper(3); }\n"                     /* 25 */
    "#endif\n";                                                    /* 26 */

static int setup(void **state)
{
    (void)state;
    dir = lmkv_test_tmpdir("extract");
    write_file("demo.c", demo_c, sizeof demo_c - 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lmkv_test_rmtree(dir);
    free(dir);
    return 0;
}

static void test_symbols(void **state)
{
    (void)state;
    struct xc_file *f = NULL;
    assert_int_equal(xc_symbols(&f, dir, "demo.c"), 0);
    const struct xc_symbol *s;
    assert_non_null(s = find_sym(f, "helper", XC_K_FUNCTION));
    assert_int_equal(s->line, 9); assert_int_equal(s->end_line, 16);
    assert_int_equal(s->lsp_kind, 12); assert_int_equal(s->is_static, 0); assert_int_equal(s->is_definition, 1);
    assert_string_equal(s->signature, "int helper(int v)");
    assert_int_equal(s->column, 5);
    assert_non_null(s = find_sym(f, "helper", XC_K_PROTOTYPE));
    assert_int_equal(s->line, 7); assert_int_equal(s->is_definition, 0);
    assert_non_null(s = find_sym(f, "twice", XC_K_FUNCTION));
    assert_int_equal(s->is_static, 1);
    assert_non_null(s = find_sym(f, "SQUARE", XC_K_MACRO));
    assert_int_equal(s->lsp_kind, 14);
    assert_non_null(s = find_sym(f, "point", XC_K_STRUCT));
    assert_int_equal(s->lsp_kind, 23);
    assert_non_null(s = find_sym(f, "point::y", XC_K_MEMBER));
    assert_string_equal(s->name, "y"); assert_string_equal(s->scope, "point"); assert_int_equal(s->lsp_kind, 8);
    assert_non_null(s = find_sym(f, "color::GREEN", XC_K_ENUMERATOR));
    assert_int_equal(s->lsp_kind, 22);
    assert_non_null(find_sym(f, "point_t", XC_K_TYPEDEF));
    assert_non_null(s = find_sym(f, "counter", XC_K_VARIABLE));
    assert_int_equal(s->is_static, 1);
    /* locals and parameters are never symbols */
    assert_null(find_sym(f, "s", XC_K_VARIABLE));
    assert_null(find_sym(f, "q", XC_K_VARIABLE));
    /* sorted by line */
    for (size_t i = 1; i < f->nsyms; i++) assert_true(f->syms[i - 1].line <= f->syms[i].line);
    xc_file_free(f);
}

static void test_calls_and_refs(void **state)
{
    (void)state;
    struct xc_file *f = NULL;
    assert_int_equal(xc_analyze_file(&f, dir, "demo.c", NULL), 0);
    /* calls: exactly cflow's pairs, with the lines of the call sites */
    assert_int_equal(count_calls(f, "helper", "twice", 15), 1);
    assert_int_equal(count_calls(f, "helper", "SQUARE", 15), 1);
    assert_int_equal(count_calls(f, "area", "helper", 22), 2);   /* two sites on one line */
    {
        uint32_t cols = 0;
        for (size_t i = 0; i < f->ncalls; i++)
            if (!strcmp(f->calls[i].callee, "helper") && f->calls[i].line == 22) cols = cols * 100 + f->calls[i].column;
        assert_int_equal(cols, 1227);                              /* columns 12 and 27 */
    }
    assert_int_equal(count_calls(f, "area", "printf", 21), 1);
    assert_int_equal(count_calls(f, "helper", "helper", 0), 0);  /* the comment */
    assert_int_equal(count_calls(f, "hidden", "helper", 25), 1); /* cflow reads #if 0 code */
    assert_non_null(find_sym(f, "hidden", XC_K_FUNCTION));      /* and it becomes a symbol */
    for (size_t i = 0; i < f->ncalls; i++)
        if (!strcmp(f->calls[i].callee, "twice")) assert_int_equal(f->calls[i].column, 12);
    /* references */
    const struct xc_ref *r;
    assert_non_null(r = find_ref(f, "counter", 13));
    assert_int_equal(r->kind, XC_REF_WRITE); assert_string_equal(r->source, "helper");
    assert_null(find_ref(f, "counter", 19));                     /* the local shadows it */
    assert_null(find_ref(f, "counter", 21));
    assert_non_null(r = find_ref(f, "twice", 15));
    assert_int_equal(r->kind, XC_REF_CALL); assert_int_equal(r->column, 12); assert_int_equal(r->end_column, 17);
    assert_null(find_ref(f, "twice", 12));                       /* string */
    assert_null(find_ref(f, "helper", 11));                      /* comment */
    assert_null(find_ref(f, "helper", 9));                       /* its own definition */
    assert_non_null(r = find_ref(f, "point_t", 17));
    assert_int_equal(r->kind, XC_REF_TYPE); assert_string_equal(r->source, "area");
    assert_non_null(r = find_ref(f, "point", 20));
    assert_int_equal(r->kind, XC_REF_TYPE);
    assert_non_null(r = find_ref(f, "point", 4));                /* typedef struct point */
    assert_non_null(r = find_ref(f, "RED", 21));
    assert_int_equal(r->kind, XC_REF_READ);
    assert_null(find_ref(f, "y", 21));                           /* q.y: member access */
    assert_null(find_ref(f, "x", 19));                           /* p->x */
    xc_file_free(f);
}

static void test_known_names_across_files(void **state)
{
    (void)state;
    static const char user_c[] = "int use(void) { return helper(1) + GREEN; }\n";
    write_file("user.c", user_c, sizeof user_c - 1);
    struct xc_file *a = NULL, *b = NULL;
    assert_int_equal(xc_symbols(&a, dir, "demo.c"), 0);
    assert_int_equal(xc_symbols(&b, dir, "user.c"), 0);
    struct xc_nameset *ns = xc_nameset_new();
    assert_non_null(ns);
    assert_int_equal(xc_nameset_add_file(ns, a), 0);
    assert_int_equal(xc_nameset_add_file(ns, b), 0);
    assert_true(xc_nameset_get(ns, "helper", 6) & (1u << XC_K_FUNCTION));
    assert_int_equal(xc_nameset_get(ns, "y", 1), 0);             /* members are not reference targets */
    assert_int_equal(xc_calls_refs(b, dir, ns), 0);
    assert_non_null(find_ref(b, "helper", 1));
    assert_non_null(find_ref(b, "GREEN", 1));
    assert_int_equal(count_calls(b, "use", "helper", 1), 1);
    /* alone, user.c knows only its own names */
    struct xc_file *c = NULL;
    assert_int_equal(xc_analyze_file(&c, dir, "user.c", NULL), 0);
    assert_null(find_ref(c, "helper", 1));
    xc_file_free(a); xc_file_free(b); xc_file_free(c);
    xc_nameset_free(ns);
}

static void test_memory_content_and_errors(void **state)
{
    (void)state;
    struct xc_file *f = NULL;
    /* content in memory (a git blob): same answers as from disk */
    assert_int_equal(xc_symbols_mem(&f, "sub/demo.c", demo_c, sizeof demo_c - 1), 0);
    assert_int_equal(xc_calls_refs(f, NULL, NULL), 0);
    assert_string_equal(f->path, "sub/demo.c");
    assert_int_equal(count_calls(f, "area", "helper", 22), 2);
    char *tmp = strdup(f->tmpdir);
    xc_file_free(f);
    struct stat sb;
    assert_int_not_equal(stat(tmp, &sb), 0);                    /* temporary copy removed */
    free(tmp);
    /* binary content: refused, naming the file and the offset */
    static const char bin[] = "int f(void) { return 0; }\n\0\1\2";
    f = NULL;
    assert_int_equal(xc_symbols_mem(&f, "bin.c", bin, sizeof bin - 1), LMKV_EPARSE);
    assert_null(f);
    assert_non_null(strstr(xc_errmsg(), "bin.c"));
    assert_non_null(strstr(xc_errmsg(), "offset 26"));
    write_file("bin2.c", bin, sizeof bin - 1);
    assert_int_equal(xc_symbols(&f, dir, "bin2.c"), LMKV_EPARSE);
    /* missing file */
    assert_int_equal(xc_symbols(&f, dir, "missing.c"), LMKV_NOTFOUND);
    assert_non_null(strstr(xc_errmsg(), "missing.c"));
    assert_null(f);
}

static void test_lmdb_midl(void **state)
{
    (void)state;
    const char *src = getenv("LMKV_SOURCES");
    char root[4096];
    snprintf(root, sizeof root, "%s/lmdb", src ? src : "build/sources");
    struct xc_file *f = NULL;
    int rc = xc_analyze_file(&f, root, "midl.c", NULL);
    assert_int_equal(rc, 0);
    /* the static mdb_midl_grow is called by the append functions: every
     * call site found points at the callee's name in the text */
    const struct xc_symbol *grow = find_sym(f, "mdb_midl_grow", XC_K_FUNCTION);
    assert_non_null(grow);
    assert_int_equal(grow->is_static, 1);
    size_t n = 0;
    for (size_t i = 0; i < f->ncalls; i++) {
        const struct xc_call *c = &f->calls[i];
        if (strcmp(c->callee, "mdb_midl_grow") != 0) continue;
        n++;
        /* the site line really contains the call */
        size_t len;
        const char *t = xc_file_text(f, &len);
        uint32_t line = 1;
        size_t off = 0;
        while (off < len && line < c->line) { if (t[off] == '\n') line++; off++; }
        assert_int_equal(strncmp(t + off + c->column - 1, "mdb_midl_grow", 13), 0);
    }
    assert_true(n >= 3);   /* append, append_list, append_range */
    xc_file_free(f);
}

/* Same calls and references (field by field, in order)? */
static void assert_same_analysis(const struct xc_file *a, const struct xc_file *b)
{
    assert_int_equal(a->nsyms, b->nsyms);
    for (size_t i = 0; i < a->nsyms; i++) {
        const struct xc_symbol *x = &a->syms[i], *y = &b->syms[i];
        assert_string_equal(x->qualified, y->qualified);
        assert_int_equal(x->ckind, y->ckind);
        assert_int_equal(x->line, y->line); assert_int_equal(x->end_line, y->end_line);
        assert_int_equal(x->column, y->column);
        assert_int_equal(x->is_static, y->is_static); assert_int_equal(x->disambiguator, y->disambiguator);
        assert_true((x->scope == NULL) == (y->scope == NULL));
        if (x->scope) assert_string_equal(x->scope, y->scope);
        assert_true((x->signature == NULL) == (y->signature == NULL));
        if (x->signature) assert_string_equal(x->signature, y->signature);
    }
    assert_int_equal(a->ncalls, b->ncalls);
    for (size_t i = 0; i < a->ncalls; i++) {
        assert_string_equal(a->calls[i].caller, b->calls[i].caller);
        assert_string_equal(a->calls[i].callee, b->calls[i].callee);
        assert_int_equal(a->calls[i].line, b->calls[i].line);
        assert_int_equal(a->calls[i].column, b->calls[i].column);
    }
    assert_int_equal(a->nrefs, b->nrefs);
    for (size_t i = 0; i < a->nrefs; i++) {
        assert_string_equal(a->refs[i].target, b->refs[i].target);
        assert_true((a->refs[i].source == NULL) == (b->refs[i].source == NULL));
        if (a->refs[i].source) assert_string_equal(a->refs[i].source, b->refs[i].source);
        assert_int_equal(a->refs[i].line, b->refs[i].line);
        assert_int_equal(a->refs[i].column, b->refs[i].column);
        assert_int_equal(a->refs[i].kind, b->refs[i].kind);
    }
}

/* The packed symbols lmkv index's pre-pass keeps: a file rebuilt from them
 * and its content analyses exactly as the file read from disk (LMDB's
 * mdb.c: anonymous structs, whose ctags names derive from the file name,
 * and shadowing locals), holds far fewer bytes than the file, and refuses
 * other content. */
static void test_packed_symbols(void **state)
{
    (void)state;
    const char *src = getenv("LMKV_SOURCES");
    char root[4096];
    snprintf(root, sizeof root, "%s/lmdb", src ? src : "build/sources");
    struct xc_file *disk = NULL, *pre = NULL, *packed = NULL;
    assert_int_equal(xc_analyze_file(&disk, root, "mdb.c", NULL), 0);
    assert_int_equal(xc_symbols(&pre, root, "mdb.c"), 0);
    struct xc_syms *p = NULL;
    assert_int_equal(xc_syms_pack(&p, pre), 0);
    size_t len;
    const char *text = xc_file_text(pre, &len);
    char *content = malloc(len);
    assert_non_null(content);
    memcpy(content, text, len);
    xc_file_free(pre);                 /* the pack owns everything it needs */
    assert_true(xc_syms_bytes(p) > 0);
    assert_true(xc_syms_bytes(p) < len / 2);
    assert_int_equal(xc_symbols_packed(&packed, "mdb.c", content, len, p), 0);
    assert_string_equal(packed->path, "mdb.c");
    int anon = 0;
    for (size_t i = 0; i < packed->nsyms; i++) anon |= packed->syms[i].scope && strstr(packed->syms[i].scope, "__anon");
    assert_true(anon);
    assert_int_equal(xc_calls_refs(packed, NULL, NULL), 0);
    assert_true(packed->ncalls > 1000);
    assert_same_analysis(disk, packed);
    size_t tl;
    const char *t2 = xc_file_text(packed, &tl);
    assert_int_equal(tl, len);
    assert_memory_equal(t2, content, len);
    xc_file_free(packed);
    /* other bytes (one changed, or one fewer): refused, nothing made */
    packed = NULL;
    content[len / 2] ^= 1;
    assert_int_equal(xc_symbols_packed(&packed, "mdb.c", content, len, p), LMKV_NOTFOUND);
    assert_null(packed);
    assert_non_null(strstr(xc_errmsg(), "mdb.c"));
    content[len / 2] ^= 1;
    assert_int_equal(xc_symbols_packed(&packed, "mdb.c", content, len - 1, p), LMKV_NOTFOUND);
    assert_null(packed);
    /* the same bytes given to ctags under the worktree name: the same
     * analysis, __anon names included, without reading the file */
    struct xc_file *named = NULL;
    assert_int_equal(xc_symbols_named(&named, root, "mdb.c", content, len), 0);
    assert_int_equal(xc_calls_refs(named, NULL, NULL), 0);
    assert_same_analysis(disk, named);
    char *in = strdup(named->priv->ctags_in);
    xc_file_free(named);
    struct stat sb;
    assert_int_not_equal(stat(in, &sb), 0);                     /* temporary input removed */
    free(in);
    /* a copy analysed under its temporary name differs (anonymous names) */
    struct xc_file *mem = NULL;
    assert_int_equal(xc_symbols_mem(&mem, "mdb.c", content, len), 0);
    int same = mem->nsyms == disk->nsyms;
    for (size_t i = 0; same && i < mem->nsyms; i++)
        same = strcmp(mem->syms[i].qualified, disk->syms[i].qualified) == 0;
    assert_false(same);
    xc_file_free(mem);
    /* the bytes, not the file on disk: content that differs from mdb.c */
    static const char other[] = "struct { int x; } anon_var;\nint only_here(void) { return 0; }\n";
    named = NULL;
    assert_int_equal(xc_symbols_named(&named, root, "mdb.c", other, sizeof other - 1), 0);
    assert_non_null(find_sym(named, "only_here", XC_K_FUNCTION));
    assert_null(find_sym(named, "mdb_put", XC_K_FUNCTION));
    xc_file_free(named);
    free(content);
    xc_syms_free(p);
    xc_syms_free(NULL);
    xc_file_free(disk);
}

/* The reference scanner on random C-like text (unbalanced comments,
 * strings, escapes, directives, continuations): never reads outside the
 * text, every reference points at its name inside its line. */
static void test_scanner_random_text(void **state)
{
    (void)state;
    static const char *const toks[] = {
        "foo", "bar", "baz", "x", "(", ")", "{", "}", ";", "=", "==", "+=", "++", "->", ".", "*",
        "\"", "'", "\\", "/*", "*/", "//", "#", "define ", "if ", "include ", "\n", "\\\n",
        " ", "\t", "struct ", "0x1f", "1.5e3", "&", "-", ">", "<<=", "\r\n"};
    const size_t ntok = sizeof toks / sizeof toks[0];
    uint64_t seed = lmkv_test_seed(0x5eed), rs = seed;
    struct xc_nameset *ns = xc_nameset_new();
    assert_non_null(ns);
    assert_int_equal(xc_nameset_add(ns, "foo", 1u << XC_K_FUNCTION), 0);
    assert_int_equal(xc_nameset_add(ns, "bar", 1u << XC_K_STRUCT), 0);
    assert_int_equal(xc_nameset_add(ns, "baz", (1u << XC_K_VARIABLE) | (1u << XC_K_MACRO)), 0);
    for (int iter = 0; iter < 3000; iter++) {
        char text[2048];
        size_t len = 0, n = lmkv_test_rand(&rs) % 200;
        for (size_t i = 0; i < n; i++) {
            const char *t = toks[lmkv_test_rand(&rs) % ntok];
            size_t tl = strlen(t);
            if (len + tl >= sizeof text) break;
            memcpy(text + len, t, tl);
            len += tl;
        }
        struct xc_file f;
        struct xc_priv pv;
        memset(&f, 0, sizeof f);
        memset(&pv, 0, sizeof pv);
        f.path = "rand.c";
        f.priv = &pv;
        /* exact-size copy, so ASan sees any read past the end */
        pv.text = malloc(len + 1);
        assert_non_null(pv.text);
        memcpy(pv.text, text, len);
        pv.text[len] = '\0';
        pv.len = len;
        assert_int_equal(index_lines(&pv), 0);
        struct vec refs = {NULL, 0, 0, sizeof(struct xc_ref)};
        assert_int_equal(scan_refs(&f, ns, &refs), 0);
        const struct xc_ref *r = refs.p;
        for (size_t i = 0; i < refs.n; i++) {
            assert_true(r[i].line >= 1 && r[i].line <= pv.nlines);
            size_t off = pv.line_off[r[i].line] + r[i].column - 1;
            size_t tl = strlen(r[i].target);
            assert_true(off + tl <= len);
            assert_memory_equal(pv.text + off, r[i].target, tl);
            assert_int_equal(r[i].end_column, r[i].column + tl);
        }
        free(refs.p);
        free(pv.text);
        free(pv.line_off);
        arena_free(f.arena);
    }
    xc_nameset_free(ns);
}

int main(void)
{
    if (!xc_tools_available()) {
        fprintf(stderr, "ctags and cflow are required (scripts/deps.sh)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symbols),
        cmocka_unit_test(test_calls_and_refs),
        cmocka_unit_test(test_known_names_across_files),
        cmocka_unit_test(test_memory_content_and_errors),
        cmocka_unit_test(test_lmdb_midl),
        cmocka_unit_test(test_packed_symbols),
        cmocka_unit_test(test_scanner_random_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
