/* lmkv_test_kv.c -- see lmkv_test_kv.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/lmkv_test_kv.h"
#include "util/lmkv_test_util.h"

lmkv_db *lmkv_test_try_open(const char *dir, int durability, uint64_t map)
{
    lmkv_db *db;
    lmkv_config c;
    lmkv_config_init(&c);
    c.path = dir;
    c.flush_every_ms = 0;
    c.durability = durability;
    c.initial_map_size = map;
    if (lmkv_db_open(&db, &c)) {
        fprintf(stderr, "open %s: %s\n", dir, lmkv_errmsg());
        return NULL;
    }
    return db;
}

lmkv_db *lmkv_test_open(const char *dir, int durability, uint64_t map)
{
    lmkv_db *db = lmkv_test_try_open(dir, durability, map);
    assert_non_null(db);
    return db;
}

void lmkv_test_db_done(lmkv_db *db, char *dir)
{
    lmkv_db_close(db);
    lmkv_test_rmtree(dir);
    free(dir);
}

void lmkv_test_key(char *buf, int i) { snprintf(buf, 16, "k%06d", i); }

void lmkv_test_expect_event(lmkv_subscriber *s, int timeout_ms, int type, const char *k, const char *v)
{
    lmkv_event ev;
    int rc = lmkv_subscriber_next(&ev, s, timeout_ms);
    if (rc)
        fprintf(stderr, "expected event for %s: %d %s\n", k, rc, lmkv_errmsg());
    assert_int_equal(rc, 0);
    assert_int_equal(ev.type, type);
    assert_int_equal(ev.key.size, strlen(k));
    assert_memory_equal(ev.key.data, k, ev.key.size);
    if (v) {
        assert_non_null(ev.value.data);
        assert_int_equal(ev.value.size, strlen(v));
        assert_memory_equal(ev.value.data, v, ev.value.size);
    } else {
        assert_null(ev.value.data);
    }
    lmkv_event_clear(&ev);
}

void lmkv_test_expect_no_event(lmkv_subscriber *s)
{
    lmkv_event ev;
    assert_int_equal(lmkv_subscriber_next(&ev, s, 0), LMKV_NOTFOUND);
}

void lmkv_test_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

long lmkv_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
