/*
 * push.c -- lmkv push (a workspace's current state to PostgreSQL, COPY in
 * one transaction, incremental) and the graph queries on the server
 * (recursive CTEs). Specification: push/lmkv_push.h; server schema:
 * docs/postgres.md.
 */
#include "lmkv_push.h"
#include "kv_array_int.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lmkv_pg {
    PGconn *conn;
    char label[512];
    int version;
    PGresult *res;             /* rows the current query result points into */
    lmkv_graph_item *items;
    size_t nitems, cap;
    size_t *group_start;
    size_t ngroups, gcap;
};

/* File-version and symbol ids are unsigned 64-bit; PostgreSQL's bigint is
 * signed. They are stored with the top bit flipped so that bigint order is
 * the ids' unsigned (and LMDB key) order, which the local queries use. */
static int64_t to_db(uint64_t v) { return (int64_t)(v ^ 0x8000000000000000ULL); }
static uint64_t from_db(int64_t v) { return (uint64_t)v ^ 0x8000000000000000ULL; }

/* One line of libpq's message (it may hold several lines and a trailing
 * newline); never holds a password: libpq does not echo it. */
static const char *one_line(char *buf, size_t n, const char *msg)
{
    snprintf(buf, n, "%s", msg && *msg ? msg : "unknown error");
    size_t w = 0;
    for (size_t i = 0; buf[i]; i++) {
        char c = buf[i];
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        if (c == ' ' && (w == 0 || buf[w - 1] == ' ')) continue;
        buf[w++] = c;
    }
    while (w && buf[w - 1] == ' ') w--;
    buf[w] = 0;
    return buf;
}

static int pg_fail(lmkv_pg *pg, const char *what)
{
    char m[1024];
    int code = LMKV_EIO;
    if (PQstatus(pg->conn) == CONNECTION_BAD)
        return lmkv_error_set(code, "%s on %s: connection lost: %s", what, pg->label,
                              one_line(m, sizeof m, PQerrorMessage(pg->conn)));
    return lmkv_error_set(code, "%s on %s: %s", what, pg->label, one_line(m, sizeof m, PQerrorMessage(pg->conn)));
}

static int res_fail(lmkv_pg *pg, PGresult *r, const char *what)
{
    char m[1024];
    const char *e = r ? PQresultErrorMessage(r) : NULL;
    if (!e || !*e) e = PQerrorMessage(pg->conn);
    int rc = lmkv_error_set(LMKV_EIO, "%s on %s: %s%s", what, pg->label,
                            PQstatus(pg->conn) == CONNECTION_BAD ? "connection lost: " : "",
                            one_line(m, sizeof m, e));
    PQclear(r);
    return rc;
}

