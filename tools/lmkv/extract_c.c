/*
 * extract_c.c -- C symbols (Universal Ctags), calls (GNU cflow) and
 * references (own tokenizer) of one file. See extract_c.h for the contract.
 */
#include "extract_c.h"
#include "lmkv_kv.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

extern char **environ;

/* ------------------------------------------------------------ messages */
static _Thread_local char xc_msg[1024];
const char *xc_errmsg(void) { return xc_msg; }
static int xc_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xc_fail(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(xc_msg, sizeof xc_msg, fmt, ap);
    va_end(ap);
    return rc;
}

/* --------------------------------------------------------------- arena */
struct xc_arena { struct xc_arena *next; size_t used, cap; char data[]; };

static void *arena_alloc(struct xc_arena **a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (!*a || (*a)->used + n > (*a)->cap) {
        size_t cap = n > 65536 ? n : 65536;
        struct xc_arena *b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = *a; b->used = 0; b->cap = cap;
        *a = b;
    }
    void *p = (*a)->data + (*a)->used;
    (*a)->used += n;
    return p;
}

static char *arena_strndup(struct xc_arena **a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
static char *arena_strdup(struct xc_arena **a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

static void arena_free(struct xc_arena *a)
{
    while (a) { struct xc_arena *n = a->next; free(a); a = n; }
}

/* ------------------------------------------------- string -> u32 map */
struct smap { char **keys; uint32_t *vals; size_t cap, n; struct xc_arena *arena; };

static uint64_t hash_str(const char *s, size_t n) { return XXH3_64bits(s, n); }

static long smap_find(const struct smap *m, const char *s, size_t n)
{
    if (!m->cap) return -1;
    size_t i = hash_str(s, n) & (m->cap - 1);
    for (;;) {
        const char *k = m->keys[i];
        if (!k) return -1;
        if (strncmp(k, s, n) == 0 && k[n] == '\0') return (long)i;
        i = (i + 1) & (m->cap - 1);
    }
}

static int smap_grow(struct smap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    char **nk = calloc(ncap, sizeof *nk);
    uint32_t *nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) { free(nk); free(nv); return LMKV_ENOMEM; }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = hash_str(m->keys[i], strlen(m->keys[i])) & (ncap - 1);
        while (nk[j]) j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i]; nv[j] = m->vals[i];
    }
    free(m->keys); free(m->vals);
    m->keys = nk; m->vals = nv; m->cap = ncap;
    return 0;
}

/* Returns a pointer to the value slot (new entries start at 0), NULL on ENOMEM. */
static uint32_t *smap_put(struct smap *m, const char *s, size_t n, const char **keyout)
{
    long f = smap_find(m, s, n);
    if (f >= 0) { if (keyout) *keyout = m->keys[f]; return &m->vals[f]; }
    if ((m->n + 1) * 2 > m->cap && smap_grow(m) != 0) return NULL;
    char *k = arena_strndup(&m->arena, s, n);
    if (!k) return NULL;
    size_t i = hash_str(s, n) & (m->cap - 1);
    while (m->keys[i]) i = (i + 1) & (m->cap - 1);
    m->keys[i] = k; m->vals[i] = 0; m->n++;
    if (keyout) *keyout = k;
    return &m->vals[i];
}

static void smap_free(struct smap *m)
{
    free(m->keys); free(m->vals); arena_free(m->arena);
    memset(m, 0, sizeof *m);
}

struct xc_nameset { struct smap m; };
struct xc_nameset *xc_nameset_new(void) { return calloc(1, sizeof(struct xc_nameset)); }
int xc_nameset_add(struct xc_nameset *s, const char *name, uint32_t mask)
{
    uint32_t *v = smap_put(&s->m, name, strlen(name), NULL);
    if (!v) return xc_fail(LMKV_ENOMEM, "out of memory (name set)");
    *v |= mask;
    return 0;
}
uint32_t xc_nameset_get(const struct xc_nameset *s, const char *name, size_t len)
{
    long i = smap_find(&s->m, name, len);
    return i < 0 ? 0 : s->m.vals[i];
}
void xc_nameset_free(struct xc_nameset *s)
{
    if (!s) return;
    smap_free(&s->m);
    free(s);
}

int xc_nameset_add_file(struct xc_nameset *s, const struct xc_file *f)
{
    for (size_t i = 0; i < f->nsyms; i++) {
        if (f->syms[i].ckind == XC_K_MEMBER) continue;
        int rc = xc_nameset_add(s, f->syms[i].name, 1u << f->syms[i].ckind);
        if (rc) return rc;
    }
    return 0;
}

/* ------------------------------------------------------------ names */
static const char *const ckind_names[XC_K__COUNT] = {
    "function", "prototype", "macro", "struct", "union", "enum",
    "enumerator", "typedef", "variable", "externvar", "member"
};
static const int ckind_lsp[XC_K__COUNT] = {
    XC_LSP_FUNCTION, XC_LSP_FUNCTION, XC_LSP_CONSTANT, XC_LSP_STRUCT, XC_LSP_STRUCT, XC_LSP_ENUM,
    XC_LSP_ENUM_MEMBER, XC_LSP_TYPE_PARAMETER, XC_LSP_VARIABLE, XC_LSP_VARIABLE, XC_LSP_FIELD
};

static int ckind_from(const char *k)
{
    for (int i = 0; i < XC_K__COUNT; i++)
        if (strcmp(k, ckind_names[i]) == 0) return i;
    return -1;
}

/* ------------------------------------------------------ running tools */
struct buf { char *p; size_t n, cap; };

static int buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 65536;
        while (nc < b->n + n + 1) nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q) return -1;
        b->p = q; b->cap = nc;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* The executable PROG found in $PATH as posix_spawnp searches it (an empty
 * entry is the current directory), into full; 0 if none. A lookup, not a
 * spawn: running `PROG --version` cost two process starts per index. */
static int path_lookup(const char *prog, const char *path, char full[PATH_MAX])
{
    for (const char *p = path;; ) {
        const char *e = strchr(p, ':');
        size_t dl = e ? (size_t)(e - p) : strlen(p);
        int n = dl ? snprintf(full, PATH_MAX, "%.*s/%s", (int)dl, p, prog)
                   : snprintf(full, PATH_MAX, "%s", prog);
        struct stat sb;
        if (n > 0 && n < PATH_MAX && stat(full, &sb) == 0 && S_ISREG(sb.st_mode) &&
            access(full, X_OK) == 0)
            return 1;
        if (!e) return 0;
        p = e + 1;
    }
}

/* PROG's resolved path, looked up once per $PATH value (the tools run four
 * times per analysed file; posix_spawnp tried every $PATH entry before
 * theirs each time); a cached path is used while it is still an executable
 * file (one stat), else looked up again. Copied into out; 0 if not found. */
static pthread_mutex_t tool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tool_cache { char prog[16]; char *path_env; char full[PATH_MAX]; int found; } tool_cache[4];
static int tool_path(const char *prog, char out[PATH_MAX])
{
    const char *path = getenv("PATH");
    if (!path) path = "/usr/local/bin:/bin:/usr/bin";
    int found = -1;
    pthread_mutex_lock(&tool_mu);
    struct tool_cache *c = NULL;
    for (size_t i = 0; i < sizeof tool_cache / sizeof tool_cache[0] && !c; i++)
        if (strcmp(tool_cache[i].prog, prog) == 0 || !tool_cache[i].prog[0]) c = &tool_cache[i];
    struct stat sb;
    if (c && c->prog[0] && c->path_env && strcmp(c->path_env, path) == 0 && c->found &&
        stat(c->full, &sb) == 0 && S_ISREG(sb.st_mode) && access(c->full, X_OK) == 0) {
        found = 1;
        memcpy(out, c->full, PATH_MAX);
    }
    if (found < 0) {
        found = path_lookup(prog, path, out);
        char *pe = strdup(path);
        if (c && pe && strlen(prog) < sizeof c->prog) {
            free(c->path_env);
            snprintf(c->prog, sizeof c->prog, "%s", prog);
            c->path_env = pe;
            c->found = found;
            if (found) memcpy(c->full, out, PATH_MAX);
        } else {
            free(pe);
        }
    }
    pthread_mutex_unlock(&tool_mu);
    return found;
}

/* Runs the N commands ARGVS[i] (argv[0] looked up in $PATH) at once, each
 * one's stdout into OUTS[i] (NUL-terminated), stderr to /dev/null: they run
 * in parallel (ctags and cflow's three passes over one file), and every
 * pipe is read as data comes (poll), so no child blocks on a full pipe
 * whatever the others do. WHAT[i] names the package for messages. ST[i]
 * (may be NULL) receives 0 if command i ran and exited 0, else its error
 * code. Returns 0 if every one did, else the first failure's code (message
 * set; commands are numbered in order). N <= 4. */
