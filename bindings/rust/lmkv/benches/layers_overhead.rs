//! Per-call overhead of the layer wrappers (store, graph, cache) against
//! the same C functions called directly through lmkv-sys, in one run on one
//! database: LMDB's own sources ($LMKV_SOURCES/lmdb) indexed by the real
//! `lmkv index` ($LMKV_BIN). Each row times both variants in interleaved
//! chunks (the order rotated per chunk) and reports the median over chunks
//! of (wrapper time / C time) - 1, so a load spike on a shared machine
//! moves neither. The C variants use callbacks that count records (what a
//! C caller pays at least); the wrappers build what they return (Vec of
//! owned rows, zero-copy views, or copied items).
//!
//! Run by bench/rust_bench.sh (`cargo bench --offline --bench layers_overhead`).
//! BENCH_QUICK=1 shrinks the rounds.

use lmkv::cache::{Cache, CacheKey};
use lmkv::graph::Graph;
use lmkv::store::{self, Store};
use lmkv::sys;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::os::raw::{c_int, c_void};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

unsafe extern "C" fn count<R>(ctx: *mut c_void, _rec: *const R) -> c_int {
    *(ctx as *mut usize) += 1;
    0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

struct Row {
    name: String,
    c_ns: f64,
    rust_ns: f64,
    overhead: f64,
}

/// Times `c` and `rust` (each doing `per` calls) in `chunks` interleaved chunks.
fn measure(name: impl Into<String>, chunks: usize, per: usize, mut c: impl FnMut(), mut rust: impl FnMut()) -> Row {
    let (mut tc, mut tr, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..per {
        c();
        rust();
    }
    for k in 0..chunks {
        let one = |f: &mut dyn FnMut()| {
            let t = Instant::now();
            for _ in 0..per {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / per as f64
        };
        let (a, b) = if k % 2 == 0 {
            let a = one(&mut c);
            (a, one(&mut rust))
        } else {
            let b = one(&mut rust);
            (one(&mut c), b)
        };
        tc.push(a);
        tr.push(b);
        ratio.push(b / a);
    }
    Row { name: name.into(), c_ns: median(tc), rust_ns: median(tr), overhead: median(ratio) - 1.0 }
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let chunks = if quick { 10 } else { 40 };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let cli = std::env::var_os("LMKV_BIN").map(PathBuf::from).unwrap_or_else(|| root.join("build/lmkv"));
    let src =
        std::env::var_os("LMKV_SOURCES").map(PathBuf::from).unwrap_or_else(|| root.join("build/sources")).join("lmdb");
    let src = std::fs::canonicalize(&src)
        .unwrap_or_else(|e| panic!("LMDB's sources at {}: {e} (scripts/fetch-sources.sh)", src.display()));
    let base = std::env::var_os("LMKV_BENCH_TMP").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("lmkv-layers-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(&cli)
        .arg("--db")
        .arg(dir.join("db"))
        .arg("-q")
        .arg("index")
        .arg("--workspace")
        .arg(&src)
        .arg(&src)
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("lmkv index: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("{}: {e} (make build/lmkv)", cli.display()),
    }

    let db = lmkv::Config::new().path(dir.join("db")).flush_every_ms(None).open().unwrap();
    let st = Store::open(&db).unwrap();
    let ws = store::workspace_id(src.to_str().unwrap()).unwrap();
    let mut g = Graph::open(&st, ws).unwrap();
    let gp = g.as_raw();
    let txn = st.read().unwrap();
    let tp = txn.as_raw();
    let cache = Cache::open(&st, None).unwrap();
    let key = CacheKey {
        ws,
        method: "textDocument/hover".into(),
        path: "mdb.c".into(),
        content_version: 1,
        line: 4853,
        character: 1,
        params_hash: 0,
    };
    cache.put(&key, &vec![b'x'; 512], Some("Hover"), None, 3).unwrap();
    let name = c"mdb_txn_commit";
    let mut rows = Vec::new();

    let c_callers = || {
        let mut n = 0usize;
        // SAFETY: live handle, counting callback, ctx = &mut n.
        let rc = unsafe {
            sys::lmkv_graph_callers(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                gp,
                name.as_ptr(),
                0,
                Some(count::<sys::lmkv_call>),
                &mut n as *mut _ as *mut c_void,
            )
        };
        assert_eq!(rc, 0);
        black_box(n);
    };
    let ncallers = g.callers("mdb_txn_commit", 0).unwrap().items.len();
    rows.push(measure(
        format!("graph callers ({ncallers} call sites): `Graph::callers` -> Vec<CallRow> (owned strings)"),
        chunks,
        200,
        c_callers,
        || {
            black_box(g.callers("mdb_txn_commit", 0).unwrap());
        },
    ));
    rows.push(measure(
        format!("graph callers ({ncallers} call sites), zero-copy: `Graph::for_each_caller`"),
        chunks,
        200,
        c_callers,
        || {
            let mut n = 0;
            g.for_each_caller("mdb_txn_commit", 0, |c| {
                n += c.line() as usize;
                ControlFlow::Continue(())
            })
            .unwrap();
            black_box(n);
        },
    ));
    rows.push(measure(
        "store symbols_by_name (2 records): `ReadTxn` -> Vec<Symbol<'t>>",
        chunks,
        500,
        || {
            let mut n = 0usize;
            // SAFETY: live txn, counting callback.
            let rc = unsafe {
                sys::lmkv_store_symbols_by_name(
                    tp,
                    ws,
                    name.as_ptr(),
                    14,
                    0,
                    Some(count::<sys::lmkv_symbol>),
                    &mut n as *mut _ as *mut c_void,
                )
            };
            assert_eq!(rc, 0);
            black_box(n);
        },
        || {
            black_box(txn.symbols_by_name(ws, "mdb_txn_commit", 0).unwrap().len());
        },
    ));
    rows.push(measure(
        "read txn begin + end: `Store::read`",
        chunks,
        500,
        || {
            let mut t = std::ptr::null_mut();
            // SAFETY: live store.
            unsafe {
                assert_eq!(sys::lmkv_store_txn_begin(&mut t, st.as_raw()), 0);
                sys::lmkv_store_txn_end(t);
            }
        },
        || {
            black_box(st.read().unwrap());
        },
    ));
    let ck_m = c"textDocument/hover";
    let ck_p = c"mdb.c";
    let ckey = sys::lmkv_cache_key {
        ws,
        method: ck_m.as_ptr(),
        path: ck_p.as_ptr(),
        content_version: 1,
        line: 4853,
        character: 1,
        params_hash: 0,
    };
    let cp = cache.as_raw();
    rows.push(measure(
        "cache get, hit (512 bytes): `Cache::get` -> Vec<u8>",
        chunks,
        500,
        || {
            let (mut b, mut l) = (std::ptr::null_mut(), 0usize);
            // SAFETY: live cache; the copy is freed.
            unsafe {
                assert_eq!(sys::lmkv_cache_get(&mut b, &mut l, cp, &ckey), 0);
                sys::lmkv_free(b);
            }
            black_box(l);
        },
        || {
            black_box(cache.get(&key).unwrap());
        },
    ));
    let mut r: sys::lmkv_graph_result = unsafe { std::mem::zeroed() };
    let c_impact = |r: &mut sys::lmkv_graph_result| {
        // SAFETY: live handle; result owned by it.
        let rc = unsafe { sys::lmkv_graph_impact(r, gp, name.as_ptr(), 2, 0) };
        assert_eq!(rc, 0);
        black_box(r.n);
    };
    let mut gg = Graph::open(&st, ws).unwrap();
    rows.push(measure(
        "graph impact depth 2: `Graph::impact` -> Vec<Item>",
        chunks,
        50,
        || c_impact(&mut r),
        || {
            black_box(gg.impact("mdb_txn_commit", 2, 0).unwrap());
        },
    ));

    println!(
        "LMDB's sources indexed by `lmkv index`; {chunks} interleaved chunks per row; times are medians per call;"
    );
    println!("overhead = median over chunks of (wrapper time / C API time on the same chunk) - 1.");
    println!();
    println!("| call | C API via lmkv-sys (ns) | Rust wrapper (ns) | overhead |");
    println!("|---|---:|---:|---:|");
    for r in &rows {
        println!("| {} | {:.0} | {:.0} | {:+.1}% |", r.name, r.c_ns, r.rust_ns, r.overhead * 100.0);
    }
    drop((txn, cache, gg, g, st, db));
    let _ = std::fs::remove_dir_all(&dir);
}
