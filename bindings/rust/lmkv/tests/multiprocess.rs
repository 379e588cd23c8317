//! The daemon's reason to leave sled: its CLI could not open the cache while
//! the daemon had it open ("Resource temporarily unavailable"). Here the
//! daemon's backend (this process) keeps the database open while the `lmkv`
//! CLI -- another process -- reads and writes it, and each side sees the
//! other's writes at once.
//!
//! Needs the CLI: `$LMKV_BIN` (set by tests/run.sh) or build/lmkv. It is
//! `#[ignore]`d for a bare `cargo test`; tests/t_rust.sh runs it with
//! `--include-ignored`, and then a missing CLI is a failure, not a skip.

mod common;

use common::{read_sled_dump, Json, TempDir};
use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend};
use lmkv::executor::block_on;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cli() -> PathBuf {
    let p = std::env::var_os("LMKV_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../build/lmkv"));
    assert!(p.is_file(), "the lmkv CLI is needed at {} (make build/lmkv)", p.display());
    p
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn run(db: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(cli()).arg("--db").arg(db).args(args).output().expect("run the lmkv CLI");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
#[ignore = "needs the lmkv CLI (LMKV_BIN or build/lmkv); tests/t_rust.sh runs it"]
fn the_cli_reads_and_writes_while_the_daemon_has_the_cache_open() {
    let fx = common::sled_fixtures();
    let colls = read_sled_dump(&fx.join("probe-universal-cache.sleddump")).unwrap();
    let expect = Json::parse(&std::fs::read_to_string(fx.join("probe-universal-cache.expect.json")).unwrap()).unwrap();
    let tmp = TempDir::new("multiproc");
    let dir = tmp.path().join("cache.db");
    let b = block_on(LmkvBackend::new(DatabaseConfig { path: Some(dir.clone()), ..Default::default() })).unwrap();
    for c in colls.iter().filter(|c| c.name != lmkv::DEFAULT_TREE) {
        let t = block_on(b.open_tree(std::str::from_utf8(&c.name).unwrap())).unwrap();
        for (k, v) in &c.pairs {
            block_on(t.set(k, v)).unwrap();
        }
    }
    let cache = block_on(b.open_tree("universal_cache")).unwrap();
    let pairs = &colls.iter().find(|c| c.name == b"universal_cache").unwrap().pairs;

    // The CLI reads the open database: sled's checksum, a value byte for byte.
    let (rc, sum) = run(&dir, &["checksum"]);
    assert_eq!(rc, 0);
    assert_eq!(sum.parse::<u64>().unwrap(), expect.get("db").get("checksum").as_u64().unwrap());
    let (k0, v0) = &pairs[0];
    let (rc, v) = run(&dir, &["--hex", "get", "--tree", "universal_cache", &hex(k0)]);
    assert_eq!((rc, v), (0, hex(v0)));

    // The CLI writes; the daemon's open handles see it at once.
    let (k1, _) = &pairs[1];
    assert_eq!(run(&dir, &["--hex", "remove", "--tree", "universal_cache", &hex(k1)]).0, 0);
    assert_eq!(block_on(cache.get(k1)).unwrap(), None);
    assert_eq!(block_on(cache.len()).unwrap(), pairs.len() as u64 - 1);
    assert_eq!(run(&dir, &["insert", "--tree", "cache_stats", "cli", "was here"]).0, 0);
    let stats = block_on(b.open_tree("cache_stats")).unwrap();
    assert_eq!(block_on(stats.get(b"cli")).unwrap(), Some(b"was here".to_vec()));

    // And the daemon's writes are visible to the next CLI call.
    block_on(cache.set(b"daemon-key", b"daemon-value")).unwrap();
    assert_eq!(run(&dir, &["get", "--tree", "universal_cache", "daemon-key"]), (0, "daemon-value".to_string()));
    assert_eq!(run(&dir, &["get", "--tree", "universal_cache", "absent"]).0, 1, "exit 1: not found");
}
