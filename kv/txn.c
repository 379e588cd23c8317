/*
 * txn.c -- lmkv transactions on LMDB: the internal write path used by every
 * tree call, group commit, and the public lmkv_txn_* API (explicit
 * transactions over several trees). The quiesce gate, the read-txn pool and
 * map growth it relies on are env.c's; the replay log is txlog.c's.
 *
 * Map growth (LMDB limit hidden from the user): a write that fails with
 * MDB_MAP_FULL aborts its LMDB txn, waits until no other transaction of this
 * process is active (lmkv_kv__quiesce), calls mdb_env_set_mapsize with a larger
 * size, and retries. Internal writes simply rerun; an explicit lmkv_txn keeps
 * a log of its writes and replays it into a fresh LMDB txn -- but only if no
 * other process committed in between (else the txn is poisoned with
 * LMKV_ECONFLICT, because its earlier reads may be stale; lmkv_db_transaction
 * then reruns its callback).
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static _Thread_local lmkv_db *tls_group_cb; /* running a write group member's fn (on this db) for its leader */
static _Thread_local lmkv_txn *tls_member_tx; /* the grouped lmkv_db_transaction member whose fn runs here */

/* ------------------------------------------------------------ events */

static void kv_evlist_clear(kv_evlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->ev[i].key);
        free(l->ev[i].val);
    }
    free(l->ev);
    memset(l, 0, sizeof *l);
}

static int kv_evlist_add(kv_evlist *l, kv_tree_state *st, int type, const void *k, size_t kn, const void *v, size_t vn)
{
    if (l->n == l->cap && LMKV_ARRAY_GROW(l->ev, l->cap, l->cap + 1, 8))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory recording an event");
    kv_event *e = &l->ev[l->n];
    memset(e, 0, sizeof *e);
    e->st = st;
    e->type = type;
    if (lmkv_kv__mem_dup(&e->key, k, kn))
        return LMKV_ENOMEM;
    e->key_size = kn;
    if (type == LMKV_EVENT_INSERT) {
        if (lmkv_kv__mem_dup(&e->val, v, vn)) {
            free(e->key);
            return LMKV_ENOMEM;
        }
        e->val_size = vn;
        e->has_val = true;
    }
    l->n++;
    return 0;
}

/* ------------------------------------------------------------ txn core */

/* Abort tx's LMDB txn; LMDB closes dbis opened in it, so under tree_mu. */
static void lmdb_abort(lmkv_txn *tx)
{
    if (!tx->txn)
        return;
    if (tx->ncreated) {
        pthread_mutex_lock(&tx->db->tree_mu);
        mdb_txn_abort(tx->txn);
        pthread_mutex_unlock(&tx->db->tree_mu);
    } else {
        mdb_txn_abort(tx->txn);
    }
    tx->txn = NULL;
}

static int begin_lmdb_write(lmkv_db *db, MDB_txn **out)
{
    int tries = 0;
    for (;;) {
        lmkv_kv__enter(db);
        int rc = mdb_txn_begin(db->env, NULL, 0, out);
        if (rc == 0)
            return 0;
        lmkv_kv__leave(db);
        if (rc == MDB_MAP_RESIZED && tries++ < 5) {
            if ((rc = lmkv_kv__adopt_mapsize(db)))
                return rc;
            continue;
        }
        return lmkv_kv__err_mdb(rc, "beginning a write transaction", NULL, NULL, 0);
    }
}

/* Replace tx's LMDB txn after MDB_MAP_FULL: abort, grow, begin, replay. */
static int txn_replay(lmkv_txn *tx, size_t need)
{
    lmkv_db *db = tx->db;
    MDB_txn *old = tx->txn;
    size_t old_id = old ? mdb_txn_id(old) : tx->lmdb_id;
    int rc;
    if (tx->log_overflow) {
        tx->poisoned = true;
        return lmkv_error_set(LMKV_EFULL, "map full inside a transaction of more than %zu bytes of writes; the map was grown, retry the transaction",
                              LOG_MAX_BYTES);
    }
    lmdb_abort(tx);
    tx->epoch++;
    tx->wgen++;
    lmkv_kv__txn_leave(tx);
    for (int attempt = 0; attempt < 30; attempt++) {
        if ((rc = lmkv_kv__grow(db, need)))
            goto fail;
        if ((rc = begin_lmdb_write(db, &tx->txn)))
            goto fail;
        lmkv_kv__txn_entered(tx);
        lmkv_kv__set_writer(db, tx); /* another writer may have recorded itself meanwhile */
        tx->lmdb_id = mdb_txn_id(tx->txn);
        if (mdb_txn_id(tx->txn) != old_id) {
            tx->conflict = true;
            rc = lmkv_error_set(LMKV_ECONFLICT, "the map had to grow during the transaction and another writer committed meanwhile; retry the transaction");
            goto fail;
        }
        rc = 0;
        for (size_t i = 0; i < tx->nlog && rc == 0; i++) {
            kv_op *o = &tx->log[i];
            switch (o->op) {
            case KV_OP_CREATE_TREE:
                rc = lmkv_kv__catalog_recreate(tx, o->st);
                break;
            case KV_OP_PUT:
                rc = lmkv_kv__raw_put(tx->txn, o->st->dbi, o->st, tx->logb + o->key_off, o->key_size,
                                tx->logb + o->val_off, o->val_size, 0);
                break;
            case KV_OP_PUT_APPEND:
                rc = lmkv_kv__raw_put(tx->txn, o->st->dbi, o->st, tx->logb + o->key_off, o->key_size,
                                tx->logb + o->val_off, o->val_size, MDB_APPEND);
                break;
            case KV_OP_DEL:
                rc = lmkv_kv__raw_del(tx->txn, o->st->dbi, o->st, tx->logb + o->key_off, o->key_size);
                if (rc == MDB_NOTFOUND)
                    rc = 0;
                break;
            case KV_OP_CLEAR:
                rc = mdb_drop(tx->txn, o->st->dbi, 0);
                break;
            }
        }
        if (rc == 0)
            return 0;
        if (rc != MDB_MAP_FULL) {
            rc = lmkv_kv__err_mdb(rc, "replaying a transaction on a grown map", NULL, NULL, 0);
            goto fail;
        }
        lmdb_abort(tx);
        lmkv_kv__txn_leave(tx);
    }
    rc = lmkv_error_set(LMKV_EFULL, "map full: growing did not make room");
fail:
    tx->poisoned = true;
    return rc;
}

