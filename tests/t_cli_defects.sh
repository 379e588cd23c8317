#!/usr/bin/env bash
# Issue 19's "defects found on real use", each on real inputs (LMDB's C
# sources in $LMKV_SOURCES/lmdb, real git repositories, real databases):
#  - `index` of a PATH (or ROOT) that does not exist refuses before it
#    creates anything: exit 1, no database directory left behind;
#  - a file that cannot be analysed gives exit 5 (partial), distinct from
#    3 (damaged database), and verify's damage is still 3;
#  - a git workspace that libgit2 refuses (not owned by the user: its
#    safe.directory owner check) is an error that says so, not a silent
#    non-git "(latest)" index;
#  - a read-only database (read-only directory, lock.mdb not writable)
#    is queried and verified with MDB_NOLOCK, with one stderr note.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
SRC=${LMKV_SOURCES:?}/lmdb
[ -f "$SRC/mdb.c" ] || fail "LMDB sources missing at $SRC (run scripts/fetch-sources.sh)"
command -v git >/dev/null || fail "git not found"
mkdir src; cp "$SRC"/midl.c "$SRC"/midl.h "$SRC"/lmdb.h src/

note "index of a missing PATH or ROOT: exit 1, nothing created"
run 1 L --db "$LMKV_TEST_TMP/d_missing" index --no-git "$LMKV_TEST_TMP/no-such-dir"
contains "$ERR" "no-such-dir: No such file or directory"
[ ! -e d_missing ] || fail "index of a missing path left $(ls -A d_missing | tr '\n' ' ') behind"
run 1 L --db "$LMKV_TEST_TMP/d_missing" index --no-git --workspace src src/midl.c src/gone.c
contains "$ERR" "src/gone.c"
[ ! -e d_missing ] || fail "index with one missing PATH left a database behind"
run 1 L --db "$LMKV_TEST_TMP/d_missing" index --no-git --workspace no-such-root
contains "$ERR" "workspace no-such-root"
[ ! -e d_missing ] || fail "index of a missing ROOT left a database behind"
run 2 L --db "$LMKV_TEST_TMP/d_missing" index --no-git --workspace src "$SRC/mdb.c"
contains "$ERR" "outside the workspace"
[ ! -e d_missing ] || fail "index of a PATH outside ROOT left a database behind"
# an existing database is not touched either
run 0 L --db "$LMKV_TEST_TMP/d1" index --no-git --json src
eq "$(json_get "$OUT" 'j["analysed"]')" 3
run 1 L --db "$LMKV_TEST_TMP/d1" index --no-git --workspace src src/gone.c

note "exit 5: a file could not be analysed (the others indexed); 3 stays 'damaged'"
printf 'int bin(void) { return 0; }\n\0\1garbage\n' > src/binary.c
run 5 L --db "$LMKV_TEST_TMP/d1" index --no-git --json src
eq "$(json_get "$OUT" 'j["failed"]')" 1
contains "$(json_get "$OUT" 'j["failures"][0]["path"]')" "binary.c"
run 0 L --db "$LMKV_TEST_TMP/d1" query symbol mdb_midl_alloc
contains "$OUT" "midl.c"
rm src/binary.c

note "a git workspace owned by another user: libgit2's owner check is reported, not a silent '(latest)'"
command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
[ "$(id -u)" = 0 ] || fail "this test runs as root (it chowns a repository to uid 65534)"
export GIT_CONFIG_NOSYSTEM=1 HOME="$LMKV_TEST_TMP/home"; mkdir -p "$HOME"
mkdir g; cp src/midl.c src/midl.h src/lmdb.h g/
git -C g init -q; git -C g add .; git -C g -c user.email=t@t -c user.name=t commit -qm one
HEADSHA=$(git -C g rev-parse HEAD)
chown -R 65534:65534 g
# no safe.directory configured at all (libgit2 1.5's GIT_ENOTFOUND path)
run 4 L --db "$LMKV_TEST_TMP/dg" index g
contains "$ERR" "is owned by uid 65534, not by this user (uid 0)"
contains "$ERR" "safe.directory"
contains "$ERR" "--no-git"
eq "$(echo "$ERR" | grep -c .)" 1 "one error line"
# safe.directory configured, but not for this root (GIT_EOWNER)
git config --global --add safe.directory "$LMKV_TEST_TMP/elsewhere"
run 4 L --db "$LMKV_TEST_TMP/dg" index g
contains "$ERR" "not owned by current user"
# the way out the message gives works: listed, the commit is recorded
git config --global --add safe.directory "$(cd g && pwd -P)"
run 0 L --db "$LMKV_TEST_TMP/dg" index --json g
eq "$(json_get "$OUT" 'j["commit"]')" "$HEADSHA"
# and --no-git indexes it as a plain directory
git config --global --unset-all safe.directory
run 0 L --db "$LMKV_TEST_TMP/dg2" index --no-git --json g
eq "$(json_get "$OUT" 'j["commit"]')" latest

