/*
 * test_migrate_paths.c -- lmkv_migrate_import never stores a typed record
 * whose path escapes its workspace root: legacy call-graph nodes outside
 * --workspace-root, node files with ".." escaping the common root,
 * universal_cache keys with "../" or absolute paths (dumps built from the
 * real fixtures with the dump writer API). Those entries are kept raw,
 * reported by key (LMKV_MIGRATE_RAW_ONLY) and counted; sled's checksum of
 * the raw trees is unchanged (LMKV_MIGRATE_VERIFY).
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
#include "lmkv_schema.h"
#include "util/lmkv_test_files.h"

struct notes {
    int n_raw;
    char keys[64][512]; /* first 64 keys reported, hex-free: raw bytes (NUL-safe enough for text keys) */
    char trees[64][32];
};

static void on_notice(void *ctx, int kind, const unsigned char *tree, size_t tree_len,
                      const unsigned char *key, size_t key_len, const char *why)
{
    struct notes *nt = ctx;
    assert_int_equal(kind, LMKV_MIGRATE_RAW_ONLY);
    assert_non_null(strstr(why, "path"));
    if (nt->n_raw < 64) {
        snprintf(nt->keys[nt->n_raw], sizeof nt->keys[0], "%.*s", (int)(key_len > 500 ? 500 : key_len), key);
        snprintf(nt->trees[nt->n_raw], sizeof nt->trees[0], "%.*s", (int)tree_len, tree);
    }
    nt->n_raw++;
}

/* ------------------------------------------------------- dump rewriting */

struct kv { unsigned char *k, *v; size_t kl, vl; };

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    size_t n = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

/* Replaces every occurrence of `from` by `to` (same length) in p[0..n). */
static int subst(unsigned char *p, size_t n, const char *from, const char *to)
{
    size_t fl = strlen(from);
    int hits = 0;
    assert_int_equal(fl, strlen(to));
    for (size_t i = 0; i + fl <= n; i++)
        if (!memcmp(p + i, from, fl)) { memcpy(p + i, to, fl); hits++; }
    return hits;
}

typedef void (*rewrite_fn)(void *ctx, const unsigned char *tree, size_t tree_len, struct kv *pair);

/* Copies fixture `name` to $LMKV_TEST_TMP/out through fn (which may replace
 * a pair's key/value), each tree's pairs re-sorted by key. */
static void rewrite_dump(const char *name, const char *out, rewrite_fn fn, void *ctx)
{
    lmkv_dump_reader *r = NULL;
    lmkv_dump_writer *w = NULL;
    assert_int_equal(lmkv_dump_reader_open(&r, lmkv_test_sled_fixture(name, ".sleddump")), LMKV_OK);
    assert_int_equal(lmkv_dump_writer_open(&w, lmkv_test_tmp(out), 0), LMKV_OK);
    lmkv_dump_event ev;
    struct kv *pairs = NULL;
    size_t n = 0;
    unsigned char tname[256];
    size_t tlen = 0;
    while (lmkv_dump_reader_next(r, &ev) == LMKV_OK) {
        if (ev.kind == LMKV_DUMP_COLLECTION) {
            assert_int_equal(lmkv_dump_writer_tree(w, ev.name, ev.name_len), LMKV_OK);
            assert_true(ev.name_len <= sizeof tname);
            memcpy(tname, ev.name, ev.name_len);
            tlen = ev.name_len;
        } else if (ev.kind == LMKV_DUMP_PAIR) {
            pairs = realloc(pairs, (n + 1) * sizeof *pairs);
            assert_non_null(pairs);
            struct kv *p = &pairs[n++];
            p->kl = ev.key_len;
            p->vl = ev.value_len;
            p->k = malloc(p->kl + 1);
            p->v = malloc(p->vl + 1);
            memcpy(p->k, ev.key, p->kl);
            memcpy(p->v, ev.value, p->vl);
            if (!ev.is_meta) fn(ctx, tname, tlen, p);
        } else if (ev.kind == LMKV_DUMP_END) {
            if (n) qsort(pairs, n, sizeof *pairs, kv_cmp);
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(lmkv_dump_writer_pair(w, pairs[i].k, pairs[i].kl, pairs[i].v, pairs[i].vl), LMKV_OK);
                free(pairs[i].k);
                free(pairs[i].v);
            }
            n = 0;
            assert_int_equal(lmkv_dump_writer_end(w), LMKV_OK);
        }
    }
    free(pairs);
    assert_int_equal(lmkv_dump_writer_finish(w, NULL), LMKV_OK);
    lmkv_dump_writer_free(w);
    lmkv_dump_reader_free(r);
}

