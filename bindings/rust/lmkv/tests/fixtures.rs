//! The real sled fixtures (tests/fixtures/sled: exports of sled 0.34
//! databases the probe daemon wrote) through the Rust API: imported with
//! `Db::import`, they must give sled's own checksums and lengths
//! (.expect.json), export back to the same collections, and keep the id
//! counter; and the legacy call-graph cache's file invalidation, run through
//! the daemon's trait on many tasks, must give the same answers on lmkv and
//! on the BTreeMap reference.

mod common;

use common::{read_sled_dump, Collection, Json, TempDir};
use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend, MemoryBackend};
use lmkv::executor::{block_on, yield_now, Executor};
use lmkv::Db;
use std::collections::BTreeMap;
use std::sync::Arc;

const FIXTURES: [&str; 3] = ["probe-universal-cache", "probe-legacy-call-graph", "edge-cases-small"];

fn load(name: &str) -> (Vec<Collection>, Json) {
    let dir = common::sled_fixtures();
    let colls = read_sled_dump(&dir.join(format!("{name}.sleddump"))).unwrap_or_else(|e| panic!("{name}: {e}"));
    let expect = Json::parse(&std::fs::read_to_string(dir.join(format!("{name}.expect.json"))).unwrap()).unwrap();
    (colls, expect)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn sled_dumps_import_with_sleds_checksums() {
    let tmp = TempDir::new("fixtures");
    for name in FIXTURES {
        let (colls, expect) = load(name);
        let db = Db::open(tmp.path().join(name)).unwrap();
        let trees: Vec<&Collection> = colls.iter().filter(|c| c.kind == b"tree").collect();
        db.import(trees.iter().map(|c| (c.kind.clone(), c.name.clone(), c.pairs.clone()))).unwrap();
        let meta_next = colls
            .iter()
            .find(|c| c.kind == b"meta" && c.name == b"generate_id")
            .map(|c| u64::from_le_bytes(c.pairs[0].1.as_slice().try_into().unwrap()));
        assert_eq!(meta_next, expect.get("dump").get("meta_generate_id_next").as_u64(), "{name}");
        if let Some(next) = meta_next {
            assert_eq!(db.peek_next_id().unwrap(), 0, "{name}: fresh database");
            db.set_next_id(next).unwrap();
            assert!(db.peek_next_id().unwrap() >= next, "{name}: the high-water mark carries sled's counter");
            assert!(db.generate_id().unwrap() >= next, "{name}: ids continue past sled's");
        }

        let e = expect.get("db");
        assert_eq!(db.checksum().unwrap() as u64, e.get("checksum").as_u64().unwrap(), "{name}: Db::checksum");
        assert_eq!(db.tree_names().len() as u64, e.get("tree_count").as_u64().unwrap(), "{name}");
        for t in e.get("trees").as_array() {
            let tname = unhex(t.get("name_hex").as_str().unwrap());
            let tree = db.open_existing_tree(&tname).unwrap().expect("tree exists");
            assert_eq!(tree.len() as u64, t.get("len").as_u64().unwrap(), "{name}: len of {tname:?}");
            assert_eq!(
                tree.checksum().unwrap() as u64,
                t.get("checksum").as_u64().unwrap(),
                "{name}: checksum of {tname:?}"
            );
        }
        // export gives back exactly the dump's tree collections.
        let exported = db.export().unwrap();
        assert_eq!(exported.len(), trees.len(), "{name}");
        for ((ty, n, pairs), c) in exported.iter().zip(&trees) {
            assert_eq!((ty, n), (&c.kind, &c.name), "{name}");
            assert!(pairs == &c.pairs, "{name}: pairs of {:?}", c.name);
        }
    }
}

/// bincode `Vec<Vec<u8>>`: u64 count, then u64 length + bytes each.
fn decode_vec_of_bytes(b: &[u8]) -> Vec<Vec<u8>> {
    let rd = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap()) as usize;
    let n = rd(0);
    let mut o = 8;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let l = rd(o);
        out.push(b[o + 8..o + 8 + l].to_vec());
        o += 8 + l;
    }
    assert_eq!(o, b.len(), "no trailing bytes");
    out
}

