#!/usr/bin/env bash
# End-to-end test of lmdb-migrate and `lmkv export` on the real sled fixtures
# ($LMKV_FIXTURES/sled): sled's checksum after the import (lmkv checksum),
# the byte-identical way back, gzip input, exit codes, one-line errors with
# byte offsets, a pre-existing target left untouched by every failure,
# idempotent re-runs, --merge conflicts, --dry-run, --json, and no progress
# output when stderr is not a terminal.
set -u
M=${LMDB_MIGRATE_BIN:?}
L=${LMKV_BIN:?}
FX=${LMKV_FIXTURES:?}/sled
T=${LMKV_TEST_TMP:?}
PY=/usr/bin/python3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
ok() { echo "ok: $*"; }

expect_json() { # file key -> value
    $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"
}
sum_of() { "$L" --db "$1" checksum 2>/dev/null; }

# --- usage and version
"$M" --help >/dev/null; [ $? -eq 0 ] || fail "--help exit"
"$M" -V | grep -q "lmdb-migrate" || fail "-V"
"$M" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no arguments must exit 2"
"$M" --bogus a b >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option must exit 2"
"$M" --workspace-root rel "$FX/edge-cases-small.sleddump" "$T/x" >/dev/null 2>&1; [ $? -eq 2 ] || fail "relative workspace root must exit 2"
ok "usage"

# --- every fixture: import, sled's checksum, export byte-identical
for f in probe-universal-cache probe-legacy-call-graph edge-cases-small; do
    want=$(expect_json "$FX/$f.expect.json" db.checksum)
    "$M" "$FX/$f.sleddump" "$T/db-$f" >"$T/out" 2>"$T/err" || fail "$f: import exit $?"
    [ -s "$T/err" ] && fail "$f: stderr not empty without a terminal: $(cat "$T/err")"
    grep -q "imported" "$T/out" || fail "$f: no report"
    got=$(sum_of "$T/db-$f")
    [ "$got" = "$want" ] || fail "$f: checksum $got, sled's $want"
    "$L" --db "$T/db-$f" export "$T/$f.back" >/dev/null || fail "$f: export"
    cmp -s "$T/$f.back" "$FX/$f.sleddump" || fail "$f: export differs from the fixture"
    ok "$f: checksum $got, round trip identical"
