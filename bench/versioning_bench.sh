#!/usr/bin/env bash
# End-to-end companion of versioning_bench.c: `lmkv index` with the real C
# extractor (Universal Ctags + GNU cflow) on a git repository made from
# LMDB's sources with two branches. Times (the "ms" of lmkv index --json,
# which covers open, git status, analysis and storage) for a full index into
# a fresh database, a re-index after editing one file, a branch switch
# between two indexed branches and a warm run; ratios against the full index
# measured in the same run. Markdown on stdout. BENCH_QUICK=1: fewer runs.
set -euo pipefail
LMKV_BIN=${LMKV_BIN:?} SRC=${LMKV_SOURCES:?}/lmdb
command -v ctags >/dev/null && command -v cflow >/dev/null || { echo "ctags/cflow missing: skipped"; exit 0; }
W=$(mktemp -d "${LMKV_BENCH_TMP:-/tmp}/vidx.XXXXXX")
trap 'rm -rf "$W"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@lmkv.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@lmkv.invalid
export GIT_CONFIG_NOSYSTEM=1 HOME="$W"
REPS=5; [ -n "${BENCH_QUICK:-}" ] && REPS=3
R="$W/repo"; mkdir -p "$R"; cp "$SRC"/*.c "$SRC"/*.h "$R"/
git -C "$R" init -q -b main; git -C "$R" add .; git -C "$R" commit -q -m c0
git -C "$R" checkout -q -b feature
printf '\nint\nbench_feature(void)\n{\n\treturn 0;\n}\n' >> "$R/mdb_stat.c"
printf '\nint\nbench_feature2(void)\n{\n\treturn 0;\n}\n' >> "$R/midl.c"
git -C "$R" commit -q -am feature
git -C "$R" checkout -q main

ms() { # DB -> prints "ms analysed"
    "$LMKV_BIN" --db "$1" index --workspace "$R" --json |
        /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["ms"], j["analysed"])'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

full=(); for i in $(seq $REPS); do full+=("$(ms "$W/full$i" | cut -d' ' -f1)"); done
FULL=$(printf '%s\n' "${full[@]}" | median)
NFILES=$(ms "$W/count" | cut -d' ' -f2)

DB="$W/inc"; ms "$DB" >/dev/null
git -C "$R" checkout -q feature; ms "$DB" >/dev/null; git -C "$R" checkout -q main; ms "$DB" >/dev/null

edit() { # FILE -> median ms of re-index after appending a function
    local f=$1 t=()
    for i in $(seq $REPS); do
        printf '\nint\nbench_edit_%s(void)\n{\n\treturn mdb_env_create(0);\n}\n' "$i" >> "$R/$f"
        t+=("$(ms "$DB" | cut -d' ' -f1)")
    done
    git -C "$R" checkout -q -- "$f"; ms "$DB" >/dev/null
    printf '%s\n' "${t[@]}" | median
}
EDIT_MDB=$(edit mdb.c); EDIT_MIDL=$(edit midl.c)
sw=(); an=0
for i in $(seq $REPS); do
    if [ $((i % 2)) = 1 ]; then git -C "$R" checkout -q feature; else git -C "$R" checkout -q main; fi
    read -r t a < <(ms "$DB"); sw+=("$t"); an=$((an + a))
done
git -C "$R" checkout -q main; ms "$DB" >/dev/null
SW=$(printf '%s\n' "${sw[@]}" | median)
wm=(); for i in $(seq $REPS); do wm+=("$(ms "$DB" | cut -d' ' -f1)"); done
WARM=$(printf '%s\n' "${wm[@]}" | median)

ratio() { awk -v a="$1" -v b="$FULL" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo "lmkv index (ctags + cflow) on LMDB's sources ($NFILES C files), medians of $REPS runs, times from lmkv index --json (ms, whole command)."
echo
echo "| operation | ms | vs full index |"
echo "|---|---:|---:|"
echo "| full index, fresh database | $FULL | 1.000 |"
echo "| edit mdb.c, re-index | $EDIT_MDB | $(ratio "$EDIT_MDB") |"
echo "| edit midl.c, re-index | $EDIT_MIDL | $(ratio "$EDIT_MIDL") |"
echo "| switch main <-> feature ($an files analysed in $REPS switches) | $SW | $(ratio "$SW") |"
echo "| warm run | $WARM | $(ratio "$WARM") |"
