/*
 * ts.c -- the tree-sitter engine shared by the Rust, Python, Go, JavaScript,
 * TypeScript, TSX and Java frontends (see ts_int.h, analysis/README.md).
 *
 * A language's query is its grammar's queries/tags.scm (@definition.KIND,
 * @reference.KIND with @name, as the grammar authors wrote it) followed by
 * lmkv's additions (analysis/ts/<lang>.scm: every call form, imports,
 * constants, fields, @scope for non-symbol qualifiers such as Rust's impl
 * blocks, @qualifier for Go receivers, @package, @hierarchy.*). The query's
 * matches give definitions, scopes and points (calls, references, hierarchy
 * bases); one sweep over them in byte order, with a stack of open
 * definitions, gives every definition its parent and qualified name and every
 * point its enclosing definition. Nothing recurses: the parser, the query
 * cursor and the sweep are iterative, so nesting depth costs no C stack.
 */
#include "ts_int.h"
#include "lmkv_kv.h"
#include "kv_array_int.h"

#include <tree_sitter/api.h>

#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS_NAME_MAX 256u        /* longest callee/reference name kept, bytes */
#define TS_SIG_MAX  1024u       /* longest signature kept, bytes             */

/* ------------------------------------------------------------ queries */

enum role {
    R_IGNORE = 0, R_DEF, R_REF, R_SCOPE, R_NAME, R_QUAL, R_PACKAGE,
    R_HIER_EXT, R_HIER_IMPL
};
enum { P_EQ = 1, P_NOT_EQ, P_MATCH, P_NOT_MATCH };

struct cap_info { int role; int kind; int is_call; };
struct pred {
    int op;
    uint32_t cap;
    int rhs_is_cap;
    uint32_t cap2;
    char *str;
    regex_t re;
    int has_re;
};
struct pat_preds { struct pred *p; uint32_t n; };