done
ls -d "$T"/*.tmp-* >/dev/null 2>&1 && fail "temporary directories left behind"

# --- gzip input: same database, plain export equal to the fixture
gzip -c "$FX/probe-universal-cache.sleddump" >"$T/uc.sleddump.gz"
"$M" --verify "$T/uc.sleddump.gz" "$T/db-gz" >"$T/out" 2>&1 || fail "gzip import"
grep -q "gzip" "$T/out" || fail "gzip not reported"
grep -q "verified" "$T/out" || fail "--verify not reported"
[ "$(sum_of "$T/db-gz")" = "$(expect_json "$FX/probe-universal-cache.expect.json" db.checksum)" ] || fail "gzip checksum"
"$L" --db "$T/db-gz" export "$T/gz.back" >/dev/null && cmp -s "$T/gz.back" "$FX/probe-universal-cache.sleddump" \
    || fail "gzip -> plain export differs"
ok "gzip input"

# --- idempotent re-run; non-empty target refused
before=$(sum_of "$T/db-edge-cases-small")
"$M" "$FX/edge-cases-small.sleddump" "$T/db-edge-cases-small" >"$T/out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "already holds" "$T/out" || fail "re-run: exit $rc, $(cat "$T/out")"
"$M" "$FX/probe-legacy-call-graph.sleddump" "$T/db-edge-cases-small" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 5 ] || fail "non-empty target: exit $rc (want 5)"
[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "--merge" "$T/err" || fail "non-empty target message: $(cat "$T/err")"
[ "$(sum_of "$T/db-edge-cases-small")" = "$before" ] || fail "refused import changed the target"
ok "re-run and refusal"

# --- damaged dumps: exit 3, one line with the byte offset, target untouched
F="$FX/probe-legacy-call-graph.sleddump"
size=$(stat -c %s "$F")
damage() { # name expected-offset expected-words file
    "$M" "$4" "$T/db-edge-cases-small" >"$T/out" 2>"$T/err"; rc=$?
    [ $rc -eq 3 ] || fail "$1: exit $rc (want 3)"
    [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$1: not one line: $(cat "$T/err")"
    grep -q "byte offset $2" "$T/err" || fail "$1: no 'byte offset $2': $(cat "$T/err")"
    grep -q "$3" "$T/err" || fail "$1: no '$3': $(cat "$T/err")"
    [ "$(sum_of "$T/db-edge-cases-small")" = "$before" ] || fail "$1: target changed"
    "$M" "$4" "$T/never" >/dev/null 2>&1; [ -e "$T/never" ] && fail "$1: target created"
    ls -d "$T"/*.tmp-* >/dev/null 2>&1 && fail "$1: temporary directory left"
}
head -c $((size - 21)) "$F" >"$T/cut.sleddump"
damage truncated $((size - 21)) "truncated" "$T/cut.sleddump"
{ printf 'SLEDDUMQ'; tail -c +9 "$F"; } >"$T/magic.sleddump"
damage magic 0 "wrong magic" "$T/magic.sleddump"
{ head -c 8 "$F"; printf '\002'; tail -c +10 "$F"; } >"$T/version.sleddump"
damage version 8 "version 2" "$T/version.sleddump"
{ head -c 12 "$F"; printf '\001'; tail -c +14 "$F"; } >"$T/flags.sleddump"
damage flags 12 "non-zero flags" "$T/flags.sleddump"
{ head -c 1000 "$F"; printf 'Q'; tail -c +1002 "$F"; } >"$T/crc.sleddump"
damage crc $((size - 4)) "CRC-32 mismatch" "$T/crc.sleddump"
{ cat "$F"; printf 'x'; } >"$T/trail.sleddump"
damage trailing "$size" "trailing bytes" "$T/trail.sleddump"
head -c $((size - 21)) "$F" | gzip -c >"$T/cut.sleddump.gz"
damage gzip-truncated $((size - 21)) "of the uncompressed stream" "$T/cut.sleddump.gz"
ok "damaged dumps"

# --- merge: conflicts refused with the key named; absent keys added
mkdump() { # out tree key value [key value ...] : a canonical sled-dump v1
    $PY - "$@" <<'EOF'
import struct, sys, zlib
out, tree, kv = sys.argv[1], sys.argv[2].encode(), [a.encode() for a in sys.argv[3:]]
b = bytearray(b"SLEDDUMP" + struct.pack("<II", 1, 0))
b += b"C" + struct.pack("<Q", 4) + b"tree" + struct.pack("<Q", len(tree)) + tree
for k, v in zip(kv[0::2], kv[1::2]):
    b += b"P" + struct.pack("<Q", len(k)) + k + struct.pack("<Q", len(v)) + v
b += b"E" + struct.pack("<Q", len(kv) // 2) + b"Z" + struct.pack("<QQ", 1, len(kv) // 2)
b += struct.pack("<I", zlib.crc32(bytes(b)))
open(out, "wb").write(b)
EOF
}
mkdump "$T/conflict.sleddump" __sled__default alpha CHANGED omega new
"$M" --merge "$T/conflict.sleddump" "$T/db-edge-cases-small" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 5 ] || fail "merge conflict: exit $rc (want 5)"
grep -q "conflict: tree '__sled__default' key 'alpha'" "$T/err" || fail "conflict key not named: $(cat "$T/err")"
[ "$(sum_of "$T/db-edge-cases-small")" = "$before" ] || fail "conflicting merge changed the target"
mkdump "$T/add.sleddump" extra k1 v1 k2 v2
"$M" --merge --verify "$T/add.sleddump" "$T/db-edge-cases-small" >"$T/out" 2>&1 || fail "merge: $(cat "$T/out")"
grep -q "2 added" "$T/out" || fail "merge counts: $(cat "$T/out")"
[ "$("$L" --db "$T/db-edge-cases-small" get --tree extra k2)" = "v2" ] || fail "merged key missing"
[ "$("$L" --db "$T/db-edge-cases-small" checksum --tree big-value)" = "4277884146" ] || fail "merge changed other trees"
ok "merge"

# --- dry run: nothing written; --json is machine-readable
"$M" --dry-run --json "$FX/probe-universal-cache.sleddump" "$T/dry" >"$T/dry.json" 2>"$T/err" || fail "dry run"
[ -e "$T/dry" ] && fail "dry run created the target"
[ "$(expect_json "$T/dry.json" dry_run)" = "True" ] || fail "dry_run flag"
[ "$(expect_json "$T/dry.json" pairs)" = "152" ] || fail "dry run pairs"
[ "$(expect_json "$T/dry.json" checksum)" = "$(expect_json "$FX/probe-universal-cache.expect.json" db.checksum)" ] \
    || fail "dry run checksum"
[ "$(expect_json "$T/dry.json" typed_counts.cache_entries)" = "150" ] || fail "dry run typed count"
"$M" --json "$T/crc.sleddump" "$T/j" >"$T/err.json" 2>/dev/null; rc=$?
[ $rc -eq 3 ] && [ "$(expect_json "$T/err.json" ok)" = "False" ] && grep -q "CRC-32" "$T/err.json" \
    || fail "--json on failure (exit $rc)"
"$M" --json "$FX/probe-legacy-call-graph.sleddump" "$T/db-json" >"$T/ok.json" 2>/dev/null || fail "json import"
[ "$(expect_json "$T/ok.json" typed_counts.symbols)" -gt 0 ] || fail "legacy typed symbols"
[ "$(expect_json "$T/ok.json" raw_only)" = "0" ] || fail "raw_only"
ok "dry run and json"

# --- --no-typed: raw trees only, same checksum, no system trees written
"$M" -q --no-typed "$FX/probe-universal-cache.sleddump" "$T/db-raw" >"$T/out" 2>&1 || fail "--no-typed"
[ -s "$T/out" ] && fail "-q printed: $(cat "$T/out")"
[ "$(sum_of "$T/db-raw")" = "$(expect_json "$FX/probe-universal-cache.expect.json" db.checksum)" ] || fail "no-typed checksum"
ok "no-typed"

# --- temporary directories of killed runs: removed by the next run; a live
# run's (its flock held, here by this shell) is left alone
mkdir -p "$T/db-stale.tmp-Dead01/x" "$T/db-stale.tmp-Live01"
echo junk >"$T/db-stale.tmp-Dead01/x/data.mdb"
if command -v flock >/dev/null 2>&1; then
    exec 9<"$T/db-stale.tmp-Live01"
    flock -x -n 9 || fail "cannot lock the live directory"
fi
"$M" --json "$FX/edge-cases-small.sleddump" "$T/db-stale" >"$T/stale.json" 2>"$T/err" || fail "import beside stale dirs: $(cat "$T/err")"
[ -e "$T/db-stale.tmp-Dead01" ] && fail "a dead run's temporary directory was left"
[ "$(expect_json "$T/stale.json" stale_tmp_removed)" = "1" ] || fail "stale_tmp_removed: $(cat "$T/stale.json")"
if command -v flock >/dev/null 2>&1; then
    [ -d "$T/db-stale.tmp-Live01" ] || fail "a live run's temporary directory was removed"
    exec 9<&-
fi
"$M" "$FX/edge-cases-small.sleddump" "$T/db-stale" >"$T/out" 2>&1 || fail "re-run: $(cat "$T/out")"
[ -e "$T/db-stale.tmp-Live01" ] && fail "the released directory was left"
grep -q "cleaned: *1 temporary" "$T/out" || fail "no 'cleaned' line: $(cat "$T/out")"
ok "stale temporary directories"

# --- progress bar only on a terminal (script(1) gives the tool a pty)
if command -v script >/dev/null 2>&1; then
    script -qec "'$M' '$FX/edge-cases-small.sleddump' '$T/db-tty'" /dev/null >"$T/tty.out" 2>&1
    grep -q "imported" "$T/tty.out" || fail "tty run: $(cat "$T/tty.out")"
    grep -q "pairs, .*/s" "$T/tty.out" || fail "no progress bar on a terminal: $(cat "$T/tty.out")"
    ok "terminal run"
