//! The optional Redis (`redis_url`): pages read the site settings through it and every change
//! replaces the cached copy (so all nodes see it at once); rate limits count from its counters,
//! which the audit log writer feeds, when they reach back over the whole window. Needs
//! VITRINE_TEST_REDIS_URL.

use redis::AsyncCommands;
use serde_json::json;

use crate::support::{Backend, TestApp, login};

async fn start(name: &str) -> Option<(TestApp, redis::aio::MultiplexedConnection, String)> {
    let Some(url) = std::env::var("VITRINE_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped {name}: VITRINE_TEST_REDIS_URL is not set");
        return None;
    };
    let prefix = format!("vt{}{name}:", std::process::id());
    let app = TestApp::start_with(Backend::Sqlite, name, |cfg| {
        cfg.redis_url = Some(url.clone());
        cfg.redis_prefix = prefix.clone();
    })
    .await?;
    let conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    Some((app, conn, prefix))
}

#[tokio::test]
async fn settings_are_read_through_redis_and_replaced_on_change() {
    let Some((app, mut redis, prefix)) = start("settings").await else {
        return;
    };
    let admin = app.admin("rhea").await;
    let home = || async {
        app.browser()
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(home().await.contains("Vitrine"));
    let key = format!("{prefix}setting:site");
    let cached: Option<String> = redis.get(&key).await.unwrap();
    assert!(cached.is_some(), "the first page filled the cache");

    // What Redis holds is what pages show...
    let doctored = json!({"name": "From Redis"}).to_string();
    let _: () = redis.set(&key, format!("={doctored}")).await.unwrap();
    assert!(home().await.contains("From Redis"));
    // ...until a change replaces it.
    let res = admin
        .patch(app.url("/api/v1/admin/settings"))
        .json(&json!({"name": "Changed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cached: Option<String> = redis.get(&key).await.unwrap();
    assert!(
        cached.is_some_and(|c| c.contains("Changed")),
        "the change replaced the cached copy"
    );
    let page = home().await;
    assert!(page.contains("Changed") && !page.contains("From Redis"));
    let _: () = redis.del(&key).await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn login_limits_count_in_redis_when_its_counters_are_complete() {
    let Some((app, mut redis, prefix)) = start("throttle").await else {
        return;
    };
    let complete_since = format!("{prefix}rate:complete_since");
    // As if Redis had been counting all along.
    let _: () = redis.set(&complete_since, 0).await.unwrap();
    let c = app.signup("tess").await;
    for _ in 0..5 {
        assert_eq!(login(&c, &app, "tess", "wrong").await.status(), 401);
    }
    assert_eq!(login(&c, &app, "tess", "correct horse").await.status(), 429);
    let key = format!("{prefix}rate:login_failed:target:tess");
    let n: u64 = redis.zcard(&key).await.unwrap();
    assert_eq!(n, 5, "one counter entry per failure");
    let wipe = |mut r: redis::aio::MultiplexedConnection| {
        let prefix = prefix.clone();
        async move {
            let keys: Vec<String> = r
                .keys(format!("{prefix}rate:login_failed:*"))
                .await
                .unwrap();
            for k in keys {
                let _: () = r.del(k).await.unwrap();
            }
        }
    };
    // The limit reads the counters (the audit log still holds the five failures).
    wipe(redis.clone()).await;
    assert_eq!(login(&c, &app, "tess", "correct horse").await.status(), 200);

    // Counters that do not reach back over the window (Redis emptied or restarted) are not
    // trusted: the audit log answers.
    for _ in 0..5 {
        assert_eq!(login(&c, &app, "tess", "wrong").await.status(), 401);
    }
    wipe(redis.clone()).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let _: () = redis.set(&complete_since, now).await.unwrap();
    assert_eq!(login(&c, &app, "tess", "correct horse").await.status(), 429);
    app.stop().await;
}
