"""A cache of a language server's answers for lmkv's oracle tests
(tests/t_oracle_clangd.py, tests/t_lsp_clangd.py, tests/t_lsp_typescript.py).

Those tests spend most of their time waiting for the server (clangd-14,
typescript-language-server), which is not built by lmkv and so is the same
in every suite: `make test`, `make test SAN=1` and `make test SAN=thread`
asked it the same questions about the same bytes three times in CI. The
cache keeps its answers (the JSON-RPC results) in a directory shared by all
builds, $LMKV_ORACLE_CACHE (default: build/oracle-cache under the source
tree; "off" disables it), one file per workspace, named by the SHA-256 of:
  * the server's version (`SERVER --version`'s output) and command line;
  * every workspace file the test gives (compile_commands.json, tsconfig,
    the sources): its name and its exact bytes;
  * the test's own key parts (e.g. the flags it writes into
    compile_commands.json).
The workspace path (a fresh temporary directory per run) is replaced by
"@WS@" in the stored requests and answers, and put back when read.

A request asked before (same method, same params) is answered from the
cache; the first one that is not starts the real server (the test's `start`
callback: launch, initialize, open the files, wait until they are built) and
asks it, and every new answer is saved when the test closes the client. So a
miss recomputes, and a changed test (new questions) still gets real answers.
Each file holds the SHA-256 of its answers; a file that does not parse or
whose hash does not match is reported, ignored and rewritten from the real
server. Only lmkv's side, which is what the sanitizers check, runs every time.
Entries are not pruned (a few MB each; a new key per changed source or
server); deleting the directory is always safe: the next run asks again.
"""
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse

FORMAT = 1


def cache_dir():
    d = os.environ.get("LMKV_ORACLE_CACHE")
    if d == "off":
        return None
    if not d:
        root = os.environ.get("LMKV_ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        d = os.path.join(root, "build", "oracle-cache")
    return d


def server_version(argv):
    """The server's `--version` output (stdout and stderr), or its exit
    status if it has none: part of the key, so a new server recomputes."""
    try:
        p = subprocess.run(list(argv) + ["--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        return "%d:%s" % (p.returncode, p.stdout.decode("utf-8", "replace"))
    except (OSError, subprocess.TimeoutExpired) as e:
        return "error:%s" % e


def _canon(obj):
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Cached:
    """request(method, params) like the real client's, answered from the
    cache when it can. NAME names the test (the file's prefix); VERSION_ARGV
    runs the server's --version; WS is the workspace; FILES the workspace
    files (relative to WS) whose bytes the answers depend on; EXTRA more key
    parts (strings); START() returns a started real client (with request and
    close) on the first miss."""

    def __init__(self, name, version_argv, ws, files, extra, start):
        self.ws = ws
        self.start = start
        self.live = None
        self.answers = {}
        self.dirty = False
        self.hits = 0
        self.misses = 0
        self.path = None
        d = cache_dir()
        h = hashlib.sha256()
        h.update(_canon([FORMAT, server_version(version_argv), self._norm(list(version_argv)),
                         self._norm(list(extra))]).encode())
        for f in sorted(files):
            with open(os.path.join(ws, f), "rb") as fh:
                data = fh.read().replace(ws.encode(), b"@WS@")
            h.update(b"%d:%s\0%d:" % (len(f.encode()), f.encode(), len(data)))
            h.update(data)
        self.key = h.hexdigest()
        if d is None:
            print("oracle cache: off (LMKV_ORACLE_CACHE=off)")
            return
        self.path = os.path.join(d, "%s-%s.json" % (name, self.key))
        if not os.path.exists(self.path):
            print("oracle cache: no entry %s (the server answers)" % self.path)
            return
        try:
            with open(self.path, encoding="utf-8") as fh:
                doc = json.load(fh)
            ans = doc["answers"]
            if doc.get("format") != FORMAT or doc.get("key") != self.key or not isinstance(ans, dict):
                raise ValueError("format or key differs")
            if hashlib.sha256(_canon(ans).encode()).hexdigest() != doc.get("sha256"):
                raise ValueError("answers' SHA-256 differs from the stored one")
            self.answers = ans
            print("oracle cache: %d answers from %s" % (len(ans), self.path))
        except (OSError, ValueError, KeyError, TypeError) as e:
            print("oracle cache: corrupt entry %s (%s): ignored, the server answers" % (self.path, e))
            self.answers = {}
            self.dirty = True

    def _norm(self, obj):
        s = json.dumps(obj, ensure_ascii=False)
        for w in (urllib.parse.quote(self.ws), self.ws):
            s = s.replace(json.dumps(w)[1:-1], "@WS@")
        return json.loads(s)

    def _denorm(self, obj):
        return json.loads(json.dumps(obj, ensure_ascii=False).replace("@WS@", json.dumps(self.ws)[1:-1]))

    def request(self, method, params, *args, **kw):
        k = _canon([method, self._norm(params)])
        if k in self.answers:
            self.hits += 1
            return self._denorm(self.answers[k])
        if self.live is None:
            self.live = self.start()
        r = self.live.request(method, params, *args, **kw)
        self.misses += 1
        self.answers[k] = self._norm(r)
        self.dirty = True
        return r

    def close(self):
        if self.live is not None:
            self.live.close()
            self.live = None
        print("oracle cache: %d answers cached, %d from the server" % (self.hits, self.misses))

    def save(self):
        """Writes the entry if the server gave new answers. The tests call
        it once their checks passed: a failed run's answers (a server that
        answered before its project was loaded) are never reused."""
        if not self.dirty or self.path is None:
            return
        doc = {"format": FORMAT, "key": self.key, "answers": self.answers,
               "sha256": hashlib.sha256(_canon(self.answers).encode()).hexdigest()}
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = "%s.%d.tmp" % (self.path, os.getpid())
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False)
            os.replace(tmp, self.path)   # atomic: a reader sees the old entry or the new one
            print("oracle cache: saved %s" % self.path)
        except OSError as e:
            print("oracle cache: not saved (%s)" % e, file=sys.stderr)
        self.dirty = False
