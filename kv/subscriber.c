/*
 * subscriber.c -- sled watch_prefix: in-process subscribers to writes.
 *
 * As sled 0.34 (src/subscriber.rs): every subscriber has a queue of
 * SUB_CAP (1024) events, and a writer whose event does not fit waits until
 * the subscriber drains. sled reserves a slot before its write (blocking in
 * SyncSender::send) and fills it after; lmkv waits AFTER the LMDB commit
 * instead, never while it holds the write transaction, so other writers
 * (threads and processes) and readers go on while it waits.
 *
 * Order. The events of one commit are appended to every matching queue
 * while db->ev_mu is held; ev_mu is taken before mdb_txn_commit (while this
 * process still holds LMDB's write lock), so appends happen in commit order
 * and every subscriber sees the same per-key order. Appending never blocks
 * (a queue grows past SUB_CAP as needed); each appended event gets the
 * subscriber's next sequence number. Event `seq` is "in the queue" (within
 * sled's 1024 slots) once seq < popped + SUB_CAP; until then its writer
 * waits (lmkv_kv__waits_run), holding no lock and outside the quiesce gate. So a
 * writer returns only when each of its events has a slot, exactly as a
 * sled writer returns only after send() found room, and a subscriber that
 * drains one event releases the writer of the 1025th.
 *
 * Release without draining: lmkv_subscriber_close, the tree's drop, and the
 * last lmkv_db_close (which detaches subscribers still open: see
 * lmkv_kv__subs_db_closing) wake and release waiting writers. A writer keeps a
 * reference on each subscriber it waits for (kv_sub.refs), so a close
 * never frees a subscriber under it; the db's last close waits until no
 * writer is waiting (db->ev_blocked) before it frees anything.
 *
 * LMKV_WATCH_NONBLOCKING subscribers keep the older lmkv behaviour: a full
 * queue drops further events (the writer never waits) and the subscriber
 * gets LMKV_ELIMIT once after the queued events. An event that cannot be
 * copied (out of memory) is dropped the same way for any subscriber.
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SUB_CAP 1024

struct kv_sub {
    kv_tree_state *st;         /* NULL once detached by the db's last close */
    lmkv_db *db;               /* the db owning the env (never an alias) */
    uint8_t *prefix;
    size_t prefix_size;
    unsigned flags;            /* LMKV_WATCH_* */
    atomic_int refs;           /* the handle + writers waiting on it */
    pthread_mutex_t mu;
    pthread_cond_t cv;         /* an event, a drop or a close for next() */
    pthread_cond_t room;       /* a slot freed or a release, for writers */
    lmkv_event *q;             /* ring: q[(head + i) % cap], i < n */
    size_t cap, head, n;
    uint64_t pushed, popped;   /* sequence numbers of appended / taken events */
    int nwaiting;              /* writers in lmkv_kv__waits_run on this subscriber */
    bool overflowed, dropped, closed, detached;
    kv_sub *next;              /* st->subs, under ev_mu */
    kv_sub *db_next;           /* db->all_subs, under ev_mu */
};

struct lmkv_subscriber {
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
    return lmkv_kv__bytes_cmp(a->key, a->key_size, b->key, b->key_size);
}

void lmkv_kv__evlist_dedupe(kv_evlist *l)
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

/* Free a subscriber's queue (sub->mu held or no other user). */
static void sub_drain_locked(kv_sub *s)
{
    for (size_t i = 0; i < s->n; i++)
        lmkv_event_clear(&s->q[(s->head + i) % s->cap]);
    s->head = s->n = 0;
}

static void sub_unref(kv_sub *s)
{
    if (atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    kv_tree_state *st = s->st;
    sub_drain_locked(s);
    free(s->q);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->room);
    free(s->prefix);
    free(s);
    if (st)
        lmkv_kv__tree_state_unref(st);
}

/* Make room for one more event: grow the ring (doubling). A non-blocking
 * subscriber never holds more than SUB_CAP. false: no room (drop it). */
static bool sub_reserve_locked(kv_sub *s)
{
    if (s->n < s->cap)
        return true;
    if ((s->flags & LMKV_WATCH_NONBLOCKING) && s->n >= SUB_CAP)
        return false;
    size_t nc = s->cap ? s->cap * 2 : 16;
    if ((s->flags & LMKV_WATCH_NONBLOCKING) && nc > SUB_CAP)
        nc = SUB_CAP;
    lmkv_event *nq = malloc(nc * sizeof *nq);
    if (!nq)
        return false;
    for (size_t i = 0; i < s->n; i++)
        nq[i] = s->q[(s->head + i) % s->cap];
    free(s->q);
    s->q = nq;
    s->cap = nc;
    s->head = 0;
    return true;
}

