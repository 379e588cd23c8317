/*
 * lmdb-migrate -- import a sled dump (sled-dump v1, plain or gzip) into an
 * lmkv database, atomically, with typed records for the probe daemon's trees.
 * See docs/man/lmdb-migrate.1 and `lmdb-migrate --help`.
 *
 * Exit codes: 0 ok (also "already imported"), 2 usage, 3 damaged input,
 * 4 I/O or system error, 5 refused (target not empty, merge conflicts),
 * 130 interrupted (SIGINT/SIGTERM). In every failure the target is untouched.
 */
#include "lmkv_migrate.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "lmdb-migrate"
#define MAX_NOTICE_LINES 100
#define MAX_NOTICE_JSON 1000

enum { MX_OK = 0, MX_USAGE = 2, MX_DAMAGED = 3, MX_IO = 4, MX_REFUSED = 5, MX_INTERRUPTED = 130 };

static volatile int cancel_flag;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
    cancel_flag = 1;
}

struct ctx {
    int json, quiet, tty;
    uint64_t notices;
    json_t *jnotices;
    int bar_shown;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " [options] DUMP DB_DIR\n"
            "\n"
            "Import a sled dump (sled-dump v1, plain or gzip) into the lmkv database DB_DIR.\n"
            "The database is built beside DB_DIR and renamed into place when complete and\n"
            "verified; on any error DB_DIR is left untouched.\n"
            "\n"
            "Options:\n"
            "  -n, --dry-run           parse, decode and verify the dump; write nothing\n"
            "      --verify            reopen the result and compare checksums with the dump's\n"
            "      --typed             convert the daemon's trees into typed records (default)\n"
            "      --no-typed          raw trees only\n"
            "      --merge             add to a non-empty DB_DIR (absent keys only; a key with\n"
            "                          another value is a conflict and fails the import)\n"
            "      --workspace-root DIR  workspace the daemon's data belongs to (absolute path)\n"
            "      --batch N           pairs per write transaction (default 100000)\n"
            "      --json              final report as JSON on stdout\n"
            "  -q, --quiet             no report, no progress (errors only)\n"
            "  -h, --help              this help\n"
            "  -V, --version           version\n"
            "\n"
            "A progress bar is drawn on stderr when it is a terminal.\n"
            "Exit codes: 0 ok (also: already imported), 2 usage, 3 damaged input,\n"
            "4 I/O or system error, 5 refused (target not empty, merge conflicts),\n"
            "130 interrupted. See lmdb-migrate(1).\n");
}

static void human(char *buf, size_t n, double v)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024 && i < 4) { v /= 1024; i++; }
    snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void on_progress(void *p, const lmkv_migrate_progress *pr)
{
    struct ctx *c = p;
    if (!c->tty || c->quiet) return;
    char done[32], rate[32];
    human(done, sizeof done, (double)pr->input_bytes);
    double r = pr->seconds > 0 ? (double)pr->input_bytes / pr->seconds : 0;
    human(rate, sizeof rate, r);
    char eta[32] = "";
    double frac = 0;
    if (pr->input_total) {
        frac = (double)pr->input_bytes / (double)pr->input_total;
        if (frac > 1) frac = 1;
        if (r > 0 && pr->input_bytes < pr->input_total)
            snprintf(eta, sizeof eta, " ETA %.0fs", (double)(pr->input_total - pr->input_bytes) / r);
    }
    int width = 24, fill = (int)(frac * width);
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r%-6s [%s] %3.0f%% %s, %llu pairs, %s/s%s   ", pr->phase, bar, frac * 100, done,
            (unsigned long long)pr->pairs, rate, eta);
    fflush(stderr);
    c->bar_shown = 1;
}

static void clear_bar(struct ctx *c)
{
    if (c->bar_shown) {
        fprintf(stderr, "\r%*s\r", 100, "");
        c->bar_shown = 0;
    }
}

static void fmt_bytes(char *out, size_t n, const unsigned char *p, size_t len)
{
    int printable = 1;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] > 0x7e) { printable = 0; break; }
    if (printable) {
        snprintf(out, n, "'%.*s%s'", (int)(len > 200 ? 200 : len), (const char *)p, len > 200 ? "..." : "");
        return;
    }
    size_t o = (size_t)snprintf(out, n, "0x");
    for (size_t i = 0; i < len && o + 6 < n && i < 100; i++) o += (size_t)snprintf(out + o, n - o, "%02x", p[i]);
    if (len > 100 && o + 4 < n) snprintf(out + o, n - o, "...");
}

