/*
 * lmkv query: code-graph queries (graph/lmkv_graph.h) over the current
 * state of an indexed workspace.
 */
#include "cli.h"
#include "lmkv_graph.h"
#include "lmkv_push.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmkv query KIND NAME [TO] [--db DIR] [--workspace ROOT] [--json]\n"
    "                  [--limit N] [--depth N] [--prefix] [--qualified]\n"
    "                  [--keep PATTERN]...\n"
    "       lmkv query --server URL callers|callees|refs|impact|paths|cycles ...\n"
    "                  [--workspace ROOT] [--machine NAME] [--json] [--limit N] [--depth N]\n"
    "\n"
    "Query the code graph of the current state of an indexed workspace.\n"
    "KIND is one of:\n"
    "  symbol NAME        definitions named NAME (or qualified NAME);\n"
    "                     --prefix: names starting with NAME; --qualified:\n"
    "                     qualified names only (\"MDB_val::mv_size\")\n"
    "  search TEXT        workspace symbol search: exact > prefix > substring,\n"
    "                     shorter names first\n"
    "  callers NAME       call sites calling NAME (incoming calls)\n"
    "  callees NAME       call sites inside NAME (outgoing calls)\n"
    "  refs NAME          references to NAME\n"
    "  refs-from NAME     references made by NAME's body\n"
    "  paths FROM TO      call chains FROM -> ... -> TO of at most --depth calls,\n"
    "                     shortest first, no repeated function\n"
    "  impact NAME        everything that calls or references NAME, directly or\n"
    "                     through others up to --depth, with the distance\n"
    "  cycles             strongly connected components of the call graph\n"
    "  hierarchy NAME     parents and children (struct members, enumerators)\n"
    "  implementations NAME  implementing/extending children (none for C)\n"
    "  dead               functions never called nor referenced, except entry\n"
    "                     points: main, *_test, test_* and each --keep PATTERN\n"
    "  hotspots           most referenced symbols\n"
    "  deps FILE          files whose symbols FILE uses; rdeps FILE: files using\n"
    "  rdeps FILE         FILE's symbols (FILE workspace-relative)\n"
    "\n"
    "  --workspace ROOT  the indexed workspace (default: the only workspace of\n"
    "                    the database, else the current directory)\n"
    "  --limit N         at most N results (default 1000); a cut answer is\n"
    "                    noted on stderr\n"
    "  --depth N         traversal depth for paths and impact (default 3, max 64)\n"
    "  --keep PATTERN    dead: also treat the functions matching PATTERN as entry\n"
    "                    points (shell wildcards * ? [..], as fnmatch(3); repeat\n"
    "                    for several)\n"
    "  --json            a JSON array; callers/callees/refs/refs-from items have\n"
    "                    name (calling/called/referring function), file, line,\n"
    "                    column, kind\n"
    "\n"
    "callers, callees, refs and refs-from accept several NAMEs (one answer\n"
    "after the other; items carry the queried name as callee/caller/target/\n"
    "source; --limit applies per name).\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "  --server URL      query the state pushed to PostgreSQL (lmkv push) instead\n"
    "                    of a local database: URL is a libpq connection string\n"
    "                    (postgresql://user@host:port/db or \"key=value ...\";\n"
    "                    passwords from the URL, $PGPASSWORD or $PGPASSFILE);\n"
    "                    callers, callees, refs, impact, paths and cycles, same\n"
    "                    answers and output as the local query\n"
    "  --machine NAME    with --server: the pushing machine (default: any; with\n"
    "                    --workspace ROOT: the workspace pushed from ROOT)\n"
    "  --commit SHA      with --server: the state pushed at commit SHA (full id\n"
    "                    or a prefix of 4+ hex digits), or 'latest' (the\n"
    "                    worktree state pushed with uncommitted files);\n"
    "                    default: the state the machine pushed last\n"
    "\n"
    "Exit: 0 ok, 1 unknown symbol, file, workspace or database, 2 usage,\n"
    "3 damaged database, 4 I/O.\n";

