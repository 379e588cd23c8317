/*
 * fuzz_lspanswer.c -- libFuzzer target for lsp/'s answer parser and the
 * UTF-16 -> byte conversion. Input: M FILE \0 PARAMS \0 RESULT, the first byte M
 * choosing the method (mod 7). FILE becomes the bytes of
 * "a.c" in workspace /ws; the answer must be accepted (LMKV_OK) or refused
 * with LMKV_EPARSE / LMKV_EINVAL, and every position of the file is then
 * converted for a few columns, so ASan catches any read outside the text.
 * Nothing is written to a database (lmkv_lsp_ingest_write's inputs are the
 * checked pending items; test_lsp_ingest and t_lsp_*.py cover writing).
 * Corpus: tests/fuzz/corpus/lspanswer/ (answers of test_lsp_ingest and real
 * clangd answers, in that layout).
 * By hand: scripts/fuzz.sh run lspanswer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmkv_lsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int method = 1 + data[0] % 7;
    data++, size--;
    const uint8_t *z1 = memchr(data, 0, size);
    if (!z1) return 0;
    const uint8_t *p = z1 + 1, *z2 = memchr(p, 0, size - (size_t)(p - data));
    if (!z2) return 0;
    const uint8_t *r = z2 + 1;
    size_t flen = (size_t)(z1 - data), plen = (size_t)(z2 - p), rlen = size - (size_t)(r - data);
    lmkv_lsp_ingest *g;
    uint64_t ws;
    if (lmkv_workspace_id(&ws, "/ws") || lmkv_lsp_ingest_new(&g, ws, "/ws")) abort();
    if (lmkv_lsp_ingest_add_file(NULL, g, "a.c", data, flen, "c")) abort();
    const char *m = lmkv_lsp_method_name(method);
    int rc = lmkv_lsp_ingest_answer(g, m, (const char *)p, plen, (const char *)r, rlen);
    if (rc != LMKV_OK && rc != LMKV_EPARSE && rc != LMKV_EINVAL && rc != LMKV_ENOMEM) abort();
    lmkv_lsp_ingest_free(g);
    uint32_t l, c;
    for (uint32_t line = 0; line < 64; line++)
        for (uint32_t ch = 0; ch < 80; ch += 7) {
            rc = lmkv_lsp_position_to_byte(&l, &c, data, flen, line, ch);
            if (rc == LMKV_OK && (l != line + 1 || c < 1 || c > flen + 1)) abort();
            if (rc != LMKV_OK && rc != LMKV_EINVAL) abort();
        }
    return 0;
}
