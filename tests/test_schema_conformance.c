/*
 * test_schema_conformance.c -- lmkv's FlatBuffers records against the
 * official implementation.
 *
 * Two modes:
 *
 *  - no arguments (as tests/run.sh runs it): a cmocka suite over the
 *    committed golden records in tests/schema/golden/ -- records built by
 *    the official python3-flatbuffers builder (flatc 2.0.8 generated code)
 *    by tests/t_schema_conformance.py --regen, each with the JSON of the
 *    values it was built from. Every golden record must verify and read
 *    back with exactly those values, and lmkv's own encoding of the same
 *    values must read back equal too.
 *
 *  - helper for tests/t_schema_conformance.py:
 *      schema                         print every table's descriptor (JSON)
 *      build <Table> <in.json> <out>  build a record from values (JSON)
 *      read <Table> <in.bin>...       verify + read; print values (JSON),
 *                                     one line per file (null if refused)
 *      json <in.bin>                  print lmkv_record_to_json() output
 *      verify <Table> <file>...       "1"/"0" per file: lmkv verifies it
 *    Values JSON: one key per field; absent key / null = absent (default;
 *    for an optional scalar, `= null` in the .fbs, null both ways);
 *    64-bit integers as decimal strings, other integers as numbers, floats
 *    as their IEEE-754 bit pattern (number), bools as true/false, strings as
 *    strings, [ubyte] as lowercase hex, [string] as arrays. Exit 0 on
 *    success, 1 with a message on stderr on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>
#include <jansson.h>

#include "fb_int.h"

static const char *type_str(uint8_t t)
{
    switch (t) {
    case FB_BOOL: return "bool";
    case FB_ENUM8: return "ubyte";
    case FB_I32: return "int";
    case FB_U32: return "uint";
    case FB_I64: return "long";
    case FB_U64: return "ulong";
    case FB_F32: return "float";
    case FB_STR: return "string";
    case FB_BYTES: return "[ubyte]";
    case FB_STRVEC: return "[string]";
    default: return "?";
    }
}

static const fb_table *table_by_name(const char *name)
{
    for (int k = 1; k < LMKV_REC_COUNT; k++) {
        const fb_table *t = lmkv_schema__fb_table((lmkv_record_type)k);
        if (t && strcmp(t->name, name) == 0) return t;
    }
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Storage a built struct points into (freed after the build). */
typedef struct hold {
    void *p[64];
    int n;
} hold;

static void hold_free(hold *h)
{
    for (int i = 0; i < h->n; i++) free(h->p[i]);
    h->n = 0;
}

static int get_int(json_t *v, int64_t *out, uint64_t *uout)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        *uout = (uint64_t)*out;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (s[0] == '-') *out = strtoll(s, &end, 10), *uout = (uint64_t)*out;
        else *uout = strtoull(s, &end, 10), *out = (int64_t)*uout;
        return *end ? -1 : 0;
    }
    return -1;
}

/* values JSON -> struct. Returns 0 or -1 (message printed). */
static int from_json(const fb_table *t, json_t *o, void *rec, hold *h)
{
    uint8_t *r = rec;
    lmkv_schema__fb_init(t, rec);
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        json_t *v = json_object_get(o, f->name);
        void *c = r + f->coff;
        if (!v || json_is_null(v)) continue;
        int64_t iv = 0;
        uint64_t uv = 0;
        switch (f->type) {
        case FB_BOOL: { int x = json_is_true(v); memcpy(c, &x, sizeof x); break; }
        case FB_ENUM8: case FB_I32: case FB_U32: case FB_I64: case FB_U64:
            if (get_int(v, &iv, &uv)) { fprintf(stderr, "field %s: not an integer\n", f->name); return -1; }
            if (f->type == FB_ENUM8) { int x = (int)iv; memcpy(c, &x, sizeof x); }
            else if (f->type == FB_I32) { int32_t x = (int32_t)iv; memcpy(c, &x, sizeof x); }
            else if (f->type == FB_U32) { uint32_t x = (uint32_t)uv; memcpy(c, &x, sizeof x); }
            else if (f->type == FB_I64) memcpy(c, &iv, sizeof iv);
            else memcpy(c, &uv, sizeof uv);
            break;
        case FB_F32: {
            if (get_int(v, &iv, &uv)) { fprintf(stderr, "field %s: float bits expected\n", f->name); return -1; }
            uint32_t bits = (uint32_t)uv;
            memcpy(c, &bits, sizeof bits);
            break;
        }
        case FB_STR: {
            const char *s = json_string_value(v);
            if (!s) { fprintf(stderr, "field %s: string expected\n", f->name); return -1; }
            memcpy(c, &s, sizeof s);
            break;
        }
        case FB_BYTES: {
            const char *s = json_string_value(v);
            size_t n = s ? strlen(s) : 1;
            if (n % 2) { fprintf(stderr, "field %s: hex expected\n", f->name); return -1; }
            uint8_t *d = malloc(n / 2 + 1);
            h->p[h->n++] = d;
            for (size_t k = 0; k < n / 2; k++) {
                int a = hexval(s[2 * k]), b = hexval(s[2 * k + 1]);
                if (a < 0 || b < 0) { fprintf(stderr, "field %s: bad hex\n", f->name); return -1; }
                d[k] = (uint8_t)(a * 16 + b);
            }
            lmkv_ubytes x = { d, n / 2 };
            memcpy(c, &x, sizeof x);
            break;
        }
        case FB_STRVEC: {
            size_t n = json_array_size(v);
            const char **items = malloc((n + 1) * sizeof *items);
            h->p[h->n++] = (void *)items;
            for (size_t k = 0; k < n; k++) {
                items[k] = json_string_value(json_array_get(v, k));
                if (!items[k]) { fprintf(stderr, "field %s: strings expected\n", f->name); return -1; }
            }
            lmkv_strvec x = { items, (uint32_t)n, NULL };
            memcpy(c, &x, sizeof x);
            break;
        }
        default: return -1;
        }
    }
    return 0;
}

