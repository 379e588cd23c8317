//! The daemon's hit/miss counters (issue 15): `DatabaseCacheAdapter::
//! update_hit_miss_counts` reads `cache_stats/hits` with `get`, adds, and
//! writes it back with `set`. Two calls, so concurrent updates are lost --
//! under sled too, and under any backend of this trait, which has no atomic
//! read-modify-write. `Tree::update_and_fetch` (one write transaction) and
//! `Tree::merge` with a counter operator are exact; the binding's docs point
//! the daemon at them (`LmkvTree::tree()`).
//!
//! The lost update is provoked deterministically: two threads both `get`
//! the counter, meet at a barrier, then both `set` it, so each round of two
//! increments stores one. No timing is involved.

mod common;

use common::TempDir;
use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend, LmkvTree};
use lmkv::executor::block_on;
use std::sync::{Arc, Barrier};

fn u64_of(v: Option<&[u8]>) -> u64 {
    v.map_or(0, |b| u64::from_le_bytes(b.try_into().expect("a bincode u64 is 8 bytes")))
}

fn backend(d: &TempDir) -> LmkvBackend {
    block_on(LmkvBackend::new(DatabaseConfig { path: Some(d.path().join("cache.db")), ..Default::default() })).unwrap()
}

fn stats_tree(b: &LmkvBackend) -> Arc<LmkvTree> {
    block_on(b.open_tree("cache_stats")).unwrap()
}

#[test]
fn get_then_set_loses_updates_under_contention() {
    const ROUNDS: u64 = 50;
    let d = TempDir::new("counters-lost");
    let b = backend(&d);
    let t: Arc<dyn DatabaseTree> = stats_tree(&b);
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (t, barrier) = (t.clone(), barrier.clone());
            std::thread::spawn(move || {
                for _ in 0..ROUNDS {
                    // The adapter's (Some(hit_increment), None) arm.
                    let current = block_on(t.get(b"hits")).unwrap();
                    barrier.wait(); // both have read the same value
                    let new = u64_of(current.as_deref()).saturating_add(1);
                    block_on(t.set(b"hits", &new.to_le_bytes())).unwrap();
                    barrier.wait(); // both have written before the next round reads
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|h| h.join().unwrap());
    let stored = u64_of(block_on(t.get(b"hits")).unwrap().as_deref());
    assert_eq!(stored, ROUNDS, "{} increments, one per round survives: get + set is not atomic", 2 * ROUNDS);
}

/// Threads that all start together and increment as fast as they can.
fn hammer(threads: usize, per_thread: u64, f: impl Fn() + Send + Sync + 'static) {
    let f = Arc::new(f);
    let start = Arc::new(Barrier::new(threads));
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let (f, start) = (f.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..per_thread {
                    f();
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
}

#[test]
fn update_and_fetch_counts_every_increment() {
    const THREADS: usize = 6;
    const PER: u64 = 300;
    let d = TempDir::new("counters-update");
    let b = backend(&d);
    let t = stats_tree(&b);
    let t2 = t.clone();
    hammer(THREADS, PER, move || {
        t2.tree().update_and_fetch(b"hits", |old| Some((u64_of(old) + 1).to_le_bytes().to_vec())).unwrap();
    });
    assert_eq!(u64_of(block_on(t.get(b"hits")).unwrap().as_deref()), THREADS as u64 * PER);
}

#[test]
fn merge_with_a_counter_operator_counts_every_increment() {
    const THREADS: usize = 6;
    const PER: u64 = 300;
    let d = TempDir::new("counters-merge");
    let b = backend(&d);
    let t = stats_tree(&b);
    // Operands are bincode u64 increments; the operator adds them.
    t.tree().set_merge_operator(|_key, old, inc| Some((u64_of(old) + u64_of(Some(inc))).to_le_bytes().to_vec()));
    let t2 = t.clone();
    hammer(THREADS, PER, move || {
        t2.tree().merge(b"misses", 2u64.to_le_bytes()).unwrap();
    });
    assert_eq!(u64_of(block_on(t.get(b"misses")).unwrap().as_deref()), 2 * THREADS as u64 * PER);
    // Readers through the trait see the counter as the daemon stores it.
    assert_eq!(block_on(t.get(b"misses")).unwrap().unwrap().len(), 8);
}