struct lang_state {
    int done;
    int failed;
    char err[512];
    TSQuery *q;
    struct cap_info *caps;
    uint32_t ncaps;
    struct pat_preds *pats;
    uint32_t npats;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lang_state g_state[16];

static int sym_kind_of(const char *k)
{
    static const struct { const char *n; int kind; } m[] = {
        {"class", 5}, {"method", 6}, {"function", 12}, {"interface", 11},
        {"module", 2}, {"macro", 255 /* LMKV_SK_MACRO */}, {"constant", 14}, {"variable", 13},
        {"type", 5}, {"field", 8}, {"enum", 10}, {"enummember", 22},
        {"constructor", 9}, {"struct", 23}, {"property", 7}, {"namespace", 3},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(m[i].n, k)) return m[i].kind;
    return 0;
}

static int ref_kind_of(const char *k, int *is_call)
{
    *is_call = 0;
    if (!strcmp(k, "call")) { *is_call = 1; return 3; }
    if (!strcmp(k, "import")) return 1;
    if (!strcmp(k, "type") || !strcmp(k, "implementation") || !strcmp(k, "interface")) return 2;
    return 0;   /* class (constructor use), send, ... : a Use */
}

static int classify_captures(struct lang_state *st)
{
    st->ncaps = ts_query_capture_count(st->q);
    st->caps = calloc(st->ncaps ? st->ncaps : 1, sizeof *st->caps);
    if (!st->caps) return -1;
    for (uint32_t i = 0; i < st->ncaps; i++) {
        uint32_t n;
        const char *s = ts_query_capture_name_for_id(st->q, i, &n);
        struct cap_info *c = &st->caps[i];
        if (!strncmp(s, "definition.", 11)) {
            c->role = R_DEF; c->kind = sym_kind_of(s + 11);
            if (!c->kind) c->kind = 13;
        } else if (!strncmp(s, "reference.", 10)) {
            c->role = R_REF; c->kind = ref_kind_of(s + 10, &c->is_call);
        } else if (!strcmp(s, "scope")) c->role = R_SCOPE;
        else if (!strcmp(s, "name")) c->role = R_NAME;
        else if (!strcmp(s, "qualifier")) c->role = R_QUAL;
        else if (!strcmp(s, "package")) c->role = R_PACKAGE;
        else if (!strcmp(s, "hierarchy.extends")) c->role = R_HIER_EXT;
        else if (!strcmp(s, "hierarchy.implements")) c->role = R_HIER_IMPL;
        else c->role = R_IGNORE;   /* @doc and the like */
    }
    return 0;
}

/* #eq? / #not-eq? / #match? / #not-match? are evaluated; the tags queries'
 * directives (#strip!, #set-adjacent!, #select-adjacent!) shape
 * documentation comments, which lmkv does not store, and are skipped. */
static int compile_predicates(struct lang_state *st)
{
    st->npats = ts_query_pattern_count(st->q);
    st->pats = calloc(st->npats ? st->npats : 1, sizeof *st->pats);
    if (!st->pats) return -1;
    for (uint32_t p = 0; p < st->npats; p++) {
        uint32_t nsteps;
        const TSQueryPredicateStep *s = ts_query_predicates_for_pattern(st->q, p, &nsteps);
        uint32_t i = 0;
        while (i < nsteps) {
            uint32_t j = i;
            while (j < nsteps && s[j].type != TSQueryPredicateStepTypeDone) j++;
            /* s[i..j) is one predicate: name, args */
            if (j - i == 3 && s[i].type == TSQueryPredicateStepTypeString &&
                s[i + 1].type == TSQueryPredicateStepTypeCapture) {
                uint32_t ln;
                const char *name = ts_query_string_value_for_id(st->q, s[i].value_id, &ln);
                int op = !strcmp(name, "eq?") ? P_EQ : !strcmp(name, "not-eq?") ? P_NOT_EQ :
                         !strcmp(name, "match?") ? P_MATCH : !strcmp(name, "not-match?") ? P_NOT_MATCH : 0;
                if (op) {
                    struct pred *np = realloc(st->pats[p].p, (st->pats[p].n + 1) * sizeof *np);
                    if (!np) return -1;
                    st->pats[p].p = np;
                    struct pred *pr = &np[st->pats[p].n++];
                    memset(pr, 0, sizeof *pr);
                    pr->op = op;
                    pr->cap = s[i + 1].value_id;
                    if (s[i + 2].type == TSQueryPredicateStepTypeCapture) {
                        pr->rhs_is_cap = 1; pr->cap2 = s[i + 2].value_id;
                    } else {
                        const char *v = ts_query_string_value_for_id(st->q, s[i + 2].value_id, &ln);
                        if (!(pr->str = strdup(v))) return -1;
                        if (op == P_MATCH || op == P_NOT_MATCH) {
                            if (regcomp(&pr->re, v, REG_EXTENDED | REG_NOSUB) != 0) {
                                snprintf(st->err, sizeof st->err, "query pattern %u: bad regex \"%s\"", p, v);
                                return -2;
                            }
                            pr->has_re = 1;
                        }
                    }
                }
            }
            i = j + 1;
        }
    }
    return 0;
}

static const char *query_error_name(TSQueryError e)
{
    switch (e) {
    case TSQueryErrorSyntax: return "syntax error";
    case TSQueryErrorNodeType: return "unknown node type";
    case TSQueryErrorField: return "unknown field";
    case TSQueryErrorCapture: return "unknown capture";
    case TSQueryErrorStructure: return "impossible pattern";
    case TSQueryErrorLanguage: return "grammar ABI not supported by the runtime";
    default: return "error";
    }
}

/* Build the language's query once (under g_lock). */
static struct lang_state *lang_state_get(const struct lmkv_analysis__ts_lang *L)
{
    size_t idx = (size_t)(L - lmkv_analysis__ts_langs);
    struct lang_state *st = &g_state[idx];
    pthread_mutex_lock(&g_lock);
    if (!st->done) {
        st->done = 1;
        size_t total = 1;
        for (size_t i = 0; L->queries[i]; i++) total += strlen(L->queries[i]) + 1;
        char *src = malloc(total);
        if (!src) { st->failed = 1; snprintf(st->err, sizeof st->err, "out of memory"); goto cleanup; }
        size_t off = 0;
        for (size_t i = 0; L->queries[i]; i++) {
            size_t n = strlen(L->queries[i]);
            memcpy(src + off, L->queries[i], n); off += n;
            src[off++] = '\n';
        }
        src[off] = 0;
        uint32_t eoff = 0;
        TSQueryError et = TSQueryErrorNone;
        const TSLanguage *g = L->grammar();
        if (ts_language_version(g) < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION ||
            ts_language_version(g) > TREE_SITTER_LANGUAGE_VERSION) {
            st->failed = 1;
            snprintf(st->err, sizeof st->err, "%s: grammar ABI %u, runtime loads %u..%u", L->frontend_id,
                     ts_language_version(g), TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
                     TREE_SITTER_LANGUAGE_VERSION);
            free(src);
            goto cleanup;
        }
        st->q = ts_query_new(g, src, (uint32_t)off, &eoff, &et);
        if (!st->q) {
            st->failed = 1;
            uint32_t line = 1;
            for (uint32_t i = 0; i < eoff && i < off; i++) if (src[i] == '\n') line++;
            snprintf(st->err, sizeof st->err, "%s: tags query does not compile: %s at line %u of the combined query (\"%.40s\")",
                     L->frontend_id, query_error_name(et), line, src + (eoff < off ? eoff : 0));
            free(src);
            goto cleanup;
        }
        free(src);
        int rc = classify_captures(st);
        if (!rc) rc = compile_predicates(st);
        if (rc) {
            st->failed = 1;
            if (rc == -1) snprintf(st->err, sizeof st->err, "out of memory");
        }
    }
cleanup:
    pthread_mutex_unlock(&g_lock);
    return st;
}

/* ------------------------------------------------------------ per file */

struct item {                   /* a definition or a scope                  */
    uint32_t sb, eb;            /* byte range of the definition node        */
    TSPoint sp, ep;
    uint32_t nsb, neb;          /* name                                     */
    uint32_t qsb, qeb;          /* Go receiver type (qualifier), if any     */
    uint32_t hsb, heb;          /* trait implemented (Rust impl scope)      */
    int kind;                   /* LSP SymbolKind; 0 for a scope            */
    int is_scope, has_qual, has_hier, decl;
    TSNode node;
};
struct point {                  /* a call, reference or hierarchy base      */
    uint32_t sb, eb;            /* node whose enclosing definition counts   */
    TSPoint sp;
    uint32_t nsb, neb;
    int what;                   /* 0 call, 1 reference, 2 hierarchy         */
    int kind;                   /* ReferenceKind / HierarchyKind            */
    int argc;
};

struct work {
    const struct lmkv_analysis__ts_lang *L;
    const char *src;
    uint32_t len;
    struct item *items; size_t nitems, capitems;
    struct point *pts; size_t npts, cappts;
    uint32_t pksb, pkeb; int has_pkg;
    uint32_t *defnames;         /* sorted name starts of the items         */
};

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    return lmkv_kv__array_grow(arr, cap, n + 1, elem, 64) ? -1 : 0;
}

/* Node text with whitespace runs collapsed to one space, cut at `max` bytes
 * on a UTF-8 boundary. Returns malloc'd string or NULL (ENOMEM). */
