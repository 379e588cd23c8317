#!/usr/bin/env bash
# Dependencies inside a module go one way (issue 19): for every module with
# a LAYERS file (its .c files, bottom first), each object of the module may
# call (nm: undefined symbol) only functions defined by objects listed
# before it. A file missing from LAYERS, or listed but absent, fails too.
# Checked on the built objects ($LMKV_BUILD/obj/MODULE/*.o), so what is
# counted is what the compiler emitted, macros and inline functions included.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
OBJ="$LMKV_BUILD/obj"
checked=0
for layers in "$LMKV_ROOT"/*/LAYERS; do
    mod=$(basename "$(dirname "$layers")")
    mapfile -t order < <(grep -v '^\s*#' "$layers" | grep -v '^\s*$')
    [ ${#order[@]} -gt 0 ] || fail "$layers lists no file"
    # every .c of the module is listed, every listed file exists
    for c in "$LMKV_ROOT/$mod"/*.c; do
        b=$(basename "$c" .c)
        printf '%s\n' "${order[@]}" | grep -qx "$b" || fail "$mod/$b.c is not in $mod/LAYERS"
    done
    declare -A rank=() def=()
    for i in "${!order[@]}"; do
        f=${order[$i]}
        [ -f "$LMKV_ROOT/$mod/$f.c" ] || fail "$mod/LAYERS lists $f, which has no $mod/$f.c"
        [ -f "$OBJ/$mod/$f.o" ] || fail "$OBJ/$mod/$f.o missing (build first)"
        rank[$f]=$i
        while read -r sym; do def[$sym]=$f; done < <(nm --defined-only "$OBJ/$mod/$f.o" | awk '$2 ~ /^[TDBR]$/ {print $3}')
    done
    bad=0
    for f in "${order[@]}"; do
        while read -r sym; do
            d=${def[$sym]:-}
            [ -n "$d" ] && [ "$d" != "$f" ] || continue
            if [ "${rank[$d]}" -gt "${rank[$f]}" ]; then
                echo "FAIL: $mod/$f.c calls $sym, defined in $mod/$d.c above it in $mod/LAYERS" >&2
                bad=1
            fi
        done < <(nm --undefined-only "$OBJ/$mod/$f.o" | awk '{print $2}')
    done
    [ $bad = 0 ] || exit 1
    note "$mod: ${#order[@]} files, calls go one way"
    checked=$((checked + 1))
    unset rank def
done
[ $checked -gt 0 ] || fail "no module has a LAYERS file"
echo ok
