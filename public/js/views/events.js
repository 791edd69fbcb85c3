// Events: the audit trail (Query.events), live over the events subscription,
// filterable by type, stream, actor and time range, with the hash chain's
// verification status. An event opens what it changed (eventTarget.js).
import { gql, subscribe } from '../api.js';
import { h, mount } from '../dom.js';
import { date, int } from '../format.js';
import { errorBox, loading, section } from '../ui.js';
import { asOf, link } from '../time.js';
import { eventDetail } from './eventTarget.js';

const PAGE = 100;
const FIELDS = 'id position type stream version actor recordedAt';
const LOG = `query Events($first: Int!, $after: String, $stream: String, $types: [String!], $actor: String,
  $since: DateTime, $until: DateTime, $asOf: Int) {
  events(first: $first, after: $after, stream: $stream, types: $types, actor: $actor, since: $since, until: $until, asOf: $asOf) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ${FIELDS} } }
  }
}`;
const VERIFY = 'query Verify { verifyLog { ok checked firstBadPosition reason headPosition headHash } }';
const LIVE = `subscription LiveEvents($types: [String!]) { events(types: $types) { ${FIELDS} } }`;

export async function render(root, _p, query) {
  const at = asOf();
  const st = {
    types: query.get('type') ?? '', stream: query.get('stream') ?? '', actor: query.get('actor') ?? '',
    since: query.get('since') ?? '', until: query.get('until') ?? '',
    rows: [], total: 0, next: null, hasNext: false, live: [], sinceVerify: 0, stop: null,
  };
  const typeInput = h('input', { id: 'filter-type', name: 'type', list: 'known-types', placeholder: 'e.g. TagMoved, ImageCommitted', value: st.types });
  const streamInput = h('input', { id: 'filter-stream', name: 'stream', placeholder: 'e.g. tag:app:1', value: st.stream, spellcheck: 'false' });
  const actorInput = h('input', { id: 'filter-actor', name: 'actor', placeholder: 'e.g. token:ab12…, seed', value: st.actor, spellcheck: 'false' });
  const sinceInput = h('input', { id: 'filter-since', name: 'since', type: 'datetime-local', step: 1, value: st.since });
  const untilInput = h('input', { id: 'filter-until', name: 'until', type: 'datetime-local', step: 1, value: st.until });
  const knownTypes = h('datalist', { id: 'known-types' });
  const verifyBox = h('div', { id: 'verify-status', class: 'verify', role: 'status' }, loading('Verifying the hash chain…'));
  const liveState = h('span', { id: 'live-state', class: 'live-state', role: 'status' }, 'connecting');
  const liveList = h('ol', { id: 'live-events', class: 'live-list', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const liveEmpty = h('p', { class: 'empty', id: 'live-empty' }, 'Waiting for new events…');
  const logWrap = h('div', { class: 'table-wrap' }, loading());
  const logCount = h('p', { class: 'muted', id: 'log-count', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const errors = h('div', {});

  const form = h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
    h('div', { class: 'field' }, h('label', { for: 'filter-type' }, 'Types'), typeInput),
    h('div', { class: 'field' }, h('label', { for: 'filter-stream' }, 'Stream (exact)'), streamInput),
    h('div', { class: 'field' }, h('label', { for: 'filter-actor' }, 'Actor (exact)'), actorInput),
    h('div', { class: 'field' }, h('label', { for: 'filter-since' }, 'Recorded from (UTC)'), sinceInput),
    h('div', { class: 'field' }, h('label', { for: 'filter-until' }, 'Recorded until (UTC)'), untilInput),
    h('button', { type: 'submit' }, 'Filter'),
    h('button', { type: 'button', class: 'secondary', onclick: () => {
      for (const i of [typeInput, streamInput, actorInput, sinceInput, untilInput]) i.value = '';
      apply();
    } }, 'Clear'),
    knownTypes);

  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Events'), verifyBox),
    form, errors,
    at === null
      ? section('Live', h('div', { class: 'live-head' }, liveState, h('span', { class: 'muted' }, 'Events appended while this page is open, newest first.')), liveEmpty, liveList)
      : h('p', { class: 'muted', id: 'events-as-of' }, `The log up to position ${int(at)} (time travel); the live feed shows only at "now".`),
    section('Log', logCount, logWrap, h('div', { class: 'pager' }, more)));

  const typesList = () => st.types.split(/[\s,]+/).filter(Boolean);
  /** datetime-local values are UTC here (the labels say so). */
  const utc = (v) => (v ? new Date(`${v}Z`).toISOString() : null);
  const matches = (e) => (!st.stream || e.stream === st.stream) && (!typesList().length || typesList().includes(e.type))
    && (!st.actor || e.actor === st.actor) && (!st.since || e.recordedAt >= utc(st.since)) && (!st.until || e.recordedAt <= utc(st.until));
  const filtered = () => !!(st.stream || st.types || st.actor || st.since || st.until);
  const seenTypes = new Set();
  const noteType = (t) => { if (!seenTypes.has(t)) { seenTypes.add(t); knownTypes.append(h('option', { value: t })); } };

  const row = (e) => h('tr', { 'data-position': e.position },
    h('td', { class: 'num' }, h('button', { type: 'button', class: 'link open-event', 'aria-expanded': 'false',
      'aria-label': `Event ${e.position}: what it changed`, onclick: (ev) => toggleDetail(ev.currentTarget, e) }, int(e.position))),
    h('td', {}, h('span', { class: 'pill type' }, e.type)),
    h('td', { class: 'stream' }, h('button', { type: 'button', class: 'link', title: 'Filter by this stream', onclick: () => { streamInput.value = e.stream; apply(); } }, e.stream)),
    h('td', { class: 'num' }, int(e.version)),
    h('td', {}, e.actor
      ? h('button', { type: 'button', class: 'link', title: 'Filter by this actor', onclick: () => { actorInput.value = e.actor; apply(); } }, e.actor)
      : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'nowrap' }, date(e.recordedAt)));

  const drawLog = () => {
    logCount.textContent = `${int(st.rows.length)} of ${int(st.total)} events${filtered() ? ' matching the filter' : ''}, oldest first`
      + (at === null ? '' : `, up to position ${int(at)}`);
    more.hidden = !st.hasNext;
    mount(logWrap, st.rows.length
      ? h('table', { class: 'data', id: 'event-log' },
        h('caption', { class: 'sr-only' }, 'Event log'),
        h('thead', {}, h('tr', {}, ['Position', 'Type', 'Stream', 'Version', 'Actor', 'Recorded'].map((l) => h('th', { scope: 'col' }, l)))),
        h('tbody', {}, st.rows.map(row)))
      : h('p', { class: 'empty' }, 'No events match.'));
  };

  const loadLog = async (reset) => {
    if (reset) { st.rows = []; st.next = null; mount(logWrap, loading()); }
    more.disabled = true;
    try {
      const d = await gql(LOG, { first: PAGE, after: st.next, stream: st.stream || null, types: typesList().length ? typesList() : null,
        actor: st.actor || null, since: utc(st.since), until: utc(st.until), asOf: at });
      const c = d.events;
      const have = new Set(st.rows.map((r) => r.position));
      st.rows.push(...c.edges.map((e) => e.node).filter((n) => !have.has(n.position)));
      st.rows.forEach((r) => noteType(r.type));
      st.total = Math.max(c.totalCount, st.rows.length);
      st.hasNext = c.pageInfo.hasNextPage;
      st.next = c.pageInfo.endCursor ?? st.next;
      drawLog();
    } catch (e) {
      mount(logWrap, errorBox(e, 'Could not load the event log'));
    } finally {
      more.disabled = false;
    }
  };

  const verify = async () => {
    mount(verifyBox, loading('Verifying the hash chain…'));
    try {
      const v = (await gql(VERIFY)).verifyLog;
      st.sinceVerify = 0;
      verifyBox.className = `verify ${v.ok ? 'ok' : 'bad'}`;
      mount(verifyBox,
        h('span', { class: 'verify-badge' }, v.ok ? '✔ Hash chain verified' : '✖ Hash chain broken'),
        h('span', { class: 'verify-detail' }, v.ok
          ? `${int(v.checked)} events checked, head ${int(v.headPosition)}`
          : `first bad position ${int(v.firstBadPosition)}${v.reason ? `: ${v.reason}` : ''}`),
        h('code', { class: 'verify-hash', title: `head hash ${v.headHash}` }, v.headHash.slice(0, 16) + '…'),
        h('span', { class: 'verify-since muted', id: 'verify-since' }),
        h('button', { type: 'button', class: 'secondary small', onclick: verify }, 'Verify again'));
    } catch (e) {
      verifyBox.className = 'verify';
      mount(verifyBox, errorBox(e, 'Could not verify the log'));
    }
  };

  const onEvent = (e) => {
    noteType(e.type);
    st.sinceVerify++;
    window.dispatchEvent(new CustomEvent('strata:head', { detail: e.position }));
    const since = document.getElementById('verify-since');
    if (since) since.textContent = `${int(st.sinceVerify)} appended since`;
    if (!matches(e)) return;
    liveEmpty.hidden = true;
    liveList.prepend(h('li', { 'data-position': e.position, class: 'live-item' },
      h('span', { class: 'num pos' }, `#${int(e.position)}`),
      h('span', { class: 'pill type' }, e.type),
      h('code', { class: 'stream' }, e.stream),
      h('span', { class: 'muted' }, e.actor ?? '—'),
      h('time', { datetime: e.recordedAt, class: 'muted' }, date(e.recordedAt))));
    while (liveList.children.length > 200) liveList.lastChild.remove();
    // The table follows the log's tail once every earlier page is loaded.
    if (!st.hasNext && !st.rows.some((r) => r.position === e.position)) {
      st.rows.push(e);
      st.total++;
      drawLog();
    }
  };

  const connect = () => {
    st.stop?.();
    errors.replaceChildren();
    st.stop = subscribe(LIVE, { types: typesList().length ? typesList() : null }, {
      onNext: (d) => onEvent(d.events),
      onError: (e) => errors.replaceChildren(errorBox(e, 'Live feed error')),
      onStatus: (s) => { liveState.textContent = s; liveState.dataset.state = s; },
    });
  };

  const apply = () => {
    st.types = typeInput.value.trim();
    st.stream = streamInput.value.trim();
    st.actor = actorInput.value.trim();
    st.since = sinceInput.value;
    st.until = untilInput.value;
    const q = new URLSearchParams();
    for (const [k, v] of [['type', st.types], ['stream', st.stream], ['actor', st.actor], ['since', st.since], ['until', st.until]]) if (v) q.set(k, v);
    history.replaceState(null, '', link(`#/events${q.size ? `?${q}` : ''}`));
    liveList.replaceChildren();
    liveEmpty.hidden = false;
    if (at === null) connect();
    loadLog(true);
  };

  /** Opens (or closes) the row under an event: its data and links to what it changed. */
  const toggleDetail = (btn, e) => {
    const tr = btn.closest('tr');
    const open = btn.getAttribute('aria-expanded') === 'true';
    btn.setAttribute('aria-expanded', String(!open));
    if (open) { tr.nextElementSibling?.classList.contains('event-detail') && tr.nextElementSibling.remove(); return; }
    const cell = h('td', { colspan: 6 }, loading('Loading the event…'));
    tr.after(h('tr', { class: 'event-detail', 'data-detail-for': e.position }, cell));
    eventDetail(e.position).then((node) => mount(cell, node), (err) => mount(cell, errorBox(err, 'Could not load the event')));
  };

  more.addEventListener('click', () => loadLog(false));
  if (at === null) { connect(); root.dataset.live = 'true'; }
  verify();
  await loadLog(true);
  return () => st.stop?.();
}
