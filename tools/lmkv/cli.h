/*
 * cli.h -- shared conventions of the `lmkv` command-line tool (private to tools/lmkv).
 *
 * Every command lives in its own file tools/lmkv/cmd_<name>.c and exports
 *     int cmd_<name>(int argc, char **argv);
 * where argv[0] is the command name. It parses its options with getopt_long
 * (the global --db/--json/--hex options are parsed by main.c and available in
 * the global `lmkv_cli` below; a command accepts them again after its name
 * through CLI_COMMON_LONGOPTS / cli_common_opt()), prints results to stdout
 * (plain text, or JSON with --json), errors to stderr as ONE line
 * "lmkv <cmd>: <what and where>", and returns an exit code from enum lmkv_exit.
 *
 * Output conventions (documented in docs/man/lmkv.1, section OUTPUT):
 *  - Text: keys and values are printed by cli_print_bytes(): printable
 *    ASCII as is, a backslash as \\, controls (tab, newline...) and DEL as
 *    \xHH; bytes >= 0x80 as is when the whole string is valid UTF-8, else as
 *    \xHH. One record is one line and the original bytes can be recovered
 *    (cli_unescape); with --hex: lower-case hex.
 *  - JSON (--json): a command with one result prints one JSON object; a
 *    streaming command (scan, dump, watch) prints one object per line (JSON
 *    Lines). Byte strings are members "<name>" (text, when the bytes are
 *    valid UTF-8 with no control character but tab/LF/CR, and --hex is not
 *    given) or "<name>_hex" (lower-case hex).
 *
 * Thread-safety: the tool is single-threaded; these helpers use globals.
 */
#ifndef LMKV_TOOLS_CLI_H
#define LMKV_TOOLS_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

struct json_t;

enum lmkv_exit {
    EXIT_OK_ = 0,        /* success */
    EXIT_NOTFOUND = 1,   /* the key, tree, symbol, file or database asked for does not exist */
    EXIT_USAGE = 2,      /* bad arguments or options */
    EXIT_DAMAGED = 3,    /* damaged database or input (verify found damage) */
    EXIT_IO = 4,         /* I/O, permission or external-tool failure */
    EXIT_PARTIAL = 5     /* done, but some input files could not be read or
                            analysed (index: each reported on stderr) */
};

struct lmkv_cli_globals {
    const char *db;      /* --db DIR, default $LMKV_DB or ./.lmkv */
    int json;            /* --json */
    int hex;             /* --hex: keys/values given and printed as hex */
    int quiet;           /* -q: no progress bars, no informational stderr */
};
extern struct lmkv_cli_globals lmkv_cli;

/* getopt_long codes of the common options (outside the char range). */
enum { CLI_OPT_DB = 0x1000, CLI_OPT_JSON, CLI_OPT_HEX, CLI_OPT_TREE, CLI_OPT_SYSTEM, CLI_OPT_TREE_HEX,
       CLI_OPT_FLAG /* the one flag of cli_tree_cmd_options() */ };

/* Long options every command accepts after its name; put them at the end of
 * the command's option table, before the terminating zero entry. */
#define CLI_COMMON_LONGOPTS \
    {"db", required_argument, NULL, CLI_OPT_DB}, \
    {"json", no_argument, NULL, CLI_OPT_JSON}, \
    {"hex", no_argument, NULL, CLI_OPT_HEX}, \
    {"quiet", no_argument, NULL, 'q'}, \
    {"help", no_argument, NULL, 'h'}
/* Short options matching CLI_COMMON_LONGOPTS (prepend ":" for silent getopt). */
#define CLI_COMMON_SHORTOPTS "qh"

/* Print "lmkv <cmd>: <fmt...>" plus newline to stderr (one line). */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report an lmkv error code `err` from `what` with lmkv_errmsg() and return
 * the exit code for it (cli_exit_for). */
int cli_fail(const char *cmd, int err, const char *what);
/* Map an lmkv error code to the documented exit code. */
int cli_exit_for(int lmkv_err);
/* Parse the global options that may precede the command name
 * (--db DIR, --db=DIR, --json, --hex, -q). Returns 0, or -1 after printing a
 * one-line error; *idx becomes the index of the first unparsed argument. */
int cli_parse_common(int argc, char **argv, int *idx);

/* getopt_long driver for one command. Call cli_getopt_begin() once, then
 * cli_getopt() until it returns -1. Common options (db, json, hex, quiet) are
 * applied here and never returned. 'h' is returned for --help. On a bad
 * option or a missing argument it prints one line and returns '?'. */
void cli_getopt_begin(void);
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts);