/* Run SQL with text parameters; *out (may be NULL) gets the result. */
static int q(lmkv_pg *pg, PGresult **out, const char *what, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(pg->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return res_fail(pg, r, what);
    if (out) *out = r; else PQclear(r);
    return LMKV_OK;
}
/* A statement whose result is one row of one bigint (INSERT ... RETURNING
 * a key): *out = that value. */
static int q_key(lmkv_pg *pg, int64_t *out, const char *what, const char *sql, int n, const char *const *params)
{
    PGresult *r = NULL;
    int rc = q(pg, &r, what, sql, n, params);
    if (rc != LMKV_OK) return rc;
    *out = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return LMKV_OK;
}
/* SQL without parameters (may hold several statements: the migrations) */
static int q0(lmkv_pg *pg, const char *what, const char *sql)
{
    PGresult *r = PQexec(pg->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return res_fail(pg, r, what);
    PQclear(r);
    return LMKV_OK;
}
static void rollback(lmkv_pg *pg)
{
    if (PQstatus(pg->conn) == CONNECTION_OK && PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
        PQclear(PQexec(pg->conn, "ROLLBACK"));
}

/* ------------------------------------------------------------- schema */
/* Migrations: MIGRATIONS[i] brings the schema from version i to i + 1.
 * Text columns are COLLATE "C": byte order, as LMDB's keys and graph's
 * strcmp ordering. Documented in docs/postgres.md. */
static const char *const MIGRATIONS[LMKV_PG_SCHEMA_VERSION] = {
    /* 0 -> 1 */
    "CREATE TABLE lmkv.workspace ("
    "  ws_key bigserial PRIMARY KEY,"
    "  machine text COLLATE \"C\" NOT NULL,"
    "  root text COLLATE \"C\" NOT NULL,"
    "  local_id bigint NOT NULL,"
    "  head_commit text,"
    "  pushes bigint NOT NULL DEFAULT 0,"
    "  pushed_at timestamptz,"
    "  UNIQUE (machine, root));"
    "CREATE TABLE lmkv.push ("
    "  push_id bigserial PRIMARY KEY,"
    "  ws_key bigint NOT NULL REFERENCES lmkv.workspace ON DELETE CASCADE,"
    "  pushed_at timestamptz NOT NULL DEFAULT now(),"
    "  head_commit text,"
    "  files_sent bigint NOT NULL, files_deleted bigint NOT NULL,"
    "  symbols bigint NOT NULL, calls bigint NOT NULL, refs bigint NOT NULL);"
    "CREATE TABLE lmkv.file ("
    "  ws_key bigint NOT NULL REFERENCES lmkv.workspace ON DELETE CASCADE,"
    "  path text COLLATE \"C\" NOT NULL,"
    "  fv bigint NOT NULL,"
    "  blob text, source smallint NOT NULL, commit text,"
    "  PRIMARY KEY (ws_key, path), UNIQUE (ws_key, fv));"
    "CREATE TABLE lmkv.symbol ("
    "  ws_key bigint NOT NULL, fv bigint NOT NULL, sid bigint NOT NULL,"
    "  name text COLLATE \"C\" NOT NULL, qualified_name text COLLATE \"C\","
    "  kind smallint NOT NULL, file text COLLATE \"C\", line integer NOT NULL, col integer NOT NULL,"
    "  end_line integer NOT NULL, signature text, is_decl boolean NOT NULL,"
    "  PRIMARY KEY (ws_key, fv, sid));"
    "CREATE INDEX symbol_name ON lmkv.symbol (ws_key, name);"
    "CREATE INDEX symbol_qname ON lmkv.symbol (ws_key, qualified_name);"
    "CREATE TABLE lmkv.call ("
    "  ws_key bigint NOT NULL, fv bigint NOT NULL,"
    "  callee text COLLATE \"C\" NOT NULL, callee_rank integer NOT NULL,"
    "  caller text COLLATE \"C\", caller_rank integer,"
    "  file text COLLATE \"C\", line integer NOT NULL, col integer NOT NULL,"
    "  PRIMARY KEY (ws_key, callee, fv, callee_rank));"
    "CREATE INDEX call_caller ON lmkv.call (ws_key, caller, fv, caller_rank);"
    "CREATE INDEX call_fv ON lmkv.call (ws_key, fv);"
    "CREATE TABLE lmkv.ref ("
    "  ws_key bigint NOT NULL, fv bigint NOT NULL,"
    "  target text COLLATE \"C\" NOT NULL, target_rank integer NOT NULL,"
    "  source text COLLATE \"C\", kind smallint NOT NULL,"
    "  file text COLLATE \"C\", line integer NOT NULL, col integer NOT NULL,"
    "  PRIMARY KEY (ws_key, target, fv, target_rank));"
    "CREATE INDEX ref_source ON lmkv.ref (ws_key, source);"
    "CREATE INDEX ref_fv ON lmkv.ref (ws_key, fv);",
    /* 1 -> 2: every pushed state side by side. A state is (workspace,
     * commit id or 'latest'); lmkv.file becomes the state -> file version
     * map, the record rows (keyed by file version) are shared by every
     * state of the workspace that has the version; lmkv.fversion lists the
     * versions whose records the server holds. Version 1's one state per
     * workspace becomes that workspace's state named by its HEAD when
     * every file was HEAD's version, else 'latest'. */
    "CREATE TABLE lmkv.state ("
    "  state_key bigserial PRIMARY KEY,"
    "  ws_key bigint NOT NULL REFERENCES lmkv.workspace ON DELETE CASCADE,"
    "  state text COLLATE \"C\" NOT NULL,"
    "  head_commit text,"
    "  pushes bigint NOT NULL DEFAULT 0,"
    "  pushed_at timestamptz,"
    "  UNIQUE (ws_key, state));"
    "INSERT INTO lmkv.state (ws_key, state, head_commit, pushes, pushed_at)"
    "  SELECT w.ws_key, CASE WHEN w.head_commit IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lmkv.file f"
    "    WHERE f.ws_key = w.ws_key AND f.source <> 1) THEN w.head_commit ELSE 'latest' END,"
    "    w.head_commit, w.pushes, w.pushed_at FROM lmkv.workspace w"
    "  WHERE EXISTS (SELECT 1 FROM lmkv.file f WHERE f.ws_key = w.ws_key);"
    "CREATE TABLE lmkv.fversion ("
    "  ws_key bigint NOT NULL REFERENCES lmkv.workspace ON DELETE CASCADE,"
    "  fv bigint NOT NULL,"
    "  PRIMARY KEY (ws_key, fv));"
    "INSERT INTO lmkv.fversion SELECT DISTINCT ws_key, fv FROM lmkv.file;"
    "ALTER TABLE lmkv.file ADD COLUMN state_key bigint REFERENCES lmkv.state ON DELETE CASCADE;"
    "UPDATE lmkv.file f SET state_key = s.state_key FROM lmkv.state s WHERE s.ws_key = f.ws_key;"
    "ALTER TABLE lmkv.file DROP CONSTRAINT file_pkey, DROP CONSTRAINT file_ws_key_fv_key,"
    "  ALTER COLUMN state_key SET NOT NULL, ADD PRIMARY KEY (state_key, path);"
    "CREATE INDEX file_fv ON lmkv.file (state_key, fv);"
    "ALTER TABLE lmkv.push ADD COLUMN state_key bigint REFERENCES lmkv.state ON DELETE CASCADE;"
    "UPDATE lmkv.push p SET state_key = s.state_key FROM lmkv.state s WHERE s.ws_key = p.ws_key;",
};

static int migrate(lmkv_pg *pg)
{
    int rc;
    PGresult *r = NULL;
    /* up to date already (the common case): read-only, no lock, so a role
     * that may only read (a query service) connects too */
    if ((rc = q(pg, &r, "lmkv schema", "SELECT to_regclass('lmkv.schema_version') IS NOT NULL", 0, NULL)) != LMKV_OK)
        return rc;
    int exists = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    r = NULL;
    if (exists) {
        if ((rc = q(pg, &r, "lmkv schema", "SELECT coalesce(max(version), 0) FROM lmkv.schema_version", 0, NULL)) != LMKV_OK)
            return rc;
        int cur = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        r = NULL;
        if (cur == LMKV_PG_SCHEMA_VERSION) { pg->version = cur; return LMKV_OK; }
    }
    /* one migrator at a time (advisory lock 'lmkv' held to commit) */
    if ((rc = q0(pg, "lmkv schema", "BEGIN")) != LMKV_OK) return rc;
    if ((rc = q0(pg, "lmkv schema", "SELECT pg_advisory_xact_lock(1819110262)")) != LMKV_OK ||
        (rc = q0(pg, "lmkv schema", "CREATE SCHEMA IF NOT EXISTS lmkv")) != LMKV_OK ||
        (rc = q0(pg, "lmkv schema",
                 "CREATE TABLE IF NOT EXISTS lmkv.schema_version (version integer PRIMARY KEY,"
                 " applied_at timestamptz NOT NULL DEFAULT now())")) != LMKV_OK ||
        (rc = q(pg, &r, "lmkv schema", "SELECT coalesce(max(version), 0) FROM lmkv.schema_version", 0, NULL)) != LMKV_OK)
        goto fail;
    int v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    r = NULL;
    if (v > LMKV_PG_SCHEMA_VERSION) {
        rc = lmkv_error_set(LMKV_EVERSION, "lmkv schema on %s is version %d, newer than this lmkv's %d: upgrade lmkv",
                            pg->label, v, LMKV_PG_SCHEMA_VERSION);
        goto fail;
    }
    for (; v < LMKV_PG_SCHEMA_VERSION; v++) {
        char vs[16];
        snprintf(vs, sizeof vs, "%d", v + 1);
        const char *p[1] = {vs};
        if ((rc = q0(pg, "lmkv schema migration", MIGRATIONS[v])) != LMKV_OK ||
            (rc = q(pg, NULL, "lmkv schema", "INSERT INTO lmkv.schema_version (version) VALUES ($1::integer)", 1, p)) != LMKV_OK)
            goto fail;
    }
    if ((rc = q0(pg, "lmkv schema", "COMMIT")) != LMKV_OK) goto fail;
    pg->version = v;
    return LMKV_OK;
fail:
    rollback(pg);
    return rc;
}

static void quiet_notice(void *arg, const char *message) { (void)arg; (void)message; }

int lmkv_pg_connect(lmkv_pg **out, const char *conninfo)
{
    if (!out || !conninfo) return lmkv_error_set(LMKV_EINVAL, "lmkv_pg_connect: NULL argument");
    *out = NULL;
    /* libpq's message for a malformed string quotes the offending part,
     * which may be the password: say what is wrong without it */
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &perr);
    if (!parsed) {
        int bad_mem = perr == NULL;
        PQfreemem(perr);
        if (bad_mem) return lmkv_error_set(LMKV_ENOMEM, "lmkv_pg_connect: out of memory");
        return lmkv_error_set(LMKV_EINVAL, "malformed PostgreSQL connection string (libpq rejects it; its text is "
                                           "not printed since it may hold a password)");
    }
    char secret[256] = "";
    for (PQconninfoOption *o = parsed; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && *o->val) snprintf(secret, sizeof secret, "%s", o->val);
    PQconninfoFree(parsed);
    lmkv_pg *pg = calloc(1, sizeof *pg);
    if (!pg) return lmkv_error_set(LMKV_ENOMEM, "lmkv_pg_connect: out of memory");
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *vals[] = {conninfo, "lmkv", NULL};
    pg->conn = PQconnectdbParams(keys, vals, 1);
    if (!pg->conn) { free(pg); return lmkv_error_set(LMKV_ENOMEM, "lmkv_pg_connect: out of memory"); }
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        char m[1024];
        const char *e = PQerrorMessage(pg->conn);
        int auth = PQconnectionNeedsPassword(pg->conn) || strstr(e, "authentication failed") ||
                   strstr(e, "no password supplied");
        one_line(m, sizeof m, e);
        /* libpq does not echo a password; should a message ever hold the
         * URL's, it is masked */
        for (char *at; *secret && (at = strstr(m, secret));) memset(at, '*', strlen(secret));
        int rc = lmkv_error_set(auth ? LMKV_EPERM : LMKV_EIO, "cannot connect to the PostgreSQL server%s: %s",
                                auth ? " (credentials refused)" : "", m);
        PQfinish(pg->conn);
        free(pg);
        return rc;
    }
    const char *h = PQhost(pg->conn);
    snprintf(pg->label, sizeof pg->label, "%s@%s:%s/%s", PQuser(pg->conn), h && *h ? h : "localhost",
             PQport(pg->conn), PQdb(pg->conn));
    /* server notices (e.g. "terminating connection due to immediate
     * shutdown") are not printed: errors reach the caller as messages */
    PQsetNoticeProcessor(pg->conn, quiet_notice, NULL);
    PQclear(PQexec(pg->conn, "SET client_min_messages = warning"));
    int rc = migrate(pg);
    if (rc != LMKV_OK) { lmkv_pg_close(pg); return rc; }
    *out = pg;
    return LMKV_OK;
}

static void clear_result(lmkv_pg *pg)
{
    PQclear(pg->res);
    pg->res = NULL;
    pg->nitems = 0;
    pg->ngroups = 0;
}

void lmkv_pg_close(lmkv_pg *pg)
{
    if (!pg) return;
    clear_result(pg);
    if (pg->conn) PQfinish(pg->conn);
    free(pg->items);
    free(pg->group_start);
    free(pg);
}

int lmkv_pg_schema_version(int *out, lmkv_pg *pg)
{
    if (!out || !pg) return lmkv_error_set(LMKV_EINVAL, "lmkv_pg_schema_version: NULL argument");
    *out = pg->version;
    return LMKV_OK;
}

const char *lmkv_pg_label(const lmkv_pg *pg) { return pg ? pg->label : ""; }

/* ---------------------------------------------------------- COPY buffer */
struct cbuf {
    lmkv_pg *pg;
    char *p;
    size_t n, cap;
    uint64_t bytes, sent, total;
    lmkv_push_progress_fn progress;
    void *ctx;
    int err;                   /* first error (LMKV_*), 0 = none */
};

static int cb_reserve(struct cbuf *b, size_t more)
{
    if (more > SIZE_MAX - b->n || LMKV_ARRAY_GROW(b->p, b->cap, b->n + more, 1 << 18)) {
        b->err = lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
        return -1;
    }
    return 0;
}
static int cb_flush(struct cbuf *b)
{
    if (b->err) return -1;
    if (b->n && PQputCopyData(b->pg->conn, b->p, (int)b->n) != 1) {
        b->err = pg_fail(b->pg, "push: COPY");
        return -1;
    }
    b->bytes += b->n;
    b->n = 0;
    if (b->progress && b->progress(b->ctx, b->sent, b->total) != 0) {
        b->err = lmkv_error_set(LMKV_ECONFLICT, "push: aborted by the caller");
        return -1;
    }
    return 0;
}
/* end of one row: flush every 256 KiB */
static int cb_row(struct cbuf *b)
{
    if (b->err || cb_reserve(b, 1)) return -1;
    b->p[b->n++] = '\n';
    b->sent++;
    return b->n >= (1 << 18) ? cb_flush(b) : 0;
}
static void cb_sep(struct cbuf *b) { if (!b->err && !cb_reserve(b, 1)) b->p[b->n++] = '\t'; }
/* a text field in COPY's text format (NULL = \N) */
static void cb_text(struct cbuf *b, const char *s)
{
    if (b->err) return;
    if (!s) { if (!cb_reserve(b, 2)) { b->p[b->n++] = '\\'; b->p[b->n++] = 'N'; } return; }
    size_t len = strlen(s);
    if (cb_reserve(b, 2 * len)) return;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        switch (c) {
        case '\\': b->p[b->n++] = '\\'; b->p[b->n++] = '\\'; break;
        case '\t': b->p[b->n++] = '\\'; b->p[b->n++] = 't'; break;
        case '\n': b->p[b->n++] = '\\'; b->p[b->n++] = 'n'; break;
        case '\r': b->p[b->n++] = '\\'; b->p[b->n++] = 'r'; break;
        default: b->p[b->n++] = c;
        }
    }
}
static void cb_int(struct cbuf *b, long long v)
{
    if (b->err || cb_reserve(b, 24)) return;
    b->n += (size_t)snprintf(b->p + b->n, 24, "%lld", v);
}

