//! The daemon's code-graph storage: the graph half of `DatabaseBackend` at
//! probelabs/probe HEAD 53499384 (`lsp-daemon/src/database/mod.rs`: its
//! workspace, symbol, edge, analysis, LSP-query and enrichment methods), as
//! the object-safe trait [`GraphBackend`], with the daemon's types
//! ([`Workspace`], [`FileVersion`], [`SymbolState`], [`Edge`],
//! [`EdgeRelation`], [`GraphPath`], ...) and the LSP wire types of
//! [`super::protocol`] it answers with.
//!
//! The daemon's `DatabaseBackend` at HEAD is the sled-era key-value trait
//! ([`super::DatabaseBackend`], which it kept for its response cache) plus
//! these methods; split in two here so that the key-value half stays the
//! drop-in it is and the graph half is object safe on its own (no
//! associated type, no generic method, no `Self: Sized` constructor):
//! `Arc<dyn GraphBackend>` is what the daemon's `BackendType` can hold.
//!
//! Methods are written as `#[async_trait]` expands them (see the
//! [`super`] module docs): an `#[async_trait] impl GraphBackend for X` in the
//! daemon's style compiles against this trait unchanged.
//!
//! # Same as the daemon's
//! Every type's fields and their types, the variants of [`EdgeRelation`],
//! [`CallDirection`], [`StandardEdgeType`] and [`EdgeInterpretation`], the
//! strings of [`EdgeRelation::to_string`] / [`EdgeRelation::from_string`]
//! (and its error for an unknown one) and [`StandardEdgeType::as_str`], the
//! "analysed, nothing found" marker edges of [`create_none_edge`] and
//! friends (target `"none"`, confidence 1.0, language `"unknown"`, metadata
//! `"null_edge"` or `"lsp_call_hierarchy_empty"`), and
//! [`EdgeInterpretation::of`] (sqlite_backend.rs's
//! `interpret_edges_for_relation`). The daemon also derives serde's traits,
//! which a std-only crate cannot.

use super::protocol::{CallHierarchyResult, Location};
use super::{BoxFuture, DatabaseError};

/// A workspace (the daemon's `Workspace`).
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    /// Its id.
    pub workspace_id: i64,
    /// The project it belongs to.
    pub project_id: i64,
    /// Its name.
    pub name: String,
    /// A description (the daemon's SQLite backend always answers `None`).
    pub description: Option<String>,
    /// The git branch it was last seen on.
    pub branch_hint: Option<String>,
    /// Whether it is in use.
    pub is_active: bool,
    /// When it was created (the daemon: SQLite's `CURRENT_TIMESTAMP`,
    /// `YYYY-MM-DD HH:MM:SS` in UTC).
    pub created_at: String,
}

/// One content version of a file (the daemon's `FileVersion`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileVersion {
    /// Its id.
    pub file_version_id: i64,
    /// The file's id.
    pub file_id: i64,
    /// A digest of the content (hex).
    pub content_digest: String,
    /// The git blob id of the content, when known (hex).
    pub git_blob_oid: Option<String>,
    /// The content's size in bytes.
    pub size_bytes: u64,
    /// The content's number of lines.
    pub line_count: Option<u32>,
    /// The language detected for it.
    pub detected_language: Option<String>,
    /// The file's modification time (seconds since the Unix epoch).
    pub mtime: Option<i64>,
}

/// A symbol as the daemon stores it (its `SymbolState`). Lines are
/// zero-based and characters LSP's (UTF-16 code units), as the language
/// server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolState {
    /// The daemon's symbol id (`path:hash:name:line`, from its
    /// `generate_version_aware_uid`); any string.
    pub symbol_uid: String,
    /// The file, relative to the workspace (git-relative).
    pub file_path: String,
    /// The file's language ("c", "rust", "typescript", ...).
    pub language: String,
    /// The symbol's name.
    pub name: String,
    /// Its fully qualified name.
    pub fqn: Option<String>,
    /// Its kind as the daemon names it ("function", "struct", ...).
    pub kind: String,
    /// Its signature.
    pub signature: Option<String>,
    /// Its visibility ("public", ...).
    pub visibility: Option<String>,
    /// Start line of its definition (zero-based).
    pub def_start_line: u32,
    /// Start character of its definition (UTF-16 code units).
    pub def_start_char: u32,
    /// End line of its definition.
    pub def_end_line: u32,
    /// End character of its definition.
    pub def_end_char: u32,
    /// Whether this is its definition (not a declaration).
    pub is_definition: bool,
    /// Its documentation.
    pub documentation: Option<String>,
    /// Free-form metadata (the daemon: JSON or a marker string).
    pub metadata: Option<String>,
}

