//! Checkers and inputs of the XSS catalogue (xss.rs): a small HTML tokenizer with the rules
//! a page showing a hostile string must follow, hand-built inputs that reach the server byte
//! for byte, and the embed-code and `Content-Disposition` rules.

use serde_json::Value;
use vitrine_media::fixtures::{JpegSpec, jpeg};

// ---- A small HTML tokenizer: tags, attributes and text as a browser would see them. ----

#[derive(Debug)]
pub(crate) enum Tok {
    Start(String, Vec<(String, String)>),
    End(String),
    Text(String),
}

/// Decodes character references (the named ones templates write, and numeric ones).
pub(crate) fn decode(s: &str) -> String {
    let (mut out, mut rest) = (String::new(), s);
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|e| *e <= 10);
        let c = match end.map(|e| &rest[1..e]) {
            Some("amp") => Some('&'),
            Some("lt") => Some('<'),
            Some("gt") => Some('>'),
            Some("quot") => Some('"'),
            Some("apos") => Some('\''),
            Some(n) if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            Some(n) if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        let (c, skip) = c.zip(end).map_or(('&', 1), |(c, e)| (c, e + 1));
        out.push(c);
        rest = &rest[skip..];
    }
    out + rest
}

pub(crate) fn is_ws(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// Parses a start tag after its `<`: name, attributes (values decoded) and what follows `>`.
pub(crate) fn start_tag(s: &str) -> (String, Vec<(String, String)>, &str) {
    let end = s.find(|c: char| is_ws(c) || c == '/' || c == '>');
    let end = end.unwrap_or(s.len());
    let (mut rest, mut attrs) = (&s[end..], Vec::new());
    loop {
        rest = rest.trim_start_matches(|c: char| is_ws(c) || c == '/');
        if let Some(r) = rest.strip_prefix('>') {
            rest = r;
            break;
        }
        if rest.is_empty() {
            break;
        }
        let n = rest.find(|c: char| is_ws(c) || matches!(c, '/' | '>' | '='));
        let n = n.unwrap_or(rest.len()).max(1);
        let name = rest[..n].to_ascii_lowercase();
        rest = rest[n..].trim_start_matches(is_ws);
        let mut value = String::new();
        if let Some(r) = rest.strip_prefix('=').map(|r| r.trim_start_matches(is_ws)) {
            let (v, r) = match r.chars().next().filter(|c| *c == '"' || *c == '\'') {
                Some(q) => r[1..].split_once(q).unwrap_or((&r[1..], "")),
                None => r.split_at(r.find(|c: char| is_ws(c) || c == '>').unwrap_or(r.len())),
            };
            (value, rest) = (decode(v), r);
        }
        attrs.push((name, value));
    }
    (s[..end].to_ascii_lowercase(), attrs, rest)
}

pub(crate) fn tokens(html: &str) -> Vec<Tok> {
    let (mut out, mut rest) = (Vec::new(), html);
    let letter = |r: &&str| r.starts_with(|c: char| c.is_ascii_alphabetic());
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").map_or("", |i| &r[i + 3..]);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.find('>').map_or("", |i| &rest[i + 1..]);
        } else if let Some(r) = rest.strip_prefix("</").filter(letter) {
            let (name, r) = r.split_once('>').unwrap_or((r, ""));
            out.push(Tok::End(name.trim().to_ascii_lowercase()));
            rest = r;
        } else if let Some(r) = rest.strip_prefix('<').filter(letter) {
            let (name, attrs, r) = start_tag(r);
            rest = r;
            out.push(Tok::Start(name.clone(), attrs));
            if matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
                // Raw text (script, style: never decoded) up to the first `</name`.
                let e = rest.to_ascii_lowercase().find(&format!("</{name}"));
                let (text, r) = rest.split_at(e.unwrap_or(rest.len()));
                let raw = name.starts_with('s');
                if !text.is_empty() {
                    out.push(Tok::Text(if raw { text.into() } else { decode(text) }));
                }
                rest = r;
            }
        } else {
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let end = rest[first..].find('<').map_or(rest.len(), |i| i + first);
            let (text, r) = rest.split_at(end);
            out.push(Tok::Text(decode(text)));
            rest = r;
        }
    }
    out
}

