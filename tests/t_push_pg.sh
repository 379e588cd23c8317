#!/usr/bin/env bash
# lmkv push / lmkv query --server against a real PostgreSQL 15 that the test
# starts itself (tests/util/pg_helpers.sh; SKIP when it cannot start, FAIL
# with CI=true):
#  1. LMDB's sources (a git repository) and SQLite's (no git), indexed with
#     lmkv index, pushed; the server's rows are the current state's; a
#     second push sends nothing;
#  2. callers, callees and refs of every name, impact and paths of many, and
#     cycles, asked locally and with --server: the --json outputs are
#     identical byte for byte (also exit codes for an unknown name);
#  3. incremental: a one-file edit sends one file, a deleted file is
#     removed, and the answers stay equal; every pushed state side by side:
#     LMDB's first commit, its worktree ('latest'), a second commit (of the
#     edits, which sends no records: the server has their versions) and a
#     third (one file's records) are all queryable with --commit, each
#     answering what the local query answered at that state;
#  4. faults: the server restarts (pg_ctl restart -m immediate) in the
#     middle of a push of SQLite: the push fails with a clear error and
#     exit 4, nothing of it is on the server; the next push completes with
#     no duplicate rows; wrong and missing passwords (scram-sha-256 on
#     127.0.0.1), a closed port: clear errors, exit 4; passwords from
#     PGPASSFILE and the URL work; two machines pushing at once, and the
#     same workspace pushed twice at once;
#  5. no output of any run holds the password;
#  6. migration: a server made by the lmkv of schema version 1
#     (tests/fixtures/pg/v1.sql, its pg_dump) is migrated to version 2 by
#     this lmkv and answers what that lmkv answered (fixture outputs).
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
. "$(dirname "$0")/util/pg_helpers.sh"
LMKV_ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$LMKV_TEST_TMP"
SRC=${LMKV_SOURCES:?LMKV_SOURCES must name the real sources}
[ -f "$SRC/lmdb/mdb.c" ] && [ -f "$SRC/sqlite/sqlite3.c" ] || fail "sources missing in $SRC (scripts/fetch-sources.sh)"
command -v psql >/dev/null || pg_unavailable "psql missing (Debian postgresql-client-15)"
pg_start
note "PostgreSQL on $PG_SOCK and 127.0.0.1:$PG_PORT"

LOGS="$LMKV_TEST_TMP/logs"; mkdir -p "$LOGS"
n_run=0
# P RC ARGS...: run lmkv, keep stdout/stderr in $OUT/$ERR (and in $LOGS
# for the password check at the end), require exit RC
P() {
    local want=$1; shift
    run "$want" "$LMKV_BIN" "$@"
    n_run=$((n_run + 1))
    printf '%s\n' "$OUT" >"$LOGS/$n_run.out"; printf '%s\n' "$ERR" >"$LOGS/$n_run.err"
}
jget() { json_get "$OUT" "$1"; }

