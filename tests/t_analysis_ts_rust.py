"""The Rust tree-sitter frontend against syn (a full Rust parser,
tests/analysis/rustast, built offline with cargo from Debian's
librust-syn-dev sources) over every crate under /usr/share/cargo/registry
(Debian's librust-syn-dev, librust-regex-dev and their dependencies):
definitions (name and last line) and call sites, macro invocations included
(position and callee name), must agree with precision and recall >= 0.98."""
import glob, os, shutil, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "analysis"))
import oracle

REG = "/usr/share/cargo/registry"
THRESHOLD = 0.98
if not shutil.which("cargo"): oracle.skip("cargo missing")
if not glob.glob(REG + "/syn-1.*"): oracle.skip(REG + "/syn-1.* missing (Debian librust-syn-dev; scripts/deps.sh)")

here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(os.path.abspath(oracle.build_dir()), "rustast")
os.makedirs(os.path.join(work, ".cargo"), exist_ok=True)
with open(os.path.join(work, ".cargo", "config.toml"), "w") as f:
    f.write('[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "%s"\n[net]\noffline = true\n' % REG)
proj = os.path.join(work, "p")
shutil.rmtree(proj, ignore_errors=True)
shutil.copytree(os.path.join(here, "analysis", "rustast"), proj)
b = subprocess.run(["cargo", "build", "--offline", "--quiet", "--manifest-path", os.path.join(proj, "Cargo.toml")],
                   cwd=work, env=dict(os.environ, CARGO_TARGET_DIR=os.path.join(work, "target")))
if b.returncode != 0: print("cargo build of the syn oracle failed"); sys.exit(1)
exe = os.path.join(work, "target", "debug", "rustast")

files = sorted(glob.glob(REG + "/**/*.rs", recursive=True))
p = subprocess.run([exe], input="\n".join(files) + "\n", capture_output=True, text=True, check=True)
theirs_d, theirs_c, bad = [], [], set()
for line in p.stdout.splitlines():
    f = line.split("\t")
    if f[0] == "X": bad.add(f[1])
    elif f[0] == "D": theirs_d.append((f[1], int(f[2]), f[3]))
    elif f[0] == "C": theirs_c.append((f[1], int(f[2]), int(f[3]), f[4]))
parsed = [f for f in files if f not in bad]
recs, errors = oracle.dump(parsed, "rust")
for f, why in errors.items(): print("frontend failed:", f, why)
ours_d, ours_c = [], []
for f in parsed:
    ours_d += [(f, int(s[6]), s[2]) for s in recs[f]["S"] if int(s[3]) in (2, 5, 6, 10, 11, 12, 23, 255)]
    ours_c += oracle.ours_calls(recs[f], f)
print("files: %d of %d parsed by syn" % (len(parsed), len(files)))
ok = oracle.compare("rust definitions", ours_d, theirs_d, THRESHOLD)
ok &= oracle.compare("rust call sites", ours_c, theirs_c, THRESHOLD)
ok &= not errors
sys.exit(0 if ok else 1)
