/*
 * key_codec.c -- how a user key of any length is stored as an LMDB key,
 * and the ordered cursor that hides the encoding.
 *
 * LMDB refuses empty keys and keys over 511 bytes (mdb_env_get_maxkeysize).
 * lmkv keys may be empty or arbitrarily long (tested to 1 MiB + 1), so every
 * user key k is stored under an encoded key E(k), P = 500 (KV_SHORT_MAX):
 *
 *   user key k            stored LMDB key E(k)                     bytes    stored LMDB value
 *   --------------------  ---------------------------------------  -------  -------------------------------
 *   empty                 00                                       1        v
 *   1 <= |k| <= 500       01 k[0..|k|)                             2..501   v
 *   |k| > 500             01 k[0..501) H[0..8)                     510      L[0..8) k[0..|k|) v
 *
 *   H = XXH3_64bits(k) as 8 bytes big-endian; L = |k| as u64 little-endian.
 *   The byte 00/01 is the "tag"; 501 = P+1 prefix bytes; 510 <= 511.
 *
 * Why it keeps bytewise order of user keys:
 *  - 00 < 01.., so the empty key is first of all.
 *  - Short vs short: the tag is equal, the rest is the key itself.
 *  - Short s vs long l: s has at most 500 bytes, l's stored form has 501 key
 *    bytes before the hash. Either they differ within s's bytes (true order),
 *    or s is a prefix of l: then E(s) is a proper prefix of E(l), so E(s) < E(l),
 *    as s < l.
 *  - Long vs long whose first 501 bytes differ: they differ inside the prefix.
 *  - Long keys sharing the first 501 bytes (a "group") share the 502-byte
 *    stored prefix (KV_GROUP_PREFIX) and are ordered among themselves by H,
 *    not by key; they are adjacent, so kv_lcur reads a whole group and sorts
 *    it by full key (stored in the value) before returning entries.
 *  - Stored length tells the kinds apart: 1 (empty), 2..501 (short), 510 (long).
 * Two distinct long keys with the same group prefix and the same H would
 * share E(k): a put detects it (the stored full key differs) and fails with
 * LMKV_ECOLLISION; a get of the other key reports absent. Never silent.
 *
 * Integrity on every read: a long-key record is only valid if its full key
 * begins with the 501 bytes of its stored key AND hashes to the stored H.
 * A record failing either (damage, or a record forged under another key's
 * hash) is LMKV_ECORRUPT naming the tree and the key, never an answer:
 *  - the ordered cursor (iteration, first/last, get_lt/gt, checksum, export,
 *    clear's events) recomputes H of every long key it reads (one xxh3 over
 *    the key; short keys are never hashed);
 *  - a point lookup (get, and the lookup inside put/remove) found the record
 *    under E(k) of the caller's key k, whose H it computed to build E(k): a
 *    stored full key equal to k therefore hashes to the stored H with no
 *    second hash; only a stored key different from k is hashed, to tell a
 *    genuine collision (equal H: k is absent, or LMKV_ECOLLISION on put)
 *    from damage (different H: LMKV_ECORRUPT).
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static uint64_t xxh3(const void *p, size_t n) { return XXH3_64bits(p, n); }

/* The long-key hash. Only tests replace it (to force collisions, which
 * xxh3-64 cannot be made to produce on purpose). */
uint64_t (*lmkv_kv__key_hash_fn)(const void *, size_t) = xxh3;

void lmkv_kv__key_encode(kv_enc *out, const void *key, size_t n)
{
    if (n == 0) {
        out->buf[0] = KV_TAG_EMPTY;
        out->size = 1;
        out->is_long = false;
        return;
    }
    out->buf[0] = KV_TAG_KEY;
    if (n <= KV_SHORT_MAX) {
        memcpy(out->buf + 1, key, n);
        out->size = 1 + n;
        out->is_long = false;
        return;
    }
    memcpy(out->buf + 1, key, KV_LONG_PREFIX);
    uint64_t h = lmkv_kv__key_hash_fn(key, n);
    for (int i = 0; i < 8; i++)
        out->buf[1 + KV_LONG_PREFIX + i] = (uint8_t)(h >> (56 - 8 * i));
    out->size = KV_ENC_LONG_SIZE;
    out->is_long = true;
}

