/*
 * db.c -- lmkv_db: opening an LMDB environment as a sled-like Db, meta
 * record and format version, ids, flush, stats, copy, checksum, export and
 * import.
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_MAP   ((uint64_t)64 << 20)
#define ID_BLOCK      ((uint64_t)1 << 16)
static const char DEFAULT_TREE[] = "__sled__default";


/* Databases open in this process, by directory identity. LMDB must not open
 * one environment twice in a process (closing one would drop the process's
 * fcntl locks on lock.mdb that the other relies on, and other processes'
 * mdb_reader_check could then clear live reader slots), so a second
 * lmkv_db_open of the same directory returns the same lmkv_db, refcounted. */
static pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;
static lmkv_db *g_reg;

void lmkv_config_init(lmkv_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->flush_every_ms = 500;
    cfg->durability = LMKV_DURABILITY_DEFAULT;
    cfg->initial_map_size = DEFAULT_MAP;
    cfg->file_mode = 0600;
    cfg->max_trees = 4096;
    cfg->max_readers = 1022;
}

/* ------------------------------------------------------------ meta */



/* ------------------------------------------------------------ helpers */

static int mkdir_p(const char *path, mode_t mode)
{
    char *p = strdup(path);
    if (!p)
        return ENOMEM;
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, mode) && errno != EEXIST) {
                int e = errno;
                free(p);
                return e;
            }
            *s = '/';
        }
    }
    int rc = (mkdir(p, mode) && errno != EEXIST) ? errno : 0;
    free(p);
    return rc;
}

static void rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            size_t n = strlen(path) + strlen(e->d_name) + 2;
            char *c = malloc(n);
            if (!c)
                continue;
            snprintf(c, n, "%s/%s", path, e->d_name);
            struct stat sb;
            if (lstat(c, &sb) == 0 && S_ISDIR(sb.st_mode))
                rm_rf(c);
            else
                unlink(c);
            free(c);
        }
        closedir(d);
    }
    rmdir(path);
}

static void *flusher_main(void *arg)
{
    lmkv_db *db = arg;
    pthread_mutex_lock(&db->fl_mu);
    while (!db->flusher_stop) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += db->flush_ms / 1000;
        dl.tv_nsec += (long)(db->flush_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&db->fl_cv, &db->fl_mu, &dl);
        if (db->flusher_stop)
            break;
        pthread_mutex_unlock(&db->fl_mu);
        lmkv_db_flush(NULL, db);
        pthread_mutex_lock(&db->fl_mu);
    }
    pthread_mutex_unlock(&db->fl_mu);
    return NULL;
}

static void db_free(lmkv_db *db)
{
    if (!db)
        return;
    if (db->default_tree) {
        db->default_tree->borrowed = false;
        lmkv_tree_close(db->default_tree);
    }
    for (int i = 0; i < db->npool; i++)
        mdb_txn_abort(db->pool[i]);
    db->npool = 0;
    /* remaining states (handles leaked by the caller) */
    kv_tree_state *s = db->trees;
    while (s) {
        kv_tree_state *n = s->next;
        if (--s->refs == 0) {
            free(s->name);
            free(s->dbi_name);
            free(s);
        } else {
            s->dropped = true;
        }
        s = n;
    }
    db->trees = NULL;
    if (db->env)
        mdb_env_close(db->env);
    if (db->temporary && db->path)
        rm_rf(db->path);
    pthread_mutex_destroy(&db->tree_mu);
    pthread_mutex_destroy(&db->gate_mu);
    pthread_cond_destroy(&db->gate_cv);
    pthread_mutex_destroy(&db->pool_mu);
    pthread_mutex_destroy(&db->wr_mu);
    pthread_mutex_destroy(&db->gc_mu);
    pthread_cond_destroy(&db->gc_arrive);
    pthread_mutex_destroy(&db->sync_mu);
    pthread_cond_destroy(&db->sync_cv);
    pthread_mutex_destroy(&db->id_mu);
    pthread_mutex_destroy(&db->ev_mu);
    pthread_cond_destroy(&db->ev_cv);
    pthread_mutex_destroy(&db->fl_mu);
    pthread_cond_destroy(&db->fl_cv);
    free(db->path);
    free(db);
}

