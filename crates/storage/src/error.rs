//! Owns the storage error. "No space left" is its own variant: the server answers 507 for it.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("blob {0} not found")]
    NotFound(String),
    #[error("no space left on the storage device")]
    NoSpace,
    #[error("invalid blob key {0:?}")]
    InvalidKey(String),
    #[error("storage error: {0}")]
    Backend(String),
    /// The store could not be reached, did not answer in time, or answered with server
    /// errors, after the retries: a passing condition, unlike a refusal or a bug.
    #[error("the object store is unavailable: {0}")]
    Unavailable(String),
    /// The store's settings are unusable (named in the message).
    #[error("storage settings: {0}")]
    Config(String),
}

impl From<object_store::Error> for StorageError {
    fn from(err: object_store::Error) -> Self {
        if let object_store::Error::NotFound { path, .. } = &err {
            return StorageError::NotFound(path.clone());
        }
        if is_no_space(&err) {
            return StorageError::NoSpace;
        }
        if is_unreachable(&err) {
            return StorageError::Unavailable(err.to_string());
        }
        StorageError::Backend(err.to_string())
    }
}

impl From<std::io::Error> for StorageError {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::StorageFull || err.raw_os_error() == Some(28) {
            return StorageError::NoSpace;
        }
        StorageError::Backend(err.to_string())
    }
}

/// Whether the store could not be reached, did not answer, or kept failing on its side (a 5xx
/// after the retries): a connection refused, reset or timed out anywhere in the chain of
/// causes. The HTTP client's and the retry loop's errors are private types, known only by
/// their text.
fn is_unreachable(err: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind as K;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                K::ConnectionRefused
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::NotConnected
                    | K::BrokenPipe
                    | K::TimedOut
                    | K::UnexpectedEof
            )
        {
            return true;
        }
        let text = e.to_string().to_ascii_lowercase();
        if [
            "timed out",
            "error sending request",
            "connection closed",
            "connection reset",
            // object_store's retry error for a server error status (500-599).
            "non-2xx status code: 5",
        ]
        .iter()
        .any(|t| text.contains(t))
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Whether ENOSPC is anywhere in the error's chain of causes.
fn is_no_space(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && (io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28))
        {
            return true;
        }
        cur = e.source();
    }
    false
}
