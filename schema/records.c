/*
 * records.c -- the record tables: field descriptors mirroring schema/ .fbs
 * files (same order = same field ids), defaults, typed build/read
 * wrappers and enum names.
 *
 * Adding a field: append it to the .fbs table, to the C struct in
 * lmkv_schema.h and to the descriptor array here, all at the end.
 */
#include <ctype.h>
#include <stddef.h>
#include <strings.h>

#include "fb_int.h"

_Static_assert(sizeof(lmkv_symbol_kind) == sizeof(int), "enums are stored through int");
_Static_assert(sizeof(lmkv_reference_kind) == sizeof(int), "enums are stored through int");
_Static_assert(sizeof(lmkv_call_type) == sizeof(int), "enums are stored through int");
_Static_assert(sizeof(lmkv_hierarchy_kind) == sizeof(int), "enums are stored through int");

/* ------------------------------------------------------------ enum names */

static const char *const sk_names[] = {
    "Unknown", "File", "Module", "Namespace", "Package", "Class", "Method",
    "Property", "Field", "Constructor", "Enum", "Interface", "Function",
    "Variable", "Constant", "String", "Number", "Boolean", "Array", "Object",
    "Key", "Null", "EnumMember", "Struct", "Event", "Operator", "TypeParameter"
};
static const char *const ref_names[] = { "use", "import", "type", "call", "read", "write",
                                         "function_pointer" };
static const char *const call_names[] = { "direct", "virtual", "callback", "async" };
static const char *const hier_names[] = { "contains", "extends", "implements" };

#define NAME_OF(arr, v) ((v) >= 0 && (size_t)(v) < sizeof(arr) / sizeof(arr[0]) ? arr[v] : NULL)

const char *lmkv_symbol_kind_name(int kind)
{
    return kind == LMKV_SK_MACRO ? "Macro" : NAME_OF(sk_names, kind);
}

int lmkv_symbol_kind_lsp(int kind)
{
    if (kind == LMKV_SK_MACRO) return LMKV_SK_STRING;
    return kind >= 1 && kind <= LMKV_SK_TYPE_PARAMETER ? kind : 0;
}
const char *lmkv_reference_kind_name(int kind) { return NAME_OF(ref_names, kind); }
const char *lmkv_call_type_name(int type) { return NAME_OF(call_names, type); }
const char *lmkv_hierarchy_kind_name(int kind) { return NAME_OF(hier_names, kind); }

/* Equal ignoring case and '_' ("enum_member" == "EnumMember"). */
static int name_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == '_') a++;
        while (*b == '_') b++;
        if (!*a || !*b) return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
        a++, b++;
    }
}

int lmkv_symbol_kind_from_name(lmkv_symbol_kind *out, const char *name)
{
    if (!out || !name) return lmkv_error_set(LMKV_EINVAL, "lmkv_symbol_kind_from_name: NULL argument");
    for (int k = 0; k < (int)(sizeof sk_names / sizeof sk_names[0]); k++)
        if (name_eq(name, sk_names[k])) {
            *out = (lmkv_symbol_kind)k;
            return LMKV_OK;
        }
    if (name_eq(name, "Macro")) {
        *out = LMKV_SK_MACRO;
        return LMKV_OK;
    }
    return lmkv_error_set(LMKV_NOTFOUND, "unknown LSP SymbolKind name \"%s\"", name);
}

/* ------------------------------------------------------------ descriptors */

#define FX(st, fld, ty, fl, di, df, en) { #fld, ty, fl, (uint16_t)offsetof(st, fld), di, df, en }
#define FI(st, fld, ty) FX(st, fld, ty, 0, 0, 0.0, NULL)           /* default 0 */
#define FID(st, fld) FX(st, fld, FB_U64, FB_F_HEX, 0, 0.0, NULL)   /* hex-rendered id */
#define FS(st, fld) FX(st, fld, FB_STR, 0, 0, 0.0, NULL)
#define FE(st, fld, en) FX(st, fld, FB_ENUM8, 0, 0, 0.0, en)

static const fb_field workspace_fields[] = {
    FID(lmkv_workspace, id),
    FS(lmkv_workspace, root_path),
    FS(lmkv_workspace, name),
    FI(lmkv_workspace, is_git, FB_BOOL),
    FS(lmkv_workspace, current_commit),
    FI(lmkv_workspace, created_ns, FB_I64),
    FI(lmkv_workspace, last_indexed_ns, FB_I64),
    FS(lmkv_workspace, metadata),
};

static const fb_field file_version_fields[] = {
    FID(lmkv_file_version, id),
    FID(lmkv_file_version, workspace_id),
    FS(lmkv_file_version, path),
    FID(lmkv_file_version, content_hash),
    FS(lmkv_file_version, git_blob_id),
    FS(lmkv_file_version, language),
    FI(lmkv_file_version, size_bytes, FB_U64),
    FI(lmkv_file_version, line_count, FB_U32),
    FI(lmkv_file_version, mtime_ns, FB_I64),
    FI(lmkv_file_version, indexed_ns, FB_I64),
    FS(lmkv_file_version, frontend),
};