static char *text_of(const struct work *w, uint32_t sb, uint32_t eb, size_t max)
{
    if (eb > w->len) eb = w->len;
    if (sb > eb) sb = eb;
    char *out = malloc((eb - sb < max ? eb - sb : max) + 1);
    if (!out) return NULL;
    size_t o = 0;
    int sp = 0;
    for (uint32_t i = sb; i < eb && o < max; i++) {
        unsigned char c = (unsigned char)w->src[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') { sp = 1; continue; }
        if (sp && o) { if (o + 1 >= max) break; out[o++] = ' '; }
        sp = 0;
        out[o++] = (char)c;
    }
    if (o == max) {            /* cut: drop a possibly incomplete last character */
        while (o && ((unsigned char)out[o - 1] & 0xC0) == 0x80) o--;
        if (o && ((unsigned char)out[o - 1] & 0x80)) o--;
    }
    out[o] = 0;
    return out;
}

/* A type as a name: "Foo" from "&'a mut Foo<T>", "*T", "dyn Trait". */
static char *type_name_of(const struct work *w, uint32_t sb, uint32_t eb)
{
    char *t = text_of(w, sb, eb, TS_NAME_MAX);
    if (!t) return NULL;
    char *s = t;
    for (;;) {
        while (*s == '&' || *s == '*' || *s == ' ') s++;
        if (*s == '\'') { while (*s && *s != ' ') s++; continue; }
        if (!strncmp(s, "mut ", 4)) { s += 4; continue; }
        if (!strncmp(s, "dyn ", 4)) { s += 4; continue; }
        break;
    }
    size_t n = strcspn(s, "<[( ");
    memmove(t, s, n);
    t[n] = 0;
    return t;
}

static int pred_text_eq(const struct work *w, TSNode a, const char *s, size_t sl)
{
    uint32_t sb = ts_node_start_byte(a), eb = ts_node_end_byte(a);
    return eb - sb == sl && !memcmp(w->src + sb, s, sl);
}

static int match_passes(const struct work *w, const struct lang_state *st, const TSQueryMatch *m)
{
    if (m->pattern_index >= st->npats) return 1;
    const struct pat_preds *pp = &st->pats[m->pattern_index];
    for (uint32_t i = 0; i < pp->n; i++) {
        const struct pred *pr = &pp->p[i];
        TSNode a = {0}, b = {0};
        int ha = 0, hb = 0;
        for (uint16_t c = 0; c < m->capture_count; c++) {
            if (m->captures[c].index == pr->cap && !ha) { a = m->captures[c].node; ha = 1; }
            if (pr->rhs_is_cap && m->captures[c].index == pr->cap2 && !hb) { b = m->captures[c].node; hb = 1; }
        }
        if (!ha) continue;
        int r;
        if (pr->op == P_EQ || pr->op == P_NOT_EQ) {
            if (pr->rhs_is_cap) {
                if (!hb) continue;
                uint32_t bs = ts_node_start_byte(b), be = ts_node_end_byte(b);
                r = pred_text_eq(w, a, w->src + bs, be - bs);
            } else r = pred_text_eq(w, a, pr->str, strlen(pr->str));
            if ((pr->op == P_EQ) != (r != 0)) return 0;
        } else if (pr->has_re) {
            uint32_t sb = ts_node_start_byte(a), eb = ts_node_end_byte(a);
            char *t = malloc(eb - sb + 1);
            if (!t) return 0;
            memcpy(t, w->src + sb, eb - sb); t[eb - sb] = 0;
            r = regexec(&pr->re, t, 0, NULL, 0) == 0;
            free(t);
            if ((pr->op == P_MATCH) != r) return 0;
        }
    }
    return 1;
}

static int is_call_type(const char *t)
{
    static const char *const types[] = {
        "call", "call_expression", "method_invocation", "new_expression",
        "object_creation_expression", "macro_invocation",
        "explicit_constructor_invocation", "type_conversion_expression", NULL
    };
    for (size_t i = 0; types[i]; i++) if (!strcmp(t, types[i])) return 1;
    return 0;
}

static int count_args(TSNode call)
{
    if (!strcmp(ts_node_type(call), "macro_invocation")) return -1;
    TSNode a = ts_node_child_by_field_name(call, "arguments", 9);
    if (ts_node_is_null(a)) return -1;
    const char *t = ts_node_type(a);
    if (!strstr(t, "argument")) return 1;   /* generator expression, template */
    int n = 0;
    uint32_t nc = ts_node_named_child_count(a);
    for (uint32_t i = 0; i < nc; i++) {
        TSNode c = ts_node_named_child(a, i);
        const char *ct = ts_node_type(c);
        if (!strcmp(ct, "comment") || !strcmp(ct, "line_comment") || !strcmp(ct, "block_comment")) continue;
        n++;
    }
    return n;
}

/* Is a function-like definition only a declaration (no body)? */
static int is_declaration_only(TSNode n, int kind)
{
    if (kind != 12 && kind != 6 && kind != 9) return 0;
    const char *t = ts_node_type(n);
    if (strstr(t, "signature") || !strcmp(t, "method_elem") || !strcmp(t, "method_spec")) return 1;
    if (!strcmp(t, "method_declaration") || !strcmp(t, "function_declaration") ||
        !strcmp(t, "constructor_declaration"))
        return ts_node_is_null(ts_node_child_by_field_name(n, "body", 4));
    return 0;
}

/* Refine a tags kind by the node: Rust's @definition.class covers structs,
 * enums, unions and type aliases; Go's @definition.type structs and
 * interfaces. */
static int refine_kind(TSNode n, int kind)
{
    const char *t = ts_node_type(n);
    if (!strcmp(t, "struct_item") || !strcmp(t, "union_item")) return 23;
    if (!strcmp(t, "enum_item")) return 10;
    if (!strcmp(t, "type_spec")) {
        TSNode ty = ts_node_child_by_field_name(n, "type", 4);
        if (!ts_node_is_null(ty)) {
            const char *tt = ts_node_type(ty);
            if (!strcmp(tt, "struct_type")) return 23;
            if (!strcmp(tt, "interface_type")) return 11;
        }
    }
    return kind;
}

static int add_match(struct work *w, const struct lang_state *st, const TSQueryMatch *m)
{
    TSNode item = {0}, name = {0}, qual = {0}, hier = {0};
    int role = 0, kind = 0, is_call = 0, has_item = 0, has_name = 0, has_qual = 0, has_hier = 0, hkind = 0;
    for (uint16_t c = 0; c < m->capture_count; c++) {
        const struct cap_info *ci = &st->caps[m->captures[c].index];
        TSNode n = m->captures[c].node;
        switch (ci->role) {
        case R_DEF: case R_REF: case R_SCOPE:
            if (!has_item) { item = n; has_item = 1; role = ci->role; kind = ci->kind; is_call = ci->is_call; }
            break;
        case R_NAME: if (!has_name) { name = n; has_name = 1; } break;
        case R_QUAL: if (!has_qual) { qual = n; has_qual = 1; } break;
        case R_PACKAGE:
            if (!w->has_pkg) { w->has_pkg = 1; w->pksb = ts_node_start_byte(n); w->pkeb = ts_node_end_byte(n); }
            break;
        case R_HIER_EXT: case R_HIER_IMPL:
            if (!has_hier) { hier = n; has_hier = 1; hkind = ci->role == R_HIER_EXT ? 1 : 2; }
            break;
        default: break;
        }
    }
    if (!has_item && has_hier) {           /* a base: child = enclosing def */
        if (grow((void **)&w->pts, &w->cappts, w->npts, sizeof *w->pts)) return -1;
        struct point *p = &w->pts[w->npts++];
        memset(p, 0, sizeof *p);
        p->sb = ts_node_start_byte(hier); p->eb = ts_node_end_byte(hier);
        p->sp = ts_node_start_point(hier);
        p->nsb = p->sb; p->neb = p->eb;
        p->what = 2; p->kind = hkind;
        return 0;
    }
    if (!has_item || !has_name) return 0;
    if (ts_node_end_byte(name) <= ts_node_start_byte(name)) return 0;
    if (role == R_DEF || role == R_SCOPE) {
        /* Rust's tags.scm captures a method's declaration_list: the
         * definition is the name's own node. */
        if (!strcmp(ts_node_type(item), "declaration_list")) item = ts_node_parent(name);
        if (grow((void **)&w->items, &w->capitems, w->nitems, sizeof *w->items)) return -1;
        struct item *it = &w->items[w->nitems++];
        memset(it, 0, sizeof *it);
        it->node = item;
        it->sb = ts_node_start_byte(item); it->eb = ts_node_end_byte(item);
        it->sp = ts_node_start_point(item); it->ep = ts_node_end_point(item);
        it->nsb = ts_node_start_byte(name); it->neb = ts_node_end_byte(name);
        it->is_scope = role == R_SCOPE;
        it->kind = it->is_scope ? 0 : refine_kind(item, kind);
        it->decl = it->is_scope ? 0 : is_declaration_only(item, it->kind);
        if (has_qual) { it->has_qual = 1; it->qsb = ts_node_start_byte(qual); it->qeb = ts_node_end_byte(qual); }
        if (has_hier) { it->has_hier = hkind; it->hsb = ts_node_start_byte(hier); it->heb = ts_node_end_byte(hier); }
        return 0;
    }
    /* a reference or a call */
    TSNode at = item;
    /* A call is recorded at its call node. Some tags.scm patterns capture a
     * call's argument list instead (JavaScript's and Java's member calls);
     * lmkv's own patterns match those calls at the call node, so such
     * matches are dropped rather than walked up (ts_node_parent costs the
     * node's depth: quadratic on a 50k-deep call chain). */
    if (is_call && !is_call_type(ts_node_type(item))) return 0;
    if (grow((void **)&w->pts, &w->cappts, w->npts, sizeof *w->pts)) return -1;
    struct point *p = &w->pts[w->npts++];
    memset(p, 0, sizeof *p);
    p->sb = ts_node_start_byte(at); p->eb = ts_node_end_byte(at);
    p->sp = ts_node_start_point(at);
    p->nsb = ts_node_start_byte(name); p->neb = ts_node_end_byte(name);
    p->what = is_call ? 0 : 1;
    p->kind = kind;
    p->argc = is_call ? count_args(at) : -1;
    return 0;
}

static int cmp_items(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->sb != y->sb) return x->sb < y->sb ? -1 : 1;
    if (x->eb != y->eb) return x->eb > y->eb ? -1 : 1;      /* outer first */
    if (x->is_scope != y->is_scope) return x->is_scope ? -1 : 1;
    if (x->nsb != y->nsb) return x->nsb < y->nsb ? -1 : 1;
    return 0;
}

