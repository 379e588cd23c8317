//! The schema store (schema/lmkv_schema.h STORE section): typed records of
//! file versions, path mappings and the current state, read in snapshots
//! ([`ReadTxn`]) and written in write sessions ([`Session`]).
//!
//! Threads (the header's rules, enforced by the types):
//! * [`Store`]: `Send + Sync` and `Clone` (lmkv_store is thread-safe); it
//!   keeps its [`Db`] open, and every txn, session, graph, cache and
//!   worktree keeps the store open, so close order is never the caller's
//!   problem.
//! * [`ReadTxn`]: `Send`, not `Sync` -- an LMDB read txn opened with
//!   MDB_NOTLS may move between threads (a tokio task resuming elsewhere)
//!   but is used by one thread at a time.
//! * [`Session`]: neither `Send` nor `Sync` -- it holds LMDB's single write
//!   txn, whose writer lock belongs to the thread that began it; it must
//!   never cross threads:
//!
//! ```compile_fail,E0277
//! # use lmkv::{Config, store::Store};
//! let db = Config::new().temporary(true).open().unwrap();
//! let st = Store::open(&db).unwrap();
//! let s = st.session().unwrap();
//! std::thread::spawn(move || s.commit()); // Session is !Send
//! ```
//!
//! Records read in a [`ReadTxn`] borrow it: they cannot outlive it, nor a
//! [`ReadTxn::renew`] (which takes `&mut self`):
//!
//! ```compile_fail,E0502
//! # use lmkv::{Config, store::Store};
//! let db = Config::new().temporary(true).open().unwrap();
//! let st = Store::open(&db).unwrap();
//! let mut t = st.read().unwrap();
//! let syms = t.symbols_by_name(1, "main", 0).unwrap();
//! t.renew().unwrap(); // the snapshot the records point into is gone
//! println!("{:?}", syms.first().map(|s| s.name()));
//! ```
//!
//! In a [`Session`] every read takes `&mut self` too: the C header makes a
//! session's records valid only until its next write, and in bulk mode a
//! read writes the buffered inserts of the tree it reads. So the records of
//! one read are dropped before the next call:
//!
//! ```compile_fail,E0499
//! # use lmkv::{Config, store::Store};
//! let db = Config::new().temporary(true).open().unwrap();
//! let st = Store::open(&db).unwrap();
//! let mut s = st.session().unwrap();
//! let syms = s.symbols_by_name(1, "main", 0).unwrap();
//! s.unset_current(1, "a.c").ok(); // a write while records are borrowed
//! println!("{}", syms.len());
//! ```
//!
//! The same code in the allowed order compiles: a read txn moves to another
//! thread, and a session's records are dropped before its next call.
//!
//! ```
//! # use lmkv::{Config, store::Store};
//! let db = Config::new().temporary(true).open().unwrap();
//! let st = Store::open(&db).unwrap();
//! let mut t = st.read().unwrap();
//! let n = t.symbols_by_name(1, "main", 0).unwrap().len();
//! t.renew().unwrap();
//! let t = std::thread::spawn(move || { t.symbols_by_name(1, "main", 0).unwrap().len(); t }).join().unwrap();
//! let mut s = st.session().unwrap();
//! let m = s.symbols_by_name(1, "main", 0).unwrap().len();
//! assert_eq!(s.unset_current(1, "a.c").unwrap_err().kind(), lmkv::ErrorKind::NotFound);
//! assert_eq!((n, m), (0, 0));
//! s.commit().unwrap();
//! drop(t);
//! ```

use crate::error::{check, Error, Result};
use crate::ffi::{cstring, opt_cstring, opt_ptr, sized};
use crate::records::*;
use crate::Db;
use lmkv_sys as sys;
use std::cell::Cell;
use std::ffi::CString;
use std::marker::PhantomData;
use std::os::raw::{c_int, c_void};
use std::ptr;
use std::sync::Arc;

/// Query flag: only records of current file versions (the default, 0).
pub const CURRENT: u32 = sys::LMKV_STORE_CURRENT;
/// Query flag: every stored file version.
pub const ALL_VERSIONS: u32 = sys::LMKV_STORE_ALL_VERSIONS;
/// Query flag: name lookups match names starting with the given bytes.
pub const PREFIX: u32 = sys::LMKV_STORE_PREFIX;

