/*
 * lmkv_schema.h -- typed FlatBuffers records for code intelligence and their
 * storage under composite keys with secondary indexes.
 *
 * This header is the schema module's only door and its specification.
 * It has two sections, owned by two authors working in parallel:
 *   1. RECORDS: the record types (schema/*.fbs), their C structs, builders,
 *      readers, verifier, stable ids and JSON rendering.
 *   2. STORE: where records live (system trees, key layouts in
 *      schema/KEYS.md), write sessions, lookups, the LSP response cache,
 *      verification of a whole database.
 */
#ifndef LMKV_SCHEMA_H
#define LMKV_SCHEMA_H

#include "lmkv_kv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===================== BEGIN RECORDS SECTION ===================== */
/* ====================== END RECORDS SECTION ====================== */

/* ====================== BEGIN STORE SECTION ====================== */
/* ======================= END STORE SECTION ======================= */

#ifdef __cplusplus
}
#endif
#endif /* LMKV_SCHEMA_H */
