#!/usr/bin/env bash
# lmkv on real databases: each sled fixture (tests/fixtures/sled, real sled
# 0.34 exports) is migrated with lmdb-migrate, and lmkv's answers are checked
# against the fixture's expect.json (written from sled itself): the
# database checksum, the tree names, and per tree its checksum, length and
# first and last key (scan forward and --reverse, trees with binary names
# through --tree-hex, keys up to 10,000 bytes). A compacted copy has the
# same checksum and verifies clean.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
: "${LMDB_MIGRATE_BIN:?}" "${LMKV_FIXTURES:?}"
n=0
for dump in "$LMKV_FIXTURES"/sled/*.sleddump; do
    name=$(basename "$dump" .sleddump)
    note "fixture $name"
    "$LMDB_MIGRATE_BIN" -q "$dump" "db-$name"
    $PY - "$LMKV_BIN" "db-$name" "$LMKV_FIXTURES/sled/$name.expect.json" <<'PY'
import json, subprocess, sys
lmkv, db, full = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
expect = full["db"]

def run(*args, rc=0):
    p = subprocess.run([lmkv, "--db", db, *args], capture_output=True)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p.stdout.decode()

assert int(run("checksum")) == expect["checksum"], "database checksum differs from sled's"
trees = json.loads(run("--json", "--hex", "trees"))
assert [t["name_hex"] for t in trees] == [t["name_hex"] for t in expect["trees"]], "tree names"
assert len(trees) == expect["tree_count"]
assert sum(t["entries"] for t in trees) == expect["total_pairs"]
stat = json.loads(run("--json", "stat"))
assert stat["total_entries"] == expect["total_pairs"] and stat["tree_count"] == expect["tree_count"]
# sled's generate_id counter carried over by the migration (sled-dump meta collection).
nxt = full["dump"]["meta_generate_id_next"]
assert stat["next_id"] == (nxt or 0), ("next_id", stat["next_id"], nxt)
for t in expect["trees"]:
    sel = ["--tree-hex", t["name_hex"]]
    assert int(run("checksum", *sel)) == t["checksum"], ("tree checksum", t["name_hex"])
    assert int(run("scan", *sel, "--count")) == t["len"], ("len", t["name_hex"])
    first = run("--hex", "scan", *sel, "--keys-only", "--limit", "1").strip()
    last = run("--hex", "scan", *sel, "--keys-only", "--limit", "1", "--reverse").strip()
    if t["len"]:
        assert first == t["first_key_hex"] and last == t["last_key_hex"], ("first/last", t["name_hex"])
        # get returns the value that scan shows for the first key
        row = json.loads(run("--json", "--hex", "scan", *sel, "--limit", "1"))
        assert run("--hex", "get", *sel, first).strip() == row["value_hex"]
    else:
        assert first == "" and last == ""
    # The reverse scan is the forward scan backwards.
    fwd = run("--hex", "scan", *sel, "--keys-only").split()
    rev = run("--hex", "scan", *sel, "--keys-only", "--reverse").split()
    assert fwd == rev[::-1] and fwd == sorted(fwd, key=bytes.fromhex), ("order", t["name_hex"])
print("ok", db)
PY
    run 0 L --db "db-$name" verify
    run 0 L --db "db-$name" compact "$LMKV_TEST_TMP/copy-$name"
    run 0 L --db "db-$name" checksum; SUM=$OUT
    run 0 L --db "copy-$name" checksum; eq "$OUT" "$SUM" "compacted copy checksum"
    run 0 L --db "copy-$name" verify
    n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "expected at least 3 sled fixtures, found $n"

note "progress bars only on a terminal (script(1) gives lmkv a pseudo-terminal)"
command -v script >/dev/null || fail "script (util-linux) is not installed"
DB=db-probe-universal-cache
script -qec "'$LMKV_BIN' --db $DB verify" /dev/null >tty.out
grep -q 'verify: reading trees \[#' tty.out || fail "no progress bar on a terminal: $(od -c tty.out | head -5)"
grep -q 'ok: ' tty.out || fail "verify output missing on a terminal"
script -qec "'$LMKV_BIN' --db $DB -q verify" /dev/null >tty-q.out
! grep -q 'reading trees' tty-q.out || fail "-q still draws a progress bar"
script -qec "'$LMKV_BIN' --db $DB --json verify" /dev/null >tty-json.out
! grep -q 'reading trees' tty-json.out || fail "--json still draws a progress bar"
grep -q '"ok": *true' tty-json.out || fail "verify --json on a terminal: $(cat tty-json.out)"
script -qec "'$LMKV_BIN' --db $DB dump >/dev/null" /dev/null >tty-dump.out
grep -q 'dump \[' tty-dump.out || fail "dump draws no progress bar on a terminal"
rm -rf "$LMKV_TEST_TMP/tty-copy"
script -qec "'$LMKV_BIN' --db $DB compact '$LMKV_TEST_TMP/tty-copy'" /dev/null >tty-compact.out
grep -q 'compacted ' tty-compact.out || fail "compact on a terminal"
L --db $DB verify >pipe.out 2>pipe.err
eq "$(cat pipe.err)" "" "no progress on a pipe"
! grep -q $'\r' pipe.out || fail "carriage returns in piped output"
echo "all checks passed"
