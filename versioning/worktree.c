/*
 * worktree.c -- a workspace root seen through libgit2: HEAD, the index, the
 * worktree status, blob ids of worktree content; and the non-git walk.
 */
#include "versioning_int.h"
#include "kv_array_int.h"

#include <dirent.h>
#include <nettle/sha1.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ libgit2 init */

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static int git_init_rc;
static void git_init_once(void) { git_init_rc = git_libgit2_init(); }

static int vgit_init(void)
{
    pthread_once(&git_once, git_init_once);
    if (git_init_rc < 0) return lmkv_versioning__verr_git(git_init_rc, "git_libgit2_init");
    return LMKV_OK;
}

int lmkv_versioning__verr_git(int gitrc, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const git_error *e = git_error_last();
    if (gitrc == GIT_ENOTFOUND)
        return lmkv_error_set(LMKV_NOTFOUND, "%s: %s", what, e && e->message ? e->message : "not found");
    return lmkv_error_set(LMKV_EGIT, "%s: libgit2 error %d: %s", what, gitrc,
                e && e->message ? e->message : "(no message)");
}

static int vhexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
           c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Parsed here, not by git_oid_fromstr: callers in non-git workspaces (gc of
 * commits recorded earlier) run without libgit2 initialised. */
int lmkv_versioning__vhex_to_oid(git_oid *out, const char *hex)
{
    if (!hex || strlen(hex) != LMKV_OID_HEXLEN)
        return lmkv_error_set(LMKV_EINVAL, "bad git object id '%s'", hex ? hex : "(null)");
    for (int i = 0; i < 20; i++) {
        int hi = vhexval((unsigned char)hex[2 * i]), lo = vhexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return lmkv_error_set(LMKV_EINVAL, "bad git object id '%s'", hex);
        out->id[i] = (unsigned char)(hi << 4 | lo);
    }
    return LMKV_OK;
}

int lmkv_versioning__vpath_valid(const char *path)
{
    if (!path || !*path || path[0] == '/') return 0;
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0) return 0;
        if (len == 1 && p[0] == '.') return 0;
        if (len == 2 && p[0] == '.' && p[1] == '.') return 0;
        if (!slash) return 1;
        p = slash + 1;
    }
}

/* -------------------------------------------------------------- open/free */

/* Whether git_repository_open_ext(NO_SEARCH) could find a repository at
 * root: ROOT/.git (a directory or a gitlink file), or ROOT itself a git
 * directory (HEAD and objects/; bare, which lmkv then refuses). */
