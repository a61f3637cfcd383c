//! HEIC and AVIF through libheif's `heif-convert` as a child process: real files convert to an
//! upright sRGB JPEG (PNG with transparency), and a decoder that hangs, crashes, fails or
//! writes garbage is killed or refused cleanly, leaving no process and no scratch file behind.
//!
//! The real-decoder tests need `heif-convert` (Debian: libheif-examples); without it they say
//! so and pass, unless `VITRINE_TEST_REQUIRE_HEIF=1` (set by `.ci/run`) makes them fail.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vitrine_media::{Format, Limits, MediaError, Options, Tools, convert_heif, process, sniff};

const QUADRANTS_HEIC: &[u8] = include_bytes!("../fixtures/quadrants.heic");
const QUADRANTS_AVIF: &[u8] = include_bytes!("../fixtures/quadrants.avif");
const HALF_TRANSPARENT_HEIC: &[u8] = include_bytes!("../fixtures/half-transparent.heic");

fn real_decoder() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("heif-convert"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("VITRINE_TEST_REQUIRE_HEIF").is_err(),
            "VITRINE_TEST_REQUIRE_HEIF is set but heif-convert is not installed"
        );
        eprintln!("skipped: heif-convert is not installed (apt install libheif-examples)");
    }
    found
}

fn tools(dir: &Path, program: PathBuf, timeout: Duration) -> Tools {
    Tools {
        heif_convert: Some(program),
        // util-linux's, where it is (every Debian): the children's memory and file limits.
        prlimit: Some(PathBuf::from("/usr/bin/prlimit")).filter(|p| p.is_file()),
        work_dir: dir.to_path_buf(),
        deadline: None,
        timeout,
    }
}

/// An executable shell script standing in for `heif-convert`.
fn fake_decoder(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-heif-convert");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The scratch directories left in `work` (there must be none after a conversion).
fn leftovers(work: &Path) -> Vec<String> {
    std::fs::read_dir(work)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("child-"))
        .collect()
}

fn process_alive(pid: &str) -> bool {
    // A zombie (state Z) has ended; only its parent's wait is missing.
    std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

fn rgba_at(img: &image::RgbaImage, x: u32, y: u32) -> [u8; 4] {
    img.get_pixel(x, y).0
}

fn close(a: [u8; 4], b: [u8; 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 40)
}

#[test]
fn heic_and_avif_become_upright_srgb_jpegs() {
    let Some(program) = real_decoder() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let t = tools(work.path(), program, Duration::from_secs(30));
    for (name, file) in [("heic", QUADRANTS_HEIC), ("avif", QUADRANTS_AVIF)] {
        let out = convert_heif(file, &Limits::default(), &t)
            .unwrap()
            .unwrap_or_else(|| panic!("{name} was not converted"));
        assert_eq!(sniff(&out), Ok(Format::Jpeg), "{name}");
        let img = image::load_from_memory(&out).unwrap().to_rgba8();
        assert_eq!(img.dimensions(), (160, 120), "{name}");
        // The quadrants keep their colours and places (red, green / blue, white).
        for (x, y, want) in [
            (20, 20, [220, 30, 30, 255]),
            (140, 20, [30, 200, 30, 255]),
            (20, 100, [30, 30, 220, 255]),
            (140, 100, [240, 240, 240, 255]),
        ] {
            let got = rgba_at(&img, x, y);
            assert!(
                close(got, want),
                "{name} at {x},{y}: {got:?} is not {want:?}"
            );
        }
        // The converted image goes through the ordinary pipeline like any JPEG.
        let processed = process(&out, &Options::default()).unwrap();
        assert_eq!((processed.width, processed.height), (160, 120));
    }
    assert!(leftovers(work.path()).is_empty());
}

#[test]
fn transparency_survives_as_png() {
    let Some(program) = real_decoder() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let t = tools(work.path(), program, Duration::from_secs(30));
    let out = convert_heif(HALF_TRANSPARENT_HEIC, &Limits::default(), &t)
        .unwrap()
        .unwrap();
    assert_eq!(sniff(&out), Ok(Format::Png));
    let img = image::load_from_memory(&out).unwrap().to_rgba8();
    assert_eq!(rgba_at(&img, 10, 10)[3], 0, "the left half is transparent");
    assert_eq!(rgba_at(&img, 150, 10)[3], 255, "the right half is opaque");
}

#[test]
fn other_formats_are_left_to_the_pipeline() {
    let work = tempfile::tempdir().unwrap();
    let t = tools(
        work.path(),
        PathBuf::from("/nonexistent"),
        Duration::from_secs(1),
    );
    for bytes in [&b"\x89PNG\r\n\x1a\n"[..], b"GIF89a", b"not an image"] {
        assert_eq!(convert_heif(bytes, &Limits::default(), &t), Ok(None));
    }
}

#[test]
fn without_the_program_heif_is_refused_clearly() {
    let err = convert_heif(QUADRANTS_HEIC, &Limits::default(), &Tools::default()).unwrap_err();
    assert!(
        matches!(&err, MediaError::Unsupported(m) if m.contains("heif-convert")),
        "{err}"
    );
    assert_eq!(err.code(), "unsupported_format");
}

#[test]
fn the_declared_size_meets_the_limits_before_the_decoder_runs() {
    let work = tempfile::tempdir().unwrap();
    let ran = work.path().join("ran");
    let program = fake_decoder(work.path(), &format!("touch {}", ran.display()));
    let t = tools(work.path(), program, Duration::from_secs(5));
    let limits = Limits {
        max_pixels: 160 * 119,
        ..Limits::default()
    };
    let err = convert_heif(QUADRANTS_HEIC, &limits, &t).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::TooManyPixels {
                width: 160,
                height: 120,
                ..
            }
        ),
        "{err}"
    );
    let limits = Limits {
        max_side: 100,
        ..Limits::default()
    };
    assert!(matches!(
        convert_heif(QUADRANTS_HEIC, &limits, &t),
        Err(MediaError::SideTooLong { .. })
    ));
    assert!(
        !ran.exists(),
        "the decoder must not run for an over-limit image"
    );
}

