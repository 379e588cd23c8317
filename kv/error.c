/*
 * error.c -- lmkv error codes, per-thread messages, MDB/errno mapping,
 * version and memory helpers shared by every module.
 */
#include "kv_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LMKV_VERSION_STRING
#define LMKV_VERSION_STRING "0.1.0"
#endif

#define ERRMSG_MAX 1024
static _Thread_local char tls_msg[ERRMSG_MAX];

const char *lmkv_version(void) { return LMKV_VERSION_STRING; }

void lmkv_free(void *p) { free(p); }

const char *lmkv_strerror(int err)
{
    switch (err) {
    case LMKV_OK: return "success";
    case LMKV_NOTFOUND: return "not found";
    case LMKV_EINVAL: return "invalid argument";
    case LMKV_ENOMEM: return "out of memory";
    case LMKV_EIO: return "I/O error";
    case LMKV_ECORRUPT: return "database or input is damaged";
    case LMKV_EEXISTS: return "already exists";
    case LMKV_ECAS: return "compare_and_swap: current value differs";
    case LMKV_EUNSUPPORTED: return "unsupported operation";
    case LMKV_ETREE: return "tree was dropped";
    case LMKV_EBADTXN: return "transaction failed earlier and must be aborted";
    case LMKV_EFULL: return "disk or map full";
    case LMKV_EVERSION: return "database of another format version";
    case LMKV_EBUSY: return "resource busy";
    case LMKV_ETOOBIG: return "over a configured size limit";
    case LMKV_EPARSE: return "malformed input";
    case LMKV_EGIT: return "git error";
    case LMKV_EEXTERNAL: return "external tool failed";
    case LMKV_EREADONLY: return "database is read-only";
    case LMKV_ECONFLICT: return "transaction aborted";
    case LMKV_ECOLLISION: return "two distinct long keys have the same hash";
    case LMKV_EPERM: return "permission denied";
    case LMKV_ELIMIT: return "limit reached";
    default: return "unknown error";
    }
}

const char *lmkv_errmsg(void) { return tls_msg; }

void lmkv_error_clear(void) { tls_msg[0] = 0; }

