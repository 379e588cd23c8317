#!/usr/bin/env bash
# Crash campaign through the tools: `lmkv index` (typed index sessions over
# LMDB's C sources, libclang) and `lmdb-migrate` (sled-dump import) are
# killed with SIGKILL (the whole process group, analysers included) at
# random moments. After every kill:
#   - `lmkv verify` finds no damage (typed records and every index entry);
#   - index: each round appends a uniquely named function to two files;
#     the session is atomic, so the two are found together or not at all;
#   - lmdb-migrate: the target is absent or complete (checksum equal to an
#     undisturbed import), and the import run again succeeds.
# Finally an index runs to completion and every round's functions are there.
# Then `index --full` of the same sources is killed the same way: verify is
# clean and the logical dump (timestamps aside) is unchanged every time.
# Then an incremental re-index of an edited mdb.c (a line at the top, a
# statement duplicated) is killed the same way: the logical dump is the old
# state or the new one (an undisturbed run on a copy), never a mix.
# Rounds: REL_TOOL_ROUNDS (default 8 each; make torture sets more). Seed:
# LMKV_SEED.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
# Work on private copies of the tools: the build tree is shared, and a
# relink while this script runs must not look like a failure.
snapshot_bin() { # VAR: copy the binary named by $VAR into $T and point VAR at it
    local var=$1 src=${!1} dst i
    dst="$LMKV_TEST_TMP/.$(basename "$src")"
    for ((i = 0; i < 50; i++)); do
        if cp "$src" "$dst" 2>/dev/null && "$dst" --version >/dev/null 2>&1; then
            printf -v "$var" '%s' "$dst"; return 0
        fi
        sleep 0.2
    done
    fail "cannot run $src"
}
snapshot_bin LMKV_BIN
snapshot_bin LMDB_MIGRATE_BIN
: "${LMDB_MIGRATE_BIN:?}" "${LMKV_SOURCES:?}" "${LMKV_FIXTURES:?}"
[ -f "$LMKV_SOURCES/lmdb/mdb.c" ] || { echo "no LMDB sources in $LMKV_SOURCES (scripts/fetch-sources.sh)"; exit 77; }
T=$LMKV_TEST_TMP
ROUNDS=${REL_TOOL_ROUNDS:-8}
RANDOM=$(( ${LMKV_SEED:-4242} % 32768 ))
cd "$T"

# kill_at MS CMD...: run CMD in its own process group, SIGKILL the group after
# MS milliseconds (or let it finish); sets KILLED=1 when the kill hit it.
# A run that ends before MS is not waited for to the end of MS (wait -n on
# the run and a timer: no fixed sleep).
kill_at() {
    local ms=$1; shift
    setsid "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" &
    local timer=$!
    wait -n "$pid" "$timer" 2>/dev/null || true
    KILLED=0
    if kill -0 "$pid" 2>/dev/null; then kill -9 -- "-$pid" 2>/dev/null && KILLED=1 || true; fi
    kill "$timer" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    wait "$timer" 2>/dev/null || true
}