/* environ with LC_ALL=C (malloc'd array, strings borrowed), NULL if out
 * of memory (then the caller uses environ). */
static char **c_locale_env(void)
{
    size_t n = 0;
    while (environ && environ[n]) n++;
    char **e = malloc((n + 2) * sizeof *e);
    if (!e) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LC_ALL=", 7) != 0) e[k++] = environ[i];
    e[k++] = "LC_ALL=C";
    e[k] = NULL;
    return e;
}

/* Record command i's failure rc and its message (xc_fail just set it). */
static int tool_failed(int *sts, char (*msgs)[sizeof xc_msg], int i, int rc)
{
    sts[i] = rc;
    snprintf(msgs[i], sizeof msgs[i], "%s", xc_msg);
    return rc;
}

static int run_tools(const char *const what[], const char *file, int n, char *const *argvs[],
                     struct buf *outs, int *st, const char *stdin0)
{
    int rfd[4] = {-1, -1, -1, -1}, rc = 0, sts[4] = {0, 0, 0, 0};
    char msgs[4][sizeof xc_msg];
    /* a failure of command i: its code and message (reported in order) */
#define FAILED(i, ...) tool_failed(sts, msgs, i, xc_fail(__VA_ARGS__))
    pid_t pid[4] = {-1, -1, -1, -1};
    char **cenv = c_locale_env();
    for (int i = 0; i < n; i++) { outs[i].n = 0; msgs[i][0] = '\0'; }
    for (int i = 0; i < n && rc == 0; i++) {
        int pfd[2];
        posix_spawn_file_actions_t fa;
        char *const *argv = argvs[i];
        char full[PATH_MAX];
        /* close-on-exec: a child must not hold another child's pipe open */
        if (pipe2(pfd, O_CLOEXEC) != 0) { rc = FAILED(i, LMKV_EIO, "%s: %s: pipe: %s", what[i], file, strerror(errno)); break; }
        rfd[i] = pfd[0];
        if (posix_spawn_file_actions_init(&fa) != 0) {
            close(pfd[1]);
            rc = FAILED(i, LMKV_ENOMEM, "%s: spawn setup failed", what[i]);
            break;
        }
        posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 0, i == 0 && stdin0 ? stdin0 : "/dev/null", O_RDONLY, 0);
        /* cflow in the C locale: under a UTF-8 $LANG it loads a dozen
         * locale files at start (~0.35 ms a run; same output, checked on
         * LMDB's, SQLite's and 1100 kernel files) */
        char *const *envp = strcmp(argv[0], "cflow") == 0 && cenv ? cenv : environ;
        int e = tool_path(argv[0], full) ? posix_spawn(&pid[i], full, &fa, NULL, argv, envp)
                                          : posix_spawnp(&pid[i], argv[0], &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        close(pfd[1]);
        if (e != 0) { pid[i] = -1; rc = FAILED(i, LMKV_EEXTERNAL, "%s: cannot run %s: %s", file, argv[0], strerror(e)); }
    }
    for (int i = 0; i < n; i++)
        if (pid[i] <= 0 && !sts[i]) sts[i] = rc ? rc : LMKV_EEXTERNAL; /* not started */
    /* read every pipe to its end (a child blocks on a full pipe otherwise) */
    char tmp[65536];
    int io = 0;
    for (;;) {
        struct pollfd pf[4];
        int np = 0, map[4];
        for (int i = 0; i < n; i++)
            if (rfd[i] >= 0) { pf[np].fd = rfd[i]; pf[np].events = POLLIN; pf[np].revents = 0; map[np++] = i; }
        if (!np) break;
        if (poll(pf, (nfds_t)np, -1) < 0) {
            if (errno == EINTR) continue;
            io = xc_fail(LMKV_EIO, "%s: poll: %s", file, strerror(errno));
            for (int i = 0; i < n; i++) if (!msgs[i][0]) snprintf(msgs[i], sizeof msgs[i], "%s", xc_msg);
            break;
        }
        for (int k = 0; k < np; k++) {
            if (!pf[k].revents) continue;
            int i = map[k];
            ssize_t r = read(rfd[i], tmp, sizeof tmp);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0 && !sts[i]) FAILED(i, LMKV_EIO, "%s: %s: read: %s", what[i], file, strerror(errno));
            if (r > 0 && !sts[i] && buf_add(&outs[i], tmp, (size_t)r) != 0)
                FAILED(i, LMKV_ENOMEM, "%s: %s: out of memory", what[i], file);
            if (r <= 0) { close(rfd[i]); rfd[i] = -1; }
        }
    }
    for (int i = 0; i < n; i++) {
        if (rfd[i] >= 0) close(rfd[i]);
        if (io && !sts[i]) sts[i] = io;
        if (!sts[i] && !outs[i].p && buf_add(&outs[i], "", 0) != 0) FAILED(i, LMKV_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        if (pid[i] <= 0) continue;
        int ws = 0;
        while (waitpid(pid[i], &ws, 0) < 0 && errno == EINTR) {}
        if (!sts[i] && !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0)) {
            const char *prog = argvs[i][0];
            if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
                FAILED(i, LMKV_EEXTERNAL, "%s: %s not found (install %s)", file, prog, what[i]);
            else
                FAILED(i, LMKV_EEXTERNAL, "%s: %s failed (status %d)", file, prog,
                                 WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
        }
    }
    /* the message of the first failure in command order */
    rc = 0;
    for (int i = 0; i < n && !rc; i++)
        if ((rc = sts[i]) != 0 && msgs[i][0]) snprintf(xc_msg, sizeof xc_msg, "%s", msgs[i]);
    if (st) for (int i = 0; i < n; i++) st[i] = sts[i];
    free(cenv);
    return rc;
#undef FAILED
}

int xc_tools_available(void)
{
    char full[PATH_MAX];
    return tool_path("ctags", full) && tool_path("cflow", full);
}

/* ------------------------------------------------------ file content */


struct xc_priv {
    char *text; size_t len;           /* file content */
    uint32_t *line_off; uint32_t nlines; /* offset of line i (1-based) */
    struct smap locals;               /* "func\x01name" -> 1 */
    struct buf cflow[3];              /* cflow's passes run with ctags (XC_WITH_CALLS) */
    int have_cflow;                   /* 1: cflow[] holds them for xc_calls_refs */
    char *ctags_in;                   /* xc_symbols_named: ctags' interactive input
                                       * (request line + content), or NULL */
};

static int read_file(const char *full, const char *path, char **out, size_t *outlen)
{
    int rc = 0;
    FILE *f = NULL;
    char *p = NULL;
    struct stat st;
    if (stat(full, &st) != 0) { rc = xc_fail(errno == ENOENT ? LMKV_NOTFOUND : LMKV_EIO, "%s: %s", path, strerror(errno)); goto cleanup; }
    if (!S_ISREG(st.st_mode)) { rc = xc_fail(LMKV_EIO, "%s: not a regular file", path); goto cleanup; }
    f = fopen(full, "rb");
    if (!f) { rc = xc_fail(LMKV_EIO, "%s: %s", path, strerror(errno)); goto cleanup; }
    p = malloc((size_t)st.st_size + 1);
    if (!p) { rc = xc_fail(LMKV_ENOMEM, "%s: out of memory", path); goto cleanup; }
    size_t n = fread(p, 1, (size_t)st.st_size, f);
    if (n != (size_t)st.st_size) { rc = xc_fail(LMKV_EIO, "%s: short read", path); goto cleanup; }
    p[n] = '\0';
    const char *nul = memchr(p, '\0', n);
    if (nul) { rc = xc_fail(LMKV_EPARSE, "%s: not C source: NUL byte at offset %zu", path, (size_t)(nul - p)); goto cleanup; }
    *out = p; *outlen = n; p = NULL;
cleanup:
    free(p);
    if (f) fclose(f);
    return rc;
}

static int index_lines(struct xc_priv *pv)
{
    uint32_t n = 1;
    for (size_t i = 0; i < pv->len; i++) if (pv->text[i] == '\n') n++;
    pv->line_off = malloc(((size_t)n + 2) * sizeof *pv->line_off);
    if (!pv->line_off) return LMKV_ENOMEM;
    uint32_t l = 1;
    pv->line_off[0] = 0; pv->line_off[1] = 0;
    for (size_t i = 0; i < pv->len; i++) if (pv->text[i] == '\n') pv->line_off[++l] = (uint32_t)(i + 1);
    pv->nlines = l;
    pv->line_off[l + 1] = (uint32_t)pv->len;
    return 0;
}

