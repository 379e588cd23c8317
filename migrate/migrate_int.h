/* migrate_int.h -- private helpers of the migrate module. */
#ifndef LMKV_MIGRATE_INT_H
#define LMKV_MIGRATE_INT_H

#include "lmkv_migrate.h"

#include <stdarg.h>
#include <stdio.h>

/* Errors: kv's lmkv_error_set() / lmkv_errmsg(). */

/* Appends up to `max` bytes of `p` to buf as text when printable ASCII
 * ('...' quoted), else as hex; for messages naming keys and trees. */
void lmkv_migrate__fmt_bytes(char *buf, size_t bufsz, const void *p, size_t n);

/* 1 when p[0..n) are all lower-case hex digits (0-9a-f), else 0. */
int lmkv_migrate__is_lower_hex(const void *p, size_t n);

/* CRC-32 IEEE (as zlib crc32(), crc32fast), slicing-by-8: continue from
 * `crc` (0 to start). For short spans (keys, values); large buffers go to
 * zlib's crc32_z (see crc32.c). */
uint32_t lmkv_migrate__crc32(uint32_t crc, const void *data, size_t n);

/* The summer counts pairs only: no per-tree or database checksum (the
 * summary's checksums are then 0). For imports without --verify. */
void lmkv_migrate__summer_lens_only(lmkv_dump_summer *s);

#endif