static int cmp_points(const void *a, const void *b)
{
    const struct point *x = a, *y = b;
    if (x->sb != y->sb) return x->sb < y->sb ? -1 : 1;
    if (x->what != y->what) return x->what < y->what ? -1 : 1;
    if (x->eb != y->eb) return x->eb < y->eb ? -1 : 1;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    /* the narrowest name first: a tags pattern's identifier before the
     * fallback's whole callee expression */
    if (x->neb - x->nsb != y->neb - y->nsb) return x->neb - x->nsb < y->neb - y->nsb ? -1 : 1;
    if (x->nsb != y->nsb) return x->nsb < y->nsb ? -1 : 1;
    return 0;
}

static int kind_rank(int k) { return k == 6 ? 3 : k == 9 ? 2 : k == 12 ? 1 : 0; }

/* Same definition node matched by several patterns (tags.scm and lmkv's, or
 * two of tags.scm's): one item, the most specific kind, any qualifier. */
static void dedupe_items(struct work *w)
{
    size_t o = 0;
    for (size_t i = 0; i < w->nitems; i++) {
        struct item *it = &w->items[i];
        if (o && w->items[o - 1].sb == it->sb && w->items[o - 1].eb == it->eb &&
            w->items[o - 1].nsb == it->nsb && w->items[o - 1].is_scope == it->is_scope) {
            struct item *k = &w->items[o - 1];
            if (kind_rank(it->kind) > kind_rank(k->kind)) k->kind = it->kind;
            if (it->has_qual && !k->has_qual) { k->has_qual = 1; k->qsb = it->qsb; k->qeb = it->qeb; }
            if (it->has_hier && !k->has_hier) { k->has_hier = it->has_hier; k->hsb = it->hsb; k->heb = it->heb; }
            continue;
        }
        w->items[o++] = *it;
    }
    w->nitems = o;
}