/// The LSP operations a symbol still needs (the daemon's
/// `SymbolEnrichmentPlan`).
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolEnrichmentPlan {
    /// The symbol.
    pub symbol: SymbolState,
    /// textDocument/references has not been answered for it.
    pub needs_references: bool,
    /// textDocument/implementation has not been answered for it.
    pub needs_implementations: bool,
    /// callHierarchy has not been answered for it.
    pub needs_call_hierarchy: bool,
}

impl SymbolEnrichmentPlan {
    /// Whether any LSP operation still needs to run for this symbol.
    pub fn has_operations(&self) -> bool {
        self.needs_references || self.needs_implementations || self.needs_call_hierarchy
    }
}

/// Counts of pending LSP enrichment operations (the daemon's
/// `PendingEnrichmentCounts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingEnrichmentCounts {
    /// Symbols with at least one pending operation.
    pub symbols_pending: u64,
    /// Pending references operations.
    pub references_pending: u64,
    /// Pending implementations operations.
    pub implementations_pending: u64,
    /// Pending call hierarchy operations.
    pub call_hierarchy_pending: u64,
    /// Pending symbols of high priority.
    pub high_priority_pending: u64,
    /// Pending symbols of medium priority.
    pub medium_priority_pending: u64,
    /// Pending symbols of low priority.
    pub low_priority_pending: u64,
}

/// The relation an [`Edge`] stands for (the daemon's `EdgeRelation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeRelation {
    /// Source contains target (documentSymbol's children).
    HasChild,
    /// Source inherits from target.
    InheritsFrom,
    /// Source implements target.
    Implements,
    /// Source overrides target.
    Overrides,
    /// Source references target (textDocument/references).
    References,
    /// Source calls target (callHierarchy, both directions stored this way).
    Calls,
    /// Source instantiates target.
    Instantiates,
    /// Source imports target.
    Imports,
    /// Source includes target.
    Includes,
    /// Source depends on target.
    DependsOn,
    /// textDocument/definition's answer.
    Definition,
    /// textDocument/implementation's answer.
    Implementation,
}

impl EdgeRelation {
    /// Every relation, in the daemon's declaration order.
    pub const ALL: [EdgeRelation; 12] = [
        EdgeRelation::HasChild,
        EdgeRelation::InheritsFrom,
        EdgeRelation::Implements,
        EdgeRelation::Overrides,
        EdgeRelation::References,
        EdgeRelation::Calls,
        EdgeRelation::Instantiates,
        EdgeRelation::Imports,
        EdgeRelation::Includes,
        EdgeRelation::DependsOn,
        EdgeRelation::Definition,
        EdgeRelation::Implementation,
    ];

    /// The string the daemon stores in `edge.relation` ("has_child",
    /// "calls", ...). (An inherent method, as the daemon's; not `Display`.)
    #[allow(clippy::should_implement_trait, clippy::inherent_to_string_shadow_display)]
    pub fn to_string(&self) -> &'static str {
        match self {
            EdgeRelation::HasChild => "has_child",
            EdgeRelation::InheritsFrom => "inherits_from",
            EdgeRelation::Implements => "implements",
            EdgeRelation::Overrides => "overrides",
            EdgeRelation::References => "references",
            EdgeRelation::Calls => "calls",
            EdgeRelation::Instantiates => "instantiates",
            EdgeRelation::Imports => "imports",
            EdgeRelation::Includes => "includes",
            EdgeRelation::DependsOn => "depends_on",
            EdgeRelation::Definition => "definition",
            EdgeRelation::Implementation => "implementation",
        }
    }

    /// Parses a stored relation string; anything else is
    /// `OperationFailed { message: "Unknown edge relation: <s>" }`, as the
    /// daemon's.
    pub fn from_string(s: &str) -> Result<Self, DatabaseError> {
        EdgeRelation::ALL
            .iter()
            .copied()
            .find(|r| r.to_string() == s)
            .ok_or_else(|| DatabaseError::OperationFailed { message: format!("Unknown edge relation: {}", s) })
    }
}

