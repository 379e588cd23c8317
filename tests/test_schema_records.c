/*
 * test_schema_records.c -- lmkv's FlatBuffers records: round trips of every
 * table, absent fields and defaults, schema evolution, every corruption
 * class (an error, never a crash), builder reuse, stable ids, JSON, names.
 * (Conformance with flatc/python3-flatbuffers: test_schema_conformance.c and
 * t_schema_conformance.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <xxhash.h>

#include "fb_int.h"

/* ------------------------------------------------------------ helpers */

typedef union anyrec {
    lmkv_workspace a; lmkv_file_version b; lmkv_symbol c; lmkv_reference d;
    lmkv_call e; lmkv_hierarchy f; lmkv_cache_entry g; lmkv_cache_stats h; lmkv_indexer_queue_item i;
    lmkv_analysis_run j; lmkv_daemon_workspace_record k; lmkv_daemon_file_link l;
} anyrec;

static const char *const MODS[] = { "static", "inline", "ünï", "" };
static const uint8_t RESP[] = { '{', '"', 'a', '"', ':', '1', '}' };

/* Fill every field of a record with a value derived from (field index, seed)
 * so that distinct fields differ; strings are allocated into `pool`. */
static void fill(const fb_table *t, void *rec, int seed, char pool[][64])
{
    uint8_t *r = rec;
    lmkv_schema__fb_init(t, rec);
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        void *c = r + f->coff;
        uint64_t v = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1) + (uint64_t)seed;
        switch (f->type) {
        case FB_BOOL: { int x = 1; memcpy(c, &x, sizeof x); break; }
        case FB_ENUM8: { int x = 1 + (int)(v % 3); memcpy(c, &x, sizeof x); break; }
        case FB_I32: { int32_t x = (int32_t)(v % 100000) - 5; memcpy(c, &x, sizeof x); break; }
        case FB_U32: { uint32_t x = (uint32_t)v; memcpy(c, &x, sizeof x); break; }
        case FB_I64: { int64_t x = -(int64_t)(v >> 2); memcpy(c, &x, sizeof x); break; }
        case FB_U64: memcpy(c, &v, sizeof v); break;
        case FB_F32: { float x = 0.25f; memcpy(c, &x, sizeof x); break; }
        case FB_STR: {
            snprintf(pool[i], 64, "%s-%d-é", f->name, seed);
            const char *s = pool[i];
            memcpy(c, &s, sizeof s);
            break;
        }
        case FB_BYTES: { lmkv_ubytes x = { RESP, sizeof RESP }; memcpy(c, &x, sizeof x); break; }
        case FB_STRVEC: { lmkv_strvec x = { MODS, 4, NULL }; memcpy(c, &x, sizeof x); break; }
        default: break;
        }
    }
}

/* Field-by-field equality through the descriptor (strings by content). */
static void assert_rec_equal(const fb_table *t, const void *a, const void *b, uint16_t nfields)
{
    const uint8_t *ra = a, *rb = b;
    for (uint16_t i = 0; i < nfields; i++) {
        const fb_field *f = &t->fields[i];
        const void *ca = ra + f->coff, *cb = rb + f->coff;
        switch (f->type) {
        case FB_STR: {
            const char *x, *y;
            memcpy(&x, ca, sizeof x);
            memcpy(&y, cb, sizeof y);
            if (!x || !y) {
                if (x != y) fail_msg("%s.%s: %s vs %s", t->name, f->name, x ? x : "(absent)", y ? y : "(absent)");
            } else if (strcmp(x, y)) {
                fail_msg("%s.%s: \"%s\" vs \"%s\"", t->name, f->name, x, y);
            }
            break;
        }
        case FB_BYTES: {
            lmkv_ubytes x, y;
            memcpy(&x, ca, sizeof x);
            memcpy(&y, cb, sizeof y);
            assert_int_equal(!x.data, !y.data);
            assert_int_equal(x.len, y.len);
            if (x.len) assert_memory_equal(x.data, y.data, x.len);
            break;
        }
        case FB_STRVEC: {
            lmkv_strvec x, y;
            memcpy(&x, ca, sizeof x);
            memcpy(&y, cb, sizeof y);
            assert_int_equal(lmkv_strvec_present(&x), lmkv_strvec_present(&y));
            assert_int_equal(x.count, y.count);
            for (uint32_t k = 0; k < x.count; k++)
                assert_string_equal(lmkv_strvec_get(&x, k), lmkv_strvec_get(&y, k));
            break;
        }
        default: {
            size_t n = (f->type == FB_I64 || f->type == FB_U64) ? 8 : 4;
            if (memcmp(ca, cb, n)) fail_msg("%s.%s differs", t->name, f->name);
        }
        }
    }
}

static lmkv_fbb *B;

static int setup(void **state)
{
    (void)state;
    return lmkv_fbb_new(&B);
}

static int teardown(void **state)
{
    (void)state;
    lmkv_fbb_free(B);
    B = NULL;
    return 0;
}

/* A copy of a built record (the builder's buffer is reused). */
static uint8_t *build_copy(lmkv_record_type type, const void *rec, size_t *len)
{
    const uint8_t *out;
    assert_int_equal(lmkv_record_build(B, type, rec, &out, len), LMKV_OK);
    uint8_t *c = malloc(*len);
    memcpy(c, out, *len);
    return c;
}

/* ------------------------------------------------------------ round trips */