static void dedupe_points(struct work *w)
{
    size_t o = 0;
    for (size_t i = 0; i < w->npts; i++) {
        struct point *p = &w->pts[i];
        if (o) {
            struct point *k = &w->pts[o - 1];
            if (k->sb == p->sb && k->eb == p->eb && k->what == p->what &&
                (p->what == 0 || (k->kind == p->kind && (p->what == 2 || k->nsb == p->nsb))))
                continue;
        }
        w->pts[o++] = *p;
    }
    w->npts = o;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Is byte `nsb` the start of a definition's name? (tags.scm's
 * `(type_identifier) @reference.type` also matches the type being defined.) */
static int is_def_name(const struct work *w, uint32_t nsb)
{
    return w->defnames && bsearch(&nsb, w->defnames, w->nitems, sizeof *w->defnames, cmp_u32) != NULL;
}

struct frame { size_t item; char *qname; long def; /* nearest def frame */ };

static char *join(const char *a, const char *sep, const char *b)
{
    size_t la = a ? strlen(a) : 0, ls = strlen(sep), lb = strlen(b);
    char *s = malloc(la + ls + lb + 1);
    if (!s) return NULL;
    if (la) { memcpy(s, a, la); memcpy(s + la, sep, ls); } else ls = 0;
    memcpy(s + la + ls, b, lb + 1);
    return s;
}

static int is_container_kind(int k) { return k == 5 || k == 23 || k == 11 || k == 10; }

static int emit(struct work *w, lmkv_analysis *a)
{
    int rc = LMKV_OK;
    struct frame *stk = NULL;
    size_t nst = 0, capst = 0;
    char *root = w->has_pkg ? text_of(w, w->pksb, w->pkeb, TS_NAME_MAX) : NULL;
    const char *file_scope = root ? root : "<module>";
    size_t ii = 0, pi = 0;
    if (w->has_pkg && !root) return LMKV_ENOMEM;
    while (ii < w->nitems || pi < w->npts) {
        int take_item = ii < w->nitems && (pi >= w->npts || w->items[ii].sb <= w->pts[pi].sb);
        uint32_t at = take_item ? w->items[ii].sb : w->pts[pi].sb;
        while (nst && w->items[stk[nst - 1].item].eb <= at) free(stk[--nst].qname);
        /* `int a, b;` / `var a, b = ...`: definitions of one node are
         * siblings, not nested */
        if (take_item && nst && !w->items[ii].is_scope) {
            const struct item *t = &w->items[stk[nst - 1].item];
            if (!t->is_scope && t->sb == w->items[ii].sb && t->eb == w->items[ii].eb) free(stk[--nst].qname);
        }
        const struct frame *top = nst ? &stk[nst - 1] : NULL;
        if (take_item) {
            struct item *it = &w->items[ii];
            char *name = text_of(w, it->nsb, it->neb, TS_NAME_MAX);
            char *prefix = NULL, *qname = NULL, *parent = NULL;
            if (!name) { rc = LMKV_ENOMEM; goto cleanup; }
            const char *outer = top ? top->qname : root;
            if (it->has_qual) {
                char *q = type_name_of(w, it->qsb, it->qeb);
                if (!q) { free(name); rc = LMKV_ENOMEM; goto cleanup; }
                prefix = *q ? join(outer, w->L->sep, q) : (outer ? strdup(outer) : NULL);
                free(q);
                if (!prefix) { free(name); rc = LMKV_ENOMEM; goto cleanup; }
            } else if (outer && !(prefix = strdup(outer))) { free(name); rc = LMKV_ENOMEM; goto cleanup; }
            if (it->is_scope) {
                char *tn = type_name_of(w, it->nsb, it->neb);
                if (!tn) { free(name); free(prefix); rc = LMKV_ENOMEM; goto cleanup; }
                free(name); name = tn;
            }
            qname = *name ? join(prefix, w->L->sep, name) : (prefix ? strdup(prefix) : strdup(""));
            if (!qname) { free(name); free(prefix); rc = LMKV_ENOMEM; goto cleanup; }
            parent = it->has_qual ? prefix : (top ? top->qname : NULL);
            if (!it->is_scope && *name) {
                int kind = it->kind;
                int in_container = it->has_qual ||
                    (top && (w->items[top->item].is_scope || is_container_kind(w->items[top->item].kind)));
                if (kind == 12 && in_container) kind = 6;
                char *sig = NULL;
                if (kind == 12 || kind == 6 || kind == 9) {
                    TSNode pn = ts_node_child_by_field_name(it->node, "parameters", 10);
                    if (ts_node_is_null(pn)) {
                        TSNode v = ts_node_child_by_field_name(it->node, "value", 5);
                        if (!ts_node_is_null(v)) pn = ts_node_child_by_field_name(v, "parameters", 10);
                    }
                    if (!ts_node_is_null(pn) &&
                        !(sig = text_of(w, ts_node_start_byte(pn), ts_node_end_byte(pn), TS_SIG_MAX))) {
                        free(name); free(prefix); free(qname); rc = LMKV_ENOMEM; goto cleanup;
                    }
                }
                struct lmkv_analysis_symbol s = {
                    .name = name, .qualified_name = qname, .kind = kind,
                    .signature = sig && *sig ? sig : NULL,
                    .parent = parent && *parent ? parent : NULL,
                    .line = it->sp.row + 1, .column = it->sp.column + 1,
                    .end_line = it->ep.row + 1, .end_column = it->ep.column,
                    .flags = it->decl ? 0 : LMKV_ANALYSIS_SYM_DEFINITION,
                };
                rc = lmkv_analysis_add_symbol(a, &s);
                free(sig);
            }
            if (rc == LMKV_OK && it->has_hier && *qname) {
                char *base = type_name_of(w, it->hsb, it->heb);
                if (!base) rc = LMKV_ENOMEM;
                else {
                    if (*base) {
                        struct lmkv_analysis_hierarchy h = { .parent = base, .child = qname, .kind = it->has_hier };
                        rc = lmkv_analysis_add_hierarchy(a, &h);
                    }
                    free(base);
                }
            }
            free(name); free(prefix);
            if (rc != LMKV_OK) { free(qname); goto cleanup; }
            if (grow((void **)&stk, &capst, nst, sizeof *stk)) { free(qname); rc = LMKV_ENOMEM; goto cleanup; }
            long def = it->is_scope ? (top ? top->def : -1) : (long)nst;
            stk[nst].item = ii; stk[nst].qname = qname; stk[nst].def = def;
            nst++;
            ii++;
            continue;
        }
        struct point *p = &w->pts[pi++];
        if (p->what == 1 && is_def_name(w, p->nsb)) continue;
        const char *encl = top ? (top->def >= 0 ? stk[top->def].qname : top->qname) : NULL;
        char *nm = p->what == 2 ? type_name_of(w, p->nsb, p->neb) : text_of(w, p->nsb, p->neb, TS_NAME_MAX);
        if (!nm) { rc = LMKV_ENOMEM; goto cleanup; }
        if (*nm) {
            if (p->what == 0) {
                struct lmkv_analysis_call c = {
                    .caller = encl && *encl ? encl : file_scope, .callee = nm,
                    .line = p->sp.row + 1, .column = p->sp.column + 1,
                    .call_type = 0, .argument_count = p->argc,
                };
                rc = lmkv_analysis_add_call(a, &c);
            } else if (p->what == 1) {
                struct lmkv_analysis_reference r = {
                    .name = nm, .from = encl && *encl ? encl : NULL, .kind = p->kind,
                    .line = p->sp.row + 1, .column = p->sp.column + 1,
                };
                rc = lmkv_analysis_add_reference(a, &r);
            } else if (encl && *encl) {
                struct lmkv_analysis_hierarchy h = { .parent = nm, .child = encl, .kind = p->kind };
                rc = lmkv_analysis_add_hierarchy(a, &h);
            }
        }
        free(nm);
        if (rc != LMKV_OK) goto cleanup;
    }
cleanup:
    while (nst) free(stk[--nst].qname);
    free(stk);
    free(root);
    return rc;
}


