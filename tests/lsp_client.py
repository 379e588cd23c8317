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
