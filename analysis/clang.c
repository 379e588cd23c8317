/*
 * clang.c -- the C and C++ frontend on libclang 14 (lmkv_analysis.h).
 */
#include "analysis_int.h"
#include "kv_array_int.h"

#include "clang_api.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t clang_warm_mu = PTHREAD_MUTEX_INITIALIZER;
static int clang_warm;    /* a parse has finished in this process */

struct lmkv_analysis__ccdb {
    CXCompilationDatabase db;
    char *dir;              /* directory holding compile_commands.json */
};

int lmkv_analysis__ccdb_load(struct lmkv_analysis__ccdb **out, const char *root)
{
    static const char *const where[] = {"", "/build"};
    *out = NULL;
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        char dir[4096], file[4200];
        struct stat sb;
        snprintf(dir, sizeof dir, "%s%s", root, where[i]);
        snprintf(file, sizeof file, "%s/compile_commands.json", dir);
        if (stat(file, &sb) != 0) continue;
        FILE *f = fopen(file, "r");
        if (!f) return lmkv_error_set(LMKV_EIO, "%s: cannot be read: %s", file, strerror(errno));
        fclose(f);
        /* checked here first: libclang's own reader prints to stderr and
         * says neither where nor what */
        json_error_t je;
        json_t *root_j = json_load_file(file, 0, &je);
        if (!root_j) return lmkv_error_set(LMKV_EPARSE, "%s: line %d: %s", file, je.line, je.text);
        if (!json_is_array(root_j)) {
            json_decref(root_j);
            return lmkv_error_set(LMKV_EPARSE, "%s: not a JSON array of compile commands", file);
        }
        for (size_t k = 0; k < json_array_size(root_j); k++) {
            json_t *e = json_array_get(root_j, k);
            const char *bad = !json_is_object(e) ? "not an object" :
                              !json_is_string(json_object_get(e, "directory")) ? "no \"directory\" string" :
                              !json_is_string(json_object_get(e, "file")) ? "no \"file\" string" :
                              !json_is_string(json_object_get(e, "command")) && !json_is_array(json_object_get(e, "arguments"))
                                  ? "neither a \"command\" string nor an \"arguments\" array" : NULL;
            if (bad) {
                json_decref(root_j);
                return lmkv_error_set(LMKV_EPARSE, "%s: entry %zu: %s", file, k, bad);
            }
        }
        json_decref(root_j);
        /* without libclang no C file can be analysed: each says why when
         * it is tried (lmkv_analysis__clang_run); the others index */
        if (lmkv_analysis__clang_load() != LMKV_OK) return LMKV_OK;
        CXCompilationDatabase_Error err = CXCompilationDatabase_NoError;
        CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(dir, &err);
        if (err != CXCompilationDatabase_NoError || !db) {
            if (db) clang_CompilationDatabase_dispose(db);
            return lmkv_error_set(LMKV_EPARSE, "%s: not a compile database (a JSON array of "
                                  "{directory, file, command|arguments})", file);
        }
        struct lmkv_analysis__ccdb *c = calloc(1, sizeof *c);
        if (!c || !(c->dir = strdup(dir))) { free(c); clang_CompilationDatabase_dispose(db); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
        c->db = db;
        *out = c;
        return LMKV_OK;
    }
    return LMKV_OK;
}

void lmkv_analysis__ccdb_free(struct lmkv_analysis__ccdb *db)
{
    if (!db) return;
    clang_CompilationDatabase_dispose(db->db);
    free(db->dir);
    free(db);
}

void lmkv_analysis__clang_state_free(void *state)
{
    if (state) clang_disposeIndex((CXIndex)state);
}

/* ================================================================ frontend */

/* LSP SymbolKind numbers (lmkv_analysis_symbol.kind). */
enum { K_NAMESPACE = 3, K_CLASS = 5, K_METHOD = 6, K_FIELD = 8, K_CONSTRUCTOR = 9, K_ENUM = 10,
       K_FUNCTION = 12, K_VARIABLE = 13, K_CONSTANT = 14, K_ENUM_MEMBER = 22, K_STRUCT = 23,
       K_TYPE_PARAMETER = 26, K_MACRO = 255 /* LMKV_SK_MACRO, lmkv's own */ };
/* schema ReferenceKind (common.fbs). */
enum { R_USE = 0, R_TYPE = 2, R_CALL = 3, R_READ = 4, R_WRITE = 5, R_FUNCTION_POINTER = 6 };
/* schema CallType. */
enum { CT_DIRECT = 0, CT_VIRTUAL = 1, CT_CALLBACK = 2 };

#define MAX_RECORDS (1u << 22)   /* records per file (LMKV_ANALYSIS_MAX_RECORDS) */

static char frontend_id[96];

static void frontend_id_init(void)
{
    if (lmkv_analysis__clang_load() != LMKV_OK) {
        snprintf(frontend_id, sizeof frontend_id, "libclang 14 (not loaded)");
        return;
    }
    /* "Debian clang version 14.0.6" -> "libclang 14.0.6" */
    CXString v = clang_getClangVersion();
    const char *s = clang_getCString(v), *p = s ? strstr(s, "version ") : NULL;
    char ver[32] = "14";
    if (p) {
        p += 8;
        size_t n = strcspn(p, " -+~");
        if (n >= sizeof ver) n = sizeof ver - 1;
        memcpy(ver, p, n);
        ver[n] = '\0';
    }
    snprintf(frontend_id, sizeof frontend_id, "libclang %s", ver);
    clang_disposeString(v);
}

const char *lmkv_analysis__clang_frontend_id(const char *language)
{
    (void)language;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, frontend_id_init);
    return frontend_id;
}

/* A growable string array (the arguments given to clang). */
struct args { char **v; size_t n, cap; };
static int args_push(struct args *a, const char *s)
{
    if (a->n + 1 >= a->cap && LMKV_ARRAY_GROW(a->v, a->cap, a->cap + 1, 32)) return LMKV_ENOMEM;
    if (!(a->v[a->n] = strdup(s))) return LMKV_ENOMEM;
    a->n++;
    return LMKV_OK;
}
static void args_free(struct args *a)
{
    for (size_t i = 0; i < a->n; i++) free(a->v[i]);
    free(a->v);
}
static int args_push_words(struct args *a, const char *words)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", words);
    for (char *sv = NULL, *w = strtok_r(buf, " ", &sv); w; w = strtok_r(NULL, " ", &sv))
        if (args_push(a, w) != LMKV_OK) return LMKV_ENOMEM;
    return LMKV_OK;
}
/* "-Ifoo" relative to DIR -> "-I/dir/foo" */
static int args_push_path(struct args *a, const char *opt, const char *p, const char *dir)
{
    size_t n = strlen(opt) + strlen(p) + (dir ? strlen(dir) : 0) + 2;
    char *buf = malloc(n);
    if (!buf) return LMKV_ENOMEM;
    if (p[0] == '/' || !dir) snprintf(buf, n, "%s%s", opt, p);
    else snprintf(buf, n, "%s%s/%s", opt, dir, p);
    int rc = args_push(a, buf);
    free(buf);
    return rc;
}

