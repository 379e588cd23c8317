//! Code-graph queries (graph/lmkv_graph.h) over a workspace's current
//! state: symbols, callers, callees, references, search, call paths,
//! impact, cycles, hierarchy, dead code, hotspots, file dependencies.
//!
//! A [`Graph`] holds one read snapshot: every query sees it until
//! [`Graph::renew`]. It is `Send` (the snapshot is an MDB_NOTLS read txn:
//! a task may continue on another thread) but not `Sync` (one thread at a
//! time); open one per thread for parallel queries.
//!
//! Every query takes `&mut self`: the C handle serves one query at a time,
//! so a `for_each_*` closure cannot start another query on the same handle
//! (open a second `Graph` for that):
//!
//! ```compile_fail,E0499
//! # use lmkv::{Config, store::Store, graph::Graph};
//! # use std::ops::ControlFlow;
//! let db = Config::new().temporary(true).open().unwrap();
//! let mut g = Graph::open(&Store::open(&db).unwrap(), 1).unwrap();
//! let _ = g.for_each_caller("main", 0, |c| {
//!     let _ = g.callees(c.caller_name(), 0); // a query inside a query
//!     ControlFlow::Continue(())
//! });
//! ```
//!
//! ```
//! # use lmkv::{Config, store::Store, graph::Graph};
//! # use std::ops::ControlFlow;
//! let db = Config::new().temporary(true).open().unwrap();
//! let st = Store::open(&db).unwrap();
//! let (mut g, mut g2) = (Graph::open(&st, 1).unwrap(), Graph::open(&st, 1).unwrap());
//! let e = g.for_each_caller("main", 0, |c| {
//!     let _ = g2.callees(c.caller_name(), 0);
//!     ControlFlow::Continue(())
//! });
//! assert_eq!(e.unwrap_err().kind(), lmkv::ErrorKind::NotFound);
//! ```
//!
//! The simple lookups come in two forms: `for_each_*` hands each
//! ZERO-COPY record to a closure (valid during the call only, as the C
//! header says; nothing is allocated per record), and the plain names
//! (`callers`, `callees`, ...) return `Vec`s of owned typed rows. The
//! traversals return owned [`Item`]s.
//!
//! ```compile_fail,E0277
//! # use lmkv::{Config, store::Store, graph::Graph};
//! let db = Config::new().temporary(true).open().unwrap();
//! let g = Graph::open(&Store::open(&db).unwrap(), 1).unwrap();
//! fn needs_sync<T: Sync>(_: &T) {}
//! needs_sync(&g); // Graph is not Sync
//! ```
//!
//! It is `Send`:
//!
//! ```
//! # use lmkv::{Config, store::Store, graph::Graph};
//! let db = Config::new().temporary(true).open().unwrap();
//! let g = Graph::open(&Store::open(&db).unwrap(), 1).unwrap();
//! std::thread::spawn(move || drop(g)).join().unwrap();
//! ```

use crate::error::{check, Result};
use crate::ffi::{cstring, guarded, opt_str, resume, str_or_empty};
use crate::records::*;
use crate::store::{Store, StoreInner};
use lmkv_sys as sys;
use std::cell::Cell;
use std::ffi::CString;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;
use std::sync::Arc;

/// Symbol lookup modes of [`Graph::symbols`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// name == NAME, or qualified name == NAME.
    Exact,
    /// name starts with NAME.
    Prefix,
    /// qualified name == NAME only.
    Qualified,
}

