/*
 * test_versioning_rename.c -- issue 5 point 3: content indexed once, under
 * any path, is never analysed again. Real git repositories (git CLI) and a
 * plain directory: a staged rename (git mv), a rename in the worktree only
 * (deleted + untracked), a copy, a rename then an edit, a rename committed
 * and checked out back and forth, the same bytes under a new path in a
 * non-git workspace, identical new files in one run, a watcher's explicit
 * plan, resolution-only sessions and a semantic diff across a rename.
 * Every step counts the analyser's calls AND compares the incremental
 * database with a FRESH FULL index of the same worktree (every file
 * analysed) through the public readers, field by field: each current
 * FileVersion, Symbol, Call, Reference and Hierarchy record with its ids,
 * in the readers' key order (so the order of calls and references too),
 * the name indexes graph queries use (callers, callees by caller name,
 * references by target name) and the current map; only the time of
 * indexing differs. lmkv_store_verify must pass after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_versioning_util.h"

/* --------------------------------------------------- a richer analyser */

/* tiny_analyser (functions, calls; counts analyser_calls) plus, for every
 * function F, a member symbol "F.local" (kind Variable, parent F), an
 * Extends edge F -> F.local, and a file-scope reference to F: so parent
 * ids, hierarchy edges and references (resolved to own ids) are copied
 * too. Depends on the bytes only, never on the path. */
static int rich_analyser(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    int rc = tiny_analyser(a, path, content, len, ctx);
    if (rc != LMKV_OK) return rc;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memcpy(text, content, len);
    text[len] = '\0';
    uint32_t lineno = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && rc == LMKV_OK; l = strtok_r(NULL, "\n", &save)) {
        lineno++;
        const char *p = strncmp(l, "static int ", 11) == 0 ? l + 11 : strncmp(l, "int ", 4) == 0 ? l + 4 : NULL;
        if (!p || !is_ident((unsigned char)*p)) continue;
        const char *q = p;
        while (is_ident((unsigned char)*q)) q++;
        if (*q != '(') continue;
        char fn[128], local[160];
        snprintf(fn, sizeof fn, "%.*s", (int)(q - p), p);
        snprintf(local, sizeof local, "%s.local", fn);
        struct lmkv_analysis_symbol s = {
            .name = "local", .qualified_name = local, .kind = 13, .parent = fn,
            .line = lineno, .column = 2, .flags = LMKV_ANALYSIS_SYM_DEFINITION
        };
        struct lmkv_analysis_hierarchy h = { .parent = fn, .child = local, .kind = 1 };
        struct lmkv_analysis_reference r = { .name = fn, .from = NULL, .kind = 0, .line = lineno, .column = 5 };
        if ((rc = lmkv_analysis_add_symbol(a, &s)) == LMKV_OK && (rc = lmkv_analysis_add_hierarchy(a, &h)) == LMKV_OK)
            rc = lmkv_analysis_add_reference(a, &r);
    }
    free(text);
    return rc;
}

/* ------------------------------------------- every record, field by field */

