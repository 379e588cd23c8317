/*
 * fb_builder.c -- the record builder: C struct -> FlatBuffers bytes.
 *
 * Builds front to back in two passes over the descriptor (see the layout
 * table in fb_int.h): pass 1 decides which fields are present and where
 * every object goes, pass 2 writes into the builder's reusable buffer,
 * which grows (doubling) only when a record is larger than any before it.
 * No allocation per field or per record.
 */
#include <stdlib.h>

#include "fb_int.h"
#include "kv_array_int.h"

struct lmkv_fbb {
    uint8_t *buf;
    size_t cap;
};

#define FB_MAX_FIELDS 64

int lmkv_fbb_new(lmkv_fbb **out)
{
    if (!out) return lmkv_error_set(LMKV_EINVAL, "lmkv_fbb_new: out is NULL");
    lmkv_fbb *b = calloc(1, sizeof *b);
    if (!b) return lmkv_error_set(LMKV_ENOMEM, "lmkv_fbb_new: out of memory");
    b->cap = 1024;
    b->buf = malloc(b->cap);
    if (!b->buf) {
        free(b);
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_fbb_new: out of memory");
    }
    *out = b;
    return LMKV_OK;
}

void lmkv_fbb_free(lmkv_fbb *b)
{
    if (!b) return;
    free(b->buf);
    free(b);
}

static int fbb_reserve(lmkv_fbb *b, size_t n)
{
    if (LMKV_ARRAY_GROW(b->buf, b->cap, n, 1024))
        return lmkv_error_set(LMKV_ENOMEM, "record builder: cannot grow buffer to %zu bytes", n);
    return LMKV_OK;
}

static size_t al4(size_t x) { return (x + 3) & ~(size_t)3; }

/* Integer value of a scalar C field, as int64 bit pattern for u64. */
static int64_t field_int(const fb_field *f, const uint8_t *r)
{
    const void *p = r + f->coff;
    switch (f->type) {
    case FB_BOOL: { int v; memcpy(&v, p, sizeof v); return v != 0; }
    case FB_ENUM8: { int v; memcpy(&v, p, sizeof v); return v; }
    case FB_I32: { int32_t v; memcpy(&v, p, sizeof v); return v; }
    case FB_U32: { uint32_t v; memcpy(&v, p, sizeof v); return v; }
    case FB_I64: { int64_t v; memcpy(&v, p, sizeof v); return v; }
    case FB_U64: { uint64_t v; memcpy(&v, p, sizeof v); return (int64_t)v; }
    default: return 0;
    }
}

static float field_f32(const fb_field *f, const uint8_t *r)
{
    float v;
    memcpy(&v, r + f->coff, sizeof v);
    return v;
}

/* Per-field plan. */
typedef struct fplan {
    uint8_t present;
    uint32_t toff;     /* offset of the inline part from the table start */
    size_t obj;        /* position of the out-of-line object */
    size_t len;        /* string length / byte count / element count */
} fplan;

/* A record with every field at its default (descriptor t). */
void lmkv_schema__fb_init(const fb_table *t, void *rec)
{
    uint8_t *r = rec;
    memset(rec, 0, t->csize);
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        void *c = r + f->coff;
        switch (f->type) {
        case FB_BOOL: case FB_ENUM8: { int x = (int)f->def_i; memcpy(c, &x, sizeof x); break; }
        case FB_I32: case FB_U32: { uint32_t x = (uint32_t)f->def_i; memcpy(c, &x, sizeof x); break; }
        case FB_I64: case FB_U64: { uint64_t x = (uint64_t)f->def_i; memcpy(c, &x, sizeof x); break; }
        case FB_F32: { float x = (float)f->def_f; memcpy(c, &x, sizeof x); break; }
        default: break; /* pointers and vectors: zeroed = absent */
        }
    }
}

/* Pass 1a for field f of record r: presence (into p), validation and
 * limits. LMKV_OK or the error (set). */
