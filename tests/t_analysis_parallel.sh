#!/usr/bin/env bash
# Parallel analysis (issue 16 point 4: files in parallel, storage in one
# writer): `lmkv index --jobs 1` and `--jobs 2` store the same database,
# record for record (`lmkv dump --system`, timestamps aside), over real
# sources with both frontends:
#  - LMDB's sources in a git repository (libclang; HEAD-commit versions),
#  - SQLite's amalgamation, non-git (libclang, one 9 MB file and headers),
#  - CPython's json/ and email/ packages, non-git (tree-sitter, many files);
# an incremental run after an edit is the same too; --jobs is validated.
# (SIGINT with threads: t_analysis_clang.sh runs with the default, the
# online CPUs.)
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
SRC=${LMKV_SOURCES:?}
[ -f "$SRC/lmdb/mdb.c" ] || fail "LMDB sources missing at $SRC/lmdb (run scripts/fetch-sources.sh)"
[ -f "$SRC/sqlite/sqlite3.c" ] || fail "SQLite sources missing at $SRC/sqlite (run scripts/fetch-sources.sh)"
PYLIB=/usr/lib/python3.11
[ -d "$PYLIB/email" ] || { echo "SKIP: $PYLIB/email not found (python3.11)"; exit 77; }
export GIT_AUTHOR_NAME="lmkv test" GIT_AUTHOR_EMAIL=t@lmkv.invalid
export GIT_COMMITTER_NAME="lmkv test" GIT_COMMITTER_EMAIL=t@lmkv.invalid
export GIT_CONFIG_NOSYSTEM=1 HOME="$LMKV_TEST_TMP"

# the system trees with the run's timestamps zeroed (records' indexed_ns,
# the workspace's created/last-indexed times and its indexed commits' times)
state() { # DB
    L --db "$1" dump --system |
        sed -E 's/"(indexed_ns|created_ns|last_indexed_ns)":[0-9]+/"\1":0/g; s/(\\"[0-9a-f]{40}\\":)[0-9]+/\10/g'
}
same() { # NAME DB1 DB2
    state "$2" >"$1.1"; state "$3" >"$1.2"
    [ "$(wc -l <"$1.1")" -gt 1000 ] || fail "$1: only $(wc -l <"$1.1") entries stored"
    cmp -s "$1.1" "$1.2" || { diff "$1.1" "$1.2" | head -20 | cut -c1-300 >&2; fail "$1: --jobs 2 stored something else than --jobs 1"; }
    echo "# $1: $(wc -l <"$1.1") entries, equal"
}

note "--jobs is checked"
run 2 L index --db bad --jobs 0 .; one_line_err; contains "$ERR" "--jobs: '0'"
run 2 L index --db bad --jobs x .; one_line_err
run 2 L index --db bad --jobs 65 .; one_line_err

note "LMDB, git: --jobs 1 and 2"
mkdir lm && cp "$SRC"/lmdb/*.c "$SRC"/lmdb/*.h lm/
git -C lm init -q && git -C lm add -A && git -C lm commit -qm lmdb
run 0 L index --db lm1 --jobs 1 --workspace lm --json
eq "$(json_get "$OUT" 'j["failed"]')" 0
N1=$(json_get "$OUT" 'j["analysed"]')
run 0 L index --db lm2 --jobs 2 --workspace lm --json
eq "$(json_get "$OUT" 'j["analysed"]')" "$N1"
[ "$(json_get "$OUT" 'j["symbols"]')" -gt 1000 ] || fail "LMDB: too few symbols: $OUT"
same lmdb lm1 lm2

note "LMDB, git: an edit, incremental, --jobs 1 and 2"
printf '\nint lmkv_added(void) { return mdb_env_create(0); }\n' >>lm/mdb_stat.c
printf '\nint lmkv_added2(void) { return 2; }\n' >>lm/mdb_dump.c
run 0 L index --db lm1 --jobs 1 --workspace lm --json; eq "$(json_get "$OUT" 'j["analysed"]')" 2
run 0 L index --db lm2 --jobs 2 --workspace lm --json; eq "$(json_get "$OUT" 'j["analysed"]')" 2
same lmdb-edit lm1 lm2
run 0 L query callers mdb_env_create --db lm2 --workspace lm
contains "$OUT" "lmkv_added"

note "SQLite amalgamation, non-git: --jobs 1 and 2"
mkdir sq && cp "$SRC"/sqlite/*.c "$SRC"/sqlite/*.h sq/
run 0 L index --db sq1 --jobs 1 --no-git --workspace sq -q
run 0 L index --db sq2 --jobs 2 --no-git --workspace sq -q
same sqlite sq1 sq2

note "CPython json/ and email/ (tree-sitter), non-git: --jobs 1 and 2"
mkdir py && cp -r "$PYLIB/json" "$PYLIB/email" py/ && find py -name __pycache__ -prune -exec rm -rf {} +
run 0 L index --db py1 --jobs 1 --no-git --workspace py --json
NPY=$(json_get "$OUT" 'j["analysed"]')
[ "$NPY" -gt 20 ] || fail "python: only $NPY files analysed"
run 0 L index --db py2 --jobs 2 --no-git --workspace py --json
eq "$(json_get "$OUT" 'j["analysed"]')" "$NPY"
same python py1 py2
echo "parallel analysis stores what sequential analysis stores"
