/* Shared helpers of the lmkv tool; see cli.h. */
#include "cli.h"
#include "lmkv_kv.h"
#include "lmkv_schema.h"
#include "lmkv_versioning.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* One line, whatever the arguments held. */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    fflush(stdout);
    if (strcmp(cmd, "lmkv") == 0) fprintf(stderr, "lmkv: %s\n", buf);
    else fprintf(stderr, "lmkv %s: %s\n", cmd, buf);
}

int cli_exit_for(int err)
{
    switch (err) {
    case LMKV_OK: return EXIT_OK_;
    case LMKV_NOTFOUND: case LMKV_ETREE: return EXIT_NOTFOUND;
    case LMKV_EINVAL: case LMKV_EPARSE: return EXIT_USAGE;
    case LMKV_ECORRUPT: case LMKV_EVERSION: case LMKV_ECOLLISION: return EXIT_DAMAGED;
    default: return EXIT_IO;
    }
}

int cli_fail(const char *cmd, int err, const char *what)
{
    const char *msg = lmkv_errmsg();
    if (!msg || !*msg) msg = lmkv_strerror(err);
    /* Keep the report on one line even if a message carries a newline. */
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", msg);
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    cli_error(cmd, "%s: %s", what, buf);
    return cli_exit_for(err);
}

int cli_parse_common(int argc, char **argv, int *idx)
{
    /* Global options before the command name: --db DIR, --json, --hex, -q. */
    int i = *idx;
    while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) lmkv_cli.json = 1;
        else if (!strcmp(a, "--hex")) lmkv_cli.hex = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) lmkv_cli.quiet = 1;
        else if (!strcmp(a, "--db")) {
            if (i + 1 >= argc) { cli_error("lmkv", "--db needs a directory"); *idx = i; return -1; }
            lmkv_cli.db = argv[++i];
        } else if (!strncmp(a, "--db=", 5)) lmkv_cli.db = a + 5;
        else break; /* -h, -V and unknown options are handled by the caller */
        i++;
    }
    *idx = i;
    if (lmkv_cli.db && !*lmkv_cli.db) { cli_error("lmkv", "--db needs a non-empty directory"); return -1; }
    return 0;
}

