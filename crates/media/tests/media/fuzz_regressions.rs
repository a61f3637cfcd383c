//! Replays the fuzz seeds (`fuzz/seeds/TARGET/`) and every input a fuzzer once crashed on
//! (`fuzz/regressions/TARGET/`) through the same entry points the fuzz targets use, as an
//! ordinary test: none may panic. `VITRINE_WRITE_SEEDS=1 cargo test -p vitrine-media
//! --features fixtures --test media fuzz_regressions::write_seeds -- --ignored` regenerates the seeds.

use std::path::{Path, PathBuf};

use vitrine_media::fuzzing;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every file under `seeds/TARGET` and `regressions/TARGET`.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for kind in ["seeds", "regressions"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn replay(target: &str, run: impl Fn(&[u8]) + std::panic::RefUnwindSafe) -> usize {
    let all = inputs(target);
    for (path, bytes) in &all {
        let ok = std::panic::catch_unwind(|| run(bytes));
        assert!(ok.is_ok(), "{target}: {} panics", path.display());
    }
    all.len()
}

#[test]
fn media_inputs_never_panic() {
    assert!(
        replay("sniff_probe", fuzzing::sniff_and_probe) > 0,
        "seeds are present"
    );
    assert!(replay("pipeline", fuzzing::pipeline) > 0);
    assert!(replay("exif", fuzzing::exif) > 0);
}

#[test]
fn duration_inputs_never_panic() {
    let n = replay("duration", |b| {
        if let Ok(t) = std::str::from_utf8(b) {
            let _ = vitrine_domain::parse_duration_secs(t);
        }
    });
    assert!(n > 0, "seeds are present");
}

/// Writes the seed corpus from the test fixtures (small images of every format, with EXIF,
/// GPS, orientation, alpha, palettes, animation) and sample durations.
#[cfg(feature = "fixtures")]
#[test]
#[ignore]
fn write_seeds() {
    use vitrine_media::fixtures::*;
    if std::env::var("VITRINE_WRITE_SEEDS").is_err() {
        return;
    }
    let images: Vec<(&str, Vec<u8>)> = vec![
        (
            "jpeg-exif-gps-orient6",
            jpeg(&JpegSpec {
                width: 40,
                height: 24,
                orientation: Some(6),
                gps: true,
                ..JpegSpec::default()
            }),
        ),
        (
            "jpeg-progressive",
            jpeg(&JpegSpec {
                width: 32,
                height: 32,
                progressive: true,
                ..JpegSpec::default()
            }),
        ),
        (
            "jpeg-cmyk",
            jpeg(&JpegSpec {
                width: 24,
                height: 16,
                cmyk: true,
                ..JpegSpec::default()
            }),
        ),
        ("png-rgb", png_rgb(20, 12)),
        ("png16-alpha", png16_alpha(12, 12)),
        ("png-palette-alpha", png_palette_alpha(16, 8)),
        ("png-header-only", png_header_only(30_000, 30_000)),
        ("gif-animated", gif_animated(16, 12, 3)),
        ("webp-still", webp_still(16, 16)),
        ("webp-animated", webp_animated(16, 16, 2)),
        ("bmp", bmp(8, 6)),
    ];
    for target in ["sniff_probe", "pipeline", "exif"] {
        let dir = fuzz_dir().join("seeds").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &images {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    // HEIC and AVIF, made once with libheif's heif-enc (tests/fixtures).
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (name, file) in [
        ("heic-quadrants", "quadrants.heic"),
        ("avif-quadrants", "quadrants.avif"),
        ("heic-alpha", "half-transparent.heic"),
    ] {
        for target in ["sniff_probe", "pipeline"] {
            let dir = fuzz_dir().join("seeds").join(target);
            std::fs::copy(fixtures.join(file), dir.join(name)).unwrap();
        }
    }
    let dir = fuzz_dir().join("seeds/duration");
    std::fs::create_dir_all(&dir).unwrap();
    let samples = [
        "60",
        "PT5M",
        "P3D",
        "P2Y",
        "P1DT2H3M4S",
        "PT0.5S",
        "-5",
        "P",
        "9999999999999",
    ];
    for (i, d) in samples.iter().enumerate() {
        std::fs::write(dir.join(format!("d{i}")), d).unwrap();
    }
}
