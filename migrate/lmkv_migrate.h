/*
 * lmkv_migrate.h -- sled dumps in and out of lmkv.
 *
 * This header is the migrate module's only door and its specification.
 * Layers: migrate -> schema -> kv (lmkv_kv.h gives the error codes,
 * lmkv_errmsg() and lmkv_free()).
 *
 *  1. DUMP READER  streaming reader of sled-dump v1 files, plain or gzip
 *                  (format: docs in /work/shared/formats/sled-dump.md, byte
 *                  table repeated below), in constant memory: one key and one
 *                  value at a time, whatever the file's size.
 *  2. DUMP WRITER  streaming writer of the same format (canonical output:
 *                  what the reference Rust writer over sled 0.34 produces).
 *  3. BINCODE      bincode 1.x (default options) decoding of the values the
 *                  probe LSP daemon stored in sled (CacheEntry, NodeKey,
 *                  PersistedNode, CacheMetadata, Vec<Vec<u8>> indexes).
 *  4. IMPORT/EXPORT whole-database operations (declared further down).
 *
 * sled-dump v1, all integers little-endian, lengths in bytes:
 *
 *   offset  size  field
 *   0       8     "SLEDDUMP"
 *   8       4     u32 version = 1
 *   12      4     u32 flags = 0
 *   16      ...   collection*  := 'C' u64 type_len type u64 name_len name
 *                                 ( 'P' u64 key_len key u64 value_len value )*
 *                                 'E' u64 pair_count
 *           1+8+8+4 footer     := 'Z' u64 collection_count u64 total_pair_count
 *                                 u32 crc32 (zlib/crc32fast CRC-32 of every
 *                                 byte before the crc field)
 *
 * Collection types: "tree" (sled's only CollectionType), and one optional
 * "meta" collection named "generate_id", last, holding exactly one pair
 * "next" -> u64 LE (the next id sled's generate_id would hand out).
 *
 * Thread-safety: a reader or writer object is used by one thread at a time;
 * distinct objects are independent. The bincode functions are pure.
 */
#ifndef LMKV_MIGRATE_H
#define LMKV_MIGRATE_H

#include "lmkv_kv.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================ DUMP READER */

/** "SLEDDUMP", the file's first 8 bytes. */
#define LMKV_DUMP_MAGIC "SLEDDUMP"
/** The only format version this reader and writer know. */
#define LMKV_DUMP_VERSION 1u

typedef struct lmkv_dump_reader lmkv_dump_reader;

/** What lmkv_dump_reader_next() found. */
typedef enum lmkv_dump_event_kind {
    LMKV_DUMP_COLLECTION = 1, /**< 'C': a collection starts (type, name) */
    LMKV_DUMP_PAIR = 2,       /**< 'P': one key/value pair of the current collection */
    LMKV_DUMP_END = 3,        /**< 'E': the current collection ended (count verified) */
    LMKV_DUMP_FOOTER = 4      /**< 'Z': footer read; counts, CRC and end of file verified */
} lmkv_dump_event_kind;

/** One event. Every pointer is borrowed from the reader: valid until the
 *  next lmkv_dump_reader_next() or lmkv_dump_reader_free() on it. */
typedef struct lmkv_dump_event {
    lmkv_dump_event_kind kind;
    /** Byte offset of the event's tag byte in the uncompressed stream. */
    uint64_t offset;
    /** Current collection (COLLECTION, PAIR, END): its type ("tree" or
     *  "meta") and name, not NUL-terminated. */
    const unsigned char *type;
    size_t type_len;
    const unsigned char *name;
    size_t name_len;
    /** 1 for the meta/generate_id collection's events, else 0. */
    int is_meta;
    /** PAIR: key and value (either may have length 0; then the pointer is
     *  still non-NULL). */
    const unsigned char *key;
    size_t key_len;
    const unsigned char *value;
    size_t value_len;
    /** END: pairs in the collection. FOOTER: total pairs in the file. */
    uint64_t count;
    /** FOOTER: collections in the file (the meta collection included). */
    uint64_t collections;
    /** FOOTER: the verified CRC-32 of the file. */
    uint32_t crc32;
    /** FOOTER: 1 and the id when the dump has a meta/generate_id collection. */
    int has_generate_id;
    uint64_t generate_id_next;
} lmkv_dump_event;

