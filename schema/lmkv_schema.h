/*
 * lmkv_schema.h -- typed FlatBuffers records for code intelligence and their
 * storage under composite keys with secondary indexes.
 *
 * This header is the schema module's only door and its specification, in
 * two parts:
 *   1. RECORDS: the record types (schema/ *.fbs) as C structs; building a
 *      record into FlatBuffers bytes, verifying and reading bytes back
 *      (zero-copy), stable ids, JSON rendering. No database involved.
 *   2. STORE: records in a kv database -- system trees and key layouts
 *      (schema/KEYS.md), read transactions and write sessions, lookups by
 *      name, id and file version, the current map's record copies, the
 *      LSP response cache, and the verifier of a whole store.
 * Layering: uses kv/lmkv_kv.h only; versioning, graph and migrate build on it.
 */
#ifndef LMKV_SCHEMA_H
#define LMKV_SCHEMA_H

#include "lmkv_kv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===================== BEGIN RECORDS SECTION ===================== */
/*
 * RECORDS: lmkv's typed records are FlatBuffers tables. The schema/ .fbs files are the
 * source of truth (namespace lmkv.schema, one table per file, each with its
 * own 4-byte file_identifier); this section mirrors it in C. Records are
 * built, verified and read by lmkv's own FlatBuffers code (schema/fb*.c;
 * wire layout table in schema/fb_int.h), tested against the official
 * implementation 2.0.8: flatc's generated Python reader and builder,
 * flatc --json, and FlatBuffers' C++ verifier (tests/t_schema_conformance.py).
 *
 * A string that holds a NUL byte is valid FlatBuffers; lmkv's C view of it
 * ends at that NUL (lmkv never writes one: builders take C strings).
 *
 * Units (all tables):
 *   *_ns      int64 nanoseconds since the Unix epoch (UTC); 0 = unknown/never.
 *   *line     1-based line number; 0 = unknown (except CacheEntry's LSP
 *             position, which is 0-based as in the LSP request).
 *   *column   1-based byte column on that line; 0 = unknown.
 *   *_id      uint64 stable ids (xxh3_64; lmkv_*_id() below); 0 = none.
 *
 * Strings (const char *) are UTF-8. When building, NULL means "field absent"
 * and "" means "present, empty"; a string is taken up to its first NUL.
 * When reading, an absent string is NULL and a present one points INTO the
 * record buffer (zero-copy, NUL-terminated; verified to lie inside it): it
 * stays valid as long as the buffer does (for a value read from a kv tree,
 * as long as that value's memory does).
 *
 * Scalars equal to their schema default are omitted from the encoding (as
 * flatc's builders do) and read back as the default; an absent scalar reads
 * as its default. Optional scalars (FlatBuffers' `= null`: CacheEntry's
 * position_line and position_character) are written whenever they hold a
 * value, 0 included, and are absent when the C field holds
 * LMKV_POSITION_NONE, which is what an absent one reads as (a CacheEntry
 * written before they were optional omitted a position of 0, which now
 * reads as none; its cache key still holds 0,0). Evolution: fields are
 * only ever appended to a table, so a record written before a field
 * existed reads with that field's default, and a record written by a newer
 * lmkv reads in an older one (unknown trailing fields are ignored).
 *
 * Thread-safety: every function here is reentrant and may be called from
 * any thread; an lmkv_fbb builder must be used by one thread at a time.
 */

/** Record types; the value is stable (stored in keys by the store). */
typedef enum lmkv_record_type {
    LMKV_REC_NONE         = 0,
    LMKV_REC_WORKSPACE    = 1, /* Workspace,   file_identifier "LKWS" */
    LMKV_REC_FILE_VERSION = 2, /* FileVersion, "LKFV" */
    LMKV_REC_SYMBOL       = 3, /* Symbol,      "LKSY" */
    LMKV_REC_REFERENCE    = 4, /* Reference,   "LKRF" */
    LMKV_REC_CALL         = 5, /* Call,        "LKCL" */
    LMKV_REC_HIERARCHY    = 6, /* Hierarchy,   "LKHE" */
    LMKV_REC_CACHE_ENTRY  = 7, /* CacheEntry,  "LKCE" */
    LMKV_REC_CACHE_STATS  = 8, /* CacheStats,  "LKCS" */
    LMKV_REC_INDEXER_QUEUE_ITEM = 9, /* IndexerQueueItem, "LKIQ" (daemon/'s queue) */
    LMKV_REC_ANALYSIS_RUN = 10, /* AnalysisRun, "LKDR" (daemon/'s analysis runs) */
    LMKV_REC_DAEMON_WORKSPACE = 11, /* DaemonWorkspace, "LKDW" (daemon/'s workspaces) */
    LMKV_REC_DAEMON_FILE_LINK = 12 /* DaemonFileLink, "LKDL" (daemon/'s workspace-file links) */
} lmkv_record_type;
#define LMKV_REC_COUNT 13 /* one past the last type */

/** Largest record lmkv builds or reads: 1 GiB (FlatBuffers allows < 2 GiB). */
#define LMKV_RECORD_MAX_SIZE ((size_t)1 << 30)

/** "No position": the C value of an optional position field that holds
 *  none (CacheEntry's position_line/position_character, schema `= null`;
 *  lmkv_cache_key's line/character), UINT32_MAX. The field is then absent
 *  from the record (read back as LMKV_POSITION_NONE, rendered as JSON null
 *  by lmkv_record_to_json). Any other value, 0 included, is a position. LSP
 *  positions are uinteger (at most 2^31 - 1), so UINT32_MAX is never one;
 *  a record from another builder that holds UINT32_MAX reads as none.
 *  Migrated daemon cache entries have none: the daemon's keys hold no
 *  position. Symbols, references and calls use line 0 for "no position"
 *  instead (their lines are 1-based). */
#define LMKV_POSITION_NONE UINT32_MAX

/** LSP SymbolKind with LSP's numbering (1..26); 0 = unknown; and lmkv's
 *  own LMKV_SK_MACRO (255, outside LSP's range): a preprocessor macro,
 *  function-like or object-like, or a Rust macro_rules! macro. LSP has no
 *  macro kind: an answer given as LSP maps it to String (15), as clangd
 *  does (lmkv_symbol_kind_lsp). */
typedef enum lmkv_symbol_kind {
    LMKV_SK_UNKNOWN = 0,
    LMKV_SK_FILE = 1, LMKV_SK_MODULE = 2, LMKV_SK_NAMESPACE = 3,
    LMKV_SK_PACKAGE = 4, LMKV_SK_CLASS = 5, LMKV_SK_METHOD = 6,
    LMKV_SK_PROPERTY = 7, LMKV_SK_FIELD = 8, LMKV_SK_CONSTRUCTOR = 9,
    LMKV_SK_ENUM = 10, LMKV_SK_INTERFACE = 11, LMKV_SK_FUNCTION = 12,
    LMKV_SK_VARIABLE = 13, LMKV_SK_CONSTANT = 14, LMKV_SK_STRING = 15,
    LMKV_SK_NUMBER = 16, LMKV_SK_BOOLEAN = 17, LMKV_SK_ARRAY = 18,
    LMKV_SK_OBJECT = 19, LMKV_SK_KEY = 20, LMKV_SK_NULL = 21,
    LMKV_SK_ENUM_MEMBER = 22, LMKV_SK_STRUCT = 23, LMKV_SK_EVENT = 24,
    LMKV_SK_OPERATOR = 25, LMKV_SK_TYPE_PARAMETER = 26,
    LMKV_SK_MACRO = 255
} lmkv_symbol_kind;

/** What a reference does with its target (schema ReferenceKind). */
typedef enum lmkv_reference_kind {
    LMKV_REF_USE = 0, LMKV_REF_IMPORT = 1, LMKV_REF_TYPE = 2,
    LMKV_REF_CALL = 3, LMKV_REF_READ = 4, LMKV_REF_WRITE = 5,
    /** A function named as a value, not called: its address assigned,
     *  passed or stored in a table (`.cmp = mdb_cmp_int`). Never a call. */
    LMKV_REF_FUNCTION_POINTER = 6
} lmkv_reference_kind;

/** How a call site dispatches (schema CallType). */
typedef enum lmkv_call_type {
    LMKV_CALL_DIRECT = 0, LMKV_CALL_VIRTUAL = 1,
    LMKV_CALL_CALLBACK = 2, LMKV_CALL_ASYNC = 3
} lmkv_call_type;

/** Hierarchy edge kind (schema HierarchyKind): parent contains child,
 *  child extends parent, child implements parent. */
typedef enum lmkv_hierarchy_kind {
    LMKV_HIER_CONTAINS = 0, LMKV_HIER_EXTENDS = 1, LMKV_HIER_IMPLEMENTS = 2
} lmkv_hierarchy_kind;

/** Byte vector ([ubyte]). Build: data NULL = absent; data non-NULL with
 *  len 0 = present, empty. Read: data points into the record buffer. */
