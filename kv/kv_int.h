/*
 * kv_int.h -- private structures of lmkv's kv module (not installed).
 *
 * Locking order (never take them the other way round):
 *   quiesce gate (lmkv_kv__enter / lmkv_kv__quiesce)  ->  LMDB writer lock  ->  db->tree_mu
 *   ->  db->ev_mu  ->  sub->mu.   db->id_mu is never held while waiting for another.
 * db->gc_mu (the write-group queue) is a leaf: held only to queue, detach
 * or wake writers, never while taking another lock or LMDB's writer lock.
 * The quiesce gate is a counter of this process's active LMDB transactions;
 * lmkv_kv__quiesce() waits for it to drop to zero so that mdb_env_set_mapsize()
 * (map growth) and mdb_drop(del=1) (which closes the dbi env-wide) never run
 * while another thread of this process is inside a transaction.
 */
#ifndef LMKV_KV_INT_H
#define LMKV_KV_INT_H

#include "lmkv_kv.h"
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

/* ------------------------------------------------------------ key codec */
/* See key_codec.c for the byte table. */
#define LOG_MAX_BYTES ((size_t)256 << 20) /* an explicit txn's replay log (txlog.c) */
#define KV_SHORT_MAX   500u                  /* P: keys of 1..P bytes stored as-is */
#define KV_LONG_PREFIX (KV_SHORT_MAX + 1u)   /* P+1 bytes of a long key kept in the stored key */
#define KV_TAG_EMPTY   0x00u
#define KV_TAG_KEY     0x01u
#define KV_ENC_LONG_SIZE  (1u + KV_LONG_PREFIX + 8u)   /* 510 */
#define KV_GROUP_PREFIX   (1u + KV_LONG_PREFIX)        /* 502: shared by one long-key group */
#define KV_ENC_MAX        KV_ENC_LONG_SIZE
#define KV_LONG_HDR       8u                 /* u64 LE full key length before the key in a long record's value */

typedef struct kv_enc {
    uint8_t buf[KV_ENC_MAX];
    size_t size;
    bool is_long;
} kv_enc;

/* The long-key hash, XXH3_64bits by default; tests may swap it (collisions). */
extern uint64_t (*lmkv_kv__key_hash_fn)(const void *, size_t);
/* Encode a user key into its stored LMDB key. */
void lmkv_kv__key_encode(kv_enc *out, const void *key, size_t key_size);
/* Whether a stored key is a long-key record. */
static inline bool kv_stored_is_long(const MDB_val *k) { return k->mv_size == KV_ENC_LONG_SIZE; }
/* Decode a stored record into user key/value (zero-copy). Returns 0 or
 * LMKV_ECORRUPT (with message) when the record is malformed, or a long
 * key's full key does not begin with its stored prefix or does not hash to
 * its stored hash. */
int lmkv_kv__record_decode(const MDB_val *sk, const MDB_val *sv, lmkv_pair *out);
/* Compare two byte strings bytewise (memcmp, then length). */
int lmkv_kv__bytes_cmp(const void *a, size_t an, const void *b, size_t bn);

/* ------------------------------------------------------------ db */
typedef struct kv_sub kv_sub;
typedef int (*kv_write_fn)(struct lmkv_txn *tx, void *ctx);

/* One per live tree (user or system) per db, shared by all its handles. */
typedef struct kv_tree_state {
    struct lmkv_db *db;
    uint8_t *name;
    size_t name_size;
    bool system;
    bool dropped;
    bool was_created;          /* created (not just opened) by pending_tx */
    atomic_bool need_reopen;   /* its dbi was closed by an aborted txn that opened it */
    MDB_dbi dbi;
    char *dbi_name;
    struct lmkv_txn *pending_tx; /* opened/created inside this (uncommitted) write txn */
    int refs;                  /* handles + db list membership */
    kv_sub *subs;              /* subscribers (under db->ev_mu) */
    atomic_int nsubs;
    struct kv_tree_state *next;
} kv_tree_state;

struct lmkv_tree {
    struct lmkv_db *db;
    kv_tree_state *st;
    lmkv_merge_fn merge;
    void *merge_ctx;
    bool borrowed;             /* the db's default tree handle */
    bool ro;                   /* opened through a read-only alias db handle */
};

