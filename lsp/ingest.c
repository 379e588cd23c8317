/*
 * ingest.c -- raw LSP answers -> lmkv records (lsp/lmkv_lsp.h).
 *
 * Answers are parsed and their positions converted when they are given
 * (lmkv_lsp_ingest_answer), into pending items held per ingest; names and
 * ids are resolved, and records built, only when they are written, since a
 * call's or reference's names depend on the documentSymbol answers, which
 * may come in any order.
 */
#include "lmkv_lsp.h"
#include "kv_array_int.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

/* ------------------------------------------------------------ positions */

typedef struct pos { /* lmkv position: 1-based line, 1-based byte column */
    uint32_t line, col;
} pos;

static int pos_cmp(pos a, pos b)
{
    if (a.line != b.line) return a.line < b.line ? -1 : 1;
    if (a.col != b.col) return a.col < b.col ? -1 : 1;
    return 0;
}

typedef struct range {
    pos start, end;
} range;

static int range_contains(const range *r, pos p)
{
    return pos_cmp(r->start, p) <= 0 && pos_cmp(p, r->end) <= 0;
}

/* One UTF-8 code point at s[0..n): its length in bytes and UTF-16 units;
 * an invalid byte is one byte and one unit (as U+FFFD). */
static size_t utf8_step(const unsigned char *s, size_t n, unsigned *units)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    *units = 1;
    if (len <= 1) return 1;
    if (len > n) return 1;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 1;
    if (len == 2 && c < 0xC2) return 1; /* overlong */
    if (len == 4) {
        uint32_t cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
        if (cp < 0x10000 || cp > 0x10FFFF) return 1;
        *units = 2;
    }
    return len;
}

/* Bytes of the line starting at off (without its terminator). */
static size_t line_len_at(const unsigned char *t, size_t len, size_t off)
{
    size_t e = off;
    while (e < len && t[e] != '\n' && t[e] != '\r') e++;
    return e - off;
}

/* Column conversion on one line: line bytes t[off..off+ll). */
static int col_convert(uint32_t *out_col, const unsigned char *t, size_t off, size_t ll, uint32_t ch,
                       uint32_t lsp_line)
{
    size_t i = 0;
    uint32_t units = 0;
    while (units < ch && i < ll) {
        unsigned u;
        size_t n = utf8_step(t + off + i, ll - i, &u);
        if (units + u > ch)
            return lmkv_error_set(LMKV_EINVAL,
                                  "line %u character %u is inside a surrogate pair (a 4-byte UTF-8 character "
                                  "at byte column %zu)",
                                  lsp_line, ch, i + 1);
        units += u;
        i += n;
    }
    *out_col = (uint32_t)(i + 1); /* past the end: the line's end (LSP) */
    return LMKV_OK;
}

int lmkv_lsp_position_to_byte(uint32_t *out_line, uint32_t *out_column, const void *text, size_t len,
                                       uint32_t lsp_line, uint32_t lsp_character)
{
    if (!out_line || !out_column || (!text && len)) return lmkv_error_set(LMKV_EINVAL, "lsp position: NULL argument");
    const unsigned char *t = text;
    size_t off = 0;
    uint32_t l = 0;
    while (l < lsp_line) {
        while (off < len && t[off] != '\n' && t[off] != '\r') off++;
        if (off >= len)
            return lmkv_error_set(LMKV_EINVAL, "line %u is past the last line (%u lines)", lsp_line, l + 1);
        if (t[off] == '\r' && off + 1 < len && t[off + 1] == '\n') off++;
        off++;
        l++;
    }
    uint32_t col;
    int rc = col_convert(&col, t, off, line_len_at(t, len, off), lsp_character, lsp_line);
    if (rc) return rc;
    *out_line = lsp_line + 1;
    *out_column = col;
    return LMKV_OK;
}

/* ------------------------------------------------------------ methods */

static const char *const method_names[] = {
    NULL,
    "textDocument/documentSymbol",
    "callHierarchy/incomingCalls",
    "callHierarchy/outgoingCalls",
    "textDocument/references",
    "textDocument/definition",
    "textDocument/typeDefinition",
    "textDocument/implementation",
};
#define N_METHODS ((int)(sizeof method_names / sizeof method_names[0]))

int lmkv_lsp_method_from_name(lmkv_lsp_method *out, const char *name)
{
    if (!out || !name) return lmkv_error_set(LMKV_EINVAL, "lsp method: NULL argument");
    for (int i = 1; i < N_METHODS; i++)
        if (!strcmp(method_names[i], name)) {
            *out = (lmkv_lsp_method)i;
            return LMKV_OK;
        }
    return lmkv_error_set(LMKV_NOTFOUND, "lsp method: \"%s\" is not one lmkv ingests", name);
}

const char *lmkv_lsp_method_name(int method)
{
    return method >= 1 && method < N_METHODS ? method_names[method] : NULL;
}

const char *lmkv_lsp_language_of(const char *path)
{
    static const struct { const char *ext, *lang; } t[] = {
        {".c", "c"}, {".h", "c"}, {".cc", "cpp"}, {".cpp", "cpp"}, {".cxx", "cpp"}, {".hpp", "cpp"},
        {".rs", "rust"}, {".ts", "typescript"}, {".tsx", "typescript"}, {".mts", "typescript"},
        {".cts", "typescript"}, {".js", "javascript"}, {".mjs", "javascript"}, {".cjs", "javascript"},
        {".py", "python"}, {".go", "go"}, {".java", "java"}};
    if (!path)
        return NULL;
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return NULL;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(dot, t[i].ext))
            return t[i].lang;
    return NULL;
}

/* ------------------------------------------------------------ ingest */

typedef struct lsym { /* a symbol from documentSymbol */
    char *name, *detail, *container; /* container: SymbolInformation's containerName */
    int kind;
    int parent;  /* index in the file's symbols, -1 = top level */
    int has_sel; /* 0: SymbolInformation (no selectionRange: sel = r) */
    range r, sel;
} lsym;

typedef struct lfile {
    char *path, *language;
    unsigned char *bytes;
    size_t len;
    uint32_t *line_off; /* byte offset of each line's start */
    uint32_t nlines;
    char blob[LMKV_OID_HEXSZ];
    uint64_t fv;
    lsym *syms;
    size_t nsyms;
    int has_symbols;
} lfile;

typedef struct litem { /* a CallHierarchyItem */
    char *name;
    int file;  /* -1: not added */
    pos sel;
} litem;

typedef struct lcall {
    int file; /* site file (the caller's) */
    pos site;
    litem caller, callee;
} lcall;

/* A symbol named by position: `at` in file `file`. */
typedef struct lpoint {
    int file;
    pos at;
} lpoint;

typedef struct lref {
    int file;      /* site file */
    range r;       /* site */
    lpoint target; /* where the target is named (request position / result location) */
    int kind;      /* lmkv_reference_kind */
    int target_is_result; /* definition-like: the target is the result location, else the request position */
    lpoint result; /* definition-like: the result location (file -1 if outside) */
} lref;

