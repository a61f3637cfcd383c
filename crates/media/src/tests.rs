//! The ingest pipeline against the generated fixture set: each file is accepted with the right
//! size, orientation and no GPS in any output, or refused with a clear error.

use crate::fixtures::*;
use crate::{Format, MediaError, MetadataPolicy, Options, process};

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether the red marker (drawn in the source's top-left corner) is in the given corner:
/// 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left.
fn red_in_corner(bytes: &[u8], corner: u8) -> bool {
    let img = image::load_from_memory(bytes).unwrap().into_rgb8();
    let (w, h) = (img.width(), img.height());
    let (x, y) = match corner {
        0 => (w / 16, h / 16),
        1 => (w - w / 16, h / 16),
        2 => (w - w / 16, h - h / 16),
        _ => (w / 16, h - h / 16),
    };
    let p = img.get_pixel(x.min(w - 1), y.min(h - 1));
    p[0] > 180 && p[1] < 90 && p[2] < 90
}

fn top_left_is_red(bytes: &[u8]) -> bool {
    red_in_corner(bytes, 0)
}

#[test]
fn plain_jpeg_makes_thumb_and_medium() {
    let src = jpeg(&JpegSpec {
        width: 3000,
        height: 2000,
        ..Default::default()
    });
    let p = process(&src, &Options::default()).unwrap();
    assert_eq!(
        (p.format, p.width, p.height, p.frames),
        (Format::Jpeg, 3000, 2000, 1)
    );
    let m = p.medium.as_ref().unwrap();
    assert_eq!((m.width, m.height, m.format), (1280, 853, Format::Jpeg));
    assert_eq!((p.thumb.width, p.thumb.height), (320, 320));
    let sm = p.small.as_ref().unwrap();
    assert_eq!(
        (sm.width, sm.height),
        (720, 480),
        "the grid size keeps the shape"
    );
    assert!(top_left_is_red(&m.bytes));
    assert!(!p.thumbhash.is_empty());
    assert_ne!(p.phash, 0);
}

#[test]
fn grid_size_is_bounded_by_height_and_twice_the_height_in_width() {
    let panorama = process(&png_rgb(3000, 500), &Options::default()).unwrap();
    let s = panorama.small.as_ref().unwrap();
    assert_eq!((s.width, s.height), (960, 160));
    let tall = process(&png_rgb(300, 1200), &Options::default()).unwrap();
    let s = tall.small.as_ref().unwrap();
    assert_eq!((s.width, s.height), (120, 480));
    let fits = process(&png_rgb(900, 450), &Options::default()).unwrap();
    assert!(
        fits.small.is_none(),
        "already small enough: the original serves"
    );
}

#[test]
fn small_images_have_no_medium() {
    let p = process(&jpeg(&JpegSpec::default()), &Options::default()).unwrap();
    assert!(p.medium.is_none());
    assert_eq!((p.thumb.width, p.thumb.height), (320, 320));
    let tiny = process(&png_rgb(100, 60), &Options::default()).unwrap();
    assert_eq!(
        (tiny.thumb.width, tiny.thumb.height),
        (60, 60),
        "thumbs are never enlarged"
    );
}

#[test]
fn all_eight_orientations_come_out_upright() {
    for o in 1..=8u16 {
        let src = jpeg(&JpegSpec {
            width: 1600,
            height: 1200,
            orientation: Some(o),
            ..Default::default()
        });
        let p = process(&src, &Options::default()).unwrap();
        let (w, h) = if o >= 5 { (1200, 1600) } else { (1600, 1200) };
        assert_eq!((p.width, p.height), (w, h), "orientation {o}");
        let m = p.medium.as_ref().unwrap();
        assert_eq!(m.width.max(m.height), 1280);
        assert_eq!(m.width > m.height, w > h, "orientation {o}");
        // EXIF semantics: where the stored top-left corner is displayed.
        let corner = [0, 1, 2, 3, 0, 1, 2, 3][usize::from(o - 1)];
        assert!(
            red_in_corner(&m.bytes, corner),
            "orientation {o}: marker not in corner {corner}"
        );
        assert!(
            red_in_corner(&p.thumb.bytes, corner),
            "orientation {o}: thumb"
        );
        // The grid size is upright and bounded by its height, aspect kept.
        let s = p.small.as_ref().unwrap();
        assert_eq!(s.height, 480, "orientation {o}");
        assert_eq!(s.width, if o >= 5 { 360 } else { 640 }, "orientation {o}");
        assert!(red_in_corner(&s.bytes, corner), "orientation {o}: small");
        // The stored original keeps the orientation tag, so browsers show it upright too.
        let kept = p.original.as_ref().unwrap();
        let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(kept));
        let orient = exif.ok().and_then(|e| {
            e.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
                .and_then(|f| f.value.get_uint(0))
        });
        assert_eq!(orient.unwrap_or(1), u32::from(o));
    }
}

