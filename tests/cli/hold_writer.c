/*
 * hold_writer -- test helper for tests/t_cli_concurrent.sh: plays a daemon
 * that holds LMDB's single write lock. It opens DB with lmkv, begins a write
 * transaction, inserts KEY -> VALUE into TREE, prints "holding" on stdout,
 * then keeps the transaction open until its standard input reaches EOF, and
 * commits (printing "committed"). Meanwhile other processes' readers must
 * neither block nor see the uncommitted value.
 * Usage: hold_writer DB TREE KEY VALUE. Exit 0 on success, 1 on any error.
 * Built by the test script itself against $LMKV_BUILD/liblmkv.a.
 */
#include "lmkv_kv.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: hold_writer DB TREE KEY VALUE\n"); return 1; }
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = argv[1];
    cfg.flush_every_ms = 0;
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_txn *txn = NULL;
    int rc = lmkv_db_open(&db, &cfg);
    if (rc == LMKV_OK) rc = lmkv_db_open_tree(&t, db, argv[2], strlen(argv[2]));
    if (rc == LMKV_OK) rc = lmkv_txn_begin(&txn, db, 0);
    if (rc == LMKV_OK) rc = lmkv_txn_insert(txn, t, argv[3], strlen(argv[3]), argv[4], strlen(argv[4]));
    if (rc != LMKV_OK) {
        fprintf(stderr, "hold_writer: %s\n", lmkv_errmsg());
        lmkv_txn_abort(txn);
        lmkv_tree_close(t);
        lmkv_db_close(db);
        return 1;
    }
    printf("holding\n");
    fflush(stdout);
    char buf[256];
    while (fread(buf, 1, sizeof buf, stdin) > 0) {}
    rc = lmkv_txn_commit(txn);
    if (rc == LMKV_OK) printf("committed\n");
    else fprintf(stderr, "hold_writer: commit: %s\n", lmkv_errmsg());
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return rc == LMKV_OK ? 0 : 1;
}
