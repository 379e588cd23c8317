/* lmkv verify: read every entry of every tree (kv level: LMDB pages, kv's
 * key encoding), then check the typed records and their indexes with the
 * store's verifier (schema's lmkv_store_verify). Exit 3 on damage. */
#include "cli.h"
#include "lmkv_kv.h"
#include "lmkv_schema.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv verify [--max-errors N] [--json] [--hex]\n"
    "\n"
    "Check the whole database and report every problem found, one per line:\n"
    " 1. every entry of every tree (user and system) is read in one snapshot,\n"
    "    so damaged LMDB pages and damaged kv key records are found;\n"
    " 2. the store's verifier: every typed record and index value through the\n"
    "    FlatBuffers verifier with its ids consistent with its key, every index\n"
    "    entry pointing at an existing record, every record reachable from each\n"
    "    of its indexes, mappings pointing at stored file versions, the current\n"
    "    map and its reverse agreeing, the LSP cache trees agreeing.\n"
    "Problems are printed as TREE<TAB>KEY<TAB>MESSAGE, then one summary line.\n"
    "Opens the database read-only; a concurrent writer is not blocked.\n"
    "A progress bar is drawn on stderr when it is a terminal.\n"
    "\n"
    "  --max-errors N  stop after N problems (default 1000; 0 = no limit)\n"
    "  --json          one JSON object per problem {\"tree\", \"key\", \"message\"},\n"
    "                  then {\"ok\", \"problems\", \"trees\", \"entries\"}\n"
    "  --hex           keys as hex\n"
    "  --db DIR        database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 no damage, 1 no database, 2 usage, 3 damage found, 4 I/O.\n";

struct vctx {
    const char *cmd;
    uint64_t problems;
    uint64_t max;
    int io_error;
};

static int report(struct vctx *v, const void *tree, size_t tlen, const void *key, size_t klen, const char *msg)
{
    v->problems++;
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (!o || cli_json_set_bytes(o, "tree", tree, tlen, 0) != 0 ||
            (key && cli_json_set_bytes(o, "key", key, klen, lmkv_cli.hex) != 0) ||
            json_object_set_new(o, "message", json_string(msg)) != 0) {
            json_decref(o);
            v->io_error = 1;
            return 1;
        }
        if (cli_json_print(v->cmd, o) != 0) { v->io_error = 1; return 1; }
    } else {
        cli_print_bytes(stdout, tree, tlen, 0);
        fputc('\t', stdout);
        if (key) cli_print_bytes(stdout, key, klen, lmkv_cli.hex);
        else fputc('-', stdout);
        fputc('\t', stdout);
        cli_print_bytes(stdout, msg, strlen(msg), 0);
        if (fputc('\n', stdout) == EOF) { v->io_error = 1; return 1; }
    }
    return (v->max && v->problems >= v->max) ? 1 : 0;
}

static int on_problem(void *ctx, const lmkv_store_problem *p)
{
    struct vctx *v = ctx;
    const char *tree = p->tree ? p->tree : "";
    return report(v, tree, strlen(tree), p->key, p->key_len, p->message ? p->message : "problem");
}

