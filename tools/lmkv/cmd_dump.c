/* lmkv dump: every entry of the selected trees, typed records decoded to
 * JSON (schema's lmkv_record_to_json), other values as text/hex; all trees
 * read in one snapshot. */
#include "cli.h"
#include "lmkv_kv.h"
#include "lmkv_schema.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv dump [--tree T | --tree-hex H [--system] | --user | --system]\n"
    "                 [--prefix P] [--from K] [--to K] [--raw] [--json] [--hex]\n"
    "\n"
    "Print every entry of the database: the user trees (sled's, in name order),\n"
    "then lmkv's system trees (typed records and their indexes), in key order,\n"
    "one line per entry: TREE<TAB>KEY<TAB>VALUE. A value that is a typed record\n"
    "in a system tree (a FlatBuffer with an lmkv file identifier) is\n"
    "printed as its JSON rendering; other values as text (see OUTPUT in\n"
    "lmkv(1)). All trees are read in one consistent snapshot, read-only.\n"
    "A progress bar is drawn on stderr when it is a terminal (not with -q, --json).\n"
    "\n"
    "  --tree T     only tree T (name as text)\n"
    "  --tree-hex H the tree whose name is the bytes of hex H\n"
    "  --system     with --tree: T is a system tree; alone: only system trees\n"
    "  --user       only user trees\n"
    "  --prefix P   in each tree only keys starting with P (e.g. --hex --prefix\n"
    "               with a workspace id: one workspace's records)\n"
    "  --from K     only keys >= K;  --to K: only keys < K\n"
    "  --raw        do not decode typed records\n"
    "  --json       one JSON object per line: {\"tree\", \"system\", \"key\",\n"
    "               \"record\"} for a typed record, {..., \"value\"} otherwise;\n"
    "               a record that fails verification adds \"record_error\"\n"
    "  --hex        tree names, keys and raw values as hex\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok, 1 tree or database not found, 2 usage, 4 I/O.\n";

struct dump_tree {
    lmkv_tree *t;
    unsigned char *name;
    size_t name_len;
    int system;
    uint64_t len;
};

/* A record's JSON rendering, or NULL (not a record: *err NULL; a damaged
 * record: *err = malloc'd message). */
static char *record_json(const uint8_t *v, size_t n, char **err)
{
    lmkv_record_type type;
    *err = NULL;
    if (lmkv_record_type_of(&type, v, n) != LMKV_OK) return NULL;
    char *js = NULL;
    int rc = lmkv_record_to_json(&js, v, n, 0);
    if (rc == LMKV_OK) return js;
    const char *m = lmkv_errmsg();
    *err = strdup(m && *m ? m : lmkv_strerror(rc));
    return NULL;
}

static int emit(const char *cmd, const struct dump_tree *d, const lmkv_pair *p, int raw)
{
    char *err = NULL, *js = NULL;
    if (!raw && d->system) js = record_json(p->value, p->value_size, &err);
    int ret = 0;
    if (lmkv_cli.json) {
        json_t *o = json_object(), *rec = NULL;
        if (!o) goto oom;
        if (cli_json_set_bytes(o, "tree", d->name, d->name_len, lmkv_cli.hex) != 0) goto oom;
        json_object_set_new(o, "system", json_boolean(d->system));
        if (cli_json_set_bytes(o, "key", p->key, p->key_size, lmkv_cli.hex) != 0) goto oom;
        if (js) {
            json_error_t je;
            if (!(rec = json_loads(js, 0, &je))) goto oom;
            json_object_set_new(o, "record", rec);
        } else {
            if (cli_json_set_bytes(o, "value", p->value, p->value_size, lmkv_cli.hex) != 0) goto oom;
            if (err) json_object_set_new(o, "record_error", json_string(err));
        }
        ret = cli_json_print(cmd, o);
        goto done;
    oom:
        json_decref(o);
        cli_error(cmd, "out of memory");
        ret = -1;
        goto done;
    }
    cli_print_bytes(stdout, d->name, d->name_len, lmkv_cli.hex);
    fputc('\t', stdout);
    cli_print_bytes(stdout, p->key, p->key_size, lmkv_cli.hex);
    fputc('\t', stdout);
    if (js) fputs(js, stdout);
    else cli_print_bytes(stdout, p->value, p->value_size, lmkv_cli.hex);
    if (err) {
        fputs("\t# damaged record: ", stdout);
        cli_print_bytes(stdout, err, strlen(err), 0);
    }
    if (fputc('\n', stdout) == EOF) ret = -1;
done:
    free(js);
    free(err);
    return ret;
}