/// One answer item of a traversal or aggregate (lmkv_graph_item); which
/// fields are meaningful depends on the query (see each method).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Symbol/function name, or a file path (deps, rdeps).
    pub name: String,
    pub file: Option<String>,
    /// Definition line (1-based), 0 = unknown.
    pub line: u32,
    /// impact: distance; paths: position in the path; cycles: component.
    pub depth: u32,
    /// LSP SymbolKind (0 unknown; 255 Macro, lmkv's own: give it to an LSP
    /// client as `records::symbol_kind_lsp(kind)`) or, for hierarchy, the
    /// HierarchyKind.
    pub kind: i32,
    /// Definition column (1-based, bytes), 0 = unknown.
    pub column: u32,
    /// hotspots/deps: references; search: score (0 exact, 1 prefix, 2 substring).
    pub count: u64,
    /// hotspots: call sites.
    pub count2: u64,
    /// signature, or "parent"/"child" (hierarchy).
    pub detail: Option<String>,
}

/// A list answer and whether a limit or the depth cut it short.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer<T> {
    pub items: Vec<T>,
    /// A limit (or the depth) cut the answer short.
    pub truncated: bool,
}

/// A query handle on one workspace (lmkv_graph_open). `Send`, not `Sync`.
pub struct Graph {
    ptr: *mut sys::lmkv_graph,
    // Dropped after the handle is closed (Drop::drop runs first).
    _store: Arc<StoreInner>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: the handle's read txn is MDB_NOTLS and the handle holds no
// thread-local state: one thread at a time may use it (not Sync).
unsafe impl Send for Graph {}

impl Drop for Graph {
    fn drop(&mut self) {
        // SAFETY: our own handle.
        unsafe { sys::lmkv_graph_close(self.ptr) }
    }
}

struct Lookup<'f, R> {
    f: &'f mut dyn FnMut(R) -> ControlFlow<()>,
}

unsafe extern "C" fn lookup_tramp<R: Copy, V>(ctx: *mut c_void, rec: *const R) -> c_int
where
    V: FromRaw<R>,
{
    guarded(sys::LMKV_ECONFLICT, || {
        // SAFETY: ctx is the Lookup given with this function; rec valid for the call.
        let l = &mut *(ctx as *mut Lookup<'_, V>);
        match (l.f)(V::from_raw_rec(*rec)) {
            ControlFlow::Continue(()) => 0,
            ControlFlow::Break(()) => 1,
        }
    })
}

/// Internal: builds a view from its C struct.
pub(crate) trait FromRaw<R> {
    /// # Safety
    /// `r`'s pointers are valid for the view's lifetime.
    unsafe fn from_raw_rec(r: R) -> Self;
}
impl FromRaw<sys::lmkv_symbol> for Symbol<'_> {
    unsafe fn from_raw_rec(r: sys::lmkv_symbol) -> Self {
        Symbol::from_raw(r)
    }
}
impl FromRaw<sys::lmkv_call> for Call<'_> {
    unsafe fn from_raw_rec(r: sys::lmkv_call) -> Self {
        Call::from_raw(r)
    }
}
impl FromRaw<sys::lmkv_reference> for Reference<'_> {
    unsafe fn from_raw_rec(r: sys::lmkv_reference) -> Self {
        Reference::from_raw(r)
    }
}

type LookupFn<R> = unsafe extern "C" fn(
    *mut usize,
    *mut c_int,
    *mut sys::lmkv_graph,
    *const c_char,
    usize,
    Option<unsafe extern "C" fn(*mut c_void, *const R) -> c_int>,
    *mut c_void,
) -> c_int;

impl Graph {
    /// Opens a query handle on workspace `ws` (begins a read snapshot).
    /// Errors: LMKV_EBUSY (no reader slot), LMKV_ENOMEM.
    pub fn open(store: &Store, ws: u64) -> Result<Graph> {
        let mut p = ptr::null_mut();
        // SAFETY: valid out pointer and store (kept open by the Arc).
        check(unsafe { sys::lmkv_graph_open(&mut p, store.inner.ptr, ws) })?;
        Ok(Graph { ptr: p, _store: store.inner.clone(), _not_sync: PhantomData })
    }
    /// A fresh snapshot: later queries see commits made since.
    pub fn renew(&mut self) -> Result<()> {
        // SAFETY: our own handle.
        check(unsafe { sys::lmkv_graph_renew(self.ptr) })
    }
    /// The C handle (borrowed).
    pub fn as_raw(&self) -> *mut sys::lmkv_graph {
        self.ptr
    }

