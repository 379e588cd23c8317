//! The daemon's direct sled call sites (issue 14 point 2), copied with one
//! change: `use lmkv as sled;`. Each function below is the daemon's code
//! (logging dropped, `anyhow` replaced by a boxed error) from:
//!
//! * lsp-daemon/src/daemon.rs at a0a73659: `read_sled_db_stats_for_cache_stats`
//!   (also at bfc8f0a1) and `read_sled_db_stats_with_operations`;
//! * lsp-daemon/src/universal_cache/store.rs at a0a73659 (and bfc8f0a1):
//!   `count_workspace_cache_entries`, with its open-with-compression-then-
//!   without fallback;
//! * src/lsp_integration/client.rs at a0a73659 (`read_sled_db_stats`, the
//!   same chain as daemon.rs's) and management.rs (`read_sled_db_stats_with_operations`,
//!   `read_sled_db_stats_static`: `db.tree_names()` looped with
//!   `tree_name == b"..."` and `db.open_tree(&tree_name)`);
//! * lsp-daemon/src/persistent_cache.rs at 1caedea7 (the sled-era call
//!   graph cache): `Config::default().path().cache_capacity()
//!   .flush_every_ms().compression_factor().use_compression().open()`,
//!   trees as `sled::Tree`, `insert`/`get`/`remove`/`len`/`clear`,
//!   `size_on_disk().unwrap_or(0)` and `flush_async().await?`.
//!
//! The databases are the real sled exports (tests/fixtures/sled), imported
//! into lmkv; every answer is checked against the dump's own pairs.

// The daemon's code is copied as it is, clippy's opinions included.
#![allow(clippy::type_complexity, clippy::manual_checked_ops, clippy::unnecessary_to_owned)]

mod common;

use common::{read_sled_dump, Collection, TempDir};
use lmkv as sled; // the only change the daemon's files need
use lmkv::executor::{block_on, Executor};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

// ------------------------------------------------ the daemon's call sites

/// daemon.rs `read_sled_db_stats_for_cache_stats` (a0a73659 l. 4376).
fn read_sled_db_stats_for_cache_stats(db_path: &Path) -> AnyResult<(u64, u64)> {
    match sled::Config::default().path(db_path).cache_capacity(1024 * 1024).open() {
        Ok(db) => {
            let mut entries = 0u64;
            let mut size_bytes = 0u64;

            if let Ok(nodes_tree) = db.open_tree("nodes") {
                entries = nodes_tree.len() as u64;

                // Sample some entries to estimate size
                let mut sample_count = 0;
                let mut sample_total_size = 0;

                for (key, value) in nodes_tree.iter().take(100).filter_map(Result::ok) {
                    sample_count += 1;
                    sample_total_size += key.len() + value.len();
                }

                if sample_count > 0 {
                    let avg_entry_size = sample_total_size / sample_count;
                    size_bytes = entries * avg_entry_size as u64;
                }
            }
            Ok((entries, size_bytes))
        }
        Err(e) => Err(format!("Failed to open sled database at {}: {}", db_path.display(), e).into()),
    }
}

