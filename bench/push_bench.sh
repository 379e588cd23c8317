#!/usr/bin/env bash
# lmkv push and lmkv query --server against a private PostgreSQL 15 started
# for the run (tests/util/pg_helpers.sh; the run fails when it cannot start):
#   1. push rate: a full push of each tier (median of 3 pushes, each as a
#      new machine: the same rows into empty key ranges), records/s, beside
#      raw PostgreSQL: psql's \copy of the same rows (exported from the
#      server) into tables of the same definition and indexes, in the same
#      run -- the ratio is push / raw COPY;
#   2. incremental push after a one-file edit: files, records, bytes and
#      time sent;
#   3. query latency: `lmkv query --server` beside the local `lmkv query`
#      (whole process, median of 5), for callers, callees, refs, impact,
#      paths and cycles.
# Tiers: LADDER_TIERS (default "lmdb sqlite"; linux-DIR or
# linux-DIR+DIR... (e.g. linux-lib+include): those directories of the
# kernel 6.1 as one workspace, unpacked from Debian's linux-source-6.1 into
# $LMKV_SOURCES/linux as bench/ladder.sh does). Prints markdown;
# also writes bench/results/push.md via run.sh's report.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LMKV_BUILD:-${BUILD:-$ROOT/build}}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export LMKV_BIN=${LMKV_BIN:-$BUILD/lmkv}
SRC=${LMKV_SOURCES:-$ROOT/build/sources}
TIERS=${LADDER_TIERS:-lmdb sqlite}
LMKV_TEST_TMP=$(mktemp -d "${LMKV_BENCH_TMP:-${TMPDIR:-/tmp}}/push.XXXXXX")
export LMKV_TEST_TMP
. "$ROOT/tests/util/cli_helpers.sh"
CI=true   # a benchmark that cannot start its server fails, never skips
. "$ROOT/tests/util/pg_helpers.sh"
pg_start
trap 'pg_stop; rm -rf "$LMKV_TEST_TMP"' EXIT
cd "$LMKV_TEST_TMP"

ms_now() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
jf() { $PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

echo "PostgreSQL 15 (Debian) on a Unix socket, fsync off, shared_buffers 32MB; lmkv $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)."
echo
rate_rows=""; inc_rows=""; q_rows=""
for tier in $TIERS; do
    case "$tier" in
    lmdb) dir="$SRC/lmdb"; edit=mdb_stat.c ;;
    sqlite) dir="$SRC/sqlite"; edit=sqlite3.c ;;
    linux-*)
        # linux-DIR or linux-DIR+DIR...: kernel directories, one workspace
        # keeping their paths (lib/..., include/...)
        IFS=+ read -r -a kdirs <<<"${tier#linux-}"
        dir="$SRC/linux"; edit=""
        for d in "${kdirs[@]}"; do
            # Debian's linux-source-6.1, unpacked as bench/ladder.sh does
            if [ ! -d "$dir/$d" ] && [ -f /usr/src/linux-source-6.1.tar.xz ]; then
                mkdir -p "$dir"
                echo "push_bench: unpacking linux-source-6.1/$d into $dir" >&2
                tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$dir" --strip-components=1 "linux-source-6.1/$d"
            fi
            [ -d "$dir/$d" ] || { echo "push_bench: $dir/$d missing: tier $tier skipped" >&2; continue 2; }
        done
        # the edit: the first directory's smallest .c file over 2 KiB, as ladder.sh
        edit=$(cd "$dir" && find "${kdirs[0]}" -name '*.c' -size +2k -printf '%s %p\n' | sort -n | awk 'NR==1{print $2}') ;;
    *) echo "push_bench: unknown tier $tier (no sources): skipped" >&2; continue ;;
    esac
    [ -d "$dir" ] || { echo "push_bench: $dir missing: tier $tier skipped" >&2; continue; }
    ws="$LMKV_TEST_TMP/$tier"
    mkdir -p "$ws"
    case "$tier" in
    linux-*) (cd "$dir" && find "${kdirs[@]}" -name '*.[ch]' -print0 | xargs -0 cp --parents -t "$ws") ;;
    *) (cd "$dir" && find . -name '*.[ch]' -print0 | xargs -0 cp --parents -t "$ws") ;;
    esac
    git -C "$ws" init -q && git -C "$ws" add -A && git -C "$ws" -c user.name=b -c user.email=b@b commit -qm tier
    db="$LMKV_TEST_TMP/db-$tier"
    t0=$(ms_now)
    "$LMKV_BIN" --db "$db" index -q --workspace "$ws" "$ws" >/dev/null
    index_ms=$(( $(ms_now) - t0 ))
    echo "push_bench: $tier indexed in $index_ms ms" >&2
    # 1. full pushes, each as a new machine
    : >rates
    for i in 1 2 3; do
        "$LMKV_BIN" --db "$db" --json push "$PG_URL" --workspace "$ws" --machine "bench-$tier-$i" >push.json
        rec=$(jf push.json 'j["symbols"]+j["calls"]+j["references"]')
        echo "$(jf push.json 'j["ms"]') $rec $(jf push.json 'j["bytes"]') $(jf push.json 'j["files_sent"]')" >>rates
    done
    read -r ms rec bytes files < <(sort -n rates | awk 'NR==2')
    wsk=$(jf push.json 'j["ws_key"]')
    # raw COPY of the same rows into tables of the same definition
    for t in file symbol call ref; do
        psql_q "SET client_min_messages = warning; DROP TABLE IF EXISTS public.raw_$t; CREATE TABLE public.raw_$t (LIKE lmkv.$t INCLUDING ALL)" >/dev/null
        psql -X -q "$PG_URL" -c "\\copy (SELECT * FROM lmkv.$t WHERE ws_key = $wsk) TO '$LMKV_TEST_TMP/raw_$t.tsv'"
    done
    : >raw
    for i in 1 2 3; do
        for t in file symbol call ref; do psql_q "TRUNCATE public.raw_$t" >/dev/null; done
        t0=$(ms_now)
        psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" >/dev/null <<SQL
