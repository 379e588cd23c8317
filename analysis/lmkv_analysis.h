/*
 * lmkv_analysis.h -- in-process analysers: one file's bytes -> Symbols,
 * Calls, References and Hierarchy records, per language, through a
 * frontend (libclang for C and C++, tree-sitter for the others).
 *
 * This header is the analysis module's only door and its specification.
 * Layering: analysis -> versioning (the analyser sink, lmkv_analysis_add_*)
 * -> schema -> kv. The CLI (`lmkv index`), versioning's index sessions, the
 * Rust binding and the daemon share it: an lmkv_analyser is the `ctx` of
 * lmkv_analyser_analyse, which is an lmkv_analyser_fn, and of
 * lmkv_analyser_filter, which is an lmkv_path_filter_fn.
 *
 * Dispatch (analysis/analysis.c, docs/DESIGN.md "Analysis"): a table of
 * languages {name, file-name extensions, shebang interpreters, frontend}.
 * A path's language is the one whose extensions hold the part of its last
 * component after the last '.' (case-sensitive: "c" and "h" are C, "C" and
 * "H" are C++, as gcc and clang read them); a file with no known extension
 * whose first line is "#!" names its interpreter (the basename of the
 * first word, or of the first non-option word after `env`, trailing
 * version digits and dots dropped: "python3.11" -> "python"). Languages
 * outside the analyser's language filter, and languages whose frontend is
 * not built in, select nothing. The language and frontend that made a
 * file's records are stored in its FileVersion (language, frontend) and
 * Symbols (language) through lmkv_analysis_set_language.
 *
 * The analyser contract of lmkv_versioning.h holds: records are a function
 * of the bytes and of the extension (and, for C/C++, of the compile flags:
 * see below) -- never of the directory or file name.
 *
 * C and C++ (libclang 14, the clang clangd 14 is built on): each file is
 * parsed alone as its own translation unit, with the preprocessor (macros
 * expanded, #if honoured, #include resolved through the flags' -I paths and
 * the file's directory), function bodies included. Flags: the workspace's
 * compile_commands.json (at ROOT or ROOT/build) when it has an entry for
 * the file (its -I/-D/-U/-std/-include/-isystem/-x flags, include paths
 * made absolute against the entry's directory); else the defaults
 * LMKV_ANALYSIS_C_DEFAULT_FLAGS / LMKV_ANALYSIS_CPP_DEFAULT_FLAGS plus
 * -I<the file's directory>. Headers (.h) are parsed as C.
 *
 * Conventions as kv/lmkv_kv.h: LMKV_OK or a negative LMKV_E* code with the
 * per-thread message (lmkv_errmsg()); out-parameters set only on success;
 * free functions accept NULL.
 * Thread-safety: an lmkv_analyser is used by one thread at a time (it
 * holds the frontends' parser state and counters); several analysers may
 * run in different threads at once.
 */
#ifndef LMKV_ANALYSIS_H
#define LMKV_ANALYSIS_H

