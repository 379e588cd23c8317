/*
 * lmkv -- inspect and query an lmkv database, index source trees.
 * See docs/man/lmkv.1 and `lmkv --help`. Exit codes: 0 ok, 1 not found,
 * 2 usage, 3 damaged, 4 I/O, 5 partial (tools/lmkv/cli.h).
 */
#include "cli.h"
#include "lmkv_kv.h"

#include <stdlib.h>
#include <string.h>

struct lmkv_cli_globals lmkv_cli;

/* Each command: cmd_<name>.c. Weak references let a command be absent while
 * the tool is assembled; an absent command is reported, never faked. */
#define CMD(name) int cmd_##name(int argc, char **argv) __attribute__((weak));
#define CMDS(X) X(stat) X(trees) X(get) X(scan) X(dump) X(checksum) X(verify) \
    X(compact) X(export) X(watch) X(current) X(gc) X(index) X(query) X(diff) X(insert) X(remove) \
    X(ingest) X(push)
CMDS(CMD)
#undef CMD

struct command { const char *name; int (*fn)(int, char **); const char *summary; };
static const struct command commands[] = {
    {"stat", cmd_stat, "trees, entries, bytes, page stats, map size, readers, version"},
    {"trees", cmd_trees, "list trees"},
    {"get", cmd_get, "print one value: get [--tree T] KEY"},
    {"insert", cmd_insert, "insert [--tree T] KEY VALUE"},
    {"remove", cmd_remove, "remove [--tree T] KEY"},
    {"scan", cmd_scan, "scan [--tree T] [--prefix P] [--from K] [--to K] [--reverse] [--limit N]"},
    {"dump", cmd_dump, "dump [--tree T]: typed records as JSON, raw trees as hex/text"},
    {"checksum", cmd_checksum, "checksum [--tree T] (sled's CRC-32)"},
    {"verify", cmd_verify, "check every record and index entry; exit 3 on damage"},
    {"compact", cmd_compact, "compact DEST: write a compacted copy"},
    {"export", cmd_export, "export FILE: write a sled-dump v1 file"},
    {"watch", cmd_watch, "watch [--tree T] PREFIX: stream insert/remove events"},
    {"current", cmd_current, "current --workspace ROOT: commit, modified files, record sources"},
    {"gc", cmd_gc, "gc: remove unreachable or old versions"},
    {"index", cmd_index, "index [--workspace ROOT] PATH...: index C sources"},
    {"ingest", cmd_ingest, "ingest --workspace ROOT ANSWERS FILE...: store LSP answers (JSON Lines)"},
    {"query", cmd_query, "query KIND NAME: symbol, callers, callees, refs, paths, impact, ..."},
    {"diff", cmd_diff, "diff --workspace ROOT A B: symbols added, removed, modified"},
    {"push", cmd_push, "push URL: send the current state to PostgreSQL (query --server)"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: lmkv [--db DIR] [--json] [--hex] [-q] COMMAND [ARGS]\n"
               "       lmkv COMMAND --help\n"
               "       lmkv -V | --version\n\n"
               "Database: --db DIR, else $LMKV_DB, else ./.lmkv\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nKeys and values are text, or hex with --hex. See lmkv(1).\n"
               "Exit codes: 0 ok, 1 not found, 2 usage, 3 damaged, 4 I/O, 5 some files not analysed.\n");
}

int main(int argc, char **argv)
{
    const char *envdb = getenv("LMKV_DB");
    lmkv_cli.db = (envdb && *envdb) ? envdb : "./.lmkv";
    int i = 1;
    if (cli_parse_common(argc, argv, &i) != 0) return EXIT_USAGE;
    if (i >= argc) { cli_error("lmkv", "no command given (see lmkv --help)"); return EXIT_USAGE; }
    const char *name = argv[i];
    if (!strcmp(name, "help") && i + 1 < argc) {
        /* `lmkv help CMD` is `lmkv CMD --help`. */
        static char help_opt[] = "--help";
        char *hargv[3] = {argv[i + 1], help_opt, NULL};
        for (size_t c = 0; c < NCOMMANDS; c++)
            if (!strcmp(commands[c].name, argv[i + 1]) && commands[c].fn) return commands[c].fn(2, hargv);
        cli_error("lmkv", "unknown command '%s' (see lmkv --help)", argv[i + 1]);
        return EXIT_USAGE;
    }
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) { usage(stdout); return 0; }
    if (name[0] == '-' && strcmp(name, "-V") && strcmp(name, "--version")) {
        cli_error("lmkv", "unknown option '%s' before the command (see lmkv --help)", name);
        return EXIT_USAGE;
    }
    if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
        printf("lmkv %s (format %d)\n", lmkv_version(), LMKV_FORMAT_VERSION);
        return 0;
    }
    for (size_t c = 0; c < NCOMMANDS; c++) {
        if (strcmp(commands[c].name, name) != 0) continue;
        if (!commands[c].fn) { cli_error(name, "command not built into this lmkv"); return EXIT_USAGE; }
        return commands[c].fn(argc - i, argv + i);
    }
    cli_error("lmkv", "unknown command '%s' (see lmkv --help)", name);
    return EXIT_USAGE;
}
