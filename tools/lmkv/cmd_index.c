/*
 * lmkv index: index the sources of a workspace (symbols, calls, references)
 * through versioning's index sessions (lmkv_index_session_*), with
 * analysis/'s analyser (lmkv_analysis.h: libclang for C and C++, the other
 * languages' frontends as built in) as the analyser: in-process, no child
 * process. Flow: begin a session on the worktree (paths restricted to the
 * PATH arguments, files of the selected languages only) -> plan (git status
 * / stored state) -> run: the analyser turns each file into records;
 * versioning stores them in bounded write transactions and swaps the
 * current map at the end (readers never see a half-indexed file). SIGINT
 * and SIGTERM cancel the analyser: the session stops before the swap, so
 * nothing of the run becomes visible.
 */
#include "cli.h"
#include "lmkv_analysis.h"
#include "lmkv_versioning.h"

#include <errno.h>
#include <pthread.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: lmkv index [--db DIR] [--workspace ROOT] [--full] [--no-git] [--languages LIST] [--json] [PATH...]\n"
    "\n"
    "Index the sources under each PATH (files or directories, recursively)\n"
    "of the workspace ROOT in-process: C and C++ through libclang (macros\n"
    "expanded, #if honoured, flags from ROOT's compile_commands.json, else\n"
    "-x c -std=gnu11 / -x c++ -std=gnu++17 and -I the file's directory),\n"
    "other languages through their built-in frontends; a file's language\n"
    "comes from its extension, else from its #! line. Only files whose\n"
    "content is not indexed yet are analysed; unchanged files cost nothing;\n"
    "a renamed or copied file (same bytes as an indexed one, same extension)\n"
    "is stored from that file's records, not analysed (\"copied\").\n"
    "In a git workspace unmodified files are recorded under HEAD's commit,\n"
    "edited and untracked ones as the latest version; elsewhere everything\n"
    "is 'latest'.\n"
    "The database is created when missing.\n"
    "\n"
    "  --workspace ROOT  workspace root (default: the PATH when a single\n"
    "                    directory is given, else the current directory)\n"
    "  --full            analyse every selected file again\n"
    "  --no-git          treat ROOT as a plain directory even inside git\n"
    "  --jobs N          analyse in N threads (1-64; default: the online\n"
    "                    CPUs); storage stays in one thread, in path order,\n"
    "                    so the result is the same for every N\n"
    "  --languages LIST  only these languages (comma-separated: c, cpp,\n"
    "                    rust, python, go, javascript, typescript, tsx,\n"
    "                    java); a file's language comes from its extension,\n"
    "                    else from its #! line (python, node, ...)\n"
    "  --json            print the report as one JSON object\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "  -q                no report on success, no progress bar\n"
    "\n"
    "A file that cannot be read or analysed is reported on one line\n"
    "(\"lmkv index: PATH: why\", e.g. \"reading: Permission denied\") and\n"
    "nothing of it is stored (one unreadable when hashed keeps its previous\n"
    "version current); the other files are indexed and the exit code is 5.\n"
    "A file over the session's max_file_bytes (16 MiB) is skipped and\n"
    "reported (\"lmkv index: PATH: skipped: N bytes, over ...\"). In JSON:\n"
    "failures and skips, arrays of {path, error, reason}. A C file with compiler errors is indexed as far as clang\n"
    "recovers and its diagnostics are counted in the report. The report\n"
    "splits the time: extract (analysis), store (records, indexes, commit);\n"
    "in JSON extract_ms, store_ms, and diagnostics {errors, warnings,\n"
    "files_with_errors}. extract is the wall time the storing thread waited\n"
    "for analysis (with --jobs 1: the analysis itself); extract_thread_ms\n"
    "sums the analysis threads' time, jobs says how many ran. Memory: N files are analysed at once and at most\n"
    "2N analysed files wait to be stored (at most 64 MiB of source and 4M\n"
    "records per file); a write transaction holds\n"
    "at most 64 files or 131072 key writes (records and index entries;\n"
    "whichever comes first, a file never split): what it buffers until\n"
    "commit. SIGINT or SIGTERM stops the run before anything of it becomes\n"
    "current (exit 128+signal).\n"
    "Exit: 0 ok, 1 a PATH or ROOT does not exist (nothing is created), 2 usage,\n"
    "3 damaged database, 4 I/O, 5 a file could not be read or analysed.\n"
    "A progress bar (files analysed of the files to analyse) is drawn on\n"
    "stderr when it is a terminal, unless -q or --json is given.\n";

