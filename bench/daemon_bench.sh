#!/usr/bin/env bash
# The probe daemon's LSP-cache traffic through the Rust backend
# (bindings/rust/lmkv/benches/daemon_traffic.rs): 1, 2, 4, 8 and 32
# concurrent tasks, default and NoSync durability, the hit/miss counters
# as get+set (the daemon's code) and through merge (exact), lookups/s,
# p50/p99, lmkv's write-group size and the unchanged inserts that skipped
# their commit, as a markdown table (issue 15: group commit).
# DAEMON_BENCH_VARIANTS=0,1,2 picks the variants (default: all three).
# Builds bindings/rust in release mode (`cargo bench --offline`) against
# $LMKV_BUILD/liblmkv.a. Run by bench/run.sh (`make bench`).
set -euo pipefail
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${LMKV_BUILD:-${BUILD:-$ROOT/build}}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
CARGO=$(command -v cargo || true)
if [ -z "$CARGO" ] && [ -x "$HOME/.cargo/bin/cargo" ]; then CARGO="$HOME/.cargo/bin/cargo"; fi
if [ -z "$CARGO" ]; then
    echo "cargo not found: daemon traffic benchmark not run."
    exit 0
fi
[ -f "$BUILD/liblmkv.a" ] || { echo "missing $BUILD/liblmkv.a (make lib)" >&2; exit 1; }
export LMKV_LIB_DIR="$BUILD" CARGO_TARGET_DIR="$BUILD/rust-target"
cd "$ROOT/bindings/rust"
"$CARGO" bench --offline -j2 -q -p lmkv --bench daemon_traffic
