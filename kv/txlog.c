/*
 * txlog.c -- the write log of an explicit transaction (lmkv_txn_begin,
 * lmkv_db_transaction): every put, delete, clear and tree creation, kept so
 * that txn.c can replay them into a fresh LMDB txn after map growth
 * (MDB_MAP_FULL). Internal writes (tx->internal) log nothing: they rerun.
 * Bounded by LOG_MAX_BYTES; past it the txn is marked log_overflow and a
 * map-full failure cannot be replayed (the caller reruns).
 */
#include "kv_int.h"
#include "kv_array_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Append n bytes to the log arena; *off = where they start. */
static int log_bytes_add(lmkv_txn *tx, const void *p, size_t n, size_t *off)
{
    /* at least one byte, so the arena exists once anything was logged */
    if (n > SIZE_MAX - tx->logb_len || LMKV_ARRAY_GROW(tx->logb, tx->logb_cap, tx->logb_len + (n ? n : 1), 4096))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory logging a write");
    *off = tx->logb_len;
    if (n)
        memcpy(tx->logb + tx->logb_len, p, n);
    tx->logb_len += n;
    return 0;
}

int lmkv_kv__log_op(lmkv_txn *tx, int op, kv_tree_state *st, const void *k, size_t kn, const void *v, size_t vn)
{
    if (tx->internal || tx->log_overflow)
        return 0;
    if (tx->log_bytes + kn + vn > LOG_MAX_BYTES) {
        tx->log_overflow = true;
        return 0;
    }
    if (tx->nlog == tx->caplog && LMKV_ARRAY_GROW(tx->log, tx->caplog, tx->caplog + 1, 16))
        return lmkv_error_set(LMKV_ENOMEM, "out of memory logging a write");
    kv_op *o = &tx->log[tx->nlog];
    memset(o, 0, sizeof *o);
    o->op = op;
    o->st = st;
    if (op == KV_OP_PUT || op == KV_OP_PUT_APPEND || op == KV_OP_DEL) {
        if (log_bytes_add(tx, k, kn, &o->key_off))
            return LMKV_ENOMEM;
        o->key_size = kn;
    }
    if (op == KV_OP_PUT || op == KV_OP_PUT_APPEND) {
        if (log_bytes_add(tx, v, vn, &o->val_off))
            return LMKV_ENOMEM;
        o->val_size = vn;
    }
    tx->log_bytes += kn + vn + 64;
    tx->nlog++;
    return 0;
}

void lmkv_kv__log_free(lmkv_txn *tx)
{
    free(tx->log);
    free(tx->logb);
    tx->log = NULL;
    tx->logb = NULL;
    tx->nlog = tx->caplog = 0;
    tx->logb_len = tx->logb_cap = 0;
}


int lmkv_kv__txn_log_create(lmkv_txn *tx, kv_tree_state *st)
{
    return lmkv_kv__log_op(tx, KV_OP_CREATE_TREE, st, NULL, 0, NULL, 0);
}