static int plan_field(const fb_table *t, const fb_field *f, const uint8_t *r, fplan *p)
{
    memset(p, 0, sizeof *p);
    switch (f->type) {
    case FB_STR: {
        const char *s;
        memcpy(&s, r + f->coff, sizeof s);
        if (s) {
            p->present = 1;
            p->len = strlen(s);
            if (p->len > LMKV_RECORD_MAX_SIZE)
                return lmkv_error_set(LMKV_ETOOBIG, "record %s: field %s: string of %zu bytes over the record limit",
                                      t->name, f->name, p->len);
        }
        break;
    }
    case FB_BYTES: {
        lmkv_ubytes v;
        memcpy(&v, r + f->coff, sizeof v);
        if (v.data) {
            p->present = 1;
            p->len = v.len;
            if (v.len > LMKV_RECORD_MAX_SIZE)
                return lmkv_error_set(LMKV_ETOOBIG, "record %s: field %s: %zu bytes over the record limit",
                                      t->name, f->name, v.len);
        }
        break;
    }
    case FB_STRVEC: {
        lmkv_strvec v;
        memcpy(&v, r + f->coff, sizeof v);
        if (v.items) {
            p->present = 1;
            p->len = v.count;
            if (v.count > LMKV_RECORD_MAX_SIZE / 8)
                return lmkv_error_set(LMKV_ETOOBIG, "record %s: field %s: %u strings over the record limit",
                                      t->name, f->name, v.count);
            for (uint32_t k = 0; k < v.count; k++)
                if (!v.items[k])
                    return lmkv_error_set(LMKV_EINVAL, "record %s: field %s: string %u is NULL",
                                          t->name, f->name, k);
        }
        break;
    }
    case FB_F32: {
        /* Bitwise, so -0.0 and NaN payloads survive a round trip. */
        float v = field_f32(f, r), d = (float)f->def_f;
        p->present = memcmp(&v, &d, sizeof v) != 0;
        break;
    }
    default: {
        int64_t v = field_int(f, r);
        if (f->type == FB_ENUM8 && (v < 0 || v > 255))
            return lmkv_error_set(LMKV_EINVAL, "record %s: field %s: enum value %lld outside 0..255",
                                  t->name, f->name, (long long)v);
        p->present = v != f->def_i;
        break;
    }
    }
    return LMKV_OK;
}

/* Where the parts of one record go (pass 1b). */
typedef struct flayout {
    size_t vt_pos, vt_size;   /* vtable */
    size_t tpos, tsize;       /* table and its inline size */
    size_t total;             /* whole record */
} flayout;

/* Pass 1b: the inline offset of every present field and the position of
 * every out-of-line object (into plan), and the layout (into *lo); maxid
 * is the highest present field id, n8/n4/n1 the present fields by wire
 * size. LMKV_OK or LMKV_ETOOBIG (set). */
static int plan_layout(const fb_table *t, const uint8_t *r, fplan *plan, int maxid,
                       size_t n8, size_t n4, size_t n1, flayout *lo)
{
    size_t nvt = (size_t)(maxid + 1);
    size_t vt_pos = 8, vt_size = 4 + 2 * nvt;
    size_t tpos = al4(vt_pos + vt_size);
    if (n8 && (tpos % 8) != 4) tpos += 4;
    size_t o8 = 4, o4 = 4 + 8 * n8, o1 = o4 + 4 * n4;
    size_t tsize = o1 + n1;
    for (uint16_t i = 0; i < t->nfields; i++) {
        if (!plan[i].present) continue;
        size_t ws = fb_wsize(t->fields[i].type);
        if (ws == 8) { plan[i].toff = (uint32_t)o8; o8 += 8; }
        else if (ws == 4) { plan[i].toff = (uint32_t)o4; o4 += 4; }
        else { plan[i].toff = (uint32_t)o1; o1 += 1; }
    }
    size_t cur = tpos + tsize;
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        fplan *p = &plan[i];
        if (!p->present || !fb_is_ref(f->type)) continue;
        cur = al4(cur);
        p->obj = cur;
        if (f->type == FB_STR) cur += 4 + p->len + 1;
        else if (f->type == FB_BYTES) cur += 4 + p->len;
        else {
            lmkv_strvec v;
            memcpy(&v, r + f->coff, sizeof v);
            cur += 4 + 4 * p->len;
            for (uint32_t k = 0; k < v.count; k++) {
                size_t sl = strlen(v.items[k]);
                if (sl > LMKV_RECORD_MAX_SIZE || cur > LMKV_RECORD_MAX_SIZE)
                    return lmkv_error_set(LMKV_ETOOBIG, "record %s: field %s: over the record limit", t->name, f->name);
                cur = al4(cur) + 4 + sl + 1;
            }
        }
        if (cur > LMKV_RECORD_MAX_SIZE)
            return lmkv_error_set(LMKV_ETOOBIG, "record %s: %zu+ bytes, over the limit of %zu",
                                  t->name, cur, (size_t)LMKV_RECORD_MAX_SIZE);
    }
    size_t total = cur;
    if (total > LMKV_RECORD_MAX_SIZE)
        return lmkv_error_set(LMKV_ETOOBIG, "record %s: %zu bytes, over the limit of %zu",
                              t->name, total, (size_t)LMKV_RECORD_MAX_SIZE);
    *lo = (flayout){ vt_pos, vt_size, tpos, tsize, total };
    return LMKV_OK;
}

