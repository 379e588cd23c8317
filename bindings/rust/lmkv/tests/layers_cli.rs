//! The layer wrappers on real data: LMDB's own sources ($LMKV_SOURCES/lmdb,
//! from npm's lmdb package, scripts/fetch-sources.sh) indexed by the real
//! `lmkv index` (ctags + cflow), then every graph query answered through
//! the Rust wrappers (store, graph) and through `lmkv query --json` must be
//! the same JSON value, field for field, in the same order.
//!
//! Needs the CLI ($LMKV_BIN, set by tests/run.sh) and the sources; a bare
//! `cargo test` finds both in the repository's build directory (make builds
//! them). Either missing is a failure with the reason, not a pass.

mod common;

use common::{Json, TempDir};
use lmkv::graph::{Graph, Item, Match};
use lmkv::records::{hierarchy_kind_name, symbol_kind_name, CallRow, ReferenceRow, SymbolRow};
use lmkv::store::{self, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn cli() -> PathBuf {
    let p = std::env::var_os("LMKV_BIN").map(PathBuf::from).unwrap_or_else(|| repo().join("build/lmkv"));
    assert!(p.is_file(), "the lmkv CLI is needed at {} (make build/lmkv)", p.display());
    p
}

fn lmdb_sources() -> PathBuf {
    let base = std::env::var_os("LMKV_SOURCES").map(PathBuf::from).unwrap_or_else(|| repo().join("build/sources"));
    let p = base.join("lmdb");
    assert!(p.join("mdb.c").is_file(), "LMDB's sources are needed at {} (scripts/fetch-sources.sh)", p.display());
    std::fs::canonicalize(p).unwrap()
}

/// One database with LMDB's sources indexed by `lmkv index`, shared by the
/// tests of this file (indexed once).
struct Indexed {
    _dir: TempDir,
    db: PathBuf,
    src: PathBuf,
}

fn indexed() -> &'static Indexed {
    static I: OnceLock<Indexed> = OnceLock::new();
    I.get_or_init(|| {
        let dir = TempDir::new("layers-cli");
        let db = dir.path().join("db");
        let src = lmdb_sources();
        let out = Command::new(cli())
            .arg("--db")
            .arg(&db)
            .arg("index")
            .arg("--workspace")
            .arg(&src)
            .arg(&src)
            .output()
            .unwrap();
        assert!(out.status.success(), "lmkv index failed: {}", String::from_utf8_lossy(&out.stderr));
        Indexed { _dir: dir, db, src }
    })
}

/// `lmkv query ARGS --json` on the indexed database.
fn query(args: &[&str]) -> Json {
    let ix = indexed();
    let out = Command::new(cli())
        .arg("--db")
        .arg(&ix.db)
        .arg("query")
        .args(args)
        .arg("--workspace")
        .arg(&ix.src)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lmkv query {args:?}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    Json::parse(String::from_utf8(out.stdout).unwrap().trim())
        .unwrap_or_else(|e| panic!("lmkv query {args:?}: bad JSON: {e}"))
}

fn s(v: &str) -> Json {
    Json::Str(v.to_string())
}
fn os(v: Option<&str>) -> Json {
    v.map_or(Json::Null, s)
}
fn n(v: impl Into<f64>) -> Json {
    Json::Num(v.into())
}
fn obj(kv: &[(&str, Json)]) -> Json {
    Json::Obj(kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>())
}

