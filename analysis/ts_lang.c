/*
 * ts_lang.c -- the tree-sitter languages: grammar, pinned npm release,
 * query sources (the grammar's queries/tags.scm, then lmkv's additions in
 * analysis/ts/<lang>.scm) and qualified-name separator.
 */
#include "ts_int.h"

#include <tree_sitter/api.h>

#include "ts_queries.h"   /* generated: $(BUILD)/gen/ts_queries.h */

/* The grammars' entry points (their src/parser.c, compiled into the
 * library by the Makefile from build/grammars/; see scripts/fetch-grammars.sh). */
const TSLanguage *lmkv_analysis__tree_sitter_rust(void);
const TSLanguage *lmkv_analysis__tree_sitter_python(void);
const TSLanguage *lmkv_analysis__tree_sitter_go(void);
const TSLanguage *lmkv_analysis__tree_sitter_javascript(void);
const TSLanguage *lmkv_analysis__tree_sitter_typescript(void);
const TSLanguage *lmkv_analysis__tree_sitter_tsx(void);
const TSLanguage *lmkv_analysis__tree_sitter_java(void);

static const char *const q_rust[] = { lmkv_ts_tags_rust, lmkv_ts_extra_rust, NULL };
static const char *const q_python[] = { lmkv_ts_tags_python, lmkv_ts_extra_python, NULL };
static const char *const q_go[] = { lmkv_ts_tags_go, lmkv_ts_extra_go, NULL };
static const char *const q_js[] = { lmkv_ts_tags_javascript, lmkv_ts_extra_javascript,
                                    lmkv_ts_extra_javascript_only, NULL };
/* tree-sitter-typescript's tags.scm only adds TypeScript's own forms to
 * tree-sitter-javascript's, whose node types the TypeScript grammar keeps. */
static const char *const q_ts[] = { lmkv_ts_tags_javascript, lmkv_ts_tags_typescript,
                                    lmkv_ts_extra_javascript, lmkv_ts_extra_typescript, NULL };
static const char *const q_java[] = { lmkv_ts_tags_java, lmkv_ts_extra_java, NULL };

const struct lmkv_analysis__ts_lang lmkv_analysis__ts_langs[] = {
    { "rust",       "tree-sitter-rust 0.23.2",       lmkv_analysis__tree_sitter_rust,       q_rust,   "::" },
    { "python",     "tree-sitter-python 0.23.6",     lmkv_analysis__tree_sitter_python,     q_python, "." },
    { "go",         "tree-sitter-go 0.23.4",         lmkv_analysis__tree_sitter_go,         q_go,     "." },
    { "javascript", "tree-sitter-javascript 0.23.1", lmkv_analysis__tree_sitter_javascript, q_js,     "." },
    { "typescript", "tree-sitter-typescript 0.23.2", lmkv_analysis__tree_sitter_typescript, q_ts,     "." },
    { "tsx",        "tree-sitter-typescript 0.23.2 (tsx)", lmkv_analysis__tree_sitter_tsx,  q_ts,     "." },
    { "java",       "tree-sitter-java 0.23.5",       lmkv_analysis__tree_sitter_java,       q_java,   "." },
    { NULL, NULL, NULL, NULL, NULL }
};
