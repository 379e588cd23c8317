#!/usr/bin/env bash
# lmkv's inspection commands on a real indexed database: LMDB's C sources
# ($LMKV_SOURCES/lmdb) indexed with `lmkv index` (libclang, in-process).
#  - stat's typed-record counts equal what dump decodes, every record is
#    readable JSON, a known symbol is there; verify is clean;
#  - while ANOTHER PROCESS re-indexes edited sources, every concurrent
#    verify passes (each sees one committed state) and watch on a system
#    tree reports the new records;
#  - damage verify must find: a Symbol whose root offset is broken, a
#    missing name-index entry, an index copy that disagrees with its
#    record, a FileVersion record removed under its mappings.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
SRC=${LMKV_SOURCES:?}/lmdb
[ -f "$SRC/mdb.c" ] || fail "LMDB sources missing at $SRC (run scripts/fetch-sources.sh)"
L index --help >/dev/null || fail "lmkv index is not built into $LMKV_BIN"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
mkdir src; cp "$SRC"/*.c "$SRC"/*.h src/
export LMKV_DB="$LMKV_TEST_TMP/db"
run 0 L index --no-git --json src
NFILES=$(ls src/*.c src/*.h | wc -l)
eq "$(json_get "$OUT" 'j["analysed"]')" "$NFILES"
# the report splits its time: extraction (libclang: parse, walk) and storage
# (session work and commit), each in ms within the total; the records say
# which language and frontend made them; compiler diagnostics are counted
$PY - "$OUT" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
parts = [j["extract_ms"], j["store_ms"]]
assert all(isinstance(v, (int, float)) and v >= 0 for v in parts), parts
assert j["extract_ms"] > 0 and j["store_ms"] > 0, j   # files were analysed and stored
assert sum(parts) <= j["ms"] + 1, (parts, j["ms"])
assert j["symbols"] > 1000 and j["write_txns"] >= 1, j
# reals as people write them (9 significant digits at most), not jansson's
# default 17 (8.6289999999999996)
import re
d = j["diagnostics"]
assert d["errors"] >= d["files_with_errors"] >= 0 and d["warnings"] >= 0, d
assert j["analyser"].startswith("lmkv-analysis 1; c=libclang 14"), j["analyser"]
for k in ("extract_ms", "store_ms"):
    m = re.search(r'"%s":([0-9.eE+-]+)' % k, sys.argv[1])
    assert m and len(m.group(1).replace(".", "").lstrip("0")) <= 9, (k, m and m.group(1))
PY
run 0 L index --no-git src
contains "$OUT" "(extract "
contains "$OUT" ", store "

note "stat counts equal the records dump decodes"
run 0 L --json stat; STAT=$OUT
for t in store.sym store.call store.ref store.hier store.fv store.ws; do
    L --json dump --system --tree "$t" >"$t.jsonl"
done
$PY - "$STAT" <<'PY'
import json, sys
st = json.loads(sys.argv[1])["records"]
def load(t):
    rows = [json.loads(l) for l in open(t + ".jsonl")]
    assert all("record" in r for r in rows), "undecoded record in " + t
    return [r["record"] for r in rows]
sym, call, ref, hier, fv, ws = map(load, ["store.sym", "store.call", "store.ref", "store.hier", "store.fv", "store.ws"])
assert len(sym) == st["symbols"] > 1000, (len(sym), st["symbols"])
assert len(call) == st["calls"] > 1000 and len(ref) == st["references"] > 1000
assert len(hier) == st["hierarchy"] and len(fv) == st["file_versions"] and len(ws) == st["workspaces"] == 1
assert {r["type"] for r in sym} == {"Symbol"} and {r["type"] for r in call} == {"Call"}
assert {r["type"] for r in ref} == {"Reference"} and {r["type"] for r in fv} == {"FileVersion"}
# every record says which language and frontend made it
assert {r["language"] for r in fv} == {"c"} and all(r["frontend"].startswith("libclang 14") for r in fv), \
    {(r.get("language"), r.get("frontend")) for r in fv}
assert {r.get("language") for r in sym} == {"c"}
hits = [r for r in sym if r["name"] == "mdb_txn_begin" and r["file_path"] == "mdb.c" and r["kind"] == "Function"]
assert hits and hits[0]["start_line"] > 0, "mdb_txn_begin not found"
assert any(c["caller_name"] == "mdb_txn_begin" and c["callee_name"] == "mdb_txn_renew0" for c in call), "call edge"
PY
eq "$(json_get "$STAT" 'j["records"]["file_versions"]')" "$NFILES"
# One workspace's records: dump --prefix with its id (every store key starts with it).
WS=$(L --hex scan --system --tree store.ws --keys-only)
eq "${#WS}" "16" "workspace id"
L --hex dump --system --prefix "$WS" >ws.txt
eq "$(grep -c "^$(printf 'store.sym' | od -An -tx1 | tr -d ' \n')	" ws.txt)" "$(json_get "$STAT" 'j["records"]["symbols"]')"
! cut -f2 ws.txt | grep -v "^$WS" >/dev/null || fail "dump --prefix returned a key of another workspace"
run 0 L --hex dump --system --prefix 0000000000000000; eq "$OUT" "" "no records under workspace id 0"
run 0 L verify; contains "$OUT" "ok:"

note "another process re-indexes edited sources; concurrent verifies all pass; watch sees the new file versions"
L --hex scan --system --tree store.fv --keys-only >fv.before
"$LMKV_BIN" --json --hex watch --system --tree store.fv --timeout 300 >watch.out 2>watch.err &
W=$!; PIDS+=("$W")
wait_for watch.err "watching $NFILES keys"
( while [ ! -e verify.started ]; do sleep 0.02; done
  for i in 1 2 3; do
      printf '\nint\nlmkv_t_fn%d(void)\n{\n\treturn mdb_midl_alloc(%d) != NULL;\n}\n' "$i" "$i" >>src/midl.c
      "$LMKV_BIN" index --no-git -q src || exit 1
  done; touch writer.done ) &
WRITER=$!; PIDS+=("$WRITER")
n=0
while [ ! -e writer.done ]; do
    touch verify.started
    run 0 L -q verify
    n=$((n + 1))
done
wait "$WRITER" || fail "the indexing process failed"
run 0 L verify
note "$n verifies ran during the writes"
# Each edit of midl.c is a new file version: three inserts (whether the old
# versions stay or are removed is the indexer's business: removals must be
# of versions that existed before).
for ((i = 0; i < 600 && $(grep -c '"insert"' watch.out) < 3; i++)); do sleep 0.05; done
kill -TERM "$W"
wait "$W" || fail "watch failed"
L --hex scan --system --tree store.fv --keys-only >fv.after
$PY - watch.out fv.before fv.after <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
before = set(open(sys.argv[2]).read().split()); after = set(open(sys.argv[3]).read().split())
ins = [e["key_hex"] for e in evs if e["event"] == "insert"]
rem = [e["key_hex"] for e in evs if e["event"] == "remove"]
assert len(ins) == 3 and len(set(ins)) == 3, evs
assert all(len(k) == 32 and k not in before and k in after for k in ins), (ins, before)
assert all(k in before and k not in after for k in rem), rem
assert after == (before - set(rem)) | set(ins), "watch events do not explain the change of store.fv"
PY
run 0 L --json dump --system --tree store.sym
contains "$OUT" '"name":"lmkv_t_fn3"'

note "query dead --keep: shell patterns of entry points (fnmatch), repeatable"
run 0 L query dead --json --limit 100000; ALL=$OUT
run 0 L query dead --json --limit 100000 --keep 'mdb_env_*' --keep 'mdb_[cd]*' --keep mdb_txn_id; KEPT=$OUT
$PY - "$ALL" "$KEPT" <<'PY'
import fnmatch, json, sys
every, kept = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pats = ["mdb_env_*", "mdb_[cd]*", "mdb_txn_id"]
hit = [x for x in every if any(fnmatch.fnmatchcase(x["name"], p) for p in pats)]
assert len(hit) > 0 and len(every) > len(hit), (len(every), len(hit))
want = [x for x in every if x not in hit]
assert kept == want, ("--keep", [x["name"] for x in kept][:10], [x["name"] for x in want][:10])
assert all(x["name"] != "main" and not x["name"].startswith("test_") for x in every)
PY
run 2 L query callers mdb_put --keep 'x*'; one_line_err; contains "$ERR" "--keep applies to dead only"
run 2 L query dead --keep ''; one_line_err

note "damage 1: a Symbol record with a broken root offset"
copy d1
K=$(first_key d1 store.sym)
V=$(L --db d1 --hex get --system --tree store.sym "$K")
L --db d1 insert --system --tree store.sym --hex "$K" "00ffff7f${V:8}"
run 3 L --db d1 --hex verify
contains "$OUT" "$(printf 'store.sym\t%s\t' "$K")"

note "damage 2: a name-index entry removed"
copy d2
K=$(first_key d2 store.sym_name)
L --db d2 remove --system --tree store.sym_name --hex "$K"
run 3 L --db d2 verify
contains "$OUT" "store.sym_name"

note "damage 3: an index copy that disagrees with its primary record"
copy d3
K=$(first_key d3 store.call_to)
OTHER=$(L --db d3 --hex scan --system --tree store.call --limit 1 --reverse | cut -f2)
L --db d3 insert --system --tree store.call_to --hex "$K" "$OTHER"
run 3 L --db d3 --hex verify
contains "$OUT" "store.call_to"

note "damage 4: a FileVersion removed while mappings point at it"
copy d4
K=$(first_key d4 store.fv)
L --db d4 remove --system --tree store.fv --hex "$K"
run 3 L --db d4 verify
contains "$OUT" "damaged: "

note "the original still verifies"
run 0 L verify

note "index and export draw a progress bar only on a terminal, not with -q or --json (script(1) gives a pty)"
command -v script >/dev/null || fail "script (util-linux) is not installed"
mkdir tty-src; cp "$SRC"/midl.c "$SRC"/midl.h "$SRC"/mdb_stat.c tty-src/
tty() { script -qec "$1" /dev/null | tr -d '\r'; }
OUT=$(tty "'$LMKV_BIN' --db tty-a index --no-git tty-src")
contains "$OUT" "index [" "no index progress bar on a terminal"
contains "$OUT" "% 0/3" "the bar counts the 3 files to analyse"
contains "$OUT" ": 3 analysed, " "index report on a terminal"
OUT=$(tty "'$LMKV_BIN' --db tty-a index --no-git tty-src")   # nothing to analyse: no bar
[[ $OUT != *"index ["* ]] || fail "a bar with no file to analyse: $OUT"
contains "$OUT" ": 0 analysed, 0 reused, 0 copied, 3 unchanged"
OUT=$(tty "'$LMKV_BIN' --db tty-b -q index --no-git tty-src")
eq "$OUT" "" "index -q on a terminal prints nothing"
OUT=$(tty "'$LMKV_BIN' --db tty-c --json index --no-git tty-src")
[[ $OUT != *"index ["* ]] || fail "index --json draws a bar: $OUT"
eq "$(json_get "$OUT" 'j["analysed"]')" 3 "index --json on a terminal is one JSON object"
run 0 L --db tty-d index --no-git tty-src
eq "$ERR" "" "index draws nothing on a pipe"
contains "$OUT" ": 3 analysed, "
[[ $OUT != *$'\r'* ]] || fail "carriage returns in index's piped output"
for k in k1 k2 k3; do L --db tty-a insert "$k" "value of $k"; done   # typed records are not exported
OUT=$(tty "'$LMKV_BIN' --db tty-a export '$LMKV_TEST_TMP/tty.sleddump'")
contains "$OUT" "export [" "no export progress bar on a terminal"
contains "$OUT" "100% 3/3" "the bar counts the pairs of the user trees"
contains "$OUT" "exported " "export report on a terminal"
OUT=$(tty "'$LMKV_BIN' --db tty-a -q export '$LMKV_TEST_TMP/tty-q.sleddump'")
eq "$OUT" "" "export -q on a terminal prints nothing"
OUT=$(tty "'$LMKV_BIN' --db tty-a --json export '$LMKV_TEST_TMP/tty-j.sleddump'")
[[ $OUT != *"export ["* ]] || fail "export --json draws a bar: $OUT"
json_get "$OUT" 'j["pairs"]' >/dev/null
run 0 L --db tty-a export "$LMKV_TEST_TMP/pipe.sleddump"
eq "$ERR" "" "export draws nothing on a pipe"
cmp -s tty.sleddump pipe.sleddump || fail "the export drawn on a terminal differs from the piped one"
echo "all checks passed"
