/*
 * store_remove.c -- lmkv_store_remove_file: a file version, its records,
 * index entries, current state and LSP cache entries.
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

int lmkv_store_remove_file(size_t *out_removed, lmkv_store_session *s,
                                    uint64_t ws, uint64_t fv)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    size_t removed = 0;
    char *path = NULL;
    size_t path_len = 0;
    kbuf k, bk;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_init(&bk);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u64(&k, fv);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, &s->view, T_FV, &k);
    if (rc == LMKV_NOTFOUND) {
        rc = lmkv_error_set(LMKV_NOTFOUND, "store: file version %016llx of workspace %016llx is not stored",
                            (unsigned long long)fv, (unsigned long long)ws);
        goto cleanup;
    }
    if (rc != LMKV_OK)
        goto cleanup;
    lmkv_file_version fvr;
    if (lmkv_file_version_read(&fvr, p.value, p.value_size) == LMKV_OK) {
        if (fvr.path) {
            path_len = strlen(fvr.path);
            path = malloc(path_len + 1);
            if (!path) {
                rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
                goto cleanup;
            }
            memcpy(path, fvr.path, path_len + 1);
        }
        if (fvr.git_blob_id && fvr.git_blob_id[0])
            lmkv_schema__fv_blob_key(&bk, ws, fvr.git_blob_id, fv); /* before any write moves fvr */
    }
    if ((rc = lmkv_schema__store_remove_records(s, ws, fv, &removed)) != LMKV_OK)
        goto cleanup;
    /* current map entry pointing at fv (via the reverse entry) */
    rc = lmkv_schema__st_get(&p, &s->view, T_CUR_FV, &k);
    if (rc == LMKV_OK) {
        kbuf ck;
        lmkv_schema__kb_init(&ck);
        lmkv_schema__kb_u64(&ck, ws);
        lmkv_schema__kb_raw(&ck, p.value, p.value_size);
        lmkv_pair cp;
        rc = lmkv_schema__st_get(&cp, &s->view, T_CUR, &ck);
        if (rc == LMKV_OK && cp.value_size >= 8 && get_be64(cp.value) == fv) {
            rc = lmkv_store_unset_current(s, ws, (const char *)ck.p + 8, ck.len - 8);
            removed += 2;
        } else if (rc == LMKV_OK || rc == LMKV_NOTFOUND) {
            rc = lmkv_schema__sess_del(s, T_CUR_FV, k.p, k.len);
            removed++;
        }
        lmkv_schema__kb_free(&ck);
        if (rc != LMKV_OK)
            goto cleanup;
    } else if (rc != LMKV_NOTFOUND) {
        goto cleanup;
    }
    /* latest mapping pointing at fv */
    if (path) {
        kbuf lk;
        lmkv_schema__kb_init(&lk);
        lmkv_schema__kb_u64(&lk, ws);
        lmkv_schema__kb_raw(&lk, path, path_len);
        rc = lmkv_schema__st_get(&p, &s->view, T_MAP_LATEST, &lk);
        if (rc == LMKV_OK && p.value_size == 8 && get_be64(p.value) == fv) {
            rc = lmkv_schema__sess_del(s, T_MAP_LATEST, lk.p, lk.len);
            removed++;
        } else if (rc == LMKV_NOTFOUND || rc == LMKV_OK) {
            rc = LMKV_OK;
        }
        lmkv_schema__kb_free(&lk);
        if (rc != LMKV_OK)
            goto cleanup;
    }
    /* LSP cache entries computed for this content (content version = fv) */
    if (path) {
        size_t nc = 0;
        if ((rc = lmkv_schema__cache_remove_version(&nc, &s->view, ws, path, path_len, fv)) != LMKV_OK) {
            s->poisoned = 1;
            goto cleanup;
        }
        removed += nc;
        s->pending += nc;
    }
    /* the content index entry */
    if (bk.len) {
        if (!kb_ok(&bk)) {
            rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
            s->poisoned = 1;
            goto cleanup;
        }
        size_t before = s->pending;
        if ((rc = lmkv_schema__sess_del(s, T_FV_BLOB, bk.p, bk.len)) != LMKV_OK)
            goto cleanup;
        removed += s->pending - before;
    }
    rc = lmkv_schema__sess_del(s, T_FV, k.p, k.len);
    removed++;
    if (rc == LMKV_OK && out_removed)
        *out_removed = removed;
cleanup:
    free(path);
    lmkv_schema__kb_free(&k);
    lmkv_schema__kb_free(&bk);
    return rc;
}
