//! [`Subscriber`]: sled's `watch_prefix` subscriber over `lmkv_subscriber`.

use crate::db::{take_bytes, Tree};
use crate::error::{Error, Result};
use crate::ivec::IVec;
use lmkv_sys as sys;
use std::os::raw::c_int;
use std::time::Duration;

/// A write seen by a [`Subscriber`] (sled `Event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Insert { key: IVec, value: IVec },
    Remove { key: IVec },
}

impl Event {
    /// The key written.
    pub fn key(&self) -> &IVec {
        match self {
            Event::Insert { key, .. } | Event::Remove { key } => key,
        }
    }
}

/// Receives one [`Event`] per key written in this process to keys with the
/// subscribed prefix (batches and transactions too, after commit; none for
/// no-op writes), in the same per-key order for every subscriber.
///
/// Back-pressure, as sled 0.34: the queue holds 1024 events, and a writer
/// whose event does not fit **blocks** until this subscriber drains one
/// (each [`next`](Iterator::next) / [`next_timeout`](Subscriber::next_timeout)
/// / [`try_next`](Subscriber::try_next) that returns an event frees a slot).
/// No event is lost. Unlike sled the writer waits *after* its LMDB commit,
/// holding no lock, so readers, other processes and writers this subscriber
/// does not watch are not stalled. A transaction or batch queues all its
/// events at commit and waits until its last one fits.
///
/// A blocked writer is released (its write stays committed) when the
/// subscriber is dropped or the tree is dropped ([`Db::drop_tree`](crate::Db::drop_tree); the
/// subscriber keeps its database open, so the C library's release on the
/// last database close cannot be reached from Rust). Deadlock, as in sled: a thread that writes keys it subscribes to
/// without draining the subscriber on another thread blocks itself on the
/// 1025th undrained event. Subscribers made with
/// [`Tree::watch_prefix_nonblocking`](crate::Tree::watch_prefix_nonblocking)
/// never block writers: when full they drop events and report one
/// [`ErrorKind::Limit`](crate::ErrorKind::Limit) error once the queued events
/// are consumed.
///
/// `Send` but not `Sync` (a single-user lmkv object that may move between
/// threads). Iterating blocks until the next event; it ends when the tree is
/// dropped.
pub struct Subscriber {
    ptr: *mut sys::lmkv_subscriber,
    _tree: Tree,
}

// SAFETY: kv/lmkv_kv.h: a subscriber may move between threads, one user at a
// time (&mut self).
unsafe impl Send for Subscriber {}

impl Subscriber {
    pub(crate) fn new(tree: Tree, ptr: *mut sys::lmkv_subscriber) -> Subscriber {
        Subscriber { ptr, _tree: tree }
    }

    fn next_ms(&mut self, ms: c_int) -> Result<Option<Event>> {
        let mut ev = sys::lmkv_event { type_: 0, key: sys::lmkv_bytes::null(), value: sys::lmkv_bytes::null() };
        // SAFETY: live subscriber; the event's buffers are taken over below
        // (so lmkv_event_clear is not needed: IVec frees them).
        match unsafe { sys::lmkv_subscriber_next(&mut ev, self.ptr, ms) } {
            sys::LMKV_OK => {
                let key = unsafe { take_bytes(ev.key) }.unwrap_or_else(|| IVec::from(&[][..]));
                let value = unsafe { take_bytes(ev.value) };
                Ok(Some(match (ev.type_, value) {
                    (sys::LMKV_EVENT_INSERT, v) => {
                        Event::Insert { key, value: v.unwrap_or_else(|| IVec::from(&[][..])) }
                    }
                    (_, _) => Event::Remove { key },
                }))
            }
            sys::LMKV_NOTFOUND => Ok(None),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// The next event, waiting at most `timeout` (`Ok(None)` on timeout).
    pub fn next_timeout(&mut self, timeout: Duration) -> Result<Option<Event>> {
        self.next_ms(timeout.as_millis().min(c_int::MAX as u128) as c_int)
    }

    /// The next event if one is queued, without waiting.
    pub fn try_next(&mut self) -> Result<Option<Event>> {
        self.next_ms(0)
    }
}

impl Iterator for Subscriber {
    type Item = Result<Event>;
    /// Blocks until the next event; `None` once the tree was dropped.
    fn next(&mut self) -> Option<Result<Event>> {
        match self.next_ms(-1) {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => None,
            Err(e) if e.kind() == crate::ErrorKind::TreeDropped => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        // SAFETY: closed once.
        unsafe { sys::lmkv_subscriber_close(self.ptr) }
    }
}
