//! Raw declarations of lmkv's whole C API: every public header
//! `<module>/lmkv_<module>.h` of the Makefile's MODULES (the headers are the
//! specification: ownership, lifetimes, thread-safety and errors of every
//! function are documented there).
//!
//! * kv/lmkv_kv.h is declared by hand below (its constants are `c_int`, its
//!   callbacks `Option<unsafe extern "C" fn>`, as the `lmkv` crate uses them).
//! * schema/, versioning/, graph/ and migrate/ are in [`generated`]
//!   (`src/generated.rs`, written by Debian's bindgen through
//!   `scripts/regen.sh` and committed; re-exported here, so every item is
//!   `lmkv_sys::NAME`). Rerun the script after changing a public header or
//!   adding a module to MODULES.
//!
//! Two tests keep this in step with the C library: every `LMKV_API` function
//! of every MODULES header is declared with its arity (and nothing else is),
//! and every function `nm -D --defined-only liblmkv.so` lists is declared.
//! bindgen's layout tests check every generated struct's size, alignment and
//! field offsets as clang computed them from the headers.
//!
//! Everything here is `unsafe` to call; the `lmkv` crate is the safe API.
//! Linking is done by build.rs (see there for how liblmkv is found).
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_uint, c_void};

// ------------------------------------------------------------------ errors
// enum lmkv_error (kv/lmkv_kv.h): lmkv's own codes live in [-30999, -30900].
pub const LMKV_OK: c_int = 0;
pub const LMKV_NOTFOUND: c_int = -30900;
pub const LMKV_EINVAL: c_int = -30901;
pub const LMKV_ENOMEM: c_int = -30902;
pub const LMKV_EIO: c_int = -30903;
pub const LMKV_ECORRUPT: c_int = -30904;
pub const LMKV_EEXISTS: c_int = -30905;
pub const LMKV_ECAS: c_int = -30906;
pub const LMKV_EUNSUPPORTED: c_int = -30907;
pub const LMKV_ETREE: c_int = -30908;
pub const LMKV_EBADTXN: c_int = -30909;
pub const LMKV_EFULL: c_int = -30910;
pub const LMKV_EVERSION: c_int = -30911;
pub const LMKV_EBUSY: c_int = -30912;
pub const LMKV_ETOOBIG: c_int = -30913;
pub const LMKV_EPARSE: c_int = -30914;
pub const LMKV_EGIT: c_int = -30915;
pub const LMKV_EEXTERNAL: c_int = -30916;
pub const LMKV_EREADONLY: c_int = -30917;
pub const LMKV_ECONFLICT: c_int = -30918;
pub const LMKV_ECOLLISION: c_int = -30919;
pub const LMKV_EPERM: c_int = -30920;
pub const LMKV_ELIMIT: c_int = -30921;

pub const LMKV_VERSION_MAJOR: u32 = 0;
pub const LMKV_VERSION_MINOR: u32 = 1;
pub const LMKV_VERSION_PATCH: u32 = 0;
pub const LMKV_FORMAT_VERSION: u32 = 1;

extern "C" {
    /// Runtime version string, e.g. "0.1.0". Static storage; never free.
    pub fn lmkv_version() -> *const c_char;
    /// Static description of an error code (never NULL, never free).
    pub fn lmkv_strerror(err: c_int) -> *const c_char;
    /// The calling thread's message for its last failed call. Valid until
    /// the thread's next lmkv call.
    pub fn lmkv_errmsg() -> *const c_char;
    /// Frees memory returned by lmkv. NULL is fine.
    pub fn lmkv_free(p: *mut c_void);
}

// ------------------------------------------------------------ common types
/// Opaque handle types (kv/lmkv_kv.h "Common types").
#[repr(C)]
pub struct lmkv_db {
    _private: [u8; 0],
}
#[repr(C)]
pub struct lmkv_tree {
    _private: [u8; 0],
}
#[repr(C)]
pub struct lmkv_iter {
    _private: [u8; 0],
}
#[repr(C)]
pub struct lmkv_batch {
    _private: [u8; 0],
}
#[repr(C)]
pub struct lmkv_txn {
    _private: [u8; 0],
}
#[repr(C)]
pub struct lmkv_subscriber {
    _private: [u8; 0],
}
#[repr(C)]
pub struct lmkv_watcher {
    _private: [u8; 0],
}
#[repr(C)]
pub struct lmkv_import {
    _private: [u8; 0],
}

