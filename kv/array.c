/* array.c -- lmkv_kv__array_grow (kv_array_int.h): the overflow-checked
 * doubling realloc every module's growing arrays use. */
#include "kv_array_int.h"
#include "lmkv_kv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The new capacity for `need` elements of elem_size bytes (need > cap), or 0
 * when need * elem_size does not fit in size_t. */
static size_t grown_cap(size_t cap, size_t need, size_t elem_size, size_t initial)
{
    if (elem_size == 0 || need > SIZE_MAX / elem_size) return 0;
    size_t max = SIZE_MAX / elem_size;
    size_t nc = cap ? cap : (initial ? initial : 1);
    while (nc < need) nc = nc > max / 2 ? need : nc * 2;
    return nc > max ? need : nc;
}

int lmkv_kv__array_grow_inline(void *arrp, size_t *cap, size_t need, size_t elem_size, size_t initial,
                               const void *inline_buf, size_t used)
{
    if (need <= *cap) return 0;
    size_t nc = grown_cap(*cap, need, elem_size, initial);
    if (!nc) return LMKV_ENOMEM;
    /* arrp points to an object pointer of the caller's type: read and write
     * its representation with memcpy (no void ** aliasing). */
    void *old, *p;
    memcpy(&old, arrp, sizeof old);
    if (old && old == inline_buf) {
        if (used > *cap) return LMKV_ENOMEM; /* cannot hold: a caller's bug, refused */
        if ((p = malloc(nc * elem_size)) && used) memcpy(p, old, used * elem_size);
    } else {
        p = realloc(old, nc * elem_size);
    }
    if (!p) return LMKV_ENOMEM;
    memcpy(arrp, &p, sizeof p);
    *cap = nc;
    return 0;
}

int lmkv_kv__array_grow(void *arrp, size_t *cap, size_t need, size_t elem_size, size_t initial)
{
    return lmkv_kv__array_grow_inline(arrp, cap, need, elem_size, initial, NULL, 0);
}