    fn lookup<R: Copy, V: FromRaw<R>>(
        &mut self,
        what: &str,
        cfn: LookupFn<R>,
        name: &str,
        limit: usize,
        mut f: impl FnMut(V) -> ControlFlow<()>,
    ) -> Result<Answer<()>> {
        let c = cstring(what, name)?;
        let mut n = 0usize;
        let mut trunc: c_int = 0;
        let mut l = Lookup::<V> { f: &mut f };
        // SAFETY: lookup_tramp::<R, V> with ctx = &mut l; all pointers valid.
        let rc = unsafe {
            cfn(
                &mut n,
                &mut trunc,
                self.ptr,
                c.as_ptr(),
                limit,
                Some(lookup_tramp::<R, V>),
                &mut l as *mut _ as *mut c_void,
            )
        };
        resume();
        check(rc)?;
        Ok(Answer { items: Vec::new(), truncated: trunc != 0 })
    }

    /// Calls `f` with every current call to `name` (LSP incomingCalls), one
    /// per call site, zero-copy; `Break` stops. `limit` 0 = 1000. Returns
    /// whether more were left (truncated). LMKV_NOTFOUND when `name` is
    /// neither a symbol nor called.
    pub fn for_each_caller(
        &mut self,
        name: &str,
        limit: usize,
        f: impl FnMut(Call<'_>) -> ControlFlow<()>,
    ) -> Result<bool> {
        Ok(self.lookup("callers", sys::lmkv_graph_callers, name, limit, f)?.truncated)
    }
    /// As [`Graph::for_each_caller`] for the calls made by `name` (outgoingCalls).
    pub fn for_each_callee(
        &mut self,
        name: &str,
        limit: usize,
        f: impl FnMut(Call<'_>) -> ControlFlow<()>,
    ) -> Result<bool> {
        Ok(self.lookup("callees", sys::lmkv_graph_callees, name, limit, f)?.truncated)
    }
    /// As [`Graph::for_each_caller`] for references to `name`.
    pub fn for_each_ref(
        &mut self,
        name: &str,
        limit: usize,
        f: impl FnMut(Reference<'_>) -> ControlFlow<()>,
    ) -> Result<bool> {
        Ok(self.lookup("refs", sys::lmkv_graph_refs, name, limit, f)?.truncated)
    }

    fn collect<R: Copy, V: FromRaw<R>, T>(
        &mut self,
        what: &str,
        cfn: LookupFn<R>,
        name: &str,
        limit: usize,
        row: impl Fn(&V) -> T,
    ) -> Result<Answer<T>> {
        let mut items = Vec::new();
        let a = self.lookup(what, cfn, name, limit, |v: V| {
            items.push(row(&v));
            ControlFlow::Continue(())
        })?;
        Ok(Answer { items, truncated: a.truncated })
    }

    /// CALLERS of `name` (LSP callHierarchy/incomingCalls), in (file
    /// version, extraction) order. `limit` 0 = 1000.
    pub fn callers(&mut self, name: &str, limit: usize) -> Result<Answer<CallRow>> {
        self.collect("callers", sys::lmkv_graph_callers, name, limit, |c: &Call<'_>| c.to_row())
    }
    /// CALLEES of `name` (outgoingCalls).
    pub fn callees(&mut self, name: &str, limit: usize) -> Result<Answer<CallRow>> {
        self.collect("callees", sys::lmkv_graph_callees, name, limit, |c: &Call<'_>| c.to_row())
    }
    /// REFERENCES to `name` (textDocument/references without the declaration).
    pub fn refs(&mut self, name: &str, limit: usize) -> Result<Answer<ReferenceRow>> {
        self.collect("refs", sys::lmkv_graph_refs, name, limit, |r: &Reference<'_>| r.to_row())
    }
    /// References made from the bodies of the symbols named `name`.
    pub fn refs_from(&mut self, name: &str, limit: usize) -> Result<Answer<ReferenceRow>> {
        self.collect("refs_from", sys::lmkv_graph_refs_from, name, limit, |r: &Reference<'_>| r.to_row())
    }
    /// Current symbols matching `name`, in (name, file version, id) order.
    pub fn symbols(&mut self, name: &str, mode: Match, limit: usize) -> Result<Answer<SymbolRow>> {
        let c = cstring("symbols", name)?;
        let m = match mode {
            Match::Exact => sys::LMKV_GRAPH_EXACT,
            Match::Prefix => sys::LMKV_GRAPH_PREFIX,
            Match::Qualified => sys::LMKV_GRAPH_QUALIFIED,
        } as c_int;
        let mut items: Vec<SymbolRow> = Vec::new();
        let mut f = |s: Symbol<'_>| {
            items.push(s.to_row());
            ControlFlow::Continue(())
        };
        let mut l = Lookup::<Symbol<'_>> { f: &mut f };
        let (mut n, mut trunc) = (0usize, 0 as c_int);
        // SAFETY: as lookup.
        let rc = unsafe {
            sys::lmkv_graph_symbols(
                &mut n,
                &mut trunc,
                self.ptr,
                c.as_ptr(),
                m,
                limit,
                Some(lookup_tramp::<sys::lmkv_symbol, Symbol<'_>>),
                &mut l as *mut _ as *mut c_void,
            )
        };
        resume();
        check(rc)?;
        Ok(Answer { items, truncated: trunc != 0 })
    }

    // ------------------------------------------------------- traversals

    fn result(&self, rc: c_int, r: &sys::lmkv_graph_result) -> Result<(Vec<Item>, Vec<usize>, bool)> {
        check(rc)?;
        let items = if r.items.is_null() || r.n == 0 {
            &[][..]
        } else {
            // SAFETY: n items owned by the handle until its next query; copied here.
            unsafe { std::slice::from_raw_parts(r.items, r.n) }
        };
        let items = items
            .iter()
            .map(|i| Item {
                // SAFETY: strings owned by the handle, copied at once.
                name: unsafe { str_or_empty(i.name) }.to_string(),
                file: unsafe { opt_str(i.file) }.map(String::from),
                line: i.line,
                depth: i.depth,
                kind: i.kind,
                column: i.column,
                count: i.count,
                count2: i.count2,
                detail: unsafe { opt_str(i.detail) }.map(String::from),
            })
            .collect();
        let groups = if r.group_start.is_null() || r.groups == 0 {
            Vec::new()
        } else {
            // SAFETY: groups + 1 offsets (items[gs[i]..gs[i+1]]) or groups
            // offsets with the end at n; read groups of them, then n.
            let gs = unsafe { std::slice::from_raw_parts(r.group_start, r.groups) };
            gs.to_vec()
        };
        Ok((items, groups, r.truncated != 0))
    }

    fn flat(&self, rc: c_int, r: &sys::lmkv_graph_result) -> Result<Answer<Item>> {
        let (items, _, truncated) = self.result(rc, r)?;
        Ok(Answer { items, truncated })
    }

    fn grouped(&self, rc: c_int, r: &sys::lmkv_graph_result) -> Result<Answer<Vec<Item>>> {
        let (items, starts, truncated) = self.result(rc, r)?;
        let mut out = Vec::with_capacity(starts.len());
        for (i, &s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).copied().unwrap_or(items.len());
            out.push(items[s..e].to_vec());
        }
        Ok(Answer { items: out, truncated })
    }

    /// Workspace symbol search (LSP workspace/symbol): names containing
    /// `query` (ASCII case-insensitive), ranked exact > prefix > substring
    /// (`count`), then shorter name, name, file, line.
    pub fn search(&mut self, query: &str, limit: usize) -> Result<Answer<Item>> {
        let c = cstring("search", query)?;
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: valid out struct and C string; the result is copied before
        // the next query (&mut self).
        let rc = unsafe { sys::lmkv_graph_search(&mut r, self.ptr, c.as_ptr(), limit) };
        self.flat(rc, &r)
    }
    /// Call chains from `from` to `to`, each at most `depth` calls (0 = 3),
    /// shortest first; `limit` bounds the number of paths.
    pub fn paths(&mut self, from: &str, to: &str, depth: u32, limit: usize) -> Result<Answer<Vec<Item>>> {
        let (a, b) = (cstring("paths from", from)?, cstring("paths to", to)?);
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_paths(&mut r, self.ptr, a.as_ptr(), b.as_ptr(), depth, limit) };
        self.grouped(rc, &r)
    }
    /// IMPACT of changing `name`: every symbol calling or referencing it up
    /// to `depth` (0 = 3), with its shortest distance; by (depth, name).
    pub fn impact(&mut self, name: &str, depth: u32, limit: usize) -> Result<Answer<Item>> {
        let c = cstring("impact", name)?;
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_impact(&mut r, self.ptr, c.as_ptr(), depth, limit) };
        self.flat(rc, &r)
    }
    /// CYCLES of the call graph (strongly connected components), largest first.
    pub fn cycles(&mut self, limit: usize) -> Result<Answer<Vec<Item>>> {
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_cycles(&mut r, self.ptr, limit) };
        self.grouped(rc, &r)
    }
    /// HIERARCHY of `name`: parents (detail "parent") and children ("child").
    pub fn hierarchy(&mut self, name: &str, limit: usize) -> Result<Answer<Item>> {
        let c = cstring("hierarchy", name)?;
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_hierarchy(&mut r, self.ptr, c.as_ptr(), limit) };
        self.flat(rc, &r)
    }
    /// IMPLEMENTATIONS of `name` (Implements/Extends children; none for C).
    pub fn implementations(&mut self, name: &str, limit: usize) -> Result<Answer<Item>> {
        let c = cstring("implementations", name)?;
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_implementations(&mut r, self.ptr, c.as_ptr(), limit) };
        self.flat(rc, &r)
    }
    /// DEAD code: functions with no incoming call and no reference, except
    /// entry points (built-in "main", "*_test", "test_*", and `keep`:
    /// fnmatch(3) patterns).
    pub fn dead(&mut self, keep: &[&str], limit: usize) -> Result<Answer<Item>> {
        let keep_c: Vec<CString> = keep.iter().map(|k| cstring("dead keep pattern", k)).collect::<Result<_>>()?;
        let mut ptrs: Vec<*const c_char> = keep_c.iter().map(|c| c.as_ptr()).collect();
        ptrs.push(ptr::null());
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: NULL-terminated pattern list alive for the call.
        let rc = unsafe { sys::lmkv_graph_dead(&mut r, self.ptr, ptrs.as_ptr(), limit) };
        self.flat(rc, &r)
    }
    /// HOTSPOTS: symbols with the most references (`count`) and call sites (`count2`).
    pub fn hotspots(&mut self, limit: usize) -> Result<Answer<Item>> {
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_hotspots(&mut r, self.ptr, limit) };
        self.flat(rc, &r)
    }
    /// DEPS of a file: the files defining what it references or calls.
    pub fn deps(&mut self, path: &str, limit: usize) -> Result<Answer<Item>> {
        let c = cstring("deps", path)?;
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_deps(&mut r, self.ptr, c.as_ptr(), limit) };
        self.flat(rc, &r)
    }
    /// RDEPS of a file: the files referencing or calling what it defines.
    pub fn rdeps(&mut self, path: &str, limit: usize) -> Result<Answer<Item>> {
        let c = cstring("rdeps", path)?;
        let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
        // SAFETY: as search.
        let rc = unsafe { sys::lmkv_graph_rdeps(&mut r, self.ptr, c.as_ptr(), limit) };
        self.flat(rc, &r)
    }
}
