/*
 * test_migrate_import.c -- lmkv_migrate_import / lmkv_migrate_export on the
 * real sled fixtures ($LMKV_FIXTURES/sled) into real LMDB databases in
 * $LMKV_TEST_TMP: sled's counts and checksums (.expect.json), typed records
 * against .decoded.jsonl field by field, the byte-identical way back, gzip
 * input, damaged dumps leaving a pre-existing target untouched, merge
 * conflicts, idempotent re-runs, dry runs, raw-only entries, cancellation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "lmkv_migrate.h"
#include "util/lmkv_test_files.h"
#include "lmkv_schema.h"

static const char *fixtures[] = {"probe-universal-cache", "probe-legacy-call-graph", "edge-cases-small"};
#define NFIX (sizeof fixtures / sizeof fixtures[0])

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* No "<name>.tmp-*" directory is left in $LMKV_TEST_TMP. */
static void assert_no_tmp_dirs(void)
{
    DIR *d = opendir(lmkv_test_tmp(""));
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp-")) fprintf(stderr, "left behind: %s\n", e->d_name);
        assert_null(strstr(e->d_name, ".tmp-"));
    }
    closedir(d);
}

static lmkv_db *open_ro(const char *dir)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.read_only = 1;
    cfg.flush_every_ms = 0;
    lmkv_db *db = NULL;
    int rc = lmkv_db_open(&db, &cfg);
    if (rc) fprintf(stderr, "%s\n", lmkv_errmsg());
    assert_int_equal(rc, LMKV_OK);
    return db;
}

static uint32_t db_checksum(const char *dir)
{
    lmkv_db *db = open_ro(dir);
    uint32_t c = 0;
    assert_int_equal(lmkv_db_checksum(&c, db), LMKV_OK);
    lmkv_db_close(db);
    return c;
}

static int do_import(lmkv_migrate_report *rep, const char *dump, const char *dir, unsigned flags)
{
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    o.flags = flags;
    int rc = lmkv_migrate_import(rep, dump, dir, &o);
    if (rc) fprintf(stderr, "import: %s\n", lmkv_errmsg());
    return rc;
}

/* ------------------------------------------------------------------ raw */

static void test_fixtures_raw_equal_sled(void **state)
{
    (void)state;
    for (size_t i = 0; i < NFIX; i++) {
        json_error_t jerr;
        json_t *exp = json_load_file(lmkv_test_sled_fixture(fixtures[i], ".expect.json"), 0, &jerr);
        assert_non_null(exp);
        json_t *jdb = json_object_get(exp, "db"), *jdump = json_object_get(exp, "dump");
        char dir[64];
        snprintf(dir, sizeof dir, "raw-%zu", i);
        lmkv_migrate_report rep;
        assert_int_equal(do_import(&rep, lmkv_test_sled_fixture(fixtures[i], ".sleddump"), lmkv_test_tmp(dir), LMKV_MIGRATE_VERIFY), LMKV_OK);
        assert_int_equal(rep.pairs, json_integer_value(json_object_get(jdb, "total_pairs")));
        assert_int_equal(rep.trees, json_integer_value(json_object_get(jdb, "tree_count")));
        assert_true(rep.dump_checksum_known);
        assert_int_equal(rep.dump_checksum, (uint32_t)json_integer_value(json_object_get(jdb, "checksum")));
        assert_true(rep.checksum_compared);
        assert_int_equal(rep.db_checksum, rep.dump_checksum);
        assert_int_equal(rep.raw_only, 0);
        assert_no_tmp_dirs();

        lmkv_db *db = open_ro(lmkv_test_tmp(dir));
        uint32_t c;
        assert_int_equal(lmkv_db_checksum(&c, db), LMKV_OK);
        assert_int_equal(c, (uint32_t)json_integer_value(json_object_get(jdb, "checksum")));
        lmkv_bytes_array names;
        assert_int_equal(lmkv_db_tree_names(&names, db), LMKV_OK);
        json_t *trees = json_object_get(jdb, "trees");
        assert_int_equal(names.count, json_array_size(trees));
        for (size_t t = 0; t < names.count; t++) {
            json_t *jt = json_array_get(trees, t);
            char hex[256];
            lmkv_test_hex(hex, names.items[t].data, names.items[t].size);
            assert_string_equal(hex, json_string_value(json_object_get(jt, "name_hex")));
            lmkv_tree *tr = NULL;
            assert_int_equal(lmkv_db_open_tree_ex(&tr, db, names.items[t].data, names.items[t].size, LMKV_TREE_NO_CREATE),
                             LMKV_OK);
            uint64_t len;
            uint32_t tc;
            assert_int_equal(lmkv_tree_len(&len, tr), LMKV_OK);
            assert_int_equal(lmkv_tree_checksum(&tc, tr), LMKV_OK);
            assert_int_equal(len, json_integer_value(json_object_get(jt, "len")));
            assert_int_equal(tc, (uint32_t)json_integer_value(json_object_get(jt, "checksum")));
            /* first and last keys as sled had them */
            if (len) {
                lmkv_bytes k, v;
                assert_int_equal(lmkv_tree_first(&k, &v, tr), LMKV_OK);
                char *kh = malloc(2 * k.size + 1);
                lmkv_test_hex(kh, k.data, k.size);
                assert_string_equal(kh, json_string_value(json_object_get(jt, "first_key_hex")));
                free(kh);
                lmkv_free(k.data);
                lmkv_free(v.data);
                assert_int_equal(lmkv_tree_last(&k, &v, tr), LMKV_OK);
                kh = malloc(2 * k.size + 1);
                lmkv_test_hex(kh, k.data, k.size);
                assert_string_equal(kh, json_string_value(json_object_get(jt, "last_key_hex")));
                free(kh);
                lmkv_free(k.data);
                lmkv_free(v.data);
            }
            lmkv_tree_close(tr);
        }
        lmkv_bytes_array_free(&names);
        lmkv_db_close(db);

        /* generate_id continues at the dump's counter */
        json_t *gen = json_object_get(jdump, "meta_generate_id_next");
        if (json_is_integer(gen)) {
            assert_true(rep.has_generate_id);
            assert_int_equal(rep.generate_id_next, json_integer_value(gen));
            lmkv_db *w = NULL;
            assert_int_equal(lmkv_db_open_path(&w, lmkv_test_tmp(dir)), LMKV_OK);
            uint64_t id;
            assert_int_equal(lmkv_db_generate_id(&id, w), LMKV_OK);
            assert_true(id >= (uint64_t)json_integer_value(gen));
            lmkv_db_close(w);
        }
        json_decref(exp);
    }
}

