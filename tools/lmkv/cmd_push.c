/*
 * lmkv push: send a workspace's current state to a PostgreSQL server
 * (push/lmkv_push.h does the work; this is the shell around it).
 */
#include "cli.h"
#include "lmkv_push.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv push URL [--db DIR] [--workspace ROOT] [--machine NAME] [--full]\n"
    "                 [--json] [-q]\n"
    "\n"
    "Send the current state of an indexed workspace to the PostgreSQL server\n"
    "URL, a libpq connection string (postgresql://user@host:port/db?... or\n"
    "\"host=... dbname=...\"); libpq's environment (PGHOST, PGUSER, PGPASSWORD,\n"
    "PGPASSFILE, ~/.pgpass) supplies what it leaves out. Passwords are never\n"
    "printed. lmkv creates and migrates its schema `lmkv` on the server\n"
    "(docs/postgres.md). The server keeps every state pushed side by side:\n"
    "(machine, workspace, HEAD's commit id -- or 'latest' when files differ\n"
    "from HEAD or the workspace is not in git); `lmkv query --server URL\n"
    "[--commit SHA]` queries them.\n"
    "\n"
    "Incremental: only the files whose version the server holds for no state\n"
    "of the workspace are sent, plus the state's path -> version map changes;\n"
    "nothing new: nothing is sent. One transaction: readers of the\n"
    "server see the push whole or not at all; a failed push changes nothing\n"
    "and the next one sends the same difference.\n"
    "\n"
    "  --workspace ROOT  the indexed workspace (default: the only workspace of\n"
    "                    the database, else the current directory)\n"
    "  --machine NAME    the pushing machine's name (default: the host name)\n"
    "  --full            resend every file\n"
    "  --json            one JSON object: server, ws_key, push_id, state,\n"
    "                    state_key, files_mapped, files_sent, files_deleted,\n"
    "                    files_unchanged, symbols, calls,\n"
    "                    references, bytes, ms\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok (also when nothing was new), 1 workspace or database not found,\n"
    "2 usage, 3 server schema newer than this lmkv, 4 server unreachable,\n"
    "credentials refused, connection lost or server error (nothing committed).\n";

static int progress(void *ctx, uint64_t sent, uint64_t total)
{
    (void)total;
    cli_progress_update(ctx, sent);
    return 0;
}

int cmd_push(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        {"machine", required_argument, NULL, 'M'},
        {"full", no_argument, NULL, 'F'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "push";
    const char *root = NULL;
    lmkv_push_options po;
    memset(&po, 0, sizeof po);
    int c, ret, rc;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': root = optarg; break;
        case 'M':
            if (!*optarg) return cli_usage_error(cmd, "--machine needs a non-empty name");
            po.machine = optarg;
            break;
        case 'F': po.full = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) return cli_usage_error(cmd, "needs one server URL, got %d arguments", argc - optind);
    const char *url = argv[optind];
    if (!*url) return cli_usage_error(cmd, "empty server URL");

    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_pg *pg = NULL;
    uint64_t ws = 0;
    uint64_t t0 = cli_now_ms();
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto done;
    if ((rc = lmkv_store_open(&st, db)) != LMKV_OK) { ret = cli_fail(cmd, rc, "opening the store"); goto done; }
    if ((ret = cli_pick_workspace(cmd, st, root, &ws)) != EXIT_OK_) goto done;
    if ((rc = lmkv_pg_connect(&pg, url)) != LMKV_OK) { ret = cli_fail(cmd, rc, "connecting"); goto done; }
    struct cli_progress bar;
    cli_progress_begin(&bar, "push", 0);
    lmkv_push_report rep;
    rc = lmkv_push(&rep, pg, st, ws, &po, progress, &bar);
    cli_progress_end(&bar);
    if (rc != LMKV_OK) {
        const char *m = lmkv_errmsg();
        cli_error(cmd, "%s (nothing of this push is committed)", m && *m ? m : lmkv_strerror(rc));
        ret = cli_exit_for(rc);
        goto done;
    }
    uint64_t ms = cli_now_ms() - t0;
    if (lmkv_cli.json) {
        json_t *o = json_object();
        json_object_set_new(o, "server", json_string(lmkv_pg_label(pg)));
        json_object_set_new(o, "ws_key", json_integer(rep.ws_key));
        json_object_set_new(o, "push_id", json_integer(rep.push_id));
        json_object_set_new(o, "state", json_string(rep.state));
        json_object_set_new(o, "state_key", json_integer(rep.state_key));
        json_object_set_new(o, "files_mapped", json_integer((json_int_t)rep.files_mapped));
        json_object_set_new(o, "files_sent", json_integer((json_int_t)rep.files_sent));
        json_object_set_new(o, "files_deleted", json_integer((json_int_t)rep.files_deleted));
        json_object_set_new(o, "files_unchanged", json_integer((json_int_t)rep.files_unchanged));
        json_object_set_new(o, "symbols", json_integer((json_int_t)rep.symbols));
        json_object_set_new(o, "calls", json_integer((json_int_t)rep.calls));
        json_object_set_new(o, "references", json_integer((json_int_t)rep.references));
        json_object_set_new(o, "bytes", json_integer((json_int_t)rep.bytes));
        json_object_set_new(o, "ms", json_integer((json_int_t)ms));
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto done; }
    } else if (!lmkv_cli.quiet) {
        if (rep.push_id == 0)
            printf("%s: nothing new to push (%llu files unchanged)\n", lmkv_pg_label(pg),
                   (unsigned long long)rep.files_unchanged);
        else
            printf("%s: push %lld of state %s: %llu files sent, %llu deleted, %llu unchanged; %llu symbols, %llu calls, "
                   "%llu references; %llu bytes; %llu ms\n",
                   lmkv_pg_label(pg), (long long)rep.push_id, rep.state, (unsigned long long)rep.files_sent,
                   (unsigned long long)rep.files_deleted, (unsigned long long)rep.files_unchanged,
                   (unsigned long long)rep.symbols, (unsigned long long)rep.calls,
                   (unsigned long long)rep.references, (unsigned long long)rep.bytes, (unsigned long long)ms);
    }
    ret = cli_finish_output(cmd);
done:
    lmkv_pg_close(pg);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
