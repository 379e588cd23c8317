//! Worktrees and index sessions with an analyser written in Rust, on a real
//! git repository (the `git` CLI) holding LMDB's real tool sources
//! ($LMKV_SOURCES/lmdb): the records the Rust analyser adds through
//! `Analysis` are what the graph answers; warm runs analyse nothing and
//! open no write transaction; an edit is re-analysed alone; failures and
//! panics leave no rows; set_plan, pending_paths, current state, semantic
//! diff between commits and gc.

mod common;

use common::TempDir;
use lmkv::graph::{Graph, Match};
use lmkv::store::Store;
use lmkv::versioning::{Analysis, AnalysisCall, AnalysisSymbol, IndexOptions, Worktree};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const FILES: &[&str] = &["midl.c", "midl.h", "mdb_stat.c", "mdb_dump.c", "mdb_load.c", "mdb_copy.c", "mdb_drop.c"];

fn lmdb_sources() -> PathBuf {
    let base = std::env::var_os("LMKV_SOURCES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../build/sources"));
    let p = base.join("lmdb");
    assert!(p.join("midl.c").is_file(), "LMDB's sources are needed at {} (scripts/fetch-sources.sh)", p.display());
    p
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=lmkv test", "-c", "user.email=test@lmkv.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("the git CLI is needed (Debian's git)");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

const KEYWORDS: &[&str] = &["if", "while", "for", "switch", "return", "sizeof", "defined", "do", "case"];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Extract {
    /// (name, line) of each function definition.
    functions: Vec<(String, u32)>,
    /// (caller, callee, line, column).
    calls: Vec<(String, String, u32, u32)>,
}

/// A small C scanner for LMDB's style (the name of a definition starts its
/// line, the body runs from a line starting with '{' to one starting with
/// '}'): definitions become symbols, `name(` inside a body become calls.
/// A function of the bytes only, as the analyser contract asks.
fn scan(content: &[u8]) -> Extract {
    let text = String::from_utf8_lossy(content);
    let mut x = Extract::default();
    let mut current: Option<String> = None;
    let mut in_body = false;
    for (i, line) in text.lines().enumerate() {
        let ln = i as u32 + 1;
        let b = line.as_bytes();
        if !in_body {
            if line.starts_with('{') && current.is_some() {
                in_body = true;
                continue;
            }
            // A top-level line "type name(params)" not ending with ';' (a
            // prototype) starts a definition; its name is the identifier
            // right before the first '('.
            let top = !b.is_empty() && (b[0].is_ascii_alphabetic() || b[0] == b'_');
            if top && !line.starts_with("typedef") && !line.trim_end().ends_with(';') {
                if let Some(open) = line.find('(') {
                    let head = &line[..open];
                    if !head.contains('=') {
                        let id: String = head
                            .trim_end()
                            .chars()
                            .rev()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        if !id.is_empty() && !KEYWORDS.contains(&id.as_str()) {
                            x.functions.push((id.clone(), ln));
                            current = Some(id);
                            continue;
                        }
                    }
                }
            }
            if top && line.trim_end().ends_with(';') {
                current = None;
            }
            continue;
        }
        if line.starts_with('}') {
            in_body = false;
            current = None;
            continue;
        }
        let caller = current.clone().unwrap();
        let mut j = 0;
        while j < b.len() {
            if (b[j].is_ascii_alphabetic() || b[j] == b'_')
                && (j == 0 || !(b[j - 1].is_ascii_alphanumeric() || b[j - 1] == b'_'))
            {
                let s = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let id = &line[s..j];
                if j < b.len() && b[j] == b'(' && !KEYWORDS.contains(&id) {
                    x.calls.push((caller.clone(), id.to_string(), ln, s as u32 + 1));
                }
            } else {
                j += 1;
            }
        }
    }
    x
}

