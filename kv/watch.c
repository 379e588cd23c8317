/*
 * watch.c -- lmkv_tree_watch_prefix_shared: a watcher of a key prefix that
 * sees the writes of every process on the database, where sled's
 * watch_prefix (subscriber.c) sees only this process's. It polls the
 * environment's last transaction id and, when it moved, diffs a fresh read
 * snapshot of the prefix range against the previous one (keys, and each
 * value's length and xxh3-64). Built on the public tree, txn and iterator
 * calls only; `lmkv watch` is a thin shell over it.
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

typedef struct ws_entry {
    uint8_t *key;
    size_t klen;
    uint64_t vhash, vlen;
} ws_entry;

typedef struct ws_snap {
    ws_entry *e;
    size_t n, cap;
} ws_snap;

struct lmkv_watcher {
    lmkv_db *db;
    lmkv_tree *t;
    uint8_t *prefix;
    size_t plen;
    unsigned interval_ms;
    uint64_t txnid;          /* last transaction id the snapshot reflects */
    ws_snap cur;
    lmkv_event *q;           /* events of the last diff not yet returned */
    size_t qn, qcap, qi;
};

static void snap_free(ws_snap *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->e[i].key);
    free(s->e);
    memset(s, 0, sizeof *s);
}

static void queue_clear(lmkv_watcher *w)
{
    for (size_t i = w->qi; i < w->qn; i++)
        lmkv_event_clear(&w->q[i]);
    w->qn = w->qi = 0;
}

static int queue_add(lmkv_watcher *w, int type, const void *k, size_t kl, const void *v, size_t vl)
{
    if (w->qn == w->qcap && LMKV_ARRAY_GROW(w->q, w->qcap, w->qn + 1, 16))
        return lmkv_error_set(LMKV_ENOMEM, "watch: out of memory queueing an event");
    lmkv_event *e = &w->q[w->qn];
    memset(e, 0, sizeof *e);
    e->type = type;
    if (lmkv_kv__bytes_dup(&e->key, k, kl) || (type == LMKV_EVENT_INSERT && lmkv_kv__bytes_dup(&e->value, v, vl))) {
        lmkv_event_clear(e);
        return lmkv_error_set(LMKV_ENOMEM, "watch: out of memory queueing an event");
    }
    w->qn++;
    return LMKV_OK;
}

/* Read the prefix range in one snapshot into *out; with old, queue the
 * differences old -> new while reading (values exist only in the
 * snapshot). On failure *out is partial (the caller frees it) and the
 * queue may hold part of the diff (the caller clears it). */
static int take(lmkv_watcher *w, const ws_snap *old, ws_snap *out)
{
    lmkv_txn *txn = NULL;
    lmkv_iter *it = NULL;
    lmkv_pair p;
    size_t oi = 0;
    int rc = lmkv_txn_begin(&txn, w->db, LMKV_TXN_READ_ONLY);
    if (rc == LMKV_OK)
        rc = lmkv_txn_scan_prefix(&it, txn, w->t, w->prefix, w->plen);
    while (rc == LMKV_OK && (rc = lmkv_iter_next(&p, it)) == LMKV_OK) {
        if (out->n == out->cap && LMKV_ARRAY_GROW(out->e, out->cap, out->n + 1, 64)) {
            rc = lmkv_error_set(LMKV_ENOMEM, "watch: out of memory reading the snapshot");
            break;
        }
        ws_entry *e = &out->e[out->n];
        if (!(e->key = malloc(p.key_size ? p.key_size : 1))) {
            rc = lmkv_error_set(LMKV_ENOMEM, "watch: out of memory reading the snapshot");
            break;
        }
        if (p.key_size)
            memcpy(e->key, p.key, p.key_size);
        e->klen = p.key_size;
        e->vhash = XXH3_64bits(p.value, p.value_size);
        e->vlen = p.value_size;
        out->n++;
        if (!old)
            continue;
        /* removed keys that sort before this one */
        while (rc == LMKV_OK && oi < old->n &&
               lmkv_kv__bytes_cmp(old->e[oi].key, old->e[oi].klen, e->key, e->klen) < 0) {
            rc = queue_add(w, LMKV_EVENT_REMOVE, old->e[oi].key, old->e[oi].klen, NULL, 0);
            oi++;
        }
        if (rc != LMKV_OK)
            break;
        int same = oi < old->n && lmkv_kv__bytes_cmp(old->e[oi].key, old->e[oi].klen, e->key, e->klen) == 0;
        int changed = !same || old->e[oi].vhash != e->vhash || old->e[oi].vlen != e->vlen;
        if (same)
            oi++;
        if (changed)
            rc = queue_add(w, LMKV_EVENT_INSERT, p.key, p.key_size, p.value, p.value_size);
    }
    if (rc == LMKV_NOTFOUND) {
        rc = LMKV_OK;
        for (; old && rc == LMKV_OK && oi < old->n; oi++)
            rc = queue_add(w, LMKV_EVENT_REMOVE, old->e[oi].key, old->e[oi].klen, NULL, 0);
    }
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    return rc;
}

