//! [`Txn`]: LMDB transactions over several trees of one database, with
//! zero-copy reads whose lifetimes the compiler checks.

use crate::db::{call_guarded, map_bound, opt_slice, raw, resume_callback_panic, to_bound, Db, DbInner, Tree};
use crate::error::{check, Error, Result};
use crate::ivec::IVec;
use lmkv_sys as sys;
use std::marker::PhantomData;
use std::ops::RangeBounds;
use std::os::raw::{c_int, c_void};
use std::ptr;
use std::sync::Arc;

/// The error of [`Db::transaction`] (sled's `TransactionError`): the
/// closure's own abort value, or a storage error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionError<E = ()> {
    /// The closure returned `Err(TransactionError::Abort(e))`: nothing was written.
    Abort(E),
    /// lmkv failed (in the closure's calls, or at commit): nothing was written.
    Storage(Error),
}

impl<E> From<Error> for TransactionError<E> {
    fn from(e: Error) -> Self {
        TransactionError::Storage(e)
    }
}

impl<E: std::fmt::Debug> std::fmt::Display for TransactionError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransactionError::Abort(e) => write!(f, "transaction aborted: {e:?}"),
            TransactionError::Storage(e) => write!(f, "transaction failed: {e}"),
        }
    }
}

impl<E: std::fmt::Debug> std::error::Error for TransactionError<E> {}

/// An LMDB transaction over any trees of one database: serializable; a write
/// transaction sees its own writes; nothing is written unless it commits.
///
/// Borrowed reads: [`Txn::get`] and [`TxnIter::next_ref`] return slices
/// pointing into the database map (or the transaction's dirty pages). lmkv
/// keeps them valid until the transaction writes, is reset, or ends
/// (kv/lmkv_kv.h lmkv_txn_get). Here they borrow `&self`, and every write,
/// `reset`, `commit` and `abort` takes `&mut self` or `self`, so the compiler
/// rejects any use of a slice after any of those. Copy what must outlive them.
///
/// Neither `Send` nor `Sync`: a write transaction holds LMDB's writer mutex,
/// which belongs to the thread that took it, and lmkv refuses a second write
/// transaction on the same thread (`Busy`); tree writes from that thread
/// must go through the transaction. Keep a transaction on one thread and do
/// not hold it across an `.await`.
///
/// A write transaction blocks other writers (threads and processes) until
/// it ends; readers never wait. Dropping an uncommitted transaction aborts it.
///
/// The compiler enforces the lifetimes (these examples must not compile):
///
/// A borrowed value cannot be used after a write in the same transaction:
/// ```compile_fail,E0502
/// # fn f(db: &lmkv::Db, t: &lmkv::Tree) -> lmkv::Result<()> {
/// let mut tx = db.begin_write()?;
/// let v = tx.get(t, b"k")?;
/// tx.insert(t, b"k", b"new")?;
/// println!("{v:?}");
/// # Ok(()) }
/// ```
/// nor after the transaction ends:
/// ```compile_fail,E0505
/// # fn f(db: &lmkv::Db, t: &lmkv::Tree) -> lmkv::Result<()> {
/// let tx = db.begin_read()?;
/// let v = tx.get(t, b"k")?;
/// tx.commit()?;
/// println!("{v:?}");
/// # Ok(()) }
/// ```
/// and a transaction cannot be sent to another thread:
/// ```compile_fail,E0277
/// # fn f(db: &lmkv::Db) -> lmkv::Result<()> {
/// let tx = db.begin_read()?;
/// std::thread::spawn(move || drop(tx));
/// # Ok(()) }
/// ```
pub struct Txn {
    ptr: *mut sys::lmkv_txn,
    db: Arc<DbInner>,
    owned: bool,
    _not_send: PhantomData<*const ()>,
}

impl Db {
    fn begin(&self, flags: u32) -> Result<Txn> {
        let mut t = ptr::null_mut();
        // SAFETY: valid db handle.
        check(unsafe { sys::lmkv_txn_begin(&mut t, self.inner.ptr, flags) })?;
        Ok(Txn { ptr: t, db: self.inner.clone(), owned: true, _not_send: PhantomData })
    }

    /// Begins a read-only transaction: a snapshot of every tree.
    pub fn begin_read(&self) -> Result<Txn> {
        self.begin(sys::LMKV_TXN_READ_ONLY)
    }

