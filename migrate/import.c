/*
 * import.c -- atomic import of a sled dump into an lmkv database
 * (lmkv_migrate_import, see lmkv_migrate.h).
 *
 * Steps:
 *   1. Look at the target: missing / empty directory / lmkv database (with
 *      or without user entries) / something else (refused).
 *   2. Non-empty target without MERGE: stream the dump against it (read
 *      only); identical -> "already imported", else LMKV_EEXISTS.
 *   0. Stale temporary directories of killed runs beside the target are
 *      removed (clean_stale: their flock is free).
 *   3. Build beside: "<db_dir>.tmp-XXXXXX", flock'ed for the whole run (a compacted copy of an existing
 *      target, else a fresh database); stream the dump into it in write
 *      transactions of batch_pairs pairs / 32 MiB (MDB_APPEND for sorted
 *      keys into empty trees; get-compare-insert when merging).
 *   4. Typed conversion of the daemon's trees (typed.c) into system trees.
 *   5. generate_id counter; check every tree's len; with VERIFY reopen
 *      read-only and compare checksums (merge: re-read the dump and compare
 *      every pair); fsync.
 *   6. Rename into place (RENAME_EXCHANGE over an existing target, then the
 *      old copy is removed); fsync the parent directory.
 * Any failure before 6 removes the temporary directory: the target is untouched.
 */
#include "typed_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define DEFAULT_BATCH 100000u
#define BATCH_BYTES (32u * 1024u * 1024u)
#define LONG_KEY 256 /* keys longer than this are inserted without MDB_APPEND (kv's long-key encoding) */

enum mode { MODE_FRESH, MODE_MERGE, MODE_COMPARE, MODE_DRY };

struct imp {
    const lmkv_migrate_options *o;
    lmkv_migrate_report *rep;
    const char *dump_path, *db_dir;
    char *tmp_dir;
    int tmp_lock;    /* fd of tmp_dir holding its flock (-1: none) */
    enum mode mode;
    int empty_trees; /* every user tree of the build db is empty at start: APPEND is allowed */
    lmkv_db *db;     /* build db (or target for COMPARE) */
    lmkv_tree *tree;
    lmkv_txn *txn;
    int txn_ro;
    uint64_t in_batch, batch_bytes, batch_max;
    struct timespec t0;
    uint64_t next_prog_pairs, next_prog_bytes;
    lmkv_dump_reader *r;
    lmkv_dump_summary *sum;
    int differs;     /* COMPARE: a pair or tree of the dump is missing/different in the target */
    int len_differs; /* COMPARE: a tree of the target has another number of pairs */
    char diff[600];
    int stats_new; /* cache_stats pairs were added by this import */
    mig_typed_scan scan;
};

static double elapsed(const struct imp *im)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - im->t0.tv_sec) + (double)(t.tv_nsec - im->t0.tv_nsec) / 1e9;
}

static void progress(struct imp *im, const char *phase, int force)
{
    if (!im->o->progress || !im->r) return;
    uint64_t bytes = lmkv_dump_reader_offset(im->r);
    if (!force && im->rep->pairs < im->next_prog_pairs && bytes < im->next_prog_bytes) return;
    im->next_prog_pairs = im->rep->pairs + 65536;
    im->next_prog_bytes = bytes + 64u * 1024 * 1024;
    lmkv_migrate_progress p = {lmkv_dump_reader_input_offset(im->r), lmkv_dump_reader_input_size(im->r), bytes,
                               im->rep->pairs, elapsed(im), phase};
    im->o->progress(im->o->progress_ctx, &p);
}

void lmkv_migrate_options_init(lmkv_migrate_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
}

/* ------------------------------------------------------------ directories */

static int rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) rm_dir(p);
        else unlink(p);
    }
    closedir(d);
    return rmdir(dir);
}

