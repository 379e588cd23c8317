#!/usr/bin/python3
"""Oracle: clangd 14 (Debian clangd-14, built on the same clang 14 as lmkv's
libclang frontend) against `lmkv index` + `lmkv query` over LMDB's sources
(build/sources/lmdb: every .c and .h) and SQLite's amalgamation
(build/sources/sqlite: sqlite3.c, sqlite3.h, sqlite3ext.h).

Both read the same compile_commands.json, written into a copy of the
sources (-x c -std=gnu11 -I<workspace>, lmkv's documented defaults), so
both see the same preprocessor. clangd is driven over LSP (JSON-RPC on
stdio): every file is opened (textDocument/didOpen; its diagnostics mark the
AST as built, so clangd's dynamic index holds every file), the functions
DEFINED in each file come from textDocument/documentSymbol (LSP
SymbolKind 12), and for each sampled function:
  * textDocument/references (includeDeclaration false) -> reference sites
    (file, line, column), compared with `lmkv query refs NAME` (asked for
    64 sampled names at a time, each answer naming its target; every kind:
    calls, function-pointer uses, reads);
  * textDocument/prepareCallHierarchy + callHierarchy/incomingCalls ->
    callers (file, caller name) and call sites (file, line, column) of the
    fromRanges, compared with `lmkv query callers NAME`.
Call sites are clangd's references that are calls: clangd 14's
incomingCalls lists every reference inside a function, also a function named
as a value (`.cmp = mdb_cmp_int`), which lmkv records as a reference of kind
function_pointer, never as a call; and it merges the containers of one USR
(every `main` of LMDB's tools is one symbol to it, with the ranges of all).
So a reference site is a call when the name spelled there is followed by
'(' (its argument list), or, when the site is a macro's name (a reference
made by the macro's expansion: clang's file location of a macro body token
is the expansion site), when the macro's body -- or the body of a macro it
uses -- has the name followed by '(' (MDB_PAGE_GET -> mdb_page_get(...);
NEED_CMP_CLONG compares `(cmp) == mdb_cmp_int`: no call), or when the
macro is an alias of the name (`#define YYREALLOC parserStackRealloc`)
followed by '(' at the site. Callers are the
functions around the call sites, from clangd's documentSymbol ranges; the
incomingCalls answers (except main's) are added to the expected sets.
Static functions: C's linkage rules keep a static function's calls inside
its file, so for a static target lmkv's sites are taken from its file only
(clangd's answer is per symbol already); the same static name defined in two
files is two targets.

Positions: clangd's are 0-based UTF-16 columns, lmkv's 1-based byte
columns; the sources are ASCII, so column + 1.
Sample: LMDB: every function defined in a .c file; SQLite: a fixed seeded
sample (random.Random(16), 250 functions) so the run stays a few minutes.
Goal (issue 16): precision and recall >= 0.99 for callers, call sites and
references; asserted here, and the numbers are printed.
clangd's answers are cached (tests/oracle_cache.py: keyed by clangd's
version, its flags and the workspace's exact bytes) in build/oracle-cache,
shared by the plain, SAN=1 and SAN=thread suites; lmkv runs every time.
Exit 77 (SKIP) without clangd-14."""
import json
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_cache  # noqa: E402

ROOT = os.environ.get("LMKV_ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LMKV = os.environ.get("LMKV_BIN", os.path.join(ROOT, "build", "lmkv"))
SOURCES = os.environ.get("LMKV_SOURCES", os.path.join(ROOT, "build", "sources"))
TMP = os.environ.get("LMKV_TEST_TMP") or "/tmp/lmkv-oracle"
CLANGD = shutil.which("clangd-14") or "/usr/lib/llvm-14/bin/clangd"
GOAL = 0.99
LSP_ARGS = ["--background-index=false", "--log=error", "-j=2", "--pch-storage=memory", "--clang-tidy=false",
            "--header-insertion=never"]
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


class Lsp:
    def __init__(self, ws):
        self.p = subprocess.Popen([CLANGD, "--compile-commands-dir=" + ws] + LSP_ARGS,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1
        self.diags = set()

    def send(self, obj):
        b = json.dumps(obj).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(b) + b)
        self.p.stdin.flush()

    def read(self):
        n = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("clangd exited")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(n))

    def handle(self, m):
        if m.get("method") == "textDocument/publishDiagnostics":
            self.diags.add(m["params"]["uri"])
        elif "method" in m and "id" in m:      # a request from clangd: answer it
            self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})

    def request(self, method, params):
        i = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == i and "method" not in m:
                if "error" in m:
                    raise SystemExit("clangd %s: %s" % (method, m["error"]))
                return m.get("result")
            self.handle(m)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diags(self, uris, timeout):
        end = time.time() + timeout
        while not uris <= self.diags:
            if time.time() > end:
                raise SystemExit("clangd did not build %s in %ds" % (sorted(uris - self.diags)[:3], timeout))
            self.handle(self.read())

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.p.wait(timeout=20)
        except Exception:
            self.p.kill()
            self.p.wait()


