//! The probe daemon's universal cache workload, through the daemon's trait,
//! on many threads at once, against lmkv and against the BTreeMap reference:
//! both must give the same answers, and the answers must match the real
//! sled database the fixture was exported from.
//!
//! Input: tests/fixtures/sled/probe-universal-cache.sleddump (a real sled
//! 0.34 export of the daemon's cache.db: 150 clangd answers on liblmdb in
//! tree `universal_cache`, keys `{ws}:{method}:{path}:{content_hash}`, values
//! bincode `CacheEntry`; tree `cache_stats` with bincode u64 hits/misses) and
//! its .expect.json (lengths and CRC-32 checksums computed by sled).
//!
//! Workload, as the daemon's universal cache does it: load the entries; then
//! tasks on a 4-thread executor (moving between threads at every yield) each
//! take some (method, path) groups and, per group: get every entry (a hit:
//! decode, bump access_count and last_accessed, store back), look up a key
//! with a changed content hash (a miss: store a new entry), and for every
//! other group invalidate the file (prefix scan on `{ws}:{method}:{path}:`,
//! remove each). Meanwhile plain OS threads read the groups that are never
//! invalidated. Then the hit/miss counters are stored, stats are read, and
//! `clear()` empties everything.

#![allow(clippy::type_complexity)]

mod common;

use common::{crc32_update, fnv64, read_sled_dump, CacheEntry, Json, TempDir};
use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend, MemoryBackend};
use lmkv::executor::{block_on, yield_now, Executor};
use std::collections::BTreeMap;
use std::sync::Arc;

const TASKS: usize = 12;
const WORKERS: usize = 4;
const READERS: usize = 3;

struct Fixture {
    /// tree name -> pairs, as exported by sled.
    trees: BTreeMap<String, Vec<(Vec<u8>, Vec<u8>)>>,
    expect: Json,
}

fn fixture() -> Fixture {
    let dir = common::sled_fixtures();
    let colls = read_sled_dump(&dir.join("probe-universal-cache.sleddump")).expect("read the sled dump");
    let trees = colls
        .into_iter()
        .map(|c| {
            assert_eq!(c.kind, b"tree");
            (String::from_utf8(c.name).unwrap(), c.pairs)
        })
        .collect();
    let text = std::fs::read_to_string(dir.join("probe-universal-cache.expect.json")).unwrap();
    Fixture { trees, expect: Json::parse(&text).unwrap() }
}

fn expected_tree(f: &Fixture, name: &str) -> (u64, u32) {
    for t in f.expect.get("db").get("trees").as_array() {
        if t.get("name_utf8").as_str() == Some(name) {
            return (t.get("len").as_u64().unwrap(), t.get("checksum").as_u64().unwrap() as u32);
        }
    }
    panic!("tree {name} not in expect.json");
}

/// sled Tree::checksum over a scan: CRC-32 of each key then value.
fn checksum(pairs: &[(Vec<u8>, Vec<u8>)]) -> u32 {
    pairs.iter().fold(0, |c, (k, v)| crc32_update(crc32_update(c, k), v))
}

/// `{ws}:{method}:{path}:` of a key (the daemon's invalidation prefix).
fn group_prefix(key: &[u8]) -> Vec<u8> {
    let s = std::str::from_utf8(key).expect("universal cache keys are UTF-8");
    let parts: Vec<&str> = s.splitn(4, ':').collect();
    assert_eq!(parts.len(), 4, "key {s}");
    format!("{}:{}:{}:", parts[0], parts[1], parts[2]).into_bytes()
}

/// What one task saw for one group; must be identical across backends.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupReport {
    prefix: Vec<u8>,
    hits: u64,
    misses: u64,
    scanned_before_invalidation: Vec<Vec<u8>>,
    removed: u64,
    left_after_invalidation: usize,
}

/// The final state; must be identical across backends.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    groups: Vec<GroupReport>,
    trees: BTreeMap<String, Vec<(Vec<u8>, Vec<u8>)>>,
    lens: BTreeMap<String, u64>,
    tree_names: Vec<String>,
    total_entries: u64,
    tree_count: usize,
    stats_hits: u64,
    stats_misses: u64,
    after_clear_lens: BTreeMap<String, u64>,
    after_clear_names: Vec<String>,
    after_clear_entries: u64,
}

