/*
 * store_int.h -- private to schema/ STORE (store*.c, cache*.c).
 * Key layouts: schema/KEYS.md (store_keys.c encodes them).
 */
#ifndef LMKV_STORE_INT_H
#define LMKV_STORE_INT_H

#include "lmkv_schema.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ big endian */
static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}
static inline void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}
static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* ------------------------------------------------------------ key buffer */
/* A growable key with inline storage (no allocation for keys <= 256 B).
 * On allocation failure `oom` is set and later appends are ignored: check
 * kb_ok() before using the key. */
typedef struct kbuf {
    uint8_t *p;
    size_t len, cap;
    int oom;
    uint8_t small[256];
} kbuf;

void lmkv_schema__kb_init(kbuf *k);
void lmkv_schema__kb_free(kbuf *k);
static inline void kb_reset(kbuf *k) { k->len = 0; }
static inline int kb_ok(const kbuf *k) { return !k->oom; }
void lmkv_schema__kb_u8(kbuf *k, uint8_t v);
void lmkv_schema__kb_u32(kbuf *k, uint32_t v);
void lmkv_schema__kb_u64(kbuf *k, uint64_t v);
void lmkv_schema__kb_raw(kbuf *k, const void *p, size_t n);
/* E(s): escaped string with terminator; E'(s): without (prefix search). */
void lmkv_schema__kb_esc(kbuf *k, const void *s, size_t n);
void lmkv_schema__kb_esc_prefix(kbuf *k, const void *s, size_t n);
/* Length in bytes of the E(s) that starts at p (terminator included), or 0
 * if p[0..n) holds no well-formed E(s); *raw_len = length of s. */
size_t lmkv_schema__esc_len(const uint8_t *p, size_t n, size_t *raw_len);
/* Decode E(s) at p into dst (room for the raw length); returns it. */
size_t lmkv_schema__esc_decode(uint8_t *dst, const uint8_t *p, size_t n);

/* ------------------------------------------------------------ trees */
enum store_tree {
    T_WS, T_WS_ROOT, T_WS_GEN, T_FV, T_FV_BLOB,
    T_MAP_COMMIT, T_MAP_LATEST, T_CUR, T_CUR_FV,
    T_SYM, T_SYM_NAME, T_SYM_QNAME, T_SYM_ID,
    T_CALL, T_CALL_TO, T_REF, T_REF_TO, T_CUR_CALL_TO, T_CUR_REF_TO, T_CUR_CALL_FROM,
    T_HIER, T_HIER_PARENT, T_HIER_CHILD,
    T_CACHE_ENTRY, T_CACHE_ATIME, T_CACHE_LRU, T_CACHE_STATS, T_CACHE_META,
    T__COUNT
};
extern const char *const lmkv_schema__store_tree_names[T__COUNT];

#define CUR_VALUE_LEN 29      /* fv(8) source(1) oid(20) */
#define ATIME_VALUE_LEN 24    /* atime(8) count(8) size(8) */

/* Hash set of the current fvs of one workspace at one state generation.
 * Immutable once built; shared by txns through a reference count. */
typedef struct curset {
    uint64_t ws, gen;
    size_t mask;              /* capacity - 1 (power of two) */
    uint64_t *slots;          /* 0 = empty (fv 0 is never valid) */
    size_t count;
    unsigned refs;            /* under lmkv_store.mu */
    struct curset *next;      /* store's list */
} curset;

struct lmkv_store {
    lmkv_db *db;
    lmkv_tree *t[T__COUNT];   /* NULL: tree absent in a read-only db */
    int read_only;
    pthread_mutex_t mu;       /* guards sets */
    curset *sets;             /* newest per workspace */
};

struct lmkv_store_txn {
    lmkv_store *st;
    lmkv_txn *txn;            /* NULL after reset */
    lmkv_store_session *sess; /* non-NULL: view of a write session */
    curset *set;              /* read txns: the set of the last ws asked */
};