typedef struct lmkv_ubytes {
    const uint8_t *data;
    size_t len;
} lmkv_ubytes;

/** String vector ([string]). Build: set items (count strings, none NULL);
 *  items NULL = absent, items non-NULL with count 0 = present, empty.
 *  Read: items is NULL, count is set and the strings are reached with
 *  lmkv_strvec_get() (zero-copy; fb_ points at the vector in the buffer). */
typedef struct lmkv_strvec {
    const char *const *items;
    uint32_t count;
    const uint8_t *fb_; /* private: set by readers */
} lmkv_strvec;

/** The i-th string of v (built or read), or NULL if i >= v->count or v is
 *  NULL. For a read vector the pointer is into the record buffer. */
LMKV_API const char *lmkv_strvec_get(const lmkv_strvec *v, uint32_t i);
/** 1 if the vector is present (even if empty), 0 if absent. */
LMKV_API int lmkv_strvec_present(const lmkv_strvec *v);

/* ---- record structs: one per table, fields in schema order ---- */

typedef struct lmkv_workspace {          /* Workspace, "LKWS" */
    uint64_t id;                         /* lmkv_workspace_id(root_path) */
    const char *root_path;               /* canonical absolute path */
    const char *name;
    int is_git;                          /* bool: 0 or 1 */
    const char *current_commit;          /* HEAD commit id (hex) or NULL */
    int64_t created_ns;
    int64_t last_indexed_ns;             /* 0 = never */
    const char *metadata;                /* JSON text or NULL */
} lmkv_workspace;

typedef struct lmkv_file_version {       /* FileVersion, "LKFV" */
    uint64_t id;                         /* lmkv_file_version_id() */
    uint64_t workspace_id;
    const char *path;                    /* workspace-relative, '/' separated */
    uint64_t content_hash;               /* xxh3_64 of the content */
    const char *git_blob_id;             /* git blob id (hex) of the content */
    const char *language;                /* "c", "rust", ... or NULL */
    uint64_t size_bytes;
    uint32_t line_count;
    int64_t mtime_ns;
    int64_t indexed_ns;
    const char *frontend;                /* analysis frontend that made the records
                                            ("libclang 14.0.6") or NULL = unknown */
} lmkv_file_version;

typedef struct lmkv_symbol {             /* Symbol, "LKSY" */
    uint64_t id;                         /* lmkv_symbol_id(): position-free */
    uint64_t workspace_id;
    uint64_t file_version_id;
    const char *file_path;
    const char *name;
    const char *qualified_name;          /* NULL = same as name */
    lmkv_symbol_kind kind;               /* stored as ubyte (0..255) */
    uint32_t start_line, start_column;   /* definition range, 1-based */
    uint32_t end_line, end_column;
    const char *signature;
    const char *documentation;
    const char *visibility;
    lmkv_strvec modifiers;
    const char *language;
    uint64_t parent_id;                  /* containing symbol; 0 = top level */
    const char *parent_name;
    uint32_t disambiguator;
    float confidence;                    /* default 1.0 */
    int64_t indexed_ns;
} lmkv_symbol;

typedef struct lmkv_reference {          /* Reference, "LKRF" */
    uint64_t id;                         /* lmkv_reference_id() */
    uint64_t workspace_id;
    uint64_t file_version_id;
    const char *file_path;
    uint64_t source_id;                  /* referencing symbol; 0 = file scope */
    const char *source_name;
    uint64_t target_id;                  /* referenced symbol; 0 = unresolved */
    const char *target_name;
    uint32_t start_line, start_column;
    uint32_t end_line, end_column;
    lmkv_reference_kind kind;            /* stored as ubyte */
    int is_definition;                   /* bool */
    int is_declaration;                  /* bool */
} lmkv_reference;

typedef struct lmkv_call {               /* Call, "LKCL" */
    uint64_t id;                         /* lmkv_call_id() */
    uint64_t workspace_id;
    uint64_t file_version_id;
    const char *file_path;
    uint64_t caller_id;
    const char *caller_name;
    uint64_t callee_id;                  /* 0 = unresolved (external) */
    const char *callee_name;
    uint32_t line, column;               /* call site */
    lmkv_call_type call_type;            /* stored as ubyte */
    int32_t argument_count;              /* default -1 = unknown */
    int is_recursive;                    /* bool */
} lmkv_call;

typedef struct lmkv_hierarchy {          /* Hierarchy, "LKHE" */
    uint64_t workspace_id;
    uint64_t file_version_id;
    uint64_t parent_id;
    const char *parent_name;
    uint64_t child_id;
    const char *child_name;
    lmkv_hierarchy_kind kind;            /* stored as ubyte */
} lmkv_hierarchy;

typedef struct lmkv_cache_entry {        /* CacheEntry, "LKCE" */
    uint64_t workspace_id;
    const char *method;                  /* "textDocument/definition", ... */
    const char *file_path;
    uint64_t file_version_id;
    const char *content_hash;            /* daemon's content hash (hex) */
    uint32_t position_line;              /* LSP Position, 0-based; LMKV_POSITION_NONE = none */
    uint32_t position_character;         /* UTF-16 units, 0-based; LMKV_POSITION_NONE = none */
    const char *request_params;          /* JSON text */
    lmkv_ubytes response;                 /* response bytes */
    const char *response_type;
    int64_t created_ns;
    int64_t last_accessed_ns;
    uint64_t access_count;               /* default 1 */
    uint32_t response_time_ms;
    const char *symbol;
    const char *legacy_key;              /* daemon's sled key (migrated) */
} lmkv_cache_entry;

typedef struct lmkv_cache_stats {        /* CacheStats, "LKCS" */
    uint64_t workspace_id;
    const char *method;                  /* "" = all methods */
    uint32_t day;                        /* days since 1970-01-01 UTC */
    uint64_t hits;
    uint64_t misses;
    uint64_t response_time_ms_total;
} lmkv_cache_stats;

typedef struct lmkv_indexer_queue_item { /* IndexerQueueItem, "LKIQ" */
    int64_t queue_id;                    /* 1, 2, ... in queueing order */
    int64_t file_id;                     /* the probe daemon's file id */
    const char *language;
    const char *operation;               /* "analyze" */
    const char *status;                  /* "pending" */
    int32_t priority;                    /* higher first */
} lmkv_indexer_queue_item;

typedef struct lmkv_analysis_run {       /* AnalysisRun, "LKDR" */
    int64_t run_id;                      /* 1, 2, ... in creation order */
    const char *analyzer_name;
    const char *analyzer_version;
    const char *language;
    const char *config;                  /* the analyser's configuration */
    const char *started_at;              /* UTC "YYYY-MM-DD HH:MM:SS" */
} lmkv_analysis_run;

typedef struct lmkv_daemon_workspace_record { /* DaemonWorkspace, "LKDW" */
    int64_t workspace_id;                /* 1, 2, ... in creation order */
    int64_t project_id;                  /* the probe daemon's project id */
    int is_active;                       /* 0/1 */
    const char *created_at;              /* UTC "YYYY-MM-DD HH:MM:SS" */
    const char *name;
    const char *description;             /* NULL: none */
    const char *branch_hint;             /* NULL: none */
} lmkv_daemon_workspace_record;

typedef struct lmkv_daemon_file_link {   /* DaemonFileLink, "LKDL" */
    int64_t workspace_id;                /* the probe daemon's workspace id */
    int64_t file_id;                     /* the probe daemon's file id */
    int64_t file_version_id;             /* 0: none */
    int32_t status;                      /* 0 pending, 1 completed, 2 failed */
    int64_t run_id;                      /* 0: none */
} lmkv_daemon_file_link;

/* ---- defaults ---- */

/** Set *rec (a struct of the given type) to the schema defaults: every id
 *  and number 0, strings/vectors absent (NULL), confidence 1.0,
 *  argument_count -1, access_count 1, CacheEntry's position_line and
 *  position_character LMKV_POSITION_NONE (absent). Always start from this
 *  (or from a zeroed struct plus those) so fields added later get defaults.
 *  Returns LMKV_OK, or LMKV_EINVAL for a NULL rec or unknown type. */
LMKV_API int lmkv_record_init(lmkv_record_type type, void *rec);

/* ---- builder ---- */

/** A reusable record builder: owns one growing output buffer, so building
 *  thousands of records costs no allocation after the first few. Not
 *  thread-safe: one thread at a time per builder. */
typedef struct lmkv_fbb lmkv_fbb;

/** Create a builder (initial capacity 1 KiB). *out is freed with
 *  lmkv_fbb_free(). Errors: LMKV_EINVAL (out NULL), LMKV_ENOMEM. */
LMKV_API int lmkv_fbb_new(lmkv_fbb **out);
/** Free a builder and its buffer. NULL is fine. Every pointer returned by
 *  its builds becomes invalid. */
LMKV_API void lmkv_fbb_free(lmkv_fbb *b);