    /// Begins a write transaction (waits for other writers). Open every tree
    /// it uses before: creating a tree needs its own write transaction.
    pub fn begin_write(&self) -> Result<Txn> {
        self.begin(0)
    }

    /// sled `Tree::transaction` over several trees (`trees` must belong to
    /// this database): runs `f` in a write transaction and commits if it
    /// returns `Ok`. `f` may run more than once (only when the map must
    /// grow), so it must not have effects outside the transaction. A panic in
    /// `f` aborts the transaction and resumes in the caller.
    pub fn transaction<R, E, F>(&self, trees: &[&Tree], mut f: F) -> std::result::Result<R, TransactionError<E>>
    where
        F: FnMut(&mut Txn) -> std::result::Result<R, TransactionError<E>>,
    {
        for t in trees {
            if !t.same_db(&self.inner) {
                return Err(TransactionError::Storage(Error::new(
                    sys::LMKV_EINVAL,
                    format!("transaction: tree {:?} belongs to another database", t.name()),
                )));
            }
        }
        struct Ctx<'a, R, E> {
            f: &'a mut dyn FnMut(&mut Txn) -> std::result::Result<R, TransactionError<E>>,
            db: Arc<DbInner>,
            result: Option<std::result::Result<R, TransactionError<E>>>,
        }
        unsafe extern "C" fn tramp<R, E>(ctx: *mut c_void, txn: *mut sys::lmkv_txn) -> c_int {
            call_guarded(|| {
                // SAFETY: ctx is the Ctx on transaction()'s stack for the call.
                let c = &mut *(ctx as *mut Ctx<'_, R, E>);
                let mut t = Txn { ptr: txn, db: c.db.clone(), owned: false, _not_send: PhantomData };
                let r = (c.f)(&mut t);
                let rc = match &r {
                    Ok(_) => sys::LMKV_OK,
                    Err(TransactionError::Abort(_)) => sys::LMKV_ECONFLICT,
                    Err(TransactionError::Storage(e)) => e.code(),
                };
                c.result = Some(r);
                rc
            })
        }
        let ptrs: Vec<*mut sys::lmkv_tree> = trees.iter().map(|t| t.inner.ptr).collect();
        let mut ctx = Ctx::<R, E> { f: &mut f, db: self.inner.clone(), result: None };
        // SAFETY: ctx outlives the call; tree handles are live (borrowed).
        let rc = unsafe {
            sys::lmkv_db_transaction(
                self.inner.ptr,
                ptrs.as_ptr(),
                ptrs.len(),
                Some(tramp::<R, E>),
                &mut ctx as *mut Ctx<'_, R, E> as *mut c_void,
            )
        };
        resume_callback_panic();
        let result = ctx.result.take();
        match (rc, result) {
            (sys::LMKV_OK, Some(Ok(r))) => Ok(r),
            (sys::LMKV_OK, _) => Err(TransactionError::Storage(Error::new(
                sys::LMKV_EINVAL,
                "transaction: committed without running the closure",
            ))),
            (_, Some(Err(e))) => Err(e),
            (rc, _) => Err(TransactionError::Storage(Error::from_code(rc))),
        }
    }
}

impl Txn {
    fn check_tree(&self, tree: &Tree) -> Result<()> {
        if tree.same_db(&self.db) {
            Ok(())
        } else {
            Err(Error::new(sys::LMKV_EINVAL, format!("txn: tree {:?} belongs to another database", tree.name())))
        }
    }

    /// Whether this is a read-only transaction.
    pub fn is_read_only(&self) -> bool {
        // SAFETY: live txn.
        unsafe { sys::lmkv_txn_is_read_only(self.ptr) != 0 }
    }

