#!/usr/bin/env bash
# `make deps` (scripts/deps.sh) run by a user who is not root: it installs
# nothing, says what is missing and prints the exact apt-get command (exit
# 1); with nothing missing it says so and succeeds. The missing tool is
# made real by a PATH without clangd-14 (the oracle of t_oracle_clangd.py). As root the script runs apt-get
# itself (what make demo / make test / CI do), not exercised here.
set -euo pipefail
. "$(dirname "$0")/util/cli_helpers.sh"
cd "$LMKV_TEST_TMP"
ROOT=${LMKV_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to run as another user"
[ "$(id -u)" = 0 ] || fail "needs root to switch to an unprivileged user"
chmod 755 "$LMKV_TEST_TMP"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent "$@"; }

note "nothing missing: exit 0, nothing to install"
run 0 as_nobody bash "$ROOT/scripts/deps.sh" install
contains "$ERR" "every dependency is installed"
run 0 as_nobody bash "$ROOT/scripts/deps.sh" check-or-install

note "clangd-14 missing: the exact command, exit 1, for install and check-or-install"
mkdir noclangd
for f in /usr/bin/* /usr/local/bin/*; do
    [ "$(basename "$f")" = clangd-14 ] || ln -sf "$f" noclangd/ 2>/dev/null || true
done
for mode in install check-or-install; do
    run 1 as_nobody env PATH="$LMKV_TEST_TMP/noclangd" bash "$ROOT/scripts/deps.sh" $mode
    contains "$ERR" "cmd:clangd-14" "$mode names the missing tool"
    contains "$ERR" "apt-get update && apt-get install -y --no-install-recommends " "$mode prints the command"
    contains "$ERR" " clangd-14" "$mode: the command installs clangd-14"
    eq "$OUT" "" "$mode writes nothing on stdout"
done
run 1 as_nobody env PATH="$LMKV_TEST_TMP/noclangd" bash "$ROOT/scripts/deps.sh" check
contains "$OUT" "cmd:clangd-14"
echo "all checks passed"
