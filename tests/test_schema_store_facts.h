/*
 * test_schema_store_facts.h -- test support for tests/test_schema_store*.c and
 * bench/cache_bench.c: real code facts extracted from LMDB's C sources
 * ($LMKV_SOURCES/lmdb/mdb.c, midl.c) by a tiny scanner, as lmkv records.
 *
 * LMDB's style puts a function's name at column 0 ("mdb_put(MDB_txn *txn,")
 * with its return type on the line before, the body's '{' and '}' at column
 * 0. A definition is a line starting "name(" followed (before any line
 * ending in ';') by a line starting with '{'; the body ends at the next line
 * starting with '}'. Calls are "ident(" tokens in a body, outside comments,
 * strings and character literals, whose ident is a function defined in the
 * scanned files. Header-only code: everything is static in the including
 * test (one test program includes it once).
 */
#ifndef LMKV_TEST_STORE_FACTS_H
#define LMKV_TEST_STORE_FACTS_H

#include "lmkv_schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fact_fn {
    char *name;
    uint32_t line, end_line;
    uint64_t id;
} fact_fn;

typedef struct fact_call {
    int caller;           /* index into fns */
    char *callee;
    uint32_t line, column;
} fact_call;

typedef struct fact_file {
    char path[64];        /* workspace-relative */
    char *text;
    size_t len;
    fact_fn *fns;
    size_t n_fns;
    fact_call *calls;
    size_t n_calls;
    uint64_t file_sym_id;
} fact_file;

static char *facts_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *len = (size_t)n;
    }
    return b;
}

static const char *facts_sources(void)
{
    const char *s = getenv("LMKV_SOURCES");
    return s && *s ? s : "build/sources";
}

/* Line starts: returns array of offsets (n_lines entries). */
static size_t *facts_lines(const char *t, size_t len, size_t *n)
{
    size_t cap = 1024, k = 0;
    size_t *ls = malloc(cap * sizeof *ls);
    ls[k++] = 0;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n' && i + 1 < len) {
            if (k == cap)
                ls = realloc(ls, (cap *= 2) * sizeof *ls);
            ls[k++] = i + 1;
        }
    *n = k;
    return ls;
}

/* A definition's first line starts at column 0 with an identifier and has
 * "name(" (e.g. "mdb_put(MDB_txn *txn," or "int mdb_midl_append( MDB_IDL
 * *idp, MDB_ID id )"): returns the offset and length of name. */
static int facts_def_name(const char *s, size_t *off, size_t *idlen)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    const char *nl = strchr(s, '\n');
    size_t ll = nl ? (size_t)(nl - s) : strlen(s);
    const char *par = memchr(s, '(', ll);
    if (!par || memchr(s, '=', (size_t)(par - s)))
        return 0;
    const char *e = par;
    while (e > s && e[-1] == ' ')
        e--;
    const char *b = e;
    while (b > s && (isalnum((unsigned char)b[-1]) || b[-1] == '_'))
        b--;
    if (b == e || isdigit((unsigned char)*b))
        return 0;
    *off = (size_t)(b - s);
    *idlen = (size_t)(e - b);
    return 1;
}

/* Pass 1: function definitions of one file. */
static void facts_defs(fact_file *f)
{
    size_t nl;
    size_t *ls = facts_lines(f->text, f->len, &nl);
    size_t cap = 256;
    f->fns = malloc(cap * sizeof *f->fns);
    for (size_t i = 0; i < nl; i++) {
        const char *s = f->text + ls[i];
        size_t idl, off;
        if (!facts_def_name(s, &off, &idl))
            continue;
        size_t j = i, body = 0;
        for (; j < nl && j < i + 12; j++) {
            const char *l = f->text + ls[j];
            if (l[0] == '{') {
                body = j;
                break;
            }
            const char *e = strchr(l, '\n');
            size_t ll = e ? (size_t)(e - l) : strlen(l);
            if (ll && l[ll - 1] == ';')
                break;
        }
        if (!body)
            continue;
        size_t end = body + 1;
        while (end < nl && f->text[ls[end]] != '}')
            end++;
        if (f->n_fns == cap)
            f->fns = realloc(f->fns, (cap *= 2) * sizeof *f->fns);
        fact_fn *fn = &f->fns[f->n_fns++];
        fn->name = strndup(s + off, idl);
        fn->line = (uint32_t)i + 1;
        fn->end_line = (uint32_t)end + 1;
        fn->id = 0;
        i = end;
    }
    free(ls);
}

