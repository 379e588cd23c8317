//! The probe LSP daemon's storage trait (`lsp-daemon/src/database/mod.rs`
//! at probelabs/probe commit bfc8f0a1, the last sled-era version), so the
//! daemon can swap its `SledBackend` for [`LmkvBackend`] by changing imports
//! and the type name, nothing else.
//!
//! Same as the daemon's: every method, argument and result type, the
//! associated `Tree` type, `Send + Sync` on both traits, the default
//! `is_empty`, object safety (`Arc<dyn DatabaseTree>`, as the daemon's
//! `DatabaseCacheAdapter` and `PersistentCallGraphCache` hold their trees),
//! the fields and defaults of [`DatabaseConfig`], the fields of
//! [`DatabaseStats`], the variants and messages of [`DatabaseError`], and
//! `SledBackend`'s constructors (`new`, `from_db`, `from_arc_db`,
//! `underlying_db`).
//!
//! # Boxed futures: the `#[async_trait]` expansion, written out
//!
//! The daemon's traits are `#[async_trait]`. Without crates.io (std only)
//! this module cannot use that macro, so it declares each method as the
//! macro expands it, e.g.
//!
//! ```text
//! fn get<'life0, 'life1, 'async_trait>(&'life0 self, key: &'life1 [u8])
//!     -> Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, DatabaseError>> + Send + 'async_trait>>
//! where 'life0: 'async_trait, 'life1: 'async_trait, Self: 'async_trait;
//! ```
//!
//! ([`BoxFuture`] abbreviates the return type.) Hence:
//! * callers write `tree.get(k).await` as before, through a generic or a
//!   `dyn DatabaseTree` alike; every call allocates one box (as the
//!   daemon's did; bench/rust_bench.sh measures it);
//! * an implementation written with `#[async_trait] impl DatabaseTree for X`
//!   (the daemon's own style) compiles against this trait unchanged,
//!   because the macro emits exactly these early-bound lifetimes. A
//!   hand-written impl must spell them the same way: a single late-bound
//!   `fn get<'a>(&'a self, key: &'a [u8]) -> BoxFuture<'a, ..>` is rejected
//!   with E0195 (rustc compares whether lifetimes are early- or late-bound),
//!   in either direction. tests/daemon_dropin.rs has such impls.
//!
//! # Errors and serialization
//!
//! `DatabaseError::Serialization` holds a boxed `std::error::Error + Send +
//! Sync` (the daemon's holds `Box<bincode::ErrorKind>`, which is one). `?`
//! converts a `Box<dyn Error + Send + Sync>`; any other error type (bincode's
//! `Box<ErrorKind>`, serde_json's, a `String`) goes through
//! `.map_err(DatabaseError::serialization)?`: that `map_err` is the only
//! change the daemon's `get_serialized` / `set_serialized` need. A blanket
//! `From<E: Error>` is impossible (it would overlap `From<io::Error>` and
//! `From<DatabaseError>`).
//!
//! # Differences from sled that the daemon can see
//! * `tree_names()` does not list the default tree (sled's lists
//!   `__sled__default`, which the daemon then skipped in `clear()` and
//!   `stats()`).
//! * `stats().total_size_bytes` is measured (LMDB pages), not 256 bytes per
//!   entry.
//! * The database is not locked: the daemon's CLI can read it while the
//!   daemon runs.
//!
//! # Concurrency
//!
//! Calls arrive from many threads, and a task may move to another thread
//! between two calls (tokio's work stealing). What is safe:
//!
//! | type | `Send` | `Sync` | why |
//! |---|---|---|---|
//! | [`LmkvBackend`], [`LmkvTree`], `Arc<dyn DatabaseTree>` | yes | yes | lmkv db and tree handles may be used from several threads at once (kv/lmkv_kv.h) |
//! | the futures of every trait method | yes | -- | each call runs its LMDB transaction inside one `poll`, so no transaction is ever open across an `.await` or a thread switch |
//! | [`crate::Db`], [`crate::Tree`], [`crate::Config`], [`crate::FlushAsync`] | yes | yes (`FlushAsync`: `Send` only) | as above; `Config` is plain data |
//! | [`crate::Iter`], [`crate::Batch`], [`crate::Subscriber`] | yes | no | single-user objects that may move between threads (the environment is opened with `MDB_NOTLS`) |
//! | [`crate::Txn`] | no | no | a write transaction owns LMDB's writer mutex, which belongs to the thread that took it |
//!
//! A task that holds a [`crate::Txn`] across an `.await` is therefore not
//! `Send` and cannot be spawned on a multi-threaded runtime (nor on
//! [`crate::executor::Executor`]), so a write transaction never crosses
//! threads; this must not compile:
//!
//! ```compile_fail,E0277
//! # fn f(db: lmkv::Db, t: lmkv::Tree) {
//! let ex = lmkv::executor::Executor::new(2);
//! ex.spawn(async move {
//!     let mut tx = db.begin_write().unwrap();
//!     lmkv::executor::yield_now().await; // the task may resume on another thread
//!     tx.insert(&t, b"k", b"v").unwrap();
//!     tx.commit().unwrap();
//! });
//! # }
//! ```
//!
//! nor may a transaction be sent to another thread:
//!
//! ```compile_fail,E0277
//! # fn f(db: lmkv::Db) {
//! let tx = db.begin_write().unwrap();
//! std::thread::spawn(move || tx.commit());
//! # }
//! ```
//!
//! and iterators, batches and subscribers, which may move between threads,
//! are not shared by two at once (each of these must not compile):
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<lmkv::Iter>();
//! ```
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<lmkv::Subscriber>();
//! ```
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<lmkv::Batch>();
//! ```
//!
//! while the same task through the trait (or a transaction that ends before
//! the `.await`) compiles and runs on any worker:
//!
//! ```
//! use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend};
//! use std::sync::Arc;
//! let ex = lmkv::executor::Executor::new(2);
//! let b = Arc::new(lmkv::executor::block_on(LmkvBackend::new(DatabaseConfig { temporary: true, ..Default::default() })).unwrap());
//! let t: Arc<dyn DatabaseTree> = lmkv::executor::block_on(b.open_tree("universal_cache")).unwrap();
//! let h = ex.spawn(async move {
//!     t.set(b"k", b"v").await.unwrap();
//!     lmkv::executor::yield_now().await; // may resume on another worker
//!     t.get(b"k").await.unwrap()
//! });
//! assert_eq!(h.join(), Some(b"v".to_vec()));
//! ```
//!
//! # Hit/miss counters: use `update_and_fetch` or `merge`, not get + set
//!
//! The daemon's `DatabaseCacheAdapter::update_hit_miss_counts` reads
//! `cache_stats/hits`, adds, and writes it back: two calls, so two tasks
//! that read the same value both write value + 1 and one increment is lost
//! (it is under sled too; the trait has no atomic read-modify-write).
//! [`LmkvTree::tree`] gives the lmkv [`crate::Tree`] underneath, whose
//! `update_and_fetch` (one write transaction: exact) or `merge` with a
//! counter operator (exact) never lose one. Both join kv's write groups
//! (GROUP COMMIT in kv/lmkv_kv.h) like `set`, so under concurrency they
//! share a sync with the other writers instead of paying their own:
//!
//! ```
//! # use lmkv::backend::{DatabaseBackend, DatabaseConfig, LmkvBackend};
//! # let b = lmkv::executor::block_on(LmkvBackend::new(DatabaseConfig { temporary: true, ..Default::default() })).unwrap();
//! let stats = lmkv::executor::block_on(b.open_tree("cache_stats")).unwrap();
//! let add = |n: u64| move |old: Option<&[u8]>| {
//!     let cur = old.map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap()));
//!     Some(cur.saturating_add(n).to_le_bytes().to_vec()) // bincode's u64
//! };
//! stats.tree().update_and_fetch(b"hits", add(3)).unwrap();
//! stats.tree().update_and_fetch(b"hits", add(4)).unwrap();
//! assert_eq!(stats.tree().get(b"hits").unwrap().unwrap().as_ref(), &7u64.to_le_bytes());
//! ```
//!
//! tests/counters.rs provokes the lost update deterministically and checks
//! that both exact forms count every increment from many threads.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

