//! The admin area as a browser without JavaScript uses it: who may see it, the users page
//! (search, pages, roles, bans, escaping), the site settings form (palette, accent, logo) and
//! the upload settings form (with the accepted formats enforced by both upload APIs).

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{TestApp, create_key, error_code, get_json, location, me_status, post_form};

crate::backend_tests!(
    admin_pages_are_for_admins_only,
    users_page_searches_pages_and_acts,
    site_settings_form_sets_palette_and_accent,
    logo_is_served_and_never_listed,
    upload_settings_form_and_accepted_formats,
);

/// `s` as the templates write it in an attribute (minijinja also escapes `/`).
fn escaped(s: &str) -> String {
    s.replace('/', "&#x2f;")
}

async fn html(c: &reqwest::Client, url: String) -> String {
    let res = c.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.url());
    res.text().await.unwrap()
}

/// Creates an account directly (no sign-up throttling), with a display name.
async fn add_user(app: &TestApp, name: &str, display: Option<&str>) {
    let input = vitrine_app::SignupInput {
        username: name.into(),
        email: format!("{name}@example.org"),
        password: "correct horse".into(),
        password_confirm: None,
    };
    let a = &app.server.state.app;
    let u = a
        .create_user(
            &vitrine_app::Actor::System,
            &input,
            vitrine_domain::Role::User,
        )
        .await
        .unwrap();
    if let Some(d) = display {
        let actor = vitrine_app::Actor::User(vitrine_app::AuthUser {
            id: u.id,
            username: u.username.clone(),
            role: u.role,
            via: vitrine_app::AuthVia::Session,
            session_id: None,
        });
        a.update_display_name(&actor, d).await.unwrap();
    }
}

