/*
 * catalog.c -- tree names (any bytes) -> LMDB sub-database (dbi) names,
 * user and system namespaces, open/drop of trees, tree handles.
 *
 * The database is a plain LMDB environment that Debian's mdb_stat -a and
 * mdb_dump -l/-s can read. Its named sub-databases:
 *
 *   dbi name                         contents
 *   -------------------------------  ---------------------------------------------
 *   lmkv.meta                        "format_version" -> u64 LE (LMKV_FORMAT_VERSION)
 *                                    "id_hw" -> u64 LE (generate_id reservation mark)
 *   lmkv.catalog                     E(ns name) -> dbi name (ASCII, no NUL);
 *                                    ns = 'u' user tree, 's' system tree;
 *                                    E = the key encoding of key_codec.c
 *   t:<name>                         user tree whose name is 1..200 bytes of
 *                                    printable ASCII (0x20..0x7e), e.g.
 *                                    t:__sled__default (the default tree)
 *   t#<hex>                          other user tree names of 0..100 bytes, hex
 *                                    (the empty name is "t#")
 *   t#<hex of first 64 bytes>~<xxh3 hex>[~N]   longer names (N makes it unique)
 *   s:<name> / s#<hex> / s#..~..     system trees, same rules
 *
 * Keys and values inside a tree's dbi use key_codec.c's encoding. The
 * catalog is the source of truth; dbi names are only readable labels.
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define NAME_MAX_BYTES (64u * 1024u)

static const char DEFAULT_NAME[] = "__sled__default";


















/* Open or create a tree inside the write txn tx held by this thread. */
static int open_in_txn(kv_tree_state **out, lmkv_txn *tx, const void *name, size_t n, bool system, bool create)
{
    lmkv_db *db = tx->db;
    char *dn = NULL;
    MDB_dbi dbi;
    int rc;
    bool created = false;
again:
    created = false;
    pthread_mutex_lock(&db->tree_mu);
    kv_tree_state *st = lmkv_kv__find_live(db, name, n, system);
    if (st) {
        st->refs++;
        pthread_mutex_unlock(&db->tree_mu);
        if ((rc = lmkv_kv__state_reopen(st))) {
            lmkv_kv__tree_state_unref(st);
            return rc;
        }
        *out = st;
        return 0;
    }
    rc = lmkv_kv__cat_lookup(tx->txn, db, name, n, system, &dn);
    if (rc == MDB_NOTFOUND) {
        if (!create) {
            rc = LMKV_NOTFOUND;
            goto cleanup;
        }
        if ((rc = lmkv_kv__pick_dbi_name(tx->txn, name, n, system, &dn)))
            goto cleanup;
        created = true;
    } else if (rc) {
        goto cleanup;
    }
    rc = mdb_dbi_open(tx->txn, dn, created ? MDB_CREATE : 0, &dbi);
    if (rc == 0 && created)
        rc = lmkv_kv__cat_put(tx->txn, db, name, n, system, dn);
    if (rc)
        goto cleanup;
    if ((rc = lmkv_kv__state_new(&st, db, name, n, system, dbi, dn))) {
        dn = NULL;
        goto cleanup;
    }
    dn = NULL;
    st->pending_tx = tx;
    st->was_created = created;
    if (lmkv_kv__txn_add_created(tx, st)) {
        rc = ENOMEM;
        goto cleanup;
    }
    if ((rc = lmkv_kv__txn_log_create(tx, st)))
        goto cleanup;
    st->refs++;
    *out = st;
cleanup:
    free(dn);
    dn = NULL;
    pthread_mutex_unlock(&db->tree_mu);
    if (rc == MDB_MAP_FULL) {
        if (tx->internal)
            return rc; /* lmkv_kv__write grows the map and reruns */
        if ((rc = lmkv_kv__txn_map_full(tx, 1 << 20)) == 0)
            goto again;
        return rc;
    }
    if (rc && rc != LMKV_NOTFOUND && rc > -30900)
        rc = lmkv_kv__err_mdb(rc, "opening a tree", NULL, name, n);
    else if (rc == LMKV_NOTFOUND)
        lmkv_error_set(rc, "no such %s tree", system ? "system" : "user");
    return rc;
}

