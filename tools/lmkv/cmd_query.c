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
    "  hotspots           most referenced symbols, each with its kind (Function,\n"
    "                     Macro, Struct, Field...)\n"
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
    "  --json            a JSON array, one row shape per kind of answer (lmkv(1),\n"
    "                    JSON OUTPUT): edges {from,to,kind,file,line,column}\n"
    "                    (callers, callees, refs, refs-from); symbols\n"
    "                    {name,kind,file,line,column,signature} (symbol, dead;\n"
    "                    search + score; impact + depth; hotspots + references,\n"
    "                    calls);\n"
    "                    paths {length,functions}; cycles {size,functions};\n"
    "                    an unknown name prints [] (exit 1)\n"
    "\n"
    "callers, callees, refs and refs-from accept several NAMEs (one answer\n"
    "after the other; --limit applies per name).\n"
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

struct out { json_t *arr; int err; };

/* What the command line asks (parse_args). */
struct qargs {
    const char *root, *server, *machine, *commit;
    uint64_t limit, depth;
    int match;
    const char **keep;   /* --keep patterns, NULL-terminated (argv's strings) */
    size_t nkeep;
    enum qkind k;
    int many;            /* callers/callees/refs/refs-from: NAME... */
    const char *a1, *a2;
    int names, argc;     /* argv[names..argc): the NAMEs */
    char **argv;
};

static int is_edge_kind(enum qkind k) { return k == Q_CALLERS || k == Q_CALLEES || k == Q_REFS || k == Q_REFS_FROM; }
static int is_simple(enum qkind k) { return k == Q_SYMBOL || is_edge_kind(k); }

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, v ? json_string(v) : json_null());
}
static void set_u64(json_t *o, const char *k, uint64_t v) { json_object_set_new(o, k, json_integer((json_int_t)v)); }

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

/* An edge row (callers, callees, refs, refs-from): FROM is the calling or
 * referring function (NULL at file scope), TO the called or referenced one,
 * whichever end the query named. */
static json_t *edge_row(const char *from, const char *to, const char *kind, const char *file, uint32_t line, uint32_t col)
{
    json_t *e = json_object();
    if (!e) return NULL;
    set_str(e, "from", from);
    set_str(e, "to", to);
    set_str(e, "kind", kind);
    set_str(e, "file", file);
    json_object_set_new(e, "line", pos_json(line));
    json_object_set_new(e, "column", pos_json(col));
    return e;
}

/* A symbol row (symbol, search, impact, dead, hotspots). */
static json_t *symbol_row(const char *name, const char *kind, const char *file, uint32_t line, uint32_t col, const char *sig)
{
    json_t *e = json_object();
    if (!e) return NULL;
    set_str(e, "name", name);
    set_str(e, "kind", kind);
    set_str(e, "file", file);
    json_object_set_new(e, "line", pos_json(line));
    json_object_set_new(e, "column", pos_json(col));
    set_str(e, "signature", sig);
    return e;
}

static int append(struct out *o, json_t *e)
{
    if (!e || json_array_append_new(o->arr, e) != 0) o->err = 1;
    return o->err;
}

static int print_call(struct out *o, const lmkv_call *c, int callers)
{
    if (o->arr) return append(o, edge_row(c->caller_name, c->callee_name, "call", c->file_path, c->line, c->column));
    const char *name = callers ? c->caller_name : c->callee_name;
    char pb[32];
    printf("%s\t%s:%s\n", name ? name : "(file scope)", c->file_path ? c->file_path : "?",
           pos_text(pb, sizeof pb, c->line, c->column, 1));
    return 0;
}
static int cb_callers(void *ctx, const lmkv_call *c) { return print_call(ctx, c, 1); }
static int cb_callees(void *ctx, const lmkv_call *c) { return print_call(ctx, c, 0); }

