//! Typed records of schema/lmkv_schema.h (Symbol, Reference, Call,
//! Hierarchy, FileVersion, Workspace, CacheEntry, CacheStats).
//!
//! * Zero-copy views (`Symbol<'t>`, `Call<'t>`, ...): the C reader's struct,
//!   whose strings point into the database map. `'t` is the borrow of the
//!   read transaction (or of the graph handle / session) they were read in,
//!   so the compiler rejects a use after that transaction ends, is renewed,
//!   or (in a write session) writes again -- exactly the lifetime the C
//!   header gives them. Accessors return `&'t str` without copying.
//! * Owned rows (`SymbolRow`, `CallRow`, `ReferenceRow`): `to_row()` copies
//!   a view, for answers kept beyond the transaction.
//! * Inputs (`NewSymbol`, `NewCall`, ...): what a store session writes.

use crate::ffi::{opt_str, str_or_empty};
use lmkv_sys as sys;
use std::marker::PhantomData;

macro_rules! str_fields {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        pub fn $name(&self) -> Option<&'t str> {
            // SAFETY: the C reader set the field to NULL or to a string in
            // the txn's snapshot, which lives for 't.
            unsafe { opt_str(self.raw.$name) }
        }
    )*};
}
macro_rules! num_fields {
    ($($(#[$m:meta])* $name:ident : $t:ty),* $(,)?) => {$(
        $(#[$m])*
        pub fn $name(&self) -> $t {
            self.raw.$name as $t
        }
    )*};
}
macro_rules! view {
    ($(#[$m:meta])* $name:ident, $raw:ty) => {
        $(#[$m])*
        #[derive(Clone, Copy)]
        pub struct $name<'t> {
            pub(crate) raw: $raw,
            pub(crate) _t: PhantomData<&'t ()>,
        }
        impl<'t> $name<'t> {
            /// # Safety
            /// `raw` was filled by lmkv and its pointers stay valid for `'t`.
            pub(crate) unsafe fn from_raw(raw: $raw) -> Self {
                $name { raw, _t: PhantomData }
            }
            /// The C struct (its pointers are valid for `'t`).
            pub fn as_raw(&self) -> &$raw {
                &self.raw
            }
        }
        // SAFETY: a view only reads immutable bytes of an LMDB snapshot that
        // its lifetime keeps alive; the owning transaction decides on
        // threads (a view cannot outlive its borrow of it).
        unsafe impl Send for $name<'_> {}
        unsafe impl Sync for $name<'_> {}
    };
}

view!(
    /// A Symbol record (LSP DocumentSymbol terms), zero-copy.
    Symbol, sys::lmkv_symbol
);
view!(
    /// A Call record (one call site), zero-copy.
    Call, sys::lmkv_call
);
view!(
    /// A Reference record, zero-copy.
    Reference, sys::lmkv_reference
);
view!(
    /// A Hierarchy edge (parent contains/is extended/implemented by child).
    Hierarchy, sys::lmkv_hierarchy
);
view!(
    /// A FileVersion record: (workspace, path, git blob id).
    FileVersion, sys::lmkv_file_version
);
view!(
    /// A Workspace record.
    Workspace, sys::lmkv_workspace
);
view!(
    /// A CacheEntry record of the LSP cache (the response bytes zero-copy).
    CacheEntry, sys::lmkv_cache_entry
);
view!(
    /// A CacheStats row: hits and misses of (workspace, method, day).
    CacheStats, sys::lmkv_cache_stats
);

impl<'t> Symbol<'t> {
    num_fields!(id: u64, workspace_id: u64, file_version_id: u64,
        /// LSP SymbolKind (12 Function, 23 Struct, ...; 0 unknown).
        kind: u32, start_line: u32, start_column: u32, end_line: u32, end_column: u32,
        /// Containing symbol's id; 0 = top level.
        parent_id: u64, disambiguator: u32, confidence: f32, indexed_ns: i64);
    str_fields!(signature, documentation, visibility, language, parent_name);
    /// The short name ("mdb_get").
    pub fn name(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.name) }
    }
    /// The qualified name; the name when the record has none.
    pub fn qualified_name(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { opt_str(self.raw.qualified_name) }.unwrap_or_else(|| self.name())
    }
    /// The workspace-relative path of the file.
    pub fn file_path(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.file_path) }
    }
    /// The modifiers (e.g. "static"), zero-copy.
    pub fn modifiers(&self) -> Vec<&'t str> {
        let v = &self.raw.modifiers;
        // SAFETY: lmkv_strvec_get reads the vector inside the snapshot.
        (0..v.count).filter_map(|i| unsafe { opt_str(sys::lmkv_strvec_get(v, i)) }).collect()
    }
    /// The LSP SymbolKind's name ("Function").
    pub fn kind_name(&self) -> &'static str {
        // SAFETY: static string for any kind.
        unsafe { opt_str(sys::lmkv_symbol_kind_name(self.raw.kind as i32)) }.unwrap_or("")
    }
    /// An owned copy.
    pub fn to_row(&self) -> SymbolRow {
        SymbolRow {
            id: self.id(),
            file_version_id: self.file_version_id(),
            file_path: self.file_path().to_string(),
            name: self.name().to_string(),
            qualified_name: self.qualified_name().to_string(),
            kind: self.kind(),
            start_line: self.start_line(),
            start_column: self.start_column(),
            end_line: self.end_line(),
            end_column: self.end_column(),
            signature: self.signature().map(String::from),
            visibility: self.visibility().map(String::from),
            parent_id: self.parent_id(),
            parent_name: self.parent_name().map(String::from),
        }
    }
}