static int import_verify(lmkv_migrate_report *rep, struct notes *nt, const char *dump, const char *dir,
                         const char *root)
{
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    o.flags = LMKV_MIGRATE_VERIFY;
    o.workspace_root = root;
    o.notice = on_notice;
    o.notice_ctx = nt;
    int rc = lmkv_migrate_import(rep, dump, lmkv_test_tmp(dir), &o);
    if (rc) fprintf(stderr, "%s\n", lmkv_errmsg());
    return rc;
}

static lmkv_db *open_ro(const char *dir)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.read_only = 1;
    cfg.flush_every_ms = 0;
    lmkv_db *db = NULL;
    assert_int_equal(lmkv_db_open(&db, &cfg), LMKV_OK);
    return db;
}

/* sled's checksum of the dump equals lmkv's of the result (VERIFY) */
static void assert_raw_intact(const lmkv_migrate_report *rep, const char *dir)
{
    assert_true(rep->checksum_compared);
    assert_true(rep->dump_checksum_known);
    assert_int_equal(rep->db_checksum, rep->dump_checksum);
    lmkv_db *db = open_ro(lmkv_test_tmp(dir));
    uint32_t c;
    assert_int_equal(lmkv_db_checksum(&c, db), LMKV_OK);
    assert_int_equal(c, rep->dump_checksum);
    lmkv_db_close(db);
}

/* Every symbol stored in workspace ws: its path is relative, without "..". */
struct sym_paths { int n; };
static int on_sym(void *ctx, const lmkv_symbol *s)
{
    struct sym_paths *sp = ctx;
    sp->n++;
    assert_true(s->file_path[0] != '/');
    assert_null(strstr(s->file_path, ".."));
    return 0;
}

static int count_symbols(const char *dir, const char *root)
{
    uint64_t ws;
    assert_int_equal(lmkv_workspace_id(&ws, root), LMKV_OK);
    lmkv_db *db = open_ro(lmkv_test_tmp(dir));
    lmkv_store *st = NULL;
    lmkv_store_txn *tx = NULL;
    assert_int_equal(lmkv_store_open(&st, db), LMKV_OK);
    assert_int_equal(lmkv_store_txn_begin(&tx, st), LMKV_OK);
    struct sym_paths sp = {0};
    assert_int_equal(lmkv_store_symbols_by_name(tx, ws, "", 0, LMKV_STORE_ALL_VERSIONS | LMKV_STORE_PREFIX, on_sym, &sp),
                     LMKV_OK);
    lmkv_store_txn_end(tx);
    lmkv_store_close(st);
    lmkv_db_close(db);
    return sp.n;
}

/* ------------------------------------------------------------- tests */

