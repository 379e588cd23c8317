#!/usr/bin/env bash
# The libclang frontend's shared precompiled headers (analysis/clang.c,
# "shared PCH"; issue 16 point 4, libclang's speed): an index with the PCHs
# (the default) stores exactly what one with LMKV_CLANG_PCH=0 stores, record
# for record (`lmkv dump --system`, timestamps aside), over
#  - libgit2 (nodegit@0.27.0's vendor/libgit2/src, with a compile database
#    as bench/analysis_bench.sh writes it): files beginning with one
#    `#include "common.h"` share a PCH (checked through
#    $LMKV_CLANG_PCH_TRACE: PCHs built, files parsed with them, and the
#    Windows files whose parse with the PCH has errors parsed again alone),
#  - LMDB (mdb.c begins with #ifndef: parsed alone; midl.c and its tools
#    begin with a system header, mdb_*.c with `#include <stdio.h>`);
# the analyser's temporary directory is gone after the run; a file whose
# first directive is not an #include (a comment with a backslash, #define
# first) never uses one.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
SRC=${LMKV_SOURCES:?}
[ -f "$SRC/lmdb/mdb.c" ] || fail "LMDB sources missing at $SRC/lmdb (run scripts/fetch-sources.sh)"
[ -f "$SRC/libgit2/src/common.h" ] || fail "libgit2 sources missing at $SRC/libgit2 (run scripts/fetch-sources.sh)"
export TMPDIR="$LMKV_TEST_TMP/tmp"
mkdir -p "$TMPDIR"

state() { # DB
    L --db "$1" dump --system |
        sed -E 's/"(indexed_ns|created_ns|last_indexed_ns)":[0-9]+/"\1":0/g; s/(\\"[0-9a-f]{40}\\":)[0-9]+/\10/g'
}
same() { # NAME DB1 DB2
    state "$2" >"$1.1"; state "$3" >"$1.2"
    [ "$(wc -l <"$1.1")" -gt 1000 ] || fail "$1: only $(wc -l <"$1.1") entries stored"
    cmp -s "$1.1" "$1.2" || { diff "$1.1" "$1.2" | head -20 | cut -c1-300 >&2; fail "$1: the PCH run stored something else than the plain one"; }
    echo "# $1: $(wc -l <"$1.1") entries, equal"
}
no_tmp_left() {
    [ -z "$(ls -A "$TMPDIR")" ] || fail "temporary files left: $(ls -A "$TMPDIR" | head -3)"
}

note "libgit2: with and without the shared PCHs"
ws=g2
mkdir -p $ws
cp -R "$SRC"/libgit2/{src,include,deps} $ws/
mkdir -p $ws/gen/git2/sys
sed -e 's/^#cmakedefine \(GIT_THREADS\|GIT_ARCH_64\|GIT_USE_NSEC\|GIT_USE_STAT_MTIM\|GIT_USE_FUTIMENS\|GIT_REGEX_BUILTIN\|GIT_SHA1_COLLISIONDETECT\) 1$/#define \1 1/' \
    -e '/^#cmakedefine/d' $ws/src/features.h.in > $ws/gen/git2/sys/features.h