/* ------------------------------------------------------------- way back */

static void test_export_roundtrip_byte_identical(void **state)
{
    (void)state;
    for (size_t i = 0; i < NFIX; i++) {
        char dir[64], out[64];
        snprintf(dir, sizeof dir, "rt-%zu", i);
        snprintf(out, sizeof out, "rt-%zu.sleddump", i);
        lmkv_migrate_report rep;
        assert_int_equal(do_import(&rep, lmkv_test_sled_fixture(fixtures[i], ".sleddump"), lmkv_test_tmp(dir), 0), LMKV_OK);
        lmkv_db *db = NULL;
        assert_int_equal(lmkv_db_open_path(&db, lmkv_test_tmp(dir)), LMKV_OK);
        uint64_t nt = 0, np = 0;
        uint32_t crc = 0;
        assert_int_equal(lmkv_migrate_export(db, lmkv_test_tmp(out), 0, &nt, &np, &crc), LMKV_OK);
        lmkv_db_close(db);
        size_t a, b;
        unsigned char *x = lmkv_test_slurp(lmkv_test_sled_fixture(fixtures[i], ".sleddump"), &a), *y = lmkv_test_slurp(lmkv_test_tmp(out), &b);
        assert_int_equal(a, b);
        assert_memory_equal(x, y, a);
        assert_int_equal(crc, (uint32_t)crc32(0, x, (uInt)(a - 4)));
        free(y);
        /* exporting changes nothing: again, from a read-only handle, same bytes */
        db = open_ro(lmkv_test_tmp(dir));
        snprintf(out, sizeof out, "rt-%zu-again.sleddump", i);
        assert_int_equal(lmkv_migrate_export(db, lmkv_test_tmp(out), 0, NULL, NULL, NULL), LMKV_OK);
        lmkv_db_close(db);
        y = lmkv_test_slurp(lmkv_test_tmp(out), &b);
        assert_int_equal(a, b);
        assert_memory_equal(x, y, a);
        free(x);
        free(y);
        /* after generate_id the dump carries the counter above the id handed out */
        assert_int_equal(lmkv_db_open_path(&db, lmkv_test_tmp(dir)), LMKV_OK);
        uint64_t id;
        assert_int_equal(lmkv_db_generate_id(&id, db), LMKV_OK);
        snprintf(out, sizeof out, "rt-%zu-ids.sleddump", i);
        assert_int_equal(lmkv_migrate_export(db, lmkv_test_tmp(out), 0, NULL, NULL, NULL), LMKV_OK);
        lmkv_db_close(db);
        lmkv_dump_summary *sum = NULL;
        assert_int_equal(lmkv_dump_summarize(&sum, lmkv_test_tmp(out)), LMKV_OK);
        assert_true(sum->has_generate_id);
        assert_true(sum->generate_id_next > id);
        lmkv_dump_summary_free(sum);
    }
}

/* lmkv_migrate_export_ex's progress reports: every 4096 pairs and once at
 * the end, counts growing to the final ones, the entry count known from the
 * start, and the same file as without a callback. */
struct prog_log { size_t n; lmkv_migrate_export_progress p[8]; };
static void log_progress(void *ctx, const lmkv_migrate_export_progress *p)
{
    struct prog_log *l = ctx;
    if (l->n < 8) l->p[l->n] = *p;
    l->n++;
}

static void test_export_progress(void **state)
{
    (void)state;
    lmkv_db *db = NULL;
    assert_int_equal(lmkv_db_open_path(&db, lmkv_test_tmp("prog")), LMKV_OK);
    lmkv_tree *a = NULL, *b = NULL, *d = lmkv_db_default_tree(db);
    assert_int_equal(lmkv_db_open_tree(&a, db, "a", 1), LMKV_OK);
    assert_int_equal(lmkv_db_open_tree(&b, db, "b", 1), LMKV_OK);
    lmkv_txn *txn = NULL;
    assert_int_equal(lmkv_txn_begin(&txn, db, 0), LMKV_OK);
    uint64_t bytes = 0;
    char k[32], v[32];
    /* name order: __sled__default 100, a 5000, b 4000 pairs */
    struct { lmkv_tree *t; int n; } fill[] = {{d, 100}, {a, 5000}, {b, 4000}};
    for (size_t f = 0; f < 3; f++)
        for (int i = 0; i < fill[f].n; i++) {
            int kn = snprintf(k, sizeof k, "key-%06d", i), vn = snprintf(v, sizeof v, "value %d", i * 7);
            assert_int_equal(lmkv_txn_insert(txn, fill[f].t, k, (size_t)kn, v, (size_t)vn), LMKV_OK);
            bytes += (uint64_t)(kn + vn);
        }
    assert_int_equal(lmkv_txn_commit(txn), LMKV_OK);
    struct prog_log log;
    memset(&log, 0, sizeof log);
    lmkv_migrate_export_options o;
    memset(&o, 0, sizeof o);
    o.progress = log_progress;
    o.progress_ctx = &log;
    uint64_t nt = 0, np = 0;
    uint32_t crc = 0, crc0 = 0;
    assert_int_equal(lmkv_migrate_export_ex(db, lmkv_test_tmp("prog.sleddump"), &o, &nt, &np, &crc), LMKV_OK);
    assert_int_equal(np, 9100);
    assert_int_equal(nt, 3);
    assert_int_equal(log.n, 3); /* 4096, 8192, the end */
    uint64_t want_pairs[3] = {4096, 8192, 9100}, want_trees[3] = {2, 3, 3};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(log.p[i].pairs, want_pairs[i]);
        assert_int_equal(log.p[i].trees, want_trees[i]);
        assert_int_equal(log.p[i].pairs_total, 9100);
        assert_true(log.p[i].seconds >= 0 && (i == 0 || log.p[i].seconds >= log.p[i - 1].seconds));
        assert_true(i == 0 || log.p[i].bytes > log.p[i - 1].bytes);
    }
    assert_int_equal(log.p[2].bytes, bytes);
    /* the same bytes as without a callback; flags come from the options */
    assert_int_equal(lmkv_migrate_export(db, lmkv_test_tmp("prog0.sleddump"), 0, NULL, NULL, &crc0), LMKV_OK);
    assert_int_equal(crc, crc0);
    size_t n1, n0;
    unsigned char *x = lmkv_test_slurp(lmkv_test_tmp("prog.sleddump"), &n1), *y = lmkv_test_slurp(lmkv_test_tmp("prog0.sleddump"), &n0);
    assert_int_equal(n1, n0);
    assert_memory_equal(x, y, n1);
    free(x);
    free(y);
    o.flags = LMKV_DUMP_GZIP;
    log.n = 0;
    assert_int_equal(lmkv_migrate_export_ex(db, lmkv_test_tmp("prog.sleddump.gz"), &o, NULL, NULL, NULL), LMKV_OK);
    assert_int_equal(log.n, 3);
    x = lmkv_test_slurp(lmkv_test_tmp("prog.sleddump.gz"), &n1);
    assert_true(n1 > 2 && x[0] == 0x1f && x[1] == 0x8b);
    free(x);
    /* NULL options: the defaults (plain file, no callback) */
    assert_int_equal(lmkv_migrate_export_ex(db, lmkv_test_tmp("prog-null.sleddump"), NULL, NULL, NULL, &crc), LMKV_OK);
    assert_int_equal(crc, crc0);
    /* an empty database: one report, at the end, all zero */
    lmkv_tree_close(a);
    lmkv_tree_close(b);
    lmkv_db_close(db);
    assert_int_equal(lmkv_db_open_path(&db, lmkv_test_tmp("prog-empty")), LMKV_OK);
    log.n = 0;
    o.flags = 0;
    assert_int_equal(lmkv_migrate_export_ex(db, lmkv_test_tmp("empty.sleddump"), &o, &nt, &np, NULL), LMKV_OK);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.p[0].pairs, 0);
    assert_int_equal(log.p[0].pairs_total, 0);
    assert_int_equal(log.p[0].trees, nt);
    lmkv_db_close(db);
}

