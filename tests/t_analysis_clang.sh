#!/usr/bin/env bash
# analysis/'s libclang frontend through `lmkv index` + `lmkv query` on small
# real C programs written here, each case one thing issue 16 asks:
#  - calls through a function-like macro are the called function's
#    (MDB_PAGE_GET -> mdb_page_get); a macro that expands to nothing
#    (DPRINTF((...))) and code under #if 0 / #if UNDEFINED > 2 make no calls;
#  - a function named as a value is a reference of kind function_pointer,
#    never a call; a call through a pointer is a call of type callback;
#  - GIT_INLINE(type) name(...) functions (libgit2's macro) have callees;
#  - two static functions of one name in two files stay apart (each call's
#    callee_id is its own file's symbol);
#  - compile_commands.json's flags are used (-DFEATURE), else the defaults;
#  - a file with syntax errors is indexed as far as clang recovers, its
#    diagnostics counted; a binary file fails alone (path and reason);
#  - a generated 200k-line file with one 50k-deep call chain indexes whole
#    within the documented memory bound;
#  - SIGINT during a run: exit 130, nothing of the run is current, no child
#    process;
#  - --languages narrows the files; unknown names are refused.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
export LMKV_DB="$LMKV_TEST_TMP/db"

mkdir ws
cat > ws/pages.c <<'EOF'
#include <stddef.h>
typedef struct page { int n; } page;
static int mdb_page_get(int pgno, page **ret) { *ret = NULL; return pgno; }
#define MDB_PAGE_GET(mc, pg, mp) mdb_page_get(pg, mp)
#define DPRINTF(args) ((void)0)
static int mdb_dkey(int k) { return k; }
int search(int pg) {
    page *mp;
    DPRINTF(("searching %d", mdb_dkey(pg)));
    return MDB_PAGE_GET(0, pg, &mp);
}
#if 0
int dead(void) { return mdb_page_get(1, NULL); }
#endif
#if MDB_DEBUG > 2
int debug_only(void) { return mdb_dkey(2); }
#endif
typedef int (*cmp_fn)(int, int);
static int cmp_int(int a, int b) { return a - b; }
struct env { cmp_fn cmp; };
static struct env defaults = { cmp_int };
int compare(struct env *e, int a, int b) {
    cmp_fn f = cmp_int;
    if (e->cmp == cmp_int) return f(a, b);
    return e->cmp(a, b);
}
EOF
cat > ws/inline.h <<'EOF'
#define GIT_INLINE(type) static inline type
int git_tree_lookup(int id);
GIT_INLINE(int) tree_iterator_frame_push(int id) { return git_tree_lookup(id) + 1; }
EOF
cat > ws/iter.c <<'EOF'
#include "inline.h"
int git_tree_lookup(int id) { return id * 2; }
int walk(int id) { return tree_iterator_frame_push(id); }
EOF
cat > ws/a.c <<'EOF'
static int helper(int x) { return x + 1; }
int entry_a(int x) { return helper(x); }
EOF
cat > ws/b.c <<'EOF'
static int helper(int x) { return x - 1; }
int entry_b(int x) { return helper(x) + helper(x); }
EOF
cat > ws/feature.c <<'EOF'
#ifdef FEATURE
int with_feature(void) { return 1; }
#endif
int always(void) { return 0; }
EOF
cat > ws/broken.c <<'EOF'
int good_before(int x) { return x; }
int broken(int x) { return x + ; }
int good_after(int x) { return good_before(x) @ 2; }
int last(void) { return good_before(3); }
EOF
printf 'int binary_fn(void) { return 0; }\n\0\1\2garbage\n' > ws/binary.c

note "index: one failure (binary.c, named), the rest indexed; diagnostics counted"
run 5 L index --json ws
eq "$(echo "$ERR" | grep -c .)" 1 "one error line"
contains "$ERR" "binary.c"
contains "$ERR" "binary content"
J=$OUT
eq "$(json_get "$J" 'j["failed"]')" 1
eq "$(json_get "$J" 'j["analysed"]')" 7
[ "$(json_get "$J" 'j["diagnostics"]["errors"]')" -ge 2 ] || fail "syntax errors not counted: $J"
eq "$(json_get "$J" 'j["diagnostics"]["files_with_errors"]')" 1

