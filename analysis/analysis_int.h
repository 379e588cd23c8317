/*
 * analysis_int.h -- private to analysis/: the frontend interface.
 *
 * A frontend turns one file's bytes into records through the versioning
 * sink (lmkv_analysis_add_*), obeying the analyser contract of
 * lmkv_versioning.h (records depend on the bytes and the extension only;
 * no path in names). It returns LMKV_OK or an lmkv error with
 * lmkv_analysis_set_error set (a path-free, one-line reason: the session
 * report puts the path in front). The dispatcher (analysis.c) has already
 * checked the size bound, binary content and the cancel flag, and called
 * lmkv_analysis_set_language.
 */
#ifndef LMKV_ANALYSIS_INT_H
#define LMKV_ANALYSIS_INT_H

#include "lmkv_analysis.h"

#include <signal.h>

struct lmkv_analysis__ccdb;   /* compile_commands.json (clang.c) */
struct lmkv_analysis__pch;    /* an analyser's shared precompiled headers (clang.c) */

struct lmkv_analysis__opts {
    const char *root;                        /* workspace root or NULL        */
    struct lmkv_analysis__ccdb *ccdb;        /* NULL = default flags          */
    struct lmkv_analysis__pch *pch;          /* NULL = no shared PCH; else the
                                                analyser's, shared by all its
                                                calls (own mutex)             */
    void **clang_state;                      /* libclang frontend's slot: this
                                                call's own (one CXIndex per
                                                thread at a time)             */
    void **ts_state;                         /* tree-sitter frontends' slot   */
    struct lmkv_analysis__ts_cache *ts_cache;/* the analyser's last parses per
                                                path (ts.c), NULL = none      */
    struct lmkv_analyser_stats *stats;       /* this call's counts (merged into
                                                the analyser's after it)      */
    volatile sig_atomic_t *cancel;           /* non-zero: stop (LMKV_ECONFLICT);
                                                read with __atomic_load_n: set
                                                by a signal handler while other
                                                threads analyse               */
};

typedef int (*lmkv_analysis__run_fn)(lmkv_analysis *a, const char *language, const char *path,
                                     const void *content, size_t len,
                                     const struct lmkv_analysis__opts *o);

/* libclang (clang.c): languages "c" and "cpp". */
int lmkv_analysis__clang_run(lmkv_analysis *a, const char *language, const char *path,
                             const void *content, size_t len, const struct lmkv_analysis__opts *o);
const char *lmkv_analysis__clang_frontend_id(const char *language);
void lmkv_analysis__clang_state_free(void *state);
/* Reads ROOT/compile_commands.json or ROOT/build/compile_commands.json;
 * *out = NULL when neither exists. Errors as lmkv_analyser_new. */
int lmkv_analysis__ccdb_load(struct lmkv_analysis__ccdb **out, const char *root);
void lmkv_analysis__ccdb_free(struct lmkv_analysis__ccdb *db);
/* The shared precompiled headers of one analyser (see clang.c, "shared
 * PCH"): *out = NULL when $LMKV_CLANG_PCH is "0" (every file parsed alone).
 * The temporary directory is made on the first PCH built; _free removes it
 * with the PCHs in it. LMKV_OK or LMKV_ENOMEM. */
int lmkv_analysis__pch_new(struct lmkv_analysis__pch **out);
void lmkv_analysis__pch_free(struct lmkv_analysis__pch *p);

/* tree-sitter (ts.c, ts_lang.c; see ts_int.h): languages "rust", "python",
 * "go", "javascript", "typescript", "tsx", "java". */
int lmkv_analysis__ts_run(lmkv_analysis *a, const char *language, const char *path,
                          const void *content, size_t len, const struct lmkv_analysis__opts *o);
const char *lmkv_analysis__ts_frontend_id(const char *language);

/* The tree-sitter frontends' reparse cache (ts.c): per path, the last
 * content and TSTree it was parsed into, at most LMKV_ANALYSIS_TS_CACHE_PATHS
 * paths and LMKV_ANALYSIS_TS_CACHE_BYTES bytes of content (least recently
 * used first out). Thread-safe (its own mutex); a run takes its path's entry
 * out of the cache and puts the new one back, so one entry is used by one
 * thread at a time. new: LMKV_OK or LMKV_ENOMEM. free accepts NULL. */
struct lmkv_analysis__ts_cache;
struct lmkv_analysis__ts_cache_stats {
    size_t entries, bytes;   /* held now                                    */
    size_t reparsed;         /* runs that reparsed a cached tree            */
    size_t reparsed_errors;  /* ... whose tree had a syntax error, so they
                                parsed again from scratch                   */
    size_t fresh;            /* runs with no cached tree (none, another
                                language): parsed from scratch              */
    size_t evicted;          /* entries dropped for the bounds              */
};
int lmkv_analysis__ts_cache_new(struct lmkv_analysis__ts_cache **out);
/* The same with other bounds (tests: small ones; max_paths 0 counts as 1). */
int lmkv_analysis__ts_cache_new_bounded(struct lmkv_analysis__ts_cache **out, size_t max_paths, size_t max_bytes);
void lmkv_analysis__ts_cache_free(struct lmkv_analysis__ts_cache *c);
void lmkv_analysis__ts_cache_stats(struct lmkv_analysis__ts_cache *c, struct lmkv_analysis__ts_cache_stats *out);

#endif
