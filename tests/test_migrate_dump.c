/*
 * test_migrate_dump.c -- the sled-dump v1 reader, writer and summary against
 * the real sled fixtures ($LMKV_FIXTURES/sled): sled's numbers from
 * .expect.json, byte-identical rewrites, gzip input, and every class of
 * damage made from a fixture (with the CRC recomputed where needed so the
 * intended error is the one hit), each with its byte offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lmkv_migrate.h"
#include "util/lmkv_test_files.h"
#include "migrate_int.h" /* lmkv_migrate__crc32 */

static const char *fixtures[] = {"probe-universal-cache", "probe-legacy-call-graph", "edge-cases-small"};
#define NFIX (sizeof fixtures / sizeof fixtures[0])

/* ------------------------------------------------ independent layout scan */

struct pairspan { size_t start, end; };
struct coll {
    size_t start, end;   /* 'C' .. end of E count */
    size_t name_off;     /* offset of the name length field */
    size_t e_off;        /* offset of 'E' */
    int is_meta;
    struct pairspan pairs[64];
    size_t npairs;
};
struct layout { struct coll c[16]; size_t nc; size_t z_off; };

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

static void scan(const unsigned char *b, size_t n, struct layout *L)
{
    memset(L, 0, sizeof *L);
    size_t o = 16;
    while (b[o] == 'C') {
        struct coll *c = &L->c[L->nc++];
        c->start = o;
        o++;
        uint64_t tl = rd64(b + o);
        c->is_meta = tl == 4 && !memcmp(b + o + 8, "meta", 4);
        o += 8 + tl;
        c->name_off = o;
        o += 8 + rd64(b + o);
        while (b[o] == 'P') {
            struct pairspan *p = &c->pairs[c->npairs < 64 ? c->npairs : 63];
            p->start = o;
            o++;
            o += 8 + rd64(b + o);
            o += 8 + rd64(b + o);
            p->end = o;
            c->npairs++;
        }
        assert_int_equal(b[o], 'E');
        c->e_off = o;
        o += 9;
        c->end = o;
    }
    assert_int_equal(b[o], 'Z');
    L->z_off = o;
    assert_int_equal(o + 21, n);
}

static void fix_crc(unsigned char *b, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, b, (uInt)(n - 4));
    b[n - 4] = (unsigned char)c;
    b[n - 3] = (unsigned char)(c >> 8);
    b[n - 2] = (unsigned char)(c >> 16);
    b[n - 1] = (unsigned char)(c >> 24);
}

/* Runs the reader over a buffer; returns the error code and copies the message. */
static int read_all(const unsigned char *b, size_t n, char *msg, size_t msgsz, uint64_t *pairs)
{
    lmkv_dump_reader *r = NULL;
    int rc = lmkv_dump_reader_open_memory(&r, b, n, "case.sleddump");
    uint64_t np = 0;
    if (rc == LMKV_OK) {
        lmkv_dump_event ev;
        while ((rc = lmkv_dump_reader_next(r, &ev)) == LMKV_OK)
            if (ev.kind == LMKV_DUMP_PAIR) np++;
        if (rc == LMKV_NOTFOUND) rc = LMKV_OK;
        else {
            /* the error is sticky */
            assert_int_equal(lmkv_dump_reader_next(r, &ev), rc);
        }
    }
    snprintf(msg, msgsz, "%s", rc ? lmkv_errmsg() : "");
    lmkv_dump_reader_free(r);
    if (pairs) *pairs = np;
    return rc;
}