/// daemon.rs `read_sled_db_stats_with_operations` (a0a73659 l. 4871) and
/// management.rs's copy (l. 1410): per-operation counts and sizes.
fn read_sled_db_stats_with_operations(db_path: &Path) -> AnyResult<(u64, u64, HashMap<String, (u64, u64)>)> {
    match sled::Config::default().path(db_path).cache_capacity(1024 * 1024).use_compression(true).open() {
        Ok(db) => {
            let mut total_entries = 0u64;
            let mut total_size_bytes = 0u64;
            let mut operation_counts: HashMap<String, (u64, u64)> = HashMap::new();

            let universal_tree_result = db.open_tree("universal_cache");
            if let Ok(universal_tree) = universal_tree_result {
                let _logged = format!("Found universal_cache tree with {} entries", universal_tree.len());
                for (key, value) in universal_tree.iter().flatten() {
                    total_entries += 1;
                    let entry_size = key.len() as u64 + value.len() as u64;
                    total_size_bytes += entry_size;

                    if let Ok(key_str) = std::str::from_utf8(&key) {
                        let operation = if let Some(parts) = key_str.split(':').nth(1) {
                            if parts.starts_with("textDocument_") {
                                parts.strip_prefix("textDocument_").unwrap_or(parts).replace('_', " ")
                            } else {
                                parts.to_string()
                            }
                        } else {
                            "unknown".to_string()
                        };
                        let entry = operation_counts.entry(operation).or_insert((0, 0));
                        entry.0 += 1;
                        entry.1 += entry_size;
                    }
                }
            }

            // Fallback to default tree if universal cache is empty
            let default_entries = db.len() as u64;
            if default_entries > 0 && total_entries == 0 {
                for (key, value) in db.iter().flatten() {
                    total_entries += 1;
                    total_size_bytes += key.len() as u64 + value.len() as u64;
                }
            }

            // management.rs: the other named trees
            for tree_name in db.tree_names() {
                if tree_name.is_empty() || tree_name == b"universal_cache" {
                    continue;
                }
                let _tree_name_str = String::from_utf8_lossy(&tree_name);
                if let Ok(tree) = db.open_tree(&tree_name) {
                    let tree_size = tree.len() as u64;
                    if tree_size > 0 {
                        for (key, value) in tree.iter().flatten() {
                            total_entries += 1;
                            total_size_bytes += key.len() as u64 + value.len() as u64;
                        }
                    }
                }
            }
            Ok((total_entries, total_size_bytes, operation_counts))
        }
        Err(e) => Err(format!("Failed to open sled database at {db_path:?}: {e}").into()),
    }
}

/// management.rs `read_sled_db_stats_static` (a0a73659 l. 1594).
fn read_sled_db_stats_static(db_path: &Path) -> (u64, u64) {
    match sled::Config::default().path(db_path).cache_capacity(1024 * 1024).use_compression(true).open() {
        Ok(db) => {
            let mut total_entries = 0u64;
            let mut total_size_bytes = 0u64;

            let default_entries = db.len() as u64;
            total_entries += default_entries;
            for (key, value) in db.iter().flatten() {
                total_size_bytes += key.len() as u64 + value.len() as u64;
            }

            if let Ok(nodes_tree) = db.open_tree("nodes") {
                let nodes_entries = nodes_tree.len() as u64;
                total_entries += nodes_entries;
                for (key, value) in nodes_tree.iter().flatten() {
                    total_size_bytes += key.len() as u64 + value.len() as u64;
                }
            }

            for tree_name in db.tree_names() {
                if tree_name.is_empty() || tree_name == b"nodes" {
                    continue;
                }
                if let Ok(tree) = db.open_tree(&tree_name) {
                    let tree_entries = tree.len() as u64;
                    total_entries += tree_entries;
                    for (key, value) in tree.iter().flatten() {
                        total_size_bytes += key.len() as u64 + value.len() as u64;
                    }
                }
            }
            (total_entries, total_size_bytes)
        }
        Err(_) => (0, 0),
    }
}

/// universal_cache/store.rs `count_workspace_cache_entries` (a0a73659
/// l. 968): (tree, entries) for the trees it looks at, and the tree names.
fn count_workspace_cache_entries(db_path: &Path) -> AnyResult<(Vec<(String, u64)>, Vec<String>)> {
    use sled::Config;

    let db = match Config::default()
        .path(db_path)
        .cache_capacity(64 * 1024 * 1024) // 64MB cache
        .use_compression(true) // Match original database settings
        .compression_factor(5) // Match the default compression factor
        .open()
    {
        Ok(db) => db,
        Err(_e) => Config::default()
            .path(db_path)
            .cache_capacity(64 * 1024 * 1024)
            .use_compression(false)
            .compression_factor(1)
            .open()
            .map_err(|e| format!("Failed to open cache database at: {db_path:?}: {e}"))?,
    };

    let tree_names = db.tree_names();
    let names: Vec<String> = tree_names.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
    let _logged = format!("Database at {:?} has {} trees: {:?}", db_path, tree_names.len(), names);

    let mut tree_entries = Vec::new();
    if let Ok(nodes_tree) = db.open_tree(b"nodes") {
        let count = nodes_tree.len() as u64;
        tree_entries.push(("nodes".to_string(), count));
        let mut sample_size = 0usize;
        for (key, value) in nodes_tree.iter().take(100).flatten() {
            sample_size += key.len() + value.len();
        }
        let _ = sample_size;
    }
    if let Ok(universal_tree) = db.open_tree(b"universal_cache") {
        let count = universal_tree.len() as u64;
        tree_entries.push(("universal_cache".to_string(), count));
    }
    for tree_name in &[
        b"call_hierarchy".as_slice(),
        b"cache".as_slice(),
        b"entries".as_slice(),
        b"metadata".as_slice(),
        b"file_index".as_slice(),
    ] {
        if let Ok(tree) = db.open_tree(tree_name) {
            let count = tree.len() as u64;
            if count > 0 {
                let tree_name_str = String::from_utf8_lossy(tree_name).to_string();
                tree_entries.push((tree_name_str, count));
                for (key, value) in tree.iter().take(50).flatten() {
                    let _ = key.len() + value.len();
                }
            }
        }
    }
    Ok((tree_entries, names))
}

