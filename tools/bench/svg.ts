// The bench's charts as SVG: plain text, so the plot needs no image library and reads in any browser
// or on GitHub. A few line charts side by side, each with axes, ticks, an optional limit line and a legend.

export interface Series {
  label: string;
  /** Any CSS colour. */
  color: string;
  points: { x: number; y: number }[];
  /** Draw points as well as the line (sparse series such as rate steps). */
  markers?: boolean;
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** A horizontal line at a target, such as p99 = 1 s. */
  limit?: { y: number; label: string };
  /** Values above are drawn at the top edge, so one outlier does not flatten the rest. */
  yMax?: number;
}

const PANEL_WIDTH = 640;
const PANEL_HEIGHT = 400;
const GRID = '#d7d7d7';
const LIMIT = '#c80000';

/** The charts in a grid of two columns (one when there is only one chart), as one SVG document. */
export function chartsSvg(charts: Chart[]): string {
  const cols = charts.length > 1 ? 2 : 1;
  const rows = Math.ceil(charts.length / cols);
  const width = PANEL_WIDTH * cols;
  const height = PANEL_HEIGHT * rows;
  const panels = charts.map((chart, i) => {
    const x = (i % cols) * PANEL_WIDTH;
    const y = Math.floor(i / cols) * PANEL_HEIGHT;
    return `<g transform="translate(${x},${y})">\n${chartBody(chart).join('\n')}\n</g>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
      ` font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

function chartBody(chart: Chart): string[] {
  const left = 60;
  const top = 42;
  const right = PANEL_WIDTH - 15;
  const bottom = PANEL_HEIGHT - 40;
  const all = chart.series.flatMap((s) => s.points);
  const xMax = niceCeil(Math.max(1, ...all.map((p) => p.x)));
  const yTop = chart.yMax ?? niceCeil(Math.max(1, chart.limit ? chart.limit.y * 1.2 : 0, ...all.map((p) => p.y)));
  const px = (x: number): number => tenth(left + (x / xMax) * (right - left));
  const py = (y: number): number => tenth(bottom - (Math.min(y, yTop) / yTop) * (bottom - top));

  const out = [text(10, 22, chart.title, { size: 16 })];
  for (let i = 0; i <= 5; i++) {
    const yv = (yTop * i) / 5;
    out.push(line(left, py(yv), right, py(yv), GRID));
    out.push(text(left - 6, py(yv) + 4, compact(yv), { anchor: 'end' }));
    const xv = (xMax * i) / 5;
    out.push(text(px(xv), bottom + 16, compact(xv), { anchor: 'middle' }));
  }
  out.push(line(left, top, left, bottom, 'black'), line(left, bottom, right, bottom, 'black'));
  out.push(text((left + right) / 2, bottom + 32, chart.xLabel, { anchor: 'middle' }));
  out.push(text(4, top - 8, chart.yLabel));
  if (chart.limit) {
    const y = py(chart.limit.y);
    out.push(line(left, y, right, y, LIMIT, ' stroke-dasharray="6,6"'));
    out.push(text(right, y - 5, chart.limit.label, { anchor: 'end', fill: LIMIT }));
  }
  chart.series.forEach((s, index) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) {
      const coords = pts.map((p) => `${px(p.x)},${py(p.y)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${attr(s.color)}" stroke-width="2" points="${coords}"/>`);
    }
    if (s.markers || pts.length === 1)
      for (const p of pts) out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${attr(s.color)}"/>`);
    const ly = top + 4 + index * 14;
    out.push(`<rect x="${left + 10}" y="${ly}" width="10" height="8" fill="${attr(s.color)}"/>`);
    out.push(text(left + 24, ly + 8, s.label));
  });
  return out;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${stroke}"${extra}/>`;
}

function text(
  x: number,
  y: number,
  value: string,
  style: { size?: number; anchor?: 'middle' | 'end'; fill?: string } = {},
): string {
  const size = style.size === undefined ? '' : ` font-size="${style.size}"`;
  const anchor = style.anchor === undefined ? '' : ` text-anchor="${style.anchor}"`;
  const fill = style.fill === undefined ? '' : ` fill="${attr(style.fill)}"`;
  return `<text x="${x}" y="${y}"${size}${anchor}${fill}>${escapeXml(value)}</text>`;
}

/** Labels come from phase names and options: escaped so that any of them leaves the document valid. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const attr = escapeXml;

/** Coordinates to a tenth of a pixel: finer only makes the file bigger. */
function tenth(value: number): number {
  return Math.round(value * 10) / 10;
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
