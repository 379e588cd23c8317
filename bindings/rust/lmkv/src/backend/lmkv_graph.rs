//! [`LmkvGraphBackend`]: the daemon's graph storage ([`GraphBackend`]) and
//! its key-value half ([`DatabaseBackend`], as [`LmkvBackend`]) over one
//! lmkv database, a drop-in for the daemon's `SQLiteBackend` (probelabs/probe
//! HEAD 53499384, `lsp-daemon/src/database/sqlite_backend.rs`).
//!
//! Every graph method is one or a few calls of daemon/lmkv_daemon.h (the C
//! module's header is the specification of what is stored and how it is
//! ordered); this file converts the daemon's Rust types to the C structs and
//! back, and turns edges into the LSP wire types as the daemon's
//! `ProtocolConverter` (`lsp-daemon/src/database/converters.rs`) does.
//!
//! Like [`LmkvBackend`], each async method does its work at its first poll
//! and is ready then: every C call is one short LMDB transaction (writes one
//! write transaction, reads one snapshot), so no transaction is ever open
//! across an `.await` or a thread switch.

use super::graph::{
    AnalysisProgress, CallDirection, Edge, EdgeInterpretation, EdgeRelation, GraphBackend, GraphPath,
    PendingEnrichmentCounts, SymbolEnrichmentPlan, SymbolState, Workspace,
};
use super::lmkv_backend::map_err;
use super::protocol::{CallHierarchyCall, CallHierarchyItem, CallHierarchyResult, Location, Position, Range};
use super::{BoxFuture, DatabaseBackend, DatabaseConfig, DatabaseError, DatabaseStats, LmkvBackend, LmkvTree};
use crate::error::Error;
use crate::Db;
use lmkv_sys as sys;
use std::collections::VecDeque;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What [`LmkvGraphBackend::store`] and [`LmkvGraphBackend::store_edges_counted`]
/// did with the edges (`lmkv_daemon_store_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Edges added.
    pub stored: usize,
    /// Edges whose (relation, source, target, language) was already stored
    /// or given twice: the stored one kept (the daemon's unique index).
    pub duplicates: usize,
    /// Self-loops of a relation other than `Calls`: dropped, as the daemon's.
    pub self_loops: usize,
}

/// The analysis status of a file linked to a workspace (the daemon's
/// `file_analysis.status`; `lmkv_daemon_file_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileAnalysisStatus {
    /// Not analysed yet.
    Pending,
    /// Analysed.
    Completed,
    /// Its analysis failed.
    Failed,
}

/// One finished symbol/edge write of an [`LmkvGraphBackend`] (the
/// daemon's `WriterSpanCompleted`, which `writer_status_snapshot` lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterSpanCompleted {
    /// 0, 1, ... in the order the writes began (per backend).
    pub id: u64,
    /// Symbols the write carried.
    pub symbols: usize,
    /// Edges the write carried.
    pub edges: usize,
    /// From the call's start to its end (waiting for LMDB's write lock
    /// included), in milliseconds.
    pub duration_ms: u128,
    /// The write succeeded.
    pub ok: bool,
}

/// The daemon's `WriterStatusSnapshot` (`SQLiteBackend::
/// writer_status_snapshot`, shown by its index-status command), over this
/// backend's symbol/edge writes (`store_symbols`, `store_edges`,
/// [`LmkvGraphBackend::store`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterStatusSnapshot {
    /// A symbol/edge write is under way ([`LmkvGraphBackend::is_writer_busy`]).
    pub busy: bool,
    /// The oldest write under way: milliseconds since it began.
    pub active_ms: Option<u128>,
    /// Its symbols.
    pub active_symbols: Option<usize>,
    /// Its edges.
    pub active_edges: Option<usize>,
    /// The last finished writes, newest first (at most 5, of the 64 kept).
    pub recent: Vec<WriterSpanCompleted>,
    /// The oldest write under way, by method ("store_symbols",
    /// "store_edges", "store"): lmkv has no writer gate of its own (LMDB's
    /// single writer lock serialises writers), so this is the call that
    /// holds or waits for that lock.
    pub gate_owner_op: Option<String>,
    /// Milliseconds since that call began.
    pub gate_owner_ms: Option<u128>,
    /// Always `None`: the daemon's labelled write sections (its WAL-sync
    /// and checkpoint sections) do not exist over LMDB.
    pub section_label: Option<String>,
    /// Always `None`, as `section_label`.
    pub section_ms: Option<u128>,
}

/// The daemon's `ReaderStatusSnapshot` (`SQLiteBackend::
/// reader_status_snapshot`), over this backend's graph reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderStatusSnapshot {
    /// Graph reads under way (each is one LMDB read snapshot; readers never
    /// wait for writers).
    pub active: usize,
    /// The daemon/ C function of the read that began last
    /// ("lmkv_daemon_symbols_by_file", "lmkv_daemon_pending_enrichment",
    /// ...); `None` before the first.
    pub last_label: Option<String>,
    /// Milliseconds since that read began.
    pub last_ms: Option<u128>,
}

