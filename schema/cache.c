/*
 * cache.c -- the LSP response cache (key layouts: schema/KEYS.md, "LSP
 * response cache").
 *
 * Reads never write: a hit's access time/count and the per-(ws, method,
 * day) hit/miss counters go to an in-memory buffer that is applied in ONE
 * write txn when `flush_every_reads` reads or `flush_every_ms` ms have
 * passed (checked on each call), on lmkv_cache_flush, on close, and at the
 * start of every put (so eviction sees the latest access order).
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <xxhash.h>

#define NS_PER_DAY (86400LL * 1000000000LL)
static const char META_BYTES[] = "bytes";

/* One buffered access: key K, newest access time, number of hits. */
typedef struct acc {
    uint8_t *key;
    size_t len;
    uint64_t hash;
    int64_t atime;
    uint64_t hits;
} acc;

/* One buffered counter row. */
typedef struct statbuf {
    uint64_t ws;
    uint32_t day;
    char *method;
    uint64_t hits, misses;
} statbuf;

struct lmkv_cache {
    lmkv_store *st;
    lmkv_cache_config cfg;
    pthread_mutex_t mu;        /* guards the buffers below */
    pthread_mutex_t flush_mu;  /* guards fbb; see begin_write for the lock order */
    acc *accs;                 /* open addressing, key hash; len 0 = empty */
    size_t acc_cap, acc_n;
    statbuf *stats;
    size_t stat_n, stat_cap;
    unsigned reads;
    int64_t last_flush_ns;
    lmkv_fbb *fbb;             /* under flush_mu */
};

/* ================================================================ keys */

static int build_key(kbuf *k, const lmkv_cache_key *key)
{
    if (!key || !key->method || !key->path)
        return lmkv_error_set(LMKV_EINVAL, "cache: NULL key, method or path");
    lmkv_schema__kb_u64(k, key->ws);
    lmkv_schema__kb_esc(k, key->path, strlen(key->path));
    lmkv_schema__kb_u64(k, key->content_version);
    lmkv_schema__kb_esc(k, key->method, strlen(key->method));
    /* no position (LMKV_POSITION_NONE) is 0,0 in the key, as before it existed */
    lmkv_schema__kb_u32(k, key->line == LMKV_POSITION_NONE ? 0 : key->line);
    lmkv_schema__kb_u32(k, key->character == LMKV_POSITION_NONE ? 0 : key->character);
    lmkv_schema__kb_u64(k, key->params_hash);
    if (!kb_ok(k))
        return lmkv_error_set(LMKV_ENOMEM, "cache: out of memory building a key");
    return LMKV_OK;
}

int lmkv_cache_params_hash(uint64_t *out, const char *json, size_t len)
{
    if (!out || (!json && len))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_params_hash: NULL argument");
    json_error_t err;
    json_t *j = json_loadb(json ? json : "", len, JSON_DECODE_ANY, &err);
    if (!j)
        return lmkv_error_set(LMKV_EPARSE, "lmkv_cache_params_hash: params JSON: byte %d (line %d): %s",
                              err.position, err.line, err.text);
    char *norm = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(j);
    if (!norm)
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_cache_params_hash: out of memory");
    *out = XXH3_64bits(norm, strlen(norm));
    free(norm);
    return LMKV_OK;
}

/* ================================================================ open/close */

int lmkv_cache_open(lmkv_cache **out, lmkv_store *st, const lmkv_cache_config *cfg)
{
    if (!out || !st)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_open: NULL argument");
    lmkv_cache *c = calloc(1, sizeof *c);
    if (!c)
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_cache_open: out of memory");
    c->st = st;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.max_entry_bytes)
        c->cfg.max_entry_bytes = LMKV_CACHE_MAX_ENTRY_DEFAULT;
    if (!c->cfg.flush_every_reads)
        c->cfg.flush_every_reads = 256;
    if (!c->cfg.flush_every_ms)
        c->cfg.flush_every_ms = 1000;
    c->acc_cap = 16;
    while (c->acc_cap < (size_t)c->cfg.flush_every_reads * 2)
        c->acc_cap *= 2;
    c->accs = calloc(c->acc_cap, sizeof *c->accs);
    int rc = c->accs ? lmkv_fbb_new(&c->fbb) : LMKV_ENOMEM;
    if (rc != LMKV_OK) {
        free(c->accs);
        free(c);
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_cache_open: out of memory");
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->flush_mu, NULL);
    c->last_flush_ns = lmkv_schema__store_now_ns();
    *out = c;
    return LMKV_OK;
}

static void buffers_free(acc *accs, size_t cap, statbuf *stats, size_t n)
{
    for (size_t i = 0; i < cap; i++)
        free(accs[i].key);
    free(accs);
    for (size_t i = 0; i < n; i++)
        free(stats[i].method);
    free(stats);
}

int lmkv_cache_close(lmkv_cache *c)
{
    if (!c)
        return LMKV_OK;
    int rc = LMKV_OK;
    if (!c->st->read_only)
        rc = lmkv_cache_flush(c);
    buffers_free(c->accs, c->acc_cap, c->stats, c->stat_n);
    lmkv_fbb_free(c->fbb);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->flush_mu);
    free(c);
    return rc;
}

/* ================================================================ buffer */

