/* lmkv verify: a thin shell over two library checks: kv's lmkv_db_verify
 * (every entry of every tree: LMDB pages, kv's key encoding, each long key's
 * hash) and schema's lmkv_store_verify (typed records and their indexes).
 * The CLI adds only the output and the process isolation below.
 * Exit 3 on damage.
 *
 * The checking runs in a child process: LMDB asserts (abort()) or faults on
 * some damaged pages instead of returning MDB_CORRUPTED, and a verifier must
 * report that as damage, not die. The child tells the parent through a pipe
 * what it is about to read (a tree name, or a phase) and counts each problem
 * it printed; if it dies of a signal the parent prints one problem line
 * naming that tree and exits 3. */
#include "cli.h"
#include "lmkv_kv.h"
#include "lmkv_schema.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "usage: lmkv verify [--max-errors N] [--json] [--hex]\n"
    "\n"
    "Check the whole database and report every problem found, one per line:\n"
    " 1. every entry of every tree (user and system) is read in one snapshot,\n"
    "    so damaged LMDB pages and damaged kv key records are found;\n"
    " 2. the store's verifier: every typed record and index value through the\n"
    "    FlatBuffers verifier with its ids consistent with its key, every index\n"
    "    entry pointing at an existing record, every record reachable from each\n"
    "    of its indexes, mappings pointing at stored file versions, the current\n"
    "    map and its reverse agreeing, the LSP cache trees agreeing.\n"
    "Problems are printed as TREE<TAB>KEY<TAB>MESSAGE, then one summary line.\n"
    "Opens the database read-only; a concurrent writer is not blocked.\n"
    "A progress bar is drawn on stderr when it is a terminal (not with -q, --json).\n"
    "\n"
    "  --max-errors N  stop after N problems (default 1000; 0 = no limit)\n"
    "  --json          one JSON object per problem {\"tree\", \"key\", \"message\"},\n"
    "                  then {\"ok\", \"problems\", \"trees\", \"entries\"}\n"
    "  --hex           keys as hex\n"
    "  --db DIR        database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "The check runs in a child process: if LMDB aborts or faults on a damaged\n"
    "page, that is reported as one problem line \"LMDB aborted while reading\n"
    "tree T (signal N): the database is damaged\" and the exit is 3.\n"
    "\n"
    "Exit: 0 no damage, 1 no database, 2 usage, 3 damage found, 4 I/O.\n";

struct vctx {
    const char *cmd;
    uint64_t problems;
    uint64_t max;
    int io_error;
    int mark_fd; /* child: pipe to the parent, -1 if none */
    struct cli_progress prog; /* pass 1's bar, begun at its first progress call */
    int prog_started;
};

/* Child -> parent messages: kind byte, u32 length (host order), bytes.
 * 'T' tree about to be read, 'W' phase about to run, 'P' one problem printed. */
static void mark(struct vctx *v, char kind, const void *data, size_t n)
{
    if (v->mark_fd < 0) return;
    uint8_t hdr[5];
    uint32_t len = n > 65536 ? 65536 : (uint32_t)n;
    hdr[0] = (uint8_t)kind;
    memcpy(hdr + 1, &len, 4);
    /* a failed write only costs the parent its tree name: ignore it */
    if (write(v->mark_fd, hdr, 5) == 5 && len) {
        const uint8_t *p = data;
        while (len) {
            ssize_t w = write(v->mark_fd, p, len);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            p += w;
            len -= (uint32_t)w;
        }
    }
}

static int report(struct vctx *v, const void *tree, size_t tlen, const void *key, size_t klen, const char *msg)
{
    v->problems++;
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (!o || cli_json_set_bytes(o, "tree", tree, tlen, 0) != 0 ||
            (key && cli_json_set_bytes(o, "key", key, klen, lmkv_cli.hex) != 0) ||
            json_object_set_new(o, "message", json_string(msg)) != 0) {
            json_decref(o);
            v->io_error = 1;
            return 1;
        }
        if (cli_json_print(v->cmd, o) != 0) { v->io_error = 1; return 1; }
    } else {
        cli_print_bytes(stdout, tree, tlen, 0);
        fputc('\t', stdout);
        if (key) cli_print_bytes(stdout, key, klen, lmkv_cli.hex);
        else fputc('-', stdout);
        fputc('\t', stdout);
        cli_print_bytes(stdout, msg, strlen(msg), 0);
        if (fputc('\n', stdout) == EOF) { v->io_error = 1; return 1; }
    }
    /* printed before any later abort of the child can lose it */
    if (fflush(stdout) != 0) { v->io_error = 1; return 1; }
    mark(v, 'P', NULL, 0);
    return (v->max && v->problems >= v->max) ? 1 : 0;
}