static int is_id0(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_id(int c) { return is_id0(c) || (c >= '0' && c <= '9'); }

static uint32_t find_col_nth(const struct xc_priv *pv, uint32_t line, const char *name, unsigned nth);
/* Column (1-based) of NAME as a whole word on LINE, 0 if absent. */
static uint32_t find_col(const struct xc_priv *pv, uint32_t line, const char *name)
{
    return find_col_nth(pv, line, name, 0);
}

/* Column of the nth (0-based) whole-word occurrence of NAME on LINE; the
 * last one when there are fewer; 0 if none. */
static uint32_t find_col_nth(const struct xc_priv *pv, uint32_t line, const char *name, unsigned nth)
{
    if (line < 1 || line > pv->nlines) return 0;
    size_t s = pv->line_off[line], e = line < pv->nlines ? pv->line_off[line + 1] : pv->len;
    size_t n = strlen(name);
    uint32_t last = 0;
    for (size_t i = s; i + n <= e; i++) {
        if (memcmp(pv->text + i, name, n) != 0) continue;
        if (i > s && is_id((unsigned char)pv->text[i - 1])) continue;
        if (i + n < pv->len && is_id((unsigned char)pv->text[i + n])) continue;
        last = (uint32_t)(i - s + 1);
        if (nth-- == 0) return last;
    }
    return last;
}

/* ------------------------------------------------------------- ctags */
struct vec { void *p; size_t n, cap, elem; };
static void *vec_push(struct vec *v)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 64;
        void *q = realloc(v->p, nc * v->elem);
        if (!q) return NULL;
        v->p = q; v->cap = nc;
    }
    void *e = (char *)v->p + v->n * v->elem;
    memset(e, 0, v->elem);
    v->n++;
    return e;
}

static char *build_full(const char *root, const char *path)
{
    if (path[0] == '/' || !root || !*root) return strdup(path);
    size_t a = strlen(root), b = strlen(path);
    char *s = malloc(a + b + 2);
    if (!s) return NULL;
    memcpy(s, root, a); s[a] = '/'; memcpy(s + a + 1, path, b + 1);
    return s;
}

/* The fields of one ctags JSON line that parse_ctags reads: a string field
 * is NULL when absent or not a string, an integer 0 when absent or not an
 * integer (as jansson's json_string_value / json_integer_value answered). */
enum { CT_TYPE, CT_NAME, CT_KIND, CT_SCOPE, CT_SCOPEKIND, CT_SIGNATURE, CT_TYPEREF, CT_PROPERTIES, CT__NSTR };
static const char *const ct_str_keys[CT__NSTR] = {
    "_type", "name", "kind", "scope", "scopeKind", "signature", "typeref", "properties"};
struct ctags_tag { const char *str[CT__NSTR]; int line, end, file_true; };

static void tag_from_json(struct ctags_tag *t, json_t *o)
{
    for (int i = 0; i < CT__NSTR; i++) {
        json_t *v = json_object_get(o, ct_str_keys[i]);
        t->str[i] = json_is_string(v) ? json_string_value(v) : NULL;
    }
    json_t *l = json_object_get(o, "line"), *e = json_object_get(o, "end");
    t->line = json_is_integer(l) ? (int)json_integer_value(l) : 0;
    t->end = json_is_integer(e) ? (int)json_integer_value(e) : 0;
    t->file_true = json_is_true(json_object_get(o, "file"));
}