static int copy_begin(lmkv_pg *pg, const char *sql)
{
    PGresult *r = PQexec(pg->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) return res_fail(pg, r, "push: COPY");
    PQclear(r);
    return LMKV_OK;
}
static int copy_end(struct cbuf *b)
{
    if (b->err) {
        if (PQstatus(b->pg->conn) == CONNECTION_OK) PQputCopyEnd(b->pg->conn, "lmkv push aborted");
        PQclear(PQgetResult(b->pg->conn));
        return b->err;
    }
    if (cb_flush(b) != 0) return b->err;
    if (PQputCopyEnd(b->pg->conn, NULL) != 1) return b->err = pg_fail(b->pg, "push: COPY");
    PGresult *r = PQgetResult(b->pg->conn);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return b->err = res_fail(b->pg, r, "push: COPY");
    PQclear(r);
    while ((r = PQgetResult(b->pg->conn))) PQclear(r);
    return LMKV_OK;
}

/* ---------------------------------------------------------- fv set */
struct fvset { uint64_t *k; unsigned char *used; size_t cap, n; };
static size_t fv_hash(uint64_t v) { v ^= v >> 33; v *= 0xff51afd7ed558ccdULL; v ^= v >> 33; return (size_t)v; }
static int fvset_init(struct fvset *s, size_t n)
{
    s->cap = 16;
    while (s->cap < 2 * n + 16) s->cap *= 2;
    s->k = calloc(s->cap, sizeof *s->k);
    s->used = calloc(s->cap, 1);
    s->n = 0;
    return s->k && s->used ? 0 : -1;
}
static void fvset_add(struct fvset *s, uint64_t v)
{
    size_t h = fv_hash(v) & (s->cap - 1);
    while (s->used[h]) { if (s->k[h] == v) return; h = (h + 1) & (s->cap - 1); }
    s->used[h] = 1; s->k[h] = v; s->n++;
}
static int fvset_has(const struct fvset *s, uint64_t v)
{
    size_t h = fv_hash(v) & (s->cap - 1);
    while (s->used[h]) { if (s->k[h] == v) return 1; h = (h + 1) & (s->cap - 1); }
    return 0;
}
static void fvset_free(struct fvset *s) { free(s->k); free(s->used); }

/* ---------------------------------------------------------- local state */
struct lfile { char *path; uint64_t fv; int source; char commit[41]; };
struct lstate { struct lfile *v; size_t n, cap; int err; };
static int cur_collect(void *ctx, const lmkv_store_current *c)
{
    struct lstate *s = ctx;
    if (s->n == s->cap && LMKV_ARRAY_GROW(s->v, s->cap, s->cap + 1, 256)) {
        s->err = 1;
        return LMKV_ENOMEM;
    }
    struct lfile *f = &s->v[s->n];
    if (!(f->path = strndup(c->path, c->path_len))) { s->err = 1; return LMKV_ENOMEM; }
    f->fv = c->fv;
    f->source = c->source;
    f->commit[0] = 0;
    int any = 0;
    for (int i = 0; i < 20; i++) any |= c->commit[i];
    if (any) for (int i = 0; i < 20; i++) snprintf(f->commit + 2 * i, 3, "%02x", c->commit[i]);
    s->n++;
    return 0;
}
static void lstate_free(struct lstate *s) { for (size_t i = 0; i < s->n; i++) free(s->v[i].path); free(s->v); }

/* calls: gathered from the two current-copy indexes (by callee name, by
 * caller name), each in (name, fv, order of extraction) order; the rank
 * of a call in its (name, fv) run orders the server's rows as the local
 * scans do. The two views are matched by sorting on the call's fields. */
struct crow {
    uint64_t fv;
    char *caller, *callee, *file;
    uint32_t line, col, rank;
    int64_t other;              /* callee view: caller rank, -1 none */
};
struct cset {
    const struct fvset *want;
    struct crow *v;
    size_t n, cap;
    uint64_t prev_fv;
    const char *prev_name;      /* name of the current run (owned by a row) */
    uint32_t rank;
    int by_caller, err;
};
static char *sdup(const char *s) { return s ? strdup(s) : NULL; }
static int c_collect(void *ctx, const lmkv_call *c)
{
    struct cset *s = ctx;
    const char *nm = s->by_caller ? c->caller_name : c->callee_name;
    if (!nm) nm = "";
    if (!s->prev_name || s->prev_fv != c->file_version_id || strcmp(s->prev_name, nm) != 0) s->rank = 0;
    else s->rank++;
    uint32_t rank = s->rank;
    if (!fvset_has(s->want, c->file_version_id)) {
        /* keep the run's name to compare the next record with */
        s->prev_fv = c->file_version_id;
        static _Thread_local char last[4096];
        snprintf(last, sizeof last, "%s", nm);
        s->prev_name = last;
        return 0;
    }
    if (s->n == s->cap && LMKV_ARRAY_GROW(s->v, s->cap, s->cap + 1, 4096)) {
        s->err = 1;
        return LMKV_ENOMEM;
    }
    struct crow *r = &s->v[s->n];
    r->fv = c->file_version_id;
    r->caller = sdup(c->caller_name);
    r->callee = sdup(c->callee_name);
    r->file = sdup(c->file_path);
    if ((c->caller_name && !r->caller) || (c->callee_name && !r->callee) || (c->file_path && !r->file)) {
        free(r->caller); free(r->callee); free(r->file);
        s->err = 1;
        return LMKV_ENOMEM;
    }
    r->line = c->line; r->col = c->column; r->rank = rank; r->other = -1;
    s->n++;
    s->prev_fv = c->file_version_id;
    s->prev_name = s->by_caller ? (r->caller ? r->caller : "") : (r->callee ? r->callee : "");
    return 0;
}
static void cset_free(struct cset *s)
{
    for (size_t i = 0; i < s->n; i++) { free(s->v[i].caller); free(s->v[i].callee); free(s->v[i].file); }
    free(s->v);
}
static int nstrcmp(const char *a, const char *b)
{
    if (!a || !b) return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}
static int crow_key_cmp(const struct crow *a, const struct crow *b)
{
    int c;
    if (a->fv != b->fv) return a->fv < b->fv ? -1 : 1;
    if ((c = nstrcmp(a->caller, b->caller)) != 0) return c;
    if ((c = nstrcmp(a->callee, b->callee)) != 0) return c;
    if ((c = nstrcmp(a->file, b->file)) != 0) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}
