/*
 * daemon.c -- the probe daemon's graph storage methods over lmkv's kv layer
 * (daemon/lmkv_daemon.h is the specification).
 *
 * Trees (system trees of the db, "lmkv.daemon.<x>"):
 *   meta    "format" -> u8 3; "n.sym" "n.ws" "n.run" "n.q" -> be64 last id
 *   uid     uid bytes -> be64 id            idu  be64 id -> uid bytes
 *   sym     be64 id -> symbol record (its uid first)
 *   byfile  file_path 0 language 0 be64 id -> the symbol record
 *   byname  name 0 be64 id -> the record     byfqn  fqn 0 be64 id -> the record
 *   eout    be64 src, u8 rel, be64 tgt, language -> edge record (both uids first)
 *   ein     be64 tgt, u8 rel, be64 src, language -> the same edge record
 * The indexes and the incoming twin hold whole records (covering), so every
 * lookup and both call directions are one prefix scan with no second get.
 *   ws      be64 id -> schema/'s DaemonWorkspace (FlatBuffers, "LKDW":
 *           lmkv_daemon_workspace_record_build / _read)
 *   wsf     be64 ws, be64 file -> schema/'s DaemonFileLink (FlatBuffers,
 *           "LKDL": lmkv_daemon_file_link_build / _read)
 *   run     be64 id -> schema/'s AnalysisRun (FlatBuffers, "LKDR":
 *           lmkv_analysis_run_build / _read)
 *   queue   be32 (~priority, sign-flipped), be64 id -> schema/'s IndexerQueueItem
 *           (FlatBuffers, "LKIQ": lmkv_indexer_queue_item_build / _read)
 * Other records: a format byte 1, then fields in order; a string is a le32
 * length and its bytes (length 0xFFFFFFFF: NULL); numbers little-endian
 * fixed size. Format 1 (meta "format" 1) had the queue, run and workspace
 * records in that encoding too, format 2 the run and workspace records;
 * both had the links as 17 raw bytes (be64 fv, u8 status, be64 run).
 * lmkv_daemon_open converts
 * them (format 3) on a writable open, in one transaction, and reads them as
 * they are on a read-only one.
 */
#include "lmkv_daemon.h"
#include "kv_array_int.h"
#include "lmkv_schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { T_META, T_UID, T_IDU, T_SYM, T_BYFILE, T_BYNAME, T_BYFQN, T_EOUT, T_EIN, T_WS, T_WSF, T_RUN, T_QUEUE, T_N };
static const char *const tree_names[T_N] = {"meta", "uid", "idu", "sym", "byfile", "byname", "byfqn",
                                            "eout", "ein", "ws", "wsf", "run", "queue"};

struct lmkv_daemon {
    lmkv_db *db;
    lmkv_tree *t[T_N];
    int format; /* of the trees: 3, or 1 or 2 (a read-only db not converted) */
};

/* The format this code writes: 3 (queue records are IndexerQueueItem since
 * format 2; run, workspace and link records AnalysisRun, DaemonWorkspace
 * and DaemonFileLink since format 3). */
#define DAEMON_FORMAT 3

static const char *const rel_names[13] = {NULL, "has_child", "inherits_from", "implements", "overrides",
                                          "references", "calls", "instantiates", "imports", "includes",
                                          "depends_on", "definition", "implementation"};

const char *lmkv_daemon_relation_name(int relation)
{
    return relation >= 1 && relation <= 12 ? rel_names[relation] : NULL;
}

int lmkv_daemon_relation_from_name(lmkv_daemon_relation *out, const char *name)
{
    if (!out || !name) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_relation_from_name: NULL argument");
    for (int r = 1; r <= 12; r++)
        if (!strcmp(rel_names[r], name)) { *out = (lmkv_daemon_relation)r; return LMKV_OK; }
    return lmkv_error_set(LMKV_NOTFOUND, "Unknown edge relation: %s", name);
}

/* ------------------------------------------------------------ bytes */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    int oom;
    uint8_t *inl; /* a caller-owned first buffer (p == inl: not freed), or NULL */
} buf;

static void b_need(buf *b, size_t k)
{
    if (b->oom || b->n + k <= b->cap) return;
    if (k > SIZE_MAX - b->n) { b->oom = 1; return; }
    if (b->inl && b->p == b->inl ? LMKV_ARRAY_GROW_INLINE(b->p, b->cap, b->n + k, 256, b->inl, b->n)
                                 : LMKV_ARRAY_GROW(b->p, b->cap, b->n + k, 256))
        b->oom = 1;
}
static void b_put(buf *b, const void *v, size_t k)
{
    b_need(b, k);
    if (b->oom || !k) return;
    memcpy(b->p + b->n, v, k);
    b->n += k;
}
static void b_u8(buf *b, uint8_t v) { b_put(b, &v, 1); }
static void b_le32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    b_put(b, x, 4);
}
static void b_le64(buf *b, uint64_t v)
{
    b_le32(b, (uint32_t)v);
    b_le32(b, (uint32_t)(v >> 32));
}
static void b_be64(buf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (56 - 8 * i));
    b_put(b, x, 8);
}
static void b_str(buf *b, const char *s)
{
    if (!s) { b_le32(b, 0xFFFFFFFFu); return; }
    size_t k = strlen(s);
    b_le32(b, (uint32_t)k);
    b_put(b, s, k);
}
static void b_cstr0(buf *b, const char *s) { b_put(b, s, strlen(s) + 1); }
static void b_free(buf *b)
{
    if (b->p != b->inl) free(b->p);
    memset(b, 0, sizeof *b);
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}
static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* A record reader; strings are returned as (pointer, length) into the record. */
typedef struct rd {
    const uint8_t *p;
    size_t n, off;
    int bad;
} rd;
typedef struct sref {
    const char *p; /* NULL: absent */
    size_t n;
} sref;

static uint32_t r_le32(rd *r)
{
    if (r->bad || r->n - r->off < 4) { r->bad = 1; return 0; }
    const uint8_t *p = r->p + r->off;
    r->off += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t r_le64(rd *r)
{
    uint64_t lo = r_le32(r);
    return lo | (uint64_t)r_le32(r) << 32;
}
static uint8_t r_u8(rd *r)
{
    if (r->bad || r->off >= r->n) { r->bad = 1; return 0; }
    return r->p[r->off++];
}
static sref r_str(rd *r)
{
    sref s = {NULL, 0};
    uint32_t k = r_le32(r);
    if (r->bad || k == 0xFFFFFFFFu) return s;
    if (r->n - r->off < k) { r->bad = 1; return s; }
    s.p = (const char *)r->p + r->off;
    s.n = k;
    r->off += k;
    return s;
}

/* ------------------------------------------------------------ results */

/* A result under construction: items (fixed size) whose string fields hold
 * offset+1 into `strs` (0 = NULL) until out_finish packs both into one
 * allocation and turns offsets into pointers. */
typedef struct outb {
    buf items, strs;
    size_t isz, count;
    const size_t *soffs; /* offsets of the string fields in an item */
    size_t nsoffs;
    /* first buffers of items and strs: a small result (most lookups) costs
     * one malloc, o_finish's, not a growing items and strs each */
    _Alignas(8) uint8_t iinl[448];
    uint8_t sinl[576];
} outb;

/* Points items and strs at the inline buffers on first use (an outb is
 * not moved once used: it lives in its caller's frame or context). */
static void o_arm(outb *o)
{
    if (!o->items.p && !o->items.inl) o->items.p = o->items.inl = o->iinl, o->items.cap = sizeof o->iinl;
    if (!o->strs.p && !o->strs.inl) o->strs.p = o->strs.inl = o->sinl, o->strs.cap = sizeof o->sinl;
}

static void *o_add(outb *o)
{
    o_arm(o);
    b_need(&o->items, o->isz);
    if (o->items.oom) return NULL;
    void *it = o->items.p + o->items.n;
    memset(it, 0, o->isz);
    o->items.n += o->isz;
    o->count++;
    return it;
}
static const char *o_str(outb *o, const char *p, size_t n)
{
    if (!p) return NULL;
    o_arm(o);
    uintptr_t off = o->strs.n + 1;
    b_put(&o->strs, p, n);
    b_u8(&o->strs, 0);
    return (const char *)off;
}
static const char *o_sref(outb *o, sref s) { return o_str(o, s.p, s.n); }

static void o_free(outb *o)
{
    b_free(&o->items);
    b_free(&o->strs);
}

static int o_finish(void **res, size_t *count, outb *o)
{
    *res = NULL;
    if (count) *count = 0;
    if (o->items.oom || o->strs.oom) {
        o_free(o);
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon: out of memory building a result");
    }
    if (!o->count) { o_free(o); return LMKV_OK; }
    size_t ib = (o->items.n + 7) & ~(size_t)7;
    uint8_t *m = malloc(ib + o->strs.n + 1);
    if (!m) { o_free(o); return lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon: out of memory"); }
    memcpy(m, o->items.p, o->items.n);
    if (o->strs.n) memcpy(m + ib, o->strs.p, o->strs.n);
    for (size_t i = 0; i < o->count; i++)
        for (size_t k = 0; k < o->nsoffs; k++) {
            const char **f = (const char **)(void *)(m + i * o->isz + o->soffs[k]);
            uintptr_t v = (uintptr_t)*f;
            *f = v ? (const char *)(m + ib + v - 1) : NULL;
        }
    *res = m;
    if (count) *count = o->count;
    o_free(o);
    return LMKV_OK;
}

#define SYM_SOFFS(base)                                                                                     \
    base offsetof(lmkv_daemon_symbol, symbol_uid), base offsetof(lmkv_daemon_symbol, file_path),            \
        base offsetof(lmkv_daemon_symbol, language), base offsetof(lmkv_daemon_symbol, name),               \
        base offsetof(lmkv_daemon_symbol, fqn), base offsetof(lmkv_daemon_symbol, kind),                    \
        base offsetof(lmkv_daemon_symbol, signature), base offsetof(lmkv_daemon_symbol, visibility),        \
        base offsetof(lmkv_daemon_symbol, documentation), base offsetof(lmkv_daemon_symbol, metadata)
static const size_t sym_soffs[] = {SYM_SOFFS(0 +)};
static const size_t enr_soffs[] = {SYM_SOFFS(offsetof(lmkv_daemon_enrichment, symbol) +)};
static const size_t edge_soffs[] = {offsetof(lmkv_daemon_edge, source_symbol_uid),
                                    offsetof(lmkv_daemon_edge, target_symbol_uid),
                                    offsetof(lmkv_daemon_edge, file_path), offsetof(lmkv_daemon_edge, language),
                                    offsetof(lmkv_daemon_edge, metadata)};
static const size_t ws_soffs[] = {offsetof(lmkv_daemon_workspace, name), offsetof(lmkv_daemon_workspace, description),
                                  offsetof(lmkv_daemon_workspace, branch_hint),
                                  offsetof(lmkv_daemon_workspace, created_at)};
static const size_t path_soffs[] = {offsetof(lmkv_daemon_path, symbol_uid), offsetof(lmkv_daemon_path, from_uid)};
static const size_t loc_soffs[] = {offsetof(lmkv_daemon_location, uri)};
static const size_t call_soffs[] = {offsetof(lmkv_daemon_call, symbol_uid), offsetof(lmkv_daemon_call, name),
                                    offsetof(lmkv_daemon_call, kind), offsetof(lmkv_daemon_call, uri)};
static const size_t q_soffs[] = {offsetof(lmkv_daemon_queue_item, language),
                                 offsetof(lmkv_daemon_queue_item, operation), offsetof(lmkv_daemon_queue_item, status)};
#define OUT_INIT(T, offs) {.isz = sizeof(T), .soffs = offs, .nsoffs = sizeof offs / sizeof offs[0]}

/* ------------------------------------------------------------ open */

static int convert_fn(void *ctx, lmkv_txn *txn);

int lmkv_daemon_open(lmkv_daemon **out, lmkv_db *db)
{
    if (!out || !db) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_open: NULL argument");
    *out = NULL;
    lmkv_daemon *d = calloc(1, sizeof *d);
    if (!d) return lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_open: out of memory");
    d->db = db;
    for (int i = 0; i < T_N; i++) {
        char name[64];
        snprintf(name, sizeof name, "lmkv.daemon.%s", tree_names[i]);
        int rc = lmkv_db_open_system_tree(&d->t[i], db, name, strlen(name));
        if (rc) {
            lmkv_error_wrap(rc, "lmkv_daemon_open: tree %s", name);
            lmkv_daemon_close(d);
            return rc;
        }
    }
    d->format = DAEMON_FORMAT;
    lmkv_bytes v = {0};
    int rc = lmkv_tree_get(&v, d->t[T_META], "format", 6);
    if (rc == LMKV_NOTFOUND) {
        if (lmkv_db_is_read_only(db)) { *out = d; return LMKV_OK; }
        rc = lmkv_tree_insert(NULL, d->t[T_META], "format", 6, "\3", 1);
    } else if (rc == LMKV_OK) {
        int f = v.size == 1 ? v.data[0] : -1;
        lmkv_free(v.data);
        if (f == 1 || f == 2) {
            d->format = f;
            if (!lmkv_db_is_read_only(db)) rc = lmkv_db_transaction(db, NULL, 0, convert_fn, d);
            if (rc) lmkv_error_wrap(rc, "lmkv_daemon_open: converting daemon format %d to %d", f, DAEMON_FORMAT);
        } else if (f != DAEMON_FORMAT) {
            rc = lmkv_error_set(LMKV_EVERSION, "lmkv_daemon_open: trees of daemon format %d, this is format %d", f,
                                DAEMON_FORMAT);
        }
    }
    if (rc) { lmkv_daemon_close(d); return rc; }
    *out = d;
    return LMKV_OK;
}

void lmkv_daemon_close(lmkv_daemon *d)
{
    if (!d) return;
    for (int i = 0; i < T_N; i++) lmkv_tree_close(d->t[i]);
    free(d);
}

/* ------------------------------------------------------------ txn helpers */

static int next_id(uint64_t *out, lmkv_txn *txn, lmkv_daemon *d, const char *counter)
{
    lmkv_pair p;
    uint64_t v = 0;
    int rc = lmkv_txn_get(&p, txn, d->t[T_META], counter, strlen(counter));
    if (rc == LMKV_OK && p.value_size == 8) v = get_be64(p.value);
    else if (rc != LMKV_NOTFOUND && rc) return rc;
    uint8_t x[8];
    put_be64(x, ++v);
    rc = lmkv_txn_insert(txn, d->t[T_META], counter, strlen(counter), x, 8);
    if (rc) return rc;
    *out = v;
    return LMKV_OK;
}

/* uid -> id; create: assign one if new. */
static int uid_id(uint64_t *out, lmkv_txn *txn, lmkv_daemon *d, const char *uid, int create)
{
    size_t n = strlen(uid);
    if (n == 4 && !memcmp(uid, "none", 4)) { *out = 0; return LMKV_OK; }
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, d->t[T_UID], uid, n);
    if (rc == LMKV_OK) {
        if (p.value_size != 8) return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: uid map entry of %zu bytes", p.value_size);
        *out = get_be64(p.value);
        return LMKV_OK;
    }
    if (rc != LMKV_NOTFOUND || !create) return rc;
    uint64_t id;
    if ((rc = next_id(&id, txn, d, "n.sym"))) return rc;
    uint8_t k[8];
    put_be64(k, id);
    if ((rc = lmkv_txn_insert(txn, d->t[T_UID], uid, n, k, 8))) return rc;
    if ((rc = lmkv_txn_insert(txn, d->t[T_IDU], k, 8, uid, n))) return rc;
    *out = id;
    return LMKV_OK;
}

/* id -> uid bytes (borrowed from the txn). */
static int id_uid(sref *out, lmkv_txn *txn, lmkv_daemon *d, uint64_t id)
{
    if (!id) { out->p = "none"; out->n = 4; return LMKV_OK; }
    uint8_t k[8];
    put_be64(k, id);
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, d->t[T_IDU], k, 8);
    if (rc == LMKV_NOTFOUND) return lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon: no symbol uid of id %llu", (unsigned long long)id);
    if (rc) return rc;
    out->p = (const char *)p.value;
    out->n = p.value_size;
    return LMKV_OK;
}

