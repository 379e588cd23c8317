//! [`Db`] and [`Tree`]: sled 0.34's `Db` and `Tree` over lmkv_db / lmkv_tree.
//!
//! Ownership of the C handles: a `Db` owns its `lmkv_db` through an `Arc`;
//! every `Tree`, iterator, subscriber and transaction holds a clone of that
//! `Arc` (iterators and subscribers hold their `Tree`), so `lmkv_db_close`
//! runs only after every object the C header says must be closed first is
//! gone, whatever order the Rust values are dropped in.

use crate::batch::Batch;
use crate::error::{check, cstr_or_empty, CompareAndSwapError, Error, Result};
use crate::iter::Iter;
use crate::ivec::IVec;
use crate::subscriber::Subscriber;
use lmkv_sys as sys;
use std::any::Any;
use std::cell::RefCell;
use std::ffi::CString;
use std::future::Future;
use std::ops::{Bound, Deref, RangeBounds};
use std::os::raw::{c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::ptr;
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll, Waker};

// ------------------------------------------------------------ FFI helpers

thread_local! {
    /// A panic caught in a Rust callback called from C; re-raised on the
    /// same thread once the C call has returned (a panic must not unwind
    /// through C frames).
    static PANIC: RefCell<Option<Box<dyn Any + Send>>> = const { RefCell::new(None) };
}

/// Runs `f` (a Rust callback invoked by C); a panic is stashed and turned
/// into `LMKV_ECONFLICT` so the C call aborts its transaction cleanly.
pub(crate) fn call_guarded(f: impl FnOnce() -> c_int) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(rc) => rc,
        Err(p) => {
            PANIC.with(|s| *s.borrow_mut() = Some(p));
            set_error(sys::LMKV_ECONFLICT, "a Rust callback panicked")
        }
    }
}

/// After a C call that may have run Rust callbacks: re-raise their panic.
pub(crate) fn resume_callback_panic() {
    if let Some(p) = PANIC.with(|s| s.borrow_mut().take()) {
        resume_unwind(p);
    }
}

/// Sets the calling thread's lmkv message (lmkv_error_set) and returns `code`.
pub(crate) fn set_error(code: c_int, msg: &str) -> c_int {
    let m = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    // SAFETY: "%s" with a valid NUL-terminated string.
    unsafe { sys::lmkv_error_set(code, c"%s".as_ptr(), m.as_ptr()) }
}

/// `(pointer, size)` of a byte slice for the C API.
#[inline]
pub(crate) fn raw(b: &[u8]) -> (*const c_void, usize) {
    (b.as_ptr() as *const c_void, b.len())
}

/// Takes over an owned `lmkv_bytes` (data NULL = absent).
///
/// # Safety
/// `b` was filled by lmkv and is owned by no one else.
#[inline]
pub(crate) unsafe fn take_bytes(b: sys::lmkv_bytes) -> Option<IVec> {
    if b.data.is_null() {
        None
    } else {
        Some(IVec::from_c(b.data as *mut c_void, b.size))
    }
}

/// Copies `v` into a malloc()'ed buffer for lmkv to free (present empty
/// values get a non-NULL 1-byte allocation with size 0).
pub(crate) fn to_malloc(v: &[u8]) -> Option<*mut u8> {
    // SAFETY: malloc of at least 1 byte; checked for NULL; copy within bounds.
    unsafe {
        let p = sys::malloc(v.len().max(1)) as *mut u8;
        if p.is_null() {
            return None;
        }
        ptr::copy_nonoverlapping(v.as_ptr(), p, v.len());
        Some(p)
    }
}

/// Writes a callback's answer to lmkv's out-parameters (None = delete).
///
/// # Safety
/// `out`/`out_size` are the valid out-pointers lmkv passed to the callback.
pub(crate) unsafe fn write_callback_out(v: Option<Vec<u8>>, out: *mut *mut u8, out_size: *mut usize) -> c_int {
    match v {
        None => {
            *out = ptr::null_mut();
            *out_size = 0;
            sys::LMKV_OK
        }
        Some(v) => match to_malloc(&v) {
            Some(p) => {
                *out = p;
                *out_size = v.len();
                sys::LMKV_OK
            }
            None => set_error(sys::LMKV_ENOMEM, "callback result: out of memory"),
        },
    }
}

/// # Safety
/// `p` is NULL (then `n` is ignored) or points to `n` readable bytes that
/// outlive the returned slice.
#[inline]
pub(crate) unsafe fn opt_slice<'a>(p: *const u8, n: usize) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else if n == 0 {
        Some(&[])
    } else {
        Some(std::slice::from_raw_parts(p, n))
    }
}

// ---------------------------------------------------------------- config

/// Commit durability (enum lmkv_durability; see kv/lmkv_kv.h DURABILITY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// MDB_NOMETASYNC: data synced at commit, meta lazily; never corrupts.
    #[default]
    Default,
    /// Full fsync at every commit.
    Sync,
    /// MDB_NOSYNC: fastest; a power loss may corrupt. For rebuildable caches.
    NoSync,
}

/// Database configuration, as `sled::Config` (fields of C's `lmkv_config`).
#[derive(Debug, Clone)]
pub struct Config {
    path: Option<PathBuf>,
    temporary: bool,
    create_new: bool,
    read_only: bool,
    flush_every_ms: Option<u64>,
    durability: Durability,
    initial_map_size: u64,
    max_trees: u32,
    max_readers: u32,
    cache_capacity: u64,
    use_compression: bool,
    compression_factor: i32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            temporary: false,
            create_new: false,
            read_only: false,
            flush_every_ms: Some(500),
            durability: Durability::Default,
            initial_map_size: 0,
            max_trees: 0,
            max_readers: 0,
            cache_capacity: 1024 * 1024 * 1024,
            use_compression: false,
            compression_factor: 5,
        }
    }
}

