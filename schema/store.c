/*
 * store.c -- the schema store: system trees, read txns, write sessions,
 * path mappings and the current map (key layouts: schema/KEYS.md).
 */
#include "store_int.h"
#include "kv_array_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* ================================================================ open */

int lmkv_store_open(lmkv_store **out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_open: NULL argument");
    int rc = LMKV_OK;
    lmkv_store *st = calloc(1, sizeof *st);
    if (!st)
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_store_open: out of memory");
    st->db = db;
    st->read_only = lmkv_db_is_read_only(db);
    pthread_mutex_init(&st->mu, NULL);
    for (int i = 0; i < T__COUNT; i++) {
        const char *n = lmkv_schema__store_tree_names[i];
        rc = lmkv_db_open_system_tree(&st->t[i], db, n, strlen(n));
        if (rc == LMKV_NOTFOUND && st->read_only) {
            st->t[i] = NULL;
            rc = LMKV_OK;
            continue;
        }
        if (rc != LMKV_OK) {
            rc = lmkv_error_wrap(rc, "lmkv_store_open: system tree '%s'", n);
            goto cleanup;
        }
    }
    *out = st;
    return LMKV_OK;
cleanup:
    lmkv_store_close(st);
    return rc;
}

void lmkv_store_close(lmkv_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < T__COUNT; i++)
        lmkv_tree_close(st->t[i]);
    curset *c = st->sets;
    while (c) {
        curset *n = c->next;
        free(c->slots);
        free(c);
        c = n;
    }
    pthread_mutex_destroy(&st->mu);
    free(st);
}

lmkv_db *lmkv_store_db(lmkv_store *st)
{
    return st ? st->db : NULL;
}

/* ================================================================ txns */

static void set_release(lmkv_store *st, curset *c);

int lmkv_store_txn_begin(lmkv_store_txn **out, lmkv_store *st)
{
    if (!out || !st)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_txn_begin: NULL argument");
    lmkv_store_txn *t = calloc(1, sizeof *t);
    if (!t)
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_store_txn_begin: out of memory");
    t->st = st;
    int rc = lmkv_txn_begin(&t->txn, st->db, LMKV_TXN_READ_ONLY);
    if (rc != LMKV_OK) {
        free(t);
        return lmkv_error_wrap(rc, "lmkv_store_txn_begin");
    }
    *out = t;
    return LMKV_OK;
}

void lmkv_store_txn_end(lmkv_store_txn *t)
{
    if (!t || t->sess)
        return;
    set_release(t->st, t->set);
    lmkv_txn_abort(t->txn);
    free(t);
}

void lmkv_store_txn_reset(lmkv_store_txn *t)
{
    if (!t || t->sess || !t->txn)
        return;
    set_release(t->st, t->set);
    t->set = NULL;
    lmkv_txn_reset(t->txn);
}

