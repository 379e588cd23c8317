//! `LmkvGraphBackend`: the daemon's `GraphBackend` over lmkv, through the
//! trait object the daemon's `BackendType` would hold
//! (`Arc<dyn GraphBackend>`), on real LMDB files.
//!
//! The unit cases check each method's documented behaviour on small inputs
//! (workspaces, files and analysis progress, the queue, symbols by file /
//! name / FQN, uid <-> id stability, edge dedup and self-loops, marker edges
//! and what they make of the call hierarchy, the LSP-shaped answers,
//! traverse_graph, pending enrichment, bad input leaving nothing written,
//! persistence, the key-value half on the same database, tasks on several
//! threads). `clangd_answers` is in tests/graph_backend_clangd.rs.

mod common;

use common::TempDir;
use lmkv::backend::graph::{
    create_none_call_hierarchy_edges, create_none_definition_edges, create_none_edge, create_none_implementation_edges,
    create_none_reference_edges, CallDirection, Edge, EdgeInterpretation, EdgeRelation, GraphBackend, SymbolState,
};
use lmkv::backend::protocol::{Position, Range};
use lmkv::backend::{
    DatabaseBackend, DatabaseConfig, DatabaseError, DatabaseTree, FileAnalysisStatus, LmkvGraphBackend, StoreStats,
};
use lmkv::executor::{block_on, Executor};
use std::sync::Arc;

/// The daemon's `BackendType` (database_cache_adapter.rs:
/// `enum BackendType { SQLite(Arc<SQLiteBackend>) }`) with lmkv in it; the
/// graph methods through the trait object.
enum BackendType {
    Lmkv(Arc<LmkvGraphBackend>),
}

impl BackendType {
    fn graph(&self) -> Arc<dyn GraphBackend> {
        match self {
            BackendType::Lmkv(b) => b.clone() as Arc<dyn GraphBackend>,
        }
    }
}

fn open(dir: &TempDir) -> Arc<LmkvGraphBackend> {
    let cfg = DatabaseConfig { path: Some(dir.path().join("db")), flush_every_ms: None, ..Default::default() };
    Arc::new(block_on(LmkvGraphBackend::new(cfg)).unwrap())
}

fn sym(uid: &str, file: &str, name: &str, fqn: Option<&str>, line: u32) -> SymbolState {
    SymbolState {
        symbol_uid: uid.into(),
        file_path: file.into(),
        language: "c".into(),
        name: name.into(),
        fqn: fqn.map(Into::into),
        kind: "function".into(),
        signature: Some(format!("int {name}(void)")),
        visibility: None,
        def_start_line: line,
        def_start_char: 4,
        def_end_line: line + 3,
        def_end_char: 1,
        is_definition: true,
        documentation: None,
        metadata: None,
    }
}

fn edge(relation: EdgeRelation, src: &str, tgt: &str, site: Option<(&str, u32, u32)>) -> Edge {
    Edge {
        relation,
        source_symbol_uid: src.into(),
        target_symbol_uid: tgt.into(),
        file_path: site.map(|s| s.0.to_string()),
        start_line: site.map(|s| s.1),
        start_char: site.map(|s| s.2),
        confidence: 1.0,
        language: "c".into(),
        metadata: None,
    }
}

fn pos(line: u32, character: u32) -> Range {
    let p = Position { line, character };
    Range { start: p, end: p }
}