/* Pass 2 for present field f (plan p) of record r: its inline part at fp
 * and its out-of-line object, in the record w. */
static void write_field(uint8_t *w, uint8_t *fp, const fb_field *f, const fplan *p, const uint8_t *r)
{
    switch (f->type) {
    case FB_BOOL: case FB_ENUM8: *fp = (uint8_t)field_int(f, r); break;
    case FB_I32: case FB_U32: fb_st32(fp, (uint32_t)field_int(f, r)); break;
    case FB_I64: case FB_U64: fb_st64(fp, (uint64_t)field_int(f, r)); break;
    case FB_F32: {
        float v = field_f32(f, r);
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        fb_st32(fp, bits);
        break;
    }
    case FB_STR: {
        const char *s;
        memcpy(&s, r + f->coff, sizeof s);
        fb_st32(fp, (uint32_t)(p->obj - (size_t)(fp - w)));
        fb_st32(w + p->obj, (uint32_t)p->len);
        memcpy(w + p->obj + 4, s, p->len);
        break;
    }
    case FB_BYTES: {
        lmkv_ubytes v;
        memcpy(&v, r + f->coff, sizeof v);
        fb_st32(fp, (uint32_t)(p->obj - (size_t)(fp - w)));
        fb_st32(w + p->obj, (uint32_t)p->len);
        if (p->len) memcpy(w + p->obj + 4, v.data, p->len);
        break;
    }
    case FB_STRVEC: {
        lmkv_strvec v;
        memcpy(&v, r + f->coff, sizeof v);
        fb_st32(fp, (uint32_t)(p->obj - (size_t)(fp - w)));
        fb_st32(w + p->obj, v.count);
        size_t s = p->obj + 4 + 4 * (size_t)v.count;
        for (uint32_t k = 0; k < v.count; k++) {
            size_t slot = p->obj + 4 + 4 * (size_t)k;
            size_t sl = strlen(v.items[k]);
            s = al4(s);
            fb_st32(w + slot, (uint32_t)(s - slot));
            fb_st32(w + s, (uint32_t)sl);
            memcpy(w + s + 4, v.items[k], sl);
            s += 4 + sl + 1;
        }
        break;
    }
    default: break;
    }
}

int lmkv_schema__fb_build(lmkv_fbb *b, const fb_table *t, const void *rec,
                  const uint8_t **out, size_t *outlen)
{
    if (!b || !t || !rec || !out || !outlen)
        return lmkv_error_set(LMKV_EINVAL, "record build: NULL argument");
    if (t->nfields > FB_MAX_FIELDS)
        return lmkv_error_set(LMKV_EINVAL, "record build: table %s has too many fields", t->name);

    const uint8_t *r = rec;
    fplan plan[FB_MAX_FIELDS];
    int maxid = -1;
    size_t n8 = 0, n4 = 0, n1 = 0;

    /* Pass 1a: presence, validation, inline sizes. */
    for (uint16_t i = 0; i < t->nfields; i++) {
        int rc = plan_field(t, &t->fields[i], r, &plan[i]);
        if (rc != LMKV_OK) return rc;
        if (!plan[i].present) continue;
        maxid = i;
        size_t ws = fb_wsize(t->fields[i].type);
        if (ws == 8) n8++;
        else if (ws == 4) n4++;
        else n1++;
    }

    /* Pass 1b: positions. */
    flayout lo = { 0 };
    int rc = plan_layout(t, r, plan, maxid, n8, n4, n1, &lo);
    if (rc) return rc;
    rc = fbb_reserve(b, lo.total);
    if (rc) return rc;

    /* Pass 2: write. */
    uint8_t *w = b->buf;
    memset(w, 0, lo.total);
    fb_st32(w, (uint32_t)lo.tpos);
    memcpy(w + 4, t->ident, 4);
    fb_st16(w + lo.vt_pos, (uint16_t)lo.vt_size);
    fb_st16(w + lo.vt_pos + 2, (uint16_t)lo.tsize);
    fb_st32(w + lo.tpos, (uint32_t)(lo.tpos - lo.vt_pos)); /* soffset: vtable = table - soffset */
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fplan *p = &plan[i];
        if (!p->present) continue;
        fb_st16(w + lo.vt_pos + 4 + 2 * i, (uint16_t)p->toff);
        write_field(w, w + lo.tpos + p->toff, &t->fields[i], p, r);
    }
    *out = w;
    *outlen = lo.total;
    return LMKV_OK;
}