/* The compile database's flags for FULL, those that change what the
 * preprocessor and parser see; 1 if an entry was found, 0 if not, <0 error. */
static int ccdb_args(struct args *a, struct lmkv_analysis__ccdb *db, const char *full)
{
    if (!db) return 0;
    CXCompileCommands cmds = clang_CompilationDatabase_getCompileCommands(db->db, full);
    if (!cmds) return 0;
    int found = 0, rc = 0;
    if (clang_CompileCommands_getSize(cmds) > 0) {
        CXCompileCommand cc = clang_CompileCommands_getCommand(cmds, 0);
        CXString dirs = clang_CompileCommand_getDirectory(cc);
        const char *dir = clang_getCString(dirs);
        unsigned n = clang_CompileCommand_getNumArgs(cc);
        found = 1;
        for (unsigned i = 1; i < n && rc == 0; i++) {
            CXString as = clang_CompileCommand_getArg(cc, i);
            const char *s = clang_getCString(as);
            static const char *const with_path[] = {"-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros", "-isysroot", "--sysroot="};
            static const char *const with_value[] = {"-D", "-U", "-x", "-std=", "-f", "-m", "-W", "-pthread", "-ansi", "--std=", "-include-pch", "-nostdinc", "-target", "--target="};
            int done = 0;
            for (size_t k = 0; !done && k < sizeof with_path / sizeof *with_path; k++) {
                size_t kl = strlen(with_path[k]);
                if (strncmp(s, with_path[k], kl) != 0) continue;
                done = 1;
                if (s[kl]) rc = args_push_path(a, with_path[k], s + kl, dir);
                else if (i + 1 < n) {
                    CXString ns = clang_CompileCommand_getArg(cc, ++i);
                    rc = args_push(a, with_path[k]);
                    if (!rc) rc = args_push_path(a, "", clang_getCString(ns), dir);
                    clang_disposeString(ns);
                }
            }
            for (size_t k = 0; !done && k < sizeof with_value / sizeof *with_value; k++) {
                size_t kl = strlen(with_value[k]);
                if (strncmp(s, with_value[k], kl) != 0) continue;
                done = 1;
                rc = args_push(a, s);
                if (!rc && !s[kl] && (!strcmp(s, "-D") || !strcmp(s, "-U") || !strcmp(s, "-x") || !strcmp(s, "-target")) && i + 1 < n) {
                    CXString ns = clang_CompileCommand_getArg(cc, ++i);
                    rc = args_push(a, clang_getCString(ns));
                    clang_disposeString(ns);
                }
            }
            clang_disposeString(as);
        }
        clang_disposeString(dirs);
    }
    clang_CompileCommands_dispose(cmds);
    return rc ? rc : found;
}

/* ============================================================ shared PCH */

/* Parsing the headers is most of libclang's time on a code base whose
 * files all begin with one project header (libgit2's `#include
 * "common.h"`: ~87% of the CPU, analysis/README.md). When a second file of
 * one analyser begins with the same first #include -- the file's first
 * preprocessing directive, nothing but blank lines and comments before it
 * -- under the same flags, that header is precompiled once (a PCH, built
 * from a one-line file in the first file's directory holding the directive,
 * parsed as a header prefix and saved in the analyser's temporary
 * directory) and the files with that directive and those flags are parsed
 * with -include-pch: the directive itself then finds the header's guard
 * defined, so the preprocessor state at the file's second line is the one
 * the plain parse has. A key whose PCH build had an error diagnostic is
 * never precompiled; a file whose parse with the PCH fails or has an error
 * diagnostic is parsed again without it (its records and counts are then
 * exactly the plain parse's). Flags with -include/-imacros/-include-pch are
 * never precompiled. tests/t_analysis_pch.sh checks that the stored records
 * are the same with LMKV_CLANG_PCH=0.
 *
 * Thread-safety: one mutex per analyser; the table is searched and a PCH
 * built under it (built once; a key's PCH file is read-only after). */
struct pch_ent {
    char *key;             /* the flags, NUL-separated, then "\1" and the directive */
    size_t keylen;
    unsigned seen;         /* files seen with this key */
    int state;             /* 0 not built, 1 built (file), -1 refused */
    char *file;
};

struct lmkv_analysis__pch {
    pthread_mutex_t mu;
    char *trace;           /* $LMKV_CLANG_PCH_TRACE: a file a line per PCH event is appended to */
    char *dir;             /* the temporary directory, NULL until the first build */
    struct pch_ent *v;
    size_t n, cap;
};

int lmkv_analysis__pch_new(struct lmkv_analysis__pch **out)
{
    const char *env = getenv("LMKV_CLANG_PCH");
    *out = NULL;
    if (env && !strcmp(env, "0")) return LMKV_OK;
    struct lmkv_analysis__pch *p = calloc(1, sizeof *p);
    if (!p) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    const char *t = getenv("LMKV_CLANG_PCH_TRACE");
    if (t && *t && !(p->trace = strdup(t))) { free(p); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
    *out = p;
    return LMKV_OK;
}

void lmkv_analysis__pch_free(struct lmkv_analysis__pch *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].file) unlink(p->v[i].file);
        free(p->v[i].file);
        free(p->v[i].key);
    }
    free(p->v);
    if (p->dir) rmdir(p->dir);
    free(p->dir);
    pthread_mutex_destroy(&p->mu);
    free(p->trace);
    free(p);
}

/* One line to $LMKV_CLANG_PCH_TRACE (tests and bench/ see what was
 * precompiled and which files used it): "built KEYNO DIRECTIVE",
 * "refused KEYNO DIRECTIVE", "used KEYNO PATH", "fallback KEYNO PATH". */
static void pch_trace(const struct lmkv_analysis__pch *p, const char *what, size_t no, const char *s, size_t n)
{
    if (!p || !p->trace) return;
    FILE *f = fopen(p->trace, "a");
    if (!f) return;
    fprintf(f, "%s %zu %.*s\n", what, no, (int)n, s);
    fclose(f);
}

/* The file's first preprocessing directive if it is an #include of a
 * quoted or angled name alone on its line, with only blank lines and
 * comments before it: 1 and [*s, *e) the header's name with its quotes or
 * angle brackets; 0 otherwise (a backslash anywhere up to its end, a
 * macro-named include, another directive or any token first). */
