/* lmkv scan: entries of one tree in key order (sled iter/range/scan_prefix),
 * in one read-only snapshot. */
#include "cli.h"
#include "lmkv_kv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv scan [--tree T | --tree-hex H [--system]] [--prefix P] [--from K] [--to K]\n"
    "                 [--reverse] [--limit N] [--keys-only | --count] [--json] [--hex]\n"
    "\n"
    "Print the entries of tree T (default: __sled__default) in bytewise key\n"
    "order, one per line: KEY<TAB>VALUE (see OUTPUT in lmkv(1) for escaping).\n"
    "All bounds combine: keys starting with P, at least --from, below --to.\n"
    "Reads one consistent snapshot of a read-only database, so a concurrent\n"
    "writer is neither blocked nor seen half-way.\n"
    "\n"
    "  --tree T       the tree (name as text)\n"
    "  --tree-hex H   the tree whose name is the bytes of hex H\n"
    "  --system       T is a system tree (lmkv's typed records and indexes)\n"
    "  --prefix P     only keys starting with P (sled scan_prefix)\n"
    "  --from K       only keys >= K (inclusive)\n"
    "  --to K         only keys < K (exclusive), as sled range(from..to)\n"
    "  --reverse      descending key order (sled next_back)\n"
    "  --limit N      stop after N entries\n"
    "  --keys-only    print keys only\n"
    "  --count        print only the number of entries in range\n"
    "  --json         one JSON object per line: {\"key\", \"value\"} (\"*_hex\"\n"
    "                 members for bytes that are not UTF-8)\n"
    "  --hex          P, K and the output are hex\n"
    "  --db DIR       database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok (also when nothing matched), 1 tree or database not found,\n"
    "2 usage, 4 I/O.\n";

int cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_TREE_LONGOPTS,
        {"prefix", required_argument, NULL, 'p'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"reverse", no_argument, NULL, 'r'},
        {"limit", required_argument, NULL, 'n'},
        {"keys-only", no_argument, NULL, 'k'},
        {"count", no_argument, NULL, 'c'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "scan";
    struct cli_tree_sel sel = {NULL, 0, 0};
    const char *prefix_arg = NULL, *from_arg = NULL, *to_arg = NULL;
    int reverse = 0, keys_only = 0, count_only = 0, c;
    uint64_t limit = UINT64_MAX;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "p:rn:kc" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case CLI_OPT_TREE: case CLI_OPT_TREE_HEX: case CLI_OPT_SYSTEM: cli_tree_opt(&sel, c, optarg); break;
        case 'p': prefix_arg = optarg; break;
        case 'F': from_arg = optarg; break;
        case 'T': to_arg = optarg; break;
        case 'r': reverse = 1; break;
        case 'n': if (cli_parse_u64(cmd, "--limit", optarg, UINT64_MAX, &limit) != 0) return EXIT_USAGE; break;
        case 'k': keys_only = 1; break;
        case 'c': count_only = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (keys_only && count_only) return cli_usage_error(cmd, "--keys-only and --count exclude each other");

    struct cli_range range;
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    int ret = cli_range_init(cmd, &range, prefix_arg, from_arg, to_arg);
    if (ret != EXIT_OK_) goto cleanup;
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto cleanup;
    if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) goto cleanup;
    int rc = lmkv_txn_begin(&txn, db, LMKV_TXN_READ_ONLY);
    if (rc == LMKV_OK) rc = lmkv_txn_range(&it, txn, t, &range.lo, &range.hi);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "reading tree"); goto cleanup; }
    uint64_t n = 0;
    lmkv_pair p;
    while (n < limit) {
        rc = reverse ? lmkv_iter_next_back(&p, it) : lmkv_iter_next(&p, it);
        if (rc == LMKV_NOTFOUND) break;
        if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "reading tree"); goto cleanup; }
        n++;
        if (count_only) continue;
        if (cli_print_pair(cmd, NULL, 0, p.key, p.key_size, keys_only ? NULL : p.value, p.value_size) != 0) {
            ret = EXIT_IO;
            goto cleanup;
        }
    }
    if (count_only) {
        if (lmkv_cli.json) {
            json_t *o = json_object();
            if (o) json_object_set_new(o, "count", json_integer((json_int_t)n));
            if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
        } else {
            printf("%llu\n", (unsigned long long)n);
        }
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    cli_range_free(&range);
    return ret;
}
