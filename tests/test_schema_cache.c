/*
 * test_schema_cache.c -- the LSP response cache on real LMDB files with the
 * daemon's real responses (clangd answers on LMDB's sources, from
 * $LMKV_FIXTURES/sled/probe-universal-cache.decoded.jsonl): put/get,
 * invalidation when a file changes, hit/miss counters, batched access
 * updates that reach the disk, LRU eviction under a byte budget, the
 * response size limit, migration puts that keep the daemon's metadata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmkv_kv.h"
#include "lmkv_schema.h"
#include "store_int.h"
#include "util/lmkv_test_util.h"

/* ------------------------------------------------------------ fixture data */

typedef struct resp {
    char method[64];
    char path[64];
    char *body;          /* JSON of value.data, compact, sorted keys */
    size_t len;
    uint64_t params;     /* first 16 hex digits of the daemon's content hash */
    int64_t created_ns, accessed_ns;
    uint64_t access_count;
    char legacy_key[256];
} resp;

static resp *g_resp;
static size_t g_nresp;
static uint64_t g_hits_total, g_misses_total; /* the daemon's cache_stats */

static int load_fixture(void)
{
    const char *fx = getenv("LMKV_FIXTURES");
    char path[4096];
    snprintf(path, sizeof path, "%s/sled/probe-universal-cache.decoded.jsonl", fx && *fx ? fx : "tests/fixtures");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    g_resp = calloc(256, sizeof *g_resp);
    while (getline(&line, &cap, f) > 0) {
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        if (!j)
            return -1;
        const char *tree = json_string_value(json_object_get(j, "tree"));
        if (tree && strcmp(tree, "cache_stats") == 0) {
            const char *k = json_string_value(json_object_get(j, "key"));
            json_t *v = json_object_get(j, "value");
            uint64_t n = (uint64_t)json_integer_value(v);
            if (k && strcmp(k, "hits") == 0)
                g_hits_total = n;
            if (k && strcmp(k, "misses") == 0)
                g_misses_total = n;
        } else if (tree && strcmp(tree, "universal_cache") == 0 && g_nresp < 256) {
            resp *r = &g_resp[g_nresp++];
            json_t *kf = json_object_get(j, "key_fields");
            json_t *v = json_object_get(j, "value");
            json_t *md = json_object_get(v, "metadata");
            snprintf(r->method, sizeof r->method, "%s", json_string_value(json_object_get(kf, "method")));
            snprintf(r->path, sizeof r->path, "%s", json_string_value(json_object_get(kf, "workspace_relative_path")));
            snprintf(r->legacy_key, sizeof r->legacy_key, "%s", json_string_value(json_object_get(j, "key")));
            const char *ch = json_string_value(json_object_get(kf, "content_hash"));
            char h16[17];
            memcpy(h16, ch, 16);
            h16[16] = 0;
            r->params = strtoull(h16, NULL, 16);
            r->body = json_dumps(json_object_get(v, "data"), JSON_COMPACT | JSON_SORT_KEYS);
            r->len = strlen(r->body);
            json_t *c = json_object_get(md, "created_at"), *a = json_object_get(md, "last_accessed");
            r->created_ns = json_integer_value(json_object_get(c, "secs")) * 1000000000LL +
                            json_integer_value(json_object_get(c, "nanos"));
            r->accessed_ns = json_integer_value(json_object_get(a, "secs")) * 1000000000LL +
                             json_integer_value(json_object_get(a, "nanos"));
            r->access_count = (uint64_t)json_integer_value(json_object_get(md, "access_count"));
        }
        json_decref(j);
    }
    free(line);
    fclose(f);
    return g_nresp == 150 ? 0 : -1;
}

/* ------------------------------------------------------------ fixture */

typedef struct fx {
    char *dir;
    lmkv_db *db;
    lmkv_store *st;
    uint64_t ws;
} fx;

static void open_db(fx *f)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = f->dir;
    cfg.flush_every_ms = 0;
    cfg.durability = LMKV_DURABILITY_NOSYNC;
    assert_int_equal(lmkv_db_open(&f->db, &cfg), LMKV_OK);
    assert_int_equal(lmkv_store_open(&f->st, f->db), LMKV_OK);
}