/** Opens the sled-dump file at `path` for streaming (constant memory: a 256
 *  KiB input buffer, one key and one value). `path` "-" reads standard input
 *  (messages name it "<stdin>"); standard input, pipes and FIFOs are read
 *  once, front to back, exactly as a regular file (no seek). A file whose first two bytes are
 *  0x1f 0x8b is read as gzip (concatenated members allowed) and offsets in
 *  messages are then "of the uncompressed stream". The header (magic,
 *  version, flags) is read and checked here.
 *  Errors: LMKV_EINVAL (NULL argument), LMKV_EIO (cannot open or read; the
 *  message has errno's text), LMKV_ECORRUPT (bad header: wrong magic, version
 *  or non-zero flags, or truncated; the message names the byte offset),
 *  LMKV_ENOMEM. *out is set only on success; free it with
 *  lmkv_dump_reader_free(). */
LMKV_API int lmkv_dump_reader_open(lmkv_dump_reader **out, const char *path);

/** As lmkv_dump_reader_open() over `len` bytes at `data` (plain or gzip),
 *  which the caller keeps alive and unchanged until the reader is freed.
 *  `name` (may be NULL: "<memory>") is used in messages. */
LMKV_API int lmkv_dump_reader_open_memory(lmkv_dump_reader **out, const void *data, size_t len,
                                          const char *name);

/** Reads the next event into *ev. Events come in file order: for each
 *  collection one COLLECTION, its PAIRs, one END; then one FOOTER, which is
 *  delivered only after the footer's counts and CRC-32 matched and the input
 *  ended right after it. Returns LMKV_OK with an event, LMKV_NOTFOUND after
 *  the FOOTER (no more events), or an error, after which every later call
 *  returns the same error:
 *   LMKV_ECORRUPT  the dump is damaged or breaks a rule of the format. The
 *                  one-line message (lmkv_errmsg()) names the file and the
 *                  byte offset of the offending field: truncated file
 *                  (missing footer or a length that runs past the end), an
 *                  unknown tag byte, keys not strictly ascending, a duplicate
 *                  collection name, an unknown collection type, a bad meta
 *                  collection (name, key, value size, pair count, not last),
 *                  an 'E' count or a footer count that differs from what was
 *                  read, a CRC-32 mismatch, bytes after the footer, or a
 *                  damaged gzip stream.
 *   LMKV_EIO       read error.
 *   LMKV_ENOMEM    a key or value could not be held in memory.
 *  The validation of PAIR order and counts happens as the data streams by;
 *  the CRC-32 covers the whole file, so a consumer must treat everything it
 *  received as provisional until the FOOTER arrives. */
LMKV_API int lmkv_dump_reader_next(lmkv_dump_reader *r, lmkv_dump_event *ev);

/** Uncompressed bytes consumed so far (the offset of the next byte). */
LMKV_API uint64_t lmkv_dump_reader_offset(const lmkv_dump_reader *r);
/** Bytes of the file (compressed ones for gzip) consumed so far, and the
 *  file's total size (0 if unknown): for progress reports. */
LMKV_API uint64_t lmkv_dump_reader_input_offset(const lmkv_dump_reader *r);
LMKV_API uint64_t lmkv_dump_reader_input_size(const lmkv_dump_reader *r);
/** 1 if the input is gzip-compressed. */
LMKV_API int lmkv_dump_reader_is_gzip(const lmkv_dump_reader *r);
/** Frees the reader (closes the file). NULL is fine. */
LMKV_API void lmkv_dump_reader_free(lmkv_dump_reader *r);


/* ---------------------------------------------------------- dump summary */

/** One tree of a dump with sled's numbers for it. */
typedef struct lmkv_dump_tree_info {
    unsigned char *name; /**< owned by the summary; not NUL-terminated */
    size_t name_len;
    uint64_t len;        /**< pairs (sled Tree::len) */
    uint32_t checksum;   /**< sled 0.34 Tree::checksum(): CRC-32 over key||value of every pair in order */
    uint64_t bytes;      /**< sum of key and value lengths */
} lmkv_dump_tree_info;

/** What a whole dump holds, computed while streaming it. */
typedef struct lmkv_dump_summary {
    lmkv_dump_tree_info *trees; /**< sorted by name bytes; the default tree
                                     "__sled__default" included (empty if the
                                     dump lacks it, as sled always has it) */
    size_t n_trees;
    uint64_t total_pairs;       /**< pairs in tree collections (meta excluded) */
    uint32_t db_checksum;       /**< sled 0.34 Db::checksum(): CRC-32 over each
                                     tree in name order, name then each key and value */
    uint32_t crc32;             /**< the file's footer CRC-32 */
    uint64_t collections;       /**< footer collection_count (meta included) */
    uint64_t file_pairs;        /**< footer total_pair_count (meta included) */
    int has_generate_id;
    uint64_t generate_id_next;
    uint64_t bytes;             /**< uncompressed stream length */
    uint64_t input_bytes;       /**< file length */
    int gzip;
} lmkv_dump_summary;

/** Incremental computation of a summary from reader events (used by the
 *  importer and by lmkv_dump_summarize). */
