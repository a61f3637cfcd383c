//! Owns the entry points the fuzz targets (`fuzz/`) and their regression test share: each runs
//! one stage on arbitrary bytes under small limits. They must return, never panic, whatever the
//! input; errors are fine.

use crate::{Format, Limits, MetadataPolicy, Options, metadata, probe, process, sniff};

/// Limits small enough that a fuzzer spends its time in parsers, not in decoding big images.
fn small_limits() -> Limits {
    Limits {
        max_pixels: 4_000_000,
        max_side: 4_000,
        max_frames: 50,
    }
}

/// Sniffing and header probing, as the upload path does before anything else.
pub fn sniff_and_probe(bytes: &[u8]) {
    if let Ok(format) = sniff(bytes) {
        let _ = probe(bytes, format, &small_limits());
    }
}

/// The whole pipeline an upload goes through: probe, decode, orient, resize, encode, hashes,
/// EXIF summary and stripping.
pub fn pipeline(bytes: &[u8]) {
    let opts = Options {
        limits: small_limits(),
        thumb_size: 64,
        medium_size: 256,
        small_height: 96,
        ..Options::default()
    };
    let _ = process(bytes, &opts);
}

/// The EXIF reader and the lossless metadata stripper alone (JPEG, PNG and WebP containers).
pub fn exif(bytes: &[u8]) {
    let exif = metadata::read_exif(bytes);
    if let Some(e) = exif.as_ref() {
        let _ = metadata::summary(e);
        let _ = metadata::orientation(Some(e));
    }
    for format in [Format::Jpeg, Format::Png, Format::Webp] {
        for policy in [MetadataPolicy::Strip, MetadataPolicy::KeepExif] {
            let _ = metadata::strip(bytes, format, exif.as_ref(), policy);
        }
    }
}
