/*
 * tree_list.c -- the open trees of a db: one kv_tree_state per live tree
 * (user or system), shared by all its handles and subscribers, on the
 * db->trees list (under db->tree_mu), and its reference count.
 */
#include "kv_int.h"

#include <stdlib.h>
#include <string.h>

kv_tree_state *lmkv_kv__find_live(lmkv_db *db, const void *name, size_t n, bool system)
{
    for (kv_tree_state *s = db->trees; s; s = s->next)
        if (!s->dropped && s->system == system && s->name_size == n && (n == 0 || memcmp(s->name, name, n) == 0))
            return s;
    return NULL;
}

int lmkv_kv__state_new(kv_tree_state **out, lmkv_db *db, const void *name, size_t n, bool system,
                     MDB_dbi dbi, char *dbi_name)
{
    kv_tree_state *s = calloc(1, sizeof *s);
    if (!s || lmkv_kv__mem_dup(&s->name, name, n)) {
        free(s);
        free(dbi_name);
        return lmkv_error_set(LMKV_ENOMEM, "out of memory opening a tree");
    }
    s->db = db;
    s->name_size = n;
    s->system = system;
    s->dbi = dbi;
    s->dbi_name = dbi_name;
    s->refs = 1; /* the list's reference */
    s->next = db->trees;
    db->trees = s;
    *out = s;
    return 0;
}

void lmkv_kv__list_remove(lmkv_db *db, kv_tree_state *st)
{
    for (kv_tree_state **pp = &db->trees; *pp; pp = &(*pp)->next) {
        if (*pp == st) {
            *pp = st->next;
            st->next = NULL;
            return;
        }
    }
}

void lmkv_kv__state_free(kv_tree_state *st)
{
    free(st->name);
    free(st->dbi_name);
    free(st);
}

void lmkv_kv__tree_state_unref(kv_tree_state *st)
{
    lmkv_db *db = st->db;
    pthread_mutex_lock(&db->tree_mu);
    bool last = --st->refs == 0;
    pthread_mutex_unlock(&db->tree_mu);
    if (last)
        lmkv_kv__state_free(st);
}