/// Writes and reads under way, and the last writes (writer/reader status).
#[derive(Default)]
struct Activity {
    writers: AtomicUsize,
    log: Mutex<WriterLog>,
    readers: AtomicUsize,
    last_reader: Mutex<Option<(&'static str, Instant)>>,
}

#[derive(Default)]
struct WriterLog {
    next_id: u64,
    active: Vec<(u64, &'static str, usize, usize, Instant)>,
    history: VecDeque<WriterSpanCompleted>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave the bookkeeping inconsistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One write under way; recorded as finished when dropped.
struct WriteSpan<'a> {
    act: &'a Activity,
    id: u64,
    ok: bool,
}

impl Drop for WriteSpan<'_> {
    fn drop(&mut self) {
        let mut log = locked(&self.act.log);
        if let Some(i) = log.active.iter().position(|a| a.0 == self.id) {
            let (id, _, symbols, edges, t0) = log.active.remove(i);
            if log.history.len() >= 64 {
                log.history.pop_front();
            }
            log.history.push_back(WriterSpanCompleted {
                id,
                symbols,
                edges,
                duration_ms: t0.elapsed().as_millis(),
                ok: self.ok,
            });
        }
        self.act.writers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One read under way.
struct ReadSection<'a>(&'a Activity);

impl Drop for ReadSection<'_> {
    fn drop(&mut self) {
        self.0.readers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One row of the indexer queue (the daemon's `indexer_queue`), as
/// [`LmkvGraphBackend::queued_files`] lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// 1, 2, ... in queueing order.
    pub queue_id: i64,
    /// The daemon's file id.
    pub file_id: i64,
    /// The language given to `queue_file_analysis`.
    pub language: String,
    /// "analyze".
    pub operation: String,
    /// "pending".
    pub status: String,
    /// Higher first.
    pub priority: i32,
}

/// The `lmkv_daemon` handle; closed before the database it was opened on
/// (it is the first field of [`LmkvGraphBackend`], so dropped first).
struct Handle(*mut sys::lmkv_daemon);

// SAFETY: lmkv_daemon.h: "An lmkv_daemon may be used from several threads at
// once"; the pointer is only closed in Drop, when no borrow remains.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: opened by lmkv_daemon_open, closed once, here.
        unsafe { sys::lmkv_daemon_close(self.0) }
    }
}

/// An lmkv result array: ONE allocation (the array and every string it
/// points to), freed with `lmkv_free` when dropped.
struct CArray<T> {
    ptr: *mut T,
    len: usize,
}

impl<T> CArray<T> {
    fn new() -> Self {
        CArray { ptr: std::ptr::null_mut(), len: 0 }
    }
    fn as_slice(&self) -> &[T] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            // SAFETY: lmkv returned `len` initialised elements at `ptr`.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

impl<T> Drop for CArray<T> {
    fn drop(&mut self) {
        // SAFETY: NULL or one lmkv allocation, freed once.
        unsafe { sys::lmkv_free(self.ptr as *mut c_void) }
    }
}

/// NUL-terminated copies of the strings of one C call's input, alive for
/// the call. (A `CString`'s bytes do not move when the vector grows.)
struct Arena(Vec<CString>);

impl Arena {
    fn new() -> Self {
        Arena(Vec::new())
    }
    /// `s` as a C string; an interior NUL is an `OperationFailed` naming
    /// `what` (the argument, with its index).
    fn s(&mut self, fun: &str, what: impl FnOnce() -> String, s: &str) -> Result<*const c_char, DatabaseError> {
        let c = CString::new(s).map_err(|e| DatabaseError::OperationFailed {
            message: format!("{fun}: {}: NUL byte at offset {} of {s:?}", what(), e.nul_position()),
        })?;
        let p = c.as_ptr();
        self.0.push(c);
        Ok(p)
    }
    fn opt(
        &mut self,
        fun: &str,
        what: impl FnOnce() -> String,
        s: Option<&str>,
    ) -> Result<*const c_char, DatabaseError> {
        match s {
            Some(s) => self.s(fun, what, s),
            None => Ok(std::ptr::null()),
        }
    }
}

/// An owned copy of a C string of lmkv (invalid UTF-8 replaced).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn own(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        Some(CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}

/// As [`own`], "" for NULL.
///
/// # Safety
/// As [`own`].
unsafe fn own_or_empty(p: *const c_char) -> String {
    own(p).unwrap_or_default()
}

fn relation_code(r: EdgeRelation) -> c_int {
    // lmkv_daemon_relation numbers the daemon's declaration order from 1.
    EdgeRelation::ALL.iter().position(|x| *x == r).expect("every relation is in ALL") as c_int + 1
}

fn relation_of(code: c_int) -> Result<EdgeRelation, DatabaseError> {
    usize::try_from(code)
        .ok()
        .and_then(|c| c.checked_sub(1))
        .and_then(|i| EdgeRelation::ALL.get(i).copied())
        .ok_or_else(|| DatabaseError::Corruption { message: format!("lmkv returned an unknown edge relation {code}") })
}

fn direction_code(d: CallDirection) -> c_int {
    (match d {
        CallDirection::Incoming => sys::LMKV_DAEMON_INCOMING,
        CallDirection::Outgoing => sys::LMKV_DAEMON_OUTGOING,
        CallDirection::Both => sys::LMKV_DAEMON_BOTH,
    }) as c_int
}

/// # Safety
/// `s` is a symbol of an lmkv result, alive for the call.
unsafe fn symbol_of(s: &sys::lmkv_daemon_symbol) -> SymbolState {
    SymbolState {
        symbol_uid: own_or_empty(s.symbol_uid),
        file_path: own_or_empty(s.file_path),
        language: own_or_empty(s.language),
        name: own_or_empty(s.name),
        fqn: own(s.fqn),
        kind: own_or_empty(s.kind),
        signature: own(s.signature),
        visibility: own(s.visibility),
        def_start_line: s.def_start_line,
        def_start_char: s.def_start_char,
        def_end_line: s.def_end_line,
        def_end_char: s.def_end_char,
        is_definition: s.is_definition != 0,
        documentation: own(s.documentation),
        metadata: own(s.metadata),
    }
}

/// # Safety
/// `e` is an edge of an lmkv result, alive for the call.
unsafe fn edge_of(e: &sys::lmkv_daemon_edge) -> Result<Edge, DatabaseError> {
    let opt_u32 = |v: i64| if v < 0 { None } else { u32::try_from(v).ok() };
    Ok(Edge {
        relation: relation_of(e.relation)?,
        source_symbol_uid: own_or_empty(e.source_symbol_uid),
        target_symbol_uid: own_or_empty(e.target_symbol_uid),
        file_path: own(e.file_path),
        start_line: opt_u32(e.start_line),
        start_char: opt_u32(e.start_char),
        confidence: e.confidence,
        language: own_or_empty(e.language),
        metadata: own(e.metadata),
    })
}

/// # Safety
/// `w` is a workspace of an lmkv result, alive for the call.
unsafe fn workspace_of(w: &sys::lmkv_daemon_workspace) -> Workspace {
    Workspace {
        workspace_id: w.workspace_id,
        project_id: w.project_id,
        name: own_or_empty(w.name),
        description: own(w.description),
        branch_hint: own(w.branch_hint),
        is_active: w.is_active != 0,
        created_at: own_or_empty(w.created_at),
    }
}

fn symbols_in(
    fun: &str,
    arena: &mut Arena,
    symbols: &[SymbolState],
) -> Result<Vec<sys::lmkv_daemon_symbol>, DatabaseError> {
    let mut out = Vec::with_capacity(symbols.len());
    for (i, s) in symbols.iter().enumerate() {
        let f = |field: &'static str| move || format!("symbols[{i}].{field}");
        out.push(sys::lmkv_daemon_symbol {
            symbol_uid: arena.s(fun, f("symbol_uid"), &s.symbol_uid)?,
            file_path: arena.s(fun, f("file_path"), &s.file_path)?,
            language: arena.s(fun, f("language"), &s.language)?,
            name: arena.s(fun, f("name"), &s.name)?,
            fqn: arena.opt(fun, f("fqn"), s.fqn.as_deref())?,
            kind: arena.s(fun, f("kind"), &s.kind)?,
            signature: arena.opt(fun, f("signature"), s.signature.as_deref())?,
            visibility: arena.opt(fun, f("visibility"), s.visibility.as_deref())?,
            def_start_line: s.def_start_line,
            def_start_char: s.def_start_char,
            def_end_line: s.def_end_line,
            def_end_char: s.def_end_char,
            is_definition: s.is_definition as c_int,
            documentation: arena.opt(fun, f("documentation"), s.documentation.as_deref())?,
            metadata: arena.opt(fun, f("metadata"), s.metadata.as_deref())?,
            symbol_id: 0,
        });
    }
    Ok(out)
}

fn edges_in(fun: &str, arena: &mut Arena, edges: &[Edge]) -> Result<Vec<sys::lmkv_daemon_edge>, DatabaseError> {
    let mut out = Vec::with_capacity(edges.len());
    for (i, e) in edges.iter().enumerate() {
        let f = |field: &'static str| move || format!("edges[{i}].{field}");
        out.push(sys::lmkv_daemon_edge {
            relation: relation_code(e.relation),
            source_symbol_uid: arena.s(fun, f("source_symbol_uid"), &e.source_symbol_uid)?,
            target_symbol_uid: arena.s(fun, f("target_symbol_uid"), &e.target_symbol_uid)?,
            file_path: arena.opt(fun, f("file_path"), e.file_path.as_deref())?,
            start_line: e.start_line.map_or(-1, i64::from),
            start_char: e.start_char.map_or(-1, i64::from),
            confidence: e.confidence,
            language: arena.s(fun, f("language"), &e.language)?,
            metadata: arena.opt(fun, f("metadata"), e.metadata.as_deref())?,
        });
    }
    Ok(out)
}

/// The daemon's `ProtocolConverter::path_to_uri`: a `file://` URI of a
/// stored path (already a URI: as is; absolute: `file://` + path; a Windows
/// drive path: `file:///` + path; relative: canonicalized against the
/// process's working directory when it exists there, else `file://` + the
/// relative path).
pub fn path_to_uri(path: &str) -> String {
    if path.starts_with("file://") {
        path.to_string()
    } else if path.starts_with('/') {
        format!("file://{path}")
    } else if path.len() >= 2 && path.chars().nth(1) == Some(':') {
        format!("file:///{path}")
    } else {
        match std::fs::canonicalize(Path::new(path)) {
            Ok(abs) => format!("file://{}", abs.to_string_lossy()),
            Err(_) => format!("file://{path}"),
        }
    }
}

/// The daemon's `ProtocolConverter::symbol_kind_to_lsp_kind`: its kind
/// names ("function", any case) as the LSP kind name ("Function"); "macro"
/// (lmkv's Macro kind, 255, which LSP lacks) as "String", as clangd answers
/// for macros; anything else "Unknown".
///
/// ```
/// use lmkv::backend::symbol_kind_to_lsp_kind;
/// assert_eq!(symbol_kind_to_lsp_kind("Macro"), "String");
/// assert_eq!(symbol_kind_to_lsp_kind("function"), "Function");
/// assert_eq!(symbol_kind_to_lsp_kind("bogus"), "Unknown");
/// ```
pub fn symbol_kind_to_lsp_kind(kind: &str) -> String {
    match kind.to_lowercase().as_str() {
        "function" => "Function",
        "method" => "Method",
        "constructor" => "Constructor",
        "class" => "Class",
        "interface" => "Interface",
        "struct" => "Struct",
        "enum" => "Enum",
        "variable" => "Variable",
        "constant" => "Constant",
        "field" => "Field",
        "property" => "Property",
        "module" => "Module",
        "namespace" => "Namespace",
        "package" => "Package",
        "macro" => "String",
        _ => "Unknown",
    }
    .to_string()
}

/// The daemon's `ProtocolConverter::symbol_to_call_hierarchy_item`.
/// The daemon's enrichment candidates and their priority
/// (`SQLiteBackend::enrichment_priority` over its candidate query): 0 for a
/// function or method, 1 for a type kind, `None` for any other symbol or one
/// whose file path is blank or under `/dep/`.
fn enrichment_priority(s: &SymbolState) -> Option<u8> {
    if s.file_path.trim().is_empty() || s.file_path.starts_with("/dep/") {
        return None;
    }
    match s.kind.as_str() {
        "function" | "method" => Some(0),
        "class" | "struct" | "enum" | "interface" | "trait" => Some(1),
        _ => None,
    }
}

fn call_hierarchy_item(s: &SymbolState) -> CallHierarchyItem {
    let range = def_range(s);
    CallHierarchyItem {
        name: s.name.clone(),
        kind: symbol_kind_to_lsp_kind(&s.kind),
        uri: path_to_uri(&s.file_path),
        range,
        selection_range: range,
    }
}

fn def_range(s: &SymbolState) -> Range {
    Range {
        start: Position { line: s.def_start_line, character: s.def_start_char },
        end: Position { line: s.def_end_line, character: s.def_end_char },
    }
}

/// The symbol the daemon makes up for a call hierarchy's centre that has
/// edges but no stored symbol (sqlite_backend.rs: `parse_symbol_uid` of its
/// `path:hash:name:line` uid; kind "unknown"). Unlike the daemon, lmkv does
/// not store it: a read never writes.
fn placeholder_symbol(uid: &str) -> SymbolState {
    let parts: Vec<&str> = uid.split(':').collect();
    let (file, name, line) = if parts.len() >= 3 {
        (Some(parts[0].to_string()), Some(parts[2].to_string()), parts.get(3).and_then(|s| s.parse::<u32>().ok()))
    } else {
        (None, None, None)
    };
    SymbolState {
        symbol_uid: uid.to_string(),
        file_path: file.unwrap_or_else(|| "unknown".to_string()),
        language: "unknown".to_string(),
        name: name.unwrap_or_else(|| "unknown".to_string()),
        fqn: None,
        kind: "unknown".to_string(),
        signature: None,
        visibility: None,
        def_start_line: line.unwrap_or(0),
        def_start_char: 0,
        def_end_line: line.unwrap_or(0),
        def_end_char: 0,
        is_definition: true,
        documentation: None,
        metadata: Some(format!("auto_created_from_uid:{uid}")),
    }
}

/// The daemon's graph storage and key-value backend over one lmkv database:
/// hold it as `Arc<dyn GraphBackend>` (or `Arc<LmkvGraphBackend>`, which is
/// also a [`DatabaseBackend`] with [`LmkvTree`] trees, as `SQLiteBackend` is
/// both), from any thread.
///
/// The graph lives in the database's `lmkv.daemon.*` system trees
/// (daemon/README.md), beside the key-value trees, so `tree_names()` and
/// `clear()` of the key-value half do not see or touch it. Symbols, edges,
/// workspaces, runs and the queue persist in the database: reopening the
/// directory gives them back, with every symbol_uid's lmkv id unchanged.
pub struct LmkvGraphBackend {
    // Dropped first: the handle must be closed before the database.
    daemon: Handle,
    kv: LmkvBackend,
    act: Activity,
}

impl LmkvGraphBackend {
    /// The graph storage of the database `kv` has open (its trees are
    /// created on first use). Errors: `Configuration` when the database's
    /// graph trees were written by a later format of daemon/ (lmkv's
    /// message), `OperationFailed` for other lmkv errors.
    pub fn from_backend(kv: LmkvBackend) -> Result<LmkvGraphBackend, DatabaseError> {
        let mut d = std::ptr::null_mut();
        // SAFETY: the db pointer is alive as long as `kv` (an Arc<Db>), which
        // outlives the handle (field order).
        let rc = unsafe { sys::lmkv_daemon_open(&mut d, kv.db().as_raw()) };
        if rc != sys::LMKV_OK {
            let e = Error::from_code(rc);
            if rc == sys::LMKV_EVERSION {
                return Err(DatabaseError::Configuration { message: format!("lmkv_daemon_open: {e}") });
            }
            return Err(map_err(e, "lmkv_daemon_open"));
        }
        Ok(LmkvGraphBackend { daemon: Handle(d), kv, act: Activity::default() })
    }