/// The `file` field of a bincode NodeKey {symbol: String, file: PathBuf, content_md5: String}.
fn node_key_file(k: &[u8]) -> Vec<u8> {
    let rd = |o: usize| u64::from_le_bytes(k[o..o + 8].try_into().unwrap()) as usize;
    let sym = rd(0);
    let o = 8 + sym;
    let fl = rd(o);
    k[o + 8..o + 8 + fl].to_vec()
}

#[derive(Debug, PartialEq, Eq)]
struct Invalidation {
    file: Vec<u8>,
    listed: usize,
    removed: usize,
}

type TreeState = BTreeMap<String, Vec<(Vec<u8>, Vec<u8>)>>;

fn call_graph_workload<B: DatabaseBackend + 'static>(
    backend: B,
    colls: &[Collection],
) -> (Vec<Invalidation>, TreeState) {
    let b = Arc::new(backend);
    let ex = Executor::new(3);
    for c in colls.iter().filter(|c| c.kind == b"tree" && c.name != lmkv::DEFAULT_TREE) {
        let name = String::from_utf8(c.name.clone()).unwrap();
        let t = block_on(b.open_tree(&name)).unwrap();
        for (k, v) in &c.pairs {
            block_on(t.set(k, v)).unwrap();
        }
    }
    let index = block_on(b.open_tree("file_index")).unwrap();
    let files: Vec<Vec<u8>> = block_on(index.scan_prefix(b"")).unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(files.len(), 6);
    // One task per file: the daemon's invalidate_file.
    let hs: Vec<_> = files
        .into_iter()
        .map(|file| {
            let b = b.clone();
            ex.spawn(async move {
                let index = b.open_tree("file_index").await.unwrap();
                let nodes = b.open_tree("nodes").await.unwrap();
                let keys = decode_vec_of_bytes(&index.get(&file).await.unwrap().expect("indexed"));
                let mut removed = 0;
                for k in &keys {
                    assert_eq!(node_key_file(k), file, "a file's index lists its own nodes");
                    if nodes.remove(k).await.unwrap() {
                        removed += 1;
                    }
                    yield_now().await;
                }
                assert!(index.remove(&file).await.unwrap());
                Invalidation { file, listed: keys.len(), removed }
            })
        })
        .collect();
    let mut inv: Vec<Invalidation> = hs.into_iter().map(|h| h.join()).collect();
    inv.sort_by(|a, b| a.file.cmp(&b.file));
    let mut state = BTreeMap::new();
    for n in block_on(b.tree_names()).unwrap() {
        let t = block_on(b.open_tree(&n)).unwrap();
        state.insert(n, block_on(t.scan_prefix(b"")).unwrap());
    }
    (inv, state)
}

#[test]
fn legacy_call_graph_invalidation_same_on_lmkv_and_reference() {
    let (colls, _) = load("probe-legacy-call-graph");
    let tmp = TempDir::new("callgraph");
    let lmkv = block_on(LmkvBackend::new(DatabaseConfig {
        path: Some(tmp.path().join("call_graph.db")),
        ..Default::default()
    }))
    .unwrap();
    let (inv, state) = call_graph_workload(lmkv, &colls);
    let (inv_ref, state_ref) =
        call_graph_workload(block_on(MemoryBackend::new(DatabaseConfig::default())).unwrap(), &colls);
    assert_eq!(inv, inv_ref);
    assert_eq!(state, state_ref);
    // Every node was indexed under its file: all 28 are gone, the index is empty,
    // metadata and git_index are untouched.
    assert_eq!(inv.iter().map(|i| i.removed).sum::<usize>(), 28);
    assert!(state["nodes"].is_empty());
    assert!(state["file_index"].is_empty());
    assert_eq!(state["metadata"].len(), 1);
    assert_eq!(state["git_index"].len(), 1);
}
