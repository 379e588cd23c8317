/*
 * lmkv_kv.h -- lmkv's key-value layer: sled 0.34 semantics on LMDB.
 *
 * This header is the kv module's only door and its specification.
 * Behaviour follows sled 0.34 (src/{db,tree,iter,batch,transaction,
 * subscriber}.rs; see shared/reference/sled-semantics.md) on LMDB 0.9
 * (lmdb.h); where lmkv is stronger or different, the function says so.
 * Storage layout: kv/catalog.c (dbi names, meta, catalog) and kv/key_codec.c
 * (key encoding byte table). A database is a plain LMDB environment that
 * Debian's mdb_stat and mdb_dump read.
 *
 * Thread-safety: lmkv_db and lmkv_tree handles may be used by any number of
 * threads at once; lmkv_txn, lmkv_iter, lmkv_batch, lmkv_subscriber and
 * lmkv_import are used by one thread at a time but may move between threads
 * (MDB_NOTLS) -- except a WRITE lmkv_txn (and an lmkv_import, which is one):
 * it must end (commit/abort) on the thread that began it, because LMDB's
 * writer lock is a mutex owned by that thread. Several processes may open
 * one database at once (readers and writers; LMDB's lock file, never an
 * exclusive lock).
 *
 * Conventions (after libgit2 and LMDB):
 *  - Every function returns an int: LMKV_OK (0) or a negative LMKV_E* code.
 *    Out-parameters come first and are named out*; they are set only on
 *    success. Memory returned through an out-parameter is owned by the caller
 *    and freed with lmkv_free() unless stated otherwise.
 *  - A per-thread message with context (tree, key, file, byte offset) for the
 *    last error is available from lmkv_errmsg().
 *  - Free/close functions accept NULL.
 */
#ifndef LMKV_KV_H
#define LMKV_KV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LMKV_BUILDING)
#define LMKV_API __attribute__((visibility("default")))
#else
#define LMKV_API
#endif

/* ---------------------------------------------------------------- version */
#define LMKV_VERSION_MAJOR 0
#define LMKV_VERSION_MINOR 1
#define LMKV_VERSION_PATCH 0
/** On-disk format version written to every database's meta record. A
 *  database of another format version is refused with LMKV_EVERSION. */
#define LMKV_FORMAT_VERSION 1
/** Runtime version string, e.g. "0.1.0". Static storage; never free. */
LMKV_API const char *lmkv_version(void);

/* ----------------------------------------------------------------- errors */
/* lmkv's own codes live in [-30999, -30900] (LMDB uses -30799..-30780),
 * so they never collide with LMDB's or with negated errno values. */
enum lmkv_error {
    LMKV_OK           = 0,
    LMKV_NOTFOUND     = -30900, /* key, tree, symbol or file not found (expected) */
    LMKV_EINVAL       = -30901, /* bad argument (NULL handle, bad flags, bad hex) */
    LMKV_ENOMEM       = -30902, /* allocation failed */
    LMKV_EIO          = -30903, /* I/O error (errno in the message) */
    LMKV_ECORRUPT     = -30904, /* damaged database, record or input file */
    LMKV_EEXISTS      = -30905, /* already exists (create_new, import overwrite) */
    LMKV_ECAS         = -30906, /* compare_and_swap: current value differs */
    LMKV_EUNSUPPORTED = -30907, /* e.g. merge without a merge operator */
    LMKV_ETREE        = -30908, /* tree was dropped (sled CollectionNotFound) */
    LMKV_EBADTXN      = -30909, /* transaction failed earlier and is poisoned */
    LMKV_EFULL        = -30910, /* disk or map full and cannot grow */
    LMKV_EVERSION     = -30911, /* database of another lmkv format version */
    LMKV_EBUSY        = -30912, /* resource busy (readers exhausted, locked) */
    LMKV_ETOOBIG      = -30913, /* value or response over a configured limit */
    LMKV_EPARSE       = -30914, /* malformed input (dump, JSON, ctags/cflow output) */
    LMKV_EGIT         = -30915, /* libgit2 reported an error (message has it) */
    LMKV_EEXTERNAL    = -30916, /* an external tool (ctags, cflow) failed */
    LMKV_EREADONLY    = -30917, /* write on a read-only database */
    LMKV_ECONFLICT    = -30918, /* transaction aborted by the user callback */
    LMKV_ECOLLISION   = -30919, /* two distinct long keys with equal 64-bit hash */
    LMKV_EPERM        = -30920, /* permission denied */
    LMKV_ELIMIT       = -30921  /* a query limit (results, depth) was reached */
};

/** Static description of an error code (never NULL, never free). */
LMKV_API const char *lmkv_strerror(int err);
/** The calling thread's message for its last failed call, with context
 *  ("tree 'x': key 61 62...: ..."). Valid until the thread's next lmkv call. */
LMKV_API const char *lmkv_errmsg(void);
/** Free memory returned by lmkv. NULL is fine. */
LMKV_API void lmkv_free(void *p);


/* ======================================================================
 * Common types
 * ====================================================================== */

/** Opaque handles. All handles are safe to use from several threads at once
 *  unless stated otherwise (lmkv_iter, lmkv_txn, lmkv_batch and
 *  lmkv_subscriber are single-user objects: one thread at a time, but they
 *  may move between threads -- the LMDB env is opened with MDB_NOTLS; a
 *  write lmkv_txn stays on the thread that began it). */
typedef struct lmkv_db lmkv_db;
typedef struct lmkv_tree lmkv_tree;
typedef struct lmkv_iter lmkv_iter;
typedef struct lmkv_batch lmkv_batch;
typedef struct lmkv_txn lmkv_txn;
typedef struct lmkv_subscriber lmkv_subscriber;
typedef struct lmkv_watcher lmkv_watcher;
typedef struct lmkv_import lmkv_import;

/** Owned bytes. `data` is NULL only for "absent"; a present empty value has a
 *  non-NULL data and size 0. Free `data` with lmkv_free(). */
typedef struct lmkv_bytes {
    uint8_t *data;
    size_t size;
} lmkv_bytes;

/** A list of owned byte strings (tree names), sorted bytewise. Free the whole
 *  list with lmkv_bytes_array_free(). */
typedef struct lmkv_bytes_array {
    lmkv_bytes *items;
    size_t count;
} lmkv_bytes_array;
/** Frees every item's data and the items array of *arr and resets it to
 *  {NULL, 0} (the struct itself is the caller's). NULL is a no-op. Not
 *  thread-safe for one array; no error. */
LMKV_API void lmkv_bytes_array_free(lmkv_bytes_array *arr);

/** A borrowed key/value pair (iterators, zero-copy reads). The pointers are
 *  owned by lmkv; their lifetime is stated by the function that fills it.
 *  value is never NULL for a present pair (an empty value has size 0). */
typedef struct lmkv_pair {
    const uint8_t *key;
    size_t key_size;
    const uint8_t *value;
    size_t value_size;
} lmkv_pair;

/* ======================================================================
 * Errors (shared by every module)
 * ====================================================================== */

/** Set the calling thread's error message (printf format; truncated to 1 KiB)
 *  and return `code` unchanged, so callers write
 *      return lmkv_error_set(LMKV_EPARSE, "%s: byte %zu: bad tag 0x%02x", f, off, b);
 *  An argument may be the current message itself (lmkv_errmsg()).
 *  For every module (schema, migrate, graph, versioning, tools). Thread-safe. */
LMKV_API int lmkv_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Like lmkv_error_set, but prefixes the message with the current message
 *  ("<new>: <old>") so a caller can add context to a callee's error. */