    /// The value of `key` in `tree`, zero-copy: borrowed from the map until
    /// this transaction writes, is reset or ends (enforced by the borrow of
    /// `&self`). Sees the transaction's own writes.
    pub fn get<'t>(&'t self, tree: &Tree, key: impl AsRef<[u8]>) -> Result<Option<&'t [u8]>> {
        self.check_tree(tree)?;
        let (kp, kn) = raw(key.as_ref());
        let mut pair = sys::lmkv_pair::null();
        // SAFETY: live txn and tree of the same db.
        match unsafe { sys::lmkv_txn_get(&mut pair, self.ptr, tree.inner.ptr, kp, kn) } {
            // SAFETY: valid until the txn writes/resets/ends: tied to &'t self.
            sys::LMKV_OK => Ok(Some(unsafe { opt_slice(pair.value, pair.value_size) }.unwrap_or(&[]))),
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// Inserts in a write transaction (no-op if the value is already stored).
    pub fn insert(&mut self, tree: &Tree, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        self.check_tree(tree)?;
        let ((kp, kn), (vp, vn)) = (raw(key.as_ref()), raw(value.as_ref()));
        // SAFETY: live txn and tree of the same db.
        check(unsafe { sys::lmkv_txn_insert(self.ptr, tree.inner.ptr, kp, kn, vp, vn) })
    }

    /// Sorted bulk load (LMDB MDB_APPEND): `key` must be greater than every
    /// key in the tree (else `InvalidArgument`); no event is sent.
    pub fn append(&mut self, tree: &Tree, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        self.check_tree(tree)?;
        let ((kp, kn), (vp, vn)) = (raw(key.as_ref()), raw(value.as_ref()));
        // SAFETY: live txn and tree of the same db.
        check(unsafe { sys::lmkv_txn_insert_ex(self.ptr, tree.inner.ptr, kp, kn, vp, vn, sys::LMKV_INSERT_APPEND) })
    }

    /// Removes in a write transaction: true if the key existed.
    pub fn remove(&mut self, tree: &Tree, key: impl AsRef<[u8]>) -> Result<bool> {
        self.check_tree(tree)?;
        let (kp, kn) = raw(key.as_ref());
        // SAFETY: live txn and tree of the same db.
        match unsafe { sys::lmkv_txn_remove(self.ptr, tree.inner.ptr, kp, kn) } {
            sys::LMKV_OK => Ok(true),
            sys::LMKV_NOTFOUND => Ok(false),
            rc => Err(Error::from_code(rc)),
        }
    }

    fn make_iter(&self, rc: c_int, it: *mut sys::lmkv_iter) -> Result<TxnIter<'_>> {
        check(rc)?;
        Ok(TxnIter { ptr: it, done: false, _txn: PhantomData })
    }

    /// All entries of `tree` in the transaction's view (its own writes included).
    pub fn iter(&self, tree: &Tree) -> Result<TxnIter<'_>> {
        self.check_tree(tree)?;
        let mut it = ptr::null_mut();
        // SAFETY: live txn and tree; the iterator cannot outlive &self.
        let rc = unsafe { sys::lmkv_txn_iter(&mut it, self.ptr, tree.inner.ptr) };
        self.make_iter(rc, it)
    }

    /// A key range of `tree` (sled has no range reads in transactions; lmkv does).
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, tree: &Tree, range: R) -> Result<TxnIter<'_>> {
        self.check_tree(tree)?;
        let (s, e) = (to_bound(map_bound(range.start_bound())), to_bound(map_bound(range.end_bound())));
        let mut it = ptr::null_mut();
        // SAFETY: as iter; bounds alive for the call.
        let rc = unsafe { sys::lmkv_txn_range(&mut it, self.ptr, tree.inner.ptr, &s, &e) };
        self.make_iter(rc, it)
    }

    /// Keys of `tree` starting with `prefix`.
    pub fn scan_prefix(&self, tree: &Tree, prefix: impl AsRef<[u8]>) -> Result<TxnIter<'_>> {
        self.check_tree(tree)?;
        let (pp, pn) = raw(prefix.as_ref());
        let mut it = ptr::null_mut();
        // SAFETY: as iter.
        let rc = unsafe { sys::lmkv_txn_scan_prefix(&mut it, self.ptr, tree.inner.ptr, pp, pn) };
        self.make_iter(rc, it)
    }

    /// Read transactions: release the snapshot (the object is kept); borrowed
    /// slices end here (`&mut self`). [`Txn::renew`] takes a fresh snapshot.
    pub fn reset(&mut self) -> Result<()> {
        // SAFETY: live txn.
        check(unsafe { sys::lmkv_txn_reset(self.ptr) })
    }

    /// Read transactions: a fresh snapshot after [`Txn::reset`].
    pub fn renew(&mut self) -> Result<()> {
        // SAFETY: live txn.
        check(unsafe { sys::lmkv_txn_renew(self.ptr) })
    }

    /// Commits. A transaction one of whose calls failed (other than "not
    /// found") is poisoned: it is aborted and `BadTransaction` returned.
    /// Subscribers get the events after commit.
    pub fn commit(mut self) -> Result<()> {
        assert!(self.owned, "commit of a transaction owned by Db::transaction");
        let p = std::mem::replace(&mut self.ptr, ptr::null_mut());
        // SAFETY: commit frees the txn (also on error); not touched again.
        check(unsafe { sys::lmkv_txn_commit(p) })
    }

    /// Aborts: nothing is written (as dropping the transaction).
    pub fn abort(self) {}
}