static void on_notice(void *p, int kind, const unsigned char *tree, size_t tree_len, const unsigned char *key,
                      size_t key_len, const char *why)
{
    struct ctx *c = p;
    c->notices++;
    char t[256], k[512];
    fmt_bytes(t, sizeof t, tree, tree_len);
    fmt_bytes(k, sizeof k, key, key_len);
    const char *what = kind == LMKV_MIGRATE_CONFLICT ? "conflict" : "kept raw only";
    if (c->json) {
        if (json_array_size(c->jnotices) < MAX_NOTICE_JSON)
            json_array_append_new(c->jnotices, json_pack("{s:s,s:s,s:s,s:s}", "kind",
                                                         kind == LMKV_MIGRATE_CONFLICT ? "conflict" : "raw_only",
                                                         "tree", t, "key", k, "reason", why));
        return;
    }
    if (c->notices <= MAX_NOTICE_LINES) {
        clear_bar(c);
        fprintf(stderr, PROG ": %s: tree %s key %s: %s\n", what, t, k, why);
    } else if (c->notices == MAX_NOTICE_LINES + 1) {
        fprintf(stderr, PROG ": (further notices not shown; see the counts in the report)\n");
    }
}

static int exit_for(int rc)
{
    switch (rc) {
    case LMKV_OK: return MX_OK;
    case LMKV_EINVAL: return MX_USAGE;
    case LMKV_ECORRUPT: case LMKV_EPARSE: case LMKV_EVERSION: return MX_DAMAGED;
    case LMKV_EEXISTS: return MX_REFUSED;
    case LMKV_ECONFLICT: return got_signal ? MX_INTERRUPTED : MX_IO;
    default: return MX_IO;
    }
}

static void report_text(const lmkv_migrate_report *r, const char *dump, const char *dir, unsigned flags)
{
    char pb[32], ib[32], ub[32];
    human(pb, sizeof pb, (double)r->pair_bytes);
    human(ib, sizeof ib, (double)r->input_bytes);
    human(ub, sizeof ub, (double)r->bytes);
    if (!strcmp(dump, "-")) dump = "standard input";
    if (r->dry_run) printf(PROG ": dry run: %s is a valid sled dump; nothing was written\n", dump);
    else if (r->already_imported) printf(PROG ": %s already holds exactly %s; nothing was written\n", dir, dump);
    else printf(PROG ": imported %s into %s%s\n", dump, dir, (flags & LMKV_MIGRATE_MERGE) ? " (merge)" : "");
    printf("  trees:          %llu\n", (unsigned long long)r->trees);
    printf("  pairs:          %llu (%s of keys and values)\n", (unsigned long long)r->pairs, pb);
    if (flags & LMKV_MIGRATE_MERGE)
        printf("  merge:          %llu added, %llu already equal, %llu conflicts\n", (unsigned long long)r->merged_added,
               (unsigned long long)r->merged_equal, (unsigned long long)r->conflicts);
    if (flags & LMKV_MIGRATE_NO_TYPED) printf("  typed records:  off (--no-typed)\n");
    else
        printf("  typed records:  %llu%s (cache entries %llu, cache stats %llu, file versions %llu, symbols %llu, "
               "calls %llu, commit mappings %llu)\n",
               (unsigned long long)r->typed_records, r->dry_run ? " would be written" : "",
               (unsigned long long)r->typed_cache_entries, (unsigned long long)r->typed_cache_stats,
               (unsigned long long)r->typed_file_versions, (unsigned long long)r->typed_symbols,
               (unsigned long long)r->typed_calls, (unsigned long long)r->typed_commit_mappings);
    printf("  raw-only:       %llu daemon entries not typed (undecodable, or a path outside the workspace; kept raw)\n", (unsigned long long)r->raw_only);
    printf("  input:          %llu bytes (%s, %s), %llu bytes uncompressed (%s)\n", (unsigned long long)r->input_bytes,
           ib, r->gzip ? "gzip" : "plain", (unsigned long long)r->bytes, ub);
    if (r->dump_checksum_known)
        /* decimal, as `lmkv checksum` and sled's u32 (Rust's {}) print it */
        printf("  checksum:       %lu (sled Db::checksum of the dump)%s\n", (unsigned long)r->dump_checksum,
               r->checksum_compared ? ", equal in the result (verified)" : "");
    else
        printf("  checksum:       file CRC-32 and every tree's length checked (--verify compares sled's checksum)\n");
    if (r->has_generate_id) printf("  generate_id:    next %llu\n", (unsigned long long)r->generate_id_next);
    if (r->stale_tmp_removed)
        printf("  cleaned:        %llu temporary directories of killed runs removed beside %s\n",
               (unsigned long long)r->stale_tmp_removed, dir);
    double s = r->seconds > 0 ? r->seconds : 1e-9;
    printf("  time:           %.3f s (%.0f pairs/s, %.1f MB/s)\n", r->seconds, (double)r->pairs / s,
           (double)r->bytes / s / 1e6);
}