static int crow_cmp(const void *x, const void *y)
{
    const struct crow *a = x, *b = y;
    int c = crow_key_cmp(a, b);
    if (c) return c;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

struct sym_ctx { struct cbuf *b; int64_t wsk; uint64_t n; };
static int sym_row(void *ctx, const lmkv_symbol *s)
{
    struct sym_ctx *x = ctx;
    struct cbuf *b = x->b;
    int decl = 0;
    for (uint32_t i = 0; i < s->modifiers.count; i++) {
        const char *m = lmkv_strvec_get(&s->modifiers, i);
        if (m && strcmp(m, "declaration") == 0) decl = 1;
    }
    cb_int(b, x->wsk); cb_sep(b); cb_int(b, to_db(s->file_version_id)); cb_sep(b);
    cb_int(b, to_db(s->id)); cb_sep(b); cb_text(b, s->name ? s->name : ""); cb_sep(b);
    cb_text(b, s->qualified_name); cb_sep(b); cb_int(b, (long long)s->kind); cb_sep(b);
    cb_text(b, s->file_path); cb_sep(b); cb_int(b, s->start_line); cb_sep(b);
    cb_int(b, s->start_column); cb_sep(b); cb_int(b, s->end_line); cb_sep(b);
    cb_text(b, s->signature); cb_sep(b); cb_text(b, decl ? "t" : "f");
    x->n++;
    return cb_row(b) ? LMKV_EIO : 0;
}

struct ref_ctx {
    struct cbuf *b; const struct fvset *want; int64_t wsk; uint64_t n;
    uint64_t prev_fv; char prev[4096]; int have_prev; uint32_t rank;
};
static int ref_row(void *ctx, const lmkv_reference *r)
{
    struct ref_ctx *x = ctx;
    const char *t = r->target_name ? r->target_name : "";
    if (!x->have_prev || x->prev_fv != r->file_version_id || strcmp(x->prev, t) != 0) x->rank = 0;
    else x->rank++;
    x->have_prev = 1;
    x->prev_fv = r->file_version_id;
    snprintf(x->prev, sizeof x->prev, "%s", t);
    if (!fvset_has(x->want, r->file_version_id)) return 0;
    struct cbuf *b = x->b;
    cb_int(b, x->wsk); cb_sep(b); cb_int(b, to_db(r->file_version_id)); cb_sep(b);
    cb_text(b, t); cb_sep(b); cb_int(b, x->rank); cb_sep(b);
    cb_text(b, r->source_name); cb_sep(b); cb_int(b, (long long)r->kind); cb_sep(b);
    cb_text(b, r->file_path); cb_sep(b); cb_int(b, r->start_line); cb_sep(b); cb_int(b, r->start_column);
    x->n++;
    return cb_row(b) ? LMKV_EIO : 0;
}

/* "{a,b,c}" of the signed fvs, for = ANY($n::bigint[]) */
static char *fv_array(const uint64_t *v, size_t n)
{
    size_t cap = 3 + n * 21;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t w = 0;
    s[w++] = '{';
    for (size_t i = 0; i < n; i++) w += (size_t)snprintf(s + w, cap - w, "%s%lld", i ? "," : "", (long long)to_db(v[i]));
    s[w++] = '}';
    s[w] = 0;
    return s;
}

/* One push's state, shared by lmkv_push's steps; every pointer is freed
 * by push_run_free. */
struct push_run {
    lmkv_pg *pg;
    lmkv_store_txn *t;
    uint64_t ws;
    const lmkv_push_options *opts;
    lmkv_push_report rep;
    lmkv_workspace w;
    PGresult *r;
    struct lstate loc;
    struct fvset want, have;
    struct cset ce, cr;
    struct cbuf b;
    uint64_t *del;              /* server fvs of the deleted and changed paths */
    size_t ndel;
    char *arr, *paths_arr;      /* --full's bigint[] of fvs; text[] of the paths that go */
    unsigned char *sendf, *mapf; /* per local file: records to send; map row to send */
    char wsk[24], stk[24];      /* rep.ws_key and rep.state_key as text */
};

static void push_run_free(struct push_run *x)
{
    PQclear(x->r);
    lmkv_store_txn_end(x->t);
    lstate_free(&x->loc);
    fvset_free(&x->want);
    fvset_free(&x->have);
    cset_free(&x->ce);
    cset_free(&x->cr);
    free(x->b.p);
    free(x->del);
    free(x->arr);
    free(x->paths_arr);
    free(x->sendf);
    free(x->mapf);
}

/* Inside the push's transaction: the workspace's row and the state's row
 * (their keys into rep, wsk and stk). */
static int push_keys(struct push_run *x, const char *machine)
{
    lmkv_pg *pg = x->pg;
    int rc;
    char lid[24];
    snprintf(lid, sizeof lid, "%lld", (long long)to_db(x->ws));
    {
        const char *p[3] = {machine, x->w.root_path, lid};
        if ((rc = q_key(pg, &x->rep.ws_key, "push: workspace",
                        "INSERT INTO lmkv.workspace (machine, root, local_id) VALUES ($1, $2, $3::bigint)"
                        " ON CONFLICT (machine, root) DO UPDATE SET local_id = EXCLUDED.local_id"
                        " RETURNING ws_key", 3, p)) != LMKV_OK)
            return rc;
    }
    snprintf(x->wsk, sizeof x->wsk, "%lld", (long long)x->rep.ws_key);
    /* the state: HEAD's commit when every current file is HEAD's version
     * (versioning's source COMMIT), else the worktree's 'latest' */
    {
        int clean = x->w.current_commit && *x->w.current_commit;
        for (size_t i = 0; clean && i < x->loc.n; i++) if (x->loc.v[i].source != LMKV_SOURCE_COMMIT) clean = 0;
        snprintf(x->rep.state, sizeof x->rep.state, "%s", clean ? x->w.current_commit : "latest");
        const char *p[3] = {x->wsk, x->rep.state, x->w.current_commit};
        if ((rc = q_key(pg, &x->rep.state_key, "push: state",
                        "INSERT INTO lmkv.state (ws_key, state, head_commit) VALUES ($1::bigint, $2, $3)"
                        " ON CONFLICT (ws_key, state) DO UPDATE SET head_commit = EXCLUDED.head_commit"
                        " RETURNING state_key", 3, p)) != LMKV_OK)
            return rc;
    }
    snprintf(x->stk, sizeof x->stk, "%lld", (long long)x->rep.state_key);
    return LMKV_OK;
}

/* Append path `gone` to the text[] literal paths_arr (at *pw, room *pcap). */
static int push_path_add(struct push_run *x, size_t *pw, size_t *pcap, const char *gone)
{
    size_t gl = strlen(gone);
    if (gl > (SIZE_MAX - 8 - *pw) / 2 || LMKV_ARRAY_GROW(x->paths_arr, *pcap, *pw + 2 * gl + 8, 16))
        return lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
    char *a = x->paths_arr;
    if (*pw > 1) a[(*pw)++] = ',';
    a[(*pw)++] = '"';
    for (size_t k = 0; k < gl; k++) {
        if (gone[k] == '"' || gone[k] == '\\') a[(*pw)++] = '\\';
        a[(*pw)++] = gone[k];
    }
    a[(*pw)++] = '"';
    return LMKV_OK;
}

/* Merge the local current map (loc, path order) with the server's map of
 * the state (x->r: path, fv in path order): mapf, del and paths_arr for
 * the paths new, changed or deleted; the counts into rep. */
static int push_merge(struct push_run *x)
{
    PGresult *r = x->r;
    size_t ns = (size_t)PQntuples(r), n = x->loc.n;
    if (fvset_init(&x->want, n) != 0 || !(x->del = malloc((ns + 1) * sizeof *x->del)))
        return lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
    /* paths whose server row goes (deleted or changed): a text[] literal */
    size_t pcap = 16, pw = 0;
    if (!(x->paths_arr = malloc(pcap))) return lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
    x->paths_arr[pw++] = '{';
    x->sendf = calloc(n + 1, 1);
    x->mapf = calloc(n + 1, 1);
    if (!x->sendf || !x->mapf) return lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
    size_t i = 0, j = 0;
    while (i < n || j < ns) {
        const char *sp = j < ns ? PQgetvalue(r, (int)j, 0) : NULL;
        int c = i >= n ? 1 : !sp ? -1 : strcmp(x->loc.v[i].path, sp);
        const char *gone = NULL;
        if (c < 0) { x->mapf[i] = 1; i++; }
        else if (c > 0) { gone = sp; x->del[x->ndel++] = from_db(atoll(PQgetvalue(r, (int)j, 1))); x->rep.files_deleted++; j++; }
        else {
            uint64_t sfv = from_db(atoll(PQgetvalue(r, (int)j, 1)));
            if (sfv != x->loc.v[i].fv || x->opts->full) { x->mapf[i] = 1; gone = sp; x->del[x->ndel++] = sfv; }
            else x->rep.files_unchanged++;
            i++; j++;
        }
        int rc = gone ? push_path_add(x, &pw, &pcap, gone) : LMKV_OK;
        if (rc != LMKV_OK) return rc;
    }
    x->paths_arr[pw++] = '}';
    x->paths_arr[pw] = 0;
    return LMKV_OK;
}

/* What this push sends: the versions the server holds (have), the merge
 * of the two maps, then want/sendf (records to send: versions the server
 * does not hold, all with --full) and the counts into rep. */
static int push_plan(struct push_run *x)
{
    lmkv_pg *pg = x->pg;
    int rc;
    /* the file versions whose records the server holds for the workspace
     * (pushed with any state) */
    {
        const char *p[1] = {x->wsk};
        if ((rc = q(pg, &x->r, "push: reading the pushed versions",
                    "SELECT fv FROM lmkv.fversion WHERE ws_key = $1::bigint", 1, p)) != LMKV_OK)
            return rc;
        if (fvset_init(&x->have, (size_t)PQntuples(x->r)) != 0) return lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
        for (int i = 0; i < PQntuples(x->r); i++) fvset_add(&x->have, from_db(atoll(PQgetvalue(x->r, i, 0))));
        PQclear(x->r);
        x->r = NULL;
    }
    {
        const char *p[1] = {x->stk};
        if ((rc = q(pg, &x->r, "push: reading the pushed state",
                    "SELECT path, fv FROM lmkv.file WHERE state_key = $1::bigint ORDER BY path", 1, p)) != LMKV_OK)
            return rc;
    }
    if ((rc = push_merge(x)) != LMKV_OK) return rc;
    PQclear(x->r);
    x->r = NULL;
    /* records go for the versions the server does not hold (all with
     * --full); map rows for the paths new or changed in this state */
    for (size_t i = 0; i < x->loc.n; i++) {
        if (!x->opts->full && fvset_has(&x->have, x->loc.v[i].fv)) continue;
        x->sendf[i] = 1;
        if (!fvset_has(&x->want, x->loc.v[i].fv)) x->rep.files_sent++;
        fvset_add(&x->want, x->loc.v[i].fv);
    }
    for (size_t i = 0; i < x->loc.n; i++) if (x->mapf[i]) x->rep.files_mapped++;
    return LMKV_OK;
}

/* The server rows this push replaces: the state's map rows of deleted and
 * changed paths (the records of their versions stay: other states may use
 * them), and with --full the records of every version it sends. */
static int push_remove_old(struct push_run *x)
{
    lmkv_pg *pg = x->pg;
    int rc;
    if (x->ndel) {
        const char *p2[2] = {x->stk, x->paths_arr};
        if ((rc = q(pg, NULL, "push: removing changed files", "DELETE FROM lmkv.file WHERE state_key = $1::bigint AND path = ANY($2::text[])", 2, p2)) != LMKV_OK)
            return rc;
    }
    if (x->opts->full && x->want.n) {
        uint64_t *all = malloc((x->loc.n + 1) * sizeof *all);
        size_t na = 0;
        if (all) for (size_t i = 0; i < x->loc.n; i++) if (x->sendf[i]) all[na++] = x->loc.v[i].fv;
        if (!all || !(x->arr = fv_array(all, na))) { free(all); return lmkv_error_set(LMKV_ENOMEM, "push: out of memory"); }
        free(all);
        const char *p[2] = {x->wsk, x->arr};
        if ((rc = q(pg, NULL, "push: --full", "DELETE FROM lmkv.symbol WHERE ws_key = $1::bigint AND fv = ANY($2::bigint[])", 2, p)) != LMKV_OK ||
            (rc = q(pg, NULL, "push: --full", "DELETE FROM lmkv.call WHERE ws_key = $1::bigint AND fv = ANY($2::bigint[])", 2, p)) != LMKV_OK ||
            (rc = q(pg, NULL, "push: --full", "DELETE FROM lmkv.ref WHERE ws_key = $1::bigint AND fv = ANY($2::bigint[])", 2, p)) != LMKV_OK ||
            (rc = q(pg, NULL, "push: --full", "DELETE FROM lmkv.fversion WHERE ws_key = $1::bigint AND fv = ANY($2::bigint[])", 2, p)) != LMKV_OK)
            return rc;
    }
    return LMKV_OK;
}

/* The calls of the files to send, gathered in both orders (by callee into
 * ce, by caller into cr) and matched: each call's caller rank. */
static int push_gather_calls(struct push_run *x)
{
    int rc;
    struct cset *ce = &x->ce, *cr = &x->cr;
    ce->want = &x->want; cr->want = &x->want; cr->by_caller = 1;
    if ((rc = lmkv_store_calls_to(x->t, x->ws, "", 0, LMKV_STORE_PREFIX, c_collect, ce)) < 0 ||
        (rc = lmkv_store_calls_by_caller(x->t, x->ws, "", 0, LMKV_STORE_PREFIX, c_collect, cr)) < 0 || ce->err || cr->err) {
        if (ce->err || cr->err) rc = lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
        return rc;
    }
    if (ce->n > 1) qsort(ce->v, ce->n, sizeof *ce->v, crow_cmp);
    if (cr->n > 1) qsort(cr->v, cr->n, sizeof *cr->v, crow_cmp);
    for (size_t i = 0, j = 0; i < ce->n && j < cr->n;) {
        int c = crow_key_cmp(&ce->v[i], &cr->v[j]);
        if (c == 0) { ce->v[i].other = cr->v[j].rank; i++; j++; }
        else if (c < 0) i++;
        else j++;
    }
    return LMKV_OK;
}

/* COPY the map rows (lmkv.file) and the versions (lmkv.fversion). */
static int push_copy_files(struct push_run *x)
{
    struct cbuf *b = &x->b;
    int rc;
    b->total = x->rep.files_sent;
    if ((rc = copy_begin(x->pg, "COPY lmkv.file (state_key, ws_key, path, fv, blob, source, commit) FROM STDIN")) != LMKV_OK) return rc;
    for (size_t i = 0; i < x->loc.n && !b->err; i++) {
        if (!x->mapf[i]) continue;
        const struct lfile *f = &x->loc.v[i];
        lmkv_file_version fvr;
        const char *blob = NULL;
        if (lmkv_store_file_version_get(&fvr, x->t, x->ws, f->fv) == LMKV_OK) blob = fvr.git_blob_id;
        cb_int(b, x->rep.state_key); cb_sep(b); cb_int(b, x->rep.ws_key); cb_sep(b); cb_text(b, f->path); cb_sep(b);
        cb_int(b, to_db(f->fv)); cb_sep(b); cb_text(b, blob); cb_sep(b);
        cb_int(b, f->source); cb_sep(b); cb_text(b, f->commit[0] ? f->commit : NULL);
        cb_row(b);
    }
    if ((rc = copy_end(b)) != LMKV_OK) return rc;
    if ((rc = copy_begin(x->pg, "COPY lmkv.fversion (ws_key, fv) FROM STDIN")) != LMKV_OK) return rc;
    for (size_t i = 0; i < x->want.cap && !b->err; i++) {
        if (!x->want.used[i]) continue;
        cb_int(b, x->rep.ws_key); cb_sep(b); cb_int(b, to_db(x->want.k[i]));
        cb_row(b);
    }
    return copy_end(b);
}

/* COPY the symbols, calls and references of the versions sent. */
static int push_copy_records(struct push_run *x)
{
    struct cbuf *b = &x->b;
    int rc;
    struct sym_ctx sx = {b, x->rep.ws_key, 0};
    if ((rc = copy_begin(x->pg, "COPY lmkv.symbol (ws_key, fv, sid, name, qualified_name, kind, file, line, col,"
                                " end_line, signature, is_decl) FROM STDIN")) != LMKV_OK) return rc;
    for (size_t i = 0; i < x->loc.n && !b->err; i++) {
        if (!x->sendf[i]) continue;
        /* one path per version: a version two paths share is impossible
         * (its id hashes the path), but send it once regardless */
        int src = lmkv_store_symbols_of(x->t, x->ws, x->loc.v[i].fv, sym_row, &sx);
        if (src < 0 && !b->err) b->err = src;
    }
    if ((rc = copy_end(b)) != LMKV_OK) return rc;
    x->rep.symbols = sx.n;

    if ((rc = copy_begin(x->pg, "COPY lmkv.call (ws_key, fv, callee, callee_rank, caller, caller_rank, file, line, col)"
                                " FROM STDIN")) != LMKV_OK) return rc;
    for (size_t i = 0; i < x->ce.n && !b->err; i++) {
        const struct crow *c = &x->ce.v[i];
        cb_int(b, x->rep.ws_key); cb_sep(b); cb_int(b, to_db(c->fv)); cb_sep(b);
        cb_text(b, c->callee ? c->callee : ""); cb_sep(b); cb_int(b, c->rank); cb_sep(b);
        cb_text(b, c->caller); cb_sep(b);
        if (c->other >= 0) cb_int(b, c->other); else cb_text(b, NULL);
        cb_sep(b); cb_text(b, c->file); cb_sep(b); cb_int(b, c->line); cb_sep(b); cb_int(b, c->col);
        cb_row(b);
    }
    if ((rc = copy_end(b)) != LMKV_OK) return rc;
    x->rep.calls = x->ce.n;

    struct ref_ctx rx;
    memset(&rx, 0, sizeof rx);
    rx.b = b; rx.want = &x->want; rx.wsk = x->rep.ws_key;
    if ((rc = copy_begin(x->pg, "COPY lmkv.ref (ws_key, fv, target, target_rank, source, kind, file, line, col)"
                                " FROM STDIN")) != LMKV_OK) return rc;
    {
        int src = lmkv_store_refs_to(x->t, x->ws, "", 0, LMKV_STORE_PREFIX, ref_row, &rx);
        if (src < 0 && !b->err) b->err = src;
    }
    if ((rc = copy_end(b)) != LMKV_OK) return rc;
    x->rep.references = rx.n;
    x->rep.bytes = b->bytes;
    return LMKV_OK;
}

/* The push's row (its id into rep) and the workspace's and state's
 * counters, then COMMIT. */
static int push_record(struct push_run *x)
{
    lmkv_pg *pg = x->pg;
    const lmkv_push_report *rep = &x->rep;
    const char *head = x->w.current_commit;
    int rc;
    char fs[24], fd[24], ns_[24], nc[24], nr[24];
    snprintf(fs, sizeof fs, "%llu", (unsigned long long)rep->files_sent);
    snprintf(fd, sizeof fd, "%llu", (unsigned long long)rep->files_deleted);
    snprintf(ns_, sizeof ns_, "%llu", (unsigned long long)rep->symbols);
    snprintf(nc, sizeof nc, "%llu", (unsigned long long)rep->calls);
    snprintf(nr, sizeof nr, "%llu", (unsigned long long)rep->references);
    const char *p[8] = {x->wsk, head, fs, fd, ns_, nc, nr, x->stk};
    if ((rc = q_key(pg, &x->rep.push_id, "push: recording the push",
                    "INSERT INTO lmkv.push (ws_key, head_commit, files_sent, files_deleted, symbols, calls, refs, state_key)"
                    " VALUES ($1::bigint, $2, $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint) RETURNING push_id",
                    8, p)) != LMKV_OK)
        return rc;
    const char *p2[2] = {x->wsk, head};
    if ((rc = q(pg, NULL, "push: recording the push",
                "UPDATE lmkv.workspace SET head_commit = $2, pushes = pushes + 1, pushed_at = now()"
                " WHERE ws_key = $1::bigint", 2, p2)) != LMKV_OK)
        return rc;
    const char *p3[1] = {x->stk};
    if ((rc = q(pg, NULL, "push: recording the push",
                "UPDATE lmkv.state SET pushes = pushes + 1, pushed_at = clock_timestamp() WHERE state_key = $1::bigint",
                1, p3)) != LMKV_OK)
        return rc;
    return q0(pg, "push: COMMIT", "COMMIT");
}

int lmkv_push(lmkv_push_report *out, lmkv_pg *pg, lmkv_store *st, uint64_t ws,
                       const lmkv_push_options *opts, lmkv_push_progress_fn progress, void *ctx)
{
    static const lmkv_push_options defaults;
    if (!pg || !st) return lmkv_error_set(LMKV_EINVAL, "push: NULL argument");
    if (!opts) opts = &defaults;
    char host[256];
    const char *machine = opts->machine;
    if (!machine) {
        if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = 0;
        machine = host;
    }
    if (!*machine) return lmkv_error_set(LMKV_EINVAL, "push: empty machine name");
    clear_result(pg);

    int rc;
    struct push_run x;
    memset(&x, 0, sizeof x);
    x.pg = pg; x.ws = ws; x.opts = opts;
    x.b.pg = pg; x.b.progress = progress; x.b.ctx = ctx;

    if ((rc = lmkv_store_txn_begin(&x.t, st)) != LMKV_OK) return rc;
    if ((rc = lmkv_store_workspace_get(&x.w, x.t, ws)) != LMKV_OK) {
        if (rc == LMKV_NOTFOUND) rc = lmkv_error_set(LMKV_NOTFOUND, "push: workspace %016llx is not in the store",
                                                     (unsigned long long)ws);
        goto cleanup;
    }
    if ((rc = lmkv_store_current_each(x.t, ws, cur_collect, &x.loc)) < 0 || x.loc.err) {
        if (x.loc.err) rc = lmkv_error_set(LMKV_ENOMEM, "push: out of memory");
        goto cleanup;
    }

    /* one transaction; the workspace row's lock serialises pushes of it */
    if ((rc = q0(pg, "push", "BEGIN")) != LMKV_OK) goto cleanup;
    if ((rc = push_keys(&x, machine)) != LMKV_OK || (rc = push_plan(&x)) != LMKV_OK) goto fail;
    if (x.rep.files_sent == 0 && x.rep.files_mapped == 0 && x.ndel == 0) {
        /* nothing new: send nothing, leave the server as it was */
        rollback(pg);
        rc = LMKV_OK;
        goto cleanup;
    }
    if ((rc = push_remove_old(&x)) != LMKV_OK || (rc = push_gather_calls(&x)) != LMKV_OK ||
        (rc = push_copy_files(&x)) != LMKV_OK || (rc = push_copy_records(&x)) != LMKV_OK ||
        (rc = push_record(&x)) != LMKV_OK)
        goto fail;
    rc = LMKV_OK;
    goto cleanup;
fail:
    PQclear(x.r);
    x.r = NULL;
    rollback(pg);
    memset(&x.rep, 0, sizeof x.rep);
cleanup:
    if (rc == LMKV_OK && out) *out = x.rep;
    push_run_free(&x);
    return rc;
}

/* ------------------------------------------------------------ queries */
int lmkv_pg_workspace(int64_t *out_ws_key, lmkv_pg *pg, const char *machine, const char *root)
{
    if (!out_ws_key || !pg) return lmkv_error_set(LMKV_EINVAL, "lmkv_pg_workspace: NULL argument");
    PGresult *r = NULL;
    const char *p[2] = {machine, root};
    int rc = q(pg, &r, "server workspace",
               "SELECT ws_key FROM lmkv.workspace WHERE ($1::text IS NULL OR machine = $1)"
               " AND ($2::text IS NULL OR root = $2) ORDER BY ws_key LIMIT 2", 2, p);
    if (rc != LMKV_OK) return rc;
    int n = PQntuples(r);
    if (n == 0) {
        PQclear(r);
        return lmkv_error_set(LMKV_NOTFOUND, "no workspace %s%s%s%s pushed to %s", root ? root : "",
                              machine ? " of machine '" : "", machine ? machine : "", machine ? "'" : "", pg->label);
    }
    if (n > 1) {
        PQclear(r);
        return lmkv_error_set(LMKV_EINVAL, "several workspaces%s%s pushed to %s match: give --workspace and --machine",
                              root ? " at " : "", root ? root : "", pg->label);
    }
    *out_ws_key = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return LMKV_OK;
}

int lmkv_pg_state(int64_t *out_state_key, const char **out_name, lmkv_pg *pg, int64_t ws_key,
                           const char *state)
{
    if (!out_state_key || !pg) return lmkv_error_set(LMKV_EINVAL, "lmkv_pg_state: NULL argument");
    if (state && strcmp(state, "latest") != 0) {
        size_t n = strlen(state);
        if (n < 4 || n > 40 || strspn(state, "0123456789abcdefABCDEF") != n)
            return lmkv_error_set(LMKV_EINVAL, "state '%s': not 'latest' nor a commit id (4 to 40 hex digits)", state);
    }
    clear_result(pg);
    char wsk[24], lower[48] = "";
    snprintf(wsk, sizeof wsk, "%lld", (long long)ws_key);
    /* commit ids are stored in lower case */
    if (state) {
        size_t i = 0;
        for (; state[i] && i < sizeof lower - 1; i++)
            lower[i] = state[i] >= 'A' && state[i] <= 'F' ? (char)(state[i] + ('a' - 'A')) : state[i];
        lower[i] = 0;
    }
    const char *p[2] = {wsk, state ? lower : NULL};
    int rc = q(pg, &pg->res, "server state",
               "SELECT state_key, state FROM lmkv.state WHERE ws_key = $1::bigint"
               " AND ($2::text IS NULL OR state = $2 OR ($2 <> 'latest' AND left(state, length($2)) = $2))"
               " ORDER BY (state = $2) DESC, pushed_at DESC NULLS LAST, state_key DESC LIMIT 2", 2, p);
    if (rc != LMKV_OK) return rc;
    int n = PQntuples(pg->res);
    if (n == 0) {
        clear_result(pg);
        return lmkv_error_set(LMKV_NOTFOUND, "no state %s of that workspace pushed to %s", state ? state : "", pg->label);
    }
    if (state && n > 1 && strcmp(PQgetvalue(pg->res, 0, 1), lower) != 0) {
        clear_result(pg);
        return lmkv_error_set(LMKV_EINVAL, "commit prefix '%s' matches several states pushed to %s: give more digits",
                              state, pg->label);
    }
    *out_state_key = atoll(PQgetvalue(pg->res, 0, 0));
    if (out_name) *out_name = PQgetvalue(pg->res, 0, 1);
    return LMKV_OK;
}

static size_t eff_limit(size_t limit) { return limit ? limit : LMKV_GRAPH_DEFAULT_LIMIT; }
static int check_name(const char *q_, const char *name)
{
    if (!name || !*name) return lmkv_error_set(LMKV_EINVAL, "graph %s: empty name", q_);
    return LMKV_OK;
}
static int check_depth(const char *q_, unsigned *depth)
{
    if (*depth == 0) *depth = LMKV_GRAPH_DEFAULT_DEPTH;
    if (*depth > LMKV_GRAPH_MAX_DEPTH)
        return lmkv_error_set(LMKV_EINVAL, "graph %s: depth %u over the maximum %d", q_, *depth, LMKV_GRAPH_MAX_DEPTH);
    return LMKV_OK;
}

/* As graph's require_known: NAME is a symbol (name or qualified name), a
 * callee (calls_too) or a reference target (refs_too) of the pushed state. */
static int require_known(lmkv_pg *pg, const char *wsk, const char *q_, const char *name, int calls_too, int refs_too)
{
    PGresult *r = NULL;
    const char *p[4] = {wsk, name, calls_too ? "t" : "f", refs_too ? "t" : "f"};
    int rc = q(pg, &r, "server query",
               "SELECT EXISTS (SELECT 1 FROM lmkv.symbol WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND name = $2)"
               " OR EXISTS (SELECT 1 FROM lmkv.symbol WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND qualified_name = $2)"
               " OR ($3::boolean AND EXISTS (SELECT 1 FROM lmkv.call WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND callee = $2))"
               " OR ($4::boolean AND EXISTS (SELECT 1 FROM lmkv.ref WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND target = $2))",
               4, p);
    if (rc != LMKV_OK) return rc;
    int known = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (known) return LMKV_OK;
    return lmkv_error_set(LMKV_NOTFOUND, "graph %s: no symbol, call or reference named '%s' in the state pushed to %s",
                          q_, name, pg->label);
}

static uint32_t u32v(PGresult *r, int i, int c) { return (uint32_t)strtoul(PQgetvalue(r, i, c), NULL, 10); }
static const char *sv(PGresult *r, int i, int c) { return PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c); }

