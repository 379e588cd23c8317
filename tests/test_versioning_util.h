/*
 * test_versioning_util.h -- shared by tests/test_versioning_*.c: git
 * repositories made with the git CLI, a tiny deterministic C analyser
 * (`int name(` definitions, `name(` calls), and the comparison of an
 * incremental database's current state with a fresh full index.
 */
#ifndef TEST_VERSIONING_UTIL_H
#define TEST_VERSIONING_UTIL_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmkv_versioning.h"

/* ------------------------------------------------------------ utilities */

static char tmpdir[1024];

static __attribute__((unused)) void sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0) fail_msg("command failed (%d): %s", rc, cmd);
}

static __attribute__((unused)) void write_file(const char *dir, const char *name, const char *text)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A text buffer. */
struct sbuf { char *s; size_t n, cap; };
static __attribute__((unused)) void sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    char tmp[4096];
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    if (b->n + (size_t)n + 1 > b->cap) {
        b->cap = (b->n + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->n, tmp, (size_t)n + 1);
    b->n += (size_t)n;
}

/* Sort the lines of a buffer (records come in key order, which differs
 * between databases only through ids; compare as sets of lines). */
static __attribute__((unused)) int line_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static __attribute__((unused)) char *sorted_lines(struct sbuf *b)
{
    size_t n = 0, cap = 64;
    char **lines = malloc(cap * sizeof *lines);
    char *save = NULL;
    for (char *l = strtok_r(b->s ? b->s : (char[]){0}, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (n == cap) { cap *= 2; lines = realloc(lines, cap * sizeof *lines); }
        lines[n++] = l;
    }
    qsort(lines, n, sizeof *lines, line_cmp);
    struct sbuf out = {0};
    sb_add(&out, "%s", "");
    for (size_t i = 0; i < n; i++) sb_add(&out, "%s\n", lines[i]);
    free(lines);
    free(b->s);
    return out.s;
}

/* ------------------------------------------------------ the tiny analyser */

static __attribute__((unused)) int is_ident(int c) { return isalnum(c) || c == '_'; }
static int analyser_calls;

/* `int name(args)` at the start of a line defines a function (signature =
 * "(args)"; "static int" makes it static); inside, every `ident(` that is
 * not a keyword is a call. A file containing "#error analyse" fails. */
static __attribute__((unused)) int tiny_analyser(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    (void)ctx;
    analyser_calls++;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memcpy(text, content, len);
    text[len] = '\0';
    int rc = LMKV_OK;
    if (strstr(text, "#error analyse")) {
        lmkv_analysis_set_error(a, "tiny analyser: #error analyse");
        free(text);
        return LMKV_EPARSE;
    }
    char cur[256] = "";
    uint32_t lineno = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        lineno++;   /* strtok_r skips empty lines: test files have none */
        int is_static = strncmp(l, "static int ", 11) == 0;
        const char *p = is_static ? l + 11 : strncmp(l, "int ", 4) == 0 ? l + 4 : NULL;
        if (p && is_ident((unsigned char)*p)) {
            const char *q = p;
            while (is_ident((unsigned char)*q)) q++;
            if (*q == '(') {
                snprintf(cur, sizeof cur, "%.*s", (int)(q - p), p);
                const char *close = strchr(q, ')');
                char sig[256];
                snprintf(sig, sizeof sig, "%.*s", close ? (int)(close - q + 1) : (int)strlen(q), q);
                struct lmkv_analysis_symbol s = {
                    .name = cur, .kind = 12, .signature = sig,
                    .line = lineno, .column = 1, .end_line = lineno,
                    .flags = LMKV_ANALYSIS_SYM_DEFINITION | (is_static ? LMKV_ANALYSIS_SYM_STATIC : 0u)
                };
                if ((rc = lmkv_analysis_add_symbol(a, &s)) != LMKV_OK) break;
                continue;
            }
        }
        if (!cur[0]) continue;
        for (const char *c = l; *c; c++) {
            if (!is_ident((unsigned char)*c) || (c > l && is_ident((unsigned char)c[-1]))) continue;
            const char *e = c;
            while (is_ident((unsigned char)*e)) e++;
            if (*e != '(' || isdigit((unsigned char)*c)) continue;
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(e - c), c);
            if (!strcmp(name, "if") || !strcmp(name, "while") || !strcmp(name, "return") ||
                !strcmp(name, "sizeof") || !strcmp(name, "for") || !strcmp(name, "switch"))
                continue;
            struct lmkv_analysis_call call = {
                .caller = cur, .callee = name, .line = lineno, .column = (uint32_t)(c - l) + 1,
                .argument_count = -1
            };
            if ((rc = lmkv_analysis_add_call(a, &call)) != LMKV_OK) break;
        }
        if (rc != LMKV_OK) break;
    }
    free(text);
    (void)path;
    return rc;
}