/* ------------------------------------------------------------ reparse cache
 *
 * Per path: the last content and the tree it parsed into. A run takes its
 * path's entry out (so no other thread can use it), edits the old tree by
 * the one TSInputEdit that turns the old bytes into the new ones (common
 * prefix and suffix), reparses with it, and puts the new content and tree
 * back. Bounds: LMKV_ANALYSIS_TS_CACHE_PATHS entries and
 * LMKV_ANALYSIS_TS_CACHE_BYTES bytes of content (or the test's bounds of
 * lmkv_analysis__ts_cache_new_bounded), least recently used out. */

struct centry {
    char *path;
    const struct lmkv_analysis__ts_lang *L;
    char *src;
    uint32_t len;
    TSTree *tree;
    uint64_t used;
};

struct lmkv_analysis__ts_cache {
    pthread_mutex_t lock;
    struct centry *e;
    size_t max_paths, max_bytes;
    size_t n, bytes;
    uint64_t clock;
    size_t reparsed, reparsed_errors, fresh, evicted;
};

static void centry_free(struct centry *e)
{
    free(e->path);
    free(e->src);
    if (e->tree) ts_tree_delete(e->tree);
    memset(e, 0, sizeof *e);
}

int lmkv_analysis__ts_cache_new_bounded(struct lmkv_analysis__ts_cache **out, size_t max_paths, size_t max_bytes)
{
    struct lmkv_analysis__ts_cache *c = calloc(1, sizeof *c);
    if (c && !(c->e = calloc(max_paths ? max_paths : 1, sizeof *c->e))) { free(c); c = NULL; }
    if (!c) return lmkv_error_set(LMKV_ENOMEM, "out of memory (tree-sitter reparse cache)");
    c->max_paths = max_paths ? max_paths : 1;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return LMKV_OK;
}

void lmkv_analysis__ts_cache_free(struct lmkv_analysis__ts_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) centry_free(&c->e[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->e);
    free(c);
}

int lmkv_analysis__ts_cache_new(struct lmkv_analysis__ts_cache **out)
{
    return lmkv_analysis__ts_cache_new_bounded(out, LMKV_ANALYSIS_TS_CACHE_PATHS, LMKV_ANALYSIS_TS_CACHE_BYTES);
}

void lmkv_analysis__ts_cache_stats(struct lmkv_analysis__ts_cache *c, struct lmkv_analysis__ts_cache_stats *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    out->entries = c->n; out->bytes = c->bytes;
    out->reparsed = c->reparsed; out->reparsed_errors = c->reparsed_errors;
    out->fresh = c->fresh; out->evicted = c->evicted;
    pthread_mutex_unlock(&c->lock);
}

static void cache_drop(struct lmkv_analysis__ts_cache *c, size_t i)   /* under lock */
{
    c->bytes -= c->e[i].len;
    centry_free(&c->e[i]);
    c->e[i] = c->e[--c->n];
    memset(&c->e[c->n], 0, sizeof c->e[c->n]);
}