static int calls_query(size_t *out_n, int *out_trunc, lmkv_pg *pg, int64_t state_key, const char *name, size_t limit,
                       lmkv_store_call_fn fn, void *ctx, int callers)
{
    const char *qn = callers ? "callers" : "callees";
    int rc;
    if (!pg || !fn) return lmkv_error_set(LMKV_EINVAL, "graph %s: NULL argument", qn);
    if ((rc = check_name(qn, name)) != LMKV_OK) return rc;
    clear_result(pg);
    limit = eff_limit(limit);
    char wsk[24], lim[24];
    snprintf(wsk, sizeof wsk, "%lld", (long long)state_key);
    snprintf(lim, sizeof lim, "%zu", limit + 1);
    const char *p[3] = {wsk, name, lim};
    PGresult *r = NULL;
    rc = q(pg, &r, "server query",
           callers ? "SELECT fv, caller, callee, file, line, col FROM lmkv.call WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND callee = $2"
                     " ORDER BY fv, callee_rank LIMIT $3::bigint"
                   : "SELECT fv, caller, callee, file, line, col FROM lmkv.call WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND caller = $2"
                     " ORDER BY fv, caller_rank LIMIT $3::bigint",
           3, p);
    if (rc != LMKV_OK) return rc;
    size_t n = (size_t)PQntuples(r), i;
    for (i = 0; i < n && i < limit; i++) {
        lmkv_call c;
        memset(&c, 0, sizeof c);
        c.file_version_id = from_db(atoll(PQgetvalue(r, (int)i, 0)));
        c.caller_name = sv(r, (int)i, 1);
        c.callee_name = sv(r, (int)i, 2);
        c.file_path = sv(r, (int)i, 3);
        c.line = u32v(r, (int)i, 4);
        c.column = u32v(r, (int)i, 5);
        c.argument_count = -1;
        int x = fn(ctx, &c);
        if (x < 0) { PQclear(r); return x; }
        if (x > 0) { i++; break; }
    }
    PQclear(r);
    if (n == 0 && (rc = require_known(pg, wsk, qn, name, !callers, 1)) != LMKV_OK) return rc;
    if (out_n) *out_n = i;
    if (out_trunc) *out_trunc = n > limit;
    return LMKV_OK;
}

