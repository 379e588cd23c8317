//! Git-aware current state and incremental index sessions
//! (versioning/lmkv_versioning.h, libgit2): [`Worktree`], index sessions
//! with an ANALYSER written in Rust (a closure filling an [`Analysis`]),
//! the current state, semantic diff and retention (gc).
//!
//! Threads: a [`Worktree`] is `Send` but not `Sync` (its libgit2 repository
//! is used by one thread at a time; it may move between threads). An
//! [`IndexSession`] is neither: its `run` opens, writes and commits the
//! store's write transactions, which belong to the calling thread, and it
//! borrows the worktree mutably:
//!
//! ```compile_fail,E0277
//! # use lmkv::{Config, store::Store, versioning::{Worktree, IndexOptions}};
//! let db = Config::new().temporary(true).open().unwrap();
//! let st = Store::open(&db).unwrap();
//! let mut wt = Worktree::open(&st, "/tmp", true).unwrap();
//! let opts = IndexOptions::default();
//! let s = wt.session(&opts).unwrap();
//! std::thread::spawn(move || drop(s)); // IndexSession is !Send
//! ```
//!
//! The worktree itself may move:
//!
//! ```
//! # use lmkv::{Config, store::Store, versioning::{Worktree, IndexOptions}};
//! let db = Config::new().temporary(true).open().unwrap();
//! let st = Store::open(&db).unwrap();
//! let mut wt = Worktree::open(&st, "/tmp", true).unwrap();
//! let opts = IndexOptions::default();
//! drop(wt.session(&opts).unwrap());
//! std::thread::spawn(move || wt.id()).join().unwrap();
//! ```
//!
//! The analyser is called from the thread running the session, once per
//! file to analyse, in path order; it returns `Err(reason)` to fail the file
//! (its records are discarded, the failure is reported). A panic in it
//! fails that file, skips the analyser for the rest of the run, and is
//! resumed in the caller once the C call has returned. The analyser must not
//! write to the same database (the running session may hold this thread's
//! write transaction: a store session or a tree write would get LMKV_EBUSY);
//! reading it through its own `ReadTxn` is fine.

use crate::error::{check, Error, Result};
use crate::ffi::{array_string, cstring, guarded, opt_str, resume, str_or_empty};
use crate::store::{Store, StoreInner};
use lmkv_sys as sys;
use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::ptr;
use std::sync::Arc;

/// What `lmkv_worktree_head` reports (HEAD right now).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeadInfo {
    pub is_git: bool,
    pub unborn: bool,
    pub detached: bool,
    /// HEAD commit (hex), "" if unborn or non-git.
    pub commit: String,
    /// Short branch name, "" if detached or non-git.
    pub branch: String,
}

impl HeadInfo {
    fn from_c(h: &sys::lmkv_head_info) -> HeadInfo {
        HeadInfo {
            is_git: h.is_git != 0,
            unborn: h.unborn != 0,
            detached: h.detached != 0,
            commit: array_string(&h.commit),
            branch: array_string(&h.branch),
        }
    }
}

/// A workspace root opened for versioning (lmkv_worktree_open).
pub struct Worktree {
    ptr: *mut sys::lmkv_worktree,
    _store: Arc<StoreInner>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: libgit2 (built thread-safe) allows a repository to be used from
// any thread, one at a time; the handle has no thread-local state.
unsafe impl Send for Worktree {}

impl Drop for Worktree {
    fn drop(&mut self) {
        // SAFETY: our own handle; its sessions borrowed it and are gone.
        unsafe { sys::lmkv_worktree_free(self.ptr) }
    }
}

/// Record sink of one analyser call (lmkv_analysis_add_*): valid only
/// during that call. Every string is copied.
pub struct Analysis<'a> {
    ptr: *mut sys::lmkv_analysis,
    _call: PhantomData<&'a mut ()>,
}

/// A symbol definition or declaration (struct lmkv_analysis_symbol).
#[derive(Debug, Clone, Copy, Default)]
pub struct AnalysisSymbol<'s> {
    /// Required: the short name.
    pub name: &'s str,
    /// Unique within the file's language scope; None = name. Never a path.
    pub qualified_name: Option<&'s str>,
    /// LSP SymbolKind 1..26 (12 Function, 23 Struct, 13 Variable, ...) or
    /// 255 Macro (lmkv's own: a `#define` or `macro_rules!`).
    pub kind: u32,
    pub signature: Option<&'s str>,
    /// Qualified name of the enclosing symbol.
    pub parent: Option<&'s str>,
    /// 1-based start (0 = unknown).
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// A definition (else a declaration/prototype).
    pub definition: bool,
    /// File-local linkage.
    pub is_static: bool,
}

