/*
 * fb_err.c -- the schema module's error messages.
 *
 * Sets the calling thread's message for the last failed records call. The
 * kv layer owns lmkv_errmsg(); until it exports a setter to the modules
 * above it, the message is kept here and lmkv_fb_errmsg() returns it (this
 * is the single place to switch over).
 */
#include <stdarg.h>
#include <stdio.h>

#include "fb_int.h"

static _Thread_local char fb_msg[512];

int lmkv_fb_seterr(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fb_msg, sizeof fb_msg, fmt, ap);
    va_end(ap);
    return code;
}

const char *lmkv_fb_errmsg(void)
{
    return fb_msg;
}