static void close_db(fx *f)
{
    lmkv_store_close(f->st);
    lmkv_db_close(f->db);
}

static int group_setup(void **state)
{
    (void)state;
    return load_fixture();
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_nresp; i++)
        free(g_resp[i].body);
    free(g_resp);
    return 0;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = lmkv_test_tmpdir("cache");
    open_db(f);
    assert_int_equal(lmkv_workspace_id(&f->ws, "/home/dev/lmdb"), LMKV_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    close_db(f);
    lmkv_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static lmkv_cache_key key_of(const fx *f, const resp *r, uint64_t version)
{
    lmkv_cache_key k = { f->ws, r->method, r->path, version, 0, 0, r->params };
    return k;
}

static lmkv_cache *open_cache(fx *f, uint64_t budget, uint64_t max_entry, unsigned reads, unsigned ms)
{
    lmkv_cache_config cfg = { budget, max_entry, reads, ms };
    lmkv_cache *c = NULL;
    assert_int_equal(lmkv_cache_open(&c, f->st, &cfg), LMKV_OK);
    return c;
}

/* The persisted access data (cache.atime) of a key, read raw. */
static void raw_atime(fx *f, const lmkv_cache_key *key, int64_t *atime, uint64_t *count)
{
    kbuf k;
    lmkv_schema__kb_init(&k);
    lmkv_schema__kb_u64(&k, key->ws);
    lmkv_schema__kb_esc(&k, key->path, strlen(key->path));
    lmkv_schema__kb_u64(&k, key->content_version);
    lmkv_schema__kb_esc(&k, key->method, strlen(key->method));
    lmkv_schema__kb_u32(&k, key->line);
    lmkv_schema__kb_u32(&k, key->character);
    lmkv_schema__kb_u64(&k, key->params_hash);
    lmkv_tree *t;
    assert_int_equal(lmkv_db_open_system_tree(&t, f->db, "cache.atime", 11), LMKV_OK);
    lmkv_bytes v;
    assert_int_equal(lmkv_tree_get(&v, t, k.p, k.len), LMKV_OK);
    assert_int_equal(v.size, 24);
    *atime = (int64_t)get_be64(v.data);
    *count = get_be64(v.data + 8);
    lmkv_free(v.data);
    lmkv_tree_close(t);
    lmkv_schema__kb_free(&k);
}

/* ------------------------------------------------------------ tests */

static void test_put_get_real_responses(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 0, 0);
    for (size_t i = 0; i < g_nresp; i++) {
        lmkv_cache_key k = key_of(f, &g_resp[i], 1);
        assert_int_equal(lmkv_cache_put(c, &k, g_resp[i].body, g_resp[i].len, "json", NULL, 12), LMKV_OK);
    }
    for (size_t i = 0; i < g_nresp; i++) {
        lmkv_cache_key k = key_of(f, &g_resp[i], 1);
        void *buf = NULL;
        size_t len = 0;
        assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_OK);
        assert_int_equal(len, g_resp[i].len);
        assert_memory_equal(buf, g_resp[i].body, len);
        lmkv_free(buf);
    }
    /* same request at another position: a miss */
    lmkv_cache_key k = key_of(f, &g_resp[0], 1);
    k.line = 77;
    void *buf;
    size_t len;
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_NOTFOUND);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);

    lmkv_store_txn *t;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    lmkv_store_counts n;
    assert_int_equal(lmkv_store_count(&n, t, f->ws), LMKV_OK);
    assert_int_equal(n.cache_entries, g_nresp);
    assert_true(n.cache_bytes > 0);
    lmkv_cache_entry e;
    lmkv_cache *c2 = open_cache(f, 0, 0, 0, 0);
    lmkv_cache_key k0 = key_of(f, &g_resp[3], 1);
    assert_int_equal(lmkv_cache_get_entry(&e, c2, t, &k0), LMKV_OK);
    assert_string_equal(e.method, g_resp[3].method);
    assert_string_equal(e.file_path, g_resp[3].path);
    assert_string_equal(e.response_type, "json");
    assert_int_equal(e.response_time_ms, 12);
    assert_int_equal(e.access_count, 2);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_cache_close(c2), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