/// A call site: `caller` (qualified name of a symbol of this file) calls `callee`.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisCall<'s> {
    pub caller: &'s str,
    pub callee: &'s str,
    pub line: u32,
    pub column: u32,
    /// 0 Direct, 1 Virtual, 2 Callback, 3 Async.
    pub call_type: i32,
    /// None = unknown.
    pub argument_count: Option<i32>,
}

/// A reference to a name (not a call or a definition).
#[derive(Debug, Clone, Copy)]
pub struct AnalysisReference<'s> {
    pub name: &'s str,
    /// Qualified name of the enclosing symbol; None = file scope.
    pub from: Option<&'s str>,
    /// 0 Use, 1 Import, 2 Type, 3 Call, 4 Read, 5 Write.
    pub kind: i32,
    pub line: u32,
    pub column: u32,
}

/// A hierarchy edge other than containment.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisHierarchy<'s> {
    pub parent: &'s str,
    pub child: &'s str,
    /// 0 Contains, 1 Extends, 2 Implements.
    pub kind: i32,
}

fn opt_c(what: &str, s: Option<&str>) -> Result<Option<CString>> {
    s.map(|s| cstring(what, s)).transpose()
}
fn p(c: &Option<CString>) -> *const c_char {
    c.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

impl Analysis<'_> {
    /// Adds a symbol. Errors: LMKV_EINVAL (empty name, kind outside 1..26 and not 255,
    /// a string over 64 KiB), LMKV_ENOMEM.
    pub fn add_symbol(&mut self, s: &AnalysisSymbol<'_>) -> Result<()> {
        let name = cstring("symbol name", s.name)?;
        let (q, sig, par) =
            (opt_c("qualified name", s.qualified_name)?, opt_c("signature", s.signature)?, opt_c("parent", s.parent)?);
        let mut flags = 0;
        if s.definition {
            flags |= sys::LMKV_ANALYSIS_SYM_DEFINITION;
        }
        if s.is_static {
            flags |= sys::LMKV_ANALYSIS_SYM_STATIC;
        }
        let c = sys::lmkv_analysis_symbol {
            name: name.as_ptr(),
            qualified_name: p(&q),
            kind: s.kind as c_int,
            signature: p(&sig),
            parent: p(&par),
            line: s.line,
            column: s.column,
            end_line: s.end_line,
            end_column: s.end_column,
            flags,
        };
        // SAFETY: strings alive for the call (copied by lmkv).
        check(unsafe { sys::lmkv_analysis_add_symbol(self.ptr, &c) })
    }
    /// Adds a call site.
    pub fn add_call(&mut self, x: &AnalysisCall<'_>) -> Result<()> {
        let (a, b) = (cstring("caller", x.caller)?, cstring("callee", x.callee)?);
        let c = sys::lmkv_analysis_call {
            caller: a.as_ptr(),
            callee: b.as_ptr(),
            line: x.line,
            column: x.column,
            call_type: x.call_type,
            argument_count: x.argument_count.unwrap_or(-1),
        };
        // SAFETY: as add_symbol.
        check(unsafe { sys::lmkv_analysis_add_call(self.ptr, &c) })
    }
    /// Adds a reference.
    pub fn add_reference(&mut self, x: &AnalysisReference<'_>) -> Result<()> {
        let n = cstring("reference name", x.name)?;
        let f = opt_c("reference from", x.from)?;
        let c = sys::lmkv_analysis_reference {
            name: n.as_ptr(),
            from: p(&f),
            kind: x.kind,
            line: x.line,
            column: x.column,
        };
        // SAFETY: as add_symbol.
        check(unsafe { sys::lmkv_analysis_add_reference(self.ptr, &c) })
    }
    /// Adds a hierarchy edge.
    pub fn add_hierarchy(&mut self, x: &AnalysisHierarchy<'_>) -> Result<()> {
        let (a, b) = (cstring("hierarchy parent", x.parent)?, cstring("hierarchy child", x.child)?);
        let c = sys::lmkv_analysis_hierarchy { parent: a.as_ptr(), child: b.as_ptr(), kind: x.kind };
        // SAFETY: as add_symbol.
        check(unsafe { sys::lmkv_analysis_add_hierarchy(self.ptr, &c) })
    }
}

