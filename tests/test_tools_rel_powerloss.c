/*
 * test_tools_rel_powerloss.c -- simulated power loss.
 *
 * No loop device or dm-flakey here (the sandbox cannot mount; see
 * bench/results/reliability.md), so this is the strongest fallback: a write
 * journal. This program interposes open/close/write/pwrite/writev/fsync/
 * fdatasync/msync (the calls liblmdb.so makes, `nm -D liblmdb.so`) and, in
 * a forked writer, records in a journal every write to data.mdb (offset and
 * bytes), every sync of it, writes through an O_DSYNC descriptor (LMDB's
 * meta descriptor in SYNC mode: durable when the call returns), and the
 * writer's acknowledgements (after each commit returned). The parent then
 * picks many random cut points in the journal and builds "the disk after
 * power loss" at each: every write before the last sync, plus a random
 * subset of the unsynced writes after it, torn at 512-byte sector
 * granularity (each sector kept or lost independently; also "all lost" and
 * "all kept"). lock.mdb is gone (a reboot). The image is opened with lmkv
 * and compared with the exact state after some commit s:
 *   - DEFAULT (MDB_NOMETASYNC) and SYNC: the image must open, pass the
 *     checks and `lmkv verify`, and equal the state after commit s with
 *     s >= every commit acknowledged before the last sync (DEFAULT) or
 *     before the cut (SYNC). ids: the high-water mark is above every id
 *     acknowledged before that point.
 *   - NOSYNC: only commits acknowledged before an lmkv_db_flush are
 *     promised; the outcomes (intact, old state, damaged) are counted and
 *     printed, showing why NOSYNC is for rebuildable caches.
 * Workload per commit j (one atomic write): k/<j> inserted, k/<j-20>
 * removed (pages freed and reused), bk/00..bk/07 = generation j (values of
 * random size, sometimes overflow pages), seq = j; odd j through a
 * two-tree transaction (aux/seq = j too), even j through a batch.
 * Grouped commits: two more writer threads insert g/<t>/<n> (n = 0, 1, ...)
 * into tree "grp" beside the main workload, so commits are write groups
 * (lmkv's group commit) with several members; their acknowledgements go
 * to the journal too (J_GACK). In every intact image each thread's keys
 * are a prefix 0..k (its writes commit in its order, none half-applied),
 * and k covers every insert acknowledged before the last sync (DEFAULT,
 * NOSYNC after a flush) or before the cut (SYNC). After each insert a
 * grouped writer also inserts again, unchanged, the other one's newest key
 * as soon as it is visible (often while its group is committing): lmkv
 * acknowledges that without a commit (DEFAULT, SYNC) once the key's
 * commit is durable (J_EACK); it is promised exactly as that thread's own acknowledgement
 * would be. The writer reports its largest write group (J_STAT): at
 * DEFAULT and SYNC it must be at least 2, so the cuts land among grouped
 * commits.
 * Cut points: 60 per mode x LMKV_REL_SCALE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "reliability/rel_common.h"
#include "kv_int.h" /* lmkv_kv__group_stats, lmkv_kv__equal_insert_stats */
#include "util/lmkv_test_util.h"

#define EXPORT __attribute__((visibility("default")))
#define NBK 8
#define KEEP 20
#define SECTOR 512

/* ---------------------------------------------------------- interposer */

enum { J_WRITE = 1, J_SYNC = 2, J_DWRITE = 3, J_ACK = 4, J_ID = 5, J_GACK = 6, J_EACK = 7, J_STAT = 8 };
#define NG 2            /* grouped writer threads */
#define GMAX 400        /* inserts per grouped writer at most */
static pthread_mutex_t g_jmu = PTHREAD_MUTEX_INITIALIZER; /* records of several threads */
struct jrec { uint32_t type, pad; uint64_t off, len; };

static int g_track;                /* only in the writer child */
static int g_journal = -1;
static unsigned char g_fdkind[4096]; /* 1 = data.mdb, 2 = data.mdb with O_DSYNC */

static void jwrite(const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        long w = syscall(SYS_write, g_journal, c, n);
        if (w <= 0) _exit(98);
        c += w; n -= (size_t)w;
    }
}