typedef struct create_ctx {
    const void *name;
    size_t n;
    bool system;
    kv_tree_state *st;
} create_ctx;

static int create_fn(lmkv_txn *tx, void *p)
{
    create_ctx *c = p;
    if (c->st) {
        lmkv_kv__tree_state_unref(c->st);
        c->st = NULL;
    }
    int rc = open_in_txn(&c->st, tx, c->name, c->n, c->system, true);
    if (rc == 0)
        return 0;
    return rc;
}

int lmkv_kv__tree_state_get(kv_tree_state **out, lmkv_db *db, const void *name, size_t n, bool system, unsigned flags)
{
    int rc;
    char *dn = NULL;
    MDB_txn *txn = NULL;
    bool create = !(flags & LMKV_TREE_NO_CREATE) && !db->read_only;

    pthread_mutex_lock(&db->tree_mu);
    kv_tree_state *st = lmkv_kv__find_live(db, name, n, system);
    if (st)
        st->refs++;
    pthread_mutex_unlock(&db->tree_mu);
    if (st) {
        if ((rc = lmkv_kv__state_reopen(st))) {
            lmkv_kv__tree_state_unref(st);
            return rc;
        }
        *out = st;
        return 0;
    }
    if (lmkv_kv__member_wants_alone(db)) /* a grouped transaction closure: rerun alone */
        return lmkv_error_set(LMKV_EBUSY, "opening a tree inside a grouped transaction (it reruns alone)");
    if (lmkv_kv__thread_is_writer(db)) {
        lmkv_txn *cur = db->cur_txn;
        if (!cur || cur->internal)
            return lmkv_error_set(LMKV_EBUSY, "opening a tree from inside a write callback");
        return open_in_txn(out, cur, name, n, system, create);
    }
    /* Existing tree: open its dbi in a read txn and commit it (env-wide handle). */
    for (int tries = 0;; tries++) {
        lmkv_kv__enter(db);
        rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
        if (rc == 0)
            break;
        lmkv_kv__leave(db);
        if (rc == MDB_MAP_RESIZED && tries < 5 && lmkv_kv__adopt_mapsize(db) == 0)
            continue;
        return lmkv_kv__err_mdb(rc, "opening a tree", NULL, name, n);
    }
    pthread_mutex_lock(&db->tree_mu);
    st = lmkv_kv__find_live(db, name, n, system);
    if (st) {
        st->refs++;
        pthread_mutex_unlock(&db->tree_mu);
        mdb_txn_abort(txn);
        lmkv_kv__leave(db);
        *out = st;
        return 0;
    }
    rc = lmkv_kv__cat_lookup(txn, db, name, n, system, &dn);
    if (rc == 0) {
        MDB_dbi dbi;
        rc = mdb_dbi_open(txn, dn, 0, &dbi);
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        txn = NULL;
        if (rc == 0 && (rc = lmkv_kv__state_new(&st, db, name, n, system, dbi, dn)) == 0)
            st->refs++;
        dn = NULL;
        pthread_mutex_unlock(&db->tree_mu);
        lmkv_kv__leave(db);
        if (rc)
            return rc <= -30900 ? rc : lmkv_kv__err_mdb(rc, "opening a tree", NULL, name, n);
        *out = st;
        return 0;
    }
    pthread_mutex_unlock(&db->tree_mu);
    mdb_txn_abort(txn);
    lmkv_kv__leave(db);
    if (rc != MDB_NOTFOUND)
        return lmkv_kv__err_mdb(rc, "reading the catalog", NULL, name, n);
    if (!create) {
        char h[80];
        lmkv_kv__hexprefix(h, sizeof h, name, n);
        return lmkv_error_set(LMKV_NOTFOUND, "%s: no %s tree named %s (hex)%s", db->path,
                              system ? "system" : "user", h, db->read_only ? " (database opened read-only)" : "");
    }
    create_ctx c = {name, n, system, NULL};
    rc = lmkv_kv__write(db, create_fn, &c);
    if (rc) {
        if (c.st)
            lmkv_kv__tree_state_unref(c.st);
        return rc;
    }
    *out = c.st;
    return 0;
}

