#!/usr/bin/python3
"""t_schema_conformance.py -- lmkv's FlatBuffers records against the official
implementation (flatc 2.0.8 + python3-flatbuffers). Run with /usr/bin/python3.

For EVERY table in schema/*.fbs and a set of cases per table (all fields
absent, all set, extremes: INT64_MIN/MAX, UINT64_MAX, UINT32_MAX, unknown
enum value 255, empty strings/vectors; unicode; defaults given explicitly;
seeded random values):

  1. lmkv's descriptor (C) matches the .fbs (names, order, types, defaults);
  2. lmkv-built bytes are read by flatc's generated Python code with equal
     values for every field;
  3. official-built bytes (generated Python builder) are verified and read by
     lmkv with equal values for every field;
  4. `flatc --json --strict-json --defaults-json` decodes lmkv-built bytes
     (with and without --raw-binary) to equal values;
  5. lmkv_record_to_json() renders lmkv-built bytes as JSON with the table
     name and the string fields;
  6. evolution against the official builder: records of an older Symbol
     (last fields removed) read in lmkv with defaults, records of a newer
     Symbol (fields appended) read in lmkv with the known fields equal;
  7. the committed golden records (tests/schema/golden, read by the C suite
     test_schema_conformance) decode with the official reader to their
     expected values;
  8. FlatBuffers' C++ verifier (flatc --cpp, libflatbuffers-dev) accepts
     every lmkv-built record; differentially, on the fuzz corpus plus seeded
     mutations of every table's records, lmkv never accepts a buffer the
     official verifier rejects, rejects more only in its four documented
     stricter checks, and where both accept, reads the same values as the
     official Python reader.

Any difference fails the test. `--regen` rewrites tests/schema/golden.
Helper: $LMKV_BUILD/tests/test_schema_conformance (modes schema/build/read/json).
"""
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.environ.get("LMKV_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("LMKV_BUILD") or os.path.join(ROOT, "build")
TOOL = os.path.join(BUILD, "tests", "test_schema_conformance")
TMP = os.environ.get("LMKV_TEST_TMP") or tempfile.mkdtemp(prefix="lmkv-conf.")
SCHEMA = os.path.join(ROOT, "schema")
GOLDEN = os.path.join(ROOT, "tests", "schema", "golden")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# ------------------------------------------------------------------ schema
SCALARS = {"bool", "byte", "ubyte", "short", "ushort", "int", "uint", "long", "ulong", "float", "double"}


def parse_fbs():
    """-> tables {name: {"file", "ident", "fields": [(name, type, default)]}}, enums {name: {valname: value}}"""
    tables, enums = {}, {}
    for fn in sorted(os.listdir(SCHEMA)):
        if not fn.endswith(".fbs"):
            continue
        text = open(os.path.join(SCHEMA, fn)).read()
        text = re.sub(r"//[^\n]*", "", text)
        for m in re.finditer(r"enum\s+(\w+)\s*:\s*(\w+)\s*\{([^}]*)\}", text):
            vals, nxt = {}, 0
            for item in m.group(3).split(","):
                item = item.strip()
                if not item:
                    continue
                if "=" in item:
                    k, v = [x.strip() for x in item.split("=")]
                    nxt = int(v)
                else:
                    k = item
                vals[k] = nxt
                nxt += 1
            enums[m.group(1)] = {"base": m.group(2), "values": vals}
        root = re.search(r"root_type\s+(\w+)\s*;", text)
        ident = re.search(r'file_identifier\s+"(\w{4})"\s*;', text)
        for m in re.finditer(r"table\s+(\w+)\s*\{([^}]*)\}", text):
            fields = []
            for line in m.group(2).split(";"):
                line = line.strip()
                if not line:
                    continue
                fm = re.match(r"(\w+)\s*:\s*(\[?\w+\]?)\s*(?:=\s*([-\w.]+))?", line)
                fields.append((fm.group(1), fm.group(2), fm.group(3)))
            tables[m.group(1)] = {"file": fn, "fields": fields,
                                  "ident": ident.group(1) if root and root.group(1) == m.group(1) else None}
    return tables, enums


TABLES, ENUMS = parse_fbs()


def wire_type(t):
    return ENUMS[t]["base"] if t in ENUMS else t


def default_of(t, d):
    """.fbs default -> value in the helper's value format (None: absent,
    also for an optional scalar, `= null`)."""
    wt = wire_type(t)
    if wt in ("string", "[string]", "[ubyte]") or d == "null":
        return None
    if t in ENUMS:
        v = ENUMS[t]["values"][d] if d is not None else 0
        return v
    if wt == "bool":
        return d == "true"
    if wt == "float":
        return f32bits(float(d) if d else 0.0)
    v = int(d) if d else 0
    return str(v) if wt in ("long", "ulong") else v


def f32bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def bitsf32(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def check_descriptors():
    r = run([TOOL, "schema"])
    if r.returncode:
        fail("helper schema: " + r.stderr)
        return
    desc = json.loads(r.stdout)
    names = [d["table"] for d in desc]
    fbs_tables = [t for t in TABLES if TABLES[t]["ident"]]
    if sorted(names) != sorted(fbs_tables):
        fail("tables differ: C %s vs .fbs %s" % (names, fbs_tables))
    for d in desc:
        t = TABLES.get(d["table"])
        if not t:
            continue
        if t["ident"] != d["ident"]:
            fail("%s: identifier %s vs %s" % (d["table"], d["ident"], t["ident"]))
        cf = [(f["name"], f["type"]) for f in d["fields"]]
        ff = [(n, wire_type(ty)) for n, ty, _ in t["fields"]]
        if cf != ff:
            fail("%s: C fields %s\n   .fbs fields %s" % (d["table"], cf, ff))
        for f, (n, ty, dv) in zip(d["fields"], t["fields"]):
            want = default_of(ty, dv)
            if wire_type(ty) == "float":
                got = f32bits(f["default_float"])
            elif wire_type(ty) in ("string", "[string]", "[ubyte]"):
                got = None
            elif wire_type(ty) == "bool":
                got = bool(f["default"])
            elif wire_type(ty) in ("long", "ulong"):
                got = str(f["default"])
            else:
                got = f["default"]
            if got != want:
                fail("%s.%s: default %r in C, %r in .fbs" % (d["table"], n, got, want))


# ------------------------------------------------------------------ cases
INT_RANGE = {"ubyte": (0, 255), "uint": (0, 2**32 - 1), "int": (-2**31, 2**31 - 1),
             "ulong": (0, 2**64 - 1), "long": (-2**63, 2**63 - 1)}
UNI = ["ünïcødé", "漢字テスト", "emoji 🚀🦀", "tab\tnew\nline \"quote\" \\", "ω≈ç√∫"]


def is_optional(table, name):
    return any(n == name and dv == "null" for n, _, dv in TABLES[table]["fields"])


def value_for(table, name, ty, mode, rnd):
    wt = wire_type(ty)
    if mode == "empty":
        return None
    if wt == "bool":
        return True if mode != "random" else rnd.random() < 0.5
    if wt == "float":
        if mode == "random":
            return f32bits(rnd.choice([0.0, 0.5, 0.125, -2.5, 1e-3]))
        return f32bits({"full": 0.75, "extremes": 3.4028234663852886e38, "unicode": -0.0}.get(mode, 0.25))
    if wt in INT_RANGE:
        lo, hi = INT_RANGE[wt]
        if is_optional(table, name):
            hi -= 1  # lmkv's C view: UINT32_MAX is LMKV_POSITION_NONE (absent)
        if ty in ENUMS:
            vals = sorted(ENUMS[ty]["values"].values())
            v = {"full": vals[-1], "extremes": 255, "unicode": vals[1 % len(vals)]}.get(mode)
            if mode == "random":
                v = rnd.choice(vals + [200])
        elif mode == "extremes":
            v = lo if lo < 0 and name in ("created_ns", "argument_count", "mtime_ns") else hi
        elif mode == "full":
            v = {"ubyte": 7, "uint": 4242, "int": 17, "ulong": 0x0123456789ABCDEF, "long": 1757844023073816676}[wt]
        elif mode == "unicode":
            v = {"ubyte": 1, "uint": 1, "int": 0, "ulong": 2**63, "long": -1}[wt]
        else:
            v = rnd.randint(lo, hi) if rnd.random() < 0.5 else rnd.randint(0, 300)
        return str(v) if wt in ("long", "ulong") else v
    if wt == "string":
        if mode == "full":
            return "%s of %s" % (name, table)
        if mode == "extremes":
            return ""
        if mode == "unicode":
            return UNI[len(name) % len(UNI)]
        return None if rnd.random() < 0.3 else "".join(rnd.choice("abcé漢🚀_/.:") for _ in range(rnd.randint(0, 40)))
    if wt == "[string]":
        if mode == "full":
            return ["static", "inline", "const"]
        if mode == "extremes":
            return []
        if mode == "unicode":
            return UNI + [""]
        return None if rnd.random() < 0.3 else ["m%d" % rnd.randint(0, 99) for _ in range(rnd.randint(0, 6))]
    if wt == "[ubyte]":
        if mode == "full":
            return b'{"uri":"file:///a.c","range":{}}'.hex()
        if mode == "extremes":
            return ""
        if mode == "unicode":
            return bytes(range(256)).hex()
        return None if rnd.random() < 0.3 else bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 64))).hex()
    raise ValueError(ty)


