// A time axis in SVG: one marker per point, placed by its time, with the
// first and last dates as ticks. The caller puts the same points in a table
// (the chart's text equivalent); the SVG carries a summary label.
import { s } from './dom.js';
import { date } from './format.js';

const W = 1000, H = 96, PAD = 40, Y = 52;

/** points: [{ at (ISO), label, kind (CSS class suffix), position }] */
export function timeAxis(points, { title }) {
  const svg = s('svg', { class: 'time-axis', viewBox: `0 0 ${W} ${H}`, width: W, role: 'img', 'aria-label': title, preserveAspectRatio: 'xMinYMin meet' });
  svg.append(s('title', {}, title));
  if (!points.length) return svg;
  const ts = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...ts), t1 = Math.max(...ts);
  const x = (t) => (t1 === t0 ? W / 2 : PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD));
  svg.append(s('line', { x1: PAD, x2: W - PAD, y1: Y, y2: Y, class: 'axis-line' }));
  svg.append(s('text', { x: PAD, y: H - 6, class: 'axis-tick' }, date(points[ts.indexOf(t0)].at)));
  if (t1 !== t0) svg.append(s('text', { x: W - PAD, y: H - 6, class: 'axis-tick', 'text-anchor': 'end' }, date(points[ts.indexOf(t1)].at)));
  // Points at the same time stack upwards, so each stays visible.
  const seen = new Map();
  points.forEach((p, i) => {
    const px = Math.round(x(ts[i]));
    const n = seen.get(px) ?? 0;
    seen.set(px, n + 1);
    const g = s('g', { class: `axis-point kind-${p.kind}`, 'data-position': p.position ?? '' },
      s('circle', { cx: px, cy: Y - n * 14, r: 6 }),
      s('title', {}, `${date(p.at)} · ${p.label}`));
    svg.append(g);
  });
  return svg;
}
