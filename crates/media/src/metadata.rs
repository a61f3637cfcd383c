//! Owns image metadata: a small, privacy-safe EXIF summary for display (never GPS), the EXIF
//! orientation, and lossless stripping of the stored original. Stripping never re-encodes
//! pixels: it removes EXIF, XMP, IPTC and comments from the container, keeps the colour profile,
//! and writes back a minimal EXIF block holding only the orientation.

use std::io::Cursor;

use exif::{Context, Field, In, Tag, Value};
use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use serde::{Deserialize, Serialize};

use crate::{Format, MediaError};

/// What to keep in the stored original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataPolicy {
    /// Remove EXIF, XMP, IPTC and comments; keep orientation and the colour profile.
    #[default]
    Strip,
    /// Keep the EXIF (camera details) but still remove GPS, embedded thumbnails and XMP.
    KeepExif,
}

/// The EXIF details shown to visitors. GPS is never read into it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExifSummary {
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub exposure: Option<String>,
    pub aperture: Option<String>,
    pub focal_length: Option<String>,
    pub iso: Option<u32>,
    pub taken_at: Option<String>,
}

impl ExifSummary {
    pub fn is_empty(&self) -> bool {
        *self == ExifSummary::default()
    }
}

/// EXIF read from any container the reader knows (JPEG, PNG, WebP).
pub(crate) fn read_exif(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

/// Orientation 1-8 (1 when absent or invalid).
pub(crate) fn orientation(exif: Option<&exif::Exif>) -> u16 {
    exif.and_then(|e| e.get_field(Tag::Orientation, In::PRIMARY))
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u16::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .unwrap_or(1)
}

/// Printable text of at most 64 characters, or nothing.
fn clean(s: &str) -> Option<String> {
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(64).collect())
}