/// The analyser: fills `a` with the records of `content` (the bytes of
/// `path`); `Err(reason)` fails the file. Contract (lmkv_versioning.h):
/// the records depend on the bytes and the file name's extension only.
pub type AnalyserFn<'a> = dyn FnMut(&mut Analysis<'_>, &str, &[u8]) -> std::result::Result<(), String> + 'a;

struct AnalyserCtx<'a, 'b> {
    f: &'a mut AnalyserFn<'b>,
    panicked: bool,
}

unsafe extern "C" fn analyser_tramp(
    a: *mut sys::lmkv_analysis,
    path: *const c_char,
    content: *const c_void,
    len: usize,
    ctx: *mut c_void,
) -> c_int {
    // SAFETY: ctx is the AnalyserCtx given to the session run.
    let cx = &mut *(ctx as *mut AnalyserCtx<'_, '_>);
    if cx.panicked {
        sys::lmkv_analysis_set_error(a, c"skipped: the Rust analyser panicked on an earlier file".as_ptr());
        return sys::LMKV_EEXTERNAL;
    }
    let rc = guarded(i32::MIN, || {
        let path = str_or_empty(path);
        let bytes =
            if content.is_null() || len == 0 { &[][..] } else { std::slice::from_raw_parts(content as *const u8, len) };
        let mut sink = Analysis { ptr: a, _call: PhantomData };
        match (cx.f)(&mut sink, path, bytes) {
            Ok(()) => sys::LMKV_OK,
            Err(msg) => {
                let m = CString::new(msg.replace('\0', " ")).unwrap_or_default();
                sys::lmkv_analysis_set_error(a, m.as_ptr());
                sys::LMKV_EEXTERNAL
            }
        }
    });
    if rc == i32::MIN {
        cx.panicked = true;
        sys::lmkv_analysis_set_error(a, c"the Rust analyser panicked".as_ptr());
        return sys::LMKV_EEXTERNAL;
    }
    rc
}

unsafe extern "C" fn filter_tramp(path: *const c_char, ctx: *mut c_void) -> c_int {
    // SAFETY: ctx is the options' filter box, alive as long as the session.
    let f = &*(ctx as *const Box<dyn Fn(&str) -> bool + Send + Sync>);
    guarded(0, || f(str_or_empty(path)) as c_int)
}

/// Options of an index session (struct lmkv_index_options).
#[derive(Default)]
pub struct IndexOptions {
    /// Re-analyse every selected file (LMKV_INDEX_FULL).
    pub full: bool,
    /// Never call the analyser (LMKV_INDEX_RESOLVE).
    pub resolve_only: bool,
    /// Bulk-load sessions (LMKV_INDEX_BULK).
    pub bulk: bool,
    /// Restrict to these files or directory prefixes (empty = whole worktree).
    pub paths: Vec<String>,
    /// Which files belong to the index (None = every regular file).
    pub filter: Option<Box<dyn Fn(&str) -> bool + Send + Sync>>,
    /// Identity of the analyser; a change re-analyses everything.
    pub analyser_id: Option<String>,
    /// Files per write transaction (0 = 64).
    pub batch_files: usize,
    /// Larger files are skipped (0 = 16 MiB).
    pub max_file_bytes: u64,
    /// Key writes per write transaction (0 = 131072).
    pub batch_writes: usize,
}

struct COptions {
    c: sys::lmkv_index_options,
    _paths: Vec<CString>,
    _ptrs: Vec<*const c_char>,
    _id: Option<CString>,
}

