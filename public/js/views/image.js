// One image: summary, timeline, transfers, gate verdicts, layers, the merged
// filesystem (lazy tree), efficiency, diff — as of the time-travel position,
// sizes in the accounting chosen in the header.
import { gql } from '../api.js';
import { h, mount } from '../dom.js';
import { bytes, date, exactBytes, imageName, int, percent, shortId } from '../format.js';
import { byteCard, card, errorBox, loading, section, table } from '../ui.js';
import { asOf, link } from '../time.js';
import { accounting, accountingName } from '../settings.js';
import { timelineSection, transfersSection } from './imageTimeline.js';
import { gateSection } from './imageGate.js';

const QUERY = `query Image($ref: String!, $asOf: Int, $acct: SizeAccounting) {
  image(ref: $ref, asOf: $asOf) {
    imageId manifestDigest repoTags created architecture os compressedSize lineageSource removedAt
    size(accounting: $acct) sharedSize(accounting: $acct) uniqueSize(accounting: $acct)
    distribution { prettyName }
    parent { imageId repoTags }
    base { imageId repoTags }
    baseChain { chainId depth imageCount distribution image { imageId repoTags } }
    children { imageId repoTags }
    layers { index diffId chainId digest size(accounting: $acct) createdBy layer { imageCount fileCount } }
    transfers { direction location manifestDigest transferredBytes skippedBytes at actor position }
    tagMoves { position tag at actor fromImageId toImageId from { imageId repoTags parent { imageId } } to { imageId repoTags parent { imageId } } }
    events(first: 100) { edges { node { position type actor recordedAt data } } }
    efficiency { score wastedBytes userWastedPercent hiddenBytes userSizeBytes inefficientFiles { path count wastedBytes } }
  }
}`;

const FILES = `query Files($ref: String!, $path: String!, $first: Int!, $after: String, $asOf: Int) {
  image(ref: $ref, asOf: $asOf) {
    files(path: $path, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { path kind size mode linkTarget layerIndex diffId } }
    }
  }
}`;

const DIFF = `query Diff($from: String!, $to: String!, $first: Int!, $after: String) {
  diff(from: $from, to: $to, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { path change before { kind size layerIndex } after { kind size layerIndex } } }
  }
}`;

/** The diff picker asks the server: a page of images matching what was typed (never every image). */
const PICK = `query PickImages($search: String, $asOf: Int) {
  images(first: 25, search: $search, asOf: $asOf) { totalCount edges { node { imageId repoTags created } } }
}`;

const imageLink = (img) => h('a', { href: link(`#/image/${encodeURIComponent(img.imageId)}`) }, imageName(img));

export async function render(root, [ref], _query, ctx) {
  mount(root, loading(`Loading ${ref}…`));
  let img;
  try {
    img = (await gql(QUERY, { ref, asOf: asOf(), acct: accounting() })).image;
  } catch (e) {
    mount(root, h('h1', {}, 'Image'), errorBox(e, `Could not load ${ref}`));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (!img) {
    mount(root, h('h1', {}, 'Image not found'), h('p', {}, 'No image is known by ', h('code', {}, ref),
      asOf() === null ? '' : ` as of position ${int(asOf())}`, '. ', h('a', { href: link('#/images') }, 'All images')));
    return;
  }
  document.title = `${imageName(img)} · Strata`;
  const layerTops = new Map(img.layers.map((l) => [l.index, l]));
  mount(root,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: link('#/images') }, 'Images'), ' / ', imageName(img),
      ' · ', h('a', { href: link(`#/lineage?image=${encodeURIComponent(img.imageId)}`) }, 'its lineage')),
    h('div', { class: 'page-head' },
      h('h1', {}, imageName(img), img.repoTags.slice(1).map((t) => h('span', { class: 'tag' }, t))),
      h('code', { class: 'digest', title: 'Image ID (config digest)' }, img.imageId)),
    summary(img),
    timelineSection(img),
    transfersSection(img),
    gateSection(img),
    layersSection(img),
    efficiencySection(img),
    filesSection(img, layerTops),
    diffSection(img, ctx));
}