static void fsync_parent(const char *path)
{
    char *c = strdup(path);
    if (!c) return;
    int fd = open(dirname(c), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(c);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

enum target_kind { T_MISSING, T_EMPTY_DIR, T_DB, T_OTHER };

/* The import replaces the target directory by a rename: a directory its
 * owner made read-only (no write bit for anyone: root's access(W_OK) ignores
 * the mode) is refused, not swapped for a writable one. */
static int target_writable(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) return LMKV_OK; /* missing: created */
    if ((st.st_mode & 0222) == 0 || access(dir, W_OK) != 0)
        return lmkv_error_set(LMKV_EPERM, "target %s is a read-only directory (mode %04o): refusing to replace it",
                              dir, (unsigned)(st.st_mode & 07777));
    return LMKV_OK;
}

static int target_kind(const char *dir, enum target_kind *out)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT) { *out = T_MISSING; return LMKV_OK; }
        return lmkv_error_set(errno == EACCES ? LMKV_EPERM : LMKV_EIO, "target %s: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) { *out = T_OTHER; return LMKV_OK; }
    char p[4096];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    if (stat(p, &st) == 0) { *out = T_DB; return LMKV_OK; }
    DIR *d = opendir(dir);
    if (!d) return lmkv_error_set(errno == EACCES ? LMKV_EPERM : LMKV_EIO, "target %s: %s", dir, strerror(errno));
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    *out = n ? T_OTHER : T_EMPTY_DIR;
    return LMKV_OK;
}

/* ------------------------------------------------------------ raw writes */

static int txn_begin(struct imp *im)
{
    int rc = lmkv_txn_begin(&im->txn, im->db, im->txn_ro ? LMKV_TXN_READ_ONLY : 0);
    if (rc) return lmkv_error_wrap(rc, "import into %s: begin transaction", im->tmp_dir ? im->tmp_dir : im->db_dir);
    im->in_batch = im->batch_bytes = 0;
    return LMKV_OK;
}

static int txn_end(struct imp *im)
{
    if (!im->txn) return LMKV_OK;
    lmkv_txn *t = im->txn;
    im->txn = NULL;
    if (im->txn_ro) {
        lmkv_txn_abort(t);
        return LMKV_OK;
    }
    int rc = lmkv_txn_commit(t);
    if (rc) return lmkv_error_wrap(rc, "import into %s: commit", im->tmp_dir);
    return LMKV_OK;
}

static void fmt_tree_key(char *buf, size_t n, const lmkv_dump_event *ev)
{
    char t[128], k[200];
    lmkv_migrate__fmt_bytes(t, sizeof t, ev->name, ev->name_len);
    lmkv_migrate__fmt_bytes(k, sizeof k, ev->key, ev->key_len);
    snprintf(buf, n, "tree %s key %s", t, k);
}

static int on_collection(struct imp *im, const lmkv_dump_event *ev)
{
    int rc = txn_end(im);
    if (rc) return rc;
    lmkv_tree_close(im->tree);
    im->tree = NULL;
    if (ev->is_meta || im->mode == MODE_DRY) return LMKV_OK;
    if (im->mode == MODE_COMPARE) {
        rc = lmkv_db_open_tree_ex(&im->tree, im->db, ev->name, ev->name_len, LMKV_TREE_NO_CREATE);
        if (rc == LMKV_NOTFOUND) {
            if (!im->differs) {
                char t[128];
                lmkv_migrate__fmt_bytes(t, sizeof t, ev->name, ev->name_len);
                snprintf(im->diff, sizeof im->diff, "the target has no tree %s", t);
            }
            im->differs = 1;
            return LMKV_OK;
        }
    } else {
        rc = lmkv_db_open_tree(&im->tree, im->db, ev->name, ev->name_len);
    }
    if (rc) {
        char t[128];
        lmkv_migrate__fmt_bytes(t, sizeof t, ev->name, ev->name_len);
        return lmkv_error_wrap(rc, "import: open tree %s", t);
    }
    return txn_begin(im);
}

