#!/usr/bin/env bash
# Rust binding overhead: get/set throughput through the daemon's trait
# (LmkvTree, and Arc<dyn DatabaseTree> as the daemon holds it; both allocate
# the boxed future of the #[async_trait] shape on every call) and the safe
# crate against lmkv's C API called directly (lmkv-sys), in one run, as a
# markdown table (target: under 10% overhead). BENCH_QUICK=1: 5000 keys.
# Builds bindings/rust in release mode (`cargo bench --offline`) against
# $LMKV_BUILD/liblmkv.a. Run by bench/run.sh (`make bench`).
set -euo pipefail
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${LMKV_BUILD:-$ROOT/build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
CARGO=$(command -v cargo || true)
if [ -z "$CARGO" ] && [ -x "$HOME/.cargo/bin/cargo" ]; then CARGO="$HOME/.cargo/bin/cargo"; fi
if [ -z "$CARGO" ]; then
    echo "cargo not found: Rust binding benchmark not run."
    exit 0
fi
[ -f "$BUILD/liblmkv.a" ] || { echo "missing $BUILD/liblmkv.a (make lib)" >&2; exit 1; }
export LMKV_LIB_DIR="$BUILD" CARGO_TARGET_DIR="$BUILD/rust-target"
cd "$ROOT/bindings/rust"
"$CARGO" bench --offline -j2 -q -p lmkv --bench backend_overhead

# The layer wrappers (store, graph, cache: bindings/rust/lmkv/src/{store,graph,
# cache}.rs) per call against the same C functions, on LMDB's sources indexed
# by `lmkv index` (benches/layers_overhead.rs).
echo
export LMKV_BIN="${LMKV_BIN:-$BUILD/lmkv}" LMKV_SOURCES="${LMKV_SOURCES:-$ROOT/build/sources}"
[ -x "$LMKV_BIN" ] || { echo "missing $LMKV_BIN (make all)" >&2; exit 1; }
"$CARGO" bench --offline -j2 -q -p lmkv --bench layers_overhead
