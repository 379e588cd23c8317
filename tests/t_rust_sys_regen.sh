#!/usr/bin/env bash
# lmkv-sys's committed bindgen output (bindings/rust/lmkv-sys/src/generated.rs)
# is what lmkv-sys/scripts/regen.sh makes from today's public headers: a
# struct field, enum value or function signature changed in schema/,
# versioning/, graph/, migrate/ (or a new module of MODULES) without
# regenerating fails here, naming the first differing lines. (The crate's
# own tests check names and arities against the headers and liblmkv.so;
# this checks every type.) Needs Debian's bindgen (scripts/deps.sh installs
# it); without it: SKIP (exit 77) with the reason.
set -euo pipefail
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
command -v bindgen >/dev/null || { echo "SKIP: bindgen not found (apt-get install bindgen; scripts/deps.sh)"; exit 77; }
command -v rustfmt >/dev/null || [ -x "$HOME/.cargo/bin/rustfmt" ] || { echo "SKIP: rustfmt not found (the Rust toolchain's; bindgen formats with it)"; exit 77; }
TMP=${LMKV_TEST_TMP:-$(mktemp -d)}
OUT="$TMP/generated.rs"
"$ROOT/bindings/rust/lmkv-sys/scripts/regen.sh" "$OUT"
if ! diff -u "$ROOT/bindings/rust/lmkv-sys/src/generated.rs" "$OUT" >"$TMP/diff"; then
    echo "FAIL: bindings/rust/lmkv-sys/src/generated.rs is stale; run bindings/rust/lmkv-sys/scripts/regen.sh and commit it:"
    head -40 "$TMP/diff"
    exit 1
fi
n=$(grep -c 'pub fn lmkv_' "$OUT")
[ "$n" -gt 150 ] || { echo "FAIL: only $n functions generated"; exit 1; }
echo "generated.rs is up to date ($n functions)"
