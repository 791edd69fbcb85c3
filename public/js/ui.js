// Shared view pieces: error panels, figure cards, tables and SVG bar charts.
import { h, s } from './dom.js';
import { bytes, int } from './format.js';

/** An error panel naming each error's extensions.code. */
export function errorBox(err, title = 'The request failed') {
  const errors = err?.errors?.length ? err.errors : [{ message: err?.message ?? String(err), extensions: { code: err?.code } }];
  return h('div', { class: 'error', role: 'alert' },
    h('strong', {}, title),
    h('ul', {}, errors.map((e) => h('li', {},
      e.extensions?.code ? h('code', { class: 'code' }, e.extensions.code) : null, ' ', e.message ?? ''))),
    err?.code === 'UNAUTHENTICATED' || err?.code === 'FORBIDDEN'
      ? h('p', { class: 'hint' }, 'Reads may be protected: enter a read token at the top right.')
      : null);
}

export const loading = (what = 'Loading…') => h('p', { class: 'loading', role: 'status' }, what);

/** A figure: label, big value, optional detail line. */
export function card(label, value, detail, attrs = {}) {
  return h('div', { class: 'card', ...attrs },
    h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value),
    detail ? h('div', { class: 'card-detail' }, detail) : null);
}

export const section = (title, ...children) =>
  h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), ...children);

/** A byte figure: human size, with the exact count as its detail. */
export const byteCard = (label, n, attrs = {}) => card(label, bytes(n), `${int(n)} bytes`, { ...attrs, 'data-bytes': n });

/**
 * Horizontal bar chart in SVG. rows: [{ label, value, segments?: [{ value, cls, label }], title?, href? }].
 * Values in bytes unless fmt is given.
 */
export function barChart(rows, { fmt = bytes, title, labelWidth = 220, width = 1000, barHeight = 22, max } = {}) {
  const gap = 8;
  const valueWidth = 110;
  const chartW = width - labelWidth - valueWidth;
  const top = Math.max(1, max ?? Math.max(0, ...rows.map((r) => r.value)));
  const height = rows.length * (barHeight + gap) + gap;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, role: 'img', 'aria-label': title ?? 'bar chart', preserveAspectRatio: 'xMinYMin meet' });
  if (title) svg.append(s('title', {}, title));
  rows.forEach((r, i) => {
    const y = gap + i * (barHeight + gap);
    const g = s('g', { class: 'bar-row', 'data-label': r.label, 'data-value': r.value });
    const label = r.label.length > 30 ? r.label.slice(0, 29) + '…' : r.label;
    g.append(s('text', { x: labelWidth - 8, y: y + barHeight / 2, class: 'bar-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, label));
    g.append(s('rect', { x: labelWidth, y, width: chartW, height: barHeight, class: 'bar-track', rx: 3 }));
    let x = labelWidth;
    for (const seg of r.segments ?? [{ value: r.value, cls: r.cls ?? 'bar-a' }]) {
      const w = (Math.max(0, seg.value) / top) * chartW;
      const rect = s('rect', { x, y, width: Math.max(w, seg.value > 0 ? 1 : 0), height: barHeight, class: seg.cls, rx: 3 });
      rect.append(s('title', {}, `${seg.label ? seg.label + ': ' : ''}${fmt(seg.value)}`));
      g.append(rect);
      x += w;
    }
    g.append(s('text', { x: labelWidth + chartW + 8, y: y + barHeight / 2, class: 'bar-value', 'dominant-baseline': 'middle' }, fmt(r.value)));
    if (r.title) g.append(s('title', {}, r.title));
    svg.append(g);
  });
  return svg;
}

export function legend(items) {
  return h('ul', { class: 'legend' }, items.map(([cls, text]) => h('li', {}, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text)));
}

/** A <table> from column specs: [{ label, cell(row) → node|string, class?, sortKey? }]. */
export function table(columns, rows, { caption, rowAttrs } = {}) {
  return h('table', { class: 'data' },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {}, columns.map((c) => h('td', { class: c.class }, c.cell(r)))))));
}

/**
 * A bar chart with its text equivalent: the SVG (role="img", labelled) and the
 * same rows as a table under "Show as a table" (a <details>, keyboard-operable).
 */
export function chartWithTable(rows, opts = {}) {
  const fmt = opts.fmt ?? bytes;
  const segLabels = [...new Set(rows.flatMap((r) => (r.segments ?? []).map((s) => s.label)))].filter(Boolean);
  return h('figure', { class: 'chart-figure' },
    barChart(rows, opts),
    h('details', { class: 'chart-table' },
      h('summary', {}, 'Show as a table'),
      table([
        { label: opts.rowLabel ?? 'Item', cell: (r) => r.label },
        { label: opts.valueLabel ?? 'Value', class: 'num', cell: (r) => h('span', { title: fmt === bytes ? `${int(r.value)} bytes` : null }, fmt(r.value)) },
        ...segLabels.map((l) => ({ label: l, class: 'num', cell: (r) => fmt(r.segments?.find((s) => s.label === l)?.value ?? 0) })),
      ], rows, { caption: opts.title })));
}
