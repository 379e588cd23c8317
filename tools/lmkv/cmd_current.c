/* lmkv current: the git state of a workspace and where each file's records
 * come from in the current state (versioning/lmkv_versioning.h). */
#include "cli.h"
#include "lmkv_versioning.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv current [--db DIR] [--workspace ROOT] [--all] [--json]\n"
    "\n"
    "Show the current state of the workspace ROOT (default: .) as stored in\n"
    "the database: HEAD (commit, branch, detached/unborn), the commit the\n"
    "state was indexed at, the state generation, whether the worktree has\n"
    "changed since (stale: run `lmkv index`), the modified files, and for\n"
    "each file where its records come from: 'commit X' (unmodified file, the\n"
    "HEAD commit's version), 'latest' (modified or untracked file, or a\n"
    "non-git workspace: the latest indexed version) or 'none' (not indexed).\n"
    "Read-only: opens no write transaction.\n"
    "\n"
    "  --workspace ROOT  the workspace root directory (default: .)\n"
    "  --all             list every current file, not only changed ones\n"
    "  --json            one JSON object: {workspace, head, indexed_commit,\n"
    "                    generation, stale, modified: [...], files: [...]}\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok, 1 database or workspace not found (never indexed), 2 usage,\n"
    "4 I/O or git error.\n";

static void status_words(char *buf, size_t n, unsigned st)
{
    static const struct { unsigned bit; const char *w; } words[] = {
        {LMKV_WT_MODIFIED, "modified"}, {LMKV_WT_ADDED, "added"}, {LMKV_WT_DELETED, "deleted"},
        {LMKV_WT_UNTRACKED, "untracked"}, {LMKV_WT_RENAMED, "renamed"}, {LMKV_WT_TYPECHANGE, "typechange"},
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (!(st & words[i].bit)) continue;
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", l ? "," : "", words[i].w);
    }
    if (!buf[0]) snprintf(buf, n, "%s", (st & LMKV_WT_NOGIT) ? "-" : "unmodified");
}

static const char *source_word(int s)
{
    return s == LMKV_SOURCE_COMMIT ? "commit" : s == LMKV_SOURCE_LATEST ? "latest" : "none";
}

static int print_json(const char *cmd, const lmkv_worktree *wt, const struct lmkv_current_info *ci, int all)
{
    json_t *o = json_object(), *head = json_object(), *files = json_array(), *mod = json_array();
    char fvhex[17];
    json_object_set_new(o, "workspace", json_string(lmkv_worktree_root(wt)));
    json_object_set_new(o, "is_git", json_boolean(ci->head.is_git));
    json_object_set_new(head, "commit", ci->head.commit[0] ? json_string(ci->head.commit) : json_null());
    json_object_set_new(head, "branch", ci->head.branch[0] ? json_string(ci->head.branch) : json_null());
    json_object_set_new(head, "detached", json_boolean(ci->head.detached));
    json_object_set_new(head, "unborn", json_boolean(ci->head.unborn));
    json_object_set_new(o, "head", head);
    json_object_set_new(o, "indexed_commit", ci->indexed_commit[0] ? json_string(ci->indexed_commit) : json_null());
    json_object_set_new(o, "generation", json_integer((json_int_t)ci->generation));
    json_object_set_new(o, "stale", json_boolean(ci->stale));
    for (size_t i = 0; i < ci->nentries; i++) {
        const struct lmkv_current_entry *e = &ci->entries[i];
        unsigned changed = e->status & ~(unsigned)LMKV_WT_NOGIT;
        if (changed) json_array_append_new(mod, json_string(e->path));
        if (!all && !changed && e->source != LMKV_SOURCE_NONE && ci->head.is_git) continue;
        json_t *f = json_object(), *st = json_array();
        static const struct { unsigned bit; const char *w; } words[] = {
            {LMKV_WT_MODIFIED, "modified"}, {LMKV_WT_ADDED, "added"}, {LMKV_WT_DELETED, "deleted"},
            {LMKV_WT_UNTRACKED, "untracked"}, {LMKV_WT_RENAMED, "renamed"}, {LMKV_WT_TYPECHANGE, "typechange"},
        };
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
            if (e->status & words[w].bit) json_array_append_new(st, json_string(words[w].w));
        json_object_set_new(f, "path", json_string(e->path));
        if (e->old_path) json_object_set_new(f, "old_path", json_string(e->old_path));
        json_object_set_new(f, "status", st);
        json_object_set_new(f, "source", json_string(source_word(e->source)));
        if (e->commit[0]) json_object_set_new(f, "commit", json_string(e->commit));
        if (e->blob[0]) json_object_set_new(f, "blob", json_string(e->blob));
        if (e->file_version) {
            snprintf(fvhex, sizeof fvhex, "%016llx", (unsigned long long)e->file_version);
            json_object_set_new(f, "file_version", json_string(fvhex));
        }
        json_array_append_new(files, f);
    }
    json_object_set_new(o, "modified", mod);
    json_object_set_new(o, "files", files);
    return cli_json_print(cmd, o) == 0 ? EXIT_OK_ : EXIT_IO;
}