static int dump_sym(void *ctx, const lmkv_symbol *y)
{
    struct sbuf *b = ctx;
    sb_add(b, "  sym %016llx ws %016llx fv %016llx %s|%s|%s|k%d|%u:%u-%u:%u|sig %s|doc %s|vis %s|mods",
           (unsigned long long)y->id, (unsigned long long)y->workspace_id,
           (unsigned long long)y->file_version_id, y->file_path ? y->file_path : "-", y->name,
           y->qualified_name ? y->qualified_name : "-", (int)y->kind, y->start_line, y->start_column,
           y->end_line, y->end_column, y->signature ? y->signature : "-",
           y->documentation ? y->documentation : "-", y->visibility ? y->visibility : "-");
    for (uint32_t i = 0; i < y->modifiers.count; i++) sb_add(b, " %s", lmkv_strvec_get(&y->modifiers, i));
    sb_add(b, "|lang %s|parent %016llx %s|dis %u|conf %g\n", y->language ? y->language : "-",
           (unsigned long long)y->parent_id, y->parent_name ? y->parent_name : "-", y->disambiguator,
           (double)y->confidence);
    return 0;
}
static int dump_call(void *ctx, const lmkv_call *c)
{
    sb_add(ctx, "  call %016llx ws %016llx fv %016llx %s|%016llx %s -> %016llx %s|%u:%u|t%d|args %d|rec %d\n",
           (unsigned long long)c->id, (unsigned long long)c->workspace_id,
           (unsigned long long)c->file_version_id, c->file_path ? c->file_path : "-",
           (unsigned long long)c->caller_id, c->caller_name ? c->caller_name : "-",
           (unsigned long long)c->callee_id, c->callee_name, c->line, c->column, (int)c->call_type,
           (int)c->argument_count, c->is_recursive);
    return 0;
}
static int dump_ref(void *ctx, const lmkv_reference *r)
{
    sb_add(ctx, "  ref %016llx ws %016llx fv %016llx %s|%016llx %s -> %016llx %s|%u:%u-%u:%u|k%d|def %d|decl %d\n",
           (unsigned long long)r->id, (unsigned long long)r->workspace_id,
           (unsigned long long)r->file_version_id, r->file_path ? r->file_path : "-",
           (unsigned long long)r->source_id, r->source_name ? r->source_name : "-",
           (unsigned long long)r->target_id, r->target_name, r->start_line, r->start_column,
           r->end_line, r->end_column, (int)r->kind, r->is_definition, r->is_declaration);
    return 0;
}
static int dump_hier(void *ctx, const lmkv_hierarchy *h)
{
    sb_add(ctx, "hier ws %016llx fv %016llx %016llx %s -> %016llx %s|k%d\n",
           (unsigned long long)h->workspace_id, (unsigned long long)h->file_version_id,
           (unsigned long long)h->parent_id, h->parent_name ? h->parent_name : "-",
           (unsigned long long)h->child_id, h->child_name ? h->child_name : "-", (int)h->kind);
    return 0;
}

/* Distinct names met in the records, for the by-name lookups. */
struct names { char **v; size_t n; };
static void names_add(struct names *s, const char *n)
{
    if (!n) return;
    for (size_t i = 0; i < s->n; i++) if (!strcmp(s->v[i], n)) return;
    s->v = realloc(s->v, (s->n + 1) * sizeof *s->v);
    assert_non_null(s->v);
    s->v[s->n++] = strdup(n);
}
static int collect_call_names(void *ctx, const lmkv_call *c)
{
    struct names *s = ctx;
    names_add(&s[0], c->callee_name);
    names_add(&s[1], c->caller_name);
    return 0;
}
static int collect_ref_names(void *ctx, const lmkv_reference *r)
{
    names_add(ctx, r->target_name);
    return 0;
}

struct dump_ctx { struct sbuf *b; lmkv_store_txn *t; uint64_t ws; int with_mtime; int failed; };

static int dump_cur(void *ctx, const lmkv_store_current *c)
{
    struct dump_ctx *d = ctx;
    struct sbuf *b = d->b;
    sb_add(b, "cur %.*s -> %016llx source %d\n", (int)c->path_len, c->path, (unsigned long long)c->fv, c->source);
    lmkv_file_version v;
    if (lmkv_store_file_version_get(&v, d->t, d->ws, c->fv) != LMKV_OK) { d->failed = 1; return 1; }
    sb_add(b, "  fv %016llx ws %016llx %s|hash %016llx|blob %s|lang %s|%llu bytes|%u lines|mtime %lld\n",
           (unsigned long long)v.id, (unsigned long long)v.workspace_id, v.path,
           (unsigned long long)v.content_hash, v.git_blob_id ? v.git_blob_id : "-",
           v.language ? v.language : "-", (unsigned long long)v.size_bytes, v.line_count,
           d->with_mtime ? (long long)v.mtime_ns : 0LL);
    if (lmkv_store_symbols_of(d->t, d->ws, c->fv, dump_sym, b) != LMKV_OK ||
        lmkv_store_calls_of(d->t, d->ws, c->fv, dump_call, b) != LMKV_OK ||
        lmkv_store_refs_of(d->t, d->ws, c->fv, dump_ref, b) != LMKV_OK) { d->failed = 1; return 1; }
    return 0;
}

