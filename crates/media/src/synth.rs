//! Owns synthetic photographs for benchmarks and tests: smooth light, edges and sensor-like
//! noise, so JPEG sizes and decode costs resemble real camera files (no binaries committed).

/// A small fast generator (xorshift64*): deterministic per seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// RGB pixels of a photo-like scene.
pub fn photo_rgb(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let phase: Vec<f32> = (0..6)
        .map(|_| (rng.next() % 6283) as f32 / 1000.0)
        .collect();
    let (w, h) = (width as f32, height as f32);
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        let fy = y as f32 / h;
        for x in 0..width {
            let fx = x as f32 / w;
            // Broad light and colour fields, a few hard edges, then grain.
            let sky = (fy * 3.1 + phase[0]).sin() * 0.5 + 0.5;
            let hill = ((fx * 7.3 + phase[1]).sin() * 0.1 + 0.6 < fy) as u8 as f32;
            let tex = ((fx * 190.0 + phase[2]).sin() * (fy * 170.0 + phase[3]).cos()) * 0.5 + 0.5;
            let stripes = (((fx * 40.0 + fy * 25.0 + phase[4]).sin() > 0.7) as u8) as f32;
            let noise = (rng.next() % 25) as f32 - 12.0;
            let r = 40.0 + 150.0 * sky * (1.0 - hill) + 90.0 * hill * tex + 40.0 * stripes + noise;
            let g = 60.0 + 120.0 * sky * (1.0 - hill) + 110.0 * hill * (1.0 - tex * 0.5) + noise;
            let b = 90.0
                + 140.0 * sky * (1.0 - hill)
                + 40.0 * hill * tex
                + 30.0 * (phase[5] * fx).sin()
                + noise;
            out.extend_from_slice(&[
                r.clamp(0.0, 255.0) as u8,
                g.clamp(0.0, 255.0) as u8,
                b.clamp(0.0, 255.0) as u8,
            ]);
        }
    }
    out
}

/// A photo-like JPEG of `width` x `height` at quality 92 (typical for cameras).
pub fn photo_jpeg(width: u16, height: u16, seed: u64) -> Result<Vec<u8>, String> {
    let rgb = photo_rgb(u32::from(width), u32::from(height), seed);
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 92)
        .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}
