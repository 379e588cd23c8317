/*
 * lmkv index: index C sources of a workspace (symbols, calls, references)
 * through versioning's index sessions (lmkv_index_session_*), with the C
 * extractor of extract_c.c (Universal Ctags + GNU cflow) as the analyser.
 *
 * Flow: begin a session on the worktree (paths restricted to the PATH
 * arguments, *.c and *.h only) -> plan (git status / stored state) -> a
 * pre-pass runs ctags (for up to 16 files with cflow's passes beside it, at
 * once) over exactly the files the run will analyse
 * (lmkv_index_session_pending_paths) to collect every symbol name they
 * define, then looks up each distinct identifier those files contain in the
 * current state's name index (one exact lookup per identifier, so the cost
 * follows the size of the edit, not of the database), so that references
 * across files resolve by name even when one file is re-indexed alone
 * -> run: the analyser turns one file into symbols, calls (cflow) and
 * references (reusing the pre-pass's results for an edit of up to 16
 * files; a bigger run frees them in the pre-pass and runs ctags again on
 * the bytes the session gives, so memory does not grow with the sources); versioning stores them in bounded write transactions and swaps
 * the current map at the end (readers never see a half-indexed file).
 */
#include "cli.h"
#include "extract_c.h"
#include "lmkv_analysis.h"
#include "lmkv_versioning.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char usage[] =
    "usage: lmkv index [--db DIR] [--workspace ROOT] [--full] [--no-git] [--languages LIST] [--json] [PATH...]\n"
    "\n"
    "Index the C sources (*.c, *.h) under each PATH (files or directories,\n"
    "recursively) of the workspace ROOT: symbols from Universal Ctags, calls\n"
    "from GNU cflow, name-based references. Only files whose content is not\n"
    "indexed yet are analysed; unchanged files cost nothing; a renamed or\n"
    "copied file (same bytes as an indexed one, same extension) is stored\n"
    "from that file's records, not analysed (\"copied\" in the report).\n"
    "In a git workspace unmodified files are recorded under HEAD's commit,\n"
    "edited and untracked ones as the latest version; elsewhere everything\n"
    "is 'latest'.\n"
    "The database is created when missing.\n"
    "\n"
    "  --workspace ROOT  workspace root (default: the PATH when a single\n"
    "                    directory is given, else the current directory)\n"
    "  --full            analyse every selected file again\n"
    "  --no-git          treat ROOT as a plain directory even inside git\n"
    "  --languages LIST  only these languages (comma-separated: c, cpp,\n"
    "                    rust, python, go, javascript, typescript, tsx,\n"
    "                    java); a file's language comes from its extension,\n"
    "                    else from its #! line (python, node, ...)\n"
    "  --json            print the report as one JSON object\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "  -q                no report on success, no progress bar\n"
    "\n"
    "A file that cannot be read or analysed is reported on one line\n"
    "(\"lmkv index: PATH: why\") and nothing of it is stored; the other files\n"
    "are indexed. The report splits the time: extract (ctags, cflow,\n"
    "tokenizer), lookup (stored names the files use), store (records,\n"
    "indexes, commit); in JSON extract_ms, lookup_ms, store_ms.\n"
    "Memory: a run of more than 16 files keeps at most $LMKV_INDEX_KEEP_MIB\n"
    "(default 64) MiB of packed ctags results for the analysis; files beyond\n"
    "run ctags again (same results). A write transaction holds at most\n"
    "64 files or 131072 key writes (records and index entries; whichever\n"
    "comes first, a file never split): what it buffers until commit.\n"
    "Exit: 0 ok, 1 a PATH does not exist, 2 usage, 3 a file\n"
    "failed to analyse, 4 I/O, ctags/cflow missing or failed.\n"
    "A progress bar (files analysed of the files to analyse) is drawn on\n"
    "stderr when it is a terminal, unless -q or --json is given.\n";

#define ANALYSER_ID "lmkv-extract-c 1 (ctags+cflow)"
/* Up to this many files to analyse, the pre-pass runs cflow with ctags. */
#define PRE_CALLS_MAX_FILES 16
/* A bigger run keeps packed ctags results of up to this many MiB from its
 * pre-pass ($LMKV_INDEX_KEEP_MIB overrides it, 0 keeps none); the files
 * beyond it run ctags a second time in the analysis. */
#define PRE_KEEP_MIB 64

struct pre { const char *path; struct xc_file *f; struct xc_syms *p; };

