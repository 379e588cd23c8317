/*
 * schema_bench.c -- record codec throughput per table: encode (lmkv_fbb
 * reused, as the store does) and decode (verify + zero-copy read), in
 * records/s and MB/s, with two baselines measured in the same run on the
 * same records: memcpy of the encoded bytes (the floor any codec pays to
 * move the data) and jansson JSON (what a JSON-per-value store such as the
 * daemon's serde_json cache would pay to encode/parse the same fields).
 *
 * Data: symbols, references, calls, hierarchy edges and file versions from
 * real C source -- every line of LMDB's mdb.c ($LMKV_SOURCES/lmdb) gives a
 * record whose strings are that line's first identifier (name) and the line
 * text (signature / qualified names); cache entries carry the daemon's real
 * LSP responses when the sled fixture is present
 * ($LMKV_FIXTURES/sled/probe-universal-cache.decoded.jsonl), else the lines.
 * Prints a markdown table. BENCH_QUICK=1 shrinks the work.
 *
 * Build by hand: cc -std=c11 -D_GNU_SOURCE -O2 -Ikv -Ischema bench/schema_bench.c \
 *   build/libschema.a build/libkv.a -llmdb -lxxhash -ljansson -o schema_bench
 */
#include "lmkv_kv.h"
#include "lmkv_schema.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char **lines;
static size_t nlines;
static char **idents;
static char **responses;
static size_t nresponses;
static const char *source_note = "synthetic lines";

static void load_lines(void)
{
    const char *src = getenv("LMKV_SOURCES");
    char path[4096];
    snprintf(path, sizeof path, "%s/lmdb/mdb.c", src ? src : "build/sources");
    FILE *f = fopen(path, "r");
    size_t cap = 16384;
    lines = malloc(cap * sizeof *lines);
    char buf[4096];
    if (f) {
        source_note = "LMDB mdb.c lines";
        while (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\n")] = 0;
            if (!buf[0]) continue;
            if (nlines == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
            lines[nlines++] = strdup(buf);
        }
        fclose(f);
    }
    if (nlines == 0)
        for (int i = 0; i < 5000; i++) {
            snprintf(buf, sizeof buf, "static int function_%d(MDB_txn *txn, MDB_dbi dbi, MDB_val *key)", i);
            lines[nlines++] = strdup(buf);
        }
    idents = malloc(nlines * sizeof *idents);
    for (size_t i = 0; i < nlines; i++) {
        const char *p = lines[i];
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_')) p++;
        size_t n = 0;
        while (p[n] && ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_' ||
                        (p[n] >= '0' && p[n] <= '9')))
            n++;
        idents[i] = n ? strndup(p, n) : strdup("x");
    }
    /* Real LSP responses from the daemon's cache dump. */
    const char *fx = getenv("LMKV_FIXTURES");
    snprintf(path, sizeof path, "%s/sled/probe-universal-cache.decoded.jsonl", fx ? fx : "tests/fixtures");
    f = fopen(path, "r");
    responses = malloc(4096 * sizeof *responses);
    if (f) {
        char *line = NULL;
        size_t lcap = 0;
        while (getline(&line, &lcap, f) > 0 && nresponses < 4096) {
            json_t *o = json_loads(line, 0, NULL);
            json_t *d = json_object_get(json_object_get(o, "value"), "data");
            if (d) {
                char *s = json_is_string(d) ? strdup(json_string_value(d)) : json_dumps(d, JSON_COMPACT);
                if (s) responses[nresponses++] = s;
            }
            json_decref(o);
        }
        free(line);
        fclose(f);
    }
}

