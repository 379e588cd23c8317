/* lmkv verify: read every entry of every tree (kv level: LMDB pages, kv's
 * key encoding, each long key's hash -- kv checks those on every read), then check the typed records and
 * their indexes with the store's verifier (schema's lmkv_store_verify).
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

struct vtree { lmkv_tree *t; int system; uint64_t len; };

static int verify_run(struct vctx *v);

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"max-errors", required_argument, NULL, 'm'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "verify";
    struct vctx v = {cmd, 0, 1000, 0, -1};
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
static int verify_run(struct vctx *vp)
{
    struct vctx v = *vp;
    const char *cmd = v.cmd;
    lmkv_db *db = NULL;
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    lmkv_store *st = NULL;
    struct vtree *trees = NULL;
    size_t ntrees = 0;
    lmkv_bytes_array names[2] = {{NULL, 0}, {NULL, 0}};
    uint64_t entries = 0, total = 0;
    struct cli_progress prog;
    int rc, ret;
    mark(&v, 'W', "opening the database", 20);
    ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) goto cleanup;

    /* Pass 1: kv level. Open every tree, then read all in one snapshot. */
    mark(&v, 'W', "listing and opening trees", 25);
    if ((rc = lmkv_db_tree_names(&names[0], db)) != LMKV_OK ||
        (rc = lmkv_db_system_tree_names(&names[1], db)) != LMKV_OK) {
        ret = cli_fail(cmd, rc, "listing trees");
        goto cleanup;
    }
    if (!(trees = calloc(names[0].count + names[1].count + 1, sizeof *trees))) {
        cli_error(cmd, "out of memory");
        ret = EXIT_IO;
        goto cleanup;
    }
    for (int sys = 0; sys < 2; sys++) {
        for (size_t i = 0; i < names[sys].count; i++) {
            lmkv_tree *t = NULL;
            rc = lmkv_db_open_tree_ex(&t, db, names[sys].items[i].data, names[sys].items[i].size,
                                      (sys ? LMKV_TREE_SYSTEM : 0) | LMKV_TREE_NO_CREATE);
            if (rc == LMKV_NOTFOUND) continue;
            if (rc != LMKV_OK) {
                const char *m = lmkv_errmsg();
                if (report(&v, names[sys].items[i].data, names[sys].items[i].size, NULL, 0,
                           m && *m ? m : lmkv_strerror(rc)))
                    goto summary;
                continue;
            }
            trees[ntrees] = (struct vtree){t, sys, 0};
            lmkv_tree_len(&trees[ntrees].len, t);
            total += trees[ntrees].len;
            ntrees++;
        }
    }
    if ((rc = lmkv_txn_begin(&txn, db, LMKV_TXN_READ_ONLY)) != LMKV_OK) {
        ret = cli_fail(cmd, rc, "beginning read transaction");
        goto cleanup;
    }
    cli_progress_begin(&prog, "verify: reading trees", total);
    for (size_t i = 0; i < ntrees; i++) {
        size_t nlen = 0;
        const void *name = lmkv_tree_name(trees[i].t, &nlen);
        lmkv_pair p;
        uint64_t seen = 0;
        mark(&v, 'T', name, nlen);
        /* kv checks every record it reads, long keys' hashes included: a
         * damaged record ends the tree's walk with LMKV_ECORRUPT naming it */
        rc = lmkv_txn_iter(&it, txn, trees[i].t);
        while (rc == LMKV_OK && (rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
            seen++;
            cli_progress_update(&prog, ++entries);
        }
        lmkv_iter_free(it);
        it = NULL;
        if (rc != LMKV_NOTFOUND) {
            const char *m = lmkv_errmsg();
            char msg[1200];
            snprintf(msg, sizeof msg, "reading entry %llu: %s", (unsigned long long)seen + 1,
                     m && *m ? m : lmkv_strerror(rc));
            if (rc != LMKV_ECORRUPT && rc != LMKV_ECOLLISION) {
                cli_progress_end(&prog);
                ret = cli_fail(cmd, rc, "reading tree");
                goto cleanup;
            }
            if (report(&v, name, nlen, NULL, 0, msg)) { cli_progress_end(&prog); goto summary; }
        }
    }
    cli_progress_end(&prog);
    lmkv_txn_abort(txn);
    txn = NULL;

    /* Pass 2: typed records and indexes. */
    mark(&v, 'W', "checking typed records", 22);
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
            json_object_set_new(o, "trees", json_integer((json_int_t)ntrees));
            json_object_set_new(o, "entries", json_integer((json_int_t)entries));
            json_object_set_new(o, "truncated", json_boolean(v.max && v.problems >= v.max));
        }
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else if (v.problems) {
        printf("damaged: %llu problem%s%s (%llu entries in %zu trees read)\n", (unsigned long long)v.problems,
               v.problems == 1 ? "" : "s", v.max && v.problems >= v.max ? ", stopped at --max-errors" : "",
               (unsigned long long)entries, ntrees);
    } else {
        printf("ok: %llu entries in %zu trees read, typed records and indexes consistent\n",
               (unsigned long long)entries, ntrees);
    }
    ret = cli_finish_output(cmd);
    if (ret == EXIT_OK_ && v.problems) ret = EXIT_DAMAGED;
cleanup:
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    lmkv_store_close(st);
    for (size_t i = 0; i < ntrees; i++) lmkv_tree_close(trees[i].t);
    free(trees);
    lmkv_bytes_array_free(&names[0]);
    lmkv_bytes_array_free(&names[1]);
    lmkv_db_close(db);
    vp->problems = v.problems;
    vp->io_error = v.io_error;
    return ret;
}
