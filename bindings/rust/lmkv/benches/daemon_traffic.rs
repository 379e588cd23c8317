//! The probe daemon's LSP-cache traffic through `lmkv::backend` (the
//! daemon's `DatabaseBackend` trait), from 1, 2, 4, 8 and 32 concurrent
//! tasks (N tasks on N threads of `lmkv::executor::Executor`), at the
//! default durability (data synced at every commit) and at `NoSync`, in
//! one run -- issue 15's measurement of group commit.
//!
//! One lookup, as the daemon's cache does it:
//!   - `get` of the cache key (a universal cache key, ~70 bytes);
//!   - on a miss a `set` of a ~1.5 KiB response, on a hit a rewrite of the
//!     entry (its access metadata changes);
//!   - the hit or miss counter in tree `cache_stats`, the daemon's way:
//!     `get` + `set` (it loses increments under concurrency, as it does on
//!     sled; lmkv's `update_and_fetch`/`merge` would be exact);
//!   - one lookup in 50 also invalidates a file: `scan_prefix` of the
//!     file's keys and a `remove` of each.
//! Keys: 64 files x 64 positions, chosen by a per-task xorshift (most
//! lookups hit once the cache is warm). Three variants, side by side:
//!   - `get+set`, hit rewrite changed: the daemon's code as it is;
//!   - `merge`: the counters through `Tree::merge` with an adding operator
//!     (exact; what lmkv's backend documentation points the daemon at),
//!     the hit rewrite still changed;
//!   - `merge`, hit rewrite unchanged: the hit writes back the entry as
//!     read (a daemon that keeps access metadata out of the entry); lmkv
//!     skips the write group and the commit for a byte-equal insert.
//! Output: a markdown table of lookups/s, p50 and p99 latency per lookup,
//! lmkv's mean write-group size (`lmkv_kv__group_stats`: operations per
//! commit), the unchanged inserts that skipped their commit
//! (`lmkv_kv__equal_insert_stats`) and how many of the lookups the hit+miss
//! counters recorded (get+set loses increments under concurrency).
//! Run by bench/daemon_bench.sh (`cargo bench --offline`). BENCH_QUICK=1:
//! fewer lookups.

use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend, LmkvTree};
use lmkv::executor::{block_on, Executor};
use lmkv::{Config, Durability};
use std::os::raw::c_int;
use std::sync::Arc;
use std::time::Instant;

/// `lmkv_group_stats` of kv/kv_int.h: lmkv's internal write-group counters
/// (not in lmkv_kv.h, so not in lmkv-sys; the static library exports it).
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct GroupStats {
    commits: u64,
    ops: u64,
    max_group: u64,
}

extern "C" {
    fn lmkv_kv__group_stats(out: *mut GroupStats, db: *mut lmkv::sys::lmkv_db) -> c_int;
    fn lmkv_kv__equal_insert_stats(skipped: *mut u64, synced: *mut u64, db: *mut lmkv::sys::lmkv_db) -> c_int;
}

/// How a lookup counts and rewrites (see the module docs).
#[derive(Clone, Copy)]
struct Variant {
    name: &'static str,
    merge: bool,
    change_on_hit: bool,
}

const VARIANTS: [Variant; 3] = [
    Variant { name: "get+set", merge: false, change_on_hit: true },
    Variant { name: "merge", merge: true, change_on_hit: true },
    Variant { name: "merge, hit unchanged", merge: true, change_on_hit: false },
];

fn le64(v: &[u8]) -> u64 {
    u64::from_le_bytes(v.try_into().unwrap())
}

const FILES: u64 = 64;
const POSITIONS: u64 = 64;

fn cache_key(file: u64, pos: u64) -> Vec<u8> {
    format!("74a7322a_lmdb:textDocument_hover:src/file{file:03}.rs:{:08x}", pos * 0x9e37_79b9).into_bytes()
}

