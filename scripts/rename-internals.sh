#!/usr/bin/env bash
# scripts/rename-internals.sh [ROOT] -- give every internal global of
# liblmkv the module prefix rule of docs/DESIGN.md ("Names"):
# lmkv_<module>__<name>. (Also kept as /work/notes/i19s-rename.sh.)
#
# Computes the list from nm, so it can be run again on the merged tree after
# every branch has landed (idempotent: a second run finds nothing to rename):
#   1. builds the library objects (make -j$JOBS lib) in ROOT (default: the
#      git top level of the current directory);
#   2. for each module m of the Makefile's MODULES and each object
#      $BUILD/obj/m/*.o, takes the defined external symbols (nm -g
#      --defined-only) that are neither declared LMKV_API in a public header
#      (*/lmkv_*.h) nor already lmkv_m__*;
#   3. new name: lmkv_m__ + the old name without a leading "lmkv_", then
#      without a leading "m_" or the module's abbreviation ("mig_" for
#      migrate): kv_catalog_names -> lmkv_kv__catalog_names, kb_init ->
#      lmkv_schema__kb_init, mig_crc32 -> lmkv_migrate__crc32, lmkv_fb_build
#      -> lmkv_schema__fb_build, vext -> lmkv_versioning__vext;
#   4. refuses (exit 1, nothing changed) when one old name is defined by two
#      modules, when two old names map to one new name, or when a new name
#      is already an identifier of a tracked *.c / *.h file;
#   5. rewrites every tracked *.c *.h *.md *.sh *.py file -- except
#      bench/results/ (measurements of their day), this script and
#      tests/t_symbols.sh (whose synthetic offenders must stay offenders) --
#      with word-boundary sed (\<old\> -> new);
#   6. rebuilds the library, the tools and the tests (make -j$JOBS all tests
#      fuzz-replay) and checks that every defined external symbol of the
#      library's objects now starts with lmkv_; if a public header changed
#      it says to run bindings/rust/lmkv-sys/scripts/regen.sh.
# Prints the mapping (old new module) to stdout, a summary to stderr.
# Environment: BUILD (default build, as the Makefile's), JOBS (default 2),
# NM (default nm), DRY_RUN=1 (print the mapping, change nothing).
set -euo pipefail
ROOT=${1:-$(git rev-parse --show-toplevel)}
cd "$ROOT"
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
NM=${NM:-nm}
SELF=scripts/rename-internals.sh
[ -f Makefile ] && [ -d kv ] || { echo "rename-internals.sh: $ROOT is not an lmkv tree" >&2; exit 1; }

make -s -j"$JOBS" BUILD="$BUILD" lib >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

MODULES=$(sed -n 's/^MODULES *:= *//p' Makefile)
[ -n "$MODULES" ] || { echo "rename-internals.sh: no MODULES in Makefile" >&2; exit 1; }
# Public names: every identifier declared LMKV_API in a public header
# (functions, and variables: none today).
cat */lmkv_*.h | tr '\n' ' ' | grep -o 'LMKV_API[^;{]*' |
    grep -o 'lmkv_[A-Za-z0-9_]*[[:space:]]*[(;]' | tr -d ' (;' | sort -u >"$tmp/api"
[ -s "$tmp/api" ] || { echo "rename-internals.sh: no LMKV_API declarations found" >&2; exit 1; }

abbrev() { case $1 in migrate) echo mig ;; *) echo "$1" ;; esac; }

: >"$tmp/map"
for m in $MODULES; do
    a=$(abbrev "$m")
    for o in "$BUILD"/obj/"$m"/*.o; do
        [ -f "$o" ] || continue
        "$NM" -g --defined-only "$o" | awk 'NF == 3 { print $3 }'
    done | sort -u | while read -r s; do
        grep -qxF "$s" "$tmp/api" && continue
        case $s in lmkv_"$m"__?*) continue ;; esac
        n=${s#lmkv_}
        case $n in "$m"_*) n=${n#"$m"_} ;; "$a"_*) n=${n#"$a"_} ;; esac
        echo "$s lmkv_${m}__$n $m"
    done >>"$tmp/map"
done
sort -o "$tmp/map" "$tmp/map"
cat "$tmp/map"
count=$(wc -l <"$tmp/map")
if [ "$count" -eq 0 ]; then
    echo "rename-internals.sh: every internal symbol already follows the rule" >&2
    exit 0
fi

# Refusals before any change.
dups=$(awk '{print $1}' "$tmp/map" | uniq -d)
[ -z "$dups" ] || { echo "rename-internals.sh: defined by two modules: $dups" >&2; exit 1; }
dups=$(awk '{print $2}' "$tmp/map" | sort | uniq -d)
[ -z "$dups" ] || { echo "rename-internals.sh: two symbols would become: $dups" >&2; exit 1; }
awk '{print $2}' "$tmp/map" >"$tmp/new"
mapfile -t CODE < <(git ls-files -- '*.c' '*.h')
used=$(grep -ohwF -f "$tmp/new" -- "${CODE[@]}" | sort -u || true)
[ -z "$used" ] || { echo "rename-internals.sh: already identifiers in the tree: $used" >&2; exit 1; }
[ "${DRY_RUN:-0}" = 1 ] && { echo "rename-internals.sh: DRY_RUN: $count symbols would be renamed" >&2; exit 0; }

mapfile -t FILES < <(git ls-files -- '*.c' '*.h' '*.md' '*.sh' '*.py' |
                     grep -v -e '^bench/results/' -e "^$SELF\$" -e '^tests/t_symbols\.sh$')
awk '{ printf "s/\\<%s\\>/%s/g\n", $1, $2 }' "$tmp/map" >"$tmp/sed"
awk '{ print $1 }' "$tmp/map" >"$tmp/old"
mapfile -t HIT < <(grep -lwF -f "$tmp/old" -- "${FILES[@]}" || true)
[ ${#HIT[@]} -eq 0 ] || sed -i -f "$tmp/sed" -- "${HIT[@]}"
echo "rename-internals.sh: renamed $count symbols in ${#HIT[@]} files" >&2

make -s -j"$JOBS" BUILD="$BUILD" all tests fuzz-replay >/dev/null
left=$(for m in $MODULES; do for o in "$BUILD"/obj/"$m"/*.o; do [ -f "$o" ] && "$NM" -g --defined-only "$o"; done; done |
       awk 'NF == 3 { print $3 }' | grep -v '^lmkv_' || true)
[ -z "$left" ] || { echo "rename-internals.sh: still without the prefix: $left" >&2; exit 1; }
if printf '%s\n' "${HIT[@]}" | grep -q '^[a-z]*/lmkv_[a-z]*\.h$'; then
    echo "rename-internals.sh: a public header changed: run bindings/rust/lmkv-sys/scripts/regen.sh" >&2
fi
