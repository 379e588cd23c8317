/*
 * subscriber.c -- sled watch_prefix: in-process subscribers to writes.
 *
 * Events of one commit are delivered while db->ev_mu is held; ev_mu is
 * taken before mdb_txn_commit (while this process still holds LMDB's write
 * lock), so commits and deliveries happen in the same order for every
 * subscriber: the per-key order is the commit order.
 * Queue: at most SUB_CAP (1024, as sled) events per subscriber. A full queue
 * never blocks the writer (sled blocks it); the subscriber loses further
 * events until it drains, and then gets LMKV_ELIMIT once.
 */
#include "kv_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SUB_CAP 1024

struct kv_sub {
    kv_tree_state *st;
    uint8_t *prefix;
    size_t prefix_size;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    lmkv_event q[SUB_CAP];
    size_t head, n;
    bool overflowed, dropped;
    kv_sub *next;
};

struct lmkv_subscriber {
    lmkv_db *db;
    kv_sub *s;
};

void lmkv_event_clear(lmkv_event *ev)
{
    if (!ev)
        return;
    free(ev->key.data);
    free(ev->value.data);
    memset(ev, 0, sizeof *ev);
}

static int ev_cmp_idx(const kv_event *a, const kv_event *b)
{
    if (a->st != b->st)
        return a->st < b->st ? -1 : 1;
    return kv_bytes_cmp(a->key, a->key_size, b->key, b->key_size);
}

void kv_evlist_dedupe(kv_evlist *l)
{
    /* Keep the last event per (tree, key), in order of those last events.
     * O(n^2) for small lists, sort-based for larger ones. */
    if (l->n < 2)
        return;
    bool *dead = calloc(l->n, sizeof *dead);
    if (!dead)
        return; /* keep duplicates rather than lose events */
    if (l->n <= 64) {
        for (size_t i = 0; i < l->n; i++)
            for (size_t j = i + 1; j < l->n; j++)
                if (ev_cmp_idx(&l->ev[i], &l->ev[j]) == 0) {
                    dead[i] = true;
                    break;
                }
    } else {
        size_t *idx = malloc(l->n * sizeof *idx);
        if (!idx) {
            free(dead);
            return;
        }
        for (size_t i = 0; i < l->n; i++)
            idx[i] = i;
        /* insertion-free: simple merge sort by (st,key,index) */
        size_t *tmp = malloc(l->n * sizeof *tmp);
        if (!tmp) {
            free(idx);
            free(dead);
            return;
        }
        for (size_t w = 1; w < l->n; w *= 2) {
            for (size_t lo = 0; lo < l->n; lo += 2 * w) {
                size_t mid = lo + w < l->n ? lo + w : l->n, hi = lo + 2 * w < l->n ? lo + 2 * w : l->n;
                size_t a = lo, b = mid, o = lo;
                while (a < mid && b < hi) {
                    int c = ev_cmp_idx(&l->ev[idx[a]], &l->ev[idx[b]]);
                    if (c < 0 || (c == 0 && idx[a] < idx[b]))
                        tmp[o++] = idx[a++];
                    else
                        tmp[o++] = idx[b++];
                }
                while (a < mid)
                    tmp[o++] = idx[a++];
                while (b < hi)
                    tmp[o++] = idx[b++];
            }
            memcpy(idx, tmp, l->n * sizeof *idx);
        }
        for (size_t i = 0; i + 1 < l->n; i++)
            if (ev_cmp_idx(&l->ev[idx[i]], &l->ev[idx[i + 1]]) == 0)
                dead[idx[i]] = true;
        free(tmp);
        free(idx);
    }
    size_t o = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (dead[i]) {
            free(l->ev[i].key);
            free(l->ev[i].val);
        } else {
            l->ev[o++] = l->ev[i];
        }
    }
    l->n = o;
    free(dead);
}

