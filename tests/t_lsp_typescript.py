#!/usr/bin/python3
"""Real LSP answers of a second language: typescript-language-server 4.4.1
(with TypeScript 5.9.3, both from npm, pinned: scripts/fetch-sources.sh
installs them in build/sources/tsls) over immer 10.1.3's TypeScript sources
(src/, from npm), plus uni.ts, whose call sites follow 2-, 3- and 4-byte
UTF-8 characters.

For every function and method the server's textDocument/documentSymbol
lists (hierarchical: classes, their methods, nested functions), it asks
prepareCallHierarchy + callHierarchy/incomingCalls and outgoingCalls and
textDocument/references, ingests the raw answers with `lmkv ingest`, and
checks that `lmkv query callers/callees/refs` equal the server's answers
exactly
(byte columns converted from UTF-16 by Python, not lmkv: tests/
lsp_client.py check_graph), that qualified names follow the DocumentSymbol
hierarchy with "." (a method Class.method), and that `lmkv verify` is clean.
The server's answers are cached in build/oracle-cache for every suite
(tests/oracle_cache.py); lmkv's side runs every time.
Exit 77 (skip) when node or the server is missing.

It leaves, in $LMKV_TEST_TMP (default: the current directory), what the Rust
binding's test of the same answers reads (bindings/rust/lmkv/tests/
lsp_clangd.rs, tsls_answers_of_t_lsp_typescript, which runs this script):
answers.jsonl (every answer, one {"method", "params", "result"} a line),
capture.json ({"root": the workspace, "files": [[path, "typescript"]...],
"names": the functions and methods asked about}), ws/ (the workspace) and
c_answers.json (lmkv's callers, callees and refs of those names through the
C library, `lmkv query --json`, once they equal the server's answers).
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

UNI_TS = """// é
export function uniA(n: number): number { return n + 1 }
/* € and 😀 */ export function uniB(n: number): number { /* 😀😀 */ return uniA(n) + uniA(2) }
export class Uni { run(): number { /* ü */ return uniB(1) + uniA(3) } }
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
    server = os.path.join(SOURCES, "tsls", "node_modules", ".bin", "typescript-language-server")
    if not shutil.which("node"):
        print("SKIP: node is not installed")
        return 77
    if not os.path.exists(server):
        print("SKIP: %s missing (scripts/fetch-sources.sh installs it from npm)" % server)
        return 77
    src = os.path.join(SOURCES, "immer")
    if not os.path.exists(os.path.join(src, "immer.ts")):
        raise SystemExit("immer's sources missing in %s (scripts/fetch-sources.sh)" % src)
    ws = os.path.realpath(os.path.join(TMP, "ws"))
    shutil.copytree(src, os.path.join(ws, "src"))
    with open(os.path.join(ws, "src", "uni.ts"), "w", encoding="utf-8") as f:
        f.write(UNI_TS)
    with open(os.path.join(ws, "tsconfig.json"), "w") as f:
        json.dump({"compilerOptions": {"target": "es2020", "module": "esnext", "moduleResolution": "node",
                                       "strict": True, "noEmit": True}, "include": ["src/**/*.ts"]}, f)
    files = sorted(os.path.relpath(os.path.join(d, n), ws)
                   for d, _, ns in os.walk(os.path.join(ws, "src")) for n in ns if n.endswith(".ts"))
    text = {}
    for n in files:
        with open(os.path.join(ws, n), encoding="utf-8") as f:
            text[n] = lsp_client.lines_of(f.read())

    log = open(os.path.join(TMP, "tsls.log"), "w")
    tslib = os.path.join(SOURCES, "tsls", "node_modules", "typescript", "lib")

    def start():
        live = lsp_client.Client(["node", server, "--stdio"], ws, log=log)
        live.initialize({"tsserver": {"path": tslib}})
        for n in files:
            live.open(os.path.join(ws, n), "typescript")
        return live

    # the server's answers from the cache shared by every suite
    # (tests/oracle_cache.py); TypeScript's version is part of the key
    with open(os.path.join(tslib, "..", "package.json"), encoding="utf-8") as f:
        ts_version = json.load(f).get("version", "?")
    ws_files = sorted(os.path.relpath(os.path.join(d, n), ws) for d, _, ns in os.walk(ws) for n in ns)
    cl = oracle_cache.Cached("lsp-typescript", ["node", server], ws, ws_files, ["typescript " + ts_version], start)
    answers = []
    try:
        # the project is loaded once the server answers about the last file
        funcs, ref_target = lsp_client.ask_all(cl, ws, files, answers, (6, 12), outgoing=True)
    finally:
        cl.close()
        log.close()
    ans_path = os.path.join(TMP, "answers.jsonl")
    with open(ans_path, "w", encoding="utf-8") as f:
        for a in answers:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    print("typescript-language-server: %d files, %d functions and methods, %d answers"
          % (len(files), len(funcs), len(answers)))

    db = os.path.join(TMP, "db")
    out = json.loads(run([LMKV, "--db", db, "--json", "ingest", "--workspace", ws, ans_path]
                         + [os.path.join(ws, n) for n in files]).stdout)
    print("ingest:", out)
    if out["answers"] != len(answers):
        fail("ingested %d answers of %d" % (out["answers"], len(answers)))
    with open(os.path.join(TMP, "capture.json"), "w", encoding="utf-8") as f:
        json.dump({"root": ws, "files": [[n, "typescript"] for n in files], "names": sorted(funcs)}, f)
    got_callers = lsp_client.check_graph(LMKV, db, ws, text, answers, ref_target, sorted(funcs), fail, min_calls=100,
                                         save=os.path.join(TMP, "c_answers.json"))

    lines = UNI_TS.split("\n")
    ua = {(c[0], c[2], c[3]) for c in got_callers["uniA"]}
    want = {("uniB", 3, lines[2].encode().index(b"uniA(n)") + 1), ("uniB", 3, lines[2].encode().index(b"uniA(2)") + 1),
            ("run", 4, lines[3].encode().index(b"uniA(3)") + 1)}
    if ua != want:
        fail("uniA's callers on non-ASCII lines: %s, want %s" % (sorted(ua), sorted(want)))
    syms = json.loads(run([LMKV, "--db", db, "query", "symbol", "--qualified", "--json", "Uni.run"]).stdout)
    if not any(s.get("file") == "src/uni.ts" and s.get("line") == 4 for s in syms):
        fail("qualified name Uni.run not found at src/uni.ts:4: %s" % syms)
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
