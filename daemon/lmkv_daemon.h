/*
 * lmkv_daemon.h -- the code-graph storage methods of the probe daemon
 * (probelabs/probe, crate lsp-daemon, lsp-daemon/src/database/mod.rs
 * `DatabaseBackend`, as sqlite_backend.rs implements them over its
 * migrations/v001_complete_schema.rs tables) over lmkv, keyed by the
 * daemon's own identifiers: its string symbol_uid, its integer workspace,
 * file, file-version and analysis-run ids.
 *
 * This header is the daemon module's only door and its specification.
 * Layering: daemon -> schema -> kv (its records live in its own trees of an
 * lmkv_db, beside schema/'s store; the indexer-queue rows, analysis runs,
 * workspaces and workspace-file links are schema/'s IndexerQueueItem,
 * AnalysisRun, DaemonWorkspace and DaemonFileLink FlatBuffers records, the
 * others the module's own encoding; see docs/DESIGN.md "The daemon
 * module"). The
 * Rust binding's GraphBackend (bindings/rust/lmkv/src/backend/graph.rs) is
 * implemented over it; every function below names the trait method it
 * serves.
 *
 * Model.
 *  - A symbol is the daemon's SymbolState: its symbol_uid (any non-empty
 *    string but "none"), file_path, language, name, fqn, kind ... and its
 *    definition range in LSP coordinates (0-based line, UTF-16 character)
 *    stored as given. lmkv gives every symbol_uid it sees (as a symbol or as
 *    an edge end) a 64-bit id (1, 2, ... in the order first seen, counted in
 *    the module's own tree inside the storing transaction) and keeps it for
 *    ever: storing the uid again (a re-index) keeps its id, so ids are
 *    stable and both maps (uid -> id, id -> uid) are exact. The uid "none"
 *    is the daemon's marker target (NONE_SYMBOL_UID) and has id 0.
 *  - An edge is the daemon's Edge: relation (lmkv_daemon_relation), source
 *    and target uid, site (file_path, start_line, start_char, each optional),
 *    confidence (a float, stored exactly), language and metadata. An edge is
 *    identified, as by the daemon's unique index, by (relation, source,
 *    target, language): storing one already stored keeps the stored one
 *    (first wins) and counts it as a duplicate. A self-loop (source ==
 *    target) of any relation but CALLS is dropped (counted). Marker edges
 *    (an end "none": the daemon's create_none_edge and friends, "analysed,
 *    nothing found") are stored like any other.
 *  - A workspace is the daemon's Workspace (id from 1 up, project id, name,
 *    description, branch hint, active flag, created_at as SQLite's
 *    CURRENT_TIMESTAMP "YYYY-MM-DD HH:MM:SS" UTC). Files (the daemon's
 *    integer file ids) are linked to workspaces with their file version; an
 *    analysis status per (workspace, file) gives lmkv_daemon_analysis_progress.
 *  - Analysis runs and the indexer queue are the daemon's analysis_run and
 *    indexer_queue rows.
 *
 * Order. Lists come in key order, which is documented per function (the
 * daemon's SQL has no ORDER BY for most of them, so any order is its
 * order). Edges of one symbol: by relation, then the other end's lmkv id
 * (the order the other end's uid was first seen), then language.
 *
 * Memory. Inputs are borrowed for the call. Every result is ONE allocation
 * (the array, then every string it points to), freed with lmkv_free(); the
 * strings live as long as it. Optional strings are NULL when absent;
 * optional numbers are -1 when absent (int64_t fields).
 *
 * Atomicity. Every write function is one LMDB write transaction: it all
 * happens or (any error) nothing does. Every read function reads one
 * snapshot.
 *
 * Errors. LMKV_OK or a negative LMKV_E* code (kv/lmkv_kv.h) with a message
 * (lmkv_errmsg, per thread) that names the function, the argument and, for
 * arrays, the index ("lmkv_daemon_store_symbols: symbols[3].symbol_uid:
 * empty"). Bad input is refused before anything is written.
 *
 * Thread-safety. An lmkv_daemon may be used from several threads at once;
 * writes serialise on LMDB's single writer (a thread that holds a write
 * lmkv_txn of the same db gets LMKV_EBUSY). Reads never wait.
 */