static void expect_damage(const unsigned char *b, size_t n, uint64_t offset, const char *words)
{
    char msg[2048], want[64];
    int rc = read_all(b, n, msg, sizeof msg, NULL);
    if (rc != LMKV_ECORRUPT || !strstr(msg, words)) fprintf(stderr, "message: %s\n", msg);
    assert_int_equal(rc, LMKV_ECORRUPT);
    snprintf(want, sizeof want, "byte offset %llu:", (unsigned long long)offset);
    if (!strstr(msg, want)) fprintf(stderr, "message: %s\nwanted: %s\n", msg, want);
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, words));
    assert_null(strchr(msg, '\n'));
    /* also through a file */
    lmkv_test_spit(lmkv_test_tmp("case.sleddump"), b, n);
    lmkv_dump_summary *s = NULL;
    assert_int_equal(lmkv_dump_summarize(&s, lmkv_test_tmp("case.sleddump")), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), want));
    assert_null(s);
}

/* ----------------------------------------------------------------- tests */

static void check_summary(const lmkv_dump_summary *s, json_t *exp)
{
    json_t *db = json_object_get(exp, "db"), *dump = json_object_get(exp, "dump");
    assert_int_equal(s->db_checksum, (uint32_t)json_integer_value(json_object_get(db, "checksum")));
    assert_int_equal(s->total_pairs, json_integer_value(json_object_get(db, "total_pairs")));
    json_t *trees = json_object_get(db, "trees");
    assert_int_equal(s->n_trees, json_array_size(trees));
    assert_int_equal(s->n_trees, json_integer_value(json_object_get(db, "tree_count")));
    for (size_t i = 0; i < s->n_trees; i++) {
        json_t *t = json_array_get(trees, i);
        char hex[256];
        assert_true(s->trees[i].name_len < 100);
        lmkv_test_hex(hex, s->trees[i].name, s->trees[i].name_len);
        assert_string_equal(hex, json_string_value(json_object_get(t, "name_hex")));
        assert_int_equal(s->trees[i].len, json_integer_value(json_object_get(t, "len")));
        assert_int_equal(s->trees[i].checksum, (uint32_t)json_integer_value(json_object_get(t, "checksum")));
    }
    assert_int_equal(s->collections, json_integer_value(json_object_get(dump, "collection_count")));
    assert_int_equal(s->file_pairs, json_integer_value(json_object_get(dump, "total_pair_count")));
    assert_int_equal(s->crc32, (uint32_t)json_integer_value(json_object_get(dump, "crc32")));
    assert_int_equal(s->bytes, json_integer_value(json_object_get(dump, "uncompressed_bytes")));
    json_t *gen = json_object_get(dump, "meta_generate_id_next");
    if (json_is_integer(gen)) {
        assert_true(s->has_generate_id);
        assert_int_equal(s->generate_id_next, json_integer_value(gen));
    } else {
        assert_false(s->has_generate_id);
    }
}

static void test_fixtures_match_sled(void **state)
{
    (void)state;
    for (size_t i = 0; i < NFIX; i++) {
        json_error_t jerr;
        json_t *exp = json_load_file(lmkv_test_sled_fixture(fixtures[i], ".expect.json"), 0, &jerr);
        assert_non_null(exp);
        lmkv_dump_summary *s = NULL;
        int rc = lmkv_dump_summarize(&s, lmkv_test_sled_fixture(fixtures[i], ".sleddump"));
        if (rc) fprintf(stderr, "%s\n", lmkv_errmsg());
        assert_int_equal(rc, LMKV_OK);
        check_summary(s, exp);
        assert_int_equal(s->input_bytes, json_integer_value(json_object_get(json_object_get(exp, "dump"), "file_bytes")));
        assert_false(s->gzip);
        lmkv_dump_summary_free(s);
        json_decref(exp);
    }
}

static void gzip_file(const char *src, const char *dst)
{
    size_t n;
    unsigned char *b = lmkv_test_slurp(src, &n);
    gzFile g = gzopen(dst, "wb9");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, b, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
    free(b);
}

