#!/usr/bin/env bash
# `lmkv index` is git-aware and incremental, end to end with the real C
# analyser (analysis/, libclang in-process), on a git repository made from
# LMDB's sources ($LMKV_SOURCES/lmdb):
#  - the first index analyses every C file; a second one analyses none;
#  - after editing one file only that file is analysed, and the records of
#    the current state (symbols, calls, references, hierarchy read with
#    `lmkv dump` and filtered by `lmkv current`) equal those of a fresh
#    index of the same worktree into a second database;
#  - a branch with a changed file costs one analysis; switching back costs
#    none; `lmkv current` tells where each file comes from;
#  - `lmkv diff` reports the symbol added on the branch; `lmkv gc` removes
#    the branch's versions once the branch is deleted;
#  - a renamed file (git mv) and a copied one are not analysed ("copied"),
#    and every record of the current state (ids included) and the answers
#    of `lmkv query` equal those of a fresh index that analysed every file
#    with libclang; committing the rename and checking out either
#    side analyses nothing.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
SRC=${LMKV_SOURCES:?}/lmdb
[ -f "$SRC/mdb.c" ] || fail "LMDB sources missing at $SRC (run scripts/fetch-sources.sh)"
"$LMKV_BIN" index --help >/dev/null 2>&1 || fail "lmkv index is not built into $LMKV_BIN"