#ifndef LMKV_DAEMON_H
#define LMKV_DAEMON_H

#include "lmkv_kv.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The daemon's EdgeRelation, in its declaration order (values are stored:
 *  never renumber). */
typedef enum lmkv_daemon_relation {
    LMKV_DAEMON_HAS_CHILD      = 1,  /* "has_child" */
    LMKV_DAEMON_INHERITS_FROM  = 2,  /* "inherits_from" */
    LMKV_DAEMON_IMPLEMENTS     = 3,  /* "implements" */
    LMKV_DAEMON_OVERRIDES      = 4,  /* "overrides" */
    LMKV_DAEMON_REFERENCES     = 5,  /* "references" */
    LMKV_DAEMON_CALLS          = 6,  /* "calls" */
    LMKV_DAEMON_INSTANTIATES   = 7,  /* "instantiates" */
    LMKV_DAEMON_IMPORTS        = 8,  /* "imports" */
    LMKV_DAEMON_INCLUDES       = 9,  /* "includes" */
    LMKV_DAEMON_DEPENDS_ON     = 10, /* "depends_on" */
    LMKV_DAEMON_DEFINITION     = 11, /* "definition" */
    LMKV_DAEMON_IMPLEMENTATION = 12  /* "implementation" */
} lmkv_daemon_relation;

/** The daemon's CallDirection. */
typedef enum lmkv_daemon_direction {
    LMKV_DAEMON_INCOMING = 1, /* callers: CALLS edges whose target it is */
    LMKV_DAEMON_OUTGOING = 2, /* callees: CALLS edges whose source it is */
    LMKV_DAEMON_BOTH     = 3
} lmkv_daemon_direction;

/** The relation's stored string ("has_child", ...; the daemon's
 *  EdgeRelation::to_string), or NULL outside the enum. Static storage. */
LMKV_API const char *lmkv_daemon_relation_name(int relation);
/** The relation of a stored string (exact). @return LMKV_OK; LMKV_EINVAL
 *  (NULL); LMKV_NOTFOUND (unknown; message "Unknown edge relation: <s>"). */
LMKV_API int lmkv_daemon_relation_from_name(lmkv_daemon_relation *out, const char *name);

typedef struct lmkv_daemon lmkv_daemon;

/**
 * Open the daemon's storage in `db` (creates its trees, "lmkv.daemon.*"
 * system trees, on first use). `db` must outlive the handle. Trees of
 * format 1 (before the indexer queue's records became schema/'s
 * IndexerQueueItem) or format 2 (before the analysis runs, workspaces and
 * links became schema/'s AnalysisRun, DaemonWorkspace and DaemonFileLink)
 * are converted to
 * format 3 here, in one write transaction, when `db` is writable, and read
 * as they are when it is read-only.
 * @return LMKV_OK; LMKV_EINVAL (NULL); LMKV_ENOMEM; LMKV_EREADONLY /
 *         LMKV_NOTFOUND (a read-only db without the trees); LMKV_EVERSION
 *         (trees written by a later format of this module); LMKV_ECORRUPT
 *         (a format 1 queue record or a format 1 or 2 run, workspace or
 *         link record that cannot be converted: nothing converted); kv's
 *         write errors (the conversion).
 */
LMKV_API int lmkv_daemon_open(lmkv_daemon **out, lmkv_db *db);
/** Close the handle (not the db). NULL is fine. */
LMKV_API void lmkv_daemon_close(lmkv_daemon *d);

/* ------------------------------------------------------------ workspaces */

typedef struct lmkv_daemon_workspace {
    int64_t workspace_id;
    int64_t project_id;
    const char *name;
    const char *description;  /* NULL (the daemon's backend never sets one) */
    const char *branch_hint;  /* NULL when none */
    int is_active;            /* 1 */
    const char *created_at;   /* "YYYY-MM-DD HH:MM:SS", UTC */
} lmkv_daemon_workspace;

