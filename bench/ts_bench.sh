#!/usr/bin/env bash
# CPU per line of the tree-sitter frontends (analysis/ts*.c) against today's
# C path (Universal Ctags + two GNU cflow passes per file, tools/lmkv/extract_c.c),
# measured in the same run on this machine:
#  - "lmkv index" rows: the whole `lmkv index --no-git` of a copy of each
#    corpus (analysis + storage; CPU = user + system of lmkv and every child
#    process it waited for, from getrusage via /usr/bin/time);
#  - "frontend only" rows: tests/analysis/ts_dump -q (the frontend and the
#    analyser sink, no storage).
# (Once libclang's frontend replaced ctags+cflow, `lmkv index` of the C
# rows measures libclang, and the analyser-only C figure needs ctags and
# cflow installed by hand; it is "n/a" otherwise.)
# Corpora: the oracle tests' real code (CPython's standard library, Go's
# x/tools, the crates of /usr/share/cargo/registry, JDK 17's java.util,
# rxjs 7.8.1's TypeScript and compiled JavaScript) and, for the C path,
# LMDB's and SQLite's sources (build/sources). Writes
# bench/results/ts-frontends.md (BENCH_RESULTS overrides the directory).
# Usage: BUILD=build bench/ts_bench.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}; case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
OUTDIR=${BENCH_RESULTS:-$ROOT/bench/results}
LMKV=$BUILD/lmkv DUMP=$BUILD/tests/ts_dump
SRC=${LMKV_SOURCES:-$ROOT/build/sources}
G=$ROOT/build/grammars
"$ROOT/scripts/fetch-sources.sh"; "$ROOT/scripts/fetch-grammars.sh" --oracles >/dev/null
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
corpus() { # name dir find-args...
    local name=$1 dir=$2; shift 2
    mkdir -p "$TMP/c/$name"
    (cd "$dir" && find . -type f \( "$@" \) -print0 | xargs -0 cp --parents -t "$TMP/c/$name")
}
corpus python /usr/lib/python3.11 -name '*.py' -not -path '*/site-packages/*'
corpus go /usr/share/gocode/src/golang.org/x/tools -name '*.go'
corpus rust /usr/share/cargo/registry -name '*.rs'
corpus typescript "$G/oracle/rxjs/src" -name '*.ts' -not -name '*.d.ts'
corpus javascript "$G/oracle/rxjs/dist/cjs" -name '*.js'
mkdir -p "$TMP/c/java"; (cd "$TMP/c/java" && unzip -q /usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip 'java.base/java/util/*')
corpus c-lmdb "$SRC/lmdb" -name '*.[ch]'
corpus c-sqlite "$SRC/sqlite" -name '*.[ch]'

cpu() { # cmd... -> prints "cpu_seconds"  (user+sys, children included)
    /usr/bin/time -f '%U %S' -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err" || true
    awk '{printf "%.3f", $1 + $2}' "$TMP/time"
}
lines_of() { find "$1" -type f -print0 | xargs -0 cat | wc -l; }
rows=()
declare -A PER PERF
for name in c-lmdb c-sqlite python go rust typescript javascript java; do
    d="$TMP/c/$name"; n=$(lines_of "$d"); files=$(find "$d" -type f | wc -l)
    rm -rf "$TMP/db"
    t=$(cpu "$LMKV" --db "$TMP/db" index --no-git "$d")
    per=$(awk -v t="$t" -v n="$n" 'BEGIN{printf "%.2f", t * 1e6 / n}')
    PER[$name]=$per
    f="-"
    if [[ $name == c-* ]]; then
        # the analysers alone: the four processes extract_c.c ran per file
        # (only when Universal Ctags and GNU cflow are still installed)
        if command -v ctags >/dev/null && command -v cflow >/dev/null; then
            ft=$(cpu bash "$ROOT/bench/ts_bench_cpath.sh" $(find "$d" -type f | sort))
            f=$(awk -v t="$ft" -v n="$n" 'BEGIN{printf "%.2f", t * 1e6 / n}')
        else f=0; fi
        PERF[$name]=$f
    else
        ft=$(cpu "$DUMP" -q -l "$name" $(find "$d" -type f | sort))
        f=$(awk -v t="$ft" -v n="$n" 'BEGIN{printf "%.2f", t * 1e6 / n}')
    fi
    rows+=("$name|$files|$n|$t|$per|$f")
done
base=$(awk -v a="${PER[c-lmdb]}" -v b="${PER[c-sqlite]}" 'BEGIN{printf "%.2f", (a + b) / 2}')
basef=$(awk -v a="${PERF[c-lmdb]}" -v b="${PERF[c-sqlite]}" 'BEGIN{printf "%.2f", (a + b) / 2}')
mkdir -p "$OUTDIR"
{
    echo "# Tree-sitter frontends: CPU per line against ctags + cflow"
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
    echo "load $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD)."
    echo "Produced by bench/ts_bench.sh. CPU = user + system (children included), per line of input;"
    echo "the C path's figures are the means of LMDB's and SQLite's: $base us/line for lmkv index,"
    echo "$basef us/line for its analysers alone (ctags and cflow's three passes per file, the"
    echo "commands of tools/lmkv/extract_c.c, bench/ts_bench_cpath.sh), compared with the"
    echo "tree-sitter frontend alone (ts_dump -q: frontend + analyser sink, no storage)."
    echo
    echo "| corpus | files | lines | lmkv index CPU s | us/line (index) | us/line (analyser only) | C path / this (index) | C path / this (analyser) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for r in "${rows[@]}"; do
        IFS='|' read -r name files n t per f <<<"$r"
        ratio=$(awk -v b="$base" -v p="$per" 'BEGIN{printf "%.1fx", b / p}')
        ratiof=$(awk -v b="$basef" -v p="$f" 'BEGIN{if (b > 0 && p > 0) printf "%.1fx", b / p; else printf "n/a"}')
        if [[ $name == c-* ]]; then ratio="(C path)"; ratiof="(C path)"; fi
        echo "| $name | $files | $n | $t | $per | $f | $ratio | $ratiof |"
    done
} > "$OUTDIR/ts-frontends.md"
cat "$OUTDIR/ts-frontends.md"
