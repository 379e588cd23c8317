#!/usr/bin/python3
"""Issue 20's correctness check: after any sequence of edits, re-indexed
incrementally one step at a time, the database equals a fresh full index of
the final sources.

Real files (build/sources: LMDB's mdb.c and midl.c with their headers,
SQLite's amalgamation), random edits of the issue's kinds, each step
re-indexing incrementally with `lmkv index`:
  body   a statement inside a function duplicated (its calls/references
         change, every later line shifts by one);
  top    a comment line inserted at line 1 (every line shifts);
  add    a new function inserted after an existing one (calling one of the
         functions the test added earlier, if any);
  delete a function (its whole definition) removed.
The function ranges come from the database being tested (`lmkv dump` of
store.sym), as an editor's outline would. Steps edit one file, sometimes two
(a two-file save). After the last step, `lmkv gc` drops the versions no map
uses any more, and `lmkv dump --system` of that database (timestamps and
the state generation aside) must equal the dump of a fresh full index of the
same final sources, entry for entry. A second phase edits a git
repository whose HEAD keeps the original files (HEAD's versions and the
modified latest ones coexist) and compares the current state (current and
latest maps, the current copies of every call and reference) with a fresh
index's, since the fresh one never stored HEAD's versions of edited files.

LMKV_RANDOM_SEED=N replays one sequence; LMKV_RANDOM_STEPS=N sets the
number of steps (default 8 in the non-git phase, half that in the git one)."""
import json
import os
import random
import re
import shutil
import subprocess
import sys

LMKV = os.environ.get("LMKV_BIN", "build/lmkv")
SOURCES = os.environ.get("LMKV_SOURCES", "build/sources")
TMP = os.environ.get("LMKV_TEST_TMP") or os.getcwd()
SEED = int(os.environ.get("LMKV_RANDOM_SEED") or random.SystemRandom().randrange(1 << 30))
STEPS = int(os.environ.get("LMKV_RANDOM_STEPS") or 8)
rng = random.Random(SEED)
print("# seed %d (LMKV_RANDOM_SEED=%d replays it)" % (SEED, SEED))
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg)


def run(args, check=True, cwd=None):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    if check and p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s" % (p.returncode, " ".join(args),
                                                            p.stderr.decode(errors="replace")))
    return p


def lmkv(db, *args):
    return run([LMKV, "--db", db] + list(args))


def index(db, ws, git):
    args = ["index", "--json", "--workspace", ws] + ([] if git else ["--no-git"]) + [ws]
    r = json.loads(lmkv(db, *args).stdout)
    if r["failed"] != 0:
        raise SystemExit("index failed: %s" % r)
    return r


TIMES = re.compile(rb'"(indexed_ns|created_ns|last_indexed_ns)":[0-9]+')
COMMIT_TIMES = re.compile(rb'(\\"[0-9a-f]{40}\\":)[0-9]+')


CURRENT_TREES = (b"store.cur\t", b"store.cur_fv\t", b"store.map_latest\t", b"store.cur_call_to\t",
                 b"store.cur_call_from\t", b"store.cur_ref_to\t")


def state(db, current_only=False):
    """Every system-tree entry, timestamps zeroed, the generation counter
    (store.ws_gen counts the changes of the current map, so it depends on
    the history, not on the state) left out. CURRENT_ONLY: the current
    state only (the current and latest maps, the current copies of every
    call and reference, which hold the records' bytes)."""
    out = []
    for line in lmkv(db, "dump", "--system").stdout.split(b"\n"):
        if not line or line.startswith(b"store.ws_gen\t"):
            continue
        if current_only and not line.startswith(CURRENT_TREES):
            continue
        line = TIMES.sub(rb'"\1":0', line)
        line = COMMIT_TIMES.sub(rb"\g<1>0", line)
        out.append(line)
    return out


def current_fv(db, path):
    """The file version id (16 hex digits) the current map gives PATH."""
    for line in lmkv(db, "--json", "dump", "--system", "--tree", "store.cur").stdout.split(b"\n"):
        if not line:
            continue
        e = json.loads(line)
        if bytes.fromhex(e["key_hex"])[8:] == path.encode():
            return e["key_hex"][:16], e["value_hex"][:16]
    raise SystemExit("%s is not in the current map" % path)


def current_functions(db, path, text_lines):
    """(start_line, end_line, name) of the function definitions of PATH's
    current version, from the database's own records (as an editor's
    outline), checked against the file's text: the opening line names the
    function, the closing line is a lone '}'."""
    ws, fv = current_fv(db, path)
    out = set()
    for line in lmkv(db, "--hex", "dump", "--system", "--tree", "store.sym",
                     "--prefix", ws + fv).stdout.split(b"\n"):
        if not line:
            continue
        rec = json.loads(line.split(b"\t", 2)[2])
        if rec.get("file_version_id") != fv or rec.get("kind") != "Function":
            continue
        s, e, name = rec.get("start_line", 0), rec.get("end_line", 0), rec["name"]
        if e <= s + 1 or e > len(text_lines):
            continue  # a prototype or a one-line body
        if name in text_lines[s - 1] and text_lines[e - 1].strip() == "}":
            out.add((s, e, name))
    return sorted(out)


