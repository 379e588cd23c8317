/*
 * lmkv_versioning.h -- git-aware current state and incremental index
 * sessions (libgit2 1.5), semantic diff between commits, retention (gc).
 *
 * This header is the versioning module's only door and its specification.
 *
 * Model (docs/DESIGN.md; /work/shared/seeds/000 "Current State"):
 *  - A *worktree* is a workspace registered by its root directory. If the
 *    root is the working directory of a git repository, libgit2 reads HEAD,
 *    the tree at HEAD and the worktree status; an unborn HEAD (no commits),
 *    a detached HEAD and a non-git directory all work.
 *  - Every file is identified by its git blob id: for git files the id git
 *    itself computes, for worktree content (modified, untracked, non-git)
 *    git_odb_hash(GIT_OBJECT_BLOB) over the bytes on disk -- the same id.
 *    A *file version* is (workspace, path, blob id); its records are stored
 *    once (schema's content addressing), whatever commits contain it.
 *  - The *current state* maps each indexed path to one file version: for
 *    files unmodified relative to HEAD the HEAD commit's version (source
 *    LMKV_SOURCE_COMMIT), for modified/added/untracked files the latest
 *    indexed version (LMKV_SOURCE_LATEST), for non-git workspaces always the
 *    latest. The map is written through the schema store, which bumps the
 *    workspace's state generation, so graph queries and cache lookups see
 *    exactly the current state and can cache by generation.
 *  - Content indexed once, under any commit or none and under any path, is
 *    never analysed again (issue 5 point 3): switching HEAD between indexed
 *    branches costs only the resolution (status + one map update). The path
 *    is part of a version's identity (records carry it and ids derive from
 *    it), so a renamed, moved or copied file is a new file version; when its
 *    bytes (blob id) are stored under another path with the same file-name
 *    extension, the new version is stored from that version's records,
 *    re-pathed by schema's lmkv_store_copy_file (symbol, call and reference
 *    ids derived from the new path; names, positions and order as they
 *    were), without calling the analyser. This is exactly what analysing
 *    the new path would store because of the analyser contract below
 *    (records depend on the bytes and the extension only). Paths with
 *    another extension (a.c -> a.h) are analysed: an analyser may treat
 *    languages differently, and the version's language comes from it.
 *
 * Index sessions follow the contract of codira's begin_index_session
 * (/work/shared/seeds/001, 003): the session receives (or computes from git
 * status and the stored state) the changed, deleted and unchanged path sets;
 * it calls the ANALYSER once per changed path whose content is stored under
 * no path of the same extension (and once for bytes that several new paths
 * share: the others are copied from that analysis); analysed files are persisted in bounded batches; a file that
 * fails to analyse leaves no visible rows and is reported; an unchanged
 * workspace opens no write transaction at all; readers never see a half
 * indexed file (a file version becomes visible only when the current map,
 * swapped in one transaction at the end, points at it).
 *
 * Conventions: as kv/lmkv_kv.h -- every function returns LMKV_OK or a
 * negative LMKV_E* code and sets the per-thread message (lmkv_errmsg());
 * out-parameters come first and are set only on success; free functions
 * accept NULL. Paths are workspace-relative, '/'-separated, UTF-8 bytes as
 * stored by git (no leading "./"), NUL-terminated.
 *
 * Thread-safety: an lmkv_worktree (and everything made from it: sessions,
 * reports) is used by one thread at a time (libgit2 repository objects are
 * not safe for concurrent use). Several worktree handles on the same
 * database may be used from different threads or processes; writers are
 * serialised by the database's single write transaction.
 */
#ifndef LMKV_VERSIONING_H
#define LMKV_VERSIONING_H

#include "lmkv_schema.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Hex length of a git object id (SHA-1) and the buffer size holding it. */
#define LMKV_OID_HEXLEN 40
#define LMKV_OID_HEXSZ  41

/* ================================================================ worktree */

/** A workspace root opened for versioning: the git repository (if any),
 *  the store it is registered in and the workspace id. Opaque. */
typedef struct lmkv_worktree lmkv_worktree;

/** Flags of lmkv_worktree_open(). */
enum lmkv_worktree_flags {
    /** Treat the root as a non-git directory even if it is a repository. */
    LMKV_WORKTREE_NO_GIT = 1u << 0
};

