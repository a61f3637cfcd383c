//! The XSS catalogue: every hostile string of `PAYLOADS` goes into every field a user controls
//! (profile, media, tags, album, upload file name, EXIF, site settings, key names, reflected
//! form values) and comes back out of every output that shows it, checked for its context:
//! HTML (parsed: no handler, script or URL scheme appears, the text is shown, and the page has
//! exactly the structure it has for a harmless string of the same shape), JSON (the exact stored
//! string), embed codes, oEmbed, OpenGraph, `Content-Disposition` and the Chevereto reply.

use serde_json::{Value, json};

use crate::support::{TestApp, create_key, login, set_upload_settings};
use crate::xss_checks::*;

crate::backend_tests!(
    catalogue_through_pages_json_embeds_and_files,
    catalogue_through_the_chevereto_reply,
    catalogue_through_site_settings_and_key_names,
    catalogue_through_usernames_and_reflected_values,
);

/// Hostile strings, each aimed at a way out of some context (none has a comma: tags split there).
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'onmouseover='alert(1)",
    "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>",
    "</script><script>alert(1)</script>",
    "</title><style>*{display:none}</style>",
    "--><!--<b>x</b>",
    "{{7*7}}${7*7}{% raw %}",
    "[url=javascript:alert(1)]x[/url]",
    "](javascript:alert(1))",
    "![x](javascript:alert(1))\\",
    "&lt;b&gt;&amp;&#x27;",
    "a\u{2028}b\u{2029}c",
    "a\r\nSet-Cookie: x=1",
    "\"; filename*=UTF-8''evil.html",
    "photo\u{202E}gpj.exe",
    "%3Cscript%3E%22%0d%0a",
];

/// A string of the same shape that cannot escape anything (punctuation becomes `x`): the
/// page structure of the hostile string is compared with its.
fn harmless(p: &str) -> String {
    let x = |c: char| if c.is_ascii_punctuation() { 'x' } else { c };
    p.chars().map(x).collect()
}

/// What each field keeps of a text, by the documented rules.
struct Expect {
    /// Trimmed: titles, descriptions, bio, album texts, site name.
    text: String,
    /// The display name also refuses control characters (`None`).
    display: Option<String>,
    /// Whitespace collapsed, control characters dropped.
    tag: String,
    /// EXIF text: printable characters only; the camera is make and model.
    lens: String,
    camera: String,
}

impl Expect {
    fn of(p: &str) -> Self {
        let text = p.trim().to_owned();
        let printable = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).collect() };
        let lens = printable(p).trim().to_owned();
        Self {
            display: (!text.contains(char::is_control)).then(|| text.clone()),
            tag: printable(&p.split_whitespace().collect::<Vec<_>>().join(" ")),
            camera: format!("Acme {lens}"),
            lens,
            text,
        }
    }
}

async fn new_user(app: &TestApp, name: &str) -> reqwest::Client {
    let input = vitrine_app::SignupInput {
        username: name.into(),
        email: format!("{name}@example.org"),
        password: "correct horse".into(),
        password_confirm: None,
    };
    let (system, role) = (vitrine_app::Actor::System, vitrine_domain::Role::User);
    app.server
        .state
        .app
        .create_user(&system, &input, role)
        .await
        .unwrap();
    let c = app.browser();
    assert_eq!(login(&c, app, name, "correct horse").await.status(), 200);
    c
}

async fn page(c: &reqwest::Client, url: &str) -> (u16, String) {
    let res = c.get(url).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A JSON answer (200): the JSON type, strictly valid.
async fn api(c: &reqwest::Client, url: &str) -> Value {
    let res = c.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    json_of(res).await
}

async fn json_of(res: reqwest::Response) -> Value {
    let url = res.url().to_string();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        ct.as_deref()
            .unwrap_or_default()
            .starts_with("application/json"),
        "{url}: {ct:?}"
    );
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {text}"))
}

fn oembed_query(viewer: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("format", "json")
        .append_pair("url", viewer)
        .finish()
}

/// Everything one user made with one text.
struct World {
    user: String,
    owner: reqwest::Client,
    /// The upload's answer, and the ids of the media and its album.
    media: Value,
    m: String,
    a: String,
    /// The profile's website as stored, and the upload's file name as the server gets it.
    website: String,
    filename: String,
    /// The no-JavaScript guest upload's page.
    guest_page: String,
}

