#!/usr/bin/env bash
# Every public declaration (LMKV_API in <module>/lmkv_<module>.h of the
# Makefile's MODULES) has a doc comment: the nearest non-blank line above
# the declaration ends a comment (*/ or //), or is the end of another
# LMKV_API declaration of the same group, which in turn is documented (one
# comment may introduce a run of declarations with no blank line between).
# The checker is first shown to catch an undocumented declaration.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
MODULES=$(sed -n 's/^MODULES *:= *//p' "$ROOT/Makefile")
[ -n "$MODULES" ] || fail "no MODULES in $ROOT/Makefile"

cat >check.py <<'PY'
import re, sys
bad = 0; total = 0
for path in sys.argv[1:]:
    lines = open(path, encoding='utf-8').read().split('\n')
    # documented state of the last declaration end seen, by line index
    doc_end = {}
    i = 0
    while i < len(lines):
        l = lines[i]
        if re.match(r'\s*LMKV_API\b', l) and not l.lstrip().startswith('#'):
            start = i
            j = i
            while ';' not in lines[j] and '{' not in lines[j]:
                j += 1
            k = start - 1
            while k >= 0 and lines[k].strip() == '':
                k -= 1
            prev = lines[k].rstrip() if k >= 0 else ''
            ok = prev.endswith('*/') or prev.lstrip().startswith('//') or \
                 (k in doc_end and doc_end[k] and k == start - 1)
            m = re.search(r'(lmkv_\w+)\s*\(', ' '.join(lines[start:j + 1]))
            name = m.group(1) if m else lines[start].strip()
            total += 1
            if not ok:
                bad += 1
                print('%s:%d: %s has no doc comment' % (path, start + 1, name))
            doc_end[j] = ok
            i = j + 1
            continue
        i += 1
print('checked %d LMKV_API declarations' % total, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

note "the checker catches an undocumented declaration"
cat >good.h <<'EOF2'
/* Opens. Returns LMKV_OK. */
LMKV_API int lmkv_a_open(int *out);
LMKV_API int lmkv_a_close(int x);

// Counts.
LMKV_API int lmkv_a_count(int *out,
                          int x);
EOF2
/usr/bin/python3 check.py good.h || fail "checker refused a documented header"
cat >bad.h <<'EOF2'
/* Opens. */
LMKV_API int lmkv_a_open(int *out);

LMKV_API int lmkv_a_close(int x);
EOF2
! /usr/bin/python3 check.py bad.h >bad.out || fail "checker missed lmkv_a_close"
grep -q 'bad.h:4: lmkv_a_close' bad.out || fail "checker output: $(cat bad.out)"

note "every public header"
hdrs=()
for m in $MODULES; do [ -f "$ROOT/$m/lmkv_$m.h" ] && hdrs+=("$ROOT/$m/lmkv_$m.h"); done
[ ${#hdrs[@]} -ge 8 ] || fail "found only ${#hdrs[@]} public headers"
/usr/bin/python3 check.py "${hdrs[@]}" >undoc.txt 2>count.txt || {
    cat undoc.txt >&2
    fail "$(wc -l <undoc.txt) public declarations without a doc comment"
}
cat count.txt