static json_t *report_json(const lmkv_migrate_report *r, const char *dump, const char *dir, unsigned flags,
                           json_t *notices, int rc)
{
    json_t *j = json_pack("{s:b,s:s,s:s,s:b,s:b,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:b,s:I,s:I,s:I,s:b,s:f}", "ok",
                          rc == LMKV_OK, "dump", dump, "db", dir, "dry_run", r->dry_run, "already_imported",
                          r->already_imported, "merge", (flags & LMKV_MIGRATE_MERGE) != 0, "typed",
                          !(flags & LMKV_MIGRATE_NO_TYPED), "trees", (json_int_t)r->trees, "pairs",
                          (json_int_t)r->pairs, "pair_bytes", (json_int_t)r->pair_bytes, "input_bytes",
                          (json_int_t)r->input_bytes, "uncompressed_bytes", (json_int_t)r->bytes, "gzip", r->gzip,
                          "typed_records", (json_int_t)r->typed_records, "raw_only", (json_int_t)r->raw_only,
                          "checksum", (json_int_t)r->dump_checksum, "verified",
                          r->checksum_compared, "seconds", r->seconds);
    if (!j) return NULL;
    json_object_set_new(j, "stale_tmp_removed", json_integer((json_int_t)r->stale_tmp_removed));
    json_object_set_new(j, "typed_counts",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "cache_entries", (json_int_t)r->typed_cache_entries,
                                  "cache_stats", (json_int_t)r->typed_cache_stats, "file_versions",
                                  (json_int_t)r->typed_file_versions, "symbols", (json_int_t)r->typed_symbols, "calls",
                                  (json_int_t)r->typed_calls, "commit_mappings", (json_int_t)r->typed_commit_mappings));
    if (flags & LMKV_MIGRATE_MERGE)
        json_object_set_new(j, "merge_counts",
                            json_pack("{s:I,s:I,s:I}", "added", (json_int_t)r->merged_added, "equal",
                                      (json_int_t)r->merged_equal, "conflicts", (json_int_t)r->conflicts));
    if (!r->dump_checksum_known) json_object_set_new(j, "checksum", json_null());
    if (r->has_generate_id) json_object_set_new(j, "generate_id_next", json_integer((json_int_t)r->generate_id_next));
    json_object_set(j, "notices", notices);
    if (rc != LMKV_OK) {
        json_object_set_new(j, "error", json_string(lmkv_errmsg()));
        json_object_set_new(j, "error_code", json_string(lmkv_strerror(rc)));
    }
    return j;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dry-run", no_argument, NULL, 'n'},  {"verify", no_argument, NULL, 'v'},
        {"typed", no_argument, NULL, 't'},    {"no-typed", no_argument, NULL, 'T'},
        {"merge", no_argument, NULL, 'm'},    {"workspace-root", required_argument, NULL, 'w'},
        {"batch", required_argument, NULL, 'b'}, {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},    {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},  {NULL, 0, NULL, 0}};
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    struct ctx c;
    memset(&c, 0, sizeof c);
    int opt;
    while ((opt = getopt_long(argc, argv, "nqhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n': o.flags |= LMKV_MIGRATE_DRY_RUN; break;
        case 'v': o.flags |= LMKV_MIGRATE_VERIFY; break;
        case 't': o.flags &= ~LMKV_MIGRATE_NO_TYPED; break;
        case 'T': o.flags |= LMKV_MIGRATE_NO_TYPED; break;
        case 'm': o.flags |= LMKV_MIGRATE_MERGE; break;
        case 'w': o.workspace_root = optarg; break;
        case 'b': {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (!*optarg || *end || v == 0) {
                fprintf(stderr, PROG ": --batch needs a positive number, not '%s'\n", optarg);
                return MX_USAGE;
            }
            o.batch_pairs = v;
            break;
        }
        case 'j': c.json = 1; break;
        case 'q': c.quiet = 1; break;
        case 'h': usage(stdout); return MX_OK;
        case 'V': printf(PROG " %s (lmkv, sled-dump v%u)\n", lmkv_version(), LMKV_DUMP_VERSION); return MX_OK;
        default: usage(stderr); return MX_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, PROG ": expected DUMP and DB_DIR (see " PROG " --help)\n");
        return MX_USAGE;
    }
    if (o.workspace_root && o.workspace_root[0] != '/') {
        fprintf(stderr, PROG ": --workspace-root must be an absolute path, not '%s'\n", o.workspace_root);
        return MX_USAGE;
    }
    const char *dump = argv[optind], *dir = argv[optind + 1];
    c.tty = isatty(2);
    c.jnotices = json_array();
    o.progress = on_progress;
    o.progress_ctx = &c;
    o.notice = on_notice;
    o.notice_ctx = &c;
    o.cancel = &cancel_flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    lmkv_migrate_report r;
    int rc = lmkv_migrate_import(&r, dump, dir, &o);
    clear_bar(&c);
    int code = exit_for(rc);
    if (c.json) {
        json_t *j = report_json(&r, dump, dir, o.flags, c.jnotices, rc);
        if (j) {
            json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
            fputc('\n', stdout);
            json_decref(j);
        }
    }
    if (rc) {
        if (rc == LMKV_ECONFLICT && got_signal)
            fprintf(stderr, PROG ": interrupted by signal %d; %s is untouched\n", (int)got_signal, dir);
        else
            fprintf(stderr, PROG ": %s\n", lmkv_errmsg());
    } else if (!c.json && !c.quiet) {
        report_text(&r, dump, dir, o.flags);
    }
    json_decref(c.jnotices);
    return code;
}