/* Under c->mu. Returns 0, or -1 if the table is full (flush needed) / OOM. */
static int acc_note(lmkv_cache *c, const uint8_t *key, size_t len, int64_t now)
{
    uint64_t h = XXH3_64bits(key, len);
    size_t i = (size_t)h & (c->acc_cap - 1);
    while (c->accs[i].key) {
        acc *a = &c->accs[i];
        if (a->hash == h && a->len == len && memcmp(a->key, key, len) == 0) {
            if (now > a->atime)
                a->atime = now;
            a->hits++;
            return 0;
        }
        i = (i + 1) & (c->acc_cap - 1);
    }
    if (c->acc_n * 4 >= c->acc_cap * 3)
        return -1;
    uint8_t *kc = malloc(len ? len : 1);
    if (!kc)
        return -1;
    memcpy(kc, key, len);
    c->accs[i] = (acc){ kc, len, h, now, 1 };
    c->acc_n++;
    return 0;
}

/* Under c->mu. */
static void stat_note(lmkv_cache *c, uint64_t ws, const char *method, uint32_t day, int hit)
{
    for (size_t i = 0; i < c->stat_n; i++) {
        statbuf *s = &c->stats[i];
        if (s->ws == ws && s->day == day && strcmp(s->method, method) == 0) {
            if (hit)
                s->hits++;
            else
                s->misses++;
            return;
        }
    }
    if (c->stat_n == c->stat_cap && LMKV_ARRAY_GROW(c->stats, c->stat_cap, c->stat_cap + 1, 16))
        return; /* counters are advisory: drop on OOM */
    char *m = strdup(method);
    if (!m)
        return;
    c->stats[c->stat_n++] = (statbuf){ ws, day, m, hit ? 1u : 0u, hit ? 0u : 1u };
}

/* ================================================================ write helpers */

static int tput(lmkv_txn *txn, lmkv_store *st, enum store_tree tr, const void *k, size_t kn,
                const void *v, size_t vn)
{
    int rc = lmkv_txn_insert(txn, st->t[tr], k, kn, v, vn);
    return rc == LMKV_OK ? rc : lmkv_schema__store_err_key(rc, tr, k, kn, "insert failed");
}

static int tdel(lmkv_txn *txn, lmkv_store *st, enum store_tree tr, const void *k, size_t kn)
{
    int rc = lmkv_txn_remove(txn, st->t[tr], k, kn);
    if (rc == LMKV_NOTFOUND)
        return LMKV_OK;
    return rc == LMKV_OK ? rc : lmkv_schema__store_err_key(rc, tr, k, kn, "remove failed");
}

static int meta_bytes_get(uint64_t *out, lmkv_txn *txn, lmkv_store *st)
{
    *out = 0;
    if (!st->t[T_CACHE_META])
        return LMKV_OK;
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, st->t[T_CACHE_META], META_BYTES, sizeof META_BYTES - 1);
    if (rc == LMKV_NOTFOUND)
        return LMKV_OK;
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_CACHE_META, META_BYTES, sizeof META_BYTES - 1, "get failed");
    if (p.value_size != 8)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_CACHE_META, META_BYTES, sizeof META_BYTES - 1, "value is not 8 bytes");
    *out = get_be64(p.value);
    return LMKV_OK;
}

static int meta_bytes_put(lmkv_txn *txn, lmkv_store *st, uint64_t v)
{
    uint8_t b[8];
    put_be64(b, v);
    return tput(txn, st, T_CACHE_META, META_BYTES, sizeof META_BYTES - 1, b, 8);
}

/* LRU key: atime(8) K */
static int lru_key(kbuf *lk, int64_t atime, const uint8_t *k, size_t kn)
{
    kb_reset(lk);
    lmkv_schema__kb_u64(lk, (uint64_t)atime);
    lmkv_schema__kb_raw(lk, k, kn);
    return kb_ok(lk) ? LMKV_OK : lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
}

/* Delete entry K (entry, atime, lru); *freed = its size (0 if absent). */
static int entry_delete(uint64_t *freed, lmkv_txn *txn, lmkv_store *st, const uint8_t *k, size_t kn)
{
    *freed = 0;
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, st->t[T_CACHE_ATIME], k, kn);
    if (rc == LMKV_OK && p.value_size == ATIME_VALUE_LEN) {
        int64_t at = (int64_t)get_be64(p.value);
        *freed = get_be64(p.value + 16);
        kbuf lk;
        lmkv_schema__kb_init(&lk);
        rc = lru_key(&lk, at, k, kn);
        if (rc == LMKV_OK)
            rc = tdel(txn, st, T_CACHE_LRU, lk.p, lk.len);
        lmkv_schema__kb_free(&lk);
        if (rc != LMKV_OK)
            return rc;
    } else if (rc != LMKV_OK && rc != LMKV_NOTFOUND) {
        return lmkv_schema__store_err_key(rc, T_CACHE_ATIME, k, kn, "get failed");
    }
    if ((rc = tdel(txn, st, T_CACHE_ATIME, k, kn)) != LMKV_OK)
        return rc;
    return tdel(txn, st, T_CACHE_ENTRY, k, kn);
}

