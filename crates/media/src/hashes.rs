//! Owns the small fingerprints made from a decoded image: a thumbhash placeholder (base64)
//! and a 64-bit perceptual hash for near-duplicate detection.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::MediaError;
use crate::decode::Pixels;
use crate::resize;

/// Thumbhash (base64) and perceptual hash of `p`, computed from a copy at most 100 px wide.
pub(crate) fn fingerprints(p: &Pixels) -> Result<(String, u64), MediaError> {
    let small = resize::fit(p, 100)?;
    let rgba: Vec<u8> = if small.alpha {
        small.data.clone()
    } else {
        small
            .data
            .chunks_exact(3)
            .flat_map(|c| [c[0], c[1], c[2], 255])
            .collect()
    };
    let th = thumbhash::rgba_to_thumb_hash(small.width as usize, small.height as usize, &rgba);
    let img = image::RgbaImage::from_raw(small.width, small.height, rgba)
        .ok_or_else(|| MediaError::Processing("thumbnail buffer has the wrong size".into()))?;
    let hasher = image_hasher::HasherConfig::new()
        .hash_size(8, 8)
        .to_hasher();
    let hash = hasher.hash_image(&image::DynamicImage::ImageRgba8(img));
    let phash = hash
        .as_bytes()
        .iter()
        .take(8)
        .fold(0u64, |acc, b| acc << 8 | u64::from(*b));
    Ok((STANDARD.encode(th), phash))
}
