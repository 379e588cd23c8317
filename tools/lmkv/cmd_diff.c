/* lmkv diff: semantic diff between two commits -- symbols added, removed
 * and modified by qualified name and signature (lmkv_diff_commits,
 * versioning/lmkv_versioning.h; as codegraph's compare_commits). */
#include "cli.h"
#include "lmkv_analysis.h"
#include "lmkv_versioning.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv diff [--db DIR] [--workspace ROOT] [--json] A B\n"
    "\n"
    "Compare the symbols of commits A and B of the git workspace ROOT\n"
    "(default: .). A and B are any revisions git understands (HEAD~2, main,\n"
    "a tag, an abbreviated id). Only sources `lmkv index` reads (C, C++, ...)\n"
    "whose content\n"
    "differs between the two trees are compared; their symbols are matched by\n"
    "qualified name and kind and reported as added (+), removed (-) or\n"
    "modified (~, signature changed). The file versions of both commits must\n"
    "have been indexed (`lmkv index` with each commit checked out); a missing\n"
    "one is reported with its path. Read-only.\n"
    "\n"
    "  --workspace ROOT  the workspace root directory (default: .)\n"
    "  --json            {a, b, added, removed, modified, changes: [{change,\n"
    "                    kind, qualified_name, path, old_path?, old_signature?,\n"
    "                    new_signature?, old_line, new_line}]}\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok, 1 revision, database or indexed version not found, 2 usage,\n"
    "4 I/O or git error.\n";


static const char *change_word(int c)
{
    return c == LMKV_CHANGE_ADDED ? "added" : c == LMKV_CHANGE_REMOVED ? "removed" : "modified";
}

int cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "diff";
    const char *root = ".";
    int c, ret, rc;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_worktree *wt = NULL;
    struct lmkv_semdiff *d = NULL;
    lmkv_analyser *an = NULL;

    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': root = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(cmd, argc - optind < 2 ? "needs two revisions A and B" : "too many arguments");
    if ((ret = cli_workspace_open(cmd, CLI_DB_READ, root, 0, &db, &st, &wt)) != EXIT_OK_) goto cleanup;
    if (!lmkv_worktree_is_git(wt)) {
        cli_error(cmd, "'%s' is not the root of a git repository", lmkv_worktree_root(wt));
        ret = EXIT_USAGE;
        goto cleanup;
    }
    struct lmkv_index_options io;
    memset(&io, 0, sizeof io);
    /* the files `lmkv index` selects: every language analysis/ reads */
    struct lmkv_analyser_options ao = {.root = lmkv_worktree_root(wt)};
    if ((rc = lmkv_analyser_new(&an, &ao)) != LMKV_OK) { ret = cli_fail(cmd, rc, "analyser"); goto cleanup; }
    io.filter = lmkv_analyser_filter;
    io.filter_ctx = an;
    rc = lmkv_diff_commits(&d, wt, argv[optind], argv[optind + 1], &io, NULL, NULL);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "diff"); goto cleanup; }
    if (lmkv_cli.json) {
        json_t *o = json_object(), *arr = json_array();
        json_object_set_new(o, "a", json_string(d->a));
        json_object_set_new(o, "b", json_string(d->b));
        json_object_set_new(o, "added", json_integer((json_int_t)d->added));
        json_object_set_new(o, "removed", json_integer((json_int_t)d->removed));
        json_object_set_new(o, "modified", json_integer((json_int_t)d->modified));
        for (size_t i = 0; i < d->nchanges; i++) {
            const struct lmkv_symbol_change *x = &d->changes[i];
            json_t *e = json_object();
            const char *kn = lmkv_symbol_kind_name(x->kind);
            json_object_set_new(e, "change", json_string(change_word(x->change)));
            json_object_set_new(e, "kind", kn ? json_string(kn) : json_integer(x->kind));
            json_object_set_new(e, "qualified_name", json_string(x->qualified_name));
            json_object_set_new(e, "path", json_string(x->path));
            if (x->old_path) json_object_set_new(e, "old_path", json_string(x->old_path));
            if (x->old_signature) json_object_set_new(e, "old_signature", json_string(x->old_signature));
            if (x->new_signature) json_object_set_new(e, "new_signature", json_string(x->new_signature));
            json_object_set_new(e, "old_line", json_integer(x->old_line));
            json_object_set_new(e, "new_line", json_integer(x->new_line));
            json_array_append_new(arr, e);
        }
        json_object_set_new(o, "changes", arr);
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else {
        printf("%s..%s: %zu added, %zu removed, %zu modified\n", d->a, d->b, d->added, d->removed, d->modified);
        for (size_t i = 0; i < d->nchanges; i++) {
            const struct lmkv_symbol_change *x = &d->changes[i];
            const char *kn = lmkv_symbol_kind_name(x->kind);
            char mark = x->change == LMKV_CHANGE_ADDED ? '+' : x->change == LMKV_CHANGE_REMOVED ? '-' : '~';
            printf("%c %s %s  %s:%u", mark, kn ? kn : "?", x->qualified_name, x->path,
                   x->change == LMKV_CHANGE_REMOVED ? x->old_line : x->new_line);
            if (x->change == LMKV_CHANGE_MODIFIED)
                printf("  %s -> %s", x->old_signature ? x->old_signature : "(none)",
                       x->new_signature ? x->new_signature : "(none)");
            else if (x->change == LMKV_CHANGE_ADDED && x->new_signature) printf("  %s", x->new_signature);
            else if (x->change == LMKV_CHANGE_REMOVED && x->old_signature) printf("  %s", x->old_signature);
            putchar('\n');
        }
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_semdiff_free(d);
    lmkv_analyser_free(an);
    lmkv_worktree_free(wt);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