typedef struct lmkv_dump_summer lmkv_dump_summer;
/** Creates an empty accumulator. Errors: LMKV_EINVAL, LMKV_ENOMEM. */
LMKV_API int lmkv_dump_summer_new(lmkv_dump_summer **out);
/** Feeds one event (every event of a dump, in order). Errors: LMKV_ENOMEM. */
LMKV_API int lmkv_dump_summer_add(lmkv_dump_summer *s, const lmkv_dump_event *ev);
/** Produces the summary after the FOOTER event; `r` (may be NULL) supplies
 *  byte counts. *out is owned by the caller: lmkv_dump_summary_free().
 *  Errors: LMKV_EINVAL (no FOOTER was fed), LMKV_ENOMEM. */
LMKV_API int lmkv_dump_summer_finish(lmkv_dump_summary **out, lmkv_dump_summer *s, const lmkv_dump_reader *r);
/** Frees an accumulator. NULL is fine. */
LMKV_API void lmkv_dump_summer_free(lmkv_dump_summer *s);

/** Reads the whole dump at `path` (streaming, constant memory apart from one
 *  entry per tree) and verifies it like lmkv_dump_reader_next(). Errors: those
 *  of lmkv_dump_reader_open() and lmkv_dump_reader_next(). */
LMKV_API int lmkv_dump_summarize(lmkv_dump_summary **out, const char *path);
/** Frees a summary. NULL is fine. */
LMKV_API void lmkv_dump_summary_free(lmkv_dump_summary *s);

/* ============================================================ DUMP WRITER */

typedef struct lmkv_dump_writer lmkv_dump_writer;

/** Writer flags. */
#define LMKV_DUMP_GZIP 0x1u /**< gzip-compress the output (zlib level 6) */

/** Creates a writer for `path`. The data goes to a temporary file beside it
 *  ("<path>.tmp-XXXXXX"); lmkv_dump_writer_finish() fsyncs it and renames it
 *  to `path`, so `path` either keeps its old contents or holds a complete
 *  dump. Writes the header. Errors: LMKV_EINVAL (NULL, unknown flags),
 *  LMKV_EIO (cannot create the temporary file), LMKV_ENOMEM. */
LMKV_API int lmkv_dump_writer_open(lmkv_dump_writer **out, const char *path, unsigned flags);

/** Starts a collection of type "tree" named `name` (any bytes, length may be
 *  0). Errors: LMKV_EINVAL (a collection is open, the name was already
 *  written, or the meta collection was written: it must be last), LMKV_EIO. */
LMKV_API int lmkv_dump_writer_tree(lmkv_dump_writer *w, const void *name, size_t name_len);

/** Writes one pair of the open collection. Keys must be strictly ascending
 *  (bytewise) within a collection. Errors: LMKV_EINVAL (no open collection,
 *  key not above the previous one), LMKV_EIO. */
LMKV_API int lmkv_dump_writer_pair(lmkv_dump_writer *w, const void *key, size_t key_len,
                                   const void *value, size_t value_len);

/** Ends the open collection ('E' with its pair count). Errors: LMKV_EINVAL
 *  (none open), LMKV_EIO. */
LMKV_API int lmkv_dump_writer_end(lmkv_dump_writer *w);

/** Writes the meta/generate_id collection ("next" -> u64 LE `next_id`). It
 *  must come after every tree. Errors: LMKV_EINVAL (a collection is open or
 *  meta was already written), LMKV_EIO. */
LMKV_API int lmkv_dump_writer_generate_id(lmkv_dump_writer *w, uint64_t next_id);

/** Writes the footer (counts, CRC-32), flushes, fsyncs and renames the file
 *  into place. After success only lmkv_dump_writer_free() may be called.
 *  If `out_crc` is non-NULL it receives the footer's CRC-32.
 *  Errors: LMKV_EINVAL (a collection is still open), LMKV_EIO (the temporary
 *  file is removed and `path` is untouched). */
LMKV_API int lmkv_dump_writer_finish(lmkv_dump_writer *w, uint32_t *out_crc);

/** Frees the writer. An unfinished writer's temporary file is removed, so
 *  `path` is untouched. NULL is fine. */
LMKV_API void lmkv_dump_writer_free(lmkv_dump_writer *w);

