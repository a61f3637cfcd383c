//! Synchronous media work for Vitrine: sniff by magic bytes, probe headers, enforce limits
//! before decoding, decode (JPEG with DCT shrink-on-load), orient, resize, encode derivatives,
//! read a privacy-safe EXIF summary, strip metadata losslessly, and compute thumbhash and a
//! perceptual hash. No async runtime here: callers run it on blocking threads. HEIC and AVIF are
//! decoded by libheif in a child process with a deadline, never in this process.

mod animate;
mod child;
mod color;
mod decode;
mod error;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod format;
#[doc(hidden)]
pub mod fuzzing;
mod hashes;
mod heif;
mod metadata;
mod orient;
mod pipeline;
mod probe;
mod resize;
mod shrink;
pub mod synth;
mod tools;

pub use animate::animated_medium;
pub use error::MediaError;
pub use format::{Format, sniff};
pub use heif::convert_heif;
pub use metadata::{ExifSummary, MetadataPolicy};
pub use pipeline::{Options, Processed, Variant, VariantKind, process};
pub use probe::{Limits, Probe, probe};
pub use shrink::shrink_to_width;
pub use tools::Tools;
#[cfg(test)]
mod tests;
