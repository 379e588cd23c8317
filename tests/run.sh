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
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
LOGDIR="$BUILD/test-logs"; mkdir -p "$LOGDIR"
pass=0; fail=0; skip=0; failed=(); skipped=()

run_one() { # name cmd...
    local name=$1; shift
    [ -n "$PATTERN" ] && [[ "$name" != *"$PATTERN"* ]] && return 0
    local tmp; tmp=$(mktemp -d "${TMPDIR:-/tmp}/lmkv-test.XXXXXX")
    local t0=$SECONDS
    local rc=0 tsan_env=()
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
    if [ $rc -eq 0 ]; then
        pass=$((pass+1)); printf 'PASS %-44s %3ds\n' "$name" $((SECONDS-t0))
    elif [ $rc -eq 77 ]; then   # automake's "skipped": neither passed nor failed
        skip=$((skip+1)); skipped+=("$name")
        printf 'SKIP %-44s %3ds  (%s)\n' "$name" $((SECONDS-t0)) "$(tail -n 1 "$LOGDIR/$name.log")"
    else
        fail=$((fail+1)); failed+=("$name")
        printf 'FAIL %-44s %3ds  (log: %s)\n' "$name" $((SECONDS-t0)) "$LOGDIR/$name.log"
        tail -n 25 "$LOGDIR/$name.log" | sed 's/^/    | /'
    fi
    rm -rf "$tmp"
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in "$ROOT"/tests/t_*.sh; do
    [ -e "$t" ] || continue
    run_one "$(basename "$t")" bash "$t"
done
for t in "$ROOT"/tests/t_*.py; do
    [ -e "$t" ] || continue
    run_one "$(basename "$t")" /usr/bin/python3 "$t"
done
for t in "$BUILD"/fuzz-replay/fuzz_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t"); corpus="$ROOT/tests/fuzz/corpus/${n#fuzz_}"
    run_one "replay_$n" "$t" "$corpus"
done

echo
if [ $fail -gt 0 ]; then echo "failed: ${failed[*]}"; fi
if [ $skip -gt 0 ]; then echo "skipped (not counted as passed): ${skipped[*]}"; fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