static void test_gzip_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < NFIX; i++) {
        json_error_t jerr;
        json_t *exp = json_load_file(lmkv_test_sled_fixture(fixtures[i], ".expect.json"), 0, &jerr);
        assert_non_null(exp);
        gzip_file(lmkv_test_sled_fixture(fixtures[i], ".sleddump"), lmkv_test_tmp("f.sleddump.gz"));
        lmkv_dump_summary *s = NULL;
        assert_int_equal(lmkv_dump_summarize(&s, lmkv_test_tmp("f.sleddump.gz")), LMKV_OK);
        check_summary(s, exp);
        assert_true(s->gzip);
        assert_true(s->input_bytes < s->bytes);
        lmkv_dump_summary_free(s);
        json_decref(exp);
    }
    /* A gzip'd dump with damage inside: the offset is of the uncompressed stream. */
    size_t n;
    unsigned char *b = lmkv_test_slurp(lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), &n);
    b[n - 1] ^= 0xff;
    lmkv_test_spit(lmkv_test_tmp("bad.sleddump"), b, n);
    gzip_file(lmkv_test_tmp("bad.sleddump"), lmkv_test_tmp("bad.sleddump.gz"));
    lmkv_dump_summary *s = NULL;
    assert_int_equal(lmkv_dump_summarize(&s, lmkv_test_tmp("bad.sleddump.gz")), LMKV_ECORRUPT);
    char want[96];
    snprintf(want, sizeof want, "byte offset %zu of the uncompressed stream: CRC-32 mismatch", n - 4);
    assert_non_null(strstr(lmkv_errmsg(), want));
    /* A truncated gzip file. */
    size_t gn;
    unsigned char *g = lmkv_test_slurp(lmkv_test_tmp("bad.sleddump.gz"), &gn);
    lmkv_test_spit(lmkv_test_tmp("cut.sleddump.gz"), g, gn / 2);
    assert_int_equal(lmkv_dump_summarize(&s, lmkv_test_tmp("cut.sleddump.gz")), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "gzip stream truncated"));
    assert_non_null(strstr(lmkv_errmsg(), "of the uncompressed stream"));
    /* Garbage after the gzip member. */
    unsigned char *g2 = malloc(gn + 3);
    memcpy(g2, g, gn);
    memcpy(g2 + gn, "xyz", 3);
    gzip_file(lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), lmkv_test_tmp("ok.gz"));
    free(g);
    g = lmkv_test_slurp(lmkv_test_tmp("ok.gz"), &gn);
    free(g2);
    g2 = malloc(gn + 3);
    memcpy(g2, g, gn);
    memcpy(g2 + gn, "xyz", 3);
    lmkv_test_spit(lmkv_test_tmp("trail.gz"), g2, gn + 3);
    assert_int_equal(lmkv_dump_summarize(&s, lmkv_test_tmp("trail.gz")), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "after the end of the gzip stream"));
    /* Two members concatenated (as `cat a.gz b.gz`) form one stream: here the
     * dump split in two members is still the same dump. */
    gzFile z = gzopen(lmkv_test_tmp("two.gz"), "wb");
    assert_non_null(z);
    gzwrite(z, b, 100);
    gzclose(z);
    size_t an;
    unsigned char *a = lmkv_test_slurp(lmkv_test_tmp("two.gz"), &an);
    z = gzopen(lmkv_test_tmp("two2.gz"), "wb");
    b[n - 1] ^= 0xff; /* undo the damage */
    gzwrite(z, b + 100, (unsigned)(n - 100));
    gzclose(z);
    size_t cn;
    unsigned char *c2 = lmkv_test_slurp(lmkv_test_tmp("two2.gz"), &cn);
    unsigned char *cat = malloc(an + cn);
    memcpy(cat, a, an);
    memcpy(cat + an, c2, cn);
    lmkv_test_spit(lmkv_test_tmp("cat.gz"), cat, an + cn);
    assert_int_equal(lmkv_dump_summarize(&s, lmkv_test_tmp("cat.gz")), LMKV_OK);
    assert_int_equal(s->bytes, n);
    lmkv_dump_summary_free(s);
    free(a);
    free(c2);
    free(cat);
    free(g);
    free(g2);
    free(b);
}