int lmkv_store_txn_renew(lmkv_store_txn *t)
{
    if (!t || t->sess || !t->txn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_txn_renew: not a read txn");
    set_release(t->st, t->set);
    t->set = NULL;
    return lmkv_txn_renew(t->txn);
}

/* ================================================================ sessions */

int lmkv_store_session_begin(lmkv_store_session **out, lmkv_store *st)
{
    if (!out || !st)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_session_begin: NULL argument");
    if (st->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "lmkv_store_session_begin: database is read-only");
    int rc;
    lmkv_store_session *s = calloc(1, sizeof *s);
    if (!s)
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_store_session_begin: out of memory");
    s->st = st;
    s->view.st = st;
    s->view.sess = s;
    rc = lmkv_fbb_new(&s->fbb);
    if (rc != LMKV_OK)
        goto cleanup;
    rc = lmkv_txn_begin(&s->view.txn, st->db, 0);
    if (rc != LMKV_OK) {
        rc = lmkv_error_wrap(rc, "lmkv_store_session_begin");
        goto cleanup;
    }
    /* a database written before store.fv_blob existed gets it filled once */
    if ((rc = lmkv_schema__store_fv_blob_backfill(s)) != LMKV_OK) {
        lmkv_txn_abort(s->view.txn);
        rc = lmkv_error_wrap(rc, "lmkv_store_session_begin: filling store.fv_blob");
        goto cleanup;
    }
    *out = s;
    return LMKV_OK;
cleanup:
    lmkv_fbb_free(s->fbb);
    free(s);
    return rc;
}

static void session_free(lmkv_store_session *s)
{
    lmkv_schema__store_cur_pending_free(s);
    for (int i = 0; i < T__COUNT; i++)
        free(s->bl[i].v);
    free(s->ba);
    lmkv_fbb_free(s->fbb);
    free(s->bumped);
    free(s);
}

int lmkv_store_session_commit(lmkv_store_session *s)
{
    if (!s)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_session_commit: NULL session");
    int rc;
    if (s->poisoned) {
        lmkv_txn_abort(s->view.txn);
        rc = lmkv_error_set(LMKV_EBADTXN, "lmkv_store_session_commit: session failed earlier; nothing committed");
    } else if ((rc = lmkv_schema__store_bulk_flush(s, T__COUNT)) != LMKV_OK) {
        lmkv_txn_abort(s->view.txn);
        rc = lmkv_error_wrap(rc, "lmkv_store_session_commit: nothing committed");
    } else {
        rc = lmkv_txn_commit(s->view.txn);
        if (rc != LMKV_OK)
            rc = lmkv_error_wrap(rc, "lmkv_store_session_commit");
    }
    session_free(s);
    return rc;
}

void lmkv_store_session_abort(lmkv_store_session *s)
{
    if (!s)
        return;
    lmkv_txn_abort(s->view.txn);
    session_free(s);
}

lmkv_store_txn *lmkv_store_session_txn(lmkv_store_session *s)
{
    return s ? &s->view : NULL;
}

size_t lmkv_store_session_pending(const lmkv_store_session *s)
{
    return s ? s->pending : 0;
}

int lmkv_store_session_set_bulk(lmkv_store_session *s, int on)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if (!on && (rc = lmkv_schema__store_bulk_flush(s, T__COUNT)) != LMKV_OK)
        return rc;
    s->bulk = on != 0;
    return LMKV_OK;
}

/* Increment ws's state generation once per session. */
static int gen_bump(lmkv_store_session *s, uint64_t ws)
{
    for (size_t i = 0; i < s->n_bumped; i++)
        if (s->bumped[i] == ws)
            return LMKV_OK;
    if (s->n_bumped == s->cap_bumped && LMKV_ARRAY_GROW(s->bumped, s->cap_bumped, s->cap_bumped + 1, 4))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    uint8_t k[8], v[8];
    put_be64(k, ws);
    uint64_t gen = 0;
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, s->view.txn, s->st->t[T_WS_GEN], k, 8);
    if (rc == LMKV_OK && p.value_size == 8)
        gen = get_be64(p.value);
    else if (rc != LMKV_OK && rc != LMKV_NOTFOUND) {
        s->poisoned = 1;
        return lmkv_schema__store_err_key(rc, T_WS_GEN, k, 8, "get failed");
    }
    put_be64(v, gen + 1);
    rc = lmkv_schema__sess_put(s, T_WS_GEN, k, 8, v, 8);
    if (rc != LMKV_OK)
        return rc;
    s->bumped[s->n_bumped++] = ws;
    return LMKV_OK;
}

/* ================================================================ workspaces */