/* Open lmkv.meta and lmkv.catalog; create and stamp them on a fresh env. */
static int init_meta(lmkv_db *db, bool file_existed)
{
    MDB_txn *txn;
    int rc;
    unsigned fl = db->read_only ? MDB_RDONLY : 0;
    uint64_t ver = 0;
    for (int tries = 0;; tries++) {
        rc = mdb_txn_begin(db->env, NULL, fl, &txn);
        if (rc == MDB_MAP_RESIZED && tries < 3) {
            mdb_env_set_mapsize(db->env, 0);
            continue;
        }
        if (rc)
            return lmkv_kv__err_mdb(rc, "opening", NULL, NULL, 0);
        break;
    }
    rc = mdb_dbi_open(txn, "lmkv.meta", 0, &db->meta_dbi);
    if (rc == MDB_NOTFOUND) {
        /* Fresh or foreign env: refuse a non-empty LMDB file that lmkv did not make. */
        MDB_dbi main_dbi;
        MDB_stat st;
        if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) == 0 && (rc = mdb_stat(txn, main_dbi, &st)) == 0 &&
            st.ms_entries > 0) {
            mdb_txn_abort(txn);
            return lmkv_error_set(LMKV_EVERSION, "%s: an LMDB environment that is not an lmkv database (no lmkv.meta)", db->path);
        }
        if (db->read_only) {
            mdb_txn_abort(txn);
            return lmkv_error_set(LMKV_NOTFOUND, "%s: empty database opened read-only", db->path);
        }
        if ((rc = mdb_dbi_open(txn, "lmkv.meta", MDB_CREATE, &db->meta_dbi)) ||
            (rc = mdb_dbi_open(txn, "lmkv.catalog", MDB_CREATE, &db->catalog_dbi)) ||
            (rc = lmkv_kv__meta_put_u64(txn, db->meta_dbi, "format_version", LMKV_FORMAT_VERSION)) ||
            (rc = lmkv_kv__meta_put_u64(txn, db->meta_dbi, "id_hw", 0))) {
            mdb_txn_abort(txn);
            return lmkv_kv__err_mdb(rc, "initialising", NULL, NULL, 0);
        }
        db->recovered = false;
        (void)file_existed;
        rc = mdb_txn_commit(txn);
        if (rc)
            return lmkv_kv__err_mdb(rc, "initialising", NULL, NULL, 0);
        return 0;
    }
    if (rc) {
        mdb_txn_abort(txn);
        return lmkv_kv__err_mdb(rc, "opening lmkv.meta", NULL, NULL, 0);
    }
    rc = lmkv_kv__meta_get_u64(txn, db->meta_dbi, "format_version", &ver);
    if (rc) {
        mdb_txn_abort(txn);
        return lmkv_error_set(LMKV_ECORRUPT, "%s: lmkv.meta has no valid format_version", db->path);
    }
    if (ver != LMKV_FORMAT_VERSION) {
        mdb_txn_abort(txn);
        return lmkv_error_set(LMKV_EVERSION, "%s: database format version %llu, this lmkv %s reads version %d",
                              db->path, (unsigned long long)ver, lmkv_version(), LMKV_FORMAT_VERSION);
    }
    rc = mdb_dbi_open(txn, "lmkv.catalog", 0, &db->catalog_dbi);
    if (rc) {
        mdb_txn_abort(txn);
        return lmkv_error_set(LMKV_ECORRUPT, "%s: lmkv.catalog missing: %s", db->path, mdb_strerror(rc));
    }
    db->recovered = true;
    rc = mdb_txn_commit(txn);
    if (rc)
        return lmkv_kv__err_mdb(rc, "opening", NULL, NULL, 0);
    return 0;
}

static lmkv_db *db_alloc(void)
{
    lmkv_db *db = calloc(1, sizeof *db);
    if (!db)
        return NULL;
    pthread_mutex_init(&db->tree_mu, NULL);
    pthread_mutex_init(&db->gate_mu, NULL);
    pthread_cond_init(&db->gate_cv, NULL);
    pthread_mutex_init(&db->pool_mu, NULL);
    pthread_mutex_init(&db->wr_mu, NULL);
    pthread_mutex_init(&db->gc_mu, NULL);
    pthread_cond_init(&db->gc_arrive, NULL);
    pthread_mutex_init(&db->sync_mu, NULL);
    pthread_cond_init(&db->sync_cv, NULL);
    pthread_mutex_init(&db->id_mu, NULL);
    pthread_mutex_init(&db->ev_mu, NULL);
    pthread_cond_init(&db->ev_cv, NULL);
    pthread_mutex_init(&db->fl_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&db->fl_cv, &ca);
    pthread_condattr_destroy(&ca);
    return db;
}

/* db->path (cfg's, or a new temporary directory), what exists there
 * (*existed, *sb: data.mdb's stat) and the directory's identity. The
 * directory is created unless read-only. On failure db->temporary is
 * cleared when the directory is not this open's to remove. */
static int db_locate(lmkv_db *db, const lmkv_config *cfg, mode_t dmode, bool *existed, struct stat *sb)
{
    char fbuf[4096];
    if (cfg->path) {
        db->path = strdup(cfg->path);
    } else {
        const char *td = getenv("TMPDIR");
        snprintf(fbuf, sizeof fbuf, "%s/lmkv-tmp.XXXXXX", td && *td ? td : "/tmp");
        if (!mkdtemp(fbuf))
            return lmkv_error_set(lmkv_error_from_mdb(errno), "creating a temporary directory %s: %s", fbuf, strerror(errno));
        db->path = strdup(fbuf);
    }
    if (!db->path)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    snprintf(fbuf, sizeof fbuf, "%s/data.mdb", db->path);
    *existed = stat(fbuf, sb) == 0;
    int stat_errno = *existed ? 0 : errno;
    int rc;
    db->temporary = false; /* never remove what this open did not create */
    if (*existed && cfg->create_new)
        return lmkv_error_set(LMKV_EEXISTS, "%s: database exists and create_new is set", db->path);
    if (!*existed && cfg->read_only && (stat_errno == EACCES || stat_errno == EPERM))
        return lmkv_error_set(LMKV_EPERM, "%s: data.mdb: %s", db->path, strerror(stat_errno));
    if (!*existed && cfg->read_only)
        return lmkv_error_set(LMKV_NOTFOUND, "%s: no database (data.mdb missing) to open read-only", db->path);
    if (!cfg->read_only && (rc = mkdir_p(db->path, dmode)))
        return lmkv_error_set(lmkv_error_from_mdb(rc), "%s: creating the directory: %s", db->path, strerror(rc));
    struct stat dsb;
    if (stat(db->path, &dsb) != 0)
        return lmkv_error_set(lmkv_error_from_mdb(errno), "%s: %s", db->path, strerror(errno));
    db->temporary = cfg->temporary != 0;
    db->dev = dsb.st_dev;
    db->ino = dsb.st_ino;
    return 0;
}