/** create_workspace: a new workspace; *out_id = its id (1, 2, ... in
 *  creation order). @param branch_hint NULL = none.
 *  @return LMKV_OK; LMKV_EINVAL (NULL d/out_id/name, empty name); kv's
 *  write errors. */
LMKV_API int lmkv_daemon_workspace_create(int64_t *out_id, lmkv_daemon *d, const char *name,
                                          int64_t project_id, const char *branch_hint);
/** get_workspace: *out = one lmkv_daemon_workspace (lmkv_free).
 *  @return LMKV_OK; LMKV_NOTFOUND (no such id; *out NULL); LMKV_EINVAL. */
LMKV_API int lmkv_daemon_workspace_get(lmkv_daemon_workspace **out, lmkv_daemon *d, int64_t workspace_id);
/** list_workspaces: every workspace (has_project 0) or those of project_id,
 *  newest first (created_at DESC, then id DESC). *out (lmkv_free; NULL when
 *  *out_count is 0). @return LMKV_OK; LMKV_EINVAL; LMKV_ENOMEM. */
LMKV_API int lmkv_daemon_workspace_list(lmkv_daemon_workspace **out, size_t *out_count, lmkv_daemon *d,
                                        int has_project, int64_t project_id);
/** update_workspace_branch. @return LMKV_OK; LMKV_NOTFOUND (no such
 *  workspace: nothing written); LMKV_EINVAL (NULL branch). */
LMKV_API int lmkv_daemon_workspace_update_branch(lmkv_daemon *d, int64_t workspace_id, const char *branch);
/** link_file_to_workspace: file_id (the daemon's file id) belongs to the
 *  workspace, at file_version_id (replacing an earlier link's version; its
 *  analysis status is kept). @return LMKV_OK; LMKV_NOTFOUND (no such
 *  workspace); LMKV_EINVAL; LMKV_ECORRUPT (the stored link is damaged:
 *  nothing written). */
LMKV_API int lmkv_daemon_link_file(lmkv_daemon *d, int64_t workspace_id, int64_t file_id,
                                   int64_t file_version_id);

/* --------------------------------------------------------------- symbols */

/** The daemon's SymbolState. Lines 0-based, characters UTF-16 units, as the
 *  language server answered. In results, symbol_id is lmkv's id of the uid;
 *  in lmkv_daemon_store_symbols it is ignored. */
typedef struct lmkv_daemon_symbol {
    const char *symbol_uid;     /* non-empty, not "none" */
    const char *file_path;      /* non-NULL (may be empty) */
    const char *language;       /* non-NULL */
    const char *name;           /* non-NULL */
    const char *fqn;            /* NULL = none */
    const char *kind;           /* non-NULL ("function", ...) */
    const char *signature;      /* NULL = none */
    const char *visibility;     /* NULL = none */
    uint32_t def_start_line, def_start_char, def_end_line, def_end_char;
    int is_definition;          /* 0 or 1 */
    const char *documentation;  /* NULL = none */
    const char *metadata;       /* NULL = none */
    uint64_t symbol_id;         /* results: lmkv's id of symbol_uid */
} lmkv_daemon_symbol;

/** store_symbols: each symbol replaces the stored symbol of its uid (all
 *  its fields, its file/name/fqn index entries moved), in one transaction;
 *  a uid given twice: the later wins. Edges are not touched.
 *  @return LMKV_OK; LMKV_EINVAL (NULL, a required field NULL, an empty uid
 *  or "none": index in the message; nothing written); kv's write errors. */
LMKV_API int lmkv_daemon_store_symbols(lmkv_daemon *d, const lmkv_daemon_symbol *symbols, size_t count);

/** get_symbols_by_file: the symbols whose file_path AND language are
 *  these, by lmkv id. find_symbol_by_name: those named `name` (every
 *  workspace: the daemon ignores workspace_id), by lmkv id.
 *  find_symbol_by_fqn: the first (lowest lmkv id) whose fqn is `fqn`;
 *  *out_count 0 when none. get_all_symbols: every symbol, by lmkv id.
 *  *out: lmkv_free (NULL when *out_count is 0).
 *  @return LMKV_OK (also for no match); LMKV_EINVAL; LMKV_ENOMEM. */
