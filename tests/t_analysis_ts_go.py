"""The Go tree-sitter frontend against go/parser + go/ast (Debian golang-go:
the toolchain's own parser, tests/analysis/goast) over the Go sources of
Debian's golang-golang-x-tools-dev (/usr/share/gocode/src/golang.org/x/tools):
definitions (func, method, type: name and position) and call sites (position
and callee name) must agree with precision and recall >= 0.98."""
import os, shutil, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "analysis"))
import oracle

SRC = "/usr/share/gocode/src/golang.org/x/tools"
THRESHOLD = 0.98
if not shutil.which("go"): oracle.skip("go missing (Debian golang-go; scripts/deps.sh installs it)")
if not os.path.isdir(SRC): oracle.skip(SRC + " missing (Debian golang-golang-x-tools-dev; scripts/deps.sh)")

files = []
for root, dirs, names in os.walk(SRC):
    dirs[:] = sorted(dirs)
    files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".go")]

tmp = tempfile.mkdtemp()
env = dict(os.environ, GOCACHE=os.path.join(tmp, "gocache"), GOPATH=os.path.join(tmp, "gopath"),
           GO111MODULE="off", GOFLAGS="", CGO_ENABLED="0")
prog = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis", "goast", "main.go")
exe = os.path.join(tmp, "goast")
subprocess.run(["go", "build", "-o", exe, prog], env=env, check=True)
p = subprocess.run([exe], input="\n".join(files) + "\n", capture_output=True, text=True, env=env, check=True)
shutil.rmtree(tmp, ignore_errors=True)

theirs_d, theirs_c, bad = [], [], set()
for line in p.stdout.splitlines():
    f = line.split("\t")
    if f[0] == "X": bad.add(f[1]); continue
    rec = (f[1], int(f[2]), int(f[3]), f[4])
    (theirs_c if f[0] == "C" else theirs_d).append(rec)
parsed = [f for f in files if f not in bad]
theirs_d = [r for r in theirs_d if r[0] not in bad]
theirs_c = [r for r in theirs_c if r[0] not in bad]

recs, errors = oracle.dump(parsed, "go")
for f, why in errors.items(): print("frontend failed:", f, why)
ours_d, ours_c = [], []
for f in parsed:
    ours_d += oracle.ours_defs(recs[f], f, {5, 6, 11, 12, 23})
    ours_c += oracle.ours_calls(recs[f], f)
# interface methods are kind 6 too, but go/ast has them as fields, not FuncDecls
iface = set()
for f in parsed:
    ifaces = {s[1] for s in recs[f]["S"] if int(s[3]) == 11}
    for s in recs[f]["S"]:
        if int(s[3]) == 6 and s[8] in ifaces: iface.add((f, int(s[4]), int(s[5]), s[2]))
ours_d = [d for d in ours_d if d not in iface]
print("files: %d of %d parsed by go/parser" % (len(parsed), len(files)))
ok = oracle.compare("go definitions", ours_d, theirs_d, THRESHOLD)
ok &= oracle.compare("go call sites", ours_c, theirs_c, THRESHOLD)
ok &= not errors
sys.exit(0 if ok else 1)