/* Fill record i of a type from the source lines. */
static void make_record(lmkv_record_type type, size_t i, void *rec, const char *const *mods)
{
    const char *line = lines[i % nlines], *id = idents[i % nlines];
    uint64_t h = 0x9e3779b97f4a7c15ull * (i + 1);
    lmkv_record_init(type, rec);
    switch (type) {
    case LMKV_REC_WORKSPACE: {
        lmkv_workspace *w = rec;
        w->id = h; w->root_path = "/home/dev/lmdb/libraries/liblmdb"; w->name = id;
        w->is_git = 1; w->current_commit = "939580c91d6d50ed1b3d330d56e1339a72c5fefd";
        w->created_ns = 1757844023073816676; w->last_indexed_ns = w->created_ns + (int64_t)i;
        break;
    }
    case LMKV_REC_FILE_VERSION: {
        lmkv_file_version *v = rec;
        v->id = h; v->workspace_id = 7; v->path = line; v->content_hash = h ^ 1;
        v->git_blob_id = "1a7b5016e184713a876faecdb8b939d21a7b5016"; v->language = "c";
        v->size_bytes = 400000 + i; v->line_count = 11000; v->mtime_ns = 1757844023073816676; v->indexed_ns = 1;
        break;
    }
    case LMKV_REC_SYMBOL: {
        lmkv_symbol *s = rec;
        s->id = h; s->workspace_id = 7; s->file_version_id = h >> 3; s->file_path = "libraries/liblmdb/mdb.c";
        s->name = id; s->qualified_name = id; s->kind = LMKV_SK_FUNCTION;
        s->start_line = (uint32_t)(i % 12000) + 1; s->start_column = 1; s->end_line = s->start_line + 30; s->end_column = 2;
        s->signature = line; s->visibility = "static"; s->modifiers = (lmkv_strvec){ mods, 2, NULL };
        s->language = "c"; s->parent_id = 0; s->indexed_ns = 1757844023073816676;
        break;
    }
    case LMKV_REC_REFERENCE: {
        lmkv_reference *r = rec;
        r->id = h; r->workspace_id = 7; r->file_version_id = 3; r->file_path = "libraries/liblmdb/mdb.c";
        r->source_id = h >> 1; r->source_name = idents[(i + 1) % nlines]; r->target_id = h >> 2; r->target_name = id;
        r->start_line = (uint32_t)i; r->start_column = 5; r->end_line = (uint32_t)i; r->end_column = 17;
        r->kind = LMKV_REF_CALL;
        break;
    }
    case LMKV_REC_CALL: {
        lmkv_call *c = rec;
        c->id = h; c->workspace_id = 7; c->file_version_id = 3; c->file_path = "libraries/liblmdb/mdb.c";
        c->caller_id = h >> 1; c->caller_name = idents[(i + 7) % nlines]; c->callee_id = h >> 2; c->callee_name = id;
        c->line = (uint32_t)i; c->column = 9; c->argument_count = 3;
        break;
    }
    case LMKV_REC_HIERARCHY: {
        lmkv_hierarchy *e = rec;
        e->workspace_id = 7; e->file_version_id = 3; e->parent_id = h >> 1; e->parent_name = idents[(i + 3) % nlines];
        e->child_id = h; e->child_name = id;
        break;
    }
    case LMKV_REC_CACHE_ENTRY: {
        lmkv_cache_entry *e = rec;
        const char *resp = nresponses ? responses[i % nresponses] : line;
        e->workspace_id = 7; e->method = "textDocument/references"; e->file_path = "libraries/liblmdb/mdb.c";
        e->file_version_id = 3; e->content_hash = "5d8826ab71556814e1b14874";
        e->position_line = (uint32_t)i; e->position_character = 4;
        e->request_params = "{\"textDocument\":{\"uri\":\"file:///home/dev/lmdb/mdb.c\"},\"position\":{\"line\":10,\"character\":4}}";
        e->response = (lmkv_ubytes){ (const uint8_t *)resp, strlen(resp) };
        e->response_type = "locations"; e->created_ns = 1757844023073816676; e->last_accessed_ns = e->created_ns;
        e->access_count = 3; e->response_time_ms = 12;
        break;
    }
    case LMKV_REC_CACHE_STATS: {
        lmkv_cache_stats *s = rec;
        s->workspace_id = 7; s->method = "textDocument/definition"; s->day = 20345 + (uint32_t)(i % 30);
        s->hits = i * 3; s->misses = i; s->response_time_ms_total = i * 11;
        break;
    }
    default: break;
    }
}

/* The same record as JSON with jansson (the baseline codec), rendered from
 * lmkv's own JSON so the fields are identical. */
typedef union anyrec {
    lmkv_workspace a; lmkv_file_version b; lmkv_symbol c; lmkv_reference d;
    lmkv_call e; lmkv_hierarchy f; lmkv_cache_entry g; lmkv_cache_stats h; lmkv_indexer_queue_item i;
    lmkv_analysis_run j; lmkv_daemon_workspace_record k; lmkv_daemon_file_link l;
} anyrec;

static volatile size_t sink;

