/*
 * analysis.c -- the dispatcher: language table, selection by extension and
 * shebang, language filter, and the analyser callback (lmkv_analysis.h).
 */
#include "analysis_int.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One language. `run` NULL = its frontend is not built into this library
 * (the language is known, e.g. for listings, but selects no file). */
struct lang {
    const char *name;
    const char *exts;       /* space-separated, case-sensitive */
    const char *shebangs;   /* interpreters, space-separated   */
    const char *(*frontend_id)(const char *language);
    lmkv_analysis__run_fn run;
};

/* The table. The tree-sitter frontends (analysis/ts*.c) fill the rows of
 * their languages with lmkv_analysis__ts_frontend_id / lmkv_analysis__ts_run. */
static const struct lang langs[] = {
    {"c", "c h", "", lmkv_analysis__clang_frontend_id, lmkv_analysis__clang_run},
    {"cpp", "cc cpp cxx c++ C hh hpp hxx h++ H ipp tcc", "", lmkv_analysis__clang_frontend_id, lmkv_analysis__clang_run},
    {"rust", "rs", "", lmkv_analysis__ts_frontend_id, lmkv_analysis__ts_run},
    {"python", "py pyi pyw", "python pypy", lmkv_analysis__ts_frontend_id, lmkv_analysis__ts_run},
    {"go", "go", "", lmkv_analysis__ts_frontend_id, lmkv_analysis__ts_run},
    {"javascript", "js mjs cjs jsx", "node nodejs", lmkv_analysis__ts_frontend_id, lmkv_analysis__ts_run},
    {"typescript", "ts mts cts", "ts-node deno", lmkv_analysis__ts_frontend_id, lmkv_analysis__ts_run},
    {"tsx", "tsx", "", lmkv_analysis__ts_frontend_id, lmkv_analysis__ts_run},
    {"java", "java", "", lmkv_analysis__ts_frontend_id, lmkv_analysis__ts_run},
};
#define NLANGS (sizeof langs / sizeof langs[0])

struct lmkv_analyser {
    char *root;
    unsigned char selected[NLANGS];
    char *id;
    struct lmkv_analysis__ccdb *ccdb;
    struct lmkv_analysis__pch *pch;   /* shared PCHs (clang.c); NULL = off */
    struct lmkv_analysis__ts_cache *ts_cache;   /* tree-sitter reparses (ts.c) */
    /* Per-thread frontend state: a call takes a free slot (or makes one)
     * and gives it back, so concurrent calls never share a CXIndex; at most
     * as many slots as calls ever ran at once. Under lock, with stats. */
    pthread_mutex_t lock;
    struct an_slot { void *clang_state, *ts_state; } *slots;
    size_t nslots, nfree;
    struct lmkv_analyser_stats stats;
    volatile sig_atomic_t cancel;
};

static void stats_add(struct lmkv_analyser_stats *to, const struct lmkv_analyser_stats *d)
{
    to->files += d->files; to->failed += d->failed;
    to->symbols += d->symbols; to->calls += d->calls; to->references += d->references;
    to->diag_errors += d->diag_errors; to->diag_warnings += d->diag_warnings;
    to->files_with_errors += d->files_with_errors;
}

static int lang_built(size_t i) { return langs[i].run != NULL; }

/* WORD (LEN bytes) is one of the space-separated words of LIST. */
static int in_list(const char *list, const char *word, size_t len)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        if ((size_t)(e - p) == len && len && memcmp(p, word, len) == 0) return 1;
        p = e;
    }
    return 0;
}

static int lang_by_ext(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) return -1;   /* ".bashrc" has no extension */
    dot++;
    for (size_t i = 0; i < NLANGS; i++)
        if (in_list(langs[i].exts, dot, strlen(dot))) return (int)i;
    return -1;
}

/* "#!/usr/bin/env -S python3 -u" -> python; "#!/bin/node" -> node. */
static int lang_by_shebang(const char *head, size_t len)
{
    if (len < 3 || head[0] != '#' || head[1] != '!') return -1;
    size_t i = 2, n = len;
    for (size_t k = 2; k < len; k++) if (head[k] == '\n') { n = k; break; }
    int after_env = 0;
    while (i < n) {
        while (i < n && (head[i] == ' ' || head[i] == '\t')) i++;
        size_t s = i;
        while (i < n && head[i] != ' ' && head[i] != '\t' && head[i] != '\r') i++;
        if (i == s) break;
        const char *w = head + s;
        size_t wl = i - s;
        const char *sl = memrchr(w, '/', wl);
        if (sl) { wl -= (size_t)(sl + 1 - w); w = sl + 1; }
        if (after_env && w[0] == '-') continue;            /* env's options (-S, -i) */
        if (!after_env && wl == 3 && memcmp(w, "env", 3) == 0) { after_env = 1; continue; }
        while (wl && ((w[wl - 1] >= '0' && w[wl - 1] <= '9') || w[wl - 1] == '.')) wl--;
        for (size_t k = 0; k < NLANGS; k++)
            if (in_list(langs[k].shebangs, w, wl)) return (int)k;
        return -1;
    }
    return -1;
}