/**
 * Open the workspace rooted at `root` in store `st` (schema STORE section,
 * opened with lmkv_store_open on the database). Registering the Workspace
 * record is done by the first index session (this call opens no write
 * transaction).
 *
 * @param out   receives the handle; free with lmkv_worktree_free().
 * @param st    open store; must outlive the handle. Borrowed.
 * @param root  directory; canonicalised with realpath(3). If it is the
 *              working directory of a git repository (git_repository_open_ext
 *              with GIT_REPOSITORY_OPEN_NO_SEARCH: the root itself, not a
 *              parent, holds .git) the workspace is git-aware, else it is a
 *              non-git workspace. A bare repository is refused.
 *              libgit2 is initialised (git_libgit2_init, once per process)
 *              only when root may be a repository (root/.git exists, or
 *              root holds HEAD and objects/) and LMKV_WORKTREE_NO_GIT is
 *              not given: its initialisation parses the system's CA bundle
 *              (~4.5 ms), which a non-git workspace never pays.
 * @param flags lmkv_worktree_flags.
 * @return LMKV_OK; LMKV_EINVAL (NULL argument, unknown flag, root not a
 *         directory, bare repository); LMKV_NOTFOUND (root does not exist);
 *         LMKV_EGIT (libgit2 failed to open the repository; its message is
 *         in lmkv_errmsg(); also when libgit2's owner check refuses a
 *         root/.git owned by another user and not listed in git's
 *         safe.directory: the message names both uids and the way out,
 *         instead of the root silently becoming a non-git workspace);
 *         LMKV_ENOMEM.
 */
LMKV_API int lmkv_worktree_open(lmkv_worktree **out, lmkv_store *st,
                                const char *root, unsigned flags);

/** Close the handle (and its git repository). NULL is fine. */
LMKV_API void lmkv_worktree_free(lmkv_worktree *wt);

/** The canonical root directory (no trailing '/'). Valid while wt lives. */
LMKV_API const char *lmkv_worktree_root(const lmkv_worktree *wt);

/** The workspace id (schema's Workspace id) of this root. */
LMKV_API uint64_t lmkv_worktree_id(const lmkv_worktree *wt);

/** The store the worktree was opened on (borrowed). */
LMKV_API lmkv_store *lmkv_worktree_store(const lmkv_worktree *wt);

/** 1 when the workspace is a git repository, else 0. */
LMKV_API int lmkv_worktree_is_git(const lmkv_worktree *wt);

/** Git state of the worktree (what libgit2 reports right now). */
struct lmkv_head_info {
    int is_git;                   /* 0: non-git; all fields below are empty  */
    int unborn;                   /* HEAD names a branch with no commit yet  */
    int detached;                 /* HEAD points at a commit, not a branch   */
    char commit[LMKV_OID_HEXSZ];  /* HEAD commit hex id, "" if unborn/non-git */
    char branch[256];             /* short branch name ("main"), "" if detached
                                     or non-git; unborn: the branch HEAD names */
};

/**
 * Read HEAD (git_repository_head, git_repository_head_unborn,
 * git_repository_head_detached). Reads git only; no database access.
 * @return LMKV_OK (also for non-git: is_git = 0); LMKV_EINVAL; LMKV_EGIT.
 */
LMKV_API int lmkv_worktree_head(struct lmkv_head_info *out, lmkv_worktree *wt);

/**
 * Compute the git blob id of `len` bytes of file content, exactly as
 * `git hash-object` (SHA-1 of "blob <len>\0" and the bytes), into hex `out`
 * (LMKV_OID_HEXSZ bytes, NUL-terminated). Used for worktree and non-git
 * content. SHA-1 by GNU Nettle (Debian's nettle-dev; sha1_init/update/digest):
 * needs no libgit2 initialisation (which parses the system's CA bundle) and
 * hashes faster than libgit2 1.5's git_odb_hash. Unlike git (which uses
 * SHA-1DC), content crafted for a known SHA-1 collision attack is hashed
 * like any other, not refused. Thread-safe. @return LMKV_OK; LMKV_EINVAL (NULL out, or NULL
 * content with len > 0).
 */
LMKV_API int lmkv_blob_id(char out[LMKV_OID_HEXSZ], const void *content, size_t len);

/* ================================================================ analyser */

/** Where an analyser puts the records of one file. Opaque; owned by the
 *  session; valid only during the analyser call it is passed to. All
 *  strings given to lmkv_analysis_add_* are copied. */
typedef struct lmkv_analysis lmkv_analysis;

/** Positions: lines and columns are 1-based as ctags and cflow report them
 *  (0 = unknown); columns count bytes. */

