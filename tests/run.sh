#!/usr/bin/env bash
# Runs lmkv's test suite: every cmocka program in $BUILD/tests, every script
# tests/t_*.sh and tests/t_*.py, and the fuzz corpus replays in
# $BUILD/fuzz-replay. Each test runs in its own temporary directory
# ($LMKV_TEST_TMP). Prints one line per test and a closing
# "N passed, N failed, N skipped" line; exits non-zero if anything failed.
# A test that exits with status 77 is reported as SKIP and not counted as
# passed (automake's convention), e.g. t_rust.sh without cargo.
# Under SAN=thread every process's ThreadSanitizer reports go to
# $BUILD/test-logs/tsan/NAME/report.PID (TSAN_OPTIONS log_path); a test that
# leaves any fails, whatever its exit status.
# The oracle tests (t_oracle_clangd.py, t_lsp_clangd.py, t_lsp_typescript.py)
# keep the language servers' answers in $LMKV_ORACLE_CACHE (default
# build/oracle-cache, shared by every BUILD; "off" asks the servers every
# time): tests/oracle_cache.py.
# Usage: tests/run.sh [PATTERN]   (only tests whose name contains PATTERN)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PATTERN=${1:-}
export LMKV_BIN="$BUILD/lmkv" LMDB_MIGRATE_BIN="$BUILD/lmdb-migrate" LMKV_BUILD="$BUILD"
export LMKV_ROOT="$ROOT"
export LMKV_SOURCES=${LMKV_SOURCES:-$ROOT/build/sources}
export LMKV_FIXTURES="$ROOT/tests/fixtures"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1}
LOGDIR="$BUILD/test-logs"; mkdir -p "$LOGDIR"
# Tests run $LMKV_TEST_JOBS at a time (default: the number of CPUs, as
# `nproc` says), the slowest known ones first; each result is printed when
# its test ends, and every test's wall time goes to $BUILD/test-logs/times.tsv.
# LMKV_TEST_JOBS=1 runs them one by one in the order below.
JOBS=${LMKV_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
case "$JOBS" in ''|*[!0-9]*|0) echo "run.sh: LMKV_TEST_JOBS must be a positive integer, not '$JOBS'" >&2; exit 2 ;; esac
RESDIR="$LOGDIR/.results"; rm -rf "$RESDIR"; mkdir -p "$RESDIR/done"
: >"$LOGDIR/times.tsv"
pass=0; fail=0; skip=0; failed=(); skipped=(); running=0

