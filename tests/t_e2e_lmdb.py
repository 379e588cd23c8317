#!/usr/bin/python3
"""End-to-end correctness of `lmkv index` + `lmkv query` on LMDB's real sources.

What the analyser extracts is checked against clangd 14 by
t_oracle_clangd.py (callers, call sites, references); this test checks that
the QUERIES answer exactly what the stored records say, with independent
computations over the records exported by `lmkv dump --system --json`:
  * callers and callees: for EVERY function defined in the sources, the
    set `lmkv query callers/callees` returns equals the set of the exported
    call records (store.call) naming it;
  * impact, paths and cycles: a plain BFS / DFS / Tarjan in Python over the
    exported call and reference edges;
  * fixed answers of the real code that the old ctags+cflow path got wrong
    (issue 16): calls through MDB_PAGE_GET are mdb_page_get's; DPRINTF's
    calls (it expands to nothing) and code under #if 0 are not calls;
    function-pointer uses are references of kind function_pointer;
  * bad input: unknown symbol, missing database, a binary file.
Also imported by t_e2e_sqlite.py (run_suite) for SQLite's amalgamation.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

LMKV = os.environ.get("LMKV_BIN", "build/lmkv")
SOURCES = os.environ.get("LMKV_SOURCES", "build/sources")
TMP = os.environ.get("LMKV_TEST_TMP") or os.getcwd()
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg)


def run(args, check=True, **kw):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s" % (p.returncode, " ".join(args), p.stderr))
    return p


def lmkv(db, *args, check=True):
    return run([LMKV, "--db", db] + list(args), check=check)


def query_many(db, kind, names):
    """{name: set of the other ends of its edges} over one lmkv invocation
    per chunk (edge rows {from, to, kind, file, line, column}: callers of
    NAME have to = NAME, callees from = NAME)."""
    out = {n: set() for n in names}
    names = sorted(names)
    for i in range(0, len(names), 400):
        chunk = names[i:i + 400]
        p = lmkv(db, "query", kind, "--json", "--limit", "100000000", *chunk)
        back, other = ("to", "from") if kind == "callers" else ("from", "to")
        for item in json.loads(p.stdout):
            if set(item) != {"from", "to", "kind", "file", "line", "column"} or item["kind"] != "call":
                fail("%s row shape: %s" % (kind, item))
            out[item[back]].add(item[other])
    return out


def diff_sets(what, name, got, want):
    if got != want:
        fail("%s %s: query-only %s, records-only %s" % (what, name, sorted(got - want)[:10], sorted(want - got)[:10]))
        return 1
    return 0


def load_edges(db):
    """call edges caller->callee and reference edges source->target."""
    calls, refs = set(), set()
    for tree, a, b, dst in (("store.call", "caller_name", "callee_name", calls),
                            ("store.ref", "source_name", "target_name", refs)):
        p = lmkv(db, "dump", "--system", "--tree", tree, "--json")
        for line in p.stdout.splitlines():
            rec = json.loads(line)["record"]
            if rec.get(a) and rec.get(b):
                dst.add((rec[a], rec[b]))
    return calls, refs


def py_impact(incoming, name, depth):
    dist, frontier = {name: 0}, [name]
    for d in range(1, depth + 1):
        nxt = []
        for u in frontier:
            for v in incoming.get(u, ()):
                if v not in dist:
                    dist[v] = d
                    nxt.append(v)
        frontier = nxt
    del dist[name]
    return dist


def py_paths(out, src, dst, depth, cap):
    res = []

    def dfs(path):
        if len(res) > cap:
            return
        u = path[-1]
        if u == dst:
            res.append(list(path))
            return
        if len(path) - 1 >= depth:
            return
        for v in sorted(out.get(u, ())):
            if v not in path:
                path.append(v)
                dfs(path)
                path.pop()
    dfs([src])
    res.sort(key=lambda p: (len(p), p))
    return res


def py_sccs(out):
    """Tarjan (iterative); components with >1 node or a self loop."""
    nodes = sorted(set(out) | {v for vs in out.values() for v in vs})
    index, low, onstk, stk, comps, counter = {}, {}, set(), [], [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(out.get(root, ()))))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stk.append(root); onstk.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]; counter[0] += 1
                    stk.append(w); onstk.add(w)
                    work.append((w, iter(sorted(out.get(w, ())))))
                    advanced = True
                    break
                elif w in onstk:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stk.pop(); onstk.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in out.get(v, ()):
                    comps.append(sorted(comp))
    comps.sort(key=lambda c: (-len(c), c[0]))
    return comps


def run_suite(label, srcdir, exts, sample_graph=60):
    ws = os.path.join(TMP, label + "-ws")
    db = os.path.join(TMP, label + "-db")
    shutil.rmtree(ws, ignore_errors=True)
    os.makedirs(ws)
    files = sorted(f for f in os.listdir(srcdir) if os.path.splitext(f)[1] in exts)
    if not files:
        raise SystemExit("no sources in %s (run scripts/fetch-sources.sh)" % srcdir)
    for f in files:
        shutil.copy(os.path.join(srcdir, f), ws)

    t0 = time.time()
    p = lmkv(db, "index", "--json", ws)
    took = time.time() - t0
    rep = json.loads(p.stdout)
    print("%s: indexed %d files in %.1fs: %s" % (label, len(files), took, rep))
    if rep["analysed"] != len(files) or rep["failed"] != 0:
        fail("index report %s" % rep)
    # Indexing time is printed above, not asserted: speed is measured in
    # bench/ (ladder), never as a timed assertion in a test.

    # functions defined in the sources and the call edges, from the records
    calls, refs = load_edges(db)
    defined = set()
    p = lmkv(db, "dump", "--system", "--tree", "store.sym", "--json")
    for line in p.stdout.splitlines():
        rec = json.loads(line)["record"]
        if rec.get("kind") == "Function" and "declaration" not in (rec.get("modifiers") or []):
            defined.add(rec["name"])
    fwd, rev = {}, {}
    for a, b in calls:
        fwd.setdefault(a, set()).add(b)
        rev.setdefault(b, set()).add(a)
    print("%s: %d functions defined, %d call edges" % (label, len(defined), len(calls)))
    if len(defined) < 50:
        fail("only %d functions defined" % len(defined))

    # callers of every defined function
    got = query_many(db, "callers", defined)
    bad = sum(diff_sets("callers", n, got[n], rev.get(n, set())) for n in sorted(defined))
    # callees of every defined function
    got = query_many(db, "callees", defined)
    bad += sum(diff_sets("callees", n, got[n], fwd.get(n, set())) for n in sorted(defined))
    print("%s: callers/callees of %d functions compared, %d mismatches" % (label, len(defined), bad))

    # traversals against Python over the exported edges
    out, incoming = {}, {}
    for a, b in calls:
        out.setdefault(a, set()).add(b)
        incoming.setdefault(b, set()).add(a)
    for a, b in refs:
        incoming.setdefault(b, set()).add(a)
    rnd = random.Random(1234)
    names = sorted(defined)
    sample = rnd.sample(names, min(sample_graph, len(names)))
    for n in sample:
        for depth in (1, 3):
            want = py_impact(incoming, n, depth)
            p = lmkv(db, "query", "impact", n, "--depth", str(depth), "--limit", "100000000", "--json")
            rows = json.loads(p.stdout)
            got = {it["name"]: it["depth"] for it in rows}
            if any(set(it) != {"name", "kind", "file", "line", "column", "signature", "depth"} or
                   (it["file"] is not None and it["column"] < 1) for it in rows):
                fail("impact %s row shape: %s" % (n, rows[:2]))
            if got != want:
                fail("impact %s depth %d: lmkv-only %s, python-only %s, distance differs %s" % (
                    n, depth, sorted(set(got) - set(want))[:8], sorted(set(want) - set(got))[:8],
                    sorted(k for k in set(got) & set(want) if got[k] != want[k])[:8]))
    npaths = 0
    for a in sample[: sample_graph // 2]:
        reach = py_impact({k: v for k, v in out.items()}, a, 3)  # forward reach up to 3
        targets = sorted(reach)
        if not targets:
            continue
        b = rnd.choice(targets)
        want = py_paths(out, a, b, 4, 500)
        if len(want) > 500:
            continue
        p = lmkv(db, "query", "paths", a, b, "--depth", "4", "--limit", "100000", "--json")
        rows = json.loads(p.stdout)
        got = [r["functions"] for r in rows]
        if any(r["length"] != len(r["functions"]) - 1 for r in rows):
            fail("paths %s -> %s: length is not the number of calls: %s" % (a, b, rows[:2]))
        npaths += len(got)
        if got != want:
            fail("paths %s -> %s depth 4: lmkv %d paths %s..., python %d paths %s..." % (
                a, b, len(got), got[:2], len(want), want[:2]))
    p = lmkv(db, "query", "cycles", "--limit", "100000000", "--json")
    rows = json.loads(p.stdout)
    got = [r["functions"] for r in rows]
    if any(r["size"] != len(r["functions"]) for r in rows):
        fail("cycles: size is not the number of functions: %s" % rows[:2])
    want = py_sccs(out)
    if got != want:
        fail("cycles: lmkv %d components, python %d; first lmkv %s, python %s" % (
            len(got), len(want), got[:1], want[:1]))
    print("%s: impact of %d functions, %d paths, %d cycles compared" % (label, len(sample), npaths, len(want)))
    return ws, db


def bad_input(ws, db):
    # unknown symbol
    p = lmkv(db, "query", "callers", "no_such_function_xyz", check=False)
    if p.returncode != 1 or len(p.stderr.strip().splitlines()) != 1 or "no_such_function_xyz" not in p.stderr:
        fail("unknown symbol: rc %d stderr %r" % (p.returncode, p.stderr))
    # --json: `[]` and the same exit code, for every query of a name
    for q in (["callers", "no_such_function_xyz"], ["refs", "no_such_function_xyz"], ["impact", "no_such_function_xyz"],
              ["paths", "no_such_function_xyz", "main"], ["symbol", "no_such_function_xyz"]):
        p = lmkv(db, "query", *q, "--json", check=False)
        if p.returncode != 1 or p.stdout != "[]\n" or "no_such_function_xyz" not in p.stderr:
            fail("unknown name, --json %s: rc %d stdout %r stderr %r" % (q[0], p.returncode, p.stdout, p.stderr))
    # missing database
    p = run([LMKV, "--db", os.path.join(TMP, "no-such-db"), "query", "callers", "main"], check=False)
    if p.returncode != 1 or len(p.stderr.strip().splitlines()) != 1:
        fail("missing db: rc %d stderr %r" % (p.returncode, p.stderr))
    # a binary file (NUL bytes) next to a good one
    bws = os.path.join(TMP, "bad-ws")
    bdb = os.path.join(TMP, "bad-db")
    os.makedirs(bws, exist_ok=True)
    with open(os.path.join(bws, "good.c"), "w") as f:
        f.write("static int helper(int x) { return x + 1; }\nint entry(void) { return helper(41); }\n")
    with open(os.path.join(bws, "broken.c"), "wb") as f:
        f.write(b"int broken_fn(void) { return 0; }\n\x00\x01\x02garbage\x00\n")
    p = lmkv(bdb, "index", bws, check=False)
    errs = p.stderr.strip().splitlines()
    if p.returncode != 5 or len(errs) != 1 or "broken.c" not in errs[0]:  # 5: partial (lmkv(1))
        fail("unparsable file: rc %d stderr %r" % (p.returncode, p.stderr))
    p = lmkv(bdb, "query", "symbol", "broken_fn", check=False)
    if p.returncode != 1:
        fail("symbols of the unparsable file were stored: %r" % p.stdout)
    p = lmkv(bdb, "query", "callers", "helper", "--json", check=False)
    if p.returncode != 0 or [x["from"] for x in json.loads(p.stdout or "[]")] != ["entry"]:
        fail("good file next to the broken one not indexed: rc %d %r %r" % (p.returncode, p.stdout, p.stderr))
    # a PATH that does not exist: error naming it, exit 1
    p = lmkv(bdb, "index", "--workspace", bws, os.path.join(bws, "missing.c"), check=False)
    if p.returncode != 1 or "missing.c" not in p.stderr:
        fail("missing path: rc %d stderr %r" % (p.returncode, p.stderr))


def main():
    ws, db = run_suite("lmdb", os.path.join(SOURCES, "lmdb"), {".c", ".h"}, sample_graph=80)
    # a few fixed answers that must hold for LMDB (real semantics)
    p = lmkv(db, "query", "callers", "mdb_txn_commit", "--json")
    callers = {x["from"] for x in json.loads(p.stdout)}
    if "mdb_env_open" not in callers and "main" not in callers:
        fail("callers of mdb_txn_commit %s" % sorted(callers))
    # calls through the function-like macro MDB_PAGE_GET are mdb_page_get's
    # (clangd 14: 10 callers; ctags+cflow had none)
    p = lmkv(db, "query", "callers", "mdb_page_get", "--json")
    callers = {x["from"] for x in json.loads(p.stdout)}
    for want in ("mdb_page_search_root", "mdb_cursor_sibling", "mdb_rebalance", "mdb_env_cwalk", "mdb_node_read"):
        if want not in callers:
            fail("callers of mdb_page_get lack %s: %s" % (want, sorted(callers)))
    # DPRINTF((...)) expands to nothing without MDB_DEBUG: its arguments'
    # calls (mdb_dkey, DDBI's...) are no calls
    p = lmkv(db, "query", "callers", "mdb_dkey", "--json")
    in_mdb = [x for x in json.loads(p.stdout or "[]") if x["file"] == "mdb.c"]
    if in_mdb:
        fail("calls inside DPRINTF counted: %s" % in_mdb[:3])
    # mdb_cmp_int is only ever named as a value (a comparator): references of
    # kind function_pointer, never a call
    p = lmkv(db, "query", "callers", "mdb_cmp_int", "--json", check=False)
    if json.loads(p.stdout or "[]"):
        fail("function-pointer uses of mdb_cmp_int counted as calls: %s" % p.stdout[:300])
    p = lmkv(db, "query", "refs", "mdb_cmp_int", "--json")
    kinds = {x["kind"] for x in json.loads(p.stdout)}
    if kinds != {"function_pointer"}:
        fail("refs of mdb_cmp_int have kinds %s" % sorted(kinds))
    bad_input(ws, db)
    if FAILS:
        print("%d failures" % len(FAILS))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
