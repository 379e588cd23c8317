/*
 * bincode.c -- bincode 1.x (default options) decoding of the probe LSP
 * daemon's sled values (see lmkv_migrate.h, BINCODE section).
 *
 * Byte layouts (all little-endian):
 *   CacheEntry      u64 n | data[n] | u64 created.secs | u32 created.nanos |
 *                   u64 accessed.secs | u32 accessed.nanos | u64 access_count |
 *                   u64 size_bytes
 *   NodeKey         str symbol | str file | str content_md5   (str = u64 n | utf8[n])
 *   CallInfo        str name | str file_path | u32 line | u32 column | str symbol_kind
 *   PersistedNode   NodeKey | u64 n | CallInfo[n] (incoming) | u64 m | CallInfo[m]
 *                   (outgoing) | SystemTime created_at | u8 0/1 [str] git_hash |
 *                   u8 0/1 [str] branch | u32 language
 *   CacheMetadata   u64 total_nodes | u64 total_size_bytes | SystemTime | u32 version
 *   index value     u64 n | (u64 k | bytes[k] (a NodeKey))[n]
 */
#include "migrate_int.h"

#include <stdlib.h>
#include <string.h>

static int bfail(const lmkv_bincode *bc, size_t at, const char *what, const char *why)
{
    return lmkv_error_set(LMKV_ECORRUPT, "bincode: %s at byte offset %zu of %zu: %s", what ? what : "value", at,
                     bc->len, why);
}

static int need(const lmkv_bincode *bc, size_t n, const char *what)
{
    if (bc->pos > bc->len || bc->len - bc->pos < n) return bfail(bc, bc->pos, what, "runs past the end");
    return LMKV_OK;
}

int lmkv_bincode_u8(lmkv_bincode *bc, uint8_t *out, const char *what)
{
    int rc = need(bc, 1, what);
    if (rc) return rc;
    *out = bc->buf[bc->pos++];
    return LMKV_OK;
}

int lmkv_bincode_u32(lmkv_bincode *bc, uint32_t *out, const char *what)
{
    int rc = need(bc, 4, what);
    if (rc) return rc;
    const unsigned char *p = bc->buf + bc->pos;
    *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    bc->pos += 4;
    return LMKV_OK;
}

int lmkv_bincode_u64(lmkv_bincode *bc, uint64_t *out, const char *what)
{
    int rc = need(bc, 8, what);
    if (rc) return rc;
    const unsigned char *p = bc->buf + bc->pos;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    *out = v;
    bc->pos += 8;
    return LMKV_OK;
}

int lmkv_bincode_bytes(lmkv_bincode *bc, lmkv_slice *out, const char *what)
{
    size_t at = bc->pos;
    uint64_t n;
    int rc = lmkv_bincode_u64(bc, &n, what);
    if (rc) return rc;
    if (n > bc->len - bc->pos) {
        bc->pos = at;
        return bfail(bc, at, what, "length runs past the end");
    }
    out->ptr = (const char *)bc->buf + bc->pos;
    out->len = (size_t)n;
    bc->pos += (size_t)n;
    return LMKV_OK;
}