note "part 1: index LMDB (git) and SQLite (no git), push"
mkdir lmdb sqlite
cp "$SRC"/lmdb/*.c "$SRC"/lmdb/*.h lmdb/
cp "$SRC"/sqlite/*.c "$SRC"/sqlite/*.h sqlite/
git -C lmdb init -q && git -C lmdb add . && git -C lmdb -c user.name=t -c user.email=t@t commit -qm lmdb
P 0 --db db index --workspace lmdb lmdb
P 0 --db dbs index --workspace sqlite sqlite
P 0 --db db --json push "$PG_URL"
NL=$(ls lmdb | wc -l)
eq "$(jget 'j["files_sent"]')" "$NL" "first push sends every file"
eq "$(jget 'j["files_deleted"]')" 0
LMDB_CALLS=$(jget 'j["calls"]'); LMDB_REFS=$(jget 'j["references"]'); WSL=$(jget 'j["ws_key"]')
[ "$LMDB_CALLS" -gt 1000 ] || fail "LMDB push sent only $LMDB_CALLS calls"
P 0 --db dbs --json push "$PG_URL"
eq "$(jget 'j["files_sent"]')" 3
WSS=$(jget 'j["ws_key"]')
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["push_id"]')" 0 "a second push with nothing new sends nothing"
eq "$(jget 'j["files_sent"]')" 0; eq "$(jget 'j["bytes"]')" 0; eq "$(jget 'j["files_unchanged"]')" "$NL"
eq "$(psql_q "SELECT count(*) FROM lmkv.push WHERE ws_key = $WSL")" 1 "the empty push left no push row"
eq "$(psql_q "SELECT string_agg(version::text, ',' ORDER BY version) FROM lmkv.schema_version")" 1,2 "schema versions"
C1=$(git -C lmdb rev-parse HEAD)
eq "$(psql_q "SELECT state FROM lmkv.state WHERE ws_key = $WSL")" "$C1" "a clean checkout's state is its HEAD"
eq "$(psql_q "SELECT state FROM lmkv.state WHERE ws_key = $WSS")" latest "a non-git workspace's state is 'latest'"
eq "$(psql_q "SELECT count(*) FROM lmkv.call WHERE ws_key = $WSL")" "$LMDB_CALLS"
eq "$(psql_q "SELECT count(*) FROM lmkv.ref WHERE ws_key = $WSL")" "$LMDB_REFS"
eq "$(psql_q "SELECT head_commit FROM lmkv.workspace WHERE ws_key = $WSL")" "$(git -C lmdb rev-parse HEAD)" "HEAD recorded"
# a server whose lmkv schema is newer than this lmkv: refused, untouched
psql_q "INSERT INTO lmkv.schema_version (version) VALUES (99)" >/dev/null
P 3 --db db push "$PG_URL"
one_line_err; contains "$ERR" "version 99, newer than this lmkv's 2"
P 3 query --server "$PG_URL" --workspace lmdb callers mdb_txn_commit
psql_q "DELETE FROM lmkv.schema_version WHERE version = 99" >/dev/null
eq "$(psql_q "SELECT count(*) FROM lmkv.push")" 2 "the refused push changed nothing"

# compare DB ROOT TAG: every query kind, local vs server (the state pushed
# last), --json byte for byte
compare() {
    local db=$1 ws=$2 tag=$3 wsk sk wsk_
    wsk_=$(psql_q "SELECT ws_key FROM lmkv.workspace WHERE root = '$(realpath "$ws")' AND machine = '$(hostname)'")
    sk=$(psql_q "SELECT state_key FROM lmkv.state WHERE ws_key = $wsk_ ORDER BY pushed_at DESC LIMIT 1")
    # the rows of that state
    wsk="$wsk_ AND (ws_key, fv) IN (SELECT ws_key, fv FROM lmkv.file WHERE state_key = $sk)"
    psql_q "SELECT DISTINCT callee FROM lmkv.call WHERE ws_key = $wsk AND callee <> '' ORDER BY 1" >callees.txt
    psql_q "SELECT DISTINCT caller FROM lmkv.call WHERE ws_key = $wsk AND caller <> '' ORDER BY 1" >callers.txt
    psql_q "SELECT DISTINCT target FROM lmkv.ref WHERE ws_key = $wsk AND target <> '' ORDER BY 1" >targets.txt
    [ "$(wc -l <callees.txt)" -gt 100 ] || fail "$tag: only $(wc -l <callees.txt) callee names"
    local kind list
    for kind in callers:callees.txt callees:callers.txt refs:targets.txt; do
        list=${kind#*:}; kind=${kind%:*}
        mapfile -t names <"$list"
        P 0 --db "$db" query "$kind" "${names[@]}" --workspace "$ws" --limit 1000000 --json
        local a=$OUT
        P 0 query --server "$PG_URL" "$kind" "${names[@]}" --workspace "$ws" --limit 1000000 --json
        [ "$a" == "$OUT" ] || { diff <(echo "$a" | $PY -m json.tool) <(echo "$OUT" | $PY -m json.tool) | head -20; fail "$tag: $kind differs"; }
        [ ${#a} -gt 1000 ] || fail "$tag: $kind answer is too small to compare: $a"
    done
    # the server holds exactly the current state's calls: as many as the
    # local callers of every callee name
    L --db "$db" query callers $(cat callees.txt) --workspace "$ws" --limit 1000000 --json >all.json
    eq "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' all.json)" \
       "$(psql_q "SELECT count(*) FROM lmkv.call WHERE ws_key = $wsk AND callee <> ''")" "$tag: server rows = local calls"
    # impact at depths 1..3 and paths between pairs of the most called functions
    mapfile -t top < <(psql_q "SELECT callee FROM lmkv.call WHERE ws_key = $wsk AND callee <> '' GROUP BY callee ORDER BY count(*) DESC, callee LIMIT 8")
    mapfile -t busy < <(psql_q "SELECT caller FROM lmkv.call WHERE ws_key = $wsk AND caller <> '' GROUP BY caller ORDER BY count(DISTINCT callee) DESC, caller LIMIT 6")
    local n d f t
    for n in "${top[@]}"; do
        for d in 1 2 3; do
            P 0 --db "$db" query impact "$n" --depth "$d" --workspace "$ws" --json; local a=$OUT
            P 0 query --server "$PG_URL" impact "$n" --depth "$d" --workspace "$ws" --json
            eq "$OUT" "$a" "$tag: impact $n --depth $d"
        done
    done
    local npaths=0
    for f in "${busy[@]}"; do
        for t in "${top[@]}"; do
            P 0 --db "$db" query paths "$f" "$t" --depth 4 --limit 50 --workspace "$ws" --json; local a=$OUT
            P 0 query --server "$PG_URL" paths "$f" "$t" --depth 4 --limit 50 --workspace "$ws" --json
            eq "$OUT" "$a" "$tag: paths $f $t"
            [ "$a" != "[]" ] && npaths=$((npaths + 1))
        done
    done
    [ $npaths -gt 3 ] || fail "$tag: only $npaths pairs have paths: the comparison proves little"
    P 0 --db "$db" query cycles --workspace "$ws" --json; local a=$OUT
    P 0 query --server "$PG_URL" cycles --workspace "$ws" --json
    eq "$OUT" "$a" "$tag: cycles"
    [ "$(json_get "$a" 'len(j)')" -gt 0 ] || fail "$tag: no cycles to compare"
    # an unknown name: same exit code (1) both ways
    P 1 --db "$db" query callers no_such_function_xyz --workspace "$ws"
    P 1 query --server "$PG_URL" callers no_such_function_xyz --workspace "$ws"
    # --json: an unknown name is `[]` (exit 1) on both sides
    P 1 --db "$db" query callers no_such_function_xyz --workspace "$ws" --json; eq "$OUT" "[]" "$tag: local unknown name"
    P 1 query --server "$PG_URL" callers no_such_function_xyz --workspace "$ws" --json; eq "$OUT" "[]" "$tag: server unknown name"
    one_line_err
    note "$tag: callers, callees, refs of every name, impact x$((${#top[@]} * 3)), paths x$((${#top[@]} * ${#busy[@]})) ($npaths non-empty), cycles: equal"
}
note "part 2: local and server answers"
compare db lmdb lmdb
compare dbs sqlite sqlite

note "part 3: incremental pushes; commits and the worktree side by side"
# the local answers at the first commit, to ask the server for later
SAMPLE=(callers mdb_txn_commit mdb_cursor_open mdb_put)
L --db db query "${SAMPLE[@]}" --workspace lmdb --json >c1_callers.json
L --db db query impact mdb_txn_commit --depth 3 --workspace lmdb --json >c1_impact.json
L --db db query cycles --workspace lmdb --json >c1_cycles.json
cat >>lmdb/mdb_stat.c <<'EOF'

int lmkv_push_probe(MDB_txn *txn) { return mdb_txn_commit(txn); }
EOF
P 0 --db db index --workspace lmdb lmdb
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["state"]')" latest "an uncommitted edit: the worktree state"
eq "$(jget 'j["files_sent"]')" 1 "a one-file edit sends one file's records"
eq "$(jget 'j["files_mapped"]')" "$NL" "a new state maps every path"
eq "$(jget 'j["files_deleted"]')" 0
LATEST_BYTES=$(jget 'j["bytes"]')
P 0 query --server "$PG_URL" callers mdb_txn_commit --workspace lmdb
contains "$OUT" "lmkv_push_probe" "the server sees the edit"
rm lmdb/mtest2.c
P 0 --db db index --workspace lmdb lmdb
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["files_sent"]')" 0; eq "$(jget 'j["files_deleted"]')" 1 "a deleted file is removed"
eq "$(jget 'j["files_mapped"]')" 0; eq "$(jget 'j["files_unchanged"]')" $((NL - 1))
SK1=$(psql_q "SELECT state_key FROM lmkv.state WHERE ws_key = $WSL AND state = '$C1'")
SKL=$(psql_q "SELECT state_key FROM lmkv.state WHERE ws_key = $WSL AND state = 'latest'")
eq "$(psql_q "SELECT count(*) FROM lmkv.file WHERE state_key = $SKL AND path = 'mtest2.c'")" 0 "gone from the worktree state"
eq "$(psql_q "SELECT count(*) FROM lmkv.file WHERE state_key = $SK1 AND path = 'mtest2.c'")" 1 "kept in the first commit's"
# the edits committed: a second commit, whose versions the server has
git -C lmdb add -A && git -C lmdb -c user.name=t -c user.email=t@t commit -qm edits
C2=$(git -C lmdb rev-parse HEAD)
P 0 --db db index --workspace lmdb lmdb
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["state"]')" "$C2" "the second commit's state"
eq "$(jget 'j["files_sent"]')" 0 "a commit of pushed versions sends no records"
eq "$(jget 'j["symbols"]')" 0; eq "$(jget 'j["files_mapped"]')" $((NL - 1))
C2_BYTES=$(jget 'j["bytes"]')
[ "$C2_BYTES" -lt "$LATEST_BYTES" ] || fail "the map-only push ($C2_BYTES bytes) is not smaller than the one-file push ($LATEST_BYTES)"
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["push_id"]')" 0 "the same commit again sends nothing"
# a third commit with one file changed: that file's records only
printf '
int lmkv_push_probe2(void) { return mdb_midl_alloc(2) != 0; }
' >>lmdb/midl.c
git -C lmdb -c user.name=t -c user.email=t@t commit -qam probe2
C3=$(git -C lmdb rev-parse HEAD)
P 0 --db db index --workspace lmdb lmdb
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["state"]')" "$C3"; eq "$(jget 'j["files_sent"]')" 1 "a new commit sends the one file new to the server"
eq "$(psql_q "SELECT count(*) FROM lmkv.state WHERE ws_key = $WSL")" 4 "four states side by side"
eq "$(psql_q "SELECT count(*) FROM lmkv.fversion WHERE ws_key = $WSL")" $((NL + 2)) "records once per version: every file, plus the two edited versions"
compare db lmdb lmdb-C3
# the earlier states answer what the local queries answered then
P 0 query --server "$PG_URL" "${SAMPLE[@]}" --workspace lmdb --commit "$C1" --json
eq "$OUT" "$(cat c1_callers.json)" "first commit: callers"
P 0 query --server "$PG_URL" impact mdb_txn_commit --depth 3 --workspace lmdb --commit "${C1:0:10}" --json
eq "$OUT" "$(cat c1_impact.json)" "first commit: impact (by a commit prefix)"
P 0 query --server "$PG_URL" cycles --workspace lmdb --commit "$C1" --json
eq "$OUT" "$(cat c1_cycles.json)" "first commit: cycles"
P 0 query --server "$PG_URL" callers mdb_txn_commit --workspace lmdb --commit "$C2" --json
contains "$OUT" lmkv_push_probe "the second commit has the edit"
P 0 query --server "$PG_URL" callers mdb_txn_commit --workspace lmdb --commit latest --json
contains "$OUT" lmkv_push_probe "the worktree state has the edit"
P 0 query --server "$PG_URL" callers mdb_txn_commit --workspace lmdb --commit "$C1" --json
case "$OUT" in *lmkv_push_probe*) fail "the first commit's state shows a later edit";; esac
P 1 query --server "$PG_URL" callers mdb_txn_commit --workspace lmdb --commit 0000000
one_line_err; contains "$ERR" "no state 0000000"
P 2 query --server "$PG_URL" callers mdb_txn_commit --workspace lmdb --commit xyz
P 2 --db db query callers mdb_txn_commit --commit "$C1"

note "part 4a: the server restarts in the middle of a push"
# The push of SQLite's sources (as machine 'crash') streams files, symbols
# and calls, then waits for a lock another session holds on lmkv.ref; the
# server restarts (immediate: a crash) while the push's transaction is open.
psql -X -q "$PG_URL" -c "BEGIN; LOCK TABLE lmkv.ref IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600);" >/dev/null 2>&1 &
LOCKER=$!
for ((i = 0; i < 600; i++)); do
    [ "$(psql_q "SELECT count(*) FROM pg_locks WHERE relation = 'lmkv.ref'::regclass AND granted AND mode = 'AccessExclusiveLock'")" = 1 ] && break
    sleep 0.05
done
set +e
"$LMKV_BIN" --db dbs push "$PG_URL" --machine crash >"$LOGS/crash.out" 2>"$LOGS/crash.err" &
PUSH=$!
set -e
for ((i = 0; i < 1200; i++)); do
    [ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY lmkv.ref%' AND wait_event_type = 'Lock'")" = 1 ] && break
    kill -0 $PUSH 2>/dev/null || break
    sleep 0.05
done
kill -0 $PUSH 2>/dev/null || { cat "$LOGS/crash.err"; fail "the push ended before the restart"; }
streamed=$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY lmkv.ref%'")
eq "$streamed" 1 "the push is inside its transaction, waiting at COPY lmkv.ref"
pg_restart_immediate || fail "pg_ctl restart failed"
set +e; wait $PUSH; rc=$?; set -e
wait $LOCKER 2>/dev/null || true
eq "$rc" 4 "a push cut by a server restart exits 4"
ERR=$(cat "$LOGS/crash.err")
[ "$(wc -l <"$LOGS/crash.err")" -eq 1 ] || fail "expected one line of error: $ERR"
contains "$ERR" "lmkv push: push: COPY on "; contains "$ERR" "connection lost"; contains "$ERR" "nothing of this push is committed"
for ((i = 0; i < 200; i++)); do psql_q "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
eq "$(psql_q "SELECT count(*) FROM lmkv.workspace WHERE machine = 'crash'")" 0 "nothing of the cut push is on the server"
eq "$(psql_q "SELECT count(*) FROM lmkv.symbol s WHERE NOT EXISTS (SELECT 1 FROM lmkv.file f WHERE f.ws_key = s.ws_key AND f.fv = s.fv)")" 0
P 0 --db dbs --json push "$PG_URL" --machine crash
eq "$(jget 'j["files_sent"]')" 3 "the next push completes"
WSC=$(jget 'j["ws_key"]')
for tbl in symbol call ref file; do
    eq "$(psql_q "SELECT count(*) FROM lmkv.$tbl WHERE ws_key = $WSC")" "$(psql_q "SELECT count(*) FROM lmkv.$tbl WHERE ws_key = $WSS")" "no duplicate or missing $tbl rows after the restart"
done
P 0 --db dbs query refs sqlite3_mutex_enter --json; a=$OUT
P 0 query --server "$PG_URL" --machine crash --workspace sqlite refs sqlite3_mutex_enter --json
eq "$OUT" "$a" "answers after the restart"

note "part 4b: credentials"
# TCP on 127.0.0.1 takes scram-sha-256; the password comes from the URL,
# PGPASSFILE or nowhere
BAD="wrong-$PG_PASSWORD-x"
P 4 --db db push "postgresql://$PG_SUPER:$BAD@127.0.0.1:$PG_PORT/postgres"
one_line_err; contains "$ERR" "password authentication failed"; contains "$ERR" "credentials refused"
PGPASSFILE=/nonexistent P 4 --db db push "$PG_TCP"
one_line_err; contains "$ERR" "credentials refused"
printf '127.0.0.1:%s:*:%s:%s\n' "$PG_PORT" "$PG_SUPER" "$PG_PASSWORD" >pgpass; chmod 600 pgpass
PGPASSFILE="$LMKV_TEST_TMP/pgpass" P 0 --db db push "$PG_TCP" --json
eq "$(jget 'j["push_id"]')" 0 "PGPASSFILE: connected (nothing new)"
contains "$(jget 'j["server"]')" "127.0.0.1:$PG_PORT"
P 0 --db db push "postgresql://$PG_SUPER:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres"
P 0 query --server "postgresql://$PG_SUPER:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres" --workspace lmdb callers mdb_txn_commit
P 4 query --server "postgresql://$PG_SUPER:$BAD@127.0.0.1:$PG_PORT/postgres" --workspace lmdb callers mdb_txn_commit
one_line_err; contains "$ERR" "password authentication failed"

note "part 4c: unreachable host"
CLOSED=$(free_port)
P 4 --db db push "postgresql://$PG_SUPER@127.0.0.1:$CLOSED/postgres"
one_line_err; contains "$ERR" "cannot connect"; contains "$ERR" "$CLOSED"
P 4 query --server "postgresql://$PG_SUPER@127.0.0.1:$CLOSED/postgres" callers x
one_line_err
P 2 --db db push; P 2 --db db push "$PG_URL" extra
# a malformed string: libpq would quote the bad part (here the password)
P 2 --db db push "postgresql://$PG_SUPER:$PG_PASSWORD%zz@127.0.0.1:$PG_PORT/postgres"
one_line_err; contains "$ERR" "malformed PostgreSQL connection string"

note "part 4d: two machines push at once; one workspace pushed twice at once"
pids=()
for m in alice bob; do
    "$LMKV_BIN" --db dbs --json push "$PG_URL" --machine "$m" >"$LOGS/$m.out" 2>"$LOGS/$m.err" & pids+=($!)
done
"$LMKV_BIN" --db db --json push "$PG_URL" --machine carol >"$LOGS/carol1.out" 2>"$LOGS/carol1.err" & pids+=($!)
"$LMKV_BIN" --db db --json push "$PG_URL" --machine carol >"$LOGS/carol2.out" 2>"$LOGS/carol2.err" & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || { cat "$LOGS"/*.err; fail "a concurrent push failed"; }; done
for m in alice bob; do
    eq "$(json_get "$(cat "$LOGS/$m.out")" 'j["files_sent"]')" 3 "$m's push"
    k=$(json_get "$(cat "$LOGS/$m.out")" 'j["ws_key"]')
    for tbl in symbol call ref file; do
        eq "$(psql_q "SELECT count(*) FROM lmkv.$tbl WHERE ws_key = $k")" "$(psql_q "SELECT count(*) FROM lmkv.$tbl WHERE ws_key = $WSS")" "$m: $tbl rows"
    done
done
s1=$(json_get "$(cat "$LOGS/carol1.out")" 'j["files_sent"]'); s2=$(json_get "$(cat "$LOGS/carol2.out")" 'j["files_sent"]')
eq "$((s1 + s2))" "$((NL - 1))" "the same workspace pushed twice at once: one sends, the other finds nothing new"
eq "$(psql_q "SELECT count(*) FROM lmkv.workspace WHERE machine = 'carol'")" 1
P 0 query --server "$PG_URL" --machine alice --workspace sqlite callers sqlite3_free --json; a=$OUT
P 0 query --server "$PG_URL" --machine bob --workspace sqlite callers sqlite3_free --json
eq "$OUT" "$a" "alice's and bob's states answer the same"
P 2 query --server "$PG_URL" --workspace sqlite callers sqlite3_free
contains "$ERR" "several workspaces"

note "part 6: a server of schema version 1 is migrated and keeps its data"
FX="$LMKV_ROOT_DIR/tests/fixtures/pg"
[ -f "$FX/v1.sql" ] || fail "fixture $FX/v1.sql missing"
psql_q "CREATE DATABASE v1db" >/dev/null
V1="${PG_URL/\/postgres\?/\/v1db?}"
psql -X -q -v ON_ERROR_STOP=1 "$V1" -f "$FX/v1.sql" >"$LOGS/v1load" 2>&1 || { cat "$LOGS/v1load"; fail "loading $FX/v1.sql"; }
eq "$(psql -X -At "$V1" -c "SELECT max(version) FROM lmkv.schema_version")" 1 "the fixture is version 1"
# the fixtures are version 1's answers in its row shape ({name, file, line,
# column, kind, callee|caller}); today's edge rows say the same as
# {from, to, kind, file, line, column}
v1_edges() { # FILE: version 1's answer as today's rows, compact
    $PY - "$1" <<'PYEOF'
import json, sys
rows = json.load(open(sys.argv[1]))
out = []
for r in rows:
    f, t = (r["name"], r["callee"]) if "callee" in r else (r["caller"], r["name"])
    out.append({"from": f, "to": t, "kind": r["kind"], "file": r["file"], "line": r["line"], "column": r["column"]})
print(json.dumps(out, separators=(",", ":"), ensure_ascii=False))
PYEOF
}
P 0 query --server "$V1" --machine v1-machine callers mdb_midl_sort mdb_midl_append mdb_midl_free --json
eq "$OUT" "$(v1_edges "$FX/v1-callers.json")" "migrated: callers as version 1 answered"
P 0 query --server "$V1" --machine v1-machine callees main --json
eq "$OUT" "$(v1_edges "$FX/v1-callees.json")" "migrated: callees as version 1 answered"
eq "$(psql -X -At "$V1" -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM lmkv.schema_version")" 1,2 "migrated to 2"
for tbl in symbol call ref file; do
    eq "$tbl $(psql -X -At "$V1" -c "SELECT count(*) FROM lmkv.$tbl")" "$(grep "^$tbl " "$FX/v1-counts.txt")" "migrated: $tbl rows kept"
done
eq "$(psql -X -At "$V1" -c "SELECT length(state) FROM lmkv.state")" 40 "the version-1 state of a clean checkout is its commit"
eq "$(psql -X -At "$V1" -c "SELECT count(*) FROM lmkv.fversion")" 4

note "part 5: no output holds the password"
if grep -rlF -- "$PG_PASSWORD" "$LOGS"; then fail "a run printed the password"; fi
note "$n_run lmkv runs checked"
echo "ok"
