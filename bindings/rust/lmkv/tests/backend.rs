//! The daemon's `DatabaseBackend` / `DatabaseTree` contract, run the same way
//! on lmkv (persistent and temporary) and on the BTreeMap reference.

mod common;

use common::TempDir;
use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseError, DatabaseTree, LmkvBackend, MemoryBackend};
use lmkv::executor::block_on;

/// Everything the daemon relies on; returns a transcript to compare.
async fn contract<B: DatabaseBackend>(b: &B) -> Vec<String> {
    let mut log = Vec::new();
    // Default tree.
    assert_eq!(b.get(b"k").await.unwrap(), None);
    b.set(b"k", b"v").await.unwrap();
    b.set(b"k2", b"").await.unwrap();
    assert_eq!(b.get(b"k").await.unwrap(), Some(b"v".to_vec()));
    assert_eq!(b.get(b"k2").await.unwrap(), Some(vec![]), "an empty value is a value");
    b.set(b"k", b"v2").await.unwrap();
    assert_eq!(b.get(b"k").await.unwrap(), Some(b"v2".to_vec()));
    assert!(b.remove(b"k").await.unwrap());
    assert!(!b.remove(b"k").await.unwrap());
    b.set(b"", b"empty key").await.unwrap();
    log.push(format!("default scan {:?}", b.scan_prefix(b"").await.unwrap()));

    // Named trees: open or create; two opens share the data.
    let t = b.open_tree("universal_cache").await.unwrap();
    let t2 = b.open_tree("universal_cache").await.unwrap();
    assert!(t.is_empty().await.unwrap());
    for k in ["ws:hover:b.c:2", "ws:hover:a.c:1", "ws:hover:a.c:0", "ws:definition:a.c:9", "ws:hover:a.c"] {
        t.set(k.as_bytes(), k.len().to_string().as_bytes()).await.unwrap();
    }
    assert_eq!(t2.len().await.unwrap(), 5);
    let scan = t2.scan_prefix(b"ws:hover:a.c:").await.unwrap();
    assert_eq!(
        scan,
        vec![(b"ws:hover:a.c:0".to_vec(), b"14".to_vec()), (b"ws:hover:a.c:1".to_vec(), b"14".to_vec())],
        "prefix scan: ascending, only the prefix"
    );
    log.push(format!("tree scan {:?}", t.scan_prefix(b"ws:").await.unwrap()));
    let stats_tree = b.open_tree("cache_stats").await.unwrap();
    stats_tree.set(b"hits", &7u64.to_le_bytes()).await.unwrap();
    let _empty = b.open_tree("empty").await.unwrap();
    assert_eq!(
        b.tree_names().await.unwrap(),
        vec!["cache_stats".to_string(), "empty".to_string(), "universal_cache".to_string()],
        "sorted, without the default tree"
    );

    let s = b.stats().await.unwrap();
    assert_eq!(s.total_entries, 2 + 5 + 1);
    assert_eq!(s.tree_count, 3);
    assert_eq!(s.is_temporary, b.is_temporary());
    assert!(s.total_size_bytes > 0);
    let disk = b.size_on_disk().await.unwrap();
    assert_eq!(s.disk_size_bytes, disk);
    if b.is_temporary() {
        assert_eq!(disk, 0);
    }
    b.flush().await.unwrap();

    // Tree clear, then database clear: emptied, not dropped.
    t.clear().await.unwrap();
    assert!(t2.is_empty().await.unwrap());
    assert_eq!(t2.len().await.unwrap(), 0);
    b.clear().await.unwrap();
    assert_eq!(b.get(b"k2").await.unwrap(), None);
    assert_eq!(stats_tree.get(b"hits").await.unwrap(), None);
    assert_eq!(b.tree_names().await.unwrap().len(), 3);
    assert_eq!(b.stats().await.unwrap().total_entries, 0);
    log
}