int main(void)
{
    int quick = getenv("BENCH_QUICK") != NULL;
    size_t n = quick ? 20000 : 200000;
    load_lines();
    static const char *const mods[] = { "static", "inline" };
    lmkv_fbb *b = NULL;
    if (lmkv_fbb_new(&b)) return 1;

    printf("Records built from %s (%zu lines)%s; %zu records per type; best of 3 passes.\n\n",
           source_note, nlines, nresponses ? ", cache entries with the daemon's real LSP responses" : "", n);
    printf("| record | bytes/rec | encode rec/s | encode MB/s | decode (verify+read) rec/s | decode MB/s "
           "| memcpy rec/s | JSON enc rec/s | JSON dec rec/s | decode vs JSON parse |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int t = 1; t < LMKV_REC_COUNT; t++) {
        lmkv_record_type type = (lmkv_record_type)t;
        anyrec rec;
        /* Encode all once to size the arena. */
        size_t *off = malloc((n + 1) * sizeof *off), total = 0;
        for (size_t i = 0; i < n; i++) {
            const uint8_t *out;
            size_t len;
            make_record(type, i, &rec, mods);
            if (lmkv_record_build(b, type, &rec, &out, &len)) { fprintf(stderr, "build: %s\n", lmkv_errmsg()); return 1; }
            off[i] = total;
            total += len;
        }
        off[n] = total;
        uint8_t *arena = malloc(total), *copy = malloc(total);
        anyrec *recs = malloc(n * sizeof *recs);
        for (size_t i = 0; i < n; i++) make_record(type, i, &recs[i], mods);

        double best_enc = 1e9, best_dec = 1e9, best_cpy = 1e9, best_jenc = 1e9, best_jdec = 1e9;
        for (int pass = 0; pass < 3; pass++) {
            double t0 = now_s();
            for (size_t i = 0; i < n; i++) {
                const uint8_t *out;
                size_t len;
                lmkv_record_build(b, type, &recs[i], &out, &len);
                memcpy(arena + off[i], out, len);
            }
            double t1 = now_s();
            for (size_t i = 0; i < n; i++) {
                if (lmkv_record_read(type, &rec, arena + off[i], off[i + 1] - off[i])) {
                    fprintf(stderr, "read: %s\n", lmkv_errmsg());
                    return 1;
                }
                sink += rec.a.id;
            }
            double t2 = now_s();
            for (size_t i = 0; i < n; i++) memcpy(copy + off[i], arena + off[i], off[i + 1] - off[i]);
            sink += copy[total - 1];
            double t3 = now_s();
            if (t1 - t0 < best_enc) best_enc = t1 - t0;
            if (t2 - t1 < best_dec) best_dec = t2 - t1;
            if (t3 - t2 < best_cpy) best_cpy = t3 - t2;
        }
        /* JSON baseline on a slice (it is much slower): encode = render the
         * fields to text (lmkv_record_to_json minus the FlatBuffers read,
         * measured as json_dumps of a prepared json_t), decode = json_loads. */
        size_t nj = n / 10;
        char **texts = malloc(nj * sizeof *texts);
        json_t **objs = malloc(nj * sizeof *objs);
        for (size_t i = 0; i < nj; i++) {
            char *s = NULL;
            lmkv_record_to_json(&s, arena + off[i], off[i + 1] - off[i], 0);
            texts[i] = s;
            objs[i] = json_loads(s, 0, NULL);
        }
        for (int pass = 0; pass < 3; pass++) {
            double t0 = now_s();
            for (size_t i = 0; i < nj; i++) {
                char *s = json_dumps(objs[i], JSON_COMPACT | JSON_PRESERVE_ORDER);
                sink += strlen(s);
                free(s);
            }
            double t1 = now_s();
            for (size_t i = 0; i < nj; i++) {
                json_t *o = json_loads(texts[i], 0, NULL);
                sink += json_object_size(o);
                json_decref(o);
            }
            double t2 = now_s();
            if ((t1 - t0) * 10 < best_jenc) best_jenc = (t1 - t0) * 10;
            if ((t2 - t1) * 10 < best_jdec) best_jdec = (t2 - t1) * 10;
        }
        for (size_t i = 0; i < nj; i++) { free(texts[i]); json_decref(objs[i]); }
        free(texts);
        free(objs);
        double mb = (double)total / 1e6;
        printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.1fx |\n",
               lmkv_record_type_name(type), (double)total / (double)n, n / best_enc, mb / best_enc,
               n / best_dec, mb / best_dec, n / best_cpy, n / best_jenc, n / best_jdec, best_jdec / best_dec);
        free(off);
        free(arena);
        free(copy);
        free(recs);
    }
    printf("\nencode includes copying each record out of the builder; decode verifies every offset "
           "and fills the C struct (strings zero-copy). JSON columns: jansson on the same records "
           "(a tenth of them, scaled).\n");
    lmkv_fbb_free(b);
    for (size_t i = 0; i < nlines; i++) { free(lines[i]); free(idents[i]); }
    free(lines);
    free(idents);
    for (size_t i = 0; i < nresponses; i++) free(responses[i]);
    free(responses);
    return 0;
}
