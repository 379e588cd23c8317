/*
 * verify.c -- lmkv_db_verify: read every entry of every tree, user and
 * system, in one snapshot (see lmkv_kv.h). Built on kv's public calls only:
 * kv checks each record as it reads it (LMDB's page checks, the key
 * encoding, each long key's stored prefix and xxh3), so reading everything
 * is the check; this file only walks and reports.
 */
#include "lmkv_kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vtree {
    lmkv_tree *t;
    int system;
    uint64_t len;
};

void lmkv_db_verify_options_init(lmkv_db_verify_options *o)
{
    if (o) memset(o, 0, sizeof *o);
}

/* Reports one problem; returns non-zero when the walk must stop. */
static int problem(lmkv_db_verify_report *r, const lmkv_db_verify_options *o, const void *tree, size_t tlen,
                   int system, int code, const char *msg)
{
    r->problems++;
    int stop = 0;
    if (o->on_problem) {
        lmkv_db_verify_problem p = {tree, tlen, system, code, msg};
        stop = o->on_problem(o->ctx, &p);
    }
    if (o->max_problems && r->problems >= o->max_problems) stop = 1;
    if (stop) r->stopped = 1;
    return stop;
}

int lmkv_db_verify(lmkv_db_verify_report *out, lmkv_db *db, const lmkv_db_verify_options *opts)
{
    lmkv_db_verify_options dflt;
    lmkv_db_verify_options_init(&dflt);
    const lmkv_db_verify_options *o = opts ? opts : &dflt;
    lmkv_db_verify_report r;
    memset(&r, 0, sizeof r);
    if (!db) return lmkv_error_set(LMKV_EINVAL, "lmkv_db_verify: NULL database");
    lmkv_bytes_array names[2] = {{NULL, 0}, {NULL, 0}};
    struct vtree *trees = NULL;
    size_t ntrees = 0;
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    char msg[1200];
    int rc;
    if ((rc = lmkv_db_tree_names(&names[0], db)) != LMKV_OK ||
        (rc = lmkv_db_system_tree_names(&names[1], db)) != LMKV_OK) {
        lmkv_error_wrap(rc, "verify: listing trees");
        goto cleanup;
    }
    size_t want = names[0].count + names[1].count + 1;
    if (!(trees = calloc(want, sizeof *trees))) {
        rc = lmkv_error_set(LMKV_ENOMEM, "verify: out of memory for %zu trees", want);
        goto cleanup;
    }
    /* Open every tree first: a tree whose catalog entry or dbi cannot be
     * opened is a problem of its own; the others are read below. */
    for (int sys = 0; sys < 2; sys++) {
        for (size_t i = 0; i < names[sys].count; i++) {
            const lmkv_bytes *nm = &names[sys].items[i];
            lmkv_tree *t = NULL;
            rc = lmkv_db_open_tree_ex(&t, db, nm->data, nm->size, (sys ? LMKV_TREE_SYSTEM : 0) | LMKV_TREE_NO_CREATE);
            if (rc == LMKV_NOTFOUND) continue; /* dropped since the listing */
            if (rc != LMKV_OK) {
                if (rc == LMKV_ENOMEM) goto cleanup;
                const char *m = lmkv_errmsg();
                snprintf(msg, sizeof msg, "opening the tree: %s", m && *m ? m : lmkv_strerror(rc));
                if (problem(&r, o, nm->data, nm->size, sys, rc, msg)) { rc = LMKV_OK; goto done; }
                continue;
            }
            trees[ntrees].t = t;
            trees[ntrees].system = sys;
            lmkv_tree_len(&trees[ntrees].len, t);
            r.total_entries += trees[ntrees].len;
            ntrees++;
        }
    }
    if ((rc = lmkv_txn_begin(&txn, db, LMKV_TXN_READ_ONLY)) != LMKV_OK) {
        lmkv_error_wrap(rc, "verify: beginning the read transaction");
        goto cleanup;
    }
    for (size_t i = 0; i < ntrees; i++) {
        size_t nlen = 0;
        const void *name = lmkv_tree_name(trees[i].t, &nlen);
        if (o->on_tree) o->on_tree(o->ctx, name, nlen, trees[i].system);
        lmkv_pair p;
        uint64_t seen = 0;
        rc = lmkv_txn_iter(&it, txn, trees[i].t);
        while (rc == LMKV_OK && (rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
            seen++;
            r.entries++;
            if (o->on_progress && (r.entries & 4095) == 0) o->on_progress(o->ctx, r.entries, r.total_entries);
        }
        lmkv_iter_free(it);
        it = NULL;
        if (rc == LMKV_NOTFOUND) { r.trees++; continue; }
        if (rc != LMKV_ECORRUPT && rc != LMKV_ECOLLISION) {
            lmkv_error_wrap(rc, "verify: reading tree entry %llu", (unsigned long long)seen + 1);
            goto cleanup;
        }
        r.trees++;
        const char *m = lmkv_errmsg();
        snprintf(msg, sizeof msg, "reading entry %llu: %s", (unsigned long long)seen + 1,
                 m && *m ? m : lmkv_strerror(rc));
        if (problem(&r, o, name, nlen, trees[i].system, rc, msg)) break;
    }
done:
    if (o->on_progress) o->on_progress(o->ctx, r.entries, r.total_entries);
    rc = r.problems ? lmkv_error_set(LMKV_ECORRUPT, "verify: %llu problem%s in %llu trees",
                                     (unsigned long long)r.problems, r.problems == 1 ? "" : "s",
                                     (unsigned long long)r.trees)
                    : LMKV_OK;
cleanup:
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    for (size_t i = 0; i < ntrees; i++) lmkv_tree_close(trees[i].t);
    free(trees);
    lmkv_bytes_array_free(&names[0]);
    lmkv_bytes_array_free(&names[1]);
    if (out) *out = r;
    return rc;
}
