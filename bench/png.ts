import zlib from 'node:zlib';

// A tiny raster canvas and PNG writer (node:zlib only), so the bench draws its plot on a fresh machine
// after `npm ci` with no native canvas library: lines, points, rectangles and a 5×7 bitmap font.

export type Rgb = [number, number, number];

export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.pixels.set(background, i * 3);
  }

  set(x: number, y: number, color: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    this.pixels.set(color, (yi * this.width + xi) * 3);
  }

  rect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, color);
  }

  /** A line `thickness` pixels wide (Bresenham with a square brush). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1, dash = 0): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    const half = Math.floor(thickness / 2);
    for (let s = 0; s <= steps; s++) {
      if (dash > 0 && Math.floor(s / dash) % 2 === 1) continue;
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) this.set(x + dx, y + dy, color);
    }
  }

  point(x: number, y: number, color: Rgb, radius = 3): void {
    for (let dy = -radius; dy <= radius; dy++)
      for (let dx = -radius; dx <= radius; dx++)
        if (dx * dx + dy * dy <= radius * radius) this.set(x + dx, y + dy, color);
  }

  /** Text in the built-in 5×7 font, `scale` pixels per font pixel; unknown characters draw as spaces. */
  text(x: number, y: number, value: string, color: Rgb, scale = 1): void {
    let cx = x;
    for (const ch of value.toUpperCase()) {
      const rows = FONT[ch];
      if (rows) {
        rows.forEach((bits, row) => {
          for (let col = 0; col < 5; col++)
            if (bits & (1 << (4 - col))) this.rect(cx + col * scale, y + row * scale, scale, scale, color);
        });
      }
      cx += 6 * scale;
    }
  }

  toPng(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0;
      Buffer.from(this.pixels.buffer, y * this.width * 3, this.width * 3).copy(raw, y * (this.width * 3 + 1) + 1);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header.set([8, 2, 0, 0, 0], 8);
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', zlib.deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// 5×7 glyphs, one number per row, high bit on the left.
const FONT: Record<string, number[]> = {
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '0': [14, 17, 19, 21, 25, 17, 14],
  '1': [4, 12, 4, 4, 4, 4, 14],
  '2': [14, 17, 1, 2, 4, 8, 31],
  '3': [31, 2, 4, 2, 1, 17, 14],
  '4': [2, 6, 10, 18, 31, 2, 2],
  '5': [31, 16, 30, 1, 1, 17, 14],
  '6': [6, 8, 16, 30, 17, 17, 14],
  '7': [31, 1, 2, 4, 8, 8, 8],
  '8': [14, 17, 17, 14, 17, 17, 14],
  '9': [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 31, 17, 17, 17],
  B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14],
  D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15],
  H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12],
  K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17],
  N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30],
  T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4],
  W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4],
  Z: [31, 1, 2, 4, 8, 16, 31],
  '.': [0, 0, 0, 0, 0, 12, 12],
  ',': [0, 0, 0, 0, 12, 4, 8],
  ':': [0, 12, 12, 0, 12, 12, 0],
  '-': [0, 0, 0, 31, 0, 0, 0],
  '+': [0, 4, 4, 31, 4, 4, 0],
  '/': [1, 1, 2, 4, 8, 16, 16],
  '%': [24, 25, 2, 4, 8, 19, 3],
  '(': [2, 4, 8, 8, 8, 4, 2],
  ')': [8, 4, 2, 2, 2, 4, 8],
  '=': [0, 0, 31, 0, 31, 0, 0],
  '<': [2, 4, 8, 16, 8, 4, 2],
  '>': [8, 4, 2, 1, 2, 4, 8],
  _: [0, 0, 0, 0, 0, 0, 31],
};

export interface Series {
  label: string;
  color: Rgb;
  points: { x: number; y: number }[];
  /** Draw points as well as the line (sparse series such as rate steps). */
  markers?: boolean;
}

/** One chart with axes, ticks, an optional horizontal limit line and a legend, inside `box`. */
export function drawChart(
  canvas: Canvas,
  box: { x: number; y: number; w: number; h: number },
  options: {
    title: string;
    xLabel: string;
    yLabel: string;
    series: Series[];
    limit?: { y: number; label: string };
    yMax?: number;
  },
): void {
  const black: Rgb = [0, 0, 0];
  const grey: Rgb = [215, 215, 215];
  const left = box.x + 60;
  const top = box.y + 42;
  const right = box.x + box.w - 15;
  const bottom = box.y + box.h - 40;
  const all = options.series.flatMap((s) => s.points);
  const xMax = niceCeil(Math.max(1, ...all.map((p) => p.x)));
  const yTop = options.yMax ?? niceCeil(Math.max(1, options.limit ? options.limit.y * 1.2 : 0, ...all.map((p) => p.y)));
  const px = (x: number): number => left + (x / xMax) * (right - left);
  const py = (y: number): number => bottom - (Math.min(y, yTop) / yTop) * (bottom - top);
  canvas.text(box.x + 10, box.y + 6, options.title, black, 2);
  for (let i = 0; i <= 5; i++) {
    const yv = (yTop * i) / 5;
    canvas.line(left, py(yv), right, py(yv), grey);
    canvas.text(box.x + 4, py(yv) - 3, compact(yv), black);
    const xv = (xMax * i) / 5;
    canvas.text(px(xv) - 8, bottom + 6, compact(xv), black);
  }
  canvas.line(left, top, left, bottom, black);
  canvas.line(left, bottom, right, bottom, black);
  canvas.text(left + (right - left) / 2 - options.xLabel.length * 3, bottom + 20, options.xLabel, black);
  canvas.text(box.x + 4, top - 12, options.yLabel, black);
  if (options.limit) {
    canvas.line(left, py(options.limit.y), right, py(options.limit.y), [200, 0, 0], 1, 6);
    canvas.text(right - options.limit.label.length * 6, py(options.limit.y) - 10, options.limit.label, [200, 0, 0]);
  }
  options.series.forEach((s, index) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    for (let i = 1; i < pts.length; i++)
      canvas.line(px(pts[i - 1]!.x), py(pts[i - 1]!.y), px(pts[i]!.x), py(pts[i]!.y), s.color, 2);
    if (s.markers || pts.length === 1) for (const p of pts) canvas.point(px(p.x), py(p.y), s.color);
    const ly = top + 4 + index * 12;
    canvas.rect(left + 10, ly, 10, 7, s.color);
    canvas.text(left + 24, ly, s.label, black);
  });
}

function niceCeil(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * magnitude >= value) return m * magnitude;
  return 10 * magnitude;
}

function compact(value: number): string {
  if (value >= 10_000) return `${Math.round(value / 1000)}K`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}K`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
