/*
 * fuzz_fbverify.c -- libFuzzer target for lmkv's FlatBuffers verifier and
 * readers: the input is offered to every table's verifying reader, to the
 * type-detecting verifier and to the JSON renderer. Whatever the bytes, each
 * call returns LMKV_OK or LMKV_ECORRUPT; after an OK read every string and
 * vector the reader returned is walked, so ASan catches any pointer that
 * escaped the buffer. Corpus: tests/fuzz/corpus/fbverify/ (valid records of
 * every table, official- and lmkv-built, plus truncated/mutated ones).
 *
 * By hand (libFuzzer, a few minutes on a shared machine):
 *   for f in fb_builder fb_verify records ids record_json; do
 *     clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
 *       -Ikv -Ischema -c schema/$f.c -o /tmp/fz_$f.o; done
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Ikv -Ischema \
 *     tests/fuzz/fuzz_fbverify.c /tmp/fz_*.o kv/error.c -llmdb -lxxhash -ljansson -o /tmp/fuzz_fbverify
 *   /tmp/fuzz_fbverify -max_total_time=180 -max_len=2048 <scratch copy of the corpus>
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fb_int.h"

typedef union anyrec {
    lmkv_workspace a; lmkv_file_version b; lmkv_symbol c; lmkv_reference d;
    lmkv_call e; lmkv_hierarchy f; lmkv_cache_entry g; lmkv_cache_stats h; lmkv_indexer_queue_item i;
    lmkv_analysis_run j; lmkv_daemon_workspace_record k; lmkv_daemon_file_link l;
} anyrec;

static volatile size_t sink;

static void walk(const fb_table *t, const anyrec *rec)
{
    const uint8_t *r = (const uint8_t *)rec;
    for (uint16_t i = 0; i < t->nfields; i++) {
        const fb_field *f = &t->fields[i];
        const void *c = r + f->coff;
        if (f->type == FB_STR) {
            const char *s;
            memcpy(&s, c, sizeof s);
            if (s) sink += strlen(s);
        } else if (f->type == FB_BYTES) {
            lmkv_ubytes v;
            memcpy(&v, c, sizeof v);
            for (size_t k = 0; k < v.len; k++) sink += v.data[k];
        } else if (f->type == FB_STRVEC) {
            lmkv_strvec v;
            memcpy(&v, c, sizeof v);
            for (uint32_t k = 0; k < v.count; k++) sink += strlen(lmkv_strvec_get(&v, k));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so a read one past the end is caught. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    for (int k = 1; k < LMKV_REC_COUNT; k++) {
        const fb_table *t = lmkv_schema__fb_table((lmkv_record_type)k);
        anyrec rec;
        int rc = lmkv_record_read(t->type, &rec, buf, size);
        if (rc == LMKV_OK) walk(t, &rec);
        else if (rc != LMKV_ECORRUPT) abort();
        /* Without the identifier check, so mutated identifiers still reach
         * the structural checks of every table. */
        rc = lmkv_schema__fb_read(t, &rec, buf, size, 0);
        if (rc == LMKV_OK) walk(t, &rec);
        else if (rc != LMKV_ECORRUPT) abort();
    }
    int rc = lmkv_record_verify(LMKV_REC_NONE, buf, size);
    if (rc != LMKV_OK && rc != LMKV_ECORRUPT) abort();
    char *js = NULL;
    rc = lmkv_record_to_json(&js, buf, size, 0);
    if (rc == LMKV_OK) {
        sink += strlen(js);
        free(js);
    } else if (rc != LMKV_ECORRUPT) {
        abort();
    }
    free(buf);
    return 0;
}
