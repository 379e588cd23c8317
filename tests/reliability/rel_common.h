/*
 * rel_common.h -- helpers shared by the reliability campaigns
 * (tests/test_tools_rel_*.c). Header-only: static functions.
 *
 * Scale: every campaign reads LMKV_REL_SCALE (default 1 = the short version
 * that `make test` runs; tests/torture.sh sets larger values) and
 * LMKV_SEED (tests/util). Acknowledgements travel from child to parent as
 * fixed-size records (struct rel_msg) on a pipe: a write() of 24 bytes is
 * atomic (< PIPE_BUF), and whatever the child wrote before SIGKILL stays
 * readable in the pipe.
 */
#ifndef LMKV_REL_COMMON_H
#define LMKV_REL_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lmkv_kv.h"

#define REL_OK(x)                                                              \
    do {                                                                       \
        int rc_ = (x);                                                         \
        if (rc_ != 0)                                                          \
            fprintf(stderr, "%s:%d: %s: %d %s\n", __FILE__, __LINE__, #x, rc_, \
                    lmkv_errmsg());                                            \
        assert_int_equal(rc_, 0);                                              \
    } while (0)

static inline unsigned rel_scale(void)
{
    const char *s = getenv("LMKV_REL_SCALE");
    long v = s ? strtol(s, NULL, 10) : 1;
    return v > 0 ? (unsigned)v : 1;
}

static inline uint64_t rel_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void rel_sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* One acknowledgement record. kind: 'B' (begun) or 'A' (acknowledged:
 * the call returned LMKV_OK); op: what; n, m: op arguments. */
struct rel_msg {
    char kind, op;
    char pad[6];
    uint64_t n, m;
};

static inline void rel_send(int fd, char kind, char op, uint64_t n, uint64_t m)
{
    struct rel_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.kind = kind; msg.op = op; msg.n = n; msg.m = m;
    const char *p = (const char *)&msg;
    size_t left = sizeof msg;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(99);
        p += w; left -= (size_t)w;
    }
}

/* Growable array of messages read by the parent. */
struct rel_msgs {
    struct rel_msg *v;
    size_t n, cap;
    char partial[sizeof(struct rel_msg)];
    size_t npartial;
};

static inline void rel_msgs_feed(struct rel_msgs *ms, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ms->partial[ms->npartial++] = buf[i];
        if (ms->npartial == sizeof(struct rel_msg)) {
            if (ms->n == ms->cap) {
                ms->cap = ms->cap ? ms->cap * 2 : 256;
                ms->v = realloc(ms->v, ms->cap * sizeof *ms->v);
                if (!ms->v) abort();
            }
            memcpy(&ms->v[ms->n++], ms->partial, sizeof(struct rel_msg));
            ms->npartial = 0;
        }
    }
}

/* Read from fd until `deadline_ms` (monotonic) or EOF. Returns 1 at EOF. */
static inline int rel_msgs_read_until(struct rel_msgs *ms, int fd, uint64_t deadline_ms)
{
    char buf[4096];
    for (;;) {
        uint64_t now = rel_now_ms();
        int wait = deadline_ms == UINT64_MAX ? -1 : (now >= deadline_ms ? 0 : (int)(deadline_ms - now));
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, wait);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 1;
        rel_msgs_feed(ms, buf, (size_t)got);
    }
}

/* A forked child that reports on fd: wait (at most 30 s) for its first 'S'
 * message (its writers run), read on for delay_ms more, SIGKILL it, reap it
 * and read what it wrote before it died. Returns its wait status. */
static inline int rel_kill_after_start(struct rel_msgs *ms, pid_t pid, int fd, unsigned delay_ms)
{
    uint64_t end = rel_now_ms() + 30000;
    for (int seen = 0; !seen && rel_now_ms() < end;) {
        rel_msgs_read_until(ms, fd, rel_now_ms() + 10);
        for (size_t i = 0; i < ms->n && !seen; i++)
            seen = ms->v[i].op == 'S';
    }
    rel_msgs_read_until(ms, fd, rel_now_ms() + delay_ms);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    rel_msgs_read_until(ms, fd, UINT64_MAX);
    return st;
}

static inline void rel_msgs_free(struct rel_msgs *ms)
{
    free(ms->v);
    memset(ms, 0, sizeof *ms);
}

/* Run a command (argv, NULL-terminated) with stdout/stderr to `log` (may be
 * NULL = /dev/null); returns its exit status, or 128+signal. */
static inline int rel_run(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
        execvp(argv[0], argv);
        _exit(errno == ENOENT ? 127 : 126);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* `lmkv verify` on dir: returns its exit status (0 = no damage). */
static inline int rel_lmkv_verify(const char *dir, const char *log)
{
    const char *bin = getenv("LMKV_BIN");
    if (!bin) bin = "build/lmkv";
    char *argv[] = {(char *)bin, (char *)"--db", (char *)dir, (char *)"-q", (char *)"verify", NULL};
    /* 126/127: the binary could not be executed (e.g. being relinked in a
     * shared build tree): wait and retry, never count that as damage */
    int rc = 127;
    for (int i = 0; i < 50 && (rc = rel_run(argv, log)) >= 126 && rc <= 127; i++) rel_sleep_ms(200);
    return rc;
}

static inline void rel_print_log(const char *log)
{
    FILE *f = fopen(log, "r");
    if (!f) return;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f) && n++ < 30) fprintf(stderr, "  | %s", line);
    fclose(f);
}

/* Copy a file byte for byte (dst created 0600). 0 or -1. */
static inline int rel_copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY), out = -1, rc = -1;
    if (in < 0) return -1;
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) goto done;
    char buf[65536];
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) goto done;
        if (r == 0) break;
        if (write(out, buf, (size_t)r) != r) goto done;
    }
    rc = 0;
done:
    if (out >= 0) close(out);
    close(in);
    return rc;
}

#endif