static void test_gzip_input_and_output(void **state)
{
    (void)state;
    /* gzip the legacy fixture, import it, export gzip, re-import, compare */
    size_t n;
    unsigned char *b = lmkv_test_slurp(lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), &n);
    gzFile g = gzopen(lmkv_test_tmp("legacy.sleddump.gz"), "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, b, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
    lmkv_migrate_report rep;
    assert_int_equal(do_import(&rep, lmkv_test_tmp("legacy.sleddump.gz"), lmkv_test_tmp("gz1"), LMKV_MIGRATE_VERIFY), LMKV_OK);
    assert_true(rep.gzip);
    assert_int_equal(rep.bytes, n);
    assert_int_equal(rep.dump_checksum, 1049480060u);
    assert_int_equal(db_checksum(lmkv_test_tmp("gz1")), 1049480060u);
    /* gzip input, plain output: the same stream as the fixture (first export
     * of the database: see export.c about the id counter) */
    lmkv_db *db = NULL;
    assert_int_equal(lmkv_db_open_path(&db, lmkv_test_tmp("gz1")), LMKV_OK);
    assert_int_equal(lmkv_migrate_export(db, lmkv_test_tmp("back.sleddump"), 0, NULL, NULL, NULL), LMKV_OK);
    lmkv_db_close(db);
    size_t m;
    unsigned char *plain = lmkv_test_slurp(lmkv_test_tmp("back.sleddump"), &m);
    assert_int_equal(m, n);
    assert_memory_equal(plain, b, n);
    free(plain);
    /* gzip output of a fresh import reads back as the same database */
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), lmkv_test_tmp("gz1b"), 0), LMKV_OK);
    assert_int_equal(lmkv_db_open_path(&db, lmkv_test_tmp("gz1b")), LMKV_OK);
    assert_int_equal(lmkv_migrate_export(db, lmkv_test_tmp("back.sleddump.gz"), LMKV_DUMP_GZIP, NULL, NULL, NULL), LMKV_OK);
    lmkv_db_close(db);
    size_t gn;
    unsigned char *gz = lmkv_test_slurp(lmkv_test_tmp("back.sleddump.gz"), &gn);
    assert_int_equal(gz[0], 0x1f);
    assert_int_equal(gz[1], 0x8b);
    free(gz);
    assert_int_equal(do_import(&rep, lmkv_test_tmp("back.sleddump.gz"), lmkv_test_tmp("gz2"), 0), LMKV_OK);
    assert_true(rep.gzip);
    assert_int_equal(db_checksum(lmkv_test_tmp("gz2")), 1049480060u);
    free(b);
}

/* ---------------------------------------------------------------- typed */

static int64_t ns_of(json_t *t)
{
    return (int64_t)json_integer_value(json_object_get(t, "secs")) * 1000000000 +
           (int64_t)json_integer_value(json_object_get(t, "nanos"));
}