int lmkv_store_workspace_put(lmkv_store_session *s, const lmkv_workspace *ws)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if (!ws || ws->id == 0 || !ws->root_path || !ws->root_path[0])
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_workspace_put: NULL workspace, id 0 or empty root");
    const uint8_t *buf;
    size_t len;
    rc = lmkv_workspace_build(s->fbb, ws, &buf, &len);
    if (rc != LMKV_OK)
        return lmkv_error_wrap(rc, "lmkv_store_workspace_put");
    uint8_t k[8];
    put_be64(k, ws->id);
    lmkv_pair p;
    rc = lmkv_txn_get(&p, s->view.txn, s->st->t[T_WS], k, 8);
    if (rc == LMKV_OK) {
        lmkv_workspace old;
        if (lmkv_workspace_read(&old, p.value, p.value_size) == LMKV_OK && old.root_path &&
            strcmp(old.root_path, ws->root_path) != 0) {
            /* copy: p points into the txn and the next write may move it */
            size_t rl = strlen(old.root_path);
            char *tmp = malloc(rl + 1);
            if (!tmp)
                return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
            memcpy(tmp, old.root_path, rl + 1);
            rc = lmkv_schema__sess_del(s, T_WS_ROOT, tmp, rl);
            free(tmp);
            if (rc != LMKV_OK)
                return rc;
        }
    } else if (rc != LMKV_NOTFOUND) {
        s->poisoned = 1;
        return lmkv_schema__store_err_key(rc, T_WS, k, 8, "get failed");
    }
    rc = lmkv_schema__sess_put(s, T_WS, k, 8, buf, len);
    if (rc != LMKV_OK)
        return rc;
    return lmkv_schema__sess_put(s, T_WS_ROOT, ws->root_path, strlen(ws->root_path), k, 8);
}

int lmkv_store_workspace_get(lmkv_workspace *out, lmkv_store_txn *t, uint64_t ws)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_workspace_get: NULL out");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, t, T_WS, &k);
    if (rc == LMKV_NOTFOUND)
        rc = lmkv_error_set(LMKV_NOTFOUND, "store: workspace %016llx not registered",
                            (unsigned long long)ws);
    else if (rc == LMKV_OK && (rc = lmkv_workspace_read(out, p.value, p.value_size)) != LMKV_OK)
        rc = lmkv_schema__store_err_key(rc, T_WS, k.p, k.len, "bad Workspace record");
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_store_workspace_by_root(uint64_t *out_ws, lmkv_store_txn *t,
                                          const char *root, size_t root_len)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out_ws || !root)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_workspace_by_root: NULL argument");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_raw(&k, root, root_len);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, t, T_WS_ROOT, &k);
    if (rc == LMKV_OK) {
        if (p.value_size != 8)
            rc = lmkv_schema__store_err_key(LMKV_ECORRUPT, T_WS_ROOT, k.p, k.len, "value is not 8 bytes");
        else
            *out_ws = get_be64(p.value);
    } else if (rc == LMKV_NOTFOUND) {
        rc = lmkv_error_set(LMKV_NOTFOUND, "store: no workspace with root '%.*s'",
                            (int)(root_len > 200 ? 200 : root_len), root);
    }
    lmkv_schema__kb_free(&k);
    return rc;
}

struct ws_each { lmkv_store_workspace_fn fn; void *ctx; };
static int ws_each_cb(void *ctx, const lmkv_pair *p)
{
    struct ws_each *w = ctx;
    lmkv_workspace ws;
    int rc = lmkv_workspace_read(&ws, p->value, p->value_size);
    if (rc != LMKV_OK)
        return lmkv_schema__store_err_key(rc, T_WS, p->key, p->key_size, "bad Workspace record");
    return w->fn(w->ctx, &ws);
}

int lmkv_store_workspaces(lmkv_store_txn *t, lmkv_store_workspace_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_workspaces: NULL callback");
    struct ws_each w = { fn, ctx };
    return lmkv_schema__st_scan(t, T_WS, "", 0, ws_each_cb, &w);
}

/* ================================================================ mappings */

static int check_path(const char *fn, const char *path, size_t len)
{
    if (!path || len == 0)
        return lmkv_error_set(LMKV_EINVAL, "%s: NULL or empty path", fn);
    return LMKV_OK;
}

