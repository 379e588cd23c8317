//! An in-memory reference implementation of the daemon's trait over
//! `BTreeMap`s. Tests run the same workload against it and against
//! [`super::LmkvBackend`] and compare the answers.

use super::{DatabaseBackend, DatabaseConfig, DatabaseError, DatabaseStats, DatabaseTree};
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
}

impl DatabaseTree for MemoryTree {
    async fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, DatabaseError> {
        Ok(self.map.read().unwrap().get(key).cloned())
    }
    async fn set(&self, key: &[u8], value: &[u8]) -> Result<(), DatabaseError> {
        self.map.write().unwrap().insert(key.to_vec(), value.to_vec());
        Ok(())
    }
    async fn remove(&self, key: &[u8]) -> Result<bool, DatabaseError> {
        Ok(self.map.write().unwrap().remove(key).is_some())
    }
    async fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError> {
        let m = self.map.read().unwrap();
        Ok(m.range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
    async fn clear(&self) -> Result<(), DatabaseError> {
        self.map.write().unwrap().clear();
        Ok(())
    }
    async fn len(&self) -> Result<u64, DatabaseError> {
        Ok(self.map.read().unwrap().len() as u64)
    }
}

/// The reference backend: everything in memory, always temporary.
pub struct MemoryBackend {
    default: MemoryTree,
    trees: Mutex<BTreeMap<String, Arc<MemoryTree>>>,
}

impl DatabaseBackend for MemoryBackend {
    type Tree = MemoryTree;

    async fn new(_config: DatabaseConfig) -> Result<Self, DatabaseError> {
        Ok(MemoryBackend { default: MemoryTree::default(), trees: Mutex::new(BTreeMap::new()) })
    }
    async fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, DatabaseError> {
        self.default.get(key).await
    }
    async fn set(&self, key: &[u8], value: &[u8]) -> Result<(), DatabaseError> {
        self.default.set(key, value).await
    }
    async fn remove(&self, key: &[u8]) -> Result<bool, DatabaseError> {
        self.default.remove(key).await
    }
    async fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>, DatabaseError> {
        self.default.scan_prefix(prefix).await
    }
    async fn open_tree(&self, name: &str) -> Result<Arc<MemoryTree>, DatabaseError> {
        Ok(self.trees.lock().unwrap().entry(name.to_string()).or_default().clone())
    }
    async fn tree_names(&self) -> Result<Vec<String>, DatabaseError> {
        Ok(self.trees.lock().unwrap().keys().cloned().collect())
    }
    async fn clear(&self) -> Result<(), DatabaseError> {
        self.default.clear().await?;
        let trees: Vec<_> = self.trees.lock().unwrap().values().cloned().collect();
        for t in trees {
            t.clear().await?;
        }
        Ok(())
    }
    async fn flush(&self) -> Result<(), DatabaseError> {
        Ok(())
    }
    async fn stats(&self) -> Result<DatabaseStats, DatabaseError> {
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
    }
    async fn size_on_disk(&self) -> Result<u64, DatabaseError> {
        Ok(0)
    }
    fn is_temporary(&self) -> bool {
        true
    }
}