static int on_pair(struct imp *im, const lmkv_dump_event *ev)
{
    int rc;
    if (ev->is_meta || im->mode == MODE_DRY) return LMKV_OK;
    if (im->mode == MODE_COMPARE) {
        if (!im->tree) return LMKV_OK; /* tree missing: already differs */
        lmkv_pair p;
        rc = lmkv_txn_get(&p, im->txn, im->tree, ev->key, ev->key_len);
        if (rc && rc != LMKV_NOTFOUND) return rc;
        if (rc == LMKV_NOTFOUND || p.value_size != ev->value_len ||
            (ev->value_len && memcmp(p.value, ev->value, ev->value_len))) {
            if (!im->differs) {
                char w[400];
                fmt_tree_key(w, sizeof w, ev);
                snprintf(im->diff, sizeof im->diff, "%s is %s in the target", w,
                         rc == LMKV_NOTFOUND ? "absent" : "different");
            }
            im->differs = 1;
        }
        return LMKV_OK;
    }
    if (im->mode == MODE_MERGE && !im->empty_trees) {
        lmkv_pair p;
        rc = lmkv_txn_get(&p, im->txn, im->tree, ev->key, ev->key_len);
        if (rc == LMKV_OK) {
            if (p.value_size == ev->value_len && (!ev->value_len || !memcmp(p.value, ev->value, ev->value_len))) {
                im->rep->merged_equal++;
                return LMKV_OK;
            }
            im->rep->conflicts++;
            if (im->o->notice) {
                char why[96];
                snprintf(why, sizeof why, "the target holds a different value (%zu bytes, dump: %zu bytes)",
                         p.value_size, ev->value_len);
                im->o->notice(im->o->notice_ctx, LMKV_MIGRATE_CONFLICT, ev->name, ev->name_len, ev->key,
                              ev->key_len, why);
            }
            return LMKV_OK;
        }
        if (rc != LMKV_NOTFOUND) return rc;
        rc = lmkv_txn_insert(im->txn, im->tree, ev->key, ev->key_len, ev->value, ev->value_len);
        if (!rc) im->rep->merged_added++;
    } else {
        unsigned fl = ev->key_len <= LONG_KEY ? LMKV_INSERT_APPEND : 0;
        rc = lmkv_txn_insert_ex(im->txn, im->tree, ev->key, ev->key_len, ev->value, ev->value_len, fl);
    }
    if (rc) {
        char w[400];
        fmt_tree_key(w, sizeof w, ev);
        return lmkv_error_wrap(rc, "import: %s", w);
    }
    if (ev->name_len == 11 && !memcmp(ev->name, "cache_stats", 11)) im->stats_new = 1;
    im->in_batch++;
    im->batch_bytes += ev->key_len + ev->value_len;
    if (im->in_batch >= im->batch_max || im->batch_bytes >= BATCH_BYTES) {
        if ((rc = txn_end(im)) || (rc = txn_begin(im))) return rc;
    }
    return LMKV_OK;
}

static int on_end(struct imp *im, const lmkv_dump_event *ev)
{
    if (im->mode != MODE_COMPARE || ev->is_meta || !im->tree) return LMKV_OK;
    uint64_t len;
    int rc = lmkv_tree_len(&len, im->tree);
    if (rc) return rc;
    if (len != ev->count && !im->differs && !im->len_differs) {
        char t[128];
        lmkv_migrate__fmt_bytes(t, sizeof t, ev->name, ev->name_len);
        snprintf(im->diff, sizeof im->diff, "tree %s has %llu pairs in the target, %llu in the dump", t,
                 (unsigned long long)len, (unsigned long long)ev->count);
    }
    if (len != ev->count) im->len_differs = 1;
    return LMKV_OK;
}

