/* libFuzzer target: the bincode 1.x decoders of the daemon's sled values.
 * The first byte selects the decoder, the rest is the value. Every decoder
 * must accept or refuse without crash, leak or UB; accepted values must
 * have every slice inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "lmkv_migrate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in(const lmkv_slice *s, const uint8_t *p, size_t n)
{
    if (s->len && ((const uint8_t *)s->ptr < p || (const uint8_t *)s->ptr + s->len > p + n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 7) {
    case 0: {
        lmkv_daemon_cache_entry e;
        if (lmkv_bincode_cache_entry(&e, p, n) == LMKV_OK) {
            in(&e.data, p, n);
            if (e.created_at.nanos >= 1000000000u || e.last_accessed.nanos >= 1000000000u) abort();
        }
        break;
    }
    case 1: {
        lmkv_daemon_node_key k;
        if (lmkv_bincode_node_key(&k, p, n) == LMKV_OK) {
            in(&k.symbol, p, n); in(&k.file, p, n); in(&k.content_md5, p, n);
        }
        break;
    }
    case 2: {
        lmkv_daemon_node nd;
        if (lmkv_bincode_node(&nd, p, n) == LMKV_OK) {
            for (size_t i = 0; i < nd.n_incoming; i++) { in(&nd.incoming[i].name, p, n); in(&nd.incoming[i].file_path, p, n); }
            for (size_t i = 0; i < nd.n_outgoing; i++) in(&nd.outgoing[i].symbol_kind, p, n);
            if (!lmkv_daemon_language_name(nd.language)) abort();
            lmkv_daemon_node_clear(&nd);
        }
        break;
    }
    case 3: {
        lmkv_daemon_node_key *keys = NULL;
        size_t nk = 0;
        if (lmkv_bincode_node_key_list(&keys, &nk, p, n) == LMKV_OK) {
            for (size_t i = 0; i < nk; i++) in(&keys[i].file, p, n);
            free(keys);
        }
        break;
    }
    case 4: {
        lmkv_daemon_cache_metadata m;
        if (lmkv_bincode_cache_metadata(&m, p, n) == LMKV_OK && n != 32) abort();
        break;
    }
    case 5: {
        uint64_t v;
        if (lmkv_bincode_counter(&v, p, n) == LMKV_OK && n != 8) abort();
        break;
    }
    default: {
        lmkv_daemon_cache_key k;
        if (lmkv_daemon_cache_key_parse(&k, p, n) == LMKV_OK) {
            in(&k.workspace_id, p, n); in(&k.method_in_key, p, n); in(&k.path, p, n);
            in(&k.content_hash, p, n);
            if (k.has_symbol) in(&k.symbol, p, n);
            if (k.content_hash.len != 64) abort();
        }
        break;
    }
    }
    return 0;
}
