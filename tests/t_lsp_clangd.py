#!/usr/bin/python3
"""Real LSP answers in, lmkv's graph out: clangd 14 over LMDB's sources.

Runs Debian's clangd-14 over LSP stdio on a copy of LMDB's mdb.c and midl.c
(from build/sources/lmdb) plus uni.c, a small file whose call sites follow
2-, 3- and 4-byte UTF-8 characters (so clangd's UTF-16 columns differ from
byte columns). For every function clangd's textDocument/documentSymbol
lists, it asks textDocument/prepareCallHierarchy + callHierarchy/
incomingCalls and textDocument/references, records the raw answers
(tests/lsp_client.py), ingests them with `lmkv ingest` (lsp/lmkv_lsp.h),
then checks, for every function:
  * `lmkv query callers F --json` = clangd's incomingCalls of F: the same
    (caller, file, line, byte column) multiset, columns converted from
    clangd's UTF-16 by Python's codec, not lmkv's;
  * `lmkv query refs F --json` = clangd's references of F (file, line, byte
    column), F being the documentSymbol name asked about (also for a
    function declared through a macro, e.g. mdb.c's MDB_PAGE_GET);
  * `lmkv query symbol F --json` has every documentSymbol entry of F;
and that re-ingesting an edited uni.c replaces its records, that a bad
answer (malformed JSON, a range past the file) is refused with the line,
method and JSON path and writes nothing, and that `lmkv verify` is clean.
clangd's answers are cached in build/oracle-cache for every suite
(tests/oracle_cache.py); lmkv's side runs every time.
Exit 77 (skip) when clangd-14 is missing.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_client  # noqa: E402
import oracle_cache  # noqa: E402

LMKV = os.environ.get("LMKV_BIN", "build/lmkv")
SOURCES = os.environ.get("LMKV_SOURCES", "build/sources")
TMP = os.environ.get("LMKV_TEST_TMP") or os.getcwd()
FAILS = []

UNI_C = """#include "lmdb.h"
/* é */ static int uni_a(MDB_txn *t) { return mdb_txn_commit(t); }
/* € and 😀 */ static int uni_b(MDB_txn *t) { /* 😀😀 */ return uni_a(t) + mdb_txn_commit(t); }
int uni_main(void) { /* ü */ return uni_b(0) + uni_a(0); }
"""


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg)


def run(args, check=True):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s" % (p.returncode, " ".join(args), p.stderr))
    return p


def main():
    clangd = shutil.which("clangd-14")
    if not clangd:
        print("SKIP: clangd-14 not installed (apt-get install clangd-14)")
        return 77
    src = os.path.join(SOURCES, "lmdb")
    if not os.path.exists(os.path.join(src, "mdb.c")):
        raise SystemExit("LMDB sources missing in %s (scripts/fetch-sources.sh)" % src)
    ws = os.path.realpath(os.path.join(TMP, "ws"))
    os.makedirs(ws)
    for f in os.listdir(src):
        if f.endswith((".c", ".h")):
            shutil.copy(os.path.join(src, f), ws)
    with open(os.path.join(ws, "uni.c"), "w", encoding="utf-8") as f:
        f.write(UNI_C)
    files = ["mdb.c", "midl.c", "uni.c"]
    with open(os.path.join(ws, "compile_commands.json"), "w") as f:
        json.dump([{"directory": ws, "file": os.path.join(ws, n),
                    "arguments": ["cc", "-c", "-I" + ws, "-D_GNU_SOURCE", n]} for n in files], f)
    text = {}
    for n in files:
        with open(os.path.join(ws, n), encoding="utf-8", errors="surrogateescape") as f:
            text[n] = lsp_client.lines_of(f.read())

    log = open(os.path.join(TMP, "clangd.log"), "w")
    argv = [clangd, "--background-index=false", "--log=error", "--compile-commands-dir=" + ws, "-j=1"]

    def start():
        live = lsp_client.Client(argv, ws, log=log)
        live.initialize()
        for n in files:
            live.open(os.path.join(ws, n), "c")
        for n in files:  # the files are parsed (dynamic index) once diagnostics are out
            u = lsp_client.uri_of(os.path.join(ws, n))
            live.wait_note(lambda m, u=u: m.get("method") == "textDocument/publishDiagnostics"
                           and m["params"]["uri"] == u, timeout=300)
        return live

    # clangd's answers from the cache shared by every suite (tests/oracle_cache.py)
    cl = oracle_cache.Cached("lsp-clangd", [clangd], ws, sorted(os.listdir(ws)), argv, start)
    answers = []
    try:
        funcs, ref_target = lsp_client.ask_all(cl, ws, files, answers, (12,), outgoing=False)
    finally:
        cl.close()
        log.close()
    ans_path = os.path.join(TMP, "answers.jsonl")
    with open(ans_path, "w", encoding="utf-8") as f:
        for a in answers:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    print("clangd: %d functions, %d answers" % (len(funcs), len(answers)))

    db = os.path.join(TMP, "db")
    paths = [os.path.join(ws, n) for n in files]
    out = json.loads(run([LMKV, "--db", db, "--json", "ingest", "--workspace", ws, ans_path] + paths).stdout)
    print("ingest:", out)
    if out["answers"] != len(answers):
        fail("ingested %d answers of %d" % (out["answers"], len(answers)))

    got_callers = lsp_client.check_graph(LMKV, db, ws, text, answers, ref_target, list(funcs), fail, min_calls=500)
    # the non-ASCII lines: uni_a called at UTF-16 column != byte column
    ua = {(c[0], c[2], c[3]) for c in got_callers["uni_a"]}
    want = {("uni_b", 3, UNI_C.splitlines()[2].encode().index(b"uni_a(t)") + 1),
            ("uni_main", 4, UNI_C.splitlines()[3].encode().index(b"uni_a(0)") + 1)}
    if ua != want:
        fail("uni_a callers on non-ASCII lines: %s, want %s" % (sorted(ua), sorted(want)))

    syms = json.loads(run([LMKV, "--db", db, "query", "symbol", "--json", "uni_b"]).stdout)
    if not any(s.get("file") == "uni.c" and s.get("line") == 3 for s in syms):
        fail("symbol uni_b not found at uni.c:3: %s" % syms)

    # re-ingest an edited uni.c: its old calls are gone
    with open(os.path.join(ws, "uni.c"), "w", encoding="utf-8") as f:
        f.write(UNI_C.replace(" + uni_a(0)", ""))
    empty = os.path.join(TMP, "empty.jsonl")
    with open(empty, "w") as f:
        f.write(json.dumps({"method": "textDocument/documentSymbol",
                            "params": {"textDocument": {"uri": lsp_client.uri_of(os.path.join(ws, "uni.c"))}},
                            "result": []}) + "\n")
    run([LMKV, "--db", db, "ingest", "--workspace", ws, empty, os.path.join(ws, "uni.c")])
    got = json.loads(run([LMKV, "--db", db, "query", "callers", "--json", "mdb_txn_commit"]).stdout)
    if any(g["file"] == "uni.c" for g in got):
        fail("uni.c's calls survived its re-ingest: %s" % [g for g in got if g["file"] == "uni.c"])
    if not any(g["file"] == "mdb.c" for g in got):
        fail("mdb.c's calls of mdb_txn_commit lost by re-ingesting uni.c")

    # bad answers: refused, with line, method and JSON path; nothing written
    before = run([LMKV, "--db", db, "dump", "--system", "--json"]).stdout
    bad = os.path.join(TMP, "bad.jsonl")
    a = next(x for x in answers if x["method"] == "callHierarchy/incomingCalls" and x["result"])
    a = json.loads(json.dumps(a))
    a["result"][0]["fromRanges"][0]["start"]["line"] = 10 ** 6
    for content, want in ((json.dumps(a), "bad.jsonl:2: callHierarchy/incomingCalls answer: at result[0].fromRanges[0].start (result byte "),
                          ('{"method": "textDocument/references", "params": {', "bad.jsonl:2:")):
        with open(bad, "w") as f:
            f.write(json.dumps(answers[0]) + "\n" + content + "\n")
        p = run([LMKV, "--db", db, "ingest", "--workspace", ws, bad] + paths, check=False)
        if p.returncode != 3 or want not in p.stderr:
            fail("bad answer: exit %d, stderr %r (want 3 and %r)" % (p.returncode, p.stderr, want))
    if run([LMKV, "--db", db, "dump", "--system", "--json"]).stdout != before:
        fail("a refused ingest changed the database")
    v = run([LMKV, "--db", db, "verify"], check=False)
    if v.returncode != 0:
        fail("lmkv verify: %s%s" % (v.stdout, v.stderr))

    if not FAILS:
        cl.save()   # the server's answers, for the next suite (never a failed run's)
    if FAILS:
        print("%d failures" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
