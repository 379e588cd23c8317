#!/usr/bin/env bash
# lmkv's command-line conventions: --help on stdout with exit 0 for every
# command, -V, and every kind of bad argument answered with exit 2 and
# exactly one line on stderr (nothing on stdout), before touching the
# database.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
export LMKV_DB="$LMKV_TEST_TMP/db"
L insert k v >/dev/null

note "--help and -V"
run 0 L --help; contains "$OUT" "usage: lmkv"; contains "$OUT" "Exit codes"
run 0 L -V; contains "$OUT" "lmkv 0."
run 0 L --version; contains "$OUT" "(format 1)"
# every command `lmkv --help` lists (index, query, current, gc, export, diff too)
run 0 L --help
CMDS=$(echo "$OUT" | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
for c in stat trees get insert remove scan dump checksum verify compact watch export current gc index query diff; do
    contains " $(echo $CMDS) " " $c " "lmkv --help lists $c"
done
for c in $CMDS; do
    run 0 L "$c" --help
    contains "$OUT" "usage: lmkv $c" "$c --help"
    eq "$ERR" "" "$c --help writes nothing on stderr"
    run 0 L help "$c"; contains "$OUT" "usage: lmkv $c" "help $c"
    run 0 L "$c" -h; contains "$OUT" "usage: lmkv $c" "$c -h"
done

note "bad arguments: exit 2, one line on stderr, nothing on stdout"
bad() {
    run 2 L "$@"
    one_line_err "$*"
    eq "$OUT" "" "stdout of '$*'"
}
bad
bad nosuchcommand
bad $'two\nlines'
bad scan --limit $'1\n2'
bad --bogus stat
bad --db
bad --db ""
bad help nosuchcommand
bad stat --bogus
bad stat extra
bad stat --system
bad trees --system --all
bad trees -x
bad get
bad get a b
bad get --tree
bad get --raw --json k
bad get --hex 6
bad get --hex zz
bad get --tree-hex 0g k
bad insert
bad insert k
bad insert k v w
bad insert --stdin
bad insert --hex 00 0
bad remove
bad remove a b
bad scan --limit
bad scan --limit -1
bad scan --limit abc
bad scan --limit 99999999999999999999999
bad scan --from
bad scan --hex --prefix 0
bad scan --keys-only --count
bad scan extra
bad dump --user --system
bad dump --user --tree t
bad dump extra
bad checksum --system
bad checksum extra
bad verify --max-errors x
bad verify extra
bad compact
bad compact a b
bad compact ""
bad watch --count 0
bad watch --count x
bad watch --timeout abc
bad watch --timeout -1
bad watch --interval 0
bad watch a b
bad watch --hex 0
bad export
bad export a b
bad export -
bad export --bogus f
bad current extra
bad current --bogus
bad gc extra
bad gc --bogus
bad index --bogus
bad query
bad query nosuch x
bad query callers
bad query paths a
bad query cycles extra
bad query callers ""
bad query impact a --depth 65
bad query impact a --depth x
bad query callers a --limit -1
bad query callers a --keep "x*"
bad diff
bad diff a
bad diff a b c
# The message names the problem.
run 2 L get --hex 6; contains "$ERR" "odd number of digits"
run 2 L get --hex zz; contains "$ERR" "bad digit at offset 0"
run 2 L scan --limit abc; contains "$ERR" "--limit must be a non-negative decimal integer"
run 2 L nosuchcommand; contains "$ERR" "unknown command 'nosuchcommand'"
run 2 L stat --bogus; contains "$ERR" "unknown or ambiguous option --bogus"
run 2 L get --tree; contains "$ERR" "--tree needs an argument"
run 2 L query nosuch x; contains "$ERR" "unknown query kind 'nosuch'"
run 2 L query paths a; contains "$ERR" "paths takes 2 arguments, got 1"
run 2 L query impact a --depth 65; contains "$ERR" "--depth must be at most 64"
run 2 L export -; contains "$ERR" "FILE must be a path"

note "usage errors are found before the database is opened"
run 2 env LMKV_DB="$LMKV_TEST_TMP/absent" "$LMKV_BIN" get a b
[ ! -e "$LMKV_TEST_TMP/absent" ] || fail "usage error created a database"
run 2 env LMKV_DB="$LMKV_TEST_TMP/absent" "$LMKV_BIN" insert k
[ ! -e "$LMKV_TEST_TMP/absent" ] || fail "usage error created a database"
for c in "query nosuch x" "index --bogus" "export" "gc extra" "diff a"; do
    run 2 env LMKV_DB="$LMKV_TEST_TMP/absent" "$LMKV_BIN" $c
    [ ! -e "$LMKV_TEST_TMP/absent" ] || fail "usage error of '$c' created a database"
done

note "output to a closed pipe is an I/O error, not a crash"
L insert --tree big --stdin kk < <(head -c 100000 /dev/zero | tr '\0' x)
set +e
L scan --tree big | head -c 1 >/dev/null
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] || [ "$rc" -eq 141 ] || fail "scan into a closed pipe exited $rc"
echo "all checks passed"