enum qkind { Q_SYMBOL, Q_SEARCH, Q_CALLERS, Q_CALLEES, Q_REFS, Q_REFS_FROM, Q_PATHS, Q_IMPACT,
             Q_CYCLES, Q_HIERARCHY, Q_IMPL, Q_DEAD, Q_HOTSPOTS, Q_DEPS, Q_RDEPS };
static const struct { const char *name; enum qkind k; int nargs; } kinds[] = {
    {"symbol", Q_SYMBOL, 1}, {"search", Q_SEARCH, 1}, {"callers", Q_CALLERS, 1},
    {"callees", Q_CALLEES, 1}, {"refs", Q_REFS, 1}, {"refs-from", Q_REFS_FROM, 1},
    {"paths", Q_PATHS, 2}, {"impact", Q_IMPACT, 1}, {"cycles", Q_CYCLES, 0},
    {"hierarchy", Q_HIERARCHY, 1}, {"implementations", Q_IMPL, 1}, {"dead", Q_DEAD, 0},
    {"hotspots", Q_HOTSPOTS, 0}, {"deps", Q_DEPS, 1}, {"rdeps", Q_RDEPS, 1},
};

struct out { json_t *arr; const char *arg; int err; };

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, v ? json_string(v) : json_null());
}

/* Lines and columns are 1-based; 0 = the record holds no position (the
 * legacy call graph lmdb-migrate imports): JSON null, text "?" (lmkv(1)). */
static json_t *pos_json(uint32_t v) { return v ? json_integer(v) : json_null(); }
static const char *pos_text(char *buf, size_t n, uint32_t line, uint32_t col, int with_col)
{
    if (!line) return "?";
    if (with_col) snprintf(buf, n, "%u:%u", line, col);
    else snprintf(buf, n, "%u", line);
    return buf;
}

static int print_call(struct out *o, const lmkv_call *c, int callers)
{
    const char *name = callers ? c->caller_name : c->callee_name;
    if (o->arr) {
        json_t *e = json_object();
        if (!e) { o->err = 1; return 1; }
        set_str(e, "name", name);
        set_str(e, "file", c->file_path);
        json_object_set_new(e, "line", pos_json(c->line));
        json_object_set_new(e, "column", pos_json(c->column));
        json_object_set_new(e, "kind", json_string("call"));
        set_str(e, callers ? "callee" : "caller", callers ? c->callee_name : c->caller_name);
        if (json_array_append_new(o->arr, e) != 0) { o->err = 1; return 1; }
    } else {
        char pb[32];
        printf("%s\t%s:%s\n", name ? name : "(file scope)", c->file_path ? c->file_path : "?",
               pos_text(pb, sizeof pb, c->line, c->column, 1));
    }
    return 0;
}
static int cb_callers(void *ctx, const lmkv_call *c) { return print_call(ctx, c, 1); }
static int cb_callees(void *ctx, const lmkv_call *c) { return print_call(ctx, c, 0); }

static int print_ref(struct out *o, const lmkv_reference *r, int to)
{
    const char *name = to ? r->source_name : r->target_name;
    const char *kn = lmkv_reference_kind_name(r->kind);
    if (o->arr) {
        json_t *e = json_object();
        if (!e) { o->err = 1; return 1; }
        set_str(e, "name", name);
        set_str(e, "file", r->file_path);
        json_object_set_new(e, "line", pos_json(r->start_line));
        json_object_set_new(e, "column", pos_json(r->start_column));
        set_str(e, "kind", kn);
        set_str(e, to ? "target" : "source", to ? r->target_name : r->source_name);
        if (json_array_append_new(o->arr, e) != 0) { o->err = 1; return 1; }
    } else {
        char pb[32];
        printf("%s\t%s:%s\t%s\n", name ? name : "(file scope)", r->file_path ? r->file_path : "?",
               pos_text(pb, sizeof pb, r->start_line, r->start_column, 1), kn ? kn : "?");
    }
    return 0;
}
static int cb_refs(void *ctx, const lmkv_reference *r) { return print_ref(ctx, r, 1); }
static int cb_refs_from(void *ctx, const lmkv_reference *r) { return print_ref(ctx, r, 0); }