/* Reader -> writer gives the fixture back byte for byte (fixtures are canonical). */
static void rewrite(const char *in, const char *out, unsigned flags)
{
    lmkv_dump_reader *r = NULL;
    lmkv_dump_writer *w = NULL;
    assert_int_equal(lmkv_dump_reader_open(&r, in), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_open(&w, out, flags), LMKV_OK);
    lmkv_dump_event ev;
    int rc;
    uint64_t gen = 0;
    int has_gen = 0;
    while ((rc = lmkv_dump_reader_next(r, &ev)) == LMKV_OK) {
        switch (ev.kind) {
        case LMKV_DUMP_COLLECTION:
            if (!ev.is_meta) assert_int_equal(lmkv_dump_writer_tree(w, ev.name, ev.name_len), LMKV_OK);
            break;
        case LMKV_DUMP_PAIR:
            if (!ev.is_meta)
                assert_int_equal(lmkv_dump_writer_pair(w, ev.key, ev.key_len, ev.value, ev.value_len), LMKV_OK);
            break;
        case LMKV_DUMP_END:
            if (!ev.is_meta) assert_int_equal(lmkv_dump_writer_end(w), LMKV_OK);
            break;
        case LMKV_DUMP_FOOTER:
            has_gen = ev.has_generate_id;
            gen = ev.generate_id_next;
            break;
        }
    }
    assert_int_equal(rc, LMKV_NOTFOUND);
    if (has_gen) assert_int_equal(lmkv_dump_writer_generate_id(w, gen), LMKV_OK);
    uint32_t crc = 0;
    assert_int_equal(lmkv_dump_writer_finish(w, &crc), LMKV_OK);
    lmkv_dump_writer_free(w);
    lmkv_dump_reader_free(r);
}

static void test_writer_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < NFIX; i++) {
        size_t a, b;
        rewrite(lmkv_test_sled_fixture(fixtures[i], ".sleddump"), lmkv_test_tmp("rt.sleddump"), 0);
        unsigned char *x = lmkv_test_slurp(lmkv_test_sled_fixture(fixtures[i], ".sleddump"), &a);
        unsigned char *y = lmkv_test_slurp(lmkv_test_tmp("rt.sleddump"), &b);
        assert_int_equal(a, b);
        assert_memory_equal(x, y, a);
        free(y);
        /* gzip output reads back as the same stream */
        rewrite(lmkv_test_sled_fixture(fixtures[i], ".sleddump"), lmkv_test_tmp("rt.sleddump.gz"), LMKV_DUMP_GZIP);
        y = lmkv_test_slurp(lmkv_test_tmp("rt.sleddump.gz"), &b);
        assert_int_equal(y[0], 0x1f);
        assert_int_equal(y[1], 0x8b);
        free(y);
        rewrite(lmkv_test_tmp("rt.sleddump.gz"), lmkv_test_tmp("rt2.sleddump"), 0);
        y = lmkv_test_slurp(lmkv_test_tmp("rt2.sleddump"), &b);
        assert_int_equal(a, b);
        assert_memory_equal(x, y, a);
        free(x);
        free(y);
    }
}