pub mod graph;
mod lmkv_backend;
mod lmkv_graph;
mod memory;
pub mod protocol;

pub use lmkv_backend::{LmkvBackend, LmkvTree};
pub use lmkv_graph::{
    path_to_uri, symbol_kind_to_lsp_kind, FileAnalysisStatus, LmkvGraphBackend, QueueItem, ReaderStatusSnapshot,
    StoreStats, WriterSpanCompleted, WriterStatusSnapshot,
};
pub use memory::{MemoryBackend, MemoryTree};

/// Errors of the daemon's storage trait (same variants as the daemon's).
#[derive(Debug)]
pub enum DatabaseError {
    /// The database or a record in it is damaged (lmkv: `LMKV_ECORRUPT`,
    /// `LMKV_ECOLLISION`).
    Corruption { message: String },
    /// An operation failed for another reason (lmkv: every other code; the
    /// message is lmkv's per-thread message with tree and key).
    OperationFailed { message: String },
    /// Encoding or decoding a value failed (the daemon: bincode's
    /// `Box<ErrorKind>`; here any boxed error, see the module docs and
    /// [`DatabaseError::serialization`]). `source()` is that error.
    Serialization(Box<dyn StdError + Send + Sync + 'static>),
    /// An I/O error (lmkv: `LMKV_EIO`, `LMKV_EFULL`, `LMKV_EPERM`; and the
    /// file system calls of `size_on_disk`).
    Io(std::io::Error),
    /// The configuration cannot be used (bad path, another format version,
    /// the database cannot be opened).
    Configuration { message: String },
    /// A tree is gone (lmkv: `LMKV_ETREE`, the tree was dropped).
    TreeNotFound { name: String },
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseError::Corruption { message } => write!(f, "Database corruption detected: {message}"),
            DatabaseError::OperationFailed { message } => write!(f, "Database operation failed: {message}"),
            DatabaseError::Serialization(m) => write!(f, "Serialization error: {m}"),
            DatabaseError::Io(e) => write!(f, "I/O error: {e}"),
            DatabaseError::Configuration { message } => write!(f, "Database configuration error: {message}"),
            DatabaseError::TreeNotFound { name } => write!(f, "Tree not found: {name}"),
        }
    }
}

impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DatabaseError::Io(e) => Some(e),
            DatabaseError::Serialization(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl DatabaseError {
    /// A `Serialization` error from any error value (bincode's
    /// `Box<ErrorKind>`, serde_json's `Error`, an `io::Error`) or message
    /// (`String`, `&str`): `bincode::deserialize(&data).map_err(DatabaseError::serialization)?`.
    pub fn serialization<E: Into<Box<dyn StdError + Send + Sync + 'static>>>(e: E) -> DatabaseError {
        DatabaseError::Serialization(e.into())
    }
}

/// `?` on a boxed error: a `Serialization` error (the daemon's `#[from]`
/// path, for every error type that boxes into `dyn Error + Send + Sync`).
impl From<Box<dyn StdError + Send + Sync + 'static>> for DatabaseError {
    fn from(e: Box<dyn StdError + Send + Sync + 'static>) -> Self {
        DatabaseError::Serialization(e)
    }
}

impl From<std::io::Error> for DatabaseError {
    fn from(e: std::io::Error) -> Self {
        DatabaseError::Io(e)
    }
}

/// The daemon's backend configuration. How [`LmkvBackend`] uses each field:
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// The database directory (LMDB `data.mdb` + `lock.mdb` inside; created
    /// with its parents if missing). Required unless `temporary`: `path:
    /// None, temporary: false` (the default) is a `Configuration` error
    /// ("Database path is required for persistent storage"), as
    /// `SledBackend::new`'s, never a silent temporary database.
    pub path: Option<PathBuf>,
    /// A temporary database: created in a fresh directory under the system
    /// temporary directory (or at `path`, if given) and deleted when the
    /// backend is dropped. `flush()` does nothing; `size_on_disk()` is 0.
    pub temporary: bool,
    /// Accepted and ignored: LMDB stores pages uncompressed. (sled used zstd.)
    pub compression: bool,
    /// Accepted and ignored: LMDB has no cache of its own -- reads go through
    /// the memory-mapped file, so the page cache is the operating system's and
    /// is shared with every other process that opens the database.
    pub cache_capacity: u64,
    /// Accepted and ignored, as `compression`.
    pub compression_factor: i32,
    /// lmkv's background flush period (`lmkv_config.flush_every_ms`, as
    /// sled's): `Some(ms)` starts a thread that calls `lmkv_db_flush` this
    /// often when something was committed, so writes survive power loss
    /// within about `ms`; `None`: no thread, `flush()` does it. Either way
    /// every write is visible to all threads and processes, and survives the
    /// process being killed, as soon as it returns (LMDB commits into the
    /// shared file; lmkv's default durability syncs data pages at commit).
    pub flush_every_ms: Option<u64>,
}