/// Which call edges of a symbol (the daemon's `CallDirection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallDirection {
    /// Its callers: call edges whose target it is.
    Incoming,
    /// Its callees: call edges whose source it is.
    Outgoing,
    /// Both.
    Both,
}

/// The daemon's `StandardEdgeType`: relation names in both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardEdgeType {
    /// A calls B.
    Calls,
    /// A is called by B.
    CalledBy,
    /// A references B.
    References,
    /// A is referenced by B.
    ReferencedBy,
    /// A defines B.
    Defines,
    /// A is defined by B.
    DefinedBy,
    /// A implements B.
    Implements,
    /// A is implemented by B.
    ImplementedBy,
    /// A has type B.
    HasType,
    /// A is the type of B.
    TypeOf,
    /// A extends B.
    Extends,
    /// A is extended by B.
    ExtendedBy,
}

impl StandardEdgeType {
    /// The name ("calls", "called_by", ...), as the daemon's.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Calls => "calls",
            Self::CalledBy => "called_by",
            Self::References => "references",
            Self::ReferencedBy => "referenced_by",
            Self::Defines => "defines",
            Self::DefinedBy => "defined_by",
            Self::Implements => "implements",
            Self::ImplementedBy => "implemented_by",
            Self::HasType => "has_type",
            Self::TypeOf => "type_of",
            Self::Extends => "extends",
            Self::ExtendedBy => "extended_by",
        }
    }
}

/// A relation between two symbols (the daemon's `Edge`). Positions are the
/// site of the relation (the call, the reference), zero-based line and
/// UTF-16 character.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// What the edge stands for.
    pub relation: EdgeRelation,
    /// The symbol it starts at (caller, referrer, ...).
    pub source_symbol_uid: String,
    /// The symbol it ends at, or `"none"` for a marker edge.
    pub target_symbol_uid: String,
    /// The file of the site.
    pub file_path: Option<String>,
    /// The site's line.
    pub start_line: Option<u32>,
    /// The site's character.
    pub start_char: Option<u32>,
    /// How sure the producer is, 0.0 to 1.0 (LSP answers: 1.0).
    pub confidence: f32,
    /// The language of the source.
    pub language: String,
    /// Free-form metadata (marker edges: "null_edge",
    /// "lsp_call_hierarchy_empty").
    pub metadata: Option<String>,
}

/// The target of marker edges: "analysed, nothing found".
pub const NONE_SYMBOL_UID: &str = "none";

/// A marker edge recording that `relation` was asked of the language server
/// for `source_symbol_uid` and nothing was found, so that it is not asked
/// again (the daemon's `create_none_edge`).
pub fn create_none_edge(source_symbol_uid: &str, relation: EdgeRelation) -> Edge {
    Edge {
        relation,
        source_symbol_uid: source_symbol_uid.to_string(),
        target_symbol_uid: NONE_SYMBOL_UID.to_string(),
        file_path: None,
        start_line: None,
        start_char: None,
        confidence: 1.0,
        language: "unknown".to_string(),
        metadata: Some("null_edge".to_string()),
    }
}

/// The marker for an empty call hierarchy (`{incoming: [], outgoing: []}`,
/// not null): one `Calls` edge to `"none"` with metadata
/// "lsp_call_hierarchy_empty" (the daemon's
/// `create_none_call_hierarchy_edges`).
pub fn create_none_call_hierarchy_edges(symbol_uid: &str) -> Vec<Edge> {
    vec![Edge {
        metadata: Some("lsp_call_hierarchy_empty".to_string()),
        ..create_none_edge(symbol_uid, EdgeRelation::Calls)
    }]
}

/// The marker for an empty references answer (`[]`).
pub fn create_none_reference_edges(symbol_uid: &str) -> Vec<Edge> {
    vec![create_none_edge(symbol_uid, EdgeRelation::References)]
}

/// The marker for an empty definitions answer.
pub fn create_none_definition_edges(symbol_uid: &str) -> Vec<Edge> {
    vec![create_none_edge(symbol_uid, EdgeRelation::Definition)]
}

/// The marker for an empty implementations answer.
pub fn create_none_implementation_edges(symbol_uid: &str) -> Vec<Edge> {
    vec![create_none_edge(symbol_uid, EdgeRelation::Implementation)]
}