static void test_roundtrip_every_table(void **state)
{
    (void)state;
    for (int k = 1; k < LMKV_REC_COUNT; k++) {
        const fb_table *t = lmkv_schema__fb_table((lmkv_record_type)k);
        assert_non_null(t);
        char pool[64][64];
        anyrec in, out;
        for (int seed = 0; seed < 3; seed++) {
            fill(t, &in, seed, pool);
            size_t len;
            uint8_t *buf = build_copy(t->type, &in, &len);
            assert_int_equal(lmkv_record_verify(t->type, buf, len), LMKV_OK);
            assert_int_equal(lmkv_record_verify(LMKV_REC_NONE, buf, len), LMKV_OK);
            lmkv_record_type ty;
            assert_int_equal(lmkv_record_type_of(&ty, buf, len), LMKV_OK);
            assert_int_equal(ty, t->type);
            assert_memory_equal(buf + 4, lmkv_record_type_ident(t->type), 4);
            memset(&out, 0xa5, sizeof out);
            assert_int_equal(lmkv_record_read(t->type, &out, buf, len), LMKV_OK);
            assert_rec_equal(t, &in, &out, t->nfields);
            /* Zero-copy: strings point inside the buffer. */
            for (uint16_t i = 0; i < t->nfields; i++)
                if (t->fields[i].type == FB_STR) {
                    const char *s;
                    memcpy(&s, (uint8_t *)&out + t->fields[i].coff, sizeof s);
                    assert_true((const uint8_t *)s > buf && (const uint8_t *)s < buf + len);
                }
            /* Reading as another type fails on the identifier. */
            lmkv_record_type other = (lmkv_record_type)(k % (LMKV_REC_COUNT - 1) + 1);
            assert_int_equal(lmkv_record_read(other, &out, buf, len), LMKV_ECORRUPT);
            assert_non_null(strstr(lmkv_errmsg(), "file_identifier"));
            free(buf);
        }
    }
}

static void test_typed_symbol(void **state)
{
    (void)state;
    lmkv_symbol s, r;
    assert_int_equal(lmkv_record_init(LMKV_REC_SYMBOL, &s), LMKV_OK);
    s.id = UINT64_MAX;
    s.workspace_id = 1;
    s.name = "mdb_put";
    s.qualified_name = "mdb.c::mdb_put";
    s.kind = LMKV_SK_FUNCTION;
    s.start_line = 9781;
    s.end_line = 9802;
    s.modifiers = (lmkv_strvec){ MODS, 2, NULL };
    s.confidence = 0.5f;
    s.indexed_ns = INT64_MIN;
    const uint8_t *out;
    size_t len;
    assert_int_equal(lmkv_symbol_build(B, &s, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_symbol_read(&r, out, len), LMKV_OK);
    assert_true(r.id == UINT64_MAX);
    assert_string_equal(r.name, "mdb_put");
    assert_string_equal(r.qualified_name, "mdb.c::mdb_put");
    assert_int_equal(r.kind, LMKV_SK_FUNCTION);
    assert_int_equal(r.start_line, 9781);
    assert_int_equal(r.end_line, 9802);
    assert_int_equal(r.modifiers.count, 2);
    assert_string_equal(lmkv_strvec_get(&r.modifiers, 1), "inline");
    assert_null(lmkv_strvec_get(&r.modifiers, 2));
    assert_true(r.confidence == 0.5f);
    assert_true(r.indexed_ns == INT64_MIN);
    assert_null(r.signature);
    assert_null(r.file_path);
    /* Unaligned buffer: the same record one byte off reads the same. */
    uint8_t *odd = malloc(len + 1);
    memcpy(odd + 1, out, len);
    lmkv_symbol r2;
    assert_int_equal(lmkv_symbol_read(&r2, odd + 1, len), LMKV_OK);
    assert_true(r2.id == UINT64_MAX && r2.indexed_ns == INT64_MIN);
    assert_string_equal(r2.name, "mdb_put");
    free(odd);
}

/* ------------------------------------------------------------ defaults */

static void test_absent_fields_and_defaults(void **state)
{
    (void)state;
    for (int k = 1; k < LMKV_REC_COUNT; k++) {
        const fb_table *t = lmkv_schema__fb_table((lmkv_record_type)k);
        anyrec in, out;
        assert_int_equal(lmkv_record_init(t->type, &in), LMKV_OK);
        const uint8_t *buf;
        size_t len;
        assert_int_equal(lmkv_record_build(B, t->type, &in, &buf, &len), LMKV_OK);
        /* root + identifier + 4-byte vtable + 4-byte table: nothing stored. */
        assert_int_equal(len, 16);
        memset(&out, 0x5a, sizeof out);
        assert_int_equal(lmkv_record_read(t->type, &out, buf, len), LMKV_OK);
        assert_rec_equal(t, &in, &out, t->nfields);
    }
    lmkv_symbol s;
    lmkv_call c;
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_SYMBOL, &s);
    lmkv_record_init(LMKV_REC_CALL, &c);
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    assert_true(s.confidence == 1.0f);
    assert_int_equal(c.argument_count, -1);
    assert_int_equal(e.access_count, 1);
    assert_null(s.name);
    assert_false(lmkv_strvec_present(&s.modifiers));
    assert_null(e.response.data);

    /* Explicit defaults are omitted: same bytes as an untouched record. */
    const uint8_t *out;
    size_t len;
    c.argument_count = -1;
    c.call_type = LMKV_CALL_DIRECT;
    assert_int_equal(lmkv_call_build(B, &c, &out, &len), LMKV_OK);
    assert_int_equal(len, 16);

    /* Empty is not absent: "", [] and a 0-byte [ubyte] are stored. */
    s.name = "";
    s.modifiers = (lmkv_strvec){ MODS, 0, NULL };
    assert_int_equal(lmkv_symbol_build(B, &s, &out, &len), LMKV_OK);
    lmkv_symbol r;
    assert_int_equal(lmkv_symbol_read(&r, out, len), LMKV_OK);
    assert_non_null(r.name);
    assert_string_equal(r.name, "");
    assert_true(lmkv_strvec_present(&r.modifiers));
    assert_int_equal(r.modifiers.count, 0);
    assert_null(r.signature);
    e.response = (lmkv_ubytes){ RESP, 0 };
    assert_int_equal(lmkv_cache_entry_build(B, &e, &out, &len), LMKV_OK);
    lmkv_cache_entry er;
    assert_int_equal(lmkv_cache_entry_read(&er, out, len), LMKV_OK);
    assert_non_null(er.response.data);
    assert_int_equal(er.response.len, 0);
    assert_int_equal(er.access_count, 1);
    /* A non-default value of a field with a non-zero default is kept. */
    e.access_count = 0;
    assert_int_equal(lmkv_cache_entry_build(B, &e, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_cache_entry_read(&er, out, len), LMKV_OK);
    assert_int_equal(er.access_count, 0);
}

static void test_builder_reuse_and_determinism(void **state)
{
    (void)state;
    const fb_table *t = lmkv_schema__fb_table(LMKV_REC_SYMBOL);
    char pool[64][64], pool2[64][64];
    lmkv_symbol a, b;
    fill(t, &a, 1, pool);
    fill(t, &b, 2, pool2);
    size_t la, lb, la2;
    uint8_t *ca = build_copy(LMKV_REC_SYMBOL, &a, &la);
    uint8_t *cb = build_copy(LMKV_REC_SYMBOL, &b, &lb);
    uint8_t *ca2 = build_copy(LMKV_REC_SYMBOL, &a, &la2);
    assert_int_equal(la, la2);
    assert_memory_equal(ca, ca2, la);
    assert_true(la != lb || memcmp(ca, cb, la) != 0);
    /* A record far larger than the builder's initial 1 KiB. */
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    size_t big = 3 * 1024 * 1024 + 7;
    uint8_t *payload = malloc(big);
    for (size_t i = 0; i < big; i++) payload[i] = (uint8_t)(i * 31);
    e.response = (lmkv_ubytes){ payload, big };
    e.method = "textDocument/references";
    const uint8_t *out;
    size_t len;
    assert_int_equal(lmkv_cache_entry_build(B, &e, &out, &len), LMKV_OK);
    lmkv_cache_entry r;
    assert_int_equal(lmkv_cache_entry_read(&r, out, len), LMKV_OK);
    assert_int_equal(r.response.len, big);
    assert_memory_equal(r.response.data, payload, big);
    assert_string_equal(r.method, "textDocument/references");
    free(payload);
    free(ca);
    free(cb);
    free(ca2);
}

static void test_build_errors(void **state)
{
    (void)state;
    lmkv_symbol s;
    lmkv_record_init(LMKV_REC_SYMBOL, &s);
    const uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(lmkv_symbol_build(NULL, &s, &out, &len), LMKV_EINVAL);
    assert_int_equal(lmkv_symbol_build(B, NULL, &out, &len), LMKV_EINVAL);
    assert_int_equal(lmkv_symbol_build(B, &s, NULL, &len), LMKV_EINVAL);
    assert_int_equal(lmkv_record_build(B, (lmkv_record_type)99, &s, &out, &len), LMKV_EINVAL);
    assert_int_equal(lmkv_record_build(B, LMKV_REC_NONE, &s, &out, &len), LMKV_EINVAL);
    s.kind = (lmkv_symbol_kind)300;
    assert_int_equal(lmkv_symbol_build(B, &s, &out, &len), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "kind"));
    s.kind = LMKV_SK_FUNCTION;
    const char *bad[] = { "a", NULL };
    s.modifiers = (lmkv_strvec){ bad, 2, NULL };
    assert_int_equal(lmkv_symbol_build(B, &s, &out, &len), LMKV_EINVAL);
    assert_non_null(strstr(lmkv_errmsg(), "modifiers"));
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    e.response = (lmkv_ubytes){ RESP, LMKV_RECORD_MAX_SIZE + 1 };
    assert_int_equal(lmkv_cache_entry_build(B, &e, &out, &len), LMKV_ETOOBIG);
    assert_null(out);
    assert_int_equal(lmkv_record_init(LMKV_REC_NONE, &s), LMKV_EINVAL);
    assert_int_equal(lmkv_fbb_new(NULL), LMKV_EINVAL);
    lmkv_fbb_free(NULL);
}

