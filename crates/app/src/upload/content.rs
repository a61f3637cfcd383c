//! Owns what an upload stores once processed: the original (the processed bytes, or the
//! upload's own when processing kept them), addressed by its SHA-256 so the same content shares
//! one blob, and its derivatives, each as a storage key with its bytes and the row that
//! describes it.

use bytes::Bytes;
use vitrine_db::{NewBlob, VariantRecord};
use vitrine_media::{Processed, Variant};
use vitrine_storage::{original_key, variant_key};

use super::fields::sha256_hex;
use super::processing::blocking;
use crate::AppError;

/// The sizes (longest side, or the square's side for the thumbnail) derivatives are made at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    pub thumb: u32,
    pub medium: u32,
}

/// The files of one upload and the rows that describe them.
pub(crate) struct Content {
    pub blob: NewBlob,
    pub variants: Vec<VariantRecord>,
    /// Every file to write, the original first: (storage key, bytes).
    pub files: Vec<(String, Bytes)>,
    /// What the media row takes from processing.
    pub picture: Picture,
}

/// What processing found out about the picture, for the media row.
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    pub width: u32,
    pub height: u32,
    pub animated: bool,
    /// The EXIF summary as JSON.
    pub exif: Option<String>,
    pub thumbhash: String,
    pub phash: u64,
}

/// The files and rows of a processed upload (`bytes`: the upload's own bytes).
pub(crate) async fn content_of(
    processed: Processed,
    bytes: Vec<u8>,
    sizes: Sizes,
) -> Result<Content, AppError> {
    let animated = processed.animated();
    let Processed {
        format,
        width,
        height,
        frames,
        original,
        thumb,
        small,
        medium,
        exif,
        thumbhash,
        phash,
    } = processed;
    // Moved, not copied: originals can be tens of megabytes; hashed off the async threads.
    let (stored, hash, md5) = blocking(move || {
        let stored = Bytes::from(original.unwrap_or(bytes));
        let hash = sha256_hex(&stored);
        let md5 = hex::encode(<md5::Md5 as md5::Digest>::digest(&stored));
        (stored, hash, md5)
    })
    .await?;
    let storage_key = original_key(&hash)?;
    let mut files = vec![(storage_key.clone(), stored.clone())];
    let mut variants = Vec::new();
    let small_height = crate::upload_settings::SMALL_HEIGHT;
    for (v, size) in [
        (Some(thumb), sizes.thumb),
        (small, small_height),
        (medium, sizes.medium),
    ] {
        let Some(v) = v else { continue };
        let (record, data) = prepare_variant(&hash, v, size)?;
        files.push((record.storage_key.clone(), data));
        variants.push(record);
    }
    Ok(Content {
        blob: NewBlob {
            hash,
            size: stored.len() as u64,
            ext: format.extension().to_owned(),
            width,
            height,
            frames,
            storage_key,
            md5,
        },
        variants,
        files,
        picture: Picture {
            width,
            height,
            animated,
            exif: exif.as_ref().and_then(|e| serde_json::to_string(e).ok()),
            thumbhash,
            phash,
        },
    })
}

/// The storage name of a derivative: kind and size, so a size change makes new files.
fn variant_name(v: &Variant, size_setting: u32) -> String {
    format!("{}-{size_setting}", v.kind.as_str())
}

/// The row and the bytes of a derivative of the blob `hash`, made with `size_setting`.
pub(crate) fn prepare_variant(
    hash: &str,
    v: Variant,
    size_setting: u32,
) -> Result<(VariantRecord, Bytes), AppError> {
    let key = variant_key(hash, &variant_name(&v, size_setting), v.format.extension())?;
    let record = VariantRecord {
        name: v.kind.as_str().to_owned(),
        ext: v.format.extension().to_owned(),
        width: v.width,
        height: v.height,
        size: v.bytes.len() as u64,
        storage_key: key,
    };
    Ok((record, Bytes::from(v.bytes)))
}