/* UTF-8 as Rust's str::from_utf8 accepts it (no surrogates, no overlongs,
 * max U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t k;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) k = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else return 0;
        if (n - i <= k) return 0;
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80) return 0;
        i += k + 1;
    }
    return 1;
}

int lmkv_bincode_str(lmkv_bincode *bc, lmkv_slice *out, const char *what)
{
    size_t at = bc->pos;
    lmkv_slice s;
    int rc = lmkv_bincode_bytes(bc, &s, what);
    if (rc) return rc;
    if (!utf8_ok((const unsigned char *)s.ptr, s.len)) {
        bc->pos = at;
        return bfail(bc, at, what, "string is not valid UTF-8");
    }
    *out = s;
    return LMKV_OK;
}

int lmkv_bincode_opt_str(lmkv_bincode *bc, int *present, lmkv_slice *out, const char *what)
{
    size_t at = bc->pos;
    uint8_t tag;
    int rc = lmkv_bincode_u8(bc, &tag, what);
    if (rc) return rc;
    if (tag == 0) {
        *present = 0;
        out->ptr = NULL;
        out->len = 0;
        return LMKV_OK;
    }
    if (tag != 1) {
        bc->pos = at;
        return bfail(bc, at, what, "Option tag is neither 0 nor 1");
    }
    rc = lmkv_bincode_str(bc, out, what);
    if (rc) { bc->pos = at; return rc; }
    *present = 1;
    return LMKV_OK;
}

int lmkv_bincode_systime(lmkv_bincode *bc, lmkv_systime *out, const char *what)
{
    size_t at = bc->pos;
    uint64_t s;
    uint32_t ns;
    int rc = lmkv_bincode_u64(bc, &s, what);
    if (!rc) rc = lmkv_bincode_u32(bc, &ns, what);
    if (rc) { bc->pos = at; return rc; }
    if (ns >= 1000000000u) {
        bc->pos = at;
        return bfail(bc, at + 8, what, "SystemTime nanos >= 1e9");
    }
    out->secs = s;
    out->nanos = ns;
    return LMKV_OK;
}

int lmkv_bincode_count(lmkv_bincode *bc, uint64_t *out, size_t min_item_size, const char *what)
{
    size_t at = bc->pos;
    uint64_t n;
    int rc = lmkv_bincode_u64(bc, &n, what);
    if (rc) return rc;
    size_t left = bc->len - bc->pos;
    if (min_item_size && n > left / min_item_size) {
        bc->pos = at;
        return bfail(bc, at, what, "element count runs past the end");
    }
    *out = n;
    return LMKV_OK;
}

int lmkv_bincode_end(const lmkv_bincode *bc, const char *what)
{
    if (bc->pos != bc->len) {
        char why[64];
        snprintf(why, sizeof why, "%zu trailing bytes after the last field", bc->len - bc->pos);
        return bfail(bc, bc->pos, what, why);
    }
    return LMKV_OK;
}

/* --------------------------------------------------------- daemon values */

