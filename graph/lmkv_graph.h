/*
 * lmkv_graph.h -- code-graph queries over a workspace's CURRENT state:
 * symbol lookup and search, callers/callees (LSP incoming/outgoing calls),
 * references, call paths, impact, cycles, hierarchy, dead code, hotspots
 * and file dependencies.
 *
 * This header is the graph module's only door and its specification.
 *
 * Model. The records are schema's (schema/lmkv_schema.h): Symbol, Call,
 * Reference, Hierarchy of the file versions in the workspace's current map
 * (versioning/ writes it; lmkv_store_is_current decides). Calls and
 * references are stored by callee/target NAME and resolved here by name, so
 * a graph node is a NAME (C has one namespace for functions; two static
 * functions of the same name in two files are one node, as in cflow's
 * view). Call edges come from GNU cflow (tools/lmkv/extract_c.c); reference
 * edges from lmkv's name-based scanner.
 *
 * Handle. An lmkv_graph holds the store, the workspace id and one read
 * transaction (an LMDB snapshot): every query sees that snapshot until
 * lmkv_graph_renew(). A handle is used by one thread at a time (it may move
 * between threads); open one per thread for parallel queries.
 *
 * Bounds. Every query takes a result limit (`limit`, 0 = LMKV_GRAPH_DEFAULT_LIMIT)
 * and the traversals a depth limit (`depth`, 0 = LMKV_GRAPH_DEFAULT_DEPTH,
 * at most LMKV_GRAPH_MAX_DEPTH). When a bound cuts the answer short the
 * result says so (`truncated` = 1) -- the query still returns LMKV_OK.
 *
 * Results. The simple lookups (callers, callees, refs, refs_from, symbols)
 * call a function per record with the ZERO-COPY record (strings point into
 * the database map; valid during the callback only, copy what you keep);
 * they allocate nothing per record. The traversals and aggregates fill an
 * lmkv_graph_result whose items and strings are owned by the handle and
 * stay valid until the next query on the same handle, lmkv_graph_renew or
 * lmkv_graph_close.
 *
 * Errors (all functions): LMKV_OK; LMKV_EINVAL (NULL argument, empty name,
 * depth over LMKV_GRAPH_MAX_DEPTH); LMKV_NOTFOUND (the name is neither a
 * symbol of the current state nor the callee/target of any current call or
 * reference; for file queries: the path is not in the current state);
 * LMKV_ENOMEM; LMKV_ECORRUPT and the other store read errors. The message
 * (lmkv_errmsg) names the query and the name.
 */
#ifndef LMKV_GRAPH_H
#define LMKV_GRAPH_H

#include "lmkv_schema.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LMKV_GRAPH_DEFAULT_LIMIT 1000
#define LMKV_GRAPH_DEFAULT_DEPTH 3
#define LMKV_GRAPH_MAX_DEPTH 64

typedef struct lmkv_graph lmkv_graph;

/** Open a query handle on workspace `ws` of store `st` (begins a read txn).
 *  The store must outlive the handle. Errors: LMKV_EINVAL, LMKV_ENOMEM,
 *  LMKV_EBUSY (no reader slot). */
LMKV_API int lmkv_graph_open(lmkv_graph **out, lmkv_store *st, uint64_t ws);
/** End the txn and free everything of the handle. NULL is fine. */
LMKV_API void lmkv_graph_close(lmkv_graph *g);
/** Take a fresh snapshot (as mdb_txn_reset + mdb_txn_renew): later queries
 *  see commits made since. Invalidates the previous result. */
LMKV_API int lmkv_graph_renew(lmkv_graph *g);
/** The handle's read txn, for direct store lookups (borrowed). */
LMKV_API lmkv_store_txn *lmkv_graph_txn(lmkv_graph *g);

/* ------------------------------------------------------ simple lookups */

/** Symbol lookup modes. */
enum lmkv_graph_match {
    LMKV_GRAPH_EXACT     = 0, /* name == NAME, or qualified name == NAME */
    LMKV_GRAPH_PREFIX    = 1, /* name starts with NAME */
    LMKV_GRAPH_QUALIFIED = 2  /* qualified name == NAME only */
};

