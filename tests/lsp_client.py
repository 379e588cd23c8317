"""A minimal LSP client over stdio for lmkv's tests (tests/t_lsp_*.py).

Speaks JSON-RPC 2.0 with Content-Length framing (LSP 3.17 base protocol) to a
real language server process, answers the server's own requests (workspace/
configuration, window/workDoneProgress/create, client/registerCapability)
with null, and records every (method, params, result) exchanged, in the form
`lmkv ingest` reads (JSON Lines).

It also converts positions independently of lmkv: LSP's 0-based UTF-16
columns to lmkv's 1-based byte columns, with Python's own UTF-16 codec, so the
tests compare lmkv's conversion against another implementation.
"""
import json
import os
import subprocess
import threading
import time
import urllib.parse


def uri_of(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


def path_of(uri):
    assert uri.startswith("file://"), uri
    return urllib.parse.unquote(uri[7:])


def lines_of(text):
    """The lines of a text as LSP counts them: ended by \n, \r\n or \r only
    (not str.splitlines's other separators)."""
    import re
    return re.split(r"\r\n|\r|\n", text)


def byte_col(text_lines, line, character):
    """1-based byte column of LSP position (line, character in UTF-16 units)."""
    s = text_lines[line]
    units = 0
    out = 0
    for ch in s:
        if units >= character:
            break
        units += 2 if ord(ch) > 0xFFFF else 1
        out += len(ch.encode("utf-8"))
    return out + 1


class Client:
    def __init__(self, argv, root, log=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=log or subprocess.DEVNULL, cwd=root)
        self.root = root
        self.next_id = 1
        self.pending = {}
        self.cv = threading.Condition()
        self.notes = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _send(self, obj):
        data = json.dumps(obj).encode("utf-8")
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.p.stdin.flush()

    def _read(self):
        f = self.p.stdout
        while True:
            n = None
            while True:
                line = f.readline()
                if not line:
                    with self.cv:
                        self.cv.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                if k.lower() == "content-length":
                    n = int(v)
            msg = json.loads(f.read(n).decode("utf-8"))
            if "method" in msg and "id" in msg:   # a request from the server
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                continue
            with self.cv:
                if "id" in msg:
                    self.pending[msg["id"]] = msg
                else:
                    self.notes.append(msg)
                self.cv.notify_all()

    def request(self, method, params, timeout=120):
        i = self.next_id
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        end = time.time() + timeout
        with self.cv:
            while i not in self.pending:
                left = end - time.time()
                if left <= 0 or self.p.poll() is not None:
                    raise RuntimeError("no answer to %s" % method)
                self.cv.wait(left)
            msg = self.pending.pop(i)
        if "error" in msg:
            raise RuntimeError("%s: %s" % (method, msg["error"]))
        return msg.get("result")

    def notify(self, method, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_note(self, pred, timeout=120):
        end = time.time() + timeout
        with self.cv:
            while True:
                for m in self.notes:
                    if pred(m):
                        return m
                left = end - time.time()
                if left <= 0:
                    raise RuntimeError("notification not received")
                self.cv.wait(left)

    def initialize(self, init_options=None):
        caps = {"textDocument": {
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
            "callHierarchy": {}, "references": {}, "definition": {"linkSupport": True},
            "publishDiagnostics": {}},
            "general": {"positionEncodings": ["utf-16"]}}
        params = {"processId": os.getpid(), "rootUri": uri_of(self.root),
                  "workspaceFolders": [{"uri": uri_of(self.root), "name": "ws"}],
                  "capabilities": caps}
        if init_options is not None:
            params["initializationOptions"] = init_options
        r = self.request("initialize", params)
        self.notify("initialized", {})
        return r

    def open(self, path, language):
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri_of(path), "languageId": language, "version": 1, "text": text}})

    def close(self):
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
        except Exception:
            pass
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def ask_all(cl, ws, files, answers, kinds, outgoing):
    """documentSymbol of every file, then for every symbol of `kinds`
    (SymbolKind numbers) prepareCallHierarchy + incomingCalls (+ outgoingCalls
    when `outgoing`: clangd 14 has none, "method not found") and references
    (includeDeclaration false) at its selectionRange start. Appends the raw
    answers to `answers`; returns (names -> [(file, position)], {answer index:
    the documentSymbol name a references answer was asked for})."""
    funcs = {}
    ref_target = {}
    for n in files:
        p = {"textDocument": {"uri": uri_of(os.path.join(ws, n))}}
        r = cl.request("textDocument/documentSymbol", p)
        answers.append({"method": "textDocument/documentSymbol", "params": p, "result": r})

        def walk(syms):
            for s in syms or []:
                if s["kind"] in kinds and "selectionRange" in s:
                    funcs.setdefault(s["name"], []).append((n, s["selectionRange"]["start"]))
                walk(s.get("children"))
        walk(r)
    for name, places in funcs.items():
        for n, pos in places:
            tdp = {"textDocument": {"uri": uri_of(os.path.join(ws, n))}, "position": pos}
            items = cl.request("textDocument/prepareCallHierarchy", tdp) or []
            for it in items:
                p = {"item": it}
                for m in ("callHierarchy/incomingCalls",) + (("callHierarchy/outgoingCalls",) if outgoing else ()):
                    answers.append({"method": m, "params": p, "result": cl.request(m, p)})
            p = dict(tdp, context={"includeDeclaration": False})
            answers.append({"method": "textDocument/references", "params": p,
                            "result": cl.request("textDocument/references", p)})
            ref_target[len(answers) - 1] = name
    return funcs, ref_target


