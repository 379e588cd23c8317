#!/usr/bin/env bash
# The Rust bindings' tests: `cargo test --offline` in bindings/rust (lmkv-sys
# and lmkv: the safe API, the daemon's DatabaseBackend over lmkv, and the
# universal-cache workload against lmkv and a BTreeMap reference), linked with
# this tree's $LMKV_BUILD/liblmkv.a (which `make` / `make test` build).
#
# Without cargo, and under `make test SAN=thread` (the crates cannot be
# TSan-instrumented on stable Rust, see below), it prints the reason and
# exits 77, which tests/run.sh reports as SKIP (not counted as passed). No registry is needed: the crates use std
# only. Cargo's output goes to $LMKV_BUILD/rust-target (removed by make clean).
set -euo pipefail
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${LMKV_BUILD:-$ROOT/build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac

CARGO=$(command -v cargo || true)
if [ -z "$CARGO" ] && [ -x "$HOME/.cargo/bin/cargo" ]; then CARGO="$HOME/.cargo/bin/cargo"; fi
if [ -z "$CARGO" ]; then
    echo "SKIP: cargo not found (install Rust >= 1.77 to test bindings/rust)"
    exit 77
fi
# rust-version in bindings/rust/Cargo.toml: an older toolchain cannot build
# the crates at all, which says nothing about lmkv.
ver=$("$CARGO" --version | awk '{print $2}')
IFS=. read -r major minor _ <<<"$ver"
if [ "${major:-0}" -lt 1 ] || { [ "$major" -eq 1 ] && [ "${minor:-0}" -lt 77 ]; }; then
    echo "SKIP: cargo $ver is older than the bindings' rust-version 1.77"
    exit 77
fi

LIBDIR="$BUILD"
case "${SAN:-}" in
    "") ;;
    thread)
        # Stable Rust cannot instrument the crates for ThreadSanitizer (that
        # needs nightly's -Zsanitizer=thread with -Zbuild-std), and linked
        # uninstrumented they synchronise through futexes and atomics TSan
        # does not see: a tree opened in one thread and used by the
        # executor's after a std Mutex hand-over is reported as a race. The
        # C library's threading is covered by the C tests under TSan; these
        # tests run in make test and make test SAN=1.
        echo "SKIP: the Rust crates are not TSan-instrumented (stable Rust); their std Mutex/Condvar hand-overs are invisible to TSan, so it reports false races"
        exit 77
        ;;
    *)
        # The ASan/UBSan archive: build.rs links GCC's runtimes. They are not
        # first in the library list (Rust's std is), which ASan accepts with
        # verify_asan_link_order=0. Leak checking stays on (run.sh's options).
        export LMKV_SANITIZE=address
        export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:verify_asan_link_order=0"
        ;;
esac
if [ ! -f "$LIBDIR/liblmkv.a" ]; then
    echo "FAIL: $LIBDIR/liblmkv.a is missing: run 'make $LIBDIR/liblmkv.a' (make test builds it)"
    exit 1
fi

export LMKV_LIB_DIR="$LIBDIR"
export CARGO_TARGET_DIR="$LIBDIR/rust-target"
export LMKV_FIXTURES="${LMKV_FIXTURES:-$ROOT/tests/fixtures}"
cd "$ROOT/bindings/rust"
"$CARGO" --version
# -j2 and at most 4 test threads: the machine is shared. --include-ignored
# runs the tests that need the lmkv CLI ($LMKV_BIN, built by make test).
"$CARGO" test --offline -j2 -- --test-threads=4 --include-ignored || exit 1
# The benchmarks (bench/rust_bench.sh, bench/daemon_bench.sh) only build in
# make bench: type-check them here so an API change cannot break them unseen.
"$CARGO" check --offline -j2 --benches -q