int lmkv_error_set(int code, const char *fmt, ...)
{
    /* Formatted into a local buffer first: an argument may be the current
     * message itself (e.g. lmkv_errmsg() or a pointer into it), which
     * vsnprintf into tls_msg would read while overwriting. */
    if (!strchr(fmt, '%')) {
        /* a constant message (iterator exhausted, key absent: the hot
         * NOTFOUND paths) needs no formatting; memmove: fmt may be tls_msg */
        size_t n = strlen(fmt);
        if (n >= ERRMSG_MAX)
            n = ERRMSG_MAX - 1;
        memmove(tls_msg, fmt, n);
        tls_msg[n] = 0;
        return code;
    }
    char msg[ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(tls_msg, msg, strlen(msg) + 1);
    return code;
}

int lmkv_error_wrap(int code, const char *fmt, ...)
{
    char old[ERRMSG_MAX], head[ERRMSG_MAX / 2];
    memcpy(old, tls_msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    if (old[0])
        snprintf(tls_msg, sizeof tls_msg, "%s: %.*s", head, (int)(ERRMSG_MAX / 2 - 4), old);
    else
        snprintf(tls_msg, sizeof tls_msg, "%s", head);
    return code;
}

int lmkv_error_from_mdb(int rc)
{
    if (rc <= -30900 && rc >= -30999)
        return rc; /* already an lmkv code */
    switch (rc) {
    case 0: return LMKV_OK;
    case MDB_NOTFOUND: return LMKV_NOTFOUND;
    case MDB_KEYEXIST: return LMKV_EEXISTS;
    case MDB_MAP_FULL: return LMKV_EFULL;
    case MDB_PAGE_NOTFOUND:
    case MDB_CORRUPTED:
    case MDB_INVALID:
    case MDB_PAGE_FULL: return LMKV_ECORRUPT;
    case MDB_VERSION_MISMATCH: return LMKV_EVERSION;
    case MDB_READERS_FULL:
    case MDB_TLS_FULL:
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL: return LMKV_EBUSY;
    case MDB_DBS_FULL: return LMKV_EFULL;
    case MDB_MAP_RESIZED: return LMKV_EBUSY;
    case MDB_BAD_TXN: return LMKV_EBADTXN;
    case MDB_BAD_RSLOT:
    case MDB_BAD_DBI:
    case MDB_BAD_VALSIZE:
    case MDB_INCOMPATIBLE: return LMKV_EINVAL;
    case MDB_PANIC: return LMKV_ECORRUPT;
    case ENOSPC: return LMKV_EFULL;
    case EACCES:
    case EPERM: return LMKV_EPERM;
    case EROFS: return LMKV_EREADONLY;
    case ENOMEM: return LMKV_ENOMEM;
    case ENOENT: return LMKV_NOTFOUND;
    case EEXIST: return LMKV_EEXISTS;
    case EINVAL: return LMKV_EINVAL;
    case EBUSY:
    case EAGAIN: return LMKV_EBUSY;
    default: return LMKV_EIO;
    }
}

void lmkv_kv__hexprefix(char *out, size_t outsz, const void *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    const uint8_t *b = p;
    size_t o = 0, i;
    if (outsz == 0)
        return;
    for (i = 0; i < n && o + 4 < outsz && i < 32; i++) {
        out[o++] = hx[b[i] >> 4];
        out[o++] = hx[b[i] & 15];
    }
    if (i < n && o + 4 < outsz) {
        out[o++] = '.'; out[o++] = '.'; out[o++] = '.';
    }
    out[o] = 0;
}

void lmkv_kv__tree_label(char *out, size_t outsz, const kv_tree_state *st)
{
    size_t o = 0;
    if (!st) { snprintf(out, outsz, "-"); return; }
    for (size_t i = 0; i < st->name_size && o + 5 < outsz && i < 64; i++) {
        uint8_t c = st->name[i];
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
    }
    out[o] = 0;
}

int lmkv_kv__err_mdb(int rc, const char *what, const kv_tree_state *st, const void *key, size_t key_size)
{
    int code = lmkv_error_from_mdb(rc);
    char tn[300], kh[80];
    const char *why = (rc > -30900 || rc < -30999) ? mdb_strerror(rc) : lmkv_errmsg();
    char whybuf[ERRMSG_MAX];
    snprintf(whybuf, sizeof whybuf, "%s", why);
    lmkv_kv__tree_label(tn, sizeof tn, st);
    if (key || key_size) {
        lmkv_kv__hexprefix(kh, sizeof kh, key, key_size);
        return lmkv_error_set(code, "%s: %stree '%s': key %s (%zu bytes): %s", what,
                              st && st->system ? "system " : "", tn, kh, key_size, whybuf);
    }
    if (st)
        return lmkv_error_set(code, "%s: %stree '%s': %s", what, st->system ? "system " : "", tn, whybuf);
    return lmkv_error_set(code, "%s: %s", what, whybuf);
}

void lmkv_bytes_array_free(lmkv_bytes_array *arr)
{
    if (!arr)
        return;
    for (size_t i = 0; i < arr->count; i++)
        free(arr->items[i].data);
    free(arr->items);
    arr->items = NULL;
    arr->count = 0;
}

int lmkv_kv__mem_dup(uint8_t **out, const void *p, size_t n)
{
    uint8_t *m = malloc(n ? n : 1);
    if (!m)
        return lmkv_error_set(LMKV_ENOMEM, "out of memory allocating %zu bytes", n);
    if (n)
        memcpy(m, p, n);
    *out = m;
    return 0;
}

int lmkv_kv__bytes_dup(lmkv_bytes *out, const void *p, size_t n)
{
    uint8_t *m = NULL;
    int rc = lmkv_kv__mem_dup(&m, p, n);
    if (rc)
        return rc;
    out->data = m;
    out->size = n;
    return 0;
}
