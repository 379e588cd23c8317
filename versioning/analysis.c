/*
 * analysis.c -- the sink an analyser fills with one file's records.
 */
#include "versioning_int.h"
#include "kv_array_int.h"

#include <stdlib.h>
#include <string.h>

#define VMAX_STR (64u * 1024u)

static int vdup(char **out, const char *s, const char *what, int required)
{
    *out = NULL;
    if (!s || !*s) {
        if (required) return lmkv_error_set(LMKV_EINVAL, "analysis record: %s is required", what);
        return LMKV_OK;
    }
    size_t n = strlen(s);
    if (n > VMAX_STR) return lmkv_error_set(LMKV_EINVAL, "analysis record: %s is %zu bytes (max %u)", what, n, VMAX_STR);
    if (!(*out = malloc(n + 1))) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    memcpy(*out, s, n + 1);
    return LMKV_OK;
}

static int vgrow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (lmkv_kv__array_grow(arr, cap, n + 1, elem, 16)) return lmkv_error_set(LMKV_ENOMEM, "out of memory");
    return LMKV_OK;
}

static int vactive(const lmkv_analysis *a, const void *rec)
{
    if (!a || !rec) return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis_add: NULL argument");
    if (!a->active) return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis_add: sink used outside its analyser call");
    return LMKV_OK;
}

int lmkv_analysis_add_symbol(lmkv_analysis *a, const struct lmkv_analysis_symbol *sym)
{
    int rc;
    struct vsym s;
    if ((rc = vactive(a, sym)) != LMKV_OK) return rc;
    if ((sym->kind < 1 || sym->kind > 26) && sym->kind != 255)
        return lmkv_error_set(LMKV_EINVAL, "analysis symbol '%s': kind %d not an LSP SymbolKind (1..26) nor Macro (255)",
                    sym->name ? sym->name : "", sym->kind);
    memset(&s, 0, sizeof s);
    if ((rc = vdup(&s.name, sym->name, "symbol name", 1)) != LMKV_OK ||
        (rc = vdup(&s.qname, sym->qualified_name ? sym->qualified_name : sym->name, "qualified name", 1)) != LMKV_OK ||
        (rc = vdup(&s.signature, sym->signature, "signature", 0)) != LMKV_OK ||
        (rc = vdup(&s.parent, sym->parent, "parent", 0)) != LMKV_OK ||
        (rc = vgrow((void **)&a->syms, &a->capsyms, a->nsyms, sizeof *a->syms)) != LMKV_OK)
        goto fail;
    s.kind = sym->kind;
    s.line = sym->line; s.column = sym->column;
    s.end_line = sym->end_line; s.end_column = sym->end_column;
    s.flags = sym->flags;
    a->syms[a->nsyms++] = s;
    return LMKV_OK;
fail:
    free(s.name); free(s.qname); free(s.signature); free(s.parent);
    return rc;
}

int lmkv_analysis_add_call(lmkv_analysis *a, const struct lmkv_analysis_call *call)
{
    int rc;
    struct vcall c;
    if ((rc = vactive(a, call)) != LMKV_OK) return rc;
    memset(&c, 0, sizeof c);
    if ((rc = vdup(&c.caller, call->caller, "caller", 1)) != LMKV_OK ||
        (rc = vdup(&c.callee, call->callee, "callee", 1)) != LMKV_OK ||
        (rc = vgrow((void **)&a->calls, &a->capcalls, a->ncalls, sizeof *a->calls)) != LMKV_OK)
        goto fail;
    if (call->call_type < 0 || call->call_type > 3) {
        rc = lmkv_error_set(LMKV_EINVAL, "analysis call %s -> %s: call_type %d not in 0..3",
                  call->caller, call->callee, call->call_type);
        goto fail;
    }
    c.line = call->line; c.column = call->column;
    c.call_type = call->call_type;
    c.argument_count = call->argument_count;
    a->calls[a->ncalls++] = c;
    return LMKV_OK;
fail:
    free(c.caller); free(c.callee);
    return rc;
}