static int vmay_be_repo(const char *root)
{
    struct stat sb;
    size_t n = strlen(root);
    char p[PATH_MAX + 16];
    if (n + 16 > sizeof p) return 1;    /* let libgit2 decide */
    memcpy(p, root, n);
    memcpy(p + n, "/.git", 6);
    if (lstat(p, &sb) == 0) return 1;
    memcpy(p + n, "/HEAD", 6);
    if (lstat(p, &sb) != 0) return 0;
    memcpy(p + n, "/objects", 9);
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* libgit2 (>= 1.4.3) refuses a repository whose directory is not owned by
 * the current user unless git's safe.directory lists it: GIT_EOWNER, or
 * (libgit2 1.5.1 when no safe.directory is configured at all) GIT_ENOTFOUND
 * with "config value 'safe.directory' was not found". Either way the root
 * holds a .git that another user owns: say so instead of treating the root
 * as a plain directory. Returns LMKV_OK when g is not that refusal. */
static int vowner_refused(int g, const char *real)
{
    if (g != GIT_EOWNER && g != GIT_ENOTFOUND) return LMKV_OK;
    char p[PATH_MAX + 8];
    struct stat sb, rb;
    if ((size_t)snprintf(p, sizeof p, "%s/.git", real) >= sizeof p || lstat(p, &sb) != 0) return LMKV_OK;
    if (stat(real, &rb) != 0) rb = sb;
    uid_t me = geteuid();
    if (g == GIT_ENOTFOUND && sb.st_uid == me && rb.st_uid == me) return LMKV_OK;
    const git_error *e = git_error_last();
    return lmkv_error_set(LMKV_EGIT,
                          "git repository at '%s' is owned by uid %u, not by this user (uid %u): libgit2's owner "
                          "check refused it (%s); list it in git's safe.directory (git config --global --add "
                          "safe.directory %s) or open it as a plain directory (LMKV_WORKTREE_NO_GIT, "
                          "lmkv index --no-git)",
                          real, (unsigned)(rb.st_uid != me ? rb.st_uid : sb.st_uid), (unsigned)me,
                          e && e->message ? e->message : "no message", real);
}

int lmkv_worktree_open(lmkv_worktree **out, lmkv_store *st, const char *root, unsigned flags)
{
    int rc;
    lmkv_worktree *wt = NULL;
    char real[PATH_MAX];
    struct stat sb;

    if (!out || !st || !root || !*root)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_worktree_open: NULL argument");
    if (flags & ~(unsigned)LMKV_WORKTREE_NO_GIT)
        return lmkv_error_set(LMKV_EINVAL, "lmkv_worktree_open: unknown flags 0x%x", flags);
    if (!realpath(root, real)) {
        if (errno == ENOENT) return lmkv_error_set(LMKV_NOTFOUND, "workspace root '%s' does not exist", root);
        return lmkv_error_set(LMKV_EIO, "workspace root '%s': %s", root, strerror(errno));
    }
    if (stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return lmkv_error_set(LMKV_EINVAL, "workspace root '%s' is not a directory", real);

    wt = calloc(1, sizeof *wt);
    if (!wt || !(wt->root = strdup(real))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    wt->st = st;
    /* libgit2 is initialised only for a root that may be a repository
     * (git_libgit2_init parses the system's CA bundle: ~4.5 ms of every
     * process); without .git nor a git directory's HEAD it is not one. */
    if (!(flags & LMKV_WORKTREE_NO_GIT) && vmay_be_repo(real)) {
        if ((rc = vgit_init()) != LMKV_OK) goto cleanup;
        int g = git_repository_open_ext(&wt->repo, real, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
        if ((rc = vowner_refused(g, real)) != LMKV_OK) goto cleanup;
        if (g == GIT_ENOTFOUND) {
            wt->repo = NULL;            /* a non-git directory */
        } else if (g < 0) {
            rc = lmkv_versioning__verr_git(g, "opening git repository at '%s'", real);
            goto cleanup;
        } else if (git_repository_is_bare(wt->repo)) {
            rc = lmkv_error_set(LMKV_EINVAL, "'%s' is a bare repository (no worktree)", real);
            goto cleanup;
        } else {
            /* The root must be the repository's working directory itself. */
            const char *wd = git_repository_workdir(wt->repo);
            char wdreal[PATH_MAX];
            if (!wd || !realpath(wd, wdreal) || strcmp(wdreal, real) != 0) {
                git_repository_free(wt->repo);
                wt->repo = NULL;
            }
        }
    }
    if ((rc = lmkv_workspace_id(&wt->ws, wt->root)) != LMKV_OK) goto cleanup;
    *out = wt;
    wt = NULL;
    rc = LMKV_OK;
cleanup:
    lmkv_worktree_free(wt);
    return rc;
}

void lmkv_worktree_free(lmkv_worktree *wt)
{
    if (!wt) return;
    git_repository_free(wt->repo);
    free(wt->root);
    free(wt);
}

const char *lmkv_worktree_root(const lmkv_worktree *wt) { return wt ? wt->root : NULL; }
uint64_t lmkv_worktree_id(const lmkv_worktree *wt) { return wt ? wt->ws : 0; }
lmkv_store *lmkv_worktree_store(const lmkv_worktree *wt) { return wt ? wt->st : NULL; }
int lmkv_worktree_is_git(const lmkv_worktree *wt) { return wt && wt->repo ? 1 : 0; }

int lmkv_worktree_head(struct lmkv_head_info *out, lmkv_worktree *wt)
{
    int rc = LMKV_OK, g;
    git_reference *head = NULL;
    struct lmkv_head_info h;

    if (!out || !wt) return lmkv_error_set(LMKV_EINVAL, "lmkv_worktree_head: NULL argument");
    memset(&h, 0, sizeof h);
    if (!wt->repo) { *out = h; return LMKV_OK; }
    h.is_git = 1;
    g = git_repository_head_unborn(wt->repo);
    if (g < 0) { rc = lmkv_versioning__verr_git(g, "reading HEAD of '%s'", wt->root); goto cleanup; }
    if (g == 1) {
        h.unborn = 1;
        /* HEAD is a symbolic ref to a branch that does not exist yet. */
        g = git_reference_lookup(&head, wt->repo, "HEAD");
        if (g < 0) { rc = lmkv_versioning__verr_git(g, "reading HEAD of '%s'", wt->root); goto cleanup; }
        const char *target = git_reference_symbolic_target(head);
        if (target) {
            const char *b = strncmp(target, "refs/heads/", 11) == 0 ? target + 11 : target;
            snprintf(h.branch, sizeof h.branch, "%s", b);
        }
        *out = h;
        goto cleanup;
    }
    g = git_repository_head(&head, wt->repo);
    if (g < 0) { rc = lmkv_versioning__verr_git(g, "reading HEAD of '%s'", wt->root); goto cleanup; }
    {
        git_reference *resolved = NULL;
        g = git_reference_resolve(&resolved, head);
        if (g < 0) { rc = lmkv_versioning__verr_git(g, "resolving HEAD of '%s'", wt->root); goto cleanup; }
        git_oid_tostr(h.commit, sizeof h.commit, git_reference_target(resolved));
        git_reference_free(resolved);
    }
    g = git_repository_head_detached(wt->repo);
    if (g < 0) { rc = lmkv_versioning__verr_git(g, "reading HEAD of '%s'", wt->root); goto cleanup; }
    h.detached = g == 1;
    if (!h.detached && git_reference_is_branch(head))
        snprintf(h.branch, sizeof h.branch, "%s", git_reference_shorthand(head));
    *out = h;
cleanup:
    git_reference_free(head);
    return rc;
}

void lmkv_versioning__vhex20(char out[LMKV_OID_HEXSZ], const uint8_t id[20])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 20; i++) {
        out[2 * i] = hx[id[i] >> 4];
        out[2 * i + 1] = hx[id[i] & 15];
    }
    out[40] = '\0';
}

int lmkv_blob_id(char out[LMKV_OID_HEXSZ], const void *content, size_t len)
{
    if (!out || (!content && len)) return lmkv_error_set(LMKV_EINVAL, "lmkv_blob_id: NULL argument");
    /* git's object id: SHA-1 of "blob <decimal length>\0" and the bytes */
    char hdr[32];
    int hn = snprintf(hdr, sizeof hdr, "blob %zu", len);
    struct sha1_ctx s;
    uint8_t id[SHA1_DIGEST_SIZE];
    sha1_init(&s);
    sha1_update(&s, (size_t)hn + 1, (const uint8_t *)hdr);
    if (len) sha1_update(&s, len, content);
    sha1_digest(&s, sizeof id, id);
    lmkv_versioning__vhex20(out, id);
    return LMKV_OK;
}

/* ------------------------------------------------------------- selection */

static int vselect_in_scope(const struct vselect *sel, const char *path)
{
    if (!sel || !sel->paths || sel->npaths == 0) return 1;
    for (size_t i = 0; i < sel->npaths; i++) {
        const char *p = sel->paths[i];
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/') n--;
        if (n == 0 || (n == 1 && p[0] == '.')) return 1;
        if (strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/')) return 1;
    }
    return 0;
}

int lmkv_versioning__vselect_match(const struct vselect *sel, const char *path)
{
    if (!vselect_in_scope(sel, path)) return 0;
    if (sel && sel->filter && !sel->filter(path, sel->filter_ctx)) return 0;
    return 1;
}

/* ------------------------------------------------------------------ scan */

void lmkv_versioning__vscan_clear(struct vscan *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) { free(s->v[i].path); free(s->v[i].old_path); free(s->v[i].content); free(s->v[i].read_msg); }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static struct vfile *vscan_add(struct vscan *s, const char *path)
{
    if (s->n == s->cap && LMKV_ARRAY_GROW(s->v, s->cap, s->cap + 1, 256)) return NULL;
    struct vfile *f = &s->v[s->n];
    memset(f, 0, sizeof *f);
    if (!(f->path = strdup(path))) return NULL;
    s->n++;
    return f;
}

static int vfile_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vfile *)a)->path, ((const struct vfile *)b)->path);
}

