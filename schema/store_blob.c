/*
 * store_blob.c -- the store.fv_blob index (file versions by blob id, KEYS.md)
 * and its backfill for databases written before it existed.
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

/* ================================================================ blob index */

const uint8_t lmkv_schema__fv_blob_marker[FV_BLOB_MARKER_LEN] = { 0 };

void lmkv_schema__fv_blob_key(kbuf *k, uint64_t ws, const char *blob, uint64_t fv)
{
    kb_reset(k);
    lmkv_schema__kb_u64(k, ws);
    lmkv_schema__kb_esc(k, blob, strlen(blob));
    lmkv_schema__kb_u64(k, fv);
}

struct backfill { kbuf keys; size_t n; };

static int backfill_cb(void *ctx, const lmkv_pair *p)
{
    struct backfill *b = ctx;
    lmkv_file_version f;
    /* an unreadable record is left to lmkv_store_verify to report */
    if (p->key_size != 16 || lmkv_file_version_read(&f, p->value, p->value_size) != LMKV_OK ||
        !f.git_blob_id || !f.git_blob_id[0])
        return 0;
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__fv_blob_key(&k, get_be64(p->key), f.git_blob_id, get_be64(p->key + 8));
    lmkv_schema__kb_u32(&b->keys, (uint32_t)k.len);
    lmkv_schema__kb_raw(&b->keys, k.p, k.len);
    int ok = kb_ok(&k);
    lmkv_schema__kb_free(&k);
    b->n++;
    return ok ? 0 : lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
}

int lmkv_schema__store_fv_blob_backfill(lmkv_store_session *s)
{
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_raw(&k, lmkv_schema__fv_blob_marker, FV_BLOB_MARKER_LEN);
    lmkv_pair p;
    int rc = lmkv_schema__st_get(&p, &s->view, T_FV_BLOB, &k);
    lmkv_schema__kb_free(&k);
    if (rc != LMKV_NOTFOUND)
        return rc; /* LMKV_OK: the index is complete */
    struct backfill b;
    lmkv_schema__kb_init(&b.keys);
    b.n = 0;
    /* collect first: no writes while a cursor walks store.fv */
    rc = lmkv_schema__st_scan(&s->view, T_FV, "", 0, backfill_cb, &b);
    if (rc == LMKV_OK && !kb_ok(&b.keys))
        rc = lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    for (size_t off = 0; rc == LMKV_OK && off < b.keys.len;) {
        uint32_t n = get_be32(b.keys.p + off);
        rc = lmkv_schema__sess_put(s, T_FV_BLOB, b.keys.p + off + 4, n, "", 0);
        off += 4 + (size_t)n;
    }
    if (rc == LMKV_OK)
        rc = lmkv_schema__sess_put(s, T_FV_BLOB, lmkv_schema__fv_blob_marker, FV_BLOB_MARKER_LEN, "", 0);
    if (rc != LMKV_OK)
        s->poisoned = 1;
    lmkv_schema__kb_free(&b.keys);
    return rc;
}
