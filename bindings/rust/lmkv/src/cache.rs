//! The LSP response cache (schema/lmkv_schema.h, lmkv_cache_*): responses
//! keyed by (workspace, method, path, content version, position, params
//! hash), LRU-bounded, with hit/miss counters per method per day -- the
//! daemon's sled-era universal cache on the store.
//!
//! A [`Cache`] is `Send + Sync`: every lmkv_cache function is thread-safe
//! (internal mutexes; writes serialise on LMDB's writer). A thread holding
//! a store [`crate::store::Session`] must not call the writing functions
//! (LMKV_EBUSY). [`Cache::get_entry`] reads zero-copy inside a
//! [`ReadTxn`]: the entry borrows the transaction.

use crate::error::{check, Error, Result};
use crate::ffi::{cstring, opt_cstring, opt_ptr};
use crate::records::CacheEntry;
use crate::store::{ReadTxn, Store, StoreInner};
use lmkv_sys as sys;
use std::ffi::CString;
use std::os::raw::c_void;
use std::ptr;
use std::sync::Arc;

/// Cache configuration (lmkv_cache_config; zeros are the defaults).
pub type CacheConfig = sys::lmkv_cache_config;

/// The identity of one cached response (lmkv_cache_key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CacheKey {
    pub ws: u64,
    /// e.g. "textDocument/definition".
    pub method: String,
    /// Workspace-relative path.
    pub path: String,
    /// The file's fv id or any 64-bit content hash (0 = unknown).
    pub content_version: u64,
    /// LSP Position (0-based); `sys::LMKV_POSITION_NONE` (or 0, 0) when the
    /// request has none: the key holds none as 0, 0, the stored entry
    /// records `None` for LMKV_POSITION_NONE.
    pub line: u32,
    pub character: u32,
    /// [`params_hash`] of the request params.
    pub params_hash: u64,
}

struct CKey {
    c: sys::lmkv_cache_key,
    _m: CString,
    _p: CString,
}

impl CacheKey {
    fn to_c(&self) -> Result<CKey> {
        let m = cstring("cache key method", &self.method)?;
        let p = cstring("cache key path", &self.path)?;
        let c = sys::lmkv_cache_key {
            ws: self.ws,
            method: m.as_ptr(),
            path: p.as_ptr(),
            content_version: self.content_version,
            line: self.line,
            character: self.character,
            params_hash: self.params_hash,
        };
        Ok(CKey { c, _m: m, _p: p })
    }
}

/// xxh3_64 of the params JSON normalised (sorted keys, compact), so equal
/// JSON objects hash equal. LMKV_EPARSE (with the byte offset) if not JSON.
pub fn params_hash(json: &str) -> Result<u64> {
    let mut h = 0;
    // SAFETY: valid out pointer; json readable.
    check(unsafe { sys::lmkv_cache_params_hash(&mut h, json.as_ptr() as *const _, json.len()) })?;
    Ok(h)
}

/// An LSP cache on a store (lmkv_cache_open). `Send + Sync`.
pub struct Cache {
    ptr: *mut sys::lmkv_cache,
    _store: Arc<StoreInner>,
}

// SAFETY: every lmkv_cache function but close is thread-safe; close runs
// in Drop, when no other reference exists.
unsafe impl Send for Cache {}
// SAFETY: as above.
unsafe impl Sync for Cache {}

impl Drop for Cache {
    fn drop(&mut self) {
        // SAFETY: our own handle, last user. The flush result is lost with
        // the handle (access data only, never an entry): call close() to see it.
        unsafe { sys::lmkv_cache_close(self.ptr) };
    }
}