/* Streams the whole dump once through on_* and the summary. */
static int raw_pass(struct imp *im)
{
    lmkv_dump_summer *s = NULL;
    int rc = lmkv_dump_summer_new(&s);
    if (rc) return rc;
    /* sled's checksums of the dump are needed to report them (dry run,
     * compare) or to verify the result (--verify); a plain import checks the
     * file's CRC-32 and every tree's len, and saves the second CRC pass. */
    if ((im->mode == MODE_FRESH || im->mode == MODE_MERGE) && !(im->o->flags & LMKV_MIGRATE_VERIFY))
        lmkv_migrate__summer_lens_only(s);
    lmkv_dump_event ev;
    while ((rc = lmkv_dump_reader_next(im->r, &ev)) == LMKV_OK) {
        if ((rc = lmkv_dump_summer_add(s, &ev))) break;
        if (ev.kind == LMKV_DUMP_COLLECTION) lmkv_migrate__typed_check(&im->scan, &ev, im->o, im->rep);
        switch (ev.kind) {
        case LMKV_DUMP_COLLECTION:
            rc = on_collection(im, &ev);
            if (!ev.is_meta) im->rep->trees++;
            break;
        case LMKV_DUMP_PAIR:
            if (!ev.is_meta) {
                im->rep->pairs++;
                im->rep->pair_bytes += ev.key_len + ev.value_len;
                lmkv_migrate__typed_check(&im->scan, &ev, im->o, im->rep);
            }
            rc = on_pair(im, &ev);
            break;
        case LMKV_DUMP_END: rc = on_end(im, &ev); break;
        case LMKV_DUMP_FOOTER: break;
        }
        if (rc) break;
        if (im->o->cancel && *im->o->cancel) {
            rc = lmkv_error_set(LMKV_ECONFLICT, "import of %s cancelled at byte offset %llu", im->dump_path,
                                (unsigned long long)lmkv_dump_reader_offset(im->r));
            break;
        }
        progress(im, "raw", 0);
    }
    if (rc == LMKV_NOTFOUND) rc = lmkv_dump_summer_finish(&im->sum, s, im->r);
    lmkv_dump_summer_free(s);
    if (rc) {
        lmkv_migrate__typed_notices_drop(&im->scan);
        return rc;
    }
    lmkv_migrate__typed_notices_deliver(&im->scan, im->o); /* the file's CRC-32 is checked */
    progress(im, "raw", 1);
    rc = txn_end(im);
    lmkv_tree_close(im->tree);
    im->tree = NULL;
    return rc;
}

/* Every dump tree has its len in the build db (fresh: equal; merge: >=). */
static int check_lens(struct imp *im)
{
    for (size_t i = 0; i < im->sum->n_trees; i++) {
        const lmkv_dump_tree_info *t = &im->sum->trees[i];
        lmkv_tree *tr = NULL;
        int rc = lmkv_db_open_tree_ex(&tr, im->db, t->name, t->name_len, LMKV_TREE_NO_CREATE);
        uint64_t len = 0;
        if (!rc) rc = lmkv_tree_len(&len, tr);
        uint32_t crc = 0;
        if (!rc && im->mode == MODE_FRESH && (im->o->flags & LMKV_MIGRATE_VERIFY)) rc = lmkv_tree_checksum(&crc, tr);
        lmkv_tree_close(tr);
        char nm[128];
        lmkv_migrate__fmt_bytes(nm, sizeof nm, t->name, t->name_len);
        if (rc) return lmkv_error_wrap(rc == LMKV_NOTFOUND ? LMKV_ECORRUPT : rc, "verify: tree %s", nm);
        if (im->mode == MODE_FRESH ? len != t->len : len < t->len)
            return lmkv_error_set(LMKV_ECORRUPT, "verify: tree %s has %llu pairs after the import, the dump has %llu", nm,
                                  (unsigned long long)len, (unsigned long long)t->len);
        if (im->mode == MODE_FRESH && (im->o->flags & LMKV_MIGRATE_VERIFY) && crc != t->checksum)
            return lmkv_error_set(LMKV_ECORRUPT, "verify: tree %s checksum %lu after the import, sled's is %lu", nm,
                                  (unsigned long)crc, (unsigned long)t->checksum);
    }
    return LMKV_OK;
}

/* VERIFY after reopening: fresh -> Db checksum equals sled's; merge -> every
 * dump pair is in the result with its value. */