static int first_include(const char *c, size_t n, size_t *s, size_t *e)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (c[i] == ' ' || c[i] == '\t' || c[i] == '\n' || c[i] == '\r' || c[i] == '\f' || c[i] == '\v')) i++;
        if (i + 1 < n && c[i] == '/' && c[i + 1] == '/') {
            while (i < n && c[i] != '\n') { if (c[i] == '\\') return 0; i++; }
        } else if (i + 1 < n && c[i] == '/' && c[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < n && !(c[j] == '*' && c[j + 1] == '/')) { if (c[j] == '\\') return 0; j++; }
            if (j + 1 >= n) return 0;
            i = j + 2;
        } else break;
    }
    if (i >= n || c[i] != '#') return 0;
    size_t j = i + 1;
    while (j < n && (c[j] == ' ' || c[j] == '\t')) j++;
    if (n - j < 7 || memcmp(c + j, "include", 7) != 0) return 0;
    j += 7;
    while (j < n && (c[j] == ' ' || c[j] == '\t')) j++;
    if (j >= n || (c[j] != '"' && c[j] != '<')) return 0;
    char close = c[j] == '"' ? '"' : '>';
    size_t k = j + 1;
    while (k < n && c[k] != close && c[k] != '\n' && c[k] != '\\') k++;
    if (k >= n || c[k] != close || k == j + 1) return 0;
    k++;
    *s = j;
    *e = k;
    while (k < n && (c[k] == ' ' || c[k] == '\t' || c[k] == '\r')) k++;
    if (k < n && c[k] != '\n') return 0;
    return 1;
}

static void count_diags(CXTranslationUnit tu, unsigned *errs, unsigned *warns)
{
    unsigned nd = clang_getNumDiagnostics(tu);
    *errs = *warns = 0;
    for (unsigned i = 0; i < nd; i++) {
        CXDiagnostic dg = clang_getDiagnostic(tu, i);
        enum CXDiagnosticSeverity sv = clang_getDiagnosticSeverity(dg);
        if (sv >= CXDiagnostic_Error) (*errs)++;
        else if (sv == CXDiagnostic_Warning) (*warns)++;
        clang_disposeDiagnostic(dg);
    }
}

/* Builds entry E's PCH (under p->mu) with index IDX: the directive DIR
 * (DLEN bytes) in a one-line header in FDIR, parsed with ARGS (-x LANG
 * made -x LANG-header). Sets e->state. */
static void pch_build(struct lmkv_analysis__pch *p, struct pch_ent *e, CXIndex idx, const struct args *args,
                      const char *fdir, const char *dir, size_t dlen)
{
    e->state = -1;
    if (!p->dir) {
        const char *t = getenv("TMPDIR");
        char tmpl[4096];
        snprintf(tmpl, sizeof tmpl, "%s/lmkv-pch.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpl) || !(p->dir = strdup(tmpl))) return;
    }
    struct args pa = {0};
    int bad = 0;
    for (size_t i = 0; i < args->n && !bad; i++) {
        const char *s = args->v[i];
        if (!strcmp(s, "-x") && i + 1 < args->n) {
            char lang[64];
            snprintf(lang, sizeof lang, "%s-header", args->v[++i]);
            bad = args_push(&pa, "-x") || args_push(&pa, lang);
        } else if (!strncmp(s, "-x", 2) && s[2]) {
            char lang[64];
            snprintf(lang, sizeof lang, "%s-header", s);
            bad = args_push(&pa, lang);
        } else bad = args_push(&pa, s);
    }
    char src[8300], out[4200];
    snprintf(src, sizeof src, "%s/.lmkv-pch-%zu.h", fdir, (size_t)(e - p->v));
    snprintf(out, sizeof out, "%s/%zu.pch", p->dir, (size_t)(e - p->v));
    char *text = malloc(dlen + 2);
    if (bad || !text) { free(text); args_free(&pa); return; }
    memcpy(text, dir, dlen);
    text[dlen] = '\n';
    text[dlen + 1] = '\0';
    struct CXUnsavedFile uf = {.Filename = src, .Contents = text, .Length = (unsigned long)dlen + 1};
    CXTranslationUnit tu = NULL;
    unsigned flags = CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_ForSerialization |
                     CXTranslationUnit_Incomplete | CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
    enum CXErrorCode rc = clang_parseTranslationUnit2(idx, src, (const char *const *)pa.v, (int)pa.n, &uf, 1, flags, &tu);
    if (rc == CXError_Success && tu) {
        unsigned errs, warns;
        count_diags(tu, &errs, &warns);
        if (!errs && clang_saveTranslationUnit(tu, out, CXSaveTranslationUnit_None) == CXSaveError_None &&
            (e->file = strdup(out)))
            e->state = 1;
        else
            unlink(out);
    }
    if (tu) clang_disposeTranslationUnit(tu);
    pch_trace(p, e->state == 1 ? "built" : "refused", (size_t)(e - p->v), dir, dlen);
    free(text);
    args_free(&pa);
}

/* The PCH file for a file with ARGS and CONTENT, or NULL (parse it alone):
 * counts the file under its key and builds the PCH at the key's second
 * file. The returned path stays valid until lmkv_analysis__pch_free. */
static const char *pch_for(struct lmkv_analysis__pch *p, CXIndex idx, const struct args *args, const char *fdir,
                           const char *content, size_t len, size_t *no)
{
    size_t ns, ne;
    if (!p || !first_include(content, len, &ns, &ne)) return NULL;
    /* the directive, spaced as "#include NAME" (the same directive however
     * it was spaced) */
    char dirv[4200];
    if (ne - ns > sizeof dirv - 16) return NULL;
    int dl = snprintf(dirv, sizeof dirv, "#include %.*s", (int)(ne - ns), content + ns);
    size_t ds = 0, de = (size_t)dl;
    size_t kl = de - ds + 1;
    for (size_t i = 0; i < args->n; i++) {
        const char *s = args->v[i];
        if (!strncmp(s, "-include", 8) || !strncmp(s, "-imacros", 8)) return NULL;
        kl += strlen(s) + 1;
    }
    char *key = malloc(kl);
    if (!key) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < args->n; i++) {
        size_t l = strlen(args->v[i]) + 1;
        memcpy(key + o, args->v[i], l);
        o += l;
    }
    key[o++] = '\1';
    memcpy(key + o, dirv + ds, de - ds);
    const char *file = NULL;
    pthread_mutex_lock(&p->mu);
    size_t i;
    for (i = 0; i < p->n; i++)
        if (p->v[i].keylen == kl && !memcmp(p->v[i].key, key, kl)) break;
    if (i == p->n) {
        if (p->n == p->cap && LMKV_ARRAY_GROW(p->v, p->cap, p->cap + 1, 16)) goto out;
        p->v[i] = (struct pch_ent){.key = key, .keylen = kl};
        key = NULL;
        p->n++;
    }
    struct pch_ent *e = &p->v[i];
    if (++e->seen >= 2 && e->state == 0) pch_build(p, e, idx, args, fdir, dirv + ds, de - ds);
    if (e->state == 1) file = e->file;
    *no = i;
out:
    pthread_mutex_unlock(&p->mu);
    free(key);
    return file;
}

/* One function definition's extent in the main file (byte offsets), for
 * the `from` of macro expansions found at file level. */
struct fext { unsigned start, end; char *q; };
struct macro_use { char *name; unsigned off, line, col; int fnlike; };

