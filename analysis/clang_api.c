/* libclang loaded with dlopen on first use: see clang_api.h for why. */
#define LMKV_CLANG_API_IMPL
#include "clang_api.h"
#include "lmkv_kv.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LMKV_LIBCLANG_PATH
#define LMKV_LIBCLANG_PATH "libclang-14.so.1"
#endif

struct lmkv_analysis__clang_fns lmkv_analysis__clang;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_rc = LMKV_OK;
static char load_why[512];

static void load(void)
{
    const char *env = getenv("LMKV_LIBCLANG");
    const char *path = env && *env ? env : LMKV_LIBCLANG_PATH;
    /* RTLD_LOCAL: libLLVM's symbols stay out of the global namespace, so a
     * program that links another LLVM is not disturbed. The handle is kept
     * for the life of the process (LLVM's statics do not survive dlclose). */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h && !(env && *env) && strcmp(path, "libclang-14.so.1") != 0)
        h = dlopen("libclang-14.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(load_why, sizeof load_why,
                 "the C/C++ frontend needs libclang 14 (Debian libclang-14-dev): %s", e ? e : path);
        load_rc = LMKV_EUNSUPPORTED;
        return;
    }
    struct lmkv_analysis__clang_fns t;
#define LMKV_CLANG_SYM(name)                                                                        \
    do {                                                                                            \
        void *p = dlsym(h, #name);                                                                  \
        if (!p) {                                                                                   \
            snprintf(load_why, sizeof load_why,                                                     \
                     "the C/C++ frontend needs libclang 14 (Debian libclang-14-dev): %s has no %s", \
                     path, #name);                                                                  \
            load_rc = LMKV_EUNSUPPORTED;                                                            \
            dlclose(h);                                                                             \
            return;                                                                                 \
        }                                                                                           \
        memcpy(&t.name, &p, sizeof p); /* object to function pointer (POSIX dlsym) */               \
    } while (0);
    LMKV_CLANG_FUNCS(LMKV_CLANG_SYM)
#undef LMKV_CLANG_SYM
    lmkv_analysis__clang = t;
}

int lmkv_analysis__clang_load(void)
{
    pthread_once(&load_once, load);
    if (load_rc != LMKV_OK) return lmkv_error_set(load_rc, "%s", load_why);
    return LMKV_OK;
}

const char *lmkv_analysis__clang_why(void)
{
    return load_why;
}