/* The process registry (g_reg_mu held): the directory is already open in
 * this process. Returns 1 with *out set (the same handle, or a read-only
 * alias of a read-write one; db consumed or kept as the alias), 0 when it
 * is not open here, or an error (negative). */
static int db_reuse(lmkv_db **out, lmkv_db *db)
{
    for (lmkv_db *o = g_reg; o; o = o->reg_next) {
        /* entries inherited through fork() belong to the parent: an LMDB env
         * must not be used across fork, so the child opens its own */
        if (o->dev != db->dev || o->ino != db->ino || o->pid != db->pid)
            continue;
        if (o->read_only && !db->read_only)
            return lmkv_error_set(LMKV_EBUSY, "%s: already open read-only in this process; LMDB allows one environment per process",
                                  db->path);
        if (db->temporary)
            return lmkv_error_set(LMKV_EBUSY, "%s: already open in this process %s; LMDB allows one environment per process",
                                  db->path, o->read_only ? "read-only" : "read-write");
        if (!o->read_only && db->read_only) {
            /* read-only beside this process's read-write handle: an alias
             * sharing the environment, refusing every write */
            lmkv_tree *dt = calloc(1, sizeof *dt);
            if (!dt)
                return lmkv_error_set(LMKV_ENOMEM, "out of memory");
            o->refs++;
            pthread_mutex_lock(&o->tree_mu);
            o->default_tree->st->refs++;
            pthread_mutex_unlock(&o->tree_mu);
            dt->db = o;
            dt->st = o->default_tree->st;
            dt->borrowed = true;
            dt->ro = true;
            db->core = o;
            db->default_tree = dt;
            db->recovered = true;
            db->refs = 1;
            *out = db;
            return 1;
        }
        o->refs++;
        db_free(db);
        *out = o;
        return 1;
    }
    return 0;
}

static int db_env_create(lmkv_db *db, const lmkv_config *cfg, bool existed, const struct stat *sb)
{
    int rc;
    if ((rc = mdb_env_create(&db->env))) {
        db->env = NULL;
        return lmkv_kv__err_mdb(rc, "mdb_env_create", NULL, NULL, 0);
    }
    mdb_env_set_maxdbs(db->env, (cfg->max_trees ? cfg->max_trees : 4096) + 4);
    mdb_env_set_maxreaders(db->env, cfg->max_readers ? cfg->max_readers : 1022);
    uint64_t ms = cfg->initial_map_size ? cfg->initial_map_size : DEFAULT_MAP;
    if (existed && (uint64_t)sb->st_size > ms)
        ms = (uint64_t)sb->st_size + ((uint64_t)sb->st_size >> 1);
    ms = (ms + 65535) & ~(uint64_t)65535;
    mdb_env_set_mapsize(db->env, (size_t)ms);
    return 0;
}

static int db_env_error(lmkv_db *db, int rc)
{
    if (rc == MDB_INVALID)
        return lmkv_error_set(LMKV_ECORRUPT, "%s: data.mdb is not an LMDB file", db->path);
    if (rc == MDB_VERSION_MISMATCH)
        return lmkv_error_set(LMKV_EVERSION, "%s: written by another LMDB version", db->path);
    return lmkv_error_set(lmkv_error_from_mdb(rc), "%s: opening the LMDB environment: %s", db->path, mdb_strerror(rc));
}

/* Create and open the LMDB environment. A read-only open whose lock file
 * cannot be opened or created (lock.mdb or the directory not writable:
 * EACCES, EPERM, EROFS) is opened again without it, MDB_NOLOCK with
 * MDB_RDONLY, as mdb_dump and mdb_stat do: db->lockless is set. */
static int db_env_open(lmkv_db *db, const lmkv_config *cfg, bool existed, const struct stat *sb)
{
    int rc;
    unsigned fmode = db->file_mode;
    /* Default durability MDB_NOMETASYNC: data pages are fsync'ed at every
     * commit, the meta page at the next commit or flush. A power loss can
     * roll back to the previous meta page (losing the last commit) but the
     * copy-on-write tree it points to is complete: never corruption, at
     * about half the fsync cost of full sync. */
    /* MDB_NORDAHEAD (madvise MADV_RANDOM on the map): lookups are random
     * page reads; with the kernel's read-ahead each fault on an uncached
     * page read and mapped ~16x more (bench/graph_bench: 46 MB RSS instead
     * of a few MB for the same queries). Costs cold sequential scans only. */
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
    if (cfg->read_only)
        flags |= MDB_RDONLY;
    if (cfg->durability == LMKV_DURABILITY_DEFAULT)
        flags |= MDB_NOMETASYNC;
    else if (cfg->durability == LMKV_DURABILITY_NOSYNC)
        flags |= MDB_NOSYNC;
    if ((rc = db_env_create(db, cfg, existed, sb)))
        return rc;
    rc = mdb_env_open(db->env, db->path, flags, (mdb_mode_t)fmode);
    if (rc && cfg->read_only && (rc == EACCES || rc == EPERM || rc == EROFS)) {
        int lock_rc = rc;
        /* a failed mdb_env_open leaves the handle for mdb_env_close only */
        mdb_env_close(db->env);
        db->env = NULL;
        if ((rc = db_env_create(db, cfg, existed, sb)))
            return rc;
        rc = mdb_env_open(db->env, db->path, flags | MDB_NOLOCK, (mdb_mode_t)fmode);
        if (rc)
            return lmkv_error_set(lmkv_error_from_mdb(rc),
                                  "%s: lock.mdb: %s; opening data.mdb without the lock (MDB_NOLOCK, read-only) failed too: %s", db->path,
                                  mdb_strerror(lock_rc), mdb_strerror(rc));
        db->lockless = true;
    }
    return rc ? db_env_error(db, rc) : 0;
}