void cli_getopt_begin(void)
{
    optind = 0; /* GNU: full re-initialisation */
    opterr = 0;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
    char spec[128];
    snprintf(spec, sizeof spec, ":%s", shortopts);
    for (;;) {
        int prev = optind ? optind : 1;
        int c = getopt_long(argc, argv, spec, longopts, NULL);
        switch (c) {
        case CLI_OPT_DB:
            if (!optarg || !*optarg) { cli_error(cmd, "--db needs a non-empty directory"); return '?'; }
            lmkv_cli.db = optarg;
            continue;
        case CLI_OPT_JSON: lmkv_cli.json = 1; continue;
        case CLI_OPT_HEX: lmkv_cli.hex = 1; continue;
        case 'q': lmkv_cli.quiet = 1; continue;
        case ':': {
            const char *a = (prev < argc) ? argv[prev] : "";
            if (optopt && optopt < 0x100 && !(a[0] == '-' && a[1] == '-'))
                cli_error(cmd, "option -%c needs an argument (see lmkv %s --help)", optopt, cmd);
            else
                cli_error(cmd, "option %s needs an argument (see lmkv %s --help)", a, cmd);
            return '?';
        }
        case '?': {
            if (optopt && optopt < 0x100)
                cli_error(cmd, "unknown option -%c (see lmkv %s --help)", optopt, cmd);
            else {
                const char *a = (optind - 1 > 0 && optind - 1 < argc) ? argv[optind - 1] : "?";
                cli_error(cmd, "unknown or ambiguous option %s (see lmkv %s --help)", a, cmd);
            }
            return '?';
        }
        default:
            return c;
        }
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cli_hex_decode(const char *cmd, const char *what, const char *hex, unsigned char **out, size_t *outlen)
{
    size_t n = strlen(hex);
    if (n % 2) { cli_error(cmd, "%s is not valid hex: odd number of digits (%zu)", what, n); return -1; }
    unsigned char *buf = malloc(n / 2 + 1);
    if (!buf) { cli_error(cmd, "out of memory"); return -1; }
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval((unsigned char)hex[i]), lo = hexval((unsigned char)hex[i + 1]);
        if (hi < 0 || lo < 0) {
            cli_error(cmd, "%s is not valid hex: bad digit at offset %zu", what, hi < 0 ? i : i + 1);
            free(buf);
            return -1;
        }
        buf[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    buf[n / 2] = 0;
    *out = buf;
    *outlen = n / 2;
    return 0;
}

int cli_bytes_arg(const char *cmd, const char *what, const char *arg, int hex,
                  unsigned char **out, size_t *outlen)
{
    if (hex) return cli_hex_decode(cmd, what, arg, out, outlen);
    size_t n = strlen(arg);
    unsigned char *buf = malloc(n + 1);
    if (!buf) { cli_error(cmd, "out of memory"); return -1; }
    memcpy(buf, arg, n + 1);
    *out = buf;
    *outlen = n;
    return 0;
}

int cli_key_arg(const char *cmd, const char *arg, unsigned char **out, size_t *outlen)
{
    return cli_bytes_arg(cmd, "key", arg, lmkv_cli.hex, out, outlen);
}

int cli_parse_u64(const char *cmd, const char *what, const char *arg, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!arg || !*arg) goto bad;
    for (const char *p = arg; *p; p++) {
        if (*p < '0' || *p > '9') goto bad;
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10) {
            cli_error(cmd, "%s must be at most %llu, got '%s'", what, (unsigned long long)max, arg);
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
bad:
    cli_error(cmd, "%s must be a non-negative decimal integer, got '%s'", what, arg ? arg : "");
    return -1;
}

int cli_parse_seconds(const char *cmd, const char *what, const char *arg, uint64_t *out_ms)
{
    /* At most 10^9 seconds with up to 3 fractional digits, no exponent. */
    uint64_t whole = 0, frac = 0;
    int nfrac = 0, ndig = 0;
    const char *p = arg ? arg : "";
    for (; *p >= '0' && *p <= '9'; p++, ndig++) {
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > 1000000000ull) goto bad;
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++, ndig++)
            if (nfrac < 3) { frac = frac * 10 + (uint64_t)(*p - '0'); nfrac++; }
    }
    if (*p != '\0' || ndig == 0) goto bad;
    while (nfrac < 3) { frac *= 10; nfrac++; }
    *out_ms = whole * 1000 + frac;
    return 0;
bad:
    cli_error(cmd, "%s must be a number of seconds (e.g. 5 or 0.5, at most 1e9), got '%s'", what, arg ? arg : "");
    return -1;
}

/* Length of the valid UTF-8 sequence at p[0..n) or 0 (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (len > n) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (p[k] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
    return len;
}

int cli_is_printable_utf8(const void *vp, size_t n)
{
    const unsigned char *p = vp;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x20 || p[i] == 0x7f) return 0;
        size_t len = utf8_seq(p + i, n - i);
        if (len == 0) return 0;
        i += len;
    }
    return 1;
}

/* 1 if p[0..n) is entirely valid UTF-8 (controls allowed). */
static int valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = utf8_seq(p + i, n - i);
        if (len == 0) return 0;
        i += len;
    }
    return 1;
}

void cli_print_bytes(FILE *f, const void *vp, size_t n, int force_hex)
{
    const unsigned char *b = vp;
    if (force_hex) {
        for (size_t i = 0; i < n; i++) fprintf(f, "%02x", b[i]);
        return;
    }
    /* Non-ASCII characters are printed only when the whole string is valid
     * UTF-8; otherwise (binary keys) every byte >= 0x80 is escaped, so binary
     * data never shows as stray characters. */
    int utf8 = valid_utf8(b, n);
    size_t i = 0;
    while (i < n) {
        unsigned char c = b[i];
        if (c == '\\') { fputs("\\\\", f); i++; continue; }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) { fprintf(f, "\\x%02x", c); i++; continue; }
        size_t len = utf8_seq(b + i, n - i);
        fwrite(b + i, 1, len, f);
        i += len;
    }
}