/* ================================================================ BINCODE */
/*
 * bincode 1.x with default options (as bincode 1.3.3 serialize/deserialize):
 * integers fixed width little-endian, usize as u64, bool as u8 0/1,
 * String/Vec<u8>/PathBuf as u64 length + bytes (Strings valid UTF-8),
 * Vec<T> as u64 count + items, Option<T> as u8 tag 0/1 + value, enums as u32
 * variant index + fields, SystemTime as {secs: u64, nanos: u32 < 1e9}.
 * Decoding is exact: a value with bytes left over after the last field, a
 * bad tag, invalid UTF-8 or a length past the end is refused with
 * LMKV_ECORRUPT and a message naming the field and byte offset.
 *
 * Decoded strings and byte strings are slices borrowed from the input
 * buffer (not NUL-terminated): valid while the input is.
 */

/** A borrowed byte string. */
typedef struct lmkv_slice {
    const char *ptr;
    size_t len;
} lmkv_slice;

/** Rust's std::time::SystemTime as serde serialises it. */
typedef struct lmkv_systime {
    uint64_t secs;
    uint32_t nanos;
} lmkv_systime;

/** Cursor over a bincode buffer. */
typedef struct lmkv_bincode {
    const unsigned char *buf;
    size_t len;
    size_t pos;
} lmkv_bincode;

/** Primitive readers: each reads one item at bc->pos and advances it, or
 *  returns LMKV_ECORRUPT (message: `what`, byte offset) and leaves pos.
 *  `what` names the field for the message (may be NULL). */
LMKV_API int lmkv_bincode_u8(lmkv_bincode *bc, uint8_t *out, const char *what);
LMKV_API int lmkv_bincode_u32(lmkv_bincode *bc, uint32_t *out, const char *what);
LMKV_API int lmkv_bincode_u64(lmkv_bincode *bc, uint64_t *out, const char *what);
/** Vec<u8> / &[u8]: u64 length + bytes. */
LMKV_API int lmkv_bincode_bytes(lmkv_bincode *bc, lmkv_slice *out, const char *what);
/** String / PathBuf: as bytes, and valid UTF-8. */
LMKV_API int lmkv_bincode_str(lmkv_bincode *bc, lmkv_slice *out, const char *what);
/** Option<String>: *present 0 (out zeroed) or 1 (out set). */
LMKV_API int lmkv_bincode_opt_str(lmkv_bincode *bc, int *present, lmkv_slice *out, const char *what);
LMKV_API int lmkv_bincode_systime(lmkv_bincode *bc, lmkv_systime *out, const char *what);
/** A Vec's u64 element count, refused when even `min_item_size`-byte items
 *  could not fit in what is left of the buffer (guards allocations). */
LMKV_API int lmkv_bincode_count(lmkv_bincode *bc, uint64_t *out, size_t min_item_size, const char *what);
/** LMKV_OK when every byte was consumed, else LMKV_ECORRUPT ("N trailing bytes"). */
LMKV_API int lmkv_bincode_end(const lmkv_bincode *bc, const char *what);

/* ---- the probe LSP daemon's sled values (see /work/shared/reference/daemon-backend.md) */

/** universal_cache value (daemon a0a73659, universal_cache/store.rs):
 *  CacheEntry { data: Vec<u8> (serde_json of a DaemonResponse),
 *  metadata: CacheEntryMetadata { created_at: SystemTime, last_accessed:
 *  SystemTime, access_count: u64, size_bytes: usize } }. */
typedef struct lmkv_daemon_cache_entry {
    lmkv_slice data;
    lmkv_systime created_at;
    lmkv_systime last_accessed;
    uint64_t access_count;
    uint64_t size_bytes;
} lmkv_daemon_cache_entry;

/** Decodes a universal_cache value exactly (no bytes left over). The JSON in
 *  `data` is not parsed here. Errors: LMKV_EINVAL (NULL), LMKV_ECORRUPT. */
LMKV_API int lmkv_bincode_cache_entry(lmkv_daemon_cache_entry *out, const void *buf, size_t len);

/** The fields of a universal_cache key
 *  `{workspace_id}:{method with '/' -> '_'}:{workspace-relative path}:{content_hash}[:{symbol}]`
 *  (daemon a0a73659 key.rs). content_hash is 64 lower-case hex digits (blake3);
 *  the path may itself contain ':'. Slices borrow from the key. */
typedef struct lmkv_daemon_cache_key {
    lmkv_slice workspace_id;
    lmkv_slice method_in_key; /* e.g. "textDocument_hover" */
    lmkv_slice path;
    lmkv_slice content_hash;
    int has_symbol;
    lmkv_slice symbol;
} lmkv_daemon_cache_key;

/** Splits a universal_cache key. The LSP method is method_in_key with every
 *  '_' read as '/'. Errors: LMKV_EINVAL (NULL), LMKV_ECORRUPT (not that
 *  shape: too few components, empty workspace/method/path, no 64-hex hash). */
LMKV_API int lmkv_daemon_cache_key_parse(lmkv_daemon_cache_key *out, const void *key, size_t len);