static int verify_reopened(struct imp *im)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = im->tmp_dir;
    cfg.read_only = 1;
    cfg.flush_every_ms = 0;
    int rc = lmkv_db_open(&im->db, &cfg);
    if (rc) return lmkv_error_wrap(rc, "verify: reopen %s", im->tmp_dir);
    if (im->mode == MODE_FRESH) {
        uint32_t c;
        rc = lmkv_db_checksum(&c, im->db);
        if (rc) return rc;
        im->rep->db_checksum = c;
        im->rep->checksum_compared = 1;
        if (c != im->sum->db_checksum)
            return lmkv_error_set(LMKV_ECORRUPT, "verify: database checksum %lu after the import, sled's is %lu",
                                  (unsigned long)c, (unsigned long)im->sum->db_checksum);
        return check_lens(im);
    }
    /* merge: second pass over the dump in compare mode */
    lmkv_dump_reader_free(im->r);
    im->r = NULL;
    if ((rc = lmkv_dump_reader_open(&im->r, im->dump_path))) return rc;
    enum mode saved = im->mode;
    im->mode = MODE_COMPARE;
    im->txn_ro = 1;
    lmkv_migrate_report scratch = *im->rep;
    lmkv_migrate_report *real = im->rep;
    im->rep = &scratch;
    lmkv_dump_summary *keep = im->sum;
    im->sum = NULL;
    mig_typed_scan saved_scan = im->scan;
    memset(&im->scan, 0, sizeof im->scan);
    im->scan.off = 1;
    rc = raw_pass(im);
    im->scan = saved_scan;
    lmkv_dump_summary_free(im->sum);
    im->sum = keep;
    im->rep = real;
    im->mode = saved;
    im->txn_ro = 0;
    if (rc) return rc;
    /* after a merge the target may hold more pairs than the dump: only the
     * dump's pairs must all be present and equal */
    if (im->differs) return lmkv_error_set(LMKV_ECORRUPT, "verify: %s", im->diff);
    return LMKV_OK;
}

static int open_build_db(struct imp *im, uint64_t size_hint)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = im->tmp_dir;
    cfg.flush_every_ms = 0;
    cfg.durability = LMKV_DURABILITY_NOSYNC; /* one fsync at the end (lmkv_db_flush) */
    uint64_t want = size_hint * 2 + (64u << 20);
    if (want > (64u << 20)) cfg.initial_map_size = want;
    int rc = lmkv_db_open(&im->db, &cfg);
    if (rc) return lmkv_error_wrap(rc, "import: open %s", im->tmp_dir);
    return LMKV_OK;
}

/* ------------------------------------------- temporary directory locks
 *
 * A run holds flock(LOCK_EX) on its "<db_dir>.tmp-XXXXXX" directory from
 * its creation to its rename or removal; the kernel releases the lock when
 * the process dies, however it dies. A later run against the same target
 * removes every such directory whose lock it can take (clean_stale): those
 * of killed runs. Creating a directory and locking it, and the scan, both
 * happen under flock(LOCK_EX) of the parent directory, so a scan never sees
 * a live run's directory between its mkdtemp and its flock. */

/* Splits db_dir into its parent directory and base name (malloc'd). */
static int split_target(char **parent, char **base, const char *db_dir)
{
    size_t n = strlen(db_dir);
    while (n > 1 && db_dir[n - 1] == '/') n--;
    char *c = malloc(n + 1);
    if (!c) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    memcpy(c, db_dir, n);
    c[n] = '\0';
    char *slash = strrchr(c, '/');
    if (!slash) {
        *parent = strdup(".");
        *base = c;
    } else {
        *base = strdup(slash + 1);
        if (slash == c) slash[1] = '\0';
        else *slash = '\0';
        *parent = c;
    }
    if (!*parent || !*base) {
        free(*parent);
        free(*base);
        *parent = *base = NULL;
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    return LMKV_OK;
}

/* flock(LOCK_EX) on the parent directory: fd, or -1 when it cannot be
 * taken (then no cleanup happens; creating still works). */
static int lock_parent(const char *parent)
{
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) { close(fd); return -1; }
    }
    return fd;
}

static void unlock_parent(int fd)
{
    if (fd >= 0) close(fd); /* releases the flock */
}

