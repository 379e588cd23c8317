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

/* Smallest key greater than every key starting with p: p with trailing 0xFF
 * bytes dropped and the last byte incremented; none when p is all 0xFF. */
static int prefix_successor(const unsigned char *p, size_t n, size_t *outlen)
{
    while (n > 0 && p[n - 1] == 0xFF) n--;
    *outlen = n;
    return n > 0;
}

static int bytes_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

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

    unsigned char *prefix = NULL, *from = NULL, *to = NULL, *succ = NULL;
    size_t plen = 0, flen = 0, tlen = 0;
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    int ret = EXIT_USAGE;
    if (prefix_arg && cli_bytes_arg(cmd, "--prefix", prefix_arg, lmkv_cli.hex, &prefix, &plen) != 0) goto cleanup;
    if (from_arg && cli_bytes_arg(cmd, "--from", from_arg, lmkv_cli.hex, &from, &flen) != 0) goto cleanup;
    if (to_arg && cli_bytes_arg(cmd, "--to", to_arg, lmkv_cli.hex, &to, &tlen) != 0) goto cleanup;

    /* Bounds: lo = max(prefix, from) included; hi = min(succ(prefix), to) excluded. */
    lmkv_bound lo = {LMKV_UNBOUNDED, NULL, 0}, hi = {LMKV_UNBOUNDED, NULL, 0};
    if (prefix) lo = (lmkv_bound){LMKV_INCLUDED, prefix, plen};
    if (from && (lo.kind == LMKV_UNBOUNDED || bytes_cmp(from, flen, prefix, plen) > 0))
        lo = (lmkv_bound){LMKV_INCLUDED, from, flen};
    size_t slen = 0;
    if (prefix && prefix_successor(prefix, plen, &slen)) {
        if (!(succ = malloc(slen))) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
        memcpy(succ, prefix, slen);
        succ[slen - 1]++;
        hi = (lmkv_bound){LMKV_EXCLUDED, succ, slen};
    }
    if (to && (hi.kind == LMKV_UNBOUNDED || bytes_cmp(to, tlen, hi.key, hi.key_size) < 0))
        hi = (lmkv_bound){LMKV_EXCLUDED, to, tlen};

    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto cleanup;
    if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) goto cleanup;
    int rc = lmkv_txn_begin(&txn, db, LMKV_TXN_READ_ONLY);
    if (rc == LMKV_OK) rc = lmkv_txn_range(&it, txn, t, &lo, &hi);
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
    free(prefix);
    free(succ);
    free(from);
    free(to);
    return ret;
}