    /// `SQLiteBackend::new`'s counterpart, without the future: opens the
    /// database `config` describes (as [`LmkvBackend`]'s `new`) and its
    /// graph storage.
    pub fn open(config: DatabaseConfig) -> Result<LmkvGraphBackend, DatabaseError> {
        LmkvGraphBackend::from_backend(LmkvBackend::open(config)?)
    }

    /// Over an already open database (one opened with a [`crate::Config`]
    /// that sets durability or the map size), as [`LmkvBackend::from_db`].
    pub fn from_db(db: Db, config: DatabaseConfig) -> Result<LmkvGraphBackend, DatabaseError> {
        LmkvGraphBackend::from_backend(LmkvBackend::from_db(db, config))
    }

    /// As [`LmkvGraphBackend::from_db`], sharing `db`.
    pub fn from_arc_db(db: Arc<Db>, config: DatabaseConfig) -> Result<LmkvGraphBackend, DatabaseError> {
        LmkvGraphBackend::from_backend(LmkvBackend::from_arc_db(db, config))
    }

    /// The key-value half (the daemon's response cache trees).
    pub fn kv(&self) -> &LmkvBackend {
        &self.kv
    }

    /// The lmkv database underneath.
    pub fn underlying_db(&self) -> Arc<Db> {
        self.kv.underlying_db()
    }

    /// The `lmkv_daemon` handle, for calls of daemon/lmkv_daemon.h the
    /// binding does not wrap. Valid while `self` lives; thread-safe.
    pub fn as_raw(&self) -> *mut sys::lmkv_daemon {
        self.daemon.0
    }

    fn d(&self) -> *mut sys::lmkv_daemon {
        self.daemon.0
    }

    /// A C call's result code as `Result`, with lmkv's message.
    fn check(rc: c_int, what: &str) -> Result<(), DatabaseError> {
        if rc == sys::LMKV_OK {
            Ok(())
        } else {
            Err(map_err(Error::from_code(rc), what))
        }
    }

    /// Runs a symbol/edge write as a writer span (writer status).
    fn write_span<T>(
        &self,
        op: &'static str,
        symbols: usize,
        edges: usize,
        f: impl FnOnce() -> Result<T, DatabaseError>,
    ) -> Result<T, DatabaseError> {
        let id = {
            let mut log = locked(&self.act.log);
            let id = log.next_id;
            log.next_id += 1;
            log.active.push((id, op, symbols, edges, Instant::now()));
            id
        };
        self.act.writers.fetch_add(1, Ordering::SeqCst);
        let mut span = WriteSpan { act: &self.act, id, ok: false };
        let r = f();
        span.ok = r.is_ok();
        drop(span);
        r
    }