static int add_tree(const char *cmd, lmkv_db *db, struct dump_tree **arr, size_t *n,
                    const void *name, size_t nlen, int system)
{
    lmkv_tree *t = NULL;
    int rc = lmkv_db_open_tree_ex(&t, db, name, nlen, (system ? LMKV_TREE_SYSTEM : 0) | LMKV_TREE_NO_CREATE);
    if (rc == LMKV_NOTFOUND) return EXIT_OK_; /* dropped meanwhile */
    if (rc != LMKV_OK) return cli_fail(cmd, rc, "opening tree");
    struct dump_tree *na = realloc(*arr, (*n + 1) * sizeof **arr);
    unsigned char *nm = malloc(nlen + 1);
    if (!na || !nm) {
        if (na) *arr = na;
        free(nm);
        lmkv_tree_close(t);
        cli_error(cmd, "out of memory");
        return EXIT_IO;
    }
    if (nlen) memcpy(nm, name, nlen);
    *arr = na;
    na[*n] = (struct dump_tree){t, nm, nlen, system, 0};
    lmkv_tree_len(&na[*n].len, t);
    (*n)++;
    return EXIT_OK_;
}

static int add_namespace(const char *cmd, lmkv_db *db, struct dump_tree **arr, size_t *n, int system)
{
    lmkv_bytes_array names = {NULL, 0};
    int rc = system ? lmkv_db_system_tree_names(&names, db) : lmkv_db_tree_names(&names, db);
    if (rc != LMKV_OK) return cli_fail(cmd, rc, "listing trees");
    int ret = EXIT_OK_;
    for (size_t i = 0; i < names.count && ret == EXIT_OK_; i++)
        ret = add_tree(cmd, db, arr, n, names.items[i].data, names.items[i].size, system);
    lmkv_bytes_array_free(&names);
    return ret;
}

int cmd_dump(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_TREE_LONGOPTS,
        {"user", no_argument, NULL, 'u'},
        {"raw", no_argument, NULL, 'r'},
        {"prefix", required_argument, NULL, 'p'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "dump";
    struct cli_tree_sel sel = {NULL, 0, 0};
    const char *prefix_arg = NULL, *from_arg = NULL, *to_arg = NULL;
    int user_only = 0, raw = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case CLI_OPT_TREE: case CLI_OPT_TREE_HEX: case CLI_OPT_SYSTEM: cli_tree_opt(&sel, c, optarg); break;
        case 'u': user_only = 1; break;
        case 'r': raw = 1; break;
        case 'p': prefix_arg = optarg; break;
        case 'F': from_arg = optarg; break;
        case 'T': to_arg = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (user_only && (sel.system || sel.name)) return cli_usage_error(cmd, "--user excludes --system and --tree");

    lmkv_db *db = NULL;
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    struct dump_tree *trees = NULL;
    size_t ntrees = 0;
    struct cli_progress prog;
    struct cli_range range;
    int ret = cli_range_init(cmd, &range, prefix_arg, from_arg, to_arg);
    if (ret != EXIT_OK_) goto cleanup;
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto cleanup;
    /* Open every tree first: a txn only sees trees opened before it began. */
    if (sel.name) {
        lmkv_tree *t = NULL;
        if ((ret = cli_tree_open(cmd, db, &sel, 0, &t)) != EXIT_OK_) goto cleanup;
        size_t nlen = 0;
        const void *name = lmkv_tree_name(t, &nlen);
        ret = add_tree(cmd, db, &trees, &ntrees, name, nlen, sel.system);
        lmkv_tree_close(t);
        if (ret != EXIT_OK_) goto cleanup;
    } else {
        if (!sel.system && (ret = add_namespace(cmd, db, &trees, &ntrees, 0)) != EXIT_OK_) goto cleanup;
        if (!user_only && (ret = add_namespace(cmd, db, &trees, &ntrees, 1)) != EXIT_OK_) goto cleanup;
    }
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < ntrees; i++) total += trees[i].len;
    int rc = lmkv_txn_begin(&txn, db, LMKV_TXN_READ_ONLY);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "beginning read transaction"); goto cleanup; }
    cli_progress_begin(&prog, "dump", total);
    for (size_t i = 0; i < ntrees; i++) {
        if ((rc = lmkv_txn_range(&it, txn, trees[i].t, &range.lo, &range.hi)) != LMKV_OK) {
            ret = cli_fail(cmd, rc, "reading tree");
            break;
        }
        lmkv_pair p;
        while ((rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
            if (emit(cmd, &trees[i], &p, raw) != 0) { ret = EXIT_IO; break; }
            cli_progress_update(&prog, ++done);
        }
        lmkv_iter_free(it);
        it = NULL;
        if (ret != EXIT_OK_) break;
        if (rc != LMKV_NOTFOUND) { ret = cli_fail(cmd, rc, "reading tree"); break; }
    }
    cli_progress_end(&prog);
    if (ret == EXIT_OK_) ret = cli_finish_output(cmd);
cleanup:
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    for (size_t i = 0; i < ntrees; i++) { lmkv_tree_close(trees[i].t); free(trees[i].name); }
    free(trees);
    lmkv_db_close(db);
    cli_range_free(&range);
    return ret;
}
