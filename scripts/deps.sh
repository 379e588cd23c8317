#!/usr/bin/env bash
# Installs or checks lmkv's Debian dependencies.
#   deps.sh install          apt-get install everything (as root); else print what is
#                            missing and the exact command (exit 1), or succeed if nothing is
#   deps.sh check-or-install install only when something is missing
set -euo pipefail
PKGS="build-essential pkg-config liblmdb-dev lmdb-utils libgit2-dev libxxhash-dev zlib1g-dev
libjansson-dev nettle-dev libcmocka-dev flatbuffers-compiler python3-flatbuffers
sqlite3 libsqlite3-dev git clang libclang-rt-14-dev gnuplot-nox libflatbuffers-dev
libclang-14-dev clangd-14 bindgen libpq-dev postgresql-15"
# function lengths (tests/t_func_len.sh: start and end lines of definitions)
PKGS="$PKGS universal-ctags"
# tree-sitter frontends (analysis/ts*.c): the runtime, and the oracles of
# their tests (Go toolchain + Go sources, Rust crate sources, JDK sources)
PKGS="$PKGS libtree-sitter-dev golang-go golang-golang-x-tools-dev librust-syn-dev librust-regex-dev
openjdk-17-jdk-headless openjdk-17-source"
PKGS=$(echo $PKGS)
# npm only when the machine has none: machines that carry Node.js from
# NodeSource ship their own npm, and Debian's npm conflicts with that nodejs
# ("held broken packages"), so asking apt for it would fail the whole install.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"

missing() {
    local m=""
    for p in lmdb libgit2 libxxhash zlib jansson nettle cmocka sqlite3 tree-sitter libpq; do
        pkg-config --exists "$p" 2>/dev/null || m="$m pc:$p"
    done
    for c in flatc mdb_stat git npm sqlite3 clang bindgen clangd-14 ctags-universal; do
        command -v "$c" >/dev/null 2>&1 || m="$m cmd:$c"
    done
    [ -e /usr/lib/llvm-14/include/clang-c/Index.h ] || m="$m libclang-14-dev"
    command -v clangd-14 >/dev/null 2>&1 || m="$m cmd:clangd-14"
    command -v go >/dev/null 2>&1 || m="$m cmd:go"
    command -v javac >/dev/null 2>&1 || m="$m cmd:javac"
    [ -d /usr/share/gocode/src/golang.org/x/tools ] || m="$m golang-golang-x-tools-dev"
    ls -d /usr/share/cargo/registry/syn-1.* >/dev/null 2>&1 || m="$m librust-syn-dev"
    ls -d /usr/share/cargo/registry/regex-1.* >/dev/null 2>&1 || m="$m librust-regex-dev"
    [ -e /usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip ] || m="$m openjdk-17-source"
    # PostgreSQL 15's server binaries (tests start their own server)
    [ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || m="$m postgresql-15"
    /usr/bin/python3 -c 'import flatbuffers' >/dev/null 2>&1 || m="$m py:flatbuffers"
    [ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || \
        ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || m="$m clang-rt"
    echo "$m"
}

install() {
    if [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
    else
        # not root: say what is missing and the exact command, change nothing
        local m; m=$(missing)
        if [ -z "$m" ]; then
            echo "lmkv: every dependency is installed (installing needs root)" >&2
            return 0
        fi
        echo "lmkv: missing dependencies:$m; run as root:" >&2
        echo "  apt-get update && apt-get install -y --no-install-recommends $PKGS" >&2
        exit 1
    fi
}

case "${1:-check-or-install}" in
install) install ;;
check-or-install)
    m=$(missing)
    if [ -n "$m" ]; then
        echo "lmkv: installing missing dependencies:$m" >&2
        install
        m=$(missing)
        if [ -n "$m" ]; then echo "lmkv: still missing after install:$m" >&2; exit 1; fi
    fi ;;
check) m=$(missing); [ -z "$m" ] || { echo "missing:$m"; exit 1; } ;;
*) echo "usage: deps.sh install|check-or-install|check" >&2; exit 2 ;;
esac
