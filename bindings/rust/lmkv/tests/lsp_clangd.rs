//! LSP ingest through the Rust API on real answers of two real servers, run
//! by scripts/lsp_capture.py: clangd 14 (Debian clangd-14) over LMDB's C
//! sources ($LMKV_SOURCES/lmdb), and typescript-language-server 4.4.1 with
//! TypeScript 5.9.3 (npm, $LMKV_SOURCES/tsls) over immer 10.1.3's
//! TypeScript sources ($LMKV_SOURCES/immer; both installed by
//! scripts/fetch-sources.sh). Their documentSymbol / incomingCalls /
//! references answers are ingested with lmkv::lsp::Ingest, then lmkv's
//! callers, refs and symbols (lmkv::graph) must equal what the server
//! answered -- positions converted from LSP's UTF-16 columns by this test's
//! own code, not lmkv's. The same answers ingested through the C API
//! directly (lmkv-sys) give the same records, file version by file version.
//! `tsls_answers_of_t_lsp_typescript` takes tests/t_lsp_typescript.py's own
//! answers (run in the same test, or from $LMKV_TS_CAPTURE) and compares
//! lmkv's callers, callees and refs through Rust with the C library's.
//!
//! Needs clangd-14, python3, node and the sources (scripts/deps.sh,
//! scripts/fetch-sources.sh); a missing one is a failure with the reason,
//! not a pass.

mod common;

use common::{Json, TempDir};
use lmkv::graph::{Graph, Match};
use lmkv::lsp::Ingest;
use lmkv::store::{self, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn lmdb_sources() -> PathBuf {
    let base = std::env::var_os("LMKV_SOURCES").map(PathBuf::from).unwrap_or_else(|| repo().join("build/sources"));
    let p = base.join("lmdb");
    assert!(p.join("mdb.c").is_file(), "LMDB's sources are needed at {} (scripts/fetch-sources.sh)", p.display());
    std::fs::canonicalize(p).unwrap()
}

/// One recorded answer: the method, its params and result as JSON values.
struct Answer {
    method: String,
    params: Json,
    result: Json,
}

struct Capture {
    _dir: TempDir,
    root: String,
    files: Vec<(String, String)>,
    answers: Vec<Answer>,
}

/// A server's answers over a source tree, captured by scripts/lsp_capture.py.
fn run_capture(tag: &str, src: &Path, args: &[&str], server: &[&str]) -> Capture {
    let dir = TempDir::new(tag);
    let out = dir.path().join("answers.jsonl");
    let run = Command::new("python3")
        .arg(repo().join("scripts/lsp_capture.py"))
        .arg("--root")
        .arg(src)
        .arg("--out")
        .arg(&out)
        .args(args)
        .arg("--")
        .args(server)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to drive {} (scripts/deps.sh): {e}", server[0]));
    assert!(
        run.status.success(),
        "capturing the answers of {} failed (scripts/deps.sh, scripts/fetch-sources.sh install it): {}",
        server[0],
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let head = Json::parse(lines.next().unwrap()).unwrap();
    let root = head.get("root").as_str().unwrap().to_string();
    let files = head
        .get("files")
        .as_array()
        .iter()
        .map(|f| (f.as_array()[0].as_str().unwrap().to_string(), f.as_array()[1].as_str().unwrap().to_string()))
        .collect();
    let answers = lines
        .map(|l| {
            let j = Json::parse(l).unwrap();
            Answer {
                method: j.get("method").as_str().unwrap().to_string(),
                params: j.get("params").clone(),
                result: j.get("result").clone(),
            }
        })
        .collect();
    Capture { _dir: dir, root, files, answers }
}

/// clangd 14 over LMDB (150 functions), captured once.
fn clangd() -> &'static Capture {
    static C: OnceLock<Capture> = OnceLock::new();
    C.get_or_init(|| {
        let c = run_capture(
            "lsp-clangd",
            &lmdb_sources(),
            &["--max-symbols", "150"],
            &["clangd-14", "--background-index=false", "--log=error"],
        );
        assert!(c.files.iter().all(|f| f.1 == "c"));
        c
    })
}

/// typescript-language-server over immer's sources, captured once.
fn tsls() -> &'static Capture {
    static C: OnceLock<Capture> = OnceLock::new();
    C.get_or_init(|| {
        let base = std::env::var_os("LMKV_SOURCES").map(PathBuf::from).unwrap_or_else(|| repo().join("build/sources"));
        let server = base.join("tsls/node_modules/.bin/typescript-language-server");
        assert!(server.exists(), "{} is needed (scripts/fetch-sources.sh installs it from npm)", server.display());
        let src = std::fs::canonicalize(base.join("immer")).expect("immer's sources (scripts/fetch-sources.sh)");
        run_capture(
            "lsp-tsls",
            &src,
            &["--lang", "typescript", "--ext", ".ts", "--parse-wait", "0"],
            &[server.to_str().unwrap(), "--stdio"],
        )
    })
}

