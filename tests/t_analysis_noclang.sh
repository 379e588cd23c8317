#!/usr/bin/env bash
# libclang is loaded with dlopen when the first C or C++ file is analysed
# (analysis/clang_api.h), not linked:
#  - no lmkv process maps libclang or libLLVM until it analyses C: the
#    binaries do not link them (ldd), and a query that reads no C file
#    leaves them out of its address space (/proc/PID/maps, seen by a
#    subscriber-less `lmkv watch` that stays up long enough to look);
#  - without libclang ($LMKV_LIBCLANG naming a missing file), each C file
#    fails alone with path and reason (exit 5, --json "failures"), and the
#    Python file beside it is indexed and answers queries;
#  - with libclang, the same tree indexes every file and loads it.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
W="$LMKV_TEST_TMP/w"; mkdir -p "$W"
cat >"$W/a.c" <<'C'
int helper_a(int x) { return x + 1; }
int use_a(void) { return helper_a(1); }
C
cat >"$W/b.py" <<'PY'
def helper_b():
    return 1

def use_b():
    return helper_b()
PY

note "the tools do not link libclang"
for b in "$LMKV_BIN" "$LMDB_MIGRATE_BIN" "$LMKV_BUILD/liblmkv.so"; do
    if ldd "$b" | grep -Ei 'libclang|libLLVM'; then fail "$b links libclang"; fi
done

note "without libclang: a.c fails alone, b.py is indexed"
D="$LMKV_TEST_TMP/db1"
run 5 env LMKV_LIBCLANG=/nonexistent/libclang.so "$LMKV_BIN" index --db "$D" "$W"
contains "$ERR" "lmkv index: a.c: the C/C++ frontend needs libclang 14 (Debian libclang-14-dev): /nonexistent/libclang.so"
contains "$OUT" "1 analysed"
contains "$OUT" "1 failed"
run 0 "$LMKV_BIN" query --db "$D" callers helper_b
contains "$OUT" "use_b"
run 1 "$LMKV_BIN" query --db "$D" symbol helper_a
run 5 env LMKV_LIBCLANG=/nonexistent/libclang.so "$LMKV_BIN" index --db "$D" "$W" --json
eq "$(json_get "$OUT" '[f["path"] for f in j["failures"]]')" "['a.c']"
contains "$(json_get "$OUT" 'j["failures"][0]["reason"]')" "needs libclang 14"

note "a library that is not libclang: named, with the missing function"
run 5 env LMKV_LIBCLANG=libz.so.1 "$LMKV_BIN" index --db "$LMKV_TEST_TMP/db2" "$W"
contains "$ERR" "a.c: the C/C++ frontend needs libclang 14 (Debian libclang-14-dev): libz.so.1 has no clang_"

note "with libclang: both files, and the query process never maps it"
D="$LMKV_TEST_TMP/db3"
run 0 "$LMKV_BIN" index --db "$D" "$W"
contains "$OUT" "2 analysed"
run 0 "$LMKV_BIN" query --db "$D" callers helper_a
contains "$OUT" "use_a"
# the default tree: watch stays up until killed
"$LMKV_BIN" watch --db "$D" >/dev/null 2>&1 & pid=$!
maps=""
for _ in $(seq 100); do
    maps=$(cat /proc/$pid/maps 2>/dev/null || true)
    [[ $maps == *liblmdb* ]] && break
    sleep 0.1
done
# alive, not a zombie (kill -0 succeeds on a zombie)
grep -q '^State:[[:space:]]*[RSD]' /proc/$pid/status 2>/dev/null || fail "lmkv watch exited before its maps could be read"
kill $pid; wait $pid 2>/dev/null || true
contains "$maps" "liblmdb" "lmkv watch's maps"
if grep -Ei 'libclang|libLLVM' <<<"$maps"; then fail "a process that reads no C maps libclang"; fi
echo "ok"
