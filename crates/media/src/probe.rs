//! Owns header probing and limits: dimensions and frame counts read from headers only (no pixel
//! decoding), checked against the limits before any decoder allocates.

use serde::{Deserialize, Serialize};

use crate::{Format, MediaError};

/// Upload limits, checked before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    pub max_pixels: u64,
    pub max_side: u64,
    pub max_frames: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pixels: 100_000_000,
            max_side: 20_000,
            max_frames: 500,
        }
    }
}

/// What a header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: Format,
    /// As stored (before EXIF orientation).
    pub width: u32,
    pub height: u32,
    pub frames: u32,
}

fn corrupt(what: &str) -> MediaError {
    MediaError::Corrupt(what.to_owned())
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Reads dimensions and frame count from the header and enforces `limits`.
pub fn probe(bytes: &[u8], format: Format, limits: &Limits) -> Result<Probe, MediaError> {
    let (width, height, frames) = match format {
        Format::Jpeg => jpeg(bytes)?,
        Format::Png => png(bytes)?,
        Format::Gif => gif(bytes, limits.max_frames)?,
        Format::Webp => webp(bytes, limits.max_frames)?,
        Format::Bmp => bmp(bytes)?,
        Format::Heic | Format::Avif => {
            let (w, h) = crate::heif::dimensions(bytes)?;
            (w, h, 1)
        }
    };
    if width == 0 || height == 0 {
        return Err(corrupt("the header declares an empty image"));
    }
    let (w, h) = (u64::from(width), u64::from(height));
    if w > limits.max_side || h > limits.max_side {
        return Err(MediaError::SideTooLong {
            width: w,
            height: h,
            max: limits.max_side,
        });
    }
    if w * h > limits.max_pixels {
        return Err(MediaError::TooManyPixels {
            width: w,
            height: h,
            max: limits.max_pixels / 1_000_000,
        });
    }
    if u64::from(frames) > limits.max_frames {
        return Err(MediaError::TooManyFrames {
            frames: u64::from(frames),
            max: limits.max_frames,
        });
    }
    Ok(Probe {
        format,
        width,
        height,
        frames,
    })
}

/// Walks JPEG markers to the first frame header (SOFn).
fn jpeg(b: &[u8]) -> Result<(u32, u32, u32), MediaError> {
    let mut i = 2;
    loop {
        // Skip fill bytes between markers.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (b.get(i), b.get(i + 1)) else {
            return Err(corrupt("JPEG ended before its frame header"));
        };
        i += 2;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(corrupt("JPEG has no frame header")),
            _ => {}
        }
        let len = be16(b, i).ok_or_else(|| corrupt("JPEG segment is cut short"))? as usize;
        if len < 2 {
            return Err(corrupt("JPEG segment length is invalid"));
        }
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof {
            let h = be16(b, i + 3).ok_or_else(|| corrupt("JPEG frame header is cut short"))?;
            let w = be16(b, i + 5).ok_or_else(|| corrupt("JPEG frame header is cut short"))?;
            return Ok((w, h, 1));
        }
        i += len;
    }
}

/// Reads IHDR, and counts APNG frames from acTL when present.
fn png(b: &[u8]) -> Result<(u32, u32, u32), MediaError> {
    if b.get(12..16) != Some(b"IHDR") {
        return Err(corrupt("PNG does not start with IHDR"));
    }
    let w = be32(b, 16).ok_or_else(|| corrupt("PNG header is cut short"))?;
    let h = be32(b, 20).ok_or_else(|| corrupt("PNG header is cut short"))?;
    let mut frames = 1;
    let mut i = 8;
    while let (Some(len), Some(kind)) = (be32(b, i), b.get(i + 4..i + 8)) {
        match kind {
            b"acTL" => {
                frames = be32(b, i + 8).unwrap_or(1).max(1);
                break;
            }
            b"IDAT" | b"IEND" => break,
            _ => i = i.saturating_add(12).saturating_add(len as usize),
        }
    }
    Ok((w, h, frames))
}

/// Reads the logical screen and counts image descriptors without decoding any LZW data;
/// stops counting once past `max_frames`.
fn gif(b: &[u8], max_frames: u64) -> Result<(u32, u32, u32), MediaError> {
    let w = le16(b, 6).ok_or_else(|| corrupt("GIF header is cut short"))?;
    let h = le16(b, 8).ok_or_else(|| corrupt("GIF header is cut short"))?;
    let flags = *b
        .get(10)
        .ok_or_else(|| corrupt("GIF header is cut short"))?;
    let mut i = 13;
    if flags & 0x80 != 0 {
        i += 3 << ((flags & 0x07) + 1);
    }
    let skip_sub_blocks = |mut i: usize| -> Option<usize> {
        loop {
            let n = *b.get(i)? as usize;
            i += 1;
            if n == 0 {
                return Some(i);
            }
            i += n;
        }
    };
    let mut frames: u32 = 0;
    loop {
        match b.get(i) {
            Some(0x3B) | None => break, // trailer, or a truncated tail (the decoder decides)
            Some(0x21) => {
                i = skip_sub_blocks(i + 2).ok_or_else(|| corrupt("GIF extension is cut short"))?;
            }
            Some(0x2C) => {
                frames += 1;
                if u64::from(frames) > max_frames {
                    break;
                }
                let f = *b
                    .get(i + 9)
                    .ok_or_else(|| corrupt("GIF frame is cut short"))?;
                i += 10;
                if f & 0x80 != 0 {
                    i += 3 << ((f & 0x07) + 1);
                }
                i = skip_sub_blocks(i + 1).ok_or_else(|| corrupt("GIF frame data is cut short"))?;
            }
            Some(_) => return Err(corrupt("GIF has an unknown block")),
        }
    }
    if frames == 0 {
        return Err(corrupt("GIF has no image"));
    }
    Ok((w, h, frames))
}