static int facts_is_defined(fact_file *files, size_t nfiles, const char *name, size_t n)
{
    for (size_t k = 0; k < nfiles; k++)
        for (size_t i = 0; i < files[k].n_fns; i++)
            if (strlen(files[k].fns[i].name) == n && memcmp(files[k].fns[i].name, name, n) == 0)
                return 1;
    return 0;
}

/* Pass 2: call sites inside bodies. */
static void facts_calls(fact_file *f, fact_file *files, size_t nfiles)
{
    size_t nl;
    size_t *ls = facts_lines(f->text, f->len, &nl);
    size_t cap = 1024;
    f->calls = malloc(cap * sizeof *f->calls);
    for (size_t fi = 0; fi < f->n_fns; fi++) {
        fact_fn *fn = &f->fns[fi];
        int in_comment = 0;
        for (uint32_t ln = fn->line; ln < fn->end_line && ln < nl; ln++) {
            const char *l = f->text + ls[ln];
            const char *e = strchr(l, '\n');
            size_t ll = e ? (size_t)(e - l) : strlen(l);
            for (size_t c = 0; c < ll; c++) {
                if (in_comment) {
                    if (l[c] == '*' && c + 1 < ll && l[c + 1] == '/') {
                        in_comment = 0;
                        c++;
                    }
                    continue;
                }
                if (l[c] == '/' && c + 1 < ll && l[c + 1] == '*') {
                    in_comment = 1;
                    c++;
                    continue;
                }
                if (l[c] == '/' && c + 1 < ll && l[c + 1] == '/')
                    break;
                if (l[c] == '"' || l[c] == '\'') {
                    char q = l[c++];
                    while (c < ll && l[c] != q) {
                        if (l[c] == '\\')
                            c++;
                        c++;
                    }
                    continue;
                }
                if ((isalpha((unsigned char)l[c]) || l[c] == '_') &&
                    (c == 0 || !(isalnum((unsigned char)l[c - 1]) || l[c - 1] == '_'))) {
                    size_t s = c;
                    while (c < ll && (isalnum((unsigned char)l[c]) || l[c] == '_'))
                        c++;
                    size_t n = c - s;
                    size_t p = c;
                    while (p < ll && l[p] == ' ')
                        p++;
                    if (p < ll && l[p] == '(' && facts_is_defined(files, nfiles, l + s, n)) {
                        if (f->n_calls == cap)
                            f->calls = realloc(f->calls, (cap *= 2) * sizeof *f->calls);
                        fact_call *fc = &f->calls[f->n_calls++];
                        fc->caller = (int)fi;
                        fc->callee = strndup(l + s, n);
                        fc->line = ln + 1;
                        fc->column = (uint32_t)s + 1;
                    }
                    c--;
                }
            }
        }
    }
    free(ls);
}

/* Load the named files of $LMKV_SOURCES/lmdb; returns 0 or -1. */
static int facts_load(fact_file *files, const char *const *names, size_t n)
{
    memset(files, 0, n * sizeof *files);
    for (size_t i = 0; i < n; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/lmdb/%s", facts_sources(), names[i]);
        snprintf(files[i].path, sizeof files[i].path, "%s", names[i]);
        files[i].text = facts_read(p, &files[i].len);
        if (!files[i].text) {
            fprintf(stderr, "cannot read %s (run scripts/fetch-sources.sh)\n", p);
            return -1;
        }
        facts_defs(&files[i]);
    }
    for (size_t i = 0; i < n; i++)
        facts_calls(&files[i], files, n);
    return 0;
}

static void facts_free(fact_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < files[i].n_fns; j++)
            free(files[i].fns[j].name);
        for (size_t j = 0; j < files[i].n_calls; j++)
            free(files[i].calls[j].callee);
        free(files[i].fns);
        free(files[i].calls);
        free(files[i].text);
    }
}

static const fact_fn *facts_find(const fact_file *f, const char *name)
{
    for (size_t i = 0; i < f->n_fns; i++)
        if (strcmp(f->fns[i].name, name) == 0)
            return &f->fns[i];
    return NULL;
}

/* The records of one file as lmkv structs (arrays malloc'ed; strings borrowed
 * from f). `qual` buffers hold "path::name". */
typedef struct facts_recs {
    lmkv_file_version fv;
    lmkv_symbol *syms;
    lmkv_call *calls;
    lmkv_reference *refs;
    lmkv_hierarchy *hier;
    char **qual;
    lmkv_store_file_records r;
    char blob[32];
} facts_recs;