static void test_typed_universal_cache(void **state)
{
    (void)state;
    lmkv_migrate_report rep;
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("probe-universal-cache", ".sleddump"), lmkv_test_tmp("uc"), 0), LMKV_OK);
    assert_int_equal(rep.typed_cache_entries, 150);
    assert_int_equal(rep.typed_cache_stats, 1);
    assert_int_equal(rep.raw_only, 0);
    json_t *lines = lmkv_test_load_jsonl(lmkv_test_sled_fixture("probe-universal-cache", ".decoded.jsonl"));
    uint64_t ws;
    assert_int_equal(lmkv_workspace_id(&ws, "/.probe-workspace/74a7322a_lmdb"), LMKV_OK);

    lmkv_db *db = NULL;
    assert_int_equal(lmkv_db_open_path(&db, lmkv_test_tmp("uc")), LMKV_OK);
    /* every CacheEntry record, read from its system tree, against its line */
    lmkv_tree *t = NULL;
    assert_int_equal(lmkv_db_open_tree_ex(&t, db, "cache.entry", 11, LMKV_TREE_SYSTEM | LMKV_TREE_NO_CREATE), LMKV_OK);
    lmkv_iter *it = NULL;
    assert_int_equal(lmkv_tree_iter(&it, t), LMKV_OK);
    lmkv_pair p;
    size_t seen = 0;
    while (lmkv_iter_next(&p, it) == LMKV_OK) {
        lmkv_cache_entry e;
        assert_int_equal(lmkv_cache_entry_read(&e, p.value, p.value_size), LMKV_OK);
        assert_non_null(e.legacy_key);
        json_t *line = NULL, *l;
        size_t i;
        json_array_foreach(lines, i, l) {
            if (!strcmp(json_string_value(json_object_get(l, "tree")), "universal_cache") &&
                !strcmp(json_string_value(json_object_get(l, "key")), e.legacy_key))
                line = l;
        }
        assert_non_null(line);
        json_t *kf = json_object_get(line, "key_fields"), *v = json_object_get(line, "value");
        json_t *md = json_object_get(v, "metadata");
        assert_int_equal(e.workspace_id, ws);
        assert_string_equal(e.method, json_string_value(json_object_get(kf, "method")));
        assert_string_equal(e.file_path, json_string_value(json_object_get(kf, "workspace_relative_path")));
        assert_string_equal(e.content_hash, json_string_value(json_object_get(kf, "content_hash")));
        assert_null(e.symbol);
        assert_int_equal(e.response.len, json_integer_value(json_object_get(v, "data_len")));
        json_error_t jerr;
        json_t *data = json_loadb((const char *)e.response.data, e.response.len, 0, &jerr);
        assert_non_null(data);
        assert_true(json_equal(data, json_object_get(v, "data")));
        assert_string_equal(e.response_type, json_string_value(json_object_get(json_object_get(v, "data"), "type")));
        json_decref(data);
        assert_int_equal(e.created_ns, ns_of(json_object_get(md, "created_at")));
        assert_int_equal(e.last_accessed_ns, ns_of(json_object_get(md, "last_accessed")));
        assert_int_equal(e.access_count, json_integer_value(json_object_get(md, "access_count")));
        /* the daemon's entry holds no position: none, not 0:0 */
        assert_int_equal(e.position_line, LMKV_POSITION_NONE);
        assert_int_equal(e.position_character, LMKV_POSITION_NONE);
        char *js = NULL;
        assert_int_equal(lmkv_record_to_json(&js, p.value, p.value_size, 0), LMKV_OK);
        assert_non_null(strstr(js, "\"position_line\":null,\"position_character\":null,"));
        free(js);
        seen++;
    }
    assert_int_equal(seen, 150);
    lmkv_iter_free(it);
    lmkv_tree_close(t);

    /* the daemon-style lookup through the cache API finds the response */
    lmkv_store *st = NULL;
    lmkv_cache *cache = NULL;
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    assert_int_equal(lmkv_cache_open(&cache, st, NULL), LMKV_OK);
    json_t *l0 = json_array_get(lines, 0);
    json_t *kf0 = json_object_get(l0, "key_fields");
    const char *hash = json_string_value(json_object_get(kf0, "content_hash"));
    char h16[17];
    memcpy(h16, hash, 16);
    h16[16] = 0;
    lmkv_cache_key ck;
    memset(&ck, 0, sizeof ck);
    ck.ws = ws;
    ck.method = json_string_value(json_object_get(kf0, "method"));
    ck.path = json_string_value(json_object_get(kf0, "workspace_relative_path"));
    ck.content_version = strtoull(h16, NULL, 16);
    void *resp = NULL;
    size_t rlen = 0;
    assert_int_equal(lmkv_cache_get(&resp, &rlen, cache, &ck), LMKV_OK);
    assert_int_equal(rlen, json_integer_value(json_object_get(json_object_get(l0, "value"), "data_len")));
    lmkv_free(resp);
    /* hits/misses as the daemon's undated totals */
    lmkv_store_txn *tx = NULL;
    assert_int_equal(lmkv_store_txn_begin(&tx, st), LMKV_OK);
    lmkv_cache_stats cs;
    assert_int_equal(lmkv_cache_stats_get(&cs, tx, ws, "", 0), LMKV_OK);
    assert_int_equal(cs.hits, 90);
    assert_int_equal(cs.misses, 156);
    lmkv_store_txn_end(tx);
    assert_int_equal(lmkv_cache_close(cache), LMKV_OK);
    lmkv_store_close(st);
    /* typed records are not part of the checksum */
    uint32_t c;
    assert_int_equal(lmkv_db_checksum(&c, db), LMKV_OK);
    assert_int_equal(c, 2445005229u);
    lmkv_db_close(db);
    json_decref(lines);
}

struct sym_find { const char *path; int found; uint64_t fv; };
static int on_sym(void *ctx, const lmkv_symbol *s)
{
    struct sym_find *f = ctx;
    if (!strcmp(s->file_path, f->path)) { f->found++; f->fv = s->file_version_id; }
    return 0;
}
struct call_find { const char *caller, *path; int found; };
static int on_call(void *ctx, const lmkv_call *c)
{
    struct call_find *f = ctx;
    if (!strcmp(c->caller_name, f->caller) && !strcmp(c->file_path, f->path)) f->found++;
    return 0;
}

static void test_typed_legacy_call_graph(void **state)
{
    (void)state;
    lmkv_migrate_report rep;
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), lmkv_test_tmp("lg"), 0), LMKV_OK);
    assert_int_equal(rep.raw_only, 0);
    json_t *lines = lmkv_test_load_jsonl(lmkv_test_sled_fixture("probe-legacy-call-graph", ".decoded.jsonl"));
    const char *root = "/home/dev/lmdb";
    uint64_t ws;
    assert_int_equal(lmkv_workspace_id(&ws, root), LMKV_OK);
    lmkv_db *db = open_ro(lmkv_test_tmp("lg"));
    lmkv_store *st = NULL;
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    lmkv_store_txn *tx = NULL;
    assert_int_equal(lmkv_store_txn_begin(&tx, st), LMKV_OK);
    size_t i, nodes = 0, fvs = 0;
    json_t *l;
    /* distinct (file, md5) versions and (caller file, caller, callee name) calls */
    char seen_fv[64][160];
    char seen_call[256][200];
    size_t ncalls = 0;
    json_array_foreach(lines, i, l) {
        if (strcmp(json_string_value(json_object_get(l, "tree")), "nodes")) continue;
        nodes++;
        json_t *k = json_object_get(l, "key");
        const char *file = json_string_value(json_object_get(k, "file"));
        const char *md5 = json_string_value(json_object_get(k, "content_md5"));
        const char *sym = json_string_value(json_object_get(k, "symbol"));
        const char *rel = file + strlen(root) + 1;
        char id[160];
        snprintf(id, sizeof id, "%s|%s", rel, md5);
        int dup = 0;
        for (size_t q = 0; q < fvs; q++) if (!strcmp(seen_fv[q], id)) dup = 1;
        if (!dup) strcpy(seen_fv[fvs++], id);
        /* the node's Symbol exists in the file version of (path, md5) */
        uint64_t fv;
        assert_int_equal(lmkv_file_version_id(&fv, ws, rel, md5), LMKV_OK);
        struct sym_find sf = {rel, 0, 0};
        assert_int_equal(lmkv_store_symbols_by_name(tx, ws, sym, strlen(sym), LMKV_STORE_ALL_VERSIONS, on_sym, &sf),
                         LMKV_OK);
        assert_true(sf.found >= 1);
        /* each incoming call is a Call to it, made in the caller's file */
        json_t *inc = json_object_get(json_object_get(json_object_get(l, "value"), "info"), "incoming_calls");
        size_t j;
        json_t *c;
        json_array_foreach(inc, j, c) {
            const char *cfile = json_string_value(json_object_get(c, "file_path")) + strlen(root) + 1;
            const char *cname = json_string_value(json_object_get(c, "name"));
            struct call_find cf = {cname, cfile, 0};
            assert_int_equal(lmkv_store_calls_to(tx, ws, sym, strlen(sym), LMKV_STORE_ALL_VERSIONS, on_call, &cf),
                             LMKV_OK);
            /* once: the same function asked for from two files (two nodes
             * with the same incoming calls) still has one call per caller */
            assert_int_equal(cf.found, 1);
            char cid[200];
            snprintf(cid, sizeof cid, "%s|%s|%s", cfile, cname, sym);
            int d = 0;
            for (size_t q = 0; q < ncalls; q++) if (!strcmp(seen_call[q], cid)) d = 1;
            if (!d) strcpy(seen_call[ncalls++], cid);
        }
    }
    assert_int_equal(nodes, 28);
    assert_int_equal(rep.typed_calls, ncalls);
    assert_true(rep.typed_file_versions >= fvs);
    /* git_index: one commit, its node files mapped */
    assert_true(rep.typed_commit_mappings >= 1);
    lmkv_store_txn_end(tx);
    lmkv_store_close(st);
    lmkv_db_close(db);
    json_decref(lines);
}

