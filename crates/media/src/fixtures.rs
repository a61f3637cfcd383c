//! Test images generated at test time (no large binaries in the repository): photo-like JPEGs
//! with EXIF orientation and GPS, CMYK and progressive JPEGs, 16-bit and palette PNGs with
//! transparency, animated GIF and WebP, BMP, and hostile files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;

use exif::{Field, In, Rational, Tag, Value};

/// Photo-like RGB pixels: smooth gradients with a bright marker in the top-left quadrant (so
/// orientation mistakes show) and some texture.
pub fn photo_rgb(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let marker = x < w / 4 && y < h / 4;
            let n = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23) as u8;
            if marker {
                v.extend_from_slice(&[250, 20 + n, 20]);
            } else {
                v.extend_from_slice(&[(x * 160 / w) as u8 + n, (y * 200 / h) as u8, 90 + n]);
            }
        }
    }
    v
}

/// A TIFF/EXIF block with camera details, an orientation and a GPS position.
pub fn exif_block(orientation: u16, with_gps: bool) -> Vec<u8> {
    let mut fields = vec![
        Field {
            tag: Tag::Make,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"Fixture".to_vec()]),
        },
        Field {
            tag: Tag::Model,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"Fixture Cam 1".to_vec()]),
        },
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![orientation]),
        },
        Field {
            tag: Tag::ExposureTime,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![Rational { num: 1, denom: 250 }]),
        },
        Field {
            tag: Tag::FNumber,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![Rational { num: 28, denom: 10 }]),
        },
        Field {
            tag: Tag::PhotographicSensitivity,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![200]),
        },
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"2024:05:01 12:34:56".to_vec()]),
        },
    ];
    if with_gps {
        let dms = |d, m, s| {
            Value::Rational(vec![
                Rational { num: d, denom: 1 },
                Rational { num: m, denom: 1 },
                Rational { num: s, denom: 100 },
            ])
        };
        fields.push(Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"N".to_vec()]),
        });
        fields.push(Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: dms(48, 51, 2964),
        });
        fields.push(Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"E".to_vec()]),
        });
        fields.push(Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: dms(2, 17, 4030),
        });
    }
    let mut w = exif::experimental::Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut out = Cursor::new(Vec::new());
    w.write(&mut out, false).unwrap();
    out.into_inner()
}

/// The bytes of the GPS latitude as written by `exif_block` (big-endian rationals), to search
/// served files for.
pub fn gps_marker() -> Vec<u8> {
    let mut v = Vec::new();
    for (n, d) in [(48u32, 1u32), (51, 1), (2964, 100)] {
        v.extend_from_slice(&n.to_be_bytes());
        v.extend_from_slice(&d.to_be_bytes());
    }
    v
}

pub struct JpegSpec {
    pub width: u16,
    pub height: u16,
    pub orientation: Option<u16>,
    pub gps: bool,
    pub progressive: bool,
    pub cmyk: bool,
    pub quality: u8,
}

impl Default for JpegSpec {
    fn default() -> Self {
        Self {
            width: 640,
            height: 480,
            orientation: None,
            gps: false,
            progressive: false,
            cmyk: false,
            quality: 90,
        }
    }
}

pub fn jpeg(spec: &JpegSpec) -> Vec<u8> {
    let rgb = photo_rgb(u32::from(spec.width), u32::from(spec.height));
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, spec.quality);
    enc.set_progressive(spec.progressive);
    if spec.orientation.is_some() || spec.gps {
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(exif_block(spec.orientation.unwrap_or(1), spec.gps));
        enc.add_app_segment(1, app1).unwrap();
    }
    if spec.cmyk {
        let cmyk: Vec<u8> = rgb
            .chunks_exact(3)
            .flat_map(|p| {
                let k = 255 - p[0].max(p[1]).max(p[2]);
                let c = |v: u8| {
                    if k == 255 {
                        0
                    } else {
                        ((255 - v - k) as u32 * 255 / (255 - k) as u32) as u8
                    }
                };
                [c(p[0]), c(p[1]), c(p[2]), k]
            })
            .collect();
        enc.encode(
            &cmyk,
            spec.width,
            spec.height,
            jpeg_encoder::ColorType::Cmyk,
        )
        .unwrap();
    } else {
        enc.encode(&rgb, spec.width, spec.height, jpeg_encoder::ColorType::Rgb)
            .unwrap();
    }
    out
}

