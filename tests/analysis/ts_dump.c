/*
 * ts_dump -- test and bench driver of the tree-sitter frontends: runs
 * lmkv_analysis__ts_run over files and prints the analyser sink's records,
 * one per line, tab-separated, for the oracle scripts (tests/t_analysis_ts_*):
 *   F path
 *   S qualified_name name kind line column end_line end_column parent flags signature
 *   C caller callee line column argument_count
 *   R from name kind line column
 *   H parent child kind
 *   E path reason            (the file failed; its records are dropped)
 * Usage: ts_dump [-q] [-l LANGUAGE] FILE...   ("-" reads paths from stdin)
 * The language comes from the extension unless -l is given. -q prints only
 * the totals (files, lines, bytes, records, failures) on stderr, for bench/.
 * The sink is versioning's own (versioning_int.h), as an index session
 * would pass it; exit 0, or 1 if a file failed, 2 on usage.
 */
#include "ts_int.h"
#include "versioning_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *lang_of(const char *path)
{
    static const struct { const char *ext, *lang; } m[] = {
        {"py", "python"}, {"pyi", "python"}, {"go", "go"}, {"rs", "rust"},
        {"js", "javascript"}, {"mjs", "javascript"}, {"cjs", "javascript"}, {"jsx", "javascript"},
        {"ts", "typescript"}, {"mts", "typescript"}, {"cts", "typescript"}, {"tsx", "tsx"},
        {"java", "java"},
    };
    const char *dot = strrchr(path, '.');
    if (!dot) return NULL;
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(dot + 1, m[i].ext)) return m[i].lang;
    return NULL;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        char *nb = realloc(b, cap *= 2);
        if (!nb) { free(b); b = NULL; break; }
        b = nb;
    }
    fclose(f);
    *len = n;
    return b;
}

static const char *s(const char *x) { return x ? x : ""; }

static unsigned long nfiles, nlines, nbytes, nrecs, nfail;
static int quiet;

static void one(const char *lang, const char *path)
{
    size_t len = 0;
    const char *l = lang ? lang : lang_of(path);
    char *buf = slurp(path, &len);
    if (!buf) { printf("E\t%s\tcannot read\n", path); nfail++; return; }
    if (!l) { printf("E\t%s\tno language for the extension\n", path); nfail++; free(buf); return; }
    lmkv_analysis a;
    memset(&a, 0, sizeof a);
    a.active = 1;
    int rc = lmkv_analysis__ts_run(&a, l, path, buf, len, NULL);
    nfiles++; nbytes += len;
    for (size_t i = 0; i < len; i++) if (buf[i] == '\n') nlines++;
    if (rc != LMKV_OK) {
        if (!quiet) printf("E\t%s\t%s\n", path, s(a.error));
        nfail++;
    } else if (!quiet) {
        printf("F\t%s\n", path);
        for (size_t i = 0; i < a.nsyms; i++) {
            const struct vsym *y = &a.syms[i];
            printf("S\t%s\t%s\t%d\t%u\t%u\t%u\t%u\t%s\t%u\t%s\n", y->qname, y->name, y->kind, y->line,
                   y->column, y->end_line, y->end_column, s(y->parent), y->flags, s(y->signature));
        }
        for (size_t i = 0; i < a.ncalls; i++) {
            const struct vcall *c = &a.calls[i];
            printf("C\t%s\t%s\t%u\t%u\t%d\n", c->caller, c->callee, c->line, c->column, c->argument_count);
        }
        for (size_t i = 0; i < a.nrefs; i++) {
            const struct vref *r = &a.refs[i];
            printf("R\t%s\t%s\t%d\t%u\t%u\n", s(r->from), r->name, r->kind, r->line, r->column);
        }
        for (size_t i = 0; i < a.nhiers; i++)
            printf("H\t%s\t%s\t%d\n", a.hiers[i].parent, a.hiers[i].child, a.hiers[i].kind);
    }
    nrecs += a.nsyms + a.ncalls + a.nrefs + a.nhiers;
    a.active = 0;
    lmkv_versioning__vanalysis_reset(&a);
    free(buf);
}

int main(int argc, char **argv)
{
    const char *lang = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "-q")) quiet = 1;
        else if (!strcmp(argv[i], "-l") && i + 1 < argc) lang = argv[++i];
        else { fprintf(stderr, "usage: ts_dump [-q] [-l LANGUAGE] FILE... (- = paths on stdin)\n"); return 2; }
    }
    if (lang && !lmkv_analysis__ts_frontend_id(lang)) {
        fprintf(stderr, "ts_dump: no tree-sitter frontend for '%s'\n", lang);
        return 2;
    }
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-")) {
            char line[8192];
            while (fgets(line, sizeof line, stdin)) {
                line[strcspn(line, "\n")] = 0;
                if (*line) one(lang, line);
            }
        } else one(lang, argv[i]);
    }
    fflush(stdout);
    if (quiet)
        fprintf(stderr, "files %lu lines %lu bytes %lu records %lu failed %lu\n", nfiles, nlines, nbytes, nrecs, nfail);
    return nfail ? 1 : 0;
}