fn file_prefix(file: u64) -> Vec<u8> {
    format!("74a7322a_lmdb:textDocument_hover:src/file{file:03}.rs:").into_bytes()
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

async fn bump(stats: &LmkvTree, key: &[u8], merge: bool) {
    if merge {
        stats.tree().merge(key, 1u64.to_le_bytes()).unwrap();
        return;
    }
    let n = match stats.get(key).await.unwrap() {
        Some(v) if v.len() == 8 => le64(&v),
        _ => 0,
    };
    stats.set(key, &(n + 1).to_le_bytes()).await.unwrap();
}

/// One task's lookups; returns each lookup's latency in seconds.
async fn task(cache: Arc<LmkvTree>, stats: Arc<LmkvTree>, seed: u64, lookups: usize, var: Variant) -> Vec<f64> {
    let mut rng = Rng(seed * 0x2545_f491_4f6c_dd1d | 1);
    let mut lat = Vec::with_capacity(lookups);
    let response = vec![0x7bu8; 1500];
    for i in 0..lookups {
        let (file, pos) = (rng.next() % FILES, rng.next() % POSITIONS);
        let key = cache_key(file, pos);
        let t0 = Instant::now();
        match cache.get(&key).await.unwrap() {
            None => {
                cache.set(&key, &response).await.unwrap();
                bump(&stats, b"misses", var.merge).await;
            }
            Some(mut v) => {
                if var.change_on_hit {
                    v[0] = v[0].wrapping_add(1); // access metadata
                }
                cache.set(&key, &v).await.unwrap();
                bump(&stats, b"hits", var.merge).await;
            }
        }
        if i % 50 == 49 {
            let f = rng.next() % FILES;
            for (k, _) in cache.scan_prefix(&file_prefix(f)).await.unwrap() {
                cache.remove(&k).await.unwrap();
            }
        }
        lat.push(t0.elapsed().as_secs_f64());
    }
    lat
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let base = std::env::var_os("LMKV_BENCH_TMP").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let root = base.join(format!("lmkv-daemon-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);

    println!("The daemon's LSP-cache traffic through lmkv::backend (get, set on a miss, rewrite on a hit,");
    println!("hit/miss counter in tree cache_stats, one lookup in 50 a prefix invalidation);");
    println!("N tasks on N executor threads. counters: get+set (the daemon's code) or Tree::merge (exact);");
    println!("hit unchanged: the hit writes back the entry as read (no commit in lmkv).\n");
    println!("| tasks | durability | counters | lookups | lookups/s | p50 µs | p99 µs | lmkv writes per commit | unchanged inserts skipped | counted / lookups |");
    println!("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let only = std::env::var("DAEMON_BENCH_VARIANTS").ok();
    for (dname, dur, total) in [
        ("default (sync at commit)", Durability::Default, if quick { 2_000 } else { 8_000 }),
        ("NoSync", Durability::NoSync, if quick { 20_000 } else { 80_000 }),
    ] {
        for (vi, var) in VARIANTS.iter().enumerate() {
            if let Some(o) = &only {
                if !o.split(',').any(|x| x.trim() == vi.to_string()) {
                    continue;
                }
            }
            for tasks in [1usize, 2, 4, 8, 32] {
                let dir = root.join(format!("{tasks}-{}-{vi}", dname.len()));
                let db = Config::new().path(&dir).durability(dur).flush_every_ms(Some(1000)).open().unwrap();
                let backend = LmkvBackend::from_db(db.clone(), DatabaseConfig::default());
                let cache = block_on(backend.open_tree("lsp_cache")).unwrap();
                let stats = block_on(backend.open_tree("cache_stats")).unwrap();
                stats.tree().set_merge_operator(|_k, old, inc| Some((old.map_or(0, le64) + le64(inc)).to_le_bytes().to_vec()));
                let mut g0 = GroupStats::default();
                let mut g1 = GroupStats::default();
                let (mut e0, mut e1, mut synced) = (0u64, 0u64, 0u64);
                // SAFETY: a live db handle and valid out pointers.
                unsafe {
                    lmkv_kv__group_stats(&mut g0, db.as_raw());
                    lmkv_kv__equal_insert_stats(&mut e0, &mut synced, db.as_raw());
                }
                let exec = Executor::new(tasks);
                let per = (total / tasks).max(50);
                let t0 = Instant::now();
                let handles: Vec<_> = (0..tasks)
                    .map(|t| exec.spawn(task(cache.clone(), stats.clone(), t as u64 + 1, per, *var)))
                    .collect();
                let mut lat: Vec<f64> = handles.into_iter().flat_map(|h| h.join()).collect();
                let el = t0.elapsed().as_secs_f64();
                // SAFETY: as above.
                unsafe {
                    lmkv_kv__group_stats(&mut g1, db.as_raw());
                    lmkv_kv__equal_insert_stats(&mut e1, &mut synced, db.as_raw());
                }
                lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)] * 1e6;
                let per_commit = if g1.commits > g0.commits {
                    (g1.ops - g0.ops) as f64 / (g1.commits - g0.commits) as f64
                } else {
                    0.0
                };
                let counted: u64 = [b"hits".as_slice(), b"misses".as_slice()]
                    .iter()
                    .map(|k| stats.tree().get(k).unwrap().map_or(0, |v| le64(&v)))
                    .sum();
                println!(
                    "| {tasks} | {dname} | {} | {} | {:.0} | {:.0} | {:.0} | {:.1} | {} | {:.3} |",
                    var.name,
                    lat.len(),
                    lat.len() as f64 / el,
                    q(0.50),
                    q(0.99),
                    per_commit,
                    e1 - e0,
                    counted as f64 / lat.len() as f64
                );
                drop(exec);
                drop(cache);
                drop(stats);
                drop(backend);
                drop(db);
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}
