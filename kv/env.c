/*
 * env.c -- what every transaction of this process shares on the LMDB env:
 * the quiesce gate (a count of this process's active transactions that map
 * growth and drop_tree wait to reach zero), map growth, the read-txn pool,
 * which thread holds the write txn, and the lmkv.meta u64 cells.
 *
 * The bottom of kv/ above error.c, array.c and key_codec.c: it calls none
 * of the files above it (kv/LAYERS; tests/t_layers.sh checks the order).
 */
#include "kv_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Thread_local int tls_active;

/* A read transaction (MDB_NOTLS) may be ended by another thread than the
 * one that began it. Its hold of the quiesce gate is counted in the
 * beginning thread's tls_active, which the ending thread cannot reach: it
 * records a debt for that thread instead (by a process-unique thread
 * number, never reused as pthread_t values are), which the owner settles
 * at its next lmkv_kv__enter / lmkv_kv__quiesce / lmkv_kv__maybe_grow. Without it the owner's
 * count stayed raised: its later drop_tree or map growth failed with
 * LMKV_EBUSY, and its lmkv_kv__enter skipped the gate during a resize. The table
 * is fixed (no allocation on an abort path); if it is ever full the debt is
 * dropped, which is the old behaviour for that thread. */
#define KV_DEBT_MAX 256
static _Thread_local uint64_t tls_tid;
static atomic_uint_fast64_t kv_tid_next = 1;
static atomic_int kv_debt_total;
static pthread_mutex_t kv_debt_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { uint64_t tid; int n; } kv_debts[KV_DEBT_MAX];

static uint64_t kv_tid(void)
{
    if (!tls_tid)
        tls_tid = atomic_fetch_add(&kv_tid_next, 1);
    return tls_tid;
}

static void kv_debt_add(uint64_t tid)
{
    pthread_mutex_lock(&kv_debt_mu);
    size_t free_slot = KV_DEBT_MAX;
    for (size_t i = 0; i < KV_DEBT_MAX; i++) {
        if (kv_debts[i].tid == tid) {
            kv_debts[i].n++;
            atomic_fetch_add(&kv_debt_total, 1);
            pthread_mutex_unlock(&kv_debt_mu);
            return;
        }
        if (!kv_debts[i].tid && free_slot == KV_DEBT_MAX)
            free_slot = i;
    }
    if (free_slot < KV_DEBT_MAX) {
        kv_debts[free_slot].tid = tid;
        kv_debts[free_slot].n = 1;
        atomic_fetch_add(&kv_debt_total, 1);
    }
    pthread_mutex_unlock(&kv_debt_mu);
}

/* This thread's count of held transactions, after settling the holds that
 * other threads ended for it. */
static inline int tls_active_now(void)
{
    if (tls_tid && atomic_load_explicit(&kv_debt_total, memory_order_acquire) > 0) {
        pthread_mutex_lock(&kv_debt_mu);
        for (size_t i = 0; i < KV_DEBT_MAX; i++) {
            if (kv_debts[i].tid == tls_tid) {
                tls_active -= kv_debts[i].n;
                atomic_fetch_sub(&kv_debt_total, kv_debts[i].n);
                kv_debts[i].tid = 0;
                kv_debts[i].n = 0;
                break;
            }
        }
        pthread_mutex_unlock(&kv_debt_mu);
    }
    return tls_active;
}

/* ------------------------------------------------------------ gate */

void lmkv_kv__enter(lmkv_db *db)
{
    if (tls_active_now() > 0) {
        atomic_fetch_add(&db->active, 1);
        tls_active++;
        return;
    }
    for (;;) {
        atomic_fetch_add(&db->active, 1);
        if (!atomic_load(&db->resizing)) {
            tls_active++;
            return;
        }
        if (atomic_fetch_sub(&db->active, 1) == 1) {
            pthread_mutex_lock(&db->gate_mu);
            pthread_cond_broadcast(&db->gate_cv);
            pthread_mutex_unlock(&db->gate_mu);
        }
        pthread_mutex_lock(&db->gate_mu);
        while (atomic_load(&db->resizing))
            pthread_cond_wait(&db->gate_cv, &db->gate_mu);
        pthread_mutex_unlock(&db->gate_mu);
    }
}

void lmkv_kv__leave(lmkv_db *db)
{
    tls_active--;
    if (atomic_fetch_sub(&db->active, 1) == 1 && atomic_load(&db->resizing)) {
        pthread_mutex_lock(&db->gate_mu);
        pthread_cond_broadcast(&db->gate_cv);
        pthread_mutex_unlock(&db->gate_mu);
    }
}

/* End a transaction's hold of the gate (tx->entered), from whichever
 * thread ends it; lmkv_kv__leave when it is the thread that entered. */