typedef struct limpl {
    lpoint parent; /* request position */
    lpoint child;  /* result location (added file) */
} limpl;

struct lmkv_lsp_ingest {
    uint64_t ws;
    char *root;
    size_t root_len;
    lfile *files;
    size_t nfiles, capfiles;
    lcall *calls;
    size_t ncalls, capcalls;
    lref *refs;
    size_t nrefs, caprefs;
    limpl *impls;
    size_t nimpls, capimpls;
    size_t answers, empty, outside;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    return lmkv_kv__array_grow(p, cap, need, elem, 16) ? -1 : 0;
}

int lmkv_lsp_ingest_new(lmkv_lsp_ingest **out, uint64_t ws, const char *root)
{
    if (!out || !root || !ws) return lmkv_error_set(LMKV_EINVAL, "lsp ingest: NULL argument or workspace id 0");
    if (root[0] != '/') return lmkv_error_set(LMKV_EINVAL, "lsp ingest: root \"%s\" is not absolute", root);
    lmkv_lsp_ingest *g = calloc(1, sizeof *g);
    if (!g || !(g->root = strdup(root))) {
        free(g);
        return lmkv_error_set(LMKV_ENOMEM, "lsp ingest: out of memory");
    }
    g->root_len = strlen(g->root);
    while (g->root_len > 1 && g->root[g->root_len - 1] == '/') g->root[--g->root_len] = 0;
    g->ws = ws;
    *out = g;
    return LMKV_OK;
}

static void syms_free(lsym *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].detail);
        free(s[i].container);
    }
    free(s);
}

static void calls_truncate(lmkv_lsp_ingest *g, size_t n)
{
    while (g->ncalls > n) {
        lcall *c = &g->calls[--g->ncalls];
        free(c->caller.name);
        free(c->callee.name);
    }
}

void lmkv_lsp_ingest_free(lmkv_lsp_ingest *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->nfiles; i++) {
        lfile *f = &g->files[i];
        free(f->path);
        free(f->language);
        free(f->bytes);
        free(f->line_off);
        syms_free(f->syms, f->nsyms);
    }
    free(g->files);
    calls_truncate(g, 0);
    free(g->calls);
    free(g->refs);
    free(g->impls);
    free(g->root);
    free(g);
}

static int find_file(const lmkv_lsp_ingest *g, const char *path)
{
    for (size_t i = 0; i < g->nfiles; i++)
        if (!strcmp(g->files[i].path, path)) return (int)i;
    return -1;
}

int lmkv_lsp_ingest_add_file(uint64_t *out_fv, lmkv_lsp_ingest *g, const char *path, const void *content,
                                      size_t len, const char *language)
{
    if (!g || !path || (!content && len)) return lmkv_error_set(LMKV_EINVAL, "lsp add_file: NULL argument");
    if (!path[0] || path[0] == '/')
        return lmkv_error_set(LMKV_EINVAL, "lsp add_file: path \"%s\" is not workspace-relative", path);
    if (len >= ((size_t)1 << 32))
        return lmkv_error_set(LMKV_ETOOBIG, "lsp add_file: %s is %zu bytes (limit 4 GiB)", path, len);
    char blob[LMKV_OID_HEXSZ];
    int rc = lmkv_blob_id(blob, content, len);
    if (rc) return rc;
    int fi = find_file(g, path);
    if (fi >= 0) {
        if (strcmp(g->files[fi].blob, blob))
            return lmkv_error_set(LMKV_EINVAL, "lsp add_file: %s was added with other bytes (blob %s, now %s)", path,
                                  g->files[fi].blob, blob);
        if (out_fv) *out_fv = g->files[fi].fv;
        return LMKV_OK;
    }
    uint64_t fv;
    if ((rc = lmkv_file_version_id(&fv, g->ws, path, blob))) return rc;
    if (grow((void **)&g->files, &g->capfiles, g->nfiles + 1, sizeof *g->files))
        return lmkv_error_set(LMKV_ENOMEM, "lsp add_file: out of memory");
    lfile f;
    memset(&f, 0, sizeof f);
    f.path = strdup(path);
    f.language = language ? strdup(language) : NULL;
    f.bytes = malloc(len ? len : 1);
    size_t nl = 1;
    const unsigned char *t = content;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n' || (t[i] == '\r' && !(i + 1 < len && t[i + 1] == '\n'))) nl++;
    f.line_off = malloc(nl * sizeof *f.line_off);
    if (!f.path || (language && !f.language) || !f.bytes || !f.line_off) {
        free(f.path); free(f.language); free(f.bytes); free(f.line_off);
        return lmkv_error_set(LMKV_ENOMEM, "lsp add_file: out of memory");
    }
    if (len) memcpy(f.bytes, content, len);
    f.len = len;
    f.line_off[0] = 0;
    f.nlines = 1;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n' || (t[i] == '\r' && !(i + 1 < len && t[i + 1] == '\n')))
            f.line_off[f.nlines++] = (uint32_t)(i + 1);
    memcpy(f.blob, blob, sizeof blob);
    f.fv = fv;
    g->files[g->nfiles++] = f;
    if (out_fv) *out_fv = fv;
    return LMKV_OK;
}

/* ------------------------------------------------------------ parsing */

typedef struct actx { /* one answer being parsed */
    lmkv_lsp_ingest *g;
    const char *method;
    const char *params_txt, *result_txt; /* the raw JSON texts, for byte offsets */
    size_t params_len, result_len;
    char path[512]; /* JSON path of the value being read */
} actx;

/* ---- byte offsets of JSON paths in the raw text (for messages) ---- */

static size_t js_ws(const char *t, size_t n, size_t i)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
    return i;
}

/* Offset just past the JSON value at i (the text was parsed by jansson, so
 * it is valid JSON); n on a malformed text. */
static size_t js_skip(const char *t, size_t n, size_t i)
{
    i = js_ws(t, n, i);
    if (i >= n) return n;
    if (t[i] == '"') {
        for (i++; i < n && t[i] != '"'; i++)
            if (t[i] == '\\') i++;
        return i < n ? i + 1 : n;
    }
    if (t[i] == '{' || t[i] == '[') {
        int depth = 0;
        for (; i < n; i++) {
            if (t[i] == '"') {
                i = js_skip(t, n, i) - 1;
                continue;
            }
            if (t[i] == '{' || t[i] == '[') depth++;
            else if ((t[i] == '}' || t[i] == ']') && --depth == 0) return i + 1;
        }
        return n;
    }
    while (i < n && !strchr(",]} \t\r\n", t[i])) i++;
    return i;
}

/* Byte offset of the value at `path` ("result[3].range.start" or
 * "params.position", relative to that text's root) in the raw text, or -1. */
