/* lmkv insert: store one key/value (sled Tree::insert). */
#include "cli.h"
#include "lmkv_kv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv insert [--tree T | --tree-hex H [--system]] [--json] [--hex] KEY VALUE\n"
    "       lmkv insert [--tree T | --tree-hex H [--system]] [--hex] KEY --stdin\n"
    "\n"
    "Store VALUE under KEY in tree T (default: __sled__default), as sled's\n"
    "Tree::insert: one atomic write transaction, visible to every process\n"
    "when the command returns; inserting the value already stored writes\n"
    "nothing. The database and the tree are created when missing. The\n"
    "previous value is printed with --json ({\"previous\": ...} or null).\n"
    "\n"
    "  --tree T     the tree (name as text)\n"
    "  --tree-hex H the tree whose name is the bytes of hex H\n"
    "  --system     T is a system tree: writes lmkv's typed records or indexes\n"
    "               directly (for repairs and tests; `lmkv verify` checks them)\n"
    "  --stdin      read the value's bytes from standard input (exactly)\n"
    "  --hex        KEY and VALUE are hex\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 stored, 2 usage, 4 I/O (also: read-only, disk full).\n";

static int read_stdin(const char *cmd, unsigned char **out, size_t *outlen)
{
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) { cli_error(cmd, "out of memory"); return -1; }
    for (;;) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); cli_error(cmd, "out of memory reading standard input"); return -1; }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) break;
    }
    if (ferror(stdin)) { free(buf); cli_error(cmd, "reading standard input: %s", strerror(errno)); return -1; }
    *out = buf;
    *outlen = n;
    return 0;
}

int cmd_insert(int argc, char **argv)
{
    const char *cmd = "insert";
    struct cli_tree_sel sel = {NULL, 0, 0};
    int from_stdin = 0;
    int ret = cli_tree_cmd_options(cmd, usage, argc, argv, &sel, &(struct cli_flag){"stdin", 0, &from_stdin});
    if (ret >= 0) return ret;
    int want = from_stdin ? 1 : 2, have = argc - optind;
    if (have < want) return cli_usage_error(cmd, have == 0 ? "missing KEY" : "missing VALUE");
    if (have > want) return cli_usage_error(cmd, "too many arguments");

    unsigned char *key = NULL, *val = NULL;
    size_t klen = 0, vlen = 0;
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_bytes prev = {NULL, 0};
    if (cli_key_arg(cmd, argv[optind], &key, &klen) != 0) { ret = EXIT_USAGE; goto cleanup; }
    if (from_stdin) {
        if (read_stdin(cmd, &val, &vlen) != 0) { ret = EXIT_IO; goto cleanup; }
    } else if (cli_bytes_arg(cmd, "value", argv[optind + 1], lmkv_cli.hex, &val, &vlen) != 0) {
        ret = EXIT_USAGE;
        goto cleanup;
    }
    if ((ret = cli_db_open(cmd, CLI_DB_CREATE, &db)) != EXIT_OK_) goto cleanup;
    if ((ret = cli_tree_open(cmd, db, &sel, 1, &t)) != EXIT_OK_) goto cleanup;
    int rc = lmkv_tree_insert(&prev, t, key, klen, val, vlen);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "insert"); goto cleanup; }
    if (cli_print_previous(cmd, &prev) != 0) { ret = EXIT_IO; goto cleanup; }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_free(prev.data);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    free(key);
    free(val);
    return ret;
}
