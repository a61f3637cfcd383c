//! API keys: create, use with both headers, list, last-use, revoke.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code};

crate::backend_tests!(
    api_keys_create_use_and_revoke,
    api_keys_are_private_to_their_owner,
    wrong_keys_and_passwords_are_rate_limited
);

/// Wrong API keys are counted per address (429 past the limit, on the native API and the
/// Chevereto endpoint alike) while a valid key keeps working; wrong current passwords on a
/// password change are counted per session or key, so a stolen session cannot lock the owner
/// out.
async fn wrong_keys_and_passwords_are_rate_limited(app: &TestApp) {
    let c = app.signup("guesser").await;
    let key = crate::support::create_key(&c, app).await;
    let bare = app.bare();
    for i in 0..20 {
        let res = bare
            .get(app.url("/api/v1/me"))
            .bearer_auth(format!("vt_wrong{i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth("vt_wrong-again")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let chev = bare
        .post(app.url("/api/1/upload"))
        .query(&[("key", "vt_wrong-chevereto"), ("format", "json")])
        .send()
        .await
        .unwrap();
    assert_eq!(chev.status(), 400);
    let body: Value = chev.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("many"),
        "{body}"
    );
    let res = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a valid key is never refused");

    for i in 0..5 {
        let res = c
            .post(app.url("/api/v1/me/password"))
            .json(&json!({ "current_password": format!("nope {i}"), "new_password": "another horse" }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(res).await,
            "wrong_current_password",
            "attempt {i}"
        );
    }
    let res = c
        .post(app.url("/api/v1/me/password"))
        .json(&json!({ "current_password": "correct horse", "new_password": "another horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        429,
        "even the right password waits out the window, on this session"
    );
    // The owner, signed in elsewhere, is not locked out by what that session did.
    let owner = app.browser();
    assert_eq!(
        crate::support::login(&owner, app, "guesser", "correct horse")
            .await
            .status(),
        200
    );
    let res = owner
        .post(app.url("/api/v1/me/password"))
        .json(&json!({ "current_password": "correct horse", "new_password": "another horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

async fn api_keys_create_use_and_revoke(app: &TestApp) {
    let c = app.signup("kate").await;
    let res = c
        .post(app.url("/api/v1/me/api-keys"))
        .json(&json!({ "name": "ShareX" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("vt_") && secret.len() > 40, "{secret}");
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));

    let bare = app.bare();
    let me: Value = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "kate");
    let me: Value = bare
        .get(app.url("/api/v1/me"))
        .header("X-API-Key", &secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "kate");
    // An API key needs no Origin: it is not a cookie a browser sends by itself.
    let res = bare
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .json(&json!({ "display_name": "Kate K." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let list: Value = c
        .get(app.url("/api/v1/me/api-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "ShareX");
    assert!(items[0]["last_used_at"].is_string(), "use is recorded");
    assert!(
        items[0].get("secret").is_none(),
        "the secret is never listed"
    );

    let id = created["id"].as_i64().unwrap();
    let res = c
        .delete(app.url(&format!("/api/v1/me/api-keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(error_code(res).await, "invalid_api_key");
    let list: Value = c
        .get(app.url("/api/v1/me/api-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());

    for bad in ["vt_not-a-real-key", "garbage"] {
        let res = bare
            .get(app.url("/api/v1/me"))
            .header("X-API-Key", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{bad}");
    }
    let res = c
        .post(app.url("/api/v1/me/api-keys"))
        .json(&json!({ "name": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

async fn api_keys_are_private_to_their_owner(app: &TestApp) {
    let owner = app.signup("liam").await;
    let other = app.signup("mona").await;
    let created: Value = owner
        .post(app.url("/api/v1/me/api-keys"))
        .json(&json!({ "name": "k" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let res = other
        .delete(app.url(&format!("/api/v1/me/api-keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "someone else's key is not found");
    let list: Value = other
        .get(app.url("/api/v1/me/api-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let secret = created["secret"].as_str().unwrap();
    let me: Value = app
        .bare()
        .get(app.url("/api/v1/me"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "liam", "the key still works for its owner");
}
