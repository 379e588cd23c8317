//! Real answers through the daemon's graph trait: clangd 14's answers over
//! LMDB's sources ($LMKV_BUILD/lsp-captures/clangd-14-lmdb.jsonl, made by
//! scripts/lsp_capture.py as tests/test_daemon_graph.c and
//! bench/daemon_graph_bench.c make it, here if absent) converted into the
//! daemon's SymbolState / Edge rows as its lsp_database_adapter.rs does
//! (documentSymbol -> symbols; incomingCalls -> caller -> callee Calls
//! edges; references -> enclosing symbol -> referenced symbol; definition /
//! implementation -> request symbol -> target; the daemon's own
//! `create_none_*` markers for empty answers), stored through
//! `Arc<dyn GraphBackend>`, then:
//! * every callee's call hierarchy (LSP wire types) has exactly clangd's
//!   callers: name, URI and call site (fromRanges[0]) of each incomingCalls
//!   `from`; an empty answer reads back as analysed-and-empty (`Some`);
//! * every referenced symbol's referrers are the enclosing symbols of
//!   clangd's locations, and every location answered is one clangd gave;
//! * definitions count as clangd answered;
//! * the same answers as the C API (lmkv-sys: lmkv_daemon_call_hierarchy,
//!   lmkv_daemon_references) on the same database, call by call;
//! * pending enrichment leaves out what was answered; a re-index keeps ids.
//!
//! Needs the capture (or clangd-14, python3 and LMDB's sources to make it:
//! scripts/deps.sh, scripts/fetch-sources.sh); a missing one is a failure
//! with the reason, not a pass.

mod common;

use common::{Json, TempDir};
use lmkv::backend::graph::{
    create_none_call_hierarchy_edges, create_none_edge, CallDirection, Edge, EdgeRelation, GraphBackend, SymbolState,
};
use lmkv::backend::protocol::{Location, Position};
use lmkv::backend::{path_to_uri, DatabaseBackend, DatabaseConfig, LmkvGraphBackend};
use lmkv::executor::block_on;
use lmkv::sys;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// The capture the C test and the bench use, made once per build tree.
fn capture_file() -> PathBuf {
    let build = std::env::var_os("LMKV_BUILD")
        .or_else(|| std::env::var_os("LMKV_LIB_DIR"))
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("build"));
    let f = build.join("lsp-captures/clangd-14-lmdb.jsonl");
    if f.is_file() {
        return f;
    }
    let srcs = std::env::var_os("LMKV_SOURCES").map(PathBuf::from).unwrap_or_else(|| repo().join("build/sources"));
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    let tmp = f.with_extension(format!("tmp{}", std::process::id()));
    let run = Command::new("python3")
        .arg(repo().join("scripts/lsp_capture.py"))
        .arg("--root")
        .arg(srcs.join("lmdb"))
        .arg("--out")
        .arg(&tmp)
        .args(["--", "clangd-14", "--background-index=false", "--log=error"])
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to drive clangd-14 (scripts/deps.sh): {e}"));
    assert!(
        run.status.success(),
        "capturing clangd-14's answers over LMDB failed (scripts/deps.sh, scripts/fetch-sources.sh): {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::rename(&tmp, &f).unwrap();
    f
}

fn u(j: &Json, a: &str, b: &str) -> u32 {
    j.get(a).get(b).as_u64().expect("an LSP position") as u32
}

fn le(a: (u32, u32), b: (u32, u32)) -> bool {
    a <= b
}

/// One documentSymbol: uid, range, selectionRange.
struct DocSym {
    uid: String,
    range: [(u32, u32); 2],
    sel: [(u32, u32); 2],
}

struct Cap {
    root: String,
    files: BTreeMap<String, String>,
    syms: HashMap<String, Vec<DocSym>>,
}