/** Encode *rec (a struct of `type`) as a FlatBuffers record with the
 *  table's file_identifier. On success *out points to *outlen bytes inside
 *  the builder, valid until the next build with the same builder or
 *  lmkv_fbb_free(); copy them (e.g. into a kv value) before that. The
 *  encoding is deterministic (equal records give equal bytes) and passes
 *  flatc's verifier. No partial output on error.
 *  Errors: LMKV_EINVAL (NULL argument, unknown type, an enum value > 255,
 *  a NULL string inside a string vector), LMKV_ETOOBIG (record larger than
 *  LMKV_RECORD_MAX_SIZE), LMKV_ENOMEM. */
LMKV_API int lmkv_record_build(lmkv_fbb *b, lmkv_record_type type, const void *rec,
                               const uint8_t **out, size_t *outlen);

/* ---- verifier and readers ---- */

/** Verify that buf[0..len) is a well-formed record of `type` (or of any
 *  lmkv type when type is LMKV_REC_NONE): size within [8, LMKV_RECORD_MAX_SIZE],
 *  the type's file_identifier, root and vtable offsets in range and aligned
 *  (relative to buf, as FlatBuffers' verifier), vtable and table sizes,
 *  every present field inside its table and aligned, strings inside the
 *  buffer and NUL-terminated, vector lengths inside the buffer, nesting
 *  depth <= 8. buf itself may have any alignment (unaligned reads are safe).
 *  It accepts nothing FlatBuffers' own C++ verifier (2.0.8) rejects, and is
 *  stricter in four checks that verifier skips: the vtable holds at least
 *  its 4-byte header, the table's inline size (from the vtable) lies inside
 *  the buffer, every field lies inside that size, and no uoffset is 0 (one
 *  that points at itself, which FlatBuffers' verifier lets through as an
 *  empty string or vector when the bytes after it allow) (tested
 *  differentially in tests/t_schema_conformance.py).
 *  Errors: LMKV_EINVAL (buf NULL with len > 0, unknown type),
 *  LMKV_ECORRUPT (message names the byte offset and the check that
 *  failed). Never reads outside buf[0..len). */
LMKV_API int lmkv_record_verify(lmkv_record_type type, const void *buf, size_t len);

/** Verify buf as `type` (as lmkv_record_verify) and fill *out (a struct of
 *  that type): absent fields get their defaults, strings and vectors point
 *  into buf (zero-copy; valid as long as buf). *out is untouched on error.
 *  Errors: those of lmkv_record_verify. */
LMKV_API int lmkv_record_read(lmkv_record_type type, void *out, const void *buf, size_t len);

/** The record type named by buf's file_identifier (bytes 4..7), without
 *  further verification. Errors: LMKV_EINVAL (NULL), LMKV_ECORRUPT (len < 8
 *  or an identifier that is not lmkv's). */
LMKV_API int lmkv_record_type_of(lmkv_record_type *out, const void *buf, size_t len);

/* Typed wrappers: lmkv_<table>_build / lmkv_<table>_read are
 * lmkv_record_build / lmkv_record_read with the table's type. */
