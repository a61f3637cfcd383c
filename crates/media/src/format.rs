//! Owns format detection by magic bytes. The extension and the client's content type are never
//! consulted: a file is what its first bytes say it is.

use serde::{Deserialize, Serialize};

use crate::MediaError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    Webp,
    /// Accepted on input; stored as PNG.
    Bmp,
    /// HEIF with HEVC (phone cameras). Decoded by libheif in a child process; stored as JPEG
    /// (or PNG with transparency).
    Heic,
    /// HEIF with AV1; handled like HEIC.
    Avif,
}

impl Format {
    /// Every format `sniff` accepts, in the order settings pages list them.
    pub const ALL: [Format; 7] = [
        Format::Jpeg,
        Format::Png,
        Format::Gif,
        Format::Webp,
        Format::Bmp,
        Format::Heic,
        Format::Avif,
    ];

    /// The stable lowercase name used in settings and APIs (`jpeg`, `png`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Heic => "heic",
            Format::Avif => "avif",
        }
    }

    /// The format called `name` (as [`Format::name`] spells it).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How people write the format's name (`JPEG`, `WebP`).
    pub fn label(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
            Format::Bmp => "BMP",
            Format::Heic => "HEIC",
            Format::Avif => "AVIF",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Bmp => "image/bmp",
            Format::Heic => "image/heic",
            Format::Avif => "image/avif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Heic => "heic",
            Format::Avif => "avif",
        }
    }

    /// The format from a stored extension (for serving).
    pub fn from_extension(ext: &str) -> Option<Format> {
        Some(match ext {
            "jpg" | "jpeg" => Format::Jpeg,
            "png" => Format::Png,
            "gif" => Format::Gif,
            "webp" => Format::Webp,
            "bmp" => Format::Bmp,
            "heic" | "heif" => Format::Heic,
            "avif" => Format::Avif,
            _ => return None,
        })
    }
}

fn iso_brand(bytes: &[u8]) -> Option<&[u8]> {
    (bytes.len() >= 12 && &bytes[4..8] == b"ftyp").then(|| &bytes[8..12])
}

/// The compatible brands of the leading `ftyp` box (after the major brand and version).
fn compatible_brands(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let size = bytes
        .get(..4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    bytes
        .get(16..size.min(bytes.len()))
        .unwrap_or_default()
        .chunks_exact(4)
}

/// Decides the format from the first bytes, or says clearly why the file is refused.
pub fn sniff(bytes: &[u8]) -> Result<Format, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(Format::Gif);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Format::Webp);
    }
    if bytes.len() >= 26 && bytes.starts_with(b"BM") {
        let dib = u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]);
        if matches!(dib, 12 | 40 | 52 | 56 | 64 | 108 | 124) {
            return Ok(Format::Bmp);
        }
    }
    if let Some(brand) = iso_brand(bytes) {
        match brand {
            b"avif" => return Ok(Format::Avif),
            b"heic" | b"heix" | b"heim" | b"heis" => return Ok(Format::Heic),
            // The generic HEIF brand: the compatible brands say which codec.
            b"mif1" if compatible_brands(bytes).any(|b| b == b"avif") => {
                return Ok(Format::Avif);
            }
            b"mif1" => return Ok(Format::Heic),
            // Image sequences (bursts, animations) are not still images.
            b"avis" | b"hevc" | b"hevx" | b"msf1" => {
                return Err(MediaError::Unsupported(
                    "HEIF image sequences are not supported; export a single photo".into(),
                ));
            }
            _ => {}
        }
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.contains("<svg") || head.starts_with("<?xml") {
        return Err(MediaError::Unsupported(
            "SVG is not accepted (it can carry scripts)".into(),
        ));
    }
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<script") {
        return Err(MediaError::Unsupported("HTML is not an image".into()));
    }
    Err(MediaError::Unsupported(
        "not a JPEG, PNG, GIF, WebP, BMP, HEIC or AVIF image".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(Format::from_name("JPEG"), None);
        assert_eq!(Format::from_name("svg"), None);
    }

    #[test]
    fn sniffs_by_content_only() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Ok(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(Format::Png));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Ok(Format::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Format::Webp));
        assert_eq!(sniff(b""), Err(MediaError::Empty));
        assert_eq!(sniff(b"\0\0\0\x10ftypavif\0\0\0\0"), Ok(Format::Avif));
        assert_eq!(sniff(b"\0\0\0\x10ftypheic\0\0\0\0"), Ok(Format::Heic));
        let generic_av1 = b"\0\0\0\x18ftypmif1\0\0\0\0miafavif";
        assert_eq!(sniff(generic_av1), Ok(Format::Avif));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmif1\0\0\0\0miafheic"),
            Ok(Format::Heic)
        );
        // A brand list longer than the file is read as far as the file goes.
        assert_eq!(sniff(b"\xff\0\0\x18ftypmif1\0\0\0\0mia"), Ok(Format::Heic));
        let burst = b"\0\0\0\x10ftypmsf1\0\0\0\0";
        assert!(matches!(sniff(burst), Err(MediaError::Unsupported(m)) if m.contains("sequence")));
        for svg in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"[..],
            b"<?xml version='1.0'?><svg/>",
        ] {
            assert!(matches!(sniff(svg), Err(MediaError::Unsupported(m)) if m.contains("SVG")));
        }
        assert!(
            matches!(sniff(b"<!DOCTYPE html><p>hi"), Err(MediaError::Unsupported(m)) if m.contains("HTML"))
        );
        assert!(matches!(
            sniff(b"PK\x03\x04zip"),
            Err(MediaError::Unsupported(_))
        ));
    }
}
