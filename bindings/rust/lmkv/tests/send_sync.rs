//! Which handles are `Send` / `Sync` (the Concurrency paragraph of
//! `lmkv::backend` and bindings/rust/README.md). The positive half is
//! checked here at compile time; the negative half (`Txn` neither, `Iter`,
//! `Batch`, `Subscriber` not `Sync`, a task holding a `Txn` across an
//! `.await` not `Send`) by `compile_fail` doc tests in src/backend/mod.rs and
//! src/txn.rs. A regression stops this file from compiling.

use lmkv::backend::{DatabaseBackend, DatabaseConfig, DatabaseTree, LmkvBackend, LmkvTree, MemoryBackend, MemoryTree};
use std::sync::Arc;

fn send_sync<T: Send + Sync + ?Sized>() {}
fn send<T: Send + ?Sized>() {}
fn send_static<T: Send + 'static>(t: T) -> T {
    t
}

#[test]
fn handles_are_send_and_sync_as_documented() {
    send_sync::<lmkv::Db>();
    send_sync::<lmkv::Tree>();
    send_sync::<lmkv::Config>();
    send_sync::<lmkv::IVec>();
    send_sync::<lmkv::Error>();
    send::<lmkv::FlushAsync>();
    send::<lmkv::Iter>();
    send::<lmkv::Batch>();
    send::<lmkv::Subscriber>();
    send_sync::<LmkvBackend>();
    send_sync::<LmkvTree>();
    send_sync::<MemoryBackend>();
    send_sync::<MemoryTree>();
    send_sync::<dyn DatabaseTree>();
    send_sync::<Arc<dyn DatabaseTree>>();
    send_sync::<dyn DatabaseBackend<Tree = LmkvTree>>();
    send_sync::<lmkv::backend::DatabaseError>();
    send::<lmkv::lsp::Ingest>();
    send_sync::<dyn lmkv::backend::graph::GraphBackend>();
    send_sync::<Arc<dyn lmkv::backend::graph::GraphBackend>>();
}

/// An LSP ingest begun on one thread is finished on another (it is `Send`:
/// used by one thread at a time, lsp/lmkv_lsp.h).
#[test]
fn an_ingest_moves_between_threads() {
    let dir = std::env::temp_dir().join(format!("lmkv-rs-ingest-move-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = lmkv::Config::new().path(dir.join("db")).open().unwrap();
    let st = lmkv::Store::open(&db).unwrap();
    let ws = lmkv::store::workspace_id("/src/p").unwrap();
    let mut ing = lmkv::lsp::Ingest::new(ws, "/src/p").unwrap();
    ing.add_file("a.c", b"int f(void) { return 0; }\n", Some("c")).unwrap();
    let mut ing = std::thread::spawn(move || {
        let r = r#"[{"name":"f","kind":12,"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":25}},"selectionRange":{"start":{"line":0,"character":4},"end":{"line":0,"character":5}}}]"#;
        ing.answer("textDocument/documentSymbol", r#"{"textDocument":{"uri":"file:///src/p/a.c"}}"#, r).unwrap();
        ing
    })
    .join()
    .unwrap();
    let stats = ing.commit(&st).unwrap();
    assert_eq!((stats.answers, stats.files, stats.symbols), (1, 1, 1));
    let mut g = lmkv::graph::Graph::open(&st, ws).unwrap();
    let f = g.symbols("f", lmkv::graph::Match::Exact, 10).unwrap().items;
    assert_eq!((f.len(), f[0].start_line, f[0].start_column), (1, 1, 1));
    drop((g, st, db));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trait_futures_are_send_and_run_on_another_thread() {
    let b = Arc::new(
        lmkv::executor::block_on(LmkvBackend::new(DatabaseConfig { temporary: true, ..Default::default() })).unwrap(),
    );
    let t: Arc<dyn DatabaseTree> = lmkv::executor::block_on(b.open_tree("x")).unwrap();
    // A future made on this thread, polled on another one (as when tokio
    // moves a task between two calls).
    let (t2, b2) = (t.clone(), b.clone());
    let fut = send_static(async move {
        t2.set(b"k", b"v").await.unwrap();
        b2.flush().await.unwrap();
        t2.get(b"k").await.unwrap()
    });
    let got = std::thread::spawn(move || lmkv::executor::block_on(fut)).join().unwrap();
    assert_eq!(got.as_deref(), Some(&b"v"[..]));
    // The db's flush_async future, also moved.
    let f = send_static(b.db().flush_async());
    std::thread::spawn(move || lmkv::executor::block_on(f).unwrap()).join().unwrap();
}
