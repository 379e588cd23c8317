#!/usr/bin/python3
"""Incremental `lmkv index` in a real git repository made of LMDB's sources:
the first index records HEAD's commit; an edit to one file, a new untracked
file and a deletion re-analyse exactly those files; queries see the current
state only (the edited function's new calls, the new file's references to
names defined in files that were not re-analysed, nothing of the deleted
file); the result equals a fresh full index of the same worktree."""
import json
import os
import shutil
import subprocess
import sys

LMKV = os.environ.get("LMKV_BIN", "build/lmkv")
SOURCES = os.environ.get("LMKV_SOURCES", "build/sources")
TMP = os.environ.get("LMKV_TEST_TMP") or os.getcwd()
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg)


def run(args, check=True, cwd=None):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    if check and p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s" % (p.returncode, " ".join(args), p.stderr))
    return p


def lmkv(db, *args, check=True):
    return run([LMKV, "--db", db] + list(args), check=check)


def index(db, ws):
    return json.loads(lmkv(db, "index", "--json", "--workspace", ws, ws).stdout)


def callers(db, name):
    p = lmkv(db, "query", "callers", name, "--json", "--limit", "100000", check=False)
    if p.returncode == 1:
        return None
    return sorted((x["from"], x["file"], x["line"]) for x in json.loads(p.stdout))


def refs(db, name):
    p = lmkv(db, "query", "refs", name, "--json", "--limit", "100000")
    return sorted((x["from"] or "", x["file"], x["line"], x["kind"]) for x in json.loads(p.stdout))


ws = os.path.join(TMP, "repo")
db = os.path.join(TMP, "db")
os.makedirs(ws)
src = os.path.join(SOURCES, "lmdb")
for f in ("midl.c", "midl.h", "mdb.c", "lmdb.h", "mtest.c"):
    shutil.copy(os.path.join(src, f), ws)
git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
run(git + ["init", "-q"], cwd=ws)
run(git + ["add", "."], cwd=ws)
run(git + ["commit", "-q", "-m", "lmdb"], cwd=ws)
head = run(["git", "rev-parse", "HEAD"], cwd=ws).stdout.strip()

r = index(db, ws)
if r["commit"] != head or r["analysed"] != 5:
    fail("first index: %s (HEAD %s)" % (r, head))
before = callers(db, "mdb_midl_alloc")
if not before or any(c[0] == "demo_alloc" for c in before):
    fail("callers of mdb_midl_alloc before the edit: %s" % before)

# warm run: nothing to do, no write transaction
r = index(db, ws)
if r["analysed"] != 0 or r["write_txns"] != 0 or r["unchanged"] != 5:
    fail("warm run: %s" % r)

# edit midl.c (new function), add an untracked file, delete mtest.c
with open(os.path.join(ws, "midl.c"), "a") as f:
    f.write("\nMDB_IDL demo_alloc(void)\n{\n\treturn mdb_midl_alloc(8);\n}\n")
with open(os.path.join(ws, "extra.c"), "w") as f:
    # demo_alloc is declared here (a C compiler, and libclang, needs it);
    # naming it without calling it is a function_pointer reference
    f.write('#include "midl.h"\nMDB_IDL demo_alloc(void);\nvoid extra_free(MDB_IDL ids)\n{\n\tmdb_midl_free(ids);\n\t(void)demo_alloc;\n}\n')
os.remove(os.path.join(ws, "mtest.c"))
r = index(db, ws)
if r["analysed"] != 2 or r["deleted"] != 1 or r["unchanged"] != 3 or r["failed"] != 0:
    fail("after the edit: %s" % r)

after = callers(db, "mdb_midl_alloc")
if ("demo_alloc", "midl.c", 693) not in after:
    fail("new caller missing: %s" % after)
if set(after) - {("demo_alloc", "midl.c", 693)} != set(before):
    fail("other callers changed: before %s after %s" % (before, after))
if ("extra_free", "extra.c", 5) not in (callers(db, "mdb_midl_free") or []):
    fail("extra.c's call missing: %s" % callers(db, "mdb_midl_free"))
# extra.c names MDB_IDL (midl.h, not re-analysed) and demo_alloc (midl.c)
if not any(x[1] == "extra.c" and x[3] == "type" for x in refs(db, "MDB_IDL")):
    fail("extra.c's reference to MDB_IDL (defined in an unchanged file) missing")
if ("extra_free", "extra.c", 6, "function_pointer") not in refs(db, "demo_alloc"):
    fail("extra.c's reference to demo_alloc missing: %s" % refs(db, "demo_alloc"))
# mtest.c is gone: its main no longer calls anything
if any(c[1] == "mtest.c" for c in callers(db, "mdb_env_open") or []):
    fail("deleted mtest.c still answers")
p = lmkv(db, "query", "callees", "main", check=False)
if p.returncode != 1:
    fail("main (only in the deleted mtest.c) still known: %r" % p.stdout)

# the incremental state equals a fresh full index of the same worktree
db2 = os.path.join(TMP, "db2")
index(db2, ws)
for name in ("mdb_midl_alloc", "mdb_midl_free", "mdb_page_alloc", "mdb_txn_commit", "mdb_cursor_put"):
    a, b = callers(db, name), callers(db2, name)
    if a != b:
        fail("callers %s: incremental %s, fresh %s" % (name, a, b))
for name in ("MDB_IDL", "MDB_val", "demo_alloc"):
    a, b = refs(db, name), refs(db2, name)
    if a != b:
        fail("refs %s: incremental %d items, fresh %d items" % (name, len(a), len(b)))

# commit the edit: the state moves to the new HEAD without analysing again
run(git + ["add", "-A"], cwd=ws)
run(git + ["commit", "-q", "-m", "edit"], cwd=ws)
head2 = run(["git", "rev-parse", "HEAD"], cwd=ws).stdout.strip()
r = index(db, ws)
if r["commit"] != head2 or r["analysed"] != 0:
    fail("after commit: %s (HEAD %s)" % (r, head2))
if callers(db, "mdb_midl_alloc") != after:
    fail("callers changed by the commit alone")

if FAILS:
    print("%d failures" % len(FAILS))
    sys.exit(1)
print("ok")
