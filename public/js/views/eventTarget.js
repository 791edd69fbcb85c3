// What an event changed, and links that open it: the image (as of the event,
// so a later removal does not hide it), the tag's timeline, both ends of a tag
// move, a transfer's figures, and every view as of the event.
import { gql } from '../api.js';
import { h } from '../dom.js';
import { bytes, date, exactBytes, int, shortId } from '../format.js';
import { link } from '../time.js';

const EVENT = 'query Event($p: Int!) { event(position: $p) { position type stream version actor recordedAt data } }';

const imageAt = (id, at, text) => h('a', { href: link(`#/image/${encodeURIComponent(id)}`, at), 'data-opens': 'image', 'data-image-id': id }, text ?? shortId(id));
const tagAt = (tag, at) => h('a', { href: link(`#/tag/${encodeURIComponent(tag)}`, at), 'data-opens': 'tag' }, tag);

/** One line per thing the event changed. */
function changed(e) {
  const d = e.data ?? {};
  const p = e.position;
  switch (e.type) {
    case 'ImageCommitted':
      return [h('li', {}, `Image ${d.source === 'import' ? 'imported' : d.source === 'upgrade' ? 'made by an upgrade' : 'committed'}: `,
        imageAt(d.imageId, p), ` (${int(d.layers?.length ?? 0)} layers)`,
        d.parentImageId ? [' on ', imageAt(d.parentImageId, p)] : null)];
    case 'ImageRemoved':
      return [h('li', {}, 'Image removed: ', imageAt(d.imageId, p - 1), ' (shown as of the position before its removal)')];
    case 'ManifestDigestAdded':
      return [h('li', {}, 'Manifest digest ', h('code', {}, shortId(d.manifestDigest)), ' added to ', imageAt(d.imageId, p))];
    case 'ImageTransferred':
      return [h('li', {}, `${d.direction === 'PUSH' ? 'Pushed to' : 'Pulled from'} `, h('code', {}, d.location), ': ', imageAt(d.imageId, p),
        ` · ${bytes(d.transferredBytes)} moved, ${bytes(d.skippedBytes)} skipped (${int(d.transferredBlobs)} / ${int(d.skippedBlobs)} blobs)`)];
    case 'TagMoved':
      return [h('li', {}, 'Tag ', tagAt(d.tag, p), d.from ? [' moved from ', imageAt(d.from, p - 1)] : ' created', ' to ', imageAt(d.to, p))];
    case 'TagRemoved':
      return [h('li', {}, 'Tag ', tagAt(d.tag, p), ' removed from ', imageAt(d.from, p - 1))];
    case 'LayerCommitted':
      return [h('li', {}, 'Layer ', h('code', { title: d.diffId }, shortId(d.diffId)), ` stored: ${exactBytes(d.size)}, ${int(d.fileCount)} entries`)];
    default:
      return [h('li', {}, 'Stream ', h('code', {}, e.stream), ` (version ${int(e.version)})`)];
  }
}

/** The detail block for the event at a position. */
export async function eventDetail(position) {
  const e = (await gql(EVENT, { p: position })).event;
  if (!e) return h('p', { class: 'empty' }, `No event at position ${int(position)}.`);
  return h('div', { class: 'event-target', 'data-position': e.position },
    h('p', {}, h('strong', {}, e.type), ` at position ${int(e.position)}, ${date(e.recordedAt)}, by ${e.actor ?? 'an unknown actor'}.`),
    h('ul', { class: 'changed' }, changed(e)),
    h('p', {}, h('a', { href: link('#/images', e.position), 'data-opens': 'as-of' }, `See every view as of position ${int(e.position)}`)),
    h('details', {}, h('summary', {}, 'Event data (JSON)'), h('pre', { class: 'json' }, JSON.stringify(e.data, null, 2))));
}