static int print_ref(struct out *o, const lmkv_reference *r, int to)
{
    const char *kn = lmkv_reference_kind_name(r->kind);
    if (o->arr)
        return append(o, edge_row(r->source_name, r->target_name, kn, r->file_path, r->start_line, r->start_column));
    const char *name = to ? r->source_name : r->target_name;
    char pb[32];
    printf("%s\t%s:%s\t%s\n", name ? name : "(file scope)", r->file_path ? r->file_path : "?",
           pos_text(pb, sizeof pb, r->start_line, r->start_column, 1), kn ? kn : "?");
    return 0;
}
static int cb_refs(void *ctx, const lmkv_reference *r) { return print_ref(ctx, r, 1); }
static int cb_refs_from(void *ctx, const lmkv_reference *r) { return print_ref(ctx, r, 0); }

static int cb_symbol(void *ctx, const lmkv_symbol *s)
{
    struct out *o = ctx;
    const char *kn = lmkv_symbol_kind_name(s->kind);
    const char *q = s->qualified_name ? s->qualified_name : s->name;
    if (o->arr) return append(o, symbol_row(q, kn, s->file_path, s->start_line, s->start_column, s->signature));
    char pb[32];
    printf("%s\t%s\t%s:%s", q ? q : "?", kn ? kn : "?", s->file_path ? s->file_path : "?",
           pos_text(pb, sizeof pb, s->start_line, 0, 0));
    if (s->end_line > s->start_line) printf("-%u", s->end_line);
    if (s->signature) printf("\t%s", s->signature);
    putchar('\n');
    return 0;
}

/* paths {length, functions} (length: calls) and cycles {size, functions}. */
static int print_groups(const char *cmd, enum qkind k, const lmkv_graph_result *r, int json)
{
    json_t *arr = json ? json_array() : NULL;
    for (size_t gi = 0; gi < r->groups; gi++) {
        size_t b = r->group_start[gi], e = r->group_start[gi + 1];
        json_t *fns = json ? json_array() : NULL, *one = json ? json_object() : NULL;
        for (size_t i = b; i < e; i++) {
            if (json) json_array_append_new(fns, json_string(r->items[i].name));
            else printf("%s%s", i > b ? (k == Q_PATHS ? " -> " : " ") : "", r->items[i].name);
        }
        if (!json) { putchar('\n'); continue; }
        if (k == Q_PATHS) set_u64(one, "length", e > b ? e - b - 1 : 0);
        else set_u64(one, "size", e - b);
        json_object_set_new(one, "functions", fns);
        json_array_append_new(arr, one);
    }
    return json ? cli_json_print(cmd, arr) : 0;
}

static json_t *item_row(enum qkind k, const lmkv_graph_item *it)
{
    json_t *e;
    switch (k) {
    case Q_DEPS: case Q_RDEPS:
        if ((e = json_object())) { set_str(e, "file", it->name); set_u64(e, "count", it->count); }
        return e;
    case Q_HIERARCHY: case Q_IMPL:
        if ((e = json_object())) {
            set_str(e, "name", it->name);
            set_str(e, "relation", it->detail);
            set_str(e, "kind", lmkv_hierarchy_kind_name(it->kind));
        }
        return e;
    default:
        e = symbol_row(it->name, it->kind ? lmkv_symbol_kind_name(it->kind) : NULL, it->file, it->line, it->column, it->detail);
        if (!e) return NULL;
        if (k == Q_IMPACT) set_u64(e, "depth", it->depth);
        if (k == Q_SEARCH) set_u64(e, "score", it->count);
        if (k == Q_HOTSPOTS) { set_u64(e, "references", it->count); set_u64(e, "calls", it->count2); }
        return e;
    }
}

static void print_item(enum qkind k, const lmkv_graph_item *it)
{
    const char *kn = it->kind ? lmkv_symbol_kind_name(it->kind) : NULL, *f = it->file ? it->file : "?";
    char pb[32];
    const char *ln = pos_text(pb, sizeof pb, it->line, 0, 0);
    switch (k) {
    case Q_DEPS: case Q_RDEPS: printf("%s\t%llu\n", it->name, (unsigned long long)it->count); break;
    case Q_HIERARCHY: case Q_IMPL: printf("%s\t%s\t%s\n", it->detail, it->name, lmkv_hierarchy_kind_name(it->kind)); break;
    case Q_IMPACT: printf("%u\t%s\t%s:%s\n", it->depth, it->name, f, ln); break;
    case Q_HOTSPOTS:
        printf("%llu\t%llu\t%s\t%s\t%s:%s\n", (unsigned long long)it->count, (unsigned long long)it->count2,
               it->name, kn ? kn : "?", f, ln);
        break;
    default:
        printf("%s\t%s\t%s:%s%s%s\n", it->name, kn ? kn : "?", f, ln, it->detail ? "\t" : "", it->detail ? it->detail : "");
    }
}