static int on_problem(void *ctx, const lmkv_store_problem *p)
{
    struct vctx *v = ctx;
    const char *tree = p->tree ? p->tree : "";
    return report(v, tree, strlen(tree), p->key, p->key_len, p->message ? p->message : "problem");
}

static int verify_run(struct vctx *v);

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"max-errors", required_argument, NULL, 'm'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "verify";
    struct vctx v;
    memset(&v, 0, sizeof v);
    v.cmd = cmd;
    v.max = 1000;
    v.mark_fd = -1;
    int c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'm': if (cli_parse_u64(cmd, "--max-errors", optarg, UINT64_MAX, &v.max) != 0) return EXIT_USAGE; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    int pfd[2];
    if (pipe(pfd) != 0) {
        cli_error(cmd, "creating a pipe: %s", strerror(errno));
        return EXIT_IO;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        cli_error(cmd, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return EXIT_IO;
    }
    if (pid == 0) {
        close(pfd[0]);
        v.mark_fd = pfd[1];
        int r = verify_run(&v);
        fflush(stdout);
        fflush(stderr);
        close(pfd[1]);
        exit(r);
    }
    close(pfd[1]);

    /* Parent: follow the child's marks until it closes the pipe. */
    char last_kind = 0;
    char *last = NULL;
    size_t last_len = 0;
    uint64_t problems = 0;
    int read_err = 0;
    for (;;) {
        uint8_t hdr[5];
        size_t got = 0;
        while (got < 5) {
            ssize_t r = read(pfd[0], hdr + got, 5 - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t)r;
        }
        if (got < 5) break;
        uint32_t len;
        memcpy(&len, hdr + 1, 4);
        char *buf = len ? malloc(len) : NULL;
        if (len && !buf) { read_err = 1; break; }
        got = 0;
        while (got < len) {
            ssize_t r = read(pfd[0], buf + got, len - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t)r;
        }
        if (got < len) { free(buf); break; }
        if (hdr[0] == 'P') {
            problems++;
            free(buf);
        } else {
            free(last);
            last = buf;
            last_len = len;
            last_kind = (char)hdr[0];
        }
    }
    close(pfd[0]);
    int st = 0, ret;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st)) {
        ret = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGABRT || WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS ||
                                   WTERMSIG(st) == SIGILL || WTERMSIG(st) == SIGFPE || WTERMSIG(st) == SIGTRAP)) {
        int sig = WTERMSIG(st);
        char msg[1400];
        const char *tree = last_kind == 'T' ? last : "-";
        size_t tlen = last_kind == 'T' ? last_len : 1;
        if (cli_is_tty(2) && !lmkv_cli.quiet && !lmkv_cli.json) fputc('\n', stderr); /* end the child's progress bar */
        if (last_kind == 'T')
            snprintf(msg, sizeof msg, "LMDB aborted while reading tree %.*s (signal %d): the database is damaged",
                     (int)(last_len > 1024 ? 1024 : last_len), last, sig);
        else
            snprintf(msg, sizeof msg, "LMDB aborted while %s (signal %d): the database is damaged",
                     last_kind == 'W' && last ? last : "opening the database", sig);
        v.problems = problems;
        v.max = 0;
        report(&v, tree, tlen, NULL, 0, msg);
        if (lmkv_cli.json && !v.io_error) {
            json_t *o = json_object();
            if (o) {
                json_object_set_new(o, "ok", json_false());
                json_object_set_new(o, "problems", json_integer((json_int_t)v.problems));
                json_object_set_new(o, "aborted", json_true());
                json_object_set_new(o, "signal", json_integer(sig));
            }
            if (cli_json_print(cmd, o) != 0) v.io_error = 1;
        }
        ret = v.io_error ? EXIT_IO : cli_finish_output(cmd);
        if (ret == EXIT_OK_) ret = EXIT_DAMAGED;
    } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE) {
        ret = EXIT_IO; /* its output went to a closed pipe: nothing to tell */
    } else {
        cli_error(cmd, "the checking process was killed (signal %d)", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        ret = EXIT_IO;
    }
    if (read_err && ret == EXIT_OK_) ret = EXIT_IO;
    free(last);
    return ret;
}

