/*
 * test_migrate_bincode.c -- the bincode decoder against the real daemon
 * values in the sled fixtures: every pair of the daemon's trees is decoded,
 * rebuilt as JSON in the layout of the fixture's .decoded.jsonl (written from
 * the live sled database with the daemon's Rust structs) and compared with
 * that line field for field (json_equal). Plus refusals of damaged values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmkv_migrate.h"
#include "util/lmkv_test_files.h"

static json_t *jstr(lmkv_slice s) { return json_stringn(s.ptr, s.len); }
static json_t *jtime(lmkv_systime t) { return json_pack("{s:I,s:I}", "secs", (json_int_t)t.secs, "nanos", (json_int_t)t.nanos); }

static json_t *jnode_key(const lmkv_daemon_node_key *k)
{
    return json_pack("{s:o,s:o,s:o}", "symbol", jstr(k->symbol), "file", jstr(k->file), "content_md5",
                     jstr(k->content_md5));
}

static json_t *jcalls(const lmkv_daemon_call_info *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:o,s:o,s:I,s:I,s:o}", "name", jstr(c[i].name), "file_path",
                                           jstr(c[i].file_path), "line", (json_int_t)c[i].line, "column",
                                           (json_int_t)c[i].column, "symbol_kind", jstr(c[i].symbol_kind)));
    return a;
}

/* The .decoded.jsonl line of (tree, key): nodes are matched by key_hex, the
 * rest by the key text. */
static json_t *find_line(json_t *lines, const unsigned char *tree, size_t tlen, const void *key, size_t klen)
{
    size_t i;
    json_t *l;
    char *kh = malloc(2 * klen + 1);
    lmkv_test_hex(kh, key, klen);
    json_array_foreach(lines, i, l) {
        const char *t = json_string_value(json_object_get(l, "tree"));
        if (strlen(t) != tlen || memcmp(t, tree, tlen)) continue;
        json_t *khj = json_object_get(l, "key_hex");
        if (khj) {
            if (!strcmp(json_string_value(khj), kh)) { free(kh); return l; }
        } else {
            json_t *k = json_object_get(l, "key");
            if (json_string_length(k) == klen && !memcmp(json_string_value(k), key, klen)) { free(kh); return l; }
        }
    }
    free(kh);
    return NULL;
}

static void expect_equal(json_t *mine, json_t *theirs, const char *what)
{
    if (!json_equal(mine, theirs)) {
        char *a = json_dumps(mine, JSON_SORT_KEYS | JSON_COMPACT), *b = json_dumps(theirs, JSON_SORT_KEYS | JSON_COMPACT);
        fprintf(stderr, "%s differs:\n mine:    %s\n fixture: %s\n", what, a, b);
        free(a);
        free(b);
    }
    assert_true(json_equal(mine, theirs));
}