function summary(img) {
  const e = img.efficiency;
  const rel = (label, list) => (list.length ? h('div', {}, h('dt', {}, label), h('dd', {}, list.map((i, k) => [k ? ', ' : '', imageLink(i)]))) : null);
  return h('div', {},
    h('div', { class: 'cards', id: 'image-figures' },
      byteCard(`Size (${accountingName()})`, img.size, { id: 'image-size', 'data-accounting': accounting() }),
      card('Layers', int(img.layers.length), null, { id: 'image-layers' }),
      byteCard('Shared with other images', img.sharedSize),
      byteCard('Unique', img.uniqueSize),
      card('Efficiency', percent(e.score, 2), `score ${e.score.toFixed(4)}`, { id: 'image-score' })),
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'Created'), h('dd', {}, date(img.created))),
      h('div', {}, h('dt', {}, 'Platform'), h('dd', {}, [img.os, img.architecture].filter(Boolean).join('/') || '—')),
      h('div', {}, h('dt', {}, 'Distribution'), h('dd', {}, img.distribution?.prettyName ?? '—')),
      h('div', {}, h('dt', {}, 'Manifest digest'), h('dd', {}, img.manifestDigest ? h('code', { title: img.manifestDigest }, shortId(img.manifestDigest)) : '—')),
      img.compressedSize !== null ? h('div', {}, h('dt', {}, 'Compressed'), h('dd', {}, bytes(img.compressedSize))) : null,
      rel('Parent', img.parent ? [img.parent] : []),
      rel('Base', img.base ? [img.base] : []),
      baseStack(img.baseChain),
      rel('Children', img.children)));
}

/** The shared layer stack the image is built on (Image.baseChain), named even when no base image is known. */
function baseStack(c) {
  if (!c) return null;
  const others = `${int(c.imageCount)} image${c.imageCount === 1 ? '' : 's'} built on it`;
  return h('div', {}, h('dt', {}, 'Base stack'),
    h('dd', { id: 'base-chain', 'data-chain-id': c.chainId, 'data-image-count': c.imageCount },
      c.image ? imageLink(c.image) : h('span', { class: 'base-name' }, c.distribution ?? 'unnamed base'),
      ' · ', h('code', { title: `ChainID ${c.chainId}` }, shortId(c.chainId)),
      ` · ${c.depth} layer${c.depth === 1 ? '' : 's'} · ${others}`,
      c.image && c.distribution ? ` · ${c.distribution}` : null,
      c.image ? null : h('span', { class: 'muted' }, ' (no image with exactly these layers is known)')));
}

function layersSection(img) {
  const max = Math.max(1, ...img.layers.map((l) => l.size));
  return section('Layers (bottom to top)',
    h('div', { class: 'table-wrap' }, table([
      { label: '#', class: 'num', cell: (l) => String(l.index) },
      { label: 'Created by', class: 'created-by', cell: (l) => h('code', { title: l.createdBy ?? '' }, l.createdBy ?? '—') },
      { label: 'Size', class: 'num', cell: (l) => h('span', { title: exactBytes(l.size), 'data-bytes': l.size }, bytes(l.size)) },
      { label: '', class: 'spark', cell: (l) => h('span', { class: 'spark-bar', 'aria-hidden': 'true' }, h('span', { class: `spark-fill w${Math.round((l.size / max) * 20) * 5}` })) },
      { label: 'Entries (no whiteouts)', class: 'num', cell: (l) => int(l.layer.fileCount) },
      { label: 'Images sharing it', class: 'num', cell: (l) => h('span', { class: l.layer.imageCount > 1 ? 'pill shared' : 'pill' }, int(l.layer.imageCount)) },
      { label: 'DiffID', cell: (l) => h('code', { title: l.diffId }, shortId(l.diffId)) },
    ], img.layers, { caption: 'Layers, bottom first', rowAttrs: (l) => ({ id: `layer-${l.index}`, 'data-layer-index': l.index }) })));
}

function efficiencySection(img) {
  const e = img.efficiency;
  return section('Efficiency',
    h('div', { class: 'cards', id: 'efficiency' },
      card('Score', e.score.toFixed(4), 'smallest copy / all copies', { 'data-score': e.score }),
      byteCard('Wasted bytes', e.wastedBytes),
      card('User wasted', e.userWastedPercent === null ? '—' : percent(e.userWastedPercent, 2), e.userWastedPercent === null ? 'no layers above the base' : `of ${bytes(e.userSizeBytes)} above the bottom layer`),
      byteCard('Hidden bytes', e.hiddenBytes)),
    e.inefficientFiles.length
      ? h('div', { class: 'table-wrap' }, table([
        { label: 'Path', cell: (f) => h('code', {}, f.path) },
        { label: 'Copies', class: 'num', cell: (f) => int(f.count) },
        { label: 'Wasted', class: 'num', cell: (f) => h('span', { title: exactBytes(f.wastedBytes) }, bytes(f.wastedBytes)) },
      ], e.inefficientFiles, { caption: 'Inefficient files' }))
      : h('p', { class: 'empty' }, 'No path is stored more than once.'));
}

function filesSection(img, layers) {
  const tree = h('ul', { class: 'tree', role: 'tree', 'aria-label': `Merged filesystem of ${imageName(img)}` });
  const wrap = h('div', { class: 'tree-wrap' },
    h('div', { class: 'tree-head', 'aria-hidden': 'true' }, h('span', {}, 'Name'), h('span', {}, 'Size'), h('span', {}, 'Mode'), h('span', {}, 'Layer')),
    tree);
  loadDir(img, '/', tree, layers, 1);
  return section('Filesystem (merged view)', h('p', { class: 'muted' }, 'Expand a directory to list it; the layer column names the layer that provides each entry.'), wrap);
}

