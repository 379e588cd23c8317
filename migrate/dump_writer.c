/*
 * dump_writer.c -- streaming sled-dump v1 writer (see lmkv_migrate.h).
 *
 * Output is canonical: byte for byte what the reference Rust writer over
 * sled 0.34 (formats/sled-dump.md) writes for the same collections. Data goes
 * to "<path>.tmp-XXXXXX" beside the target; finish() fsyncs and renames.
 */
#include "migrate_int.h"
#include "kv_array_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define WBUF_SIZE (256u * 1024u)

struct lmkv_dump_writer {
    char *path, *tmp;
    int fd;
    gzFile gz;
    unsigned char *buf;
    size_t buf_len;
    uint32_t crc;    /* CRC-32 of the bytes before buf[crc_pos] */
    size_t crc_pos;
    int failed, finished;
    int in_coll, meta_done;
    uint64_t coll_pairs, n_coll, n_pairs;
    unsigned char *prev;
    size_t prev_len, prev_cap;
    int have_prev;
    /* tree names written, for the duplicate check */
    unsigned char **names;
    size_t *name_lens;
    size_t n_names, names_cap;
};

static int wfail(lmkv_dump_writer *w, const char *what)
{
    int e = errno;
    w->failed = 1;
    return lmkv_error_set(e == ENOSPC ? LMKV_EFULL : LMKV_EIO, "sled dump %s: %s: %s", w->path, what, strerror(e));
}

/* Add the buffered bytes not yet in the CRC: one zlib crc32_z call per
 * buffer (fast on large spans), not one per field. */
static void crc_sync(lmkv_dump_writer *w)
{
    if (w->buf_len > w->crc_pos) w->crc = (uint32_t)crc32_z(w->crc, w->buf + w->crc_pos, w->buf_len - w->crc_pos);
    w->crc_pos = w->buf_len;
}

static int flush_buf(lmkv_dump_writer *w)
{
    size_t off = 0;
    crc_sync(w);
    while (off < w->buf_len) {
        if (w->gz) {
            unsigned n = (unsigned)(w->buf_len - off);
            int k = gzwrite(w->gz, w->buf + off, n);
            if (k <= 0) { errno = EIO; return wfail(w, "gzip write failed"); }
            off += (size_t)k;
        } else {
            ssize_t k = write(w->fd, w->buf + off, w->buf_len - off);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) return wfail(w, "write failed");
            off += (size_t)k;
        }
    }
    w->buf_len = 0;
    w->crc_pos = 0;
    return LMKV_OK;
}

static int put(lmkv_dump_writer *w, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n) {
        size_t room = WBUF_SIZE - w->buf_len;
        size_t k = n < room ? n : room;
        memcpy(w->buf + w->buf_len, b, k);
        w->buf_len += k;
        b += k;
        n -= k;
        if (w->buf_len == WBUF_SIZE) {
            int rc = flush_buf(w);
            if (rc) return rc;
        }
    }
    return LMKV_OK;
}

static int put_u64(lmkv_dump_writer *w, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return put(w, b, 8);
}

static int put_blob(lmkv_dump_writer *w, const void *p, size_t n)
{
    int rc = put_u64(w, (uint64_t)n);
    return rc ? rc : put(w, p, n);
}

static int check(lmkv_dump_writer *w, const char *fn)
{
    if (!w) return lmkv_error_set(LMKV_EINVAL, "%s: NULL writer", fn);
    if (w->failed) return lmkv_error_set(LMKV_EIO, "sled dump %s: an earlier write failed", w->path);
    if (w->finished) return lmkv_error_set(LMKV_EINVAL, "%s: writer already finished", fn);
    return LMKV_OK;
}