BEGIN;
\\copy public.raw_file FROM '$LMKV_TEST_TMP/raw_file.tsv'
\\copy public.raw_symbol FROM '$LMKV_TEST_TMP/raw_symbol.tsv'
\\copy public.raw_call FROM '$LMKV_TEST_TMP/raw_call.tsv'
\\copy public.raw_ref FROM '$LMKV_TEST_TMP/raw_ref.tsv'
COMMIT;
SQL
        echo $(( $(ms_now) - t0 )) >>raw
    done
    rawms=$(median <raw)
    rate=$(awk -v r="$rec" -v m="$ms" 'BEGIN{printf "%.0f", r / (m > 0 ? m : 1) * 1000}')
    rawrate=$(awk -v r="$rec" -v m="$rawms" 'BEGIN{printf "%.0f", r / (m > 0 ? m : 1) * 1000}')
    ratio=$(awk -v a="$ms" -v b="$rawms" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}')
    rate_rows+="| $tier | $files | $rec | $((bytes / 1024)) KiB | $ms ms | $rate | $rawms ms | $rawrate | ${ratio}x |"$'\n'
    echo "| push $tier (records/s) | $rate | raw psql \\copy $rawrate | ${ratio}x time |" >>"${LMKV_BENCH_SUMMARY:-/dev/null}"
    # 2. incremental push after a one-file edit (machine bench-$tier-3)
    if [ -n "$edit" ] && [ -f "$ws/$edit" ]; then
        printf '\nint lmkv_bench_edit(void) { return 1; }\n' >>"$ws/$edit"
        "$LMKV_BIN" --db "$db" index -q --workspace "$ws" "$ws" >/dev/null
        "$LMKV_BIN" --db "$db" --json push "$PG_URL" --workspace "$ws" --machine "bench-$tier-3" >inc.json
        irec=$(jf inc.json 'j["symbols"]+j["calls"]+j["references"]')
        inc_rows+="| $tier | $edit ($(wc -c <"$ws/$edit") bytes) | $(jf inc.json 'j["files_sent"]') of $files | $irec of $rec | $(( $(jf inc.json 'j["bytes"]') / 1024 )) KiB | $(jf inc.json 'j["ms"]') ms |"$'\n'
        "$LMKV_BIN" --db "$db" --json push "$PG_URL" --workspace "$ws" --machine "bench-$tier-3" >inc2.json
        inc_rows+="| $tier | (none: a second push) | $(jf inc2.json 'j["files_sent"]') | 0 | $(jf inc2.json 'j["bytes"]') B | $(jf inc2.json 'j["ms"]') ms |"$'\n'
        # the edit committed: a new state whose versions the server has
        git -C "$ws" -c user.name=b -c user.email=b@b commit -qam edit
        "$LMKV_BIN" --db "$db" index -q --workspace "$ws" "$ws" >/dev/null
        "$LMKV_BIN" --db "$db" --json push "$PG_URL" --workspace "$ws" --machine "bench-$tier-3" >inc3.json
        inc_rows+="| $tier | (the edit committed: a new state, map rows only) | $(jf inc3.json 'j["files_sent"]') (map rows: $(jf inc3.json 'j["files_mapped"]')) | $(jf inc3.json 'j["symbols"]+j["calls"]+j["references"]') | $(( $(jf inc3.json 'j["bytes"]') / 1024 )) KiB | $(jf inc3.json 'j["ms"]') ms |"$'\n'
    fi
    # 3. query latency, local vs server (same state: machine bench-$tier-3)
    top=$(psql_q "SELECT callee FROM lmkv.call WHERE ws_key = $wsk AND callee <> '' GROUP BY callee ORDER BY count(*) DESC, callee LIMIT 1")
    busy=$(psql_q "SELECT caller FROM lmkv.call WHERE ws_key = $wsk AND caller <> '' GROUP BY caller ORDER BY count(DISTINCT callee) DESC, caller LIMIT 1")
    for qy in "callers $top" "callees $busy" "refs $top" "impact $top --depth 3" "paths $busy $top --depth 4" "cycles"; do
        : >loc; : >srv
        # shellcheck disable=SC2086
        for i in 1 2 3 4 5; do
            t0=$(date +%s%N); "$LMKV_BIN" --db "$db" query $qy --workspace "$ws" --json >a.json 2>/dev/null || true
            echo $(( ($(date +%s%N) - t0) / 1000 )) >>loc
            t0=$(date +%s%N); "$LMKV_BIN" query --server "$PG_URL" --machine "bench-$tier-3" --workspace "$ws" $qy --json >b.json 2>/dev/null || true
            echo $(( ($(date +%s%N) - t0) / 1000 )) >>srv
        done
        same=$(cmp -s a.json b.json && echo yes || echo NO)
        l=$(median <loc); s=$(median <srv)
        q_rows+="| $tier | ${qy%% *} | $(awk -v x="$l" 'BEGIN{printf "%.1f", x/1000}') ms | $(awk -v x="$s" 'BEGIN{printf "%.1f", x/1000}') ms | $(awk -v a="$s" -v b="$l" 'BEGIN{printf "%.1f", a/b}')x | $same |"$'\n'
    done
