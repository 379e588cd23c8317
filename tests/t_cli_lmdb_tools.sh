#!/usr/bin/env bash
# A database written by lmkv stays a plain LMDB environment: Debian's
# lmdb-utils read it. mdb_stat -e/-a agree with `lmkv stat`, mdb_dump -l
# lists the sub-databases `lmkv trees --all --json` names (dbi), and
# mdb_dump -s DBI gives every pair with kv's documented key encoding
# (00 = empty key, 01||key for 1..500 bytes, 01||key[0..501)||xxh3 for longer
# keys whose value is u64 LE length||key||value), equal to `lmkv scan`.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
for t in mdb_stat mdb_dump; do command -v $t >/dev/null || fail "$t (package lmdb-utils) is not installed"; done
export LMKV_DB="$LMKV_TEST_TMP/db"
L insert a 1
L insert --tree names "" empty-key
L insert --tree names k1 v1
L insert --tree names --hex 00ff 0a0b
L insert --tree names --hex "$($PY -c 'print("6c" * 700)')" 6c6f6e67
L insert --tree-hex 00ff k v
L insert --tree "with space" k v
L insert --system --tree sys.one k v

note "mdb_stat -e agrees with lmkv stat"
run 0 L --json stat; STAT=$OUT
run 0 mdb_stat -e "$LMKV_DB"
contains "$OUT" "Map size: $(json_get "$STAT" 'j["map_size"]')"
contains "$OUT" "Page size: $(json_get "$STAT" 'j["page_size"]')"
contains "$OUT" "Number of pages used: $(json_get "$STAT" 'j["last_page"] + 1')"
contains "$OUT" "Last transaction ID: $(json_get "$STAT" 'j["last_txnid"]')"
contains "$OUT" "Max readers: $(json_get "$STAT" 'j["max_readers"]')"

note "mdb_dump -l lists exactly lmkv's sub-databases"
run 0 L --json trees --all
DBIS=$(json_get "$OUT" '"\n".join(sorted([t["dbi"] for t in j] + ["lmkv.catalog", "lmkv.meta"]))')
run 0 mdb_dump -l "$LMKV_DB"
eq "$(echo "$OUT" | sort)" "$DBIS"
contains "$OUT" "t:names"; contains "$OUT" "t#00ff"; contains "$OUT" "t:with space"; contains "$OUT" "s:sys.one"

note "mdb_stat -a gives each tree's entries as lmkv stat does"
run 0 mdb_stat -a "$LMKV_DB"; MS=$OUT
$PY - "$MS" "$STAT" <<'PY'
import json, re, sys
mdb = {}
for block in sys.argv[1].split("Status of ")[1:]:
    name = block.splitlines()[0]
    mdb[name] = int(re.search(r"Entries: (\d+)", block).group(1))
st = json.loads(sys.argv[2])
for t in st["trees"] + st["system_trees"]:
    assert mdb[t["dbi"]] == t["entries"], (t["dbi"], mdb.get(t["dbi"]), t["entries"])
assert mdb["t:names"] == 4
PY

note "mdb_dump -s decodes to exactly what lmkv scan shows"
run 0 mdb_dump -s t:names "$LMKV_DB"; MD=$OUT
run 0 L --json --hex scan --tree names; SC=$OUT
$PY - "$MD" "$SC" <<'PY'
import json, sys
lines = sys.argv[1].split("HEADER=END\n", 1)[1].split("DATA=END")[0].splitlines()
raw = [bytes.fromhex(l.strip()) for l in lines]
pairs = []
for k, v in zip(raw[0::2], raw[1::2]):
    if k == b"\x00":
        pairs.append((b"", v))
    elif len(k) == 510:                      # long key: value = u64 LE len || key || value
        n = int.from_bytes(v[:8], "little")
        key = v[8:8 + n]
        assert k[:502] == b"\x01" + key[:501]
        pairs.append((key, v[8 + n:]))
    else:
        assert k[0] == 1 and 2 <= len(k) <= 501
        pairs.append((k[1:], v))
scan = [(bytes.fromhex(o["key_hex"]), bytes.fromhex(o["value_hex"])) for o in map(json.loads, sys.argv[2].splitlines())]
assert pairs == scan, (pairs, scan)
assert (b"l" * 700, b"long") in pairs
PY
# The printable form (-p) shows text keys with the tag byte in front.
run 0 mdb_dump -p -s "t:with space" "$LMKV_DB"
contains "$OUT" "$(printf ' \\01k\n v')"
# The catalog maps the namespaced tree name to the sub-database name.
run 0 mdb_dump -p -s lmkv.catalog "$LMKV_DB"
contains "$OUT" "t:names"

note "lmkv reads a database after mdb_dump/mdb_stat ran (they only read)"
run 0 L verify
run 0 L get --tree names k1; eq "$OUT" "v1"
echo "all checks passed"
