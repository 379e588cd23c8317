/*
 * lmkv_push.h -- a shared PostgreSQL graph of many workspaces: `lmkv push`
 * sends a workspace's current state to a PostgreSQL server, and the graph
 * queries (callers, callees, refs, impact, paths, cycles) run there as SQL
 * (recursive CTEs), answering what graph/lmkv_graph.h answers locally for
 * the same state.
 *
 * This header is the push module's only door and its specification. It
 * reads the store through schema/lmkv_schema.h and fills graph's result
 * type (graph/lmkv_graph.h); it talks to the server through libpq
 * (Debian libpq-dev), never its own protocol code. The server's schema
 * (tables, keys, indexes, migrations) is documented in docs/postgres.md.
 *
 * Connection. `conninfo` is anything libpq's PQconnectdb accepts: a URL
 * ("postgresql://user@host:port/db?sslmode=disable") or "key=value"
 * pairs; libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD,
 * PGPASSFILE, PGSERVICE...) and ~/.pgpass fill what it leaves out. lmkv
 * never prints a conninfo or a password: messages name the server as
 * user@host:port/db from the connection (PQuser/PQhost/PQport/PQdb).
 *
 * Keys. A workspace on the server is (machine, root): the pushing
 * machine's name (default: gethostname()) and the workspace's canonical
 * root path. The server numbers it (ws_key), numbers each pushed state of
 * it (state_key: (ws_key, commit id or "latest")) and keys every record
 * row by (ws_key, file version id, ...), so pushes of two developers, two
 * clones, two branches or two commits never collide.
 *
 * Thread-safety: an lmkv_pg handle is used by one thread at a time (a
 * libpq connection is not shared); open one per thread. Functions set the
 * per-thread message (lmkv_errmsg()) on failure.
 *
 * Errors (all functions): LMKV_EINVAL (NULL argument, empty name, bad
 * option); LMKV_ENOMEM; LMKV_EIO (the server cannot be reached, the
 * connection broke, or the server reported an error: the message has the
 * server's text on one line); LMKV_EPERM (the server refused the
 * credentials: authentication failed or no password was supplied);
 * LMKV_EVERSION (the server's lmkv schema is newer than this library);
 * LMKV_NOTFOUND (no such workspace on the server; for the queries: the name
 * is neither a symbol nor the callee/target of a call or reference of the
 * pushed state, as graph's LMKV_NOTFOUND); the store's read errors.
 */
#ifndef LMKV_PUSH_H
#define LMKV_PUSH_H

#include "lmkv_graph.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the server schema this library creates and reads
 *  (table lmkv.schema_version; docs/postgres.md lists every version). */
#define LMKV_PG_SCHEMA_VERSION 2

typedef struct lmkv_pg lmkv_pg;

/** Connect to the server named by `conninfo` (libpq syntax, see above) and
 *  bring its lmkv schema to LMKV_PG_SCHEMA_VERSION: create it when absent,
 *  apply each missing migration in one transaction under an advisory lock
 *  (two clients migrating at once: one migrates, the other sees it done).
 *  A server with a newer schema: LMKV_EVERSION, nothing changed.
 *  *out is freed with lmkv_pg_close. Errors: LMKV_EINVAL (NULL argument,
 *  or a connection string libpq cannot parse: the message does not quote
 *  it, since libpq's would show the offending part, maybe the password),
 *  LMKV_ENOMEM,
 *  LMKV_EPERM (credentials refused), LMKV_EIO (unreachable host, closed
 *  port, server error), LMKV_EVERSION. */
LMKV_API int lmkv_pg_connect(lmkv_pg **out, const char *conninfo);
/** Close the connection and free everything of the handle. NULL is fine. */
LMKV_API void lmkv_pg_close(lmkv_pg *pg);
/** The server's schema version (after lmkv_pg_connect: LMKV_PG_SCHEMA_VERSION). */
LMKV_API int lmkv_pg_schema_version(int *out, lmkv_pg *pg);
/** "user@host:port/db" of the connection, for messages (no password;
 *  owned by the handle). */
LMKV_API const char *lmkv_pg_label(const lmkv_pg *pg);

