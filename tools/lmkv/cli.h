/*
 * cli.h -- shared conventions of the `lmkv` command-line tool (private to tools/lmkv).
 *
 * Every command lives in its own file tools/lmkv/cmd_<name>.c and exports
 *     int cmd_<name>(int argc, char **argv);
 * where argv[0] is the command name. It parses its options with getopt_long
 * (the global --db/--json/--hex options are parsed by main.c and available in
 * the global `lmkv_cli` below; a command may accept them again after its name),
 * prints results to stdout (plain text, or JSON with --json), errors to stderr
 * as ONE line "lmkv <cmd>: <what and where>", and returns an exit code:
 */
#ifndef LMKV_TOOLS_CLI_H
#define LMKV_TOOLS_CLI_H

#include <stdio.h>
#include <stddef.h>

enum lmkv_exit {
    EXIT_OK_ = 0,        /* success */
    EXIT_NOTFOUND = 1,   /* the key, tree, symbol or file asked for does not exist */
    EXIT_USAGE = 2,      /* bad arguments or options */
    EXIT_DAMAGED = 3,    /* damaged database or input (verify found damage) */
    EXIT_IO = 4          /* I/O, permission or external-tool failure */
};

struct lmkv_cli_globals {
    const char *db;      /* --db DIR, default $LMKV_DB or ./.lmkv */
    int json;            /* --json */
    int hex;             /* --hex: keys/values given and printed as hex */
    int quiet;           /* -q */
};
extern struct lmkv_cli_globals lmkv_cli;

/* Print "lmkv <cmd>: <fmt...>" plus newline to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Map an lmkv error code to the documented exit code. */
int cli_exit_for(int lmkv_err);
/* Parse the global options that may also follow the command name
 * (--db, --json, --hex, -q). Returns the index of the first unparsed arg. */
int cli_parse_common(int argc, char **argv, int *idx);
/* Decode hex ("6162", upper or lower case, even length) into *out (malloc'd).
 * Returns 0, or -1 with a message naming the offending offset. */
int cli_hex_decode(const char *cmd, const char *what, const char *hex, unsigned char **out, size_t *outlen);
/* Key argument as bytes: hex when --hex is set, text otherwise. */
int cli_key_arg(const char *cmd, const char *arg, unsigned char **out, size_t *outlen);
/* Print bytes as hex (lower case) or, if printable UTF-8 and !hex, as text. */
void cli_print_bytes(FILE *f, const void *p, size_t n, int force_hex);
/* True when stdout/stderr is a terminal (progress bars only then). */
int cli_is_tty(int fd);

#endif