int lmkv_store_map_commit(lmkv_store_session *s, uint64_t ws, const uint8_t commit[20],
                                   const char *path, size_t path_len, uint64_t fv)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if (!commit || fv == 0)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_map_commit: NULL commit or fv 0");
    if ((rc = check_path("lmkv_store_map_commit", path, path_len)) != LMKV_OK)
        return rc;
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, commit, 20);
    lmkv_schema__kb_raw(&k, path, path_len);
    uint8_t v[8];
    put_be64(v, fv);
    rc = kb_ok(&k) ? lmkv_schema__sess_put(s, T_MAP_COMMIT, k.p, k.len, v, 8)
                   : lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    lmkv_schema__kb_free(&k);
    return rc;
}

struct collect { kbuf keys; size_t n, max; };
static int collect_key_cb(void *ctx, const lmkv_pair *p)
{
    struct collect *c = ctx;
    lmkv_schema__kb_u32(&c->keys, (uint32_t)p->key_size);
    lmkv_schema__kb_raw(&c->keys, p->key, p->key_size);
    c->n++;
    if (!kb_ok(&c->keys))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    return (c->max && c->n >= c->max) ? 1 : 0;
}

/* Delete every key collected in c from tree tr. */
static int delete_collected(lmkv_store_session *s, enum store_tree tr, struct collect *c)
{
    size_t off = 0;
    while (off < c->keys.len) {
        uint32_t n = get_be32(c->keys.p + off);
        int rc = lmkv_schema__sess_del(s, tr, c->keys.p + off + 4, n);
        if (rc != LMKV_OK)
            return rc;
        off += 4 + n;
    }
    return LMKV_OK;
}

int lmkv_store_unmap_commit(size_t *out_removed, lmkv_store_session *s, uint64_t ws,
                                     const uint8_t commit[20], size_t max)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if (!commit)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_unmap_commit: NULL commit");
    uint8_t pre[28];
    put_be64(pre, ws);
    memcpy(pre + 8, commit, 20);
    struct collect c = { .max = max };
    lmkv_schema__kb_init(&c.keys);
    rc = lmkv_schema__st_scan(&s->view, T_MAP_COMMIT, pre, 28, collect_key_cb, &c);
    if (rc == LMKV_OK)
        rc = delete_collected(s, T_MAP_COMMIT, &c);
    if (rc == LMKV_OK && out_removed)
        *out_removed = c.n;
    lmkv_schema__kb_free(&c.keys);
    return rc;
}