static int cb_symbol(void *ctx, const lmkv_symbol *s)
{
    struct out *o = ctx;
    const char *kn = lmkv_symbol_kind_name(s->kind);
    const char *q = s->qualified_name ? s->qualified_name : s->name;
    if (o->arr) {
        json_t *e = json_object();
        if (!e) { o->err = 1; return 1; }
        set_str(e, "name", s->name);
        set_str(e, "qualified_name", q);
        set_str(e, "kind", kn);
        set_str(e, "file", s->file_path);
        json_object_set_new(e, "line", pos_json(s->start_line));
        json_object_set_new(e, "column", pos_json(s->start_column));
        json_object_set_new(e, "end_line", pos_json(s->end_line));
        set_str(e, "signature", s->signature);
        set_str(e, "visibility", s->visibility);
        if (json_array_append_new(o->arr, e) != 0) { o->err = 1; return 1; }
    } else {
        char pb[32];
        printf("%s\t%s\t%s:%s", q ? q : "?", kn ? kn : "?", s->file_path ? s->file_path : "?",
               pos_text(pb, sizeof pb, s->start_line, 0, 0));
        if (s->end_line > s->start_line) printf("-%u", s->end_line);
        if (s->signature) printf("\t%s", s->signature);
        putchar('\n');
    }
    return 0;
}

/* Print a result of the traversal/aggregate queries. */
static int print_result(const char *cmd, enum qkind k, const lmkv_graph_result *r, int json)
{
    if (k == Q_PATHS || k == Q_CYCLES) {
        json_t *arr = json ? json_array() : NULL;
        for (size_t gi = 0; gi < r->groups; gi++) {
            json_t *one = json ? json_array() : NULL;
            for (size_t i = r->group_start[gi]; i < r->group_start[gi + 1]; i++) {
                if (json) json_array_append_new(one, json_string(r->items[i].name));
                else printf("%s%s", i > r->group_start[gi] ? (k == Q_PATHS ? " -> " : " ") : "", r->items[i].name);
            }
            if (json) json_array_append_new(arr, one);
            else putchar('\n');
        }
        if (json) return cli_json_print(cmd, arr);
        return 0;
    }
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < r->n; i++) {
        const lmkv_graph_item *it = &r->items[i];
        const char *kn = lmkv_symbol_kind_name(it->kind);
        char pb[32];
        const char *ln = pos_text(pb, sizeof pb, it->line, 0, 0);
        if (json) {
            json_t *e = json_object();
            switch (k) {
            case Q_DEPS: case Q_RDEPS:
                set_str(e, "file", it->name);
                json_object_set_new(e, "count", json_integer((json_int_t)it->count));
                break;
            case Q_HIERARCHY: case Q_IMPL:
                set_str(e, "name", it->name);
                set_str(e, "relation", it->detail);
                set_str(e, "kind", lmkv_hierarchy_kind_name(it->kind));
                break;
            default:
                set_str(e, "name", it->name);
                set_str(e, "file", it->file);
                json_object_set_new(e, "line", pos_json(it->line));
                set_str(e, "kind", it->kind ? kn : NULL);
                if (k == Q_IMPACT) json_object_set_new(e, "depth", json_integer(it->depth));
                if (k == Q_SEARCH) json_object_set_new(e, "score", json_integer((json_int_t)it->count));
                if (k == Q_HOTSPOTS) {
                    json_object_set_new(e, "references", json_integer((json_int_t)it->count));
                    json_object_set_new(e, "calls", json_integer((json_int_t)it->count2));
                }
                if (it->detail) set_str(e, "signature", it->detail);
            }
            json_array_append_new(arr, e);
        } else {
            switch (k) {
            case Q_DEPS: case Q_RDEPS: printf("%s\t%llu\n", it->name, (unsigned long long)it->count); break;
            case Q_HIERARCHY: case Q_IMPL:
                printf("%s\t%s\t%s\n", it->detail, it->name, lmkv_hierarchy_kind_name(it->kind)); break;
            case Q_IMPACT: printf("%u\t%s\t%s:%s\n", it->depth, it->name, it->file ? it->file : "?", ln); break;
            case Q_HOTSPOTS:
                printf("%llu\t%llu\t%s\t%s:%s\n", (unsigned long long)it->count, (unsigned long long)it->count2,
                       it->name, it->file ? it->file : "?", ln);
                break;
            default:
                printf("%s\t%s\t%s:%s%s%s\n", it->name, kn ? kn : "?", it->file ? it->file : "?", ln,
                       it->detail ? "\t" : "", it->detail ? it->detail : "");
            }
        }
    }
    if (json) return cli_json_print(cmd, arr);
    return 0;
}