#[test]
fn gps_never_survives_and_the_summary_is_read() {
    let src = jpeg(&JpegSpec {
        width: 2000,
        height: 1500,
        orientation: Some(1),
        gps: true,
        ..Default::default()
    });
    assert!(contains(&src, &gps_marker()), "the fixture carries GPS");
    for policy in [MetadataPolicy::Strip, MetadataPolicy::KeepExif] {
        let p = process(
            &src,
            &Options {
                metadata: policy,
                ..Options::default()
            },
        )
        .unwrap();
        let original = p.original.as_ref().unwrap();
        for out in [original, &p.thumb.bytes, &p.medium.as_ref().unwrap().bytes] {
            assert!(
                !contains(out, &gps_marker()),
                "{policy:?}: GPS bytes in an output"
            );
        }
        let s = p.exif.as_ref().unwrap();
        assert_eq!(s.camera.as_deref(), Some("Fixture Cam 1"));
        assert_eq!(s.exposure.as_deref(), Some("1/250 s"));
        assert_eq!(s.iso, Some(200));
        assert_eq!(s.taken_at.as_deref(), Some("2024-05-01T12:34:56"));
        let has_make = contains(original, b"Fixture Cam 1");
        assert_eq!(
            has_make,
            policy == MetadataPolicy::KeepExif,
            "{policy:?}: camera details kept only on request"
        );
        // Stripping is lossless: same pixels as the upload.
        let a = image::load_from_memory(&src).unwrap().into_rgb8();
        let b = image::load_from_memory(original).unwrap().into_rgb8();
        assert!(a == b, "the original was re-encoded");
    }
}

#[test]
fn cmyk_and_progressive_jpegs() {
    let p = process(
        &jpeg(&JpegSpec {
            width: 800,
            height: 600,
            cmyk: true,
            ..Default::default()
        }),
        &Options::default(),
    )
    .unwrap();
    assert_eq!((p.width, p.height), (800, 600));
    // Colours survive the CMYK conversion (not inverted): the red marker is still red.
    assert!(
        top_left_is_red(&p.thumb.bytes),
        "CMYK colours are inverted or lost"
    );
    let p = process(
        &jpeg(&JpegSpec {
            width: 2400,
            height: 1600,
            progressive: true,
            ..Default::default()
        }),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(p.medium.as_ref().unwrap().width, 1280);
}

#[test]
fn pngs_keep_transparency_in_derivatives() {
    let p = process(&png16_alpha(400, 300), &Options::default()).unwrap();
    assert_eq!(
        p.thumb.format,
        Format::Png,
        "transparent images get PNG derivatives"
    );
    let t = image::load_from_memory(&p.thumb.bytes)
        .unwrap()
        .into_rgba8();
    assert_eq!(t.get_pixel(2, 150)[3], 0);
    assert_eq!(t.get_pixel(t.width() - 2, 150)[3], 255);
    let p = process(&png_palette_alpha(64, 64), &Options::default()).unwrap();
    assert_eq!(p.thumb.format, Format::Png);
    let p = process(&png_rgb(300, 200), &Options::default()).unwrap();
    assert_eq!(p.thumb.format, Format::Jpeg, "opaque PNGs get JPEG thumbs");
}

#[test]
fn animations_keep_frames_and_thumb_the_first() {
    let p = process(&gif_animated(200, 120, 5), &Options::default()).unwrap();
    assert_eq!(
        (p.format, p.frames, p.width, p.height),
        (Format::Gif, 5, 200, 120)
    );
    assert!(p.animated());
    assert!(
        p.original.is_none(),
        "animated GIFs are stored byte for byte"
    );
    let p = process(&webp_animated(160, 90, 3), &Options::default()).unwrap();
    assert_eq!(
        (p.format, p.frames, p.width, p.height),
        (Format::Webp, 3, 160, 90)
    );
    let p = process(&webp_still(100, 80), &Options::default()).unwrap();
    assert_eq!((p.format, p.frames), (Format::Webp, 1));
}

#[test]
fn bmp_is_stored_as_png() {
    let p = process(&bmp(120, 90), &Options::default()).unwrap();
    assert_eq!(p.format, Format::Png);
    let stored = p.original.unwrap();
    assert!(stored.starts_with(b"\x89PNG"));
    assert_eq!(image::load_from_memory(&stored).unwrap().width(), 120);
}

#[test]
fn hostile_files_are_refused_clearly() {
    let good = jpeg(&JpegSpec::default());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("zero bytes", vec![], "empty_file"),
        (
            "truncated JPEG",
            good[..good.len() / 3].to_vec(),
            "corrupt_image",
        ),
        (
            "truncated PNG",
            png_rgb(300, 200)[..200].to_vec(),
            "corrupt_image",
        ),
        (
            "SVG with a script",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            "unsupported_format",
        ),
        (
            "HTML",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
            "unsupported_format",
        ),
        (
            "ZIP",
            b"PK\x03\x04\x14\0\0\0\0\0".to_vec(),
            "unsupported_format",
        ),
        (
            "50,000 x 50,000 PNG",
            png_header_only(50_000, 50_000),
            "image_too_large",
        ),
        (
            "15,000 x 15,000 PNG",
            png_header_only(15_000, 15_000),
            "too_many_pixels",
        ),
        (
            "GIF with 5,000 frames",
            gif_many_frames(5000),
            "too_many_frames",
        ),
    ];
    for (name, bytes, code) in cases {
        let err = process(&bytes, &Options::default())
            .err()
            .unwrap_or_else(|| panic!("{name} was accepted"));
        assert_eq!(err.code(), code, "{name}: {err}");
    }
    assert!(matches!(
        process(&png_header_only(4000, 3000), &Options::default()),
        Err(MediaError::Corrupt(_))
    ));
}