fn analyse(a: &mut Analysis<'_>, _path: &str, content: &[u8]) -> Result<(), String> {
    let x = scan(content);
    let mut defined = BTreeSet::new();
    for (name, line) in &x.functions {
        // A name defined twice in one file (#ifdef variants) is one symbol
        // with a disambiguator in real extractors; keep the first here.
        if !defined.insert(name.clone()) {
            continue;
        }
        a.add_symbol(&AnalysisSymbol {
            name,
            kind: 12,
            line: *line,
            column: 1,
            definition: true,
            ..Default::default()
        })
        .map_err(|e| e.to_string())?;
    }
    for (caller, callee, line, column) in &x.calls {
        a.add_call(&AnalysisCall { caller, callee, line: *line, column: *column, call_type: 0, argument_count: None })
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn c_files(p: &str) -> bool {
    p.ends_with(".c") || p.ends_with(".h")
}

fn opts() -> IndexOptions {
    IndexOptions {
        filter: Some(Box::new(c_files)),
        analyser_id: Some("lmkv rust test scanner 1".into()),
        ..Default::default()
    }
}

struct Repo {
    _tmp: TempDir,
    dir: PathBuf,
    db: lmkv::Db,
    store: Store,
}

fn repo() -> Repo {
    let tmp = TempDir::new("layers-versioning");
    let dir = tmp.path().join("lmdb");
    std::fs::create_dir_all(&dir).unwrap();
    let src = lmdb_sources();
    for f in FILES {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "LMDB tools"]);
    let db = lmkv::Config::new().path(tmp.path().join("db")).open().unwrap();
    let store = Store::open(&db).unwrap();
    Repo { dir, db, store, _tmp: tmp }
}

#[test]
fn a_rust_analyser_indexes_a_git_worktree() {
    let r = repo();
    let mut wt = Worktree::open(&r.store, &r.dir, false).unwrap();
    assert!(wt.is_git());
    assert_eq!(wt.root(), std::fs::canonicalize(&r.dir).unwrap().to_str().unwrap());
    assert_eq!(wt.id(), lmkv::store::workspace_id(&wt.root()).unwrap());
    let head = wt.head().unwrap();
    assert_eq!(head.commit, git(&r.dir, &["rev-parse", "HEAD"]));
    assert_eq!((head.branch.as_str(), head.unborn, head.detached), ("main", false, false));
    assert_eq!(wt.current_info().unwrap(), None, "never indexed");

    // Cold run: every file analysed by the Rust closure.
    let mut seen = Vec::new();
    let mut f = |a: &mut Analysis<'_>, path: &str, content: &[u8]| {
        seen.push(path.to_string());
        analyse(a, path, content)
    };
    let rep = wt.index(&opts(), Some(&mut f)).unwrap();
    let mut sorted: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    assert_eq!(seen, sorted, "analysed once each, in path order");
    assert_eq!((rep.analysed, rep.failed, rep.unchanged), (FILES.len(), 0, 0));
    assert!(rep.write_txns >= 1);
    assert_eq!(rep.head.commit, head.commit);

    // What the analyser added is what the graph answers.
    let ws = wt.id();
    let mut g = Graph::open(&r.store, ws).unwrap();
    let mut expected_calls = 0;
    for f in FILES {
        let x = scan(&std::fs::read(r.dir.join(f)).unwrap());
        for (name, line) in &x.functions {
            let syms = g.symbols(name, Match::Exact, 0).unwrap();
            assert!(
                syms.items.iter().any(|s| s.file_path == *f
                    && (s.start_line == *line || x.functions.iter().filter(|(n, _)| n == name).count() > 1)),
                "{f}: {name}"
            );
        }
        expected_calls += x.calls.len();
    }
    assert!(expected_calls > 300, "LMDB's tools make {expected_calls} calls");
    // callees of each function of mdb_load.c, exactly the scanner's calls.
    let load = scan(&std::fs::read(r.dir.join("mdb_load.c")).unwrap());
    for (name, _) in &load.functions {
        let want: Vec<(String, u32, u32)> =
            load.calls.iter().filter(|c| c.0 == *name).map(|c| (c.1.clone(), c.2, c.3)).collect();
        let got = match g.callees(name, 0) {
            Ok(a) => a
                .items
                .into_iter()
                .filter(|c| c.file_path == "mdb_load.c")
                .map(|c| (c.callee_name, c.line, c.column))
                .collect(),
            Err(e) if e.kind() == lmkv::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("{e}"),
        };
        let (mut want, mut got) = (want, got);
        want.sort();
        got.sort();
        assert_eq!(got, want, "callees of {name}");
    }
    // callers of a function every tool calls.
    let mut want: Vec<(String, String, u32)> = Vec::new();
    for f in FILES {
        for c in scan(&std::fs::read(r.dir.join(f)).unwrap()).calls {
            if c.1 == "mdb_env_open" {
                want.push((f.to_string(), c.0, c.2));
            }
        }
    }
    let mut got: Vec<(String, String, u32)> =
        g.callers("mdb_env_open", 0).unwrap().items.into_iter().map(|c| (c.file_path, c.caller_name, c.line)).collect();
    want.sort();
    got.sort();
    assert!(want.len() >= 5, "{want:?}");
    assert_eq!(got, want);

    // Warm run: nothing analysed, no write transaction.
    let mut calls = 0;
    let mut f2 = |a: &mut Analysis<'_>, p: &str, c: &[u8]| {
        calls += 1;
        analyse(a, p, c)
    };
    let rep = wt.index(&opts(), Some(&mut f2)).unwrap();
    assert_eq!((rep.analysed, rep.unchanged, rep.write_txns), (0, FILES.len(), 0));
    assert_eq!(calls, 0);

    // An edit: only that file is analysed; it becomes the latest version.
    let mut midl = std::fs::read_to_string(r.dir.join("midl.c")).unwrap();
    midl.push_str("\nint\nlmkv_rust_added(int n)\n{\n\treturn mdb_midl_alloc(n) != NULL;\n}\n");
    std::fs::write(r.dir.join("midl.c"), &midl).unwrap();
    let rep = wt.index(&opts(), Some(&mut analyse)).unwrap();
    assert_eq!((rep.analysed, rep.unchanged), (1, FILES.len() - 1));
    let info = wt.current_info().unwrap().unwrap();
    let e = info.entries.iter().find(|e| e.path == "midl.c").unwrap();
    assert_eq!(e.source, lmkv::sys::LMKV_SOURCE_LATEST as i32);
    assert_ne!(e.status & lmkv::sys::LMKV_WT_MODIFIED, 0);
    assert_eq!(e.blob, lmkv::store::blob_id(midl.as_bytes()));
    let other = info.entries.iter().find(|e| e.path == "mdb_stat.c").unwrap();
    assert_eq!(other.source, lmkv::sys::LMKV_SOURCE_COMMIT as i32);
    assert_eq!(info.indexed_commit, head.commit);
    g.renew().unwrap();
    let c = g.callers("mdb_midl_alloc", 0).unwrap();
    assert!(
        c.items.iter().any(|c| c.caller_name == "lmkv_rust_added" && c.line == midl.lines().count() as u32 - 1),
        "{c:?}"
    );
    assert_eq!(wt.current_file_version("midl.c").unwrap().map(|x| x.0), Some(e.file_version));

    // Commit it: the semantic diff between the two commits names the function.
    git(&r.dir, &["commit", "-q", "-am", "add lmkv_rust_added"]);
    let d = wt.diff("HEAD~1", "HEAD", &opts(), Some(&mut analyse)).unwrap();
    assert_eq!((d.added, d.removed, d.modified), (1, 0, 0), "{d:?}");
    assert_eq!(d.changes[0].qualified_name, "lmkv_rust_added");
    assert_eq!(d.changes[0].path, "midl.c");
    assert_eq!(d.b, git(&r.dir, &["rev-parse", "HEAD"]));
    drop(g);
    drop(wt);
    drop(r.store);
    drop(r.db);
}

