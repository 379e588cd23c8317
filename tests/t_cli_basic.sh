#!/usr/bin/env bash
# lmkv CLI on a database it populates itself: insert/get/remove, scan with
# every bound, trees, checksum (against an independent CRC-32 in Python),
# hex and escaped output, JSON output, --raw and --stdin, an empty
# database, and a missing database (exit 1, nothing created).
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
export LMKV_DB="$LMKV_TEST_TMP/db"

note "missing database: exit 1, one line, nothing created"
for c in "get k" "scan" "stat" "trees" "checksum" "dump" "verify" "remove k" "watch --timeout 0.1" "compact $LMKV_TEST_TMP/copy"; do
    run 1 L $c
    one_line_err "$c"
    contains "$ERR" "no database at $LMKV_DB"
done
[ ! -e "$LMKV_DB" ] || fail "a read command created $LMKV_DB"
[ ! -e "$LMKV_TEST_TMP/copy" ] || fail "compact created its destination without a source"
# --db given explicitly and $LMKV_DB both work; --db wins.
run 1 env LMKV_DB=/nonexistent "$LMKV_BIN" --db "$LMKV_TEST_TMP/nope" get k
contains "$ERR" "$LMKV_TEST_TMP/nope"

note "insert creates the database; get returns the value"
run 0 L insert alpha one
eq "$OUT" "" "insert prints nothing without --json"
[ -f "$LMKV_DB/data.mdb" ] || fail "no data.mdb after insert"
run 0 L get alpha; eq "$OUT" "one"
run 1 L get beta; one_line_err; contains "$ERR" "key 'beta' not found"
run 0 L --json insert alpha uno; eq "$(json_get "$OUT" 'j["previous"]')" "one"
run 0 L --json insert gamma three; eq "$(json_get "$OUT" 'j["previous"]')" "None"
run 0 L get alpha; eq "$OUT" "uno"
# Global options may also follow the command name.
run 0 L get --json alpha; eq "$(json_get "$OUT" 'j["value"]')" "uno"
run 0 L get alpha --db "$LMKV_DB"; eq "$OUT" "uno"

note "trees: created on first insert, listed in bytewise order with the default tree"
run 0 L insert --tree zeta k1 v1
run 0 L insert --tree Beta k1 v1
run 0 L insert --tree-hex 00ff k v
run 0 L trees
eq "$OUT" "$(printf '\\x00\\xff\nBeta\n__sled__default\nzeta')"
run 0 L trees --hex
eq "$OUT" "$(printf '00ff\n42657461\n5f5f736c65645f5f64656661756c74\n7a657461')"
run 0 L --json trees
eq "$(json_get "$OUT" '[(t.get("name") or t.get("name_hex"), t["entries"], t["dbi"]) for t in j]')" \
   "[('00ff', 1, 't#00ff'), ('Beta', 1, 't:Beta'), ('__sled__default', 2, 't:__sled__default'), ('zeta', 1, 't:zeta')]"
run 1 L get --tree nosuch k1; one_line_err; contains "$ERR" "no such tree 'nosuch'"
run 0 L get --tree-hex 00ff k; eq "$OUT" "v"

note "binary keys and values: --hex in and out, escaped text, --raw, --stdin"
run 0 L insert --tree bin --hex 00 ff
run 0 L insert --tree bin --hex 00ff01 5c0a09
run 0 L insert --tree bin "" empty-key
run 0 L insert --tree bin k-empty ""
run 0 L insert --tree bin "é" "ü€"
run 0 L scan --tree bin
eq "$OUT" "$(printf '\tempty-key\n\\x00\t\\xff\n\\x00\\xff\\x01\t\\\\\\x0a\\x09\nk-empty\t\né\tü€')"
run 0 L --hex scan --tree bin
eq "$OUT" "$(printf '\t656d7074792d6b6579\n00\tff\n00ff01\t5c0a09\n6b2d656d707479\t\nc3a9\tc3bcе282ac' | sed 's/е/e/')"
run 0 L get --tree bin --hex 00ff01; eq "$OUT" "5c0a09"
L get --tree bin --hex --raw 00ff01 >raw.bin
eq "$(od -An -tx1 raw.bin | tr -d ' \n')" "5c0a09" "--raw writes the exact bytes"
head -c 3000 /dev/urandom >blob.bin
L insert --tree bin blob --stdin <blob.bin
L get --tree bin --raw blob >blob.out
cmp blob.bin blob.out || fail "--stdin/--raw round trip"
run 0 L --json get --tree bin blob
$PY - "$OUT" blob.bin <<'PY'
import json, sys
j = json.loads(sys.argv[1]); data = open(sys.argv[2], 'rb').read()
got = bytes.fromhex(j["value_hex"]) if "value_hex" in j else j["value"].encode()
assert got == data, "JSON value differs from the stored bytes"
PY
# A key of 60,000 bytes (kv's long-key encoding; a command-line argument
# is limited to 128 KiB) given as hex.
BIGKEY=$($PY -c 'print("ab"*60000)')
run 0 L insert --tree bin --hex "$BIGKEY" 6c6f6e67
run 0 L get --tree bin --hex "$BIGKEY"; eq "$OUT" "6c6f6e67"