static void jrec(uint32_t type, uint64_t off, const void *data, uint64_t len)
{
    struct jrec r = {type, 0, off, len};
    pthread_mutex_lock(&g_jmu);
    jwrite(&r, sizeof r);
    if (data && len) jwrite(data, (size_t)len);
    pthread_mutex_unlock(&g_jmu);
}

static int tracked(int fd) { return g_track && fd >= 0 && fd < 4096 && g_fdkind[fd]; }

EXPORT int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
    if (fd < 0) { errno = -fd > 0 ? -fd : errno; }
    if (fd >= 0 && fd < 4096 && g_track) {
        size_t n = strlen(path);
        if (n >= 8 && strcmp(path + n - 8, "data.mdb") == 0)
            g_fdkind[fd] = (flags & (O_DSYNC | O_SYNC)) ? 2 : 1;
        else
            g_fdkind[fd] = 0;
    }
    return fd;
}

EXPORT int close(int fd)
{
    if (fd >= 0 && fd < 4096) g_fdkind[fd] = 0;
    return (int)syscall(SYS_close, fd);
}

static void note_write(int fd, uint64_t off, const void *p, size_t n)
{
    jrec(g_fdkind[fd] == 2 ? J_DWRITE : J_WRITE, off, p, n);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ssize_t w = syscall(SYS_pwrite64, fd, buf, n, off);
    if (w > 0 && tracked(fd)) note_write(fd, (uint64_t)off, buf, (size_t)w);
    return w;
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    off_t off = tracked(fd) ? (off_t)syscall(SYS_lseek, fd, 0, SEEK_CUR) : 0;
    ssize_t w = syscall(SYS_write, fd, buf, n);
    if (w > 0 && tracked(fd)) note_write(fd, (uint64_t)off, buf, (size_t)w);
    return w;
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    off_t off = tracked(fd) ? (off_t)syscall(SYS_lseek, fd, 0, SEEK_CUR) : 0;
    ssize_t w = syscall(SYS_writev, fd, iov, cnt);
    if (w > 0 && tracked(fd)) {
        size_t left = (size_t)w;
        for (int i = 0; i < cnt && left; i++) {
            size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
            note_write(fd, (uint64_t)off, iov[i].iov_base, n);
            off += (off_t)n; left -= n;
        }
    }
    return w;
}

EXPORT int fdatasync(int fd)
{
    int rc = (int)syscall(SYS_fdatasync, fd);
    if (rc == 0 && tracked(fd)) jrec(J_SYNC, 0, NULL, 0);
    return rc;
}

EXPORT int fsync(int fd)
{
    int rc = (int)syscall(SYS_fsync, fd);
    if (rc == 0 && tracked(fd)) jrec(J_SYNC, 0, NULL, 0);
    return rc;
}

/* ---------------------------------------------------------- writer */

static uint64_t le64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = (v << 8) | p[i]; return v; }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void kkey(char *b, size_t cap, uint64_t j) { snprintf(b, cap, "k/%08" PRIu64, j); }

struct wctx { lmkv_tree *main, *aux; uint64_t j; uint8_t *buf; size_t vs; };

static int write_commit(void *vctx, lmkv_txn *txn)
{
    struct wctx *c = vctx;
    char k[32];
    uint8_t s[8];
    int rc;
    put64(s, c->j);
    kkey(k, sizeof k, c->j);
    if ((rc = lmkv_txn_insert(txn, c->main, k, strlen(k), c->buf, 40))) return rc;
    if (c->j >= KEEP) {
        kkey(k, sizeof k, c->j - KEEP);
        if ((rc = lmkv_txn_remove(txn, c->main, k, strlen(k))) && rc != LMKV_NOTFOUND) return rc;
    }
    for (int i = 0; i < NBK; i++) {
        snprintf(k, sizeof k, "bk/%02d", i);
        if ((rc = lmkv_txn_insert(txn, c->main, k, strlen(k), c->buf, c->vs))) return rc;
    }
    if ((rc = lmkv_txn_insert(txn, c->main, "seq", 3, s, 8))) return rc;
    return lmkv_txn_insert(txn, c->aux, "seq", 3, s, 8);
}

