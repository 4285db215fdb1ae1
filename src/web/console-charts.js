// @ts-check
// The Reports view's charts, drawn by the page as inline SVG: no library, nothing from outside. Each
// chart is an image to assistive technology, named by its <title> and <desc>, and every bar or point
// has a <title> of its own; the same numbers are in the view's tables too. A chart is drawn for the
// width it is given, in pixels, so its text stays readable on a phone (the view redraws on resize).

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 200;
// Room for the y axis's numbers on the left and the x axis's labels below.
const PAD = { top: 12, right: 8, bottom: 26, left: 40 };
// The narrowest an x label may be given before some labels are left out.
const LABEL_WIDTH = 52;
let ids = 0;

/** A number per label; null where there is none. @typedef {(number | null | undefined)[]} Values */
/**
 * What every chart is given: its width in px, its name and description, the x axis's labels and how a
 * title names each (`names`, the labels by default), and how a value is written.
 * @typedef {{ width: number; title: string; description: string; labels: string[]; names?: string[];
 *   format: (value: number) => string }} Chart
 */
/** @typedef {{ width: number; plotHeight: number; slot: number; y: (value: number) => number }} Geometry */

/**
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {unknown} [text]
 */
function svgNode(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = String(text);
  return element;
}

/**
 * 1, 2 or 5 times a power of ten: the step of the y axis's grid for values up to `max`.
 * @param {number} max
 */
function niceStep(max) {
  const rough = max / 4;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const scaled = rough / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

// Steps that read well on a time axis, in seconds: up to a minute, an hour, a day, a week.
const DURATION_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
];

/**
 * The top of the y axis and its grid lines, for values no higher than `max` (at least one step):
 * `integers` for counts, `durations` for seconds.
 * @param {number} max
 * @param {{ integers?: boolean; durations?: boolean }} kind
 */
function scale(max, { integers, durations }) {
  const rough = (max > 0 ? max : 1) / 4;
  const timeStep = durations && DURATION_STEPS.find((step) => step >= rough);
  const step = timeStep || Math.max(niceStep(max > 0 ? max : 1), integers ? 1 : 0);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks = [];
  for (let value = 0; value <= top + step / 2; value += step) ticks.push(value);
  return { top, ticks };
}

/**
 * The <svg> of a chart of `width` px, named by `title` and described by `description`.
 * @param {number} width
 * @param {string} title
 * @param {string} description
 */
function frame(width, title, description) {
  const id = 'chart-' + ++ids;
  const svg = svgNode('svg', {
    class: 'chart',
    width,
    height: HEIGHT,
    viewBox: '0 0 ' + width + ' ' + HEIGHT,
    role: 'img',
    'aria-labelledby': id + '-title ' + id + '-desc',
  });
  svg.append(svgNode('title', { id: id + '-title' }, title), svgNode('desc', { id: id + '-desc' }, description));
  return svg;
}

/**
 * The grid and the y axis's numbers, and the x axis's labels (as many as fit), under the data.
 * @param {Element} svg
 * @param {Geometry} geometry
 * @param {string[]} labels
 * @param {number[]} ticks
 * @param {(value: number) => string} format
 */
function axes(svg, geometry, labels, ticks, format) {
  const { width, plotHeight, y, slot } = geometry;
  const grid = svgNode('g', { class: 'chart-grid', 'aria-hidden': 'true' });
  for (const tick of ticks) {
    const at = y(tick);
    grid.append(
      svgNode('line', { x1: PAD.left, x2: width - PAD.right, y1: at, y2: at }),
      svgNode('text', { x: PAD.left - 6, y: at + 4, 'text-anchor': 'end' }, format(tick)),
    );
  }
  const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor((width - PAD.left) / LABEL_WIDTH))));
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    grid.append(
      svgNode('text', { x: PAD.left + slot * (i + 0.5), y: PAD.top + plotHeight + 18, 'text-anchor': 'middle' }, label),
    );
  });
  svg.append(grid);
}

/**
 * @param {number} width
 * @param {number} count
 * @param {number} top
 * @returns {Geometry}
 */
function geometryOf(width, count, top) {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  return {
    width,
    plotHeight,
    slot: (width - PAD.left - PAD.right) / Math.max(1, count),
    y: (value) => PAD.top + plotHeight - (plotHeight * value) / top,
  };
}

/**
 * Bars side by side for each label, one per series: `series` is `[{ name, className, values }]`,
 * `values[i]` the number for `labels[i]` (null draws nothing). `names[i]` is how a bar's title names
 * its label (the label itself by default); `format(n)` writes a value.
 * @param {Chart & { series: { name: string; className: string; values: Values }[]; integers?: boolean }} chart
 */
function bars({ width, title, description, labels, names, series, format, integers }) {
  const max = Math.max(0, ...series.flatMap((s) => s.values.map((v) => v || 0)));
  const { top, ticks } = scale(max, { integers });
  const geometry = geometryOf(width, labels.length, top);
  const svg = frame(width, title, description);
  axes(svg, geometry, labels, ticks, format);
  const { slot, y } = geometry;
  const gap = Math.min(8, slot * 0.2);
  // A bar no wider than 48 px: a few wide slots hold their bars in the middle.
  const barWidth = Math.max(1, Math.min(48, (slot - gap) / series.length));
  const inset = (slot - barWidth * series.length) / 2;
  for (const [s, one] of series.entries()) {
    const group = svgNode('g', { class: 'chart-series ' + one.className });
    one.values.forEach((value, i) => {
      if (value === null || value === undefined) return;
      const top = y(value);
      const rect = svgNode('rect', {
        class: 'bar',
        x: PAD.left + slot * i + inset + barWidth * s,
        y: top,
        width: barWidth,
        height: Math.max(0, y(0) - top),
        'data-label': labels[i],
        'data-value': value,
      });
      rect.append(svgNode('title', {}, (names || labels)[i] + ' — ' + one.name + ': ' + format(value)));
      group.append(rect);
    });
    svg.append(group);
  }
  return svg;
}

/**
 * A line through `values` (one per label; a null breaks it), each point with its title; `durations`:
 * the values are seconds; `tickFormat` writes the axis's numbers (`format` by default).
 * @param {Chart & { values: Values; tickFormat?: (value: number) => string; className: string; durations?: boolean }} chart
 */
function line({ width, title, description, labels, names, values, format, tickFormat, className, durations }) {
  const max = Math.max(0, ...values.map((v) => v || 0));
  const { top, ticks } = scale(max, { durations });
  const geometry = geometryOf(width, labels.length, top);
  const svg = frame(width, title, description);
  axes(svg, geometry, labels, ticks, tickFormat || format);
  const { slot, y } = geometry;
  const group = svgNode('g', { class: 'chart-series ' + className });
  // The points are drawn over the line.
  const lines = svgNode('g', { class: 'chart-series ' + className });
  /** @type {string[]} */
  let run = [];
  const flush = () => {
    if (run.length > 1) lines.append(svgNode('polyline', { class: 'line', points: run.join(' ') }));
    run = [];
  };
  values.forEach((value, i) => {
    if (value === null || value === undefined) {
      flush();
      return;
    }
    const x = PAD.left + slot * (i + 0.5);
    run.push(x + ',' + y(value));
    const point = svgNode('circle', {
      class: 'point',
      cx: x,
      cy: y(value),
      r: 3.5,
      'data-label': labels[i],
      'data-value': value,
    });
    point.append(svgNode('title', {}, (names || labels)[i] + ': ' + format(value)));
    group.append(point);
  });
  flush();
  svg.append(lines, group);
  return svg;
}

export { bars, line };