impl Cap {
    /// The capture-relative path of a file:// URI inside the root.
    fn rel_of<'a>(&self, uri: &'a str) -> Option<&'a str> {
        let p = uri.strip_prefix("file://")?.strip_prefix(self.root.as_str())?.strip_prefix('/')?;
        self.files.contains_key(p).then_some(p)
    }

    /// The innermost documentSymbol of `path` holding (l, ch): by its
    /// selectionRange (`sel`) or its range.
    fn sym_at(&self, path: Option<&str>, l: u32, ch: u32, sel: bool) -> Option<&str> {
        let mut best: Option<(&DocSym, (u32, u32))> = None;
        for s in self.syms.get(path?)? {
            let r = if sel { s.sel } else { s.range };
            if le(r[0], (l, ch)) && le((l, ch), r[1]) && best.map_or(true, |b| le(b.1, r[0])) {
                best = Some((s, r[0]));
            }
        }
        best.map(|b| b.0.uid.as_str())
    }
}

/// documentSymbol's tree -> the daemon's symbols (uid path:name:line:char
/// of the selection start, fqn the parents joined with "::").
fn doc_symbols(c: &mut Cap, out: &mut Vec<SymbolState>, path: &str, arr: &Json, parent: Option<&str>) {
    for s in arr.as_array() {
        let name = s.get("name").as_str().expect("documentSymbol name");
        let range = s.get("range");
        let sel = if matches!(s.get("selectionRange"), Json::Null) { range } else { s.get("selectionRange") };
        let uid = format!("{path}:{name}:{}:{}", u(sel, "start", "line") + 1, u(sel, "start", "character"));
        let fqn = match parent {
            Some(p) => format!("{p}::{name}"),
            None => name.to_string(),
        };
        out.push(SymbolState {
            symbol_uid: uid.clone(),
            file_path: path.into(),
            language: c.files[path].clone(),
            name: name.into(),
            fqn: Some(fqn.clone()),
            kind: "symbol".into(),
            signature: None,
            visibility: None,
            def_start_line: u(range, "start", "line"),
            def_start_char: u(range, "start", "character"),
            def_end_line: u(range, "end", "line"),
            def_end_char: u(range, "end", "character"),
            is_definition: true,
            documentation: None,
            metadata: None,
        });
        let ds = DocSym {
            uid,
            range: [
                (u(range, "start", "line"), u(range, "start", "character")),
                (u(range, "end", "line"), u(range, "end", "character")),
            ],
            sel: [
                (u(sel, "start", "line"), u(sel, "start", "character")),
                (u(sel, "end", "line"), u(sel, "end", "character")),
            ],
        };
        c.syms.entry(path.to_string()).or_default().push(ds);
        doc_symbols(c, out, path, s.get("children"), Some(&fqn));
    }
}

/// A CallHierarchyItem's uid; stored as a symbol too when new (as the
/// daemon's adapter does).
fn item_uid(c: &Cap, b: &LmkvGraphBackend, it: &Json) -> String {
    let name = it.get("name").as_str().unwrap();
    let uri = it.get("uri").as_str().unwrap();
    let path = c.rel_of(uri).unwrap_or(uri);
    let (sel, range) = (it.get("selectionRange"), it.get("range"));
    let uid = format!("{path}:{name}:{}:{}", u(sel, "start", "line") + 1, u(sel, "start", "character"));
    if b.get_symbol(&uid).unwrap().is_none() {
        let s = SymbolState {
            symbol_uid: uid.clone(),
            file_path: path.into(),
            language: if c.rel_of(uri).is_some() { "c" } else { "unknown" }.into(),
            name: name.into(),
            fqn: None,
            kind: "function".into(),
            signature: None,
            visibility: None,
            def_start_line: u(range, "start", "line"),
            def_start_char: u(range, "start", "character"),
            def_end_line: u(range, "end", "line"),
            def_end_char: u(range, "end", "character"),
            is_definition: false,
            documentation: None,
            metadata: None,
        };
        block_on(b.store_symbols(&[s])).unwrap();
    }
    uid
}