int cli_unescape(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
    unsigned char *buf = malloc(n + 1);
    if (!buf) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') { buf[o++] = (unsigned char)s[i]; continue; }
        if (i + 1 < n && s[i + 1] == '\\') { buf[o++] = '\\'; i++; continue; }
        if (i + 3 < n && s[i + 1] == 'x') {
            int hi = hexval((unsigned char)s[i + 2]), lo = hexval((unsigned char)s[i + 3]);
            if (hi >= 0 && lo >= 0) { buf[o++] = (unsigned char)(hi << 4 | lo); i += 3; continue; }
        }
        free(buf);
        return -1;
    }
    buf[o] = 0;
    *out = buf;
    *outlen = o;
    return 0;
}

int cli_json_set_bytes(json_t *obj, const char *name, const void *p, size_t n, int force_hex)
{
    char key[96];
    if (!force_hex && valid_utf8(p, n)) {
        /* Text: valid UTF-8 whose only control characters are tab, LF, CR. */
        const unsigned char *b = p;
        size_t i = 0;
        for (; i < n; i++)
            if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') || b[i] == 0x7f) break;
        if (i == n) {
            json_t *s = json_stringn(n ? (const char *)p : "", n);
            if (s) return json_object_set_new(obj, name, s) == 0 ? 0 : -1;
        }
    }
    snprintf(key, sizeof key, "%s_hex", name);
    char *hex = malloc(n * 2 + 1);
    if (!hex) return -1;
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { hex[2 * i] = digits[b[i] >> 4]; hex[2 * i + 1] = digits[b[i] & 15]; }
    hex[2 * n] = 0;
    json_t *s = json_stringn(hex, 2 * n);
    free(hex);
    if (!s) return -1;
    return json_object_set_new(obj, key, s) == 0 ? 0 : -1;
}

int cli_json_print(const char *cmd, json_t *v)
{
    if (!v) { cli_error(cmd, "out of memory building JSON output"); return -1; }
    /* reals (times in ms) with 9 significant digits: 8.629, not
     * 8.6289999999999996 (jansson's default prints 17) */
    int rc = json_dumpf(v, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9));
    json_decref(v);
    if (rc != 0 || fputc('\n', stdout) == EOF) {
        cli_error(cmd, "writing output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int cli_is_tty(int fd) { return isatty(fd); }

uint64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void cli_progress_begin(struct cli_progress *p, const char *label, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->total = total;
    p->active = !lmkv_cli.quiet && !lmkv_cli.json && cli_is_tty(2);
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
    if (!p->active) return;
    uint64_t now = cli_now_ms();
    if (p->drawn && now - p->last_ms < 100 && done != p->total) return;
    p->last_ms = now;
    p->drawn = 1;
    if (p->total) {
        uint64_t d = done > p->total ? p->total : done;
        int width = 30, fill = (int)(d * (uint64_t)width / p->total);
        fprintf(stderr, "\r%s [", p->label);
        for (int i = 0; i < width; i++) fputc(i < fill ? '#' : '.', stderr);
        fprintf(stderr, "] %3d%% %llu/%llu", (int)(d * 100 / p->total),
                (unsigned long long)d, (unsigned long long)p->total);
    } else if (done) {
        fprintf(stderr, "\r%s %llu", p->label, (unsigned long long)done);
    } else {
        fprintf(stderr, "\r%s ...", p->label);
    }
    fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->active && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->active = 0;
}

/* ------------------------------------------------------------ database */

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cli_error(cmd, "%s (see lmkv %s --help)", buf, cmd);
    return EXIT_USAGE;
}

int cli_db_open(const char *cmd, int mode, lmkv_db **out)
{
    const char *dir = lmkv_cli.db;
    struct stat st;
    if (mode != CLI_DB_CREATE) {
        if (stat(dir, &st) != 0) {
            int e = errno;
            cli_error(cmd, "no database at %s: %s", dir, strerror(e));
            return (e == ENOENT || e == ENOTDIR) ? EXIT_NOTFOUND : EXIT_IO;
        }
        if (!S_ISDIR(st.st_mode)) {
            cli_error(cmd, "no database at %s: not a directory", dir);
            return EXIT_NOTFOUND;
        }
        char data[4096];
        snprintf(data, sizeof data, "%s/data.mdb", dir);
        if (stat(data, &st) != 0) {
            int e = errno;
            cli_error(cmd, "no database at %s: %s: %s", dir, data, strerror(e));
            return e == ENOENT ? EXIT_NOTFOUND : EXIT_IO;
        }
    }
    lmkv_config cfg;
    lmkv_config_init(&cfg);
    cfg.path = dir;
    cfg.read_only = mode == CLI_DB_READ;
    cfg.flush_every_ms = 0;
    lmkv_db *db = NULL;
    int rc = lmkv_db_open(&db, &cfg);
    if (rc != LMKV_OK) {
        char what[4200];
        snprintf(what, sizeof what, "opening database %s", dir);
        return cli_fail(cmd, rc, what);
    }
    if (lmkv_db_is_lockless(db) && !lmkv_cli.quiet)
        cli_error(cmd, "note: %s/lock.mdb cannot be opened or created (a read-only database): reading without "
                  "LMDB's lock (MDB_NOLOCK, as mdb_dump does); a process writing it meanwhile can change what "
                  "this one reads", dir);
    *out = db;
    return EXIT_OK_;
}

const char *cli_tree_label(const struct cli_tree_sel *sel)
{
    static char buf[600];
    if (!sel->name) return "default tree '__sled__default'";
    char *esc = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&esc, &len);
    if (m) {
        cli_print_bytes(m, sel->name, strlen(sel->name), 0);
        fclose(m);
    }
    snprintf(buf, sizeof buf, "%s tree %s'%.500s'", sel->system ? "system" : "user", sel->hex ? "hex " : "",
             esc ? esc : "?");
    free(esc);
    return buf;
}