int lmkv_dump_writer_open(lmkv_dump_writer **out, const char *path, unsigned flags)
{
    if (!out || !path || !*path) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_writer_open: NULL or empty path");
    if (flags & ~LMKV_DUMP_GZIP) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_writer_open: unknown flags 0x%x", flags);
    int rc = LMKV_OK;
    lmkv_dump_writer *w = calloc(1, sizeof *w);
    if (!w) return lmkv_error_set(LMKV_ENOMEM, "sled dump %s: out of memory", path);
    w->fd = -1;
    w->path = strdup(path);
    size_t tl = strlen(path) + 16;
    w->tmp = malloc(tl);
    w->buf = malloc(WBUF_SIZE);
    if (!w->path || !w->tmp || !w->buf) { rc = lmkv_error_set(LMKV_ENOMEM, "sled dump %s: out of memory", path); goto cleanup; }
    snprintf(w->tmp, tl, "%s.tmp-XXXXXX", path);
    w->fd = mkostemp(w->tmp, O_CLOEXEC);
    if (w->fd < 0) {
        int e = errno;
        w->tmp[0] = '\0';
        rc = lmkv_error_set(e == EACCES ? LMKV_EPERM : LMKV_EIO, "sled dump %s: cannot create a temporary file beside it: %s",
                       path, strerror(e));
        goto cleanup;
    }
    /* mkostemp's 0600 is kept: a dump holds every record of the database,
     * whose files are 0600 too (lmkv_config.file_mode). */
    if (flags & LMKV_DUMP_GZIP) {
        int dfd = dup(w->fd);
        if (dfd < 0) { rc = wfail(w, "dup"); goto cleanup; }
        w->gz = gzdopen(dfd, "wb6");
        if (!w->gz) { close(dfd); rc = lmkv_error_set(LMKV_ENOMEM, "sled dump %s: gzdopen failed", path); goto cleanup; }
    }
    w->crc = 0;
    rc = put(w, LMKV_DUMP_MAGIC, 8);
    if (!rc) {
        unsigned char h[8] = {1, 0, 0, 0, 0, 0, 0, 0};
        rc = put(w, h, 8);
    }
    if (rc) goto cleanup;
    *out = w;
    return LMKV_OK;
cleanup:
    lmkv_dump_writer_free(w);
    return rc;
}

static int name_seen(lmkv_dump_writer *w, const void *name, size_t n)
{
    for (size_t i = 0; i < w->n_names; i++)
        if (w->name_lens[i] == n && (n == 0 || memcmp(w->names[i], name, n) == 0)) return 1;
    return 0;
}

int lmkv_dump_writer_tree(lmkv_dump_writer *w, const void *name, size_t name_len)
{
    int rc = check(w, "lmkv_dump_writer_tree");
    if (rc) return rc;
    if (!name && name_len) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_writer_tree: NULL name");
    if (w->in_coll) return lmkv_error_set(LMKV_EINVAL, "sled dump %s: tree started while a collection is open", w->path);
    if (w->meta_done) return lmkv_error_set(LMKV_EINVAL, "sled dump %s: tree after the meta collection", w->path);
    if (name_seen(w, name, name_len)) {
        char nm[128];
        lmkv_migrate__fmt_bytes(nm, sizeof nm, name, name_len);
        return lmkv_error_set(LMKV_EINVAL, "sled dump %s: tree %s written twice", w->path, nm);
    }
    if (w->n_names == w->names_cap) { /* parallel arrays: same capacity */
        size_t cn = w->names_cap, cl = w->names_cap;
        if (LMKV_ARRAY_GROW(w->names, cn, w->n_names + 1, 16) || LMKV_ARRAY_GROW(w->name_lens, cl, w->n_names + 1, 16))
            return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        w->names_cap = cn;
    }
    unsigned char *c = malloc(name_len ? name_len : 1);
    if (!c) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if (name_len) memcpy(c, name, name_len);
    w->names[w->n_names] = c;
    w->name_lens[w->n_names++] = name_len;
    if ((rc = put(w, "C", 1)) || (rc = put_blob(w, "tree", 4)) || (rc = put_blob(w, name, name_len))) return rc;
    w->in_coll = 1;
    w->coll_pairs = 0;
    w->have_prev = 0;
    w->n_coll++;
    return LMKV_OK;
}