#include "lmkv_versioning.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Flags a C file is parsed with when compile_commands.json has no entry
 *  for it (plus -I<the file's directory>). */
#define LMKV_ANALYSIS_C_DEFAULT_FLAGS "-x c -std=gnu11"
/** Same for C++ files. */
#define LMKV_ANALYSIS_CPP_DEFAULT_FLAGS "-x c++ -std=gnu++17"

/** Memory bound per file (documented and enforced): a file larger than
 *  this many bytes is that file's failure (LMKV_ETOOBIG), before any
 *  frontend sees it. The frontends' own walkers are iterative (explicit
 *  stacks), so nesting depth costs heap proportional to the depth, never
 *  the C stack; a file nested deeper than LMKV_ANALYSIS_MAX_DEPTH syntax
 *  levels is its failure (LMKV_ELIMIT). The tree-sitter frontends (Rust,
 *  Python, Go, JavaScript, TypeScript, TSX, Java) bound a file tighter: 16
 *  MiB (LMKV_ETOOBIG) and 1000 levels of brackets (LMKV_ELIMIT), since
 *  tree-sitter's parse and query memory grow ~75 bytes per byte and faster
 *  with depth (analysis/README.md). */
#define LMKV_ANALYSIS_MAX_FILE_BYTES (64u << 20)
#define LMKV_ANALYSIS_MAX_DEPTH 100000u

/** Reparse cache of the tree-sitter frontends (Rust, Python, Go,
 *  JavaScript, TypeScript, TSX, Java; analysis/README.md "Incremental
 *  reparse"): an analyser keeps, per path it analysed, the last content
 *  and syntax tree, so analysing that path again in the same language
 *  reparses only the edited range (one edit from the common prefix and
 *  suffix of the old and new bytes) instead of the whole file. The records
 *  are the same as a fresh parse's (the path is only the cache key; the
 *  analyser contract holds). Bounded per analyser: at most
 *  LMKV_ANALYSIS_TS_CACHE_PATHS paths and LMKV_ANALYSIS_TS_CACHE_BYTES
 *  bytes of cached content (plus each content's tree: measured 20-36
 *  bytes of heap per content byte with the content, so at most ~75 MB per
 *  analyser; bench/ts_incremental_bench.c; a larger file is not kept), least recently analysed path out
 *  first; freed by lmkv_analyser_free. With several analysis threads one
 *  entry is used by one thread at a time (a thread takes the entry out of
 *  the cache while it analyses the path; a second thread analysing the
 *  same path at once parses from scratch). A different language for the
 *  same path reuses nothing. */
#define LMKV_ANALYSIS_TS_CACHE_PATHS 64u
#define LMKV_ANALYSIS_TS_CACHE_BYTES (2u << 20)

typedef struct lmkv_analyser lmkv_analyser;

struct lmkv_analyser_options {
    /** Workspace root (absolute or relative to the cwd): where
     *  compile_commands.json is looked for (ROOT/compile_commands.json,
     *  then ROOT/build/compile_commands.json) and what analysed paths are
     *  relative to (for #include resolution of the file's own directory).
     *  NULL = no compile database, includes relative to the cwd. */
    const char *root;
    /** Language filter: names as lmkv_analysis_language_at gives them
     *  ("c", "cpp", "python", ...). NULL/0 = every built-in language. */
    const char *const *languages;
    size_t nlanguages;
};

/**
 * Make an analyser. Reads ROOT's compile_commands.json when present.
 * @param out receives the analyser (free with lmkv_analyser_free).
 * @param opts NULL = defaults (every language, no root). Copied.
 * @return LMKV_OK; LMKV_EINVAL (NULL out, a language name the table does
 *         not know: the message lists the known ones); LMKV_EPARSE
 *         (compile_commands.json is not a JSON array of {directory, file,
 *         command|arguments}; path in the message); LMKV_EIO (it exists but
 *         cannot be read); LMKV_ENOMEM.
 */
LMKV_API int lmkv_analyser_new(lmkv_analyser **out, const struct lmkv_analyser_options *opts);
LMKV_API void lmkv_analyser_free(lmkv_analyser *an);

/**
 * The analyser's identity for lmkv_index_options.analyser_id: the module
 * version and each selected language's frontend ("lmkv-analysis 1;
 * c=libclang 14.0.6;..."). A session whose stored id differs analyses every
 * file again. Borrowed: valid until lmkv_analyser_free.
 */
LMKV_API const char *lmkv_analyser_id(const lmkv_analyser *an);

/**
 * Language of PATH as the analyser selects it: by extension, else (HEAD
 * non-NULL) by the shebang in the first LEN bytes of the content. NULL when
 * no language matches, it is filtered out, or its frontend is not built in.
 * The result is a static string ("c", "cpp", "python", ...).
 */
LMKV_API const char *lmkv_analyser_language(const lmkv_analyser *an, const char *path,
                                            const void *head, size_t len);

/**
 * lmkv_path_filter_fn: 1 when the file belongs to the index (its language
 * is selected), else 0. CTX is the lmkv_analyser. A path without a known
 * extension has its first 256 bytes read from ROOT/PATH for a shebang (an
 * unreadable file is left out here and reported by nobody: it has no
 * language).
 */
LMKV_API int lmkv_analyser_filter(const char *path, void *ctx);

/**
 * lmkv_analyser_fn: analyse one file into the sink. CTX is the
 * lmkv_analyser. Picks the frontend by language (as lmkv_analyser_language
 * with the content), records language and frontend
 * (lmkv_analysis_set_language), and runs it. One file's failure is that
 * file's: the return value and the sink's message (path-free reason) say
 * why; the analyser stays usable for the next file.
 * Thread-safe: calls with different sinks may run at once on one analyser
 * (an index session with threads > 1 does): each call takes its own
 * frontend state (a libclang CXIndex, a tree-sitter parser) from a pool
 * that grows to the number of concurrent calls and is freed by
 * lmkv_analyser_free; the compiled tags queries are shared read-only;
 * stats are merged under a lock.
 * @return LMKV_OK (also for a C file clang parsed with errors: whatever
 *         clang recovered is stored and the diagnostics are counted in
 *         lmkv_analyser_stats); LMKV_EUNSUPPORTED (no selected language for
 *         the path); LMKV_ETOOBIG (over LMKV_ANALYSIS_MAX_FILE_BYTES);
 *         LMKV_EPARSE (binary content: a NUL byte in the first 8 KiB, or
 *         the frontend could not parse at all); LMKV_ELIMIT (nesting over
 *         LMKV_ANALYSIS_MAX_DEPTH); LMKV_ECONFLICT (lmkv_analyser_cancel was
 *         called); LMKV_ENOMEM; sink errors (LMKV_EINVAL).
 */
LMKV_API int lmkv_analyser_analyse(lmkv_analysis *a, const char *path, const void *content,
                                   size_t len, void *ctx);

/**
 * Ask a running analysis to stop (async-signal-safe: one lock-free atomic
 * store to a sig_atomic_t; call it from a SIGINT/SIGTERM handler; every
 * thread analysing sees it). The file being
 * analysed and every later one fail with LMKV_ECONFLICT, so the session
 * stores nothing of them; the caller then drops the session's run.
 */
LMKV_API void lmkv_analyser_cancel(lmkv_analyser *an);

/** Counters since lmkv_analyser_new (a consistent snapshot under the
 *  analyser's lock; may be called while other threads analyse). */
struct lmkv_analyser_stats {
    size_t files;            /* lmkv_analyser_analyse calls that succeeded */
    size_t failed;           /* calls that failed                          */
    size_t symbols, calls, references; /* records added                    */
    size_t diag_errors;      /* compiler diagnostics: errors and fatals    */
    size_t diag_warnings;    /* warnings                                   */
    size_t files_with_errors;/* files indexed as far as the parser recovered */
};
/** Copies the counters into *out (all 0 when an is NULL; NULL out is a
 *  no-op). Thread-safe: takes the analyser's lock. No error. */
LMKV_API void lmkv_analyser_stats(struct lmkv_analyser_stats *out, const lmkv_analyser *an);

/** One row of the language table, for listings (`lmkv index --help`). */
struct lmkv_analysis_language_info {
    const char *name;        /* "c" */
    const char *extensions;  /* space-separated: "c h" */
    const char *shebangs;    /* interpreters, space-separated, or ""   */
    const char *frontend;    /* "libclang 14.0.6", NULL = not built in */
};
/** Row I of the table (0-based). @return LMKV_OK; LMKV_NOTFOUND past the end. */
LMKV_API int lmkv_analysis_language_at(struct lmkv_analysis_language_info *out, size_t i);

#ifdef __cplusplus
}
#endif
#endif