#[test]
fn payloads_appended_to_jpegs_are_not_stored() {
    for tail in [
        &b"<html><script>alert(1)</script></html>"[..],
        b"PK\x03\x04\x14\0\0\0\0\0secret.txt",
    ] {
        let mut src = jpeg(&JpegSpec::default());
        src.extend_from_slice(tail);
        let p = process(&src, &Options::default()).unwrap();
        let stored = p.original.unwrap();
        assert!(!contains(&stored, tail), "the appended payload is dropped");
        assert!(stored.ends_with(&[0xFF, 0xD9]));
    }
}

#[test]
fn wide_gamut_photos_get_srgb_derivatives() {
    // A flat orange tagged as Display P3: the thumb must come out more saturated in sRGB.
    let (w, h) = (64u16, 64u16);
    let rgb: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|_| [200u8, 100, 50])
        .collect();
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let encode = |icc: Option<&[u8]>| {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
        if let Some(icc) = icc {
            enc.add_icc_profile(icc).unwrap();
        }
        enc.encode(&rgb, w, h, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    };
    let centre = |bytes: &[u8]| {
        let p = process(bytes, &Options::default()).unwrap();
        let img = image::load_from_memory(&p.thumb.bytes).unwrap().into_rgb8();
        *img.get_pixel(32, 32)
    };
    let tagged = centre(&encode(Some(&p3)));
    let plain = centre(&encode(None));
    assert!(
        plain[0].abs_diff(200) <= 3 && plain[1].abs_diff(100) <= 3,
        "untagged stays: {plain:?}"
    );
    assert!(
        tagged[0] > plain[0] + 5 && tagged[1] + 5 < plain[1],
        "P3 converted to sRGB: {tagged:?} vs {plain:?}"
    );
    // The stored original keeps its profile (only derivatives are converted).
    let p = process(&encode(Some(&p3)), &Options::default()).unwrap();
    let stored = p.original.unwrap();
    assert!(stored.windows(12).any(|w| w == b"ICC_PROFILE\0"));
}

#[test]
fn animated_mediums_keep_their_animation() {
    use image::AnimationDecoder;
    let gif = crate::animated_medium(&gif_animated(1600, 900, 3), &Options::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        (gif.format, gif.width, gif.height),
        (Format::Gif, 1280, 720)
    );
    let frames = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&gif.bytes))
        .unwrap()
        .into_frames()
        .count();
    assert_eq!(frames, 3);
    let webp = crate::animated_medium(&webp_animated(1600, 900, 3), &Options::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        (webp.format, webp.width, webp.height),
        (Format::Webp, 1280, 720)
    );
    let frames = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(&webp.bytes))
        .unwrap()
        .into_frames()
        .count();
    assert_eq!(frames, 3);
    assert!(
        crate::animated_medium(&gif_animated(300, 200, 3), &Options::default())
            .unwrap()
            .is_none(),
        "small: no medium"
    );
    assert!(
        crate::animated_medium(&jpeg(&JpegSpec::default()), &Options::default())
            .unwrap()
            .is_none(),
        "still: not here"
    );
}

#[test]
fn shrink_to_width_keeps_aspect_orientation_and_alpha() {
    use crate::{Limits, shrink_to_width};
    let limits = Limits::default();
    // Orientation 6: stored 1600x1200, displayed 1200x1600; the marker ends top-right.
    let src = jpeg(&JpegSpec {
        width: 1600,
        height: 1200,
        orientation: Some(6),
        ..Default::default()
    });
    let out = shrink_to_width(&src, 600, &limits, 90).unwrap().unwrap();
    let p = process(&out, &Options::default()).unwrap();
    assert_eq!((p.format, p.width, p.height), (Format::Jpeg, 600, 800));
    assert!(
        red_in_corner(&out, 1),
        "pixels are upright after the resize"
    );

    let png = png16_alpha(900, 300);
    let out = shrink_to_width(&png, 300, &limits, 90).unwrap().unwrap();
    let p = process(&out, &Options::default()).unwrap();
    assert_eq!((p.format, p.width, p.height), (Format::Png, 300, 100));

    assert!(
        shrink_to_width(&src, 5000, &limits, 90).unwrap().is_none(),
        "never enlarged"
    );
    let gif = gif_animated(400, 300, 3);
    assert!(
        shrink_to_width(&gif, 100, &limits, 90).unwrap().is_none(),
        "animations kept"
    );
    assert!(matches!(
        shrink_to_width(b"not an image", 100, &limits, 90),
        Err(MediaError::Unsupported(_) | MediaError::Empty | MediaError::Corrupt(_))
    ));
}