async function loadDir(img, path, list, layers, level, after = null) {
  const status = h('li', { class: 'tree-status', role: 'none' }, 'Loading…');
  list.append(status);
  try {
    const d = await gql(FILES, { ref: img.imageId, path, first: 500, after, asOf: asOf() });
    status.remove();
    const conn = d.image.files;
    if (!conn.edges.length && !after) list.append(h('li', { class: 'tree-status', role: 'none' }, '(empty)'));
    for (const { node: f } of conn.edges) list.append(fileItem(img, f, layers, level));
    if (conn.pageInfo.hasNextPage) {
      const more = h('li', { role: 'none', class: 'tree-status' });
      more.append(h('button', { type: 'button', class: 'link', onclick: () => { more.remove(); loadDir(img, path, list, layers, level, conn.pageInfo.endCursor); } },
        `Show more (${int(conn.totalCount - list.querySelectorAll(':scope > [role=treeitem]').length)} left)`));
      list.append(more);
    }
  } catch (e) {
    status.replaceChildren(errorBox(e, `Could not list ${path}`));
  }
}

function fileItem(img, f, layers, level) {
  const name = f.path === '/' ? '/' : f.path.slice(f.path.lastIndexOf('/') + 1);
  const isDir = f.kind === 'DIRECTORY';
  const layer = layers.get(f.layerIndex);
  const row = h('div', { class: 'tree-row' },
    h('span', { class: `tree-name kind-${f.kind.toLowerCase()}` },
      isDir ? h('span', { class: 'twisty', 'aria-hidden': 'true' }) : h('span', { class: 'twisty none', 'aria-hidden': 'true' }),
      name, f.linkTarget ? h('span', { class: 'muted' }, ` → ${f.linkTarget}`) : null),
    h('span', { class: 'num' }, isDir ? '' : bytes(f.size)),
    h('span', { class: 'mono muted' }, f.mode === null || f.mode === undefined ? '' : (f.mode & 0o7777).toString(8).padStart(4, '0')),
    h('a', { href: link(`#/image/${encodeURIComponent(img.imageId)}`), class: 'layer-ref', title: layer?.createdBy ?? f.diffId, 'data-layer-index': f.layerIndex,
      onclick: (ev) => { ev.preventDefault(); ev.stopPropagation(); document.getElementById(`layer-${f.layerIndex}`)?.scrollIntoView({ block: 'center' }); } }, `#${f.layerIndex}`));
  const li = h('li', { role: 'treeitem', 'data-path': f.path, 'aria-level': level, tabindex: level === 1 ? 0 : -1 }, row);
  if (isDir) {
    li.setAttribute('aria-expanded', 'false');
    let children = null;
    const toggle = () => {
      const open = li.getAttribute('aria-expanded') === 'true';
      li.setAttribute('aria-expanded', String(!open));
      if (!children) {
        children = h('ul', { role: 'group' });
        li.append(children);
        loadDir(img, f.path, children, layers, level + 1);
      }
      children.hidden = open;
    };
    row.addEventListener('click', toggle);
    li.addEventListener('keydown', (ev) => {
      if (ev.target !== li) return;
      const open = li.getAttribute('aria-expanded') === 'true';
      if (ev.key === 'Enter' || ev.key === ' ' || (ev.key === 'ArrowRight' && !open) || (ev.key === 'ArrowLeft' && open)) { ev.preventDefault(); toggle(); }
    });
  }
  li.addEventListener('keydown', (ev) => {
    if (ev.target !== li || (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp')) return;
    ev.preventDefault();
    const items = [...li.closest('[role=tree]').querySelectorAll('[role=treeitem]')].filter((x) => x.offsetParent !== null);
    const next = items[items.indexOf(li) + (ev.key === 'ArrowDown' ? 1 : -1)];
    if (next) { li.tabIndex = -1; next.tabIndex = 0; next.focus(); }
  });
  return li;
}

function diffSection(img, ctx) {
  const search = h('input', { type: 'search', id: 'diff-search', placeholder: 'Search by tag or ID', spellcheck: 'false', 'aria-controls': 'diff-target' });
  const select = h('select', { id: 'diff-target' }, h('option', { value: '' }, 'Loading images…'));
  const found = h('span', { class: 'muted', id: 'diff-found', role: 'status' });
  const out = h('div', { id: 'diff-result', 'aria-live': 'polite' });
  const byId = new Map();
  // The parent (else the first child) is offered first, whatever the search finds.
  const prefer = img.parent ?? img.children[0] ?? null;
  if (prefer) byId.set(prefer.imageId, prefer);
  const option = (n) => h('option', { value: n.imageId }, `${n.repoTags[0] ?? '<none>'} (${shortId(n.imageId)})`);
  let asked = 0;
  const lookup = async () => {
    const id = ++asked;
    const q = search.value.trim();
    try {
      const d = (await gql(PICK, { search: q || null, asOf: asOf() })).images;
      if (id !== asked || !ctx.isCurrent()) return;
      const others = d.edges.map((e) => e.node).filter((n) => n.imageId !== img.imageId);
      others.forEach((n) => byId.set(n.imageId, n));
      const keep = select.value;
      const list = prefer && !others.some((n) => n.imageId === prefer.imageId) ? [prefer, ...others] : others;
      select.replaceChildren(h('option', { value: '' }, list.length ? 'Choose an image…' : 'No image matches'), ...list.map(option));
      select.value = list.some((n) => n.imageId === keep) ? keep : prefer && !q ? prefer.imageId : list[0]?.imageId ?? '';
      found.textContent = `${int(d.totalCount)} image${d.totalCount === 1 ? '' : 's'} match${d.totalCount === 1 ? 'es' : ''}${d.totalCount > 25 ? ', first 25 listed' : ''}`;
    } catch (e) {
      if (id === asked) out.replaceChildren(errorBox(e, 'Could not search the images'));
    }
  };
  let debounce = null;
  search.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(lookup, 200); });
  const form = h('form', { class: 'toolbar', onsubmit: (ev) => {
    ev.preventDefault();
    const other = byId.get(select.value);
    if (other) runDiff(oldestFirst(img, other), out);
  } },
    h('label', { for: 'diff-search' }, 'Find an image'), search,
    h('label', { for: 'diff-target' }, 'Compare ', h('strong', {}, imageName(img)), ' with'),
    select, h('button', { type: 'submit' }, 'Diff'), found);
  void lookup();
  return section('Diff', h('p', { class: 'muted' }, 'File-level changes from the older image to the newer one (Query.diff, on the images as they are now).'), form, out);
}