int lmkv_db_open(lmkv_db **out, const lmkv_config *cfg_in)
{
    lmkv_config cfg;
    int rc;
    struct stat sb;
    bool existed = false;
    if (!out || !cfg_in)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_open: NULL argument");
    cfg = *cfg_in;
    if (!cfg.path && !cfg.temporary)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_open: path is NULL and temporary is not set");
    if (cfg.durability < 0 || cfg.durability > LMKV_DURABILITY_NOSYNC)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_open: unknown durability %d", cfg.durability);
    if (cfg.read_only && cfg.create_new)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_open: read_only with create_new");
    unsigned fmode = cfg.file_mode ? cfg.file_mode : 0600;
    mode_t dmode = (mode_t)(fmode | ((fmode & 0444) >> 2));
    lmkv_db *db = db_alloc();
    if (!db)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    db->read_only = cfg.read_only != 0;
    db->durability = cfg.durability;
    db->file_mode = fmode;
    db->temporary = cfg.temporary != 0;
    if ((rc = db_locate(db, &cfg, dmode, &existed, &sb))) {
        db_free(db);
        return rc;
    }
    pthread_mutex_lock(&g_reg_mu);
    db->pid = getpid();
    if ((rc = db_reuse(out, db)) != 0) {
        if (rc < 0) {
            db->temporary = false;
            db_free(db);
        }
        pthread_mutex_unlock(&g_reg_mu);
        return rc < 0 ? rc : 0;
    }
    if ((rc = db_env_open(db, &cfg, existed, &sb)))
        goto fail;
    int dead = 0;
    mdb_reader_check(db->env, &dead);
    /* flushes and the last close sync commits made from here on (those of
     * this open's own setup included), not the ones already there */
    {
        MDB_envinfo ei;
        if (mdb_env_info(db->env, &ei) == 0)
            db->flushed_txnid = ei.me_last_txnid;
    }
    MDB_stat est;
    mdb_env_stat(db->env, &est);
    db->page_size = est.ms_psize ? est.ms_psize : 4096;
    if ((rc = init_meta(db, existed)))
        goto fail;
    kv_tree_state *st;
    if ((rc = lmkv_kv__tree_state_get(&st, db, DEFAULT_TREE, sizeof DEFAULT_TREE - 1, false,
                                db->read_only ? LMKV_TREE_NO_CREATE : 0)))
        goto fail;
    if ((rc = lmkv_kv__tree_handle_new(&db->default_tree, db, st)))
        goto fail;
    db->default_tree->borrowed = true;
    if (cfg.flush_every_ms && !db->read_only) {
        db->flush_ms = cfg.flush_every_ms;
        if (pthread_create(&db->flusher, NULL, flusher_main, db) == 0)
            db->flusher_on = true;
    }
    db->refs = 1;
    db->reg_next = g_reg;
    g_reg = db;
    pthread_mutex_unlock(&g_reg_mu);
    *out = db;
    return 0;
fail:
    pthread_mutex_unlock(&g_reg_mu);
    db_free(db);
    return rc;
}

int lmkv_db_open_path(lmkv_db **out, const char *path)
{
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = path;
    return lmkv_db_open(out, &c);
}

void lmkv_db_close(lmkv_db *db)
{
    if (!db)
        return;
    if (db->core) { /* a read-only alias */
        lmkv_db *core = db->core;
        lmkv_kv__tree_state_unref(db->default_tree->st);
        free(db->default_tree);
        db->default_tree = NULL;
        db->core = NULL;
        db_free(db);
        lmkv_db_close(core);
        return;
    }
    pthread_mutex_lock(&g_reg_mu);
    if (--db->refs > 0) {
        pthread_mutex_unlock(&g_reg_mu);
        return;
    }
    for (lmkv_db **pp = &g_reg; *pp; pp = &(*pp)->reg_next) {
        if (*pp == db) {
            *pp = db->reg_next;
            break;
        }
    }
    pthread_mutex_unlock(&g_reg_mu);
    /* release writers waiting on subscriber queues, detach subscribers */
    lmkv_kv__subs_db_closing(db);
    if (db->flusher_on) {
        pthread_mutex_lock(&db->fl_mu);
        db->flusher_stop = true;
        pthread_cond_broadcast(&db->fl_cv);
        pthread_mutex_unlock(&db->fl_mu);
        pthread_join(db->flusher, NULL);
    }
    /* as lmkv_db_flush: an fdatasync only when something was committed since
     * the open or the last flush (a process that only read paid one,
     * 1-5 ms, at every close) */
    if (!db->read_only && !db->temporary)
        lmkv_db_flush(NULL, db);
    db_free(db);
}

const char *lmkv_db_path(const lmkv_db *db) { return db ? db->path : NULL; }
int lmkv_db_is_temporary(const lmkv_db *db) { return db && db->temporary; }
int lmkv_db_is_read_only(const lmkv_db *db) { return db && db->read_only; }
int lmkv_db_is_lockless(const lmkv_db *db) { return db && (db->core ? db->core : db)->lockless; }
int lmkv_db_was_recovered(const lmkv_db *db) { return db && db->recovered; }
lmkv_tree *lmkv_db_default_tree(lmkv_db *db) { return db ? db->default_tree : NULL; }

