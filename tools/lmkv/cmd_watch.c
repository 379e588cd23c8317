/* lmkv watch: stream Insert/Remove events for keys under a prefix, caused by
 * writes of ANY process: a shell over kv's lmkv_tree_watch_prefix_shared
 * (which polls the last transaction id and diffs snapshots; lmkv_kv.h). */
#include "cli.h"
#include "lmkv_kv.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv watch [--tree T | --tree-hex H [--system]] [--count N] [--timeout S]\n"
    "                  [--interval S] [--json] [--hex] [PREFIX]\n"
    "\n"
    "Print an event for every change to a key starting with PREFIX (default:\n"
    "every key) in tree T (default: __sled__default) made by any process,\n"
    "as sled's watch_prefix does for one process: Insert<TAB>KEY<TAB>VALUE or\n"
    "Remove<TAB>KEY, one per line, flushed at once. The database is polled:\n"
    "when its last transaction id changes, the prefix range is read in a new\n"
    "snapshot and compared with the previous one, so several writes to one\n"
    "key between two polls give one event (the latest state), and events of\n"
    "one poll come in key order. The writer is never blocked. When the first\n"
    "snapshot is taken, a line \"lmkv watch: watching ...\" goes to stderr\n"
    "(not with -q).\n"
    "\n"
    "  --tree T       the tree (name as text)\n"
    "  --tree-hex H   the tree whose name is the bytes of hex H\n"
    "  --system       T is a system tree\n"
    "  --count N      exit after N events\n"
    "  --timeout S    exit after S seconds (fractions allowed)\n"
    "  --interval S   polling interval in seconds (default 0.1)\n"
    "  --json         one JSON object per event: {\"event\": \"insert\"|\"remove\",\n"
    "                 \"key\", \"value\"}\n"
    "  --hex          PREFIX and the output are hex\n"
    "  --db DIR       database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Ends on SIGINT or SIGTERM (exit 0), after --count events or --timeout.\n"
    "Exit: 0 ok, 1 tree or database not found, 2 usage, 4 I/O.\n";

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

struct watch {
    const char *cmd;
    uint64_t count, max_count;
};

static int emit(struct watch *w, const lmkv_event *ev)
{
    int insert = ev->type == LMKV_EVENT_INSERT;
    const void *k = ev->key.data, *v = ev->value.data;
    size_t kl = ev->key.size, vl = ev->value.size;
    w->count++;
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (!o) { cli_error(w->cmd, "out of memory"); return -1; }
        json_object_set_new(o, "event", json_string(insert ? "insert" : "remove"));
        if (cli_json_set_bytes(o, "key", k, kl, lmkv_cli.hex) != 0 ||
            (insert && cli_json_set_bytes(o, "value", v, vl, lmkv_cli.hex) != 0)) {
            json_decref(o);
            cli_error(w->cmd, "out of memory");
            return -1;
        }
        return cli_json_print(w->cmd, o);
    }
    fputs(insert ? "Insert\t" : "Remove\t", stdout);
    cli_print_bytes(stdout, k, kl, lmkv_cli.hex);
    if (insert) { fputc('\t', stdout); cli_print_bytes(stdout, v, vl, lmkv_cli.hex); }
    if (fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        cli_error(w->cmd, "writing output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int cmd_watch(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_TREE_LONGOPTS,
        {"count", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'},
        {"interval", required_argument, NULL, 'i'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "watch";
    struct cli_tree_sel sel = {NULL, 0, 0};
    uint64_t max_count = UINT64_MAX, timeout_ms = 0, interval_ms = 100;
    int have_timeout = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case CLI_OPT_TREE: case CLI_OPT_TREE_HEX: case CLI_OPT_SYSTEM: cli_tree_opt(&sel, c, optarg); break;
        case 'n':
            if (cli_parse_u64(cmd, "--count", optarg, UINT64_MAX, &max_count) != 0) return EXIT_USAGE;
            if (max_count == 0) return cli_usage_error(cmd, "--count must be at least 1");
            break;
        case 't': if (cli_parse_seconds(cmd, "--timeout", optarg, &timeout_ms) != 0) return EXIT_USAGE; have_timeout = 1; break;
        case 'i':
            if (cli_parse_seconds(cmd, "--interval", optarg, &interval_ms) != 0) return EXIT_USAGE;
            if (interval_ms == 0 || interval_ms > 3600000) return cli_usage_error(cmd, "--interval must be between 0.001 and 3600 seconds");
            break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) return cli_usage_error(cmd, "too many arguments");

    struct watch w = {cmd, 0, max_count};
    unsigned char *prefix = NULL;
    size_t plen = 0;
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_watcher *wt = NULL;
    int ret, rc;
    if (optind < argc && cli_key_arg(cmd, argv[optind], &prefix, &plen) != 0) return EXIT_USAGE;
    uint64_t start = cli_now_ms();
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto cleanup;
    if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) goto cleanup;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = lmkv_tree_watch_prefix_shared(&wt, t, prefix, plen, (unsigned)interval_ms)) != LMKV_OK) {
        ret = cli_fail(cmd, rc, "reading snapshot");
        goto cleanup;
    }
    if (!lmkv_cli.quiet) {
        fprintf(stderr, "lmkv watch: watching %zu keys of %s (txn %llu)\n", lmkv_watcher_len(wt),
                cli_tree_label(&sel), (unsigned long long)lmkv_watcher_txnid(wt));
        fflush(stderr);
    }
    while (!stop_flag && w.count < w.max_count) {
        int slice = (int)interval_ms;
        if (have_timeout) {
            uint64_t el = cli_now_ms() - start;
            if (el >= timeout_ms) break;
            if (timeout_ms - el < (uint64_t)slice) slice = (int)(timeout_ms - el);
        }
        lmkv_event ev;
        rc = lmkv_watcher_next(&ev, wt, slice);
        if (rc == LMKV_NOTFOUND) continue;
        if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "reading snapshot"); goto cleanup; }
        int e = emit(&w, &ev);
        lmkv_event_clear(&ev);
        if (e != 0) { ret = EXIT_IO; goto cleanup; }
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_watcher_close(wt);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    free(prefix);
    return ret;
}