note "remove: previous value, absent key exit 1 (0 with --force)"
run 0 L --json remove gamma; eq "$(json_get "$OUT" 'j["previous"]')" "three"
run 1 L remove gamma; one_line_err; contains "$ERR" "not found"
run 0 L remove --force gamma
run 1 L remove --tree nosuch k; one_line_err
run 0 L remove --tree nosuch -f k

note "scan bounds: prefix, from (inclusive), to (exclusive), reverse, limit, keys-only, count"
for k in a aa ab abc abd ac b ba bb c; do L insert --tree s "$k" "v-$k"; done
L insert --tree s --hex 61ff 01; L insert --tree s --hex 61ffff 02; L insert --tree s --hex ff 03
run 0 L scan --tree s --keys-only
eq "$(echo "$OUT" | tr '\n' ' ')" 'a aa ab abc abd ac a\xff a\xff\xff b ba bb c \xff '
run 0 L scan --tree s --prefix ab --keys-only; eq "$(echo "$OUT" | tr '\n' ' ')" "ab abc abd "
run 0 L scan --tree s --prefix ab; eq "$(echo "$OUT" | head -1)" "$(printf 'ab\tv-ab')"
run 0 L scan --tree s --from ab --to b --keys-only
eq "$(echo "$OUT" | tr '\n' ' ')" 'ab abc abd ac a\xff a\xff\xff '
run 0 L scan --tree s --from abc --to ba --reverse --keys-only
eq "$(echo "$OUT" | tr '\n' ' ')" 'b a\xff\xff a\xff ac abd abc '
run 0 L scan --tree s --prefix a --from ab --to ac --keys-only; eq "$(echo "$OUT" | tr '\n' ' ')" "ab abc abd "
run 0 L scan --tree s --hex --prefix 61ff --keys-only; eq "$(echo "$OUT" | tr '\n' ' ')" "61ff 61ffff "
run 0 L scan --tree s --hex --prefix ff --keys-only; eq "$OUT" "ff"
run 0 L scan --tree s --prefix b --reverse --limit 2 --keys-only; eq "$(echo "$OUT" | tr '\n' ' ')" "bb ba "
run 0 L scan --tree s --limit 0; eq "$OUT" ""
run 0 L scan --tree s --count; eq "$OUT" "13"
run 0 L scan --tree s --prefix a --count; eq "$OUT" "8"
run 0 L scan --tree s --from c --to b; eq "$OUT" "" "from > to is empty, not an error"
run 0 L scan --tree s --prefix zz; eq "$OUT" ""
run 0 L --json scan --tree s --prefix abc
eq "$(json_get "$OUT" '(j["key"], j["value"])')" "('abc', 'v-abc')"
run 0 L --json scan --tree s --count; eq "$(json_get "$OUT" 'j["count"]')" "13"
# dump takes the same bounds, applied to every tree.
L insert --tree zeta abz z
run 0 L dump --user --prefix ab
eq "$OUT" "$(printf 's\tab\tv-ab\ns\tabc\tv-abc\ns\tabd\tv-abd\nzeta\tabz\tz')"
run 0 L dump --user --from b --to bb
eq "$OUT" "$(printf 's\tb\tv-b\ns\tba\tv-ba')"
run 0 L dump --tree s --hex --prefix 61ff
eq "$(echo "$OUT" | cut -f2 | tr '\n' ' ')" "61ff 61ffff "
L remove --tree zeta abz

note "checksum equals an independent CRC-32 over the same data (sled's definition)"
L --json dump --user >dump.jsonl
run 0 L checksum; DBSUM=$OUT
run 0 L checksum --tree s; TSUM=$OUT
$PY - dump.jsonl "$DBSUM" "$TSUM" <<'PY'
import json, sys, zlib
def b(o, name):
    return bytes.fromhex(o[name + "_hex"]) if name + "_hex" in o else o[name].encode()