static void test_legacy_outside_workspace_root_is_not_typed(void **state)
{
    (void)state;
    /* every node's file is under /home/dev/lmdb: none is inside /srv/elsewhere */
    json_t *lines = lmkv_test_load_jsonl(lmkv_test_sled_fixture("probe-legacy-call-graph", ".decoded.jsonl"));
    size_t i, nodes = 0, commits = 0;
    json_t *l;
    json_array_foreach(lines, i, l) {
        const char *t = json_string_value(json_object_get(l, "tree"));
        if (!strcmp(t, "nodes")) nodes++;
        if (!strcmp(t, "git_index")) commits++;
    }
    json_decref(lines);
    assert_true(nodes > 0);
    lmkv_migrate_report rep;
    struct notes nt;
    memset(&nt, 0, sizeof nt);
    assert_int_equal(import_verify(&rep, &nt, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), "out",
                                   "/srv/elsewhere"),
                     LMKV_OK);
    assert_int_equal(rep.typed_symbols, 0);
    assert_int_equal(rep.typed_calls, 0);
    assert_int_equal(rep.typed_file_versions, 0);
    assert_int_equal(rep.typed_commit_mappings, 0);
    assert_int_equal(rep.raw_only, nodes);
    assert_int_equal(nt.n_raw, nodes);
    for (int k = 0; k < nt.n_raw && k < 64; k++) assert_string_equal(nt.trees[k], "nodes");
    assert_raw_intact(&rep, "out");
    assert_int_equal(count_symbols("out", "/srv/elsewhere"), 0);
    (void)commits;

    /* the same dump with its own root: everything typed, nothing reported */
    memset(&nt, 0, sizeof nt);
    assert_int_equal(import_verify(&rep, &nt, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), "in",
                                   "/home/dev/lmdb/"),
                     LMKV_OK);
    assert_int_equal(rep.raw_only, 0);
    assert_int_equal(nt.n_raw, 0);
    assert_true(rep.typed_symbols > 0);
    assert_int_equal(count_symbols("in", "/home/dev/lmdb"), (int)rep.typed_symbols);
    /* a root spelled with ".." and "." is the same directory lexically */
    assert_int_equal(import_verify(&rep, &nt, lmkv_test_sled_fixture("probe-legacy-call-graph", ".sleddump"), "in2",
                                   "/home/x/../dev/./lmdb"),
                     LMKV_OK);
    assert_int_equal(rep.raw_only, 0);
    assert_true(rep.typed_symbols > 0);
}

static void dotdot_node(void *ctx, const unsigned char *tree, size_t tl, struct kv *p)
{
    int *hits = ctx;
    (void)tree;
    (void)tl;
    /* same length, so bincode's length prefixes stay right */
    *hits += subst(p->k, p->kl, "/home/dev/lmdb/mdb_load.c", "/home/dev/lmdb/../../ab.c");
    *hits += subst(p->v, p->vl, "/home/dev/lmdb/mdb_load.c", "/home/dev/lmdb/../../ab.c");
}

static void test_legacy_dotdot_escape_is_not_typed(void **state)
{
    (void)state;
    int hits = 0;
    rewrite_dump("probe-legacy-call-graph", "dotdot.sleddump", dotdot_node, &hits);
    assert_true(hits > 0);
    /* nodes naming mdb_load.c (as their file or in a call) escape the common root */
    json_t *lines = lmkv_test_load_jsonl(lmkv_test_sled_fixture("probe-legacy-call-graph", ".decoded.jsonl"));
    size_t i, escaping = 0, git_escaping = 0;
    json_t *l;
    json_array_foreach(lines, i, l) {
        const char *t = json_string_value(json_object_get(l, "tree"));
        char *s = json_dumps(l, JSON_COMPACT);
        if (!strcmp(t, "nodes") && strstr(s, "/home/dev/lmdb/mdb_load.c")) escaping++;
        if (!strcmp(t, "git_index") && strstr(s, "/home/dev/lmdb/mdb_load.c")) git_escaping++;
        free(s);
    }
    json_decref(lines);
    assert_true(escaping > 0);
    lmkv_migrate_report rep;
    struct notes nt;
    memset(&nt, 0, sizeof nt);
    assert_int_equal(import_verify(&rep, &nt, lmkv_test_tmp("dotdot.sleddump"), "dotdot", NULL), LMKV_OK);
    assert_int_equal(rep.raw_only, escaping + git_escaping);
    assert_int_equal(nt.n_raw, escaping + git_escaping);
    assert_true(rep.typed_symbols > 0);
    assert_raw_intact(&rep, "dotdot");
    /* the common root of the remaining nodes; no stored path escapes it */
    assert_int_equal(count_symbols("dotdot", "/home/dev/lmdb"), (int)rep.typed_symbols);
}

