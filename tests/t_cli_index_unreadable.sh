#!/usr/bin/env bash
# One file that cannot be read is that file's failure (issue 16, point 3),
# in a git and in a non-git worktree, with the real C analyser (libclang):
#  - a file made unreadable (chmod 000, the index run as an unprivileged
#    user: root reads anything) while the plan must hash it (edited, or
#    untracked) is reported with its path and errno's text; the other
#    files are indexed and made current; its previous version stays
#    current (or it has none); exit 5 (a file failed); --json lists it
#    under "failures";
#  - once readable again, the next index analyses it and the failure is gone;
#  - a file over max_file_bytes (16 MiB, a sparse file) is reported as
#    skipped with path and reason (human and --json), not silently counted.
# (A file that vanishes between listing and reading: test_versioning_session.)
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is needed to drop privileges"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to run the index as an unprivileged user"; exit 77; }
command -v git >/dev/null || { echo "SKIP: git not found"; exit 77; }
export GIT_AUTHOR_NAME="lmkv test" GIT_AUTHOR_EMAIL=t@lmkv.invalid
export GIT_COMMITTER_NAME="lmkv test" GIT_COMMITTER_EMAIL=t@lmkv.invalid
export GIT_CONFIG_NOSYSTEM=1 HOME="$LMKV_TEST_TMP"
chmod 755 "$LMKV_TEST_TMP"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent "$@"; }
# the build tree must be reachable by nobody (it is under /work)
as_nobody "$LMKV_BIN" --help >/dev/null 2>&1 || { echo "SKIP: $LMKV_BIN is not executable by uid 65534"; exit 77; }
NL() { as_nobody "$LMKV_BIN" "$@"; }

make_tree() { # DIR
    mkdir -p "$1"
    cat >"$1/a.c" <<'EOF'
int helper_a(int x) { return x + 1; }
int use_a(void) { return helper_a(1); }
EOF
    cat >"$1/b.c" <<'EOF'
int helper_b(int x) { return x * 2; }
int use_b(void) { return helper_b(2); }
EOF
    cat >"$1/c.c" <<'EOF'
int helper_a(int x);
int use_c(void) { return helper_a(3); }
EOF
}

check_tree() { # DIR DB MODE(git|nogit)
    local W=$1 D=$2 mode=$3 flags=()
    [ "$mode" = nogit ] && flags=(--no-git)
    note "$mode: first index, everything readable"
    run 0 NL index --db "$D" "${flags[@]}" --workspace "$W" --json
    eq "$(json_get "$OUT" 'j["analysed"]')" 3 "files analysed at first"
    eq "$(json_get "$OUT" 'j["failures"]')" "[]" "no failures at first"

    note "$mode: b.c edited and unreadable, c.c edited, d.c new and unreadable"
    printf 'int helper_b2(int x) { return x; }\nint use_b(void) { return helper_b2(2); }\n' >"$W/b.c"
    printf 'int helper_a(int x);\nint use_c2(void) { return helper_a(4); }\n' >"$W/c.c"
    printf 'int helper_d(void) { return 0; }\n' >"$W/d.c"
    chown 65534:65534 "$W/b.c" "$W/c.c" "$W/d.c"
    chmod 000 "$W/b.c" "$W/d.c"
    # the worktree's own check: nobody really cannot read it
    ! as_nobody cat "$W/b.c" >/dev/null 2>&1 || fail "uid 65534 can still read b.c"
    run 5 NL index --db "$D" "${flags[@]}" --workspace "$W"
    contains "$ERR" "lmkv index: b.c: reading: Permission denied"
    contains "$ERR" "lmkv index: d.c: reading: Permission denied"
    contains "$OUT" "1 analysed"
    contains "$OUT" "2 failed"
    # c.c's new version is current
    run 0 NL query callers helper_a --db "$D" --workspace "$W"
    contains "$OUT" "use_c2"
    [[ $OUT != *"use_c "* && $OUT != *"use_c:"* ]] || fail "c.c's old version still current: $OUT"
    # b.c keeps its previous version: helper_b (old) current, helper_b2 unknown
    run 0 NL query callers helper_b --db "$D" --workspace "$W"
    contains "$OUT" "use_b" "b.c's previous version is no longer current"
    run 1 NL query symbol helper_b2 --db "$D" --workspace "$W"
    contains "$ERR" "no symbol 'helper_b2'" "unreadable b.c's new content indexed"
    # d.c never indexed: no version
    run 1 NL query symbol helper_d --db "$D" --workspace "$W"
    contains "$ERR" "no symbol 'helper_d'" "unreadable d.c indexed"

    note "$mode: --json lists the failures with path, error and reason"
    run 5 NL index --db "$D" "${flags[@]}" --workspace "$W" --json
    eq "$(json_get "$OUT" '[f["path"] for f in j["failures"]]')" "['b.c', 'd.c']"
    eq "$(json_get "$OUT" 'j["failures"][0]["reason"]')" "reading: Permission denied"
    eq "$(json_get "$OUT" 'j["failed"]')" 2

    note "$mode: readable again: analysed, no failure"
    chmod 644 "$W/b.c" "$W/d.c"
    run 0 NL index --db "$D" "${flags[@]}" --workspace "$W" --json
    eq "$(json_get "$OUT" 'j["failures"]')" "[]"
    eq "$(json_get "$OUT" 'j["analysed"]')" 2
    run 0 NL query callers helper_b2 --db "$D" --workspace "$W"
    contains "$OUT" "use_b"

    note "$mode: a file over max_file_bytes is reported as skipped"
    truncate -s 17M "$W/big.c"
    chown 65534:65534 "$W/big.c"
    run 0 NL index --db "$D" "${flags[@]}" --workspace "$W"
    contains "$ERR" "lmkv index: big.c: skipped: 17825792 bytes, over max_file_bytes (16777216)"
    contains "$OUT" "1 skipped"
    run 0 NL index --db "$D" "${flags[@]}" --workspace "$W" --json
    eq "$(json_get "$OUT" 'j["skipped"]')" 1
    eq "$(json_get "$OUT" '[(s["path"], s["error"]) for s in j["skips"]]')" "[('big.c', '$(json_get "$OUT" 'j["skips"][0]["error"]')')]"
    contains "$(json_get "$OUT" 'j["skips"][0]["reason"]')" "17825792 bytes, over max_file_bytes"
    rm -f "$W/big.c"
}

G="$LMKV_TEST_TMP/git"
make_tree "$G"
git -C "$G" init -q
git -C "$G" add -A
git -C "$G" commit -qm init
chown -R 65534:65534 "$G"
mkdir -p "$LMKV_TEST_TMP/dbs"; chown 65534:65534 "$LMKV_TEST_TMP/dbs"
# git refuses a repository owned by someone else unless it is safe.directory
printf '[safe]\n\tdirectory = *\n' >"$LMKV_TEST_TMP/gitconfig"; chmod 644 "$LMKV_TEST_TMP/gitconfig"
export GIT_CONFIG_GLOBAL="$LMKV_TEST_TMP/gitconfig"
check_tree "$G" "$LMKV_TEST_TMP/dbs/git" git

N="$LMKV_TEST_TMP/plain"
make_tree "$N"
chown -R 65534:65534 "$N"
check_tree "$N" "$LMKV_TEST_TMP/dbs/plain" nogit
echo "unreadable and oversized files: reported per file, the others indexed"