/** Current symbols matching NAME (enum lmkv_graph_match), in (name, file
 *  version, id) order; at most `limit` calls of fn. *out_n (may be NULL) =
 *  number passed to fn; *out_truncated (may be NULL) = 1 if more exist.
 *  LMKV_NOTFOUND when none matches. */
LMKV_API int lmkv_graph_symbols(size_t *out_n, int *out_truncated, lmkv_graph *g,
                                const char *name, int match, size_t limit,
                                lmkv_store_symbol_fn fn, void *ctx);

/** CALLERS of NAME (LSP callHierarchy/incomingCalls): every current call
 *  whose callee name is NAME, one record per call site (caller name, file,
 *  line, column), in (file version, order of extraction) order. One prefix
 *  scan of store.cur_call_to, the current copies of the calls
 *  (lmkv_store_calls_to with LMKV_STORE_CURRENT), in the handle's txn; no
 *  allocation per record.
 *  LMKV_NOTFOUND when NAME is neither a symbol nor called. */
LMKV_API int lmkv_graph_callers(size_t *out_n, int *out_truncated, lmkv_graph *g,
                                const char *name, size_t limit,
                                lmkv_store_call_fn fn, void *ctx);
/** CALLEES of NAME (outgoingCalls): every current call whose caller name
 *  is NAME (every function of that name, e.g. a static function in two
 *  files), one record per call site (callee name, file, line, column), in
 *  (file version, order of extraction) order. One prefix scan of
 *  store.cur_call_from (lmkv_store_calls_by_caller): no Symbol lookup, no
 *  allocation per record. LMKV_NOTFOUND as callers. */
LMKV_API int lmkv_graph_callees(size_t *out_n, int *out_truncated, lmkv_graph *g,
                                const char *name, size_t limit,
                                lmkv_store_call_fn fn, void *ctx);
/** REFERENCES to NAME (textDocument/references without the declaration):
 *  every current reference whose target name is NAME. */
LMKV_API int lmkv_graph_refs(size_t *out_n, int *out_truncated, lmkv_graph *g,
                             const char *name, size_t limit,
                             lmkv_store_reference_fn fn, void *ctx);
/** References made FROM the symbols named NAME (their bodies). */
LMKV_API int lmkv_graph_refs_from(size_t *out_n, int *out_truncated, lmkv_graph *g,
                                  const char *name, size_t limit,
                                  lmkv_store_reference_fn fn, void *ctx);

/* ------------------------------------------------- traversals, aggregates */

/** One answer item. Which fields are meaningful depends on the query. */
typedef struct lmkv_graph_item {
    const char *name;     /* symbol/function name, or file path (deps) */
    const char *file;     /* file of the symbol, or NULL */
    uint32_t line;        /* definition line (1-based), 0 = unknown */
    uint32_t depth;       /* impact: distance; paths: position in the path;
                             cycles: component number (0-based) */
    int kind;             /* LSP SymbolKind of the symbol (0 = unknown;
                             255 LMKV_SK_MACRO) or, for hierarchy,
                             lmkv_hierarchy_kind */
    uint32_t column;      /* definition column (1-based, bytes), 0 = unknown
                             (with line: search, impact, dead, hotspots) */
    uint64_t count;       /* hotspots: references; deps: references;
                             search: score (0 exact, 1 prefix, 2 substring) */
    uint64_t count2;      /* hotspots: call sites */
    const char *detail;   /* signature (symbols), "parent"/"child" (hierarchy) */
} lmkv_graph_item;

typedef struct lmkv_graph_result {
    lmkv_graph_item *items;
    size_t n;
    int truncated;        /* a limit or the depth cut the answer short */
    size_t groups;        /* paths: number of paths; cycles: components */
    size_t *group_start;  /* paths/cycles: items[group_start[i]..group_start[i+1]) */
} lmkv_graph_result;