int lmkv_kv__tree_handle_new(lmkv_tree **out, lmkv_db *db, kv_tree_state *st)
{
    lmkv_tree *t = calloc(1, sizeof *t);
    if (!t) {
        lmkv_kv__tree_state_unref(st);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    t->db = db;
    t->st = st;
    *out = t;
    return 0;
}

int lmkv_db_open_tree_ex(lmkv_tree **out, lmkv_db *db, const void *name, size_t n, unsigned flags)
{
    if (!out || !db || (!name && n) || (flags & ~(LMKV_TREE_SYSTEM | LMKV_TREE_NO_CREATE)))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_open_tree: NULL argument or unknown flags 0x%x", flags);
    if (n > NAME_MAX_BYTES)
        return lmkv_error_set(LMKV_EINVAL, "tree name of %zu bytes is over the %u-byte limit", n, NAME_MAX_BYTES);
    kv_tree_state *st;
    bool ro = db->core != NULL;
    if (ro)
        flags |= LMKV_TREE_NO_CREATE;
    db = kv_core(db);
    int rc = lmkv_kv__tree_state_get(&st, db, name, n, (flags & LMKV_TREE_SYSTEM) != 0, flags);
    if (rc)
        return rc;
    if ((rc = lmkv_kv__tree_handle_new(out, db, st)))
        return rc;
    (*out)->ro = ro;
    return 0;
}

int lmkv_db_open_tree(lmkv_tree **out, lmkv_db *db, const void *name, size_t n)
{
    return lmkv_db_open_tree_ex(out, db, name, n, 0);
}

int lmkv_db_open_system_tree(lmkv_tree **out, lmkv_db *db, const void *name, size_t n)
{
    return lmkv_db_open_tree_ex(out, db, name, n, LMKV_TREE_SYSTEM);
}

void lmkv_tree_close(lmkv_tree *t)
{
    if (!t || t->borrowed)
        return;
    lmkv_kv__tree_state_unref(t->st);
    free(t);
}

const void *lmkv_tree_name(const lmkv_tree *t, size_t *out_size)
{
    if (!t) {
        if (out_size)
            *out_size = 0;
        return NULL;
    }
    if (out_size)
        *out_size = t->st->name_size;
    return t->st->name;
}

int lmkv_tree_is_system(const lmkv_tree *t) { return t && t->st->system ? 1 : 0; }

const char *lmkv_tree_dbi_name(const lmkv_tree *t) { return t ? t->st->dbi_name : NULL; }

/* ------------------------------------------------------------ drop */

static int drop_tree(int *out_existed, lmkv_db *db, const void *name, size_t n, bool system)
{
    int rc;
    MDB_txn *txn = NULL;
    char *dn = NULL;
    if (!db || (!name && n))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_drop_tree: NULL argument");
    if (db->core)
        return lmkv_kv__readonly_alias_err(db, "drop_tree");
    if (!system && n == sizeof DEFAULT_NAME - 1 && memcmp(name, DEFAULT_NAME, n) == 0)
        return lmkv_error_set(LMKV_EINVAL, "cannot drop the default tree %s (cannot remove the core structures)", DEFAULT_NAME);
    if (db->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "%s: drop_tree on a read-only database", db->path);
    if (lmkv_kv__thread_is_writer(db))
        return lmkv_error_set(LMKV_EBUSY, "drop_tree while this thread holds a write transaction");
    /* mdb_drop(del=1) closes the dbi in the whole env at once: no other
     * transaction of this process may be using it, so quiesce. */
    for (int attempt = 0;; attempt++) {
        if ((rc = lmkv_kv__quiesce(db)))
            return rc;
        rc = mdb_txn_begin(db->env, NULL, 0, &txn);
        if (rc == MDB_MAP_RESIZED) {
            mdb_env_set_mapsize(db->env, 0);
            rc = mdb_txn_begin(db->env, NULL, 0, &txn);
        }
        if (rc) {
            lmkv_kv__unquiesce(db);
            return lmkv_kv__err_mdb(rc, "drop_tree", NULL, name, n);
        }
        rc = lmkv_kv__cat_lookup(txn, db, name, n, system, &dn);
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(txn);
            lmkv_kv__unquiesce(db);
            if (out_existed)
                *out_existed = 0;
            return 0;
        }
        if (rc)
            goto fail;
        pthread_mutex_lock(&db->tree_mu);
        kv_tree_state *st = lmkv_kv__find_live(db, name, n, system);
        MDB_dbi dbi;
        if (st)
            dbi = st->dbi;
        else
            rc = mdb_dbi_open(txn, dn, 0, &dbi);
        if (rc == 0)
            rc = mdb_drop(txn, dbi, 1);
        if (rc == 0 && st)
            lmkv_kv__state_kill_locked(st);   /* the dbi is closed now whatever happens */
        if (rc == 0)
            rc = lmkv_kv__cat_del(txn, db, name, n, system);
        if (rc == 0) {
            rc = mdb_txn_commit(txn);
            txn = NULL;
        }
        pthread_mutex_unlock(&db->tree_mu);
        free(dn);
        dn = NULL;
        if (rc == MDB_MAP_FULL && attempt < 10) {
            if (txn)
                mdb_txn_abort(txn);
            txn = NULL;
            MDB_envinfo info;
            mdb_env_info(db->env, &info);
            mdb_env_set_mapsize(db->env, info.me_mapsize * 2);
            lmkv_kv__unquiesce(db);
            continue;
        }
        if (rc)
            goto fail;
        lmkv_kv__unquiesce(db);
        if (out_existed)
            *out_existed = 1;
        return 0;
    }
fail:
    if (txn)
        mdb_txn_abort(txn);
    free(dn);
    lmkv_kv__unquiesce(db);
    return lmkv_kv__err_mdb(rc, "drop_tree", NULL, name, n);
}

