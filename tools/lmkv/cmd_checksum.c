/* lmkv checksum: sled's CRC-32 of the database or of one tree. */
#include "cli.h"
#include "lmkv_kv.h"

#include <jansson.h>

static const char usage[] =
    "usage: lmkv checksum [--tree T | --tree-hex H [--system]] [--json]\n"
    "\n"
    "Print sled 0.34's checksum as a decimal u32, as Rust's {} prints sled's\n"
    "u32 and as lmdb-migrate prints a dump's checksum (--hex does not change\n"
    "it). Without --tree: Db::checksum, the CRC-32 (IEEE) over every user tree\n"
    "in name order (the default tree included, system trees excluded), hashing\n"
    "each tree's name then each key and value in key order. With --tree:\n"
    "Tree::checksum, over that tree's keys and values only. A database migrated\n"
    "from sled has sled's checksum.\n"
    "Read in one snapshot, read-only.\n"
    "\n"
    "  --tree T     one tree (name as text)\n"
    "  --tree-hex H the tree whose name is the bytes of hex H\n"
    "  --system     T is a system tree\n"
    "  --json       {\"checksum\": N}\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok, 1 tree or database not found, 2 usage, 4 I/O.\n";

int cmd_checksum(int argc, char **argv)
{
    const char *cmd = "checksum";
    struct cli_tree_sel sel = {NULL, 0, 0};
    int ret = cli_tree_cmd_options(cmd, usage, argc, argv, &sel, NULL);
    if (ret >= 0) return ret;
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (sel.system && !sel.name) return cli_usage_error(cmd, "--system needs --tree NAME");

    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    uint32_t sum = 0;
    ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) goto cleanup;
    int rc;
    if (sel.name) {
        if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) goto cleanup;
        rc = lmkv_tree_checksum(&sum, t);
    } else {
        rc = lmkv_db_checksum(&sum, db);
    }
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "computing checksum"); goto cleanup; }
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (o) json_object_set_new(o, "checksum", json_integer((json_int_t)sum));
        if (o && sel.name) json_object_set_new(o, sel.hex ? "tree_hex" : "tree", json_string(sel.name));
        if (o && sel.name) json_object_set_new(o, "system", json_boolean(sel.system));
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else {
        printf("%lu\n", (unsigned long)sum);
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return ret;
}