/// Compact JSON text of a value (what a server would send).
fn dump(j: &Json) -> String {
    let mut s = String::new();
    fn w(j: &Json, s: &mut String) {
        match j {
            Json::Null => s.push_str("null"),
            Json::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => s.push_str(&format!("{}", *n as i64)),
            Json::Num(n) => s.push_str(&format!("{n}")),
            Json::Str(t) => {
                s.push('"');
                for c in t.chars() {
                    match c {
                        '"' => s.push_str("\\\""),
                        '\\' => s.push_str("\\\\"),
                        c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
                        c => s.push(c),
                    }
                }
                s.push('"');
            }
            Json::Arr(a) => {
                s.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    w(x, s);
                }
                s.push(']');
            }
            Json::Obj(m) => {
                s.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    w(&Json::Str(k.clone()), s);
                    s.push(':');
                    w(v, s);
                }
                s.push('}');
            }
        }
    }
    w(j, &mut s);
    s
}

fn num(j: &Json) -> u32 {
    j.as_u64().unwrap() as u32
}

/// The workspace-relative path of a file:// URI under the root.
fn rel(root: &str, uri: &str) -> Option<String> {
    let p = uri.strip_prefix("file://")?;
    let mut dec = Vec::new();
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            dec.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            dec.push(b[i]);
            i += 1;
        }
    }
    let p = String::from_utf8(dec).unwrap();
    p.strip_prefix(root)?.strip_prefix('/').map(str::to_string)
}

/// LSP (0-based line, UTF-16 column) -> (1-based line, 1-based byte
/// column), computed here independently of lmkv.
fn to_byte(text: &[u8], line: u32, character: u32) -> (u32, u32) {
    let s = String::from_utf8_lossy(text);
    let l = s.split('\n').nth(line as usize).expect("line inside the file");
    let mut units = 0u32;
    let mut bytes = 0usize;
    for c in l.chars() {
        if units >= character || c == '\r' {
            break;
        }
        units += c.len_utf16() as u32;
        bytes += c.len_utf8();
    }
    (line + 1, bytes as u32 + 1)
}

const INGESTED: [&str; 3] = ["textDocument/documentSymbol", "callHierarchy/incomingCalls", "textDocument/references"];