#[test]
fn workspaces_files_progress_queue() {
    let dir = TempDir::new("graph-ws");
    let b = open(&dir);
    let g = BackendType::Lmkv(b.clone()).graph();
    block_on(async {
        let a = g.create_workspace("main", 7, None).await.unwrap();
        let f = g.create_workspace("feature", 7, Some("topic")).await.unwrap();
        let o = g.create_workspace("other", 8, Some("main")).await.unwrap();
        assert_eq!((a, f, o), (1, 2, 3));
        assert!(matches!(g.create_workspace("", 1, None).await, Err(DatabaseError::OperationFailed { .. })));

        let w = g.get_workspace(f).await.unwrap().unwrap();
        assert_eq!((w.workspace_id, w.project_id, w.name.as_str()), (2, 7, "feature"));
        assert_eq!(w.branch_hint.as_deref(), Some("topic"));
        assert_eq!(w.description, None);
        assert!(w.is_active);
        let c = w.created_at.as_bytes();
        assert!(c.len() == 19 && c[4] == b'-' && c[10] == b' ' && c[13] == b':', "{}", w.created_at);
        assert_eq!(g.get_workspace(99).await.unwrap(), None);

        // newest first; created in the same second: the later id first
        let all: Vec<i64> = g.list_workspaces(None).await.unwrap().iter().map(|w| w.workspace_id).collect();
        assert_eq!(all, [3, 2, 1]);
        let p7: Vec<i64> = g.list_workspaces(Some(7)).await.unwrap().iter().map(|w| w.workspace_id).collect();
        assert_eq!(p7, [2, 1]);
        assert!(g.list_workspaces(Some(9)).await.unwrap().is_empty());

        g.update_workspace_branch(a, "release").await.unwrap();
        assert_eq!(g.get_workspace(a).await.unwrap().unwrap().branch_hint.as_deref(), Some("release"));
        let e = g.update_workspace_branch(99, "x").await.unwrap_err();
        assert!(matches!(e, DatabaseError::OperationFailed { .. }), "{e}");

        // files linked, their analysis status, the progress
        for file in 10..13 {
            g.link_file_to_workspace(a, file, 100 + file).await.unwrap();
        }
        assert!(g.link_file_to_workspace(99, 10, 1).await.is_err());
        let run = g.create_analysis_run("clangd", "14.0.6", "c", "{}").await.unwrap();
        assert_eq!(run, 1);
        assert_eq!(g.create_analysis_run("tsls", "4.4.1", "typescript", "").await.unwrap(), 2);
        let p = g.get_analysis_progress(a).await.unwrap();
        assert_eq!((p.total_files, p.analyzed_files, p.failed_files, p.pending_files), (3, 0, 0, 3));
        assert_eq!(p.completion_percentage, 0.0);
        b.set_file_analysis(a, 10, run, FileAnalysisStatus::Completed).unwrap();
        b.set_file_analysis(a, 11, run, FileAnalysisStatus::Failed).unwrap();
        assert!(b.set_file_analysis(a, 99, run, FileAnalysisStatus::Completed).is_err(), "file not linked");
        assert!(b.set_file_analysis(a, 12, 77, FileAnalysisStatus::Completed).is_err(), "no such run");
        let p = g.get_analysis_progress(a).await.unwrap();
        assert_eq!(p.workspace_id, a);
        assert_eq!((p.total_files, p.analyzed_files, p.failed_files, p.pending_files), (3, 1, 1, 1));
        assert!((p.completion_percentage - 100.0 / 3.0).abs() < 1e-4, "{}", p.completion_percentage);
        let z = g.get_analysis_progress(42).await.unwrap();
        assert_eq!((z.workspace_id, z.total_files, z.completion_percentage), (42, 0, 0.0));

        // the queue: priority first, then queueing order
        g.queue_file_analysis(10, "c", 1).await.unwrap();
        g.queue_file_analysis(11, "c", 5).await.unwrap();
        g.queue_file_analysis(12, "rust", 1).await.unwrap();
        let q = b.queued_files().unwrap();
        let got: Vec<(i64, i64, i32)> = q.iter().map(|q| (q.queue_id, q.file_id, q.priority)).collect();
        assert_eq!(got, [(2, 11, 5), (1, 10, 1), (3, 12, 1)]);
        assert!(q.iter().all(|q| q.operation == "analyze" && q.status == "pending"));
        assert_eq!(q[2].language, "rust");
    });
}