pub(crate) struct StoreInner {
    pub(crate) ptr: *mut sys::lmkv_store,
    // Dropped after Drop::drop closed the store: the db outlives it.
    pub(crate) db: Db,
}

// SAFETY: lmkv_store is thread-safe (schema/lmkv_schema.h "Threading").
unsafe impl Send for StoreInner {}
// SAFETY: as above.
unsafe impl Sync for StoreInner {}

impl Drop for StoreInner {
    fn drop(&mut self) {
        // SAFETY: every txn/session/cache/graph/worktree holds an Arc of
        // this, so none is left when it drops.
        unsafe { sys::lmkv_store_close(self.ptr) }
    }
}

/// The store on a database (lmkv_store_open). Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<StoreInner>,
}

impl Store {
    /// Opens the store's system trees on `db` (creating them on first use).
    /// Errors: kv's system-tree open errors; on a read-only db an empty
    /// store whose lookups find nothing.
    pub fn open(db: &Db) -> Result<Store> {
        let mut p = ptr::null_mut();
        // SAFETY: valid out pointer and open db (kept open by the clone).
        check(unsafe { sys::lmkv_store_open(&mut p, db.as_raw()) })?;
        Ok(Store { inner: Arc::new(StoreInner { ptr: p, db: db.clone() }) })
    }
    /// The database the store is on.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }
    /// The C handle (borrowed; valid while this store lives).
    pub fn as_raw(&self) -> *mut sys::lmkv_store {
        self.inner.ptr
    }
    /// A read snapshot (lmkv_store_txn_begin). Errors: LMKV_EBUSY (no
    /// reader slot), LMKV_ENOMEM.
    pub fn read(&self) -> Result<ReadTxn> {
        let mut p = ptr::null_mut();
        // SAFETY: valid out pointer and store.
        check(unsafe { sys::lmkv_store_txn_begin(&mut p, self.inner.ptr) })?;
        Ok(ReadTxn { ptr: p, _store: self.inner.clone(), _not_sync: PhantomData })
    }
    /// A write session (one LMDB write txn; blocks while another writer
    /// holds the database). Errors: LMKV_EREADONLY, kv's txn errors.
    /// A thread holding a session must not begin another one, nor call the
    /// writing functions of a [`crate::cache::Cache`] (LMKV_EBUSY).
    pub fn session(&self) -> Result<Session> {
        let mut p = ptr::null_mut();
        // SAFETY: valid out pointer and store.
        check(unsafe { sys::lmkv_store_session_begin(&mut p, self.inner.ptr) })?;
        Ok(Session { ptr: p, _store: self.inner.clone(), _not_send: PhantomData })
    }
}

/// A read snapshot of the store. `Send`, not `Sync`.
pub struct ReadTxn {
    ptr: *mut sys::lmkv_store_txn,
    _store: Arc<StoreInner>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: the env uses MDB_NOTLS, so a read txn may be used from another
// thread as long as one thread at a time does (not Sync: &ReadTxn stays on
// one thread).
unsafe impl Send for ReadTxn {}

impl Drop for ReadTxn {
    fn drop(&mut self) {
        // SAFETY: our own txn.
        unsafe { sys::lmkv_store_txn_end(self.ptr) }
    }
}

impl ReadTxn {
    /// A fresh snapshot (mdb_txn_reset + mdb_txn_renew): later reads see
    /// commits made since. `&mut self`: records of the old snapshot must be
    /// gone.
    pub fn renew(&mut self) -> Result<()> {
        // SAFETY: our own txn.
        unsafe { sys::lmkv_store_txn_reset(self.ptr) };
        // SAFETY: as above.
        check(unsafe { sys::lmkv_store_txn_renew(self.ptr) })
    }
    /// The C handle (borrowed).
    pub fn as_raw(&self) -> *mut sys::lmkv_store_txn {
        self.ptr
    }
    fn txn_ptr(&self) -> *mut sys::lmkv_store_txn {
        self.ptr
    }
}

/// A write session. Neither `Send` nor `Sync` (see the module docs).
/// Dropped without [`Session::commit`]: aborted, nothing visible.
pub struct Session {
    ptr: *mut sys::lmkv_store_session,
    _store: Arc<StoreInner>,
    _not_send: PhantomData<*mut ()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: our own session, not yet ended.
            unsafe { sys::lmkv_store_session_abort(self.ptr) }
        }
    }
}

