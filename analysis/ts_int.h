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
#include "analysis_int.h"

/* lmkv_analysis__ts_run and lmkv_analysis__ts_frontend_id are declared in
 * analysis_int.h with the other frontends:
 *
 * lmkv_analysis__ts_run: analyse one file with the tree-sitter frontend of
 * `language` ("rust", "python", "go", "javascript", "typescript", "tsx",
 * "java") into `a`. `content` is `len` bytes, not NUL-terminated, not
 * retained; `path` is not read (records depend on the bytes alone: the
 * analyser contract of lmkv_versioning.h). `o` may be NULL; o->cancel, when
 * set non-zero (SIGINT/SIGTERM), stops the parse within ~50 ms and the query
 * within 4096 matches (LMKV_ECONFLICT, "interrupted"). Thread-safe: each
 * call has its own parser and query cursor; the compiled queries are shared
 * read-only (built once per language, under a mutex).
 * Returns LMKV_OK (syntax errors are recovered by tree-sitter and the file
 * is indexed as far as the tree goes: tree-sitter's ERROR/MISSING nodes just
 * match no pattern); LMKV_EINVAL (unknown language), LMKV_ETOOBIG (over
 * LMKV_ANALYSIS__TS_MAX_BYTES), LMKV_ELIMIT (nesting over
 * LMKV_ANALYSIS__TS_MAX_DEPTH, or the query's match limit), LMKV_EPARSE (a NUL byte: binary, or the
 * language's query does not compile against the grammar), LMKV_ECONFLICT
 * (cancelled), LMKV_ENOMEM, or an error of the sink; each with a one-line,
 * path-free reason in lmkv_analysis_set_error(a, ...) and lmkv_error_set().
 *
 * lmkv_analysis__ts_frontend_id: "tree-sitter-python 0.23.6" (grammar
 * package and pinned version) for those languages, NULL for any other.
 * Static storage. */

/** Largest file the tree-sitter frontends analyse, in bytes (16 MiB, below
 *  the dispatcher's LMKV_ANALYSIS_MAX_FILE_BYTES). A larger file fails alone
 *  (LMKV_ETOOBIG). A file's memory is bounded by its size times a factor
 *  measured per grammar (analysis/README.md: tree, query state, records). */
#define LMKV_ANALYSIS__TS_MAX_BYTES (16u * 1024u * 1024u)

/** Deepest nesting of brackets ((, [, {; counted in the raw bytes, strings
 *  and comments included) a file may have: 1000 levels. Deeper files fail
 *  alone (LMKV_ELIMIT, "nesting too deep") before parsing: tree-sitter's
 *  parse memory and its query cursor's work grow with depth (a 50k-deep
 *  call chain costs minutes, and the 0.20 query cursor stops matching past
 *  depth 32767), while real code stays far below (CPython's own parser
 *  refuses 200 levels of parentheses). */
#define LMKV_ANALYSIS__TS_MAX_DEPTH 1000u

/** Most query matches in progress at once (tree-sitter's match limit). A
 *  file that exceeds it fails (LMKV_ELIMIT) instead of storing the
 *  matches the cursor would drop. */
#define LMKV_ANALYSIS__TS_MATCH_LIMIT 65536u

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
