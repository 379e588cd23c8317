/*
 * lmkv_test_util.h -- shared test support for lmkv's cmocka programs.
 * Every test works in its own directory under $LMKV_TEST_TMP (set by
 * tests/run.sh), or under $TMPDIR//tmp when run by hand.
 */
#ifndef LMKV_TEST_UTIL_H
#define LMKV_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A fresh, empty directory "<base>/<tag>.XXXXXX" (malloc'd path; free it).
 * base = $LMKV_TEST_TMP, else $TMPDIR, else /tmp. Aborts on failure. */
char *lmkv_test_tmpdir(const char *tag);
/* Remove a directory tree (rm -rf). NULL is fine. */
void lmkv_test_rmtree(const char *path);
/* "<dir>/<name>" (malloc'd). */
char *lmkv_test_path(const char *dir, const char *name);
/* Deterministic PRNG (xorshift64*), for reproducible randomized tests. */
uint64_t lmkv_test_rand(uint64_t *state);
/* Seed from $LMKV_SEED if set (decimal or 0x-hex), else `dflt`. */
uint64_t lmkv_test_seed(uint64_t dflt);

#endif