/* The current state through the public readers, every field but indexed_ns
 * (and mtime_ns unless with_mtime), in reader order (no sorting: the order
 * of calls and references in a version is part of what must be equal). */
static char *full_state(struct dbh *h, int with_mtime)
{
    struct sbuf b = {0};
    lmkv_store_txn *t = NULL;
    uint64_t ws = lmkv_worktree_id(h->wt);
    assert_int_equal(lmkv_store_txn_begin(&t, h->st), LMKV_OK);
    struct dump_ctx d = { &b, t, ws, with_mtime, 0 };
    sb_add(&b, "%s", "");
    assert_int_equal(lmkv_store_current_each(t, ws, dump_cur, &d), LMKV_OK);
    assert_int_equal(d.failed, 0);
    assert_int_equal(lmkv_store_hierarchy_all(t, ws, LMKV_STORE_CURRENT, dump_hier, &b), LMKV_OK);
    /* the lookups graph queries make: callers, callees by caller name,
     * references by target name, symbols by name (current state) */
    struct names calls[2] = {{0}}, refs = {0};
    assert_int_equal(lmkv_store_calls_all(t, ws, LMKV_STORE_CURRENT, collect_call_names, calls), LMKV_OK);
    assert_int_equal(lmkv_store_refs_all(t, ws, LMKV_STORE_CURRENT, collect_ref_names, &refs), LMKV_OK);
    for (size_t i = 0; i < calls[0].n; i++) {
        sb_add(&b, "callers of %s\n", calls[0].v[i]);
        assert_int_equal(lmkv_store_calls_to(t, ws, calls[0].v[i], strlen(calls[0].v[i]), 0, dump_call, &b), LMKV_OK);
    }
    for (size_t i = 0; i < calls[1].n; i++) {
        sb_add(&b, "callees of %s\n", calls[1].v[i]);
        assert_int_equal(lmkv_store_calls_by_caller(t, ws, calls[1].v[i], strlen(calls[1].v[i]), 0, dump_call, &b), LMKV_OK);
        assert_int_equal(lmkv_store_symbols_by_name(t, ws, calls[1].v[i], strlen(calls[1].v[i]), 0, dump_sym, &b), LMKV_OK);
    }
    for (size_t i = 0; i < refs.n; i++) {
        sb_add(&b, "refs to %s\n", refs.v[i]);
        assert_int_equal(lmkv_store_refs_to(t, ws, refs.v[i], strlen(refs.v[i]), 0, dump_ref, &b), LMKV_OK);
    }
    for (int k = 0; k < 2; k++) { for (size_t i = 0; i < calls[k].n; i++) free(calls[k].v[i]); free(calls[k].v); }
    for (size_t i = 0; i < refs.n; i++) free(refs.v[i]);
    free(refs.v);
    lmkv_store_txn_end(t);
    return b.s;
}

/* Index root into the incremental database with the rich analyser; index
 * the same worktree into a fresh database with LMKV_INDEX_FULL (every file
 * analysed); the two must agree field by field and both verify. Returns
 * the incremental report; analyser_calls holds the incremental run's
 * calls. */
static struct lmkv_index_report rstep_opts(struct dbh *inc, const char *root, unsigned flags, int with_mtime)
{
    struct lmkv_index_report r;
    struct lmkv_index_options o = opts_c();
    o.flags = flags;
    analyser_calls = 0;
    int rc = lmkv_index_worktree(&r, inc->wt, &o, rich_analyser, NULL);
    if (rc != LMKV_OK) fail_msg("index: %s", lmkv_errmsg());
    int calls = analyser_calls;
    struct dbh fresh;
    struct lmkv_index_report fr = fresh_index(&fresh, root, o, rich_analyser);
    assert_int_equal(fr.failed, r.failed);
    char *a = full_state(inc, with_mtime), *b = full_state(&fresh, with_mtime);
    if (strcmp(a, b) != 0) {
        /* the first line that differs, with the file it belongs to */
        const char *pa = a, *pb = b, *cur_a = a;
        while (*pa && *pa == *pb) { if (*pa == '\n' && strncmp(pa + 1, "cur ", 4) == 0) cur_a = pa + 1; pa++; pb++; }
        while (pa > a && pa[-1] != '\n') { pa--; pb--; }
        fail_msg("incremental state differs from a fresh full index\nin: %.120s\nincremental: %.400s\nfresh:       %.400s",
                 cur_a, pa, pb);
    }
    assert_non_null(strstr(a, "  sym "));
    assert_non_null(strstr(a, "  ref "));
    assert_non_null(strstr(a, "hier "));
    free(a); free(b);
    assert_int_equal(lmkv_store_verify(NULL, inc->st, NULL, NULL), LMKV_OK);
    lmkv_index_report_clear(&fr);
    db_close(&fresh);
    analyser_calls = calls;
    return r;
}
static struct lmkv_index_report rstep(struct dbh *inc, const char *root)
{
    return rstep_opts(inc, root, 0, 1);
}