/// Owned bytes; `data` NULL only for "absent". Free `data` with lmkv_free.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lmkv_bytes {
    pub data: *mut u8,
    pub size: usize,
}

impl lmkv_bytes {
    /// An absent value (data NULL), the state to pass to out-parameters.
    pub const fn null() -> lmkv_bytes {
        lmkv_bytes { data: std::ptr::null_mut(), size: 0 }
    }
}

/// A sorted list of owned byte strings; free with lmkv_bytes_array_free.
#[repr(C)]
#[derive(Debug)]
pub struct lmkv_bytes_array {
    pub items: *mut lmkv_bytes,
    pub count: usize,
}

/// A borrowed key/value pair; lifetime stated by the function that fills it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lmkv_pair {
    pub key: *const u8,
    pub key_size: usize,
    pub value: *const u8,
    pub value_size: usize,
}

impl lmkv_pair {
    pub const fn null() -> lmkv_pair {
        lmkv_pair { key: std::ptr::null(), key_size: 0, value: std::ptr::null(), value_size: 0 }
    }
}

// ---------------------------------------------------------------------- db
pub const LMKV_DURABILITY_DEFAULT: c_int = 0;
pub const LMKV_DURABILITY_SYNC: c_int = 1;
pub const LMKV_DURABILITY_NOSYNC: c_int = 2;

/// Db configuration (sled::Config); fill with lmkv_config_init first.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lmkv_config {
    pub path: *const c_char,
    pub temporary: c_int,
    pub create_new: c_int,
    pub read_only: c_int,
    pub flush_every_ms: c_uint,
    pub durability: c_int,
    pub initial_map_size: u64,
    pub file_mode: c_uint,
    pub max_trees: c_uint,
    pub max_readers: c_uint,
}

pub const LMKV_TREE_SYSTEM: c_uint = 0x1;
pub const LMKV_TREE_NO_CREATE: c_uint = 0x2;
pub const LMKV_COPY_COMPACT: c_uint = 0x1;

/// One problem found by `lmkv_db_verify` (pointers valid during the callback).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lmkv_db_verify_problem {
    pub tree: *const c_void,
    pub tree_len: usize,
    pub system: c_int,
    pub code: c_int,
    pub message: *const c_char,
}

/// Callbacks and limits of `lmkv_db_verify` (start from `lmkv_db_verify_options_init`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lmkv_db_verify_options {
    pub on_problem: Option<unsafe extern "C" fn(ctx: *mut c_void, p: *const lmkv_db_verify_problem) -> c_int>,
    pub on_tree: Option<unsafe extern "C" fn(ctx: *mut c_void, tree: *const c_void, tree_len: usize, system: c_int)>,
    pub on_progress: Option<unsafe extern "C" fn(ctx: *mut c_void, entries: u64, total_entries: u64)>,
    pub ctx: *mut c_void,
    pub max_problems: u64,
}

/// What `lmkv_db_verify` read and found.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lmkv_db_verify_report {
    pub trees: u64,
    pub entries: u64,
    pub total_entries: u64,
    pub problems: u64,
    pub stopped: c_int,
}

/// Statistics of a db (mdb_env_info + mdb_env_stat + catalog).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lmkv_db_stat {
    pub map_size: u64,
    pub last_page: u64,
    pub last_txnid: u64,
    pub max_readers: u32,
    pub num_readers: u32,
    pub page_size: u32,
    pub tree_count: u64,
    pub system_tree_count: u64,
    pub total_entries: u64,
    pub total_size_bytes: u64,
    pub disk_size_bytes: u64,
    pub is_temporary: c_int,
    pub is_read_only: c_int,
}

/// Per-tree LMDB statistics.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lmkv_tree_stat {
    pub entries: u64,
    pub depth: u32,
    pub branch_pages: u64,
    pub leaf_pages: u64,
    pub overflow_pages: u64,
    pub page_size: u32,
}

