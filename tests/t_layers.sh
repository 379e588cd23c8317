#!/usr/bin/env bash
# Dependencies inside a module are one-way (issue 19): for every module
# with a LAYERS file (kv/LAYERS, schema/LAYERS: its files, lowest first),
# each object of the module uses (nm: undefined symbols) only symbols
# defined by objects of files listed before it, and every MODULE/*.c is
# listed exactly once. The checker is first shown to catch a call up the
# order in two objects built here.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${LMKV_BUILD:-$ROOT/build}
NM=${NM:-nm}

# layers LAYERSFILE: the file names, in order
layers() { sed 's/#.*//' "$1" | awk 'NF { print $1 }'; }

# check LAYERSFILE OBJDIR: prints "FILE calls SYMBOL of LATER" per call up
# the order (OBJDIR/FILE.o for every listed FILE).
check() {
    local order=$1 dir=$2
    layers "$order" | awk '{ print NR, $1 }' >rank.txt
    : >defs.txt
    while read -r r f; do
        [ -f "$dir/$f.o" ] || { echo "$f: no object $dir/$f.o"; continue; }
        "$NM" -g --defined-only "$dir/$f.o" | awk -v r="$r" -v f="$f" 'NF >= 3 { print $NF, r, f }' >>defs.txt
    done <rank.txt
    while read -r r f; do
        [ -f "$dir/$f.o" ] || continue
        "$NM" -u "$dir/$f.o" | awk '{ print $NF }' | sort -u |
            awk -v r="$r" -v f="$f" 'NR == FNR { rank[$1] = $2; file[$1] = $3; next }
                ($1 in rank) && rank[$1] > r { print f " calls " $1 " of " file[$1] " (listed after it)" }' defs.txt -
    done <rank.txt
}

note "the checker catches a call up the order"
mkdir -p fake
cat >fake/low.c <<'EOF2'
int high_fn(void);
int low_fn(void) { return high_fn(); }
EOF2
cat >fake/high.c <<'EOF2'
int low_fn(void);
int high_fn(void) { return 1; }
int high_user(void) { return low_fn(); }
EOF2
cc -c fake/low.c -o fake/low.o && cc -c fake/high.c -o fake/high.o
printf 'low   # bottom\nhigh  # top\n' >fake/LAYERS
check fake/LAYERS fake >fake.out
grep -q '^low calls high_fn of high' fake.out || fail "checker missed low -> high: $(cat fake.out)"
[ "$(wc -l <fake.out)" -eq 1 ] || fail "checker flagged a call down the order: $(cat fake.out)"

modules=0
for lf in "$ROOT"/*/LAYERS; do
    m=$(basename "$(dirname "$lf")")
    OBJ=$BUILD/obj/$m
    note "every $m/*.c is in $m/LAYERS once, and every listed file exists"
    layers "$lf" | sort >listed.txt
    (cd "$ROOT/$m" && ls -- *.c | sed 's/\.c$//' | sort) >files.txt
    dup=$(uniq -d listed.txt)
    [ -z "$dup" ] || fail "listed more than once in $m/LAYERS: $dup"
    diff files.txt listed.txt >diff.txt ||
        fail "$m/LAYERS and $m/*.c differ (< not listed, > no such file): $(cat diff.txt)"

    note "$m/'s objects call only down $m/LAYERS"
    [ -d "$OBJ" ] || fail "no $OBJ (make lib)"
    check "$lf" "$OBJ" >up.txt
    [ ! -s up.txt ] || fail "$m/ calls up its layers ($m/LAYERS):
$(cat up.txt)"
    echo "ok: $m: $(wc -l <listed.txt) files, $(sort -u defs.txt | wc -l) symbols, no call up the order"
    modules=$((modules + 1))
done
[ "$modules" -ge 2 ] || fail "only $modules module(s) have a LAYERS file (kv and schema should)"
