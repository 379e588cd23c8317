#!/usr/bin/python3
"""tests/oracle_cache.py, the cache of language-server answers the oracle
tests share across suites, with a stand-in server (a Python object counting
the requests it answers; its "--version" is /bin/echo's output):
  * a miss asks the server and, once save() is called, stores the answer
    with the workspace path replaced by @WS@ (no temporary path on disk);
  * the same bytes in another workspace directory are answered from the
    cache, the server never started, the answers naming the new workspace;
  * no save() (a failed test): nothing stored;
  * one byte of one file changed, another server version, other flags: a
    different entry (the server answers);
  * a corrupt entry (an answer edited, so its SHA-256 differs; truncated
    JSON) is reported, the server answers, and the entry is rewritten whole;
  * a request the entry lacks starts the server and is added;
  * LMKV_ORACLE_CACHE=off: always the server, nothing written."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
TMP = os.environ.get("LMKV_TEST_TMP") or os.getcwd()
os.environ["LMKV_ORACLE_CACHE"] = os.path.join(TMP, "cache")
import oracle_cache  # noqa: E402

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg)


class Server:
    """Answers every request with what it was asked, plus a count."""
    started = 0
    asked = 0

    def __init__(self):
        Server.started += 1

    def request(self, method, params):
        Server.asked += 1
        return {"method": method, "uri": params["textDocument"]["uri"], "refs": [params["textDocument"]["uri"] + "#1"]}

    def close(self):
        pass


def workspace(name, body=b"int f(void) { return 1; }\n"):
    ws = os.path.join(TMP, name)
    shutil.rmtree(ws, ignore_errors=True)
    os.makedirs(ws)
    with open(os.path.join(ws, "a.c"), "wb") as f:
        f.write(body)
    with open(os.path.join(ws, "compile_commands.json"), "w") as f:
        json.dump([{"directory": ws, "file": ws + "/a.c", "arguments": ["cc", "-I" + ws, "-c", "a.c"]}], f)
    return ws


def session(ws, version="fake-1", extra=("-j=1",), save=True, asks=("a.c",)):
    """One test run: asks documentSymbol of each file in ASKS; returns the
    answers and (servers started, requests the server answered)."""
    s0, a0 = Server.started, Server.asked
    c = oracle_cache.Cached("unit", ["/bin/echo", version], ws, ["a.c", "compile_commands.json"], list(extra), Server)
    out = [c.request("textDocument/documentSymbol", {"textDocument": {"uri": "file://" + os.path.join(ws, n)}})
           for n in asks]
    c.close()
    if save:
        c.save()
    return out, (Server.started - s0, Server.asked - a0), c.path


def entries():
    d = os.environ["LMKV_ORACLE_CACHE"]
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def main():
    ws1 = workspace("ws1")
    out, n, _ = session(ws1, save=False)
    check(n == (1, 1), "first run: the server answers (%s)" % (n,))
    check(entries() == [], "no save(): nothing stored (%s)" % entries())
    out1, n, path = session(ws1)
    check(n == (1, 1) and out1 == out, "miss again, answered by the server (%s)" % (n,))
    check(entries() == [os.path.basename(path)], "one entry stored: %s" % entries())
    raw = open(path, encoding="utf-8").read()
    check(ws1 not in raw and "@WS@" in raw, "the stored entry names @WS@, not the workspace path")

    ws2 = workspace("other-dir")
    out2, n, p2 = session(ws2)
    check(n == (0, 0), "same bytes elsewhere: answered from the cache, no server (%s)" % (n,))
    check(p2 == path, "same key for the same bytes in another directory")
    check(out2 == [{"method": "textDocument/documentSymbol", "uri": "file://" + ws2 + "/a.c",
                    "refs": ["file://" + ws2 + "/a.c#1"]}], "cached answers name the new workspace: %s" % out2)

    for what, kw, ws in (("one byte changed", {}, workspace("ws3", b"int f(void) { return 2; }\n")),
                         ("another server version", {"version": "fake-2"}, ws1),
                         ("other flags", {"extra": ("-j=2",)}, ws1)):
        _, n, p = session(ws, **kw)
        check(n == (1, 1) and p != path, "%s: a new entry, the server answers (%s)" % (what, n))
    check(len(entries()) == 4, "four entries: %s" % entries())

    # corrupt: an answer edited (the SHA-256 no longer matches), then truncated JSON
    doc = json.load(open(path, encoding="utf-8"))
    k = next(iter(doc["answers"]))
    doc["answers"][k]["refs"] = []
    json.dump(doc, open(path, "w", encoding="utf-8"))
    out3, n, _ = session(ws2)
    check(n == (1, 1), "edited entry: detected, the server answers (%s)" % (n,))
    check(out3 == out2, "edited entry: the server's answer, not the edited one: %s" % out3)
    _, n, _ = session(ws2)
    check(n == (0, 0), "the rewritten entry is valid again (%s)" % (n,))
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    _, n, _ = session(ws2)
    check(n == (1, 1), "truncated entry: detected, the server answers (%s)" % (n,))

    # a question the entry lacks: the server answers it and it is added
    with open(os.path.join(ws2, "b.h"), "w") as f:
        f.write("/* not part of the key */\n")
    _, n, _ = session(ws2, asks=("a.c", "b.h"))
    check(n == (1, 1), "a new question: one server answer, the known one cached (%s)" % (n,))
    _, n, _ = session(ws2, asks=("a.c", "b.h"))
    check(n == (0, 0), "both answers cached after the save (%s)" % (n,))

    os.environ["LMKV_ORACLE_CACHE"] = "off"
    _, n, p = session(ws2)
    check(n == (1, 1) and p is None, "LMKV_ORACLE_CACHE=off: the server answers, no entry (%s)" % (n,))
    os.environ["LMKV_ORACLE_CACHE"] = os.path.join(TMP, "cache")
    check(len(entries()) == 4, "off wrote nothing: %s" % entries())

    if FAILS:
        print("%d failures" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