def make_cases(table):
    fields = TABLES[table]["fields"]
    cases = []
    for mode in ("empty", "full", "extremes", "unicode"):
        cases.append((mode, {n: value_for(table, n, ty, mode, None) for n, ty, _ in fields}))
    # Defaults given explicitly: must read back as the defaults (and be omitted).
    cases.append(("defaults", {n: default_of(ty, dv) for n, ty, dv in fields}))
    rnd = random.Random("lmkv-" + table)
    for i in range(6):
        cases.append(("random%d" % i, {n: value_for(table, n, ty, "random", rnd) for n, ty, _ in fields}))
    # Optional scalars present with 0 (their type's zero): written, and read
    # back as 0, not as absent (the "empty" case has them absent: null).
    if any(dv == "null" for _, _, dv in fields):
        cases.append(("optzero", {n: (0 if dv == "null" else None) for n, _, dv in fields}))
    return cases


def expected(table, values):
    out = {}
    for n, ty, dv in TABLES[table]["fields"]:
        v = values.get(n)
        out[n] = default_of(ty, dv) if v is None else v
    return out


# ------------------------------------------------------------ official side
def camel(n):
    return "".join(p[:1].upper() + p[1:] for p in n.split("_"))


def import_table(table):
    mod = __import__("lmkv.schema." + table, fromlist=[table])
    return mod