    /// Marks a graph read under way until the guard is dropped (reader status).
    fn read_section(&self, label: &'static str) -> ReadSection<'_> {
        self.act.readers.fetch_add(1, Ordering::SeqCst);
        *locked(&self.act.last_reader) = Some((label, Instant::now()));
        ReadSection(&self.act)
    }

    // ---------------------------------------------------------- extras

    /// store_symbols then store_edges in ONE write transaction (one commit
    /// and sync instead of two; `lmkv_daemon_store`): what an indexer stores
    /// per LSP answer. On any error neither is written.
    pub fn store(&self, symbols: &[SymbolState], edges: &[Edge]) -> Result<StoreStats, DatabaseError> {
        self.write_span("store", symbols.len(), edges.len(), || self.store_unspanned(symbols, edges))
    }

    fn store_unspanned(&self, symbols: &[SymbolState], edges: &[Edge]) -> Result<StoreStats, DatabaseError> {
        const F: &str = "lmkv_daemon_store";
        let mut arena = Arena::new();
        let s = symbols_in(F, &mut arena, symbols)?;
        let e = edges_in(F, &mut arena, edges)?;
        let mut st = sys::lmkv_daemon_store_stats { stored: 0, duplicates: 0, self_loops: 0 };
        // SAFETY: arrays and strings alive for the call.
        let rc = unsafe { sys::lmkv_daemon_store(&mut st, self.d(), s.as_ptr(), s.len(), e.as_ptr(), e.len()) };
        Self::check(rc, F)?;
        Ok(StoreStats { stored: st.stored, duplicates: st.duplicates, self_loops: st.self_loops })
    }

    /// `store_edges`, answering what was stored, deduplicated and dropped.
    pub fn store_edges_counted(&self, edges: &[Edge]) -> Result<StoreStats, DatabaseError> {
        self.store(&[], edges)
    }

    fn store_symbols_sync(&self, symbols: &[SymbolState]) -> Result<(), DatabaseError> {
        if symbols.is_empty() {
            return Ok(());
        }
        const F: &str = "lmkv_daemon_store_symbols";
        self.write_span("store_symbols", symbols.len(), 0, || {
            let mut arena = Arena::new();
            let s = symbols_in(F, &mut arena, symbols)?;
            // SAFETY: array and strings alive for the call.
            let rc = unsafe { sys::lmkv_daemon_store_symbols(self.d(), s.as_ptr(), s.len()) };
            Self::check(rc, F)
        })
    }

    /// The stored symbol of `symbol_uid` (`None`: only edges know it, or
    /// nothing does).
    pub fn get_symbol(&self, symbol_uid: &str) -> Result<Option<SymbolState>, DatabaseError> {
        const F: &str = "lmkv_daemon_symbol_get";
        let _r = self.read_section(F);
        let mut arena = Arena::new();
        let u = arena.s(F, || "symbol_uid".into(), symbol_uid)?;
        let mut out: *mut sys::lmkv_daemon_symbol = std::ptr::null_mut();
        // SAFETY: valid out pointer and string.
        let rc = unsafe { sys::lmkv_daemon_symbol_get(&mut out, self.d(), u) };
        if rc == sys::LMKV_NOTFOUND {
            return Ok(None);
        }
        Self::check(rc, F)?;
        let a = CArray { ptr: out, len: 1 };
        // SAFETY: one symbol, alive while `a`.
        Ok(Some(unsafe { symbol_of(&a.as_slice()[0]) }))
    }

    /// lmkv's 64-bit id of `symbol_uid` (1, 2, ... in the order uids were
    /// first stored, as a symbol or an edge end; "none" is 0), stable across
    /// re-index and reopen. `None` for a uid never stored.
    pub fn symbol_id(&self, symbol_uid: &str) -> Result<Option<u64>, DatabaseError> {
        const F: &str = "lmkv_daemon_symbol_id";
        let mut arena = Arena::new();
        let u = arena.s(F, || "symbol_uid".into(), symbol_uid)?;
        let mut id = 0u64;
        // SAFETY: valid out pointer and string.
        let rc = unsafe { sys::lmkv_daemon_symbol_id(&mut id, self.d(), u) };
        if rc == sys::LMKV_NOTFOUND {
            return Ok(None);
        }
        Self::check(rc, F)?;
        Ok(Some(id))
    }

    /// The symbol_uid of lmkv id `symbol_id` (0: "none"); `None` for an id
    /// never given.
    pub fn symbol_uid(&self, symbol_id: u64) -> Result<Option<String>, DatabaseError> {
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: valid out pointer.
        let rc = unsafe { sys::lmkv_daemon_symbol_uid(&mut out, self.d(), symbol_id) };
        if rc == sys::LMKV_NOTFOUND {
            return Ok(None);
        }
        Self::check(rc, "lmkv_daemon_symbol_uid")?;
        let a = CArray { ptr: out, len: 1 };
        // SAFETY: a NUL-terminated copy, alive while `a`.
        Ok(unsafe { own(a.ptr) })
    }

    /// The edges of one symbol, markers included (`lmkv_daemon_edges_of`):
    /// `relation` `None` = every relation; `Outgoing` those whose source it
    /// is, `Incoming` those whose target it is, `Both` the outgoing then the
    /// incoming. Order: relation, then the other end's lmkv id, then language.
    pub fn edges_of(
        &self,
        symbol_uid: &str,
        relation: Option<EdgeRelation>,
        direction: CallDirection,
    ) -> Result<Vec<Edge>, DatabaseError> {
        const F: &str = "lmkv_daemon_edges_of";
        let _r = self.read_section(F);
        let mut arena = Arena::new();
        let u = arena.s(F, || "symbol_uid".into(), symbol_uid)?;
        let mut a = CArray::<sys::lmkv_daemon_edge>::new();
        // SAFETY: valid out pointers and string.
        let rc = unsafe {
            sys::lmkv_daemon_edges_of(
                &mut a.ptr,
                &mut a.len,
                self.d(),
                u,
                relation.map_or(0, relation_code),
                direction_code(direction),
            )
        };
        Self::check(rc, F)?;
        // SAFETY: edges of the result, alive while `a`.
        a.as_slice().iter().map(|e| unsafe { edge_of(e) }).collect()
    }

    /// Records the analysis status of a file linked to the workspace by run
    /// `run_id` (the daemon's `file_analysis`), which
    /// `get_analysis_progress` counts. Errors: `OperationFailed` (lmkv
    /// NOTFOUND) when the file is not linked to the workspace or the run
    /// does not exist.
    pub fn set_file_analysis(
        &self,
        workspace_id: i64,
        file_id: i64,
        run_id: i64,
        status: FileAnalysisStatus,
    ) -> Result<(), DatabaseError> {
        let st = match status {
            FileAnalysisStatus::Pending => sys::LMKV_DAEMON_FILE_PENDING,
            FileAnalysisStatus::Completed => sys::LMKV_DAEMON_FILE_COMPLETED,
            FileAnalysisStatus::Failed => sys::LMKV_DAEMON_FILE_FAILED,
        } as c_int;
        // SAFETY: plain values.
        let rc = unsafe { sys::lmkv_daemon_file_analysis_set(self.d(), workspace_id, file_id, run_id, st) };
        Self::check(rc, "lmkv_daemon_file_analysis_set")
    }

    /// The indexer queue, highest priority first, then queueing order (the
    /// daemon's `ORDER BY priority DESC, created_at`).
    pub fn queued_files(&self) -> Result<Vec<QueueItem>, DatabaseError> {
        let mut a = CArray::<sys::lmkv_daemon_queue_item>::new();
        // SAFETY: valid out pointers.
        let rc = unsafe { sys::lmkv_daemon_queue_list(&mut a.ptr, &mut a.len, self.d()) };
        Self::check(rc, "lmkv_daemon_queue_list")?;
        Ok(a.as_slice()
            .iter()
            .map(|q| QueueItem {
                queue_id: q.queue_id,
                file_id: q.file_id,
                // SAFETY: strings of the result, alive while `a`.
                language: unsafe { own_or_empty(q.language) },
                operation: unsafe { own_or_empty(q.operation) },
                status: unsafe { own_or_empty(q.status) },
                priority: q.priority,
            })
            .collect())
    }

    // ------------- SQLiteBackend's inherent methods the daemon calls

    /// `SQLiteBackend::file_path_for_uid`: the stored file path of the
    /// symbol, `None` when there is none (or it is empty) or on any error.
    pub async fn file_path_for_uid(&self, symbol_uid: &str) -> Option<String> {
        self.get_symbol(symbol_uid).ok().flatten().map(|s| s.file_path).filter(|p| !p.is_empty())
    }

    /// `SQLiteBackend::find_symbols_pending_enrichment_internal` (the
    /// daemon's indexer calls it directly): the trait's
    /// `find_symbols_pending_enrichment`. Its three queries' candidates and
    /// needs (`lmkv_daemon_pending_enrichment`: kind function, method,
    /// class, struct, enum, interface or trait, a file path neither blank
    /// nor under `/dep/`; references and implementations at the source end
    /// only, calls at either end), sorted as the daemon sorts the merged
    /// plans -- function/method first, then the type kinds, then by name,
    /// then file path (stable: ties in lmkv id order) -- and the first
    /// `limit` kept. The daemon first samples `3 * limit` candidates per
    /// need `ORDER BY RANDOM()`; with no more candidates than that per need
    /// its answer is this one, with more it is a random subset, where this
    /// is the deterministic one. `limit` 0: none.
    pub async fn find_symbols_pending_enrichment_internal(
        &self,
        limit: usize,
    ) -> Result<Vec<SymbolEnrichmentPlan>, DatabaseError> {
        self.pending_enrichment_sorted(limit)
    }

    /// `SQLiteBackend::get_pending_enrichment_counts`: over the daemon's
    /// candidates (kind function, method, class, struct, enum, interface or
    /// trait; a file path neither blank nor under `/dep/`), how many still
    /// need references, implementations, the call hierarchy, any of them
    /// (`symbols_pending`), and those by priority (function/method high,
    /// the type kinds medium). "Needs" as `find_symbols_pending_enrichment`
    /// (references and implementations at the source end only, calls at
    /// either end; markers count as answers).
    pub async fn get_pending_enrichment_counts(&self) -> Result<PendingEnrichmentCounts, DatabaseError> {
        let mut c = PendingEnrichmentCounts::default();
        for p in self.pending_enrichment_sync(usize::MAX)? {
            let s = &p.symbol;
            let high = matches!(s.kind.as_str(), "function" | "method");
            let medium = matches!(s.kind.as_str(), "class" | "struct" | "enum" | "interface" | "trait");
            if !(high || medium) || s.file_path.trim().is_empty() || s.file_path.starts_with("/dep/") {
                continue;
            }
            c.references_pending += p.needs_references as u64;
            c.implementations_pending += p.needs_implementations as u64;
            c.call_hierarchy_pending += p.needs_call_hierarchy as u64;
            c.symbols_pending += 1;
            if high {
                c.high_priority_pending += 1;
            } else {
                c.medium_priority_pending += 1;
            }
        }
        Ok(c)
    }

    /// `SQLiteBackend::find_symbols_pending_enrichment_fallback` (the
    /// enrichment worker's second try): the plans of the daemon's
    /// candidates (as [`LmkvGraphBackend::get_pending_enrichment_counts`]:
    /// kind function, method, class, struct, enum, interface or trait; a
    /// file path neither blank nor under `/dep/`) that need at least one
    /// operation, the first `limit` in lmkv id order (the daemon scans its
    /// candidates in table order and stops at `limit`), then sorted as the
    /// daemon's fallback sorts them: function/method first, then the type
    /// kinds, then by name (stable: no file path key, unlike the internal
    /// query's sort). `limit` 0: none.
    pub async fn find_symbols_pending_enrichment_fallback(
        &self,
        limit: usize,
    ) -> Result<Vec<SymbolEnrichmentPlan>, DatabaseError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut plans: Vec<SymbolEnrichmentPlan> = self
            .pending_enrichment_sync(usize::MAX)?
            .into_iter()
            .filter(|p| enrichment_priority(&p.symbol).is_some())
            .take(limit)
            .collect();
        plans.sort_by(|a, b| {
            enrichment_priority(&a.symbol)
                .cmp(&enrichment_priority(&b.symbol))
                .then_with(|| a.symbol.name.cmp(&b.symbol.name))
        });
        Ok(plans)
    }