struct walk {
    lmkv_analysis *a;
    const struct lmkv_analysis__opts *o;
    CXTranslationUnit tu;
    CXFile main;
    const char *content;
    size_t len;
    int macros_file_local;       /* ".c": macros are file-local */
    int rc;
    char err[256];
    size_t nrec;
    const char *fn;           /* qualified name of the function whose body is walked */
    CXCursor last_call_ref;   /* the callee of the last call, and its location */
    CXSourceLocation last_call_loc;
    int have_last_call;
    struct fext *fx; size_t nfx, capfx;
    struct macro_use *mu; size_t nmu, capmu;
    size_t nsyms, ncalls, nrefs;
};

static int w_fail(struct walk *w, int rc, const char *what)
{
    if (w->rc == 0) {
        w->rc = rc;
        snprintf(w->err, sizeof w->err, "%s", what);
    }
    return rc;
}

/* File location of LOC; 1 if it lies in the main file. */
static int in_main(const struct walk *w, CXSourceLocation loc, unsigned *line, unsigned *col, unsigned *off)
{
    CXFile f = NULL;
    unsigned l = 0, c = 0, o = 0;
    clang_getFileLocation(loc, &f, &l, &c, &o);
    if (line) *line = l;
    if (col) *col = c;
    if (off) *off = o;
    return f && clang_File_isEqual(f, w->main);
}

static int is_anon_name(const char *s)
{
    return !s || !*s || strstr(s, "(unnamed") || strstr(s, "(anonymous");
}

/* Qualified name: the semantic parents' names joined with "::", anonymous
 * scopes and linkage specs skipped ("MDB_val::mv_size", "ns::C::f"). */
static char *qualify(CXCursor c)
{
    char *parts[256];
    size_t np = 0, total = 0;
    for (CXCursor p = c; np < 256; p = clang_getCursorSemanticParent(p)) {
        enum CXCursorKind k = clang_getCursorKind(p);
        if (clang_Cursor_isNull(p) || k == CXCursor_TranslationUnit || clang_isInvalid(k)) break;
        if (k == CXCursor_LinkageSpec) continue;
        /* C: a function's semantic parent is the TU; members of a record
         * in a function are scoped by the record only */
        CXString s = clang_getCursorSpelling(p);
        const char *cs = clang_getCString(s);
        if (!is_anon_name(cs) && k != CXCursor_FunctionDecl) {
            parts[np] = strdup(cs);
            if (!parts[np]) { clang_disposeString(s); break; }
            total += strlen(parts[np]) + 2;
            np++;
        } else if (k == CXCursor_FunctionDecl && np == 0) {
            parts[np] = strdup(cs ? cs : "");
            if (!parts[np]) { clang_disposeString(s); break; }
            total += strlen(parts[np]) + 2;
            np++;
        }
        clang_disposeString(s);
        if (k == CXCursor_FunctionDecl && np) break;
    }
    if (!np) return NULL;
    char *q = malloc(total + 1), *e = q;
    if (q) {
        for (size_t i = np; i-- > 0;) {
            size_t l = strlen(parts[i]);
            memcpy(e, parts[i], l); e += l;
            if (i) { *e++ = ':'; *e++ = ':'; }
        }
        *e = '\0';
    }
    for (size_t i = 0; i < np; i++) free(parts[i]);
    return q;
}

static int is_function_kind(enum CXCursorKind k)
{
    return k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod || k == CXCursor_Constructor ||
           k == CXCursor_Destructor || k == CXCursor_ConversionFunction || k == CXCursor_FunctionTemplate;
}

/* A variable of file, namespace or class scope (references to locals and
 * parameters are not recorded: nothing outside the function can name them). */
static int is_global_var(CXCursor ref)
{
    enum CXCursorKind k = clang_getCursorKind(ref);
    if (k != CXCursor_VarDecl) return 0;
    CXCursor p = clang_getCursorSemanticParent(ref);
    enum CXCursorKind pk = clang_getCursorKind(p);
    return !is_function_kind(pk) && pk != CXCursor_BlockExpr &&
           pk != CXCursor_LambdaExpr;
}

/* Write if the identifier at byte OFF (LEN bytes) of the main file is
 * followed by an assignment operator or ++/--, or preceded by ++/--. */
static int ref_kind_rw(const struct walk *w, unsigned off, size_t len)
{
    const char *s = w->content;
    size_t n = w->len, i = off + len;
    if (off + len > n) return R_READ;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    if (i + 1 < n && ((s[i] == '+' && s[i + 1] == '+') || (s[i] == '-' && s[i + 1] == '-'))) return R_WRITE;
    if (i < n && s[i] == '=' && !(i + 1 < n && s[i + 1] == '=')) return R_WRITE;
    if (i + 1 < n && s[i + 1] == '=' && strchr("+-*/%&|^", s[i])) return R_WRITE;
    if (i + 2 < n && s[i + 2] == '=' && ((s[i] == '<' && s[i + 1] == '<') || (s[i] == '>' && s[i + 1] == '>'))) return R_WRITE;
    size_t j = off;
    while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t')) j--;
    if (j >= 2 && ((s[j - 1] == '+' && s[j - 2] == '+') || (s[j - 1] == '-' && s[j - 2] == '-'))) return R_WRITE;
    return R_READ;
}

static int w_count(struct walk *w)
{
    if (++w->nrec > MAX_RECORDS) {
        char m[128];
        snprintf(m, sizeof m, "over %u records in one file (the analysis bound per file)", MAX_RECORDS);
        return w_fail(w, LMKV_ETOOBIG, m);
    }
    return LMKV_OK;
}

static int add_ref(struct walk *w, const char *name, const char *from, int kind, unsigned line, unsigned col)
{
    if (!name || !*name || w_count(w)) return w->rc;
    struct lmkv_analysis_reference r = {.name = name, .from = from, .kind = kind, .line = line, .column = col};
    int rc = lmkv_analysis_add_reference(w->a, &r);
    if (rc) return w_fail(w, rc, lmkv_errmsg());
    w->nrefs++;
    return LMKV_OK;
}

