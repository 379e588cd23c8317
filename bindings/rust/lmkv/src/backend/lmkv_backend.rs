//! [`LmkvBackend`]: the daemon's `DatabaseBackend` over lmkv, a drop-in for
//! its `SledBackend`.
//!
//! Each async method does its work at its first poll and is ready then, as
//! the sled backend's did: lmkv calls are short LMDB transactions. A write
//! may wait for LMDB's single-writer lock while another thread or process
//! writes; readers never wait.

use super::{BoxFuture, DatabaseBackend, DatabaseConfig, DatabaseError, DatabaseStats, DatabaseTree};
use crate::{Config, Db, Error, ErrorKind, Tree, DEFAULT_TREE};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Maps an lmkv error to the daemon's error type.
pub(super) fn map_err(e: Error, what: &str) -> DatabaseError {
    let message = format!("{what}: {e}");
    match e.kind() {
        ErrorKind::Corruption | ErrorKind::Collision => DatabaseError::Corruption { message },
        ErrorKind::Io | ErrorKind::Full | ErrorKind::PermissionDenied => {
            DatabaseError::Io(std::io::Error::other(message))
        }
        _ => DatabaseError::OperationFailed { message },
    }
}

/// A tree of [`LmkvBackend`]: an lmkv [`Tree`] handle. `Send + Sync` (lmkv
/// tree handles may be used from several threads at once).
pub struct LmkvTree {
    tree: Tree,
    name: String,
}

impl LmkvTree {
    /// The lmkv tree underneath, for callers that want the full sled API.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    fn fail(&self, e: Error, op: &str) -> DatabaseError {
        if e.kind() == ErrorKind::TreeDropped {
            return DatabaseError::TreeNotFound { name: self.name.clone() };
        }
        map_err(e, &format!("{op} in tree '{}'", self.name))
    }
}

fn tree_get(t: &Tree, key: &[u8]) -> crate::Result<Option<Vec<u8>>> {
    Ok(t.get(key)?.map(Vec::from))
}

fn tree_scan(t: &Tree, prefix: &[u8]) -> crate::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    t.scan_prefix(prefix).map(|r| r.map(|(k, v)| (Vec::from(k), Vec::from(v)))).collect()
}

// Every method is the `#[async_trait]` expansion (see the module docs): the
// work runs at the first poll, in one LMDB transaction, and is ready then.
impl DatabaseTree for LmkvTree {
    fn get<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Option<Vec<u8>>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { tree_get(&self.tree, key).map_err(|e| self.fail(e, "get")) })
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
        Box::pin(async move { self.tree.set(key, value).map_err(|e| self.fail(e, "set")) })
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
        Box::pin(async move { self.tree.delete(key).map_err(|e| self.fail(e, "remove")) })
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
        Box::pin(async move { tree_scan(&self.tree, prefix).map_err(|e| self.fail(e, "scan_prefix")) })
    }

    fn clear<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.tree.clear().map_err(|e| self.fail(e, "clear")) })
    }

    fn len<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<u64, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.tree.try_len().map(|n| n as u64).map_err(|e| self.fail(e, "len")) })
    }

    fn is_empty<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<bool, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.tree.try_is_empty().map_err(|e| self.fail(e, "is_empty")) })
    }
}

/// The daemon's backend over an lmkv database.
///
/// Unlike sled, the database is not locked exclusively: the daemon's CLI
/// (or `lmkv` tools) can open and read the same directory while the daemon
/// runs. `Send + Sync` because [`Db`] and [`Tree`] are.
pub struct LmkvBackend {
    db: Arc<Db>,
    config: DatabaseConfig,
    temporary: bool,
    /// open_tree results, so repeated opens of one name share one handle.
    trees: Mutex<HashMap<String, Arc<LmkvTree>>>,
}

impl LmkvBackend {
    /// `SledBackend::from_db`: a backend over an already open database, e.g.
    /// one opened with a [`Config`] that sets durability or the map size,
    /// which `DatabaseConfig` cannot express. `config` is kept for the
    /// daemon's sake; the backend is temporary if `config.temporary` or the
    /// database was opened temporary (then `flush` does nothing and
    /// `size_on_disk` is 0).
    pub fn from_db(db: Db, config: DatabaseConfig) -> LmkvBackend {
        LmkvBackend::from_arc_db(Arc::new(db), config)
    }

    /// `SledBackend::from_arc_db`: as [`LmkvBackend::from_db`], sharing `db`.
    pub fn from_arc_db(db: Arc<Db>, config: DatabaseConfig) -> LmkvBackend {
        let temporary = config.temporary || db.is_temporary();
        LmkvBackend { db, config, temporary, trees: Mutex::new(HashMap::new()) }
    }

    /// `SledBackend::underlying_db`: the lmkv database underneath (sled's
    /// API, transactions, `flush_async`, ...).
    pub fn underlying_db(&self) -> Arc<Db> {
        Arc::clone(&self.db)
    }

    /// The lmkv database underneath, borrowed.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The configuration this backend was created with.
    pub fn config(&self) -> &DatabaseConfig {
        &self.config
    }