/** NodeKey { symbol: String, file: PathBuf, content_md5: String }
 *  (daemon 1caedea7 cache_types.rs). */
typedef struct lmkv_daemon_node_key {
    lmkv_slice symbol;
    lmkv_slice file;
    lmkv_slice content_md5;
} lmkv_daemon_node_key;

/** CallInfo { name: String, file_path: String, line: u32, column: u32,
 *  symbol_kind: String }. */
typedef struct lmkv_daemon_call_info {
    lmkv_slice name;
    lmkv_slice file_path;
    uint32_t line;
    uint32_t column;
    lmkv_slice symbol_kind;
} lmkv_daemon_call_info;

/** PersistedNode { key: NodeKey, info: CallHierarchyInfo { incoming_calls:
 *  Vec<CallInfo>, outgoing_calls: Vec<CallInfo> }, created_at: SystemTime,
 *  git_hash: Option<String>, branch: Option<String>, language: Language }.
 *  `incoming`/`outgoing` are arrays owned by the struct: release them with
 *  lmkv_daemon_node_clear(). Language is the u32 variant index (C = 6). */
typedef struct lmkv_daemon_node {
    lmkv_daemon_node_key key;
    lmkv_daemon_call_info *incoming;
    size_t n_incoming;
    lmkv_daemon_call_info *outgoing;
    size_t n_outgoing;
    lmkv_systime created_at;
    int has_git_hash;
    lmkv_slice git_hash;
    int has_branch;
    lmkv_slice branch;
    uint32_t language;
} lmkv_daemon_node;

/** Decodes a `nodes` key (bincode NodeKey), exactly. Errors: LMKV_EINVAL,
 *  LMKV_ECORRUPT. */
LMKV_API int lmkv_bincode_node_key(lmkv_daemon_node_key *out, const void *buf, size_t len);
/** Decodes a `nodes` value (bincode PersistedNode), exactly. On success the
 *  caller owns out->incoming/outgoing (lmkv_daemon_node_clear()); on error
 *  nothing is left allocated. Errors: LMKV_EINVAL, LMKV_ECORRUPT, LMKV_ENOMEM. */
LMKV_API int lmkv_bincode_node(lmkv_daemon_node *out, const void *buf, size_t len);
/** Frees a decoded node's arrays and zeroes it. NULL is fine. */
LMKV_API void lmkv_daemon_node_clear(lmkv_daemon_node *node);

/** Name of a daemon Language variant index ("C" for 6), or NULL if unknown. */
LMKV_API const char *lmkv_daemon_language_name(uint32_t variant);

/** A `file_index`/`git_index` value: bincode Vec<Vec<u8>>, each inner vector
 *  a bincode NodeKey. *out_keys is a malloc'd array the caller frees with
 *  lmkv_free(); each element is decoded and checked. An empty vector gives
 *  *out_keys == NULL, *out_n == 0. Errors: LMKV_EINVAL, LMKV_ECORRUPT,
 *  LMKV_ENOMEM. */
LMKV_API int lmkv_bincode_node_key_list(lmkv_daemon_node_key **out_keys, size_t *out_n,
                                        const void *buf, size_t len);

/** CacheMetadata { total_nodes: u64, total_size_bytes: u64, last_cleanup:
 *  SystemTime, version: u32 } (32 bytes), the `metadata`/`cache_metadata`
 *  value. Errors: LMKV_EINVAL, LMKV_ECORRUPT. */
typedef struct lmkv_daemon_cache_metadata {
    uint64_t total_nodes;
    uint64_t total_size_bytes;
    lmkv_systime last_cleanup;
    uint32_t version;
} lmkv_daemon_cache_metadata;
/** Decodes buf[0..len) (exactly the 32 bytes above, little-endian bincode
 *  1.x as the daemon writes it) into *out, set only on success. Pure:
 *  thread-safe. Returns LMKV_OK; LMKV_EINVAL on NULL out (or NULL buf with
 *  len > 0); LMKV_ECORRUPT when buf is short, long or a field is invalid. */
LMKV_API int lmkv_bincode_cache_metadata(lmkv_daemon_cache_metadata *out, const void *buf, size_t len);

/** A `cache_stats` value: bincode u64 (8 bytes LE), exactly. */
LMKV_API int lmkv_bincode_counter(uint64_t *out, const void *buf, size_t len);