/// Ingests the capture's documentSymbol, incomingCalls and references
/// answers through the Rust API; answers the indexes of those refused.
fn ingest_rust(st: &Store, ws: u64, cap: &Capture, texts: &BTreeMap<String, Vec<u8>>) -> BTreeSet<usize> {
    let mut ing = Ingest::new(ws, &cap.root).unwrap();
    for (p, lang) in &cap.files {
        ing.add_file(p, &texts[p], Some(lang)).unwrap();
    }
    let mut refused = BTreeSet::new();
    for (i, a) in cap.answers.iter().enumerate() {
        if !INGESTED.contains(&a.method.as_str()) {
            continue;
        }
        if let Err(e) = ing.answer(&a.method, &dump(&a.params), &dump(&a.result)) {
            // The one kind of answer lmkv refuses from clangd 14 here: the
            // `main` of LMDB's test programs share one USR, so clangd merges
            // them and gives one caller's item with another file's call
            // sites (outside that file's lines).
            assert_eq!(e.code(), lmkv::sys::LMKV_EPARSE, "answer {i} ({}): {e}", a.method);
            assert!(e.message().contains("is outside"), "answer {i} ({}) refused: {e}", a.method);
            refused.insert(i);
        }
    }
    let stats = ing.commit(st).unwrap();
    assert_eq!(stats.files, cap.files.len());
    assert!(stats.symbols > 100 && stats.calls > 50 && stats.references > 200, "{stats:?}");
    refused
}

fn open(dir: &Path) -> (lmkv::Db, Store) {
    let db = lmkv::Config::new().path(dir).open().unwrap();
    let st = Store::open(&db).unwrap();
    (db, st)
}

fn texts(cap: &Capture) -> BTreeMap<String, Vec<u8>> {
    cap.files.iter().map(|(p, _)| (p.clone(), std::fs::read(Path::new(&cap.root).join(p)).unwrap())).collect()
}

#[test]
fn callers_refs_and_symbols_equal_clangds_answers() {
    check_equal_answers(clangd(), 1000);
}

#[test]
fn callers_refs_and_symbols_equal_typescript_language_servers_answers() {
    check_equal_answers(tsls(), 200);
}