static void test_writer_refuses_misuse(void **state)
{
    (void)state;
    lmkv_dump_writer *w = NULL;
    assert_int_equal(lmkv_dump_writer_open(&w, lmkv_test_tmp("w.sleddump"), 0), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_pair(w, "a", 1, "b", 1), LMKV_EINVAL);   /* no collection */
    assert_int_equal(lmkv_dump_writer_tree(w, "t", 1), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_tree(w, "u", 1), LMKV_EINVAL);           /* one open */
    assert_int_equal(lmkv_dump_writer_pair(w, "b", 1, "", 0), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_pair(w, "b", 1, "", 0), LMKV_EINVAL);    /* not ascending */
    assert_int_equal(lmkv_dump_writer_pair(w, "a", 1, "", 0), LMKV_EINVAL);
    assert_int_equal(lmkv_dump_writer_finish(w, NULL), LMKV_EINVAL);           /* still open */
    assert_int_equal(lmkv_dump_writer_end(w), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_tree(w, "t", 1), LMKV_EINVAL);           /* duplicate */
    assert_int_equal(lmkv_dump_writer_generate_id(w, 7), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_tree(w, "z", 1), LMKV_EINVAL);           /* after meta */
    /* freeing an unfinished writer leaves no file behind */
    lmkv_dump_writer_free(w);
    FILE *f = fopen(lmkv_test_tmp("w.sleddump"), "rb");
    assert_null(f);
    lmkv_dump_writer_free(NULL);
    lmkv_dump_reader_free(NULL);
}

/* Every class of damage, each from a real fixture. */
static void test_damage_classes(void **state)
{
    (void)state;
    size_t n;
    unsigned char *orig = lmkv_test_slurp(lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), &n);
    unsigned char *b = malloc(n + 100000);
    struct layout L;
    scan(orig, n, &L);
    assert_int_equal(L.nc, 5);
    char msg[2048];
    assert_int_equal(read_all(orig, n, msg, sizeof msg, NULL), LMKV_OK);

