/* lmkv watch: stream Insert/Remove events for keys under a prefix, caused by
 * writes of ANY process. kv's subscribers (sled watch_prefix) only see this
 * process's writes, so watch polls: it reads the environment's last
 * transaction id (mdb_env_info me_last_txnid, shared by all processes) and
 * when it changes, reads the prefix range in a fresh snapshot and diffs it
 * against the previous one (keys + xxh3-64 of values), printing one event
 * per changed key in key order. No read transaction is held between polls,
 * so the watcher never pins pages of the writer. */
#include "cli.h"
#include "lmkv_kv.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

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

struct entry {
    unsigned char *key;
    size_t klen;
    uint64_t vhash;
    uint64_t vlen;
};

struct snap {
    struct entry *e;
    size_t n, cap;
};

static void snap_free(struct snap *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->e[i].key);
    free(s->e);
    memset(s, 0, sizeof *s);
}

static int key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

struct watch {
    const char *cmd;
    lmkv_db *db;
    lmkv_tree *t;
    const unsigned char *prefix;
    size_t plen;
    uint64_t count, max_count;
};

static int emit(struct watch *w, int insert, const void *k, size_t kl, const void *v, size_t vl)
{
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
    if (fputc('\n', stdout) == EOF) { cli_error(w->cmd, "writing output: %s", strerror(errno)); return -1; }
    return 0;
}

/* Read the prefix range in one snapshot into *out; when old is non-NULL,
 * emit the differences old -> new while reading (values are only available
 * inside the snapshot). Returns an exit code. */
static int take(struct watch *w, const struct snap *old, struct snap *out)
{
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    int ret = EXIT_OK_;
    int rc = lmkv_txn_begin(&txn, w->db, LMKV_TXN_READ_ONLY);
    if (rc == LMKV_OK) rc = lmkv_txn_scan_prefix(&it, txn, w->t, w->prefix, w->plen);
    if (rc != LMKV_OK) { ret = cli_fail(w->cmd, rc, "reading snapshot"); goto cleanup; }
    size_t oi = 0;
    lmkv_pair p;
    for (;;) {
        rc = lmkv_iter_next(&p, it);
        if (rc == LMKV_NOTFOUND) break;
        if (rc != LMKV_OK) { ret = cli_fail(w->cmd, rc, "reading snapshot"); goto cleanup; }
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 64;
            struct entry *ne = realloc(out->e, nc * sizeof *ne);
            if (!ne) { cli_error(w->cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
            out->e = ne;
            out->cap = nc;
        }
        struct entry *e = &out->e[out->n];
        if (!(e->key = malloc(p.key_size + 1))) { cli_error(w->cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
        if (p.key_size) memcpy(e->key, p.key, p.key_size);
        e->klen = p.key_size;
        e->vhash = XXH3_64bits(p.value, p.value_size);
        e->vlen = p.value_size;
        out->n++;
        if (!old) continue;
        /* Removed keys that sort before this one. */
        while (oi < old->n && key_cmp(old->e[oi].key, old->e[oi].klen, e->key, e->klen) < 0) {
            if (w->count < w->max_count && emit(w, 0, old->e[oi].key, old->e[oi].klen, NULL, 0) != 0) { ret = EXIT_IO; goto cleanup; }
            oi++;
        }
        int same_key = oi < old->n && key_cmp(old->e[oi].key, old->e[oi].klen, e->key, e->klen) == 0;
        int changed = !same_key || old->e[oi].vhash != e->vhash || old->e[oi].vlen != e->vlen;
        if (same_key) oi++;
        if (changed && w->count < w->max_count && emit(w, 1, p.key, p.key_size, p.value, p.value_size) != 0) {
            ret = EXIT_IO;
            goto cleanup;
        }
    }
    if (old)
        for (; oi < old->n; oi++)
            if (w->count < w->max_count && emit(w, 0, old->e[oi].key, old->e[oi].klen, NULL, 0) != 0) { ret = EXIT_IO; goto cleanup; }
    if (fflush(stdout) != 0) { cli_error(w->cmd, "writing output: %s", strerror(errno)); ret = EXIT_IO; }
cleanup:
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    return ret;
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

    struct watch w;
    memset(&w, 0, sizeof w);
    w.cmd = cmd;
    w.max_count = max_count;
    unsigned char *prefix = NULL;
    struct snap cur = {0}, next = {0};
    int ret;
    if (optind < argc) {
        if (cli_key_arg(cmd, argv[optind], &prefix, &w.plen) != 0) return EXIT_USAGE;
        w.prefix = prefix;
    }
    uint64_t start = cli_now_ms();
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &w.db)) != EXIT_OK_) goto cleanup;
    if ((ret = cli_tree_open(cmd, w.db, &sel, 0, &w.t)) != EXIT_OK_) goto cleanup;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    uint64_t last = 0;
    int rc = lmkv_db_last_txnid(&last, w.db);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "reading last transaction id"); goto cleanup; }
    if ((ret = take(&w, NULL, &cur)) != EXIT_OK_) goto cleanup;
    if (!lmkv_cli.quiet) {
        fprintf(stderr, "lmkv watch: watching %zu keys of %s (txn %llu)\n", cur.n, cli_tree_label(&sel),
                (unsigned long long)last);
        fflush(stderr);
    }
    while (!stop_flag && w.count < w.max_count) {
        uint64_t now = cli_now_ms();
        if (have_timeout && now - start >= timeout_ms) break;
        uint64_t nap = interval_ms;
        if (have_timeout && timeout_ms - (now - start) < nap) nap = timeout_ms - (now - start);
        struct timespec ts = {(time_t)(nap / 1000), (long)(nap % 1000) * 1000000L};
        nanosleep(&ts, NULL); /* EINTR on a signal: the loop condition ends it */
        if (stop_flag) break;
        uint64_t id = 0;
        if ((rc = lmkv_db_last_txnid(&id, w.db)) != LMKV_OK) { ret = cli_fail(cmd, rc, "reading last transaction id"); goto cleanup; }
        if (id == last) continue;
        last = id;
        if ((ret = take(&w, &cur, &next)) != EXIT_OK_) goto cleanup;
        snap_free(&cur);
        cur = next;
        memset(&next, 0, sizeof next);
    }
    ret = cli_finish_output(cmd);
cleanup:
    snap_free(&cur);
    snap_free(&next);
    lmkv_tree_close(w.t);
    lmkv_db_close(w.db);
    free(prefix);
    return ret;
}
