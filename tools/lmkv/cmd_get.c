/* lmkv get: print one value (sled Tree::get) in one read-only snapshot. */
#include "cli.h"
#include "lmkv_kv.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv get [--tree T | --tree-hex H [--system]] [--raw] [--json] [--hex] KEY\n"
    "\n"
    "Print the value stored under KEY (text, or hex with --hex) in tree T\n"
    "(default: sled's default tree __sled__default). Opens the database\n"
    "read-only and reads one consistent snapshot.\n"
    "\n"
    "  --tree T     the tree (name as text)\n"
    "  --tree-hex H the tree whose name is the bytes of hex H\n"
    "  --system     T is a system tree (lmkv's typed records and indexes)\n"
    "  --raw        write the value's bytes exactly, without escaping or newline\n"
    "  --json       print {\"key\": ..., \"value\": ...} (\"*_hex\" when not UTF-8)\n"
    "  --hex        KEY is hex; the value is printed as hex\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 found, 1 key, tree or database not found, 2 usage, 4 I/O.\n";

int cmd_get(int argc, char **argv)
{
    const char *cmd = "get";
    struct cli_tree_sel sel = {NULL, 0, 0};
    int raw = 0;
    int ret = cli_tree_cmd_options(cmd, usage, argc, argv, &sel, &(struct cli_flag){"raw", 'r', &raw});
    if (ret >= 0) return ret;
    if (argc - optind != 1)
        return cli_usage_error(cmd, argc - optind < 1 ? "missing KEY" : "too many arguments");
    if (raw && lmkv_cli.json) return cli_usage_error(cmd, "--raw and --json exclude each other");

    unsigned char *key = NULL;
    size_t klen = 0;
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_txn *txn = NULL;
    if (cli_key_arg(cmd, argv[optind], &key, &klen) != 0) { ret = EXIT_USAGE; goto cleanup; }
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto cleanup;
    if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) goto cleanup;
    int rc = lmkv_txn_begin(&txn, db, LMKV_TXN_READ_ONLY);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "beginning read transaction"); goto cleanup; }
    lmkv_pair p;
    rc = lmkv_txn_get(&p, txn, t, key, klen);
    if (rc == LMKV_NOTFOUND) { ret = cli_key_not_found(cmd, &sel, key, klen); goto cleanup; }
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "get"); goto cleanup; }
    if (raw) {
        if (p.value_size && fwrite(p.value, 1, p.value_size, stdout) != p.value_size) {
            ret = cli_finish_output(cmd);
            goto cleanup;
        }
    } else if (lmkv_cli.json) {
        if (cli_print_pair(cmd, NULL, 0, key, klen, p.value, p.value_size) != 0) { ret = EXIT_IO; goto cleanup; }
    } else {
        cli_print_bytes(stdout, p.value, p.value_size, lmkv_cli.hex);
        fputc('\n', stdout);
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_txn_abort(txn);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    free(key);
    return ret;
}