/* Apply buffered accesses and counters inside txn. Buffers are consumed. */
static int apply_buffers(lmkv_cache *c, lmkv_txn *txn, acc *accs, size_t cap,
                         statbuf *stats, size_t nstats)
{
    lmkv_store *st = c->st;
    int rc = LMKV_OK;
    kbuf lk;
    lmkv_schema__kb_init(&lk);
    for (size_t i = 0; i < cap && rc == LMKV_OK; i++) {
        acc *a = &accs[i];
        if (!a->key)
            continue;
        lmkv_pair p;
        rc = lmkv_txn_get(&p, txn, st->t[T_CACHE_ATIME], a->key, a->len);
        if (rc == LMKV_NOTFOUND) { /* evicted or invalidated meanwhile */
            rc = LMKV_OK;
            continue;
        }
        if (rc != LMKV_OK) {
            rc = lmkv_schema__store_err_key(rc, T_CACHE_ATIME, a->key, a->len, "get failed");
            break;
        }
        if (p.value_size != ATIME_VALUE_LEN) {
            rc = lmkv_schema__store_err_key(LMKV_ECORRUPT, T_CACHE_ATIME, a->key, a->len, "value is not 24 bytes");
            break;
        }
        uint8_t v[ATIME_VALUE_LEN];
        memcpy(v, p.value, sizeof v);
        int64_t old = (int64_t)get_be64(v);
        int64_t neu = a->atime > old ? a->atime : old;
        put_be64(v, (uint64_t)neu);
        put_be64(v + 8, get_be64(v + 8) + a->hits);
        if (neu != old) {
            if ((rc = lru_key(&lk, old, a->key, a->len)) != LMKV_OK ||
                (rc = tdel(txn, st, T_CACHE_LRU, lk.p, lk.len)) != LMKV_OK ||
                (rc = lru_key(&lk, neu, a->key, a->len)) != LMKV_OK ||
                (rc = tput(txn, st, T_CACHE_LRU, lk.p, lk.len, "", 0)) != LMKV_OK)
                break;
        }
        rc = tput(txn, st, T_CACHE_ATIME, a->key, a->len, v, sizeof v);
    }
    for (size_t i = 0; i < nstats && rc == LMKV_OK; i++) {
        kb_reset(&lk);
        lmkv_schema__kb_u64(&lk, stats[i].ws);
        lmkv_schema__kb_u32(&lk, stats[i].day);
        lmkv_schema__kb_esc(&lk, stats[i].method, strlen(stats[i].method));
        if (!kb_ok(&lk)) {
            rc = lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
            break;
        }
        lmkv_cache_stats row;
        lmkv_record_init(LMKV_REC_CACHE_STATS, &row);
        lmkv_pair p;
        rc = lmkv_txn_get(&p, txn, st->t[T_CACHE_STATS], lk.p, lk.len);
        if (rc == LMKV_OK) {
            if ((rc = lmkv_cache_stats_read(&row, p.value, p.value_size)) != LMKV_OK) {
                rc = lmkv_schema__store_err_key(rc, T_CACHE_STATS, lk.p, lk.len, "bad CacheStats record");
                break;
            }
        } else if (rc != LMKV_NOTFOUND) {
            rc = lmkv_schema__store_err_key(rc, T_CACHE_STATS, lk.p, lk.len, "get failed");
            break;
        }
        row.workspace_id = stats[i].ws;
        row.method = stats[i].method;
        row.day = stats[i].day;
        row.hits += stats[i].hits;
        row.misses += stats[i].misses;
        const uint8_t *buf;
        size_t len;
        if ((rc = lmkv_cache_stats_build(c->fbb, &row, &buf, &len)) != LMKV_OK)
            break;
        rc = tput(txn, st, T_CACHE_STATS, lk.p, lk.len, buf, len);
    }
    lmkv_schema__kb_free(&lk);
    return rc;
}

/* Take the buffers out (under mu) so readers keep going during a flush. */
static int take_buffers(lmkv_cache *c, acc **accs, size_t *cap, statbuf **stats, size_t *nstats)
{
    acc *fresh = calloc(c->acc_cap, sizeof *fresh);
    if (!fresh)
        return lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
    pthread_mutex_lock(&c->mu);
    *accs = c->accs;
    *cap = c->acc_cap;
    *stats = c->stats;
    *nstats = c->stat_n;
    c->accs = fresh;
    c->acc_n = 0;
    c->stats = NULL;
    c->stat_n = c->stat_cap = 0;
    c->reads = 0;
    c->last_flush_ns = lmkv_schema__store_now_ns();
    pthread_mutex_unlock(&c->mu);
    return LMKV_OK;
}

/* Lock order: the database's write transaction first, then flush_mu, then
 * mu. flush_mu is never held while waiting for the write lock: a thread
 * that holds a write transaction (a store session) and reads through the
 * cache flushes when due, and would wait for flush_mu while its holder
 * waited for the write lock (a deadlock ThreadSanitizer reported as a
 * lock-order inversion in test_schema_cache). On success the caller holds
 * both and ends with end_write. */
static int begin_write(lmkv_cache *c, lmkv_txn **txn)
{
    int rc = lmkv_txn_begin(txn, c->st->db, 0);
    if (rc != LMKV_OK)
        return rc;
    pthread_mutex_lock(&c->flush_mu);
    return LMKV_OK;
}

