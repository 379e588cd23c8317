/*
 * extract_c.h -- C code analysis for `lmkv index` (private to tools/lmkv).
 *
 * Three sources, each doing what it does best:
 *  - Symbols: Universal Ctags, JSON output (`ctags --output-format=json
 *    --languages=C --langmap=C:.c.h --fields=+neKSlzZf --fields-C=+{properties}
 *    --kinds-C=+px+l+z`): functions, prototypes, macros, structs, unions,
 *    enums, enumerators, typedefs, variables, extern variables and members
 *    with start/end line, signature, container (scope) and static-ness;
 *    locals and parameters are read only to recognise shadowing (never
 *    returned as symbols).
 *  - Calls: GNU cflow, run once per file without the preprocessor, with the
 *    symbol classes `-i _s` (names starting with '_' and statics included):
 *    `cflow --format=posix --omit-arguments -A -A -i _s FILE` (forward tree),
 *    the same with --reverse, and `cflow -x -i _s FILE` (cross reference).
 *    The (caller, callee) name pairs of a file are those BOTH trees report:
 *    cflow's forward tree can attribute the callees of the code after a
 *    function to it (SQLite's winRead gets 1165 such edges that --reverse
 *    does not confirm); on LMDB both trees agree exactly. Call sites: every
 *    line cflow's cross reference gives for the callee inside the caller's
 *    body (ctags' line range; for a caller ctags does not see, e.g. inside
 *    #if 0, from cflow's definition line to its next definition), one site
 *    per occurrence (two calls on one line are two sites, each with its own
 *    column); else the first `callee` token in the body; else the caller's
 *    definition line (column 0). Functions cflow defines that ctags does not
 *    see become symbols too, so every function cflow knows can be queried.
 *    Per file, so one file can be re-indexed alone (calls are stored by
 *    callee NAME and resolved at query time).
 *  - References: lmkv's own tokenizer (comments, strings, character
 *    constants and #include lines skipped): every identifier in a function
 *    body, a macro body, an #if condition or at file scope that names a
 *    symbol of the workspace (the caller passes the set of names), except
 *    member accesses (after `.` or `->`), the symbol's own definition and
 *    names shadowed by a local or parameter of the enclosing function.
 *    Kind: call (followed by `(`), type (a struct/union/enum/typedef name),
 *    write (followed by an assignment operator or ++/--), read otherwise.
 *    Limit of name-based references: a file's references are computed with
 *    the names known when it is analysed; a name that a later-analysed file
 *    introduces is found in the older file only when that file is analysed
 *    again (calls have no such limit: cflow does not need the names).
 *
 * Lines and columns are 1-based; columns count bytes.
 * Thread-safety: the functions share no state; each result is owned by its
 * caller. Errors: LMKV_EIO (file unreadable), LMKV_EPARSE (not C text: NUL
 * bytes; unparsable tool output), LMKV_EEXTERNAL (ctags/cflow missing or
 * failed), LMKV_ENOMEM; the message (xc_errmsg) names the file.
 */
#ifndef LMKV_TOOLS_EXTRACT_C_H
#define LMKV_TOOLS_EXTRACT_C_H

#include <stddef.h>
#include <stdint.h>

/* LSP SymbolKind numbers used for C (LSP 3.17 numbering). */
enum xc_lsp_kind {
    XC_LSP_ENUM = 10, XC_LSP_FUNCTION = 12, XC_LSP_VARIABLE = 13,
    XC_LSP_CONSTANT = 14, XC_LSP_FIELD = 8, XC_LSP_ENUM_MEMBER = 22,
    XC_LSP_STRUCT = 23, XC_LSP_TYPE_PARAMETER = 26, XC_LSP_CLASS = 5
};

/* Reference kinds: same numbers as schema/common.fbs ReferenceKind. */
enum xc_ref_kind { XC_REF_USE = 0, XC_REF_TYPE = 2, XC_REF_CALL = 3, XC_REF_READ = 4, XC_REF_WRITE = 5 };