/* Take PATH's entry out of the cache (*out zeroed when there is none). */
static void cache_take(struct lmkv_analysis__ts_cache *c, const char *path, struct centry *out)
{
    memset(out, 0, sizeof *out);
    if (!c || !path) return;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].path, path)) {
            *out = c->e[i];
            c->bytes -= c->e[i].len;
            c->e[i] = c->e[--c->n];
            memset(&c->e[c->n], 0, sizeof c->e[c->n]);
            break;
        }
    pthread_mutex_unlock(&c->lock);
}

/* Put the run's content and tree in (the cache owns TREE from here, also on
 * failure). A file over the byte bound is not kept. */
static void cache_put(struct lmkv_analysis__ts_cache *c, const char *path,
                      const struct lmkv_analysis__ts_lang *L, const char *src, uint32_t len,
                      TSTree *tree, int mode)
{
    struct centry e = {0};
    pthread_mutex_lock(&c->lock);
    if (mode == 1) c->reparsed++; else if (mode == 2) c->reparsed_errors++; else c->fresh++;
    pthread_mutex_unlock(&c->lock);
    if (len > c->max_bytes) { ts_tree_delete(tree); return; }
    e.tree = tree; e.L = L; e.len = len;
    if (!(e.path = strdup(path)) || !(e.src = malloc(len ? len : 1))) { centry_free(&e); return; }
    memcpy(e.src, src, len);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n; i++)        /* another thread's, meanwhile */
        if (!strcmp(c->e[i].path, path)) { cache_drop(c, i); break; }
    while (c->n && (c->n >= c->max_paths || c->bytes + len > c->max_bytes)) {
        size_t lru = 0;
        for (size_t i = 1; i < c->n; i++) if (c->e[i].used < c->e[lru].used) lru = i;
        cache_drop(c, lru);
        c->evicted++;
    }
    e.used = ++c->clock;
    c->e[c->n++] = e;
    c->bytes += len;
    pthread_mutex_unlock(&c->lock);
}

static int cancelled(const struct lmkv_analysis__opts *o);

/* Parse W's bytes (reusing OLD, already edited, unless NULL) into *out; in
 * timed slices when there is a cancel flag (a timed-out parse resumes where
 * it stopped when called again). */
static int parse(TSParser *parser, TSTree *old, const struct work *w, const struct lmkv_analysis__opts *o,
                 TSTree **out)
{
    while (!(*out = ts_parser_parse_string(parser, old, w->src, w->len))) {
        if (!(o && o->cancel)) return LMKV_ENOMEM;
        if (cancelled(o)) return LMKV_ECONFLICT;
    }
    return LMKV_OK;
}

/* Row and byte column of byte offset N of S. */
static TSPoint point_at(const char *s, uint32_t n)
{
    TSPoint p = {0, 0};
    uint32_t ls = 0;
    for (const char *q = s, *end = s + n; q < end; ) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) break;
        p.row++;
        ls = (uint32_t)(nl - s) + 1;
        q = nl + 1;
    }
    p.column = n - ls;
    return p;
}

/* The one edit turning OLD into NEW: the common prefix and suffix stay, the
 * range between them is replaced (cut at UTF-8 character starts). */
static TSInputEdit edit_between(const char *old, uint32_t olen, const char *nw, uint32_t nlen)
{
    uint32_t min = olen < nlen ? olen : nlen, p = 0, sfx = 0;
    while (p < min && old[p] == nw[p]) p++;
    while (p && p < nlen && ((unsigned char)nw[p] & 0xC0) == 0x80) p--;
    while (sfx < min - p && old[olen - 1 - sfx] == nw[nlen - 1 - sfx]) sfx++;
    while (sfx && ((unsigned char)nw[nlen - sfx] & 0xC0) == 0x80) sfx--;
    TSInputEdit e;
    e.start_byte = p;
    e.old_end_byte = olen - sfx;
    e.new_end_byte = nlen - sfx;
    e.start_point = point_at(nw, p);
    e.old_end_point = point_at(old, e.old_end_byte);
    e.new_end_point = point_at(nw, e.new_end_byte);
    return e;
}

/* ------------------------------------------------------------ entry */

const struct lmkv_analysis__ts_lang *lmkv_analysis__ts_lang_find(const char *language)
{
    if (!language) return NULL;
    for (size_t i = 0; lmkv_analysis__ts_langs[i].language; i++)
        if (!strcmp(lmkv_analysis__ts_langs[i].language, language)) return &lmkv_analysis__ts_langs[i];
    return NULL;
}

const char *lmkv_analysis__ts_frontend_id(const char *language)
{
    const struct lmkv_analysis__ts_lang *L = lmkv_analysis__ts_lang_find(language);
    return L ? L->frontend_id : NULL;
}

static int fail(lmkv_analysis *a, int code, const char *msg)
{
    lmkv_analysis_set_error(a, msg);
    return lmkv_error_set(code, "%s", msg);
}

static int cancelled(const struct lmkv_analysis__opts *o)
{
    return o && o->cancel && __atomic_load_n(o->cancel, __ATOMIC_RELAXED);
}

