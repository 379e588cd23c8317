/*
 * current.c -- describe the current state: HEAD, the stored current map,
 * each path's worktree status and where its records come from.
 */
#include "versioning_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lmkv_current_info_free(struct lmkv_current_info *info)
{
    if (!info) return;
    for (size_t i = 0; i < info->nentries; i++) {
        free(info->entries[i].path);
        free(info->entries[i].old_path);
    }
    free(info->entries);
    free(info);
}

static int ventry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct lmkv_current_entry *)a)->path,
                  ((const struct lmkv_current_entry *)b)->path);
}

int lmkv_current_info_get(struct lmkv_current_info **out, lmkv_worktree *wt)
{
    int rc;
    lmkv_store_txn *t = NULL;
    struct vcurmap cur = {0};
    struct vmeta meta;
    struct vscan scan = {0};
    struct lmkv_current_info *info = NULL;
    struct lmkv_head_info head;

    memset(&meta, 0, sizeof meta);
    if (!out || !wt) return lmkv_error_set(LMKV_EINVAL, "lmkv_current_info_get: NULL argument");
    if ((rc = lmkv_versioning__vscan_worktree(&scan, &head, wt, NULL)) != LMKV_OK) goto cleanup;
    if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) goto cleanup;
    if ((rc = lmkv_versioning__vmeta_read(&meta, t, wt)) != LMKV_OK) goto cleanup;
    if (!meta.registered) {
        rc = lmkv_error_set(LMKV_NOTFOUND, "workspace '%s' was never indexed in this database", wt->root);
        goto cleanup;
    }
    if ((rc = lmkv_versioning__vcurmap_read(&cur, t, wt->ws)) != LMKV_OK) goto cleanup;
    if ((rc = lmkv_versioning__vscan_hash_pending(&scan, wt, t, &cur, 0)) != LMKV_OK) goto cleanup;
    if (!(info = calloc(1, sizeof *info))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    info->head = head;
    snprintf(info->indexed_commit, sizeof info->indexed_commit, "%s",
             meta.current_commit ? meta.current_commit : "");
    if ((rc = lmkv_store_generation(&info->generation, t, wt->ws)) != LMKV_OK) goto cleanup;
    info->stale = strcmp(info->indexed_commit, head.commit) != 0;

    size_t cap = cur.n + scan.n;
    if (!(info->entries = calloc(cap ? cap : 1, sizeof *info->entries))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    /* Every current path. */
    for (size_t i = 0; i < cur.n; i++) {
        struct vcur *c = &cur.v[i];
        struct lmkv_current_entry *e = &info->entries[info->nentries++];
        if (!(e->path = strdup(c->path))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        e->source = c->source;
        e->file_version = c->fv;
        snprintf(e->commit, sizeof e->commit, "%s", c->commit);
        lmkv_file_version fvr;
        rc = lmkv_store_file_version_get(&fvr, t, wt->ws, c->fv);
        if (rc == LMKV_OK && fvr.git_blob_id) snprintf(e->blob, sizeof e->blob, "%s", fvr.git_blob_id);
        else if (rc != LMKV_OK && rc != LMKV_NOTFOUND) goto cleanup;
        rc = LMKV_OK;
        struct vfile *f = lmkv_versioning__vscan_find(&scan, c->path);
        if (!f) {
            e->status = wt->repo ? LMKV_WT_DELETED : (LMKV_WT_NOGIT | LMKV_WT_DELETED);
            info->stale = 1;
            continue;
        }
        e->status = f->status;
        if (f->old_path && !(e->old_path = strdup(f->old_path))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        if (!f->present || f->read_err) { info->stale = 1; continue; }  /* unreadable: unknown */
        uint64_t fv;
        if ((rc = lmkv_file_version_id(&fv, wt->ws, f->path, f->blob)) != LMKV_OK) goto cleanup;
        if (fv != c->fv || f->source != c->source ||
            (c->source == LMKV_SOURCE_COMMIT && strcmp(c->commit, head.commit) != 0))
            info->stale = 1;
    }
    /* Every changed path git reports that is not current. */
    for (size_t i = 0; i < scan.n; i++) {
        struct vfile *f = &scan.v[i];
        if (f->status == 0 || f->status == LMKV_WT_NOGIT) continue;
        if (lmkv_versioning__vcurmap_find(&cur, f->path)) continue;
        struct lmkv_current_entry *e = &info->entries[info->nentries++];
        if (!(e->path = strdup(f->path))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        if (f->old_path && !(e->old_path = strdup(f->old_path))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        e->status = f->status;
        e->source = LMKV_SOURCE_NONE;
    }
    if (info->nentries) qsort(info->entries, info->nentries, sizeof *info->entries, ventry_cmp);
    *out = info;
    info = NULL;
    rc = LMKV_OK;
cleanup:
    lmkv_store_txn_end(t);
    lmkv_current_info_free(info);
    lmkv_versioning__vcurmap_clear(&cur);
    lmkv_versioning__vmeta_clear(&meta);
    lmkv_versioning__vscan_clear(&scan);
    return rc;
}

int lmkv_current_file_version(uint64_t *out_file_version, int *out_source,
                              lmkv_worktree *wt, const char *path)
{
    int rc;
    lmkv_store_txn *t = NULL;
    lmkv_store_current c;
    if (!out_file_version || !wt || !path) return lmkv_error_set(LMKV_EINVAL, "lmkv_current_file_version: NULL argument");
    if ((rc = lmkv_store_txn_begin(&t, wt->st)) != LMKV_OK) return rc;
    rc = lmkv_store_current_get(&c, t, wt->ws, path, strlen(path));
    if (rc == LMKV_OK) {
        *out_file_version = c.fv;
        if (out_source) *out_source = c.source;
    } else if (rc == LMKV_NOTFOUND) {
        rc = lmkv_error_set(LMKV_NOTFOUND, "'%s' is not in the current state of '%s'", path, wt->root);
    }
    lmkv_store_txn_end(t);
    return rc;
}

int lmkv_current_set_latest(lmkv_store_session *s, uint64_t ws, const char *path, size_t path_len, uint64_t fv)
{
    if (!s || !path) return lmkv_error_set(LMKV_EINVAL, "lmkv_current_set_latest: NULL argument");
    if (!path_len) return lmkv_error_set(LMKV_EINVAL, "lmkv_current_set_latest: empty path");
    if (!fv) return lmkv_error_set(LMKV_EINVAL, "lmkv_current_set_latest: file version 0 for '%.*s'", (int)path_len, path);
    int rc = lmkv_store_map_latest(s, ws, path, path_len, fv);
    if (rc == LMKV_OK) rc = lmkv_store_set_current(s, ws, path, path_len, fv, LMKV_SOURCE_LATEST, NULL);
    return rc;
}