/// One current-map entry (lmkv_store_current), zero-copy path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current<'t> {
    /// The file version id.
    pub fv: u64,
    /// `sys::LMKV_SOURCE_COMMIT` (1) or `sys::LMKV_SOURCE_LATEST` (2).
    pub source: i32,
    /// The raw commit oid (all zeros unless the source is a commit).
    pub commit: [u8; 20],
    pub path: &'t str,
}

/// Record counts of the store (lmkv_store_count).
pub type Counts = sys::lmkv_store_counts;

// ------------------------------------------------------------ trampolines

unsafe extern "C" fn push<R: Copy>(ctx: *mut c_void, rec: *const R) -> c_int {
    // SAFETY: ctx is the &mut Vec<R> given with this function; rec is valid.
    (*(ctx as *mut Vec<R>)).push(*rec);
    0
}

unsafe extern "C" fn push_current(ctx: *mut c_void, cur: *const sys::lmkv_store_current) -> c_int {
    // SAFETY: as push.
    (*(ctx as *mut Vec<sys::lmkv_store_current>)).push(*cur);
    0
}

pub(crate) fn views<'t, R: Copy, V>(v: Vec<R>, f: impl Fn(R) -> V) -> Vec<V>
where
    V: 't,
{
    v.into_iter().map(f).collect()
}