/** A symbol definition or declaration (LSP DocumentSymbol terms). */
struct lmkv_analysis_symbol {
    const char *name;           /* required: short name ("mdb_get")          */
    const char *qualified_name; /* unique within the file's language scope,
                                   e.g. "mdb_get", "MDB_env.me_path"; never
                                   the file's path or name (see the analyser
                                   contract); NULL = name                    */
    int kind;                   /* LSP SymbolKind 1..26 (12 Function,
                                   23 Struct, 8 Field, 13 Variable,
                                   14 Constant, 10 Enum, 22 EnumMember,
                                   26 TypeParameter...) or 255 Macro
                                   (LMKV_SK_MACRO: #define, macro_rules!) */
    const char *signature;      /* e.g. "(MDB_txn *txn, MDB_dbi dbi)";
                                   NULL = none. Compared by lmkv_diff_commits */
    const char *parent;         /* qualified name of the enclosing symbol
                                   (type hierarchy / containment), NULL = top */
    uint32_t line, column;      /* start                                     */
    uint32_t end_line;          /* last line of the definition, 0 = unknown  */
    uint32_t end_column;        /* 0 = unknown                               */
    uint32_t flags;             /* LMKV_ANALYSIS_SYM_*                       */
};
enum lmkv_analysis_symbol_flags {
    LMKV_ANALYSIS_SYM_DEFINITION = 1u << 0, /* else a declaration/prototype */
    LMKV_ANALYSIS_SYM_STATIC     = 1u << 1  /* file-local linkage           */
};

/** A call site: `caller` (qualified name of a symbol of this file) calls
 *  `callee` (name as written; resolved by graph/ at query time).
 *  Stored ids (schema Call caller_id/callee_id, Reference source_id/
 *  target_id, Hierarchy parent_id/child_id, Symbol parent_id): a name is
 *  resolved inside the same file to the FIRST DEFINITION with that
 *  qualified name (LMKV_ANALYSIS_SYM_DEFINITION), else to the first symbol
 *  with it (a prototype), else 0; O(1) per name (a hash table per file). */
struct lmkv_analysis_call {
    const char *caller;         /* required */
    const char *callee;         /* required */
    uint32_t line, column;      /* of the call expression                    */
    int call_type;              /* schema CallType: 0 Direct, 1 Virtual,
                                   2 Callback, 3 Async                       */
    int argument_count;         /* -1 = unknown (0 is read as 0 arguments)   */
};

/** A reference to a name (use that is not a call or a definition). */
struct lmkv_analysis_reference {
    const char *name;           /* required: referenced name                 */
    const char *from;           /* qualified name of the enclosing symbol,
                                   NULL = file scope                         */
    int kind;                   /* schema ReferenceKind: 0 Use, 1 Import,
                                   2 Type, 3 Call, 4 Read, 5 Write,
                                   6 FunctionPointer (a function named as a
                                   value, not called)                        */
    uint32_t line, column;
};

/** A hierarchy edge other than containment (containment comes from
 *  lmkv_analysis_symbol.parent): `child` extends/implements `parent`. */
struct lmkv_analysis_hierarchy {
    const char *parent;         /* required: qualified name                  */
    const char *child;          /* required: qualified name                  */
    int kind;                   /* schema HierarchyKind: 0 Contains,
                                   1 Extends, 2 Implements                   */
};

/**
 * Add one record to the file being analysed. Copies every string.
 * The records become schema Symbol/Call/Reference/Hierarchy records of the
 * file version (ids computed by schema; the order of calls is kept).
 * @return LMKV_OK; LMKV_EINVAL (a required field is NULL or empty, kind
 *         out of 1..26, a string over 64 KiB, or `a` is not the sink of the
 *         running analyser call); LMKV_ENOMEM.
 */
LMKV_API int lmkv_analysis_add_symbol(lmkv_analysis *a, const struct lmkv_analysis_symbol *sym);
LMKV_API int lmkv_analysis_add_call(lmkv_analysis *a, const struct lmkv_analysis_call *call);
LMKV_API int lmkv_analysis_add_reference(lmkv_analysis *a, const struct lmkv_analysis_reference *ref);
LMKV_API int lmkv_analysis_add_hierarchy(lmkv_analysis *a, const struct lmkv_analysis_hierarchy *edge);

/**
 * Set a one-line reason before returning an error from the analyser; it
 * appears in the session report. Copied; truncated to 1 KiB.
 */
LMKV_API void lmkv_analysis_set_error(lmkv_analysis *a, const char *message);

/**
 * Say which language the file was read as and which frontend made its
 * records (e.g. "c", "libclang 14.0.6"; "python", "tree-sitter-python
 * 0.23.6"). Stored in the file version's record (FileVersion.language,
 * FileVersion.frontend) and every Symbol's language. Without this call the
 * language comes from the path's extension (c/h -> "c", cc/cpp/cxx/hpp/hh
 * -> "cpp", rs, py, go, js, ts) and the frontend is absent. May be called
 * again (the last call wins); strings are copied.
 * @param language lowercase name ([a-z0-9+#_-], at most 64 bytes), NULL =
 *        from the extension.
 * @param frontend free text of at most 64 KiB, NULL = absent.
 * @return LMKV_OK; LMKV_EINVAL (a is NULL or not the sink of the running
 *         analyser call, or a bad language name); LMKV_ENOMEM.
 */