struct lmkv_store_session {
    lmkv_store *st;
    struct lmkv_store_txn view;
    lmkv_fbb *fbb;
    size_t pending;
    int poisoned;
    uint64_t *bumped;         /* workspaces whose generation was bumped */
    size_t n_bumped, cap_bumped;
    /* bulk load (lmkv_store_session_set_bulk): inserts into record and
     * index trees are buffered, then written per tree in key order, with
     * MDB_APPEND past the tree's last key (lmkv_schema__store_bulk_flush) */
    int bulk;
    struct bulk_list { struct bulk_ent *v; size_t n, cap; } bl[T__COUNT]; /* per tree, call order */
    size_t nbe;               /* buffered inserts in all lists */
    uint8_t *ba;              /* their keys and values */
    size_t nba, capba;
    uint32_t bulk_mask;       /* 1 << tree: trees with buffered inserts */
    /* current copies of file versions put (not current) in this session,
     * kept by lmkv_store_put_file for lmkv_store_set_current so it need not
     * read back the calls and references just written (lmkv_schema__store_cur_index) */
    struct cur_pending { uint64_t ws, fv; uint8_t *ops; size_t len; } *cp;
    size_t ncp, capcp, cp_bytes;
};

/* The copies a session keeps for set_current: at most this many bytes
 * (beyond, set_current reads the records back, as without the cache). */
#define CUR_PENDING_MAX_BYTES ((size_t)64 << 20)
/* Forget the kept copies of (ws, fv) (its records were replaced or removed). */
void lmkv_schema__store_cur_pending_drop(lmkv_store_session *s, uint64_t ws, uint64_t fv);
/* Free every kept copy (session end). */
void lmkv_schema__store_cur_pending_free(lmkv_store_session *s);

/* Write the buffered inserts of tree tr (tr = T__COUNT: of every tree).
 * Errors poison the session. */
int lmkv_schema__store_bulk_flush(lmkv_store_session *s, enum store_tree tr);
/* Before reading tree tr through t: write a bulk session's buffered
 * inserts into it (lmkv_schema__st_get and lmkv_schema__st_scan do; code that reads with kv calls
 * directly must). */
static inline int st_flush(lmkv_store_txn *t, enum store_tree tr)
{
    return t->sess && (t->sess->bulk_mask & (1u << tr)) ? lmkv_schema__store_bulk_flush(t->sess, tr) : 0;
}

/* ------------------------------------------------------------ helpers */
/* Format up to 48 key bytes as hex (…+ when longer) into buf (>= 104 B). */
const char *lmkv_schema__store_hex(char *buf, const void *key, size_t len);
/* Set an error naming tree and key. Returns code. */
int lmkv_schema__store_err_key(int code, enum store_tree tr, const void *key, size_t len, const char *what);

/* Zero-copy get in t: LMKV_OK, LMKV_NOTFOUND, or an error. A missing tree
 * (read-only db) reads as empty. */
int lmkv_schema__st_get(lmkv_pair *out, lmkv_store_txn *t, enum store_tree tr, const kbuf *k);
/* Prefix scan: fn(ctx, pair) per entry; fn returns 0 go on, >0 stop (OK),
 * <0 error. */
typedef int (*st_scan_fn)(void *ctx, const lmkv_pair *p);
int lmkv_schema__st_scan(lmkv_store_txn *t, enum store_tree tr, const void *prefix, size_t n,
            st_scan_fn fn, void *ctx);
/* Writes in a session (count pending, poison on error). */
int lmkv_schema__sess_put(lmkv_store_session *s, enum store_tree tr, const void *k, size_t kn,
             const void *v, size_t vn);
int lmkv_schema__sess_del(lmkv_store_session *s, enum store_tree tr, const void *k, size_t kn);
int lmkv_schema__sess_check(lmkv_store_session *s);

/* Check the txn argument; returns LMKV_OK or an error. */
int lmkv_schema__txn_check(lmkv_store_txn *t);

/* 1 if fv is in ws's current map as seen by t, 0 if not, < 0 on error. */
int lmkv_schema__store_fv_current(lmkv_store_txn *t, uint64_t ws, uint64_t fv);

