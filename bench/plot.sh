#!/usr/bin/env bash
# Plots of the scale ladder (gnuplot-nox, PNG): plot.sh LADDER_TSV OUTDIR
#   queries.png   p50 and p99 of each query against lines of code, lmkv and
#                 SQLite (log-log), one panel per query; with graph_bench
#                 rows in the TSV also lmkv_graph_* and the SQLite CTEs
#   indexing.png  storage time of the same records (lmkv, SQLite) and the
#                 whole `lmkv index` against records; bytes on disk
#   update.png    update latency (storage only, save -> query ready, CLI end
#                 to end) against the records of the edited file
# The input is bench/results/ladder.tsv written by bench/ladder.sh:
# "tier <TAB> key <TAB> value..." lines.
set -euo pipefail
TSV=${1:?usage: plot.sh LADDER_TSV OUTDIR}
OUT=${2:?usage: plot.sh LADDER_TSV OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # gnuplot runs in a temporary directory
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/lmkv-plot.XXXXXX")
trap 'rm -rf "$D"' EXIT

# tiers in file order
tiers=$(awk -F'\t' '!seen[$1]++ {print $1}' "$TSV")
val() { awk -F'\t' -v t="$1" -v k="$2" '$1==t && $2==k {print $3; exit}' "$TSV"; }

gq() { case $1 in callers) echo "graph:callers" ;; callees) echo "graph:callees" ;; refs) echo "graph:references" ;;
        impact3) echo "graph:impact depth 3" ;; paths3) echo "graph:paths (<= 3 calls)" ;; *) echo none ;; esac; }
for q in point callers callees refs impact3 paths3; do
    : > "$D/$q.dat"; : > "$D/$q.g.dat"
    for t in $tiers; do
        awk -F'\t' -v t="$t" -v q="$q" -v l="$(val "$t" lines)" \
            '$1==t && $2==q {printf "%s %s %s %s %s %s \"%s\"\n", l, $3, $4, $5, $6, $7, t}' "$TSV" >> "$D/$q.dat"
        awk -F'\t' -v t="$t" -v q="$(gq "$q")" -v l="$(val "$t" lines)" \
            '$1==t && $2==q {printf "%s %s %s %s %s\n", l, $3, $4, $5, $6}' "$TSV" >> "$D/$q.g.dat"
    done
