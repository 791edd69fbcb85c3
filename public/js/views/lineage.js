// Lineage: parent → child edges between images, laid out left to right, in SVG.
// Layer stacks several images share without being imported as an image
// (BaseChain, "unnamed bases") are drawn as nodes of their own above the
// images built on them, labelled by distribution, short ChainID and image count.
import { gqlAll } from '../api.js';
import { h, mount, s } from '../dom.js';
import { bytes, imageName, int, shortId } from '../format.js';
import { errorBox, legend, loading } from '../ui.js';

const QUERY = `query Lineage($first: Int!, $after: String) {
  images(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { imageId repoTags size uniqueSize layers { index } parent { imageId } base { imageId } baseChain { chainId } } }
  }
}`;

const CHAINS = `query Bases($first: Int!, $after: String) {
  baseChains(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { chainId depth size imageCount distribution image { imageId } parent { chainId } } }
  }
}`;

const NODE_W = 250, NODE_H = 46, COL = 310, ROW = 62, PAD = 24;

export async function render(root, _p, _q, ctx) {
  mount(root, h('h1', {}, 'Lineage'), loading());
  let nodes, chains;
  try {
    [{ nodes }, { nodes: chains }] = await Promise.all([gqlAll(QUERY, {}, (d) => d.images), gqlAll(CHAINS, {}, (d) => d.baseChains)]);
  } catch (e) {
    mount(root, h('h1', {}, 'Lineage'), errorBox(e, 'Could not load the images'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const byId = graphOf(nodes, chains);
  const isBase = new Set(nodes.map((n) => n.base?.imageId).filter(Boolean));
  const stacks = [...byId.values()].filter((n) => n.stack).length;
  const showAlone = h('input', { type: 'checkbox', id: 'show-alone', checked: true });
  const graph = h('div', { class: 'graph-wrap', id: 'lineage-graph' });
  const families = [...byId.values()].filter((n) => !n.up);
  const draw = () => mount(graph, drawGraph(families.filter((r) => showAlone.checked || r.kids.length), byId, isBase));
  showAlone.addEventListener('change', draw);
  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Lineage'),
      h('p', { class: 'muted', id: 'lineage-summary' }, `${int(nodes.length)} images · ${int(isBase.size)} base image${isBase.size === 1 ? '' : 's'} · ${int(stacks)} unnamed base${stacks === 1 ? '' : 's'} · an edge runs from an image, or a shared layer stack, to each image built on it (Image.parent / baseChain).`)),
    h('div', { class: 'toolbar' },
      legend([['node-base', 'base image (bottom of a line)'], ['node-derived', 'derived image'], ['node-stack', 'unnamed base: layers images share, not imported as an image'], ['node-alone', 'no known relatives']]),
      h('label', { class: 'check' }, showAlone, ' Show images without relatives')),
    graph,
    h('p', { class: 'muted small' }, 'Click a node, or focus it and press Enter, to open the image. Hover or focus highlights its line.'));
  draw();
}

/**
 * Nodes keyed by image ID or ChainID, each with `up` (the node drawn above it) and `kids`.
 * An image hangs under the known image of its base chain, else under the unnamed stack
 * (else under its parent, e.g. from annotations). An unnamed stack hangs under its parent
 * stack's image or node. Unnamed stacks with fewer than two nodes under them are passed
 * through (a runtime's intermediate layers), so each drawn stack branches or carries images.
 */
function graphOf(images, chains) {
  const byId = new Map(images.map((n) => [n.imageId, { ...n, key: n.imageId, kids: [], up: null }]));
  const chainById = new Map(chains.map((c) => [c.chainId, c]));
  const stackNodes = new Map();
  for (const c of chains) if (!c.image || !byId.has(c.image.imageId)) stackNodes.set(c.chainId, { ...c, key: c.chainId, stack: true, kids: [], up: null });
  const repOf = (chainId) => {
    const c = chainById.get(chainId);
    if (!c) return null;
    return c.image && byId.has(c.image.imageId) ? c.image.imageId : chainId;
  };
  const upOf = new Map();
  const under = new Map(); // key → keys drawn directly under it
  const link = (k, up) => {
    upOf.set(k, up);
    if (!under.has(up)) under.set(up, []);
    under.get(up).push(k);
  };
  for (const n of byId.values()) {
    let up = n.baseChain ? repOf(n.baseChain.chainId) : null;
    if (!up && n.parent && byId.has(n.parent.imageId)) up = n.parent.imageId;
    if (up && up !== n.key) link(n.key, up);
  }
  for (const c of stackNodes.values()) if (c.parent) link(c.key, repOf(c.parent.chainId));
  // Pass through thin stacks, deepest first (baseChains lists each stack after its parent).
  for (const c of [...chains].reverse()) {
    const node = stackNodes.get(c.chainId);
    const kids = (under.get(c.chainId) ?? []).filter((k) => upOf.get(k) === c.chainId);
    if (!node || kids.length >= 2) continue;
    const above = upOf.get(node.key) ?? null;
    for (const k of kids) { if (above) link(k, above); else upOf.delete(k); }
    upOf.delete(node.key);
    stackNodes.delete(node.key);
  }
  for (const c of stackNodes.values()) byId.set(c.key, c);
  for (const [k, up] of upOf) {
    const n = byId.get(k), p = byId.get(up);
    if (n && p) { n.up = p; p.kids.push(n); }
  }
  return byId;
}

function drawGraph(roots, byId, isBase) {
  if (!roots.length) return h('p', { class: 'empty' }, 'No images to draw.');
  // Families with descendants first, larger first; then images standing alone.
  roots = [...roots].sort((a, b) => count(b) - count(a) || label(a).localeCompare(label(b)));
  const pos = new Map();
  let slot = 0;
  let maxDepth = 0;
  const place = (n, depth) => {
    maxDepth = Math.max(maxDepth, depth);
    const kids = [...n.kids].sort((a, b) => (b.stack ? 1 : 0) - (a.stack ? 1 : 0) || label(a).localeCompare(label(b)));
    let y;
    if (!kids.length) y = slot++;
    else { const ys = kids.map((k) => place(k, depth + 1)); y = (ys[0] + ys[ys.length - 1]) / 2; }
    pos.set(n.key, { x: PAD + depth * COL, y: PAD + y * ROW, n });
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
      const c = pos.get(k.key);
      const x1 = x + NODE_W, y1 = y + NODE_H / 2, x2 = c.x - 2, y2 = c.y + NODE_H / 2, mx = (x1 + x2) / 2;
      const path = s('path', { d: `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}`, class: 'edge', 'marker-end': 'url(#arrow)', 'data-from': n.key, 'data-to': k.key });
      edgeEls.push(path);
      edges.append(path);
    }
  }
  const line = (n) => {
    const ids = new Set([n.key]);
    for (let p = n.up; p; p = p.up) ids.add(p.key);
    const down = (m) => m.kids.forEach((k) => { ids.add(k.key); down(k); });
    down(n);
    return ids;
  };
  const highlight = (n) => {
    const ids = n ? line(n) : null;
    svg.classList.toggle('focused', !!ids);
    for (const el of nodesG.children) el.classList.toggle('on', !!ids && ids.has(el.dataset.key));
    for (const el of edgeEls) el.classList.toggle('on', !!ids && ids.has(el.dataset.from) && ids.has(el.dataset.to));
  };
  for (const { x, y, n } of pos.values()) {
    const g = n.stack ? stackNode(n, x, y) : imageNode(n, x, y, isBase);
    const href = n.stack ? null : `#/image/${encodeURIComponent(n.imageId)}`;
    if (href) {
      g.addEventListener('click', () => { location.hash = href; });
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); location.hash = href; } });
    }
    g.addEventListener('mouseenter', () => highlight(n));
    g.addEventListener('focus', () => highlight(n));
    g.addEventListener('mouseleave', () => highlight(null));
    g.addEventListener('blur', () => highlight(null));
    nodesG.append(g);
  }
  return svg;
}