int lmkv_kv__bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Whether a long record's full key hashes to the H in its stored key. */
static bool long_hash_ok(const MDB_val *sk, const uint8_t *full, size_t n)
{
    uint64_t h = lmkv_kv__key_hash_fn(full, n);
    const uint8_t *sh = (const uint8_t *)sk->mv_data + 1 + KV_LONG_PREFIX;
    for (int i = 0; i < 8; i++)
        if (sh[i] != (uint8_t)(h >> (56 - 8 * i)))
            return false;
    return true;
}

/* ECORRUPT naming where (tree, or the catalog when st is NULL), the key
 * (hex prefix) when known, and why. */
static int corrupt(const kv_tree_state *st, const void *key, size_t kn, const char *why)
{
    char where[340], kh[80];
    if (st) {
        char tn[300];
        lmkv_kv__tree_label(tn, sizeof tn, st);
        snprintf(where, sizeof where, "%stree '%s'", st->system ? "system " : "", tn);
    } else {
        snprintf(where, sizeof where, "lmkv.catalog");
    }
    if (!key)
        return lmkv_error_set(LMKV_ECORRUPT, "%s: %s", where, why);
    lmkv_kv__hexprefix(kh, sizeof kh, key, kn);
    return lmkv_error_set(LMKV_ECORRUPT, "%s: key %s (%zu bytes): %s", where, kh, kn, why);
}

/* What an empty key or value points at (never NULL). */
static const uint8_t empty[1] = {0};

/* Decode an empty or ordinary (1..P bytes) stored key and its value, in
 * place; false for anything else (a long key, or a malformed one, which
 * decode reports). The hot step of cursors: inline, no error paths. */
static inline bool decode_plain(const MDB_val *sk, const MDB_val *sv, lmkv_pair *out)
{
    const uint8_t *k = sk->mv_data;
    if (sk->mv_size == 1 && k[0] == KV_TAG_EMPTY) {
        out->key = empty;
        out->key_size = 0;
    } else if (sk->mv_size >= 2 && sk->mv_size <= 1 + KV_SHORT_MAX && k[0] == KV_TAG_KEY) {
        out->key = k + 1;
        out->key_size = sk->mv_size - 1;
    } else {
        return false;
    }
    out->value = sv->mv_size ? sv->mv_data : empty;
    out->value_size = sv->mv_size;
    return true;
}

/* Decode a stored record; st names the tree in errors (NULL: the catalog).
 * check_hash: also recompute a long key's hash (see the top comment). */
static int decode(const MDB_val *sk, const MDB_val *sv, lmkv_pair *out, const kv_tree_state *st, bool check_hash)
{
    const uint8_t *k = sk->mv_data;
    char why[160];
    if (decode_plain(sk, sv, out))
        return 0;
    if (sk->mv_size < 2 || k[0] != KV_TAG_KEY) {
        snprintf(why, sizeof why, "stored key of %zu bytes has bad tag", sk->mv_size);
        return corrupt(st, NULL, 0, why);
    }
    if (sk->mv_size != KV_ENC_LONG_SIZE || sv->mv_size < KV_LONG_HDR) {
        snprintf(why, sizeof why, "stored key of %zu bytes is not a valid encoding", sk->mv_size);
        return corrupt(st, NULL, 0, why);
    }
    const uint8_t *v = sv->mv_data;
    uint64_t kl = get_le64(v);
    if (kl <= KV_SHORT_MAX || kl > sv->mv_size - KV_LONG_HDR) {
        snprintf(why, sizeof why, "long-key record: key length %llu does not fit value of %zu bytes",
                 (unsigned long long)kl, sv->mv_size);
        return corrupt(st, k + 1, KV_LONG_PREFIX, why);
    }
    /* the full key must begin with the 501 bytes its stored key was made
     * from, and hash to the stored hash: a damaged or forged record is
     * reported, never returned as another key or in the wrong place */
    if (memcmp(v + KV_LONG_HDR, k + 1, KV_LONG_PREFIX) != 0)
        return corrupt(st, v + KV_LONG_HDR, (size_t)kl,
                       "long-key record: the key in the value does not begin with its stored key: damaged");
    if (check_hash && !long_hash_ok(sk, v + KV_LONG_HDR, (size_t)kl))
        return corrupt(st, v + KV_LONG_HDR, (size_t)kl,
                       "long-key record: the key does not hash to its stored key's xxh3: damaged or forged");
    out->key = v + KV_LONG_HDR;
    out->key_size = (size_t)kl;
    out->value = v + KV_LONG_HDR + kl;
    out->value_size = sv->mv_size - KV_LONG_HDR - (size_t)kl;
    if (out->value_size == 0)
        out->value = empty;
    return 0;
}