fn check_equal_answers(cap: &Capture, min_checked: usize) {
    let texts = texts(cap);
    let dir = TempDir::new("lsp-rust");
    let (_db, st) = open(&dir.path().join("db"));
    let ws = store::workspace_id(&cap.root).unwrap();
    let refused = ingest_rust(&st, ws, cap, &texts);
    assert!(refused.len() * 20 < cap.answers.len(), "{} of {} answers refused", refused.len(), cap.answers.len());

    // What clangd said, in lmkv's terms.
    let mut callers: BTreeMap<String, BTreeSet<(String, String, u32, u32)>> = BTreeMap::new();
    let mut refs: BTreeMap<String, BTreeSet<(String, u32, u32)>> = BTreeMap::new();
    let mut functions: Vec<(String, String, u32, u32)> = Vec::new();
    // position of a function's name -> its name (the references requests
    // are made at documentSymbol selectionRange starts)
    let mut at: BTreeMap<(String, u32, u32), String> = BTreeMap::new();
    for a in &cap.answers {
        if a.method != "textDocument/documentSymbol" {
            continue;
        }
        let path = rel(&cap.root, a.params.get("textDocument").get("uri").as_str().unwrap()).unwrap();
        fn walk(
            v: &[Json],
            path: &str,
            t: &[u8],
            f: &mut Vec<(String, String, u32, u32)>,
            at: &mut BTreeMap<(String, u32, u32), String>,
        ) {
            for s in v {
                let name = s.get("name").as_str().unwrap().to_string();
                let sel = s.get("selectionRange").get("start");
                at.insert((path.to_string(), num(sel.get("line")), num(sel.get("character"))), name.clone());
                if num(s.get("kind")) == 12 {
                    let r = s.get("range").get("start");
                    let (l, c) = to_byte(t, num(r.get("line")), num(r.get("character")));
                    f.push((name, path.to_string(), l, c));
                }
                walk(s.get("children").as_array(), path, t, f, at);
            }
        }
        walk(a.result.as_array(), &path, &texts[&path], &mut functions, &mut at);
    }
    for (i, a) in cap.answers.iter().enumerate() {
        if refused.contains(&i) {
            continue;
        }
        match a.method.as_str() {
            "callHierarchy/incomingCalls" => {
                let callee = a.params.get("item").get("name").as_str().unwrap().to_string();
                let set = callers.entry(callee).or_default();
                for c in a.result.as_array() {
                    let from = c.get("from");
                    let Some(path) = rel(&cap.root, from.get("uri").as_str().unwrap()) else { continue };
                    for r in c.get("fromRanges").as_array() {
                        let s = r.get("start");
                        let (l, col) = to_byte(&texts[&path], num(s.get("line")), num(s.get("character")));
                        set.insert((from.get("name").as_str().unwrap().to_string(), path.clone(), l, col));
                    }
                }
            }
            "textDocument/references" => {
                let path = rel(&cap.root, a.params.get("textDocument").get("uri").as_str().unwrap()).unwrap();
                let p = a.params.get("position");
                let name = at[&(path, num(p.get("line")), num(p.get("character")))].clone();
                let set = refs.entry(name).or_default();
                for loc in a.result.as_array() {
                    let Some(lp) = rel(&cap.root, loc.get("uri").as_str().unwrap()) else { continue };
                    let s = loc.get("range").get("start");
                    let (l, c) = to_byte(&texts[&lp], num(s.get("line")), num(s.get("character")));
                    set.insert((lp, l, c));
                }
            }
            _ => {}
        }
    }
    assert!(callers.values().filter(|s| !s.is_empty()).count() > 20, "the server found callers");

    let mut g = Graph::open(&st, ws).unwrap();
    let mut checked = 0;
    for (callee, want) in &callers {
        // NOTFOUND (nothing of that name) is right only where the server
        // found no caller either (e.g. a module item named after its file).
        let got: BTreeSet<_> = match g.callers(callee, 100_000) {
            Ok(a) => a.items.into_iter().map(|c| (c.caller_name, c.file_path, c.line, c.column)).collect(),
            Err(e) if e.code() == lmkv::sys::LMKV_NOTFOUND => BTreeSet::new(),
            Err(e) => panic!("callers of {callee}: {e}"),
        };
        assert_eq!(&got, want, "callers of {callee}");
        checked += want.len();
    }
    for (name, want) in &refs {
        let got: BTreeSet<_> = match g.refs(name, 100_000) {
            Ok(a) => a.items.into_iter().map(|r| (r.file_path, r.start_line, r.start_column)).collect(),
            Err(e) if e.code() == lmkv::sys::LMKV_NOTFOUND => BTreeSet::new(),
            Err(e) => panic!("references of {name}: {e}"),
        };
        assert_eq!(&got, want, "references of {name}");
        checked += want.len();
    }
    assert!(checked > min_checked, "{checked} call sites and references compared");
    // Every function documentSymbol gave is a symbol at its range's start.
    for (name, path, l, c) in &functions {
        let syms = g.symbols(name, Match::Exact, 1000).unwrap().items;
        assert!(
            syms.iter().any(|s| &s.file_path == path && s.start_line == *l && s.start_column == *c),
            "function {name} at {path}:{l}:{c}: {syms:?}"
        );
    }
}

#[test]
fn rust_and_c_ingest_store_the_same_records() {
    check_rust_equals_c(clangd());
    check_rust_equals_c(tsls());
}

