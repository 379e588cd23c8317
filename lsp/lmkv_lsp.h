/*
 * lmkv_lsp.h -- ingest of raw Language Server Protocol answers into lmkv's
 * records: what a language server answers becomes Symbols (with their
 * containment hierarchy), Calls, References and Hierarchy edges of the file
 * versions the answers are about, written in one store session.
 *
 * This header is the lsp module's only door and its specification.
 * Layering: lsp -> versioning (the current map, git blob ids) -> schema -> kv.
 *
 * Model. An lmkv_lsp_ingest collects, in memory, the answers of one round of
 * LSP requests over a set of files of one workspace. Every file an answer
 * may point into is first ADDED with its exact bytes (the content the
 * server saw): its file version is (workspace, path, git blob id of those
 * bytes) -- lmkv_file_version_id -- so the records are keyed by the content
 * version. At commit every added file's stored records are REPLACED by the
 * ones the answers give (lmkv_store_put_file) and the version becomes the
 * path's latest and current one (lmkv_current_set_latest), all in one store
 * session: a reader sees either all of a file's old records or all of its
 * new ones, never a mix, and an error leaves nothing written.
 *
 * Which file a record belongs to: the file of its site.
 *   textDocument/documentSymbol (DocumentSymbol[] with children, or
 *     SymbolInformation[]) -> Symbols of params.textDocument.uri, and a
 *     Hierarchy "contains" edge (LMKV_HIER_CONTAINS) from each DocumentSymbol
 *     to each of its children (parent_id/parent_name set in the child too;
 *     SymbolInformation's containerName gives parent_name only).
 *   callHierarchy/incomingCalls (params.item = the prepared
 *     CallHierarchyItem, the callee) -> one Call per fromRanges[] element,
 *     in the file of `from` (the caller), caller = from, callee = params.item.
 *   callHierarchy/outgoingCalls -> one Call per fromRanges[] element, in the
 *     file of params.item (the caller), callee = `to`.
 *   textDocument/references (params.position names the target) -> one
 *     Reference per Location, in the Location's file (kind LMKV_REF_USE;
 *     is_declaration = 1 for the Location that is the target's own
 *     selectionRange, as includeDeclaration adds it).
 *   textDocument/definition, textDocument/typeDefinition (Location |
 *     Location[] | LocationLink[] | null) -> one Reference per result at
 *     the REQUEST position (params.textDocument + params.position), to the
 *     symbol at the result (LocationLink: targetSelectionRange);
 *     definition: kind LMKV_REF_USE, typeDefinition: LMKV_REF_TYPE.
 *   textDocument/implementation (same shapes) -> one Hierarchy edge
 *     LMKV_HIER_IMPLEMENTS per result, parent = the symbol at the request
 *     position, child = the symbol at the result, in the child's file.
 * A Location in a file that was not added (a system header, another
 * workspace) has no file version here: it is skipped and counted
 * (lmkv_lsp_ingest_stats.outside); for definition-like answers the target
 * name then comes from the request position (see Names).
 *
 * Names. A symbol's qualified name is its DocumentSymbol ancestors' names
 * and its own joined by "::" for C, C++ and Rust ("c", "cpp", "rust";
 * as clangd and rust-analyzer print them) and by "." for every other
 * language (TypeScript, Python, Go, Java...); SymbolInformation: the
 * containerName and the name, so joined. Its id is
 * lmkv_symbol_id(ws, path, qualified name, kind, disambiguator) with the
 * disambiguator counting earlier symbols of the same qualified name and kind
 * in the file (a C prototype and its definition): no position, so ids are
 * stable across re-index of an edited file. The target of a reference or a
 * definition, and a call's caller or callee, is the symbol of the answered
 * files whose selectionRange contains the position (the innermost), else
 * the identifier ([A-Za-z0-9_$] bytes and any non-ASCII UTF-8) at the
 * position in the file's bytes, else (a position on no identifier in a
 * file not added) the answer is refused. A CallHierarchyItem names itself
 * (`name`); its id is that of the matching symbol of its file (same name and
 * selectionRange start), else 0. The source of a reference is the innermost
 * symbol of its file whose range contains it, a symbol's own name in its
 * selectionRange counting as its container's (0 / NULL = file scope);
 * SymbolInformation has no selectionRange, so there a declaration's own
 * name is inside it and it is its own source. A definition-like answer's
 * site is the identifier around the request position. Calls are one fact
 * per (site, caller, callee) and references per (site start, kind, target):
 * given twice (an incomingCalls and an outgoingCalls answer, a definition
 * answer at a references answer's site) they are kept once.
 *
 * Positions. LSP positions are 0-based lines and 0-based columns in UTF-16
 * code units (LSP 3.17's default position encoding); lmkv's are 1-based
 * lines and 1-based BYTE columns (schema/lmkv_schema.h). Conversion is
 * exact, from the file's bytes: each UTF-8 code point of the line counts one
 * UTF-16 unit below U+10000 and two above; an invalid UTF-8 byte counts one
 * (as U+FFFD). A column past the end of its line means the line's end (LSP:
 * "defaults back to the line length"); a line past the file's last line, a
 * column inside a surrogate pair (the middle of a 4-byte character), a
 * range whose end is before its start, or a negative or non-integer number
 * is refused. Lines end at "\n" ("\r\n" and "\r" too, as LSP); the line
 * after a final newline exists (empty). A record's line/column are its
 * range's start (Call: the fromRange's start; Symbol: range start and end;
 * end_column is the 1-based byte column of LSP's exclusive end).
 *
 * URIs. Answers name files by "file://" URIs; a URI is percent-decoded and
 * must lie under the workspace root given to lmkv_lsp_ingest_new; the
 * path is the rest (workspace-relative, '/' separated). Other schemes and
 * malformed percent escapes are refused.
 *
 * Errors. Every function returns LMKV_OK or a negative LMKV_E* code
 * (kv/lmkv_kv.h) with a message (lmkv_errmsg, per thread). An answer that
 * is refused leaves the ingest as it was before the call (nothing of that
 * answer kept), so the caller may go on with other answers. The message of
 * a refused answer names the method, the place in the answer as a JSON path
 * ("result[3].children[0].range.start.character", "params.position") with
 * the byte offset of that value in the result or params text ("at
 * result[1].kind (result byte 103): unknown SymbolKind 27"; no offset for a
 * missing member), and for malformed JSON the byte offset, line and column
 * jansson reports.
 *
 * Thread-safety: an lmkv_lsp_ingest is used by one thread at a time (it may
 * move between threads); distinct ingests are independent. Every function
 * is reentrant. Commit follows the store's session rules
 * (schema/lmkv_schema.h): a thread that holds a store session must use
 * lmkv_lsp_ingest_write with that session, not lmkv_lsp_ingest_commit.
 */