/* Print a result of the traversal/aggregate queries. */
static int print_result(const char *cmd, enum qkind k, const lmkv_graph_result *r, int json)
{
    if (k == Q_PATHS || k == Q_CYCLES) return print_groups(cmd, k, r, json);
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (json) json_array_append_new(arr, item_row(k, &r->items[i]));
        else print_item(k, &r->items[i]);
    }
    return json ? cli_json_print(cmd, arr) : 0;
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

/* The end of every query, local or --server: the error of RC (an unknown
 * name: exit 1, and `[]` with --json), else the answer (O's rows or RES)
 * and the note of a cut answer. */
static int answer(const char *cmd, const struct qargs *q, struct out *o, const lmkv_graph_result *res, int rc, int trunc)
{
    if (o->err) { cli_error(cmd, "out of memory"); return EXIT_IO; }
    if (rc != LMKV_OK) {
        /* one line: the graph's message already names the query and name */
        const char *m = lmkv_errmsg();
        cli_error(cmd, "%s", m && *m ? m : lmkv_strerror(rc));
        if (rc == LMKV_NOTFOUND && lmkv_cli.json && cli_json_print(cmd, json_array()) != 0) return EXIT_IO;
        return cli_exit_for(rc);
    }
    if (is_simple(q->k)) {
        json_t *arr = o->arr;
        o->arr = NULL;
        if (arr && cli_json_print(cmd, arr) != 0) return EXIT_IO;
    } else if (print_result(cmd, q->k, res, lmkv_cli.json) != 0) {
        return EXIT_IO;
    }
    if (trunc && !lmkv_cli.quiet) note_cut(q->k, q->k == Q_PATHS ? res->groups : res->n, q->limit);
    return cli_finish_output(cmd);
}

/* The query on the state pushed to a PostgreSQL server (push/lmkv_push.h),
 * printed by the same functions as the local answer. */
static int query_server(const char *cmd, const struct qargs *q)
{
    enum qkind k = q->k;
    if (k != Q_CALLERS && k != Q_CALLEES && k != Q_REFS && k != Q_IMPACT && k != Q_PATHS && k != Q_CYCLES)
        return cli_usage_error(cmd, "--server answers callers, callees, refs, impact, paths and cycles");
    lmkv_pg *pg = NULL;
    int rc, ret, trunc = 0;
    struct out o = {NULL, 0};
    lmkv_graph_result res;
    memset(&res, 0, sizeof res);
    char real[PATH_MAX];
    const char *root = q->root && realpath(q->root, real) ? real : q->root;
    if ((rc = lmkv_pg_connect(&pg, q->server)) != LMKV_OK) return cli_fail(cmd, rc, "--server");
    int64_t wsk = 0, wsid = 0;
    if ((rc = lmkv_pg_workspace(&wsid, pg, q->machine, root)) != LMKV_OK ||
        (rc = lmkv_pg_state(&wsk, NULL, pg, wsid, q->commit)) != LMKV_OK) {
        ret = cli_fail(cmd, rc, "--server");
        goto done;
    }
    if (is_simple(k) && lmkv_cli.json && !(o.arr = json_array())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto done; }
    for (int ai = q->names; is_simple(k) && ai < q->argc; ai++) {
        size_t n = 0;
        int tr = 0;
        const char *nm = q->argv[ai];
        if (k == Q_CALLERS) rc = lmkv_pg_callers(&n, &tr, pg, wsk, nm, q->limit, cb_callers, &o);
        else if (k == Q_CALLEES) rc = lmkv_pg_callees(&n, &tr, pg, wsk, nm, q->limit, cb_callees, &o);
        else rc = lmkv_pg_refs(&n, &tr, pg, wsk, nm, q->limit, cb_refs, &o);
        trunc |= tr;
        if (rc != LMKV_OK) break;
    }
    if (!is_simple(k)) {
        if (k == Q_IMPACT) rc = lmkv_pg_impact(&res, pg, wsk, q->a1, (unsigned)q->depth, q->limit);
        else if (k == Q_PATHS) rc = lmkv_pg_paths(&res, pg, wsk, q->a1, q->a2, (unsigned)q->depth, q->limit);
        else rc = lmkv_pg_cycles(&res, pg, wsk, q->limit);
        trunc = res.truncated;
    }
    ret = answer(cmd, q, &o, &res, rc, trunc);
done:
    json_decref(o.arr);
    lmkv_pg_close(pg);
    return ret;
}

