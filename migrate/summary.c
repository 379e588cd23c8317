/*
 * summary.c -- sled's numbers for a dump, computed while streaming it:
 * per-tree len and Tree::checksum, and Db::checksum (sled 0.34 db.rs:
 * crc32fast over each tree in name order, hashing the name, then each key and
 * value). Trees may come in any order in a dump: each tree keeps the CRC of
 * its pairs and their length, and the database CRC is assembled at the end
 * with zlib's crc32_combine(), so memory is one entry per tree.
 */
#include "migrate_int.h"
#include "kv_array_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DEFAULT_TREE "__sled__default"

struct lmkv_dump_summer {
    lmkv_dump_tree_info *trees;
    size_t n, cap;
    lmkv_dump_tree_info *cur; /* index into trees via cur_i */
    size_t cur_i;
    int in_tree, footer;
    int lens_only; /* skip the per-tree CRCs (lmkv_migrate__summer_lens_only) */
    uint64_t total_pairs;
    lmkv_dump_event foot;
};

int lmkv_dump_summer_new(lmkv_dump_summer **out)
{
    if (!out) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_summer_new: NULL argument");
    lmkv_dump_summer *s = calloc(1, sizeof *s);
    if (!s) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    *out = s;
    return LMKV_OK;
}

static int add_tree(lmkv_dump_summer *s, const void *name, size_t len)
{
    if (s->n == s->cap && LMKV_ARRAY_GROW(s->trees, s->cap, s->cap + 1, 16))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    lmkv_dump_tree_info *t = &s->trees[s->n];
    memset(t, 0, sizeof *t);
    t->name = malloc(len ? len : 1);
    if (!t->name) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if (len) memcpy(t->name, name, len);
    t->name_len = len;
    t->checksum = 0;
    s->cur_i = s->n++;
    return LMKV_OK;
}

int lmkv_dump_summer_add(lmkv_dump_summer *s, const lmkv_dump_event *ev)
{
    if (!s || !ev) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_summer_add: NULL argument");
    switch (ev->kind) {
    case LMKV_DUMP_COLLECTION:
        s->in_tree = !ev->is_meta;
        return s->in_tree ? add_tree(s, ev->name, ev->name_len) : LMKV_OK;
    case LMKV_DUMP_PAIR:
        if (s->in_tree) {
            lmkv_dump_tree_info *t = &s->trees[s->cur_i];
            if (!s->lens_only) {
                uint32_t c = lmkv_migrate__crc32(t->checksum, ev->key, ev->key_len);
                t->checksum = lmkv_migrate__crc32(c, ev->value, ev->value_len);
            }
            t->len++;
            t->bytes += ev->key_len + ev->value_len;
            s->total_pairs++;
        }
        return LMKV_OK;
    case LMKV_DUMP_END:
        s->in_tree = 0;
        return LMKV_OK;
    case LMKV_DUMP_FOOTER:
        s->footer = 1;
        s->foot = *ev;
        return LMKV_OK;
    }
    return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_summer_add: unknown event kind %d", (int)ev->kind);
}

static int cmp_info(const void *a, const void *b)
{
    const lmkv_dump_tree_info *x = a, *y = b;
    size_t m = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = m ? memcmp(x->name, y->name, m) : 0;
    if (c) return c;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

int lmkv_dump_summer_finish(lmkv_dump_summary **out, lmkv_dump_summer *s, const lmkv_dump_reader *r)
{
    if (!out || !s) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_summer_finish: NULL argument");
    if (!s->footer) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_summer_finish: the dump's footer was not read");
    int have_default = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->trees[i].name_len == sizeof DEFAULT_TREE - 1 && !memcmp(s->trees[i].name, DEFAULT_TREE, sizeof DEFAULT_TREE - 1))
            have_default = 1;
    if (!have_default) {
        int rc = add_tree(s, DEFAULT_TREE, sizeof DEFAULT_TREE - 1);
        if (rc) return rc;
    }
    lmkv_dump_summary *sum = calloc(1, sizeof *sum);
    if (!sum) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if (s->n) qsort(s->trees, s->n, sizeof *s->trees, cmp_info);
    uLong db = 0;
    for (size_t i = 0; i < s->n; i++) {
        const lmkv_dump_tree_info *t = &s->trees[i];
        db = lmkv_migrate__crc32((uint32_t)db, t->name, t->name_len);
        db = crc32_combine(db, t->checksum, (z_off_t)t->bytes);
    }
    sum->trees = s->trees;
    sum->n_trees = s->n;
    s->trees = NULL;
    s->n = s->cap = 0;
    sum->total_pairs = s->total_pairs;
    sum->db_checksum = (uint32_t)db;
    sum->crc32 = s->foot.crc32;
    sum->collections = s->foot.collections;
    sum->file_pairs = s->foot.count;
    sum->has_generate_id = s->foot.has_generate_id;
    sum->generate_id_next = s->foot.generate_id_next;
    if (r) {
        sum->bytes = lmkv_dump_reader_offset(r);
        sum->input_bytes = lmkv_dump_reader_input_size(r);
        if (!sum->input_bytes) sum->input_bytes = lmkv_dump_reader_input_offset(r);
        sum->gzip = lmkv_dump_reader_is_gzip(r);
    }
    *out = sum;
    return LMKV_OK;
}

void lmkv_migrate__summer_lens_only(lmkv_dump_summer *s)
{
    if (s) s->lens_only = 1;
}

void lmkv_dump_summer_free(lmkv_dump_summer *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->trees[i].name);
    free(s->trees);
    free(s);
}

void lmkv_dump_summary_free(lmkv_dump_summary *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_trees; i++) free(s->trees[i].name);
    free(s->trees);
    free(s);
}

int lmkv_dump_summarize(lmkv_dump_summary **out, const char *path)
{
    if (!out || !path) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_summarize: NULL argument");
    lmkv_dump_reader *r = NULL;
    lmkv_dump_summer *s = NULL;
    int rc = lmkv_dump_reader_open(&r, path);
    if (rc) goto cleanup;
    if ((rc = lmkv_dump_summer_new(&s))) goto cleanup;
    lmkv_dump_event ev;
    while ((rc = lmkv_dump_reader_next(r, &ev)) == LMKV_OK)
        if ((rc = lmkv_dump_summer_add(s, &ev))) goto cleanup;
    if (rc != LMKV_NOTFOUND) goto cleanup;
    rc = lmkv_dump_summer_finish(out, s, r);
cleanup:
    lmkv_dump_summer_free(s);
    lmkv_dump_reader_free(r);
    return rc;
}