/* Handle a write error: MAP_FULL -> replay (explicit) or pass up (internal). */
static int write_err(lmkv_txn *tx, int rc, size_t need, bool *retry)
{
    *retry = false;
    if (rc == MDB_MAP_FULL) {
        if (tx->internal) {
            tx->map_full = true;
            return MDB_MAP_FULL;
        }
        int r = txn_replay(tx, need);
        if (r == 0) {
            *retry = true;
            return 0;
        }
        return r;
    }
    return rc;
}

int lmkv_kv__txn_check_tree(lmkv_txn *tx, const lmkv_tree *t)
{
    if (!t || !tx)
        return lmkv_error_set(LMKV_EINVAL, "NULL transaction or tree");
    if (t->db != tx->db)
        return lmkv_error_set(LMKV_EINVAL, "tree belongs to another database than the transaction");
    int rc = lmkv_kv__check_tree(t);
    if (rc)
        return rc;
    if (t->st->pending_tx && t->st->pending_tx != tx)
        return lmkv_error_set(LMKV_ETREE, "tree is being created by another, uncommitted transaction");
    return 0;
}

/* Put when the caller already looked the key up: cur is its current value
 * or NULL when absent (no second lookup on the hot path). */
int lmkv_kv__txn_put_cur(lmkv_txn *tx, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn,
                   const MDB_val *cur)
{
    int rc;
    bool retry;
    if (!v)
        v = "";
    if (cur && cur->mv_size == vn && (vn == 0 || memcmp(cur->mv_data, v, vn) == 0))
        return 0; /* no-op: nothing written, no event */
again:
    rc = lmkv_kv__raw_put(tx->txn, st->dbi, st, k, kn, v, vn, 0);
    if (rc) {
        rc = write_err(tx, rc, kn + vn + 4096, &retry);
        if (retry)
            goto again;
        return rc;
    }
    tx->wgen++;
    if (atomic_load(&st->nsubs) > 0 && (rc = kv_evlist_add(&tx->events, st, LMKV_EVENT_INSERT, k, kn, v, vn)))
        return rc;
    return lmkv_kv__log_op(tx, KV_OP_PUT, st, k, kn, v, vn);
}