/// The page's structure: tags with their attribute names (values and text left out).
pub(crate) fn shape(toks: &[Tok]) -> Vec<String> {
    let tag = |t: &Tok| match t {
        Tok::Start(n, a) => {
            let mut names: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
            names.sort_unstable();
            Some(format!("<{n} {}>", names.join(" ")))
        }
        Tok::End(n) => Some(format!("</{n}>")),
        Tok::Text(_) => None,
    };
    toks.iter().filter_map(tag).collect()
}

pub(crate) fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The attributes of the first `tag` whose attribute `key` is `value`.
pub(crate) fn find<'a>(
    toks: &'a [Tok],
    tag: &str,
    key: &str,
    value: &str,
) -> &'a [(String, String)] {
    let hit = |t: &'a Tok| match t {
        Tok::Start(n, a) if n == tag && attr(a, key) == Some(value) => Some(a.as_slice()),
        _ => None,
    };
    let found = toks.iter().find_map(hit);
    found.unwrap_or_else(|| panic!("no <{tag} {key}=\"{value}\">"))
}

/// The `content` of `<meta property|name="key">`.
pub(crate) fn meta<'a>(toks: &'a [Tok], key: &str) -> Option<&'a str> {
    toks.iter().find_map(|t| match t {
        Tok::Start(n, a)
            if n == "meta" && [attr(a, "property"), attr(a, "name")].contains(&Some(key)) =>
        {
            attr(a, "content")
        }
        _ => None,
    })
}

/// Whether `s` is in some text or attribute value (decoded).
pub(crate) fn shows(toks: &[Tok], s: &str) -> bool {
    toks.iter().any(|t| match t {
        Tok::Text(x) => x.contains(s),
        Tok::Start(_, a) => a.iter().any(|(_, v)| v.contains(s)),
        Tok::End(_) => false,
    })
}

/// A URL attribute is safe when its scheme (if any) is http(s) or mailto.
pub(crate) fn safe_url(v: &str) -> bool {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let v = v.to_ascii_lowercase();
    match v.find(':') {
        Some(i) if !v[..i].contains(['/', '?', '#']) => {
            ["http", "https", "mailto"].contains(&&v[..i])
        }
        _ => true,
    }
}

/// The rules for any page that had `payload` in it; returns its tokens.
pub(crate) fn assert_safe_html(html: &str, payload: &str, what: &str) -> Vec<Tok> {
    let raw = payload.contains(['<', '>', '"', '\'', '&']) && html.contains(payload);
    assert!(!raw, "{what}: the raw payload is in the page");
    let toks = tokens(html);
    for (i, t) in toks.iter().enumerate() {
        let Tok::Start(name, attrs) = t else { continue };
        let active = ["iframe", "object", "embed", "base", "frame"].contains(&name.as_str());
        assert!(!active, "{what}: <{name}>");
        for (k, v) in attrs {
            assert!(!k.starts_with("on"), "{what}: <{name} {k}={v:?}>");
            let url = ["href", "src", "action", "formaction", "srcset", "poster"].contains(&&**k);
            assert!(!url || safe_url(v), "{what}: <{name} {k}={v:?}>");
        }
        if name == "script" {
            let src = attr(attrs, "src").unwrap_or_default();
            assert!(src.starts_with("/static/"), "{what}: <script src={src:?}>");
            let closed = matches!(toks.get(i + 1), Some(Tok::End(e)) if e == "script");
            assert!(closed, "{what}: an inline script");
        }
        let property = attr(attrs, "property").unwrap_or_default();
        if name == "meta" && (property.ends_with(":url") || property.ends_with(":image")) {
            let content = attr(attrs, "content").unwrap_or_default();
            assert!(content.starts_with("http://"), "{what}: {attrs:?}");
        }
    }
    toks
}