/* What an incremental run must report; ANY: that count is not checked.
 * Give all three fields (one left out is 0, and checked). */
struct want { int analysed, copied, deleted; };
#define ANY (-1)

/* rstep_opts, then: the analyser ran w.analysed times, and the report's
 * analysed, copied and deleted are w's. */
static void rstep_expect(struct dbh *h, const char *root, unsigned flags, int with_mtime, struct want w)
{
    struct lmkv_index_report r = rstep_opts(h, root, flags, with_mtime);
    assert_int_equal(analyser_calls, w.analysed);
    assert_int_equal(r.analysed, w.analysed);
    if (w.copied != ANY) assert_int_equal(r.copied, w.copied);
    if (w.deleted != ANY) assert_int_equal(r.deleted, w.deleted);
    lmkv_index_report_clear(&r);
}

static const char *const C_C =
    "static int gamma(int g)\n{\n    return beta(g) + helper(g);\n}\n"
    "int delta(void)\n{\n    return gamma(1) + gamma(2);\n}\n";

/* A git repository at repo with a.c, b.c and sub/c.c committed (c1). */
static void git_repo(const char *repo)
{
    sh("git init -q -b main '%s'", repo);
    sh("mkdir -p '%s/sub'", repo);
    write_file(repo, "a.c", A_C);
    write_file(repo, "b.c", B_C);
    write_file(repo, "sub/c.c", C_C);
    sh("cd '%s' && git add . && git commit -q -m c1", repo);
}

/* git_repo at <tmpdir>/<name> (its path into repo, TV_PATH bytes), its
 * database <tmpdir>/db-<name> opened into *h, and the first rstep of it
 * (its report returned: clear it). */
static struct lmkv_index_report open_repo(struct dbh *h, char *repo, const char *name)
{
    char dbdir[TV_PATH];
    ws_paths(repo, dbdir, name);
    git_repo(repo);
    db_open(h, dbdir, repo);
    return rstep(h, repo);
}

static int path_status(struct dbh *h, const char *path, unsigned *status, char **old_path)
{
    struct lmkv_current_info *ci = NULL;
    assert_int_equal(lmkv_current_info_get(&ci, h->wt), LMKV_OK);
    int found = 0;
    for (size_t i = 0; i < ci->nentries; i++)
        if (!strcmp(ci->entries[i].path, path)) {
            found = 1;
            *status = ci->entries[i].status;
            if (old_path) *old_path = ci->entries[i].old_path ? strdup(ci->entries[i].old_path) : NULL;
            assert_int_not_equal(ci->entries[i].source, LMKV_SOURCE_NONE);
        }
    lmkv_current_info_free(ci);
    return found;
}

/* ------------------------------------------------------------------ tests */

/* git mv: staged rename, into a sub-directory; then a rename to another
 * extension, which is analysed (the extension may change the analysis). */