// The CLI's JSON shapes (tools/lmkv/cmd_query.c, lmkv(1) JSON OUTPUT), built
// from Rust rows: edges {from, to, kind, file, line, column}; symbols {name,
// kind, file, line, column, signature} (+ depth, score, references/calls).
fn edge_json(from: Json, to: Json, kind: &str, file: &str, line: u32, column: u32) -> Json {
    obj(&[("from", from), ("to", to), ("kind", s(kind)), ("file", s(file)), ("line", n(line)), ("column", n(column))])
}
fn call_json(c: &CallRow) -> Json {
    edge_json(s(&c.caller_name), s(&c.callee_name), "call", &c.file_path, c.line, c.column)
}
fn ref_json(r: &ReferenceRow) -> Json {
    let kind = lmkv::records::reference_kind_name(r.kind as i32);
    edge_json(os(r.source_name.as_deref()), s(&r.target_name), kind, &r.file_path, r.start_line, r.start_column)
}
fn symbol_json(x: &SymbolRow) -> Json {
    obj(&[
        ("name", s(&x.qualified_name)),
        ("kind", s(symbol_kind_name(x.kind as i32))),
        ("file", s(&x.file_path)),
        ("line", n(x.start_line)),
        ("column", n(x.start_column)),
        ("signature", os(x.signature.as_deref())),
    ])
}
#[derive(Clone, Copy, PartialEq)]
enum Q {
    Impact,
    Search,
    Hotspots,
    Plain,
}
fn item_json(it: &Item, q: Q) -> Json {
    let mut m = vec![
        ("name", s(&it.name)),
        ("file", os(it.file.as_deref())),
        ("line", n(it.line)),
        ("column", n(it.column)),
        ("kind", if it.kind != 0 { s(symbol_kind_name(it.kind)) } else { Json::Null }),
        ("signature", os(it.detail.as_deref())),
    ];
    match q {
        Q::Impact => m.push(("depth", n(it.depth))),
        Q::Search => m.push(("score", n(it.count as f64))),
        Q::Hotspots => {
            m.push(("references", n(it.count as f64)));
            m.push(("calls", n(it.count2 as f64)));
        }
        Q::Plain => {}
    }
    obj(&m)
}
fn dep_json(it: &Item) -> Json {
    obj(&[("file", s(&it.name)), ("count", n(it.count as f64))])
}
fn hier_json(it: &Item) -> Json {
    obj(&[("name", s(&it.name)), ("relation", os(it.detail.as_deref())), ("kind", s(hierarchy_kind_name(it.kind)))])
}
// paths {length (calls), functions}; cycles {size, functions}.
fn groups_json(g: &[Vec<Item>], paths: bool) -> Json {
    Json::Arr(
        g.iter()
            .map(|p| {
                let fns = Json::Arr(p.iter().map(|i| s(&i.name)).collect());
                let (k, v) = if paths { ("length", p.len() - 1) } else { ("size", p.len()) };
                obj(&[(k, n(v as f64)), ("functions", fns)])
            })
            .collect(),
    )
}

fn open_graph() -> (lmkv::Db, Store, Graph, u64) {
    let ix = indexed();
    let db = lmkv::Config::new().path(&ix.db).open().unwrap();
    let st = Store::open(&db).unwrap();
    let root = ix.src.to_str().unwrap();
    let ws = store::workspace_id(root).unwrap();
    assert_eq!(st.read().unwrap().workspace_by_root(root).unwrap(), Some(ws), "lmkv index registered the root");
    let g = Graph::open(&st, ws).unwrap();
    (db, st, g, ws)
}

const LIMIT: usize = 300;
const NAMES: &[&str] =
    &["mdb_txn_commit", "mdb_page_alloc", "mdb_cursor_put", "mdb_midl_append", "mdb_env_open", "mdb_node_search"];

