//! LSP ingest (lsp/lmkv_lsp.h): raw Language Server Protocol answers become
//! lmkv's records (Symbols with their hierarchy, Calls, References,
//! Hierarchy edges) of the answered files' content versions, each file's
//! records replaced in one store session.
//!
//! An [`Ingest`] collects one round of answers over a set of files of a
//! workspace: every file an answer may point into is first added with the
//! bytes the server saw ([`Ingest::add_file`]), then each answer is given as
//! the request's params and the response's result, verbatim JSON
//! ([`Ingest::answer`]); [`Ingest::commit`] (or [`Ingest::write`] into the
//! caller's [`Session`]) writes everything at once. The C header is the
//! specification: which record each method's answer becomes, how LSP's
//! UTF-16 columns become lmkv's byte columns, the names and ids given to
//! symbols, and every error (a refused answer -- `LMKV_EPARSE`, with the
//! method and the JSON path, or the byte offset of malformed JSON -- leaves
//! the ingest as it was).
//!
//! Thread-safety (as the header): an [`Ingest`] is used by one thread at a
//! time and may move between threads, so it is `Send` but not `Sync`;
//! [`Ingest::commit`] follows the store's session rules (a thread holding a
//! write [`Session`] uses [`Ingest::write`] with it instead).
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<lmkv::lsp::Ingest>();
//! ```

use crate::error::{check, Result};
use crate::ffi::{cstring, opt_cstring, opt_ptr};
use crate::store::{Session, Store};
use lmkv_sys as sys;
use std::ffi::CStr;
use std::marker::PhantomData;
use std::os::raw::c_void;
use std::ptr;

/// The LSP methods whose answers are ingested (lmkv_lsp_method).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// "textDocument/documentSymbol"
    DocumentSymbol,
    /// "callHierarchy/incomingCalls"
    IncomingCalls,
    /// "callHierarchy/outgoingCalls"
    OutgoingCalls,
    /// "textDocument/references"
    References,
    /// "textDocument/definition"
    Definition,
    /// "textDocument/typeDefinition"
    TypeDefinition,
    /// "textDocument/implementation"
    Implementation,
}

impl Method {
    /// Every method, in the C enum's order.
    pub const ALL: [Method; 7] = [
        Method::DocumentSymbol,
        Method::IncomingCalls,
        Method::OutgoingCalls,
        Method::References,
        Method::Definition,
        Method::TypeDefinition,
        Method::Implementation,
    ];

    fn to_c(self) -> sys::lmkv_lsp_method {
        match self {
            Method::DocumentSymbol => sys::LMKV_LSP_DOCUMENT_SYMBOL,
            Method::IncomingCalls => sys::LMKV_LSP_INCOMING_CALLS,
            Method::OutgoingCalls => sys::LMKV_LSP_OUTGOING_CALLS,
            Method::References => sys::LMKV_LSP_REFERENCES,
            Method::Definition => sys::LMKV_LSP_DEFINITION,
            Method::TypeDefinition => sys::LMKV_LSP_TYPE_DEFINITION,
            Method::Implementation => sys::LMKV_LSP_IMPLEMENTATION,
        }
    }

    /// The method of a wire name (exact, case-sensitive), or `None` for a
    /// method that is not ingested (lmkv_lsp_method_from_name).
    pub fn from_name(name: &str) -> Option<Method> {
        let c = cstring("LSP method", name).ok()?;
        let mut m: sys::lmkv_lsp_method = 0;
        // SAFETY: valid out pointer and C string.
        if unsafe { sys::lmkv_lsp_method_from_name(&mut m, c.as_ptr()) } != sys::LMKV_OK {
            return None;
        }
        Method::ALL.iter().copied().find(|x| x.to_c() == m)
    }

    /// The wire name ("textDocument/references"; lmkv_lsp_method_name).
    pub fn name(self) -> &'static str {
        // SAFETY: every value of the enum has a static NUL-terminated name.
        unsafe { CStr::from_ptr(sys::lmkv_lsp_method_name(self.to_c() as i32)) }.to_str().unwrap_or("")
    }
}

/// An LSP position (0-based line, 0-based UTF-16 column) in `text` as lmkv's
/// (1-based line, 1-based byte column), by the header's rules
/// (lmkv_lsp_position_to_byte). Errors: `LMKV_EINVAL` for a line past the
/// last one or a column inside a surrogate pair (the message says which).
pub fn position_to_byte(text: &[u8], line: u32, character: u32) -> Result<(u32, u32)> {
    let (mut l, mut c) = (0u32, 0u32);
    // SAFETY: valid out pointers; text readable for its length.
    check(unsafe {
        sys::lmkv_lsp_position_to_byte(&mut l, &mut c, text.as_ptr() as *const c_void, text.len(), line, character)
    })?;
    Ok((l, c))
}