static long js_path_offset(const actx *a)
{
    const char *p = a->path, *t;
    size_t n;
    if (!strncmp(p, "result", 6)) { t = a->result_txt; n = a->result_len; p += 6; }
    else if (!strncmp(p, "params", 6)) { t = a->params_txt; n = a->params_len; p += 6; }
    else return -1;
    if (!t) return -1;
    size_t i = js_ws(t, n, 0);
    while (*p) {
        i = js_ws(t, n, i);
        if (i >= n) return -1;
        if (*p == '[') {
            char *e;
            unsigned long k = strtoul(p + 1, &e, 10);
            if (*e != ']' || t[i] != '[') return -1;
            p = e + 1;
            i++;
            for (unsigned long j = 0; j < k; j++) {
                i = js_ws(t, n, js_skip(t, n, i));
                if (i >= n || t[i] != ',') return -1;
                i++;
            }
            i = js_ws(t, n, i);
        } else if (*p == '.') {
            const char *ks = ++p;
            while (*p && *p != '.' && *p != '[') p++;
            size_t kl = (size_t)(p - ks);
            if (t[i] != '{') return -1;
            i++;
            for (;;) {
                i = js_ws(t, n, i);
                if (i >= n || t[i] != '"') return -1;
                size_t kb = i + 1, ke = js_skip(t, n, i) - 1;
                i = js_ws(t, n, ke + 1);
                if (i >= n || t[i] != ':') return -1;
                i = js_ws(t, n, i + 1);
                if (ke - kb == kl && !memcmp(t + kb, ks, kl)) break;
                i = js_ws(t, n, js_skip(t, n, i));
                if (i >= n || t[i] != ',') return -1; /* key absent: the object's end */
                i++;
            }
        } else {
            return -1;
        }
    }
    return (long)i;
}

static int perr(actx *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(actx *a, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long off = js_path_offset(a);
    if (off >= 0)
        return lmkv_error_set(LMKV_EPARSE, "%s answer: at %s (%s byte %ld): %s", a->method, a->path,
                              a->path[0] == 'r' ? "result" : "params", off, msg);
    return lmkv_error_set(LMKV_EPARSE, "%s answer: at %s: %s", a->method, a->path, msg);
}

/* Push ".key" or "[i]" onto the path; returns the old length to pop to. */
static size_t push_key(actx *a, const char *key)
{
    size_t n = strlen(a->path);
    snprintf(a->path + n, sizeof a->path - n, "%s%s", n ? "." : "", key);
    return n;
}
static size_t push_idx(actx *a, size_t i)
{
    size_t n = strlen(a->path);
    snprintf(a->path + n, sizeof a->path - n, "[%zu]", i);
    return n;
}
static void pop(actx *a, size_t n) { a->path[n] = 0; }

static int get_u32(actx *a, json_t *obj, const char *key, uint32_t *out)
{
    size_t m = push_key(a, key);
    json_t *v = json_object_get(obj, key);
    if (!v) return perr(a, "missing");
    if (!json_is_integer(v)) return perr(a, "not an integer");
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > (json_int_t)UINT32_MAX) return perr(a, "%lld is not a uinteger", (long long)x);
    *out = (uint32_t)x;
    pop(a, m);
    return 0;
}

static int get_str(actx *a, json_t *obj, const char *key, int required, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!required) return 0;
        size_t m = push_key(a, key);
        int rc = perr(a, "missing");
        pop(a, m);
        return rc;
    }
    if (!json_is_string(v)) {
        size_t m = push_key(a, key);
        int rc = perr(a, "not a string");
        pop(a, m);
        return rc;
    }
    *out = json_string_value(v);
    return 0;
}

static int get_obj(actx *a, json_t *obj, const char *key, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || !json_is_object(v)) {
        size_t m = push_key(a, key);
        int rc = perr(a, v ? "not an object" : "missing");
        pop(a, m);
        return rc;
    }
    *out = v;
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int uri_file_x(actx *a, const char *uri, int *out, int strict);
/* A location's URI: outside the root is "not added" (-1). */
static int uri_file(actx *a, const char *uri, int *out) { return uri_file_x(a, uri, out, 0); }

/* A file:// URI -> index of the added file (-1 if not added; *rel set to
 * the workspace-relative path, malloc'd, when rel is non-NULL). */
static int uri_file_x(actx *a, const char *uri, int *out, int strict)
{
    if (strncmp(uri, "file://", 7)) return perr(a, "\"%s\" is not a file:// URI", uri);
    const char *p = uri + 7;
    if (*p != '/') return perr(a, "\"%s\": file URI with a host is not supported", uri);
    size_t n = strlen(p);
    char *d = malloc(n + 1);
    if (!d) return lmkv_error_set(LMKV_ENOMEM, "lsp answer: out of memory");
    size_t dl = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%') {
            int h1 = i + 2 < n + 1 ? hexval(p[i + 1]) : -1, h2 = h1 >= 0 ? hexval(p[i + 2]) : -1;
            if (h1 < 0 || h2 < 0) {
                free(d);
                return perr(a, "\"%s\": malformed percent escape at byte %zu", uri, i + 7);
            }
            d[dl++] = (char)(h1 * 16 + h2);
            i += 2;
        } else {
            d[dl++] = p[i];
        }
    }
    d[dl] = 0;
    lmkv_lsp_ingest *g = a->g;
    if (strlen(d) != dl || strncmp(d, g->root, g->root_len) || (g->root_len > 1 && d[g->root_len] != '/')) {
        if (!strict && strlen(d) == dl) { /* a location outside the workspace: not added */
            free(d);
            *out = -1;
            return 0;
        }
        int rc = perr(a, "\"%s\" is not under the workspace root %s", uri, g->root);
        free(d);
        return rc;
    }
    const char *rel = d + g->root_len + (g->root_len > 1);
    *out = find_file(g, rel);
    free(d);
    return 0;
}

static int get_pos(actx *a, json_t *obj, const char *key, int file, pos *out)
{
    json_t *p;
    int rc = get_obj(a, obj, key, &p);
    if (rc) return rc;
    size_t m = push_key(a, key);
    uint32_t line, ch;
    if ((rc = get_u32(a, p, "line", &line)) || (rc = get_u32(a, p, "character", &ch))) return rc;
    if (file >= 0) {
        lfile *f = &a->g->files[file];
        if (line >= f->nlines)
            return perr(a, "line %u is outside %s (%u lines)", line, f->path, f->nlines);
        size_t off = f->line_off[line];
        uint32_t col;
        if (col_convert(&col, f->bytes, off, line_len_at(f->bytes, f->len, off), ch, line))
            return perr(a, "%s: %s", f->path, lmkv_errmsg());
        out->line = line + 1;
        out->col = col;
    } else {
        out->line = line + 1;
        out->col = ch + 1;
    }
    pop(a, m);
    return 0;
}

static int get_range(actx *a, json_t *obj, const char *key, int file, range *out)
{
    json_t *r;
    int rc = get_obj(a, obj, key, &r);
    if (rc) return rc;
    size_t m = push_key(a, key);
    if ((rc = get_pos(a, r, "start", file, &out->start)) || (rc = get_pos(a, r, "end", file, &out->end))) return rc;
    if (pos_cmp(out->end, out->start) < 0) return perr(a, "end is before start");
    pop(a, m);
    return 0;
}

/* Location {uri, range} or LocationLink {targetUri, targetRange,
 * targetSelectionRange}: its file (-1 = not added) and range. */