static void test_invalidation_on_file_change(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 0, 0);
    size_t n_mdb = 0;
    for (size_t i = 0; i < g_nresp; i++) {
        lmkv_cache_key k = key_of(f, &g_resp[i], 1);
        assert_int_equal(lmkv_cache_put(c, &k, g_resp[i].body, g_resp[i].len, NULL, NULL, 0), LMKV_OK);
        n_mdb += strcmp(g_resp[i].path, "mdb.c") == 0;
    }
    assert_true(n_mdb > 0 && n_mdb < g_nresp);
    /* mdb.c changed: version 2. Its old answers are never served for v2 */
    size_t im = 0;
    while (strcmp(g_resp[im].path, "mdb.c") != 0)
        im++;
    lmkv_cache_key k2 = key_of(f, &g_resp[im], 2);
    void *buf;
    size_t len;
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k2), LMKV_NOTFOUND);
    static const char fresh[] = "{\"fresh\":true}";
    assert_int_equal(lmkv_cache_put(c, &k2, fresh, sizeof fresh - 1, NULL, NULL, 0), LMKV_OK);
    size_t removed = 0;
    assert_int_equal(lmkv_cache_invalidate(&removed, c, f->ws, "mdb.c", 2), LMKV_OK);
    assert_int_equal(removed, n_mdb);
    lmkv_cache_key k1 = key_of(f, &g_resp[im], 1);
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k1), LMKV_NOTFOUND);
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k2), LMKV_OK);
    assert_memory_equal(buf, fresh, len);
    lmkv_free(buf);
    /* other files untouched */
    for (size_t i = 0; i < g_nresp; i++) {
        if (strcmp(g_resp[i].path, "mdb.c") == 0)
            continue;
        lmkv_cache_key k = key_of(f, &g_resp[i], 1);
        assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_OK);
        lmkv_free(buf);
    }
    /* "mdb.c" is not a prefix match for "mdb.cc" and the reverse */
    lmkv_cache_key kc = key_of(f, &g_resp[im], 1);
    kc.path = "mdb.cc";
    assert_int_equal(lmkv_cache_put(c, &kc, fresh, sizeof fresh - 1, NULL, NULL, 0), LMKV_OK);
    assert_int_equal(lmkv_cache_invalidate(&removed, c, f->ws, "mdb.c", 0), LMKV_OK);
    assert_int_equal(removed, 1); /* the v2 entry only */
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &kc), LMKV_OK);
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_clear(&removed, c, f->ws), LMKV_OK);
    assert_int_equal(removed, g_nresp - n_mdb + 1);
    uint64_t bytes = 1;
    assert_int_equal(lmkv_cache_bytes(&bytes, c), LMKV_OK);
    assert_int_equal(bytes, 0);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

struct sums { const char *method; uint64_t hits, misses, all_hits, all_misses; uint32_t day; };
static int sum_stats(void *ctx, const lmkv_cache_stats *st)
{
    struct sums *s = ctx;
    s->all_hits += st->hits;
    s->all_misses += st->misses;
    if (strcmp(st->method, s->method) == 0) {
        s->hits += st->hits;
        s->misses += st->misses;
        s->day = st->day;
    }
    return 0;
}