/// What a commit wrote (lmkv_lsp_ingest_stats): answers, of them empty
/// ones, file versions, records per kind, duplicates merged, locations in
/// files that were not added (skipped).
pub type IngestStats = sys::lmkv_lsp_ingest_stats;

/// One round of LSP answers over the files of a workspace
/// (lmkv_lsp_ingest). `Send`, not `Sync`.
pub struct Ingest {
    ptr: *mut sys::lmkv_lsp_ingest,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

// SAFETY: an ingest may move between threads (used by one at a time).
unsafe impl Send for Ingest {}

impl Drop for Ingest {
    fn drop(&mut self) {
        // SAFETY: our own handle.
        unsafe { sys::lmkv_lsp_ingest_free(self.ptr) }
    }
}

impl Ingest {
    /// Begins an ingest for workspace `ws` (lmkv_workspace_id of `root`);
    /// `root` is the absolute workspace directory the answers' file:// URIs
    /// lie under. Errors: `LMKV_EINVAL` (ws 0, root not absolute), `LMKV_ENOMEM`.
    pub fn new(ws: u64, root: &str) -> Result<Ingest> {
        let r = cstring("workspace root", root)?;
        let mut out = ptr::null_mut();
        // SAFETY: valid out pointer; root copied by the callee.
        check(unsafe { sys::lmkv_lsp_ingest_new(&mut out, ws, r.as_ptr()) })?;
        Ok(Ingest { ptr: out, _not_sync: PhantomData })
    }

    /// Adds a file with the bytes the server saw (copied); answers the id
    /// of its file version (lmkv_file_version_id of its git blob id).
    /// `path`: workspace-relative, '/'-separated; `language`: "c", "cpp",
    /// "rust", "typescript"... (None: unknown). Errors: `LMKV_EINVAL` (empty
    /// or absolute path, the path added before with other bytes),
    /// `LMKV_ETOOBIG` (4 GiB and more), `LMKV_ENOMEM`.
    pub fn add_file(&mut self, path: &str, content: &[u8], language: Option<&str>) -> Result<u64> {
        let p = cstring("file path", path)?;
        let l = opt_cstring("file language", language)?;
        let mut fv = 0u64;
        // SAFETY: our own handle; strings and content readable, copied.
        check(unsafe {
            sys::lmkv_lsp_ingest_add_file(
                &mut fv,
                self.ptr,
                p.as_ptr(),
                content.as_ptr() as *const c_void,
                content.len(),
                opt_ptr(&l),
            )
        })?;
        Ok(fv)
    }

    /// Ingests one answer: `method` its wire name, `params_json` the
    /// request's params, `result_json` the response's result (`null`, an
    /// array or an object), as the server sent them. Errors: `LMKV_EINVAL`
    /// (a method that is not ingested), `LMKV_EPARSE` (malformed JSON, a
    /// missing or mistyped field, an unknown SymbolKind, a range outside its
    /// file, a URI outside the root or of a file not added: the message
    /// names the method and the JSON path); nothing of a refused answer is
    /// kept.
    pub fn answer(&mut self, method: &str, params_json: &str, result_json: &str) -> Result<()> {
        let m = cstring("LSP method", method)?;
        // SAFETY: our own handle; the JSON texts are read for their lengths.
        check(unsafe {
            sys::lmkv_lsp_ingest_answer(
                self.ptr,
                m.as_ptr(),
                params_json.as_ptr() as *const _,
                params_json.len(),
                result_json.as_ptr() as *const _,
                result_json.len(),
            )
        })
    }

    /// Writes every added file's version and records into the caller's
    /// session (replacing what those versions had) and makes them the
    /// paths' latest versions (lmkv_lsp_ingest_write). The ingest is kept
    /// (it may be written again). Errors: those of the header; a write
    /// error poisons the session (its commit then fails: nothing
    /// half-written).
    pub fn write(&mut self, session: &mut Session) -> Result<IngestStats> {
        // SAFETY: zeroed plain-data struct.
        let mut st: IngestStats = unsafe { std::mem::zeroed() };
        // SAFETY: our own handle and the caller's live session on this thread.
        check(unsafe { sys::lmkv_lsp_ingest_write(&mut st, self.ptr, session.as_raw()) })?;
        Ok(st)
    }

    /// [`Ingest::write`] in a session of its own, committed: all added
    /// files change at once or not at all (lmkv_lsp_ingest_commit). Blocks
    /// while another writer holds the database.
    pub fn commit(&mut self, store: &Store) -> Result<IngestStats> {
        // SAFETY: zeroed plain-data struct.
        let mut st: IngestStats = unsafe { std::mem::zeroed() };
        // SAFETY: our own handle; the store outlives the call.
        check(unsafe { sys::lmkv_lsp_ingest_commit(&mut st, self.ptr, store.as_raw()) })?;
        Ok(st)
    }
}