static void test_staged_rename(void **state)
{
    (void)state;
    char repo[TV_PATH];
    struct dbh h;
    struct lmkv_index_report r = open_repo(&h, repo, "mv");
    assert_int_equal(r.analysed, 3);
    assert_int_equal(analyser_calls, 3);
    lmkv_index_report_clear(&r);

    sh("cd '%s' && git mv a.c sub/moved.c", repo);
    r = rstep_opts(&h, repo, LMKV_INDEX_BULK, 1);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.copied, 1);
    assert_int_equal(r.deleted, 1);
    assert_int_equal(r.unchanged, 2);
    assert_int_equal(r.failed, 0);
    lmkv_index_report_clear(&r);
    unsigned st = 0;
    char *old = NULL;
    assert_true(path_status(&h, "sub/moved.c", &st, &old));
    assert_true(st & LMKV_WT_RENAMED);
    assert_non_null(old);
    assert_string_equal(old, "a.c");
    free(old);
    char *s = state_of(&h);
    assert_true(has_line(s, "sym sub/moved.c|alpha|12|(void)|5\n"));
    assert_false(has_line(s, "sym a.c|"));
    free(s);

    /* warm: nothing to do, no write transaction */
    uint64_t before = last_txnid(&h);
    r = rstep(&h, repo);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.write_txns, 0);
    lmkv_index_report_clear(&r);
    assert_int_equal(last_txnid(&h), before);

    /* another extension: analysed */
    sh("cd '%s' && git mv b.c b.h", repo);
    rstep_expect(&h, repo, 0, 1, (struct want){.analysed = 1, .copied = 0, .deleted = ANY});
    db_close(&h);
}

/* mv in the worktree only: git sees a deleted tracked file and an
 * untracked one; the untracked one is stored from the deleted one's
 * version. Then a copy (same bytes at two paths), and a rename followed by
 * an edit (new bytes: analysed). */
static void test_worktree_rename_copy_edit(void **state)
{
    (void)state;
    char repo[TV_PATH];
    struct dbh h;
    struct lmkv_index_report r = open_repo(&h, repo, "wtmv");
    lmkv_index_report_clear(&r);

    sh("cd '%s' && mv sub/c.c c_top.c", repo);
    rstep_expect(&h, repo, 0, 1, (struct want){.analysed = 0, .copied = 1, .deleted = 1});
    unsigned st = 0;
    assert_true(path_status(&h, "c_top.c", &st, NULL));
    assert_true(st & LMKV_WT_UNTRACKED);

    /* a copy: both paths current, from one analysis */
    sh("cd '%s' && cp b.c sub/b_copy.c", repo);
    rstep_expect(&h, repo, 0, 1, (struct want){.analysed = 0, .copied = 1, .deleted = 0});
    char *s = state_of(&h);
    assert_true(has_line(s, "sym b.c|beta|"));
    assert_true(has_line(s, "sym sub/b_copy.c|beta|"));
    assert_true(has_line(s, "call sub/b_copy.c|beta|helper|"));
    free(s);

    /* rename then edit: new content, analysed once */
    sh("cd '%s' && git mv b.c b2.c", repo);
    write_file(repo, "b2.c", "int beta(int y)\n{\n    return helper(y) + alpha();\n}\n");
    rstep_expect(&h, repo, 0, 1, (struct want){.analysed = 1, .copied = 0, .deleted = 1});
    db_close(&h);
}

/* A rename committed, then HEAD moved back and forth: the rename is stored
 * once by copy, and no checkout analyses anything; the copied version is
 * mapped under the rename's commit like an analysed one. Also: a rename
 * committed while nothing was indexed at that commit, reached by checkout. */
static void test_rename_across_commits(void **state)
{
    (void)state;
    char repo[TV_PATH];
    struct dbh h;
    struct lmkv_index_report r = open_repo(&h, repo, "commits");
    lmkv_index_report_clear(&r);

    sh("cd '%s' && git mv sub/c.c lib_c.c && git commit -q -m c2", repo);
    rstep_expect(&h, repo, 0, 1, (struct want){.analysed = 0, .copied = 1, .deleted = 1});
    int src = 0;
    uint64_t fv = 0;
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "lib_c.c"), LMKV_OK);
    assert_int_equal(src, LMKV_SOURCE_COMMIT);

    sh("cd '%s' && git checkout -q HEAD~1", repo);
    r = rstep_opts(&h, repo, 0, 0);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.analysed + r.copied, 0);
    assert_int_equal(r.reused, 3);                 /* c1's versions, by commit */
    lmkv_index_report_clear(&r);
    sh("cd '%s' && git checkout -q main", repo);
    r = rstep_opts(&h, repo, 0, 0);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.analysed + r.copied, 0);
    lmkv_index_report_clear(&r);

    /* c3 renames again and is never indexed; from c1, check out c3 */
    sh("cd '%s' && git mv b.c other_b.c && git commit -q -m c3 && git checkout -q HEAD~2", repo);
    rstep_expect(&h, repo, 0, 0, (struct want){.analysed = 0, .copied = ANY, .deleted = ANY});
    sh("cd '%s' && git checkout -q main", repo);
    r = rstep_opts(&h, repo, 0, 0);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.analysed, 0);
    assert_int_equal(r.copied, 1);                  /* other_b.c from b.c's version */
    lmkv_index_report_clear(&r);
    db_close(&h);
}