int cli_tree_opt(struct cli_tree_sel *sel, int c, const char *arg)
{
    switch (c) {
    case CLI_OPT_TREE: sel->name = arg; sel->hex = 0; return 1;
    case CLI_OPT_TREE_HEX: sel->name = arg; sel->hex = 1; return 1;
    case CLI_OPT_SYSTEM: sel->system = 1; return 1;
    default: return 0;
    }
}

int cli_workspace_open(const char *cmd, int mode, const char *root, unsigned wflags,
                       lmkv_db **db, lmkv_store **st, lmkv_worktree **wt)
{
    int ret, rc;
    *db = NULL;
    *st = NULL;
    *wt = NULL;
    if ((ret = cli_db_open(cmd, mode, db)) != EXIT_OK_) return ret;
    if ((rc = lmkv_store_open(st, *db)) != LMKV_OK) return cli_fail(cmd, rc, "opening the store");
    if ((rc = lmkv_worktree_open(wt, *st, root, wflags)) != LMKV_OK) return cli_fail(cmd, rc, "opening the workspace");
    return EXIT_OK_;
}

int cli_tree_cmd_options(const char *cmd, const char *usage, int argc, char **argv,
                         struct cli_tree_sel *sel, const struct cli_flag *flag)
{
    struct option opts[] = {
        CLI_TREE_LONGOPTS,
        {NULL, no_argument, NULL, CLI_OPT_FLAG}, /* flag->name, or removed below */
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const size_t nflag = 3, nopts = sizeof opts / sizeof opts[0];
    char shortopts[8] = {0};
    if (flag) {
        opts[nflag].name = flag->name;
        if (flag->letter) shortopts[0] = (char)flag->letter;
    } else {
        memmove(&opts[nflag], &opts[nflag + 1], (nopts - nflag - 1) * sizeof opts[0]);
    }
    strcat(shortopts, CLI_COMMON_SHORTOPTS);
    int c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, shortopts, opts)) != -1) {
        if (cli_tree_opt(sel, c, optarg)) continue;
        if (flag && (c == CLI_OPT_FLAG || (flag->letter && c == flag->letter))) { *flag->set = 1; continue; }
        if (c == 'h') { fputs(usage, stdout); return EXIT_OK_; }
        return EXIT_USAGE;
    }
    return -1;
}

int cli_key_not_found(const char *cmd, const struct cli_tree_sel *sel, const void *key, size_t klen)
{
    fflush(stdout);
    fprintf(stderr, "lmkv %s: key '", cmd);
    cli_print_bytes(stderr, key, klen, lmkv_cli.hex);
    fprintf(stderr, "' not found in %s\n", cli_tree_label(sel));
    return EXIT_NOTFOUND;
}

