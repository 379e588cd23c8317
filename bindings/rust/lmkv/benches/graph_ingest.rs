//! The daemon's graph ingest through the Rust backend (issue 17 point 5's
//! ingest row for `LmkvGraphBackend`): the rows bench/daemon_graph_bench.c
//! converted from clangd 14's real answers over LMDB's sources, per answer,
//! stored as the daemon's indexer stores them -- `store_symbols` then
//! `store_edges` through `Arc<dyn GraphBackend>` (the daemon's
//! `BackendType` holds the backend so), each awaited -- and, second, with
//! `LmkvGraphBackend::store` (symbols and edges in one write transaction),
//! at lmkv's default durability (a sync per commit).
//!
//! Input: $DAEMON_BENCH_ROWS, written by daemon_graph_bench in the same
//! bench/rust_bench.sh run: a header with that run's SQLite v001 and C
//! daemon/ times (for the ratios), then per answer "A\tNS\tNE" and its
//! symbol ("S") and edge ("E") lines. The answers/s rows add the C bench's
//! parse-and-convert time to the store time measured here, so they compare
//! with the C bench's per-answer rows, which time both. Without the file:
//! says so and exits 0 (nothing measured).

use lmkv::backend::graph::{Edge, EdgeRelation, GraphBackend, SymbolState};
use lmkv::backend::{DatabaseConfig, LmkvGraphBackend};
use lmkv::executor::block_on;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

fn unescape(f: &str) -> Option<String> {
    if f == "\\N" {
        return None;
    }
    let mut s = String::with_capacity(f.len());
    let mut it = f.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('t') => s.push('\t'),
                Some('n') => s.push('\n'),
                Some(o) => s.push(o),
                None => s.push('\\'),
            }
        } else {
            s.push(c);
        }
    }
    Some(s)
}

type Answer = (Vec<SymbolState>, Vec<Edge>);

fn load(path: &str) -> (BTreeMap<String, f64>, Vec<Answer>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("header").trim_start_matches("# ").split(' ').collect();
    let times: BTreeMap<String, f64> = head.chunks(2).map(|kv| (kv[0].to_string(), kv[1].parse().unwrap())).collect();
    let mut answers: Vec<Answer> = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        let u = |i: usize| unescape(f[i]);
        let s = |i: usize| unescape(f[i]).unwrap_or_default();
        let n = |i: usize| f[i].parse::<i64>().unwrap();
        match f[0] {
            "A" => answers.push((Vec::new(), Vec::new())),
            "S" => answers.last_mut().unwrap().0.push(SymbolState {
                symbol_uid: s(1),
                file_path: s(2),
                language: s(3),
                name: s(4),
                fqn: u(5),
                kind: s(6),
                signature: None,
                visibility: None,
                def_start_line: n(7) as u32,
                def_start_char: n(8) as u32,
                def_end_line: n(9) as u32,
                def_end_char: n(10) as u32,
                is_definition: true,
                documentation: None,
                metadata: None,
            }),
            "E" => answers.last_mut().unwrap().1.push(Edge {
                relation: EdgeRelation::from_string(&s(1)).unwrap(),
                source_symbol_uid: s(2),
                target_symbol_uid: s(3),
                file_path: u(4),
                start_line: u32::try_from(n(5)).ok(),
                start_char: u32::try_from(n(6)).ok(),
                confidence: 1.0,
                language: s(7),
                metadata: u(8),
            }),
            other => panic!("{path}: unknown line kind {other:?}"),
        }
    }
    (times, answers)
}

fn open(dir: &std::path::Path) -> Arc<LmkvGraphBackend> {
    let cfg = DatabaseConfig { path: Some(dir.to_path_buf()), flush_every_ms: None, ..Default::default() };
    Arc::new(LmkvGraphBackend::open(cfg).unwrap())
}

fn main() {
    let Some(path) = std::env::var_os("DAEMON_BENCH_ROWS") else {
        println!("DAEMON_BENCH_ROWS not set (bench/rust_bench.sh makes it with build/bench/daemon_graph_bench): nothing measured.");
        return;
    };
    let (times, answers) = load(path.to_str().unwrap());
    let na = answers.len();
    assert_eq!(na as f64, times["answers"], "answers in the rows file");
    let nrows: usize = answers.iter().map(|a| a.0.len() + a.1.len()).sum();
    let base = std::env::var_os("LMKV_BENCH_TMP").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("lmkv-graph-ingest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    // The daemon's way: store_symbols then store_edges per answer, through
    // the trait object.
    let b = open(&dir.join("trait"));
    let g: Arc<dyn GraphBackend> = b.clone();
    let t0 = Instant::now();
    block_on(async {
        for (s, e) in &answers {
            if !s.is_empty() {
                g.store_symbols(s).await.unwrap();
            }
            if !e.is_empty() {
                g.store_edges(e).await.unwrap();
            }
        }
    });
    let trait_us = t0.elapsed().as_secs_f64() * 1e6;
    let (nsym, nedge) =
        block_on(async { (g.get_all_symbols().await.unwrap().len(), g.get_all_edges().await.unwrap().len()) });
    drop(g);
    drop(b);

    // One write transaction per answer (LmkvGraphBackend::store).
    let b = open(&dir.join("store"));
    let t0 = Instant::now();
    for (s, e) in &answers {
        b.store(s, e).unwrap();
    }
    let store_us = t0.elapsed().as_secs_f64() * 1e6;
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);

    let conv = times["convert_us"];
    let (sqn, sqf) = (times["sqlite_normal_us"], times["sqlite_full_us"]);
    println!(
        "Rust backend (LmkvGraphBackend, default durability) over daemon_graph_bench's rows of the same run: {na} \
         answers, {nrows} rows; stored {nsym} symbols + {nedge} edges. Seconds and answers/s include that run's \
         parse-and-convert time ({:.3} s), as the C rows do.\n",
        conv / 1e6
    );
    println!("| ingest | store s | total s | answers/s | rows written/s | SQLite NORMAL / this | SQLite FULL / this | this / C daemon/ same calls |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, us, c_us) in [
        (
            "Rust, Arc<dyn GraphBackend> store_symbols + store_edges per answer (the daemon's way)",
            trait_us,
            times["daemon_us"],
        ),
        ("Rust, LmkvGraphBackend::store per answer (one LMDB txn)", store_us, times["daemon_store_us"]),
    ] {
        let total = conv + us;
        println!(
            "| {name} | {:.3} | {:.3} | {:.0} | {:.0} | **{:.1}x** | **{:.1}x** | {:.2} |",
            us / 1e6,
            total / 1e6,
            na as f64 / (total / 1e6),
            nrows as f64 / (total / 1e6),
            sqn / total,
            sqf / total,
            total / c_us
        );
    }
    println!(
        "\nThe last column is the Rust total over the C bench's row making the same calls through \
         daemon/lmkv_daemon.h (1.00 = no binding overhead; both are dominated by one sync per commit, so it \
         mostly shows the sync latency of the two moments)."
    );
}