static enum CXChildVisitResult body_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    struct walk *w = d;
    (void)parent;
    if (w->rc || __atomic_load_n(w->o->cancel, __ATOMIC_RELAXED)) return CXChildVisit_Break;
    enum CXCursorKind k = clang_getCursorKind(c);
    unsigned line, col, off;
    if (k == CXCursor_CallExpr) {
        CXCursor ref = clang_getCursorReferenced(c);
        enum CXCursorKind rk = clang_getCursorKind(ref);
        if (clang_Cursor_isNull(ref) || clang_isInvalid(rk)) return CXChildVisit_Recurse;
        CXSourceLocation loc = clang_getCursorLocation(c);
        if (!in_main(w, loc, &line, &col, &off)) return CXChildVisit_Recurse;
        int ct;
        if (is_function_kind(rk)) ct = (rk == CXCursor_CXXMethod && clang_CXXMethod_isVirtual(ref)) ? CT_VIRTUAL : CT_DIRECT;
        else if (rk == CXCursor_VarDecl || rk == CXCursor_FieldDecl || rk == CXCursor_ParmDecl) ct = CT_CALLBACK;
        else return CXChildVisit_Recurse;
        CXString s = clang_getCursorSpelling(ref);
        const char *callee = clang_getCString(s);
        if (callee && *callee && !w_count(w)) {
            struct lmkv_analysis_call call = {.caller = w->fn, .callee = callee, .line = line, .column = col,
                                              .call_type = ct, .argument_count = clang_Cursor_getNumArguments(c)};
            int rc = lmkv_analysis_add_call(w->a, &call);
            if (rc) w_fail(w, rc, lmkv_errmsg());
            else w->ncalls++;
            /* the call site is also a reference of kind Call (refs NAME) */
            if (!w->rc && (ct != CT_CALLBACK || rk == CXCursor_FieldDecl || is_global_var(ref)))
                add_ref(w, callee, w->fn, R_CALL, line, col);
        }
        clang_disposeString(s);
        w->last_call_ref = ref;
        w->last_call_loc = loc;
        w->have_last_call = 1;
        return w->rc ? CXChildVisit_Break : CXChildVisit_Recurse;
    }
    if (k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr) {
        CXCursor ref = clang_getCursorReferenced(c);
        enum CXCursorKind rk = clang_getCursorKind(ref);
        if (clang_Cursor_isNull(ref) || clang_isInvalid(rk)) return CXChildVisit_Recurse;
        CXSourceLocation loc = clang_getCursorLocation(c);
        /* the callee expression of the call just recorded */
        if (w->have_last_call && clang_equalLocations(loc, w->last_call_loc) && clang_equalCursors(ref, w->last_call_ref))
            return CXChildVisit_Recurse;
        int kind;
        if (is_function_kind(rk)) kind = R_FUNCTION_POINTER;
        else if (rk == CXCursor_EnumConstantDecl) kind = R_READ;
        else if (rk == CXCursor_FieldDecl || is_global_var(ref)) kind = -1;   /* read or write */
        else return CXChildVisit_Recurse;
        if (!in_main(w, loc, &line, &col, &off)) return CXChildVisit_Recurse;
        CXString s = clang_getCursorSpelling(ref);
        const char *name = clang_getCString(s);
        if (kind < 0) {
            /* only a spelled name can be read for an operator after it */
            CXFile sf = NULL;
            unsigned so = 0;
            clang_getSpellingLocation(loc, &sf, NULL, NULL, &so);
            kind = (sf && clang_File_isEqual(sf, w->main) && so == off && name) ? ref_kind_rw(w, off, strlen(name)) : R_READ;
        }
        add_ref(w, name, w->fn, kind, line, col);
        clang_disposeString(s);
        return w->rc ? CXChildVisit_Break : CXChildVisit_Recurse;
    }
    if (k == CXCursor_TypeRef) {
        CXCursor ref = clang_getCursorReferenced(c);
        if (clang_Cursor_isNull(ref)) return CXChildVisit_Recurse;
        if (!in_main(w, clang_getCursorLocation(c), &line, &col, &off)) return CXChildVisit_Recurse;
        CXString s = clang_getCursorSpelling(ref);
        const char *name = clang_getCString(s);
        if (!is_anon_name(name)) add_ref(w, name, w->fn, R_TYPE, line, col);
        clang_disposeString(s);
        return w->rc ? CXChildVisit_Break : CXChildVisit_Recurse;
    }
    return CXChildVisit_Recurse;
}

static int sym_kind(CXCursor c, enum CXCursorKind k)
{
    switch (k) {
    case CXCursor_FunctionDecl: case CXCursor_FunctionTemplate: return K_FUNCTION;
    case CXCursor_CXXMethod: case CXCursor_Destructor: case CXCursor_ConversionFunction: return K_METHOD;
    case CXCursor_Constructor: return K_CONSTRUCTOR;
    case CXCursor_VarDecl: return K_VARIABLE;
    case CXCursor_FieldDecl: return K_FIELD;
    case CXCursor_StructDecl: case CXCursor_UnionDecl: return K_STRUCT;
    case CXCursor_ClassDecl: case CXCursor_ClassTemplate: case CXCursor_ClassTemplatePartialSpecialization: return K_CLASS;
    case CXCursor_EnumDecl: return K_ENUM;
    case CXCursor_EnumConstantDecl: return K_ENUM_MEMBER;
    case CXCursor_TypedefDecl: case CXCursor_TypeAliasDecl: case CXCursor_TypeAliasTemplateDecl: return K_TYPE_PARAMETER;
    case CXCursor_Namespace: return K_NAMESPACE;
    case CXCursor_MacroDefinition: return K_MACRO;
    default: (void)c; return 0;
    }
}

/* Signature: "int mdb_put(MDB_txn *, MDB_dbi, ...)" for functions, the
 * type for variables and fields, "NAME(a, b)" for function-like macros. */
static char *signature(const struct walk *w, CXCursor c, enum CXCursorKind k)
{
    char *out = NULL;
    if (is_function_kind(k)) {
        CXType t = clang_getCursorResultType(c);
        CXString rs = clang_getTypeSpelling(t), ds = clang_getCursorDisplayName(c);
        const char *r = clang_getCString(rs), *dn = clang_getCString(ds);
        size_t n = strlen(r ? r : "") + strlen(dn ? dn : "") + 2;
        if ((out = malloc(n))) snprintf(out, n, "%s%s%s", r && *r ? r : "", r && *r ? " " : "", dn ? dn : "");
        clang_disposeString(rs); clang_disposeString(ds);
    } else if (k == CXCursor_VarDecl || k == CXCursor_FieldDecl || k == CXCursor_TypedefDecl) {
        CXType t = k == CXCursor_TypedefDecl ? clang_getTypedefDeclUnderlyingType(c) : clang_getCursorType(c);
        CXString ts = clang_getTypeSpelling(t);
        const char *s = clang_getCString(ts);
        if (s && *s && !strstr(s, "(unnamed") && !strstr(s, "(anonymous")) out = strdup(s);
        clang_disposeString(ts);
    } else if (k == CXCursor_MacroDefinition && clang_Cursor_isMacroFunctionLike(c)) {
        /* the parameter list as written: from the name to the first ')' */
        unsigned off = 0;
        in_main(w, clang_getCursorLocation(c), NULL, NULL, &off);
        size_t i = off, n = w->len;
        while (i < n && w->content[i] != '(' && w->content[i] != '\n') i++;
        size_t j = i;
        while (j < n && w->content[j] != ')' && w->content[j] != '\n') j++;
        if (i < n && j < n && w->content[i] == '(' && w->content[j] == ')' && j - off < 4096) {
            if ((out = malloc(j - off + 2))) { memcpy(out, w->content + off, j - off + 1); out[j - off + 1] = '\0'; }
        }
    }
    return out;
}

