"""Shared by the tree-sitter oracle tests (tests/t_analysis_ts_*.py).

Runs build/tests/ts_dump (the frontends through versioning's own analyser
sink) over files, and compares its definitions and call sites with those of
the language's own parser (the oracle), file by file, as multisets of
(path, line, column, name). A callee that is not a plain identifier in the
oracle (a call of a call's result, of a subscript...) is compared as '*',
and so is ours. Prints precision and recall per category and fails (exit 1)
when one is under the threshold; SKIP (exit 77) when the oracle is missing.
"""
import collections, os, re, subprocess, sys

IDENT = re.compile(r'^[A-Za-z_$][A-Za-z0-9_$]*$')

def skip(reason):
    print("SKIP: " + reason)
    sys.exit(77)

def build_dir():
    return os.environ.get("LMKV_BUILD") or os.path.join(os.path.dirname(__file__), "..", "..", "build")

def dump(files, lang=None):
    """Our records: {path: {'S': [...], 'C': [...]}}, and failures."""
    exe = os.path.join(build_dir(), "tests", "ts_dump")
    if not os.access(exe, os.X_OK):
        print("ts_dump not built: " + exe); sys.exit(1)
    cmd = [exe] + (["-l", lang] if lang else []) + ["-"]
    p = subprocess.run(cmd, input="\n".join(files) + "\n", capture_output=True, text=True,
                       errors="surrogateescape")
    if p.returncode not in (0, 1):
        print(p.stderr); print("ts_dump exit %d" % p.returncode); sys.exit(1)
    out, errors, cur = collections.defaultdict(lambda: {"S": [], "C": []}), {}, None
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "F": cur = out[f[1]]
        elif f[0] == "E": errors[f[1]] = f[2] if len(f) > 2 else ""
        elif f[0] == "S": cur["S"].append(f)
        elif f[0] == "C": cur["C"].append(f)
    return out, errors

def norm(name):
    return name if IDENT.match(name) else "*"

def ours_calls(recs, path, with_col=True):
    return [(path, int(c[3]), int(c[4]) if with_col else 0, norm(c[2])) for c in recs["C"]]

def ours_defs(recs, path, kinds, with_col=True):
    return [(path, int(s[4]), int(s[5]) if with_col else 0, s[2]) for s in recs["S"] if int(s[3]) in kinds]

def compare(title, ours, theirs, threshold, show=8):
    a, b = collections.Counter(ours), collections.Counter(theirs)
    common = sum((a & b).values())
    prec = common / max(1, sum(a.values()))
    rec = common / max(1, sum(b.values()))
    print("%-28s ours %7d  oracle %7d  agree %7d  precision %.4f  recall %.4f  (threshold %.2f)"
          % (title, sum(a.values()), sum(b.values()), common, prec, rec, threshold))
    for k, n in list((a - b).items())[:show]: print("   only ours:  ", k)
    for k, n in list((b - a).items())[:show]: print("   only oracle:", k)
    return prec >= threshold and rec >= threshold
