//! Owns `HexColor`: an sRGB colour written `#rrggbb`, and the WCAG contrast maths needed to
//! build readable palettes from it. Parsed strictly, byte by byte (no regex), so a value of
//! this type is always exactly seven ASCII characters and safe inside a CSS declaration.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// An sRGB colour, stored normalised as lowercase `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HexColor([u8; 3]);

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl HexColor {
    pub const WHITE: HexColor = HexColor([255, 255, 255]);
    pub const BLACK: HexColor = HexColor([0, 0, 0]);

    pub const fn from_rgb(r: u8, g: u8, b: u8) -> HexColor {
        HexColor([r, g, b])
    }

    /// Accepts exactly `#` and six hex digits (either case); nothing else, not even spaces.
    pub fn parse(s: &str, field: &'static str) -> Result<HexColor, ValidationError> {
        let bad = || ValidationError::new(field, "must be a colour written as #rrggbb");
        let bytes = s.as_bytes();
        if bytes.len() != 7 || bytes[0] != b'#' {
            return Err(bad());
        }
        let mut rgb = [0u8; 3];
        for (i, pair) in bytes[1..].chunks_exact(2).enumerate() {
            let hi = hex_digit(pair[0]).ok_or_else(bad)?;
            let lo = hex_digit(pair[1]).ok_or_else(bad)?;
            rgb[i] = hi << 4 | lo;
        }
        Ok(HexColor(rgb))
    }

    pub fn rgb(self) -> [u8; 3] {
        self.0
    }

    /// WCAG 2 relative luminance (0 for black, 1 for white).
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    /// WCAG 2 contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: HexColor) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// `self` moved towards `other` by `t` (0 keeps `self`, 1 gives `other`), per channel.
    pub fn mix(self, other: HexColor, t: f64) -> HexColor {
        let t = t.clamp(0.0, 1.0);
        let ch = |a: u8, b: u8| {
            let v = f64::from(a) + (f64::from(b) - f64::from(a)) * t;
            // In 0..=255 by construction; the cast cannot truncate.
            v.round().clamp(0.0, 255.0) as u8
        };
        let ([r1, g1, b1], [r2, g2, b2]) = (self.0, other.0);
        HexColor([ch(r1, r2), ch(g1, g2), ch(b1, b2)])
    }

    /// The closest colour to `self`, going towards `target` in small steps, whose contrast
    /// against every one of `backgrounds` reaches `ratio` (`target` itself when nothing
    /// closer does).
    pub fn readable_on(self, backgrounds: &[HexColor], target: HexColor, ratio: f64) -> HexColor {
        (0..=40)
            .map(|step| self.mix(target, f64::from(step) / 40.0))
            .find(|c| backgrounds.iter().all(|bg| c.contrast(*bg) >= ratio))
            .unwrap_or(target)
    }
}

impl fmt::Display for HexColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl TryFrom<String> for HexColor {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        HexColor::parse(&s, "color")
    }
}

impl From<HexColor> for String {
    fn from(c: HexColor) -> String {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_strict_hex() {
        assert_eq!(
            HexColor::parse("#0A7c66", "accent").map(|c| c.to_string()),
            Ok("#0a7c66".to_owned())
        );
        for bad in [
            "",
            "#",
            "0a7c66",
            "#0a7c6",
            "#0a7c667",
            "#0a7c6g",
            " #0a7c66",
            "#0a7c66 ",
            "#0a7c66;",
            "red",
            "red;background:url(x)",
            "#0a7c\u{0}6",
            "#\u{ff10}a7c66",
            "#fff",
        ] {
            assert!(HexColor::parse(bad, "accent").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        let c: Result<HexColor, _> = HexColor::try_from("#ABCDEF".to_owned());
        assert_eq!(c.map(String::from), Ok("#abcdef".to_owned()));
        assert!(HexColor::try_from("x;y".to_owned()).is_err());
    }

    #[test]
    fn contrast_matches_wcag() {
        let ratio = HexColor::BLACK.contrast(HexColor::WHITE);
        assert!((ratio - 21.0).abs() < 1e-9, "{ratio}");
        assert!((HexColor::WHITE.contrast(HexColor::WHITE) - 1.0).abs() < 1e-9);
        // #767676 is the classic lightest grey with 4.5:1 on white.
        let grey = HexColor::from_rgb(0x76, 0x76, 0x76);
        assert!(grey.contrast(HexColor::WHITE) >= 4.5);
    }

    #[test]
    fn readable_on_reaches_the_ratio() {
        let yellow = HexColor::from_rgb(0xff, 0xd4, 0x00);
        assert!(yellow.contrast(HexColor::WHITE) < 4.5);
        let grey = HexColor::from_rgb(0xf1, 0xf3, 0xf6);
        let darker = yellow.readable_on(&[HexColor::WHITE, grey], HexColor::BLACK, 4.5);
        assert!(darker.contrast(HexColor::WHITE) >= 4.5 && darker.contrast(grey) >= 4.5);
        let navy = HexColor::from_rgb(0x1e, 0x3a, 0x8a);
        assert_eq!(
            navy.readable_on(&[HexColor::WHITE], HexColor::BLACK, 4.5),
            navy,
            "already readable: unchanged"
        );
    }
}
