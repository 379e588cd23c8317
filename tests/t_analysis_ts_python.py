"""The Python tree-sitter frontend against CPython's own parser (ast) over
Python's standard library (/usr/lib/python3.11, every .py file ast parses):
definitions (def, async def, class: name and position) and call sites
(position and callee name) must agree with precision and recall >= 0.98."""
import ast, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "analysis"))
import oracle

LIB = "/usr/lib/python3.11"
THRESHOLD = 0.98
if not os.path.isdir(LIB): oracle.skip(LIB + " missing (Debian libpython3.11-stdlib)")

files = []
for root, dirs, names in os.walk(LIB):
    dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages", "__pycache__"))
    files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".py")]

theirs_d, theirs_c, parsed = [], [], []
for f in files:
    try:
        src = open(f, "rb").read()
        tree = ast.parse(src, f)
    except (SyntaxError, ValueError):
        continue              # Python 2 test data, encodings ast refuses
    parsed.append(f)
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            theirs_d.append((f, n.lineno, n.col_offset + 1, n.name))
        elif isinstance(n, ast.Call):
            fn = n.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else "*"
            theirs_c.append((f, n.lineno, n.col_offset + 1, name))

recs, errors = oracle.dump(parsed, "python")
for f, why in errors.items(): print("frontend failed:", f, why)
ours_d, ours_c = [], []
for f in parsed:
    ours_d += oracle.ours_defs(recs[f], f, {5, 6, 12})
    ours_c += oracle.ours_calls(recs[f], f)
print("files: %d of %d parsed by ast" % (len(parsed), len(files)))
ok = oracle.compare("python definitions", ours_d, theirs_d, THRESHOLD)
ok &= oracle.compare("python call sites", ours_c, theirs_c, THRESHOLD)
ok &= not errors
sys.exit(0 if ok else 1)