/* ctags kinds kept as symbols. */
enum xc_ckind {
    XC_K_FUNCTION, XC_K_PROTOTYPE, XC_K_MACRO, XC_K_STRUCT, XC_K_UNION, XC_K_ENUM,
    XC_K_ENUMERATOR, XC_K_TYPEDEF, XC_K_VARIABLE, XC_K_EXTERNVAR, XC_K_MEMBER,
    XC_K__COUNT
};

struct xc_symbol {
    const char *name;        /* "mdb_put" */
    const char *qualified;   /* "mdb_put"; members/enumerators: "MDB_val::mv_size" */
    const char *scope;       /* container name (struct/union/enum/function) or NULL */
    const char *signature;   /* "int mdb_put(MDB_txn * txn,...)", macro "(x,y)", or NULL */
    enum xc_ckind ckind;
    int lsp_kind;            /* enum xc_lsp_kind */
    uint32_t line, end_line; /* 1-based; end_line = line when ctags gives none */
    uint32_t column;         /* column of the name on its line, 0 if not found */
    int is_static;           /* file-local (ctags "file:" or properties static) */
    int is_definition;       /* 0 for prototypes and extern declarations */
    uint32_t disambiguator;  /* n-th symbol with equal (qualified, ckind) in the file */
};

struct xc_call {
    const char *caller;      /* function defined in this file */
    uint32_t caller_line;    /* line of the caller's definition */
    const char *callee;      /* called name (function, function pointer or macro) */
    uint32_t line, column;   /* call site */
    int is_recursive;        /* caller == callee */
};

struct xc_ref {
    const char *source;      /* enclosing function or macro; NULL at file scope */
    uint32_t source_line;    /* its definition line; 0 at file scope */
    const char *target;      /* referenced name */
    uint32_t line, column;
    uint32_t end_column;     /* column after the identifier */
    enum xc_ref_kind kind;
};

struct xc_file {
    char *path;              /* as given to xc_analyze_file (workspace-relative) */
    struct xc_symbol *syms; size_t nsyms;
    struct xc_call *calls;  size_t ncalls;
    struct xc_ref *refs;    size_t nrefs;
    struct xc_arena *arena;  /* owns every string above */
    char *full;              /* ROOT/PATH (or the temporary copy) given to the tools */
    char *tmpdir;            /* temporary directory of xc_symbols_mem, or NULL */
    struct xc_priv *priv;    /* content, line index, locals (private) */
};

/* A set of names, each with a mask of the ctags kinds it has (bit
 * 1 << enum xc_ckind); open addressing, strings copied. */
struct xc_nameset;
struct xc_nameset *xc_nameset_new(void);
/* Adds NAME with the kinds in MASK (or-ed into an existing entry).
 * 0, or LMKV_ENOMEM. */
int xc_nameset_add(struct xc_nameset *s, const char *name, uint32_t mask);
/* Adds every symbol of F except struct/union members. */
int xc_nameset_add_file(struct xc_nameset *s, const struct xc_file *f);
/* Kind mask of the LEN bytes at NAME, 0 if absent. */
uint32_t xc_nameset_get(const struct xc_nameset *s, const char *name, size_t len);
void xc_nameset_free(struct xc_nameset *s);

/* Symbols of one file: runs ctags on ROOT/PATH (cwd = ROOT). *out is a new
 * xc_file with syms filled, calls and refs empty. Errors above. */
int xc_symbols(struct xc_file **out, const char *root, const char *path);

/* xc_symbols_ex flag: run cflow's three passes at the same time as ctags
 * (four processes at once, every pipe read as data comes) and keep their
 * output in the xc_file for xc_calls_refs, which then starts no process.
 * Costs the memory of cflow's output until xc_calls_refs or xc_file_free
 * (about the file's size); use it when calls are wanted soon. A cflow
 * failure is not reported here: xc_calls_refs runs cflow again and
 * reports it, exactly as without the flag. Results are identical. */
#define XC_WITH_CALLS 0x1u
int xc_symbols_ex(struct xc_file **out, const char *root, const char *path, unsigned flags);

