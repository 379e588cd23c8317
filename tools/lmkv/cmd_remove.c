/* lmkv remove: delete one key (sled Tree::remove). */
#include "cli.h"
#include "lmkv_kv.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv remove [--tree T | --tree-hex H [--system]] [--force] [--json] [--hex] KEY\n"
    "\n"
    "Remove KEY from tree T (default: __sled__default), as sled's\n"
    "Tree::remove: one atomic write transaction; removing an absent key\n"
    "writes nothing. With --json the removed value is printed\n"
    "({\"previous\": ...} or null).\n"
    "\n"
    "  --tree T     the tree (name as text)\n"
    "  --tree-hex H the tree whose name is the bytes of hex H\n"
    "  --system     T is a system tree (lmkv's typed records and indexes)\n"
    "  -f, --force  an absent key (or tree) is not an error (exit 0)\n"
    "  --hex        KEY is hex\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 removed, 1 key, tree or database not found, 2 usage, 4 I/O.\n";

int cmd_remove(int argc, char **argv)
{
    const char *cmd = "remove";
    struct cli_tree_sel sel = {NULL, 0, 0};
    int force = 0;
    int ret = cli_tree_cmd_options(cmd, usage, argc, argv, &sel, &(struct cli_flag){"force", 'f', &force});
    if (ret >= 0) return ret;
    if (argc - optind != 1)
        return cli_usage_error(cmd, argc - optind < 1 ? "missing KEY" : "too many arguments");

    unsigned char *key = NULL;
    size_t klen = 0;
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_bytes prev = {NULL, 0};
    if (cli_key_arg(cmd, argv[optind], &key, &klen) != 0) { ret = EXIT_USAGE; goto cleanup; }
    if ((ret = cli_db_open(cmd, CLI_DB_WRITE, &db)) != EXIT_OK_) goto cleanup;
    if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) {
        if (ret == EXIT_NOTFOUND && force) ret = EXIT_OK_;
        goto cleanup;
    }
    int rc = lmkv_tree_remove(&prev, t, key, klen);
    if (rc == LMKV_NOTFOUND) {
        if (!force) { ret = cli_key_not_found(cmd, &sel, key, klen); goto cleanup; }
    } else if (rc != LMKV_OK) {
        ret = cli_fail(cmd, rc, "remove");
        goto cleanup;
    }
    if (cli_print_previous(cmd, &prev) != 0) { ret = EXIT_IO; goto cleanup; }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_free(prev.data);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    free(key);
    return ret;
}
