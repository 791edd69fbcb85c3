// Lineage: parent → child edges between images, laid out left to right, in SVG.
// Layer stacks several images share without being imported as an image
// (BaseChain, "unnamed bases") are drawn as nodes of their own above the
// images built on them, labelled by distribution, short ChainID and image count.
//
// A small ledger (up to FULL images) is drawn whole from one page. Otherwise,
// or when an image is chosen (?image=ID), the view draws that image's line
// (its stacks and ancestors), its siblings and its children, and each node
// with more under it expands on demand (lineageLine.js): it never loads every image.
import { gql } from '../api.js';
import { h, mount, s } from '../dom.js';
import { bytes, imageName, int, shortId } from '../format.js';
import { errorBox, legend, loading } from '../ui.js';
import { asOf, link } from '../time.js';
import { accounting } from '../settings.js';
import { lineOf } from './lineageLine.js';

/** Up to this many images the whole graph is drawn (one page of images, one of stacks). */
const FULL = 200;

const QUERY = `query Lineage($first: Int!, $asOf: Int, $acct: SizeAccounting, $whole: Boolean!) {
  images(first: $first, asOf: $asOf) {
    totalCount
    edges { node { imageId repoTags size(accounting: $acct) uniqueSize(accounting: $acct) layers { index } parent { imageId } base { imageId } baseChain { chainId } } }
  }
  baseChains(first: 1000, asOf: $asOf) @include(if: $whole) {
    totalCount
    edges { node { chainId depth size(accounting: $acct) imageCount distribution image { imageId } parent { chainId } } }
  }
}`;

const SEARCH = `query LineageSearch($search: String, $asOf: Int) {
  images(first: 10, search: $search, asOf: $asOf) { totalCount edges { node { imageId repoTags } } }
}`;

const NODE_W = 250, NODE_H = 46, COL = 310, ROW = 62, PAD = 24;

const legendOf = () => legend([['node-base', 'base image (bottom of a line)'], ['node-derived', 'derived image'],
  ['node-stack', 'unnamed base: layers images share, not imported as an image'], ['node-alone', 'no known relatives']]);

const COUNT = 'query LineageCount($asOf: Int) { images(first: 1, asOf: $asOf) { totalCount edges { node { imageId } } } }';

export async function render(root, _p, query, ctx) {
  mount(root, h('h1', {}, 'Lineage'), loading());
  const chosen = query.get('image');
  let d = null;
  // A chosen image's line is fetched alongside the count (it does not depend on it).
  const early = chosen ? lineOf(chosen) : null;
  early?.catch(() => undefined);
  try {
    // How many images there are decides the mode: the whole graph (one page) or one line.
    d = await gql(COUNT, { asOf: asOf() });
    if (!chosen && d.images.totalCount <= FULL) d = await gql(QUERY, { first: FULL, asOf: asOf(), acct: accounting(), whole: true });
  } catch (e) {
    mount(root, h('h1', {}, 'Lineage'), errorBox(e, 'Could not load the images'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const total = d.images.totalCount;
  const picker = searchBox(ctx);
  if (!chosen && total <= FULL && d.baseChains && d.baseChains.totalCount <= 1000) {
    drawWhole(root, d.images.edges.map((e) => e.node), d.baseChains.edges.map((e) => e.node), picker);
    return;
  }
  const ref = chosen ?? d.images.edges[0]?.node.imageId;
  if (!ref) { mount(root, h('h1', {}, 'Lineage'), picker, h('p', { class: 'empty' }, 'No images to draw.')); return; }
  const graph = h('div', { class: 'graph-wrap', id: 'lineage-graph' }, loading());
  const summary = h('p', { class: 'muted', id: 'lineage-summary' });
  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Lineage'), summary),
    h('div', { class: 'toolbar' }, picker, legendOf()),
    graph,
    h('p', { class: 'muted small' }, 'Click a node, or focus it and press Enter, to open the image; the "+" nodes expand (Enter or Space).',
      chosen || total <= FULL ? null : ' No image was chosen: the first one is shown.'));
  try {
    const line = await (early ?? lineOf(ref));
    if (!ctx.isCurrent()) return;
    if (!line) { mount(graph, h('p', { class: 'empty' }, `No image ${ref}.`)); return; }
    const redraw = () => {
      summary.textContent = `The line of ${imageName(line.selected)} (${int(line.lineLength)} above it), ${int(line.shownImages())} images shown of ${int(total)} · `
        + 'an edge runs from an image, or a shared layer stack, to each image built on it (Image.parent / baseChain).';
      mount(graph, drawGraph(line.roots, line.isBase, { selected: line.selected.imageId, expand }));
    };
    // Keyboard users stay where they were: focus returns to the node that was expanded.
    const expand = (x) => x.expand().then(() => {
      redraw();
      graph.querySelector(`g.node[data-key="${CSS.escape(x.expandsKey)}"]`)?.focus();
    }, (e) => graph.prepend(errorBox(e, 'Could not expand')));
    redraw();
    // The chosen image may sit among many siblings: bring it into view.
    graph.querySelector('g.node.selected')?.scrollIntoView({ block: 'center', inline: 'nearest' });
  } catch (e) {
    mount(graph, errorBox(e, 'Could not load the line'));
  }
}

/** Server-side search (images(search:)): picks the image whose line is drawn. */
function searchBox(ctx) {
  const input = h('input', { type: 'search', id: 'lineage-search', placeholder: 'Find an image by tag or ID', spellcheck: 'false', 'aria-controls': 'lineage-results' });
  const results = h('ul', { class: 'search-results', id: 'lineage-results', 'aria-live': 'polite' });
  let asked = 0, t = null;
  input.addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(async () => {
      const id = ++asked;
      const q = input.value.trim();
      if (!q) { results.replaceChildren(); return; }
      try {
        const d = (await gql(SEARCH, { search: q, asOf: asOf() })).images;
        if (id !== asked || !ctx.isCurrent()) return;
        results.replaceChildren(...d.edges.map(({ node: n }) => h('li', {},
          h('a', { href: link(`#/lineage?image=${encodeURIComponent(n.imageId)}`) }, imageName(n), ' ', h('code', {}, shortId(n.imageId))))),
        d.totalCount > 10 ? h('li', { class: 'muted' }, `${int(d.totalCount - 10)} more: type more of the name`) : null);
        if (!d.edges.length) results.replaceChildren(h('li', { class: 'muted' }, 'No image matches.'));
      } catch (e) { results.replaceChildren(h('li', {}, errorBox(e, 'Search failed'))); }
    }, 200);
  });
  return h('div', { class: 'lineage-search' }, h('label', { for: 'lineage-search' }, 'Show the line of '), input, results);
}

