//! The storage suite, run against the local filesystem always and against a real S3 server
//! when `VITRINE_TEST_S3_ENDPOINT` is set (moto_server or s3s-fs in CI; the bucket named by
//! `VITRINE_TEST_S3_BUCKET`, default `vitrine-test`, must exist). Each test works under its own
//! key prefix, so tests share one bucket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use vitrine_storage::{BlobStore, Delivery, S3Settings, StorageError};

static N: AtomicU32 = AtomicU32::new(0);

fn s3_settings(delivery: Delivery) -> Option<S3Settings> {
    let endpoint = std::env::var("VITRINE_TEST_S3_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())?;
    Some(S3Settings {
        bucket: std::env::var("VITRINE_TEST_S3_BUCKET").unwrap_or_else(|_| "vitrine-test".into()),
        region: "us-east-1".into(),
        endpoint: Some(endpoint),
        path_style: true,
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        prefix: format!(
            "t{}-{}/",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ),
        delivery,
        public_base_url: None,
        presign: Duration::from_secs(60),
        timeout: Duration::from_secs(10),
    })
}

fn s3(delivery: Delivery) -> Option<BlobStore> {
    match s3_settings(delivery) {
        Some(s) => Some(BlobStore::s3(&s).unwrap()),
        None => {
            eprintln!("skipped on S3: VITRINE_TEST_S3_ENDPOINT is not set");
            None
        }
    }
}

/// Deterministic bytes that are not all alike (a part mix-up would show).
fn pattern(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1])
        .collect::<Vec<u8>>()
        .into()
}

async fn exercise(s: &BlobStore) {
    let key = "originals/ab/cd/blob";
    s.put(key, Bytes::from_static(b"hello world"))
        .await
        .unwrap();
    assert_eq!(
        s.get(key).await.unwrap(),
        Bytes::from_static(b"hello world")
    );
    assert_eq!(
        s.get_range(key, 6..11).await.unwrap(),
        Bytes::from_static(b"world")
    );
    let streamed: Vec<Bytes> = s
        .stream_range(key, 0..5)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.concat(), b"hello");
    assert_eq!(s.head(key).await.unwrap().map(|m| m.size), Some(11));
    // Same key again: replaced whole.
    s.put(key, Bytes::from_static(b"hello again"))
        .await
        .unwrap();
    assert_eq!(
        s.get(key).await.unwrap(),
        Bytes::from_static(b"hello again")
    );
    let listed = s.list("originals").await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].0, key);
    s.delete(key).await.unwrap();
    s.delete(key).await.unwrap();
    assert!(s.head(key).await.unwrap().is_none());
    assert!(matches!(s.get(key).await, Err(StorageError::NotFound(_))));
    assert!(matches!(
        s.stream_range(key, 0..1).await.map(|_| ()),
        Err(StorageError::NotFound(_))
    ));
    for bad in ["../escape", "/abs", ""] {
        assert!(
            matches!(
                s.put(bad, Bytes::new()).await,
                Err(StorageError::InvalidKey(_))
            ),
            "{bad}"
        );
    }
    // Large enough to go up in parts on S3.
    let big = pattern(17 * 1024 * 1024 + 123);
    s.put("originals/bi/gg/big", big.clone()).await.unwrap();
    assert_eq!(s.get("originals/bi/gg/big").await.unwrap(), big);
    let from = 16 * 1024 * 1024 - 10;
    assert_eq!(
        s.get_range("originals/bi/gg/big", from as u64..(from + 20) as u64)
            .await
            .unwrap(),
        big.slice(from..from + 20)
    );
    s.delete("originals/bi/gg/big").await.unwrap();
}

#[tokio::test]
async fn local_store_suite() {
    let dir = tempfile::tempdir().unwrap();
    let s = BlobStore::local(dir.path()).unwrap();
    exercise(&s).await;
    assert!(s.local_path("originals/x").is_some());
    assert_eq!(s.kind(), "local");
    assert!(s.direct_url("originals/x", true).await.unwrap().is_none());
}

