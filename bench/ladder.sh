#!/usr/bin/env bash
# The scale ladder: the same measurements on real C code bases of growing
# size, lmkv against SQLite (the seed schema) in the same run, on the same
# records. Called by bench/run.sh (`make bench`) and `make bench-large`.
#
# Tiers (LADDER_TIERS, space separated, default "lmdb sqlite"):
#   lmdb          LMDB's liblmdb sources ($LMKV_SOURCES/lmdb, ~20K lines)
#   sqlite        SQLite's amalgamation ($LMKV_SOURCES/sqlite, ~285K lines)
#   linux-DIR     a directory of the Linux kernel (e.g. linux-lib, linux-fs)
#   linux         the whole Linux kernel 6.1 (tens of millions of lines;
#                 `make bench-large` only)
# The kernel comes from Debian's linux-source-6.1 (installed with apt-get
# when missing) unpacked into $LMKV_SOURCES/linux (only the directories a
# run needs, unless the whole tree is asked for).
#
# Per tier: `lmkv index` (wall time, peak RSS of the process, records,
# data.mdb bytes), the extraction tools alone (ctags + cflow run over the
# same files as lmkv runs them), then build/bench/ladder (bench/ladder.c):
# storage alone for lmkv and SQLite, queries (p50/p99), update latency.
# Finally the end-to-end CLI update (`lmkv index FILE` after an edit).
# Prints markdown; writes bench/results/ladder.tsv (all raw numbers) and
# calls bench/plot.sh for the PNG plots.
# BENCH_QUICK=1: fewer samples and repetitions.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LMKV_BUILD:-${BUILD:-$ROOT/build}}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
LMKV=${LMKV_BIN:-$BUILD/lmkv}
LADDER=$BUILD/bench/ladder
SRC=${LMKV_SOURCES:-$ROOT/build/sources}
OUT=${LADDER_OUT:-$ROOT/bench/results}
TIERS=${LADDER_TIERS:-lmdb sqlite}
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 0 ] && QUICK=
TMPW=$(mktemp -d "${LMKV_BENCH_TMP:-${TMPDIR:-/tmp}}/ladder.XXXXXX")
trap 'rm -rf "$TMPW"' EXIT
mkdir -p "$OUT"

die() { echo "ladder.sh: $*" >&2; exit 1; }
[ -x "$LMKV" ] || die "$LMKV not built (make build/lmkv)"
[ -x "$LADDER" ] || die "$LADDER not built (make benches)"
# the old extraction path (ctags + cflow, before analysis/'s libclang) is
# measured alone when both tools are installed (no longer dependencies);
# bench/analysis_bench.sh compares the two analysers in one run
OLD_TOOLS=0
command -v ctags >/dev/null && command -v cflow >/dev/null && OLD_TOOLS=1

# -------------------------------------------------------------- sources
linux_tree() { # DIR... -> prints the kernel root holding those directories
    local dest="$SRC/linux" want=("$@") missing=()
    # the whole tree counts as there only after a complete unpack (marker)
    for d in "${want[@]}"; do
        if [ "$d" = . ]; then [ -e "$dest/.lmkv-complete" ] || missing+=(.)
        else [ -e "$dest/$d" ] || [ -e "$dest/.lmkv-complete" ] || missing+=("$d"); fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        local tarball=/usr/src/linux-source-6.1.tar.xz
        if [ ! -f "$tarball" ]; then
            echo "ladder.sh: installing linux-source-6.1 (Debian) for the kernel tier" >&2
            if [ "$(id -u)" = 0 ]; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends linux-source-6.1 >&2 ||
                    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends linux-source-6.1 >&2; } ||
                    die "apt-get install linux-source-6.1 failed"
            else
                die "linux-source-6.1 is not installed: sudo apt-get install linux-source-6.1"
            fi
        fi
        mkdir -p "$dest"
        local members=()
        if [ "${want[0]}" = . ]; then members=(linux-source-6.1); else
            for d in "${missing[@]}"; do members+=("linux-source-6.1/$d"); done
        fi
        echo "ladder.sh: unpacking ${members[*]} into $dest" >&2
        tar -xJf "$tarball" -C "$dest" --strip-components=1 "${members[@]}" || die "unpacking $tarball failed"
        [ "${want[0]}" = . ] && touch "$dest/.lmkv-complete"
    fi
    echo "$dest"
}