struct ix {
    struct xc_nameset *names;
    struct xc_nameset *looked;   /* identifiers already looked up in the store */
    const char *root;            /* the worktree's root */
    lmkv_store_txn *rtxn;        /* pre-pass read txn */
    uint64_t ws;
    struct pre *pre; size_t npre;
    size_t nsyms, ncalls, nrefs;
    uint64_t extract_ns;  /* ctags, cflow, tokenizer (pre-pass and analysis) */
    int ext_missing;      /* ctags or cflow could not be run */
    struct cli_progress bar; /* files given to the analyser of the files to analyse */
    size_t nanalysed;
    lmkv_analyser *an;       /* analysis/: every language but C (for now) */
    int c_on;                /* C selected by --languages (or no filter)  */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ns_ms(uint64_t ns) { return (double)(ns / 1000u) / 1000.0; }

static int c_source(const char *path, void *ctx)
{
    (void)ctx;
    size_t n = strlen(path);
    return n > 2 && path[n - 2] == '.' && (path[n - 1] == 'c' || path[n - 1] == 'h');
}

/* Files of the index: C through extract_c.c, the others through analysis/. */
static int index_filter(const char *path, void *ctx)
{
    struct ix *x = ctx;
    if (c_source(path, NULL)) return x->c_on;
    return lmkv_analyser_filter(path, x->an);
}

static int pre_cmp(const void *a, const void *b)
{
    return strcmp(((const struct pre *)a)->path, ((const struct pre *)b)->path);
}

static int add_stored_name(void *ctx, const lmkv_symbol *sym)
{
    struct ix *x = ctx;
    if (!sym->name || sym->kind == LMKV_SK_FIELD) return 0;
    uint32_t mask = 0;
    switch (sym->kind) {
    case LMKV_SK_FUNCTION: mask = 1u << XC_K_FUNCTION; break;
    case LMKV_SK_STRUCT: mask = 1u << XC_K_STRUCT; break;
    case LMKV_SK_ENUM: mask = 1u << XC_K_ENUM; break;
    case LMKV_SK_TYPE_PARAMETER: mask = 1u << XC_K_TYPEDEF; break;
    case LMKV_SK_ENUM_MEMBER: mask = 1u << XC_K_ENUMERATOR; break;
    case LMKV_SK_CONSTANT: mask = 1u << XC_K_MACRO; break;
    default: mask = 1u << XC_K_VARIABLE; break;
    }
    return xc_nameset_add(x->names, sym->name, mask) == 0 ? 0 : LMKV_ENOMEM;
}

/* xc_file_identifiers callback: the current symbols named NAME (once per
 * distinct identifier) join x->names. */
static int lookup_ident(void *ctx, const char *name, size_t len)
{
    struct ix *x = ctx;
    char small[128], *z = small;
    int rc = 0;
    if (xc_nameset_get(x->looked, name, len)) return 0;
    if (len >= sizeof small && !(z = malloc(len + 1))) return LMKV_ENOMEM;
    memcpy(z, name, len);
    z[len] = '\0';
    if (xc_nameset_add(x->looked, z, 1) != 0) { rc = LMKV_ENOMEM; goto cleanup; }
    rc = lmkv_store_symbols_by_name(x->rtxn, x->ws, name, len, 0, add_stored_name, x);
    if (rc == LMKV_NOTFOUND) rc = LMKV_OK;
cleanup:
    if (z != small) free(z);
    return rc;
}

static int analyse(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    struct ix *x = ctx;
    struct xc_file *f = NULL;
    int rc = 0;
    cli_progress_update(&x->bar, x->nanalysed++);
    if (!c_source(path, NULL)) {
        uint64_t t0 = now_ns();
        struct lmkv_analyser_stats b, e;
        lmkv_analyser_stats(&b, x->an);
        rc = lmkv_analyser_analyse(a, path, content, len, x->an);
        lmkv_analyser_stats(&e, x->an);
        x->nsyms += e.symbols - b.symbols; x->ncalls += e.calls - b.calls; x->nrefs += e.references - b.references;
        x->extract_ns += now_ns() - t0;
        return rc;
    }
    if ((rc = lmkv_analysis_set_language(a, "c", ANALYSER_ID)) != LMKV_OK) goto fail_lmkv;
    struct pre key = {path, NULL, NULL}, *hit = x->npre ? bsearch(&key, x->pre, x->npre, sizeof *x->pre, pre_cmp) : NULL;
    if (hit && hit->f) {
        size_t tl;
        const char *t = xc_file_text(hit->f, &tl);
        if (tl == len && memcmp(t, content, len) == 0) { f = hit->f; hit->f = NULL; }
        else { xc_file_free(hit->f); hit->f = NULL; }
    }
    uint64_t t0 = now_ns();
    if (!f && hit && hit->p) {
        /* the pre-pass's symbols of these very bytes (else ctags again) */
        rc = xc_symbols_packed(&f, path, content, len, hit->p);
        xc_syms_free(hit->p);
        hit->p = NULL;
        if (rc != 0 && rc != LMKV_NOTFOUND) { x->extract_ns += now_ns() - t0; goto fail; }
        rc = 0;
    }
    /* ctags reads the bytes the session hashed, under the worktree name
     * (its __anon names derive from the file name), never the file again */
    if (!f && (rc = xc_symbols_named(&f, x->root, path, content, len)) != 0) { x->extract_ns += now_ns() - t0; goto fail; }
    /* names of this file count even when the pre-pass did not see it */
    if ((rc = xc_nameset_add_file(x->names, f)) != 0) { x->extract_ns += now_ns() - t0; goto fail; }
    rc = xc_calls_refs(f, NULL, x->names);
    x->extract_ns += now_ns() - t0;
    if (rc != 0) goto fail;
    for (size_t i = 0; i < f->nsyms; i++) {
        const struct xc_symbol *s = &f->syms[i];
        struct lmkv_analysis_symbol as = {
            .name = s->name, .qualified_name = s->qualified, .kind = s->lsp_kind,
            .signature = s->signature,
            .parent = (s->ckind == XC_K_MEMBER || s->ckind == XC_K_ENUMERATOR) ? s->scope : NULL,
            .line = s->line, .column = s->column, .end_line = s->end_line, .end_column = 0,
            .flags = (s->is_definition ? LMKV_ANALYSIS_SYM_DEFINITION : 0u) |
                     (s->is_static ? LMKV_ANALYSIS_SYM_STATIC : 0u)};
        if ((rc = lmkv_analysis_add_symbol(a, &as)) != LMKV_OK) goto fail_lmkv;
    }
    for (size_t i = 0; i < f->ncalls; i++) {
        const struct xc_call *c = &f->calls[i];
        struct lmkv_analysis_call ac = {
            .caller = c->caller, .callee = c->callee, .line = c->line, .column = c->column,
            .call_type = 0, .argument_count = -1};
        if ((rc = lmkv_analysis_add_call(a, &ac)) != LMKV_OK) goto fail_lmkv;
    }
    for (size_t i = 0; i < f->nrefs; i++) {
        const struct xc_ref *r = &f->refs[i];
        struct lmkv_analysis_reference ar = {
            .name = r->target, .from = r->source, .kind = (int)r->kind, .line = r->line, .column = r->column};
        if ((rc = lmkv_analysis_add_reference(a, &ar)) != LMKV_OK) goto fail_lmkv;
    }
    x->nsyms += f->nsyms; x->ncalls += f->ncalls; x->nrefs += f->nrefs;
    xc_file_free(f);
    return 0;
fail:
    if (rc == LMKV_EEXTERNAL) x->ext_missing = 1;
    lmkv_analysis_set_error(a, xc_errmsg());
    xc_file_free(f);
    return rc;
fail_lmkv:
    lmkv_analysis_set_error(a, lmkv_errmsg());
    xc_file_free(f);
    return rc;
}

/* PATH argument -> workspace-relative path ("" = the root itself).
 * Returns an exit code (message printed). */
static int rel_path(const char *cmd, const char *root, const char *arg, char **out)
{
    char real[PATH_MAX];
    if (!realpath(arg, real)) {
        int e = errno;
        cli_error(cmd, "%s: %s", arg, strerror(e));
        return e == ENOENT || e == ENOTDIR ? EXIT_NOTFOUND : EXIT_IO;
    }
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || (real[rl] != '\0' && real[rl] != '/' && strcmp(root, "/") != 0)) {
        cli_error(cmd, "%s is outside the workspace %s (see --workspace)", arg, root);
        return EXIT_USAGE;
    }
    const char *r = real + rl;
    while (*r == '/') r++;
    if (!(*out = strdup(r))) { cli_error(cmd, "out of memory"); return EXIT_IO; }
    return EXIT_OK_;
}

