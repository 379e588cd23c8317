/*
 * gc.c -- retention: drop the mappings of indexed commits that no branch
 * (nor HEAD) reaches any more, or that are older than a given age, then
 * remove every file version nothing maps, with its records, index entries
 * and LSP cache entries, in bounded write transactions.
 */
#include "versioning_int.h"
#include "kv_array_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct u64set { uint64_t *v; size_t n, cap; };

static int u64_push(struct u64set *s, uint64_t x)
{
    if (s->n == s->cap && LMKV_ARRAY_GROW(s->v, s->cap, s->cap + 1, 1024))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    s->v[s->n++] = x;
    return LMKV_OK;
}
static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
static void u64_sort(struct u64set *s) { if (s->n) qsort(s->v, s->n, sizeof *s->v, u64_cmp); }
static int u64_has(const struct u64set *s, uint64_t x)
{
    return s->n && bsearch(&x, s->v, s->n, sizeof *s->v, u64_cmp) != NULL;
}

static int live_path_fn(void *ctx, const char *path, size_t len, uint64_t fv)
{
    (void)path; (void)len;
    return u64_push(ctx, fv);
}
static int live_cur_fn(void *ctx, const lmkv_store_current *c) { return u64_push(ctx, c->fv); }

struct dead { uint64_t fv; char *path; };
struct deadlist { struct dead *v; size_t n, cap; const struct u64set *live; };