/* ------------------------------------------------------------ evolution */

/* Two versions of one table, as two C structs and descriptors: v1 has
 * (id, name), v2 appended (note, weight = 7, tags). */
typedef struct point_v1 { uint64_t id; const char *name; } point_v1;
typedef struct point_v2 { uint64_t id; const char *name; const char *note; int64_t weight; lmkv_strvec tags; } point_v2;
static const fb_field p1_fields[] = {
    { "id", FB_U64, 0, offsetof(point_v1, id), 0, 0, NULL },
    { "name", FB_STR, 0, offsetof(point_v1, name), 0, 0, NULL },
};
static const fb_field p2_fields[] = {
    { "id", FB_U64, 0, offsetof(point_v2, id), 0, 0, NULL },
    { "name", FB_STR, 0, offsetof(point_v2, name), 0, 0, NULL },
    { "note", FB_STR, 0, offsetof(point_v2, note), 0, 0, NULL },
    { "weight", FB_I64, 0, offsetof(point_v2, weight), 7, 0, NULL },
    { "tags", FB_STRVEC, 0, offsetof(point_v2, tags), 0, 0, NULL },
};
static const fb_table P1 = { "Point", "TSPT", LMKV_REC_NONE, sizeof(point_v1), p1_fields, 2 };
static const fb_table P2 = { "Point", "TSPT", LMKV_REC_NONE, sizeof(point_v2), p2_fields, 5 };

static void test_evolution_two_versions(void **state)
{
    (void)state;
    const uint8_t *out;
    size_t len;
    /* Old writer, new reader: appended fields read as defaults. */
    point_v1 o = { 42, "old" };
    assert_int_equal(lmkv_schema__fb_build(B, &P1, &o, &out, &len), LMKV_OK);
    point_v2 n;
    assert_int_equal(lmkv_schema__fb_read(&P2, &n, out, len, 1), LMKV_OK);
    assert_int_equal(n.id, 42);
    assert_string_equal(n.name, "old");
    assert_null(n.note);
    assert_int_equal(n.weight, 7);
    assert_false(lmkv_strvec_present(&n.tags));
    /* New writer, old reader: unknown trailing fields are ignored. */
    const char *tags[] = { "x", "y" };
    point_v2 w = { UINT64_MAX, "new", "note", -3, { tags, 2, NULL } };
    assert_int_equal(lmkv_schema__fb_build(B, &P2, &w, &out, &len), LMKV_OK);
    point_v1 r;
    assert_int_equal(lmkv_schema__fb_read(&P1, &r, out, len, 1), LMKV_OK);
    assert_true(r.id == UINT64_MAX);
    assert_string_equal(r.name, "new");
    /* And the new reader sees everything. */
    assert_int_equal(lmkv_schema__fb_read(&P2, &n, out, len, 1), LMKV_OK);
    assert_string_equal(n.note, "note");
    assert_int_equal(n.weight, -3);
    assert_string_equal(lmkv_strvec_get(&n.tags, 1), "y");
}