fn check_rust_equals_c(cap: &Capture) {
    let texts = texts(cap);
    let dir = TempDir::new("lsp-rust-c");
    let (_db1, st1) = open(&dir.path().join("rust"));
    let (_db2, st2) = open(&dir.path().join("c"));
    let ws = store::workspace_id(&cap.root).unwrap();
    ingest_rust(&st1, ws, cap, &texts);

    // The C API directly, as a C program would call it.
    use lmkv::sys;
    use std::ffi::CString;
    unsafe {
        let mut ing = std::ptr::null_mut();
        let root = CString::new(cap.root.as_str()).unwrap();
        assert_eq!(sys::lmkv_lsp_ingest_new(&mut ing, ws, root.as_ptr()), 0);
        for (p, lang) in &cap.files {
            let (cp, cl) = (CString::new(p.as_str()).unwrap(), CString::new(lang.as_str()).unwrap());
            let t = &texts[p];
            let rc = sys::lmkv_lsp_ingest_add_file(
                std::ptr::null_mut(),
                ing,
                cp.as_ptr(),
                t.as_ptr() as *const _,
                t.len(),
                cl.as_ptr(),
            );
            assert_eq!(rc, 0);
        }
        for a in &cap.answers {
            if !INGESTED.contains(&a.method.as_str()) {
                continue;
            }
            let (m, p, r) = (CString::new(a.method.as_str()).unwrap(), dump(&a.params), dump(&a.result));
            let rc = sys::lmkv_lsp_ingest_answer(
                ing,
                m.as_ptr(),
                p.as_ptr() as *const _,
                p.len(),
                r.as_ptr() as *const _,
                r.len(),
            );
            assert!(rc == 0 || rc == sys::LMKV_EPARSE);
        }
        let mut stats: sys::lmkv_lsp_ingest_stats = std::mem::zeroed();
        assert_eq!(sys::lmkv_lsp_ingest_commit(&mut stats, ing, st2.as_raw()), 0);
        sys::lmkv_lsp_ingest_free(ing);
    }

    let (r1, r2) = (st1.read().unwrap(), st2.read().unwrap());
    let fv1: Vec<u64> = r1.file_versions(ws).unwrap().iter().map(|f| f.id()).collect();
    let fv2: Vec<u64> = r2.file_versions(ws).unwrap().iter().map(|f| f.id()).collect();
    assert_eq!(fv1, fv2);
    assert_eq!(fv1.len(), cap.files.len());
    let mut n = 0;
    for fv in fv1 {
        let s1: Vec<_> = r1.symbols_of(ws, fv).unwrap().iter().map(|s| s.to_row()).collect();
        let s2: Vec<_> = r2.symbols_of(ws, fv).unwrap().iter().map(|s| s.to_row()).collect();
        assert_eq!(s1, s2, "symbols of file version {fv}");
        let c1: Vec<_> = r1.calls_of(ws, fv).unwrap().iter().map(|c| c.to_row()).collect();
        let c2: Vec<_> = r2.calls_of(ws, fv).unwrap().iter().map(|c| c.to_row()).collect();
        assert_eq!(c1, c2, "calls of file version {fv}");
        let f1: Vec<_> = r1.refs_of(ws, fv).unwrap().iter().map(|r| r.to_row()).collect();
        let f2: Vec<_> = r2.refs_of(ws, fv).unwrap().iter().map(|r| r.to_row()).collect();
        assert_eq!(f1, f2, "references of file version {fv}");
        n += s1.len() + c1.len() + f1.len();
    }
    assert!(n > 500, "{n} records compared");
}