/** Options of lmkv_push (all may be 0/NULL). */
typedef struct lmkv_push_options {
    const char *machine;   /* the pushing machine's name; NULL = gethostname() */
    int full;              /* 1: resend every file (replace the server's copy) */
} lmkv_push_options;

/** What one push did. Counts are of rows sent in that push:
 *  files_sent counts the file versions whose records were sent,
 *  files_deleted the paths removed from the state's map, files_unchanged
 *  the paths the state already mapped to the same version. */
typedef struct lmkv_push_report {
    int64_t ws_key;             /* the server's key of (machine, root) */
    int64_t push_id;            /* row of lmkv.push; 0 when nothing was sent */
    uint64_t files_sent;        /* new or changed paths (their records sent) */
    uint64_t files_deleted;     /* paths removed from the server's state */
    uint64_t files_unchanged;   /* paths whose file version the server has */
    uint64_t symbols, calls, references;   /* records sent */
    uint64_t bytes;             /* COPY data bytes sent */
    int64_t state_key;          /* the server's key of (ws_key, state) */
    char state[48];             /* the state's name: HEAD's commit id (hex)
                                   or "latest" (see lmkv_push) */
    uint64_t files_mapped;      /* paths added to or changed in the state's
                                   map (their records sent only when the
                                   server lacks the version: files_sent) */
} lmkv_push_report;

/** Progress of a push: called in the caller's thread after each block of
 *  COPY data (about every 256 KiB) with the records sent so far of
 *  `total` to send. A non-zero return aborts the push (LMKV_ECONFLICT,
 *  rolled back). May be NULL. */
typedef int (*lmkv_push_progress_fn)(void *ctx, uint64_t sent, uint64_t total);

/** PUSH the current state of workspace `ws` of store `st` (schema's
 *  current map: the files versioning's last index session left current)
 *  to the server, as the state of (machine, the workspace's root path).
 *
 *  States. The server keeps every pushed state side by side: a state is
 *  (machine, workspace, name), the name being the workspace's HEAD commit
 *  id (hex) when every current file is HEAD's version (versioning's
 *  source LMKV_SOURCE_COMMIT: a clean checkout), else "latest" (the
 *  worktree's state: uncommitted edits, untracked files, a non-git
 *  workspace), which each such push replaces. Pushing another commit
 *  adds a state and leaves the others as they were, so two commits or
 *  branches, of one or several machines, are queryable side by side.
 *
 *  Incremental: the record rows (symbols, calls, references) are keyed by
 *  file version and shared by every state of the workspace that maps a
 *  path to that version (lmkv.file is the state -> file version map). The
 *  push sends the records of only the versions the server does not hold
 *  yet for the workspace (from any state: a new commit sends the files
 *  whose content differs from every state already pushed) and the state's
 *  map changes (paths new, changed, deleted relative to the state's
 *  previous push, or all paths for a new state). A push with no
 *  difference sends nothing (report: push_id 0, files_sent 0) and leaves
 *  the server as it was. opts->full resends every version's records.
 *
 *  Atomic: the whole push is ONE PostgreSQL transaction (rows streamed
 *  with COPY ... FROM STDIN), so a reader of the server sees each push
 *  whole or not at all; a push that fails (connection lost, server
 *  restarted, progress abort) is rolled back by the server and the next
 *  push sends the same difference again: no duplicate, no missing row.
 *  Two pushes of the same (machine, workspace) at once are serialised by
 *  the row lock of its lmkv.workspace row (the second waits, then sends
 *  what the first did not); pushes of different workspaces run in
 *  parallel.
 *
 *  The local read is one LMDB snapshot (a concurrent index session is seen
 *  entirely or not at all). *out (may be NULL) gets the report.
 *  Errors: LMKV_EINVAL, LMKV_NOTFOUND (ws not in the store), LMKV_EIO
 *  (server or connection), LMKV_ECONFLICT (aborted by progress), store
 *  read errors. After an error the handle stays usable when the
 *  connection is (a lost connection: reconnect with a new handle). */
LMKV_API int lmkv_push(lmkv_push_report *out, lmkv_pg *pg, lmkv_store *st, uint64_t ws,
                       const lmkv_push_options *opts, lmkv_push_progress_fn progress, void *ctx);

