/*
 * lmkv_kv.h -- lmkv's key-value layer: sled 0.34 semantics on LMDB.
 *
 * This header is the kv module's only door and its specification.
 * (DRAFT written by the lead to fix the contract; the kv owner completes
 * every function's documentation: units, ownership, lifetime, thread-safety,
 * every error, and the sled/LMDB behaviour it follows.)
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

/* The kv owner completes the API below this line (db, tree, iterators,
 * batches, transactions, ids, subscribers, export/import, checksum). */

#ifdef __cplusplus
}
#endif
#endif /* LMKV_KV_H */