impl Config {
    /// Defaults of `lmkv_config_init` (flush every 500 ms, as sled).
    pub fn new() -> Config {
        Config::default()
    }
    /// The database directory (created if missing).
    pub fn path(mut self, p: impl AsRef<Path>) -> Config {
        self.path = Some(p.as_ref().to_path_buf());
        self
    }
    /// Delete the directory when the database is closed (sled temporary).
    /// Without a path, a fresh directory under `$TMPDIR` is used.
    pub fn temporary(mut self, t: bool) -> Config {
        self.temporary = t;
        self
    }
    /// Fail with `AlreadyExists` if the database exists (sled create_new).
    pub fn create_new(mut self, c: bool) -> Config {
        self.create_new = c;
        self
    }
    /// Open read-only (writes fail with `ReadOnly`).
    pub fn read_only(mut self, r: bool) -> Config {
        self.read_only = r;
        self
    }
    /// Background flush period (sled flush_every_ms); `None` or `Some(0)`:
    /// no flusher thread. Values over `u32::MAX` ms are clamped.
    pub fn flush_every_ms(mut self, ms: Option<u64>) -> Config {
        self.flush_every_ms = ms;
        self
    }
    /// Commit durability.
    pub fn durability(mut self, d: Durability) -> Config {
        self.durability = d;
        self
    }
    /// Initial LMDB map size in bytes (0 = 64 MiB; the map grows by itself).
    pub fn initial_map_size(mut self, bytes: u64) -> Config {
        self.initial_map_size = bytes;
        self
    }
    /// Maximum number of trees, user and system (0 = 4096).
    pub fn max_trees(mut self, n: u32) -> Config {
        self.max_trees = n;
        self
    }
    /// Maximum concurrent read transactions (0 = 1022).
    pub fn max_readers(mut self, n: u32) -> Config {
        self.max_readers = n;
        self
    }
    /// sled `Config::cache_capacity` (bytes; sled's default 1 GiB).
    /// Accepted and **ignored**: LMDB keeps no cache of its own. Reads go
    /// through the memory-mapped data file, so the cache is the operating
    /// system's page cache, shared by every process that opens the database
    /// and sized by the kernel. Kept so sled call sites compile unchanged.
    pub fn cache_capacity(mut self, bytes: u64) -> Config {
        self.cache_capacity = bytes;
        self
    }
    /// sled `Config::use_compression`. Accepted and **ignored**: LMDB stores
    /// pages uncompressed, and a database written with `true` opens the same
    /// as one written with `false` (sled would refuse the mismatch; the
    /// daemon's open-with-then-without-compression fallback therefore always
    /// succeeds at its first attempt).
    pub fn use_compression(mut self, on: bool) -> Config {
        self.use_compression = on;
        self
    }
    /// sled `Config::compression_factor` (zstd level 1..=22 in sled).
    /// Accepted and **ignored**, as [`Config::use_compression`]; no range
    /// check, since nothing is compressed.
    pub fn compression_factor(mut self, level: i32) -> Config {
        self.compression_factor = level;
        self
    }
    /// The value given to [`Config::cache_capacity`] (informational only).
    pub fn get_cache_capacity(&self) -> u64 {
        self.cache_capacity
    }
    /// The value given to [`Config::use_compression`] (informational only).
    pub fn get_use_compression(&self) -> bool {
        self.use_compression
    }
    /// Opens the database (lmkv_db_open).
    pub fn open(&self) -> Result<Db> {
        let path = match &self.path {
            Some(p) => Some(
                CString::new(p.as_os_str().as_bytes())
                    .map_err(|_| Error::new(sys::LMKV_EINVAL, format!("path {p:?} contains a NUL byte")))?,
            ),
            None => None,
        };
        let mut cfg = std::mem::MaybeUninit::<sys::lmkv_config>::uninit();
        // SAFETY: lmkv_config_init fills every field.
        let mut cfg = unsafe {
            sys::lmkv_config_init(cfg.as_mut_ptr());
            cfg.assume_init()
        };
        cfg.path = path.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        cfg.temporary = self.temporary as c_int;
        cfg.create_new = self.create_new as c_int;
        cfg.read_only = self.read_only as c_int;
        cfg.flush_every_ms = self.flush_every_ms.map_or(0, |ms| ms.min(u32::MAX as u64) as u32);
        cfg.durability = match self.durability {
            Durability::Default => sys::LMKV_DURABILITY_DEFAULT,
            Durability::Sync => sys::LMKV_DURABILITY_SYNC,
            Durability::NoSync => sys::LMKV_DURABILITY_NOSYNC,
        };
        cfg.initial_map_size = self.initial_map_size;
        cfg.max_trees = self.max_trees;
        cfg.max_readers = self.max_readers;
        let mut db = ptr::null_mut();
        // SAFETY: cfg is initialised; path outlives the call (read during open only).
        check(unsafe { sys::lmkv_db_open(&mut db, &cfg) })?;
        Ok(Db::from_raw(db))
    }
}

// -------------------------------------------------------------------- db

/// `lmkv_db_flush` on `db`: the data file's used bytes if something was
/// committed since the last flush, else 0.
fn flush_db(db: &DbInner) -> Result<usize> {
    let mut n = 0u64;
    // SAFETY: valid db handle; lmkv_db_flush is thread-safe.
    check(unsafe { sys::lmkv_db_flush(&mut n, db.ptr) })?;
    Ok(n as usize)
}

struct FlushShared {
    /// (the flush's result once done, the waker of the last poll)
    slot: Mutex<(Option<Result<usize>>, Option<Waker>)>,
}

/// The future of [`Tree::flush_async`] (sled's `impl Future<Output =
/// Result<usize>>`). `Send + 'static`; see [`Tree::flush_async`].
#[must_use = "futures do nothing unless polled: the flush starts at the first poll"]
pub struct FlushAsync {
    db: Arc<DbInner>,
    shared: Option<Arc<FlushShared>>,
}

