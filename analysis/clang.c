/*
 * clang.c -- the C and C++ frontend on libclang 14 (lmkv_analysis.h).
 */
#include "analysis_int.h"

#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct lmkv_analysis__ccdb {
    CXCompilationDatabase db;
    char *dir;              /* directory holding compile_commands.json */
};

int lmkv_analysis__ccdb_load(struct lmkv_analysis__ccdb **out, const char *root)
{
    static const char *const where[] = {"", "/build"};
    *out = NULL;
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        char dir[4096], file[4200];
        struct stat sb;
        snprintf(dir, sizeof dir, "%s%s", root, where[i]);
        snprintf(file, sizeof file, "%s/compile_commands.json", dir);
        if (stat(file, &sb) != 0) continue;
        FILE *f = fopen(file, "r");
        if (!f) return lmkv_error_set(LMKV_EIO, "%s: cannot be read", file);
        fclose(f);
        CXCompilationDatabase_Error err = CXCompilationDatabase_NoError;
        CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(dir, &err);
        if (err != CXCompilationDatabase_NoError || !db) {
            if (db) clang_CompilationDatabase_dispose(db);
            return lmkv_error_set(LMKV_EPARSE, "%s: not a compile database (a JSON array of "
                                  "{directory, file, command|arguments})", file);
        }
        struct lmkv_analysis__ccdb *c = calloc(1, sizeof *c);
        if (!c || !(c->dir = strdup(dir))) { free(c); clang_CompilationDatabase_dispose(db); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
        c->db = db;
        *out = c;
        return LMKV_OK;
    }
    return LMKV_OK;
}

void lmkv_analysis__ccdb_free(struct lmkv_analysis__ccdb *db)
{
    if (!db) return;
    clang_CompilationDatabase_dispose(db->db);
    free(db->dir);
    free(db);
}

void lmkv_analysis__clang_state_free(void *state)
{
    if (state) clang_disposeIndex((CXIndex)state);
}