def check_graph(lmkv, db, ws, text, answers, ref_target, names, fail, min_calls, save=None):
    """lmkv's callers, callees and refs of every name against the server's
    answers: the call sites are the union of every incomingCalls answer (from
    -> params.item at each fromRange, in from's file) and every
    outgoingCalls answer (params.item -> to at each fromRange, in the item's
    file), one per (callee, caller, file, line, byte column); callers(F) =
    those with callee F, callees(F) = those with caller F; refs(F) = the set of (file, line, byte column) of
    every references answer asked for F. Byte columns come from Python's
    UTF-16 handling (byte_col), not lmkv's. Locations outside `text`'s files
    are left out (lmkv skips them too). Returns lmkv's callers per name.
    save: a path to write lmkv's three answers to, as JSON {"callers": [...],
    "callees": [...], "refs": [...]} (the `lmkv query ... --json` arrays), for
    the Rust binding's test to compare its own ingest with."""
    import collections

    def rel(uri):
        p = path_of(uri)
        return os.path.relpath(p, ws) if p.startswith(ws + "/") else None

    def run(args):
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise SystemExit("command failed (%d): %s\n%s" % (p.returncode, " ".join(args), p.stderr))
        return p.stdout

    exp_callers = collections.defaultdict(collections.Counter)
    exp_callees = collections.defaultdict(collections.Counter)
    exp_refs = collections.defaultdict(set)
    seen_sites = set()
    for ai, a in enumerate(answers):
        if a["method"] in ("callHierarchy/incomingCalls", "callHierarchy/outgoingCalls"):
            inc = a["method"] == "callHierarchy/incomingCalls"
            item = a["params"]["item"]
            for c in a["result"] or []:
                other = c["from"] if inc else c["to"]
                f = rel((other if inc else item)["uri"])
                if f not in text:
                    continue
                caller, callee = (other["name"], item["name"]) if inc else (item["name"], other["name"])
                for r in c["fromRanges"]:
                    s = r["start"]
                    key = (callee, caller, f, s["line"] + 1, byte_col(text[f], s["line"], s["character"]))
                    if key in seen_sites:
                        continue
                    seen_sites.add(key)
                    exp_callers[callee][key[1:]] += 1
                    exp_callees[caller][(callee,) + key[2:]] += 1
        elif a["method"] == "textDocument/references":
            target = ref_target[ai]
            for loc in a["result"] or []:
                f = rel(loc["uri"])
                if f not in text:
                    continue
                s = loc["range"]["start"]
                exp_refs[target].add((f, s["line"] + 1, byte_col(text[f], s["line"], s["character"])))

    saved = {}
    got = json.loads(run([lmkv, "--db", db, "query", "callers", "--json", "--limit", "100000"] + names))
    saved["callers"] = got
    got_callers = collections.defaultdict(collections.Counter)
    for g in got:
        got_callers[g["to"]][(g["from"], g["file"], g["line"], g["column"])] += 1
    checked = 0
    for n in names:
        if got_callers[n] != exp_callers[n]:
            fail("callers of %s: lmkv %s, server %s" % (n, sorted(got_callers[n].elements()),
                                                       sorted(exp_callers[n].elements())))
        checked += sum(exp_callers[n].values())
    print("callers: %d names, %d call sites equal" % (len(names), checked))
    got = json.loads(run([lmkv, "--db", db, "query", "callees", "--json", "--limit", "100000"] + names))
    saved["callees"] = got
    got_callees = collections.defaultdict(collections.Counter)
    for g in got:
        got_callees[g["from"]][(g["to"], g["file"], g["line"], g["column"])] += 1
    ncallees = 0
    for n in names:
        if got_callees[n] != exp_callees[n]:
            fail("callees of %s: lmkv %s, server %s" % (n, sorted(got_callees[n].elements()),
                                                       sorted(exp_callees[n].elements())))
        ncallees += sum(exp_callees[n].values())
    print("callees: %d call sites equal" % ncallees)
    if checked < min_calls:
        fail("only %d call sites in the server's answers (want >= %d)" % (checked, min_calls))
    got = json.loads(run([lmkv, "--db", db, "query", "refs", "--json", "--limit", "100000"] + names))
    saved["refs"] = got
    if save:
        with open(save, "w", encoding="utf-8") as f:
            json.dump(saved, f, ensure_ascii=False)
    got_refs = collections.defaultdict(set)
    for g in got:
        got_refs[g["to"]].add((g["file"], g["line"], g["column"]))
    nrefs = 0
    for n in names:
        if got_refs[n] != exp_refs[n]:
            fail("refs of %s: only lmkv %s, only the server %s" % (n, sorted(got_refs[n] - exp_refs[n]),
                                                                  sorted(exp_refs[n] - got_refs[n])))
        nrefs += len(exp_refs[n])
    print("refs: %d locations equal" % nrefs)
    if nrefs < min_calls:
        fail("only %d reference locations in the server's answers (want >= %d)" % (nrefs, min_calls))
    return got_callers