/* A string as JSON: itself when valid UTF-8, else {"hex": "..."} (mutated
 * records in the differential check carry arbitrary bytes). */
static json_t *str_json(const char *s)
{
    json_t *v = json_string(s);
    if (v) return v;
    size_t n = strlen(s);
    char *hx = malloc(2 * n + 1);
    for (size_t k = 0; k < n; k++) snprintf(hx + 2 * k, 3, "%02x", (unsigned char)s[k]);
    hx[2 * n] = 0;
    v = json_pack("{s:s}", "hex", hx);
    free(hx);
    return v;
}

/* struct -> values JSON (every field; absent strings/vectors null). */
static json_t *to_json(const fb_table *t, const void *rec)
{
    const uint8_t *r = rec;
    json_t *o = json_object();
    char tmp[32];
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        const void *c = r + f->coff;
        json_t *v = NULL;
        switch (f->type) {
        case FB_BOOL: { int x; memcpy(&x, c, sizeof x); v = json_boolean(x); break; }
        case FB_ENUM8: { int x; memcpy(&x, c, sizeof x); v = json_integer(x); break; }
        case FB_I32: { int32_t x; memcpy(&x, c, sizeof x); v = json_integer(x); break; }
        case FB_U32: case FB_F32: {
            uint32_t x;
            memcpy(&x, c, sizeof x);
            /* an optional scalar holding its "absent" value: null */
            v = (f->flags & FB_F_OPT) && x == (uint32_t)f->def_i ? json_null() : json_integer(x);
            break;
        }
        case FB_I64: { int64_t x; memcpy(&x, c, sizeof x); snprintf(tmp, sizeof tmp, "%" PRId64, x); v = json_string(tmp); break; }
        case FB_U64: { uint64_t x; memcpy(&x, c, sizeof x); snprintf(tmp, sizeof tmp, "%" PRIu64, x); v = json_string(tmp); break; }
        case FB_STR: { const char *s; memcpy(&s, c, sizeof s); v = s ? str_json(s) : json_null(); break; }
        case FB_BYTES: {
            lmkv_ubytes x;
            memcpy(&x, c, sizeof x);
            if (!x.data) { v = json_null(); break; }
            char *hx = malloc(2 * x.len + 1);
            for (size_t k = 0; k < x.len; k++) snprintf(hx + 2 * k, 3, "%02x", x.data[k]);
            hx[2 * x.len] = 0;
            v = json_string(hx);
            free(hx);
            break;
        }
        case FB_STRVEC: {
            lmkv_strvec x;
            memcpy(&x, c, sizeof x);
            if (!lmkv_strvec_present(&x)) { v = json_null(); break; }
            v = json_array();
            for (uint32_t k = 0; k < x.count; k++) json_array_append_new(v, str_json(lmkv_strvec_get(&x, k)));
            break;
        }
        default: v = json_null(); break;
        }
        json_object_set_new(o, f->name, v);
    }
    return o;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