names() { $PY -c 'import json,sys; print(" ".join(sorted({x[sys.argv[2]] for x in json.loads(sys.argv[1] or "[]")})))' "$1" "$2"; }

note "calls through a function-like macro are the function's"
run 0 L query callers mdb_page_get --json
eq "$(names "$OUT" from)" "search"
eq "$(names "$OUT" to)" "mdb_page_get"
eq "$(json_get "$OUT" '[(x["file"], x["line"]) for x in j]')" "[('pages.c', 10)]"
note "DPRINTF expands to nothing; #if 0 and #if MDB_DEBUG > 2 are not compiled"
run 0 L query callers mdb_dkey --json
eq "$OUT" "[]" "callers of mdb_dkey"
run 1 L query symbol dead
run 1 L query symbol debug_only
note "function-pointer uses are references of their own kind, never calls"
run 0 L query callers cmp_int --json
eq "$OUT" "[]" "callers of cmp_int"
run 0 L query refs cmp_int --json
eq "$(names "$OUT" kind)" "function_pointer"
eq "$(json_get "$OUT" 'len(j)')" 3
eq "$(names "$OUT" from)" "compare defaults"
note "a call through a pointer is a call of type callback"
L dump --system --tree store.call --json > calls.jsonl
$PY - <<'PY'
import json
calls = [json.loads(l)["record"] for l in open("calls.jsonl")]
cb = [c for c in calls if c["caller_name"] == "compare"]
assert sorted((c["callee_name"], c["call_type"]) for c in cb) == [("cmp", "callback"), ("f", "callback")], cb
PY
note "GIT_INLINE functions have their callees"
run 0 L query callees tree_iterator_frame_push --json
eq "$(names "$OUT" to)" "git_tree_lookup"
eq "$(names "$OUT" from)" "tree_iterator_frame_push"
run 0 L query paths walk git_tree_lookup --json
eq "$(json_get "$OUT" '[(x["length"], x["functions"]) for x in j]')" \
   "[(2, ['walk', 'tree_iterator_frame_push', 'git_tree_lookup'])]"
note "static functions of the same name in two files stay apart"
L dump --system --tree store.sym --json > syms.jsonl
$PY - <<'PY'
import json
syms = [json.loads(l)["record"] for l in open("syms.jsonl")]
calls = [json.loads(l)["record"] for l in open("calls.jsonl")]
helpers = {s["file_path"]: s["id"] for s in syms if s["name"] == "helper"}
assert set(helpers) == {"a.c", "b.c"}, helpers
assert all("static" in (s.get("modifiers") or []) for s in syms if s["name"] == "helper")
hc = [c for c in calls if c["callee_name"] == "helper"]
assert len(hc) == 3, hc
for c in hc:
    assert c["callee_id"] == helpers[c["file_path"]], c
assert all(s["language"] == "c" for s in syms)
PY
note "the file clang parsed with errors is indexed as far as it recovered"
run 0 L query symbol last
run 0 L query callers good_before --json
contains "$(names "$OUT" from)" "last"
note "records say their language and frontend"
L dump --system --tree store.fv --json > fv.jsonl
$PY - <<'PY'
import json
fv = [json.loads(l)["record"] for l in open("fv.jsonl")]
assert fv and all(r["language"] == "c" and r["frontend"].startswith("libclang 14.") for r in fv), fv
PY

note "compile_commands.json's flags are used"
run 1 L query symbol with_feature
WS=$(cd ws && pwd -P)
printf '[{"directory": "%s", "file": "%s/feature.c", "arguments": ["cc", "-DFEATURE", "-c", "feature.c"]}]\n' "$WS" "$WS" > ws/compile_commands.json
run 0 L index --full ws/feature.c --workspace ws
run 0 L query symbol with_feature
printf '[{"directory": 1}]' > ws/compile_commands.json
run 2 L index ws --workspace ws
one_line_err
contains "$ERR" "compile_commands.json: entry 0"
rm ws/compile_commands.json