def c_string(v):
    """A FlatBuffers string as lmkv's C view shows it: up to the first NUL;
    text when valid UTF-8, else {"hex": ...} (as the helper prints it)."""
    v = v.split(b"\0", 1)[0]
    try:
        return v.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": v.hex()}


def official_read(table, data):
    mod = import_table(table)
    obj = getattr(getattr(mod, table), "GetRootAs")(data, 0)
    out = {}
    for n, ty, _ in TABLES[table]["fields"]:
        wt = wire_type(ty)
        acc = getattr(obj, camel(n))
        if wt == "string":
            v = acc()
            out[n] = None if v is None else c_string(v)
        elif wt == "[string]":
            out[n] = None if getattr(obj, camel(n) + "IsNone")() else \
                [c_string(acc(j)) for j in range(getattr(obj, camel(n) + "Length")())]
        elif wt == "[ubyte]":
            out[n] = None if getattr(obj, camel(n) + "IsNone")() else \
                bytes(acc(j) for j in range(getattr(obj, camel(n) + "Length")())).hex()
        elif wt == "float":
            out[n] = f32bits(acc())
        elif wt == "bool":
            out[n] = bool(acc())
        elif wt in ("long", "ulong"):
            out[n] = str(acc())
        else:
            out[n] = acc()
    return out