static const fb_field symbol_fields[] = {
    FID(lmkv_symbol, id),
    FID(lmkv_symbol, workspace_id),
    FID(lmkv_symbol, file_version_id),
    FS(lmkv_symbol, file_path),
    FS(lmkv_symbol, name),
    FS(lmkv_symbol, qualified_name),
    FE(lmkv_symbol, kind, lmkv_symbol_kind_name),
    FI(lmkv_symbol, start_line, FB_U32),
    FI(lmkv_symbol, start_column, FB_U32),
    FI(lmkv_symbol, end_line, FB_U32),
    FI(lmkv_symbol, end_column, FB_U32),
    FS(lmkv_symbol, signature),
    FS(lmkv_symbol, documentation),
    FS(lmkv_symbol, visibility),
    FI(lmkv_symbol, modifiers, FB_STRVEC),
    FS(lmkv_symbol, language),
    FID(lmkv_symbol, parent_id),
    FS(lmkv_symbol, parent_name),
    FI(lmkv_symbol, disambiguator, FB_U32),
    FX(lmkv_symbol, confidence, FB_F32, 0, 0, 1.0, NULL),
    FI(lmkv_symbol, indexed_ns, FB_I64),
};

static const fb_field reference_fields[] = {
    FID(lmkv_reference, id),
    FID(lmkv_reference, workspace_id),
    FID(lmkv_reference, file_version_id),
    FS(lmkv_reference, file_path),
    FID(lmkv_reference, source_id),
    FS(lmkv_reference, source_name),
    FID(lmkv_reference, target_id),
    FS(lmkv_reference, target_name),
    FI(lmkv_reference, start_line, FB_U32),
    FI(lmkv_reference, start_column, FB_U32),
    FI(lmkv_reference, end_line, FB_U32),
    FI(lmkv_reference, end_column, FB_U32),
    FE(lmkv_reference, kind, lmkv_reference_kind_name),
    FI(lmkv_reference, is_definition, FB_BOOL),
    FI(lmkv_reference, is_declaration, FB_BOOL),
};

static const fb_field call_fields[] = {
    FID(lmkv_call, id),
    FID(lmkv_call, workspace_id),
    FID(lmkv_call, file_version_id),
    FS(lmkv_call, file_path),
    FID(lmkv_call, caller_id),
    FS(lmkv_call, caller_name),
    FID(lmkv_call, callee_id),
    FS(lmkv_call, callee_name),
    FI(lmkv_call, line, FB_U32),
    FI(lmkv_call, column, FB_U32),
    FE(lmkv_call, call_type, lmkv_call_type_name),
    FX(lmkv_call, argument_count, FB_I32, 0, -1, 0.0, NULL),
    FI(lmkv_call, is_recursive, FB_BOOL),
};

static const fb_field hierarchy_fields[] = {
    FID(lmkv_hierarchy, workspace_id),
    FID(lmkv_hierarchy, file_version_id),
    FID(lmkv_hierarchy, parent_id),
    FS(lmkv_hierarchy, parent_name),
    FID(lmkv_hierarchy, child_id),
    FS(lmkv_hierarchy, child_name),
    FE(lmkv_hierarchy, kind, lmkv_hierarchy_kind_name),
};

static const fb_field cache_entry_fields[] = {
    FID(lmkv_cache_entry, workspace_id),
    FS(lmkv_cache_entry, method),
    FS(lmkv_cache_entry, file_path),
    FID(lmkv_cache_entry, file_version_id),
    FS(lmkv_cache_entry, content_hash),
    FX(lmkv_cache_entry, position_line, FB_U32, FB_F_OPT, LMKV_POSITION_NONE, 0.0, NULL),
    FX(lmkv_cache_entry, position_character, FB_U32, FB_F_OPT, LMKV_POSITION_NONE, 0.0, NULL),
    FS(lmkv_cache_entry, request_params),
    FI(lmkv_cache_entry, response, FB_BYTES),
    FS(lmkv_cache_entry, response_type),
    FI(lmkv_cache_entry, created_ns, FB_I64),
    FI(lmkv_cache_entry, last_accessed_ns, FB_I64),
    FX(lmkv_cache_entry, access_count, FB_U64, 0, 1, 0.0, NULL),
    FI(lmkv_cache_entry, response_time_ms, FB_U32),
    FS(lmkv_cache_entry, symbol),
    FS(lmkv_cache_entry, legacy_key),
};

