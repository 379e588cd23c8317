//! The probe LSP daemon's storage trait (`lsp-daemon/src/database/mod.rs`
//! at probelabs/probe commit bfc8f0a1, the last sled-era version), so the
//! daemon can swap its `SledBackend` for [`LmkvBackend`] without touching
//! its callers.
//!
//! What is the same as the daemon's trait: every method, argument, return
//! type, the associated `Tree` type, `Send + Sync` on both traits, the
//! default `is_empty`, the fields and defaults of [`DatabaseConfig`] and
//! [`DatabaseStats`], and the variants of [`DatabaseError`].
//!
//! What differs, and why:
//! * The daemon used `#[async_trait]` (boxed futures). Here the methods are
//!   native async trait methods (Rust >= 1.75): the trait declares
//!   `fn m(..) -> impl Future<Output = ..> + Send` -- the desugaring of
//!   `async fn` with the `Send` bound the daemon's multi-threaded runtime
//!   needs -- and implementations simply write `async fn m(..)`. Callers
//!   write `.await` exactly as before. No allocation per call.
//! * `DatabaseError::Serialization` carries a `String` instead of
//!   `Box<bincode::ErrorKind>` (no bincode without crates.io); the daemon's
//!   `?` on bincode errors becomes `.map_err(|e| DatabaseError::Serialization(e.to_string()))`.
//! * `tree_names()` does not list the default tree (sled's lists
//!   `__sled__default`, which the daemon then had to skip in `clear()` and
//!   `stats()`).

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

mod lmkv_backend;
mod memory;

pub use lmkv_backend::{LmkvBackend, LmkvTree};
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
    /// Encoding or decoding a value failed (the daemon: bincode).
    Serialization(String),
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
            _ => None,
        }
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
    /// with its parents if missing). `None` means temporary.
    pub path: Option<PathBuf>,
    /// A temporary database: created in a fresh directory under the system
    /// temporary directory (or at `path`, if given) and deleted when the
    /// backend is dropped. Nothing is flushed; `size_on_disk()` is 0.
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

/// Database statistics (the daemon's fields).
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

/// A named tree of a backend (a sled `Tree`). Send + Sync: the daemon calls
/// it from any runtime thread.
pub trait DatabaseTree: Send + Sync {
    /// The value stored under `key`, or `None`.
    fn get(&self, key: &[u8]) -> impl Future<Output = Result<Option<Vec<u8>>, DatabaseError>> + Send;
    /// Stores `value` under `key`, replacing any previous value.
    fn set(&self, key: &[u8], value: &[u8]) -> impl Future<Output = Result<(), DatabaseError>> + Send;
    /// Removes `key`; true if it existed.
    fn remove(&self, key: &[u8]) -> impl Future<Output = Result<bool, DatabaseError>> + Send;
    /// Every (key, value) whose key starts with `prefix`, in ascending key
    /// order (`prefix` empty: all).
    fn scan_prefix(&self, prefix: &[u8])
        -> impl Future<Output = Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError>> + Send;
    /// Removes every entry of this tree.
    fn clear(&self) -> impl Future<Output = Result<(), DatabaseError>> + Send;
    /// The number of entries.
    fn len(&self) -> impl Future<Output = Result<u64, DatabaseError>> + Send;
    /// `len() == 0`.
    fn is_empty(&self) -> impl Future<Output = Result<bool, DatabaseError>> + Send {
        async { Ok(self.len().await? == 0) }
    }
}

/// The daemon's database: a default tree plus named trees.
pub trait DatabaseBackend: Send + Sync {
    /// The backend's tree type.
    type Tree: DatabaseTree;

    /// Opens (creating if needed) the database `config` describes.
    fn new(config: DatabaseConfig) -> impl Future<Output = Result<Self, DatabaseError>> + Send
    where
        Self: Sized;
    /// `get` on the default tree.
    fn get(&self, key: &[u8]) -> impl Future<Output = Result<Option<Vec<u8>>, DatabaseError>> + Send;
    /// `set` on the default tree.
    fn set(&self, key: &[u8], value: &[u8]) -> impl Future<Output = Result<(), DatabaseError>> + Send;
    /// `remove` on the default tree.
    fn remove(&self, key: &[u8]) -> impl Future<Output = Result<bool, DatabaseError>> + Send;
    /// `scan_prefix` on the default tree.
    fn scan_prefix(&self, prefix: &[u8])
        -> impl Future<Output = Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError>> + Send;
    /// Opens the tree `name`, creating it on first use.
    fn open_tree(&self, name: &str) -> impl Future<Output = Result<Arc<Self::Tree>, DatabaseError>> + Send;
    /// Names of the named trees (not the default tree), in ascending byte order.
    fn tree_names(&self) -> impl Future<Output = Result<Vec<String>, DatabaseError>> + Send;
    /// Empties every tree, the default tree included; drops none.
    fn clear(&self) -> impl Future<Output = Result<(), DatabaseError>> + Send;
    /// Makes every write so far durable (no-op when temporary).
    fn flush(&self) -> impl Future<Output = Result<(), DatabaseError>> + Send;
    /// Counts and sizes (see [`DatabaseStats`]).
    fn stats(&self) -> impl Future<Output = Result<DatabaseStats, DatabaseError>> + Send;
    /// Bytes used by the database files (0 when temporary).
    fn size_on_disk(&self) -> impl Future<Output = Result<u64, DatabaseError>> + Send;
    /// Whether the database is deleted when dropped.
    fn is_temporary(&self) -> bool;
}