impl Future for FlushAsync {
    type Output = Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<usize>> {
        let this = &mut *self;
        let shared = match &this.shared {
            Some(s) => s.clone(),
            None => {
                let s = Arc::new(FlushShared { slot: Mutex::new((None, Some(cx.waker().clone()))) });
                let (db, s2) = (this.db.clone(), s.clone());
                let spawned = std::thread::Builder::new().name("lmkv-flush-async".into()).spawn(move || {
                    let r = flush_db(&db);
                    let waker = {
                        let mut g = s2.slot.lock().unwrap_or_else(|e| e.into_inner());
                        g.0 = Some(r);
                        g.1.take()
                    };
                    if let Some(w) = waker {
                        w.wake();
                    }
                });
                if let Err(e) = spawned {
                    return Poll::Ready(Err(Error::new(
                        sys::LMKV_ENOMEM,
                        format!("flush_async: cannot start the flush thread: {e}"),
                    )));
                }
                this.shared = Some(s.clone());
                s
            }
        };
        let mut g = shared.slot.lock().unwrap_or_else(|e| e.into_inner());
        match g.0.take() {
            Some(r) => Poll::Ready(r),
            None => {
                g.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

pub(crate) struct DbInner {
    pub(crate) ptr: *mut sys::lmkv_db,
}

// SAFETY: kv/lmkv_kv.h: db handles are safe to use from several threads at
// once; close happens once, in Drop, when no other reference is left.
unsafe impl Send for DbInner {}
// SAFETY: as above.
unsafe impl Sync for DbInner {}

impl Drop for DbInner {
    fn drop(&mut self) {
        // SAFETY: every tree/iter/txn/subscriber holds an Arc to this, so
        // they are all closed by now (the header's precondition).
        unsafe { sys::lmkv_db_close(self.ptr) }
    }
}

/// An open database (sled `Db`): a directory with an LMDB environment.
/// Derefs to its default tree `__sled__default`, so `db.insert(..)` acts on
/// it, as in sled.
///
/// `Clone` is cheap (a reference count). `Send + Sync`: lmkv db handles may
/// be used from several threads at once (kv/lmkv_kv.h "Opaque handles"),
/// and several handles and processes may open the same directory.
#[derive(Clone)]
pub struct Db {
    pub(crate) inner: Arc<DbInner>,
    default: Tree,
}

impl Db {
    /// Opens (creating) the database at `path` with the default config.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        Config::new().path(path).open()
    }

    fn from_raw(ptr: *mut sys::lmkv_db) -> Db {
        let inner = Arc::new(DbInner { ptr });
        // SAFETY: the default tree is borrowed from the open db (never NULL).
        let t = unsafe { sys::lmkv_db_default_tree(ptr) };
        let default = Tree::from_raw(t, false, inner.clone());
        Db { inner, default }
    }

    /// sled `Db::open_tree`: opens the tree `name` (any bytes), creating it
    /// empty on first use. Each call returns a new handle (with no merge
    /// operator); handles to one tree share its data.
    pub fn open_tree(&self, name: impl AsRef<[u8]>) -> Result<Tree> {
        let (p, n) = raw(name.as_ref());
        let mut t = ptr::null_mut();
        // SAFETY: valid db handle, name slice.
        check(unsafe { sys::lmkv_db_open_tree(&mut t, self.inner.ptr, p, n) })?;
        Ok(Tree::from_raw(t, true, self.inner.clone()))
    }

    /// Opens a tree only if it exists (`Ok(None)` otherwise).
    pub fn open_existing_tree(&self, name: impl AsRef<[u8]>) -> Result<Option<Tree>> {
        let (p, n) = raw(name.as_ref());
        let mut t = ptr::null_mut();
        // SAFETY: valid db handle, name slice.
        let rc = unsafe { sys::lmkv_db_open_tree_ex(&mut t, self.inner.ptr, p, n, sys::LMKV_TREE_NO_CREATE) };
        if rc == sys::LMKV_NOTFOUND {
            return Ok(None);
        }
        check(rc)?;
        Ok(Some(Tree::from_raw(t, true, self.inner.clone())))
    }

    /// sled `Db::drop_tree`: true if the tree existed. Dropping the default
    /// tree is an `InvalidArgument` error. Open handles then fail with
    /// `TreeDropped`.
    pub fn drop_tree(&self, name: impl AsRef<[u8]>) -> Result<bool> {
        let (p, n) = raw(name.as_ref());
        let mut existed: c_int = 0;
        // SAFETY: valid db handle, name slice.
        check(unsafe { sys::lmkv_db_drop_tree(&mut existed, self.inner.ptr, p, n) })?;
        Ok(existed != 0)
    }

    /// sled `Db::tree_names` (same signature: infallible): user trees,
    /// bytewise sorted, the default tree included.
    ///
    /// sled reads its names from memory and cannot fail; lmkv reads LMDB's
    /// catalog in a read transaction, which can (`Full`: no reader slot
    /// left; `OutOfMemory`; `Corruption`). Then this panics with lmkv's
    /// message; [`Db::try_tree_names`] returns the error instead.
    pub fn tree_names(&self) -> Vec<IVec> {
        self.try_tree_names()
            .unwrap_or_else(|e| panic!("lmkv: Db::tree_names failed (Db::try_tree_names returns the error): {e}"))
    }

    /// [`Db::tree_names`] that returns lmkv's error instead of panicking.
    pub fn try_tree_names(&self) -> Result<Vec<IVec>> {
        let mut arr = sys::lmkv_bytes_array { items: ptr::null_mut(), count: 0 };
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_tree_names(&mut arr, self.inner.ptr) })?;
        let mut out = Vec::with_capacity(arr.count);
        for i in 0..arr.count {
            // SAFETY: items has count entries, each data/size readable.
            let b = unsafe { *arr.items.add(i) };
            out.push(IVec::from(unsafe { opt_slice(b.data, b.size) }.unwrap_or(&[])));
        }
        // SAFETY: filled by lmkv_db_tree_names, freed once.
        unsafe { sys::lmkv_bytes_array_free(&mut arr) };
        Ok(out)
    }

    /// sled `Db::generate_id`: 0 on a fresh database, strictly increasing,
    /// never repeated (also across reopen and processes).
    pub fn generate_id(&self) -> Result<u64> {
        let mut id = 0u64;
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_generate_id(&mut id, self.inner.ptr) })?;
        Ok(id)
    }

    /// Makes every later `generate_id` (in every process) return at least
    /// `next`, e.g. to carry over a sled counter on import. Never lowers it.
    pub fn set_next_id(&self, next: u64) -> Result<()> {
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_set_next_id(self.inner.ptr, next) })
    }

    /// The persisted id high-water mark, without reserving anything: every
    /// id `generate_id` ever returned (in any process) is below it. 0 on a
    /// fresh database; the "next" of a sled-dump meta collection. Works on
    /// read-only databases.
    pub fn peek_next_id(&self) -> Result<u64> {
        let mut n = 0u64;
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_peek_next_id(&mut n, self.inner.ptr) })?;
        Ok(n)
    }

    /// sled `Db::flush`: makes every commit so far survive power loss;
    /// returns the data file's used bytes if something was committed since
    /// the last flush, else 0.
    pub fn flush(&self) -> Result<usize> {
        flush_db(&self.inner)
    }

    /// sled `Db::size_on_disk`: bytes of data.mdb + lock.mdb.
    pub fn size_on_disk(&self) -> Result<u64> {
        let mut n = 0u64;
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_size_on_disk(&mut n, self.inner.ptr) })?;
        Ok(n)
    }

    /// Empties every user tree, the default included, atomically (none dropped).
    pub fn clear_all(&self) -> Result<()> {
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_clear(self.inner.ptr) })
    }

    /// sled `Db::checksum`: CRC-32 over every user tree (default included)
    /// by name: name, then keys and values. Equal to sled's for equal data.
    pub fn checksum(&self) -> Result<u32> {
        let mut c = 0u32;
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_checksum(&mut c, self.inner.ptr) })?;
        Ok(c)
    }

    /// sled `Db::was_recovered`: false when this open created the database.
    pub fn was_recovered(&self) -> bool {
        // SAFETY: valid db handle.
        unsafe { sys::lmkv_db_was_recovered(self.inner.ptr) != 0 }
    }

    /// Whether the database is deleted on close.
    pub fn is_temporary(&self) -> bool {
        // SAFETY: valid db handle.
        unsafe { sys::lmkv_db_is_temporary(self.inner.ptr) != 0 }
    }

    /// The database directory.
    pub fn path(&self) -> PathBuf {
        // SAFETY: owned by db, valid until close; copied.
        let p = unsafe { std::ffi::CStr::from_ptr(sys::lmkv_db_path(self.inner.ptr)) };
        PathBuf::from(std::ffi::OsStr::from_bytes(p.to_bytes()))
    }

    /// The C handle, for direct lmkv-sys calls. Valid while this `Db` (or a
    /// clone, tree, iterator or transaction of it) lives; do not close it.
    pub fn as_raw(&self) -> *mut sys::lmkv_db {
        self.inner.ptr
    }

    /// Environment and catalog statistics (lmkv_db_stat_get).
    pub fn stat(&self) -> Result<sys::lmkv_db_stat> {
        let mut s = sys::lmkv_db_stat::default();
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_db_stat_get(&mut s, self.inner.ptr) })?;
        Ok(s)
    }

    /// sled `Db::export`: for each user tree (default included) in name
    /// order: ("tree", name, its pairs in key order), read in one snapshot.
    #[allow(clippy::type_complexity)]
    pub fn export(&self) -> Result<Vec<(Vec<u8>, Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>)>> {
        type Out = Vec<(Vec<u8>, Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>)>;
        unsafe extern "C" fn coll(
            ctx: *mut c_void,
            ty: *const std::os::raw::c_char,
            name: *const u8,
            n: usize,
        ) -> c_int {
            call_guarded(|| {
                // SAFETY: ctx is &mut Out for the duration of lmkv_db_export.
                let out = &mut *(ctx as *mut Out);
                let ty = std::ffi::CStr::from_ptr(ty).to_bytes().to_vec();
                out.push((ty, opt_slice(name, n).unwrap_or(&[]).to_vec(), Vec::new()));
                0
            })
        }
        unsafe extern "C" fn pair(ctx: *mut c_void, k: *const u8, kn: usize, v: *const u8, vn: usize) -> c_int {
            call_guarded(|| {
                // SAFETY: as in coll; pointers valid during the call.
                let out = &mut *(ctx as *mut Out);
                let (k, v) = (opt_slice(k, kn).unwrap_or(&[]).to_vec(), opt_slice(v, vn).unwrap_or(&[]).to_vec());
                match out.last_mut() {
                    Some(c) => {
                        c.2.push((k, v));
                        0
                    }
                    None => set_error(sys::LMKV_ECORRUPT, "export: pair before any collection"),
                }
            })
        }
        let mut out: Out = Vec::new();
        let v = sys::lmkv_export_visitor { collection: Some(coll), pair: Some(pair) };
        // SAFETY: the visitor's ctx is `out`, alive for the call.
        let rc = unsafe { sys::lmkv_db_export(self.inner.ptr, &v, &mut out as *mut Out as *mut c_void) };
        resume_callback_panic();
        check(rc)?;
        Ok(out)
    }

    /// sled `Db::import`, atomic: every collection (type must be "tree") is
    /// written in one transaction, or nothing is. A key that already exists
    /// is an `AlreadyExists` error (nothing written).
    pub fn import<C, P>(&self, collections: C) -> Result<()>
    where
        C: IntoIterator<Item = (Vec<u8>, Vec<u8>, P)>,
        P: IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    {
        let mut imp = ptr::null_mut();
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_import_begin(&mut imp, self.inner.ptr) })?;
        let r = (|| -> Result<()> {
            for (ty, name, pairs) in collections {
                let ty = CString::new(ty).map_err(|_| Error::new(sys::LMKV_EINVAL, "import: type contains NUL"))?;
                let (np, nn) = raw(&name);
                // SAFETY: imp is live until commit/abort below.
                check(unsafe { sys::lmkv_import_collection(imp, ty.as_ptr(), np, nn) })?;
                for (k, v) in pairs {
                    let ((kp, kn), (vp, vn)) = (raw(&k), raw(&v));
                    // SAFETY: as above.
                    check(unsafe { sys::lmkv_import_pair(imp, kp, kn, vp, vn) })?;
                }
            }
            Ok(())
        })();
        match r {
            // SAFETY: commit frees imp.
            Ok(()) => check(unsafe { sys::lmkv_import_commit(imp) }),
            Err(e) => {
                // SAFETY: abort frees imp.
                unsafe { sys::lmkv_import_abort(imp) };
                Err(e)
            }
        }
    }
}