pub(crate) fn assert_same_shape(harmless_html: &str, toks: &[Tok], what: &str) {
    let (a, b) = (shape(&tokens(harmless_html)), shape(toks));
    if let Some(i) = (0..a.len().max(b.len())).find(|i| a.get(*i) != b.get(*i)) {
        let around = |v: &[String]| v[i.saturating_sub(3)..(i + 3).min(v.len())].join(" ");
        let (a, b) = (around(&a), around(&b));
        panic!("{what}: the page's structure changed at tag {i}:\nharmless {a}\nhostile  {b}");
    }
}

// ---- Inputs built by hand, so hostile bytes reach the server exactly as written. ----

/// A 64×48 JPEG whose EXIF has Make `Acme`, and `text` as Model and LensModel (TIFF built by
/// hand: IFD0 with Make, Model and the Exif IFD pointer; the Exif IFD with LensModel).
pub(crate) fn exif_jpeg(text: &str) -> Vec<u8> {
    const DATA_AT: usize = 8 + 42 + 18;
    let (mut tiff, mut data) = (b"MM\0\x2a\0\0\0\x08".to_vec(), Vec::new());
    let mut ascii = |tiff: &mut Vec<u8>, tag: u16, s: &str| {
        let at = (DATA_AT + data.len()) as u32;
        tiff.extend(
            [
                &tag.to_be_bytes()[..],
                &[0, 2],
                &(s.len() as u32 + 1).to_be_bytes(),
            ]
            .concat(),
        );
        tiff.extend(at.to_be_bytes());
        data.extend([s.as_bytes(), &[0][..], &[0][..(s.len() + 1) % 2]].concat());
    };
    tiff.extend([0, 3]);
    ascii(&mut tiff, 0x010F, "Acme");
    ascii(&mut tiff, 0x0110, text);
    tiff.extend([0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 50, 0, 0, 0, 0, 0, 1]);
    ascii(&mut tiff, 0xA434, text);
    tiff.extend([0, 0, 0, 0]);
    assert_eq!(tiff.len(), DATA_AT);
    tiff.extend(data);
    let pixels = jpeg(&JpegSpec {
        width: 64,
        height: 48,
        ..Default::default()
    });
    let len = (2 + 6 + tiff.len()) as u16;
    [
        &pixels[..2],
        &[0xFF, 0xE1],
        &len.to_be_bytes(),
        b"Exif\0\0",
        &tiff,
        &pixels[2..],
    ]
    .concat()
}

/// A multipart body (its content type and bytes): text fields, then one file part (a JPEG with
/// `exif` as its EXIF texts) whose name reaches the server as written: `"` escaped as `\"` (how
/// multer reads it), CR and LF percent-encoded (as browsers send them; raw they would end the
/// part's header).
pub(crate) fn multipart(
    file_field: &str,
    filename: &str,
    exif: &str,
    fields: &[(&str, &str)],
) -> (String, Vec<u8>) {
    const B: &str = "xss-catalogue-boundary-0f9a8b7c";
    let mut body = String::new();
    for (k, v) in fields {
        body += &format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n");
    }
    let name = filename
        .replace('"', "\\\"")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    body += &format!("--{B}\r\nContent-Disposition: form-data; name=\"{file_field}\"; ");
    body += &format!("filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n");
    let end = format!("\r\n--{B}--\r\n");
    let bytes = [body.as_bytes(), &exif_jpeg(exif), end.as_bytes()].concat();
    (format!("multipart/form-data; boundary={B}"), bytes)
}