async fn world(app: &TestApp, user: &str, text: &str) -> World {
    let owner = new_user(app, user).await;
    let me = app.url("/api/v1/me");
    let patch = |body: Value| owner.patch(&me).json(&body).send();
    let res = patch(json!({ "display_name": text })).await.unwrap();
    let status = if Expect::of(text).display.is_some() {
        200
    } else {
        422
    };
    assert_eq!(res.status(), status, "display name {text:?}");
    let res = patch(json!({ "website": text })).await.unwrap();
    assert_eq!(res.status(), 422, "website {text:?} is not an http(s) link");
    let site = format!("https://example.org/{text}");
    let res = patch(json!({ "bio": text, "website": site }))
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "bio and website {text:?}");
    let website = json_of(res).await["website"].as_str().unwrap().to_owned();
    let album = owner
        .post(app.url("/api/v1/albums"))
        .json(&json!({ "title": text, "description": text }));
    let res = album.send().await.unwrap();
    assert_eq!(res.status(), 201, "album {text:?}");
    let a = json_of(res).await["id"].as_str().unwrap().to_owned();
    let filename = format!("{text}.jpg");
    let fields = [
        ("title", text),
        ("description", text),
        ("tags", text),
        ("album", &a),
    ];
    let (ct, body) = multipart("file", &filename, text, &fields);
    let res = owner
        .post(app.url("/api/v1/media"))
        .header("content-type", ct)
        .body(body);
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), 201, "upload {text:?}");
    let media = json_of(res).await;
    let (ct, body) = multipart("file", &filename, text, &fields[..3]);
    let res = app
        .browser()
        .post(app.url("/upload"))
        .header("content-type", ct)
        .body(body);
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), 200, "guest upload {text:?}");
    let guest_page = res.text().await.unwrap();
    let m = media["id"].as_str().unwrap().to_owned();
    World {
        user: user.to_owned(),
        owner,
        media,
        m,
        a,
        website,
        filename: filename.replace('\r', "%0D").replace('\n', "%0A"),
        guest_page,
    }
}

/// Pages that show a world's texts: who looks (its owner or a visitor), path, texts shown.
const PAGES: &str = "
    anon   /image/{m}        title tag camera lens
    owner  /image/{m}        title tag camera lens
    anon   /album/{a}        title
    owner  /album/{a}        title
    anon   /{user}           display title
    owner  /settings         display title
    owner  /albums           title
    owner  /upload           title
    owner  /                 display
    anon   /                 title
    anon   /delete/{delete}  title
";

/// JSON answers that carry the texts: path (`-`: the upload's own answer), pointer, value.
const JSON_FIELDS: &str = "
    -                         /title              text
    -                         /description        text
    -                         /tags               tags
    -                         /exif/camera        camera
    -                         /exif/lens          lens
    /api/v1/media/{m}         /title              text
    /api/v1/media/{m}         /description        text
    /api/v1/media/{m}         /tags               tags
    /api/v1/media/{m}         /exif/camera        camera
    /api/v1/media/{m}         /exif/lens          lens
    /api/v1/media/{m}         /original_filename  filename
    /api/v1/albums/{a}        /title              text
    /api/v1/albums/{a}        /description        text
    /api/v1/albums/{a}/media  /items/0/title      text
    /api/v1/albums/{a}/embed  /items/0            codes
    /api/v1/media/{m}/share   /title              text
    /api/v1/albums/{a}/share  /title              text
    /api/v1/users/{user}      /display_name       display
    /api/v1/users/{user}      /bio                text
    /api/v1/users/{user}      /website            website
    /oembed?{oembed}          /type               photo
    /oembed?{oembed}          /title              text
    /oembed?{oembed}          /author_name        user
    /oembed?{oembed}          /html               null
";

/// A table's row with a world's ids and names put in.
fn fill(row: &str, w: &World) -> String {
    let delete = w.media["delete_url"]
        .as_str()
        .unwrap()
        .split_once("/delete/")
        .unwrap()
        .1;
    let oembed = oembed_query(w.media["url"].as_str().unwrap());
    let vars = [
        ("{m}", &*w.m),
        ("{a}", &w.a),
        ("{user}", &w.user),
        ("{delete}", delete),
    ];
    let row = vars
        .iter()
        .fold(row.to_owned(), |r, (k, v)| r.replace(k, v));
    row.replace("{oembed}", &oembed)
}