struct lmkv_db {
    MDB_env *env;
    char *path;
    bool temporary, read_only, recovered;
    bool lockless;             /* read-only without lock.mdb (MDB_NOLOCK): see lmkv_db_open */
    int durability;
    unsigned file_mode;
    MDB_dbi meta_dbi, catalog_dbi;
    unsigned page_size;
    dev_t dev;                 /* identity of the directory (process registry) */
    ino_t ino;
    pid_t pid;                 /* process that opened it */
    int refs;                  /* lmkv_db_open calls sharing this db */
    struct lmkv_db *reg_next;
    struct lmkv_db *core;      /* non-NULL: this is a read-only alias of *core */

    pthread_mutex_t tree_mu;   /* tree states, dbi opens, commits of txns that opened dbis */
    kv_tree_state *trees;
    lmkv_tree *default_tree;

    /* quiesce gate */
    atomic_int active;
    atomic_int resizing;
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;

    /* reset read txn pool */
    pthread_mutex_t pool_mu;
    MDB_txn *pool[64];
    int npool;

    /* current writer */
    pthread_mutex_t wr_mu;
    atomic_int has_writer;
    pthread_t writer;
    struct lmkv_txn *cur_txn;  /* explicit write txn of `writer`, or NULL */

    /* group commit (txn.c): writers queued for the next write group */
    pthread_mutex_t gc_mu;
    struct kv_greq *gc_head, *gc_tail;
    bool gc_leader;            /* a leader is waiting for LMDB's writer lock (forming a group) */
    bool gc_gathering;         /* the leader waits for gc_want writers (gc_arrive) */
    pthread_cond_t gc_arrive;  /* a writer queued while gc_gathering */
    size_t gc_inside;          /* writers inside lmkv_kv__write_grouped (queued or in a group) */
    size_t gc_peak;            /* most writers inside at once since the last group formed */
    atomic_uint_fast64_t gc_commit_ns; /* moving mean of a group's commit time (the gather bound) */
    atomic_uint_fast64_t gc_commits, gc_ops, gc_max; /* lmkv_kv__group_stats */

    /* unchanged inserts (txn.c, lmkv_kv__insert_if_equal): an insert of the
     * stored value writes nothing and returns once the commit it read is
     * durable; commits of this process record how far that is known */
    atomic_uint_fast64_t synced_txnid; /* every commit <= this is durable at the db's level */
    atomic_uint_fast64_t commit_txnid; /* the LMDB write txn this process is committing (0: none) */
    atomic_int sync_waiters;           /* threads waiting on sync_cv */
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;            /* synced_txnid or commit_txnid changed */
    atomic_uint_fast64_t eq_skipped, eq_synced; /* lmkv_kv__equal_insert_stats */

    /* ids */
    pthread_mutex_t id_mu;
    uint64_t id_next, id_limit;

    /* events */
    pthread_mutex_t ev_mu;
    atomic_int total_subs;
    kv_sub *all_subs;          /* every open subscriber (under ev_mu) */
    int ev_blocked;            /* writers waiting for room in a queue (ev_mu) */
    pthread_cond_t ev_cv;      /* ev_blocked dropped to 0 */
    atomic_bool ev_shutdown;   /* last close: writers stop waiting */

    /* flush thread */
    pthread_t flusher;
    bool flusher_on, flusher_stop;
    unsigned flush_ms;
    pthread_mutex_t fl_mu;
    pthread_cond_t fl_cv;
    uint64_t flushed_txnid;
};

/* Events collected during a write, delivered after commit. */
typedef struct kv_event {
    kv_tree_state *st;
    int type;
    uint8_t *key; size_t key_size;
    uint8_t *val; size_t val_size;
    bool has_val;
} kv_event;
typedef struct kv_evlist {
    kv_event *ev;
    size_t n, cap;
} kv_evlist;
/* Collapse to one event per (tree, key), keeping the last. */
void lmkv_kv__evlist_dedupe(kv_evlist *l);
/* Subscribers whose queue a committed writer must wait for (sled's
 * blocking send), each with the sequence number of its last event there. */
typedef struct kv_wait {
    kv_sub *s;
    uint64_t seq;
} kv_wait;
typedef struct kv_waits {
    kv_wait *w;
    size_t n, cap;
} kv_waits;
/* Append the events to the subscribers' queues (never waits); caller holds
 * db->ev_mu, in commit order. Queues the writer must then wait for go to
 * *w (NULL: never wait), which counts it in db->ev_blocked. */