impl Deref for Db {
    type Target = Tree;
    fn deref(&self) -> &Tree {
        &self.default
    }
}

// ------------------------------------------------------------------ tree

type MergeOp = dyn Fn(&[u8], Option<&[u8]>, &[u8]) -> Option<Vec<u8>> + Send + Sync;

pub(crate) struct TreeInner {
    pub(crate) ptr: *mut sys::lmkv_tree,
    owned: bool,
    merge: RwLock<Option<Arc<MergeOp>>>,
    pub(crate) db: Arc<DbInner>,
}

// SAFETY: kv/lmkv_kv.h: tree handles may be used from several threads at
// once. The merge operator slot is behind a RwLock and the C operator is set
// once, before the handle is shared (see Tree::from_raw).
unsafe impl Send for TreeInner {}
// SAFETY: as above.
unsafe impl Sync for TreeInner {}

impl Drop for TreeInner {
    fn drop(&mut self) {
        // SAFETY: iterators/subscribers hold a Tree clone, so none is left.
        unsafe {
            if self.owned {
                sys::lmkv_tree_close(self.ptr);
            } else {
                sys::lmkv_tree_set_merge_operator(self.ptr, None, ptr::null_mut());
            }
        }
    }
}

/// A tree (sled `Tree`): a sorted map of byte strings to byte strings.
///
/// `Clone` shares the handle (and its merge operator). `Send + Sync`: tree
/// handles may be used from several threads at once (kv/lmkv_kv.h). Every
/// call is one atomic LMDB transaction, visible to every thread and process
/// when it returns. Calls on a dropped tree fail with `TreeDropped`.
#[derive(Clone)]
pub struct Tree {
    pub(crate) inner: Arc<TreeInner>,
}

