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
# and reference there). Checked twice: with the pre-pass's packed symbols
# kept (default budget) and with none kept (LMKV_INDEX_KEEP_MIB=0: ctags
# runs again in the analysis, on the bytes the session read). Then LMDB's
# sources (24 files: more than the edit path's 16) indexed both ways give
# the same records, and a bad LMKV_INDEX_KEEP_MIB is refused.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
command -v ctags >/dev/null && command -v cflow >/dev/null || fail "ctags or cflow missing (scripts/deps.sh installs them)"
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

def index(d, n, keep):
    out = os.path.join(tmp, os.path.basename(d) + ".json")
    env = dict(os.environ)
    env.pop("LMKV_INDEX_KEEP_MIB", None)
    if keep is not None: env["LMKV_INDEX_KEEP_MIB"] = keep
    db = d + ".db" + (keep or "")
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
for keep in (None, "0"):
    r1 = index(os.path.join(tmp, "small"), N, keep)
    r2 = index(os.path.join(tmp, "large"), 2 * N, keep)
    print("# keep %s MiB: sources %d -> %d bytes, peak RSS %d -> %d bytes" % (keep or "default", s1, s2, r1, r2))
    if r2 - r1 > SHADOW * (s2 - s1) // 4:
        sys.exit("FAIL: keep %s: peak RSS grew by %d bytes for %d bytes more sources (limit %d quarter(s))"
                 % (keep, r2 - r1, s2 - s1, SHADOW))
PY
SRC=${LMKV_SOURCES:?}/lmdb
[ -f "$SRC/mdb.c" ] || fail "LMDB sources missing at $SRC (run scripts/fetch-sources.sh)"
mkdir lmdb; cp -R "$SRC"/. lmdb/
NF=$(find lmdb -name '*.[ch]' | wc -l)
[ "$NF" -gt 16 ] || fail "LMDB has $NF sources, the test needs more than 16"
# timestamps (*_ns) are the only fields that may differ
norm() { sed -E 's/"([a-z_]*_ns)":[0-9]+/"\1":T/g'; }
run 0 L index -q --no-git --db db-keep lmdb
L dump --db db-keep | norm > keep.txt
LMKV_INDEX_KEEP_MIB=0 run 0 L index -q --no-git --db db-nokeep lmdb
L dump --db db-nokeep | norm > nokeep.txt
[ "$(wc -l < keep.txt)" -gt 10000 ] || fail "LMDB's dump has only $(wc -l < keep.txt) lines"
cmp keep.txt nokeep.txt || fail "records differ with and without the pre-pass's kept symbols"
LMKV_INDEX_KEEP_MIB=lots run 2 L index -q --no-git --db db-bad lmdb
one_line_err
contains "$ERR" "LMKV_INDEX_KEEP_MIB=lots"
[ ! -e db-bad ] || fail "a refused LMKV_INDEX_KEEP_MIB still created the database"
echo "ok"