int lmkv_kv__record_decode(const MDB_val *sk, const MDB_val *sv, lmkv_pair *out)
{
    return decode(sk, sv, out, NULL, true);
}

/* Decode the long record found under E(key) for the caller's key. Returns
 * 0 (it is key's record), MDB_NOTFOUND (a genuine collision: another key
 * with key's prefix and hash is stored; key itself is absent) or
 * LMKV_ECORRUPT. */
static int decode_found(const MDB_val *sk, const MDB_val *sv, lmkv_pair *p, const kv_tree_state *st,
                        const void *key, size_t ks)
{
    int rc = decode(sk, sv, p, st, false);
    if (rc)
        return rc;
    if (p->key_size == ks && memcmp(p->key, key, ks) == 0)
        return 0; /* sk = E(key): the stored hash is key's own */
    if (!long_hash_ok(sk, p->key, p->key_size))
        return corrupt(st, p->key, p->key_size,
                       "long-key record: the key does not hash to its stored key's xxh3: damaged or forged");
    return MDB_NOTFOUND;
}

/* ------------------------------------------------------------ raw ops */

int lmkv_kv__raw_get(MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st, const void *key, size_t ks, MDB_val *out)
{
    kv_enc e;
    lmkv_kv__key_encode(&e, key, ks);
    MDB_val mk = {e.size, e.buf}, mv;
    int rc = mdb_get(txn, dbi, &mk, &mv);
    if (rc)
        return rc;
    if (!e.is_long) {
        *out = mv;
        return 0;
    }
    lmkv_pair p;
    if ((rc = decode_found(&mk, &mv, &p, st, key, ks)))
        return rc; /* MDB_NOTFOUND: another long key with the same hash: ours is absent */
    out->mv_data = (void *)p.value;
    out->mv_size = p.value_size;
    return 0;
}

int lmkv_kv__raw_put(MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st, const void *key, size_t ks, const void *val,
               size_t vs, unsigned flags)
{
    kv_enc e;
    lmkv_kv__key_encode(&e, key, ks);
    MDB_val mk = {e.size, e.buf}, mv;
    int rc;
    if (!e.is_long) {
        mv.mv_size = vs;
        mv.mv_data = (void *)(vs ? val : "");
        return mdb_put(txn, dbi, &mk, &mv, flags);
    }
    /* Long key: detect a hash collision with a different stored key. */
    rc = mdb_get(txn, dbi, &mk, &mv);
    if (rc == 0) {
        lmkv_pair p;
        rc = decode_found(&mk, &mv, &p, st, key, ks);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        if (rc == MDB_NOTFOUND) {
            char a[80];
            lmkv_kv__hexprefix(a, sizeof a, key, ks);
            return lmkv_error_set(LMKV_ECOLLISION,
                                  "key %s (%zu bytes) and a stored key of %zu bytes share their first %u bytes and xxh3-64",
                                  a, ks, p.key_size, KV_LONG_PREFIX);
        }
    } else if (rc != MDB_NOTFOUND) {
        return rc;
    }
    mv.mv_size = KV_LONG_HDR + ks + vs;
    mv.mv_data = NULL;
    rc = mdb_put(txn, dbi, &mk, &mv, (flags & ~(unsigned)MDB_APPEND) | MDB_RESERVE);
    if (rc)
        return rc;
    uint8_t *d = mv.mv_data;
    uint64_t L = ks;
    for (int i = 0; i < 8; i++)
        d[i] = (uint8_t)(L >> (8 * i));
    memcpy(d + KV_LONG_HDR, key, ks);
    if (vs)
        memcpy(d + KV_LONG_HDR + ks, val, vs);
    return 0;
}