    /// `SQLiteBackend::delete_none_edges_for_symbol` (the daemon's
    /// cache-clear command): deletes the "analysed, nothing found" marker
    /// edges of `symbol_uid` (to "none" and from "none", as
    /// `lmkv_daemon_delete_none_edges`), so the next request asks the
    /// language server again, and answers how many went. `methods` as the
    /// daemon takes them, case-insensitive: "CallHierarchy" / "calls" /
    /// "call_hierarchy" -> `Calls`, "References" / "refs" -> `References`,
    /// "Implementations" / "impls" / "implementation" -> `Implementation`;
    /// other names are ignored; `None`, or no name it knows, deletes the
    /// markers of every relation (the daemon's query then has no relation
    /// filter). Real edges and symbols are kept. One write transaction.
    pub async fn delete_none_edges_for_symbol(
        &self,
        symbol_uid: &str,
        methods: Option<&[String]>,
    ) -> Result<u64, DatabaseError> {
        const F: &str = "lmkv_daemon_delete_none_edges";
        let mut rels: Vec<c_int> = Vec::new();
        for m in methods.unwrap_or(&[]) {
            let r = match m.to_lowercase().as_str() {
                "callhierarchy" | "calls" | "call_hierarchy" => EdgeRelation::Calls,
                "references" | "refs" => EdgeRelation::References,
                "implementations" | "impls" | "implementation" => EdgeRelation::Implementation,
                _ => continue,
            };
            let c = relation_code(r);
            if !rels.contains(&c) {
                rels.push(c);
            }
        }
        let mut arena = Arena::new();
        let u = arena.s(F, || "symbol_uid".into(), symbol_uid)?;
        let mut deleted = 0u64;
        // SAFETY: valid out pointer, string and array alive for the call.
        let rc = unsafe { sys::lmkv_daemon_delete_none_edges(&mut deleted, self.d(), u, rels.as_ptr(), rels.len()) };
        Self::check(rc, F)?;
        Ok(deleted)
    }

    /// `SQLiteBackend::is_writer_busy` (the indexer skips its heavy
    /// pending-enrichment counts while it is true): a symbol/edge write of
    /// this backend (`store_symbols`, `store_edges`, [`LmkvGraphBackend::store`])
    /// is under way, in any thread.
    pub fn is_writer_busy(&self) -> bool {
        self.act.writers.load(Ordering::SeqCst) > 0
    }

    /// `SQLiteBackend::writer_status_snapshot` (the indexer's status): the
    /// symbol/edge writes under way and the last finished ones, as
    /// [`WriterStatusSnapshot`] describes.
    pub async fn writer_status_snapshot(&self) -> WriterStatusSnapshot {
        let log = locked(&self.act.log);
        let oldest = log.active.iter().min_by_key(|a| a.0);
        WriterStatusSnapshot {
            busy: self.is_writer_busy(),
            active_ms: oldest.map(|a| a.4.elapsed().as_millis()),
            active_symbols: oldest.map(|a| a.2),
            active_edges: oldest.map(|a| a.3),
            recent: log.history.iter().rev().take(5).cloned().collect(),
            gate_owner_op: oldest.map(|a| a.1.to_string()),
            gate_owner_ms: oldest.map(|a| a.4.elapsed().as_millis()),
            section_label: None,
            section_ms: None,
        }
    }

    /// `SQLiteBackend::reader_status_snapshot` (the indexer's status): the
    /// graph reads under way and the last one begun.
    pub async fn reader_status_snapshot(&self) -> ReaderStatusSnapshot {
        let last = *locked(&self.act.last_reader);
        ReaderStatusSnapshot {
            active: self.act.readers.load(Ordering::SeqCst),
            last_label: last.map(|l| l.0.to_string()),
            last_ms: last.map(|l| l.1.elapsed().as_millis()),
        }
    }