/// Read methods, generated for `&self` (ReadTxn) and `&mut self` (Session).
macro_rules! read_methods {
    ($($m:ident)?) => {
        /// The Workspace record `ws`, if registered.
        pub fn workspace(& $($m)? self, ws: u64) -> Result<Option<Workspace<'_>>> {
            let mut out: sys::lmkv_workspace = unsafe { std::mem::zeroed() };
            // SAFETY: valid out struct and txn.
            match unsafe { sys::lmkv_store_workspace_get(&mut out, self.txn_ptr(), ws) } {
                sys::LMKV_OK => Ok(Some(unsafe { Workspace::from_raw(out) })),
                sys::LMKV_NOTFOUND => Ok(None),
                rc => Err(Error::from_code(rc)),
            }
        }
        /// The workspace id registered for a root path, if any.
        pub fn workspace_by_root(& $($m)? self, root: &str) -> Result<Option<u64>> {
            let mut id = 0;
            let (p, n) = sized(root);
            // SAFETY: valid out pointer, (p, n) readable.
            match unsafe { sys::lmkv_store_workspace_by_root(&mut id, self.txn_ptr(), p, n) } {
                sys::LMKV_OK => Ok(Some(id)),
                sys::LMKV_NOTFOUND => Ok(None),
                rc => Err(Error::from_code(rc)),
            }
        }
        /// Every workspace, in id order.
        pub fn workspaces(& $($m)? self) -> Result<Vec<Workspace<'_>>> {
            let mut v: Vec<sys::lmkv_workspace> = Vec::new();
            // SAFETY: push::<lmkv_workspace> with ctx = &mut v.
            check(unsafe { sys::lmkv_store_workspaces(self.txn_ptr(), Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Workspace::from_raw(r) }))
        }
        /// The FileVersion `fv` of workspace `ws`, if stored.
        pub fn file_version(& $($m)? self, ws: u64, fv: u64) -> Result<Option<FileVersion<'_>>> {
            let mut out: sys::lmkv_file_version = unsafe { std::mem::zeroed() };
            // SAFETY: valid out struct and txn.
            match unsafe { sys::lmkv_store_file_version_get(&mut out, self.txn_ptr(), ws, fv) } {
                sys::LMKV_OK => Ok(Some(unsafe { FileVersion::from_raw(out) })),
                sys::LMKV_NOTFOUND => Ok(None),
                rc => Err(Error::from_code(rc)),
            }
        }
        /// Every stored file version of `ws` (current or not), in fv order.
        pub fn file_versions(& $($m)? self, ws: u64) -> Result<Vec<FileVersion<'_>>> {
            let mut v: Vec<sys::lmkv_file_version> = Vec::new();
            // SAFETY: as workspaces.
            check(unsafe { sys::lmkv_store_file_versions(self.txn_ptr(), ws, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { FileVersion::from_raw(r) }))
        }
        /// The current-map entry of `path`, if any.
        pub fn current(& $($m)? self, ws: u64, path: &str) -> Result<Option<(u64, i32)>> {
            let mut out: sys::lmkv_store_current = unsafe { std::mem::zeroed() };
            let (p, n) = sized(path);
            // SAFETY: valid out struct; (p, n) readable.
            match unsafe { sys::lmkv_store_current_get(&mut out, self.txn_ptr(), ws, p, n) } {
                sys::LMKV_OK => Ok(Some((out.fv, out.source))),
                sys::LMKV_NOTFOUND => Ok(None),
                rc => Err(Error::from_code(rc)),
            }
        }
        /// The current-map entries whose path starts with `prefix` ("" =
        /// all), in path order.
        pub fn current_prefix(& $($m)? self, ws: u64, prefix: &str) -> Result<Vec<Current<'_>>> {
            let mut v: Vec<sys::lmkv_store_current> = Vec::new();
            let (p, n) = sized(prefix);
            // SAFETY: push_current with ctx = &mut v.
            check(unsafe {
                sys::lmkv_store_current_prefix(self.txn_ptr(), ws, p, n, Some(push_current), &mut v as *mut _ as *mut c_void)
            })?;
            Ok(v.into_iter()
                .map(|c| Current {
                    fv: c.fv,
                    source: c.source,
                    commit: c.commit,
                    // SAFETY: path_len bytes in the snapshot (txn lifetime).
                    path: unsafe {
                        std::str::from_utf8(std::slice::from_raw_parts(c.path as *const u8, c.path_len)).unwrap_or("")
                    },
                })
                .collect())
        }
        /// The workspace's state generation (0: its current map never changed).
        pub fn generation(& $($m)? self, ws: u64) -> Result<u64> {
            let mut g = 0;
            // SAFETY: valid out pointer.
            check(unsafe { sys::lmkv_store_generation(&mut g, self.txn_ptr(), ws) })?;
            Ok(g)
        }
        /// Whether `fv` is in the workspace's current map.
        pub fn is_current(& $($m)? self, ws: u64, fv: u64) -> Result<bool> {
            // SAFETY: valid txn.
            match unsafe { sys::lmkv_store_is_current(self.txn_ptr(), ws, fv) } {
                rc if rc < 0 => Err(Error::from_code(rc)),
                rc => Ok(rc == 1),
            }
        }
        /// Symbols by short name (flags: [`CURRENT`]/[`ALL_VERSIONS`],
        /// [`PREFIX`]), in (name, fv, id) order.
        pub fn symbols_by_name(& $($m)? self, ws: u64, name: &str, flags: u32) -> Result<Vec<Symbol<'_>>> {
            let mut v: Vec<sys::lmkv_symbol> = Vec::new();
            let (p, n) = sized(name);
            // SAFETY: push::<lmkv_symbol>, ctx = &mut v; (p, n) readable.
            check(unsafe { sys::lmkv_store_symbols_by_name(self.txn_ptr(), ws, p, n, flags, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Symbol::from_raw(r) }))
        }
        /// Symbols by qualified name.
        pub fn symbols_by_qname(& $($m)? self, ws: u64, qname: &str, flags: u32) -> Result<Vec<Symbol<'_>>> {
            let mut v: Vec<sys::lmkv_symbol> = Vec::new();
            let (p, n) = sized(qname);
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_symbols_by_qname(self.txn_ptr(), ws, p, n, flags, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Symbol::from_raw(r) }))
        }
        /// The symbols of one file version, in id order.
        pub fn symbols_of(& $($m)? self, ws: u64, fv: u64) -> Result<Vec<Symbol<'_>>> {
            let mut v: Vec<sys::lmkv_symbol> = Vec::new();
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_symbols_of(self.txn_ptr(), ws, fv, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Symbol::from_raw(r) }))
        }
        /// Calls whose callee name is `name` (callers), as lmkv_store_calls_to.
        pub fn calls_to(& $($m)? self, ws: u64, name: &str, flags: u32) -> Result<Vec<Call<'_>>> {
            let mut v: Vec<sys::lmkv_call> = Vec::new();
            let (p, n) = sized(name);
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_calls_to(self.txn_ptr(), ws, p, n, flags, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Call::from_raw(r) }))
        }
        /// Calls of the current state whose caller name is `name` (callees);
        /// flags 0 or [`PREFIX`].
        pub fn calls_by_caller(& $($m)? self, ws: u64, name: &str, flags: u32) -> Result<Vec<Call<'_>>> {
            let mut v: Vec<sys::lmkv_call> = Vec::new();
            let (p, n) = sized(name);
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_calls_by_caller(self.txn_ptr(), ws, p, n, flags, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Call::from_raw(r) }))
        }
        /// Every call of one file version, in order of extraction.
        pub fn calls_of(& $($m)? self, ws: u64, fv: u64) -> Result<Vec<Call<'_>>> {
            let mut v: Vec<sys::lmkv_call> = Vec::new();
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_calls_of(self.txn_ptr(), ws, fv, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Call::from_raw(r) }))
        }
        /// References whose target name is `name`.
        pub fn refs_to(& $($m)? self, ws: u64, name: &str, flags: u32) -> Result<Vec<Reference<'_>>> {
            let mut v: Vec<sys::lmkv_reference> = Vec::new();
            let (p, n) = sized(name);
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_refs_to(self.txn_ptr(), ws, p, n, flags, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Reference::from_raw(r) }))
        }
        /// Every reference of one file version.
        pub fn refs_of(& $($m)? self, ws: u64, fv: u64) -> Result<Vec<Reference<'_>>> {
            let mut v: Vec<sys::lmkv_reference> = Vec::new();
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_refs_of(self.txn_ptr(), ws, fv, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Reference::from_raw(r) }))
        }
        /// Hierarchy edges whose parent is symbol `parent_id`.
        pub fn hierarchy_children(& $($m)? self, ws: u64, parent_id: u64, flags: u32) -> Result<Vec<Hierarchy<'_>>> {
            let mut v: Vec<sys::lmkv_hierarchy> = Vec::new();
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_store_hierarchy_children(self.txn_ptr(), ws, parent_id, flags, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { Hierarchy::from_raw(r) }))
        }
        /// Record counts (ws = 0: whole database).
        pub fn count(& $($m)? self, ws: u64) -> Result<Counts> {
            let mut c: Counts = unsafe { std::mem::zeroed() };
            // SAFETY: valid out struct.
            check(unsafe { sys::lmkv_store_count(&mut c, self.txn_ptr(), ws) })?;
            Ok(c)
        }
        /// Counters of (ws, method, day) of the LSP cache, if any.
        pub fn cache_stats(& $($m)? self, ws: u64, method: &str, day: u32) -> Result<Option<CacheStats<'_>>> {
            let m = cstring("method", method)?;
            let mut out: sys::lmkv_cache_stats = unsafe { std::mem::zeroed() };
            // SAFETY: valid out struct and C string.
            match unsafe { sys::lmkv_cache_stats_get(&mut out, self.txn_ptr(), ws, m.as_ptr(), day) } {
                sys::LMKV_OK => Ok(Some(unsafe { CacheStats::from_raw(out) })),
                sys::LMKV_NOTFOUND => Ok(None),
                rc => Err(Error::from_code(rc)),
            }
        }
        /// Every counter row of the LSP cache of `ws`, in (day, method) order.
        pub fn cache_stats_all(& $($m)? self, ws: u64) -> Result<Vec<CacheStats<'_>>> {
            let mut v: Vec<sys::lmkv_cache_stats> = Vec::new();
            // SAFETY: as symbols_by_name.
            check(unsafe { sys::lmkv_cache_stats_each(self.txn_ptr(), ws, Some(push), &mut v as *mut _ as *mut c_void) })?;
            Ok(views(v, |r| unsafe { CacheStats::from_raw(r) }))
        }
    };
}

