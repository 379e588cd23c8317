#!/usr/bin/env python3
"""Captures a real language server's answers over a source tree, as the probe
daemon asks for them, into a JSON-lines file: one line per answer,
{"method": wire name, "params": the request's params, "result": the
response's result, verbatim}. The first line is a header:
{"capture": 1, "server": argv, "server_version": ..., "root": abs dir,
 "files": [[relative path, language], ...]}.

For every file: textDocument/documentSymbol; for every function-like symbol
in it (LSP SymbolKind Function 12, Method 6, Constructor 9): at its
selectionRange start, textDocument/prepareCallHierarchy then
callHierarchy/incomingCalls and callHierarchy/outgoingCalls for the item
(the request's params carry the item, as LSP), textDocument/references
(includeDeclaration true, as the daemon asks), textDocument/definition,
textDocument/typeDefinition and textDocument/implementation. A server's
error answer is not recorded (the daemon stores none either): it is counted
per method on stderr, and a method the server does not offer (JSON-RPC
-32601, e.g. clangd 14's outgoingCalls) is not asked again.

Files are those under DIR (recursively; node_modules and .d.ts left out)
whose names end in one of --ext. All files are opened first and the capture waits until the server has
published diagnostics for each (parsed), so cross-file answers (callers in
other files) come from the server's index of the opened files.

  lsp_capture.py --root DIR --out FILE [--lang c] [--ext .c,.h]
                 [--max-symbols N] [--timeout S] -- SERVER ARGS...

Standard library only. Exit 0; 1 on a server failure (it died, timed out),
with the reason on stderr.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

FUNCTION_KINDS = {6, 9, 12}


class Server:
    def __init__(self, argv, timeout):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.timeout = timeout
        self.next_id = 1
        self.lock = threading.Condition()
        self.responses = {}
        self.diagnosed = set()
        self.dead = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        f = self.p.stdout
        try:
            while True:
                length = None
                while True:
                    line = f.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    k, _, v = line.partition(b":")
                    if k.lower() == b"content-length":
                        length = int(v)
                body = f.read(length)
                msg = json.loads(body)
                with self.lock:
                    if "id" in msg and ("result" in msg or "error" in msg) and "method" not in msg:
                        self.responses[msg["id"]] = msg
                    elif msg.get("method") == "textDocument/publishDiagnostics":
                        self.diagnosed.add(msg["params"]["uri"])
                    elif "id" in msg and "method" in msg:
                        # a server request (workspace/configuration,
                        # window/workDoneProgress/create): answer null
                        self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                    self.lock.notify_all()
        except (EOFError, ValueError, OSError):
            with self.lock:
                self.dead = True
                self.lock.notify_all()

    def _send(self, msg):
        data = json.dumps(msg, ensure_ascii=False).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.p.stdin.flush()

    def notify(self, method, params):
        with self.lock:
            self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        with self.lock:
            rid = self.next_id
            self.next_id += 1
            self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
            deadline = time.monotonic() + self.timeout
            while rid not in self.responses:
                if self.dead:
                    raise RuntimeError(f"the server died during {method}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"no answer to {method} within {self.timeout} s")
                self.lock.wait(left)
            return self.responses.pop(rid)

    def wait_diagnosed(self, uris, timeout):
        deadline = time.monotonic() + timeout
        with self.lock:
            while not set(uris) <= self.diagnosed:
                if self.dead:
                    raise RuntimeError("the server died while parsing")
                left = deadline - time.monotonic()
                if left <= 0:
                    missing = sorted(set(uris) - self.diagnosed)
                    raise RuntimeError(f"not parsed within {timeout} s: {missing[:3]}")
                self.lock.wait(left)

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.p.wait(timeout=10)
        except Exception:
            self.p.kill()
            self.p.wait()


def uri_of(path):
    return "file://" + urllib.parse.quote(path)


def walk_symbols(syms):
    for s in syms or []:
        yield s
        yield from walk_symbols(s.get("children"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lang", default="c")
    ap.add_argument("--ext", default=".c,.h")
    ap.add_argument("--max-symbols", type=int, default=0, help="0: every function")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--parse-wait", type=float, default=600.0,
                    help="seconds to wait for every file's diagnostics (parsed); 0: do not wait "
                         "(servers that publish none for clean files, e.g. typescript-language-server)")
    ap.add_argument("server", nargs="+")
    a = ap.parse_args()
    root = os.path.realpath(a.root)
    exts = tuple(a.ext.split(","))
    files = sorted(os.path.relpath(os.path.join(d, f), root)
                   for d, dirs, fs in os.walk(root) for f in fs
                   if f.endswith(exts) and not f.endswith(".d.ts") and "node_modules" not in d)
    srv = Server(a.server, a.timeout)
    out = open(a.out + ".tmp", "w", encoding="utf-8")
    counts = {"answers": 0}
    errors = {}
    unsupported = set()

    def record(method, params):
        if method in unsupported:
            return None
        r = srv.request(method, params)
        if "error" in r:
            errors[method] = errors.get(method, 0) + 1
            if r["error"].get("code") == -32601:
                unsupported.add(method)
            return None
        line = {"method": method, "params": params, "result": r["result"]}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        counts["answers"] += 1
        return r["result"]

    try:
        init = srv.request("initialize", {
            "processId": os.getpid(), "rootUri": uri_of(root),
            "workspaceFolders": [{"uri": uri_of(root), "name": os.path.basename(root)}],
            "capabilities": {"textDocument": {
                "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
                "callHierarchy": {}, "references": {}, "definition": {"linkSupport": False},
                "typeDefinition": {}, "implementation": {}},
                "general": {"positionEncodings": ["utf-16"]}},
        })
        info = (init.get("result") or {}).get("serverInfo") or {}
        srv.notify("initialized", {})
        uris = []
        for f in files:
            with open(os.path.join(root, f), encoding="utf-8", errors="surrogateescape") as fh:
                text = fh.read()
            u = uri_of(os.path.join(root, f))
            uris.append(u)
            srv.notify("textDocument/didOpen", {"textDocument": {
                "uri": u, "languageId": a.lang, "version": 1, "text": text}})
        if a.parse_wait > 0:
            srv.wait_diagnosed(uris, a.parse_wait)
        out.write(json.dumps({"capture": 1, "server": a.server, "server_version": info.get("version", ""),
                              "root": root, "files": [[f, a.lang] for f in files]}) + "\n")
        done = 0
        for f, u in zip(files, uris):
            syms = record("textDocument/documentSymbol", {"textDocument": {"uri": u}})
            for s in walk_symbols(syms):
                if s.get("kind") not in FUNCTION_KINDS or "selectionRange" not in s:
                    continue
                if a.max_symbols and done >= a.max_symbols:
                    break
                done += 1
                pos = s["selectionRange"]["start"]
                at = {"textDocument": {"uri": u}, "position": pos}
                items = record("textDocument/prepareCallHierarchy", at) or []
                for it in items[:1]:
                    record("callHierarchy/incomingCalls", {"item": it})
                    record("callHierarchy/outgoingCalls", {"item": it})
                record("textDocument/references", dict(at, context={"includeDeclaration": True}))
                record("textDocument/definition", at)
                record("textDocument/typeDefinition", at)
                record("textDocument/implementation", at)
    except RuntimeError as e:
        print(f"lsp_capture: {' '.join(a.server)}: {e}", file=sys.stderr)
        srv.p.kill()
        out.close()
        os.unlink(a.out + ".tmp")
        return 1
    srv.close()
    out.close()
    os.replace(a.out + ".tmp", a.out)
    errs = ", ".join(f"{m}: {n}" for m, n in sorted(errors.items())) or "none"
    print(f"lsp_capture: {counts['answers']} answers (error answers, not recorded: {errs}) for {done} functions "
          f"in {len(files)} files from {info.get('name', a.server[0])} {info.get('version', '')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
