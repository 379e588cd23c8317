#!/usr/bin/env bash
# lmkv verify finds damage injected into a real database (the sled fixture
# probe-universal-cache migrated by lmdb-migrate into typed CacheEntry
# records and their indexes) and exits 3, naming tree and key:
#  - a typed record overwritten with garbage (lmkv insert --system),
#  - a record whose FlatBuffers root offset points outside it,
#  - an index entry removed (record no longer reachable),
#  - an orphan index entry added (points at no record),
#  - a kv-level malformed long-key record written with LMDB's own mdb_load,
#  - a branch page damaged so that LMDB itself aborts the reader (an
#    assertion in mdb_page_search_root): verify checks in a child process and
#    reports it as one problem line naming the tree, exit 3.
# The undamaged database verifies clean (exit 0), and every other read
# command still answers on the damaged ones (dump flags the bad record).
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
: "${LMDB_MIGRATE_BIN:?}" "${LMKV_FIXTURES:?}"
"$LMDB_MIGRATE_BIN" -q "$LMKV_FIXTURES/sled/probe-universal-cache.sleddump" clean
export LMKV_DB="$LMKV_TEST_TMP/clean"

note "the migrated database verifies clean"
run 0 L verify; contains "$OUT" "ok:"
run 0 L --json verify
eq "$(json_get "$OUT" '(j["ok"], j["problems"])')" "(True, 0)"
run 0 L --json stat; eq "$(json_get "$OUT" 'j["records"]["cache_entries"]')" "150"

note "1: a typed record overwritten with garbage"
copy d1
K=$(first_key d1 cache.entry)
L --db d1 insert --system --tree cache.entry --hex "$K" deadbeefdeadbeef
run 3 L --db d1 --hex verify
contains "$OUT" "$(printf 'cache.entry\t%s\t' "$K")"
contains "$OUT" "damaged: "
run 3 L --db d1 --json --hex verify
$PY - "$OUT" "$K" <<'PY'
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
probs, summary = lines[:-1], lines[-1]
assert summary["ok"] is False and summary["problems"] == len(probs) >= 1, summary
assert any(p["tree"] == "cache.entry" and p["key_hex"] == sys.argv[2] for p in probs), probs
PY
# dump shows the damaged value raw (it is no record: no lmkv file identifier);
# the other records still decode.
L --db d1 --json --hex dump --system --tree cache.entry >d1.jsonl
$PY - d1.jsonl "$K" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bad = [r for r in rows if r["key_hex"] == sys.argv[2]]
assert len(bad) == 1 and "record" not in bad[0] and bad[0]["value_hex"] == "deadbeefdeadbeef", bad
good = [r for r in rows if r["key_hex"] != sys.argv[2]]
assert len(good) == 149 and all(r["record"]["type"] == "CacheEntry" for r in good)
PY
run 0 L --db d1 scan --tree universal_cache --count; eq "$OUT" "150"
run 0 L --db d1 stat

note "2: a record whose root offset points outside the buffer"
copy d2
K=$(first_key d2 cache.entry)
V=$(L --db d2 --hex get --system --tree cache.entry "$K")
L --db d2 insert --system --tree cache.entry --hex "$K" "ffffff7f${V:8}"
run 3 L --db d2 --hex verify
contains "$OUT" "$(printf 'cache.entry\t%s\t' "$K")"
# It still carries the CacheEntry identifier, so dump reports why it cannot decode it.
L --db d2 --json --hex dump --system --tree cache.entry >d2.jsonl
$PY - d2.jsonl "$K" <<'PY'
import json, sys
bad = [r for r in map(json.loads, open(sys.argv[1])) if r["key_hex"] == sys.argv[2]]
assert len(bad) == 1 and "record" not in bad[0] and bad[0]["record_error"], bad
PY
run 0 L --db d2 --hex dump --system --tree cache.entry
contains "$OUT" "# damaged record: "