impl ReadTxn {
    read_methods!();
}

impl Session {
    read_methods!(mut);

    fn txn_ptr(&self) -> *mut sys::lmkv_store_txn {
        // SAFETY: our own live session.
        unsafe { sys::lmkv_store_session_txn(self.ptr) }
    }
    /// The C handle (borrowed).
    pub fn as_raw(&self) -> *mut sys::lmkv_store_session {
        self.ptr
    }
    /// Commits everything atomically (the session is gone either way).
    /// Errors: LMKV_EBADTXN (poisoned by an earlier write error), LMKV_EFULL, LMKV_EIO.
    pub fn commit(mut self) -> Result<()> {
        let p = std::mem::replace(&mut self.ptr, ptr::null_mut());
        // SAFETY: our own session; ptr cleared so Drop does not abort it.
        check(unsafe { sys::lmkv_store_session_commit(p) })
    }
    /// Aborts: nothing of the session becomes visible.
    pub fn abort(self) {}
    /// Key writes/deletes so far (for callers that bound their transactions).
    pub fn pending(&self) -> usize {
        // SAFETY: our own live session.
        unsafe { sys::lmkv_store_session_pending(self.ptr) }
    }
    /// Bulk load on or off (lmkv_store_session_set_bulk).
    pub fn set_bulk(&mut self, on: bool) -> Result<()> {
        // SAFETY: our own live session.
        check(unsafe { sys::lmkv_store_session_set_bulk(self.ptr, on as c_int) })
    }
    /// Registers or updates a workspace (key: `ws.id`).
    pub fn workspace_put(&mut self, ws: &NewWorkspace) -> Result<()> {
        let root = cstring("workspace root_path", &ws.root_path)?;
        let name = opt_cstring("workspace name", ws.name.as_deref())?;
        let commit = opt_cstring("workspace current_commit", ws.current_commit.as_deref())?;
        let meta = opt_cstring("workspace metadata", ws.metadata.as_deref())?;
        let mut r: sys::lmkv_workspace = unsafe { std::mem::zeroed() };
        // SAFETY: r is a lmkv_workspace.
        check(unsafe { sys::lmkv_record_init(sys::LMKV_REC_WORKSPACE, &mut r as *mut _ as *mut c_void) })?;
        r.id = ws.id;
        r.root_path = root.as_ptr();
        r.name = opt_ptr(&name);
        r.is_git = ws.is_git as c_int;
        r.current_commit = opt_ptr(&commit);
        r.created_ns = ws.created_ns;
        r.last_indexed_ns = ws.last_indexed_ns;
        r.metadata = opt_ptr(&meta);
        // SAFETY: r's strings live until the call returns (copied).
        check(unsafe { sys::lmkv_store_workspace_put(self.ptr, &r) })
    }
    /// Stores one file version and all its records, replacing what that
    /// version had (lmkv_store_put_file: bad input is refused before the
    /// first write, with the session still usable; a write error poisons it).
    pub fn put_file(
        &mut self,
        fv: &NewFileVersion,
        symbols: &[NewSymbol],
        calls: &[NewCall],
        refs: &[NewReference],
        hierarchy: &[NewHierarchy],
    ) -> Result<()> {
        let mut keep: Vec<CString> = Vec::new();
        let mut s = |what: &str, v: &str| -> Result<*const std::os::raw::c_char> {
            let c = cstring(what, v)?;
            let p = c.as_ptr();
            keep.push(c);
            Ok(p)
        };
        let mut c_fv: sys::lmkv_file_version = unsafe { std::mem::zeroed() };
        // SAFETY: record_init on the matching struct type.
        check(unsafe { sys::lmkv_record_init(sys::LMKV_REC_FILE_VERSION, &mut c_fv as *mut _ as *mut c_void) })?;
        c_fv.id = fv.id;
        c_fv.workspace_id = fv.workspace_id;
        c_fv.path = s("file path", &fv.path)?;
        c_fv.content_hash = fv.content_hash;
        if let Some(b) = &fv.git_blob_id {
            c_fv.git_blob_id = s("git_blob_id", b)?;
        }
        if let Some(l) = &fv.language {
            c_fv.language = s("language", l)?;
        }
        c_fv.size_bytes = fv.size_bytes;
        c_fv.line_count = fv.line_count;
        c_fv.mtime_ns = fv.mtime_ns;
        c_fv.indexed_ns = fv.indexed_ns;

        let mut c_syms = Vec::with_capacity(symbols.len());
        for x in symbols {
            let mut r: sys::lmkv_symbol = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            check(unsafe { sys::lmkv_record_init(sys::LMKV_REC_SYMBOL, &mut r as *mut _ as *mut c_void) })?;
            r.id = x.id;
            r.name = s("symbol name", &x.name)?;
            if let Some(q) = &x.qualified_name {
                r.qualified_name = s("symbol qualified_name", q)?;
            }
            r.kind = x.kind as sys::lmkv_symbol_kind;
            r.start_line = x.start_line;
            r.start_column = x.start_column;
            r.end_line = x.end_line;
            r.end_column = x.end_column;
            if let Some(sig) = &x.signature {
                r.signature = s("symbol signature", sig)?;
            }
            r.parent_id = x.parent_id;
            if let Some(p) = &x.parent_name {
                r.parent_name = s("symbol parent_name", p)?;
            }
            c_syms.push(r);
        }
        let mut c_calls = Vec::with_capacity(calls.len());
        for x in calls {
            let mut r: sys::lmkv_call = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            check(unsafe { sys::lmkv_record_init(sys::LMKV_REC_CALL, &mut r as *mut _ as *mut c_void) })?;
            r.id = x.id;
            r.caller_id = x.caller_id;
            r.caller_name = s("call caller_name", &x.caller_name)?;
            r.callee_id = x.callee_id;
            r.callee_name = s("call callee_name", &x.callee_name)?;
            r.line = x.line;
            r.column = x.column;
            r.call_type = x.call_type as sys::lmkv_call_type;
            r.argument_count = x.argument_count.unwrap_or(-1);
            c_calls.push(r);
        }
        let mut c_refs = Vec::with_capacity(refs.len());
        for x in refs {
            let mut r: sys::lmkv_reference = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            check(unsafe { sys::lmkv_record_init(sys::LMKV_REC_REFERENCE, &mut r as *mut _ as *mut c_void) })?;
            r.id = x.id;
            r.source_id = x.source_id;
            if let Some(n) = &x.source_name {
                r.source_name = s("reference source_name", n)?;
            }
            r.target_id = x.target_id;
            r.target_name = s("reference target_name", &x.target_name)?;
            r.start_line = x.start_line;
            r.start_column = x.start_column;
            r.end_line = x.end_line;
            r.end_column = x.end_column;
            r.kind = x.kind as sys::lmkv_reference_kind;
            c_refs.push(r);
        }
        let mut c_hier = Vec::with_capacity(hierarchy.len());
        for x in hierarchy {
            let mut r: sys::lmkv_hierarchy = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            check(unsafe { sys::lmkv_record_init(sys::LMKV_REC_HIERARCHY, &mut r as *mut _ as *mut c_void) })?;
            r.parent_id = x.parent_id;
            r.parent_name = s("hierarchy parent_name", &x.parent_name)?;
            r.child_id = x.child_id;
            r.child_name = s("hierarchy child_name", &x.child_name)?;
            r.kind = x.kind as sys::lmkv_hierarchy_kind;
            c_hier.push(r);
        }
        let recs = sys::lmkv_store_file_records {
            symbols: c_syms.as_ptr(),
            n_symbols: c_syms.len(),
            references: c_refs.as_ptr(),
            n_references: c_refs.len(),
            calls: c_calls.as_ptr(),
            n_calls: c_calls.len(),
            hierarchy: c_hier.as_ptr(),
            n_hierarchy: c_hier.len(),
        };
        // SAFETY: every pointer is into `keep` or the Vecs above, alive
        // until the call returns; the store copies what it keeps.
        check(unsafe { sys::lmkv_store_put_file(self.ptr, &c_fv, &recs) })
    }
    /// Removes a file version with its records, index entries, current and
    /// latest mappings and its cache entries; returns how many were deleted.
    /// LMKV_NOTFOUND if `fv` is not stored.
    pub fn remove_file(&mut self, ws: u64, fv: u64) -> Result<usize> {
        let mut n = 0;
        // SAFETY: valid out pointer and session.
        check(unsafe { sys::lmkv_store_remove_file(&mut n, self.ptr, ws, fv) })?;
        Ok(n)
    }
    /// Maps `path` to `fv` in the current map as the latest worktree version
    /// (source LATEST); bumps the state generation once per session.
    pub fn set_current_latest(&mut self, ws: u64, path: &str, fv: u64) -> Result<()> {
        let (p, n) = sized(path);
        // SAFETY: (p, n) readable; NULL commit is allowed for LATEST.
        check(unsafe {
            sys::lmkv_store_set_current(self.ptr, ws, p, n, fv, sys::LMKV_SOURCE_LATEST as c_int, ptr::null())
        })
    }
    /// Maps `path` to `fv` in the current map as the version of `commit`.
    pub fn set_current_commit(&mut self, ws: u64, path: &str, fv: u64, commit: &[u8; 20]) -> Result<()> {
        let (p, n) = sized(path);
        // SAFETY: (p, n) readable, commit 20 bytes.
        check(unsafe {
            sys::lmkv_store_set_current(self.ptr, ws, p, n, fv, sys::LMKV_SOURCE_COMMIT as c_int, commit.as_ptr())
        })
    }
    /// Removes `path` from the current map. LMKV_NOTFOUND if it had no entry.
    pub fn unset_current(&mut self, ws: u64, path: &str) -> Result<()> {
        let (p, n) = sized(path);
        // SAFETY: (p, n) readable.
        check(unsafe { sys::lmkv_store_unset_current(self.ptr, ws, p, n) })
    }
    /// Latest mapping (ws, path) -> fv.
    pub fn map_latest(&mut self, ws: u64, path: &str, fv: u64) -> Result<()> {
        let (p, n) = sized(path);
        // SAFETY: (p, n) readable.
        check(unsafe { sys::lmkv_store_map_latest(self.ptr, ws, p, n, fv) })
    }
}

