/*
 * kv_array_int.h -- the one growth helper for arrays (internal; the one
 * internal header kv/ exports to the modules above it: schema, versioning,
 * analysis, graph, migrate, lsp, push and daemon include it; nothing
 * outside the library does: docs/DESIGN.md "Growth", tests/t_symbols.sh).
 * libgit2's git_array_t / GITERR_CHECK_ALLOC_MULTIPLY in C11: a doubling
 * realloc whose size computations cannot overflow.
 *
 *   if (LMKV_ARRAY_GROW(l->items, l->cap, l->n + 1, 16)) return LMKV_ENOMEM;
 *   l->items[l->n++] = x;
 *
 * Not thread-safe (the caller owns the array). Sets no lmkv_errmsg(): the
 * caller says what it was growing.
 */
#ifndef LMKV_KV_ARRAY_INT_H
#define LMKV_KV_ARRAY_INT_H

#include <stddef.h>

/* Ensure the array *arrp (a pointer to any object pointer, e.g. &l->items,
 * of elements elem_size bytes each, elem_size > 0) has room for at least
 * `need` elements. *cap is its capacity in elements (0 with a NULL array).
 * If need <= *cap: nothing happens. Else the new capacity is the old one
 * (or `initial` when *cap is 0; 1 if initial is 0) doubled until it
 * reaches need -- need itself where doubling would overflow -- and the
 * array is realloc'd to it (contents kept, new elements uninitialised).
 * Returns 0, or LMKV_ENOMEM when need * elem_size (or the doubled size)
 * does not fit in size_t, or when realloc fails; then *arrp and *cap are
 * unchanged and the array still belongs to the caller. */
int lmkv_kv__array_grow(void *arrp, size_t *cap, size_t need, size_t elem_size, size_t initial);

/* Type-checked form: ARR an lvalue of pointer type, CAP an lvalue of type
 * size_t. */
#define LMKV_ARRAY_GROW(arr, cap, need, initial) \
    lmkv_kv__array_grow(&(arr), &(cap), (need), sizeof *(arr), (initial))

/* As lmkv_kv__array_grow, for an array that starts in a caller-owned inline
 * buffer (a small-size optimisation): while *arrp == inline_buf (capacity
 * *cap elements, the first `used` of them in use, used <= *cap), growing
 * mallocs a heap array and copies those `used` elements into it, leaving
 * inline_buf alone; afterwards it reallocs as lmkv_kv__array_grow. The
 * caller frees *arrp only when it is not inline_buf. Returns 0, or
 * LMKV_ENOMEM (size overflow, allocation failure, or used > *cap while
 * inline) with *arrp and *cap unchanged. */
int lmkv_kv__array_grow_inline(void *arrp, size_t *cap, size_t need, size_t elem_size, size_t initial,
                               const void *inline_buf, size_t used);

/* Type-checked form of the inline variant. */
#define LMKV_ARRAY_GROW_INLINE(arr, cap, need, initial, inline_buf, used) \
    lmkv_kv__array_grow_inline(&(arr), &(cap), (need), sizeof *(arr), (initial), (inline_buf), (used))

#endif