int lmkv_kv__txn_put(lmkv_txn *tx, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn,
               unsigned flags, bool *out_changed)
{
    int rc;
    bool retry;
    if (out_changed)
        *out_changed = false;
    if (!v)
        v = "";
    if (flags & LMKV_INSERT_APPEND) {
again:
        rc = lmkv_kv__raw_put(tx->txn, st->dbi, st, k, kn, v, vn, MDB_APPEND);
        if (rc == MDB_KEYEXIST) {
            char h[80];
            lmkv_kv__hexprefix(h, sizeof h, k, kn);
            return lmkv_error_set(LMKV_EINVAL, "append: key %s is not greater than every key in the tree", h);
        }
        if (rc) {
            rc = write_err(tx, rc, kn + vn + 4096, &retry);
            if (retry)
                goto again;
            return rc;
        }
        tx->wgen++;
        if (out_changed)
            *out_changed = true;
        return lmkv_kv__log_op(tx, KV_OP_PUT_APPEND, st, k, kn, v, vn);
    }
    MDB_val cur;
    uint64_t gen = tx->wgen;
    kv_enc e;
    lmkv_kv__key_encode(&e, k, kn);
    if (!e.is_long) {
        /* One B+tree descent: MDB_NOOVERWRITE inserts a new key (most
         * writes: the store's records and index entries are new keys), and
         * for an existing one LMDB returns its value instead of writing,
         * which the no-op check below needs. A lookup first cost a second
         * descent per write (~15% of a large file's re-index). */
        MDB_val mk = {e.size, e.buf};
again_new:
        cur.mv_size = vn;
        cur.mv_data = (void *)v;
        rc = mdb_put(tx->txn, st->dbi, &mk, &cur, MDB_NOOVERWRITE);
        if (rc == 0) {
            tx->wgen++;
            if (out_changed)
                *out_changed = true;
            if (atomic_load(&st->nsubs) > 0 && (rc = kv_evlist_add(&tx->events, st, LMKV_EVENT_INSERT, k, kn, v, vn)))
                return rc;
            return lmkv_kv__log_op(tx, KV_OP_PUT, st, k, kn, v, vn);
        }
        if (rc != MDB_KEYEXIST) {
            rc = write_err(tx, rc, kn + vn + 4096, &retry);
            if (retry)
                goto again_new;
            return rc;
        }
        rc = 0; /* cur: the stored value */
    } else {
        rc = lmkv_kv__raw_get(tx->txn, st->dbi, st, k, kn, &cur);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    rc = lmkv_kv__txn_put_cur(tx, st, k, kn, v, vn, rc == 0 ? &cur : NULL);
    if (rc == 0 && out_changed)
        *out_changed = tx->wgen != gen;
    return rc;
}

int lmkv_kv__txn_del(lmkv_txn *tx, kv_tree_state *st, const void *k, size_t kn)
{
    int rc;
    bool retry;
again:
    rc = lmkv_kv__raw_del(tx->txn, st->dbi, st, k, kn);
    if (rc == MDB_NOTFOUND)
        return LMKV_NOTFOUND;
    if (rc) {
        rc = write_err(tx, rc, 4096, &retry);
        if (retry)
            goto again;
        return rc;
    }
    tx->wgen++;
    if (atomic_load(&st->nsubs) > 0 && (rc = kv_evlist_add(&tx->events, st, LMKV_EVENT_REMOVE, k, kn, NULL, 0)))
        return rc;
    return lmkv_kv__log_op(tx, KV_OP_DEL, st, k, kn, NULL, 0);
}

int lmkv_kv__txn_clear(lmkv_txn *tx, kv_tree_state *st)
{
    int rc;
    bool retry;
    if (atomic_load(&st->nsubs) > 0) {
        kv_lcur c;
        if ((rc = lmkv_kv__lc_open(&c, tx->txn, st->dbi, st)))
            return rc;
        for (rc = lmkv_kv__lc_first(&c); rc == 0; rc = lmkv_kv__lc_next(&c)) {
            const lmkv_pair *p = kv_lc_cur(&c);
            if ((rc = kv_evlist_add(&tx->events, st, LMKV_EVENT_REMOVE, p->key, p->key_size, NULL, 0)))
                break;
        }
        lmkv_kv__lc_close(&c);
        if (rc != MDB_NOTFOUND)
            return rc;
    }
again:
    rc = mdb_drop(tx->txn, st->dbi, 0);
    if (rc) {
        rc = write_err(tx, rc, 4096, &retry);
        if (retry)
            goto again;
        return rc;
    }
    tx->wgen++;
    return lmkv_kv__log_op(tx, KV_OP_CLEAR, st, NULL, 0, NULL, 0);
}

/* Raise lmkv.meta's id_hw to *p (never lowers it). */
static int ids_persist_fn(lmkv_txn *tx, void *p)
{
    uint64_t next = *(const uint64_t *)p, hw = 0;
    int rc = lmkv_kv__meta_get_u64(tx->txn, tx->db->meta_dbi, "id_hw", &hw);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (hw >= next)
        return 0;
    return lmkv_kv__meta_put_u64(tx->txn, tx->db->meta_dbi, "id_hw", next);
}

int lmkv_kv__ids_persist(lmkv_db *db, uint64_t hw)
{
    return lmkv_kv__write(db, ids_persist_fn, &hw);
}

int lmkv_kv__txn_map_full(lmkv_txn *tx, size_t need)
{
    return txn_replay(tx, need);
}

static int kv_txn_begin_int(lmkv_txn **out, lmkv_db *db, unsigned flags, bool internal)
{
    int rc;
    lmkv_txn *tx = calloc(1, sizeof *tx);
    if (!tx)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    tx->db = db;
    tx->internal = internal;
    if (flags & LMKV_TXN_READ_ONLY) {
        tx->rdonly = true;
        if ((rc = lmkv_kv__rtxn_get(db, &tx->txn)))
            goto fail;
        lmkv_kv__txn_entered(tx);
        *out = tx;
        return 0;
    }
    if (db->read_only) {
        rc = lmkv_error_set(LMKV_EREADONLY, "%s: write transaction on a read-only database", db->path);
        goto fail;
    }
    if (tls_group_cb == db || lmkv_kv__thread_is_writer(db)) {
        rc = lmkv_error_set(LMKV_EBUSY, "%s: this thread already holds a write transaction on this database (LMDB allows one writer; use lmkv_txn_* calls on it)", db->path);
        goto fail;
    }
    if ((rc = begin_lmdb_write(db, &tx->txn)))
        goto fail;
    lmkv_kv__txn_entered(tx);
    tx->lmdb_id = mdb_txn_id(tx->txn);
    lmkv_kv__set_writer(db, tx);
    *out = tx;
    return 0;
fail:
    free(tx);
    return rc;
}

static void txn_free(lmkv_txn *tx)
{
    free(tx->created);
    kv_evlist_clear(&tx->events);
    lmkv_kv__log_free(tx);
    free(tx);
}


static void kv_txn_abort_int(lmkv_txn *tx)
{
    if (!tx)
        return;
    lmkv_db *db = tx->db;
    if (tx->rdonly) {
        if (tx->txn) {
            if (tx->is_reset) {
                mdb_txn_abort(tx->txn);
            } else {
                lmkv_kv__rtxn_release(db, tx->txn);
                lmkv_kv__txn_leave(tx);
            }
        }
        if (tx->entered)
            lmkv_kv__txn_leave(tx);
        txn_free(tx);
        return;
    }
    lmdb_abort(tx);
    if (tx->ncreated) {
        pthread_mutex_lock(&db->tree_mu);
        lmkv_kv__catalog_txn_done_locked(tx, false);
        pthread_mutex_unlock(&db->tree_mu);
    }
    lmkv_kv__clear_writer(db, tx);
    if (tx->entered)
        lmkv_kv__txn_leave(tx);
    if (tx->pending_id_hw)
        lmkv_kv__ids_persist(db, tx->pending_id_hw);
    txn_free(tx);
}

/* A failed commit's code. LMDB reports a short write as EIO, which is how a
 * full disk (ENOSPC part-way through a write) or the file size limit
 * (RLIMIT_FSIZE, EFBIG) usually surfaces: tell those apart as LMKV_EFULL,
 * as the header promises for "disk full". */
static int commit_error(lmkv_db *db, int rc)
{
    int fd;
    if ((rc == EIO || rc == ENOSPC || rc == EFBIG) && mdb_env_get_fd(db->env, &fd) == 0) {
        struct statvfs vs;
        struct stat sb;
        struct rlimit rl;
        if (fstatvfs(fd, &vs) == 0 && (uint64_t)vs.f_bavail * vs.f_frsize < (1u << 20))
            return lmkv_error_set(LMKV_EFULL, "committing: %s: the file system is full (%llu bytes free): %s",
                                  db->path, (unsigned long long)vs.f_bavail * vs.f_frsize, strerror(rc));
        if (fstat(fd, &sb) == 0 && getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (uint64_t)sb.st_size + (1u << 20) >= (uint64_t)rl.rlim_cur)
            return lmkv_error_set(LMKV_EFULL, "committing: %s: data.mdb reached the file size limit (RLIMIT_FSIZE %llu bytes): %s",
                                  db->path, (unsigned long long)rl.rlim_cur, strerror(rc));
    }
    return lmkv_kv__err_mdb(rc, "committing", NULL, NULL, 0);
}

/* ------------------------------------------------------------ synced commits
 *
 * An insert of the value already stored writes nothing (sled 0.34
 * Tree::insert_inner short-circuits it); it still must not return before
 * the commit it read that value from is durable at the db's level, as the
 * write would have been. synced_txnid is how far that is known: each
 * commit of this process that wrote pages (LMDB skips the sync, and the
 * txnid, of a commit that wrote nothing) is durable when mdb_txn_commit
 * returns (DEFAULT: data pages fdatasync'ed before the meta page is
 * written; SYNC: the meta page too), and that fdatasync also covers every
 * earlier commit of any process; a flush (mdb_env_sync) covers everything
 * it saw. NOSYNC commits are durable at their level once committed. */
void lmkv_kv__synced_note(lmkv_db *db, uint64_t txnid)
{
    uint_fast64_t cur = atomic_load(&db->synced_txnid);
    while (txnid > cur && !atomic_compare_exchange_weak(&db->synced_txnid, &cur, txnid))
        ;
}

/* After mdb_txn_commit of txn cid (ok: it committed and wrote pages). */
static void commit_noted(lmkv_db *db, uint64_t cid, bool ok)
{
    if (ok && db->durability != LMKV_DURABILITY_NOSYNC)
        lmkv_kv__synced_note(db, cid);
    atomic_store(&db->commit_txnid, 0);
    if (atomic_load(&db->sync_waiters) > 0) {
        pthread_mutex_lock(&db->sync_mu);
        pthread_cond_broadcast(&db->sync_cv);
        pthread_mutex_unlock(&db->sync_mu);
    }
}

/* Return once commit snap (and every earlier one) is durable: known
 * already, or this process's commit of snap is in flight (wait for it; it
 * syncs anyway), or else sync the file here (another process's commit, or
 * one from before this open, whose sync this process cannot see). */
static int await_durable(lmkv_db *db, uint64_t snap)
{
    if (atomic_load(&db->synced_txnid) >= snap)
        return 0;
    pthread_mutex_lock(&db->sync_mu);
    atomic_fetch_add(&db->sync_waiters, 1);
    while (atomic_load(&db->synced_txnid) < snap && atomic_load(&db->commit_txnid) == snap) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += 10000000; /* a guard only: the committer broadcasts */
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&db->sync_cv, &db->sync_mu, &dl);
    }
    atomic_fetch_sub(&db->sync_waiters, 1);
    pthread_mutex_unlock(&db->sync_mu);
    if (atomic_load(&db->synced_txnid) >= snap)
        return 0;
    int rc = mdb_env_sync(db->env, 1);
    if (rc)
        return lmkv_kv__err_mdb(rc, "insert of the stored value: syncing the commit it was read from (mdb_env_sync)", NULL, NULL, 0);
    atomic_fetch_add(&db->eq_synced, 1);
    lmkv_kv__synced_note(db, snap);
    return 0;
}

