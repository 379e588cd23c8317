# Shared helpers for the lmkv CLI test scripts (tests/t_cli_*.sh).
# Source it after `set -euo pipefail`. Needs $LMKV_BIN and $LMKV_TEST_TMP.
: "${LMKV_BIN:?LMKV_BIN must name the lmkv binary}"
: "${LMKV_TEST_TMP:?LMKV_TEST_TMP must name a scratch directory}"
PY=/usr/bin/python3
L() { "$LMKV_BIN" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

# run RC CMD... : run CMD, keep stdout in $OUT and stderr in $ERR, require exit RC.
run() {
    local want=$1; shift
    set +e
    "$@" >"$LMKV_TEST_TMP/.out" 2>"$LMKV_TEST_TMP/.err"
    local rc=$?
    set -e
    OUT=$(cat "$LMKV_TEST_TMP/.out"); ERR=$(cat "$LMKV_TEST_TMP/.err")
    if [ "$rc" -ne "$want" ]; then
        echo "command: $(echo "$*" | cut -c1-300)" >&2
        echo "stdout: $(echo "$OUT" | head -c 2000)" >&2; echo "stderr: $ERR" >&2
        fail "exit $rc, expected $want"
    fi
}
# Require stderr of the last run to be exactly one line starting with "lmkv".
one_line_err() {
    local n; n=$(wc -l <"$LMKV_TEST_TMP/.err")
    [ "$n" -eq 1 ] || { cat "$LMKV_TEST_TMP/.err" >&2; fail "stderr has $n lines, expected 1: $*"; }
    [[ $ERR == lmkv* ]] || fail "stderr does not start with 'lmkv': $ERR"
}
eq() { [ "$1" == "$2" ] || fail "${3:-values differ}: got [$1] expected [$2]"; }
contains() { [[ $1 == *"$2"* ]] || fail "${3:-missing text}: [$2] not in [$1]"; }
# json_get JSON PYEXPR: evaluate PYEXPR with `j` bound to the parsed JSON.
json_get() { $PY -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# wait_for FILE TEXT: wait (bounded, no timing assertion) until FILE contains TEXT.
wait_for() {
    local i
    for ((i = 0; i < 600; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "gave up waiting for '$2' in $1"
}
# copy NAME: a compacted copy of the current database ($LMKV_DB) in
# $LMKV_TEST_TMP/NAME (replacing ./NAME), to damage without touching the original.
copy() { rm -rf "$1"; L compact "$LMKV_TEST_TMP/$1" >/dev/null; }
# first_key DB TREE: the first key (hex) of system tree TREE in database DB.
first_key() { L --db "$1" --hex scan --system --tree "$2" --keys-only --limit 1; }
