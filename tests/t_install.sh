#!/usr/bin/env bash
# `make install` honours PREFIX and DESTDIR; the installed headers compile on
# their own with -std=c11 -pedantic -Werror; a program built against the
# installed lmkv.pc (shared and static) opens a database and round-trips a
# key; liblmkv.so carries its soname; man pages and completion are installed.
set -euo pipefail
ROOT=${LMKV_ROOT:?}
BUILD=${LMKV_BUILD:?}
T=${LMKV_TEST_TMP:?}
SAN=${SAN:-}
fail() { echo "FAIL: $*" >&2; exit 1; }
# Build the client as the library was built (make test SAN=1 installs the
# sanitized objects of $BUILD; SAN must be passed on so make reuses them).
case "$SAN" in
"") CLIENT_SAN="" ;;
thread) CLIENT_SAN="-fsanitize=thread" ;;
*) CLIENT_SAN="-fsanitize=address,undefined" ;;
esac

# DESTDIR staging: files land under DESTDIR/PREFIX, the .pc names PREFIX.
make -s -C "$ROOT" BUILD="$BUILD" SAN="$SAN" install DESTDIR="$T/stage" PREFIX=/opt/lmkv >/dev/null
for f in lib/liblmkv.a lib/liblmkv.so lib/liblmkv.so.0 include/lmkv/lmkv_kv.h include/lmkv/lmkv_schema.h \
         include/lmkv/lmkv_versioning.h include/lmkv/lmkv_graph.h include/lmkv/lmkv_migrate.h \
         bin/lmkv bin/lmdb-migrate lib/pkgconfig/lmkv.pc share/man/man1/lmkv.1 \
         share/man/man1/lmdb-migrate.1 share/bash-completion/completions/lmkv; do
    [ -e "$T/stage/opt/lmkv/$f" ] || fail "DESTDIR install lacks $f"
done
grep -qx 'prefix=/opt/lmkv' "$T/stage/opt/lmkv/lib/pkgconfig/lmkv.pc" || fail "lmkv.pc prefix is not PREFIX"
soname=$(objdump -p "$T/stage/opt/lmkv/lib/liblmkv.so" | awk '/SONAME/{print $2}')
[ "$soname" = liblmkv.so.0 ] || fail "soname is '$soname', expected liblmkv.so.0"

# A real prefix: build a client with pkg-config.
P="$T/prefix"
make -s -C "$ROOT" BUILD="$BUILD" SAN="$SAN" install PREFIX="$P" >/dev/null
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
for h in "$P"/include/lmkv/*.h; do
    echo "#include <$(basename "$h")>" | cc -std=c11 -pedantic -Wall -Wextra -Werror \
        $(pkg-config --cflags lmkv) -x c -fsyntax-only - || fail "header $(basename "$h") does not compile alone"
done
cat > "$T/client.c" <<'C'
#include <lmkv_kv.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    lmkv_db *db = NULL;
    lmkv_tree *t = NULL;
    lmkv_bytes v = {0};
    if (argc < 2) return 2;
    if (lmkv_db_open_path(&db, argv[1]) != LMKV_OK) { fprintf(stderr, "%s\n", lmkv_errmsg()); return 1; }
    int rc = lmkv_db_open_tree(&t, db, "installed", 9);
    if (rc == LMKV_OK) rc = lmkv_tree_insert(NULL, t, "k", 1, "v1", 2);
    if (rc == LMKV_OK) rc = lmkv_tree_get(&v, t, "k", 1);
    if (rc == LMKV_OK && (v.size != 2 || memcmp(v.data, "v1", 2) != 0)) rc = -1;
    printf("%s %s\n", lmkv_version(), rc == LMKV_OK ? "ok" : lmkv_errmsg());
    lmkv_free(v.data);
    lmkv_tree_close(t);
    lmkv_db_close(db);
    return rc == LMKV_OK ? 0 : 1;
}
C
cc -std=c11 -Wall -Werror $CLIENT_SAN -o "$T/client" "$T/client.c" $(pkg-config --cflags --libs lmkv)
out=$(LD_LIBRARY_PATH="$P/lib" "$T/client" "$T/db1") || fail "shared client failed: $out"
grep -q ' ok$' <<<"$out" || fail "shared client did not print ok: $out"
# ldd's output is captured first: `ldd | grep -q` under pipefail fails at
# random when grep exits on its match while ldd still writes (SIGPIPE).
deps=$(LD_LIBRARY_PATH="$P/lib" ldd "$T/client")
grep -q "liblmkv.so.0 => $P/lib" <<<"$deps" || fail "client is not linked against the installed liblmkv.so.0: $deps"
cc -std=c11 -Wall -Werror $CLIENT_SAN -o "$T/client_static" "$T/client.c" $(pkg-config --cflags lmkv) \
    "$P/lib/liblmkv.a" $(pkg-config --libs --static lmkv | sed 's/-llmkv//')
out=$("$T/client_static" "$T/db2") || fail "static client failed: $out"
grep -q ' ok$' <<<"$out" || fail "static client did not print ok: $out"
# The installed tool reads what the client wrote.
[ "$("$P/bin/lmkv" --db "$T/db1" get --tree installed k)" = v1 ] || fail "installed lmkv cannot read the client's database"
echo "install ok"