fn png_with(
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
    palette: Option<(Vec<u8>, Vec<u8>)>,
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(depth);
        if let Some((pal, trns)) = palette {
            enc.set_palette(pal);
            enc.set_trns(trns);
        }
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(data).unwrap();
    }
    out
}

/// 16-bit RGBA PNG with a transparent left half.
pub fn png16_alpha(w: u32, h: u32) -> Vec<u8> {
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let a: u16 = if x < w / 2 { 0 } else { 65535 };
            for v in [(x * 65535 / w) as u16, (y * 65535 / h) as u16, 30000, a] {
                data.extend_from_slice(&v.to_be_bytes());
            }
        }
    }
    png_with(
        w,
        h,
        png::ColorType::Rgba,
        png::BitDepth::Sixteen,
        &data,
        None,
    )
}

/// Palette PNG where index 0 is fully transparent.
pub fn png_palette_alpha(w: u32, h: u32) -> Vec<u8> {
    let data: Vec<u8> = (0..w * h).map(|i| (i % 4) as u8).collect();
    let pal = vec![0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
    png_with(
        w,
        h,
        png::ColorType::Indexed,
        png::BitDepth::Eight,
        &data,
        Some((pal, vec![0, 255, 255, 255])),
    )
}

/// A plain opaque RGB PNG.
pub fn png_rgb(w: u32, h: u32) -> Vec<u8> {
    png_with(
        w,
        h,
        png::ColorType::Rgb,
        png::BitDepth::Eight,
        &photo_rgb(w, h),
        None,
    )
}

/// A valid PNG signature and IHDR declaring `w` x `h`, with no pixel data.
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v
}

/// An animated GIF of `frames` frames.
pub fn gif_animated(w: u16, h: u16, frames: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        enc.set_repeat(image::codecs::gif::Repeat::Infinite)
            .unwrap();
        let frames = (0..frames).map(|i| {
            let img = image::RgbaImage::from_fn(u32::from(w), u32::from(h), |x, _| {
                image::Rgba([((x + i * 10) % 255) as u8, (i * 40 % 255) as u8, 100, 255])
            });
            image::Frame::new(img)
        });
        enc.encode_frames(frames).unwrap();
    }
    out
}

/// A GIF with `n` one-pixel frames (cheap to make, many frames).
pub fn gif_many_frames(n: usize) -> Vec<u8> {
    let mut g = b"GIF89a\x02\0\x02\0\0\0\0".to_vec();
    for _ in 0..n {
        g.extend_from_slice(&[0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0, 2, 2, 0x44, 0x01, 0]);
    }
    g.push(0x3B);
    g
}

fn webp_lossless(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x * 255 / w) as u8, shade, (y * 255 / h) as u8, 255])
    });
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(img.as_raw(), w, h, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// A still lossless WebP.
pub fn webp_still(w: u32, h: u32) -> Vec<u8> {
    webp_lossless(w, h, 120)
}

fn chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(data.len() as u32).to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// An animated WebP of `frames` lossless frames, assembled chunk by chunk.
pub fn webp_animated(w: u32, h: u32, frames: u32) -> Vec<u8> {
    let le24 = |v: u32| {
        [
            (v & 0xFF) as u8,
            (v >> 8 & 0xFF) as u8,
            (v >> 16 & 0xFF) as u8,
        ]
    };
    let mut vp8x = vec![0x02 | 0x10, 0, 0, 0];
    vp8x.extend_from_slice(&le24(w - 1));
    vp8x.extend_from_slice(&le24(h - 1));
    let mut body = b"WEBP".to_vec();
    body.extend(chunk(b"VP8X", &vp8x));
    body.extend(chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]));
    for i in 0..frames {
        let still = webp_lossless(w, h, (i * 50 % 255) as u8);
        let vp8l = &still[12..]; // the VP8L chunk of the still file
        let mut anmf = Vec::new();
        anmf.extend_from_slice(&le24(0));
        anmf.extend_from_slice(&le24(0));
        anmf.extend_from_slice(&le24(w - 1));
        anmf.extend_from_slice(&le24(h - 1));
        anmf.extend_from_slice(&le24(100));
        anmf.push(0);
        anmf.extend_from_slice(vp8l);
        body.extend(chunk(b"ANMF", &anmf));
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// A 24-bit BMP.
pub fn bmp(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_raw(w, h, photo_rgb(w, h)).unwrap();
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Bmp).unwrap();
    out.into_inner()
}
