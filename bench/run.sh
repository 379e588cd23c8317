#!/usr/bin/env bash
# `make bench`: runs every benchmark program in $BUILD/bench (built from
# bench/*.c) and bench/*.sh, each printing markdown tables, and writes them
# with the machine, date, commit and load to bench/results/README.md (and a
# dated copy), with a SUMMARY table at the top. Ratios against raw LMDB /
# SQLite are measured in the same run.
#
#   BENCH_QUICK=1     shrink the data sets for a smoke run
#   BENCH_ONLY=a,b    run only these benchmarks (names as in the report: a
#                     script keeps its .sh only beside a program of its name)
#   BENCH_TIMEOUT=s   per-benchmark limit (default 420 s)
#   BENCH_BUDGET=s    whole-run budget (default 840 s): benchmarks that would
#                     start after it are skipped and listed as such
#   BENCH_RESULTS=dir where README.md, the dated copy and the plots go
#                     (default bench/results)
#   LADDER_TIERS=...  tiers of bench/ladder.sh (default "lmdb sqlite";
#                     `make bench-large` adds the Linux kernel)
#
# Helper programs that a script drives (build/bench/ladder, run by
# bench/ladder.sh) are not run alone. A benchmark may add rows
# "| what | result | baseline | ratio |" to the file named by
# $LMKV_BENCH_SUMMARY; for kv_bench (lmkv vs raw LMDB) its first table is
# copied into the summary.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export LMKV_BIN="$BUILD/lmkv" LMDB_MIGRATE_BIN="$BUILD/lmdb-migrate" LMKV_BUILD="$BUILD" LMKV_ROOT="$ROOT"
export LMKV_SOURCES=${LMKV_SOURCES:-$ROOT/build/sources}
export LMKV_FIXTURES="$ROOT/tests/fixtures"
OUT=${BENCH_RESULTS:-$ROOT/bench/results}
case "$OUT" in /*) ;; *) OUT="$ROOT/$OUT" ;; esac
mkdir -p "$OUT"
export LADDER_OUT="$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lmkv-bench.XXXXXX"); trap 'rm -rf "$WORK"' EXIT
export LMKV_BENCH_TMP="$WORK"
export LMKV_BENCH_SUMMARY="$WORK/summary-rows.md"
: > "$LMKV_BENCH_SUMMARY"
TIMEOUT=${BENCH_TIMEOUT:-420}
BUDGET=${BENCH_BUDGET:-840}
HELPERS=" ladder "
stamp=$(date -u +%Y-%m-%dT%H:%MZ)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (tree has uncommitted changes)")
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
mem=$(free -g | awk '/Mem:/{print $2" GiB"}')
load() { cut -d' ' -f1-3 /proc/loadavg; }
load0=$(load)
report="$WORK/report.md"
sections="$WORK/sections.md"
runs="$WORK/runs.md"
: > "$sections"; : > "$runs"

run() { # title cmd...
    local title=$1; shift
    local t0=$SECONDS
    if [ -n "${BENCH_ONLY:-}" ] && [[ ",$BENCH_ONLY," != *",$title,"* ]]; then return; fi
    if [ $((SECONDS - START)) -ge "$BUDGET" ]; then
        echo "| $title | skipped: the run's budget of $BUDGET s was spent | - | $(load) |" >> "$runs"
        echo "== $title: skipped (budget)" >&2
        return
    fi
    echo "== $title" >&2
    { echo "## $title"; echo; } >> "$sections"
    local status=ok
    timeout --kill-after=10 "$TIMEOUT" "$@" > "$WORK/out.md" 2> "$WORK/err.log"
    local rc=$?
    if [ $rc = 0 ]; then
        cat "$WORK/out.md" >> "$sections"
    else
        [ $rc = 124 ] && status="timed out after $TIMEOUT s" || status="failed (exit $rc)"
        cat "$WORK/out.md" >> "$sections"
        echo "benchmark $status: $(tail -n 3 "$WORK/err.log" | tr '\n' ' ')" >> "$sections"
        tail -n 20 "$WORK/err.log" >&2
    fi
    echo "" >> "$sections"
    if [ "$title" = kv_bench ] && [ $rc = 0 ]; then
        # the lmkv-vs-raw-LMDB table goes into the summary as it is
        awk '/^\|/{p=1} p&&!/^\|/{exit} p' "$WORK/out.md" > "$WORK/kv_table.md"
    fi
    echo "| $title | $status | $((SECONDS - t0)) | $(load) |" >> "$runs"
    echo "   ($((SECONDS - t0)) s)" >&2
}

START=$SECONDS
for b in "$BUILD"/bench/*; do
    [ -x "$b" ] || continue
    [[ "$HELPERS" == *" $(basename "$b") "* ]] && continue
    run "$(basename "$b")" "$b"
done
for s in "$ROOT"/bench/*.sh; do
    case "$(basename "$s")" in run.sh|plot.sh) continue ;; esac
    [ -e "$s" ] || continue
    title=$(basename "$s" .sh)
    # a script named like a program (versioning_bench.sh beside versioning_bench.c) keeps its .sh
    [ -x "$BUILD/bench/$title" ] && [[ "$HELPERS" != *" $title "* ]] && title="$title.sh"
    run "$title" bash "$s"
done
total=$((SECONDS - START))

{
    echo "# lmkv benchmark results"
    echo
    echo "| machine | value |"
    echo "|---|---|"
    echo "| date (UTC) | $stamp |"
    echo "| commit | $commit$dirty |"
    echo "| cpu | $cpu ($(nproc) cores) |"
    echo "| memory | $mem |"
    echo "| kernel | $(uname -sr) |"
    echo "| filesystem of the bench dir | $(df -T "$WORK" | awk 'NR==2{print $2}') |"
    echo "| load average (1/5/15 min) at start / end | $load0 / $(load) |"
    echo "| whole run | $total s${BENCH_QUICK:+ (BENCH_QUICK=$BENCH_QUICK: reduced data sets)} |"
    echo
    echo "All numbers come from this one run on this machine; compare the ratios"
    echo "(lmkv against raw LMDB or SQLite measured side by side), not lone times."
    echo "The machine is shared: a load average above its $(nproc) cores means other work ran"
    echo "alongside and the tails (p99) especially are noisy."
    echo
    echo "## Summary"
    echo
    if [ -s "$LMKV_BENCH_SUMMARY" ]; then
        echo "| what | lmkv | baseline | ratio or target |"
        echo "|---|---|---|---|"
        cat "$LMKV_BENCH_SUMMARY"
        echo
    fi
    if [ -s "$WORK/kv_table.md" ]; then
        echo "kv layer against raw LMDB (kv_bench, same keys and values, same run):"
        echo
        cat "$WORK/kv_table.md"
        echo
    fi
    echo "| benchmark | status | seconds | load average after |"
    echo "|---|---|---:|---|"
    cat "$runs"
    echo
    echo "Details of each benchmark follow; what each table means: bench/README.md."
    echo
    cat "$sections"
} > "$report"

cp "$report" "$OUT/README.md"
cp "$report" "$OUT/$(date -u +%Y-%m-%d)-$commit.md"
cat "$report"
echo
echo "==================== SUMMARY ($OUT/README.md) ===================="
awk '/^## Summary/{p=1; next} p && /^Details of each benchmark/{exit} p' "$report"