LMKV_API int lmkv_analysis_set_language(lmkv_analysis *a, const char *language, const char *frontend);

/**
 * The ANALYSER: turn one file's content into records.
 * @param a        sink for the records (see above).
 * @param path     workspace-relative path of the file.
 * @param content  the file's bytes (worktree content, or the git blob's for
 *                 a commit that is not checked out); not NUL-terminated;
 *                 valid only during the call.
 * @param len      number of bytes.
 * @param ctx      the caller's pointer given to the session.
 * @return LMKV_OK, or any non-zero value = the file failed: everything added
 *         to `a` is discarded, the file leaves no visible rows, and the
 *         failure (path, code, message) is reported -- except
 *         LMKV_ECONFLICT, which stops the whole run (e.g. on SIGINT): the
 *         session returns LMKV_ECONFLICT without swapping the current map,
 *         so nothing of the run becomes visible.
 * Threads: with lmkv_index_options.threads 1 the analyser is called from
 * the thread running the session, once per file, in path order. With more
 * (LMKV_INDEX_THREADS_ONLINE: the online CPUs) it is called from that many worker
 * threads at once, each call with its own sink `a` (a sink belongs to one
 * call and one thread), in path order of the calls' starts but
 * overlapping: the analyser and `ctx` must be safe to call concurrently
 * with different sinks (lmkv_analyser_analyse is; state it keeps per call,
 * such as a parser or libclang's CXIndex, must be per thread). Storage
 * never runs in those threads: records are stored by the session's thread
 * in path order, so the stored result does not depend on `threads`. A
 * LMKV_ECONFLICT from any call stops the run as above; the session joins
 * its threads before it returns; they block every signal (handlers run in
 * the caller's threads). The semantic diff (lmkv_diff_commits)
 * calls the analyser from its own thread only.
 * Contract: the records must be a function of the bytes and of the
 * extension of the file name (the part of its last component after the last
 * '.'), not of the rest of the path: no directory or file name in a name,
 * signature or qualified name ("static_fn", not "midl.c:static_fn"). Sessions
 * and lmkv_diff_commits rely on it to store a renamed or copied file from
 * the records of the same bytes under another path of the same extension
 * instead of calling the analyser (see the model above). lmkv's C extractor
 * (tools/lmkv/extract_c.c: ctags and cflow run on a copy named by the
 * path's basename) keeps it. Records that also depend on other files (e.g.
 * references resolved against the names the workspace had when the file
 * was analysed) are reused as they were, as for any stored version.
 */
typedef int (*lmkv_analyser_fn)(lmkv_analysis *a, const char *path,
                                const void *content, size_t len, void *ctx);

/** Which files belong to the index (e.g. only *.c and *.h): return 1 to
 *  include `path`, 0 to leave it out. NULL filter = every regular file. */
typedef int (*lmkv_path_filter_fn)(const char *path, void *ctx);

/* =========================================================== index session */

/** An index session (one run of indexing over a worktree). Opaque. */
typedef struct lmkv_index_session lmkv_index_session;

enum lmkv_index_flags {
    /** Re-analyse every selected file even if its version (or its content
     *  under another path) is stored: nothing is reused or copied; the
     *  stored records of those versions are replaced. */
    LMKV_INDEX_FULL    = 1u << 0,
    /** Resolve only: never call the analyser; paths whose content is stored
     *  under another path are still stored from it (`copied`: no analysis),
     *  the others whose version is not stored are reported as `pending` and
     *  left out of the current map. */
    LMKV_INDEX_RESOLVE = 1u << 1,
    /** Bulk load: each write transaction is a store bulk session
     *  (lmkv_store_session_set_bulk): records written per tree in key order,
     *  appended past each tree's last key. Same stored result, faster for
     *  many files; appended inserts produce no in-process watch_prefix
     *  events, so leave it off where subscribers watch the store trees. */
    LMKV_INDEX_BULK    = 1u << 2
};