int lmkv_store_map_latest(lmkv_store_session *s, uint64_t ws,
                                   const char *path, size_t path_len, uint64_t fv)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if (fv == 0)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_map_latest: fv 0");
    if ((rc = check_path("lmkv_store_map_latest", path, path_len)) != LMKV_OK)
        return rc;
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, path, path_len);
    uint8_t v[8];
    put_be64(v, fv);
    rc = kb_ok(&k) ? lmkv_schema__sess_put(s, T_MAP_LATEST, k.p, k.len, v, 8)
                   : lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_store_unmap_latest(lmkv_store_session *s, uint64_t ws,
                                     const char *path, size_t path_len)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if ((rc = check_path("lmkv_store_unmap_latest", path, path_len)) != LMKV_OK)
        return rc;
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, path, path_len);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, &s->view, T_MAP_LATEST, &k);
    if (rc == LMKV_OK)
        rc = lmkv_schema__sess_del(s, T_MAP_LATEST, k.p, k.len);
    else if (rc == LMKV_NOTFOUND)
        rc = lmkv_error_set(LMKV_NOTFOUND, "store: no latest mapping for '%.*s'",
                            (int)(path_len > 200 ? 200 : path_len), path);
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_store_set_current(lmkv_store_session *s, uint64_t ws,
                                    const char *path, size_t path_len, uint64_t fv,
                                    int source, const uint8_t *commit)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if (fv == 0 || (source != LMKV_SOURCE_COMMIT && source != LMKV_SOURCE_LATEST) ||
        (source == LMKV_SOURCE_COMMIT && !commit))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_set_current: fv 0, bad source %d or commit source without commit", source);
    if ((rc = check_path("lmkv_store_set_current", path, path_len)) != LMKV_OK)
        return rc;
    uint8_t v[CUR_VALUE_LEN];
    memset(v, 0, sizeof v);
    put_be64(v, fv);
    v[8] = (uint8_t)source;
    if (source == LMKV_SOURCE_COMMIT)
        memcpy(v + 9, commit, 20);
    kbuf k, rk;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_init(&rk);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, path, path_len);
    lmkv_pair p;
    int fv_changed = 1;
    rc = lmkv_schema__st_get(&p, &s->view, T_CUR, &k);
    if (rc == LMKV_OK) {
        if (p.value_size == CUR_VALUE_LEN && memcmp(p.value, v, CUR_VALUE_LEN) == 0)
            goto cleanup; /* unchanged: no write, no generation bump */
        if (p.value_size >= 8) {
            uint64_t old = get_be64(p.value);
            fv_changed = old != fv;
            lmkv_schema__kb_u64(&rk, ws);
            lmkv_schema__kb_u64(&rk, old);
            if (fv_changed && ((rc = lmkv_schema__sess_del(s, T_CUR_FV, rk.p, rk.len)) != LMKV_OK ||
                               (rc = lmkv_schema__store_cur_index(s, ws, old, 0)) != LMKV_OK))
                goto cleanup;
            kb_reset(&rk);
        }
    } else if (rc != LMKV_NOTFOUND) {
        goto cleanup;
    }
    if (fv_changed && (rc = lmkv_schema__store_cur_index(s, ws, fv, 1)) != LMKV_OK)
        goto cleanup;
    if ((rc = gen_bump(s, ws)) != LMKV_OK)
        goto cleanup;
    if ((rc = lmkv_schema__sess_put(s, T_CUR, k.p, k.len, v, sizeof v)) != LMKV_OK)
        goto cleanup;
    lmkv_schema__kb_u64(&rk, ws);
    lmkv_schema__kb_u64(&rk, fv);
    rc = lmkv_schema__sess_put(s, T_CUR_FV, rk.p, rk.len, path, path_len);
cleanup:
    lmkv_schema__kb_free(&k);
    lmkv_schema__kb_free(&rk);
    return rc;
}

int lmkv_store_unset_current(lmkv_store_session *s, uint64_t ws,
                                      const char *path, size_t path_len)
{
    int rc = lmkv_schema__sess_check(s);
    if (rc != LMKV_OK)
        return rc;
    if ((rc = check_path("lmkv_store_unset_current", path, path_len)) != LMKV_OK)
        return rc;
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, path, path_len);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, &s->view, T_CUR, &k);
    if (rc == LMKV_NOTFOUND) {
        rc = lmkv_error_set(LMKV_NOTFOUND, "store: '%.*s' is not in the current map",
                            (int)(path_len > 200 ? 200 : path_len), path);
        goto cleanup;
    }
    if (rc != LMKV_OK)
        goto cleanup;
    uint8_t rk[16];
    put_be64(rk, ws);
    memcpy(rk + 8, p.value, p.value_size >= 8 ? 8 : 0);
    int have_rev = p.value_size >= 8;
    if ((rc = gen_bump(s, ws)) != LMKV_OK)
        goto cleanup;
    if ((rc = lmkv_schema__sess_del(s, T_CUR, k.p, k.len)) != LMKV_OK)
        goto cleanup;
    if (have_rev && (rc = lmkv_schema__sess_del(s, T_CUR_FV, rk, 16)) == LMKV_OK)
        rc = lmkv_schema__store_cur_index(s, ws, get_be64(rk + 8), 0);
cleanup:
    lmkv_schema__kb_free(&k);
    return rc;
}

/* ================================================================ mapping reads */

static void fill_current(lmkv_store_current *c, const uint8_t *v, const uint8_t *path, size_t n)
{
    c->fv = get_be64(v);
    c->source = v[8];
    memcpy(c->commit, v + 9, 20);
    c->path = (const char *)path;
    c->path_len = n;
}

