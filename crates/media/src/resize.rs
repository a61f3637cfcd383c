//! Owns resizing (fast_image_resize: SIMD convolution, alpha-aware) and encoding derivatives:
//! JPEG for opaque images, PNG where transparency must survive. Derivatives carry no metadata.

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::MediaError;
use crate::decode::Pixels;

fn err(e: impl std::fmt::Display) -> MediaError {
    MediaError::Processing(e.to_string())
}

/// Resizes the region (`left`, `top`, `cw`, `ch`) of `src` to `dw` x `dh`.
pub(crate) fn resize_region(
    src: &Pixels,
    region: (f64, f64, f64, f64),
    dw: u32,
    dh: u32,
) -> Result<Pixels, MediaError> {
    let kind = if src.alpha {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let view = fast_image_resize::images::ImageRef::new(src.width, src.height, &src.data, kind)
        .map_err(err)?;
    let mut dst = Image::new(dw.max(1), dh.max(1), kind);
    let (left, top, cw, ch) = region;
    let opts = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(left, top, cw, ch);
    Resizer::new().resize(&view, &mut dst, &opts).map_err(err)?;
    Ok(Pixels {
        data: dst.into_vec(),
        width: dw.max(1),
        height: dh.max(1),
        alpha: src.alpha,
    })
}

/// Fits the whole image within `max` x `max`, keeping the aspect ratio.
pub(crate) fn fit(src: &Pixels, max: u32) -> Result<Pixels, MediaError> {
    let (w, h) = (src.width, src.height);
    let long = w.max(h);
    if long <= max {
        return Ok(src.clone());
    }
    let dw =
        ((u64::from(w) * u64::from(max) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    let dh =
        ((u64::from(h) * u64::from(max) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    resize_region(src, (0.0, 0.0, f64::from(w), f64::from(h)), dw, dh)
}

/// Scales `src` down to fit inside `max_w` x `max_h` (never up), keeping its aspect ratio.
pub(crate) fn fit_box(src: &Pixels, max_w: u32, max_h: u32) -> Result<Pixels, MediaError> {
    let (w, h) = (f64::from(src.width), f64::from(src.height));
    let scale = (f64::from(max_w) / w).min(f64::from(max_h) / h);
    if scale >= 1.0 {
        return Ok(src.clone());
    }
    let dw = ((w * scale).round() as u32).max(1);
    let dh = ((h * scale).round() as u32).max(1);
    resize_region(src, (0.0, 0.0, w, h), dw, dh)
}

/// A centred square crop scaled to `size` (never enlarged beyond the short side).
pub(crate) fn square(src: &Pixels, size: u32) -> Result<Pixels, MediaError> {
    let side = src.width.min(src.height);
    let left = f64::from(src.width - side) / 2.0;
    let top = f64::from(src.height - side) / 2.0;
    let out = size.min(side);
    resize_region(src, (left, top, f64::from(side), f64::from(side)), out, out)
}

/// Encodes as JPEG (opaque) or PNG (with alpha). Returns the bytes and whether it is PNG.
pub(crate) fn encode(p: &Pixels, jpeg_quality: u8) -> Result<(Vec<u8>, bool), MediaError> {
    if p.alpha {
        let mut out = Vec::new();
        let enc = image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Adaptive,
        );
        image::ImageEncoder::write_image(
            enc,
            &p.data,
            p.width,
            p.height,
            image::ExtendedColorType::Rgba8,
        )
        .map_err(err)?;
        return Ok((out, true));
    }
    let mut out = Vec::with_capacity(p.data.len() / 8);
    let w = u16::try_from(p.width).map_err(err)?;
    let h = u16::try_from(p.height).map_err(err)?;
    let enc = jpeg_encoder::Encoder::new(&mut out, jpeg_quality);
    enc.encode(&p.data, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(err)?;
    Ok((out, false))
}

/// Encodes full-size pixels as PNG (BMP originals are stored this way).
pub(crate) fn encode_png(p: &Pixels) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Default,
        image::codecs::png::FilterType::Adaptive,
    );
    let color = if p.alpha {
        image::ExtendedColorType::Rgba8
    } else {
        image::ExtendedColorType::Rgb8
    };
    image::ImageEncoder::write_image(enc, &p.data, p.width, p.height, color).map_err(err)?;
    Ok(out)
}
