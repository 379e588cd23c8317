/*
 * fuzz_cli_args -- libFuzzer target for the lmkv tool's argument and output
 * helpers (tools/lmkv/cli.c): hex decoding, integer and duration parsing,
 * the escaped text form of keys/values and its inverse, and the JSON byte
 * members. Each input is checked against round-trip properties; a broken
 * property aborts, so the replay run (make fuzz-replay) fails on it.
 *
 * Input layout: the whole input is used by every check (as bytes, and as a
 * NUL-terminated string up to its first NUL); the range check also reads its
 * first 4 bytes as lengths/flags of a prefix, --from, --to and a key taken
 * from the bytes that follow.
 */
#include "../../tools/lmkv/cli.c"

#include <ctype.h>
#include <stdint.h>

struct lmkv_cli_globals lmkv_cli;

static void check(int cond, const char *what)
{
    if (!cond) { fprintf(stderr, "fuzz_cli_args: property broken: %s\n", what); abort(); }
}

static void check_hex(const uint8_t *data, size_t size, const char *str)
{
    /* Decoding an arbitrary string either fails or yields strlen/2 bytes that
     * re-encode to the same digits (modulo case). */
    unsigned char *out = NULL;
    size_t n = 0;
    if (cli_hex_decode("fuzz", "key", str, &out, &n) == 0) {
        size_t len = strlen(str);
        check(n * 2 == len, "hex length");
        for (size_t i = 0; i < n; i++) {
            char two[3];
            snprintf(two, sizeof two, "%02x", out[i]);
            check(tolower((unsigned char)str[2 * i]) == two[0] && tolower((unsigned char)str[2 * i + 1]) == two[1],
                  "hex digits");
        }
        free(out);
    }
    /* Encoding the raw bytes as hex and decoding gives them back. */
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    check(m != NULL, "memstream");
    cli_print_bytes(m, data, size, 1);
    fclose(m);
    check(blen == 2 * size, "hex output length");
    check(cli_hex_decode("fuzz", "key", buf, &out, &n) == 0, "hex round trip decodes");
    check(n == size && memcmp(out, data, size) == 0, "hex round trip equal");
    free(out);
    free(buf);
}

static void check_escape(const uint8_t *data, size_t size)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    check(m != NULL, "memstream");
    cli_print_bytes(m, data, size, 0);
    fclose(m);
    for (size_t i = 0; i < blen; i++)
        check(buf[i] != '\n' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != 0, "escaped text has no separators");
    unsigned char *out = NULL;
    size_t n = 0;
    check(cli_unescape(buf, blen, &out, &n) == 0, "escape round trip decodes");
    check(n == size && memcmp(out, data, size) == 0, "escape round trip equal");
    check(cli_is_printable_utf8(buf, blen), "escaped text is printable UTF-8");
    free(out);
    free(buf);
    /* Unescaping arbitrary input never overruns and, when it succeeds, is no longer. */
    if (cli_unescape((const char *)data, size, &out, &n) == 0) {
        check(n <= size, "unescape shrinks");
        free(out);
    }
}

static void check_json(const uint8_t *data, size_t size)
{
    for (int force = 0; force <= 1; force++) {
        json_t *o = json_object();
        check(o != NULL, "json object");
        check(cli_json_set_bytes(o, "key", data, size, force) == 0, "json set");
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        check(s != NULL, "json dumps");
        json_error_t err;
        json_t *back = json_loads(s, JSON_ALLOW_NUL, &err);
        free(s);
        check(back != NULL, "json reparses");
        json_t *t = json_object_get(back, "key"), *h = json_object_get(back, "key_hex");
        check((t != NULL) != (h != NULL), "exactly one of key/key_hex");
        if (force) check(h != NULL, "--hex gives key_hex");
        if (t) {
            check(json_string_length(t) == size && memcmp(json_string_value(t), data, size) == 0, "json text equal");
        } else {
            unsigned char *out = NULL;
            size_t n = 0;
            check(cli_hex_decode("fuzz", "key", json_string_value(h), &out, &n) == 0, "json hex decodes");
            check(n == size && memcmp(out, data, size) == 0, "json hex equal");
            free(out);
        }
        json_decref(back);
    }
}

static void check_numbers(const char *str)
{
    uint64_t v = 0;
    if (cli_parse_u64("fuzz", "--limit", str, UINT64_MAX, &v) == 0) {
        const char *p = str;
        while (*p == '0' && p[1]) p++;
        char back[32];
        snprintf(back, sizeof back, "%llu", (unsigned long long)v);
        check(strcmp(back, p) == 0, "u64 round trip");
    }
    uint64_t small = 0;
    if (cli_parse_u64("fuzz", "--count", str, 1000, &small) == 0) check(small <= 1000, "u64 max");
    uint64_t ms = 0;
    if (cli_parse_seconds("fuzz", "--timeout", str, &ms) == 0) check(ms <= 1000000000ull * 1000 + 999, "seconds max");
}

static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (an < bn ? -1 : an > bn);
}

static char *to_hex(const uint8_t *p, size_t n)
{
    char *h = malloc(2 * n + 1);
    check(h != NULL, "malloc");
    for (size_t i = 0; i < n; i++) snprintf(h + 2 * i, 3, "%02x", p[i]);
    h[2 * n] = 0;
    return h;
}

/* cli_range_init's bounds select exactly the keys that start with the
 * prefix, are >= from and < to. */
static void check_range(const uint8_t *data, size_t size)
{
    if (size < 4) return;
    size_t lp = data[0] % 5, lf = data[1] % 5, lt = data[2] % 5, lk = data[3] % 6;
    int has_p = data[3] & 0x40, has_f = data[3] & 0x80, has_t = data[2] & 0x80;
    if (4 + lp + lf + lt + lk > size) return;
    const uint8_t *p = data + 4, *f = p + lp, *t = f + lf, *k = t + lt;
    char *hp = to_hex(p, lp), *hf = to_hex(f, lf), *ht = to_hex(t, lt);
    int saved = lmkv_cli.hex;
    lmkv_cli.hex = 1;
    struct cli_range r;
    check(cli_range_init("fuzz", &r, has_p ? hp : NULL, has_f ? hf : NULL, has_t ? ht : NULL) == 0, "range init");
    lmkv_cli.hex = saved;
    int want = (!has_p || (lk >= lp && memcmp(k, p, lp) == 0)) &&
               (!has_f || cmp_bytes(k, lk, f, lf) >= 0) &&
               (!has_t || cmp_bytes(k, lk, t, lt) < 0);
    int got = 1;
    if (r.lo.kind == LMKV_INCLUDED) got &= cmp_bytes(k, lk, r.lo.key, r.lo.key_size) >= 0;
    if (r.lo.kind == LMKV_EXCLUDED) got &= cmp_bytes(k, lk, r.lo.key, r.lo.key_size) > 0;
    if (r.hi.kind == LMKV_EXCLUDED) got &= cmp_bytes(k, lk, r.hi.key, r.hi.key_size) < 0;
    if (r.hi.kind == LMKV_INCLUDED) got &= cmp_bytes(k, lk, r.hi.key, r.hi.key_size) <= 0;
    check(got == want, "range bounds select exactly prefix/from/to");
    cli_range_free(&r);
    free(hp);
    free(hf);
    free(ht);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    char *str = malloc(size + 1);
    if (!str) return 0;
    memcpy(str, data, size);
    str[size] = 0;
    check_hex(data, size, str);
    check_escape(data, size);
    check_json(data, size);
    check_numbers(str);
    check_range(data, size);
    free(str);
    return 0;
}