note "a read-only database (lock.mdb and the directory not writable) is queried and verified"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent "$@"; }
chmod 755 "$LMKV_TEST_TMP"
D="$LMKV_TEST_TMP/d1"
chmod 755 "$D"; chmod 644 "$D"/*
as_nobody "$LMKV_BIN" --help >/dev/null 2>&1 || fail "$LMKV_BIN is not executable by uid 65534"
! as_nobody touch "$D/lock.mdb" 2>/dev/null || fail "uid 65534 can still write lock.mdb"
want=$(L --db "$D" query symbol mdb_midl_alloc)
run 0 as_nobody "$LMKV_BIN" --db "$D" query symbol mdb_midl_alloc
eq "$OUT" "$want" "the read-only answer is the read-write one"
contains "$ERR" "lock.mdb cannot be opened or created"
contains "$ERR" "MDB_NOLOCK"
eq "$(echo "$ERR" | grep -c .)" 1 "one note line"
run 0 as_nobody "$LMKV_BIN" --db "$D" -q query symbol mdb_midl_alloc
eq "$ERR" "" "-q: no note"
run 0 as_nobody "$LMKV_BIN" --db "$D" verify
contains "$OUT" "ok:"
run 0 as_nobody "$LMKV_BIN" --db "$D" --json stat
# lock.mdb missing in a directory that is not writable: same
rm "$D/lock.mdb"
run 0 as_nobody "$LMKV_BIN" --db "$D" query symbol mdb_midl_alloc
eq "$OUT" "$want"
[ ! -e "$D/lock.mdb" ] || fail "a lockless read created lock.mdb"
# a write still fails, naming the database
run 4 as_nobody "$LMKV_BIN" --db "$D" insert k v
# data.mdb unreadable too: the error names lock.mdb and both causes
chmod 600 "$D/data.mdb"
run 4 as_nobody "$LMKV_BIN" --db "$D" query symbol mdb_midl_alloc
contains "$ERR" "lock.mdb: Permission denied"
contains "$ERR" "without the lock (MDB_NOLOCK, read-only) failed too"
chmod 644 "$D/data.mdb"

note "impact --depth: the cut note names what cut the answer, and only when something was cut"
mkdir m; cp "$SRC"/mdb.c "$SRC"/midl.c "$SRC"/midl.h "$SRC"/lmdb.h m/
run 0 L --db "$LMKV_TEST_TMP/dm" -q index --no-git m
DM="$LMKV_TEST_TMP/dm"
all=$(L --db "$DM" query impact mdb_midl_alloc --depth 64)
maxd=$(echo "$all" | awk -F'\t' '$1 > m {m = $1} END {print m}')
[ "$maxd" -ge 2 ] || fail "impact mdb_midl_alloc reaches only depth $maxd"
run 0 L --db "$DM" query impact mdb_midl_alloc --depth "$maxd"
eq "$OUT" "$all"
eq "$ERR" "" "nothing beyond depth $maxd: no note"
run 0 L --db "$DM" query impact mdb_midl_alloc --depth 1
eq "$ERR" "lmkv query: answer cut at the depth (raise --depth)"
run 0 L --db "$DM" query impact mdb_midl_alloc --depth "$maxd" --limit 1
eq "$ERR" "lmkv query: answer cut at the limit (raise --limit)"
