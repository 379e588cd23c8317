//! Helpers of the layer wrappers (store, graph, versioning, cache, migrate):
//! C strings, C string reads with a lifetime, and Rust callbacks called
//! from C that must never unwind through C frames.

use crate::error::{Error, Result};
use lmkv_sys as sys;
use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

thread_local! {
    /// A panic caught in a Rust closure run by a C call of these wrappers
    /// (an analyser, a progress or notice callback); re-raised on the same
    /// thread once the C call has returned.
    static PANIC: RefCell<Option<Box<dyn Any + Send>>> = const { RefCell::new(None) };
}

/// Runs a Rust closure called from C: a panic is kept for [`resume`] and
/// becomes `fallback` (an error code the C call stops with).
pub(crate) fn guarded(fallback: c_int, f: impl FnOnce() -> c_int) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(rc) => rc,
        Err(p) => {
            PANIC.with(|s| *s.borrow_mut() = Some(p));
            fallback
        }
    }
}

/// After a C call that ran Rust closures: re-raise their panic, if any.
pub(crate) fn resume() {
    if let Some(p) = PANIC.with(|s| s.borrow_mut().take()) {
        resume_unwind(p);
    }
}

/// A NUL-terminated copy of `s` for the C API; an interior NUL is an
/// `LMKV_EINVAL` error naming the argument (`what`).
pub(crate) fn cstring(what: &str, s: &str) -> Result<CString> {
    CString::new(s).map_err(|e| {
        Error::new(sys::LMKV_EINVAL, format!("{what}: NUL byte at offset {} of {:?}", e.nul_position(), s))
    })
}

/// Optional C string (None = NULL).
pub(crate) fn opt_cstring(what: &str, s: Option<&str>) -> Result<Option<CString>> {
    s.map(|s| cstring(what, s)).transpose()
}

pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// A C string of lmkv as `&str` with the caller's lifetime (None for NULL).
/// Strings lmkv stores are UTF-8; bytes that are not are cut at the first
/// invalid sequence (lmkv's verifier does not check UTF-8).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn opt_str<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    let b = CStr::from_ptr(p).to_bytes();
    Some(match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8_unchecked(&b[..e.valid_up_to()]),
    })
}

/// As [`opt_str`], "" for NULL.
///
/// # Safety
/// As [`opt_str`].
pub(crate) unsafe fn str_or_empty<'a>(p: *const c_char) -> &'a str {
    opt_str(p).unwrap_or("")
}

/// A fixed C char array (NUL-terminated inside) as a String.
pub(crate) fn array_string(a: &[c_char]) -> String {
    let b: Vec<u8> = a.iter().take_while(|c| **c != 0).map(|c| *c as u8).collect();
    String::from_utf8_lossy(&b).into_owned()
}

/// `(pointer, length)` of a string for the C API's (ptr, len) pairs.
pub(crate) fn sized(s: &str) -> (*const c_char, usize) {
    (s.as_ptr() as *const c_char, s.len())
}
