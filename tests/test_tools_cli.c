/*
 * test_tools_cli -- the lmkv tool's shared helpers (tools/lmkv/cli.c):
 * exact text escaping and its inverse, JSON byte members, hex decoding
 * errors, integer and duration parsing limits, getopt driver behaviour
 * (common options applied, unknown options and missing arguments refused).
 * cli.c is compiled into this program (it belongs to the tool, not to a
 * library archive).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../tools/lmkv/cli.c"

struct lmkv_cli_globals lmkv_cli;

static char *render(const void *p, size_t n, int hex)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    cli_print_bytes(m, p, n, hex);
    fclose(m);
    return buf;
}

static void test_escape_exact(void **state)
{
    (void)state;
    struct { const char *in; size_t n; const char *out; } cases[] = {
        {"plain text", 10, "plain text"},
        {"tab\there", 8, "tab\\x09here"},
        {"nl\n", 3, "nl\\x0a"},
        {"back\\slash", 10, "back\\\\slash"},
        {"\x00\xff", 2, "\\x00\\xff"},
        {"caf\xc3\xa9", 5, "caf\xc3\xa9"},                 /* valid UTF-8 stays */
        {"caf\xc3\xa9\xff", 6, "caf\\xc3\\xa9\\xff"},       /* invalid: every high byte escaped */
        {"\xed\xa0\x80", 3, "\\xed\\xa0\\x80"},           /* surrogate is not UTF-8 */
        {"\x7f", 1, "\\x7f"},
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = render(cases[i].in, cases[i].n, 0);
        assert_string_equal(s, cases[i].out);
        unsigned char *back = NULL;
        size_t blen = 0;
        assert_int_equal(cli_unescape(s, strlen(s), &back, &blen), 0);
        assert_int_equal(blen, cases[i].n);
        if (cases[i].n) assert_memory_equal(back, cases[i].in, cases[i].n);
        free(back);
        free(s);
    }
    char *h = render("\x00\xab", 2, 1);
    assert_string_equal(h, "00ab");
    free(h);
    unsigned char *b = NULL;
    size_t bl = 0;
    assert_int_equal(cli_unescape("\\x4", 3, &b, &bl), -1);
    assert_int_equal(cli_unescape("\\q", 2, &b, &bl), -1);
    assert_int_equal(cli_unescape("a\\", 2, &b, &bl), -1);
}

static void test_json_members(void **state)
{
    (void)state;
    json_t *o = json_object();
    assert_int_equal(cli_json_set_bytes(o, "a", "text\twith tab", 13, 0), 0);
    assert_int_equal(cli_json_set_bytes(o, "b", "Z\0\0", 3, 0), 0);      /* NUL: not text */
    assert_int_equal(cli_json_set_bytes(o, "c", "\xff", 1, 0), 0);
    assert_int_equal(cli_json_set_bytes(o, "d", "text", 4, 1), 0);       /* --hex */
    assert_int_equal(cli_json_set_bytes(o, "e", "", 0, 0), 0);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"a\":\"text\\twith tab\",\"b_hex\":\"5a0000\",\"c_hex\":\"ff\",\"d_hex\":\"74657874\",\"e\":\"\"}");
    free(s);
    json_decref(o);
}

