//! [`Batch`]: sled's `Batch` over `lmkv_batch`.

use crate::db::raw;
use crate::error::{check, Result};
use lmkv_sys as sys;

/// A list of inserts and removes, applied atomically by
/// [`crate::Tree::apply_batch`]; the last write to a key wins.
///
/// `Send` but not `Sync`: lmkv batches are not thread-safe; writing needs
/// `&mut self`, and applying only reads it.
pub struct Batch {
    pub(crate) ptr: *mut sys::lmkv_batch,
}

// SAFETY: an lmkv_batch is plain memory owned by this value; &mut self
// serialises writes.
unsafe impl Send for Batch {}

impl Batch {
    /// An empty batch. Panics only if memory is exhausted.
    pub fn new() -> Batch {
        let mut p = std::ptr::null_mut();
        // SAFETY: out-parameter.
        let rc = unsafe { sys::lmkv_batch_new(&mut p) };
        assert!(rc == sys::LMKV_OK && !p.is_null(), "lmkv_batch_new failed: {rc}");
        Batch { ptr: p }
    }

    /// Records an insert (sled `Batch::insert`).
    pub fn insert(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        let ((kp, kn), (vp, vn)) = (raw(key.as_ref()), raw(value.as_ref()));
        // SAFETY: live batch; slices copied by lmkv.
        check(unsafe { sys::lmkv_batch_insert(self.ptr, kp, kn, vp, vn) })
    }

    /// Records a remove (sled `Batch::remove`).
    pub fn remove(&mut self, key: impl AsRef<[u8]>) -> Result<()> {
        let (kp, kn) = raw(key.as_ref());
        // SAFETY: live batch; slice copied by lmkv.
        check(unsafe { sys::lmkv_batch_remove(self.ptr, kp, kn) })
    }

    /// Operations recorded (before last-write-wins).
    pub fn len(&self) -> usize {
        // SAFETY: live batch.
        unsafe { sys::lmkv_batch_len(self.ptr) }
    }

    /// No operation recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Batch {
    fn default() -> Self {
        Batch::new()
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // SAFETY: freed once.
        unsafe { sys::lmkv_batch_free(self.ptr) }
    }
}