fi

# --- input that is not a regular file: standard input ('-') and a FIFO are
# read once, like a file; --verify of a merge (two passes) refuses them
want=$(expect_json "$FX/probe-legacy-call-graph.expect.json" db.checksum)
"$M" -q - "$T/db-stdin" <"$FX/probe-legacy-call-graph.sleddump" 2>"$T/err" || fail "stdin import: $(cat "$T/err")"
[ "$(sum_of "$T/db-stdin")" = "$want" ] || fail "stdin import checksum"
cat "$FX/probe-legacy-call-graph.sleddump" | "$M" -q - "$T/db-pipe" 2>"$T/err" || fail "pipe import: $(cat "$T/err")"
[ "$(sum_of "$T/db-pipe")" = "$want" ] || fail "pipe import checksum"
gzip -c "$FX/probe-legacy-call-graph.sleddump" | "$M" -q - "$T/db-pipegz" 2>"$T/err" || fail "gzip pipe import: $(cat "$T/err")"
[ "$(sum_of "$T/db-pipegz")" = "$want" ] || fail "gzip pipe import checksum"
mkfifo "$T/fifo"
cat "$FX/probe-legacy-call-graph.sleddump" >"$T/fifo" &
"$M" -q "$T/fifo" "$T/db-fifo" 2>"$T/err" || fail "FIFO import: $(cat "$T/err")"
wait
[ "$(sum_of "$T/db-fifo")" = "$want" ] || fail "FIFO import checksum"
printf 'SLEDDU' | "$M" - "$T/db-short" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 3 ] || fail "6-byte stdin: exit $rc, want 3"
grep -q "sled dump <stdin>: byte offset 6: file truncated" "$T/err" || fail "short stdin message: $(cat "$T/err")"
"$M" --merge --verify - "$T/db-stdin" <"$FX/probe-legacy-call-graph.sleddump" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "--merge --verify from stdin: exit $rc, want 2"
grep -q "needs a regular file" "$T/err" || fail "--merge --verify message: $(cat "$T/err")"
[ -e "$T/db-short" ] && fail "a failed stdin import left a target"
ok "stdin, pipe, gzip pipe and FIFO input"