int lmkv_bincode_cache_entry(lmkv_daemon_cache_entry *out, const void *buf, size_t len)
{
    if (!out || (!buf && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_bincode_cache_entry: NULL argument");
    lmkv_bincode bc = {buf, len, 0};
    lmkv_daemon_cache_entry e;
    int rc;
    if ((rc = lmkv_bincode_bytes(&bc, &e.data, "CacheEntry.data")) ||
        (rc = lmkv_bincode_systime(&bc, &e.created_at, "CacheEntry.metadata.created_at")) ||
        (rc = lmkv_bincode_systime(&bc, &e.last_accessed, "CacheEntry.metadata.last_accessed")) ||
        (rc = lmkv_bincode_u64(&bc, &e.access_count, "CacheEntry.metadata.access_count")) ||
        (rc = lmkv_bincode_u64(&bc, &e.size_bytes, "CacheEntry.metadata.size_bytes")) ||
        (rc = lmkv_bincode_end(&bc, "CacheEntry")))
        return rc;
    *out = e;
    return LMKV_OK;
}

int lmkv_daemon_cache_key_parse(lmkv_daemon_cache_key *out, const void *key, size_t len)
{
    if (!out || (!key && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_daemon_cache_key_parse: NULL argument");
    const char *k = key;
    lmkv_daemon_cache_key r;
    memset(&r, 0, sizeof r);
    const char *c1 = len ? memchr(k, ':', len) : NULL;
    if (!c1 || c1 == k) goto bad;
    const char *c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - k));
    if (!c2 || c2 == c1 + 1) goto bad;
    r.workspace_id = (lmkv_slice){k, (size_t)(c1 - k)};
    r.method_in_key = (lmkv_slice){c1 + 1, (size_t)(c2 - c1 - 1)};
    const char *rest = c2 + 1, *end = k + len;
    /* rest = path ':' hash [':' symbol]; the path may contain ':'. Prefer the
     * reading without a symbol: the last component is the 64-hex hash. */
    if (end - rest >= 66 && end[-65] == ':' && lmkv_migrate__is_lower_hex(end - 64, 64)) {
        r.path = (lmkv_slice){rest, (size_t)(end - 65 - rest)};
        r.content_hash = (lmkv_slice){end - 64, 64};
    } else {
        /* path ':' hash ':' symbol: find the last ":<64 hex>:" */
        const char *best = NULL;
        for (const char *p = end - 1; p >= rest + 65; p--) {
            if (*p == ':' && p[-65] == ':' && lmkv_migrate__is_lower_hex(p - 64, 64)) { best = p; break; }
        }
        if (!best || best - 65 == rest) goto bad;
        r.path = (lmkv_slice){rest, (size_t)(best - 65 - rest)};
        r.content_hash = (lmkv_slice){best - 64, 64};
        r.has_symbol = 1;
        r.symbol = (lmkv_slice){best + 1, (size_t)(end - best - 1)};
    }
    if (r.path.len == 0) goto bad;
    *out = r;
    return LMKV_OK;
bad:
    {
        char kb[160];
        lmkv_migrate__fmt_bytes(kb, sizeof kb, key, len);
        return lmkv_error_set(LMKV_ECORRUPT, "universal_cache key %s is not {workspace}:{method}:{path}:{hash}[:{symbol}]",
                         kb);
    }
}

static int node_key(lmkv_bincode *bc, lmkv_daemon_node_key *k)
{
    int rc;
    if ((rc = lmkv_bincode_str(bc, &k->symbol, "NodeKey.symbol")) ||
        (rc = lmkv_bincode_str(bc, &k->file, "NodeKey.file")) ||
        (rc = lmkv_bincode_str(bc, &k->content_md5, "NodeKey.content_md5")))
        return rc;
    return LMKV_OK;
}

int lmkv_bincode_node_key(lmkv_daemon_node_key *out, const void *buf, size_t len)
{
    if (!out || (!buf && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_bincode_node_key: NULL argument");
    lmkv_bincode bc = {buf, len, 0};
    lmkv_daemon_node_key k;
    int rc = node_key(&bc, &k);
    if (!rc) rc = lmkv_bincode_end(&bc, "NodeKey");
    if (rc) return rc;
    *out = k;
    return LMKV_OK;
}

/* A CallInfo is at least 3 strings (8 bytes each) + 2 u32 = 32 bytes. */
#define CALLINFO_MIN 32

static int call_list(lmkv_bincode *bc, lmkv_daemon_call_info **out, size_t *n_out, const char *what)
{
    uint64_t n;
    int rc = lmkv_bincode_count(bc, &n, CALLINFO_MIN, what);
    if (rc) return rc;
    lmkv_daemon_call_info *a = NULL;
    if (n) {
        a = calloc((size_t)n, sizeof *a);
        if (!a) return lmkv_error_set(LMKV_ENOMEM, "bincode: %s: out of memory", what);
    }
    for (size_t i = 0; i < n; i++) {
        lmkv_daemon_call_info *c = &a[i];
        if ((rc = lmkv_bincode_str(bc, &c->name, "CallInfo.name")) ||
            (rc = lmkv_bincode_str(bc, &c->file_path, "CallInfo.file_path")) ||
            (rc = lmkv_bincode_u32(bc, &c->line, "CallInfo.line")) ||
            (rc = lmkv_bincode_u32(bc, &c->column, "CallInfo.column")) ||
            (rc = lmkv_bincode_str(bc, &c->symbol_kind, "CallInfo.symbol_kind"))) {
            free(a);
            return rc;
        }
    }
    *out = a;
    *n_out = (size_t)n;
    return LMKV_OK;
}

int lmkv_bincode_node(lmkv_daemon_node *out, const void *buf, size_t len)
{
    if (!out || (!buf && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_bincode_node: NULL argument");
    lmkv_bincode bc = {buf, len, 0};
    lmkv_daemon_node n;
    memset(&n, 0, sizeof n);
    size_t lang_at;
    int rc;
    if ((rc = node_key(&bc, &n.key)) ||
        (rc = call_list(&bc, &n.incoming, &n.n_incoming, "PersistedNode.info.incoming_calls")) ||
        (rc = call_list(&bc, &n.outgoing, &n.n_outgoing, "PersistedNode.info.outgoing_calls")) ||
        (rc = lmkv_bincode_systime(&bc, &n.created_at, "PersistedNode.created_at")) ||
        (rc = lmkv_bincode_opt_str(&bc, &n.has_git_hash, &n.git_hash, "PersistedNode.git_hash")) ||
        (rc = lmkv_bincode_opt_str(&bc, &n.has_branch, &n.branch, "PersistedNode.branch")))
        goto cleanup;
    lang_at = bc.pos;
    if ((rc = lmkv_bincode_u32(&bc, &n.language, "PersistedNode.language"))) goto cleanup;
    if (!lmkv_daemon_language_name(n.language)) {
        rc = bfail(&bc, lang_at, "PersistedNode.language", "unknown Language variant");
        goto cleanup;
    }
    if ((rc = lmkv_bincode_end(&bc, "PersistedNode"))) goto cleanup;
    *out = n;
    return LMKV_OK;
cleanup:
    lmkv_daemon_node_clear(&n);
    return rc;
}

void lmkv_daemon_node_clear(lmkv_daemon_node *node)
{
    if (!node) return;
    free(node->incoming);
    free(node->outgoing);
    memset(node, 0, sizeof *node);
}

/* Language enum of lsp-daemon 1caedea7 (language_detector.rs), in
 * declaration order: the variant index is the position. */
static const char *const languages[] = {"Rust", "TypeScript", "JavaScript", "Python", "Go", "Java", "C",
                                        "Cpp", "CSharp", "Ruby", "Php", "Swift", "Kotlin", "Scala",
                                        "Haskell", "Elixir", "Clojure", "Lua", "Zig", "Unknown"};

const char *lmkv_daemon_language_name(uint32_t variant)
{
    if (variant >= sizeof languages / sizeof languages[0]) return NULL;
    return languages[variant];
}

int lmkv_bincode_node_key_list(lmkv_daemon_node_key **out_keys, size_t *out_n, const void *buf, size_t len)
{
    if (!out_keys || !out_n || (!buf && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_bincode_node_key_list: NULL argument");
    lmkv_bincode bc = {buf, len, 0};
    uint64_t n;
    int rc = lmkv_bincode_count(&bc, &n, 8 + 24, "index Vec<Vec<u8>>");
    if (rc) return rc;
    lmkv_daemon_node_key *a = NULL;
    if (n) {
        a = calloc((size_t)n, sizeof *a);
        if (!a) return lmkv_error_set(LMKV_ENOMEM, "bincode: index: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        lmkv_slice inner;
        size_t at = bc.pos;
        if ((rc = lmkv_bincode_bytes(&bc, &inner, "index element"))) goto cleanup;
        lmkv_bincode ib = {(const unsigned char *)inner.ptr, inner.len, 0};
        if ((rc = node_key(&ib, &a[i])) || (rc = lmkv_bincode_end(&ib, "index element NodeKey"))) {
            rc = lmkv_error_set(LMKV_ECORRUPT, "bincode: index element %zu (byte offset %zu) is not a NodeKey: %s", i, at,
                           lmkv_errmsg());
            goto cleanup;
        }
    }
    if ((rc = lmkv_bincode_end(&bc, "index Vec<Vec<u8>>"))) goto cleanup;
    *out_keys = a;
    *out_n = (size_t)n;
    return LMKV_OK;
cleanup:
    free(a);
    return rc;
}

int lmkv_bincode_cache_metadata(lmkv_daemon_cache_metadata *out, const void *buf, size_t len)
{
    if (!out || (!buf && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_bincode_cache_metadata: NULL argument");
    lmkv_bincode bc = {buf, len, 0};
    lmkv_daemon_cache_metadata m;
    int rc;
    if ((rc = lmkv_bincode_u64(&bc, &m.total_nodes, "CacheMetadata.total_nodes")) ||
        (rc = lmkv_bincode_u64(&bc, &m.total_size_bytes, "CacheMetadata.total_size_bytes")) ||
        (rc = lmkv_bincode_systime(&bc, &m.last_cleanup, "CacheMetadata.last_cleanup")) ||
        (rc = lmkv_bincode_u32(&bc, &m.version, "CacheMetadata.version")) ||
        (rc = lmkv_bincode_end(&bc, "CacheMetadata")))
        return rc;
    *out = m;
    return LMKV_OK;
}

int lmkv_bincode_counter(uint64_t *out, const void *buf, size_t len)
{
    if (!out || (!buf && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_bincode_counter: NULL argument");
    lmkv_bincode bc = {buf, len, 0};
    uint64_t v;
    int rc;
    if ((rc = lmkv_bincode_u64(&bc, &v, "u64 counter")) || (rc = lmkv_bincode_end(&bc, "u64 counter"))) return rc;
    *out = v;
    return LMKV_OK;
}
