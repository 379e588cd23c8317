#!/usr/bin/env bash
# lmkv watch sees writes made by other processes: Insert for new and changed
# keys (with the new value), Remove for removed keys, nothing for no-op
# writes, other prefixes or other trees; --json and --hex forms; ends on
# SIGTERM and SIGINT (exit 0), after --count events, or after --timeout.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
export LMKV_DB="$LMKV_TEST_TMP/db"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

L insert --tree w user:1 alice
L insert --tree w user:2 bob
L insert --tree w other:1 x
L insert --tree w2 user:9 elsewhere

note "events for one prefix, written by other processes"
"$LMKV_BIN" watch --tree w --count 4 --timeout 60 user: >ev.txt 2>ev.err &
W=$!; PIDS+=("$W")
wait_for ev.err "watching 2 keys"
L insert --tree w user:1 alice            # no-op: same value, no event
L insert --tree w other:2 y               # other prefix
L insert --tree w2 user:3 z               # other tree
L insert --tree w user:3 carol            # Insert (new)
L insert --tree w user:1 alice2           # Insert (changed)
L remove --tree w user:2                  # Remove
L insert --tree w "user:é" $'tab\there'    # Insert, escaped value
wait "$W" || fail "watch failed"
# One poll may combine several writes: events of one poll come in key order,
# so compare the multiset; each event must be present exactly once.
sort ev.txt >got.txt
printf 'Insert\tuser:1\talice2\nInsert\tuser:3\tcarol\nInsert\tuser:é\ttab\\x09here\nRemove\tuser:2\n' | sort >want.txt
diff want.txt got.txt || fail "watch events differ"

note "--json and --hex forms"
rm -f ev.err   # else wait_for may see the last watch's ready line before this one starts
"$LMKV_BIN" watch --tree w --json --count 2 --timeout 60 user:1 >ev.json 2>ev.err &
W=$!; PIDS+=("$W")
wait_for ev.err "watching 1 keys"
L remove --tree w user:1
L insert --tree w user:10 "$(printf 'bin\001')"
wait "$W"
$PY - ev.json <<'PY'
import json, sys
evs = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda e: e["event"])
assert evs[0] == {"event": "insert", "key": "user:10", "value_hex": "62696e01"}, evs[0]
assert evs[1] == {"event": "remove", "key": "user:1"}, evs[1]
PY
rm -f ev.err   # else wait_for may see the last watch's ready line before this one starts
"$LMKV_BIN" watch --tree w --hex --count 1 --timeout 60 75736572 >ev.hex 2>ev.err &
W=$!; PIDS+=("$W")
wait_for ev.err "watching"
L insert --tree w user:3 dave
wait "$W"
eq "$(cat ev.hex)" "$(printf 'Insert\t757365723a33\t64617665')"

note "the default tree and an empty prefix watch everything"
L insert seed 1
rm -f ev.err   # else wait_for may see the last watch's ready line before this one starts
"$LMKV_BIN" watch --count 1 --timeout 60 >ev.def 2>ev.err &
W=$!; PIDS+=("$W")
wait_for ev.err "watching 1 keys of default tree"
L insert anything 2
wait "$W"
eq "$(cat ev.def)" "$(printf 'Insert\tanything\t2')"

note "--timeout ends a quiet watch with exit 0"
run 0 L watch --tree w --timeout 0.2 nothing-here; eq "$OUT" ""

note "SIGTERM and SIGINT end it with exit 0"
for sig in TERM INT; do
    rm -f ev.err
    "$LMKV_BIN" watch --tree w user: >/dev/null 2>ev.err &
    W=$!; PIDS+=("$W")
    wait_for ev.err "watching"
    kill -s "$sig" "$W"
    set +e; wait "$W"; rc=$?; set -e
    eq "$rc" "0" "exit status after SIG$sig"
done

note "-q suppresses the ready line; a missing tree is exit 1"
run 0 L -q watch --tree w --timeout 0.1; eq "$ERR" ""
run 1 L watch --tree nosuch --timeout 0.1; one_line_err
echo "all checks passed"
