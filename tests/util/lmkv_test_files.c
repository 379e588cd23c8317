/* lmkv_test_files.c -- see lmkv_test_files.h */
#include "util/lmkv_test_files.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <cmocka.h>

#define NBUF 8
#define BUFSZ 1024

char *lmkv_test_sled_fixture(const char *name, const char *ext)
{
    const char *dir = getenv("LMKV_FIXTURES");
    static char buf[NBUF][BUFSZ];
    static int slot;
    char *b = buf[slot++ % NBUF];
    snprintf(b, BUFSZ, "%s/sled/%s%s", dir ? dir : "tests/fixtures", name, ext);
    return b;
}

char *lmkv_test_tmp(const char *name)
{
    const char *dir = getenv("LMKV_TEST_TMP");
    static char buf[NBUF][BUFSZ];
    static int slot;
    char *b = buf[slot++ % NBUF];
    snprintf(b, BUFSZ, "%s/%s", dir ? dir : "/tmp", name);
    return b;
}

unsigned char *lmkv_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)n + 64);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

void lmkv_test_spit(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

void lmkv_test_hex(char *out, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

json_t *lmkv_test_load_jsonl(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t err;
        json_t *j = json_loadb(line, (size_t)n, 0, &err);
        assert_non_null(j);
        json_array_append_new(arr, j);
    }
    free(line);
    fclose(f);
    return arr;
}
