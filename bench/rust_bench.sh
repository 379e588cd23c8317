#!/usr/bin/env bash
# Rust binding overhead: get/set throughput through the daemon's trait
# (LmkvTree, and Arc<dyn DatabaseTree> as the daemon holds it; both allocate
# the boxed future of the #[async_trait] shape on every call) and the safe
# crate against lmkv's C API called directly (lmkv-sys), in one run, as a
# markdown table (target: under 10% overhead). BENCH_QUICK=1: 5000 keys.
# Then the daemon's graph ingest through the Rust backend (benches/
# graph_ingest.rs) beside SQLite v001 and daemon/ in C, on the same rows in
# the same run: build/bench/daemon_graph_bench (1 query round) writes its
# converted rows to $DAEMON_BENCH_ROWS and its ingest table is printed first.
# Builds bindings/rust in release mode (`cargo bench --offline`) against
# $LMKV_BUILD/liblmkv.a. Run by bench/run.sh (`make bench`).
# RUST_BENCHES="backend_overhead layers_overhead graph_ingest" (the default)
# picks some of the three.
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
RUST_BENCHES=" ${RUST_BENCHES:-backend_overhead layers_overhead graph_ingest} "
cd "$ROOT/bindings/rust"
if [[ "$RUST_BENCHES" == *" backend_overhead "* ]]; then
"$CARGO" bench --offline -j2 -q -p lmkv --bench backend_overhead
fi

# The layer wrappers (store, graph, cache: bindings/rust/lmkv/src/{store,graph,
# cache}.rs) per call against the same C functions, on LMDB's sources indexed
# by `lmkv index` (benches/layers_overhead.rs).
echo
export LMKV_BIN="${LMKV_BIN:-$BUILD/lmkv}" LMKV_SOURCES="${LMKV_SOURCES:-$ROOT/build/sources}"
[ -x "$LMKV_BIN" ] || { echo "missing $LMKV_BIN (make all)" >&2; exit 1; }
if [[ "$RUST_BENCHES" == *" layers_overhead "* ]]; then
"$CARGO" bench --offline -j2 -q -p lmkv --bench layers_overhead
fi

if [[ "$RUST_BENCHES" == *" graph_ingest "* ]]; then
    echo
    [ -x "$BUILD/bench/daemon_graph_bench" ] || { echo "missing $BUILD/bench/daemon_graph_bench (make benches)" >&2; exit 1; }
    tmp=$(mktemp -d "${LMKV_BENCH_TMP:-${TMPDIR:-/tmp}}/rust-graph-ingest-XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    # its capture: $LMKV_BUILD/lsp-captures (made once, as by the C bench)
    (cd "$ROOT" && LMKV_BUILD="$BUILD" BENCH_QUICK=1 DAEMON_BENCH_ROWS="$tmp/rows.tsv" \
        "$BUILD/bench/daemon_graph_bench" >"$tmp/c.md")
    if [ ! -s "$tmp/rows.tsv" ]; then
        cat "$tmp/c.md"
        echo "daemon_graph_bench wrote no rows: Rust graph ingest not measured."
    else
        echo "daemon graph ingest, this run (build/bench/daemon_graph_bench, BENCH_QUICK=1; its query table is in daemon_graph_bench's section):"
        echo
        sed -n '/^| ingest /,/^$/p' "$tmp/c.md"
        sed -n '/^At equal durability/p' "$tmp/c.md"
        echo
        DAEMON_BENCH_ROWS="$tmp/rows.tsv" "$CARGO" bench --offline -j2 -q -p lmkv --bench graph_ingest
    fi
fi