/* "<base>.tmp-" followed by mkdtemp's six characters. */
static int is_tmp_name(const char *name, const char *base)
{
    size_t bl = strlen(base), nl = strlen(name);
    if (nl != bl + 11 || memcmp(name, base, bl) || memcmp(name + bl, ".tmp-", 5)) return 0;
    for (size_t i = bl + 5; i < nl; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    }
    return 1;
}

/* Removes the temporary directories of dead runs beside db_dir. */
static int clean_stale(struct imp *im)
{
    char *parent = NULL, *base = NULL;
    int rc = split_target(&parent, &base, im->db_dir);
    if (rc) return rc;
    int pfd = lock_parent(parent);
    DIR *d = pfd >= 0 ? opendir(parent) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!is_tmp_name(e->d_name, base)) continue;
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s/%s", parent, e->d_name) >= sizeof p) continue;
        int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue; /* not a directory (a symlink, a file): not ours */
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && rm_dir(p) == 0) im->rep->stale_tmp_removed++;
        close(fd);
    }
    if (d) closedir(d);
    unlock_parent(pfd);
    free(parent);
    free(base);
    return LMKV_OK;
}

static int make_tmp_dir(struct imp *im)
{
    size_t n = strlen(im->db_dir);
    while (n > 1 && im->db_dir[n - 1] == '/') n--;
    char *parent = NULL, *base = NULL;
    int rc = split_target(&parent, &base, im->db_dir);
    if (rc) return rc;
    int pfd = lock_parent(parent);
    free(parent);
    free(base);
    im->tmp_dir = malloc(n + 16);
    if (!im->tmp_dir) { unlock_parent(pfd); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
    memcpy(im->tmp_dir, im->db_dir, n);
    memcpy(im->tmp_dir + n, ".tmp-XXXXXX", 12);
    if (!mkdtemp(im->tmp_dir)) {
        int e = errno;
        unlock_parent(pfd);
        free(im->tmp_dir);
        im->tmp_dir = NULL;
        return lmkv_error_set(e == EACCES ? LMKV_EPERM : LMKV_EIO, "import: cannot create a directory beside %s: %s",
                              im->db_dir, strerror(e));
    }
    im->tmp_lock = open(im->tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (im->tmp_lock < 0 || flock(im->tmp_lock, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        unlock_parent(pfd);
        return lmkv_error_set(LMKV_EIO, "import: cannot lock %s: %s", im->tmp_dir, strerror(e));
    }
    unlock_parent(pfd);
    return LMKV_OK;
}

static int swap_into_place(struct imp *im, enum target_kind tk)
{
    if (tk == T_MISSING || tk == T_EMPTY_DIR) {
        if (rename(im->tmp_dir, im->db_dir) != 0)
            return lmkv_error_set(LMKV_EIO, "import: rename %s -> %s: %s", im->tmp_dir, im->db_dir, strerror(errno));
    } else {
        if (renameat2(AT_FDCWD, im->tmp_dir, AT_FDCWD, im->db_dir, RENAME_EXCHANGE) != 0)
            return lmkv_error_set(LMKV_EIO, "import: exchange %s <-> %s: %s", im->tmp_dir, im->db_dir, strerror(errno));
        /* the old database is now at tmp_dir */
        rm_dir(im->tmp_dir);
    }
    free(im->tmp_dir);
    im->tmp_dir = NULL;
    if (im->tmp_lock >= 0) close(im->tmp_lock); /* its inode is the target now */
    im->tmp_lock = -1;
    fsync_parent(im->db_dir);
    return LMKV_OK;
}

/* An lmkv database already at the target: opened read-only into *target
 * (the caller closes it), *entries = its pairs. A non-empty target without
 * --merge must already hold exactly the dump (one compare pass):
 * *already = 1 with the typed records it holds counted, else LMKV_EEXISTS
 * naming the first difference. */
static int inspect_target(struct imp *im, lmkv_db **target, uint64_t *entries, int *already)
{
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = im->db_dir;
    cfg.read_only = 1;
    cfg.flush_every_ms = 0;
    int rc = lmkv_db_open(target, &cfg);
    if (rc) return lmkv_error_wrap(rc, "target %s", im->db_dir);
    lmkv_db_stat st;
    if ((rc = lmkv_db_stat_get(&st, *target))) return rc;
    *entries = st.total_entries;
    if (*entries == 0 || (im->o->flags & LMKV_MIGRATE_MERGE)) return LMKV_OK;
    /* idempotency: does the target already hold exactly this dump? */
    im->mode = MODE_COMPARE;
    im->db = *target;
    im->txn_ro = 1;
    im->scan.off = 1;
    rc = raw_pass(im);
    im->db = NULL;
    if (rc) return rc;
    lmkv_bytes_array names = {0};
    if ((rc = lmkv_db_tree_names(&names, *target))) return rc;
    size_t ntarget = names.count;
    lmkv_bytes_array_free(&names);
    if (im->len_differs) im->differs = 1;
    if (!im->differs && ntarget != im->sum->n_trees) {
        snprintf(im->diff, sizeof im->diff, "the target has %zu trees, the dump %zu", ntarget, im->sum->n_trees);
        im->differs = 1;
    }
    if (im->differs)
        return lmkv_error_set(LMKV_EEXISTS,
                              "target %s is not empty (%llu pairs) and differs from the dump (%s); "
                              "use --merge to add to it",
                              im->db_dir, (unsigned long long)*entries, im->diff);
    im->rep->already_imported = 1;
    *already = 1;
    return lmkv_migrate__typed_count_existing(*target, im->rep);
}

/* The report's figures of a finished run (the dump was read to its end). */
static void report_done(struct imp *im)
{
    lmkv_migrate_report *rep = im->rep;
    rep->dump_checksum_known = im->sum && (im->mode == MODE_DRY || im->mode == MODE_COMPARE ||
                                           (im->o->flags & LMKV_MIGRATE_VERIFY));
    rep->dump_checksum = rep->dump_checksum_known ? im->sum->db_checksum : 0;
    rep->has_generate_id = im->sum ? im->sum->has_generate_id : 0;
    rep->generate_id_next = im->sum ? im->sum->generate_id_next : 0;
    rep->bytes = lmkv_dump_reader_offset(im->r);
    /* the bytes read, not the size fstat gave at the open: a pipe, a FIFO
     * or standard input has none (0) */
    rep->input_bytes = lmkv_dump_reader_input_offset(im->r);
}

int lmkv_migrate_import(lmkv_migrate_report *out, const char *dump_path, const char *db_dir,
                        const lmkv_migrate_options *opts)
{
    if (!dump_path || !db_dir || !*db_dir) return lmkv_error_set(LMKV_EINVAL, "lmkv_migrate_import: NULL path");
    lmkv_migrate_options defaults;
    lmkv_migrate_options_init(&defaults);
    lmkv_migrate_report rep;
    memset(&rep, 0, sizeof rep);
    struct imp im;
    memset(&im, 0, sizeof im);
    im.o = opts ? opts : &defaults;
    im.rep = &rep;
    im.dump_path = dump_path;
    im.db_dir = db_dir;
    im.tmp_lock = -1;
    im.batch_max = im.o->batch_pairs ? im.o->batch_pairs : DEFAULT_BATCH;
    im.scan.off = (im.o->flags & LMKV_MIGRATE_NO_TYPED) != 0;
    clock_gettime(CLOCK_MONOTONIC, &im.t0);
    rep.dry_run = (im.o->flags & LMKV_MIGRATE_DRY_RUN) != 0;
    enum target_kind tk = T_MISSING;
    lmkv_db *target = NULL;
    int rc;
    if (im.o->workspace_root && im.o->workspace_root[0] != '/') {
        rc = lmkv_error_set(LMKV_EINVAL, "workspace root '%s' is not an absolute path", im.o->workspace_root);
        goto cleanup;
    }
    if ((rc = lmkv_dump_reader_open(&im.r, dump_path))) goto cleanup;
    rep.gzip = lmkv_dump_reader_is_gzip(im.r);
    rep.input_bytes = lmkv_dump_reader_input_size(im.r);

    if (rep.dry_run) {
        im.mode = MODE_DRY;
        if ((rc = raw_pass(&im))) goto cleanup;
        goto done;
    }
    if ((rc = target_kind(db_dir, &tk))) goto cleanup;
    if ((rc = clean_stale(&im))) goto cleanup;
    if (tk == T_OTHER) {
        rc = lmkv_error_set(LMKV_EEXISTS, "target %s exists and is not an lmkv database (nor an empty directory)", db_dir);
        goto cleanup;
    }
    uint64_t target_entries = 0;
    if (tk == T_DB) {
        int already = 0;
        if ((rc = inspect_target(&im, &target, &target_entries, &already))) goto cleanup;
        if (already) goto done;
    }
    /* build beside */
    if ((rc = target_writable(db_dir))) goto cleanup;
    if (tk == T_DB && (im.o->flags & LMKV_MIGRATE_VERIFY) && (rep.input_bytes == 0 || !strcmp(dump_path, "-"))) {
        /* verifying a merge reads the dump a second time (compare pass) */
        rc = lmkv_error_set(LMKV_EINVAL, "sled dump %s: --verify of a merge reads the dump twice, so it needs a "
                                         "regular file; standard input, pipes and FIFOs are read once", dump_path);
        goto cleanup;
    }
    if ((rc = make_tmp_dir(&im))) goto cleanup;
    if (target) {
        if ((rc = lmkv_db_copy(target, im.tmp_dir, LMKV_COPY_COMPACT))) {
            lmkv_error_wrap(rc, "copy %s to %s", db_dir, im.tmp_dir);
            goto cleanup;
        }
        lmkv_db_close(target);
        target = NULL;
    }
    im.mode = (tk == T_DB) ? MODE_MERGE : MODE_FRESH;
    im.empty_trees = target_entries == 0;
    if ((rc = open_build_db(&im, rep.input_bytes))) goto cleanup;
    if ((rc = raw_pass(&im))) goto cleanup;
    if (rep.conflicts) {
        rc = lmkv_error_set(LMKV_EEXISTS, "merge into %s: %llu keys of the dump hold other values in the target; "
                                          "nothing was changed",
                            db_dir, (unsigned long long)rep.conflicts);
        goto cleanup;
    }
    if (im.sum->has_generate_id && (rc = lmkv_db_set_next_id(im.db, im.sum->generate_id_next))) goto cleanup;
    if (!(im.o->flags & LMKV_MIGRATE_NO_TYPED)) {
        progress(&im, "typed", 1);
        if ((rc = lmkv_migrate__typed_convert(im.db, im.o, &rep, im.stats_new))) goto cleanup;
    }
    progress(&im, "verify", 1);
    if ((rc = check_lens(&im))) goto cleanup;
    if ((rc = lmkv_db_flush(NULL, im.db))) goto cleanup;
    lmkv_db_close(im.db);
    im.db = NULL;
    if (im.o->flags & LMKV_MIGRATE_VERIFY) {
        if ((rc = verify_reopened(&im))) goto cleanup;
        lmkv_db_close(im.db);
        im.db = NULL;
    }
    if (im.o->cancel && *im.o->cancel) {
        rc = lmkv_error_set(LMKV_ECONFLICT, "import of %s cancelled before the rename; %s untouched", dump_path, db_dir);
        goto cleanup;
    }
    if ((rc = swap_into_place(&im, tk))) goto cleanup;
done:
    report_done(&im);
    rc = LMKV_OK;
cleanup:
    rep.seconds = elapsed(&im);
    if (im.txn) lmkv_txn_abort(im.txn);
    lmkv_tree_close(im.tree);
    lmkv_db_close(im.db);
    lmkv_db_close(target);
    if (im.tmp_dir) {
        rm_dir(im.tmp_dir);
        free(im.tmp_dir);
    }
    if (im.tmp_lock >= 0) close(im.tmp_lock); /* after the removal: a scan never takes a live run's directory */
    lmkv_dump_summary_free(im.sum);
    lmkv_dump_reader_free(im.r);
    lmkv_migrate__typed_notices_drop(&im.scan);
    if (out) *out = rep;
    return rc;
}