note "--languages narrows; an unknown language is refused before anything opens"
run 0 L index --json --full --languages python --db "$LMKV_TEST_TMP/db-py" ws
eq "$(json_get "$OUT" 'j["analysed"]')" 0
run 2 L index --languages cobol --db "$LMKV_TEST_TMP/db-cobol" ws
contains "$ERR" "cobol"
[ ! -e "$LMKV_TEST_TMP/db-cobol" ] || fail "a refused --languages created the database"

note "a 200k-line file with a 50k-deep call chain indexes whole, memory bounded"
mkdir deep
$PY - <<'PY'
N = 50000
with open("deep/chain.c", "w") as f:
    for i in range(N - 1):
        f.write("int f_%d(int x);\nint f_%d(int x)\n{\n    return f_%d(x) + 1;\n}\n" % (i + 1, i, i + 1))
    f.write("int f_%d(int x)\n{\n    return x;\n}\n" % (N - 1))
PY
[ "$(wc -l < deep/chain.c)" -ge 200000 ] || fail "generated file too short"
$PY - "$LMKV_BIN" "$LMKV_TEST_TMP" "${SAN:-}" <<'PY'
import json, os, subprocess, sys
lmkv, tmp, san = sys.argv[1:4]
size = os.path.getsize(os.path.join(tmp, "deep/chain.c"))
with open(os.path.join(tmp, "deep.json"), "w") as o:
    p = subprocess.Popen([lmkv, "index", "--json", "--no-git", "--db", os.path.join(tmp, "db-deep"), os.path.join(tmp, "deep")], stdout=o)
    _, status, ru = os.wait4(p.pid, 0)
assert status == 0, status
j = json.load(open(os.path.join(tmp, "deep.json")))
assert (j["analysed"], j["failed"], j["calls"]) == (1, 0, 49999), j
# the documented bound (analysis/README.md): 256 MiB + 64x the file's size;
# sanitizers' shadow memory and quarantine multiply it
rss = ru.ru_maxrss * 1024
bound = (256 << 20) + 64 * size
if san:
    bound *= 5
print("# 50k-deep chain: %d bytes of source, peak RSS %d bytes (bound %d)" % (size, rss, bound))
assert rss <= bound, (rss, bound)
PY
run 0 L query callers f_49999 --db db-deep --json
eq "$(names "$OUT" from)" "f_49998"

note "issue 19 on LMDB's mdb.c: macro kinds; MDB_PAGE_GET is the macro only"
SRC=${LMKV_SOURCES:?}
[ -f "$SRC/lmdb/mdb.c" ] || fail "LMDB sources missing at $SRC/lmdb (run scripts/fetch-sources.sh)"
run 0 L index -q --db db-lmdb "$SRC/lmdb"
# `#define MDB_PAGE_GET(mc, pg, numpgs, mp) ...` is a Macro (lmkv's kind
# 255), its parameters in the signature; `static int MDB_PAGE_GET(MDB_cursor
# *mc, ...);` at the #define's use declares mdb_page_get (clang's spelling of
# the expanded declaration), so no Function of the macro's name
run 0 L query symbol MDB_PAGE_GET --db db-lmdb --json
eq "$(json_get "$OUT" '[(x["kind"], x["file"], x["signature"]) for x in j]')" \
   "[('Macro', 'mdb.c', 'MDB_PAGE_GET(mc, pg, numpgs, mp)')]"