int lmkv_kv__raw_del(MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st, const void *key, size_t ks)
{
    kv_enc e;
    lmkv_kv__key_encode(&e, key, ks);
    MDB_val mk = {e.size, e.buf};
    if (e.is_long) {
        MDB_val v;
        int rc = lmkv_kv__raw_get(txn, dbi, st, key, ks, &v);
        if (rc)
            return rc;
    }
    return mdb_del(txn, dbi, &mk, NULL);
}

/* ------------------------------------------------------------ ordered cursor */

int lmkv_kv__lc_open(kv_lcur *c, MDB_txn *txn, MDB_dbi dbi, const kv_tree_state *st)
{
    c->txn = txn;
    c->dbi = dbi;
    c->st = st;
    c->g = c->g_inline;
    c->gcap = sizeof c->g_inline / sizeof c->g_inline[0];
    c->gn = c->gi = 0;
    c->at = 0;
    c->valid = false;
    c->mc = NULL;
    return mdb_cursor_open(txn, dbi, &c->mc);
}

static void lc_release(kv_lcur *c)
{
    if (c->g && c->g != c->g_inline)
        free(c->g);
    c->g = c->g_inline;
    c->gcap = sizeof c->g_inline / sizeof c->g_inline[0];
    c->gn = 0;
    c->valid = false;
}

void lmkv_kv__lc_close(kv_lcur *c)
{
    if (c->mc)
        mdb_cursor_close(c->mc);
    c->mc = NULL;
    lc_release(c);
}

void lmkv_kv__lc_forget(kv_lcur *c)
{
    c->mc = NULL;
    lc_release(c);
}

static int grp_push(kv_lcur *c, const MDB_val *k, const MDB_val *v)
{
    if (c->gn == c->gcap) {
        if (LMKV_ARRAY_GROW_INLINE(c->g, c->gcap, c->gn + 1, 4, c->g_inline, c->gn))
            return lmkv_error_set(LMKV_ENOMEM, "out of memory reading a key group");
    }
    kv_ent *e = &c->g[c->gn];
    e->sk = *k;
    e->sv = *v;
    int rc = decode(k, v, &e->p, c->st, true);
    if (rc)
        return rc;
    c->gn++;
    return 0;
}

static int ent_cmp(const void *a, const void *b)
{
    const kv_ent *x = a, *y = b;
    return lmkv_kv__bytes_cmp(x->p.key, x->p.key_size, y->p.key, y->p.key_size);
}

static bool same_group(const MDB_val *a, const MDB_val *b)
{
    return kv_stored_is_long(a) && kv_stored_is_long(b) &&
           memcmp(a->mv_data, b->mv_data, KV_GROUP_PREFIX) == 0;
}

/* Load the entry the mdb cursor is on (k, v). dir > 0: we arrived moving
 * forward (or by seek) so a long key is the first of its group; dir < 0:
 * moving backward, it is the last. pick_last selects the last entry of the
 * sorted group (for backward moves) instead of the first. */
static int load_at(kv_lcur *c, MDB_val *k, MDB_val *v, int dir)
{
    int rc;
    c->gn = 0;
    c->valid = false;
    if (!kv_stored_is_long(k)) {
        /* a group of one, decoded in place (no grp_push/decode calls: the
         * common step of every scan) */
        kv_ent *e = &c->g[0];
        if (!decode_plain(k, v, &e->p))
            return decode(k, v, &e->p, c->st, true); /* malformed: its error */
        e->sk = *k;
        e->sv = *v;
        c->gn = 1;
        c->gi = 0;
        c->lo = c->hi = *k;
        c->at = 1;
        c->valid = true;
        return 0;
    }
    if ((rc = grp_push(c, k, v)))
        return rc;
    c->lo = c->hi = *k;
    c->at = dir > 0 ? 1 : 2;
    MDB_val first = *k, nk, nv;
    for (;;) {
        rc = mdb_cursor_get(c->mc, &nk, &nv, dir > 0 ? MDB_NEXT : MDB_PREV);
        if (rc == MDB_NOTFOUND)
            break;
        if (rc)
            return rc;
        if (!same_group(&first, &nk))
            break;
        if ((rc = grp_push(c, &nk, &nv)))
            return rc;
        if (dir > 0)
            c->hi = nk;
        else
            c->lo = nk;
    }
    c->at = 0; /* cursor is past the group: reposition on the next move */
    if (c->gn > 1)
        qsort(c->g, c->gn, sizeof *c->g, ent_cmp);
    c->gi = dir > 0 ? 0 : c->gn - 1;
    c->valid = true;
    return 0;
}