LMKV_API int lmkv_daemon_symbols_by_file(lmkv_daemon_symbol **out, size_t *out_count, lmkv_daemon *d,
                                         const char *file_path, const char *language);
LMKV_API int lmkv_daemon_symbols_by_name(lmkv_daemon_symbol **out, size_t *out_count, lmkv_daemon *d,
                                         const char *name);
LMKV_API int lmkv_daemon_symbol_by_fqn(lmkv_daemon_symbol **out, size_t *out_count, lmkv_daemon *d,
                                       const char *fqn);
LMKV_API int lmkv_daemon_symbols_all(lmkv_daemon_symbol **out, size_t *out_count, lmkv_daemon *d);
/** The stored symbol of one uid. @return LMKV_OK (*out one symbol,
 *  lmkv_free); LMKV_NOTFOUND (no symbol stored for it: an edge end only,
 *  or unknown); LMKV_EINVAL. */
LMKV_API int lmkv_daemon_symbol_get(lmkv_daemon_symbol **out, lmkv_daemon *d, const char *symbol_uid);

/** uid -> lmkv id. "none" -> 0. @return LMKV_OK; LMKV_NOTFOUND (a uid
 *  never stored as a symbol or edge end); LMKV_EINVAL. */
LMKV_API int lmkv_daemon_symbol_id(uint64_t *out, lmkv_daemon *d, const char *symbol_uid);
/** lmkv id -> uid: *out a NUL-terminated copy (lmkv_free). 0 -> "none".
 *  @return LMKV_OK; LMKV_NOTFOUND; LMKV_EINVAL. */
LMKV_API int lmkv_daemon_symbol_uid(char **out, lmkv_daemon *d, uint64_t symbol_id);

/* ----------------------------------------------------------------- edges */

/** The daemon's Edge. Optional site fields are -1 (numbers) / NULL when
 *  absent. confidence 0.0..1.0 (LSP answers 1.0; stored exactly). */
typedef struct lmkv_daemon_edge {
    int relation;                 /* lmkv_daemon_relation */
    const char *source_symbol_uid;
    const char *target_symbol_uid; /* "none" for a marker edge (either end may be
                                      "none": the daemon's empty-incomingCalls
                                      marker is "none" -> the symbol) */
    const char *file_path;        /* NULL = none */
    int64_t start_line;           /* -1 = none, else 0..UINT32_MAX */
    int64_t start_char;           /* -1 = none */
    float confidence;
    const char *language;         /* non-NULL ("unknown" for markers) */
    const char *metadata;         /* NULL; "null_edge", "lsp_call_hierarchy_empty"... */
} lmkv_daemon_edge;

/** What lmkv_daemon_store_edges did. */
typedef struct lmkv_daemon_store_stats {
    size_t stored;      /* edges added */
    size_t duplicates;  /* (relation, source, target, language) already stored (or given twice) */
    size_t self_loops;  /* source == target, relation not CALLS: dropped */
} lmkv_daemon_store_stats;

/** store_edges, in one transaction (see Model for dedup, self-loops and
 *  markers). New uids get their ids. *stats may be NULL.
 *  @return LMKV_OK; LMKV_EINVAL (NULL, relation outside the enum, a NULL or
 *  empty uid, NULL language, confidence NaN or outside
 *  0..1, start_line/start_char below -1 or above UINT32_MAX: index in the
 *  message, nothing written); kv's write errors. */
LMKV_API int lmkv_daemon_store_edges(lmkv_daemon_store_stats *stats, lmkv_daemon *d,
                                     const lmkv_daemon_edge *edges, size_t count);

/** store_symbols then store_edges in ONE transaction (one commit, one
 *  sync instead of two: what an indexer stores per LSP answer). Same
 *  checks, results and errors as the two calls; on any error neither the
 *  symbols nor the edges are written. *stats may be NULL. */
LMKV_API int lmkv_daemon_store(lmkv_daemon_store_stats *stats, lmkv_daemon *d, const lmkv_daemon_symbol *symbols,
                               size_t n_symbols, const lmkv_daemon_edge *edges, size_t n_edges);