impl std::fmt::Debug for Symbol<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_row().fmt(f)
    }
}

impl<'t> Call<'t> {
    num_fields!(id: u64, workspace_id: u64, file_version_id: u64, caller_id: u64,
        /// 0 = unresolved (external).
        callee_id: u64, line: u32, column: u32,
        /// schema CallType: 0 Direct, 1 Virtual, 2 Callback, 3 Async.
        call_type: u32,
        /// -1 = unknown.
        argument_count: i32);
    pub fn is_recursive(&self) -> bool {
        self.raw.is_recursive != 0
    }
    pub fn file_path(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.file_path) }
    }
    pub fn caller_name(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.caller_name) }
    }
    pub fn callee_name(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.callee_name) }
    }
    pub fn to_row(&self) -> CallRow {
        CallRow {
            id: self.id(),
            file_version_id: self.file_version_id(),
            file_path: self.file_path().to_string(),
            caller_id: self.caller_id(),
            caller_name: self.caller_name().to_string(),
            callee_id: self.callee_id(),
            callee_name: self.callee_name().to_string(),
            line: self.line(),
            column: self.column(),
            call_type: self.call_type(),
            argument_count: self.argument_count(),
        }
    }
}

impl std::fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_row().fmt(f)
    }
}

impl<'t> Reference<'t> {
    num_fields!(id: u64, workspace_id: u64, file_version_id: u64,
        /// Referencing symbol; 0 = file scope.
        source_id: u64,
        /// Referenced symbol; 0 = unresolved.
        target_id: u64, start_line: u32, start_column: u32, end_line: u32, end_column: u32,
        /// schema ReferenceKind: 0 Use, 1 Import, 2 Type, 3 Call, 4 Read, 5 Write.
        kind: u32);
    str_fields!(source_name);
    pub fn is_definition(&self) -> bool {
        self.raw.is_definition != 0
    }
    pub fn is_declaration(&self) -> bool {
        self.raw.is_declaration != 0
    }
    pub fn file_path(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.file_path) }
    }
    pub fn target_name(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.target_name) }
    }
    /// The ReferenceKind's name ("call", "use", ...).
    pub fn kind_name(&self) -> &'static str {
        // SAFETY: static string for any kind.
        unsafe { opt_str(sys::lmkv_reference_kind_name(self.raw.kind as i32)) }.unwrap_or("")
    }
    pub fn to_row(&self) -> ReferenceRow {
        ReferenceRow {
            id: self.id(),
            file_version_id: self.file_version_id(),
            file_path: self.file_path().to_string(),
            source_id: self.source_id(),
            source_name: self.source_name().map(String::from),
            target_id: self.target_id(),
            target_name: self.target_name().to_string(),
            start_line: self.start_line(),
            start_column: self.start_column(),
            kind: self.kind(),
        }
    }
}