void lmkv_kv__evlist_deliver(lmkv_db *db, kv_evlist *l, kv_waits *w);
/* Wait (no lock held, after commit) until each of *w's events has a slot,
 * or its subscriber is closed/dropped/detached; then release *w. No-op
 * for an empty *w. Call it as the writer's last access to db. */
void lmkv_kv__waits_run(lmkv_db *db, kv_waits *w);
/* Wake subscribers of a dropped tree and release writers waiting on them
 * (caller holds ev_mu). */
void lmkv_kv__subs_tree_dropped(kv_tree_state *st);
/* The db's last close: detach every open subscriber (its next() returns
 * what is queued, then LMKV_ETREE), release waiting writers and wait until
 * none is left in lmkv_kv__waits_run. Takes ev_mu, then tree_mu. */
void lmkv_kv__subs_db_closing(lmkv_db *db);

/* Replay log of an explicit write txn (map growth). */
enum { KV_OP_PUT = 1, KV_OP_PUT_APPEND, KV_OP_DEL, KV_OP_CLEAR, KV_OP_CREATE_TREE };
/* One logged write; its key and value bytes are at key_off / val_off in the
 * txn's log arena (logb): one growing buffer instead of two mallocs per
 * write, which cost ~10% of a large index update. */
typedef struct kv_op {
    int op;
    kv_tree_state *st;
    size_t key_off, key_size;
    size_t val_off, val_size;
} kv_op;

struct lmkv_txn {
    lmkv_db *db;
    MDB_txn *txn;
    bool rdonly, poisoned, is_reset, entered, internal, conflict;
    uint64_t enter_tid;        /* the thread whose tls_active counts `entered` (txn.c) */
    bool member;               /* the nested txn of a write group's member (txn.c) */
    bool need_alone;           /* that member (a transaction closure) must rerun alone */
    uint64_t epoch;            /* bumped when the LMDB txn is replaced (replay) */
    uint64_t wgen;             /* bumped at every write */
    kv_evlist events;
    kv_op *log; size_t nlog, caplog; size_t log_bytes; bool log_overflow;
    uint8_t *logb; size_t logb_len, logb_cap; /* the log's key/value bytes */
    size_t lmdb_id;            /* mdb_txn_id of the write txn (replay check) */
    uint64_t pending_id_hw;    /* id reservation to persist at commit/abort */
    kv_tree_state **created;   /* trees opened inside this write txn (pending) */
    size_t ncreated, capcreated;
    bool map_full;             /* an internal write hit MDB_MAP_FULL (grouped: rerun the group) */
    struct kv_greq *group;     /* the members of a write group this txn commits (txn.c) */
};

/* One writer's operation queued for a write group (txn.c, on the writer's
 * stack). The leader runs fn in a nested LMDB txn (tx), commits the group
 * once, delivers tx's events to subscribers in queue order, and hands back
 * rc/msg and the subscriber waits. */
enum { KV_GR_WAIT, KV_GR_LEAD, KV_GR_APPLIED, KV_GR_RUN, KV_GR_RAN, KV_GR_DONE, KV_GR_ALONE };
typedef struct kv_greq {
    kv_write_fn fn;
    void *ctx;
    size_t bytes;              /* estimate of the bytes written (group bound) */
    bool own_thread;           /* fn runs user code: run it in the writer's own thread (KV_GR_RUN) */
    int run_rc;                /* fn's code when run in the writer's thread */
    int state;                 /* KV_GR_* */
    int rc;
    pthread_cond_t cv;         /* state changed (under db->gc_mu) */
    struct lmkv_txn tx;        /* the member's nested txn while the leader applies it */
    kv_waits waits;            /* subscriber queues this writer waits for after commit */
    struct kv_greq *next;
    char msg[512];             /* rc's message, set in the writer's own thread on return */
} kv_greq;

/* The db that owns the env (an alias handle points to it). */
static inline lmkv_db *kv_core(lmkv_db *db) { return db && db->core ? db->core : db; }

/* The files of kv/ call each other one way only, in this order (bottom
 * first; kv/LAYERS, checked by tests/t_layers.sh): error.c, array.c,
 * key_codec.c, env.c, tree_list.c, subscriber.c, txlog.c, catalog_core.c,
 * txn.c, catalog.c, iter.c, tree.c, db.c, verify.c. The prototypes below
 * are grouped by the file that defines them, in that order. */