struct ix {
    struct cli_progress bar; /* files given to the analyser of the files to analyse */
    size_t nanalysed;
    uint64_t extract_ns;     /* time inside the analyser (parsing, walking),
                                summed over the analysis threads */
    lmkv_analyser *an;
    pthread_mutex_t mu;      /* the analyser runs in --jobs threads at once */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned lmkv_cli_online_cpus(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 1 ? 1u : c > 64 ? 64u : (unsigned)c;
}

static double ns_ms(uint64_t ns) { return (double)(ns / 1000u) / 1000.0; }

static volatile sig_atomic_t stop_signal;
static lmkv_analyser *running_an;   /* the analyser a signal cancels */

static void on_signal(int sig)
{
    stop_signal = sig;
    lmkv_analyser_cancel(running_an);   /* one sig_atomic_t store */
}

static int analyse(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    struct ix *x = ctx;
    pthread_mutex_lock(&x->mu);
    cli_progress_update(&x->bar, x->nanalysed++);
    pthread_mutex_unlock(&x->mu);
    uint64_t t0 = now_ns();
    int rc = lmkv_analyser_analyse(a, path, content, len, x->an);
    uint64_t dt = now_ns() - t0;
    pthread_mutex_lock(&x->mu);
    x->extract_ns += dt;
    pthread_mutex_unlock(&x->mu);
    return rc;
}

/* What the command line asks for; filled by index_parse and
 * index_resolve before anything is opened or created. */
struct index_args {
    const char *root_arg;
    unsigned iflags, wflags, jobs;
    char *langs_arg;          /* --languages' copy; langv points into it */
    const char *langv[64];
    size_t nlangs;
    char root[PATH_MAX];      /* realpath of the workspace root */
    char **paths;             /* workspace-relative PATHs (NULL: everything) */
    size_t npaths;
};

static void index_args_free(struct index_args *a)
{
    for (size_t i = 0; i < a->npaths; i++) free(a->paths[i]);
    free(a->paths);
    free(a->langs_arg);
}

/* PATH argument -> workspace-relative path ("" = the root itself).
 * Returns an exit code (message printed). */
static int rel_path(const char *cmd, const char *root, const char *arg, char **out)
{
    char real[PATH_MAX];
    if (!realpath(arg, real)) {
        int e = errno;
        cli_error(cmd, "%s: %s (nothing was indexed or created)", arg, strerror(e));
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

static int parse_jobs(const char *cmd, const char *arg, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || !end || *end || arg[0] == '-' || arg[0] == '\0' || v < 1 || v > 64)
        return cli_usage_error(cmd, "--jobs: '%s' is not a number of threads from 1 to 64", arg);
    *out = (unsigned)v;
    return EXIT_OK_;
}

/* --languages LIST -> a->langv, checked by the analyser before anything is
 * opened. Returns an exit code. */
static int index_languages(const char *cmd, struct index_args *a)
{
    if (a->langs_arg) {
        for (char *sv = NULL, *w = strtok_r(a->langs_arg, ",", &sv); w; w = strtok_r(NULL, ",", &sv)) {
            if (a->nlangs == sizeof a->langv / sizeof a->langv[0]) return cli_usage_error(cmd, "--languages: too many names");
            a->langv[a->nlangs++] = w;
        }
        if (!a->nlangs) return cli_usage_error(cmd, "--languages: empty list");
    }
    lmkv_analyser *probe = NULL;
    struct lmkv_analyser_options ao = {.root = NULL, .languages = a->langv, .nlanguages = a->nlangs};
    int rc = lmkv_analyser_new(&probe, &ao);
    if (rc != LMKV_OK)
        return rc == LMKV_EINVAL ? cli_usage_error(cmd, "--languages: %s", lmkv_errmsg()) : cli_fail(cmd, rc, "analyser");
    lmkv_analyser_free(probe);
    return EXIT_OK_;
}

/* Options. Returns -1 when the command goes on (operands at optind), else
 * the exit code to return (--help, usage error). */
static int index_parse(const char *cmd, int argc, char **argv, struct index_args *a)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        {"full", no_argument, NULL, 'F'},
        {"no-git", no_argument, NULL, 'G'},
        {"languages", required_argument, NULL, 'L'},
        {"jobs", required_argument, NULL, 'j'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    int c, ret;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': a->root_arg = optarg; break;
        case 'F': a->iflags |= LMKV_INDEX_FULL; break;
        case 'G': a->wflags |= LMKV_WORKTREE_NO_GIT; break;
        case 'j': if ((ret = parse_jobs(cmd, optarg, &a->jobs)) != EXIT_OK_) return ret; break;
        case 'L':
            free(a->langs_arg);
            if (!(a->langs_arg = strdup(optarg))) { cli_error(cmd, "out of memory"); return EXIT_IO; }
            break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    return (ret = index_languages(cmd, a)) != EXIT_OK_ ? ret : -1;
}

/* The workspace root and the PATH operands, checked before the database is
 * opened (so a missing PATH creates nothing). Returns an exit code. */
static int index_resolve(const char *cmd, int argc, char **argv, struct index_args *a)
{
    int nargs = argc - optind, ret;
    struct stat sb;
    if (!a->root_arg)
        a->root_arg = (nargs == 1 && stat(argv[optind], &sb) == 0 && S_ISDIR(sb.st_mode)) ? argv[optind] : ".";
    errno = 0;
    if (stat(a->root_arg, &sb) != 0 || !S_ISDIR(sb.st_mode) || !realpath(a->root_arg, a->root)) {
        cli_error(cmd, "workspace %s: %s (nothing was indexed or created)", a->root_arg,
                  errno ? strerror(errno) : "not a directory");
        return EXIT_NOTFOUND;
    }
    if (nargs > 0 && !(a->paths = calloc((size_t)nargs, sizeof *a->paths))) { cli_error(cmd, "out of memory"); return EXIT_IO; }
    int whole = 0;
    for (int i = 0; i < nargs; i++) {
        char *rp = NULL;
        if ((ret = rel_path(cmd, a->root, argv[optind + i], &rp)) != EXIT_OK_) return ret;
        if (!*rp) whole = 1;   /* the root itself: everything (all PATHs are still checked) */
        a->paths[a->npaths++] = rp;
    }
    if (whole) {
        for (size_t i = 0; i < a->npaths; i++) free(a->paths[i]);
        free(a->paths);
        a->paths = NULL;
        a->npaths = 0;
    }
    return EXIT_OK_;
}

/* The session: begin on the worktree, plan, run with SIGINT/SIGTERM
 * cancelling the analyser. *rep is filled (clear it) when *have_rep is set;
 * *wait_ns / *store_ns split the run's time. Returns an exit code. */
static int index_run(const char *cmd, const struct index_args *a, struct ix *x, lmkv_worktree *wt,
                     struct lmkv_index_report *rep, int *have_rep, uint64_t *wait_ns, uint64_t *store_ns)
{
    lmkv_index_session *s = NULL;
    struct lmkv_index_options io;
    int rc, ret = EXIT_OK_;
    memset(&io, 0, sizeof io);
    /* this process has no watch_prefix subscribers: bulk-load writes */
    io.flags = a->iflags | LMKV_INDEX_BULK;
    io.paths = (const char *const *)a->paths;
    io.npaths = a->npaths;
    io.filter = lmkv_analyser_filter;
    io.filter_ctx = x->an;
    io.analyser_id = lmkv_analyser_id(x->an);
    io.batch_files = 64;
    io.threads = a->jobs ? a->jobs : LMKV_INDEX_THREADS_ONLINE;
    const char *const *pend = NULL;
    size_t npend = 0;
    if ((rc = lmkv_index_session_begin(&s, wt, &io)) != LMKV_OK) return cli_fail(cmd, rc, "beginning the index session");
    if ((rc = lmkv_index_session_plan(s)) != LMKV_OK) { ret = cli_fail(cmd, rc, "planning"); goto done; }
    if ((rc = lmkv_index_session_pending_paths(&pend, &npend, s)) != LMKV_OK) { ret = cli_fail(cmd, rc, "listing files to analyse"); goto done; }
    cli_progress_begin(&x->bar, "index", npend);

    /* SIGINT/SIGTERM: the analyser fails the file at hand with
     * LMKV_ECONFLICT, which stops the session before its mapping swap */
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    running_an = x->an;
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    uint64_t t_run = now_ns();
    rc = lmkv_index_session_run(rep, s, analyse, x);
    /* storage: the session's work (records, indexes, mapping swap, commits)
     * without the analyser's time inside it */
    uint64_t run_ns = now_ns() - t_run;
    *wait_ns = rep->analysis_wait_ns;
    *store_ns = run_ns > *wait_ns ? run_ns - *wait_ns : 0;
    *have_rep = 1;
    cli_progress_end(&x->bar);
    if (rc == LMKV_ECONFLICT && stop_signal) {
        cli_error(cmd, "interrupted (signal %d): nothing of this run was made current; "
                  "the index is as it was before it", (int)stop_signal);
        ret = 128 + (int)stop_signal;
    } else if (rc != LMKV_OK) {
        ret = cli_fail(cmd, rc, "indexing");
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    running_an = NULL;
done:
    lmkv_index_session_free(s);
    return ret;
}

/* One stderr line per failed and per skipped file. */
static void index_report_problems(const char *cmd, const struct lmkv_index_report *rep)
{
    for (size_t i = 0; i < rep->failed; i++) {
        const char *fp = rep->failures[i].path, *m = rep->failures[i].message;
        if (!m || !*m) m = lmkv_strerror(rep->failures[i].error);
        size_t pl = strlen(fp);
        if (strncmp(m, fp, pl) == 0 && m[pl] == ':') cli_error(cmd, "%s", m); /* already names the file */
        else cli_error(cmd, "%s: %s", fp, m);
    }
    for (size_t i = 0; i < rep->skipped; i++)
        cli_error(cmd, "%s: skipped: %s", rep->skips[i].path, rep->skips[i].message);
}

/* What index_print_* report besides the session's own report. */
struct index_times { uint64_t ms, wait_ns, store_ns, thread_ns; unsigned jobs; };

static json_t *index_problems_json(const struct lmkv_index_failure *f, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const char *m = f[i].message, *e = lmkv_strerror(f[i].error);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "path", f[i].path, "error", e,
                                             "reason", m && *m ? m : e));
    }
    return arr;
}