/* symbol, callers, callees, refs, refs-from: one answer per NAME (each
 * appended to O), --limit per name; stops at the first failure. */
static int local_names(lmkv_graph *g, const struct qargs *q, struct out *o, int *trunc)
{
    int rc = LMKV_OK;
    for (int ai = q->names; ai < q->argc && rc == LMKV_OK; ai++) {
        const char *nm = q->argv[ai];
        size_t n = 0;
        int tr = 0;
        switch (q->k) {
        case Q_SYMBOL: rc = lmkv_graph_symbols(&n, &tr, g, nm, q->match, q->limit, cb_symbol, o); break;
        case Q_CALLERS: rc = lmkv_graph_callers(&n, &tr, g, nm, q->limit, cb_callers, o); break;
        case Q_CALLEES: rc = lmkv_graph_callees(&n, &tr, g, nm, q->limit, cb_callees, o); break;
        case Q_REFS: rc = lmkv_graph_refs(&n, &tr, g, nm, q->limit, cb_refs, o); break;
        case Q_REFS_FROM: rc = lmkv_graph_refs_from(&n, &tr, g, nm, q->limit, cb_refs_from, o); break;
        default: rc = LMKV_EINVAL; break;
        }
        *trunc |= tr;
    }
    return rc;
}

/* The traversal and aggregate queries, into RES. */
static int local_result(lmkv_graph *g, const struct qargs *q, lmkv_graph_result *res)
{
    unsigned depth = (unsigned)q->depth;
    switch (q->k) {
    case Q_SEARCH: return lmkv_graph_search(res, g, q->a1, q->limit);
    case Q_PATHS: return lmkv_graph_paths(res, g, q->a1, q->a2, depth, q->limit);
    case Q_IMPACT: return lmkv_graph_impact(res, g, q->a1, depth, q->limit);
    case Q_CYCLES: return lmkv_graph_cycles(res, g, q->limit);
    case Q_HIERARCHY: return lmkv_graph_hierarchy(res, g, q->a1, q->limit);
    case Q_IMPL: return lmkv_graph_implementations(res, g, q->a1, q->limit);
    case Q_DEAD: return lmkv_graph_dead(res, g, q->keep, q->limit);
    case Q_HOTSPOTS: return lmkv_graph_hotspots(res, g, q->limit);
    case Q_DEPS: return lmkv_graph_deps(res, g, q->a1, q->limit);
    case Q_RDEPS: return lmkv_graph_rdeps(res, g, q->a1, q->limit);
    default: return LMKV_EINVAL;
    }
}

/* The query on the local database's current state of the workspace. */
static int query_local(const char *cmd, const struct qargs *q)
{
    int ret, rc, trunc = 0;
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_graph *g = NULL;
    struct out o = {NULL, 0};
    lmkv_graph_result res;
    memset(&res, 0, sizeof res);
    uint64_t ws = 0;
    if ((ret = cli_db_open(cmd, CLI_DB_READ, &db)) != EXIT_OK_) goto cleanup;
    if ((rc = lmkv_store_open(&st, db)) != LMKV_OK) { ret = cli_fail(cmd, rc, "opening the store"); goto cleanup; }
    if ((ret = cli_pick_workspace(cmd, st, q->root, &ws)) != EXIT_OK_) goto cleanup;
    if ((rc = lmkv_graph_open(&g, st, ws)) != LMKV_OK) { ret = cli_fail(cmd, rc, "opening the graph"); goto cleanup; }
    if (lmkv_cli.json && !(o.arr = json_array())) { cli_error(cmd, "out of memory"); ret = EXIT_IO; goto cleanup; }
    if (is_simple(q->k)) {
        rc = local_names(g, q, &o, &trunc);
    } else {
        rc = local_result(g, q, &res);
        trunc = res.truncated;
    }
    ret = answer(cmd, q, &o, &res, rc, trunc);
cleanup:
    json_decref(o.arr);
    lmkv_graph_close(g);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}

