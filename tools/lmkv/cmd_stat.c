/* lmkv stat: environment, tree and typed-record statistics
 * (mdb_env_info + mdb_env_stat + mdb_stat per tree + the store's counts). */
#include "cli.h"
#include "lmkv_kv.h"
#include "lmkv_schema.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv stat [--tree T | --tree-hex H [--system]] [--json] [--hex]\n"
    "\n"
    "Print statistics of the database: lmkv and format version, LMDB map size,\n"
    "page size, pages and bytes in use, file size, last transaction id,\n"
    "reader slots in use, the number of trees and entries, the generate_id\n"
    "high-water mark; each tree's\n"
    "entries, B-tree depth and branch/leaf/overflow pages (as mdb_stat);\n"
    "and the typed records stored (workspaces, file versions, symbols, calls,\n"
    "references, hierarchy edges, path mappings, LSP cache entries).\n"
    "Opens the database read-only; never blocks a writer.\n"
    "\n"
    "  --tree T     only that tree's statistics (--tree-hex H: name as hex)\n"
    "  --system     T is a system tree\n"
    "  --json       one JSON object\n"
    "  --hex        tree names as hex\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok, 1 tree or database not found, 2 usage, 4 I/O.\n";

/* A u64 as a JSON integer, or as a decimal string above INT64_MAX (the
 * schema's JSON convention), so no count ever wraps negative. */
static json_t *ju(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return json_string(buf);
}
#define JI(v) ju((uint64_t)(v))

static json_t *tree_json(const void *name, size_t nlen, const lmkv_tree_stat *ts, const char *dbi)
{
    json_t *o = json_object();
    if (!o) return NULL;
    cli_json_set_bytes(o, "name", name, nlen, lmkv_cli.hex);
    json_object_set_new(o, "dbi", json_string(dbi ? dbi : ""));
    json_object_set_new(o, "entries", JI(ts->entries));
    json_object_set_new(o, "depth", JI(ts->depth));
    json_object_set_new(o, "branch_pages", JI(ts->branch_pages));
    json_object_set_new(o, "leaf_pages", JI(ts->leaf_pages));
    json_object_set_new(o, "overflow_pages", JI(ts->overflow_pages));
    json_object_set_new(o, "bytes", JI((ts->branch_pages + ts->leaf_pages + ts->overflow_pages) * ts->page_size));
    return o;
}

static void tree_text(const void *name, size_t nlen, const lmkv_tree_stat *ts)
{
    uint64_t pages = ts->branch_pages + ts->leaf_pages + ts->overflow_pages;
    printf("  %12llu %5u %8llu %8llu %8llu %12llu  ", (unsigned long long)ts->entries, ts->depth,
           (unsigned long long)ts->branch_pages, (unsigned long long)ts->leaf_pages,
           (unsigned long long)ts->overflow_pages, (unsigned long long)(pages * ts->page_size));
    cli_print_bytes(stdout, name, nlen, lmkv_cli.hex);
    fputc('\n', stdout);
}

/* Stats of every tree of one namespace: text lines or entries of arr. */
static int trees_section(const char *cmd, lmkv_db *db, int system, json_t *arr)
{
    lmkv_bytes_array names = {NULL, 0};
    int rc = system ? lmkv_db_system_tree_names(&names, db) : lmkv_db_tree_names(&names, db);
    if (rc != LMKV_OK) return cli_fail(cmd, rc, "listing trees");
    int ret = EXIT_OK_;
    if (!arr) {
        printf("%s trees (%zu):\n", system ? "System" : "User", names.count);
        if (names.count)
            printf("  %12s %5s %8s %8s %8s %12s  %s\n", "entries", "depth", "branch", "leaf", "overflow", "bytes", "name");
    }
    for (size_t i = 0; i < names.count; i++) {
        lmkv_tree *t = NULL;
        lmkv_tree_stat ts;
        rc = lmkv_db_open_tree_ex(&t, db, names.items[i].data, names.items[i].size,
                                  (system ? LMKV_TREE_SYSTEM : 0) | LMKV_TREE_NO_CREATE);
        if (rc == LMKV_NOTFOUND) continue; /* dropped meanwhile by another process */
        if (rc == LMKV_OK) rc = lmkv_tree_stat_get(&ts, t);
        if (rc != LMKV_OK) { lmkv_tree_close(t); ret = cli_fail(cmd, rc, "tree statistics"); break; }
        if (arr) {
            json_t *o = tree_json(names.items[i].data, names.items[i].size, &ts, lmkv_tree_dbi_name(t));
            if (!o || json_array_append_new(arr, o) != 0) {
                lmkv_tree_close(t);
                cli_error(cmd, "out of memory");
                ret = EXIT_IO;
                break;
            }
        } else {
            tree_text(names.items[i].data, names.items[i].size, &ts);
        }
        lmkv_tree_close(t);
    }
    lmkv_bytes_array_free(&names);
    return ret;
}