/* The real tables: an older lmkv that knew only the first fields of every
 * table (descriptor cut short) against the current one, both ways. */
static void test_evolution_real_tables(void **state)
{
    (void)state;
    for (int k = 1; k < LMKV_REC_COUNT; k++) {
        const fb_table *t = lmkv_schema__fb_table((lmkv_record_type)k);
        for (uint16_t keep = 1; keep < t->nfields; keep += 2) {
            fb_table old = *t;
            old.nfields = keep;
            char pool[64][64];
            anyrec in, out, def;
            fill(t, &in, keep, pool);
            lmkv_schema__fb_init(t, &def);
            const uint8_t *buf;
            size_t len;
            /* old writer (knows `keep` fields) -> current reader */
            assert_int_equal(lmkv_schema__fb_build(B, &old, &in, &buf, &len), LMKV_OK);
            assert_int_equal(lmkv_record_read(t->type, &out, buf, len), LMKV_OK);
            assert_rec_equal(t, &in, &out, keep);
            for (uint16_t i = keep; i < t->nfields; i++) {
                fb_table one = *t;
                one.fields = &t->fields[i];
                one.nfields = 1;
                assert_rec_equal(&one, &def, &out, 1);
            }
            /* current writer -> old reader */
            assert_int_equal(lmkv_record_build(B, t->type, &in, &buf, &len), LMKV_OK);
            assert_int_equal(lmkv_schema__fb_read(&old, &out, buf, len, 1), LMKV_OK);
            assert_rec_equal(t, &in, &out, keep);
        }
    }
}

/* ------------------------------------------------------------ corruption */

/* A full Symbol record (copy) to mutate. */
static uint8_t *symbol_bytes(size_t *len, char pool[][64])
{
    lmkv_symbol s;
    fill(lmkv_schema__fb_table(LMKV_REC_SYMBOL), &s, 9, pool);
    return build_copy(LMKV_REC_SYMBOL, &s, len);
}

static void expect_corrupt(const uint8_t *buf, size_t len, const char *what)
{
    lmkv_symbol r;
    memset(&r, 0x77, sizeof r);
    lmkv_symbol before = r;
    int rc = lmkv_symbol_read(&r, buf, len);
    if (rc != LMKV_ECORRUPT) fail_msg("%s: rc %d, want LMKV_ECORRUPT", what, rc);
    /* The message names the record type and a byte offset. */
    const char *m = lmkv_errmsg();
    if (!strstr(m, "record Symbol: byte ")) fail_msg("%s: message \"%s\"", what, m);
    assert_memory_equal(&r, &before, sizeof r); /* out untouched */
}

/* Position of field id i's inline value in a built record (0 = absent). */
static size_t field_at(const uint8_t *b, uint16_t i)
{
    size_t t = fb_ld32(b);
    size_t vt = t - (size_t)(int32_t)fb_ld32(b + t);
    uint16_t vs = fb_ld16(b + vt);
    if (4 + 2 * (size_t)i + 2 > vs) return 0;
    uint16_t fo = fb_ld16(b + vt + 4 + 2 * i);
    return fo ? t + fo : 0;
}

enum { SY_ID = 0, SY_NAME = 4, SY_MODS = 14 };