#[test]
fn lookups_equal_the_cli() {
    let (_db, _st, mut g, _) = open_graph();
    let lim = LIMIT.to_string();
    for name in NAMES {
        let callers = g.callers(name, LIMIT).unwrap();
        assert!(!callers.items.is_empty(), "{name} has callers in LMDB");
        let rust = Json::Arr(callers.items.iter().map(call_json).collect());
        assert_eq!(rust, query(&["callers", name, "--limit", &lim]), "callers {name}");

        let callees = g.callees(name, LIMIT).unwrap();
        let rust = Json::Arr(callees.items.iter().map(call_json).collect());
        assert_eq!(rust, query(&["callees", name, "--limit", &lim]), "callees {name}");

        let refs = g.refs(name, LIMIT).unwrap();
        let rust = Json::Arr(refs.items.iter().map(ref_json).collect());
        assert_eq!(rust, query(&["refs", name, "--limit", &lim]), "refs {name}");

        let refs = g.refs_from(name, LIMIT).unwrap();
        let rust = Json::Arr(refs.items.iter().map(ref_json).collect());
        assert_eq!(rust, query(&["refs-from", name, "--limit", &lim]), "refs-from {name}");

        let syms = g.symbols(name, Match::Exact, LIMIT).unwrap();
        assert!(syms.items.iter().any(|x| x.file_path == "mdb.c" || x.file_path == "midl.c"), "{name} is defined");
        let rust = Json::Arr(syms.items.iter().map(symbol_json).collect());
        assert_eq!(rust, query(&["symbol", name, "--limit", &lim]), "symbol {name}");
    }
    // Prefix lookups, and the zero-copy form gives the same rows.
    let p = g.symbols("mdb_cursor_", Match::Prefix, LIMIT).unwrap();
    assert!(p.items.len() > 10);
    assert_eq!(
        Json::Arr(p.items.iter().map(symbol_json).collect()),
        query(&["symbol", "mdb_cursor_", "--prefix", "--limit", &lim])
    );
    let mut zc = Vec::new();
    g.for_each_caller("mdb_txn_commit", LIMIT, |c| {
        zc.push(c.to_row());
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(zc, g.callers("mdb_txn_commit", LIMIT).unwrap().items);
    // Break stops after one record.
    let mut k = 0;
    g.for_each_callee("mdb_txn_commit", LIMIT, |_| {
        k += 1;
        std::ops::ControlFlow::Break(())
    })
    .unwrap();
    assert_eq!(k, 1);
}

#[test]
fn traversals_and_aggregates_equal_the_cli() {
    let (_db, _st, mut g, _) = open_graph();
    let lim = LIMIT.to_string();
    for name in NAMES {
        for depth in [1u32, 2, 3] {
            let a = g.impact(name, depth, LIMIT).unwrap();
            assert!(!a.items.is_empty());
            let rust = Json::Arr(a.items.iter().map(|i| item_json(i, Q::Impact)).collect());
            assert_eq!(
                rust,
                query(&["impact", name, "--depth", &depth.to_string(), "--limit", &lim]),
                "impact {name} {depth}"
            );
        }
    }
    for q in ["txn", "cursor_put", "MDB_ENV", "midl"] {
        let a = g.search(q, LIMIT).unwrap();
        assert!(!a.items.is_empty(), "search {q}");
        let rust = Json::Arr(a.items.iter().map(|i| item_json(i, Q::Search)).collect());
        assert_eq!(rust, query(&["search", q, "--limit", &lim]), "search {q}");
    }
    for (from, to) in
        [("mdb_put", "mdb_page_alloc"), ("mdb_txn_commit", "mdb_page_flush"), ("mdb_cursor_del", "mdb_page_merge")]
    {
        let a = g.paths(from, to, 4, LIMIT).unwrap();
        assert!(!a.items.is_empty(), "a path {from} -> {to}");
        for p in &a.items {
            assert_eq!((p.first().unwrap().name.as_str(), p.last().unwrap().name.as_str()), (from, to));
        }
        assert_eq!(
            groups_json(&a.items, true),
            query(&["paths", from, to, "--depth", "4", "--limit", &lim]),
            "paths {from} {to}"
        );
    }
    let c = g.cycles(LIMIT).unwrap();
    assert!(!c.items.is_empty(), "LMDB's call graph has recursion");
    assert_eq!(groups_json(&c.items, false), query(&["cycles", "--limit", &lim]));

    let h = g.hotspots(50).unwrap();
    assert_eq!(h.items.len(), 50);
    assert_eq!(
        Json::Arr(h.items.iter().map(|i| item_json(i, Q::Hotspots)).collect()),
        query(&["hotspots", "--limit", "50"])
    );

    let d = g.dead(&[], LIMIT).unwrap();
    assert!(!d.items.is_empty());
    assert_eq!(Json::Arr(d.items.iter().map(|i| item_json(i, Q::Plain)).collect()), query(&["dead", "--limit", &lim]));

    for f in ["mdb.c", "midl.c", "mdb_stat.c"] {
        let a = g.deps(f, LIMIT).unwrap();
        assert_eq!(Json::Arr(a.items.iter().map(dep_json).collect()), query(&["deps", f, "--limit", &lim]), "deps {f}");
        let a = g.rdeps(f, LIMIT).unwrap();
        assert_eq!(
            Json::Arr(a.items.iter().map(dep_json).collect()),
            query(&["rdeps", f, "--limit", &lim]),
            "rdeps {f}"
        );
    }
    for name in ["MDB_env", "MDB_txn", "MDB_val"] {
        let a = g.hierarchy(name, LIMIT).unwrap();
        assert_eq!(
            Json::Arr(a.items.iter().map(hier_json).collect()),
            query(&["hierarchy", name, "--limit", &lim]),
            "hierarchy {name}"
        );
    }
    // Truncation is reported as the CLI's limit.
    let t = g.callers("mdb_txn_commit", 3).unwrap();
    assert!(t.truncated && t.items.len() == 3);
}

#[test]
fn store_reads_are_zero_copy_and_agree_with_graph() {
    let (_db, st, mut g, ws) = open_graph();
    let txn = st.read().unwrap();
    let cur = txn.current_prefix(ws, "").unwrap();
    let files: Vec<&str> = cur.iter().map(|c| c.path).collect();
    assert!(files.contains(&"mdb.c") && files.contains(&"midl.h"), "{files:?}");
    let mdb = cur.iter().find(|c| c.path == "mdb.c").unwrap();
    assert_eq!(mdb.source, lmkv::sys::LMKV_SOURCE_LATEST as i32, "a non-git directory's files are latest versions");
    let fv = txn.file_version(ws, mdb.fv).unwrap().expect("the current fv is stored");
    assert_eq!(fv.path(), "mdb.c");
    let bytes = std::fs::read(indexed().src.join("mdb.c")).unwrap();
    assert_eq!(fv.git_blob_id(), Some(store::blob_id(&bytes).as_str()), "FileVersion's blob id is git's");
    assert_eq!(fv.size_bytes(), bytes.len() as u64);
    assert!(txn.is_current(ws, mdb.fv).unwrap());

    // The zero-copy string is inside the record buffer, no copy: two reads
    // of one record in one snapshot point at the same bytes.
    let a = txn.symbols_by_name(ws, "mdb_txn_commit", store::CURRENT).unwrap();
    let b = txn.symbols_by_name(ws, "mdb_txn_commit", store::CURRENT).unwrap();
    assert_eq!(a.len(), 2, "the prototype in lmdb.h and the definition in mdb.c");
    assert_eq!(a[0].name().as_ptr(), b[0].name().as_ptr());
    // calls_to through the store equals graph's callers (same index).
    let calls: Vec<CallRow> = txn.calls_to(ws, "mdb_txn_commit", 0).unwrap().iter().map(|c| c.to_row()).collect();
    assert_eq!(calls, g.callers("mdb_txn_commit", 0).unwrap().items);
    let by_caller: Vec<CallRow> =
        txn.calls_by_caller(ws, "mdb_txn_commit", 0).unwrap().iter().map(|c| c.to_row()).collect();
    assert_eq!(by_caller, g.callees("mdb_txn_commit", 0).unwrap().items);
    // The counts `lmkv stat --json` reports.
    let c = txn.count(ws).unwrap();
    let out = Command::new(cli()).arg("--db").arg(&indexed().db).args(["stat", "--json"]).output().unwrap();
    let stat = Json::parse(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    let store_j = stat.get("records");
    for (k, v) in [
        ("symbols", c.symbols),
        ("calls", c.calls),
        ("references", c.references),
        ("file_versions", c.file_versions),
        ("hierarchy", c.hierarchy),
        ("current_mappings", c.current_mappings),
    ] {
        assert_eq!(store_j.get(k).as_u64(), Some(v), "stat records.{k}");
    }
    // Every symbol of mdb.c, read through symbols_of, is found by name.
    let syms = txn.symbols_of(ws, mdb.fv).unwrap();
    assert!(syms.len() > 300, "{} symbols in mdb.c", syms.len());
    for sym in syms.iter().step_by(37) {
        let found = txn.symbols_by_name(ws, sym.name(), 0).unwrap();
        assert!(found.iter().any(|f| f.id() == sym.id()), "{}", sym.name());
    }
    // Errors keep lmkv's code and message.
    let e = g.callers("no_such_function_in_lmdb", 0).unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::NotFound);
    assert_eq!(e.code(), lmkv::sys::LMKV_NOTFOUND);
    assert!(e.message().contains("no_such_function_in_lmdb"), "{}", e.message());
    let e = g.callers("nul\0name", 0).unwrap_err();
    assert_eq!(e.kind(), lmkv::ErrorKind::InvalidArgument);
}
