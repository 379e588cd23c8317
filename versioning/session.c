/*
 * session.c -- index sessions (codira's begin_index_session contract,
 * /work/shared/seeds/001 and 003): plan the changed/deleted/unchanged path
 * sets from git status and the stored current map in a read transaction,
 * analyse only versions that are not stored, persist them in bounded
 * batches, then swap the current/latest/commit mappings in one write
 * transaction. Nothing to do = no write transaction.
 */
#include "versioning_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* VPLAN_FAILED: the plan could not read the file (f->read_err): it fails
 * in the report and its current mapping, if any, is kept. */
enum { VPLAN_CHANGED = 1, VPLAN_UNCHANGED = 2, VPLAN_DELETED = 3, VPLAN_SKIPPED = 4, VPLAN_FAILED = 5 };

struct lmkv_index_session {
    lmkv_worktree *wt;
    struct lmkv_index_options opts;
    char **paths;               /* owned copies of opts.paths             */
    char *analyser_id;
    int planned, ran, full;
    struct lmkv_head_info head;
    struct vscan scan;          /* candidate files; plan[] parallel       */
    unsigned char *plan;        /* VPLAN_* per scan entry                 */
    unsigned char *stored;      /* per scan entry: version already stored */
    uint64_t *src;              /* per scan entry: a stored version of the
                                   same content under another path to copy
                                   (lmkv_versioning__vfind_copy_source), 0 = none           */
    size_t *dup;                /* per scan entry: 1 + index of the entry
                                   of the same content (and extension) that
                                   this run analyses first, 0 = none       */
    struct vcurmap cur;
    struct vmeta meta;
    char **deleted;             /* current paths to remove                */
    size_t ndeleted;
    size_t nchanged, nunchanged, nskipped;
    const char **pending;       /* lmkv_index_session_pending_paths       */
};

#define VDEFAULT_BATCH 64
/* key writes per write transaction: what a transaction holds in memory
 * until it commits (the store's bulk buffers, kv's replay log, LMDB's dirty
 * pages) grows with its writes, ~550 bytes each (massif, SQLite's
 * amalgamation: 250 MB for ~450k writes); 64 files of generated headers
 * could reach 1M+ writes */
#define VDEFAULT_BATCH_WRITES ((size_t)131072)
#define VDEFAULT_MAX_BYTES (16u * 1024u * 1024u)

void lmkv_index_report_clear(struct lmkv_index_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->failed; i++) { free(r->failures[i].path); free(r->failures[i].message); }
    free(r->failures);
    if (r->skips) for (size_t i = 0; i < r->skipped; i++) { free(r->skips[i].path); free(r->skips[i].message); }
    free(r->skips);
    memset(r, 0, sizeof *r);
}

void lmkv_index_session_free(lmkv_index_session *s)
{
    if (!s) return;
    if (s->paths) for (size_t i = 0; i < s->opts.npaths; i++) free(s->paths[i]);
    free(s->paths);
    free(s->analyser_id);
    lmkv_versioning__vscan_clear(&s->scan);
    free(s->plan);
    free(s->stored);
    free(s->src);
    free(s->dup);
    lmkv_versioning__vcurmap_clear(&s->cur);
    lmkv_versioning__vmeta_clear(&s->meta);
    for (size_t i = 0; i < s->ndeleted; i++) free(s->deleted[i]);
    free(s->deleted);
    free(s->pending);
    free(s);
}