async fn admin_pages_are_for_admins_only(app: &TestApp) {
    let pages = [
        "/admin",
        "/admin/users",
        "/admin/settings",
        "/admin/uploads",
    ];
    let posts = [
        "/admin/users/someone/role",
        "/admin/users/someone/status",
        "/admin/settings",
        "/admin/settings/logo/remove",
        "/admin/uploads",
    ];
    let anon = app.browser();
    for p in pages {
        let res = anon.get(app.url(p)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{p}");
        assert_eq!(location(&res), format!("/login?next={p}"));
    }
    let user = app.signup("mallory").await;
    for p in pages {
        let res = user.get(app.url(p)).send().await.unwrap();
        assert_eq!(res.status(), 403, "{p}: as the admin API refuses users");
        assert!(!res.text().await.unwrap().contains("admin-nav"), "{p}");
    }
    for p in posts {
        let res = post_form(
            &user,
            app.url(p),
            &[("role", "admin"), ("status", "banned"), ("name", "Pwned")],
        )
        .await;
        assert_eq!(res.status(), 403, "POST {p}");
        let res = post_form(&anon, app.url(p), &[("name", "Pwned")]).await;
        assert_eq!(res.status(), 303, "POST {p} anonymous");
    }
    let res = user
        .put(app.url("/api/v1/admin/logo"))
        .multipart(Form::new().part("file", Part::bytes(png_rgb(8, 8)).file_name("l.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let me: Value = get_json(&user, app.url("/api/v1/me")).await;
    assert_eq!(me["role"], "user", "nothing changed");

    let admin = app.admin("boss").await;
    for p in pages {
        let page = html(&admin, app.url(p)).await;
        assert!(page.contains("aria-label=\"Administration\""), "{p}");
        assert!(page.contains("/static/admin.css?v="), "{p}");
        assert!(page.contains("aria-current=\"page\""), "{p}");
    }
    let overview = html(&admin, app.url("/admin")).await;
    assert!(overview.contains("Storage used"));
    let settings: Value = get_json(&admin, app.url("/api/v1/admin/settings")).await;
    assert_eq!(
        settings["name"], "Vitrine",
        "the refused posts changed nothing"
    );
}

async fn users_page_searches_pages_and_acts(app: &TestApp) {
    let admin = app.admin("boss").await;
    add_user(app, "alice", None).await;
    add_user(app, "bob", Some("<img src=x onerror=alert(1)> Bob")).await;
    let bob = app.browser();
    assert_eq!(
        crate::support::login(&bob, app, "bob", "correct horse")
            .await
            .status(),
        200
    );

    // Search by username or e-mail prefix; markup in names is text.
    let page = html(&admin, app.url("/admin/users?q=ali")).await;
    assert!(page.contains("id=\"user-alice\"") && !page.contains("id=\"user-bob\""));
    let page = html(&admin, app.url("/admin/users?q=bob%40example")).await;
    assert!(page.contains("id=\"user-bob\"") && !page.contains("id=\"user-alice\""));
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt; Bob"),
        "{page}"
    );
    assert!(!page.contains("<img src=x"));
    let page = html(&admin, app.url("/admin/users?q=nobody")).await;
    assert!(page.contains("No account starts with “nobody”"));

    // Role: back to the same search with a notice; the API agrees.
    let res = post_form(
        &admin,
        app.url("/admin/users/bob/role"),
        &[("role", "manager"), ("q", "b")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/admin/users?q=b&notice=role_changed#user-bob"
    );
    let page = html(&admin, app.url("/admin/users?q=b&notice=role_changed")).await;
    assert!(page.contains("The role was changed."));
    let u: Value = get_json(&admin, app.url("/api/v1/admin/users?q=bob")).await;
    assert_eq!(u["items"][0]["role"], "manager");

    // Ban ends the session; unban lets them back.
    let res = post_form(
        &admin,
        app.url("/admin/users/bob/status"),
        &[("status", "banned")],
    )
    .await;
    assert_eq!(location(&res), "/admin/users?notice=user_banned#user-bob");
    assert_eq!(me_status(&bob, app).await, 401);
    let page = html(&admin, app.url("/admin/users?notice=user_banned")).await;
    assert!(page.contains("The account was banned"));
    assert!(page.contains("Unban<span class=\"sr-only\"> @bob"));
    let res = post_form(
        &admin,
        app.url("/admin/users/bob/status"),
        &[("status", "active")],
    )
    .await;
    assert_eq!(location(&res), "/admin/users?notice=user_unbanned#user-bob");
    let u: Value = get_json(&admin, app.url("/api/v1/admin/users?q=bob")).await;
    assert_eq!(u["items"][0]["status"], "active");

    // Admins cannot ban or demote themselves: the page says why.
    let res = post_form(
        &admin,
        app.url("/admin/users/boss/status"),
        &[("status", "banned")],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("You cannot ban yourself.")
    );
    add_user(app, "second", None).await;
    app.server
        .state
        .app
        .set_role(
            &vitrine_app::Actor::System,
            "second",
            vitrine_domain::Role::Admin,
        )
        .await
        .unwrap();
    let res = post_form(
        &admin,
        app.url("/admin/users/boss/role"),
        &[("role", "user")],
    )
    .await;
    assert_eq!(res.status(), 422, "not even with another admin around");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("You cannot change your own role")
    );
    let res = post_form(
        &admin,
        app.url("/admin/users/bob/role"),
        &[("role", "emperor")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = post_form(
        &admin,
        app.url("/admin/users/ghost/status"),
        &[("status", "banned")],
    )
    .await;
    assert_eq!(res.status(), 404);

    // Pages of 50, by username: the next link carries the search and the cursor.
    for i in 0..50 {
        add_user(app, &format!("p{i:02}"), None).await;
    }
    let first = html(&admin, app.url("/admin/users?q=p")).await;
    assert!(first.contains("id=\"user-p00\"") && first.contains("id=\"user-p49\""));
    assert!(
        first.contains("href=\"/admin/users?q=p&amp;cursor=p49\" rel=\"next\""),
        "a full page links the next one"
    );
    let all = html(&admin, app.url("/admin/users")).await;
    assert!(
        all.contains("cursor=p46\" rel=\"next\""),
        "alice, bob, boss, 47 p's"
    );
    let second = html(&admin, app.url("/admin/users?cursor=p46")).await;
    for name in ["p47", "p48", "p49", "second"] {
        assert!(second.contains(&format!("id=\"user-{name}\"")), "{name}");
    }
    assert!(!second.contains("id=\"user-alice\"") && !second.contains("rel=\"next\""));
    assert!(second.contains(">First page</a>"));
}

async fn site_settings_form_sets_palette_and_accent(app: &TestApp) {
    let admin = app.admin("boss").await;
    let page = html(&admin, app.url("/admin/settings")).await;
    assert!(page.contains("value=\"system\" checked"));
    assert!(page.contains("<html lang=\"en\" data-default-theme=\"system\">"));

    let form = [
        ("name", "Harbour Photos"),
        ("description", "Boats & <b>tides</b>"),
        ("default_theme", "dark"),
        ("custom_accent", "on"),
        ("accent", "#0A7C66"),
    ];
    let res = post_form(&admin, app.url("/admin/settings"), &form).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/settings?notice=site_saved");
    let s: Value = get_json(&admin, app.url("/api/v1/admin/settings")).await;
    assert_eq!(s["name"], "Harbour Photos");
    assert_eq!(s["description"], "Boats & <b>tides</b>");
    assert_eq!(s["signups_enabled"], false, "an unticked box is off");
    assert_eq!(s["default_theme"], "dark");
    assert_eq!(s["accent"], "#0a7c66");

    // Every page: the default palette (also for visitors without JavaScript) and the accent.
    let home = html(&app.browser(), app.url("/")).await;
    assert!(
        home.contains("data-default-theme=\"dark\" data-theme=\"dark\">"),
        "{home}"
    );
    // A stylesheet, not a style attribute: the CSP allows no inline styles.
    assert!(home.contains("href=\"/site.css?v=0a7c66\""), "{home}");
    let res = app
        .browser()
        .get(app.url("/site.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    let css = res.text().await.unwrap();
    assert!(
        css.starts_with(":root {\n  --accent: #0a7c66 !important;"),
        "{css}"
    );
    assert!(home.contains("Boats &amp; &lt;b&gt;tides&lt;&#x2f;b&gt;"));
    let page = html(&admin, app.url("/admin/settings?notice=site_saved")).await;
    assert!(page.contains("The site settings were saved."));
    assert!(page.contains("name=\"custom_accent\" type=\"checkbox\" value=\"on\" checked"));

    // Refused: an accent that is not exactly #rrggbb, an unknown palette, an empty name.
    for (field, bad, message) in [
        (
            "accent",
            "red;background:url(x)",
            "Must be a colour written as #rrggbb.",
        ),
        ("default_theme", "neon", "Must be system, light or dark."),
        ("name", "  ", "Must be 1 to 64 characters long."),
    ] {
        let mut form = vec![
            ("name", "Harbour Photos"),
            ("default_theme", "light"),
            ("custom_accent", "on"),
            ("accent", "#112233"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, bad));
        let res = post_form(&admin, app.url("/admin/settings"), &form).await;
        assert_eq!(res.status(), 422, "{field}");
        let page = res.text().await.unwrap();
        assert!(page.contains(message), "{field}: {page}");
        assert!(page.contains("aria-invalid=\"true\""), "{field}");
        assert!(
            page.contains("data-theme=\"dark\">") && page.contains("/site.css?v=0a7c66"),
            "{field}: the page keeps the saved palette and accent"
        );
    }
    let res = admin
        .patch(app.url("/api/v1/admin/settings"))
        .json(&json!({ "accent": "#0a7c66\" onmouseover=\"x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "validation_failed");
    let s: Value = get_json(&admin, app.url("/api/v1/admin/settings")).await;
    assert_eq!(
        (s["accent"].as_str(), s["default_theme"].as_str()),
        (Some("#0a7c66"), Some("dark")),
        "refused changes changed nothing"
    );

    // Unticking the box brings the built-in colour back; the API can set the palette too.
    let res = admin
        .post(app.url("/admin/settings"))
        .form(&[
            ("name", "Harbour Photos"),
            ("default_theme", "system"),
            ("accent", "#0a7c66"),
            ("signups_enabled", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = admin
        .patch(app.url("/api/v1/admin/settings"))
        .json(&json!({ "default_theme": "light" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    assert_eq!(
        (s["accent"].as_str(), s["signups_enabled"].as_bool()),
        (Some(""), Some(true))
    );
    let home = html(&app.browser(), app.url("/")).await;
    assert!(home.contains("<html lang=\"en\" data-default-theme=\"light\" data-theme=\"light\">"));
}

async fn logo_is_served_and_never_listed(app: &TestApp) {
    let admin = app.admin("boss").await;
    let logo_form = |bytes: Vec<u8>, name: &str| {
        Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()))
    };
    // A real upload beside it, so the listings below are shown to list things.
    let res = admin
        .post(app.url("/api/v1/media"))
        .multipart(logo_form(png_rgb(30, 20), "photo.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let photo: Value = res.json().await.unwrap();
    let res = admin
        .post(app.url("/admin/settings/logo"))
        .multipart(logo_form(png_rgb(600, 150), "logo.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/settings?notice=logo_saved#logo");
    let s: Value = get_json(&admin, app.url("/api/v1/admin/settings")).await;
    let id = s["logo_media_id"].as_str().expect("a logo").to_owned();

    // Every page shows it (the 512 px medium of a wide logo, its shape kept)...
    let home = html(&app.browser(), app.url("/")).await;
    let src = escaped(&format!("{}/i/{id}.md.", app.base));
    assert!(
        home.contains(&format!("<img class=\"brand-logo\" src=\"{src}")),
        "{home}"
    );
    assert!(home.contains("width=\"512\" height=\"128\""), "{home}");
    assert!(!home.contains("class=\"brand-mark\""));
    let start = home.find(&src).unwrap();
    let url = home[start..start + home[start..].find('"').unwrap()].replace("&#x2f;", "/");
    let url = url.as_str();
    let res = app.browser().get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );

    // ...and no listing or count does.
    let anon = app.browser();
    for (c, path) in [
        (&anon, "/api/v1/media"),
        (&admin, "/api/v1/media"),
        (&admin, "/api/v1/me/media"),
        (&anon, "/api/v1/users/boss/media"),
    ] {
        let list: Value = get_json(c, app.url(path)).await;
        let ids: Vec<&Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["id"])
            .collect();
        assert_eq!(ids, [&photo["id"]], "{path}: the photo, not the logo");
    }
    let profile = html(&anon, app.url("/boss")).await;
    assert!(profile.contains(&format!("data-id=\"{}\"", photo["id"].as_str().unwrap())));
    assert!(
        !profile.contains(&format!("data-id=\"{id}\"")),
        "not on the profile grid"
    );
    let overview = html(&admin, app.url("/admin")).await;
    assert!(overview.contains("id=\"stat-media\">1<"), "{overview}");

    // An empty file input is refused on the page; a replacement removes the old logo.
    let res = admin
        .post(app.url("/admin/settings/logo"))
        .multipart(logo_form(Vec::new(), ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose an image file for the logo.")
    );
    let res = admin
        .put(app.url("/api/v1/admin/logo"))
        .multipart(logo_form(png_rgb(64, 64), "small.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    let new_id = s["logo_media_id"].as_str().unwrap();
    assert_ne!(new_id, id);
    let home = html(&app.browser(), app.url("/")).await;
    assert!(
        home.contains(&format!(
            "src=\"{}\"",
            escaped(&format!("{}/i/{new_id}.png", app.base))
        )),
        "a small logo is shown as it is: {home}"
    );
    assert_eq!(app.browser().get(url).send().await.unwrap().status(), 404);

    let res = admin
        .post(app.url("/admin/settings/logo/remove"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/admin/settings?notice=logo_removed#logo");
    let s: Value = get_json(&admin, app.url("/api/v1/admin/settings")).await;
    assert!(s["logo_media_id"].is_null());
    let home = html(&app.browser(), app.url("/")).await;
    assert!(home.contains("class=\"brand-mark\"") && !home.contains("brand-logo"));
}

/// The upload settings form as the page fills it in, with `changes` applied.
fn uploads_form(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        ("max_mb", "50"),
        ("max_megapixels", "100"),
        ("max_side", "20000"),
        ("max_frames", "500"),
        ("thumb_size", "320"),
        ("medium_size", "1280"),
        ("guest_max_mb", "10"),
        ("guest_api_key", ""),
        ("ip_per_minute", "60"),
        ("ip_per_hour", "600"),
        ("ip_per_day", "3000"),
        ("account_per_minute", "60"),
        ("account_per_hour", "600"),
        ("account_per_day", "3000"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in changes {
        form.retain(|(f, _)| f != k || *k == "formats");
        form.push(((*k).to_owned(), (*v).to_owned()));
    }
    form
}

async fn upload_settings_form_and_accepted_formats(app: &TestApp) {
    let admin = app.admin("boss").await;
    let page = html(&admin, app.url("/admin/uploads")).await;
    for f in ["jpeg", "png", "gif", "webp", "bmp"] {
        assert!(
            page.contains(&format!("name=\"formats\" value=\"{f}\" checked")),
            "{f} allowed by default"
        );
    }
    assert!(page.contains("id=\"f-max_mb\" name=\"max_mb\" type=\"number\" value=\"50\""));

    let form = uploads_form(&[
        ("max_mb", "20"),
        ("guest_max_mb", "0.5"),
        ("keep_exif", "on"),
        ("ip_per_hour", "100"),
        ("formats", "jpeg"),
        ("formats", "gif"),
    ]);
    let res = post_form(&admin, app.url("/admin/uploads"), &form).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/uploads?notice=uploads_saved");
    let s: Value = get_json(&admin, app.url("/api/v1/admin/upload-settings")).await;
    assert_eq!(s["max_bytes"], 20 * 1024 * 1024);
    assert_eq!(s["guest_max_bytes"], 512 * 1024);
    assert_eq!(s["keep_exif"], true);
    assert_eq!(s["guest_uploads"], false);
    assert_eq!(s["flood"]["per_ip"]["per_hour"], 100);
    assert_eq!(s["allowed_formats"], json!(["jpeg", "gif"]));
    let page = html(&admin, app.url("/admin/uploads?notice=uploads_saved")).await;
    assert!(page.contains("The upload settings were saved."));
    assert!(page.contains("value=\"png\">") && page.contains("value=\"gif\" checked"));

    // A PNG is refused by both upload APIs with a message naming what is accepted.
    let user = app.signup("uma").await;
    let key = create_key(&user, app).await;
    let png = || Form::new().part("file", Part::bytes(png_rgb(40, 30)).file_name("a.png"));
    let res = user
        .post(app.url("/api/v1/media"))
        .multipart(png())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "format_not_allowed");
    assert_eq!(
        body["error"]["message"],
        "PNG images are not accepted on this site; allowed: JPEG and GIF"
    );
    let res = crate::chevereto::tool()
        .post(app.url("/api/1/upload"))
        .header("X-API-Key", &key)
        .multipart(Form::new().part("source", Part::bytes(png_rgb(40, 30)).file_name("a.png")))
        .send()
        .await
        .unwrap();
    let (status, body) = crate::chevereto::json_of(res).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["status_code"], 400);
    assert_eq!(body["error"]["code"], 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("PNG images are not accepted on this site"),
        "{body}"
    );
    let listed: Value = get_json(&user, app.url("/api/v1/me/media")).await;
    assert_eq!(listed["items"], json!([]), "nothing was stored");
    let photo = jpeg(&JpegSpec {
        width: 40,
        height: 30,
        ..JpegSpec::default()
    });
    let jpeg = Form::new().part("file", Part::bytes(photo).file_name("a.jpg"));
    let res = user
        .post(app.url("/api/v1/media"))
        .multipart(jpeg)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "allowed formats still upload");

    // Every problem at once, typed values kept; the app's own checks too.
    let res = post_form(
        &admin,
        app.url("/admin/uploads"),
        &uploads_form(&[("max_mb", "-1"), ("thumb_size", "big")]),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Enter a size in MB, such as 50 or 0.5."));
    assert!(page.contains("Enter a whole number."));
    assert!(page.contains("name=\"thumb_size\" type=\"number\" value=\"big\""));
    for (changes, message) in [
        (
            vec![("formats", "jpeg"), ("guest_max_mb", "60")],
            "Must be between 1 KiB and the largest upload (max_bytes).",
        ),
        (vec![], "Allow at least one format."),
    ] {
        let res = post_form(&admin, app.url("/admin/uploads"), &uploads_form(&changes)).await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains(message), "{message}: {page}");
    }
    let s: Value = get_json(&admin, app.url("/api/v1/admin/upload-settings")).await;
    assert_eq!(s["allowed_formats"], json!(["jpeg", "gif"]), "unchanged");

    // The JSON API takes the list too, and refuses names it does not know.
    let mut s = s;
    s["allowed_formats"] = json!(["png", "svg"]);
    let res = admin
        .put(app.url("/api/v1/admin/upload-settings"))
        .json(&s)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    s["allowed_formats"] = json!(["png", "webp"]);
    let res = admin
        .put(app.url("/api/v1/admin/upload-settings"))
        .json(&s)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = user
        .post(app.url("/api/v1/media"))
        .multipart(png())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}