done
# x ascending, whatever order the tiers ran in
for f in "$D"/*.dat; do sort -g -k1,1 "$f" -o "$f"; done
{
    for q in point callers callees refs impact3 paths3; do
        echo "set title '$q'"
        printf '%s' "plot '$q.dat' using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'lmkv store p50',"
        printf '%s' " '' using 1:3 with linespoints lw 1 dt 2 pt 6 lc rgb '#1f77b4' title 'lmkv store p99',"
        printf '%s' " '' using 1:4 with linespoints lw 2 pt 5 lc rgb '#d62728' title 'SQLite p50',"
        printf '%s' " '' using 1:5 with linespoints lw 1 dt 2 pt 4 lc rgb '#d62728' title 'SQLite p99',"
        if [ -s "$D/$q.g.dat" ]; then
            printf '%s' " '$q.g.dat' using 1:2 with linespoints lw 2 pt 9 lc rgb '#2ca02c' title 'lmkv graph/ p50',"
            printf '%s' " '' using 1:4 with linespoints lw 2 pt 8 lc rgb '#ff7f0e' title 'SQLite CTE p50 (graph_bench)',"
        fi
        echo " '$q.dat' using 1:2:7 with labels offset 0,1 notitle"
    done
} > "$D/queries.gp"
: > "$D/index.dat"
for t in $tiers; do
    awk -F'\t' -v t="$t" '$1==t {v[$2]=$3} END{
        rec=v["symbols"]+v["calls"]+v["references"]+v["hierarchy"];
        printf "%d %s %s %s %s %s %s \"%s\"\n", rec, v["lmkv_store_ms"]/1000, v["sqlite_store_ms"]/1000,
            (("index_cpu_ms" in v) ? v["index_cpu_ms"] : v["index_ms"])/1000,
            (("extract_cpu_ms" in v) ? v["extract_cpu_ms"] : v["extract_ms"])/1000, v["lmkv_replay_bytes"]/1048576, v["sqlite_bytes"]/1048576, t}' "$TSV" >> "$D/index.dat"
done
: > "$D/update.dat"
awk -F'\t' '$2=="e2e" {e[$1 SUBSEP $3]=$5 " " $6}
    $2=="update" {u[++n]=$0}
    END{ for (i=1;i<=n;i++) { split(u[i],a,"\t"); k=a[1] SUBSEP a[3]; ee=(k in e)?e[k]:"NaN NaN";
         printf "%s %s %s %s %s %s \"%s:%s\"\n", a[4], a[6], a[7], a[8], a[9], ee, a[1], a[3] } }' "$TSV" > "$D/update.dat"

sort -g -k1,1 "$D/index.dat" -o "$D/index.dat"
sort -g -k1,1 "$D/update.dat" -o "$D/update.dat"
cd "$D"
gnuplot <<EOF
set terminal pngcairo size 1500,900 noenhanced font ",10"
set output "$OUT/queries.png"
set multiplot layout 2,3 title "lmkv vs SQLite (seed schema): query time against code base size (p50 solid, p99 dashed)"
set logscale xy
set xlabel "lines of C"
set ylabel "µs per query"
set key top left font ",8"
set grid
load "queries.gp"
unset multiplot

set output "$OUT/indexing.png"
set terminal pngcairo size 1400,600 noenhanced font ",10"
set multiplot layout 1,2 title "Indexing: the same records stored by lmkv and by SQLite"
set logscale xy
set xlabel "records (symbols + calls + references + hierarchy)"
set ylabel "seconds"
set title "time"
plot "index.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "lmkv storage alone", \
     ""          using 1:3 with linespoints lw 2 pt 5 lc rgb "#d62728" title "SQLite storage alone", \
     ""          using 1:4 with linespoints lw 1 pt 9 lc rgb "#2ca02c" title "lmkv index (whole, CPU)", \
     ""          using 1:5 with linespoints lw 1 dt 2 pt 8 lc rgb "#7f7f7f" title "ctags + cflow alone (CPU)", \
     ""          using 1:4:8 with labels offset 0,1 notitle
set ylabel "MiB on disk"
set title "bytes"
plot "index.dat" using 1:6 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "lmkv data.mdb", \
     ""          using 1:7 with linespoints lw 2 pt 5 lc rgb "#d62728" title "SQLite file", \
     ""          using 1:6:8 with labels offset 0,1 notitle
unset multiplot

set output "$OUT/update.png"
set terminal pngcairo size 900,600 noenhanced font ",10"
set title "Update latency: edit one file, re-index it (p50; p99 as error bar top)"
set logscale xy
set xlabel "records in the edited file"
set ylabel "ms"
set key top left
plot "update.dat" using 1:2:2:3 with yerrorbars pt 6 ps 2.5 lc rgb "#1f77b4" title "storage only", \
     ""           using 1:4:4:5 with yerrorbars pt 5 lc rgb "#9467bd" title "save -> query ready", \
     ""           using 1:6:6:7 with yerrorbars pt 9 lc rgb "#7f7f7f" title "lmkv index FILE (CLI, ctags+cflow)", \
     ""           using 1:6:8 with labels offset 0,1 font ",8" notitle, \
     2 with lines dt 3 lc rgb "#2ca02c" title "2 ms storage target", \
     12 with lines dt 3 lc rgb "#ff7f0e" title "12 ms save->query target"
EOF
echo "plot.sh: wrote $OUT/queries.png $OUT/indexing.png $OUT/update.png" >&2
