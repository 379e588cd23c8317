//! [`LmkvBackend`]: the daemon's `DatabaseBackend` over lmkv, a drop-in for
//! its `SledBackend`.
//!
//! Each async method does its work synchronously and is ready at once, as
//! the sled backend's did: lmkv calls are short LMDB transactions. A write
//! may wait for LMDB's single-writer lock while another thread or process
//! writes; readers never wait.

use super::{DatabaseBackend, DatabaseConfig, DatabaseError, DatabaseStats, DatabaseTree};
use crate::{Config, Db, Error, ErrorKind, Tree, DEFAULT_TREE};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Maps an lmkv error to the daemon's error type.
fn map_err(e: Error, what: &str) -> DatabaseError {
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

impl DatabaseTree for LmkvTree {
    async fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, DatabaseError> {
        tree_get(&self.tree, key).map_err(|e| self.fail(e, "get"))
    }
    async fn set(&self, key: &[u8], value: &[u8]) -> Result<(), DatabaseError> {
        self.tree.set(key, value).map_err(|e| self.fail(e, "set"))
    }
    async fn remove(&self, key: &[u8]) -> Result<bool, DatabaseError> {
        self.tree.delete(key).map_err(|e| self.fail(e, "remove"))
    }
    async fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError> {
        tree_scan(&self.tree, prefix).map_err(|e| self.fail(e, "scan_prefix"))
    }
    async fn clear(&self) -> Result<(), DatabaseError> {
        self.tree.clear().map_err(|e| self.fail(e, "clear"))
    }
    async fn len(&self) -> Result<u64, DatabaseError> {
        self.tree.len().map(|n| n as u64).map_err(|e| self.fail(e, "len"))
    }
    async fn is_empty(&self) -> Result<bool, DatabaseError> {
        self.tree.is_empty().map_err(|e| self.fail(e, "is_empty"))
    }
}

/// The daemon's backend over an lmkv database.
///
/// Unlike sled, the database is not locked exclusively: the daemon's CLI
/// (or `lmkv` tools) can open and read the same directory while the daemon
/// runs. `Send + Sync` because [`Db`] and [`Tree`] are.
pub struct LmkvBackend {
    db: Db,
    temporary: bool,
    /// open_tree results, so repeated opens of one name share one handle.
    trees: Mutex<HashMap<String, Arc<LmkvTree>>>,
}

impl LmkvBackend {
    /// A backend over an already open database (as the daemon's
    /// `SledBackend::from_db`), e.g. one opened with a [`Config`] that sets
    /// durability or the map size, which `DatabaseConfig` cannot express.
    pub fn from_db(db: Db) -> LmkvBackend {
        let temporary = db.is_temporary();
        LmkvBackend { db, temporary, trees: Mutex::new(HashMap::new()) }
    }

    /// The lmkv database underneath (sled-style API, transactions, ...).
    pub fn db(&self) -> &Db {
        &self.db
    }
}

impl DatabaseBackend for LmkvBackend {
    type Tree = LmkvTree;

    /// Opens the database: `path` None or `temporary` = a temporary database
    /// (deleted on drop; under `path` if given, else a fresh directory in
    /// `$TMPDIR`). Parent directories of `path` are created. `flush_every_ms`
    /// is lmkv's background flush period (None: no flusher thread).
    /// `compression`, `compression_factor` and `cache_capacity` are accepted
    /// and ignored (see [`DatabaseConfig`]).
    async fn new(config: DatabaseConfig) -> Result<Self, DatabaseError> {
        let temporary = config.temporary || config.path.is_none();
        let mut cfg = Config::new().temporary(temporary).flush_every_ms(config.flush_every_ms);
        if let Some(p) = &config.path {
            if let Some(parent) = p.parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| DatabaseError::Configuration {
                        message: format!("cannot create {}: {e}", parent.display()),
                    })?;
                }
            }
            cfg = cfg.path(p);
        }
        let db = cfg.open().map_err(|e| DatabaseError::Configuration {
            message: format!(
                "open {}: {e}",
                config.path.as_ref().map_or("<temporary>".into(), |p| p.display().to_string())
            ),
        })?;
        Ok(LmkvBackend { db, temporary, trees: Mutex::new(HashMap::new()) })
    }

    async fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, DatabaseError> {
        tree_get(&self.db, key).map_err(|e| map_err(e, "get in default tree"))
    }
    async fn set(&self, key: &[u8], value: &[u8]) -> Result<(), DatabaseError> {
        self.db.set(key, value).map_err(|e| map_err(e, "set in default tree"))
    }
    async fn remove(&self, key: &[u8]) -> Result<bool, DatabaseError> {
        self.db.delete(key).map_err(|e| map_err(e, "remove in default tree"))
    }
    async fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError> {
        tree_scan(&self.db, prefix).map_err(|e| map_err(e, "scan_prefix in default tree"))
    }

    /// Opens or creates `name`; repeated calls return the same `Arc`.
    async fn open_tree(&self, name: &str) -> Result<Arc<LmkvTree>, DatabaseError> {
        let mut trees = self.trees.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = trees.get(name) {
            // A cached handle whose tree was dropped (through db()) is
            // replaced by a handle to the new, empty tree of that name.
            match t.tree.len() {
                Err(e) if e.kind() == ErrorKind::TreeDropped => {}
                _ => return Ok(t.clone()),
            }
        }
        let tree = self.db.open_tree(name).map_err(|e| map_err(e, &format!("open tree '{name}'")))?;
        let t = Arc::new(LmkvTree { tree, name: name.to_string() });
        trees.insert(name.to_string(), t.clone());
        Ok(t)
    }

    /// Named trees, bytewise sorted, without the default tree; names that
    /// are not UTF-8 are converted lossily (as the daemon did).
    async fn tree_names(&self) -> Result<Vec<String>, DatabaseError> {
        let names = self.db.tree_names().map_err(|e| map_err(e, "tree_names"))?;
        Ok(names
            .into_iter()
            .filter(|n| n.as_bytes() != DEFAULT_TREE)
            .map(|n| String::from_utf8_lossy(&n).into_owned())
            .collect())
    }

    /// Empties every tree, the default one included, in one transaction.
    async fn clear(&self) -> Result<(), DatabaseError> {
        self.db.clear_all().map_err(|e| map_err(e, "clear"))
    }

    async fn flush(&self) -> Result<(), DatabaseError> {
        if self.temporary {
            return Ok(());
        }
        self.db.flush().map(|_| ()).map_err(|e| map_err(e, "flush"))
    }

    /// `total_entries`: entries of every tree (default included);
    /// `total_size_bytes`: bytes of the LMDB pages holding them;
    /// `tree_count`: named trees (as `tree_names().len()`).
    async fn stats(&self) -> Result<DatabaseStats, DatabaseError> {
        let s = self.db.stat().map_err(|e| map_err(e, "stats"))?;
        let disk = self.size_on_disk().await?;
        Ok(DatabaseStats {
            total_entries: s.total_entries,
            total_size_bytes: s.total_size_bytes,
            disk_size_bytes: disk,
            tree_count: s.tree_count.saturating_sub(1) as usize,
            is_temporary: self.temporary,
        })
    }

    async fn size_on_disk(&self) -> Result<u64, DatabaseError> {
        if self.temporary {
            return Ok(0);
        }
        self.db.size_on_disk().map_err(|e| map_err(e, "size_on_disk"))
    }

    fn is_temporary(&self) -> bool {
        self.temporary
    }
}