int lmkv_store_current_get(lmkv_store_current *out, lmkv_store_txn *t, uint64_t ws,
                                    const char *path, size_t path_len)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out || !path)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_current_get: NULL argument");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, path, path_len);
    lmkv_pair p;
    rc = lmkv_schema__st_get(&p, t, T_CUR, &k);
    if (rc == LMKV_OK) {
        if (p.value_size != CUR_VALUE_LEN)
            rc = lmkv_schema__store_err_key(LMKV_ECORRUPT, T_CUR, k.p, k.len, "value is not 29 bytes");
        else /* the caller's path: p.key is k's buffer, gone on return */
            fill_current(out, p.value, (const uint8_t *)path, path_len);
    }
    lmkv_schema__kb_free(&k);
    return rc;
}

struct cur_each { lmkv_store_current_fn fn; void *ctx; };
static int cur_each_cb(void *ctx, const lmkv_pair *p)
{
    struct cur_each *c = ctx;
    if (p->value_size != CUR_VALUE_LEN || p->key_size < 8)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_CUR, p->key, p->key_size, "value is not 29 bytes");
    lmkv_store_current cur;
    fill_current(&cur, p->value, p->key + 8, p->key_size - 8);
    return c->fn(c->ctx, &cur);
}

int lmkv_store_current_each(lmkv_store_txn *t, uint64_t ws,
                                     lmkv_store_current_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_current_each: NULL callback");
    uint8_t pre[8];
    put_be64(pre, ws);
    struct cur_each c = { fn, ctx };
    return lmkv_schema__st_scan(t, T_CUR, pre, 8, cur_each_cb, &c);
}

int lmkv_store_current_prefix(lmkv_store_txn *t, uint64_t ws,
                                       const char *prefix, size_t prefix_len,
                                       lmkv_store_current_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn || (!prefix && prefix_len))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_current_prefix: NULL callback or prefix");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, prefix, prefix_len);
    struct cur_each c = { fn, ctx };
    rc = kb_ok(&k) ? lmkv_schema__st_scan(t, T_CUR, k.p, k.len, cur_each_cb, &c)
                   : lmkv_error_set(LMKV_ENOMEM, "store: out of memory building a key");
    lmkv_schema__kb_free(&k);
    return rc;
}

static int get_fv_value(uint64_t *out, lmkv_store_txn *t, enum store_tree tr, kbuf *k)
{
    lmkv_pair p;
    int rc = lmkv_schema__st_get(&p, t, tr, k);
    if (rc == LMKV_OK) {
        if (p.value_size != 8)
            return lmkv_schema__store_err_key(LMKV_ECORRUPT, tr, k->p, k->len, "value is not 8 bytes");
        *out = get_be64(p.value);
    }
    return rc;
}

int lmkv_store_latest_get(uint64_t *out_fv, lmkv_store_txn *t, uint64_t ws,
                                   const char *path, size_t path_len)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out_fv || !path)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_latest_get: NULL argument");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, path, path_len);
    rc = get_fv_value(out_fv, t, T_MAP_LATEST, &k);
    lmkv_schema__kb_free(&k);
    return rc;
}

int lmkv_store_commit_get(uint64_t *out_fv, lmkv_store_txn *t, uint64_t ws,
                                   const uint8_t commit[20], const char *path, size_t path_len)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out_fv || !path || !commit)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_commit_get: NULL argument");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    lmkv_schema__kb_raw(&k, commit, 20);
    lmkv_schema__kb_raw(&k, path, path_len);
    rc = get_fv_value(out_fv, t, T_MAP_COMMIT, &k);
    lmkv_schema__kb_free(&k);
    return rc;
}

struct path_each { lmkv_store_path_fn fn; void *ctx; size_t skip; enum store_tree tr; };
static int path_each_cb(void *ctx, const lmkv_pair *p)
{
    struct path_each *c = ctx;
    if (p->value_size != 8 || p->key_size < c->skip)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, c->tr, p->key, p->key_size, "value is not 8 bytes");
    return c->fn(c->ctx, (const char *)p->key + c->skip, p->key_size - c->skip, get_be64(p->value));
}

