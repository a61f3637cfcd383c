//! Owns animated mediums: a smaller copy of an animated GIF or WebP that keeps its animation.
//! Frames are decoded one at a time (composited by the decoder), resized and encoded: GIF to
//! GIF, streaming; WebP to WebP through libwebp, which needs every resized frame at once, so it
//! is made only within a memory budget. This is slow work: the upload queues it as a job.

use std::io::Cursor;

use image::AnimationDecoder;

use crate::decode::Pixels;
use crate::{Format, MediaError, Options, Variant, VariantKind, probe, resize, sniff};

/// Resized frames kept at once for WebP encoding.
const WEBP_FRAME_BUDGET_BYTES: u64 = 256 * 1024 * 1024;

fn err(e: impl std::fmt::Display) -> MediaError {
    MediaError::Processing(e.to_string())
}

/// The animated medium of `bytes`, or `None` when it needs none (still, or small enough) or
/// would not fit the memory budget.
pub fn animated_medium(bytes: &[u8], opts: &Options) -> Result<Option<Variant>, MediaError> {
    let format = sniff(bytes)?;
    let p = probe(bytes, format, &opts.limits)?;
    let long = p.width.max(p.height);
    if p.frames <= 1 || long <= opts.medium_size {
        return Ok(None);
    }
    let dw = ((u64::from(p.width) * u64::from(opts.medium_size) + u64::from(long) / 2)
        / u64::from(long))
    .max(1) as u32;
    let dh = ((u64::from(p.height) * u64::from(opts.medium_size) + u64::from(long) / 2)
        / u64::from(long))
    .max(1) as u32;
    let frames: Box<dyn Iterator<Item = image::ImageResult<image::Frame>>> = match format {
        Format::Gif => Box::new(
            image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
                .map_err(err)?
                .into_frames(),
        ),
        Format::Webp => Box::new(
            image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
                .map_err(err)?
                .into_frames(),
        ),
        _ => return Ok(None),
    };
    let resized = frames.map(|f| {
        let f = f.map_err(|e| MediaError::Corrupt(e.to_string()))?;
        let delay = f.delay();
        let buf = f.into_buffer();
        let (w, h) = (buf.width(), buf.height());
        let src = Pixels {
            data: buf.into_raw(),
            width: w,
            height: h,
            alpha: true,
        };
        let out = resize::resize_region(&src, (0.0, 0.0, f64::from(w), f64::from(h)), dw, dh)?;
        Ok((out.data, delay))
    });
    let (bytes, format) = match format {
        Format::Gif => (encode_gif(resized, dw, dh)?, Format::Gif),
        _ => {
            if u64::from(p.frames) * u64::from(dw) * u64::from(dh) * 4 > WEBP_FRAME_BUDGET_BYTES {
                return Ok(None);
            }
            (encode_webp(resized, dw, dh)?, Format::Webp)
        }
    };
    Ok(Some(Variant {
        kind: VariantKind::Medium,
        format,
        width: dw,
        height: dh,
        bytes,
    }))
}

type FrameResult = Result<(Vec<u8>, image::Delay), MediaError>;

fn encode_gif(
    frames: impl Iterator<Item = FrameResult>,
    w: u32,
    h: u32,
) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    {
        // Speed 10 of 30: a fair palette without NeuQuant's slowest passes.
        let mut enc = image::codecs::gif::GifEncoder::new_with_speed(&mut out, 10);
        enc.set_repeat(image::codecs::gif::Repeat::Infinite)
            .map_err(err)?;
        for f in frames {
            let (data, delay) = f?;
            let img = image::RgbaImage::from_raw(w, h, data)
                .ok_or_else(|| err("frame buffer has the wrong size"))?;
            enc.encode_frame(image::Frame::from_parts(img, 0, 0, delay))
                .map_err(err)?;
        }
    }
    Ok(out)
}

fn encode_webp(
    frames: impl Iterator<Item = FrameResult>,
    w: u32,
    h: u32,
) -> Result<Vec<u8>, MediaError> {
    let mut all = Vec::new();
    let mut t: i32 = 0;
    for f in frames {
        let (data, delay) = f?;
        let (n, d) = delay.numer_denom_ms();
        all.push((data, t));
        t = t.saturating_add((n / d.max(1)) as i32);
    }
    let mut config =
        webp::WebPConfig::new().map_err(|()| err("libwebp could not be configured"))?;
    config.quality = 80.0;
    let mut enc = webp::AnimEncoder::new(w, h, &config);
    enc.set_loop_count(0);
    for (data, ts) in &all {
        enc.add_frame(webp::AnimFrame::from_rgba(data, w, h, *ts));
    }
    let mem = enc.try_encode().map_err(|e| err(format!("{e:?}")))?;
    Ok(mem.to_vec())
}
