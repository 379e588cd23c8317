# The C path's analysers alone, as tools/lmkv/extract_c.c runs them for each
# file (Universal Ctags, then GNU cflow's tree, cross-reference and reverse
# passes); outputs discarded. Used by bench/ts_bench.sh: bash ts_bench_cpath.sh FILE...
for f; do
    ctags --output-format=json --sort=no --languages=C --langmap=C:.c.h --fields=+neKSlzZf-P \
        '--fields-C=+{properties}' --kinds-C=+pxlz -o - "$f"
    cflow --format=posix --omit-arguments -A -A -i _s "$f"
    cflow -x -i _s "$f"
    cflow --format=posix --omit-arguments -A -A -i _s --reverse "$f"
done >/dev/null 2>&1
