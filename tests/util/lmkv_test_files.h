/*
 * lmkv_test_files.h -- file and fixture helpers for lmkv's cmocka programs
 * (tests/util/ is linked into every test program). The path helpers return
 * one of 8 static buffers used in turn: a result stays valid for the next 7
 * calls of the same helper. Failures fail the running cmocka test.
 */
#ifndef LMKV_TEST_FILES_H
#define LMKV_TEST_FILES_H

#include <jansson.h>
#include <stddef.h>

/* "$LMKV_FIXTURES/sled/<name><ext>" (LMKV_FIXTURES default: tests/fixtures). */
char *lmkv_test_sled_fixture(const char *name, const char *ext);
/* "$LMKV_TEST_TMP/<name>" (LMKV_TEST_TMP default: /tmp). */
char *lmkv_test_tmp(const char *name);
/* The whole file at path (malloc'd, with 64 spare bytes after the data; free
 * it); *len its size. */
unsigned char *lmkv_test_slurp(const char *path, size_t *len);
/* Create or truncate path and write n bytes. */
void lmkv_test_spit(const char *path, const void *p, size_t n);
/* Lower-case hex of p[0..n) into out (2n+1 bytes, NUL-terminated). */
void lmkv_test_hex(char *out, const void *p, size_t n);
/* Every line of a JSON Lines file, parsed, as a new JSON array. */
json_t *lmkv_test_load_jsonl(const char *path);

#endif