impl IndexOptions {
    fn to_c(&self) -> Result<COptions> {
        let paths: Vec<CString> = self.paths.iter().map(|p| cstring("index path", p)).collect::<Result<_>>()?;
        let ptrs: Vec<*const c_char> = paths.iter().map(|c| c.as_ptr()).collect();
        let id = opt_c("analyser id", self.analyser_id.as_deref())?;
        let mut flags = 0;
        if self.full {
            flags |= sys::LMKV_INDEX_FULL;
        }
        if self.resolve_only {
            flags |= sys::LMKV_INDEX_RESOLVE;
        }
        if self.bulk {
            flags |= sys::LMKV_INDEX_BULK;
        }
        let c = sys::lmkv_index_options {
            flags,
            paths: if ptrs.is_empty() { ptr::null() } else { ptrs.as_ptr() },
            npaths: ptrs.len(),
            filter: self
                .filter
                .as_ref()
                .map(|_| filter_tramp as unsafe extern "C" fn(*const c_char, *mut c_void) -> c_int),
            filter_ctx: self.filter.as_ref().map_or(ptr::null_mut(), |b| b as *const _ as *mut c_void),
            analyser_id: p(&id),
            batch_files: self.batch_files,
            max_file_bytes: self.max_file_bytes,
            batch_writes: self.batch_writes,
            // The Rust analyser is an FnMut called in path order from the
            // session's thread: no analysis threads (lmkv_index_options.threads).
            threads: 1,
        };
        Ok(COptions { c, _paths: paths, _ptrs: ptrs, _id: id })
    }
}

/// A file that failed to analyse or to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFailure {
    pub path: String,
    /// The analyser's return value or an LMKV_E* code.
    pub error: i32,
    pub message: String,
}

/// What an index session did (counts of files).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexReport {
    pub analysed: usize,
    pub reused: usize,
    pub copied: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub failed: usize,
    pub skipped: usize,
    pub pending: usize,
    /// Write transactions opened (0 on a warm run).
    pub write_txns: usize,
    pub head: HeadInfo,
    pub generation: u64,
    pub failures: Vec<IndexFailure>,
    /// The `skipped` files (over max_file_bytes): path, LMKV_ETOOBIG, size.
    pub skips: Vec<IndexFailure>,
}

impl IndexReport {
    /// Copies and clears a C report.
    fn take(r: &mut sys::lmkv_index_report) -> IndexReport {
        fn list(p: *const sys::lmkv_index_failure, n: usize) -> Vec<IndexFailure> {
            if p.is_null() {
                return Vec::new();
            }
            // SAFETY: `n` entries owned by the report.
            unsafe { std::slice::from_raw_parts(p, n) }
                .iter()
                .map(|f| IndexFailure {
                    // SAFETY: strings owned by the report.
                    path: unsafe { str_or_empty(f.path) }.to_string(),
                    error: f.error,
                    message: unsafe { str_or_empty(f.message) }.to_string(),
                })
                .collect()
        }
        let failures = list(r.failures, r.failed);
        let skips = list(r.skips, r.skipped);
        let out = IndexReport {
            analysed: r.analysed,
            reused: r.reused,
            copied: r.copied,
            unchanged: r.unchanged,
            deleted: r.deleted,
            failed: r.failed,
            skipped: r.skipped,
            pending: r.pending,
            write_txns: r.write_txns,
            head: HeadInfo::from_c(&r.head),
            generation: r.generation,
            failures,
            skips,
        };
        // SAFETY: the report's own memory.
        unsafe { sys::lmkv_index_report_clear(r) };
        out
    }
}

/// One path of the current state (struct lmkv_current_entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentEntry {
    pub path: String,
    pub old_path: Option<String>,
    /// lmkv_wt_status bits (0 = unmodified).
    pub status: u32,
    /// 0 none, 1 commit, 2 latest.
    pub source: i32,
    pub file_version: u64,
    pub blob: String,
    pub commit: String,
}

/// The current state (struct lmkv_current_info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentInfo {
    pub head: HeadInfo,
    pub indexed_commit: String,
    pub stale: bool,
    pub generation: u64,
    pub entries: Vec<CurrentEntry>,
}

/// One symbol that differs between two commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolChange {
    /// 1 added, 2 removed, 3 modified.
    pub change: i32,
    pub kind: i32,
    pub qualified_name: String,
    pub path: String,
    pub old_path: Option<String>,
    pub old_signature: Option<String>,
    pub new_signature: Option<String>,
    pub old_line: u32,
    pub new_line: u32,
}

/// A semantic diff (struct lmkv_semdiff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemDiff {
    pub a: String,
    pub b: String,
    pub added: usize,
    pub removed: usize,
    pub modified: usize,
    pub changes: Vec<SymbolChange>,
    pub analysed: usize,
    pub copied: usize,
}