/* ------------------------------------------------------------ ids */

typedef struct id_ctx {
    uint64_t floor, start, end;
} id_ctx;

static int id_reserve_fn(lmkv_txn *tx, void *p)
{
    id_ctx *c = p;
    uint64_t hw = 0;
    int rc = lmkv_kv__meta_get_u64(tx->txn, tx->db->meta_dbi, "id_hw", &hw);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    c->start = hw > c->floor ? hw : c->floor;
    c->end = c->start + ID_BLOCK;
    return lmkv_kv__meta_put_u64(tx->txn, tx->db->meta_dbi, "id_hw", c->end);
}


int lmkv_db_generate_id(uint64_t *out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_generate_id: NULL argument");
    if (db->core)
        return lmkv_kv__readonly_alias_err(db, "generate_id");
    if (db->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "%s: generate_id on a read-only database", db->path);
    for (;;) {
        pthread_mutex_lock(&db->id_mu);
        if (db->id_next < db->id_limit) {
            *out = db->id_next++;
            pthread_mutex_unlock(&db->id_mu);
            return 0;
        }
        uint64_t floor = db->id_limit;
        pthread_mutex_unlock(&db->id_mu);
        id_ctx c = {floor, 0, 0};
        int rc;
        if (lmkv_kv__member_wants_alone(db)) /* a grouped transaction closure: rerun alone */
            return lmkv_error_set(LMKV_EBUSY, "generate_id: reserving ids inside a grouped transaction (it reruns alone)");
        if (lmkv_kv__thread_is_writer(db) && db->cur_txn && !db->cur_txn->internal) {
            /* Reserve inside this thread's write txn; persisted at its commit,
             * or by a separate txn if it aborts (ids handed out stay used). */
            lmkv_txn *tx = db->cur_txn;
            uint64_t hw = 0;
            rc = lmkv_kv__meta_get_u64(tx->txn, db->meta_dbi, "id_hw", &hw);
            if (rc && rc != MDB_NOTFOUND)
                return lmkv_kv__err_mdb(rc, "generate_id", NULL, NULL, 0);
            c.start = hw > floor ? hw : floor;
            if (tx->pending_id_hw > c.start)
                c.start = tx->pending_id_hw;
            c.end = c.start + ID_BLOCK;
            tx->pending_id_hw = c.end;
        } else if ((rc = lmkv_kv__write(db, id_reserve_fn, &c))) {
            return lmkv_error_wrap(rc, "generate_id: reserving a block of ids");
        }
        pthread_mutex_lock(&db->id_mu);
        if (c.start >= db->id_limit) {
            db->id_next = c.start;
            db->id_limit = c.end;
        }
        pthread_mutex_unlock(&db->id_mu);
    }
}


