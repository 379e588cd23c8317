/*
 * ids.c -- stable 64-bit ids: XXH3_64bits (seed 0) over the byte layouts
 * below. Integers are little-endian; "str(x)" is le32(byte length of x)
 * followed by x's bytes (no NUL); every layout starts with an 8-byte ASCII
 * tag naming the kind of id and its layout version, so ids of different
 * kinds never hash the same bytes. These layouts are frozen: changing one
 * changes every stored key, so a new layout needs a new tag (...02).
 *
 *   id            bytes hashed
 *   workspace     "LMKVWS01" root            (root: absolute path, trailing
 *                                             '/' removed except for "/")
 *   file version  "LMKVFV01" le64(workspace_id) str(path) str(git_blob_id)
 *                                            (git_blob_id NULL -> str(""))
 *   symbol        "LMKVSY01" le64(workspace_id) str(path) str(qualified_name)
 *                            u8(kind) le32(disambiguator)
 *   reference     "LMKVRF01" le64(file_version_id) le64(source_id)
 *                            le64(target_id) u8(kind) le32(line) le32(column)
 *   call          "LMKVCL01" le64(file_version_id) le64(caller_id)
 *                            le64(callee_id) le32(line) le32(column)
 *
 * A symbol's id leaves out its position on purpose: inserting lines above a
 * function does not change its id. Two same-named symbols of one kind in
 * one file (e.g. two `static` helpers in #if branches) are told apart by
 * the disambiguator (0 for the first, 1, 2... in file order). References
 * and calls belong to one file version, whose id already changes with the
 * content, so their positions may be part of their ids.
 */
#include <stdlib.h>
#include <xxhash.h>

#include "fb_int.h"

/* The bytes to hash are gathered in a stack buffer (heap beyond 512
 * bytes) and hashed in one XXH3_64bits call, equal to streaming them. */
typedef struct idh {
    uint8_t stack[512];
    uint8_t *p;
    size_t n, cap;
    int oom;
} idh;

static void h_bytes(idh *h, const void *src, size_t n)
{
    if (h->oom || n == 0) return;
    if (h->n + n > h->cap) {
        size_t cap = h->cap * 2;
        while (cap < h->n + n) cap *= 2;
        uint8_t *np = malloc(cap);
        if (!np) { h->oom = 1; return; }
        memcpy(np, h->p, h->n);
        if (h->p != h->stack) free(h->p);
        h->p = np;
        h->cap = cap;
    }
    memcpy(h->p + h->n, src, n);
    h->n += n;
}
static void h_u8(idh *h, uint8_t v) { h_bytes(h, &v, 1); }
static void h_u32(idh *h, uint32_t v) { uint8_t b[4]; fb_st32(b, v); h_bytes(h, b, 4); }
static void h_u64(idh *h, uint64_t v) { uint8_t b[8]; fb_st64(b, v); h_bytes(h, b, 8); }
static void h_str(idh *h, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    h_u32(h, (uint32_t)n);
    h_bytes(h, s, n);
}
static void h_begin(idh *h, const char tag[8])
{
    h->p = h->stack;
    h->n = 0;
    h->cap = sizeof h->stack;
    h->oom = 0;
    h_bytes(h, tag, 8);
}
/* Hash, release, store. */
static int h_end(idh *h, uint64_t *out, const char *who)
{
    int oom = h->oom;
    if (!oom) *out = XXH3_64bits(h->p, h->n);
    if (h->p != h->stack) free(h->p);
    if (oom) return lmkv_error_set(LMKV_ENOMEM, "%s: out of memory", who);
    return LMKV_OK;
}

int lmkv_workspace_id(uint64_t *out, const char *root_path)
{
    if (!out || !root_path) return lmkv_error_set(LMKV_EINVAL, "lmkv_workspace_id: NULL argument");
    if (root_path[0] != '/')
        return lmkv_error_set(LMKV_EINVAL, "lmkv_workspace_id: root path \"%s\" is not absolute", root_path);
    size_t n = strlen(root_path);
    while (n > 1 && root_path[n - 1] == '/') n--;
    idh h;
    h_begin(&h, "LMKVWS01");
    h_bytes(&h, root_path, n);
    return h_end(&h, out, "lmkv_workspace_id");
}

int lmkv_file_version_id(uint64_t *out, uint64_t workspace_id, const char *path, const char *git_blob_id)
{
    if (!out || !path) return lmkv_error_set(LMKV_EINVAL, "lmkv_file_version_id: NULL argument");
    idh h;
    h_begin(&h, "LMKVFV01");
    h_u64(&h, workspace_id);
    h_str(&h, path);
    h_str(&h, git_blob_id);
    return h_end(&h, out, "lmkv_file_version_id");
}

int lmkv_symbol_id(uint64_t *out, uint64_t workspace_id, const char *path,
                   const char *qualified_name, int kind, uint32_t disambiguator)
{
    if (!out || !path || !qualified_name) return lmkv_error_set(LMKV_EINVAL, "lmkv_symbol_id: NULL argument");
    if (kind < 0 || kind > 255) return lmkv_error_set(LMKV_EINVAL, "lmkv_symbol_id: kind %d outside 0..255", kind);
    idh h;
    h_begin(&h, "LMKVSY01");
    h_u64(&h, workspace_id);
    h_str(&h, path);
    h_str(&h, qualified_name);
    h_u8(&h, (uint8_t)kind);
    h_u32(&h, disambiguator);
    return h_end(&h, out, "lmkv_symbol_id");
}

int lmkv_reference_id(uint64_t *out, uint64_t file_version_id, uint64_t source_id,
                      uint64_t target_id, int kind, uint32_t line, uint32_t column)
{
    if (!out) return lmkv_error_set(LMKV_EINVAL, "lmkv_reference_id: out is NULL");
    if (kind < 0 || kind > 255) return lmkv_error_set(LMKV_EINVAL, "lmkv_reference_id: kind %d outside 0..255", kind);
    idh h;
    h_begin(&h, "LMKVRF01");
    h_u64(&h, file_version_id);
    h_u64(&h, source_id);
    h_u64(&h, target_id);
    h_u8(&h, (uint8_t)kind);
    h_u32(&h, line);
    h_u32(&h, column);
    return h_end(&h, out, "lmkv_reference_id");
}

int lmkv_call_id(uint64_t *out, uint64_t file_version_id, uint64_t caller_id,
                 uint64_t callee_id, uint32_t line, uint32_t column)
{
    if (!out) return lmkv_error_set(LMKV_EINVAL, "lmkv_call_id: out is NULL");
    idh h;
    h_begin(&h, "LMKVCL01");
    h_u64(&h, file_version_id);
    h_u64(&h, caller_id);
    h_u64(&h, callee_id);
    h_u32(&h, line);
    h_u32(&h, column);
    return h_end(&h, out, "lmkv_call_id");
}