async fn process_group<B: DatabaseBackend>(
    cache: &B::Tree,
    prefix: Vec<u8>,
    keys: Vec<Vec<u8>>,
    invalidate: bool,
    g: u64,
) -> GroupReport {
    let mut r = GroupReport {
        prefix: prefix.clone(),
        hits: 0,
        misses: 0,
        scanned_before_invalidation: vec![],
        removed: 0,
        left_after_invalidation: 0,
    };
    // Hits: every stored entry is found, decodes, and is written back with
    // its access metadata bumped (the daemon's get path).
    for (i, k) in keys.iter().enumerate() {
        let v = cache.get(k).await.unwrap().expect("stored entry is found");
        let mut e = CacheEntry::decode(&v).expect("value is a bincode CacheEntry");
        assert_eq!(e.size_bytes, e.data.len() as u64);
        e.access_count += 1;
        e.last_accessed = (1_758_000_000 + g, i as u32);
        cache.set(k, &e.encode()).await.unwrap();
        r.hits += 1;
        yield_now().await;
    }
    // A miss: the file changed, so its content hash (the key's last part) did.
    let new_hash = format!("{:016x}{:016x}", fnv64(&[&prefix, b"changed"]), g);
    let mut miss_key = prefix.clone();
    miss_key.extend_from_slice(new_hash.as_bytes());
    assert_eq!(cache.get(&miss_key).await.unwrap(), None);
    r.misses += 1;
    let data = format!("{{\"locations\":[],\"request_id\":\"{g:08x}\",\"type\":\"Definition\"}}").into_bytes();
    let e = CacheEntry {
        size_bytes: data.len() as u64,
        data,
        created_at: (1_758_000_000 + g, 0),
        last_accessed: (1_758_000_000 + g, 0),
        access_count: 1,
    };
    cache.set(&miss_key, &e.encode()).await.unwrap();
    yield_now().await;
    assert_eq!(cache.get(&miss_key).await.unwrap(), Some(e.encode()));

    let scan = cache.scan_prefix(&prefix).await.unwrap();
    r.scanned_before_invalidation = scan.iter().map(|(k, _)| k.clone()).collect();
    if invalidate {
        // The daemon's file invalidation: prefix scan, remove each key.
        for (k, _) in scan {
            assert!(cache.remove(&k).await.unwrap(), "key existed");
            r.removed += 1;
            yield_now().await;
        }
        assert!(!cache.remove(&miss_key).await.unwrap(), "removing twice says false");
        r.left_after_invalidation = cache.scan_prefix(&prefix).await.unwrap().len();
    }
    r
}