static int pick(const lmkv_analyser *an, const char *path, const void *head, size_t len)
{
    int l = lang_by_ext(path);
    if (l < 0 && head) l = lang_by_shebang(head, len);
    if (l < 0 || !an->selected[l] || !lang_built((size_t)l)) return -1;
    return l;
}

static const char *frontend_of(size_t i)
{
    if (!lang_built(i)) return NULL;
    return langs[i].frontend_id ? langs[i].frontend_id(langs[i].name) : langs[i].name;
}

int lmkv_analyser_new(lmkv_analyser **out, const struct lmkv_analyser_options *opts)
{
    int rc;
    if (!out) return lmkv_error_set(LMKV_EINVAL, "lmkv_analyser_new: NULL out");
    lmkv_analyser *an = calloc(1, sizeof *an);
    if (!an) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    pthread_mutex_init(&an->lock, NULL);
    size_t nl = opts ? opts->nlanguages : 0;
    if (nl && !opts->languages) { free(an); return lmkv_error_set(LMKV_EINVAL, "lmkv_analyser_new: nlanguages without languages"); }
    for (size_t i = 0; i < NLANGS; i++) an->selected[i] = nl == 0;
    for (size_t k = 0; k < nl; k++) {
        const char *w = opts->languages[k];
        size_t i;
        for (i = 0; i < NLANGS && (!w || strcmp(w, langs[i].name) != 0); i++) ;
        if (i == NLANGS) {
            char known[256] = "";
            for (size_t j = 0; j < NLANGS; j++) {
                strncat(known, j ? ", " : "", sizeof known - strlen(known) - 1);
                strncat(known, langs[j].name, sizeof known - strlen(known) - 1);
            }
            free(an);
            return lmkv_error_set(LMKV_EINVAL, "unknown language '%s' (known: %s)", w ? w : "(null)", known);
        }
        an->selected[i] = 1;
    }
    if (opts && opts->root && !(an->root = strdup(opts->root))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto fail; }
    if ((rc = lmkv_analysis__ts_cache_new(&an->ts_cache)) != LMKV_OK) goto fail;
    if (an->root && lang_built(0) && (rc = lmkv_analysis__ccdb_load(&an->ccdb, an->root)) != LMKV_OK) goto fail;
    if (lang_built(0) && (rc = lmkv_analysis__pch_new(&an->pch)) != LMKV_OK) goto fail;
    /* identity: module version + each selected, built language's frontend */
    size_t cap = 64, n;
    for (size_t i = 0; i < NLANGS; i++) {
        const char *f = an->selected[i] ? frontend_of(i) : NULL;
        if (f) cap += strlen(langs[i].name) + strlen(f) + 3;
    }
    if (!(an->id = malloc(cap))) { rc = lmkv_error_set(LMKV_ENOMEM, "out of memory"); goto fail; }
    n = (size_t)snprintf(an->id, cap, "lmkv-analysis 1");
    for (size_t i = 0; i < NLANGS; i++) {
        const char *f = an->selected[i] ? frontend_of(i) : NULL;
        if (f) n += (size_t)snprintf(an->id + n, cap - n, "; %s=%s", langs[i].name, f);
    }
    *out = an;
    return LMKV_OK;
fail:
    lmkv_analyser_free(an);
    return rc;
}

void lmkv_analyser_free(lmkv_analyser *an)
{
    if (!an) return;
    for (size_t i = 0; i < an->nslots; i++)
        if (an->slots[i].clang_state) lmkv_analysis__clang_state_free(an->slots[i].clang_state);
    free(an->slots);
    pthread_mutex_destroy(&an->lock);
    lmkv_analysis__pch_free(an->pch);
    lmkv_analysis__ccdb_free(an->ccdb);
    lmkv_analysis__ts_cache_free(an->ts_cache);
    free(an->root);
    free(an->id);
    free(an);
}

const char *lmkv_analyser_id(const lmkv_analyser *an) { return an ? an->id : NULL; }

const char *lmkv_analyser_language(const lmkv_analyser *an, const char *path, const void *head, size_t len)
{
    if (!an || !path) return NULL;
    int l = pick(an, path, head, len);
    return l < 0 ? NULL : langs[l].name;
}

int lmkv_analyser_filter(const char *path, void *ctx)
{
    const lmkv_analyser *an = ctx;
    if (!an || !path) return 0;
    int l = lang_by_ext(path);
    if (l >= 0) return an->selected[l] && lang_built((size_t)l);
    /* no known extension: a shebang? (only if some shebang language is on) */
    int any = 0;
    for (size_t i = 0; i < NLANGS; i++) any |= an->selected[i] && lang_built(i) && langs[i].shebangs[0];
    if (!any) return 0;
    char full[4096], head[256];
    int w = an->root ? snprintf(full, sizeof full, "%s/%s", an->root, path) : snprintf(full, sizeof full, "%s", path);
    if (w < 0 || (size_t)w >= sizeof full) return 0;
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return 0;
    ssize_t r = read(fd, head, sizeof head);
    close(fd);
    return r > 0 && pick(an, path, head, (size_t)r) >= 0;
}