static void print_text(const lmkv_worktree *wt, const struct lmkv_current_info *ci, int all)
{
    printf("workspace  %s (%s)\n", lmkv_worktree_root(wt), ci->head.is_git ? "git" : "not git");
    if (ci->head.is_git) {
        if (ci->head.unborn) printf("head       (no commits yet) on branch %s\n", ci->head.branch);
        else if (ci->head.detached) printf("head       %s (detached)\n", ci->head.commit);
        else printf("head       %s on branch %s\n", ci->head.commit, ci->head.branch);
        printf("indexed at %s\n", ci->indexed_commit[0] ? ci->indexed_commit : "(no commit)");
    }
    printf("generation %llu\n", (unsigned long long)ci->generation);
    printf("state      %s\n", ci->stale ? "stale (the worktree changed since the last index; run lmkv index)" : "up to date");
    size_t nmod = 0;
    for (size_t i = 0; i < ci->nentries; i++) if (ci->entries[i].status & ~(unsigned)LMKV_WT_NOGIT) nmod++;
    printf("modified   %zu file%s\n", nmod, nmod == 1 ? "" : "s");
    for (size_t i = 0; i < ci->nentries; i++) {
        const struct lmkv_current_entry *e = &ci->entries[i];
        unsigned changed = e->status & ~(unsigned)LMKV_WT_NOGIT;
        if (!all && !changed && e->source != LMKV_SOURCE_NONE && ci->head.is_git) continue;
        char st[128];
        status_words(st, sizeof st, e->status);
        printf("  ");
        cli_print_bytes(stdout, e->path, strlen(e->path), 0);
        if (e->old_path) { printf(" (from "); cli_print_bytes(stdout, e->old_path, strlen(e->old_path), 0); printf(")"); }
        printf("\t%s\t", st);
        if (e->source == LMKV_SOURCE_COMMIT) printf("commit %s\n", e->commit);
        else if (e->source == LMKV_SOURCE_LATEST) printf("latest (blob %s)\n", e->blob[0] ? e->blob : "?");
        else printf("none (not indexed)\n");
    }
}

int cmd_current(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        {"all", no_argument, NULL, 'a'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "current";
    const char *root = ".";
    int all = 0, c, ret, rc;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_worktree *wt = NULL;
    struct lmkv_current_info *ci = NULL;

    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:a" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': root = optarg; break;
        case 'a': all = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind != argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if ((ret = cli_workspace_open(cmd, CLI_DB_READ, root, 0, &db, &st, &wt)) != EXIT_OK_) goto cleanup;
    if ((rc = lmkv_current_info_get(&ci, wt)) != LMKV_OK) { ret = cli_fail(cmd, rc, "reading the current state"); goto cleanup; }
    if (lmkv_cli.json) ret = print_json(cmd, wt, ci, all);
    else { print_text(wt, ci, all); ret = EXIT_OK_; }
    if (ret == EXIT_OK_) ret = cli_finish_output(cmd);
cleanup:
    lmkv_current_info_free(ci);
    lmkv_worktree_free(wt);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
