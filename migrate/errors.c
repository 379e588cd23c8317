/* errors.c -- byte formatting for migrate's messages (set with kv's
 * lmkv_error_set) and the hex check of the daemon's keys. */
#include "migrate_int.h"

#include <string.h>

void lmkv_migrate__fmt_bytes(char *buf, size_t bufsz, const void *p, size_t n)
{
    const unsigned char *b = p;
    int printable = 1;
    for (size_t i = 0; i < n; i++)
        if (b[i] < 0x20 || b[i] > 0x7e || b[i] == '\'') { printable = 0; break; }
    size_t o = 0;
    if (bufsz == 0) return;
    buf[0] = '\0';
    if (printable) {
        o += (size_t)snprintf(buf, bufsz, "'");
        size_t room = bufsz > o + 6 ? bufsz - o - 6 : 0;
        size_t k = n < room ? n : room;
        memcpy(buf + o, b, k);
        o += k;
        snprintf(buf + o, bufsz - o, "%s'", k < n ? "..." : "");
        return;
    }
    o += (size_t)snprintf(buf, bufsz, "0x");
    size_t i = 0;
    for (; i < n && o + 6 < bufsz; i++) o += (size_t)snprintf(buf + o, bufsz - o, "%02x", b[i]);
    if (i < n) snprintf(buf + o, bufsz - o, "...");
    else if (n == 0) snprintf(buf, bufsz, "'' (empty)");
}

int lmkv_migrate__is_lower_hex(const void *p, size_t n)
{
    const char *c = p;
    for (size_t i = 0; i < n; i++)
        if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f'))) return 0;
    return 1;
}
