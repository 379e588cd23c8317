#!/usr/bin/env bash
# Fetches the tree-sitter grammars lmkv's analysis/ compiles into the library,
# from npm, pinned to releases whose src/parser.c is tree-sitter ABI 14 (the
# newest ABI Debian's libtree-sitter 0.20.7 runtime loads; the grammars'
# current 0.25 releases are ABI 15):
#   tree-sitter-rust@0.23.2, tree-sitter-python@0.23.6, tree-sitter-go@0.23.4,
#   tree-sitter-javascript@0.23.1, tree-sitter-typescript@0.23.2 (typescript
#   and tsx), tree-sitter-java@0.23.5
# into $GRAMMARS/<language>/ (src/parser.c, src/scanner.c, src/tree_sitter/*.h,
# queries/tags.scm). $GRAMMARS defaults to build/grammars. Idempotent: a
# language whose .complete stamp exists is left alone. Exit 4 when npm fails.
# `fetch-grammars.sh --oracles` fetches instead what the TypeScript oracle
# test (tests/t_analysis_ts_typescript.py) needs, into $GRAMMARS/oracle/:
#   typescript@5.9.3 (the compiler API) and rxjs@7.8.1 (a real TypeScript
#   code base: src/**/*.ts, and its compiled JavaScript dist/cjs/**/*.js).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G=${LMKV_GRAMMARS:-$ROOT/build/grammars}
mkdir -p "$G/npm"
fetch() { # npm-name version dest [subdir-of-grammar]
    local name=$1 ver=$2 dest=$3 sub=${4:-}
    [ -f "$G/$dest/.complete" ] && return 0
    local tgz="$G/npm/$name-$ver.tgz"
    if [ ! -s "$tgz" ]; then
        (cd "$G/npm" && npm pack --silent "$name@$ver" >/dev/null) ||
            { echo "fetch-grammars: npm pack $name@$ver failed" >&2; exit 4; }
    fi
    local tmp; tmp=$(mktemp -d)
    tar xzf "$tgz" -C "$tmp"
    rm -rf "${G:?}/$dest"; mkdir -p "$G/$dest"
    if [ "$sub" = . ]; then    # a whole package (oracles)
        cp -R "$tmp/package/." "$G/$dest/"
        rm -rf "$tmp"; touch "$G/$dest/.complete"; return 0
    fi
    mkdir -p "$G/$dest/src" "$G/$dest/queries"
    cp -R "$tmp/package/${sub:+$sub/}src/." "$G/$dest/src/"
    cp "$tmp/package/queries/tags.scm" "$G/$dest/queries/tags.scm"
    # typescript/tsx scanner.c include "../../common/scanner.h"
    if [ -d "$tmp/package/common" ]; then rm -rf "$G/common"; cp -R "$tmp/package/common" "$G/common"; fi
    grep -q '^#define LANGUAGE_VERSION 14$' "$G/$dest/src/parser.c" ||
        { echo "fetch-grammars: $name@$ver is not tree-sitter ABI 14" >&2; exit 4; }
    echo "$name $ver" > "$G/$dest/VERSION"
    rm -rf "$tmp"
    touch "$G/$dest/.complete"
}
if [ "${1:-}" = --oracles ]; then
    fetch typescript 5.9.3 oracle/typescript .
    fetch rxjs       7.8.1 oracle/rxjs .
    exit 0
fi
fetch tree-sitter-rust       0.23.2 rust
fetch tree-sitter-python     0.23.6 python
fetch tree-sitter-go         0.23.4 go
fetch tree-sitter-javascript 0.23.1 javascript
fetch tree-sitter-typescript 0.23.2 typescript typescript
fetch tree-sitter-typescript 0.23.2 tsx tsx
fetch tree-sitter-java       0.23.5 java
