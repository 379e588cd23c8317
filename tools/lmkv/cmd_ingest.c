/* lmkv ingest: raw LSP answers (JSON Lines) into the database, through
 * lsp/lmkv_lsp.h. Thin: reads the files and the answers, hands them over. */
#include "cli.h"
#include "lmkv_lsp.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: lmkv ingest [--db DIR] --workspace ROOT [--language LANG] [--json] ANSWERS FILE...\n"
    "\n"
    "Store a language server's answers about FILE... (their current bytes are\n"
    "the content version) in the workspace ROOT, replacing those files'\n"
    "records, in one write transaction (lsp/lmkv_lsp.h). ANSWERS is a JSON\n"
    "Lines file (\"-\" = stdin), one answer per line:\n"
    "  {\"method\": \"textDocument/documentSymbol\", \"params\": {...}, \"result\": ...}\n"
    "with the request's params and the response's result as the server sent\n"
    "them. Methods: textDocument/documentSymbol, callHierarchy/incomingCalls,\n"
    "callHierarchy/outgoingCalls, textDocument/references,\n"
    "textDocument/definition, textDocument/typeDefinition,\n"
    "textDocument/implementation. A bad answer stops everything: nothing is\n"
    "written and the message names the line, the method and the JSON path.\n"
    "\n"
    "  --workspace ROOT  the workspace root (file:// URIs lie under it)\n"
    "  --language LANG   language of every FILE (default: from the extension:\n"
    "                    c, cpp, rust, typescript, javascript, python, go, java)\n"
    "  --json            the counts as one JSON object\n"
    "  --db DIR          database directory (default $LMKV_DB, else ./.lmkv)\n"
    "\n"
    "Exit: 0 ok, 1 a FILE or ROOT not found, 2 usage, 3 a bad answer, 4 I/O.\n";