/* Decode hex ("6162", upper or lower case, even length) into *out (malloc'd,
 * one spare NUL byte after the data). Returns 0, or -1 with a message naming
 * the offending offset. Empty input gives an empty buffer. */
int cli_hex_decode(const char *cmd, const char *what, const char *hex, unsigned char **out, size_t *outlen);
/* Key or value argument as bytes: hex when --hex is set, text otherwise
 * (the argument's bytes, no escape processing). *out is malloc'd. */
int cli_key_arg(const char *cmd, const char *arg, unsigned char **out, size_t *outlen);
/* Same, with an explicit hex flag; `what` names the argument in errors. */
int cli_bytes_arg(const char *cmd, const char *what, const char *arg, int hex,
                  unsigned char **out, size_t *outlen);
/* Parse a non-negative decimal integer no larger than `max`. Returns 0, or
 * -1 after printing "lmkv <cmd>: <what> must be ..." */
int cli_parse_u64(const char *cmd, const char *what, const char *arg, uint64_t max, uint64_t *out);
/* Parse a duration in seconds with an optional fraction ("2", "0.5").
 * Result in milliseconds. Returns 0 or -1 after printing an error. */
int cli_parse_seconds(const char *cmd, const char *what, const char *arg, uint64_t *out_ms);

/* Print bytes: with force_hex as lower-case hex; otherwise escaped text as
 * described under "Output conventions" above. */
void cli_print_bytes(FILE *f, const void *p, size_t n, int force_hex);
/* Undo cli_print_bytes(force_hex=0): decode \\ and \xHH. Returns 0, or -1 on
 * a malformed escape (*out untouched). *out is malloc'd. */
int cli_unescape(const char *s, size_t n, unsigned char **out, size_t *outlen);
/* True when the bytes are valid UTF-8 with no control characters. */
int cli_is_printable_utf8(const void *p, size_t n);
/* Set `name` (text: valid UTF-8, no controls but tab/LF/CR, !hex) or
 * `name`_hex in a JSON object.
 * Returns 0 or -1 (out of memory). */
int cli_json_set_bytes(struct json_t *obj, const char *name, const void *p, size_t n, int force_hex);
/* Print a JSON value as one line on stdout and free it (steals the
 * reference). Returns 0, or -1 on a write error (message printed). */
int cli_json_print(const char *cmd, struct json_t *v);

/* True when fd is a terminal (progress bars only then). */
int cli_is_tty(int fd);

/* A progress bar on stderr, drawn only when stderr is a terminal and
 * neither -q nor --json is given (JSON output is for programs, even on a
 * terminal); at most ~10 redraws per second. total 0 = unknown; it may be
 * set later (p->total) when only the work itself learns it. */
struct cli_progress {
    const char *label;
    uint64_t total;
    uint64_t last_ms;
    int active;
    int drawn;
};
void cli_progress_begin(struct cli_progress *p, const char *label, uint64_t total);
void cli_progress_update(struct cli_progress *p, uint64_t done);
void cli_progress_end(struct cli_progress *p);
/* Monotonic milliseconds. */
uint64_t cli_now_ms(void);

#endif

/* ------------------------------------------------------------ database */
#include "lmkv_kv.h"

enum cli_db_mode {
    CLI_DB_READ = 0,   /* read-only (MDB_RDONLY); the database must exist */
    CLI_DB_WRITE = 1,  /* read-write; the database must exist */
    CLI_DB_CREATE = 2  /* read-write; created when missing */
};
/* Open the database named by lmkv_cli.db. A missing directory or data file
 * (for READ and WRITE) is reported in one line and gives EXIT_NOTFOUND. The
 * background flush thread is off (close flushes). Returns an exit code:
 * EXIT_OK_ with *out set, else the code for the failure (message printed). */
int cli_db_open(const char *cmd, int mode, struct lmkv_db **out);

struct lmkv_store;
struct lmkv_worktree;
/* For the commands on a workspace (index, current, diff, gc): open the
 * database (cli_db_open with `mode`), its typed-record store
 * (lmkv_store_open) and the workspace at `root` (lmkv_worktree_open with
 * `wflags`). Returns EXIT_OK_, else the exit code after a one-line message.
 * Whatever was opened is left in *db, *st, *wt (each NULL otherwise), also
 * on failure: the caller frees them (lmkv_worktree_free, lmkv_store_close,
 * lmkv_db_close). */
int cli_workspace_open(const char *cmd, int mode, const char *root, unsigned wflags,
                       struct lmkv_db **db, struct lmkv_store **st, struct lmkv_worktree **wt);

