//! Blob storage for Vitrine: originals and derivatives under content-addressed keys, written
//! durably and atomically, read whole, by byte range or as a stream, listed and deleted. Built
//! on object_store so that the local filesystem and S3-compatible stores share one interface.

mod backing;
mod error;
mod keys;
mod store;

pub use backing::{Delivery, DirectUrl, S3Settings};
pub use error::StorageError;
pub use keys::{original_key, variant_key};
pub use store::{BlobMeta, BlobStore};
