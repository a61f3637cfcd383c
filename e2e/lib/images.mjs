// Test images made at test time (nothing binary is committed): PNGs from a few lines of
// encoder over node:zlib, JPEGs from the browser's own canvas encoder. Each is a small
// landscape scene (sky, sun, two hills) whose colours depend on a seed, so thumbnails in
// screenshots look like photos and are told apart.
import zlib from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes RGB pixels (Uint8Array of width*height*3) as a PNG. */
export function encodePng(width, height, rgb) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The scene's colours for a seed. */
export function palette(seed) {
  const hues = [[90, 150, 230], [240, 150, 90], [120, 90, 200], [60, 170, 160], [220, 110, 150]];
  const sky = hues[seed % hues.length];
  return {
    skyTop: sky.map((c) => Math.round(c * 0.55)),
    skyBottom: sky.map((c) => Math.min(255, c + 70)),
    sun: [255, 225, 120],
    hillFar: [70 + ((seed * 37) % 60), 110 + ((seed * 53) % 60), 90],
    hillNear: [35 + ((seed * 29) % 40), 75 + ((seed * 17) % 50), 55],
  };
}

function scenePixels(width, height, seed) {
  const p = palette(seed);
  const rgb = new Uint8Array(width * height * 3);
  const sunX = width * (0.25 + 0.5 * ((seed * 0.37) % 1));
  const sunY = height * 0.3;
  const sunR = Math.min(width, height) * 0.09;
  for (let y = 0; y < height; y++) {
    const t = y / height;
    const sky = p.skyTop.map((c, i) => c + (p.skyBottom[i] - c) * t);
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const far = height * (0.6 + 0.08 * Math.sin(u * 5 + seed));
      const near = height * (0.75 + 0.07 * Math.sin(u * 8 + seed * 2 + 1));
      let c = sky;
      if ((x - sunX) ** 2 + (y - sunY) ** 2 < sunR ** 2) c = p.sun;
      if (y > far) c = p.hillFar;
      if (y > near) c = p.hillNear;
      const o = (y * width + x) * 3;
      rgb[o] = c[0]; rgb[o + 1] = c[1]; rgb[o + 2] = c[2];
    }
  }
  return rgb;
}

/** A PNG test image: { name, mimeType, buffer, width, height }. */
export function png(width, height, { seed = 0, name = `scene-${width}x${height}.png` } = {}) {
  return { name, mimeType: 'image/png', buffer: encodePng(width, height, scenePixels(width, height, seed)), width, height };
}

/**
 * A JPEG test image, encoded by Chromium's canvas on a blank page of `browser`:
 * { name, mimeType, buffer, width, height }.
 */
export async function jpeg(browser, width, height, { seed = 0, quality = 0.9, name = `scene-${width}x${height}.jpg` } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const dataUrl = await page.evaluate(({ width, height, seed, quality, p }) => {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const g = canvas.getContext('2d');
      const rgb = (c) => `rgb(${c.join(',')})`;
      const sky = g.createLinearGradient(0, 0, 0, height);
      sky.addColorStop(0, rgb(p.skyTop));
      sky.addColorStop(1, rgb(p.skyBottom));
      g.fillStyle = sky;
      g.fillRect(0, 0, width, height);
      g.fillStyle = rgb(p.sun);
      g.beginPath();
      g.arc(width * (0.25 + 0.5 * ((seed * 0.37) % 1)), height * 0.3, Math.min(width, height) * 0.09, 0, Math.PI * 2);
      g.fill();
      const hill = (base, amp, freq, phase, colour) => {
        g.fillStyle = rgb(colour);
        g.beginPath();
        g.moveTo(0, height);
        for (let x = 0; x <= width; x += 4) g.lineTo(x, height * (base + amp * Math.sin((x / width) * freq + phase)));
        g.lineTo(width, height);
        g.fill();
      };
      hill(0.6, 0.08, 5, seed, p.hillFar);
      hill(0.75, 0.07, 8, seed * 2 + 1, p.hillNear);
      return canvas.toDataURL('image/jpeg', quality);
    }, { width, height, seed, quality, p: palette(seed) });
    const buffer = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    if (buffer[0] !== 0xff || buffer[1] !== 0xd8) throw new Error('the canvas did not make a JPEG');
    return { name, mimeType: 'image/jpeg', buffer, width, height };
  } finally {
    await context.close();
  }
}

let cached;
/**
 * The standard set, made once per run: landscape 1600×1000 PNG, portrait 800×1200 JPEG,
 * square 1200×1200 PNG and a 2400×800 panorama JPEG.
 */
export async function testImages(browser) {
  cached ??= Promise.all([
    png(1600, 1000, { seed: 0, name: 'landscape-1600x1000.png' }),
    jpeg(browser, 800, 1200, { seed: 1, name: 'portrait-800x1200.jpg' }),
    png(1200, 1200, { seed: 2, name: 'square-1200x1200.png' }),
    jpeg(browser, 2400, 800, { seed: 3, name: 'panorama-2400x800.jpg' }),
  ]);
  const [landscape, portrait, square, panorama] = await cached;
  return { landscape, portrait, square, panorama, all: [landscape, portrait, square, panorama] };
}
