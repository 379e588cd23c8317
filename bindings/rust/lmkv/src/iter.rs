//! [`Iter`]: sled's double-ended tree iterator over `lmkv_iter`.

use crate::db::Tree;
use crate::error::{Error, Result};
use crate::ivec::IVec;
use lmkv_sys as sys;
use std::os::raw::c_int;

/// An iterator over a tree's entries in ascending key order, from both ends
/// (`next` and `next_back` may be mixed; they meet in the middle).
///
/// As sled's, it is not a snapshot: it reads in chunks, each in its own short
/// LMDB read transaction, so a long scan never pins old pages; it never
/// returns a key twice, never goes backwards and never skips a key present
/// for the whole scan (kv/lmkv_kv.h lmkv_tree_iter). Each item is a copy.
///
/// `Send` but not `Sync`: lmkv iterators are single-user objects that may
/// move between threads. It keeps its tree (and so the database) open.
pub struct Iter {
    ptr: *mut sys::lmkv_iter,
    err: Option<Error>,
    done: bool,
    _tree: Tree,
}

// SAFETY: kv/lmkv_kv.h: an lmkv_iter may move between threads (MDB_NOTLS),
// one thread at a time; &mut self methods guarantee the latter.
unsafe impl Send for Iter {}

impl Iter {
    pub(crate) fn new(tree: Tree, ptr: *mut sys::lmkv_iter, rc: c_int) -> Iter {
        if rc == sys::LMKV_OK {
            Iter { ptr, err: None, done: false, _tree: tree }
        } else {
            Iter { ptr: std::ptr::null_mut(), err: Some(Error::from_code(rc)), done: false, _tree: tree }
        }
    }

    fn step(&mut self, back: bool) -> Option<Result<(IVec, IVec)>> {
        if self.done {
            return None;
        }
        if let Some(e) = self.err.take() {
            self.done = true;
            return Some(Err(e));
        }
        let mut pair = sys::lmkv_pair::null();
        // SAFETY: live iterator; the pair is borrowed until the next call,
        // and copied before that.
        let rc = unsafe {
            if back {
                sys::lmkv_iter_next_back(&mut pair, self.ptr)
            } else {
                sys::lmkv_iter_next(&mut pair, self.ptr)
            }
        };
        match rc {
            sys::LMKV_OK => {
                // SAFETY: as above.
                let k = unsafe { crate::db::opt_slice(pair.key, pair.key_size) }.unwrap_or(&[]);
                let v = unsafe { crate::db::opt_slice(pair.value, pair.value_size) }.unwrap_or(&[]);
                Some(Ok((IVec::from(k), IVec::from(v))))
            }
            sys::LMKV_NOTFOUND => {
                self.done = true;
                None
            }
            rc => {
                self.done = true;
                Some(Err(Error::from_code(rc)))
            }
        }
    }

    /// Keys only.
    pub fn keys(self) -> impl DoubleEndedIterator<Item = Result<IVec>> + Send {
        self.map(|r| r.map(|(k, _)| k))
    }

    /// Values only.
    pub fn values(self) -> impl DoubleEndedIterator<Item = Result<IVec>> + Send {
        self.map(|r| r.map(|(_, v)| v))
    }
}

impl Iterator for Iter {
    type Item = Result<(IVec, IVec)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.step(false)
    }
}

impl DoubleEndedIterator for Iter {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.step(true)
    }
}

impl Drop for Iter {
    fn drop(&mut self) {
        // SAFETY: freed once; NULL allowed.
        unsafe { sys::lmkv_iter_free(self.ptr) }
    }
}
