// A tag's timeline (Tag.history, Tag.sizeHistory): every move from → to, when,
// by whom and the event, on a time axis and in a table (its text equivalent).
// At "now" it follows the log: a move made by anyone appears as it happens.
import { gql, subscribe } from '../api.js';
import { h, mount } from '../dom.js';
import { bytes, date, exactBytes, imageName, int, shortId } from '../format.js';
import { errorBox, loading, section } from '../ui.js';
import { timeAxis } from '../timeAxis.js';
import { asOf, link } from '../time.js';
import { accounting, accountingName } from '../settings.js';

const QUERY = `query TagTimeline($name: String!, $asOf: Int, $acct: SizeAccounting) {
  tag(name: $name, asOf: $asOf) {
    name version image { imageId repoTags }
    history { position tag at actor fromImageId toImageId from { imageId repoTags } to { imageId repoTags } }
    sizeHistory { position size(accounting: $acct) delta }
  }
}`;
const LIVE = 'subscription TagMoves { events(types: ["TagMoved", "TagRemoved"]) { position stream } }';

export async function render(root, [name], _q, ctx) {
  const at = asOf();
  const body = h('div', { id: 'tag-timeline' }, loading(`Loading ${name}…`));
  const liveState = h('span', { id: 'tag-live', class: 'live-state', role: 'status' }, at === null ? 'connecting' : 'time travel: not live');
  mount(root,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: link('#/tags') }, 'Tags'), ' / ', name),
    h('div', { class: 'page-head' }, h('h1', {}, 'Tag ', h('span', { class: 'tag' }, name)), liveState),
    body);

  const load = async () => {
    let t;
    try {
      t = (await gql(QUERY, { name, asOf: at, acct: accounting() })).tag;
    } catch (e) {
      mount(body, errorBox(e, `Could not load ${name}`));
      return;
    }
    if (!ctx.isCurrent()) return;
    if (!t) { mount(body, h('p', { class: 'empty' }, `No tag ${name}${at === null ? '' : ` as of position ${int(at)}`}.`)); return; }
    draw(body, t, at);
  };
  await load();
  if (at !== null) return undefined;
  root.dataset.live = 'true';
  return subscribe(LIVE, {}, {
    onNext: (d) => { if (d.events.stream === `tag:${name}`) void load(); },
    onStatus: (s) => { liveState.textContent = s; liveState.dataset.state = s; },
  });
}

const kindOf = (m) => (m.toImageId === null ? 'removed' : m.fromImageId === null ? 'created' : 'moved');
const imageRef = (img, id, at) => (id === null ? h('span', { class: 'muted' }, '—')
  : h('a', { href: link(`#/image/${encodeURIComponent(id)}`, at), 'data-image-id': id }, img ? imageName(img) : shortId(id), img ? null : h('span', { class: 'muted' }, ' (removed)')));

function draw(body, t, at) {
  const sizes = new Map(t.sizeHistory.map((p) => [p.position, p]));
  const moves = t.history;
  const actors = new Set(moves.map((m) => m.actor ?? '—'));
  const title = `${int(moves.length)} move${moves.length === 1 ? '' : 's'} of ${t.name}`
    + (moves.length ? ` from ${date(moves[0].at)} to ${date(moves[moves.length - 1].at)}` : '') + `, by ${int(actors.size)} actor${actors.size === 1 ? '' : 's'}`;
  mount(body,
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'Points to'), h('dd', { id: 'tag-current' }, t.image ? imageRef(t.image, t.image.imageId, at) : 'nothing (untagged)')),
      h('div', {}, h('dt', {}, 'Moves'), h('dd', { id: 'tag-moves' }, int(moves.length))),
      h('div', {}, h('dt', {}, 'Stream version'), h('dd', {}, int(t.version))),
      h('div', {}, h('dt', {}, 'Events'), h('dd', {}, h('a', { href: link(`#/events?stream=${encodeURIComponent(`tag:${t.name}`)}`, at) }, `tag:${t.name} in the event log`)))),
    section('Timeline',
      timeAxis(moves.map((m) => ({ at: m.at, position: m.position, kind: kindOf(m),
        label: `${kindOf(m)} ${m.fromImageId ? shortId(m.fromImageId) : ''} → ${m.toImageId ? shortId(m.toImageId) : 'untagged'} by ${m.actor ?? 'unknown'}` })), { title }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'tag-history' },
        h('caption', { class: 'sr-only' }, `Every move of ${t.name}, oldest first`),
        h('thead', {}, h('tr', {}, ['Position', 'When', 'By', 'Event', 'From', 'To', `Size (${accountingName()})`, 'Change'].map((l) => h('th', { scope: 'col' }, l)))),
        h('tbody', {}, moves.map((m) => {
          const p = sizes.get(m.position);
          return h('tr', { 'data-position': m.position, 'data-kind': kindOf(m) },
            h('td', { class: 'num' }, h('a', { href: link(`#/events?stream=${encodeURIComponent(`tag:${t.name}`)}`, m.position) }, int(m.position))),
            h('td', { class: 'nowrap' }, h('time', { datetime: m.at }, date(m.at))),
            h('td', {}, m.actor ?? h('span', { class: 'muted' }, '—')),
            h('td', {}, h('span', { class: 'pill type' }, m.toImageId === null ? 'TagRemoved' : 'TagMoved')),
            h('td', {}, imageRef(m.from, m.fromImageId, m.position - 1)),
            h('td', {}, imageRef(m.to, m.toImageId, m.position)),
            h('td', { class: 'num', 'data-bytes': p?.size ?? '', title: p ? exactBytes(p.size) : '' }, p ? bytes(p.size) : '—'),
            h('td', { class: 'num', title: p ? `${exactBytes(p.delta)} (content bytes)` : '' }, p ? `${p.delta > 0 ? '+' : ''}${bytes(p.delta)}` : '—'));
        }))))));
}