#[test]
fn symbols_lookups_and_ids() {
    let dir = TempDir::new("graph-sym");
    let b = open(&dir);
    let g: Arc<dyn GraphBackend> = b.clone();
    block_on(async {
        let syms = [
            sym("a.c:h1:alpha:10", "src/a.c", "alpha", Some("mod::alpha"), 10),
            sym("a.c:h2:beta:20", "src/a.c", "beta", Some("mod::beta"), 20),
            sym("b.c:h3:alpha:5", "src/b.c", "alpha", Some("other::alpha"), 5),
        ];
        g.store_symbols(&syms).await.unwrap();
        g.store_symbols(&[]).await.unwrap();
        let by_file = g.get_symbols_by_file("src/a.c", "c").await.unwrap();
        assert_eq!(by_file, syms[..2].to_vec());
        assert!(g.get_symbols_by_file("src/a.c", "rust").await.unwrap().is_empty());
        let named: Vec<String> =
            g.find_symbol_by_name(1, "alpha").await.unwrap().into_iter().map(|s| s.symbol_uid).collect();
        assert_eq!(named, ["a.c:h1:alpha:10", "b.c:h3:alpha:5"]);
        assert_eq!(g.find_symbol_by_fqn(1, "mod::beta").await.unwrap().as_ref(), Some(&syms[1]));
        assert_eq!(g.find_symbol_by_fqn(1, "mod::gamma").await.unwrap(), None);
        assert_eq!(g.get_all_symbols().await.unwrap(), syms.to_vec());

        // ids: in first-seen order, "none" 0, both ways
        assert_eq!(b.symbol_id("a.c:h1:alpha:10").unwrap(), Some(1));
        assert_eq!(b.symbol_id("b.c:h3:alpha:5").unwrap(), Some(3));
        assert_eq!(b.symbol_id("none").unwrap(), Some(0));
        assert_eq!(b.symbol_id("never").unwrap(), None);
        assert_eq!(b.symbol_uid(2).unwrap().as_deref(), Some("a.c:h2:beta:20"));
        assert_eq!(b.symbol_uid(0).unwrap().as_deref(), Some("none"));
        assert_eq!(b.symbol_uid(99).unwrap(), None);

        // re-index: a changed symbol replaces the stored one, keeps its id,
        // and moves between the name/file indexes
        let mut moved = syms[0].clone();
        moved.name = "alpha2".into();
        moved.file_path = "src/c.c".into();
        moved.def_start_line = 11;
        g.store_symbols(&[moved.clone()]).await.unwrap();
        assert_eq!(b.symbol_id(&moved.symbol_uid).unwrap(), Some(1));
        assert_eq!(g.get_symbols_by_file("src/a.c", "c").await.unwrap(), vec![syms[1].clone()]);
        assert_eq!(g.get_symbols_by_file("src/c.c", "c").await.unwrap(), vec![moved.clone()]);
        assert_eq!(g.find_symbol_by_name(1, "alpha").await.unwrap(), vec![syms[2].clone()]);
        assert_eq!(b.get_symbol(&moved.symbol_uid).unwrap(), Some(moved.clone()));
        assert_eq!(b.get_symbol("never").unwrap(), None);

        // bad input: nothing of the call written, the error names the index
        let bad = [sym("new-1", "x.c", "x", None, 1), sym("", "x.c", "y", None, 2)];
        let e = g.store_symbols(&bad).await.unwrap_err();
        assert!(matches!(&e, DatabaseError::OperationFailed { message } if message.contains("symbols[1]")), "{e}");
        let bad = [sym("new-2", "x.c", "x", None, 1), sym("none", "x.c", "y", None, 2)];
        assert!(g.store_symbols(&bad).await.is_err());
        let bad = [sym("new-3", "x.c", "x\0y", None, 1)];
        let e = g.store_symbols(&bad).await.unwrap_err();
        assert!(e.to_string().contains("symbols[0].name"), "{e}");
        assert_eq!(b.symbol_id("new-1").unwrap(), None);
        assert_eq!(g.get_all_symbols().await.unwrap().len(), 3);
    });
}