int cmd_index(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        {"full", no_argument, NULL, 'F'},
        {"no-git", no_argument, NULL, 'G'},
        {"languages", required_argument, NULL, 'L'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "index";
    const char *root_arg = NULL;
    unsigned iflags = 0, wflags = 0;
    int c, ret = EXIT_OK_, rc;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_store_txn *txn = NULL;
    lmkv_worktree *wt = NULL;
    lmkv_index_session *s = NULL;
    struct lmkv_index_report rep;
    int have_rep = 0;
    char **paths = NULL;
    size_t npaths = 0;
    char *langs_arg = NULL, *ident = NULL;
    const char *langv[64];
    size_t nlangs = 0;
    struct ix x;
    memset(&x, 0, sizeof x);
    memset(&rep, 0, sizeof rep);

    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': root_arg = optarg; break;
        case 'F': iflags |= LMKV_INDEX_FULL; break;
        case 'G': wflags |= LMKV_WORKTREE_NO_GIT; break;
        case 'L': free(langs_arg); if (!(langs_arg = strdup(optarg))) { cli_error(cmd, "out of memory"); return EXIT_IO; } break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: free(langs_arg); return EXIT_USAGE;
        }
    }
    x.c_on = 1;
    if (langs_arg) {
        x.c_on = 0;
        for (char *sv = NULL, *w = strtok_r(langs_arg, ",", &sv); w; w = strtok_r(NULL, ",", &sv)) {
            if (nlangs == sizeof langv / sizeof langv[0]) { free(langs_arg); return cli_usage_error(cmd, "--languages: too many names"); }
            if (!strcmp(w, "c")) x.c_on = 1;
            langv[nlangs++] = w;
        }
        if (!nlangs) { free(langs_arg); return cli_usage_error(cmd, "--languages: empty list"); }
    }
    {   /* the names are checked before anything is opened */
        struct lmkv_analyser_options ao = {.root = NULL, .languages = langv, .nlanguages = nlangs};
        if ((rc = lmkv_analyser_new(&x.an, &ao)) != LMKV_OK) {
            int r = rc == LMKV_EINVAL ? cli_usage_error(cmd, "%s", lmkv_errmsg()) : cli_fail(cmd, rc, "analyser");
            free(langs_arg);
            return r;
        }
        lmkv_analyser_free(x.an);
        x.an = NULL;
    }
    int nargs = argc - optind;
    size_t budget = (size_t)PRE_KEEP_MIB << 20;   /* packed symbols kept, bytes */
    {
        const char *kmib = getenv("LMKV_INDEX_KEEP_MIB");
        if (kmib && *kmib) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(kmib, &end, 10);
            if (*end || errno || kmib[0] == '-' || v > (SIZE_MAX >> 20)) {
                cli_error(cmd, "LMKV_INDEX_KEEP_MIB=%s: not a number of MiB", kmib);
                return EXIT_USAGE;
            }
            budget = (size_t)v << 20;
        }
    }
    if (!root_arg) {
        struct stat sb;
        root_arg = (nargs == 1 && stat(argv[optind], &sb) == 0 && S_ISDIR(sb.st_mode)) ? argv[optind] : ".";
    }
    {
        struct stat sb;
        if (stat(root_arg, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_error(cmd, "workspace %s: %s", root_arg, errno ? strerror(errno) : "not a directory");
            return EXIT_NOTFOUND;
        }
    }
    uint64_t t0 = cli_now_ms();
    if ((ret = cli_workspace_open(cmd, CLI_DB_CREATE, root_arg, wflags, &db, &st, &wt)) != EXIT_OK_) goto cleanup;
    const char *root = lmkv_worktree_root(wt);
    if (nargs > 0 && !(paths = calloc((size_t)nargs, sizeof *paths))) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
    for (int i = 0; i < nargs; i++) {
        char *rp = NULL;
        if ((ret = rel_path(cmd, root, argv[optind + i], &rp)) != EXIT_OK_) goto cleanup;
        if (!*rp) { free(rp); npaths = 0; for (int k = 0; k < i; k++) { free(paths[k]); paths[k] = NULL; } free(paths); paths = NULL; break; }
        paths[npaths++] = rp;
    }
    if (!xc_tools_available()) {
        cli_error(cmd, "Universal Ctags (ctags) and GNU cflow are needed: apt-get install universal-ctags cflow");
        ret = EXIT_IO;
        goto cleanup;
    }
    x.root = root;
    {
        struct lmkv_analyser_options ao = {.root = root, .languages = langv, .nlanguages = nlangs};
        if ((rc = lmkv_analyser_new(&x.an, &ao)) != LMKV_OK) { ret = cli_fail(cmd, rc, "analyser"); goto cleanup; }
        size_t il = strlen(ANALYSER_ID) + strlen(lmkv_analyser_id(x.an)) + 3;
        if (!(ident = malloc(il))) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
        snprintf(ident, il, "%s; %s", ANALYSER_ID, lmkv_analyser_id(x.an));
    }
    if (!(x.names = xc_nameset_new())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }

    struct lmkv_index_options io;
    memset(&io, 0, sizeof io);
    /* this process has no watch_prefix subscribers: bulk-load writes */
    io.flags = iflags | LMKV_INDEX_BULK;
    io.paths = (const char *const *)paths;
    io.npaths = npaths;
    io.filter = index_filter;
    io.filter_ctx = &x;
    io.analyser_id = ident;
    io.batch_files = 64;
    if ((rc = lmkv_index_session_begin(&s, wt, &io)) != LMKV_OK) { ret = cli_fail(cmd, rc, "beginning the index session"); goto cleanup; }
    if ((rc = lmkv_index_session_plan(s)) != LMKV_OK) { ret = cli_fail(cmd, rc, "planning"); goto cleanup; }

    /* pre-pass: names of every file to analyse, and of the stored state */
    const char *const *pend = NULL;
    size_t npend = 0;
    if ((rc = lmkv_index_session_pending_paths(&pend, &npend, s)) != LMKV_OK) { ret = cli_fail(cmd, rc, "listing files to analyse"); goto cleanup; }
    cli_progress_begin(&x.bar, "index", npend);
    if (npend) cli_progress_update(&x.bar, 0); /* drawn through the pre-pass too */
    uint64_t lookup_ns = 0;
    if (npend) {
        /* stored names: only those of identifiers the files use, looked up
         * file by file as each one's ctags results come */
        if (!(x.looked = xc_nameset_new())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
        if ((rc = lmkv_store_txn_begin(&txn, st)) != LMKV_OK) { ret = cli_fail(cmd, rc, "reading stored symbols"); goto cleanup; }
        x.rtxn = txn;
        x.ws = lmkv_worktree_id(wt);
        /* a few files (an edit): cflow runs beside ctags and each file's
         * results (symbols, content, cflow's output) are kept until the
         * analysis (~10 ms of ctags start-up overlap the cflow passes).
         * A bigger run keeps nothing: each file's results are freed once
         * its names are in the sets, and the analyser runs ctags again on
         * the bytes the session gives it, so the heap holds the name sets
         * and one file, not every source (the Linux kernel's 1.2 GB of
         * sources had held 6.2 GB of heap here) */
        int keep = npend <= PRE_CALLS_MAX_FILES;
        size_t kept = 0;
        if (!(x.pre = calloc(npend, sizeof *x.pre))) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
        rc = LMKV_OK;
        for (size_t i = 0; i < npend && rc == LMKV_OK; i++) {
            struct xc_file *f = NULL;
            if (!c_source(pend[i], NULL)) continue;   /* not C: analysis/ alone */
            uint64_t t1 = now_ns();
            int xrc = xc_symbols_ex(&f, root, pend[i], keep ? XC_WITH_CALLS : 0u);
            if (xrc == 0) { /* else: the analyser fails on it again and the report names it */
                rc = xc_nameset_add_file(x.names, f);
                uint64_t t2 = now_ns();
                x.extract_ns += t2 - t1;
                if (rc == LMKV_OK) rc = xc_file_identifiers(f, lookup_ident, &x);
                lookup_ns += now_ns() - t2;
            } else {
                x.extract_ns += now_ns() - t1;
            }
            x.pre[x.npre].path = pend[i];
            if (keep) x.pre[x.npre].f = f;
            else {
                struct xc_syms *pk = NULL;
                if (f && rc == LMKV_OK && (rc = xc_syms_pack(&pk, f)) == LMKV_OK) {
                    if (kept + xc_syms_bytes(pk) <= budget) { kept += xc_syms_bytes(pk); x.pre[x.npre].p = pk; }
                    else xc_syms_free(pk);   /* over the budget: ctags again in the analysis */
                }
                xc_file_free(f);
            }
            x.npre++;
        }
        lmkv_store_txn_end(txn);
        txn = NULL;
        x.rtxn = NULL;
        if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "reading stored symbols"); goto cleanup; }
        if (x.npre) qsort(x.pre, x.npre, sizeof *x.pre, pre_cmp);
    }

    uint64_t ext_before = x.extract_ns, t_run = now_ns();
    rc = lmkv_index_session_run(&rep, s, analyse, &x);
    /* storage: the session's work (records, indexes, mapping swap, commits)
     * without the analyser's extraction time inside it */
    uint64_t store_ns = now_ns() - t_run - (x.extract_ns - ext_before);
    have_rep = 1;
    cli_progress_end(&x.bar);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "indexing"); goto cleanup; }
    for (size_t i = 0; i < rep.failed; i++) {
        const char *fp = rep.failures[i].path, *m = rep.failures[i].message;
        if (!m || !*m) m = lmkv_strerror(rep.failures[i].error);
        size_t pl = strlen(fp);
        if (strncmp(m, fp, pl) == 0 && m[pl] == ':') cli_error(cmd, "%s", m); /* already names the file */
        else cli_error(cmd, "%s: %s", fp, m);
    }
    uint64_t ms = cli_now_ms() - t0;
    if (lmkv_cli.json) {
        json_t *o = json_object();
        json_object_set_new(o, "workspace", json_string(root));
        json_object_set_new(o, "commit", json_string(rep.head.is_git && rep.head.commit[0] ? rep.head.commit : "latest"));
        json_object_set_new(o, "analysed", json_integer((json_int_t)rep.analysed));
        json_object_set_new(o, "reused", json_integer((json_int_t)rep.reused));
        json_object_set_new(o, "copied", json_integer((json_int_t)rep.copied));
        json_object_set_new(o, "unchanged", json_integer((json_int_t)rep.unchanged));
        json_object_set_new(o, "deleted", json_integer((json_int_t)rep.deleted));
        json_object_set_new(o, "failed", json_integer((json_int_t)rep.failed));
        json_object_set_new(o, "symbols", json_integer((json_int_t)x.nsyms));
        json_object_set_new(o, "calls", json_integer((json_int_t)x.ncalls));
        json_object_set_new(o, "references", json_integer((json_int_t)x.nrefs));
        json_object_set_new(o, "write_txns", json_integer((json_int_t)rep.write_txns));
        json_object_set_new(o, "generation", json_integer((json_int_t)rep.generation));
        json_object_set_new(o, "ms", json_integer((json_int_t)ms));
        json_object_set_new(o, "extract_ms", json_real(ns_ms(x.extract_ns)));
        json_object_set_new(o, "lookup_ms", json_real(ns_ms(lookup_ns)));
        json_object_set_new(o, "store_ms", json_real(ns_ms(store_ns)));
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else if (!lmkv_cli.quiet) {
        printf("%s (%s): %zu analysed, %zu reused, %zu copied, %zu unchanged, %zu deleted, %zu failed; "
               "%zu symbols, %zu calls, %zu references; %zu write txns; %llu ms "
               "(extract %.1f, lookup %.1f, store %.1f)\n",
               root, rep.head.is_git && rep.head.commit[0] ? rep.head.commit : "latest",
               rep.analysed, rep.reused, rep.copied, rep.unchanged, rep.deleted, rep.failed,
               x.nsyms, x.ncalls, x.nrefs, rep.write_txns, (unsigned long long)ms,
               ns_ms(x.extract_ns), ns_ms(lookup_ns), ns_ms(store_ns));
    }
    ret = cli_finish_output(cmd);
    if (ret == EXIT_OK_ && rep.failed) ret = x.ext_missing ? EXIT_IO : EXIT_DAMAGED;
cleanup:
    cli_progress_end(&x.bar);
    if (have_rep) lmkv_index_report_clear(&rep);
    lmkv_index_session_free(s);
    for (size_t i = 0; i < x.npre; i++) { xc_file_free(x.pre[i].f); xc_syms_free(x.pre[i].p); }
    free(x.pre);
    xc_nameset_free(x.names);
    xc_nameset_free(x.looked);
    for (size_t i = 0; i < npaths; i++) free(paths[i]);
    free(paths);
    lmkv_analyser_free(x.an);
    free(ident);
    free(langs_arg);
    lmkv_worktree_free(wt);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