struct cache_rw { int n; char bad[2][512]; };

static void bad_cache_paths(void *ctx, const unsigned char *tree, size_t tl, struct kv *p)
{
    struct cache_rw *c = ctx;
    if (!(tl == 15 && !memcmp(tree, "universal_cache", 15)) || c->n >= 2) return;
    lmkv_daemon_cache_key k;
    assert_int_equal(lmkv_daemon_cache_key_parse(&k, p->k, p->kl), LMKV_OK);
    const char *np = c->n == 0 ? "src/../../../etc/passwd" : "/etc/shadow";
    size_t pre = (size_t)((const unsigned char *)k.path.ptr - p->k), post = p->kl - pre - k.path.len;
    unsigned char *nk = malloc(pre + strlen(np) + post);
    memcpy(nk, p->k, pre);
    memcpy(nk + pre, np, strlen(np));
    memcpy(nk + pre + strlen(np), p->k + pre + k.path.len, post);
    free(p->k);
    p->k = nk;
    p->kl = pre + strlen(np) + post;
    snprintf(c->bad[c->n], sizeof c->bad[0], "%.*s", (int)p->kl, (const char *)p->k);
    c->n++;
}

static void test_cache_paths_escaping_are_not_typed(void **state)
{
    (void)state;
    struct cache_rw c;
    memset(&c, 0, sizeof c);
    rewrite_dump("probe-universal-cache", "badcache.sleddump", bad_cache_paths, &c);
    assert_int_equal(c.n, 2);
    lmkv_migrate_report rep;
    struct notes nt;
    memset(&nt, 0, sizeof nt);
    assert_int_equal(import_verify(&rep, &nt, lmkv_test_tmp("badcache.sleddump"), "badcache", NULL), LMKV_OK);
    assert_int_equal(rep.raw_only, 2);
    assert_int_equal(nt.n_raw, 2);
    assert_int_equal(rep.typed_cache_entries, 148);
    for (int q = 0; q < 2; q++) {
        assert_string_equal(nt.trees[q], "universal_cache");
        assert_true(!strcmp(nt.keys[q], c.bad[0]) || !strcmp(nt.keys[q], c.bad[1]));
    }
    assert_raw_intact(&rep, "badcache");
    /* the raw tree keeps all 150 entries */
    lmkv_db *db = open_ro(lmkv_test_tmp("badcache"));
    lmkv_tree *t = NULL;
    uint64_t len;
    assert_int_equal(lmkv_db_open_tree_ex(&t, db, "universal_cache", 15, LMKV_TREE_NO_CREATE), LMKV_OK);
    assert_int_equal(lmkv_tree_len(&len, t), LMKV_OK);
    assert_int_equal(len, 150);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    /* a dry run reports the same entries */
    lmkv_migrate_options o;
    lmkv_migrate_options_init(&o);
    o.flags = LMKV_MIGRATE_DRY_RUN;
    assert_int_equal(lmkv_migrate_import(&rep, lmkv_test_tmp("badcache.sleddump"), lmkv_test_tmp("never"), &o), LMKV_OK);
    assert_int_equal(rep.raw_only, 2);
    assert_int_equal(rep.typed_cache_entries, 148);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_outside_workspace_root_is_not_typed),
        cmocka_unit_test(test_legacy_dotdot_escape_is_not_typed),
        cmocka_unit_test(test_cache_paths_escaping_are_not_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