function drawWhole(root, nodes, chains, picker) {
  const byId = graphOf(nodes, chains);
  const isBase = new Set(nodes.map((n) => n.base?.imageId).filter(Boolean));
  const stacks = [...byId.values()].filter((n) => n.stack).length;
  const showAlone = h('input', { type: 'checkbox', id: 'show-alone', checked: true });
  const graph = h('div', { class: 'graph-wrap', id: 'lineage-graph' });
  const families = [...byId.values()].filter((n) => !n.up);
  const draw = () => mount(graph, drawGraph(families.filter((r) => showAlone.checked || r.kids.length), isBase));
  showAlone.addEventListener('change', draw);
  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Lineage'),
      h('p', { class: 'muted', id: 'lineage-summary' }, `${int(nodes.length)} images · ${int(isBase.size)} base image${isBase.size === 1 ? '' : 's'} · ${int(stacks)} unnamed base${stacks === 1 ? '' : 's'} · an edge runs from an image, or a shared layer stack, to each image built on it (Image.parent / baseChain).`)),
    h('div', { class: 'toolbar' }, picker, legendOf(),
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

function drawGraph(roots, isBase, { selected = null, expand = null } = {}) {
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
    if (n.expander) { nodesG.append(expanderNode(n, x, y, expand)); continue; }
    const g = n.stack ? stackNode(n, x, y) : imageNode(n, x, y, isBase);
    if (!n.stack && n.imageId === selected) { g.classList.add('selected'); g.setAttribute('aria-current', 'true'); }
    const href = n.stack ? null : link(`#/image/${encodeURIComponent(n.imageId)}`);
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

/** A "+" node: more siblings or children to load (Enter, Space or a click expands). */
function expanderNode(n, x, y, expand) {
  const g = s('g', { class: 'node lineage-expand', transform: `translate(${x} ${y})`, tabindex: 0, role: 'button', 'data-key': n.key,
    'data-expands': n.expandsKey, 'aria-label': n.label },
  s('rect', { width: NODE_W, height: NODE_H, rx: 8 }),
  s('text', { x: 12, y: 28 }, `+ ${n.label}`));
  const go = () => { if (expand) { g.setAttribute('aria-busy', 'true'); expand(n); } };
  g.addEventListener('click', go);
  g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go(); } });
  return g;
}

const label = (n) => (n.expander ? '\uffff' : n.stack ? n.distribution ?? n.chainId : imageName(n));

function count(n) {
  return n.kids.reduce((a, k) => a + count(k), n.kids.length);
}