static void test_corruption_classes(void **state)
{
    (void)state;
    char pool[64][64];
    size_t len;
    uint8_t *good = symbol_bytes(&len, pool);
    uint8_t *b = malloc(len + 64);
#define RESET() memcpy(b, good, len)
    size_t tpos = fb_ld32(good), vt = tpos - (size_t)(int32_t)fb_ld32(good + tpos);

    RESET(); expect_corrupt(b, 0, "empty buffer");
    RESET(); expect_corrupt(b, 7, "shorter than 8");
    expect_corrupt(NULL, 0, "NULL, 0");
    RESET(); memcpy(b + 4, "XXXX", 4); expect_corrupt(b, len, "identifier");
    RESET(); fb_st32(b, 0); expect_corrupt(b, len, "root offset 0");
    RESET(); fb_st32(b, (uint32_t)len); expect_corrupt(b, len, "root past end");
    RESET(); fb_st32(b, (uint32_t)tpos + 2); expect_corrupt(b, len, "root unaligned");
    RESET(); fb_st32(b, 0x80000000u); expect_corrupt(b, len, "root offset >= 2^31");
    RESET(); fb_st32(b + tpos, (uint32_t)(tpos + 100)); expect_corrupt(b, len, "vtable before buffer");
    RESET(); fb_st32(b + tpos, (uint32_t)-(int32_t)len); expect_corrupt(b, len, "vtable after buffer");
    RESET(); fb_st32(b + tpos, (uint32_t)(tpos - vt + 1)); expect_corrupt(b, len, "vtable unaligned");
    RESET(); fb_st16(b + vt, 7); expect_corrupt(b, len, "vtable size odd");
    RESET(); fb_st16(b + vt, 2); expect_corrupt(b, len, "vtable size < 4");
    RESET(); fb_st16(b + vt, 0xfffe); expect_corrupt(b, len, "vtable past end");
    RESET(); fb_st16(b + vt + 2, 3); expect_corrupt(b, len, "table size < 4");
    RESET(); fb_st16(b + vt + 2, 0xfff0); expect_corrupt(b, len, "table past end");
    RESET(); fb_st16(b + vt + 2, 8); expect_corrupt(b, len, "field past table size");
    RESET(); fb_st16(b + vt + 4 + 2 * SY_ID, (uint16_t)(fb_ld16(b + vt + 4) + 4));
    expect_corrupt(b, len, "u64 field unaligned");
    size_t name = field_at(good, SY_NAME), mods = field_at(good, SY_MODS);
    assert_true(name && mods);
    size_t str = name + fb_ld32(good + name), vec = mods + fb_ld32(good + mods);
    RESET(); fb_st32(b + name, 0); expect_corrupt(b, len, "string offset 0");
    RESET(); fb_st32(b + name, (uint32_t)(len - name)); expect_corrupt(b, len, "string offset past end");
    RESET(); fb_st32(b + name, fb_ld32(good + name) + 1); expect_corrupt(b, len, "string offset unaligned");
    RESET(); fb_st32(b + name, 0xfffffff0u); expect_corrupt(b, len, "string offset wraps");
    RESET(); fb_st32(b + str, (uint32_t)len); expect_corrupt(b, len, "string length past end");
    RESET(); fb_st32(b + str, 0xffffffffu); expect_corrupt(b, len, "string length huge");
    RESET(); b[str + 4 + fb_ld32(good + str)] = 'x'; expect_corrupt(b, len, "string not NUL-terminated");
    RESET(); fb_st32(b + vec, 0x40000000u); expect_corrupt(b, len, "vector count huge");
    RESET(); fb_st32(b + vec, (uint32_t)(len / 4)); expect_corrupt(b, len, "vector count past end");
    RESET(); fb_st32(b + vec + 4, 2); expect_corrupt(b, len, "vector element offset bad");
    RESET(); fb_st32(b + vec + 4 + 4 * 2, 0); expect_corrupt(b, len, "vector element offset 0");
    /* Cache entry: [ubyte] length past the end. */
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    e.response = (lmkv_ubytes){ RESP, sizeof RESP };
    size_t elen;
    uint8_t *eb = build_copy(LMKV_REC_CACHE_ENTRY, &e, &elen);
    size_t rf = field_at(eb, 8);
    assert_true(rf != 0);
    fb_st32(eb + rf + fb_ld32(eb + rf), (uint32_t)elen);
    lmkv_cache_entry er;
    assert_int_equal(lmkv_cache_entry_read(&er, eb, elen), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "response"));
    free(eb);
    /* Over the size limit (never dereferenced beyond the header). */
    assert_int_equal(lmkv_record_verify(LMKV_REC_SYMBOL, good, LMKV_RECORD_MAX_SIZE + 1), LMKV_ECORRUPT);
    assert_int_equal(lmkv_record_verify(LMKV_REC_SYMBOL, NULL, 5), LMKV_EINVAL);
    /* Garbage identifier for type detection. */
    lmkv_record_type ty;
    RESET(); memcpy(b + 4, "LKZZ", 4);
    assert_int_equal(lmkv_record_type_of(&ty, b, len), LMKV_ECORRUPT);
    assert_int_equal(lmkv_record_verify(LMKV_REC_NONE, b, len), LMKV_ECORRUPT);
    free(b);
    free(good);
#undef RESET
}

/* Every truncation and every single-byte change of full records of every
 * table: each read is LMKV_OK or LMKV_ECORRUPT, never a crash (ASan/UBSan
 * builds check the "never reads outside" part); an OK read yields strings
 * that are NUL-terminated inside the buffer. */
static void test_exhaustive_mutations(void **state)
{
    (void)state;
    static const uint8_t vals[] = { 0x00, 0x01, 0x03, 0x04, 0x7f, 0x80, 0xfe, 0xff };
    size_t nok = 0, nbad = 0;
    for (int k = 1; k < LMKV_REC_COUNT; k++) {
        const fb_table *t = lmkv_schema__fb_table((lmkv_record_type)k);
        char pool[64][64];
        anyrec in, out;
        fill(t, &in, k, pool);
        size_t len;
        uint8_t *good = build_copy(t->type, &in, &len);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *c = malloc(cut ? cut : 1);
            memcpy(c, good, cut);
            int rc = lmkv_record_read(t->type, &out, c, cut);
            /* lmkv's layout ends with a referenced byte: every cut fails. */
            if (rc != LMKV_ECORRUPT) fail_msg("%s cut to %zu: rc %d", t->name, cut, rc);
            free(c);
        }
        uint8_t *m = malloc(len);
        for (size_t pos = 0; pos < len; pos++)
            for (size_t v = 0; v < sizeof vals; v++) {
                memcpy(m, good, len);
                if (m[pos] == vals[v]) continue;
                m[pos] = vals[v];
                int rc = lmkv_record_read(t->type, &out, m, len);
                if (rc == LMKV_OK) {
                    nok++;
                    for (uint16_t i = 0; i < t->nfields; i++)
                        if (t->fields[i].type == FB_STR) {
                            const char *s;
                            memcpy(&s, (uint8_t *)&out + t->fields[i].coff, sizeof s);
                            if (s) assert_true((const uint8_t *)s >= m && (const uint8_t *)s + strlen(s) < m + len);
                        }
                } else {
                    if (rc != LMKV_ECORRUPT) fail_msg("%s byte %zu = %02x: rc %d", t->name, pos, vals[v], rc);
                    nbad++;
                }
            }
        free(m);
        free(good);
    }
    /* Both outcomes happen (a changed scalar stays valid). */
    assert_true(nok > 0 && nbad > 0);
}

/* ------------------------------------------------------------ ids */

static uint64_t xxh(const void *p, size_t n) { return XXH3_64bits(p, n); }