struct vfile *lmkv_versioning__vscan_find(const struct vscan *s, const char *path)
{
    struct vfile key = {.path = (char *)path};
    return s->n ? bsearch(&key, s->v, s->n, sizeof *s->v, vfile_cmp) : NULL;
}

static char *vjoin(const char *root, const char *path)
{
    size_t a = strlen(root), b = strlen(path);
    char *s = malloc(a + b + 2);
    if (!s) return NULL;
    memcpy(s, root, a); s[a] = '/'; memcpy(s + a + 1, path, b + 1);
    return s;
}

int lmkv_versioning__vread_file(void **out, size_t *outlen, const lmkv_worktree *wt, const char *path,
               uint64_t max_bytes)
{
    int rc = LMKV_OK, fd = -1, err = 0;
    char *full = vjoin(wt->root, path);
    unsigned char *buf = NULL;
    struct stat st;
    size_t got = 0;

    if (!full) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        err = errno;
        rc = lmkv_error_set(err == ENOENT ? LMKV_NOTFOUND : LMKV_EIO, "reading '%s': %s", full, strerror(err));
        goto cleanup;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = lmkv_error_set(LMKV_EIO, "reading '%s': not a regular file", full);
        goto cleanup;
    }
    if (max_bytes && (uint64_t)st.st_size > max_bytes) {
        err = EFBIG;
        rc = lmkv_error_set(LMKV_ETOOBIG, "'%s' is %lld bytes, over the limit of %llu", full,
                  (long long)st.st_size, (unsigned long long)max_bytes);
        goto cleanup;
    }
    size_t cap = (size_t)st.st_size + 1;
    if (!(buf = malloc(cap))) { err = ENOMEM; rc = lmkv_error_set(LMKV_ENOMEM, "out of memory reading '%s'", full); goto cleanup; }
    for (;;) {
        if (LMKV_ARRAY_GROW(buf, cap, got + 1, 0)) {
            err = ENOMEM;
            rc = lmkv_error_set(LMKV_ENOMEM, "out of memory reading '%s'", full);
            goto cleanup;
        }
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            err = errno;
            rc = lmkv_error_set(LMKV_EIO, "reading '%s' at byte %zu: %s", full, got, strerror(err));
            goto cleanup;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    *out = buf; buf = NULL;
    *outlen = got;
cleanup:
    if (fd >= 0) close(fd);
    free(buf);
    free(full);
    errno = err;
    return rc;
}

