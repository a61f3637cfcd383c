//! Owns colour: derivatives are converted from the image's embedded ICC profile to sRGB (what
//! browsers assume for untagged images), because derivatives carry no metadata and would
//! otherwise show wide-gamut photos dull. Conversion runs on the small derivatives, not on the
//! full decode. Untagged or unreadable profiles are treated as sRGB already.

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

use crate::decode::Pixels;

/// A prepared ICC -> sRGB conversion for RGB data.
pub(crate) struct ToSrgb {
    rgb: std::sync::Arc<moxcms::Transform8BitExecutor>,
    rgba: std::sync::Arc<moxcms::Transform8BitExecutor>,
}

impl ToSrgb {
    /// `None` when there is nothing to do (no profile, not RGB, or unreadable).
    pub(crate) fn from_icc(icc: Option<&[u8]>) -> Option<ToSrgb> {
        let src = ColorProfile::new_from_slice(icc?).ok()?;
        if src.color_space != DataColorSpace::Rgb {
            return None;
        }
        let dst = ColorProfile::new_srgb();
        let opts = TransformOptions::default();
        let rgb = src
            .create_transform_8bit(Layout::Rgb, &dst, Layout::Rgb, opts)
            .ok()?;
        let rgba = src
            .create_transform_8bit(Layout::Rgba, &dst, Layout::Rgba, opts)
            .ok()?;
        Some(ToSrgb { rgb, rgba })
    }

    /// Converts in place (on failure the pixels are left as they were).
    pub(crate) fn apply(&self, p: &mut Pixels) {
        let t = if p.alpha { &self.rgba } else { &self.rgb };
        let mut out = vec![0u8; p.data.len()];
        if t.transform(&p.data, &mut out).is_ok() {
            p.data = out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_gamut_colours_are_converted_and_srgb_is_kept() {
        let p3 = ColorProfile::new_display_p3().encode().unwrap_or_default();
        let t = ToSrgb::from_icc(Some(&p3)).map(|t| {
            let mut px = Pixels {
                data: vec![200, 100, 50],
                width: 1,
                height: 1,
                alpha: false,
            };
            t.apply(&mut px);
            px.data
        });
        let out = t.unwrap_or_default();
        assert!(
            out[0] > 205 && out[1] < 100,
            "P3 orange becomes a more saturated sRGB orange: {out:?}"
        );
        let srgb = ColorProfile::new_srgb().encode().unwrap_or_default();
        let same = ToSrgb::from_icc(Some(&srgb)).map(|t| {
            let mut px = Pixels {
                data: vec![200, 100, 50],
                width: 1,
                height: 1,
                alpha: false,
            };
            t.apply(&mut px);
            px.data
        });
        let same = same.unwrap_or_default();
        assert!(
            same.iter()
                .zip([200u8, 100, 50])
                .all(|(a, b)| a.abs_diff(b) <= 1),
            "{same:?}"
        );
        assert!(ToSrgb::from_icc(None).is_none());
        assert!(ToSrgb::from_icc(Some(b"not a profile")).is_none());
    }
}
