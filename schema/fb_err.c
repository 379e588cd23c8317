/*
 * fb_err.c -- the schema records' error messages go to kv's per-thread
 * message (lmkv_error_set / lmkv_errmsg), so callers read them with
 * lmkv_errmsg() like every other lmkv error. The helpers exist so the
 * records code has one place that formats its messages.
 */
#include <stdarg.h>
#include <stdio.h>

#include "fb_int.h"

int lmkv_fb_seterr(int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lmkv_error_set(code, "%s", msg);
}

const char *lmkv_fb_errmsg(void)
{
    return lmkv_errmsg();
}