/* Record struct storage big enough for any table. */
typedef union anyrec {
    lmkv_workspace a; lmkv_file_version b; lmkv_symbol c; lmkv_reference d;
    lmkv_call e; lmkv_hierarchy f; lmkv_cache_entry g; lmkv_cache_stats h; lmkv_indexer_queue_item i;
    lmkv_analysis_run j; lmkv_daemon_workspace_record k; lmkv_daemon_file_link l;
} anyrec;

static int cmd_schema(void)
{
    json_t *arr = json_array();
    for (int k = 1; k < LMKV_REC_COUNT; k++) {
        const fb_table *t = lmkv_schema__fb_table((lmkv_record_type)k);
        json_t *fs = json_array();
        for (uint16_t i = 0; i < t->nfields; i++) {
            const fb_field *f = &t->fields[i];
            json_t *fo = json_pack("{s:s, s:s, s:I, s:f}", "name", f->name, "type", type_str(f->type),
                                   "default", (json_int_t)f->def_i, "default_float", f->def_f);
            if (f->flags & FB_F_OPT) json_object_set_new(fo, "default", json_null()); /* `= null` */
            json_array_append_new(fs, fo);
        }
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:o}", "table", t->name, "ident", t->ident,
                                             "type", k, "fields", fs));
    }
    char *s = json_dumps(arr, JSON_INDENT(1));
    puts(s);
    free(s);
    json_decref(arr);
    return 0;
}

static int cmd_build(const char *tname, const char *in, const char *outp)
{
    const fb_table *t = table_by_name(tname);
    if (!t) { fprintf(stderr, "unknown table %s\n", tname); return 1; }
    json_error_t je;
    json_t *o = json_load_file(in, 0, &je);
    if (!o) { fprintf(stderr, "%s: %s\n", in, je.text); return 1; }
    anyrec rec;
    hold h = { .n = 0 };
    int rc = 1;
    lmkv_fbb *b = NULL;
    if (from_json(t, o, &rec, &h)) goto cleanup;
    if (lmkv_fbb_new(&b)) goto cleanup;
    const uint8_t *out;
    size_t outlen;
    int e = lmkv_record_build(b, t->type, &rec, &out, &outlen);
    if (e) { fprintf(stderr, "build: %s\n", lmkv_errmsg()); goto cleanup; }
    FILE *f = fopen(outp, "wb");
    if (!f || fwrite(out, 1, outlen, f) != outlen) { fprintf(stderr, "cannot write %s\n", outp); if (f) fclose(f); goto cleanup; }
    if (fclose(f) == 0) rc = 0;
cleanup:
    lmkv_fbb_free(b);
    hold_free(&h);
    json_decref(o);
    return rc;
}

/* read <Table> <file>...: with one file, its values (exit 1 with the
 * message if lmkv refuses it); with several, one line per file: the values,
 * or null when lmkv refuses the file. */
static int cmd_read(const char *tname, int n, char **files)
{
    const fb_table *t = table_by_name(tname);
    if (!t) { fprintf(stderr, "unknown table %s\n", tname); return 1; }
    for (int i = 0; i < n; i++) {
        size_t len;
        uint8_t *buf = slurp(files[i], &len);
        if (!buf) { fprintf(stderr, "cannot read %s\n", files[i]); return 1; }
        anyrec rec;
        int e = lmkv_record_read(t->type, &rec, buf, len);
        if (e) {
            free(buf);
            if (n == 1) {
                fprintf(stderr, "read: %s\n", lmkv_errmsg());
                return 1;
            }
            puts("null");
            continue;
        }
        json_t *o = to_json(t, &rec);
        char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(o);
        free(buf);
    }
    return 0;
}

/* verify <Table> <file>...: one line per file, "1" if lmkv verifies it as
 * that table (identifier included), else "0". */
static int cmd_verify(const char *tname, int n, char **files)
{
    const fb_table *t = table_by_name(tname);
    if (!t) { fprintf(stderr, "unknown table %s\n", tname); return 1; }
    for (int i = 0; i < n; i++) {
        size_t len;
        uint8_t *buf = slurp(files[i], &len);
        if (!buf) { fprintf(stderr, "cannot read %s\n", files[i]); return 1; }
        /* exact-size copy so ASan builds catch any read past the end */
        uint8_t *exact = malloc(len ? len : 1);
        memcpy(exact, buf, len);
        int rc = lmkv_record_verify(t->type, exact, len);
        if (rc != LMKV_OK && rc != LMKV_ECORRUPT) { fprintf(stderr, "%s: rc %d\n", files[i], rc); return 1; }
        printf("%d\n", rc == LMKV_OK);
        free(exact);
        free(buf);
    }
    return 0;
}

