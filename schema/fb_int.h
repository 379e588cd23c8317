/*
 * fb_int.h -- lmkv's small FlatBuffers runtime (private to schema/).
 *
 * Every record table is described by a table of field descriptors
 * (schema/records.c); one generic builder (fb_builder.c), verifier/reader
 * (fb_verify.c) and JSON renderer (record_json.c) work from them. A
 * descriptor's field index is its FlatBuffers field id (vtable slot), so the
 * descriptor arrays must list the fields exactly in .fbs order, and new
 * fields are appended only.
 *
 * Wire format written (FlatBuffers binary format, little-endian), for a
 * table with file_identifier:
 *
 *   offset          size  content
 *   0               4     uoffset_t root: table position (forward)
 *   4               4     file_identifier ("LKSY", ...)
 *   8               4+2n  vtable: u16 vtable size (4 + 2n), u16 table inline
 *                         size, then n u16 field offsets (0 = absent); n is
 *                         1 + the highest present field id
 *   T (aligned 4,   ...   table: i32 soffset (T - vtable position, > 0), then
 *   T+4 aligned 8         present scalar/offset fields sorted by size 8, 4, 1
 *   if the table            (each aligned to its size relative to offset 0)
 *   has 8-byte fields)
 *   after the table ...   out-of-line objects in field order, each aligned
 *                         to 4: string = u32 length, bytes, NUL, padding;
 *                         [ubyte] = u32 length, bytes; [string] = u32 count,
 *                         count uoffsets, then the strings.
 *
 * Readers accept any valid FlatBuffers layout (e.g. flatc's back-to-front
 * builders' output: vtable after the table, negative soffset, shared
 * vtables), not only this one.
 */
#ifndef LMKV_FB_INT_H
#define LMKV_FB_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lmkv_schema.h"

/* Wire/C field types. */
typedef enum fb_type {
    FB_BOOL = 1,   /* C int (0/1)            <-> bool (1 byte) */
    FB_ENUM8,      /* C enum (int-sized)     <-> ubyte enum */
    FB_I32,        /* int32_t                <-> int */
    FB_U32,        /* uint32_t               <-> uint */
    FB_I64,        /* int64_t                <-> long */
    FB_U64,        /* uint64_t               <-> ulong */
    FB_F32,        /* float                  <-> float */
    FB_STR,        /* const char *           <-> string */
    FB_BYTES,      /* lmkv_ubytes             <-> [ubyte] */
    FB_STRVEC      /* lmkv_strvec            <-> [string] */
} fb_type;

/* Field flags. */
#define FB_F_HEX 0x1u /* render a u64 as 16 hex digits (ids, hashes) */
/* An optional scalar (`= null` in the .fbs): def_i is the C value meaning
 * "absent" (LMKV_POSITION_NONE), which the builder omits and an absent field
 * reads as (so every other value, the .fbs default 0 included, is written);
 * rendered as JSON null. */
#define FB_F_OPT 0x2u

typedef struct fb_field {
    const char *name;          /* .fbs field name */
    uint8_t type;              /* fb_type */
    uint8_t flags;             /* FB_F_* */
    uint16_t coff;             /* offsetof() in the C struct */
    int64_t def_i;             /* default of an integer/bool/enum field */
    double def_f;              /* default of a float field */
    const char *(*enum_name)(int); /* FB_ENUM8: value -> name (or NULL) */
} fb_field;

typedef struct fb_table {
    const char *name;          /* .fbs table name */
    char ident[5];             /* file_identifier */
    lmkv_record_type type;
    size_t csize;              /* sizeof the C struct */
    const fb_field *fields;
    uint16_t nfields;
} fb_table;

/* records.c: the descriptor of a record type, NULL if unknown. */
const fb_table *lmkv_schema__fb_table(lmkv_record_type type);

/* Generic engine (descriptor-driven), used by the public functions and by
 * the tests (which also pass truncated descriptors to test evolution). */
void lmkv_schema__fb_init(const fb_table *t, void *rec);
int lmkv_schema__fb_build(lmkv_fbb *b, const fb_table *t, const void *rec,
                  const uint8_t **out, size_t *outlen);
/* Verify buf against t; the file_identifier is checked iff check_ident. */
int lmkv_schema__fb_verify(const fb_table *t, const void *buf, size_t len, int check_ident);
/* Verify, then fill rec (defaults first). */
int lmkv_schema__fb_read(const fb_table *t, void *rec, const void *buf, size_t len, int check_ident);

/* Maximum nesting depth the verifier follows (table=1, vector=2, string=3). */
#define FB_MAX_DEPTH 8

/* Little-endian loads/stores at any alignment. */
static inline uint16_t fb_ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t fb_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t fb_ld64(const uint8_t *p) { return (uint64_t)fb_ld32(p) | ((uint64_t)fb_ld32(p + 4) << 32); }
static inline void fb_st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void fb_st32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void fb_st64(uint8_t *p, uint64_t v) { fb_st32(p, (uint32_t)v); fb_st32(p + 4, (uint32_t)(v >> 32)); }

/* Wire size of a field's inline part (scalars; 4 for offsets). */
static inline size_t fb_wsize(uint8_t type)
{
    switch (type) {
    case FB_BOOL: case FB_ENUM8: return 1;
    case FB_I64: case FB_U64: return 8;
    default: return 4;
    }
}
static inline int fb_is_ref(uint8_t type) { return type == FB_STR || type == FB_BYTES || type == FB_STRVEC; }

/* Errors: kv's lmkv_error_set() / lmkv_errmsg(). */

#endif /* LMKV_FB_INT_H */