#[test]
fn failures_and_panics_leave_no_rows() {
    let r = repo();
    let mut wt = Worktree::open(&r.store, &r.dir, false).unwrap();
    wt.index(&opts(), Some(&mut analyse)).unwrap();
    std::fs::write(r.dir.join("bad.c"), "int\nbad_function(void)\n{\n\treturn helper();\n}\n").unwrap();
    let mut f = |a: &mut Analysis<'_>, p: &str, c: &[u8]| {
        if p == "bad.c" {
            analyse(a, p, c)?; // records added, then discarded
            return Err("the Rust analyser refuses bad.c".to_string());
        }
        analyse(a, p, c)
    };
    let rep = wt.index(&opts(), Some(&mut f)).unwrap();
    assert_eq!((rep.failed, rep.analysed, rep.unchanged), (1, 0, FILES.len()));
    assert_eq!(rep.failures.len(), 1);
    assert_eq!(rep.failures[0].path, "bad.c");
    assert!(rep.failures[0].message.contains("refuses bad.c"), "{:?}", rep.failures[0]);
    assert_eq!(wt.current_file_version("bad.c").unwrap(), None);
    let mut g = Graph::open(&r.store, wt.id()).unwrap();
    assert_eq!(g.symbols("bad_function", Match::Exact, 0).unwrap_err().kind(), lmkv::ErrorKind::NotFound);

    // A panic fails the file, skips the analyser for the rest of the run,
    // and reaches the caller after the C call returned.
    std::fs::write(r.dir.join("zz.c"), "int\nzz(void)\n{\n\treturn 0;\n}\n").unwrap();
    let mut after_panic = Vec::new();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut p = |_: &mut Analysis<'_>, path: &str, _: &[u8]| -> Result<(), String> {
            after_panic.push(path.to_string());
            panic!("analyser bug on {path}")
        };
        wt.index(&opts(), Some(&mut p))
    }));
    let msg = *res.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(msg, "analyser bug on bad.c");
    assert_eq!(after_panic, ["bad.c"], "not called again after the panic");
    assert_eq!(wt.current_file_version("zz.c").unwrap(), None);

    // An explicit plan: only the given paths, pending_paths says which.
    let o = opts();
    let mut s = wt.session(&o).unwrap();
    s.set_plan(&["bad.c", "zz.c"], &[], &[]).unwrap();
    assert_eq!(s.plan_counts().unwrap(), (2, 0, 0));
    assert_eq!(s.pending_paths().unwrap(), ["bad.c", "zz.c"]);
    let rep = s.run(Some(&mut analyse)).unwrap();
    assert_eq!((rep.analysed, rep.failed), (2, 0));
    assert!(wt.current_file_version("bad.c").unwrap().is_some());
    g.renew().unwrap();
    assert_eq!(g.callees("bad_function", 0).unwrap().items[0].callee_name, "helper");

    // Deleting a file removes it from the current state.
    std::fs::remove_file(r.dir.join("zz.c")).unwrap();
    let rep = wt.index(&opts(), None).unwrap();
    assert_eq!(rep.deleted, 1);
    assert_eq!(wt.current_file_version("zz.c").unwrap(), None);

    // Bad input: a path with "..", refused with lmkv's code and message.
    let bad = IndexOptions { paths: vec!["../etc".into()], ..Default::default() };
    let e = wt.session(&bad).err().expect("a '..' path is refused");
    assert_eq!(e.kind(), lmkv::ErrorKind::InvalidArgument);
    assert!(e.message().contains(".."), "{}", e.message());

    // gc: a dry run counts, writes nothing.
    let rep =
        wt.gc(&lmkv::versioning::GcOptions { max_age_seconds: 0, now: 0, dry_run: 1, batch_versions: 0 }).unwrap();
    assert_eq!(rep.write_txns, 0);
    assert!(rep.versions_kept >= FILES.len());
}

#[test]
fn a_missing_root_is_not_found() {
    let r = repo();
    let e = Worktree::open(&r.store, r.dir.join("no-such-dir"), false).err().unwrap();
    assert_eq!(e.kind(), lmkv::ErrorKind::NotFound);
    assert!(e.message().contains("no-such-dir"), "{}", e.message());
}