static size_t check_pair(json_t *lines, const lmkv_dump_event *ev)
{
    json_t *line = find_line(lines, ev->name, ev->name_len, ev->key, ev->key_len);
    if (!line) return 0;
    assert_int_equal(json_integer_value(json_object_get(line, "value_len")), ev->value_len);
    json_t *want = json_object_get(line, "value");
    json_t *mine = NULL;
#define TREE(s) (ev->name_len == sizeof s - 1 && !memcmp(ev->name, s, sizeof s - 1))
    if (TREE("universal_cache")) {
        lmkv_daemon_cache_entry e;
        assert_int_equal(lmkv_bincode_cache_entry(&e, ev->value, ev->value_len), LMKV_OK);
        json_error_t err;
        json_t *data = json_loadb(e.data.ptr, e.data.len, 0, &err);
        assert_non_null(data);
        mine = json_pack("{s:o,s:I,s:{s:I,s:o,s:o,s:I}}", "data", data, "data_len", (json_int_t)e.data.len,
                         "metadata", "access_count", (json_int_t)e.access_count, "created_at", jtime(e.created_at),
                         "last_accessed", jtime(e.last_accessed), "size_bytes", (json_int_t)e.size_bytes);
        lmkv_daemon_cache_key k;
        assert_int_equal(lmkv_daemon_cache_key_parse(&k, ev->key, ev->key_len), LMKV_OK);
        char *method = strndup(k.method_in_key.ptr, k.method_in_key.len);
        for (char *p = method; *p; p++) if (*p == '_') *p = '/';
        json_t *kf = json_pack("{s:o,s:s,s:o,s:o,s:o,s:o}", "workspace_id", jstr(k.workspace_id), "method", method,
                               "method_in_key", jstr(k.method_in_key), "workspace_relative_path", jstr(k.path),
                               "content_hash", jstr(k.content_hash), "symbol",
                               k.has_symbol ? jstr(k.symbol) : json_null());
        free(method);
        expect_equal(kf, json_object_get(line, "key_fields"), "key_fields");
        json_decref(kf);
    } else if (TREE("cache_stats")) {
        uint64_t v;
        assert_int_equal(lmkv_bincode_counter(&v, ev->value, ev->value_len), LMKV_OK);
        mine = json_integer((json_int_t)v);
    } else if (TREE("nodes")) {
        lmkv_daemon_node_key nk;
        assert_int_equal(lmkv_bincode_node_key(&nk, ev->key, ev->key_len), LMKV_OK);
        json_t *jk = jnode_key(&nk);
        expect_equal(jk, json_object_get(line, "key"), "node key");
        json_decref(jk);
        lmkv_daemon_node n;
        assert_int_equal(lmkv_bincode_node(&n, ev->value, ev->value_len), LMKV_OK);
        mine = json_pack("{s:o,s:o,s:o,s:{s:o,s:o},s:o,s:s,s:I}", "key", jnode_key(&n.key), "branch",
                         n.has_branch ? jstr(n.branch) : json_null(), "git_hash",
                         n.has_git_hash ? jstr(n.git_hash) : json_null(), "info", "incoming_calls",
                         jcalls(n.incoming, n.n_incoming), "outgoing_calls", jcalls(n.outgoing, n.n_outgoing),
                         "created_at", jtime(n.created_at), "language", lmkv_daemon_language_name(n.language),
                         "language_variant_index", (json_int_t)n.language);
        lmkv_daemon_node_clear(&n);
    } else if (TREE("file_index") || TREE("git_index")) {
        lmkv_daemon_node_key *keys = NULL;
        size_t nk = 0;
        assert_int_equal(lmkv_bincode_node_key_list(&keys, &nk, ev->value, ev->value_len), LMKV_OK);
        json_t *a = json_array(), *h = json_array();
        /* re-encode each NodeKey to check the hex of the inner vectors too */
        for (size_t i = 0; i < nk; i++) {
            json_array_append_new(a, jnode_key(&keys[i]));
            size_t len = 24 + keys[i].symbol.len + keys[i].file.len + keys[i].content_md5.len;
            unsigned char *enc = malloc(len);
            size_t o = 0;
            const lmkv_slice *parts[3] = {&keys[i].symbol, &keys[i].file, &keys[i].content_md5};
            for (int p = 0; p < 3; p++) {
                for (int b = 0; b < 8; b++) enc[o++] = (unsigned char)((uint64_t)parts[p]->len >> (8 * b));
                memcpy(enc + o, parts[p]->ptr, parts[p]->len);
                o += parts[p]->len;
            }
            char *hx = malloc(2 * len + 1);
            lmkv_test_hex(hx, enc, len);
            json_array_append_new(h, json_string(hx));
            free(hx);
            free(enc);
        }
        lmkv_free(keys);
        mine = json_pack("{s:o,s:o}", "node_keys", a, "node_keys_hex", h);
    } else if (TREE("metadata")) {
        lmkv_daemon_cache_metadata m;
        assert_int_equal(lmkv_bincode_cache_metadata(&m, ev->value, ev->value_len), LMKV_OK);
        mine = json_pack("{s:o,s:I,s:I,s:I}", "last_cleanup", jtime(m.last_cleanup), "total_nodes",
                         (json_int_t)m.total_nodes, "total_size_bytes", (json_int_t)m.total_size_bytes, "version",
                         (json_int_t)m.version);
    } else {
        fail_msg("unexpected tree in decoded.jsonl");
    }
#undef TREE
    expect_equal(mine, want, "value");
    json_decref(mine);
    return 1;
}

static void run_fixture(const char *name)
{
    json_t *lines = lmkv_test_load_jsonl(lmkv_test_sled_fixture(name, ".decoded.jsonl"));
    lmkv_dump_reader *r = NULL;
    assert_int_equal(lmkv_dump_reader_open(&r, lmkv_test_sled_fixture(name, ".sleddump")), LMKV_OK);
    lmkv_dump_event ev;
    int rc;
    size_t matched = 0;
    while ((rc = lmkv_dump_reader_next(r, &ev)) == LMKV_OK)
        if (ev.kind == LMKV_DUMP_PAIR) matched += check_pair(lines, &ev);
    assert_int_equal(rc, LMKV_NOTFOUND);
    /* every line of the fixture was matched by a pair of the dump */
    assert_int_equal(matched, json_array_size(lines));
    lmkv_dump_reader_free(r);
    json_decref(lines);
}

static void test_universal_cache_fixture(void **state) { (void)state; run_fixture("probe-universal-cache"); }
static void test_legacy_call_graph_fixture(void **state) { (void)state; run_fixture("probe-legacy-call-graph"); }

