#!/usr/bin/env bash
# analysis/'s libclang frontend against the C path it replaced (Universal
# Ctags + three GNU cflow passes per file, scraped; tools/lmkv/extract_c.c
# as of commit $OLD_COMMIT), in the same run on the same files: `lmkv index`
# of each tier with each binary, CPU (user+sys of the process and its
# children: wait4's rusage) per source line, wall time and peak RSS.
#
# Tiers (ANALYSIS_TIERS, default "lmdb sqlite libgit2 linux-lib"):
#   lmdb       $LMKV_SOURCES/lmdb (LMDB's liblmdb)
#   sqlite     $LMKV_SOURCES/sqlite (SQLite's amalgamation)
#   libgit2    npm nodegit@0.27.0's vendor/libgit2 (src/ and include/),
#              with a compile_commands.json (-Iinclude -Isrc -Igen -Ideps/*)
#              and gen/git2/sys/features.h, as a libgit2 build would write
#              them (the old path ignores both)
#   linux-DIR  a directory of the Linux kernel 6.1 (bench/ladder.sh's
#              linux-source-6.1 unpack), default lib
# The old binary is built from `git archive $OLD_COMMIT` into a temporary
# directory (needs universal-ctags and cflow, which lmkv no longer
# depends on: installed with apt-get here when missing, as root).
# Alternates old/new per tier, REPS (default 1) rounds, reports the median.
# Writes bench/results/analysis-DATE.md (machine and date in it).
#
# ANALYSIS_MODE=jobs: no old binary; the new one with `--jobs 1` against
# `--jobs ${ANALYSIS_JOBS:-2}` (analysis threads; storage stays in one
# thread), wall time and CPU per tier, the same tiers; writes
# bench/results/analysis-jobs-DATE.md. (Also checks the two databases hold
# the same symbols/calls/references counts.)
#
# ANALYSIS_MODE=pch: no old binary; the new one with LMKV_CLANG_PCH=0 (every
# C file parsed alone) against the default (shared precompiled headers of
# the files' first #include: analysis/clang.c), both `--jobs 1`, the tiers
# "lmdb sqlite libgit2" by default; CPU per line of each, in the same run;
# writes bench/results/analysis-DATE-pch.md. (Also checks the two runs
# stored the same symbols/calls/references counts; tests/t_analysis_pch.sh
# checks the records themselves.)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LMKV_BUILD:-${BUILD:-$ROOT/build}}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
NEW=${LMKV_BIN:-$BUILD/lmkv}
SRC=${LMKV_SOURCES:-$ROOT/build/sources}
OLD_COMMIT=${OLD_COMMIT:-8fd377a}
TIERS=${ANALYSIS_TIERS:-lmdb sqlite libgit2 linux-lib}
REPS=${REPS:-1}
OUT=${ANALYSIS_OUT:-$ROOT/bench/results/analysis-$(date -u +%Y-%m-%d).md}
MODE=${ANALYSIS_MODE:-old}
JOBS=${ANALYSIS_JOBS:-2}
[ "$MODE" = jobs ] && OUT=${ANALYSIS_OUT:-$ROOT/bench/results/analysis-jobs-$(date -u +%Y-%m-%d).md}
[ "$MODE" = pch ] && OUT=${ANALYSIS_OUT:-$ROOT/bench/results/analysis-$(date -u +%Y-%m-%d)-pch.md}
[ "$MODE" = pch ] && TIERS=${ANALYSIS_TIERS:-lmdb sqlite libgit2}
TMPW=$(mktemp -d "${TMPDIR:-/tmp}/analysis-bench.XXXXXX")
trap 'rm -rf "$TMPW"' EXIT
die() { echo "analysis_bench.sh: $*" >&2; exit 1; }
[ -x "$NEW" ] || die "$NEW not built (make)"

if [ "$MODE" = jobs ] || [ "$MODE" = pch ]; then
    OLD=$NEW
elif ! command -v ctags >/dev/null || ! command -v cflow >/dev/null; then
    [ "$(id -u)" = 0 ] || die "the old path needs universal-ctags and cflow: apt-get install universal-ctags cflow"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends universal-ctags cflow >&2 ||
        die "apt-get install universal-ctags cflow failed"