/// What a table's word stands for in a world made with `e`'s text.
fn value(word: &str, e: &Expect, w: &World, codes: &Value) -> Value {
    match word {
        "text" => json!(e.text),
        "title" => json!(e.text),
        "tag" => json!(format!("#{}", e.tag)),
        "tags" => json!([e.tag]),
        "camera" => json!(e.camera),
        "lens" => json!(e.lens),
        "display" => json!(e.display),
        "website" => json!(w.website),
        "user" => json!(w.user),
        "filename" => w.media["original_filename"].clone(),
        "codes" => codes.clone(),
        "photo" => json!("photo"),
        _ => Value::Null,
    }
}

async fn catalogue_through_pages_json_embeds_and_files(app: &TestApp) {
    set_upload_settings(app, |s| {
        s.guest_uploads = true;
        for w in [&mut s.flood.per_ip, &mut s.flood.per_account] {
            (w.per_minute, w.per_hour, w.per_day) = (100_000, 100_000, 100_000);
        }
    })
    .await;
    let anon = app.bare();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let (e, hp) = (Expect::of(p), harmless(p));
        let hw = world(app, &format!("harmless{i}"), &hp).await;
        let w = world(app, &format!("hostile{i}"), p).await;
        let what = |s: &str| format!("{s} with {p:?}");
        let t = e.text.as_str();
        let codes = api(&anon, &app.url(&format!("/api/v1/media/{}/embed", w.m))).await;

        // HTML pages: safe, structured like the harmless twin's, and showing the text.
        for row in PAGES.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let [who, path, shown @ ..] = &row.split_whitespace().collect::<Vec<_>>()[..] else {
                unreachable!()
            };
            let what = what(&format!("{who} {path}"));
            let (hc, c) = if *who == "owner" {
                (&hw.owner, &w.owner)
            } else {
                (&anon, &anon)
            };
            let (status, harmless_html) = page(hc, &app.url(&fill(path, &hw))).await;
            assert_eq!(status, 200, "{what} (harmless)");
            let (status, html) = page(c, &app.url(&fill(path, &w))).await;
            assert_eq!(status, 200, "{what}");
            let toks = assert_safe_html(&html, p, &what);
            assert_same_shape(&harmless_html, &toks, &what);
            for word in shown {
                let Value::String(s) = value(word, &e, &w, &codes) else {
                    continue;
                };
                assert!(shows(&toks, &s), "{what}: {s:?} is not shown as text");
            }
            let head: String = t.chars().take(200).collect();
            let metas = match row {
                _ if row.starts_with("anon   /image/") => vec![
                    ("og:title", t),
                    ("og:image:alt", t),
                    ("twitter:title", t),
                    ("og:description", &head),
                ],
                _ if row.starts_with("anon   /album/") => {
                    vec![("og:title", t), ("twitter:title", t), ("og:description", t)]
                }
                _ if row.starts_with("anon   /{user}") => {
                    vec![("og:title", e.display.as_deref().unwrap_or(&w.user))]
                }
                _ => vec![],
            };
            for (key, want) in metas {
                assert_eq!(meta(&toks, key), Some(want), "{what}: {key}");
            }
            if row.starts_with("anon   /image/") {
                let alternate = find(&toks, "link", "type", "application/json+oembed");
                assert_eq!(attr(alternate, "title"), Some(t), "{what}");
                let image = find(&toks, "img", "class", "viewer-image");
                assert_eq!(attr(image, "alt"), Some(t), "{what}");
                // The copy fields hold exactly the codes the API gives.
                for (id, code) in [
                    ("share-link", "viewer"),
                    ("direct-full", "full/direct"),
                    ("html-medium", "medium/html_linked"),
                    ("html-full", "full/html"),
                    ("html-thumb", "thumb/html_linked"),
                    ("md-medium", "medium/markdown_linked"),
                    ("md-full", "full/markdown"),
                    ("md-thumb", "thumb/markdown_linked"),
                    ("bb-medium", "medium/bbcode_linked"),
                    ("bb-full", "full/bbcode"),
                    ("bb-thumb", "thumb/bbcode_linked"),
                ] {
                    let field = attr(find(&toks, "input", "id", id), "value");
                    let code = codes.pointer(&format!("/{code}")).and_then(Value::as_str);
                    assert_eq!(field, code, "{what}: #{id}");
                }
            }
            if row.starts_with("anon   /{user}") {
                let link = find(&toks, "a", "class", "profile-website");
                let want = (Some(&*w.website), Some("nofollow ugc noopener"));
                assert_eq!((attr(link, "href"), attr(link, "rel")), want, "{what}");
            }
        }
        let toks = assert_safe_html(&w.guest_page, p, &what("guest upload page"));
        assert_same_shape(&hw.guest_page, &toks, &what("guest upload page"));
        assert!(shows(&toks, t), "{}", what("guest upload page"));

        // JSON: the exact stored strings, everywhere.
        for row in JSON_FIELDS.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let [path, pointer, word] = row.split_whitespace().collect::<Vec<_>>()[..] else {
                unreachable!()
            };
            let v = match path {
                "-" => w.media.clone(),
                path => api(&anon, &app.url(&fill(path, &w))).await,
            };
            let got = v.pointer(pointer).cloned().unwrap_or(Value::Null);
            assert_eq!(got, value(word, &e, &w, &codes), "{}", what(row));
        }
        let site = url::Url::parse(&w.website).unwrap();
        assert_eq!(
            (site.scheme(), site.host_str()),
            ("https", Some("example.org")),
            "{p:?}"
        );
        assert_embed_codes(&codes, t, &what("embed codes"));

        // The stored file name: only removals from what was sent, nothing that escapes.
        let stored = w.media["original_filename"].as_str().unwrap();
        let bad = |c: char| c.is_control() || "\"<>/\\".contains(c);
        assert!(
            !stored.is_empty() && stored.chars().count() <= 120,
            "{p:?}: {stored:?}"
        );
        assert!(
            !stored.contains(bad),
            "{p:?}: the file name {stored:?} is not sanitised"
        );
        let mut sent = w.filename.chars();
        assert!(
            stored.chars().all(|c| sent.any(|s| s == c)),
            "{p:?}: {stored:?} was not sent"
        );
        let res = anon
            .get(w.media["files"]["original"]["url"].as_str().unwrap())
            .send();
        let res = res.await.unwrap();
        assert_eq!(res.status(), 200);
        assert_disposition(res.headers(), stored, &what("original file"));
    }
}

