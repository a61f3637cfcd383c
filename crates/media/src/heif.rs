//! Owns HEIC and AVIF, both HEIF containers: the image size read from the container's `ispe`
//! properties (no decoding, so limits hold before any codec runs), and the conversion to PNG by
//! libheif's `heif-convert` in a child process with a deadline. libheif and its HEVC/AV1
//! decoders are C, so they never run inside the server (DESIGN: hostile input).

use std::process::Command;
use std::time::Instant;

use crate::child::{self, ChildFailure};
use crate::color::ToSrgb;
use crate::decode::decode;
use crate::tools::{Scratch, Tools};
use crate::{Format, Limits, MediaError, probe, resize, sniff};

/// JPEG quality of an original re-encoded from HEIC or AVIF: close to the source's own, so the
/// stored original stays the best copy there is.
const CONVERTED_QUALITY: u8 = 92;

/// How deep the box walk goes before giving up: `meta` > `iprp` > `ipco` > `ispe` is three.
const MAX_DEPTH: usize = 4;

fn corrupt(what: &str) -> MediaError {
    MediaError::Corrupt(format!("HEIF: {what}"))
}

/// The boxes in `b`, as (type, payload); stops at the first malformed one.
fn boxes(mut b: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        let size = u64::from(u32::from_be_bytes(b.get(..4)?.try_into().ok()?));
        let kind: [u8; 4] = b.get(4..8)?.try_into().ok()?;
        let (header, size) = match size {
            0 => (8, b.len() as u64),
            1 => (16, u64::from_be_bytes(b.get(8..16)?.try_into().ok()?)),
            n => (8, n),
        };
        let size = usize::try_from(size).ok()?;
        if size < header || size > b.len() {
            return None;
        }
        let payload = &b[header..size];
        b = &b[size..];
        Some((kind, payload))
    })
}

/// The largest image size any `ispe` property declares: the primary image, its grid tiles and
/// its thumbnails each have one, and the largest bounds what a decoder will allocate.
pub(crate) fn dimensions(bytes: &[u8]) -> Result<(u32, u32), MediaError> {
    let mut best: Option<(u32, u32)> = None;
    walk(bytes, 0, &mut |w, h| {
        let area = u64::from(w) * u64::from(h);
        if best.is_none_or(|(bw, bh)| area > u64::from(bw) * u64::from(bh)) {
            best = Some((w, h));
        }
    });
    best.ok_or_else(|| corrupt("the container declares no image size"))
}

fn walk(b: &[u8], depth: usize, found: &mut impl FnMut(u32, u32)) {
    for (kind, payload) in boxes(b) {
        match &kind {
            // Full boxes: a version and flags word comes before the content.
            b"meta" if depth < MAX_DEPTH => {
                walk(payload.get(4..).unwrap_or_default(), depth + 1, found)
            }
            b"iprp" | b"ipco" if depth < MAX_DEPTH => walk(payload, depth + 1, found),
            b"ispe" => {
                let be = |at: usize| {
                    payload
                        .get(at..at + 4)
                        .and_then(|s| s.try_into().ok())
                        .map(u32::from_be_bytes)
                };
                if let (Some(w), Some(h)) = (be(4), be(8)) {
                    found(w, h);
                }
            }
            _ => {}
        }
    }
}

/// For a HEIC or AVIF upload, the image the server stores instead: upright, in sRGB (browsers
/// other than Safari show no HEIC, and the re-encode keeps no colour profile), JPEG at quality
/// 92, or PNG when it has transparency. `None` for every other format, which the ordinary
/// pipeline reads itself. The container's declared size meets `limits` before any decoder
/// runs, and the decoded PNG is read under the same limits.
pub fn convert_heif(
    bytes: &[u8],
    limits: &Limits,
    tools: &Tools,
) -> Result<Option<Vec<u8>>, MediaError> {
    let format = match sniff(bytes) {
        Ok(f @ (Format::Heic | Format::Avif)) => f,
        _ => return Ok(None),
    };
    probe(bytes, format, limits)?;
    let png = to_png(bytes, format, limits, tools)?;
    if sniff(&png) != Ok(Format::Png) {
        return Err(corrupt("the decoder did not produce an image"));
    }
    let probe = probe(&png, Format::Png, limits)?;
    let decoded = decode(&png, &probe, limits, u32::MAX)?;
    let mut pixels = decoded.pixels;
    if let Some(t) = ToSrgb::from_icc(decoded.icc.as_deref()) {
        t.apply(&mut pixels);
    }
    Ok(Some(resize::encode(&pixels, CONVERTED_QUALITY)?.0))
}