int lmkv_db_set_next_id(lmkv_db *db, uint64_t next)
{
    if (!db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_set_next_id: NULL db");
    if (db->core)
        return lmkv_kv__readonly_alias_err(db, "set_next_id");
    if (db->read_only)
        return lmkv_error_set(LMKV_EREADONLY, "%s: set_next_id on a read-only database", db->path);
    int rc = lmkv_kv__ids_persist(db, next);
    if (rc)
        return rc;
    pthread_mutex_lock(&db->id_mu);
    if (db->id_next < next)
        db->id_next = db->id_limit; /* force a new reservation (>= next) */
    pthread_mutex_unlock(&db->id_mu);
    return 0;
}

int lmkv_db_peek_next_id(uint64_t *out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_peek_next_id: NULL argument");
    db = kv_core(db);
    MDB_txn *txn;
    int rc = lmkv_kv__rtxn_get(db, &txn);
    if (rc)
        return rc;
    uint64_t hw = 0;
    rc = lmkv_kv__meta_get_u64(txn, db->meta_dbi, "id_hw", &hw);
    lmkv_kv__rtxn_put(db, txn);
    if (rc && rc != MDB_NOTFOUND)
        return lmkv_kv__err_mdb(rc, "reading the id high-water mark", NULL, NULL, 0);
    *out = hw;
    return 0;
}

/* ------------------------------------------------------------ size, flush, info */

int lmkv_db_size_on_disk(uint64_t *out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_size_on_disk: NULL argument");
    db = kv_core(db);
    uint64_t total = 0;
    const char *files[] = {"data.mdb", "lock.mdb"};
    for (int i = 0; i < 2; i++) {
        char p[4096];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", db->path, files[i]);
        if (stat(p, &sb) == 0)
            total += (uint64_t)sb.st_size;
    }
    *out = total;
    return 0;
}

int lmkv_db_last_txnid(uint64_t *out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_last_txnid: NULL argument");
    db = kv_core(db);
    MDB_envinfo info;
    lmkv_kv__enter(db); /* the meta pages live in the map: keep map growth out */
    int rc = mdb_env_info(db->env, &info);
    lmkv_kv__leave(db);
    if (rc)
        return lmkv_kv__err_mdb(rc, "mdb_env_info", NULL, NULL, 0);
    *out = info.me_last_txnid;
    return 0;
}

int lmkv_db_flush(uint64_t *out_bytes, lmkv_db *db)
{
    if (!db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_flush: NULL db");
    if (db->core) { /* read-only: nothing to sync */
        if (out_bytes)
            *out_bytes = 0;
        return 0;
    }
    MDB_envinfo info;
    MDB_stat st;
    lmkv_kv__enter(db); /* the meta pages live in the map: keep map growth out */
    mdb_env_info(db->env, &info);
    mdb_env_stat(db->env, &st);
    lmkv_kv__leave(db);
    uint64_t bytes = 0;
    pthread_mutex_lock(&db->fl_mu);
    bool changed = info.me_last_txnid != db->flushed_txnid;
    pthread_mutex_unlock(&db->fl_mu);
    if (!db->read_only && changed) {
        int rc = mdb_env_sync(db->env, 1);
        if (rc)
            return lmkv_kv__err_mdb(rc, "flush (mdb_env_sync)", NULL, NULL, 0);
        bytes = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
        pthread_mutex_lock(&db->fl_mu);
        db->flushed_txnid = info.me_last_txnid;
        pthread_mutex_unlock(&db->fl_mu);
        lmkv_kv__synced_note(db, info.me_last_txnid); /* read before the sync: on disk now */
    }
    if (out_bytes)
        *out_bytes = bytes;
    return 0;
}

/* ------------------------------------------------------------ clear, checksum */

typedef struct trees_ctx {
    lmkv_tree **trees;
    size_t n;
} trees_ctx;

static void close_trees(lmkv_tree **t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lmkv_tree_close(t[i]);
    free(t);
}

/* Open handles to every user tree (consistent enough: callers recheck in their txn). */
static int open_all_user_trees(lmkv_tree ***out, lmkv_bytes_array *names, lmkv_db *db)
{
    int rc = lmkv_db_tree_names(names, db);
    if (rc)
        return rc;
    lmkv_tree **t = calloc(names->count ? names->count : 1, sizeof *t);
    if (!t) {
        lmkv_bytes_array_free(names);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < names->count; i++) {
        rc = lmkv_db_open_tree_ex(&t[i], db, names->items[i].data, names->items[i].size, LMKV_TREE_NO_CREATE);
        if (rc == LMKV_NOTFOUND) {
            t[i] = NULL; /* dropped meanwhile */
            continue;
        }
        if (rc) {
            close_trees(t, names->count);
            lmkv_bytes_array_free(names);
            return rc;
        }
    }
    *out = t;
    return 0;
}

static int clear_fn(lmkv_txn *tx, void *p)
{
    trees_ctx *c = p;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->trees[i] || c->trees[i]->st->dropped)
            continue;
        int rc = lmkv_kv__txn_clear(tx, c->trees[i]->st);
        if (rc)
            return rc;
    }
    return 0;
}

int lmkv_db_clear(lmkv_db *db)
{
    if (!db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_clear: NULL db");
    if (db->core)
        return lmkv_kv__readonly_alias_err(db, "clear");
    lmkv_bytes_array names;
    lmkv_tree **t;
    int rc = open_all_user_trees(&t, &names, db);
    if (rc)
        return rc;
    trees_ctx c = {t, names.count};
    rc = lmkv_kv__write(db, clear_fn, &c);
    close_trees(t, names.count);
    lmkv_bytes_array_free(&names);
    return rc;
}

static int crc_tree(uLong *crc, MDB_txn *txn, kv_tree_state *st)
{
    kv_lcur c;
    int rc = lmkv_kv__lc_open(&c, txn, st->dbi, st);
    if (rc)
        return lmkv_kv__err_mdb(rc, "checksum", st, NULL, 0);
    for (rc = lmkv_kv__lc_first(&c); rc == 0; rc = lmkv_kv__lc_next(&c)) {
        const lmkv_pair *p = kv_lc_cur(&c);
        /* zlib's crc32 takes uInt lengths: feed big buffers in pieces */
        for (size_t off = 0; off < p->key_size;) {
            size_t m = p->key_size - off > (1u << 30) ? (1u << 30) : p->key_size - off;
            *crc = crc32(*crc, p->key + off, (uInt)m);
            off += m;
        }
        for (size_t off = 0; off < p->value_size;) {
            size_t m = p->value_size - off > (1u << 30) ? (1u << 30) : p->value_size - off;
            *crc = crc32(*crc, p->value + off, (uInt)m);
            off += m;
        }
    }
    lmkv_kv__lc_close(&c);
    if (rc != MDB_NOTFOUND)
        return rc <= -30900 ? rc : lmkv_kv__err_mdb(rc, "checksum", st, NULL, 0);
    return 0;
}

int lmkv_tree_checksum(uint32_t *out, lmkv_tree *t)
{
    int rc;
    if (!out)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_tree_checksum: NULL out");
    if ((rc = lmkv_kv__check_tree(t)))
        return rc;
    MDB_txn *txn;
    if ((rc = lmkv_kv__rtxn_get(t->db, &txn)))
        return rc;
    uLong crc = crc32(0L, Z_NULL, 0);
    rc = crc_tree(&crc, txn, t->st);
    lmkv_kv__rtxn_put(t->db, txn);
    if (rc == 0)
        *out = (uint32_t)crc;
    return rc;
}

/* Run fn over every user tree in name order in one read snapshot. */
typedef int (*each_tree_fn)(void *ctx, MDB_txn *txn, lmkv_tree *t, const lmkv_bytes *name);

static int for_each_user_tree(lmkv_db *db, each_tree_fn fn, void *ctx)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        lmkv_bytes_array names, snap = {0};
        lmkv_tree **t;
        int rc = open_all_user_trees(&t, &names, db);
        if (rc)
            return rc;
        MDB_txn *txn;
        if ((rc = lmkv_kv__rtxn_get(db, &txn))) {
            close_trees(t, names.count);
            lmkv_bytes_array_free(&names);
            return rc;
        }
        rc = lmkv_kv__catalog_names(&snap, db, txn, false);
        bool same = rc == 0 && snap.count == names.count;
        for (size_t i = 0; same && i < snap.count; i++)
            same = t[i] && !t[i]->st->dropped && snap.items[i].size == names.items[i].size &&
                   memcmp(snap.items[i].data, names.items[i].data, snap.items[i].size) == 0;
        if (rc == 0 && same) {
            for (size_t i = 0; i < names.count && rc == 0; i++)
                rc = fn(ctx, txn, t[i], &names.items[i]);
        }
        lmkv_kv__rtxn_put(db, txn);
        lmkv_bytes_array_free(&snap);   /* also when fn failed (was leaked then) */
        close_trees(t, names.count);
        lmkv_bytes_array_free(&names);
        if (rc || same)
            return rc;
    }
    return lmkv_error_set(LMKV_EBUSY, "trees kept being created or dropped during a whole-database read");
}

