/*
 * crc32.c -- CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), the checksum
 * of sled (crc32fast) and zlib's crc32(), computed by slicing-by-8 for the
 * many short keys and values that sled's per-tree checksum (summary.c)
 * hashes one by one, where zlib's crc32() is 2-3x slower (13-byte keys:
 * 0.45 GB/s against 0.89; 100-byte values: 0.8 against 2.2) and its call
 * overhead once dominated an import (perf: 42% of the time). Large spans
 * (the dump file's CRC, one call per buffer in dump_reader.c and
 * dump_writer.c) go to zlib's crc32_z, 2.3x faster there (64 KiB: 6.2 GB/s
 * against 2.6). lmkv_migrate__crc32(c, p, n) == crc32(c, p, n) for every input
 * (tested).
 */
#include "migrate_int.h"

#include <pthread.h>

static uint32_t tab[8][256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++) tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
}

uint32_t lmkv_migrate__crc32(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&once, init);
    const unsigned char *p = data;
    uint32_t c = ~crc;
    while (n >= 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        c = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^ tab[4][lo >> 24] ^
            tab[3][p[4]] ^ tab[2][p[5]] ^ tab[1][p[6]] ^ tab[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--) c = tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}