int lmkv_pg_callers(size_t *out_n, int *out_truncated, lmkv_pg *pg, int64_t state_key,
                             const char *name, size_t limit, lmkv_store_call_fn fn, void *ctx)
{
    return calls_query(out_n, out_truncated, pg, state_key, name, limit, fn, ctx, 1);
}
int lmkv_pg_callees(size_t *out_n, int *out_truncated, lmkv_pg *pg, int64_t state_key,
                             const char *name, size_t limit, lmkv_store_call_fn fn, void *ctx)
{
    return calls_query(out_n, out_truncated, pg, state_key, name, limit, fn, ctx, 0);
}

int lmkv_pg_refs(size_t *out_n, int *out_truncated, lmkv_pg *pg, int64_t state_key,
                          const char *name, size_t limit, lmkv_store_reference_fn fn, void *ctx)
{
    int rc;
    if (!pg || !fn) return lmkv_error_set(LMKV_EINVAL, "graph refs: NULL argument");
    if ((rc = check_name("refs", name)) != LMKV_OK) return rc;
    clear_result(pg);
    limit = eff_limit(limit);
    char wsk[24], lim[24];
    snprintf(wsk, sizeof wsk, "%lld", (long long)state_key);
    snprintf(lim, sizeof lim, "%zu", limit + 1);
    const char *p[3] = {wsk, name, lim};
    PGresult *r = NULL;
    rc = q(pg, &r, "server query",
           "SELECT fv, source, target, file, line, col, kind FROM lmkv.ref WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND target = $2"
           " ORDER BY fv, target_rank LIMIT $3::bigint", 3, p);
    if (rc != LMKV_OK) return rc;
    size_t n = (size_t)PQntuples(r), i;
    for (i = 0; i < n && i < limit; i++) {
        lmkv_reference x;
        memset(&x, 0, sizeof x);
        x.file_version_id = from_db(atoll(PQgetvalue(r, (int)i, 0)));
        x.source_name = sv(r, (int)i, 1);
        x.target_name = sv(r, (int)i, 2);
        x.file_path = sv(r, (int)i, 3);
        x.start_line = u32v(r, (int)i, 4);
        x.start_column = u32v(r, (int)i, 5);
        x.kind = (lmkv_reference_kind)atoi(PQgetvalue(r, (int)i, 6));
        int y = fn(ctx, &x);
        if (y < 0) { PQclear(r); return y; }
        if (y > 0) { i++; break; }
    }
    PQclear(r);
    if (n == 0 && (rc = require_known(pg, wsk, "refs", name, 1, 0)) != LMKV_OK) return rc;
    if (out_n) *out_n = i;
    if (out_truncated) *out_truncated = n > limit;
    return LMKV_OK;
}

