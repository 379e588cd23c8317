"""The TypeScript and JavaScript tree-sitter frontends against the TypeScript
compiler API (npm typescript@5.9.3, tests/analysis/tsast.js) over a real
code base from npm, rxjs@7.8.1: its TypeScript sources (src/**/*.ts) and its
compiled JavaScript (dist/cjs/**/*.js); both fetched by
scripts/fetch-grammars.sh --oracles. Definitions (name and last line) and
call sites (position and callee name) must agree with precision and recall
>= 0.98 for each language."""
import os, shutil, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "analysis"))
import oracle

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
G = os.environ.get("LMKV_GRAMMARS") or os.path.join(ROOT, "build", "grammars")
THRESHOLD = 0.98
if not shutil.which("node"): oracle.skip("node missing (Debian nodejs)")
if subprocess.run([os.path.join(ROOT, "scripts", "fetch-grammars.sh"), "--oracles"]).returncode != 0:
    oracle.skip("npm could not fetch typescript@5.9.3 / rxjs@7.8.1")
TS = os.path.join(G, "oracle", "typescript")
RX = os.path.join(G, "oracle", "rxjs")

def walk(top, ext):
    out = []
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(dirs)
        out += [os.path.join(root, n) for n in sorted(names) if n.endswith(ext) and not n.endswith(".d.ts")]
    return out

ok = True
for lang, files in (("typescript", walk(os.path.join(RX, "src"), ".ts")),
                    ("javascript", walk(os.path.join(RX, "dist", "cjs"), ".js"))):
    p = subprocess.run(["node", os.path.join(ROOT, "tests", "analysis", "tsast.js"), TS],
                       input="\n".join(files) + "\n", capture_output=True, text=True, check=True)
    theirs_d, theirs_c = [], []
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "D": theirs_d.append((f[1], int(f[2]), f[3]))
        elif f[0] == "C": theirs_c.append((f[1], int(f[2]), int(f[3]), f[4]))
    recs, errors = oracle.dump(files, lang)
    for f, why in errors.items(): print("frontend failed:", f, why)
    ours_d, ours_c = [], []
    for f in files:
        ours_d += [(f, int(s[6]), s[2]) for s in recs[f]["S"] if int(s[3]) in (2, 5, 6, 9, 10, 11, 12)]
        ours_c += oracle.ours_calls(recs[f], f)
    print("%s: %d files" % (lang, len(files)))
    ok &= oracle.compare(lang + " definitions", ours_d, theirs_d, THRESHOLD)
    ok &= oracle.compare(lang + " call sites", ours_c, theirs_c, THRESHOLD)
    ok &= not errors
sys.exit(0 if ok else 1)