/* Aborts *txn unless committed (NULL), and unlocks flush_mu. */
static void end_write(lmkv_cache *c, lmkv_txn **txn)
{
    lmkv_txn_abort(*txn);
    *txn = NULL;
    pthread_mutex_unlock(&c->flush_mu);
}

/* A cache write as one lmkv_db_transaction, so that concurrent puts share
 * a commit and its sync with each other and with other writers (GROUP
 * COMMIT in lmkv_kv.h): fn runs in this thread, under flush_mu, in a txn
 * of a write group (the group's holder of LMDB's writer lock comes first:
 * begin_write's lock order). take: first take the buffered accesses and
 * counters out and apply them; they are taken once, and applied again if
 * kv reruns the txn (map growth, or it runs alone), since a rerun starts
 * from nothing written. *taken reports whether they were taken (a failure
 * after that loses them, as before). */
typedef int (*cache_wfn)(lmkv_cache *c, lmkv_txn *txn, void *arg);
typedef struct cwrite {
    lmkv_cache *c;
    cache_wfn fn;
    void *arg;
    bool take, taken;
    acc *accs;
    size_t cap, nstats;
    statbuf *stats;
} cwrite;

static int cwrite_cb(void *p, lmkv_txn *txn)
{
    cwrite *w = p;
    int rc = LMKV_OK;
    pthread_mutex_lock(&w->c->flush_mu);
    if (w->take && !w->taken && (rc = take_buffers(w->c, &w->accs, &w->cap, &w->stats, &w->nstats)) == LMKV_OK)
        w->taken = true;
    if (rc == LMKV_OK && w->taken)
        rc = apply_buffers(w->c, txn, w->accs, w->cap, w->stats, w->nstats);
    if (rc == LMKV_OK && w->fn)
        rc = w->fn(w->c, txn, w->arg);
    pthread_mutex_unlock(&w->c->flush_mu);
    return rc;
}

static int cache_write(lmkv_cache *c, bool take, bool *taken, cache_wfn fn, void *arg)
{
    cwrite w = { c, fn, arg, take, false, NULL, 0, 0, NULL };
    int rc = lmkv_db_transaction(c->st->db, NULL, 0, cwrite_cb, &w);
    if (taken)
        *taken = w.taken;
    if (w.taken)
        buffers_free(w.accs, w.cap, w.stats, w.nstats);
    return rc;
}

int lmkv_cache_flush(lmkv_cache *c)
{
    if (!c)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_flush: NULL cache");
    pthread_mutex_lock(&c->mu);
    int any = c->acc_n > 0 || c->stat_n > 0;
    pthread_mutex_unlock(&c->mu);
    if (!any || c->st->read_only)
        return LMKV_OK;
    /* the buffers are taken inside the txn: if it cannot start (e.g. this
     * thread holds a session: LMKV_EBUSY), they stay for a later flush */
    bool taken = false;
    int rc = cache_write(c, true, &taken, NULL, NULL);
    if (rc != LMKV_OK)
        rc = lmkv_error_wrap(rc, taken ? "lmkv_cache_flush: buffered access data lost"
                                       : "lmkv_cache_flush (buffered data kept)");
    return rc;
}

static void maybe_flush(lmkv_cache *c, int full)
{
    pthread_mutex_lock(&c->mu);
    int due = full || c->reads >= c->cfg.flush_every_reads ||
              lmkv_schema__store_now_ns() - c->last_flush_ns >= (int64_t)c->cfg.flush_every_ms * 1000000;
    pthread_mutex_unlock(&c->mu);
    if (due)
        (void)lmkv_cache_flush(c); /* advisory data: a failure only loses it */
}

/* ================================================================ get */

static uint32_t today(void)
{
    return (uint32_t)(lmkv_schema__store_now_ns() / NS_PER_DAY);
}

static void note_read(lmkv_cache *c, const lmkv_cache_key *key, const kbuf *k, int hit)
{
    int full = 0;
    pthread_mutex_lock(&c->mu);
    c->reads++;
    stat_note(c, key->ws, key->method, today(), hit);
    if (hit && acc_note(c, k->p, k->len, lmkv_schema__store_now_ns()) != 0)
        full = 1;
    pthread_mutex_unlock(&c->mu);
    if (full) {
        (void)lmkv_cache_flush(c);
        pthread_mutex_lock(&c->mu);
        (void)acc_note(c, k->p, k->len, lmkv_schema__store_now_ns());
        pthread_mutex_unlock(&c->mu);
    }
    maybe_flush(c, 0);
}

static int lookup(lmkv_cache_entry *out, lmkv_txn *txn, lmkv_store *st, const kbuf *k)
{
    if (!st->t[T_CACHE_ENTRY])
        return LMKV_NOTFOUND;
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, st->t[T_CACHE_ENTRY], k->p, k->len);
    if (rc == LMKV_NOTFOUND)
        return rc;
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_CACHE_ENTRY, k->p, k->len, "get failed");
    if ((rc = lmkv_cache_entry_read(out, p.value, p.value_size)) != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_CACHE_ENTRY, k->p, k->len, "bad CacheEntry record");
    rc = lmkv_txn_get(&p, txn, st->t[T_CACHE_ATIME], k->p, k->len);
    if (rc == LMKV_OK && p.value_size == ATIME_VALUE_LEN) {
        out->last_accessed_ns = (int64_t)get_be64(p.value);
        out->access_count = get_be64(p.value + 8);
    }
    return LMKV_OK;
}