impl std::fmt::Debug for Reference<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_row().fmt(f)
    }
}

impl<'t> Hierarchy<'t> {
    num_fields!(workspace_id: u64, file_version_id: u64, parent_id: u64, child_id: u64,
        /// schema HierarchyKind: 0 Contains, 1 Extends, 2 Implements.
        kind: u32);
    pub fn parent_name(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.parent_name) }
    }
    pub fn child_name(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.child_name) }
    }
}

impl<'t> FileVersion<'t> {
    num_fields!(id: u64, workspace_id: u64,
        /// xxh3_64 of the content.
        content_hash: u64, size_bytes: u64, line_count: u32, mtime_ns: i64, indexed_ns: i64);
    str_fields!(git_blob_id, language);
    pub fn path(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.path) }
    }
}

impl<'t> Workspace<'t> {
    num_fields!(id: u64, created_ns: i64, last_indexed_ns: i64);
    str_fields!(name, current_commit, metadata);
    pub fn root_path(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.root_path) }
    }
    pub fn is_git(&self) -> bool {
        self.raw.is_git != 0
    }
}

impl<'t> CacheEntry<'t> {
    num_fields!(workspace_id: u64, file_version_id: u64,
        created_ns: i64, last_accessed_ns: i64, access_count: u64, response_time_ms: u32);
    /// The request's LSP Position.line (0-based); `None` when the entry has
    /// no position (schema `= null`, C `LMKV_POSITION_NONE`: a migrated
    /// daemon entry), which is not line 0.
    pub fn position_line(&self) -> Option<u32> {
        Some(self.raw.position_line).filter(|&v| v != sys::LMKV_POSITION_NONE)
    }
    /// The request's LSP Position.character (0-based UTF-16 units); `None`
    /// when the entry has no position, as [`Self::position_line`].
    pub fn position_character(&self) -> Option<u32> {
        Some(self.raw.position_character).filter(|&v| v != sys::LMKV_POSITION_NONE)
    }
    str_fields!(method, file_path, content_hash, request_params, response_type, symbol, legacy_key);
    /// The cached response bytes, zero-copy.
    pub fn response(&self) -> &'t [u8] {
        let r = &self.raw.response;
        if r.data.is_null() || r.len == 0 {
            &[]
        } else {
            // SAFETY: len bytes at data inside the snapshot ('t).
            unsafe { std::slice::from_raw_parts(r.data, r.len) }
        }
    }
}

impl<'t> CacheStats<'t> {
    num_fields!(workspace_id: u64,
        /// Days since 1970-01-01 UTC (0 with method "": undated totals).
        day: u32, hits: u64, misses: u64, response_time_ms_total: u64);
    /// The LSP method ("" = all methods).
    pub fn method(&self) -> &'t str {
        // SAFETY: as str_fields.
        unsafe { str_or_empty(self.raw.method) }
    }
}

/// An owned copy of a [`Symbol`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolRow {
    pub id: u64,
    pub file_version_id: u64,
    pub file_path: String,
    pub name: String,
    pub qualified_name: String,
    pub kind: u32,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub signature: Option<String>,
    pub visibility: Option<String>,
    pub parent_id: u64,
    pub parent_name: Option<String>,
}

/// An owned copy of a [`Call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub id: u64,
    pub file_version_id: u64,
    pub file_path: String,
    pub caller_id: u64,
    pub caller_name: String,
    pub callee_id: u64,
    pub callee_name: String,
    pub line: u32,
    pub column: u32,
    pub call_type: u32,
    pub argument_count: i32,
}

/// An owned copy of a [`Reference`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRow {
    pub id: u64,
    pub file_version_id: u64,
    pub file_path: String,
    pub source_id: u64,
    pub source_name: Option<String>,
    pub target_id: u64,
    pub target_name: String,
    pub start_line: u32,
    pub start_column: u32,
    pub kind: u32,
}