static void test_counters_per_method_per_day(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 100000, 3600000);
    size_t hits = 0, misses = 0, def_hits = 0, def_misses = 0;
    for (size_t i = 0; i < g_nresp; i++) {
        if (i % 3 == 0)
            continue; /* a third never cached: misses */
        lmkv_cache_key k = key_of(f, &g_resp[i], 1);
        assert_int_equal(lmkv_cache_put(c, &k, g_resp[i].body, g_resp[i].len, NULL, NULL, 0), LMKV_OK);
    }
    for (size_t i = 0; i < g_nresp; i++) {
        lmkv_cache_key k = key_of(f, &g_resp[i], 1);
        void *buf = NULL;
        size_t len;
        int rc = lmkv_cache_get(&buf, &len, c, &k);
        int is_def = strcmp(g_resp[i].method, "textDocument/definition") == 0;
        if (rc == LMKV_OK) {
            hits++;
            def_hits += is_def;
        } else {
            assert_int_equal(rc, LMKV_NOTFOUND);
            misses++;
            def_misses += is_def;
        }
        lmkv_free(buf);
    }
    assert_int_equal(misses, 50);
    /* not flushed yet: nothing persisted */
    uint32_t day = (uint32_t)(lmkv_schema__store_now_ns() / (86400LL * 1000000000LL));
    lmkv_store_txn *t;
    lmkv_cache_stats s;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_cache_stats_get(&s, t, f->ws, "textDocument/definition", day), LMKV_NOTFOUND);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_cache_flush(c), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    /* summed over days (a run may cross midnight UTC) */
    struct sums sm = { "textDocument/definition", 0, 0, 0, 0, 0 };
    assert_int_equal(lmkv_cache_stats_each(t, f->ws, sum_stats, &sm), LMKV_OK);
    assert_int_equal(sm.hits, def_hits);
    assert_int_equal(sm.misses, def_misses);
    assert_int_equal(sm.all_hits, hits);
    assert_int_equal(sm.all_misses, misses);
    assert_int_equal(lmkv_cache_stats_get(&s, t, f->ws, "textDocument/definition", sm.day), LMKV_OK);
    assert_string_equal(s.method, "textDocument/definition");
    assert_true(sm.day >= day);
    lmkv_store_txn_end(t);

    /* the daemon's undated totals, migrated */
    assert_int_equal(lmkv_cache_stats_add(c, f->ws, "", 0, g_hits_total, g_misses_total), LMKV_OK);
    assert_int_equal(lmkv_cache_stats_add(c, f->ws, "", 0, 1, 1), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_cache_stats_get(&s, t, f->ws, "", 0), LMKV_OK);
    assert_int_equal(s.hits, 90 + 1);
    assert_int_equal(s.misses, 156 + 1);
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

static void test_batched_access_updates_persist(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 100000, 3600000);
    lmkv_cache_key k = key_of(f, &g_resp[5], 1);
    assert_int_equal(lmkv_cache_put(c, &k, g_resp[5].body, g_resp[5].len, NULL, NULL, 0), LMKV_OK);
    int64_t at0, at;
    uint64_t n;
    raw_atime(f, &k, &at0, &n);
    assert_int_equal(n, 1);
    for (int i = 0; i < 5; i++) {
        void *buf;
        size_t len;
        assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_OK);
        lmkv_free(buf);
    }
    raw_atime(f, &k, &at, &n);
    assert_int_equal(n, 1);             /* reads wrote nothing */
    lmkv_store_txn *t;
    lmkv_cache_entry e;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_cache_get_entry(&e, c, t, &k), LMKV_OK);
    assert_int_equal(e.access_count, 6); /* stored 1 + buffered 5 */
    lmkv_store_txn_end(t);
    assert_int_equal(lmkv_cache_flush(c), LMKV_OK);
    raw_atime(f, &k, &at, &n);
    assert_int_equal(n, 7);             /* + the get_entry above */
    assert_true(at >= at0);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK); /* LRU moved too */
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);

    /* every 4 reads: flushed without an explicit flush */
    c = open_cache(f, 0, 0, 4, 3600000);
    for (int i = 0; i < 4; i++) {
        void *buf;
        size_t len;
        assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_OK);
        lmkv_free(buf);
    }
    raw_atime(f, &k, &at, &n);
    assert_int_equal(n, 11);
    /* close flushes; the data survives reopening the database */
    void *buf;
    size_t len;
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_OK);
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    close_db(f);
    open_db(f);
    raw_atime(f, &k, &at, &n);
    assert_int_equal(n, 12);
}

static void test_reads_inside_a_session_keep_access_data(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 2, 3600000);
    lmkv_cache_key k = key_of(f, &g_resp[9], 1);
    assert_int_equal(lmkv_cache_put(c, &k, g_resp[9].body, g_resp[9].len, NULL, NULL, 0), LMKV_OK);
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    for (int i = 0; i < 6; i++) { /* flushes are due but cannot start here */
        void *buf;
        size_t len;
        assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_OK);
        lmkv_free(buf);
    }
    assert_int_equal(lmkv_cache_flush(c), LMKV_EBUSY);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(lmkv_cache_flush(c), LMKV_OK);
    int64_t at;
    uint64_t n;
    raw_atime(f, &k, &at, &n);
    assert_int_equal(n, 7);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
}

