//! Owns EXIF orientation: turning pixels stored sideways or mirrored upright.

use crate::decode::Pixels;

/// Width and height after applying `orientation` (5-8 swap the sides).
pub(crate) fn oriented_dims(w: u32, h: u32, orientation: u16) -> (u32, u32) {
    if (5..=8).contains(&orientation) {
        (h, w)
    } else {
        (w, h)
    }
}

/// Returns the pixels as they should be displayed, per EXIF orientation 1-8.
pub(crate) fn apply(p: Pixels, orientation: u16) -> Pixels {
    if !(2..=8).contains(&orientation) {
        return p;
    }
    let (w, h) = (p.width as usize, p.height as usize);
    let c = p.channels();
    let (nw, nh) = if orientation >= 5 { (h, w) } else { (w, h) };
    let mut out = vec![0u8; p.data.len()];
    for y in 0..h {
        for x in 0..w {
            // Where source pixel (x, y) lands in the upright image.
            let (dx, dy) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (h - 1 - y, x),
                7 => (h - 1 - y, w - 1 - x),
                _ => (y, w - 1 - x), // 8
            };
            let s = (y * w + x) * c;
            let d = (dy * nw + dx) * c;
            out[d..d + c].copy_from_slice(&p.data[s..s + c]);
        }
    }
    Pixels {
        data: out,
        width: nw as u32,
        height: nh as u32,
        alpha: p.alpha,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x1 image: red then green.
    fn two() -> Pixels {
        Pixels {
            data: vec![255, 0, 0, 0, 255, 0],
            width: 2,
            height: 1,
            alpha: false,
        }
    }

    #[test]
    fn orientations() {
        assert_eq!(apply(two(), 1).data, vec![255, 0, 0, 0, 255, 0]);
        assert_eq!(apply(two(), 2).data, vec![0, 255, 0, 255, 0, 0]);
        assert_eq!(apply(two(), 3).data, vec![0, 255, 0, 255, 0, 0]);
        let r6 = apply(two(), 6); // rotate 90 clockwise: red on top
        assert_eq!((r6.width, r6.height), (1, 2));
        assert_eq!(r6.data, vec![255, 0, 0, 0, 255, 0]);
        let r8 = apply(two(), 8); // rotate 90 counter-clockwise: green on top
        assert_eq!(r8.data, vec![0, 255, 0, 255, 0, 0]);
        assert_eq!(oriented_dims(4, 3, 6), (3, 4));
        assert_eq!(oriented_dims(4, 3, 3), (4, 3));
    }
}