# --- the report's input bytes are the bytes read, from standard input, a
# pipe and a FIFO too (no file size to take them from)
size=$(wc -c <"$FX/probe-legacy-call-graph.sleddump")
gzip -c "$FX/probe-legacy-call-graph.sleddump" >"$T/legacy.gz"; gzsize=$(wc -c <"$T/legacy.gz")
"$M" --json - "$T/db-nb1" <"$FX/probe-legacy-call-graph.sleddump" >"$T/nb1.json" 2>"$T/err" || fail "stdin --json: $(cat "$T/err")"
[ "$(expect_json "$T/nb1.json" input_bytes)" = "$size" ] || fail "stdin input_bytes $(expect_json "$T/nb1.json" input_bytes), want $size"
cat "$FX/probe-legacy-call-graph.sleddump" | "$M" --json - "$T/db-nb2" >"$T/nb2.json" 2>"$T/err" || fail "pipe --json: $(cat "$T/err")"
[ "$(expect_json "$T/nb2.json" input_bytes)" = "$size" ] || fail "pipe input_bytes $(expect_json "$T/nb2.json" input_bytes), want $size"
[ "$(expect_json "$T/nb2.json" uncompressed_bytes)" = "$size" ] || fail "pipe uncompressed_bytes"
cat "$T/legacy.gz" | "$M" --json - "$T/db-nb3" >"$T/nb3.json" 2>"$T/err" || fail "gzip pipe --json: $(cat "$T/err")"
[ "$(expect_json "$T/nb3.json" input_bytes)" = "$gzsize" ] || fail "gzip pipe input_bytes $(expect_json "$T/nb3.json" input_bytes), want $gzsize"
[ "$(expect_json "$T/nb3.json" uncompressed_bytes)" = "$size" ] || fail "gzip pipe uncompressed_bytes"
mkfifo "$T/fifo2"
cat "$T/legacy.gz" >"$T/fifo2" &
"$M" --dry-run "$T/fifo2" "$T/db-nb4" >"$T/nb4" 2>"$T/err" || fail "FIFO dry run: $(cat "$T/err")"
wait
grep -q "^  input: *$gzsize bytes (.*, gzip), $size bytes uncompressed" "$T/nb4" || fail "FIFO report: $(cat "$T/nb4")"
cat "$FX/probe-legacy-call-graph.sleddump" | "$M" - "$T/db-nb5" >"$T/nb5" 2>"$T/err" || fail "pipe import: $(cat "$T/err")"
grep -q "^lmdb-migrate: imported standard input into $T/db-nb5" "$T/nb5" || fail "stdin named: $(head -1 "$T/nb5")"
grep -q "^  input: *$size bytes (.*, plain), $size bytes uncompressed" "$T/nb5" || fail "pipe report: $(cat "$T/nb5")"
ok "input bytes of stdin, pipes and FIFOs are the bytes read"