prepare() { # tier ws -> copies the tier's C sources into ws, prints the edit files
    local tier=$1 ws=$2
    mkdir -p "$ws"
    case "$tier" in
    lmdb)
        [ -f "$SRC/lmdb/mdb.c" ] || die "$SRC/lmdb missing (scripts/fetch-sources.sh)"
        cp "$SRC"/lmdb/*.[ch] "$ws"/
        echo "midl.c mdb.c" ;;
    sqlite)
        [ -f "$SRC/sqlite/sqlite3.c" ] || die "$SRC/sqlite missing (scripts/fetch-sources.sh)"
        cp "$SRC"/sqlite/*.[ch] "$ws"/
        echo "sqlite3ext.h sqlite3.c" ;;
    linux)
        local k; k=$(linux_tree .) || exit 1
        (cd "$k" && find . -name '*.[ch]' -print0 | xargs -0 cp --parents -t "$ws") || die "copying the kernel failed"
        echo "lib/list_sort.c kernel/fork.c" ;;
    linux-*)
        local d=${tier#linux-} k; k=$(linux_tree "$d") || exit 1
        (cd "$k" && find "$d" -name '*.[ch]' -print0 | xargs -0 cp --parents -t "$ws") || die "copying the kernel's $d failed"
        # a small file and a large one of that directory
        (cd "$ws" && find "$d" -name '*.c' -size +2k -printf '%s %p\n' | sort -n | awk 'NR==1{s=$2} {l=$2} END{print s, l}') ;;
    *) die "unknown tier $tier" ;;
    esac
}

pct() { # p (0..1) < numbers -> percentile (nearest rank, as ladder.c)
    sort -g | awk -v p="$1" '{v[NR]=$1} END{ if (NR==0) {print "0"; exit}
        i=int(p*(NR-1)+0.5)+1; if (i>NR) i=NR; print v[i] }'
}
jnum() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$2"; }

TSV="$TMPW/ladder.tsv"
: > "$TSV"
put() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$TSV"; }

run_tier() {
    local tier=$1 T ws db
    T="$TMPW/$tier"
    ws="$T/ws"; db="$T/db"
    mkdir -p "$T"
    local t_start=$SECONDS
    echo "ladder.sh: tier $tier" >&2
    local edits; edits=$(prepare "$tier" "$ws") || return 1
    local nfiles lines bytes
    nfiles=$(cd "$ws" && find . -name '*.[ch]' | wc -l)
    lines=$(cd "$ws" && find . -name '*.[ch]' -print0 | xargs -0 cat | wc -l)
    bytes=$(cd "$ws" && find . -name '*.[ch]' -print0 | xargs -0 cat | wc -c)
    put "$tier" src_files "$nfiles"; put "$tier" lines "$lines"; put "$tier" src_bytes "$bytes"

    # extraction tools alone: exactly the three runs lmkv makes per file
    (cd "$ws" && find . -name '*.[ch]' | sed 's|^\./||' | sort) > "$T/files.txt"
    cat > "$T/extract.sh" <<'EOF'
cd "$1" || exit 1
while IFS= read -r f; do
    ctags --output-format=json --languages=C --langmap=C:.c.h --fields=+neKSlzZf-P \
        --fields-C=+{properties} --kinds-C=+pxlz -o - "$f" > /dev/null 2>&1
    cflow --format=posix --omit-arguments -A -A -i _s "$f" > /dev/null 2>&1
    cflow -x -i _s "$f" > /dev/null 2>&1
done < "$2"
EOF
    ex_ms=0 ex_cpu=0
    [ "$OLD_TOOLS" = 1 ] && read -r ex_ms ex_rss _ ex_cpu < <("$LADDER" rusage "$T/extract.out" bash "$T/extract.sh" "$ws" "$T/files.txt")
    put "$tier" extract_ms "$ex_ms"; put "$tier" extract_cpu_ms "$ex_cpu"

    # lmkv index: the whole pipeline as a user runs it
    read -r ix_ms ix_rss ix_rc ix_cpu < <("$LADDER" rusage "$T/index.json" "$LMKV" --db "$db" index --no-git --json "$ws")
    if [ "$ix_rc" != 0 ] && [ "$ix_rc" != 3 ]; then
        echo "ladder.sh: lmkv index failed on $tier (exit $ix_rc): $(tail -n 3 "$T/index.json.err")" >&2
        return 1
    fi
    put "$tier" index_ms "$ix_ms"; put "$tier" index_cpu_ms "$ix_cpu"; put "$tier" index_rss_kib "$ix_rss"
    put "$tier" index_failed "$(jnum failed "$T/index.json")"
    put "$tier" index_analysed "$(jnum analysed "$T/index.json")"
    put "$tier" db_bytes "$(stat -c %s "$db/data.mdb")"

    # storage alone, SQLite side by side, queries, update latency (ladder.c)
    local elist; elist=$(echo $edits | tr ' ' ',')
    if ! "$LADDER" tier "$tier" "$db" "$ws" "$T" "$elist" 2> "$T/ladder.err"; then
        echo "ladder.sh: ladder tier $tier failed: $(tail -n 3 "$T/ladder.err")" >&2
        return 1
    fi
    cut -f2- "$T/$tier.tsv" | while IFS=$'\t' read -r k v; do put "$tier" "$k" "$v"; done
    rm -rf "$T"/*-replay.lmkv "$T"/*-seed.sqlite* # before graph_bench makes its own pair (disk peak)

    # graph/'s own queries (lmkv_graph_*) against SQLite as the seed writes
    # them (recursive CTEs): bench/graph_bench.c on this tier's sources
    if [ -x "$BUILD/bench/graph_bench" ]; then
        if BENCH_GRAPH_SRC="$ws" LMKV_BENCH_SUMMARY= LMKV_BENCH_TMP="$T" "$BUILD/bench/graph_bench" > "$T/graph.md" 2> "$T/graph.err"; then
            awk -F'|' 'NF > 8 && $3 ~ /^ *[0-9.]+ *$/ { gsub(/^ +| +$/, "", $2); gsub(/ +/, "", $3); gsub(/ +/, "", $4); gsub(/ +/, "", $5);
                gsub(/ +/, "", $6); gsub(/ +/, "", $8); gsub(/ +/, "", $9);
                printf "graph\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", $2, $3, $4, $5, $6, $8, $9 }' "$T/graph.md" |
                while IFS=$'\t' read -r _ q a b c d n m; do put "$tier" "graph:$q" "$a	$b	$c	$d	$n	$m"; done
        else
            echo "ladder.sh: graph_bench on $tier failed: $(tail -n 2 "$T/graph.err")" >&2
        fi
    fi

    # end to end: edit one file, `lmkv index FILE` (process start, ctags and
    # cflow on that file, the stored-name pre-pass, storage), as a user would
    local reps=${QUICK:+4}; reps=${reps:-20}
    for f in $edits; do
        : > "$T/e2e.ms"
        : > "$T/e2e.cpu"
        for r in $(seq 1 "$reps"); do
            printf '\nint\nladder_cli_%s(void)\n{\n\treturn 0;\n}\n' "$r" >> "$ws/$f"
            read -r ms _ rc cpu < <("$LADDER" rusage "$T/e2e.out" "$LMKV" --db "$db" index --no-git -q --workspace "$ws" "$ws/$f")
            [ "$rc" = 0 ] || { echo "ladder.sh: lmkv index $f failed: $(tail -n 2 "$T/e2e.out.err")" >&2; break; }
            echo "$ms" >> "$T/e2e.ms"
            echo "$cpu" >> "$T/e2e.cpu"
            # big files: stop after ~20 s
            [ "$r" -ge 3 ] && [ "$(awk '{s+=$1} END{print int(s)}' "$T/e2e.ms")" -gt 20000 ] && break
        done
        put "$tier" "e2e" "$f	$(wc -l < "$T/e2e.ms")	$(pct .5 < "$T/e2e.ms")	$(pct .99 < "$T/e2e.ms")"
        # CPU of lmkv and of the ctags/cflow it waited for
        put "$tier" "e2e_cpu" "$f	$(pct .5 < "$T/e2e.cpu")"
    done
    rm -rf "$ws" "$T"/*-replay.lmkv "$T"/*-seed.sqlite* "$db"
    put "$tier" tier_seconds "$((SECONDS - t_start))"
}

ok_tiers=()
for t in $TIERS; do
    if run_tier "$t"; then ok_tiers+=("$t"); else echo "**tier $t failed** (see stderr)"; echo; fi
done
[ ${#ok_tiers[@]} -gt 0 ] || die "no tier ran"
cp "$TSV" "$OUT/ladder.tsv"

# --------------------------------------------------------------- tables
get() { awk -F'\t' -v t="$1" -v k="$2" '$1==t && $2==k {print $3; exit}' "$TSV"; }
getq() { awk -F'\t' -v t="$1" -v k="$2" -v c="$3" '$1==t && $2==k {split($0,a,"\t"); print a[2+c]; exit}' "$TSV"; }
mib() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1048576}'; }
sec() { awk -v m="$1" 'BEGIN{printf "%.2f", m/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0==0) print "-"; else printf "%.2f", a/b }'; }

echo "Real C code bases, indexed by \`lmkv index\` (Universal Ctags symbols, GNU cflow calls, lmkv's"
echo "name-based references); then the same records stored by lmkv and by SQLite with the seed"
echo "schema (/work/shared/seeds/000: tables and indexes of the DuckDB guide; WAL, synchronous=FULL,"
echo "prepared statements, one transaction per 64 files), queried on both."
echo
echo "### Indexing"
echo
echo "| tier | files | lines | symbols | calls | references | \`lmkv index\` wall (s) | CPU (s) | ctags+cflow alone: wall (s) | CPU (s) | rest, CPU: lmkv scan + storage (s) | peak RSS (MiB) | whole tier (s) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in "${ok_tiers[@]}"; do
    ixc=$(get "$t" index_cpu_ms); exc=$(get "$t" extract_cpu_ms)
    echo "| $t | $(get "$t" src_files) | $(get "$t" lines) | $(get "$t" symbols) | $(get "$t" calls) | $(get "$t" references) | $(sec "$(get "$t" index_ms)") | $(sec "$ixc") | $(sec "$(get "$t" extract_ms)") | $(sec "$exc") | $(sec "$(awk -v a="$ixc" -v b="$exc" 'BEGIN{print a-b}')") | $(mib $(( $(get "$t" index_rss_kib) * 1024 ))) | $(get "$t" tier_seconds) |"
done
echo
echo "\`lmkv index\` does not report its own extraction/storage split yet, so the tools' share is"
echo "measured by running ctags and cflow alone over the same files (three processes per file, as"
echo "lmkv runs them, from a shell loop). CPU is user + system time of the process and every"
echo "child it waited for, much steadier than wall time on a shared machine; the rest (CPU of"
echo "\`lmkv index\` minus the tools') is lmkv's reference scanner, name pre-pass, record building"
echo "and storage. Both runs start cold for the tools' own caches but the source files are in"
echo "the page cache for both. Peak RSS (wait4's ru_maxrss) counts LMDB's memory-mapped pages"
echo "that the process touched (page cache, shared and reclaimable) besides its own heap. \"Whole"
echo "tier\" is the wall time of everything below for that tier (graph_bench included)."
for t in "${ok_tiers[@]}"; do
    f=$(get "$t" index_failed)
    [ -n "$f" ] && [ "$f" != 0 ] && echo "On $t, \`lmkv index\` reported $f file(s) it could not analyse (kept out of the index)."
done
echo
echo "### Storage alone: the same records into lmkv and into SQLite"
echo
echo "| tier | records | lmkv (s) | SQLite seed schema (s) | SQLite / lmkv | lmkv data.mdb (MiB) | SQLite file (MiB) | lmkv / SQLite bytes | bytes per record lmkv | SQLite |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in "${ok_tiers[@]}"; do
    rec=$(( $(get "$t" symbols) + $(get "$t" calls) + $(get "$t" references) + $(get "$t" hierarchy) ))
    lm=$(get "$t" lmkv_store_ms); sq=$(get "$t" sqlite_store_ms)
    lb=$(get "$t" lmkv_replay_bytes); sb=$(get "$t" sqlite_bytes)
    echo "| $t | $rec | $(sec "$lm") | $(sec "$sq") | $(ratio "$sq" "$lm") | $(mib "$lb") | $(mib "$sb") | $(ratio "$lb" "$sb") | $(awk -v b="$lb" -v r="$rec" 'BEGIN{printf "%.0f", b/r}') | $(awk -v b="$sb" -v r="$rec" 'BEGIN{printf "%.0f", b/r}') |"
done
echo
echo "lmkv's bytes are data.mdb's size after the replay (LMDB's file: pages in use plus free pages"
echo "of earlier transactions); \`lmkv index\` left $(for t in "${ok_tiers[@]}"; do printf '%s MiB (%s) ' "$(mib "$(get "$t" db_bytes)")" "$t"; done)after its own run."
echo
echo "### Queries (µs per query, each timed alone; lmkv: fresh snapshot per query)"
echo
echo "| tier | query | answer rows (mean) | lmkv p50 | lmkv p99 | SQLite p50 | SQLite p99 | SQLite / lmkv (p50) | samples | answers differing |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
QS="point callers callees refs impact3 paths3"
for t in "${ok_tiers[@]}"; do
    for q in $QS; do
        echo "| $t | $q | $(getq "$t" $q 5) | $(getq "$t" $q 1) | $(getq "$t" $q 2) | $(getq "$t" $q 3) | $(getq "$t" $q 4) | $(ratio "$(getq "$t" $q 3)" "$(getq "$t" $q 1)") | $(getq "$t" $q 6) | $(getq "$t" $q 7) |"
    done
done
echo
echo "point: symbols named N; callers/callees: call sites to/from N (LSP incoming/outgoing calls);"
echo "refs: references to N; impact3: distinct callers and referrers within 3 steps; paths3: the"
echo "shortest call chain (at most 3 calls) to a name found 2-3 calls away (answer = its length)."
echo "Sample: defined functions that are called, every k-th by name. impact3 and paths3 run the"
echo "same breadth-first walk on both engines (SQLite: the prepared callers/refs/callees queries)."
echo "\"answers differing\" counts samples whose row counts differ between the engines (should be 0)."
echo
if grep -q $'\tgraph:' "$TSV"; then
    echo "### graph/ queries per tier (bench/graph_bench.c: lmkv_graph_* against the seed's SQL, recursive CTEs)"
    echo
    hdr="| query |"; sep="|---|"
    for t in "${ok_tiers[@]}"; do hdr="$hdr $t lmkv p50 / p99 | $t SQLite p50 / p99 | $t SQLite / lmkv |"; sep="$sep---:|---:|---:|"; done
    echo "$hdr"; echo "$sep"
    awk -F'\t' '$2 ~ /^graph:/ && !seen[$2]++ {print $2}' "$TSV" | while read -r gq; do
        row="| ${gq#graph:} |"
        for t in "${ok_tiers[@]}"; do
            row="$row $(getq "$t" "$gq" 1) / $(getq "$t" "$gq" 2) | $(getq "$t" "$gq" 3) / $(getq "$t" "$gq" 4) | $(ratio "$(getq "$t" "$gq" 3)" "$(getq "$t" "$gq" 1)") |"
        done
        echo "$row"
    done
    echo
    echo "µs; graph_bench indexes the tier's sources itself, samples called functions and times each"
    echo "query alone inside one read transaction per engine; its answers are cross-checked there."
    echo
fi

echo "### How query cost grows with the code base"
echo
rec_of() { echo $(( $(get "$1" symbols) + $(get "$1" calls) + $(get "$1" references) )); }
# growth from the smallest to the largest tier by records, whatever the order they ran in
first=$(for t in "${ok_tiers[@]}"; do echo "$(rec_of "$t") $t"; done | sort -n | head -n1 | cut -d' ' -f2)
last=$(for t in "${ok_tiers[@]}"; do echo "$(rec_of "$t") $t"; done | sort -n | tail -n1 | cut -d' ' -f2)
hdr="| query | engine |"; sep="|---|---|"
for t in "${ok_tiers[@]}"; do hdr="$hdr $t p50 / p99 (µs) | $t µs per row |"; sep="$sep---:|---:|"; done
echo "$hdr growth $first -> $last: time | answer | records | grows with |"
echo "$sep---:|---:|---:|---|"
for q in $QS; do
    for e in lmkv SQLite; do
        c50=1; c99=2; [ $e = SQLite ] && { c50=3; c99=4; }
        row="| $q | $e |"
        for t in "${ok_tiers[@]}"; do
            row="$row $(getq "$t" $q $c50) / $(getq "$t" $q $c99) | $(awk -v p="$(getq "$t" $q $c50)" -v a="$(getq "$t" $q 5)" 'BEGIN{ if (a+0<=0) print "-"; else printf "%.2f", p/a }') |"
        done
        gt=$(ratio "$(getq "$last" $q $c50)" "$(getq "$first" $q $c50)")
        ga=$(ratio "$(getq "$last" $q 5)" "$(getq "$first" $q 5)")
        gr=$(ratio "$(rec_of "$last")" "$(rec_of "$first")")
        verdict=$(awk -v t="$gt" -v a="$ga" -v r="$gr" 'BEGIN{
            if (t=="-" || a=="-") { print "-"; exit }
            if (t < 2) { print "flat"; exit }
            if (a >= 1.5 && t <= 2*a) { print "answer size"; exit }
            print "database size" }')
        echo "$row ×$gt | ×$ga | ×$gr | $verdict |"
    done
done
echo
echo "\"grows with\": *flat* when p50 grew less than 2× across the ladder; *answer size* when the"
echo "mean answer grew at least 1.5× and p50 at most twice as fast as it; else *database size* (for"
echo "B+tree lookups that is the log n depth plus caches: the tree outgrows L2/L3). Paths' answer is a"
echo "length, so its cost follows the neighbourhood walked, not the answer."
echo
echo "### Update latency: edit one file, re-index it, query"
echo
echo "| tier | file | records in file | storage only p50 / p99 (ms) | storage CPU p50 (ms) | save -> query ready p50 / p99 (ms) | reps | \`lmkv index FILE\` end to end p50 / p99 (ms) | its CPU p50 (ms, with ctags/cflow) | reps |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in "${ok_tiers[@]}"; do
    awk -F'\t' -v t="$t" '$1==t && $2=="update" {print}' "$TSV" | while IFS=$'\t' read -r _ _ f recs reps s50 s99 l50 l99; do
        c=$(awk -F'\t' -v t="$t" -v f="$f" '$1==t && $2=="update_cpu" && $3==f {print $4; exit}' "$TSV")
        e=$(awk -F'\t' -v t="$t" -v f="$f" '$1==t && $2=="e2e" && $3==f {print $5 " / " $6 " | " $4; exit}' "$TSV")
        ec=$(awk -F'\t' -v t="$t" -v f="$f" '$1==t && $2=="e2e_cpu" && $3==f {print $4; exit}' "$TSV")
        e=${e:-- | -}
        echo "| $t | $f | $recs | $s50 / $s99 | ${c:--} | $l50 / $l99 | $reps | ${e% | *} | ${ec:--} | ${e##* | } |"
    done
done
echo
echo "Storage only: an index session given the one changed path (as a file watcher would), whose"
echo "analyser replays the file's extracted records plus the new function (no ctags/cflow):"
echo "hashing, record building, the write transaction and the current-map swap. Save -> query"
echo "ready adds a fresh snapshot and a callers query that must see the new function. Storage CPU"
echo "is that work's CPU time in the process, without the waits for the disk (fdatasync): the part"
echo "a loaded machine disturbs least. The seeds' target is 12 ms from save to query readiness, with"
echo "under 2 ms of storage work. End to end is the CLI as a user runs it: process start, ctags and"
echo "cflow on the file (at once), the lookup of its identifiers in the stored names, storage, the"
echo "closing sync; its CPU counts lmkv and the tools it waited for."
echo

# data for plot.sh
if [ -x "$ROOT/bench/plot.sh" ] || [ -f "$ROOT/bench/plot.sh" ]; then
    if bash "$ROOT/bench/plot.sh" "$OUT/ladder.tsv" "$OUT" >&2; then
        echo "Plots: [queries.png](queries.png) (p50 per query against lines of code, log-log),"
        echo "[indexing.png](indexing.png) (storage time and bytes against records), [update.png](update.png)."
        echo
    else
        echo "(plots not made: gnuplot failed or is missing)"
        echo
    fi
fi

# rows for run.sh's summary table: | what | lmkv | baseline | ratio or target |
if [ -n "${LMKV_BENCH_SUMMARY:-}" ]; then
    for t in "${ok_tiers[@]}"; do
        rec=$(( $(get "$t" symbols) + $(get "$t" calls) + $(get "$t" references) + $(get "$t" hierarchy) ))
        echo "| ladder $t ($(get "$t" lines) lines, $rec records): \`lmkv index\` | $(sec "$(get "$t" index_ms)") s wall, $(sec "$(get "$t" index_cpu_ms)") s CPU, of which ctags+cflow ~$(sec "$(get "$t" extract_cpu_ms)") s CPU; peak RSS $(mib $(( $(get "$t" index_rss_kib) * 1024 ))) MiB | | |"
        echo "| ladder $t: store the same records | $(sec "$(get "$t" lmkv_store_ms)") s, $(mib "$(get "$t" lmkv_replay_bytes)") MiB | SQLite seed schema $(sec "$(get "$t" sqlite_store_ms)") s, $(mib "$(get "$t" sqlite_bytes)") MiB | time SQLite/lmkv $(ratio "$(get "$t" sqlite_store_ms)" "$(get "$t" lmkv_store_ms)"); bytes lmkv/SQLite $(ratio "$(get "$t" lmkv_replay_bytes)" "$(get "$t" sqlite_bytes)") |"
        l=""; s=""; r=""
        for q in $QS; do
            l="$l$q $(getq "$t" $q 1), "; s="$s$q $(getq "$t" $q 3), "
            r="$r$q $(ratio "$(getq "$t" $q 3)" "$(getq "$t" $q 1)"), "
        done
        echo "| ladder $t: query p50 (µs) | ${l%, } | SQLite: ${s%, } | SQLite/lmkv: ${r%, } |"
        awk -F'\t' -v t="$t" '$1==t && $2=="e2e" {e[$3]=$5} $1==t && $2=="update" {u[++n]=$0}
            END{ for (i=1;i<=n;i++) { split(u[i],a,"\t");
                printf "| ladder %s: edit %s (%s records), re-index, query | storage %s ms p50 / %s p99; save->query %s ms p50 / %s p99 | `lmkv index FILE` (with ctags+cflow) %s ms p50 | target: < 2 ms storage, < 12 ms save->query |\n",
                    t, a[3], a[4], a[6], a[7], a[8], a[9], (a[3] in e) ? e[a[3]] : "-" } }' "$TSV"
    done >> "$LMKV_BENCH_SUMMARY"
fi