/* Which tree a command acts on: --tree NAME (text) or --tree-hex HEX (any
 * bytes; --hex does not change --tree), default sled's default tree
 * `__sled__default`; --system: NAME is a system tree (lmkv's typed records
 * and indexes). */
struct cli_tree_sel {
    const char *name;  /* NULL = the default tree */
    int system;
    int hex;           /* name is hex (--tree-hex) */
};
/* Long options for the tree selection; handle them with cli_tree_opt(). */
#define CLI_TREE_LONGOPTS \
    {"tree", required_argument, NULL, CLI_OPT_TREE}, \
    {"tree-hex", required_argument, NULL, CLI_OPT_TREE_HEX}, \
    {"system", no_argument, NULL, CLI_OPT_SYSTEM}
/* Apply getopt code c to *sel; returns 1 if it was a tree option. */
int cli_tree_opt(struct cli_tree_sel *sel, int c, const char *arg);
/* Open the selected tree. create: create a missing user tree (writes);
 * otherwise a missing tree gives EXIT_NOTFOUND with a one-line message.
 * Returns an exit code; *out is closed with lmkv_tree_close(). */
int cli_tree_open(const char *cmd, struct lmkv_db *db, const struct cli_tree_sel *sel, int create,
                  struct lmkv_tree **out);
/* Printable label of the selected tree for messages ("tree 'x'"). */
const char *cli_tree_label(const struct cli_tree_sel *sel);

/* The one optional flag of a single-tree command (get --raw, remove --force,
 * insert --stdin): its long name, its short letter (0: long only), and the
 * int set to 1 when it is given. */
struct cli_flag {
    const char *name;
    int letter;
    int *set;
};
/* Parse the options of a command acting on one tree (get, insert, remove,
 * checksum, stat): the tree selection into *sel, the common options, `flag`
 * (may be NULL) and --help (prints `usage`). Returns -1 when the command goes
 * on (its operands start at optind), else the exit code to return: EXIT_OK_
 * after --help, EXIT_USAGE after a bad option (message printed). */
int cli_tree_cmd_options(const char *cmd, const char *usage, int argc, char **argv,
                         struct cli_tree_sel *sel, const struct cli_flag *flag);
/* Print "lmkv <cmd>: key '<KEY>' not found in <tree label>" (KEY as
 * cli_print_bytes, hex with --hex) and return EXIT_NOTFOUND. */
int cli_key_not_found(const char *cmd, const struct cli_tree_sel *sel, const void *key, size_t klen);
/* With --json (else nothing): print {"previous": VALUE} or {"previous": null}
 * for the value an insert or remove replaced (prev->data NULL: none).
 * Returns 0, or -1 after a message (write error, out of memory). */
int cli_print_previous(const char *cmd, const lmkv_bytes *prev);

/* A key range from --prefix P, --from K (inclusive) and --to K (exclusive),
 * each text or hex (--hex), combined: keys starting with P, >= K, < K.
 * lo/hi are ready for lmkv_tree_range/lmkv_txn_range and point into the
 * struct's buffers (valid until cli_range_free). */
struct cli_range {
    unsigned char *prefix, *from, *to, *succ;
    size_t plen, flen, tlen, slen;
    lmkv_bound lo, hi;
};
/* Parse the three (each may be NULL). Returns EXIT_OK_, or EXIT_USAGE /
 * EXIT_IO after printing one line; *r is always safe to cli_range_free. */
int cli_range_init(const char *cmd, struct cli_range *r, const char *prefix, const char *from, const char *to);
void cli_range_free(struct cli_range *r);

/* Print one key/value record: text "KEY<TAB>VALUE" (or just KEY when
 * value is NULL), or a JSON line {"tree"?, "key", "value"}. tree (may be
 * NULL) is added as the first member/column. Returns 0 or -1 (write error,
 * message printed). */
int cli_print_pair(const char *cmd, const void *tree, size_t tree_len,
                   const void *key, size_t klen, const void *value, size_t vlen);
/* Flush stdout and report a write error (EPIPE included) in one line.
 * Returns EXIT_OK_ or EXIT_IO. */
int cli_finish_output(const char *cmd);
/* Print a usage error "lmkv <cmd>: <msg> (see lmkv <cmd> --help)" and
 * return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For the commands on an indexed workspace of the store (query, push):
 * its id from --workspace ROOT (realpath'd), else the store's only
 * workspace, else the one at the current directory. Returns EXIT_OK_ with
 * *out_ws set, else the exit code after a one-line message (EXIT_NOTFOUND:
 * not indexed / no workspace / none at cwd). */
int cli_pick_workspace(const char *cmd, struct lmkv_store *st, const char *root, uint64_t *out_ws);