# --- an empty read-only target directory is refused, not replaced
mkdir "$T/ro-target"; chmod 555 "$T/ro-target"; ino=$(stat -c %i "$T/ro-target")
"$M" "$FX/edge-cases-small.sleddump" "$T/ro-target" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 4 ] || fail "read-only target: exit $rc, want 4"
grep -q "read-only directory (mode 0555): refusing to replace it" "$T/err" || fail "read-only message: $(cat "$T/err")"
[ "$(stat -c %i:%a "$T/ro-target")" = "$ino:555" ] || fail "read-only target was replaced or changed"
[ -z "$(ls -A "$T/ro-target")" ] || fail "read-only target got files"
ls -d "$T"/ro-target.tmp-* >/dev/null 2>&1 && fail "a temporary directory was left beside the read-only target"
chmod 755 "$T/ro-target"
ok "read-only target refused"

# --- a byte flipped mid-file: the CRC-32 error comes first and alone (the
# undecodable pairs the damage made are not reported); the same damage with a
# CRC that matches is imported, the pair kept raw and reported
$PY - "$FX/probe-legacy-call-graph.sleddump" "$T/flip.sleddump" "$T/flipcrc.sleddump" <<'PYEOF'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], 'rb').read())
b[len(b) // 2] ^= 0xff
open(sys.argv[2], 'wb').write(b)
b[-4:] = struct.pack('<I', zlib.crc32(bytes(b[:-4])))
open(sys.argv[3], 'wb').write(b)
PYEOF
"$M" "$T/flip.sleddump" "$T/db-flip" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 3 ] || fail "flipped byte: exit $rc, want 3"
[ "$(wc -l <"$T/err")" = 1 ] || fail "flipped byte: more than the CRC line: $(cat "$T/err")"
grep -q "CRC-32 mismatch" "$T/err" || fail "flipped byte: no CRC error: $(cat "$T/err")"
"$M" "$T/flipcrc.sleddump" "$T/db-flipcrc" >"$T/out" 2>"$T/err" || fail "matching CRC import: $(cat "$T/err")"
grep -q "kept raw only: tree 'nodes'" "$T/err" || fail "no raw-only notice: $(cat "$T/err")"
grep -q "raw-only: *1 " "$T/out" || fail "raw-only count: $(cat "$T/out")"
ok "CRC checked before notices"

