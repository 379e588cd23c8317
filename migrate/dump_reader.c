/*
 * dump_reader.c -- streaming sled-dump v1 reader (see lmkv_migrate.h).
 *
 * Memory: one input buffer (plain: 256 KiB; gzip: 64 KiB compressed + 256
 * KiB inflated), the current key, the previous key of the collection (for the
 * order check), the current value, and the set of collection names seen
 * (tree names, for the duplicate check). Nothing else grows with the file.
 *
 * Offsets: `off` counts bytes of the uncompressed stream consumed. Every
 * message names the offset of the field at fault.
 */
#include "migrate_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#define BUF_SIZE (256u * 1024u)
#define RAW_SIZE (64u * 1024u)

struct name_set {
    unsigned char **names;
    size_t *lens;
    size_t cap, n; /* open addressing, cap a power of two */
};

struct lmkv_dump_reader {
    char *path;       /* for messages */
    int fd;           /* -1 for memory input */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    uint64_t in_size; /* file size, 0 if unknown */
    uint64_t in_off;  /* input (compressed) bytes consumed */

    int gz;
    z_stream zs;
    int zs_init, zs_member_done;
    unsigned char *raw; /* compressed input buffer (fd + gzip) */

    unsigned char *buf; /* uncompressed data ready to consume */
    size_t buf_len, buf_pos;
    unsigned char *own_buf; /* allocated buffer behind buf (NULL when buf is mem) */
    int eof;

    uint64_t off;      /* uncompressed bytes consumed */
    uint32_t crc;      /* CRC-32 of consumed bytes before buf[crc_pos] (until the footer's crc field) */
    size_t crc_pos;    /* bytes of buf below crc_pos are in crc */
    int crc_stop;      /* the footer's crc field was reached: crc is final */

    /* state */
    int err;           /* sticky error code */
    char *errmsg;      /* sticky message */
    int in_coll, done, meta_seen, cur_meta;
    unsigned char *type, *name;
    size_t type_len, name_len, type_cap, name_cap;
    unsigned char *key, *prev, *val;
    size_t key_len, prev_len, val_len, key_cap, prev_cap, val_cap;
    int have_prev;
    uint64_t coll_pairs, n_coll, n_pairs;
    int has_gen;
    uint64_t gen_next;
    struct name_set seen;
};

/* ------------------------------------------------------------- messages */

static const char *where(const lmkv_dump_reader *r)
{
    return r->gz ? " of the uncompressed stream" : "";
}