int lmkv_tree_watch_prefix_shared(lmkv_watcher **out, lmkv_tree *t, const void *prefix, size_t prefix_size,
                                  unsigned interval_ms)
{
    if (!out || !t || (!prefix && prefix_size))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_watch_prefix_shared: NULL argument");
    *out = NULL;
    lmkv_watcher *w = calloc(1, sizeof *w);
    if (!w || lmkv_kv__mem_dup(&w->prefix, prefix, prefix_size)) {
        free(w);
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_tree_watch_prefix_shared: out of memory");
    }
    w->t = t;
    w->db = t->db;
    w->plen = prefix_size;
    w->interval_ms = interval_ms ? interval_ms : 100;
    /* the id first: a commit between the two reads is seen again, never missed */
    int rc = lmkv_db_last_txnid(&w->txnid, w->db);
    if (rc == LMKV_OK)
        rc = take(w, NULL, &w->cur);
    if (rc != LMKV_OK) {
        lmkv_watcher_close(w);
        return rc;
    }
    *out = w;
    return LMKV_OK;
}

size_t lmkv_watcher_len(const lmkv_watcher *w)
{
    return w ? w->cur.n : 0;
}

uint64_t lmkv_watcher_txnid(const lmkv_watcher *w)
{
    return w ? w->txnid : 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One poll: when the transaction id moved, a new snapshot and its diff. */
static int poll_once(lmkv_watcher *w)
{
    uint64_t id = 0;
    int rc = lmkv_db_last_txnid(&id, w->db);
    if (rc != LMKV_OK || id == w->txnid)
        return rc;
    ws_snap next = {0};
    queue_clear(w);
    if ((rc = take(w, &w->cur, &next)) != LMKV_OK) {
        /* nothing of this poll is returned; the next poll diffs again */
        snap_free(&next);
        queue_clear(w);
        return rc;
    }
    snap_free(&w->cur);
    w->cur = next;
    w->txnid = id;
    return LMKV_OK;
}

int lmkv_watcher_next(lmkv_event *out, lmkv_watcher *w, int timeout_ms)
{
    if (!out || !w)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_watcher_next: NULL argument");
    memset(out, 0, sizeof *out);
    uint64_t start = now_ms();
    for (;;) {
        if (w->qi < w->qn) {
            *out = w->q[w->qi++];
            memset(&w->q[w->qi - 1], 0, sizeof *out);
            if (w->qi == w->qn)
                w->qn = w->qi = 0;
            return LMKV_OK;
        }
        int rc = poll_once(w);
        if (rc != LMKV_OK)
            return rc;
        if (w->qi < w->qn)
            continue;
        uint64_t waited = now_ms() - start;
        if (timeout_ms >= 0 && waited >= (uint64_t)timeout_ms)
            return LMKV_NOTFOUND;
        uint64_t nap = w->interval_ms;
        if (timeout_ms >= 0 && (uint64_t)timeout_ms - waited < nap)
            nap = (uint64_t)timeout_ms - waited;
        struct timespec ts = {(time_t)(nap / 1000), (long)(nap % 1000) * 1000000L};
        if (nanosleep(&ts, NULL) != 0)
            return LMKV_NOTFOUND; /* a signal: the caller decides whether to go on */
    }
}

void lmkv_watcher_close(lmkv_watcher *w)
{
    if (!w)
        return;
    queue_clear(w);
    free(w->q);
    snap_free(&w->cur);
    free(w->prefix);
    free(w);
}