/// A symbol reached by [`GraphBackend::traverse_graph`] (the daemon's
/// `GraphPath`).
#[derive(Debug, Clone, PartialEq)]
pub struct GraphPath {
    /// The symbol reached.
    pub symbol_uid: String,
    /// Edges from the start symbol (1: a direct neighbour).
    pub depth: u32,
    /// The symbols on the way, the start first and `symbol_uid` last.
    pub path: Vec<String>,
    /// The relation of each edge on the way (`path.len() - 1` of them).
    pub relation_chain: Vec<EdgeRelation>,
}

/// How far analysis of a workspace has come (the daemon's
/// `AnalysisProgress`).
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisProgress {
    /// The workspace.
    pub workspace_id: i64,
    /// Files known.
    pub total_files: u64,
    /// Files analysed.
    pub analyzed_files: u64,
    /// Files whose analysis failed.
    pub failed_files: u64,
    /// Files waiting.
    pub pending_files: u64,
    /// `analyzed_files / total_files * 100` (0 when there are none).
    pub completion_percentage: f32,
}

/// What the stored edges of one relation say about a symbol (the daemon's
/// `EdgeInterpretation`).
#[derive(Debug, Clone, PartialEq)]
pub enum EdgeInterpretation<T> {
    /// No edge at all: the language server has not been asked.
    Unknown,
    /// Only marker edges: asked, nothing found (answer `[]`).
    AnalyzedEmpty,
    /// Real edges (markers among them ignored).
    HasData(Vec<T>),
}

impl EdgeInterpretation<Edge> {
    /// Interprets the edges of one relation of a symbol as the daemon does
    /// (sqlite_backend.rs `interpret_edges_for_relation`): none -> `Unknown`;
    /// only edges with a `"none"` end -> `AnalyzedEmpty`; otherwise the
    /// edges with no `"none"` end, in their order -> `HasData`.
    pub fn of(edges: Vec<Edge>) -> Self {
        if edges.is_empty() {
            return EdgeInterpretation::Unknown;
        }
        let real: Vec<Edge> = edges
            .into_iter()
            .filter(|e| e.source_symbol_uid != NONE_SYMBOL_UID && e.target_symbol_uid != NONE_SYMBOL_UID)
            .collect();
        if real.is_empty() {
            EdgeInterpretation::AnalyzedEmpty
        } else {
            EdgeInterpretation::HasData(real)
        }
    }
}