int lmkv_dump_writer_pair(lmkv_dump_writer *w, const void *key, size_t key_len, const void *value, size_t value_len)
{
    int rc = check(w, "lmkv_dump_writer_pair");
    if (rc) return rc;
    if ((!key && key_len) || (!value && value_len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_writer_pair: NULL data");
    if (!w->in_coll) return lmkv_error_set(LMKV_EINVAL, "sled dump %s: pair outside a collection", w->path);
    if (w->have_prev) {
        size_t m = w->prev_len < key_len ? w->prev_len : key_len;
        int c = m ? memcmp(w->prev, key, m) : 0;
        if (c > 0 || (c == 0 && w->prev_len >= key_len)) {
            char k[128];
            lmkv_migrate__fmt_bytes(k, sizeof k, key, key_len);
            return lmkv_error_set(LMKV_EINVAL, "sled dump %s: key %s is not above the previous key", w->path, k);
        }
    }
    if (key_len > w->prev_cap) {
        unsigned char *np = realloc(w->prev, key_len);
        if (!np) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
        w->prev = np;
        w->prev_cap = key_len;
    }
    if (key_len) memcpy(w->prev, key, key_len);
    w->prev_len = key_len;
    w->have_prev = 1;
    if ((rc = put(w, "P", 1)) || (rc = put_blob(w, key, key_len)) || (rc = put_blob(w, value, value_len))) return rc;
    w->coll_pairs++;
    w->n_pairs++;
    return LMKV_OK;
}

int lmkv_dump_writer_end(lmkv_dump_writer *w)
{
    int rc = check(w, "lmkv_dump_writer_end");
    if (rc) return rc;
    if (!w->in_coll) return lmkv_error_set(LMKV_EINVAL, "sled dump %s: 'E' without an open collection", w->path);
    if ((rc = put(w, "E", 1)) || (rc = put_u64(w, w->coll_pairs))) return rc;
    w->in_coll = 0;
    return LMKV_OK;
}

int lmkv_dump_writer_generate_id(lmkv_dump_writer *w, uint64_t next_id)
{
    int rc = check(w, "lmkv_dump_writer_generate_id");
    if (rc) return rc;
    if (w->in_coll || w->meta_done)
        return lmkv_error_set(LMKV_EINVAL, "sled dump %s: meta collection while a collection is open or written twice", w->path);
    unsigned char v[8];
    for (int i = 0; i < 8; i++) v[i] = (unsigned char)(next_id >> (8 * i));
    if ((rc = put(w, "C", 1)) || (rc = put_blob(w, "meta", 4)) || (rc = put_blob(w, "generate_id", 11)) ||
        (rc = put(w, "P", 1)) || (rc = put_blob(w, "next", 4)) || (rc = put_blob(w, v, 8)) ||
        (rc = put(w, "E", 1)) || (rc = put_u64(w, 1)))
        return rc;
    w->meta_done = 1;
    w->n_coll++;
    w->n_pairs++;
    return LMKV_OK;
}

static int fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return -1;
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (dfd < 0) return -1;
    int r = fsync(dfd);
    close(dfd);
    return r;
}

int lmkv_dump_writer_finish(lmkv_dump_writer *w, uint32_t *out_crc)
{
    int rc = check(w, "lmkv_dump_writer_finish");
    if (rc) return rc;
    if (w->in_coll) return lmkv_error_set(LMKV_EINVAL, "sled dump %s: finish with a collection still open", w->path);
    if ((rc = put(w, "Z", 1)) || (rc = put_u64(w, w->n_coll)) || (rc = put_u64(w, w->n_pairs))) return rc;
    crc_sync(w);
    uint32_t crc = (uint32_t)w->crc;
    unsigned char c[4] = {(unsigned char)crc, (unsigned char)(crc >> 8), (unsigned char)(crc >> 16),
                          (unsigned char)(crc >> 24)};
    if ((rc = put(w, c, 4)) || (rc = flush_buf(w))) return rc;
    if (w->gz) {
        int zr = gzclose(w->gz);
        w->gz = NULL;
        if (zr != Z_OK) { errno = EIO; return wfail(w, "gzip close failed"); }
    }
    if (fsync(w->fd) != 0) return wfail(w, "fsync failed");
    if (close(w->fd) != 0) { w->fd = -1; return wfail(w, "close failed"); }
    w->fd = -1;
    if (rename(w->tmp, w->path) != 0) return wfail(w, "rename into place failed");
    w->tmp[0] = '\0';
    (void)fsync_dir_of(w->path);
    w->finished = 1;
    if (out_crc) *out_crc = crc;
    return LMKV_OK;
}

void lmkv_dump_writer_free(lmkv_dump_writer *w)
{
    if (!w) return;
    if (w->gz) gzclose(w->gz);
    if (w->fd >= 0) close(w->fd);
    if (w->tmp && w->tmp[0]) unlink(w->tmp);
    for (size_t i = 0; i < w->n_names; i++) free(w->names[i]);
    free(w->names);
    free(w->name_lens);
    free(w->prev);
    free(w->buf);
    free(w->tmp);
    free(w->path);
    free(w);
}
