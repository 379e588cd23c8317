//! The LSP wire types the daemon's graph queries answer with
//! (`lsp-daemon/src/protocol.rs` at probelabs/probe HEAD 53499384:
//! `CallHierarchyResult`, `CallHierarchyItem`, `CallHierarchyCall`,
//! `Location`, `Range`, `Position`), as plain std-only structs with the
//! daemon's field names and types. The daemon derives serde's `Serialize` /
//! `Deserialize` (a std-only crate cannot); these add `PartialEq`/`Eq` so
//! answers can be compared.
//!
//! Positions are LSP's: zero-based lines, and `character` in UTF-16 code
//! units from the start of the line (LSP 3.17's default
//! `positionEncoding`), exactly as the language server sent them.

/// A position in a text document: zero-based `line`, and `character` in
/// UTF-16 code units (LSP `Position`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Position {
    /// Zero-based line.
    pub line: u32,
    /// Zero-based UTF-16 code unit offset in the line.
    pub character: u32,
}

/// A range `[start, end)` in a text document (LSP `Range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Range {
    /// First position of the range.
    pub start: Position,
    /// Position just after the range.
    pub end: Position,
}

/// A range in a document named by URI (LSP `Location`; the daemon's `uri`
/// is a `file://` URI or, for answers read back from its database, the
/// stored file path).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// The document.
    pub uri: String,
    /// The range in it.
    pub range: Range,
}

/// An item of a call hierarchy (the daemon's reduction of LSP
/// `CallHierarchyItem`: `kind` is a name such as "function", not the LSP
/// number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CallHierarchyItem {
    /// The symbol's name.
    pub name: String,
    /// The symbol's kind as the daemon names it ("function", "method", ...).
    pub kind: String,
    /// The document holding the symbol.
    pub uri: String,
    /// The symbol's whole range (its definition).
    pub range: Range,
    /// The range to select for it (its name).
    pub selection_range: Range,
}

/// One caller (incoming) or callee (outgoing) with the call sites (LSP
/// `CallHierarchyIncomingCall` / `OutgoingCall`, as the daemon merges them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CallHierarchyCall {
    /// The caller (incoming) or callee (outgoing).
    pub from: CallHierarchyItem,
    /// The call sites: in the caller's document for incoming calls, in the
    /// item's document for outgoing calls (as LSP).
    pub from_ranges: Vec<Range>,
}

/// A symbol's call hierarchy in both directions (the daemon's
/// `CallHierarchyResult`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CallHierarchyResult {
    /// The symbol itself.
    pub item: CallHierarchyItem,
    /// Its callers.
    pub incoming: Vec<CallHierarchyCall>,
    /// Its callees.
    pub outgoing: Vec<CallHierarchyCall>,
}