static int fail(lmkv_dump_reader *r, int code, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(lmkv_dump_reader *r, int code, uint64_t at, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char line[1200];
    snprintf(line, sizeof line, "sled dump %s: byte offset %llu%s: %s", r->path,
             (unsigned long long)at, where(r), what);
    r->err = code;
    free(r->errmsg);
    r->errmsg = strdup(line);
    return lmkv_error_set(code, "%s", line);
}

static int sticky(lmkv_dump_reader *r)
{
    return lmkv_error_set(r->err, "%s", r->errmsg ? r->errmsg : "sled dump: earlier error");
}

/* ---------------------------------------------------------------- input */

/* Adds the consumed bytes of the buffer not yet in the CRC (one call per
 * buffer, not per field). */
static void crc_flush(lmkv_dump_reader *r)
{
    if (!r->crc_stop && r->buf_pos > r->crc_pos)
        r->crc = (uint32_t)crc32_z(r->crc, r->buf + r->crc_pos, r->buf_pos - r->crc_pos);
    r->crc_pos = r->buf_pos;
}

/* Refills r->buf. Returns LMKV_OK (r->eof set when nothing more) or an error. */
static int fill(lmkv_dump_reader *r)
{
    crc_flush(r);
    r->buf_pos = r->buf_len = r->crc_pos = 0;
    if (r->eof) return LMKV_OK;
    if (!r->gz) {
        if (r->fd < 0) { r->eof = 1; return LMKV_OK; } /* memory: all given at once */
        for (;;) {
            ssize_t n = read(r->fd, r->own_buf, BUF_SIZE);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail(r, LMKV_EIO, r->off, "read error: %s", strerror(errno));
            if (n == 0) r->eof = 1;
            r->buf = r->own_buf;
            r->buf_len = (size_t)n;
            r->in_off += (uint64_t)n;
            return LMKV_OK;
        }
    }
    /* gzip: inflate until some output or the end. */
    r->buf = r->own_buf;
    for (;;) {
        if (r->zs.avail_in == 0) {
            if (r->fd >= 0) {
                ssize_t n;
                do n = read(r->fd, r->raw, RAW_SIZE); while (n < 0 && errno == EINTR);
                if (n < 0) return fail(r, LMKV_EIO, r->off, "read error: %s", strerror(errno));
                r->zs.next_in = r->raw;
                r->zs.avail_in = (uInt)n;
            } else if (r->mem_pos < r->mem_len) {
                size_t n = r->mem_len - r->mem_pos;
                if (n > (1u << 30)) n = 1u << 30;
                r->zs.next_in = (Bytef *)(uintptr_t)(r->mem + r->mem_pos);
                r->zs.avail_in = (uInt)n;
                r->mem_pos += n;
            }
            if (r->zs.avail_in == 0) {
                if (!r->zs_member_done)
                    return fail(r, LMKV_ECORRUPT, r->off,
                                "gzip stream truncated (compressed byte offset %llu)",
                                (unsigned long long)r->in_off);
                r->eof = 1;
                return LMKV_OK;
            }
        }
        if (r->zs_member_done) {
            /* Another member must start with the gzip magic; anything else is
             * trailing garbage in the compressed file. */
            if (r->zs.next_in[0] != 0x1f) {
                return fail(r, LMKV_ECORRUPT, r->off,
                            "bytes after the end of the gzip stream (compressed byte offset %llu)",
                            (unsigned long long)r->in_off);
            }
            if (inflateReset(&r->zs) != Z_OK) return fail(r, LMKV_ENOMEM, r->off, "inflateReset failed");
            r->zs_member_done = 0;
        }
        r->zs.next_out = r->own_buf;
        r->zs.avail_out = BUF_SIZE;
        uInt before_in = r->zs.avail_in;
        int zr = inflate(&r->zs, Z_NO_FLUSH);
        r->in_off += (uint64_t)(before_in - r->zs.avail_in);
        size_t produced = BUF_SIZE - r->zs.avail_out;
        if (zr == Z_STREAM_END) r->zs_member_done = 1;
        else if (zr == Z_BUF_ERROR) {
            if (produced == 0 && r->zs.avail_in != 0)
                return fail(r, LMKV_ECORRUPT, r->off, "gzip stream damaged (compressed byte offset %llu)",
                            (unsigned long long)r->in_off);
        } else if (zr != Z_OK) {
            if (zr == Z_MEM_ERROR) return fail(r, LMKV_ENOMEM, r->off, "inflate: out of memory");
            return fail(r, LMKV_ECORRUPT, r->off, "gzip stream damaged (compressed byte offset %llu): %s",
                        (unsigned long long)r->in_off, r->zs.msg ? r->zs.msg : "inflate error");
        }
        if (produced > 0) {
            r->buf_len = produced;
            return LMKV_OK;
        }
    }
}

/* Copies n bytes into dst (may be NULL to skip). Returns bytes obtained
 * (< n only at the end of input) via *got; errors as fill(). CRC-32 is kept. */
static int take(lmkv_dump_reader *r, unsigned char *dst, size_t n, size_t *got)
{
    size_t have = 0;
    while (have < n) {
        if (r->buf_pos == r->buf_len) {
            int rc = fill(r);
            if (rc) return rc;
            if (r->buf_len == 0) break;
        }
        size_t k = r->buf_len - r->buf_pos;
        if (k > n - have) k = n - have;
        const unsigned char *src = r->buf + r->buf_pos;
        if (dst) memcpy(dst + have, src, k);
        r->buf_pos += k;
        r->off += k;
        have += k;
    }
    *got = have;
    return LMKV_OK;
}

static int take_exact(lmkv_dump_reader *r, unsigned char *dst, size_t n, const char *what)
{
    uint64_t at = r->off;
    size_t got;
    int rc = take(r, dst, n, &got);
    if (rc) return rc;
    if (got < n)
        return fail(r, LMKV_ECORRUPT, at, "file truncated: %s needs %zu bytes, only %zu left", what, n, got);
    return LMKV_OK;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int take_u64(lmkv_dump_reader *r, uint64_t *v, const char *what)
{
    unsigned char b[8];
    int rc = take_exact(r, b, 8, what);
    if (rc) return rc;
    *v = le64(b);
    return LMKV_OK;
}

/* Reads a u64 length then that many bytes into *buf (grown as the bytes
 * arrive, so a bogus length costs no more memory than the data present). */
static int take_blob(lmkv_dump_reader *r, unsigned char **buf, size_t *cap, size_t *len, const char *what)
{
    uint64_t at = r->off;
    uint64_t n;
    int rc = take_u64(r, &n, what);
    if (rc) return rc;
    uint64_t data_at = r->off;
    if (r->in_size && !r->gz && r->off <= r->in_size && n > r->in_size - r->off)
        return fail(r, LMKV_ECORRUPT, at, "%s length %llu runs past the end of the file (%llu bytes left)",
                    what, (unsigned long long)n, (unsigned long long)(r->in_size - r->off));
    if (n > (uint64_t)SIZE_MAX / 2)
        return fail(r, LMKV_ECORRUPT, at, "%s length %llu is impossible", what, (unsigned long long)n);
    size_t need = (size_t)n, have = 0;
    while (have < need) {
        if (*cap <= have) { /* grow stepwise: a bogus length costs no more than the data present */
            size_t ncap = *cap * 2 > 65536 ? *cap * 2 : 65536;
            if (ncap > need) ncap = need;
            unsigned char *nb = realloc(*buf, ncap);
            if (!nb) return fail(r, LMKV_ENOMEM, at, "%s of %llu bytes: out of memory", what, (unsigned long long)n);
            *buf = nb;
            *cap = ncap;
        }
        size_t chunk = (*cap < need ? *cap : need) - have;
        size_t got;
        rc = take(r, *buf + have, chunk, &got);
        if (rc) return rc;
        have += got;
        if (got < chunk)
            return fail(r, LMKV_ECORRUPT, at,
                        "%s length %llu runs past the end of the file (data starts at %llu, %zu bytes present)",
                        what, (unsigned long long)n, (unsigned long long)data_at, have);
    }
    if (!*buf) { /* length 0: still hand out a valid pointer */
        *buf = malloc(1);
        if (!*buf) return fail(r, LMKV_ENOMEM, at, "out of memory");
        *cap = 1;
    }
    *len = (size_t)n;
    return LMKV_OK;
}

/* ------------------------------------------------------------- name set */

static int set_add(struct name_set *s, const unsigned char *p, size_t n, int *dup)
{
    *dup = 0;
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        unsigned char **nn = calloc(ncap, sizeof *nn);
        size_t *nl = calloc(ncap, sizeof *nl);
        if (!nn || !nl) { free(nn); free(nl); return LMKV_ENOMEM; }
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->names[i]) continue;
            size_t h = (size_t)XXH3_64bits(s->names[i], s->lens[i]) & (ncap - 1);
            while (nn[h]) h = (h + 1) & (ncap - 1);
            nn[h] = s->names[i];
            nl[h] = s->lens[i];
        }
        free(s->names);
        free(s->lens);
        s->names = nn;
        s->lens = nl;
        s->cap = ncap;
    }
    size_t h = (size_t)XXH3_64bits(p, n) & (s->cap - 1);
    while (s->names[h]) {
        if (s->lens[h] == n && memcmp(s->names[h], p, n) == 0) { *dup = 1; return LMKV_OK; }
        h = (h + 1) & (s->cap - 1);
    }
    unsigned char *c = malloc(n ? n : 1);
    if (!c) return LMKV_ENOMEM;
    memcpy(c, p, n);
    s->names[h] = c;
    s->lens[h] = n;
    s->n++;
    return LMKV_OK;
}