/// persistent_cache.rs at 1caedea7: `PersistentCallGraphCache`'s sled use.
struct PersistentCallGraphCache {
    db: Arc<sled::Db>,
    nodes_tree: sled::Tree,
    metadata_tree: sled::Tree,
    file_index_tree: sled::Tree,
}

impl PersistentCallGraphCache {
    async fn new(cache_dir: &Path, compress: bool) -> AnyResult<Self> {
        std::fs::create_dir_all(cache_dir)?;
        let db_path = cache_dir.join("call_graph.db");
        let db = sled::Config::default()
            .path(&db_path)
            .cache_capacity(64 * 1024 * 1024) // 64MB cache
            .flush_every_ms(Some(1000)) // Flush every second
            .compression_factor(if compress { 5 } else { 1 })
            .use_compression(compress)
            .open()
            .map_err(|e| format!("Failed to open sled database at: {db_path:?}: {e}"))?;
        let db = Arc::new(db);
        let nodes_tree = db.open_tree("nodes")?;
        let metadata_tree = db.open_tree("metadata")?;
        let file_index_tree = db.open_tree("file_index")?;
        Ok(Self { db, nodes_tree, metadata_tree, file_index_tree })
    }

    async fn load_metadata_version(&self) -> AnyResult<Option<Vec<u8>>> {
        Ok(self.metadata_tree.get("cache_metadata")?.map(|v| v.to_vec()))
    }

    async fn insert(&self, key_bytes: Vec<u8>, node: Vec<u8>, file_key: String) -> AnyResult<()> {
        self.nodes_tree.insert(&key_bytes, node)?;
        let mut keys: Vec<u8> = match self.file_index_tree.get(&file_key)? {
            Some(data) => data.to_vec(),
            None => Vec::new(),
        };
        keys.extend_from_slice(&(key_bytes.len() as u64).to_le_bytes());
        keys.extend_from_slice(&key_bytes);
        self.file_index_tree.insert(&file_key, keys)?;
        Ok(())
    }

    async fn remove(&self, key_bytes: &[u8]) -> AnyResult<bool> {
        let was_present = self.nodes_tree.remove(key_bytes)?.is_some();
        Ok(was_present)
    }

    async fn stats(&self) -> (usize, usize, u64) {
        let disk_size = self.db.size_on_disk().unwrap_or(0);
        (self.nodes_tree.len(), self.file_index_tree.len(), disk_size)
    }

    async fn clear(&self) -> AnyResult<()> {
        self.nodes_tree.clear()?;
        self.file_index_tree.clear()?;
        self.db.flush_async().await?;
        Ok(())
    }

    async fn compact(&self) -> AnyResult<usize> {
        Ok(self.db.flush_async().await?)
    }
}

// ------------------------------------------------------------------ tests

fn dump(name: &str) -> Vec<Collection> {
    read_sled_dump(&common::sled_fixtures().join(format!("{name}.sleddump"))).expect("read the sled dump")
}

/// The real sled export imported into a fresh lmkv database at `path`.
fn import(path: &Path, colls: &[Collection]) {
    let db = sled::Config::default().path(path).open().unwrap();
    db.import(colls.iter().map(|c| (c.kind.clone(), c.name.clone(), c.pairs.clone()))).unwrap();
    db.flush().unwrap();
}

fn pairs<'a>(colls: &'a [Collection], tree: &str) -> &'a [(Vec<u8>, Vec<u8>)] {
    colls.iter().find(|c| c.name == tree.as_bytes()).map_or(&[], |c| &c.pairs)
}

