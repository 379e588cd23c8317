#!/usr/bin/env bash
# The names rule of docs/DESIGN.md ("Names"), checked on the built library:
# - every external symbol liblmkv.a defines is either public (a name
#   declared LMKV_API in a public header */lmkv_*.h) or internal,
#   lmkv_<module>__<name>, with <module> the folder whose object defines it
#   ($LMKV_BUILD/obj/<module>/...; the tree-sitter grammars are analysis's);
# - liblmkv.so exports public names only, and every public name.
# The checker is first shown to catch offenders in an archive built here
# from a C file with a bare name, a public-looking undeclared one and an
# internal one in the wrong module.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${LMKV_BUILD:-$ROOT/build}
NM=${NM:-nm}
[ -f "$BUILD/liblmkv.a" ] || fail "no $BUILD/liblmkv.a (make lib)"
MODULES=$(sed -n 's/^MODULES *:= *//p' "$ROOT/Makefile")
[ -n "$MODULES" ] || fail "no MODULES in $ROOT/Makefile"

# Public names: identifiers declared LMKV_API (functions and variables).
cat "$ROOT"/*/lmkv_*.h | tr '\n' ' ' | grep -o 'LMKV_API[^;{]*' |
    grep -o 'lmkv_[A-Za-z0-9_]*[[:space:]]*[(;]' | tr -d ' (;' | sort -u >api.txt
[ "$(wc -l <api.txt)" -gt 100 ] || fail "found only $(wc -l <api.txt) LMKV_API names"

# check MODULE OBJECT...: prints "OBJECT: SYMBOL" for each defined external
# symbol of the objects that is neither public nor lmkv_MODULE__*.
check() {
    local m=$1; shift
    "$NM" -A -g --defined-only "$@" | awk 'NF >= 3 { print $1, $NF }' |
        while read -r where sym; do
            case $sym in lmkv_"$m"__?*) continue ;; esac
            # ASan's one-definition-rule markers for our own globals (SAN=1)
            case $sym in __odr_asan.lmkv_*) continue ;; esac
            grep -qxF "$sym" api.txt && continue
            echo "$where $sym"
        done
}

note "the checker catches a bare, an undeclared and a misplaced name"
cat >bad.c <<'EOF'
int kb_init(void) { return 0; }
int lmkv_fb_build(void) { return 1; }
int lmkv_kv__catalog_names(void) { return 2; }
int lmkv_schema__ok(void) { return 3; }
static int hidden(void) { return 4; }
int lmkv_errmsg_used(void) { return hidden(); }
EOF
cc -c bad.c -o bad.o
check schema bad.o >bad.out
for s in kb_init lmkv_fb_build lmkv_kv__catalog_names lmkv_errmsg_used; do
    grep -q " $s\$" bad.out || fail "checker missed $s: $(cat bad.out)"
done
! grep -q 'lmkv_schema__ok\|hidden' bad.out || fail "checker flagged a good name: $(cat bad.out)"

note "LMKV_API on public declarations only, never on a definition (DESIGN.md)"
( cd "$ROOT" && grep -n 'LMKV_API' -- */*.c 2>/dev/null ) >api_in_c.txt || true
[ ! -s api_in_c.txt ] || fail "LMKV_API on definitions (declare it in the header only): $(head -5 api_in_c.txt)"

note "kv/kv_array_int.h: included by library modules and its unit test only"
( cd "$ROOT" && git ls-files -- '*.c' '*.h' '*.rs' | xargs grep -l '#include[[:space:]]*"kv_array_int\.h"' ) >inc.txt || true
grep -q '^kv/array\.c$' inc.txt || fail "kv/array.c does not include kv_array_int.h: $(tr '\n' ' ' <inc.txt)"
: >bad_inc.txt
while read -r f; do
    case $f in tests/test_kv_array.c) continue ;; esac
    top=${f%%/*}
    [[ "$f" == */* ]] && [[ " $MODULES " == *" $top "* ]] && [[ "$f" != "$top"/*/* ]] || echo "$f" >>bad_inc.txt
done <inc.txt
[ ! -s bad_inc.txt ] || fail "kv_array_int.h included outside the library: $(tr '\n' ' ' <bad_inc.txt)"

note "liblmkv.a: every object's externals are public or its module's internals"
: >offenders.txt
for m in $MODULES; do
    objs=$(find "$BUILD/obj/$m" -maxdepth 1 -name '*.o' 2>/dev/null)
    [ -n "$objs" ] || fail "no objects for module $m in $BUILD/obj/$m"
    # shellcheck disable=SC2086
    check "$m" $objs >>offenders.txt
done
# the grammars' objects, shared by every build (Makefile GRAMMAR_OBJDIR)
gobjs=$(find "$ROOT/build/obj-grammars" -name '*.o' 2>/dev/null || true)
[ -n "$gobjs" ] || fail "no grammar objects in $ROOT/build/obj-grammars"
# shellcheck disable=SC2086
check analysis $gobjs >>offenders.txt
if [ -s offenders.txt ]; then
    echo "symbols outside the lmkv_<module>__ / LMKV_API rule (docs/DESIGN.md Names):" >&2
    sed 's/^/  /' offenders.txt >&2
    fail "$(wc -l <offenders.txt) symbols break the names rule"
fi
# The archive itself holds exactly those objects' symbols: nothing else.
"$NM" -g --defined-only "$BUILD/liblmkv.a" | awk 'NF == 3 { print $3 }' | sort -u >archive.txt
grep -v '^lmkv_' archive.txt | grep -v '^__odr_asan\.lmkv_' >bare.txt || true
[ ! -s bare.txt ] || fail "liblmkv.a defines names without lmkv_: $(tr '\n' ' ' <bare.txt)"
grep '^lmkv_' archive.txt | grep -v '^lmkv_[a-z]*__' | grep -vxF -f api.txt >undeclared.txt || true
[ ! -s undeclared.txt ] || fail "liblmkv.a defines lmkv_ names no header declares LMKV_API: $(tr '\n' ' ' <undeclared.txt)"

note "liblmkv.so exports the public names, all of them, and nothing else"
"$NM" -D --defined-only "$BUILD/liblmkv.so" | awk 'NF == 3 { print $3 }' | sort -u >exported.txt
comm -23 exported.txt api.txt >extra.txt
[ ! -s extra.txt ] || fail "liblmkv.so exports names no header declares LMKV_API: $(tr '\n' ' ' <extra.txt)"
comm -13 exported.txt api.txt >missing.txt
[ ! -s missing.txt ] || fail "LMKV_API names liblmkv.so does not export: $(tr '\n' ' ' <missing.txt)"
echo "t_symbols: $(wc -l <archive.txt) external names in liblmkv.a, $(wc -l <exported.txt) exported, all by the rule"