void lmkv_versioning__vread_reason(char *m, size_t n, int rc, int err)
{
    if (rc == LMKV_NOTFOUND)
        snprintf(m, n, "reading: %s (removed after it was listed)", strerror(err ? err : ENOENT));
    else if (rc == LMKV_ETOOBIG)
        snprintf(m, n, "grew over max_file_bytes after it was listed");
    else if (err)
        snprintf(m, n, "reading: %s", strerror(err));
    else
        snprintf(m, n, "reading: not a regular file (replaced after it was listed)");
}

int lmkv_versioning__vplan_read_failed(struct vfile *f, int rc, int err)
{
    if (rc == LMKV_ENOMEM) return rc;
    char m[256];
    lmkv_versioning__vread_reason(m, sizeof m, rc, err);
    free(f->read_msg);
    if (!(f->read_msg = strdup(m))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    f->read_err = rc == LMKV_NOTFOUND ? LMKV_NOTFOUND : LMKV_EIO;
    f->blob[0] = '\0';
    return LMKV_OK;
}

/* Hash the file on disk as git's blob id; with keep, its bytes stay in
 * f->content for the run. A file that cannot be read is f's failure
 * (lmkv_versioning__vplan_read_failed), not the plan's: LMKV_OK with f->read_err set. */
static int vhash_disk_keep(struct vfile *f, const lmkv_worktree *wt, int keep)
{
    void *buf = NULL;
    size_t len = 0;
    int rc = lmkv_versioning__vread_file(&buf, &len, wt, f->path, 0);
    if (rc != LMKV_OK) return lmkv_versioning__vplan_read_failed(f, rc, errno);
    rc = lmkv_blob_id(f->blob, buf, len);
    if (rc == LMKV_OK && keep) {
        free(f->content);
        f->content = buf;
        f->content_len = len;
        buf = NULL;
    }
    free(buf);
    return rc;
}

static int vhash_disk(struct vfile *f, const lmkv_worktree *wt)
{
    return vhash_disk_keep(f, wt, 0);
}

static void vstat_fill(struct vfile *f, const struct stat *st)
{
    f->size = (uint64_t)st->st_size;
    f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* LMDB environment files are never workspace content (the database may
 * live inside the workspace, e.g. ./.lmkv). */
static int vskip_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strcmp(base, "data.mdb") == 0 || strcmp(base, "lock.mdb") == 0;
}

static unsigned vmap_status(unsigned s)
{
    unsigned r = 0;
    if (s & (GIT_STATUS_WT_MODIFIED | GIT_STATUS_INDEX_MODIFIED | GIT_STATUS_CONFLICTED)) r |= LMKV_WT_MODIFIED;
    if (s & GIT_STATUS_INDEX_NEW) r |= LMKV_WT_ADDED;
    if (s & GIT_STATUS_WT_NEW) r |= LMKV_WT_UNTRACKED;
    if (s & (GIT_STATUS_WT_DELETED | GIT_STATUS_INDEX_DELETED)) r |= LMKV_WT_DELETED;
    if (s & (GIT_STATUS_INDEX_RENAMED | GIT_STATUS_WT_RENAMED)) r |= LMKV_WT_RENAMED;
    if (s & (GIT_STATUS_INDEX_TYPECHANGE | GIT_STATUS_WT_TYPECHANGE)) r |= LMKV_WT_TYPECHANGE;
    return r;
}

/* A regular file found by the non-git walk. */
static int vwalk_add(struct vscan *s, const char *rel, const struct stat *st)
{
    struct vfile *f = vscan_add(s, rel);
    if (!f) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    f->present = 1;
    f->status = LMKV_WT_NOGIT;
    f->source = LMKV_SOURCE_LATEST;
    vstat_fill(f, st);
    f->need_hash = 1;       /* lmkv_versioning__vscan_hash_pending */
    return LMKV_OK;
}

/* Non-git: recursive walk, regular files only, no symlinks followed, .git
 * directories skipped. */
static int vwalk(struct vscan *s, const lmkv_worktree *wt, const struct vselect *sel, const char *rel)
{
    int rc = LMKV_OK;
    char *dirpath = rel[0] ? vjoin(wt->root, rel) : strdup(wt->root);
    DIR *d = NULL;
    struct dirent *de;

    if (!dirpath) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    if (!(d = opendir(dirpath))) {
        rc = lmkv_error_set(LMKV_EIO, "listing '%s': %s", dirpath, strerror(errno));
        goto cleanup;
    }
    while ((errno = 0, de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".git")) continue;
        char *childrel = rel[0] ? vjoin(rel, n) : strdup(n);
        if (!childrel) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        char *full = vjoin(wt->root, childrel);
        struct stat st;
        if (!full) { free(childrel); rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        if (lstat(full, &st) != 0) {
            rc = lmkv_error_set(LMKV_EIO, "stat '%s': %s", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = vwalk(s, wt, sel, childrel);
        } else if (S_ISREG(st.st_mode) && !vskip_name(childrel) && lmkv_versioning__vselect_match(sel, childrel)) {
            rc = vwalk_add(s, childrel, &st);
        }
        free(full);
        free(childrel);
        if (rc != LMKV_OK) goto cleanup;
    }
cleanup:
    if (d) closedir(d);
    free(dirpath);
    return rc;
}

/* Non-git with a path selection: visit the selected paths only (a file, or
 * a directory walked by vwalk), finding exactly what a walk from the root
 * would find under them, at the cost of the selection instead of the whole
 * workspace (a one-file re-index used to list and stat every file). As vwalk
 * never follows a symlink nor enters .git, every component of a selected
 * path must be a real directory other than .git; a path that does not exist
 * (deleted) adds nothing, and the plan finds it in the current map. */
static int vwalk_selected(struct vscan *s, const lmkv_worktree *wt, const struct vselect *sel)
{
    int rc = LMKV_OK;
    for (size_t i = 0; i < sel->npaths; i++) {
        const char *p = sel->paths[i];
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/') n--;
        if (n == 0 || (n == 1 && p[0] == '.')) return vwalk(s, wt, sel, "");
    }
    for (size_t i = 0; i < sel->npaths && rc == LMKV_OK; i++) {
        const char *p = sel->paths[i];
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/') n--;
        char *rel = strndup(p, n), *full = rel ? vjoin(wt->root, rel) : NULL;
        if (!rel || !full) { free(rel); free(full); return lmkv_error_set(LMKV_ENOMEM, "out of memory"); }
        size_t off = strlen(wt->root) + 1;      /* full + off = rel */
        struct stat st;
        int there = 1;
        for (char *c = full + off;;) {          /* each component, root first */
            char *slash = strchr(c, '/');
            size_t cl = slash ? (size_t)(slash - c) : strlen(c);
            if (cl == 4 && memcmp(c, ".git", 4) == 0) { there = 0; break; }
            if (slash) *slash = '\0';
            int e = lstat(full, &st) == 0 ? 0 : errno;
            if (e == ENOENT || e == ENOTDIR) { there = 0; break; }
            if (e) { rc = lmkv_error_set(LMKV_EIO, "stat '%s': %s", full, strerror(e)); break; }
            if (!slash) break;
            *slash = '/';
            if (!S_ISDIR(st.st_mode)) { there = 0; break; } /* a symlink or file on the way */
            c = slash + 1;
        }
        if (rc == LMKV_OK && there) {
            if (S_ISDIR(st.st_mode)) rc = vwalk(s, wt, sel, rel);
            else if (S_ISREG(st.st_mode) && !vskip_name(rel) && lmkv_versioning__vselect_match(sel, rel)) rc = vwalk_add(s, rel, &st);
        }
        free(full);
        free(rel);
    }
    return rc;
}

/* status entries keyed by path, for lookup while walking the index */
struct vstat_ent { const char *path; const char *old_path; unsigned status; };
static int vstat_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vstat_ent *)a)->path, ((const struct vstat_ent *)b)->path);
}

