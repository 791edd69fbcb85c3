// Storage: logical vs physical bytes, savings by CHAIN_ID and by DIFF_ID, reclaimable bytes.
import { gql } from '../api.js';
import { h, mount } from '../dom.js';
import { bytes, exactBytes, imageName, int, percent, shortId } from '../format.js';
import { byteCard, card, chartWithTable, errorBox, legend, loading, section, table } from '../ui.js';
import { asOf } from '../time.js';
import { accounting, accountingName } from '../settings.js';

/** Per-image bars drawn (largest first) and shared layers charted: the report's top lists, never every image. */
const TOP_IMAGES = 30;
const TOP_LAYERS = 20;

const REPORT = `
  by logicalSize physicalSize savedBytes savingsRatio imageCount layerCount sharedLayerCount
  reclaimableLayerCount reclaimableBytes
  largestImages(first: ${TOP_IMAGES}) { image { imageId repoTags } size sharedSize uniqueSize }
  topSharedLayers(first: ${TOP_LAYERS}) { key diffId size imageCount }
  reclaimableLayers { key diffId size }`;
const QUERY = `query Storage($asOf: Int, $acct: SizeAccounting) {
  chain: storage(by: CHAIN_ID, asOf: $asOf, accounting: $acct) { ${REPORT} }
  diff: storage(by: DIFF_ID, asOf: $asOf, accounting: $acct) { ${REPORT} }
}`;

export async function render(root, _p, _q, ctx) {
  mount(root, h('h1', {}, 'Storage'), loading());
  let d;
  try {
    d = await gql(QUERY, { asOf: asOf(), acct: accounting() });
  } catch (e) {
    mount(root, h('h1', {}, 'Storage'), errorBox(e, 'Could not load the storage report'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const { chain, diff } = d;
  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Storage'),
      h('p', { class: 'muted' }, `${int(chain.imageCount)} images · ${int(chain.layerCount)} stored layers by ChainID · ${int(diff.layerCount)} blobs by DiffID · sizes in ${accountingName()}`)),
    h('div', { class: 'cards', id: 'storage-figures' },
      byteCard('Logical (sum of image sizes)', chain.logicalSize, { id: 'logical' }),
      byteCard('Physical by ChainID', chain.physicalSize, { id: 'physical-chain' }),
      byteCard('Saved by ChainID', chain.savedBytes, { id: 'saved-chain' }),
      byteCard('Physical by DiffID', diff.physicalSize, { id: 'physical-diff' }),
      byteCard('Saved by DiffID', diff.savedBytes, { id: 'saved-diff' }),
      byteCard('Reclaimable', chain.reclaimableBytes, { id: 'reclaimable' })),
    section('Logical vs physical',
      h('p', { class: 'muted' }, 'A host\'s layer store shares layers whose ChainIDs match (the whole stack below is the same); a registry or content store shares blobs whose DiffIDs match.'),
      chartWithTable([
        { label: 'Logical', value: chain.logicalSize, cls: 'bar-logical' },
        { label: 'Physical by ChainID', value: chain.physicalSize, cls: 'bar-a', title: `saves ${exactBytes(chain.savedBytes)} (${percent(chain.savingsRatio)})` },
        { label: 'Physical by DiffID', value: diff.physicalSize, cls: 'bar-b', title: `saves ${exactBytes(diff.savedBytes)} (${percent(diff.savingsRatio)})` },
        { label: 'Reclaimable', value: chain.reclaimableBytes, cls: 'bar-warn' },
      ], { title: 'Logical and physical bytes', max: chain.logicalSize, rowLabel: 'Figure', valueLabel: 'Bytes' }),
      h('div', { class: 'cards compact' },
        card('Savings by ChainID', percent(chain.savingsRatio), `${int(chain.sharedLayerCount)} shared layers`, { id: 'ratio-chain' }),
        card('Savings by DiffID', percent(diff.savingsRatio), `${int(diff.sharedLayerCount)} shared blobs`, { id: 'ratio-diff' }))),
    section('Per image: shared and unique bytes',
      legend([['bar-shared', 'shared with another image (ChainID)'], ['bar-a', 'unique to the image']]),
      chain.imageCount > TOP_IMAGES
        ? h('p', { class: 'muted', id: 'top-images' }, `The ${TOP_IMAGES} largest of ${int(chain.imageCount)} images.`) : null,
      chain.largestImages.length
        ? chartWithTable(chain.largestImages.map((i) => ({
          label: imageName(i.image), value: i.size,
          segments: [{ value: i.sharedSize, cls: 'bar-shared', label: 'shared' }, { value: i.uniqueSize, cls: 'bar-a', label: 'unique' }],
        })), { title: 'Image sizes split into shared and unique bytes', rowLabel: 'Image', valueLabel: 'Size' })
        : h('p', { class: 'empty' }, 'No images.')),
    savingsSection('Savings by ChainID', chain, 'ChainID'),
    savingsSection('Savings by DiffID', diff, 'DiffID'),
    section('Reclaimable layers',
      chain.reclaimableLayers.length
        ? h('div', { class: 'table-wrap' }, table([
          { label: 'DiffID', cell: (l) => h('code', { title: l.diffId }, shortId(l.diffId)) },
          { label: 'Size', class: 'num', cell: (l) => h('span', { title: exactBytes(l.size) }, bytes(l.size)) },
        ], chain.reclaimableLayers, { caption: 'Layers no live image references' }))
        : h('p', { class: 'empty' }, 'Nothing to reclaim: every stored layer is referenced by a live image.')));
}

/** The layers that two or more images share, by the bytes sharing saves (size × (images − 1)). */
function savingsSection(title, report, keyName) {
  const shared = report.topSharedLayers.map((l) => ({ ...l, saved: l.size * (l.imageCount - 1) }));
  return section(title,
    h('p', { class: 'muted' }, `${int(report.sharedLayerCount)} of ${int(report.layerCount)} layers are referenced by two or more images; together they save ${bytes(report.savedBytes)} (${exactBytes(report.savedBytes)}).`),
    shared.length
      ? chartWithTable(shared.map((l) => ({
        label: `${shortId(l.key)} ×${l.imageCount}`, value: l.saved, cls: keyName === 'ChainID' ? 'bar-a' : 'bar-b',
        title: `${keyName} ${l.key}: ${exactBytes(l.size)} stored once for ${l.imageCount} images`,
      })), { title: `Bytes saved per shared layer (${keyName})`, rowLabel: `${keyName} × images`, valueLabel: 'Bytes saved' })
      : h('p', { class: 'empty' }, `No layer is shared by ${keyName}.`));
}