#[test]
fn contract_holds_on_every_backend() {
    let d = TempDir::new("contract");
    let reference = block_on(async { contract(&MemoryBackend::new(DatabaseConfig::default()).await.unwrap()).await });
    let persistent = block_on(async {
        let cfg = DatabaseConfig { path: Some(d.path().join("a/b/cache.db")), ..Default::default() };
        let b = LmkvBackend::new(cfg).await.unwrap();
        assert!(!b.is_temporary());
        contract(&b).await
    });
    let temporary = block_on(async {
        let b = LmkvBackend::new(DatabaseConfig { temporary: true, ..Default::default() }).await.unwrap();
        assert!(b.is_temporary());
        contract(&b).await
    });
    assert_eq!(persistent, reference);
    assert_eq!(temporary, reference);
}

#[test]
fn path_none_without_temporary_is_a_configuration_error() {
    // SledBackend::new: "Database path is required for persistent storage";
    // never a silent temporary database that loses the daemon's cache.
    match block_on(LmkvBackend::new(DatabaseConfig::default())) {
        Err(DatabaseError::Configuration { message }) => {
            assert!(message.contains("path is required"), "{message}")
        }
        Err(e) => panic!("expected Configuration, got {e:?}"),
        Ok(_) => panic!("path: None, temporary: false opened a database"),
    }
}

#[test]
fn temporary_without_a_path_is_removed_on_drop() {
    let b = block_on(LmkvBackend::new(DatabaseConfig { temporary: true, ..Default::default() })).unwrap();
    assert!(b.is_temporary());
    let dir = b.db().path();
    assert!(dir.join("data.mdb").exists());
    drop(b);
    assert!(!dir.exists());
}

#[test]
fn temporary_with_a_path_uses_it_then_removes_it() {
    let d = TempDir::new("tmp-path");
    let p = d.path().join("t.db");
    let b = block_on(LmkvBackend::new(DatabaseConfig { path: Some(p.clone()), temporary: true, ..Default::default() }))
        .unwrap();
    block_on(b.set(b"a", b"b")).unwrap();
    assert!(p.exists());
    assert_eq!(block_on(b.size_on_disk()).unwrap(), 0, "temporary: 0 as the daemon expects");
    drop(b);
    assert!(!p.exists());
}

#[test]
fn data_persists_across_reopen() {
    let d = TempDir::new("persist");
    let cfg = DatabaseConfig { path: Some(d.path().join("cache.db")), flush_every_ms: Some(50), ..Default::default() };
    {
        let b = block_on(LmkvBackend::new(cfg.clone())).unwrap();
        let t = block_on(b.open_tree("nodes")).unwrap();
        block_on(t.set(b"n1", b"payload")).unwrap();
        block_on(b.set(b"d", b"default")).unwrap();
    }
    let b = block_on(LmkvBackend::new(cfg)).unwrap();
    assert_eq!(block_on(b.get(b"d")).unwrap(), Some(b"default".to_vec()));
    let t = block_on(b.open_tree("nodes")).unwrap();
    assert_eq!(block_on(t.get(b"n1")).unwrap(), Some(b"payload".to_vec()));
    assert!(block_on(b.size_on_disk()).unwrap() > 0);
}

#[test]
fn errors_map_to_the_daemons_variants() {
    // A path that is a regular file cannot be a database directory.
    let d = TempDir::new("errors");
    let file = d.path().join("file");
    std::fs::write(&file, b"not a database").unwrap();
    let r = block_on(LmkvBackend::new(DatabaseConfig { path: Some(file), ..Default::default() }));
    assert!(matches!(r, Err(DatabaseError::Configuration { .. })), "{:?}", r.err());

    // A tree dropped underneath the daemon's handle: TreeNotFound with its name.
    let b =
        block_on(LmkvBackend::new(DatabaseConfig { path: Some(d.path().join("db")), ..Default::default() })).unwrap();
    let t = block_on(b.open_tree("file_index")).unwrap();
    assert!(b.db().drop_tree("file_index").unwrap());
    match block_on(t.get(b"x")) {
        Err(DatabaseError::TreeNotFound { name }) => assert_eq!(name, "file_index"),
        other => panic!("expected TreeNotFound, got {other:?}"),
    }
    let e = block_on(t.set(b"x", b"y")).unwrap_err();
    assert!(e.to_string().contains("file_index"), "{e}");
}
