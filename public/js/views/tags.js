// Tags: every tag pointing at an image (Query.tags, as of the travel
// position), filtered in the page, 100 at a time; each opens its timeline.
// The list asks for names only (10,000 tags are a few hundred kB, and each
// field per tag counts against the server's query cost); the image and move
// count of each shown tag come in aliased queries, 20 tags each (the server's
// limit on root fields).
import { gql } from '../api.js';
import { h, mount } from '../dom.js';
import { int, shortId } from '../format.js';
import { errorBox, loading } from '../ui.js';
import { asOf, link } from '../time.js';

const QUERY = 'query Tags($asOf: Int) { tags(asOf: $asOf) { name } }';
const PAGE = 100;

/** The images of up to ALIASES tags, by name, in one request (the server allows 20 root fields a request). */
const ALIASES = 20;
const imagesQuery = (n) => `query TagImages(${Array.from({ length: n }, (_, k) => `$n${k}: String!`).join(', ')}, $asOf: Int) {
  ${Array.from({ length: n }, (_, k) => `t${k}: tag(name: $n${k}, asOf: $asOf) { version image { imageId } }`).join('\n  ')}
}`;

export async function render(root, _p, query, ctx) {
  mount(root, h('h1', {}, 'Tags'), loading());
  let tags;
  try {
    tags = (await gql(QUERY, { asOf: asOf() })).tags;
  } catch (e) {
    mount(root, h('h1', {}, 'Tags'), errorBox(e, 'Could not load the tags'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const imageOf = new Map();
  let shown = PAGE;
  const search = h('input', { type: 'search', id: 'tag-search', placeholder: 'Filter by name', value: query.get('q') ?? '' });
  const count = h('p', { class: 'muted', id: 'tags-count', role: 'status' });
  const wrap = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  const errors = h('div', {});

  const imageCell = (name) => {
    if (!imageOf.has(name)) return h('span', { class: 'muted' }, '…');
    const img = imageOf.get(name)?.image;
    return img ? h('a', { href: link(`#/image/${encodeURIComponent(img.imageId)}`), 'data-image-id': img.imageId }, h('code', {}, shortId(img.imageId))) : '—';
  };
  const fill = async (names) => {
    const todo = names.filter((n) => !imageOf.has(n));
    if (!todo.length) return;
    const chunks = [];
    for (let k = 0; k < todo.length; k += ALIASES) chunks.push(todo.slice(k, k + ALIASES));
    try {
      await Promise.all(chunks.map(async (chunk) => {
        const d = await gql(imagesQuery(chunk.length), { asOf: asOf(), ...Object.fromEntries(chunk.map((n, k) => [`n${k}`, n])) });
        chunk.forEach((n, k) => imageOf.set(n, d[`t${k}`] ?? null));
      }));
      if (ctx.isCurrent()) draw(false);
    } catch (e) {
      errors.replaceChildren(errorBox(e, 'Could not load the tags\' images'));
    }
  };
  const draw = (fetch = true) => {
    const q = search.value.trim().toLowerCase();
    const rows = q ? tags.filter((t) => t.name.toLowerCase().includes(q)) : tags;
    const page = rows.slice(0, shown);
    count.textContent = `${int(page.length)} shown of ${int(rows.length)} tags${q ? ' matching' : ''} (${int(tags.length)} in all)`;
    more.hidden = rows.length <= shown;
    mount(wrap, rows.length ? h('table', { class: 'data', id: 'tags-table' },
      h('caption', { class: 'sr-only' }, 'Tags and the image each points to'),
      h('thead', {}, h('tr', {}, ['Tag', 'Image', 'Moves'].map((l) => h('th', { scope: 'col', class: l === 'Moves' ? 'num' : null }, l)))),
      h('tbody', {}, page.map((t) => h('tr', { 'data-tag': t.name },
        h('td', {}, h('a', { href: link(`#/tag/${encodeURIComponent(t.name)}`), class: 'tag' }, t.name)),
        h('td', {}, imageCell(t.name)),
        h('td', { class: 'num' }, imageOf.has(t.name) ? int(imageOf.get(t.name)?.version) : '…')))))
      : h('p', { class: 'empty' }, 'No tag matches.'));
    return fetch ? fill(page.slice(-PAGE).map((t) => t.name)) : Promise.resolve();
  };
  search.addEventListener('input', () => { shown = PAGE; void draw(); });
  more.addEventListener('click', () => { shown += PAGE; void draw(); });
  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Tags'),
      h('div', { class: 'toolbar' }, h('label', { for: 'tag-search', class: 'sr-only' }, 'Filter tags'), search)),
    h('p', { class: 'muted' }, 'A tag opens its timeline: every move, when, by whom, and the event that made it.'),
    errors, count, wrap, h('div', { class: 'pager' }, more));
  // The names are the view; each shown tag's image and move count fill in as they arrive.
  void draw();
}
