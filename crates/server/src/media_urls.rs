//! Owns the public URLs of media: viewer page, file URLs per variant and the delete link, built
//! from the configured public base URL.

use vitrine_db::{MediaFiles, VariantRecord};

pub fn viewer(base: &str, id: &str) -> String {
    format!("{base}/image/{id}")
}

pub fn original(base: &str, files: &MediaFiles) -> String {
    format!("{base}/i/{}.{}", files.media.public_id, files.blob.ext)
}

pub fn variant(base: &str, files: &MediaFiles, v: &VariantRecord) -> String {
    let tag = match v.name.as_str() {
        "thumb" => "th",
        "small" => "sm",
        _ => "md",
    };
    format!("{base}/i/{}.{tag}.{}", files.media.public_id, v.ext)
}

pub fn delete(base: &str, id: &str, token: &str) -> String {
    format!("{base}/delete/{id}/{token}")
}