/* ------------------------------------------------------ damage, atomicity */

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static void wr64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void fix_crc(unsigned char *b, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, b, (uInt)(n - 4));
    for (int i = 0; i < 4; i++) b[n - 4 + i] = (unsigned char)(c >> (8 * i));
}

/* The legacy fixture with every CallInfo.symbol_kind "12" (bincode: u64
 * length 2, then "12") rewritten to the named form `name`; returns how many
 * were rewritten. */
static size_t rewrite_call_kinds(const char *out, const char *name)
{
    static const unsigned char pat[10] = {2, 0, 0, 0, 0, 0, 0, 0, '1', '2'};
    size_t nl = strlen(name), hits = 0;
    lmkv_dump_reader *r = NULL;
    lmkv_dump_writer *w = NULL;
    assert_int_equal(lmkv_dump_reader_open(&r, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump")), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_open(&w, out, 0), LMKV_OK);
    lmkv_dump_event ev;
    while (lmkv_dump_reader_next(r, &ev) == LMKV_OK) {
        if (ev.kind == LMKV_DUMP_COLLECTION) assert_int_equal(lmkv_dump_writer_tree(w, ev.name, ev.name_len), LMKV_OK);
        if (ev.kind == LMKV_DUMP_END) assert_int_equal(lmkv_dump_writer_end(w), LMKV_OK);
        if (ev.kind != LMKV_DUMP_PAIR) continue;
        const unsigned char *v = ev.value;
        unsigned char *nv = malloc(ev.value_len * 4 + 16);
        size_t o = 0;
        assert_non_null(nv);
        for (size_t i = 0; i < ev.value_len;) {
            if (ev.name_len == 5 && !memcmp(ev.name, "nodes", 5) && i + 10 <= ev.value_len && !memcmp(v + i, pat, 10)) {
                wr64(nv + o, nl);
                memcpy(nv + o + 8, name, nl);
                o += 8 + nl;
                i += 10;
                hits++;
            } else {
                nv[o++] = v[i++];
            }
        }
        assert_int_equal(lmkv_dump_writer_pair(w, ev.key, ev.key_len, nv, o), LMKV_OK);
        free(nv);
    }
    assert_int_equal(lmkv_dump_writer_finish(w, NULL), LMKV_OK);
    lmkv_dump_writer_free(w);
    lmkv_dump_reader_free(r);
    return hits;
}

struct kind_find { const char *path; int found, wrong, want; };
static int on_sym_kind(void *ctx, const lmkv_symbol *s)
{
    struct kind_find *f = ctx;
    if (strcmp(s->file_path, f->path)) return 0;
    f->found++;
    if ((int)s->kind != f->want) f->wrong++;
    return 0;
}

/* Every Symbol a CallInfo names has that CallInfo's kind, whether the
 * daemon stored the number or the name (kind_of once dropped names longer
 * than 3 characters to Unknown). */
static void check_node_kinds(const char *dump, const char *target, int want)
{
    lmkv_migrate_report rep;
    assert_int_equal(do_import(&rep, dump, target, 0), LMKV_OK);
    assert_int_equal(rep.raw_only, 0);
    json_t *lines = lmkv_test_load_jsonl(lmkv_test_sled_fixture("probe-legacy-call-graph", ".decoded.jsonl"));
    const char *root = "/home/dev/lmdb";
    uint64_t ws;
    assert_int_equal(lmkv_workspace_id(&ws, root), LMKV_OK);
    lmkv_db *db = open_ro(target);
    lmkv_store *st = NULL;
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    lmkv_store_txn *tx = NULL;
    assert_int_equal(lmkv_store_txn_begin(&tx, st), LMKV_OK);
    size_t i, checked = 0;
    json_t *l;
    json_array_foreach(lines, i, l) {
        if (strcmp(json_string_value(json_object_get(l, "tree")), "nodes")) continue;
        json_t *k = json_object_get(l, "key");
        const char *sym = json_string_value(json_object_get(k, "symbol"));
        const char *rel = json_string_value(json_object_get(k, "file")) + strlen(root) + 1;
        /* callers and callees named by this node's CallInfos, in their files */
        json_t *info = json_object_get(json_object_get(l, "value"), "info");
        for (int dir = 0; dir < 2; dir++) {
            json_t *cs = json_object_get(info, dir ? "outgoing_calls" : "incoming_calls");
            size_t j;
            json_t *c;
            json_array_foreach(cs, j, c) {
                assert_string_equal(json_string_value(json_object_get(c, "symbol_kind")), "12");
                const char *cn = json_string_value(json_object_get(c, "name"));
                const char *cf = json_string_value(json_object_get(c, "file_path")) + strlen(root) + 1;
                struct kind_find kf = {cf, 0, 0, want};
                assert_int_equal(lmkv_store_symbols_by_name(tx, ws, cn, strlen(cn), LMKV_STORE_ALL_VERSIONS,
                                                            on_sym_kind, &kf), LMKV_OK);
                assert_true(kf.found >= 1);
                assert_int_equal(kf.wrong, 0);
                checked++;
            }
        }
        /* the node itself: its kind comes from a CallInfo naming it in its
         * own file; a node no CallInfo names there (mdb_del in mdb.c) stays
         * Unknown, so only its presence is checked here */
        struct kind_find kf = {rel, 0, 0, want};
        assert_int_equal(lmkv_store_symbols_by_name(tx, ws, sym, strlen(sym), LMKV_STORE_ALL_VERSIONS, on_sym_kind, &kf),
                         LMKV_OK);
        assert_true(kf.found >= 1);
    }
    assert_int_equal(checked, 66);
    lmkv_store_txn_end(tx);
    lmkv_store_close(st);
    lmkv_db_close(db);
    json_decref(lines);
}

static void test_typed_legacy_named_kinds(void **state)
{
    (void)state;
    /* as stored: "12" */
    check_node_kinds(lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), lmkv_test_tmp("kn12"),
                     LMKV_SK_FUNCTION);
    /* the same dump with the kinds named, as other daemon versions wrote them */
    static const struct { const char *name; int kind; } named[] = {
        {"Function", LMKV_SK_FUNCTION}, {"String", LMKV_SK_STRING}, {"EnumMember", LMKV_SK_ENUM_MEMBER},
        {"type_parameter", LMKV_SK_TYPE_PARAMETER}, {"Struct", LMKV_SK_STRUCT}, {"unknown", LMKV_SK_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        char dump[64], target[64];
        snprintf(dump, sizeof dump, "named-%zu.sleddump", i);
        snprintf(target, sizeof target, "kn-%zu", i);
        /* 66 CallInfos in the fixture's decoded nodes */
        assert_int_equal(rewrite_call_kinds(lmkv_test_tmp(dump), named[i].name), 66);
        check_node_kinds(lmkv_test_tmp(dump), lmkv_test_tmp(target), named[i].kind);
    }
}

static void expect_refused(const unsigned char *b, size_t n, const char *target, uint32_t before, uint64_t offset,
                           const char *words)
{
    lmkv_test_spit(lmkv_test_tmp("bad.sleddump"), b, n);
    lmkv_migrate_report rep;
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    int rc = lmkv_migrate_import(&rep, lmkv_test_tmp("bad.sleddump"), target, &o);
    char want[64];
    snprintf(want, sizeof want, "byte offset %llu", (unsigned long long)offset);
    if (rc != LMKV_ECORRUPT || !strstr(lmkv_errmsg(), want) || !strstr(lmkv_errmsg(), words))
        fprintf(stderr, "got %d: %s (want %s, %s)\n", rc, lmkv_errmsg(), want, words);
    assert_int_equal(rc, LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), want));
    assert_non_null(strstr(lmkv_errmsg(), words));
    assert_null(strchr(lmkv_errmsg(), '\n'));
    if (before) assert_int_equal(db_checksum(target), before);
    else assert_false(exists(target));
    assert_no_tmp_dirs();
}