/* A thread holding a session reads through the cache while another thread's
 * put waits for the write lock: the reads must not wait for that put (they
 * did: a due flush took the cache's flush mutex, held by the put while it
 * waited for the session's write lock -- a deadlock; ThreadSanitizer
 * reported it as a lock-order inversion). */
struct held { fx *f; lmkv_cache *c; const lmkv_cache_key *k, *k2; int put_rc, flush_rc, gets_ok; int done; };
static void *put_waiting(void *arg)
{
    struct held *h = arg;
    h->put_rc = lmkv_cache_put(h->c, h->k2, g_resp[12].body, g_resp[12].len, NULL, NULL, 0);
    return NULL;
}
static void *session_reader(void *arg)
{
    struct held *h = arg;
    lmkv_store_session *s;
    if (lmkv_store_session_begin(&s, h->f->st) != LMKV_OK) return NULL;
    pthread_t put;
    pthread_create(&put, NULL, put_waiting, h);
    usleep(300 * 1000); /* the put is now waiting for the session's write lock */
    for (int i = 0; i < 6; i++) { /* flushes are due (every 2 reads) */
        void *buf;
        size_t len;
        if (lmkv_cache_get(&buf, &len, h->c, h->k) == LMKV_OK) { h->gets_ok++; lmkv_free(buf); }
    }
    h->flush_rc = lmkv_cache_flush(h->c);
    lmkv_store_session_commit(s);
    pthread_join(put, NULL);
    __atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void test_session_reads_never_wait_for_a_put(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 2, 3600000);
    lmkv_cache_key k = key_of(f, &g_resp[11], 1), k2 = key_of(f, &g_resp[12], 1);
    assert_int_equal(lmkv_cache_put(c, &k, g_resp[11].body, g_resp[11].len, NULL, NULL, 0), LMKV_OK);
    struct held h = { f, c, &k, &k2, -1, -1, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, session_reader, &h);
    for (int ms = 0; !__atomic_load_n(&h.done, __ATOMIC_ACQUIRE); ms += 50) {
        if (ms >= 20000) { /* cannot clean up deadlocked threads: end here */
            fprintf(stderr, "deadlock: a session's cache reads wait for another thread's put (20 s)\n");
            _exit(1);
        }
        usleep(50 * 1000);
    }
    pthread_join(th, NULL);
    assert_int_equal(h.gets_ok, 6);
    assert_int_equal(h.flush_rc, LMKV_EBUSY); /* buffered accesses kept */
    assert_int_equal(h.put_rc, LMKV_OK);      /* after the session's commit */
    assert_int_equal(lmkv_cache_flush(c), LMKV_OK);
    void *buf;
    size_t len;
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k2), LMKV_OK);
    assert_int_equal(len, g_resp[12].len);
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    int64_t at;
    uint64_t n;
    raw_atime(f, &k, &at, &n);
    assert_int_equal(n, 1 + 6);
}

struct thr { lmkv_cache *c; const lmkv_cache_key *k; int n; int ok; };
static void *reader(void *arg)
{
    struct thr *t = arg;
    for (int i = 0; i < t->n; i++) {
        void *buf;
        size_t len;
        if (lmkv_cache_get(&buf, &len, t->c, t->k) == LMKV_OK) {
            t->ok++;
            lmkv_free(buf);
        }
    }
    return NULL;
}

static void test_concurrent_readers_count_exactly(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 64, 3600000);
    lmkv_cache_key k = key_of(f, &g_resp[7], 1);
    assert_int_equal(lmkv_cache_put(c, &k, g_resp[7].body, g_resp[7].len, NULL, NULL, 0), LMKV_OK);
    pthread_t th[4];
    struct thr a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (struct thr){ c, &k, 300, 0 };
        pthread_create(&th[i], NULL, reader, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].ok, 300);
    }
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    int64_t at;
    uint64_t n;
    raw_atime(f, &k, &at, &n);
    assert_int_equal(n, 1 + 1200);
}