static const fb_field cache_stats_fields[] = {
    FID(lmkv_cache_stats, workspace_id),
    FS(lmkv_cache_stats, method),
    FI(lmkv_cache_stats, day, FB_U32),
    FI(lmkv_cache_stats, hits, FB_U64),
    FI(lmkv_cache_stats, misses, FB_U64),
    FI(lmkv_cache_stats, response_time_ms_total, FB_U64),
};

static const fb_field indexer_queue_item_fields[] = {
    FI(lmkv_indexer_queue_item, queue_id, FB_I64),
    FI(lmkv_indexer_queue_item, file_id, FB_I64),
    FS(lmkv_indexer_queue_item, language),
    FS(lmkv_indexer_queue_item, operation),
    FS(lmkv_indexer_queue_item, status),
    FI(lmkv_indexer_queue_item, priority, FB_I32),
};

static const fb_field analysis_run_fields[] = {
    FI(lmkv_analysis_run, run_id, FB_I64),
    FS(lmkv_analysis_run, analyzer_name),
    FS(lmkv_analysis_run, analyzer_version),
    FS(lmkv_analysis_run, language),
    FS(lmkv_analysis_run, config),
    FS(lmkv_analysis_run, started_at),
};

static const fb_field daemon_workspace_fields[] = {
    FI(lmkv_daemon_workspace_record, workspace_id, FB_I64),
    FI(lmkv_daemon_workspace_record, project_id, FB_I64),
    FI(lmkv_daemon_workspace_record, is_active, FB_BOOL),
    FS(lmkv_daemon_workspace_record, created_at),
    FS(lmkv_daemon_workspace_record, name),
    FS(lmkv_daemon_workspace_record, description),
    FS(lmkv_daemon_workspace_record, branch_hint),
};

static const fb_field daemon_file_link_fields[] = {
    FI(lmkv_daemon_file_link, workspace_id, FB_I64),
    FI(lmkv_daemon_file_link, file_id, FB_I64),
    FI(lmkv_daemon_file_link, file_version_id, FB_I64),
    FI(lmkv_daemon_file_link, status, FB_I32),
    FI(lmkv_daemon_file_link, run_id, FB_I64),
};

#define TBL(nm, id, ty, st, arr) \
    { nm, id, ty, sizeof(st), arr, (uint16_t)(sizeof(arr) / sizeof(arr[0])) }

static const fb_table tables[LMKV_REC_COUNT] = {
    [LMKV_REC_WORKSPACE]    = TBL("Workspace", "LKWS", LMKV_REC_WORKSPACE, lmkv_workspace, workspace_fields),
    [LMKV_REC_FILE_VERSION] = TBL("FileVersion", "LKFV", LMKV_REC_FILE_VERSION, lmkv_file_version, file_version_fields),
    [LMKV_REC_SYMBOL]       = TBL("Symbol", "LKSY", LMKV_REC_SYMBOL, lmkv_symbol, symbol_fields),
    [LMKV_REC_REFERENCE]    = TBL("Reference", "LKRF", LMKV_REC_REFERENCE, lmkv_reference, reference_fields),
    [LMKV_REC_CALL]         = TBL("Call", "LKCL", LMKV_REC_CALL, lmkv_call, call_fields),
    [LMKV_REC_HIERARCHY]    = TBL("Hierarchy", "LKHE", LMKV_REC_HIERARCHY, lmkv_hierarchy, hierarchy_fields),
    [LMKV_REC_CACHE_ENTRY]  = TBL("CacheEntry", "LKCE", LMKV_REC_CACHE_ENTRY, lmkv_cache_entry, cache_entry_fields),
    [LMKV_REC_CACHE_STATS]  = TBL("CacheStats", "LKCS", LMKV_REC_CACHE_STATS, lmkv_cache_stats, cache_stats_fields),
    [LMKV_REC_INDEXER_QUEUE_ITEM] = TBL("IndexerQueueItem", "LKIQ", LMKV_REC_INDEXER_QUEUE_ITEM, lmkv_indexer_queue_item,
                                        indexer_queue_item_fields),
    [LMKV_REC_ANALYSIS_RUN] = TBL("AnalysisRun", "LKDR", LMKV_REC_ANALYSIS_RUN, lmkv_analysis_run, analysis_run_fields),
    [LMKV_REC_DAEMON_WORKSPACE] = TBL("DaemonWorkspace", "LKDW", LMKV_REC_DAEMON_WORKSPACE, lmkv_daemon_workspace_record,
                                      daemon_workspace_fields),
    [LMKV_REC_DAEMON_FILE_LINK] = TBL("DaemonFileLink", "LKDL", LMKV_REC_DAEMON_FILE_LINK, lmkv_daemon_file_link,
                                      daemon_file_link_fields),
};

const fb_table *lmkv_schema__fb_table(lmkv_record_type type)
{
    if ((int)type <= LMKV_REC_NONE || (int)type >= LMKV_REC_COUNT) return NULL;
    return &tables[type];
}

