/* lmkv trees: list trees (sled Db::tree_names), optionally the system trees. */
#include "cli.h"
#include "lmkv_kv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv trees [--system | --all] [-l] [--json] [--hex]\n"
    "\n"
    "List the user trees (sled's tree_names(): bytewise order, the default\n"
    "tree __sled__default included), one name per line.\n"
    "\n"
    "  --system     list lmkv's system trees (typed records and indexes) instead\n"
    "  --all        list user trees, then system trees (-l/--json mark which)\n"
    "  -l, --long   NAME<TAB>ENTRIES<TAB>KIND<TAB>LMDB sub-database name\n"
    "  --json       a JSON array of {\"name\", \"entries\", \"system\", \"dbi\"}\n"
    "  --hex        names as hex\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "The LMDB sub-database name is what mdb_stat -a and mdb_dump -s show.\n"
    "Exit: 0 ok, 1 no database, 2 usage, 4 I/O.\n";

static int list(const char *cmd, lmkv_db *db, int system, int lng, json_t *arr)
{
    lmkv_bytes_array names = {NULL, 0};
    int rc = system ? lmkv_db_system_tree_names(&names, db) : lmkv_db_tree_names(&names, db);
    if (rc != LMKV_OK) return cli_fail(cmd, rc, "listing trees");
    int ret = EXIT_OK_;
    for (size_t i = 0; i < names.count; i++) {
        const lmkv_bytes *n = &names.items[i];
        if (!lng && !arr) {
            cli_print_bytes(stdout, n->data, n->size, lmkv_cli.hex);
            fputc('\n', stdout);
            continue;
        }
        lmkv_tree *t = NULL;
        uint64_t entries = 0;
        rc = lmkv_db_open_tree_ex(&t, db, n->data, n->size, (system ? LMKV_TREE_SYSTEM : 0) | LMKV_TREE_NO_CREATE);
        if (rc == LMKV_NOTFOUND) continue; /* dropped by another process meanwhile */
        if (rc == LMKV_OK) rc = lmkv_tree_len(&entries, t);
        if (rc != LMKV_OK) { lmkv_tree_close(t); ret = cli_fail(cmd, rc, "reading tree"); break; }
        const char *dbi = lmkv_tree_dbi_name(t);
        if (arr) {
            json_t *o = json_object();
            if (!o || cli_json_set_bytes(o, "name", n->data, n->size, lmkv_cli.hex) != 0 ||
                json_object_set_new(o, "entries", json_integer((json_int_t)entries)) != 0 ||
                json_object_set_new(o, "system", json_boolean(system)) != 0 ||
                json_object_set_new(o, "dbi", json_string(dbi ? dbi : "")) != 0 ||
                json_array_append_new(arr, o) != 0) {
                json_decref(o);
                lmkv_tree_close(t);
                cli_error(cmd, "out of memory");
                ret = EXIT_IO;
                break;
            }
        } else {
            cli_print_bytes(stdout, n->data, n->size, lmkv_cli.hex);
            printf("\t%llu\t%s\t%s\n", (unsigned long long)entries, system ? "system" : "user", dbi ? dbi : "");
        }
        lmkv_tree_close(t);
    }
    lmkv_bytes_array_free(&names);
    return ret;
}

int cmd_trees(int argc, char **argv)
{
    static const struct option opts[] = {
        {"system", no_argument, NULL, CLI_OPT_SYSTEM},
        {"all", no_argument, NULL, 'a'},
        {"long", no_argument, NULL, 'l'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "trees";
    int system = 0, all = 0, lng = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "al" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case CLI_OPT_SYSTEM: system = 1; break;
        case 'a': all = 1; break;
        case 'l': lng = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (system && all) return cli_usage_error(cmd, "--system and --all exclude each other");

    lmkv_db *db = NULL;
    json_t *arr = NULL;
    int ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) goto cleanup;
    if (lmkv_cli.json && !(arr = json_array())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
    if (!system || all) ret = list(cmd, db, 0, lng || all, arr);
    if (ret == EXIT_OK_ && (system || all)) ret = list(cmd, db, 1, lng || all, arr);
    if (ret == EXIT_OK_ && arr) {
        json_t *a = arr;
        arr = NULL;
        if (cli_json_print(cmd, a) != 0) ret = EXIT_IO;
    }
    if (ret == EXIT_OK_) ret = cli_finish_output(cmd);
cleanup:
    json_decref(arr);
    lmkv_db_close(db);
    return ret;
}