/* ---- error.c */
int lmkv_kv__err_mdb(int rc, const char *what, const kv_tree_state *st, const void *key, size_t key_size);
void lmkv_kv__hexprefix(char *out, size_t outsz, const void *p, size_t n);
/* A tree's name for messages (printable, escaped, at most 64 bytes shown). */
void lmkv_kv__tree_label(char *out, size_t outsz, const kv_tree_state *st);

/* ---- key_codec.c */
/* raw record ops on an LMDB txn (user key space of one dbi; st = its tree,
 * named in errors, NULL for the catalog). Return MDB/LMKV codes: 0,
 * MDB_NOTFOUND, or an MDB error / LMKV_ECOLLISION / LMKV_ECORRUPT (a damaged
 * or forged long-key record) / LMKV_ENOMEM. */
int lmkv_kv__raw_get(MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st, const void *key, size_t ks, MDB_val *out_val);
int lmkv_kv__raw_put(MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st, const void *key, size_t ks, const void *val,
               size_t vs, unsigned mdbflags);
int lmkv_kv__raw_del(MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st, const void *key, size_t ks);

/* Ordered logical cursor (handles long-key groups). */
typedef struct kv_ent {
    MDB_val sk, sv;
    lmkv_pair p;
} kv_ent;
typedef struct kv_lcur {
    MDB_txn *txn;
    MDB_dbi dbi;
    const kv_tree_state *st;          /* named in errors (NULL: the catalog) */
    MDB_cursor *mc;
    kv_ent *g; size_t gn, gcap, gi;   /* current group sorted by full key (gn==1 for ordinary) */
    MDB_val lo, hi;                   /* first/last stored key of the current group (stored order) */
    int at;                           /* 0 unknown, 1 cursor at lo, 2 cursor at hi */
    bool valid;
    kv_ent g_inline[2];               /* g points here until a group needs more (never copy a kv_lcur) */
} kv_lcur;
int lmkv_kv__lc_open(kv_lcur *c, MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st);
void lmkv_kv__lc_close(kv_lcur *c);      /* frees group buffer; closes mc if read txn */
void lmkv_kv__lc_forget(kv_lcur *c);     /* drop cursor pointer without closing (txn gone) */
/* All return 0 (valid), MDB_NOTFOUND (no such entry) or an error. */
int lmkv_kv__lc_first(kv_lcur *c);
int lmkv_kv__lc_last(kv_lcur *c);
int lmkv_kv__lc_seek_ge(kv_lcur *c, const void *k, size_t n);
int lmkv_kv__lc_seek_gt(kv_lcur *c, const void *k, size_t n);
int lmkv_kv__lc_seek_le(kv_lcur *c, const void *k, size_t n);
int lmkv_kv__lc_seek_lt(kv_lcur *c, const void *k, size_t n);
int lmkv_kv__lc_next(kv_lcur *c);
int lmkv_kv__lc_prev(kv_lcur *c);
static inline const lmkv_pair *kv_lc_cur(const kv_lcur *c) { return &c->g[c->gi].p; }

/* ---- env.c: the quiesce gate, map growth, the read-txn pool, the writer */
void lmkv_kv__enter(lmkv_db *db);
void lmkv_kv__leave(lmkv_db *db);
/* Count this thread as active inside another thread's hold of the gate
 * (a write group member running its fn for the leader): no wait. */
