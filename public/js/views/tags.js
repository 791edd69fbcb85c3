// Tags: every tag pointing at an image (Query.tags, as of the travel
// position), filtered in the page, 200 at a time; each opens its timeline.
import { gql } from '../api.js';
import { h, mount } from '../dom.js';
import { imageName, int, shortId } from '../format.js';
import { errorBox, loading } from '../ui.js';
import { asOf, link } from '../time.js';

const QUERY = 'query Tags($asOf: Int) { tags(asOf: $asOf) { name version image { imageId repoTags } } }';
const PAGE = 200;

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
  let shown = PAGE;
  const search = h('input', { type: 'search', id: 'tag-search', placeholder: 'Filter by name', value: query.get('q') ?? '' });
  const count = h('p', { class: 'muted', id: 'tags-count', role: 'status' });
  const wrap = h('div', { class: 'table-wrap' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const rows = q ? tags.filter((t) => t.name.toLowerCase().includes(q)) : tags;
    count.textContent = `${int(Math.min(shown, rows.length))} shown of ${int(rows.length)} tags${q ? ' matching' : ''} (${int(tags.length)} in all)`;
    more.hidden = rows.length <= shown;
    mount(wrap, rows.length ? h('table', { class: 'data', id: 'tags-table' },
      h('caption', { class: 'sr-only' }, 'Tags and the image each points to'),
      h('thead', {}, h('tr', {}, ['Tag', 'Image', 'Moves'].map((l) => h('th', { scope: 'col', class: l === 'Moves' ? 'num' : null }, l)))),
      h('tbody', {}, rows.slice(0, shown).map((t) => h('tr', { 'data-tag': t.name },
        h('td', {}, h('a', { href: link(`#/tag/${encodeURIComponent(t.name)}`), class: 'tag' }, t.name)),
        h('td', {}, t.image ? h('a', { href: link(`#/image/${encodeURIComponent(t.image.imageId)}`) }, `${imageName(t.image)} `, h('code', {}, shortId(t.image.imageId))) : '—'),
        h('td', { class: 'num' }, int(t.version))))))
      : h('p', { class: 'empty' }, 'No tag matches.'));
  };
  search.addEventListener('input', () => { shown = PAGE; draw(); });
  more.addEventListener('click', () => { shown += PAGE; draw(); });
  mount(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Tags'),
      h('div', { class: 'toolbar' }, h('label', { for: 'tag-search', class: 'sr-only' }, 'Filter tags'), search)),
    h('p', { class: 'muted' }, 'A tag opens its timeline: every move, when, by whom, and the event that made it.'),
    count, wrap, h('div', { class: 'pager' }, more));
  draw();
}
