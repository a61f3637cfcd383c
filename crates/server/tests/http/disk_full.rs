//! Disk full: the site's data directory on a small tmpfs that the test fills. An upload then
//! gets a clear 507, leaves nothing behind, the site keeps serving, and uploads work again
//! once space returns. Mounting needs root (CI runs as root and sets
//! VITRINE_TEST_REQUIRE_TMPFS=1 so the test cannot silently skip there).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use vitrine_media::fixtures::png_rgb;

use crate::media::upload;
use crate::support::{Backend, TestApp, error_code, get_json};

/// A tmpfs mounted on a fresh directory; unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(Tmpfs { dir });
        }
        assert!(
            std::env::var_os("VITRINE_TEST_REQUIRE_TMPFS").is_none(),
            "cannot mount a tmpfs, and VITRINE_TEST_REQUIRE_TMPFS is set"
        );
        eprintln!("skipped the disk-full test: mounting a tmpfs needs root");
        None
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes a file until the disk refuses; returns its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).expect("filler");
    for size in [1 << 16, 4096, 1] {
        let chunk = vec![0x5a; size];
        while f.write_all(&chunk).is_ok() {}
    }
    let _ = f.sync_all();
    path
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(files_in(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Pixels that do not compress, so the file is as large as asked.
fn noisy_png(w: u32, h: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let pixels: Vec<u8> = (0..w * h * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &pixels,
        w,
        h,
        image::ExtendedColorType::Rgb8,
    )
    .expect("png");
    out
}

#[tokio::test]
async fn disk_full_gives_507_and_recovers() {
    let Some(disk) = Tmpfs::mount("8m") else {
        return;
    };
    let root = disk.path().to_path_buf();
    let app = TestApp::start_with(Backend::Sqlite, "disk_full", |config| {
        config.data_dir = root.clone();
        config.database_url = Some(format!("sqlite://{}", root.join("vitrine.db").display()));
    })
    .await
    .expect("sqlite always runs");
    let c = app.signup("filler").await;
    let res = upload(&c, &app, png_rgb(64, 48), "kept.png", &[]).await;
    assert_eq!(res.status(), 201);
    let kept: Value = res.json().await.unwrap();
    let kept_url = kept["files"]["original"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept_page = kept["url"].as_str().unwrap().to_owned();
    let media_before = files_in(&root.join("media"));

    let filler = fill(&root);
    let res = upload(&c, &app, noisy_png(300, 300), "big.png", &[]).await;
    assert_eq!(res.status(), 507, "an upload on a full disk");
    assert_eq!(error_code(res).await, "insufficient_storage");
    // Nothing partial: no temp file, no new stored file.
    assert_eq!(files_in(&root.join("tmp")), Vec::<PathBuf>::new());
    assert_eq!(files_in(&root.join("media")), media_before);
    // The site keeps serving what it has.
    let guest = app.bare();
    assert_eq!(guest.get(app.url("/")).send().await.unwrap().status(), 200);
    assert_eq!(guest.get(&kept_page).send().await.unwrap().status(), 200);
    let file = guest.get(&kept_url).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert!(!file.bytes().await.unwrap().is_empty());
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200
    );

    std::fs::remove_file(&filler).expect("free space");
    let res = upload(&c, &app, noisy_png(300, 300), "big.png", &[]).await;
    assert_eq!(res.status(), 201, "uploads work once space returns");
    let listed: Value = get_json(&c, app.url("/api/v1/me/media")).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    app.stop().await;
}