static void fill(uint8_t *buf, size_t vs, uint64_t j)
{
    memset(buf, (int)(j & 0xff), vs);
    put64(buf, j);
}

struct gw { lmkv_tree *t; int id; atomic_int *stop; atomic_uint_fast64_t *begun; };

static void gkey(char *b, size_t cap, int t, uint64_t n) { snprintf(b, cap, "g/%d/%06" PRIu64, t, n); }

static void *gwriter(void *p)
{
    struct gw *g = p;
    int o = (g->id + 1) % NG;
    for (uint64_t n = 0; n < GMAX && !atomic_load(g->stop); n++) {
        char k[32];
        gkey(k, sizeof k, g->id, n);
        atomic_store(&g->begun[g->id], n + 1);
        if (lmkv_tree_insert(NULL, g->t, k, strlen(k), k, strlen(k))) { fprintf(stderr, "grouped insert: %s\n", lmkv_errmsg()); _exit(4); }
        jrec(J_GACK, ((uint64_t)g->id << 32) | n, NULL, 0);
        /* the other writer's newest key, unchanged, once it is visible */
        uint64_t m = atomic_load(&g->begun[o]);
        if (!m--)
            continue;
        gkey(k, sizeof k, o, m);
        int rc;
        while ((rc = lmkv_tree_contains_key(g->t, k, strlen(k))) == LMKV_NOTFOUND)
            ;
        if (rc || lmkv_tree_insert(NULL, g->t, k, strlen(k), k, strlen(k))) { fprintf(stderr, "equal rewrite: %s\n", lmkv_errmsg()); _exit(4); }
        jrec(J_EACK, ((uint64_t)o << 32) | m, NULL, 0);
    }
    return NULL;
}

static void writer(const char *dir, int durability, unsigned commits, uint64_t seed)
{
    g_track = 1;
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.durability = durability;
    cfg.flush_every_ms = 0;
    cfg.initial_map_size = 1 << 20;
    lmkv_db *db;
    if (lmkv_db_open(&db, &cfg)) _exit(3);
    lmkv_tree *mt, *aux;
    if (lmkv_db_open_tree(&mt, db, "main", 4) || lmkv_db_open_tree(&aux, db, "aux", 3)) _exit(3);
    lmkv_tree *grp;
    if (lmkv_db_open_tree(&grp, db, "grp", 3)) _exit(3);
    jrec(J_ACK, 0, NULL, 0);               /* commit 0 = the empty trees exist */
    atomic_int stop = 0;
    atomic_uint_fast64_t begun[NG];
    for (int i = 0; i < NG; i++)
        atomic_init(&begun[i], 0);
    struct gw gws[NG];
    pthread_t gth[NG];
    for (int i = 0; i < NG; i++) {
        gws[i] = (struct gw){grp, i, &stop, begun};
        if (pthread_create(&gth[i], NULL, gwriter, &gws[i])) _exit(3);
    }
    uint8_t *buf = malloc(40000);
    if (!buf) _exit(3);
    uint64_t rng = seed | 1;
    for (uint64_t j = 1; j <= commits; j++) {
        uint64_t r = lmkv_test_rand(&rng);
        size_t vs = 40 + (size_t)(r % 1500);
        if (r % 11 == 0) vs = 5000 + (size_t)((r >> 8) % 30000);
        fill(buf, vs, j);
        int rc;
        if (j & 1) {
            struct wctx c = {mt, aux, j, buf, vs};
            lmkv_tree *ts[2] = {mt, aux};
            rc = lmkv_db_transaction(db, ts, 2, write_commit, &c);
        } else {
            /* a batch on main, aux/seq in the same... no: batches are one tree.
             * Even commits touch main only through a batch; aux keeps the last
             * odd j. */
            lmkv_batch *b;
            if (lmkv_batch_new(&b)) _exit(4);
            char k[32]; uint8_t s[8];
            put64(s, j);
            kkey(k, sizeof k, j);
            lmkv_batch_insert(b, k, strlen(k), buf, 40);
            if (j >= KEEP) { kkey(k, sizeof k, j - KEEP); lmkv_batch_remove(b, k, strlen(k)); }
            for (int i = 0; i < NBK; i++) { snprintf(k, sizeof k, "bk/%02d", i); lmkv_batch_insert(b, k, strlen(k), buf, vs); }
            lmkv_batch_insert(b, "seq", 3, s, 8);
            rc = lmkv_tree_apply_batch(mt, b);
            lmkv_batch_free(b);
        }
        if (rc) { fprintf(stderr, "writer commit %" PRIu64 ": %s\n", j, lmkv_errmsg()); _exit(4); }
        jrec(J_ACK, j, NULL, 0);
        if (r % 7 == 0) {
            uint64_t id;
            if (lmkv_db_generate_id(&id, db)) _exit(4);
            jrec(J_ID, id, NULL, 0);
        }
        if (r % 29 == 0) {
            if (lmkv_db_flush(NULL, db)) _exit(4);
        }
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < NG; i++)
        pthread_join(gth[i], NULL);
    free(buf);
    lmkv_group_stats gs;
    uint64_t eq_skipped = 0, eq_synced = 0;
    if (lmkv_kv__group_stats(&gs, db) || lmkv_kv__equal_insert_stats(&eq_skipped, &eq_synced, db)) _exit(4);
    jrec(J_STAT, gs.max_group, NULL, 0);
    jrec(J_STAT, eq_skipped | (uint64_t)1 << 63, NULL, 0);
    lmkv_tree_close(mt); lmkv_tree_close(aux); lmkv_tree_close(grp);
    g_track = 0;                           /* close's sync is not part of the campaign */
    _exit(0);
}

