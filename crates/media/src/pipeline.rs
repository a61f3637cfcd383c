//! Owns the whole ingest of one image, in order: sniff, probe and check limits (no pixels
//! decoded yet), read EXIF, decode once (shrink-on-load), make the medium and the square thumb
//! from that one decode, orient them, fingerprint, encode, and strip the original's metadata.

use serde::{Deserialize, Serialize};

use crate::color::ToSrgb;
use crate::decode::{Pixels, decode};
use crate::metadata::{self, ExifSummary, MetadataPolicy};
use crate::{Format, Limits, MediaError, hashes, orient, probe, resize, sniff};

/// Processing settings (sizes are site settings).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    pub limits: Limits,
    /// Side of the square thumbnail.
    pub thumb_size: u32,
    /// Long edge of the medium size; made only for larger images.
    pub medium_size: u32,
    /// Height of the grid size (aspect kept, width at most twice this); made only for larger
    /// images. Listings show it so tiles keep each image's shape.
    pub small_height: u32,
    pub jpeg_quality: u8,
    pub metadata: MetadataPolicy,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            thumb_size: 320,
            medium_size: 1280,
            small_height: 480,
            jpeg_quality: 85,
            metadata: MetadataPolicy::Strip,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariantKind {
    Thumb,
    Small,
    Medium,
}

impl VariantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VariantKind::Thumb => "thumb",
            VariantKind::Small => "small",
            VariantKind::Medium => "medium",
        }
    }
}

/// An encoded derivative.
#[derive(Debug, Clone)]
pub struct Variant {
    pub kind: VariantKind,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// Everything the upload needs to store.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The stored format (BMP is stored as PNG; HEIC and AVIF never get here: see
    /// [`crate::convert_heif`]).
    pub format: Format,
    /// Displayed size (after EXIF orientation).
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    /// Bytes to store instead of the upload (metadata stripped or converted); `None` keeps
    /// the upload byte for byte.
    pub original: Option<Vec<u8>>,
    pub thumb: Variant,
    /// Fits `small_height` x twice that (upright); none when the image already fits.
    pub small: Option<Variant>,
    pub medium: Option<Variant>,
    pub exif: Option<ExifSummary>,
    pub thumbhash: String,
    pub phash: u64,
}

impl Processed {
    pub fn animated(&self) -> bool {
        self.frames > 1
    }
}

fn variant(kind: VariantKind, p: &Pixels, quality: u8) -> Result<Variant, MediaError> {
    let (bytes, png) = resize::encode(p, quality)?;
    Ok(Variant {
        kind,
        format: if png { Format::Png } else { Format::Jpeg },
        width: p.width,
        height: p.height,
        bytes,
    })
}

pub fn process(bytes: &[u8], opts: &Options) -> Result<Processed, MediaError> {
    let format = sniff(bytes)?;
    let probe = probe(bytes, format, &opts.limits)?;
    let exif = match format {
        Format::Jpeg | Format::Png | Format::Webp => metadata::read_exif(bytes),
        Format::Gif | Format::Bmp | Format::Heic | Format::Avif => None,
    };
    let orientation = metadata::orientation(exif.as_ref());
    let (width, height) = orient::oriented_dims(probe.width, probe.height, orientation);

    // Keep twice the medium size as headroom for a sharp downscale.
    let decoded = decode(
        bytes,
        &probe,
        &opts.limits,
        opts.medium_size.saturating_mul(2),
    )?;
    let pixels = decoded.pixels;
    // Derivatives are upright and in sRGB.
    let srgb = ToSrgb::from_icc(decoded.icc.as_deref());
    let finish = |p: Pixels| {
        let mut p = orient::apply(p, orientation);
        if let Some(t) = &srgb {
            t.apply(&mut p);
        }
        p
    };
    let animated = probe.frames > 1;
    let needs_medium = probe.width.max(probe.height) > opts.medium_size && !animated;
    let medium = needs_medium
        .then(|| resize::fit(&pixels, opts.medium_size))
        .transpose()?;
    let base = medium.as_ref().unwrap_or(&pixels);
    let thumb = finish(resize::square(base, opts.thumb_size)?);
    // The box is upright; the pixels are not yet, so swap it when the orientation turns them.
    let (box_w, box_h) = (opts.small_height.saturating_mul(2), opts.small_height);
    let (box_w, box_h) = if (width, height) == (probe.width, probe.height) {
        (box_w, box_h)
    } else {
        (box_h, box_w)
    };
    let needs_small = width > opts.small_height.saturating_mul(2) || height > opts.small_height;
    let small = (needs_small && opts.small_height > 0)
        .then(|| resize::fit_box(base, box_w, box_h))
        .transpose()?
        .map(|p| variant(VariantKind::Small, &finish(p), opts.jpeg_quality))
        .transpose()?;
    let (thumbhash, phash) = hashes::fingerprints(&finish(resize::fit(base, 100)?))?;
    let medium = medium
        .map(|m| variant(VariantKind::Medium, &finish(m), opts.jpeg_quality))
        .transpose()?;
    let thumb = variant(VariantKind::Thumb, &thumb, opts.jpeg_quality)?;

    let (stored_format, original) = match format {
        Format::Bmp => (Format::Png, Some(resize::encode_png(&pixels)?)),
        f => (f, metadata::strip(bytes, f, exif.as_ref(), opts.metadata)?),
    };
    let summary = exif
        .as_ref()
        .map(metadata::summary)
        .filter(|s| !s.is_empty());
    Ok(Processed {
        format: stored_format,
        width,
        height,
        frames: probe.frames,
        original,
        thumb,
        small,
        medium,
        exif: summary,
        thumbhash,
        phash,
    })
}