static int read_begin(lmkv_txn **txn, lmkv_daemon *d) { return lmkv_txn_begin(txn, d->db, LMKV_TXN_READ_ONLY); }

/* ------------------------------------------------------------ workspaces */

static void utc_now(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* NUL-terminated copies of the n strings s (NULL for an absent one) in
 * *out, in one allocation *blk (free it). */
static int cstrs(char **blk, const char **out, const sref *s, int n)
{
    size_t tot = 1;
    for (int i = 0; i < n; i++) tot += s[i].n + 1;
    char *m = malloc(tot);
    if (!m) return lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon: out of memory");
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        out[i] = s[i].p ? m + off : NULL;
        if (s[i].n) memcpy(m + off, s[i].p, s[i].n);
        m[off + s[i].n] = 0;
        off += s[i].n + 1;
    }
    *blk = m;
    return LMKV_OK;
}

/* Build rec, a schema/ record of the given type, and insert it at key k
 * (kn bytes) of tree t inside txn. */
static int rec_put(lmkv_txn *txn, lmkv_tree *t, const void *k, size_t kn, lmkv_record_type type, const void *rec)
{
    lmkv_fbb *b;
    int rc = lmkv_fbb_new(&b);
    if (rc) return rc;
    const uint8_t *out;
    size_t n;
    rc = lmkv_record_build(b, type, rec, &out, &n);
    if (!rc) rc = lmkv_txn_insert(txn, t, k, kn, out, n);
    lmkv_fbb_free(b);
    return rc;
}

/* Store one workspace as schema/'s DaemonWorkspace (key: be64 its id). */
static int ws_put(lmkv_txn *txn, lmkv_daemon *d, const lmkv_daemon_workspace_record *w)
{
    uint8_t k[8];
    put_be64(k, (uint64_t)w->workspace_id);
    return rec_put(txn, d->t[T_WS], k, 8, LMKV_REC_DAEMON_WORKSPACE, w);
}

typedef struct ws_fields {
    int64_t project;
    int active;
    sref created, name, desc, branch;
} ws_fields;

static sref sz(const char *s) { sref r = {s, s ? strlen(s) : 0}; return r; }

/* Workspace `id`'s record as format 3 (DaemonWorkspace) or formats 1 and 2
 * (the module's own encoding) store it; strings borrowed from the value. */
static int ws_decode(ws_fields *w, int format, int64_t id, const uint8_t *p, size_t n)
{
    if (format < 3) {
        rd r = {p, n, 0, 0};
        if (r_u8(&r) != 1) r.bad = 1;
        w->project = (int64_t)r_le64(&r);
        w->active = r_u8(&r);
        w->created = r_str(&r);
        w->name = r_str(&r);
        w->desc = r_str(&r);
        w->branch = r_str(&r);
        if (r.bad || !w->created.p || !w->name.p)
            return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: damaged workspace record %lld (format %d)", (long long)id,
                                  format);
        return LMKV_OK;
    }
    lmkv_daemon_workspace_record x;
    int rc = lmkv_daemon_workspace_record_read(&x, p, n);
    if (rc) return lmkv_error_wrap(rc, "lmkv_daemon: workspace record %lld", (long long)id);
    if (x.workspace_id != id || !x.created_at || !x.name)
        return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: workspace record %lld: of workspace %lld or without a name",
                              (long long)id, (long long)x.workspace_id);
    w->project = x.project_id;
    w->active = x.is_active;
    w->created = sz(x.created_at);
    w->name = sz(x.name);
    w->desc = sz(x.description);
    w->branch = sz(x.branch_hint);
    return LMKV_OK;
}

typedef struct ws_create_ctx {
    lmkv_daemon *d;
    const char *name, *branch;
    int64_t project, id;
} ws_create_ctx;

static int ws_create_fn(void *ctx, lmkv_txn *txn)
{
    ws_create_ctx *c = ctx;
    uint64_t id;
    int rc = next_id(&id, txn, c->d, "n.ws");
    if (rc) return rc;
    char now[20];
    utc_now(now);
    lmkv_daemon_workspace_record w;
    lmkv_record_init(LMKV_REC_DAEMON_WORKSPACE, &w);
    w.workspace_id = (int64_t)id;
    w.project_id = c->project;
    w.is_active = 1;
    w.created_at = now;
    w.name = c->name;
    w.branch_hint = c->branch;
    c->id = (int64_t)id;
    return ws_put(txn, c->d, &w);
}

int lmkv_daemon_workspace_create(int64_t *out_id, lmkv_daemon *d, const char *name, int64_t project_id,
                                 const char *branch_hint)
{
    if (!out_id || !d || !name) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_workspace_create: NULL argument");
    if (!*name) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_workspace_create: name: empty");
    ws_create_ctx c = {d, name, branch_hint, project_id, 0};
    int rc = lmkv_db_transaction(d->db, NULL, 0, ws_create_fn, &c);
    if (rc) return rc;
    *out_id = c.id;
    return LMKV_OK;
}

static void ws_fill(outb *o, lmkv_daemon_workspace *w, int64_t id, const ws_fields *f)
{
    w->workspace_id = id;
    w->project_id = f->project;
    w->is_active = f->active;
    w->name = o_sref(o, f->name);
    w->description = o_sref(o, f->desc);
    w->branch_hint = o_sref(o, f->branch);
    w->created_at = o_sref(o, f->created);
}