static int vscan_git(struct vscan *s, lmkv_worktree *wt, const struct vselect *sel)
{
    int rc = LMKV_OK, g;
    git_status_list *sl = NULL;
    git_index *idx = NULL;
    struct vstat_ent *ents = NULL;
    size_t nents = 0;
    git_status_options so;

    git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
    so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX |
               GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
    g = git_status_list_new(&sl, wt->repo, &so);
    if (g < 0) { rc = lmkv_versioning__verr_git(g, "git status of '%s'", wt->root); goto cleanup; }
    size_t n = git_status_list_entrycount(sl);
    ents = calloc(n ? n : 1, sizeof *ents);
    if (!ents) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
    for (size_t i = 0; i < n; i++) {
        const git_status_entry *e = git_status_byindex(sl, i);
        const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
        const char *path = NULL, *old = NULL;
        if (e->head_to_index && (e->status & GIT_STATUS_INDEX_RENAMED)) {
            path = e->head_to_index->new_file.path;
            old = e->head_to_index->old_file.path;
        } else if (d) {
            path = d->new_file.path ? d->new_file.path : d->old_file.path;
        }
        if (!path) continue;
        ents[nents].path = path;
        ents[nents].old_path = old;
        ents[nents].status = e->status;
        nents++;
    }
    qsort(ents, nents, sizeof *ents, vstat_cmp);

    g = git_repository_index(&idx, wt->repo);
    if (g < 0) { rc = lmkv_versioning__verr_git(g, "reading the git index of '%s'", wt->root); goto cleanup; }
    size_t ni = git_index_entrycount(idx);
    const char *prev = NULL;
    for (size_t i = 0; i < ni; i++) {
        const git_index_entry *ie = git_index_get_byindex(idx, i);
        if (prev && strcmp(prev, ie->path) == 0) continue;   /* conflict stages */
        prev = ie->path;
        if (ie->mode != GIT_FILEMODE_BLOB && ie->mode != GIT_FILEMODE_BLOB_EXECUTABLE) continue;
        if (vskip_name(ie->path) || !lmkv_versioning__vselect_match(sel, ie->path)) continue;
        struct vstat_ent key = { ie->path, NULL, 0 };
        struct vstat_ent *se = bsearch(&key, ents, nents, sizeof *ents, vstat_cmp);
        unsigned st = se ? se->status : 0;
        struct vfile *f = vscan_add(s, ie->path);
        if (!f) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        f->status = vmap_status(st);
        if (se && se->old_path && !(f->old_path = strdup(se->old_path))) {
            rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup;
        }
        if (st & GIT_STATUS_WT_DELETED) { f->present = 0; continue; }
        char *full = vjoin(wt->root, ie->path);
        struct stat sb;
        if (!full) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        int ok = lstat(full, &sb) == 0 && S_ISREG(sb.st_mode);
        free(full);
        if (!ok) { f->present = 0; f->status |= LMKV_WT_DELETED; continue; }
        f->present = 1;
        vstat_fill(f, &sb);
        if (st & (GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_CONFLICTED)) {
            if ((rc = vhash_disk(f, wt)) != LMKV_OK) goto cleanup;
        } else {
            git_oid_tostr(f->blob, sizeof f->blob, &ie->id);
        }
        f->source = (st & ~(unsigned)GIT_STATUS_IGNORED) == 0 ? LMKV_SOURCE_COMMIT : LMKV_SOURCE_LATEST;
    }
    /* Untracked files and tracked-in-HEAD files deleted from the index. */
    for (size_t i = 0; i < nents; i++) {
        const char *p = ents[i].path;
        unsigned st = ents[i].status;
        if (vskip_name(p) || !lmkv_versioning__vselect_match(sel, p)) continue;
        if (git_index_get_bypath(idx, p, 0)) continue;          /* done above */
        if (!(st & (GIT_STATUS_WT_NEW | GIT_STATUS_INDEX_DELETED))) continue;
        char *full = vjoin(wt->root, p);
        struct stat sb;
        if (!full) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        int ok = lstat(full, &sb) == 0 && S_ISREG(sb.st_mode);
        free(full);
        struct vfile *f = vscan_add(s, p);
        if (!f) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto cleanup; }
        f->status = vmap_status(st);
        if (!ok) { f->present = 0; f->status |= LMKV_WT_DELETED; continue; }
        if (st & GIT_STATUS_INDEX_DELETED) f->status |= LMKV_WT_UNTRACKED;
        f->present = 1;
        f->source = LMKV_SOURCE_LATEST;
        vstat_fill(f, &sb);
        if ((rc = vhash_disk(f, wt)) != LMKV_OK) goto cleanup;
    }