/// Checks the embed codes against their design: HTML escapes the title into `alt` only,
/// Markdown escapes brackets, parentheses and backslashes (entities for `<>&`), BBCode never
/// carries it; none has a line break.
pub(crate) fn assert_embed_codes(codes: &Value, title: &str, what: &str) {
    let viewer = codes["viewer"].as_str().unwrap();
    let alt: String = title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    for size in ["full", "medium", "thumb"] {
        let code = |k: &str| codes[size][k].as_str().unwrap().to_owned();
        let what = format!("{what}: {size}");
        let direct = code("direct");
        for k in [
            "html",
            "html_linked",
            "markdown",
            "markdown_linked",
            "bbcode",
            "bbcode_linked",
        ] {
            assert!(
                !code(k).contains(char::is_control),
                "{what}.{k} has a line break"
            );
        }
        let toks = tokens(&code("html"));
        assert_eq!(shape(&toks), ["<img alt height src width>"], "{what}.html");
        assert_eq!(
            attr(find(&toks, "img", "src", &direct), "alt"),
            Some(&*alt),
            "{what}.html"
        );
        let toks = tokens(&code("html_linked"));
        let want = ["<a href>", "<img alt height src width>", "</a>"];
        assert_eq!(shape(&toks), want, "{what}.html_linked");
        find(&toks, "a", "href", viewer);
        let md = code("markdown");
        let inner = md
            .strip_prefix("![")
            .and_then(|r| r.strip_suffix(&format!("]({direct})")));
        let inner = inner.unwrap_or_else(|| panic!("{what}.markdown is not one image: {md}"));
        let (mut text, mut chars) = (String::new(), inner.chars());
        while let Some(ch) = chars.next() {
            let unescaped = "[]()<>!`*_".contains(ch);
            assert!(!unescaped, "{what}.markdown: {ch:?} is not escaped in {md}");
            text.extend(if ch == '\\' { chars.next() } else { Some(ch) });
        }
        assert_eq!(decode(&text), alt, "{what}.markdown shows another text");
        assert_eq!(
            code("markdown_linked"),
            format!("[{md}]({viewer})"),
            "{what}"
        );
        assert_eq!(code("bbcode"), format!("[img]{direct}[/img]"), "{what}");
        let linked = format!("[url={viewer}][img]{direct}[/img][/url]");
        assert_eq!(code("bbcode_linked"), linked, "{what}");
    }
}

/// `Content-Disposition` of an original file: RFC 6266 `inline; filename="ascii";
/// filename*=UTF-8''pct`, nothing else, naming the stored name with the stored type's extension
/// (every upload here is a JPEG).
pub(crate) fn assert_disposition(h: &reqwest::header::HeaderMap, original: &str, what: &str) {
    let stem = original.rsplit_once('.').map_or(original, |(s, _)| s);
    let stored = &*format!("{stem}.jpg");
    assert_eq!(h.get_all("content-disposition").iter().count(), 1, "{what}");
    assert!(
        h.get("set-cookie").is_none(),
        "{what}: a header was injected"
    );
    let v = h["content-disposition"].to_str().unwrap();
    let (kind, mut rest) = v.split_once(';').unwrap_or((v, ""));
    assert_eq!(kind, "inline", "{what}: {v}");
    let mut params = Vec::new();
    while !rest.trim().is_empty() {
        let (k, r) = rest
            .trim_start()
            .split_once('=')
            .unwrap_or_else(|| panic!("{what}: {v}"));
        let (val, r) = match r.strip_prefix('"') {
            // A quoted string: no escapes, so it ends at the first quote.
            Some(q) => q
                .split_once('"')
                .unwrap_or_else(|| panic!("{what}: open quote in {v}")),
            None => r.split_once(';').unwrap_or((r, "")),
        };
        assert!(!(val.contains('\\')), "{what}: escapes in {v}");
        params.push((k, val));
        rest = r.trim_start().strip_prefix(';').unwrap_or(r);
    }
    let ascii = |c: char| {
        if c == ' ' || c.is_ascii_graphic() && !"\"\\".contains(c) {
            c
        } else {
            '_'
        }
    };
    let fallback: String = stored.chars().map(ascii).collect();
    assert_eq!(
        (params.len(), params[0]),
        (2, ("filename", &*fallback)),
        "{what}: {v}"
    );
    let ext = params[1]
        .1
        .strip_prefix("UTF-8''")
        .filter(|_| params[1].0 == "filename*");
    let ext = ext.unwrap_or_else(|| panic!("{what}: {v}"));
    let attr_char = |c: char| c.is_ascii_alphanumeric() || "!#$&+-.^_`|~%".contains(c);
    assert!(ext.chars().all(attr_char), "{what}: {v}");
    let decoded = percent_encoding::percent_decode_str(ext)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, stored, "{what}: {v}");
}
