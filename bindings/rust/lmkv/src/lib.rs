//! lmkv for Rust: sled 0.34's API over lmkv's C key-value layer (LMDB), and
//! the probe LSP daemon's `DatabaseBackend` trait implemented over it.
//!
//! * [`Db`], [`Tree`]: sled's `Db` and `Tree` (insert, get, remove,
//!   compare_and_swap, update_and_fetch, merge with closure operators,
//!   iter/range/scan_prefix, first/last/pop_min/pop_max/get_lt/get_gt, len,
//!   clear, checksum, apply_batch, watch_prefix, generate_id, export/import).
//! * [`Txn`]: an LMDB transaction over several trees; values read in it are
//!   borrowed from the database map and tied to `&Txn`, so the compiler
//!   rejects any use after a write in the transaction or after its end.
//! * [`backend`]: the daemon's `DatabaseBackend` / `DatabaseTree` trait,
//!   [`backend::LmkvBackend`] over lmkv and [`backend::MemoryBackend`] (a
//!   `BTreeMap` reference).
//! * [`executor`]: a tiny std-only executor (block_on, a few worker threads).
//! * Every other layer of the C library: [`store`] (read txns and write
//!   sessions of typed records), [`records`] (zero-copy record views tied
//!   to their transaction, owned rows), [`graph`] (callers, callees, refs,
//!   impact, paths, cycles, ...), [`versioning`] (worktrees, index sessions
//!   with an analyser written in Rust, current state, diff, gc), [`cache`]
//!   (the LSP response cache), [`migrate`] (sled dumps in and out) and
//!   [`lsp`] (raw LSP answers in: the daemon's graph ingest).
//!
//! Thread-safety follows kv/lmkv_kv.h: db and tree handles may be used from
//! several threads at once, so [`Db`] and [`Tree`] are `Send + Sync`;
//! iterators, batches and subscribers are single-user objects that may move
//! between threads (the LMDB environment is opened with `MDB_NOTLS`), so they
//! are `Send` but not `Sync`; a [`Txn`] is neither (see its documentation).
//! Of the other layers: [`Store`] and [`cache::Cache`] are `Send + Sync`;
//! [`ReadTxn`], [`graph::Graph`] and [`versioning::Worktree`] are `Send`
//! only; a write [`Session`] and a [`versioning::IndexSession`] are neither
//! (a write transaction never crosses threads).
//!
//! Linking: lmkv-sys's build.rs (liblmkv.a from the repository's build
//! directory, `LMKV_LIB_DIR`, or pkg-config).

#![allow(clippy::type_complexity)] // (key, value) pair lists are the trait's own types

pub mod backend;
mod batch;
mod db;
mod error;
pub mod executor;
mod iter;
mod ivec;
mod subscriber;
mod txn;

// Every layer of the C library (lmkv-sys declares every public header).
mod ffi;
pub mod records;
pub mod store;
pub mod graph;
pub mod versioning;
pub mod cache;
pub mod migrate;
pub mod lsp;

pub use batch::Batch;
pub use db::{Config, Db, Durability, FlushAsync, Tree};
pub use error::{CompareAndSwapError, Error, ErrorKind, Result};
pub use iter::Iter;
pub use ivec::IVec;
pub use subscriber::{Event, Subscriber};
pub use txn::{TransactionError, Txn, TxnIter};

pub use store::{ReadTxn, Session, Store};

/// The C library's version string, e.g. "0.1.0".
pub fn version() -> String {
    // SAFETY: static NUL-terminated string.
    unsafe { error::cstr_or_empty(lmkv_sys::lmkv_version()) }
}

/// The name of sled's default tree, which lmkv keeps.
pub const DEFAULT_TREE: &[u8] = b"__sled__default";

/// The raw C API, for callers that need what the safe API does not offer.
pub use lmkv_sys as sys;