int lmkv_analyser_analyse(lmkv_analysis *a, const char *path, const void *content, size_t len, void *ctx)
{
    lmkv_analyser *an = ctx;
    int rc;
    char msg[256];
    if (!an || !a || !path || (!content && len)) {
        lmkv_analysis_set_error(a, "lmkv_analyser_analyse: NULL argument");
        return lmkv_error_set(LMKV_EINVAL, "lmkv_analyser_analyse: NULL argument");
    }
    struct lmkv_analyser_stats st;
    memset(&st, 0, sizeof st);
    if (__atomic_load_n(&an->cancel, __ATOMIC_RELAXED)) { rc = LMKV_ECONFLICT; snprintf(msg, sizeof msg, "interrupted"); goto fail; }
    int l = pick(an, path, content, len < 256 ? len : 256);
    if (l < 0) { rc = LMKV_EUNSUPPORTED; snprintf(msg, sizeof msg, "no analyser for this file (extension or shebang not selected)"); goto fail; }
    if (len > LMKV_ANALYSIS_MAX_FILE_BYTES) {
        rc = LMKV_ETOOBIG;
        snprintf(msg, sizeof msg, "%zu bytes, over the analysis bound of %u bytes per file", len, LMKV_ANALYSIS_MAX_FILE_BYTES);
        goto fail;
    }
    if (memchr(content, '\0', len < 8192 ? len : 8192)) {
        rc = LMKV_EPARSE;
        snprintf(msg, sizeof msg, "binary content (a NUL byte in the first 8 KiB), not %s source", langs[l].name);
        goto fail;
    }
    if ((rc = lmkv_analysis_set_language(a, langs[l].name, frontend_of((size_t)l))) != LMKV_OK) {
        snprintf(msg, sizeof msg, "%s", lmkv_errmsg());
        goto fail;
    }
    struct an_slot slot = {0};
    pthread_mutex_lock(&an->lock);
    if (an->nfree) slot = an->slots[--an->nfree];
    pthread_mutex_unlock(&an->lock);
    struct lmkv_analysis__opts o = {
        .root = an->root, .ccdb = an->ccdb, .pch = an->pch, .clang_state = &slot.clang_state, .ts_state = &slot.ts_state,
        .ts_cache = an->ts_cache,
        .stats = &st, .cancel = &an->cancel};
    rc = langs[l].run(a, langs[l].name, path, content, len, &o);
    pthread_mutex_lock(&an->lock);
    if (an->nfree < an->nslots) {
        an->slots[an->nfree++] = slot;
    } else {
        struct an_slot *ns = realloc(an->slots, (an->nslots + 1) * sizeof *ns);
        if (ns) { an->slots = ns; an->nslots++; an->slots[an->nfree++] = slot; }
        else if (slot.clang_state) lmkv_analysis__clang_state_free(slot.clang_state);
    }
    pthread_mutex_unlock(&an->lock);
    if (rc == LMKV_OK && __atomic_load_n(&an->cancel, __ATOMIC_RELAXED)) { rc = LMKV_ECONFLICT; snprintf(msg, sizeof msg, "interrupted"); goto fail; }
    if (rc != LMKV_OK) { st.failed++; goto merge; }
    st.files++;
    goto merge;
fail:
    st.failed++;
    lmkv_analysis_set_error(a, msg);
    rc = lmkv_error_set(rc, "%s", msg);
merge:
    pthread_mutex_lock(&an->lock);
    stats_add(&an->stats, &st);
    pthread_mutex_unlock(&an->lock);
    return rc;
}

void lmkv_analyser_cancel(lmkv_analyser *an)
{
    if (an) __atomic_store_n(&an->cancel, 1, __ATOMIC_RELAXED);   /* lock-free: async-signal-safe */
}

void lmkv_analyser_stats(struct lmkv_analyser_stats *out, const lmkv_analyser *an)
{
    if (!out) return;
    if (!an) { memset(out, 0, sizeof *out); return; }
    pthread_mutex_lock(&((lmkv_analyser *)an)->lock);
    *out = an->stats;
    pthread_mutex_unlock(&((lmkv_analyser *)an)->lock);
}

int lmkv_analysis_language_at(struct lmkv_analysis_language_info *out, size_t i)
{
    if (!out) return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis_language_at: NULL out");
    if (i >= NLANGS) return LMKV_NOTFOUND;
    out->name = langs[i].name;
    out->extensions = langs[i].exts;
    out->shebangs = langs[i].shebangs;
    out->frontend = frontend_of(i);
    return LMKV_OK;
}
