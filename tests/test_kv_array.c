/*
 * test_kv_array.c -- kv_array_int.h's growth helper, the one doubling
 * realloc of every module: growth keeps the contents and doubles from the
 * initial capacity; a request whose byte size does not fit in size_t is
 * LMKV_ENOMEM with the array and its capacity untouched (a helper that
 * multiplied without the check would get a small wrapped size from
 * realloc and report success); a doubling that would overflow stops at the
 * request; an allocation the C library refuses (more than PTRDIFF_MAX
 * bytes) is LMKV_ENOMEM with the array still the caller's. The inline
 * variant moves an array out of its inline buffer once (contents copied,
 * buffer untouched) and reallocs thereafter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kv_array_int.h"
#include "lmkv_kv.h"

/* Under ASan an oversized request must return NULL as glibc's does, not
 * abort: that is the behaviour under test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

struct rec { uint64_t a, b; };

static void test_grow(void **state)
{
    (void)state;
    struct rec *items = NULL;
    size_t cap = 0, n = 0;
    assert_int_equal(LMKV_ARRAY_GROW(items, cap, 0, 4), 0);   /* nothing needed */
    assert_null(items);
    assert_int_equal(cap, 0);
    for (uint64_t i = 0; i < 1000; i++) {
        size_t before = cap;
        assert_int_equal(LMKV_ARRAY_GROW(items, cap, n + 1, 4), 0);
        assert_true(cap >= n + 1);
        if (before) assert_true(cap == before || cap == 2 * before);
        else assert_int_equal(cap, 4);
        items[n].a = i;
        items[n].b = ~i;
        n++;
    }
    assert_int_equal(cap, 1024);
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(items[i].a, i);
        assert_int_equal(items[i].b, ~i);
    }
    /* A jump past the doubling: exactly a power-of-two multiple >= need. */
    assert_int_equal(LMKV_ARRAY_GROW(items, cap, 5000, 4), 0);
    assert_int_equal(cap, 8192);
    assert_int_equal(items[999].a, 999);
    free(items);

    /* initial 0 means 1 */
    char *s = NULL;
    size_t sc = 0;
    assert_int_equal(LMKV_ARRAY_GROW(s, sc, 1, 0), 0);
    assert_int_equal(sc, 1);
    assert_int_equal(LMKV_ARRAY_GROW(s, sc, 3, 0), 0);
    assert_int_equal(sc, 4);
    free(s);
}

static void test_overflow(void **state)
{
    (void)state;
    struct rec *items = NULL;
    size_t cap = 0;
    assert_int_equal(LMKV_ARRAY_GROW(items, cap, 2, 2), 0);
    items[0].a = 7;
    struct rec *keep = items;
    /* need * 16 wraps around: (SIZE_MAX / 16 + 2) * 16 == 16 mod 2^64 */
    size_t need = SIZE_MAX / sizeof *items + 2;
    assert_int_equal(LMKV_ARRAY_GROW(items, cap, need, 2), LMKV_ENOMEM);
    assert_ptr_equal(items, keep);
    assert_int_equal(cap, 2);
    assert_int_equal(items[0].a, 7);
    assert_int_equal(LMKV_ARRAY_GROW(items, cap, SIZE_MAX, 2), LMKV_ENOMEM);
    assert_int_equal(cap, 2);
    /* elem_size 0 is refused, not a division by zero */
    assert_int_equal(lmkv_kv__array_grow(&items, &cap, 3, 0, 2), LMKV_ENOMEM);
    assert_int_equal(cap, 2);
    free(items);

    /* Doubling from a capacity above half the limit would overflow: the
     * helper asks for exactly the need, which here the C library refuses
     * (more than PTRDIFF_MAX bytes) -- ENOMEM, array unchanged. */
    char *b = malloc(8);
    assert_non_null(b);
    memcpy(b, "abcdefgh", 8);
    size_t bc = SIZE_MAX / 2 + 1; /* a pretend capacity; only need > bc matters */
    assert_int_equal(LMKV_ARRAY_GROW(b, bc, SIZE_MAX / 2 + 2, 8), LMKV_ENOMEM);
    assert_int_equal(bc, SIZE_MAX / 2 + 1);
    assert_memory_equal(b, "abcdefgh", 8);
    free(b);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    /* Fits in size_t, but no allocator grants it (> PTRDIFF_MAX bytes). */
    char *b = NULL;
    size_t bc = 0;
    assert_int_equal(LMKV_ARRAY_GROW(b, bc, 16, 16), 0);
    memcpy(b, "0123456789abcdef", 16);
    char *keep = b;
    assert_int_equal(LMKV_ARRAY_GROW(b, bc, (size_t)PTRDIFF_MAX + 1, 16), LMKV_ENOMEM);
    assert_ptr_equal(b, keep);
    assert_int_equal(bc, 16);
    assert_memory_equal(b, "0123456789abcdef", 16);
    /* and the array still grows afterwards */
    assert_int_equal(LMKV_ARRAY_GROW(b, bc, 17, 16), 0);
    assert_int_equal(bc, 32);
    assert_memory_equal(b, "0123456789abcdef", 16);
    free(b);
}

static void test_inline(void **state)
{
    (void)state;
    uint32_t small[4] = {1, 2, 3, 4};
    uint32_t *v = small;
    size_t cap = 4;
    /* room already: stays inline */
    assert_int_equal(LMKV_ARRAY_GROW_INLINE(v, cap, 4, 16, small, 4), 0);
    assert_ptr_equal(v, small);
    assert_int_equal(cap, 4);
    /* out of the inline buffer: a heap copy of the used elements */
    assert_int_equal(LMKV_ARRAY_GROW_INLINE(v, cap, 5, 16, small, 3), 0);
    assert_ptr_not_equal(v, small);
    assert_int_equal(cap, 8);
    assert_int_equal(v[0], 1);
    assert_int_equal(v[2], 3);
    v[0] = 99;
    assert_int_equal(small[0], 1); /* the inline buffer is left alone */
    /* on the heap now: realloc, contents kept */
    for (uint32_t i = 3; i < 8; i++) v[i] = i * 10;
    assert_int_equal(LMKV_ARRAY_GROW_INLINE(v, cap, 20, 16, small, 8), 0);
    assert_int_equal(cap, 32);
    assert_int_equal(v[0], 99);
    assert_int_equal(v[7], 70);
    free(v);

    /* overflow and allocation failure while inline: nothing changes */
    v = small;
    cap = 4;
    assert_int_equal(LMKV_ARRAY_GROW_INLINE(v, cap, SIZE_MAX / sizeof *v + 1, 16, small, 4), LMKV_ENOMEM);
    assert_ptr_equal(v, small);
    assert_int_equal(cap, 4);
    assert_int_equal(LMKV_ARRAY_GROW_INLINE(v, cap, (size_t)PTRDIFF_MAX / sizeof *v + 1, 16, small, 4),
                     LMKV_ENOMEM);
    assert_ptr_equal(v, small);
    assert_int_equal(cap, 4);
    /* more elements in use than the inline capacity: refused, not overread */
    assert_int_equal(LMKV_ARRAY_GROW_INLINE(v, cap, 5, 16, small, 5), LMKV_ENOMEM);
    assert_ptr_equal(v, small);
    assert_int_equal(small[3], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_grow), cmocka_unit_test(test_overflow),
                                       cmocka_unit_test(test_alloc_failure), cmocka_unit_test(test_inline)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
