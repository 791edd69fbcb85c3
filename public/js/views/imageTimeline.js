// An image's timeline: when it appeared (imported, committed, upgraded or
// rebased), was tagged and untagged, pulled and pushed, and removed — from its
// own stream's events, Image.tagMoves and Image.transfers — on a time axis and
// in a table; and its transfers with bytes moved vs skipped.
import { h } from '../dom.js';
import { bytes, date, exactBytes, imageName, int, shortId } from '../format.js';
import { section, table } from '../ui.js';
import { timeAxis } from '../timeAxis.js';
import { link } from '../time.js';

const imageAt = (img, id, at) => h('a', { href: link(`#/image/${encodeURIComponent(id)}`, at) }, img ? imageName(img) : shortId(id));
const tagAt = (tag, at) => h('a', { href: link(`#/tag/${encodeURIComponent(tag)}`, at), class: 'tag' }, tag);

/** Rows of the timeline, oldest first: { position, at, actor, kind, what (nodes) }. */
export function timelineOf(img) {
  const rows = [];
  const movedIn = new Map(img.tagMoves.filter((m) => m.toImageId === img.imageId).map((m) => [m.position, m]));
  for (const { node: e } of img.events.edges) {
    const d = e.data ?? {};
    if (e.type === 'ImageCommitted') {
      let kind = d.source === 'commit' ? 'committed' : d.source === 'upgrade' ? 'upgraded' : 'appeared';
      const what = [d.source === 'import' ? 'Imported' : d.source === 'commit' ? 'Committed from a container' : ''];
      if (d.source === 'upgrade') {
        // An upgrade with new layers sits on the tag's previous image; a rebase sits on the new base.
        const move = [...movedIn.values()].find((m) => m.position > e.position);
        kind = move && move.fromImageId === d.parentImageId ? 'upgraded' : 'rebased';
        what[0] = kind === 'upgraded' ? 'Made by an upgrade: new layers on ' : 'Made by a rebase onto ';
        what.push(imageAt(null, d.parentImageId, e.position));
      } else if (d.parentImageId) what.push(' on ', imageAt(null, d.parentImageId, e.position));
      rows.push({ position: e.position, at: e.recordedAt, actor: e.actor, kind, what });
    } else if (e.type === 'ImageRemoved') {
      rows.push({ position: e.position, at: e.recordedAt, actor: e.actor, kind: 'removed', what: ['Removed'] });
    } else if (e.type === 'ManifestDigestAdded') {
      rows.push({ position: e.position, at: e.recordedAt, actor: e.actor, kind: 'manifest', what: ['Known by another manifest ', h('code', {}, shortId(d.manifestDigest))] });
    }
  }
  for (const m of img.tagMoves) {
    if (m.toImageId === img.imageId) {
      rows.push({ position: m.position, at: m.at, actor: m.actor, kind: 'tagged',
        what: ['Tagged ', tagAt(m.tag, m.position), m.fromImageId ? [' (moved here from ', imageAt(m.from, m.fromImageId, m.position - 1), ')'] : null] });
    } else if (m.toImageId === null) {
      rows.push({ position: m.position, at: m.at, actor: m.actor, kind: 'untagged', what: ['Tag ', tagAt(m.tag, m.position), ' removed'] });
    } else {
      const upgraded = m.to?.parent?.imageId === img.imageId;
      rows.push({ position: m.position, at: m.at, actor: m.actor, kind: upgraded ? 'upgraded' : 'untagged',
        what: ['Tag ', tagAt(m.tag, m.position), upgraded ? ' upgraded to ' : ' moved to ', imageAt(m.to, m.toImageId, m.position)] });
    }
  }
  for (const t of img.transfers) {
    rows.push({ position: t.position, at: t.at, actor: t.actor, kind: t.direction === 'PUSH' ? 'pushed' : 'pulled',
      what: [t.direction === 'PUSH' ? 'Pushed to ' : 'Pulled from ', h('code', {}, t.location), ` (${bytes(t.transferredBytes)} moved, ${bytes(t.skippedBytes)} skipped)`] });
  }
  // Image events come first at a shared position (an import records the image, then its tag).
  const order = { appeared: 0, committed: 0, upgraded: 0, rebased: 0, manifest: 1, pulled: 2, tagged: 3, untagged: 4, pushed: 5, removed: 6 };
  return rows.sort((a, b) => a.position - b.position || (order[a.kind] ?? 9) - (order[b.kind] ?? 9));
}