    // ------------------------------------------------- trait bodies

    fn create_workspace_sync(&self, name: &str, project_id: i64, branch: Option<&str>) -> Result<i64, DatabaseError> {
        const F: &str = "lmkv_daemon_workspace_create";
        let mut arena = Arena::new();
        let n = arena.s(F, || "name".into(), name)?;
        let b = arena.opt(F, || "branch_hint".into(), branch)?;
        let mut id = 0i64;
        // SAFETY: valid out pointer and strings.
        let rc = unsafe { sys::lmkv_daemon_workspace_create(&mut id, self.d(), n, project_id, b) };
        Self::check(rc, F)?;
        Ok(id)
    }

    fn get_workspace_sync(&self, workspace_id: i64) -> Result<Option<Workspace>, DatabaseError> {
        let mut out: *mut sys::lmkv_daemon_workspace = std::ptr::null_mut();
        // SAFETY: valid out pointer.
        let rc = unsafe { sys::lmkv_daemon_workspace_get(&mut out, self.d(), workspace_id) };
        if rc == sys::LMKV_NOTFOUND {
            return Ok(None);
        }
        Self::check(rc, "lmkv_daemon_workspace_get")?;
        let a = CArray { ptr: out, len: 1 };
        // SAFETY: one workspace, alive while `a`.
        Ok(Some(unsafe { workspace_of(&a.as_slice()[0]) }))
    }

    fn list_workspaces_sync(&self, project_id: Option<i64>) -> Result<Vec<Workspace>, DatabaseError> {
        let mut a = CArray::<sys::lmkv_daemon_workspace>::new();
        // SAFETY: valid out pointers.
        let rc = unsafe {
            sys::lmkv_daemon_workspace_list(
                &mut a.ptr,
                &mut a.len,
                self.d(),
                project_id.is_some() as c_int,
                project_id.unwrap_or(0),
            )
        };
        Self::check(rc, "lmkv_daemon_workspace_list")?;
        // SAFETY: workspaces of the result, alive while `a`.
        Ok(a.as_slice().iter().map(|w| unsafe { workspace_of(w) }).collect())
    }

    fn update_workspace_branch_sync(&self, workspace_id: i64, branch: &str) -> Result<(), DatabaseError> {
        const F: &str = "lmkv_daemon_workspace_update_branch";
        let mut arena = Arena::new();
        let b = arena.s(F, || "branch".into(), branch)?;
        // SAFETY: valid string.
        let rc = unsafe { sys::lmkv_daemon_workspace_update_branch(self.d(), workspace_id, b) };
        Self::check(rc, F)
    }

    fn symbols_query(
        &self,
        what: &'static str,
        call: impl FnOnce(&mut *mut sys::lmkv_daemon_symbol, &mut usize) -> c_int,
    ) -> Result<Vec<SymbolState>, DatabaseError> {
        let _r = self.read_section(what);
        let mut a = CArray::<sys::lmkv_daemon_symbol>::new();
        let rc = call(&mut a.ptr, &mut a.len);
        Self::check(rc, what)?;
        // SAFETY: symbols of the result, alive while `a`.
        Ok(a.as_slice().iter().map(|s| unsafe { symbol_of(s) }).collect())
    }

    fn symbols_by_file_sync(&self, file_path: &str, language: &str) -> Result<Vec<SymbolState>, DatabaseError> {
        const F: &str = "lmkv_daemon_symbols_by_file";
        let mut arena = Arena::new();
        let p = arena.s(F, || "file_path".into(), file_path)?;
        let l = arena.s(F, || "language".into(), language)?;
        // SAFETY: valid out pointers and strings.
        self.symbols_query(F, |o, n| unsafe { sys::lmkv_daemon_symbols_by_file(o, n, self.d(), p, l) })
    }

    fn symbols_by_name_sync(&self, name: &str) -> Result<Vec<SymbolState>, DatabaseError> {
        const F: &str = "lmkv_daemon_symbols_by_name";
        let mut arena = Arena::new();
        let n = arena.s(F, || "name".into(), name)?;
        // SAFETY: valid out pointers and string.
        self.symbols_query(F, |o, c| unsafe { sys::lmkv_daemon_symbols_by_name(o, c, self.d(), n) })
    }

    fn symbol_by_fqn_sync(&self, fqn: &str) -> Result<Option<SymbolState>, DatabaseError> {
        const F: &str = "lmkv_daemon_symbol_by_fqn";
        let mut arena = Arena::new();
        let q = arena.s(F, || "fqn".into(), fqn)?;
        // SAFETY: valid out pointers and string.
        Ok(self
            .symbols_query(F, |o, c| unsafe { sys::lmkv_daemon_symbol_by_fqn(o, c, self.d(), q) })?
            .into_iter()
            .next())
    }

    fn all_symbols_sync(&self) -> Result<Vec<SymbolState>, DatabaseError> {
        // SAFETY: valid out pointers.
        self.symbols_query("lmkv_daemon_symbols_all", |o, c| unsafe { sys::lmkv_daemon_symbols_all(o, c, self.d()) })
    }

    fn store_edges_sync(&self, edges: &[Edge]) -> Result<(), DatabaseError> {
        if edges.is_empty() {
            return Ok(());
        }
        const F: &str = "lmkv_daemon_store_edges";
        self.write_span("store_edges", 0, edges.len(), || {
            let mut arena = Arena::new();
            let e = edges_in(F, &mut arena, edges)?;
            // SAFETY: array and strings alive for the call.
            let rc = unsafe { sys::lmkv_daemon_store_edges(std::ptr::null_mut(), self.d(), e.as_ptr(), e.len()) };
            Self::check(rc, F)
        })
    }

    fn all_edges_sync(&self) -> Result<Vec<Edge>, DatabaseError> {
        let _r = self.read_section("lmkv_daemon_edges_all");
        let mut a = CArray::<sys::lmkv_daemon_edge>::new();
        // SAFETY: valid out pointers.
        let rc = unsafe { sys::lmkv_daemon_edges_all(&mut a.ptr, &mut a.len, self.d()) };
        Self::check(rc, "lmkv_daemon_edges_all")?;
        // SAFETY: edges of the result, alive while `a`.
        a.as_slice().iter().map(|e| unsafe { edge_of(e) }).collect()
    }

    fn traverse_sync(
        &self,
        start: &str,
        max_depth: u32,
        relations: &[EdgeRelation],
    ) -> Result<Vec<GraphPath>, DatabaseError> {
        let _r = self.read_section("lmkv_daemon_traverse");
        const F: &str = "lmkv_daemon_traverse";
        if relations.is_empty() || max_depth == 0 {
            return Ok(Vec::new());
        }
        let mut arena = Arena::new();
        let s = arena.s(F, || "start_symbol".into(), start)?;
        let rels: Vec<c_int> = relations.iter().map(|r| relation_code(*r)).collect();
        let mut a = CArray::<sys::lmkv_daemon_path>::new();
        // No limit, as the daemon's (SIZE_MAX: every layer is expanded).
        // SAFETY: valid out pointers, string and array.
        let rc = unsafe {
            sys::lmkv_daemon_traverse(
                &mut a.ptr,
                &mut a.len,
                self.d(),
                s,
                max_depth,
                rels.as_ptr(),
                rels.len(),
                usize::MAX,
            )
        };
        Self::check(rc, F)?;
        a.as_slice()
            .iter()
            .map(|p| {
                // SAFETY: strings of the result, alive while `a`.
                let uid = unsafe { own_or_empty(p.symbol_uid) };
                Ok(GraphPath {
                    path: vec![start.to_string(), uid.clone()],
                    symbol_uid: uid,
                    depth: p.depth,
                    relation_chain: vec![relation_of(p.relation)?],
                })
            })
            .collect()
    }