/* ========================================================== IMPORT/EXPORT */
/*
 * lmkv_migrate_import: a sled dump into an lmkv database directory, as the
 * `lmdb-migrate` tool does (docs/man/lmdb-migrate.1).
 *
 *  - Raw: every tree collection becomes the lmkv user tree of the same name,
 *    keys and values byte for byte, so lmkv_db_checksum() of the result
 *    equals sled's Db::checksum() of the source (and each tree's len and
 *    checksum equal sled's). The meta/generate_id collection raises the id
 *    counter (lmkv_db_set_next_id) so generate_id continues at or above it.
 *  - Typed (unless LMKV_MIGRATE_NO_TYPED), for the probe daemon's trees,
 *    written to schema's system trees (never part of the checksum), the raw
 *    trees being kept as well:
 *      universal_cache -> CacheEntry records (lmkv_cache_put_entry, keeping
 *        created/last_accessed/access_count; legacy_key = the sled key;
 *        cache key: ws, method, path, content_version = the first 16 hex
 *        digits of the daemon's content hash, position 0:0, params_hash 0 --
 *        the daemon's hash already covers position and params);
 *      cache_stats hits/misses -> undated totals (method "", day 0) of the
 *        cache's workspace (lmkv_cache_stats_add);
 *      nodes (+ file_index, git_index, metadata, decoded and checked) ->
 *        one FileVersion per (file, content_md5) (its id hashes the MD5 in
 *        place of a git blob id), a Symbol per node and per caller/callee a
 *        CallInfo names (kind from CallInfo.symbol_kind; a CallInfo's
 *        line/column, made 1-based, is that symbol's start), a Call per
 *        incoming/outgoing CallInfo (line/column 0 = unknown: the daemon kept
 *        no call sites), latest+current mappings to the newest version of
 *        each path, and commit mappings from git_index.
 *    Workspace: opts->workspace_root if given (its lmkv_workspace_id; legacy
 *    paths under it become relative), else for the cache the daemon's
 *    workspace id string ("/.probe-workspace/<id>" hashed as a root), and
 *    for the legacy graph the deepest directory common to every node file.
 *    A pair of those trees that does not decode is reported through
 *    opts->notice (LMKV_MIGRATE_RAW_ONLY, tree, key, reason), counted in
 *    report->raw_only, and kept raw: never dropped.
 *    Paths never escape their roots: a path of the dump is normalised
 *    lexically ("." and empty components dropped, ".." removes the
 *    previous one; no file system access, links are not followed) and a
 *    typed record is written only when it stays inside its workspace.
 *    Refused, i.e. reported as RAW_ONLY (reason names the path), counted
 *    in raw_only and kept raw only, like an undecodable pair:
 *      - a universal_cache pair whose key's path is absolute or goes above
 *        the workspace through ".." (the key holds a workspace-relative
 *        path); a dry run reports these too;
 *      - a `nodes` pair whose file, or the file of one of its incoming or
 *        outgoing CallInfos, is not inside the workspace root (absolute
 *        and outside opts->workspace_root or the common root; relative
 *        with a ".." escape); the common root is computed from the node
 *        files already in normal form only, so a "/a/../.." file cannot
 *        widen it. A dry run does not check these (it counts nodes as they
 *        decode);
 *      - a git_index pair some of whose node keys name such files (its
 *        other commit mappings are stored; reported once per pair, only
 *        when some node of the dump is converted).
 *    Stored paths are the normalised workspace-relative ones. The raw
 *    trees are imported byte for byte regardless (sled's checksum holds).
 *  - Atomic: the database is built in "<db_dir>.tmp-XXXXXX" beside the
 *    target, verified (every tree's len; with LMKV_MIGRATE_VERIFY reopened
 *    and checksummed), fsync'ed, then renamed into place (an existing target
 *    is swapped with renameat2(RENAME_EXCHANGE) and the old copy removed).
 *    Any failure or cancellation removes the temporary directory and leaves
 *    the target untouched. A process killed mid-import leaves only the
 *    temporary directory (the target is intact); the run holds
 *    flock(LOCK_EX) on that directory while it lives, and the next import
 *    against the same target (any mode but a dry run) removes every
 *    "<db_dir>.tmp-XXXXXX" directory whose lock is free -- those of dead
 *    runs -- leaving a live run's alone (report->stale_tmp_removed counts
 *    them). The check and the creation of a new directory both run under
 *    flock(LOCK_EX) of the parent directory, so a run's directory is never
 *    taken for stale between its creation and its lock. Advisory locks:
 *    on file systems without flock (some network file systems) no
 *    directory is removed. Only directories (not symlinks) named exactly
 *    "<basename of db_dir>.tmp-" plus six letters or digits are touched.
 *  - Existing target: a database with user entries is refused
 *    (LMKV_EEXISTS) unless it already holds exactly the dump's trees and
 *    pairs (then nothing is written and report->already_imported = 1: the
 *    same import run twice is idempotent), or LMKV_MIGRATE_MERGE is given:
 *    then the target is copied beside, each dump pair that is absent is
 *    added, an equal one is left, and a different one is a CONFLICT
 *    reported through opts->notice (LMKV_MIGRATE_CONFLICT) and counted; any
 *    conflict fails the whole import with LMKV_EEXISTS (sled's import would
 *    panic on overwrite) and changes nothing.
 *  - Memory: constant in the dump's size (one key and value, write
 *    transactions of opts->batch_pairs pairs); the legacy call-graph
 *    conversion holds the `nodes` tree's decoded records (the daemon's
 *    small call-graph cache) while grouping them by file version.
 *  - The target must not be open by another process during the swap.
 * Thread-safety: independent calls may run in parallel on different targets.
 */