#define RESET() memcpy(b, orig, n)
    /* wrong magic */
    RESET(); b[0] = 'X';
    expect_damage(b, n, 0, "wrong magic");
    /* version */
    RESET(); b[8] = 2;
    expect_damage(b, n, 8, "version 2");
    /* flags */
    RESET(); b[13] = 1;
    expect_damage(b, n, 12, "non-zero flags");
    /* truncated: in the header, before the footer, inside a value, inside the footer */
    expect_damage(orig, 11, 11, "truncated");
    expect_damage(orig, L.z_off, L.z_off, "no footer");
    const struct coll *nodes = &L.c[4];
    size_t p0 = nodes->pairs[0].start;
    size_t klen = (size_t)rd64(orig + p0 + 1);
    size_t vlen_off = p0 + 1 + 8 + klen;
    expect_damage(orig, vlen_off + 8 + 5, vlen_off, "runs past the end");
    expect_damage(orig, n - 2, n - 4, "truncated");
    /* bad CRC: one flipped bit inside a value */
    RESET(); b[vlen_off + 8 + 3] ^= 0x01;
    expect_damage(b, n, n - 4, "CRC-32 mismatch");
    /* unknown tag */
    RESET(); b[p0] = 'Q'; fix_crc(b, n);
    expect_damage(b, n, p0, "unknown tag byte 0x51");
    /* length past the end (huge key length) */
    RESET(); wr64(b + p0 + 1, (uint64_t)1 << 40); fix_crc(b, n);
    expect_damage(b, n, p0 + 1, "runs past the end");
    /* keys out of order: swap the first two pairs of `nodes` */
    {
        RESET();
        size_t a0 = nodes->pairs[0].start, a1 = nodes->pairs[1].start, a2 = nodes->pairs[1].end;
        size_t l0 = a1 - a0, l1 = a2 - a1;
        memcpy(b + a0, orig + a1, l1);
        memcpy(b + a0 + l1, orig + a0, l0);
        fix_crc(b, n);
        expect_damage(b, n, a0 + l1 + 1, "keys out of order in tree 'nodes'");
    }
    /* duplicate tree: metadata collection written twice (counts fixed) */
    {
        const struct coll *m = &L.c[3];
        size_t cl = m->end - m->start;
        memcpy(b, orig, m->end);
        memcpy(b + m->end, orig + m->start, cl);
        memcpy(b + m->end + cl, orig + m->end, n - m->end);
        size_t nn = n + cl, z = L.z_off + cl;
        wr64(b + z + 1, rd64(b + z + 1) + 1);
        wr64(b + z + 9, rd64(b + z + 9) + m->npairs);
        fix_crc(b, nn);
        expect_damage(b, nn, m->end + (m->name_off - m->start), "duplicate tree 'metadata'");
    }
    /* count mismatch in 'E' */
    RESET(); wr64(b + nodes->e_off + 1, nodes->npairs + 1); fix_crc(b, n);
    expect_damage(b, n, nodes->e_off + 1, "pair count mismatch");
    /* footer counts */
    RESET(); wr64(b + L.z_off + 1, 4); fix_crc(b, n);
    expect_damage(b, n, L.z_off + 1, "footer collection_count 4");
    RESET(); wr64(b + L.z_off + 9, 35); fix_crc(b, n);
    expect_damage(b, n, L.z_off + 9, "footer total_pair_count 35");
    /* trailing bytes */
    RESET(); b[n] = 0;
    expect_damage(b, n + 1, n, "trailing bytes after the footer");
    /* unknown collection type */
    RESET(); b[L.c[1].start + 1 + 8 + 3] = 'x'; fix_crc(b, n);
    expect_damage(b, n, L.c[1].start + 1, "unknown collection type 'trex'");
    /* a pair after the footer tag... 'E' outside a collection */
    RESET(); b[L.c[1].start] = 'E'; fix_crc(b, n);
    expect_damage(b, n, L.c[1].start, "outside a collection");
    free(orig);

    /* bad meta collection: edge-cases-small has one */
    orig = lmkv_test_slurp(lmkv_test_sled_fixture("edge-cases-small", ".sleddump"), &n);
    free(b);
    b = malloc(n + 64);
    scan(orig, n, &L);
    const struct coll *meta = &L.c[L.nc - 1];
    assert_true(meta->is_meta);
    size_t mk = meta->pairs[0].start + 1; /* key length field */
    RESET(); b[mk + 8 + 3] = 'X'; fix_crc(b, n);
    expect_damage(b, n, mk, "bad meta collection: key must be \"next\"");
    RESET(); b[meta->name_off + 8] = 'G'; fix_crc(b, n);
    expect_damage(b, n, meta->name_off, "bad meta collection: name 'Generate_id'");
    /* value of 7 bytes instead of 8: shorten the file by one byte and fix counts */
    {
        size_t vl = mk + 8 + 4; /* value length field */
        memcpy(b, orig, vl);
        wr64(b + vl, 7);
        memcpy(b + vl + 8, orig + vl + 8, 7);
        memcpy(b + vl + 15, orig + vl + 16, n - (vl + 16));
        fix_crc(b, n - 1);
        expect_damage(b, n - 1, vl, "must be a u64 (8 bytes), got 7");
    }
    /* a tree after the meta collection: move the meta collection first... here
     * simply swap the last tree and the meta collection */
    {
        const struct coll *t = &L.c[L.nc - 2];
        size_t tl = t->end - t->start, ml = meta->end - meta->start;
        RESET();
        memcpy(b + t->start, orig + meta->start, ml);
        memcpy(b + t->start + ml, orig + t->start, tl);
        fix_crc(b, n);
        expect_damage(b, n, t->start + ml, "after the meta collection");
    }
    /* keys of the bytes-boundary tree: 00 ff ff00 ffff; make ff00 -> 00 00 */
    {
        const struct coll *bb = NULL;
        for (size_t i = 0; i < L.nc; i++)
            if (rd64(orig + L.c[i].name_off) == 14 && !memcmp(orig + L.c[i].name_off + 8, "bytes-boundary", 14)) bb = &L.c[i];
        assert_non_null(bb);
        assert_int_equal(bb->npairs, 4);
        RESET();
        size_t k2 = bb->pairs[2].start + 1;
        assert_int_equal(rd64(orig + k2), 2);
        b[k2 + 8] = 0x00;
        b[k2 + 9] = 0x00;
        fix_crc(b, n);
        expect_damage(b, n, k2, "keys out of order in tree 'bytes-boundary': key 0x0000");
    }