#[test]
fn edges_markers_and_lsp_answers() {
    let dir = TempDir::new("graph-edges");
    let b = open(&dir);
    let g = BackendType::Lmkv(b.clone()).graph();
    block_on(async {
        let (main, parse, lex, leaf, lonely) = (
            "/src/m.c:1:main:1",
            "/src/p.c:2:parse:10",
            "/src/p.c:3:lex:40",
            "/src/p.c:4:leaf:70",
            "/src/q.c:5:lonely:3",
        );
        g.store_symbols(&[
            sym(main, "/src/m.c", "main", None, 0),
            sym(parse, "/src/p.c", "parse", None, 10),
            sym(lex, "/src/p.c", "lex", None, 40),
            sym(leaf, "/src/p.c", "leaf", None, 70),
            sym(lonely, "/src/q.c", "lonely", None, 3),
        ])
        .await
        .unwrap();
        let edges = vec![
            edge(EdgeRelation::Calls, main, parse, Some(("/src/m.c", 2, 8))),
            edge(EdgeRelation::Calls, parse, lex, Some(("/src/p.c", 12, 4))),
            edge(EdgeRelation::Calls, parse, parse, Some(("/src/p.c", 13, 4))), // recursion: kept
            edge(EdgeRelation::Calls, lex, leaf, None),                         // no site
            edge(EdgeRelation::Calls, main, parse, Some(("/src/m.c", 9, 8))),   // duplicate: first wins
            edge(EdgeRelation::References, parse, parse, Some(("/src/p.c", 14, 1))), // self-loop: dropped
            edge(EdgeRelation::References, main, lex, Some(("/src/m.c", 3, 12))),
            edge(EdgeRelation::References, parse, lex, Some(("/src/p.c", 12, 4))),
            edge(EdgeRelation::References, lex, "/ext/libc.h:9:strlen:1", Some(("/src/p.c", 41, 2))),
            edge(EdgeRelation::Definition, main, lex, Some(("/src/p.c", 40, 4))),
            edge(EdgeRelation::Implementation, main, leaf, Some(("/src/p.c", 70, 4))),
            edge(EdgeRelation::Implements, lex, leaf, Some(("/src/p.c", 71, 0))),
        ];
        let st = b.store_edges_counted(&edges).unwrap();
        assert_eq!(st, StoreStats { stored: 10, duplicates: 1, self_loops: 1 });
        // the same again: all duplicates, nothing added
        g.store_edges(&edges).await.unwrap();
        assert_eq!(g.get_all_edges().await.unwrap().len(), 10);
        // markers: asked, nothing found
        let mut markers = create_none_call_hierarchy_edges(lonely);
        markers.extend(create_none_reference_edges(lonely));
        markers.extend(create_none_implementation_edges(lonely));
        markers.push(create_none_edge(leaf, EdgeRelation::References));
        g.store_edges(&markers).await.unwrap();
        let all = g.get_all_edges().await.unwrap();
        assert_eq!(all.len(), 14);
        for m in &markers {
            assert!(all.contains(m), "marker {m:?} stored as given");
        }

        // references / calls as the daemon's queries, markers included
        let refs = g.get_symbol_references(1, parse).await.unwrap();
        assert_eq!(refs, vec![edges[7].clone()]);
        let lonely_refs = g.get_symbol_references(1, lonely).await.unwrap();
        assert_eq!(lonely_refs, create_none_reference_edges(lonely));
        assert_eq!(EdgeInterpretation::of(lonely_refs), EdgeInterpretation::AnalyzedEmpty);
        assert_eq!(
            EdgeInterpretation::of(g.get_symbol_references(1, main).await.unwrap()),
            EdgeInterpretation::HasData(vec![edges[6].clone()])
        );
        assert_eq!(
            EdgeInterpretation::of(g.get_symbol_references(1, "unknown").await.unwrap()),
            EdgeInterpretation::Unknown
        );
        let inc = g.get_symbol_calls(1, parse, CallDirection::Incoming).await.unwrap();
        assert_eq!(inc, vec![edges[0].clone(), edges[2].clone()]); // by the other end's id: main (1), parse (2)
        let out = g.get_symbol_calls(1, parse, CallDirection::Outgoing).await.unwrap();
        assert_eq!(out, vec![edges[2].clone(), edges[1].clone()]);
        let both = g.get_symbol_calls(1, parse, CallDirection::Both).await.unwrap();
        assert_eq!(both, vec![edges[2].clone(), edges[1].clone(), edges[0].clone()]); // self-loop once

        // call hierarchy as LSP wire types
        assert_eq!(g.get_call_hierarchy_for_symbol(1, "unknown").await.unwrap(), None);
        let ch = g.get_call_hierarchy_for_symbol(1, parse).await.unwrap().expect("analysed");
        assert_eq!(ch.item.name, "parse");
        assert_eq!(ch.item.kind, "Function");
        assert_eq!(ch.item.uri, "file:///src/p.c");
        assert_eq!(
            ch.item.range,
            Range { start: Position { line: 10, character: 4 }, end: Position { line: 13, character: 1 } }
        );
        assert_eq!(ch.item.selection_range, ch.item.range);
        let callers: Vec<(&str, Vec<Range>)> =
            ch.incoming.iter().map(|c| (c.from.name.as_str(), c.from_ranges.clone())).collect();
        assert_eq!(callers, [("main", vec![pos(2, 8)]), ("parse", vec![pos(13, 4)])]);
        assert_eq!(ch.incoming[0].from.uri, "file:///src/m.c");
        let callees: Vec<(&str, Vec<Range>)> =
            ch.outgoing.iter().map(|c| (c.from.name.as_str(), c.from_ranges.clone())).collect();
        assert_eq!(callees, [("parse", vec![pos(13, 4)]), ("lex", vec![pos(12, 4)])]);
        // an edge without a site: the caller's definition range
        let lx = g.get_call_hierarchy_for_symbol(1, leaf).await.unwrap().unwrap();
        assert_eq!(lx.incoming.len(), 1);
        assert_eq!(lx.incoming[0].from.name, "lex");
        assert_eq!(
            lx.incoming[0].from_ranges,
            vec![Range { start: Position { line: 40, character: 4 }, end: Position { line: 43, character: 1 } }]
        );
        assert!(lx.outgoing.is_empty());
        // the daemon's one-edge empty marker: analysed, nothing found
        let lo = g.get_call_hierarchy_for_symbol(1, lonely).await.unwrap().expect("a lone outgoing marker answers");
        assert_eq!(lo.item.name, "lonely");
        assert!(lo.incoming.is_empty() && lo.outgoing.is_empty());
        // an uid only edges know: the item made from the uid, nothing stored
        g.store_edges(&[edge(EdgeRelation::Calls, main, "/src/z.c:9:ghost:4", Some(("/src/m.c", 5, 1)))])
            .await
            .unwrap();
        let gh = g.get_call_hierarchy_for_symbol(1, "/src/z.c:9:ghost:4").await.unwrap().unwrap();
        assert_eq!(
            (gh.item.name.as_str(), gh.item.uri.as_str(), gh.item.range.start.line),
            ("ghost", "file:///src/z.c", 4)
        );
        assert_eq!(gh.item.kind, "Unknown");
        assert_eq!(gh.incoming.len(), 1);
        assert_eq!(b.get_symbol("/src/z.c:9:ghost:4").unwrap(), None);

        // references: either end, at the edge's site; markers left out
        let r = g.get_references_for_symbol(1, lex, false).await.unwrap();
        let got: Vec<(&str, Range)> = r.iter().map(|l| (l.uri.as_str(), l.range)).collect();
        assert_eq!(
            got,
            [("file:///src/p.c", pos(41, 2)), ("file:///src/m.c", pos(3, 12)), ("file:///src/p.c", pos(12, 4))]
        );
        let r = g.get_references_for_symbol(1, lex, true).await.unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(
            (r[0].uri.as_str(), r[0].range.start, r[0].range.end),
            ("file:///src/p.c", Position { line: 40, character: 4 }, Position { line: 43, character: 1 })
        );
        assert!(g.get_references_for_symbol(1, lonely, false).await.unwrap().is_empty());
        let d = g.get_definitions_for_symbol(1, lex).await.unwrap();
        assert_eq!(d.iter().map(|l| (l.uri.as_str(), l.range)).collect::<Vec<_>>(), [("file:///src/p.c", pos(40, 4))]);
        assert!(g.get_definitions_for_symbol(1, main).await.unwrap().is_empty());
        let i = g.get_implementations_for_symbol(1, leaf).await.unwrap();
        assert_eq!(i.iter().map(|l| l.range).collect::<Vec<_>>(), [pos(71, 0), pos(70, 4)]); // implements (3) before implementation (12)

        // traverse_graph: one path per edge followed, layer by layer, no visited set
        let t = g.traverse_graph(main, 3, &[EdgeRelation::Calls]).await.unwrap();
        let got: Vec<(&str, u32)> = t.iter().map(|p| (p.symbol_uid.as_str(), p.depth)).collect();
        assert_eq!(got, [(parse, 1), ("/src/z.c:9:ghost:4", 1), (parse, 2), (lex, 2), (parse, 3), (lex, 3), (leaf, 3)]);
        assert!(t
            .iter()
            .all(|p| p.path == vec![main.to_string(), p.symbol_uid.clone()]
                && p.relation_chain == vec![EdgeRelation::Calls]));
        assert!(g.traverse_graph(main, 3, &[]).await.unwrap().is_empty());
        assert!(g.traverse_graph(main, 0, &[EdgeRelation::Calls]).await.unwrap().is_empty());
        let t = g.traverse_graph(lonely, 5, &EdgeRelation::ALL).await.unwrap();
        assert!(t.is_empty(), "markers are not followed: {t:?}");
        let t = g.traverse_graph(main, 1, &[EdgeRelation::References, EdgeRelation::Implementation]).await.unwrap();
        let got: Vec<(&str, EdgeRelation)> = t.iter().map(|p| (p.symbol_uid.as_str(), p.relation_chain[0])).collect();
        assert_eq!(got, [(lex, EdgeRelation::References), (leaf, EdgeRelation::Implementation)]);

        // pending enrichment, as the daemon's SQL: references and
        // implementations answered by an edge (markers too) with the symbol
        // as source, calls at either end; sorted by kind priority, then name
        // (leaf is only the target of main's implementation and lex's
        // implements edge, so it still needs implementations)
        let pe = g.find_symbols_pending_enrichment(100).await.unwrap();
        let got: Vec<(&str, bool, bool, bool)> = pe
            .iter()
            .map(|p| {
                (p.symbol.symbol_uid.as_str(), p.needs_references, p.needs_implementations, p.needs_call_hierarchy)
            })
            .collect();
        assert_eq!(
            got,
            [(leaf, false, true, false), (parse, false, true, false)]
        );
        let first = g.find_symbols_pending_enrichment(1).await.unwrap();
        assert_eq!(first.iter().map(|p| p.symbol.symbol_uid.as_str()).collect::<Vec<_>>(), [leaf]);
        assert!(pe.iter().all(|p| p.has_operations()));
        assert_eq!(g.find_symbols_pending_enrichment(0).await.unwrap().len(), 0);

        // bad edges: nothing of the call written
        let mut bad = vec![edge(EdgeRelation::Calls, main, "fresh", None), edge(EdgeRelation::Calls, "", lex, None)];
        let e = g.store_edges(&bad).await.unwrap_err();
        assert!(e.to_string().contains("edges[1]"), "{e}");
        bad[1] = Edge { confidence: 1.5, ..edge(EdgeRelation::Calls, main, lex, None) };
        assert!(g.store_edges(&bad).await.is_err());
        bad[1] = Edge { confidence: f32::NAN, ..edge(EdgeRelation::Calls, main, lex, None) };
        assert!(g.store_edges(&bad).await.is_err());
        assert_eq!(b.symbol_id("fresh").unwrap(), None);
        assert_eq!(g.get_all_edges().await.unwrap().len(), 15);
        // confidence stored exactly
        g.store_edges(&[Edge { confidence: 0.3, ..edge(EdgeRelation::Calls, leaf, lonely, None) }]).await.unwrap();
        assert_eq!(g.get_symbol_calls(1, leaf, CallDirection::Outgoing).await.unwrap()[0].confidence, 0.3f32);
    });
}