struct lmkv_index_options {
    unsigned flags;                  /* lmkv_index_flags                     */
    /* Restrict the session to these workspace-relative files or directory
     * prefixes ("src" selects "src/..."); NULL/0 = the whole worktree.
     * Paths outside the selection keep their current mapping untouched. */
    const char *const *paths;
    size_t npaths;
    lmkv_path_filter_fn filter;      /* NULL = every regular file            */
    void *filter_ctx;
    /* Identity of the analyser ("lmkv-extract-c 1"); stored per workspace.
     * When it differs from the stored one every selected file is analysed
     * again (as LMKV_INDEX_FULL). NULL = "". */
    const char *analyser_id;
    size_t batch_files;              /* files per write transaction, 0 = 64  */
    uint64_t max_file_bytes;         /* larger files are skipped: counted in
                                        `skipped`, listed in `skips` (path,
                                        LMKV_ETOOBIG, size); their current
                                        mapping is removed; 0 = 16 MiB       */
    /* A write transaction also commits after the file that takes it to
     * batch_writes key writes (lmkv_store_session_pending: records and
     * index entries), which bounds its memory (~550 bytes per write until
     * commit: the store's bulk buffers, kv's replay log, LMDB's dirty
     * pages); a file is never split. 0 = 131072. */
    size_t batch_writes;
    /* Analysis threads: run() analyses the files of
     * lmkv_index_session_pending_paths ahead, in `threads` worker threads
     * (each reads a file, hashes it and calls the analyser with its own
     * sink), while the session's thread stays the only writer and stores
     * them in path order: the stored result is the same as with 1. At most
     * 2 x threads files are analysed but not yet stored at any time, so
     * memory grows by up to that many files' bytes and records (each
     * within the analyser's per-file bound, e.g. lmkv_analysis.h's).
     * 0 or 1 = no threads: the analyser runs in the session's thread (so
     * an analyser written before this option need not be thread-safe);
     * LMKV_INDEX_THREADS_ONLINE = the online CPUs (sysconf
     * _SC_NPROCESSORS_ONLN; what `lmkv index` uses unless --jobs); at most
     * 64. With more than 1 the analyser must be thread-safe (see
     * lmkv_analyser_fn). */
    unsigned threads;
};
/** lmkv_index_options.threads: one analysis thread per online CPU. */
#define LMKV_INDEX_THREADS_ONLINE 0xffffffffu

/** A file that failed to analyse or to read, or that was skipped. */
struct lmkv_index_failure {
    char *path;                      /* workspace-relative                   */
    int error;                       /* analyser's return value or LMKV_E*:
                                        LMKV_EIO unreadable (permissions,
                                        I/O, replaced by a non-regular file),
                                        LMKV_NOTFOUND removed after it was
                                        listed, LMKV_ETOOBIG over
                                        max_file_bytes                       */
    char *message;                   /* analyser's or lmkv's reason, without
                                        the path ("reading: Permission
                                        denied")                             */
};

/** What a session did. Counts are of files (paths). */
struct lmkv_index_report {
    size_t analysed;     /* analyser called and succeeded                   */
    size_t reused;       /* changed path whose content version was stored   */
    size_t copied;       /* changed path whose content was stored under
                            another path only (renamed, copied, moved back):
                            stored again from those records, no analysis   */
    size_t unchanged;    /* current mapping already right; nothing done     */
    size_t deleted;      /* path removed from the current state             */
    size_t failed;       /* analyser or read failed: nothing of the file
                            stored. A file the plan could not read (it is
                            hashed there) keeps its current mapping, if
                            any; one that fails later (analysis, a read
                            in run()) loses it                             */
    size_t skipped;      /* filtered out by size (max_file_bytes)           */
    size_t pending;      /* LMKV_INDEX_RESOLVE: version not stored          */
    size_t write_txns;   /* write transactions opened (0 on a warm run)     */
    struct lmkv_head_info head;          /* HEAD the state was resolved at  */
    uint64_t generation;                 /* workspace state generation after */
    struct lmkv_index_failure *failures; /* `failed` entries, path order    */
    uint64_t analysis_wait_ns;           /* wall time the session's thread
                                            spent in the analyser (threads
                                            1) or waiting for the analysis
                                            threads' next file: the part of
                                            run() that is not storage      */
    struct lmkv_index_failure *skips;    /* `skipped` entries, path order:
                                            error LMKV_ETOOBIG, message
                                            "N bytes, over max_file_bytes (M)" */
};
/** Free the memory inside a report (not the struct itself). NULL is fine. */
LMKV_API void lmkv_index_report_clear(struct lmkv_index_report *r);

/**
 * Begin a session. Validates and copies the options; reads nothing yet (HEAD
 * and the worktree are read by plan()/set_plan(), the stored state in a read
 * transaction there). Opens no transaction. The session is used by one
 * thread at a time and must not outlive `wt`.
 * @param opts NULL = defaults (everything zero). Copied (paths included).
 * @return LMKV_OK; LMKV_EINVAL (NULL, unknown flag, npaths without paths,
 *         a path that is absolute or has a ".." component); LMKV_ENOMEM.
 */
LMKV_API int lmkv_index_session_begin(lmkv_index_session **out, lmkv_worktree *wt,
                                      const struct lmkv_index_options *opts);