/// gc options (struct lmkv_gc_options).
pub type GcOptions = sys::lmkv_gc_options;
/// gc report (struct lmkv_gc_report).
pub type GcReport = sys::lmkv_gc_report;

impl Worktree {
    /// Opens the workspace rooted at `root` (realpath'd; git-aware when the
    /// root holds a repository, unless `no_git`). Errors: LMKV_NOTFOUND (no
    /// such root), LMKV_EINVAL (not a directory, bare repository), LMKV_EGIT.
    pub fn open(store: &Store, root: impl AsRef<Path>, no_git: bool) -> Result<Worktree> {
        use std::os::unix::ffi::OsStrExt;
        let r = CString::new(root.as_ref().as_os_str().as_bytes())
            .map_err(|_| Error::new(sys::LMKV_EINVAL, format!("worktree root {:?}: NUL byte", root.as_ref())))?;
        let mut out = ptr::null_mut();
        let flags = if no_git { sys::LMKV_WORKTREE_NO_GIT } else { 0 };
        // SAFETY: valid out pointer, store and C string.
        check(unsafe { sys::lmkv_worktree_open(&mut out, store.inner.ptr, r.as_ptr(), flags) })?;
        Ok(Worktree { ptr: out, _store: store.inner.clone(), _not_sync: PhantomData })
    }
    /// The canonical root directory.
    pub fn root(&self) -> String {
        // SAFETY: string owned by the handle, copied.
        unsafe { str_or_empty(sys::lmkv_worktree_root(self.ptr)) }.to_string()
    }
    /// The workspace id.
    pub fn id(&self) -> u64 {
        // SAFETY: our own handle.
        unsafe { sys::lmkv_worktree_id(self.ptr) }
    }
    /// Whether the workspace is a git repository.
    pub fn is_git(&self) -> bool {
        // SAFETY: our own handle.
        unsafe { sys::lmkv_worktree_is_git(self.ptr) != 0 }
    }
    /// The C handle (borrowed).
    pub fn as_raw(&self) -> *mut sys::lmkv_worktree {
        self.ptr
    }
    /// HEAD right now (git only; no database access).
    pub fn head(&mut self) -> Result<HeadInfo> {
        let mut h: sys::lmkv_head_info = unsafe { std::mem::zeroed() };
        // SAFETY: valid out struct.
        check(unsafe { sys::lmkv_worktree_head(&mut h, self.ptr) })?;
        Ok(HeadInfo::from_c(&h))
    }
    /// Begins an index session (reads nothing yet; opens no transaction).
    pub fn session<'w>(&'w mut self, opts: &'w IndexOptions) -> Result<IndexSession<'w>> {
        let c = opts.to_c()?;
        let mut out = ptr::null_mut();
        // SAFETY: valid out pointer; options copied by lmkv except the
        // filter context, which `opts` keeps alive for 'w.
        check(unsafe { sys::lmkv_index_session_begin(&mut out, self.ptr, &c.c) })?;
        Ok(IndexSession { ptr: out, _wt: PhantomData, _not_send: PhantomData })
    }
    /// begin + plan + run in one call (lmkv_index_worktree). `analyser`
    /// None: changed files whose content is stored nowhere are `pending`.
    pub fn index(&mut self, opts: &IndexOptions, analyser: Option<&mut AnalyserFn<'_>>) -> Result<IndexReport> {
        let mut s = self.session(opts)?;
        s.plan()?;
        s.run(analyser)
    }
    /// The current state: HEAD, the stored current map and each path's
    /// worktree status. None when the workspace was never indexed.
    pub fn current_info(&mut self) -> Result<Option<CurrentInfo>> {
        let mut out = ptr::null_mut();
        // SAFETY: valid out pointer.
        match unsafe { sys::lmkv_current_info_get(&mut out, self.ptr) } {
            sys::LMKV_OK => {}
            sys::LMKV_NOTFOUND => return Ok(None),
            rc => return Err(Error::from_code(rc)),
        }
        // SAFETY: filled by lmkv; freed below after copying.
        let i = unsafe { &*out };
        let entries =
            if i.entries.is_null() { &[][..] } else { unsafe { std::slice::from_raw_parts(i.entries, i.nentries) } };
        let info = CurrentInfo {
            head: HeadInfo::from_c(&i.head),
            indexed_commit: array_string(&i.indexed_commit),
            stale: i.stale != 0,
            generation: i.generation,
            entries: entries
                .iter()
                .map(|e| CurrentEntry {
                    // SAFETY: strings owned by the info.
                    path: unsafe { str_or_empty(e.path) }.to_string(),
                    old_path: unsafe { opt_str(e.old_path) }.map(String::from),
                    status: e.status,
                    source: e.source,
                    file_version: e.file_version,
                    blob: array_string(&e.blob),
                    commit: array_string(&e.commit),
                })
                .collect(),
        };
        // SAFETY: ours to free.
        unsafe { sys::lmkv_current_info_free(out) };
        Ok(Some(info))
    }
    /// The current file version of `path` and its source (1 commit, 2
    /// latest); None when the path is not in the current state.
    pub fn current_file_version(&mut self, path: &str) -> Result<Option<(u64, i32)>> {
        let c = cstring("path", path)?;
        let (mut fv, mut src) = (0u64, 0 as c_int);
        // SAFETY: valid out pointers and C string.
        match unsafe { sys::lmkv_current_file_version(&mut fv, &mut src, self.ptr, c.as_ptr()) } {
            sys::LMKV_OK => Ok(Some((fv, src))),
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }
    /// Semantic diff of two revisions (lmkv_diff_commits): symbol
    /// definitions added, removed, or modified (signature).
    pub fn diff(
        &mut self,
        rev_a: &str,
        rev_b: &str,
        opts: &IndexOptions,
        analyser: Option<&mut AnalyserFn<'_>>,
    ) -> Result<SemDiff> {
        let (a, b) = (cstring("revision", rev_a)?, cstring("revision", rev_b)?);
        let c = opts.to_c()?;
        let mut out = ptr::null_mut();
        let rc = match analyser {
            Some(f) => {
                let mut cx = AnalyserCtx { f, panicked: false };
                // SAFETY: ctx = &mut cx for the call.
                unsafe {
                    sys::lmkv_diff_commits(
                        &mut out,
                        self.ptr,
                        a.as_ptr(),
                        b.as_ptr(),
                        &c.c,
                        Some(analyser_tramp),
                        &mut cx as *mut _ as *mut c_void,
                    )
                }
            }
            // SAFETY: no analyser.
            None => unsafe {
                sys::lmkv_diff_commits(&mut out, self.ptr, a.as_ptr(), b.as_ptr(), &c.c, None, ptr::null_mut())
            },
        };
        if rc != sys::LMKV_OK {
            let e = Error::from_code(rc);
            // SAFETY: NULL is fine.
            unsafe { sys::lmkv_semdiff_free(out) };
            resume();
            return Err(e);
        }
        // SAFETY: filled by lmkv.
        let d = unsafe { &*out };
        let ch =
            if d.changes.is_null() { &[][..] } else { unsafe { std::slice::from_raw_parts(d.changes, d.nchanges) } };
        let diff = SemDiff {
            a: array_string(&d.a),
            b: array_string(&d.b),
            added: d.added,
            removed: d.removed,
            modified: d.modified,
            changes: ch
                .iter()
                .map(|x| SymbolChange {
                    change: x.change,
                    kind: x.kind,
                    // SAFETY: strings owned by the diff.
                    qualified_name: unsafe { str_or_empty(x.qualified_name) }.to_string(),
                    path: unsafe { str_or_empty(x.path) }.to_string(),
                    old_path: unsafe { opt_str(x.old_path) }.map(String::from),
                    old_signature: unsafe { opt_str(x.old_signature) }.map(String::from),
                    new_signature: unsafe { opt_str(x.new_signature) }.map(String::from),
                    old_line: x.old_line,
                    new_line: x.new_line,
                })
                .collect(),
            analysed: d.analysed,
            copied: d.copied,
        };
        // SAFETY: ours to free.
        unsafe { sys::lmkv_semdiff_free(out) };
        resume();
        Ok(diff)
    }
    /// Retention (lmkv_gc_run): drops unreachable indexed commits and the
    /// file versions nothing references, in bounded transactions.
    pub fn gc(&mut self, opts: &GcOptions) -> Result<GcReport> {
        let mut r: GcReport = unsafe { std::mem::zeroed() };
        // SAFETY: valid out struct and options.
        check(unsafe { sys::lmkv_gc_run(&mut r, self.ptr, opts) })?;
        Ok(r)
    }
}

/// An index session (one run of indexing). Neither `Send` nor `Sync`.
pub struct IndexSession<'w> {
    ptr: *mut sys::lmkv_index_session,
    _wt: PhantomData<&'w mut Worktree>,
    _not_send: PhantomData<*mut ()>,
}

