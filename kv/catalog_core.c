/*
 * catalog_core.c -- the lmkv.catalog table (tree name -> dbi name; the
 * layout is in catalog.c's opening comment) and the state of open trees
 * across write transactions: a tree opened or created inside a write txn
 * is pending until txn.c finishes that txn (lmkv_kv__catalog_txn_done_locked);
 * an aborted txn closes the dbis it opened, so their states are reopened on
 * next use (lmkv_kv__state_reopen) or recreated when a txn is replayed
 * (lmkv_kv__catalog_recreate). Below txn.c, which calls it at commit, abort
 * and replay, and catalog.c, which opens and drops trees.
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int lmkv_kv__check_tree(const lmkv_tree *t)
{
    if (!t || !t->st)
        return lmkv_error_set(LMKV_EINVAL, "NULL tree handle");
    if (t->st->dropped) {
        char n[80];
        lmkv_kv__hexprefix(n, sizeof n, t->st->name, t->st->name_size);
        return lmkv_error_set(LMKV_ETREE, "tree %s (hex) was dropped (sled CollectionNotFound)", n);
    }
    if (atomic_load(&t->st->need_reopen))
        return lmkv_kv__state_reopen(t->st);
    return 0;
}

static void dbi_name_for(char *out, size_t outsz, const uint8_t *name, size_t n, bool system, unsigned suffix)
{
    char p = system ? 's' : 't';
    bool printable = n >= 1 && n <= 200;
    for (size_t i = 0; printable && i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7e)
            printable = false;
    size_t o;
    if (printable) {
        o = (size_t)snprintf(out, outsz, "%c:%.*s", p, (int)n, (const char *)name);
    } else {
        o = (size_t)snprintf(out, outsz, "%c#", p);
        size_t m = n <= 100 ? n : 64;
        for (size_t i = 0; i < m; i++)
            o += (size_t)snprintf(out + o, outsz - o, "%02x", name[i]);
        if (n > 100)
            o += (size_t)snprintf(out + o, outsz - o, "~%016llx", (unsigned long long)XXH3_64bits(name, n));
    }
    if (suffix)
        snprintf(out + o, outsz - o, "~%u", suffix);
}

static void cat_key(uint8_t *buf, const void *name, size_t n, bool system)
{
    buf[0] = system ? 's' : 'u';
    if (n)
        memcpy(buf + 1, name, n);
}

/* Look up a tree in the catalog: 0 with *dbi_name malloc'd, MDB_NOTFOUND, or error. */
int lmkv_kv__cat_lookup(MDB_txn *txn, lmkv_db *db, const void *name, size_t n, bool system, char **dbi_name)
{
    uint8_t *k = malloc(n + 1);
    if (!k)
        return ENOMEM;
    cat_key(k, name, n, system);
    MDB_val v;
    int rc = lmkv_kv__raw_get(txn, db->catalog_dbi, NULL, k, n + 1, &v);
    free(k);
    if (rc)
        return rc;
    char *s = malloc(v.mv_size + 1);
    if (!s)
        return ENOMEM;
    memcpy(s, v.mv_data, v.mv_size);
    s[v.mv_size] = 0;
    *dbi_name = s;
    return 0;
}

int lmkv_kv__cat_put(MDB_txn *txn, lmkv_db *db, const void *name, size_t n, bool system, const char *dbi_name)
{
    uint8_t *k = malloc(n + 1);
    if (!k)
        return ENOMEM;
    cat_key(k, name, n, system);
    int rc = lmkv_kv__raw_put(txn, db->catalog_dbi, NULL, k, n + 1, dbi_name, strlen(dbi_name), 0);
    free(k);
    return rc;
}

int lmkv_kv__cat_del(MDB_txn *txn, lmkv_db *db, const void *name, size_t n, bool system)
{
    uint8_t *k = malloc(n + 1);
    if (!k)
        return ENOMEM;
    cat_key(k, name, n, system);
    int rc = lmkv_kv__raw_del(txn, db->catalog_dbi, NULL, k, n + 1);
    free(k);
    return rc;
}

/* Choose an unused dbi name (write txn). */
int lmkv_kv__pick_dbi_name(MDB_txn *txn, const uint8_t *name, size_t n, bool system, char **out)
{
    MDB_dbi main_dbi;
    int rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    if (rc)
        return rc;
    char buf[512];
    for (unsigned suffix = 0; suffix < 1000; suffix++) {
        dbi_name_for(buf, sizeof buf, name, n, system, suffix);
        MDB_val k = {strlen(buf), buf}, v;
        rc = mdb_get(txn, main_dbi, &k, &v);
        if (rc == MDB_NOTFOUND) {
            *out = strdup(buf);
            return *out ? 0 : ENOMEM;
        }
        if (rc)
            return rc;
    }
    return MDB_KEYEXIST;
}