impl Default for DatabaseConfig {
    /// The daemon's defaults: no path, not temporary, no compression,
    /// 64 MiB cache, compression factor 5, flush every 1000 ms.
    fn default() -> Self {
        DatabaseConfig {
            path: None,
            temporary: false,
            compression: false,
            cache_capacity: 64 * 1024 * 1024,
            compression_factor: 5,
            flush_every_ms: Some(1000),
        }
    }
}

/// Database statistics (the daemon's fields; the daemon also derives serde's
/// `Serialize`/`Deserialize`, which a std-only crate cannot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseStats {
    /// Entries in all trees, the default tree included.
    pub total_entries: u64,
    /// Bytes the entries take: for lmkv, the LMDB pages (branch, leaf,
    /// overflow) of all trees times the page size; for the memory backend,
    /// key plus value bytes. (sled's backend estimated 256 bytes per entry.)
    pub total_size_bytes: u64,
    /// `size_on_disk()`: 0 for temporary databases.
    pub disk_size_bytes: u64,
    /// Named trees (the default tree not counted), as `tree_names().len()`.
    pub tree_count: usize,
    /// `is_temporary()`.
    pub is_temporary: bool,
}

/// The return type of every async trait method: the `#[async_trait]`
/// expansion's `Pin<Box<dyn Future<Output = T> + Send + 'a>>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A named tree of a backend (a sled `Tree`). `Send + Sync` and object safe:
/// the daemon holds trees as `Arc<dyn DatabaseTree>` and calls them from any
/// runtime thread. Methods are the `#[async_trait]` expansion of the
/// daemon's `async fn`s (see the module docs).
pub trait DatabaseTree: Send + Sync {
    /// The value stored under `key`, or `None` (an empty value is `Some`).
    fn get<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Option<Vec<u8>>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Stores `value` under `key`, replacing any previous value.
    fn set<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
        value: &'life2 [u8],
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait;

    /// Removes `key`; true if it existed.
    fn remove<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<bool, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Every (key, value) whose key starts with `prefix`, in ascending key
    /// order (`prefix` empty: all), read in one snapshot.
    fn scan_prefix<'life0, 'life1, 'async_trait>(
        &'life0 self,
        prefix: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Removes every entry of this tree (atomically on lmkv).
    fn clear<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// The number of entries.
    fn len<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<u64, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// `len() == 0` (the daemon's default body).
    fn is_empty<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<bool, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { Ok(self.len().await? == 0) })
    }
}

/// The daemon's database: a default tree plus named trees. `Send + Sync`;
/// object safe for a given tree type (`dyn DatabaseBackend<Tree = LmkvTree>`),
/// `new` being `Self: Sized`, as under `#[async_trait]`.
pub trait DatabaseBackend: Send + Sync {
    /// The backend's tree type.
    type Tree: DatabaseTree;

    /// Opens (creating if needed) the database `config` describes.
    fn new<'async_trait>(config: DatabaseConfig) -> BoxFuture<'async_trait, Result<Self, DatabaseError>>
    where
        Self: Sized + 'async_trait;

    /// `get` on the default tree.
    fn get<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Option<Vec<u8>>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// `set` on the default tree.
    fn set<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
        value: &'life2 [u8],
    ) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait;

    /// `remove` on the default tree.
    fn remove<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<bool, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// `scan_prefix` on the default tree.
    fn scan_prefix<'life0, 'life1, 'async_trait>(
        &'life0 self,
        prefix: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Opens the tree `name`, creating it on first use.
    fn open_tree<'life0, 'life1, 'async_trait>(
        &'life0 self,
        name: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Arc<Self::Tree>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait;

    /// Names of the named trees (not the default tree), in ascending byte order.
    fn tree_names<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<Vec<String>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Empties every tree, the default tree included; drops none.
    fn clear<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Makes every write so far durable (no-op when temporary).
    fn flush<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Counts and sizes (see [`DatabaseStats`]).
    fn stats<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<DatabaseStats, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Bytes used by the database files (0 when temporary).
    fn size_on_disk<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<u64, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait;

    /// Whether the database is deleted when dropped.
    fn is_temporary(&self) -> bool;
}