static void test_damaged_dumps_leave_target_untouched(void **state)
{
    (void)state;
    lmkv_migrate_report rep;
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("probe-universal-cache", ".sleddump"), lmkv_test_tmp("keep"), 0), LMKV_OK);
    uint32_t before = db_checksum(lmkv_test_tmp("keep"));
    assert_int_equal(before, 2445005229u);

    size_t n;
    unsigned char *orig = lmkv_test_slurp(lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), &n);
    unsigned char *b = malloc(n + 64);
    /* layout: first collection at 16 */
    size_t c0 = 16, t0 = c0 + 1, name0 = t0 + 8 + rd64(orig + t0);
    size_t p0 = name0 + 8 + rd64(orig + name0); /* default tree is empty: this is its 'E' */
    assert_int_equal(orig[p0], 'E');
    size_t c1 = p0 + 9; /* file_index */
    size_t n1 = c1 + 1 + 8 + 4;
    size_t p1 = n1 + 8 + rd64(orig + n1);
    assert_int_equal(orig[p1], 'P');
    size_t k1 = p1 + 1, v1 = k1 + 8 + rd64(orig + k1);
    char *targets[2] = {strdup(lmkv_test_tmp("keep")), strdup(lmkv_test_tmp("never-created"))};
    uint32_t befores[2] = {before, 0};
    for (int t = 0; t < 2; t++) {
        memcpy(b, orig, n); b[0] = 'X';
        expect_refused(b, n, targets[t], befores[t], 0, "wrong magic");
        memcpy(b, orig, n); b[8] = 7;
        expect_refused(b, n, targets[t], befores[t], 8, "version 7");
        memcpy(b, orig, n); b[12] = 1;
        expect_refused(b, n, targets[t], befores[t], 12, "non-zero flags");
        expect_refused(orig, n - 21, targets[t], befores[t], n - 21, "truncated");
        expect_refused(orig, v1 + 8 + 3, targets[t], befores[t], v1, "runs past the end");
        memcpy(b, orig, n); b[v1 + 8 + 2] ^= 0x20;
        expect_refused(b, n, targets[t], befores[t], n - 4, "CRC-32 mismatch");
        memcpy(b, orig, n); b[p1] = 'p'; fix_crc(b, n);
        expect_refused(b, n, targets[t], befores[t], p1, "unknown tag");
        memcpy(b, orig, n); wr64(b + v1, (uint64_t)1 << 50); fix_crc(b, n);
        expect_refused(b, n, targets[t], befores[t], v1, "runs past the end");
        memcpy(b, orig, n); wr64(b + p0 + 1, 1); fix_crc(b, n);
        expect_refused(b, n, targets[t], befores[t], p0 + 1, "pair count mismatch");
        memcpy(b, orig, n); wr64(b + n - 20, 6); fix_crc(b, n);
        expect_refused(b, n, targets[t], befores[t], n - 20, "footer collection_count 6");
        memcpy(b, orig, n); wr64(b + n - 12, 99); fix_crc(b, n);
        expect_refused(b, n, targets[t], befores[t], n - 12, "footer total_pair_count 99");
        memcpy(b, orig, n); b[n] = 'Z';
        expect_refused(b, n + 1, targets[t], befores[t], n, "trailing bytes");
        /* keys out of order: the second key of file_index made equal to the first */
        {
            size_t p2 = v1 + 8 + rd64(orig + v1);
            assert_int_equal(orig[p2], 'P');
            size_t k2 = p2 + 1;
            assert_int_equal(rd64(orig + k2), 25); /* /home/dev/lmdb/mdb_copy.c */
            memcpy(b, orig, n);
            memcpy(b + k2 + 8 + 15, "mdb.a", 5); /* "/home/dev/lmdb/mdb.a...": below mdb.c */
            fix_crc(b, n);
            expect_refused(b, n, targets[t], befores[t], k2, "keys out of order in tree 'file_index'");
        }
        /* duplicate tree: file_index's name made the default tree's */
        {
            size_t l0 = rd64(orig + name0);
            assert_int_equal(l0, 15);
            /* rename the second collection to "__sled__default" needs equal length: rename the
             * first collection instead to "file_index" + pad is not possible; use a same-length
             * collision: copy the default tree collection (empty) after itself. */
            size_t cl = c1 - c0;
            memcpy(b, orig, c1);
            memcpy(b + c1, orig + c0, cl);
            memcpy(b + c1 + cl, orig + c1, n - c1);
            size_t nn = n + cl;
            wr64(b + nn - 20, rd64(b + nn - 20) + 1);
            fix_crc(b, nn);
            expect_refused(b, nn, targets[t], befores[t], c1 + (name0 - c0), "duplicate tree '__sled__default'");
        }
    }
    free(targets[0]);
    free(targets[1]);
    free(orig);
    free(b);
}