# --- a re-run reports the typed records the database holds, and the checksum
# as `lmkv checksum` prints it (decimal, one format everywhere)
"$M" "$FX/probe-legacy-call-graph.sleddump" "$T/db-rerun" >"$T/first" 2>&1 || fail "first run: $(cat "$T/first")"
"$M" "$FX/probe-legacy-call-graph.sleddump" "$T/db-rerun" >"$T/second" 2>&1 || fail "re-run: $(cat "$T/second")"
grep -q "already holds exactly" "$T/second" || fail "re-run not 'already imported': $(cat "$T/second")"
first=$(grep "typed records:" "$T/first"); second=$(grep "typed records:" "$T/second")
[ -n "$first" ] && [ "$first" = "$second" ] || fail "re-run typed records '$second', first run '$first'"
grep -q "typed records: *82 " "$T/second" || fail "re-run typed count: $second"
"$M" --json "$FX/probe-legacy-call-graph.sleddump" "$T/db-rerun" >"$T/second.json" 2>/dev/null
[ "$(expect_json "$T/second.json" typed_records)" = 82 ] || fail "re-run --json typed_records"
printed=$(sed -n 's/^  checksum: *\([0-9]*\) (sled Db::checksum of the dump)$/\1/p' "$T/second")
[ "$printed" = "$(sum_of "$T/db-rerun")" ] || fail "lmdb-migrate checksum '$printed' vs lmkv checksum '$(sum_of "$T/db-rerun")'"
[ "$(expect_json "$T/second.json" checksum)" = "$printed" ] || fail "re-run --json checksum vs the text report"
ok "re-run report"

# --- sled's checksum is one string in both tools (decimal u32, as Rust's {}
# prints sled's): --verify's line, --dry-run --json, lmkv checksum (text and
# --json), for every fixture
for f in probe-universal-cache probe-legacy-call-graph edge-cases-small; do
    want=$(expect_json "$FX/$f.expect.json" db.checksum)
    "$M" --verify "$FX/$f.sleddump" "$T/db-ck-$f" >"$T/ck" 2>"$T/err" || fail "$f --verify: $(cat "$T/err")"
    line=$(grep "^  checksum:" "$T/ck")
    [ "$line" = "  checksum:       $want (sled Db::checksum of the dump), equal in the result (verified)" ] \
        || fail "$f --verify checksum line: '$line', sled's $want"
    "$M" --dry-run --json "$FX/$f.sleddump" "$T/db-ck-dry" >"$T/ck.json" 2>/dev/null || fail "$f --dry-run --json"
    grep -q "\"checksum\": $want," "$T/ck.json" || fail "$f --json checksum is not the number $want: $(grep checksum "$T/ck.json")"
    grep -q "checksum_u32" "$T/ck.json" && fail "$f: a second checksum field in --json"
    [ "$(sum_of "$T/db-ck-$f")" = "$want" ] || fail "$f: lmkv checksum $(sum_of "$T/db-ck-$f"), sled's $want"
    "$L" --db "$T/db-ck-$f" --json checksum >"$T/lck.json" || fail "$f: lmkv --json checksum"
    [ "$(expect_json "$T/lck.json" checksum)" = "$want" ] || fail "$f: lmkv --json checksum $(cat "$T/lck.json")"
    "$L" --db "$T/db-ck-$f" --hex checksum | grep -qx "$want" || fail "$f: lmkv --hex checksum is not decimal"
done
ok "one checksum format (decimal u32) in lmdb-migrate and lmkv checksum"

# --- the legacy call graph: one row per caller of mdb_txn_begin (the daemon
# stored its node twice, asked for from mdb.c and from mdb_drop.c)
"$L" --db "$T/db-rerun" query callers mdb_txn_begin --json >"$T/callers.json" || fail "query callers"
$PY - "$T/callers.json" "$FX/probe-legacy-call-graph.decoded.jsonl" <<'PYEOF' || fail "legacy callers of mdb_txn_begin"
import json, sys
rows = json.load(open(sys.argv[1]))
got = sorted((r["from"], r["file"]) for r in rows)
assert all(r["to"] == "mdb_txn_begin" and r["kind"] == "call" for r in rows), rows
want = set()
for line in open(sys.argv[2]):
    d = json.loads(line)
    if d["tree"] == "nodes" and d["key"]["symbol"] == "mdb_txn_begin":
        for c in d["value"]["info"]["incoming_calls"]:
            want.add((c["name"], c["file_path"].rsplit("/", 1)[1]))