// ------------------------------------------------------------------ inputs

/// A Workspace to register ([`crate::Session::workspace_put`]).
#[derive(Debug, Clone, Default)]
pub struct NewWorkspace {
    /// `lmkv_workspace_id(root_path)` ([`crate::store::workspace_id`]).
    pub id: u64,
    pub root_path: String,
    pub name: Option<String>,
    pub is_git: bool,
    pub current_commit: Option<String>,
    pub created_ns: i64,
    pub last_indexed_ns: i64,
    pub metadata: Option<String>,
}

/// A FileVersion to store ([`crate::Session::put_file`]).
#[derive(Debug, Clone, Default)]
pub struct NewFileVersion {
    /// `lmkv_file_version_id(ws, path, blob id)` ([`crate::store::file_version_id`]).
    pub id: u64,
    pub workspace_id: u64,
    pub path: String,
    pub content_hash: u64,
    pub git_blob_id: Option<String>,
    pub language: Option<String>,
    pub size_bytes: u64,
    pub line_count: u32,
    pub mtime_ns: i64,
    pub indexed_ns: i64,
}

/// A Symbol to store (schema defaults for what is left out).
#[derive(Debug, Clone, Default)]
pub struct NewSymbol {
    pub id: u64,
    pub name: String,
    pub qualified_name: Option<String>,
    /// LSP SymbolKind.
    pub kind: u32,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub signature: Option<String>,
    pub parent_id: u64,
    pub parent_name: Option<String>,
}

/// A Call to store.
#[derive(Debug, Clone, Default)]
pub struct NewCall {
    pub id: u64,
    pub caller_id: u64,
    pub caller_name: String,
    pub callee_id: u64,
    pub callee_name: String,
    pub line: u32,
    pub column: u32,
    pub call_type: u32,
    /// None = unknown (stored as -1).
    pub argument_count: Option<i32>,
}

/// A Reference to store.
#[derive(Debug, Clone, Default)]
pub struct NewReference {
    pub id: u64,
    pub source_id: u64,
    pub source_name: Option<String>,
    pub target_id: u64,
    pub target_name: String,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub kind: u32,
}

/// A Hierarchy edge to store.
#[derive(Debug, Clone, Default)]
pub struct NewHierarchy {
    pub parent_id: u64,
    pub parent_name: String,
    pub child_id: u64,
    pub child_name: String,
    pub kind: u32,
}

/// The name of an LSP SymbolKind ("Function"; "" when unknown).
pub fn symbol_kind_name(kind: i32) -> &'static str {
    // SAFETY: static string for any kind.
    unsafe { opt_str(sys::lmkv_symbol_kind_name(kind)) }.unwrap_or("")
}
/// The SymbolKind to give an LSP client (lmkv_symbol_kind_lsp): `kind`
/// for LSP's 1..26, String (15) for lmkv's Macro (255; LSP has no macro
/// kind, clangd answers String), 0 otherwise (not an LSP kind).
///
/// ```
/// use lmkv::records::{symbol_kind_lsp, symbol_kind_name};
/// assert_eq!(symbol_kind_name(255), "Macro");
/// assert_eq!((symbol_kind_lsp(255), symbol_kind_lsp(12), symbol_kind_lsp(27)), (15, 12, 0));
/// ```
pub fn symbol_kind_lsp(kind: i32) -> i32 {
    // SAFETY: pure function of an integer.
    unsafe { sys::lmkv_symbol_kind_lsp(kind) }
}
/// The name of a schema ReferenceKind ("call", "use", ...).
pub fn reference_kind_name(kind: i32) -> &'static str {
    // SAFETY: static string for any kind.
    unsafe { opt_str(sys::lmkv_reference_kind_name(kind)) }.unwrap_or("")
}
/// The name of a schema HierarchyKind ("contains", ...).
pub fn hierarchy_kind_name(kind: i32) -> &'static str {
    // SAFETY: static string for any kind.
    unsafe { opt_str(sys::lmkv_hierarchy_kind_name(kind)) }.unwrap_or("")
}