/* Mark dropped and take it out of the list (tree_mu held). */
void lmkv_kv__state_kill_locked(kv_tree_state *st)
{
    lmkv_db *db = st->db;
    if (st->dropped)
        return;
    st->dropped = true;
    lmkv_kv__list_remove(db, st);
    pthread_mutex_lock(&db->ev_mu);
    lmkv_kv__subs_tree_dropped(st);
    pthread_mutex_unlock(&db->ev_mu);
    if (--st->refs == 0)
        lmkv_kv__state_free(st);
}

void lmkv_kv__catalog_txn_done_locked(lmkv_txn *tx, bool committed)
{
    for (size_t i = 0; i < tx->ncreated; i++) {
        kv_tree_state *st = tx->created[i];
        if (committed) {
            st->pending_tx = NULL;
        } else if (st->was_created || st->dropped) {
            lmkv_kv__state_kill_locked(st);   /* the tree does not exist */
        } else {
            /* An existing tree opened inside the aborted txn: LMDB closed its
             * dbi; the next use reopens it (lmkv_kv__state_reopen). */
            st->pending_tx = NULL;
            atomic_store(&st->need_reopen, true);
        }
        if (--st->refs == 0)
            lmkv_kv__state_free(st);
    }
    tx->ncreated = 0;
}

int lmkv_kv__txn_add_created(lmkv_txn *tx, kv_tree_state *st)
{
    if (tx->ncreated == tx->capcreated && LMKV_ARRAY_GROW(tx->created, tx->capcreated, tx->capcreated + 1, 4))
        return ENOMEM;
    tx->created[tx->ncreated++] = st;
    st->refs++;
    return 0;
}

int lmkv_kv__state_reopen(kv_tree_state *st)
{
    lmkv_db *db = st->db;
    int rc = 0;
    MDB_dbi dbi;
    if (!atomic_load(&st->need_reopen))
        return 0;
    if (lmkv_kv__thread_is_writer(db) && db->cur_txn && !db->cur_txn->internal) {
        lmkv_txn *tx = db->cur_txn;
        pthread_mutex_lock(&db->tree_mu);
        if (atomic_load(&st->need_reopen) && !st->dropped) {
            rc = mdb_dbi_open(tx->txn, st->dbi_name, 0, &dbi);
            if (rc == 0 && (rc = lmkv_kv__txn_add_created(tx, st)) == 0) {
                st->dbi = dbi;
                st->pending_tx = tx;
                st->was_created = false;
                atomic_store(&st->need_reopen, false);
                rc = lmkv_kv__txn_log_create(tx, st);
            }
        }
        pthread_mutex_unlock(&db->tree_mu);
    } else {
        MDB_txn *txn;
        lmkv_kv__enter(db);
        rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
        if (rc == 0) {
            pthread_mutex_lock(&db->tree_mu);
            if (atomic_load(&st->need_reopen) && !st->dropped) {
                rc = mdb_dbi_open(txn, st->dbi_name, 0, &dbi);
                if (rc == 0)
                    rc = mdb_txn_commit(txn);
                else
                    mdb_txn_abort(txn);
                if (rc == 0) {
                    st->dbi = dbi;
                    atomic_store(&st->need_reopen, false);
                }
            } else {
                mdb_txn_abort(txn);
            }
            pthread_mutex_unlock(&db->tree_mu);
        }
        lmkv_kv__leave(db);
    }
    if (rc == MDB_NOTFOUND) {
        pthread_mutex_lock(&db->tree_mu);
        lmkv_kv__state_kill_locked(st);
        pthread_mutex_unlock(&db->tree_mu);
        return lmkv_error_set(LMKV_ETREE, "tree was dropped by another process");
    }
    if (rc)
        return lmkv_kv__err_mdb(rc, "reopening a tree", st, NULL, 0);
    return 0;
}

int lmkv_kv__catalog_recreate(lmkv_txn *tx, kv_tree_state *st)
{
    lmkv_db *db = tx->db;
    int rc;
    pthread_mutex_lock(&db->tree_mu);
    rc = mdb_dbi_open(tx->txn, st->dbi_name, st->was_created ? MDB_CREATE : 0, &st->dbi);
    if (rc == 0 && st->was_created)
        rc = lmkv_kv__cat_put(tx->txn, db, st->name, st->name_size, st->system, st->dbi_name);
    st->pending_tx = tx;
    pthread_mutex_unlock(&db->tree_mu);
    return rc;
}