int lmkv_daemon_workspace_get(lmkv_daemon_workspace **res, lmkv_daemon *d, int64_t workspace_id)
{
    if (!res || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_workspace_get: NULL argument");
    *res = NULL;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    uint8_t k[8];
    put_be64(k, (uint64_t)workspace_id);
    lmkv_pair p;
    rc = lmkv_txn_get(&p, txn, d->t[T_WS], k, 8);
    if (rc == LMKV_NOTFOUND) rc = lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon_workspace_get: no workspace %lld", (long long)workspace_id);
    ws_fields f;
    outb o = OUT_INIT(lmkv_daemon_workspace, ws_soffs);
    if (!rc && !(rc = ws_decode(&f, d->format, workspace_id, p.value, p.value_size))) {
        lmkv_daemon_workspace *w = o_add(&o);
        if (w) ws_fill(&o, w, workspace_id, &f);
    }
    if (!rc) rc = o_finish((void **)res, NULL, &o);
    else o_free(&o);
    lmkv_txn_abort(txn);
    return rc;
}

static int ws_cmp(const void *a, const void *b)
{
    const lmkv_daemon_workspace *x = a, *y = b;
    int c = strcmp(y->created_at, x->created_at);
    if (c) return c;
    return x->workspace_id < y->workspace_id ? 1 : x->workspace_id > y->workspace_id ? -1 : 0;
}

int lmkv_daemon_workspace_list(lmkv_daemon_workspace **res, size_t *count, lmkv_daemon *d, int has_project,
                               int64_t project_id)
{
    if (!res || !count || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_workspace_list: NULL argument");
    *res = NULL;
    *count = 0;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    lmkv_iter *it;
    if ((rc = lmkv_txn_iter(&it, txn, d->t[T_WS]))) { lmkv_txn_abort(txn); return rc; }
    outb o = OUT_INIT(lmkv_daemon_workspace, ws_soffs);
    lmkv_pair p;
    while (!(rc = lmkv_iter_next(&p, it))) {
        ws_fields f;
        if (p.key_size != 8 || (rc = ws_decode(&f, d->format, (int64_t)get_be64(p.key), p.value, p.value_size))) {
            rc = rc ? rc : LMKV_ECORRUPT;
            break;
        }
        if (has_project && f.project != project_id) continue;
        lmkv_daemon_workspace *w = o_add(&o);
        if (w) ws_fill(&o, w, (int64_t)get_be64(p.key), &f);
    }
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    if (rc != LMKV_NOTFOUND) { o_free(&o); return rc; }
    if ((rc = o_finish((void **)res, count, &o))) return rc;
    if (*count) qsort(*res, *count, sizeof **res, ws_cmp);
    return LMKV_OK;
}

typedef struct ws_branch_ctx {
    lmkv_daemon *d;
    int64_t id;
    const char *branch;
} ws_branch_ctx;

static int ws_branch_fn(void *ctx, lmkv_txn *txn)
{
    ws_branch_ctx *c = ctx;
    uint8_t k[8];
    put_be64(k, (uint64_t)c->id);
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, c->d->t[T_WS], k, 8);
    if (rc == LMKV_NOTFOUND)
        return lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon_workspace_update_branch: no workspace %lld", (long long)c->id);
    if (rc) return rc;
    ws_fields f;
    if ((rc = ws_decode(&f, c->d->format, c->id, p.value, p.value_size))) return rc;
    /* copy the strings out: the insert below may move the page */
    sref s[3] = {f.created, f.name, f.desc};
    const char *cs[3];
    char *blk;
    if ((rc = cstrs(&blk, cs, s, 3))) return rc;
    lmkv_daemon_workspace_record w;
    lmkv_record_init(LMKV_REC_DAEMON_WORKSPACE, &w);
    w.workspace_id = c->id;
    w.project_id = f.project;
    w.is_active = f.active;
    w.created_at = cs[0];
    w.name = cs[1];
    w.description = cs[2];
    w.branch_hint = c->branch;
    rc = ws_put(txn, c->d, &w);
    free(blk);
    return rc;
}

int lmkv_daemon_workspace_update_branch(lmkv_daemon *d, int64_t workspace_id, const char *branch)
{
    if (!d || !branch) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_workspace_update_branch: NULL argument");
    ws_branch_ctx c = {d, workspace_id, branch};
    return lmkv_db_transaction(d->db, NULL, 0, ws_branch_fn, &c);
}

/* Store one workspace-file link as schema/'s DaemonFileLink (key: be64
 * workspace, be64 file). */
static int link_put(lmkv_txn *txn, lmkv_daemon *d, const lmkv_daemon_file_link *l)
{
    uint8_t k[16];
    put_be64(k, (uint64_t)l->workspace_id);
    put_be64(k + 8, (uint64_t)l->file_id);
    return rec_put(txn, d->t[T_WSF], k, 16, LMKV_REC_DAEMON_FILE_LINK, l);
}

/* A link as format 3 (DaemonFileLink) or formats 1 and 2 (17 raw bytes)
 * store it. */
static int link_decode(lmkv_daemon_file_link *l, int format, const lmkv_pair *p)
{
    if (p->key_size != 16) return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: file link key of %zu bytes", p->key_size);
    int64_t ws = (int64_t)get_be64(p->key), file = (int64_t)get_be64(p->key + 8);
    if (format < 3) {
        if (p->value_size != 17)
            return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: damaged file link %lld/%lld (format %d): %zu bytes",
                                  (long long)ws, (long long)file, format, p->value_size);
        lmkv_record_init(LMKV_REC_DAEMON_FILE_LINK, l);
        l->workspace_id = ws;
        l->file_id = file;
        l->file_version_id = (int64_t)get_be64(p->value);
        l->status = p->value[8];
        l->run_id = (int64_t)get_be64(p->value + 9);
        return LMKV_OK;
    }
    int rc = lmkv_daemon_file_link_read(l, p->value, p->value_size);
    if (rc) return lmkv_error_wrap(rc, "lmkv_daemon: file link %lld/%lld", (long long)ws, (long long)file);
    if (l->workspace_id != ws || l->file_id != file)
        return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: file link %lld/%lld: record of %lld/%lld", (long long)ws,
                              (long long)file, (long long)l->workspace_id, (long long)l->file_id);
    return LMKV_OK;
}

typedef struct link_ctx {
    lmkv_daemon *d;
    int64_t ws, file, fv, run;
    int status, set_status;
} link_ctx;

static int link_fn(void *ctx, lmkv_txn *txn)
{
    link_ctx *c = ctx;
    uint8_t k[16];
    lmkv_pair p;
    put_be64(k, (uint64_t)c->ws);
    int rc = lmkv_txn_get(&p, txn, c->d->t[T_WS], k, 8);
    if (rc == LMKV_NOTFOUND) return lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon: no workspace %lld", (long long)c->ws);
    if (rc) return rc;
    put_be64(k + 8, (uint64_t)c->file);
    rc = lmkv_txn_get(&p, txn, c->d->t[T_WSF], k, 16);
    lmkv_daemon_file_link l;
    lmkv_record_init(LMKV_REC_DAEMON_FILE_LINK, &l);
    l.workspace_id = c->ws;
    l.file_id = c->file;
    if (rc == LMKV_OK) {
        p.key = k;
        p.key_size = 16;
        if ((rc = link_decode(&l, c->d->format, &p))) return rc;
    } else if (rc == LMKV_NOTFOUND && c->set_status)
        return lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon_file_analysis_set: file %lld is not linked to workspace %lld",
                              (long long)c->file, (long long)c->ws);
    else if (rc && rc != LMKV_NOTFOUND) return rc;
    if (c->set_status) {
        put_be64(k, (uint64_t)c->run);
        rc = lmkv_txn_get(&p, txn, c->d->t[T_RUN], k, 8);
        if (rc == LMKV_NOTFOUND)
            return lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon_file_analysis_set: no analysis run %lld", (long long)c->run);
        if (rc) return rc;
        l.status = c->status;
        l.run_id = c->run;
    } else {
        l.file_version_id = c->fv;
    }
    return link_put(txn, c->d, &l);
}

