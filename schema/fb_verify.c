/*
 * fb_verify.c -- the record verifier and zero-copy reader.
 *
 * The verifier follows FlatBuffers' own (flatbuffers/verifier.h, 2.0.8):
 * every offset is checked before it is followed, alignment is checked
 * relative to the start of the buffer (so a record stored at any address,
 * e.g. inside an LMDB page, verifies the same), every load is a
 * little-endian byte load (no unaligned or out-of-bounds access), and the
 * first failure is reported with its byte offset. Checks, in order:
 *
 *   buffer     8 <= len <= LMKV_RECORD_MAX_SIZE; file_identifier (optional)
 *   root       uoffset at 0, 4-aligned, table start + 4 inside the buffer
 *   vtable     table - soffset inside the buffer, 2-aligned, size even and
 *              >= 4, whole vtable inside; table inline size >= 4 and the
 *              table inside the buffer
 *   fields     for each field the reader knows (id < vtable entries):
 *              offset + wire size <= table inline size, aligned to the wire
 *              size; unknown trailing entries (newer writers) are ignored
 *   offsets    uoffset != 0, < 2^31, target 4-aligned and inside
 *   string     u32 length, bytes and a NUL terminator inside the buffer
 *   [ubyte]    u32 length and the bytes inside
 *   [string]   u32 count, count offsets inside, each a valid string
 *   depth      <= FB_MAX_DEPTH (table 1, vector 2, string 3)
 */
#include "fb_int.h"

typedef struct vctx {
    const uint8_t *b;
    size_t len;
    const fb_table *t;
} vctx;

/* Every use passes at least one argument after the format. */
#define CORRUPT(v, off, fmt, ...) \
    lmkv_error_set(LMKV_ECORRUPT, "record %s: byte %zu: " fmt, (v)->t->name, (size_t)(off), __VA_ARGS__)

/* Follow the uoffset stored at `at` (4 bytes known to be inside). */
static int follow(const vctx *v, size_t at, const char *what, size_t *target, int depth)
{
    if (depth > FB_MAX_DEPTH) return CORRUPT(v, at, "%s: nesting deeper than %d", what, FB_MAX_DEPTH);
    uint32_t u = fb_ld32(v->b + at);
    if (u == 0 || u > INT32_MAX) return CORRUPT(v, at, "%s: offset %u out of range", what, u);
    size_t tg = at + u;
    if (tg % 4) return CORRUPT(v, at, "%s: offset %u points to unaligned byte %zu", what, u, tg);
    if (tg > v->len || v->len - tg < 4)
        return CORRUPT(v, at, "%s: offset %u points past the end (%zu bytes)", what, u, v->len);
    *target = tg;
    return LMKV_OK;
}

static int verify_string(const vctx *v, size_t at, const char *what, int depth)
{
    size_t s = 0;
    int rc = follow(v, at, what, &s, depth);
    if (rc) return rc;
    uint32_t n = fb_ld32(v->b + s);
    if ((uint64_t)n + 1 > (uint64_t)(v->len - s - 4))
        return CORRUPT(v, s, "%s: string length %u runs past the end", what, n);
    if (v->b[s + 4 + n] != 0)
        return CORRUPT(v, s + 4 + n, "%s: string is not NUL-terminated", what);
    return LMKV_OK;
}

static int verify_field(const vctx *v, const fb_field *f, size_t fp, int depth)
{
    size_t tg = 0;
    int rc;
    switch (f->type) {
    case FB_STR:
        return verify_string(v, fp, f->name, depth + 1);
    case FB_BYTES:
        if ((rc = follow(v, fp, f->name, &tg, depth + 1))) return rc;
        if ((uint64_t)fb_ld32(v->b + tg) > (uint64_t)(v->len - tg - 4))
            return CORRUPT(v, tg, "%s: vector length %u runs past the end", f->name, fb_ld32(v->b + tg));
        return LMKV_OK;
    case FB_STRVEC: {
        if ((rc = follow(v, fp, f->name, &tg, depth + 1))) return rc;
        uint32_t n = fb_ld32(v->b + tg);
        if ((uint64_t)n * 4 > (uint64_t)(v->len - tg - 4))
            return CORRUPT(v, tg, "%s: vector of %u offsets runs past the end", f->name, n);
        for (uint32_t k = 0; k < n; k++)
            if ((rc = verify_string(v, tg + 4 + 4 * (size_t)k, f->name, depth + 2))) return rc;
        return LMKV_OK;
    }
    default:
        return LMKV_OK;
    }
}