/* Same for content in memory (e.g. a git blob): the bytes are written to a
 * private temporary directory under $TMPDIR (removed by xc_file_free) with
 * PATH's basename, and the tools run on that copy. Always as XC_WITH_CALLS
 * (content given in memory is analysed whole). */
int xc_symbols_mem(struct xc_file **out, const char *path, const void *content, size_t len);

/* Same for CONTENT that is the content of ROOT/PATH as the caller knows it
 * (e.g. the bytes an index session hashed), without reading ROOT/PATH:
 * ctags parses CONTENT from its stdin under the name ROOT/PATH (Universal
 * Ctags' interactive mode, `--_interactive`), so every tag, including the
 * "__anon<hash of the file name>" names of anonymous structs, is exactly
 * what xc_symbols(ROOT, PATH) gives for a file with these bytes (an
 * xc_symbols_mem copy is named after its temporary path); cflow reads a
 * private temporary copy (removed by xc_file_free). XC_WITH_CALLS. */
int xc_symbols_named(struct xc_file **out, const char *root, const char *path,
                     const void *content, size_t len);

/* A compact copy of what xc_symbols read of one file, for a whole-
 * workspace run that reads every file's symbols before analysing any
 * (lmkv index's pre-pass): the symbols and the locals/parameters seen (for
 * shadowing), in one block, with a 128-bit XXH3 hash and the length of the
 * content ctags read -- without the content, its line index, the arenas'
 * slack or any tool output (a few hundred bytes per symbol instead of the
 * file's size plus ~128 KiB). Owned by the caller (xc_syms_free). */
struct xc_syms;
/* Packs F (from xc_symbols / xc_symbols_ex; F is unchanged). 0 or
 * LMKV_ENOMEM. */
int xc_syms_pack(struct xc_syms **out, const struct xc_file *f);
/* Size of the block in bytes (0 for NULL). */
size_t xc_syms_bytes(const struct xc_syms *p);
void xc_syms_free(struct xc_syms *p);
/* An xc_file for CONTENT (LEN bytes) under PATH with P's symbols, as
 * xc_symbols_mem would give but without running ctags: ctags' results are
 * P's (so ctags' file-name-derived "__anon" names are those of the file P
 * was read from), the content is CONTENT, copied to a private temporary
 * file for cflow (xc_calls_refs runs it there). LMKV_NOTFOUND (nothing
 * made) when CONTENT is not the content P was read from (length or hash
 * differ); else errors as xc_symbols_mem. */
int xc_symbols_packed(struct xc_file **out, const char *path, const void *content, size_t len,
                      const struct xc_syms *p);

/* Calls (cflow) and references (tokenizer) of a file whose symbols were
 * read by xc_symbols. KNOWN: names references may point to (usually every
 * symbol name of the workspace); NULL = this file's own symbol names. */
int xc_calls_refs(struct xc_file *f, const char *root, const struct xc_nameset *known);

/* xc_symbols_ex(XC_WITH_CALLS) + xc_calls_refs. */
int xc_analyze_file(struct xc_file **out, const char *root, const char *path,
                    const struct xc_nameset *known);

void xc_file_free(struct xc_file *f);

/* Message of the calling thread's last failure ("ctags: mdb.c: ..."). */
const char *xc_errmsg(void);

/* Calls FN(CTX, NAME, LEN) for each identifier token of F's text outside
 * comments, string and character constants (every identifier scan_refs may
 * look up in KNOWN, and more: keywords, members, #include-free directives);
 * NAME points into the text (not NUL-terminated). Repeats are not removed.
 * Stops at FN's first non-zero return and returns it; 0 otherwise. */
int xc_file_identifiers(const struct xc_file *f,
                        int (*fn)(void *ctx, const char *name, size_t len), void *ctx);

/* The file's content (valid until xc_file_free). */
const char *xc_file_text(const struct xc_file *f, size_t *len);

/* True if ctags and cflow can be run (found on PATH). */
int xc_tools_available(void);

#endif