#define LMKV_MIGRATE_NO_TYPED 0x01u /**< raw trees only */
#define LMKV_MIGRATE_MERGE    0x02u /**< add to a non-empty target (no overwrite) */
#define LMKV_MIGRATE_DRY_RUN  0x04u /**< parse, decode, verify and report; write nothing */
#define LMKV_MIGRATE_VERIFY   0x08u /**< reopen the result and compare checksums with the dump's */

/** Kinds of notice. */
enum lmkv_migrate_notice_kind {
    LMKV_MIGRATE_RAW_ONLY = 1, /**< a daemon-tree pair that did not decode, or whose path escapes its workspace: kept raw only */
    LMKV_MIGRATE_CONFLICT = 2  /**< merge: the target holds a different value for the key */
};

/** Progress, delivered about every 64 MiB / 65536 pairs and at the end. */
typedef struct lmkv_migrate_progress {
    uint64_t input_bytes;  /**< bytes of the file read so far (compressed for gzip) */
    uint64_t input_total;  /**< the file's size, 0 if unknown */
    uint64_t bytes;        /**< uncompressed bytes parsed */
    uint64_t pairs;        /**< pairs parsed */
    double seconds;        /**< since the start */
    const char *phase;     /**< "raw", "typed", "verify" (static) */
} lmkv_migrate_progress;

typedef struct lmkv_migrate_options {
    unsigned flags;             /**< LMKV_MIGRATE_* */
    const char *workspace_root; /**< absolute path or NULL (see above) */
    uint64_t batch_pairs;       /**< pairs per write transaction; 0 = 100000 */
    /** Progress callback or NULL. */
    void (*progress)(void *ctx, const lmkv_migrate_progress *p);
    void *progress_ctx;
    /** Notice callback or NULL: tree/key borrowed for the call; `why` is a
     *  one-line reason. */
    void (*notice)(void *ctx, int kind, const unsigned char *tree, size_t tree_len,
                   const unsigned char *key, size_t key_len, const char *why);
    void *notice_ctx;
    /** If non-NULL, checked between pairs: non-zero cancels the import
     *  (LMKV_ECONFLICT, "cancelled"; the target is untouched). */
    volatile int *cancel;
} lmkv_migrate_options;

/** What an import did. */
typedef struct lmkv_migrate_report {
    uint64_t trees;             /**< tree collections in the dump */
    uint64_t pairs;             /**< pairs in tree collections */
    uint64_t pair_bytes;        /**< sum of key and value lengths */
    uint64_t input_bytes;       /**< bytes of the dump read (compressed for gzip): a regular
                                     file's size, or what came through standard input, a pipe
                                     or a FIFO; after a failure, the file's size (0 if not regular) */
    uint64_t bytes;             /**< uncompressed dump size */
    int gzip;
    uint64_t typed_cache_entries, typed_cache_stats, typed_file_versions, typed_symbols, typed_calls,
        typed_commit_mappings;
    uint64_t typed_records;     /**< sum of the typed_* counts; when already_imported,
                                     the typed records the target holds (schema
                                     lmkv_store_count: nothing new was converted) */
    uint64_t raw_only;          /**< daemon-tree pairs kept raw only (did not decode, or a path escapes the workspace) */
    uint64_t merged_added, merged_equal, conflicts; /**< merge */
    uint32_t dump_checksum;     /**< sled Db::checksum of the dump's trees (when known) */
    int dump_checksum_known;    /**< 1 when computed: dry run, VERIFY, already-imported check */
    uint32_t db_checksum;       /**< lmkv_db_checksum of the result (when computed) */
    int checksum_compared;      /**< 1 when db_checksum was computed and compared */
    int has_generate_id;
    uint64_t generate_id_next;
    int already_imported;       /**< target already held exactly the dump */
    int dry_run;
    double seconds;
    uint64_t stale_tmp_removed; /**< temporary directories of dead runs removed beside the target */
} lmkv_migrate_report;

/** Fills *opts with defaults (typed on, no callbacks). */
LMKV_API void lmkv_migrate_options_init(lmkv_migrate_options *opts);