static int index_print_json(const char *cmd, const char *root, const struct lmkv_index_report *rep,
                            const struct lmkv_analyser_stats *as, const char *analyser, const struct index_times *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "workspace", json_string(root));
    json_object_set_new(o, "commit", json_string(rep->head.is_git && rep->head.commit[0] ? rep->head.commit : "latest"));
    json_object_set_new(o, "analysed", json_integer((json_int_t)rep->analysed));
    json_object_set_new(o, "reused", json_integer((json_int_t)rep->reused));
    json_object_set_new(o, "copied", json_integer((json_int_t)rep->copied));
    json_object_set_new(o, "unchanged", json_integer((json_int_t)rep->unchanged));
    json_object_set_new(o, "deleted", json_integer((json_int_t)rep->deleted));
    json_object_set_new(o, "failed", json_integer((json_int_t)rep->failed));
    json_object_set_new(o, "skipped", json_integer((json_int_t)rep->skipped));
    json_object_set_new(o, "failures", index_problems_json(rep->failures, rep->failed));
    json_object_set_new(o, "skips", index_problems_json(rep->skips, rep->skipped));
    json_object_set_new(o, "symbols", json_integer((json_int_t)as->symbols));
    json_object_set_new(o, "calls", json_integer((json_int_t)as->calls));
    json_object_set_new(o, "references", json_integer((json_int_t)as->references));
    json_object_set_new(o, "diagnostics", json_pack("{s:I, s:I, s:I}", "errors", (json_int_t)as->diag_errors,
                                                    "warnings", (json_int_t)as->diag_warnings,
                                                    "files_with_errors", (json_int_t)as->files_with_errors));
    json_object_set_new(o, "analyser", json_string(analyser));
    json_object_set_new(o, "write_txns", json_integer((json_int_t)rep->write_txns));
    json_object_set_new(o, "generation", json_integer((json_int_t)rep->generation));
    json_object_set_new(o, "ms", json_integer((json_int_t)t->ms));
    json_object_set_new(o, "extract_ms", json_real(ns_ms(t->wait_ns)));
    json_object_set_new(o, "extract_thread_ms", json_real(ns_ms(t->thread_ns)));
    json_object_set_new(o, "jobs", json_integer((json_int_t)t->jobs));
    json_object_set_new(o, "store_ms", json_real(ns_ms(t->store_ns)));
    return cli_json_print(cmd, o) != 0 ? EXIT_IO : EXIT_OK_;
}