int lmkv_cache_get(void **out_buf, size_t *out_len, lmkv_cache *c,
                            const lmkv_cache_key *key)
{
    if (!out_buf || !out_len || !c)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_get: NULL argument");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_txn *txn = NULL;
    int rc = build_key(&k, key);
    if (rc != LMKV_OK)
        goto cleanup;
    if ((rc = lmkv_txn_begin(&txn, c->st->db, LMKV_TXN_READ_ONLY)) != LMKV_OK) {
        rc = lmkv_error_wrap(rc, "lmkv_cache_get");
        goto cleanup;
    }
    lmkv_cache_entry e;
    rc = lookup(&e, txn, c->st, &k);
    if (rc == LMKV_OK) {
        size_t n = e.response.len;
        void *b = malloc(n ? n : 1);
        if (!b) {
            rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_cache_get: out of memory");
            goto cleanup;
        }
        if (n)
            memcpy(b, e.response.data, n);
        *out_buf = b;
        *out_len = n;
    }
    lmkv_txn_abort(txn);
    txn = NULL;
    if (rc == LMKV_OK || rc == LMKV_NOTFOUND)
        note_read(c, key, &k, rc == LMKV_OK);
    if (rc == LMKV_NOTFOUND)
        rc = lmkv_error_set(LMKV_NOTFOUND, "cache: miss (%s %s)", key->method, key->path);
cleanup:
    lmkv_txn_abort(txn);
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_cache_get_entry(lmkv_cache_entry *out, lmkv_cache *c, lmkv_store_txn *t,
                                  const lmkv_cache_key *key)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out || !c)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_get_entry: NULL argument");
    kbuf k;
    lmkv_schema__kb_init(&k);
    if ((rc = build_key(&k, key)) != LMKV_OK)
        goto cleanup;
    rc = lookup(out, t->txn, c->st, &k);
    if (rc == LMKV_OK) {
        /* merge the buffered (unflushed) access data */
        uint64_t h = XXH3_64bits(k.p, k.len);
        pthread_mutex_lock(&c->mu);
        size_t i = (size_t)h & (c->acc_cap - 1);
        while (c->accs[i].key) {
            acc *a = &c->accs[i];
            if (a->hash == h && a->len == k.len && memcmp(a->key, k.p, k.len) == 0) {
                if (a->atime > out->last_accessed_ns)
                    out->last_accessed_ns = a->atime;
                out->access_count += a->hits;
                break;
            }
            i = (i + 1) & (c->acc_cap - 1);
        }
        pthread_mutex_unlock(&c->mu);
    }
    if (rc == LMKV_OK || rc == LMKV_NOTFOUND) {
        /* never flush from inside a session's own txn (single writer) */
        if (t->sess) {
            pthread_mutex_lock(&c->mu);
            c->reads++;
            stat_note(c, key->ws, key->method, today(), rc == LMKV_OK);
            if (rc == LMKV_OK)
                (void)acc_note(c, k.p, k.len, lmkv_schema__store_now_ns());
            pthread_mutex_unlock(&c->mu);
        } else {
            note_read(c, key, &k, rc == LMKV_OK);
        }
    }
cleanup:
    lmkv_schema__kb_free(&k);
    return rc;
}

/* ================================================================ put */

/* Evict LRU entries (never `keep`) until bytes <= target. */
static int evict_in(size_t *removed, lmkv_txn *txn, lmkv_store *st, uint64_t *bytes,
                    uint64_t target, const kbuf *keep)
{
    int rc = LMKV_OK;
    while (*bytes > target) {
        lmkv_iter *it = NULL;
        if ((rc = lmkv_txn_iter(&it, txn, st->t[T_CACHE_LRU])) != LMKV_OK)
            return lmkv_schema__store_err_key(rc, T_CACHE_LRU, "", 0, "iteration failed");
        /* collect a batch of victims, then delete (no writes while iterating) */
        kbuf victims;
        lmkv_schema__kb_init(&victims);
        uint64_t planned = 0;
        size_t nv = 0;
        lmkv_pair p;
        while (*bytes - planned > target && nv < 256) {
            rc = lmkv_iter_next(&p, it);
            if (rc == LMKV_NOTFOUND) {
                rc = LMKV_OK;
                break;
            }
            if (rc != LMKV_OK)
                break;
            if (p.key_size < 8)
                continue;
            const uint8_t *k = p.key + 8;
            size_t kn = p.key_size - 8;
            if (keep && kn == keep->len && memcmp(k, keep->p, kn) == 0)
                continue;
            lmkv_pair ap;
            uint64_t sz = 0;
            if (lmkv_txn_get(&ap, txn, st->t[T_CACHE_ATIME], k, kn) == LMKV_OK &&
                ap.value_size == ATIME_VALUE_LEN)
                sz = get_be64(ap.value + 16);
            planned += sz;
            lmkv_schema__kb_u32(&victims, (uint32_t)p.key_size);
            lmkv_schema__kb_raw(&victims, p.key, p.key_size);
            nv++;
        }
        lmkv_iter_free(it);
        if (rc == LMKV_OK && !kb_ok(&victims))
            rc = lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
        for (size_t off = 0; rc == LMKV_OK && off < victims.len;) {
            uint32_t ln = get_be32(victims.p + off);
            const uint8_t *lkey = victims.p + off + 4;
            uint64_t freed;
            rc = entry_delete(&freed, txn, st, lkey + 8, ln - 8);
            /* the lru entry itself, also when its atime entry is damaged */
            if (rc == LMKV_OK)
                rc = tdel(txn, st, T_CACHE_LRU, lkey, ln);
            *bytes -= freed > *bytes ? *bytes : freed;
            if (removed)
                (*removed)++;
            off += 4 + ln;
        }
        lmkv_schema__kb_free(&victims);
        if (rc != LMKV_OK || nv == 0)
            break;
    }
    return rc;
}

