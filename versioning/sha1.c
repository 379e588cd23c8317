/*
 * sha1.c -- SHA-1 (FIPS 180-4, section 6.1) for git blob ids, so that
 * hashing content needs no libgit2: a non-git workspace never initialises
 * libgit2, whose git_libgit2_init parses the system's whole CA bundle
 * (~4.5 ms of every `lmkv index` process before this).
 *
 * Plain SHA-1, as git's ids are for all ordinary content. git uses SHA-1DC,
 * which also detects the known collision attacks and refuses such crafted
 * blobs; here they hash like any other bytes.
 */
#include "versioning_int.h"

#include <string.h>

static inline uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

/* One 64-byte block. Rounds unrolled with a 16-word rolling schedule (the
 * compiler keeps a..e and w in registers): ~3x the speed of the loop form. */
#define BLK(i) (w[(i) & 15] = rol(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ w[((i) + 2) & 15] ^ w[(i) & 15], 1))
#define R0(v, W, x, y, z, i) z += ((W & (x ^ y)) ^ y) + w[i] + 0x5A827999u + rol(v, 5); W = rol(W, 30);
#define R1(v, W, x, y, z, i) z += ((W & (x ^ y)) ^ y) + BLK(i) + 0x5A827999u + rol(v, 5); W = rol(W, 30);
#define R2(v, W, x, y, z, i) z += (W ^ x ^ y) + BLK(i) + 0x6ED9EBA1u + rol(v, 5); W = rol(W, 30);
#define R3(v, W, x, y, z, i) z += (((W | x) & y) | (W & x)) + BLK(i) + 0x8F1BBCDCu + rol(v, 5); W = rol(W, 30);
#define R4(v, W, x, y, z, i) z += (W ^ x ^ y) + BLK(i) + 0xCA62C1D6u + rol(v, 5); W = rol(W, 30);

static void vsha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    R0(a, b, c, d, e, 0) R0(e, a, b, c, d, 1) R0(d, e, a, b, c, 2) R0(c, d, e, a, b, 3)
    R0(b, c, d, e, a, 4) R0(a, b, c, d, e, 5) R0(e, a, b, c, d, 6) R0(d, e, a, b, c, 7)
    R0(c, d, e, a, b, 8) R0(b, c, d, e, a, 9) R0(a, b, c, d, e, 10) R0(e, a, b, c, d, 11)
    R0(d, e, a, b, c, 12) R0(c, d, e, a, b, 13) R0(b, c, d, e, a, 14) R0(a, b, c, d, e, 15)
    R1(e, a, b, c, d, 16) R1(d, e, a, b, c, 17) R1(c, d, e, a, b, 18) R1(b, c, d, e, a, 19)
    R2(a, b, c, d, e, 20) R2(e, a, b, c, d, 21) R2(d, e, a, b, c, 22) R2(c, d, e, a, b, 23)
    R2(b, c, d, e, a, 24) R2(a, b, c, d, e, 25) R2(e, a, b, c, d, 26) R2(d, e, a, b, c, 27)
    R2(c, d, e, a, b, 28) R2(b, c, d, e, a, 29) R2(a, b, c, d, e, 30) R2(e, a, b, c, d, 31)
    R2(d, e, a, b, c, 32) R2(c, d, e, a, b, 33) R2(b, c, d, e, a, 34) R2(a, b, c, d, e, 35)
    R2(e, a, b, c, d, 36) R2(d, e, a, b, c, 37) R2(c, d, e, a, b, 38) R2(b, c, d, e, a, 39)
    R3(a, b, c, d, e, 40) R3(e, a, b, c, d, 41) R3(d, e, a, b, c, 42) R3(c, d, e, a, b, 43)
    R3(b, c, d, e, a, 44) R3(a, b, c, d, e, 45) R3(e, a, b, c, d, 46) R3(d, e, a, b, c, 47)
    R3(c, d, e, a, b, 48) R3(b, c, d, e, a, 49) R3(a, b, c, d, e, 50) R3(e, a, b, c, d, 51)
    R3(d, e, a, b, c, 52) R3(c, d, e, a, b, 53) R3(b, c, d, e, a, 54) R3(a, b, c, d, e, 55)
    R3(e, a, b, c, d, 56) R3(d, e, a, b, c, 57) R3(c, d, e, a, b, 58) R3(b, c, d, e, a, 59)
    R4(a, b, c, d, e, 60) R4(e, a, b, c, d, 61) R4(d, e, a, b, c, 62) R4(c, d, e, a, b, 63)
    R4(b, c, d, e, a, 64) R4(a, b, c, d, e, 65) R4(e, a, b, c, d, 66) R4(d, e, a, b, c, 67)
    R4(c, d, e, a, b, 68) R4(b, c, d, e, a, 69) R4(a, b, c, d, e, 70) R4(e, a, b, c, d, 71)
    R4(d, e, a, b, c, 72) R4(c, d, e, a, b, 73) R4(b, c, d, e, a, 74) R4(a, b, c, d, e, 75)
    R4(e, a, b, c, d, 76) R4(d, e, a, b, c, 77) R4(c, d, e, a, b, 78) R4(b, c, d, e, a, 79)
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void vsha1_init(struct vsha1 *s)
{
    static const uint32_t iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->n = 0;
}

void vsha1_update(struct vsha1 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->len += len;
    if (s->n) {
        size_t take = 64 - s->n < len ? 64 - s->n : len;
        memcpy(s->buf + s->n, p, take);
        s->n += take;
        p += take;
        len -= take;
        if (s->n < 64) return;
        vsha1_block(s->h, s->buf);
        s->n = 0;
    }
    for (; len >= 64; p += 64, len -= 64) vsha1_block(s->h, p);
    if (len) memcpy(s->buf, p, len);
    s->n = len;
}

void vsha1_final(struct vsha1 *s, uint8_t out[20])
{
    uint64_t bits = s->len * 8;
    uint8_t pad[72] = {0x80};
    size_t padn = s->n < 56 ? 56 - s->n : 120 - s->n;
    for (int i = 0; i < 8; i++) pad[padn + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    vsha1_update(s, pad, padn + 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

void vhex20(char out[LMKV_OID_HEXSZ], const uint8_t id[20])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 20; i++) {
        out[2 * i] = hx[id[i] >> 4];
        out[2 * i + 1] = hx[id[i] & 15];
    }
    out[40] = '\0';
}