/* Non-git workspace: the same bytes under a new path (moved, and copied
 * to a new directory) are copied, not analysed. */
static void test_non_git_same_bytes(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "plain_rn");
    sh("mkdir -p '%s/sub'", dir);
    write_file(dir, "a.c", A_C);
    write_file(dir, "sub/c.c", C_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    assert_int_equal(lmkv_worktree_is_git(h.wt), 0);
    struct lmkv_index_report r = rstep(&h, dir);
    assert_int_equal(analyser_calls, 2);
    lmkv_index_report_clear(&r);

    sh("cd '%s' && mv a.c renamed.c && mkdir -p deep/er && cp sub/c.c deep/er/c.c", dir);
    rstep_expect(&h, dir, 0, 1, (struct want){.analysed = 0, .copied = 2, .deleted = 1});
    unsigned st = 0;
    assert_true(path_status(&h, "deep/er/c.c", &st, NULL));
    assert_int_equal(st, LMKV_WT_NOGIT);

    /* back to the old name: that version is stored, plain reuse */
    sh("cd '%s' && mv renamed.c a.c", dir);
    r = rstep(&h, dir);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.reused, 1);
    assert_int_equal(r.copied, 0);
    lmkv_index_report_clear(&r);
    db_close(&h);
}

/* Identical new files in one run (never indexed anywhere): one analysis,
 * the others copied from it; the pre-pass lists one path. RESOLVE copies
 * but does not analyse. */
static void test_duplicates_in_one_run(void **state)
{
    (void)state;
    char dir[TV_PATH], dbdir[TV_PATH];
    ws_paths(dir, dbdir, "dups");
    sh("mkdir -p '%s/x' '%s/y'", dir, dir);
    write_file(dir, "x/c.c", C_C);
    write_file(dir, "y/c.c", C_C);
    write_file(dir, "y/c.h", C_C);     /* other extension: analysed itself */
    write_file(dir, "z.c", C_C);
    struct dbh h;
    db_open(&h, dbdir, dir);
    lmkv_index_session *s = NULL;
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &o), LMKV_OK);
    assert_int_equal(lmkv_index_session_plan(s), LMKV_OK);
    const char *const *pend = NULL;
    size_t np = 0;
    assert_int_equal(lmkv_index_session_pending_paths(&pend, &np, s), LMKV_OK);
    assert_int_equal(np, 2);
    assert_string_equal(pend[0], "x/c.c");
    assert_string_equal(pend[1], "y/c.h");
    lmkv_index_session_free(s);
    /* bulk writes: the copies read their source from the session's buffer */
    struct lmkv_index_report r = rstep_opts(&h, dir, LMKV_INDEX_BULK, 1);
    assert_int_equal(analyser_calls, 2);
    assert_int_equal(r.analysed, 2);
    assert_int_equal(r.copied, 2);
    lmkv_index_report_clear(&r);

    /* resolution only: a new copy is stored, new content stays pending */
    write_file(dir, "w.c", C_C);
    write_file(dir, "new.c", "int fresh(void)\n{\n    return 0;\n}\n");
    o.flags = LMKV_INDEX_RESOLVE;
    analyser_calls = 0;
    assert_int_equal(lmkv_index_worktree(&r, h.wt, &o, rich_analyser, NULL), LMKV_OK);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.copied, 1);
    assert_int_equal(r.pending, 1);
    lmkv_index_report_clear(&r);
    uint64_t fv;
    int src;
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "w.c"), LMKV_OK);
    assert_int_equal(lmkv_current_file_version(&fv, &src, h.wt, "new.c"), LMKV_NOTFOUND);
    r = rstep(&h, dir);
    assert_int_equal(analyser_calls, 1);       /* new.c only */
    lmkv_index_report_clear(&r);

    /* LMKV_INDEX_FULL copies nothing: every file analysed */
    rstep_expect(&h, dir, LMKV_INDEX_FULL, 1, (struct want){.analysed = 6, .copied = 0, .deleted = ANY});
    db_close(&h);
}