fn ascii(exif: &exif::Exif, tag: Tag) -> Option<String> {
    let f = exif.get_field(tag, In::PRIMARY)?;
    match &f.value {
        Value::Ascii(parts) => clean(
            &parts
                .iter()
                .map(|p| String::from_utf8_lossy(p))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

fn shown(exif: &exif::Exif, tag: Tag) -> Option<String> {
    let f = exif.get_field(tag, In::PRIMARY)?;
    clean(&f.display_value().with_unit(exif).to_string())
}

pub(crate) fn summary(exif: &exif::Exif) -> ExifSummary {
    let make = ascii(exif, Tag::Make);
    let model = ascii(exif, Tag::Model);
    let camera = match (make, model) {
        (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
            Some(model)
        }
        (Some(make), Some(model)) => clean(&format!("{make} {model}")),
        (one, other) => one.or(other),
    };
    let taken_at = ascii(exif, Tag::DateTimeOriginal).and_then(|d| exif_date(&d));
    ExifSummary {
        camera,
        lens: ascii(exif, Tag::LensModel),
        exposure: shown(exif, Tag::ExposureTime),
        aperture: shown(exif, Tag::FNumber),
        focal_length: shown(exif, Tag::FocalLength),
        iso: exif
            .get_field(Tag::PhotographicSensitivity, In::PRIMARY)
            .and_then(|f| f.value.get_uint(0)),
        taken_at,
    }
}

/// A TIFF block with one entry: the orientation.
fn orientation_only(orientation: u16) -> Bytes {
    let mut t = Vec::with_capacity(26);
    t.extend_from_slice(b"MM\0\x2a\0\0\0\x08\0\x01");
    t.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    Bytes::from(t)
}

/// The EXIF to write back under `policy`, if any.
fn kept_exif(exif: Option<&exif::Exif>, policy: MetadataPolicy) -> Option<Bytes> {
    let orient = orientation(exif);
    if policy == MetadataPolicy::KeepExif
        && let Some(e) = exif
    {
        let fields: Vec<&Field> = e
            .fields()
            .filter(|f| {
                f.ifd_num == In::PRIMARY
                    && f.tag.context() != Context::Gps
                    && f.tag != Tag::MakerNote
            })
            .collect();
        let mut w = exif::experimental::Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut out = Cursor::new(Vec::new());
        if w.write(&mut out, e.little_endian()).is_ok() {
            return Some(Bytes::from(out.into_inner()));
        }
    }
    (orient != 1).then(|| orientation_only(orient))
}

/// The length of the JPEG up to and including its EOI marker: walks the marker segments and
/// the entropy-coded scans (where 0xFF is followed only by 0x00 stuffing or a restart marker).
pub(crate) fn jpeg_end(b: &[u8]) -> Option<usize> {
    let mut i = 2;
    let mut in_scan = false;
    while i + 1 < b.len() {
        if in_scan {
            if b[i] != 0xFF {
                i += 1;
                continue;
            }
            match b[i + 1] {
                0x00 | 0xD0..=0xD7 | 0xFF => {
                    i += if b[i + 1] == 0xFF { 1 } else { 2 };
                    continue;
                }
                _ => in_scan = false,
            }
        }
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        match marker {
            0xD9 => return Some(i + 2),
            0xFF => {
                i += 1;
                continue;
            }
            0x01 | 0xD0..=0xD8 => {
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        i += 2 + len;
        in_scan = marker == 0xDA;
    }
    None
}

/// Returns the original's bytes without the removed metadata, or `None` when nothing changes
/// (GIF and BMP carry no EXIF; BMP, HEIC and AVIF are converted elsewhere).
pub(crate) fn strip(
    bytes: &[u8],
    format: Format,
    exif: Option<&exif::Exif>,
    policy: MetadataPolicy,
) -> Result<Option<Vec<u8>>, MediaError> {
    let corrupt =
        |e: img_parts::Error| MediaError::Corrupt(format!("cannot read the container: {e}"));
    let keep = kept_exif(exif, policy);
    let out = match format {
        Format::Jpeg => {
            // Anything after the end of the image (an appended ZIP or HTML page) goes.
            let bytes = &bytes[..jpeg_end(bytes).unwrap_or(bytes.len())];
            let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).map_err(corrupt)?;
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                let is_icc = m == markers::APP2 && s.contents().starts_with(b"ICC_PROFILE\0");
                // APP0 (JFIF) and APP14 (Adobe colour transform) are needed to decode correctly.
                !((markers::APP1..=markers::APP15).contains(&m) || m == markers::COM)
                    || is_icc
                    || m == markers::APP14
            });
            jpeg.set_exif(keep);
            jpeg.encoder().bytes().to_vec()
        }
        Format::Png => {
            let mut png = Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(corrupt)?;
            for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(kind);
            }
            png.set_exif(keep);
            png.encoder().bytes().to_vec()
        }
        Format::Webp => {
            let mut webp = WebP::from_bytes(Bytes::copy_from_slice(bytes)).map_err(corrupt)?;
            webp.remove_chunks_by_id(*b"XMP ");
            webp.set_exif(keep);
            webp.encoder().bytes().to_vec()
        }
        Format::Gif | Format::Bmp | Format::Heic | Format::Avif => return Ok(None),
    };
    Ok(Some(out))
}

/// "2024:05:01 12:34:56" -> "2024-05-01T12:34:56"; `None` unless it is a plausible date and
/// time (cameras write blanks such as "    :  :     :  :  ", and the bytes are the uploader's).
fn exif_date(d: &str) -> Option<String> {
    let d = d.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = d.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let sep = |at: usize, ok: &[u8]| d.get(at).is_some_and(|c| ok.contains(c));
    if !(sep(4, b":-") && sep(7, b":-") && sep(10, b" T") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (y, mo, da) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, se) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let valid =
        y > 0 && (1..=12).contains(&mo) && (1..=31).contains(&da) && h < 24 && mi < 60 && se < 61;
    valid.then(|| format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{se:02}"))
}

#[cfg(test)]
mod date_tests {
    use super::exif_date;

    #[test]
    fn exif_dates_are_checked() {
        assert_eq!(
            exif_date("2024:05:01 12:34:56").as_deref(),
            Some("2024-05-01T12:34:56")
        );
        assert_eq!(exif_date("    :  :     :  :  "), None);
        assert_eq!(exif_date("0000:00:00 00:00:00"), None);
        assert_eq!(exif_date("2024:13:01 12:34:56"), None);
        assert_eq!(exif_date("2024:05:0\u{fffd} 12:34:56"), None);
        assert_eq!(exif_date("short"), None);
    }
}
