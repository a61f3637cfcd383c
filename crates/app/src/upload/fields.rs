//! Owns the checks and clean-ups of an upload's fields: tags, title and description lengths,
//! the media's own level, a safe filename and a title made from it, the accepted formats by
//! the file's first bytes; and the ids and digests an upload is given.

use std::path::Path;

use sha2::{Digest, Sha256};
use vitrine_domain::{Privacy, PublicId, ValidationError};
use vitrine_media::Format;

use crate::AppError;

/// A media item's own level: albums alone have passwords.
pub(crate) fn media_privacy(s: &str) -> Result<Privacy, ValidationError> {
    match Privacy::parse(s, "privacy")? {
        Privacy::Password => Err(ValidationError::new(
            "privacy",
            "password protection is set on albums; use public, unlisted or private",
        )),
        p => Ok(p),
    }
}

const MAX_TAGS: usize = 30;
const MAX_TAG_CHARS: usize = 64;

/// Tags as people mean them: trimmed, inner whitespace collapsed, empty ones dropped, the
/// first spelling of a case-insensitive duplicate kept; at most 30 of at most 64 characters.
pub fn normalize_tags(raw: &[String]) -> Result<Vec<String>, ValidationError> {
    let too_many = || ValidationError::new("tags", format!("at most {MAX_TAGS} tags"));
    // Bounded work whatever the input: refuse absurd lists before looking at them.
    if raw.len() > MAX_TAGS * 4 || raw.iter().map(String::len).sum::<usize>() > 64 * 1024 {
        return Err(too_many());
    }
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in raw {
        let t = t
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > MAX_TAG_CHARS {
            return Err(ValidationError::new(
                "tags",
                format!("each tag must be at most {MAX_TAG_CHARS} characters"),
            ));
        }
        if seen.insert(t.to_lowercase()) {
            out.push(t);
            if out.len() > MAX_TAGS {
                return Err(too_many());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A filename fit for display and `Content-Disposition`: no path, no control characters, at
/// most 120 characters.
pub(crate) fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':' | '%'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "image".to_owned()
    } else {
        cleaned
    }
}

pub(crate) fn title_from(filename: &str) -> String {
    let stem = filename.rsplit_once('.').map_or(filename, |(s, _)| s);
    let t: String = stem.replace(['_', '-'], " ").chars().take(100).collect();
    t.trim().to_owned()
}

pub(crate) fn check_texts(
    title: Option<&str>,
    description: Option<&str>,
) -> Result<(), ValidationError> {
    if title.is_some_and(|t| t.chars().count() > 100) {
        return Err(ValidationError::new(
            "title",
            "must be at most 100 characters",
        ));
    }
    if description.is_some_and(|d| d.chars().count() > 5000) {
        return Err(ValidationError::new(
            "description",
            "must be at most 5000 characters",
        ));
    }
    Ok(())
}

/// Refuses an upload whose format (by its first bytes, as processing will decide it) the site
/// does not accept; checked before waiting for a processing slot or reading the whole file.
/// Bytes that are no known format pass here and get processing's own, more precise error.
pub(crate) async fn check_format_allowed(path: &Path, allowed: &[Format]) -> Result<(), AppError> {
    use tokio::io::AsyncReadExt;
    // `sniff` decides JPEG, PNG, GIF, WebP and BMP within the first 26 bytes; HEIC and AVIF
    // by the brands of the leading `ftyp` box, which a file may make long.
    let mut head = Vec::with_capacity(1024);
    tokio::fs::File::open(path)
        .await
        .map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?
        .take(1024)
        .read_to_end(&mut head)
        .await
        .map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?;
    match vitrine_media::sniff(&head) {
        Ok(format) if !allowed.contains(&format) => Err(AppError::FormatNotAllowed {
            format,
            allowed: allowed.to_vec(),
        }),
        _ => Ok(()),
    }
}

pub(crate) fn new_public_id() -> Result<PublicId, AppError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(PublicId::from_random(u64::from_le_bytes(b)))
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_made_safe() {
        let cases = [
            ("../../etc/passwd", "passwd"),
            ("C:\\\\Users\\\\me\\\\photo.jpg", "photo.jpg"),
            ("a%2f..%2fb.png", "a2f..2fb.png"),
            ("\u{0}evil\r\n.jpg", "evil.jpg"),
            ("\"quoted\".png", "quoted.png"),
            ("/abs/path/x.gif", "x.gif"),
            ("...", "image"),
            ("", "image"),
        ];
        for (input, want) in cases {
            assert_eq!(clean_filename(input), want, "{input:?}");
        }
        assert_eq!(clean_filename(&"x".repeat(500)).len(), 120);
        assert_eq!(title_from("my_holiday-photo.jpg"), "my holiday photo");
    }
}