/// update_and_fetch / fetch_and_update callback: old NULL when absent; set
/// *out_new to a malloc()'ed buffer (lmkv frees it) or NULL to delete.
pub type lmkv_update_fn = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        old: *const u8,
        old_size: usize,
        out_new: *mut *mut u8,
        out_new_size: *mut usize,
    ) -> c_int,
>;
/// Merge operator: key, old (NULL if absent), merged; output as lmkv_update_fn.
pub type lmkv_merge_fn = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        key: *const u8,
        key_size: usize,
        old: *const u8,
        old_size: usize,
        merged: *const u8,
        merged_size: usize,
        out_new: *mut *mut u8,
        out_new_size: *mut usize,
    ) -> c_int,
>;

pub const LMKV_UNBOUNDED: c_int = 0;
pub const LMKV_INCLUDED: c_int = 1;
pub const LMKV_EXCLUDED: c_int = 2;

/// A range bound (Rust's std::ops::Bound).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lmkv_bound {
    pub kind: c_int,
    pub key: *const c_void,
    pub key_size: usize,
}

pub const LMKV_TXN_READ_ONLY: c_uint = 0x1;
pub const LMKV_WATCH_NONBLOCKING: c_uint = 0x1;
pub const LMKV_INSERT_APPEND: c_uint = 0x1;

/// Transaction body for lmkv_db_transaction: 0 commits, negative aborts.
pub type lmkv_txn_fn = Option<unsafe extern "C" fn(ctx: *mut c_void, txn: *mut lmkv_txn) -> c_int>;

pub const LMKV_EVENT_INSERT: c_int = 1;
pub const LMKV_EVENT_REMOVE: c_int = 2;

/// An owned event; free with lmkv_event_clear.
#[repr(C)]
#[derive(Debug)]
pub struct lmkv_event {
    pub type_: c_int,
    pub key: lmkv_bytes,
    pub value: lmkv_bytes,
}

/// Export visitor; pointers valid during the call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lmkv_export_visitor {
    pub collection: Option<
        unsafe extern "C" fn(ctx: *mut c_void, type_: *const c_char, name: *const u8, name_size: usize) -> c_int,
    >,
    pub pair: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            key: *const u8,
            key_size: usize,
            value: *const u8,
            value_size: usize,
        ) -> c_int,
    >,
}

