#!/usr/bin/env bash
# `make demo`: index LMDB's sources (build/sources/lmdb, fetched by
# scripts/fetch-sources.sh) with `lmkv index`, then ask the code graph a few
# questions with `lmkv query`, printing each command, its answer and its time.
# A copy of the sources in a temporary directory is used, so the demo can
# also show an incremental re-index after an edit. Nothing is left behind.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
LMKV=${LMKV_BIN:-$BUILD/lmkv}
SRC=${LMKV_SOURCES:-$ROOT/build/sources}/lmdb
[ -x "$LMKV" ] || { echo "demo: $LMKV not built (make)" >&2; exit 1; }
[ -f "$SRC/mdb.c" ] || { echo "demo: $SRC/mdb.c missing (scripts/fetch-sources.sh)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lmkv-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
WS="$WORK/lmdb"
DB="$WORK/db"
mkdir -p "$WS"
cp "$SRC"/*.c "$SRC"/*.h "$WS"/

ms() { date +%s%N | cut -c1-13; }
step() { # title, command...
    local title=$1; shift
    printf '\n\033[1m== %s\033[0m\n$ %s\n' "$title" "$*"
    local t0; t0=$(ms)
    "$@" | head -n "${SHOW:-12}"
    local rc=${PIPESTATUS[0]}
    printf '(%d ms, exit %d)\n' "$(( $(ms) - t0 ))" "$rc"
}

echo "lmkv demo: $(ls "$WS" | wc -l) files, $(cat "$WS"/*.c "$WS"/*.h | wc -l) lines of LMDB ($SRC)"
step "index (libclang in-process: macros expanded, #if honoured; one write txn per 64 files)" \
    "$LMKV" --db "$DB" index "$WS"
step "index again: nothing changed, no write transaction" "$LMKV" --db "$DB" index "$WS"
step "who calls mdb_txn_commit (incoming calls, with call sites)" "$LMKV" --db "$DB" query callers mdb_txn_commit
step "what does mdb_put call (outgoing calls)" "$LMKV" --db "$DB" query callees mdb_put
step "impact of changing mdb_page_alloc (callers and referrers, depth 2)" \
    "$LMKV" --db "$DB" query impact mdb_page_alloc --depth 2
step "call chains from mdb_put to mdb_page_alloc (at most 4 calls)" \
    "$LMKV" --db "$DB" query paths mdb_put mdb_page_alloc --depth 4 --limit 5
step "recursion: strongly connected components of the call graph" "$LMKV" --db "$DB" query cycles --limit 5
step "workspace symbol search 'txn_beg'" "$LMKV" --db "$DB" query search txn_beg --limit 5
step "most referenced symbols" "$LMKV" --db "$DB" query hotspots --limit 5
step "functions nobody calls or references" "$LMKV" --db "$DB" query dead --limit 5
step "struct members of MDB_val" "$LMKV" --db "$DB" query hierarchy MDB_val
step "files mdb.c depends on (by references)" "$LMKV" --db "$DB" query deps mdb.c --limit 5
SHOW=3 step "JSON for tools: callers of mdb_env_open" "$LMKV" --db "$DB" query callers mdb_env_open --json

# an edit: a new function in midl.c that calls mdb_midl_alloc
cat >> "$WS/midl.c" <<'C'

int mdb_midl_demo_new(void)
{
	MDB_IDL ids = mdb_midl_alloc(16);
	mdb_midl_free(ids);
	return 0;
}
C
step "edit midl.c (a new function), re-index: only midl.c is analysed" "$LMKV" --db "$DB" index "$WS"
step "the new caller is there" "$LMKV" --db "$DB" query callers mdb_midl_alloc
step "an unknown symbol is an error (exit 1)" "$LMKV" --db "$DB" query callers no_such_function || true
echo
echo "database: $(du -sh "$DB" | cut -f1) in $DB (removed at exit)"
