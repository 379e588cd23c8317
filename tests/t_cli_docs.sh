#!/usr/bin/env bash
# lmkv's documentation matches the binary: the man page (docs/man/lmkv.1)
# renders without groff warnings, has a section for every command `lmkv
# --help` lists and names every option each command's --help shows; the bash
# completion (tools/completion/lmkv.bash) completes commands, query kinds, options read
# from --help, and tree names read from a real database; lmdb-migrate(1)
# renders cleanly and names every option and exit code of lmdb-migrate --help.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
MAN="$ROOT/docs/man/lmkv.1"
COMP="$ROOT/tools/completion/lmkv.bash"
[ -f "$MAN" ] || fail "missing $MAN"
[ -f "$COMP" ] || fail "missing $COMP"

note "the man page renders without warnings"
warn=$(groff -man -ww -z "$MAN" 2>&1 || true)
eq "$warn" "" "groff warnings"

note "every command has a section; every option of every command is documented"
run 0 L --help
cmds=$(echo "$OUT" | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 17 ] || fail "lmkv --help lists too few commands: $cmds"
for c in $cmds; do
    grep -q "^\.SS \"$c\b" "$MAN" || fail "man page has no section for '$c'"
done
text=$(MANWIDTH=200 man -l "$MAN" 2>/dev/null)
for c in $cmds; do
    run 0 L "$c" --help
    for o in $(echo "$OUT" | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        contains "$text" "$o" "man page lacks $o (of $c)"
    done
done
for s in "EXIT STATUS" "LMDB TOOLS" "mdb_stat -a" "mdb_dump -s" "t:__sled__default" "lmkv.catalog" CONCURRENCY OUTPUT LMKV_DB; do
    contains "$text" "$s" "man page section/term"
done

note "lmdb-migrate(1): renders without warnings, names every option and exit code of --help"
MMAN="$ROOT/docs/man/lmdb-migrate.1"
[ -f "$MMAN" ] || fail "missing $MMAN"
eq "$(groff -man -ww -z "$MMAN" 2>&1 || true)" "" "lmdb-migrate.1 groff warnings"
mtext=$(MANWIDTH=200 man -l "$MMAN" 2>/dev/null)
run 0 "${LMDB_MIGRATE_BIN:?}" --help
[ "$(echo "$OUT" | grep -oE -- '--[a-z][a-z-]*' | sort -u | wc -l)" -ge 10 ] || fail "lmdb-migrate --help lists too few options"
for o in $(echo "$OUT" | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    contains "$mtext" "$o" "lmdb-migrate(1) lacks $o"
done
codes=$(echo "$OUT" | sed -n '/^Exit codes/,$p' | grep -oE '(^|[ ,:])[0-9]+ [A-Za-z]' | grep -oE '[0-9]+' | sort -n | tr '\n' ' ')
eq "$codes" "0 2 3 4 5 130 " "exit codes in lmdb-migrate --help"
# each code heads a paragraph of the man page's EXIT STATUS section
mexit=$(echo "$mtext" | sed -n '/^EXIT STATUS/,/^[A-Z]/p' | grep -oE '^ +[0-9]+ ' | tr -d ' ' | sort -n | tr '\n' ' ')
eq "$mexit" "$codes" "exit codes in lmdb-migrate(1) EXIT STATUS"

note "bash completion"
export LMKV_DB="$LMKV_TEST_TMP/db"
L insert --tree alpha k v; L insert --tree beta k v; L insert --system --tree sys.tree k v
mkdir -p bin; ln -sf "$LMKV_BIN" bin/lmkv
export PATH="$LMKV_TEST_TMP/bin:$PATH"
complete_words() { # prints the candidates for the command line "$@" (last word = current)
    bash -c '
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _lmkv
        printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMP" "$@"
}
eq "$(complete_words lmkv sc)" "scan"
eq "$(complete_words lmkv ch)" "checksum"
contains "$(complete_words lmkv '')" "verify"
contains "$(complete_words lmkv '')" "watch"
eq "$(complete_words lmkv scan --li)" "--limit"
eq "$(complete_words lmkv --db "$LMKV_DB" scan --rev)" "--reverse"
eq "$(complete_words lmkv watch --time)" "--timeout"
eq "$(complete_words lmkv --js)" "--json"
eq "$(complete_words lmkv get --tree '')" "$(printf '__sled__default\nalpha\nbeta')"
eq "$(complete_words lmkv --db "$LMKV_DB" get --tree a)" "alpha"
eq "$(complete_words lmkv get --system --tree '')" "sys.tree"
eq "$(complete_words lmkv --db "$LMKV_TEST_TMP/none" get --tree '')" "" "no database: no tree names, no error"
eq "$(complete_words lmkv help ver)" "verify"
contains "$(complete_words lmkv query '')" "callers"
eq "$(complete_words lmkv query cal)" "$(printf 'callees\ncallers')"
eq "$(complete_words lmkv index --fu)" "--full"
echo "all checks passed"