#[test]
fn persistent_and_beside_the_kv_half() {
    let dir = TempDir::new("graph-persist");
    let (edges, syms) = {
        let b = open(&dir);
        block_on(async {
            b.store(
                &[sym("s1", "a.c", "f", None, 1), sym("s2", "a.c", "g", None, 9)],
                &[
                    edge(EdgeRelation::Calls, "s1", "s2", Some(("a.c", 2, 3))),
                    edge(EdgeRelation::Calls, "s2", "ext", None),
                ],
            )
            .unwrap();
            // the kv half on the same database
            let t = b.open_tree("universal_cache").await.unwrap();
            t.set(b"k", b"v").await.unwrap();
            b.set(b"top", b"1").await.unwrap();
            assert_eq!(b.tree_names().await.unwrap(), ["universal_cache"], "the graph's trees are not listed");
            b.flush().await.unwrap();
            let g: &dyn GraphBackend = &*b;
            (g.get_all_edges().await.unwrap(), g.get_all_symbols().await.unwrap())
        })
    };
    let b = open(&dir);
    block_on(async {
        assert_eq!(b.get_all_edges().await.unwrap(), edges);
        assert_eq!(b.get_all_symbols().await.unwrap(), syms);
        assert_eq!(b.symbol_id("ext").unwrap(), Some(3));
        assert_eq!(b.open_tree("universal_cache").await.unwrap().get(b"k").await.unwrap().as_deref(), Some(&b"v"[..]));
        // clear() empties the kv trees and keeps the graph (SQLiteBackend's clear: kv_store only)
        DatabaseBackend::clear(&*b).await.unwrap();
        assert_eq!(b.get(b"top").await.unwrap(), None);
        assert_eq!(b.get_all_edges().await.unwrap(), edges);
    });
}