void lmkv_kv__txn_leave(lmkv_txn *tx)
{
    lmkv_db *db = tx->db;
    tx->entered = false;
    if (tx->enter_tid == kv_tid()) {
        lmkv_kv__leave(db);
        return;
    }
    kv_debt_add(tx->enter_tid);
    if (atomic_fetch_sub(&db->active, 1) == 1 && atomic_load(&db->resizing)) {
        pthread_mutex_lock(&db->gate_mu);
        pthread_cond_broadcast(&db->gate_cv);
        pthread_mutex_unlock(&db->gate_mu);
    }
}

/* tx now holds the gate, counted in this thread's tls_active. */
void lmkv_kv__txn_entered(lmkv_txn *tx)
{
    tx->entered = true;
    tx->enter_tid = kv_tid();
}

int lmkv_kv__quiesce(lmkv_db *db)
{
    if (tls_active_now() > 0)
        return lmkv_error_set(LMKV_EBUSY, "cannot grow the map or drop a tree while this thread has a transaction or iterator step open on the database");
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    pthread_mutex_lock(&db->gate_mu);
    while (atomic_load(&db->resizing)) {
        if (pthread_cond_timedwait(&db->gate_cv, &db->gate_mu, &dl) == ETIMEDOUT) {
            pthread_mutex_unlock(&db->gate_mu);
            return lmkv_error_set(LMKV_EBUSY, "timed out waiting for another map resize");
        }
    }
    atomic_store(&db->resizing, 1);
    while (atomic_load(&db->active) > 0) {
        if (pthread_cond_timedwait(&db->gate_cv, &db->gate_mu, &dl) == ETIMEDOUT) {
            atomic_store(&db->resizing, 0);
            pthread_cond_broadcast(&db->gate_cv);
            pthread_mutex_unlock(&db->gate_mu);
            return lmkv_error_set(LMKV_EBUSY, "timed out (30 s) waiting for other threads' transactions to end");
        }
    }
    pthread_mutex_unlock(&db->gate_mu);
    return 0;
}

void lmkv_kv__unquiesce(lmkv_db *db)
{
    pthread_mutex_lock(&db->gate_mu);
    atomic_store(&db->resizing, 0);
    pthread_cond_broadcast(&db->gate_cv);
    pthread_mutex_unlock(&db->gate_mu);
}

/* grow the map (needs no txn of this thread active); min_extra bytes */
int lmkv_kv__grow(lmkv_db *db, size_t min_extra)
{
    int rc = lmkv_kv__quiesce(db);
    if (rc)
        return lmkv_error_wrap(LMKV_EFULL, "map full and cannot grow");
    MDB_envinfo info;
    mdb_env_info(db->env, &info);
    size_t cur = info.me_mapsize;
    size_t want = cur * 2;
    if (want < cur + 2 * min_extra)
        want = cur + 2 * min_extra;
    want = (want + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
    rc = mdb_env_set_mapsize(db->env, want);
    lmkv_kv__unquiesce(db);
    if (rc)
        return lmkv_error_set(rc == ENOMEM ? LMKV_EFULL : lmkv_error_from_mdb(rc),
                              "growing the map from %zu to %zu bytes: %s", cur, want, mdb_strerror(rc));
    return 0;
}

/* After a commit: if the map is more than 3/4 used and no other transaction
 * of this process is active right now, double it (never waits). Keeps
 * MDB_MAP_FULL -- and the replay it costs explicit txns -- rare. */
void lmkv_kv__maybe_grow(lmkv_db *db)
{
    if (tls_active_now() > 0 || db->read_only)
        return;
    MDB_envinfo info;
    lmkv_kv__enter(db);
    int irc = mdb_env_info(db->env, &info);
    lmkv_kv__leave(db);
    if (irc)
        return;
    uint64_t used = ((uint64_t)info.me_last_pgno + 1) * db->page_size;
    if (used * 4 < (uint64_t)info.me_mapsize * 3)
        return;
    pthread_mutex_lock(&db->gate_mu);
    if (atomic_load(&db->resizing)) {
        pthread_mutex_unlock(&db->gate_mu);
        return;
    }
    atomic_store(&db->resizing, 1);
    if (atomic_load(&db->active) == 0) {
        mdb_env_info(db->env, &info);
        size_t want = info.me_mapsize * 2;
        mdb_env_set_mapsize(db->env, want); /* failure is harmless: MAP_FULL handling remains */
    }
    atomic_store(&db->resizing, 0);
    pthread_cond_broadcast(&db->gate_cv);
    pthread_mutex_unlock(&db->gate_mu);
}

int lmkv_kv__adopt_mapsize(lmkv_db *db)
{
    int rc = lmkv_kv__quiesce(db);
    if (rc)
        return rc;
    rc = mdb_env_set_mapsize(db->env, 0);
    lmkv_kv__unquiesce(db);
    if (rc)
        return lmkv_kv__err_mdb(rc, "adopting the map size grown by another process", NULL, NULL, 0);
    return 0;
}

/* ------------------------------------------------------------ read txn pool */

static unsigned db_max_readers(lmkv_db *db)
{
    unsigned n = 0;
    mdb_env_get_maxreaders(db->env, &n);
    return n;
}

int lmkv_kv__rtxn_get(lmkv_db *db, MDB_txn **out)
{
    int tries = 0, full_waits = 0;
    for (;;) {
        MDB_txn *t = NULL;
        int rc;
        lmkv_kv__enter(db);
        pthread_mutex_lock(&db->pool_mu);
        if (db->npool > 0)
            t = db->pool[--db->npool];
        pthread_mutex_unlock(&db->pool_mu);
        if (t) {
            rc = mdb_txn_renew(t);
            if (rc) {
                mdb_txn_abort(t);
                t = NULL;
            }
        } else {
            rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t);
        }
        if (rc == 0) {
            *out = t;
            return 0;
        }
        lmkv_kv__leave(db);
        if (rc == MDB_MAP_RESIZED && tries++ < 5) {
            if ((rc = lmkv_kv__adopt_mapsize(db)))
                return rc;
            continue;
        }
        if (rc == MDB_READERS_FULL && full_waits < 500) {
            /* clear slots of dead processes; else wait for a reader to end
             * (up to ~1 s) rather than fail a burst */
            int dead = 0;
            mdb_reader_check(db->env, &dead);
            if (dead == 0)
                usleep(2000);
            full_waits++;
            continue;
        }
        if (rc == MDB_READERS_FULL)
            return lmkv_error_set(LMKV_EBUSY, "all %u LMDB reader slots stayed in use for 1 s (max_readers)",
                                  db_max_readers(db));
        return lmkv_kv__err_mdb(rc, "beginning a read transaction", NULL, NULL, 0);
    }
}