static void test_hex_decode(void **state)
{
    (void)state;
    unsigned char *b = NULL;
    size_t n = 0;
    assert_int_equal(cli_hex_decode("t", "key", "00fFaB", &b, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(b, "\x00\xff\xab", 3);
    free(b);
    assert_int_equal(cli_hex_decode("t", "key", "", &b, &n), 0);
    assert_int_equal(n, 0);
    free(b);
    assert_int_equal(cli_hex_decode("t", "key", "abc", &b, &n), -1);
    assert_int_equal(cli_hex_decode("t", "key", "0g", &b, &n), -1);
    assert_int_equal(cli_hex_decode("t", "key", "x0", &b, &n), -1);
}

static void test_numbers(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(cli_parse_u64("t", "--limit", "18446744073709551615", UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(cli_parse_u64("t", "--limit", "18446744073709551616", UINT64_MAX, &v), -1);
    assert_int_equal(cli_parse_u64("t", "--limit", "007", UINT64_MAX, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(cli_parse_u64("t", "--count", "101", 100, &v), -1);
    assert_int_equal(cli_parse_u64("t", "--count", "100", 100, &v), 0);
    assert_int_equal(cli_parse_u64("t", "--limit", "", UINT64_MAX, &v), -1);
    assert_int_equal(cli_parse_u64("t", "--limit", "-1", UINT64_MAX, &v), -1);
    assert_int_equal(cli_parse_u64("t", "--limit", "1e3", UINT64_MAX, &v), -1);
    assert_int_equal(cli_parse_u64("t", "--limit", " 1", UINT64_MAX, &v), -1);
    uint64_t ms = 0;
    assert_int_equal(cli_parse_seconds("t", "--timeout", "2", &ms), 0);
    assert_int_equal(ms, 2000);
    assert_int_equal(cli_parse_seconds("t", "--timeout", "0.25", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(cli_parse_seconds("t", "--timeout", ".5", &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(cli_parse_seconds("t", "--timeout", "1.23456", &ms), 0);
    assert_int_equal(ms, 1234);
    assert_int_equal(cli_parse_seconds("t", "--timeout", "1000000000", &ms), 0);
    assert_int_equal(cli_parse_seconds("t", "--timeout", "1000000001", &ms), -1);
    assert_int_equal(cli_parse_seconds("t", "--timeout", ".", &ms), -1);
    assert_int_equal(cli_parse_seconds("t", "--timeout", "-1", &ms), -1);
    assert_int_equal(cli_parse_seconds("t", "--timeout", "1s", &ms), -1);
}

static void test_getopt(void **state)
{
    (void)state;
    static const struct option opts[] = {
        {"tree", required_argument, NULL, CLI_OPT_TREE},
        {"limit", required_argument, NULL, 'n'},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    char a0[] = "scan", a1[] = "--json", a2[] = "--db", a3[] = "/x", a4[] = "--tree", a5[] = "t",
         a6[] = "KEY", a7[] = "-q", a8[] = "--lim=5";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, NULL};
    memset(&lmkv_cli, 0, sizeof lmkv_cli);
    int c, seen_tree = 0, seen_limit = 0;
    cli_getopt_begin();
    while ((c = cli_getopt("scan", 9, argv, "n:" CLI_COMMON_SHORTOPTS, opts)) != -1) {
        if (c == CLI_OPT_TREE) { assert_string_equal(optarg, "t"); seen_tree = 1; }
        else if (c == 'n') { assert_string_equal(optarg, "5"); seen_limit = 1; }
        else fail_msg("unexpected option code %d", c);
    }
    assert_true(seen_tree && seen_limit);
    assert_true(lmkv_cli.json && lmkv_cli.quiet);
    assert_string_equal(lmkv_cli.db, "/x");
    assert_int_equal(9 - optind, 1); /* the operand, permuted to the end */
    assert_string_equal(argv[optind], "KEY");

    char b0[] = "scan", b1[] = "--bogus";
    char *bargv[] = {b0, b1, NULL};
    cli_getopt_begin();
    assert_int_equal(cli_getopt("scan", 2, bargv, "n:" CLI_COMMON_SHORTOPTS, opts), '?');
    char c0[] = "scan", c1[] = "--tree";
    char *cargv[] = {c0, c1, NULL};
    cli_getopt_begin();
    assert_int_equal(cli_getopt("scan", 2, cargv, "n:" CLI_COMMON_SHORTOPTS, opts), '?');
    char d0[] = "scan", d1[] = "--db=";
    char *dargv[] = {d0, d1, NULL};
    cli_getopt_begin();
    assert_int_equal(cli_getopt("scan", 2, dargv, "n:" CLI_COMMON_SHORTOPTS, opts), '?');
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(cli_exit_for(LMKV_OK), 0);
    assert_int_equal(cli_exit_for(LMKV_NOTFOUND), 1);
    assert_int_equal(cli_exit_for(LMKV_ETREE), 1);
    assert_int_equal(cli_exit_for(LMKV_EINVAL), 2);
    assert_int_equal(cli_exit_for(LMKV_ECORRUPT), 3);
    assert_int_equal(cli_exit_for(LMKV_EVERSION), 3);
    assert_int_equal(cli_exit_for(LMKV_EIO), 4);
    assert_int_equal(cli_exit_for(LMKV_EFULL), 4);
    assert_int_equal(cli_exit_for(LMKV_EREADONLY), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_exact),
        cmocka_unit_test(test_json_members),
        cmocka_unit_test(test_hex_decode),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_getopt),
        cmocka_unit_test(test_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