static void test_dry_run_writes_nothing(void **state)
{
    (void)state;
    lmkv_migrate_report rep;
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("probe-universal-cache", ".sleddump"), lmkv_test_tmp("dry"), LMKV_MIGRATE_DRY_RUN),
                     LMKV_OK);
    assert_true(rep.dry_run);
    assert_int_equal(rep.pairs, 152);
    assert_int_equal(rep.dump_checksum, 2445005229u);
    assert_int_equal(rep.typed_cache_entries, 150);
    assert_false(exists(lmkv_test_tmp("dry")));
    assert_no_tmp_dirs();
    /* on an existing target: unchanged */
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("edge-cases-small", ".sleddump"), lmkv_test_tmp("dry2"), 0), LMKV_OK);
    uint32_t before = db_checksum(lmkv_test_tmp("dry2"));
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("probe-universal-cache", ".sleddump"), lmkv_test_tmp("dry2"), LMKV_MIGRATE_DRY_RUN),
                     LMKV_OK);
    assert_int_equal(db_checksum(lmkv_test_tmp("dry2")), before);
    /* a damaged dump fails the dry run too */
    size_t n;
    unsigned char *b = lmkv_test_slurp(lmkv_test_sled_fixture("probe-universal-cache", ".sleddump"), &n);
    b[n - 1] ^= 1;
    lmkv_test_spit(lmkv_test_tmp("bad-dry.sleddump"), b, n);
    free(b);
    assert_int_equal(do_import(&rep, lmkv_test_tmp("bad-dry.sleddump"), lmkv_test_tmp("dry3"), LMKV_MIGRATE_DRY_RUN), LMKV_ECORRUPT);
}

struct notes { int n_conflict, n_raw; char last_key[128]; };
static void on_notice(void *ctx, int kind, const unsigned char *tree, size_t tl, const unsigned char *key, size_t kl,
                      const char *why)
{
    struct notes *nt = ctx;
    (void)tree; (void)tl; (void)why;
    if (kind == LMKV_MIGRATE_CONFLICT) nt->n_conflict++;
    if (kind == LMKV_MIGRATE_RAW_ONLY) nt->n_raw++;
    snprintf(nt->last_key, sizeof nt->last_key, "%.*s", (int)(kl > 100 ? 100 : kl), (const char *)key);
}

static void write_dump(const char *path, const char *tree, const char *const *kv, size_t npairs)
{
    lmkv_dump_writer *w = NULL;
    assert_int_equal(lmkv_dump_writer_open(&w, path, 0), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_tree(w, tree, strlen(tree)), LMKV_OK);
    for (size_t i = 0; i < npairs; i++)
        assert_int_equal(lmkv_dump_writer_pair(w, kv[2 * i], strlen(kv[2 * i]), kv[2 * i + 1], strlen(kv[2 * i + 1])),
                         LMKV_OK);
    assert_int_equal(lmkv_dump_writer_end(w), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_finish(w, NULL), LMKV_OK);
    lmkv_dump_writer_free(w);
}

static void test_existing_target_merge_and_idempotency(void **state)
{
    (void)state;
    lmkv_migrate_report rep;
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("edge-cases-small", ".sleddump"), lmkv_test_tmp("m"), 0), LMKV_OK);
    uint32_t base = db_checksum(lmkv_test_tmp("m"));
    /* the same import again: nothing to do */
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("edge-cases-small", ".sleddump"), lmkv_test_tmp("m"), 0), LMKV_OK);
    assert_true(rep.already_imported);
    assert_int_equal(db_checksum(lmkv_test_tmp("m")), base);
    /* another dump into the non-empty target without --merge: refused */
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), lmkv_test_tmp("m"), 0), LMKV_EEXISTS);
    assert_non_null(strstr(lmkv_errmsg(), "--merge"));
    assert_int_equal(db_checksum(lmkv_test_tmp("m")), base);
    assert_no_tmp_dirs();
    /* merge with a conflicting key: refused, nothing changed, the key reported */
    static const char *const conflict[] = {"alpha", "NOT-THE-SAME", "zeta", "new"};
    write_dump(lmkv_test_tmp("conflict.sleddump"), "__sled__default", conflict, 2);
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    o.flags = LMKV_MIGRATE_MERGE;
    struct notes nt = {0, 0, ""};
    o.notice = on_notice;
    o.notice_ctx = &nt;
    assert_int_equal(lmkv_migrate_import(&rep, lmkv_test_tmp("conflict.sleddump"), lmkv_test_tmp("m"), &o), LMKV_EEXISTS);
    assert_int_equal(nt.n_conflict, 1);
    assert_string_equal(nt.last_key, "alpha");
    assert_int_equal(rep.conflicts, 1);
    assert_int_equal(db_checksum(lmkv_test_tmp("m")), base);
    assert_no_tmp_dirs();
    /* merge of absent + equal keys: added, nothing overwritten */
    lmkv_db *db = open_ro(lmkv_test_tmp("m"));
    lmkv_bytes alpha;
    assert_int_equal(lmkv_tree_get(&alpha, lmkv_db_default_tree(db), "alpha", 5), LMKV_OK);
    lmkv_db_close(db);
    char *av = malloc(alpha.size + 1);
    memcpy(av, alpha.data, alpha.size);
    av[alpha.size] = 0;
    lmkv_free(alpha.data);
    const char *const ok[] = {"alpha", av, "zeta", "new"};
    write_dump(lmkv_test_tmp("ok.sleddump"), "__sled__default", ok, 2);
    o.flags = LMKV_MIGRATE_MERGE | LMKV_MIGRATE_VERIFY;
    assert_int_equal(lmkv_migrate_import(&rep, lmkv_test_tmp("ok.sleddump"), lmkv_test_tmp("m"), &o), LMKV_OK);
    assert_int_equal(rep.merged_added, 1);
    assert_int_equal(rep.merged_equal, 1);
    db = open_ro(lmkv_test_tmp("m"));
    lmkv_bytes z;
    assert_int_equal(lmkv_tree_get(&z, lmkv_db_default_tree(db), "zeta", 4), LMKV_OK);
    assert_int_equal(z.size, 3);
    assert_memory_equal(z.data, "new", 3);
    lmkv_free(z.data);
    /* every original pair is still there: the other trees' checksums */
    lmkv_tree *bv = NULL;
    uint32_t c;
    assert_int_equal(lmkv_db_open_tree_ex(&bv, db, "big-value", 9, LMKV_TREE_NO_CREATE), LMKV_OK);
    assert_int_equal(lmkv_tree_checksum(&c, bv), LMKV_OK);
    assert_int_equal(c, 4277884146u);
    lmkv_tree_close(bv);
    lmkv_db_close(db);
    free(av);
    /* an existing directory that is not a database is refused */
    mkdir(lmkv_test_tmp("notadb"), 0700);
    lmkv_test_spit(lmkv_test_tmp("notadb/file"), "x", 1);
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("edge-cases-small", ".sleddump"), lmkv_test_tmp("notadb"), 0), LMKV_EEXISTS);
    /* an empty directory is a fine target */
    mkdir(lmkv_test_tmp("emptydir"), 0700);
    assert_int_equal(do_import(&rep, lmkv_test_sled_fixture("edge-cases-small", ".sleddump"), lmkv_test_tmp("emptydir"), 0), LMKV_OK);
    assert_int_equal(db_checksum(lmkv_test_tmp("emptydir")), 2877210973u);
}