impl Cache {
    /// Opens a cache (`cfg` None = defaults: unlimited, 10 MiB entries,
    /// flush every 256 reads / 1000 ms).
    pub fn open(store: &Store, cfg: Option<&CacheConfig>) -> Result<Cache> {
        let mut out = ptr::null_mut();
        // SAFETY: valid out pointer; cfg copied.
        check(unsafe { sys::lmkv_cache_open(&mut out, store.inner.ptr, cfg.map_or(ptr::null(), |c| c as *const _)) })?;
        Ok(Cache { ptr: out, _store: store.inner.clone() })
    }
    /// Flushes buffered access data and counters and closes, returning the
    /// flush's result.
    pub fn close(mut self) -> Result<()> {
        let p = std::mem::replace(&mut self.ptr, ptr::null_mut());
        // SAFETY: our own handle; Drop then closes NULL (a no-op).
        check(unsafe { sys::lmkv_cache_close(p) })
    }
    /// The C handle (borrowed).
    pub fn as_raw(&self) -> *mut sys::lmkv_cache {
        self.ptr
    }
    /// Stores a response (replacing the same key); evicts LRU entries to
    /// stay in the budget. Errors: LMKV_ETOOBIG (over max_entry_bytes or
    /// the budget; nothing stored), kv write errors.
    pub fn put(
        &self,
        key: &CacheKey,
        response: &[u8],
        response_type: Option<&str>,
        params_json: Option<&str>,
        response_time_ms: u32,
    ) -> Result<()> {
        let k = key.to_c()?;
        let t = opt_cstring("response type", response_type)?;
        let pj = opt_cstring("params json", params_json)?;
        // SAFETY: all pointers valid for the call.
        check(unsafe {
            sys::lmkv_cache_put(
                self.ptr,
                &k.c,
                response.as_ptr() as *const c_void,
                response.len(),
                opt_ptr(&t),
                opt_ptr(&pj),
                response_time_ms,
            )
        })
    }
    /// Looks up a response: a copy on a hit (access and hit counted),
    /// None on a miss (miss counted).
    pub fn get(&self, key: &CacheKey) -> Result<Option<Vec<u8>>> {
        let k = key.to_c()?;
        let (mut buf, mut len) = (ptr::null_mut::<c_void>(), 0usize);
        // SAFETY: valid out pointers.
        match unsafe { sys::lmkv_cache_get(&mut buf, &mut len, self.ptr, &k.c) } {
            sys::LMKV_OK => {
                // SAFETY: len bytes malloc'ed by lmkv; copied, then freed.
                let v = if len == 0 {
                    Vec::new()
                } else {
                    unsafe { std::slice::from_raw_parts(buf as *const u8, len) }.to_vec()
                };
                unsafe { sys::lmkv_free(buf) };
                Ok(Some(v))
            }
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }
    /// Zero-copy lookup of the whole entry inside `txn` (counted as
    /// [`Cache::get`]); the entry borrows the transaction.
    pub fn get_entry<'t>(&self, txn: &'t ReadTxn, key: &CacheKey) -> Result<Option<CacheEntry<'t>>> {
        let k = key.to_c()?;
        let mut out: sys::lmkv_cache_entry = unsafe { std::mem::zeroed() };
        // SAFETY: valid out struct, txn and key.
        match unsafe { sys::lmkv_cache_get_entry(&mut out, self.ptr, txn.as_raw(), &k.c) } {
            // SAFETY: the entry points into txn's snapshot ('t).
            sys::LMKV_OK => Ok(Some(unsafe { CacheEntry::from_raw(out) })),
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }
    /// Deletes every entry of (ws, path) whose content version is not
    /// `keep_version` (0: all of the path); returns how many.
    pub fn invalidate(&self, ws: u64, path: &str, keep_version: u64) -> Result<usize> {
        let p = cstring("path", path)?;
        let mut n = 0;
        // SAFETY: valid pointers.
        check(unsafe { sys::lmkv_cache_invalidate(&mut n, self.ptr, ws, p.as_ptr(), keep_version) })?;
        Ok(n)
    }
    /// Deletes every entry of a workspace (0: all); counters stay.
    pub fn clear(&self, ws: u64) -> Result<usize> {
        let mut n = 0;
        // SAFETY: valid pointers.
        check(unsafe { sys::lmkv_cache_clear(&mut n, self.ptr, ws) })?;
        Ok(n)
    }
    /// Evicts LRU entries until the total is at most `target_bytes`.
    pub fn evict(&self, target_bytes: u64) -> Result<usize> {
        let mut n = 0;
        // SAFETY: valid pointers.
        check(unsafe { sys::lmkv_cache_evict(&mut n, self.ptr, target_bytes) })?;
        Ok(n)
    }
    /// Total bytes of stored entries, as counted for the budget.
    pub fn bytes(&self) -> Result<u64> {
        let mut n = 0;
        // SAFETY: valid pointers.
        check(unsafe { sys::lmkv_cache_bytes(&mut n, self.ptr) })?;
        Ok(n)
    }
    /// Writes buffered access data and counters now.
    pub fn flush(&self) -> Result<()> {
        // SAFETY: our own handle.
        check(unsafe { sys::lmkv_cache_flush(self.ptr) })
    }
    /// Adds to the counters of (ws, method, day).
    pub fn stats_add(&self, ws: u64, method: &str, day: u32, hits: u64, misses: u64) -> Result<()> {
        let m = cstring("method", method)?;
        // SAFETY: valid pointers.
        check(unsafe { sys::lmkv_cache_stats_add(self.ptr, ws, m.as_ptr(), day, hits, misses) })
    }
}