    fn create_analysis_run_sync(
        &self,
        name: &str,
        version: &str,
        language: &str,
        config: &str,
    ) -> Result<i64, DatabaseError> {
        const F: &str = "lmkv_daemon_analysis_run_create";
        let mut arena = Arena::new();
        let n = arena.s(F, || "analyzer_name".into(), name)?;
        let v = arena.s(F, || "analyzer_version".into(), version)?;
        let l = arena.s(F, || "language".into(), language)?;
        let c = arena.s(F, || "config".into(), config)?;
        let mut id = 0i64;
        // SAFETY: valid out pointer and strings.
        let rc = unsafe { sys::lmkv_daemon_analysis_run_create(&mut id, self.d(), n, v, l, c) };
        Self::check(rc, F)?;
        Ok(id)
    }

    fn analysis_progress_sync(&self, workspace_id: i64) -> Result<AnalysisProgress, DatabaseError> {
        let mut p = sys::lmkv_daemon_progress {
            workspace_id: 0,
            total_files: 0,
            analyzed_files: 0,
            failed_files: 0,
            pending_files: 0,
            completion_percentage: 0.0,
        };
        // SAFETY: valid out pointer.
        let rc = unsafe { sys::lmkv_daemon_analysis_progress(&mut p, self.d(), workspace_id) };
        Self::check(rc, "lmkv_daemon_analysis_progress")?;
        Ok(AnalysisProgress {
            workspace_id: p.workspace_id,
            total_files: p.total_files,
            analyzed_files: p.analyzed_files,
            failed_files: p.failed_files,
            pending_files: p.pending_files,
            completion_percentage: p.completion_percentage,
        })
    }

    fn queue_file_sync(&self, file_id: i64, language: &str, priority: i32) -> Result<(), DatabaseError> {
        const F: &str = "lmkv_daemon_queue_file";
        let mut arena = Arena::new();
        let l = arena.s(F, || "language".into(), language)?;
        // SAFETY: valid string.
        let rc = unsafe { sys::lmkv_daemon_queue_file(self.d(), file_id, l, priority) };
        Self::check(rc, F)
    }

    /// get_call_hierarchy_for_symbol (see the trait method's docs).
    fn call_hierarchy_sync(&self, symbol_uid: &str) -> Result<Option<CallHierarchyResult>, DatabaseError> {
        let _r = self.read_section("lmkv_daemon_call_hierarchy");
        let incoming = self.edges_of(symbol_uid, Some(EdgeRelation::Calls), CallDirection::Incoming)?;
        let outgoing = self.edges_of(symbol_uid, Some(EdgeRelation::Calls), CallDirection::Outgoing)?;
        if incoming.is_empty() && outgoing.is_empty() {
            return Ok(None); // never asked: the daemon asks the server
        }
        let center = self.get_symbol(symbol_uid)?.unwrap_or_else(|| placeholder_symbol(symbol_uid));
        let real = |edges: Vec<Edge>| match EdgeInterpretation::of(edges) {
            EdgeInterpretation::HasData(e) => e,
            _ => Vec::new(),
        };
        // The daemon's edge_to_call: the other end as the item (skipped
        // when not stored), the call site as the one range, else the
        // caller's (the edge's source's) definition range.
        let site = |e: &Edge, caller: &SymbolState| match (e.start_line, e.start_char) {
            (Some(l), Some(c)) => {
                let p = Position { line: l, character: c };
                Range { start: p, end: p }
            }
            _ => def_range(caller),
        };
        let mut calls_in = Vec::new();
        for e in real(incoming) {
            if let Some(caller) = self.get_symbol(&e.source_symbol_uid)? {
                calls_in.push(CallHierarchyCall {
                    from: call_hierarchy_item(&caller),
                    from_ranges: vec![site(&e, &caller)],
                });
            }
        }
        let mut calls_out = Vec::new();
        for e in real(outgoing) {
            if let Some(callee) = self.get_symbol(&e.target_symbol_uid)? {
                calls_out.push(CallHierarchyCall {
                    from: call_hierarchy_item(&callee),
                    from_ranges: vec![site(&e, &center)],
                });
            }
        }
        Ok(Some(CallHierarchyResult { item: call_hierarchy_item(&center), incoming: calls_in, outgoing: calls_out }))
    }

    fn locations(
        &self,
        what: &'static str,
        symbol_uid: &str,
        call: impl FnOnce(&mut *mut sys::lmkv_daemon_location, &mut usize, *const c_char) -> c_int,
    ) -> Result<Vec<Location>, DatabaseError> {
        let _r = self.read_section(what);
        let mut arena = Arena::new();
        let u = arena.s(what, || "symbol_uid".into(), symbol_uid)?;
        let mut a = CArray::<sys::lmkv_daemon_location>::new();
        let rc = call(&mut a.ptr, &mut a.len, u);
        Self::check(rc, what)?;
        Ok(a.as_slice()
            .iter()
            .map(|l| Location {
                // SAFETY: strings of the result, alive while `a`.
                uri: path_to_uri(&unsafe { own_or_empty(l.uri) }),
                range: Range {
                    start: Position { line: l.start_line, character: l.start_char },
                    end: Position { line: l.end_line, character: l.end_char },
                },
            })
            .collect())
    }

    /// find_symbols_pending_enrichment_internal's answer (its doc).
    fn pending_enrichment_sorted(&self, limit: usize) -> Result<Vec<SymbolEnrichmentPlan>, DatabaseError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut plans = self.pending_enrichment_sync(usize::MAX)?;
        plans.sort_by(|a, b| {
            enrichment_priority(&a.symbol)
                .cmp(&enrichment_priority(&b.symbol))
                .then_with(|| a.symbol.name.cmp(&b.symbol.name))
                .then_with(|| a.symbol.file_path.cmp(&b.symbol.file_path))
        });
        plans.truncate(limit);
        Ok(plans)
    }

    fn pending_enrichment_sync(&self, limit: usize) -> Result<Vec<SymbolEnrichmentPlan>, DatabaseError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let _r = self.read_section("lmkv_daemon_pending_enrichment");
        let mut a = CArray::<sys::lmkv_daemon_enrichment>::new();
        // SAFETY: valid out pointers.
        let rc = unsafe { sys::lmkv_daemon_pending_enrichment(&mut a.ptr, &mut a.len, self.d(), limit) };
        Self::check(rc, "lmkv_daemon_pending_enrichment")?;
        Ok(a.as_slice()
            .iter()
            .map(|p| SymbolEnrichmentPlan {
                // SAFETY: symbols of the result, alive while `a`.
                symbol: unsafe { symbol_of(&p.symbol) },
                needs_references: p.needs_references != 0,
                needs_implementations: p.needs_implementations != 0,
                needs_call_hierarchy: p.needs_call_hierarchy != 0,
            })
            .collect())
    }
}

// The key-value half: LmkvBackend's, on the same database.
impl DatabaseBackend for LmkvGraphBackend {
    type Tree = LmkvTree;

    /// As [`LmkvBackend`]'s `new`, plus the graph storage.
    fn new<'async_trait>(config: DatabaseConfig) -> BoxFuture<'async_trait, Result<Self, DatabaseError>>
    where
        Self: Sized + 'async_trait,
    {
        Box::pin(async move { LmkvGraphBackend::open(config) })
    }

    fn get<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Option<Vec<u8>>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.get(key)
    }

    fn set<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
        value: &'life2 [u8],
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.set(key, value)
    }

    fn remove<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<bool, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.remove(key)
    }

    fn scan_prefix<'life0, 'life1, 'async_trait>(
        &'life0 self,
        prefix: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.scan_prefix(prefix)
    }

    fn open_tree<'life0, 'life1, 'async_trait>(
        &'life0 self,
        name: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Arc<LmkvTree>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.open_tree(name)
    }

    /// The key-value trees (the graph's system trees are not listed).
    fn tree_names<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<Vec<String>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.tree_names()
    }

    /// Empties the key-value trees; the graph is kept (as `SQLiteBackend`'s
    /// `clear`, which empties its kv_store table only).
    fn clear<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.clear()
    }

    fn flush<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.flush()
    }

    fn stats<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<DatabaseStats, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.stats()
    }

    fn size_on_disk<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<u64, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.kv.size_on_disk()
    }

    fn is_temporary(&self) -> bool {
        self.kv.is_temporary()
    }
}