LMKV_API int lmkv_error_wrap(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Clear the calling thread's message (lmkv_errmsg() then returns ""). */
LMKV_API void lmkv_error_clear(void);
/** Map an LMDB return code (MDB_*) or a positive errno to an LMKV_E* code:
 *  MDB_NOTFOUND -> LMKV_NOTFOUND, MDB_MAP_FULL/ENOSPC -> LMKV_EFULL,
 *  MDB_CORRUPTED/MDB_PAGE_NOTFOUND/MDB_INVALID -> LMKV_ECORRUPT,
 *  MDB_VERSION_MISMATCH -> LMKV_EVERSION, MDB_DBS_FULL -> LMKV_EFULL,
 *  MDB_READERS_FULL/EBUSY/EAGAIN -> LMKV_EBUSY, MDB_BAD_TXN -> LMKV_EBADTXN, EACCES/EPERM -> LMKV_EPERM,
 *  EROFS -> LMKV_EREADONLY, ENOMEM -> LMKV_ENOMEM, ENOENT -> LMKV_NOTFOUND,
 *  EEXIST -> LMKV_EEXISTS, EINVAL/MDB_BAD_DBI/MDB_BAD_VALSIZE -> LMKV_EINVAL,
 *  other errno -> LMKV_EIO. 0 -> LMKV_OK. */
LMKV_API int lmkv_error_from_mdb(int mdb_or_errno);

/* ======================================================================
 * Db: one LMDB environment directory
 * ====================================================================== */

/** Durability of a commit (see the DURABILITY section at the end). */
enum lmkv_durability {
    /** Default. MDB_NOMETASYNC: data pages are fsync'ed at commit, the meta
     *  page lazily (next commit or flush). Survives a process kill always;
     *  a power loss may lose the last commit(s) but never corrupts. */
    LMKV_DURABILITY_DEFAULT = 0,
    /** Full fsync at every commit: every acknowledged write survives power
     *  loss. Slowest. */
    LMKV_DURABILITY_SYNC = 1,
    /** MDB_NOSYNC: no fsync at commit; survives a process kill, a power loss
     *  may corrupt the database. For caches that can be rebuilt.
     *  A database damaged this way (or by a disk error) is not always
     *  reported as LMKV_ECORRUPT: on some damaged pages LMDB's own
     *  assertions (mdb_assert) call abort(), or the read faults, killing the
     *  reading process -- kv cannot catch that. `lmkv verify` runs its check
     *  in a child process and reports such a death as damage (exit 3,
     *  naming the tree); check a suspect database with it before opening
     *  it in a long-running process. */
    LMKV_DURABILITY_NOSYNC = 2
};

/** Db configuration (as sled::Config). Fill with lmkv_config_init(), then
 *  change fields. The struct is read during lmkv_db_open only. */
typedef struct lmkv_config {
    /** Database directory (created with its parents if missing; see
     *  file_mode for its mode). May be NULL only when `temporary` is set: a
     *  fresh directory is made under $TMPDIR (else /tmp). */
    const char *path;
    /** Remove the directory and its files on lmkv_db_close (sled temporary). */
    int temporary;
    /** Fail with LMKV_EEXISTS if the database already exists (sled create_new). */
    int create_new;
    /** Open read-only (MDB_RDONLY); every write returns LMKV_EREADONLY and
     *  trees that do not exist cannot be opened (LMKV_NOTFOUND). */
    int read_only;
    /** Background flush period in milliseconds (sled flush_every_ms): a thread
     *  calls lmkv_db_flush() this often when something was committed.
     *  0 = no thread. lmkv_config_init sets 500 (sled's default). */
    unsigned flush_every_ms;
    /** enum lmkv_durability. */
    int durability;
    /** Initial LMDB map size in bytes (0 = 64 MiB). The map grows by itself
     *  (doubling, at least to fit) whenever it fills, so this is a hint. */
    uint64_t initial_map_size;
    /** Mode of created files (0 = 0600); created directories get this mode
     *  plus an x bit for each r bit (0600 -> 0700). */
    unsigned file_mode;
    /** Maximum number of trees (user + system) (0 = 4096). MDB maxdbs. */
    unsigned max_trees;
    /** Maximum concurrent read transactions across all processes (0 = 1022). */
    unsigned max_readers;
} lmkv_config;

/** Fill *cfg with defaults: path NULL, not temporary, flush_every_ms 500,
 *  LMKV_DURABILITY_DEFAULT, 64 MiB initial map, 0600 files, 4096 trees. */
LMKV_API void lmkv_config_init(lmkv_config *cfg);

/** Open (or create) a database. On success *out is a handle to close with
 *  lmkv_db_close(). Threads and processes may open the same directory at
 *  once (no exclusive lock; unlike sled). Within one process, opening a
 *  directory that is already open returns the SAME handle, reference-counted
 *  (LMDB must not open one environment twice in a process): every
 *  lmkv_db_open needs its own lmkv_db_close and the first open's settings
 *  (durability, flush) apply. A read_only open of a directory this process
 *  has open read-write returns a read-only view of the same environment (a
 *  different handle: every write through it, or through trees opened from
 *  it, gives LMKV_EREADONLY); a read-write open of one open read-only gives
 *  LMKV_EBUSY. After fork() a child must open its own handle (it does not
 *  share the parent's). Opening runs mdb_reader_check to clear stale reader
 *  slots of dead processes.
 *  A read_only open of a database whose lock file cannot be opened or
 *  created (lock.mdb not writable, or missing in a directory that is not
 *  writable, or a read-only file system: EACCES, EPERM, EROFS) opens it
 *  again without the lock, MDB_NOLOCK with MDB_RDONLY, as LMDB's mdb_dump
 *  and mdb_stat do; lmkv_db_is_lockless() then returns 1 so the caller can
 *  say so. Without the lock this process's readers are invisible to
 *  writers: a process writing the database meanwhile may reuse pages they
 *  read. When the lockless open fails too the error names lock.mdb and
 *  both causes.
 *  Errors: LMKV_EINVAL (NULL path without temporary, bad durability),
 *  LMKV_EEXISTS (create_new and the database exists), LMKV_NOTFOUND
 *  (read_only and no database), LMKV_EPERM (EACCES), LMKV_EVERSION (another
 *  lmkv format version or LMDB version), LMKV_ECORRUPT (not an LMDB file),
 *  LMKV_EIO, LMKV_ENOMEM. Thread-safe. */
LMKV_API int lmkv_db_open(lmkv_db **out, const lmkv_config *cfg);
/** lmkv_db_open with defaults and the given path. */
LMKV_API int lmkv_db_open_path(lmkv_db **out, const char *path);
/** Close: drops one reference (see lmkv_db_open); the last one first
 *  releases writers blocked on full subscriber queues (see
 *  lmkv_tree_watch_prefix) and waits until they have left lmkv, detaching
 *  subscribers still open (their lmkv_subscriber_next returns what is
 *  queued, then LMKV_ETREE; lmkv_subscriber_close still frees them), then
 *  stops the flush thread, flushes (as lmkv_db_flush: no fdatasync when
 *  nothing was committed since the open or the last flush), closes the env
 *  and, if temporary, removes the directory. Every tree, iterator, txn and import
 *  of this db must be closed/freed before the last close (a writer blocked
 *  on a subscriber may still be inside a call on the default tree, which
 *  the db owns). NULL ok. */
LMKV_API void lmkv_db_close(lmkv_db *db);

/** The database directory (owned by db, valid until close). */
LMKV_API const char *lmkv_db_path(const lmkv_db *db);
/** 1 if opened temporary, else 0. */
LMKV_API int lmkv_db_is_temporary(const lmkv_db *db);
/** 1 if opened read-only, else 0. */
LMKV_API int lmkv_db_is_read_only(const lmkv_db *db);
/** 1 if opened read-only without LMDB's lock file (MDB_NOLOCK: lock.mdb
 *  could not be opened or created, see lmkv_db_open), else 0 (also for
 *  NULL). Thread-safe. */
LMKV_API int lmkv_db_is_lockless(const lmkv_db *db);
/** sled was_recovered: 0 when this open created the database, 1 when it
 *  existed before. */
LMKV_API int lmkv_db_was_recovered(const lmkv_db *db);

/** The default tree `__sled__default` (sled's Db point operations act on
 *  it). Borrowed: owned by db, valid until lmkv_db_close; do not close it.
 *  Never NULL for an open db. Its merge operator may be set. */
LMKV_API lmkv_tree *lmkv_db_default_tree(lmkv_db *db);

/** Flags for lmkv_db_open_tree_ex. */
#define LMKV_TREE_SYSTEM    0x1u  /* system namespace (hidden from tree_names/checksum/export) */
#define LMKV_TREE_NO_CREATE 0x2u  /* LMKV_NOTFOUND instead of creating */

/** sled Db::open_tree: open the user tree `name` (any bytes: empty, NUL,
 *  non-UTF-8; at most 64 KiB), creating it (empty) on first use. *out is a
 *  new handle (with no merge operator) to close with lmkv_tree_close(); many
 *  handles to one tree may coexist. Thread-safe. Creating takes its own
 *  write txn; when the calling thread holds a write lmkv_txn on this db the
 *  tree is opened (or created) inside that txn instead: a tree created there
 *  disappears if the txn aborts (its handles then return LMKV_ETREE); an
 *  existing one stays usable.
 *  Errors: LMKV_EINVAL (NULL, name over 64 KiB), LMKV_NOTFOUND (read-only db
 *  or LMKV_TREE_NO_CREATE, and no such tree), LMKV_EBUSY (called from inside
 *  an update/merge callback), LMKV_EFULL (max_trees reached, disk full). */
LMKV_API int lmkv_db_open_tree(lmkv_tree **out, lmkv_db *db, const void *name, size_t name_size);
/** open_tree with flags (LMKV_TREE_SYSTEM, LMKV_TREE_NO_CREATE). */
LMKV_API int lmkv_db_open_tree_ex(lmkv_tree **out, lmkv_db *db, const void *name, size_t name_size, unsigned flags);
/** Open a system tree: same as lmkv_db_open_tree_ex(.., LMKV_TREE_SYSTEM).
 *  System trees (schema/'s typed records and indexes) are a separate
 *  namespace: a user tree and a system tree may have the same name. */
LMKV_API int lmkv_db_open_system_tree(lmkv_tree **out, lmkv_db *db, const void *name, size_t name_size);

/** sled Db::drop_tree: delete the user tree and all its entries (atomic).
 *  *out_existed (may be NULL) = 1 if it existed, 0 if not (then nothing is
 *  written and LMKV_OK is returned). Every handle to it in this process then
 *  fails with LMKV_ETREE and its subscribers get LMKV_ETREE; opening the name
 *  again gives a new empty tree. mdb_drop closes the dbi for the whole
 *  process, so drop waits (up to 30 s) until no other thread of this process
 *  is inside a transaction or iterator refill. Handles in OTHER processes are
 *  not told: their calls may see an empty tree or fail with LMKV_EINVAL.
 *  Errors: LMKV_EINVAL for the default tree ("cannot remove the core
 *  structures", as sled), LMKV_EREADONLY, LMKV_EBUSY (this thread holds a
 *  transaction, or others did not finish within 30 s). */
LMKV_API int lmkv_db_drop_tree(int *out_existed, lmkv_db *db, const void *name, size_t name_size);
/** drop_tree for a system tree. */
LMKV_API int lmkv_db_drop_system_tree(int *out_existed, lmkv_db *db, const void *name, size_t name_size);

/** sled Db::tree_names: the user trees' names, bytewise sorted, including
 *  `__sled__default`; system trees excluded. Free with lmkv_bytes_array_free. */
LMKV_API int lmkv_db_tree_names(lmkv_bytes_array *out, lmkv_db *db);
/** Names of the system trees, bytewise sorted (for tools). */
LMKV_API int lmkv_db_system_tree_names(lmkv_bytes_array *out, lmkv_db *db);

/** sled Db::generate_id: a u64 that is 0 on a fresh database, strictly
 *  increasing for this handle, and never repeated across reopen, crash, or
 *  other processes (blocks of ids are reserved in a write txn; a reopen
 *  starts past the last reservation, so ids jump ahead as in sled).
 *  Errors: LMKV_EREADONLY, LMKV_EIO, LMKV_EFULL. Thread-safe. */
LMKV_API int lmkv_db_generate_id(uint64_t *out, lmkv_db *db);
/** Make every later generate_id (in every process) return at least `next`
 *  (for importing a sled counter). Never lowers the counter. */
LMKV_API int lmkv_db_set_next_id(lmkv_db *db, uint64_t next);

/** The persisted id high-water mark, read-only: every id ever handed out by
 *  lmkv_db_generate_id (in any process) is below *out, none at or above it
 *  was. 0 on a fresh database; after lmkv_db_set_next_id(db, n) at least n.
 *  This is the "next" value of a sled-dump meta collection. Works on
 *  read-only databases. Errors: LMKV_EINVAL, LMKV_EIO, LMKV_ECORRUPT. */
LMKV_API int lmkv_db_peek_next_id(uint64_t *out, lmkv_db *db);

/** sled Db::size_on_disk: bytes used by the files (data.mdb + lock.mdb). */
LMKV_API int lmkv_db_size_on_disk(uint64_t *out, lmkv_db *db);
/** sled Db::flush: mdb_env_sync(force=1), making every commit so far (by any
 *  process) survive power loss, whatever the durability mode. *out_bytes (may
 *  be NULL) = the data file's used size in bytes when something was committed
 *  (by any process) since this handle was opened or last flushed, else 0
 *  (and nothing is synced). A read-only db syncs nothing and gives 0.
 *  Thread-safe.
 *  Errors: LMKV_EINVAL, LMKV_EIO (fdatasync failed). */
LMKV_API int lmkv_db_flush(uint64_t *out_bytes, lmkv_db *db);
/** Empty every user tree (none dropped), atomically in one write txn (the
 *  daemon's DatabaseBackend::clear). System trees are untouched. Subscribers
 *  get a Remove per key. Errors: LMKV_EREADONLY, LMKV_EBUSY, LMKV_EFULL. */
LMKV_API int lmkv_db_clear(lmkv_db *db);

/** sled Db::checksum: CRC-32 IEEE (zlib crc32) over the user trees sorted by
 *  name (default tree included; system trees excluded): for each tree its
 *  name, then each key and value in key order, no lengths or separators.
 *  Equal to sled's for the same data. Read in one snapshot. */
LMKV_API int lmkv_db_checksum(uint32_t *out, lmkv_db *db);

/* ---------------------------------------------------------------- verify */

/** One problem found by lmkv_db_verify. Pointers valid during the callback
 *  only. `tree` is the tree's name (any bytes, tree_len of them) in its
 *  namespace (`system` 1: a system tree, e.g. "store.call_to"). */
typedef struct lmkv_db_verify_problem {
    const void *tree;
    size_t tree_len;
    int system;
    int code;              /* LMKV_ECORRUPT, LMKV_ECOLLISION, or the open error */
    const char *message;   /* "reading entry 12: ...", naming the key in hex */
} lmkv_db_verify_problem;

/** Callbacks and limits of lmkv_db_verify; start from
 *  lmkv_db_verify_options_init (all NULL/0). Every callback runs in the
 *  caller's thread, inside the verify's read snapshot. */
typedef struct lmkv_db_verify_options {
    /** each problem; return non-zero to stop (report.stopped = 1) */
    int (*on_problem)(void *ctx, const lmkv_db_verify_problem *p);
    /** a tree is about to be read (e.g. for a supervising process to name
     *  the tree if LMDB aborts on a damaged page while reading it) */
    void (*on_tree)(void *ctx, const void *tree, size_t tree_len, int system);
    /** entries read so far of the trees' total, every 4096 and at the end */
    void (*on_progress)(void *ctx, uint64_t entries, uint64_t total_entries);
    void *ctx;
    uint64_t max_problems; /* stop after this many; 0 = no limit */
} lmkv_db_verify_options;

/** What lmkv_db_verify read and found. */
typedef struct lmkv_db_verify_report {
    uint64_t trees;          /* trees read to their end or to their damage */
    uint64_t entries;        /* entries read                              */
    uint64_t total_entries;  /* the trees' lengths (LMDB entry counts)    */
    uint64_t problems;
    int stopped;             /* 1: stopped by on_problem or max_problems  */
} lmkv_db_verify_report;

/** Sets *opts to the defaults: no callbacks, ctx NULL, max_problems 0 (no
 *  limit). NULL is a no-op. No error, no allocation. */
LMKV_API void lmkv_db_verify_options_init(lmkv_db_verify_options *opts);

/** Check the kv level of the whole database (lmkv verify's pass 1; schema's
 *  lmkv_store_verify checks the typed records above it): open every tree,
 *  user and system, then read every entry of every tree in ONE read
 *  snapshot, so LMDB's page checks, kv's key encoding and each long key's
 *  stored prefix and xxh3 are checked on every record, as any read checks
 *  them. A tree whose walk hits a damaged record is one problem (its walk
 *  ends there, the next tree is read). Read-only: concurrent writers go on
 *  (as mdb_stat / mdb_dump). Thread-safe; *out (may be NULL) is filled on
 *  success and, as far as known, on failure.
 *  LMDB itself may abort() or fault on some damaged pages instead of
 *  returning MDB_CORRUPTED: a caller that must survive that runs this in a
 *  child process (`lmkv verify` does) and uses on_tree to name the tree.
 *  @return LMKV_OK (no problem), LMKV_ECORRUPT (problems found: see
 *  report), LMKV_EINVAL (NULL db), LMKV_ENOMEM, LMKV_EBUSY (no reader
 *  slot), other kv errors of listing trees or reading (then the message
 *  names the tree). */
LMKV_API int lmkv_db_verify(lmkv_db_verify_report *out, lmkv_db *db, const lmkv_db_verify_options *opts);

/** LMDB id of the last committed write transaction (mdb_env_info
 *  me_last_txnid), across all processes: poll it to notice changes. */
LMKV_API int lmkv_db_last_txnid(uint64_t *out, lmkv_db *db);

/** Statistics for tools (mdb_env_info + mdb_env_stat + catalog). */
typedef struct lmkv_db_stat {
    uint64_t map_size;         /* bytes (mdb_env_info me_mapsize) */
    uint64_t last_page;        /* me_last_pgno */
    uint64_t last_txnid;       /* me_last_txnid */
    uint32_t max_readers;      /* me_maxreaders */
    uint32_t num_readers;      /* me_numreaders (slots in use) */
    uint32_t page_size;        /* ms_psize */
    uint64_t tree_count;       /* user trees, default included */
    uint64_t system_tree_count;
    uint64_t total_entries;    /* entries in user trees */
    uint64_t total_size_bytes; /* pages of user trees * page size */
    uint64_t disk_size_bytes;  /* as lmkv_db_size_on_disk */
    int is_temporary;
    int is_read_only;
} lmkv_db_stat;
/** Fills *out (LMDB's mdb_env_info/mdb_env_stat, plus counts of the user
 *  and system trees read in one snapshot; sizes in bytes). Safe from any
 *  thread holding db. Returns LMKV_OK; LMKV_EINVAL on a NULL argument, or
 *  the error of reading the catalog (*out untouched then). */
LMKV_API int lmkv_db_stat_get(lmkv_db_stat *out, lmkv_db *db);

/** Copy flags for lmkv_db_copy. */
#define LMKV_COPY_COMPACT 0x1u  /* MDB_CP_COMPACT: omit free pages, renumber */
/** Copy the database to a new directory `dest_dir` (created, must be empty
 *  or missing) while it is in use: as LMDB mdb_env_copy2. The copy is a
 *  consistent snapshot. Errors: LMKV_EEXISTS (dest has data.mdb), LMKV_EIO. */
LMKV_API int lmkv_db_copy(lmkv_db *db, const char *dest_dir, unsigned flags);

/* ======================================================================
 * Trees (sled::Tree)
 *
 * Key and value arguments are (pointer, size); a NULL pointer with size 0 is
 * the empty key/value. Keys of any length (0 .. at least 1 MiB; the limit is
 * the map) in bytewise order; values up to at least 64 MiB.
 * "Absent" inputs (compare_and_swap) are a NULL pointer; a present empty
 * value is any non-NULL pointer with size 0.
 * Every tree call is one atomic LMDB transaction, visible to every thread and
 * process when it returns. A thread that holds a write lmkv_txn on the same
 * db must not call the write functions below (LMKV_EBUSY): use lmkv_txn_*.
 * Every call on a dropped tree's handle returns LMKV_ETREE.
 * Errors every tree function may return besides those it lists: LMKV_EINVAL
 * (NULL handle/out, NULL pointer with non-zero size), LMKV_ETREE (dropped),
 * LMKV_EBUSY (reader slots exhausted; a write while this thread holds a write
 * txn), LMKV_EREADONLY (a write on a read-only db), LMKV_EFULL (disk full, or
 * the map cannot grow because this thread holds another transaction),
 * LMKV_ENOMEM, LMKV_EIO, LMKV_ECORRUPT. Each sets lmkv_errmsg() naming the
 * operation, tree and key (hex prefix). All tree functions are thread-safe.
 * Long keys (over 500 bytes) are stored under their first 501 bytes and
 * their xxh3-64, the full key kept beside the value (kv/key_codec.c). Every
 * read that meets such a record -- get, contains_key, the lookup inside
 * insert/remove/cas/update/merge, iterators, first/last/pop, get_lt/get_gt,
 * checksum, export, lmkv_txn_* -- checks that its full key begins with
 * those 501 bytes and hashes to that xxh3; a damaged or forged record is
 * LMKV_ECORRUPT ("tree 'T': key HEX.. (N bytes): long-key record: ...")
 * and is never returned, and nothing is written. Iterators first return
 * the entries before it. The check costs one xxh3 over the key per long
 * key read by a cursor (iteration); point lookups pay it only when the
 * stored key is not the one asked for; keys of at most 500 bytes never.
 * ====================================================================== */

/** Close a handle from lmkv_db_open_tree*. NULL and the default tree's
 *  borrowed handle are ignored. Iterators and subscribers keep their own
 *  reference to the tree, so they may outlive the handle (not the db). */
LMKV_API void lmkv_tree_close(lmkv_tree *t);
/** The tree's name (owned by the handle); *out_size gets its length. */
LMKV_API const void *lmkv_tree_name(const lmkv_tree *t, size_t *out_size);
/** 1 for a system tree, 0 for a user tree. */
LMKV_API int lmkv_tree_is_system(const lmkv_tree *t);
/** The LMDB sub-database name this tree is stored in (see kv/catalog.c),
 *  as shown by `mdb_stat -a` / `mdb_dump -l`. Owned by the handle. */
LMKV_API const char *lmkv_tree_dbi_name(const lmkv_tree *t);

/** sled Tree::get. *out = a copy of the value (free out->data with
 *  lmkv_free; data is non-NULL even for an empty value). One pooled read
 *  txn (mdb_txn_renew/get/reset): sees every write acknowledged before the
 *  call, in any thread or process. Thread-safe.
 *  Errors: LMKV_NOTFOUND (absent; *out untouched), LMKV_ETREE, LMKV_EINVAL
 *  (NULL out/tree, NULL key with non-zero size), LMKV_EBUSY (readers full). */
LMKV_API int lmkv_tree_get(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t key_size);
/** sled Tree::contains_key: LMKV_OK if present, LMKV_NOTFOUND if absent. */
LMKV_API int lmkv_tree_contains_key(lmkv_tree *t, const void *key, size_t key_size);
/** sled Tree::insert. *out_prev (may be NULL) = the previous value
 *  (data NULL if the key was absent; free with lmkv_free). Thread-safe.
 *  Inserting the stored value again (byte-equal) writes nothing and sends
 *  no event, as sled 0.34 (src/tree.rs, Tree::insert_inner: `if value ==
 *  last_value { // short-circuit a no-op set or delete; return
 *  Ok(Ok(value)) }`, before its subscriber reservation is completed). It
 *  is checked in a pooled read txn first: such an insert joins no write
 *  group, takes no writer lock and costs no commit; it returns once the
 *  commit it read the value from is durable at the db's durability level
 *  (as the write would have been): at once when that commit is known
 *  synced (a commit of this process that wrote pages, or a flush, covered
 *  it), after this process's commit in flight when it read that commit's
 *  value, else after one mdb_env_sync of its own (the value came from
 *  another process, or from before this open). At NOSYNC (no sync to
 *  save) it takes the ordinary write path, which writes and commits
 *  nothing for an equal value either.
 *  Errors: LMKV_ECOLLISION (a different key longer than 500 bytes with the
 *  same first 501 bytes and xxh3-64 is stored), LMKV_EREADONLY, LMKV_EFULL
 *  (disk full), LMKV_ETREE, LMKV_EBUSY (inside an update callback, or this
 *  thread holds a write txn on the db), LMKV_EIO (the sync of an unchanged
 *  insert failed; nothing written), LMKV_ENOMEM. */
LMKV_API int lmkv_tree_insert(lmkv_bytes *out_prev, lmkv_tree *t, const void *key, size_t key_size,
                              const void *value, size_t value_size);
/** sled Tree::remove. *out_prev (may be NULL) = the removed value.
 *  LMKV_OK if it existed, LMKV_NOTFOUND (nothing written) if absent. */
LMKV_API int lmkv_tree_remove(lmkv_bytes *out_prev, lmkv_tree *t, const void *key, size_t key_size);

/** sled Tree::compare_and_swap. old == NULL: the key must be absent;
 *  new_value == NULL: delete. Succeeds (LMKV_OK) when the current value
 *  and old are both absent or byte-equal. On mismatch returns LMKV_ECAS and,
 *  if out_current is non-NULL, sets *out_current to the current value (data
 *  NULL if absent; the proposed value is the caller's new_value). */
LMKV_API int lmkv_tree_compare_and_swap(lmkv_bytes *out_current, lmkv_tree *t,
                                        const void *key, size_t key_size,
                                        const void *old, size_t old_size,
                                        const void *new_value, size_t new_size);

/** Callback for update_and_fetch / fetch_and_update: old is NULL when absent
 *  (an empty present value is non-NULL with size 0; old is valid during the
 *  call only). Set *out_new to a malloc()'ed buffer (lmkv frees it) and
 *  *out_new_size, or *out_new = NULL to delete; to keep the value return a
 *  copy. Return 0, or a negative LMKV_E* code to abort (nothing written; the
 *  code is returned; a positive or foreign code becomes LMKV_ECONFLICT).
 *  Runs inside the write transaction (holding LMDB's writer lock), normally
 *  once; again only if the map had to grow (sled: "f may run more than
 *  once"). It must not call lmkv on the same db (writes get LMKV_EBUSY).
 *  Group commit (see GROUP COMMIT at the end): f always runs in the
 *  calling thread, also when the call is part of a write group (the
 *  group's leader hands the nested transaction to this thread for f); it
 *  sees every earlier member's write and none of the later ones; its
 *  lmkv_error_set message stays in this thread. A write to the same db
 *  from f returns LMKV_EBUSY.
 *
 *  Counters: update_and_fetch and merge are exact read-modify-writes (the
 *  read and the write are one transaction, and grouped members run one
 *  after another), so N concurrent increments add N. A get followed by an
 *  insert is two operations: two threads can read the same value and one
 *  increment is lost (it is under sled too). Count hits and misses with
 *  these. */
typedef int (*lmkv_update_fn)(void *ctx, const uint8_t *old, size_t old_size,
                              uint8_t **out_new, size_t *out_new_size);
/** sled Tree::update_and_fetch: *out (may be NULL) = the new value (data
 *  NULL if deleted). */
LMKV_API int lmkv_tree_update_and_fetch(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t key_size,
                                        lmkv_update_fn f, void *ctx);
/** sled Tree::fetch_and_update: *out (may be NULL) = the old value. */
LMKV_API int lmkv_tree_fetch_and_update(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t key_size,
                                        lmkv_update_fn f, void *ctx);

/** Merge operator (sled MergeOperator): key, old (NULL if absent), merged
 *  (the argument of lmkv_tree_merge). Output as lmkv_update_fn. */
typedef int (*lmkv_merge_fn)(void *ctx, const uint8_t *key, size_t key_size,
                             const uint8_t *old, size_t old_size,
                             const uint8_t *merged, size_t merged_size,
                             uint8_t **out_new, size_t *out_new_size);
/** sled Tree::set_merge_operator: set (f non-NULL) or unset (NULL) this
 *  handle's operator. Not persisted; other handles are unaffected. */
LMKV_API void lmkv_tree_set_merge_operator(lmkv_tree *t, lmkv_merge_fn f, void *ctx);
/** sled Tree::merge: new = op(key, old, value) in one write txn; *out (may
 *  be NULL) = the new value (data NULL if deleted). LMKV_EUNSUPPORTED
 *  without an operator. lmkv_tree_insert bypasses the operator. */
LMKV_API int lmkv_tree_merge(lmkv_bytes *out, lmkv_tree *t, const void *key, size_t key_size,
                             const void *value, size_t value_size);

/** sled first/last: *out key and value copies (free both with lmkv_free).
 *  LMKV_NOTFOUND when empty. */
LMKV_API int lmkv_tree_first(lmkv_bytes *out_key, lmkv_bytes *out_value, lmkv_tree *t);
LMKV_API int lmkv_tree_last(lmkv_bytes *out_key, lmkv_bytes *out_value, lmkv_tree *t);
/** sled pop_min/pop_max: remove and return the first/last entry, atomically
 *  (one write txn). LMKV_NOTFOUND when empty. */
LMKV_API int lmkv_tree_pop_min(lmkv_bytes *out_key, lmkv_bytes *out_value, lmkv_tree *t);
LMKV_API int lmkv_tree_pop_max(lmkv_bytes *out_key, lmkv_bytes *out_value, lmkv_tree *t);
/** sled get_lt / get_gt: the greatest entry < key / least entry > key.
 *  get_lt("") is LMKV_NOTFOUND; get_gt("") is the first entry. */
LMKV_API int lmkv_tree_get_lt(lmkv_bytes *out_key, lmkv_bytes *out_value, lmkv_tree *t,
                              const void *key, size_t key_size);
LMKV_API int lmkv_tree_get_gt(lmkv_bytes *out_key, lmkv_bytes *out_value, lmkv_tree *t,
                              const void *key, size_t key_size);

/** sled len: number of entries, O(1) (mdb_stat ms_entries in a pooled read
 *  txn; = lmkv_tree_stat_get's entries, same code). Thread-safe.
 *  Errors: LMKV_EINVAL (NULL), LMKV_ETREE (closed/dropped tree), LMKV_EBUSY
 *  (the tree is being created by another thread's uncommitted txn; its own
 *  thread may ask), LMKV_EBUSY/LMKV_EIO from taking the read txn. */
LMKV_API int lmkv_tree_len(uint64_t *out, lmkv_tree *t);
/** sled is_empty: 1 if empty, 0 if not, negative on error. */
LMKV_API int lmkv_tree_is_empty(lmkv_tree *t);
/** sled clear: remove every entry, atomically (mdb_drop del=0). Subscribers
 *  get a Remove event per key. */
LMKV_API int lmkv_tree_clear(lmkv_tree *t);
/** sled Tree::checksum: CRC-32 IEEE over each key then value, in order. */
LMKV_API int lmkv_tree_checksum(uint32_t *out, lmkv_tree *t);

/** Per-tree LMDB statistics (mdb_stat of its dbi). */
typedef struct lmkv_tree_stat {
    uint64_t entries;          /* = len */
    uint32_t depth;
    uint64_t branch_pages, leaf_pages, overflow_pages;
    uint32_t page_size;
} lmkv_tree_stat;
/** Fill *out from mdb_stat of the tree's dbi (pages in LMDB's page_size
 *  units). The same implementation as lmkv_tree_len, so the same errors
 *  (EINVAL, ETREE, EBUSY for a tree another thread's txn is still creating).
 *  Thread-safe. */
LMKV_API int lmkv_tree_stat_get(lmkv_tree_stat *out, lmkv_tree *t);

/* ---------------------------------------------------------- iterators */

/** Range bound kinds (Rust std::ops::Bound). */
enum lmkv_bound_kind { LMKV_UNBOUNDED = 0, LMKV_INCLUDED = 1, LMKV_EXCLUDED = 2 };
typedef struct lmkv_bound {
    int kind;               /* enum lmkv_bound_kind */
    const void *key;
    size_t key_size;
} lmkv_bound;

/** sled Tree::iter: all entries ascending. *out to free with lmkv_iter_free.
 *  Tree iterators are not snapshots (as sled): they read in chunks, each in
 *  its own short read txn, re-seeking past the last returned key, so a long
 *  scan never pins old pages; they never return a key twice, never go
 *  backwards, and never skip a key present for the whole scan. */
LMKV_API int lmkv_tree_iter(lmkv_iter **out, lmkv_tree *t);
/** sled Tree::range. start/end NULL = unbounded. start > end = empty. */
LMKV_API int lmkv_tree_range(lmkv_iter **out, lmkv_tree *t, const lmkv_bound *start, const lmkv_bound *end);
/** sled Tree::scan_prefix: keys starting with prefix ("" = all). */
LMKV_API int lmkv_tree_scan_prefix(lmkv_iter **out, lmkv_tree *t, const void *prefix, size_t prefix_size);

/** Next entry from the front. *out is borrowed: valid until the next call on
 *  this iterator or its free (txn iterators: see lmkv_txn_iter).
 *  LMKV_NOTFOUND at the end (when front and back meet). */
LMKV_API int lmkv_iter_next(lmkv_pair *out, lmkv_iter *it);
/** Next entry from the back (DoubleEndedIterator::next_back). May be mixed
 *  with lmkv_iter_next; each entry is returned once. */
LMKV_API int lmkv_iter_next_back(lmkv_pair *out, lmkv_iter *it);
/** Free an iterator. NULL ok. */
LMKV_API void lmkv_iter_free(lmkv_iter *it);

/* ---------------------------------------------------------- batches */

/** sled Batch: a list of inserts and removes applied atomically by
 *  lmkv_tree_apply_batch; the last write to a key wins. Not thread-safe. */
LMKV_API int lmkv_batch_new(lmkv_batch **out);
LMKV_API int lmkv_batch_insert(lmkv_batch *b, const void *key, size_t key_size, const void *value, size_t value_size);
LMKV_API int lmkv_batch_remove(lmkv_batch *b, const void *key, size_t key_size);
/** Number of distinct operations recorded (before last-write-wins). */
LMKV_API size_t lmkv_batch_len(const lmkv_batch *b);
LMKV_API void lmkv_batch_free(lmkv_batch *b);
/** sled Tree::apply_batch: one write txn; one event per distinct key. */
LMKV_API int lmkv_tree_apply_batch(lmkv_tree *t, const lmkv_batch *b);

/* ---------------------------------------------------------- transactions */

#define LMKV_TXN_READ_ONLY 0x1u

/** Begin a transaction over any trees of db (LMDB txn; serializable).
 *  A write txn holds LMDB's single-writer lock until commit/abort: other
 *  writers (threads and processes) wait; readers never wait. A thread must
 *  not begin a second write txn on the same db while it holds one, nor call
 *  tree-level write functions (lmkv_tree_insert...) then: both return
 *  LMKV_EBUSY instead of deadlocking. Tree-level reads (lmkv_tree_get...)
 *  stay allowed but see the committed state, not the txn's own writes. Keep write txns short. Read txns are
 *  snapshots and cheap (pooled, renewed); a long-lived read txn pins old
 *  pages (the file grows) and delays map growth of this process.
 *  lmkv_db_generate_id may be called inside (ids are not rolled back).
 *  Errors: LMKV_EREADONLY (write txn on a read-only db), LMKV_EBUSY,
 *  LMKV_EINVAL (flags). *out is freed by commit or abort. */
LMKV_API int lmkv_txn_begin(lmkv_txn **out, lmkv_db *db, unsigned flags);
/** Commit and free the txn (also on error). A poisoned txn (one of whose
 *  write-txn calls failed with anything but LMKV_NOTFOUND) is aborted and
 *  LMKV_EBADTXN returned. Subscribers get the events after commit.
 *  If the map fills, the txn's writes are replayed on a grown map; if another
 *  writer committed during that growth the txn is aborted with
 *  LMKV_ECONFLICT (its reads may be stale: retry it). Other errors: LMKV_EIO,
 *  LMKV_EFULL (disk full). Read txns: commit = abort, returns LMKV_OK. */
LMKV_API int lmkv_txn_commit(lmkv_txn *txn);
/** Abort and free. Nothing is written. NULL ok. */
LMKV_API void lmkv_txn_abort(lmkv_txn *txn);
/** Read txns only: release the snapshot (mdb_txn_reset) but keep the object;
 *  lmkv_txn_renew takes a fresh snapshot. Cheap. */
LMKV_API int lmkv_txn_reset(lmkv_txn *txn);
LMKV_API int lmkv_txn_renew(lmkv_txn *txn);
/** 1 for a read-only txn. */
LMKV_API int lmkv_txn_is_read_only(const lmkv_txn *txn);

/** Zero-copy get inside a txn: out->value points into the map (read txn) or
 *  the txn's dirty pages, valid until the txn ends, is reset, or writes;
 *  out->key is the caller's key. Sees the txn's own writes. LMKV_NOTFOUND if
 *  absent. A tree of another db -> LMKV_EINVAL; a tree opened by another
 *  thread after this txn began -> LMKV_EINVAL (open trees first, or open
 *  them from the txn's own thread: a tree opened by the thread holding a
 *  write txn is opened/created inside that txn and vanishes if it aborts).
 *  In a write txn, any error but LMKV_NOTFOUND poisons the txn. */
LMKV_API int lmkv_txn_get(lmkv_pair *out, lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size);
/** Insert flags. */
#define LMKV_INSERT_APPEND 0x1u  /* MDB_APPEND: key > every key in the tree
                                    (sorted bulk load; no previous-value check,
                                    no event); out of order -> LMKV_EINVAL */
/** Insert inside a write txn (no-op if equal, as lmkv_tree_insert).
 *  Errors (all but LMKV_NOTFOUND poison the txn): LMKV_EREADONLY (read
 *  txn), LMKV_EBADTXN (poisoned), LMKV_EINVAL, LMKV_ECOLLISION, LMKV_ETREE,
 *  LMKV_EFULL, LMKV_ECONFLICT (the map had to grow and another process
 *  committed meanwhile: abort and retry). */
LMKV_API int lmkv_txn_insert(lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size,
                             const void *value, size_t value_size);
LMKV_API int lmkv_txn_insert_ex(lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size,
                                const void *value, size_t value_size, unsigned flags);
/** Remove inside a write txn: LMKV_OK if it existed, LMKV_NOTFOUND if not. */
LMKV_API int lmkv_txn_remove(lmkv_txn *txn, lmkv_tree *t, const void *key, size_t key_size);
/** Iterators inside a txn: a snapshot that sees the txn's own writes.
 *  Pairs returned are zero-copy, valid until the iterator moves, the txn
 *  writes, or the txn ends. Free the iterator before the txn ends. Writes in
 *  the txn between steps are seen (the iterator re-seeks). */
LMKV_API int lmkv_txn_iter(lmkv_iter **out, lmkv_txn *txn, lmkv_tree *t);
LMKV_API int lmkv_txn_range(lmkv_iter **out, lmkv_txn *txn, lmkv_tree *t,
                            const lmkv_bound *start, const lmkv_bound *end);
LMKV_API int lmkv_txn_scan_prefix(lmkv_iter **out, lmkv_txn *txn, lmkv_tree *t,
                                  const void *prefix, size_t prefix_size);

/** sled Tree::transaction over several trees: runs fn(ctx, txn) in a
 *  write txn; fn returns 0 to commit or a negative code to abort (that
 *  code is returned; use LMKV_ECONFLICT for a user abort). Every tree in
 *  trees[] must belong to db (LMKV_EINVAL otherwise); fn may use other
 *  trees of db too. Returns LMKV_OK or fn's / commit's error; a txn that
 *  fn left poisoned (a lmkv_txn_* call failed) and returned 0 for gives
 *  LMKV_EBADTXN. Grouped (GROUP COMMIT below): concurrent calls and tree
 *  writes of this process share one commit and one sync; fn always runs in
 *  the calling thread, on a nested txn of the group when there are others,
 *  sees the earlier members' writes and fails alone. txn is valid only
 *  inside fn (do not commit, abort or keep it). fn may run more than once
 *  -- keep effects outside txn idempotent: when the map had to grow (a
 *  rerun from nothing written, as sled reruns conflicting transactions),
 *  and, when grouped, if fn opens a tree not yet open in this process or
 *  lmkv_db_generate_id must reserve a new block of ids (catalog and id
 *  writes stay out of nested txns): that call fails inside the group and
 *  fn is rerun alone, as an ordinary transaction where both work. From a
 *  thread that holds a write txn on db (or inside an update callback):
 *  LMKV_EBUSY. Thread-safe. */
typedef int (*lmkv_txn_fn)(void *ctx, lmkv_txn *txn);
/** Runs fn in a write transaction over trees[0..n_trees) (n_trees may be
 *  0), as described above lmkv_txn_fn; one writer at a time (LMDB's write
 *  lock), callable from any thread. */
LMKV_API int lmkv_db_transaction(lmkv_db *db, lmkv_tree *const *trees, size_t n_trees,
                                 lmkv_txn_fn fn, void *ctx);

/* ---------------------------------------------------------- subscribers */

enum lmkv_event_type { LMKV_EVENT_INSERT = 1, LMKV_EVENT_REMOVE = 2 };
/** An owned event: free key.data/value.data with lmkv_event_clear. */
typedef struct lmkv_event {
    int type;              /* enum lmkv_event_type */
    lmkv_bytes key;
    lmkv_bytes value;      /* data NULL for Remove */
} lmkv_event;
/** Frees ev->key.data and ev->value.data and zeroes *ev (the struct is the
 *  caller's). NULL is a no-op; no error. */
LMKV_API void lmkv_event_clear(lmkv_event *ev);

/** sled Tree::watch_prefix (sled 0.34 src/subscriber.rs): a subscriber to
 *  writes in this process to keys of t starting with prefix ("" = all).
 *  One event per key written (batches and transactions included), none for
 *  no-op writes; all subscribers see the same per-key order (the commit
 *  order). Same as lmkv_tree_watch_prefix_ex(out, t, prefix, prefix_size, 0):
 *
 *  Queue bound and back-pressure, as sled: each subscriber holds at most
 *  1024 undrained events (sled's sync_channel(1024)). A writer whose event
 *  does not fit BLOCKS until the subscriber drains enough for it (each
 *  lmkv_subscriber_next frees one slot and releases the writer that needed
 *  it), so no event is ever lost. Unlike sled, which reserves the slot
 *  before writing, lmkv's writer waits AFTER its LMDB commit: the write is
 *  already durable and visible to every reader, thread and process, and
 *  the writer holds no lock and no transaction while it waits, so other
 *  writers (of keys this subscriber does not need, or in other processes)
 *  and all readers go on. A tree call (lmkv_tree_insert...,
 *  lmkv_tree_apply_batch, lmkv_tree_clear, lmkv_db_clear) or
 *  lmkv_txn_commit returns only when each of its events has a slot in every
 *  matching subscriber's queue.
 *  Transactions and batches: all their events are queued at commit, in
 *  order (a transaction's events may make a queue hold more than 1024 for
 *  a while); the committing thread then waits until its last event for a
 *  subscriber is within that subscriber's first 1024 -- so a transaction of
 *  N events for one undrained subscriber waits until N - 1024 are drained.
 *  Later writers with events for the same subscriber queue behind it (and
 *  wait too), keeping the order.
 *  A blocked writer is released, returning LMKV_OK (its write committed),
 *  when the subscriber is closed (lmkv_subscriber_close, from another
 *  thread), when the tree is dropped, or at the last lmkv_db_close.
 *  Deadlock (sled has it too): a thread that writes to keys it subscribes
 *  to, without draining that subscriber from another thread, blocks itself
 *  on its 1025th undrained event (forever, unless another thread closes the
 *  subscriber, drops the tree or closes the db). Drain from a separate
 *  thread, or use LMKV_WATCH_NONBLOCKING.
 *  Thread-safe (registration); the subscriber itself is a single-user
 *  object. Errors: LMKV_EINVAL (NULL out, NULL prefix with non-zero size,
 *  unknown flags), LMKV_ETREE (dropped tree), LMKV_ENOMEM. */
LMKV_API int lmkv_tree_watch_prefix(lmkv_subscriber **out, lmkv_tree *t, const void *prefix, size_t prefix_size);
/** Flags for lmkv_tree_watch_prefix_ex. */
#define LMKV_WATCH_NONBLOCKING 0x1u /* drop when full instead of blocking writers (not sled) */
/** watch_prefix with flags. LMKV_WATCH_NONBLOCKING, for callers that must
 *  never stall a writer: when this subscriber's queue holds 1024 events,
 *  further events for it are dropped (writers never wait for it) and its
 *  next call to lmkv_subscriber_next, once the queued events are consumed,
 *  returns LMKV_ELIMIT once (events were lost; resynchronise by reading the
 *  tree). Either kind drops an event and reports LMKV_ELIMIT the same way
 *  if the event cannot be copied (out of memory); no writer waits for it. */
LMKV_API int lmkv_tree_watch_prefix_ex(lmkv_subscriber **out, lmkv_tree *t, const void *prefix, size_t prefix_size,
                                       unsigned flags);
/** Wait up to timeout_ms (-1 = forever, 0 = poll) for the next event, and
 *  free its slot (releasing a writer blocked on it, if any).
 *  LMKV_OK: *out filled (clear with lmkv_event_clear). LMKV_NOTFOUND: timeout.
 *  LMKV_ELIMIT: events were dropped (LMKV_WATCH_NONBLOCKING queue overflow,
 *  or out of memory). LMKV_ETREE: the tree was dropped, or the database's
 *  last lmkv_db_close detached this subscriber (after the events already
 *  queued). */
LMKV_API int lmkv_subscriber_next(lmkv_event *out, lmkv_subscriber *s, int timeout_ms);
/** Unsubscribe and free; writers blocked on this subscriber's queue are
 *  released. NULL ok. May be called after the database's last close (the
 *  subscriber was detached then and no longer touches the database). Not
 *  concurrently with lmkv_subscriber_next on the same subscriber, nor with
 *  the database's last close. */
LMKV_API void lmkv_subscriber_close(lmkv_subscriber *s);

/** A watcher of the keys of t starting with prefix ("" = all) that sees
 *  the writes of EVERY process on the database (lmkv_tree_watch_prefix,
 *  like sled's, sees only this process's). It polls (kv/watch.c): each
 *  poll reads the environment's last transaction id (lmkv_db_last_txnid)
 *  and, only when it moved, reads the prefix range in a new read snapshot
 *  and compares it with the previous one by key, value length and xxh3-64
 *  of the value. So, unlike a subscriber: one event per changed key per
 *  poll, in key order, carrying the key's latest state (several writes to
 *  a key between two polls give one event; a key written back to the value
 *  it had at the last poll gives none; a key inserted and removed between
 *  polls gives none). No read transaction is held between polls, so the
 *  watcher never pins the writer's pages and never blocks a writer. The
 *  first snapshot is taken here. Memory: every key of the range plus 16
 *  bytes per key, and the events of the last poll until returned.
 *  interval_ms: the time between polls inside lmkv_watcher_next (0 = 100
 *  ms). t must stay open while the watcher lives. The watcher is a
 *  single-user object (not thread-safe); several watchers may share a db.
 *  Errors: LMKV_EINVAL (NULL out or t, NULL prefix with non-zero size),
 *  LMKV_ETREE (dropped tree), LMKV_ENOMEM, read errors (LMKV_EBUSY when no
 *  reader slot is free). */
LMKV_API int lmkv_tree_watch_prefix_shared(lmkv_watcher **out, lmkv_tree *t, const void *prefix,
                                           size_t prefix_size, unsigned interval_ms);
/** The next event (any process's write), waiting up to timeout_ms (-1 =
 *  forever, 0 = one poll). LMKV_OK: *out filled (clear with
 *  lmkv_event_clear). LMKV_NOTFOUND: no change within the timeout, or a
 *  signal interrupted the wait (the caller checks its own flags and calls
 *  again). Read errors as lmkv_tree_watch_prefix_shared; after one, no
 *  event of that poll was returned and the next call reads again from the
 *  last good snapshot, so nothing is lost. LMKV_EINVAL: NULL argument. */
LMKV_API int lmkv_watcher_next(lmkv_event *out, lmkv_watcher *w, int timeout_ms);
/** Keys in the watcher's current snapshot (0 for NULL). */
LMKV_API size_t lmkv_watcher_len(const lmkv_watcher *w);
/** The transaction id its current snapshot reflects (0 for NULL). */
LMKV_API uint64_t lmkv_watcher_txnid(const lmkv_watcher *w);
/** Free the watcher and its queued events. NULL ok. */
LMKV_API void lmkv_watcher_close(lmkv_watcher *w);

/* ---------------------------------------------------------- export / import */

/** sled Db::export, callback form: in one snapshot, for each user tree in
 *  name order (default included, system trees excluded): collection(type
 *  "tree", name), pair(...) for each entry in key order. Pointers are valid
 *  during the call only. A non-zero callback return stops and is returned. */
typedef struct lmkv_export_visitor {
    int (*collection)(void *ctx, const char *type, const uint8_t *name, size_t name_size);
    int (*pair)(void *ctx, const uint8_t *key, size_t key_size, const uint8_t *value, size_t value_size);
} lmkv_export_visitor;
/** Visits the export as described above with ctx. Callable from any thread
 *  (a read snapshot). Returns LMKV_OK, LMKV_EINVAL (NULL db or v), a read
 *  error, or the first non-zero callback return. */
LMKV_API int lmkv_db_export(lmkv_db *db, const lmkv_export_visitor *v, void *ctx);

/** sled Db::import, session form: one write txn for the whole import (atomic:
 *  commit writes everything or nothing). Refuses to overwrite: a key that
 *  already exists in the target tree -> LMKV_EEXISTS naming tree and key,
 *  and the session is poisoned. */
LMKV_API int lmkv_import_begin(lmkv_import **out, lmkv_db *db);
/** Start a collection: type must be "tree" (else LMKV_EINVAL). */
LMKV_API int lmkv_import_collection(lmkv_import *imp, const char *type, const void *name, size_t name_size);
/** Add a pair to the current collection. */
LMKV_API int lmkv_import_pair(lmkv_import *imp, const void *key, size_t key_size, const void *value, size_t value_size);
/** The import's write txn, e.g. to write system trees in the same commit. */
LMKV_API lmkv_txn *lmkv_import_txn(lmkv_import *imp);
/** Commit (frees imp). LMKV_EBADTXN if a call failed before. */
LMKV_API int lmkv_import_commit(lmkv_import *imp);
/** Abort (frees imp). NULL ok. */
LMKV_API void lmkv_import_abort(lmkv_import *imp);

/* ======================================================================
 * GROUP COMMIT
 *  The tree write calls -- insert, remove, compare_and_swap,
 *  update_and_fetch, fetch_and_update, merge, pop_min/pop_max, apply_batch
 *  -- made by several threads of one process at the same moment share one
 *  LMDB write transaction and one sync (RocksDB write groups, InnoDB and
 *  PostgreSQL group commit). The first writer to find no group forming
 *  becomes the leader: it waits for LMDB's writer lock (while the previous
 *  group commits and syncs, the next one gathers), takes the writers queued
 *  by then (at most 256 operations and ~4 MiB of keys and values), applies
 *  each in its own nested LMDB transaction, commits once and wakes each
 *  writer with its own result. A lone writer never waits for anyone: there
 *  is no fixed delay. The grouping window adapts to the load: a leader
 *  that finds fewer writers queued than were writing at once since the
 *  last group waits for the others (they were just released by the
 *  previous commit) at most the mean commit time, capped at 1 ms
 *  (PostgreSQL's commit_delay/commit_siblings) -- so a grouped write's
 *  latency is at most about two commits plus its share of one group.
 *  Update callbacks and merge operators run in their caller's thread.
 *  What stays the same for every caller:
 *  - a call returns once its operation is committed (durable at the db's
 *    durability level, as a lone commit would be); then it is visible to
 *    every reader and survives SIGKILL;
 *  - each operation is atomic on its own and sees every earlier one (queue
 *    order = commit order = subscriber event order); a failing operation
 *    (LMKV_ECAS, an update callback's code, LMKV_ECOLLISION, out of memory,
 *    ...) fails alone: its writes are rolled back, its code and message go
 *    to its caller's thread, the others commit;
 *  - a commit failure (disk full, I/O error) fails every operation of the
 *    group with that error; none of them is applied;
 *  - subscribers get each operation's events once, as one transaction's,
 *    in commit order; a writer blocked by a full subscriber queue waits in
 *    its own thread after the commit, holding nothing;
 *  - MDB_MAP_FULL grows the map and reruns the whole (unacknowledged)
 *    group, as it reruns a lone write.
 *  lmkv_db_transaction closures are grouped the same way (fn in its
 *  caller's thread, on a nested txn; see lmkv_db_transaction for when fn
 *  is rerun alone); schema/'s LSP cache writes (put, flush, stats_add) go
 *  through it.
 *  Not grouped either: an lmkv_tree_insert of the value already stored
 *  (the daemon's rewrite on a hit) at DEFAULT or SYNC durability -- it
 *  commits nothing, so it needs no group; it returns once the commit it
 *  read is durable (see lmkv_tree_insert).
 *  Not grouped: writes at LMKV_DURABILITY_NOSYNC (a commit costs no
 *  sync, so there is nothing to share; they take LMDB's writer lock in
 *  turn, as before); transactions begun with lmkv_txn_begin (and import)
 *  hold LMDB's writer lock from begin to commit and commit alone -- the
 *  caller's code runs between begin and commit, so they cannot be queued;
 *  lmkv_tree_clear, tree creation and id reservation commit alone.
 *  Across processes: grouping is inside one process only (the queue is in
 *  the process's memory). Each process forms its own groups; a group, an
 *  explicit txn or a single write of another process takes LMDB's writer
 *  lock in turn (it waits while a group of this process commits and syncs,
 *  and vice versa), so writers of other processes keep working and every
 *  guarantee above holds for them, but their writes never share this
 *  process's sync: N writing processes pay N syncs.
 * ====================================================================== */

/* ======================================================================
 * DURABILITY
 *  - Every acknowledged write (a tree call that returned, a committed txn)
 *    is visible at once to every thread and process, and survives the
 *    process being killed (LMDB writes into the shared file before commit
 *    returns).
 *  - After lmkv_db_flush (or flush_every_ms) it also survives power loss.
 *  - LMKV_DURABILITY_DEFAULT (MDB_NOMETASYNC): data synced at commit, meta
 *    lazily; power loss may lose the last commit(s), never corrupts.
 *  - LMKV_DURABILITY_SYNC: each commit survives power loss.
 *  - LMKV_DURABILITY_NOSYNC (MDB_NOSYNC): power loss may corrupt; LMDB may
 *    then abort() a reader of a damaged page instead of an error (see
 *    LMKV_DURABILITY_NOSYNC; `lmkv verify` isolates that in a child).
 *  - A crash never corrupts (copy-on-write B+tree, two meta pages).
 *  MDB_WRITEMAP is never used (a stray pointer cannot corrupt the file).
 * ====================================================================== */

#ifdef __cplusplus
}
#endif
#endif /* LMKV_KV_H */