/**
 * A diff reads from the older image to the newer: what the newer one added,
 * changed or deleted. A parent is older than its child; otherwise the earlier
 * `created` is older (this image first when unknown or equal).
 */
function oldestFirst(img, other) {
  if (img.parent?.imageId === other.imageId) return { from: other, to: img };
  if (img.children.some((c) => c.imageId === other.imageId)) return { from: img, to: other };
  const t = (x) => (x.created ? Date.parse(x.created) : NaN);
  return t(other) < t(img) ? { from: other, to: img } : { from: img, to: other };
}

async function runDiff(pair, out, after = null, acc = null) {
  if (!after) mount(out, loading('Comparing…'));
  try {
    const d = (await gql(DIFF, { from: pair.from.imageId, to: pair.to.imageId, first: 200, after })).diff;
    const rows = [...(acc ?? []), ...d.edges.map((e) => e.node)];
    const counts = { ADDED: 0, MODIFIED: 0, DELETED: 0 };
    rows.forEach((r) => counts[r.change]++);
    const size = (f) => (f ? (f.kind === 'DIRECTORY' ? 'dir' : bytes(f.size)) : '');
    mount(out,
      h('p', { id: 'diff-direction' }, 'From ', h('strong', { 'data-role': 'from' }, imageName(pair.from)), ' (older) to ',
        h('strong', { 'data-role': 'to' }, imageName(pair.to)), ' (newer): what the newer image added, changed or deleted.'),
      h('p', { class: 'diff-summary', id: 'diff-summary' }, `${int(d.totalCount)} changes`,
        ...Object.entries(counts).map(([k, v]) => h('span', { class: `pill change-${k.toLowerCase()}` }, `${k.toLowerCase()} ${int(v)}`)),
        rows.length < d.totalCount ? h('span', { class: 'muted' }, ` (first ${int(rows.length)} shown)`) : null),
      rows.length ? h('div', { class: 'table-wrap' }, table([
        { label: 'Change', cell: (r) => h('span', { class: `pill change-${r.change.toLowerCase()}` }, r.change) },
        { label: 'Path', cell: (r) => h('code', {}, r.path) },
        { label: `In ${imageName(pair.from)}`, class: 'num', cell: (r) => size(r.before) },
        { label: `In ${imageName(pair.to)}`, class: 'num', cell: (r) => size(r.after) },
      ], rows, { caption: 'Differences' })) : h('p', { class: 'empty' }, 'The merged views are identical.'),
      d.pageInfo.hasNextPage ? h('button', { type: 'button', class: 'secondary', onclick: () => runDiff(pair, out, d.pageInfo.endCursor, rows) }, 'Load more') : null);
  } catch (e) {
    mount(out, errorBox(e, 'Could not compute the diff'));
  }
}