/**
 * Compute the plan from git status (libgit2 git_status_list_new with
 * untracked files, renames detected, ignored files excluded) and the stored
 * state, in a read transaction only: every selected file of the worktree is
 * hashed (git's index stat cache is used for tracked files whose stat data
 * match, else the bytes are hashed) and classified as changed (no current
 * mapping or a different version), unchanged, or deleted (currently mapped
 * but gone from the worktree). Called implicitly by run() when no plan was
 * set. A selected file that cannot be read here (permissions, an I/O
 * error, removed or replaced by a non-regular file after git status or the
 * directory walk listed it) is not an error of the plan: run() reports it
 * in `failures` (path, LMKV_EIO or LMKV_NOTFOUND, "reading: " + errno's
 * text) and keeps its current mapping, if any; the other files index.
 * @return LMKV_OK; LMKV_EGIT; LMKV_EIO (a directory cannot be listed);
 * store read errors.
 */
LMKV_API int lmkv_index_session_plan(lmkv_index_session *s);

/**
 * Give the plan explicitly instead (e.g. from a file watcher): `changed`
 * paths are read from the worktree and hashed (one that does not exist is
 * deleted; one that cannot be read fails as in plan()), `deleted` paths
 * are removed from the current state, `unchanged` paths are left as they
 * are. The arrays are copied. A path may appear in only one set.
 * @return LMKV_OK; LMKV_EINVAL (duplicate path, absolute path or ".."
 *         component); LMKV_ENOMEM.
 */
LMKV_API int lmkv_index_session_set_plan(lmkv_index_session *s,
                                         const char *const *changed, size_t nchanged,
                                         const char *const *deleted, size_t ndeleted,
                                         const char *const *unchanged, size_t nunchanged);

/**
 * The paths run() will give to the analyser, in path order (changed paths
 * whose content is stored under no path of the same extension, once per
 * distinct content and extension -- the first such path; every changed path
 * with LMKV_INDEX_FULL). Paths to be copied from another path's version are
 * not listed (run() analyses one only if that copy turns out impossible,
 * e.g. the source was removed meanwhile by gc). For analysers that need a pre-pass over exactly those
 * files (e.g. collecting their symbol names before references are resolved).
 * *out_paths is borrowed: valid until the session is freed.
 * @return LMKV_OK; LMKV_EINVAL (NULL, or no plan yet); LMKV_ENOMEM.
 */
LMKV_API int lmkv_index_session_pending_paths(const char *const **out_paths, size_t *out_n,
                                              lmkv_index_session *s);

/** Sizes of the plan (after plan() or set_plan()). */
LMKV_API int lmkv_index_session_plan_counts(size_t *out_changed, size_t *out_deleted,
                                            size_t *out_unchanged,
                                            const lmkv_index_session *s);

/**
 * Run the session: for each changed path, reuse the stored file version of
 * its content (`reused`); else, when the same bytes are stored under
 * another path with the same extension (a rename, move or copy, in this
 * worktree or in any indexed commit) or were analysed earlier in this run
 * under another such path, store the path's version from those records
 * with lmkv_store_copy_file (`copied`: the analyser is not called, also
 * with LMKV_INDEX_RESOLVE); else call `analyser` (not called with
 * LMKV_INDEX_RESOLVE or when `analyser` is NULL: then the path is
 * `pending`). Copies from versions stored before the run are written
 * first. The analyser gets the bytes the plan hashed when the plan kept
 * them (set_plan with at most 16 changed paths, or a plan that hashed at
 * most 16 files: an edit reads and hashes each file once); otherwise the
 * file is read again and, if it changed meanwhile, stored under the id of
 * the bytes read. Stored and copied files are persisted through schema's write
 * sessions in transactions of at most batch_files files (fewer when they
 * reach batch_writes key writes); then swap the current map (and the latest map, and the
 * HEAD commit's record) in one write transaction. When nothing changes, no
 * write transaction is opened (report->write_txns == 0).
 * A session runs once; free it afterwards.
 * @param out receives the report (clear with lmkv_index_report_clear()),
 *        also filled on failure as far as the run went.
 * @return LMKV_OK (also when files failed: see out->failed); store errors
 *         (LMKV_EFULL, LMKV_EIO, ...), after which no partial current state
 *         is visible (the file versions already written are unreferenced
 *         and removed by gc); LMKV_ECONFLICT (the analyser returned it: the
 *         run stopped, as for store errors); LMKV_EINVAL (session already run).
 */
LMKV_API int lmkv_index_session_run(struct lmkv_index_report *out, lmkv_index_session *s,
                                    lmkv_analyser_fn analyser, void *ctx);

/** Free a session (run or not; a session not run changes nothing). */
LMKV_API void lmkv_index_session_free(lmkv_index_session *s);

/** begin + plan + run + free in one call. */
LMKV_API int lmkv_index_worktree(struct lmkv_index_report *out, lmkv_worktree *wt,
                                 const struct lmkv_index_options *opts,
                                 lmkv_analyser_fn analyser, void *ctx);

