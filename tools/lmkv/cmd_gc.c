/* lmkv gc: remove versions no branch reaches any more, or older than an
 * age, with their records, index entries and cache entries
 * (lmkv_gc_run, versioning/lmkv_versioning.h). */
#include "cli.h"
#include "lmkv_versioning.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv gc [--db DIR] [--workspace ROOT] [--max-age SECONDS] [--batch N]\n"
    "               [--dry-run] [--json]\n"
    "\n"
    "Retention for the workspace ROOT (default: .). Indexed commits that no\n"
    "local branch nor HEAD reaches any more are dropped; with --max-age, so\n"
    "are indexed commits whose commit time is older than SECONDS ago (HEAD and\n"
    "branch tips are always kept). Then every file version that neither the\n"
    "current state, the latest map nor a remaining commit uses is removed with\n"
    "its records, index entries and LSP cache entries, in transactions of at\n"
    "most N file versions (default 256). An interrupted gc leaves a consistent\n"
    "database; run it again to finish.\n"
    "\n"
    "  --workspace ROOT  the workspace root directory (default: .)\n"
    "  --max-age SECONDS drop indexed commits older than this (0 = no limit)\n"
    "  --batch N         file versions removed per write transaction\n"
    "  --dry-run         count what would be removed; write nothing\n"
    "  --json            {commits_kept, commits_dropped, versions_kept,\n"
    "                    versions_removed, write_txns, dry_run}\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok, 1 database or workspace not found, 2 usage, 4 I/O or git error.\n";

int cmd_gc(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        {"max-age", required_argument, NULL, 'm'},
        {"batch", required_argument, NULL, 'b'},
        {"dry-run", no_argument, NULL, 'n'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "gc";
    const char *root = ".";
    int c, ret, rc;
    uint64_t v;
    struct lmkv_gc_options go;
    struct lmkv_gc_report gr;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_worktree *wt = NULL;

    memset(&go, 0, sizeof go);
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:m:b:n" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': root = optarg; break;
        case 'm':
            if (cli_parse_u64(cmd, "--max-age", optarg, (uint64_t)INT64_MAX / 2, &v) != 0) return EXIT_USAGE;
            go.max_age_seconds = (int64_t)v;
            break;
        case 'b':
            if (cli_parse_u64(cmd, "--batch", optarg, 1u << 20, &v) != 0) return EXIT_USAGE;
            if (v == 0) return cli_usage_error(cmd, "--batch must be at least 1");
            go.batch_versions = (size_t)v;
            break;
        case 'n': go.dry_run = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind != argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if ((ret = cli_workspace_open(cmd, go.dry_run ? CLI_DB_READ : CLI_DB_WRITE, root, 0, &db, &st, &wt)) != EXIT_OK_)
        goto cleanup;
    if ((rc = lmkv_gc_run(&gr, wt, &go)) != LMKV_OK) { ret = cli_fail(cmd, rc, "gc"); goto cleanup; }
    if (lmkv_cli.json) {
        json_t *o = json_object();
        json_object_set_new(o, "workspace", json_string(lmkv_worktree_root(wt)));
        json_object_set_new(o, "dry_run", json_boolean(go.dry_run));
        json_object_set_new(o, "commits_kept", json_integer((json_int_t)gr.commits_kept));
        json_object_set_new(o, "commits_dropped", json_integer((json_int_t)gr.commits_dropped));
        json_object_set_new(o, "versions_kept", json_integer((json_int_t)gr.versions_kept));
        json_object_set_new(o, "versions_removed", json_integer((json_int_t)gr.versions_removed));
        json_object_set_new(o, "write_txns", json_integer((json_int_t)gr.write_txns));
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else {
        const char *would = go.dry_run ? "would be " : "";
        printf("commits   %zu kept, %zu %sdropped\n", gr.commits_kept, gr.commits_dropped, would);
        printf("versions  %zu kept, %zu %sremoved\n", gr.versions_kept, gr.versions_removed, would);
        printf("write transactions %zu\n", gr.write_txns);
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_worktree_free(wt);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