struct count_row { const char *name; uint64_t v; };

static int records_section(const char *cmd, lmkv_db *db, json_t *root)
{
    lmkv_store *st = NULL;
    lmkv_store_txn *txn = NULL;
    lmkv_store_counts n;
    memset(&n, 0, sizeof n);
    int rc = lmkv_store_open(&st, db);
    if (rc == LMKV_OK) rc = lmkv_store_txn_begin(&txn, st);
    if (rc == LMKV_OK) rc = lmkv_store_count(&n, txn, 0);
    lmkv_store_txn_end(txn);
    lmkv_store_close(st);
    if (rc != LMKV_OK) return cli_fail(cmd, rc, "counting typed records");
    struct count_row rows[] = {
        {"workspaces", n.workspaces}, {"file_versions", n.file_versions}, {"symbols", n.symbols},
        {"calls", n.calls}, {"references", n.references}, {"hierarchy", n.hierarchy},
        {"commit_mappings", n.commit_mappings}, {"latest_mappings", n.latest_mappings},
        {"current_mappings", n.current_mappings}, {"cache_entries", n.cache_entries},
        {"cache_bytes", n.cache_bytes}, {"cache_stats", n.cache_stats},
    };
    json_t *o = root ? json_object() : NULL;
    if (root && !o) { cli_error(cmd, "out of memory"); return EXIT_IO; }
    if (!root) printf("Typed records:\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (o) json_object_set_new(o, rows[i].name, JI(rows[i].v));
        else printf("  %-18s %llu\n", rows[i].name, (unsigned long long)rows[i].v);
    }
    if (o) json_object_set_new(root, "records", o);
    return EXIT_OK_;
}