static int collect_dead(void *ctx, const lmkv_file_version *fv)
{
    struct deadlist *d = ctx;
    if (u64_has(d->live, fv->id)) return 0;
    if (d->n == d->cap && LMKV_ARRAY_GROW(d->v, d->cap, d->cap + 1, 256))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    d->v[d->n].fv = fv->id;
    if (!(d->v[d->n].path = strdup(fv->path ? fv->path : ""))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    d->n++;
    return 0;
}

static int dead_path_cmp(const void *a, const void *b)
{
    return strcmp(((const struct dead *)a)->path, ((const struct dead *)b)->path);
}

/* Is `c` HEAD or a local branch tip (kept whatever its age), and is it
 * reachable from HEAD or any local branch? */
static int vreach(int *out_tip, int *out_reachable, lmkv_worktree *wt, const git_oid *c)
{
    int rc = LMKV_OK, g;
    git_branch_iterator *it = NULL;
    git_reference *ref = NULL;
    git_oid tips[1];
    git_branch_t bt;
    *out_tip = 0;
    *out_reachable = 0;
    if (git_reference_name_to_id(&tips[0], wt->repo, "HEAD") == 0) {
        if (git_oid_equal(&tips[0], c)) { *out_tip = *out_reachable = 1; return LMKV_OK; }
        if (git_graph_descendant_of(wt->repo, &tips[0], c) == 1) *out_reachable = 1;
    }
    if ((g = git_branch_iterator_new(&it, wt->repo, GIT_BRANCH_LOCAL)) < 0) {
        rc = lmkv_versioning__verr_git(g, "listing branches of '%s'", wt->root);
        goto cleanup;
    }
    while ((g = git_branch_next(&ref, &bt, it)) == 0) {
        git_reference *res = NULL;
        if (git_reference_resolve(&res, ref) == 0) {
            const git_oid *tip = git_reference_target(res);
            if (tip && git_oid_equal(tip, c)) *out_tip = *out_reachable = 1;
            else if (tip && !*out_reachable && git_graph_descendant_of(wt->repo, tip, c) == 1) *out_reachable = 1;
            git_reference_free(res);
        }
        git_reference_free(ref);
        ref = NULL;
        if (*out_tip) break;
    }
    if (g < 0 && g != GIT_ITEROVER) rc = lmkv_versioning__verr_git(g, "listing branches of '%s'", wt->root);
cleanup:
    git_reference_free(ref);
    git_branch_iterator_free(it);
    return rc;
}

int lmkv_gc_run(struct lmkv_gc_report *out, lmkv_worktree *wt, const struct lmkv_gc_options *opts)
{
    int rc = LMKV_OK;
    struct lmkv_gc_options o;
    struct lmkv_gc_report r;
    lmkv_store_txn *t = NULL;
    lmkv_store_session *ss = NULL;
    struct vmeta meta;
    struct u64set live = {0};
    struct deadlist dead = {0};
    char (*drop)[LMKV_OID_HEXSZ] = NULL;
    size_t ndrop = 0;
    lmkv_cache *cache = NULL;

    memset(&meta, 0, sizeof meta);
    memset(&r, 0, sizeof r);
    if (!out || !wt) return lmkv_error_set(LMKV_EINVAL, "lmkv_gc_run: NULL argument");
    memset(&o, 0, sizeof o);
    if (opts) o = *opts;
    if (o.max_age_seconds < 0) return lmkv_error_set(LMKV_EINVAL, "lmkv_gc_run: max_age_seconds %lld < 0", (long long)o.max_age_seconds);
    if (!o.now) o.now = (int64_t)time(NULL);
    if (!o.batch_versions) o.batch_versions = 256;

    /* 1. Which indexed commits stay. */
    if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup;
    if ((rc = lmkv_versioning__vmeta_read(&meta, t, wt)) != LMKV_OK) goto cleanup;
    lmkv_store_txn_end(t); t = NULL;
    if (meta.ncommits && !(drop = calloc(meta.ncommits, sizeof *drop))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    for (size_t i = 0; i < meta.ncommits; i++) {
        git_oid oid;
        git_commit *c = NULL;
        int keep = 0;
        if ((rc = lmkv_versioning__vhex_to_oid(&oid, meta.commits[i].hex)) != LMKV_OK) goto cleanup;
        if (wt->repo && git_commit_lookup(&c, wt->repo, &oid) == 0) {
            int tip = 0, reach = 0;
            rc = vreach(&tip, &reach, wt, &oid);
            int64_t when = (int64_t)git_commit_time(c);
            git_commit_free(c);
            if (rc != LMKV_OK) goto cleanup;
            keep = reach;
            if (keep && !tip && o.max_age_seconds > 0 && when < o.now - o.max_age_seconds) keep = 0;
        }
        if (keep) r.commits_kept++;
        else { memcpy(drop[ndrop++], meta.commits[i].hex, LMKV_OID_HEXSZ); r.commits_dropped++; }
    }

    /* 2. Drop their mappings, bounded. */
    for (size_t i = 0; i < ndrop && !o.dry_run; i++) {
        git_oid oid;
        if ((rc = lmkv_versioning__vhex_to_oid(&oid, drop[i])) != LMKV_OK) goto cleanup;
        for (;;) {
            size_t removed = 0;
            if ((rc = lmkv_store_session_begin(&ss, wt->st)) != LMKV_OK) goto cleanup;
            r.write_txns++;
            if ((rc = lmkv_store_unmap_commit(&removed, ss, wt->ws, oid.id, o.batch_versions)) != LMKV_OK) goto cleanup;
            int last = removed < o.batch_versions;
            if (last) {
                lmkv_versioning__vmeta_del_commit(&meta, drop[i]);
                if ((rc = lmkv_versioning__vmeta_write(ss, &meta, wt, 0)) != LMKV_OK) goto cleanup;
            }
            rc = lmkv_store_session_commit(ss); ss = NULL;
            if (rc != LMKV_OK) goto cleanup;
            if (last) break;
        }
    }

    /* 3. Live versions: current, latest, and the kept commits' mappings
     *    (in a dry run the dropped commits' are left out too). */
    if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup;
    if ((rc = lmkv_store_current_each(t, wt->ws, live_cur_fn, &live)) != LMKV_OK) goto cleanup;
    if ((rc = lmkv_store_latest_each(t, wt->ws, live_path_fn, &live)) != LMKV_OK) goto cleanup;
    for (size_t i = 0; i < meta.ncommits; i++) {
        int dropped = 0;
        for (size_t j = 0; j < ndrop; j++) if (!strcmp(drop[j], meta.commits[i].hex)) dropped = 1;
        if (dropped) continue;
        git_oid oid;
        if ((rc = lmkv_versioning__vhex_to_oid(&oid, meta.commits[i].hex)) != LMKV_OK) goto cleanup;
        if ((rc = lmkv_store_commit_files(t, wt->ws, oid.id, live_path_fn, &live)) != LMKV_OK) goto cleanup;
    }
    u64_sort(&live);
    dead.live = &live;
    if ((rc = lmkv_store_file_versions(t, wt->ws, collect_dead, &dead)) != LMKV_OK) goto cleanup;
    lmkv_store_txn_end(t); t = NULL;
    r.versions_removed = dead.n;

    /* 4. Remove the dead versions, batch_versions per transaction, then
     *    their cache entries (every entry of the path whose content version
     *    is not the path's current one). */
    if (!o.dry_run && dead.n) {
        for (size_t i = 0; i < dead.n; i++) {
            if (!ss) {
                if ((rc = lmkv_store_session_begin(&ss, wt->st)) != LMKV_OK) goto cleanup;
                r.write_txns++;
            }
            rc = lmkv_store_remove_file(NULL, ss, wt->ws, dead.v[i].fv);
            if (rc != LMKV_OK && rc != LMKV_NOTFOUND) goto cleanup;
            if ((i + 1) % o.batch_versions == 0 || i + 1 == dead.n) {
                rc = lmkv_store_session_commit(ss); ss = NULL;
                if (rc != LMKV_OK) goto cleanup;
            }
        }
        qsort(dead.v, dead.n, sizeof *dead.v, dead_path_cmp);
        if ((rc = lmkv_cache_open(&cache, wt->st, NULL)) != LMKV_OK) goto cleanup;
        for (size_t i = 0; i < dead.n; i++) {
            if (i > 0 && strcmp(dead.v[i].path, dead.v[i - 1].path) == 0) continue;
            uint64_t keep = 0;
            int src = 0;
            rc = lmkv_current_file_version(&keep, &src, wt, dead.v[i].path);
            if (rc != LMKV_OK && rc != LMKV_NOTFOUND) goto cleanup;
            size_t removed = 0;
            if ((rc = lmkv_cache_invalidate(&removed, cache, wt->ws, dead.v[i].path, rc == LMKV_OK ? keep : 0)) != LMKV_OK)
                goto cleanup;
        }
        rc = lmkv_cache_close(cache); cache = NULL;
        if (rc != LMKV_OK) goto cleanup;
    }

    /* kept = stored - removed */
    {
        if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup;
        struct u64set none = {0};
        struct deadlist all = { .live = &none };
        rc = lmkv_store_file_versions(t, wt->ws, collect_dead, &all);
        lmkv_store_txn_end(t); t = NULL;
        r.versions_kept = all.n - (o.dry_run ? dead.n : 0);
        for (size_t i = 0; i < all.n; i++) free(all.v[i].path);
        free(all.v);
        if (rc != LMKV_OK) goto cleanup;
    }
    *out = r;
    rc = LMKV_OK;
cleanup:
    if (cache) lmkv_cache_close(cache);
    lmkv_store_session_abort(ss);
    lmkv_store_txn_end(t);
    lmkv_versioning__vmeta_clear(&meta);
    free(live.v);
    for (size_t i = 0; i < dead.n; i++) free(dead.v[i].path);
    free(dead.v);
    free(drop);
    return rc;
}