int lmkv_store_commit_files(lmkv_store_txn *t, uint64_t ws, const uint8_t commit[20],
                                     lmkv_store_path_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn || !commit)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_commit_files: NULL argument");
    uint8_t pre[28];
    put_be64(pre, ws);
    memcpy(pre + 8, commit, 20);
    struct path_each c = { fn, ctx, 28, T_MAP_COMMIT };
    return lmkv_schema__st_scan(t, T_MAP_COMMIT, pre, 28, path_each_cb, &c);
}

int lmkv_store_commits(lmkv_store_txn *t, uint64_t ws,
                                lmkv_store_commit_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_commits: NULL callback");
    lmkv_tree *tree = t->st->t[T_MAP_COMMIT];
    if (!tree)
        return LMKV_OK;
    uint8_t start[28];
    put_be64(start, ws);
    memset(start + 8, 0, 20);
    for (;;) {
        lmkv_bound lo = { LMKV_INCLUDED, start, sizeof start };
        lmkv_iter *it = NULL;
        if ((rc = lmkv_txn_range(&it, t->txn, tree, &lo, NULL)) != LMKV_OK)
            return lmkv_schema__store_err_key(rc, T_MAP_COMMIT, start, sizeof start, "range failed");
        lmkv_pair p;
        rc = lmkv_iter_next(&p, it);
        uint8_t oid[20];
        int have = rc == LMKV_OK && p.key_size >= 28 && memcmp(p.key, start, 8) == 0;
        if (have)
            memcpy(oid, p.key + 8, 20);
        lmkv_iter_free(it);
        if (rc != LMKV_OK && rc != LMKV_NOTFOUND)
            return lmkv_schema__store_err_key(rc, T_MAP_COMMIT, start, sizeof start, "range failed");
        if (!have)
            return LMKV_OK;
        if ((rc = fn(ctx, oid)) != 0)
            return rc > 0 ? LMKV_OK : rc;
        /* next commit: oid + 1 as a 160-bit big-endian number */
        int i = 19;
        while (i >= 0 && oid[i] == 0xFF)
            oid[i--] = 0;
        if (i < 0)
            return LMKV_OK;
        oid[i]++;
        memcpy(start + 8, oid, 20);
    }
}

int lmkv_store_latest_each(lmkv_store_txn *t, uint64_t ws,
                                    lmkv_store_path_fn fn, void *ctx)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!fn)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_latest_each: NULL callback");
    uint8_t pre[8];
    put_be64(pre, ws);
    struct path_each c = { fn, ctx, 8, T_MAP_LATEST };
    return lmkv_schema__st_scan(t, T_MAP_LATEST, pre, 8, path_each_cb, &c);
}

int lmkv_store_generation(uint64_t *out_gen, lmkv_store_txn *t, uint64_t ws)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    if (!out_gen)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_store_generation: NULL out");
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, ws);
    uint64_t g = 0;
    rc = get_fv_value(&g, t, T_WS_GEN, &k);
    if (rc == LMKV_NOTFOUND) {
        g = 0;
        rc = LMKV_OK;
    }
    if (rc == LMKV_OK)
        *out_gen = g;
    return rc;
}

/* ================================================================ current set */

static void set_release(lmkv_store *st, curset *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&st->mu);
    c->refs--;
    pthread_mutex_unlock(&st->mu);
}

static int set_add(curset *c, uint64_t fv)
{
    size_t i = (size_t)(fv * 0x9E3779B97F4A7C15ULL >> 17) & c->mask;
    while (c->slots[i] != 0) {
        if (c->slots[i] == fv)
            return 0;
        i = (i + 1) & c->mask;
    }
    c->slots[i] = fv;
    c->count++;
    return 0;
}

static int set_has(const curset *c, uint64_t fv)
{
    if (fv == 0)
        return 0;
    size_t i = (size_t)(fv * 0x9E3779B97F4A7C15ULL >> 17) & c->mask;
    while (c->slots[i] != 0) {
        if (c->slots[i] == fv)
            return 1;
        i = (i + 1) & c->mask;
    }
    return 0;
}