static lmkv_graph_item *push_item(lmkv_pg *pg)
{
    if (pg->nitems == pg->cap && LMKV_ARRAY_GROW(pg->items, pg->cap, pg->cap + 1, 64)) return NULL;
    lmkv_graph_item *it = &pg->items[pg->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}
static int push_group(lmkv_pg *pg)
{
    if (pg->ngroups + 2 > pg->gcap && LMKV_ARRAY_GROW(pg->group_start, pg->gcap, pg->gcap + 1, 16))
        return -1;
    pg->group_start[pg->ngroups++] = pg->nitems;
    pg->group_start[pg->ngroups] = pg->nitems;
    return 0;
}
static void fill(lmkv_graph_result *out, lmkv_pg *pg, int trunc, int grouped)
{
    memset(out, 0, sizeof *out);
    out->items = pg->items;
    out->n = pg->nitems;
    out->truncated = trunc;
    if (grouped && pg->ngroups) {
        pg->group_start[pg->ngroups] = pg->nitems;
        out->groups = pg->ngroups;
        out->group_start = pg->group_start;
    }
}

int lmkv_pg_impact(lmkv_graph_result *out, lmkv_pg *pg, int64_t state_key,
                            const char *name, unsigned depth, size_t limit)
{
    int rc;
    if (!out || !pg) return lmkv_error_set(LMKV_EINVAL, "graph impact: NULL argument");
    if ((rc = check_name("impact", name)) != LMKV_OK) return rc;
    if ((rc = check_depth("impact", &depth)) != LMKV_OK) return rc;
    clear_result(pg);
    limit = eff_limit(limit);
    char wsk[24], dep[16], lim[24];
    snprintf(wsk, sizeof wsk, "%lld", (long long)state_key);
    snprintf(dep, sizeof dep, "%u", depth);
    snprintf(lim, sizeof lim, "%zu", limit + 1);
    if ((rc = require_known(pg, wsk, "impact", name, 1, 1)) != LMKV_OK) return rc;
    const char *p[4] = {wsk, name, dep, lim};
    /* breadth-first over callers and referrers to depth + 1 (a name at
     * depth + 1 means the depth cut the answer); each name at its least
     * depth; its definition: the first symbol of that name in (file
     * version, id) order that is not a declaration, else the first.
     * The state's edges are one MATERIALIZED CTE: inlined into the
     * recursive step, PostgreSQL 15 planned a nested loop of every
     * frontier name against every edge (SQLite's amalgamation, depth 3:
     * 36 s; materialized, a hash join: 0.3 s) */
    rc = q(pg, &pg->res, "server query",
           "WITH RECURSIVE e AS MATERIALIZED ("
           "    SELECT callee AS dst, caller AS src FROM lmkv.call WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND caller <> ''"
           "    UNION ALL"
           "    SELECT target, source FROM lmkv.ref WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND source <> ''),"
           " w(name, d) AS ("
           "  SELECT $2::text COLLATE \"C\", 0"
           "  UNION"
           "  SELECT e.src, w.d + 1 FROM w JOIN e ON e.dst = w.name WHERE w.d <= $3::integer),"
           " r AS (SELECT name, min(d) AS d FROM w GROUP BY name)"
           " SELECT r.name, r.d, s.file, s.line, s.kind, s.signature, s.col FROM r"
           " LEFT JOIN LATERAL (SELECT file, line, kind, signature, col FROM lmkv.symbol s"
           "   WHERE (s.ws_key, s.fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND s.name = r.name ORDER BY s.is_decl, s.fv, s.sid LIMIT 1) s ON true"
           " WHERE r.d >= 1 ORDER BY r.d, r.name LIMIT $4::bigint",
           4, p);
    if (rc != LMKV_OK) return rc;
    int n = PQntuples(pg->res), trunc = 0;
    for (int i = 0; i < n; i++) {
        unsigned d = u32v(pg->res, i, 1);
        if (d > depth || pg->nitems >= limit) { trunc = 1; break; }
        lmkv_graph_item *it = push_item(pg);
        if (!it) return lmkv_error_set(LMKV_ENOMEM, "graph impact: out of memory");
        it->name = PQgetvalue(pg->res, i, 0);
        it->depth = d;
        if (!PQgetisnull(pg->res, i, 2)) {
            it->file = PQgetvalue(pg->res, i, 2);
            it->line = u32v(pg->res, i, 3);
            it->kind = atoi(PQgetvalue(pg->res, i, 4));
            it->detail = sv(pg->res, i, 5);
            it->column = u32v(pg->res, i, 6);
        }
    }
    fill(out, pg, trunc, 0);
    return LMKV_OK;
}

int lmkv_pg_paths(lmkv_graph_result *out, lmkv_pg *pg, int64_t state_key,
                           const char *from, const char *to, unsigned depth, size_t limit)
{
    int rc;
    if (!out || !pg) return lmkv_error_set(LMKV_EINVAL, "graph paths: NULL argument");
    if ((rc = check_name("paths", from)) != LMKV_OK || (rc = check_name("paths", to)) != LMKV_OK) return rc;
    if ((rc = check_depth("paths", &depth)) != LMKV_OK) return rc;
    clear_result(pg);
    limit = eff_limit(limit);
    char wsk[24], dep[16], lim[24];
    snprintf(wsk, sizeof wsk, "%lld", (long long)state_key);
    snprintf(dep, sizeof dep, "%u", depth);
    snprintf(lim, sizeof lim, "%zu", limit + 1);
    if ((rc = require_known(pg, wsk, "paths", from, 1, 1)) != LMKV_OK ||
        (rc = require_known(pg, wsk, "paths", to, 1, 1)) != LMKV_OK)
        return rc;
    const char *p[5] = {wsk, from, to, dep, lim};
    /* distance to TO over callers (reverse breadth-first, to depth), then
     * the simple paths FROM -> TO that can still reach it, shortest first,
     * then in byte order of the names (array order, COLLATE "C") */
    rc = q(pg, &pg->res, "server query",
           "WITH RECURSIVE e AS (SELECT DISTINCT caller AS src, callee AS dst FROM lmkv.call"
           "   WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND caller <> '' AND callee <> ''),"
           " rev(name, d) AS (SELECT $3::text COLLATE \"C\", 0"
           "   UNION SELECT e.src, rev.d + 1 FROM rev JOIN e ON e.dst = rev.name WHERE rev.d < $4::integer),"
           " dto AS (SELECT name, min(d) AS d FROM rev GROUP BY name),"
           " p(path, last, len) AS ("
           "   SELECT ARRAY[$2::text COLLATE \"C\"], $2::text COLLATE \"C\", 0"
           "     WHERE EXISTS (SELECT 1 FROM dto WHERE name = $2::text COLLATE \"C\")"
           "   UNION ALL"
           "   SELECT p.path || e.dst, e.dst, p.len + 1 FROM p JOIN e ON e.src = p.last JOIN dto ON dto.name = e.dst"
           "   WHERE p.last <> $3::text COLLATE \"C\" AND p.len < $4::integer AND NOT e.dst = ANY(p.path)"
           "     AND dto.d <= $4::integer - p.len - 1)"
           " SELECT path FROM p WHERE last = $3::text COLLATE \"C\" ORDER BY len, path LIMIT $5::bigint",
           5, p);
    if (rc != LMKV_OK) return rc;
    int n = PQntuples(pg->res), trunc = 0;
    /* each path is a text[] literal "{a,b,c}" (elements quoted when needed):
     * parsed in place into the result's own copy */
    for (int i = 0; i < n; i++) {
        if (pg->ngroups >= limit) { trunc = 1; break; }
        if (push_group(pg) != 0) return lmkv_error_set(LMKV_ENOMEM, "graph paths: out of memory");
        char *s = PQgetvalue(pg->res, i, 0); /* owned by the result: parsed in place */
        char *rp = s + 1, *wp = s;
        uint32_t pos = 0;
        while (*rp && *rp != '}') {
            char *start = wp;
            if (*rp == '"') {
                rp++;
                while (*rp && *rp != '"') { if (*rp == '\\' && rp[1]) rp++; *wp++ = *rp++; }
                if (*rp == '"') rp++;
            } else {
                while (*rp && *rp != ',' && *rp != '}') *wp++ = *rp++;
            }
            char sep = *rp;
            *wp++ = 0;
            lmkv_graph_item *it = push_item(pg);
            if (!it) return lmkv_error_set(LMKV_ENOMEM, "graph paths: out of memory");
            it->name = start;
            it->depth = pos++;
            if (sep == ',') rp++;
        }
    }
    fill(out, pg, trunc, 1);
    return LMKV_OK;
}

int lmkv_pg_cycles(lmkv_graph_result *out, lmkv_pg *pg, int64_t state_key, size_t limit)
{
    int rc;
    if (!out || !pg) return lmkv_error_set(LMKV_EINVAL, "graph cycles: NULL argument");
    clear_result(pg);
    limit = eff_limit(limit);
    char wsk[24], lim[24];
    snprintf(wsk, sizeof wsk, "%lld", (long long)state_key);
    snprintf(lim, sizeof lim, "%zu", limit + 1);
    const char *p[2] = {wsk, lim};
    /* a function is on a cycle iff it reaches itself; its component is
     * what it reaches and is reached by; only functions that both call and
     * are called can be on one, so the closure is of those edges only.
     * One row per member: (component's first name, member, size). */
    rc = q(pg, &pg->res, "server query",
           "WITH RECURSIVE e0 AS (SELECT DISTINCT caller AS src, callee AS dst FROM lmkv.call"
           "   WHERE (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $1::bigint) AND caller <> '' AND callee <> ''),"
           " e AS (SELECT src, dst FROM e0 WHERE src IN (SELECT dst FROM e0) AND dst IN (SELECT src FROM e0)),"
           " reach(a, b) AS (SELECT src, dst FROM e UNION SELECT reach.a, e.dst FROM reach JOIN e ON e.src = reach.b),"
           " m AS (SELECT r.a, min(r.b) AS comp FROM reach r JOIN reach back ON back.a = r.b AND back.b = r.a GROUP BY r.a),"
           " c AS (SELECT comp, count(*) AS n FROM m GROUP BY comp ORDER BY n DESC, comp LIMIT $2::bigint)"
           " SELECT c.comp, m.a, c.n FROM c JOIN m ON m.comp = c.comp ORDER BY c.n DESC, c.comp, m.a",
           2, p);
    if (rc != LMKV_OK) return rc;
    int n = PQntuples(pg->res), trunc = 0;
    const char *prev = NULL;
    for (int i = 0; i < n; i++) {
        const char *comp = PQgetvalue(pg->res, i, 0);
        if (!prev || strcmp(prev, comp) != 0) {
            if (pg->ngroups >= limit) { trunc = 1; break; }
            if (push_group(pg) != 0) return lmkv_error_set(LMKV_ENOMEM, "graph cycles: out of memory");
            prev = comp;
        }
        lmkv_graph_item *it = push_item(pg);
        if (!it) return lmkv_error_set(LMKV_ENOMEM, "graph cycles: out of memory");
        it->name = PQgetvalue(pg->res, i, 1);
        it->depth = (uint32_t)(pg->ngroups - 1);
    }
    fill(out, pg, trunc, 1);
    return LMKV_OK;
}