int cli_print_previous(const char *cmd, const lmkv_bytes *prev)
{
    if (!lmkv_cli.json) return 0;
    json_t *o = json_object();
    if (o && prev->data) {
        if (cli_json_set_bytes(o, "previous", prev->data, prev->size, lmkv_cli.hex) != 0) { json_decref(o); o = NULL; }
    } else if (o) {
        json_object_set_new(o, "previous", json_null());
    }
    return cli_json_print(cmd, o);
}

int cli_tree_open(const char *cmd, lmkv_db *db, const struct cli_tree_sel *sel, int create, lmkv_tree **out)
{
    unsigned char *name = NULL;
    size_t nlen = 0;
    const char *default_name = "__sled__default";
    if (sel->name) {
        if (cli_bytes_arg(cmd, "--tree-hex", sel->name, sel->hex, &name, &nlen) != 0) return EXIT_USAGE;
    } else if (sel->system) {
        return cli_usage_error(cmd, "--system needs --tree NAME");
    } else {
        name = (unsigned char *)strdup(default_name);
        if (!name) { cli_error(cmd, "out of memory"); return EXIT_IO; }
        nlen = strlen(default_name);
    }
    unsigned flags = (sel->system ? LMKV_TREE_SYSTEM : 0) | (create ? 0 : LMKV_TREE_NO_CREATE);
    lmkv_tree *t = NULL;
    int rc = lmkv_db_open_tree_ex(&t, db, name, nlen, flags);
    int ret = EXIT_OK_;
    if (rc == LMKV_NOTFOUND) {
        fflush(stdout);
        fprintf(stderr, "lmkv %s: no %s tree '", cmd, sel->system ? "system" : "such");
        cli_print_bytes(stderr, name, nlen, sel->hex);
        fprintf(stderr, "' in %s\n", lmkv_cli.db);
        ret = EXIT_NOTFOUND;
    } else if (rc != LMKV_OK) {
        ret = cli_fail(cmd, rc, "opening tree");
    } else {
        *out = t;
    }
    free(name);
    return ret;
}

/* Smallest key greater than every key starting with p: p with trailing 0xFF
 * bytes dropped and the last byte incremented; none when p is all 0xFF. */
static int prefix_successor(const unsigned char *p, size_t n, size_t *outlen)
{
    while (n > 0 && p[n - 1] == 0xFF) n--;
    *outlen = n;
    return n > 0;
}

static int bytes_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

int cli_range_init(const char *cmd, struct cli_range *r, const char *prefix, const char *from, const char *to)
{
    memset(r, 0, sizeof *r);
    r->lo.kind = r->hi.kind = LMKV_UNBOUNDED;
    if (prefix && cli_bytes_arg(cmd, "--prefix", prefix, lmkv_cli.hex, &r->prefix, &r->plen) != 0) return EXIT_USAGE;
    if (from && cli_bytes_arg(cmd, "--from", from, lmkv_cli.hex, &r->from, &r->flen) != 0) return EXIT_USAGE;
    if (to && cli_bytes_arg(cmd, "--to", to, lmkv_cli.hex, &r->to, &r->tlen) != 0) return EXIT_USAGE;
    /* lo = max(prefix, from) included; hi = min(succ(prefix), to) excluded. */
    if (r->prefix) r->lo = (lmkv_bound){LMKV_INCLUDED, r->prefix, r->plen};
    if (r->from && (!r->prefix || bytes_cmp(r->from, r->flen, r->prefix, r->plen) > 0))
        r->lo = (lmkv_bound){LMKV_INCLUDED, r->from, r->flen};
    if (r->prefix && prefix_successor(r->prefix, r->plen, &r->slen)) {
        if (!(r->succ = malloc(r->slen))) { cli_error(cmd, "out of memory"); return EXIT_IO; }
        memcpy(r->succ, r->prefix, r->slen);
        r->succ[r->slen - 1]++;
        r->hi = (lmkv_bound){LMKV_EXCLUDED, r->succ, r->slen};
    }
    if (r->to && (r->hi.kind == LMKV_UNBOUNDED || bytes_cmp(r->to, r->tlen, r->hi.key, r->hi.key_size) < 0))
        r->hi = (lmkv_bound){LMKV_EXCLUDED, r->to, r->tlen};
    return EXIT_OK_;
}