/* Append one event (ev_mu held). Never waits. Returns true when the
 * writer must wait for it (blocking subscriber, event beyond the first
 * SUB_CAP undrained ones), with its sequence number in *seq. */
static bool sub_push(kv_sub *s, const kv_event *e, uint64_t *seq)
{
    bool wait = false;
    pthread_mutex_lock(&s->mu);
    if (!sub_reserve_locked(s)) {
        s->overflowed = true;
    } else {
        lmkv_event *q = &s->q[(s->head + s->n) % s->cap];
        memset(q, 0, sizeof *q);
        q->type = e->type;
        if (lmkv_kv__bytes_dup(&q->key, e->key, e->key_size) == 0 &&
            (!e->has_val || lmkv_kv__bytes_dup(&q->value, e->val, e->val_size) == 0)) {
            *seq = s->pushed++;
            s->n++;
            wait = !(s->flags & LMKV_WATCH_NONBLOCKING) && *seq >= s->popped + SUB_CAP;
            pthread_cond_signal(&s->cv);
        } else {
            free(q->key.data);
            memset(q, 0, sizeof *q);
            s->overflowed = true;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return wait;
}

/* Remember that the writer must wait for event seq of s (keeps a ref). If
 * the list cannot grow the writer does not wait for s: its event is queued
 * all the same, nothing is lost. */
static void waits_add(kv_waits *w, kv_sub *s, uint64_t seq)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->w[i].s == s) {
            w->w[i].seq = seq; /* appended in order: the last is the highest */
            return;
        }
    if (w->n == w->cap && LMKV_ARRAY_GROW(w->w, w->cap, w->cap + 1, 4)) return;
    atomic_fetch_add(&s->refs, 1);
    w->w[w->n++] = (kv_wait){s, seq};
}

void lmkv_kv__evlist_deliver(lmkv_db *db, kv_evlist *l, kv_waits *w)
{
    for (size_t i = 0; i < l->n; i++) {
        kv_event *e = &l->ev[i];
        for (kv_sub *s = e->st->subs; s; s = s->next) {
            if (s->prefix_size > e->key_size || (s->prefix_size && memcmp(s->prefix, e->key, s->prefix_size)))
                continue;
            uint64_t seq;
            if (sub_push(s, e, &seq) && w)
                waits_add(w, s, seq);
        }
    }
    if (w && w->n)
        db->ev_blocked++;
}

void lmkv_kv__waits_run(lmkv_db *db, kv_waits *w)
{
    if (!w->n) {
        free(w->w);
        memset(w, 0, sizeof *w);
        return;
    }
    for (size_t i = 0; i < w->n; i++) {
        kv_sub *s = w->w[i].s;
        uint64_t seq = w->w[i].seq;
        pthread_mutex_lock(&s->mu);
        s->nwaiting++;
        while (!s->closed && !s->dropped && !s->detached && !atomic_load(&db->ev_shutdown) &&
               seq >= s->popped + SUB_CAP)
            pthread_cond_wait(&s->room, &s->mu);
        s->nwaiting--;
        pthread_mutex_unlock(&s->mu);
        sub_unref(s);
    }
    free(w->w);
    memset(w, 0, sizeof *w);
    /* the last touch of db: its last close may free it right after */
    pthread_mutex_lock(&db->ev_mu);
    if (--db->ev_blocked == 0)
        pthread_cond_broadcast(&db->ev_cv);
    pthread_mutex_unlock(&db->ev_mu);
}

void lmkv_kv__subs_tree_dropped(kv_tree_state *st)
{
    for (kv_sub *s = st->subs; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->dropped = true;
        pthread_cond_broadcast(&s->cv);
        pthread_cond_broadcast(&s->room);
        pthread_mutex_unlock(&s->mu);
    }
}