impl Drop for IndexSession<'_> {
    fn drop(&mut self) {
        // SAFETY: our own session (a session not run changes nothing).
        unsafe { sys::lmkv_index_session_free(self.ptr) }
    }
}

fn c_list(what: &str, v: &[&str]) -> Result<(Vec<CString>, Vec<*const c_char>)> {
    let c: Vec<CString> = v.iter().map(|s| cstring(what, s)).collect::<Result<_>>()?;
    let p = c.iter().map(|c| c.as_ptr()).collect();
    Ok((c, p))
}

impl IndexSession<'_> {
    /// Computes the plan from git status and the stored state (read only).
    pub fn plan(&mut self) -> Result<()> {
        // SAFETY: our own session.
        check(unsafe { sys::lmkv_index_session_plan(self.ptr) })
    }
    /// Gives the plan explicitly (e.g. from a file watcher).
    pub fn set_plan(&mut self, changed: &[&str], deleted: &[&str], unchanged: &[&str]) -> Result<()> {
        let (_a, ca) = c_list("changed path", changed)?;
        let (_b, cb) = c_list("deleted path", deleted)?;
        let (_c, cc) = c_list("unchanged path", unchanged)?;
        // SAFETY: arrays alive for the call (copied by lmkv).
        check(unsafe {
            sys::lmkv_index_session_set_plan(
                self.ptr,
                ca.as_ptr(),
                ca.len(),
                cb.as_ptr(),
                cb.len(),
                cc.as_ptr(),
                cc.len(),
            )
        })
    }
    /// (changed, deleted, unchanged) sizes of the plan.
    pub fn plan_counts(&self) -> Result<(usize, usize, usize)> {
        let (mut a, mut b, mut c) = (0, 0, 0);
        // SAFETY: valid out pointers.
        check(unsafe { sys::lmkv_index_session_plan_counts(&mut a, &mut b, &mut c, self.ptr) })?;
        Ok((a, b, c))
    }
    /// The paths `run` will give to the analyser, in path order.
    pub fn pending_paths(&self) -> Result<Vec<String>> {
        let mut p: *const *const c_char = ptr::null();
        let mut n = 0;
        // SAFETY: valid out pointers; the array is borrowed from the session.
        check(unsafe { sys::lmkv_index_session_pending_paths(&mut p, &mut n, self.ptr) })?;
        if p.is_null() {
            return Ok(Vec::new());
        }
        // SAFETY: n C strings.
        Ok(unsafe { std::slice::from_raw_parts(p, n) }
            .iter()
            .map(|s| unsafe { CStr::from_ptr(*s) }.to_string_lossy().into_owned())
            .collect())
    }
    /// Runs the session (plans first if no plan was set): reuses, copies or
    /// analyses each changed path, persists in bounded batches and swaps
    /// the current map in one transaction. A session runs once.
    /// Errors: store errors (no partial current state is visible).
    pub fn run(self, analyser: Option<&mut AnalyserFn<'_>>) -> Result<IndexReport> {
        let mut r: sys::lmkv_index_report = unsafe { std::mem::zeroed() };
        let rc = match analyser {
            Some(f) => {
                let mut cx = AnalyserCtx { f, panicked: false };
                // SAFETY: ctx = &mut cx, alive for the call.
                unsafe {
                    sys::lmkv_index_session_run(
                        &mut r,
                        self.ptr,
                        Some(analyser_tramp),
                        &mut cx as *mut _ as *mut c_void,
                    )
                }
            }
            // SAFETY: no analyser.
            None => unsafe { sys::lmkv_index_session_run(&mut r, self.ptr, None, ptr::null_mut()) },
        };
        let err = (rc != sys::LMKV_OK).then(|| Error::from_code(rc));
        let report = IndexReport::take(&mut r);
        resume();
        match err {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }
}