int lmkv_kv__insert_if_equal(lmkv_db *db, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn,
                             lmkv_bytes *out_prev)
{
    db = kv_core(db);
    /* the write path reports these (read-only, a write inside a callback
     * or inside this thread's own write txn). NOSYNC: there is no sync to
     * save, and the write path already writes nothing for an equal value
     * (an LMDB commit with no dirty page is skipped); the read here would
     * only add a lookup to every insert of a new key (kv_bench's NOSYNC
     * insert row: ~2 us of a ~17 us insert) */
    if (db->durability == LMKV_DURABILITY_NOSYNC || db->read_only || tls_group_cb == db ||
        lmkv_kv__thread_is_writer(db))
        return 0;
    MDB_txn *txn;
    int rc = lmkv_kv__rtxn_get(db, &txn);
    if (rc)
        return rc;
    MDB_val cur;
    rc = lmkv_kv__raw_get(txn, st->dbi, st, k, kn, &cur);
    bool equal = rc == 0 && cur.mv_size == vn && (vn == 0 || memcmp(cur.mv_data, v, vn) == 0);
    uint64_t snap = mdb_txn_id(txn);
    lmkv_bytes prev = {0};
    int drc = 0;
    if (equal && out_prev)
        drc = lmkv_kv__bytes_dup(&prev, cur.mv_data, cur.mv_size);
    lmkv_kv__rtxn_put(db, txn);
    if (!equal)
        return 0; /* absent, different, or a read error the write path reports with its context */
    if (drc)
        return drc;
    if ((rc = await_durable(db, snap))) {
        free(prev.data);
        return rc;
    }
    if (out_prev)
        *out_prev = prev;
    atomic_fetch_add(&db->eq_skipped, 1);
    return 1;
}