static void test_lru_eviction_under_budget(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 100000, 3600000);
    /* A, B, C with old access times (migrated), oldest first */
    lmkv_cache_key ks[4];
    uint64_t sizes[4], total = 0;
    for (int i = 0; i < 4; i++) { /* equal sizes: one response, four params */
        ks[i] = key_of(f, &g_resp[20], 1);
        ks[i].params_hash = 1000 + (uint64_t)i;
    }
    for (int i = 0; i < 3; i++) {
        lmkv_cache_entry e;
        lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
        e.response.data = (const uint8_t *)g_resp[20].body;
        e.response.len = g_resp[20].len;
        e.created_ns = e.last_accessed_ns = 1000 + 100 * i;
        e.access_count = 1;
        uint64_t before;
        assert_int_equal(lmkv_cache_bytes(&before, c), LMKV_OK);
        assert_int_equal(lmkv_cache_put_entry(c, &ks[i], &e), LMKV_OK);
        assert_int_equal(lmkv_cache_bytes(&total, c), LMKV_OK);
        sizes[i] = total - before;
    }
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    /* budget: the three fit, a fourth of the same size does not */
    uint64_t budget = total + sizes[0] / 2;
    c = open_cache(f, budget, 0, 100000, 3600000);
    void *buf;
    size_t len;
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &ks[0]), LMKV_OK); /* A is now recent */
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_put(c, &ks[3], g_resp[20].body, g_resp[20].len, NULL, NULL, 0), LMKV_OK);
    /* B (least recently used) went; A (accessed), C, D stay */
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &ks[1]), LMKV_NOTFOUND);
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &ks[0]), LMKV_OK);
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &ks[2]), LMKV_OK);
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &ks[3]), LMKV_OK);
    lmkv_free(buf);
    uint64_t now;
    assert_int_equal(lmkv_cache_bytes(&now, c), LMKV_OK);
    assert_true(now <= budget);
    /* explicit eviction down to nothing */
    size_t removed = 0;
    assert_int_equal(lmkv_cache_evict(&removed, c, 0), LMKV_OK);
    assert_int_equal(removed, 3);
    assert_int_equal(lmkv_cache_bytes(&now, c), LMKV_OK);
    assert_int_equal(now, 0);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

static void test_size_limit(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 1000, 0, 0);
    char *big = malloc(LMKV_CACHE_MAX_ENTRY_DEFAULT + 1);
    memset(big, 'x', LMKV_CACHE_MAX_ENTRY_DEFAULT + 1);
    lmkv_cache_key k = key_of(f, &g_resp[0], 1);
    assert_int_equal(lmkv_cache_put(c, &k, big, 1001, NULL, NULL, 0), LMKV_ETOOBIG);
    assert_non_null(strstr(lmkv_errmsg(), "1001"));
    assert_non_null(strstr(lmkv_errmsg(), "1000"));
    void *buf;
    size_t len;
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_NOTFOUND);
    assert_int_equal(lmkv_cache_put(c, &k, big, 1000, NULL, NULL, 0), LMKV_OK);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    /* the daemon's default: 10 MiB */
    c = open_cache(f, 0, 0, 0, 0);
    assert_int_equal(lmkv_cache_put(c, &k, big, LMKV_CACHE_MAX_ENTRY_DEFAULT + 1, NULL, NULL, 0), LMKV_ETOOBIG);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    /* an entry larger than the whole budget */
    c = open_cache(f, 500, 0, 0, 0);
    assert_int_equal(lmkv_cache_put(c, &k, big, 600, NULL, NULL, 0), LMKV_ETOOBIG);
    assert_non_null(strstr(lmkv_errmsg(), "budget"));
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    /* the 1000-byte entry is still there and intact */
    c = open_cache(f, 0, 0, 0, 0);
    assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), LMKV_OK);
    assert_int_equal(len, 1000);
    lmkv_free(buf);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    free(big);
}

