//! Owns turning the admin's accent colour into the CSS custom properties app.css reads
//! (`--accent` and its family), served as `/site.css`. Text and focus colours
//! are adjusted per palette (with `light-dark()`) until they reach WCAG AA contrast on that
//! palette's surfaces, and the text on accent buttons is black or white, whichever reads better.
//! Only hex digits come from the setting, so the result is safe in CSS as it is.

use vitrine_domain::HexColor;

/// The surfaces of app.css's light palette that accent text sits on (`--surface`,
/// `--surface-2`).
const LIGHT_SURFACES: [HexColor; 2] = [
    HexColor::from_rgb(0xff, 0xff, 0xff),
    HexColor::from_rgb(0xf1, 0xf3, 0xf6),
];
/// The same for the dark palette.
const DARK_SURFACES: [HexColor; 2] = [
    HexColor::from_rgb(0x16, 0x1a, 0x22),
    HexColor::from_rgb(0x1c, 0x21, 0x2b),
];
/// `--on-accent` of the dark palette: a near-black that matches the rest of the page.
const INK: HexColor = HexColor::from_rgb(0x0b, 0x0d, 0x1c);
/// WCAG AA for normal text.
const AA: f64 = 4.5;

/// The accent as a stylesheet (`/site.css`): the strict CSP allows no `style` attributes.
/// `!important` so it also wins over the palettes' own (more specific) dark-mode rules.
pub fn accent_css(accent: HexColor) -> String {
    let decls: Vec<String> = accent_style(accent)
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| format!("  {d} !important;"))
        .collect();
    format!(":root {{\n{}\n}}\n", decls.join("\n"))
}

/// `--accent` and the properties derived from it, as declarations.
pub fn accent_style(accent: HexColor) -> String {
    let on_accent = if accent.contrast(HexColor::WHITE) >= accent.contrast(INK) {
        HexColor::WHITE
    } else {
        INK
    };
    // Hover goes away from the button text's colour, so the label stays readable.
    let hover = if on_accent == HexColor::WHITE {
        accent.mix(HexColor::BLACK, 0.15)
    } else {
        accent.mix(HexColor::WHITE, 0.25)
    };
    let soft_light = LIGHT_SURFACES[0].mix(accent, 0.10);
    let soft_dark = DARK_SURFACES[0].mix(accent, 0.22);
    // Accent text also sits on the soft tint (badges), so that counts as a surface too.
    let light_bgs = [LIGHT_SURFACES[0], LIGHT_SURFACES[1], soft_light];
    let dark_bgs = [DARK_SURFACES[0], DARK_SURFACES[1], soft_dark];
    let text_light = accent.readable_on(&light_bgs, HexColor::BLACK, AA);
    let text_dark = accent.readable_on(&dark_bgs, HexColor::WHITE, AA);
    format!(
        "--accent: {accent}; --accent-hover: {hover}; --on-accent: {on_accent}; \
         --accent-text: light-dark({text_light}, {text_dark}); \
         --accent-soft: light-dark({soft_light}, {soft_dark}); \
         --focus: light-dark({text_light}, {text_dark})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> HexColor {
        HexColor::parse(s, "accent").unwrap()
    }

    /// The `light-dark(a, b)` pair of property `name` in `style`.
    fn pair(style: &str, name: &str) -> (HexColor, HexColor) {
        let start = style.find(&format!("{name}: light-dark(")).unwrap() + name.len() + 13;
        let inner = &style[start..start + 16];
        (hex(&inner[..7]), hex(&inner[9..16]))
    }

    #[test]
    fn text_reaches_aa_on_both_palettes() {
        for accent in [
            "#ffd400", "#1e3a8a", "#0a7c66", "#ff0000", "#ffffff", "#000000",
        ] {
            let style = accent_style(hex(accent));
            let (light, dark) = pair(&style, "--accent-text");
            let (soft_light, soft_dark) = pair(&style, "--accent-soft");
            for bg in LIGHT_SURFACES.into_iter().chain([soft_light]) {
                assert!(
                    light.contrast(bg) >= AA,
                    "{accent} light text {light} on {bg}"
                );
            }
            for bg in DARK_SURFACES.into_iter().chain([soft_dark]) {
                assert!(dark.contrast(bg) >= AA, "{accent} dark text {dark} on {bg}");
            }
        }
    }

    #[test]
    fn button_text_is_the_readable_one() {
        assert!(accent_style(hex("#1e3a8a")).contains("--on-accent: #ffffff"));
        assert!(accent_style(hex("#ffd400")).contains("--on-accent: #0b0d1c"));
    }

    #[test]
    fn only_hex_and_fixed_text() {
        let style = accent_style(hex("#0A7C66"));
        assert!(style.starts_with("--accent: #0a7c66;"), "{style}");
        assert!(
            style
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " #-:;,()".contains(c)),
            "{style}"
        );
    }
}