static int parse_ctags(struct xc_file *f, struct xc_priv *pv, const char *out)
{
    struct vec syms = {NULL, 0, 0, sizeof(struct xc_symbol)};
    struct smap seen = {0};
    int rc = 0;
    uint32_t lineno = 0;
    const char *p = out;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        if (n == 0) { p += nl ? 1 : 0; if (!nl) break; continue; }
        /* JSON by jansson (the project's JSON library), one object per line */
        struct ctags_tag tg;
        json_error_t err;
        json_t *o = json_loadb(p, n, 0, &err);
        if (!o || !json_is_object(o)) {
            json_decref(o);
            rc = xc_fail(LMKV_EPARSE, "ctags: %s: output line %u is not JSON: %s", f->path, lineno, err.text);
            goto cleanup;
        }
        tag_from_json(&tg, o);
        const char *type = tg.str[CT_TYPE], *name = tg.str[CT_NAME], *kind = tg.str[CT_KIND];
        if (!type || strcmp(type, "tag") != 0 || !name || !kind) { json_decref(o); goto next; }
        int line = tg.line, end = tg.end;
        const char *scope = tg.str[CT_SCOPE], *scopekind = tg.str[CT_SCOPEKIND];
        if (strcmp(kind, "local") == 0 || strcmp(kind, "parameter") == 0) {
            if (scope && scopekind && strcmp(scopekind, "function") == 0) {
                size_t a = strlen(scope), b = strlen(name);
                char *k = malloc(a + b + 2);
                if (!k) { json_decref(o); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
                memcpy(k, scope, a); k[a] = '\x01'; memcpy(k + a + 1, name, b + 1);
                uint32_t *v = smap_put(&pv->locals, k, a + b + 1, NULL);
                free(k);
                if (!v) { json_decref(o); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
                *v = 1;
            }
            json_decref(o);
            goto next;
        }
        int ck = ckind_from(kind);
        if (ck < 0 || strncmp(name, "__anon", 6) == 0) { json_decref(o); goto next; }
        struct xc_symbol *s = vec_push(&syms);
        if (!s) { json_decref(o); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        s->name = arena_strdup(&f->arena, name);
        if (scope && strncmp(scope, "__anon", 6) != 0 && (ck == XC_K_MEMBER || ck == XC_K_ENUMERATOR)) {
            size_t a = strlen(scope), b = strlen(name);
            char *q = arena_alloc(&f->arena, a + b + 3);
            if (q) { memcpy(q, scope, a); q[a] = ':'; q[a + 1] = ':'; memcpy(q + a + 2, name, b + 1); }
            s->qualified = q;
        } else {
            s->qualified = s->name;
        }
        s->scope = (scope && strncmp(scope, "__anon", 6) != 0) ? arena_strdup(&f->arena, scope) : NULL;
        const char *sig = tg.str[CT_SIGNATURE], *typeref = tg.str[CT_TYPEREF];
        if (sig && (ck == XC_K_FUNCTION || ck == XC_K_PROTOTYPE)) {
            const char *t = typeref && strncmp(typeref, "typename:", 9) == 0 ? typeref + 9 : typeref;
            size_t need = (t ? strlen(t) + 1 : 0) + strlen(name) + strlen(sig) + 1;
            char *q = arena_alloc(&f->arena, need);
            if (q) snprintf(q, need, "%s%s%s%s", t ? t : "", t ? " " : "", name, sig);
            s->signature = q;
        } else if (sig) {
            size_t need = strlen(name) + strlen(sig) + 1;
            char *q = arena_alloc(&f->arena, need);
            if (q) snprintf(q, need, "%s%s", name, sig);
            s->signature = q;
        } else if (typeref) {
            const char *t = strchr(typeref, ':');
            s->signature = arena_strdup(&f->arena, t && strncmp(typeref, "typename:", 9) == 0 ? t + 1 : typeref);
        }
        s->ckind = (enum xc_ckind)ck;
        s->lsp_kind = ckind_lsp[ck];
        s->line = line > 0 ? (uint32_t)line : 0;
        s->end_line = end >= line && end > 0 ? (uint32_t)end : s->line;
        const char *props = tg.str[CT_PROPERTIES];
        s->is_static = (props && strstr(props, "static")) ||
                       (tg.file_true && ck != XC_K_MEMBER && ck != XC_K_ENUMERATOR);
        s->is_definition = ck != XC_K_PROTOTYPE && ck != XC_K_EXTERNVAR;
        s->column = find_col(pv, s->line, name);
        if (!s->name || !s->qualified) { json_decref(o); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        /* disambiguator: n-th (qualified, kind) in this file */
        {
            size_t ql = strlen(s->qualified);
            char *k = malloc(ql + 4);
            if (!k) { json_decref(o); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            memcpy(k, s->qualified, ql); k[ql] = '\x01'; k[ql + 1] = (char)('a' + ck); k[ql + 2] = '\0';
            uint32_t *v = smap_put(&seen, k, ql + 2, NULL);
            free(k);
            if (!v) { json_decref(o); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            s->disambiguator = (*v)++;
        }
        json_decref(o);
    next:
        if (!nl) break;
        p = nl + 1;
    }
    f->syms = syms.p; f->nsyms = syms.n; syms.p = NULL;
cleanup:
    free(syms.p);
    smap_free(&seen);
    return rc;
}

/* Symbols sorted by line then end_line: ctags prints them by name. */
static int sym_cmp(const void *a, const void *b)
{
    const struct xc_symbol *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->end_line != y->end_line) return x->end_line > y->end_line ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    if (x->ckind != y->ckind) return (int)x->ckind - (int)y->ckind;
    /* total order: the result must not depend on ctags' output order */
    if (x->column != y->column) return x->column < y->column ? -1 : 1;
    if ((c = strcmp(x->scope ? x->scope : "", y->scope ? y->scope : "")) != 0) return c;
    if ((c = strcmp(x->signature ? x->signature : "", y->signature ? y->signature : "")) != 0) return c;
    if (x->is_static != y->is_static) return x->is_static - y->is_static;
    return strcmp(x->qualified, y->qualified);
}

/* Content given in memory: written to a private temporary directory
 * ($TMPDIR or /tmp, "lmkv-xc-XXXXXX/<basename>") so the tools read exactly
 * these bytes; removed by xc_file_free. */
static int file_open_mem(struct xc_file **out, const char *path, const void *content, size_t len,
                         const char *ctags_name)
{
    struct xc_file *f = calloc(1, sizeof *f);
    struct xc_priv *pv = calloc(1, sizeof *pv);
    int rc = 0, fd = -1;
    if (!f || !pv) { free(f); free(pv); return xc_fail(LMKV_ENOMEM, "out of memory"); }
    f->priv = pv;
    if (!(f->path = strdup(path))) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    const char *nul = memchr(content, '\0', len);
    if (nul) { rc = xc_fail(LMKV_EPARSE, "%s: not C source: NUL byte at offset %zu", path, (size_t)(nul - (const char *)content)); goto cleanup; }
    if (!(pv->text = malloc(len + 1))) { rc = xc_fail(LMKV_ENOMEM, "%s: out of memory", path); goto cleanup; }
    memcpy(pv->text, content, len);
    pv->text[len] = '\0';
    pv->len = len;
    if (index_lines(pv) != 0) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t need = strlen(tmp) + strlen(base) + 32;
    if (!(f->tmpdir = malloc(need)) || !(f->full = malloc(need))) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    snprintf(f->tmpdir, need, "%s/lmkv-xc-XXXXXX", tmp);
    if (!mkdtemp(f->tmpdir)) {
        rc = xc_fail(LMKV_EIO, "%s: cannot create a temporary directory in %s: %s", path, tmp, strerror(errno));
        free(f->tmpdir); f->tmpdir = NULL;
        goto cleanup;
    }
    snprintf(f->full, need, "%s/%s", f->tmpdir, *base ? base : "file.c");
    fd = open(f->full, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) { rc = xc_fail(LMKV_EIO, "%s: %s: %s", path, f->full, strerror(errno)); goto cleanup; }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, (const char *)content + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { rc = xc_fail(LMKV_EIO, "%s: writing %s: %s", path, f->full, strerror(errno)); goto cleanup; }
        off += (size_t)w;
    }
    if (close(fd) != 0) { fd = -1; rc = xc_fail(LMKV_EIO, "%s: writing %s: %s", path, f->full, strerror(errno)); goto cleanup; }
    fd = -1;
    if (ctags_name) {
        /* ctags --_interactive reads one request line, then SIZE bytes of
         * content it parses as the file named FILENAME */
        json_t *req = json_pack("{s:s, s:s, s:I}", "command", "generate-tags", "filename", ctags_name,
                                "size", (json_int_t)len);
        char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
        json_decref(req);
        size_t fl = strlen(f->full);
        if (!line || !(pv->ctags_in = malloc(fl + 8))) { free(line); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        snprintf(pv->ctags_in, fl + 8, "%s.ctags", f->full);
        FILE *o = fopen(pv->ctags_in, "wbx");
        int ok = o && fputs(line, o) >= 0 && fputc('\n', o) != EOF && fwrite(content, 1, len, o) == len;
        int e = errno;
        if (o && fclose(o) != 0 && ok) { ok = 0; e = errno; }
        free(line);
        if (!ok) {
            if (!o) { free(pv->ctags_in); pv->ctags_in = NULL; }
            rc = xc_fail(LMKV_EIO, "%s: writing a temporary file in %s: %s", path, f->tmpdir, strerror(e));
            goto cleanup;
        }
    }
    *out = f; f = NULL;
cleanup:
    if (fd >= 0) close(fd);
    xc_file_free(f);
    return rc;
}

static int file_open(struct xc_file **out, const char *root, const char *path)
{
    struct xc_file *f = calloc(1, sizeof *f);
    struct xc_priv *pv = calloc(1, sizeof *pv);
    char *full = NULL;
    int rc = 0;
    if (!f || !pv) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    f->priv = pv;
    f->path = strdup(path);
    full = build_full(root, path);
    if (!f->path || !full) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    rc = read_file(full, path, &pv->text, &pv->len);
    if (rc) goto cleanup;
    if (index_lines(pv) != 0) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    f->full = full; full = NULL;
    *out = f; f = NULL; pv = NULL;
cleanup:
    if (f) { f->priv = pv; pv = NULL; xc_file_free(f); }
    free(pv);
    free(full);
    return rc;
}

static int symbols_of(struct xc_file *f, int with_calls);

int xc_symbols_ex(struct xc_file **out, const char *root, const char *path, unsigned flags)
{
    struct xc_file *f = NULL;
    int rc = file_open(&f, root, path);
    if (rc) return rc;
    if ((rc = symbols_of(f, (flags & XC_WITH_CALLS) != 0)) != 0) { xc_file_free(f); return rc; }
    *out = f;
    return 0;
}

int xc_symbols(struct xc_file **out, const char *root, const char *path)
{
    return xc_symbols_ex(out, root, path, 0);
}

int xc_symbols_mem(struct xc_file **out, const char *path, const void *content, size_t len)
{
    struct xc_file *f = NULL;
    int rc = file_open_mem(&f, path, content, len, NULL);
    if (rc) return rc;
    if ((rc = symbols_of(f, 1)) != 0) { xc_file_free(f); return rc; }
    *out = f;
    return 0;
}

int xc_symbols_named(struct xc_file **out, const char *root, const char *path, const void *content, size_t len)
{
    struct xc_file *f = NULL;
    char *name = build_full(root, path);
    if (!name) return xc_fail(LMKV_ENOMEM, "out of memory");
    int rc = file_open_mem(&f, path, content, len, name);
    free(name);
    if (rc) return rc;
    if ((rc = symbols_of(f, 1)) != 0) { xc_file_free(f); return rc; }
    *out = f;
    return 0;
}

/* ------------------------------------------------- packed symbols */
/* One block: this header, the symbols, the locals' keys, then every string
 * (pointers into the block). */
struct xc_syms {
    XXH128_hash_t hash; size_t len;   /* of the content ctags read */
    size_t nsyms, nlocals, bytes;
    struct xc_symbol *syms;
    const char **locals;              /* "func\x01name" */
};

static size_t pack_str_size(const char *s) { return s ? strlen(s) + 1 : 0; }
static const char *pack_str(char **w, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = *w;
    memcpy(d, s, n);
    *w += n;
    return d;
}

int xc_syms_pack(struct xc_syms **out, const struct xc_file *f)
{
    const struct xc_priv *pv = f->priv;
    size_t str = 0, nloc = 0;
    for (size_t i = 0; i < f->nsyms; i++) {
        const struct xc_symbol *y = &f->syms[i];
        str += pack_str_size(y->name) + pack_str_size(y->scope) + pack_str_size(y->signature);
        if (y->qualified != y->name) str += pack_str_size(y->qualified);
    }
    for (size_t i = 0; i < pv->locals.cap; i++)
        if (pv->locals.keys[i]) { str += strlen(pv->locals.keys[i]) + 1; nloc++; }
    size_t head = (sizeof(struct xc_syms) + 15) & ~(size_t)15;
    size_t bytes = head + f->nsyms * sizeof(struct xc_symbol) + nloc * sizeof(char *) + str;
    struct xc_syms *p = malloc(bytes);
    if (!p) return xc_fail(LMKV_ENOMEM, "%s: out of memory", f->path);
    p->hash = XXH3_128bits(pv->text, pv->len);
    p->len = pv->len;
    p->nsyms = f->nsyms; p->nlocals = nloc; p->bytes = bytes;
    p->syms = (struct xc_symbol *)((char *)p + head);
    p->locals = (const char **)(p->syms + f->nsyms);
    char *w = (char *)(p->locals + nloc);
    for (size_t i = 0; i < f->nsyms; i++) {
        const struct xc_symbol *y = &f->syms[i];
        struct xc_symbol *d = &p->syms[i];
        *d = *y;
        d->name = pack_str(&w, y->name);
        d->qualified = y->qualified == y->name ? d->name : pack_str(&w, y->qualified);
        d->scope = pack_str(&w, y->scope);
        d->signature = pack_str(&w, y->signature);
    }
    nloc = 0;
    for (size_t i = 0; i < pv->locals.cap; i++)
        if (pv->locals.keys[i]) p->locals[nloc++] = pack_str(&w, pv->locals.keys[i]);
    *out = p;
    return 0;
}

size_t xc_syms_bytes(const struct xc_syms *p) { return p ? p->bytes : 0; }
void xc_syms_free(struct xc_syms *p) { free(p); }

int xc_symbols_packed(struct xc_file **out, const char *path, const void *content, size_t len,
                      const struct xc_syms *p)
{
    XXH128_hash_t h = XXH3_128bits(content, len);
    if (len != p->len || !XXH128_isEqual(h, p->hash))
        return xc_fail(LMKV_NOTFOUND, "%s: content differs from the packed symbols'", path);
    struct xc_file *f = NULL;
    int rc = file_open_mem(&f, path, content, len, NULL);
    if (rc) return rc;
    struct xc_priv *pv = f->priv;
    if (p->nsyms && !(f->syms = malloc(p->nsyms * sizeof *f->syms))) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto fail; }
    for (size_t i = 0; i < p->nsyms; i++) {
        const struct xc_symbol *y = &p->syms[i];
        struct xc_symbol *d = &f->syms[i];
        *d = *y;
        d->name = arena_strdup(&f->arena, y->name);
        d->qualified = y->qualified == y->name ? d->name : arena_strdup(&f->arena, y->qualified);
        d->scope = arena_strdup(&f->arena, y->scope);
        d->signature = arena_strdup(&f->arena, y->signature);
        if (!d->name || !d->qualified || (y->scope && !d->scope) || (y->signature && !d->signature)) {
            f->nsyms = i;
            rc = xc_fail(LMKV_ENOMEM, "out of memory");
            goto fail;
        }
    }
    f->nsyms = p->nsyms;
    for (size_t i = 0; i < p->nlocals; i++) {
        uint32_t *v = smap_put(&pv->locals, p->locals[i], strlen(p->locals[i]), NULL);
        if (!v) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto fail; }
        *v = 1;
    }
    *out = f;
    return 0;
fail:
    xc_file_free(f);
    return rc;
}

/* cflow's three passes over a file (tree, cross reference, reverse tree);
 * argv arrays of 10 entries, FULL the file given to cflow. */
static void cflow_argvs(char *targv[10], char *xargv[10], char *rargv[10], char *full)
{
    char *t[] = {"cflow", "--format=posix", "--omit-arguments", "-A", "-A", "-i", "_s", full, NULL};
    char *x[] = {"cflow", "-x", "-i", "_s", full, NULL};
    char *r[] = {"cflow", "--format=posix", "--omit-arguments", "-A", "-A", "-i", "_s", "--reverse", full, NULL};
    memcpy(targv, t, sizeof t);
    memcpy(xargv, x, sizeof x);
    memcpy(rargv, r, sizeof r);
}

static int symbols_of(struct xc_file *f, int with_calls)
{
    struct buf outs[4] = {{0}, {0}, {0}, {0}};
    const char *path = f->path;
    int rc = 0, st[4];
    /* --sort=no: ctags would otherwise pipe its output through `sh -c
     * "sort -u"` (two more process starts, ~3 ms a file); the symbols are
     * sorted here, and equal ones dropped as sort -u did */
    const char *in = f->priv->ctags_in;
    /* content under another name (xc_symbols_named): ctags' interactive
     * mode reads it from stdin; every tag is as from a file of that name */
    char *argv[] = {"ctags", "--output-format=json", "--sort=no", "--languages=C", "--langmap=C:.c.h",
                    "--fields=+neKSlzZf-P", "--fields-C=+{properties}", "--kinds-C=+pxlz",
                    "-o", "-", in ? "--_interactive" : f->full, NULL};
    char *targv[10], *xargv[10], *rargv[10];
    cflow_argvs(targv, xargv, rargv, f->full);
    /* with_calls: cflow's passes run beside ctags (4 processes at once on
     * the cores there are; ctags alone is ~10 ms of process start and
     * parser setup), their output kept for xc_calls_refs. A cflow failure
     * is not this call's: xc_calls_refs runs cflow again and reports it. */
    char *const *argvs[4] = {argv, targv, xargv, rargv};
    static const char *const what[4] = {"universal-ctags", "cflow", "cflow", "cflow"};
    run_tools(what, path, with_calls ? 4 : 1, argvs, outs, st, in);
    if ((rc = st[0]) != 0) goto cleanup;
    if (with_calls && !st[1] && !st[2] && !st[3]) {
        struct xc_priv *pv = f->priv;
        for (int i = 0; i < 3; i++) { pv->cflow[i] = outs[i + 1]; outs[i + 1] = (struct buf){0}; }
        pv->have_cflow = 1;
    }
    rc = parse_ctags(f, f->priv, outs[0].p);
    if (rc) goto cleanup;
    if (f->nsyms) {
        qsort(f->syms, f->nsyms, sizeof *f->syms, sym_cmp);
        size_t k = 1;
        for (size_t i = 1; i < f->nsyms; i++)
            if (sym_cmp(&f->syms[k - 1], &f->syms[i]) != 0) f->syms[k++] = f->syms[i];
        f->nsyms = k;
    }
cleanup:
    for (int i = 0; i < 4; i++) free(outs[i].p);
    return rc;
}

/* -------------------------------------------------------------- cflow */
struct pair { const char *caller, *callee; };
struct xsite { const char *name; uint32_t line; };

static int xsite_cmp(const void *a, const void *b)
{
    const struct xsite *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Parse `cflow --format=posix` output into unique (caller, callee) pairs;
 * reverse: the output of --reverse (a child calls its parent). */
static int parse_cflow_tree(struct xc_file *f, const char *out, struct vec *pairs, int reverse, struct vec *defs)
{
    struct smap seen = {0};
    const char *stack[256];
    int rc = 0;
    uint32_t lineno = 0;
    for (const char *p = out; *p;) {
        const char *nl = strchr(p, '\n');
        const char *e = nl ? nl : p + strlen(p);
        lineno++;
        const char *q = p;
        while (q < e && *q == ' ') q++;
        const char *d = q;
        while (q < e && *q >= '0' && *q <= '9') q++;
        if (q == d || q >= e || *q != ' ') {
            rc = xc_fail(LMKV_EPARSE, "cflow: %s: output line %u not understood", f->path, lineno);
            goto cleanup;
        }
        q++;
        const char *ind = q;
        while (q < e && *q == ' ') q++;
        size_t level = (size_t)(q - ind) / 4;
        const char *name = q;
        while (q < e && *q != ':') q++;
        if (q >= e || q == name) {
            rc = xc_fail(LMKV_EPARSE, "cflow: %s: output line %u has no name", f->path, lineno);
            goto cleanup;
        }
        const char *nm;
        if (!smap_put(&seen, name, (size_t)(q - name), &nm)) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        if (level >= sizeof stack / sizeof stack[0]) {
            rc = xc_fail(LMKV_EPARSE, "cflow: %s: call tree deeper than %zu levels", f->path, sizeof stack / sizeof stack[0]);
            goto cleanup;
        }
        stack[level] = nm;
        if (defs) {
            /* "name: type (), <FILE LINE>": a definition */
            size_t fl = strlen(f->full);
            const char *lt = memchr(q, '<', (size_t)(e - q));
            if (lt && (size_t)(e - lt) > fl + 2 && memcmp(lt + 1, f->full, fl) == 0 && lt[1 + fl] == ' ') {
                struct xsite *df = vec_push(defs);
                if (!df) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
                df->name = arena_strdup(&f->arena, nm);
                df->line = (uint32_t)strtoul(lt + 2 + fl, NULL, 10);
                if (!df->name) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            }
        }
        if (level > 0) {
            const char *caller = reverse ? nm : stack[level - 1];
            const char *callee = reverse ? stack[level - 1] : nm;
            size_t a = strlen(caller), b = strlen(callee);
            char *k = malloc(a + b + 2);
            if (!k) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            memcpy(k, caller, a); k[a] = '\x01'; memcpy(k + a + 1, callee, b + 1);
            uint32_t *v = smap_put(&seen, k, a + b + 1, NULL);
            free(k);
            if (!v) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            if (!*v) {
                *v = 1;
                struct pair *pp = vec_push(pairs);
                if (!pp) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
                pp->caller = arena_strdup(&f->arena, caller);
                pp->callee = arena_strdup(&f->arena, callee);
                if (!pp->caller || !pp->callee) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            }
        }
        if (!nl) break;
        p = nl + 1;
    }
cleanup:
    smap_free(&seen);
    return rc;
}

/* Parse `cflow -x` output: reference lines (not definitions). */
static int parse_cflow_xref(struct xc_file *f, const char *out, struct vec *sites, struct vec *defs)
{
    size_t fl = strlen(f->full);
    uint32_t lineno = 0;
    for (const char *p = out; *p;) {
        const char *nl = strchr(p, '\n');
        const char *e = nl ? nl : p + strlen(p);
        lineno++;
        const char *sp = memchr(p, ' ', (size_t)(e - p));
        if (!sp || e - sp < 3) return xc_fail(LMKV_EPARSE, "cflow -x: %s: output line %u not understood", f->path, lineno);
        int def = sp[1] == '*';
        const char *loc = sp + 3;
        {
            if ((size_t)(e - loc) <= fl || memcmp(loc, f->full, fl) != 0 || loc[fl] != ':')
                return xc_fail(LMKV_EPARSE, "cflow -x: %s: output line %u names another file", f->path, lineno);
            unsigned long ln = strtoul(loc + fl + 1, NULL, 10);
            struct xsite *s = vec_push(def ? defs : sites);
            if (!s) return xc_fail(LMKV_ENOMEM, "out of memory");
            s->name = arena_strndup(&f->arena, p, (size_t)(sp - p));
            s->line = (uint32_t)ln;
            if (!s->name) return xc_fail(LMKV_ENOMEM, "out of memory");
        }
        if (!nl) break;
        p = nl + 1;
    }
    return 0;
}

/* ------------------------------------------------------- tokenizer */
/* Skips a comment, string or character constant at *i; returns 1 if it did. */
static int skip_noncode(const char *t, size_t n, size_t *i)
{
    size_t k = *i;
    if (t[k] == '/' && k + 1 < n && t[k + 1] == '*') {
        const char *e = strstr(t + k + 2, "*/");
        *i = e ? (size_t)(e - t) + 2 : n;
        return 1;
    }
    if (t[k] == '/' && k + 1 < n && t[k + 1] == '/') {
        while (k < n && t[k] != '\n') { if (t[k] == '\\' && k + 1 < n) k++; k++; }
        *i = k;
        return 1;
    }
    if (t[k] == '"' || t[k] == '\'') {
        char q = t[k++];
        while (k < n && t[k] != q && t[k] != '\n') { if (t[k] == '\\' && k + 1 < n) k++; k++; }
        *i = k < n ? k + 1 : n;
        return 1;
    }
    return 0;
}

int xc_file_identifiers(const struct xc_file *f,
                        int (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
    const char *t = f->priv->text;
    size_t n = f->priv->len, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)t[i];
        if ((c == '/' || c == '"' || c == '\'') && skip_noncode(t, n, &i)) continue;
        if (is_id0(c)) {
            size_t s = i;
            while (i < n && is_id((unsigned char)t[i])) i++;
            int rc = fn(ctx, t + s, i - s);
            if (rc) return rc;
            continue;
        }
        if (is_id(c)) { /* a number with its suffix letters: not an identifier */
            while (i < n && is_id((unsigned char)t[i])) i++;
            continue;
        }
        i++;
    }
    return 0;
}

/* Symbol owning each line: the innermost (shortest) definition range. */
static int *line_owners(const struct xc_file *f, const struct xc_priv *pv)
{
    int *own = malloc(((size_t)pv->nlines + 2) * sizeof *own);
    uint32_t *span = malloc(((size_t)pv->nlines + 2) * sizeof *span);
    if (!own || !span) { free(own); free(span); return NULL; }
    for (size_t l = 0; l <= pv->nlines + 1; l++) { own[l] = -1; span[l] = UINT32_MAX; }
    for (size_t i = 0; i < f->nsyms; i++) {
        const struct xc_symbol *s = &f->syms[i];
        switch (s->ckind) {
        case XC_K_FUNCTION: case XC_K_STRUCT: case XC_K_UNION: case XC_K_ENUM:
        case XC_K_MACRO: case XC_K_PROTOTYPE: case XC_K_VARIABLE: case XC_K_TYPEDEF:
            break;
        default: continue;
        }
        if (s->line < 1 || s->line > pv->nlines) continue;
        uint32_t e = s->end_line > pv->nlines ? pv->nlines : s->end_line;
        uint32_t w = e - s->line;
        for (uint32_t l = s->line; l <= e; l++)
            if (w < span[l] || (w == span[l] && s->ckind == XC_K_FUNCTION)) { span[l] = w; own[l] = (int)i; }
    }
    free(span);
    return own;
}

static int is_kw_tag(const char *s, size_t n)
{
    return (n == 6 && (!memcmp(s, "struct", 6))) || (n == 5 && !memcmp(s, "union", 5)) || (n == 4 && !memcmp(s, "enum", 4));
}

#define TYPE_MASK ((1u << XC_K_STRUCT) | (1u << XC_K_UNION) | (1u << XC_K_ENUM) | (1u << XC_K_TYPEDEF))
#define VALUE_MASK ((1u << XC_K_FUNCTION) | (1u << XC_K_PROTOTYPE) | (1u << XC_K_VARIABLE) | \
                    (1u << XC_K_EXTERNVAR) | (1u << XC_K_ENUMERATOR) | (1u << XC_K_MACRO))

/* Make *key (capacity *cap) hold at least `need` bytes (grows to 2*need).
 * Returns 0, or -1 after xc_fail (out of memory; *key unchanged). */
static int key_room(char **key, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    char *nk = realloc(*key, need * 2);
    if (!nk) { xc_fail(LMKV_ENOMEM, "out of memory"); return -1; }
    *key = nk;
    *cap = need * 2;
    return 0;
}

/* *key = name[0..len) "\x01" decimal line (NUL-terminated): the (name, line)
 * key of scan_refs' definition map. Returns its length, or 0 after xc_fail. */
static size_t line_key(char **key, size_t *cap, const char *name, size_t len, uint32_t line)
{
    char k[32];
    int kl = snprintf(k, sizeof k, "\x01%u", line);
    if (key_room(key, cap, len + (size_t)kl + 1) != 0) return 0;
    memcpy(*key, name, len);
    memcpy(*key + len, k, (size_t)kl + 1);
    return len + (size_t)kl;
}

static int scan_refs(struct xc_file *f, const struct xc_nameset *known, struct vec *refs)
{
    struct xc_priv *pv = f->priv;
    const char *t = pv->text;
    size_t n = pv->len;
    int rc = 0;
    int *own = line_owners(f, pv);
    struct smap defs = {0};
    char *key = NULL;
    size_t keycap = 0;
    if (!own) return xc_fail(LMKV_ENOMEM, "out of memory");
    /* (name, line) of every definition in the file: never a reference. */
    for (size_t i = 0; i < f->nsyms; i++) {
        size_t kn = line_key(&key, &keycap, f->syms[i].name, strlen(f->syms[i].name), f->syms[i].line);
        if (!kn) { rc = LMKV_ENOMEM; goto cleanup; }
        uint32_t *v = smap_put(&defs, key, kn, NULL);
        if (!v) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        if (!*v || f->syms[i].ckind == XC_K_MACRO) *v = (uint32_t)i + 1;
    }
    uint32_t line = 1;
    size_t lstart = 0;
    int bol = 1;              /* only whitespace seen on this line so far */
    int in_pp = 0;            /* inside a preprocessor directive */
    int pp_skip = 0;          /* directive whose identifiers are no references */
    const char *pp_macro = NULL; uint32_t pp_macro_line = 0; int pp_first = 0;
    int prev_tag = 0;         /* previous token was struct/union/enum */
    char prevc = 0, prevc2 = 0; /* last two significant characters */
    size_t i = 0;
    while (i < n) {
        char c = t[i];
        if (c == '\n') {
            if (!(i > 0 && t[i - 1] == '\\') && !(i > 1 && t[i - 1] == '\r' && t[i - 2] == '\\')) {
                in_pp = 0; pp_skip = 0; pp_macro = NULL;
            }
            line++; lstart = i + 1; bol = 1; i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') { i++; continue; }
        if ((c == '/' || c == '"' || c == '\'')) {
            size_t before = i;
            if (skip_noncode(t, n, &i)) {
                for (size_t k = before; k < i; k++) if (t[k] == '\n') { line++; lstart = k + 1; }
                if (c != '/') { prevc2 = prevc; prevc = '"'; bol = 0; }
                continue;
            }
        }
        if (c == '#' && bol) {
            /* directive name */
            size_t k = i + 1;
            while (k < n && (t[k] == ' ' || t[k] == '\t')) k++;
            size_t ds = k;
            while (k < n && is_id((unsigned char)t[k])) k++;
            size_t dl = k - ds;
            in_pp = 1; bol = 0; pp_skip = 0; pp_macro = NULL; pp_first = 0;
            if (dl == 6 && !memcmp(t + ds, "define", 6)) { pp_first = 1; }
            else if ((dl == 2 && !memcmp(t + ds, "if", 2)) || (dl == 4 && !memcmp(t + ds, "elif", 4)) ||
                     (dl == 5 && !memcmp(t + ds, "ifdef", 5)) || (dl == 6 && !memcmp(t + ds, "ifndef", 6))) {}
            else pp_skip = 1; /* include, undef, pragma, error, line, else, endif */
            i = k;
            prevc = prevc2 = 0;
            continue;
        }
        bol = 0;
        if (is_id0((unsigned char)c)) {
            size_t s = i;
            while (i < n && is_id((unsigned char)t[i])) i++;
            size_t len = i - s;
            uint32_t col = (uint32_t)(s - lstart + 1);
            int was_tag = prev_tag;
            prev_tag = is_kw_tag(t + s, len);
            char pc = prevc, pc2 = prevc2;
            prevc2 = prevc; prevc = 'a';
            if (in_pp && pp_first) {
                /* the macro being defined */
                pp_first = 0;
                size_t kn = line_key(&key, &keycap, t + s, len, line);
                if (!kn) { rc = LMKV_ENOMEM; goto cleanup; }
                long d = smap_find(&defs, key, kn);
                if (d >= 0 && f->syms[defs.vals[d] - 1].ckind == XC_K_MACRO) {
                    pp_macro = f->syms[defs.vals[d] - 1].name; pp_macro_line = line;
                }
                continue;
            }
            if (pp_skip) continue;
            if (in_pp && len == 7 && !memcmp(t + s, "defined", 7)) continue;
            if (pc == '.' || (pc == '>' && pc2 == '-')) continue; /* member access */
            uint32_t mask = known ? xc_nameset_get(known, t + s, len) : 0;
            if (!mask) continue;
            if (mask == (1u << XC_K_MEMBER)) continue;
            /* own definition? */
            {
                size_t kn = line_key(&key, &keycap, t + s, len, line);
                if (!kn) { rc = LMKV_ENOMEM; goto cleanup; }
                if (smap_find(&defs, key, kn) >= 0) continue;
            }
            /* source */
            const char *src = NULL; uint32_t srcline = 0;
            if (in_pp) { src = pp_macro; srcline = pp_macro ? pp_macro_line : 0; }
            else if (line <= pv->nlines && own[line] >= 0) {
                const struct xc_symbol *o = &f->syms[own[line]];
                src = o->name; srcline = o->line;
                if (o->ckind == XC_K_FUNCTION) {
                    size_t a = strlen(o->name);
                    if (key_room(&key, &keycap, a + len + 2) != 0) { rc = LMKV_ENOMEM; goto cleanup; }
                    memcpy(key, o->name, a); key[a] = '\x01'; memcpy(key + a + 1, t + s, len);
                    if (smap_find(&pv->locals, key, a + 1 + len) >= 0) continue; /* shadowed */
                }
            }
            /* kind: look at the next significant character(s) */
            size_t k = i;
            while (k < n && (t[k] == ' ' || t[k] == '\t')) k++;
            enum xc_ref_kind kind;
            if (was_tag && (mask & TYPE_MASK)) kind = XC_REF_TYPE;
            else if (k < n && t[k] == '(' && (mask & VALUE_MASK)) kind = XC_REF_CALL;
            else if ((mask & TYPE_MASK) && !(mask & VALUE_MASK)) kind = XC_REF_TYPE;
            else if (k + 1 < n && ((t[k] == '=' && t[k + 1] != '=') ||
                                   (strchr("+-*/%&|^", t[k]) && t[k + 1] == '=' && t[k] != '\0') ||
                                   (t[k] == '+' && t[k + 1] == '+') || (t[k] == '-' && t[k + 1] == '-') ||
                                   (k + 2 < n && (t[k] == '<' || t[k] == '>') && t[k + 1] == t[k] && t[k + 2] == '=')))
                kind = XC_REF_WRITE;
            else if ((pc == '+' && pc2 == '+') || (pc == '-' && pc2 == '-')) kind = XC_REF_WRITE;
            else kind = XC_REF_READ;
            struct xc_ref *r = vec_push(refs);
            if (!r) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            r->source = src; r->source_line = srcline;
            r->target = arena_strndup(&f->arena, t + s, len);
            if (!r->target) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            r->line = line; r->column = col; r->end_column = col + (uint32_t)len;
            r->kind = kind;
            continue;
        }
        if (c >= '0' && c <= '9') { /* number: skip, incl. suffixes */
            while (i < n && (is_id((unsigned char)t[i]) || t[i] == '.')) i++;
            prevc2 = prevc; prevc = '0'; prev_tag = 0;
            continue;
        }
        prevc2 = prevc; prevc = c;
        if (c != '*') prev_tag = 0;
        i++;
    }
cleanup:
    free(own);
    free(key);
    smap_free(&defs);
    return rc;
}

/* ------------------------------------------------------- calls + refs */
static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}
static _Thread_local const struct xc_symbol *fn_sort_syms;
static int fn_cmp(const void *a, const void *b)
{
    const struct xc_symbol *x = &fn_sort_syms[*(const uint32_t *)a], *y = &fn_sort_syms[*(const uint32_t *)b];
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

int xc_calls_refs(struct xc_file *f, const char *root, const struct xc_nameset *known)
{
    struct xc_priv *pv = f->priv;
    struct buf tree = {0}, xref = {0}, rtree = {0};
    struct vec pairs = {NULL, 0, 0, sizeof(struct pair)};
    struct vec rpairs = {NULL, 0, 0, sizeof(struct pair)};
    struct vec sites = {NULL, 0, 0, sizeof(struct xsite)};
    struct vec cdefs = {NULL, 0, 0, sizeof(struct xsite)};
    uint32_t *cdl = NULL;
    struct vec calls = {NULL, 0, 0, sizeof(struct xc_call)};
    struct vec refs = {NULL, 0, 0, sizeof(struct xc_ref)};
    struct xc_nameset *own = NULL;
    uint32_t *fn = NULL;
    int rc = 0;
    (void)root;
    if (pv->have_cflow) {
        /* run with ctags (XC_WITH_CALLS): taken over, freed below */
        tree = pv->cflow[0];
        xref = pv->cflow[1];
        rtree = pv->cflow[2];
        memset(pv->cflow, 0, sizeof pv->cflow);
        pv->have_cflow = 0;
    } else {
        /* the three passes run at once (one process each) */
        char *targv[10], *xargv[10], *rargv[10];
        cflow_argvs(targv, xargv, rargv, f->full);
        char *const *argvs[3] = {targv, xargv, rargv};
        static const char *const what[3] = {"cflow", "cflow", "cflow"};
        struct buf outs[3] = {{0}, {0}, {0}};
        rc = run_tools(what, f->path, 3, argvs, outs, NULL, NULL);
        tree = outs[0];
        xref = outs[1];
        rtree = outs[2];
    }
    if (rc) goto cleanup;
    rc = parse_cflow_tree(f, tree.p, &pairs, 0, &cdefs);
    if (rc) goto cleanup;
    /* keep the pairs the reverse tree confirms: cflow's forward tree can
     * attribute the callees of following code to one function (SQLite's
     * winRead gets 1165 such edges); both directions agree on the rest */
    rc = parse_cflow_tree(f, rtree.p, &rpairs, 1, NULL);
    if (rc) goto cleanup;
    {
        struct smap rs = {0};
        struct pair *rp = rpairs.p, *fp = pairs.p;
        for (size_t i = 0; i < rpairs.n && rc == 0; i++) {
            size_t a = strlen(rp[i].caller), b = strlen(rp[i].callee);
            char *k = malloc(a + b + 2);
            if (!k) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); break; }
            memcpy(k, rp[i].caller, a); k[a] = '\x01'; memcpy(k + a + 1, rp[i].callee, b + 1);
            if (!smap_put(&rs, k, a + b + 1, NULL)) rc = xc_fail(LMKV_ENOMEM, "out of memory");
            free(k);
        }
        size_t w = 0;
        for (size_t i = 0; i < pairs.n && rc == 0; i++) {
            size_t a = strlen(fp[i].caller), b = strlen(fp[i].callee);
            char *k = malloc(a + b + 2);
            if (!k) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); break; }
            memcpy(k, fp[i].caller, a); k[a] = '\x01'; memcpy(k + a + 1, fp[i].callee, b + 1);
            if (smap_find(&rs, k, a + b + 1) >= 0) fp[w++] = fp[i];
            free(k);
        }
        pairs.n = w;
        smap_free(&rs);
        if (rc) goto cleanup;
    }
    rc = parse_cflow_xref(f, xref.p, &sites, &cdefs);
    if (rc) goto cleanup;
    if (sites.n) qsort(sites.p, sites.n, sizeof(struct xsite), xsite_cmp);
    /* cflow's definition lines in line order: a caller ctags does not see
     * (e.g. inside #if 0) spans from its line to the next definition */
    uint32_t *dlines = NULL;
    if (cdefs.n) {
        dlines = malloc(cdefs.n * sizeof *dlines);
        if (!dlines) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        for (size_t i = 0; i < cdefs.n; i++) dlines[i] = ((struct xsite *)cdefs.p)[i].line;
        qsort(dlines, cdefs.n, sizeof *dlines, u32_cmp);
        qsort(cdefs.p, cdefs.n, sizeof(struct xsite), xsite_cmp);
    }
    free(cdl); cdl = dlines;

    /* functions cflow defines but ctags does not see (e.g. inside #if 0):
     * symbols too, so every function cflow knows can be queried */
    {
        struct smap have = {0};
        size_t add = 0;
        for (size_t i = 0; i < f->nsyms; i++) {
            uint32_t *v = smap_put(&have, f->syms[i].name, strlen(f->syms[i].name), NULL);
            if (!v) { smap_free(&have); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            *v = 1;
        }
        const struct xsite *cd = cdefs.p;
        for (size_t i = 0; i < cdefs.n; i++) if (smap_find(&have, cd[i].name, strlen(cd[i].name)) < 0) add++;
        if (add) {
            struct xc_symbol *ns = realloc(f->syms, (f->nsyms + add) * sizeof *ns);
            if (!ns) { smap_free(&have); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            f->syms = ns;
            for (size_t i = 0; i < cdefs.n; i++) {
                uint32_t *v = smap_put(&have, cd[i].name, strlen(cd[i].name), NULL);
                if (!v) { smap_free(&have); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
                if (*v) continue;   /* ctags has it, or added already */
                *v = 1;
                struct xc_symbol *y = &f->syms[f->nsyms++];
                memset(y, 0, sizeof *y);
                y->name = y->qualified = cd[i].name;
                y->ckind = XC_K_FUNCTION; y->lsp_kind = XC_LSP_FUNCTION;
                y->line = y->end_line = cd[i].line;
                y->column = find_col(pv, cd[i].line, cd[i].name);
                y->is_definition = 1;
            }
            qsort(f->syms, f->nsyms, sizeof *f->syms, sym_cmp);
        }
        smap_free(&have);
    }

    /* function definitions (ctags) grouped by name: fn[] holds symbol
     * indexes sorted by (name, line); fidx maps a name to its first slot */
    struct smap fidx = {0};
    size_t nfn = 0;
    for (size_t i = 0; i < f->nsyms; i++) if (f->syms[i].ckind == XC_K_FUNCTION) nfn++;
    fn = malloc((nfn + 1) * sizeof *fn);
    if (!fn) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    nfn = 0;
    for (size_t i = 0; i < f->nsyms; i++) if (f->syms[i].ckind == XC_K_FUNCTION) fn[nfn++] = (uint32_t)i;
    fn_sort_syms = f->syms;
    if (nfn) qsort(fn, nfn, sizeof *fn, fn_cmp);
    for (size_t i = 0; i < nfn; i++) {
        const char *nm = f->syms[fn[i]].name;
        uint32_t *v = smap_put(&fidx, nm, strlen(nm), NULL);
        if (!v) { smap_free(&fidx); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        if (!*v) *v = (uint32_t)i + 1;
    }
    struct pair *pp = pairs.p;
    struct xsite *xs = sites.p;
    for (size_t pi = 0; pi < pairs.n; pi++) {
        const char *caller = pp[pi].caller, *callee = pp[pi].callee;
        long fi = smap_find(&fidx, caller, strlen(caller));
        size_t slot = fi >= 0 ? fidx.vals[fi] - 1 : nfn;   /* first fn[] slot of caller */
        size_t first = slot < nfn ? fn[slot] : f->nsyms;
        uint32_t defline = first < f->nsyms ? f->syms[first].line : 0;
        /* xref sites of callee: binary search */
        size_t lo = 0, hi = sites.n;
        while (lo < hi) { size_t mid = (lo + hi) / 2; if (strcmp(xs[mid].name, callee) < 0) lo = mid + 1; else hi = mid; }
        size_t added = 0;
        for (size_t si = lo; si < sites.n && strcmp(xs[si].name, callee) == 0; si++) {
            int inside = 0;
            for (size_t q = slot; q < nfn && !inside; q++) {
                const struct xc_symbol *s = &f->syms[fn[q]];
                if (strcmp(s->name, caller) != 0) break;
                if (xs[si].line >= s->line && xs[si].line <= s->end_line) { inside = 1; defline = s->line; }
            }
            if (!inside) continue;
            unsigned nth = 0;   /* the callee called twice on one line: two sites */
            for (size_t k = si; k > lo && xs[k - 1].line == xs[si].line; k--) nth++;
            struct xc_call *c = vec_push(&calls);
            if (!c) { smap_free(&fidx); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            c->caller = caller; c->caller_line = defline; c->callee = callee;
            c->line = xs[si].line; c->column = find_col_nth(pv, xs[si].line, callee, nth);
            c->is_recursive = strcmp(caller, callee) == 0;
            added++;
        }
        if (!added && first >= f->nsyms) {
            /* caller unknown to ctags: cflow's own extent of the caller */
            const struct xsite *cd = cdefs.p;
            size_t a = 0, b = cdefs.n;
            while (a < b) { size_t mid = (a + b) / 2; if (strcmp(cd[mid].name, caller) < 0) a = mid + 1; else b = mid; }
            for (; a < cdefs.n && strcmp(cd[a].name, caller) == 0 && !added; a++) {
                uint32_t from = cd[a].line, to = UINT32_MAX;
                size_t x = 0, y = cdefs.n;
                while (x < y) { size_t mid = (x + y) / 2; if (cdl[mid] <= from) x = mid + 1; else y = mid; }
                if (x < cdefs.n) to = cdl[x] - 1;
                defline = from;
                for (size_t si = lo; si < sites.n && strcmp(xs[si].name, callee) == 0; si++) {
                    if (xs[si].line < from || xs[si].line > to) continue;
                    unsigned nth = 0;
                    for (size_t k = si; k > lo && xs[k - 1].line == xs[si].line; k--) nth++;
                    struct xc_call *c = vec_push(&calls);
                    if (!c) { smap_free(&fidx); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
                    c->caller = caller; c->caller_line = from; c->callee = callee;
                    c->line = xs[si].line; c->column = find_col_nth(pv, xs[si].line, callee, nth);
                    c->is_recursive = strcmp(caller, callee) == 0;
                    added++;
                }
            }
        }
        if (added) continue;
        /* no xref site inside a ctags body: first `callee` token in the body */
        uint32_t site = 0, col = 0;
        if (first < f->nsyms) {
            const struct xc_symbol *s = &f->syms[first];
            for (uint32_t l = s->line; l <= s->end_line && !site; l++)
                if ((col = find_col(pv, l, callee)) != 0 && l > s->line) site = l;
            defline = s->line;
        }
        struct xc_call *c = vec_push(&calls);
        if (!c) { smap_free(&fidx); rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        c->caller = caller; c->caller_line = defline; c->callee = callee;
        c->line = site ? site : defline; c->column = site ? col : 0;
        c->is_recursive = strcmp(caller, callee) == 0;
    }
    smap_free(&fidx);

    if (!known) {
        own = xc_nameset_new();
        if (!own) { rc = xc_fail(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        rc = xc_nameset_add_file(own, f);
        if (rc) goto cleanup;
        known = own;
    }
    rc = scan_refs(f, known, &refs);
    if (rc) goto cleanup;
    free(f->calls); free(f->refs);
    f->calls = calls.p; f->ncalls = calls.n; calls.p = NULL;
    f->refs = refs.p; f->nrefs = refs.n; refs.p = NULL;
cleanup:
    free(tree.p); free(xref.p); free(rtree.p);
    free(pairs.p); free(rpairs.p); free(sites.p); free(calls.p); free(refs.p);
    free(fn); free(cdefs.p); free(cdl);
    xc_nameset_free(own);
    return rc;
}

int xc_analyze_file(struct xc_file **out, const char *root, const char *path, const struct xc_nameset *known)
{
    struct xc_file *f = NULL;
    int rc = xc_symbols_ex(&f, root, path, XC_WITH_CALLS);
    if (rc) return rc;
    rc = xc_calls_refs(f, root, known);
    if (rc) { xc_file_free(f); return rc; }
    *out = f;
    return 0;
}

void xc_file_free(struct xc_file *f)
{
    if (!f) return;
    struct xc_priv *pv = f->priv;
    if (pv) {
        free(pv->text); free(pv->line_off);
        smap_free(&pv->locals);
        for (int i = 0; i < 3; i++) free(pv->cflow[i].p);
        if (pv->ctags_in) { unlink(pv->ctags_in); free(pv->ctags_in); }
        free(pv);
    }
    free(f->syms); free(f->calls); free(f->refs);
    if (f->tmpdir) {
        if (f->full) unlink(f->full);
        rmdir(f->tmpdir);
        free(f->tmpdir);
    }
    free(f->path); free(f->full);
    arena_free(f->arena);
    free(f);
}

const char *xc_file_text(const struct xc_file *f, size_t *len)
{
    if (len) *len = f->priv->len;
    return f->priv->text;
}