/* Locate the root table and its vtable; verified. */
static int verify_root(const vctx *v, int check_ident, size_t *tpos, size_t *vt, uint16_t *vsize, uint16_t *tsize)
{
    if (v->len < 8) return CORRUPT(v, 0, "record of %zu bytes is shorter than 8", v->len);
    if (v->len > LMKV_RECORD_MAX_SIZE)
        return CORRUPT(v, 0, "record of %zu bytes is over the limit of %zu", v->len, (size_t)LMKV_RECORD_MAX_SIZE);
    if (check_ident && memcmp(v->b + 4, v->t->ident, 4) != 0)
        return CORRUPT(v, 4, "file_identifier is not \"%s\"", v->t->ident);
    size_t t = 0;
    int rc = follow(v, 0, "root", &t, 1);
    if (rc) return rc;
    int64_t so = (int32_t)fb_ld32(v->b + t);
    int64_t vpos = (int64_t)t - so;
    if (vpos < 0 || vpos > (int64_t)v->len - 4)
        return CORRUPT(v, t, "vtable offset %lld points outside the buffer", (long long)so);
    if (vpos % 2) return CORRUPT(v, t, "vtable at unaligned byte %lld", (long long)vpos);
    uint16_t vs = fb_ld16(v->b + vpos), ts = fb_ld16(v->b + vpos + 2);
    if (vs < 4 || (vs & 1)) return CORRUPT(v, (size_t)vpos, "vtable size %u is invalid", vs);
    if ((size_t)vpos + vs > v->len) return CORRUPT(v, (size_t)vpos, "vtable of %u bytes runs past the end", vs);
    if (ts < 4) return CORRUPT(v, (size_t)vpos + 2, "table size %u is below 4", ts);
    if (t + ts > v->len) return CORRUPT(v, t, "table of %u bytes runs past the end", ts);
    *tpos = t;
    *vt = (size_t)vpos;
    *vsize = vs;
    *tsize = ts;
    return LMKV_OK;
}

/* Offset of field id i inside the table, 0 if absent. */
static uint16_t field_off(const uint8_t *b, size_t vt, uint16_t vsize, uint16_t i)
{
    size_t e = 4 + 2 * (size_t)i;
    return e + 2 <= vsize ? fb_ld16(b + vt + e) : 0;
}

int lmkv_schema__fb_verify(const fb_table *t, const void *buf, size_t len, int check_ident)
{
    if (!t) return lmkv_error_set(LMKV_EINVAL, "record verify: unknown record type");
    if (!buf && len) return lmkv_error_set(LMKV_EINVAL, "record verify: buffer is NULL");
    vctx v = { buf, len, t };
    size_t tpos = 0, vt = 0;
    uint16_t vsize = 0, tsize = 0;
    int rc = verify_root(&v, check_ident, &tpos, &vt, &vsize, &tsize);
    if (rc) return rc;
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        uint16_t fo = field_off(v.b, vt, vsize, i);
        if (!fo) continue;
        size_t ws = fb_wsize(f->type);
        if ((size_t)fo + ws > tsize)
            return CORRUPT(&v, vt + 4 + 2 * (size_t)i, "field %s at table offset %u runs past the table (%u bytes)",
                           f->name, fo, tsize);
        size_t fp = tpos + fo;
        if (fp % ws) return CORRUPT(&v, fp, "field %s is not %zu-byte aligned", f->name, ws);
        if ((rc = verify_field(&v, f, fp, 1))) return rc;
    }
    return LMKV_OK;
}

int lmkv_schema__fb_read(const fb_table *t, void *rec, const void *buf, size_t len, int check_ident)
{
    if (!rec) return lmkv_error_set(LMKV_EINVAL, "record read: out is NULL");
    int rc = lmkv_schema__fb_verify(t, buf, len, check_ident);
    if (rc) return rc;
    const uint8_t *b = buf;
    uint8_t *r = rec;
    size_t tpos = fb_ld32(b);
    size_t vt = (size_t)((int64_t)tpos - (int32_t)fb_ld32(b + tpos));
    uint16_t vsize = fb_ld16(b + vt);
    lmkv_schema__fb_init(t, rec);
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        uint16_t fo = field_off(b, vt, vsize, i);
        if (!fo) continue;
        const uint8_t *fp = b + tpos + fo;
        void *c = r + f->coff;
        switch (f->type) {
        case FB_BOOL: { int x = *fp != 0; memcpy(c, &x, sizeof x); break; }
        case FB_ENUM8: { int x = *fp; memcpy(c, &x, sizeof x); break; }
        case FB_I32: case FB_U32: case FB_F32: { uint32_t x = fb_ld32(fp); memcpy(c, &x, sizeof x); break; }
        case FB_I64: case FB_U64: { uint64_t x = fb_ld64(fp); memcpy(c, &x, sizeof x); break; }
        case FB_STR: {
            const char *s = (const char *)(fp + fb_ld32(fp) + 4);
            memcpy(c, &s, sizeof s);
            break;
        }
        case FB_BYTES: {
            const uint8_t *vp = fp + fb_ld32(fp);
            lmkv_ubytes x = { vp + 4, fb_ld32(vp) };
            memcpy(c, &x, sizeof x);
            break;
        }
        case FB_STRVEC: {
            const uint8_t *vp = fp + fb_ld32(fp);
            lmkv_strvec x = { NULL, fb_ld32(vp), vp };
            memcpy(c, &x, sizeof x);
            break;
        }
        default: break;
        }
    }
    return LMKV_OK;
}

const char *lmkv_strvec_get(const lmkv_strvec *v, uint32_t i)
{
    if (!v || i >= v->count) return NULL;
    if (v->items) return v->items[i];
    if (!v->fb_) return NULL;
    const uint8_t *slot = v->fb_ + 4 + 4 * (size_t)i;
    return (const char *)(slot + fb_ld32(slot) + 4);
}

int lmkv_strvec_present(const lmkv_strvec *v)
{
    return v && (v->items || v->fb_);
}