struct vtree { lmkv_tree *t; int system; uint64_t len; };

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"max-errors", required_argument, NULL, 'm'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "verify";
    struct vctx v = {cmd, 0, 1000, 0};
    int c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'm': if (cli_parse_u64(cmd, "--max-errors", optarg, UINT64_MAX, &v.max) != 0) return EXIT_USAGE; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    lmkv_db *db = NULL;
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    lmkv_store *st = NULL;
    struct vtree *trees = NULL;
    size_t ntrees = 0;
    lmkv_bytes_array names[2] = {{NULL, 0}, {NULL, 0}};
    uint64_t entries = 0, total = 0;
    struct cli_progress prog;
    int rc, ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) goto cleanup;

    /* Pass 1: kv level. Open every tree, then read all in one snapshot. */
    if ((rc = lmkv_db_tree_names(&names[0], db)) != LMKV_OK ||
        (rc = lmkv_db_system_tree_names(&names[1], db)) != LMKV_OK) {
        ret = cli_fail(cmd, rc, "listing trees");
        goto cleanup;
    }
    if (!(trees = calloc(names[0].count + names[1].count + 1, sizeof *trees))) {
        cli_error(cmd, "out of memory");
        ret = EXIT_IO;
        goto cleanup;
    }
    for (int sys = 0; sys < 2; sys++) {
        for (size_t i = 0; i < names[sys].count; i++) {
            lmkv_tree *t = NULL;
            rc = lmkv_db_open_tree_ex(&t, db, names[sys].items[i].data, names[sys].items[i].size,
                                      (sys ? LMKV_TREE_SYSTEM : 0) | LMKV_TREE_NO_CREATE);
            if (rc == LMKV_NOTFOUND) continue;
            if (rc != LMKV_OK) {
                const char *m = lmkv_errmsg();
                if (report(&v, names[sys].items[i].data, names[sys].items[i].size, NULL, 0,
                           m && *m ? m : lmkv_strerror(rc)))
                    goto summary;
                continue;
            }
            trees[ntrees] = (struct vtree){t, sys, 0};
            lmkv_tree_len(&trees[ntrees].len, t);
            total += trees[ntrees].len;
            ntrees++;
        }
    }
    if ((rc = lmkv_txn_begin(&txn, db, LMKV_TXN_READ_ONLY)) != LMKV_OK) {
        ret = cli_fail(cmd, rc, "beginning read transaction");
        goto cleanup;
    }
    cli_progress_begin(&prog, "verify: reading trees", total);
    for (size_t i = 0; i < ntrees; i++) {
        size_t nlen = 0;
        const void *name = lmkv_tree_name(trees[i].t, &nlen);
        lmkv_pair p;
        uint64_t seen = 0;
        rc = lmkv_txn_iter(&it, txn, trees[i].t);
        while (rc == LMKV_OK && (rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
            seen++;
            cli_progress_update(&prog, ++entries);
        }
        lmkv_iter_free(it);
        it = NULL;
        if (rc != LMKV_NOTFOUND) {
            const char *m = lmkv_errmsg();
            char msg[1200];
            snprintf(msg, sizeof msg, "reading entry %llu: %s", (unsigned long long)seen + 1,
                     m && *m ? m : lmkv_strerror(rc));
            if (rc != LMKV_ECORRUPT && rc != LMKV_ECOLLISION) {
                cli_progress_end(&prog);
                ret = cli_fail(cmd, rc, "reading tree");
                goto cleanup;
            }
            if (report(&v, name, nlen, NULL, 0, msg)) { cli_progress_end(&prog); goto summary; }
        }
    }
    cli_progress_end(&prog);
    lmkv_txn_abort(txn);
    txn = NULL;

    /* Pass 2: typed records and indexes. */
    cli_progress_begin(&prog, "verify: checking typed records", 0);
    cli_progress_update(&prog, 0);
    rc = lmkv_store_open(&st, db);
    if (rc == LMKV_OK) {
        size_t nprob = 0;
        rc = lmkv_store_verify(&nprob, st, on_problem, &v);
    }
    cli_progress_end(&prog);
    if (v.io_error) { ret = EXIT_IO; goto cleanup; }
    if (rc != LMKV_OK && rc != LMKV_ECORRUPT) { ret = cli_fail(cmd, rc, "verifying typed records"); goto cleanup; }
    if (rc == LMKV_ECORRUPT && v.problems == 0) {
        /* The store found damage but reported no problem line: report its message. */
        const char *m = lmkv_errmsg();
        report(&v, "store", 5, NULL, 0, m && *m ? m : "damaged");
    }

summary:
    if (v.io_error) { ret = EXIT_IO; goto cleanup; }
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (o) {
            json_object_set_new(o, "ok", json_boolean(v.problems == 0));
            json_object_set_new(o, "problems", json_integer((json_int_t)v.problems));
            json_object_set_new(o, "trees", json_integer((json_int_t)ntrees));
            json_object_set_new(o, "entries", json_integer((json_int_t)entries));
            json_object_set_new(o, "truncated", json_boolean(v.max && v.problems >= v.max));
        }
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else if (v.problems) {
        printf("damaged: %llu problem%s%s (%llu entries in %zu trees read)\n", (unsigned long long)v.problems,
               v.problems == 1 ? "" : "s", v.max && v.problems >= v.max ? ", stopped at --max-errors" : "",
               (unsigned long long)entries, ntrees);
    } else {
        printf("ok: %llu entries in %zu trees read, typed records and indexes consistent\n",
               (unsigned long long)entries, ntrees);
    }
    ret = cli_finish_output(cmd);
    if (ret == EXIT_OK_ && v.problems) ret = EXIT_DAMAGED;
cleanup:
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    lmkv_store_close(st);
    for (size_t i = 0; i < ntrees; i++) lmkv_tree_close(trees[i].t);
    free(trees);
    lmkv_bytes_array_free(&names[0]);
    lmkv_bytes_array_free(&names[1]);
    lmkv_db_close(db);
    return ret;
}