static int get_location(actx *a, json_t *v, int *file, range *r)
{
    if (!json_is_object(v)) return perr(a, "not a Location");
    const char *uri;
    int rc;
    int link = json_object_get(v, "targetUri") != NULL;
    if ((rc = get_str(a, v, link ? "targetUri" : "uri", 1, &uri))) return rc;
    if ((rc = uri_file(a, uri, file))) return rc;
    return get_range(a, v, link ? "targetSelectionRange" : "range", *file, r);
}

static int get_kind(actx *a, json_t *obj, int *out)
{
    size_t m = push_key(a, "kind");
    json_t *v = json_object_get(obj, "kind");
    if (!v) return perr(a, "missing");
    if (!json_is_integer(v)) return perr(a, "not an integer");
    json_int_t k = json_integer_value(v);
    if (k < 1 || k > 26) return perr(a, "unknown SymbolKind %lld (LSP defines 1..26)", (long long)k);
    *out = (int)k;
    pop(a, m);
    return 0;
}

static int req_doc(actx *a, json_t *params, int *file)
{
    json_t *td;
    const char *uri;
    int rc;
    size_t m = push_key(a, "params");
    if ((rc = get_obj(a, params, "textDocument", &td))) return rc;
    size_t m2 = push_key(a, "textDocument");
    if ((rc = get_str(a, td, "uri", 1, &uri))) return rc;
    size_t m3 = push_key(a, "uri");
    if ((rc = uri_file_x(a, uri, file, 1))) return rc;
    if (*file < 0) return perr(a, "%s: the file was not added (lmkv_lsp_ingest_add_file)", uri);
    pop(a, m3);
    pop(a, m2);
    pop(a, m);
    return 0;
}

static int req_point(actx *a, json_t *params, lpoint *out)
{
    int rc = req_doc(a, params, &out->file);
    if (rc) return rc;
    size_t m = push_key(a, "params");
    if ((rc = get_pos(a, params, "position", out->file, &out->at))) return rc;
    pop(a, m);
    return 0;
}

/* CallHierarchyItem. */
static int get_item(actx *a, json_t *v, litem *out)
{
    const char *name, *uri;
    int rc;
    range sel;
    memset(out, 0, sizeof *out);
    if (!json_is_object(v)) return perr(a, "not a CallHierarchyItem");
    if ((rc = get_str(a, v, "name", 1, &name)) || (rc = get_str(a, v, "uri", 1, &uri))) return rc;
    int kind;
    if ((rc = get_kind(a, v, &kind))) return rc;
    if ((rc = uri_file(a, uri, &out->file))) return rc;
    range r;
    if ((rc = get_range(a, v, "range", out->file, &r)) || (rc = get_range(a, v, "selectionRange", out->file, &sel)))
        return rc;
    out->sel = sel.start;
    if (!(out->name = strdup(name))) return lmkv_error_set(LMKV_ENOMEM, "lsp answer: out of memory");
    return 0;
}

/* documentSymbol: DocumentSymbol[] (recursive) or SymbolInformation[]. */
static int doc_symbols(actx *a, json_t *arr, int file, int parent, lsym **syms, size_t *n, size_t *cap)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        size_t m = push_idx(a, i);
        if (!json_is_object(v)) return perr(a, "not a DocumentSymbol or SymbolInformation");
        const char *name, *detail = NULL, *container = NULL;
        int rc, kind;
        if ((rc = get_str(a, v, "name", 1, &name)) || (rc = get_kind(a, v, &kind))) return rc;
        lsym s;
        memset(&s, 0, sizeof s);
        s.kind = kind;
        s.parent = parent;
        json_t *loc = json_object_get(v, "location");
        if (loc) { /* SymbolInformation */
            int lf;
            size_t m2 = push_key(a, "location");
            if ((rc = get_location(a, loc, &lf, &s.r))) return rc;
            if (lf != file) return perr(a, "a symbol of another document");
            pop(a, m2);
            s.sel = s.r;
            if ((rc = get_str(a, v, "containerName", 0, &container))) return rc;
        } else {
            if ((rc = get_range(a, v, "range", file, &s.r)) || (rc = get_range(a, v, "selectionRange", file, &s.sel)) ||
                (rc = get_str(a, v, "detail", 0, &detail)))
                return rc;
            s.has_sel = 1;
        }
        if (grow((void **)syms, cap, *n + 1, sizeof **syms)) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        s.name = strdup(name);
        s.detail = detail ? strdup(detail) : NULL;
        s.container = container && *container ? strdup(container) : NULL;
        if (!s.name || (detail && !s.detail) || (container && *container && !s.container)) {
            free(s.name); free(s.detail); free(s.container);
            return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        }
        int me = (int)*n;
        (*syms)[(*n)++] = s;
        json_t *ch = json_object_get(v, "children");
        if (ch && !json_is_null(ch)) {
            size_t m2 = push_key(a, "children");
            if (!json_is_array(ch)) return perr(a, "not an array");
            if ((rc = doc_symbols(a, ch, file, me, syms, n, cap))) return rc;
            pop(a, m2);
        }
        pop(a, m);
    }
    return 0;
}

static int add_call(lmkv_lsp_ingest *g, int file, pos site, const litem *caller, const litem *callee)
{
    if (grow((void **)&g->calls, &g->capcalls, g->ncalls + 1, sizeof *g->calls))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    lcall c = {file, site, *caller, *callee};
    c.caller.name = strdup(caller->name);
    c.callee.name = strdup(callee->name);
    g->calls[g->ncalls++] = c;
    if (!c.caller.name || !c.callee.name) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    return 0;
}

static int add_ref(lmkv_lsp_ingest *g, const lref *r)
{
    if (grow((void **)&g->refs, &g->caprefs, g->nrefs + 1, sizeof *g->refs))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    g->refs[g->nrefs++] = *r;
    return 0;
}

static int calls_answer(actx *a, int incoming, json_t *params, json_t *res)
{
    json_t *item;
    int rc;
    litem it;
    size_t m = push_key(a, "params");
    if ((rc = get_obj(a, params, "item", &item))) return rc;
    size_t m2 = push_key(a, "item");
    if ((rc = get_item(a, item, &it))) return rc;
    pop(a, m2);
    pop(a, m);
    snprintf(a->path, sizeof a->path, "result");
    size_t i;
    json_t *v;
    json_array_foreach(res, i, v) {
        size_t mi = push_idx(a, i);
        if (!json_is_object(v)) { rc = perr(a, "not a CallHierarchy%sCall", incoming ? "Incoming" : "Outgoing"); break; }
        json_t *other = json_object_get(v, incoming ? "from" : "to");
        litem o;
        size_t mo = push_key(a, incoming ? "from" : "to");
        if (!other) { rc = perr(a, "missing"); break; }
        if ((rc = get_item(a, other, &o))) break;
        pop(a, mo);
        int site_file = incoming ? o.file : it.file;
        json_t *fr = json_object_get(v, "fromRanges");
        size_t mf = push_key(a, "fromRanges");
        if (!fr || !json_is_array(fr)) { free(o.name); rc = perr(a, fr ? "not an array" : "missing"); break; }
        size_t j;
        json_t *rv;
        json_array_foreach(fr, j, rv) {
            size_t mj = push_idx(a, j);
            range r;
            if (!json_is_object(rv)) { rc = perr(a, "not a Range"); break; }
            if ((rc = get_pos(a, rv, "start", site_file, &r.start)) || (rc = get_pos(a, rv, "end", site_file, &r.end)))
                break;
            if (pos_cmp(r.end, r.start) < 0) { rc = perr(a, "end is before start"); break; }
            if (site_file < 0) {
                a->g->outside++;
            } else if ((rc = incoming ? add_call(a->g, site_file, r.start, &o, &it)
                                      : add_call(a->g, site_file, r.start, &it, &o))) {
                break;
            }
            pop(a, mj);
        }
        free(o.name);
        if (rc) break;
        pop(a, mf);
        pop(a, mi);
    }
    free(it.name);
    return rc;
}