static int read_all(const char *cmd, const char *path, char **out, size_t *outlen)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        int e = errno;
        cli_error(cmd, "%s: %s", path, strerror(e));
        return e == ENOENT ? EXIT_NOTFOUND : EXIT_IO;
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) { free(b); b = NULL; break; }
            b = nb;
            cap *= 2;
        }
    }
    int err = ferror(f);
    if (f != stdin) fclose(f);
    if (!b) { cli_error(cmd, "out of memory"); return EXIT_IO; }
    if (err) { free(b); cli_error(cmd, "%s: read error", path); return EXIT_IO; }
    b[n] = 0;
    *out = b;
    *outlen = n;
    return EXIT_OK_;
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workspace", required_argument, NULL, 'w'},
        {"language", required_argument, NULL, 'l'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *cmd = "ingest", *root_arg = NULL, *lang = NULL;
    int c, ret = EXIT_OK_, rc;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "w:l:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        switch (c) {
        case 'w': root_arg = optarg; break;
        case 'l': lang = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK_;
        default: return EXIT_USAGE;
        }
    }
    if (!root_arg || argc - optind < 2) {
        cli_error(cmd, "give --workspace ROOT, the ANSWERS file and at least one FILE (see --help)");
        return EXIT_USAGE;
    }
    char root[PATH_MAX];
    if (!realpath(root_arg, root)) {
        cli_error(cmd, "workspace %s: %s", root_arg, strerror(errno));
        return EXIT_NOTFOUND;
    }
    lmkv_db *db = NULL;
    lmkv_store *st = NULL;
    lmkv_lsp_ingest *g = NULL;
    char *answers = NULL;
    size_t alen = 0;
    uint64_t ws;
    if ((rc = lmkv_workspace_id(&ws, root)) || (rc = lmkv_lsp_ingest_new(&g, ws, root))) {
        ret = cli_fail(cmd, rc, "workspace");
        goto cleanup;
    }
    size_t rl = strlen(root);
    for (int i = optind + 1; i < argc; i++) {
        char real[PATH_MAX], *bytes = NULL;
        size_t len;
        if (!realpath(argv[i], real)) {
            cli_error(cmd, "%s: %s", argv[i], strerror(errno));
            ret = EXIT_NOTFOUND;
            goto cleanup;
        }
        if (strncmp(real, root, rl) || real[rl] != '/') {
            cli_error(cmd, "%s is outside the workspace %s", argv[i], root);
            ret = EXIT_USAGE;
            goto cleanup;
        }
        if ((ret = read_all(cmd, real, &bytes, &len)) != EXIT_OK_) goto cleanup;
        const char *rel = real + rl + 1;
        rc = lmkv_lsp_ingest_add_file(NULL, g, rel, bytes, len, lang ? lang : lmkv_lsp_language_of(rel));
        free(bytes);
        if (rc) { ret = cli_fail(cmd, rc, rel); goto cleanup; }
    }
    if ((ret = read_all(cmd, argv[optind], &answers, &alen)) != EXIT_OK_) goto cleanup;
    size_t lineno = 0;
    for (char *p = answers, *nl; p < answers + alen; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(answers + alen - p));
        if (!nl) nl = answers + alen;
        lineno++;
        if (nl == p) continue;
        json_error_t je;
        json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
        const char *method = NULL;
        json_t *params = o ? json_object_get(o, "params") : NULL, *result = o ? json_object_get(o, "result") : NULL;
        if (o) method = json_string_value(json_object_get(o, "method"));
        if (!o || !method || !params || !result) {
            cli_error(cmd, "%s:%zu: %s", argv[optind], lineno,
                      o ? "an answer needs \"method\" (a string), \"params\" and \"result\"" : je.text);
            json_decref(o);
            ret = EXIT_DAMAGED;
            goto cleanup;
        }
        char *ps = json_dumps(params, JSON_COMPACT), *rs = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY);
        rc = ps && rs ? lmkv_lsp_ingest_answer(g, method, ps, strlen(ps), rs, strlen(rs)) : LMKV_ENOMEM;
        free(ps);
        free(rs);
        json_decref(o);
        if (rc) {
            cli_error(cmd, "%s:%zu: %s", argv[optind], lineno, lmkv_errmsg());
            ret = rc == LMKV_EPARSE || rc == LMKV_EINVAL ? EXIT_DAMAGED : cli_exit_for(rc);
            goto cleanup;
        }
    }
    if ((ret = cli_db_open(cmd, CLI_DB_CREATE, &db)) != EXIT_OK_) goto cleanup;
    if ((rc = lmkv_store_open(&st, db))) { ret = cli_fail(cmd, rc, "opening the store"); goto cleanup; }
    lmkv_lsp_ingest_stats s;
    if ((rc = lmkv_lsp_ingest_commit(&s, g, st))) {
        ret = cli_fail(cmd, rc, "writing");
        if (rc == LMKV_EPARSE) ret = EXIT_DAMAGED;
        goto cleanup;
    }
    if (lmkv_cli.json) {
        json_t *o = json_pack("{sIsIsIsIsIsIsIsIsI}", "answers", (json_int_t)s.answers, "empty", (json_int_t)s.empty,
                              "files", (json_int_t)s.files, "symbols", (json_int_t)s.symbols, "calls",
                              (json_int_t)s.calls, "references", (json_int_t)s.references, "hierarchy",
                              (json_int_t)s.hierarchy, "duplicates", (json_int_t)s.duplicates, "outside",
                              (json_int_t)s.outside);
        if (!o || cli_json_print(cmd, o)) ret = EXIT_IO;
    } else {
        printf("%zu answers (%zu empty), %zu files: %zu symbols, %zu calls, %zu references, %zu hierarchy edges"
               " (%zu duplicates, %zu locations outside)\n",
               s.answers, s.empty, s.files, s.symbols, s.calls, s.references, s.hierarchy, s.duplicates, s.outside);
    }
cleanup:
    lmkv_lsp_ingest_free(g);
    free(answers);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return ret;
}