/// Decodes `bytes` (HEIC or AVIF) to PNG with `heif-convert`, killed at the tools' deadline.
/// The PNG is then read by the ordinary pipeline, limits and all.
fn to_png(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    tools: &Tools,
) -> Result<Vec<u8>, MediaError> {
    let Some(program) = &tools.heif_convert else {
        return Err(MediaError::Unsupported(format!(
            "{} images need libheif's heif-convert on the server, which is not installed; \
             convert it to JPEG, PNG or WebP",
            format.label()
        )));
    };
    let scratch = Scratch::new(tools)?;
    let input = scratch.path.join(format!("in.{}", format.extension()));
    let output = scratch.path.join("out.png");
    std::fs::write(&input, bytes)
        .map_err(|e| MediaError::Processing(format!("cannot write a scratch file: {e}")))?;
    let mut cmd = match &tools.prlimit {
        // The container's size is only what it declares: the codec allocates from the coded
        // stream's own header, so memory and output size are capped as well.
        Some(prlimit) => {
            let mut c = Command::new(prlimit);
            c.arg(format!("--as={}", memory_limit(limits)))
                .arg(format!("--fsize={}", output_limit(limits)))
                .arg("--")
                .arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.arg(&input).arg(&output);
    let started = Instant::now();
    let label = format.label();
    match child::run(cmd, tools.deadline(), &scratch.path.join("stderr")) {
        Ok(()) => {}
        Err(ChildFailure::TimedOut) => {
            return Err(MediaError::TimedOut {
                secs: tools.budget_secs(started),
            });
        }
        // Details go to the log: paths and a C library's messages are not for the uploader.
        Err(ChildFailure::Spawn(e)) => {
            tracing::error!(program = %program.display(), error = %e, "cannot start the HEIF decoder");
            return Err(MediaError::Processing(format!(
                "the {label} decoder could not be started"
            )));
        }
        // Not ours (we kill only at the deadline): the system's out-of-memory killer.
        Err(ChildFailure::Signal(9)) => {
            tracing::error!("the HEIF decoder was killed by the system (out of memory?)");
            return Err(MediaError::Processing(format!(
                "the {label} decoder was stopped by the server's system"
            )));
        }
        Err(ChildFailure::Signal(sig)) => {
            tracing::warn!(signal = sig, "the HEIF decoder crashed or hit its limits");
            return Err(MediaError::Corrupt(format!(
                "the {label} decoder stopped on this file (signal {sig})"
            )));
        }
        Err(ChildFailure::Exit { code, stderr }) => {
            tracing::warn!(code, stderr = %first_line(&stderr), "the HEIF decoder refused a file");
            return Err(MediaError::Corrupt(format!(
                "the {label} decoder could not read this file"
            )));
        }
    }
    // A file holding several top-level images is written as out-1.png, out-2.png, ...; the
    // first is the primary one.
    let path = [output, scratch.path.join("out-1.png")]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| corrupt("the decoder wrote no image"))?;
    std::fs::read(path)
        .map_err(|e| MediaError::Processing(format!("cannot read the decoded image: {e}")))
}

/// Address space for the decoder: the largest allowed picture at 16 bytes a pixel (decoded
/// planes, the RGBA copy and the PNG encoder's buffers) plus 1 GiB for code and threads.
fn memory_limit(limits: &Limits) -> u64 {
    limits.max_pixels.saturating_mul(16).saturating_add(1 << 30)
}

/// The largest file the decoder may write: a 16-bit RGBA PNG of the largest allowed picture,
/// stored uncompressed, plus room for its chunks.
fn output_limit(limits: &Limits) -> u64 {
    limits.max_pixels.saturating_mul(8).saturating_add(64 << 20)
}

/// One short, printable line of a child's stderr for the log.
fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    line.chars().filter(|c| !c.is_control()).take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = u32::try_from(payload.len() + 8)
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(payload);
        v
    }

    fn ispe(w: u32, h: u32) -> Vec<u8> {
        let mut p = vec![0; 4];
        p.extend_from_slice(&w.to_be_bytes());
        p.extend_from_slice(&h.to_be_bytes());
        bx(b"ispe", &p)
    }

    fn container(props: &[Vec<u8>]) -> Vec<u8> {
        let ipco = bx(b"ipco", &props.concat());
        let iprp = bx(b"iprp", &ipco);
        let mut meta = vec![0; 4];
        meta.extend_from_slice(&bx(b"hdlr", b"\0\0\0\0\0\0\0\0pict"));
        meta.extend_from_slice(&iprp);
        let mut file = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        file.extend_from_slice(&bx(b"meta", &meta));
        file
    }

    #[test]
    fn reads_the_largest_declared_size() {
        let file = container(&[ispe(512, 512), ispe(4032, 3024), ispe(320, 240)]);
        assert_eq!(dimensions(&file), Ok((4032, 3024)));
    }

    #[test]
    fn refuses_a_container_without_a_size() {
        assert!(matches!(
            dimensions(&container(&[])),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            dimensions(b"\0\0\0\x10ftypheic\0\0\0\0"),
            Err(MediaError::Corrupt(_))
        ));
        // A box claiming more bytes than the file has ends the walk.
        let mut file = container(&[ispe(10, 10)]);
        file[0..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(dimensions(&file).is_err());
        // A 64-bit size and a truncated ispe.
        let mut big = 1u32.to_be_bytes().to_vec();
        big.extend_from_slice(b"free");
        big.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(dimensions(&big).is_err());
        assert!(dimensions(&container(&[bx(b"ispe", &[0, 0, 0, 0, 1])])).is_err());
    }

    #[test]
    fn missing_program_is_a_clear_refusal() {
        let err = to_png(b"x", Format::Heic, &Limits::default(), &Tools::default());
        assert!(matches!(err, Err(MediaError::Unsupported(m)) if m.contains("heif-convert")));
    }
}
