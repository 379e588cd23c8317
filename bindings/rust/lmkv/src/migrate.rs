//! sled dumps <-> lmkv (migrate/lmkv_migrate.h): [`import`] a sled-dump v1
//! file (plain or gzip) into a database directory, atomically, byte for
//! byte and as typed records (as `lmdb-migrate`); [`export`] a database
//! back to a dump (sled `Db::export`, byte-identical for a canonical dump).
//!
//! Both are plain functions: independent calls may run in parallel on
//! different targets; callbacks run in the calling thread.

use crate::error::{check, Error, Result};
use crate::ffi::{cstring, guarded, resume};
use crate::Db;
use lmkv_sys as sys;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr;
use std::sync::atomic::AtomicI32;

/// What an import did (struct lmkv_migrate_report).
pub type ImportReport = sys::lmkv_migrate_report;

/// A notice of an import: a daemon-tree pair kept raw only, or a merge conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `sys::LMKV_MIGRATE_RAW_ONLY` (1) or `sys::LMKV_MIGRATE_CONFLICT` (2).
    pub kind: i32,
    pub tree: Vec<u8>,
    pub key: Vec<u8>,
    pub why: String,
}

/// Options of [`import`].
#[derive(Default)]
pub struct ImportOptions<'a> {
    /// Raw trees only (LMKV_MIGRATE_NO_TYPED).
    pub no_typed: bool,
    /// Add to a non-empty target, never overwrite (LMKV_MIGRATE_MERGE).
    pub merge: bool,
    /// Parse, decode and report; write nothing.
    pub dry_run: bool,
    /// Reopen the result and compare sled checksums.
    pub verify: bool,
    /// Absolute workspace root for the typed records.
    pub workspace_root: Option<String>,
    /// Pairs per write transaction (0 = 100000).
    pub batch_pairs: u64,
    /// Every notice (in the calling thread).
    pub notice: Option<&'a mut dyn FnMut(Notice)>,
    /// Checked between pairs: non-zero cancels (LMKV_ECONFLICT, target untouched).
    pub cancel: Option<&'a AtomicI32>,
}

unsafe extern "C" fn notice_tramp(
    ctx: *mut c_void,
    kind: c_int,
    tree: *const u8,
    tree_len: usize,
    key: *const u8,
    key_len: usize,
    why: *const c_char,
) {
    let bytes = |p: *const u8, n: usize| {
        if p.is_null() || n == 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts(p, n).to_vec()
        }
    };
    // SAFETY: ctx is the caller's &mut dyn FnMut(Notice); pointers valid for the call.
    let f = &mut *(ctx as *mut &mut dyn FnMut(Notice));
    let n = Notice {
        kind,
        tree: bytes(tree, tree_len),
        key: bytes(key, key_len),
        why: crate::ffi::str_or_empty(why).to_string(),
    };
    guarded(0, || {
        f(n);
        0
    });
}

fn path_c(what: &str, p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::new(sys::LMKV_EINVAL, format!("{what} {p:?}: NUL byte")))
}

/// Imports the sled dump `dump` into the database directory `db_dir`
/// (lmkv_migrate_import; see its header for the typed conversion, the
/// atomic swap and idempotence). On any error the target is untouched.
/// Errors: LMKV_ECORRUPT (damaged dump: message with the byte offset),
/// LMKV_EEXISTS (non-empty different target without merge, or conflicts),
/// LMKV_ECONFLICT (cancelled), LMKV_EIO/EPERM/EFULL, LMKV_EINVAL.
pub fn import(dump: impl AsRef<Path>, db_dir: impl AsRef<Path>, opts: ImportOptions<'_>) -> Result<ImportReport> {
    let d = path_c("dump", dump.as_ref())?;
    let t = path_c("database directory", db_dir.as_ref())?;
    let root = opts.workspace_root.as_deref().map(|r| cstring("workspace root", r)).transpose()?;
    let mut o: sys::lmkv_migrate_options = unsafe { std::mem::zeroed() };
    // SAFETY: valid options struct.
    unsafe { sys::lmkv_migrate_options_init(&mut o) };
    let mut flags = 0;
    if opts.no_typed {
        flags |= sys::LMKV_MIGRATE_NO_TYPED;
    }
    if opts.merge {
        flags |= sys::LMKV_MIGRATE_MERGE;
    }
    if opts.dry_run {
        flags |= sys::LMKV_MIGRATE_DRY_RUN;
    }
    if opts.verify {
        flags |= sys::LMKV_MIGRATE_VERIFY;
    }
    o.flags = flags;
    o.workspace_root = root.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    o.batch_pairs = opts.batch_pairs;
    let mut notice = opts.notice;
    if let Some(f) = notice.as_mut() {
        o.notice = Some(notice_tramp);
        o.notice_ctx = f as *mut &mut dyn FnMut(Notice) as *mut c_void;
    }
    if let Some(c) = opts.cancel {
        // An AtomicI32 has the layout of an int; lmkv reads it as volatile.
        o.cancel = c.as_ptr();
    }
    let mut r: ImportReport = unsafe { std::mem::zeroed() };
    // SAFETY: every pointer valid for the call.
    let rc = unsafe { sys::lmkv_migrate_import(&mut r, d.as_ptr(), t.as_ptr(), &o) };
    let res = check(rc);
    resume();
    res.map(|()| r)
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    pub trees: u64,
    pub pairs: u64,
    /// The file's footer CRC-32.
    pub crc: u32,
}

/// Exports the user trees of `db` (and its id counter) to a sled-dump v1
/// file at `path` (gzip'ed with `gzip`), written beside and renamed into
/// place (lmkv_migrate_export). Errors: LMKV_EIO, LMKV_EFULL, kv errors;
/// `path` untouched.
pub fn export(db: &Db, path: impl AsRef<Path>, gzip: bool) -> Result<ExportReport> {
    let p = path_c("dump", path.as_ref())?;
    let (mut trees, mut pairs, mut crc) = (0u64, 0u64, 0u32);
    let flags = if gzip { sys::LMKV_DUMP_GZIP } else { 0 };
    // SAFETY: valid pointers; the db is open.
    check(unsafe { sys::lmkv_migrate_export(db.as_raw(), p.as_ptr(), flags, &mut trees, &mut pairs, &mut crc) })?;
    Ok(ExportReport { trees, pairs, crc })
}