static int refs_answer(actx *a, json_t *params, json_t *res)
{
    lpoint target;
    int rc = req_point(a, params, &target);
    if (rc) return rc;
    snprintf(a->path, sizeof a->path, "result");
    size_t i;
    json_t *v;
    json_array_foreach(res, i, v) {
        size_t m = push_idx(a, i);
        lref r;
        memset(&r, 0, sizeof r);
        if ((rc = get_location(a, v, &r.file, &r.r))) return rc;
        if (r.file < 0) {
            a->g->outside++;
        } else {
            r.target = target;
            r.kind = LMKV_REF_USE;
            if ((rc = add_ref(a->g, &r))) return rc;
        }
        pop(a, m);
    }
    return 0;
}

static int deflike_answer(actx *a, int method, json_t *params, json_t *res)
{
    lpoint at;
    int rc = req_point(a, params, &at);
    if (rc) return rc;
    snprintf(a->path, sizeof a->path, "result");
    json_t *one = NULL;
    if (json_is_object(res)) { /* a single Location */
        one = json_array();
        if (!one || json_array_append(one, res)) { json_decref(one); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
        res = one;
    }
    size_t i;
    json_t *v;
    json_array_foreach(res, i, v) {
        size_t m = one ? strlen(a->path) : push_idx(a, i);
        lpoint loc;
        range r;
        if ((rc = get_location(a, v, &loc.file, &r))) break;
        loc.at = r.start;
        if (method == LMKV_LSP_IMPLEMENTATION) {
            if (loc.file < 0) {
                a->g->outside++;
            } else {
                if (grow((void **)&a->g->impls, &a->g->capimpls, a->g->nimpls + 1, sizeof *a->g->impls)) {
                    rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
                    break;
                }
                a->g->impls[a->g->nimpls++] = (limpl){at, loc};
            }
        } else {
            lref ref;
            memset(&ref, 0, sizeof ref);
            ref.file = at.file;
            ref.r.start = ref.r.end = at.at;
            ref.kind = method == LMKV_LSP_TYPE_DEFINITION ? LMKV_REF_TYPE : LMKV_REF_USE;
            ref.target_is_result = 1;
            ref.result = loc;
            ref.target = at;
            if ((rc = add_ref(a->g, &ref))) break;
        }
        pop(a, m);
    }
    json_decref(one);
    return rc;
}

int lmkv_lsp_ingest_answer(lmkv_lsp_ingest *g, const char *method, const char *params_json,
                                    size_t params_len, const char *result_json, size_t result_len)
{
    if (!g || !method || !params_json || !result_json)
        return lmkv_error_set(LMKV_EINVAL, "lsp answer: NULL argument");
    lmkv_lsp_method m;
    int rc = lmkv_lsp_method_from_name(&m, method);
    if (rc) return lmkv_error_set(LMKV_EINVAL, "%s", lmkv_errmsg());
    json_error_t je;
    json_t *params = json_loadb(params_json, params_len, 0, &je);
    if (!params)
        return lmkv_error_set(LMKV_EPARSE, "%s answer: params: malformed JSON at byte %d (line %d, column %d): %s",
                              method, je.position, je.line, je.column, je.text);
    json_t *res = json_loadb(result_json, result_len, JSON_DECODE_ANY, &je);
    if (!res) {
        json_decref(params);
        return lmkv_error_set(LMKV_EPARSE, "%s answer: result: malformed JSON at byte %d (line %d, column %d): %s",
                              method, je.position, je.line, je.column, je.text);
    }
    actx a;
    memset(&a, 0, sizeof a);
    a.g = g;
    a.method = method;
    a.params_txt = params_json;
    a.params_len = params_len;
    a.result_txt = result_json;
    a.result_len = result_len;
    size_t ncalls = g->ncalls, nrefs = g->nrefs, nimpls = g->nimpls, outside = g->outside;
    int empty = json_is_null(res) || (json_is_array(res) && json_array_size(res) == 0);
    if (!json_is_null(res) && !json_is_array(res) &&
        !(json_is_object(res) && (m == LMKV_LSP_DEFINITION || m == LMKV_LSP_TYPE_DEFINITION ||
                                  m == LMKV_LSP_IMPLEMENTATION))) {
        snprintf(a.path, sizeof a.path, "result");
        rc = perr(&a, "not an array%s", m >= LMKV_LSP_DEFINITION ? ", a Location or null" : " or null");
        goto out;
    }
    if (m == LMKV_LSP_DOCUMENT_SYMBOL) {
        int file;
        if ((rc = req_doc(&a, params, &file))) goto out;
        lsym *syms = NULL;
        size_t n = 0, cap = 0;
        snprintf(a.path, sizeof a.path, "result");
        if (!json_is_null(res) && (rc = doc_symbols(&a, res, file, -1, &syms, &n, &cap))) {
            syms_free(syms, n);
            goto out;
        }
        lfile *f = &g->files[file];
        syms_free(f->syms, f->nsyms); /* a newer documentSymbol answer replaces the earlier one */
        f->syms = syms;
        f->nsyms = n;
        f->has_symbols = 1;
    } else if (m == LMKV_LSP_INCOMING_CALLS || m == LMKV_LSP_OUTGOING_CALLS) {
        rc = calls_answer(&a, m == LMKV_LSP_INCOMING_CALLS, params, json_is_null(res) ? NULL : res);
    } else if (m == LMKV_LSP_REFERENCES) {
        rc = refs_answer(&a, params, res);
    } else {
        rc = deflike_answer(&a, m, params, res);
    }
out:
    if (rc) {
        calls_truncate(g, ncalls);
        g->nrefs = nrefs;
        g->nimpls = nimpls;
        g->outside = outside;
    } else {
        g->answers++;
        if (empty) g->empty++;
    }
    json_decref(params);
    json_decref(res);
    return rc;
}

/* ------------------------------------------------------------ writing */

static const char *qsep(const char *lang)
{
    if (lang && (!strcmp(lang, "c") || !strcmp(lang, "cpp") || !strcmp(lang, "rust"))) return "::";
    return ".";
}

typedef struct wfile { /* one file's resolved symbols while writing */
    lmkv_symbol *syms;
    char **qnames; /* owned */
} wfile;

typedef struct wctx {
    lmkv_lsp_ingest *g;
    wfile *wf;
    char **strs; /* extra strings owned while writing (identifiers) */
    size_t nstrs, capstrs;
} wctx;

static const char *own(wctx *w, char *s)
{
    if (!s) return NULL;
    if (grow((void **)&w->strs, &w->capstrs, w->nstrs + 1, sizeof *w->strs)) {
        free(s);
        return NULL;
    }
    w->strs[w->nstrs++] = s;
    return s;
}

/* Innermost symbol of file fi whose selectionRange (sel = 1) or range
 * contains p; -1 if none. */
static int sym_at(const lmkv_lsp_ingest *g, int fi, pos p, int sel)
{
    const lfile *f = &g->files[fi];
    int best = -1;
    for (size_t i = 0; i < f->nsyms; i++) {
        if (sel && !f->syms[i].has_sel) continue;
        const range *r = sel ? &f->syms[i].sel : &f->syms[i].r;
        if (!range_contains(r, p)) continue;
        if (best < 0) { best = (int)i; continue; }
        const range *b = sel ? &f->syms[best].sel : &f->syms[best].r;
        if (pos_cmp(r->start, b->start) >= 0 && pos_cmp(r->end, b->end) <= 0) best = (int)i;
    }
    return best;
}

static int ident_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           c >= 0x80;
}