static void set_free(struct name_set *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->names[i]);
    free(s->names);
    free(s->lens);
}

/* ------------------------------------------------------------------ open */

static int cmp_bytes(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

static int read_header(lmkv_dump_reader *r)
{
    unsigned char h[16];
    size_t got;
    int rc = take(r, h, 16, &got);
    if (rc) return rc;
    if (got < 8 || memcmp(h, LMKV_DUMP_MAGIC, 8) != 0) {
        if (got >= 8 || (got > 0 && memcmp(h, LMKV_DUMP_MAGIC, got) != 0))
            return fail(r, LMKV_ECORRUPT, 0, "not a sled dump: wrong magic (expected \"SLEDDUMP\")");
        return fail(r, LMKV_ECORRUPT, got, "file truncated: header needs 16 bytes, file has %zu", got);
    }
    if (got < 16) return fail(r, LMKV_ECORRUPT, got, "file truncated: header needs 16 bytes, file has %zu", got);
    uint32_t version = le32(h + 8), flags = le32(h + 12);
    if (version != LMKV_DUMP_VERSION)
        return fail(r, LMKV_ECORRUPT, 8, "unsupported sled-dump version %u (this reader knows 1)", version);
    if (flags != 0) return fail(r, LMKV_ECORRUPT, 12, "non-zero flags 0x%08x (reserved, must be 0)", flags);
    return LMKV_OK;
}

static int reader_new(lmkv_dump_reader **out, const char *name)
{
    lmkv_dump_reader *r = calloc(1, sizeof *r);
    if (!r) return lmkv_error_set(LMKV_ENOMEM, "sled dump: out of memory");
    r->fd = -1;
    r->path = strdup(name ? name : "<memory>");
    if (!r->path) { free(r); return lmkv_error_set(LMKV_ENOMEM, "sled dump: out of memory"); }
    r->crc = 0;
    *out = r;
    return LMKV_OK;
}

static int start_gzip(lmkv_dump_reader *r)
{
    r->gz = 1;
    r->own_buf = malloc(BUF_SIZE);
    if (r->fd >= 0) r->raw = malloc(RAW_SIZE);
    if (!r->own_buf || (r->fd >= 0 && !r->raw)) return lmkv_error_set(LMKV_ENOMEM, "sled dump %s: out of memory", r->path);
    if (inflateInit2(&r->zs, 15 + 16) != Z_OK) return lmkv_error_set(LMKV_ENOMEM, "sled dump %s: inflateInit2 failed", r->path);
    r->zs_init = 1;
    return LMKV_OK;
}

int lmkv_dump_reader_open(lmkv_dump_reader **out, const char *path)
{
    if (!out || !path) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_reader_open: NULL argument");
    lmkv_dump_reader *r = NULL;
    int is_stdin = strcmp(path, "-") == 0;
    int rc = reader_new(&r, is_stdin ? "<stdin>" : path);
    if (rc) return rc;
    r->fd = is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        rc = lmkv_error_set(errno == EACCES ? LMKV_EPERM : LMKV_EIO, "sled dump %s: cannot open: %s", r->path,
                            strerror(errno));
        goto cleanup;
    }
    struct stat st;
    if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode)) r->in_size = (uint64_t)st.st_size;
    /* The first two bytes tell gzip from plain. They are read, not pread:
     * standard input, pipes and FIFOs cannot seek, and are read once. */
    unsigned char m[2];
    size_t n = 0;
    while (n < 2) {
        ssize_t k = read(r->fd, m + n, 2 - n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) { rc = lmkv_error_set(LMKV_EIO, "sled dump %s: read error: %s", r->path, strerror(errno)); goto cleanup; }
        if (k == 0) break;
        n += (size_t)k;
    }
    if (n == 2 && m[0] == 0x1f && m[1] == 0x8b) {
        rc = start_gzip(r);
        if (rc) goto cleanup;
        memcpy(r->raw, m, n);
        r->zs.next_in = r->raw;
        r->zs.avail_in = (uInt)n;
    } else {
        r->own_buf = malloc(BUF_SIZE);
        if (!r->own_buf) { rc = lmkv_error_set(LMKV_ENOMEM, "sled dump %s: out of memory", r->path); goto cleanup; }
        memcpy(r->own_buf, m, n);
        r->buf = r->own_buf;
        r->buf_len = n;
        r->in_off = n;
        if (n < 2) r->eof = 1; /* a 0- or 1-byte input: the header check reports it */
    }