static void test_migration_put_keeps_metadata(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 0, 0);
    const resp *r = NULL;
    for (size_t i = 0; i < g_nresp; i++)
        if (g_resp[i].access_count > 1) {
            r = &g_resp[i];
            break;
        }
    assert_non_null(r);
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    e.response.data = (const uint8_t *)r->body;
    e.response.len = r->len;
    e.created_ns = r->created_ns;
    e.last_accessed_ns = r->accessed_ns;
    e.access_count = r->access_count;
    e.legacy_key = r->legacy_key;
    lmkv_cache_key k = key_of(f, r, 0); /* content version unknown */
    assert_int_equal(lmkv_cache_put_entry(c, &k, &e), LMKV_OK);
    lmkv_store_txn *t;
    lmkv_cache_entry got;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_cache_get_entry(&got, c, t, &k), LMKV_OK);
    assert_int_equal(got.created_ns, r->created_ns);
    assert_int_equal(got.last_accessed_ns, r->accessed_ns);
    assert_int_equal(got.access_count, r->access_count);
    assert_string_equal(got.legacy_key, r->legacy_key);
    assert_int_equal(got.response.len, r->len);
    lmkv_store_txn_end(t);
    /* once the file's real version is known, the unknown-version entry goes */
    size_t removed = 0;
    assert_int_equal(lmkv_cache_invalidate(&removed, c, f->ws, r->path, 42), LMKV_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
}

/* A position of 0,0 is a position (stored, read back as 0); no position
 * (LMKV_POSITION_NONE, as a migrated daemon entry) is absent from the record,
 * reads back as LMKV_POSITION_NONE and renders as JSON null; the key bytes
 * hold none as 0,0, so a lookup with either finds the entry. */
static void test_position_none_is_not_zero(void **state)
{
    fx *f = *state;
    lmkv_cache *c = open_cache(f, 0, 0, 0, 0);
    const resp *r = &g_resp[0];
    lmkv_cache_key k0 = key_of(f, r, 5);      /* 0,0: the request's position */
    assert_int_equal(lmkv_cache_put(c, &k0, r->body, r->len, "json", NULL, 3), LMKV_OK);
    lmkv_cache_entry e;
    lmkv_record_init(LMKV_REC_CACHE_ENTRY, &e);
    assert_int_equal(e.position_line, LMKV_POSITION_NONE);
    assert_int_equal(e.position_character, LMKV_POSITION_NONE);
    e.response.data = (const uint8_t *)r->body;
    e.response.len = r->len;
    e.legacy_key = r->legacy_key;
    lmkv_cache_key kn = key_of(f, r, 6);      /* another version: no position */
    kn.line = kn.character = LMKV_POSITION_NONE;
    assert_int_equal(lmkv_cache_put_entry(c, &kn, &e), LMKV_OK);

    lmkv_store_txn *t;
    lmkv_cache_entry got;
    assert_int_equal(lmkv_store_txn_begin(&t, f->st), LMKV_OK);
    assert_int_equal(lmkv_cache_get_entry(&got, c, t, &k0), LMKV_OK);
    assert_int_equal(got.position_line, 0);
    assert_int_equal(got.position_character, 0);
    assert_int_equal(lmkv_cache_get_entry(&got, c, t, &kn), LMKV_OK);
    assert_int_equal(got.position_line, LMKV_POSITION_NONE);
    assert_int_equal(got.position_character, LMKV_POSITION_NONE);
    assert_string_equal(got.legacy_key, r->legacy_key);
    lmkv_cache_key kz = kn;
    kz.line = kz.character = 0;              /* none is 0,0 in the key */
    assert_int_equal(lmkv_cache_get_entry(&got, c, t, &kz), LMKV_OK);
    assert_int_equal(got.position_line, LMKV_POSITION_NONE);
    lmkv_store_txn_end(t);

    /* the records: a present 0 is written and renders as 0, none as null */
    lmkv_fbb *b = NULL;
    assert_int_equal(lmkv_fbb_new(&b), LMKV_OK);
    const uint8_t *buf;
    size_t len;
    char *js = NULL;
    assert_int_equal(lmkv_cache_entry_build(b, &e, &buf, &len), LMKV_OK);
    assert_int_equal(lmkv_record_to_json(&js, buf, len, 0), LMKV_OK);
    assert_non_null(strstr(js, "\"position_line\":null,\"position_character\":null"));
    free(js);
    size_t len_none = len;
    e.position_line = 0;
    e.position_character = 0;
    assert_int_equal(lmkv_cache_entry_build(b, &e, &buf, &len), LMKV_OK);
    assert_true(len > len_none); /* the two fields are in the encoding */
    assert_int_equal(lmkv_record_to_json(&js, buf, len, 0), LMKV_OK);
    assert_non_null(strstr(js, "\"position_line\":0,\"position_character\":0"));
    free(js);
    lmkv_cache_entry back;
    assert_int_equal(lmkv_cache_entry_read(&back, buf, len), LMKV_OK);
    assert_int_equal(back.position_line, 0);
    assert_int_equal(back.position_character, 0);
    lmkv_fbb_free(b);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
}