/** Workspace symbol search (LSP workspace/symbol): current symbols whose
 *  name contains QUERY (ASCII case-insensitive), ranked exact (0) > prefix
 *  (1) > substring (2), then shorter name first, then name, file, line.
 *  Members are included (qualified "Struct::member"). Empty query: none. */
LMKV_API int lmkv_graph_search(lmkv_graph_result *out, lmkv_graph *g, const char *query, size_t limit);

/** Call chains from FROM to TO following call edges, each at most `depth`
 *  calls long, without repeated nodes; shortest first, then in byte order
 *  of the node names. Each path is a group of items (FROM ... TO); `limit`
 *  bounds the number of paths. No path: LMKV_OK with groups = 0. */
LMKV_API int lmkv_graph_paths(lmkv_graph_result *out, lmkv_graph *g, const char *from,
                              const char *to, unsigned depth, size_t limit);

/** IMPACT of changing NAME: every symbol that calls or references NAME,
 *  directly (depth 1) or through others (up to `depth`), once each with its
 *  shortest distance; ordered by (depth, name). NAME itself is excluded. */
LMKV_API int lmkv_graph_impact(lmkv_graph_result *out, lmkv_graph *g, const char *name,
                               unsigned depth, size_t limit);

/** CYCLES of the call graph: its strongly connected components with more
 *  than one function, or one function calling itself (Tarjan's algorithm,
 *  iterative). Components ordered by size (largest first) then first name;
 *  names inside a component in byte order. `limit` bounds the components. */
LMKV_API int lmkv_graph_cycles(lmkv_graph_result *out, lmkv_graph *g, size_t limit);

/** HIERARCHY of NAME: its parents (detail "parent") and children (detail
 *  "child") over the current Hierarchy edges (for C: struct/union/enum
 *  containment of members and enumerators); kind = lmkv_hierarchy_kind. */
LMKV_API int lmkv_graph_hierarchy(lmkv_graph_result *out, lmkv_graph *g, const char *name, size_t limit);
/** IMPLEMENTATIONS of NAME: children by Implements or Extends edges. C
 *  extraction records no such edges, so for C this is always empty. */
LMKV_API int lmkv_graph_implementations(lmkv_graph_result *out, lmkv_graph *g, const char *name, size_t limit);

/** DEAD code: function definitions (kind Function: never a Macro) with no
 *  incoming call and no reference,
 *  excluding entry points: names matching a pattern of the built-in list
 *  ("main", "*_test", "test_*") or of `keep` (NULL-terminated, may be
 *  NULL; borrowed for the call). Patterns are shell wildcards as
 *  fnmatch(3) with no flags (`*`, `?`, `[...]`, `\` quotes); a pattern
 *  without them names one function ("mdb_env_*" keeps every function
 *  starting with mdb_env_, "cmd_main" just that one). In (name, file)
 *  order, at most `limit` items (truncated = 1 when more are dead).
 *  Errors: as all functions (LMKV_EINVAL for a NULL out or g). */
LMKV_API int lmkv_graph_dead(lmkv_graph_result *out, lmkv_graph *g, const char *const *keep, size_t limit);

/** HOTSPOTS: symbols of the workspace with the most references (count)
 *  and call sites (count2), ordered by count + count2 descending, then name.
 *  Every kind of symbol is ranked (functions, macros, fields, types): each
 *  item's kind tells them apart (LMKV_SK_MACRO for a macro), with the
 *  definition's file, line and column. */
LMKV_API int lmkv_graph_hotspots(lmkv_graph_result *out, lmkv_graph *g, size_t limit);

/** DEPS of FILE: the other current files defining names FILE references or
 *  calls (count = references + calls), by count descending then path.
 *  RDEPS: the files referencing or calling names FILE defines. */
LMKV_API int lmkv_graph_deps(lmkv_graph_result *out, lmkv_graph *g, const char *path, size_t limit);
LMKV_API int lmkv_graph_rdeps(lmkv_graph_result *out, lmkv_graph *g, const char *path, size_t limit);

#ifdef __cplusplus
}
#endif
#endif /* LMKV_GRAPH_H */