fn bytes(p: &[(Vec<u8>, Vec<u8>)]) -> u64 {
    p.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum()
}

#[test]
fn the_daemons_stats_readers_on_the_real_universal_cache() {
    let d = TempDir::new("callsites-universal");
    let colls = dump("probe-universal-cache");
    let path = d.path().join("cache.db");
    import(&path, &colls);
    let universal = pairs(&colls, "universal_cache");
    let stats = pairs(&colls, "cache_stats");
    assert_eq!(universal.len(), 150);

    let (total, size, ops) = read_sled_db_stats_with_operations(&path).unwrap();
    assert_eq!(total, (universal.len() + stats.len()) as u64);
    assert_eq!(size, bytes(universal) + bytes(stats));
    let mut want: HashMap<String, (u64, u64)> = HashMap::new();
    for (k, v) in universal {
        let op = std::str::from_utf8(k).unwrap().split(':').nth(1).unwrap();
        let op = op.strip_prefix("textDocument_").unwrap_or(op).replace('_', " ");
        let e = want.entry(op).or_default();
        e.0 += 1;
        e.1 += (k.len() + v.len()) as u64;
    }
    assert_eq!(ops, want);
    assert_eq!(ops["hover"].0, 38, "the fixture's entries_by_method");

    // No `nodes` tree in this database: open_tree creates it empty, as sled.
    assert_eq!(read_sled_db_stats_for_cache_stats(&path).unwrap(), (0, 0));
    let (s_total, s_size) = read_sled_db_stats_static(&path);
    assert_eq!(s_total, (universal.len() + stats.len()) as u64);
    assert_eq!(s_size, bytes(universal) + bytes(stats));

    let (trees, names) = count_workspace_cache_entries(&path).unwrap();
    assert_eq!(trees, vec![("nodes".into(), 0), ("universal_cache".into(), 150)]);
    assert!(names.contains(&"__sled__default".to_string()), "sled's tree_names lists the default tree: {names:?}");
    assert!(names.contains(&"universal_cache".to_string()) && names.contains(&"cache_stats".to_string()));
}

#[test]
fn the_daemons_stats_readers_on_the_real_call_graph_cache() {
    let d = TempDir::new("callsites-legacy");
    let colls = dump("probe-legacy-call-graph");
    let path = d.path().join("call_graph.db");
    import(&path, &colls);
    let nodes = pairs(&colls, "nodes");
    assert!(!nodes.is_empty());

    let (entries, size) = read_sled_db_stats_for_cache_stats(&path).unwrap();
    assert_eq!(entries, nodes.len() as u64);
    let sample = &nodes[..nodes.len().min(100)];
    assert_eq!(size, entries * (bytes(sample) / sample.len() as u64), "the daemon's sampled estimate");

    let all: u64 = colls.iter().filter(|c| c.kind == b"tree").map(|c| c.pairs.len() as u64).sum();
    let all_bytes: u64 = colls.iter().filter(|c| c.kind == b"tree").map(|c| bytes(&c.pairs)).sum();
    assert_eq!(read_sled_db_stats_static(&path), (all, all_bytes));

    let (trees, _) = count_workspace_cache_entries(&path).unwrap();
    for (name, count) in &trees {
        assert_eq!(*count, pairs(&colls, name).len() as u64, "{name}");
    }
    assert!(trees.iter().any(|(n, _)| n == "file_index") && trees.iter().any(|(n, _)| n == "metadata"));
}

#[test]
fn compression_settings_are_accepted_and_change_nothing() {
    // store.rs opens with compression and falls back to without; sled would
    // refuse the mismatch. lmkv stores pages uncompressed either way.
    let d = TempDir::new("callsites-compression");
    let path = d.path().join("db");
    {
        let db = sled::Config::default().path(&path).use_compression(true).compression_factor(22).open().unwrap();
        db.insert(b"k", b"v").unwrap();
    }
    let db = sled::Config::default().path(&path).use_compression(false).cache_capacity(1).open().unwrap();
    assert_eq!(db.get(b"k").unwrap().unwrap(), b"v");
    let cfg = sled::Config::default().cache_capacity(123).use_compression(true);
    assert_eq!((cfg.get_cache_capacity(), cfg.get_use_compression()), (123, true));
}

