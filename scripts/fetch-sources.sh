#!/usr/bin/env bash
# Fetches the real C code bases lmkv is tested and benchmarked on, from npm:
#   lmdb@3.5.6            -> $SRC/lmdb    (LMDB's liblmdb: mdb.c, midl.c, tools, tests)
#   better-sqlite3@12.11.1 -> $SRC/sqlite  (SQLite's amalgamation sqlite3.c)
#   nodegit@0.27.0        -> $SRC/libgit2 (its vendor/libgit2: src/, include/, deps/)
# $SRC defaults to build/sources. Idempotent: does nothing when present.
set -euo pipefail
SRC=${LMKV_SOURCES:-$(cd "$(dirname "$0")/.." && pwd)/build/sources}
mkdir -p "$SRC/npm"
fetch() { # name version subdir dest
    local name=$1 ver=$2 sub=$3 dest=$4
    [ -f "$SRC/$dest/.complete" ] && return 0
    local tgz="$SRC/npm/$name-$ver.tgz"
    if [ ! -s "$tgz" ]; then
        (cd "$SRC/npm" && npm pack --silent "$name@$ver" >/dev/null)
    fi
    local tmp; tmp=$(mktemp -d)
    tar xzf "$tgz" -C "$tmp"
    rm -rf "${SRC:?}/$dest"; mkdir -p "$SRC/$dest"
    cp -R "$tmp/package/$sub/." "$SRC/$dest/"
    rm -rf "$tmp"
    touch "$SRC/$dest/.complete"
}
fetch lmdb 3.5.6 dependencies/lmdb/libraries/liblmdb lmdb
fetch better-sqlite3 12.11.1 deps/sqlite3 sqlite
fetch nodegit 0.27.0 vendor/libgit2 libgit2
# A real TypeScript code base and a real language server for the LSP ingest
# tests (tests/t_lsp_typescript.py): immer's sources (src/*.ts) and
# typescript-language-server with the TypeScript it drives, pinned, installed
# under $SRC/tsls (npm install --prefix). A failed server install only warns:
# that test then skips and says why.
fetch immer 10.1.3 src immer
if [ ! -f "$SRC/tsls/.complete" ]; then
    mkdir -p "$SRC/tsls"
    if (cd "$SRC/tsls" && npm install --silent --no-audit --no-fund --prefix "$SRC/tsls" \
            typescript-language-server@4.4.1 typescript@5.9.3 >/dev/null 2>&1); then
        touch "$SRC/tsls/.complete"
    else
        echo "fetch-sources: npm could not install typescript-language-server@4.4.1 typescript@5.9.3 into $SRC/tsls" >&2
    fi
fi