/* =========================================================== current state */

/** Where a path's records come from in the current state: schema's
 *  enum lmkv_store_source (LMKV_SOURCE_COMMIT = 1: the HEAD commit's
 *  version of an unmodified file; LMKV_SOURCE_LATEST = 2: the latest indexed
 *  worktree version), plus LMKV_SOURCE_NONE: not in the current state
 *  (never indexed, failed, or deleted). */
#define LMKV_SOURCE_NONE 0

/** Worktree status of a path relative to HEAD (bit set; 0 = unmodified). */
enum lmkv_wt_status {
    LMKV_WT_MODIFIED   = 1u << 0,
    LMKV_WT_ADDED      = 1u << 1, /* staged new file                         */
    LMKV_WT_DELETED    = 1u << 2,
    LMKV_WT_UNTRACKED  = 1u << 3,
    LMKV_WT_RENAMED    = 1u << 4, /* old_path says from where                */
    LMKV_WT_TYPECHANGE = 1u << 5,
    LMKV_WT_NOGIT      = 1u << 6  /* non-git workspace                       */
};

struct lmkv_current_entry {
    char *path;
    char *old_path;                /* renamed: previous path, else NULL       */
    unsigned status;               /* lmkv_wt_status bits                     */
    int source;                    /* lmkv_source                             */
    uint64_t file_version;         /* schema file-version id, 0 if NONE       */
    char blob[LMKV_OID_HEXSZ];     /* blob id of the mapped version, or ""    */
    char commit[LMKV_OID_HEXSZ];   /* source COMMIT: the commit, else ""      */
};

struct lmkv_current_info {
    struct lmkv_head_info head;    /* git state right now                     */
    char indexed_commit[LMKV_OID_HEXSZ]; /* HEAD when the state was written   */
    int stale;                     /* 1: HEAD moved since the last index, or a
                                      path of the stored current state was
                                      edited, deleted or changed source; run
                                      an index session. (New untracked files
                                      do not count: the index's filter is not
                                      known here.)                            */
    uint64_t generation;           /* the store's workspace state generation  */
    size_t nentries;               /* entries, sorted by path: every path of
                                      the stored current state plus every
                                      modified/untracked/deleted path          */
    struct lmkv_current_entry *entries;
};

/**
 * Describe the current state: HEAD, the stored current map and, for each
 * path, its worktree status and where its records come from. Read-only (one
 * read transaction, git status). @param out free with lmkv_current_info_free.
 * @return LMKV_OK; LMKV_NOTFOUND (the workspace was never indexed);
 *         LMKV_EGIT; store read errors.
 */
LMKV_API int lmkv_current_info_get(struct lmkv_current_info **out, lmkv_worktree *wt);
LMKV_API void lmkv_current_info_free(struct lmkv_current_info *info);

/**
 * Look up the current file version of one path (what queries see).
 * Read-only. @return LMKV_OK; LMKV_NOTFOUND (path not in the current state).
 */
LMKV_API int lmkv_current_file_version(uint64_t *out_file_version, int *out_source,
                                       lmkv_worktree *wt, const char *path);

/**
 * Make `fv` the latest and the current version of `path` in workspace `ws`
 * (current source LATEST), as an index session does for a file it analysed
 * outside git. For records that come from elsewhere than an index session:
 * lmdb-migrate's typed import of the daemon's call graph calls it. The
 * current map and the latest mappings are versioning's (see lmkv_graph.h):
 * other modules change them only through this call and index sessions.
 * @param s        the caller's store session: the change is part of its write
 *                 transaction (visible, atomically with the records, when the
 *                 session commits; nothing when it aborts).
 * @param ws       workspace id (lmkv_workspace_id).
 * @param path     workspace-relative path, `path_len` bytes (no NUL needed).
 * @param fv       the file version id (lmkv_file_version_id); its records may
 *                 be put before or after in the same session.
 * Same thread as the session. The state generation moves once per session
 * if anything changed; the same fv again is a no-op.
 * @return LMKV_OK; LMKV_EINVAL (NULL session or path, empty path, fv 0);
 *         LMKV_EBADTXN (session ended); kv errors.
 */
LMKV_API int lmkv_current_set_latest(lmkv_store_session *s, uint64_t ws, const char *path, size_t path_len,
                                     uint64_t fv);

/* ============================================================ semantic diff */

enum lmkv_change_kind { LMKV_CHANGE_ADDED = 1, LMKV_CHANGE_REMOVED = 2, LMKV_CHANGE_MODIFIED = 3 };

