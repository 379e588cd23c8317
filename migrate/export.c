/*
 * export.c -- lmkv database -> sled-dump v1 (lmkv_migrate_export), the way
 * back from lmdb-migrate: sled's Db::export over kv's lmkv_db_export (one
 * snapshot, user trees in name order), written by the canonical writer.
 *
 * The generate_id counter: kv persists a high-water mark of reserved ids
 * (lmkv_db_peek_next_id, a read); every id below it may have been handed
 * out, none at or above it was, so it is the "next" id of the meta
 * collection. A counter still at 0 (never used nor imported) writes no meta
 * collection, as sled's export has none.
 */
#include "migrate_int.h"

#include <string.h>
#include <time.h>

struct exp {
    lmkv_dump_writer *w;
    int open;
    uint64_t trees, pairs;
    const lmkv_migrate_export_options *o; /* NULL: no progress */
    lmkv_migrate_export_progress pr;
    struct timespec t0;
};

static void report(struct exp *e)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    e->pr.trees = e->trees;
    e->pr.pairs = e->pairs;
    e->pr.seconds = (double)(now.tv_sec - e->t0.tv_sec) + (double)(now.tv_nsec - e->t0.tv_nsec) / 1e9;
    e->o->progress(e->o->progress_ctx, &e->pr);
}

static int on_collection(void *ctx, const char *type, const uint8_t *name, size_t name_size)
{
    struct exp *e = ctx;
    int rc;
    if (strcmp(type, "tree") != 0) return lmkv_error_set(LMKV_EINVAL, "export: unknown collection type '%s'", type);
    if (e->open && (rc = lmkv_dump_writer_end(e->w))) return rc;
    e->open = 0;
    if ((rc = lmkv_dump_writer_tree(e->w, name, name_size))) return rc;
    e->open = 1;
    e->trees++;
    return LMKV_OK;
}

static int on_pair(void *ctx, const uint8_t *key, size_t key_size, const uint8_t *value, size_t value_size)
{
    struct exp *e = ctx;
    int rc = lmkv_dump_writer_pair(e->w, key, key_size, value, value_size);
    if (rc) return rc;
    e->pairs++;
    if (e->o) {
        e->pr.bytes += key_size + value_size;
        if (e->pairs % LMKV_MIGRATE_EXPORT_PROGRESS_PAIRS == 0) report(e);
    }
    return LMKV_OK;
}

static int next_id(uint64_t *out, int *present, lmkv_db *db)
{
    uint64_t n = 0;
    int rc = lmkv_db_peek_next_id(&n, db);
    if (rc) return rc;
    *present = n > 0;
    *out = n;
    return LMKV_OK;
}

int lmkv_migrate_export(lmkv_db *db, const char *path, unsigned flags, uint64_t *out_trees, uint64_t *out_pairs,
                        uint32_t *out_crc)
{
    lmkv_migrate_export_options o;
    memset(&o, 0, sizeof o);
    o.flags = flags;
    return lmkv_migrate_export_ex(db, path, &o, out_trees, out_pairs, out_crc);
}

int lmkv_migrate_export_ex(lmkv_db *db, const char *path, const lmkv_migrate_export_options *opts,
                           uint64_t *out_trees, uint64_t *out_pairs, uint32_t *out_crc)
{
    if (!db || !path) return lmkv_error_set(LMKV_EINVAL, "lmkv_migrate_export: NULL argument");
    struct exp e;
    memset(&e, 0, sizeof e);
    uint64_t next = 0;
    int has_next = 0;
    int rc;
    clock_gettime(CLOCK_MONOTONIC, &e.t0);
    if (opts && opts->progress) {
        lmkv_db_stat st;
        if ((rc = lmkv_db_stat_get(&st, db))) return lmkv_error_wrap(rc, "export to %s: counting entries", path);
        e.o = opts;
        e.pr.pairs_total = st.total_entries;
    }
    if ((rc = lmkv_dump_writer_open(&e.w, path, opts ? opts->flags : 0))) return rc;
    lmkv_export_visitor v = {on_collection, on_pair};
    if ((rc = lmkv_db_export(db, &v, &e))) {
        lmkv_error_wrap(rc, "export to %s", path);
        goto cleanup;
    }
    if (e.open && (rc = lmkv_dump_writer_end(e.w))) goto cleanup;
    if (e.o) report(&e);
    if ((rc = next_id(&next, &has_next, db))) {
        lmkv_error_wrap(rc, "export to %s: generate_id counter", path);
        goto cleanup;
    }
    if (has_next && (rc = lmkv_dump_writer_generate_id(e.w, next))) goto cleanup;
    if ((rc = lmkv_dump_writer_finish(e.w, out_crc))) goto cleanup;
    if (out_trees) *out_trees = e.trees;
    if (out_pairs) *out_pairs = e.pairs;
cleanup:
    lmkv_dump_writer_free(e.w);
    return rc;
}