void lmkv_kv__subs_db_closing(lmkv_db *db)
{
    pthread_mutex_lock(&db->ev_mu);
    atomic_store(&db->ev_shutdown, true);
    kv_sub *list = db->all_subs; /* still linked through db_next below */
    db->all_subs = NULL;
    for (kv_sub *s = list; s; s = s->db_next) {
        kv_tree_state *st = s->st;
        for (kv_sub **pp = &st->subs; *pp; pp = &(*pp)->next)
            if (*pp == s) {
                *pp = s->next;
                break;
            }
        atomic_fetch_sub(&st->nsubs, 1);
        atomic_fetch_sub(&db->total_subs, 1);
        pthread_mutex_lock(&s->mu);
        s->detached = true;
        s->next = NULL;
        pthread_cond_broadcast(&s->cv);
        pthread_cond_broadcast(&s->room);
        pthread_mutex_unlock(&s->mu);
    }
    while (db->ev_blocked > 0)
        pthread_cond_wait(&db->ev_cv, &db->ev_mu);
    pthread_mutex_unlock(&db->ev_mu);
    /* Drop their tree references while the db lives (tree_mu comes before
     * ev_mu, so not above). The handles stay open (refs >= 1) until
     * lmkv_subscriber_close, which then touches only the subscriber. */
    for (kv_sub *s = list; s; s = s->db_next) {
        pthread_mutex_lock(&s->mu);
        kv_tree_state *st = s->st;
        s->st = NULL;
        pthread_mutex_unlock(&s->mu);
        lmkv_kv__tree_state_unref(st);
    }
}

int lmkv_kv__subs_add(lmkv_subscriber **out, kv_tree_state *st, const void *prefix, size_t n, unsigned flags)
{
    lmkv_subscriber *h = calloc(1, sizeof *h);
    kv_sub *s = calloc(1, sizeof *s);
    if (!h || !s || lmkv_kv__mem_dup(&s->prefix, prefix, n)) {
        free(h);
        free(s);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    s->prefix_size = n;
    s->flags = flags;
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->room, NULL);
    lmkv_db *db = st->db; /* events are delivered under the owning db's ev_mu */
    pthread_mutex_lock(&db->tree_mu);
    st->refs++;
    pthread_mutex_unlock(&db->tree_mu);
    s->st = st;
    s->db = db;
    pthread_mutex_lock(&db->ev_mu);
    s->next = st->subs;
    st->subs = s;
    s->db_next = db->all_subs;
    db->all_subs = s;
    atomic_fetch_add(&st->nsubs, 1);
    atomic_fetch_add(&db->total_subs, 1);
    if (st->dropped)
        s->dropped = true;
    pthread_mutex_unlock(&db->ev_mu);
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
            s->head = (s->head + 1) % s->cap;
            s->n--;
            s->popped++;
            if (s->nwaiting)
                pthread_cond_broadcast(&s->room);
            rc = 0;
            break;
        }
        if (s->overflowed) {
            s->overflowed = false;
            rc = lmkv_error_set(LMKV_ELIMIT, "subscriber queue was full (%d events) or out of memory: events were dropped; re-read the tree",
                                SUB_CAP);
            break;
        }
        if (s->dropped) {
            rc = lmkv_error_set(LMKV_ETREE, "the watched tree was dropped");
            break;
        }
        if (s->detached) {
            rc = lmkv_error_set(LMKV_ETREE, "the watched tree's database was closed");
            break;
        }
        if (timeout_ms == 0) {
            rc = LMKV_NOTFOUND;
            break;
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&s->cv, &s->mu);
        } else if (pthread_cond_timedwait(&s->cv, &s->mu, &dl) == ETIMEDOUT) {
            if (s->n > 0 || s->overflowed || s->dropped || s->detached)
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
    /* After the db's last close a detached subscriber must not touch it. */
    pthread_mutex_lock(&s->mu);
    bool detached = s->detached;
    pthread_mutex_unlock(&s->mu);
    if (!detached) {
        lmkv_db *db = s->db;
        kv_tree_state *st = s->st;
        pthread_mutex_lock(&db->ev_mu);
        for (kv_sub **pp = &st->subs; *pp; pp = &(*pp)->next) {
            if (*pp == s) {
                *pp = s->next;
                break;
            }
        }
        for (kv_sub **pp = &db->all_subs; *pp; pp = &(*pp)->db_next) {
            if (*pp == s) {
                *pp = s->db_next;
                break;
            }
        }
        atomic_fetch_sub(&st->nsubs, 1);
        atomic_fetch_sub(&db->total_subs, 1);
        pthread_mutex_unlock(&db->ev_mu);
    }
    /* release writers waiting for room in this queue; free what it holds */
    pthread_mutex_lock(&s->mu);
    s->closed = true;
    sub_drain_locked(s);
    pthread_cond_broadcast(&s->room);
    pthread_mutex_unlock(&s->mu);
    free(h);
    sub_unref(s);
}