/// lmkv_workspace_id: the workspace id of a canonical root path.
pub fn workspace_id(root: &str) -> Result<u64> {
    let c = cstring("root path", root)?;
    let mut id = 0;
    // SAFETY: valid out pointer and C string.
    check(unsafe { sys::lmkv_workspace_id(&mut id, c.as_ptr()) })?;
    Ok(id)
}

/// lmkv_file_version_id: the id of (workspace, path, git blob id).
pub fn file_version_id(ws: u64, path: &str, git_blob_id: &str) -> Result<u64> {
    let p = cstring("path", path)?;
    let b = cstring("git blob id", git_blob_id)?;
    let mut id = 0;
    // SAFETY: valid out pointer and C strings.
    check(unsafe { sys::lmkv_file_version_id(&mut id, ws, p.as_ptr(), b.as_ptr()) })?;
    Ok(id)
}

/// lmkv_symbol_id: a position-free symbol id.
pub fn symbol_id(ws: u64, path: &str, qualified_name: &str, kind: u32, disambiguator: u32) -> Result<u64> {
    let p = cstring("path", path)?;
    let q = cstring("qualified name", qualified_name)?;
    let mut id = 0;
    // SAFETY: valid out pointer and C strings.
    check(unsafe { sys::lmkv_symbol_id(&mut id, ws, p.as_ptr(), q.as_ptr(), kind as c_int, disambiguator) })?;
    Ok(id)
}

/// lmkv_call_id.
pub fn call_id(fv: u64, caller_id: u64, callee_id: u64, line: u32, column: u32) -> Result<u64> {
    let mut id = 0;
    // SAFETY: valid out pointer.
    check(unsafe { sys::lmkv_call_id(&mut id, fv, caller_id, callee_id, line, column) })?;
    Ok(id)
}

/// lmkv_reference_id.
pub fn reference_id(fv: u64, source_id: u64, target_id: u64, kind: u32, line: u32, column: u32) -> Result<u64> {
    let mut id = 0;
    // SAFETY: valid out pointer.
    check(unsafe { sys::lmkv_reference_id(&mut id, fv, source_id, target_id, kind as c_int, line, column) })?;
    Ok(id)
}

/// lmkv_blob_id: the git blob id (hex) of content, as `git hash-object`.
pub fn blob_id(content: &[u8]) -> String {
    let mut out = [0 as std::os::raw::c_char; 41];
    // SAFETY: 41-byte buffer; content readable.
    let rc = unsafe { sys::lmkv_blob_id(out.as_mut_ptr(), content.as_ptr() as *const c_void, content.len()) };
    debug_assert_eq!(rc, sys::LMKV_OK);
    crate::ffi::array_string(&out)
}
