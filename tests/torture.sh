#!/usr/bin/env bash
# `make torture`: the long versions of lmkv's reliability campaigns (the
# short ones run in `make test`). Each step prints its counts; the totals go
# into bench/results/reliability.md by hand. Exit non-zero if any step fails.
#
#   crash        test_tools_rel_crash, 1000 SIGKILLed writer rounds (scale 20)
#   tools        t_rel_crash_tools.sh, 100 killed `lmkv index` + 100 killed
#                `lmdb-migrate` rounds
#   power        test_tools_rel_powerloss, 1200 power-loss images per mode
#   faults       test_tools_rel_faults (map/disk full, readers, EACCES, version)
#   alloc        test_tools_rel_alloc, every allocation of both workloads
#   concurrency  test_tools_rel_concurrency, 3 processes x 8 threads, 60 s
#   security     t_rel_security.sh
#   tsan         kv tests + concurrency (20 s) under ThreadSanitizer (build/tsan)
#   fuzz         every libFuzzer target for FUZZ_RUNS (default 10 million)
#                executions (scripts/fuzz.sh run)
# Usage: tests/torture.sh [STEP...]   (default: all). Environment: BUILD
# (default build), TORTURE_SCALE (default 20), FUZZ_RUNS, LMKV_SEED.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
SCALE=${TORTURE_SCALE:-20}
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(crash tools power faults alloc concurrency security tsan fuzz)
export FUZZ_RUNS=${FUZZ_RUNS:-10000000}
failed=()
step() { # name cmd...
    local name=$1; shift
    echo "=== torture: $name ($(date -u +%H:%M:%S))"
    local t0=$SECONDS
    if "$@"; then
        echo "=== $name: ok ($((SECONDS - t0)) s)"
    else
        echo "=== $name: FAILED ($((SECONDS - t0)) s)"; failed+=("$name")
    fi
}
show() { # test name: print its summary lines from the runner's log
    grep -hE '^(crash|power|map|disk|readers|permissions|format|damaged|alloc|proc|concurrency|index|lmdb-migrate|security)' \
        "$1/test-logs/$2.log" 2>/dev/null || true
}
rel() { # test-name [ENV=V...]: run one test through tests/run.sh and show its counts
    local t=$1; shift
    env "$@" BUILD="$BUILD" tests/run.sh "$t" || return 1
    show "$BUILD" "$t"
}
scripts/fetch-sources.sh >/dev/null || true
for s in "${STEPS[@]}"; do
    case "$s" in
    crash)       step crash rel test_tools_rel_crash LMKV_REL_SCALE="$SCALE" ;;
    tools)       step tools rel t_rel_crash_tools.sh REL_TOOL_ROUNDS=100 ;;
    power)       step power rel test_tools_rel_powerloss LMKV_REL_SCALE="$SCALE" ;;
    faults)      step faults rel test_tools_rel_faults ;;
    alloc)       step alloc rel test_tools_rel_alloc LMKV_REL_SCALE="$SCALE" ;;
    concurrency) step concurrency rel test_tools_rel_concurrency LMKV_REL_SECONDS=60 ;;
    security)    step security rel t_rel_security.sh ;;
    tsan)
        tsan() {
            make -j2 SAN=thread build/tsan/lmkv build/tsan/tests/test_kv_basic build/tsan/tests/test_kv_model \
                build/tsan/tests/test_kv_multiproc build/tsan/tests/test_kv_sled \
                build/tsan/tests/test_tools_rel_concurrency >/dev/null || return 1
            BUILD=build/tsan SAN=thread tests/run.sh test_kv || return 1
            LMKV_REL_SECONDS=20 BUILD=build/tsan SAN=thread tests/run.sh test_tools_rel_concurrency || return 1
            show build/tsan test_tools_rel_concurrency
        }
        step tsan tsan ;;
    fuzz)        step fuzz scripts/fuzz.sh run ;;
    *) echo "torture: unknown step $s" >&2; exit 2 ;;
    esac
done
echo
if [ ${#failed[@]} -gt 0 ]; then echo "torture: FAILED: ${failed[*]}"; exit 1; fi
echo "torture: all steps passed"