#[test]
fn a_hanging_decoder_is_killed_at_its_deadline_with_its_children() {
    let work = tempfile::tempdir().unwrap();
    let pids = work.path().join("pids");
    // The script starts a grandchild and waits on it: killing only the script would leave the
    // grandchild running, so the whole process group must go.
    let program = fake_decoder(
        work.path(),
        &format!("sleep 600 &\necho $$ $! > {}\nwait", pids.display()),
    );
    let t = tools(work.path(), program, Duration::from_millis(500));
    let started = Instant::now();
    let err = convert_heif(QUADRANTS_HEIC, &Limits::default(), &t).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, MediaError::TimedOut { .. }), "{err}");
    assert_eq!(err.code(), "processing_timeout");
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    let pids = std::fs::read_to_string(&pids).unwrap();
    let pids: Vec<&str> = pids.split_whitespace().collect();
    assert_eq!(pids.len(), 2, "{pids:?}");
    // The kill is delivered at once, but the grandchild's reaping is its new parent's.
    let gone = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| process_alive(p)) && Instant::now() < gone {
        std::thread::sleep(Duration::from_millis(20));
    }
    for pid in &pids {
        assert!(!process_alive(pid), "process {pid} survived the deadline");
    }
    assert!(leftovers(work.path()).is_empty());
}

#[test]
fn the_callers_deadline_wins_over_the_default_timeout() {
    let work = tempfile::tempdir().unwrap();
    let program = fake_decoder(work.path(), "exec sleep 600");
    let mut t = tools(work.path(), program, Duration::from_secs(600));
    t.deadline = Some(Instant::now() + Duration::from_millis(200));
    let started = Instant::now();
    let err = convert_heif(QUADRANTS_AVIF, &Limits::default(), &t).unwrap_err();
    assert!(matches!(err, MediaError::TimedOut { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_crashing_failing_or_lying_decoder_is_a_clear_refusal() {
    let work = tempfile::tempdir().unwrap();
    let cases = [
        ("kill -SEGV $$", "signal 11"),
        ("kill -ABRT $$", "signal 6"),
        // The decoder's own message is logged, not shown.
        (
            "echo 'Could not read HEIF/AVIF file: Invalid input' >&2; exit 1",
            "could not read this file",
        ),
        ("exit 0", "wrote no image"),
        // Garbage where the PNG should be.
        (
            "printf '<html><script>' > \"$2\"",
            "did not produce an image",
        ),
    ];
    for (body, says) in cases {
        let program = fake_decoder(work.path(), body);
        let t = tools(work.path(), program, Duration::from_secs(10));
        let err = convert_heif(QUADRANTS_HEIC, &Limits::default(), &t).unwrap_err();
        assert!(matches!(err, MediaError::Corrupt(_)), "{body}: {err}");
        assert!(err.to_string().contains(says), "{body}: {err}");
        assert!(leftovers(work.path()).is_empty(), "{body}");
    }
}

#[test]
fn a_decoder_killed_by_the_system_is_the_servers_failure() {
    let work = tempfile::tempdir().unwrap();
    let program = fake_decoder(work.path(), "kill -KILL $$");
    let t = tools(work.path(), program, Duration::from_secs(10));
    let err = convert_heif(QUADRANTS_HEIC, &Limits::default(), &t).unwrap_err();
    assert!(matches!(err, MediaError::Processing(_)), "{err}");
    assert_eq!(err.code(), "processing_failed");
    assert!(
        !err.to_string().contains(&*work.path().to_string_lossy()),
        "{err}"
    );
}

#[test]
fn a_decoder_that_writes_too_much_is_stopped_by_its_file_limit() {
    let work = tempfile::tempdir().unwrap();
    let program = fake_decoder(
        work.path(),
        "exec dd if=/dev/zero of=\"$2\" bs=1048576 count=100000 2>/dev/null",
    );
    let t = tools(work.path(), program, Duration::from_secs(60));
    if t.prlimit.is_none() {
        eprintln!("skipped: no prlimit");
        return;
    }
    // 160x120 allowed: the output may be 64 MiB and a little more, not 100 GB.
    let limits = Limits {
        max_pixels: 160 * 120,
        ..Limits::default()
    };
    let started = Instant::now();
    let err = convert_heif(QUADRANTS_HEIC, &limits, &t).unwrap_err();
    assert!(matches!(err, MediaError::Corrupt(_)), "{err}");
    assert!(
        err.to_string().contains("signal 25"),
        "SIGXFSZ expected: {err}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(leftovers(work.path()).is_empty());
}

#[test]
fn the_decoders_png_is_read_under_the_same_limits() {
    let work = tempfile::tempdir().unwrap();
    // The container says 160x120, but the decoder's PNG claims to be 30000 pixels wide.
    let big_png = work.path().join("big.png");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&30_000u32.to_be_bytes());
    png.extend_from_slice(&30_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(&big_png, png).unwrap();
    let program = fake_decoder(work.path(), &format!("cp {} \"$2\"", big_png.display()));
    let t = tools(work.path(), program, Duration::from_secs(10));
    let err = convert_heif(QUADRANTS_HEIC, &Limits::default(), &t).unwrap_err();
    assert!(matches!(err, MediaError::SideTooLong { .. }), "{err}");
}