int lmkv_db_drop_tree(int *out_existed, lmkv_db *db, const void *name, size_t n)
{
    return drop_tree(out_existed, db, name, n, false);
}

int lmkv_db_drop_system_tree(int *out_existed, lmkv_db *db, const void *name, size_t n)
{
    return drop_tree(out_existed, db, name, n, true);
}

/* ------------------------------------------------------------ names */

int lmkv_kv__catalog_names(lmkv_bytes_array *out, lmkv_db *db, MDB_txn *txn, bool system)
{
    kv_lcur c;
    lmkv_bytes_array a = {0};
    size_t cap = 0;
    int rc = lmkv_kv__lc_open(&c, txn, db->catalog_dbi, NULL);
    if (rc)
        return lmkv_kv__err_mdb(rc, "reading the catalog", NULL, NULL, 0);
    uint8_t ns = system ? 's' : 'u';
    for (rc = lmkv_kv__lc_seek_ge(&c, &ns, 1); rc == 0; rc = lmkv_kv__lc_next(&c)) {
        const lmkv_pair *p = kv_lc_cur(&c);
        if (p->key_size < 1 || p->key[0] != ns)
            break;
        if (a.count == cap && LMKV_ARRAY_GROW(a.items, cap, cap + 1, 16)) { rc = ENOMEM; break; }
        if ((rc = lmkv_kv__bytes_dup(&a.items[a.count], p->key + 1, p->key_size - 1)))
            break;
        a.count++;
    }
    lmkv_kv__lc_close(&c);
    if (rc != MDB_NOTFOUND && rc != 0) {
        lmkv_bytes_array_free(&a);
        return rc <= -30900 ? rc : lmkv_kv__err_mdb(rc, "reading the catalog", NULL, NULL, 0);
    }
    *out = a;
    return 0;
}

static int names(lmkv_bytes_array *out, lmkv_db *db, bool system)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "tree_names: NULL argument");
    db = kv_core(db);
    MDB_txn *txn;
    int rc = lmkv_kv__rtxn_get(db, &txn);
    if (rc)
        return rc;
    rc = lmkv_kv__catalog_names(out, db, txn, system);
    lmkv_kv__rtxn_put(db, txn);
    return rc;
}

int lmkv_db_tree_names(lmkv_bytes_array *out, lmkv_db *db) { return names(out, db, false); }
int lmkv_db_system_tree_names(lmkv_bytes_array *out, lmkv_db *db) { return names(out, db, true); }