static __attribute__((unused)) int c_filter(const char *path, void *ctx)
{
    (void)ctx;
    size_t n = strlen(path);
    return n > 2 && path[n - 2] == '.' && (path[n - 1] == 'c' || path[n - 1] == 'h');
}

/* --------------------------------------------------------- db and state */

struct dbh { lmkv_db *db; lmkv_store *st; lmkv_worktree *wt; };

static __attribute__((unused)) void db_open(struct dbh *h, const char *dbdir, const char *root)
{
    assert_int_equal(lmkv_db_open_path(&h->db, dbdir), LMKV_OK);
    assert_int_equal(lmkv_store_open(&h->st, h->db), LMKV_OK);
    int rc = lmkv_worktree_open(&h->wt, h->st, root, 0);
    if (rc != LMKV_OK) fail_msg("worktree_open: %s", lmkv_errmsg());
}

static __attribute__((unused)) void db_close(struct dbh *h)
{
    lmkv_worktree_free(h->wt);
    lmkv_store_close(h->st);
    lmkv_db_close(h->db);
    memset(h, 0, sizeof *h);
}

static __attribute__((unused)) uint64_t last_txnid(struct dbh *h)
{
    uint64_t id = 0;
    assert_int_equal(lmkv_db_last_txnid(&id, h->db), LMKV_OK);
    return id;
}

static __attribute__((unused)) int sym_line(void *ctx, const lmkv_symbol *y)
{
    sb_add(ctx, "sym %s|%s|%d|%s|%u\n", y->file_path, y->qualified_name ? y->qualified_name : y->name,
           (int)y->kind, y->signature ? y->signature : "-", y->start_line);
    return 0;
}
static __attribute__((unused)) int call_line(void *ctx, const lmkv_call *c)
{
    sb_add(ctx, "call %s|%s|%s|%u|%u\n", c->file_path, c->caller_name ? c->caller_name : "-",
           c->callee_name, c->line, c->column);
    return 0;
}
static __attribute__((unused)) int cur_line(void *ctx, const lmkv_store_current *c)
{
    sb_add(ctx, "cur %.*s|%016llx\n", (int)c->path_len, c->path, (unsigned long long)c->fv);
    return 0;
}

/* The current state as the store's read API returns it: sorted lines. */
static __attribute__((unused)) char *state_of(struct dbh *h)
{
    struct sbuf b = {0};
    lmkv_store_txn *t = NULL;
    uint64_t ws = lmkv_worktree_id(h->wt);
    assert_int_equal(lmkv_store_txn_begin(&t, h->st), LMKV_OK);
    assert_int_equal(lmkv_store_symbols_by_name(t, ws, "", 0, LMKV_STORE_PREFIX, sym_line, &b), LMKV_OK);
    assert_int_equal(lmkv_store_calls_all(t, ws, LMKV_STORE_CURRENT, call_line, &b), LMKV_OK);
    assert_int_equal(lmkv_store_current_each(t, ws, cur_line, &b), LMKV_OK);
    lmkv_store_txn_end(t);
    return sorted_lines(&b);
}

