// Images: a searchable, sortable table, paged through images(first, after, search).
// Search runs on the server (so it covers images not loaded yet); sorting sorts the loaded rows.
import { gql } from '../api.js';
import { h, mount } from '../dom.js';
import { bytes, date, int, shortId } from '../format.js';
import { errorBox, loading } from '../ui.js';
import { asOf, link } from '../time.js';
import { accounting, accountingName } from '../settings.js';

const PAGE = 100;
const QUERY = `query Images($first: Int!, $after: String, $search: String, $asOf: Int, $acct: SizeAccounting) {
  images(first: $first, after: $after, search: $search, asOf: $asOf) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { imageId repoTags created size(accounting: $acct) sharedSize(accounting: $acct) uniqueSize(accounting: $acct) layers { index } } }
  }
}`;

const COLUMNS = [
  { key: 'tags', label: 'Tags', get: (i) => (i.repoTags[0] ?? '\uffff').toLowerCase() },
  { key: 'id', label: 'ID', get: (i) => i.imageId },
  { key: 'created', label: 'Created', get: (i) => i.created ?? '' },
  { key: 'layers', label: 'Layers', num: true, get: (i) => i.layers.length },
  { key: 'size', label: 'Size', num: true, get: (i) => i.size },
  { key: 'shared', label: 'Shared', num: true, get: (i) => i.sharedSize },
  { key: 'unique', label: 'Unique', num: true, get: (i) => i.uniqueSize },
];

export async function render(root, _params, query, ctx) {
  const st = { rows: [], total: 0, next: null, hasNext: false, q: query.get('q') ?? '', sort: 'created', dir: 1 };
  const search = h('input', { type: 'search', id: 'image-search', placeholder: 'Filter by tag or ID', value: st.q, 'aria-controls': 'images-table' });
  const count = h('p', { class: 'muted', id: 'images-count', role: 'status' });
  const tableWrap = h('div', { class: 'table-wrap' }, loading());
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  mount(root,
    h('div', { class: 'page-head' },
      h('h1', {}, 'Images'),
      h('div', { class: 'toolbar' }, h('label', { for: 'image-search', class: 'sr-only' }, 'Filter images'), search)),
    count, tableWrap, h('div', { class: 'pager' }, more));

  const load = async () => {
    more.disabled = true;
    try {
      const q = st.q.trim();
      const d = await gql(QUERY, { first: PAGE, after: st.next, search: q || null, asOf: asOf(), acct: accounting() });
      if (!ctx.isCurrent() || q !== st.q.trim()) return;
      st.rows.push(...d.images.edges.map((e) => e.node));
      st.total = d.images.totalCount;
      st.hasNext = d.images.pageInfo.hasNextPage;
      st.next = d.images.pageInfo.endCursor;
      draw();
    } catch (e) {
      mount(tableWrap, errorBox(e, 'Could not load the images'));
    } finally {
      more.disabled = false;
    }
  };

  const draw = () => {
    const needle = st.q.trim().toLowerCase();
    const col = COLUMNS.find((c) => c.key === st.sort);
    const rows = st.rows
      .filter((i) => !needle || i.imageId.includes(needle) || i.repoTags.some((t) => t.toLowerCase().includes(needle)))
      .sort((a, b) => {
        const x = col.get(a), y = col.get(b);
        return (x < y ? -1 : x > y ? 1 : 0) * st.dir;
      });
    count.textContent = `${int(rows.length)} shown · ${int(st.rows.length)} loaded of ${int(st.total)} images · sizes in ${accountingName()}`;
    more.hidden = !st.hasNext;
    const th = (c) => h('th', { scope: 'col', class: c.num ? 'num' : null, 'aria-sort': c.key === st.sort ? (st.dir > 0 ? 'ascending' : 'descending') : 'none' },
      h('button', { type: 'button', class: 'sort', onclick: () => { st.dir = st.sort === c.key ? -st.dir : 1; st.sort = c.key; draw(); } },
        c.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, c.key === st.sort ? (st.dir > 0 ? '▲' : '▼') : '')));
    const num = (n) => h('td', { class: 'num', 'data-bytes': n, title: `${int(n)} bytes` }, bytes(n));
    mount(tableWrap, rows.length === 0
      ? h('p', { class: 'empty' }, st.rows.length ? 'No image matches the filter.' : 'No images yet. Import some with `strata import`.')
      : h('table', { class: 'data clickable', id: 'images-table' },
        h('caption', { class: 'sr-only' }, 'Images; column headers sort'),
        h('thead', {}, h('tr', {}, COLUMNS.map(th))),
        h('tbody', {}, rows.map((i) => {
          const href = link(`#/image/${encodeURIComponent(i.imageId)}`);
          return h('tr', { 'data-image-id': i.imageId, onclick: (ev) => { if (!ev.target.closest('a')) location.hash = href; } },
            h('td', {}, i.repoTags.length
              ? i.repoTags.map((t) => h('a', { href, class: 'tag' }, t))
              : h('a', { href, class: 'untagged' }, '<none>')),
            h('td', {}, h('code', { title: i.imageId }, shortId(i.imageId))),
            h('td', { class: 'nowrap' }, date(i.created)),
            h('td', { class: 'num' }, int(i.layers.length)),
            num(i.size), num(i.sharedSize), num(i.uniqueSize));
        }))));
  };

  let debounce = null;
  search.addEventListener('input', () => {
    st.q = search.value;
    draw();
    // Everything is loaded: the local filter is exact. Otherwise ask the server.
    if (!st.hasNext && !st.searched) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => { st.rows = []; st.next = null; st.searched = st.q.trim() !== ''; void load(); }, 250);
  });
  more.addEventListener('click', load);
  await load();
}
