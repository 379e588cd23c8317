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