#[test]
fn the_persistent_call_graph_cache_with_flush_async() {
    let d = TempDir::new("callsites-persistent");
    let cache = block_on(PersistentCallGraphCache::new(&d.path().join("lsp"), true)).unwrap();
    block_on(async {
        assert_eq!(cache.load_metadata_version().await.unwrap(), None);
        cache.metadata_tree.insert("cache_metadata", 1u32.to_le_bytes().to_vec()).unwrap();
        assert_eq!(cache.load_metadata_version().await.unwrap(), Some(1u32.to_le_bytes().to_vec()));
        for i in 0..20u32 {
            let file = format!("src/f{}.c", i % 4);
            cache.insert(format!("node{i}").into_bytes(), vec![i as u8; 64], file).await.unwrap();
        }
        // (Whether this flush or the 1000 ms flusher thread synced the
        // inserts is timing; that nothing is left to sync after it is not.)
        cache.compact().await.unwrap();
        assert_eq!(cache.compact().await.unwrap(), 0, "nothing committed since: nothing to flush");
        let (nodes, files, disk) = cache.stats().await;
        assert_eq!((nodes, files), (20, 4));
        assert!(disk > 0);
        assert!(cache.remove(b"node3").await.unwrap());
        assert!(!cache.remove(b"node3").await.unwrap());
        cache.clear().await.unwrap();
        assert_eq!(cache.stats().await.0, 0);
    });
    // Reopened (another handle, as a restarted daemon): the data is there.
    drop(cache);
    let db = sled::Config::default().path(d.path().join("lsp/call_graph.db")).open().unwrap();
    assert_eq!(db.open_tree("metadata").unwrap().len(), 1);
    assert_eq!(db.open_tree("nodes").unwrap().len(), 0);
}

#[test]
fn flush_async_is_send_static_and_resolves_on_any_thread() {
    fn send_static<F: std::future::Future + Send + 'static>(f: F) -> F {
        f
    }
    let d = TempDir::new("callsites-flush");
    let db = sled::Config::default().path(d.path().join("db")).flush_every_ms(None).open().unwrap();
    let ex = Executor::new(2);
    let handles: Vec<_> = (0..8u32)
        .map(|i| {
            let db = db.clone();
            ex.spawn(async move {
                db.insert(i.to_be_bytes(), b"v").unwrap();
                let f = send_static(db.flush_async());
                drop(db); // the future keeps the database open
                f.await.unwrap()
            })
        })
        .collect();
    let flushed: Vec<usize> = handles.into_iter().map(|h| h.join()).collect();
    // No flusher thread (flush_every_ms(None)): the first flush after an
    // insert finds commits to sync, so some task's flush returned bytes.
    assert!(flushed.iter().any(|&n| n > 0), "at least one flush found commits to sync: {flushed:?}");
    assert_eq!(db.len(), 8);
    // A future dropped before it is polled does nothing; one dropped while
    // pending still completes its flush in its thread (no hang, no leak).
    drop(db.flush_async());
    db.insert(b"x", b"y").unwrap();
    assert!(block_on(db.flush_async()).unwrap() > 0, "a commit since the last flush: synced");
    assert_eq!(block_on(db.flush_async()).unwrap(), 0, "nothing since: nothing to sync");
    db.insert(b"x2", b"y").unwrap();
    assert!(block_on(db.open_tree("t").unwrap().flush_async()).unwrap() > 0, "a tree's flush_async flushes the db");
}

#[test]
fn sled_shaped_len_and_tree_names_on_a_dropped_tree() {
    let d = TempDir::new("callsites-dropped");
    let db = sled::Db::open(d.path().join("db")).unwrap();
    let t = db.open_tree("gone").unwrap();
    t.insert(b"a", b"1").unwrap();
    assert_eq!((t.len(), t.is_empty()), (1, false));
    assert!(db.drop_tree("gone").unwrap());
    // sled's len counts no entries in a dropped tree; lmkv's try_len says why.
    assert_eq!((t.len(), t.is_empty()), (0, true));
    assert_eq!(t.try_len().unwrap_err().kind(), lmkv::ErrorKind::TreeDropped);
    assert_eq!(db.tree_names(), db.try_tree_names().unwrap());
    assert!(!db.tree_names().iter().any(|n| n == b"gone"));
}