/* ---------------------------------------------------------- images */

struct journal { uint8_t *p; size_t n; size_t *recs; size_t nrecs; };

static void journal_load(struct journal *j, const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    j->p = malloc((size_t)n + 1);
    assert_non_null(j->p);
    assert_int_equal(fread(j->p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    j->n = (size_t)n;
    size_t cap = 1024;
    j->recs = malloc(cap * sizeof *j->recs);
    j->nrecs = 0;
    for (size_t off = 0; off + sizeof(struct jrec) <= j->n;) {
        struct jrec r;
        memcpy(&r, j->p + off, sizeof r);
        if (j->nrecs == cap) { cap *= 2; j->recs = realloc(j->recs, cap * sizeof *j->recs); assert_non_null(j->recs); }
        j->recs[j->nrecs++] = off;
        off += sizeof r + ((r.type == J_WRITE || r.type == J_DWRITE) ? r.len : 0);
    }
}

struct image { uint8_t *p; size_t n, cap; };

static void img_apply(struct image *im, uint64_t off, const uint8_t *d, uint64_t len)
{
    if (off + len > im->cap) {
        size_t nc = im->cap ? im->cap : 1 << 20;
        while (nc < off + len) nc *= 2;
        im->p = realloc(im->p, nc);
        assert_non_null(im->p);
        memset(im->p + im->cap, 0, nc - im->cap);
        im->cap = nc;
    }
    memcpy(im->p + off, d, (size_t)len);
    if (off + len > im->n) im->n = (size_t)(off + len);
}

/* What the cut promises. */
struct promise {
    uint64_t min_commit, max_commit, max_id; int id_any; size_t pending; int synced;
    uint64_t gmin[NG];     /* grouped writer t: keys 0..gmin-1 promised */
};

/* Build the image of the journal cut before record `cut`; mode: 0 random
 * sectors kept, 1 all pending lost, 2 all pending kept. */
static void build_image(struct image *im, const struct journal *j, size_t cut, int mode, uint64_t *rng,
                        int durability, struct promise *pr)
{
    im->n = 0;
    if (im->p) memset(im->p, 0, im->cap);
    size_t *pend = malloc((j->nrecs + 1) * sizeof *pend), np = 0;
    assert_non_null(pend);
    uint64_t acked = 0, acked_synced = 0, id_max = 0, id_synced = 0, begun = 0;
    uint64_t gack[NG] = {0}, gsynced[NG] = {0};
    int id_any = 0, id_synced_any = 0, synced = 0;
    for (size_t i = 0; i < cut; i++) {
        struct jrec r;
        memcpy(&r, j->p + j->recs[i], sizeof r);
        const uint8_t *d = j->p + j->recs[i] + sizeof r;
        if (r.type == J_WRITE) pend[np++] = i;
        else if (r.type == J_DWRITE) img_apply(im, r.off, d, r.len);
        else if (r.type == J_SYNC) {
            for (size_t k = 0; k < np; k++) {
                struct jrec q;
                memcpy(&q, j->p + j->recs[pend[k]], sizeof q);
                img_apply(im, q.off, j->p + j->recs[pend[k]] + sizeof q, q.len);
            }
            np = 0;
            synced = 1;
            acked_synced = acked; id_synced = id_max; id_synced_any = id_any;
            memcpy(gsynced, gack, sizeof gack);
        } else if (r.type == J_ACK) { acked = r.off; begun = r.off; }
        else if (r.type == J_GACK || r.type == J_EACK) {
            uint64_t *g = &gack[(r.off >> 32) % NG], v = (r.off & 0xffffffffu) + 1;
            if (v > *g) *g = v;   /* an equal rewrite of that key promises it as its own ack does */
        }
        else if (r.type == J_ID) { id_max = r.off; id_any = 1; }
    }
    /* the unsynced writes: torn at sector granularity */
    for (size_t k = 0; k < np; k++) {
        struct jrec q;
        memcpy(&q, j->p + j->recs[pend[k]], sizeof q);
        const uint8_t *d = j->p + j->recs[pend[k]] + sizeof q;
        if (mode == 1) continue;
        for (uint64_t o = 0; o < q.len; o += SECTOR) {
            uint64_t len = q.len - o < SECTOR ? q.len - o : SECTOR;
            if (mode == 2 || (lmkv_test_rand(rng) & 1)) img_apply(im, q.off + o, d + o, len);
        }
    }
    pr->pending = np;
    pr->synced = synced;
    pr->max_commit = begun + 1;            /* the commit in progress may be complete on disk */
    memcpy(pr->gmin, durability == LMKV_DURABILITY_SYNC ? gack : gsynced, sizeof pr->gmin);
    if (durability == LMKV_DURABILITY_SYNC) {
        pr->min_commit = acked;
        pr->max_id = id_max; pr->id_any = id_any;
    } else {
        pr->min_commit = acked_synced;
        pr->max_id = id_synced; pr->id_any = id_synced_any;
    }
    free(pend);
}

enum { OUT_INTACT = 0, OUT_UNBORN, OUT_OPEN_FAIL, OUT_DAMAGED, OUT_LOST, OUT_ABORT, OUT_N };
static const char *out_name[OUT_N] = {"intact", "never synced, refused as not an LMDB file", "open failed",
                                      "damaged (wrong state or verify)", "promised commit lost",
                                      "reader aborted by an LMDB assertion"};

/* Check an image; returns an OUT_* code (and prints why when not intact). */
static int check_image(const char *dir, const struct promise *pr, uint64_t *out_seq, int verbose)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.flush_every_ms = 0;
    lmkv_db *db = NULL;
    lmkv_tree *mt = NULL, *aux = NULL;
    int out = OUT_INTACT;
    if (lmkv_db_open(&db, &cfg)) { if (verbose) fprintf(stderr, "open: %s\n", lmkv_errmsg()); return OUT_OPEN_FAIL; }
    uint64_t s = 0;
    if (lmkv_db_open_tree_ex(&mt, db, "main", 4, LMKV_TREE_NO_CREATE) ||
        lmkv_db_open_tree_ex(&aux, db, "aux", 3, LMKV_TREE_NO_CREATE)) {
        /* before commit 0 was synced the trees may not exist yet */
        out = pr->min_commit > 0 || pr->pending == 0 ? OUT_LOST : OUT_INTACT;
        if (pr->min_commit == 0) out = OUT_INTACT;
        goto done;
    }
    lmkv_bytes v = {0};
    int rc = lmkv_tree_get(&v, mt, "seq", 3);
    if (rc == 0 && v.size == 8) s = le64(v.data);
    else if (rc != LMKV_NOTFOUND) { if (verbose) fprintf(stderr, "get seq: %d %s\n", rc, lmkv_errmsg()); out = OUT_DAMAGED; lmkv_free(v.data); goto done; }
    lmkv_free(v.data);
    *out_seq = s;
    if (s < pr->min_commit) { if (verbose) fprintf(stderr, "seq %" PRIu64 " < promised %" PRIu64 "\n", s, pr->min_commit); out = OUT_LOST; goto done; }
    if (s > pr->max_commit) { if (verbose) fprintf(stderr, "seq %" PRIu64 " > max %" PRIu64 "\n", s, pr->max_commit); out = OUT_DAMAGED; goto done; }
    /* exact state after commit s */
    uint64_t len = 0, want = 0;
    for (uint64_t i = (s >= KEEP ? s - KEEP + 1 : 1); i <= s; i++) {
        char k[32];
        kkey(k, sizeof k, i);
        lmkv_bytes x = {0};
        if (lmkv_tree_get(&x, mt, k, strlen(k)) || x.size != 40 || le64(x.data) != i) {
            if (verbose) fprintf(stderr, "state %" PRIu64 ": %s wrong\n", s, k);
            out = OUT_DAMAGED; lmkv_free(x.data); goto done;
        }
        lmkv_free(x.data);
        want++;
    }
    if (s > 0) {
        for (int i = 0; i < NBK; i++) {
            char k[16];
            snprintf(k, sizeof k, "bk/%02d", i);
            lmkv_bytes x = {0};
            if (lmkv_tree_get(&x, mt, k, strlen(k)) || x.size < 8 || le64(x.data) != s) {
                if (verbose) fprintf(stderr, "state %" PRIu64 ": %s gen %" PRIu64 "\n", s, k, x.size >= 8 ? le64(x.data) : 0);
                out = OUT_DAMAGED; lmkv_free(x.data); goto done;
            }
            for (size_t b = 8; b < x.size; b++) if (x.data[b] != (uint8_t)(s & 0xff)) { if (verbose) fprintf(stderr, "%s torn\n", k); out = OUT_DAMAGED; break; }
            lmkv_free(x.data);
            if (out) goto done;
        }
        want += NBK + 1;
    }
    if (lmkv_tree_len(&len, mt) || len != want) { if (verbose) fprintf(stderr, "len %" PRIu64 " want %" PRIu64 "\n", len, want); out = OUT_DAMAGED; goto done; }
    rc = lmkv_tree_get(&v, aux, "seq", 3);
    uint64_t want_aux = s & 1 ? s : (s ? s - 1 : 0);
    if (want_aux == 0) { if (rc != LMKV_NOTFOUND) out = OUT_DAMAGED; }
    else if (rc != 0 || v.size != 8 || le64(v.data) != want_aux) out = OUT_DAMAGED;
    if (out && verbose) fprintf(stderr, "aux seq: rc %d, want %" PRIu64 "\n", rc, want_aux);
    lmkv_free(v.data);
    if (out) goto done;
    /* grouped writers: a prefix per thread, covering what was promised */
    {
        lmkv_tree *grp = NULL;
        if (lmkv_db_open_tree_ex(&grp, db, "grp", 3, LMKV_TREE_NO_CREATE) == 0) {
            for (int t = 0; t < NG && !out; t++) {
                uint64_t k = 0;
                int gap = 0;
                for (uint64_t n = 0; n < GMAX; n++) {
                    char key[32];
                    gkey(key, sizeof key, t, n);
                    int crc = lmkv_tree_contains_key(grp, key, strlen(key));
                    if (crc == 0 && gap) { if (verbose) fprintf(stderr, "grouped writer %d: %s present after a missing key\n", t, key); out = OUT_DAMAGED; break; }
                    if (crc == 0) k = n + 1;
                    else if (crc == LMKV_NOTFOUND) gap = 1;
                    else { out = OUT_DAMAGED; break; }
                }
                if (!out && k < pr->gmin[t]) { if (verbose) fprintf(stderr, "grouped writer %d: %" PRIu64 " keys, %" PRIu64 " promised\n", t, k, pr->gmin[t]); out = OUT_LOST; }
            }
            lmkv_tree_close(grp);
        } else if (pr->gmin[0] || pr->gmin[1]) {
            out = OUT_LOST;
        }
        if (out) goto done;
    }
    uint64_t next;
    if (lmkv_db_peek_next_id(&next, db)) { if (verbose) fprintf(stderr, "peek_next_id: %s\n", lmkv_errmsg()); out = OUT_DAMAGED; goto done; }
    if (pr->id_any && next <= pr->max_id) { if (verbose) fprintf(stderr, "id high-water %" PRIu64 " <= %" PRIu64 "\n", next, pr->max_id); out = OUT_LOST; }
done:
    lmkv_tree_close(mt); lmkv_tree_close(aux);
    lmkv_db_close(db);
    return out;
}

/* check_image in a child: LMDB aborts the process (mdb_assert) on some
 * damaged pages, which only NOSYNC images may have; count that as an outcome. */
static int check_image_forked(const char *dir, const struct promise *pr, uint64_t *out_seq, int verbose)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(stdout); fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        uint64_t s = 0;
        int o = check_image(dir, pr, &s, verbose);
        if (write(p[1], &s, sizeof s) != (ssize_t)sizeof s) _exit(100);
        _exit(o);
    }
    close(p[1]);
    uint64_t s = 0;
    ssize_t got = read(p[0], &s, sizeof s);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) return OUT_ABORT;
    if (got == (ssize_t)sizeof s) *out_seq = s;
    return WIFEXITED(st) && WEXITSTATUS(st) < OUT_N ? WEXITSTATUS(st) : OUT_ABORT;
}

