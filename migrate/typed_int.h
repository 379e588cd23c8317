/* typed_int.h -- private: typed conversion of the probe daemon's trees. */
#ifndef LMKV_MIGRATE_TYPED_INT_H
#define LMKV_MIGRATE_TYPED_INT_H

#include "migrate_int.h"

/* Per-dump scan state: which daemon trees were recognised (their first pair
 * decodes) and what would be converted. */
typedef struct mig_typed_scan {
    int off;              /* typed conversion disabled */
    int cur;              /* daemon tree kind of the current collection (0 = none) */
    int cur_state;        /* 0 = first pair not seen, 1 = recognised, -1 = not the daemon's */
    uint64_t cache_entries, stats, nodes, calls;
    /* RAW_ONLY notices held until the dump's CRC-32 is checked (a damaged
     * file must report its CRC error, not the undecodable pairs the damage
     * made): MIG_NOTICE_HOLD_BYTES at most, past that delivered at once. */
    struct mig_notice *held;
    size_t nheld, capheld, held_bytes;
} mig_typed_scan;

struct mig_notice {
    unsigned char *tree, *key;
    size_t tree_len, key_len;
    char *why;
};
#define MIG_NOTICE_HOLD_BYTES (16u << 20)

/* Delivers the held notices in dump order (after the CRC check) and frees
 * them; lmkv_migrate__typed_notices_drop frees them undelivered (the dump failed). */
void lmkv_migrate__typed_notices_deliver(mig_typed_scan *s, const lmkv_migrate_options *o);
void lmkv_migrate__typed_notices_drop(mig_typed_scan *s);

/* Daemon tree kinds. */
enum { MT_NONE = 0, MT_CACHE, MT_STATS, MT_NODES, MT_FILE_INDEX, MT_GIT_INDEX, MT_METADATA };

/* Checks one pair of the dump (raw pass): decodes it when its tree is the
 * daemon's; a pair that does not decode is reported (notice RAW_ONLY, held
 * until lmkv_migrate__typed_notices_deliver) and counted in rep->raw_only. In a dry run the typed_* counts are filled. */
void lmkv_migrate__typed_check(mig_typed_scan *s, const lmkv_dump_event *ev, const lmkv_migrate_options *o,
                     lmkv_migrate_report *rep);

/* Converts the daemon trees of `db` (after the raw import) into schema
 * records; fills rep->typed_*. add_stats: cache_stats counters were added by
 * this import (so they are added to the typed counters, once). */
/* The typed records an existing database holds, as rep->typed_* (for an
 * import that finds the dump already imported). */
int lmkv_migrate__typed_count_existing(lmkv_db *db, lmkv_migrate_report *rep);

int lmkv_migrate__typed_convert(lmkv_db *db, const lmkv_migrate_options *o, lmkv_migrate_report *rep, int add_stats);


#endif
