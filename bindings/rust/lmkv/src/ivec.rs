//! [`IVec`]: an owned byte string returned by lmkv (sled's `IVec`).
//!
//! A value the C layer hands back through an out-parameter is malloc'd
//! memory the caller owns and frees with `lmkv_free()` (kv/lmkv_kv.h,
//! conventions). `IVec` takes that buffer over without copying and frees it
//! when dropped. Values built on the Rust side are kept in a `Box<[u8]>`.

use lmkv_sys as sys;
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::os::raw::c_void;
use std::ptr::NonNull;

/// An owned, immutable byte string.
///
/// `Send + Sync`: it owns its bytes outright (no reference into the
/// database), and `lmkv_free()` is `free()`, callable from any thread.
pub struct IVec(Repr);

enum Repr {
    Rust(Box<[u8]>),
    C { ptr: NonNull<u8>, len: usize },
}

// SAFETY: see the type's documentation; the C buffer is uniquely owned.
unsafe impl Send for IVec {}
// SAFETY: only shared reads through &IVec.
unsafe impl Sync for IVec {}

impl IVec {
    /// Takes ownership of `len` bytes at `ptr`, allocated by lmkv.
    ///
    /// # Safety
    /// `ptr` is NULL (then `len` must be 0) or was returned by lmkv, must be
    /// freed with `lmkv_free`, holds `len` initialised bytes, and is owned by
    /// no one else.
    pub(crate) unsafe fn from_c(ptr: *mut c_void, len: usize) -> IVec {
        match NonNull::new(ptr as *mut u8) {
            Some(ptr) => IVec(Repr::C { ptr, len }),
            None => IVec(Repr::Rust(Box::new([]))),
        }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Rust(b) => b,
            // SAFETY: from_c's contract: len initialised bytes owned by us.
            Repr::C { ptr, len } => unsafe { std::slice::from_raw_parts(ptr.as_ptr(), *len) },
        }
    }

    /// Copies the bytes into a `Vec`.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}

impl Drop for IVec {
    fn drop(&mut self) {
        if let Repr::C { ptr, .. } = self.0 {
            // SAFETY: from_c's contract: allocated by lmkv, owned by us.
            unsafe { sys::lmkv_free(ptr.as_ptr() as *mut c_void) }
        }
    }
}

impl Deref for IVec {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for IVec {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<[u8]> for IVec {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Clone for IVec {
    fn clone(&self) -> IVec {
        IVec::from(self.as_bytes())
    }
}

impl From<&[u8]> for IVec {
    fn from(b: &[u8]) -> IVec {
        IVec(Repr::Rust(b.into()))
    }
}

impl From<Vec<u8>> for IVec {
    fn from(v: Vec<u8>) -> IVec {
        IVec(Repr::Rust(v.into_boxed_slice()))
    }
}

impl From<&str> for IVec {
    fn from(s: &str) -> IVec {
        IVec::from(s.as_bytes())
    }
}

impl<const N: usize> From<&[u8; N]> for IVec {
    fn from(b: &[u8; N]) -> IVec {
        IVec::from(&b[..])
    }
}

impl From<IVec> for Vec<u8> {
    fn from(v: IVec) -> Vec<u8> {
        v.to_vec()
    }
}

impl PartialEq for IVec {
    fn eq(&self, o: &IVec) -> bool {
        self.as_bytes() == o.as_bytes()
    }
}
impl Eq for IVec {}
impl PartialEq<[u8]> for IVec {
    fn eq(&self, o: &[u8]) -> bool {
        self.as_bytes() == o
    }
}
impl PartialEq<&[u8]> for IVec {
    fn eq(&self, o: &&[u8]) -> bool {
        self.as_bytes() == *o
    }
}
impl<const N: usize> PartialEq<&[u8; N]> for IVec {
    fn eq(&self, o: &&[u8; N]) -> bool {
        self.as_bytes() == &o[..]
    }
}
impl<const N: usize> PartialEq<[u8; N]> for IVec {
    fn eq(&self, o: &[u8; N]) -> bool {
        self.as_bytes() == &o[..]
    }
}
impl PartialEq<Vec<u8>> for IVec {
    fn eq(&self, o: &Vec<u8>) -> bool {
        self.as_bytes() == o.as_slice()
    }
}
impl PartialOrd for IVec {
    fn partial_cmp(&self, o: &IVec) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for IVec {
    fn cmp(&self, o: &IVec) -> std::cmp::Ordering {
        self.as_bytes().cmp(o.as_bytes())
    }
}
impl std::hash::Hash for IVec {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_bytes().hash(h)
    }
}

impl fmt::Debug for IVec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(self.as_bytes()) {
            Ok(s) if s.chars().all(|c| !c.is_control()) => write!(f, "{s:?}"),
            _ => {
                for b in self.as_bytes() {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}
