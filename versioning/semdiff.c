/*
 * semdiff.c -- semantic diff of two commits (codegraph's compare_commits,
 * /work/shared/seeds/002): symbols added, removed and modified, matched by
 * qualified name and kind, compared by signature; only files whose blob
 * differs between the two trees are looked at.
 */
#include "versioning_int.h"
#include "kv_array_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dsym {
    char *qname, *signature, *path;
    int kind;
    uint32_t line;
    int side;                   /* 0 = A, 1 = B */
};
struct dsyms { struct dsym *v; size_t n, cap; };

static void dsyms_clear(struct dsyms *d)
{
    for (size_t i = 0; i < d->n; i++) { free(d->v[i].qname); free(d->v[i].signature); free(d->v[i].path); }
    free(d->v);
    memset(d, 0, sizeof *d);
}

struct dctx { struct dsyms *out; int side; const char *path; };

static int dsym_push(void *vctx, const lmkv_symbol *y)
{
    struct dctx *c = vctx;
    struct dsyms *d = c->out;
    if (d->n == d->cap && LMKV_ARRAY_GROW(d->v, d->cap, d->cap + 1, 256))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    struct dsym *e = &d->v[d->n];
    memset(e, 0, sizeof *e);
    const char *q = y->qualified_name ? y->qualified_name : y->name;
    e->qname = strdup(q ? q : "");
    e->path = strdup(c->path);
    e->signature = y->signature ? strdup(y->signature) : NULL;
    if (!e->qname || !e->path || (y->signature && !e->signature)) {
        free(e->qname); free(e->path); free(e->signature);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    e->kind = (int)y->kind;
    e->line = y->start_line;
    e->side = c->side;
    d->n++;
    return 0;
}

static int dsym_cmp(const void *a, const void *b)
{
    const struct dsym *x = a, *y = b;
    int c = strcmp(x->qname, y->qname);
    if (c) return c;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    c = strcmp(x->path, y->path);
    if (c) return c;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return 0;
}

static int same_sig(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* One file side of the diff. */
struct dfile {
    char *path;
    char blob[LMKV_OID_HEXSZ];
    uint64_t fv;
    int side;
};

void lmkv_semdiff_free(struct lmkv_semdiff *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->nchanges; i++) {
        struct lmkv_symbol_change *c = &d->changes[i];
        free(c->qualified_name); free(c->path); free(c->old_path);
        free(c->old_signature); free(c->new_signature);
    }
    free(d->changes);
    free(d);
}

static int change_cmp(const void *a, const void *b)
{
    const struct lmkv_symbol_change *x = a, *y = b;
    int c = strcmp(x->qualified_name, y->qualified_name);
    if (c) return c;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    return strcmp(x->path, y->path);
}

static int vresolve_commit(git_commit **out, char hex[LMKV_OID_HEXSZ], lmkv_worktree *wt, const char *rev)
{
    git_object *obj = NULL, *peeled = NULL;
    int g = git_revparse_single(&obj, wt->repo, rev);
    if (g < 0) {
        const git_error *e = git_error_last();
        int code = (g == GIT_ENOTFOUND || g == GIT_EAMBIGUOUS || g == GIT_EINVALIDSPEC) ? LMKV_NOTFOUND : LMKV_EGIT;
        return lmkv_error_set(code, "revision '%s' in '%s': %s", rev, wt->root, e && e->message ? e->message : "not found");
    }
    g = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (g < 0) return lmkv_error_set(LMKV_NOTFOUND, "revision '%s' in '%s' is not a commit", rev, wt->root);
    git_oid_tostr(hex, LMKV_OID_HEXSZ, git_object_id(peeled));
    *out = (git_commit *)peeled;
    return LMKV_OK;
}

static int add_change(struct lmkv_semdiff *d, size_t *cap, int change, const struct dsym *a, const struct dsym *b)
{
    if (LMKV_ARRAY_GROW(d->changes, *cap, d->nchanges + 1, 64)) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    struct lmkv_symbol_change *c = &d->changes[d->nchanges];
    memset(c, 0, sizeof *c);
    const struct dsym *cur = b ? b : a;
    c->change = change;
    c->kind = cur->kind;
    c->qualified_name = strdup(cur->qname);
    c->path = strdup(cur->path);
    if (a && b && strcmp(a->path, b->path) != 0) c->old_path = strdup(a->path);
    if (a && a->signature) c->old_signature = strdup(a->signature);
    if (b && b->signature) c->new_signature = strdup(b->signature);
    c->old_line = a ? a->line : 0;
    c->new_line = b ? b->line : 0;
    d->nchanges++;
    if (!c->qualified_name || !c->path || (a && b && strcmp(a->path, b->path) != 0 && !c->old_path) ||
        (a && a->signature && !c->old_signature) || (b && b->signature && !c->new_signature))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if (change == LMKV_CHANGE_ADDED) d->added++;
    else if (change == LMKV_CHANGE_REMOVED) d->removed++;
    else d->modified++;
    return LMKV_OK;
}

/* Pair the symbols of one (qname, kind) group: same path first, then in
 * order; leftovers are removed (A) or added (B). */
static int match_group(struct lmkv_semdiff *d, size_t *cap, struct dsym *g, size_t n)
{
    int rc;
    unsigned char *used = calloc(n ? n : 1, 1);
    if (!used) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            if (used[i] || g[i].side != 0) continue;
            for (size_t j = 0; j < n; j++) {
                if (used[j] || g[j].side != 1) continue;
                if (pass == 0 && strcmp(g[i].path, g[j].path) != 0) continue;
                used[i] = used[j] = 1;
                if (!same_sig(g[i].signature, g[j].signature) &&
                    (rc = add_change(d, cap, LMKV_CHANGE_MODIFIED, &g[i], &g[j])) != LMKV_OK) goto cleanup;
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (used[i]) continue;
        rc = g[i].side == 0 ? add_change(d, cap, LMKV_CHANGE_REMOVED, &g[i], NULL)
                            : add_change(d, cap, LMKV_CHANGE_ADDED, NULL, &g[i]);
        if (rc != LMKV_OK) goto cleanup;
    }
    rc = LMKV_OK;
cleanup:
    free(used);
    return rc;
}

int lmkv_diff_commits(struct lmkv_semdiff **out, lmkv_worktree *wt,
                      const char *rev_a, const char *rev_b,
                      const struct lmkv_index_options *opts,
                      lmkv_analyser_fn analyser, void *ctx)
{
    int rc = LMKV_OK, g;
    git_commit *ca = NULL, *cb = NULL;
    git_tree *ta = NULL, *tb = NULL;
    git_diff *diff = NULL;
    struct dfile *files = NULL;
    size_t nfiles = 0;
    lmkv_store_txn *t = NULL;
    lmkv_store_session *ss = NULL;
    struct dsyms syms = {0};
    struct lmkv_semdiff *d = NULL;
    char *msg = NULL;
    git_blob *blob = NULL;
    size_t cap = 0;
    struct vselect sel = {0};

    if (!out || !wt || !rev_a || !rev_b) return lmkv_error_set(LMKV_EINVAL, "lmkv_diff_commits: NULL argument");
    if (!wt->repo) return lmkv_error_set(LMKV_EINVAL, "lmkv_diff_commits: '%s' is not a git workspace", wt->root);
    if (opts) { sel.paths = opts->paths; sel.npaths = opts->npaths; sel.filter = opts->filter; sel.filter_ctx = opts->filter_ctx; }
    uint64_t max_bytes = opts && opts->max_file_bytes ? opts->max_file_bytes : 16u * 1024u * 1024u;
    if (!(d = calloc(1, sizeof *d))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if ((rc = vresolve_commit(&ca, d->a, wt, rev_a)) != LMKV_OK) goto cleanup;
    if ((rc = vresolve_commit(&cb, d->b, wt, rev_b)) != LMKV_OK) goto cleanup;
    if ((g = git_commit_tree(&ta, ca)) < 0 || (g = git_commit_tree(&tb, cb)) < 0) {
        rc = lmkv_versioning__verr_git(g, "reading the trees of %s and %s", d->a, d->b);
        goto cleanup;
    }
    if ((g = git_diff_tree_to_tree(&diff, wt->repo, ta, tb, NULL)) < 0) {
        rc = lmkv_versioning__verr_git(g, "diffing %s..%s", d->a, d->b);
        goto cleanup;
    }
    size_t nd = git_diff_num_deltas(diff);
    if (!(files = calloc(nd * 2 + 1, sizeof *files))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    for (size_t i = 0; i < nd; i++) {
        const git_diff_delta *dl = git_diff_get_delta(diff, i);
        for (int side = 0; side < 2; side++) {
            const git_diff_file *df = side == 0 ? &dl->old_file : &dl->new_file;
            if (!(df->flags & GIT_DIFF_FLAG_EXISTS)) continue;
            if (df->mode != GIT_FILEMODE_BLOB && df->mode != GIT_FILEMODE_BLOB_EXECUTABLE) continue;
            if (!lmkv_versioning__vselect_match(&sel, df->path)) continue;
            if (df->size > max_bytes) continue;
            struct dfile *f = &files[nfiles++];
            if (!(f->path = strdup(df->path))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            git_oid_tostr(f->blob, sizeof f->blob, &df->id);
            f->side = side;
            if ((rc = lmkv_file_version_id(&f->fv, wt->ws, f->path, f->blob)) != LMKV_OK) goto cleanup;
        }
    }
    /* Store the versions that are not stored: from the records of the same
     * content under another path (a rename between the commits), else by
     * analysing the blob. */
    for (size_t i = 0; i < nfiles; i++) {
        struct dfile *f = &files[i];
        lmkv_file_version fvr;
        lmkv_store_txn *rt = ss ? lmkv_store_session_txn(ss) : NULL;
        if (!rt) { if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup; rt = t; }
        rc = lmkv_store_file_version_get(&fvr, rt, wt->ws, f->fv);
        uint64_t src = 0;   /* the same bytes stored under another path */
        if (rc == LMKV_NOTFOUND) rc = lmkv_versioning__vfind_copy_source(&src, rt, wt, f->path, f->blob);
        else if (rc == LMKV_OK) src = f->fv;    /* stored: nothing to do */
        if (t) { lmkv_store_txn_end(t); t = NULL; }
        if (rc != LMKV_OK) goto cleanup;
        if (src == f->fv) continue;
        if (src) {
            int copied = 0;
            if (!ss && (rc = lmkv_store_session_begin(&ss, wt->st)) != LMKV_OK) goto cleanup;
            if ((rc = lmkv_versioning__vcopy_version(&copied, ss, wt, f->path, f->fv, src, 0, lmkv_versioning__vnow_ns())) != LMKV_OK) goto cleanup;
            if (copied) { d->copied++; continue; }
        }
        if (!analyser) {
            rc = lmkv_error_set(LMKV_NOTFOUND, "'%s' of commit %s (blob %s) is not indexed; index that commit or pass an analyser",
                      f->path, f->side ? d->b : d->a, f->blob);
            goto cleanup;
        }
        git_oid oid;
        if ((rc = lmkv_versioning__vhex_to_oid(&oid, f->blob)) != LMKV_OK) goto cleanup;
        if ((g = git_blob_lookup(&blob, wt->repo, &oid)) < 0) { rc = lmkv_versioning__verr_git(g, "blob %s of '%s'", f->blob, f->path); goto cleanup; }
        if (!ss && (rc = lmkv_store_session_begin(&ss, wt->st)) != LMKV_OK) goto cleanup;
        int failed = 0, aerr = 0;
        rc = lmkv_versioning__vanalyse_and_put(&failed, &aerr, &msg, ss, wt, f->path, f->blob, f->fv,
                              git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), 0,
                              analyser, ctx, lmkv_versioning__vnow_ns());
        git_blob_free(blob); blob = NULL;
        if (rc != LMKV_OK) goto cleanup;
        if (failed) {
            rc = lmkv_error_set(aerr < 0 && aerr != LMKV_EINVAL ? aerr : LMKV_EEXTERNAL,
                      "analysing '%s' of commit %s failed: %s", f->path, f->side ? d->b : d->a, msg ? msg : "");
            goto cleanup;
        }
        d->analysed++;
    }
    if (ss) { rc = lmkv_store_session_commit(ss); ss = NULL; if (rc != LMKV_OK) goto cleanup; }

    /* Gather the symbols of both sides. */
    if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup;
    for (size_t i = 0; i < nfiles; i++) {
        struct dctx c = { &syms, files[i].side, files[i].path };
        if ((rc = lmkv_store_symbols_of(t, wt->ws, files[i].fv, dsym_push, &c)) != LMKV_OK) goto cleanup;
    }
    lmkv_store_txn_end(t); t = NULL;
    if (syms.n) qsort(syms.v, syms.n, sizeof *syms.v, dsym_cmp);
    for (size_t i = 0; i < syms.n;) {
        size_t j = i + 1;
        while (j < syms.n && syms.v[j].kind == syms.v[i].kind && strcmp(syms.v[j].qname, syms.v[i].qname) == 0) j++;
        if ((rc = match_group(d, &cap, &syms.v[i], j - i)) != LMKV_OK) goto cleanup;
        i = j;
    }
    if (d->nchanges) qsort(d->changes, d->nchanges, sizeof *d->changes, change_cmp);
    *out = d;
    d = NULL;
    rc = LMKV_OK;
cleanup:
    lmkv_store_session_abort(ss);
    lmkv_store_txn_end(t);
    git_blob_free(blob);
    free(msg);
    dsyms_clear(&syms);
    for (size_t i = 0; i < nfiles; i++) free(files[i].path);
    free(files);
    git_diff_free(diff);
    git_tree_free(ta); git_tree_free(tb);
    git_commit_free(ca); git_commit_free(cb);
    lmkv_semdiff_free(d);
    return rc;
}
