#!/usr/bin/env bash
# Builds and runs lmkv's libFuzzer targets (tests/fuzz/fuzz_*.c).
#
#   scripts/fuzz.sh build                 build every target into $OUT
#   scripts/fuzz.sh run [NAME...]         build, then fuzz each target (all
#                                         when none named) in sequence
#   scripts/fuzz.sh merge NAME            add the new finds of NAME that bring
#                                         coverage to its committed corpus
#
# Each target is compiled with clang -fsanitize=fuzzer,address,undefined
# against the library sources (kv, schema, versioning, graph, migrate)
# compiled with clang -fsanitize=fuzzer-no-link,address,undefined.
# Environment:
#   FUZZ_RUNS=N      executions per target for `run` (default 100000;
#                    `make torture` uses 10000000)
#   FUZZ_TIME=S      instead of FUZZ_RUNS: seconds per target (-max_total_time)
#   FUZZ_JOBS=N      parallel libFuzzer workers per target (default 1)
#   FUZZ_CC          compiler (default clang)
#   OUT              build directory (default build/fuzz)
# A run fuzzes from a scratch copy of the committed corpus (new inputs land
# in $OUT/corpus/NAME, never in the tree); crashes are written to
# $OUT/artifacts/NAME/ and make the script fail. The executions done are
# printed as "fuzz NAME: N execs" (from libFuzzer's "Done N runs").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CC=${FUZZ_CC:-clang}
OUT=${OUT:-build/fuzz}
case "$OUT" in /*) ;; *) OUT="$ROOT/$OUT" ;; esac
RUNS=${FUZZ_RUNS:-100000}
MODULES="kv schema versioning graph migrate lsp"
PKGS="lmdb libgit2 libxxhash zlib jansson nettle"
PKG_CFLAGS=$(pkg-config --cflags $PKGS 2>/dev/null || true)
PKG_LIBS=$(pkg-config --libs $PKGS 2>/dev/null || echo "-llmdb -lgit2 -lxxhash -lz -ljansson")
INCS=""
for m in $MODULES; do INCS="$INCS -I$m"; done
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -DLMKV_BUILDING -DLMKV_VERSION_STRING=\"0.1.0-fuzz\" $INCS -Itests $PKG_CFLAGS"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

build_lib() {
    mkdir -p "$OUT/obj"
    local objs=() changed=0
    for m in $MODULES; do
        for src in "$m"/*.c; do
            [ -e "$src" ] || continue
            local o="$OUT/obj/${src%.c}.o"
            mkdir -p "$(dirname "$o")"
            if [ ! -e "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find "$m" -name '*.h' -newer "$o" 2>/dev/null | head -n1)" ]; then
                $CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "$src" -o "$o"
                changed=1
            fi
            objs+=("$o")
        done
    done
    if [ $changed = 1 ] || [ ! -e "$OUT/liblmkv-fuzz.a" ]; then
        rm -f "$OUT/liblmkv-fuzz.a"
        ar rcs "$OUT/liblmkv-fuzz.a" "${objs[@]}"
    fi
}

build_target() { # name
    local n=$1 src="tests/fuzz/fuzz_$1.c" bin="$OUT/fuzz_$1"
    if [ ! -e "$bin" ] || [ "$src" -nt "$bin" ] || [ "$OUT/liblmkv-fuzz.a" -nt "$bin" ]; then
        $CC $CFLAGS $SAN -fsanitize=fuzzer "$src" "$OUT/liblmkv-fuzz.a" $PKG_LIBS -lpthread -lm -o "$bin"
    fi
}

targets() {
    for f in tests/fuzz/fuzz_*.c; do n=$(basename "$f" .c); echo "${n#fuzz_}"; done
}

build_all() {
    build_lib
    for n in $(targets); do build_target "$n"; echo "built $OUT/fuzz_$n"; done
}

run_one() { # name
    local n=$1 bin="$OUT/fuzz_$1"
    local work="$OUT/corpus/$n" art="$OUT/artifacts/$n/"
    mkdir -p "$work" "$art"
    [ -d "tests/fuzz/corpus/$n" ] && cp -n tests/fuzz/corpus/"$n"/* "$work"/ 2>/dev/null || true
    local lim="-runs=$RUNS"
    [ -n "${FUZZ_TIME:-}" ] && lim="-max_total_time=$FUZZ_TIME"
    local log="$OUT/fuzz_$n.log"
    local rc=0
    local par=()
    # -jobs makes libFuzzer write fuzz-N.log into the current directory: run
    # parallel workers from $OUT only, and never for a single worker.
    if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then par=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS"); fi
    (cd "$OUT" && "$bin" $lim "${par[@]}" -artifact_prefix="$art" -print_final_stats=1 \
        -rss_limit_mb=2048 -timeout=25 "$work") >"$log" 2>&1 || rc=$?
    [ "${FUZZ_JOBS:-1}" -gt 1 ] && cat "$OUT"/fuzz-*.log >>"$log" 2>/dev/null && rm -f "$OUT"/fuzz-*.log
    local execs
    execs=$(grep -Eo 'Done [0-9]+ runs' "$log" | awk '{s+=$2} END {print s+0}')
    [ "$execs" = 0 ] && execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
    echo "fuzz $n: $execs execs, corpus $(ls "$work" | wc -l) files, exit $rc (log $log)"
    if [ $rc -ne 0 ]; then tail -n 40 "$log" >&2; return 1; fi
}

merge_one() { # name: add the inputs of the last run that bring new coverage
    # to the committed corpus (libFuzzer -merge=1 DST SRC only adds to DST;
    # committed inputs are never removed). Keep each corpus under 2 MB.
    local n=$1 bin="$OUT/fuzz_$1" dst="tests/fuzz/corpus/$1"
    mkdir -p "$dst"
    local before; before=$(ls "$dst" | wc -l)
    (cd "$OUT" && "$bin" -merge=1 "$ROOT/$dst" "$OUT/corpus/$n") >"$OUT/merge_$n.log" 2>&1
    echo "merged $n: $before -> $(ls "$dst" | wc -l) files, $(du -sh "$dst" | cut -f1)"
}

cmd=${1:-build}; shift || true
case "$cmd" in
build) build_all ;;
run)
    build_all >/dev/null
    names=("$@"); [ ${#names[@]} -eq 0 ] && mapfile -t names < <(targets)
    fail=0
    for n in "${names[@]}"; do run_one "$n" || fail=1; done
    exit $fail ;;
merge)
    build_all >/dev/null
    for n in "$@"; do merge_one "$n"; done ;;
*) echo "usage: scripts/fuzz.sh build|run [NAME...]|merge NAME..." >&2; exit 2 ;;
esac