const char *lmkv_record_type_name(lmkv_record_type type)
{
    const fb_table *t = lmkv_schema__fb_table(type);
    return t ? t->name : NULL;
}

const char *lmkv_record_type_ident(lmkv_record_type type)
{
    const fb_table *t = lmkv_schema__fb_table(type);
    return t ? t->ident : NULL;
}

/* ------------------------------------------------------------ generic API */

int lmkv_record_init(lmkv_record_type type, void *rec)
{
    const fb_table *t = lmkv_schema__fb_table(type);
    if (!t || !rec) return lmkv_error_set(LMKV_EINVAL, "lmkv_record_init: unknown type %d or NULL record", (int)type);
    lmkv_schema__fb_init(t, rec);
    return LMKV_OK;
}

int lmkv_record_build(lmkv_fbb *b, lmkv_record_type type, const void *rec,
                      const uint8_t **out, size_t *outlen)
{
    const fb_table *t = lmkv_schema__fb_table(type);
    if (!t) return lmkv_error_set(LMKV_EINVAL, "lmkv_record_build: unknown record type %d", (int)type);
    return lmkv_schema__fb_build(b, t, rec, out, outlen);
}

int lmkv_record_type_of(lmkv_record_type *out, const void *buf, size_t len)
{
    if (!out || !buf) return lmkv_error_set(LMKV_EINVAL, "lmkv_record_type_of: NULL argument");
    if (len < 8) return lmkv_error_set(LMKV_ECORRUPT, "record: byte 0: %zu bytes is shorter than 8", len);
    for (int k = 1; k < LMKV_REC_COUNT; k++)
        if (memcmp((const uint8_t *)buf + 4, tables[k].ident, 4) == 0) {
            *out = (lmkv_record_type)k;
            return LMKV_OK;
        }
    const uint8_t *p = (const uint8_t *)buf + 4;
    return lmkv_error_set(LMKV_ECORRUPT, "record: byte 4: file_identifier %02x %02x %02x %02x is not an lmkv record type",
                          p[0], p[1], p[2], p[3]);
}

int lmkv_record_verify(lmkv_record_type type, const void *buf, size_t len)
{
    if (type == LMKV_REC_NONE) {
        if (!buf) return lmkv_error_set(LMKV_EINVAL, "lmkv_record_verify: buffer is NULL");
        int rc = lmkv_record_type_of(&type, buf, len);
        if (rc) return rc;
    }
    const fb_table *t = lmkv_schema__fb_table(type);
    if (!t) return lmkv_error_set(LMKV_EINVAL, "lmkv_record_verify: unknown record type %d", (int)type);
    return lmkv_schema__fb_verify(t, buf, len, 1);
}

int lmkv_record_read(lmkv_record_type type, void *out, const void *buf, size_t len)
{
    const fb_table *t = lmkv_schema__fb_table(type);
    if (!t) return lmkv_error_set(LMKV_EINVAL, "lmkv_record_read: unknown record type %d", (int)type);
    return lmkv_schema__fb_read(t, out, buf, len, 1);
}

#define TYPED(nm, st, ty)                                                                 \
    int lmkv_##nm##_build(lmkv_fbb *b, const st *rec, const uint8_t **out, size_t *outlen) \
    {                                                                                      \
        return lmkv_schema__fb_build(b, &tables[ty], rec, out, outlen);                            \
    }                                                                                      \
    int lmkv_##nm##_read(st *out, const void *buf, size_t len)                             \
    {                                                                                      \
        return lmkv_schema__fb_read(&tables[ty], out, buf, len, 1);                                \
    }

TYPED(workspace, lmkv_workspace, LMKV_REC_WORKSPACE)
TYPED(file_version, lmkv_file_version, LMKV_REC_FILE_VERSION)
TYPED(symbol, lmkv_symbol, LMKV_REC_SYMBOL)
TYPED(reference, lmkv_reference, LMKV_REC_REFERENCE)
TYPED(call, lmkv_call, LMKV_REC_CALL)
TYPED(hierarchy, lmkv_hierarchy, LMKV_REC_HIERARCHY)
TYPED(cache_entry, lmkv_cache_entry, LMKV_REC_CACHE_ENTRY)
TYPED(cache_stats, lmkv_cache_stats, LMKV_REC_CACHE_STATS)
TYPED(indexer_queue_item, lmkv_indexer_queue_item, LMKV_REC_INDEXER_QUEUE_ITEM)
TYPED(analysis_run, lmkv_analysis_run, LMKV_REC_ANALYSIS_RUN)
TYPED(daemon_workspace_record, lmkv_daemon_workspace_record, LMKV_REC_DAEMON_WORKSPACE)
TYPED(daemon_file_link, lmkv_daemon_file_link, LMKV_REC_DAEMON_FILE_LINK)