static void test_raw_only_entries_are_kept_and_reported(void **state)
{
    (void)state;
    /* universal_cache with its 3rd value cut short: kept raw, reported, not typed */
    lmkv_dump_reader *r = NULL;
    lmkv_dump_writer *w = NULL;
    assert_int_equal(lmkv_dump_reader_open(&r, lmkv_test_sled_fixture("probe-universal-cache", ".sleddump")), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_open(&w, lmkv_test_tmp("rawonly.sleddump"), 0), LMKV_OK);
    lmkv_dump_event ev;
    int k = 0;
    char badkey[200] = "";
    while (lmkv_dump_reader_next(r, &ev) == LMKV_OK) {
        if (ev.kind == LMKV_DUMP_COLLECTION) assert_int_equal(lmkv_dump_writer_tree(w, ev.name, ev.name_len), LMKV_OK);
        if (ev.kind == LMKV_DUMP_END) assert_int_equal(lmkv_dump_writer_end(w), LMKV_OK);
        if (ev.kind == LMKV_DUMP_PAIR) {
            size_t vl = ev.value_len;
            if (ev.name_len == 15 && !memcmp(ev.name, "universal_cache", 15) && ++k == 3) {
                vl -= 5;
                snprintf(badkey, sizeof badkey, "%.*s", (int)(ev.key_len > 100 ? 100 : ev.key_len), (const char *)ev.key);
            }
            assert_int_equal(lmkv_dump_writer_pair(w, ev.key, ev.key_len, ev.value, vl), LMKV_OK);
        }
    }
    assert_int_equal(lmkv_dump_writer_finish(w, NULL), LMKV_OK);
    lmkv_dump_writer_free(w);
    lmkv_dump_reader_free(r);
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    struct notes nt = {0, 0, ""};
    o.notice = on_notice;
    o.notice_ctx = &nt;
    lmkv_migrate_report rep;
    assert_int_equal(lmkv_migrate_import(&rep, lmkv_test_tmp("rawonly.sleddump"), lmkv_test_tmp("ro"), &o), LMKV_OK);
    assert_int_equal(rep.raw_only, 1);
    assert_int_equal(nt.n_raw, 1);
    assert_string_equal(nt.last_key, badkey);
    assert_int_equal(rep.typed_cache_entries, 149);
    assert_int_equal(rep.pairs, 152);
    /* the raw tree has all 150 entries */
    lmkv_db *db = open_ro(lmkv_test_tmp("ro"));
    lmkv_tree *t = NULL;
    uint64_t len;
    assert_int_equal(lmkv_db_open_tree_ex(&t, db, "universal_cache", 15, LMKV_TREE_NO_CREATE), LMKV_OK);
    assert_int_equal(lmkv_tree_len(&len, t), LMKV_OK);
    assert_int_equal(len, 150);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    /* with --no-typed nothing is decoded, nothing reported */
    nt.n_raw = 0;
    o.flags = LMKV_MIGRATE_NO_TYPED;
    assert_int_equal(lmkv_migrate_import(&rep, lmkv_test_tmp("rawonly.sleddump"), lmkv_test_tmp("ro2"), &o), LMKV_OK);
    assert_int_equal(nt.n_raw, 0);
    assert_int_equal(rep.typed_records, 0);
}

static void test_cancel_leaves_nothing(void **state)
{
    (void)state;
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    volatile int cancel = 1;
    o.cancel = &cancel;
    lmkv_migrate_report rep;
    assert_int_equal(lmkv_migrate_import(&rep, lmkv_test_sled_fixture("edge-cases-small", ".sleddump"), lmkv_test_tmp("cancelled"), &o),
                     LMKV_ECONFLICT);
    assert_non_null(strstr(lmkv_errmsg(), "cancelled"));
    assert_false(exists(lmkv_test_tmp("cancelled")));
    assert_no_tmp_dirs();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_raw_equal_sled),
        cmocka_unit_test(test_export_roundtrip_byte_identical),
        cmocka_unit_test(test_export_progress),
        cmocka_unit_test(test_gzip_input_and_output),
        cmocka_unit_test(test_typed_universal_cache),
        cmocka_unit_test(test_typed_legacy_call_graph),
        cmocka_unit_test(test_typed_legacy_named_kinds),
        cmocka_unit_test(test_damaged_dumps_leave_target_untouched),
        cmocka_unit_test(test_dry_run_writes_nothing),
        cmocka_unit_test(test_existing_target_merge_and_idempotency),
        cmocka_unit_test(test_raw_only_entries_are_kept_and_reported),
        cmocka_unit_test(test_cancel_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