/* The identifier's byte span around p on its line: [*s, *e) (0-based, e == s if none). */
static void ident_span(const lmkv_lsp_ingest *g, int fi, pos p, size_t *os, size_t *oe)
{
    const lfile *f = &g->files[fi];
    size_t off = f->line_off[p.line - 1], ll = line_len_at(f->bytes, f->len, off);
    size_t c = p.col - 1, s = c, e = c;
    if (c <= ll) {
        while (s > 0 && ident_byte(f->bytes[off + s - 1])) s--;
        while (e < ll && ident_byte(f->bytes[off + e])) e++;
    } else {
        s = e = c;
    }
    *os = s;
    *oe = e;
}

/* The identifier at p in file fi (malloc'd), NULL if none. */
static char *ident_at(const lmkv_lsp_ingest *g, int fi, pos p)
{
    const lfile *f = &g->files[fi];
    size_t off = f->line_off[p.line - 1], ll = line_len_at(f->bytes, f->len, off);
    size_t c = p.col - 1, s = c, e = c;
    if (c > ll) return NULL;
    while (s > 0 && ident_byte(f->bytes[off + s - 1])) s--;
    while (e < ll && ident_byte(f->bytes[off + e])) e++;
    if (e == s) return NULL;
    char *r = malloc(e - s + 1);
    if (!r) return NULL;
    memcpy(r, f->bytes + off + s, e - s);
    r[e - s] = 0;
    return r;
}

/* Name and id of the symbol at point pt (by selectionRange, else the
 * identifier there). */