LMKV_API int lmkv_workspace_build(lmkv_fbb *b, const lmkv_workspace *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_workspace_read(lmkv_workspace *out, const void *buf, size_t len);
LMKV_API int lmkv_file_version_build(lmkv_fbb *b, const lmkv_file_version *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_file_version_read(lmkv_file_version *out, const void *buf, size_t len);
LMKV_API int lmkv_symbol_build(lmkv_fbb *b, const lmkv_symbol *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_symbol_read(lmkv_symbol *out, const void *buf, size_t len);
LMKV_API int lmkv_reference_build(lmkv_fbb *b, const lmkv_reference *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_reference_read(lmkv_reference *out, const void *buf, size_t len);
LMKV_API int lmkv_call_build(lmkv_fbb *b, const lmkv_call *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_call_read(lmkv_call *out, const void *buf, size_t len);
LMKV_API int lmkv_hierarchy_build(lmkv_fbb *b, const lmkv_hierarchy *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_hierarchy_read(lmkv_hierarchy *out, const void *buf, size_t len);
LMKV_API int lmkv_cache_entry_build(lmkv_fbb *b, const lmkv_cache_entry *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_cache_entry_read(lmkv_cache_entry *out, const void *buf, size_t len);
LMKV_API int lmkv_cache_stats_build(lmkv_fbb *b, const lmkv_cache_stats *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_cache_stats_read(lmkv_cache_stats *out, const void *buf, size_t len);
LMKV_API int lmkv_indexer_queue_item_build(lmkv_fbb *b, const lmkv_indexer_queue_item *rec, const uint8_t **out,
                                           size_t *outlen);
LMKV_API int lmkv_indexer_queue_item_read(lmkv_indexer_queue_item *out, const void *buf, size_t len);
LMKV_API int lmkv_analysis_run_build(lmkv_fbb *b, const lmkv_analysis_run *rec, const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_analysis_run_read(lmkv_analysis_run *out, const void *buf, size_t len);
LMKV_API int lmkv_daemon_workspace_record_build(lmkv_fbb *b, const lmkv_daemon_workspace_record *rec,
                                                const uint8_t **out, size_t *outlen);
LMKV_API int lmkv_daemon_workspace_record_read(lmkv_daemon_workspace_record *out, const void *buf, size_t len);
LMKV_API int lmkv_daemon_file_link_build(lmkv_fbb *b, const lmkv_daemon_file_link *rec, const uint8_t **out,
                                         size_t *outlen);
LMKV_API int lmkv_daemon_file_link_read(lmkv_daemon_file_link *out, const void *buf, size_t len);

/* ---- names ---- */

/** Schema table name ("Symbol") of a type, or NULL if unknown. Static. */
LMKV_API const char *lmkv_record_type_name(lmkv_record_type type);
/** 4-character file_identifier ("LKSY") of a type, or NULL. Static. */
LMKV_API const char *lmkv_record_type_ident(lmkv_record_type type);
/** LSP name of a SymbolKind ("Function", "EnumMember"; "Macro" for
 *  LMKV_SK_MACRO), or NULL if the value is outside 0..26 and not 255
 *  (0 -> "Unknown"). Static storage; thread-safe. */
LMKV_API const char *lmkv_symbol_kind_name(int kind);
/** The SymbolKind to put in an LSP answer (documentSymbol, workspace/symbol,
 *  CallHierarchyItem): KIND itself for LSP's 1..26, String (15) for
 *  LMKV_SK_MACRO (LSP has no macro kind; clangd answers String for macros),
 *  0 for 0 or any other value (not an LSP kind: leave the symbol out).
 *  Pure; thread-safe. */
LMKV_API int lmkv_symbol_kind_lsp(int kind);
/** Parse an LSP SymbolKind name (case-insensitive, "enum_member" and
 *  "EnumMember" both accepted; "Macro" gives LMKV_SK_MACRO).
 *  Errors: LMKV_EINVAL (NULL), LMKV_NOTFOUND. */
LMKV_API int lmkv_symbol_kind_from_name(lmkv_symbol_kind *out, const char *name);
/** Schema names of the other enums ("use", "call", "virtual", "extends"...;
 *  lowercase), or NULL for a value outside the enum. Static storage. */
LMKV_API const char *lmkv_reference_kind_name(int kind);
LMKV_API const char *lmkv_call_type_name(int type);
LMKV_API const char *lmkv_hierarchy_kind_name(int kind);

/* ---- JSON ---- */

#define LMKV_JSON_PRETTY 0x1u /* indent by 2 and one field per line */

/** Render a record as a JSON object (via jansson) for `lmkv dump` and
 *  `lmkv verify`: {"type": "Symbol", <field>: <value>...} with the schema's
 *  field names, in schema order, absent strings/vectors omitted, scalars
 *  always present (defaults included; an absent optional scalar, such as a
 *  CacheEntry position_line of LMKV_POSITION_NONE, is JSON null). *_id fields and content_hash are
 *  16-digit lowercase hex strings; other 64-bit integers are JSON integers
 *  (a uint64 above INT64_MAX as a decimal string); enums by name (number if
 *  unknown); bools true/false; floats as numbers ("nan", "inf", "-inf" as
 *  strings); [ubyte] as a JSON string when it is valid
 *  UTF-8 without NUL, else as "<field>_base64" (standard base64); likewise
 *  a string that is not valid UTF-8 (the verifier, like FlatBuffers', does
 *  not check encodings) and a [string] with any such element (an array of
 *  base64 strings under "<field>_base64"). The type is taken from the
 *  file_identifier and the record is verified first.
 *  *out is a NUL-terminated string freed with free() (lmkv_free()).
 *  Errors: LMKV_EINVAL (NULL argument), LMKV_ECORRUPT, LMKV_ENOMEM. */
LMKV_API int lmkv_record_to_json(char **out, const void *buf, size_t len, unsigned flags);

/* ---- stable ids (schema/ids.c documents the byte layouts hashed;
 *      all are XXH3_64bits with seed 0) ---- */

/** Workspace id = xxh3_64("LMKVWS01" || root), where root is root_path with
 *  trailing '/' removed (kept for "/"). The caller passes the canonical
 *  path (realpath()). Errors: LMKV_EINVAL (NULL, empty or not absolute). */
LMKV_API int lmkv_workspace_id(uint64_t *out, const char *root_path);
/** File-version id = xxh3_64("LMKVFV01" || le64(workspace_id) ||
 *  le32(len(path)) || path || le32(len(blob)) || blob). git_blob_id NULL is
 *  hashed as length 0. Errors: LMKV_EINVAL (out or path NULL). */
LMKV_API int lmkv_file_version_id(uint64_t *out, uint64_t workspace_id,
                                  const char *path, const char *git_blob_id);
/** Symbol id = xxh3_64("LMKVSY01" || le64(workspace_id) || le32(len(path)) ||
 *  path || le32(len(qualified_name)) || qualified_name || u8(kind) ||
 *  le32(disambiguator)). No position: edits elsewhere in the file keep the
 *  id. Errors: LMKV_EINVAL (NULL path or qualified_name, kind > 255). */
LMKV_API int lmkv_symbol_id(uint64_t *out, uint64_t workspace_id, const char *path,
                            const char *qualified_name, int kind, uint32_t disambiguator);
/** Reference id = xxh3_64("LMKVRF01" || le64(file_version_id) ||
 *  le64(source_id) || le64(target_id) || u8(kind) || le32(line) || le32(column)).
 *  Errors: LMKV_EINVAL (out NULL, kind > 255). */
LMKV_API int lmkv_reference_id(uint64_t *out, uint64_t file_version_id, uint64_t source_id,
                               uint64_t target_id, int kind, uint32_t line, uint32_t column);
/** Call id = xxh3_64("LMKVCL01" || le64(file_version_id) || le64(caller_id) ||
 *  le64(callee_id) || le32(line) || le32(column)). Errors: LMKV_EINVAL. */
LMKV_API int lmkv_call_id(uint64_t *out, uint64_t file_version_id, uint64_t caller_id,
                          uint64_t callee_id, uint32_t line, uint32_t column);
/* ====================== END RECORDS SECTION ====================== */

/* ====================== BEGIN STORE SECTION ====================== */
/*
 * STORE: where typed records live. Byte tables of every key: schema/KEYS.md.
 *
 * Concepts
 *  - A FILE VERSION is (workspace, path, git blob id of the content); its id
 *    `fv` is lmkv_file_version_id() (RECORDS). Its records (symbols,
 *    references, calls, hierarchy edges) are stored ONCE, whatever commits
 *    contain it, under keys `ws fv ...` in system trees (kv's system
 *    namespace: invisible to tree_names(), checksum(), export()). The same
 *    bytes under another path are another file version; the versions of
 *    one content are found through the content index (ws, blob id) -> fv
 *    (lmkv_store_file_versions_by_blob), and one can be stored from
 *    another's records without analysis (lmkv_store_copy_file).
 *  - Path MAPPINGS per workspace: commit (ws, commit oid, path) -> fv;
 *    latest (ws, path) -> fv (newest indexed worktree version); CURRENT
 *    (ws, path) -> fv + source, with its reverse (ws, fv) -> path.
 *    versioning/ decides what is current and writes it here; queries by
 *    default see only records of current file versions.
 *  - STATE GENERATION: a per-workspace u64 incremented in the same write
 *    transaction as any change of the workspace's current map, so readers
 *    can cache the current fv set (lmkv_store_is_current does so).
 *  - Reads happen inside an lmkv_store_txn (an LMDB read txn, MDB_NOTLS:
 *    it may move between threads but must be used by one thread at a time).
 *    Records passed to callbacks are ZERO-COPY: their string/vector fields
 *    point into the database map and stay valid until the txn ends, is
 *    reset, or (inside a write session) the next write of the session.
 *    Nothing is allocated per record in the lookup paths.
 *  - Writes happen in an lmkv_store_session (one LMDB write txn; LMDB has a
 *    single writer per environment: a second session_begin in another thread
 *    or process blocks until the first ends; a thread holding a session must
 *    not begin another one). Abort (or a failed commit) leaves nothing
 *    visible. After any write error the session is POISONED: later calls
 *    return LMKV_EBADTXN and commit refuses, so nothing half-applied commits.
 *
 * Threading: an lmkv_store is thread-safe (any number of threads may open
 * txns and sessions on one store). A txn and a session are used by one
 * thread at a time (they may move between threads: MDB_NOTLS). Every
 * lmkv_cache function is thread-safe (a mutex guards the access buffer, a
 * second one the record builder; a cache function takes them only after
 * its write txn began, never while waiting for LMDB's writer lock). A
 * thread that holds a session must not call the cache functions that write
 * (put, put_entry, flush, invalidate, clear, evict, stats_add, close; get
 * may flush) on the same database: LMDB allows one write txn per thread
 * (LMKV_EBUSY, returned at once).
 *
 * Callbacks: every iteration takes `int (*fn)(void *ctx, ...)`. Return 0 to
 * continue, a positive value to stop early (the call then returns LMKV_OK),
 * a negative LMKV_E* code to stop with that error (returned as is).
 */

typedef struct lmkv_store lmkv_store;
typedef struct lmkv_store_txn lmkv_store_txn;
typedef struct lmkv_store_session lmkv_store_session;

/** Query flags (bit set). */
enum lmkv_store_flags {
    LMKV_STORE_CURRENT      = 0,      /* default: only records of current file versions */
    LMKV_STORE_ALL_VERSIONS = 1 << 0, /* every stored file version (gc, dump, verify) */
    LMKV_STORE_PREFIX       = 1 << 1  /* name lookups: names starting with the given bytes */
};

/** Source of a current-map entry. */
enum lmkv_store_source {
    LMKV_SOURCE_COMMIT = 1, /* the file version of the workspace's HEAD commit */
    LMKV_SOURCE_LATEST = 2  /* the latest indexed (worktree) version */
};

/** One current-map entry. `path` points into the map (txn lifetime; from
 *  lmkv_store_current_get: the caller's path), not NUL-terminated.
 *  `commit` is all zeros unless source is COMMIT. */
typedef struct lmkv_store_current {
    uint64_t fv;
    int source;                 /* enum lmkv_store_source */
    uint8_t commit[20];         /* raw git commit oid */
    const char *path;
    size_t path_len;
} lmkv_store_current;

/** Record counts (for `lmkv stat`). */
typedef struct lmkv_store_counts {
    uint64_t workspaces, file_versions, symbols, calls, references, hierarchy;
    uint64_t commit_mappings, latest_mappings, current_mappings;
    uint64_t cache_entries, cache_bytes, cache_stats;
} lmkv_store_counts;

/* ---------------------------------------------------------- open / close */

/** Open the store on an open kv database: opens (creating on first use) the
 *  system trees of schema/KEYS.md. *out owns nothing of db: close the store
 *  before the db. On a read-only db the trees must exist (an empty read-only
 *  db gives a store whose lookups return nothing).
 *  Errors: LMKV_EINVAL (NULL), LMKV_ENOMEM, errors of kv's system-tree open.
 *  Thread-safe result. */
LMKV_API int lmkv_store_open(lmkv_store **out, lmkv_db *db);
/** Close: frees the store's caches; NULL is fine. All txns, sessions and
 *  caches of the store must be ended first. */
LMKV_API void lmkv_store_close(lmkv_store *st);
/** The kv database the store was opened on (borrowed). */
LMKV_API lmkv_db *lmkv_store_db(lmkv_store *st);

/* ------------------------------------------------------------- read txns */

/** Begin a read transaction (an LMDB snapshot; as mdb_txn_begin with
 *  MDB_RDONLY). Free with lmkv_store_txn_end. Errors: LMKV_EINVAL,
 *  LMKV_ENOMEM, LMKV_EBUSY (reader slots exhausted). */
LMKV_API int lmkv_store_txn_begin(lmkv_store_txn **out, lmkv_store *st);
/** End (abort) a read txn and free it; NULL is fine. Ending the txn of a
 *  session (lmkv_store_session_txn) is refused silently: end the session. */
LMKV_API void lmkv_store_txn_end(lmkv_store_txn *t);
/** Release the snapshot but keep the handle (as mdb_txn_reset); renew takes
 *  a fresh snapshot (as mdb_txn_renew). Cheap: for repeated short queries. */
LMKV_API void lmkv_store_txn_reset(lmkv_store_txn *t);
LMKV_API int lmkv_store_txn_renew(lmkv_store_txn *t);

/* ------------------------------------------------------- write sessions */

/** Begin a write session (one write transaction). Blocks while another
 *  writer holds the environment (LMDB single writer). On a database written
 *  before the content index store.fv_blob existed (KEYS.md: no marker), the
 *  session first fills that index from store.fv (one scan of every
 *  FileVersion, once per database: the marker is written with it and
 *  commits with the session). Errors: LMKV_EINVAL, LMKV_EREADONLY,
 *  LMKV_ENOMEM, kv's txn errors, and kv's insert errors of that filling
 *  (nothing begun then). */
LMKV_API int lmkv_store_session_begin(lmkv_store_session **out, lmkv_store *st);
/** Commit everything of the session atomically, then free it (also on
 *  failure: the session is gone either way). On error nothing is visible.
 *  Errors: LMKV_EBADTXN (poisoned by an earlier error), LMKV_EFULL, LMKV_EIO. */
LMKV_API int lmkv_store_session_commit(lmkv_store_session *s);
/** Abort: nothing of the session becomes visible; frees it. NULL is fine. */
LMKV_API void lmkv_store_session_abort(lmkv_store_session *s);
/** A txn view of the session for every read function (reads see the
 *  session's own writes). Borrowed: valid until the session ends. Records
 *  returned through it stay valid only until the session's next write. */
LMKV_API lmkv_store_txn *lmkv_store_session_txn(lmkv_store_session *s);
/** Number of key writes/deletes done so far in the session, for callers that
 *  bound the size of their transactions (gc): commit and begin anew when it
 *  exceeds their budget. */
LMKV_API size_t lmkv_store_session_pending(const lmkv_store_session *s);
/** Bulk load on (on != 0) or off for the rest of the session: inserts of
 *  file-version records and their index entries (the trees
 *  lmkv_store_put_file and the current copies fill) are buffered in memory
 *  (copied; up to 256 MiB, then written) and written per tree in key order
 *  when the session reads or deletes in that tree, and at commit; keys
 *  greater than the tree's last key (and of at most 500 bytes) go in with
 *  MDB_APPEND (kv's LMKV_INSERT_APPEND, as LMDB's mdb_put MDB_APPEND):
 *  full pages, no search per key. Reads of the session see every write as
 *  without bulk; what commits is the same. Not for sessions whose writes
 *  in-process watch_prefix subscribers of those trees must see: appended
 *  inserts produce no events (kv's LMKV_INSERT_APPEND). Turning it off
 *  writes what is buffered. Same thread as the session. Errors:
 *  LMKV_EINVAL (NULL), LMKV_EBADTXN (poisoned), kv's insert errors (which
 *  poison the session). */
LMKV_API int lmkv_store_session_set_bulk(lmkv_store_session *s, int on);

/** Register or update a workspace (key: ws->id; also indexes ws->root_path
 *  for lmkv_store_workspace_by_root; a changed root moves that index entry).
 *  Errors: LMKV_EINVAL (NULL, id 0, empty root), LMKV_EBADTXN, kv errors. */
LMKV_API int lmkv_store_workspace_put(lmkv_store_session *s, const lmkv_workspace *ws);

/** The records of one file version, as arrays (any may be NULL with n = 0). */
typedef struct lmkv_store_file_records {
    const lmkv_symbol *symbols;       size_t n_symbols;
    const lmkv_reference *references; size_t n_references;
    const lmkv_call *calls;           size_t n_calls;
    const lmkv_hierarchy *hierarchy;  size_t n_hierarchy;
} lmkv_store_file_records;

/** Store one file version and ALL its records, REPLACING whatever that file
 *  version had (records and every secondary index entry of KEYS.md,
 *  including the content index store.fv_blob of its git_blob_id). The
 *  store writes file_version->workspace_id and file_version->id as the key
 *  (`ws`, `fv`) and stores each record with workspace_id/file_version_id
 *  (and file_path) set to those of the file version, whatever the caller
 *  filled in. Every record is encoded and checked BEFORE the first write, so
 *  bad input (LMKV_EINVAL: NULL name of a symbol/callee/target, duplicate
 *  symbol id in the file, fv id 0) returns with nothing written and the
 *  session usable; an error while writing (LMKV_EFULL, LMKV_EIO, ...)
 *  poisons the session, so the file can never become half visible.
 *  A version that is already stored is replaced by writing only what
 *  differs: keys that hold the same bytes are not written again, stored
 *  keys the new records do not have are deleted (the result equals a
 *  remove + put; lmkv_store_session_pending counts only the writes done).
 *  That costs the stored version's entries in memory during the call.
 *  Does not touch path mappings: call lmkv_store_map_* / set_current.
 *  Errors: LMKV_EINVAL, LMKV_ENOMEM, LMKV_EBADTXN, kv errors. */
LMKV_API int lmkv_store_put_file(lmkv_store_session *s,
                                 const lmkv_file_version *file_version,
                                 const lmkv_store_file_records *records);

/** Store stored file version src_fv again under another path, as the new
 *  file version *dst, from its stored records instead of an analysis of the
 *  content (a renamed or copied file: same bytes, other path). One call of
 *  lmkv_store_put_file with the source's records re-pathed, so the same
 *  replacement, checking and poisoning rules apply.
 *  The new FileVersion is the source's with id, workspace_id, path,
 *  mtime_ns and indexed_ns taken from *dst; content_hash, git_blob_id,
 *  language, size_bytes and line_count stay the source's (same content;
 *  dst's values of them are ignored). dst->id must be
 *  lmkv_file_version_id(dst->workspace_id, dst->path, source git_blob_id).
 *  Rewritten, as put_file would store records computed for dst->path:
 *   - Symbol.id = lmkv_symbol_id(ws, dst->path, qualified name (else name),
 *     kind, disambiguator);
 *   - every id that names a symbol of the source (Symbol.parent_id, Call
 *     caller_id/callee_id, Reference source_id/target_id, Hierarchy
 *     parent_id/child_id) becomes that symbol's new id; 0 and ids of
 *     symbols of other files are kept;
 *   - Call.id and Reference.id recomputed (lmkv_call_id/lmkv_reference_id
 *     of the new file version and ids); workspace_id, file_version_id and
 *     file_path as put_file sets them; Symbol.indexed_ns = dst->indexed_ns.
 *  Everything else (names, qualified names, kinds, positions, signatures,
 *  modifiers, language, ...) is copied, and calls, references and hierarchy
 *  edges keep their order (`ord`, KEYS.md), so every key equals the one
 *  put_file gives for the records in their original order. The result is
 *  what storing an analysis of dst->path gives when the analysis of those
 *  bytes does not depend on the path except through the ids above: the
 *  caller's promise (versioning/ copies only between paths with the same
 *  file-name extension; see lmkv_versioning.h).
 *  Refused, with nothing of dst written and the session usable
 *  (LMKV_EINVAL), when the source's ids are not derived that way (a
 *  symbol id that is not lmkv_symbol_id of the source's path, a call or
 *  reference id that is not lmkv_call_id/lmkv_reference_id of the source
 *  version: records from other tools), when the source has no path or no
 *  blob id, or when dst->id is not the id above.
 *  Cost: one prefix scan of each record tree of the source (in a bulk
 *  session these reads first write the buffered inserts of those trees,
 *  see lmkv_store_session_set_bulk) plus put_file; nothing is analysed.
 *  Errors: LMKV_EINVAL (NULL argument, id/workspace/src_fv 0, empty path,
 *  dst->id == src_fv, the refusals above); LMKV_NOTFOUND (src_fv is not
 *  stored in dst->workspace_id); LMKV_ECORRUPT (a source record fails the
 *  verifier, or its ordinals are not 0..n-1); these three leave nothing
 *  written and the session usable. LMKV_ENOMEM, LMKV_EBADTXN, kv errors
 *  (which poison the session, as put_file's). Same thread as the session. */
LMKV_API int lmkv_store_copy_file(lmkv_store_session *s, const lmkv_file_version *dst,
                                  uint64_t src_fv);

/** Remove a file version: its FileVersion record (and its store.fv_blob
 *  entry), all its records and index entries, the current/latest mappings that point at it (commit mappings
 *  are removed with lmkv_store_unmap_commit), and the LSP cache entries of
 *  its path whose content version is fv (lmkv_cache_key.content_version).
 *  *out_removed (may be NULL) = number of records, index entries, mappings
 *  and cache entries deleted. LMKV_NOTFOUND if fv is not stored. */
LMKV_API int lmkv_store_remove_file(size_t *out_removed, lmkv_store_session *s,
                                    uint64_t ws, uint64_t fv);

/** Commit mapping: (ws, commit, path) -> fv (replaces). commit = 20 raw
 *  bytes (git_oid.id). path: workspace-relative, `path_len` bytes. */
LMKV_API int lmkv_store_map_commit(lmkv_store_session *s, uint64_t ws, const uint8_t commit[20],
                                   const char *path, size_t path_len, uint64_t fv);
/** Remove up to `max` (0 = no limit) path mappings of one commit, in key
 *  order. *out_removed = number removed; when it equals max, call again
 *  (in a new session for bounded transactions) until it returns fewer. */
LMKV_API int lmkv_store_unmap_commit(size_t *out_removed, lmkv_store_session *s, uint64_t ws,
                                     const uint8_t commit[20], size_t max);
/** Latest mapping (ws, path) -> fv (replaces); unmap: LMKV_NOTFOUND if absent. */
LMKV_API int lmkv_store_map_latest(lmkv_store_session *s, uint64_t ws,
                                   const char *path, size_t path_len, uint64_t fv);
LMKV_API int lmkv_store_unmap_latest(lmkv_store_session *s, uint64_t ws,
                                     const char *path, size_t path_len);
/** Current map: (ws, path) -> fv with its source (commit: give the commit
 *  oid; latest: commit may be NULL). Replaces the path's entry and its
 *  reverse entry; increments the workspace's state generation once per
 *  session (only if something changed: setting the same fv/source is a
 *  no-op). When the fv changes, the old version's current copies of its
 *  calls and references (KEYS.md store.cur_call_to/cur_call_from/cur_ref_to) are removed
 *  and the new one's added: cost proportional to the two versions' call
 *  and reference counts, no analysis. The fv need not be stored yet
 *  (put_file may follow in the same session and then adds the copies);
 *  verify reports current entries whose fv is missing.
 *  Errors: LMKV_EINVAL (bad source, fv 0), LMKV_EBADTXN, kv errors. */
LMKV_API int lmkv_store_set_current(lmkv_store_session *s, uint64_t ws,
                                    const char *path, size_t path_len, uint64_t fv,
                                    int source, const uint8_t *commit);
/** Remove the path from the current map (a deleted file). LMKV_NOTFOUND if
 *  the path had no entry. Increments the state generation. */
LMKV_API int lmkv_store_unset_current(lmkv_store_session *s, uint64_t ws,
                                      const char *path, size_t path_len);

/* ----------------------------------------------------------------- reads */
/* All take a txn from lmkv_store_txn_begin or lmkv_store_session_txn.
 * Out-structs filled by *_get are zero-copy (txn lifetime). Errors common to
 * all: LMKV_EINVAL (NULL), LMKV_ECORRUPT (a stored record fails the
 * FlatBuffers verifier: message names tree and key in hex), LMKV_EBADTXN. */

LMKV_API int lmkv_store_workspace_get(lmkv_workspace *out, lmkv_store_txn *t, uint64_t ws);
/** Workspace id registered for a root path; LMKV_NOTFOUND if none. */
LMKV_API int lmkv_store_workspace_by_root(uint64_t *out_ws, lmkv_store_txn *t,
                                          const char *root, size_t root_len);
typedef int (*lmkv_store_workspace_fn)(void *ctx, const lmkv_workspace *ws);
/** Every workspace in id order. */
LMKV_API int lmkv_store_workspaces(lmkv_store_txn *t, lmkv_store_workspace_fn fn, void *ctx);

/** File version record by id; LMKV_NOTFOUND if not stored. */
LMKV_API int lmkv_store_file_version_get(lmkv_file_version *out, lmkv_store_txn *t,
                                         uint64_t ws, uint64_t fv);
typedef int (*lmkv_store_file_version_fn)(void *ctx, const lmkv_file_version *fv);
/** Every stored file version of a workspace (current or not), in fv order. */
LMKV_API int lmkv_store_file_versions(lmkv_store_txn *t, uint64_t ws,
                                      lmkv_store_file_version_fn fn, void *ctx);
/** Every stored file version of workspace ws whose content is the git blob
 *  git_blob_id (FileVersion.git_blob_id, bytewise; NUL-terminated), under
 *  any path, current or not, in fv order: one prefix scan of store.fv_blob
 *  (KEYS.md) and one FileVersion read per result, whatever the number of
 *  stored versions. For finding the records already computed for the same
 *  bytes under another path (lmkv_store_copy_file). Versions stored
 *  without a blob id are not indexed. A database written before
 *  store.fv_blob existed has its older versions indexed by its next write
 *  session (lmkv_store_session_begin); until then they are not found.
 *  Records are zero-copy (valid during the callback, inside t).
 *  Errors: LMKV_EINVAL (NULL t or fn, NULL or empty blob id); LMKV_ECORRUPT
 *  (an index entry without its FileVersion, or whose FileVersion has
 *  another blob id; the message names the key); LMKV_ENOMEM; LMKV_EBADTXN;
 *  a negative code returned by fn is returned. */
LMKV_API int lmkv_store_file_versions_by_blob(lmkv_store_txn *t, uint64_t ws,
                                              const char *git_blob_id,
                                              lmkv_store_file_version_fn fn, void *ctx);

/** Mappings. LMKV_NOTFOUND when the path has none. out->path is the
 *  caller's `path` (the same bytes), valid as long as that is. */
LMKV_API int lmkv_store_current_get(lmkv_store_current *out, lmkv_store_txn *t, uint64_t ws,
                                    const char *path, size_t path_len);
typedef int (*lmkv_store_current_fn)(void *ctx, const lmkv_store_current *cur);
/** Every current-map entry of the workspace in path (byte) order. */
LMKV_API int lmkv_store_current_each(lmkv_store_txn *t, uint64_t ws,
                                     lmkv_store_current_fn fn, void *ctx);
/** The current-map entries whose path begins with the prefix_len bytes at
 *  prefix (byte prefix: "src" also gives "src2/x.c"; prefix_len 0 = every
 *  entry, as lmkv_store_current_each), in path order, by one prefix scan
 *  of store.cur: the cost follows the entries given, not the workspace's
 *  size (what a one-file or one-directory re-index reads). fn's return
 *  value: 0 go on, > 0 stop (LMKV_OK returned), < 0 stop and return it.
 *  Entries point into the txn (valid until it ends or writes). Errors: the
 *  common ones above; LMKV_EINVAL also for a NULL prefix with prefix_len > 0. */
LMKV_API int lmkv_store_current_prefix(lmkv_store_txn *t, uint64_t ws,
                                       const char *prefix, size_t prefix_len,
                                       lmkv_store_current_fn fn, void *ctx);
LMKV_API int lmkv_store_latest_get(uint64_t *out_fv, lmkv_store_txn *t, uint64_t ws,
                                   const char *path, size_t path_len);
LMKV_API int lmkv_store_commit_get(uint64_t *out_fv, lmkv_store_txn *t, uint64_t ws,
                                   const uint8_t commit[20], const char *path, size_t path_len);
typedef int (*lmkv_store_path_fn)(void *ctx, const char *path, size_t path_len, uint64_t fv);
/** Every (path, fv) mapping of one commit, in path order. */
LMKV_API int lmkv_store_commit_files(lmkv_store_txn *t, uint64_t ws, const uint8_t commit[20],
                                     lmkv_store_path_fn fn, void *ctx);
typedef int (*lmkv_store_commit_fn)(void *ctx, const uint8_t commit[20]);
/** Every commit that has path mappings (lmkv_store_map_commit) in the
 *  workspace, once each, in oid byte order. Cost: one seek per commit (it
 *  skips over each commit's paths), not a scan of all mappings. For gc. */
LMKV_API int lmkv_store_commits(lmkv_store_txn *t, uint64_t ws,
                                lmkv_store_commit_fn fn, void *ctx);
/** Every latest mapping of a workspace, in path order. */
LMKV_API int lmkv_store_latest_each(lmkv_store_txn *t, uint64_t ws,
                                    lmkv_store_path_fn fn, void *ctx);
/** The workspace's state generation (0 if its current map never changed). */
LMKV_API int lmkv_store_generation(uint64_t *out_gen, lmkv_store_txn *t, uint64_t ws);
/** 1 if fv is in the workspace's current map, 0 if not, < 0 on error.
 *  O(1): a hash set of the current fvs cached in the store per workspace and
 *  rebuilt only when the state generation seen by this txn differs. */
LMKV_API int lmkv_store_is_current(lmkv_store_txn *t, uint64_t ws, uint64_t fv);

typedef int (*lmkv_store_symbol_fn)(void *ctx, const lmkv_symbol *sym);
typedef int (*lmkv_store_call_fn)(void *ctx, const lmkv_call *call);
typedef int (*lmkv_store_reference_fn)(void *ctx, const lmkv_reference *ref);
typedef int (*lmkv_store_hierarchy_fn)(void *ctx, const lmkv_hierarchy *edge);

/** Symbols by short name: exact, or with LMKV_STORE_PREFIX every name
 *  starting with name[0..name_len) (empty prefix = all). Order: name, fv,
 *  symbol id. flags: LMKV_STORE_CURRENT (default) / ALL_VERSIONS, PREFIX. */
LMKV_API int lmkv_store_symbols_by_name(lmkv_store_txn *t, uint64_t ws, const char *name,
                                        size_t name_len, unsigned flags,
                                        lmkv_store_symbol_fn fn, void *ctx);
/** Same by qualified name (a symbol without one is indexed by its name). */
LMKV_API int lmkv_store_symbols_by_qname(lmkv_store_txn *t, uint64_t ws, const char *qname,
                                         size_t qname_len, unsigned flags,
                                         lmkv_store_symbol_fn fn, void *ctx);
/** *out_exists = 1 if a symbol of the current state (every stored version
 *  with LMKV_STORE_ALL_VERSIONS) has the short name or the qualified name
 *  name[0..name_len) (with LMKV_STORE_PREFIX: one starting with it), else 0
 *  (also on error). Reads index keys only (store.sym_name, then
 *  store.sym_qname), stopping at the first match: no Symbol record is read
 *  or verified. For existence tests (graph/'s NOTFOUND decisions).
 *  @return LMKV_OK; LMKV_EINVAL (NULL out_exists or t, NULL name with
 *  name_len > 0, unknown flags), LMKV_ENOMEM, LMKV_ECORRUPT (malformed
 *  index key), LMKV_EBADTXN. */
LMKV_API int lmkv_store_symbol_exists(int *out_exists, lmkv_store_txn *t, uint64_t ws, const char *name,
                                      size_t name_len, unsigned flags);
/** Symbol by id in a given file version; LMKV_NOTFOUND if absent. */
LMKV_API int lmkv_store_symbol_get(lmkv_symbol *out, lmkv_store_txn *t, uint64_t ws,
                                   uint64_t fv, uint64_t sym_id);
/** Symbol by id in whichever file versions hold it (current only unless
 *  ALL_VERSIONS). */
LMKV_API int lmkv_store_symbols_by_id(lmkv_store_txn *t, uint64_t ws, uint64_t sym_id,
                                      unsigned flags, lmkv_store_symbol_fn fn, void *ctx);
/** Symbols of one file version, in id order. */
LMKV_API int lmkv_store_symbols_of(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                   lmkv_store_symbol_fn fn, void *ctx);

/** CALLERS: calls whose callee NAME is name (exact; PREFIX allowed), in
 *  (name, fv, order of put) order. Current state (default): one prefix scan
 *  of store.cur_call_to, whose values are the Call records (caller id+name,
 *  file, line, column: no second lookup), independent of how many old
 *  versions are stored. ALL_VERSIONS: every stored version (store.call_to,
 *  one extra read per result). */
LMKV_API int lmkv_store_calls_to(lmkv_store_txn *t, uint64_t ws, const char *name,
                                 size_t name_len, unsigned flags,
                                 lmkv_store_call_fn fn, void *ctx);
/** CALLEES: calls made by symbol caller_id inside file version fv (from the
 *  Symbol record). fv = 0: in every file version holding caller_id that
 *  passes `flags` (current by default). */
LMKV_API int lmkv_store_calls_from(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                   uint64_t caller_id, unsigned flags,
                                   lmkv_store_call_fn fn, void *ctx);
/** CALLEES BY NAME: every call of the CURRENT state whose caller NAME
 *  (lmkv_call.caller_name) is name (exact; with LMKV_STORE_PREFIX every
 *  caller name starting with name[0..name_len)), in (caller name, fv,
 *  order of put) order. One prefix scan of store.cur_call_from (KEYS.md),
 *  whose values are the Call records (callee name, file, line, column): no
 *  Symbol lookup and no second read per result, however many symbols share
 *  the name (a prototype and its definition, static functions of the same
 *  name in several files) and however many old versions are stored. Calls
 *  stored without a caller name are not in this index (use calls_from).
 *  flags: 0 or LMKV_STORE_PREFIX; anything else (ALL_VERSIONS) is
 *  LMKV_EINVAL: other versions are reached through lmkv_store_calls_from.
 *  Records are zero-copy (valid during the callback, inside t). Thread
 *  safety: as every read, one txn per thread. Errors: LMKV_EINVAL (NULL t
 *  or fn, NULL name with name_len > 0, bad flags), LMKV_ENOMEM,
 *  LMKV_ECORRUPT (a stored Call fails the verifier; message names the tree
 *  and key), LMKV_EBADTXN; a negative code returned by fn is returned. */
LMKV_API int lmkv_store_calls_by_caller(lmkv_store_txn *t, uint64_t ws, const char *name,
                                        size_t name_len, unsigned flags,
                                        lmkv_store_call_fn fn, void *ctx);
/** Every call of one file version. */
LMKV_API int lmkv_store_calls_of(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                 lmkv_store_call_fn fn, void *ctx);
/** Every call of the workspace (current only unless ALL_VERSIONS), by fv. */
LMKV_API int lmkv_store_calls_all(lmkv_store_txn *t, uint64_t ws, unsigned flags,
                                  lmkv_store_call_fn fn, void *ctx);

/** References to target NAME / from a source symbol / of a fv / all: as the
 *  call functions above. */
LMKV_API int lmkv_store_refs_to(lmkv_store_txn *t, uint64_t ws, const char *name,
                                size_t name_len, unsigned flags,
                                lmkv_store_reference_fn fn, void *ctx);
LMKV_API int lmkv_store_refs_from(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                  uint64_t source_id, unsigned flags,
                                  lmkv_store_reference_fn fn, void *ctx);
LMKV_API int lmkv_store_refs_of(lmkv_store_txn *t, uint64_t ws, uint64_t fv,
                                lmkv_store_reference_fn fn, void *ctx);
LMKV_API int lmkv_store_refs_all(lmkv_store_txn *t, uint64_t ws, unsigned flags,
                                 lmkv_store_reference_fn fn, void *ctx);

/** Hierarchy edges whose parent (children_of) / child (parents_of) is the
 *  given symbol id, and all edges of a workspace. */
LMKV_API int lmkv_store_hierarchy_children(lmkv_store_txn *t, uint64_t ws, uint64_t parent_id,
                                           unsigned flags, lmkv_store_hierarchy_fn fn, void *ctx);
LMKV_API int lmkv_store_hierarchy_parents(lmkv_store_txn *t, uint64_t ws, uint64_t child_id,
                                          unsigned flags, lmkv_store_hierarchy_fn fn, void *ctx);
LMKV_API int lmkv_store_hierarchy_all(lmkv_store_txn *t, uint64_t ws, unsigned flags,
                                      lmkv_store_hierarchy_fn fn, void *ctx);

/** Counts of records per type; ws = 0: whole database (all workspaces),
 *  O(1) per tree (LMDB entry counts, read outside t's snapshot); ws != 0:
 *  prefix scans inside t. Current-only filtering does not apply: counts
 *  are of stored records. */
LMKV_API int lmkv_store_count(lmkv_store_counts *out, lmkv_store_txn *t, uint64_t ws);

/* ---------------------------------------------------------------- verify */

/** One problem found by lmkv_store_verify. Pointers valid during the
 *  callback only. `tree` is the system tree name (e.g. "store.call_to"). */
typedef struct lmkv_store_problem {
    const char *tree;
    const uint8_t *key; size_t key_len;
    const char *message;   /* e.g. "index entry without record store.call ..." */
} lmkv_store_problem;
typedef int (*lmkv_store_problem_fn)(void *ctx, const lmkv_store_problem *p);

/** Check the whole store in one read txn: every record and index value
 *  through the FlatBuffers verifier (and its ids consistent with its key);
 *  every index entry points at an existing primary record with the same
 *  name/ids (stale or orphan entries are problems); every primary record
 *  is reachable from each of its indexes (a FileVersion from store.fv_blob
 *  only once that index has its marker: see lmkv_store_session_begin); mappings point at stored file
 *  versions; current and its reverse agree; cache trees agree with each
 *  other and the byte total. fn (may be NULL) gets each problem; return
 *  non-zero from it to stop early. *out_problems (may be NULL) = count.
 *  Returns LMKV_OK if none, LMKV_ECORRUPT if any, other errors as usual. */
LMKV_API int lmkv_store_verify(size_t *out_problems, lmkv_store *st,
                               lmkv_store_problem_fn fn, void *ctx);

/* ----------------------------------------------------- LSP response cache */
/*
 * The daemon's workload: responses keyed by (workspace, file path, content
 * version, method, position, params hash) -- schema/KEYS.md `K`. Because the
 * content version is in the key, a response computed for older content can
 * never be served for newer content; lmkv_cache_invalidate deletes the
 * older versions' entries (prefix scan on ws + path), as the daemon's
 * prefix invalidation. Access time/count and hit/miss counters are buffered
 * in memory and written in ONE batched write txn every `flush_every_reads`
 * reads, every `flush_every_ms` ms (checked on each call), on
 * lmkv_cache_flush and on close -- a get never opens a write txn of its own
 * unless a flush is due. A crash loses at most the unflushed access data,
 * never an entry. Size bound: the sum of entry sizes (response bytes +
 * key + record overhead) is kept <= budget_bytes by evicting the least
 * recently used entries (cache.lru index) at put time.
 * Behaviour follows the daemon's sled-era universal cache
 * (../shared/reference/daemon-backend.md): 10 MiB response limit, prefix
 * invalidation per file, hit/miss counters (here per method per day, the
 * seed's cache_statistics).
 *
 * Thread-safety: one lmkv_cache handle may be used by any number of threads
 * at once (internal mutexes guard the buffers; writes serialize on LMDB's
 * single writer); only lmkv_cache_close must not run concurrently with
 * anything else on the handle. A thread that holds a write session
 * (lmkv_store_session_begin) must not call the writing functions (put,
 * put_entry, invalidate, clear, evict, stats_add, flush): they begin their
 * own write txn and fail with LMKV_EBUSY (flush keeps its buffer then).
 * Its reads (get, get_entry) never wait for another thread's cache write:
 * the cache's mutexes are taken only once a write txn has begun, so a flush
 * due in such a read fails at once and keeps the buffer, while a put in
 * another thread waits for the session's commit.
 *
 * Errors common to every cache function: LMKV_EINVAL (a NULL handle, key,
 * method or path); LMKV_ENOMEM; LMKV_ECORRUPT (a stored cache record fails
 * the FlatBuffers verifier: the message names the tree and key in hex);
 * LMKV_EREADONLY (a writing function on a database opened read-only);
 * kv's write errors for the writing functions (LMKV_EFULL when the map or
 * the disk is full, LMKV_EIO, LMKV_EBUSY as above): the write txn is
 * aborted and nothing of the call is stored. Others are listed per function.
 */
typedef struct lmkv_cache lmkv_cache;

typedef struct lmkv_cache_config {
    uint64_t budget_bytes;       /* 0 = unlimited; default 0 */
    uint64_t max_entry_bytes;    /* responses larger are refused with LMKV_ETOOBIG; 0 = default 10 MiB (daemon) */
    unsigned flush_every_reads;  /* 0 = default 256 */
    unsigned flush_every_ms;     /* 0 = default 1000 */
} lmkv_cache_config;

/** Default maximum response size: 10 MiB, as the daemon. */
#define LMKV_CACHE_MAX_ENTRY_DEFAULT (10u * 1024u * 1024u)

/** The identity of one cached response. method/path: NUL-terminated UTF-8.
 *  content_version: the file's fv id or any 64-bit content hash (0 = unknown). */
typedef struct lmkv_cache_key {
    uint64_t ws;
    const char *method;          /* e.g. "textDocument/definition" */
    const char *path;            /* workspace-relative */
    uint64_t content_version;
    uint32_t line, character;    /* LSP Position (0-based); LMKV_POSITION_NONE (or 0,0) when none: the
                                    key bytes hold none as 0,0, so either finds the entry; the entry
                                    stored records the key's values (NONE: JSON null) */
    uint64_t params_hash;        /* lmkv_cache_params_hash of the request params */
} lmkv_cache_key;

/** Open a cache on a store. cfg may be NULL (defaults); it is copied. The
 *  store must outlive the cache. *out is freed by lmkv_cache_close.
 *  Errors: LMKV_EINVAL (out or st NULL), LMKV_ENOMEM. */
LMKV_API int lmkv_cache_open(lmkv_cache **out, lmkv_store *st, const lmkv_cache_config *cfg);
/** Flush buffered access data and counters, free; NULL is fine (LMKV_OK).
 *  Returns the flush result (the handle is freed regardless; on error the
 *  unflushed access data is lost, never an entry). */
LMKV_API int lmkv_cache_close(lmkv_cache *c);
/** Write buffered access times/counts and hit/miss counters now (one write
 *  txn; none if nothing is buffered or the database is read-only: LMKV_OK).
 *  Errors: the common ones; when the write txn cannot begin the buffer is
 *  kept for a later flush, when the commit fails it is lost. */
LMKV_API int lmkv_cache_flush(lmkv_cache *c);

/** xxh3_64 of the params JSON normalized (parsed with jansson, re-encoded
 *  compact with sorted keys), so {"b":1,"a":2} and { "a":2, "b":1 } hash
 *  equal. LMKV_EPARSE (message with byte offset) if json is not JSON. */
LMKV_API int lmkv_cache_params_hash(uint64_t *out, const char *json, size_t len);

/** Store a response (replacing an entry with the same key); created and
 *  last access = now, access count 1. response_type/params_json may be NULL.
 *  Evicts least recently used entries to stay within the budget.
 *  Errors: LMKV_ETOOBIG (len > max_entry_bytes, or > the budget: message
 *  says both sizes; nothing stored), LMKV_EINVAL, kv errors. */
LMKV_API int lmkv_cache_put(lmkv_cache *c, const lmkv_cache_key *key, const void *response,
                            size_t len, const char *response_type, const char *params_json,
                            uint32_t response_time_ms);
/** Lower-level put for migration: stores `entry` as given, KEEPING its
 *  created/last_accessed/access_count (the key still comes from `key`).
 *  Same errors as lmkv_cache_put. */
LMKV_API int lmkv_cache_put_entry(lmkv_cache *c, const lmkv_cache_key *key,
                                  const lmkv_cache_entry *entry);
/** Look up a response. Hit: *out_buf = malloc'd copy (free with lmkv_free),
 *  *out_len its length in bytes, the entry's access time/count updated in
 *  the buffer, a hit counted for (ws, method, today: days since 1970-01-01
 *  UTC). Miss: LMKV_NOTFOUND, a miss counted. Reads in its own read txn;
 *  may run a due flush (whose failure only loses access data). Errors: the
 *  common ones (no write error: a get never fails because of a flush). */
LMKV_API int lmkv_cache_get(void **out_buf, size_t *out_len, lmkv_cache *c,
                            const lmkv_cache_key *key);
/** Zero-copy lookup of the whole entry inside a store txn (counts and
 *  access buffered as lmkv_cache_get). access_count/last_accessed_ns in
 *  *out are the stored ones merged with the buffer. Strings and the
 *  response in *out point into t's snapshot: valid until t ends or
 *  resets. LMKV_NOTFOUND on a miss; other errors: the common ones. */
LMKV_API int lmkv_cache_get_entry(lmkv_cache_entry *out, lmkv_cache *c, lmkv_store_txn *t,
                                  const lmkv_cache_key *key);
/** Delete every entry of (ws, path) whose content version differs from
 *  keep_version (keep_version = 0: delete all of the path). *out_removed
 *  (may be NULL) = entries deleted. One write txn (one prefix scan of
 *  ws + path, as the daemon's `{ws}:{method}:{path}:` invalidation).
 *  Nothing to delete is LMKV_OK with 0. Errors: the common ones. */
LMKV_API int lmkv_cache_invalidate(size_t *out_removed, lmkv_cache *c, uint64_t ws,
                                   const char *path, uint64_t keep_version);
/** Delete every entry of a workspace (ws = 0: of all workspaces), with their
 *  access data; the hit/miss counters stay. *out_removed (may be NULL) =
 *  entries deleted. One write txn. Errors: the common ones. */
LMKV_API int lmkv_cache_clear(size_t *out_removed, lmkv_cache *c, uint64_t ws);
/** Evict least recently used entries until total bytes (as counted for the
 *  budget) <= target_bytes. *out_removed (may be NULL) = entries evicted.
 *  One write txn. Errors: the common ones. */
LMKV_API int lmkv_cache_evict(size_t *out_removed, lmkv_cache *c, uint64_t target_bytes);
/** Total bytes of stored entries (as counted for the budget: response bytes
 *  + key + record overhead), as committed (one read txn). Errors: the
 *  common ones. */
LMKV_API int lmkv_cache_bytes(uint64_t *out, lmkv_cache *c);

/** Add to the hit/miss counters of (ws, method, day; day in days since
 *  1970-01-01 UTC) -- for migration of the daemon's `cache_stats` (method
 *  "" and day 0 = its undated totals). Written at once (one write txn).
 *  Errors: the common ones (LMKV_EINVAL for a NULL method). */
LMKV_API int lmkv_cache_stats_add(lmkv_cache *c, uint64_t ws, const char *method, uint32_t day,
                                  uint64_t hits, uint64_t misses);
typedef int (*lmkv_cache_stats_fn)(void *ctx, const lmkv_cache_stats *st);
/** Every counter row of a workspace (flushed ones: call lmkv_cache_flush
 *  first to include buffered counts), in (day, method) order. Rows are
 *  zero-copy (valid during the callback). A negative code returned by fn
 *  is returned (a positive one stops the scan, LMKV_OK). Errors: the
 *  common ones, LMKV_EBADTXN. */
LMKV_API int lmkv_cache_stats_each(lmkv_store_txn *t, uint64_t ws, lmkv_cache_stats_fn fn, void *ctx);
/** Counters of one (ws, method, day); LMKV_NOTFOUND if none. *out is
 *  zero-copy (t's lifetime). Errors: the common ones, LMKV_EBADTXN. */
LMKV_API int lmkv_cache_stats_get(lmkv_cache_stats *out, lmkv_store_txn *t, uint64_t ws,
                                  const char *method, uint32_t day);
/* ======================= END STORE SECTION ======================= */

#ifdef __cplusplus
}
#endif
#endif /* LMKV_SCHEMA_H */