fn run<B: DatabaseBackend + 'static>(backend: B, fx: &Fixture) -> Outcome
where
    B::Tree: 'static,
{
    let backend = Arc::new(backend);
    let ex = Executor::new(WORKERS);

    // Load through the trait, from several tasks at once.
    let all: Vec<(String, Vec<u8>, Vec<u8>)> = fx
        .trees
        .iter()
        .filter(|(name, _)| name.as_str() != "__sled__default")
        .flat_map(|(name, pairs)| pairs.iter().map(move |(k, v)| (name.clone(), k.clone(), v.clone())))
        .collect();
    let loaders: Vec<_> = (0..TASKS)
        .map(|t| {
            let b = backend.clone();
            let mine: Vec<_> = all.iter().skip(t).step_by(TASKS).cloned().collect();
            ex.spawn(async move {
                for (tree, k, v) in mine {
                    b.open_tree(&tree).await.unwrap().set(&k, &v).await.unwrap();
                    yield_now().await;
                }
            })
        })
        .collect();
    loaders.into_iter().for_each(|h| h.join());

    // The loaded trees equal what sled had (length and sled's checksum).
    let cache = ex.block_on({
        let b = backend.clone();
        async move { b.open_tree("universal_cache").await.unwrap() }
    });
    for name in ["universal_cache", "cache_stats"] {
        let (len, sum) = expected_tree(fx, name);
        let b = backend.clone();
        let (got_len, got_sum) = block_on(async move {
            let t = b.open_tree(name).await.unwrap();
            (t.len().await.unwrap(), checksum(&t.scan_prefix(b"").await.unwrap()))
        });
        assert_eq!((got_len, got_sum), (len, sum), "tree {name} after load");
    }
    assert!(block_on(backend.get(b"anything")).unwrap().is_none(), "default tree is empty");

    // Group the entries by the daemon's invalidation prefix.
    let mut groups: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
    for (k, _) in &fx.trees["universal_cache"] {
        groups.entry(group_prefix(k)).or_default().push(k.clone());
    }
    let groups: Vec<(Vec<u8>, Vec<Vec<u8>>)> = groups.into_iter().collect();
    assert!(groups.len() >= TASKS, "enough groups for every task ({})", groups.len());

    // Readers on plain threads: the groups that are never invalidated stay
    // readable while the tasks write.
    let stable: Vec<Vec<u8>> =
        groups.iter().enumerate().filter(|(i, _)| i % 2 == 1).flat_map(|(_, (_, ks))| ks.clone()).collect();
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let c = cache.clone();
            let keys = stable.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                for round in 0..3 {
                    for k in keys.iter().skip((r + round) % 2).step_by(2) {
                        let v = block_on(c.get(k)).unwrap().expect("a never-invalidated key stays");
                        CacheEntry::decode(&v).expect("readers never see a torn value");
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();

    // Tasks: each takes every TASKS-th group.
    let handles: Vec<_> = (0..TASKS)
        .map(|t| {
            let c = cache.clone();
            let mine: Vec<(usize, (Vec<u8>, Vec<Vec<u8>>))> =
                groups.iter().cloned().enumerate().skip(t).step_by(TASKS).collect();
            ex.spawn(async move {
                let mut out = Vec::new();
                for (i, (prefix, keys)) in mine {
                    out.push((i, process_group::<B>(&c, prefix, keys, i % 2 == 0, i as u64).await));
                }
                out
            })
        })
        .collect();
    let mut reports: Vec<(usize, GroupReport)> = handles.into_iter().flat_map(|h| h.join()).collect();
    reports.sort_by_key(|(i, _)| *i);
    let reports: Vec<GroupReport> = reports.into_iter().map(|(_, r)| r).collect();
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }

    // Per-group answers that do not depend on the backend at all.
    for (r, (prefix, keys)) in reports.iter().zip(&groups) {
        assert_eq!(&r.prefix, prefix);
        assert_eq!(r.hits, keys.len() as u64);
        assert_eq!(r.scanned_before_invalidation.len(), keys.len() + 1);
        assert!(r.scanned_before_invalidation.windows(2).all(|w| w[0] < w[1]), "scan is in key order");
        assert_eq!(r.left_after_invalidation, 0);
    }

    // Counters, as the daemon persists them (bincode u64) on top of sled's.
    let stats_tree = block_on(backend.open_tree("cache_stats")).unwrap();
    let old = |k: &[u8]| {
        let v = block_on(stats_tree.get(k)).unwrap().expect("counter present");
        u64::from_le_bytes(v.as_slice().try_into().expect("bincode u64 is 8 bytes"))
    };
    let (h0, m0) = (old(b"hits"), old(b"misses"));
    let notes = &fx.expect.get("notes").get("workspaces").as_array()[0];
    assert_eq!(h0, notes.get("hits_recorded").as_u64().unwrap());
    assert_eq!(m0, notes.get("misses_recorded").as_u64().unwrap());
    let hits = h0 + reports.iter().map(|r| r.hits).sum::<u64>();
    let misses = m0 + reports.iter().map(|r| r.misses).sum::<u64>();
    block_on(stats_tree.set(b"hits", &hits.to_le_bytes())).unwrap();
    block_on(stats_tree.set(b"misses", &misses.to_le_bytes())).unwrap();

    // Final state.
    let names = block_on(backend.tree_names()).unwrap();
    let mut trees = BTreeMap::new();
    let mut lens = BTreeMap::new();
    for n in &names {
        let t = block_on(backend.open_tree(n)).unwrap();
        let pairs = block_on(t.scan_prefix(b"")).unwrap();
        assert_eq!(block_on(t.len()).unwrap(), pairs.len() as u64);
        lens.insert(n.clone(), pairs.len() as u64);
        trees.insert(n.clone(), pairs);
    }
    let expected_left: u64 =
        groups.iter().enumerate().filter(|(i, _)| i % 2 == 1).map(|(_, (_, k))| k.len() as u64 + 1).sum();
    assert_eq!(lens["universal_cache"], expected_left);
    let stats = block_on(backend.stats()).unwrap();
    assert_eq!(stats.total_entries, expected_left + 2);
    assert!(stats.total_size_bytes > 0);
    assert_eq!(stats.tree_count, names.len());
    assert_eq!(stats.is_temporary, backend.is_temporary());

    // clear(): every tree emptied, none dropped.
    block_on(backend.clear()).unwrap();
    let after_clear_names = block_on(backend.tree_names()).unwrap();
    let after_clear_lens = after_clear_names
        .iter()
        .map(|n| {
            let t = block_on(backend.open_tree(n)).unwrap();
            assert!(block_on(t.is_empty()).unwrap());
            (n.clone(), block_on(t.len()).unwrap())
        })
        .collect();
    let after_clear_entries = block_on(backend.stats()).unwrap().total_entries;

    Outcome {
        groups: reports,
        trees,
        lens,
        tree_names: names,
        total_entries: stats.total_entries,
        tree_count: stats.tree_count,
        stats_hits: hits,
        stats_misses: misses,
        after_clear_lens,
        after_clear_names,
        after_clear_entries,
    }
}

#[test]
fn universal_cache_same_answers_on_lmkv_and_reference() {
    let fx = fixture();
    let dir = TempDir::new("ucache");
    let config =
        DatabaseConfig { path: Some(dir.path().join("workspaces/74a7322a_lmdb/cache.db")), ..Default::default() };

    let lmkv = block_on(LmkvBackend::new(config.clone())).expect("open lmkv backend");
    assert!(!lmkv.is_temporary());
    let got = run(lmkv, &fx);
    let reference = run(block_on(MemoryBackend::new(config)).unwrap(), &fx);

    assert_eq!(got.groups, reference.groups);
    assert_eq!(got.trees, reference.trees);
    assert_eq!(got.lens, reference.lens);
    assert_eq!(got.tree_names, vec!["cache_stats".to_string(), "universal_cache".to_string()]);
    assert_eq!(got.tree_names, reference.tree_names);
    assert_eq!((got.total_entries, got.tree_count), (reference.total_entries, reference.tree_count));
    assert_eq!((got.stats_hits, got.stats_misses), (reference.stats_hits, reference.stats_misses));
    assert_eq!(got.after_clear_names, reference.after_clear_names);
    assert_eq!(got.after_clear_lens, reference.after_clear_lens);
    assert_eq!(got.after_clear_entries, 0);
    assert_eq!(reference.after_clear_entries, 0);
}

#[test]
fn universal_cache_on_temporary_lmkv() {
    let fx = fixture();
    let lmkv = block_on(LmkvBackend::new(DatabaseConfig { temporary: true, ..Default::default() })).unwrap();
    assert!(lmkv.is_temporary());
    let dir = lmkv.db().path();
    assert!(dir.exists());
    let got = run(lmkv, &fx);
    let reference = run(block_on(MemoryBackend::new(DatabaseConfig::default())).unwrap(), &fx);
    assert_eq!(got, reference);
    assert!(!dir.exists(), "a temporary database's directory is removed when the backend is dropped");
}

#[test]
fn loaded_cache_survives_reopen_and_is_readable_by_a_second_opener() {
    // The daemon's complaint about sled: its CLI could not read the cache
    // while the daemon had it open. With lmkv a second handle (another
    // process would do the same) reads it at once.
    let fx = fixture();
    let dir = TempDir::new("ucache-reopen");
    let config = DatabaseConfig { path: Some(dir.path().join("cache.db")), flush_every_ms: None, ..Default::default() };
    let (len, sum) = expected_tree(&fx, "universal_cache");
    {
        let b = block_on(LmkvBackend::new(config.clone())).unwrap();
        let t = block_on(b.open_tree("universal_cache")).unwrap();
        for (k, v) in &fx.trees["universal_cache"] {
            block_on(t.set(k, v)).unwrap();
        }
        let s = block_on(b.open_tree("cache_stats")).unwrap();
        for (k, v) in &fx.trees["cache_stats"] {
            block_on(s.set(k, v)).unwrap();
        }
        block_on(b.flush()).unwrap();
        assert!(block_on(b.size_on_disk()).unwrap() > 0);

        let cli = block_on(LmkvBackend::new(config.clone())).expect("second opener while the first is open");
        let ct = block_on(cli.open_tree("universal_cache")).unwrap();
        assert_eq!(block_on(ct.len()).unwrap(), len);
        // The whole database's checksum equals sled's Db::checksum.
        let want = fx.expect.get("db").get("checksum").as_u64().unwrap() as u32;
        assert_eq!(cli.db().checksum().unwrap(), want);
    }
    let b = block_on(LmkvBackend::new(config)).unwrap();
    let t = block_on(b.open_tree("universal_cache")).unwrap();
    let pairs = block_on(t.scan_prefix(b"")).unwrap();
    assert_eq!((pairs.len() as u64, checksum(&pairs)), (len, sum));
    assert_eq!(pairs, fx.trees["universal_cache"]);
}
