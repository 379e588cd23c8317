//! The Rust binding's overhead: get/set throughput through the daemon's
//! trait -- `LmkvTree` called directly and through `Arc<dyn DatabaseTree>`
//! as the daemon holds it, both awaited in one `block_on` loop as an async
//! caller would; every call allocates its boxed future (the `#[async_trait]`
//! shape) -- and through the safe crate (`Tree`), against the C API called
//! directly through lmkv-sys: all on the same database, in the same run,
//! the variants timed in small interleaved chunks (see main).
//!
//! Run by bench/rust_bench.sh (`cargo bench --offline`, release build).
//! Output: a markdown table. BENCH_QUICK=1 shrinks the data set.
//! Keys are shaped like the daemon's universal cache keys (~70 bytes),
//! values are 256 bytes. The database uses NOSYNC durability so that fsync
//! does not hide the per-call costs being compared.

use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend};
use lmkv::executor::block_on;
use lmkv::sys;
use lmkv::{Config, Durability};
use std::hint::black_box;
use std::os::raw::c_void;
use std::sync::Arc;
use std::time::Instant;

fn key(i: u64) -> Vec<u8> {
    format!("74a7322a_lmdb:textDocument_hover:mdb.c:{:016x}{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i)
        .into_bytes()
}

/// A fixed permutation of 0..n (multiplicative stride, n odd-coprime).
fn order(n: u64) -> Vec<u64> {
    let stride = (0..).map(|s| 7919 + 2 * s).find(|s| gcd(*s, n) == 1).unwrap();
    (0..n).map(|i| (i * stride) % n).collect()
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let n: u64 = if quick { 5_000 } else { 50_000 };
    let rounds = if quick { 2 } else { 4 };
    let base = std::env::var_os("LMKV_BENCH_TMP").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("lmkv-rust-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let db = Config::new().path(dir.join("db")).durability(Durability::NoSync).flush_every_ms(None).open().unwrap();
    let keys: Vec<Vec<u8>> = (0..n).map(key).collect();
    let value = vec![0x5au8; 256];
    let ord = order(n);
    // The daemon's trait over the same database (LmkvBackend::from_db).
    let backend = LmkvBackend::from_db(db.clone(), DatabaseConfig::default());

    // Timing is interleaved in chunks of CHUNK operations, the variants in a
    // rotated order per chunk. Rates are CHUNK / median chunk time, and the
    // overhead is the median over chunks of (binding time / C time) - 1, so a
    // load spike on this shared machine moves neither.
    const CHUNK: usize = 250;
    const V: usize = 4; // raw C, safe Tree, LmkvTree (boxed futures), Arc<dyn DatabaseTree>
    let mut times: [[Vec<f64>; V]; 2] = Default::default(); // [set, get] x variant x chunk
    for round in 0..rounds {
        let raw_t = db.open_tree(format!("raw{round}")).unwrap();
        let safe_t = db.open_tree(format!("safe{round}")).unwrap();
        let trait_t = block_on(backend.open_tree(&format!("trait{round}"))).unwrap();
        let dyn_t: Arc<dyn DatabaseTree> = block_on(backend.open_tree(&format!("dyn{round}"))).unwrap();
        let rp = raw_t.as_raw();

        let set = |variant: usize, ks: &[Vec<u8>]| match variant {
            0 => {
                for k in ks {
                    // SAFETY: live tree handle; slices valid for the call.
                    let rc = unsafe {
                        sys::lmkv_tree_insert(
                            std::ptr::null_mut(),
                            rp,
                            k.as_ptr() as *const c_void,
                            k.len(),
                            value.as_ptr() as *const c_void,
                            value.len(),
                        )
                    };
                    assert_eq!(rc, 0);
                }
            }
            1 => {
                for k in ks {
                    safe_t.set(k, &value).unwrap();
                }
            }
            2 => block_on(async {
                for k in ks {
                    trait_t.set(k, &value).await.unwrap();
                }
            }),
            _ => block_on(async {
                for k in ks {
                    dyn_t.set(k, &value).await.unwrap();
                }
            }),
        };
        // get: each value is read, so nothing is optimised away.
        let get = |variant: usize, idx: &[u64]| match variant {
            0 => {
                let mut sum = 0u64;
                for &i in idx {
                    let k = &keys[i as usize];
                    let mut out = sys::lmkv_bytes::null();
                    // SAFETY: live tree; out owned by us and freed with lmkv_free.
                    let rc = unsafe { sys::lmkv_tree_get(&mut out, rp, k.as_ptr() as *const c_void, k.len()) };
                    assert_eq!(rc, 0);
                    unsafe {
                        sum += *out.data as u64 + out.size as u64;
                        sys::lmkv_free(out.data as *mut c_void);
                    }
                }
                black_box(sum);
            }
            1 => {
                let mut sum = 0u64;
                for &i in idx {
                    let v = safe_t.get(&keys[i as usize]).unwrap().unwrap();
                    sum += v[0] as u64 + v.len() as u64;
                }
                black_box(sum);
            }
            2 => block_on(async {
                let mut sum = 0u64;
                for &i in idx {
                    let v = trait_t.get(&keys[i as usize]).await.unwrap().unwrap();
                    sum += v[0] as u64 + v.len() as u64;
                }
                black_box(sum);
            }),
            _ => block_on(async {
                let mut sum = 0u64;
                for &i in idx {
                    let v = dyn_t.get(&keys[i as usize]).await.unwrap().unwrap();
                    sum += v[0] as u64 + v.len() as u64;
                }
                black_box(sum);
            }),
        };
        for (ci, ks) in keys.chunks(CHUNK).enumerate() {
            for j in 0..V {
                let v = (j + ci + round) % V;
                let t = Instant::now();
                set(v, ks);
                times[0][v].push(t.elapsed().as_secs_f64() / ks.len() as f64);
            }
        }
        for (ci, idx) in ord.chunks(CHUNK).enumerate() {
            for j in 0..V {
                let v = (j + ci + round) % V;
                let t = Instant::now();
                get(v, idx);
                times[1][v].push(t.elapsed().as_secs_f64() / idx.len() as f64);
            }
        }
    }
    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    }
    // rates (ops/s) and overheads (fraction) per [op][variant]
    let mut rates = [[0f64; V]; 2];
    let mut over = [[0f64; V]; 2];
    for op in 0..2 {
        for v in 0..V {
            let t = &times[op][v];
            rates[op][v] = t.len() as f64 / t.iter().sum::<f64>();
            over[op][v] = median(times[op][v].iter().zip(&times[op][0]).map(|(b, c)| b / c).collect()) - 1.0;
        }
    }

    println!("{n} keys of ~70 bytes (universal-cache shape), 256-byte values, NOSYNC durability,");
    println!("{rounds} rounds timed in interleaved chunks of {CHUNK} ops; rate = mean over all ops;");
    println!("overhead = median over chunks of (binding time / C API time on the same chunk) - 1.");
    println!();
    println!("| operation | C API via lmkv-sys (ops/s) | safe crate `Tree` (ops/s) | overhead | trait, `LmkvTree` (boxed futures) (ops/s) | overhead | trait, `Arc<dyn DatabaseTree>` (ops/s) | overhead |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (op, name) in ["set (insert, no previous value)", "get (random order)"].iter().enumerate() {
        let (r, o) = (rates[op], over[op]);
        println!(
            "| {name} | {:.0} | {:.0} | {:+.1}% | {:.0} | {:+.1}% | {:.0} | {:+.1}% |",
            r[0],
            r[1],
            o[1] * 100.0,
            r[2],
            o[2] * 100.0,
            r[3],
            o[3] * 100.0
        );
    }
    println!();
    println!(
        "Per call, the boxed future of the trait costs {:.0} ns on get over the safe crate (median chunk times).",
        (median(times[1][2].clone()) - median(times[1][1].clone())) * 1e9
    );
    drop(backend);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
