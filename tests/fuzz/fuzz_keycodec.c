/*
 * fuzz_keycodec -- libFuzzer target for kv's private key codec
 * (kv/key_codec.c: lmkv_kv__key_encode, lmkv_kv__record_decode, lmkv_kv__bytes_cmp).
 *
 * Input layout: byte 0 = selector, bytes 1..2 = split point s (u16 LE,
 * modulo the remaining length), the rest R is split into keys a = R[0..s)
 * and b = R[s..). Short inputs are stretched so keys > 500 bytes (the
 * long-key form) are reached: when selector bit 0 is set, each key is
 * repeated (a cyclic copy) to 500 + (selector >> 1) * 3 bytes, so both sides
 * of the 500/501 boundary and long keys sharing a 501-byte group are hit.
 *
 * Properties (a broken one aborts, so the replay in `make test` fails):
 *  1. Round trip: decoding the stored form (E(k), value as lmkv stores it)
 *     gives back exactly k and the value; with a long key's last byte
 *     flipped in the value (past the 501 bytes E(k) keeps) it is
 *     LMKV_ECORRUPT (the hash is rechecked).
 *  2. Order: sign(memcmp(E(a), E(b))) == sign(lmkv_kv__bytes_cmp(a, b)), except
 *     for two long keys of one group (same first 501 bytes), whose stored
 *     keys must then share the 502-byte group prefix (kv_lcur sorts a group
 *     by full key).
 *  3. Injectivity: E(a) == E(b) only if a == b (or a long-key hash
 *     collision, which the fuzzer would report as a finding).
 *  4. Robustness: lmkv_kv__record_decode on arbitrary (key, value) bytes either
 *     returns LMKV_ECORRUPT or points only inside its inputs.
 */
#include "kv_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_keycodec: property broken: %s\n", what);
        abort();
    }
}

static int sign(int c) { return (c > 0) - (c < 0); }

static int enc_cmp(const kv_enc *a, const kv_enc *b)
{
    size_t m = a->size < b->size ? a->size : b->size;
    int c = memcmp(a->buf, b->buf, m);
    if (c) return c;
    return a->size < b->size ? -1 : a->size > b->size ? 1 : 0;
}

static int inside(const void *p, size_t n, const void *base, size_t bn)
{
    const uint8_t *q = p, *b = base;
    if (n == 0) return 1;
    return q >= b && q + n <= b + bn;
}

/* Stored value as lmkv writes it: v for short keys, L||k||v for long keys. */
static uint8_t *stored_value(const kv_enc *e, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn, size_t *out_n)
{
    size_t n = e->is_long ? KV_LONG_HDR + kn + vn : vn;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) abort();
    uint8_t *p = buf;
    if (e->is_long) {
        for (int i = 0; i < 8; i++) p[i] = (uint8_t)((uint64_t)kn >> (8 * i));
        p += KV_LONG_HDR;
        memcpy(p, k, kn);
        p += kn;
    }
    if (vn) memcpy(p, v, vn);
    *out_n = n;
    return buf;
}

static void round_trip(const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    kv_enc e;
    lmkv_kv__key_encode(&e, k, kn);
    check(e.size >= 1 && e.size <= KV_ENC_MAX, "encoded size in 1..510");
    check(e.is_long == (kn > KV_SHORT_MAX), "long form exactly for keys over 500 bytes");
    check(!e.is_long || e.size == KV_ENC_LONG_SIZE, "long form is 510 bytes");
    size_t sn;
    uint8_t *sv = stored_value(&e, k, kn, v, vn, &sn);
    MDB_val mk = {e.size, e.buf}, mv = {sn, sv};
    lmkv_pair p;
    check(lmkv_kv__record_decode(&mk, &mv, &p) == 0, "decode of a valid record succeeds");
    check(p.key_size == kn && (kn == 0 || memcmp(p.key, k, kn) == 0), "decoded key equals the key");
    check(p.value != NULL, "present value is non-NULL");
    check(p.value_size == vn && (vn == 0 || memcmp(p.value, v, vn) == 0), "decoded value equals the value");
    if (e.is_long && kn > KV_LONG_PREFIX) {
        /* damage after the 501 bytes kept in the stored key: only the hash
         * can tell, and decode must (barring an xxh3 collision) */
        sv[KV_LONG_HDR + kn - 1] ^= 0x01;
        check(lmkv_kv__record_decode(&mk, &mv, &p) == LMKV_ECORRUPT, "a long key damaged after its prefix is corrupt");
        lmkv_error_clear();
    }
    free(sv);
}

static uint8_t *stretch(const uint8_t *k, size_t kn, size_t target, size_t *out_n)
{
    if (kn == 0) { *out_n = 0; return NULL; }
    uint8_t *buf = malloc(target);
    if (!buf) abort();
    for (size_t i = 0; i < target; i++) buf[i] = k[i % kn];
    *out_n = target;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    uint8_t sel = data[0];
    size_t rn = size - 3;
    const uint8_t *r = data + 3;
    size_t s = rn ? ((size_t)data[1] | ((size_t)data[2] << 8)) % (rn + 1) : 0;
    const uint8_t *a = r, *b = r + s;
    size_t an = s, bn = rn - s;
    uint8_t *abuf = NULL, *bbuf = NULL;
    if (sel & 1) {
        size_t target = 500 + (size_t)(sel >> 1) * 3;   /* 500 .. 881 */
        abuf = stretch(a, an, target, &an);
        /* b gets a different length so group-sharing keys of unequal length occur */
        bbuf = stretch(b, bn, target - ((sel >> 3) & 3), &bn);
        a = abuf; b = bbuf;
    }

    /* 1. round trips (the other key serves as the value) */
    round_trip(a, an, b, bn);
    round_trip(b, bn, a, an);

    /* 2./3. order and injectivity */
    kv_enc ea, eb;
    lmkv_kv__key_encode(&ea, a, an);
    lmkv_kv__key_encode(&eb, b, bn);
    int want = sign(lmkv_kv__bytes_cmp(a, an, b, bn));
    int got = sign(enc_cmp(&ea, &eb));
    int same_group = ea.is_long && eb.is_long && memcmp(a, b, KV_LONG_PREFIX) == 0;
    if (same_group) {
        check(memcmp(ea.buf, eb.buf, KV_GROUP_PREFIX) == 0, "long keys of one group share the stored prefix");
        if (want != 0) check(got != 0, "distinct long keys of one group have distinct stored keys (xxh3 collision)");
    } else {
        check(want == got, "stored-key order equals user-key order");
    }
    if (got == 0) check(want == 0, "equal stored keys only for equal user keys");

    /* 4. arbitrary stored records: the whole input as key, split at s */
    {
        MDB_val mk = {s, (void *)(data + 3)}, mv = {rn - s, (void *)(data + 3 + s)};
        lmkv_pair p;
        if (mk.mv_size > 0 && lmkv_kv__record_decode(&mk, &mv, &p) == 0) {
            check(inside(p.key, p.key_size, data + 3, rn) || p.key_size == 0, "decoded key inside the record");
            check(p.value != NULL, "decoded value non-NULL");
            check(inside(p.value, p.value_size, data + 3, rn) || p.value_size == 0, "decoded value inside the record");
        }
        lmkv_error_clear();
    }
    free(abuf);
    free(bbuf);
    return 0;
}