#ifndef LMKV_LSP_H
#define LMKV_LSP_H

#include "lmkv_versioning.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The LSP methods whose answers are ingested (lmkv_lsp_method_from_name). */
typedef enum lmkv_lsp_method {
    LMKV_LSP_DOCUMENT_SYMBOL  = 1, /* "textDocument/documentSymbol" */
    LMKV_LSP_INCOMING_CALLS   = 2, /* "callHierarchy/incomingCalls" */
    LMKV_LSP_OUTGOING_CALLS   = 3, /* "callHierarchy/outgoingCalls" */
    LMKV_LSP_REFERENCES       = 4, /* "textDocument/references" */
    LMKV_LSP_DEFINITION       = 5, /* "textDocument/definition" */
    LMKV_LSP_TYPE_DEFINITION  = 6, /* "textDocument/typeDefinition" */
    LMKV_LSP_IMPLEMENTATION   = 7  /* "textDocument/implementation" */
} lmkv_lsp_method;

/** The method of an LSP method name (exact, case-sensitive, as on the wire).
 *  @return LMKV_OK; LMKV_EINVAL (NULL); LMKV_NOTFOUND (another method). */
LMKV_API int lmkv_lsp_method_from_name(lmkv_lsp_method *out, const char *name);
/** The wire name of a method ("textDocument/references"), or NULL for a
 *  value outside the enum. Static storage. */
LMKV_API const char *lmkv_lsp_method_name(int method);
/** The language lmkv_lsp_ingest_add_file records for a path, by its file
 *  name extension (case-sensitive, the last '.' of the last path
 *  component): .c .h -> "c"; .cc .cpp .cxx .hpp -> "cpp"; .rs -> "rust";
 *  .ts .tsx .mts .cts -> "typescript"; .js .mjs .cjs -> "javascript";
 *  .py -> "python"; .go -> "go"; .java -> "java" (the languages of the
 *  daemon's servers: clangd, rust-analyzer, typescript-language-server,
 *  pyright, gopls, jdtls). NULL for NULL, no extension or another one (the
 *  caller passes NULL or its own name to lmkv_lsp_ingest_add_file).
 *  Static storage; thread-safe. */
LMKV_API const char *lmkv_lsp_language_of(const char *path);

/**
 * Convert an LSP position (0-based line, 0-based UTF-16 column) in `text`
 * (len bytes of UTF-8) to lmkv's (1-based line, 1-based byte column), by the
 * rules of Positions above. Thread-safe, allocation-free.
 * @return LMKV_OK; LMKV_EINVAL (NULL argument, line past the last line,
 *         column inside a surrogate pair: the message says which and the
 *         line's length in UTF-16 units).
 */
LMKV_API int lmkv_lsp_position_to_byte(uint32_t *out_line, uint32_t *out_column,
                                       const void *text, size_t len,
                                       uint32_t lsp_line, uint32_t lsp_character);

typedef struct lmkv_lsp_ingest lmkv_lsp_ingest;

/**
 * Begin an ingest for workspace `ws` (lmkv_workspace_id of `root`).
 * @param root  the workspace root: an absolute directory path (the file://
 *              URIs of answers lie under it); copied. A trailing '/' is ignored.
 * *out is freed with lmkv_lsp_ingest_free (commit does not free it).
 * @return LMKV_OK; LMKV_EINVAL (NULL, ws 0, root not absolute); LMKV_ENOMEM.
 */