def official_build(table, values):
    import flatbuffers
    mod = import_table(table)
    b = flatbuffers.Builder(64)
    refs = {}
    for n, ty, _ in TABLES[table]["fields"]:
        v = values.get(n)
        wt = wire_type(ty)
        if v is None:
            continue
        if wt == "string":
            refs[n] = b.CreateString(v)
        elif wt == "[ubyte]":
            refs[n] = b.CreateByteVector(bytes.fromhex(v))
        elif wt == "[string]":
            offs = [b.CreateString(s) for s in v]
            getattr(mod, table + "Start" + camel(n) + "Vector")(b, len(offs))
            for o in reversed(offs):
                b.PrependUOffsetTRelative(o)
            refs[n] = b.EndVector()
    getattr(mod, table + "Start")(b)
    for n, ty, _ in TABLES[table]["fields"]:
        v = values.get(n)
        wt = wire_type(ty)
        if v is None:
            continue
        add = getattr(mod, table + "Add" + camel(n))
        if n in refs:
            add(b, refs[n])
        elif wt == "float":
            add(b, bitsf32(v))
        elif wt in ("long", "ulong"):
            add(b, int(v))
        else:
            add(b, v)
    root = getattr(mod, table + "End")(b)
    b.Finish(root, file_identifier=TABLES[table]["ident"].encode())
    return bytes(b.Output())


def flatc_values(table, js):
    """flatc --json output -> helper value format."""
    out = {}
    for n, ty, dv in TABLES[table]["fields"]:
        wt = wire_type(ty)
        if n not in js:
            out[n] = default_of(ty, dv) if wt not in ("string", "[string]", "[ubyte]") else None
            continue
        v = js[n]
        if ty in ENUMS:
            out[n] = ENUMS[ty]["values"][v] if isinstance(v, str) else v
        elif wt == "[ubyte]":
            out[n] = bytes(v).hex()
        elif wt == "float":
            out[n] = f32bits(v)
        elif wt in ("long", "ulong"):
            out[n] = str(v)
        else:
            out[n] = v
    return out