static int crc_each(void *ctx, MDB_txn *txn, lmkv_tree *t, const lmkv_bytes *name)
{
    uLong *crc = ctx;
    *crc = crc32(*crc, name->size ? name->data : (const Bytef *)"", (uInt)name->size);
    return crc_tree(crc, txn, t->st);
}

int lmkv_db_checksum(uint32_t *out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_checksum: NULL argument");
    db = kv_core(db);
    uLong crc = crc32(0L, Z_NULL, 0);
    int rc = for_each_user_tree(db, crc_each, &crc);
    if (rc == 0)
        *out = (uint32_t)crc;
    return rc;
}

/* ------------------------------------------------------------ export */

typedef struct export_ctx {
    const lmkv_export_visitor *v;
    void *ctx;
} export_ctx;

static int export_each(void *p, MDB_txn *txn, lmkv_tree *t, const lmkv_bytes *name)
{
    export_ctx *e = p;
    int rc;
    if (e->v->collection && (rc = e->v->collection(e->ctx, "tree", name->data, name->size)))
        return rc;
    kv_lcur c;
    if ((rc = lmkv_kv__lc_open(&c, txn, t->st->dbi, t->st)))
        return lmkv_kv__err_mdb(rc, "export", t->st, NULL, 0);
    for (rc = lmkv_kv__lc_first(&c); rc == 0; rc = lmkv_kv__lc_next(&c)) {
        const lmkv_pair *p2 = kv_lc_cur(&c);
        if (e->v->pair && (rc = e->v->pair(e->ctx, p2->key, p2->key_size, p2->value, p2->value_size))) {
            lmkv_kv__lc_close(&c);
            return rc;
        }
    }
    lmkv_kv__lc_close(&c);
    if (rc != MDB_NOTFOUND)
        return rc <= -30900 ? rc : lmkv_kv__err_mdb(rc, "export", t->st, NULL, 0);
    return 0;
}

int lmkv_db_export(lmkv_db *db, const lmkv_export_visitor *v, void *ctx)
{
    if (!db || !v)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_export: NULL argument");
    db = kv_core(db);
    export_ctx e = {v, ctx};
    return for_each_user_tree(db, export_each, &e);
}

/* ------------------------------------------------------------ import */

struct lmkv_import {
    lmkv_db *db;
    lmkv_txn *txn;
    lmkv_tree *cur;
    lmkv_tree **trees;
    size_t ntrees, cap;
    bool failed;
};

int lmkv_import_begin(lmkv_import **out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_import_begin: NULL argument");
    lmkv_import *imp = calloc(1, sizeof *imp);
    if (!imp)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    imp->db = db;
    int rc = lmkv_txn_begin(&imp->txn, db, 0);
    if (rc) {
        free(imp);
        return rc;
    }
    *out = imp;
    return 0;
}

int lmkv_import_collection(lmkv_import *imp, const char *type, const void *name, size_t n)
{
    if (!imp || !type || (!name && n))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_import_collection: NULL argument");
    if (imp->failed)
        return lmkv_error_set(LMKV_EBADTXN, "import failed earlier; abort it");
    if (strcmp(type, "tree") != 0) {
        imp->failed = true;
        imp->txn->poisoned = true;
        return lmkv_error_set(LMKV_EINVAL, "import: collection type '%s' is not \"tree\"", type);
    }
    if (imp->ntrees == imp->cap && LMKV_ARRAY_GROW(imp->trees, imp->cap, imp->cap + 1, 8))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    lmkv_tree *t;
    int rc = lmkv_db_open_tree(&t, imp->db, name, n);
    if (rc) {
        imp->failed = true;
        imp->txn->poisoned = true;
        return lmkv_error_wrap(rc, "import: opening tree");
    }
    imp->trees[imp->ntrees++] = t;
    imp->cur = t;
    return 0;
}