fn site_edge(relation: EdgeRelation, src: &str, tgt: &str, file: Option<&str>, line: u32, ch: u32) -> Edge {
    Edge {
        relation,
        source_symbol_uid: src.into(),
        target_symbol_uid: tgt.into(),
        file_path: file.map(Into::into),
        start_line: Some(line),
        start_char: Some(ch),
        confidence: 1.0,
        language: "c".into(),
        metadata: None,
    }
}

type Site = (String, u32, u32);

#[test]
fn clangd_answers() {
    let text = std::fs::read_to_string(capture_file()).unwrap();
    let mut lines = text.lines();
    let head = Json::parse(lines.next().unwrap()).unwrap();
    let mut c = Cap {
        root: head.get("root").as_str().unwrap().to_string(),
        files: head
            .get("files")
            .as_array()
            .iter()
            .map(|f| (f.as_array()[0].as_str().unwrap().to_string(), f.as_array()[1].as_str().unwrap().to_string()))
            .collect(),
        syms: HashMap::new(),
    };
    let answers: Vec<Json> = lines.map(|l| Json::parse(l).unwrap()).collect();
    let method = |a: &Json| a.get("method").as_str().unwrap().to_string();

    let dir = TempDir::new("graph-clangd");
    let cfg = DatabaseConfig { path: Some(dir.path().join("db")), flush_every_ms: None, ..Default::default() };
    let b = Arc::new(block_on(LmkvGraphBackend::new(cfg)).unwrap());
    let g: Arc<dyn GraphBackend> = b.clone();

    // pass 1: documentSymbol, one store_symbols per file
    let mut all_syms = Vec::new();
    for a in answers.iter().filter(|a| method(a) == "textDocument/documentSymbol") {
        let p = c.rel_of(a.get("params").get("textDocument").get("uri").as_str().unwrap()).unwrap().to_string();
        let mut syms = Vec::new();
        doc_symbols(&mut c, &mut syms, &p, a.get("result"), None);
        block_on(g.store_symbols(&syms)).unwrap();
        all_syms.extend(syms);
    }
    assert!(all_syms.len() > 300, "{} documentSymbol symbols", all_syms.len());

    // pass 2: the other answers -> edges, and what clangd said
    let mut callers: BTreeMap<String, BTreeSet<(String, String, Position)>> = BTreeMap::new();
    let mut item_names: BTreeMap<String, String> = BTreeMap::new();
    let mut callees: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut referrers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut refout: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut clangd_locs: BTreeMap<String, BTreeSet<Site>> = BTreeMap::new();
    let mut definers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut asked: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    // the site each (relation, source, target) keeps: the first given
    let mut first_site: BTreeMap<(&'static str, String, String), Site> = BTreeMap::new();
    let (mut stored, mut markers, mut given) = (0usize, 0usize, 0usize);
    for a in &answers {
        let m = method(a);
        let (params, res) = (a.get("params"), a.get("result"));
        let mut e: Vec<Edge> = Vec::new();
        if m == "callHierarchy/incomingCalls" {
            let uid = item_uid(&c, &b, params.get("item"));
            item_names.insert(uid.clone(), params.get("item").get("name").as_str().unwrap().into());
            let set = callers.entry(uid.clone()).or_default();
            if res.as_array().is_empty() {
                e.extend(create_none_call_hierarchy_edges(&uid)); // the daemon's: nothing in either direction
                markers += 1;
            }
            for call in res.as_array() {
                let from = call.get("from");
                let caller = item_uid(&c, &b, from);
                let fr = &call.get("fromRanges").as_array()[0];
                let (l, ch) = (u(fr, "start", "line"), u(fr, "start", "character"));
                let from_uri = from.get("uri").as_str().unwrap();
                let path = c.rel_of(from_uri).unwrap_or(from_uri);
                e.push(site_edge(EdgeRelation::Calls, &caller, &uid, c.rel_of(from_uri), l, ch));
                callees.entry(caller.clone()).or_default().insert(uid.clone());
                set.insert((
                    from.get("name").as_str().unwrap().into(),
                    path_to_uri(path),
                    Position { line: l, character: ch },
                ));
            }
        } else if m == "textDocument/references" || m == "textDocument/definition" || m == "textDocument/implementation"
        {
            let p = c.rel_of(params.get("textDocument").get("uri").as_str().unwrap());
            let pos = params.get("position");
            let Some(at) = c.sym_at(
                p,
                pos.get("line").as_u64().unwrap() as u32,
                pos.get("character").as_u64().unwrap() as u32,
                true,
            ) else {
                continue;
            };
            let uid = at.to_string();
            let rel = match m.as_str() {
                "textDocument/references" => EdgeRelation::References,
                "textDocument/definition" => EdgeRelation::Definition,
                _ => EdgeRelation::Implementation,
            };
            asked.entry(uid.clone()).or_default().insert(rel.to_string());
            let locs: Vec<&Json> = match res {
                Json::Arr(v) => v.iter().collect(),
                Json::Obj(_) => vec![res],
                _ => Vec::new(),
            };
            if rel == EdgeRelation::References {
                referrers.entry(uid.clone()).or_default();
            }
            if rel == EdgeRelation::Definition {
                definers.entry(uid.clone()).or_default();
            }
            for l in locs {
                let lp = c.rel_of(l.get("uri").as_str().unwrap());
                let r = l.get("range");
                let (ll, lc) = (u(r, "start", "line"), u(r, "start", "character"));
                let Some(other) = c.sym_at(lp, ll, lc, rel != EdgeRelation::References) else { continue };
                if other == uid {
                    continue; // a self-reference: dropped as the daemon's self-loops
                }
                let other = other.to_string();
                if rel == EdgeRelation::References {
                    clangd_locs.entry(uid.clone()).or_default().insert((path_to_uri(lp.unwrap()), ll, lc));
                    referrers.get_mut(&uid).unwrap().insert(other.clone());
                    refout.entry(other.clone()).or_default().insert(uid.clone());
                    e.push(site_edge(rel, &other, &uid, lp, ll, lc));
                } else {
                    if rel == EdgeRelation::Definition {
                        definers.entry(other.clone()).or_default().insert(uid.clone());
                    }
                    e.push(site_edge(rel, &uid, &other, lp, ll, lc));
                }
            }
            if e.is_empty() {
                e.push(create_none_edge(&uid, rel));
                markers += 1;
            }
        } else {
            continue;
        }
        for x in &e {
            if let (Some(l), Some(ch)) = (x.start_line, x.start_char) {
                first_site
                    .entry((x.relation.to_string(), x.source_symbol_uid.clone(), x.target_symbol_uid.clone()))
                    .or_insert_with(|| (x.file_path.as_deref().map(path_to_uri).unwrap_or_default(), l, ch));
            }
        }
        given += e.len();
        let st = b.store_edges_counted(&e).unwrap();
        assert_eq!(st.stored + st.duplicates + st.self_loops, e.len());
        stored += st.stored;
    }
    assert!(markers > 0);
    let all = block_on(g.get_all_edges()).unwrap();
    assert_eq!(all.len(), stored);
    assert!(all.len() > 1000, "{} edges of {given} given", all.len());
    eprintln!("clangd: {} symbols, {} edges ({markers} markers)", all_syms.len(), all.len());

    // every callee's call hierarchy: clangd's callers, as the C API answers
    let (mut with_callers, mut calls_checked) = (0, 0);
    for (k, want) in &callers {
        let ch = block_on(g.get_call_hierarchy_for_symbol(1, k)).unwrap().unwrap_or_else(|| panic!("{k}: analysed"));
        assert_eq!(&ch.item.name, &item_names[k]);
        let got: BTreeSet<(String, String, Position)> = ch
            .incoming
            .iter()
            .map(|call| {
                assert_eq!(call.from_ranges.len(), 1);
                (call.from.name.clone(), call.from.uri.clone(), call.from_ranges[0].start)
            })
            .collect();
        assert_eq!(&got, want, "callers of {k}");
        assert_eq!(ch.incoming.len(), want.len(), "one call per caller of {k}");
        // clangd 14 has no outgoingCalls: the callees are those whose incomingCalls named k
        let want_out: BTreeSet<&str> = callees.get(k).into_iter().flatten().map(|c| item_names[c].as_str()).collect();
        let got_out: BTreeSet<&str> = ch.outgoing.iter().map(|c| c.from.name.as_str()).collect();
        assert_eq!(got_out, want_out, "callees of {k}");
        assert_eq!(ch.outgoing.len(), callees.get(k).map_or(0, |s| s.len()));
        with_callers += !want.is_empty() as usize;
        calls_checked += want.len();

        // the C API on the same database
        let uid = CString::new(k.as_str()).unwrap();
        let (mut analysed, mut item, mut calls, mut nin, mut n) =
            (0, std::ptr::null_mut(), std::ptr::null_mut(), 0usize, 0usize);
        // SAFETY: valid out pointers; results freed below.
        let rc = unsafe {
            sys::lmkv_daemon_call_hierarchy(
                &mut analysed,
                &mut item,
                &mut calls,
                &mut nin,
                &mut n,
                b.as_raw(),
                uid.as_ptr(),
            )
        };
        assert_eq!(rc, sys::LMKV_OK);
        assert_eq!(analysed, 1);
        assert_eq!(nin, ch.incoming.len());
        assert_eq!(n - nin, ch.outgoing.len());
        for j in 0..n {
            // SAFETY: nin calls of the result.
            let cc = unsafe { &*calls.add(j) };
            let s = |p: *const std::os::raw::c_char| unsafe { CStr::from_ptr(p).to_str().unwrap().to_string() };
            let r = if j < nin { &ch.incoming[j] } else { &ch.outgoing[j - nin] };
            assert_eq!(s(cc.name), r.from.name);
            assert_eq!(path_to_uri(&s(cc.uri)), r.from.uri);
            assert_eq!(
                (cc.start_line, cc.start_char, cc.end_line, cc.end_char),
                (
                    r.from.range.start.line,
                    r.from.range.start.character,
                    r.from.range.end.line,
                    r.from.range.end.character
                )
            );
            assert_eq!(Position { line: cc.from_line, character: cc.from_char }, r.from_ranges[0].start);
        }
        // SAFETY: the results of the call, freed once.
        unsafe {
            sys::lmkv_free(item as *mut _);
            sys::lmkv_free(calls as *mut _);
        }
    }
    assert!(
        callers.len() > 300 && with_callers > 100 && calls_checked > 300,
        "{} {with_callers} {calls_checked}",
        callers.len()
    );

    // every referenced symbol: clangd's referrers; locations clangd gave; as the C API
    let (mut refs_total, mut with_refs) = (0, 0);
    for (k, want) in &referrers {
        let inc = b.edges_of(k, Some(EdgeRelation::References), CallDirection::Incoming).unwrap();
        let got: BTreeSet<String> = inc.iter().map(|e| e.source_symbol_uid.clone()).collect();
        assert_eq!(&got, want, "referrers of {k}");
        let locs = block_on(g.get_references_for_symbol(1, k, false)).unwrap();
        let outs = refout.get(k).map_or(0, |s| s.len());
        assert_eq!(locs.len(), want.len() + outs, "references of {k}: either end");
        // each location is the kept site of one edge, and one clangd answered
        let mut expect: Vec<Site> = Vec::new();
        for o in refout.get(k).into_iter().flatten() {
            expect.push(first_site[&("references", k.clone(), o.clone())].clone());
        }
        for r in want {
            expect.push(first_site[&("references", r.clone(), k.clone())].clone());
        }
        let mut got: Vec<Site> =
            locs.iter().map(|l: &Location| (l.uri.clone(), l.range.start.line, l.range.start.character)).collect();
        for l in &locs {
            assert_eq!(l.range.start, l.range.end);
        }
        for (site, l) in got.iter().zip(&locs) {
            let of_k = clangd_locs.get(k).is_some_and(|s| s.contains(site));
            let of_other = refout.get(k).into_iter().flatten().any(|o| clangd_locs[o].contains(site));
            assert!(of_k || of_other, "{k}: {l:?} is not a location clangd answered");
        }
        got.sort();
        expect.sort();
        assert_eq!(got, expect, "reference sites of {k}");
        // the C API
        let uid = CString::new(k.as_str()).unwrap();
        let (mut cl, mut n) = (std::ptr::null_mut(), 0usize);
        // SAFETY: valid out pointers; freed below.
        assert_eq!(unsafe { sys::lmkv_daemon_references(&mut cl, &mut n, b.as_raw(), uid.as_ptr(), 0) }, sys::LMKV_OK);
        assert_eq!(n, locs.len());
        for (j, l) in locs.iter().enumerate() {
            // SAFETY: n locations of the result.
            let x = unsafe { &*cl.add(j) };
            let curi = unsafe { CStr::from_ptr(x.uri) }.to_str().unwrap();
            assert_eq!(
                (path_to_uri(curi), x.start_line, x.start_char),
                (l.uri.clone(), l.range.start.line, l.range.start.character)
            );
        }
        // SAFETY: the result, freed once.
        unsafe { sys::lmkv_free(cl as *mut _) };
        refs_total += locs.len();
        with_refs += !want.is_empty() as usize;
    }
    assert!(refs_total > 500 && with_refs > 100, "{refs_total} {with_refs}");
    for (k, want) in &definers {
        let d = block_on(g.get_definitions_for_symbol(1, k)).unwrap();
        assert_eq!(d.len(), want.len(), "definitions of {k}");
    }

    // answered symbols are not pending; the rest are
    let pending = block_on(g.find_symbols_pending_enrichment(usize::MAX)).unwrap();
    assert!(!pending.is_empty() && pending.len() < all_syms.len() + 1000);
    for p in &pending {
        let uid = &p.symbol.symbol_uid;
        let a = asked.get(uid);
        let answered = |r: &str| a.is_some_and(|s| s.contains(r));
        if answered("references") {
            assert!(!p.needs_references, "{uid}: references answered");
        }
        if callers.contains_key(uid) {
            assert!(!p.needs_call_hierarchy, "{uid}: incomingCalls answered");
        }
        if answered("implementation") {
            assert!(!p.needs_implementations, "{uid}: implementation answered");
        }
    }

    // re-index: the same documentSymbol answers again keep every id
    let ids: Vec<Option<u64>> = all_syms.iter().map(|s| b.symbol_id(&s.symbol_uid).unwrap()).collect();
    assert!(ids.iter().all(|i| i.is_some_and(|i| i > 0)));
    let before = block_on(g.get_all_symbols()).unwrap();
    for a in answers.iter().filter(|a| method(a) == "textDocument/documentSymbol") {
        let p = c.rel_of(a.get("params").get("textDocument").get("uri").as_str().unwrap()).unwrap().to_string();
        let mut syms = Vec::new();
        doc_symbols(&mut c, &mut syms, &p, a.get("result"), None);
        block_on(g.store_symbols(&syms)).unwrap();
    }
    let again: Vec<Option<u64>> = all_syms.iter().map(|s| b.symbol_id(&s.symbol_uid).unwrap()).collect();
    assert_eq!(again, ids);
    assert_eq!(block_on(g.get_all_symbols()).unwrap(), before);
    assert_eq!(block_on(g.get_all_edges()).unwrap().len(), stored);
}