def diff(a, b):
    return ["%s: %r != %r" % (k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


# ------------------------------------------------------------------ main
def main():
    regen = "--regen" in sys.argv
    if not os.access(TOOL, os.X_OK):
        print("helper %s is not built (make %s)" % (TOOL, os.path.relpath(TOOL, ROOT)))
        return 1
    pydir = os.path.join(TMP, "py")
    fbs = sorted(os.path.join(SCHEMA, f) for f in os.listdir(SCHEMA) if f.endswith(".fbs"))
    r = run(["flatc", "--python", "-o", pydir] + fbs)
    if r.returncode:
        print("flatc --python failed:", r.stderr)
        return 1
    sys.path.insert(0, pydir)

    check_descriptors()
    work = os.path.join(TMP, "work")
    os.makedirs(work, exist_ok=True)
    if regen:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        os.makedirs(GOLDEN)
    ncases = 0
    for table in sorted(t for t in TABLES if TABLES[t]["ident"]):
        fbsfile = os.path.join(SCHEMA, TABLES[table]["file"])
        for cname, values in make_cases(table):
            ncases += 1
            tag = "%s_%s" % (table, cname)
            want = expected(table, values)
            vj = os.path.join(work, tag + ".values.json")
            with open(vj, "w") as f:
                json.dump(values, f)
            # lmkv builds -> official reads.
            lb = os.path.join(work, tag + ".lmkv.bin")
            r = run([TOOL, "build", table, vj, lb])
            if r.returncode:
                fail("%s: lmkv build: %s" % (tag, r.stderr.strip()))
                continue
            data = open(lb, "rb").read()
            got = official_read(table, data)
            if got != want:
                fail("%s: official reader on lmkv bytes: %s" % (tag, diff(got, want)))
            mod = import_table(table)
            if not getattr(getattr(mod, table), table + "BufferHasIdentifier")(data, 0):
                fail("%s: lmkv bytes lack identifier %s" % (tag, TABLES[table]["ident"]))
            # official builds -> lmkv verifies and reads.
            ob = os.path.join(work, tag + ".official.bin")
            odata = official_build(table, values)
            with open(ob, "wb") as f:
                f.write(odata)
            r = run([TOOL, "read", table, ob])
            if r.returncode:
                fail("%s: lmkv read of official bytes: %s" % (tag, r.stderr.strip()))
            else:
                got = json.loads(r.stdout)
                if got != want:
                    fail("%s: lmkv reader on official bytes: %s" % (tag, diff(got, want)))
            # flatc decodes lmkv bytes (with the identifier check, and raw).
            for raw in (False, True):
                od = os.path.join(work, "flatc_%s_%d" % (tag, raw))
                os.makedirs(od, exist_ok=True)
                cmd = ["flatc", "--json", "--strict-json", "--defaults-json", "-o", od, fbsfile, "--", lb]
                if raw:
                    cmd.insert(1, "--raw-binary")
                r = run(cmd)
                jf = os.path.join(od, tag + ".lmkv.json")
                if r.returncode or not os.path.exists(jf):
                    fail("%s: flatc --json%s failed: %s%s" % (tag, " --raw-binary" if raw else "", r.stdout, r.stderr))
                    continue
                got = flatc_values(table, json.load(open(jf)))
                if got != want:
                    fail("%s: flatc --json on lmkv bytes: %s" % (tag, diff(got, want)))
            # lmkv_record_to_json.
            r = run([TOOL, "json", lb])
            if r.returncode:
                fail("%s: lmkv_record_to_json: %s" % (tag, r.stderr.strip()))
            else:
                js = json.loads(r.stdout)
                if js.get("type") != table:
                    fail("%s: record_to_json type %r" % (tag, js.get("type")))
                for n, ty, dv in TABLES[table]["fields"]:
                    if wire_type(ty) == "string" and js.get(n) != want[n]:
                        fail("%s: record_to_json %s = %r, want %r" % (tag, n, js.get(n), want[n]))
                    # an optional scalar: its value, or JSON null when absent
                    if dv == "null" and (n not in js or js[n] != want[n]):
                        fail("%s: record_to_json %s = %r, want %r" % (tag, n, js.get(n, "(missing)"), want[n]))
            if regen and (cname in ("empty", "full", "extremes", "unicode", "defaults", "optzero") or cname == "random0"):
                with open(os.path.join(GOLDEN, tag + ".bin"), "wb") as f:
                    f.write(odata)
                with open(os.path.join(GOLDEN, tag + ".json"), "w") as f:
                    json.dump({"table": table, "values": values, "expect": want}, f, indent=1, sort_keys=True,
                              ensure_ascii=False)
                    f.write("\n")

    check_evolution(work)
    check_golden()
    check_official_verifier(work)
    print("%d cases over %d tables" % (ncases, len([t for t in TABLES if TABLES[t]["ident"]])))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("conformance OK")
    return 0


def check_evolution(work):
    """Older and newer Symbol schemas built by the official builder."""
    src = open(os.path.join(SCHEMA, "symbol.fbs")).read()
    fields = TABLES["Symbol"]["fields"]
    # Older: the last two fields did not exist yet.
    older = src
    for n, ty, dv in fields[-2:]:
        older = re.sub(r"\n\s*%s\s*:[^;]*;[^\n]*" % n, "", older)
    newer = src.replace("  indexed_ns: long;", "  indexed_ns: long;\n  added_text: string;\n  added_num: long = 5;\n"
                        "  added_list: [string];")
    if older == src or newer == src:
        fail("evolution: could not derive older/newer Symbol schemas")
        return
    for label, text in (("older", older), ("newer", newer)):
        d = os.path.join(work, "evo_" + label)
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(SCHEMA, "common.fbs"), d)
        with open(os.path.join(d, "symbol.fbs"), "w") as f:
            f.write(text)
        r = run(["flatc", "--python", "-o", os.path.join(d, "py"), os.path.join(d, "symbol.fbs")])
        if r.returncode:
            fail("evolution %s: flatc: %s" % (label, r.stderr))
            continue
        values = {n: value_for("Symbol", n, ty, "full", None) for n, ty, _ in fields}
        script = r'''
import sys, json, struct, flatbuffers
sys.path.insert(0, sys.argv[1])
from lmkv.schema import Symbol as S
v = json.loads(sys.argv[2]); label = sys.argv[3]
b = flatbuffers.Builder(0)
name = b.CreateString(v["name"]); fp = b.CreateString(v["file_path"])
extra = b.CreateString("from the future") if label == "newer" else None
lst = None
if label == "newer":
    o = [b.CreateString("a"), b.CreateString("b")]
    S.SymbolStartAddedListVector(b, 2)
    for x in reversed(o): b.PrependUOffsetTRelative(x)
    lst = b.EndVector()
S.SymbolStart(b)
S.SymbolAddId(b, int(v["id"])); S.SymbolAddName(b, name); S.SymbolAddFilePath(b, fp)
S.SymbolAddKind(b, v["kind"]); S.SymbolAddStartLine(b, v["start_line"])
S.SymbolAddDisambiguator(b, v["disambiguator"])
if label == "newer":
    S.SymbolAddConfidence(b, struct.unpack("<f", struct.pack("<I", v["confidence"]))[0])
    S.SymbolAddIndexedNs(b, int(v["indexed_ns"]))
    S.SymbolAddAddedText(b, extra); S.SymbolAddAddedNum(b, 99); S.SymbolAddAddedList(b, lst)
b.Finish(S.SymbolEnd(b), file_identifier=b"LKSY")
sys.stdout.buffer.write(b.Output())
'''
        r = subprocess.run(["/usr/bin/python3", "-c", script, os.path.join(d, "py"), json.dumps(values), label],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode:
            fail("evolution %s: build: %s" % (label, r.stderr.decode()))
            continue
        bin_ = os.path.join(d, "rec.bin")
        with open(bin_, "wb") as f:
            f.write(r.stdout)
        r = run([TOOL, "read", "Symbol", bin_])
        if r.returncode:
            fail("evolution %s: lmkv cannot read: %s" % (label, r.stderr))
            continue
        got = json.loads(r.stdout)
        want = expected("Symbol", {k: values[k] for k in ("id", "name", "file_path", "kind", "start_line",
                                                          "disambiguator")})
        if label == "newer":
            want["confidence"] = values["confidence"]
            want["indexed_ns"] = values["indexed_ns"]
        if got != want:
            fail("evolution %s: %s" % (label, diff(got, want)))
        # And the other direction: lmkv's (current) bytes read by the older
        # official reader (fields it does not know are ignored).
        vj = os.path.join(d, "cur.json")
        with open(vj, "w") as f:
            json.dump(values, f)
        cur = os.path.join(d, "cur.bin")
        if run([TOOL, "build", "Symbol", vj, cur]).returncode:
            fail("evolution %s: lmkv build failed" % label)
            continue
        script2 = r'''
import sys
sys.path.insert(0, sys.argv[1])
from lmkv.schema import Symbol as S
s = S.Symbol.GetRootAs(open(sys.argv[2], "rb").read(), 0)
print(s.Id(), s.Name().decode(), s.Disambiguator(), s.StartLine())
'''
        r = run(["/usr/bin/python3", "-c", script2, os.path.join(d, "py"), cur])
        exp = "%s %s %s %s" % (values["id"], values["name"], values["disambiguator"], values["start_line"])
        if r.returncode or r.stdout.strip() != exp:
            fail("evolution %s: official reader on lmkv bytes: %r, want %r %s" % (label, r.stdout.strip(), exp,
                                                                                 r.stderr))


def check_official_verifier(work):
    """FlatBuffers' C++ verifier (flatc --cpp + libflatbuffers-dev headers)
    against lmkv's, on every lmkv-built record (official must accept all) and
    differentially on the fuzz corpus plus seeded mutations of every table's
    records: a buffer the official verifier rejects must be rejected by lmkv
    too, and every disagreement the other way is listed (lmkv may only be
    stricter where its header says so)."""
    cppdir = os.path.join(work, "cpp")
    r = run(["flatc", "--cpp", "-o", cppdir] + sorted(os.path.join(SCHEMA, f) for f in os.listdir(SCHEMA)
                                                      if f.endswith(".fbs")))
    if r.returncode:
        fail("flatc --cpp: " + r.stderr)
        return
    ov = os.path.join(work, "official_verify")
    r = run(["g++", "-std=c++17", "-O1", "-I", cppdir, "-o", ov, os.path.join(ROOT, "tests", "schema",
                                                                              "official_verify.cc")])
    if r.returncode:
        fail("cannot build the official verifier (libflatbuffers-dev, g++): " + r.stderr[-2000:])
        return

    def verdicts(prog, table, files):
        out = []
        for i in range(0, len(files), 200):
            r = run(prog + [table] + files[i:i + 200])
            if r.returncode:
                fail("%s %s: %s" % (prog[-1], table, r.stderr.strip()))
                return None
            out += [l == "1" for l in r.stdout.split()]
        return out

    tables = sorted(t for t in TABLES if TABLES[t]["ident"])
    # 1. Everything lmkv built in this run passes the official verifier.
    for table in tables:
        files = sorted(os.path.join(work, f) for f in os.listdir(work)
                       if f.startswith(table + "_") and f.endswith(".lmkv.bin"))
        v = verdicts([ov], table, files)
        if v is None:
            continue
        bad = [os.path.basename(f) for f, ok in zip(files, v) if not ok]
        if bad or not files:
            fail("official verifier rejects lmkv records %s" % bad)
    # 2. Differential: corpus + mutations, every table.
    rnd = random.Random(20260421)
    ddir = os.path.join(work, "diff")
    os.makedirs(ddir, exist_ok=True)
    inputs = []
    corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", "fbverify")
    if os.path.isdir(corpus):
        inputs += [os.path.join(corpus, f) for f in sorted(os.listdir(corpus))]
    seeds = sorted(os.path.join(work, f) for f in os.listdir(work)
                   if f.endswith(".bin") and ("_full." in f or "_unicode." in f or "_random1." in f))
    k = 0
    for sp in seeds:
        data = open(sp, "rb").read()
        for _ in range(60):
            m = bytearray(data)
            op = rnd.random()
            if op < 0.15:
                m = m[:rnd.randrange(len(m))]
            else:
                for _ in range(rnd.choice((1, 1, 2, 3))):
                    i = rnd.randrange(len(m))
                    m[i] = rnd.choice((0, 0xff, 0x80, 0x7f, 1, 2, 4, rnd.randrange(256), m[i] ^ (1 << rnd.randrange(8))))
            fn = os.path.join(ddir, "m%05d.bin" % k)
            k += 1
            with open(fn, "wb") as f:
                f.write(bytes(m))
            inputs.append(fn)
    looser, stricter = [], []
    both = {}
    nacc = 0
    for table in tables:
        vo = verdicts([ov], table, inputs)
        vl = verdicts([TOOL, "verify"], table, inputs)
        if vo is None or vl is None:
            return
        for f, o, l in zip(inputs, vo, vl):
            nacc += o
            if l and not o:
                looser.append("%s as %s" % (os.path.relpath(f, ROOT) if f.startswith(ROOT) else f, table))
            elif o and not l:
                stricter.append((f, table))
            elif o and l:
                both.setdefault(table, []).append(f)
    print("differential: %d inputs x %d tables, official accepts %d, lmkv stricter on %d, looser on %d"
          % (len(inputs), len(tables), nacc, len(stricter), len(looser)))
    # Where both accept, lmkv reads the same values as the official Python
    # reader (floats compared by bits, any NaN equal to any NaN; an optional
    # uint holding UINT32_MAX is none in lmkv's C view, LMKV_POSITION_NONE,
    # as lmkv_schema.h documents).
    def norm(table, vals):
        for n, ty, dv in TABLES[table]["fields"]:
            if dv == "null" and vals.get(n) == 2**32 - 1:
                vals[n] = None
            if wire_type(ty) == "float" and isinstance(vals.get(n), int) and \
                    (vals[n] & 0x7f800000) == 0x7f800000 and (vals[n] & 0x7fffff):
                vals[n] = "nan"
        return vals
    nsame = 0
    for table, files in both.items():
        for i in range(0, len(files), 200):
            chunk = files[i:i + 200]
            r = run([TOOL, "read", table] + chunk)
            if r.returncode:
                fail("lmkv read %s: %s" % (table, r.stderr.strip()))
                break
            for f, line in zip(chunk, r.stdout.splitlines()):
                got = json.loads(line)
                want = official_read(table, open(f, "rb").read())
                if got is None or norm(table, got) != norm(table, want):
                    fail("%s as %s: lmkv reads %s" % (f, table, diff(got or {}, want)))
                else:
                    nsame += 1
    print("  accepted by both: %d, read with equal values by both: %d" % (sum(map(len, both.values())), nsame))
    # Where lmkv may be stricter (lmkv_schema.h, lmkv_record_verify): the
    # vtable header must be whole (size >= 4), the table's inline size must
    # lie inside the buffer, every field inside the table, and no uoffset may
    # be 0. Anything else is a disagreement and fails.
    allowed = ("vtable size ", "table of ", "runs past the table", "table size ", "offset 0 out of range")
    classes = {}
    for f, table in stricter:
        r = run([TOOL, "read", table, f])
        msg = r.stderr.strip()
        m = re.search(r"byte \d+: (.*)", msg)
        why = m.group(1) if m else msg
        key = next((a_ for a_ in allowed if a_ in why), None)
        if r.returncode == 0 or key is None:
            fail("lmkv rejects %s as %s, which FlatBuffers accepts: %s" % (f, table, msg))
        else:
            classes[key] = classes.get(key, 0) + 1
    if stricter:
        print("  lmkv stricter by class:", classes)
    if looser:
        fail("lmkv accepts what FlatBuffers' verifier rejects: %s" % looser[:10])
    if nacc == 0:
        fail("differential check had no valid input")


def check_golden():
    files = sorted(f for f in os.listdir(GOLDEN) if f.endswith(".json")) if os.path.isdir(GOLDEN) else []
    tables = set()
    for fn in files:
        case = json.load(open(os.path.join(GOLDEN, fn)))
        data = open(os.path.join(GOLDEN, fn[:-5] + ".bin"), "rb").read()
        got = official_read(case["table"], data)
        tables.add(case["table"])
        if got != case["expect"]:
            fail("golden %s: official reader: %s" % (fn, diff(got, case["expect"])))
        if got != expected(case["table"], case["values"]):
            fail("golden %s: expectation is stale" % fn)
    want = set(t for t in TABLES if TABLES[t]["ident"])
    if tables != want:
        fail("golden records missing for %s" % sorted(want - tables))


if __name__ == "__main__":
    sys.exit(main())