static __attribute__((unused)) struct lmkv_index_options opts_c(void)
{
    struct lmkv_index_options o;
    memset(&o, 0, sizeof o);
    o.filter = c_filter;
    o.analyser_id = "tiny 1";
    return o;
}

static int fresh_counter;

/* Index root with o and analyser into a new database under tmpdir
 * ("fresh<N>"), with LMKV_INDEX_FULL (every file analysed): nothing may be
 * reused or copied. *fresh is open on return; close it with db_close and
 * clear the returned report. */
static __attribute__((unused)) struct lmkv_index_report fresh_index(struct dbh *fresh, const char *root,
                                                                    struct lmkv_index_options o,
                                                                    lmkv_analyser_fn analyser)
{
    char freshdir[1200];
    snprintf(freshdir, sizeof freshdir, "%s/fresh%d", tmpdir, fresh_counter++);
    db_open(fresh, freshdir, root);
    struct lmkv_index_report fr;
    o.flags = LMKV_INDEX_FULL;
    int rc = lmkv_index_worktree(&fr, fresh->wt, &o, analyser, NULL);
    if (rc != LMKV_OK) fail_msg("fresh index: %s", lmkv_errmsg());
    assert_int_equal(fr.reused + fr.copied, 0);
    return fr;
}

/* Index root into the incremental db and into a fresh db; both states
 * must be equal and non-trivial. Returns the incremental report. */
static __attribute__((unused)) struct lmkv_index_report step(struct dbh *inc, const char *root)
{
    struct lmkv_index_report r;
    struct lmkv_index_options o = opts_c();
    int rc = lmkv_index_worktree(&r, inc->wt, &o, tiny_analyser, NULL);
    if (rc != LMKV_OK) fail_msg("index: %s", lmkv_errmsg());

    struct dbh fresh;
    struct lmkv_index_report fr = fresh_index(&fresh, root, o, tiny_analyser);
    char *a = state_of(inc), *b = state_of(&fresh);
    if (strcmp(a, b) != 0) fail_msg("incremental state differs from a fresh index:\n--- incremental\n%s--- fresh\n%s", a, b);
    /* Failed files are retried on every run: same failures in both. */
    assert_int_equal(fr.failed, r.failed);
    free(a); free(b);
    lmkv_index_report_clear(&fr);
    db_close(&fresh);
    return r;
}

/* Path buffers of the tests: workspaces and databases under tmpdir. */
enum { TV_PATH = 1100 };

/* dir = "<tmpdir>/<name>", dbdir = "<tmpdir>/db-<name>" (TV_PATH bytes each). */
static __attribute__((unused)) void ws_paths(char *dir, char *dbdir, const char *name)
{
    snprintf(dir, TV_PATH, "%s/%s", tmpdir, name);
    snprintf(dbdir, TV_PATH, "%s/db-%s", tmpdir, name);
}

static __attribute__((unused)) int has_line(const char *state, const char *needle)
{
    return strstr(state, needle) != NULL;
}

static __attribute__((unused)) void git_env(void)
{
    setenv("GIT_AUTHOR_NAME", "lmkv test", 1);
    setenv("GIT_AUTHOR_EMAIL", "test@lmkv.invalid", 1);
    setenv("GIT_COMMITTER_NAME", "lmkv test", 1);
    setenv("GIT_COMMITTER_EMAIL", "test@lmkv.invalid", 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("HOME", tmpdir, 1);
}

static const char *const A_C __attribute__((unused)) =
    "int helper(int x)\n{\n    return x + 1;\n}\n"
    "int alpha(void)\n{\n    return helper(2) + beta(3);\n}\n";
static const char *const B_C __attribute__((unused)) =
    "int beta(int y)\n{\n    return helper(y);\n}\n";


static __attribute__((unused)) void test_setup_env(void)
{
    const char *t = getenv("LMKV_TEST_TMP");
    if (t && *t) snprintf(tmpdir, sizeof tmpdir, "%s", t);
    else {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/lmkv-vtest-%d", (int)getpid());
        mkdir(tmpdir, 0700);
    }
    git_env();
}

#endif
