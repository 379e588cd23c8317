#!/usr/bin/env bash
# `make bench`: runs every benchmark program in $BUILD/bench (built from
# bench/*.c) and bench/*.sh, each printing markdown tables, and writes them
# with the machine, date and commit to bench/results/README.md (and a dated
# copy). Ratios against raw LMDB / SQLite are measured in the same run.
# BENCH_QUICK=1 shrinks the data sets for a smoke run.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export LMKV_BIN="$BUILD/lmkv" LMDB_MIGRATE_BIN="$BUILD/lmdb-migrate" LMKV_BUILD="$BUILD" LMKV_ROOT="$ROOT"
export LMKV_SOURCES=${LMKV_SOURCES:-$ROOT/build/sources}
export LMKV_FIXTURES="$ROOT/tests/fixtures"
OUT="$ROOT/bench/results"; mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lmkv-bench.XXXXXX"); trap 'rm -rf "$WORK"' EXIT
export LMKV_BENCH_TMP="$WORK"
stamp=$(date -u +%Y-%m-%dT%H:%MZ)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
mem=$(free -g | awk '/Mem:/{print $2" GiB"}')
report="$WORK/report.md"
{
    echo "# lmkv benchmark results"
    echo
    echo "| machine | value |"
    echo "|---|---|"
    echo "| date (UTC) | $stamp |"
    echo "| commit | $commit |"
    echo "| cpu | $cpu ($(nproc) cores) |"
    echo "| memory | $mem |"
    echo "| kernel | $(uname -sr) |"
    echo "| filesystem of the bench dir | $(df -T "$WORK" | awk 'NR==2{print $2}') |"
    echo
    echo "All numbers come from this one run on this machine; compare the ratios"
    echo "(lmkv against raw LMDB or SQLite measured side by side), not lone times."
    echo
} > "$report"

run() { # title cmd...
    local title=$1; shift
    echo "== $title" >&2
    local t0=$SECONDS
    { echo "## $title"; echo; } >> "$report"
    if "$@" > "$WORK/out.md" 2> "$WORK/err.log"; then
        cat "$WORK/out.md" >> "$report"
    else
        echo "benchmark failed (exit $?): $(tail -n 3 "$WORK/err.log" | tr '\n' ' ')" >> "$report"
        tail -n 20 "$WORK/err.log" >&2
    fi
    echo "" >> "$report"
    echo "   ($((SECONDS-t0)) s)" >&2
}

for b in "$BUILD"/bench/*; do
    [ -x "$b" ] || continue
    run "$(basename "$b")" "$b"
done
for s in "$ROOT"/bench/*.sh; do
    [ "$(basename "$s")" = run.sh ] && continue
    [ -e "$s" ] || continue
    run "$(basename "$s" .sh)" bash "$s"
done

cp "$report" "$OUT/README.md"
cp "$report" "$OUT/$(date -u +%Y-%m-%d)-$commit.md"
cat "$report"