void lmkv_kv__enter_inside(lmkv_db *db);
/* tx now holds the gate (tx->entered), counted in this thread. */
void lmkv_kv__txn_entered(lmkv_txn *tx);
/* End tx's hold of the gate, from whichever thread ends it. */
void lmkv_kv__txn_leave(lmkv_txn *tx);
int lmkv_kv__quiesce(lmkv_db *db);
void lmkv_kv__unquiesce(lmkv_db *db);
/* Grow the map by at least min_extra bytes (no txn of this thread active). */
int lmkv_kv__grow(lmkv_db *db, size_t min_extra);
/* After a commit: double a map more than 3/4 used if nothing else is active. */
void lmkv_kv__maybe_grow(lmkv_db *db);
int lmkv_kv__adopt_mapsize(lmkv_db *db);
/* read txns from the pool (entered on success) */
int lmkv_kv__rtxn_get(lmkv_db *db, MDB_txn **out);
void lmkv_kv__rtxn_put(lmkv_db *db, MDB_txn *txn);
/* Reset a read txn into the pool (or abort it); its gate hold stays. */
void lmkv_kv__rtxn_release(lmkv_db *db, MDB_txn *t);
/* which thread holds the write txn (tx: db->cur_txn) */
bool lmkv_kv__thread_is_writer(lmkv_db *db);
void lmkv_kv__set_writer(lmkv_db *db, lmkv_txn *tx);
/* Clear the record if tx is still the recorded writer. */
void lmkv_kv__clear_writer(lmkv_db *db, const lmkv_txn *tx);
/* lmkv.meta u64 LE cells: 0, MDB_NOTFOUND, MDB_CORRUPTED (not 8 bytes) or an MDB error. */
int lmkv_kv__meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out);
int lmkv_kv__meta_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t v);
/* LMKV_EREADONLY for a write through a read-only alias handle. */
int lmkv_kv__readonly_alias_err(const lmkv_db *db, const char *what);

/* ---- tree_list.c: open tree states (db->trees, under db->tree_mu) */
kv_tree_state *lmkv_kv__find_live(lmkv_db *db, const void *name, size_t n, bool system);
/* A new state on the list (refs 1: the list's); takes dbi_name (freed on failure). */
int lmkv_kv__state_new(kv_tree_state **out, lmkv_db *db, const void *name, size_t n, bool system,
                       MDB_dbi dbi, char *dbi_name);
void lmkv_kv__list_remove(lmkv_db *db, kv_tree_state *st);
void lmkv_kv__state_free(kv_tree_state *st);
void lmkv_kv__tree_state_unref(kv_tree_state *st);

/* ---- subscriber.c (its other prototypes are with kv_evlist above) */
/* A subscriber on st for keys starting with prefix (a copy is kept). */
int lmkv_kv__subs_add(lmkv_subscriber **out, kv_tree_state *st, const void *prefix, size_t n, unsigned flags);

/* ---- txlog.c: an explicit write txn's replay log */
int lmkv_kv__log_op(lmkv_txn *tx, int op, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn);
void lmkv_kv__log_free(lmkv_txn *tx);
int lmkv_kv__txn_log_create(lmkv_txn *tx, kv_tree_state *st);

/* ---- catalog_core.c: the catalog table, tree states across write txns */
int lmkv_kv__check_tree(const lmkv_tree *t);
/* Reopen a state whose dbi an aborted txn closed (no-op otherwise). */
int lmkv_kv__state_reopen(kv_tree_state *st);
/* Catalog rows: 0, MDB_NOTFOUND (lookup), ENOMEM or an MDB error. */
int lmkv_kv__cat_lookup(MDB_txn *txn, lmkv_db *db, const void *name, size_t n, bool system, char **dbi_name);
int lmkv_kv__cat_put(MDB_txn *txn, lmkv_db *db, const void *name, size_t n, bool system, const char *dbi_name);
int lmkv_kv__cat_del(MDB_txn *txn, lmkv_db *db, const void *name, size_t n, bool system);
/* Choose an unused dbi name (write txn). */
int lmkv_kv__pick_dbi_name(MDB_txn *txn, const uint8_t *name, size_t n, bool system, char **out);
/* Mark dropped and take it off the list (tree_mu held). */
void lmkv_kv__state_kill_locked(kv_tree_state *st);
/* st was opened inside tx (pending until tx ends): 0 or ENOMEM. */
int lmkv_kv__txn_add_created(lmkv_txn *tx, kv_tree_state *st);
/* A txn that opened trees ended; tree_mu held by caller. */
void lmkv_kv__catalog_txn_done_locked(lmkv_txn *tx, bool committed);
/* Reopen (or recreate) a tree created in tx, into tx's fresh LMDB txn (replay). */
int lmkv_kv__catalog_recreate(lmkv_txn *tx, kv_tree_state *st);

/* ---- txn.c */
/* write helpers used by tree.c, txn.c, db.c */
/* Run fn in a fresh internal write txn of its own (never grouped); retries
 * on map full; delivers events. For catalog and meta writes (tree
 * creation, id reservation), whose dbi opens and id marks must not sit in
 * a nested txn. */
