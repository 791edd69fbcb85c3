// Lineage: parent → child edges between images, laid out left to right, in SVG.
import { gqlAll } from '../api.js';
import { h, mount, s } from '../dom.js';
import { bytes, imageName, int, shortId } from '../format.js';
import { errorBox, legend, loading } from '../ui.js';

const QUERY = `query Lineage($first: Int!, $after: String) {
  images(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { imageId repoTags size uniqueSize layers { index } parent { imageId } base { imageId } } }
  }
}`;

const NODE_W = 250, NODE_H = 46, COL = 310, ROW = 62, PAD = 24;

export async function render(root, _p, _q, ctx) {
  mount(root, h('h1', {}, 'Lineage'), loading());
  let nodes;
  try {
    ({ nodes } = await gqlAll(QUERY, {}, (d) => d.images));
  } catch (e) {
    mount(root, h('h1', {}, 'Lineage'), errorBox(e, 'Could not load the images'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const byId = new Map(nodes.map((n) => [n.imageId, { ...n, kids: [] }]));
  for (const n of byId.values()) {
    const p = n.parent && byId.get(n.parent.imageId);
    if (p) p.kids.push(n);
  }
  const isBase = new Set([...byId.values()].map((n) => n.base?.imageId).filter(Boolean));
  const showAlone = h('input', { type: 'checkbox', id: 'show-alone', checked: true });
  const graph = h('div', { class: 'graph-wrap', id: 'lineage-graph' });
  const families = [...byId.values()].filter((n) => !n.parent || !byId.has(n.parent.imageId));
  const draw = () => mount(graph, drawGraph(families.filter((r) => showAlone.checked || r.kids.length), byId, isBase));
  showAlone.addEventListener('change', draw);
  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Lineage'),
      h('p', { class: 'muted' }, `${int(nodes.length)} images · ${int(isBase.size)} base image${isBase.size === 1 ? '' : 's'} · an edge runs from an image to each image built on it (Image.parent / children).`)),
    h('div', { class: 'toolbar' },
      legend([['node-base', 'base image (bottom of a line)'], ['node-derived', 'derived image'], ['node-alone', 'no known relatives']]),
      h('label', { class: 'check' }, showAlone, ' Show images without relatives')),
    graph,
    h('p', { class: 'muted small' }, 'Click a node, or focus it and press Enter, to open the image. Hover or focus highlights its line.'));
  draw();
}

function drawGraph(roots, byId, isBase) {
  if (!roots.length) return h('p', { class: 'empty' }, 'No images to draw.');
  // Families with descendants first, larger first; then images standing alone.
  roots = [...roots].sort((a, b) => count(b) - count(a) || imageName(a).localeCompare(imageName(b)));
  const pos = new Map();
  let slot = 0;
  let maxDepth = 0;
  const place = (n, depth) => {
    maxDepth = Math.max(maxDepth, depth);
    const kids = [...n.kids].sort((a, b) => imageName(a).localeCompare(imageName(b)));
    let y;
    if (!kids.length) y = slot++;
    else { const ys = kids.map((k) => place(k, depth + 1)); y = (ys[0] + ys[ys.length - 1]) / 2; }
    pos.set(n.imageId, { x: PAD + depth * COL, y: PAD + y * ROW, n });
    return y;
  };
  roots.forEach((r) => place(r, 0));
  const width = PAD * 2 + maxDepth * COL + NODE_W;
  const height = PAD * 2 + (slot - 1) * ROW + NODE_H;
  const svg = s('svg', { class: 'lineage', viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': 'Image lineage graph' });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
    s('path', { d: 'M0 0 10 5 0 10z', class: 'arrow' }))));
  const edges = s('g', { class: 'edges' });
  const nodesG = s('g', { class: 'nodes' });
  svg.append(edges, nodesG);
  const edgeEls = [];
  for (const { x, y, n } of pos.values()) {
    for (const k of n.kids) {
      const c = pos.get(k.imageId);
      const x1 = x + NODE_W, y1 = y + NODE_H / 2, x2 = c.x - 2, y2 = c.y + NODE_H / 2, mx = (x1 + x2) / 2;
      const path = s('path', { d: `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}`, class: 'edge', 'marker-end': 'url(#arrow)', 'data-from': n.imageId, 'data-to': k.imageId });
      edgeEls.push(path);
      edges.append(path);
    }
  }
  const line = (n) => {
    const ids = new Set([n.imageId]);
    for (let p = n.parent && byId.get(n.parent.imageId); p; p = p.parent && byId.get(p.parent.imageId)) ids.add(p.imageId);
    const down = (m) => m.kids.forEach((k) => { ids.add(k.imageId); down(k); });
    down(n);
    return ids;
  };
  const highlight = (n) => {
    const ids = n ? line(n) : null;
    svg.classList.toggle('focused', !!ids);
    for (const el of nodesG.children) el.classList.toggle('on', !!ids && ids.has(el.dataset.imageId));
    for (const el of edgeEls) el.classList.toggle('on', !!ids && ids.has(el.dataset.from) && ids.has(el.dataset.to));
  };
  for (const { x, y, n } of pos.values()) {
    const kind = isBase.has(n.imageId) ? 'node-base' : n.parent && byId.has(n.parent.imageId) ? 'node-derived' : 'node-alone';
    const href = `#/image/${encodeURIComponent(n.imageId)}`;
    const name = imageName(n);
    const label = name.length > 32 ? name.slice(0, 31) + '…' : name;
    const g = s('g', {
      class: `node ${kind}`, transform: `translate(${x} ${y})`, tabindex: 0, role: 'link', 'data-image-id': n.imageId,
      'aria-label': `${name}${kind === 'node-base' ? ', base image' : ''}, ${n.layers.length} layers, ${bytes(n.size)}${n.kids.length ? `, ${n.kids.length} children` : ''}`,
    },
    s('title', {}, `${n.repoTags.join(', ') || '<none>'}\n${n.imageId}\n${n.layers.length} layers · ${bytes(n.size)} (${bytes(n.uniqueSize)} unique)`),
    s('rect', { width: NODE_W, height: NODE_H, rx: 8 }),
    s('text', { x: 12, y: 19, class: 'node-name' }, label),
    s('text', { x: 12, y: 35, class: 'node-meta' }, `${shortId(n.imageId)} · ${n.layers.length} layers · ${bytes(n.size)}`));
    g.addEventListener('click', () => { location.hash = href; });
    g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); location.hash = href; } });
    g.addEventListener('mouseenter', () => highlight(n));
    g.addEventListener('focus', () => highlight(n));
    g.addEventListener('mouseleave', () => highlight(null));
    g.addEventListener('blur', () => highlight(null));
    nodesG.append(g);
  }
  return svg;
}

function count(n) {
  return n.kids.reduce((a, k) => a + count(k), n.kids.length);
}