static int add_symbol(struct walk *w, CXCursor c, enum CXCursorKind k, int kind, char **q_out)
{
    unsigned line, col, off, eline, ecol;
    *q_out = NULL;
    if (!in_main(w, clang_getCursorLocation(c), &line, &col, &off)) return LMKV_OK;
    CXString s = clang_getCursorSpelling(c);
    const char *name = clang_getCString(s);
    if (is_anon_name(name)) { clang_disposeString(s); return LMKV_OK; }
    char *q = k == CXCursor_MacroDefinition ? strdup(name) : qualify(c);
    char *parent = NULL;
    if (q && k != CXCursor_MacroDefinition) {
        char *sep = NULL;
        for (char *p = q; (p = strstr(p, "::")); p += 2) sep = p;
        if (sep && (parent = malloc((size_t)(sep - q) + 1))) { memcpy(parent, q, (size_t)(sep - q)); parent[sep - q] = '\0'; }
    }
    CXSourceRange ext = clang_getCursorExtent(c);
    in_main(w, clang_getRangeEnd(ext), &eline, &ecol, NULL);
    unsigned flags = 0;
    int def = k == CXCursor_MacroDefinition || k == CXCursor_EnumConstantDecl || k == CXCursor_FieldDecl ||
              k == CXCursor_TypedefDecl || k == CXCursor_TypeAliasDecl || k == CXCursor_Namespace ||
              clang_isCursorDefinition(c);
    if (k == CXCursor_VarDecl && !def && clang_Cursor_getStorageClass(c) != CX_SC_Extern) def = 1; /* tentative */
    if (def) flags |= LMKV_ANALYSIS_SYM_DEFINITION;
    /* storage classes are a declaration's (a macro has none) */
    enum CX_StorageClass sc = clang_isDeclaration(k) ? clang_Cursor_getStorageClass(c) : CX_SC_None;
    if ((sc == CX_SC_Static && k != CXCursor_CXXMethod && k != CXCursor_FieldDecl) ||
        (k == CXCursor_MacroDefinition && w->macros_file_local))
        flags |= LMKV_ANALYSIS_SYM_STATIC;
    char *sig = signature(w, c, k);
    struct lmkv_analysis_symbol sym = {
        .name = name, .qualified_name = q, .kind = kind, .signature = sig, .parent = parent,
        .line = line, .column = col, .end_line = eline >= line ? eline : line, .end_column = eline >= line ? ecol : 0,
        .flags = flags};
    int rc = w_count(w);
    if (!rc && q) {
        rc = lmkv_analysis_add_symbol(w->a, &sym);
        if (rc) w_fail(w, rc, lmkv_errmsg());
        else w->nsyms++;
    } else if (!q) rc = w_fail(w, LMKV_ENOMEM, "out of memory");
    free(sig); free(parent);
    clang_disposeString(s);
    if (rc) { free(q); return rc; }
    *q_out = q;
    return LMKV_OK;
}

/* Direct children of a cursor, in order (explicit work list: no recursion
 * of ours over namespaces, classes and records). */
struct kids { CXCursor *v; size_t n, cap; int oom; };
static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData d)
{
    struct kids *k = d;
    (void)parent;
    if (k->n == k->cap && LMKV_ARRAY_GROW(k->v, k->cap, k->cap + 1, 64)) {
        k->oom = 1;
        return CXChildVisit_Break;
    }
    k->v[k->n++] = c;
    return CXChildVisit_Continue;
}

static int is_container(enum CXCursorKind k)
{
    return k == CXCursor_Namespace || k == CXCursor_LinkageSpec || k == CXCursor_StructDecl ||
           k == CXCursor_UnionDecl || k == CXCursor_ClassDecl || k == CXCursor_ClassTemplate ||
           k == CXCursor_ClassTemplatePartialSpecialization || k == CXCursor_EnumDecl ||
           k == CXCursor_TypedefDecl || k == CXCursor_UnexposedDecl;
}

static int walk_decl(struct walk *w, CXCursor c, struct kids *stack);

/* 1 if C begins and ends in one file other than the main file (an included
 * header's declaration, macro definition or expansion): nothing of it is
 * recorded, so neither it nor its children are walked. A range that
 * starts and ends in one header holds no main-file token (the main file
 * is never included by a header of its own). */
static int in_one_header(const struct walk *w, CXCursor c)
{
    CXSourceRange ext = clang_getCursorExtent(c);
    CXFile fs = NULL, fe = NULL;
    clang_getFileLocation(clang_getRangeStart(ext), &fs, NULL, NULL, NULL);
    if (!fs || clang_File_isEqual(fs, w->main)) return 0;
    clang_getFileLocation(clang_getRangeEnd(ext), &fe, NULL, NULL, NULL);
    return fe && clang_File_isEqual(fs, fe);
}

static int walk_tu(struct walk *w)
{
    struct kids stack = {0};
    clang_visitChildren(clang_getTranslationUnitCursor(w->tu), collect, &stack);
    /* the stack holds cursors still to visit, the next one on top */
    struct kids tmp = {0};
    /* reverse so that the first child is on top */
    for (size_t i = 0, j = stack.n ? stack.n - 1 : 0; i < j; i++, j--) { CXCursor t = stack.v[i]; stack.v[i] = stack.v[j]; stack.v[j] = t; }
    while (stack.n && !w->rc) {
        if (__atomic_load_n(w->o->cancel, __ATOMIC_RELAXED)) { w_fail(w, LMKV_ECONFLICT, "interrupted"); break; }
        if (stack.oom) { w_fail(w, LMKV_ENOMEM, "out of memory"); break; }
        if (stack.n > LMKV_ANALYSIS_MAX_DEPTH * 4) { w_fail(w, LMKV_ELIMIT, "declarations nested too deep"); break; }
        CXCursor c = stack.v[--stack.n];
        if (in_one_header(w, c)) continue;
        walk_decl(w, c, &stack);
    }
    free(stack.v);
    free(tmp.v);
    return w->rc;
}

