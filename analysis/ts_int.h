/*
 * ts_int.h -- the tree-sitter frontends of analysis/ (internal to analysis/).
 *
 * One engine (ts.c) runs a language's tags query -- the grammar's own
 * queries/tags.scm followed by lmkv's additions in analysis/ts/<lang>.scm --
 * over the file's syntax tree and turns the captures into the analyser sink's
 * records (versioning/lmkv_versioning.h). The language table is ts_lang.c.
 */
#ifndef LMKV_ANALYSIS_TS_INT_H
#define LMKV_ANALYSIS_TS_INT_H

#include <stddef.h>
#include "lmkv_versioning.h"

struct lmkv_analysis__opts;   /* the dispatcher's options (analysis_int.h) */

/** Largest file the tree-sitter frontends analyse, in bytes (16 MiB). A
 *  larger file fails alone ("too large"). With it, a file's memory is
 *  bounded by about 120 bytes per input byte (tree + query state + records;
 *  analysis/README.md has the measurements). */
#define LMKV_ANALYSIS__TS_MAX_BYTES (16u * 1024u * 1024u)

/**
 * Analyse one file with the tree-sitter frontend of `language` ("rust",
 * "python", "go", "javascript", "typescript", "tsx", "java") into `a`.
 * `content` is `len` bytes, not NUL-terminated, not retained; `path` is only
 * used in error messages (records depend on the bytes alone: the analyser
 * contract of lmkv_versioning.h). `o` may be NULL (no options are read yet).
 * Thread-safe: each call has its own parser and query cursor; the compiled
 * queries are shared read-only (built once, under pthread_once).
 * @return LMKV_OK (syntax errors are recovered by tree-sitter and the file is
 *         indexed as far as the tree goes); LMKV_EINVAL (unknown language,
 *         binary content: a NUL byte, or more than LMKV_ANALYSIS__TS_MAX_BYTES),
 *         LMKV_ENOMEM, or an error of the sink; each with
 *         lmkv_analysis_set_error(a, reason) set and lmkv_error_set().
 */
int lmkv_analysis__ts_run(lmkv_analysis *a, const char *language, const char *path,
                          const void *content, size_t len,
                          const struct lmkv_analysis__opts *o);

/** "tree-sitter-python 0.23.6" (grammar package and pinned version) for a
 *  language of lmkv_analysis__ts_run, NULL for any other. Static storage. */
const char *lmkv_analysis__ts_frontend_id(const char *language);

/* ------------------------------------------------------ language table */

struct TSLanguage;
struct lmkv_analysis__ts_lang {
    const char *language;                     /* "python"                    */
    const char *frontend_id;                  /* "tree-sitter-python 0.23.6" */
    const struct TSLanguage *(*grammar)(void);
    const char *const *queries;               /* NULL-terminated sources,
                                                 concatenated in order      */
    const char *sep;                          /* qualified-name separator   */
};

/** The table (NULL-terminated by a zero entry) and lookup by language name. */
extern const struct lmkv_analysis__ts_lang lmkv_analysis__ts_langs[];
const struct lmkv_analysis__ts_lang *lmkv_analysis__ts_lang_find(const char *language);

#endif
