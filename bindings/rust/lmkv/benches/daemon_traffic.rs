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
//! lookups hit once the cache is warm). Output: a markdown table of
//! lookups/s, p50 and p99 latency per lookup, and lmkv's mean write-group
//! size (`lmkv_kv__group_stats`: operations per commit).
//! Run by bench/daemon_bench.sh (`cargo bench --offline`). BENCH_QUICK=1:
//! fewer lookups.

use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend};
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

async fn bump<T: DatabaseTree>(stats: &T, key: &[u8]) {
    let n = match stats.get(key).await.unwrap() {
        Some(v) if v.len() == 8 => u64::from_le_bytes(v[..8].try_into().unwrap()),
        _ => 0,
    };
    stats.set(key, &(n + 1).to_le_bytes()).await.unwrap();
}

/// One task's lookups; returns each lookup's latency in seconds.
async fn task<T: DatabaseTree>(cache: Arc<T>, stats: Arc<T>, seed: u64, lookups: usize) -> Vec<f64> {
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
                bump(&*stats, b"misses").await;
            }
            Some(mut v) => {
                v[0] = v[0].wrapping_add(1); // access metadata
                cache.set(&key, &v).await.unwrap();
                bump(&*stats, b"hits").await;
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
    println!("hit/miss counter get+set in tree cache_stats, one lookup in 50 a prefix invalidation);");
    println!("N tasks on N executor threads.\n");
    println!("| tasks | durability | lookups | lookups/s | p50 µs | p99 µs | lmkv writes per commit |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for (dname, dur, total) in [
        ("default (sync at commit)", Durability::Default, if quick { 2_000 } else { 8_000 }),
        ("NoSync", Durability::NoSync, if quick { 20_000 } else { 80_000 }),
    ] {
        for tasks in [1usize, 2, 4, 8, 32] {
            let dir = root.join(format!("{tasks}-{}", dname.len()));
            let db = Config::new().path(&dir).durability(dur).flush_every_ms(Some(1000)).open().unwrap();
            let backend = LmkvBackend::from_db(db.clone(), DatabaseConfig::default());
            let cache = block_on(backend.open_tree("lsp_cache")).unwrap();
            let stats = block_on(backend.open_tree("cache_stats")).unwrap();
            let mut g0 = GroupStats::default();
            let mut g1 = GroupStats::default();
            // SAFETY: a live db handle and a valid out pointer.
            unsafe { lmkv_kv__group_stats(&mut g0, db.as_raw()) };
            let exec = Executor::new(tasks);
            let per = (total / tasks).max(50);
            let t0 = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|t| exec.spawn(task(cache.clone(), stats.clone(), t as u64 + 1, per)))
                .collect();
            let mut lat: Vec<f64> = handles.into_iter().flat_map(|h| h.join()).collect();
            let el = t0.elapsed().as_secs_f64();
            // SAFETY: as above.
            unsafe { lmkv_kv__group_stats(&mut g1, db.as_raw()) };
            lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)] * 1e6;
            let per_commit = if g1.commits > g0.commits {
                (g1.ops - g0.ops) as f64 / (g1.commits - g0.commits) as f64
            } else {
                0.0
            };
            println!(
                "| {tasks} | {dname} | {} | {:.0} | {:.0} | {:.0} | {:.1} |",
                lat.len(),
                lat.len() as f64 / el,
                q(0.50),
                q(0.99),
                per_commit
            );
            drop(exec);
            drop(cache);
            drop(stats);
            drop(backend);
            drop(db);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}