struct set_build { uint64_t *fvs; size_t n, cap; };
static int set_build_cb(void *ctx, const lmkv_pair *p)
{
    struct set_build *b = ctx;
    if (p->key_size != 16)
        return lmkv_schema__store_err_key(LMKV_ECORRUPT, T_CUR_FV, p->key, p->key_size, "key is not 16 bytes");
    if (b->n == b->cap && LMKV_ARRAY_GROW(b->fvs, b->cap, b->cap + 1, 256))
        return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
    b->fvs[b->n++] = get_be64(p->key + 8);
    return 0;
}

/* The current set of ws as seen by read txn t (building it if needed). */
static int set_for(curset **out, lmkv_store_txn *t, uint64_t ws)
{
    if (t->set && t->set->ws == ws) {
        *out = t->set;
        return LMKV_OK;
    }
    uint64_t gen;
    int rc = lmkv_store_generation(&gen, t, ws);
    if (rc != LMKV_OK)
        return rc;
    lmkv_store *st = t->st;
    curset *found = NULL;
    pthread_mutex_lock(&st->mu);
    for (curset *c = st->sets; c; c = c->next)
        if (c->ws == ws && c->gen == gen) {
            found = c;
            c->refs++;
            break;
        }
    pthread_mutex_unlock(&st->mu);
    if (!found) {
        uint8_t pre[8];
        put_be64(pre, ws);
        struct set_build b = { 0 };
        rc = lmkv_schema__st_scan(t, T_CUR_FV, pre, 8, set_build_cb, &b);
        if (rc != LMKV_OK) {
            free(b.fvs);
            return rc;
        }
        curset *c = calloc(1, sizeof *c);
        size_t cap = 16;
        while (cap < b.n * 2 + 2)
            cap *= 2;
        if (c)
            c->slots = calloc(cap, sizeof *c->slots);
        if (!c || !c->slots) {
            if (c)
                free(c);
            free(b.fvs);
            return lmkv_error_set(LMKV_ENOMEM, "store: out of memory");
        }
        c->ws = ws;
        c->gen = gen;
        c->mask = cap - 1;
        for (size_t i = 0; i < b.n; i++)
            set_add(c, b.fvs[i]);
        free(b.fvs);
        c->refs = 1;
        pthread_mutex_lock(&st->mu);
        /* drop unreferenced sets of this workspace (older generations) */
        curset **pp = &st->sets;
        while (*pp) {
            curset *o = *pp;
            if (o->ws == ws && o->refs == 0) {
                *pp = o->next;
                free(o->slots);
                free(o);
            } else {
                pp = &o->next;
            }
        }
        c->next = st->sets;
        st->sets = c;
        pthread_mutex_unlock(&st->mu);
        found = c;
    }
    set_release(st, t->set);
    t->set = found;
    *out = found;
    return LMKV_OK;
}

/* 1/0 membership; in a session: direct lookup (its state is uncommitted). */
int lmkv_schema__store_fv_current(lmkv_store_txn *t, uint64_t ws, uint64_t fv)
{
    if (t->sess) {
        kbuf k;
        lmkv_schema__kb_init(&k);
        lmkv_schema__kb_u64(&k, ws);
        lmkv_schema__kb_u64(&k, fv);
        lmkv_pair p;
        int rc = lmkv_schema__st_get(&p, t, T_CUR_FV, &k);
        return rc == LMKV_OK ? 1 : rc == LMKV_NOTFOUND ? 0 : rc;
    }
    curset *c = NULL;
    int rc = set_for(&c, t, ws);
    if (rc != LMKV_OK)
        return rc;
    return set_has(c, fv);
}

int lmkv_store_is_current(lmkv_store_txn *t, uint64_t ws, uint64_t fv)
{
    int rc = lmkv_schema__txn_check(t);
    if (rc != LMKV_OK)
        return rc;
    return lmkv_schema__store_fv_current(t, ws, fv);
}
