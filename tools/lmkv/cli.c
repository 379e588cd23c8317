/* Shared helpers of the lmkv tool; see cli.h. */
#include "cli.h"
#include "lmkv_kv.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (strcmp(cmd, "lmkv") == 0) fputs("lmkv: ", stderr);
    else fprintf(stderr, "lmkv %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_exit_for(int err)
{
    switch (err) {
    case LMKV_OK: return EXIT_OK_;
    case LMKV_NOTFOUND: case LMKV_ETREE: return EXIT_NOTFOUND;
    case LMKV_EINVAL: case LMKV_EPARSE: return EXIT_USAGE;
    case LMKV_ECORRUPT: case LMKV_EVERSION: case LMKV_ECOLLISION: return EXIT_DAMAGED;
    default: return EXIT_IO;
    }
}

int cli_parse_common(int argc, char **argv, int *idx)
{
    /* Global options before the command name: --db DIR, --json, --hex, -q. */
    int i = *idx;
    while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) lmkv_cli.json = 1;
        else if (!strcmp(a, "--hex")) lmkv_cli.hex = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) lmkv_cli.quiet = 1;
        else if (!strcmp(a, "--db")) {
            if (i + 1 >= argc) { cli_error("lmkv", "--db needs a directory"); return -1; }
            lmkv_cli.db = argv[++i];
        } else if (!strncmp(a, "--db=", 5)) lmkv_cli.db = a + 5;
        else break; /* -h, -V and unknown options are handled by the caller */
        i++;
    }
    *idx = i;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cli_hex_decode(const char *cmd, const char *what, const char *hex, unsigned char **out, size_t *outlen)
{
    size_t n = strlen(hex);
    if (n % 2) { cli_error(cmd, "%s is not valid hex: odd number of digits (%zu)", what, n); return -1; }
    unsigned char *buf = malloc(n / 2 + 1);
    if (!buf) { cli_error(cmd, "out of memory"); return -1; }
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval((unsigned char)hex[i]), lo = hexval((unsigned char)hex[i + 1]);
        if (hi < 0 || lo < 0) {
            cli_error(cmd, "%s is not valid hex: bad digit at offset %zu", what, hi < 0 ? i : i + 1);
            free(buf);
            return -1;
        }
        buf[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    *out = buf;
    *outlen = n / 2;
    return 0;
}

int cli_key_arg(const char *cmd, const char *arg, unsigned char **out, size_t *outlen)
{
    if (lmkv_cli.hex) return cli_hex_decode(cmd, "key", arg, out, outlen);
    size_t n = strlen(arg);
    unsigned char *buf = malloc(n + 1);
    if (!buf) { cli_error(cmd, "out of memory"); return -1; }
    memcpy(buf, arg, n + 1);
    *out = buf;
    *outlen = n;
    return 0;
}

static int printable_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return 0;
            i++;
            continue;
        }
        size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > n) return 0;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

void cli_print_bytes(FILE *f, const void *p, size_t n, int force_hex)
{
    const unsigned char *b = p;
    if (!force_hex && printable_utf8(b, n)) { fwrite(b, 1, n, f); return; }
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", b[i]);
}

int cli_is_tty(int fd) { return isatty(fd); }