note "3: an index entry removed: its record is no longer reachable"
copy d3
K=$(first_key d3 cache.lru)
L --db d3 remove --system --tree cache.lru --hex "$K"
run 3 L --db d3 verify
contains "$OUT" "cache.lru"
run 3 L --db d3 verify --max-errors 1
eq "$(echo "$OUT" | wc -l)" "2" "--max-errors 1: one problem line and the summary"
contains "$OUT" "stopped at --max-errors"

note "4: an orphan index entry pointing at no record"
copy d4
K=$(first_key d4 cache.atime)
ORPHAN="${K:0:16}$(printf 'no-such-path' | od -An -tx1 | tr -d ' \n')0001${K:$((16 + 12 + 4))}"
V=$(L --db d4 --hex get --system --tree cache.atime "$K")
L --db d4 insert --system --tree cache.atime --hex "$ORPHAN" "$V"
run 3 L --db d4 --hex verify
contains "$OUT" "cache.atime"

note "5: a malformed kv record written with LMDB's mdb_load"
command -v mdb_load >/dev/null || fail "mdb_load (lmdb-utils) is not installed"
copy d5
DBI=$(L --db d5 --json trees | $PY -c 'import json,sys; print([t["dbi"] for t in json.load(sys.stdin) if t.get("name") == "universal_cache"][0])')
eq "$DBI" "t:universal_cache"
# A 510-byte stored key is a long-key record; its value must start with the
# key's length and the key: 3 bytes cannot (kv/key_codec.c).
KEY=$($PY -c 'print("01" + "61" * 501 + "00" * 8)')
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n 010203\nDATA=END\n' "$KEY" >bad.txt
mdb_load -s "$DBI" -f bad.txt d5
run 3 L --db d5 verify
contains "$OUT" "$(printf 'universal_cache\t-\treading entry 151')"
run 3 L --db d5 scan --tree universal_cache --count; one_line_err
run 3 L --db d5 checksum; one_line_err
run 0 L --db d5 get --tree universal_cache "$(L --db d5 scan --tree universal_cache --keys-only --limit 1)"

note "6: a damaged branch page makes LMDB abort the reader: verify reports it"
V=$($PY -c 'print("v" * 1000)')
for i in $(seq -w 1 40); do L --db big insert --tree big "k$i" "$V"; done
rm -rf d6; L --db big compact "$LMKV_TEST_TMP/d6" >/dev/null
run 0 L --db d6 verify
# The compacted file has one branch page (the root of tree "big": 40 values
# of 1000 bytes fill 13 leaf pages; every other tree is one leaf page). Make
# it claim a single key: LMDB asserts NUMKEYS > 1 on branch pages of named
# databases (mdb_page_search_root) and calls abort().
$PY - d6/data.mdb <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
psize = struct.unpack_from('<I', data, 40)[0]  # meta page 0: the free DB's md_pad is the page size
branch = [n for n in range(2, len(data) // psize)
          if struct.unpack_from('<Q', data, n * psize)[0] == n          # mp_pgno
          and struct.unpack_from('<H', data, n * psize + 10)[0] & 0x01]  # mp_flags & P_BRANCH
assert len(branch) == 1, branch
struct.pack_into('<H', data, branch[0] * psize + 12, 16 + 2)  # mp_lower: header + one index
open(path, 'r+b').write(data)
PY
run 3 L --db d6 verify
eq "$OUT" "$(printf 'big\t-\tLMDB aborted while reading tree big (signal 6): the database is damaged')"
run 3 L --db d6 --json verify
$PY - "$OUT" <<'PY'
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
assert lines == [{"tree": "big", "message": "LMDB aborted while reading tree big (signal 6): the database is damaged"},
                 {"ok": False, "problems": 1, "aborted": True, "signal": 6}], lines
PY

note "the clean original is untouched"
run 0 L verify
echo "all checks passed"
