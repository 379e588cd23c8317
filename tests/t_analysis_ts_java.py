"""The Java tree-sitter frontend against javac's own parser (JDK 17's
com.sun.source.tree API, tests/analysis/javaast/JavaAst.java run with
`java JavaAst.java`) over the JDK's java.util sources (java.base/java/util
of src.zip: Debian openjdk-17-source): definitions (name and last line) and
call sites (method invocations and `new`: position and name) must agree with
precision and recall >= 0.98."""
import os, shutil, subprocess, sys, tempfile, zipfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "analysis"))
import oracle

SRCZIP = "/usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip"
PREFIX = "java.base/java/util/"
THRESHOLD = 0.98
if not shutil.which("java"): oracle.skip("java missing (Debian openjdk-17-jdk-headless)")
if not os.path.isfile(SRCZIP): oracle.skip(SRCZIP + " missing (Debian openjdk-17-source; scripts/deps.sh)")

tmp = tempfile.mkdtemp()
with zipfile.ZipFile(SRCZIP) as z:
    names = sorted(n for n in z.namelist() if n.startswith(PREFIX) and n.endswith(".java"))
    for n in names: z.extract(n, tmp)
files = [os.path.join(tmp, n) for n in names]
prog = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis", "javaast", "JavaAst.java")
p = subprocess.run(["java", prog], input="\n".join(files) + "\n", capture_output=True, text=True)
if p.returncode != 0: print(p.stderr); sys.exit(1)
theirs_d, theirs_c, bad = [], [], set()
for line in p.stdout.splitlines():
    f = line.split("\t")
    if f[0] == "X": bad.add(f[1])
    elif f[0] == "D": theirs_d.append((f[1], int(f[2]), f[3]))
    elif f[0] == "C": theirs_c.append((f[1], int(f[2]), int(f[3]), f[4]))
parsed = [f for f in files if f not in bad]
theirs_d = [r for r in theirs_d if r[0] not in bad]
theirs_c = [r for r in theirs_c if r[0] not in bad]
recs, errors = oracle.dump(parsed, "java")
for f, why in errors.items(): print("frontend failed:", f, why)
ours_d, ours_c = [], []
for f in parsed:
    ours_d += [(f, int(s[6]), s[2]) for s in recs[f]["S"] if int(s[3]) in (5, 6, 9, 10, 11)]
    ours_c += oracle.ours_calls(recs[f], f)
shutil.rmtree(tmp, ignore_errors=True)
print("files: %d of %d parsed by javac" % (len(parsed), len(files)))
ok = oracle.compare("java definitions", ours_d, theirs_d, THRESHOLD)
ok &= oracle.compare("java call sites", ours_c, theirs_c, THRESHOLD)
ok &= not errors
sys.exit(0 if ok else 1)