/// Reads VP8/VP8L/VP8X headers; counts ANMF chunks for animations.
fn webp(b: &[u8], max_frames: u64) -> Result<(u32, u32, u32), MediaError> {
    let cut = || corrupt("WebP header is cut short");
    let kind = b.get(12..16).ok_or_else(cut)?;
    match kind {
        b"VP8 " => {
            if b.get(23..26) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(corrupt("WebP VP8 frame tag is invalid"));
            }
            let w = le16(b, 26).ok_or_else(cut)? & 0x3FFF;
            let h = le16(b, 28).ok_or_else(cut)? & 0x3FFF;
            Ok((w, h, 1))
        }
        b"VP8L" => {
            if b.get(20) != Some(&0x2F) {
                return Err(corrupt("WebP lossless signature is invalid"));
            }
            let bits = le32(b, 21).ok_or_else(cut)?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1))
        }
        b"VP8X" => {
            let flags = *b.get(20).ok_or_else(cut)?;
            let w = le24(b, 24).ok_or_else(cut)? + 1;
            let h = le24(b, 27).ok_or_else(cut)? + 1;
            let mut frames: u32 = 1;
            if flags & 0x02 != 0 {
                frames = 0;
                let mut i = 12;
                while let (Some(id), Some(len)) = (b.get(i..i + 4), le32(b, i + 4)) {
                    if id == b"ANMF" {
                        frames += 1;
                        if u64::from(frames) > max_frames {
                            break;
                        }
                    }
                    i = i
                        .saturating_add(8)
                        .saturating_add(len as usize + (len as usize & 1));
                }
                frames = frames.max(1);
            }
            Ok((w, h, frames))
        }
        _ => Err(corrupt("WebP chunk type is unknown")),
    }
}

fn bmp(b: &[u8]) -> Result<(u32, u32, u32), MediaError> {
    let cut = || corrupt("BMP header is cut short");
    let dib = le32(b, 14).ok_or_else(cut)?;
    if dib == 12 {
        return Ok((
            le16(b, 18).ok_or_else(cut)?,
            le16(b, 20).ok_or_else(cut)?,
            1,
        ));
    }
    let w = le32(b, 18).ok_or_else(cut)? as i32;
    let h = le32(b, 22).ok_or_else(cut)? as i32;
    if w <= 0 || h == 0 {
        return Err(corrupt("BMP dimensions are invalid"));
    }
    Ok((w.unsigned_abs(), h.unsigned_abs(), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        v
    }

    #[test]
    fn limits_apply_before_decoding() {
        let l = Limits::default();
        let p = probe(&png_header(640, 480), Format::Png, &l);
        assert_eq!(p.map(|p| (p.width, p.height, p.frames)), Ok((640, 480, 1)));
        assert!(matches!(
            probe(&png_header(50_000, 50_000), Format::Png, &l),
            Err(MediaError::SideTooLong { .. })
        ));
        assert!(matches!(
            probe(&png_header(15_000, 15_000), Format::Png, &l),
            Err(MediaError::TooManyPixels { .. })
        ));
        assert!(matches!(
            probe(&png_header(0, 10), Format::Png, &l),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            probe(b"\x89PNG\r\n\x1a\n", Format::Png, &l),
            Err(MediaError::Corrupt(_))
        ));
    }

    #[test]
    fn gif_frames_are_counted_without_decoding() {
        let mut g = b"GIF89a\x02\0\x02\0\0\0\0".to_vec();
        for _ in 0..600 {
            g.extend_from_slice(&[0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0, 2, 2, 0x44, 0x01, 0]);
        }
        g.push(0x3B);
        let l = Limits::default();
        assert!(matches!(
            probe(&g, Format::Gif, &l),
            Err(MediaError::TooManyFrames { .. })
        ));
        let few = Limits {
            max_frames: 1000,
            ..l
        };
        assert_eq!(probe(&g, Format::Gif, &few).map(|p| p.frames), Ok(600));
    }

    #[test]
    fn truncated_jpeg_headers_are_corrupt() {
        for b in [
            &[0xFF, 0xD8, 0xFF][..],
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00],
            &[0xFF, 0xD8, 0xFF, 0xDA, 0, 2],
        ] {
            assert!(
                matches!(
                    probe(b, Format::Jpeg, &Limits::default()),
                    Err(MediaError::Corrupt(_))
                ),
                "{b:?}"
            );
        }
    }
}