/* Add (add = 1) or delete (add = 0) the current-version copies of fv's
 * calls and references (store.cur_call_to, store.cur_call_from,
 * store.cur_ref_to). */
int lmkv_schema__store_cur_index(lmkv_store_session *s, uint64_t ws, uint64_t fv, int add);

/* store.fv_blob (KEYS.md): the key of (ws, blob id, fv) into k, and the
 * marker key (one byte 00: shorter than any workspace key, so no workspace
 * prefix matches it) saying that every FileVersion with a blob id has its
 * entry. */
void lmkv_schema__fv_blob_key(kbuf *k, uint64_t ws, const char *blob, uint64_t fv);
#define FV_BLOB_MARKER_LEN 1
extern const uint8_t lmkv_schema__fv_blob_marker[FV_BLOB_MARKER_LEN];

/* Fill store.fv_blob from store.fv and write its marker, unless the marker
 * is there already (databases written before the index existed). Errors
 * poison the session. */
int lmkv_schema__store_fv_blob_backfill(lmkv_store_session *s);

/* Inside write txn t: delete the LSP cache entries of (ws, path) whose
 * content version is ver (entry, access data, LRU entry, byte total). */
int lmkv_schema__cache_remove_version(size_t *out_removed, lmkv_store_txn *t, uint64_t ws,
                         const char *path, size_t path_len, uint64_t ver);

/* Now in ns since the Unix epoch (CLOCK_REALTIME). */
int64_t lmkv_schema__store_now_ns(void);

/* ------------------------------------------------------------ records of file versions */
/* store_curcopy.c: callee/target name of a call/reference record (NULL if
 * unreadable); *from = the call's caller name (NULL for references or when
 * absent). */
const char *lmkv_schema__store_edge_names(int is_call, const lmkv_pair *p, const char **from);
/* store_curcopy.c: keep ops (the copies of fv, in the add format of
 * lmkv_schema__store_cur_index) for set_current. Not kept (no error) when
 * over CUR_PENDING_MAX_BYTES or out of memory: then set_current reads the
 * records back. */
void lmkv_schema__store_cp_keep(lmkv_store_session *s, uint64_t ws, uint64_t fv, const kbuf *ops);
/* store_curcopy.c: append one copy (tree, key, value) to ops, in that format. */
void lmkv_schema__store_cp_op(kbuf *ops, enum store_tree tr, const kbuf *k, const uint8_t *v, size_t vn);

/* A list of (tree, key) to delete after a scan: tree(1) klen(4) key, and
 * with_vals: vlen(4) value (the bytes the key holds: the record for a
 * primary or a copy, empty for a name/id index entry), for put_file's diff
 * against a stored version (struct oldset, store_put.c). */
struct dels { kbuf b; size_t n; int with_vals; const void *last_v; size_t last_vn; };

/* vlen DELS_SAME: the value is the previous entry's with a value (a copy
 * of the primary just added: its bytes are held once) */
#define DELS_SAME UINT32_MAX

/* store_collect.c: collect into d every record of (ws, fv) and its index
 * entries and copies (not the FileVersion), with their values when
 * d->with_vals. A failed scan poisons the session (a write may have
 * preceded it). */
int lmkv_schema__store_collect_records(lmkv_store_session *s, uint64_t ws, uint64_t fv, struct dels *d);
/* store_collect.c: delete every record of (ws, fv) and its index entries
 * (not the FileVersion); *removed (if not NULL) += the keys deleted. */
int lmkv_schema__store_remove_records(lmkv_store_session *s, uint64_t ws, uint64_t fv, size_t *removed);

/* store_put.c: an arena of encoded records, each at (off, len). */
typedef struct enc { size_t off, len; } enc;
typedef struct arena { uint8_t *p; size_t len, cap; } arena;
/* Append buf[0..len) to a; *e = where. LMKV_OK or LMKV_ENOMEM. */
int lmkv_schema__arena_add(arena *a, enc *e, const uint8_t *buf, size_t len);

#endif
