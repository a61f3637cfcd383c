//! Owns embed codes: for each size (full, medium, thumbnail) the direct link, the viewer link,
//! and HTML, Markdown and BBCode, each linked (to the viewer page) and unlinked. User text (the
//! title) is escaped for each format: HTML attribute escaping, Markdown's bracket and
//! backslash escaping (no line breaks), and never placed in BBCode at all.

use serde::Serialize;
use utoipa::ToSchema;
use vitrine_db::MediaFiles;

use crate::media_urls;

/// The codes for one size.
#[derive(Debug, Serialize, ToSchema)]
pub struct SizeCodes {
    /// The image file itself.
    pub direct: String,
    pub html: String,
    pub html_linked: String,
    pub markdown: String,
    pub markdown_linked: String,
    pub bbcode: String,
    pub bbcode_linked: String,
}

/// Every embed code of one media item.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmbedCodes {
    pub id: String,
    /// The viewer page (also the share link).
    pub viewer: String,
    pub full: SizeCodes,
    /// Same as `full` when the image is smaller than the medium size.
    pub medium: SizeCodes,
    pub thumb: SizeCodes,
}

pub fn html_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            // Entities rather than backslashes: some renderers pass raw HTML through.
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '[' | ']' | '(' | ')' | '*' | '_' | '`' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn size_codes(url: &str, viewer: &str, title: &str, w: u32, h: u32) -> SizeCodes {
    let alt = html_attr(title);
    let img = format!("<img src=\"{url}\" alt=\"{alt}\" width=\"{w}\" height=\"{h}\">");
    let md = format!("![{}]({url})", markdown_text(title));
    let bb = format!("[img]{url}[/img]");
    SizeCodes {
        direct: url.to_owned(),
        html_linked: format!("<a href=\"{viewer}\">{img}</a>"),
        html: img,
        markdown_linked: format!("[{md}]({viewer})"),
        markdown: md,
        bbcode_linked: format!("[url={viewer}]{bb}[/url]"),
        bbcode: bb,
    }
}

impl EmbedCodes {
    pub fn new(links: &media_urls::Links, f: &MediaFiles) -> Self {
        let m = &f.media;
        let id = m.public_id.as_str();
        let viewer = media_urls::viewer(&links.site, id);
        let title = m.title.as_str();
        let full = size_codes(
            &media_urls::original(links, f),
            &viewer,
            title,
            m.width,
            m.height,
        );
        let variant = |name: &str| {
            f.variants.iter().find(|v| v.name == name).map(|v| {
                size_codes(
                    &media_urls::variant(links, f, v),
                    &viewer,
                    title,
                    v.width,
                    v.height,
                )
            })
        };
        let medium = variant("medium").unwrap_or_else(|| {
            size_codes(
                &media_urls::original(links, f),
                &viewer,
                title,
                m.width,
                m.height,
            )
        });
        let thumb = variant("thumb").unwrap_or_else(|| {
            size_codes(
                &media_urls::original(links, f),
                &viewer,
                title,
                m.width,
                m.height,
            )
        });
        Self {
            id: id.to_owned(),
            viewer,
            full,
            medium,
            thumb,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_stay_text_in_every_format() {
        let t = "\"><script>alert(1)</script>](javascript:x) [b]";
        let c = size_codes("https://s/i/a.jpg", "https://s/image/a", t, 10, 20);
        assert!(!c.html.contains("<script"), "{}", c.html);
        assert!(
            c.html.contains("alt=\"&quot;&gt;&lt;script&gt;"),
            "{}",
            c.html
        );
        assert!(!c.markdown.contains("](javascript"), "{}", c.markdown);
        assert!(
            c.markdown.starts_with("![\"&gt;&lt;script&gt;"),
            "{}",
            c.markdown
        );
        assert_eq!(c.bbcode, "[img]https://s/i/a.jpg[/img]");
        assert_eq!(
            c.bbcode_linked,
            "[url=https://s/image/a][img]https://s/i/a.jpg[/img][/url]"
        );
    }
}