static void sub_push(kv_sub *s, const kv_event *e)
{
    pthread_mutex_lock(&s->mu);
    if (s->n == SUB_CAP) {
        s->overflowed = true;
    } else {
        lmkv_event *q = &s->q[(s->head + s->n) % SUB_CAP];
        memset(q, 0, sizeof *q);
        q->type = e->type;
        if (kv_bytes_dup(&q->key, e->key, e->key_size) == 0 &&
            (!e->has_val || kv_bytes_dup(&q->value, e->val, e->val_size) == 0)) {
            s->n++;
            pthread_cond_signal(&s->cv);
        } else {
            free(q->key.data);
            s->overflowed = true;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

void kv_evlist_deliver(lmkv_db *db, kv_evlist *l)
{
    (void)db;
    for (size_t i = 0; i < l->n; i++) {
        kv_event *e = &l->ev[i];
        for (kv_sub *s = e->st->subs; s; s = s->next) {
            if (s->prefix_size > e->key_size || (s->prefix_size && memcmp(s->prefix, e->key, s->prefix_size)))
                continue;
            sub_push(s, e);
        }
    }
}

void kv_subs_tree_dropped(kv_tree_state *st)
{
    for (kv_sub *s = st->subs; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->dropped = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
}

int lmkv_tree_watch_prefix(lmkv_subscriber **out, lmkv_tree *t, const void *prefix, size_t n)
{
    int rc;
    if (!out || (!prefix && n))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_watch_prefix: NULL argument");
    if ((rc = kv_check_tree(t)))
        return rc;
    lmkv_subscriber *h = calloc(1, sizeof *h);
    kv_sub *s = calloc(1, sizeof *s);
    if (!h || !s || kv_mem_dup(&s->prefix, prefix, n)) {
        free(h);
        free(s);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    s->prefix_size = n;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    lmkv_db *db = t->db;
    pthread_mutex_lock(&db->tree_mu);
    t->st->refs++;
    pthread_mutex_unlock(&db->tree_mu);
    s->st = t->st;
    pthread_mutex_lock(&db->ev_mu);
    s->next = t->st->subs;
    t->st->subs = s;
    atomic_fetch_add(&t->st->nsubs, 1);
    atomic_fetch_add(&db->total_subs, 1);
    if (t->st->dropped)
        s->dropped = true;
    pthread_mutex_unlock(&db->ev_mu);
    h->db = db;
    h->s = s;
    *out = h;
    return 0;
}

int lmkv_subscriber_next(lmkv_event *out, lmkv_subscriber *h, int timeout_ms)
{
    if (!out || !h)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_subscriber_next: NULL argument");
    kv_sub *s = h->s;
    struct timespec dl;
    if (timeout_ms > 0) {
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += timeout_ms / 1000;
        dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
    }
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->n > 0) {
            *out = s->q[s->head];
            memset(&s->q[s->head], 0, sizeof s->q[s->head]);
            s->head = (s->head + 1) % SUB_CAP;
            s->n--;
            rc = 0;
            break;
        }
        if (s->overflowed) {
            s->overflowed = false;
            rc = lmkv_error_set(LMKV_ELIMIT, "subscriber queue was full (%d events): events were dropped; re-read the tree", SUB_CAP);
            break;
        }
        if (s->dropped) {
            rc = lmkv_error_set(LMKV_ETREE, "the watched tree was dropped");
            break;
        }
        if (timeout_ms == 0) {
            rc = LMKV_NOTFOUND;
            break;
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&s->cv, &s->mu);
        } else if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) == ETIMEDOUT) {
            if (s->n > 0 || s->overflowed || s->dropped)
                continue;
            rc = LMKV_NOTFOUND;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (rc == LMKV_NOTFOUND)
        lmkv_error_set(rc, "no event within %d ms", timeout_ms);
    return rc;
}

void lmkv_subscriber_close(lmkv_subscriber *h)
{
    if (!h)
        return;
    kv_sub *s = h->s;
    lmkv_db *db = h->db;
    kv_tree_state *st = s->st;
    pthread_mutex_lock(&db->ev_mu);
    for (kv_sub **pp = &st->subs; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    atomic_fetch_sub(&st->nsubs, 1);
    atomic_fetch_sub(&db->total_subs, 1);
    pthread_mutex_unlock(&db->ev_mu);
    for (size_t i = 0; i < s->n; i++)
        lmkv_event_clear(&s->q[(s->head + i) % SUB_CAP]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->prefix);
    free(s);
    free(h);
    kv_tree_state_unref(st);
}