static void index_print_text(const char *root, const struct lmkv_index_report *rep,
                             const struct lmkv_analyser_stats *as, const struct index_times *t)
{
    printf("%s (%s): %zu analysed, %zu reused, %zu copied, %zu unchanged, %zu deleted, %zu failed, %zu skipped; "
           "%zu symbols, %zu calls, %zu references; %zu compiler errors in %zu files, %zu warnings; "
           "%zu write txns; %llu ms (extract %.1f, store %.1f)\n",
           root, rep->head.is_git && rep->head.commit[0] ? rep->head.commit : "latest",
           rep->analysed, rep->reused, rep->copied, rep->unchanged, rep->deleted, rep->failed, rep->skipped,
           as->symbols, as->calls, as->references, as->diag_errors, as->files_with_errors, as->diag_warnings,
           rep->write_txns, (unsigned long long)t->ms, ns_ms(t->wait_ns), ns_ms(t->store_ns));
}

int cmd_index(int argc, char **argv)
{
    const char *cmd = "index";
    int ret, rc;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_worktree *wt = NULL;
    struct lmkv_index_report rep;
    int have_rep = 0;
    struct index_args a;
    struct index_times t;
    struct ix x;
    memset(&a, 0, sizeof a);
    memset(&t, 0, sizeof t);
    memset(&x, 0, sizeof x);
    memset(&rep, 0, sizeof rep);
    pthread_mutex_init(&x.mu, NULL);

    if ((ret = index_parse(cmd, argc, argv, &a)) != -1) goto cleanup;
    if ((ret = index_resolve(cmd, argc, argv, &a)) != EXIT_OK_) goto cleanup;
    uint64_t t0 = cli_now_ms();
    /* the analyser (and the compile database it reads) before the database:
     * a failure here creates nothing */
    struct lmkv_analyser_options ao = {.root = a.root, .languages = a.langv, .nlanguages = a.nlangs};
    if ((rc = lmkv_analyser_new(&x.an, &ao)) != LMKV_OK) { ret = cli_fail(cmd, rc, "reading the compile database"); goto cleanup; }
    if ((ret = cli_workspace_open(cmd, CLI_DB_CREATE, a.root, a.wflags, &db, &st, &wt)) != EXIT_OK_) goto cleanup;
    const char *root = lmkv_worktree_root(wt);
    if ((ret = index_run(cmd, &a, &x, wt, &rep, &have_rep, &t.wait_ns, &t.store_ns)) != EXIT_OK_) goto cleanup;
    index_report_problems(cmd, &rep);
    struct lmkv_analyser_stats as;
    lmkv_analyser_stats(&as, x.an);
    t.ms = cli_now_ms() - t0;
    t.thread_ns = x.extract_ns;
    t.jobs = a.jobs ? a.jobs : lmkv_cli_online_cpus();
    if (lmkv_cli.json) {
        if ((ret = index_print_json(cmd, root, &rep, &as, lmkv_analyser_id(x.an), &t)) != EXIT_OK_) goto cleanup;
    } else if (!lmkv_cli.quiet) {
        index_print_text(root, &rep, &as, &t);
    }
    ret = cli_finish_output(cmd);
    if (ret == EXIT_OK_ && rep.failed) ret = EXIT_PARTIAL;
cleanup:
    cli_progress_end(&x.bar);
    if (have_rep) lmkv_index_report_clear(&rep);
    lmkv_analyser_free(x.an);
    pthread_mutex_destroy(&x.mu);
    index_args_free(&a);
    lmkv_worktree_free(wt);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