/** The server's key of workspace (machine, root). machine NULL: any
 *  machine; root NULL: any root; when several workspaces match,
 *  LMKV_EINVAL with a message listing how many (give both). None:
 *  LMKV_NOTFOUND. */
LMKV_API int lmkv_pg_workspace(int64_t *out_ws_key, lmkv_pg *pg, const char *machine, const char *root);

/** The server's key of a pushed state of workspace ws_key (from
 *  lmkv_pg_workspace), for the queries below. `state`: a commit id (hex,
 *  full or an unambiguous prefix of at least 4 digits) or "latest"; NULL:
 *  the state pushed most recently (what the machine pushed last: its
 *  current HEAD state). *out_name (may be NULL) gets the state's name,
 *  owned by the handle, valid until the next call on it. Errors:
 *  LMKV_EINVAL (NULL argument, a prefix shorter than 4 or matching
 *  several states), LMKV_NOTFOUND (no such state pushed), LMKV_EIO. */
LMKV_API int lmkv_pg_state(int64_t *out_state_key, const char **out_name, lmkv_pg *pg, int64_t ws_key,
                           const char *state);

/* ---------------------------------------------------------------- queries
 * The same queries as graph/lmkv_graph.h, over the pushed state
 * state_key (lmkv_pg_state), with the same arguments, bounds (limit 0 = LMKV_GRAPH_DEFAULT_LIMIT,
 * depth 0 = LMKV_GRAPH_DEFAULT_DEPTH, at most LMKV_GRAPH_MAX_DEPTH), order
 * and LMKV_NOTFOUND rules, so that `lmkv query --server` prints what
 * `lmkv query` prints. Each runs as one SQL statement (one snapshot).
 *
 * The simple lookups call fn per row with a record whose strings point
 * into the server's result: valid during the callback only. Fields not
 * stored on the server are 0/NULL (ids other than file_version_id, end
 * positions). The traversals fill an lmkv_graph_result owned by the handle,
 * valid until the next query on it or lmkv_pg_close. */

/** Callers of NAME: as lmkv_graph_callers (file version, extraction order). */
LMKV_API int lmkv_pg_callers(size_t *out_n, int *out_truncated, lmkv_pg *pg, int64_t state_key,
                             const char *name, size_t limit, lmkv_store_call_fn fn, void *ctx);
/** Callees of NAME: as lmkv_graph_callees. */
LMKV_API int lmkv_pg_callees(size_t *out_n, int *out_truncated, lmkv_pg *pg, int64_t state_key,
                             const char *name, size_t limit, lmkv_store_call_fn fn, void *ctx);
/** References to NAME: as lmkv_graph_refs. */
LMKV_API int lmkv_pg_refs(size_t *out_n, int *out_truncated, lmkv_pg *pg, int64_t state_key,
                          const char *name, size_t limit, lmkv_store_reference_fn fn, void *ctx);
/** Impact of NAME: as lmkv_graph_impact (a recursive CTE over callers and
 *  referrers; each name once at its shortest distance; (depth, name)). */
LMKV_API int lmkv_pg_impact(lmkv_graph_result *out, lmkv_pg *pg, int64_t state_key,
                            const char *name, unsigned depth, size_t limit);
/** Call paths FROM -> TO: as lmkv_graph_paths (shortest first, then byte
 *  order of the names; no repeated function). truncated = 1 when more
 *  paths of at most `depth` calls exist than `limit`. */
LMKV_API int lmkv_pg_paths(lmkv_graph_result *out, lmkv_pg *pg, int64_t state_key,
                           const char *from, const char *to, unsigned depth, size_t limit);
/** Cycles of the call graph: as lmkv_graph_cycles (components of more
 *  than one function or a self-call; largest first, then first name;
 *  names in byte order), from the transitive closure of the call edges
 *  (a recursive CTE) of the functions that both call and are called. */
LMKV_API int lmkv_pg_cycles(lmkv_graph_result *out, lmkv_pg *pg, int64_t state_key, size_t limit);

#ifdef __cplusplus
}
#endif
#endif /* LMKV_PUSH_H */