export GIT_AUTHOR_NAME="lmkv test" GIT_AUTHOR_EMAIL=t@lmkv.invalid
export GIT_COMMITTER_NAME="lmkv test" GIT_COMMITTER_EMAIL=t@lmkv.invalid
export GIT_CONFIG_NOSYSTEM=1 HOME="$LMKV_TEST_TMP"
R="$LMKV_TEST_TMP/repo"
mkdir -p "$R"
cp "$SRC"/*.c "$SRC"/*.h "$R"/
git -C "$R" init -q -b main
git -C "$R" add .
git -C "$R" commit -q -m "LMDB sources"
NC=$(cd "$R" && ls *.c *.h | wc -l)

DB="$LMKV_TEST_TMP/db"
# idx DB: index the repo, leave the JSON report in $OUT
idx() { run 0 L --db "$1" index --workspace "$R" --json; }
count() { json_get "$OUT" "j['$1']"; }

# state DB: the current state's records, normalised, one JSON per line, sorted
state() {
    local db=$1
    run 0 L --db "$db" current --workspace "$R" --all --json
    printf '%s' "$OUT" > "$LMKV_TEST_TMP/cur.json"
    for t in store.sym store.call store.ref store.hier; do
        run 0 L --db "$db" dump --system --tree "$t" --json
        printf '%s\n' "$OUT"
    done > "$LMKV_TEST_TMP/dump.jsonl"
    $PY - "$LMKV_TEST_TMP/cur.json" "$LMKV_TEST_TMP/dump.jsonl" <<'EOF'
import json, sys
cur = json.load(open(sys.argv[1]))
fvs = {f["file_version"] for f in cur["files"] if "file_version" in f}
out = []
for line in open(sys.argv[2]):
    line = line.strip()
    if not line:
        continue
    e = json.loads(line)
    r = e.get("record")
    if r is None:
        raise SystemExit("unreadable record in %s: %s" % (e.get("tree"), line[:200]))
    if r.get("file_version_id") not in fvs:
        continue
    r.pop("indexed_ns", None)
    out.append(json.dumps(r, sort_keys=True))
out.sort()
print("\n".join(out))
EOF
}

# same_as_fresh: the incremental database answers as a fresh full index
# (--full: every file analysed, nothing reused or copied)
n_fresh=0
same_as_fresh() {
    n_fresh=$((n_fresh + 1))
    local f="$LMKV_TEST_TMP/fresh$n_fresh"
    run 0 L --db "$f" index --workspace "$R" --json --full
    eq "$(count reused) $(count copied)" "0 0" "reused and copied in a fresh full index"
    FRESH=$f
    state "$DB" > "$LMKV_TEST_TMP/inc.state"
    state "$f" > "$LMKV_TEST_TMP/fresh.state"
    [ -s "$LMKV_TEST_TMP/inc.state" ] || fail "empty current state"
    if ! cmp -s "$LMKV_TEST_TMP/inc.state" "$LMKV_TEST_TMP/fresh.state"; then
        diff "$LMKV_TEST_TMP/inc.state" "$LMKV_TEST_TMP/fresh.state" | head -20 >&2
        fail "incremental state differs from a fresh index ($*)"
    fi
}

note "errors: missing database, never-indexed workspace, non-git diff"
run 1 L --db "$LMKV_TEST_TMP/none" current --workspace "$R"
one_line_err
run 1 L --db "$LMKV_TEST_TMP/none" gc --workspace "$R"
one_line_err
run 1 L --db "$LMKV_TEST_TMP/none" diff --workspace "$R" HEAD HEAD
one_line_err
[ ! -e "$LMKV_TEST_TMP/none" ] || fail "a read command created the database"
run 0 L --db "$LMKV_TEST_TMP/other" insert k v
run 1 L --db "$LMKV_TEST_TMP/other" current --workspace "$R"
one_line_err
contains "$ERR" "never indexed"
mkdir -p "$LMKV_TEST_TMP/plain"
run 2 L --db "$LMKV_TEST_TMP/other" diff --workspace "$LMKV_TEST_TMP/plain" A B
one_line_err
contains "$ERR" "not the root of a git repository"
run 2 L --db "$LMKV_TEST_TMP/other" diff --workspace "$R" HEAD
one_line_err

note "first index: every C file analysed"
idx "$DB"
eq "$(count analysed)" "$NC" "analysed on the first run"
eq "$(count failed)" 0 "failed files"

note "second index: nothing analysed, no write transaction in the whole command"
run 0 L --db "$DB" stat --json; before=$(json_get "$OUT" "j['last_txnid']")
idx "$DB"
eq "$(count analysed)" 0 "analysed on a warm run"
eq "$(count write_txns)" 0 "write transactions on a warm run"
run 0 L --db "$DB" stat --json; eq "$(json_get "$OUT" "j['last_txnid']")" "$before" "LMDB txn id after a warm run"

note "edit midl.c: only midl.c analysed; answers equal a fresh index"
printf '\nint\nlmkv_t_added(void)\n{\n\treturn mdb_midl_alloc(1) != NULL;\n}\n' >> "$R/midl.c"
idx "$DB"
eq "$(count analysed)" 1 "analysed after editing one file"
run 0 L --db "$DB" current --workspace "$R" --json
eq "$(json_get "$OUT" "[f['path'] for f in j['files'] if f['source'] == 'latest']")" "['midl.c']" "files from latest"
eq "$(json_get "$OUT" "j['modified']")" "['midl.c']" "modified files"
eq "$(json_get "$OUT" "j['stale']")" "False" "stale"
same_as_fresh "after editing midl.c"

note "commit it, branch, change another file"
git -C "$R" commit -q -am "add lmkv_t_added"
idx "$DB"
eq "$(count analysed)" 0 "analysed after committing"
git -C "$R" checkout -q -b feature
printf '\nint\nlmkv_t_feature(int x)\n{\n\treturn x;\n}\n' >> "$R/mdb_stat.c"
git -C "$R" commit -q -am "feature"
idx "$DB"
eq "$(count analysed)" 1 "analysed on the branch"
same_as_fresh "on feature"

note "back to main: resolution only"
git -C "$R" checkout -q main
idx "$DB"
eq "$(count analysed)" 0 "analysed after switching back"
same_as_fresh "back on main"
run 0 L --db "$DB" current --workspace "$R"
contains "$OUT" "on branch main"
contains "$OUT" "up to date"

note "diff main..feature: one symbol added"
run 0 L --db "$DB" diff --workspace "$R" --json main feature
eq "$(json_get "$OUT" "(j['added'], j['removed'], j['modified'])")" "(1, 0, 0)" "diff counts"
eq "$(json_get "$OUT" "j['changes'][0]['qualified_name']")" "lmkv_t_feature"
run 0 L --db "$DB" diff --workspace "$R" feature~1 feature
contains "$OUT" "+ Function lmkv_t_feature  mdb_stat.c:"
run 1 L --db "$DB" diff --workspace "$R" main no-such-branch
one_line_err
contains "$ERR" "no-such-branch"

note "gc: nothing to remove while the branch exists; its versions go once deleted"
run 0 L --db "$DB" gc --workspace "$R" --json
eq "$(json_get "$OUT" "j['versions_removed']")" 0
git -C "$R" branch -q -D feature
run 0 L --db "$DB" gc --workspace "$R" --dry-run --json
eq "$(json_get "$OUT" "(j['commits_dropped'], j['versions_removed'], j['write_txns'])")" "(1, 1, 0)" "dry run"
run 0 L --db "$DB" gc --workspace "$R" --json
eq "$(json_get "$OUT" "(j['commits_dropped'], j['versions_removed'])")" "(1, 1)" "gc"
run 0 L --db "$DB" verify
same_as_fresh "after gc"

# queries_same: `lmkv query` answers the same on the incremental database
# and on the last fresh one (mdb_midl_sort, once asked for callees here, calls
# no function: its MIDL_SWAP is a macro, which cflow counted as a call)
queries_same() {
    local q a
    for q in "callers mdb_midl_alloc" "callees mdb_midl_append_range" "refs mdb_midl_search" \
             "refs-from mdb_midl_xmerge" "symbol mdb_midl_need" "symbol --prefix mdb_midl_" \
             "deps lib/midl.c" "rdeps lib/midl.c" "deps sub/dump_copy.c" "hierarchy MDB_ID2" \
             "dead" "hotspots" "cycles" "impact mdb_midl_grow" "paths mdb_midl_append mdb_midl_grow"; do
        run 0 L --db "$DB" query $q --workspace "$R" --json
        a=$OUT
        run 0 L --db "$FRESH" query $q --workspace "$R" --json
        [ "$a" = "$OUT" ] || fail "query $q differs from a fresh index ($*)"
        [ "$a" != "[]" ] || [ "$q" = "cycles" ] || fail "query $q: empty answer"
    done
}

note "rename (git mv) and copy: not analysed, stored from the records of the same bytes"
mkdir -p "$R/lib" "$R/sub"
git -C "$R" mv midl.c lib/midl.c
cp "$R/mdb_dump.c" "$R/sub/dump_copy.c"
idx "$DB"
eq "$(count analysed) $(count copied) $(count deleted)" "0 2 1" "analysed, copied, deleted after a rename and a copy"
eq "$(count symbols)" 0 "symbols extracted"
run 0 L --db "$DB" verify
same_as_fresh "after a rename and a copy"
queries_same "after a rename and a copy"

note "commit the rename, check out both sides: nothing analysed"
git -C "$R" commit -q -m "move midl.c"
idx "$DB"
eq "$(count analysed) $(count copied)" "0 0" "analysed, copied after committing the rename"
git -C "$R" checkout -q HEAD~1
idx "$DB"
eq "$(count analysed) $(count copied)" "0 0" "analysed, copied before the rename"
[ -f "$R/midl.c" ] && [ ! -e "$R/lib/midl.c" ] || fail "checkout did not restore midl.c"
same_as_fresh "checked out before the rename"
git -C "$R" checkout -q main
idx "$DB"
eq "$(count analysed) $(count copied)" "0 0" "analysed, copied after the rename again"
same_as_fresh "checked out after the rename"
queries_same "checked out after the rename"
echo "ok"
