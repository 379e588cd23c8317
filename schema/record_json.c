/*
 * record_json.c -- records to JSON (jansson), for `lmkv dump` and
 * `lmkv verify`. Rendering rules are in lmkv_schema.h
 * (lmkv_record_to_json); field names and order are the .fbs ones.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fb_int.h"

/* Valid UTF-8 without NUL (what jansson accepts as a string). */
static int utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == 0) return 0;
        if (c < 0x80) { i++; continue; }
        size_t k;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; }
        else return 0;
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

static char *base64(const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(4 * ((n + 2) / 3) + 1), *w = o;
    if (!o) return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        *w++ = tab[(v >> 18) & 63];
        *w++ = tab[(v >> 12) & 63];
        *w++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *w++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *w = 0;
    return o;
}

/* Field value -> json_t (NULL = omit). *oom set on allocation failure. */
static json_t *field_json(const fb_field *f, const uint8_t *r, char *keybuf, size_t keysz, int *oom)
{
    const void *c = r + f->coff;
    json_t *j = NULL;
    snprintf(keybuf, keysz, "%s", f->name);
    switch (f->type) {
    case FB_BOOL: { int v; memcpy(&v, c, sizeof v); return json_boolean(v); }
    case FB_ENUM8: {
        int v;
        memcpy(&v, c, sizeof v);
        const char *nm = f->enum_name ? f->enum_name(v) : NULL;
        j = nm ? json_string(nm) : json_integer(v);
        break;
    }
    case FB_I32: { int32_t v; memcpy(&v, c, sizeof v); j = json_integer(v); break; }
    case FB_U32: {
        uint32_t v;
        memcpy(&v, c, sizeof v);
        j = (f->flags & FB_F_OPT) && v == (uint32_t)f->def_i ? json_null() : json_integer(v);
        break;
    }
    case FB_I64: { int64_t v; memcpy(&v, c, sizeof v); j = json_integer(v); break; }
    case FB_U64: {
        uint64_t v;
        memcpy(&v, c, sizeof v);
        char tmp[24];
        if (f->flags & FB_F_HEX) {
            snprintf(tmp, sizeof tmp, "%016" PRIx64, v);
            j = json_string(tmp);
        } else if (v > INT64_MAX) {
            snprintf(tmp, sizeof tmp, "%" PRIu64, v);
            j = json_string(tmp);
        } else {
            j = json_integer((json_int_t)v);
        }
        break;
    }
    case FB_F32: {
        float v;
        memcpy(&v, c, sizeof v);
        /* JSON has no NaN/Infinity: those render as strings. */
        if (isnan(v)) j = json_string("nan");
        else if (isinf(v)) j = json_string(v < 0 ? "-inf" : "inf");
        else j = json_real(v);
        break;
    }
    case FB_STR: {
        const char *s;
        memcpy(&s, c, sizeof s);
        if (!s) return NULL;
        size_t n = strlen(s);
        if (utf8_ok((const uint8_t *)s, n)) {
            j = json_stringn_nocheck(s, n);
        } else {
            char *b64 = base64((const uint8_t *)s, n);
            if (!b64) { *oom = 1; return NULL; }
            snprintf(keybuf, keysz, "%s_base64", f->name);
            j = json_string(b64);
            free(b64);
        }
        break;
    }
    case FB_BYTES: {
        lmkv_ubytes v;
        memcpy(&v, c, sizeof v);
        if (!v.data) return NULL;
        if (utf8_ok(v.data, v.len)) {
            j = json_stringn_nocheck((const char *)v.data, v.len);
        } else {
            char *b64 = base64(v.data, v.len);
            if (!b64) { *oom = 1; return NULL; }
            snprintf(keybuf, keysz, "%s_base64", f->name);
            j = json_string(b64);
            free(b64);
        }
        break;
    }
    case FB_STRVEC: {
        lmkv_strvec v;
        memcpy(&v, c, sizeof v);
        if (!lmkv_strvec_present(&v)) return NULL;
        int all_utf8 = 1;
        for (uint32_t k = 0; k < v.count && all_utf8; k++) {
            const char *e = lmkv_strvec_get(&v, k);
            all_utf8 = utf8_ok((const uint8_t *)e, strlen(e));
        }
        if (!all_utf8) snprintf(keybuf, keysz, "%s_base64", f->name);
        j = json_array();
        for (uint32_t k = 0; j && k < v.count; k++) {
            const char *e = lmkv_strvec_get(&v, k);
            json_t *ej;
            if (all_utf8) {
                ej = json_string_nocheck(e);
            } else {
                char *b64 = base64((const uint8_t *)e, strlen(e));
                ej = b64 ? json_string(b64) : NULL;
                free(b64);
            }
            if (!ej || json_array_append_new(j, ej) != 0) {
                json_decref(j);
                j = NULL;
            }
        }
        break;
    }
    default: return NULL;
    }
    if (!j) *oom = 1;
    return j;
}

int lmkv_record_to_json(char **out, const void *buf, size_t len, unsigned flags)
{
    if (!out || !buf) return lmkv_error_set(LMKV_EINVAL, "lmkv_record_to_json: NULL argument");
    lmkv_record_type type;
    int rc = lmkv_record_type_of(&type, buf, len);
    if (rc) return rc;
    const fb_table *t = lmkv_schema__fb_table(type);
    /* The largest record struct, aligned for any member. */
    union {
        lmkv_workspace a; lmkv_file_version b; lmkv_symbol c; lmkv_reference d;
        lmkv_call e; lmkv_hierarchy f; lmkv_cache_entry g; lmkv_cache_stats h;
    } rec;
    rc = lmkv_schema__fb_read(t, &rec, buf, len, 1);
    if (rc) return rc;

    int oom = 0;
    char *s = NULL;
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "type", json_string(t->name)) != 0) { oom = 1; goto cleanup; }
    for (uint16_t i = 0; i < t->nfields && !oom; i++) {
        char key[64];
        json_t *v = field_json(&t->fields[i], (const uint8_t *)&rec, key, sizeof key, &oom);
        if (v && json_object_set_new(o, key, v) != 0) oom = 1;
    }
    if (oom) goto cleanup;
    s = json_dumps(o, JSON_PRESERVE_ORDER |
                          ((flags & LMKV_JSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT));
    if (!s) oom = 1;
cleanup:
    json_decref(o);
    if (oom) return lmkv_error_set(LMKV_ENOMEM, "record %s: out of memory rendering JSON", t->name);
    *out = s;
    return LMKV_OK;
}