/* Reset t and keep it in the pool (or abort it); its gate hold stays. */
void lmkv_kv__rtxn_release(lmkv_db *db, MDB_txn *t)
{
    mdb_txn_reset(t);
    pthread_mutex_lock(&db->pool_mu);
    if (db->npool < (int)(sizeof db->pool / sizeof db->pool[0])) {
        db->pool[db->npool++] = t;
        t = NULL;
    }
    pthread_mutex_unlock(&db->pool_mu);
    if (t)
        mdb_txn_abort(t);
}

void lmkv_kv__rtxn_put(lmkv_db *db, MDB_txn *t)
{
    lmkv_kv__rtxn_release(db, t);
    lmkv_kv__leave(db);
}

/* ------------------------------------------------------------ writer tracking */

bool lmkv_kv__thread_is_writer(lmkv_db *db)
{
    if (!atomic_load(&db->has_writer))
        return false;
    pthread_mutex_lock(&db->wr_mu);
    bool me = atomic_load(&db->has_writer) && pthread_equal(db->writer, pthread_self());
    pthread_mutex_unlock(&db->wr_mu);
    return me;
}

void lmkv_kv__set_writer(lmkv_db *db, lmkv_txn *tx)
{
    pthread_mutex_lock(&db->wr_mu);
    db->writer = pthread_self();
    db->cur_txn = tx;
    atomic_store(&db->has_writer, 1);
    pthread_mutex_unlock(&db->wr_mu);
}

/* tx's LMDB txn has ended. Only if tx is still the recorded writer: its
 * commit released LMDB's writer lock, so another thread may already have
 * begun its write txn and recorded itself (lmkv_kv__set_writer) -- clearing
 * that record made that thread's own generate_id or tree opening inside its
 * explicit txn take the path of a non-writer (TSan: test_kv_group's
 * test_transactions_grouped, clear_writer against lmkv_db_generate_id). */
void lmkv_kv__clear_writer(lmkv_db *db, const lmkv_txn *tx)
{
    pthread_mutex_lock(&db->wr_mu);
    if (db->cur_txn == tx) {
        atomic_store(&db->has_writer, 0);
        db->cur_txn = NULL;
    }
    pthread_mutex_unlock(&db->wr_mu);
}


/* Count this thread as active inside another thread's hold of the gate
 * (a write group member running its fn for the leader): no wait. */
void lmkv_kv__enter_inside(lmkv_db *db)
{
    atomic_fetch_add(&db->active, 1);
    tls_active++;
}

/* ------------------------------------------------------------ lmkv.meta cells */

int lmkv_kv__meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc)
        return rc;
    if (v.mv_size != 8)
        return MDB_CORRUPTED;
    const uint8_t *p = v.mv_data;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    *out = x;
    return 0;
}

int lmkv_kv__meta_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t x)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    MDB_val k = {strlen(key), (void *)key}, v = {8, b};
    return mdb_put(txn, dbi, &k, &v, 0);
}

/* ------------------------------------------------------------ errors */

int lmkv_kv__readonly_alias_err(const lmkv_db *db, const char *what)
{
    return lmkv_error_set(LMKV_EREADONLY, "%s: %s on a database opened read-only", db->path, what);
}