assert got == sorted(want), (got, sorted(want))
assert len(got) == 3, got
PYEOF
ok "legacy callers deduplicated"

# --- positions the dump does not hold are null, not 0:0: the legacy call
# graph's calls (the daemon kept none) and the symbols no CallInfo placed;
# the nodes a CallInfo names keep its (0-based -> 1-based) line; the cache
# entries' LSP positions (the daemon's keys hold none)
$PY - "$T/callers.json" <<'PYEOF' || fail "legacy call positions are not null"
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and all(r["line"] is None and r["column"] is None for r in rows), rows
PYEOF
"$L" --db "$T/db-rerun" query callers mdb_txn_begin >"$T/callers.txt" || fail "query callers (text)"
[ "$(grep -c ':?$' "$T/callers.txt")" = 3 ] || fail "text callers without positions: $(cat "$T/callers.txt")"
grep -q ':0' "$T/callers.txt" && fail "a 0 position printed: $(cat "$T/callers.txt")"
"$L" --db "$T/db-rerun" --json query symbol mdb_txn_begin >"$T/sym.json" || fail "query symbol"
"$L" --db "$T/db-rerun" --json query impact mdb_txn_begin >"$T/impact.json" || fail "query impact"
$PY - "$T/sym.json" "$T/impact.json" "$FX/probe-legacy-call-graph.decoded.jsonl" <<'PYEOF' || fail "legacy symbol positions"
import json, sys
syms = json.load(open(sys.argv[1]))
# mdb_txn_begin is only ever a node key, never named by a CallInfo: no position
assert syms and all(s["line"] is None and s["column"] is None for s in syms), syms
lines = {}
for line in open(sys.argv[3]):
    d = json.loads(line)
    if d["tree"] == "nodes" and d["key"]["symbol"] == "mdb_txn_begin":
        for c in d["value"]["info"]["incoming_calls"]:
            lines[c["name"]] = c["line"] + 1
impact = json.load(open(sys.argv[2]))
assert impact and all(r["line"] == lines[r["name"]] for r in impact), (impact, lines)
PYEOF
"$L" --db "$T/db-rerun" query symbol mdb_txn_begin | grep -q $'\tmdb.c:?$' || fail "text symbol without a position"
"$L" --db "$T/db-probe-universal-cache" --json dump --system --tree cache.entry >"$T/ce.jsonl" || fail "dump cache.entry"
$PY - "$T/ce.jsonl" <<'PYEOF' || fail "cache entry positions are not null"
import json, sys
recs = [json.loads(l)["record"] for l in open(sys.argv[1])]
assert len(recs) == 150, len(recs)
assert all(r["position_line"] is None and r["position_character"] is None for r in recs)
PYEOF
ok "positions the dump does not hold are null (calls, symbols, cache entries)"

# --- issue 19's rule: no function of migrate/ over 150 lines (a definition
# starts at column 0 and ends at the first "}" in column 0)
long=$(for f in "${LMKV_ROOT:?}"/migrate/*.c "$LMKV_ROOT"/migrate/cli/*.c; do
    awk -v F="${f#$LMKV_ROOT/}" '/^[A-Za-z].*\(/ && !/;$/ && !s {s=NR; name=$0}
        /^}/ && s {if (NR-s+1 > 150) print F ": " NR-s+1 " lines: " name; s=0}' "$f"; done)
[ -z "$long" ] || fail "functions over 150 lines: $long"
n=$(awk '/^int lmkv_migrate_import\(/{s=NR} s&&/^}/{print NR-s+1; exit}' "$LMKV_ROOT/migrate/import.c")
[ -n "$n" ] && [ "$n" -lt 150 ] || fail "lmkv_migrate_import is ${n:-?} lines"
ok "no function of migrate/ over 150 lines (lmkv_migrate_import: $n)"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all migrate end-to-end checks passed"