struct put_arg { const kbuf *k; const uint8_t *buf; size_t len; int64_t atime; uint64_t count; };

static int put_in(lmkv_cache *c, lmkv_txn *txn, void *arg)
{
    struct put_arg *a = arg;
    lmkv_store *st = c->st;
    const kbuf *k = a->k;
    uint64_t size = a->len + k->len;
    kbuf lk;
    lmkv_schema__kb_init(&lk);
    uint64_t bytes, freed;
    int rc;
    if ((rc = meta_bytes_get(&bytes, txn, st)) != LMKV_OK)
        goto cleanup;
    if ((rc = entry_delete(&freed, txn, st, k->p, k->len)) != LMKV_OK)
        goto cleanup;
    bytes -= freed > bytes ? bytes : freed;
    uint8_t v[ATIME_VALUE_LEN];
    put_be64(v, (uint64_t)a->atime);
    put_be64(v + 8, a->count);
    put_be64(v + 16, size);
    if ((rc = tput(txn, st, T_CACHE_ENTRY, k->p, k->len, a->buf, a->len)) != LMKV_OK ||
        (rc = tput(txn, st, T_CACHE_ATIME, k->p, k->len, v, sizeof v)) != LMKV_OK ||
        (rc = lru_key(&lk, a->atime, k->p, k->len)) != LMKV_OK ||
        (rc = tput(txn, st, T_CACHE_LRU, lk.p, lk.len, "", 0)) != LMKV_OK)
        goto cleanup;
    bytes += size;
    if (c->cfg.budget_bytes && bytes > c->cfg.budget_bytes &&
        (rc = evict_in(NULL, txn, st, &bytes, c->cfg.budget_bytes, k)) != LMKV_OK)
        goto cleanup;
    rc = meta_bytes_put(txn, st, bytes);
cleanup:
    lmkv_schema__kb_free(&lk);
    return rc;
}

static int put_encoded(lmkv_cache *c, const kbuf *k, const uint8_t *buf, size_t len,
                       int64_t atime, uint64_t count)
{
    uint64_t size = len + k->len;
    if (c->cfg.budget_bytes && size > c->cfg.budget_bytes)
        return lmkv_error_set(LMKV_ETOOBIG, "cache: entry of %llu bytes exceeds the cache budget of %llu bytes",
                              (unsigned long long)size, (unsigned long long)c->cfg.budget_bytes);
    struct put_arg a = { k, buf, len, atime, count };
    int rc = cache_write(c, true, NULL, put_in, &a);
    return rc == LMKV_OK ? rc : lmkv_error_wrap(rc, "cache put");
}