static int name_at(wctx *w, lpoint pt, const char **name, uint64_t *id, const char *what)
{
    int si = sym_at(w->g, pt.file, pt.at, 1);
    if (si >= 0) {
        *name = w->wf[pt.file].syms[si].name;
        *id = w->wf[pt.file].syms[si].id;
        return 0;
    }
    *id = 0;
    char *s = ident_at(w->g, pt.file, pt.at);
    if (!s)
        return lmkv_error_set(LMKV_EPARSE, "lsp write: %s at %s:%u:%u names no symbol and no identifier", what,
                              w->g->files[pt.file].path, pt.at.line, pt.at.col);
    if (!(*name = own(w, s))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    return 0;
}

static uint64_t item_id(wctx *w, const litem *it)
{
    if (it->file < 0) return 0;
    const lfile *f = &w->g->files[it->file];
    for (size_t i = 0; i < f->nsyms; i++)
        if (!pos_cmp(f->syms[i].sel.start, it->sel) && !strcmp(f->syms[i].name, it->name))
            return w->wf[it->file].syms[i].id;
    for (size_t i = 0; i < f->nsyms; i++) /* SymbolInformation: no selectionRange */
        if (range_contains(&f->syms[i].r, it->sel) && !strcmp(f->syms[i].name, it->name))
            return w->wf[it->file].syms[i].id;
    return 0;
}

static int sid_cmp_idx(const void *x, const void *y, void *ctx)
{
    const wfile *wf = ctx;
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    int c = strcmp(wf->qnames[a], wf->qnames[b]);
    if (c) return c;
    if (wf->syms[a].kind != wf->syms[b].kind) return (int)wf->syms[a].kind - (int)wf->syms[b].kind;
    return a < b ? -1 : a > b;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Symbols of file fi as lmkv records (qualified names, ids). */
static int build_symbols(wctx *w, int fi, int64_t now)
{
    lmkv_lsp_ingest *g = w->g;
    lfile *f = &g->files[fi];
    wfile *wf = &w->wf[fi];
    size_t n = f->nsyms;
    wf->syms = calloc(n ? n : 1, sizeof *wf->syms);
    wf->qnames = calloc(n ? n : 1, sizeof *wf->qnames);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!wf->syms || !wf->qnames || !idx) { free(idx); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
    const char *sep = qsep(f->language);
    for (size_t i = 0; i < n; i++) {
        lsym *s = &f->syms[i];
        const char *pq = s->parent >= 0 ? wf->qnames[s->parent] : s->container;
        size_t ql = (pq ? strlen(pq) + strlen(sep) : 0) + strlen(s->name) + 1;
        if (!(wf->qnames[i] = malloc(ql))) { free(idx); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
        snprintf(wf->qnames[i], ql, "%s%s%s", pq ? pq : "", pq ? sep : "", s->name);
        lmkv_symbol *y = &wf->syms[i];
        lmkv_record_init(LMKV_REC_SYMBOL, y);
        y->name = s->name;
        y->qualified_name = wf->qnames[i];
        y->kind = (lmkv_symbol_kind)s->kind;
        y->start_line = s->r.start.line;
        y->start_column = s->r.start.col;
        y->end_line = s->r.end.line;
        y->end_column = s->r.end.col;
        y->signature = s->detail;
        y->language = f->language;
        y->parent_name = s->parent >= 0 ? f->syms[s->parent].name : s->container;
        y->indexed_ns = now;
        idx[i] = i;
    }
    /* disambiguators: rank among symbols of equal qualified name and kind, in answer order */
    qsort_r(idx, n, sizeof *idx, sid_cmp_idx, wf);
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        if (k > 0 && !strcmp(wf->qnames[idx[k - 1]], wf->qnames[i]) && wf->syms[idx[k - 1]].kind == wf->syms[i].kind)
            wf->syms[i].disambiguator = wf->syms[idx[k - 1]].disambiguator + 1;
    }
    free(idx);
    for (size_t i = 0; i < n; i++) {
        int rc = lmkv_symbol_id(&wf->syms[i].id, g->ws, f->path, wf->qnames[i], wf->syms[i].kind,
                                wf->syms[i].disambiguator);
        if (rc) return rc;
    }
    for (size_t i = 0; i < n; i++)
        if (f->syms[i].parent >= 0) wf->syms[i].parent_id = wf->syms[f->syms[i].parent].id;
    return 0;
}

typedef struct frec { /* records of one file being assembled */
    lmkv_call *calls;
    size_t ncalls, capcalls;
    lmkv_reference *refs;
    size_t nrefs, caprefs;
    lmkv_hierarchy *hier;
    size_t nhier, caphier;
} frec;

static int call_cmp(const void *x, const void *y)
{
    const lmkv_call *a = x, *b = y;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->column != b->column) return a->column < b->column ? -1 : 1;
    int c = strcmp(a->caller_name, b->caller_name);
    return c ? c : strcmp(a->callee_name, b->callee_name);
}

/* One reference fact: (site start, kind, target); a definition answer at a
 * reference's site is that reference again. */
static int ref_key_cmp(const void *x, const void *y)
{
    const lmkv_reference *a = x, *b = y;
    if (a->start_line != b->start_line) return a->start_line < b->start_line ? -1 : 1;
    if (a->start_column != b->start_column) return a->start_column < b->start_column ? -1 : 1;
    if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
    return strcmp(a->target_name, b->target_name);
}

/* Key order, then the longest range first (the one kept of duplicates), then
 * declarations first. */
static int ref_cmp(const void *x, const void *y)
{
    const lmkv_reference *a = x, *b = y;
    int c = ref_key_cmp(x, y);
    if (c) return c;
    if (a->end_line != b->end_line) return a->end_line > b->end_line ? -1 : 1;
    if (a->end_column != b->end_column) return a->end_column > b->end_column ? -1 : 1;
    return b->is_declaration - a->is_declaration;
}

static void wctx_free(wctx *w, frec *fr)
{
    lmkv_lsp_ingest *g = w->g;
    for (size_t i = 0; w->wf && i < g->nfiles; i++) {
        for (size_t k = 0; w->wf[i].qnames && k < g->files[i].nsyms; k++) free(w->wf[i].qnames[k]);
        free(w->wf[i].qnames);
        free(w->wf[i].syms);
    }
    free(w->wf);
    for (size_t i = 0; i < w->nstrs; i++) free(w->strs[i]);
    free(w->strs);
    for (size_t i = 0; fr && i < g->nfiles; i++) {
        free(fr[i].calls);
        free(fr[i].refs);
        free(fr[i].hier);
    }
    free(fr);
}

/* Hierarchy records: DocumentSymbol containment, then the
 * textDocument/implementation answers (in the child's file). */
static int add_hierarchy(wctx *w, frec *fr)
{
    lmkv_lsp_ingest *g = w->g;
    int rc;
    for (size_t i = 0; i < g->nfiles; i++) {
        lfile *f = &g->files[i];
        for (size_t k = 0; k < f->nsyms; k++) {
            if (f->syms[k].parent < 0) continue;
            frec *r = &fr[i];
            if (grow((void **)&r->hier, &r->caphier, r->nhier + 1, sizeof *r->hier)) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
            lmkv_hierarchy *h = &r->hier[r->nhier++];
            lmkv_record_init(LMKV_REC_HIERARCHY, h);
            h->parent_id = w->wf[i].syms[f->syms[k].parent].id;
            h->parent_name = f->syms[f->syms[k].parent].name;
            h->child_id = w->wf[i].syms[k].id;
            h->child_name = f->syms[k].name;
            h->kind = LMKV_HIER_CONTAINS;
        }
    }
    for (size_t i = 0; i < g->nimpls; i++) {
        limpl *im = &g->impls[i];
        const char *pn, *cn;
        uint64_t pid, cid;
        if ((rc = name_at(w, im->parent, &pn, &pid, "textDocument/implementation request position")) ||
            (rc = name_at(w, im->child, &cn, &cid, "textDocument/implementation result")))
            return rc;
        frec *r = &fr[im->child.file];
        if (grow((void **)&r->hier, &r->caphier, r->nhier + 1, sizeof *r->hier)) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        lmkv_hierarchy *h = &r->hier[r->nhier++];
        lmkv_record_init(LMKV_REC_HIERARCHY, h);
        h->parent_id = pid;
        h->parent_name = pn;
        h->child_id = cid;
        h->child_name = cn;
        h->kind = LMKV_HIER_IMPLEMENTS;
    }
    return 0;
}

/* Call records: one per call hierarchy answer, in the site's file. */
static int add_calls(wctx *w, frec *fr)
{
    lmkv_lsp_ingest *g = w->g;
    for (size_t i = 0; i < g->ncalls; i++) {
        lcall *c = &g->calls[i];
        frec *r = &fr[c->file];
        if (grow((void **)&r->calls, &r->capcalls, r->ncalls + 1, sizeof *r->calls)) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        lmkv_call *y = &r->calls[r->ncalls++];
        lmkv_record_init(LMKV_REC_CALL, y);
        y->caller_id = item_id(w, &c->caller);
        y->caller_name = c->caller.name;
        y->callee_id = item_id(w, &c->callee);
        y->callee_name = c->callee.name;
        y->line = c->site.line;
        y->column = c->site.col;
        y->is_recursive = !strcmp(c->caller.name, c->callee.name) && y->caller_id == y->callee_id;
    }
    return 0;
}

/* The reference record of answer x (a references or definition answer),
 * in the site's file (fr). */
static int ref_record_add(wctx *w, frec *fr, lref *x)
{
    lmkv_lsp_ingest *g = w->g;
    frec *r = &fr[x->file];
    const char *tn;
    uint64_t tid;
    int is_decl = 0, rc;
    if (x->target_is_result) {
        size_t is, ie; /* the site is the identifier the request position is on */
        ident_span(g, x->file, x->r.start, &is, &ie);
        if (ie > is) {
            x->r.start.col = (uint32_t)is + 1;
            x->r.end = x->r.start;
            x->r.end.col = (uint32_t)ie + 1;
        }
        if (x->result.file >= 0 && sym_at(g, x->result.file, x->result.at, 1) >= 0) {
            if ((rc = name_at(w, x->result, &tn, &tid, "definition result"))) return rc;
        } else if ((rc = name_at(w, x->target, &tn, &tid, "definition request position"))) {
            return rc;
        }
    } else {
        if ((rc = name_at(w, x->target, &tn, &tid, "textDocument/references request position"))) return rc;
        int ti = sym_at(g, x->target.file, x->target.at, 1);
        if (ti >= 0 && x->file == x->target.file && !pos_cmp(g->files[x->file].syms[ti].sel.start, x->r.start))
            is_decl = 1;
    }
    if (grow((void **)&r->refs, &r->caprefs, r->nrefs + 1, sizeof *r->refs)) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    lmkv_reference *y = &r->refs[r->nrefs++];
    lmkv_record_init(LMKV_REC_REFERENCE, y);
    int si = sym_at(g, x->file, x->r.start, 0);
    if (si >= 0 && si == sym_at(g, x->file, x->r.start, 1) && g->files[x->file].syms[si].parent >= 0)
        si = g->files[x->file].syms[si].parent; /* a name inside its own selection: its container is the source */
    else if (si >= 0 && si == sym_at(g, x->file, x->r.start, 1))
        si = -1;
    y->source_id = si >= 0 ? w->wf[x->file].syms[si].id : 0;
    y->source_name = si >= 0 ? g->files[x->file].syms[si].name : NULL;
    y->target_id = tid;
    y->target_name = tn;
    y->start_line = x->r.start.line;
    y->start_column = x->r.start.col;
    y->end_line = x->r.end.line;
    y->end_column = x->r.end.col;
    y->kind = (lmkv_reference_kind)x->kind;
    y->is_declaration = is_decl;
    y->is_definition = is_decl;
    return 0;
}

/* One file's calls and references: sorted, duplicates dropped (counted
 * in *dups), ids computed (file version fv). */
static int order_file(frec *r, uint64_t fv, size_t *dups)
{
    int rc;
    if (r->ncalls > 1) qsort(r->calls, r->ncalls, sizeof *r->calls, call_cmp);
    size_t k = 0;
    for (size_t j = 0; j < r->ncalls; j++) {
        if (k && !call_cmp(&r->calls[k - 1], &r->calls[j])) { (*dups)++; continue; }
        r->calls[k++] = r->calls[j];
    }
    r->ncalls = k;
    for (size_t j = 0; j < r->ncalls; j++)
        if ((rc = lmkv_call_id(&r->calls[j].id, fv, r->calls[j].caller_id, r->calls[j].callee_id,
                               r->calls[j].line, r->calls[j].column)))
            return rc;
    if (r->nrefs > 1) qsort(r->refs, r->nrefs, sizeof *r->refs, ref_cmp);
    k = 0;
    for (size_t j = 0; j < r->nrefs; j++) {
        if (k && !ref_key_cmp(&r->refs[k - 1], &r->refs[j])) { (*dups)++; continue; }
        r->refs[k++] = r->refs[j];
    }
    r->nrefs = k;
    for (size_t j = 0; j < r->nrefs; j++) {
        lmkv_reference *y = &r->refs[j];
        if ((rc = lmkv_reference_id(&y->id, fv, y->source_id, y->target_id, y->kind, y->start_line,
                                    y->start_column)))
            return rc;
    }
    return 0;
}

/* The workspace record, when it is not registered yet. */
static int write_workspace(lmkv_lsp_ingest *g, lmkv_store_session *s, int64_t now)
{
    lmkv_workspace wsr;
    int rc = lmkv_store_workspace_get(&wsr, lmkv_store_session_txn(s), g->ws);
    if (rc == LMKV_NOTFOUND) {
        lmkv_record_init(LMKV_REC_WORKSPACE, &wsr);
        wsr.id = g->ws;
        wsr.root_path = g->root;
        const char *base = strrchr(g->root, '/');
        wsr.name = base && base[1] ? base + 1 : g->root;
        wsr.created_ns = now;
        rc = lmkv_store_workspace_put(s, &wsr);
    }
    return rc;
}

/* File i's version and records (put_file), made the latest of its path;
 * the counts into *st. */
static int write_file(wctx *w, frec *fr, size_t i, lmkv_store_session *s, int64_t now, lmkv_lsp_ingest_stats *st)
{
    lmkv_lsp_ingest *g = w->g;
    lfile *f = &g->files[i];
    int rc;
    lmkv_file_version fvr;
    lmkv_record_init(LMKV_REC_FILE_VERSION, &fvr);
    fvr.id = f->fv;
    fvr.workspace_id = g->ws;
    fvr.path = f->path;
    fvr.content_hash = XXH3_64bits(f->bytes, f->len);
    fvr.git_blob_id = f->blob;
    fvr.language = f->language;
    fvr.size_bytes = f->len;
    fvr.line_count = f->len == 0 ? 0 : f->nlines - (f->bytes[f->len - 1] == '\n' || f->bytes[f->len - 1] == '\r');
    fvr.indexed_ns = now;
    lmkv_store_file_records recs = {w->wf[i].syms, f->nsyms, fr[i].refs, fr[i].nrefs,
                                    fr[i].calls, fr[i].ncalls, fr[i].hier, fr[i].nhier};
    if ((rc = lmkv_store_put_file(s, &fvr, &recs))) {
        lmkv_error_wrap(rc, "lsp write: %s", f->path);
        return rc;
    }
    if ((rc = lmkv_current_set_latest(s, g->ws, f->path, strlen(f->path), f->fv))) return rc;
    st->symbols += f->nsyms;
    st->calls += fr[i].ncalls;
    st->references += fr[i].nrefs;
    st->hierarchy += fr[i].nhier;
    st->files++;
    return 0;
}

int lmkv_lsp_ingest_write(lmkv_lsp_ingest_stats *out, lmkv_lsp_ingest *g, lmkv_store_session *s)
{
    if (!g || !s) return lmkv_error_set(LMKV_EINVAL, "lsp write: NULL argument");
    lmkv_lsp_ingest_stats st;
    memset(&st, 0, sizeof st);
    wctx w;
    memset(&w, 0, sizeof w);
    w.g = g;
    int64_t now = now_ns();
    int rc = 0;
    frec *fr = calloc(g->nfiles ? g->nfiles : 1, sizeof *fr);
    w.wf = calloc(g->nfiles ? g->nfiles : 1, sizeof *w.wf);
    if (!fr || !w.wf) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < g->nfiles; i++)
        if ((rc = build_symbols(&w, (int)i, now))) goto done;
    if ((rc = add_hierarchy(&w, fr)) || (rc = add_calls(&w, fr))) goto done;
    for (size_t i = 0; i < g->nrefs; i++)
        if ((rc = ref_record_add(&w, fr, &g->refs[i]))) goto done;
    /* order and duplicates; ids */
    for (size_t i = 0; i < g->nfiles; i++)
        if ((rc = order_file(&fr[i], g->files[i].fv, &st.duplicates))) goto done;
    /* write: the workspace first, when it is not registered yet */
    if ((rc = write_workspace(g, s, now))) goto done;
    for (size_t i = 0; i < g->nfiles; i++)
        if ((rc = write_file(&w, fr, i, s, now, &st))) goto done;
    st.answers = g->answers;
    st.empty = g->empty;
    st.outside = g->outside;
    if (out) *out = st;
done:
    wctx_free(&w, fr);
    return rc;
}

int lmkv_lsp_ingest_commit(lmkv_lsp_ingest_stats *out, lmkv_lsp_ingest *g, lmkv_store *st)
{
    if (!g || !st) return lmkv_error_set(LMKV_EINVAL, "lsp commit: NULL argument");
    lmkv_store_session *s;
    int rc = lmkv_store_session_begin(&s, st);
    if (rc) return rc;
    if ((rc = lmkv_lsp_ingest_write(out, g, s))) {
        lmkv_store_session_abort(s);
        return rc;
    }
    return lmkv_store_session_commit(s);
}