fi
OLDSRC=${OLD_LMKV_SRC:-$TMPW/old}
[ "$MODE" = jobs ] || [ "$MODE" = pch ] || OLD=$OLDSRC/build/lmkv
if [ "$MODE" = old ] && [ ! -x "$OLD" ]; then
    mkdir -p "$OLDSRC"
    git -C "$ROOT" archive "$OLD_COMMIT" | tar -x -C "$OLDSRC" || die "git archive $OLD_COMMIT failed"
    nice make -C "$OLDSRC" -j2 build/lmkv >/dev/null 2>"$TMPW/old-build.err" ||
        die "building the old lmkv failed: $(tail -n 3 "$TMPW/old-build.err")"
fi

prepare() { # tier dir
    local tier=$1 ws=$2
    mkdir -p "$ws"
    case "$tier" in
    lmdb) cp "$SRC"/lmdb/*.[ch] "$ws"/ ;;
    sqlite) cp "$SRC"/sqlite/*.[ch] "$ws"/ ;;
    libgit2)
        local tgz="$SRC/npm/nodegit-0.27.0.tgz"
        [ -s "$tgz" ] || (cd "$SRC/npm" && npm pack --silent nodegit@0.27.0 >/dev/null) || die "npm pack nodegit@0.27.0 failed"
        tar xzf "$tgz" -C "$TMPW" --wildcards 'package/vendor/libgit2/src/*' 'package/vendor/libgit2/include/*' 'package/vendor/libgit2/deps/*' ||
            die "unpacking nodegit failed"
        cp -R "$TMPW"/package/vendor/libgit2/{src,include,deps} "$ws"/
        rm -rf "$TMPW/package"
        # git2/sys/features.h, which libgit2's CMake writes from
        # src/features.h.in into the build tree (a Linux build's choices);
        # without it every file's first include is a fatal error and clang
        # indexes each file without libgit2's own headers
        mkdir -p "$ws/gen/git2/sys"
        sed -e 's/^#cmakedefine \(GIT_THREADS\|GIT_ARCH_64\|GIT_USE_NSEC\|GIT_USE_STAT_MTIM\|GIT_USE_FUTIMENS\|GIT_REGEX_BUILTIN\|GIT_SHA1_COLLISIONDETECT\) 1$/#define \1 1/' \
            -e '/^#cmakedefine/d' "$ws/src/features.h.in" > "$ws/gen/git2/sys/features.h" || die "writing features.h failed"
        (cd "$ws" && find src -name '*.[ch]' | sort | python3 -c '
import json, os, sys
ws = os.getcwd()
incs = ["-I" + os.path.join(ws, d) for d in ["include", "src", "gen"] + sorted("deps/" + x for x in os.listdir("deps"))]
json.dump([{"directory": ws, "file": os.path.join(ws, f.strip()),
            "arguments": ["cc", "-DGIT_THREADS", "-D_GNU_SOURCE", "-std=gnu99"] + incs + ["-c", f.strip()]}
           for f in sys.stdin if f.strip()], open("compile_commands.json", "w"))')
        # index src/ only (the workspace holds include/ and deps/ for the flags)
        echo src ;;
    linux-*)
        local d=${tier#linux-} k=$SRC/linux
        if [ ! -e "$k/$d" ]; then
            local tarball=/usr/src/linux-source-6.1.tar.xz
            if [ ! -f "$tarball" ]; then
                [ "$(id -u)" = 0 ] || die "linux-source-6.1 is not installed"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-source-6.1 >&2 || die "apt-get install linux-source-6.1 failed"
            fi
            mkdir -p "$k"
            tar -xJf "$tarball" -C "$k" --strip-components=1 "linux-source-6.1/$d" "linux-source-6.1/include" || die "unpacking $tarball failed"
        fi
        (cd "$k" && find "$d" -name '*.[ch]' -print0 | xargs -0 cp --parents -t "$ws") || die "copying the kernel's $d failed"
        echo "$d" ;;
    *) die "unknown tier $tier" ;;
    esac
}

# one `lmkv index` under wait4: "wall_ms cpu_ms maxrss_kib exit json"
measure() { # bin db ws path [jobs]
    python3 - "$@" <<'PY'
import json, os, subprocess, sys, time
b, db, ws, path = sys.argv[1:5]
jobs = ["--jobs", sys.argv[5]] if len(sys.argv) > 5 and sys.argv[5] else []
t0 = time.time()
p = subprocess.Popen([b, "--db", db, "index", "--no-git", "--json"] + jobs + ["--workspace", ws, os.path.join(ws, path)],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
out = p.stdout.read()
_, st, ru = os.wait4(p.pid, 0)
wall = (time.time() - t0) * 1000
# children's CPU (ctags/cflow of the old path) is in RUSAGE_CHILDREN of p,
# which wait4 on p does not give: the old lmkv waits for them, so they are
# accounted to it (ru is p's own plus its waited-for children)
cpu = (ru.ru_utime + ru.ru_stime) * 1000
try:
    j = json.loads(out)
except Exception:
    j = {}
print("%d %d %d %d %s" % (wall, cpu, ru.ru_maxrss, os.waitstatus_to_exitcode(st), json.dumps(j, separators=(",", ":"))))
PY
}

if [ "$MODE" = pch ]; then
{
echo "# analysis/ (libclang): shared precompiled headers, \`lmkv index\` per line with and without"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load $(cut -d' ' -f1-3 /proc/loadavg) at start (other jobs share the machine); lmkv $(git -C "$ROOT" rev-parse --short HEAD). \`--jobs 1\`; median of $REPS round(s), without (LMKV_CLANG_PCH=0) and with alternating; CPU = user+sys of the process."
echo
echo "| tier | files | lines | CPU without (s) | CPU with (s) | µs/line without | µs/line with | with/without | wall without (s) | wall with (s) | RSS without (MiB) | RSS with (MiB) | symbols / calls / refs (both) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$OUT.tmp"
elif [ "$MODE" = jobs ]; then
{
echo "# analysis/: \`lmkv index --jobs 1\` vs \`--jobs $JOBS\` (files analysed in parallel, stored by one thread)"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load $(cut -d' ' -f1-3 /proc/loadavg) at start (other jobs share the machine); lmkv $(git -C "$ROOT" rev-parse --short HEAD). Median of $REPS round(s), 1 and $JOBS alternating; wall = elapsed time of the process, CPU = its user+sys over all threads; speed-up = wall(1) / wall($JOBS)."
echo
echo "| tier | files | lines | wall 1 (s) | wall $JOBS (s) | speed-up | CPU 1 (s) | CPU $JOBS (s) | CPU/file 1 (ms) | CPU/file $JOBS (ms) | RSS 1 (MiB) | RSS $JOBS (MiB) | load (1 min) after the tier | symbols / calls / refs (both) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$OUT.tmp"
else
{
echo "# analysis/ (libclang) vs ctags+cflow: \`lmkv index\` per line"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load $(cut -d' ' -f1-3 /proc/loadavg) at start; new = $(git -C "$ROOT" rev-parse --short HEAD) ($("$NEW" --version 2>/dev/null | head -1)), old = $OLD_COMMIT (ctags $(ctags --version | head -1 | awk '{print $3}'), cflow $(cflow --version | head -1 | awk '{print $NF}')). CPU = user+sys of \`lmkv index\` and the processes it waited for; median of $REPS round(s), old and new alternating; one process, one core (the session analyses files in path order)."
echo
echo "| tier | files | lines | old CPU (s) | new CPU (s) | old µs/line | new µs/line | new/old | old wall (s) | new wall (s) | old RSS (MiB) | new RSS (MiB) | old symbols / calls / refs | new symbols / calls / refs | new: compiler errors (files) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$OUT.tmp"
fi

for tier in $TIERS; do
    ws=$TMPW/$tier
    path=$(prepare "$tier" "$ws") || exit 1
    path=${path:-.}
    files=$(cd "$ws/$path" && find . -name '*.[ch]' | wc -l)
    lines=$(cd "$ws/$path" && find . -name '*.[ch]' -print0 | xargs -0 cat | wc -l)
    : > "$TMPW/old.txt"; : > "$TMPW/new.txt"
    for r in $(seq "$REPS"); do
        for which in old new; do
            bin=$OLD; [ $which = new ] && bin=$NEW
            j=""; [ "$MODE" = jobs ] && { j=1; [ $which = new ] && j=$JOBS; }
            [ "$MODE" = pch ] && j=1
            pch=""; [ "$MODE" = pch ] && [ $which = old ] && pch=0
            rm -rf "$TMPW/db-$which"
            echo "analysis_bench.sh: $tier ($files files, $lines lines): $which${j:+ (--jobs $j)}${pch:+ (LMKV_CLANG_PCH=0)}, round $r" >&2
            if [ -n "$pch" ]; then
                LMKV_CLANG_PCH=0 measure "$bin" "$TMPW/db-$which" "$ws" "$path" $j >> "$TMPW/$which.txt"
            else
                measure "$bin" "$TMPW/db-$which" "$ws" "$path" $j >> "$TMPW/$which.txt"
            fi
        done
    done
    if [ "$MODE" = pch ]; then
        python3 - "$tier" "$files" "$lines" "$TMPW/old.txt" "$TMPW/new.txt" >> "$OUT.tmp" <<'PY'
import json, statistics, sys
tier, files, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(p):
    return [(int(w), int(c), int(rss), int(rc), json.loads(j))
            for w, c, rss, rc, j in (l.split(" ", 4) for l in open(p))]
o, n = load(sys.argv[4]), load(sys.argv[5])
def med(rows, i): return statistics.median(r[i] for r in rows)
def rec(j): return (j.get("symbols"), j.get("calls"), j.get("references"))
assert rec(o[-1][4]) == rec(n[-1][4]), ("the PCH changed the records", rec(o[-1][4]), rec(n[-1][4]))
oc, nc = med(o, 1), med(n, 1)
print("| %s | %d | %d | %.2f | %.2f | %.1f | %.1f | %.2f | %.2f | %.2f | %.0f | %.0f | %s / %s / %s |" % (
    tier, files, lines, oc / 1000, nc / 1000, oc * 1000 / lines, nc * 1000 / lines, nc / oc if oc else 0,
    med(o, 0) / 1000, med(n, 0) / 1000, med(o, 2) / 1024, med(n, 2) / 1024, *rec(n[-1][4])))
PY
        continue
    fi
    if [ "$MODE" = jobs ]; then
        python3 - "$tier" "$files" "$lines" "$TMPW/old.txt" "$TMPW/new.txt" >> "$OUT.tmp" <<'PY'
import json, statistics, sys
tier, files, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(p):
    return [(int(w), int(c), int(rss), int(rc), json.loads(j))
            for w, c, rss, rc, j in (l.split(" ", 4) for l in open(p))]
o, n = load(sys.argv[4]), load(sys.argv[5])
def med(rows, i): return statistics.median(r[i] for r in rows)
def rec(j): return (j.get("symbols"), j.get("calls"), j.get("references"))
assert rec(o[-1][4]) == rec(n[-1][4]), ("--jobs changed the records", rec(o[-1][4]), rec(n[-1][4]))
load = open("/proc/loadavg").read().split()[0]
print("| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %.0f | %.0f | %s | %s / %s / %s |" % (
    tier, files, lines, med(o, 0) / 1000, med(n, 0) / 1000, med(o, 0) / med(n, 0) if med(n, 0) else 0,
    med(o, 1) / 1000, med(n, 1) / 1000, med(o, 1) / files, med(n, 1) / files,
    med(o, 2) / 1024, med(n, 2) / 1024, load, *rec(n[-1][4])))
PY
        continue
    fi
    python3 - "$tier" "$files" "$lines" "$TMPW/old.txt" "$TMPW/new.txt" >> "$OUT.tmp" <<'PY'
import json, statistics, sys
tier, files, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(p):
    rows = []
    for l in open(p):
        w, c, rss, rc, j = l.split(" ", 4)
        rows.append((int(w), int(c), int(rss), int(rc), json.loads(j)))
    return rows
o, n = load(sys.argv[4]), load(sys.argv[5])
def med(rows, i): return statistics.median(r[i] for r in rows)
oc, nc = med(o, 1), med(n, 1)
oj, nj = o[-1][4], n[-1][4]
def rec(j): return "%s / %s / %s%s" % (j.get("symbols", "?"), j.get("calls", "?"), j.get("references", "?"),
                                       "" if not j.get("failed") else " (%d files failed)" % j["failed"])
d = nj.get("diagnostics", {})
print("| %s | %d | %d | %.2f | %.2f | %.1f | %.1f | %.2f | %.2f | %.2f | %.0f | %.0f | %s | %s | %s (%s) |" % (
    tier, files, lines, oc / 1000, nc / 1000, oc * 1000 / lines, nc * 1000 / lines, nc / oc if oc else 0,
    med(o, 0) / 1000, med(n, 0) / 1000, med(o, 2) / 1024, med(n, 2) / 1024, rec(oj), rec(nj),
    d.get("errors", "?"), d.get("files_with_errors", "?")))
PY
done
mv "$OUT.tmp" "$OUT"
cat "$OUT"