void cli_range_free(struct cli_range *r)
{
    free(r->prefix);
    free(r->from);
    free(r->to);
    free(r->succ);
    memset(r, 0, sizeof *r);
}

int cli_print_pair(const char *cmd, const void *tree, size_t tree_len,
                   const void *key, size_t klen, const void *value, size_t vlen)
{
    if (lmkv_cli.json) {
        json_t *o = json_object();
        if (!o) { cli_error(cmd, "out of memory"); return -1; }
        if ((tree && cli_json_set_bytes(o, "tree", tree, tree_len, lmkv_cli.hex) != 0) ||
            cli_json_set_bytes(o, "key", key, klen, lmkv_cli.hex) != 0 ||
            (value && cli_json_set_bytes(o, "value", value, vlen, lmkv_cli.hex) != 0)) {
            json_decref(o);
            cli_error(cmd, "out of memory");
            return -1;
        }
        return cli_json_print(cmd, o);
    }
    if (tree) { cli_print_bytes(stdout, tree, tree_len, lmkv_cli.hex); fputc('\t', stdout); }
    cli_print_bytes(stdout, key, klen, lmkv_cli.hex);
    if (value) { fputc('\t', stdout); cli_print_bytes(stdout, value, vlen, lmkv_cli.hex); }
    if (fputc('\n', stdout) == EOF) { cli_error(cmd, "writing output: %s", strerror(errno)); return -1; }
    return 0;
}

int cli_finish_output(const char *cmd)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(cmd, "writing output: %s", strerror(errno ? errno : EIO));
        return EXIT_IO;
    }
    return EXIT_OK_;
}

/* ------------------------------------------------------------ workspace */
struct wsfind { uint64_t ws; size_t n; };
static int count_ws(void *ctx, const lmkv_workspace *w)
{
    struct wsfind *f = ctx;
    f->ws = w->id;
    f->n++;
    return 0;
}

int cli_pick_workspace(const char *cmd, lmkv_store *st, const char *root, uint64_t *out_ws)
{
    lmkv_store_txn *t = NULL;
    int rc;
    uint64_t ws = 0;
    if ((rc = lmkv_store_txn_begin(&t, st)) != LMKV_OK) return cli_fail(cmd, rc, "reading workspaces");
    if (root) {
        char real[PATH_MAX];
        if (!realpath(root, real)) {
            lmkv_store_txn_end(t);
            cli_error(cmd, "workspace %s: %s", root, strerror(errno));
            return EXIT_NOTFOUND;
        }
        rc = lmkv_store_workspace_by_root(&ws, t, real, strlen(real));
        if (rc == LMKV_NOTFOUND) {
            lmkv_store_txn_end(t);
            cli_error(cmd, "workspace %s is not indexed in %s", real, lmkv_cli.db);
            return EXIT_NOTFOUND;
        }
    } else {
        struct wsfind f = {0, 0};
        rc = lmkv_store_workspaces(t, count_ws, &f);
        if (rc == LMKV_OK && f.n == 1) ws = f.ws;
        else if (rc == LMKV_OK && f.n == 0) {
            lmkv_store_txn_end(t);
            cli_error(cmd, "no indexed workspace in %s (run lmkv index first)", lmkv_cli.db);
            return EXIT_NOTFOUND;
        } else if (rc == LMKV_OK) {
            char real[PATH_MAX];
            if (!realpath(".", real)) { lmkv_store_txn_end(t); cli_error(cmd, "cwd: %s", strerror(errno)); return EXIT_IO; }
            rc = lmkv_store_workspace_by_root(&ws, t, real, strlen(real));
            if (rc == LMKV_NOTFOUND) {
                lmkv_store_txn_end(t);
                cli_error(cmd, "%zu workspaces in %s and %s is none of them: give --workspace", f.n, lmkv_cli.db, real);
                return EXIT_NOTFOUND;
            }
        }
    }
    lmkv_store_txn_end(t);
    if (rc != LMKV_OK) return cli_fail(cmd, rc, "reading workspaces");
    *out_ws = ws;
    return EXIT_OK_;
}