async fn catalogue_through_the_chevereto_reply(app: &TestApp) {
    let owner = new_user(app, "chev").await;
    let key = create_key(&owner, app).await;
    let tool = reqwest::Client::new();
    let upload = |fields: &[(&str, &str)], p: &str| {
        let (ct, body) = multipart("source", &format!("{p}.jpg"), p, fields);
        let req = tool
            .post(app.url("/api/1/upload"))
            .header("x-api-key", &key);
        req.header("content-type", ct).body(body).send()
    };
    for p in PAYLOADS {
        let e = Expect::of(p);
        let fields = [("title", *p), ("description", *p), ("tags", *p)];
        let reply = json_of(upload(&fields, p).await.unwrap()).await;
        assert_eq!(reply["status_code"], 200, "{p:?}: {reply}");
        let image = &reply["image"];
        let id = image["id_encoded"].as_str().unwrap();
        let native = api(&tool, &app.url(&format!("/api/v1/media/{id}"))).await;
        let filename = native["original_filename"].as_str().unwrap();
        let want = json!([e.text, e.text, [e.tag], filename]);
        let got = json!([
            image["title"],
            image["description"],
            image["tags"],
            image["original_filename"]
        ]);
        assert_eq!(got, want, "{p:?}");
        let res = tool
            .get(image["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_disposition(res.headers(), filename, &format!("chevereto file {p:?}"));

        // `format=txt` answers the bare URL; an error echoing a value keeps it JSON text.
        let res = upload(&[("title", p), ("format", "txt")], p).await.unwrap();
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        let txt = res.text().await.unwrap();
        assert!(ct.starts_with("text/plain"), "{p:?}: {ct}");
        assert!(
            txt.starts_with(&app.base) && !txt.contains(char::is_whitespace),
            "{p:?}: {txt:?}"
        );
        let version = percent_encoding::utf8_percent_encode(p, percent_encoding::NON_ALPHANUMERIC);
        let res = tool
            .get(app.url(&format!("/api/{version}/upload")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{p:?}");
        let message = format!("Invalid API version `{p}`");
        assert_eq!(json_of(res).await["error"]["message"], message, "{p:?}");
    }
}

async fn catalogue_through_site_settings_and_key_names(app: &TestApp) {
    let admin = app.admin("boss").await;
    let key = create_key(&admin, app).await;
    let anon = app.bare();
    let (ct, body) = multipart("file", "p.jpg", "x", &[]);
    let res = admin
        .post(app.url("/api/v1/media"))
        .header("content-type", ct)
        .body(body);
    let viewer = json_of(res.send().await.unwrap()).await["url"]
        .as_str()
        .unwrap()
        .to_owned();
    // (page, seen by the admin); the media page is last.
    let paths = [
        "/login",
        "/",
        "/no/such/page",
        "/admin/settings",
        &viewer[app.base.len()..],
    ];
    for p in PAYLOADS {
        let e = Expect::of(p);
        let mut htmls = Vec::new();
        for text in [harmless(p), p.to_string()] {
            let res = admin.patch(app.url("/api/v1/admin/settings"));
            let res = res
                .json(&json!({ "name": text, "description": text }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "site name {text:?}");
            for path in paths {
                let c = if path.starts_with("/admin") {
                    &admin
                } else {
                    &anon
                };
                htmls.push(page(c, &app.url(path)).await.1);
            }
        }
        let (harmless_htmls, htmls) = htmls.split_at(paths.len());
        for (path, (harmless_html, html)) in paths.iter().zip(harmless_htmls.iter().zip(htmls)) {
            let what = format!("{path} with the site named {p:?}");
            let toks = assert_safe_html(html, p, &what);
            assert_same_shape(harmless_html, &toks, &what);
            assert!(
                shows(&toks, &format!(" · {}", e.text)),
                "{what}: not in the title"
            );
            assert_eq!(meta(&toks, "description"), Some(&*e.text), "{what}");
        }
        let toks = tokens(&htmls[paths.len() - 1]);
        assert_eq!(meta(&toks, "og:site_name"), Some(&*e.text), "{p:?}");
        let oembed = api(
            &anon,
            &app.url(&format!("/oembed?{}", oembed_query(&viewer))),
        )
        .await;
        assert_eq!(oembed["provider_name"].as_str(), Some(&*e.text), "{p:?}");
        let res = reqwest::Client::new()
            .get(app.url("/api/v1/me/sharex"))
            .header("x-api-key", &key);
        let res = res.send().await.unwrap();
        let disposition = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        let name = disposition
            .strip_prefix("attachment; filename=\"")
            .and_then(|r| r.strip_suffix(".sxcu\""));
        let slug = name.is_some_and(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert!(slug, "{p:?}: {disposition}");
        assert_eq!(json_of(res).await["Name"].as_str(), Some(&*e.text), "{p:?}");

        // A key name is shown on the settings page (and in its revoke confirmation).
        let res = admin
            .post(app.url("/api/v1/me/api-keys"))
            .json(&json!({ "name": p }));
        let res = res.send().await.unwrap();
        if res.status() == 201 {
            let stored = json_of(res).await["name"].as_str().unwrap().to_owned();
            let html = page(&admin, &app.url("/settings")).await.1;
            let toks = assert_safe_html(&html, p, &format!("settings with a key named {p:?}"));
            assert!(
                shows(&toks, &format!("Revoke the key “{stored}”?")),
                "{p:?}"
            );
        } else {
            assert_eq!(res.status(), 422, "key name {p:?}");
            assert_eq!(json_of(res).await["error"]["field"], "name", "{p:?}");
        }
    }
}

/// Requests that echo a value back: who asks, method, path, form body (`{v}`: the value,
/// URL-encoded), status, whether the page must show the value.
const REFLECTED: &str = "
    anon  POST /signup             username={v}&email=x%40example.org&password=correct+horse&password_confirm=correct+horse  422  shown
    anon  POST /login              login={v}&password=wrong+password&next={v}  401  shown
    anon  GET  /login?next={v}     -  200  -
    anon  POST /forgot-password    login={v}  404  -
    anon  GET  /reset/{v}          -  410  -
    admin GET  /admin/users?q={v}  -  200  shown
    anon  GET  /{v}                -  404  -
    anon  GET  /image/{v}          -  404  -
    anon  GET  /album/{v}          -  404  -
";

async fn catalogue_through_usernames_and_reflected_values(app: &TestApp) {
    let admin = app.admin("rooty").await;
    let signup = app.url("/api/v1/auth/signup");
    for p in PAYLOADS {
        // Failed logins below would soon be throttled: a new window each time.
        app.clock.advance(16 * 60);
        let body = json!({ "username": p, "email": "x@example.org", "password": "correct horse" });
        let res = app.bare().post(&signup).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 422, "username {p:?} is refused");
        assert_eq!(json_of(res).await["error"]["field"], "username", "{p:?}");

        // The harmless twin has a space, so it is refused as a username too.
        let twin = format!("{} x", harmless(p));
        for row in REFLECTED.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let [who, method, path, form, status, shown] =
                row.split_whitespace().collect::<Vec<_>>()[..]
            else {
                unreachable!()
            };
            let what = format!("{method} {path} with {p:?}");
            let mut htmls = Vec::new();
            for v in [twin.as_str(), p] {
                let c = if who == "admin" {
                    admin.clone()
                } else {
                    app.browser()
                };
                let v =
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
                let req = c.request(
                    method.parse().unwrap(),
                    app.url(&path.replace("{v}", &v.to_string())),
                );
                let req = match form {
                    "-" => req,
                    form => req
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(form.replace("{v}", &v.to_string())),
                };
                let res = req.send().await.unwrap();
                assert_eq!(res.status().as_str(), status, "{what}");
                htmls.push(res.text().await.unwrap());
            }
            let toks = assert_safe_html(&htmls[1], p, &what);
            assert_same_shape(&htmls[0], &toks, &what);
            assert!(
                shown == "-" || shows(&toks, p.trim()),
                "{what}: the typed value is not kept"
            );
        }
    }
}

/// The checkers above fail on what they look for (and pass escaped text).
#[test]
fn the_checks_catch_injections() {
    let fails = |html: &str| {
        std::panic::catch_unwind(|| assert_safe_html(html, "<x>", "probe").len()).is_err()
    };
    assert!(!fails(
        "<p title=\"&lt;x&gt;\">&lt;x&gt;</p><script src=\"/static/a.js\"></script>"
    ));
    for broken in [
        "<p><x></p>",
        "<img src=a onerror=alert(1)>",
        "<a href=' java\tscript:alert(1)'>",
        "<script>alert(1)</script>",
        "<textarea></textarea><svg onload=alert(1)></textarea>",
        "<meta property=\"og:image\" content=\"javascript:x\">",
    ] {
        assert!(fails(broken), "{broken}");
    }
    let differs = |a: &str, b: &str| {
        std::panic::catch_unwind(|| assert_same_shape(a, &tokens(b), "probe")).is_err()
    };
    assert!(!differs(
        "<p title=\"a b\">x</p>",
        "<p title='c&quot;d'>&lt;y&gt;</p>"
    ));
    assert!(differs(
        "<p title=\"x\">",
        "<p title=\"\" onmouseover=\"\">"
    ));
    assert!(differs("<p>x</p>", "<p>x<b>y</b></p>"));
    let codes = |alt: &str, md: &str| {
        json!({"viewer": "V", "full": {"direct": "D", "html": format!("<img src=\"D\" alt=\"{alt}\" width=\"1\" height=\"1\">"),
            "html_linked": format!("<a href=\"V\"><img src=\"D\" alt=\"{alt}\" width=\"1\" height=\"1\"></a>"),
            "markdown": format!("![{md}](D)"), "markdown_linked": format!("[![{md}](D)](V)"),
            "bbcode": "[img]D[/img]", "bbcode_linked": "[url=V][img]D[/img][/url]"}})
    };
    let embeds_fail = |c: Value, title: &str| {
        let mut c = c;
        c["medium"] = c["full"].clone();
        c["thumb"] = c["full"].clone();
        std::panic::catch_unwind(|| assert_embed_codes(&c, title, "probe")).is_err()
    };
    assert!(!embeds_fail(codes("a&quot;]", "a\"\\]"), "a\"]"));
    assert!(embeds_fail(codes("a\"]", "a\"]"), "a\"]"));
    assert!(embeds_fail(
        codes("a", "a](javascript:x)"),
        "a](javascript:x)"
    ));
}
