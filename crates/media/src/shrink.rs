//! Owns the "resize the stored image to this width" request of upload clients (the Chevereto
//! `width` parameter): the upload is replaced by an upright, sRGB copy of that width, JPEG for
//! opaque pictures and PNG where transparency must survive. Never enlarges; animated images
//! are left alone (re-encoding every frame is not worth a client's size hint).

use crate::color::ToSrgb;
use crate::decode::decode;
use crate::{Limits, MediaError, metadata, orient, probe, resize, sniff};

/// The upload re-encoded at `width` pixels wide, or `None` when it is already that narrow
/// (or animated) and should be kept as it is.
pub fn shrink_to_width(
    bytes: &[u8],
    width: u32,
    limits: &Limits,
    jpeg_quality: u8,
) -> Result<Option<Vec<u8>>, MediaError> {
    let format = sniff(bytes)?;
    let probe = probe(bytes, format, limits)?;
    if probe.frames > 1 || width == 0 {
        return Ok(None);
    }
    let orientation = metadata::orientation(metadata::read_exif(bytes).as_ref());
    let (w, h) = orient::oriented_dims(probe.width, probe.height, orientation);
    if width >= w {
        return Ok(None);
    }
    let height = ((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w)).max(1);
    let height = u32::try_from(height).map_err(|e| MediaError::Processing(e.to_string()))?;
    // The long edge the decode must keep for the target size (JPEG shrink-on-load).
    let long = if w >= h { width } else { height };
    let decoded = decode(bytes, &probe, limits, long)?;
    let mut pixels = orient::apply(decoded.pixels, orientation);
    if let Some(t) = ToSrgb::from_icc(decoded.icc.as_deref()) {
        t.apply(&mut pixels);
    }
    let (pw, ph) = (f64::from(pixels.width), f64::from(pixels.height));
    let out = resize::resize_region(&pixels, (0.0, 0.0, pw, ph), width, height)?;
    Ok(Some(resize::encode(&out, jpeg_quality)?.0))
}
