#!/usr/bin/env bash
# `lmkv index`'s memory does not grow with the workspace's sources: a full
# index of a generated workspace of N files of 256 KiB (mostly comment,
# two functions each) and of one of 2N such files; the peak RSS of the
# second (wait4's ru_maxrss of the process: no sampling, no timing) may
# exceed the first's by at most a quarter of the sources added. Before the
# pre-pass kept only packed symbols, it held every file's content (and
# arenas) until the analysis: the peak grew by ~1.16x the sources added.
# Under ThreadSanitizer (SAN=thread) each byte the process touches also
# costs shadow memory (TSan documents 5-10x overall); the RSS counts it,
# so there the limit is 5 quarters of the sources added: what the process
# itself is allowed times TSan's lower bound. The old behaviour would still
# be caught (~1.16x times 5). Plain and ASan builds keep a quarter.
# Both indexes must be complete (every file analysed, every symbol, call
# and reference there). Then LMDB's sources indexed twice into two
# databases give the same records (the analysis is a function of the bytes).
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
# ASan's quarantine keeps freed blocks (256 MiB by default): a freed file
# would still count; without it the allocator reuses them as glibc does
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=0" \
$PY - "$LMKV_BIN" "$LMKV_TEST_TMP" "${SAN:-}" <<'PY'
import json, os, subprocess, sys
lmkv, tmp, san = sys.argv[1], sys.argv[2], sys.argv[3]
SHADOW = 5 if san == "thread" else 1
N, SIZE = 40, 256 * 1024
LINE = " * lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n"

def gen(d, n):
    os.makedirs(d)
    total = 0
    for i in range(n):
        text = "/*\n" + LINE * (SIZE // len(LINE)) + " */\n" + \
            "static int helper_%d(int a) { int b = a * 3; return b + 1; }\n" % i + \
            "int entry_%d(int x) { int y = helper_%d(x); return y; }\n" % (i, i)
        with open(os.path.join(d, "f%04d.c" % i), "w") as f:
            f.write(text)
        total += len(text)
    return total

def index(d, n):
    out = os.path.join(tmp, os.path.basename(d) + ".json")
    env = dict(os.environ)
    db = d + ".db"
    with open(out, "w") as o:
        p = subprocess.Popen([lmkv, "index", "--json", "--no-git", "--db", db, d], stdout=o, env=env)
        _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit("FAIL: lmkv index %s: wait status %d" % (d, status))
    j = json.load(open(out))
    # every file analysed: 2 symbols, 1 call (entry -> helper) and 1 reference each
    got = (j["analysed"], j["failed"], j["symbols"], j["calls"], j["references"])
    if got != (n, 0, 2 * n, n, n):
        sys.exit("FAIL: %s: analysed/failed/symbols/calls/references %s, expected %s" % (d, got, (n, 0, 2 * n, n, n)))
    return ru.ru_maxrss * 1024

s1 = gen(os.path.join(tmp, "small"), N)
s2 = gen(os.path.join(tmp, "large"), 2 * N)
r1 = index(os.path.join(tmp, "small"), N)
r2 = index(os.path.join(tmp, "large"), 2 * N)
print("# sources %d -> %d bytes, peak RSS %d -> %d bytes" % (s1, s2, r1, r2))
if r2 - r1 > SHADOW * (s2 - s1) // 4:
    sys.exit("FAIL: peak RSS grew by %d bytes for %d bytes more sources (limit %d quarter(s))"
             % (r2 - r1, s2 - s1, SHADOW))
PY
SRC=${LMKV_SOURCES:?}/lmdb
[ -f "$SRC/mdb.c" ] || fail "LMDB sources missing at $SRC (run scripts/fetch-sources.sh)"
mkdir lmdb; cp -R "$SRC"/. lmdb/
# timestamps (*_ns) are the only fields that may differ
norm() { sed -E 's/"([a-z_]*_ns)":[0-9]+/"\1":T/g'; }
run 0 L index -q --no-git --db db-a lmdb
L dump --db db-a | norm > a.txt
run 0 L index -q --no-git --db db-b lmdb
L dump --db db-b | norm > b.txt
[ "$(wc -l < a.txt)" -gt 10000 ] || fail "LMDB's dump has only $(wc -l < a.txt) lines"
cmp a.txt b.txt || fail "two indexes of the same sources differ"
echo "ok"
