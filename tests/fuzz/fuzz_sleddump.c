/* libFuzzer target: the streaming sled-dump v1 reader (plain and gzip) and
 * the summary built from its events. Any input must end in LMKV_NOTFOUND
 * after a FOOTER or in one sticky error, without crash, leak or UB; a dump
 * that reads cleanly must have consistent counts. */
#include <stdint.h>
#include <stdlib.h>

#include "lmkv_migrate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lmkv_dump_reader *r = NULL;
    lmkv_dump_summer *s = NULL;
    if (lmkv_dump_reader_open_memory(&r, data, size, "fuzz") != LMKV_OK) return 0;
    if (lmkv_dump_summer_new(&s) != LMKV_OK) { lmkv_dump_reader_free(r); return 0; }
    lmkv_dump_event ev;
    int rc;
    uint64_t pairs = 0, colls = 0, footer = 0;
    while ((rc = lmkv_dump_reader_next(r, &ev)) == LMKV_OK) {
        if (ev.kind == LMKV_DUMP_PAIR) pairs++;
        if (ev.kind == LMKV_DUMP_COLLECTION) colls++;
        if (ev.kind == LMKV_DUMP_FOOTER) {
            footer++;
            if (ev.count != pairs || ev.collections != colls) abort();
        }
        if (lmkv_dump_summer_add(s, &ev) != LMKV_OK) break;
    }
    if (rc == LMKV_NOTFOUND) {
        if (footer != 1) abort();
        lmkv_dump_summary *sum = NULL;
        if (lmkv_dump_summer_finish(&sum, s, r) == LMKV_OK) {
            if (sum->collections != colls) abort();
            lmkv_dump_summary_free(sum);
        }
    } else if (lmkv_dump_reader_next(r, &ev) != rc) {
        abort(); /* errors are sticky */
    }
    lmkv_dump_summer_free(s);
    lmkv_dump_reader_free(r);
    return 0;
}