/* The whole check, as the child runs it. */
static int on_kv_problem(void *ctx, const lmkv_db_verify_problem *p)
{
    return report(ctx, p->tree, p->tree_len, NULL, 0, p->message);
}

static void on_kv_tree(void *ctx, const void *tree, size_t tree_len, int system)
{
    (void)system;
    mark(ctx, 'T', tree, tree_len);
}

static void on_kv_progress(void *ctx, uint64_t entries, uint64_t total)
{
    struct vctx *v = ctx;
    if (!v->prog_started) {
        cli_progress_begin(&v->prog, "verify: reading trees", total);
        v->prog_started = 1;
    }
    cli_progress_update(&v->prog, entries);
}

static int verify_run(struct vctx *vp)
{
    struct vctx v = *vp;
    const char *cmd = v.cmd;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_db_verify_report kr;
    memset(&kr, 0, sizeof kr);
    int rc, ret;
    mark(&v, 'W', "opening the database", 20);
    ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) goto cleanup;

    /* Pass 1: kv level (every entry of every tree in one snapshot). */
    mark(&v, 'W', "listing and opening trees", 25);
    lmkv_db_verify_options ko;
    lmkv_db_verify_options_init(&ko);
    ko.on_problem = on_kv_problem;
    ko.on_tree = on_kv_tree;
    ko.on_progress = on_kv_progress;
    ko.ctx = &v;
    rc = lmkv_db_verify(&kr, db, &ko);
    if (v.prog_started) cli_progress_end(&v.prog);
    if (v.io_error) { ret = EXIT_IO; goto cleanup; }
    if (rc != LMKV_OK && rc != LMKV_ECORRUPT) { ret = cli_fail(cmd, rc, "reading trees"); goto cleanup; }
    if (kr.stopped) goto summary;

    /* Pass 2: typed records and indexes. */
    mark(&v, 'W', "checking typed records", 22);
    struct cli_progress prog;
    cli_progress_begin(&prog, "verify: checking typed records", 0);
    cli_progress_update(&prog, 0);
    rc = lmkv_store_open(&st, db);
    if (rc == LMKV_OK) {
        size_t nprob = 0;
        rc = lmkv_store_verify(&nprob, st, on_problem, &v);
    }
    cli_progress_end(&prog);
    if (v.io_error) { ret = EXIT_IO; goto cleanup; }
    if (rc != LMKV_OK && rc != LMKV_ECORRUPT) { ret = cli_fail(cmd, rc, "verifying typed records"); goto cleanup; }
    if (rc == LMKV_ECORRUPT && v.problems == 0) {
        /* The store found damage but reported no problem line: report its message. */
        const char *m = lmkv_errmsg();
        report(&v, "store", 5, NULL, 0, m && *m ? m : "damaged");
    }

summary:
    if (v.io_error) { ret = EXIT_IO; goto cleanup; }
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (o) {
            json_object_set_new(o, "ok", json_boolean(v.problems == 0));
            json_object_set_new(o, "problems", json_integer((json_int_t)v.problems));
            json_object_set_new(o, "trees", json_integer((json_int_t)kr.trees));
            json_object_set_new(o, "entries", json_integer((json_int_t)kr.entries));
            json_object_set_new(o, "truncated", json_boolean(v.max && v.problems >= v.max));
        }
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else if (v.problems) {
        printf("damaged: %llu problem%s%s (%llu entries in %zu trees read)\n", (unsigned long long)v.problems,
               v.problems == 1 ? "" : "s", v.max && v.problems >= v.max ? ", stopped at --max-errors" : "",
               (unsigned long long)kr.entries, (size_t)kr.trees);
    } else {
        printf("ok: %llu entries in %zu trees read, typed records and indexes consistent\n",
               (unsigned long long)kr.entries, (size_t)kr.trees);
    }
    ret = cli_finish_output(cmd);
    if (ret == EXIT_OK_ && v.problems) ret = EXIT_DAMAGED;
cleanup:
    lmkv_store_close(st);
    lmkv_db_close(db);
    vp->problems = v.problems;
    vp->io_error = v.io_error;
    return ret;
}