static void test_refusals(void **state)
{
    (void)state;
    /* A real CacheEntry value, then damaged copies of it. */
    lmkv_dump_reader *r = NULL;
    assert_int_equal(lmkv_dump_reader_open(&r, lmkv_test_sled_fixture("probe-universal-cache", ".sleddump")), LMKV_OK);
    lmkv_dump_event ev;
    unsigned char *v = NULL;
    size_t vl = 0;
    while (lmkv_dump_reader_next(r, &ev) == LMKV_OK)
        if (ev.kind == LMKV_DUMP_PAIR && ev.name_len == 15 && !v) {
            v = malloc(ev.value_len + 1);
            memcpy(v, ev.value, ev.value_len);
            vl = ev.value_len;
        }
    lmkv_dump_reader_free(r);
    assert_non_null(v);
    lmkv_daemon_cache_entry e;
    assert_int_equal(lmkv_bincode_cache_entry(&e, v, vl), LMKV_OK);
    /* trailing byte */
    v[vl] = 0;
    assert_int_equal(lmkv_bincode_cache_entry(&e, v, vl + 1), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "1 trailing bytes"));
    /* truncated */
    assert_int_equal(lmkv_bincode_cache_entry(&e, v, vl - 1), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "size_bytes"));
    /* data length past the end */
    unsigned char save = v[7];
    v[7] = 0x80;
    assert_int_equal(lmkv_bincode_cache_entry(&e, v, vl), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "CacheEntry.data at byte offset 0"));
    v[7] = save;
    /* nanos >= 1e9 */
    uint64_t dl = 0;
    for (int i = 7; i >= 0; i--) dl = dl << 8 | v[i];
    size_t nanos = 8 + (size_t)dl + 8;
    v[nanos + 3] = 0xff;
    assert_int_equal(lmkv_bincode_cache_entry(&e, v, vl), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "nanos"));
    free(v);

    /* NodeKey with invalid UTF-8 and a bad Option tag in a PersistedNode */
    unsigned char nk[] = {1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    lmkv_daemon_node_key k;
    assert_int_equal(lmkv_bincode_node_key(&k, nk, sizeof nk), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "UTF-8"));
    nk[8] = 'a';
    assert_int_equal(lmkv_bincode_node_key(&k, nk, sizeof nk), LMKV_OK);
    assert_int_equal(k.symbol.len, 1);
    /* huge Vec counts do not allocate */
    unsigned char node[25 + 8] = {0};
    memcpy(node, nk, 25);
    memset(node + 25, 0xff, 8);
    lmkv_daemon_node n;
    assert_int_equal(lmkv_bincode_node(&n, node, sizeof node), LMKV_ECORRUPT);
    assert_non_null(strstr(lmkv_errmsg(), "incoming_calls"));
    lmkv_daemon_node_key *keys = NULL;
    size_t nkeys = 9;
    unsigned char idx[8] = {0};
    assert_int_equal(lmkv_bincode_node_key_list(&keys, &nkeys, idx, 8), LMKV_OK);
    assert_int_equal(nkeys, 0);
    assert_null(keys);
    uint64_t c;
    assert_int_equal(lmkv_bincode_counter(&c, idx, 7), LMKV_ECORRUPT);

    /* keys */
    lmkv_daemon_cache_key ck;
    const char *h64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char key[512];
    snprintf(key, sizeof key, "ws_x:textDocument_hover:src/a:b.c:%s:my_sym", h64);
    assert_int_equal(lmkv_daemon_cache_key_parse(&ck, key, strlen(key)), LMKV_OK);
    assert_int_equal(ck.path.len, 9);
    assert_memory_equal(ck.path.ptr, "src/a:b.c", 9);
    assert_true(ck.has_symbol);
    assert_int_equal(ck.symbol.len, 6);
    snprintf(key, sizeof key, "ws_x:textDocument_hover:src/a:b.c:%s", h64);
    assert_int_equal(lmkv_daemon_cache_key_parse(&ck, key, strlen(key)), LMKV_OK);
    assert_false(ck.has_symbol);
    assert_int_equal(ck.path.len, 9);
    assert_int_equal(lmkv_daemon_cache_key_parse(&ck, "ws:m:p:nothex", 13), LMKV_ECORRUPT);
    assert_int_equal(lmkv_daemon_cache_key_parse(&ck, "hits", 4), LMKV_ECORRUPT);
    assert_string_equal(lmkv_daemon_language_name(6), "C");
    assert_null(lmkv_daemon_language_name(99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_universal_cache_fixture),
        cmocka_unit_test(test_legacy_call_graph_fixture),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