/** SQLiteBackend::delete_none_edges_for_symbol (the daemon's cache-clear
 *  command calls it so the next request asks the language server again):
 *  deletes the marker edges of symbol_uid -- those from it to "none" and
 *  from "none" to it -- whose relation is in relations[0..n_relations)
 *  (n_relations 0: every relation), in one write transaction, and sets
 *  *out_deleted to how many edges went (each edge once: the daemon's
 *  COUNT(*) of the same rows). Edges with a real other end, symbols and the
 *  uid's lmkv id are kept. The daemon's method names map to relations as
 *  its ("CallHierarchy"/"calls" -> LMKV_DAEMON_CALLS, "References" ->
 *  LMKV_DAEMON_REFERENCES, "Implementations" -> LMKV_DAEMON_IMPLEMENTATION;
 *  the binding does that mapping). A uid never stored has none: 0.
 *  "none" itself: its none -> none edges.
 *  @param relations lmkv_daemon_relation values; may be NULL when
 *         n_relations is 0. Borrowed for the call.
 *  @return LMKV_OK; LMKV_EINVAL (NULL out_deleted/d/symbol_uid, NULL
 *  relations with n_relations > 0, an empty uid, relations[i] outside the
 *  enum: index in the message, nothing deleted); LMKV_ECORRUPT (a stored
 *  edge without its incoming twin: nothing deleted); kv's write errors. */
LMKV_API int lmkv_daemon_delete_none_edges(uint64_t *out_deleted, lmkv_daemon *d, const char *symbol_uid,
                                           const int *relations, size_t n_relations);

/** Edges of one symbol (markers included), by relation then the other
 *  end's id then language; *out lmkv_free (NULL when *out_count is 0).
 *  relation 0 = every relation. dir: OUTGOING edges whose source is the uid,
 *  INCOMING those whose target it is, BOTH the outgoing then the incoming
 *  (a CALLS self-loop once). get_symbol_references = (REFERENCES, OUTGOING);
 *  get_symbol_calls = (CALLS, dir). An unknown uid has no edges (LMKV_OK, 0).
 *  @return LMKV_OK; LMKV_EINVAL (NULL, bad relation or dir); LMKV_ENOMEM. */
LMKV_API int lmkv_daemon_edges_of(lmkv_daemon_edge **out, size_t *out_count, lmkv_daemon *d,
                                  const char *symbol_uid, int relation, int dir);
/** get_all_edges: every edge, by source id, relation, target id, language. */
LMKV_API int lmkv_daemon_edges_all(lmkv_daemon_edge **out, size_t *out_count, lmkv_daemon *d);

/** One edge followed by lmkv_daemon_traverse (the daemon's GraphPath:
 *  path = [start, symbol_uid] and relation_chain = [relation] as its
 *  traverse_graph builds them; from_uid is the symbol the edge left). */
typedef struct lmkv_daemon_path {
    const char *symbol_uid;
    const char *from_uid;
    uint32_t depth;   /* 1: a direct neighbour of the start */
    int relation;
} lmkv_daemon_path;

/** traverse_graph: breadth-first from start_uid along the outgoing edges
 *  whose relation is in relations[0..n_relations), layer by layer up to
 *  max_depth layers; one path per edge followed, no visited set (as the
 *  daemon's: a symbol reached twice is expanded twice); marker edges are
 *  not followed. n_relations 0 or max_depth 0: nothing. A layer is expanded
 *  only while the total stays <= max_results, else LMKV_ELIMIT (nothing
 *  returned). Order: layer, then as lmkv_daemon_edges_of.
 *  @return LMKV_OK; LMKV_ELIMIT; LMKV_EINVAL (NULL, bad relation,
 *  max_results 0); LMKV_ENOMEM. */
LMKV_API int lmkv_daemon_traverse(lmkv_daemon_path **out, size_t *out_count, lmkv_daemon *d,
                                  const char *start_uid, uint32_t max_depth, const int *relations,
                                  size_t n_relations, size_t max_results);