int cmd_stat(int argc, char **argv)
{
    const char *cmd = "stat";
    struct cli_tree_sel sel = {NULL, 0, 0};
    int ret = cli_tree_cmd_options(cmd, usage, argc, argv, &sel, NULL);
    if (ret >= 0) return ret;
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (sel.system && !sel.name) return cli_usage_error(cmd, "--system needs --tree NAME");

    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    json_t *root = NULL;
    ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) goto cleanup;
    int rc;
    if (sel.name) {
        lmkv_tree_stat ts;
        if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) goto cleanup;
        size_t nlen = 0;
        const void *name = lmkv_tree_name(t, &nlen);
        if ((rc = lmkv_tree_stat_get(&ts, t)) != LMKV_OK) { ret = cli_fail(cmd, rc, "tree statistics"); goto cleanup; }
        if (lmkv_cli.json) {
            json_t *o = tree_json(name, nlen, &ts, lmkv_tree_dbi_name(t));
            if (o) json_object_set_new(o, "system", json_boolean(sel.system));
            if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
        } else {
            printf("tree        ");
            cli_print_bytes(stdout, name, nlen, lmkv_cli.hex);
            printf(" (%s)\n", sel.system ? "system" : "user");
            printf("dbi         %s\n", lmkv_tree_dbi_name(t));
            printf("entries     %llu\n", (unsigned long long)ts.entries);
            printf("depth       %u\n", ts.depth);
            printf("pages       %llu branch, %llu leaf, %llu overflow (%u bytes each)\n",
                   (unsigned long long)ts.branch_pages, (unsigned long long)ts.leaf_pages,
                   (unsigned long long)ts.overflow_pages, ts.page_size);
            printf("bytes       %llu\n",
                   (unsigned long long)((ts.branch_pages + ts.leaf_pages + ts.overflow_pages) * ts.page_size));
        }
        ret = cli_finish_output(cmd);
        goto cleanup;
    }

    lmkv_db_stat s;
    if ((rc = lmkv_db_stat_get(&s, db)) != LMKV_OK) { ret = cli_fail(cmd, rc, "database statistics"); goto cleanup; }
    uint64_t used = (s.last_page + 1) * (uint64_t)s.page_size;
    uint64_t next_id = 0;
    if ((rc = lmkv_db_peek_next_id(&next_id, db)) != LMKV_OK) { ret = cli_fail(cmd, rc, "reading the id counter"); goto cleanup; }
    if (lmkv_cli.json) {
        if (!(root = json_object())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
        json_object_set_new(root, "path", json_string(lmkv_db_path(db)));
        json_object_set_new(root, "version", json_string(lmkv_version()));
        json_object_set_new(root, "format_version", JI(LMKV_FORMAT_VERSION));
        json_object_set_new(root, "map_size", JI(s.map_size));
        json_object_set_new(root, "page_size", JI(s.page_size));
        json_object_set_new(root, "last_page", JI(s.last_page));
        json_object_set_new(root, "bytes_used", JI(used));
        json_object_set_new(root, "disk_size_bytes", JI(s.disk_size_bytes));
        json_object_set_new(root, "last_txnid", JI(s.last_txnid));
        json_object_set_new(root, "readers", JI(s.num_readers));
        json_object_set_new(root, "max_readers", JI(s.max_readers));
        json_object_set_new(root, "tree_count", JI(s.tree_count));
        json_object_set_new(root, "system_tree_count", JI(s.system_tree_count));
        json_object_set_new(root, "total_entries", JI(s.total_entries));
        json_object_set_new(root, "total_size_bytes", JI(s.total_size_bytes));
        json_object_set_new(root, "next_id", JI(next_id));
        json_t *ut = json_array(), *st = json_array();
        if (!ut || !st) { json_decref(ut); json_decref(st); cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
        json_object_set_new(root, "trees", ut);
        json_object_set_new(root, "system_trees", st);
        if ((ret = trees_section(cmd, db, 0, ut)) != EXIT_OK_) goto cleanup;
        if ((ret = trees_section(cmd, db, 1, st)) != EXIT_OK_) goto cleanup;
        if ((ret = records_section(cmd, db, root)) != EXIT_OK_) goto cleanup;
        json_t *r = root;
        root = NULL;
        if (cli_json_print(cmd, r) != 0) { ret = EXIT_IO; goto cleanup; }
    } else {
        printf("database      %s\n", lmkv_db_path(db));
        printf("version       lmkv %s, format %d\n", lmkv_version(), LMKV_FORMAT_VERSION);
        printf("map size      %llu bytes\n", (unsigned long long)s.map_size);
        printf("page size     %u bytes\n", s.page_size);
        printf("used          %llu pages, %llu bytes (last page %llu)\n", (unsigned long long)(s.last_page + 1),
               (unsigned long long)used, (unsigned long long)s.last_page);
        printf("on disk       %llu bytes (data.mdb + lock.mdb)\n", (unsigned long long)s.disk_size_bytes);
        printf("last txn      %llu\n", (unsigned long long)s.last_txnid);
        printf("readers       %u of %u slots in use\n", s.num_readers, s.max_readers);
        printf("trees         %llu user, %llu system\n", (unsigned long long)s.tree_count,
               (unsigned long long)s.system_tree_count);
        printf("entries       %llu in user trees, %llu bytes of pages\n", (unsigned long long)s.total_entries,
               (unsigned long long)s.total_size_bytes);
        printf("next id       %llu (generate_id high-water mark)\n", (unsigned long long)next_id);
        if ((ret = trees_section(cmd, db, 0, NULL)) != EXIT_OK_) goto cleanup;
        if ((ret = trees_section(cmd, db, 1, NULL)) != EXIT_OK_) goto cleanup;
        if ((ret = records_section(cmd, db, NULL)) != EXIT_OK_) goto cleanup;
    }
    ret = cli_finish_output(cmd);
cleanup:
    json_decref(root);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return ret;
}
