//! Errors: every negative `LMKV_E*` code of the C layer becomes an [`Error`]
//! carrying the code, its [`ErrorKind`] and the C layer's per-thread message
//! (`lmkv_errmsg()`), which is copied at once -- the C message is only valid
//! until the thread's next lmkv call, and an async task may continue on
//! another thread.

use crate::ivec::IVec;
use lmkv_sys as sys;
use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

/// What went wrong, one variant per `LMKV_E*` code of kv/lmkv_kv.h.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    NotFound,
    InvalidArgument,
    OutOfMemory,
    Io,
    Corruption,
    AlreadyExists,
    CompareAndSwap,
    Unsupported,
    /// The tree was dropped (sled's `CollectionNotFound`).
    TreeDropped,
    /// The transaction failed earlier and is poisoned.
    BadTransaction,
    Full,
    Version,
    Busy,
    TooBig,
    Parse,
    Git,
    External,
    ReadOnly,
    /// A transaction was aborted by its closure (sled's `abort`).
    Conflict,
    Collision,
    PermissionDenied,
    Limit,
    /// A code this crate does not know (a newer C library).
    Other,
}

impl ErrorKind {
    /// The kind of a C return code (`code` < 0).
    pub fn from_code(code: c_int) -> ErrorKind {
        match code {
            sys::LMKV_NOTFOUND => ErrorKind::NotFound,
            sys::LMKV_EINVAL => ErrorKind::InvalidArgument,
            sys::LMKV_ENOMEM => ErrorKind::OutOfMemory,
            sys::LMKV_EIO => ErrorKind::Io,
            sys::LMKV_ECORRUPT => ErrorKind::Corruption,
            sys::LMKV_EEXISTS => ErrorKind::AlreadyExists,
            sys::LMKV_ECAS => ErrorKind::CompareAndSwap,
            sys::LMKV_EUNSUPPORTED => ErrorKind::Unsupported,
            sys::LMKV_ETREE => ErrorKind::TreeDropped,
            sys::LMKV_EBADTXN => ErrorKind::BadTransaction,
            sys::LMKV_EFULL => ErrorKind::Full,
            sys::LMKV_EVERSION => ErrorKind::Version,
            sys::LMKV_EBUSY => ErrorKind::Busy,
            sys::LMKV_ETOOBIG => ErrorKind::TooBig,
            sys::LMKV_EPARSE => ErrorKind::Parse,
            sys::LMKV_EGIT => ErrorKind::Git,
            sys::LMKV_EEXTERNAL => ErrorKind::External,
            sys::LMKV_EREADONLY => ErrorKind::ReadOnly,
            sys::LMKV_ECONFLICT => ErrorKind::Conflict,
            sys::LMKV_ECOLLISION => ErrorKind::Collision,
            sys::LMKV_EPERM => ErrorKind::PermissionDenied,
            sys::LMKV_ELIMIT => ErrorKind::Limit,
            _ => ErrorKind::Other,
        }
    }
}

/// An error from lmkv: the C code, and the message that explains it
/// (tree, key, file, byte offset as the C layer wrote them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: c_int,
    message: String,
}

impl Error {
    /// Builds an error from a C return code, copying the calling thread's
    /// `lmkv_errmsg()` (call right after the failing C call, on the same thread).
    pub(crate) fn from_code(code: c_int) -> Error {
        // SAFETY: lmkv_errmsg returns NULL or a NUL-terminated per-thread
        // string valid until this thread's next lmkv call; copied at once.
        let msg = unsafe { cstr_or_empty(sys::lmkv_errmsg()) };
        let message = if msg.is_empty() {
            // SAFETY: lmkv_strerror returns a static string for any code.
            unsafe { cstr_or_empty(sys::lmkv_strerror(code)) }
        } else {
            msg
        };
        Error { code, message }
    }

    /// An error raised by this crate itself (e.g. a NUL in a path).
    pub(crate) fn new(code: c_int, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    /// The C error code (`LMKV_E*`, negative).
    pub fn code(&self) -> c_int {
        self.code
    }
    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.code)
    }
    /// The C layer's message for this error.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: static string for any code.
        let what = unsafe { cstr_or_empty(sys::lmkv_strerror(self.code)) };
        if self.message.is_empty() || self.message == what {
            write!(f, "lmkv error {}: {}", self.code, what)
        } else {
            write!(f, "lmkv error {} ({}): {}", self.code, what, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// For callers that speak `std::io` (a file-system-like API, `?` in a
/// function returning `io::Result`): the kind maps to the nearest
/// `io::ErrorKind`, and the `lmkv::Error` itself is the source, so its code
/// and message are kept (`io_err.get_ref()` downcasts back to it).
impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        use std::io::ErrorKind as K;
        let kind = match e.kind() {
            ErrorKind::NotFound => K::NotFound,
            ErrorKind::InvalidArgument | ErrorKind::TooBig | ErrorKind::Limit => K::InvalidInput,
            ErrorKind::OutOfMemory => K::OutOfMemory,
            ErrorKind::Corruption | ErrorKind::Parse | ErrorKind::Version => K::InvalidData,
            ErrorKind::AlreadyExists | ErrorKind::Collision => K::AlreadyExists,
            ErrorKind::PermissionDenied | ErrorKind::ReadOnly => K::PermissionDenied,
            ErrorKind::Busy => K::WouldBlock,
            ErrorKind::Unsupported => K::Unsupported,
            _ => K::Other,
        };
        std::io::Error::new(kind, e)
    }
}

/// `Result` with lmkv's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// The mismatch of a failed [`crate::Tree::compare_and_swap`], as sled 0.34's
/// `CompareAndSwapError`: the value found, and the value that was proposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareAndSwapError {
    /// The value stored when the swap was tried (`None`: absent).
    pub current: Option<IVec>,
    /// The new value the caller proposed (`None`: a removal).
    pub proposed: Option<IVec>,
}

impl fmt::Display for CompareAndSwapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "compare and swap conflict")
    }
}

impl std::error::Error for CompareAndSwapError {}

/// Copies a C string (NULL gives "").
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string.
pub(crate) unsafe fn cstr_or_empty(p: *const std::os::raw::c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Turns a C return code into a `Result`.
pub(crate) fn check(rc: c_int) -> Result<()> {
    if rc == sys::LMKV_OK {
        Ok(())
    } else {
        Err(Error::from_code(rc))
    }
}