def uri(path):
    return "file://" + path


def lmkv(db, *args):
    p = subprocess.run([LMKV, "--db", db] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p


MACROS = {}


def load_macros(texts):
    """#define bodies of the workspace (continuation lines joined; every
    definition of a name, e.g. the branches of an #ifdef, kept)."""
    import re
    rx = re.compile(r"^\s*#\s*define\s+(\w+)(\([^)]*\))?(.*)$")
    for lines in texts.values():
        i = 0
        while i < len(lines):
            m = rx.match(lines[i])
            if m:
                body = m.group(3)
                while body.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    body = body[:-1] + " " + lines[i]
                MACROS.setdefault(m.group(1), []).append(body)
            i += 1


def macro_calls(macro, target, depth=0):
    """Does MACRO's expansion call TARGET (TARGET followed by '(' in its
    body, or in the body of a macro it uses)? None if TARGET is not in it."""
    import re
    found = None
    for body in MACROS.get(macro, []):
        for m in re.finditer(r"\b%s\b\s*(\()?" % re.escape(target), body):
            if m.group(1):
                return True
            if not body[m.end():].strip():
                return "site"   # an alias (#define YYREALLOC parserStackRealloc): the site's '(' decides
            found = False
        if depth < 6:
            for ident in set(re.findall(r"[A-Za-z_]\w*", body)):
                if ident in MACROS and ident != macro:
                    r = macro_calls(ident, target, depth + 1)
                    if r == "site" and body.strip().startswith(ident) and body.strip() == ident:
                        return "site"
                    if r:
                        return True
                    if r is False:
                        found = False
    return found


def site_is_call(txt, line, col, ecol, target):
    """A reference site of TARGET is a call: TARGET spelled there and
    followed by '('; or a macro spelled there whose expansion calls it."""
    word = txt[line][col:ecol] if line < len(txt) else ""
    if word != target and word in MACROS:
        r = macro_calls(word, target)
        if r != "site":
            return bool(r)
    return is_call(txt, line, ecol)


def is_call(txt, line, col):
    """The next non-blank character after (line, col) is '('."""
    if line >= len(txt):
        return False
    rest = txt[line][col:]
    while not rest.strip() and line + 1 < len(txt):
        line += 1
        rest = txt[line]
    return rest.strip().startswith("(")


def enclosing(ranges, line, col):
    best = None
    for (sl, sc, el, ec, name) in ranges:
        if (sl, sc) <= (line, col) <= (el, ec):
            if best is None or (sl, sc) > best[0]:
                best = ((sl, sc), name)
    return best[1] if best else None


def pr(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r


def run_suite(label, srcdir, names, sample_n, seed):
    nfails = len(FAILS)
    ws = os.path.join(TMP, label + "-oracle-ws")
    db = os.path.join(TMP, label + "-oracle-db")
    shutil.rmtree(ws, ignore_errors=True)
    shutil.rmtree(db, ignore_errors=True)
    os.makedirs(ws)
    files = sorted(f for f in os.listdir(srcdir) if names(f))
    for f in files:
        shutil.copy(os.path.join(srcdir, f), ws)
    ws = os.path.realpath(ws)
    cc = [{"directory": ws, "file": os.path.join(ws, f),
           "arguments": ["clang", "-x", "c", "-std=gnu11", "-I" + ws, "-c", os.path.join(ws, f)]} for f in files]
    with open(os.path.join(ws, "compile_commands.json"), "w") as fh:
        json.dump(cc, fh)
    texts = {f: open(os.path.join(ws, f), encoding="latin-1").read().split("\n") for f in files}
    MACROS.clear()
    load_macros(texts)

    t0 = time.time()
    p = lmkv(db, "index", "--json", ws)
    if p.returncode != 0:
        raise SystemExit("lmkv index failed: %s" % p.stderr)
    rep = json.loads(p.stdout)
    print("%s: lmkv indexed %d files in %.1fs (%d compiler errors)" % (
        label, rep["analysed"], time.time() - t0, rep["diagnostics"]["errors"]))

    def start():
        t0 = time.time()
        live = Lsp(ws)
        live.request("initialize", {"processId": os.getpid(), "rootUri": uri(ws), "capabilities": {
            "textDocument": {"documentSymbol": {"hierarchicalDocumentSymbolSupport": True}}}})
        live.notify("initialized", {})
        for f in files:
            live.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri(os.path.join(ws, f)), "languageId": "c", "version": 1,
                "text": open(os.path.join(ws, f), encoding="latin-1").read()}})
        live.wait_diags({uri(os.path.join(ws, f)) for f in files}, 900)
        print("%s: clangd built %d files in %.1fs" % (label, len(files), time.time() - t0))
        return live

    # clangd's answers come from the shared cache when the same clangd was
    # asked about the same bytes before (another suite: SAN=1, SAN=thread)
    lsp = oracle_cache.Cached("oracle-" + label, [CLANGD], ws, files + ["compile_commands.json"],
                              LSP_ARGS, start)

    # functions defined in .c files (documentSymbol), with their position;
    # every file's function ranges, for the function around a call site
    targets = []
    funcs = {}
    for f in files:
        syms = lsp.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(os.path.join(ws, f))}}) or []
        for s in syms:
            if s.get("kind") != 12:
                continue
            rg = s["range"]
            funcs.setdefault(f, []).append((rg["start"]["line"], rg["start"]["character"],
                                            rg["end"]["line"], rg["end"]["character"], s["name"]))
            if not f.endswith(".c"):
                continue
            sel = s["selectionRange"]["start"]
            line = texts[f][sel["line"]]
            # a definition has a body: documentSymbol lists prototypes too
            rng = s["range"]
            body = "\n".join(texts[f][rng["start"]["line"]:rng["end"]["line"] + 1])
            if "{" not in body:
                continue
            static = line.lstrip().startswith("static") or " static " in line or "static" in texts[f][max(0, sel["line"] - 1)].split("(")[0]
            targets.append((f, s["name"], sel["line"], sel["character"], static))
    rnd = random.Random(seed)
    sample = sorted(targets) if sample_n is None or sample_n >= len(targets) else sorted(rnd.sample(targets, sample_n))
    # lmkv's answers for every sampled name: one `lmkv query callers|refs
    # N1 N2 ...` per 64 names (each row names its callee/target in "to"; the
    # same records as one query per name, a process start per name less:
    # under the sanitizers those starts were most of lmkv's side)
    got_all = {"callers": {}, "refs": {}}
    uniq = sorted({t[1] for t in sample})
    for kind, key in (("callers", "to"), ("refs", "to")):
        for i in range(0, len(uniq), 64):
            chunk = uniq[i:i + 64]
            p = lmkv(db, "query", kind, *chunk, "--json", "--limit", "100000000")
            if p.returncode == 0:
                for x in json.loads(p.stdout):
                    got_all[kind].setdefault(x[key], []).append(x)
                for n in chunk:
                    got_all[kind].setdefault(n, [])
            else:   # a name lmkv does not know fails the batch: one by one
                for n in chunk:
                    got_all[kind][n] = json.loads(lmkv(db, "query", kind, n, "--json", "--limit",
                                                       "100000000").stdout or "[]")

    tot = {k: [0, 0, 0] for k in ("callers", "call sites", "references")}
    worst = {k: [] for k in tot}
    for (f, name, line, char, static) in sample:
        pos = {"textDocument": {"uri": uri(os.path.join(ws, f))}, "position": {"line": line, "character": char}}
        refs = lsp.request("textDocument/references", dict(pos, context={"includeDeclaration": False})) or []
        want_refs, ends = set(), {}
        for r in refs:
            k = (r["uri"][len(uri(ws)) + 1:], r["range"]["start"]["line"] + 1, r["range"]["start"]["character"] + 1)
            want_refs.add(k)
            ends[k] = (r["range"]["end"]["line"], r["range"]["end"]["character"])
        want_callers, want_sites = set(), set()
        # call sites: the references followed by an argument list
        for (rf, rl, rc) in want_refs:
            el, ec = ends[(rf, rl, rc)]
            if el == rl - 1 and site_is_call(texts.get(rf, []), rl - 1, rc - 1, ec, name):
                want_sites.add((rf, rl, rc))
                fn = enclosing(funcs.get(rf, []), rl - 1, rc - 1)
                if fn:
                    want_callers.add((rf, fn))
        # incomingCalls: callers and sites clangd 14 attributes correctly
        # (containers with distinct USRs) must be in the answer too
        items = lsp.request("textDocument/prepareCallHierarchy", pos) or []
        for it in items[:1]:
            for inc in lsp.request("callHierarchy/incomingCalls", {"item": it}) or []:
                cf = inc["from"]["uri"][len(uri(ws)) + 1:]
                if inc["from"]["name"] == "main":
                    continue   # every main() has one USR: clangd merges their ranges
                for fr in inc["fromRanges"]:
                    l, c = fr["start"]["line"], fr["start"]["character"]
                    if fr["end"]["line"] == l and site_is_call(texts.get(cf, []), l, c, fr["end"]["character"], name):
                        want_sites.add((cf, l + 1, c + 1))
                        want_callers.add((cf, inc["from"]["name"]))
        got = got_all["callers"][name]
        got_sites = {(x["file"], x["line"], x["column"]) for x in got if not static or x["file"] == f}
        got_callers = {(x["file"], x["from"]) for x in got if not static or x["file"] == f}
        gr = got_all["refs"][name]
        got_refs = {(x["file"], x["line"], x["column"]) for x in gr if not static or x["file"] == f}
        if not static:
            # an extern name defined as a static elsewhere is another symbol
            others = {t[0] for t in targets if t[1] == name and t[4] and t[0] != f}
            got_sites = {x for x in got_sites if x[0] not in others}
            got_callers = {x for x in got_callers if x[0] not in others}
            got_refs = {x for x in got_refs if x[0] not in others}
        for k, g, w in (("callers", got_callers, want_callers), ("call sites", got_sites, want_sites),
                        ("references", got_refs, want_refs)):
            tp = len(g & w)
            tot[k][0] += tp
            tot[k][1] += len(g - w)
            tot[k][2] += len(w - g)
            if g != w:
                worst[k].append((len(g ^ w), "%s:%s lmkv-only %s clangd-only %s" % (
                    f, name, sorted(g - w)[:4], sorted(w - g)[:4])))
    lsp.close()
    print("%s: %d functions compared (of %d defined)" % (label, len(sample), len(targets)))
    for k, (tp, fp, fn) in tot.items():
        p, r = pr(tp, fp, fn)
        print("%s: %-10s precision %.4f recall %.4f (agree %d, lmkv-only %d, clangd-only %d)" % (label, k, p, r, tp, fp, fn))
        for _, msg in sorted(worst[k], reverse=True)[:5]:
            print("    " + msg)
        if p < GOAL or r < GOAL:
            fail("%s %s: precision %.4f recall %.4f below %.2f" % (label, k, p, r, GOAL))
        if tp == 0:
            fail("%s %s: nothing compared" % (label, k))
    if len(FAILS) == nfails:
        lsp.save()   # clangd's answers, for the next suite (never a failed run's)


def main():
    only = sys.argv[1:] or ["lmdb", "sqlite"]
    if not os.path.exists(CLANGD):
        print("SKIP: clangd-14 not installed (Debian clangd-14; scripts/deps.sh installs it)")
        sys.exit(77)
    if "lmdb" in only:
        run_suite("lmdb", os.path.join(SOURCES, "lmdb"), lambda f: f.endswith((".c", ".h")), None, 16)
    if "sqlite" in only:
        run_suite("sqlite", os.path.join(SOURCES, "sqlite"), lambda f: f.endswith((".c", ".h")), 250, 16)
    if FAILS:
        print("%d failures" % len(FAILS))
        sys.exit(1)
    print("ok")


main()
