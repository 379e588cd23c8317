/* lmkv compact: write a compacted copy of the database (LMDB mdb_env_copy2
 * with MDB_CP_COMPACT through kv's lmkv_db_copy) while it stays in use. */
#include "cli.h"
#include "lmkv_kv.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char usage[] =
    "usage: lmkv compact [--json] DEST\n"
    "\n"
    "Write a compacted copy of the database to the directory DEST (created;\n"
    "it must be missing or hold no database): free pages are omitted and\n"
    "pages renumbered, as LMDB's mdb_env_copy2 with MDB_CP_COMPACT (mdb_copy\n"
    "-c). The copy is one consistent snapshot, taken while other processes\n"
    "keep reading and writing the source; the source is opened read-only.\n"
    "Replace the original with the copy only while no process has it open.\n"
    "A progress bar is drawn on stderr when it is a terminal (not with -q, --json).\n"
    "\n"
    "  --json       {\"dest\", \"source_bytes\", \"dest_bytes\"}\n"
    "  --db DIR     source database (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 copied, 1 no source database, 2 usage, 4 I/O (also: DEST holds\n"
    "a database).\n";

struct watcher {
    char path[4200];
    uint64_t total;
    atomic_int stop;
};

static uint64_t file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Draws the progress bar from the growing size of DEST/data.mdb. */
static void *watch_copy(void *arg)
{
    struct watcher *w = arg;
    struct cli_progress prog;
    cli_progress_begin(&prog, "compact", w->total);
    while (!atomic_load(&w->stop)) {
        cli_progress_update(&prog, file_size(w->path));
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    prog.last_ms = 0; /* draw the final size even right after the last update */
    cli_progress_update(&prog, file_size(w->path));
    cli_progress_end(&prog);
    return NULL;
}

int cmd_compact(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "compact";
    int c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(cmd, argc - optind < 1 ? "missing DEST" : "too many arguments");
    const char *dest = argv[optind];
    if (!*dest) return cli_usage_error(cmd, "DEST is empty");

    lmkv_db *db = NULL;
    int ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) return ret;
    lmkv_db_stat s;
    int rc = lmkv_db_stat_get(&s, db);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "database statistics"); goto cleanup; }

    struct watcher w;
    memset(&w, 0, sizeof w);
    snprintf(w.path, sizeof w.path, "%s/data.mdb", dest);
    w.total = (s.last_page + 1) * (uint64_t)s.page_size;
    pthread_t th;
    int have_thread = !lmkv_cli.quiet && !lmkv_cli.json && cli_is_tty(2) && pthread_create(&th, NULL, watch_copy, &w) == 0;
    rc = lmkv_db_copy(db, dest, LMKV_COPY_COMPACT);
    if (have_thread) {
        atomic_store(&w.stop, 1);
        pthread_join(th, NULL);
    }
    if (rc != LMKV_OK) {
        char what[4300];
        snprintf(what, sizeof what, "copying to %s", dest);
        ret = cli_fail(cmd, rc, what);
        goto cleanup;
    }
    uint64_t out_bytes = file_size(w.path);
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (o) {
            json_object_set_new(o, "dest", json_string(dest));
            json_object_set_new(o, "source_bytes", json_integer((json_int_t)w.total));
            json_object_set_new(o, "dest_bytes", json_integer((json_int_t)out_bytes));
        }
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else if (!lmkv_cli.quiet) {
        printf("compacted %s (%llu bytes used) to %s (%llu bytes)\n", lmkv_db_path(db),
               (unsigned long long)w.total, dest, (unsigned long long)out_bytes);
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_db_close(db);
    return ret;
}