#ifdef POSIX_FADV_SEQUENTIAL
    if (r->in_size) posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    rc = read_header(r);
    if (rc) goto cleanup;
    *out = r;
    return LMKV_OK;
cleanup:
    lmkv_dump_reader_free(r);
    return rc;
}

int lmkv_dump_reader_open_memory(lmkv_dump_reader **out, const void *data, size_t len, const char *name)
{
    if (!out || (!data && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_reader_open_memory: NULL argument");
    lmkv_dump_reader *r = NULL;
    int rc = reader_new(&r, name);
    if (rc) return rc;
    r->mem = data;
    r->mem_len = len;
    r->in_size = len;
    if (len >= 2 && r->mem[0] == 0x1f && r->mem[1] == 0x8b) {
        rc = start_gzip(r);
        if (rc) goto cleanup;
    } else {
        r->buf = (unsigned char *)(uintptr_t)data;
        r->buf_len = len;
        r->in_off = len;
        r->eof = 1;
    }
    rc = read_header(r);
    if (rc) goto cleanup;
    *out = r;
    return LMKV_OK;
cleanup:
    lmkv_dump_reader_free(r);
    return rc;
}

void lmkv_dump_reader_free(lmkv_dump_reader *r)
{
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    if (r->zs_init) inflateEnd(&r->zs);
    free(r->raw);
    free(r->own_buf);
    free(r->path);
    free(r->errmsg);
    free(r->type);
    free(r->name);
    free(r->key);
    free(r->prev);
    free(r->val);
    set_free(&r->seen);
    free(r);
}

uint64_t lmkv_dump_reader_offset(const lmkv_dump_reader *r) { return r ? r->off : 0; }
uint64_t lmkv_dump_reader_input_offset(const lmkv_dump_reader *r)
{
    if (!r) return 0;
    if (r->gz) return r->in_off - (r->fd >= 0 ? r->zs.avail_in : 0);
    return r->fd >= 0 ? r->in_off - (r->buf_len - r->buf_pos) : r->off;
}
uint64_t lmkv_dump_reader_input_size(const lmkv_dump_reader *r) { return r ? r->in_size : 0; }
int lmkv_dump_reader_is_gzip(const lmkv_dump_reader *r) { return r ? r->gz : 0; }

/* ------------------------------------------------------------------ next */

static void fill_coll(const lmkv_dump_reader *r, lmkv_dump_event *ev)
{
    ev->type = r->type;
    ev->type_len = r->type_len;
    ev->name = r->name;
    ev->name_len = r->name_len;
    ev->is_meta = r->cur_meta;
}

static int read_footer(lmkv_dump_reader *r, uint64_t at, lmkv_dump_event *ev)
{
    uint64_t ncoll, npairs;
    uint64_t f1 = r->off;
    int rc = take_u64(r, &ncoll, "footer collection_count");
    if (rc) return rc;
    uint64_t f2 = r->off;
    if ((rc = take_u64(r, &npairs, "footer total_pair_count"))) return rc;
    crc_flush(r);
    r->crc_stop = 1;
    uint32_t want = r->crc;
    uint64_t f3 = r->off;
    unsigned char b[4];
    if ((rc = take_exact(r, b, 4, "footer crc32"))) return rc;
    uint32_t crc = le32(b);
    if (ncoll != r->n_coll)
        return fail(r, LMKV_ECORRUPT, f1, "footer collection_count %llu, but the file has %llu collections",
                    (unsigned long long)ncoll, (unsigned long long)r->n_coll);
    if (npairs != r->n_pairs)
        return fail(r, LMKV_ECORRUPT, f2, "footer total_pair_count %llu, but the file has %llu pairs",
                    (unsigned long long)npairs, (unsigned long long)r->n_pairs);
    if (crc != want)
        return fail(r, LMKV_ECORRUPT, f3, "CRC-32 mismatch: footer says %08x, the data gives %08x",
                    crc, (unsigned)want);
    /* Nothing may follow. */
    unsigned char extra;
    size_t got;
    uint64_t tail = r->off;
    if ((rc = take(r, &extra, 1, &got))) return rc;
    if (got) return fail(r, LMKV_ECORRUPT, tail, "trailing bytes after the footer");
    r->done = 1;
    memset(ev, 0, sizeof *ev);
    ev->kind = LMKV_DUMP_FOOTER;
    ev->offset = at;
    ev->count = npairs;
    ev->collections = ncoll;
    ev->crc32 = crc;
    ev->has_generate_id = r->has_gen;
    ev->generate_id_next = r->gen_next;
    return LMKV_OK;
}

int lmkv_dump_reader_next(lmkv_dump_reader *r, lmkv_dump_event *ev)
{
    if (!r || !ev) return lmkv_error_set(LMKV_EINVAL, "lmkv_dump_reader_next: NULL argument");
    if (r->err) return sticky(r);
    if (r->done) return LMKV_NOTFOUND;
    uint64_t at = r->off;
    unsigned char tag;
    size_t got;
    int rc = take(r, &tag, 1, &got);
    if (rc) return rc;
    if (!got)
        return fail(r, LMKV_ECORRUPT, at, "file truncated: %s",
                    r->in_coll ? "collection not ended ('E') and no footer" : "no footer ('Z')");
    switch (tag) {
    case 'C': {
        if (r->in_coll) {
            char nm[128];
            lmkv_migrate__fmt_bytes(nm, sizeof nm, r->name, r->name_len);
            return fail(r, LMKV_ECORRUPT, at, "collection starts before collection %s ended ('E' missing)", nm);
        }
        if ((rc = take_blob(r, &r->type, &r->type_cap, &r->type_len, "collection type"))) return rc;
        uint64_t name_at = r->off;
        if ((rc = take_blob(r, &r->name, &r->name_cap, &r->name_len, "collection name"))) return rc;
        char nm[128];
        lmkv_migrate__fmt_bytes(nm, sizeof nm, r->name, r->name_len);
        int is_tree = r->type_len == 4 && !memcmp(r->type, "tree", 4);
        int is_meta = r->type_len == 4 && !memcmp(r->type, "meta", 4);
        if (!is_tree && !is_meta) {
            char ty[128];
            lmkv_migrate__fmt_bytes(ty, sizeof ty, r->type, r->type_len);
            return fail(r, LMKV_ECORRUPT, at + 1, "unknown collection type %s (expected \"tree\" or \"meta\")", ty);
        }
        if (r->meta_seen)
            return fail(r, LMKV_ECORRUPT, at, "collection %s after the meta collection (meta must be last)", nm);
        if (is_meta && !(r->name_len == 11 && !memcmp(r->name, "generate_id", 11)))
            return fail(r, LMKV_ECORRUPT, name_at, "bad meta collection: name %s (only \"generate_id\" is known)", nm);
        if (is_tree) {
            int dup;
            if (set_add(&r->seen, r->name, r->name_len, &dup) != LMKV_OK)
                return fail(r, LMKV_ENOMEM, at, "out of memory");
            if (dup) return fail(r, LMKV_ECORRUPT, name_at, "duplicate tree %s", nm);
        }
        r->meta_seen = is_meta;
        r->cur_meta = is_meta;
        r->in_coll = 1;
        r->have_prev = 0;
        r->coll_pairs = 0;
        r->n_coll++;
        memset(ev, 0, sizeof *ev);
        ev->kind = LMKV_DUMP_COLLECTION;
        ev->offset = at;
        fill_coll(r, ev);
        return LMKV_OK;
    }
    case 'P': {
        if (!r->in_coll) return fail(r, LMKV_ECORRUPT, at, "pair ('P') outside a collection");
        uint64_t key_at = r->off;
        if ((rc = take_blob(r, &r->key, &r->key_cap, &r->key_len, "key"))) return rc;
        uint64_t val_at = r->off;
        if ((rc = take_blob(r, &r->val, &r->val_cap, &r->val_len, "value"))) return rc;
        if (r->have_prev && cmp_bytes(r->prev, r->prev_len, r->key, r->key_len) >= 0) {
            /* names formatted only for the message (not for every pair:
             * that snprintf was ~8% of an import) */
            char nm[128], k[160];
            lmkv_migrate__fmt_bytes(nm, sizeof nm, r->name, r->name_len);
            lmkv_migrate__fmt_bytes(k, sizeof k, r->key, r->key_len);
            return fail(r, LMKV_ECORRUPT, key_at, "keys out of order in tree %s: key %s is not above the previous key",
                        nm, k);
        }
        if (r->cur_meta) {
            if (r->coll_pairs != 0)
                return fail(r, LMKV_ECORRUPT, at, "bad meta collection: more than one pair");
            if (!(r->key_len == 4 && !memcmp(r->key, "next", 4)))
                return fail(r, LMKV_ECORRUPT, key_at, "bad meta collection: key must be \"next\"");
            if (r->val_len != 8)
                return fail(r, LMKV_ECORRUPT, val_at, "bad meta collection: \"next\" must be a u64 (8 bytes), got %zu",
                            r->val_len);
            r->has_gen = 1;
            r->gen_next = le64(r->val);
        }
        /* keep this key as the previous one */
        if (r->key_len > r->prev_cap) {
            unsigned char *np = realloc(r->prev, r->key_len);
            if (!np) return fail(r, LMKV_ENOMEM, at, "out of memory");
            r->prev = np;
            r->prev_cap = r->key_len;
        }
        if (r->key_len) memcpy(r->prev, r->key, r->key_len);
        r->prev_len = r->key_len;
        r->have_prev = 1;
        r->coll_pairs++;
        r->n_pairs++;
        memset(ev, 0, sizeof *ev);
        ev->kind = LMKV_DUMP_PAIR;
        ev->offset = at;
        fill_coll(r, ev);
        ev->key = r->key;
        ev->key_len = r->key_len;
        ev->value = r->val;
        ev->value_len = r->val_len;
        return LMKV_OK;
    }
    case 'E': {
        if (!r->in_coll) return fail(r, LMKV_ECORRUPT, at, "collection end ('E') outside a collection");
        uint64_t cnt_at = r->off, cnt;
        if ((rc = take_u64(r, &cnt, "pair_count"))) return rc;
        char nm[128];
        lmkv_migrate__fmt_bytes(nm, sizeof nm, r->name, r->name_len);
        if (cnt != r->coll_pairs)
            return fail(r, LMKV_ECORRUPT, cnt_at, "pair count mismatch: 'E' of tree %s says %llu, %llu pairs were read",
                        nm, (unsigned long long)cnt, (unsigned long long)r->coll_pairs);
        if (r->cur_meta && cnt != 1)
            return fail(r, LMKV_ECORRUPT, cnt_at, "bad meta collection: %llu pairs, expected exactly 1",
                        (unsigned long long)cnt);
        r->in_coll = 0;
        memset(ev, 0, sizeof *ev);
        ev->kind = LMKV_DUMP_END;
        ev->offset = at;
        fill_coll(r, ev);
        ev->count = cnt;
        return LMKV_OK;
    }
    case 'Z':
        if (r->in_coll) {
            char nm[128];
            lmkv_migrate__fmt_bytes(nm, sizeof nm, r->name, r->name_len);
            return fail(r, LMKV_ECORRUPT, at, "footer ('Z') before collection %s ended ('E' missing)", nm);
        }
        return read_footer(r, at, ev);
    default:
        return fail(r, LMKV_ECORRUPT, at, "unknown tag byte 0x%02x (expected %s)", tag,
                    r->in_coll ? "'P' or 'E'" : "'C' or 'Z'");
    }
}