int lmkv_analysis_add_reference(lmkv_analysis *a, const struct lmkv_analysis_reference *ref)
{
    int rc;
    struct vref r;
    if ((rc = vactive(a, ref)) != LMKV_OK) return rc;
    memset(&r, 0, sizeof r);
    if ((rc = vdup(&r.name, ref->name, "reference name", 1)) != LMKV_OK ||
        (rc = vdup(&r.from, ref->from, "reference from", 0)) != LMKV_OK ||
        (rc = vgrow((void **)&a->refs, &a->caprefs, a->nrefs, sizeof *a->refs)) != LMKV_OK)
        goto fail;
    if (ref->kind < 0 || ref->kind > 6) {
        rc = lmkv_error_set(LMKV_EINVAL, "analysis reference '%s': kind %d not in 0..6", ref->name, ref->kind);
        goto fail;
    }
    r.kind = ref->kind;
    r.line = ref->line; r.column = ref->column;
    a->refs[a->nrefs++] = r;
    return LMKV_OK;
fail:
    free(r.name); free(r.from);
    return rc;
}

int lmkv_analysis_add_hierarchy(lmkv_analysis *a, const struct lmkv_analysis_hierarchy *edge)
{
    int rc;
    struct vhier h;
    if ((rc = vactive(a, edge)) != LMKV_OK) return rc;
    memset(&h, 0, sizeof h);
    if ((rc = vdup(&h.parent, edge->parent, "hierarchy parent", 1)) != LMKV_OK ||
        (rc = vdup(&h.child, edge->child, "hierarchy child", 1)) != LMKV_OK ||
        (rc = vgrow((void **)&a->hiers, &a->caphiers, a->nhiers, sizeof *a->hiers)) != LMKV_OK)
        goto fail;
    if (edge->kind < 0 || edge->kind > 2) {
        rc = lmkv_error_set(LMKV_EINVAL, "analysis hierarchy %s -> %s: kind %d not in 0..2",
                  edge->parent, edge->child, edge->kind);
        goto fail;
    }
    h.kind = edge->kind;
    a->hiers[a->nhiers++] = h;
    return LMKV_OK;
fail:
    free(h.parent); free(h.child);
    return rc;
}

void lmkv_analysis_set_error(lmkv_analysis *a, const char *message)
{
    if (!a || !message) return;
    size_t n = strlen(message);
    if (n > 1024) n = 1024;
    char *m = malloc(n + 1);
    if (!m) return;
    memcpy(m, message, n);
    m[n] = '\0';
    for (char *p = m; *p; p++) if (*p == '\n' || *p == '\r') *p = ' ';
    free(a->error);
    a->error = m;
}

int lmkv_analysis_set_language(lmkv_analysis *a, const char *language, const char *frontend)
{
    int rc;
    char *l = NULL, *f = NULL;
    if (!a) return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis_set_language: NULL sink");
    if (!a->active) return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis_set_language: sink used outside its analyser call");
    if (language) {
        for (const char *p = language; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' || *p == '#' || *p == '-' || *p == '_'))
                return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis_set_language: language '%s' is not a lowercase name", language);
        if (strlen(language) > 64) return lmkv_error_set(LMKV_EINVAL, "lmkv_analysis_set_language: language over 64 bytes");
    }
    if ((rc = vdup(&l, language, "language", 0)) != LMKV_OK) return rc;
    if ((rc = vdup(&f, frontend, "frontend", 0)) != LMKV_OK) { free(l); return rc; }
    free(a->language); free(a->frontend);
    a->language = l; a->frontend = f;
    return LMKV_OK;
}

void lmkv_versioning__vanalysis_reset(lmkv_analysis *a)
{
    if (!a) return;
    free(a->language); free(a->frontend);
    for (size_t i = 0; i < a->nsyms; i++) {
        free(a->syms[i].name); free(a->syms[i].qname);
        free(a->syms[i].signature); free(a->syms[i].parent);
    }
    for (size_t i = 0; i < a->ncalls; i++) { free(a->calls[i].caller); free(a->calls[i].callee); }
    for (size_t i = 0; i < a->nrefs; i++) { free(a->refs[i].name); free(a->refs[i].from); }
    for (size_t i = 0; i < a->nhiers; i++) { free(a->hiers[i].parent); free(a->hiers[i].child); }
    free(a->syms); free(a->calls); free(a->refs); free(a->hiers);
    free(a->error);
    memset(a, 0, sizeof *a);
}