/** Imports the sled dump at `dump_path` into the database directory `db_dir`
 *  (see above). `opts` may be NULL (defaults). *out (may be NULL) is filled
 *  on success and, as far as known, on failure.
 *  Errors: LMKV_EINVAL (NULL path, bad workspace_root), LMKV_ECORRUPT (the
 *  dump is damaged: one-line message with the byte offset, see
 *  lmkv_dump_reader_next), LMKV_EEXISTS (target not empty and not equal to
 *  the dump without MERGE, or merge conflicts), LMKV_ECONFLICT (cancelled),
 *  LMKV_EPERM (db_dir is a directory without write permission -- no write
 *  bit at all, also for root -- which the import would replace),
 *  LMKV_EINVAL also for MERGE with VERIFY from a dump that is not a regular
 *  file (the verification reads it twice), LMKV_EIO / LMKV_EPERM /
 *  LMKV_EFULL (file system), LMKV_ENOMEM, errors of kv and schema. On any
 *  error the target is untouched. RAW_ONLY notices of the raw pass are
 *  delivered after the dump's CRC-32 is checked (none when it fails). */
LMKV_API int lmkv_migrate_import(lmkv_migrate_report *out, const char *dump_path, const char *db_dir,
                                 const lmkv_migrate_options *opts);

/** sled Db::export to a sled-dump v1 file (the way back): the user trees of
 *  `db` in name order (system trees excluded), then, when the database's id
 *  counter has been used or set (lmkv_db_set_next_id, an import), the
 *  meta/generate_id collection with the next id. One read snapshot.
 *  flags: LMKV_DUMP_GZIP. The file is written beside and renamed into place
 *  (lmkv_dump_writer_open). *out_trees, *out_pairs, *out_crc (each may be NULL)
 *  get the trees, pairs and footer CRC-32 written.
 *  The next id: kv's persisted id high-water mark (lmkv_db_peek_next_id: no
 *  id at or above it was ever handed out); 0 (never used nor imported)
 *  writes no meta collection. Works on read-only databases; exporting
 *  changes nothing, so two exports of an unchanged database are identical.
 *  A database imported from a canonical dump exports to the same bytes.
 *  Errors: LMKV_EINVAL, LMKV_EIO, LMKV_EFULL, kv errors; `path` untouched. */
LMKV_API int lmkv_migrate_export(lmkv_db *db, const char *path, unsigned flags, uint64_t *out_trees,
                                 uint64_t *out_pairs, uint32_t *out_crc);

/** Pairs between two progress reports of lmkv_migrate_export_ex. */
#define LMKV_MIGRATE_EXPORT_PROGRESS_PAIRS 4096u

/** Progress of an export (lmkv_migrate_export_ex). */
typedef struct lmkv_migrate_export_progress {
    uint64_t trees;       /**< tree collections begun so far */
    uint64_t pairs;       /**< pairs written so far (all trees) */
    uint64_t pairs_total; /**< entries of the user trees when the export began
                               (lmkv_db_stat_get's total_entries, read just
                               before the export's snapshot: a writer in
                               between can make the pairs written differ, so
                               treat it as an estimate); 0 for none */
    uint64_t bytes;       /**< key and value bytes of those pairs (uncompressed,
                               without the format's framing) */
    double seconds;       /**< since the call began (monotonic clock) */
} lmkv_migrate_export_progress;

/** Options of lmkv_migrate_export_ex; zero-initialise for the defaults. */
typedef struct lmkv_migrate_export_options {
    unsigned flags; /**< LMKV_DUMP_GZIP */
    /** Progress callback or NULL. Called in the thread that called
     *  lmkv_migrate_export_ex, inside its read snapshot: after every
     *  LMKV_MIGRATE_EXPORT_PROGRESS_PAIRS pairs written, and once more when
     *  every pair is written (pairs then equals the final count; before the
     *  generate_id collection, the footer and the rename). `p` is valid
     *  during the call only. The callback must not use `db`. */
    void (*progress)(void *ctx, const lmkv_migrate_export_progress *p);
    void *progress_ctx;
} lmkv_migrate_export_options;

/** lmkv_migrate_export with options (NULL = defaults: no flags, no
 *  progress): the same file, results and errors; with a progress callback
 *  it also reads the database's entry count first (one more read
 *  transaction, errors as lmkv_db_stat_get). */
LMKV_API int lmkv_migrate_export_ex(lmkv_db *db, const char *path, const lmkv_migrate_export_options *opts,
                                    uint64_t *out_trees, uint64_t *out_pairs, uint32_t *out_crc);

#ifdef __cplusplus
}
#endif
#endif /* LMKV_MIGRATE_H */