impl GraphBackend for LmkvGraphBackend {
    /// A new workspace (1, 2, ... in creation order; the daemon's SQLite
    /// backend keeps one and answers 1). Errors: `OperationFailed` for an
    /// empty name.
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
        Self: 'async_trait,
    {
        Box::pin(async move { self.create_workspace_sync(name, project_id, branch_hint) })
    }

    fn get_workspace<'life0, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
    ) -> BoxFuture<'async_trait, Result<Option<Workspace>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.get_workspace_sync(workspace_id) })
    }

    fn list_workspaces<'life0, 'async_trait>(
        &'life0 self,
        project_id: Option<i64>,
    ) -> BoxFuture<'async_trait, Result<Vec<Workspace>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.list_workspaces_sync(project_id) })
    }

    /// Errors: `OperationFailed` (lmkv NOTFOUND) for a workspace that does
    /// not exist (the daemon's UPDATE silently changes nothing).
    fn update_workspace_branch<'life0, 'life1, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        branch: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.update_workspace_branch_sync(workspace_id, branch) })
    }

    /// Links the file (kept, unlike the daemon's no-op): counted by
    /// `get_analysis_progress`. Errors: `OperationFailed` for an unknown
    /// workspace.
    fn link_file_to_workspace<'life0, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
        file_id: i64,
        file_version_id: i64,
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            // SAFETY: plain values.
            let rc = unsafe { sys::lmkv_daemon_link_file(self.d(), workspace_id, file_id, file_version_id) };
            Self::check(rc, "lmkv_daemon_link_file")
        })
    }

    /// One write transaction, durable when it returns (the daemon's queues
    /// the write and answers before it is done). Errors: `OperationFailed`
    /// naming the index for an empty or "none" uid, or a NUL in a string;
    /// nothing is written then.
    fn store_symbols<'life0, 'life1, 'async_trait>(
        &'life0 self,
        symbols: &'life1 [SymbolState],
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.store_symbols_sync(symbols) })
    }

    /// In lmkv id order (the order uids were first stored).
    fn get_symbols_by_file<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        file_path: &'life1 str,
        language: &'life2 str,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.symbols_by_file_sync(file_path, language) })
    }

    fn find_symbol_by_name<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        name: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.symbols_by_name_sync(name) })
    }

    /// The one with the lowest lmkv id when several share the name.
    fn find_symbol_by_fqn<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        fqn: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Option<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.symbol_by_fqn_sync(fqn) })
    }

    /// One write transaction, durable when it returns. Errors:
    /// `OperationFailed` naming the index (an empty uid, a confidence
    /// outside 0..=1 or NaN, a NUL in a string); nothing written then.
    fn store_edges<'life0, 'life1, 'async_trait>(
        &'life0 self,
        edges: &'life1 [Edge],
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.store_edges_sync(edges) })
    }

    /// Markers included; `file_path` as stored (the daemon's answers `None`).
    fn get_symbol_references<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<Edge>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.edges_of(symbol_uid, Some(EdgeRelation::References), CallDirection::Outgoing) })
    }

    /// Markers included; `file_path` as stored (the daemon's answers `None`).
    fn get_symbol_calls<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        symbol_uid: &'life1 str,
        direction: CallDirection,
    ) -> BoxFuture<'async_trait, Result<Vec<Edge>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.edges_of(symbol_uid, Some(EdgeRelation::Calls), direction) })
    }

    /// As the daemon's (no visited set, no limit), except that marker
    /// edges are not followed (the daemon's would answer a path to "none").
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
        Self: 'async_trait,
    {
        Box::pin(async move { self.traverse_sync(start_symbol, max_depth, relations) })
    }

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
        Self: 'async_trait,
    {
        Box::pin(async move { self.create_analysis_run_sync(analyzer_name, analyzer_version, language, config) })
    }

    /// Over the files linked to the workspace and their status
    /// ([`LmkvGraphBackend::set_file_analysis`]); an unknown workspace is
    /// all zeros.
    fn get_analysis_progress<'life0, 'async_trait>(
        &'life0 self,
        workspace_id: i64,
    ) -> BoxFuture<'async_trait, Result<AnalysisProgress, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.analysis_progress_sync(workspace_id) })
    }

    fn queue_file_analysis<'life0, 'life1, 'async_trait>(
        &'life0 self,
        file_id: i64,
        language: &'life1 str,
        priority: i32,
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.queue_file_sync(file_id, language, priority) })
    }

    /// Every stored symbol, by lmkv id (the daemon's answers an empty list).
    fn get_all_symbols<'life0, 'async_trait>(
        &'life0 self,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolState>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.all_symbols_sync() })
    }

    /// Every stored edge, markers included, by source id, relation, target
    /// id, language (the daemon's answers an empty list).
    fn get_all_edges<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<Vec<Edge>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.all_edges_sync() })
    }

    /// `None` when the symbol has no `Calls` edge at either end, not even a
    /// marker (never asked). Otherwise the item is the stored symbol (or,
    /// as the daemon's, one made from the uid, not stored), `kind` the
    /// LSP name ([`symbol_kind_to_lsp_kind`]) and `uri` [`path_to_uri`] of
    /// its path; `incoming` one call per caller edge (the caller as
    /// `from`), `outgoing` one per callee edge (the callee as `from`; the
    /// daemon's puts the edge's source, the symbol itself, there), ends
    /// without a stored symbol and markers left out; `from_ranges` the
    /// call site, or the caller's definition range when the edge has none.
    /// The daemon answers `None` unless BOTH directions have an edge;
    /// lmkv's "either end" lets its one-edge empty marker and servers
    /// without outgoingCalls (clangd 14) answer from storage.
    fn get_call_hierarchy_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Option<CallHierarchyResult>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.call_hierarchy_sync(symbol_uid) })
    }

    /// `lmkv_daemon_references`: the `References` edges with the uid at
    /// either end, as the daemon's, as locations at the edge's site (start
    /// = end), `uri` [`path_to_uri`] of the edge's file (else the source
    /// symbol's); markers and edges without a site line left out (the
    /// daemon's puts them at line 0 of "unknown_file"); with
    /// `include_declaration` the symbol's own definition range first (the
    /// daemon ignores the flag).
    fn get_references_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        symbol_uid: &'life1 str,
        include_declaration: bool,
    ) -> BoxFuture<'async_trait, Result<Vec<Location>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.locations("lmkv_daemon_references", symbol_uid, |o, n, u| {
                // SAFETY: valid out pointers and string.
                unsafe { sys::lmkv_daemon_references(o, n, self.d(), u, include_declaration as c_int) }
            })
        })
    }

    /// `lmkv_daemon_definitions`: the `Definition` edges whose target is
    /// the uid, located as in `get_references_for_symbol`.
    fn get_definitions_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<Location>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.locations("lmkv_daemon_definitions", symbol_uid, |o, n, u| {
                // SAFETY: valid out pointers and string.
                unsafe { sys::lmkv_daemon_definitions(o, n, self.d(), u) }
            })
        })
    }

    /// `lmkv_daemon_implementations`: the `Implementation` and `Implements`
    /// edges whose target is the uid, located as in
    /// `get_references_for_symbol`.
    fn get_implementations_for_symbol<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _workspace_id: i64,
        symbol_uid: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Vec<Location>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.locations("lmkv_daemon_implementations", symbol_uid, |o, n, u| {
                // SAFETY: valid out pointers and string.
                unsafe { sys::lmkv_daemon_implementations(o, n, self.d(), u) }
            })
        })
    }

    /// Up to `limit` stored symbols by lmkv id with at least one need: no
    /// edge of that relation at either end (a marker counts as asked).
    fn find_symbols_pending_enrichment<'life0, 'async_trait>(
        &'life0 self,
        limit: usize,
    ) -> BoxFuture<'async_trait, Result<Vec<SymbolEnrichmentPlan>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.pending_enrichment_sorted(limit) })
    }
}

// The daemon holds its backend in shared state, used from every runtime thread.
const _: fn() = || {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<LmkvGraphBackend>();
};