/// The answers tests/t_lsp_typescript.py asks typescript-language-server
/// for (immer's sources plus its uni.ts, whose call sites follow 2-, 3- and
/// 4-byte UTF-8 characters; documentSymbol, incomingCalls, outgoingCalls
/// and references of every function and method), produced in the same run
/// by that script -- which also ingests them with the C library (`lmkv
/// ingest`) and checks lmkv's answers against the server's -- or read from
/// the directory $LMKV_TS_CAPTURE names (a finished run's $LMKV_TEST_TMP).
/// Every answer is ingested through lmkv::lsp::Ingest (none may be
/// refused, as none is by the C ingest), then lmkv::graph's callers, callees
/// and refs of every name must equal, item for item, what the C library
/// answered (c_answers.json), and uniA's callers on the non-ASCII lines must
/// sit at the byte columns this test finds in uni.ts itself.
#[test]
#[ignore = "needs the lmkv CLI (LMKV_BIN or build/lmkv), node and typescript-language-server; tests/t_rust.sh runs it"]
fn tsls_answers_of_t_lsp_typescript() {
    let tmp = TempDir::new("lsp-ts-script");
    let cap_dir = match std::env::var_os("LMKV_TS_CAPTURE") {
        Some(d) => PathBuf::from(d),
        None => {
            let bin = std::env::var_os("LMKV_BIN").map(PathBuf::from).unwrap_or_else(|| repo().join("build/lmkv"));
            assert!(bin.is_file(), "the lmkv CLI is needed at {} (make)", bin.display());
            let sources =
                std::env::var_os("LMKV_SOURCES").map(PathBuf::from).unwrap_or_else(|| repo().join("build/sources"));
            let run = Command::new("python3")
                .arg(repo().join("tests/t_lsp_typescript.py"))
                .current_dir(repo())
                .env("LMKV_BIN", std::fs::canonicalize(&bin).unwrap())
                .env("LMKV_SOURCES", std::fs::canonicalize(&sources).unwrap())
                .env("LMKV_TEST_TMP", tmp.path())
                .output()
                .unwrap_or_else(|e| panic!("python3 is needed to run tests/t_lsp_typescript.py: {e}"));
            assert!(
                run.status.success(),
                "tests/t_lsp_typescript.py failed ({}; exit 77 is its skip: node or the server is missing, \
                 scripts/fetch-sources.sh): {}{}",
                run.status,
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            );
            tmp.path().to_path_buf()
        }
    };
    let read = |n: &str| {
        std::fs::read_to_string(cap_dir.join(n)).unwrap_or_else(|e| panic!("{}: {e}", cap_dir.join(n).display()))
    };
    let head = Json::parse(&read("capture.json")).unwrap();
    let root = head.get("root").as_str().unwrap().to_string();
    let files: Vec<(String, String)> = head
        .get("files")
        .as_array()
        .iter()
        .map(|f| (f.as_array()[0].as_str().unwrap().to_string(), f.as_array()[1].as_str().unwrap().to_string()))
        .collect();
    let names: Vec<String> = head.get("names").as_array().iter().map(|n| n.as_str().unwrap().to_string()).collect();
    let answers: Vec<Answer> = read("answers.jsonl")
        .lines()
        .map(|l| {
            let j = Json::parse(l).unwrap();
            Answer {
                method: j.get("method").as_str().unwrap().to_string(),
                params: j.get("params").clone(),
                result: j.get("result").clone(),
            }
        })
        .collect();
    let c = Json::parse(&read("c_answers.json")).unwrap();
    assert!(files.iter().any(|f| f.0 == "src/uni.ts"), "uni.ts is among the files");
    assert!(answers.iter().any(|a| a.method == "callHierarchy/outgoingCalls"), "outgoingCalls answers");

    // Ingest through the Rust API.
    let texts: BTreeMap<String, Vec<u8>> =
        files.iter().map(|(p, _)| (p.clone(), std::fs::read(Path::new(&root).join(p)).unwrap())).collect();
    let dbdir = TempDir::new("lsp-ts-rust");
    let (_db, st) = open(&dbdir.path().join("db"));
    let ws = store::workspace_id(&root).unwrap();
    let mut ing = Ingest::new(ws, &root).unwrap();
    for (p, lang) in &files {
        ing.add_file(p, &texts[p], Some(lang)).unwrap();
    }
    for (i, a) in answers.iter().enumerate() {
        ing.answer(&a.method, &dump(&a.params), &dump(&a.result))
            .unwrap_or_else(|e| panic!("answer {i} ({}) refused through Rust: {e}", a.method));
    }
    let stats = ing.commit(&st).unwrap();
    assert_eq!(stats.files, files.len());

    // lmkv's answers through Rust, against the C library's.
    type Call = (String, String, String, u32, u32);
    // lmkv(1) JSON OUTPUT: an edge row is {from, to, kind, file, line, column};
    // `named` is the end the query named, `other` the end it found
    let calls_of = |arr: &Json, named: &str, other: &str| -> BTreeMap<Call, usize> {
        let mut m = BTreeMap::new();
        for g in arr.as_array() {
            let k = (
                g.get(named).as_str().unwrap().to_string(),
                g.get(other).as_str().unwrap_or("").to_string(),
                g.get("file").as_str().unwrap().to_string(),
                num(g.get("line")),
                num(g.get("column")),
            );
            *m.entry(k).or_insert(0) += 1;
        }
        m
    };
    let c_callers = calls_of(c.get("callers"), "to", "from");
    let c_callees = calls_of(c.get("callees"), "from", "to");
    let mut c_refs: BTreeMap<(String, Option<String>, String, u32, u32), usize> = BTreeMap::new();
    for g in c.get("refs").as_array() {
        let k = (
            g.get("to").as_str().unwrap().to_string(),
            g.get("from").as_str().map(str::to_string),
            g.get("file").as_str().unwrap().to_string(),
            num(g.get("line")),
            num(g.get("column")),
        );
        *c_refs.entry(k).or_insert(0) += 1;
    }
    let mut g = Graph::open(&st, ws).unwrap();
    let (mut r_callers, mut r_callees, mut r_refs) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let none = |e: &lmkv::Error| e.code() == lmkv::sys::LMKV_NOTFOUND;
    for n in &names {
        match g.callers(n, 100_000) {
            Ok(a) => a.items.into_iter().for_each(|x| {
                *r_callers.entry((n.clone(), x.caller_name, x.file_path, x.line, x.column)).or_insert(0) += 1
            }),
            Err(e) if none(&e) => {}
            Err(e) => panic!("callers of {n}: {e}"),
        }
        match g.callees(n, 100_000) {
            Ok(a) => a.items.into_iter().for_each(|x| {
                *r_callees.entry((n.clone(), x.callee_name, x.file_path, x.line, x.column)).or_insert(0) += 1
            }),
            Err(e) if none(&e) => {}
            Err(e) => panic!("callees of {n}: {e}"),
        }
        match g.refs(n, 100_000) {
            Ok(a) => a.items.into_iter().for_each(|x| {
                *r_refs.entry((n.clone(), x.source_name, x.file_path, x.start_line, x.start_column)).or_insert(0) += 1
            }),
            Err(e) if none(&e) => {}
            Err(e) => panic!("references of {n}: {e}"),
        }
    }
    assert_eq!(r_callers, c_callers, "callers: Rust ingest vs the C library's");
    assert_eq!(r_callees, c_callees, "callees: Rust ingest vs the C library's");
    assert_eq!(r_refs, c_refs, "refs: Rust ingest vs the C library's");
    let sites: usize = r_callers.values().sum();
    let refs: usize = r_refs.values().sum();
    assert!(sites >= 100 && refs >= 100, "{sites} call sites and {refs} references compared");
    eprintln!(
        "t_lsp_typescript's {} answers through Rust: {} names, {sites} caller sites, {} callee sites, {refs} \
         references equal the C library's",
        answers.len(),
        names.len(),
        r_callees.values().sum::<usize>()
    );

    // uni.ts: UTF-16 columns after non-ASCII characters, located here.
    let uni = String::from_utf8(texts["src/uni.ts"].clone()).unwrap();
    let lines: Vec<&str> = uni.split('\n').collect();
    let col = |l: usize, pat: &str| lines[l].find(pat).unwrap() as u32 + 1;
    let want: BTreeSet<(String, u32, u32)> = [
        ("uniB".to_string(), 3, col(2, "uniA(n)")),
        ("uniB".to_string(), 3, col(2, "uniA(2)")),
        ("run".to_string(), 4, col(3, "uniA(3)")),
    ]
    .into_iter()
    .collect();
    let got: BTreeSet<(String, u32, u32)> = g
        .callers("uniA", 100)
        .unwrap()
        .items
        .into_iter()
        .filter(|x| x.file_path == "src/uni.ts")
        .map(|x| (x.caller_name, x.line, x.column))
        .collect();
    assert_eq!(got, want, "uniA's callers on non-ASCII lines");
}