done

echo "### Push rate (full push of a tier; median of 3)"
echo
echo "| tier | files | records | COPY data | lmkv push | records/s | raw psql \\copy of the same rows | records/s | push / raw time |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rate_rows"
echo
echo "lmkv push's time includes opening the LMDB database, reading the current"
echo "state, the schema check and the diff against the server; the raw \\copy"
echo "loads the same rows (exported from the server) into tables of the same"
echo "definition and indexes in one transaction."
echo
echo "### Incremental push after a one-file edit"
echo
echo "| tier | edited file | files sent | records sent | COPY data | time |"
echo "|---|---|---|---|---|---|"
printf '%s' "$inc_rows"
echo
echo "SQLite's tier is its amalgamation: an edit of sqlite3.c resends that one"
echo "(large) file's records; a push after the edit never resends the others."
echo "The edit pushed first as the worktree state ('latest'), then committed:"
echo "the commit's state maps every path to versions the server already holds"
echo "(schema 2: records shared by file version), so it sends map rows only."
echo
echo "### Query latency: server vs local (whole lmkv process, median of 5)"
echo
echo "| tier | query | local lmkv query | lmkv query --server | server / local | same --json |"
echo "|---|---|---|---|---|---|"
printf '%s' "$q_rows"
echo
echo "The server's time includes the libpq connection and the schema check of"
echo "every connection (lmkv_pg_connect)."