/* The stderr note of a cut answer, naming what cut it: a traversal holding
 * fewer items than the limit was cut by --depth only (the graph sets
 * truncated for either). */
static void note_cut(enum qkind k, size_t got, uint64_t limit)
{
    size_t lim = limit ? (size_t)limit : (size_t)LMKV_GRAPH_DEFAULT_LIMIT;
    if ((k == Q_IMPACT || k == Q_PATHS) && got < lim)
        fputs("lmkv query: answer cut at the depth (raise --depth)\n", stderr);
    else
        fputs("lmkv query: answer cut at the limit (raise --limit)\n", stderr);
}

/* The query on the state pushed to a PostgreSQL server (push/lmkv_push.h),
 * printed by the same functions as the local answer. */
static int query_server(const char *cmd, const char *url, const char *machine, const char *root, const char *commit, enum qkind k,
                        int argc, char **argv, const char *a1, const char *a2, uint64_t limit, uint64_t depth)
{
    if (k != Q_CALLERS && k != Q_CALLEES && k != Q_REFS && k != Q_IMPACT && k != Q_PATHS && k != Q_CYCLES)
        return cli_usage_error(cmd, "--server answers callers, callees, refs, impact, paths and cycles");
    lmkv_pg *pg = NULL;
    int rc, ret = EXIT_OK_, trunc = 0;
    struct out o = {NULL, NULL, 0};
    lmkv_graph_result res;
    memset(&res, 0, sizeof res);
    char real[PATH_MAX];
    if (root && realpath(root, real)) root = real;
    if ((rc = lmkv_pg_connect(&pg, url)) != LMKV_OK) return cli_fail(cmd, rc, "--server");
    int64_t wsk = 0, wsid = 0;
    if ((rc = lmkv_pg_workspace(&wsid, pg, machine, root)) != LMKV_OK ||
        (rc = lmkv_pg_state(&wsk, NULL, pg, wsid, commit)) != LMKV_OK) {
        ret = cli_fail(cmd, rc, "--server");
        goto done;
    }
    int simple = k == Q_CALLERS || k == Q_CALLEES || k == Q_REFS;
    if (simple && lmkv_cli.json && !(o.arr = json_array())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto done; }
    for (int ai = optind; simple && ai < argc; ai++) {
        size_t n = 0;
        int tr = 0;
        if (!*argv[ai]) { ret = cli_usage_error(cmd, "empty name"); goto done; }
        if (k == Q_CALLERS) rc = lmkv_pg_callers(&n, &tr, pg, wsk, argv[ai], limit, cb_callers, &o);
        else if (k == Q_CALLEES) rc = lmkv_pg_callees(&n, &tr, pg, wsk, argv[ai], limit, cb_callees, &o);
        else rc = lmkv_pg_refs(&n, &tr, pg, wsk, argv[ai], limit, cb_refs, &o);
        trunc |= tr;
        if (rc != LMKV_OK) break;
    }
    if (!simple) {
        if (k == Q_IMPACT) rc = lmkv_pg_impact(&res, pg, wsk, a1, (unsigned)depth, limit);
        else if (k == Q_PATHS) rc = lmkv_pg_paths(&res, pg, wsk, a1, a2, (unsigned)depth, limit);
        else rc = lmkv_pg_cycles(&res, pg, wsk, limit);
        trunc = res.truncated;
    }
    if (o.err) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto done; }
    if (rc != LMKV_OK) {
        const char *m = lmkv_errmsg();
        cli_error(cmd, "%s", m && *m ? m : lmkv_strerror(rc));
        ret = cli_exit_for(rc);
        goto done;
    }
    if (simple) {
        if (o.arr) {
            json_t *arr = o.arr;
            o.arr = NULL;
            if (cli_json_print(cmd, arr) != 0) { ret = EXIT_IO; goto done; }
        }
    } else if (print_result(cmd, k, &res, lmkv_cli.json) != 0) {
        ret = EXIT_IO;
        goto done;
    }
    if (trunc && !lmkv_cli.quiet) note_cut(k, k == Q_PATHS ? res.groups : res.n, limit);
    ret = cli_finish_output(cmd);