int lmkv_kv__write(lmkv_db *db, kv_write_fn fn, void *ctx);
/* Run fn as one member of a write group (group commit), in a nested LMDB
 * txn; fn must only write through tx (lmkv_kv__txn_put/del/clear) and fill its
 * ctx; it may run more than once (map growth reruns the group). fn runs in
 * the group leader's thread, unless own_thread (fn calls user code: update
 * callbacks, merge operators): then the leader hands the nested txn to
 * the caller's thread, which runs fn and hands it back, so user code
 * always runs in its caller's thread (thread-locals, Rust panics). bytes:
 * estimate of the key and value bytes it writes (bounds a group). Returns
 * fn's code, or the commit's; the error message is set in the caller's
 * thread. */
int lmkv_kv__write_grouped(lmkv_db *db, kv_write_fn fn, void *ctx, size_t bytes, bool own_thread);
/* Write-group counters since the db was opened in this process (tests,
 * bench): groups committed or attempted (each one LMDB txn, one sync), the
 * operations that went through groups, the largest group. ops / commits is
 * the mean group size. Not in lmkv_kv.h yet: the Rust lmkv-sys crate
 * mirrors every LMKV_API function, and is another branch's. */
typedef struct lmkv_group_stats {
    uint64_t commits;
    uint64_t ops;
    uint64_t max_group;
} lmkv_group_stats;
/* Atomic loads; thread-safe; an alias handle reports its env's.
 * LMKV_EINVAL on NULL. */
int lmkv_kv__group_stats(lmkv_group_stats *out, lmkv_db *db);
/* Unchanged inserts acknowledged without a write group, and how many of
 * them had to sync the file themselves (the commit they read was not known
 * durable: another process's, or one made before this open). Atomic loads;
 * thread-safe; LMKV_EINVAL on NULL. */
int lmkv_kv__equal_insert_stats(uint64_t *out_skipped, uint64_t *out_synced, lmkv_db *db);
/* lmkv_tree_insert's first step: if key's stored value in st is byte-equal
 * to v, return 1 once the commit that value was read from is durable at
 * the db's level (waiting for this process's commit in flight, or syncing
 * the file), with *out_prev (may be NULL) a copy of it; 0 when the write
 * path must run (absent, different, or this thread may not write now:
 * that path gives the error); < 0 an error (nothing written). */
int lmkv_kv__insert_if_equal(lmkv_db *db, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn,
                             lmkv_bytes *out_prev);
/* After lmkv_db_flush synced the file: commits <= txnid are durable. */
void lmkv_kv__synced_note(lmkv_db *db, uint64_t txnid);
/* Inside a grouped lmkv_db_transaction closure on db (this thread runs its
 * fn in a nested txn): mark it to be rerun alone and return true. For the
 * writes that must not sit in a nested txn (tree creation and opening in
 * the catalog, id reservation); the caller then fails the call. */
bool lmkv_kv__member_wants_alone(lmkv_db *db);
/* Logical ops on a txn (log, events, no-op detection). */
int lmkv_kv__txn_put(lmkv_txn *tx, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn, unsigned flags, bool *out_changed);
int lmkv_kv__txn_put_cur(lmkv_txn *tx, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn, const MDB_val *cur);
int lmkv_kv__txn_del(lmkv_txn *tx, kv_tree_state *st, const void *k, size_t kn);
int lmkv_kv__txn_check_tree(lmkv_txn *tx, const lmkv_tree *t);
int lmkv_kv__txn_clear(lmkv_txn *tx, kv_tree_state *st);
/* MDB_MAP_FULL inside explicit txn tx: grow the map and replay (0) or poison. */
int lmkv_kv__txn_map_full(lmkv_txn *tx, size_t need);
/* Raise lmkv.meta's id_hw to hw in a write txn of its own. */
int lmkv_kv__ids_persist(lmkv_db *db, uint64_t hw);

/* ---- catalog.c */
int lmkv_kv__tree_state_get(kv_tree_state **out, lmkv_db *db, const void *name, size_t ns, bool system, unsigned flags);
int lmkv_kv__tree_handle_new(lmkv_tree **out, lmkv_db *db, kv_tree_state *st);
int lmkv_kv__catalog_names(lmkv_bytes_array *out, lmkv_db *db, MDB_txn *txn, bool system);

/* bytes */
int lmkv_kv__bytes_dup(lmkv_bytes *out, const void *p, size_t n);
int lmkv_kv__mem_dup(uint8_t **out, const void *p, size_t n);

#endif