static void test_ids_layout_and_stability(void **state)
{
    (void)state;
    uint64_t a, b, c;
    /* Workspace: the documented bytes, trailing '/' removed. */
    assert_int_equal(lmkv_workspace_id(&a, "/home/dev/lmdb"), LMKV_OK);
    assert_int_equal(lmkv_workspace_id(&b, "/home/dev/lmdb///"), LMKV_OK);
    assert_true(a == b);
    assert_true(a == xxh("LMKVWS01/home/dev/lmdb", 22));
    assert_int_equal(lmkv_workspace_id(&c, "/home/dev/lmdb2"), LMKV_OK);
    assert_true(a != c);
    assert_int_equal(lmkv_workspace_id(&c, "/"), LMKV_OK);
    assert_true(c == xxh("LMKVWS01/", 9));
    assert_int_equal(lmkv_workspace_id(&c, "relative/path"), LMKV_EINVAL);
    assert_int_equal(lmkv_workspace_id(&c, ""), LMKV_EINVAL);
    assert_int_equal(lmkv_workspace_id(NULL, "/x"), LMKV_EINVAL);
    /* Pinned values: the layouts are frozen (stored keys contain these ids);
     * if this fails, the id layout or XXH3 changed. */
    uint64_t pf, ps;
    assert_int_equal(lmkv_file_version_id(&pf, a, "mdb.c", "1a7b5016e184713a876faecdb8b939d21a7b5016"), LMKV_OK);
    assert_int_equal(lmkv_symbol_id(&ps, a, "mdb.c", "mdb_put", LMKV_SK_FUNCTION, 0), LMKV_OK);
    assert_true(a == 0x2aa20a09afeec123ull);
    assert_true(pf == 0xf6e8efd274d10d85ull);
    assert_true(ps == 0x13568be200392f7full);

    /* File version: tag, le64 ws, str(path), str(blob). */
    uint8_t buf[256];
    size_t n = 0;
    memcpy(buf, "LMKVFV01", 8); n = 8;
    fb_st64(buf + n, a); n += 8;
    fb_st32(buf + n, 5); n += 4; memcpy(buf + n, "mdb.c", 5); n += 5;
    fb_st32(buf + n, 40); n += 4; memcpy(buf + n, "1a7b5016e184713a876faecdb8b939d21a7b5016", 40); n += 40;
    assert_int_equal(lmkv_file_version_id(&b, a, "mdb.c", "1a7b5016e184713a876faecdb8b939d21a7b5016"), LMKV_OK);
    assert_true(b == xxh(buf, n));
    assert_int_equal(lmkv_file_version_id(&c, a, "mdb.c", "2a7b5016e184713a876faecdb8b939d21a7b5016"), LMKV_OK);
    assert_true(b != c);
    assert_int_equal(lmkv_file_version_id(&c, a + 1, "mdb.c", "1a7b5016e184713a876faecdb8b939d21a7b5016"), LMKV_OK);
    assert_true(b != c);
    assert_int_equal(lmkv_file_version_id(&c, a, "mdb.c", NULL), LMKV_OK);
    assert_int_equal(lmkv_file_version_id(&b, a, "mdb.c", ""), LMKV_OK);
    assert_true(b == c); /* NULL blob hashes as "" */
    /* Length prefixes keep ("ab","c") and ("a","bc") apart. */
    assert_int_equal(lmkv_file_version_id(&b, a, "ab", "c"), LMKV_OK);
    assert_int_equal(lmkv_file_version_id(&c, a, "a", "bc"), LMKV_OK);
    assert_true(b != c);

    /* Symbol: no position in the identity. */
    n = 0;
    memcpy(buf, "LMKVSY01", 8); n = 8;
    fb_st64(buf + n, a); n += 8;
    fb_st32(buf + n, 5); n += 4; memcpy(buf + n, "mdb.c", 5); n += 5;
    fb_st32(buf + n, 7); n += 4; memcpy(buf + n, "mdb_put", 7); n += 7;
    buf[n++] = 12;
    fb_st32(buf + n, 0); n += 4;
    assert_int_equal(lmkv_symbol_id(&b, a, "mdb.c", "mdb_put", LMKV_SK_FUNCTION, 0), LMKV_OK);
    assert_true(b == xxh(buf, n));
    uint64_t ids[6];
    assert_int_equal(lmkv_symbol_id(&ids[0], a, "mdb.c", "mdb_put", LMKV_SK_FUNCTION, 1), LMKV_OK);
    assert_int_equal(lmkv_symbol_id(&ids[1], a, "mdb.c", "mdb_put", LMKV_SK_VARIABLE, 0), LMKV_OK);
    assert_int_equal(lmkv_symbol_id(&ids[2], a, "mdb.c", "mdb_get", LMKV_SK_FUNCTION, 0), LMKV_OK);
    assert_int_equal(lmkv_symbol_id(&ids[3], a, "mtest.c", "mdb_put", LMKV_SK_FUNCTION, 0), LMKV_OK);
    assert_int_equal(lmkv_symbol_id(&ids[4], a + 1, "mdb.c", "mdb_put", LMKV_SK_FUNCTION, 0), LMKV_OK);
    assert_int_equal(lmkv_symbol_id(&ids[5], a, "mdb.c", "mdb_put", LMKV_SK_FUNCTION, 0), LMKV_OK);
    for (int i = 0; i < 5; i++) assert_true(ids[i] != b);
    assert_true(ids[5] == b); /* stable */
    assert_int_equal(lmkv_symbol_id(&c, a, "mdb.c", "x", 256, 0), LMKV_EINVAL);
    assert_int_equal(lmkv_symbol_id(&c, a, NULL, "x", 1, 0), LMKV_EINVAL);

    /* Reference and call ids: documented layouts. */
    n = 0;
    memcpy(buf, "LMKVRF01", 8); n = 8;
    fb_st64(buf + n, 1); n += 8; fb_st64(buf + n, 2); n += 8; fb_st64(buf + n, 3); n += 8;
    buf[n++] = LMKV_REF_CALL;
    fb_st32(buf + n, 10); n += 4; fb_st32(buf + n, 5); n += 4;
    assert_int_equal(lmkv_reference_id(&b, 1, 2, 3, LMKV_REF_CALL, 10, 5), LMKV_OK);
    assert_true(b == xxh(buf, n));
    assert_int_equal(lmkv_reference_id(&c, 1, 2, 3, LMKV_REF_READ, 10, 5), LMKV_OK);
    assert_true(b != c);
    n = 0;
    memcpy(buf, "LMKVCL01", 8); n = 8;
    fb_st64(buf + n, 1); n += 8; fb_st64(buf + n, 2); n += 8; fb_st64(buf + n, 3); n += 8;
    fb_st32(buf + n, 10); n += 4; fb_st32(buf + n, 5); n += 4;
    assert_int_equal(lmkv_call_id(&b, 1, 2, 3, 10, 5), LMKV_OK);
    assert_true(b == xxh(buf, n));
    assert_int_equal(lmkv_call_id(&c, 1, 2, 3, 11, 5), LMKV_OK);
    assert_true(b != c);

    /* A path longer than the id hasher's stack buffer. */
    char *longp = malloc(5000);
    memset(longp, 'p', 4999);
    longp[4999] = 0;
    uint8_t *lb = malloc(5100);
    n = 0;
    memcpy(lb, "LMKVSY01", 8); n = 8;
    fb_st64(lb + n, a); n += 8;
    fb_st32(lb + n, 4999); n += 4; memcpy(lb + n, longp, 4999); n += 4999;
    fb_st32(lb + n, 1); n += 4; lb[n++] = 'f';
    lb[n++] = 12;
    fb_st32(lb + n, 3); n += 4;
    assert_int_equal(lmkv_symbol_id(&b, a, longp, "f", 12, 3), LMKV_OK);
    assert_true(b == xxh(lb, n));
    free(lb);
    free(longp);
}

