#!/usr/bin/env bash
# lmkv's read commands while ANOTHER PROCESS writes:
#  1. a scan that is stalled half-way (its reader is slow) keeps its snapshot
#     while other processes insert, update and remove: the writers finish
#     while the scan is still running (not blocked), and the scan's output
#     is exactly the data of its snapshot;
#  2. a process holding LMDB's write lock (tests/cli/hold_writer.c, built
#     here against liblmkv.a) blocks no reader: get, scan, stat, trees,
#     checksum, dump and verify all complete and none sees its uncommitted
#     write; after it commits, they do;
#  3. while a writer process inserts s0000..s0199 one by one, every
#     concurrent scan is a gap-free prefix of that sequence (consistent
#     snapshots) and a concurrent `lmkv watch` reports exactly the 200
#     inserts, in order.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
export LMKV_DB="$LMKV_TEST_TMP/db"
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${LMKV_BUILD:-$ROOT/build}
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

note "part 1: a stalled scan holds its snapshot; writers are not blocked by it"
VAL=$(head -c 4000 /dev/zero | tr '\0' v)
for i in $(seq -w 0 119); do L insert --tree big "k$i" "$VAL-$i"; done
mkfifo scan.fifo
# Consumer: read one line, signal, wait for "go", then drain.
{ IFS= read -r first; printf '%s\n' "$first" >scan.out; touch started
  while [ ! -e go ]; do sleep 0.05; done; cat >>scan.out; } <scan.fifo &
CONSUMER=$!; PIDS+=("$CONSUMER")
"$LMKV_BIN" scan --tree big >scan.fifo &
SCAN=$!; PIDS+=("$SCAN")
wait_for_file() { local i; for ((i = 0; i < 600; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "gave up waiting for $1"; }
wait_for_file started
# 480 KB of output cannot fit in the pipe: the scan is now blocked inside its read txn.
for i in $(seq 200 239); do L insert --tree big "k$i" "new-$i"; done
L insert --tree big k000 changed
L remove --tree big k001
run 0 L get --tree big k000; eq "$OUT" "changed" "other readers see the new data"
run 0 L scan --tree big --count; eq "$OUT" "159"
kill -0 "$SCAN" 2>/dev/null || fail "the scan ended before the writers: the test did not overlap them"
touch go
wait "$SCAN" || fail "stalled scan failed"
wait "$CONSUMER"
eq "$(wc -l <scan.out)" "120" "the stalled scan returns its snapshot"
eq "$(cut -f1 scan.out | tr '\n' ' ')" "$(for i in $(seq -w 0 119); do printf 'k%s ' "$i"; done)"
eq "$(head -1 scan.out)" "$(printf 'k000\t%s-000' "$VAL")" "the snapshot holds the old value"
grep -q '^k001	' scan.out || fail "the snapshot lost a key removed after it began"
! grep -q '^k2' scan.out || fail "the snapshot shows keys inserted after it began"

note "part 2: a process holding the write lock blocks no reader"
LIB="$BUILD/liblmkv.a"
[ -f "$LIB" ] || fail "$LIB is missing (make builds it)"
LIBS=$(pkg-config --libs lmdb libgit2 libxxhash zlib jansson 2>/dev/null || echo "-llmdb -lgit2 -lxxhash -lz -ljansson")
# with the sanitizer the archive was built with (make test SAN=... passes SAN)
case "${SAN:-}" in
"") CLIENT_SAN="" ;;
thread) CLIENT_SAN="-fsanitize=thread" ;;
*) CLIENT_SAN="-fsanitize=address,undefined" ;;
esac
cc -std=c11 $CLIENT_SAN -I"$ROOT/kv" -o hold_writer "$ROOT/tests/cli/hold_writer.c" "$LIB" $LIBS -lpthread -lm 2>cc.log \
    || { cat cc.log; fail "cannot build tests/cli/hold_writer.c"; }
mkfifo hold.in
./hold_writer "$LMKV_DB" big held-key held-value <hold.in >hold.out &
HOLDER=$!; PIDS+=("$HOLDER")
exec 7>hold.in
wait_for hold.out holding
SUM_BEFORE=$(L checksum)
# A second writer waits for the lock (LMDB has one writer at a time).
"$LMKV_BIN" insert --tree big queued-key queued-value 7>&- &
QUEUED=$!; PIDS+=("$QUEUED")
run 1 L get --tree big held-key
run 0 L scan --tree big --count; eq "$OUT" "159" "scan does not see the uncommitted insert"
run 0 L --json stat; eq "$(json_get "$OUT" '[t["entries"] for t in j["trees"] if t.get("name") == "big"]')" "[159]"
run 0 L trees; contains "$OUT" "big"
run 0 L dump --tree big; eq "$(echo "$OUT" | wc -l)" "159"
run 0 L verify; contains "$OUT" "ok:"
run 0 L watch --tree big --timeout 0.3 held; eq "$OUT" ""
run 0 L checksum; eq "$OUT" "$SUM_BEFORE"
kill -0 "$QUEUED" 2>/dev/null || fail "an insert finished while another process held the write lock"
run 1 L get --tree big queued-key
exec 7>&-
wait "$HOLDER" || fail "hold_writer failed"
contains "$(cat hold.out)" "committed"
run 0 L get --tree big held-key; eq "$OUT" "held-value" "the committed write is visible"
wait "$QUEUED" || fail "the queued insert failed"
run 0 L get --tree big queued-key; eq "$OUT" "queued-value" "the queued insert ran after the lock was released"
run 0 L checksum; [ "$OUT" != "$SUM_BEFORE" ] || fail "checksum unchanged after commit"

note "part 3: consistent snapshots and watch while a writer process inserts"
L insert --tree seq seed x; L remove --tree seq seed
"$LMKV_BIN" watch --tree seq --count 200 --timeout 120 s >watch.out 2>watch.err &
WATCH=$!; PIDS+=("$WATCH")
wait_for watch.err "watching 0 keys"
( for i in $(seq -w 0 199); do "$LMKV_BIN" insert --tree seq "s0$i" "v$i" || exit 1; done; touch writer.done ) &
WRITER=$!; PIDS+=("$WRITER")
last=0
scans=0
while [ ! -e writer.done ]; do
    L scan --tree seq --keys-only >snap.txt
    n=$(wc -l <snap.txt)
    expect=$(for ((i = 0; i < n; i++)); do printf 's0%03d\n' "$i"; done)
    eq "$(cat snap.txt)" "$expect" "snapshot with $n keys is not a gap-free prefix"
    [ "$n" -ge "$last" ] || fail "a later snapshot has fewer keys ($n < $last)"
    last=$n; scans=$((scans + 1))
    run 0 L --json stat --tree seq
    [ "$(json_get "$OUT" 'j["entries"]')" -ge "$n" ] || fail "stat went backwards"
done
wait "$WRITER" || fail "the writer process failed"
note "$scans concurrent scans checked"
wait "$WATCH" || fail "watch failed"
eq "$(wc -l <watch.out)" "200" "watch reports every insert"
eq "$(cut -f1,2 watch.out | tr '\t\n' ' :')" "$(for i in $(seq -w 0 199); do printf 'Insert s0%s:' "$i"; done)"
eq "$(sed -n 7p watch.out)" "$(printf 'Insert\ts0006\tv006')"
echo "all checks passed"
