//! Owns the public URLs of media: viewer page, file URLs per variant and the delete link, built
//! from the configured public base URL and, for files, the separate files origin when one is
//! set (`files_url`).

use vitrine_db::{MediaFiles, VariantRecord};
use vitrine_domain::Privacy;

/// The origins links are built on (no trailing slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The site: pages, the API, the delete link.
    pub site: String,
    /// Uploaded files; the site itself unless `files_url` is set.
    pub files: String,
}

impl Links {
    /// Links with no separate files origin.
    pub fn site_only(site: &str) -> Self {
        Self {
            site: site.to_owned(),
            files: site.to_owned(),
        }
    }

    /// The origin a media item's files are linked on. Private and password-protected media
    /// stay on the site, where the viewer's session reaches them. Media public on its own but
    /// hidden by its album goes to the files origin, which sends what it may not show back to
    /// the site (`files_origin`), so a link here is never wrong, only one hop longer.
    fn file_base(&self, f: &MediaFiles) -> &str {
        if f.media.privacy <= Privacy::Unlisted {
            &self.files
        } else {
            &self.site
        }
    }
}

pub fn viewer(base: &str, id: &str) -> String {
    format!("{base}/image/{id}")
}

pub fn original(links: &Links, files: &MediaFiles) -> String {
    format!(
        "{}/i/{}.{}",
        links.file_base(files),
        files.media.public_id,
        files.blob.ext
    )
}

pub fn variant(links: &Links, files: &MediaFiles, v: &VariantRecord) -> String {
    let tag = match v.name.as_str() {
        "thumb" => "th",
        "small" => "sm",
        _ => "md",
    };
    format!(
        "{}/i/{}.{tag}.{}",
        links.file_base(files),
        files.media.public_id,
        v.ext
    )
}

pub fn delete(base: &str, id: &str, token: &str) -> String {
    format!("{base}/delete/{id}/{token}")
}