/* -------------------------------------------------- LSP-shaped answers */

/** An LSP Location: uri is the stored file_path as given by the daemon
 *  (it stores git-relative paths, not file:// URIs); 0-based line, UTF-16
 *  character. */
typedef struct lmkv_daemon_location {
    const char *uri;
    uint32_t start_line, start_char, end_line, end_char;
} lmkv_daemon_location;

/** One call of a CallHierarchyResult: the other end (caller for incoming,
 *  callee for outgoing) as a CallHierarchyItem -- name, kind, uri = its
 *  file_path, range = selection_range = its definition range -- and the
 *  call site as from_range (start = end = the edge's site; 0 when the edge
 *  has none). One entry per edge (the daemon's from_ranges has one range). */
typedef struct lmkv_daemon_call {
    const char *symbol_uid;
    const char *name, *kind, *uri;
    uint32_t start_line, start_char, end_line, end_char; /* range */
    uint32_t from_line, from_char;                       /* from_ranges[0] */
} lmkv_daemon_call;

/** get_call_hierarchy_for_symbol. *out_analysed = 0 when the symbol has no
 *  CALLS edge at either end (not even a marker: the daemon answers None and
 *  asks the server); 1 otherwise, with *out_item its item (the stored
 *  symbol: NULL if only edges know the uid) and *out_calls the incoming
 *  calls (callers, [0, *out_n_incoming)) then the outgoing ones (callees,
 *  [*out_n_incoming, *out_count)); marker edges and ends with no stored
 *  symbol are left out. *out_item and *out_calls: lmkv_free each.
 *  @return LMKV_OK (also for an unknown uid: analysed 0); LMKV_EINVAL;
 *  LMKV_ENOMEM. */
LMKV_API int lmkv_daemon_call_hierarchy(int *out_analysed, lmkv_daemon_symbol **out_item,
                                        lmkv_daemon_call **out_calls, size_t *out_n_incoming,
                                        size_t *out_count, lmkv_daemon *d, const char *symbol_uid);

/** get_references_for_symbol: the REFERENCES edges with the uid at either
 *  end (markers left out), as locations: uri = the edge's file_path, else
 *  the source symbol's; range start = end = the edge's site (edges with no
 *  site line are left out). include_declaration: the symbol's own
 *  definition range first, when stored.
 *  get_definitions_for_symbol: DEFINITION edges whose target is the uid.
 *  get_implementations_for_symbol: IMPLEMENTATION and IMPLEMENTS edges
 *  whose target is the uid. Order: as lmkv_daemon_edges_of.
 *  *out lmkv_free. @return LMKV_OK; LMKV_EINVAL; LMKV_ENOMEM. */
LMKV_API int lmkv_daemon_references(lmkv_daemon_location **out, size_t *out_count, lmkv_daemon *d,
                                    const char *symbol_uid, int include_declaration);
LMKV_API int lmkv_daemon_definitions(lmkv_daemon_location **out, size_t *out_count, lmkv_daemon *d,
                                     const char *symbol_uid);
LMKV_API int lmkv_daemon_implementations(lmkv_daemon_location **out, size_t *out_count, lmkv_daemon *d,
                                         const char *symbol_uid);

/* ------------------------------------------------ analysis and queue */

/** create_analysis_run: *out_id the new run's id (1, 2, ...).
 *  @return LMKV_OK; LMKV_EINVAL (a NULL string); kv's write errors. */
LMKV_API int lmkv_daemon_analysis_run_create(int64_t *out_id, lmkv_daemon *d, const char *analyzer_name,
                                             const char *analyzer_version, const char *language,
                                             const char *config);

/** The daemon's file_analysis status of a linked file. */
typedef enum lmkv_daemon_file_status {
    LMKV_DAEMON_FILE_PENDING   = 0,
    LMKV_DAEMON_FILE_COMPLETED = 1,
    LMKV_DAEMON_FILE_FAILED    = 2
} lmkv_daemon_file_status;
/** Record the analysis status of a file linked to the workspace (by run
 *  run_id, which must exist). @return LMKV_OK; LMKV_NOTFOUND (file not
 *  linked to the workspace, or no such run); LMKV_EINVAL (bad status);
 *  LMKV_ECORRUPT (the stored link is damaged: nothing written). */
