/* lmkv export: write the database as a sled-dump v1 file (the way back from
 * lmdb-migrate). */
#include "cli.h"
#include "lmkv_kv.h"
#include "lmkv_migrate.h"

#include <jansson.h>
#include <string.h>

/* Export's progress reports (pairs written of the user trees' entries) drawn
 * as the bar of the other long commands. */
static void on_progress(void *ctx, const lmkv_migrate_export_progress *p)
{
    struct cli_progress *bar = ctx;
    bar->total = p->pairs_total;
    cli_progress_update(bar, p->pairs);
}

static const char usage[] =
    "usage: lmkv export [--gzip] [--json] FILE\n"
    "\n"
    "Write the database's user trees as a sled-dump v1 file (the format\n"
    "lmdb-migrate reads), as sled 0.34 Db::export: every tree in name order\n"
    "(the default tree `__sled__default` included, lmkv's system trees with the\n"
    "typed records excluded), keys in order, then a meta/generate_id\n"
    "collection with the next id when the id counter was used or imported.\n"
    "A database imported from a canonical dump exports to the same bytes.\n"
    "Read in one snapshot. The file is written beside FILE and renamed into\n"
    "place, so FILE is either untouched or complete. FILE \"-\" is not allowed.\n"
    "The database is opened read-only.\n"
    "\n"
    "  --gzip       gzip-compress the file\n"
    "  --json       {\"file\", \"trees\", \"pairs\", \"crc32\"} on stdout\n"
    "  --db DIR     database directory (default $LMKV_DB, else ./.lmkv)\n"
    "  -q           no report on success, no progress bar\n"
    "\n"
    "A progress bar (pairs written of the user trees' entries) is drawn on\n"
    "stderr when it is a terminal, unless -q or --json is given.\n"
    "Exit: 0 ok, 1 database not found, 2 usage, 3 damaged, 4 I/O.\n";

int cmd_export(int argc, char **argv)
{
    enum { OPT_GZIP = 0x2000 };
    static const struct option opts[] = {
        {"gzip", no_argument, NULL, OPT_GZIP},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "export";
    unsigned flags = 0;
    int c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case OPT_GZIP: flags |= LMKV_DUMP_GZIP; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) return cli_usage_error(cmd, "expected one FILE");
    const char *file = argv[optind];
    if (!strcmp(file, "-")) return cli_usage_error(cmd, "FILE must be a path (the file is renamed into place)");

    lmkv_db *db = NULL;
    int ret = cli_db_open(cmd, CLI_DB_READ, &db);
    if (ret != EXIT_OK_) goto cleanup;
    uint64_t trees = 0, pairs = 0;
    uint32_t crc = 0;
    struct cli_progress bar;
    cli_progress_begin(&bar, "export", 0);
    lmkv_migrate_export_options eo;
    memset(&eo, 0, sizeof eo);
    eo.flags = flags;
    if (bar.active) { eo.progress = on_progress; eo.progress_ctx = &bar; }
    int rc = lmkv_migrate_export_ex(db, file, &eo, &trees, &pairs, &crc);
    cli_progress_end(&bar);
    if (rc != LMKV_OK) { ret = cli_fail(cmd, rc, "export"); goto cleanup; }
    if (lmkv_cli.json) {
        json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:b}", "file", file, "trees", (json_int_t)trees, "pairs",
                              (json_int_t)pairs, "crc32", (json_int_t)crc, "gzip", (flags & LMKV_DUMP_GZIP) != 0);
        if (cli_json_print(cmd, o) != 0) { ret = EXIT_IO; goto cleanup; }
    } else if (!lmkv_cli.quiet) {
        printf("exported %llu trees, %llu pairs to %s (crc32 %08x)\n", (unsigned long long)trees,
               (unsigned long long)pairs, file, crc);
    }
    ret = cli_finish_output(cmd);
cleanup:
    lmkv_db_close(db);
    return ret;
}