trees = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert o["system"] is False
    trees.setdefault(b(o, "tree"), []).append((b(o, "key"), b(o, "value")))
db = 0
for name in sorted(trees):
    pairs = trees[name]
    assert [k for k, _ in pairs] == sorted(k for k, _ in pairs), "dump is not in key order"
    db = zlib.crc32(name, db)
    for k, v in pairs:
        db = zlib.crc32(v, zlib.crc32(k, db))
t = 0
for k, v in trees[b"s"]:
    t = zlib.crc32(v, zlib.crc32(k, t))
assert int(sys.argv[2]) == db, (sys.argv[2], db)
assert int(sys.argv[3]) == t, (sys.argv[3], t)
PY
# The default tree is part of the database checksum: changing it changes the sum.
L insert alpha changed
run 0 L checksum; [ "$OUT" != "$DBSUM" ] || fail "checksum did not change"
run 0 L --json checksum --tree s; eq "$(json_get "$OUT" 'j["checksum"]')" "$TSUM"

note "stat and trees on this database"
run 0 L --json stat
eq "$(json_get "$OUT" 'j["tree_count"]')" "6"
eq "$(json_get "$OUT" 'sorted((t.get("name") or t.get("name_hex"), t["entries"]) for t in j["trees"])')" \
   "[('00ff', 1), ('Beta', 1), ('__sled__default', 1), ('bin', 7), ('s', 13), ('zeta', 1)]" 
eq "$(json_get "$OUT" 'j["total_entries"]')" "24"
eq "$(json_get "$OUT" 'j["format_version"]')" "1"
eq "$(json_get "$OUT" 'j["records"]["symbols"]')" "0"
eq "$(json_get "$OUT" 'j["bytes_used"] == (j["last_page"] + 1) * j["page_size"]')" "True"
run 0 L stat; contains "$OUT" "map size"; contains "$OUT" "readers"; contains "$OUT" "Typed records:"
run 0 L --json stat --tree s; eq "$(json_get "$OUT" '(j["entries"], j["dbi"])')" "(13, 't:s')"

note "an empty database (every key removed) works with every read command"
export LMKV_DB="$LMKV_TEST_TMP/empty"
L insert k v; L remove k
run 0 L scan; eq "$OUT" ""
run 0 L trees; eq "$OUT" "__sled__default"
run 0 L checksum; eq "$OUT" "$($PY -c 'import zlib; print(zlib.crc32(b"__sled__default"))')"
run 0 L dump; eq "$OUT" ""
run 0 L verify; contains "$OUT" "ok:"
run 0 L --json stat; eq "$(json_get "$OUT" 'j["total_entries"]')" "0"
run 1 L get k
run 0 L compact "$LMKV_TEST_TMP/empty-copy"
run 0 L --db "$LMKV_TEST_TMP/empty-copy" trees; eq "$OUT" "__sled__default"
run 4 L compact "$LMKV_TEST_TMP/empty-copy"; one_line_err "compact onto a database"
run 0 L --db "$LMKV_TEST_TMP/empty-copy" trees; eq "$OUT" "__sled__default" "the existing copy is intact"
# the other commands on the empty database: export writes a dump of the
# empty default tree that lmdb-migrate imports back to the same checksum;
# query and current find no indexed workspace (exit 1, one line); gc has
# nothing to do
run 0 L --json export "$LMKV_TEST_TMP/empty.sleddump"
eq "$(json_get "$OUT" '(j["trees"], j["pairs"])')" "(1, 0)"
run 0 "${LMDB_MIGRATE_BIN:?}" -q "$LMKV_TEST_TMP/empty.sleddump" "$LMKV_TEST_TMP/empty-back"
run 0 L --db "$LMKV_TEST_TMP/empty-back" checksum; eq "$OUT" "$($PY -c 'import zlib; print(zlib.crc32(b"__sled__default"))')"
for q in "callers k" "symbol k" "dead" "cycles"; do
    run 1 L query $q; one_line_err "query $q"; contains "$ERR" "no indexed workspace"
done
run 1 L current; one_line_err "current"; contains "$ERR" "never indexed"
run 0 L --json gc; eq "$(json_get "$OUT" '(j["commits_dropped"], j["versions_removed"], j["write_txns"])')" "(0, 0, 0)"
run 0 L watch --timeout 0.1 k; eq "$OUT" ""
run 0 L --json checksum --tree-hex 5f5f736c65645f5f64656661756c74
eq "$(json_get "$OUT" '(j["tree_hex"], j["system"])')" "('5f5f736c65645f5f64656661756c74', False)"
echo "all checks passed"