static int put_common(lmkv_cache *c, const lmkv_cache_key *key, lmkv_cache_entry *e)
{
    if (!c)
        return lmkv_error_set(LMKV_EINVAL, "cache put: NULL cache");
    if (c->st->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "cache put: database is read-only");
    kbuf k;
    lmkv_schema__kb_init(&k);
    int rc = build_key(&k, key);
    if (rc != LMKV_OK)
        goto cleanup;
    if (e->response.len > c->cfg.max_entry_bytes) {
        rc = lmkv_error_set(LMKV_ETOOBIG, "cache: response of %zu bytes for %s %s exceeds the limit of %llu bytes; not cached",
                            e->response.len, key->method, key->path,
                            (unsigned long long)c->cfg.max_entry_bytes);
        goto cleanup;
    }
    /* the key's identity wins over whatever the entry says */
    e->workspace_id = key->ws;
    e->method = key->method;
    e->file_path = key->path;
    e->file_version_id = key->content_version;
    e->position_line = key->line;
    e->position_character = key->character;
    pthread_mutex_lock(&c->flush_mu);
    const uint8_t *buf;
    size_t len;
    rc = lmkv_cache_entry_build(c->fbb, e, &buf, &len);
    uint8_t *copy = NULL;
    if (rc == LMKV_OK && !(copy = malloc(len)))
        rc = lmkv_error_set(LMKV_ENOMEM, "cache put: out of memory");
    if (copy)
        memcpy(copy, buf, len);
    pthread_mutex_unlock(&c->flush_mu);
    if (rc == LMKV_OK)
        rc = put_encoded(c, &k, copy, len, e->last_accessed_ns, e->access_count);
    free(copy);
cleanup:
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_cache_put(lmkv_cache *c, const lmkv_cache_key *key, const void *response,
                            size_t len, const char *response_type, const char *params_json,
                            uint32_t response_time_ms)
{
    if (!response && len)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_put: NULL response");
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    e.response.data = response ? response : (const uint8_t *)"";
    e.response.len = len;
    e.response_type = response_type;
    e.request_params = params_json;
    e.created_ns = e.last_accessed_ns = lmkv_schema__store_now_ns();
    e.access_count = 1;
    e.response_time_ms = response_time_ms;
    return put_common(c, key, &e);
}

int lmkv_cache_put_entry(lmkv_cache *c, const lmkv_cache_key *key,
                                  const lmkv_cache_entry *entry)
{
    if (!entry)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_put_entry: NULL entry");
    lmkv_cache_entry e = *entry;
    return put_common(c, key, &e);
}

/* ================================================================ invalidation */

struct inval { size_t skip; uint64_t keep; kbuf keys; size_t n; };

static int inval_cb(void *ctx, const lmkv_pair *p)
{
    struct inval *v = ctx;
    if (p->key_size >= v->skip + 8) {
        uint64_t ver = get_be64(p->key + v->skip);
        if (v->keep && ver == v->keep)
            return 0;
    }
    lmkv_schema__kb_u32(&v->keys, (uint32_t)p->key_size);
    lmkv_schema__kb_raw(&v->keys, p->key, p->key_size);
    v->n++;
    return 0;
}

static int delete_prefix(size_t *out_removed, lmkv_cache *c, const kbuf *pre, size_t skip,
                         uint64_t keep)
{
    lmkv_store *st = c->st;
    if (st->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "cache: database is read-only");
    struct inval v = { skip, keep, { 0 }, 0 };
    lmkv_schema__kb_init(&v.keys);
    lmkv_store_txn view = { st, NULL, NULL, NULL };
    int rc = begin_write(c, &view.txn);
    if (rc != LMKV_OK) {
        lmkv_schema__kb_free(&v.keys);
        return lmkv_error_wrap(rc, "cache invalidate");
    }
    if ((rc = lmkv_schema__st_scan(&view, T_CACHE_ENTRY, pre->p, pre->len, inval_cb, &v)) != LMKV_OK)
        goto cleanup;
    if (!kb_ok(&v.keys)) {
        rc = lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
        goto cleanup;
    }
    uint64_t bytes;
    if ((rc = meta_bytes_get(&bytes, view.txn, st)) != LMKV_OK)
        goto cleanup;
    for (size_t off = 0; off < v.keys.len;) {
        uint32_t kn = get_be32(v.keys.p + off);
        uint64_t freed;
        if ((rc = entry_delete(&freed, view.txn, st, v.keys.p + off + 4, kn)) != LMKV_OK)
            goto cleanup;
        bytes -= freed > bytes ? bytes : freed;
        off += 4 + kn;
    }
    if (v.n && (rc = meta_bytes_put(view.txn, st, bytes)) != LMKV_OK)
        goto cleanup;
    rc = lmkv_txn_commit(view.txn);
    view.txn = NULL;
    if (rc != LMKV_OK)
        rc = lmkv_error_wrap(rc, "cache invalidate: commit");
    else if (out_removed)
        *out_removed = v.n;
cleanup:
    end_write(c, &view.txn);
    lmkv_schema__kb_free(&v.keys);
    return rc;
}

struct ver_match { size_t skip; uint64_t ver; kbuf keys; size_t n; };

static int ver_match_cb(void *ctx, const lmkv_pair *p)
{
    struct ver_match *v = ctx;
    if (p->key_size < v->skip + 8 || get_be64(p->key + v->skip) != v->ver)
        return 0;
    lmkv_schema__kb_u32(&v->keys, (uint32_t)p->key_size);
    lmkv_schema__kb_raw(&v->keys, p->key, p->key_size);
    v->n++;
    return 0;
}

int lmkv_schema__cache_remove_version(size_t *out_removed, lmkv_store_txn *t, uint64_t ws,
                         const char *path, size_t path_len, uint64_t ver)
{
    lmkv_store *st = t->st;
    struct ver_match v = { 0, ver, { 0 }, 0 };
    kbuf pre;
    lmkv_schema__kb_init(&pre);
    lmkv_schema__kb_init(&v.keys);
    lmkv_schema__kb_u64(&pre, ws);
    lmkv_schema__kb_esc(&pre, path, path_len);
    v.skip = pre.len;
    int rc = kb_ok(&pre) ? lmkv_schema__st_scan(t, T_CACHE_ENTRY, pre.p, pre.len, ver_match_cb, &v)
                         : lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
    if (rc == LMKV_OK && !kb_ok(&v.keys))
        rc = lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
    uint64_t bytes = 0;
    if (rc == LMKV_OK && v.n)
        rc = meta_bytes_get(&bytes, t->txn, st);
    for (size_t off = 0; rc == LMKV_OK && off < v.keys.len;) {
        uint32_t kn = get_be32(v.keys.p + off);
        uint64_t freed;
        rc = entry_delete(&freed, t->txn, st, v.keys.p + off + 4, kn);
        bytes -= freed > bytes ? bytes : freed;
        off += 4 + kn;
    }
    if (rc == LMKV_OK && v.n)
        rc = meta_bytes_put(t->txn, st, bytes);
    if (rc == LMKV_OK && out_removed)
        *out_removed = v.n;
    lmkv_schema__kb_free(&pre);
    lmkv_schema__kb_free(&v.keys);
    return rc;
}

int lmkv_cache_invalidate(size_t *out_removed, lmkv_cache *c, uint64_t ws,
                                   const char *path, uint64_t keep_version)
{
    if (!c || !path)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_invalidate: NULL argument");
    kbuf pre;
    lmkv_schema__kb_init(&pre);
    lmkv_schema__kb_u64(&pre, ws);
    lmkv_schema__kb_esc(&pre, path, strlen(path));
    int rc = kb_ok(&pre) ? delete_prefix(out_removed, c, &pre, pre.len, keep_version)
                         : lmkv_error_set(LMKV_ENOMEM, "cache: out of memory");
    lmkv_schema__kb_free(&pre);
    return rc;
}

int lmkv_cache_clear(size_t *out_removed, lmkv_cache *c, uint64_t ws)
{
    if (!c)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_clear: NULL cache");
    kbuf pre;
    lmkv_schema__kb_init(&pre);
    if (ws)
        lmkv_schema__kb_u64(&pre, ws);
    int rc = delete_prefix(out_removed, c, &pre, 0, 0);
    lmkv_schema__kb_free(&pre);
    return rc;
}

int lmkv_cache_evict(size_t *out_removed, lmkv_cache *c, uint64_t target_bytes)
{
    if (!c)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_evict: NULL cache");
    if (c->st->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "cache: database is read-only");
    lmkv_store *st = c->st;
    lmkv_txn *txn = NULL;
    size_t removed = 0;
    acc *accs = NULL;
    statbuf *stats = NULL;
    size_t cap = 0, nstats = 0;
    int rc = begin_write(c, &txn);
    if (rc != LMKV_OK)
        return lmkv_error_wrap(rc, "lmkv_cache_evict");
    if ((rc = take_buffers(c, &accs, &cap, &stats, &nstats)) != LMKV_OK)
        goto cleanup;
    if ((rc = apply_buffers(c, txn, accs, cap, stats, nstats)) != LMKV_OK)
        goto cleanup;
    uint64_t bytes;
    if ((rc = meta_bytes_get(&bytes, txn, st)) != LMKV_OK)
        goto cleanup;
    if ((rc = evict_in(&removed, txn, st, &bytes, target_bytes, NULL)) != LMKV_OK)
        goto cleanup;
    if ((rc = meta_bytes_put(txn, st, bytes)) != LMKV_OK)
        goto cleanup;
    rc = lmkv_txn_commit(txn);
    txn = NULL;
    if (rc == LMKV_OK && out_removed)
        *out_removed = removed;
cleanup:
    end_write(c, &txn);
    buffers_free(accs, cap, stats, nstats);
    return rc;
}

int lmkv_cache_bytes(uint64_t *out, lmkv_cache *c)
{
    if (!out || !c)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_bytes: NULL argument");
    lmkv_txn *txn = NULL;
    int rc = lmkv_txn_begin(&txn, c->st->db, LMKV_TXN_READ_ONLY);
    if (rc != LMKV_OK)
        return lmkv_error_wrap(rc, "lmkv_cache_bytes");
    rc = meta_bytes_get(out, txn, c->st);
    lmkv_txn_abort(txn);
    return rc;
}

/* ================================================================ statistics */

static int stats_add_in(lmkv_cache *c, lmkv_txn *txn, void *arg)
{
    return apply_buffers(c, txn, NULL, 0, arg, 1);
}

int lmkv_cache_stats_add(lmkv_cache *c, uint64_t ws, const char *method, uint32_t day,
                                  uint64_t hits, uint64_t misses)
{
    if (!c || !method)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_stats_add: NULL argument");
    if (c->st->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "cache: database is read-only");
    statbuf one = { ws, day, (char *)method, hits, misses };
    int rc = cache_write(c, false, NULL, stats_add_in, &one);
    return rc == LMKV_OK ? rc : lmkv_error_wrap(rc, "lmkv_cache_stats_add");
}

struct stats_each { lmkv_cache_stats_fn fn; void *ctx; };
static int stats_each_cb(void *ctx, const lmkv_pair *p)
{
    struct stats_each *s = ctx;
    lmkv_cache_stats row;
    int rc = lmkv_cache_stats_read(&row, p->value, p->value_size);
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_CACHE_STATS, p->key, p->key_size, "bad CacheStats record");
    return s->fn(s->ctx, &row);
}

int lmkv_cache_stats_each(lmkv_store_txn *t, uint64_t ws, lmkv_cache_stats_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_stats_each: NULL callback");
    uint8_t pre[8];
    put_be64(pre, ws);
    struct stats_each s = { fn, ctx };
    return lmkv_schema__st_scan(t, T_CACHE_STATS, pre, 8, stats_each_cb, &s);
}

int lmkv_cache_stats_get(lmkv_cache_stats *out, lmkv_store_txn *t, uint64_t ws,
                                  const char *method, uint32_t day)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out || !method)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_cache_stats_get: NULL argument");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_u32(&k, day);
    lmkv_schema__kb_esc(&k, method, strlen(method));
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, t, T_CACHE_STATS, &k);
    if (rc == LMKV_OK && (rc = lmkv_cache_stats_read(out, p.value, p.value_size)) != LMKV_OK)
        rc = lmkv_schema__store_err_key(rc, T_CACHE_STATS, k.p, k.len, "bad CacheStats record");
    lmkv_schema__kb_free(&k);
    return rc;
}