/* Options and operands into Q. Returns -1 to go on, else the exit code
 * (message printed); Q->keep is the caller's to free either way. */
static int parse_args(const char *cmd, int argc, char **argv, struct qargs *q)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'}, {"limit", required_argument, NULL, 'n'},
        {"depth", required_argument, NULL, 'd'}, {"prefix", no_argument, NULL, 'P'},
        {"qualified", no_argument, NULL, 'Q'}, {"keep", required_argument, NULL, 'K'},
        {"server", required_argument, NULL, 'S'}, {"machine", required_argument, NULL, 'M'},
        {"commit", required_argument, NULL, 1000}, CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    int c;
    memset(q, 0, sizeof *q);
    q->match = LMKV_GRAPH_EXACT;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:n:d:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': q->root = optarg; break;
        case 'n': if (cli_parse_u64(cmd, "--limit", optarg, SIZE_MAX, &q->limit) != 0) return EXIT_USAGE; break;
        case 'd': if (cli_parse_u64(cmd, "--depth", optarg, LMKV_GRAPH_MAX_DEPTH, &q->depth) != 0) return EXIT_USAGE; break;
        case 'S': q->server = optarg; break;
        case 'M': q->machine = optarg; break;
        case 1000:
            if (!*optarg) return cli_usage_error(cmd, "--commit needs a commit id or 'latest'");
            q->commit = optarg;
            break;
        case 'P': q->match = LMKV_GRAPH_PREFIX; break;
        case 'Q': q->match = LMKV_GRAPH_QUALIFIED; break;
        case 'K': {
            if (!*optarg) return cli_usage_error(cmd, "--keep needs a non-empty pattern");
            const char **nk = realloc(q->keep, (q->nkeep + 2) * sizeof *nk);
            if (!nk) { cli_error(cmd, "out of memory"); return EXIT_IO; }
            q->keep = nk;
            q->keep[q->nkeep++] = optarg;
            q->keep[q->nkeep] = NULL;
            break;
        }
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (optind >= argc) return cli_usage_error(cmd, "needs a query kind");
    const char *kname = argv[optind++];
    int ki = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) if (!strcmp(kinds[i].name, kname)) ki = (int)i;
    if (ki < 0) return cli_usage_error(cmd, "unknown query kind '%s'", kname);
    q->k = kinds[ki].k;
    q->many = is_edge_kind(q->k);
    if (q->keep && q->k != Q_DEAD) return cli_usage_error(cmd, "--keep applies to dead only");
    int nargs = kinds[ki].nargs;
    if (argc - optind != nargs && !(q->many && argc - optind > 1))
        return cli_usage_error(cmd, "%s takes %d argument%s, got %d", kname, nargs, nargs == 1 ? "" : "s", argc - optind);
    for (int i = optind; i < argc; i++) if (!*argv[i]) return cli_usage_error(cmd, "empty name");
    q->a1 = nargs > 0 ? argv[optind] : NULL;
    q->a2 = nargs > 1 ? argv[optind + 1] : NULL;
    q->names = optind; q->argc = argc; q->argv = argv;
    if (q->machine && !q->server) return cli_usage_error(cmd, "--machine applies to --server only");
    if (q->commit && !q->server) return cli_usage_error(cmd, "--commit applies to --server only");
    return -1;
}

int cmd_query(int argc, char **argv)
{
    const char *cmd = "query";
    struct qargs q;
    int ret = parse_args(cmd, argc, argv, &q);
    if (ret < 0) ret = q.server ? query_server(cmd, &q) : query_local(cmd, &q);
    free(q.keep);
    return ret;
}