    pub(super) fn open(config: DatabaseConfig) -> Result<Self, DatabaseError> {
        if !config.temporary && config.path.is_none() {
            return Err(DatabaseError::Configuration {
                message:
                    "Database path is required for persistent storage (DatabaseConfig { path: None, temporary: false })"
                        .to_string(),
            });
        }
        let temporary = config.temporary;
        let mut cfg = Config::new()
            .temporary(temporary)
            .flush_every_ms(config.flush_every_ms)
            .cache_capacity(config.cache_capacity)
            .use_compression(config.compression)
            .compression_factor(config.compression_factor);
        if let Some(p) = &config.path {
            if let Some(parent) = p.parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| DatabaseError::Configuration {
                        message: format!("Failed to create database directory {}: {e}", parent.display()),
                    })?;
                }
            }
            cfg = cfg.path(p);
        }
        let db = cfg.open().map_err(|e| DatabaseError::Configuration {
            message: format!(
                "Failed to open lmkv database at {}: {e}",
                config.path.as_ref().map_or("<temporary>".into(), |p| p.display().to_string())
            ),
        })?;
        Ok(LmkvBackend { db: Arc::new(db), config, temporary, trees: Mutex::new(HashMap::new()) })
    }

    fn open_tree_sync(&self, name: &str) -> Result<Arc<LmkvTree>, DatabaseError> {
        let mut trees = self.trees.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = trees.get(name) {
            // A cached handle whose tree was dropped (through db()) is
            // replaced by a handle to the new, empty tree of that name.
            match t.tree.try_len() {
                Err(e) if e.kind() == ErrorKind::TreeDropped => {}
                _ => return Ok(t.clone()),
            }
        }
        let tree = self.db.open_tree(name).map_err(|e| map_err(e, &format!("open tree '{name}'")))?;
        let t = Arc::new(LmkvTree { tree, name: name.to_string() });
        trees.insert(name.to_string(), t.clone());
        Ok(t)
    }

    fn tree_names_sync(&self) -> Result<Vec<String>, DatabaseError> {
        let names = self.db.try_tree_names().map_err(|e| map_err(e, "tree_names"))?;
        Ok(names
            .into_iter()
            .filter(|n| n.as_ref() != DEFAULT_TREE)
            .map(|n| String::from_utf8_lossy(&n).into_owned())
            .collect())
    }

    fn size_on_disk_sync(&self) -> Result<u64, DatabaseError> {
        if self.temporary {
            return Ok(0);
        }
        self.db.size_on_disk().map_err(|e| map_err(e, "size_on_disk"))
    }
}

impl DatabaseBackend for LmkvBackend {
    type Tree = LmkvTree;

    /// Opens the database. `temporary`: deleted on drop, under `path` if
    /// given, else in a fresh directory in `$TMPDIR`. Otherwise `path` is
    /// required (`path: None` is a `Configuration` error, as SledBackend's)
    /// and its parent directories are created. `flush_every_ms` is lmkv's
    /// background flush period (None: no flusher thread). `compression`,
    /// `compression_factor` and `cache_capacity` are accepted and ignored
    /// (see [`DatabaseConfig`]). Errors: `Configuration` with lmkv's message
    /// (a path that is a file, another format version, no permission).
    fn new<'async_trait>(config: DatabaseConfig) -> BoxFuture<'async_trait, Result<Self, DatabaseError>>
    where
        Self: Sized + 'async_trait,
    {
        Box::pin(async move { LmkvBackend::open(config) })
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
        Box::pin(async move { tree_get(&self.db, key).map_err(|e| map_err(e, "get in default tree")) })
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
        Box::pin(async move { self.db.set(key, value).map_err(|e| map_err(e, "set in default tree")) })
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
        Box::pin(async move { self.db.delete(key).map_err(|e| map_err(e, "remove in default tree")) })
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
        Box::pin(async move { tree_scan(&self.db, prefix).map_err(|e| map_err(e, "scan_prefix in default tree")) })
    }

    /// Opens or creates `name`; repeated calls return the same `Arc`.
    fn open_tree<'life0, 'life1, 'async_trait>(
        &'life0 self,
        name: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Arc<LmkvTree>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.open_tree_sync(name) })
    }

    /// Named trees, bytewise sorted, without the default tree; names that
    /// are not UTF-8 are converted lossily (as the daemon did).
    fn tree_names<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<Vec<String>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.tree_names_sync() })
    }

    /// Empties every tree, the default one included, in one transaction.
    fn clear<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.db.clear_all().map_err(|e| map_err(e, "clear")) })
    }

    /// `lmkv_db_flush` (fdatasync when something was committed since the
    /// last flush), in the polling thread; nothing when temporary. For a
    /// flush that does not block the runtime thread, `underlying_db().flush_async()`.
    fn flush<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            if self.temporary {
                return Ok(());
            }
            self.db.flush().map(|_| ()).map_err(|e| map_err(e, "flush"))
        })
    }

    /// `total_entries`: entries of every tree (default included);
    /// `total_size_bytes`: bytes of the LMDB pages holding them;
    /// `tree_count`: named trees (as `tree_names().len()`).
    fn stats<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<DatabaseStats, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let s = self.db.stat().map_err(|e| map_err(e, "stats"))?;
            Ok(DatabaseStats {
                total_entries: s.total_entries,
                total_size_bytes: s.total_size_bytes,
                disk_size_bytes: self.size_on_disk_sync()?,
                tree_count: s.tree_count.saturating_sub(1) as usize,
                is_temporary: self.temporary,
            })
        })
    }

    fn size_on_disk<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<u64, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.size_on_disk_sync() })
    }

    fn is_temporary(&self) -> bool {
        self.temporary
    }
}