done:
    json_decref(o.arr);
    lmkv_pg_close(pg);
    return ret;
}

int cmd_query(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        {"limit", required_argument, NULL, 'n'},
        {"depth", required_argument, NULL, 'd'},
        {"prefix", no_argument, NULL, 'P'},
        {"qualified", no_argument, NULL, 'Q'},
        {"keep", required_argument, NULL, 'K'},
        {"server", required_argument, NULL, 'S'},
        {"machine", required_argument, NULL, 'M'},
        {"commit", required_argument, NULL, 1000},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "query";
    const char *root = NULL, *server = NULL, *machine = NULL, *commit = NULL;
    uint64_t limit = 0, depth = 0;
    int match = LMKV_GRAPH_EXACT;
    int c, ret = EXIT_OK_, rc;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_graph *g = NULL;
    struct out o = {NULL, NULL, 0};
    const char **keep = NULL; /* --keep patterns, NULL-terminated (argv's strings) */
    size_t nkeep = 0;

    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:n:d:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': root = optarg; break;
        case 'n': if (cli_parse_u64(cmd, "--limit", optarg, SIZE_MAX, &limit) != 0) { free(keep); return EXIT_USAGE; } break;
        case 'd': if (cli_parse_u64(cmd, "--depth", optarg, LMKV_GRAPH_MAX_DEPTH, &depth) != 0) { free(keep); return EXIT_USAGE; } break;
        case 'S': server = optarg; break;
        case 'M': machine = optarg; break;
        case 1000:
            if (!*optarg) { free(keep); return cli_usage_error(cmd, "--commit needs a commit id or 'latest'"); }
            commit = optarg;
            break;
        case 'P': match = LMKV_GRAPH_PREFIX; break;
        case 'Q': match = LMKV_GRAPH_QUALIFIED; break;
        case 'K': {
            if (!*optarg) { free(keep); return cli_usage_error(cmd, "--keep needs a non-empty pattern"); }
            const char **nk = realloc(keep, (nkeep + 2) * sizeof *nk);
            if (!nk) { free(keep); cli_error(cmd, "out of memory"); return EXIT_IO; }
            keep = nk;
            keep[nkeep++] = optarg;
            keep[nkeep] = NULL;
            break;
        }
        case 'h': free(keep); fputs(usage, stdout); return EXIT_OK_;
        default: free(keep); return EXIT_USAGE;
        }
    }
    if (optind >= argc) { free(keep); return cli_usage_error(cmd, "needs a query kind"); }
    const char *kname = argv[optind++];
    int ki = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) if (!strcmp(kinds[i].name, kname)) ki = (int)i;
    if (ki < 0) { free(keep); return cli_usage_error(cmd, "unknown query kind '%s'", kname); }
    enum qkind k = kinds[ki].k;
    if (keep && k != Q_DEAD) { free(keep); return cli_usage_error(cmd, "--keep applies to dead only"); }
    int many = k == Q_CALLERS || k == Q_CALLEES || k == Q_REFS || k == Q_REFS_FROM;
    if (argc - optind != kinds[ki].nargs && !(many && argc - optind > 1)) {
        free(keep);
        return cli_usage_error(cmd, "%s takes %d argument%s, got %d", kname, kinds[ki].nargs,
                               kinds[ki].nargs == 1 ? "" : "s", argc - optind);
    }
    const char *a1 = kinds[ki].nargs > 0 ? argv[optind] : NULL;
    const char *a2 = kinds[ki].nargs > 1 ? argv[optind + 1] : NULL;
    if ((a1 && !*a1) || (a2 && !*a2)) { free(keep); return cli_usage_error(cmd, "empty name"); }

    if (machine && !server) { free(keep); return cli_usage_error(cmd, "--machine applies to --server only"); }
    if (commit && !server) { free(keep); return cli_usage_error(cmd, "--commit applies to --server only"); }
    if (server) {
        ret = query_server(cmd, server, machine, root, commit, k, argc, argv, a1, a2, limit, depth);
        goto cleanup;
    }
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto cleanup;
    if ((rc = lmkv_store_open(&st, db)) != LMKV_OK) { ret = cli_fail(cmd, rc, "opening the store"); goto cleanup; }

    /* which workspace */
    uint64_t ws = 0;
    if ((ret = cli_pick_workspace(cmd, st, root, &ws)) != EXIT_OK_) goto cleanup;
    if ((rc = lmkv_graph_open(&g, st, ws)) != LMKV_OK) { ret = cli_fail(cmd, rc, "opening the graph"); goto cleanup; }
    if (lmkv_cli.json && !(o.arr = json_array())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
    size_t n = 0;
    int trunc = 0;
    lmkv_graph_result res;
    memset(&res, 0, sizeof res);
    int simple = k == Q_SYMBOL || many;
    /* callers/callees/refs/refs-from accept several names: one answer after
     * the other (each item names the queried function: "callee", "caller",
     * "target", "source"); --limit applies per name */
    for (int ai = optind; simple && ai < argc; ai++) {
        const char *nm = argv[ai];
        int tr = 0;
        if (!*nm) { ret = cli_usage_error(cmd, "empty name"); goto cleanup; }
        switch (k) {
        case Q_SYMBOL: rc = lmkv_graph_symbols(&n, &tr, g, nm, match, limit, cb_symbol, &o); break;
        case Q_CALLERS: rc = lmkv_graph_callers(&n, &tr, g, nm, limit, cb_callers, &o); break;
        case Q_CALLEES: rc = lmkv_graph_callees(&n, &tr, g, nm, limit, cb_callees, &o); break;
        case Q_REFS: rc = lmkv_graph_refs(&n, &tr, g, nm, limit, cb_refs, &o); break;
        case Q_REFS_FROM: rc = lmkv_graph_refs_from(&n, &tr, g, nm, limit, cb_refs_from, &o); break;
        default: break;
        }
        trunc |= tr;
        if (rc != LMKV_OK || !many) break;
    }
    if (!simple) {
        switch (k) {
        case Q_SEARCH: rc = lmkv_graph_search(&res, g, a1, limit); break;
        case Q_PATHS: rc = lmkv_graph_paths(&res, g, a1, a2, (unsigned)depth, limit); break;
        case Q_IMPACT: rc = lmkv_graph_impact(&res, g, a1, (unsigned)depth, limit); break;
        case Q_CYCLES: rc = lmkv_graph_cycles(&res, g, limit); break;
        case Q_HIERARCHY: rc = lmkv_graph_hierarchy(&res, g, a1, limit); break;
        case Q_IMPL: rc = lmkv_graph_implementations(&res, g, a1, limit); break;
        case Q_DEAD: rc = lmkv_graph_dead(&res, g, keep, limit); break;
        case Q_HOTSPOTS: rc = lmkv_graph_hotspots(&res, g, limit); break;
        case Q_DEPS: rc = lmkv_graph_deps(&res, g, a1, limit); break;
        case Q_RDEPS: rc = lmkv_graph_rdeps(&res, g, a1, limit); break;
        default: rc = LMKV_EINVAL; break;
        }
        trunc = res.truncated;
    }
    if (o.err) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
    if (rc != LMKV_OK) {
        /* one line: the graph's message already names the query and name */
        const char *m = lmkv_errmsg();
        cli_error(cmd, "%s", m && *m ? m : lmkv_strerror(rc));
        ret = cli_exit_for(rc);
        goto cleanup;
    }
    if (simple) {
        if (o.arr) {
            json_t *arr = o.arr;
            o.arr = NULL;
            if (cli_json_print(cmd, arr) != 0) { ret = EXIT_IO; goto cleanup; }
        }
    } else if (print_result(cmd, k, &res, lmkv_cli.json) != 0) {
        ret = EXIT_IO;
        goto cleanup;
    }
    if (trunc && !lmkv_cli.quiet) note_cut(k, k == Q_PATHS ? res.groups : res.n, limit);
    ret = cli_finish_output(cmd);
cleanup:
    free(keep);
    json_decref(o.arr);
    lmkv_graph_close(g);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