L0=$(grep -n '^#define MDB_PAGE_GET' "$SRC/lmdb/mdb.c" | head -1 | cut -d: -f1)
eq "$(json_get "$OUT" 'j[0]["line"]')" "$L0" "line of the first #define MDB_PAGE_GET"
DL=$(grep -n '^static int	MDB_PAGE_GET(' "$SRC/lmdb/mdb.c" | cut -d: -f1)
[ -n "$DL" ] || fail "mdb.c no longer declares mdb_page_get through MDB_PAGE_GET"
run 0 L query symbol mdb_page_get --db db-lmdb --json
contains "$(json_get "$OUT" 'sorted(x["line"] for x in j)')" "$DL"
# object-like macros are Macros too (no signature); no macro is a Function
run 0 L query symbol MDB_PS_MODIFY --db db-lmdb --json
eq "$(json_get "$OUT" '[(x["kind"], x["signature"]) for x in j]')" "[('Macro', None)]"
# a record defined in a typedef is recorded once, its members too: the
# typedef's child cursor is the same declaration as its sibling, once walked
# from both ("typedef struct MDB_val {...} MDB_val;" gave two Structs and two
# MDB_val::mv_size at one position); an anonymous one keeps its members
run 0 L query symbol --qualified MDB_val::mv_size --db db-lmdb --json
VL=$(grep -n '^	size_t		 mv_size;' "$SRC/lmdb/lmdb.h" | cut -d: -f1)
eq "$(json_get "$OUT" '[(x["kind"], x["file"], x["line"]) for x in j]')" "[('Field', 'lmdb.h', $VL)]"
run 0 L query symbol MDB_val --db db-lmdb --json
eq "$(json_get "$OUT" 'sorted(x["kind"] for x in j)')" "['Struct', 'TypeParameter']"
run 0 L query symbol --qualified MDB_stat::ms_psize --db db-lmdb --json
eq "$(json_get "$OUT" 'len(j)')" "1"
run 0 L query symbol partial_len --db db-lmdb --json
eq "$(json_get "$OUT" '[(x["kind"], x["file"]) for x in j]')" "[('Field', 'crypto.c')]"
run 0 L query search MDB_PAGE --db db-lmdb --json
eq "$(json_get "$OUT" 'sorted({x["kind"] for x in j if x["name"].startswith("MDB_PAGE_")})')" "['Macro']"
# dead lists functions only: no macro (MDB_PAGE_UNREF is never expanded
# in some configurations, but it is not a function)
run 0 L query dead --db db-lmdb --json
eq "$(json_get "$OUT" 'sorted({x["kind"] for x in j})')" "['Function']"
# hotspots: each row says its kind; macros (mtest3.c's E) are Macro
run 0 L query hotspots --db db-lmdb --limit 1000 --json
eq "$(json_get "$OUT" '[x["kind"] for x in j if x["name"] == "E"]')" "['Macro']"
eq "$(json_get "$OUT" '[x["kind"] for x in j if x["name"] == "mdb_strerror"]')" "['Function']"
run 0 L query hotspots --db db-lmdb --limit 1000
# (E is defined in every mtest*.c: the row names one of them)
contains "$OUT" "$(printf '\tE\tMacro\tmtest')"
# the macro in that declaration is a use at file scope, its uses in
# function bodies calls
run 0 L query refs MDB_PAGE_GET --db db-lmdb --json
eq "$(json_get "$OUT" '[x["kind"] for x in j if x["line"] == '"$DL"']')" "['use']"
[ "$(json_get "$OUT" 'sum(1 for x in j if x["kind"] == "call")')" -ge 5 ] || fail "MDB_PAGE_GET calls: $OUT"
run 0 L query callers mdb_page_get --db db-lmdb --json
[ "$(json_get "$OUT" 'len(j)')" -ge 5 ] || fail "callers of mdb_page_get through MDB_PAGE_GET: $OUT"

note "SIGINT stops the run cleanly: nothing of it is current, no child process"
mkdir many
$PY - <<'PY'
for i in range(300):
    with open("many/m%03d.c" % i, "w") as f:
        f.write("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n")
        f.write("int fn_%d(int x) { printf(\"%%d\", x); return x; }\n" % i)
PY
run 0 L index -q --db db-int many/m000.c --workspace many
"$LMKV_BIN" index -q --db db-int --workspace many many > int.out 2> int.err &
PID=$!
for _ in $(seq 100); do
    [ -n "$(ls db-int 2>/dev/null)" ] && break
    sleep 0.05
done
sleep 0.5
CHILDREN=$( (ps -o pid= --ppid "$PID" || true) | wc -l)
kill -INT "$PID"
set +e; wait "$PID"; RC=$?; set -e
eq "$CHILDREN" 0 "child processes of lmkv index"
eq "$RC" 130 "exit status after SIGINT (stderr: $(cat int.err))"
contains "$(cat int.err)" "interrupted"
run 0 L query symbol fn_0 --db db-int
run 1 L query symbol fn_299 --db db-int
run 0 L verify --db db-int
echo "ok"