int lmkv_index_session_begin(lmkv_index_session **out, lmkv_worktree *wt,
                             const struct lmkv_index_options *opts)
{
    int rc = LMKV_OK;
    lmkv_index_session *s = NULL;

    if (!out || !wt) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_begin: NULL argument");
    if (opts && (opts->flags & ~(unsigned)(LMKV_INDEX_FULL | LMKV_INDEX_RESOLVE | LMKV_INDEX_BULK)))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_begin: unknown flags 0x%x", opts->flags);
    if (opts && opts->npaths && !opts->paths)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_begin: npaths %zu with NULL paths", opts->npaths);
    if (!(s = calloc(1, sizeof *s))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    s->wt = wt;
    if (opts) s->opts = *opts;
    if (!s->opts.batch_files) s->opts.batch_files = VDEFAULT_BATCH;
    if (!s->opts.batch_writes) s->opts.batch_writes = VDEFAULT_BATCH_WRITES;
    if (!s->opts.max_file_bytes) s->opts.max_file_bytes = VDEFAULT_MAX_BYTES;
    if (!(s->analyser_id = strdup(s->opts.analyser_id ? s->opts.analyser_id : ""))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        goto cleanup;
    }
    s->opts.analyser_id = s->analyser_id;
    if (s->opts.npaths) {
        if (!(s->paths = calloc(s->opts.npaths, sizeof *s->paths))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        for (size_t i = 0; i < s->opts.npaths; i++) {
            const char *p = s->opts.paths[i];
            if (!p) { rc = lmkv_error_set(LMKV_EINVAL, "index options: paths[%zu] is NULL", i); goto cleanup; }
            while (p[0] == '.' && p[1] == '/') p += 2;
            if (!(s->paths[i] = strdup(p))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
            size_t n = strlen(s->paths[i]);
            while (n > 0 && s->paths[i][n - 1] == '/') s->paths[i][--n] = '\0';
            if (n && !(n == 1 && s->paths[i][0] == '.') && !lmkv_versioning__vpath_valid(s->paths[i])) {
                rc = lmkv_error_set(LMKV_EINVAL, "index options: path '%s' must be workspace-relative without '..'", opts->paths[i]);
                goto cleanup;
            }
        }
        s->opts.paths = (const char *const *)s->paths;
    }
    s->full = (s->opts.flags & LMKV_INDEX_FULL) != 0;
    *out = s;
    s = NULL;
cleanup:
    lmkv_index_session_free(s);
    return rc;
}

static struct vselect vsel_of(const lmkv_index_session *s)
{
    struct vselect sel = { s->opts.paths, s->opts.npaths, s->opts.filter, s->opts.filter_ctx };
    return sel;
}

static int vpush_deleted(lmkv_index_session *s, const char *path)
{
    char **nd = realloc(s->deleted, (s->ndeleted + 1) * sizeof *nd);
    if (!nd) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    s->deleted = nd;
    if (!(nd[s->ndeleted] = strdup(path))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    s->ndeleted++;
    return LMKV_OK;
}

/* Changed paths whose content is stored nowhere but occurs more than once
 * in this run (a new file copied before its first index): only the first
 * of each (blob, extension) in path order is analysed; the others point at
 * it (dup) and are copied from its version. */
struct vdupkey { const char *blob, *path; size_t i; };
static int vdupkey_cmp(const void *a, const void *b)
{
    const struct vdupkey *x = a, *y = b;
    int c = strcmp(x->blob, y->blob);
    if (c) return c;
    if ((c = strcmp(lmkv_versioning__vext(x->path), lmkv_versioning__vext(y->path))) != 0) return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int vgroup_duplicates(lmkv_index_session *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->scan.n; i++)
        if (s->plan[i] == VPLAN_CHANGED && !s->stored[i] && !s->src[i]) n++;
    if (n < 2) return LMKV_OK;
    struct vdupkey *k = malloc(n * sizeof *k);
    if (!k) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    n = 0;
    for (size_t i = 0; i < s->scan.n; i++)
        if (s->plan[i] == VPLAN_CHANGED && !s->stored[i] && !s->src[i])
            k[n++] = (struct vdupkey){ s->scan.v[i].blob, s->scan.v[i].path, i };
    qsort(k, n, sizeof *k, vdupkey_cmp);
    for (size_t j = 1, lead = 0; j < n; j++) {
        if (strcmp(k[j].blob, k[lead].blob) == 0 && lmkv_versioning__vsame_ext(k[j].path, k[lead].path))
            s->dup[k[j].i] = k[lead].i + 1;
        else
            lead = j;
    }
    free(k);
    return LMKV_OK;
}

/* Read the stored state and classify every scan entry. */
static int vclassify(lmkv_index_session *s, int explicit_plan)
{
    int rc;
    lmkv_store_txn *t = NULL;
    lmkv_worktree *wt = s->wt;
    struct vselect sel = vsel_of(s);

    if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup;
    /* Only the current entries of the selection: reading the whole map made
     * a one-file update cost grow with the workspace (O(files) per run). */
    if (explicit_plan) {
        const char **pp = malloc((s->scan.n ? s->scan.n : 1) * sizeof *pp);
        if (!pp) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        for (size_t i = 0; i < s->scan.n; i++) pp[i] = s->scan.v[i].path;
        rc = s->scan.n ? lmkv_versioning__vcurmap_read_paths(&s->cur, t, wt->ws, pp, s->scan.n, 1) : LMKV_OK;
        free(pp);
    } else {
        rc = lmkv_versioning__vcurmap_read_paths(&s->cur, t, wt->ws, sel.paths, sel.npaths, 0);
    }
    if (rc != LMKV_OK) goto cleanup;
    if ((rc = lmkv_versioning__vmeta_read(&s->meta, t, wt)) != LMKV_OK) goto cleanup;
    if (s->meta.registered && strcmp(s->meta.analyser_id, s->analyser_id) != 0) s->full = 1;
    if ((rc = lmkv_versioning__vscan_hash_pending(&s->scan, wt, t, &s->cur, s->full)) != LMKV_OK) goto cleanup;
    if (!(s->plan = calloc(s->scan.n ? s->scan.n : 1, 1)) ||
        !(s->stored = calloc(s->scan.n ? s->scan.n : 1, 1)) ||
        !(s->src = calloc(s->scan.n ? s->scan.n : 1, sizeof *s->src)) ||
        !(s->dup = calloc(s->scan.n ? s->scan.n : 1, sizeof *s->dup))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < s->scan.n; i++) {
        struct vfile *f = &s->scan.v[i];
        struct vcur *c = lmkv_versioning__vcurmap_find(&s->cur, f->path);
        if (!f->present) {
            s->plan[i] = VPLAN_DELETED;
            if (c && (rc = vpush_deleted(s, f->path)) != LMKV_OK) goto cleanup;
            continue;
        }
        if (f->read_err) {
            s->plan[i] = VPLAN_FAILED;
            continue;
        }
        if (f->size > s->opts.max_file_bytes) {
            s->plan[i] = VPLAN_SKIPPED;
            s->nskipped++;
            if (c && (rc = vpush_deleted(s, f->path)) != LMKV_OK) goto cleanup;
            continue;
        }
        if ((rc = lmkv_file_version_id(&f->fv, wt->ws, f->path, f->blob)) != LMKV_OK) goto cleanup;
        int same = c && c->fv == f->fv && c->source == f->source &&
                   (f->source != LMKV_SOURCE_COMMIT || strcmp(c->commit, s->head.commit) == 0);
        if (same && !s->full) {
            s->plan[i] = VPLAN_UNCHANGED;
            s->nunchanged++;
            continue;
        }
        s->plan[i] = VPLAN_CHANGED;
        s->nchanged++;
        if (!s->full) {
            lmkv_file_version fvr;
            rc = lmkv_store_file_version_get(&fvr, t, wt->ws, f->fv);
            if (rc == LMKV_OK) s->stored[i] = 1;
            else if (rc != LMKV_NOTFOUND) goto cleanup;
            /* not stored: the same bytes under another path may be */
            if (rc == LMKV_NOTFOUND && (rc = lmkv_versioning__vfind_copy_source(&s->src[i], t, wt, f->path, f->blob)) != LMKV_OK)
                goto cleanup;
            rc = LMKV_OK;
        }
    }
    if (!s->full && (rc = vgroup_duplicates(s)) != LMKV_OK) goto cleanup;
    if (!explicit_plan) {
        /* Currently mapped paths of the selection that are gone. */
        for (size_t i = 0; i < s->cur.n; i++) {
            const char *p = s->cur.v[i].path;
            if (!lmkv_versioning__vselect_match(&sel, p)) continue;
            if (lmkv_versioning__vscan_find(&s->scan, p)) continue;   /* handled above */
            if ((rc = vpush_deleted(s, p)) != LMKV_OK) goto cleanup;
        }
    }
    rc = LMKV_OK;
cleanup:
    lmkv_store_txn_end(t);
    return rc;
}

int lmkv_index_session_plan(lmkv_index_session *s)
{
    int rc;
    if (!s) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_plan: NULL session");
    if (s->planned) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_plan: plan already made");
    struct vselect sel = vsel_of(s);
    if ((rc = lmkv_versioning__vscan_worktree(&s->scan, &s->head, s->wt, &sel)) != LMKV_OK) return rc;
    if ((rc = vclassify(s, 0)) != LMKV_OK) return rc;
    s->planned = 1;
    return LMKV_OK;
}

/* Blob id of `path` in the HEAD tree ("" if absent or unborn/non-git). */
static int vhead_blob(char out[LMKV_OID_HEXSZ], lmkv_worktree *wt, const struct lmkv_head_info *h,
                      const char *path)
{
    int rc = LMKV_OK, g;
    git_oid oid;
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    out[0] = '\0';
    if (!wt->repo || !h->commit[0]) return LMKV_OK;
    if ((rc = lmkv_versioning__vhex_to_oid(&oid, h->commit)) != LMKV_OK) return rc;
    if ((g = git_commit_lookup(&c, wt->repo, &oid)) < 0) { rc = lmkv_versioning__verr_git(g, "HEAD commit %s", h->commit); goto cleanup; }
    if ((g = git_commit_tree(&tree, c)) < 0) { rc = lmkv_versioning__verr_git(g, "tree of %s", h->commit); goto cleanup; }
    g = git_tree_entry_bypath(&e, tree, path);
    if (g == GIT_ENOTFOUND) goto cleanup;
    if (g < 0) { rc = lmkv_versioning__verr_git(g, "'%s' in %s", path, h->commit); goto cleanup; }
    if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) git_oid_tostr(out, LMKV_OID_HEXSZ, git_tree_entry_id(e));
cleanup:
    git_tree_entry_free(e);
    git_tree_free(tree);
    git_commit_free(c);
    return rc;
}

static int vstrptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int lmkv_index_session_set_plan(lmkv_index_session *s,
                                const char *const *changed, size_t nchanged,
                                const char *const *deleted, size_t ndeleted,
                                const char *const *unchanged, size_t nunchanged)
{
    int rc = LMKV_OK;
    const char **all = NULL;
    size_t nall = nchanged + ndeleted + nunchanged;
    struct vscan scan = {0};

    if (!s || (nchanged && !changed) || (ndeleted && !deleted) || (nunchanged && !unchanged))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_set_plan: NULL argument");
    if (s->planned) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_set_plan: plan already made");
    if (!(all = malloc((nall ? nall : 1) * sizeof *all))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < nchanged; i++) all[k++] = changed[i];
    for (size_t i = 0; i < ndeleted; i++) all[k++] = deleted[i];
    for (size_t i = 0; i < nunchanged; i++) all[k++] = unchanged[i];
    for (size_t i = 0; i < nall; i++)
        if (!lmkv_versioning__vpath_valid(all[i])) { rc = lmkv_error_set(LMKV_EINVAL, "plan: path '%s' is not workspace-relative", all[i] ? all[i] : "(null)"); goto cleanup; }
    qsort(all, nall, sizeof *all, vstrptr_cmp);
    for (size_t i = 1; i < nall; i++)
        if (strcmp(all[i - 1], all[i]) == 0) { rc = lmkv_error_set(LMKV_EINVAL, "plan: path '%s' given twice", all[i]); goto cleanup; }

    if ((rc = lmkv_worktree_head(&s->head, s->wt)) != LMKV_OK) goto cleanup;
    scan.cap = nchanged + ndeleted;
    if (scan.cap && !(scan.v = calloc(scan.cap, sizeof *scan.v))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    for (size_t i = 0; i < nchanged + ndeleted; i++) {
        const char *p = i < nchanged ? changed[i] : deleted[i - nchanged];
        struct vfile *f = &scan.v[scan.n++];
        memset(f, 0, sizeof *f);
        if (!(f->path = strdup(p))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        if (i >= nchanged) { f->status = LMKV_WT_DELETED; continue; }
        void *buf = NULL;
        size_t len = 0;
        rc = lmkv_versioning__vread_file(&buf, &len, s->wt, p, 0);
        if (rc == LMKV_NOTFOUND) { f->status = LMKV_WT_DELETED; rc = LMKV_OK; continue; }
        if (rc != LMKV_OK) {
            /* unreadable: that file's failure in the report, not the plan's */
            f->present = 1;
            f->status = !s->wt->repo ? LMKV_WT_NOGIT : LMKV_WT_MODIFIED;
            f->source = LMKV_SOURCE_LATEST;
            if ((rc = lmkv_versioning__vplan_read_failed(f, rc, errno)) != LMKV_OK) goto cleanup;
            continue;
        }
        f->present = 1;
        f->size = len;
        rc = lmkv_blob_id(f->blob, buf, len);
        if (rc == LMKV_OK && nchanged <= VKEEP_FILES) {
            f->content = buf;           /* the run analyses these bytes */
            f->content_len = len;
            buf = NULL;
        }
        free(buf);
        if (rc != LMKV_OK) goto cleanup;
        char hb[LMKV_OID_HEXSZ];
        if ((rc = vhead_blob(hb, s->wt, &s->head, p)) != LMKV_OK) goto cleanup;
        f->source = s->wt->repo && hb[0] && strcmp(hb, f->blob) == 0 ? LMKV_SOURCE_COMMIT : LMKV_SOURCE_LATEST;
        f->status = !s->wt->repo ? LMKV_WT_NOGIT : !hb[0] ? LMKV_WT_UNTRACKED :
                    f->source == LMKV_SOURCE_COMMIT ? 0u : LMKV_WT_MODIFIED;
    }
    if (scan.n) {
        /* sort by path (insertion sort: plans are small) */
        for (size_t i = 1; i < scan.n; i++) {
            struct vfile x = scan.v[i];
            size_t j = i;
            while (j > 0 && strcmp(scan.v[j - 1].path, x.path) > 0) { scan.v[j] = scan.v[j - 1]; j--; }
            scan.v[j] = x;
        }
    }
    s->scan = scan;
    memset(&scan, 0, sizeof scan);
    if ((rc = vclassify(s, 1)) != LMKV_OK) goto cleanup;
    s->nunchanged += nunchanged;
    s->planned = 1;
cleanup:
    lmkv_versioning__vscan_clear(&scan);
    free(all);
    return rc;
}

int lmkv_index_session_pending_paths(const char *const **out_paths, size_t *out_n,
                                     lmkv_index_session *s)
{
    if (!out_paths || !out_n || !s) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_pending_paths: NULL argument");
    if (!s->planned) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_pending_paths: no plan yet");
    size_t n = 0;
    free(s->pending);
    if (!(s->pending = malloc((s->scan.n ? s->scan.n : 1) * sizeof *s->pending)))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->scan.n; i++)
        if (s->plan[i] == VPLAN_CHANGED && (s->full || (!s->stored[i] && !s->src[i] && !s->dup[i])))
            s->pending[n++] = s->scan.v[i].path;
    *out_paths = s->pending;
    *out_n = n;
    return LMKV_OK;
}

int lmkv_index_session_plan_counts(size_t *out_changed, size_t *out_deleted, size_t *out_unchanged,
                                   const lmkv_index_session *s)
{
    if (!s || !out_changed || !out_deleted || !out_unchanged)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_plan_counts: NULL argument");
    if (!s->planned) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_plan_counts: no plan yet");
    *out_changed = s->nchanged;
    *out_deleted = s->ndeleted;
    *out_unchanged = s->nunchanged;
    return LMKV_OK;
}

/* ----------------------------------------------------------------- run */

static int vpush_failure(struct lmkv_index_failure **list, size_t *n, const char *path, int err,
                         const char *msg)
{
    struct lmkv_index_failure *nf = realloc(*list, (*n + 1) * sizeof *nf);
    if (!nf) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    *list = nf;
    nf[*n].path = strdup(path);
    nf[*n].message = strdup(msg ? msg : "");
    nf[*n].error = err;
    if (!nf[*n].path || !nf[*n].message) {
        free(nf[*n].path); free(nf[*n].message);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    (*n)++;
    return LMKV_OK;
}

static int vfail(struct lmkv_index_report *r, const char *path, int err, const char *msg)
{
    return vpush_failure(&r->failures, &r->failed, path, err, msg);
}

struct vwriter {
    lmkv_index_session *s;
    lmkv_store_session *ss;
    size_t in_batch;
    struct lmkv_index_report *r;
};

static int vw_open(struct vwriter *w)
{
    if (w->ss) return LMKV_OK;
    int rc = lmkv_store_session_begin(&w->ss, w->s->wt->st);
    if (rc == LMKV_OK) w->r->write_txns++;
    if (rc == LMKV_OK && (w->s->opts.flags & LMKV_INDEX_BULK))
        rc = lmkv_store_session_set_bulk(w->ss, 1);
    w->in_batch = 0;
    return rc;
}

static int vw_commit(struct vwriter *w)
{
    if (!w->ss) return LMKV_OK;
    int rc = lmkv_store_session_commit(w->ss);
    w->ss = NULL;
    w->in_batch = 0;
    return rc;
}

/* After one more file stored: commit when the transaction holds batch_files
 * files or batch_writes key writes (a file is never split). */
static int vw_file_done(struct vwriter *w)
{
    if (++w->in_batch >= w->s->opts.batch_files ||
        (w->ss && lmkv_store_session_pending(w->ss) >= w->s->opts.batch_writes))
        return vw_commit(w);
    return LMKV_OK;
}

/* ------------------------------------------------- parallel analysis */

/* One file analysed ahead by a worker: its bytes, their blob id and the
 * analyser's records, until the writer (the session's thread) stores it. */
struct vjob {
    size_t idx;                 /* scan entry                               */
    int done;                   /* worker finished (under vpool.mu)         */
    int rc;                     /* LMKV_OK, or the read's error             */
    int rerr;                   /* errno of a failed read                   */
    int failed, aerr;           /* analyser failure                         */
    char *msg;
    void *buf;
    size_t len;
    char blob[LMKV_OID_HEXSZ];
    lmkv_analysis a;
};

struct vpool {
    lmkv_index_session *s;
    lmkv_analyser_fn analyser;
    void *ctx;
    struct vjob *jobs;          /* the pending files, path order            */
    size_t n, next, consumed, window;
    size_t *job_of;             /* per scan entry: 1 + job index, 0 = none  */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    pthread_t *th;
    size_t nth;
};

static void vjob_clear(struct vjob *j)
{
    lmkv_versioning__vanalysis_reset(&j->a);
    free(j->msg); j->msg = NULL;
    free(j->buf); j->buf = NULL;
}

/* Read (or take the plan's bytes), hash and analyse one file: no store
 * access, nothing shared but the job and the scan entry's read-only path,
 * blob and (taken) content. */
static void vjob_run(struct vpool *p, struct vjob *j)
{
    lmkv_index_session *s = p->s;
    struct vfile *f = &s->scan.v[j->idx];
    int kept = f->content != NULL && f->content_len <= s->opts.max_file_bytes;
    if (kept) {
        j->buf = f->content; j->len = f->content_len; f->content = NULL;
        memcpy(j->blob, f->blob, sizeof j->blob);
        j->rc = LMKV_OK;
    } else {
        j->rc = lmkv_versioning__vread_file(&j->buf, &j->len, s->wt, f->path, s->opts.max_file_bytes);
        j->rerr = errno;
        if (j->rc == LMKV_OK) j->rc = lmkv_blob_id(j->blob, j->buf, j->len);
    }
    if (j->rc == LMKV_OK)
        j->rc = lmkv_versioning__vanalyse_only(&j->a, &j->failed, &j->aerr, &j->msg, f->path, j->buf, j->len,
                              p->analyser, p->ctx);
}

static void *vpool_worker(void *arg)
{
    struct vpool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->n && p->next >= p->consumed + p->window)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop || p->next >= p->n) break;
        struct vjob *j = &p->jobs[p->next++];
        pthread_mutex_unlock(&p->mu);
        vjob_run(p, j);
        pthread_mutex_lock(&p->mu);
        j->done = 1;
        pthread_cond_broadcast(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static unsigned vthreads(const lmkv_index_session *s)
{
    unsigned t = s->opts.threads;
    if (t == LMKV_INDEX_THREADS_ONLINE) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        t = c > 0 ? (unsigned)c : 1;
    }
    if (!t) t = 1;
    return t > 64 ? 64 : t;
}

static void vpool_end(struct vpool *p)
{
    if (!p->jobs) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nth; i++) pthread_join(p->th[i], NULL);
    for (size_t i = p->consumed; i < p->n; i++) vjob_clear(&p->jobs[i]);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    pthread_mutex_destroy(&p->mu);
    free(p->th);
    free(p->jobs);
    free(p->job_of);
    memset(p, 0, sizeof *p);
}

/* Start the workers over the files run() will analyse (pending_paths'
 * selection). Fewer than 2 such files or 1 thread: no pool. */
static int vpool_begin(struct vpool *p, lmkv_index_session *s, lmkv_analyser_fn analyser, void *ctx)
{
    memset(p, 0, sizeof *p);
    unsigned t = vthreads(s);
    size_t n = 0;
    for (size_t i = 0; i < s->scan.n; i++)
        if (s->plan[i] == VPLAN_CHANGED && (s->full || (!s->stored[i] && !s->src[i] && !s->dup[i]))) n++;
    if (t < 2 || n < 2) return LMKV_OK;
    if (t > n) t = (unsigned)n;
    if (!(p->jobs = calloc(n, sizeof *p->jobs)) || !(p->job_of = calloc(s->scan.n, sizeof *p->job_of)) ||
        !(p->th = calloc(t, sizeof *p->th))) {
        free(p->jobs); free(p->job_of); free(p->th);
        memset(p, 0, sizeof *p);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->scan.n; i++)
        if (s->plan[i] == VPLAN_CHANGED && (s->full || (!s->stored[i] && !s->src[i] && !s->dup[i]))) {
            p->jobs[p->n].idx = i;
            p->job_of[i] = ++p->n;
        }
    p->s = s; p->analyser = analyser; p->ctx = ctx;
    p->window = 2 * (size_t)t;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    /* the workers block every signal: a SIGINT/SIGTERM handler (lmkv
     * index's cancels the analyser) runs in the caller's threads */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = LMKV_OK;
    for (size_t i = 0; i < t; i++) {
        if (pthread_create(&p->th[i], NULL, vpool_worker, p) != 0) {
            rc = lmkv_error_set(LMKV_ENOMEM, "index session: cannot start analysis thread %zu of %u", i + 1, t);
            break;
        }
        p->nth++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != LMKV_OK) vpool_end(p);
    return rc;
}

/* The writer takes job k (in order): waits until a worker finished it. */
static struct vjob *vpool_take(struct vpool *p, size_t k)
{
    pthread_mutex_lock(&p->mu);
    while (!p->jobs[k].done) pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return &p->jobs[k];
}

/* Job k is stored (or failed): its memory is freed, a worker may start
 * the next file of the window. */
static void vpool_release(struct vpool *p, size_t k)
{
    vjob_clear(&p->jobs[k]);
    pthread_mutex_lock(&p->mu);
    p->consumed = k + 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
}

/* What the final transaction does for one scan entry. */
enum { VACT_NONE = 0, VACT_MAP = 1, VACT_UNMAP = 2 };

/* Step 1 for scan entry i that needs an analysis: its bytes (read, or
 * from the plan, or analysed ahead by a worker of pool), its analysis and
 * its storage in w's session; act[i] = VACT_MAP when stored, VACT_UNMAP
 * when it fails and has a current mapping (has_cur). A file's failure is
 * reported in out and returns LMKV_OK; an error returned stops the run. */
static int vstore_analysed(lmkv_index_session *s, struct lmkv_index_report *out, struct vwriter *w,
                           struct vpool *pool, size_t i, int has_cur, unsigned char *act,
                           lmkv_analyser_fn analyser, void *ctx, int64_t now)
{
    int rc;
    lmkv_worktree *wt = s->wt;
    struct vfile *f = &s->scan.v[i];
    void *buf = NULL;
    char *msg = NULL;
    size_t len = 0;
    int rerr = 0, failed = 0, aerr = 0;
    char blob[LMKV_OID_HEXSZ];
    size_t jk = pool->job_of ? pool->job_of[i] : 0;
    struct vjob *job = NULL;
    lmkv_analysis la;
    lmkv_analysis *an = &la;
    memset(&la, 0, sizeof la);
    if (jk) {
        /* analysed ahead by a worker */
        int64_t t0 = lmkv_versioning__vnow_ns();
        job = vpool_take(pool, jk - 1);
        out->analysis_wait_ns += (uint64_t)(lmkv_versioning__vnow_ns() - t0);
        rc = job->rc;
        rerr = job->rerr;
        buf = job->buf; job->buf = NULL;
        len = job->len;
        memcpy(blob, job->blob, sizeof blob);
        failed = job->failed; aerr = job->aerr;
        msg = job->msg; job->msg = NULL;
        an = &job->a;
        if (rc == LMKV_ENOMEM) lmkv_error_set(LMKV_ENOMEM, "out of memory analysing '%s'", f->path);
    } else {
        int kept = f->content != NULL && f->content_len <= s->opts.max_file_bytes;
        if (kept) {
            /* the bytes the plan hashed: f->blob is their id */
            buf = f->content;
            len = f->content_len;
            f->content = NULL;
            memcpy(blob, f->blob, sizeof blob);
            rc = LMKV_OK;
        } else {
            rc = lmkv_versioning__vread_file(&buf, &len, wt, f->path, s->opts.max_file_bytes);
            rerr = errno;
            if (rc == LMKV_OK) rc = lmkv_blob_id(blob, buf, len);
        }
        if (rc == LMKV_OK) {
            int64_t t0 = lmkv_versioning__vnow_ns();
            rc = lmkv_versioning__vanalyse_only(&la, &failed, &aerr, &msg, f->path, buf, len, analyser, ctx);
            out->analysis_wait_ns += (uint64_t)(lmkv_versioning__vnow_ns() - t0);
        }
    }
    if (rc == LMKV_OK) {
        /* The file may have changed since the plan hashed it: store what
         * is analysed under the id of what is analysed. */
        if (strcmp(blob, f->blob) != 0) {
            memcpy(f->blob, blob, sizeof blob);
            f->mtime_ns = 0;        /* stat data of other content */
            if ((rc = lmkv_file_version_id(&f->fv, wt->ws, f->path, f->blob)) != LMKV_OK) goto file_done;
            f->source = LMKV_SOURCE_LATEST;
        }
        if (failed && aerr == LMKV_ECONFLICT) {
            /* the analyser stops the run (e.g. SIGINT): no mapping swap */
            rc = lmkv_error_set(LMKV_ECONFLICT, "index session stopped by the analyser at %s%s%s",
                                f->path, msg && *msg ? ": " : "", msg ? msg : "");
            goto file_done;
        }
        if ((rc = vw_open(w)) != LMKV_OK) goto file_done;
        if (!failed) {
            free(msg); msg = NULL;
            rc = lmkv_versioning__vput_analysed(&failed, &aerr, &msg, w->ss, wt, f->path, f->blob, f->fv,
                               buf, len, f->mtime_ns, an, now);
            if (rc != LMKV_OK) goto file_done;
        }
        if (failed) {
            if ((rc = vfail(out, f->path, aerr, msg)) != LMKV_OK) goto file_done;
            if (has_cur) act[i] = VACT_UNMAP;
        } else {
            out->analysed++;
            act[i] = VACT_MAP;
            if ((rc = vw_file_done(w)) != LMKV_OK) goto file_done;
        }
    } else if (rc == LMKV_ENOMEM) {
        goto file_done;
    } else {
        /* Unreadable (vanished, too big, I/O): the file fails. */
        char m[256];
        lmkv_versioning__vread_reason(m, sizeof m, rc, rerr);
        if ((rc = vfail(out, f->path, rc, m)) != LMKV_OK) goto file_done;
        if (has_cur) act[i] = VACT_UNMAP;
    }
    rc = LMKV_OK;
file_done:
    lmkv_versioning__vanalysis_reset(&la);
    if (jk) vpool_release(pool, jk - 1);
    free(buf);
    free(msg);
    return rc;
}

/* The mapping swap's writes, in ss: each path stored or reused this run
 * (act VACT_MAP) made current and mapped as latest (and under HEAD's
 * commit when it is HEAD's version), each failed one (VACT_UNMAP) and each
 * deleted one taken out of the current state (deleted: also out of
 * latest). *mapped_commit: whether a path was mapped under HEAD. */
static int vswap_maps(lmkv_index_session *s, lmkv_store_session *ss, const unsigned char *act,
                      struct lmkv_index_report *out, int *mapped_commit)
{
    int rc = LMKV_OK;
    lmkv_worktree *wt = s->wt;
    lmkv_store_txn *st = lmkv_store_session_txn(ss);
    git_oid head_oid;
    int have_head = s->head.commit[0] != '\0';
    if (have_head && (rc = lmkv_versioning__vhex_to_oid(&head_oid, s->head.commit)) != LMKV_OK) return rc;
    *mapped_commit = 0;
    for (size_t i = 0; i < s->scan.n; i++) {
        struct vfile *f = &s->scan.v[i];
        size_t pl = strlen(f->path);
        if (act[i] == VACT_MAP) {
            int commit_src = f->source == LMKV_SOURCE_COMMIT && have_head;
            rc = lmkv_store_set_current(ss, wt->ws, f->path, pl, f->fv,
                                        commit_src ? LMKV_SOURCE_COMMIT : LMKV_SOURCE_LATEST,
                                        commit_src ? head_oid.id : NULL);
            if (rc == LMKV_OK) rc = lmkv_store_map_latest(ss, wt->ws, f->path, pl, f->fv);
            if (rc == LMKV_OK && commit_src) {
                rc = lmkv_store_map_commit(ss, wt->ws, head_oid.id, f->path, pl, f->fv);
                *mapped_commit = 1;
            }
            if (rc != LMKV_OK) return rc;
        } else if (act[i] == VACT_UNMAP) {
            rc = lmkv_store_unset_current(ss, wt->ws, f->path, pl);
            if (rc != LMKV_OK && rc != LMKV_NOTFOUND) return rc;
        }
    }
    for (size_t i = 0; i < s->ndeleted; i++) {
        const char *p = s->deleted[i];
        size_t pl = strlen(p);
        uint64_t lfv;
        rc = lmkv_store_unset_current(ss, wt->ws, p, pl);
        if (rc != LMKV_OK && rc != LMKV_NOTFOUND) return rc;
        rc = lmkv_store_latest_get(&lfv, st, wt->ws, p, pl);
        if (rc == LMKV_OK) rc = lmkv_store_unmap_latest(ss, wt->ws, p, pl);
        if (rc != LMKV_OK && rc != LMKV_NOTFOUND) return rc;
        out->deleted++;
    }
    return LMKV_OK;
}

/* The session's metadata after the swap (HEAD's commit recorded when
 * mapped, the current commit, the analyser id), written in ss. */
static int vmeta_finish(lmkv_index_session *s, lmkv_store_session *ss, int mapped_commit, int64_t now)
{
    int rc;
    lmkv_worktree *wt = s->wt;
    if (mapped_commit && (rc = lmkv_versioning__vmeta_add_commit(&s->meta, s->head.commit, now)) != LMKV_OK) return rc;
    free(s->meta.current_commit);
    if (!(s->meta.current_commit = strdup(s->head.commit))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    free(s->meta.analyser_id);
    if (!(s->meta.analyser_id = strdup(s->analyser_id))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if ((rc = lmkv_versioning__vmeta_write(ss, &s->meta, wt, now)) != LMKV_OK) return rc;
    return LMKV_OK;
}


int lmkv_index_session_run(struct lmkv_index_report *out, lmkv_index_session *s,
                           lmkv_analyser_fn analyser, void *ctx)
{
    int rc = LMKV_OK;
    unsigned char *act = NULL, *done = NULL;
    struct vwriter w;
    int64_t now = lmkv_versioning__vnow_ns();
    struct vpool pool;
    memset(&pool, 0, sizeof pool);

    if (!out || !s) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_run: NULL argument");
    memset(out, 0, sizeof *out);
    if (s->ran) return lmkv_error_set(LMKV_EINVAL, "lmkv_index_session_run: session already run");
    s->ran = 1;
    if (!s->planned && (rc = lmkv_index_session_plan(s)) != LMKV_OK) return rc;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.r = out;
    out->head = s->head;
    out->unchanged = s->nunchanged;
    for (size_t i = 0; i < s->scan.n; i++) {
        if (s->plan[i] != VPLAN_SKIPPED) continue;
        char m[96];
        snprintf(m, sizeof m, "%llu bytes, over max_file_bytes (%llu)",
                 (unsigned long long)s->scan.v[i].size, (unsigned long long)s->opts.max_file_bytes);
        if ((rc = vpush_failure(&out->skips, &out->skipped, s->scan.v[i].path, LMKV_ETOOBIG, m)) != LMKV_OK)
            return rc;
    }
    lmkv_worktree *wt = s->wt;
    int resolve_only = (s->opts.flags & LMKV_INDEX_RESOLVE) || !analyser;

    if (!(act = calloc(s->scan.n ? s->scan.n : 1, 1)) || !(done = calloc(s->scan.n ? s->scan.n : 1, 1))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* the files to analyse, ahead in worker threads (threads > 1) */
    if (!resolve_only && (rc = vpool_begin(&pool, s, analyser, ctx)) != LMKV_OK) goto cleanup;

    /* 1. Store the versions that are not stored, in batches: from the
     *    records of the same content under another path (a renamed or
     *    copied file: no analysis), else by analysing the file. They stay
     *    invisible: nothing maps them until step 2. Phase 0 reuses and
     *    copies from versions stored before this run (a copy reads its
     *    source, which in a bulk session writes the buffered trees: doing
     *    them first keeps the analysed files' bulk writes together); phase
     *    1 analyses the rest, copying a content met twice from its first
     *    analysis. */
    for (int phase = 0; phase < 2; phase++)
    for (size_t i = 0; i < s->scan.n; i++) {
        if (phase == 1 && s->plan[i] == VPLAN_FAILED) {
            /* unreadable when planned: fails, mapping (if any) kept */
            const struct vfile *f = &s->scan.v[i];
            if ((rc = vfail(out, f->path, f->read_err, f->read_msg)) != LMKV_OK) goto cleanup;
            continue;
        }
        if (s->plan[i] != VPLAN_CHANGED || done[i]) continue;
        struct vfile *f = &s->scan.v[i];
        struct vcur *c = lmkv_versioning__vcurmap_find(&s->cur, f->path);
        if (s->stored[i] && !s->full) { out->reused++; act[i] = VACT_MAP; done[i] = 1; continue; }
        if (phase == 0 && (s->full || !s->src[i])) continue;
        done[i] = 1;
        uint64_t src = 0;
        if (!s->full && s->src[i]) {
            src = s->src[i];
        } else if (!s->full && s->dup[i]) {
            const struct vfile *lead = &s->scan.v[s->dup[i] - 1];
            if (act[s->dup[i] - 1] == VACT_MAP && strcmp(lead->blob, f->blob) == 0) src = lead->fv;
        }
        if (src) {
            int copied = 0;
            if ((rc = vw_open(&w)) != LMKV_OK) goto cleanup;
            rc = lmkv_versioning__vcopy_version(&copied, w.ss, wt, f->path, f->fv, src, f->mtime_ns, now);
            if (rc != LMKV_OK) goto cleanup;
            if (copied) {
                out->copied++;
                act[i] = VACT_MAP;
                if ((rc = vw_file_done(&w)) != LMKV_OK) goto cleanup;
                continue;
            }
            /* the source cannot be copied after all: new content then */
        }
        if (resolve_only) {
            out->pending++;
            if (c) act[i] = VACT_UNMAP;
            continue;
        }
        if ((rc = vstore_analysed(s, out, &w, &pool, i, c != NULL, act, analyser, ctx, now)) != LMKV_OK)
            goto cleanup;
    }

    vpool_end(&pool);                  /* every job was taken: joins */

    /* 2. The mapping swap, in one write transaction (the last batch's). */
    int need_meta = !s->meta.registered || s->full ||
                    strcmp(s->meta.current_commit ? s->meta.current_commit : "", s->head.commit) != 0;
    int any = need_meta || s->ndeleted > 0 || w.ss != NULL;
    for (size_t i = 0; i < s->scan.n && !any; i++) if (act[i] != VACT_NONE) any = 1;
    if (!any) goto done;                   /* warm run: no write transaction */

    if ((rc = vw_open(&w)) != LMKV_OK) goto cleanup;
    int mapped_commit = 0;
    if ((rc = vswap_maps(s, w.ss, act, out, &mapped_commit)) != LMKV_OK ||
        (rc = vmeta_finish(s, w.ss, mapped_commit, now)) != LMKV_OK)
        goto cleanup;
    if ((rc = vw_commit(&w)) != LMKV_OK) goto cleanup;

done:
    {
        lmkv_store_txn *t = NULL;
        if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup;
        rc = lmkv_store_generation(&out->generation, t, wt->ws);
        lmkv_store_txn_end(t);
        if (rc == LMKV_NOTFOUND) { out->generation = 0; rc = LMKV_OK; }
    }
cleanup:
    vpool_end(&pool);
    if (w.ss) lmkv_store_session_abort(w.ss);
    free(act);
    free(done);
    return rc;
}

int lmkv_index_worktree(struct lmkv_index_report *out, lmkv_worktree *wt,
                        const struct lmkv_index_options *opts,
                        lmkv_analyser_fn analyser, void *ctx)
{
    lmkv_index_session *s = NULL;
    int rc = lmkv_index_session_begin(&s, wt, opts);
    if (rc != LMKV_OK) return rc;
    rc = lmkv_index_session_run(out, s, analyser, ctx);
    lmkv_index_session_free(s);
    return rc;
}