extern "C" {
    pub fn lmkv_bytes_array_free(arr: *mut lmkv_bytes_array);

    pub fn lmkv_error_set(code: c_int, fmt: *const c_char, ...) -> c_int;
    pub fn lmkv_error_wrap(code: c_int, fmt: *const c_char, ...) -> c_int;
    pub fn lmkv_error_clear();
    pub fn lmkv_error_from_mdb(mdb_or_errno: c_int) -> c_int;

    pub fn lmkv_config_init(cfg: *mut lmkv_config);
    pub fn lmkv_db_open(out: *mut *mut lmkv_db, cfg: *const lmkv_config) -> c_int;
    pub fn lmkv_db_open_path(out: *mut *mut lmkv_db, path: *const c_char) -> c_int;
    pub fn lmkv_db_close(db: *mut lmkv_db);
    pub fn lmkv_db_path(db: *const lmkv_db) -> *const c_char;
    pub fn lmkv_db_is_temporary(db: *const lmkv_db) -> c_int;
    pub fn lmkv_db_is_read_only(db: *const lmkv_db) -> c_int;
    pub fn lmkv_db_is_lockless(db: *const lmkv_db) -> c_int;
    pub fn lmkv_db_was_recovered(db: *const lmkv_db) -> c_int;
    pub fn lmkv_db_default_tree(db: *mut lmkv_db) -> *mut lmkv_tree;
    pub fn lmkv_db_open_tree(
        out: *mut *mut lmkv_tree,
        db: *mut lmkv_db,
        name: *const c_void,
        name_size: usize,
    ) -> c_int;
    pub fn lmkv_db_open_tree_ex(
        out: *mut *mut lmkv_tree,
        db: *mut lmkv_db,
        name: *const c_void,
        name_size: usize,
        flags: c_uint,
    ) -> c_int;
    pub fn lmkv_db_open_system_tree(
        out: *mut *mut lmkv_tree,
        db: *mut lmkv_db,
        name: *const c_void,
        name_size: usize,
    ) -> c_int;
    pub fn lmkv_db_drop_tree(out_existed: *mut c_int, db: *mut lmkv_db, name: *const c_void, name_size: usize)
        -> c_int;
    pub fn lmkv_db_drop_system_tree(
        out_existed: *mut c_int,
        db: *mut lmkv_db,
        name: *const c_void,
        name_size: usize,
    ) -> c_int;
    pub fn lmkv_db_tree_names(out: *mut lmkv_bytes_array, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_system_tree_names(out: *mut lmkv_bytes_array, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_generate_id(out: *mut u64, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_set_next_id(db: *mut lmkv_db, next: u64) -> c_int;
    pub fn lmkv_db_peek_next_id(out: *mut u64, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_size_on_disk(out: *mut u64, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_flush(out_bytes: *mut u64, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_clear(db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_checksum(out: *mut u32, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_last_txnid(out: *mut u64, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_verify_options_init(opts: *mut lmkv_db_verify_options);
    pub fn lmkv_db_verify(
        out: *mut lmkv_db_verify_report,
        db: *mut lmkv_db,
        opts: *const lmkv_db_verify_options,
    ) -> c_int;
    pub fn lmkv_db_stat_get(out: *mut lmkv_db_stat, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_db_copy(db: *mut lmkv_db, dest_dir: *const c_char, flags: c_uint) -> c_int;

    pub fn lmkv_tree_close(t: *mut lmkv_tree);
    pub fn lmkv_tree_name(t: *const lmkv_tree, out_size: *mut usize) -> *const c_void;
    pub fn lmkv_tree_is_system(t: *const lmkv_tree) -> c_int;
    pub fn lmkv_tree_dbi_name(t: *const lmkv_tree) -> *const c_char;
    pub fn lmkv_tree_get(out: *mut lmkv_bytes, t: *mut lmkv_tree, key: *const c_void, key_size: usize) -> c_int;
    pub fn lmkv_tree_contains_key(t: *mut lmkv_tree, key: *const c_void, key_size: usize) -> c_int;
    pub fn lmkv_tree_insert(
        out_prev: *mut lmkv_bytes,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
        value: *const c_void,
        value_size: usize,
    ) -> c_int;
    pub fn lmkv_tree_remove(out_prev: *mut lmkv_bytes, t: *mut lmkv_tree, key: *const c_void, key_size: usize)
        -> c_int;
    pub fn lmkv_tree_compare_and_swap(
        out_current: *mut lmkv_bytes,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
        old: *const c_void,
        old_size: usize,
        new_value: *const c_void,
        new_size: usize,
    ) -> c_int;
    pub fn lmkv_tree_update_and_fetch(
        out: *mut lmkv_bytes,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
        f: lmkv_update_fn,
        ctx: *mut c_void,
    ) -> c_int;
    pub fn lmkv_tree_fetch_and_update(
        out: *mut lmkv_bytes,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
        f: lmkv_update_fn,
        ctx: *mut c_void,
    ) -> c_int;
    pub fn lmkv_tree_set_merge_operator(t: *mut lmkv_tree, f: lmkv_merge_fn, ctx: *mut c_void);
    pub fn lmkv_tree_merge(
        out: *mut lmkv_bytes,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
        value: *const c_void,
        value_size: usize,
    ) -> c_int;
    pub fn lmkv_tree_first(out_key: *mut lmkv_bytes, out_value: *mut lmkv_bytes, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_last(out_key: *mut lmkv_bytes, out_value: *mut lmkv_bytes, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_pop_min(out_key: *mut lmkv_bytes, out_value: *mut lmkv_bytes, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_pop_max(out_key: *mut lmkv_bytes, out_value: *mut lmkv_bytes, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_get_lt(
        out_key: *mut lmkv_bytes,
        out_value: *mut lmkv_bytes,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
    ) -> c_int;
    pub fn lmkv_tree_get_gt(
        out_key: *mut lmkv_bytes,
        out_value: *mut lmkv_bytes,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
    ) -> c_int;
    pub fn lmkv_tree_len(out: *mut u64, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_is_empty(t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_clear(t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_checksum(out: *mut u32, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_stat_get(out: *mut lmkv_tree_stat, t: *mut lmkv_tree) -> c_int;

    pub fn lmkv_tree_iter(out: *mut *mut lmkv_iter, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_tree_range(
        out: *mut *mut lmkv_iter,
        t: *mut lmkv_tree,
        start: *const lmkv_bound,
        end: *const lmkv_bound,
    ) -> c_int;
    pub fn lmkv_tree_scan_prefix(
        out: *mut *mut lmkv_iter,
        t: *mut lmkv_tree,
        prefix: *const c_void,
        prefix_size: usize,
    ) -> c_int;
    pub fn lmkv_iter_next(out: *mut lmkv_pair, it: *mut lmkv_iter) -> c_int;
    pub fn lmkv_iter_next_back(out: *mut lmkv_pair, it: *mut lmkv_iter) -> c_int;
    pub fn lmkv_iter_free(it: *mut lmkv_iter);

    pub fn lmkv_batch_new(out: *mut *mut lmkv_batch) -> c_int;
    pub fn lmkv_batch_insert(
        b: *mut lmkv_batch,
        key: *const c_void,
        key_size: usize,
        value: *const c_void,
        value_size: usize,
    ) -> c_int;
    pub fn lmkv_batch_remove(b: *mut lmkv_batch, key: *const c_void, key_size: usize) -> c_int;
    pub fn lmkv_batch_len(b: *const lmkv_batch) -> usize;
    pub fn lmkv_batch_free(b: *mut lmkv_batch);
    pub fn lmkv_tree_apply_batch(t: *mut lmkv_tree, b: *const lmkv_batch) -> c_int;

    pub fn lmkv_txn_begin(out: *mut *mut lmkv_txn, db: *mut lmkv_db, flags: c_uint) -> c_int;
    pub fn lmkv_txn_commit(txn: *mut lmkv_txn) -> c_int;
    pub fn lmkv_txn_abort(txn: *mut lmkv_txn);
    pub fn lmkv_txn_reset(txn: *mut lmkv_txn) -> c_int;
    pub fn lmkv_txn_renew(txn: *mut lmkv_txn) -> c_int;
    pub fn lmkv_txn_is_read_only(txn: *const lmkv_txn) -> c_int;
    pub fn lmkv_txn_get(
        out: *mut lmkv_pair,
        txn: *mut lmkv_txn,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
    ) -> c_int;
    pub fn lmkv_txn_insert(
        txn: *mut lmkv_txn,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
        value: *const c_void,
        value_size: usize,
    ) -> c_int;
    pub fn lmkv_txn_insert_ex(
        txn: *mut lmkv_txn,
        t: *mut lmkv_tree,
        key: *const c_void,
        key_size: usize,
        value: *const c_void,
        value_size: usize,
        flags: c_uint,
    ) -> c_int;
    pub fn lmkv_txn_remove(txn: *mut lmkv_txn, t: *mut lmkv_tree, key: *const c_void, key_size: usize) -> c_int;
    pub fn lmkv_txn_iter(out: *mut *mut lmkv_iter, txn: *mut lmkv_txn, t: *mut lmkv_tree) -> c_int;
    pub fn lmkv_txn_range(
        out: *mut *mut lmkv_iter,
        txn: *mut lmkv_txn,
        t: *mut lmkv_tree,
        start: *const lmkv_bound,
        end: *const lmkv_bound,
    ) -> c_int;
    pub fn lmkv_txn_scan_prefix(
        out: *mut *mut lmkv_iter,
        txn: *mut lmkv_txn,
        t: *mut lmkv_tree,
        prefix: *const c_void,
        prefix_size: usize,
    ) -> c_int;
    pub fn lmkv_db_transaction(
        db: *mut lmkv_db,
        trees: *const *mut lmkv_tree,
        n_trees: usize,
        f: lmkv_txn_fn,
        ctx: *mut c_void,
    ) -> c_int;

    pub fn lmkv_event_clear(ev: *mut lmkv_event);
    pub fn lmkv_tree_watch_prefix(
        out: *mut *mut lmkv_subscriber,
        t: *mut lmkv_tree,
        prefix: *const c_void,
        prefix_size: usize,
    ) -> c_int;
    pub fn lmkv_tree_watch_prefix_ex(
        out: *mut *mut lmkv_subscriber,
        t: *mut lmkv_tree,
        prefix: *const c_void,
        prefix_size: usize,
        flags: c_uint,
    ) -> c_int;
    pub fn lmkv_subscriber_next(out: *mut lmkv_event, s: *mut lmkv_subscriber, timeout_ms: c_int) -> c_int;
    pub fn lmkv_subscriber_close(s: *mut lmkv_subscriber);
    pub fn lmkv_tree_watch_prefix_shared(
        out: *mut *mut lmkv_watcher,
        t: *mut lmkv_tree,
        prefix: *const c_void,
        prefix_size: usize,
        interval_ms: c_uint,
    ) -> c_int;
    pub fn lmkv_watcher_next(out: *mut lmkv_event, w: *mut lmkv_watcher, timeout_ms: c_int) -> c_int;
    pub fn lmkv_watcher_len(w: *const lmkv_watcher) -> usize;
    pub fn lmkv_watcher_txnid(w: *const lmkv_watcher) -> u64;
    pub fn lmkv_watcher_close(w: *mut lmkv_watcher);

    pub fn lmkv_db_export(db: *mut lmkv_db, v: *const lmkv_export_visitor, ctx: *mut c_void) -> c_int;
    pub fn lmkv_import_begin(out: *mut *mut lmkv_import, db: *mut lmkv_db) -> c_int;
    pub fn lmkv_import_collection(
        imp: *mut lmkv_import,
        type_: *const c_char,
        name: *const c_void,
        name_size: usize,
    ) -> c_int;
    pub fn lmkv_import_pair(
        imp: *mut lmkv_import,
        key: *const c_void,
        key_size: usize,
        value: *const c_void,
        value_size: usize,
    ) -> c_int;
    pub fn lmkv_import_txn(imp: *mut lmkv_import) -> *mut lmkv_txn;
    pub fn lmkv_import_commit(imp: *mut lmkv_import) -> c_int;
    pub fn lmkv_import_abort(imp: *mut lmkv_import);
}

extern "C" {
    /// The C library's allocator: update/merge callbacks hand lmkv buffers
    /// it frees with free() (kv/lmkv_kv.h lmkv_update_fn).
    pub fn malloc(size: usize) -> *mut c_void;
}

pub mod generated;
pub use generated::*;

#[cfg(test)]
mod layout {
    use super::*;
    use std::mem::{align_of, size_of};

    /// The x86_64/aarch64 Linux (LP64) sizes of the C structs, by hand from
    /// kv/lmkv_kv.h; a field added there without being added here fails.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn struct_sizes_match_c() {
        assert_eq!(size_of::<lmkv_bytes>(), 16);
        assert_eq!(size_of::<lmkv_pair>(), 32);
        assert_eq!(size_of::<lmkv_bound>(), 24);
        assert_eq!(size_of::<lmkv_event>(), 40);
        assert_eq!(size_of::<lmkv_config>(), 56);
        assert_eq!(size_of::<lmkv_db_stat>(), 88);
        assert_eq!(size_of::<lmkv_db_verify_problem>(), 32);
        assert_eq!(size_of::<lmkv_db_verify_options>(), 40);
        assert_eq!(size_of::<lmkv_db_verify_report>(), 40);
        assert_eq!(size_of::<lmkv_tree_stat>(), 48);
        assert_eq!(size_of::<lmkv_export_visitor>(), 16);
        assert_eq!(align_of::<lmkv_config>(), 8);
        // offsetof() values printed by a C program compiled against the header.
        let c = std::mem::MaybeUninit::<lmkv_config>::uninit();
        let base = c.as_ptr() as usize;
        // SAFETY: addr_of! on an uninitialised struct only computes addresses.
        let off = unsafe { std::ptr::addr_of!((*c.as_ptr()).initial_map_size) } as usize - base;
        assert_eq!(off, 32);
        let s = std::mem::MaybeUninit::<lmkv_db_stat>::uninit();
        let base = s.as_ptr() as usize;
        let off_tc = unsafe { std::ptr::addr_of!((*s.as_ptr()).tree_count) } as usize - base;
        let off_tmp = unsafe { std::ptr::addr_of!((*s.as_ptr()).is_temporary) } as usize - base;
        assert_eq!((off_tc, off_tmp), (40, 80));
        let t = std::mem::MaybeUninit::<lmkv_tree_stat>::uninit();
        let base = t.as_ptr() as usize;
        let off_ps = unsafe { std::ptr::addr_of!((*t.as_ptr()).page_size) } as usize - base;
        assert_eq!(off_ps, 40);
    }
}

#[cfg(test)]
mod header_sync {
    //! Keeps the declarations in step with the C library, data-driven from
    //! the Makefile's MODULES (a module added there is checked at once):
    //!  * every `LMKV_API` function of every `<module>/lmkv_<module>.h` is
    //!    declared here (src/lib.rs or src/generated.rs) with the same number
    //!    of parameters, and nothing is declared that no header has;
    //!  * every function liblmkv.so exports (`nm -D --defined-only`) is
    //!    declared here.
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// Splits a parameter list at top-level commas; "void" and "" are none.
    fn arity(params: &str) -> usize {
        // (rustfmt leaves a trailing comma after the last parameter)
        let p = params.trim().trim_end_matches(',').trim_end();
        if p.is_empty() || p == "void" {
            return 0;
        }
        let mut depth = 0i32;
        let mut n = 1;
        let mut prev = ' ';
        for c in p.chars() {
            match c {
                '(' | '<' | '[' => depth += 1,
                '>' if prev == '-' => {} // a Rust "->", not a closing bracket
                ')' | '>' | ']' => depth -= 1,
                ',' if depth == 0 => n += 1,
                _ => {}
            }
            prev = c;
        }
        n
    }

    /// name -> arity of the function whose name ends right before `open`
    /// (the index of its opening parenthesis) in `text`.
    fn call_at(text: &str, open: usize) -> (String, usize) {
        let name: String = text[..open]
            .chars()
            .rev()
            .skip_while(|c| c.is_whitespace())
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let mut depth = 0;
        let mut end = open;
        for (i, c) in text[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        (name, arity(&text[open + 1..end]))
    }

    fn strip_c_comments(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("/*") {
            out.push_str(&rest[..i]);
            rest = match rest[i..].find("*/") {
                Some(j) => &rest[i + j + 2..],
                None => "",
            };
        }
        out.push_str(rest); // what follows the last comment (often the last declaration)
        // line comments too (a "// LMKV_API" in an example must not count)
        out.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
    }

    fn crate_dir() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// The repository root (bindings/rust/lmkv-sys/../../..), if this crate
    /// sits in the repository (it always does in make test).
    fn repo_root() -> Option<PathBuf> {
        let root = crate_dir().join("../../..");
        root.join("Makefile").is_file().then_some(root)
    }

    /// The Makefile's MODULES (`MODULES := kv schema ...`).
    fn modules(root: &Path) -> Vec<String> {
        let mk = std::fs::read_to_string(root.join("Makefile")).unwrap();
        let line = mk
            .lines()
            .find(|l| l.starts_with("MODULES") && l.contains(":="))
            .expect("the Makefile defines MODULES :=");
        line.split_once(":=").unwrap().1.split_whitespace().map(String::from).collect()
    }

    /// Every `pub fn lmkv_*` of the crate's non-test source, with its arity.
    fn rust_decls() -> BTreeMap<String, usize> {
        let mut r = BTreeMap::new();
        for f in ["src/lib.rs", "src/generated.rs"] {
            let text = std::fs::read_to_string(crate_dir().join(f)).unwrap();
            // lib.rs's own tests (this module) mention "pub fn lmkv_" too
            let text = match text.find("#[cfg(test)]\nmod header_sync") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            for (i, _) in text.match_indices("pub fn lmkv_") {
                let open = i + text[i..].find('(').unwrap();
                let (name, n) = call_at(text, open);
                if let Some(prev) = r.insert(name.clone(), n) {
                    panic!("{name} is declared twice in lmkv-sys ({prev} and {n} parameters)");
                }
            }
        }
        r
    }

    #[test]
    fn every_header_function_is_declared_with_its_arity() {
        let Some(root) = repo_root() else {
            eprintln!("not in the lmkv repository: no headers to compare (the link step checks the symbols)");
            return;
        };
        let mods = modules(&root);
        assert!(mods.iter().any(|m| m == "kv"), "MODULES without kv: {mods:?}");
        let mut c: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for m in &mods {
            let path = root.join(m).join(format!("lmkv_{m}.h"));
            let Ok(h) = std::fs::read_to_string(&path) else {
                continue; // a module without a public header (tools-only)
            };
            let header = strip_c_comments(&h);
            let before = c.len();
            for (i, _) in header.match_indices("LMKV_API ") {
                let decl = &header[i..];
                if decl.starts_with("LMKV_API __attribute__") {
                    continue; // the #define itself
                }
                let open = i + decl.find('(').unwrap();
                let (name, n) = call_at(&header, open);
                c.insert(name, (n, format!("{m}/lmkv_{m}.h")));
            }
            assert!(c.len() > before, "parsed no LMKV_API function from {}", path.display());
        }
        assert!(c.len() > 250, "parsed {} functions from the headers", c.len());

        let r = rust_decls();
        let missing: Vec<_> = c.iter().filter(|(k, _)| !r.contains_key(*k)).map(|(k, (_, h))| format!("{h}: {k}")).collect();
        let extra: Vec<_> = r.keys().filter(|k| !c.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "declared in a public header, missing in lmkv-sys (run lmkv-sys/scripts/regen.sh): {missing:?}"
        );
        assert!(extra.is_empty(), "declared in lmkv-sys, in no public header of MODULES: {extra:?}");
        for (name, (n, h)) in &c {
            assert_eq!(r[name], *n, "{name}: {n} parameters in {h}, {} in lmkv-sys", r[name]);
        }
    }

    /// The shared library the tests check: `$LMKV_LIB_DIR/liblmkv.so`
    /// (tests/t_rust.sh sets it to the build directory), else the
    /// repository's build/liblmkv.so.
    fn shared_lib(root: &Path) -> PathBuf {
        match std::env::var_os("LMKV_LIB_DIR") {
            Some(d) => PathBuf::from(d).join("liblmkv.so"),
            None => root.join("build/liblmkv.so"),
        }
    }

    #[test]
    fn every_exported_function_is_declared() {
        let Some(root) = repo_root() else {
            eprintln!("not in the lmkv repository: no liblmkv.so to compare");
            return;
        };
        let so = shared_lib(&root);
        assert!(so.exists(), "{} is missing: build it with `make` (make test does)", so.display());
        let out = std::process::Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(&so)
            .output()
            .unwrap_or_else(|e| panic!("cannot run nm (binutils) on {}: {e}", so.display()));
        assert!(out.status.success(), "nm -D {} failed: {}", so.display(), String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        // "0000000000012340 T lmkv_db_open": text symbols are functions.
        let exported: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                let (_, kind, name) = (f.next()?, f.next()?, f.next()?);
                (kind == "T" || kind == "W" || kind == "i").then_some(name)
            })
            .collect();
        assert!(exported.len() > 250, "nm listed {} functions of {}", exported.len(), so.display());
        let foreign: Vec<_> = exported.iter().filter(|n| !n.starts_with("lmkv_")).collect();
        assert!(foreign.is_empty(), "{} exports functions without the lmkv_ prefix: {foreign:?}", so.display());
        let r = rust_decls();
        let missing: Vec<_> = exported.iter().filter(|n| !r.contains_key(**n)).collect();
        assert!(
            missing.is_empty(),
            "{} exports {} functions lmkv-sys does not declare (add them to their header with LMKV_API and run lmkv-sys/scripts/regen.sh): {missing:?}",
            so.display(),
            missing.len()
        );
    }

    #[test]
    fn arity_parser() {
        assert_eq!(arity("void"), 0);
        assert_eq!(arity(""), 0);
        assert_eq!(arity("int a, int (*fn)(void *, int), char b[20]"), 3);
        assert_eq!(arity("a: Option<unsafe extern \"C\" fn(x: i32, y: i32) -> i32>, b: u8,"), 2);
    }
}