# run_one NAME CMD...: runs one test in its own directory; leaves its exit
# status, wall time and the lines to print in $RESDIR/done/NAME.
run_one() {
    local name=$1; shift
    local tmp; tmp=$(mktemp -d "${TMPDIR:-/tmp}/lmkv-test.XXXXXX")
    local t0=$SECONDS
    local rc=0 tsan_env=() out="$RESDIR/$name"
    if [ "${SAN:-}" = thread ]; then
        # Every process's ThreadSanitizer report goes to a file, so a race in
        # a process whose exit status or stderr a script does not check (a
        # background writer, an expected failure) still fails the test.
        rm -rf "$LOGDIR/tsan/$name"; mkdir -p "$LOGDIR/tsan/$name"
        tsan_env=(TSAN_OPTIONS="$TSAN_OPTIONS:log_path=$LOGDIR/tsan/$name/report")
    fi
    (cd "$tmp" && env LMKV_TEST_TMP="$tmp" "${tsan_env[@]}" "$@") >"$LOGDIR/$name.log" 2>&1 || rc=$?
    if [ ${#tsan_env[@]} -gt 0 ] && [ -n "$(ls -A "$LOGDIR/tsan/$name")" ]; then
        cat "$LOGDIR/tsan/$name"/report.* >>"$LOGDIR/$name.log"
        echo "ThreadSanitizer reports: $LOGDIR/tsan/$name" >>"$LOGDIR/$name.log"
        if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then rc=66; fi
    fi
    local secs=$((SECONDS-t0))
    {
        echo "$rc $secs"
        if [ $rc -eq 0 ]; then
            printf 'PASS %-44s %3ds\n' "$name" $secs
        elif [ $rc -eq 77 ]; then   # automake's "skipped": neither passed nor failed
            printf 'SKIP %-44s %3ds  (%s)\n' "$name" $secs "$(tail -n 1 "$LOGDIR/$name.log")"
        else
            printf 'FAIL %-44s %3ds  (log: %s)\n' "$name" $secs "$LOGDIR/$name.log"
            tail -n 25 "$LOGDIR/$name.log" | sed 's/^/    | /'
        fi
    } >"$out"
    rm -rf "$tmp"
    mv "$out" "$RESDIR/done/$name"
}

# report: prints and counts every finished test not yet reported.
report() {
    local f name rc secs
    for f in "$RESDIR"/done/*; do
        [ -e "$f" ] || continue
        name=$(basename "$f")
        read -r rc secs <"$f"
        tail -n +2 "$f"
        printf '%s\t%s\t%s\n' "$name" "$rc" "$secs" >>"$LOGDIR/times.tsv"
        if [ "$rc" -eq 0 ]; then pass=$((pass+1))
        elif [ "$rc" -eq 77 ]; then skip=$((skip+1)); skipped+=("$name")
        else fail=$((fail+1)); failed+=("$name"); fi
        rm -f "$f"; running=$((running-1))
    done
}

# reap: waits for one test to end and reports it. A test whose shell died
# before leaving its result (killed from outside) is counted as failed.
reap() {
    local r=0
    wait -n 2>/dev/null || r=$?
    report
    if [ $r -eq 127 ] && [ "$running" -gt 0 ]; then
        echo "FAIL $running test(s) ended without a result (killed?)"
        fail=$((fail+running)); failed+=("(lost)"); running=0
    fi
}

# schedule NAME CMD...: starts a test once fewer than $JOBS are running.
declare -A scheduled=()
schedule() {
    local name=$1
    [ -n "$PATTERN" ] && [[ "$name" != *"$PATTERN"* ]] && return 0
    [ -n "${scheduled[$name]:-}" ] && return 0
    scheduled[$name]=1
    while [ "$running" -ge "$JOBS" ]; do reap; done
    running=$((running+1))
    run_one "$@" &
}

# The slowest tests (by times.tsv of a plain run) start first, so the pool
# does not end waiting on one long test.
for n in t_push_pg.sh t_oracle_clangd.py t_store_incremental.py t_cli_concurrent.sh t_versioning_index.sh t_rust.sh \
         t_rel_crash_tools.sh t_e2e_lmdb.py t_cli_damage.sh t_e2e_sqlite.py t_cli_fixtures.sh; do
    case "$n" in
        *.sh) [ -e "$ROOT/tests/$n" ] && schedule "$n" bash "$ROOT/tests/$n" ;;
        *.py) [ -e "$ROOT/tests/$n" ] && schedule "$n" /usr/bin/python3 "$ROOT/tests/$n" ;;
    esac
done

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    schedule "$(basename "$t")" "$t"
done
for t in "$ROOT"/tests/t_*.sh; do
    [ -e "$t" ] || continue
    schedule "$(basename "$t")" bash "$t"
done
for t in "$ROOT"/tests/t_*.py; do
    [ -e "$t" ] || continue
    schedule "$(basename "$t")" /usr/bin/python3 "$t"
done
for t in "$BUILD"/fuzz-replay/fuzz_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t"); corpus="$ROOT/tests/fuzz/corpus/${n#fuzz_}"
    schedule "replay_$n" "$t" "$corpus"
done

while [ "$running" -gt 0 ]; do reap; done

echo
if [ $fail -gt 0 ]; then echo "failed: ${failed[*]}"; fi
if [ $skip -gt 0 ]; then echo "skipped (not counted as passed): ${skipped[*]}"; fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