# ---- lmkv index
mkdir -p ws
cp "$LMKV_SOURCES"/lmdb/*.c "$LMKV_SOURCES"/lmdb/*.h ws/
kills=0 both=0 none=0
for ((r = 1; r <= ROUNDS; r++)); do
    printf '\nint rel_round_%d_a(void) { return %d; }\n' "$r" "$r" >> ws/mdb.c
    printf '\nint rel_round_%d_b(void) { return rel_round_%d_a(); }\n' "$r" "$r" >> ws/midl.c
    full=(); [ $((RANDOM % 3)) -eq 0 ] && full=(--full)
    kill_at $((RANDOM % 1200)) "$LMKV_BIN" --db "$T/db" -q index --no-git "${full[@]}" --workspace "$T/ws" "$T/ws"
    kills=$((kills + KILLED))
    [ -e "$T/db/data.mdb" ] || { none=$((none + 1)); continue; }
    run 0 L --db "$T/db" -q verify
    set +e
    L --db "$T/db" query symbol "rel_round_${r}_a" --workspace "$T/ws" >/dev/null 2>&1; a=$?
    L --db "$T/db" query symbol "rel_round_${r}_b" --workspace "$T/ws" >/dev/null 2>&1; b=$?
    set -e
    [ "$a" -eq "$b" ] || fail "round $r: index session not atomic (a exit $a, b exit $b)"
    if [ "$a" -eq 0 ]; then both=$((both + 1)); else none=$((none + 1)); fi
done
run 0 L --db "$T/db" -q index --no-git --workspace "$T/ws" "$T/ws"
run 0 L --db "$T/db" -q verify
for ((r = 1; r <= ROUNDS; r++)); do
    run 0 L --db "$T/db" query symbol "rel_round_${r}_b" --workspace "$T/ws"
done
run 0 L --db "$T/db" query callers rel_round_1_a --workspace "$T/ws"
contains "$OUT" "rel_round_1_b"
echo "index: $ROUNDS rounds, $kills SIGKILLs landed; after the kill the round's session was complete $both times, absent $none times; verify clean every round"

# ---- lmkv index --full over stored versions: lmkv_store_put_file rewrites
# only the entries that differ (issue 20). Killed at random moments, the
# database verifies clean and holds exactly what it held (the logical dump,
# timestamps aside: the sources did not change), as after an undisturbed run.
ldump() { # the logical dump of $T/db without the indexing timestamps
    L --db "$T/db" -q dump > "$T/dump.raw" || fail "lmkv dump failed"
    sed -E 's/"(indexed_ns|last_indexed_ns)":[0-9]+/"\1":T/g' "$T/dump.raw"
}
ldump > "$T/dump.0"
[ "$(wc -l < "$T/dump.0")" -gt 10000 ] || fail "the dump before --full has too few entries"
fkills=0
for ((r = 1; r <= ROUNDS; r++)); do
    kill_at $((RANDOM % 1500)) "$LMKV_BIN" --db "$T/db" -q index --no-git --full --workspace "$T/ws" "$T/ws"
    fkills=$((fkills + KILLED))
    run 0 L --db "$T/db" -q verify
    ldump > "$T/dump.r"
    cmp -s "$T/dump.0" "$T/dump.r" || { diff "$T/dump.0" "$T/dump.r" | head -5 >&2; fail "round $r of --full: the logical dump changed"; }
done
run 0 L --db "$T/db" -q index --no-git --full --workspace "$T/ws" "$T/ws"
run 0 L --db "$T/db" -q verify
ldump > "$T/dump.r"
cmp -s "$T/dump.0" "$T/dump.r" || fail "an undisturbed --full changed the logical dump"
echo "index --full: $ROUNDS rounds, $fkills SIGKILLs landed; verify clean and the dump unchanged every round"

# ---- an edited file re-indexed incrementally (issue 20's edit kinds: a
# line inserted at the top of mdb.c shifts every later record, a statement
# duplicated inside a function changes its calls): killed at random
# moments, the database holds the old state or the new one -- the logical
# dump equals the one before the run or the one an undisturbed run of the
# same edit gives (on a copy of the database) -- never a mix.
ekills=0 eold=0 enew=0
for ((r = 1; r <= ROUNDS; r++)); do
    # the database is as the last dump left it (the --full part's, then
    # the previous round's): no second dump of the same state
    cp "$T/dump.r" "$T/dump.old"
    sed -i "1i /* rel edit round $r */" ws/mdb.c
    line=$(grep -n '^[[:space:]]*rc = mdb_cursor_put' ws/mdb.c | head -n 1 | cut -d: -f1)
    [ -n "$line" ] || fail "round $r: no call to duplicate in mdb.c"
    sed -i "${line}p" ws/mdb.c
    rm -rf "$T/db.copy"; mkdir "$T/db.copy"; cp "$T/db/data.mdb" "$T/db.copy/"
    mv "$T/db" "$T/db.keep"; mv "$T/db.copy" "$T/db"
    run 0 L --db "$T/db" -q index --no-git --workspace "$T/ws" "$T/ws"
    ldump > "$T/dump.new"
    rm -rf "$T/db"; mv "$T/db.keep" "$T/db"
    cmp -s "$T/dump.old" "$T/dump.new" && fail "round $r: the edit changed nothing stored"
    kill_at $((RANDOM % 900)) "$LMKV_BIN" --db "$T/db" -q index --no-git --workspace "$T/ws" "$T/ws"
    ekills=$((ekills + KILLED))
    run 0 L --db "$T/db" -q verify
    ldump > "$T/dump.r"
    if cmp -s "$T/dump.r" "$T/dump.old"; then eold=$((eold + 1))
    elif cmp -s "$T/dump.r" "$T/dump.new"; then enew=$((enew + 1))
    else diff "$T/dump.new" "$T/dump.r" | head -5 >&2; fail "round $r: a killed re-index of the edited mdb.c left neither the old nor the new state"
    fi
done
run 0 L --db "$T/db" -q index --no-git --workspace "$T/ws" "$T/ws"
run 0 L --db "$T/db" -q verify
run 0 L --db "$T/db" query symbol mdb_cursor_put --workspace "$T/ws"
echo "edited re-index: $ROUNDS rounds, $ekills SIGKILLs landed; old state $eold times, new state $enew times, never a mix; verify clean every round"

# ---- lmdb-migrate
DUMP=$LMKV_FIXTURES/sled/probe-universal-cache.sleddump
run 0 "$LMDB_MIGRATE_BIN" -q "$DUMP" "$T/good"
run 0 L --db "$T/good" checksum
want=$OUT
mk=0 complete=0 absent=0
for ((r = 1; r <= ROUNDS; r++)); do
    rm -rf "$T/mig"
    kill_at $((RANDOM % 150)) "$LMDB_MIGRATE_BIN" -q "$DUMP" "$T/mig"
    mk=$((mk + KILLED))
    if [ -e "$T/mig/data.mdb" ]; then
        run 0 L --db "$T/mig" -q verify
        run 0 L --db "$T/mig" checksum
        eq "$OUT" "$want" "round $r: a killed import left a partial target"
        complete=$((complete + 1))
    else
        absent=$((absent + 1))
    fi
    run 0 "$LMDB_MIGRATE_BIN" -q "$DUMP" "$T/mig"     # again: succeeds (or 'already imported')
    run 0 L --db "$T/mig" checksum
    eq "$OUT" "$want" "round $r: import after a kill"
done
left=$(find "$T" -maxdepth 1 -name 'mig.tmp-*' | wc -l)
echo "lmdb-migrate: $ROUNDS rounds, $mk SIGKILLs landed; target complete $complete times, absent $absent times, never partial; re-import succeeded every time; $left build directories (mig.tmp-*) left after the last re-import"
# Each re-import removes the build directories of killed runs (their locks
# died with them), so none may remain after the last one.
[ "$left" -eq 0 ] || { echo "FAIL: $left build directories of killed imports were not cleaned up" >&2; exit 1; }