/* Visit one declaration; containers push their children on STACK. */
static int walk_decl(struct walk *w, CXCursor c, struct kids *stack)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    unsigned line, col, off;
    if (k == CXCursor_MacroExpansion) {
        if (!in_main(w, clang_getCursorLocation(c), &line, &col, &off)) return LMKV_OK;
        if (w->nmu == w->capmu && LMKV_ARRAY_GROW(w->mu, w->capmu, w->capmu + 1, 256))
            return w_fail(w, LMKV_ENOMEM, "out of memory");
        CXString s = clang_getCursorSpelling(c);
        CXCursor def = clang_getCursorReferenced(c);
        struct macro_use *m = &w->mu[w->nmu];
        m->name = strdup(clang_getCString(s) ? clang_getCString(s) : "");
        m->off = off; m->line = line; m->col = col;
        m->fnlike = !clang_Cursor_isNull(def) && clang_Cursor_isMacroFunctionLike(def);
        clang_disposeString(s);
        if (!m->name) return w_fail(w, LMKV_ENOMEM, "out of memory");
        w->nmu++;
        return LMKV_OK;
    }
    if (k == CXCursor_InclusionDirective || k == CXCursor_MacroDefinition) {
        if (k == CXCursor_MacroDefinition && !clang_Cursor_isMacroBuiltin(c)) {
            char *q = NULL;
            /* function-like and object-like macros alike are Macro
             * (lmkv's kind 255; LSP has none: clangd 14 leaves macros out
             * of documentSymbol and answers String in workspace/symbol,
             * which lmkv_symbol_kind_lsp gives); the signature tells a
             * function-like one ("NAME(a, b)") */
            add_symbol(w, c, k, K_MACRO, &q);
            free(q);
        }
        return w->rc;
    }
    int kind = sym_kind(c, k);
    char *q = NULL;
    if (kind) {
        /* records (struct/union/enum/class) only where defined */
        int record = k == CXCursor_StructDecl || k == CXCursor_UnionDecl || k == CXCursor_ClassDecl ||
                     k == CXCursor_EnumDecl || k == CXCursor_ClassTemplate;
        if (!record || clang_isCursorDefinition(c))
            if (add_symbol(w, c, k, kind, &q)) return w->rc;
    }
    if (is_function_kind(k) && clang_isCursorDefinition(c)) {
        unsigned s_off = 0, e_off = 0;
        CXSourceRange ext = clang_getCursorExtent(c);
        int im = in_main(w, clang_getCursorLocation(c), NULL, NULL, NULL);
        in_main(w, clang_getRangeStart(ext), NULL, NULL, &s_off);
        in_main(w, clang_getRangeEnd(ext), NULL, NULL, &e_off);
        if (im && q) {
            if (w->nfx == w->capfx && LMKV_ARRAY_GROW(w->fx, w->capfx, w->capfx + 1, 256)) {
                free(q);
                return w_fail(w, LMKV_ENOMEM, "out of memory");
            }
            w->fx[w->nfx].start = s_off; w->fx[w->nfx].end = e_off; w->fx[w->nfx].q = q;
            w->nfx++;
            w->fn = q;
            w->have_last_call = 0;
            clang_visitChildren(c, body_visit, w);
            w->fn = NULL;
            return w->rc;   /* q is owned by fx */
        }
        free(q);
        return w->rc;
    }
    if ((k == CXCursor_VarDecl || k == CXCursor_FieldDecl) && in_main(w, clang_getCursorLocation(c), NULL, NULL, NULL)) {
        /* initialisers (tables of function pointers) and the types used */
        w->fn = q;
        w->have_last_call = 0;
        clang_visitChildren(c, body_visit, w);
        w->fn = NULL;
    } else if (k == CXCursor_TypedefDecl && in_main(w, clang_getCursorLocation(c), NULL, NULL, NULL)) {
        w->fn = NULL;
        w->have_last_call = 0;
        /* type references of the typedef itself; a record defined inside it
         * is walked as the typedef's sibling (see the container walk below) */
        struct kids ch = {0};
        clang_visitChildren(c, collect, &ch);
        for (size_t i = 0; i < ch.n && !w->rc; i++) {
            enum CXCursorKind ck = clang_getCursorKind(ch.v[i]);
            if (ck == CXCursor_TypeRef) body_visit(ch.v[i], c, w);
            else if (ck == CXCursor_ParmDecl) clang_visitChildren(ch.v[i], body_visit, w);
        }
        free(ch.v);
    }
    free(q);
    if (w->rc) return w->rc;
    if (is_container(k)) {
        size_t base = stack->n;
        clang_visitChildren(c, collect, stack);
        if (stack->oom) return w_fail(w, LMKV_ENOMEM, "out of memory");
        /* children in order: reverse the pushed run */
        for (size_t i = base, j = stack->n ? stack->n - 1 : 0; i < j; i++, j--) {
            CXCursor t = stack->v[i]; stack->v[i] = stack->v[j]; stack->v[j] = t;
        }
        /* keep only declarations: expressions inside are walked by body_visit */
        size_t o = base;
        for (size_t i = base; i < stack->n; i++) {
            enum CXCursorKind ck = clang_getCursorKind(stack->v[i]);
            /* a record or enum defined in a typedef ("typedef struct
             * MDB_val {...} MDB_val;") is also the typedef's sibling in its
             * declaration context, where it is walked already: walked here
             * too, it and its members were recorded twice (two Symbols of
             * MDB_val::mv_size at one position) */
            if (k == CXCursor_TypedefDecl && (ck == CXCursor_StructDecl || ck == CXCursor_UnionDecl ||
                                              ck == CXCursor_EnumDecl || ck == CXCursor_ClassDecl)) continue;
            if (clang_isDeclaration(ck) || ck == CXCursor_MacroExpansion) stack->v[o++] = stack->v[i];
            else if (ck == CXCursor_CXXBaseSpecifier && (k == CXCursor_ClassDecl || k == CXCursor_StructDecl || k == CXCursor_ClassTemplate)) {
                CXCursor base_decl = clang_getCursorReferenced(stack->v[i]);
                char *child = qualify(c), *par = clang_Cursor_isNull(base_decl) ? NULL : qualify(base_decl);
                if (child && par) {
                    struct lmkv_analysis_hierarchy h = {.parent = par, .child = child, .kind = 1};
                    int rc = lmkv_analysis_add_hierarchy(w->a, &h);
                    if (rc) w_fail(w, rc, lmkv_errmsg());
                }
                free(child); free(par);
            }
        }
        stack->n = o;
    }
    return w->rc;
}