impl Drop for Txn {
    fn drop(&mut self) {
        if self.owned && !self.ptr.is_null() {
            // SAFETY: aborted once.
            unsafe { sys::lmkv_txn_abort(self.ptr) }
        }
    }
}

/// An iterator inside a [`Txn`]: a view that includes the transaction's own
/// writes. It borrows the transaction, so the transaction cannot write or
/// end while it lives.
///
/// [`TxnIter::next_ref`] returns zero-copy slices valid until the iterator
/// moves (enforced by the `&mut self` borrow); the `Iterator` impl copies.
///
/// ```compile_fail,E0499
/// # fn f(db: &lmkv::Db, t: &lmkv::Tree) -> lmkv::Result<()> {
/// let tx = db.begin_read()?;
/// let mut it = tx.iter(t)?;
/// let a = it.next_ref();
/// let b = it.next_ref(); // `a` would dangle: rejected
/// println!("{a:?} {b:?}");
/// # Ok(()) }
/// ```
pub struct TxnIter<'t> {
    ptr: *mut sys::lmkv_iter,
    done: bool,
    _txn: PhantomData<&'t Txn>,
}

impl<'t> TxnIter<'t> {
    fn step(&mut self, back: bool) -> Option<Result<sys::lmkv_pair>> {
        if self.done {
            return None;
        }
        let mut pair = sys::lmkv_pair::null();
        // SAFETY: live iterator of a live txn.
        let rc = unsafe {
            if back {
                sys::lmkv_iter_next_back(&mut pair, self.ptr)
            } else {
                sys::lmkv_iter_next(&mut pair, self.ptr)
            }
        };
        match rc {
            sys::LMKV_OK => Some(Ok(pair)),
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

    /// The next (key, value), zero-copy: valid until this iterator moves.
    #[allow(clippy::type_complexity)]
    pub fn next_ref(&mut self) -> Option<Result<(&[u8], &[u8])>> {
        self.step(false).map(|r| {
            r.map(|p| {
                // SAFETY: valid until the next call on the iterator (&mut self).
                unsafe {
                    (opt_slice(p.key, p.key_size).unwrap_or(&[]), opt_slice(p.value, p.value_size).unwrap_or(&[]))
                }
            })
        })
    }

    /// The next (key, value) from the back, zero-copy.
    #[allow(clippy::type_complexity)]
    pub fn next_back_ref(&mut self) -> Option<Result<(&[u8], &[u8])>> {
        self.step(true).map(|r| {
            r.map(|p| {
                // SAFETY: as next_ref.
                unsafe {
                    (opt_slice(p.key, p.key_size).unwrap_or(&[]), opt_slice(p.value, p.value_size).unwrap_or(&[]))
                }
            })
        })
    }
}

fn copy_pair(p: sys::lmkv_pair) -> (IVec, IVec) {
    // SAFETY: the pair is valid until the next call; copied now.
    unsafe {
        (
            IVec::from(opt_slice(p.key, p.key_size).unwrap_or(&[])),
            IVec::from(opt_slice(p.value, p.value_size).unwrap_or(&[])),
        )
    }
}

impl Iterator for TxnIter<'_> {
    type Item = Result<(IVec, IVec)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.step(false).map(|r| r.map(copy_pair))
    }
}

impl DoubleEndedIterator for TxnIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.step(true).map(|r| r.map(copy_pair))
    }
}

impl Drop for TxnIter<'_> {
    fn drop(&mut self) {
        // SAFETY: freed once, before the txn ends (it borrows the txn).
        unsafe { sys::lmkv_iter_free(self.ptr) }
    }
}