int lmkv_daemon_link_file(lmkv_daemon *d, int64_t workspace_id, int64_t file_id, int64_t file_version_id)
{
    if (!d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_link_file: NULL argument");
    link_ctx c = {d, workspace_id, file_id, file_version_id, 0, 0, 0};
    return lmkv_db_transaction(d->db, NULL, 0, link_fn, &c);
}

/* --------------------------------------------------------------- symbols */

static void sym_encode(buf *b, const lmkv_daemon_symbol *s)
{
    b_u8(b, 1);
    b_str(b, s->symbol_uid);
    b_str(b, s->file_path);
    b_str(b, s->language);
    b_str(b, s->name);
    b_str(b, s->fqn);
    b_str(b, s->kind);
    b_str(b, s->signature);
    b_str(b, s->visibility);
    b_str(b, s->documentation);
    b_str(b, s->metadata);
    b_le32(b, s->def_start_line);
    b_le32(b, s->def_start_char);
    b_le32(b, s->def_end_line);
    b_le32(b, s->def_end_char);
    b_u8(b, (uint8_t)(s->is_definition != 0));
}

typedef struct sym_fields {
    sref uid, file, lang, name, fqn, kind, sig, vis, doc, meta;
    uint32_t l0, c0, l1, c1;
    int is_def;
} sym_fields;

static int sym_decode(sym_fields *f, const uint8_t *p, size_t n)
{
    rd r = {p, n, 0, 0};
    if (r_u8(&r) != 1) r.bad = 1;
    f->uid = r_str(&r);
    f->file = r_str(&r);
    f->lang = r_str(&r);
    f->name = r_str(&r);
    f->fqn = r_str(&r);
    f->kind = r_str(&r);
    f->sig = r_str(&r);
    f->vis = r_str(&r);
    f->doc = r_str(&r);
    f->meta = r_str(&r);
    f->l0 = r_le32(&r);
    f->c0 = r_le32(&r);
    f->l1 = r_le32(&r);
    f->c1 = r_le32(&r);
    f->is_def = r_u8(&r);
    if (r.bad || !f->uid.p || !f->file.p || !f->lang.p || !f->name.p || !f->kind.p)
        return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: damaged symbol record");
    return LMKV_OK;
}

/* Index keys of a symbol: file 0 lang 0 id / name 0 id / fqn 0 id. */
static void idx_key(buf *b, sref a, sref bb, uint64_t id)
{
    b->n = 0;
    b_put(b, a.p, a.n);
    b_u8(b, 0);
    if (bb.p) {
        b_put(b, bb.p, bb.n);
        b_u8(b, 0);
    }
    b_be64(b, id);
}

static int sym_index(lmkv_txn *txn, lmkv_daemon *d, const sym_fields *f, uint64_t id, int add, const buf *rec)
{
    buf k = {0};
    sref none = {NULL, 0};
    int rc = 0;
    for (int i = 0; i < 3 && !rc; i++) {
        int t = i == 0 ? T_BYFILE : i == 1 ? T_BYNAME : T_BYFQN;
        if (i == 0) idx_key(&k, f->file, f->lang, id);
        else if (i == 1) idx_key(&k, f->name, none, id);
        else if (f->fqn.p) idx_key(&k, f->fqn, none, id);
        else continue;
        if (k.oom) rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon: out of memory");
        else if (add) rc = lmkv_txn_insert(txn, d->t[t], k.p, k.n, rec->p, rec->n);
        else if ((rc = lmkv_txn_remove(txn, d->t[t], k.p, k.n)) == LMKV_NOTFOUND) rc = 0;
    }
    b_free(&k);
    return rc;
}

static sref sr(const char *s)
{
    sref r = {s, s ? strlen(s) : 0};
    return r;
}

typedef struct syms_ctx {
    lmkv_daemon *d;
    const lmkv_daemon_symbol *s;
    size_t n;
} syms_ctx;

static int store_symbols_fn(void *ctx, lmkv_txn *txn)
{
    syms_ctx *c = ctx;
    lmkv_daemon *d = c->d;
    buf v = {0};
    int rc = 0;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const lmkv_daemon_symbol *s = &c->s[i];
        uint64_t id;
        if ((rc = uid_id(&id, txn, d, s->symbol_uid, 1))) break;
        uint8_t k[8];
        put_be64(k, id);
        lmkv_pair p;
        rc = lmkv_txn_get(&p, txn, d->t[T_SYM], k, 8);
        if (rc == LMKV_OK) {
            sym_fields old;
            /* copy: removing index entries may move pages */
            uint8_t *cp = malloc(p.value_size ? p.value_size : 1);
            if (!cp) { rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_store_symbols: out of memory"); break; }
            memcpy(cp, p.value, p.value_size);
            if (!(rc = sym_decode(&old, cp, p.value_size))) rc = sym_index(txn, d, &old, id, 0, NULL);
            free(cp);
            if (rc) break;
        } else if (rc != LMKV_NOTFOUND) break;
        v.n = 0;
        sym_encode(&v, s);
        if (v.oom) { rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_store_symbols: out of memory"); break; }
        if ((rc = lmkv_txn_insert(txn, d->t[T_SYM], k, 8, v.p, v.n))) break;
        sym_fields nf = {.file = sr(s->file_path), .lang = sr(s->language), .name = sr(s->name), .fqn = sr(s->fqn)};
        rc = sym_index(txn, d, &nf, id, 1, &v);
    }
    b_free(&v);
    return rc;
}

static int check_symbols(const char *fn, const lmkv_daemon_symbol *symbols, size_t count)
{
    if (!symbols && count) return lmkv_error_set(LMKV_EINVAL, "%s: NULL symbols", fn);
    for (size_t i = 0; i < count; i++) {
        const lmkv_daemon_symbol *s = &symbols[i];
        const char *bad = !s->symbol_uid ? "symbol_uid: NULL"
                          : !*s->symbol_uid ? "symbol_uid: empty"
                          : !strcmp(s->symbol_uid, "none") ? "symbol_uid: \"none\" is the marker target"
                          : !s->file_path ? "file_path: NULL"
                          : !s->language ? "language: NULL"
                          : !s->name ? "name: NULL"
                          : !s->kind ? "kind: NULL" : NULL;
        if (bad) return lmkv_error_set(LMKV_EINVAL, "%s: symbols[%zu].%s", fn, i, bad);
    }
    return LMKV_OK;
}

int lmkv_daemon_store_symbols(lmkv_daemon *d, const lmkv_daemon_symbol *symbols, size_t count)
{
    if (!d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_store_symbols: NULL argument");
    int rc = check_symbols("lmkv_daemon_store_symbols", symbols, count);
    if (rc || !count) return rc;
    syms_ctx c = {d, symbols, count};
    return lmkv_db_transaction(d->db, NULL, 0, store_symbols_fn, &c);
}

/* Append the stored symbol `id` to o (as an lmkv_daemon_symbol at byte
 * offset `at` of the item). LMKV_NOTFOUND when no symbol is stored. */
static void sym_fill(outb *o, lmkv_daemon_symbol *s, const sym_fields *fp, uint64_t id)
{
    const sym_fields f = *fp;
    sref u = f.uid;
    s->symbol_uid = o_sref(o, u);
    s->file_path = o_sref(o, f.file);
    s->language = o_sref(o, f.lang);
    s->name = o_sref(o, f.name);
    s->fqn = o_sref(o, f.fqn);
    s->kind = o_sref(o, f.kind);
    s->signature = o_sref(o, f.sig);
    s->visibility = o_sref(o, f.vis);
    s->documentation = o_sref(o, f.doc);
    s->metadata = o_sref(o, f.meta);
    s->def_start_line = f.l0;
    s->def_start_char = f.c0;
    s->def_end_line = f.l1;
    s->def_end_char = f.c1;
    s->is_definition = f.is_def;
    s->symbol_id = id;
}

/* Append the stored symbol `id` (from its record value) to o. */
static int sym_emit_rec(outb *o, lmkv_daemon_symbol *s, const uint8_t *p, size_t n, uint64_t id)
{
    sym_fields f;
    int rc = sym_decode(&f, p, n);
    if (!rc) sym_fill(o, s, &f, id);
    return rc;
}

/* Append the stored symbol `id` to o. LMKV_NOTFOUND when none is stored. */
static int sym_emit(outb *o, lmkv_daemon_symbol *s, lmkv_txn *txn, lmkv_daemon *d, uint64_t id)
{
    uint8_t k[8];
    put_be64(k, id);
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, d->t[T_SYM], k, 8);
    if (rc) return rc;
    return sym_emit_rec(o, s, p.value, p.value_size, id);
}

/* Symbols of an index prefix (prefix = key up to the id). limit 0 = all. */
static int syms_by_prefix(lmkv_daemon_symbol **res, size_t *count, lmkv_daemon *d, int tree, const buf *prefix,
                          size_t limit)
{
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    lmkv_iter *it;
    if ((rc = lmkv_txn_scan_prefix(&it, txn, d->t[tree], prefix->p, prefix->n))) { lmkv_txn_abort(txn); return rc; }
    outb o = OUT_INIT(lmkv_daemon_symbol, sym_soffs);
    lmkv_pair p;
    while ((!limit || o.count < limit) && !(rc = lmkv_iter_next(&p, it))) {
        if (p.key_size != prefix->n + 8) continue; /* a longer key sharing the prefix cannot: 0 ends it */
        lmkv_daemon_symbol *s = o_add(&o);
        if (!s) continue;
        if ((rc = sym_emit_rec(&o, s, p.value, p.value_size, get_be64(p.key + prefix->n)))) break;
    }
    if (limit && o.count >= limit && !rc) rc = LMKV_NOTFOUND;
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    if (rc != LMKV_NOTFOUND) { o_free(&o); return rc; }
    return o_finish((void **)res, count, &o);
}

int lmkv_daemon_symbols_by_file(lmkv_daemon_symbol **res, size_t *count, lmkv_daemon *d, const char *file_path,
                                const char *language)
{
    if (!res || !count || !d || !file_path || !language)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_symbols_by_file: NULL argument");
    buf k = {0};
    b_cstr0(&k, file_path);
    b_cstr0(&k, language);
    int rc = k.oom ? LMKV_ENOMEM : syms_by_prefix(res, count, d, T_BYFILE, &k, 0);
    b_free(&k);
    return rc;
}

int lmkv_daemon_symbols_by_name(lmkv_daemon_symbol **res, size_t *count, lmkv_daemon *d, const char *name)
{
    if (!res || !count || !d || !name) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_symbols_by_name: NULL argument");
    buf k = {0};
    b_cstr0(&k, name);
    int rc = k.oom ? LMKV_ENOMEM : syms_by_prefix(res, count, d, T_BYNAME, &k, 0);
    b_free(&k);
    return rc;
}

int lmkv_daemon_symbol_by_fqn(lmkv_daemon_symbol **res, size_t *count, lmkv_daemon *d, const char *fqn)
{
    if (!res || !count || !d || !fqn) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_symbol_by_fqn: NULL argument");
    buf k = {0};
    b_cstr0(&k, fqn);
    int rc = k.oom ? LMKV_ENOMEM : syms_by_prefix(res, count, d, T_BYFQN, &k, 1);
    b_free(&k);
    return rc;
}

int lmkv_daemon_symbols_all(lmkv_daemon_symbol **res, size_t *count, lmkv_daemon *d)
{
    if (!res || !count || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_symbols_all: NULL argument");
    *res = NULL;
    *count = 0;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    lmkv_iter *it;
    if ((rc = lmkv_txn_iter(&it, txn, d->t[T_SYM]))) { lmkv_txn_abort(txn); return rc; }
    outb o = OUT_INIT(lmkv_daemon_symbol, sym_soffs);
    lmkv_pair p;
    while (!(rc = lmkv_iter_next(&p, it))) {
        if (p.key_size != 8) { rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: symbol key of %zu bytes", p.key_size); break; }
        lmkv_daemon_symbol *s = o_add(&o);
        if (s && (rc = sym_emit_rec(&o, s, p.value, p.value_size, get_be64(p.key)))) break;
    }
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    if (rc != LMKV_NOTFOUND) { o_free(&o); return rc; }
    return o_finish((void **)res, count, &o);
}

int lmkv_daemon_symbol_get(lmkv_daemon_symbol **res, lmkv_daemon *d, const char *symbol_uid)
{
    if (!res || !d || !symbol_uid) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_symbol_get: NULL argument");
    *res = NULL;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    uint64_t id = 0;
    outb o = OUT_INIT(lmkv_daemon_symbol, sym_soffs);
    rc = uid_id(&id, txn, d, symbol_uid, 0);
    if (!rc && id) {
        lmkv_daemon_symbol *s = o_add(&o);
        rc = s ? sym_emit(&o, s, txn, d, id) : 0;
    } else if (!rc) rc = LMKV_NOTFOUND;
    lmkv_txn_abort(txn);
    if (rc == LMKV_NOTFOUND) rc = lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon_symbol_get: no symbol %s", symbol_uid);
    if (rc) { o_free(&o); return rc; }
    return o_finish((void **)res, NULL, &o);
}

int lmkv_daemon_symbol_id(uint64_t *outid, lmkv_daemon *d, const char *symbol_uid)
{
    if (!outid || !d || !symbol_uid) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_symbol_id: NULL argument");
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    rc = uid_id(outid, txn, d, symbol_uid, 0);
    lmkv_txn_abort(txn);
    if (rc == LMKV_NOTFOUND) rc = lmkv_error_set(LMKV_NOTFOUND, "lmkv_daemon_symbol_id: unknown symbol_uid %s", symbol_uid);
    return rc;
}

int lmkv_daemon_symbol_uid(char **outuid, lmkv_daemon *d, uint64_t symbol_id)
{
    if (!outuid || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_symbol_uid: NULL argument");
    *outuid = NULL;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    sref u = {NULL, 0};
    if (!(rc = id_uid(&u, txn, d, symbol_id))) {
        *outuid = strndup(u.p, u.n);
        if (!*outuid) rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_symbol_uid: out of memory");
    }
    lmkv_txn_abort(txn);
    return rc;
}

/* ----------------------------------------------------------------- edges */

static void ekey(buf *b, uint64_t a, int rel, uint64_t z, const char *lang, size_t lang_n)
{
    b->n = 0;
    b_be64(b, a);
    b_u8(b, (uint8_t)rel);
    b_be64(b, z);
    b_put(b, lang, lang_n);
}

typedef struct edges_ctx {
    lmkv_daemon *d;
    const lmkv_daemon_edge *e;
    size_t n;
    lmkv_daemon_store_stats st;
} edges_ctx;

static int store_edges_fn(void *ctx, lmkv_txn *txn)
{
    edges_ctx *c = ctx;
    lmkv_daemon *d = c->d;
    memset(&c->st, 0, sizeof c->st);
    buf k = {0}, v = {0};
    int rc = 0;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const lmkv_daemon_edge *e = &c->e[i];
        if (e->relation != LMKV_DAEMON_CALLS && !strcmp(e->source_symbol_uid, e->target_symbol_uid)) {
            c->st.self_loops++;
            continue;
        }
        uint64_t s, t;
        if ((rc = uid_id(&s, txn, d, e->source_symbol_uid, 1)) || (rc = uid_id(&t, txn, d, e->target_symbol_uid, 1))) break;
        size_t ln = strlen(e->language);
        ekey(&k, s, e->relation, t, e->language, ln);
        if (k.oom) { rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_store_edges: out of memory"); break; }
        lmkv_pair p;
        rc = lmkv_txn_get(&p, txn, d->t[T_EOUT], k.p, k.n);
        if (rc == LMKV_OK) { c->st.duplicates++; rc = 0; continue; }
        if (rc != LMKV_NOTFOUND) break;
        v.n = 0;
        b_u8(&v, 1);
        b_str(&v, e->source_symbol_uid);
        b_str(&v, e->target_symbol_uid);
        b_str(&v, e->file_path);
        b_le64(&v, (uint64_t)e->start_line);
        b_le64(&v, (uint64_t)e->start_char);
        uint32_t fb;
        memcpy(&fb, &e->confidence, 4);
        b_le32(&v, fb);
        b_str(&v, e->metadata);
        if (v.oom) { rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_store_edges: out of memory"); break; }
        if ((rc = lmkv_txn_insert(txn, d->t[T_EOUT], k.p, k.n, v.p, v.n))) break;
        ekey(&k, t, e->relation, s, e->language, ln);
        if (k.oom) { rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_store_edges: out of memory"); break; }
        if ((rc = lmkv_txn_insert(txn, d->t[T_EIN], k.p, k.n, v.p, v.n))) break;
        c->st.stored++;
    }
    b_free(&k);
    b_free(&v);
    return rc;
}

static int check_edges(const char *fn, const lmkv_daemon_edge *edges, size_t count);

int lmkv_daemon_store_edges(lmkv_daemon_store_stats *stats, lmkv_daemon *d, const lmkv_daemon_edge *edges,
                            size_t count)
{
    if (stats) memset(stats, 0, sizeof *stats);
    if (!d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_store_edges: NULL argument");
    int rc = check_edges("lmkv_daemon_store_edges", edges, count);
    if (rc || !count) return rc;
    edges_ctx c = {d, edges, count, {0, 0, 0}};
    rc = lmkv_db_transaction(d->db, NULL, 0, store_edges_fn, &c);
    if (!rc && stats) *stats = c.st;
    return rc;
}

typedef struct both_ctx {
    syms_ctx s;
    edges_ctx e;
} both_ctx;

static int store_both_fn(void *ctx, lmkv_txn *txn)
{
    both_ctx *c = ctx;
    int rc = c->s.n ? store_symbols_fn(&c->s, txn) : 0;
    return rc ? rc : c->e.n ? store_edges_fn(&c->e, txn) : 0;
}

int lmkv_daemon_store(lmkv_daemon_store_stats *stats, lmkv_daemon *d, const lmkv_daemon_symbol *symbols,
                      size_t n_symbols, const lmkv_daemon_edge *edges, size_t n_edges)
{
    if (stats) memset(stats, 0, sizeof *stats);
    if (!d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_store: NULL argument");
    int rc = check_symbols("lmkv_daemon_store", symbols, n_symbols);
    if (!rc) rc = check_edges("lmkv_daemon_store", edges, n_edges);
    if (rc || (!n_symbols && !n_edges)) return rc;
    both_ctx c = {{d, symbols, n_symbols}, {d, edges, n_edges, {0, 0, 0}}};
    rc = lmkv_db_transaction(d->db, NULL, 0, store_both_fn, &c);
    if (!rc && stats) *stats = c.e.st;
    return rc;
}

static int check_edges(const char *fn, const lmkv_daemon_edge *edges, size_t count)
{
    if (!edges && count) return lmkv_error_set(LMKV_EINVAL, "%s: NULL edges", fn);
    for (size_t i = 0; i < count; i++) {
        const lmkv_daemon_edge *e = &edges[i];
        const char *bad = e->relation < 1 || e->relation > 12 ? "relation: outside 1..12"
                          : !e->source_symbol_uid ? "source_symbol_uid: NULL"
                          : !*e->source_symbol_uid ? "source_symbol_uid: empty"
                          : !e->target_symbol_uid ? "target_symbol_uid: NULL"
                          : !*e->target_symbol_uid ? "target_symbol_uid: empty"
                          : !e->language ? "language: NULL"
                          : isnan(e->confidence) || e->confidence < 0.0f || e->confidence > 1.0f ? "confidence: outside 0..1"
                          : e->start_line < -1 || e->start_line > (int64_t)UINT32_MAX ? "start_line: outside -1..UINT32_MAX"
                          : e->start_char < -1 || e->start_char > (int64_t)UINT32_MAX ? "start_char: outside -1..UINT32_MAX"
                                                                                       : NULL;
        if (bad) return lmkv_error_set(LMKV_EINVAL, "%s: edges[%zu].%s", fn, i, bad);
    }
    return LMKV_OK;
}

/* One stored edge, decoded, with borrowed strings. */
typedef struct edge_view {
    uint64_t src, tgt;
    int rel;
    sref suid, tuid, lang, file, meta;
    int64_t line, chr;
    float conf;
} edge_view;

/* An edge from its eout key (incoming 0) or ein key (incoming 1) and its
 * record (both trees hold the whole record). */
static int edge_decode(edge_view *e, const uint8_t *key, size_t kn, const uint8_t *val, size_t vn, int incoming)
{
    if (kn < 17) return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: edge key of %zu bytes", kn);
    e->src = get_be64(key + (incoming ? 9 : 0));
    e->rel = key[8];
    e->tgt = get_be64(key + (incoming ? 0 : 9));
    e->lang.p = (const char *)key + 17;
    e->lang.n = kn - 17;
    rd r = {val, vn, 0, 0};
    if (r_u8(&r) != 1) r.bad = 1;
    e->suid = r_str(&r);
    e->tuid = r_str(&r);
    e->file = r_str(&r);
    e->line = (int64_t)r_le64(&r);
    e->chr = (int64_t)r_le64(&r);
    uint32_t fb = r_le32(&r);
    memcpy(&e->conf, &fb, 4);
    e->meta = r_str(&r);
    if (r.bad || !e->suid.p || !e->tuid.p) return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: damaged edge record");
    return LMKV_OK;
}

typedef int (*edge_cb)(void *ctx, lmkv_txn *txn, const edge_view *e);

/* Visit the edges of symbol id: OUTGOING from eout, INCOMING via ein (then
 * the eout record), relation 0 = all. */
static int edges_visit(lmkv_txn *txn, lmkv_daemon *d, uint64_t id, int relation, int dir, edge_cb cb, void *ctx)
{
    uint8_t pre[9];
    put_be64(pre, id);
    pre[8] = (uint8_t)relation;
    size_t pn = relation ? 9 : 8;
    int rc = 0;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        int incoming = pass == 1;
        if (incoming ? !(dir & LMKV_DAEMON_INCOMING) : !(dir & LMKV_DAEMON_OUTGOING)) continue;
        lmkv_iter *it;
        if ((rc = lmkv_txn_scan_prefix(&it, txn, d->t[incoming ? T_EIN : T_EOUT], pre, pn))) return rc;
        lmkv_pair p;
        while (!(rc = lmkv_iter_next(&p, it))) {
            edge_view e;
            if ((rc = edge_decode(&e, p.key, p.key_size, p.value, p.value_size, incoming))) break;
            if (incoming && dir == LMKV_DAEMON_BOTH && e.src == id) continue; /* a self-loop: given by the outgoing pass */
            if ((rc = cb(ctx, txn, &e))) break;
        }
        lmkv_iter_free(it);
        if (rc == LMKV_NOTFOUND) rc = 0;
    }
    return rc;
}

typedef struct edge_out_ctx {
    outb o;
    lmkv_daemon *d;
} edge_out_ctx;

static int edge_emit(void *ctx, lmkv_txn *txn, const edge_view *e)
{
    edge_out_ctx *c = ctx;
    sref s = e->suid, t = e->tuid;
    lmkv_daemon_edge *x = o_add(&c->o);
    if (!x) return 0;
    x->relation = e->rel;
    x->source_symbol_uid = o_sref(&c->o, s);
    x->target_symbol_uid = o_sref(&c->o, t);
    x->file_path = o_sref(&c->o, e->file);
    x->start_line = e->line;
    x->start_char = e->chr;
    x->confidence = e->conf;
    x->language = o_sref(&c->o, e->lang);
    x->metadata = o_sref(&c->o, e->meta);
    return 0;
}

int lmkv_daemon_edges_of(lmkv_daemon_edge **res, size_t *count, lmkv_daemon *d, const char *symbol_uid, int relation,
                         int dir)
{
    if (!res || !count || !d || !symbol_uid) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_edges_of: NULL argument");
    *res = NULL;
    *count = 0;
    if (relation < 0 || relation > 12) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_edges_of: relation %d outside 0..12", relation);
    if (dir < 1 || dir > 3) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_edges_of: direction %d outside 1..3", dir);
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    uint64_t id;
    edge_out_ctx c = {OUT_INIT(lmkv_daemon_edge, edge_soffs), d};
    rc = uid_id(&id, txn, d, symbol_uid, 0);
    if (rc == LMKV_NOTFOUND) rc = 0;
    else if (!rc) rc = edges_visit(txn, d, id, relation, dir, edge_emit, &c);
    lmkv_txn_abort(txn);
    if (rc) { o_free(&c.o); return rc; }
    return o_finish((void **)res, count, &c.o);
}

int lmkv_daemon_edges_all(lmkv_daemon_edge **res, size_t *count, lmkv_daemon *d)
{
    if (!res || !count || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_edges_all: NULL argument");
    *res = NULL;
    *count = 0;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    lmkv_iter *it;
    if ((rc = lmkv_txn_iter(&it, txn, d->t[T_EOUT]))) { lmkv_txn_abort(txn); return rc; }
    edge_out_ctx c = {OUT_INIT(lmkv_daemon_edge, edge_soffs), d};
    lmkv_pair p;
    while (!(rc = lmkv_iter_next(&p, it))) {
        edge_view e;
        if ((rc = edge_decode(&e, p.key, p.key_size, p.value, p.value_size, 0)) || (rc = edge_emit(&c, txn, &e))) break;
    }
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    if (rc != LMKV_NOTFOUND) { o_free(&c.o); return rc; }
    return o_finish((void **)res, count, &c.o);
}

/* -------------------------------------------------------------- traverse */

typedef struct trav_ctx {
    outb o;
    lmkv_daemon *d;
    const int *rels;
    size_t nrels, max;
    uint64_t *next;
    size_t nnext, capnext;
    uint64_t from;
    uint32_t depth;
    int limit_hit;
} trav_ctx;

/* Called only with edges of a requested relation: the layer's scans are one
 * prefix scan per relation (trav_layer). */
static int trav_cb(void *ctx, lmkv_txn *txn, const edge_view *e)
{
    trav_ctx *c = ctx;
    (void)txn;
    if (e->tgt == 0) return 0;
    if (c->o.count >= c->max) { c->limit_hit = 1; return LMKV_ELIMIT; }
    sref s = e->suid, t = e->tuid;
    lmkv_daemon_path *x = o_add(&c->o);
    if (!x) return 0;
    x->symbol_uid = o_sref(&c->o, t);
    x->from_uid = o_sref(&c->o, s);
    x->depth = c->depth;
    x->relation = e->rel;
    if (LMKV_ARRAY_GROW(c->next, c->capnext, c->nnext + 1, 64))
        return lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_traverse: out of memory");
    c->next[c->nnext++] = e->tgt;
    return 0;
}

/* One layer: the outgoing edges of each symbol of the layer, one prefix
 * scan (source id, relation) per requested relation, relations ascending --
 * the order of the eout keys, so the paths come out in the order of one
 * scan of all relations filtered, without reading the edges of the others
 * (a function's references, children, definitions). */
static int trav_layer(lmkv_txn *txn, lmkv_daemon *d, trav_ctx *c, const uint64_t *layer, size_t nlayer)
{
    int rc = 0;
    for (size_t i = 0; i < nlayer && !rc; i++) {
        c->from = layer[i];
        for (size_t r = 0; r < c->nrels && !rc; r++)
            rc = edges_visit(txn, d, layer[i], c->rels[r], LMKV_DAEMON_OUTGOING, trav_cb, c);
    }
    return rc;
}

/* relations (each 1..12, checked) -> ascending distinct, in rels[13]. */
static size_t trav_rels(int rels[13], const int *relations, size_t n)
{
    int seen[13] = {0};
    for (size_t i = 0; i < n; i++) seen[relations[i]] = 1;
    size_t k = 0;
    for (int r = 1; r <= 12; r++)
        if (seen[r]) rels[k++] = r;
    return k;
}

int lmkv_daemon_traverse(lmkv_daemon_path **res, size_t *count, lmkv_daemon *d, const char *start_uid,
                         uint32_t max_depth, const int *relations, size_t n_relations, size_t max_results)
{
    if (!res || !count || !d || !start_uid || (!relations && n_relations))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_traverse: NULL argument");
    *res = NULL;
    *count = 0;
    if (!max_results) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_traverse: max_results 0");
    for (size_t i = 0; i < n_relations; i++)
        if (relations[i] < 1 || relations[i] > 12)
            return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_traverse: relations[%zu] = %d outside 1..12", i, relations[i]);
    if (!n_relations || !max_depth) return LMKV_OK;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    int rels[13];
    trav_ctx c = {.o = OUT_INIT(lmkv_daemon_path, path_soffs), .d = d, .rels = rels,
                  .nrels = trav_rels(rels, relations, n_relations), .max = max_results};
    uint64_t start;
    rc = uid_id(&start, txn, d, start_uid, 0);
    uint64_t *layer = NULL;
    size_t nlayer = 0;
    if (rc == LMKV_NOTFOUND) rc = 0, max_depth = 0;
    else if (!rc) {
        layer = malloc(sizeof *layer);
        if (!layer) rc = LMKV_ENOMEM;
        else layer[0] = start, nlayer = 1;
    }
    for (uint32_t depth = 1; !rc && depth <= max_depth && nlayer; depth++) {
        c.depth = depth;
        c.nnext = 0;
        rc = trav_layer(txn, d, &c, layer, nlayer);
        free(layer);
        layer = c.next;
        nlayer = c.nnext;
        c.next = NULL;
        c.capnext = c.nnext = 0;
    }
    free(layer);
    free(c.next);
    lmkv_txn_abort(txn);
    if (c.limit_hit)
        rc = lmkv_error_set(LMKV_ELIMIT, "lmkv_daemon_traverse: more than %zu edges from %s within depth %u", max_results,
                            start_uid, max_depth);
    if (rc) { o_free(&c.o); return rc; }
    return o_finish((void **)res, count, &c.o);
}

/* ---------------------------------------------------- LSP-shaped answers */

typedef struct loc_ctx {
    outb o;
    lmkv_daemon *d;
    uint64_t self;
    int match_target; /* only edges whose target is self */
    int rel_a, rel_b;
} loc_ctx;

static int loc_cb(void *ctx, lmkv_txn *txn, const edge_view *e)
{
    loc_ctx *c = ctx;
    if (e->rel != c->rel_a && e->rel != c->rel_b) return 0;
    if (!e->src || !e->tgt) return 0; /* marker */
    if (c->match_target && e->tgt != c->self) return 0;
    if (e->line < 0) return 0;
    sref uri = e->file;
    if (!uri.p) {
        uint8_t k[8];
        put_be64(k, e->src);
        lmkv_pair p;
        int rc = lmkv_txn_get(&p, txn, c->d->t[T_SYM], k, 8);
        if (rc == LMKV_NOTFOUND) return 0;
        if (rc) return rc;
        sym_fields f;
        if ((rc = sym_decode(&f, p.value, p.value_size))) return rc;
        uri = f.file;
    }
    lmkv_daemon_location *l = o_add(&c->o);
    if (!l) return 0;
    l->uri = o_sref(&c->o, uri);
    l->start_line = l->end_line = (uint32_t)e->line;
    l->start_char = l->end_char = e->chr < 0 ? 0 : (uint32_t)e->chr;
    return 0;
}

static int locations(lmkv_daemon_location **res, size_t *count, lmkv_daemon *d, const char *fn, const char *uid,
                     int rel_a, int rel_b, int dir, int include_decl)
{
    if (!res || !count || !d || !uid) return lmkv_error_set(LMKV_EINVAL, "%s: NULL argument", fn);
    *res = NULL;
    *count = 0;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    loc_ctx c = {OUT_INIT(lmkv_daemon_location, loc_soffs), d, 0, dir == LMKV_DAEMON_INCOMING, rel_a, rel_b};
    rc = uid_id(&c.self, txn, d, uid, 0);
    if (rc == LMKV_NOTFOUND) rc = 0;
    else if (!rc) {
        if (include_decl) {
            uint8_t k[8];
            put_be64(k, c.self);
            lmkv_pair p;
            rc = lmkv_txn_get(&p, txn, d->t[T_SYM], k, 8);
            sym_fields f;
            if (!rc && !(rc = sym_decode(&f, p.value, p.value_size))) {
                lmkv_daemon_location *l = o_add(&c.o);
                if (l) {
                    l->uri = o_sref(&c.o, f.file);
                    l->start_line = f.l0, l->start_char = f.c0, l->end_line = f.l1, l->end_char = f.c1;
                }
            }
            if (rc == LMKV_NOTFOUND) rc = 0;
        }
        if (!rc) rc = edges_visit(txn, d, c.self, rel_b == rel_a ? rel_a : 0, dir, loc_cb, &c);
    }
    lmkv_txn_abort(txn);
    if (rc) { o_free(&c.o); return rc; }
    return o_finish((void **)res, count, &c.o);
}

int lmkv_daemon_references(lmkv_daemon_location **res, size_t *count, lmkv_daemon *d, const char *symbol_uid,
                           int include_declaration)
{
    return locations(res, count, d, "lmkv_daemon_references", symbol_uid, LMKV_DAEMON_REFERENCES,
                     LMKV_DAEMON_REFERENCES, LMKV_DAEMON_BOTH, include_declaration);
}

int lmkv_daemon_definitions(lmkv_daemon_location **res, size_t *count, lmkv_daemon *d, const char *symbol_uid)
{
    return locations(res, count, d, "lmkv_daemon_definitions", symbol_uid, LMKV_DAEMON_DEFINITION,
                     LMKV_DAEMON_DEFINITION, LMKV_DAEMON_INCOMING, 0);
}

int lmkv_daemon_implementations(lmkv_daemon_location **res, size_t *count, lmkv_daemon *d, const char *symbol_uid)
{
    return locations(res, count, d, "lmkv_daemon_implementations", symbol_uid, LMKV_DAEMON_IMPLEMENTATION,
                     LMKV_DAEMON_IMPLEMENTS, LMKV_DAEMON_INCOMING, 0);
}

typedef struct call_ctx {
    outb o;
    lmkv_daemon *d;
    uint64_t self;
    size_t n_edges; /* CALLS edges seen, markers included */
    int pass_incoming;
} call_ctx;

static int call_cb(void *ctx, lmkv_txn *txn, const edge_view *e)
{
    call_ctx *c = ctx;
    c->n_edges++;
    uint64_t other = c->pass_incoming ? e->src : e->tgt;
    if (!e->src || !e->tgt) return 0;
    uint8_t k[8];
    put_be64(k, other);
    lmkv_pair p;
    int rc = lmkv_txn_get(&p, txn, c->d->t[T_SYM], k, 8);
    if (rc == LMKV_NOTFOUND) return 0;
    if (rc) return rc;
    sym_fields f;
    if ((rc = sym_decode(&f, p.value, p.value_size))) return rc;
    sref u = c->pass_incoming ? e->suid : e->tuid;
    lmkv_daemon_call *x = o_add(&c->o);
    if (!x) return 0;
    x->symbol_uid = o_sref(&c->o, u);
    x->name = o_sref(&c->o, f.name);
    x->kind = o_sref(&c->o, f.kind);
    x->uri = o_sref(&c->o, f.file);
    x->start_line = f.l0, x->start_char = f.c0, x->end_line = f.l1, x->end_char = f.c1;
    x->from_line = e->line < 0 ? 0 : (uint32_t)e->line;
    x->from_char = e->chr < 0 ? 0 : (uint32_t)e->chr;
    return 0;
}

int lmkv_daemon_call_hierarchy(int *analysed, lmkv_daemon_symbol **item, lmkv_daemon_call **calls, size_t *n_incoming,
                               size_t *count, lmkv_daemon *d, const char *symbol_uid)
{
    if (!analysed || !item || !calls || !n_incoming || !count || !d || !symbol_uid)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_call_hierarchy: NULL argument");
    *analysed = 0;
    *item = NULL;
    *calls = NULL;
    *n_incoming = *count = 0;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    call_ctx c = {OUT_INIT(lmkv_daemon_call, call_soffs), d, 0, 0, 0};
    outb io = OUT_INIT(lmkv_daemon_symbol, sym_soffs);
    size_t nin = 0;
    rc = uid_id(&c.self, txn, d, symbol_uid, 0);
    if (rc == LMKV_NOTFOUND) rc = 0, c.self = 0;
    if (!rc && c.self) {
        c.pass_incoming = 1;
        rc = edges_visit(txn, d, c.self, LMKV_DAEMON_CALLS, LMKV_DAEMON_INCOMING, call_cb, &c);
        nin = c.o.count;
        c.pass_incoming = 0;
        if (!rc) rc = edges_visit(txn, d, c.self, LMKV_DAEMON_CALLS, LMKV_DAEMON_OUTGOING, call_cb, &c);
        if (!rc && c.n_edges) {
            lmkv_daemon_symbol *s = o_add(&io);
            if (s && (rc = sym_emit(&io, s, txn, d, c.self)) == LMKV_NOTFOUND) {
                rc = 0;
                io.items.n = 0, io.count = 0;
            }
        }
    }
    lmkv_txn_abort(txn);
    if (!rc && c.n_edges) {
        if (!(rc = o_finish((void **)item, NULL, &io)) && (rc = o_finish((void **)calls, count, &c.o))) {
            lmkv_free(*item);
            *item = NULL;
        }
        if (!rc) *analysed = 1, *n_incoming = nin;
        return rc;
    }
    o_free(&io);
    o_free(&c.o);
    return rc;
}

/* ------------------------------------------------ analysis and queue */

/* Store one analysis run as schema/'s AnalysisRun (key: be64 run id). */
static int run_put(lmkv_txn *txn, lmkv_daemon *d, const lmkv_analysis_run *r)
{
    uint8_t k[8];
    put_be64(k, (uint64_t)r->run_id);
    return rec_put(txn, d->t[T_RUN], k, 8, LMKV_REC_ANALYSIS_RUN, r);
}

typedef struct run_ctx {
    lmkv_daemon *d;
    const char *s[4];
    int64_t id;
} run_ctx;

static int run_fn(void *ctx, lmkv_txn *txn)
{
    run_ctx *c = ctx;
    uint64_t id;
    int rc = next_id(&id, txn, c->d, "n.run");
    if (rc) return rc;
    char now[20];
    utc_now(now);
    lmkv_analysis_run r;
    lmkv_record_init(LMKV_REC_ANALYSIS_RUN, &r);
    r.run_id = (int64_t)id;
    r.analyzer_name = c->s[0];
    r.analyzer_version = c->s[1];
    r.language = c->s[2];
    r.config = c->s[3];
    r.started_at = now;
    c->id = (int64_t)id;
    return run_put(txn, c->d, &r);
}

int lmkv_daemon_analysis_run_create(int64_t *out_id, lmkv_daemon *d, const char *analyzer_name,
                                    const char *analyzer_version, const char *language, const char *config)
{
    if (!out_id || !d || !analyzer_name || !analyzer_version || !language || !config)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_analysis_run_create: NULL argument");
    run_ctx c = {d, {analyzer_name, analyzer_version, language, config}, 0};
    int rc = lmkv_db_transaction(d->db, NULL, 0, run_fn, &c);
    if (!rc) *out_id = c.id;
    return rc;
}

int lmkv_daemon_file_analysis_set(lmkv_daemon *d, int64_t workspace_id, int64_t file_id, int64_t run_id, int status)
{
    if (!d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_file_analysis_set: NULL argument");
    if (status < 0 || status > 2) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_file_analysis_set: status %d outside 0..2", status);
    link_ctx c = {d, workspace_id, file_id, 0, run_id, status, 1};
    return lmkv_db_transaction(d->db, NULL, 0, link_fn, &c);
}

int lmkv_daemon_analysis_progress(lmkv_daemon_progress *res, lmkv_daemon *d, int64_t workspace_id)
{
    if (!res || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_analysis_progress: NULL argument");
    memset(res, 0, sizeof *res);
    res->workspace_id = workspace_id;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    uint8_t pre[8];
    put_be64(pre, (uint64_t)workspace_id);
    lmkv_iter *it;
    if ((rc = lmkv_txn_scan_prefix(&it, txn, d->t[T_WSF], pre, 8))) { lmkv_txn_abort(txn); return rc; }
    lmkv_pair p;
    while (!(rc = lmkv_iter_next(&p, it))) {
        lmkv_daemon_file_link l;
        if ((rc = link_decode(&l, d->format, &p))) break;
        res->total_files++;
        if (l.status == LMKV_DAEMON_FILE_COMPLETED) res->analyzed_files++;
        else if (l.status == LMKV_DAEMON_FILE_FAILED) res->failed_files++;
        else res->pending_files++;
    }
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    if (rc != LMKV_NOTFOUND) return rc;
    res->completion_percentage = res->total_files ? (float)res->analyzed_files / (float)res->total_files * 100.0f : 0.0f;
    return LMKV_OK;
}

/* Store one queue row as schema/'s IndexerQueueItem at key k (12 bytes). */
static int queue_put(lmkv_txn *txn, lmkv_daemon *d, const uint8_t *k, const lmkv_indexer_queue_item *q)
{
    return rec_put(txn, d->t[T_QUEUE], k, 12, LMKV_REC_INDEXER_QUEUE_ITEM, q);
}

/* One queue entry, as format 2 (IndexerQueueItem) or format 1 (the
 * module's own encoding) stores it; strings borrowed from the value. */
typedef struct qrow {
    int64_t queue_id, file_id;
    int32_t priority;
    sref language, operation, status;
} qrow;

static int queue_decode(qrow *q, int format, const lmkv_pair *p)
{
    if (p->key_size != 12) return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: queue key of %zu bytes", p->key_size);
    q->queue_id = (int64_t)get_be64(p->key + 4);
    if (format == 1) {
        rd r = {p->value, p->value_size, 0, 0};
        if (r_u8(&r) != 1) r.bad = 1;
        q->file_id = (int64_t)r_le64(&r);
        q->priority = (int32_t)r_le32(&r);
        q->language = r_str(&r);
        q->operation = r_str(&r);
        q->status = r_str(&r);
        if (r.bad || !q->language.p || !q->operation.p || !q->status.p)
            return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: damaged queue entry %lld (format 1)", (long long)q->queue_id);
        return LMKV_OK;
    }
    lmkv_indexer_queue_item x;
    int rc = lmkv_indexer_queue_item_read(&x, p->value, p->value_size);
    if (rc) return lmkv_error_wrap(rc, "lmkv_daemon: queue entry %lld", (long long)q->queue_id);
    if (x.queue_id != q->queue_id || !x.language || !x.operation || !x.status)
        return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: queue entry %lld: record of queue id %lld or without a string",
                              (long long)q->queue_id, (long long)x.queue_id);
    q->file_id = x.file_id;
    q->priority = x.priority;
    q->language = sz(x.language);
    q->operation = sz(x.operation);
    q->status = sz(x.status);
    return LMKV_OK;
}

/* A format 1 queue record rewritten as an IndexerQueueItem. */
static int queue_convert(lmkv_txn *txn, lmkv_daemon *d, const lmkv_pair *p)
{
    qrow q;
    int rc = queue_decode(&q, 1, p);
    if (rc) return rc;
    lmkv_indexer_queue_item x;
    lmkv_record_init(LMKV_REC_INDEXER_QUEUE_ITEM, &x);
    x.queue_id = q.queue_id;
    x.file_id = q.file_id;
    x.priority = q.priority;
    sref f[3] = {q.language, q.operation, q.status};
    const char *c[3];
    char *blk;
    if ((rc = cstrs(&blk, c, f, 3))) return rc;
    x.language = c[0];
    x.operation = c[1];
    x.status = c[2];
    rc = queue_put(txn, d, p->key, &x);
    free(blk);
    return rc;
}

/* A format 1 or 2 run record (the module's own encoding: format byte 1,
 * analyzer name, version, language, config, started_at) rewritten as an
 * AnalysisRun. */
static int run_convert(lmkv_txn *txn, lmkv_daemon *d, const lmkv_pair *p)
{
    if (p->key_size != 8) return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: run key of %zu bytes", p->key_size);
    int64_t id = (int64_t)get_be64(p->key);
    rd r = {p->value, p->value_size, 0, 0};
    if (r_u8(&r) != 1) r.bad = 1;
    sref f[5];
    for (int i = 0; i < 5; i++) f[i] = r_str(&r);
    for (int i = 0; i < 5; i++) r.bad |= !f[i].p;
    if (r.bad || r.off != r.n)
        return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: damaged analysis run %lld (format %d)", (long long)id,
                              d->format);
    const char *c[5];
    char *blk;
    int rc = cstrs(&blk, c, f, 5);
    if (rc) return rc;
    lmkv_analysis_run x;
    lmkv_record_init(LMKV_REC_ANALYSIS_RUN, &x);
    x.run_id = id;
    x.analyzer_name = c[0];
    x.analyzer_version = c[1];
    x.language = c[2];
    x.config = c[3];
    x.started_at = c[4];
    rc = run_put(txn, d, &x);
    free(blk);
    return rc;
}

/* A format 1 or 2 workspace record rewritten as a DaemonWorkspace. */
static int ws_convert(lmkv_txn *txn, lmkv_daemon *d, const lmkv_pair *p)
{
    if (p->key_size != 8) return lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: workspace key of %zu bytes", p->key_size);
    ws_fields f;
    int64_t id = (int64_t)get_be64(p->key);
    int rc = ws_decode(&f, d->format, id, p->value, p->value_size);
    if (rc) return rc;
    sref s[4] = {f.created, f.name, f.desc, f.branch};
    const char *cs[4];
    char *blk;
    if ((rc = cstrs(&blk, cs, s, 4))) return rc;
    lmkv_daemon_workspace_record w;
    lmkv_record_init(LMKV_REC_DAEMON_WORKSPACE, &w);
    w.workspace_id = id;
    w.project_id = f.project;
    w.is_active = f.active;
    w.created_at = cs[0];
    w.name = cs[1];
    w.description = cs[2];
    w.branch_hint = cs[3];
    rc = ws_put(txn, d, &w);
    free(blk);
    return rc;
}

/* A format 1 or 2 link (17 raw bytes) rewritten as a DaemonFileLink. */
static int link_convert(lmkv_txn *txn, lmkv_daemon *d, const lmkv_pair *p)
{
    lmkv_daemon_file_link l;
    int rc = link_decode(&l, d->format, p);
    return rc ? rc : link_put(txn, d, &l);
}

/* Every record of tree t passed to fn, from a copy taken first (fn rewrites
 * the tree, which would move an iterator over it). */
static int tree_convert(lmkv_txn *txn, lmkv_daemon *d, int t,
                        int (*fn)(lmkv_txn *, lmkv_daemon *, const lmkv_pair *))
{
    lmkv_iter *it;
    int rc = lmkv_txn_iter(&it, txn, d->t[t]);
    if (rc) return rc;
    buf all = {0};
    size_t n = 0;
    lmkv_pair p;
    while (!(rc = lmkv_iter_next(&p, it))) {
        b_le32(&all, (uint32_t)p.key_size);
        b_put(&all, p.key, p.key_size);
        b_le32(&all, (uint32_t)p.value_size);
        b_put(&all, p.value, p.value_size);
        n++;
    }
    lmkv_iter_free(it);
    if (rc == LMKV_NOTFOUND) rc = 0;
    if (!rc && all.oom) rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_open: out of memory");
    rd r = {all.p, all.n, 0, 0};
    for (size_t i = 0; i < n && !rc; i++) {
        p.key_size = r_le32(&r);
        p.key = r.p + r.off;
        r.off += p.key_size;
        p.value_size = r_le32(&r);
        p.value = r.p + r.off;
        r.off += p.value_size;
        rc = fn(txn, d, &p);
    }
    b_free(&all);
    return rc;
}

/* Format 1 or 2 -> 3 (lmkv_daemon_open, a writable db), in one transaction:
 * format 1's queue records rewritten as IndexerQueueItem, format 1's and
 * 2's run, workspace and link records as AnalysisRun, DaemonWorkspace
 * and DaemonFileLink, then "format" 3. */
static int convert_fn(void *ctx, lmkv_txn *txn)
{
    lmkv_daemon *d = ctx;
    int rc = d->format == 1 ? tree_convert(txn, d, T_QUEUE, queue_convert) : 0;
    if (!rc) rc = tree_convert(txn, d, T_RUN, run_convert);
    if (!rc) rc = tree_convert(txn, d, T_WS, ws_convert);
    if (!rc) rc = tree_convert(txn, d, T_WSF, link_convert);
    if (!rc) rc = lmkv_txn_insert(txn, d->t[T_META], "format", 6, "\3", 1);
    if (!rc) d->format = DAEMON_FORMAT;
    return rc;
}

typedef struct queue_ctx {
    lmkv_daemon *d;
    int64_t file;
    const char *lang;
    int32_t prio;
} queue_ctx;

static int queue_fn(void *ctx, lmkv_txn *txn)
{
    queue_ctx *c = ctx;
    uint64_t id;
    int rc = next_id(&id, txn, c->d, "n.q");
    if (rc) return rc;
    uint8_t k[12];
    uint32_t pk = ~((uint32_t)c->prio ^ 0x80000000u); /* higher priority sorts first */
    for (int i = 0; i < 4; i++) k[i] = (uint8_t)(pk >> (24 - 8 * i));
    put_be64(k + 4, id);
    lmkv_indexer_queue_item q;
    lmkv_record_init(LMKV_REC_INDEXER_QUEUE_ITEM, &q);
    q.queue_id = (int64_t)id;
    q.file_id = c->file;
    q.language = c->lang;
    q.operation = "analyze";
    q.status = "pending";
    q.priority = c->prio;
    return queue_put(txn, c->d, k, &q);
}

int lmkv_daemon_queue_file(lmkv_daemon *d, int64_t file_id, const char *language, int32_t priority)
{
    if (!d || !language) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_queue_file: NULL argument");
    queue_ctx c = {d, file_id, language, priority};
    return lmkv_db_transaction(d->db, NULL, 0, queue_fn, &c);
}

int lmkv_daemon_queue_list(lmkv_daemon_queue_item **res, size_t *count, lmkv_daemon *d)
{
    if (!res || !count || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_queue_list: NULL argument");
    *res = NULL;
    *count = 0;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    lmkv_iter *it;
    if ((rc = lmkv_txn_iter(&it, txn, d->t[T_QUEUE]))) { lmkv_txn_abort(txn); return rc; }
    outb o = OUT_INIT(lmkv_daemon_queue_item, q_soffs);
    lmkv_pair p;
    while (!(rc = lmkv_iter_next(&p, it))) {
        qrow r;
        if ((rc = queue_decode(&r, d->format, &p))) break;
        lmkv_daemon_queue_item *q = o_add(&o);
        if (!q) continue;
        q->queue_id = r.queue_id;
        q->file_id = r.file_id;
        q->priority = r.priority;
        q->language = o_sref(&o, r.language);
        q->operation = o_sref(&o, r.operation);
        q->status = o_sref(&o, r.status);
    }
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    if (rc != LMKV_NOTFOUND) { o_free(&o); return rc; }
    return o_finish((void **)res, count, &o);
}

typedef struct need_ctx {
    int refs, impls, calls;
} need_ctx;

static int need_cb(void *ctx, lmkv_txn *txn, const edge_view *e)
{
    need_ctx *c = ctx;
    (void)txn;
    if (e->rel == LMKV_DAEMON_REFERENCES) c->refs = 1;
    else if (e->rel == LMKV_DAEMON_IMPLEMENTATION || e->rel == LMKV_DAEMON_IMPLEMENTS) c->impls = 1;
    else if (e->rel == LMKV_DAEMON_CALLS) c->calls = 1;
    return 0;
}

/* sqlite_backend.rs's candidate filter: s.kind IN ('function', 'method',
 * 'class', 'struct', 'enum', 'interface', 'trait') AND trim(s.file_path)
 * != '' AND s.file_path NOT LIKE '/dep/%' (SQLite's trim strips spaces
 * only; LIKE folds ASCII case, so "/DEP/x" is excluded too). */
static int enrich_candidate(const sym_fields *f)
{
    static const char *const kinds[] = {"function", "method", "class", "struct", "enum", "interface", "trait"};
    int kind = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !kind; i++)
        kind = f->kind.n == strlen(kinds[i]) && !memcmp(f->kind.p, kinds[i], f->kind.n);
    if (!kind) return 0;
    size_t blank = 0;
    while (blank < f->file.n && f->file.p[blank] == ' ') blank++;
    if (blank == f->file.n) return 0;
    static const char dep[5] = {'/', 'd', 'e', 'p', '/'};
    if (f->file.n < 5) return 1;
    for (int i = 0; i < 5; i++) {
        char ch = f->file.p[i];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch != dep[i]) return 1;
    }
    return 0;
}

/* The daemon's three "missing" queries: REFERENCES and
 * IMPLEMENTATION/IMPLEMENTS edges at the source end only (e.source_symbol_uid
 * = s.symbol_uid), CALLS at either end; one prefix scan per relation. */
static int enrich_needs(need_ctx *n, lmkv_txn *txn, lmkv_daemon *d, uint64_t id)
{
    static const int out_rels[] = {LMKV_DAEMON_REFERENCES, LMKV_DAEMON_IMPLEMENTATION, LMKV_DAEMON_IMPLEMENTS};
    int rc = 0;
    for (size_t i = 0; i < sizeof out_rels / sizeof out_rels[0] && !rc; i++)
        rc = edges_visit(txn, d, id, out_rels[i], LMKV_DAEMON_OUTGOING, need_cb, n);
    if (!rc) rc = edges_visit(txn, d, id, LMKV_DAEMON_CALLS, LMKV_DAEMON_BOTH, need_cb, n);
    return rc;
}

int lmkv_daemon_pending_enrichment(lmkv_daemon_enrichment **res, size_t *count, lmkv_daemon *d, size_t limit)
{
    if (!res || !count || !d) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_pending_enrichment: NULL argument");
    *res = NULL;
    *count = 0;
    lmkv_txn *txn;
    int rc = read_begin(&txn, d);
    if (rc) return rc;
    lmkv_iter *it;
    if ((rc = lmkv_txn_iter(&it, txn, d->t[T_SYM]))) { lmkv_txn_abort(txn); return rc; }
    outb o = OUT_INIT(lmkv_daemon_enrichment, enr_soffs);
    lmkv_pair p;
    while (o.count < limit && !(rc = lmkv_iter_next(&p, it))) {
        if (p.key_size != 8) { rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: symbol key of %zu bytes", p.key_size); break; }
        uint64_t id = get_be64(p.key);
        sym_fields f;
        if ((rc = sym_decode(&f, p.value, p.value_size))) break;
        if (!enrich_candidate(&f)) continue;
        need_ctx n = {0, 0, 0};
        if ((rc = enrich_needs(&n, txn, d, id))) break;
        if (n.refs && n.impls && n.calls) continue;
        lmkv_daemon_enrichment *x = o_add(&o);
        if (!x) continue;
        sym_fill(&o, &x->symbol, &f, id);
        x->needs_references = !n.refs;
        x->needs_implementations = !n.impls;
        x->needs_call_hierarchy = !n.calls;
    }
    if (o.count >= limit && !rc) rc = LMKV_NOTFOUND;
    lmkv_iter_free(it);
    lmkv_txn_abort(txn);
    if (rc != LMKV_NOTFOUND) { o_free(&o); return rc; }
    return o_finish((void **)res, count, &o);
}

/* ------------------------------------------------ marker deletion */

typedef struct delnone_ctx {
    lmkv_daemon *d;
    const char *uid;
    unsigned rels; /* bit r: relation r is deleted */
    uint64_t deleted;
} delnone_ctx;

/* Collect the keys (id, rel, 0, language) of tree `tree` under prefix id
 * whose relation is selected: in eout they are the uid -> "none" markers,
 * in ein the "none" -> uid ones. Each key goes into `keys` as le32 length
 * and bytes. */
static int delnone_collect(buf *keys, lmkv_txn *txn, lmkv_daemon *d, int tree, uint64_t id, unsigned rels)
{
    uint8_t pre[8];
    put_be64(pre, id);
    lmkv_iter *it;
    int rc = lmkv_txn_scan_prefix(&it, txn, d->t[tree], pre, 8);
    if (rc) return rc;
    lmkv_pair p;
    while (!(rc = lmkv_iter_next(&p, it))) {
        if (p.key_size < 17) { rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon: edge key of %zu bytes", p.key_size); break; }
        const uint8_t *k = p.key;
        if (get_be64(k + 9) != 0 || k[8] > 12 || !(rels >> k[8] & 1u)) continue;
        b_le32(keys, (uint32_t)p.key_size);
        b_put(keys, k, p.key_size);
    }
    lmkv_iter_free(it);
    if (rc == LMKV_NOTFOUND) rc = 0;
    if (!rc && keys->oom) rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_delete_none_edges: out of memory");
    return rc;
}

static int delnone_fn(void *ctx, lmkv_txn *txn)
{
    delnone_ctx *c = ctx;
    lmkv_daemon *d = c->d;
    c->deleted = 0;
    uint64_t id;
    int rc = uid_id(&id, txn, d, c->uid, 0);
    if (rc == LMKV_NOTFOUND) return LMKV_OK; /* never stored: no edges */
    if (rc) return rc;
    /* "none" itself (id 0): its markers are the none -> none edges, found
     * once in eout (their ein twin has the same bytes), so ein is not
     * scanned for it. */
    buf keys[2] = {{0}, {0}};
    for (int pass = 0; pass < 2 && !rc; pass++)
        if (pass == 0 || id != 0) rc = delnone_collect(&keys[pass], txn, d, pass ? T_EIN : T_EOUT, id, c->rels);
    for (int pass = 0; pass < 2 && !rc; pass++) {
        int here = pass ? T_EIN : T_EOUT, there = pass ? T_EOUT : T_EIN;
        rd r = {keys[pass].p, keys[pass].n, 0, 0};
        uint8_t twin[17];
        while (!rc && r.off < r.n) {
            uint32_t kn = r_le32(&r);
            const uint8_t *k = r.p + r.off;
            r.off += kn;
            /* (id, rel, 0, lang) here; its twin (0, rel, id, lang) there */
            if ((rc = lmkv_txn_remove(txn, d->t[here], k, kn))) break;
            buf tk = {0};
            memcpy(twin, k + 9, 8);
            twin[8] = k[8];
            memcpy(twin + 9, k, 8);
            b_put(&tk, twin, 17);
            b_put(&tk, k + 17, kn - 17);
            if (tk.oom) rc = lmkv_error_set(LMKV_ENOMEM, "lmkv_daemon_delete_none_edges: out of memory");
            else {
                rc = lmkv_txn_remove(txn, d->t[there], tk.p, tk.n);
                if (rc == LMKV_NOTFOUND)
                    rc = lmkv_error_set(LMKV_ECORRUPT, "lmkv_daemon_delete_none_edges: a marker edge without its twin");
            }
            b_free(&tk);
            if (!rc) c->deleted++;
        }
    }
    b_free(&keys[0]);
    b_free(&keys[1]);
    return rc;
}

int lmkv_daemon_delete_none_edges(uint64_t *out_deleted, lmkv_daemon *d, const char *symbol_uid, const int *relations,
                                  size_t n_relations)
{
    if (out_deleted) *out_deleted = 0;
    if (!out_deleted || !d || !symbol_uid || (!relations && n_relations))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_delete_none_edges: NULL argument");
    if (!*symbol_uid) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_delete_none_edges: symbol_uid: empty");
    unsigned rels = n_relations ? 0 : 0x1FFEu; /* bits 1..12 */
    for (size_t i = 0; i < n_relations; i++) {
        if (relations[i] < 1 || relations[i] > 12)
            return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_delete_none_edges: relations[%zu]: %d outside 1..12", i,
                                  relations[i]);
        rels |= 1u << relations[i];
    }
    delnone_ctx c = {d, symbol_uid, rels, 0};
    int rc = lmkv_db_transaction(d->db, NULL, 0, delnone_fn, &c);
    if (!rc) *out_deleted = c.deleted;
    return rc;
}