#undef RESET
    free(orig);
    free(b);
}

static void test_events_of_fixture(void **state)
{
    (void)state;
    /* Event stream of edge-cases-small: the empty key, the empty tree name,
     * the non-UTF-8 tree name, the 1 MiB value and the 10,000-byte key. */
    lmkv_dump_reader *r = NULL;
    assert_int_equal(lmkv_dump_reader_open(&r, lmkv_test_sled_fixture("edge-cases-small", ".sleddump")), LMKV_OK);
    lmkv_dump_event ev;
    int rc, saw_empty_name = 0, saw_empty_key = 0, saw_big = 0, saw_long = 0, saw_meta = 0;
    uint64_t last_off = 0;
    while ((rc = lmkv_dump_reader_next(r, &ev)) == LMKV_OK) {
        assert_true(ev.offset >= last_off);
        last_off = ev.offset;
        if (ev.kind == LMKV_DUMP_COLLECTION && ev.name_len == 0) saw_empty_name = 1;
        if (ev.kind == LMKV_DUMP_PAIR && ev.key_len == 0 && ev.name_len == 15) {
            saw_empty_key = 1;
            assert_non_null(ev.key);
            assert_int_equal(ev.value_len, 0);
        }
        if (ev.kind == LMKV_DUMP_PAIR && ev.value_len == 1048576) {
            saw_big = 1;
            uLong c = crc32(crc32(0L, Z_NULL, 0), ev.value, (uInt)ev.value_len);
            assert_int_equal(c, 2946064321u);
        }
        if (ev.kind == LMKV_DUMP_PAIR && ev.key_len == 10000) saw_long = 1;
        if (ev.kind == LMKV_DUMP_PAIR && ev.is_meta) saw_meta = 1;
        if (ev.kind == LMKV_DUMP_FOOTER) {
            assert_true(ev.has_generate_id);
            assert_int_equal(ev.generate_id_next, 2000004);
            assert_int_equal(ev.collections, 7);
            assert_int_equal(ev.count, 16);
        }
    }
    assert_int_equal(rc, LMKV_NOTFOUND);
    assert_int_equal(lmkv_dump_reader_next(r, &ev), LMKV_NOTFOUND);
    assert_true(saw_empty_name && saw_empty_key && saw_big && saw_long && saw_meta);
    assert_int_equal(lmkv_dump_reader_offset(r), 1059911);
    lmkv_dump_reader_free(r);
    /* missing file */
    assert_int_equal(lmkv_dump_reader_open(&r, lmkv_test_tmp("does-not-exist")), LMKV_EIO);
    assert_non_null(strstr(lmkv_errmsg(), "does-not-exist"));
}

/* The slicing-by-8 CRC equals zlib's for every length and alignment, in
 * pieces or at once. */
static void test_crc32_equals_zlib(void **state)
{
    (void)state;
    unsigned char buf[4096 + 16];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n < 300; n += 1 + n / 16) {
            uint32_t z = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf + off, (uInt)n);
            assert_int_equal(lmkv_migrate__crc32(0, buf + off, n), z);
            uint32_t piece = lmkv_migrate__crc32(lmkv_migrate__crc32(0, buf + off, n / 3), buf + off + n / 3, n - n / 3);
            assert_int_equal(piece, z);
        }
    assert_int_equal(lmkv_migrate__crc32(0, buf, sizeof buf), (uint32_t)crc32(0, buf, sizeof buf));
    assert_int_equal(lmkv_migrate__crc32(0, "123456789", 9), 0xCBF43926u); /* the CRC-32 check value */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_equals_zlib),
        cmocka_unit_test(test_fixtures_match_sled),
        cmocka_unit_test(test_gzip_input),
        cmocka_unit_test(test_writer_roundtrip),
        cmocka_unit_test(test_writer_refuses_misuse),
        cmocka_unit_test(test_damage_classes),
        cmocka_unit_test(test_events_of_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