/// The daemon's graph storage methods (`DatabaseBackend` at HEAD, less its
/// key-value half). `Send + Sync` and object safe: hold it as
/// `Arc<dyn GraphBackend>`. Every method is the `#[async_trait]` expansion
/// of the daemon's `async fn` of the same name and arguments.
pub trait GraphBackend: Send + Sync {
    /// Creates a workspace named `name` in project `project_id` with an optional branch hint; answers its id. (The daemon's SQLite backend keeps one workspace and answers 1.)
    fn create_workspace<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        name: &'life1 str,
        project_id: i64,
        branch_hint: Option<&'life2 str>,
    ) -> BoxFuture<'async_trait, Result<i64, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait;

    /// The workspace `workspace_id`, or `None` when there is none.
    fn get_workspace<'life0, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
    ) -> BoxFuture<'async_trait, Result<Option<Workspace>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Every workspace, or those of `project_id`, newest first (`ORDER BY created_at DESC`).
    fn list_workspaces<'life0, 'async_trait>(
        &'life0 self,
        project_id: Option<i64>,
    ) -> BoxFuture<'async_trait, Result<Vec<Workspace>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Sets the workspace's branch hint (`current_branch`) to `branch`.
    fn update_workspace_branch<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        branch: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Links a file version to a workspace (deprecated in the daemon, whose workspace_file table is gone: a no-op there).
    fn link_file_to_workspace<'life0, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        file_id: i64,
        file_version_id: i64,
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Stores symbols, replacing the stored symbol of each `symbol_uid` (the daemon: SELECT, then UPDATE or INSERT, in transactions of 50).
    fn store_symbols<'life0, 'life1, 'async_trait>(
        &'life0 self,
        symbols: &'life1 [SymbolState],
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// The symbols whose `file_path` and `language` are these (`WHERE file_path = ? AND language = ?`).
    fn get_symbols_by_file<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        file_path: &'life1 str,
        language: &'life2 str,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait;

    /// The symbols named `name` (`WHERE name = ?`; the daemon ignores `workspace_id`).
    fn find_symbol_by_name<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        name: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// One symbol whose fully qualified name is `fqn`, or `None` (`WHERE fqn = ? LIMIT 1`).
    fn find_symbol_by_fqn<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        fqn: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Option<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Stores edges: self-loops of relations other than `Calls` dropped, and an edge whose (relation, source, target, language) is already stored not added again (the daemon's dedup, as its unique index). Marker edges (target `"none"`) are stored like any other.
    fn store_edges<'life0, 'life1, 'async_trait>(
        &'life0 self,
        edges: &'life1 [Edge],
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// The `References` edges whose source is `symbol_uid` (`WHERE source_symbol_uid = ? AND relation = 'references'`, as the daemon's).
    fn get_symbol_references<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<Edge>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// The `Calls` edges of `symbol_uid`: `Incoming` those whose target it is (its callers), `Outgoing` those whose source it is (its callees), `Both` either. Marker edges included (see [`EdgeInterpretation::of`]).
    fn get_symbol_calls<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        symbol_uid: &'life1 str,
        direction: CallDirection,
    ) -> BoxFuture<'async_trait, Result<Vec<Edge>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Breadth-first from `start_symbol` along edges of the given `relations` leaving each symbol, up to `max_depth` layers: one [`GraphPath`] per edge followed (depth = its layer, path = [start, target], relation_chain = [its relation]), no visited set (as the daemon's); no relations: nothing.
    fn traverse_graph<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        start_symbol: &'life1 str,
        max_depth: u32,
        relations: &'life2 [EdgeRelation],
    ) -> BoxFuture<'async_trait, Result<Vec<GraphPath>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait;

    /// Records an analysis run (analyzer name and version, language, configuration text); answers its id.
    fn create_analysis_run<'life0, 'life1, 'life2, 'life3, 'life4, 'async_trait>(
        &'life0 self,
        analyzer_name: &'life1 str,
        analyzer_version: &'life2 str,
        language: &'life3 str,
        config: &'life4 str,
    ) -> BoxFuture<'async_trait, Result<i64, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        'life4: 'async_trait,
        Self: 'async_trait;

    /// Files analysed, failed and pending in the workspace's analysis runs, and the completion percentage.
    fn get_analysis_progress<'life0, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
    ) -> BoxFuture<'async_trait, Result<AnalysisProgress, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Puts `file_id` on the indexer queue ('analyze', 'pending') with `priority` (higher first).
    fn queue_file_analysis<'life0, 'life1, 'async_trait>(
        &'life0 self,
        file_id: i64,
        language: &'life1 str,
        priority: i32,
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Every stored symbol (graph export).
    fn get_all_symbols<'life0, 'async_trait>(
        &'life0 self,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Every stored edge (graph export).
    fn get_all_edges<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<Vec<Edge>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// The symbol's call hierarchy as LSP wire types: the item, its callers (incoming) and callees (outgoing) from the stored `Calls` edges, each related symbol resolved by uid. `None` when it was never analysed: the daemon then asks the language server. (The daemon's SQLite backend answers `None` unless both directions have an edge; lmkv's [`super::LmkvGraphBackend`] when neither has, so the one-edge marker of [`create_none_call_hierarchy_edges`] and servers without outgoingCalls answer from storage.) A direction with only a marker is empty.
    fn get_call_hierarchy_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Option<CallHierarchyResult>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// The `References` edges with `symbol_uid` at either end, as LSP locations (the source symbol's file and the edge's position).
    fn get_references_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        symbol_uid: &'life1 str,
        include_declaration: bool,
    ) -> BoxFuture<'async_trait, Result<Vec<Location>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// The `Definition` edges (or "defines") whose target is `symbol_uid`, as LSP locations.
    fn get_definitions_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<Location>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// The `Implementation` edges (or "implements") whose target is `symbol_uid`, as LSP locations.
    fn get_implementations_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<Location>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Up to `limit` symbols for which references, implementations or the call hierarchy have not been asked yet (no edge of that relation, not even a marker), with what each still needs.
    fn find_symbols_pending_enrichment<'life0, 'async_trait>(
        &'life0 self,
        limit: usize,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolEnrichmentPlan>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;
}
