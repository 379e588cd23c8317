/*
 * lmkv_schema.h -- typed FlatBuffers records for code intelligence and their
 * storage under composite keys with secondary indexes.
 *
 * This header is the schema module's only door and its specification.
 * It has two sections, owned by two authors working in parallel:
 *   1. RECORDS: the record types (schema/ *.fbs), their C structs, builders,
 *      readers, verifier, stable ids and JSON rendering.
 *   2. STORE: where records live (system trees, key layouts in
 *      schema/KEYS.md), write sessions, lookups, the LSP response cache,
 *      verification of a whole database.
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
 * built, verified and read by lmkv's own FlatBuffers code (schema/fb*.c),
 * tested for byte-level conformance against flatc 2.0.8 and the official
 * python3-flatbuffers runtime (tests/t_schema_conformance.py).
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
 * as its default. Evolution: fields are only ever appended to a table, so a
 * record written before a field existed reads with that field's default,
 * and a record written by a newer lmkv reads in an older one (unknown
 * trailing fields are ignored).
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
    LMKV_REC_CACHE_STATS  = 8  /* CacheStats,  "LKCS" */
} lmkv_record_type;
#define LMKV_REC_COUNT 9 /* one past the last type */

/** Largest record lmkv builds or reads: 1 GiB (FlatBuffers allows < 2 GiB). */
#define LMKV_RECORD_MAX_SIZE ((size_t)1 << 30)

/** LSP SymbolKind with LSP's numbering (1..26); 0 = unknown. */
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
    LMKV_SK_OPERATOR = 25, LMKV_SK_TYPE_PARAMETER = 26
} lmkv_symbol_kind;

/** What a reference does with its target (schema ReferenceKind). */
typedef enum lmkv_reference_kind {
    LMKV_REF_USE = 0, LMKV_REF_IMPORT = 1, LMKV_REF_TYPE = 2,
    LMKV_REF_CALL = 3, LMKV_REF_READ = 4, LMKV_REF_WRITE = 5
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
typedef struct lmkv_bytes {
    const uint8_t *data;
    size_t len;
} lmkv_bytes;

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
    uint32_t position_line;              /* LSP Position, 0-based */
    uint32_t position_character;
    const char *request_params;          /* JSON text */
    lmkv_bytes response;                 /* response bytes */
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

/* ---- defaults ---- */

/** Set *rec (a struct of the given type) to the schema defaults: every id
 *  and number 0, strings/vectors absent (NULL), confidence 1.0,
 *  argument_count -1, access_count 1. Always start from this (or from a
 *  zeroed struct plus those three) so fields added later get defaults.
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

/* ---- names ---- */

/** Schema table name ("Symbol") of a type, or NULL if unknown. Static. */
LMKV_API const char *lmkv_record_type_name(lmkv_record_type type);
/** 4-character file_identifier ("LKSY") of a type, or NULL. Static. */
LMKV_API const char *lmkv_record_type_ident(lmkv_record_type type);
/** LSP name of a SymbolKind ("Function", "EnumMember"), or NULL if the value
 *  is outside 0..26 (0 -> "Unknown"). Static storage. */
LMKV_API const char *lmkv_symbol_kind_name(int kind);
/** Parse an LSP SymbolKind name (case-insensitive, "enum_member" and
 *  "EnumMember" both accepted). Errors: LMKV_EINVAL (NULL), LMKV_NOTFOUND. */
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
 *  always present (defaults included). *_id fields and content_hash are
 *  16-digit lowercase hex strings; other 64-bit integers are JSON integers
 *  (a uint64 above INT64_MAX as a decimal string); enums by name (number if
 *  unknown); bools true/false; [ubyte] as a JSON string when it is valid
 *  UTF-8 without NUL, else as "<field>_base64". The type is taken from the
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
/* ======================= END STORE SECTION ======================= */

#ifdef __cplusplus
}
#endif
#endif /* LMKV_SCHEMA_H */