(cd $ws && find src -name '*.[ch]' | sort | $PY -c '
import json, os, sys
ws = os.getcwd()
incs = ["-I" + os.path.join(ws, d) for d in ["include", "src", "gen"] + sorted("deps/" + x for x in os.listdir("deps"))]
json.dump([{"directory": ws, "file": os.path.join(ws, f.strip()),
            "arguments": ["cc", "-DGIT_THREADS", "-D_GNU_SOURCE", "-std=gnu99"] + incs + ["-c", f.strip()]}
           for f in sys.stdin if f.strip()], open("compile_commands.json", "w"))')
# the files that share a PCH (first directive `#include "common.h"`), some
# that must not (repository.c begins with repository.h; the headers with
# their guards) and the Windows files that fall back: the whole src/ took
# ~150 s per suite for no more coverage (now ~10 s)
mapfile -t picked < <(cd $ws && for f in src/*.c src/win32/*.c; do
    first=$(grep -m1 '^[[:space:]]*#' "$f" || true)
    case "$first" in '#include "common.h"'*) echo "$ws/$f" ;; esac
done; echo "$ws/src/repository.c"; echo "$ws/src/repository.h")
[ "${#picked[@]}" -ge 20 ] || fail "only ${#picked[@]} libgit2 files picked"
LMKV_CLANG_PCH=0 LMKV_CLANG_PCH_TRACE="$PWD/trace0" run 0 L index --db g0 --no-git --json --workspace $ws "${picked[@]}"
eq "$(json_get "$OUT" 'j["failed"]')" 0
[ ! -e trace0 ] || fail "LMKV_CLANG_PCH=0 still made PCHs: $(head -3 trace0)"
LMKV_CLANG_PCH_TRACE="$PWD/trace1" run 0 L index --db g1 --no-git --json --workspace $ws "${picked[@]}"
eq "$(json_get "$OUT" 'j["failed"]')" 0
no_tmp_left
same libgit2 g0 g1
built=$(grep -c '^built ' trace1 || true)
used=$(grep -c '^used ' trace1 || true)
note "libgit2: $built PCHs built, $used files parsed with one, $(grep -c '^fallback ' trace1 || true) parsed again alone"
grep -q '^built [0-9]* #include "common.h"$' trace1 || fail "no PCH of common.h: $(head -5 trace1)"
[ "$used" -ge 15 ] || fail "only $used files used a PCH"
if grep -q "^used [0-9]* $PWD/$ws/src/repository.c$" trace1; then fail "repository.c begins with repository.h, not common.h, yet used a PCH"; fi
# every file parsed with a PCH begins with that PCH's directive
$PY - trace1 <<'PYEOF' || fail "a file used the PCH of another first #include"
import re, sys
built, bad = {}, 0
for line in open(sys.argv[1]):
    what, no, rest = line.rstrip("\n").split(" ", 2)
    if what == "built":
        built[no] = rest
    elif what == "used":
        first = next(l.strip() for l in open(rest) if l.lstrip().startswith("#"))
        if re.sub(r"^#\s*include\s*", "#include ", first) != built.get(no):
            print(rest, "begins with", first, "not", built.get(no), file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PYEOF
# src/win32/*.c: under Linux flags the Windows headers are errors; the PCH
# parse's errors make the file be parsed alone (and counted from that parse)
grep -q '^fallback ' trace1 || fail "no file fell back to the plain parse: $(grep -v '^used' trace1 | head)"

note "LMDB: the same records (mdb.c begins with #ifndef; the tools with <stdio.h>)"
mkdir lm && cp "$SRC"/lmdb/*.c "$SRC"/lmdb/*.h lm/
LMKV_CLANG_PCH=0 run 0 L index --db l0 --no-git --json --workspace lm
LMKV_CLANG_PCH_TRACE="$PWD/trace2" run 0 L index --db l1 --no-git --json --workspace lm
if grep -q '^used [0-9]* .*/lm/mdb\.c$' trace2; then fail "mdb.c (#ifndef first) used a PCH"; fi
note "LMDB: $(grep -c '^built ' trace2 || true) PCHs built, $(grep -c '^used ' trace2 || true) files parsed with one"
same lmdb l0 l1
no_tmp_left

note "only a first #include alone on its line, after comments and blank lines"
mkdir w3
printf '#ifndef H\n#define H\nstruct s { int a; };\nint f(int);\n#endif\n' > w3/h.h
printf '/* a */\n\n// b\n#include "h.h"\nint g(void) { return f(1); }\n' > w3/a.c
printf '  #  include "h.h"  \nint k(void) { return f(2); }\n' > w3/b.c
printf '// c \\\n#include "h.h"\nint m(void) { return f(3); }\n' > w3/c.c
printf '#define X 1\n#include "h.h"\nint n(void) { return f(X); }\n' > w3/d.c
printf '#include "h.h" int\nq(void) { return f(4); }\n' > w3/e.c
printf '#include "h.h"\nint r(void) { return f(5); }\n' > w3/f.c
LMKV_CLANG_PCH=0 run 0 L index --db s0 --no-git --json --workspace w3
LMKV_CLANG_PCH_TRACE="$PWD/trace3" run 0 L index --db s1 --no-git --json --workspace w3
eq "$(state s0 | grep -c '"name":"f"')" "$(state s1 | grep -c '"name":"f"')"
cmp -s <(state s0) <(state s1) || fail "small workspace: the PCH run stored something else"
for f in c d e; do if grep -q "w3/$f.c$" trace3; then fail "$f.c used a PCH: $(cat trace3)"; fi; done
eq "$(grep -c '^built ' trace3)" 1
# the first of a.c/b.c/f.c to be seen is parsed alone (the PCH is built at a
# key's second file; the process's first parse never uses one), the others
# with the PCH; h.h begins with #ifndef
used=$(grep -c '^used ' trace3 || true)
[ "$used" -ge 1 ] && [ "$used" -le 2 ] || fail "small workspace: $used files used the PCH: $(cat trace3)"
no_tmp_left
echo "ok"
