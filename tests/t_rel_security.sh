#!/usr/bin/env bash
# Security campaign (short; also part of `make torture`):
#  1. files 0600 and directories 0700 by default, whatever the umask:
#     databases created by `lmkv insert`, `lmkv index`, `lmdb-migrate`,
#     copies by `lmkv compact`, dumps by `lmkv export`;
#  2. a query for one workspace never returns another's records: two
#     workspaces with clashing names indexed into one database;
#  3. paths never escape the workspace: `lmkv index` given a path with ..,
#     an absolute path outside, a symlinked file and a symlinked directory
#     pointing outside: refused (exit 2, one line) or not followed, and the
#     outside symbol is in no workspace's results.
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
: "${LMDB_MIGRATE_BIN:?}"
T=$LMKV_TEST_TMP
cd "$T"
mode() { stat -c '%a' "$1"; }

# ---- 1. modes under a permissive umask
umask 000
run 0 L --db "$T/db0" insert k v
eq "$(mode "$T/db0")" 700 "database directory mode"
eq "$(mode "$T/db0/data.mdb")" 600 "data.mdb mode"
eq "$(mode "$T/db0/lock.mdb")" 600 "lock.mdb mode"
run 0 L --db "$T/db0" compact "$T/copy0"
eq "$(mode "$T/copy0")" 700 "compact: directory mode"
eq "$(mode "$T/copy0/data.mdb")" 600 "compact: data.mdb mode (was 0666 less umask through mdb_env_copy2)"
run 0 L --db "$T/db0" export "$T/e0.dump"
eq "$(mode "$T/e0.dump")" 600 "export: dump file mode (was 0644)"
run 0 "$LMDB_MIGRATE_BIN" -q "$T/e0.dump" "$T/mig0"
eq "$(mode "$T/mig0")" 700 "lmdb-migrate: directory mode"
eq "$(mode "$T/mig0/data.mdb")" 600 "lmdb-migrate: data.mdb mode"
umask 022

# ---- 2./3. workspaces
mkdir -p A/sub B outside
printf 'int shared_fn(void) { return 1; }\nint only_a(void) { return shared_fn(); }\n' > A/a.c
printf 'int shared_fn(void) { return 2; }\nint only_b(void) { return shared_fn(); }\n' > B/b.c
printf 'int secret_fn(void) { return 42; }\nint secret_caller(void) { return secret_fn(); }\n' > outside/secret.c
ln -s ../outside/secret.c A/link.c          # file symlink pointing outside
ln -s ../outside B/outdir                   # directory symlink pointing outside
ln -s ../../outside/secret.c A/sub/deep.c
umask 000
run 0 L --db "$T/ws" index --no-git --workspace "$T/A" "$T/A"
eq "$(mode "$T/ws/data.mdb")" 600 "index: data.mdb mode"
umask 022
run 0 L --db "$T/ws" index --no-git --workspace "$T/B" "$T/B"
# explicit paths outside the workspace: refused with one line, exit 2
for p in "$T/A/../outside/secret.c" "$T/outside/secret.c" "$T/A/link.c" "$T/A/sub/deep.c" "$T/B/outdir/secret.c" "$T/B/outdir"; do
    ws=$T/A; [[ $p == "$T/B"* ]] && ws=$T/B
    run 2 L --db "$T/ws" index --no-git --workspace "$ws" "$p"
    one_line_err
    contains "$ERR" "outside the workspace"
done
# nothing from outside was stored under either workspace
for ws in A B; do
    run 1 L --db "$T/ws" query symbol secret_fn --workspace "$T/$ws"
    run 1 L --db "$T/ws" query callers secret_fn --workspace "$T/$ws"
done
run 0 L --db "$T/ws" --json dump
case "$OUT" in *secret*) fail "a record of the outside file was stored" ;; esac
# isolation: each workspace sees only its own records
run 1 L --db "$T/ws" query symbol only_b --workspace "$T/A"
run 1 L --db "$T/ws" query symbol only_a --workspace "$T/B"
run 0 L --db "$T/ws" --json query symbol shared_fn --workspace "$T/A"
contains "$OUT" "a.c"
case "$OUT" in *b.c*) fail "workspace A's query returned B's file" ;; esac
run 0 L --db "$T/ws" --json query callers shared_fn --workspace "$T/B"
contains "$OUT" "only_b"
case "$OUT" in *only_a*) fail "workspace B's callers include A's function" ;; esac
run 0 L --db "$T/ws" --json query search shared --workspace "$T/B"
case "$OUT" in *a.c*) fail "workspace B's search returned A's file" ;; esac
# a workspace never indexed: nothing at all
mkdir -p C
run 1 L --db "$T/ws" query symbol shared_fn --workspace "$T/C"
# a sled dump whose call graph lies outside --workspace-root: imported raw
# (sled's checksum), every node reported by key and none stored as a record
mkdir -p elsewhere
run 0 "$LMDB_MIGRATE_BIN" --json --verify --workspace-root "$T/elsewhere" \
    "$LMKV_FIXTURES/sled/probe-legacy-call-graph.sleddump" "$T/mig-out"
eq "$(json_get "$OUT" 'j["typed_counts"]["symbols"] + j["typed_counts"]["calls"] + j["typed_counts"]["file_versions"]')" 0 \
    "lmdb-migrate: records stored with paths outside the workspace root"
eq "$(json_get "$OUT" 'j["raw_only"] > 0 and j["raw_only"] == sum(1 for n in j["notices"] if "nodes" in n["tree"])')" True \
    "lmdb-migrate: escaping nodes reported by key"
contains "$ERR$OUT" "outside the workspace root"
run 1 L --db "$T/mig-out" query symbol mdb_txn_commit --workspace "$T/elsewhere"
run 1 L --db "$T/mig-out" query callers mdb_txn_commit --workspace "$T/elsewhere"
echo "security: modes 0600/0700 under umask 000 (insert, index, compact, export, lmdb-migrate); 6 escaping paths refused; 2 workspaces isolated; lmdb-migrate stores no record outside --workspace-root"