function imageNode(n, x, y, isBase) {
  const kind = isBase.has(n.imageId) ? 'node-base' : n.up ? 'node-derived' : 'node-alone';
  const name = imageName(n);
  const text = name.length > 32 ? name.slice(0, 31) + '…' : name;
  return s('g', {
    class: `node ${kind}`, transform: `translate(${x} ${y})`, tabindex: 0, role: 'link', 'data-image-id': n.imageId, 'data-key': n.key,
    'aria-label': `${name}${kind === 'node-base' ? ', base image' : ''}, ${n.layers.length} layers, ${bytes(n.size)}${n.kids.length ? `, ${n.kids.length} children` : ''}`,
  },
  s('title', {}, `${n.repoTags.join(', ') || '<none>'}\n${n.imageId}\n${n.layers.length} layers · ${bytes(n.size)} (${bytes(n.uniqueSize)} unique)`),
  s('rect', { width: NODE_W, height: NODE_H, rx: 8 }),
  s('text', { x: 12, y: 19, class: 'node-name' }, text),
  s('text', { x: 12, y: 35, class: 'node-meta' }, `${shortId(n.imageId)} · ${n.layers.length} layers · ${bytes(n.size)}`));
}

/** An unnamed base: distribution, short ChainID, and how many images are built on the stack. */
function stackNode(n, x, y) {
  const name = n.distribution ?? 'unnamed base';
  const text = name.length > 29 ? name.slice(0, 28) + '…' : name; // the bold label is wider per character
  const images = `${int(n.imageCount)} image${n.imageCount === 1 ? '' : 's'}`;
  return s('g', {
    class: 'node node-stack', transform: `translate(${x} ${y})`, tabindex: 0, role: 'img', 'data-chain-id': n.chainId, 'data-key': n.key,
    'data-image-count': n.imageCount,
    'aria-label': `unnamed base ${name}, layer stack ${shortId(n.chainId)}, ${n.depth} layers, ${images} built on it`,
  },
  s('title', {}, `${name}\nChainID ${n.chainId}\n${n.depth} layers · ${bytes(n.size)} · ${images} built on it (no image is known with exactly these layers)`),
  s('rect', { width: NODE_W, height: NODE_H, rx: 8 }),
  s('text', { x: 12, y: 19, class: 'node-name' }, text),
  s('text', { x: 12, y: 35, class: 'node-meta' }, `${shortId(n.chainId)} · ${images}`));
}

const label = (n) => (n.stack ? n.distribution ?? n.chainId : imageName(n));

function count(n) {
  return n.kids.reduce((a, k) => a + count(k), n.kids.length);
}