int lmkv_analysis__ts_run(lmkv_analysis *a, const char *language, const char *path,
                          const void *content, size_t len, const struct lmkv_analysis__opts *o)
{
    char msg[1024];
    const struct lmkv_analysis__ts_lang *L = lmkv_analysis__ts_lang_find(language);
    if (!a || (!content && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis__ts_run: NULL argument");
    if (!L) {
        snprintf(msg, sizeof msg, "no tree-sitter frontend for language '%s'", language ? language : "(null)");
        return fail(a, LMKV_EINVAL, msg);
    }
    if (len > LMKV_ANALYSIS__TS_MAX_BYTES) {
        snprintf(msg, sizeof msg, "file too large: %zu bytes, the %s frontend reads at most %u", len,
                 L->language, LMKV_ANALYSIS__TS_MAX_BYTES);
        return fail(a, LMKV_ETOOBIG, msg);
    }
    const char *nul = len ? memchr(content, 0, len) : NULL;
    if (nul) {
        snprintf(msg, sizeof msg, "binary content (a NUL byte at offset %zu), not %s source",
                 (size_t)(nul - (const char *)content), L->language);
        return fail(a, LMKV_EPARSE, msg);
    }
    uint32_t depth = 0, maxd = 0, line = 1, at_line = 0;
    for (size_t i = 0; i < len; i++) {
        char c = ((const char *)content)[i];
        if (c == '(' || c == '[' || c == '{') {
            if (++depth > maxd) { maxd = depth; at_line = line; }
        } else if ((c == ')' || c == ']' || c == '}') && depth) depth--;
        else if (c == '\n') line++;
    }
    if (maxd > LMKV_ANALYSIS__TS_MAX_DEPTH) {
        snprintf(msg, sizeof msg, "nesting too deep: %u levels of brackets at line %u, the %s frontend reads at most %u",
                 maxd, at_line, L->language, LMKV_ANALYSIS__TS_MAX_DEPTH);
        return fail(a, LMKV_ELIMIT, msg);
    }
    struct lang_state *st = lang_state_get(L);
    if (st->failed) return fail(a, LMKV_EPARSE, st->err);

    int rc = LMKV_OK;
    struct work w;
    memset(&w, 0, sizeof w);
    w.L = L; w.src = content ? content : ""; w.len = (uint32_t)len;
    TSParser *parser = ts_parser_new();
    TSTree *tree = NULL;
    TSQueryCursor *cur = NULL;
    struct lmkv_analysis__ts_cache *cache = o && path ? o->ts_cache : NULL;
    struct centry old;
    int mode = 0;                /* 0 fresh, 1 reparsed, 2 reparse had errors: fresh */
    /* the path's last parse, if it was this language: edit its tree into
     * the new bytes' coordinates and let the parser reuse what the edit
     * left untouched */
    cache_take(cache, path, &old);
    if (old.tree && old.L != L) centry_free(&old);
    if (old.tree) {
        TSInputEdit e = edit_between(old.src, old.len, w.src, w.len);
        ts_tree_edit(old.tree, &e);
    }
    if (!parser || !ts_parser_set_language(parser, L->grammar())) { rc = LMKV_ENOMEM; goto fail; }
    /* in slices of 50 ms, so a cancel request is seen (a timed-out parse
     * resumes where it stopped when called again) */
    if (o && o->cancel) ts_parser_set_timeout_micros(parser, 50000);
    if ((rc = parse(parser, old.tree, &w, o, &tree)) != LMKV_OK) goto fail;
    /* tree-sitter's error recovery over a reused tree may settle on another
     * tree than a fresh parse's (seen on Rust: a span inserted into a
     * function): a tree with an ERROR or MISSING node is parsed again from
     * scratch, so the records are always the fresh parse's */
    if (old.tree && ts_node_has_error(ts_tree_root_node(tree))) {
        ts_tree_delete(tree);
        tree = NULL;
        mode = 2;
        ts_parser_reset(parser);
        if ((rc = parse(parser, NULL, &w, o, &tree)) != LMKV_OK) goto fail;
    } else if (old.tree) mode = 1;
    if (!(cur = ts_query_cursor_new())) { rc = LMKV_ENOMEM; goto fail; }
    ts_query_cursor_set_match_limit(cur, LMKV_ANALYSIS__TS_MATCH_LIMIT);
    ts_query_cursor_exec(cur, st->q, ts_tree_root_node(tree));
    TSQueryMatch m;
    unsigned long nm = 0;
    while (ts_query_cursor_next_match(cur, &m)) {
        if ((++nm & 4095) == 0 && cancelled(o)) { rc = LMKV_ECONFLICT; goto fail; }
        if (!match_passes(&w, st, &m)) continue;
        if (add_match(&w, st, &m)) { rc = LMKV_ENOMEM; goto fail; }
    }
    if (ts_query_cursor_did_exceed_match_limit(cur)) {
        /* the cursor dropped matches: fail the file rather than store a part */
        snprintf(msg, sizeof msg, "more than %u matches in progress at once (the %s query over too deep a tree)",
                 LMKV_ANALYSIS__TS_MATCH_LIMIT, L->language);
        rc = LMKV_ELIMIT;
        fail(a, rc, msg);
        goto cleanup;
    }
    if (w.nitems) qsort(w.items, w.nitems, sizeof *w.items, cmp_items);
    if (w.npts) qsort(w.pts, w.npts, sizeof *w.pts, cmp_points);
    dedupe_items(&w);
    dedupe_points(&w);
    if (w.nitems) {
        if (!(w.defnames = malloc(w.nitems * sizeof *w.defnames))) { rc = LMKV_ENOMEM; goto fail; }
        for (size_t i = 0; i < w.nitems; i++) w.defnames[i] = w.items[i].nsb;
        qsort(w.defnames, w.nitems, sizeof *w.defnames, cmp_u32);
    }
    rc = emit(&w, a);
fail:
    if (rc == LMKV_ENOMEM) {
        snprintf(msg, sizeof msg, "out of memory in the %s frontend", L->language);
        fail(a, LMKV_ENOMEM, msg);
    } else if (rc == LMKV_ECONFLICT) fail(a, rc, "interrupted");
    else if (rc != LMKV_OK) {
        snprintf(msg, sizeof msg, "%s", lmkv_errmsg());
        fail(a, rc, msg);
    }
cleanup:
    if (cur) ts_query_cursor_delete(cur);   /* 0.20's deletes take no NULL */
    centry_free(&old);
    if (tree && cache && rc == LMKV_OK) cache_put(cache, path, L, w.src, w.len, tree, mode);
    else if (tree) ts_tree_delete(tree);
    if (parser) ts_parser_delete(parser);
    free(w.items);
    free(w.pts);
    free(w.defnames);
    return rc;
}
