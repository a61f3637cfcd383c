//! Blob storage for Vitrine: originals and derivatives under content-addressed keys, written
//! durably and atomically, read whole or by byte range, listed and deleted. Built on
//! object_store so that the local filesystem and S3-compatible stores share one interface.

mod error;
mod keys;
mod store;

pub use error::StorageError;
pub use keys::{original_key, variant_key};
pub use store::{BlobMeta, BlobStore};