#[test]
fn tasks_on_several_threads() {
    let dir = TempDir::new("graph-threads");
    let b = open(&dir);
    let backend = BackendType::Lmkv(b.clone());
    let ex = Executor::new(4);
    let mut handles = Vec::new();
    for t in 0..8 {
        let g = backend.graph();
        handles.push(ex.spawn(async move {
            for i in 0..25 {
                let me = format!("t{t}:f{i}");
                g.store_symbols(&[sym(&me, &format!("t{t}.c"), &format!("f{i}"), None, i)]).await.unwrap();
                lmkv::executor::yield_now().await; // may resume on another worker
                g.store_edges(&[edge(EdgeRelation::Calls, &me, "shared", Some(("x.c", i, 0)))]).await.unwrap();
            }
            g.get_symbols_by_file(&format!("t{t}.c"), "c").await.unwrap().len()
        }));
    }
    for h in handles {
        assert_eq!(h.join(), 25);
    }
    block_on(async {
        let callers = b.get_symbol_calls(1, "shared", CallDirection::Incoming).await.unwrap();
        assert_eq!(callers.len(), 200);
        let ch = b.get_call_hierarchy_for_symbol(1, "shared").await.unwrap().unwrap();
        assert_eq!(ch.incoming.len(), 200);
    });
}

