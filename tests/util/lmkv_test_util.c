/* lmkv_test_util.c -- see lmkv_test_util.h */
#include "util/lmkv_test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *lmkv_test_tmpdir(const char *tag)
{
    const char *base = getenv("LMKV_TEST_TMP");
    if (!base || !*base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    size_t n = strlen(base) + strlen(tag ? tag : "t") + 16;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s.XXXXXX", base, tag ? tag : "t");
    if (!mkdtemp(p)) {
        perror(p);
        abort();
    }
    return p;
}

void lmkv_test_rmtree(const char *path)
{
    if (!path)
        return;
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *c = lmkv_test_path(path, e->d_name);
            struct stat sb;
            if (lstat(c, &sb) == 0 && S_ISDIR(sb.st_mode))
                lmkv_test_rmtree(c);
            else
                unlink(c);
            free(c);
        }
        closedir(d);
    }
    rmdir(path);
}

char *lmkv_test_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

uint64_t lmkv_test_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t lmkv_test_seed(uint64_t dflt)
{
    const char *e = getenv("LMKV_SEED");
    if (!e || !*e)
        return dflt;
    return strtoull(e, NULL, 0);
}