unsafe extern "C" fn merge_trampoline(
    ctx: *mut c_void,
    key: *const u8,
    key_size: usize,
    old: *const u8,
    old_size: usize,
    merged: *const u8,
    merged_size: usize,
    out_new: *mut *mut u8,
    out_new_size: *mut usize,
) -> c_int {
    call_guarded(|| {
        // SAFETY: ctx is the TreeInner that installed this trampoline; it
        // outlives every merge call on its handle.
        let inner = &*(ctx as *const TreeInner);
        let op = inner.merge.read().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(op) = op else {
            return set_error(sys::LMKV_EUNSUPPORTED, "merge: no merge operator set on this tree handle");
        };
        let key = opt_slice(key, key_size).unwrap_or(&[]);
        let merged = opt_slice(merged, merged_size).unwrap_or(&[]);
        let new = op(key, opt_slice(old, old_size), merged);
        write_callback_out(new, out_new, out_new_size)
    })
}

struct UpdateCtx<'a> {
    f: &'a mut dyn FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
}

unsafe extern "C" fn update_trampoline(
    ctx: *mut c_void,
    old: *const u8,
    old_size: usize,
    out_new: *mut *mut u8,
    out_new_size: *mut usize,
) -> c_int {
    call_guarded(|| {
        // SAFETY: ctx is the UpdateCtx on the caller's stack for this call.
        let c = &mut *(ctx as *mut UpdateCtx<'_>);
        let new = (c.f)(opt_slice(old, old_size));
        write_callback_out(new, out_new, out_new_size)
    })
}

/// Converts a Rust bound to lmkv_bound (the key must outlive the C call).
pub(crate) fn to_bound(b: Bound<&[u8]>) -> sys::lmkv_bound {
    match b {
        Bound::Unbounded => sys::lmkv_bound { kind: sys::LMKV_UNBOUNDED, key: ptr::null(), key_size: 0 },
        Bound::Included(k) => {
            sys::lmkv_bound { kind: sys::LMKV_INCLUDED, key: k.as_ptr() as *const c_void, key_size: k.len() }
        }
        Bound::Excluded(k) => {
            sys::lmkv_bound { kind: sys::LMKV_EXCLUDED, key: k.as_ptr() as *const c_void, key_size: k.len() }
        }
    }
}

pub(crate) fn map_bound<K: AsRef<[u8]>>(b: Bound<&K>) -> Bound<&[u8]> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(k) => Bound::Included(k.as_ref()),
        Bound::Excluded(k) => Bound::Excluded(k.as_ref()),
    }
}

impl Tree {
    fn from_raw(ptr: *mut sys::lmkv_tree, owned: bool, db: Arc<DbInner>) -> Tree {
        let inner = Arc::new(TreeInner { ptr, owned, merge: RwLock::new(None), db });
        // The C operator is installed once, before the handle is shared, so
        // later set_merge_operator calls only swap the Rust closure under the
        // lock and never race with a merge running in C.
        // SAFETY: ctx = the TreeInner, which outlives the handle's use.
        unsafe {
            sys::lmkv_tree_set_merge_operator(ptr, Some(merge_trampoline), Arc::as_ptr(&inner) as *mut c_void);
        }
        Tree { inner }
    }