#[test]
fn sqlite_backend_inherent_methods() {
    let dir = TempDir::new("graph-inherent");
    let b = open(&dir);
    block_on(async {
        let mut ty = sym("t", "src/t.c", "T", None, 1);
        ty.kind = "struct".into();
        let mut var = sym("v", "src/t.c", "v", None, 2);
        var.kind = "variable".into();
        let dep = sym("d", "/dep/x.c", "d", None, 3);
        let blank = sym("blank", " ", "b", None, 4);
        b.store_symbols(&[sym("f", "src/f.c", "f", None, 0), ty, var, dep, blank]).await.unwrap();
        assert_eq!(b.file_path_for_uid("f").await.as_deref(), Some("src/f.c"));
        assert_eq!(b.file_path_for_uid("nope").await, None);
        let c = b.get_pending_enrichment_counts().await.unwrap();
        assert_eq!(
            (c.symbols_pending, c.references_pending, c.implementations_pending, c.call_hierarchy_pending),
            (2, 2, 2, 2)
        );
        assert_eq!((c.high_priority_pending, c.medium_priority_pending, c.low_priority_pending), (1, 1, 0));
        b.store_edges(&create_none_reference_edges("f")).await.unwrap();
        b.store_edges(&create_none_call_hierarchy_edges("t")).await.unwrap();
        let c = b.get_pending_enrichment_counts().await.unwrap();
        assert_eq!(
            (c.symbols_pending, c.references_pending, c.implementations_pending, c.call_hierarchy_pending),
            (2, 1, 2, 1)
        );
        b.store_edges(&create_none_implementation_edges("f")).await.unwrap();
        b.store_edges(&create_none_call_hierarchy_edges("f")).await.unwrap();
        let c = b.get_pending_enrichment_counts().await.unwrap();
        assert_eq!((c.symbols_pending, c.high_priority_pending, c.medium_priority_pending), (1, 0, 1));
        // only the daemon's candidates: not the variable, the /dep/ path or the blank one
        let pe = b.find_symbols_pending_enrichment_internal(10).await.unwrap();
        assert_eq!(pe.iter().map(|p| p.symbol.symbol_uid.as_str()).collect::<Vec<_>>(), ["t"]);
    });
}

#[test]
fn delete_none_edges_and_fallback() {
    let dir = TempDir::new("graph-delete-none");
    let b = open(&dir);
    block_on(async {
        let mut ty = sym("t", "src/t.c", "T", None, 1);
        ty.kind = "struct".into();
        let mut var = sym("v", "src/t.c", "v", None, 2);
        var.kind = "variable".into();
        b.store_symbols(&[sym("g", "src/g.c", "g", None, 0), sym("f", "src/f.c", "f", None, 0), ty, var])
            .await
            .unwrap();
        let mut markers = create_none_call_hierarchy_edges("f");
        // The daemon's empty-incomingCalls marker: "none" -> the symbol.
        markers.push(Edge {
            source_symbol_uid: "none".into(),
            target_symbol_uid: "f".into(),
            ..create_none_edge("f", EdgeRelation::Calls)
        });
        markers.extend(create_none_reference_edges("f"));
        markers.extend(create_none_implementation_edges("f"));
        markers.extend(create_none_definition_edges("f"));
        markers.extend(create_none_reference_edges("t"));
        markers.push(edge(EdgeRelation::Calls, "f", "g", Some(("src/f.c", 3, 4))));
        b.store_edges(&markers).await.unwrap();
        let all = b.get_all_edges().await.unwrap().len();
        assert_eq!(all, 7);
        let id_f = b.symbol_id("f").unwrap();

        // fallback: only candidates (not the variable), daemon's order
        let fb = b.find_symbols_pending_enrichment_fallback(10).await.unwrap();
        assert_eq!(fb.iter().map(|p| p.symbol.symbol_uid.as_str()).collect::<Vec<_>>(), ["g", "t"]);
        assert!(fb[0].needs_references && fb[0].needs_implementations && !fb[0].needs_call_hierarchy);
        assert!(!fb[1].needs_references && fb[1].needs_call_hierarchy);
        assert!(b.find_symbols_pending_enrichment_fallback(0).await.unwrap().is_empty());
        assert_eq!(b.find_symbols_pending_enrichment_fallback(1).await.unwrap().len(), 1);

        // by method: the call hierarchy's two markers (both ends)
        let calls = vec!["CallHierarchy".to_string()];
        assert_eq!(b.delete_none_edges_for_symbol("f", Some(&calls)).await.unwrap(), 2);
        assert_eq!(b.delete_none_edges_for_symbol("f", Some(&calls)).await.unwrap(), 0);
        let ch = b.get_call_hierarchy_for_symbol(1, "f").await.unwrap().expect("a real call remains");
        assert_eq!(ch.outgoing.len(), 1);
        let refs = vec!["refs".to_string(), "IMPLEMENTATIONS".to_string(), "bogus".to_string()];
        assert_eq!(b.delete_none_edges_for_symbol("f", Some(&refs)).await.unwrap(), 2);
        // only the definition marker of f is left among its markers
        let left = b.edges_of("f", None, CallDirection::Both).unwrap();
        assert_eq!(
            left.iter().map(|e| (e.relation, e.target_symbol_uid.as_str())).collect::<Vec<_>>(),
            [(EdgeRelation::Calls, "g"), (EdgeRelation::Definition, "none")]
        );
        // no method name it knows: every relation (the daemon's query then
        // has no relation filter)
        let bogus = vec!["bogus".to_string()];
        assert_eq!(b.delete_none_edges_for_symbol("f", Some(&bogus)).await.unwrap(), 1);
        assert_eq!(b.delete_none_edges_for_symbol("never-stored", None).await.unwrap(), 0);
        assert_eq!(b.symbol_id("never-stored").unwrap(), None);
        assert_eq!(b.symbol_id("f").unwrap(), id_f);
        // t's marker untouched; f asks again
        assert_eq!(b.edges_of("t", Some(EdgeRelation::References), CallDirection::Outgoing).unwrap().len(), 1);
        let pe = b.find_symbols_pending_enrichment_internal(10).await.unwrap();
        let f = pe.iter().find(|p| p.symbol.symbol_uid == "f").expect("f pending again");
        assert!(f.needs_references && f.needs_implementations && !f.needs_call_hierarchy);
        assert!(matches!(
            b.delete_none_edges_for_symbol("", None).await,
            Err(DatabaseError::OperationFailed { message }) if message.contains("symbol_uid: empty")
        ));
        assert!(b.delete_none_edges_for_symbol("a\0b", None).await.is_err());
        assert_eq!(b.get_all_edges().await.unwrap().len(), 2);
    });
}

