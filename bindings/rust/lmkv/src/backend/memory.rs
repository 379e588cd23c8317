//! An in-memory reference implementation of the daemon's trait over
//! `BTreeMap`s. Tests run the same workload against it and against
//! [`super::LmkvBackend`] and compare the answers. Always temporary; it
//! accepts every `DatabaseConfig` (there is nothing to open).

use super::{BoxFuture, DatabaseBackend, DatabaseConfig, DatabaseError, DatabaseStats, DatabaseTree};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

/// A tree of [`MemoryBackend`]: a `BTreeMap` behind a `RwLock`.
#[derive(Default)]
pub struct MemoryTree {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryTree {
    fn bytes(&self) -> (u64, u64) {
        let m = self.map.read().unwrap();
        (m.len() as u64, m.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum())
    }
    fn get_sync(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.map.read().unwrap().get(key).cloned()
    }
    fn set_sync(&self, key: &[u8], value: &[u8]) {
        self.map.write().unwrap().insert(key.to_vec(), value.to_vec());
    }
    fn remove_sync(&self, key: &[u8]) -> bool {
        self.map.write().unwrap().remove(key).is_some()
    }
    fn scan_sync(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let m = self.map.read().unwrap();
        m.range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
    fn clear_sync(&self) {
        self.map.write().unwrap().clear();
    }
}

impl DatabaseTree for MemoryTree {
    fn get<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 [u8],
    ) -> BoxFuture<'async_trait, Result<Option<Vec<u8>>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { Ok(self.get_sync(key)) })
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
        Box::pin(async move {
            self.set_sync(key, value);
            Ok(())
        })
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
        Box::pin(async move { Ok(self.remove_sync(key)) })
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
        Box::pin(async move { Ok(self.scan_sync(prefix)) })
    }

    fn clear<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.clear_sync();
            Ok(())
        })
    }

    fn len<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<u64, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { Ok(self.map.read().unwrap().len() as u64) })
    }
}

/// The reference backend: everything in memory, always temporary.
pub struct MemoryBackend {
    default: MemoryTree,
    trees: Mutex<BTreeMap<String, Arc<MemoryTree>>>,
}

impl DatabaseBackend for MemoryBackend {
    type Tree = MemoryTree;

    fn new<'async_trait>(_config: DatabaseConfig) -> BoxFuture<'async_trait, Result<Self, DatabaseError>>
    where
        Self: Sized + 'async_trait,
    {
        Box::pin(
            async move { Ok(MemoryBackend { default: MemoryTree::default(), trees: Mutex::new(BTreeMap::new()) }) },
        )
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
        self.default.get(key)
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
        self.default.set(key, value)
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
        self.default.remove(key)
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
        self.default.scan_prefix(prefix)
    }

    fn open_tree<'life0, 'life1, 'async_trait>(
        &'life0 self,
        name: &'life1 str,
    ) -> BoxFuture<'async_trait, Result<Arc<MemoryTree>, DatabaseError>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { Ok(self.trees.lock().unwrap().entry(name.to_string()).or_default().clone()) })
    }

    fn tree_names<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<Vec<String>, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { Ok(self.trees.lock().unwrap().keys().cloned().collect()) })
    }

    fn clear<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            self.default.clear_sync();
            for t in self.trees.lock().unwrap().values() {
                t.clear_sync();
            }
            Ok(())
        })
    }

    fn flush<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<(), DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { Ok(()) })
    }

    fn stats<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<DatabaseStats, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let trees = self.trees.lock().unwrap();
            let (mut n, mut b) = self.default.bytes();
            for t in trees.values() {
                let (tn, tb) = t.bytes();
                n += tn;
                b += tb;
            }
            Ok(DatabaseStats {
                total_entries: n,
                total_size_bytes: b,
                disk_size_bytes: 0,
                tree_count: trees.len(),
                is_temporary: true,
            })
        })
    }

    fn size_on_disk<'life0, 'async_trait>(&'life0 self) -> BoxFuture<'async_trait, Result<u64, DatabaseError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { Ok(0) })
    }

    fn is_temporary(&self) -> bool {
        true
    }
}