ADDED = []


def edit(db, ws, path, step):
    full = os.path.join(ws, path)
    with open(full, encoding="latin-1") as f:
        lines = f.read().split("\n")
    fns = current_functions(db, path, lines)
    kinds = ["top", "add"] + (["body", "delete"] if fns else [])
    kind = rng.choice(kinds)
    if kind == "top":
        lines.insert(0, "/* lmkv edit %d */" % step)
    elif kind == "body":
        s, e, name = rng.choice(fns)
        cand = [i for i in range(s, e - 1) if lines[i].rstrip().endswith(";")
                and lines[i].startswith(("\t", " ")) and "return" not in lines[i]]
        if not cand:
            lines.insert(s, "\t/* lmkv body edit %d */" % step)
            kind = "body(comment)"
        else:
            i = rng.choice(cand)
            lines.insert(i + 1, lines[i])
        kind += " " + name
    elif kind == "add":
        name = "lmkv_added_%d" % step
        body = "\treturn x + %d;" % step
        if ADDED and rng.random() < 0.7:
            body = "\treturn %s(x) + %d;" % (rng.choice(ADDED), step)
        fn = ["", "static int %s(int x)" % name, "{", body, "}"]
        if fns:
            at = rng.choice(fns)[1]  # after a function's closing brace
        else:
            at = len(lines)
        lines[at:at] = fn
        ADDED.append(name)
        kind += " " + name
    else:
        s, e, name = rng.choice(fns)
        del lines[s - 1:e]
        if name in ADDED:
            ADDED.remove(name)
        kind += " " + name
    with open(full, "w", encoding="latin-1") as f:
        f.write("\n".join(lines))
    return kind


def setup(ws):
    os.makedirs(ws)
    lm = os.path.join(SOURCES, "lmdb")
    sq = os.path.join(SOURCES, "sqlite")
    for f in ("mdb.c", "midl.c", "midl.h", "lmdb.h"):
        shutil.copy(os.path.join(lm, f), ws)
    for f in ("sqlite3.c", "sqlite3.h"):
        shutil.copy(os.path.join(sq, f), ws)


def campaign(name, git, steps):
    ws = os.path.join(TMP, name)
    db = os.path.join(TMP, name + ".db")
    setup(ws)
    env_git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    if git:
        run(env_git + ["init", "-q"], cwd=ws)
        run(env_git + ["add", "."], cwd=ws)
        run(env_git + ["commit", "-q", "-m", "sources"], cwd=ws)
    index(db, ws, git)
    files = ["midl.c", "mdb.c", "sqlite3.c"]
    weights = [4, 4, 1]  # sqlite3.c takes seconds to analyse
    for step in range(steps):
        picked = rng.choices(files, weights)
        if rng.random() < 0.25:
            picked = sorted(set(picked + rng.choices(files, weights)))
        done = [p + ": " + edit(db, ws, p, step) for p in picked]
        r = index(db, ws, git)
        print("# %s step %d: %s -> analysed %d" % (name, step, "; ".join(done), r["analysed"]))
        if r["analysed"] != len(picked):
            fail("%s step %d: %d files analysed, %d edited (%s)" % (name, step, r["analysed"],
                                                                   len(picked), r))
    lmkv(db, "gc", "--workspace", ws)
    fresh = os.path.join(TMP, name + ".fresh")
    index(fresh, ws, git)
    # in git, the incremental database also holds HEAD's versions of the
    # edited files (HEAD was indexed first), a fresh index only the worktree's
    a, b = state(db, git), state(fresh, git)
    if len(a) < 1000:
        fail("%s: only %d entries stored" % (name, len(a)))
    if a != b:
        sa, sb = set(a), set(b)
        only_a = [x for x in a if x not in sb][:5]
        only_b = [x for x in b if x not in sa][:5]
        fail("%s: incremental state (%d entries) != fresh full index (%d entries)\n"
             "  only incremental: %s\n  only fresh: %s" %
             (name, len(a), len(b), [x[:300] for x in only_a], [x[:300] for x in only_b]))
    else:
        print("# %s: %d entries, equal to a fresh full index" % (name, len(a)))
    # the verify pass accepts the incrementally written layout
    v = run([LMKV, "--db", db, "verify"], check=False)
    if v.returncode != 0:
        fail("%s: verify: %s %s" % (name, v.stdout[-500:], v.stderr[-500:]))


campaign("plain", False, STEPS)
campaign("git", True, max(1, STEPS // 2))
if FAILS:
    print("%d failures (seed %d)" % (len(FAILS), SEED))
    sys.exit(1)
print("ok")
