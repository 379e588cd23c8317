//! The daemon's graph types (lmkv::backend::graph): the strings stored for
//! each relation, the marker edges, the interpretation of stored edges, and
//! that the trait is object safe and Send + Sync (as the daemon holds it).

use lmkv::backend::graph::*;
use lmkv::backend::DatabaseError;
use std::sync::Arc;

#[test]
fn relation_strings_are_the_daemons() {
    // The strings the daemon's SQLite backend stores in edge.relation
    // (database/mod.rs EdgeRelation::to_string at HEAD 53499384).
    let want = [
        (EdgeRelation::HasChild, "has_child"),
        (EdgeRelation::InheritsFrom, "inherits_from"),
        (EdgeRelation::Implements, "implements"),
        (EdgeRelation::Overrides, "overrides"),
        (EdgeRelation::References, "references"),
        (EdgeRelation::Calls, "calls"),
        (EdgeRelation::Instantiates, "instantiates"),
        (EdgeRelation::Imports, "imports"),
        (EdgeRelation::Includes, "includes"),
        (EdgeRelation::DependsOn, "depends_on"),
        (EdgeRelation::Definition, "definition"),
        (EdgeRelation::Implementation, "implementation"),
    ];
    assert_eq!(want.len(), EdgeRelation::ALL.len());
    for (r, s) in want {
        assert_eq!(r.to_string(), s);
        assert_eq!(EdgeRelation::from_string(s).unwrap(), r);
    }
    match EdgeRelation::from_string("called_by") {
        Err(DatabaseError::OperationFailed { message }) => assert_eq!(message, "Unknown edge relation: called_by"),
        other => panic!("called_by parsed as {other:?}"),
    }
    assert!(EdgeRelation::from_string("Calls").is_err(), "case matters, as in the daemon");
    assert_eq!(StandardEdgeType::CalledBy.as_str(), "called_by");
    assert_eq!(StandardEdgeType::ExtendedBy.as_str(), "extended_by");
}

#[test]
fn marker_edges_are_the_daemons() {
    let e = create_none_edge("src/a.c:1:f:3", EdgeRelation::Definition);
    assert_eq!(e.source_symbol_uid, "src/a.c:1:f:3");
    assert_eq!(e.target_symbol_uid, "none");
    assert_eq!((e.file_path.as_deref(), e.start_line, e.start_char), (None, None, None));
    assert_eq!(e.confidence, 1.0);
    assert_eq!(e.language, "unknown");
    assert_eq!(e.metadata.as_deref(), Some("null_edge"));
    let ch = create_none_call_hierarchy_edges("u");
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0].relation, EdgeRelation::Calls);
    assert_eq!(ch[0].metadata.as_deref(), Some("lsp_call_hierarchy_empty"));
    assert_eq!(create_none_reference_edges("u")[0].relation, EdgeRelation::References);
    assert_eq!(create_none_definition_edges("u")[0].relation, EdgeRelation::Definition);
    assert_eq!(create_none_implementation_edges("u")[0].relation, EdgeRelation::Implementation);
}

#[test]
fn interpretation_follows_the_daemon() {
    assert_eq!(EdgeInterpretation::of(vec![]), EdgeInterpretation::Unknown);
    assert_eq!(EdgeInterpretation::of(create_none_call_hierarchy_edges("u")), EdgeInterpretation::AnalyzedEmpty);
    let real = Edge {
        relation: EdgeRelation::Calls,
        source_symbol_uid: "a".into(),
        target_symbol_uid: "u".into(),
        file_path: Some("a.c".into()),
        start_line: Some(4),
        start_char: Some(2),
        confidence: 1.0,
        language: "c".into(),
        metadata: None,
    };
    let mut mixed = create_none_call_hierarchy_edges("u");
    mixed.push(real.clone());
    assert_eq!(EdgeInterpretation::of(mixed), EdgeInterpretation::HasData(vec![real]));
    let plan = SymbolEnrichmentPlan {
        symbol: SymbolState {
            symbol_uid: "u".into(),
            file_path: "a.c".into(),
            language: "c".into(),
            name: "f".into(),
            fqn: None,
            kind: "function".into(),
            signature: None,
            visibility: None,
            def_start_line: 0,
            def_start_char: 0,
            def_end_line: 1,
            def_end_char: 1,
            is_definition: true,
            documentation: None,
            metadata: None,
        },
        needs_references: false,
        needs_implementations: false,
        needs_call_hierarchy: false,
    };
    assert!(!plan.has_operations());
    assert!(SymbolEnrichmentPlan { needs_implementations: true, ..plan }.has_operations());
}

// The daemon's BackendType holds its backend behind an Arc; this one holds
// the trait object, which must be Send + Sync + 'static to live in the
// daemon's shared state.
#[allow(dead_code)]
enum BackendType {
    Graph(Arc<dyn GraphBackend>),
}

#[test]
fn trait_is_object_safe_send_sync() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Arc<dyn GraphBackend>>();
    shared::<BackendType>();
}
