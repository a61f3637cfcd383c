//! Owns decoding to 8-bit RGB or RGBA. JPEG uses DCT shrink-on-load: it decodes directly at the
//! smallest 1/8, 1/4, 1/2 or full scale whose long edge still covers `min_long_edge`, which
//! saves most of the decode time and memory of large photos. Other formats use the pure-Rust
//! decoders of the `image` crate, with allocation limits as a second line of defence.

use std::io::Cursor;

use jpeg_decoder::PixelFormat;

use crate::{Format, Limits, MediaError, Probe};

/// Decoded pixels, 3 (RGB) or 4 (RGBA) bytes each, rows top to bottom.
#[derive(Debug, Clone)]
pub(crate) struct Pixels {
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub alpha: bool,
}

/// Decoded pixels and the embedded ICC profile, if any.
pub(crate) struct Decoded {
    pub pixels: Pixels,
    pub icc: Option<Vec<u8>>,
}

impl Pixels {
    pub fn channels(&self) -> usize {
        if self.alpha { 4 } else { 3 }
    }

    /// Drops an alpha channel that is fully opaque, so derivatives can be JPEG.
    fn drop_opaque_alpha(self) -> Pixels {
        if !self.alpha || self.data.chunks_exact(4).any(|p| p[3] != 255) {
            return self;
        }
        let data = self
            .data
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Pixels {
            data,
            alpha: false,
            ..self
        }
    }
}

pub(crate) fn decode(
    bytes: &[u8],
    probe: &Probe,
    limits: &Limits,
    min_long_edge: u32,
) -> Result<Decoded, MediaError> {
    match probe.format {
        Format::Jpeg => decode_jpeg(bytes, probe, limits, min_long_edge),
        other => decode_other(bytes, other, limits),
    }
}

fn decode_jpeg(
    bytes: &[u8],
    probe: &Probe,
    limits: &Limits,
    min_long_edge: u32,
) -> Result<Decoded, MediaError> {
    let corrupt = |e: jpeg_decoder::Error| MediaError::Corrupt(format!("JPEG: {e}"));
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size(
        usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX),
    );
    d.read_info().map_err(corrupt)?;
    let long = probe.width.max(probe.height);
    if long > min_long_edge {
        // Ask for the proportional size; the decoder picks the smallest DCT scale covering it.
        let want_w = (u64::from(probe.width) * u64::from(min_long_edge)).div_ceil(u64::from(long));
        let want_h = (u64::from(probe.height) * u64::from(min_long_edge)).div_ceil(u64::from(long));
        d.scale(want_w.min(65_535) as u16, want_h.min(65_535) as u16)
            .map_err(corrupt)?;
    }
    let raw = d.decode().map_err(corrupt)?;
    let info = d
        .info()
        .ok_or_else(|| MediaError::Corrupt("JPEG has no frame".into()))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let n = width as usize * height as usize;
    let data = match info.pixel_format {
        PixelFormat::RGB24 => raw,
        PixelFormat::L8 => raw.iter().flat_map(|&l| [l, l, l]).collect(),
        PixelFormat::L16 => raw
            .chunks_exact(2)
            .flat_map(|c| [c[0], c[0], c[0]])
            .collect(),
        // The decoder hands out ink amounts (already un-inverted for Adobe files).
        PixelFormat::CMYK32 => raw
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u32::from(p[3]);
                let ch = |c: u8| ((255 - u32::from(c)) * k / 255) as u8;
                [ch(p[0]), ch(p[1]), ch(p[2])]
            })
            .collect(),
    };
    if data.len() < n * 3 {
        return Err(MediaError::Corrupt(
            "JPEG decoded to fewer pixels than declared".into(),
        ));
    }
    // A CMYK profile does not describe our RGB conversion: only RGB profiles are kept.
    let icc = (info.pixel_format != PixelFormat::CMYK32)
        .then(|| d.icc_profile())
        .flatten();
    Ok(Decoded {
        pixels: Pixels {
            data,
            width,
            height,
            alpha: false,
        },
        icc,
    })
}

fn decode_other(bytes: &[u8], format: Format, limits: &Limits) -> Result<Decoded, MediaError> {
    let fmt = match format {
        Format::Png => image::ImageFormat::Png,
        Format::Gif => image::ImageFormat::Gif,
        Format::Webp => image::ImageFormat::WebP,
        Format::Bmp => image::ImageFormat::Bmp,
        Format::Jpeg => image::ImageFormat::Jpeg,
        // Never decoded in this process: `heif::to_png` converts them first.
        Format::Heic | Format::Avif => {
            return Err(MediaError::Unsupported(format!(
                "{} is decoded only by the upload pipeline",
                format.label()
            )));
        }
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut l = image::Limits::default();
    l.max_image_width = u32::try_from(limits.max_side).ok();
    l.max_image_height = u32::try_from(limits.max_side).ok();
    // Room for the RGBA frame plus the decoder's own buffers.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(l);
    let err = |e: image::ImageError| match e {
        image::ImageError::Limits(e) => {
            MediaError::Corrupt(format!("the image exceeds decoding limits: {e}"))
        }
        e => MediaError::Corrupt(e.to_string()),
    };
    let mut decoder = reader.into_decoder().map_err(err)?;
    let icc = image::ImageDecoder::icc_profile(&mut decoder)
        .ok()
        .flatten();
    let img = image::DynamicImage::from_decoder(decoder).map_err(err)?;
    let (width, height) = (img.width(), img.height());
    let pixels = if img.color().has_alpha() {
        Pixels {
            data: img.into_rgba8().into_raw(),
            width,
            height,
            alpha: true,
        }
    } else {
        Pixels {
            data: img.into_rgb8().into_raw(),
            width,
            height,
            alpha: false,
        }
    };
    Ok(Decoded {
        pixels: pixels.drop_opaque_alpha(),
        icc,
    })
}
