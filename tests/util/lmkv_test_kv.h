/*
 * lmkv_test_kv.h -- kv-level helpers shared by lmkv's cmocka programs
 * (tests/util/ is linked into every test program, and every module links
 * kv). Include after <cmocka.h>. Failures fail the running cmocka test,
 * except lmkv_test_try_open, which is safe in a forked child.
 */
#ifndef LMKV_TEST_KV_H
#define LMKV_TEST_KV_H

#include <stdint.h>
#include <stdio.h>

#include "lmkv_kv.h"

/* x must return LMKV_OK; otherwise print the call, its code and
 * lmkv_errmsg() to stderr, and fail the test. */
#define LMKV_TEST_OK(x)                                                        \
    do {                                                                       \
        int rc_ = (x);                                                         \
        if (rc_ != 0)                                                          \
            fprintf(stderr, "%s: %d %s\n", #x, rc_, lmkv_errmsg());            \
        assert_int_equal(rc_, 0);                                              \
    } while (0)

/* Open (creating) the database in dir with no background flusher
 * (flush_every_ms 0), the given durability (enum lmkv_durability) and
 * initial map size in bytes (0: the default). NULL, with "open <dir>: <why>"
 * on stderr, if it fails; for forked children, which must not fail a test. */
lmkv_db *lmkv_test_try_open(const char *dir, int durability, uint64_t map);
/* The same; a failure fails the test. */
lmkv_db *lmkv_test_open(const char *dir, int durability, uint64_t map);
/* Close db, remove its directory dir and free dir (the end of a test that
 * began with lmkv_test_tmpdir). */
void lmkv_test_db_done(lmkv_db *db, char *dir);
/* The key "k%06d" of i into buf (16 bytes at least). */
void lmkv_test_key(char *buf, int i);

/* The subscriber's next event (waiting timeout_ms at most) is of type with
 * key k and, if v is not NULL, value v; v NULL: the event has no value. */
void lmkv_test_expect_event(lmkv_subscriber *s, int timeout_ms, int type, const char *k, const char *v);
/* The subscriber has no event ready now. */
void lmkv_test_expect_no_event(lmkv_subscriber *s);

/* Sleep ms milliseconds (restarted after signals). */
void lmkv_test_sleep_ms(int ms);
/* CLOCK_MONOTONIC in milliseconds. */
long lmkv_test_now_ms(void);

#endif
