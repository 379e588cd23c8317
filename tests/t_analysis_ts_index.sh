#!/usr/bin/env bash
# `lmkv index` over a git workspace of real files in the tree-sitter
# languages, picked by extension and by shebang, next to files that must
# fail alone (binary content, nesting too deep; over 16 MiB through the
# frontend's driver, since lmkv index leaves such files out of its selection) and one with a syntax error
# (tree-sitter recovers; indexed as far as the tree goes):
#  - every failure is reported with its path and reason, the other files
#    are indexed and `lmkv query` answers across the languages with the
#    callers the sources show (json/decoder.py:337 JSONDecoder.decode calls
#    raw_decode; inspector.go's Preorder calls maskOf; ArrayList.add calls
#    grow at :454; rxjs Subject.next calls _throwIfClosed; regex-syntax's
#    escape calls escape_into at lib.rs:180; a TSX component's calls in JSX);
#  - the records say their language and frontend (stat --json / FileVersion);
#  - --languages narrows the selection.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
G=${LMKV_ROOT:?}/build/grammars
GO=/usr/share/gocode/src/golang.org/x/tools/go/ast/inspector/inspector.go
RS=$(ls -d /usr/share/cargo/registry/regex-syntax-0.6.* | head -1)/src/lib.rs
JZ=/usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip
for f in /usr/lib/python3.11/json/decoder.py "$GO" "$RS" "$JZ" /usr/bin/add-apt-repository; do
    [ -e "$f" ] || { echo "SKIP: $f missing (scripts/deps.sh installs its package)"; exit 77; }
done
"$LMKV_ROOT/scripts/fetch-grammars.sh" --oracles >/dev/null || { echo "SKIP: npm could not fetch rxjs@7.8.1"; exit 77; }
mkdir -p ws/py ws/go ws/rs ws/ts ws/java ws/bin
cp /usr/lib/python3.11/json/decoder.py ws/py/
cp "$GO" ws/go/; cp "$RS" ws/rs/lib.rs
cp "$G/oracle/rxjs/src/internal/Subject.ts" ws/ts/
# TSX (JSX in TypeScript): no npm package of the corpus ships .tsx sources
printf 'import React from "react";\nexport function View(props: { n: number }) {\n  return <div onClick={() => handle(props.n)}>{render<string>("x")}</div>;\n}\n' > ws/ts/view.tsx
$PY -c 'import sys, zipfile; open("ws/java/ArrayList.java", "wb").write(zipfile.ZipFile(sys.argv[1]).read("java.base/java/util/ArrayList.java"))' "$JZ"
cp /usr/bin/add-apt-repository ws/bin/add-apt-repository          # python by its #! line
printf 'def f():\n    return 1\n\0\0\0' > ws/py/binary.py
$PY -c 'print("x = " + "(" * 5000 + "1" + ")" * 5000)' > ws/py/deep.py
printf 'def broken(:\n    pass\ndef after():\n    recovered_call(1)\n' > ws/py/broken.py
git -C ws init -q; git -C ws add -A; git -C ws -c user.email=t@example.org -c user.name=t commit -qm sources
export LMKV_DB="$LMKV_TEST_TMP/db"
set +e; L index --json ws >out.json 2>err.txt; rc=$?; set -e
note "lmkv index exit $rc"; cat err.txt
[ "$rc" -ne 0 ] || fail "two files failed but lmkv index exited 0"
grep -q 'py/binary.py: binary content' err.txt || fail "binary.py's failure not reported with path and reason"
grep -q 'py/deep.py: nesting too deep: 5000 levels' err.txt || fail "deep.py's failure not reported with path and reason"
eq "$(json_get "$(cat out.json)" 'j["failed"]')" 2 "failed files"
eq "$(json_get "$(cat out.json)" 'j["analysed"]')" 8 "analysed files"
callers() { run 0 L query callers "$1"; contains "$OUT" "$2" "callers of $1"; }
callers raw_decode "JSONDecoder.decode	py/decoder.py:337"
callers maskOf "inspector.Inspector.Preorder	go/inspector.go"
callers grow "ArrayList.add	java/ArrayList.java:454"
callers _throwIfClosed "Subject.next	ts/Subject.ts"
callers escape_into "escape	rs/lib.rs:180"
callers recovered_call "after	py/broken.py:4"
callers handle "View	ts/view.tsx:3:30"
callers render "View	ts/view.tsx:3:48"
run 0 L query symbol parse_args
contains "$OUT" "bin/add-apt-repository" "the #! python script's symbols"
# the language and frontend of each file's records
run 0 L dump --tree store.fv --system
for want in '"language":"python"' 'tree-sitter-python 0.23.6' 'tree-sitter-go 0.23.4' 'tree-sitter-rust 0.23.2' \
            'tree-sitter-typescript 0.23.2' 'tree-sitter-typescript 0.23.2 (tsx)' 'tree-sitter-java 0.23.5'; do
    contains "$OUT" "$want" "FileVersion records"
done
# --languages narrows: only Go
rm -rf db
set +e; L index --json --languages go ws >out2.json 2>err2.txt; rc=$?; set -e
eq "$rc" 0 "index --languages go"
eq "$(json_get "$(cat out2.json)" 'j["analysed"]')" 1 "files analysed with --languages go"
run 1 L query callers raw_decode
# over the frontends' 16 MiB bound: that file's failure, with the reason
$PY -c 'import sys; sys.stdout.write("x = 1\n" * 3000000)' > huge.py
run 1 "${LMKV_BUILD:?}/tests/ts_dump" huge.py
contains "$OUT" "E	huge.py	file too large: 18000000 bytes, the python frontend reads at most 16777216" "ts_dump on huge.py"
note "ok"