cleanup:
    free(ents);
    git_index_free(idx);
    git_status_list_free(sl);
    return rc;
}

int lmkv_versioning__vscan_worktree(struct vscan *out, struct lmkv_head_info *head, lmkv_worktree *wt,
                   const struct vselect *sel)
{
    int rc;
    struct vscan s = {0};
    if ((rc = lmkv_worktree_head(head, wt)) != LMKV_OK) return rc;
    rc = wt->repo ? vscan_git(&s, wt, sel)
         : sel && sel->paths && sel->npaths ? vwalk_selected(&s, wt, sel)
         : vwalk(&s, wt, sel, "");
    if (rc != LMKV_OK) { lmkv_versioning__vscan_clear(&s); return rc; }
    if (s.n) qsort(s.v, s.n, sizeof *s.v, vfile_cmp);
    /* A path may be listed twice (index entry + untracked after a
     * `git rm --cached`): keep the first, which is the index's. */
    size_t w = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (w > 0 && strcmp(s.v[w - 1].path, s.v[i].path) == 0) {
            free(s.v[i].path); free(s.v[i].old_path); free(s.v[i].content); free(s.v[i].read_msg);
            continue;
        }
        s.v[w++] = s.v[i];
    }
    s.n = w;
    *out = s;
    return LMKV_OK;
}