int lmkv_import_pair(lmkv_import *imp, const void *key, size_t ks, const void *val, size_t vs)
{
    if (!imp)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_import_pair: NULL import");
    if (imp->failed)
        return lmkv_error_set(LMKV_EBADTXN, "import failed earlier; abort it");
    if (!imp->cur) {
        imp->failed = true;
        imp->txn->poisoned = true;
        return lmkv_error_set(LMKV_EINVAL, "import: pair before any collection");
    }
    lmkv_pair cur;
    int rc = lmkv_txn_get(&cur, imp->txn, imp->cur, key, ks);
    if (rc == 0) {
        char h[80], tn[80];
        lmkv_kv__hexprefix(h, sizeof h, key, ks);
        lmkv_kv__hexprefix(tn, sizeof tn, imp->cur->st->name, imp->cur->st->name_size);
        imp->failed = true;
        imp->txn->poisoned = true;
        return lmkv_error_set(LMKV_EEXISTS, "import: tree %s (hex) already has key %s (%zu bytes); import never overwrites",
                              tn, h, ks);
    }
    if (rc != LMKV_NOTFOUND) {
        imp->failed = true;
        return rc;
    }
    rc = lmkv_txn_insert(imp->txn, imp->cur, key, ks, val ? val : "", vs);
    if (rc)
        imp->failed = true;
    return rc;
}

lmkv_txn *lmkv_import_txn(lmkv_import *imp) { return imp ? imp->txn : NULL; }

static void import_free(lmkv_import *imp)
{
    for (size_t i = 0; i < imp->ntrees; i++)
        lmkv_tree_close(imp->trees[i]);
    free(imp->trees);
    free(imp);
}

int lmkv_import_commit(lmkv_import *imp)
{
    if (!imp)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_import_commit: NULL import");
    int rc = lmkv_txn_commit(imp->txn);
    import_free(imp);
    return rc;
}

void lmkv_import_abort(lmkv_import *imp)
{
    if (!imp)
        return;
    lmkv_txn_abort(imp->txn);
    import_free(imp);
}

/* ------------------------------------------------------------ stats, copy */

/* lmkv_tree_stat_get is in tree.c, beside lmkv_tree_len (one implementation). */

typedef struct stat_ctx {
    lmkv_db_stat *s;
} stat_ctx;

static int stat_each(void *p, MDB_txn *txn, lmkv_tree *t, const lmkv_bytes *name)
{
    (void)name;
    stat_ctx *c = p;
    MDB_stat st;
    int rc = mdb_stat(txn, t->st->dbi, &st);
    if (rc)
        return lmkv_kv__err_mdb(rc, "stat", t->st, NULL, 0);
    c->s->tree_count++;
    c->s->total_entries += st.ms_entries;
    c->s->total_size_bytes += (uint64_t)(st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) * st.ms_psize;
    return 0;
}

int lmkv_db_stat_get(lmkv_db_stat *out, lmkv_db *db)
{
    if (!out || !db)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_stat_get: NULL argument");
    bool alias_ro = db->core != NULL;
    db = kv_core(db);
    lmkv_db_stat s;
    memset(&s, 0, sizeof s);
    MDB_envinfo info;
    MDB_stat est;
    lmkv_kv__enter(db);
    mdb_env_info(db->env, &info);
    mdb_env_stat(db->env, &est);
    lmkv_kv__leave(db);
    s.map_size = info.me_mapsize;
    s.last_page = info.me_last_pgno;
    s.last_txnid = info.me_last_txnid;
    s.max_readers = info.me_maxreaders;
    s.num_readers = info.me_numreaders;
    s.page_size = est.ms_psize;
    s.is_temporary = db->temporary;
    s.is_read_only = db->read_only || alias_ro;
    stat_ctx c = {&s};
    int rc = for_each_user_tree(db, stat_each, &c);
    if (rc)
        return rc;
    lmkv_bytes_array sys;
    if ((rc = lmkv_db_system_tree_names(&sys, db)))
        return rc;
    s.system_tree_count = sys.count;
    lmkv_bytes_array_free(&sys);
    lmkv_db_size_on_disk(&s.disk_size_bytes, db);
    *out = s;
    return 0;
}

int lmkv_db_copy(lmkv_db *db, const char *dest, unsigned flags)
{
    if (!db || !dest || (flags & ~LMKV_COPY_COMPACT))
        return lmkv_error_set(LMKV_EINVAL, "lmkv_db_copy: NULL argument or unknown flags");
    db = kv_core(db);
    char p[4096];
    struct stat sb;
    snprintf(p, sizeof p, "%s/data.mdb", dest);
    if (stat(p, &sb) == 0)
        return lmkv_error_set(LMKV_EEXISTS, "%s: destination already holds a database", dest);
    int rc = mkdir_p(dest, (mode_t)(db->file_mode | ((db->file_mode & 0444) >> 2)));
    if (rc)
        return lmkv_error_set(lmkv_error_from_mdb(rc), "%s: creating the directory: %s", dest, strerror(rc));
    /* mdb_env_copy2 would create data.mdb with mode 0666 (less umask): open it
     * ourselves with the database's file mode and copy through the fd. */
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)db->file_mode);
    if (fd < 0) {
        int e = errno;
        return lmkv_error_set(lmkv_error_from_mdb(e), "%s: creating the copy: %s", p, strerror(e));
    }
    lmkv_kv__enter(db); /* mdb_env_copyfd2 reads the map: no growth meanwhile */
    rc = mdb_env_copyfd2(db->env, fd, (flags & LMKV_COPY_COMPACT) ? MDB_CP_COMPACT : 0);
    lmkv_kv__leave(db);
    if (rc == 0 && fsync(fd) != 0)
        rc = errno;
    if (close(fd) != 0 && rc == 0)
        rc = errno;
    if (rc) {
        unlink(p);
        return lmkv_error_set(lmkv_error_from_mdb(rc), "copying %s to %s: %s", db->path, dest, mdb_strerror(rc));
    }
    return 0;
}