/* A watcher's explicit plan: the new path changed, the old one deleted. */
static void test_explicit_plan_rename(void **state)
{
    (void)state;
    char repo[TV_PATH];
    struct dbh h;
    struct lmkv_index_report r = open_repo(&h, repo, "watch");
    lmkv_index_report_clear(&r);
    sh("cd '%s' && mv a.c a_renamed.c", repo);
    lmkv_index_session *s = NULL;
    struct lmkv_index_options o = opts_c();
    assert_int_equal(lmkv_index_session_begin(&s, h.wt, &o), LMKV_OK);
    const char *changed[] = {"a_renamed.c"}, *deleted[] = {"a.c"};
    assert_int_equal(lmkv_index_session_set_plan(s, changed, 1, deleted, 1, NULL, 0), LMKV_OK);
    const char *const *pend = NULL;
    size_t np = 9;
    assert_int_equal(lmkv_index_session_pending_paths(&pend, &np, s), LMKV_OK);
    assert_int_equal(np, 0);
    analyser_calls = 0;
    assert_int_equal(lmkv_index_session_run(&r, s, rich_analyser, NULL), LMKV_OK);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.copied, 1);
    assert_int_equal(r.deleted, 1);
    lmkv_index_session_free(s);
    lmkv_index_report_clear(&r);
    /* equal to a fresh index (an explicit plan records no stat data) */
    r = rstep_opts(&h, repo, LMKV_INDEX_RESOLVE, 0);
    assert_int_equal(r.pending, 0);
    lmkv_index_report_clear(&r);
    db_close(&h);
}

/* lmkv_diff_commits across a rename whose new side was never indexed:
 * stored by copy, even without an analyser, and the moved function is not
 * reported as changed. */
static void test_diff_across_rename(void **state)
{
    (void)state;
    char repo[TV_PATH];
    struct dbh h;
    struct lmkv_index_report r = open_repo(&h, repo, "diffmv");
    lmkv_index_report_clear(&r);
    sh("cd '%s' && git mv b.c moved_b.c && git commit -q -m c2", repo);
    struct lmkv_semdiff *d = NULL;
    struct lmkv_index_options o = opts_c();
    int rc = lmkv_diff_commits(&d, h.wt, "HEAD~1", "HEAD", &o, NULL, NULL);
    if (rc != LMKV_OK) fail_msg("diff: %s", lmkv_errmsg());
    assert_int_equal(d->copied, 1);
    assert_int_equal(d->analysed, 0);
    assert_int_equal(d->nchanges, 0);
    lmkv_semdiff_free(d);
    /* the version the diff stored is the one the session then maps (a
     * version stored by a diff has no stat data: mtime not compared) */
    r = rstep_opts(&h, repo, 0, 0);
    assert_int_equal(analyser_calls, 0);
    assert_int_equal(r.reused, 3);                 /* HEAD moved: every file */
    assert_int_equal(r.copied, 0);
    lmkv_index_report_clear(&r);
    db_close(&h);
}

int main(void)
{
    test_setup_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staged_rename),
        cmocka_unit_test(test_worktree_rename_copy_edit),
        cmocka_unit_test(test_rename_across_commits),
        cmocka_unit_test(test_non_git_same_bytes),
        cmocka_unit_test(test_duplicates_in_one_run),
        cmocka_unit_test(test_explicit_plan_rename),
        cmocka_unit_test(test_diff_across_rename),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
