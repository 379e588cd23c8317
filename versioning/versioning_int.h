/*
 * versioning_int.h -- private to versioning/: the worktree handle, the
 * worktree scan, the analysis sink and helpers over schema's store.
 */
#ifndef LMKV_VERSIONING_INT_H
#define LMKV_VERSIONING_INT_H

#include "lmkv_versioning.h"

#include <git2.h>
#include <stdarg.h>
#include <stdint.h>

struct lmkv_worktree {
    lmkv_store *st;
    char *root;                 /* canonical, no trailing '/'            */
    uint64_t ws;                /* workspace id                          */
    git_repository *repo;       /* NULL for a non-git workspace          */
};

/* Map the last libgit2 error to LMKV_EGIT with "what: libgit2 message". */
int lmkv_versioning__verr_git(int gitrc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* libgit2 is initialised once per process (refcounted by libgit2). */

/* ------------------------------------------------------------------ scan */

/* One file of the worktree (or one path git reports gone). */
struct vfile {
    char *path;
    char *old_path;             /* renamed from, or NULL                 */
    unsigned status;            /* lmkv_wt_status bits                   */
    int present;                /* 1: a regular file exists on disk      */
    int source;                 /* expected source: COMMIT or LATEST     */
    char blob[LMKV_OID_HEXSZ];  /* blob id of the worktree content       */
    uint64_t size;              /* bytes on disk                         */
    int64_t mtime_ns;
    uint64_t fv;                /* file-version id (filled by the caller) */
    int need_hash;              /* non-git: blob not computed yet        */
    void *content;              /* the bytes the plan hashed, kept for the
                                   run (small plans: VKEEP_FILES), or NULL */
    size_t content_len;
    int read_err;               /* the plan could not read it: LMKV_EIO or
                                   LMKV_NOTFOUND (vanished after listing);
                                   0 = read fine                          */
    char *read_msg;             /* then: why, without the path ("reading:
                                   Permission denied"), malloc'd          */
};

/* A plan hashing at most this many files keeps their bytes for the run,
 * which then neither reads nor hashes them again. */
#define VKEEP_FILES 16

struct vscan {
    struct vfile *v;
    size_t n, cap;
};

struct vselect {
    const char *const *paths;   /* prefixes; NULL = all                  */
    size_t npaths;
    lmkv_path_filter_fn filter;
    void *filter_ctx;
};

/* 1 when `path` is selected by paths/filter. */
int lmkv_versioning__vselect_match(const struct vselect *sel, const char *path);
/* 1 when `path` is inside the path prefixes of `sel` (filter ignored). */

/* Scan the worktree: every selected regular file present on disk with its
 * blob id and status, plus (present = 0) tracked paths git reports deleted.
 * Sorted by path. head is filled with HEAD as read at the scan. */
int lmkv_versioning__vscan_worktree(struct vscan *out, struct lmkv_head_info *head, lmkv_worktree *wt,
                   const struct vselect *sel);
void lmkv_versioning__vscan_clear(struct vscan *s);
/* Binary search by path; NULL if absent. */
struct vfile *lmkv_versioning__vscan_find(const struct vscan *s, const char *path);

/* Read a worktree file fully. *out malloc'd (free()). On failure errno
 * holds the cause (0: not a regular file). */
int lmkv_versioning__vread_file(void **out, size_t *outlen, const lmkv_worktree *wt, const char *path,
               uint64_t max_bytes);

/* A read failure of the plan (lmkv_versioning__vread_file's rc and errno) as f's failure:
 * f->read_err/read_msg set, LMKV_OK; LMKV_ENOMEM is returned as is. */
int lmkv_versioning__vplan_read_failed(struct vfile *f, int rc, int err);
/* The path-free reason of a lmkv_versioning__vread_file failure (rc, errno) into m[n]. */
void lmkv_versioning__vread_reason(char *m, size_t n, int rc, int err);

/* Hex <-> raw oid helpers. */
int lmkv_versioning__vhex_to_oid(git_oid *out, const char *hex);

/* Valid workspace-relative path: not empty, not absolute, no "." or ".."
 * components, no empty components. */
int lmkv_versioning__vpath_valid(const char *path);

/* -------------------------------------------------------------- analysis */

struct vsym {
    char *name, *qname, *signature, *parent;
    int kind;
    uint32_t line, column, end_line, end_column, flags;
};
struct vcall {
    char *caller, *callee;
    uint32_t line, column;
    int call_type, argument_count;
};
struct vref {
    char *name, *from;
    int kind;
    uint32_t line, column;
};
struct vhier {
    char *parent, *child;
    int kind;
};

struct lmkv_analysis {
    int active;                 /* 1 during the analyser call            */
    struct vsym *syms; size_t nsyms, capsyms;
    struct vcall *calls; size_t ncalls, capcalls;
    struct vref *refs; size_t nrefs, caprefs;
    struct vhier *hiers; size_t nhiers, caphiers;
    char *error;                /* lmkv_analysis_set_error                */
    char *language, *frontend;  /* lmkv_analysis_set_language, NULL = unset */
};

void lmkv_versioning__vanalysis_reset(lmkv_analysis *a);   /* free contents, keep struct  */

/* ---------------------------------------------------------- store helpers */

/* What versioning keeps in the Workspace record's metadata JSON:
 * {"analyser_id": "...", "commits": {"<hex>": indexed_ns, ...}} -- the
 * commits whose mappings were written (for gc). */
struct vmeta {
    int registered;             /* a Workspace record exists            */
    lmkv_workspace rec;         /* strings point into `buf` / strdup'ed  */
    char *analyser_id;          /* malloc'd, "" if none                  */
    struct vcommit { char hex[LMKV_OID_HEXSZ]; int64_t indexed_ns; } *commits;
    size_t ncommits;
    char *root, *name, *current_commit; /* owned copies of rec strings   */
};
void lmkv_versioning__vmeta_clear(struct vmeta *m);
int lmkv_versioning__vmeta_read(struct vmeta *out, lmkv_store_txn *t, const lmkv_worktree *wt);
int lmkv_versioning__vmeta_add_commit(struct vmeta *m, const char *hex, int64_t now_ns);
void lmkv_versioning__vmeta_del_commit(struct vmeta *m, const char *hex);
/* Write the Workspace record with metadata (is_git, current_commit set). */
int lmkv_versioning__vmeta_write(lmkv_store_session *s, const struct vmeta *m, const lmkv_worktree *wt,
                int64_t last_indexed_ns);

struct vcur {                   /* one current-map entry (owned copy)    */
    char *path;
    uint64_t fv;
    int source;
    char commit[LMKV_OID_HEXSZ];
};
struct vcurmap { struct vcur *v; size_t n, cap; };
void lmkv_versioning__vcurmap_clear(struct vcurmap *m);
int lmkv_versioning__vcurmap_read(struct vcurmap *out, lmkv_store_txn *t, uint64_t ws);
/* Only the entries a selection needs (sorted, as lmkv_versioning__vcurmap_read): with
 * files_only each path is one file (a point lookup each: an explicit plan);
 * else each path selects itself and everything under path/ (a prefix scan
 * each). No paths, or "" or "." among them = the whole map. The cost follows
 * the selection, not the workspace. */
int lmkv_versioning__vcurmap_read_paths(struct vcurmap *out, lmkv_store_txn *t, uint64_t ws,
                       const char *const *paths, size_t npaths, int files_only);
struct vcur *lmkv_versioning__vcurmap_find(const struct vcurmap *m, const char *path);


/* Run the analyser on content and store the version (one call of it). On
 * analyser failure *out_failed = 1 and the failure message is in *out_msg
 * (malloc'd); the session is untouched. */
int lmkv_versioning__vanalyse_and_put(int *out_failed, int *out_err, char **out_msg, lmkv_store_session *s,
                     const lmkv_worktree *wt, const char *path, const char *blob_hex,
                     uint64_t fv, const void *content, size_t len, int64_t mtime_ns,
                     lmkv_analyser_fn analyser, void *ctx, int64_t now_ns);
/* The two halves: analyse into *a (any thread; reset *a with
 * lmkv_versioning__vanalysis_reset after), then store it (the session's thread). */
int lmkv_versioning__vanalyse_only(lmkv_analysis *a, int *out_failed, int *out_err, char **out_msg, const char *path,
                  const void *content, size_t len, lmkv_analyser_fn analyser, void *ctx);
int lmkv_versioning__vput_analysed(int *out_failed, int *out_err, char **out_msg, lmkv_store_session *s,
                  const lmkv_worktree *wt, const char *path, const char *blob_hex,
                  uint64_t fv, const void *content, size_t len, int64_t mtime_ns,
                  lmkv_analysis *a, int64_t now_ns);

int64_t lmkv_versioning__vnow_ns(void);

/* Renamed and copied files (issue 5 point 3: content indexed once is never
 * analysed again): a stored version of the same content under another path
 * is stored again under the new one from its records (lmkv_store_copy_file),
 * when both paths have the same file-name extension (the part of the last
 * component after its last '.', "" if none) -- the analyser contract in
 * lmkv_versioning.h makes that exact. */
const char *lmkv_versioning__vext(const char *path);
int lmkv_versioning__vsame_ext(const char *a, const char *b);

/* A stored version of workspace wt with content blob_hex under a path other
 * than `path` with the same extension: *out_src = its fv (the first in fv
 * order), 0 if none. */
int lmkv_versioning__vfind_copy_source(uint64_t *out_src, lmkv_store_txn *t, const lmkv_worktree *wt,
                      const char *path, const char *blob_hex);

/* Store version fv of `path` as a copy of stored version src. *out_copied =
 * 1 when stored; 0 when src cannot be copied (gone meanwhile, damaged, or
 * records whose ids lmkv_store_copy_file cannot re-path): nothing written,
 * the session usable, the caller analyses the file instead. */
int lmkv_versioning__vcopy_version(int *out_copied, lmkv_store_session *s, const lmkv_worktree *wt,
                  const char *path, uint64_t fv, uint64_t src, int64_t mtime_ns, int64_t now_ns);

/* 20 bytes as 40 lowercase hex digits and a NUL. */
void lmkv_versioning__vhex20(char out[LMKV_OID_HEXSZ], const uint8_t id[20]);

/* Non-git scans defer hashing: fill the blob of every entry still needing
 * it, from the stored version of its current mapping when size and mtime
 * match it and the mtime is at least 2 s older than that version's index
 * time (git's stat-cache rule, racy window excluded), else by hashing the
 * bytes. no_cache = 1: always hash. */
int lmkv_versioning__vscan_hash_pending(struct vscan *s, lmkv_worktree *wt, lmkv_store_txn *t,
                       const struct vcurmap *cur, int no_cache);

#endif