static int cmd_json(const char *in)
{
    size_t len;
    uint8_t *buf = slurp(in, &len);
    if (!buf) { fprintf(stderr, "cannot read %s\n", in); return 1; }
    char *s = NULL;
    int e = lmkv_record_to_json(&s, buf, len, 0);
    free(buf);
    if (e) { fprintf(stderr, "json: %s\n", lmkv_errmsg()); return 1; }
    puts(s);
    free(s);
    return 0;
}

/* ---------------------------------------------------------------- cmocka */

static char golden_dir[4096];

/* Every golden <name>.bin (official builder) against <name>.json. */
static void test_golden_records(void **state)
{
    (void)state;
    DIR *d = opendir(golden_dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    lmkv_fbb *b = NULL;
    assert_int_equal(lmkv_fbb_new(&b), LMKV_OK);
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".json") != 0) continue;
        char jp[8192], bp[8192];
        snprintf(jp, sizeof jp, "%s/%s", golden_dir, e->d_name);
        snprintf(bp, sizeof bp, "%s/%.*s.bin", golden_dir, (int)(nl - 5), e->d_name);
        json_error_t je;
        json_t *case_ = json_load_file(jp, 0, &je);
        assert_non_null(case_);
        const fb_table *t = table_by_name(json_string_value(json_object_get(case_, "table")));
        assert_non_null(t);
        json_t *values = json_object_get(case_, "values");
        json_t *expect = json_object_get(case_, "expect"); /* every field, as read */
        assert_non_null(expect);
        size_t len;
        uint8_t *buf = slurp(bp, &len);
        assert_non_null(buf);

        /* 1. official bytes -> lmkv reader: exactly the expected values. */
        anyrec rec;
        int rc = lmkv_record_read(t->type, &rec, buf, len);
        if (rc) fail_msg("%s: %s", bp, lmkv_errmsg());
        json_t *got = to_json(t, &rec);
        if (!json_equal(got, expect)) {
            char *g = json_dumps(got, JSON_SORT_KEYS), *x = json_dumps(expect, JSON_SORT_KEYS);
            fail_msg("%s: lmkv read\n  %s\nexpected\n  %s", bp, g, x);
        }
        json_decref(got);

        /* 2. the same values -> lmkv builder -> lmkv reader: equal again. */
        anyrec in;
        hold h = { .n = 0 };
        assert_int_equal(from_json(t, values, &in, &h), 0);
        const uint8_t *out;
        size_t outlen;
        assert_int_equal(lmkv_record_build(b, t->type, &in, &out, &outlen), LMKV_OK);
        assert_int_equal(lmkv_record_read(t->type, &rec, out, outlen), LMKV_OK);
        got = to_json(t, &rec);
        assert_true(json_equal(got, expect));
        json_decref(got);
        hold_free(&h);

        /* 3. every truncation of the official bytes is refused or, when it
         *    only cut the builder's trailing alignment padding, reads the
         *    same values: never a crash, never different values. */
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *c = malloc(cut ? cut : 1);
            memcpy(c, buf, cut);
            int r2 = lmkv_record_read(t->type, &rec, c, cut);
            if (r2 == LMKV_OK) {
                got = to_json(t, &rec);
                if (cut < 8 || !json_equal(got, expect)) fail_msg("%s: truncated to %zu bytes reads other values", bp, cut);
                json_decref(got);
            } else if (r2 != LMKV_ECORRUPT) {
                fail_msg("%s: truncated to %zu bytes: rc %d", bp, cut, r2);
            }
            free(c);
        }
        free(buf);
        json_decref(case_);
        n++;
    }
    closedir(d);
    lmkv_fbb_free(b);
    /* One or more cases per table (8 tables). */
    if (n < 8) fail_msg("only %d golden records in %s", n, golden_dir);
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        if (!strcmp(argv[1], "schema")) return cmd_schema();
        if (!strcmp(argv[1], "build") && argc == 5) return cmd_build(argv[2], argv[3], argv[4]);
        if (!strcmp(argv[1], "read") && argc >= 4) return cmd_read(argv[2], argc - 3, argv + 3);
        if (!strcmp(argv[1], "json") && argc == 3) return cmd_json(argv[2]);
        if (!strcmp(argv[1], "verify") && argc >= 3) return cmd_verify(argv[2], argc - 3, argv + 3);
        fprintf(stderr, "usage: %s [schema | build <Table> <in.json> <out> | read <Table> <in> | json <in> | verify <Table> <in>...]\n", argv[0]);
        return 2;
    }
    const char *root = getenv("LMKV_ROOT");
    snprintf(golden_dir, sizeof golden_dir, "%s/tests/schema/golden", root ? root : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