LMKV_API int lmkv_daemon_file_analysis_set(lmkv_daemon *d, int64_t workspace_id, int64_t file_id,
                                           int64_t run_id, int status);

/** The daemon's AnalysisProgress. */
typedef struct lmkv_daemon_progress {
    int64_t workspace_id;
    uint64_t total_files;     /* files linked to the workspace */
    uint64_t analyzed_files;  /* status COMPLETED */
    uint64_t failed_files;    /* status FAILED */
    uint64_t pending_files;   /* the rest */
    float completion_percentage; /* analyzed / total * 100; 0 when total 0 */
} lmkv_daemon_progress;
/** get_analysis_progress. An unknown workspace has all zeros (as the
 *  daemon's COUNT queries). @return LMKV_OK; LMKV_EINVAL; LMKV_ECORRUPT
 *  (a damaged stored link, named in the message). */
LMKV_API int lmkv_daemon_analysis_progress(lmkv_daemon_progress *out, lmkv_daemon *d, int64_t workspace_id);

/** One indexer_queue row. */
typedef struct lmkv_daemon_queue_item {
    int64_t queue_id;      /* 1, 2, ... in queueing order */
    int64_t file_id;
    const char *language;
    const char *operation; /* "analyze" */
    const char *status;    /* "pending" */
    int32_t priority;
} lmkv_daemon_queue_item;
/** queue_file_analysis: a ('analyze', 'pending') row for file_id.
 *  @return LMKV_OK; LMKV_EINVAL (NULL language); kv's write errors. */
LMKV_API int lmkv_daemon_queue_file(lmkv_daemon *d, int64_t file_id, const char *language, int32_t priority);
/** The queue, highest priority first, then queueing order (the daemon's
 *  ORDER BY priority DESC, created_at). *out lmkv_free. */
LMKV_API int lmkv_daemon_queue_list(lmkv_daemon_queue_item **out, size_t *out_count, lmkv_daemon *d);

/** One symbol of lmkv_daemon_pending_enrichment (the daemon's
 *  SymbolEnrichmentPlan). */
typedef struct lmkv_daemon_enrichment {
    lmkv_daemon_symbol symbol;
    int needs_references;       /* no REFERENCES edge with this symbol as source */
    int needs_implementations;  /* no IMPLEMENTATION/IMPLEMENTS edge with this symbol as source */
    int needs_call_hierarchy;   /* no CALLS edge at either end */
} lmkv_daemon_enrichment;
/** find_symbols_pending_enrichment, as sqlite_backend.rs's SQL selects:
 *  the candidates are the stored symbols of kind function, method, class,
 *  struct, enum, interface or trait whose file_path is not blank (only
 *  spaces, as SQLite's trim) and does not start with "/dep/" (ASCII case
 *  folded, as SQLite's LIKE); a candidate is pending when it needs at least
 *  one of the three: references and implementations are looked for at the
 *  symbol's source end only (an edge whose target is the symbol does not
 *  count), calls at either end. Marker edges count as answers (a marker
 *  means asked). Up to `limit` pending candidates in lmkv id order (store
 *  order: the daemon's fallback scans candidates in its table order); the
 *  daemon's own priority order (function/method, then the type kinds, by
 *  name) is the caller's sort (the Rust backend's). Reads one snapshot.
 *  @param out  the plans, symbols' strings inside; lmkv_free.
 *  @param out_count  how many (<= limit).
 *  @param limit  0: none.
 *  Thread-safety: any thread, concurrently with writers.
 *  @return LMKV_OK; LMKV_EINVAL (NULL argument); LMKV_ECORRUPT (a damaged
 *  symbol or edge record); LMKV_ENOMEM. */
LMKV_API int lmkv_daemon_pending_enrichment(lmkv_daemon_enrichment **out, size_t *out_count, lmkv_daemon *d,
                                            size_t limit);

#ifdef __cplusplus
}
#endif
#endif /* LMKV_DAEMON_H */
