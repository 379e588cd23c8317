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
#     removed, and the answers stay equal;
#  4. faults: the server restarts (pg_ctl restart -m immediate) in the
#     middle of a push of SQLite: the push fails with a clear error and
#     exit 4, nothing of it is on the server; the next push completes with
#     no duplicate rows; wrong and missing passwords (scram-sha-256 on
#     127.0.0.1), a closed port: clear errors, exit 4; passwords from
#     PGPASSFILE and the URL work; two machines pushing at once, and the
#     same workspace pushed twice at once;
#  5. no output of any run holds the password.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
. "$(dirname "$0")/util/pg_helpers.sh"
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
eq "$(psql_q "SELECT version FROM lmkv.schema_version")" 1 "schema version"
eq "$(psql_q "SELECT count(*) FROM lmkv.call WHERE ws_key = $WSL")" "$LMDB_CALLS"
eq "$(psql_q "SELECT count(*) FROM lmkv.ref WHERE ws_key = $WSL")" "$LMDB_REFS"
eq "$(psql_q "SELECT head_commit FROM lmkv.workspace WHERE ws_key = $WSL")" "$(git -C lmdb rev-parse HEAD)" "HEAD recorded"
# a server whose lmkv schema is newer than this lmkv: refused, untouched
psql_q "INSERT INTO lmkv.schema_version (version) VALUES (99)" >/dev/null
P 3 --db db push "$PG_URL"
one_line_err; contains "$ERR" "version 99, newer than this lmkv's 1"
P 3 query --server "$PG_URL" --workspace lmdb callers mdb_txn_commit
psql_q "DELETE FROM lmkv.schema_version WHERE version = 99" >/dev/null
eq "$(psql_q "SELECT count(*) FROM lmkv.push")" 2 "the refused push changed nothing"

# compare DB ROOT WSROOT: every query kind, local vs server, --json byte for byte
compare() {
    local db=$1 ws=$2 tag=$3 wsk
    wsk=$(psql_q "SELECT ws_key FROM lmkv.workspace WHERE root = '$(realpath "$ws")' AND machine = '$(hostname)'")
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
    one_line_err
    note "$tag: callers, callees, refs of every name, impact x$((${#top[@]} * 3)), paths x$((${#top[@]} * ${#busy[@]})) ($npaths non-empty), cycles: equal"
}
note "part 2: local and server answers"
compare db lmdb lmdb
compare dbs sqlite sqlite

note "part 3: incremental pushes"
cat >>lmdb/mdb_stat.c <<'EOF'

int lmkv_push_probe(MDB_txn *txn) { return mdb_txn_commit(txn); }
EOF
P 0 --db db index --workspace lmdb lmdb
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["files_sent"]')" 1 "a one-file edit sends one file"
eq "$(jget 'j["files_deleted"]')" 0
eq "$(jget 'j["files_unchanged"]')" $((NL - 1))
P 0 query --server "$PG_URL" callers mdb_txn_commit --workspace lmdb
contains "$OUT" "lmkv_push_probe" "the server sees the edit"
rm lmdb/mtest2.c
P 0 --db db index --workspace lmdb lmdb
P 0 --db db --json push "$PG_URL"
eq "$(jget 'j["files_sent"]')" 0; eq "$(jget 'j["files_deleted"]')" 1 "a deleted file is removed"
eq "$(psql_q "SELECT count(*) FROM lmkv.file WHERE ws_key = $WSL AND path = 'mtest2.c'")" 0
eq "$(psql_q "SELECT count(*) FROM lmkv.call WHERE ws_key = $WSL AND file = 'mtest2.c'")" 0
compare db lmdb lmdb-incremental

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

note "part 5: no output holds the password"
if grep -rlF -- "$PG_PASSWORD" "$LOGS"; then fail "a run printed the password"; fi
note "$n_run lmkv runs checked"
echo "ok"