static int fx_cmp(const void *a, const void *b)
{
    const struct fext *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Macro expansions: references to the macro from the function around them. */
static int add_macro_refs(struct walk *w)
{
    if (w->nfx > 1) qsort(w->fx, w->nfx, sizeof *w->fx, fx_cmp);
    for (size_t i = 0; i < w->nmu && !w->rc; i++) {
        const struct macro_use *m = &w->mu[i];
        const char *from = NULL;
        size_t lo = 0, hi = w->nfx;
        while (lo < hi) {  /* last function starting at or before the use */
            size_t mid = (lo + hi) / 2;
            if (w->fx[mid].start <= m->off) lo = mid + 1; else hi = mid;
        }
        if (lo && m->off <= w->fx[lo - 1].end) from = w->fx[lo - 1].q;
        /* a function-like macro used inside a function is a call of it; one
         * used in a declaration at file scope (mdb.c's `static int
         * MDB_PAGE_GET(MDB_cursor *mc, ...);` declares mdb_page_get) or an
         * initialiser is a use */
        add_ref(w, m->name, from, m->fnlike && from ? R_CALL : R_USE, m->line, m->col);
    }
    return w->rc;
}

int lmkv_analysis__clang_run(lmkv_analysis *a, const char *language, const char *path,
                             const void *content, size_t len, const struct lmkv_analysis__opts *o)
{
    int rc = LMKV_OK;
    struct args args = {0};
    CXTranslationUnit tu = NULL;
    char full[8192], dir[8192];
    struct walk w;
    memset(&w, 0, sizeof w);
    if (o->root && path[0] != '/') snprintf(full, sizeof full, "%s/%s", o->root, path);
    else snprintf(full, sizeof full, "%s", path);
    snprintf(dir, sizeof dir, "%s", full);
    char *sl = strrchr(dir, '/');
    if (sl) *sl = '\0'; else snprintf(dir, sizeof dir, ".");
    const char *ext = strrchr(path, '.');
    int is_cpp = !strcmp(language, "cpp");

    if (lmkv_analysis__clang_load() != LMKV_OK) {
        lmkv_analysis_set_error(a, lmkv_analysis__clang_why());
        return lmkv_error_set(LMKV_EUNSUPPORTED, "%s", lmkv_analysis__clang_why());
    }
    int found = ccdb_args(&args, o->ccdb, full);
    if (found < 0) { rc = LMKV_ENOMEM; goto fail; }
    if (!found) {
        if (args_push_words(&args, is_cpp ? LMKV_ANALYSIS_CPP_DEFAULT_FLAGS : LMKV_ANALYSIS_C_DEFAULT_FLAGS)) { rc = LMKV_ENOMEM; goto fail; }
    } else {
        /* the database's language flag wins; else the extension's */
        int has_x = 0;
        for (size_t i = 0; i < args.n; i++) has_x |= !strcmp(args.v[i], "-x");
        if (!has_x && (args_push(&args, "-x") || args_push(&args, is_cpp ? "c++" : "c"))) { rc = LMKV_ENOMEM; goto fail; }
    }
    /* quoted includes: the file's directory (as any compiler), then, without
     * a compile database entry, the workspace root (a file moved into a
     * subdirectory still finds the headers it found before) */
    if (!found && o->root && args_push_path(&args, "-I", o->root, NULL)) { rc = LMKV_ENOMEM; goto fail; }
    if (args_push_path(&args, "-I", dir, NULL) || args_push(&args, "-ferror-limit=0") ||
        args_push(&args, "-Wno-everything") || args_push(&args, "-fbracket-depth=1024")) { rc = LMKV_ENOMEM; goto fail; }
    struct CXUnsavedFile uf = {.Filename = full, .Contents = content, .Length = (unsigned long)len};
    unsigned flags = CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_KeepGoing |
                     CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
    /* LLVM sets up process-wide statics (crash recovery, option and target
     * tables) lazily in the first clang_createIndex and parse; until one
     * parse has finished, parses run one at a time, so that happens in one
     * thread before concurrent use (analysis threads of an index session;
     * TSan saw the race inside libLLVM) */
    int warming = !__atomic_load_n(&clang_warm, __ATOMIC_ACQUIRE);
    if (warming) {
        pthread_mutex_lock(&clang_warm_mu);
        if (__atomic_load_n(&clang_warm, __ATOMIC_ACQUIRE)) { pthread_mutex_unlock(&clang_warm_mu); warming = 0; }
    }
    if (!*o->clang_state && !(*o->clang_state = clang_createIndex(0, 0))) {
        if (warming) pthread_mutex_unlock(&clang_warm_mu);
        lmkv_analysis_set_error(a, "libclang: clang_createIndex failed");
        rc = lmkv_error_set(LMKV_ENOMEM, "libclang: clang_createIndex failed");
        goto cleanup;
    }
    /* a shared PCH of the file's first #include (see "shared PCH" above);
     * never while warming: the first parse of the process runs alone */
    size_t pch_no = 0;
    const char *pch = warming ? NULL : pch_for(o->pch, *o->clang_state, &args, dir, content, len, &pch_no);
    enum CXErrorCode e = CXError_Failure;
    unsigned errs = 0, warns = 0;
    if (pch) {
        struct args pa = {0};
        int bad = 0;
        for (size_t i = 0; i < args.n && !bad; i++) bad = args_push(&pa, args.v[i]);
        if (!bad) bad = args_push(&pa, "-include-pch") || args_push(&pa, pch);
        if (!bad)
            e = clang_parseTranslationUnit2(*o->clang_state, full, (const char *const *)pa.v, (int)pa.n,
                                            &uf, 1, flags, &tu);
        args_free(&pa);
        if (e == CXError_Success && tu) count_diags(tu, &errs, &warns);
        pch_trace(o->pch, e != CXError_Success || !tu || errs ? "fallback" : "used", pch_no, full, strlen(full));
        if (e != CXError_Success || !tu || errs) {
            /* clang refused the PCH for this file, or the file has errors
             * (counted from the plain parse, which sees the header's too) */
            if (tu) clang_disposeTranslationUnit(tu);
            tu = NULL;
            pch = NULL;
        }
    }
    if (!pch) {
        e = clang_parseTranslationUnit2(*o->clang_state, full, (const char *const *)args.v, (int)args.n,
                                        &uf, 1, flags, &tu);
        if (e == CXError_Success && tu) count_diags(tu, &errs, &warns);
    }
    if (warming) {
        __atomic_store_n(&clang_warm, 1, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&clang_warm_mu);
    }
    if (e != CXError_Success || !tu) {
        const char *why = e == CXError_Crashed ? "libclang crashed parsing it" :
                          e == CXError_InvalidArguments ? "libclang refused the arguments" : "libclang could not parse it";
        lmkv_analysis_set_error(a, why);
        rc = lmkv_error_set(LMKV_EPARSE, "%s", why);
        goto cleanup;
    }
    /* diagnostics: counted, the file indexed as far as clang recovered */
    o->stats->diag_errors += errs;
    o->stats->diag_warnings += warns;
    if (errs) o->stats->files_with_errors++;
    w.a = a; w.o = o; w.tu = tu; w.content = content; w.len = len;
    w.main = clang_getFile(tu, full);
    w.macros_file_local = ext && (!strcmp(ext, ".c") || !strcmp(ext, ".cc") || !strcmp(ext, ".cpp") || !strcmp(ext, ".cxx"));
    if (!w.main) {
        lmkv_analysis_set_error(a, "libclang: the file is not part of its own translation unit");
        rc = lmkv_error_set(LMKV_EPARSE, "libclang: the file is not part of its own translation unit");
        goto cleanup;
    }
    if (walk_tu(&w) == LMKV_OK) add_macro_refs(&w);
    if (w.rc) {
        lmkv_analysis_set_error(a, w.err);
        rc = lmkv_error_set(w.rc, "%s", w.err);
        goto cleanup;
    }
    o->stats->symbols += w.nsyms;
    o->stats->calls += w.ncalls;
    o->stats->references += w.nrefs;
    goto cleanup;
fail:
    lmkv_analysis_set_error(a, "out of memory");
    rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
cleanup:
    for (size_t i = 0; i < w.nfx; i++) free(w.fx[i].q);
    free(w.fx);
    for (size_t i = 0; i < w.nmu; i++) free(w.mu[i].name);
    free(w.mu);
    if (tu) clang_disposeTranslationUnit(tu);
    args_free(&args);
    return rc;
}