int lmkv_versioning__vscan_hash_pending(struct vscan *s, lmkv_worktree *wt, lmkv_store_txn *t,
                       const struct vcurmap *cur, int no_cache)
{
    int rc;
    size_t pending = 0;
    for (size_t i = 0; i < s->n; i++) pending += s->v[i].need_hash != 0;
    int keep = pending <= VKEEP_FILES; /* an edit: read each file once */
    for (size_t i = 0; i < s->n; i++) {
        struct vfile *f = &s->v[i];
        if (!f->need_hash) continue;
        struct vcur *c = (cur && !no_cache) ? lmkv_versioning__vcurmap_find(cur, f->path) : NULL;
        if (c && f->mtime_ns > 0) {
            lmkv_file_version fvr;
            rc = lmkv_store_file_version_get(&fvr, t, wt->ws, c->fv);
            if (rc != LMKV_OK && rc != LMKV_NOTFOUND) return rc;
            if (rc == LMKV_OK && fvr.git_blob_id && strlen(fvr.git_blob_id) == LMKV_OID_HEXLEN &&
                fvr.size_bytes == f->size && fvr.mtime_ns == f->mtime_ns &&
                f->mtime_ns < fvr.indexed_ns - 2000000000LL) {
                memcpy(f->blob, fvr.git_blob_id, LMKV_OID_HEXSZ);
                f->need_hash = 0;
                continue;
            }
        }
        if ((rc = vhash_disk_keep(f, wt, keep)) != LMKV_OK) return rc;
        f->need_hash = 0;
    }
    return LMKV_OK;
}