/* Build records for f in workspace ws; `blob` distinguishes versions. */
static void facts_records(facts_recs *out, fact_file *f, uint64_t ws, const char *blob)
{
    memset(out, 0, sizeof *out);
    snprintf(out->blob, sizeof out->blob, "%s", blob);
    lmkv_record_init(LMKV_REC_FILE_VERSION, &out->fv);
    out->fv.workspace_id = ws;
    out->fv.path = f->path;
    out->fv.git_blob_id = out->blob;
    out->fv.language = "c";
    out->fv.size_bytes = f->len;
    lmkv_file_version_id(&out->fv.id, ws, f->path, out->blob);
    size_t ns = f->n_fns + 1;
    out->syms = calloc(ns, sizeof *out->syms);
    out->qual = calloc(ns, sizeof *out->qual);
    out->hier = calloc(f->n_fns, sizeof *out->hier);
    lmkv_symbol *fs = &out->syms[0];
    lmkv_record_init(LMKV_REC_SYMBOL, fs);
    fs->name = f->path;
    fs->kind = LMKV_SK_FILE;
    lmkv_symbol_id(&fs->id, ws, f->path, f->path, LMKV_SK_FILE, 0);
    f->file_sym_id = fs->id;
    for (size_t i = 0; i < f->n_fns; i++) {
        lmkv_symbol *s = &out->syms[i + 1];
        lmkv_record_init(LMKV_REC_SYMBOL, s);
        size_t ql = strlen(f->path) + 2 + strlen(f->fns[i].name) + 1;
        out->qual[i + 1] = malloc(ql);
        snprintf(out->qual[i + 1], ql, "%s::%s", f->path, f->fns[i].name);
        s->name = f->fns[i].name;
        s->qualified_name = out->qual[i + 1];
        s->kind = LMKV_SK_FUNCTION;
        s->start_line = f->fns[i].line;
        s->end_line = f->fns[i].end_line;
        s->language = "c";
        s->parent_id = fs->id;
        s->parent_name = f->path;
        for (size_t j = 0; j < i; j++) /* #ifdef alternatives: same name twice */
            if (strcmp(f->fns[j].name, f->fns[i].name) == 0)
                s->disambiguator++;
        lmkv_symbol_id(&s->id, ws, f->path, s->qualified_name, LMKV_SK_FUNCTION, s->disambiguator);
        f->fns[i].id = s->id;
        lmkv_hierarchy *h = &out->hier[i];
        lmkv_record_init(LMKV_REC_HIERARCHY, h);
        h->parent_id = fs->id;
        h->parent_name = f->path;
        h->child_id = s->id;
        h->child_name = s->name;
        h->kind = LMKV_HIER_CONTAINS;
    }
    out->calls = calloc(f->n_calls ? f->n_calls : 1, sizeof *out->calls);
    out->refs = calloc(f->n_calls ? f->n_calls : 1, sizeof *out->refs);
    for (size_t i = 0; i < f->n_calls; i++) {
        const fact_call *fc = &f->calls[i];
        const fact_fn *caller = &f->fns[fc->caller];
        const fact_fn *callee = facts_find(f, fc->callee);
        lmkv_call *c = &out->calls[i];
        lmkv_record_init(LMKV_REC_CALL, c);
        c->caller_id = caller->id;
        c->caller_name = caller->name;
        c->callee_id = callee ? callee->id : 0; /* other file: resolved by name */
        c->callee_name = fc->callee;
        c->line = fc->line;
        c->column = fc->column;
        c->is_recursive = strcmp(caller->name, fc->callee) == 0;
        lmkv_call_id(&c->id, out->fv.id, c->caller_id, c->callee_id, c->line, c->column);
        lmkv_reference *r = &out->refs[i];
        lmkv_record_init(LMKV_REC_REFERENCE, r);
        r->source_id = caller->id;
        r->source_name = caller->name;
        r->target_id = c->callee_id;
        r->target_name = fc->callee;
        r->start_line = r->end_line = fc->line;
        r->start_column = fc->column;
        r->end_column = fc->column + (uint32_t)strlen(fc->callee);
        r->kind = LMKV_REF_CALL;
        lmkv_reference_id(&r->id, out->fv.id, r->source_id, r->target_id, r->kind, r->start_line, r->start_column);
    }
    out->r.symbols = out->syms;
    out->r.n_symbols = ns;
    out->r.calls = out->calls;
    out->r.n_calls = f->n_calls;
    out->r.references = out->refs;
    out->r.n_references = f->n_calls;
    out->r.hierarchy = out->hier;
    out->r.n_hierarchy = f->n_fns;
}

static void facts_records_free(facts_recs *r)
{
    if (r->qual)
        for (size_t i = 0; i < r->r.n_symbols; i++)
            free(r->qual[i]);
    free(r->qual);
    free(r->syms);
    free(r->calls);
    free(r->refs);
    free(r->hier);
}

#endif