int lmkv_kv__lc_first(kv_lcur *c)
{
    MDB_val k, v;
    c->valid = false;
    int rc = mdb_cursor_get(c->mc, &k, &v, MDB_FIRST);
    if (rc)
        return rc;
    return load_at(c, &k, &v, 1);
}

int lmkv_kv__lc_last(kv_lcur *c)
{
    MDB_val k, v;
    c->valid = false;
    int rc = mdb_cursor_get(c->mc, &k, &v, MDB_LAST);
    if (rc)
        return rc;
    return load_at(c, &k, &v, -1);
}

int lmkv_kv__lc_next(kv_lcur *c)
{
    MDB_val k, v;
    int rc;
    if (!c->valid)
        return MDB_NOTFOUND;
    if (c->gi + 1 < c->gn) {
        c->gi++;
        return 0;
    }
    if (c->at != 2 && !(c->at == 1 && c->gn == 1)) {
        k = c->hi;
        if ((rc = mdb_cursor_get(c->mc, &k, &v, MDB_SET)))
            return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
    }
    c->valid = false;
    rc = mdb_cursor_get(c->mc, &k, &v, MDB_NEXT);
    if (rc)
        return rc;
    return load_at(c, &k, &v, 1);
}

int lmkv_kv__lc_prev(kv_lcur *c)
{
    MDB_val k, v;
    int rc;
    if (!c->valid)
        return MDB_NOTFOUND;
    if (c->gi > 0) {
        c->gi--;
        return 0;
    }
    if (c->at != 1 && !(c->at == 2 && c->gn == 1)) {
        k = c->lo;
        if ((rc = mdb_cursor_get(c->mc, &k, &v, MDB_SET)))
            return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
    }
    c->valid = false;
    rc = mdb_cursor_get(c->mc, &k, &v, MDB_PREV);
    if (rc)
        return rc;
    return load_at(c, &k, &v, -1);
}

int lmkv_kv__lc_seek_ge(kv_lcur *c, const void *key, size_t n)
{
    kv_enc e;
    MDB_val k, v;
    int rc;
    c->valid = false;
    lmkv_kv__key_encode(&e, key, n);
    k.mv_data = e.buf;
    /* For a long key seek to its group prefix: lands on the group's first entry. */
    k.mv_size = e.is_long ? KV_GROUP_PREFIX : e.size;
    rc = mdb_cursor_get(c->mc, &k, &v, MDB_SET_RANGE);
    if (rc)
        return rc;
    if ((rc = load_at(c, &k, &v, 1)))
        return rc;
    /* Within a group (or a lone entry) skip entries < key. */
    while (lmkv_kv__bytes_cmp(kv_lc_cur(c)->key, kv_lc_cur(c)->key_size, key, n) < 0) {
        if ((rc = lmkv_kv__lc_next(c)))
            return rc;
    }
    return 0;
}

int lmkv_kv__lc_seek_gt(kv_lcur *c, const void *key, size_t n)
{
    int rc = lmkv_kv__lc_seek_ge(c, key, n);
    if (rc)
        return rc;
    if (lmkv_kv__bytes_cmp(kv_lc_cur(c)->key, kv_lc_cur(c)->key_size, key, n) == 0)
        return lmkv_kv__lc_next(c);
    return 0;
}

int lmkv_kv__lc_seek_lt(kv_lcur *c, const void *key, size_t n)
{
    int rc = lmkv_kv__lc_seek_ge(c, key, n);
    if (rc == MDB_NOTFOUND)
        return lmkv_kv__lc_last(c);
    if (rc)
        return rc;
    return lmkv_kv__lc_prev(c);
}

int lmkv_kv__lc_seek_le(kv_lcur *c, const void *key, size_t n)
{
    int rc = lmkv_kv__lc_seek_gt(c, key, n);
    if (rc == MDB_NOTFOUND)
        return lmkv_kv__lc_last(c);
    if (rc)
        return rc;
    return lmkv_kv__lc_prev(c);
}
