/*
 * store_count.c -- lmkv_store_count: entries per tree.
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>

/* ================================================================ counts */

static int count_cb(void *ctx, const lmkv_pair *p)
{
    (void)p;
    (*(uint64_t *)ctx)++;
    return 0;
}

static int count_tree(uint64_t *out, lmkv_store_txn *t, enum store_tree tr, uint64_t ws)
{
    *out = 0;
    if (!t->st->t[tr])
        return LMKV_OK;
    if (ws == 0) { /* whole tree: O(1) entry count (mdb_stat) */
        int rc = lmkv_tree_len(out, t->st->t[tr]);
        return rc == LMKV_OK ? rc : lmkv_schema__store_err_key(rc, tr, "", 0, "len failed");
    }
    uint8_t pre[8];
    put_be64(pre, ws);
    return lmkv_schema__st_scan(t, tr, pre, ws ? 8 : 0, count_cb, out);
}

struct bytes_sum { uint64_t total; };
static int atime_sum_cb(void *ctx, const lmkv_pair *p)
{
    if (p->value_size == ATIME_VALUE_LEN)
        ((struct bytes_sum *)ctx)->total += get_be64(p->value + 16);
    return 0;
}

int lmkv_store_count(lmkv_store_counts *out, lmkv_store_txn *t, uint64_t ws)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_count: NULL out");
    lmkv_store_counts c;
    memset(&c, 0, sizeof c);
    struct { uint64_t *dst; enum store_tree tr; } m[] = {
        { &c.workspaces, T_WS }, { &c.file_versions, T_FV }, { &c.symbols, T_SYM },
        { &c.calls, T_CALL }, { &c.references, T_REF }, { &c.hierarchy, T_HIER },
        { &c.commit_mappings, T_MAP_COMMIT }, { &c.latest_mappings, T_MAP_LATEST },
        { &c.current_mappings, T_CUR }, { &c.cache_entries, T_CACHE_ENTRY },
        { &c.cache_stats, T_CACHE_STATS },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if ((rc = count_tree(m[i].dst, t, m[i].tr, ws)) != LMKV_OK)
            return rc;
    struct bytes_sum b = { 0 };
    if (ws == 0) { /* the running total kept by the cache */
        kbuf k;
        lmkv_schema__kb_init(&k);
        lmkv_schema__kb_raw(&k, "bytes", 5);
        lmkv_pair p;
        rc = lmkv_schema__st_get(&p, t, T_CACHE_META, &k);
        if (rc == LMKV_OK && p.value_size == 8)
            b.total = get_be64(p.value);
        else if (rc != LMKV_OK && rc != LMKV_NOTFOUND)
            return rc;
    } else {
        uint8_t pre[8];
        put_be64(pre, ws);
        if ((rc = lmkv_schema__st_scan(t, T_CACHE_ATIME, pre, 8, atime_sum_cb, &b)) != LMKV_OK)
            return rc;
    }
    c.cache_bytes = b.total;
    *out = c;
    return LMKV_OK;
}