/* ------------------------------------------------------------ JSON, names */

static void test_json(void **state)
{
    (void)state;
    lmkv_symbol s;
    lmkv_record_init(LMKV_REC_SYMBOL, &s);
    s.id = 0xfedcba9876543210ull;
    s.name = "mdb_put";
    s.kind = LMKV_SK_ENUM_MEMBER;
    s.modifiers = (lmkv_strvec){ MODS, 3, NULL };
    s.indexed_ns = -5;
    const uint8_t *out;
    size_t len;
    assert_int_equal(lmkv_symbol_build(B, &s, &out, &len), LMKV_OK);
    char *js = NULL;
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    json_error_t je;
    json_t *o = json_loads(js, 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "Symbol");
    assert_string_equal(json_string_value(json_object_get(o, "id")), "fedcba9876543210");
    assert_string_equal(json_string_value(json_object_get(o, "workspace_id")), "0000000000000000");
    assert_string_equal(json_string_value(json_object_get(o, "name")), "mdb_put");
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "EnumMember");
    assert_null(json_object_get(o, "signature")); /* absent: omitted */
    assert_int_equal(json_array_size(json_object_get(o, "modifiers")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "modifiers"), 2)), "ünï");
    assert_int_equal(json_integer_value(json_object_get(o, "indexed_ns")), -5);
    assert_true(json_real_value(json_object_get(o, "confidence")) == 1.0);
    assert_null(strchr(js, '\n'));
    json_decref(o);
    free(js);
    assert_int_equal(lmkv_record_to_json(&js, out, len, LMKV_JSON_PRETTY), LMKV_OK);
    assert_non_null(strchr(js, '\n'));
    free(js);

    /* Unknown enum value as a number; [ubyte]: text or base64; big u64. */
    lmkv_file_version fv;
    lmkv_record_init(LMKV_REC_FILE_VERSION, &fv);
    fv.size_bytes = UINT64_MAX;
    assert_int_equal(lmkv_file_version_build(B, &fv, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    o = json_loads(js, 0, &je);
    assert_string_equal(json_string_value(json_object_get(o, "size_bytes")), "18446744073709551615");
    json_decref(o);
    free(js);
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    e.response = (lmkv_ubytes){ RESP, sizeof RESP };
    assert_int_equal(lmkv_cache_entry_build(B, &e, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    o = json_loads(js, 0, &je);
    assert_string_equal(json_string_value(json_object_get(o, "response")), "{\"a\":1}");
    json_decref(o);
    free(js);
    static const uint8_t bin[] = { 0xff, 0x00, 0x41 };
    e.response = (lmkv_ubytes){ bin, sizeof bin };
    assert_int_equal(lmkv_cache_entry_build(B, &e, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    o = json_loads(js, 0, &je);
    assert_null(json_object_get(o, "response"));
    assert_string_equal(json_string_value(json_object_get(o, "response_base64")), "/wBB");
    json_decref(o);
    free(js);
    lmkv_reference rf;
    lmkv_record_init(LMKV_REC_REFERENCE, &rf);
    rf.kind = (lmkv_reference_kind)77;
    assert_int_equal(lmkv_reference_build(B, &rf, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    o = json_loads(js, 0, &je);
    assert_int_equal(json_integer_value(json_object_get(o, "kind")), 77);
    assert_true(json_is_false(json_object_get(o, "is_definition")));
    json_decref(o);
    free(js);
    /* Strings that are not UTF-8 (valid FlatBuffers: encodings are not
     * verified) render as base64, so the JSON is always valid. */
    lmkv_symbol bs;
    lmkv_record_init(LMKV_REC_SYMBOL, &bs);
    bs.name = "\xff\xfeok";
    const char *badm[] = { "fine", "\xc0\x80" };
    bs.modifiers = (lmkv_strvec){ badm, 2, NULL };
    assert_int_equal(lmkv_symbol_build(B, &bs, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    o = json_loads(js, 0, &je);
    assert_non_null(o);
    assert_null(json_object_get(o, "name"));
    assert_string_equal(json_string_value(json_object_get(o, "name_base64")), "//5vaw==");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "modifiers_base64"), 0)), "ZmluZQ==");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "modifiers_base64"), 1)), "wIA=");
    json_decref(o);
    free(js);
    /* Non-finite floats (JSON has none) render as strings. */
    lmkv_record_init(LMKV_REC_SYMBOL, &bs);
    bs.confidence = -(float)INFINITY;
    assert_int_equal(lmkv_symbol_build(B, &bs, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    o = json_loads(js, 0, &je);
    assert_string_equal(json_string_value(json_object_get(o, "confidence")), "-inf");
    json_decref(o);
    free(js);
    bs.confidence = NAN;
    assert_int_equal(lmkv_symbol_build(B, &bs, &out, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
    o = json_loads(js, 0, &je);
    assert_string_equal(json_string_value(json_object_get(o, "confidence")), "nan");
    json_decref(o);
    free(js);
    /* Corrupt input: an error, *out untouched. */
    uint8_t junk[16] = { 0 };
    js = (char *)junk;
    assert_int_equal(lmkv_record_to_json(&js, junk, sizeof junk, 0), LMKV_ECORRUPT);
    assert_ptr_equal(js, (char *)junk);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(lmkv_symbol_kind_name(LMKV_SK_FUNCTION), "Function");
    assert_string_equal(lmkv_symbol_kind_name(0), "Unknown");
    assert_string_equal(lmkv_symbol_kind_name(26), "TypeParameter");
    assert_null(lmkv_symbol_kind_name(27));
    assert_null(lmkv_symbol_kind_name(-1));
    lmkv_symbol_kind k;
    assert_int_equal(lmkv_symbol_kind_from_name(&k, "enum_member"), LMKV_OK);
    assert_int_equal(k, LMKV_SK_ENUM_MEMBER);
    assert_int_equal(lmkv_symbol_kind_from_name(&k, "STRUCT"), LMKV_OK);
    assert_int_equal(k, LMKV_SK_STRUCT);
    /* Macro: lmkv's own kind 255, outside LSP's 1..26; String (15) in LSP */
    assert_string_equal(lmkv_symbol_kind_name(LMKV_SK_MACRO), "Macro");
    assert_int_equal(LMKV_SK_MACRO, 255);
    assert_null(lmkv_symbol_kind_name(254));
    assert_null(lmkv_symbol_kind_name(256));
    assert_int_equal(lmkv_symbol_kind_from_name(&k, "macro"), LMKV_OK);
    assert_int_equal(k, LMKV_SK_MACRO);
    assert_int_equal(lmkv_symbol_kind_lsp(LMKV_SK_MACRO), LMKV_SK_STRING);
    assert_int_equal(lmkv_symbol_kind_lsp(LMKV_SK_FUNCTION), LMKV_SK_FUNCTION);
    assert_int_equal(lmkv_symbol_kind_lsp(LMKV_SK_TYPE_PARAMETER), LMKV_SK_TYPE_PARAMETER);
    assert_int_equal(lmkv_symbol_kind_lsp(0), 0);
    assert_int_equal(lmkv_symbol_kind_lsp(27), 0);
    assert_int_equal(lmkv_symbol_kind_lsp(-1), 0);
    assert_int_equal(lmkv_symbol_kind_from_name(&k, "functions"), LMKV_NOTFOUND);
    assert_int_equal(lmkv_symbol_kind_from_name(&k, NULL), LMKV_EINVAL);
    assert_string_equal(lmkv_reference_kind_name(LMKV_REF_WRITE), "write");
    assert_string_equal(lmkv_call_type_name(LMKV_CALL_ASYNC), "async");
    assert_string_equal(lmkv_hierarchy_kind_name(LMKV_HIER_IMPLEMENTS), "implements");
    assert_null(lmkv_hierarchy_kind_name(3));
    assert_string_equal(lmkv_record_type_name(LMKV_REC_CACHE_STATS), "CacheStats");
    assert_string_equal(lmkv_record_type_ident(LMKV_REC_HIERARCHY), "LKHE");
    assert_null(lmkv_record_type_name(LMKV_REC_NONE));
    assert_null(lmkv_record_type_name((lmkv_record_type)LMKV_REC_COUNT));
    assert_null(lmkv_strvec_get(NULL, 0));
    assert_false(lmkv_strvec_present(NULL));
}

/* Real text: every line of LMDB's mdb.c ($LMKV_SOURCES/lmdb, fetched by
 * scripts/fetch-sources.sh) as a Symbol's name/signature/documentation and
 * a CacheEntry's request and response; each round-trips exactly and renders
 * as JSON that jansson parses back to the same strings. */
static void test_real_source_lines(void **state)
{
    (void)state;
    const char *src = getenv("LMKV_SOURCES"), *root = getenv("LMKV_ROOT");
    char path[4096];
    if (src) snprintf(path, sizeof path, "%s/lmdb/mdb.c", src);
    else snprintf(path, sizeof path, "%s/build/sources/lmdb/mdb.c", root ? root : ".");
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("%s is missing: run scripts/fetch-sources.sh", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t count = 0, bytes = 0;
    char prev[4096] = "";
    while ((n = getline(&line, &cap, f)) > 0) {
        line[strcspn(line, "\n")] = 0;
        lmkv_symbol s, r;
        lmkv_record_init(LMKV_REC_SYMBOL, &s);
        s.name = line;
        s.signature = line;
        s.documentation = prev;
        s.start_line = (uint32_t)count + 1;
        const uint8_t *out;
        size_t len;
        assert_int_equal(lmkv_symbol_build(B, &s, &out, &len), LMKV_OK);
        assert_int_equal(lmkv_symbol_read(&r, out, len), LMKV_OK);
        assert_string_equal(r.signature, line);
        assert_string_equal(r.documentation, prev);
        assert_int_equal(r.start_line, count + 1);
        char *js = NULL;
        assert_int_equal(lmkv_record_to_json(&js, out, len, 0), LMKV_OK);
        json_t *o = json_loads(js, 0, NULL);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "signature")), line);
        json_decref(o);
        free(js);
        lmkv_cache_entry e, er;
        lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
        e.request_params = prev;
        e.response = (lmkv_ubytes){ (const uint8_t *)line, strlen(line) };
        assert_int_equal(lmkv_cache_entry_build(B, &e, &out, &len), LMKV_OK);
        assert_int_equal(lmkv_cache_entry_read(&er, out, len), LMKV_OK);
        assert_string_equal(er.request_params, prev);
        assert_int_equal(er.response.len, strlen(line));
        assert_memory_equal(er.response.data, line, er.response.len);
        snprintf(prev, sizeof prev, "%s", line);
        count++;
        bytes += (size_t)n;
    }
    free(line);
    fclose(f);
    /* mdb.c has over ten thousand lines. */
    assert_true(count > 10000 && bytes > 300000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_every_table),
        cmocka_unit_test(test_typed_symbol),
        cmocka_unit_test(test_absent_fields_and_defaults),
        cmocka_unit_test(test_builder_reuse_and_determinism),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_evolution_two_versions),
        cmocka_unit_test(test_evolution_real_tables),
        cmocka_unit_test(test_corruption_classes),
        cmocka_unit_test(test_exhaustive_mutations),
        cmocka_unit_test(test_ids_layout_and_stability),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_real_source_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