int lmkv_kv__equal_insert_stats(uint64_t *out_skipped, uint64_t *out_synced, lmkv_db *db)
{
    if (!out_skipped || !out_synced || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_kv__equal_insert_stats: NULL argument");
    db = kv_core(db);
    *out_skipped = atomic_load(&db->eq_skipped);
    *out_synced = atomic_load(&db->eq_synced);
    return 0;
}

static int kv_txn_finish(lmkv_txn *tx, kv_waits *w)
{
    lmkv_db *db = tx->db;
    int rc;
    if (tx->rdonly) {
        kv_txn_abort_int(tx);
        return 0;
    }
    if (tx->poisoned) {
        kv_txn_abort_int(tx);
        return lmkv_error_wrap(LMKV_EBADTXN, "commit refused: an earlier call in the transaction failed");
    }
    for (;;) {
        bool retry = false;
        if (tx->pending_id_hw) {
            rc = lmkv_kv__meta_put_u64(tx->txn, db->meta_dbi, "id_hw", tx->pending_id_hw);
            if (rc) {
                rc = write_err(tx, rc, 4096, &retry);
                if (retry)
                    continue;
                goto fail;
            }
        }
        bool evs = tx->events.n > 0;
        if (evs)
            lmkv_kv__evlist_dedupe(&tx->events);
        for (kv_greq *m = tx->group; m; m = m->next) {
            if (m->rc == 0 && m->state == KV_GR_APPLIED && m->tx.events.n) {
                lmkv_kv__evlist_dedupe(&m->tx.events);
                evs = true;
            }
        }
        pthread_mutex_lock(&db->tree_mu);
        if (evs)
            pthread_mutex_lock(&db->ev_mu);
        MDB_txn *t = tx->txn;
        uint64_t cid = mdb_txn_id(t);
        atomic_store(&db->commit_txnid, cid); /* an unchanged insert that read cid waits for it */
        rc = mdb_txn_commit(t);
        tx->txn = NULL;
        commit_noted(db, cid, rc == 0 && tx->wgen > 0);
        if (rc == 0 && tx->ncreated)
            lmkv_kv__catalog_txn_done_locked(tx, true);
        if (rc == 0 && evs) {
            lmkv_kv__evlist_deliver(db, &tx->events, w);
            /* a group's members, each its own txn: in queue (= commit) order */
            for (kv_greq *m = tx->group; m; m = m->next)
                if (m->rc == 0 && m->state == KV_GR_APPLIED && m->tx.events.n)
                    lmkv_kv__evlist_deliver(db, &m->tx.events, &m->waits);
        }
        if (evs)
            pthread_mutex_unlock(&db->ev_mu);
        pthread_mutex_unlock(&db->tree_mu);
        if (rc == 0) {
            uint64_t hw = tx->pending_id_hw;
            tx->pending_id_hw = 0;
            (void)hw;
            lmkv_kv__clear_writer(db, tx);
            lmkv_kv__txn_leave(tx);
            txn_free(tx);
            return 0;
        }
        if (rc == MDB_MAP_FULL) {
            if (tx->internal)
                goto fail_full;
            /* mdb_txn_commit freed the txn; replay into a new one */
            if ((rc = txn_replay(tx, 1 << 20)) == 0)
                continue;
            goto fail;
        }
        rc = commit_error(db, rc);
        goto fail;
    }
fail_full:
    if (tx->ncreated) {
        pthread_mutex_lock(&db->tree_mu);
        lmkv_kv__catalog_txn_done_locked(tx, false);
        pthread_mutex_unlock(&db->tree_mu);
    }
    lmkv_kv__clear_writer(db, tx);
    lmkv_kv__txn_leave(tx);
    if (tx->pending_id_hw)
        lmkv_kv__ids_persist(db, tx->pending_id_hw);
    txn_free(tx);
    return MDB_MAP_FULL;
fail:
    kv_txn_abort_int(tx);
    return rc;
}

/* Run fn in *first (an internal write txn already begun) or a fresh one,
 * and commit; on MDB_MAP_FULL grow the map and rerun fn in a new txn.
 * Subscriber waits go to *w. */
static int write_solo(lmkv_db *db, lmkv_txn *first, kv_write_fn fn, void *ctx, kv_waits *w)
{
    int rc;
    for (int attempt = 0;; attempt++) {
        lmkv_txn *tx = first;
        first = NULL;
        if (!tx && (rc = kv_txn_begin_int(&tx, db, 0, true)))
            return rc;
        rc = fn(tx, ctx);
        if (rc == 0) {
            rc = kv_txn_finish(tx, w);
            if (rc == 0) {
                lmkv_kv__maybe_grow(db);
                return 0;
            }
        } else {
            kv_txn_abort_int(tx);
        }
        if (rc == MDB_MAP_FULL && attempt < 30) {
            if ((rc = lmkv_kv__grow(db, 1 << 20)))
                return rc;
            continue;
        }
        if (rc > 0 || (rc <= -30700 && rc >= -30800))
            return lmkv_kv__err_mdb(rc, "write", NULL, NULL, 0);
        return rc;
    }
}

int lmkv_kv__write(lmkv_db *db, kv_write_fn fn, void *ctx)
{
    if (db->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "%s: write on a read-only database", db->path);
    kv_waits w = {0};
    int rc = write_solo(db, NULL, fn, ctx, &w);
    if (rc == 0)
        lmkv_kv__waits_run(db, &w); /* committed: wait (as sled's writers) for room in full subscriber queues, holding nothing */
    return rc;
}

/* ------------------------------------------------------------ group commit
 *
 * Leader/follower write groups (RocksDB's WriteThread, InnoDB's and
 * PostgreSQL's group commit). A writer queues its operation (kv_greq, on
 * its own stack) under gc_mu. If no leader is forming a group it becomes
 * the leader: it takes LMDB's write txn -- waiting there while the previous
 * group commits and syncs, which is when the next group gathers -- then
 * detaches the queue from its head (itself) up to KV_GROUP_MAX_OPS members
 * and KV_GROUP_MAX_BYTES estimated bytes, and promotes the next queued
 * writer (if any) to lead the following group. A lone writer thus never
 * waits, and a group is as large as the writers that arrived during one
 * commit: no timer, no fixed delay.
 *
 * A group of one runs as an ordinary internal write (no nested txn: the
 * single-writer path costs two uncontended mutex operations more). In a
 * larger group every member runs in its own nested LMDB txn
 * (mdb_txn_begin with the group's txn as parent), so a member that fails
 * aborts alone; MDB_MAP_FULL aborts the whole group, grows the map and
 * reruns every member (none was acknowledged); a member whose nested txn
 * overflows LMDB's dirty-page limit (MDB_TXN_FULL) is handed back to run
 * alone. One mdb_txn_commit (one sync) then makes the group durable; the
 * events of each member are delivered, member by member in queue order,
 * while the commit order is held (ev_mu), so subscribers see each member
 * as one txn, in commit order. The leader then wakes each follower with
 * its code and message (set again in the follower's thread) and the
 * subscriber queues it must wait for, which it does in its own thread
 * after its commit (sled's back-pressure).
 */
#define KV_GROUP_MAX_OPS 256
#define KV_GROUP_MAX_BYTES ((size_t)4 << 20)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* moving mean (1/8 weight) of a group commit's duration */
static void commit_time_note(lmkv_db *db, uint64_t ns)
{
    uint64_t old = atomic_load(&db->gc_commit_ns);
    atomic_store(&db->gc_commit_ns, old ? old - old / 8 + ns / 8 : ns);
}

static void greq_fail(kv_greq *m, int rc)
{
    m->rc = rc;
    m->msg[0] = 0;
    if (rc) {
        const char *e = lmkv_errmsg();
        size_t n = strlen(e);
        if (n >= sizeof m->msg)
            n = sizeof m->msg - 1;
        memcpy(m->msg, e, n);
        m->msg[n] = 0;
    }
}

/* An MDB or errno code from a member's step as an lmkv code with message. */
static int member_code(int rc, const char *what)
{
    if (rc > 0 || (rc <= -30700 && rc >= -30800))
        return lmkv_kv__err_mdb(rc, what, NULL, NULL, 0);
    return rc;
}

static void member_reset(kv_greq *m)
{
    kv_evlist_clear(&m->tx.events);
    memset(&m->tx, 0, sizeof m->tx);
}

/* Apply every member of list (n >= 2) into g, each in a nested txn.
 * Returns MDB_MAP_FULL when the group must be rerun on a grown map, else 0
 * (members' own codes in m->rc, state KV_GR_APPLIED or KV_GR_ALONE). */
static int group_apply(lmkv_db *db, lmkv_txn *g, kv_greq *list)
{
    for (kv_greq *m = list; m; m = m->next) {
        MDB_txn *c = NULL;
        member_reset(m);
        m->tx.db = db;
        m->tx.internal = true;
        m->tx.member = true;
        m->state = KV_GR_APPLIED;
        int rc = mdb_txn_begin(db->env, g->txn, 0, &c);
        if (rc) {
            greq_fail(m, member_code(rc, "beginning the nested transaction of a grouped write"));
            continue;
        }
        m->tx.txn = c;
        bool handed = m->own_thread && m != list;
        if (handed) {
            /* the writer's own thread runs fn (user code) on the nested txn */
            pthread_mutex_lock(&db->gc_mu);
            m->state = KV_GR_RUN;
            pthread_cond_broadcast(&m->cv);
            while (m->state == KV_GR_RUN)
                pthread_cond_wait(&m->cv, &db->gc_mu);
            m->state = KV_GR_APPLIED;
            pthread_mutex_unlock(&db->gc_mu);
            rc = m->run_rc;
        } else {
            rc = m->fn(&m->tx, m->ctx);
        }
        if (m->tx.need_alone) {
            /* a transaction closure that opens a tree or reserves ids
             * (catalog and meta writes stay out of nested txns): its own
             * writer reruns it as an ordinary transaction */
            mdb_txn_abort(c);
            member_reset(m);
            m->state = KV_GR_ALONE;
            m->rc = 0;
            continue;
        }
        if (rc == 0 && !m->tx.map_full) {
            rc = mdb_txn_commit(c); /* into g; frees c either way */
            if (rc == 0)
                g->wgen += m->tx.wgen; /* g wrote pages: its commit syncs (commit_noted) */
        } else {
            mdb_txn_abort(c);
            kv_evlist_clear(&m->tx.events);
        }
        m->tx.txn = NULL;
        if (rc == MDB_MAP_FULL || m->tx.map_full)
            return MDB_MAP_FULL;
        if (rc == MDB_TXN_FULL && m != list) {
            m->state = KV_GR_ALONE; /* too big beside the others: rerun by its own writer */
            m->rc = 0;
            continue;
        }
        if (handed && rc && !(rc > 0 || (rc <= -30700 && rc >= -30800)))
            m->rc = rc; /* its message was kept by its own thread */
        else
            greq_fail(m, member_code(rc, "grouped write"));
    }
    return 0;
}

/* The leader's work; self is the queue's head. Sets every detached
 * member's rc/msg/waits and state (self's too), wakes the followers. */
static void group_lead(lmkv_db *db, kv_greq *self)
{
    lmkv_txn *g = NULL;
    int brc = kv_txn_begin_int(&g, db, 0, true); /* waits for LMDB's writer lock */
    if (brc)
        greq_fail(self, brc);

    /* gather: if fewer writers are queued than were inside lmkv at once
     * since the last group formed, the others are on their way back (they
     * were woken by the previous commit): wait for them, at most the mean
     * commit time (<= 1 ms) -- PostgreSQL's commit_delay/commit_siblings,
     * sized by the load instead of a setting. Without it, N writers split
     * into two alternating groups of N/2, each paying a sync. A lone
     * writer (peak 1) never waits. */
    size_t n = 0, bytes = 0;
    pthread_mutex_lock(&db->gc_mu);
    size_t want = db->gc_peak < KV_GROUP_MAX_OPS ? db->gc_peak : KV_GROUP_MAX_OPS;
    size_t queued = 0;
    for (kv_greq *m = db->gc_head; m && queued < want; m = m->next)
        queued++;
    if (!brc && queued < want) {
        uint64_t ns = atomic_load(&db->gc_commit_ns);
        if (ns > 1000000)
            ns = 1000000;
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += (long)ns;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        db->gc_gathering = true;
        while (queued < want) {
            if (pthread_cond_timedwait(&db->gc_arrive, &db->gc_mu, &dl) == ETIMEDOUT)
                break;
            queued = 0;
            for (kv_greq *m = db->gc_head; m && queued < want; m = m->next)
                queued++;
        }
        db->gc_gathering = false;
    }
    db->gc_peak = db->gc_inside;

    /* detach the group; promote the next writer to lead the next one */
    kv_greq *last = db->gc_head; /* == self */
    n = 1;
    bytes = last->bytes;
    while (last->next && n < KV_GROUP_MAX_OPS && bytes + last->next->bytes <= KV_GROUP_MAX_BYTES) {
        last = last->next;
        bytes += last->bytes;
        n++;
    }
    db->gc_head = last->next;
    last->next = NULL;
    if (db->gc_head) {
        db->gc_head->state = KV_GR_LEAD;
        pthread_cond_signal(&db->gc_head->cv);
    } else {
        db->gc_tail = NULL;
        db->gc_leader = false;
    }
    pthread_mutex_unlock(&db->gc_mu);

    int rc = brc;
    if (brc) {
        for (kv_greq *m = self->next; m; m = m->next) {
            m->rc = brc;
            memcpy(m->msg, self->msg, sizeof m->msg);
        }
    } else if (n == 1) {
        self->state = KV_GR_APPLIED;
        uint64_t c0 = now_ns();
        rc = write_solo(db, g, self->fn, self->ctx, &self->waits);
        g = NULL;
        commit_time_note(db, now_ns() - c0);
        greq_fail(self, rc);
    } else {
        for (int attempt = 0;; attempt++) {
            rc = group_apply(db, g, self);
            bool any = false;
            for (kv_greq *m = self; m; m = m->next)
                any |= m->state == KV_GR_APPLIED && m->rc == 0;
            if (rc == 0 && !any) {
                kv_txn_abort_int(g); /* every member failed: nothing to commit */
                g = NULL;
                break;
            }
            if (rc == 0) {
                g->group = self;
                uint64_t c0 = now_ns();
                rc = kv_txn_finish(g, NULL); /* one commit, one sync; delivers members' events */
                g = NULL;
                commit_time_note(db, now_ns() - c0);
                if (rc == 0) {
                    lmkv_kv__maybe_grow(db);
                    break;
                }
            } else {
                kv_txn_abort_int(g);
                g = NULL;
            }
            for (kv_greq *m = self; m; m = m->next)
                member_reset(m);
            if (rc == MDB_MAP_FULL && attempt < 30) {
                if ((rc = lmkv_kv__grow(db, (size_t)1 << 20)) == 0 && (rc = kv_txn_begin_int(&g, db, 0, true)) == 0)
                    continue;
            } else if (rc == MDB_MAP_FULL) {
                rc = lmkv_error_set(LMKV_EFULL, "map full: growing did not make room for a write group");
            }
            /* the group's commit failed: every member that had applied gets its error */
            for (kv_greq *m = self; m; m = m->next)
                if (m->state == KV_GR_APPLIED && m->rc == 0)
                    greq_fail(m, rc);
            break;
        }
        for (kv_greq *m = self; m; m = m->next)
            if (m->rc || m->state != KV_GR_APPLIED)
                member_reset(m);
            else
                kv_evlist_clear(&m->tx.events);
    }
    atomic_fetch_add(&db->gc_commits, 1);
    atomic_fetch_add(&db->gc_ops, n);
    uint_fast64_t mx = atomic_load(&db->gc_max);
    while (n > mx && !atomic_compare_exchange_weak(&db->gc_max, &mx, n))
        ;

    /* wake the followers; a woken follower returns and its kv_greq (on its
     * stack) is gone, so read next first and touch nothing after */
    pthread_mutex_lock(&db->gc_mu);
    db->gc_inside -= n;
    kv_greq *m = self->next;
    self->state = self->state == KV_GR_ALONE ? KV_GR_ALONE : KV_GR_DONE;
    while (m) {
        kv_greq *nx = m->next;
        m->state = m->state == KV_GR_ALONE ? KV_GR_ALONE : KV_GR_DONE;
        pthread_cond_signal(&m->cv);
        m = nx;
    }
    pthread_mutex_unlock(&db->gc_mu);
}

int lmkv_kv__write_grouped(lmkv_db *db, kv_write_fn fn, void *ctx, size_t bytes, bool own_thread)
{
    if (db->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "%s: write on a read-only database", db->path);
    if (tls_group_cb == db)
        return lmkv_error_set(LMKV_EBUSY, "%s: write from inside an update callback or merge operator (it runs inside a write transaction of this database)", db->path);
    if (lmkv_kv__thread_is_writer(db)) /* its own explicit txn, or a callback inside a write */
        return lmkv_error_set(LMKV_EBUSY, "%s: this thread already holds a write transaction on this database (LMDB allows one writer; use lmkv_txn_* calls on it)", db->path);
    /* NOSYNC: a commit costs no sync, so there is nothing to share; the
     * hand-offs between threads would only add latency (daemon_bench:
     * NoSync lookups/s fell 10-30% with groups, p50 rose 3-10x) */
    if (db->durability == LMKV_DURABILITY_NOSYNC)
        return lmkv_kv__write(db, fn, ctx);
    kv_greq r;
    memset(&r, 0, sizeof r);
    r.fn = fn;
    r.ctx = ctx;
    r.bytes = bytes + 64;
    r.own_thread = own_thread;
    pthread_cond_init(&r.cv, NULL);
    pthread_mutex_lock(&db->gc_mu);
    if (db->gc_tail)
        db->gc_tail->next = &r;
    else
        db->gc_head = &r;
    db->gc_tail = &r;
    if (++db->gc_inside > db->gc_peak)
        db->gc_peak = db->gc_inside;
    if (db->gc_gathering)
        pthread_cond_signal(&db->gc_arrive);
    if (!db->gc_leader) {
        db->gc_leader = true;
        r.state = KV_GR_LEAD;
    }
    for (;;) {
        if (r.state == KV_GR_RUN) {
            /* the leader hands this thread its nested txn: run fn here.
             * It is inside the leader's hold of the quiesce gate, so it
             * counts as active without waiting at the gate. */
            pthread_mutex_unlock(&db->gc_mu);
            lmkv_kv__enter_inside(db);
            lmkv_db *outer = tls_group_cb;
            tls_group_cb = db;
            r.run_rc = fn(&r.tx, ctx);
            tls_group_cb = outer;
            if (r.run_rc)
                greq_fail(&r, r.run_rc);
            lmkv_kv__leave(db);
            pthread_mutex_lock(&db->gc_mu);
            r.state = KV_GR_RAN;
            pthread_cond_broadcast(&r.cv);
            continue;
        }
        if (r.state == KV_GR_LEAD || r.state == KV_GR_DONE || r.state == KV_GR_ALONE)
            break;
        pthread_cond_wait(&r.cv, &db->gc_mu);
    }
    pthread_mutex_unlock(&db->gc_mu);
    if (r.state == KV_GR_LEAD)
        group_lead(db, &r);
    pthread_cond_destroy(&r.cv);
    if (r.state == KV_GR_ALONE) {
        lmkv_error_clear(); /* the first attempt's message is not the caller's */
        return lmkv_kv__write(db, fn, ctx);
    }
    if (r.rc) {
        lmkv_error_set(r.rc, "%s", r.msg);
        return r.rc;
    }
    if (r.msg[0] == 0 && lmkv_errmsg()[0])
        lmkv_error_clear(); /* a leader: other members' messages are not its own */
    lmkv_kv__waits_run(db, &r.waits); /* committed: wait for room in full subscriber queues, in this thread */
    return 0;
}

int lmkv_kv__group_stats(lmkv_group_stats *out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_kv__group_stats: NULL argument");
    db = kv_core(db);
    out->commits = atomic_load(&db->gc_commits);
    out->ops = atomic_load(&db->gc_ops);
    out->max_group = atomic_load(&db->gc_max);
    return 0;
}

/* ------------------------------------------------------------ public txn API */

int lmkv_txn_begin(lmkv_txn **out, lmkv_db *db, unsigned flags)
{
    if (!out || !db || (flags & ~LMKV_TXN_READ_ONLY))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_txn_begin: NULL argument or unknown flags 0x%x", flags);
    if (db->core && !(flags & LMKV_TXN_READ_ONLY))
        return lmkv_kv__readonly_alias_err(db, "write transaction");
    db = kv_core(db);
    return kv_txn_begin_int(out, db, flags, false);
}

int lmkv_txn_commit(lmkv_txn *txn)
{
    if (!txn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_txn_commit: NULL transaction");
    lmkv_db *db = txn->db;
    bool wr = !txn->rdonly;
    kv_waits w = {0};
    int rc = kv_txn_finish(txn, &w);
    if (rc == MDB_MAP_FULL)
        rc = lmkv_error_set(LMKV_EFULL, "map full at commit");
    if (rc == 0 && wr) {
        lmkv_kv__maybe_grow(db);
        lmkv_kv__waits_run(db, &w); /* committed: wait for room in full subscriber queues */
    }
    return rc;
}

void lmkv_txn_abort(lmkv_txn *txn)
{
    kv_txn_abort_int(txn);
}

int lmkv_txn_reset(lmkv_txn *txn)
{
    if (!txn || !txn->rdonly)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_txn_reset: only read-only transactions can be reset");
    if (txn->is_reset)
        return 0;
    mdb_txn_reset(txn->txn);
    txn->is_reset = true;
    txn->epoch++;
    if (txn->entered)
        lmkv_kv__txn_leave(txn);
    return 0;
}

int lmkv_txn_renew(lmkv_txn *txn)
{
    if (!txn || !txn->rdonly)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_txn_renew: only read-only transactions can be renewed");
    if (!txn->is_reset)
        lmkv_txn_reset(txn);
    for (int tries = 0;; tries++) {
        lmkv_kv__enter(txn->db);
        int rc = mdb_txn_renew(txn->txn);
        if (rc == 0) {
            lmkv_kv__txn_entered(txn);
            txn->is_reset = false;
            txn->epoch++;
            return 0;
        }
        lmkv_kv__leave(txn->db);
        if (rc == MDB_MAP_RESIZED && tries < 5) {
            if ((rc = lmkv_kv__adopt_mapsize(txn->db)))
                return rc;
            continue;
        }
        if (rc == MDB_READERS_FULL && tries < 5) {
            int dead = 0;
            mdb_reader_check(txn->db->env, &dead);
            if (dead)
                continue;
        }
        return lmkv_kv__err_mdb(rc, "renewing a read transaction", NULL, NULL, 0);
    }
}

int lmkv_txn_is_read_only(const lmkv_txn *txn)
{
    return txn && txn->rdonly ? 1 : 0;
}

static int txn_usable(lmkv_txn *txn, const lmkv_tree *t, bool write)
{
    int rc;
    if (!txn)
        return lmkv_error_set(LMKV_EINVAL, "NULL transaction");
    if (txn->poisoned)
        return lmkv_error_set(LMKV_EBADTXN, "transaction is poisoned by an earlier failure; abort it");
    if (txn->is_reset)
        return lmkv_error_set(LMKV_EINVAL, "read transaction is reset; renew it first");
    if (write && txn->rdonly)
        return lmkv_error_set(LMKV_EREADONLY, "write in a read-only transaction");
    if ((rc = lmkv_kv__txn_check_tree(txn, t)))
        return rc;
    return 0;
}

static int poison(lmkv_txn *txn, int rc)
{
    if (rc != LMKV_NOTFOUND && !txn->rdonly)
        txn->poisoned = true;
    return rc;
}

int lmkv_txn_get(lmkv_pair *out, lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size)
{
    int rc = txn_usable(txn, t, false);
    if (rc)
        return txn ? poison(txn, rc) : rc;
    if (!out)
        return poison(txn, lmkv_error_set(LMKV_EINVAL, "lmkv_txn_get: NULL out"));
    MDB_val v;
    rc = lmkv_kv__raw_get(txn->txn, t->st->dbi, t->st, key, key_size, &v);
    if (rc == MDB_NOTFOUND)
        return LMKV_NOTFOUND;
    if (rc) /* an lmkv code (a damaged long-key record) already names tree and key */
        return poison(txn, rc <= -30900 && rc >= -30999 ? rc : lmkv_kv__err_mdb(rc, "get", t->st, key, key_size));
    static const uint8_t empty[1] = {0};
    out->key = key_size ? key : empty;
    out->key_size = key_size;
    out->value = v.mv_size ? v.mv_data : empty;
    out->value_size = v.mv_size;
    return 0;
}

int lmkv_txn_insert_ex(lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size,
                       const void *value, size_t value_size, unsigned flags)
{
    int rc = txn_usable(txn, t, true);
    if (rc)
        return txn ? poison(txn, rc) : rc;
    if (flags & ~LMKV_INSERT_APPEND)
        return poison(txn, lmkv_error_set(LMKV_EINVAL, "lmkv_txn_insert_ex: unknown flags 0x%x", flags));
    if ((!key && key_size) || (!value && value_size))
        return poison(txn, lmkv_error_set(LMKV_EINVAL, "NULL key or value with non-zero size"));
    rc = lmkv_kv__txn_put(txn, t->st, key, key_size, value, value_size, flags, NULL);
    if (rc)
        return poison(txn, rc < -30900 ? rc : lmkv_kv__err_mdb(rc, "insert", t->st, key, key_size));
    return 0;
}

int lmkv_txn_insert(lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size,
                    const void *value, size_t value_size)
{
    return lmkv_txn_insert_ex(txn, t, key, key_size, value, value_size, 0);
}

int lmkv_txn_remove(lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size)
{
    int rc = txn_usable(txn, t, true);
    if (rc)
        return txn ? poison(txn, rc) : rc;
    if (!key && key_size)
        return poison(txn, lmkv_error_set(LMKV_EINVAL, "NULL key with non-zero size"));
    rc = lmkv_kv__txn_del(txn, t->st, key, key_size);
    if (rc == LMKV_NOTFOUND)
        return rc;
    if (rc)
        return poison(txn, rc <= -30900 ? rc : lmkv_kv__err_mdb(rc, "remove", t->st, key, key_size));
    return 0;
}

/* lmkv_db_transaction's fn as a write-group operation. */
typedef struct kv_closure {
    lmkv_txn_fn fn;
    void *ctx;
    bool conflict; /* map growth raced another process's commit: rerun */
    bool fn_ok;    /* fn returned 0 on an unpoisoned txn (a later ECONFLICT is the commit's) */
} kv_closure;

bool lmkv_kv__member_wants_alone(lmkv_db *db)
{
    lmkv_txn *tx = tls_member_tx;
    if (!tx || tx->db != kv_core(db))
        return false;
    tx->need_alone = true;
    tx->poisoned = true;
    return true;
}

static int closure_run(lmkv_txn *tx, void *p)
{
    kv_closure *c = p;
    int rc;
    c->fn_ok = false;
    if (tx->member) {
        /* a nested txn inside a write group (in the caller's thread, or
         * the leader's own): no replay log, MDB_MAP_FULL reruns the group */
        lmkv_txn *outer = tls_member_tx;
        tls_member_tx = tx;
        rc = c->fn(c->ctx, tx);
        tls_member_tx = outer;
        if (tx->need_alone)
            return LMKV_EBUSY; /* group_apply reruns it alone; no message reaches the caller */
    } else {
        /* alone (a group of one, NOSYNC, or rerun alone): an ordinary
         * explicit txn, with its replay log for map growth */
        tx->internal = false;
        rc = c->fn(c->ctx, tx);
        if (tx->conflict) {
            c->conflict = true;
            return rc ? rc : lmkv_error_set(LMKV_ECONFLICT, "the map had to grow during the transaction and another writer committed meanwhile");
        }
    }
    if (rc == 0 && tx->poisoned)
        return lmkv_error_wrap(LMKV_EBADTXN, "commit refused: an earlier call in the transaction failed");
    c->fn_ok = rc == 0;
    return rc;
}

int lmkv_db_transaction(lmkv_db *db, lmkv_tree *const *trees, size_t n, lmkv_txn_fn fn, void *ctx)
{
    if (!db || !fn || (n && !trees))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_transaction: NULL argument");
    if (db->core)
        return lmkv_kv__readonly_alias_err(db, "transaction");
    for (size_t i = 0; i < n; i++) {
        if (!trees[i] || trees[i]->db != db)
            return lmkv_error_set(LMKV_EINVAL, "lmkv_db_transaction: tree %zu belongs to another database", i);
        int rc = lmkv_kv__check_tree(trees[i]);
        if (rc)
            return rc;
    }
    for (int attempt = 0;; attempt++) {
        kv_closure c = {fn, ctx, false, false};
        /* grouped with concurrent writers (GROUP COMMIT): fn runs in this
         * thread, in a nested txn of the group, and fails alone */
        int rc = lmkv_kv__write_grouped(db, closure_run, &c, 4096, true);
        if (rc && attempt < 10 && (c.conflict || (c.fn_ok && rc == LMKV_ECONFLICT)))
            continue; /* map growth raced another process's writer: rerun fn */
        if (rc == 0 || !c.conflict)
            return rc;
        return lmkv_error_set(LMKV_ECONFLICT, "transaction conflicted %d times", attempt + 1);
    }
}
