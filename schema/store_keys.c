/*
 * store_keys.c -- key encoding of the schema store (byte tables: schema/KEYS.md).
 *
 *   u64/u32   big-endian, so bytewise order = numeric order
 *   E(s)      escaped string: 0x00 -> 00 FF, other bytes as is, then 00 01.
 *             Order-preserving, and E(a) is never a proper prefix of E(b)
 *             (the terminator 00 01 sorts below every continuation 00 FF
 *             and every byte >= 01 is written as is, so the first
 *             difference decides exactly as for the raw strings).
 *   E'(s)     E(s) without its terminator: a PREFIX of E(t) for every t
 *             that starts with s (the name-prefix searches).
 *   P(s)      raw bytes, only as the last component of a key.
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdlib.h>
#include <string.h>

void lmkv_schema__kb_init(kbuf *k)
{
    k->p = k->small;
    k->len = 0;
    k->cap = sizeof k->small;
    k->oom = 0;
}

void lmkv_schema__kb_free(kbuf *k)
{
    if (k && k->p != k->small)
        free(k->p);
    if (k)
        lmkv_schema__kb_init(k);
}

static int kb_reserve(kbuf *k, size_t more)
{
    if (k->oom)
        return -1;
    if (more > SIZE_MAX - k->len || LMKV_ARRAY_GROW_INLINE(k->p, k->cap, k->len + more, 0, k->small, k->len)) {
        k->oom = 1;
        return -1;
    }
    return 0;
}

void lmkv_schema__kb_u8(kbuf *k, uint8_t v)
{
    if (kb_reserve(k, 1) == 0)
        k->p[k->len++] = v;
}

void lmkv_schema__kb_u32(kbuf *k, uint32_t v)
{
    if (kb_reserve(k, 4) == 0) {
        put_be32(k->p + k->len, v);
        k->len += 4;
    }
}

void lmkv_schema__kb_u64(kbuf *k, uint64_t v)
{
    if (kb_reserve(k, 8) == 0) {
        put_be64(k->p + k->len, v);
        k->len += 8;
    }
}

void lmkv_schema__kb_raw(kbuf *k, const void *p, size_t n)
{
    if (n && kb_reserve(k, n) == 0) {
        memcpy(k->p + k->len, p, n);
        k->len += n;
    }
}

void lmkv_schema__kb_esc_prefix(kbuf *k, const void *s, size_t n)
{
    const uint8_t *b = s;
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++)
        zeros += b[i] == 0;
    if (kb_reserve(k, n + zeros) != 0)
        return;
    if (!zeros) {
        if (n)
            memcpy(k->p + k->len, b, n);
        k->len += n;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        k->p[k->len++] = b[i];
        if (b[i] == 0)
            k->p[k->len++] = 0xFF;
    }
}

void lmkv_schema__kb_esc(kbuf *k, const void *s, size_t n)
{
    lmkv_schema__kb_esc_prefix(k, s, n);
    lmkv_schema__kb_u8(k, 0x00);
    lmkv_schema__kb_u8(k, 0x01);
}

size_t lmkv_schema__esc_len(const uint8_t *p, size_t n, size_t *raw_len)
{
    size_t raw = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            raw++;
            continue;
        }
        if (i + 1 >= n)
            return 0;
        if (p[i + 1] == 0x01) {
            if (raw_len)
                *raw_len = raw;
            return i + 2;
        }
        if (p[i + 1] != 0xFF)
            return 0;
        raw++;
        i++;
    }
    return 0;
}

size_t lmkv_schema__esc_decode(uint8_t *dst, const uint8_t *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) {
            if (i + 1 < n && p[i + 1] == 0x01)
                return o;
            dst[o++] = 0;
            i++;
        } else {
            dst[o++] = p[i];
        }
    }
    return o;
}