#[tokio::test]
async fn s3_store_suite() {
    let Some(s) = s3(Delivery::Proxy) else { return };
    exercise(&s).await;
    assert!(s.local_path("originals/x").is_none(), "no local files");
    assert_eq!(s.kind(), "s3");
    assert!(s.direct_url("originals/x", true).await.unwrap().is_none());
}

#[tokio::test]
async fn presigned_urls_serve_the_bytes_for_a_while() {
    let Some(s) = s3(Delivery::Presigned) else {
        return;
    };
    let png = Bytes::from_static(b"\x89PNG\r\n\x1a\n signed bytes");
    s.put("originals/aa/bb/p", png.clone()).await.unwrap();
    let direct = s
        .direct_url("originals/aa/bb/p", false)
        .await
        .unwrap()
        .unwrap();
    assert!(!direct.lasting);
    assert!(direct.url.contains("X-Amz-Signature"), "{}", direct.url);
    let got = reqwest::get(&direct.url).await.unwrap();
    assert_eq!(got.status(), 200);
    // Browsers get the type from the bucket itself: it must be stored with the object.
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap(), png);
}

#[tokio::test]
async fn public_delivery_only_for_shareable_files() {
    let Some(mut settings) = s3_settings(Delivery::Public) else {
        return;
    };
    settings.public_base_url = Some("https://cdn.example.org/media/".into());
    let prefix = settings.prefix.trim_end_matches('/').to_owned();
    let s = BlobStore::s3(&settings).unwrap();
    let direct = s
        .direct_url("originals/aa/bb/p", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        direct.url,
        format!("https://cdn.example.org/media/{prefix}/originals/aa/bb/p")
    );
    assert!(direct.lasting);
    assert!(
        s.direct_url("originals/aa/bb/p", false)
            .await
            .unwrap()
            .is_none(),
        "private files are streamed after the check, never sent to the public URL"
    );
}

/// A store with a fallback reads what it lacks from the older store, writes only to itself,
/// deletes from both, and never redirects (the file may not have arrived); `switch_to`
/// changes every clone at once.
#[tokio::test]
async fn fallback_and_switch() {
    let dir = tempfile::tempdir().unwrap();
    let old = BlobStore::local(dir.path().join("old")).unwrap();
    let new = match s3(Delivery::Presigned) {
        Some(s) => s,
        None => BlobStore::local(dir.path().join("new")).unwrap(),
    };
    old.put("originals/aa/aa/old", Bytes::from_static(b"old"))
        .await
        .unwrap();
    // What a node holds: its own handle on the old store, cloned into every part of the app.
    let live = BlobStore::local(dir.path().join("old")).unwrap();
    let holder = live.clone();
    live.switch_to(&new.with_fallback(&old));
    assert_eq!(holder.kind(), new.kind(), "clones follow the switch");
    assert_eq!(
        holder.get("originals/aa/aa/old").await.unwrap(),
        Bytes::from_static(b"old")
    );
    assert_eq!(
        holder
            .head("originals/aa/aa/old")
            .await
            .unwrap()
            .map(|m| m.size),
        Some(3)
    );
    assert!(
        holder
            .direct_url("originals/aa/aa/old", true)
            .await
            .unwrap()
            .is_none()
    );
    holder
        .put("originals/bb/bb/new", Bytes::from_static(b"new"))
        .await
        .unwrap();
    assert!(new.head("originals/bb/bb/new").await.unwrap().is_some());
    assert!(old.head("originals/bb/bb/new").await.unwrap().is_none());
    assert!(holder.in_primary("originals/bb/bb/new").await.unwrap());
    assert!(!holder.in_primary("originals/aa/aa/old").await.unwrap());
    if new.kind() == "s3" {
        // What the new store holds may be handed out directly; the rest is streamed.
        assert!(
            holder
                .direct_url("originals/bb/bb/new", true)
                .await
                .unwrap()
                .is_some()
        );
    }
    holder.delete("originals/aa/aa/old").await.unwrap();
    assert!(old.head("originals/aa/aa/old").await.unwrap().is_none());
    holder.delete("originals/bb/bb/new").await.unwrap();
}