export function timelineSection(img) {
  const rows = timelineOf(img);
  const title = `Timeline of ${imageName(img)}: ${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}`
    + (rows.length ? ` from ${date(rows[0].at)} to ${date(rows[rows.length - 1].at)}` : '');
  return section('Timeline',
    timeAxis(rows.map((r) => ({ at: r.at, position: r.position, kind: r.kind, label: `${r.kind} (position ${r.position})` })), { title }),
    h('div', { class: 'table-wrap' }, table([
      { label: 'Position', class: 'num', cell: (r) => h('a', { href: link('#/images', r.position), title: 'Every view as of this position' }, int(r.position)) },
      { label: 'When', class: 'nowrap', cell: (r) => h('time', { datetime: r.at }, date(r.at)) },
      { label: 'What', cell: (r) => h('span', {}, h('span', { class: `pill kind-${r.kind}` }, r.kind), ' ', r.what) },
      { label: 'By', cell: (r) => r.actor ?? h('span', { class: 'muted' }, '—') },
    ], rows, { caption: title, rowAttrs: (r) => ({ 'data-kind': r.kind, 'data-position': r.position }) })));
}

export function transfersSection(img) {
  const t = img.transfers;
  const sum = (k, dir) => t.filter((x) => x.direction === dir).reduce((n, x) => n + x[k], 0);
  return section('Transfers (pulls and pushes)',
    t.length ? [
      h('p', { class: 'muted', id: 'transfer-totals' },
        `Pulled ${int(t.filter((x) => x.direction === 'PULL').length)} times: ${bytes(sum('transferredBytes', 'PULL'))} moved, ${bytes(sum('skippedBytes', 'PULL'))} skipped. `
        + `Pushed ${int(t.filter((x) => x.direction === 'PUSH').length)} times: ${bytes(sum('transferredBytes', 'PUSH'))} moved, ${bytes(sum('skippedBytes', 'PUSH'))} skipped (compressed bytes).`),
      h('div', { class: 'table-wrap' }, table([
        { label: 'Direction', cell: (x) => h('span', { class: `pill kind-${x.direction.toLowerCase()}` }, x.direction === 'PUSH' ? 'push → to' : 'pull ← from') },
        { label: 'Location', cell: (x) => h('code', {}, x.location) },
        { label: 'Moved', class: 'num', cell: (x) => h('span', { title: exactBytes(x.transferredBytes), 'data-bytes': x.transferredBytes }, bytes(x.transferredBytes)) },
        { label: 'Skipped (already there)', class: 'num', cell: (x) => h('span', { title: exactBytes(x.skippedBytes), 'data-bytes': x.skippedBytes }, bytes(x.skippedBytes)) },
        { label: 'Manifest', cell: (x) => h('code', { title: x.manifestDigest }, shortId(x.manifestDigest)) },
        { label: 'When', class: 'nowrap', cell: (x) => date(x.at) },
        { label: 'By', cell: (x) => x.actor ?? '—' },
      ], t, { caption: 'Pulls and pushes of this image, oldest first', rowAttrs: (x) => ({ 'data-position': x.position, id: `transfer-${x.position}` }) }))]
      : h('p', { class: 'empty', id: 'no-transfers' }, 'Never pulled from or pushed to a registry or engine (imported from a file, or committed here).'));
}