static void campaign(int durability, const char *mname)
{
    char *dir = lmkv_test_tmpdir("rel-power");
    char *db = lmkv_test_path(dir, "db");
    char *jpath = lmkv_test_path(dir, "journal");
    char *img = lmkv_test_path(dir, "img");
    char *imgdata = lmkv_test_path(img, "data.mdb");
    char *log = lmkv_test_path(dir, "verify.log");
    uint64_t seed = lmkv_test_seed(0x90e7105);
    unsigned commits = 150 + 50 * (rel_scale() > 1 ? 3 : 0);
    g_journal = open(jpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(g_journal >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) writer(db, durability, commits, seed);
    int st;
    waitpid(pid, &st, 0);
    close(g_journal);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    struct journal j = {0};
    journal_load(&j, jpath);
    size_t nw = 0, ns = 0, nd = 0, ngack = 0, neack = 0;
    uint64_t max_group = 0, eq_skipped = 0;
    for (size_t i = 0; i < j.nrecs; i++) {
        struct jrec r;
        memcpy(&r, j.p + j.recs[i], sizeof r);
        neack += r.type == J_EACK;
        if (r.type == J_STAT && (r.off >> 63)) eq_skipped = r.off & ~((uint64_t)1 << 63);
        else if (r.type == J_STAT) max_group = r.off;
        nw += r.type == J_WRITE || r.type == J_DWRITE;
        ns += r.type == J_SYNC;
        nd += r.type == J_DWRITE;
        ngack += r.type == J_GACK;
    }
    assert_true(ngack > 0);                /* the grouped writers ran */
    assert_true(neack > 0);                /* equal rewrites ran */
    assert_true(durability == LMKV_DURABILITY_NOSYNC || eq_skipped > 0); /* acknowledged without a commit (not at NOSYNC) */
    assert_true(durability == LMKV_DURABILITY_NOSYNC || max_group >= 2); /* NOSYNC is not grouped */
    assert_true(nw > commits);             /* the interposer saw LMDB's writes */
    assert_true(durability == LMKV_DURABILITY_NOSYNC || ns >= commits);
    assert_true(durability != LMKV_DURABILITY_SYNC || nd >= commits);   /* meta through O_DSYNC */
    unsigned cuts = 60 * rel_scale();
    unsigned outcome[OUT_N] = {0}, verified = 0;
    uint64_t rng = seed ^ (uint64_t)durability;
    struct image im = {0};
    mkdir(img, 0700);
    uint64_t min_seen = UINT64_MAX, max_seen = 0, behind = 0;
    for (unsigned c = 0; c < cuts; c++) {
        size_t cut = (size_t)(lmkv_test_rand(&rng) % (j.nrecs + 1));
        int mode = c % 5 == 3 ? 1 : c % 5 == 4 ? 2 : 0;
        struct promise pr;
        build_image(&im, &j, cut, mode, &rng, durability, &pr);
        if (im.n == 0) { outcome[OUT_INTACT]++; continue; }   /* nothing reached the disk: no database */
        /* a fresh directory: data.mdb only (lock.mdb died with the machine) */
        char *lock = lmkv_test_path(img, "lock.mdb");
        unlink(lock); free(lock);
        FILE *f = fopen(imgdata, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(im.p, 1, im.n, f), im.n);
        fclose(f);
        uint64_t s = 0;
        int o = check_image_forked(img, &pr, &s, durability != LMKV_DURABILITY_NOSYNC);
        /* a database whose creation never reached a sync (lmkv_db_open had
         * not returned: nothing acknowledged) may be torn: refused, not reused */
        if (o == OUT_OPEN_FAIL && !pr.synced) o = OUT_UNBORN;
        if (o == OUT_INTACT && (c % 4 == 0 || durability == LMKV_DURABILITY_NOSYNC)) {
            int vr = rel_lmkv_verify(img, log);
            if (vr != 0) { o = OUT_DAMAGED; if (durability != LMKV_DURABILITY_NOSYNC) { fprintf(stderr, "lmkv verify exit %d\n", vr); rel_print_log(log); } }
            verified++;
        }
        if (o == OUT_INTACT) {
            if (s < min_seen) min_seen = s;
            if (s > max_seen) max_seen = s;
            if (s < pr.max_commit - 1) behind++;
        }
        outcome[o]++;
        if (durability != LMKV_DURABILITY_NOSYNC && o != OUT_INTACT && o != OUT_UNBORN) {
            fprintf(stderr, "%s: cut %zu/%zu (mode %d, %zu unsynced writes): %s\n", mname, cut, j.nrecs, mode, pr.pending, out_name[o]);
            fail();
        }
        if (durability == LMKV_DURABILITY_NOSYNC && o == OUT_LOST && pr.pending == 0) {
            fprintf(stderr, "%s: flushed commit lost with nothing unsynced\n", mname);
            fail();
        }
    }
    printf("power loss %-7s: largest write group %" PRIu64 ", %zu equal rewrites (%" PRIu64 " without a commit)\n", mname, max_group, neack, eq_skipped);
    printf("power loss %-7s: %u commits + %zu grouped inserts, journal %zu records (%zu writes of which %zu O_DSYNC, %zu syncs), %u cut points: ",
           mname, commits, ngack, j.nrecs, nw, nd, ns, cuts);
    for (int o = 0; o < OUT_N; o++) printf("%s%s %u", o ? ", " : "", out_name[o], outcome[o]);
    printf("; %" PRIu64 " intact images were an older commit than the last begun; %u lmkv verify runs\n", behind, verified);
    free(im.p); free(j.p); free(j.recs);
    lmkv_test_rmtree(dir);
    free(dir); free(db); free(jpath); free(img); free(imgdata); free(log);
}

static void test_power_default(void **s) { (void)s; campaign(LMKV_DURABILITY_DEFAULT, "DEFAULT"); }
static void test_power_sync(void **s) { (void)s; campaign(LMKV_DURABILITY_SYNC, "SYNC"); }
static void test_power_nosync(void **s) { (void)s; campaign(LMKV_DURABILITY_NOSYNC, "NOSYNC"); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_default),
        cmocka_unit_test(test_power_sync),
        cmocka_unit_test(test_power_nosync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