static void test_removed_file_version_takes_its_entries(void **state)
{
    fx *f = *state;
    lmkv_file_version fv;
    lmkv_record_init(LMKV_REC_FILE_VERSION, &fv);
    fv.workspace_id = f->ws;
    fv.path = "mdb.c";
    fv.git_blob_id = "0983684f";
    assert_int_equal(lmkv_file_version_id(&fv.id, f->ws, fv.path, fv.git_blob_id), LMKV_OK);
    lmkv_store_session *s;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_put_file(s, &fv, NULL), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    lmkv_cache *c = open_cache(f, 0, 0, 0, 0);
    size_t n_fv = 0;
    for (size_t i = 0; i < g_nresp; i++) {
        /* mdb.c's answers for this version, everything else for version 7 */
        uint64_t ver = strcmp(g_resp[i].path, "mdb.c") == 0 && i % 2 == 0 ? fv.id : 7;
        n_fv += ver == fv.id;
        lmkv_cache_key k = key_of(f, &g_resp[i], ver);
        assert_int_equal(lmkv_cache_put(c, &k, g_resp[i].body, g_resp[i].len, NULL, NULL, 0), LMKV_OK);
    }
    assert_true(n_fv > 0);
    uint64_t before, after;
    assert_int_equal(lmkv_cache_bytes(&before, c), LMKV_OK);
    size_t removed = 0;
    assert_int_equal(lmkv_store_session_begin(&s, f->st), LMKV_OK);
    assert_int_equal(lmkv_store_remove_file(&removed, s, f->ws, fv.id), LMKV_OK);
    assert_int_equal(lmkv_store_session_commit(s), LMKV_OK);
    assert_int_equal(removed, n_fv + 2); /* + the FileVersion record and its store.fv_blob entry */
    for (size_t i = 0; i < g_nresp; i++) {
        uint64_t ver = strcmp(g_resp[i].path, "mdb.c") == 0 && i % 2 == 0 ? fv.id : 7;
        lmkv_cache_key k = key_of(f, &g_resp[i], ver);
        void *buf = NULL;
        size_t len;
        assert_int_equal(lmkv_cache_get(&buf, &len, c, &k), ver == fv.id ? LMKV_NOTFOUND : LMKV_OK);
        lmkv_free(buf);
    }
    assert_int_equal(lmkv_cache_bytes(&after, c), LMKV_OK);
    assert_true(after < before);
    assert_int_equal(lmkv_cache_close(c), LMKV_OK);
    assert_int_equal(lmkv_store_verify(NULL, f->st, NULL, NULL), LMKV_OK);
}

static void test_params_hash(void **state)
{
    (void)state;
    uint64_t a, b, d;
    const char *p1 = "{\"position\":{\"character\":4,\"line\":3793}}";
    const char *p2 = "{ \"position\" : { \"line\": 3793, \"character\": 4 } }";
    const char *p3 = "{\"position\":{\"character\":5,\"line\":3793}}";
    assert_int_equal(lmkv_cache_params_hash(&a, p1, strlen(p1)), LMKV_OK);
    assert_int_equal(lmkv_cache_params_hash(&b, p2, strlen(p2)), LMKV_OK);
    assert_int_equal(lmkv_cache_params_hash(&d, p3, strlen(p3)), LMKV_OK);
    assert_int_equal(a, b);
    assert_int_not_equal(a, d);
    assert_int_equal(lmkv_cache_params_hash(&a, "{\"a\":", 5), LMKV_EPARSE);
    assert_non_null(strstr(lmkv_errmsg(), "byte"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_real_responses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalidation_on_file_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_per_method_per_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batched_access_updates_persist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_inside_a_session_keep_access_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_reads_never_wait_for_a_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_readers_count_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_eviction_under_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_put_keeps_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_position_none_is_not_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_file_version_takes_its_entries, setup, teardown),
        cmocka_unit_test(test_params_hash),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