#[test]
fn writer_and_reader_status() {
    let dir = TempDir::new("graph-status");
    let b = open(&dir);
    block_on(async {
        assert!(!b.is_writer_busy());
        let w = b.writer_status_snapshot().await;
        assert!(!w.busy && w.active_ms.is_none() && w.recent.is_empty() && w.gate_owner_op.is_none());
        let r = b.reader_status_snapshot().await;
        assert_eq!((r.active, r.last_label.as_deref()), (0, None));

        let g: Arc<dyn GraphBackend> = b.clone();
        g.store_symbols(&[sym("a", "a.c", "a", None, 0), sym("b", "a.c", "b", None, 5)]).await.unwrap();
        g.store_edges(&[edge(EdgeRelation::Calls, "a", "b", Some(("a.c", 1, 2)))]).await.unwrap();
        b.store(&[sym("c", "c.c", "c", None, 0)], &create_none_reference_edges("c")).unwrap();
        assert!(g.store_symbols(&[sym("", "a.c", "x", None, 0)]).await.is_err()); // refused: a failed span
        let w = b.writer_status_snapshot().await;
        assert!(!w.busy && w.active_symbols.is_none());
        assert_eq!(
            w.recent.iter().map(|s| (s.id, s.symbols, s.edges, s.ok)).collect::<Vec<_>>(),
            [(3, 1, 0, false), (2, 1, 1, true), (1, 0, 1, true), (0, 2, 0, true)]
        );

        g.get_symbols_by_file("a.c", "c").await.unwrap();
        let r = b.reader_status_snapshot().await;
        assert_eq!((r.active, r.last_label.as_deref()), (0, Some("lmkv_daemon_symbols_by_file")));
        assert!(r.last_ms.is_some());
        g.find_symbols_pending_enrichment(5).await.unwrap();
        let r = b.reader_status_snapshot().await;
        assert_eq!(r.last_label.as_deref(), Some("lmkv_daemon_pending_enrichment"));
    });

    // A write waiting for LMDB's write lock (held by another thread's
    // transaction) is busy, with its size and method.
    let db = b.underlying_db();
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let txn = db.begin_write().unwrap();
        held_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        drop(txn);
    });
    held_rx.recv().unwrap();
    let b2 = b.clone();
    let writer = std::thread::spawn(move || {
        b2.store(&[sym("d", "d.c", "d", None, 0), sym("e", "d.c", "e", None, 3)], &[]).unwrap();
    });
    let t0 = std::time::Instant::now();
    while !b.is_writer_busy() {
        assert!(t0.elapsed().as_secs() < 10, "the write never began");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let w = block_on(b.writer_status_snapshot());
    assert!(w.busy);
    assert_eq!((w.active_symbols, w.active_edges, w.gate_owner_op.as_deref()), (Some(2), Some(0), Some("store")));
    assert!(w.active_ms.is_some() && w.section_label.is_none());
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    writer.join().unwrap();
    assert!(!b.is_writer_busy());
    let w = block_on(b.writer_status_snapshot());
    assert_eq!((w.recent[0].id, w.recent[0].symbols, w.recent[0].ok), (4, 2, true));
}