/** One symbol that differs between commit A and commit B. */
struct lmkv_symbol_change {
    int change;                /* lmkv_change_kind                           */
    int kind;                  /* LSP SymbolKind                             */
    char *qualified_name;
    char *path;                /* in B (added/modified) or A (removed)       */
    char *old_path;            /* modified: path in A, else NULL             */
    char *old_signature;       /* removed/modified: signature in A, or NULL  */
    char *new_signature;       /* added/modified: signature in B, or NULL    */
    uint32_t old_line, new_line;
};

struct lmkv_semdiff {
    char a[LMKV_OID_HEXSZ], b[LMKV_OID_HEXSZ]; /* resolved commit ids       */
    size_t added, removed, modified;
    size_t nchanges;               /* sorted by qualified_name, kind, path   */
    struct lmkv_symbol_change *changes;
    size_t analysed;               /* file versions analysed for this diff   */
    size_t copied;                 /* file versions stored for this diff from
                                      the records of the same content under
                                      another path (no analysis)             */
};

/**
 * Semantic diff of two commits (as codegraph's compare_commits, seed 002):
 * symbol definitions are matched by (qualified name, kind) -- and by path
 * when a name occurs in several files -- and reported added, removed, or
 * modified when their signature differs. Only files whose blob differs
 * between the two trees are compared (git_diff_tree_to_tree), so moving
 * nothing costs nothing.
 * @param rev_a, rev_b any revspec git_revparse_single accepts ("HEAD~2",
 *        "main", a hex prefix); must resolve to commits.
 * @param analyser when a needed file version is not stored it is stored
 *        from the same content under another path of the same extension
 *        (lmkv_store_copy_file: a rename between the commits; counted in
 *        `copied`), else analysed (content from the git blob); NULL = use
 *        stored versions (and such copies) only and fail with LMKV_NOTFOUND
 *        naming the first missing path.
 *        The versions it stores are reused by later index sessions, so it
 *        must give the records the indexing analyser would give.
 * @param opts filter/analyser_id/max_file_bytes are used; NULL = defaults.
 * @return LMKV_OK; LMKV_EINVAL; LMKV_NOTFOUND (revspec does not resolve,
 *         or version not stored and no analyser); LMKV_EGIT; store errors.
 *         Free *out with lmkv_semdiff_free().
 */
LMKV_API int lmkv_diff_commits(struct lmkv_semdiff **out, lmkv_worktree *wt,
                               const char *rev_a, const char *rev_b,
                               const struct lmkv_index_options *opts,
                               lmkv_analyser_fn analyser, void *ctx);
LMKV_API void lmkv_semdiff_free(struct lmkv_semdiff *d);

/* ====================================================================== gc */

struct lmkv_gc_options {
    /* The commits whose mappings index sessions wrote ("indexed commits")
     * that are not reachable from any local branch (refs/heads) nor HEAD
     * (git_graph_descendant_of), or no longer exist, are dropped. With
     * max_age_seconds > 0, indexed commits whose git commit time is older
     * than now - max_age_seconds are dropped too, except HEAD and branch
     * tips. File versions referenced by no remaining commit mapping, nor by
     * the current or latest map, are then removed with their records and
     * index entries (lmkv_store_remove_file), and the LSP cache entries of
     * their paths whose content version is not the path's current one
     * (lmkv_cache_invalidate). Non-git workspaces have no commits: gc
     * removes the versions that neither the current nor the latest map use
     * (worktree versions superseded by later edits). */
    int64_t max_age_seconds;     /* 0 = no age limit                          */
    int64_t now;                 /* seconds since the epoch; 0 = time(NULL)   */
    int dry_run;                 /* count only; no write transaction          */
    size_t batch_versions;       /* versions removed per transaction, 0 = 256 */
};

struct lmkv_gc_report {
    size_t commits_kept, commits_dropped;   /* indexed commits            */
    size_t versions_kept, versions_removed; /* file versions (dry run:
                                               what would be kept/removed) */
    size_t write_txns;                      /* 0 for a dry run            */
};

/**
 * Remove versions no longer needed, in bounded transactions: a commit's
 * mappings are removed batch_versions at a time, dead file versions
 * batch_versions per transaction, cache entries one path per transaction.
 * The current state is never touched, so readers see no change. A crash
 * between transactions leaves a consistent database (what is left
 * unreferenced is removed by the next gc). Reads the indexed-commit list
 * from the Workspace record's metadata (see versioning/vstore.c).
 * @return LMKV_OK (also when the workspace was never indexed: nothing to
 *         do); LMKV_EINVAL (NULL, negative max age); LMKV_EGIT; store errors
 *         (the transactions committed before stay committed).
 */
LMKV_API int lmkv_gc_run(struct lmkv_gc_report *out, lmkv_worktree *wt,
                         const struct lmkv_gc_options *opts);

#ifdef __cplusplus
}
#endif
#endif /* LMKV_VERSIONING_H */