LMKV_API int lmkv_lsp_ingest_new(lmkv_lsp_ingest **out, uint64_t ws, const char *root);
/** Free an ingest and everything it holds. NULL is fine. */
LMKV_API void lmkv_lsp_ingest_free(lmkv_lsp_ingest *ing);

/**
 * Add one file the answers are about (or point into), with the bytes the
 * server saw. The bytes are copied; its file version id is
 * lmkv_file_version_id(ws, path, lmkv_blob_id(content)) (*out_fv, may be
 * NULL). Adding the same path again with the same bytes is a no-op; with
 * other bytes it is refused (one version per path per ingest).
 * @param path      workspace-relative, '/' separated, NUL-terminated.
 * @param language  "c", "cpp", "rust", "typescript"... (FileVersion.language,
 *                  Symbol.language, and the qualified-name separator); NULL
 *                  = unknown ("." separator).
 * @return LMKV_OK; LMKV_EINVAL (NULL ing or path, empty or absolute path,
 *         NULL content with len > 0, the path added with other bytes);
 *         LMKV_ETOOBIG (len >= 4 GiB); LMKV_ENOMEM.
 */
LMKV_API int lmkv_lsp_ingest_add_file(uint64_t *out_fv, lmkv_lsp_ingest *ing, const char *path,
                                      const void *content, size_t len, const char *language);

/**
 * Ingest one raw LSP answer: the request's params and the response's
 * `result` as JSON text (what the server sent, verbatim; UTF-8).
 * @param method       the wire method name (lmkv_lsp_method_from_name).
 * @param params_json  the request params object (params_len bytes): the
 *                     textDocument.uri, position or item the answer is for.
 * @param result_json  the result (result_len bytes): an array, an object, or
 *                     `null`. A null result and an empty array are recorded
 *                     as "analysed, nothing found" (counted in the stats'
 *                     `empty`; the daemon marks them with its "none" edges).
 * The answer is parsed and checked at once (positions against the added
 * files' bytes); records are resolved and built at commit.
 * @return LMKV_OK; LMKV_EINVAL (NULL argument, unknown method); LMKV_EPARSE
 *         (malformed JSON: byte offset, line and column; a missing or
 *         mistyped field, an unknown SymbolKind (outside 1..26), a range
 *         outside its file, a params.textDocument URI outside the root or of
 *         a file that was not added, a URI that is not file://: method and
 *         JSON path in the message; Locations and call items in files not
 *         added are skipped, not refused); LMKV_ENOMEM. On error nothing of the answer is kept.
 */
LMKV_API int lmkv_lsp_ingest_answer(lmkv_lsp_ingest *ing, const char *method,
                                    const char *params_json, size_t params_len,
                                    const char *result_json, size_t result_len);

/** What a commit wrote. */
typedef struct lmkv_lsp_ingest_stats {
    size_t answers;     /* answers ingested */
    size_t empty;       /* of them, null results or empty arrays */
    size_t files;       /* file versions written (every added file) */
    size_t symbols, calls, references, hierarchy; /* records written */
    size_t duplicates;  /* calls/references given twice (e.g. the same call
                           site by incomingCalls and outgoingCalls), kept once */
    size_t outside;     /* locations in files not added, skipped */
} lmkv_lsp_ingest_stats;

/**
 * Write everything into the caller's store session `s` (same thread as the
 * session): the workspace's record when it has none yet (root, name = the
 * root's last component, is_git 0, created_ns now: lmkv_store_workspace_put,
 * so lmkv_store_workspace_by_root finds it); then for every added file, lmkv_store_put_file of its FileVersion
 * (content_hash xxh3_64, git_blob_id, language, size_bytes, line_count,
 * indexed_ns now) and records, replacing what that version had, then
 * lmkv_current_set_latest. The ingest is left as it was (it may be written
 * again, e.g. after an abort). *out (may be NULL) = what was written.
 * @return LMKV_OK; LMKV_EPARSE (an answer whose target cannot be named,
 *         checked before any write: the session is untouched); LMKV_EINVAL
 *         (a duplicate symbol id: equal qualified name, kind and
 *         disambiguator cannot arise from one file's answers, so only from a
 *         bug); LMKV_ENOMEM; LMKV_EBADTXN and kv's write errors, which
 *         poison the session (commit then refuses: nothing half-written).
 */
LMKV_API int lmkv_lsp_ingest_write(lmkv_lsp_ingest_stats *out, lmkv_lsp_ingest *ing,
                                   lmkv_store_session *s);

/**
 * lmkv_lsp_ingest_write in a session of its own on `st`, committed: all
 * added files change at once or not at all. Blocks while another writer
 * holds the database (LMDB's single writer).
 * @return those of lmkv_lsp_ingest_write, of lmkv_store_session_begin
 *         (LMKV_EREADONLY...) and of lmkv_store_session_commit (LMKV_EFULL,
 *         LMKV_EIO); on any error nothing is written.
 */
LMKV_API int lmkv_lsp_ingest_commit(lmkv_lsp_ingest_stats *out, lmkv_lsp_ingest *ing,
                                    lmkv_store *st);

#ifdef __cplusplus
}
#endif
#endif /* LMKV_LSP_H */