    #[inline]
    fn p(&self) -> *mut sys::lmkv_tree {
        self.inner.ptr
    }

    /// The C handle, for direct lmkv-sys calls. Valid while this `Tree` (or
    /// a clone of it) lives; do not close it or set its merge operator.
    pub fn as_raw(&self) -> *mut sys::lmkv_tree {
        self.inner.ptr
    }

    /// The tree's name.
    pub fn name(&self) -> IVec {
        let mut n = 0usize;
        // SAFETY: name owned by the handle; copied.
        let p = unsafe { sys::lmkv_tree_name(self.p(), &mut n) } as *const u8;
        IVec::from(unsafe { opt_slice(p, n) }.unwrap_or(&[]))
    }

    /// sled `Tree::get`.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<IVec>> {
        let (kp, kn) = raw(key.as_ref());
        let mut out = sys::lmkv_bytes::null();
        // SAFETY: valid handle and slices; out owned by us on success.
        match unsafe { sys::lmkv_tree_get(&mut out, self.p(), kp, kn) } {
            sys::LMKV_OK => Ok(Some(unsafe { take_bytes(out) }.unwrap_or_else(|| IVec::from(&[][..])))),
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// sled `Tree::contains_key`.
    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let (kp, kn) = raw(key.as_ref());
        // SAFETY: valid handle and slice.
        match unsafe { sys::lmkv_tree_contains_key(self.p(), kp, kn) } {
            sys::LMKV_OK => Ok(true),
            sys::LMKV_NOTFOUND => Ok(false),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// sled `Tree::insert`: the previous value, if any. Inserting the value
    /// already stored writes nothing and sends no event.
    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<Option<IVec>> {
        let ((kp, kn), (vp, vn)) = (raw(key.as_ref()), raw(value.as_ref()));
        let mut prev = sys::lmkv_bytes::null();
        // SAFETY: valid handle and slices.
        check(unsafe { sys::lmkv_tree_insert(&mut prev, self.p(), kp, kn, vp, vn) })?;
        Ok(unsafe { take_bytes(prev) })
    }

    /// `insert` without returning the previous value (no copy of it is made).
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        let ((kp, kn), (vp, vn)) = (raw(key.as_ref()), raw(value.as_ref()));
        // SAFETY: valid handle and slices; out_prev NULL allowed.
        check(unsafe { sys::lmkv_tree_insert(ptr::null_mut(), self.p(), kp, kn, vp, vn) })
    }

    /// sled `Tree::remove`: the removed value, if the key existed.
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<IVec>> {
        let (kp, kn) = raw(key.as_ref());
        let mut prev = sys::lmkv_bytes::null();
        // SAFETY: valid handle and slice.
        match unsafe { sys::lmkv_tree_remove(&mut prev, self.p(), kp, kn) } {
            sys::LMKV_OK => Ok(Some(unsafe { take_bytes(prev) }.unwrap_or_else(|| IVec::from(&[][..])))),
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `remove` that only says whether the key existed (no copy of the value).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let (kp, kn) = raw(key.as_ref());
        // SAFETY: valid handle and slice; out_prev NULL allowed.
        match unsafe { sys::lmkv_tree_remove(ptr::null_mut(), self.p(), kp, kn) } {
            sys::LMKV_OK => Ok(true),
            sys::LMKV_NOTFOUND => Ok(false),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// sled `Tree::compare_and_swap`: `old` None = must be absent, `new`
    /// None = delete. The inner `Err` reports a mismatch (current, proposed);
    /// an empty value is not absent.
    pub fn compare_and_swap<K, OV, NV>(
        &self,
        key: K,
        old: Option<OV>,
        new: Option<NV>,
    ) -> Result<std::result::Result<(), CompareAndSwapError>>
    where
        K: AsRef<[u8]>,
        OV: AsRef<[u8]>,
        NV: AsRef<[u8]>,
    {
        let (kp, kn) = raw(key.as_ref());
        let (op, on) = old.as_ref().map_or((ptr::null(), 0), |o| raw(o.as_ref()));
        let (np, nn) = new.as_ref().map_or((ptr::null(), 0), |n| raw(n.as_ref()));
        let mut cur = sys::lmkv_bytes::null();
        // SAFETY: valid handle and slices; NULL = absent as documented.
        match unsafe { sys::lmkv_tree_compare_and_swap(&mut cur, self.p(), kp, kn, op, on, np, nn) } {
            sys::LMKV_OK => Ok(Ok(())),
            sys::LMKV_ECAS => Ok(Err(CompareAndSwapError {
                current: unsafe { take_bytes(cur) },
                proposed: new.map(|n| IVec::from(n.as_ref())),
            })),
            rc => Err(Error::from_code(rc)),
        }
    }

    fn update(
        &self,
        key: &[u8],
        f: &mut dyn FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
        fetch_new: bool,
    ) -> Result<Option<IVec>> {
        let (kp, kn) = raw(key);
        let mut ctx = UpdateCtx { f };
        let mut out = sys::lmkv_bytes::null();
        let c = &mut ctx as *mut UpdateCtx<'_> as *mut c_void;
        // SAFETY: ctx lives on this stack frame for the whole C call.
        let rc = unsafe {
            if fetch_new {
                sys::lmkv_tree_update_and_fetch(&mut out, self.p(), kp, kn, Some(update_trampoline), c)
            } else {
                sys::lmkv_tree_fetch_and_update(&mut out, self.p(), kp, kn, Some(update_trampoline), c)
            }
        };
        resume_callback_panic();
        check(rc)?;
        Ok(unsafe { take_bytes(out) })
    }

    /// sled `Tree::update_and_fetch`: stores `f(old)` (None deletes) in one
    /// write transaction and returns the new value. `f` runs exactly once,
    /// inside the write transaction: it must not use this database.
    pub fn update_and_fetch<F>(&self, key: impl AsRef<[u8]>, mut f: F) -> Result<Option<IVec>>
    where
        F: FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    {
        self.update(key.as_ref(), &mut f, true)
    }

    /// sled `Tree::fetch_and_update`: as `update_and_fetch`, returning the
    /// old value.
    pub fn fetch_and_update<F>(&self, key: impl AsRef<[u8]>, mut f: F) -> Result<Option<IVec>>
    where
        F: FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    {
        self.update(key.as_ref(), &mut f, false)
    }

    /// sled `Tree::set_merge_operator`: `op(key, old, merged)` returns the new
    /// value (None deletes). Kept on this handle and its clones only (not
    /// persisted). It runs inside the write transaction of `merge`: it must
    /// not use this database. A panic in it aborts the merge and resumes in
    /// the caller of `merge`.
    pub fn set_merge_operator<F>(&self, op: F)
    where
        F: Fn(&[u8], Option<&[u8]>, &[u8]) -> Option<Vec<u8>> + Send + Sync + 'static,
    {
        *self.inner.merge.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(op));
    }

    /// sled `Tree::merge`: the new value. Without an operator: `Unsupported`.
    pub fn merge(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<Option<IVec>> {
        let ((kp, kn), (vp, vn)) = (raw(key.as_ref()), raw(value.as_ref()));
        let mut out = sys::lmkv_bytes::null();
        // SAFETY: valid handle and slices.
        let rc = unsafe { sys::lmkv_tree_merge(&mut out, self.p(), kp, kn, vp, vn) };
        resume_callback_panic();
        check(rc)?;
        Ok(unsafe { take_bytes(out) })
    }

    fn pair_call(
        &self,
        f: impl FnOnce(*mut sys::lmkv_bytes, *mut sys::lmkv_bytes) -> c_int,
    ) -> Result<Option<(IVec, IVec)>> {
        let (mut k, mut v) = (sys::lmkv_bytes::null(), sys::lmkv_bytes::null());
        match f(&mut k, &mut v) {
            sys::LMKV_OK => {
                // SAFETY: both filled and owned by us on success.
                let k = unsafe { take_bytes(k) }.unwrap_or_else(|| IVec::from(&[][..]));
                let v = unsafe { take_bytes(v) }.unwrap_or_else(|| IVec::from(&[][..]));
                Ok(Some((k, v)))
            }
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// sled `Tree::first`.
    pub fn first(&self) -> Result<Option<(IVec, IVec)>> {
        // SAFETY: valid handle.
        self.pair_call(|k, v| unsafe { sys::lmkv_tree_first(k, v, self.p()) })
    }
    /// sled `Tree::last`.
    pub fn last(&self) -> Result<Option<(IVec, IVec)>> {
        // SAFETY: valid handle.
        self.pair_call(|k, v| unsafe { sys::lmkv_tree_last(k, v, self.p()) })
    }
    /// sled `Tree::pop_min` (atomic).
    pub fn pop_min(&self) -> Result<Option<(IVec, IVec)>> {
        // SAFETY: valid handle.
        self.pair_call(|k, v| unsafe { sys::lmkv_tree_pop_min(k, v, self.p()) })
    }
    /// sled `Tree::pop_max` (atomic).
    pub fn pop_max(&self) -> Result<Option<(IVec, IVec)>> {
        // SAFETY: valid handle.
        self.pair_call(|k, v| unsafe { sys::lmkv_tree_pop_max(k, v, self.p()) })
    }
    /// sled `Tree::get_lt`: the greatest entry with a key < `key`.
    pub fn get_lt(&self, key: impl AsRef<[u8]>) -> Result<Option<(IVec, IVec)>> {
        let (kp, kn) = raw(key.as_ref());
        // SAFETY: valid handle and slice.
        self.pair_call(|k, v| unsafe { sys::lmkv_tree_get_lt(k, v, self.p(), kp, kn) })
    }
    /// sled `Tree::get_gt`: the least entry with a key > `key`.
    pub fn get_gt(&self, key: impl AsRef<[u8]>) -> Result<Option<(IVec, IVec)>> {
        let (kp, kn) = raw(key.as_ref());
        // SAFETY: valid handle and slice.
        self.pair_call(|k, v| unsafe { sys::lmkv_tree_get_gt(k, v, self.p(), kp, kn) })
    }

    /// sled `Tree::len` (same signature: infallible; O(1) here, sled's
    /// counts by iterating). A tree dropped underneath this handle has no
    /// entries: 0, as sled counts none. Any other lmkv error (`Full`: no
    /// reader slot left; `OutOfMemory`; `Corruption`), which sled cannot
    /// have, panics with lmkv's message; [`Tree::try_len`] returns every
    /// error instead, `TreeDropped` included.
    pub fn len(&self) -> usize {
        match self.try_len() {
            Ok(n) => n,
            Err(e) if e.kind() == crate::ErrorKind::TreeDropped => 0,
            Err(e) => panic!("lmkv: Tree::len failed (Tree::try_len returns the error): {e}"),
        }
    }

    /// [`Tree::len`] that returns lmkv's error (`TreeDropped` for a dropped
    /// tree) instead of answering 0 or panicking.
    pub fn try_len(&self) -> Result<usize> {
        let mut n = 0u64;
        // SAFETY: valid handle.
        check(unsafe { sys::lmkv_tree_len(&mut n, self.p()) })?;
        Ok(n as usize)
    }

    /// sled `Tree::is_empty` (same signature; errors as [`Tree::len`]: a
    /// dropped tree is empty, other errors panic; [`Tree::try_is_empty`]
    /// returns them).
    pub fn is_empty(&self) -> bool {
        match self.try_is_empty() {
            Ok(b) => b,
            Err(e) if e.kind() == crate::ErrorKind::TreeDropped => true,
            Err(e) => panic!("lmkv: Tree::is_empty failed (Tree::try_is_empty returns the error): {e}"),
        }
    }

    /// [`Tree::is_empty`] that returns lmkv's error instead.
    pub fn try_is_empty(&self) -> Result<bool> {
        // SAFETY: valid handle.
        match unsafe { sys::lmkv_tree_is_empty(self.p()) } {
            rc if rc < 0 => Err(Error::from_code(rc)),
            rc => Ok(rc != 0),
        }
    }

    /// sled `Tree::clear`, atomic here. Subscribers get a Remove per key.
    pub fn clear(&self) -> Result<()> {
        // SAFETY: valid handle.
        check(unsafe { sys::lmkv_tree_clear(self.p()) })
    }

    /// sled `Tree::checksum`: CRC-32 over each key then value, in order.
    pub fn checksum(&self) -> Result<u32> {
        let mut c = 0u32;
        // SAFETY: valid handle.
        check(unsafe { sys::lmkv_tree_checksum(&mut c, self.p()) })?;
        Ok(c)
    }

    /// sled `Tree::flush` (= [`Db::flush`]: lmkv flushes the whole
    /// database; one LMDB environment holds every tree).
    pub fn flush(&self) -> Result<usize> {
        flush_db(&self.inner.db)
    }

    /// sled `Tree::flush_async`: a future that resolves once every write
    /// committed before the call survives power loss (`lmkv_db_flush`:
    /// fdatasync of the data file when something was committed since the
    /// last flush), with the same value as [`Db::flush`]: the data file's
    /// used bytes, or 0 when nothing needed flushing.
    ///
    /// The C API has no asynchronous flush, so the first `poll` starts a
    /// short-lived thread that calls `lmkv_db_flush` and then wakes the
    /// task; no runtime thread is blocked on the disk. The future is `Send`
    /// and `'static` (it holds the database open, not borrowing `self`), so
    /// it may be awaited on any thread or spawned. Dropped before it
    /// resolves, the flush still completes in its thread. Errors: `Io`
    /// (fdatasync failed), `OutOfMemory` (the thread could not be started).
    /// Writes are visible to every thread and process as soon as they
    /// return, flushed or not: this only adds power-loss durability.
    pub fn flush_async(&self) -> FlushAsync {
        FlushAsync { db: self.inner.db.clone(), shared: None }
    }

    /// sled `Tree::iter`: all entries ascending (double-ended; not a
    /// snapshot, as sled: see [`Iter`]).
    pub fn iter(&self) -> Iter {
        let mut it = ptr::null_mut();
        // SAFETY: valid handle.
        let rc = unsafe { sys::lmkv_tree_iter(&mut it, self.p()) };
        Iter::new(self.clone(), it, rc)
    }

    /// sled `Tree::range`. start > end gives an empty iterator.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        let s = to_bound(map_bound(range.start_bound()));
        let e = to_bound(map_bound(range.end_bound()));
        let mut it = ptr::null_mut();
        // SAFETY: bounds' keys borrowed from `range`, alive for the call (the
        // iterator copies them).
        let rc = unsafe { sys::lmkv_tree_range(&mut it, self.p(), &s, &e) };
        Iter::new(self.clone(), it, rc)
    }

    /// sled `Tree::scan_prefix` ("" = everything).
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        let (pp, pn) = raw(prefix.as_ref());
        let mut it = ptr::null_mut();
        // SAFETY: valid handle and slice (copied by the iterator).
        let rc = unsafe { sys::lmkv_tree_scan_prefix(&mut it, self.p(), pp, pn) };
        Iter::new(self.clone(), it, rc)
    }

    /// sled `Tree::apply_batch`: atomic; the last write to a key wins.
    pub fn apply_batch(&self, batch: &Batch) -> Result<()> {
        // SAFETY: valid handle and batch.
        check(unsafe { sys::lmkv_tree_apply_batch(self.p(), batch.ptr) })
    }

    /// sled `Tree::watch_prefix`: a subscriber to this process's writes to
    /// keys starting with `prefix`. As in sled, its queue holds 1024 events
    /// and a writer whose event does not fit **blocks** (after its commit:
    /// the write is durable and visible, and the writer holds no lock)
    /// until the subscriber drains; see [`Subscriber`] for the deadlock
    /// this allows and for what releases a blocked writer.
    pub fn watch_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Subscriber> {
        self.watch_prefix_flags(prefix.as_ref(), 0)
    }

    /// Like [`Tree::watch_prefix`], but a full queue never blocks a writer:
    /// further events are dropped, and the subscriber reports one
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) error after the queued
    /// events (not sled; for callers that must never stall a writer).
    pub fn watch_prefix_nonblocking(&self, prefix: impl AsRef<[u8]>) -> Result<Subscriber> {
        self.watch_prefix_flags(prefix.as_ref(), sys::LMKV_WATCH_NONBLOCKING)
    }

    fn watch_prefix_flags(&self, prefix: &[u8], flags: std::os::raw::c_uint) -> Result<Subscriber> {
        let (pp, pn) = raw(prefix);
        let mut s = ptr::null_mut();
        // SAFETY: valid handle and slice (copied by lmkv).
        check(unsafe { sys::lmkv_tree_watch_prefix_ex(&mut s, self.p(), pp, pn, flags) })?;
        Ok(Subscriber::new(self.clone(), s))
    }

    /// Whether two handles belong to the same open database.
    pub(crate) fn same_db(&self, db: &Arc<DbInner>) -> bool {
        Arc::ptr_eq(&self.inner.db, db)
    }

    /// The LMDB sub-database that stores this tree (`mdb_stat -a`).
    pub fn dbi_name(&self) -> String {
        // SAFETY: owned by the handle; copied.
        unsafe { cstr_or_empty(sys::lmkv_tree_dbi_name(self.p())) }
    }
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tree({:?})", self.name())
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.path())
    }
}
