// Entry point: hash routing between the views, the read-token field, the
// time-travel bar (?at=N on every route) and the size accounting choice.
import { getToken, setToken, onTokenChange } from './api.js';
import { h, mount } from './dom.js';
import { int } from './format.js';
import { errorBox } from './ui.js';
import { link } from './time.js';
import { restart, startTimebar, viewDrawn } from './timebar.js';
import { accounting, onAccountingChange, setAccounting } from './settings.js';
import * as images from './views/images.js';
import * as lineage from './views/lineage.js';
import * as image from './views/image.js';
import * as storage from './views/storage.js';
import * as events from './views/events.js';
import * as tags from './views/tags.js';
import * as tag from './views/tag.js';

const routes = [
  { re: /^#\/images\/?$/, view: images, nav: 'images', title: 'Images' },
  { re: /^#\/lineage\/?$/, view: lineage, nav: 'lineage', title: 'Lineage' },
  { re: /^#\/image\/(.+)$/, view: image, nav: 'images', title: 'Image' },
  { re: /^#\/tags\/?$/, view: tags, nav: 'tags', title: 'Tags' },
  { re: /^#\/tag\/(.+)$/, view: tag, nav: 'tags', title: 'Tag' },
  { re: /^#\/storage\/?$/, view: storage, nav: 'storage', title: 'Storage' },
  { re: /^#\/events\/?$/, view: events, nav: 'events', title: 'Events' },
];

const main = document.getElementById('main');
let cleanup = null;
let renderId = 0;

async function route() {
  const hash = location.hash || '#/images';
  const found = routes.map((r) => ({ r, m: hash.split('?')[0].match(r.re) })).find((x) => x.m);
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  const id = ++renderId;
  for (const a of document.querySelectorAll('nav a[data-view]')) {
    a.setAttribute('href', link(`#/${a.dataset.view}`));
    if (found && a.dataset.view === found.r.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    mount(main, h('h1', {}, 'Not found'), h('p', {}, 'No such view. ', h('a', { href: link('#/images') }, 'Back to images')));
    return;
  }
  const params = found.m.slice(1).map((p) => decodeURIComponent(p));
  const query = new URLSearchParams(hash.split('?')[1] ?? '');
  document.title = `${found.r.title} · Strata`;
  mount(main);
  delete main.dataset.live;
  const mark = `view:${found.r.nav}:${id}`;
  performance.mark(`${mark}:start`);
  try {
    const c = await found.r.view.render(main, params, query, { isCurrent: () => id === renderId });
    if (id === renderId) cleanup = c; else if (typeof c === 'function') c();
  } catch (e) {
    if (id === renderId) mount(main, errorBox(e));
  }
  if (id === renderId) {
    // First render of the view: the browser test reads these measures (performance.getEntriesByType('measure')).
    performance.measure(`render ${found.r.title}`, `${mark}:start`);
    main.dataset.rendered = String(id);
    viewDrawn();
  }
}

// Read token: kept in localStorage, sent as Authorization: Bearer.
const form = document.getElementById('token-form');
const input = document.getElementById('token-input');
const state = document.getElementById('token-state');
const showTokenState = () => { state.textContent = getToken() ? 'set' : ''; };
input.value = getToken();
showTokenState();
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  setToken(input.value.trim());
});
onTokenChange(() => { showTokenState(); route(); restart(); });

// Sizes: content bytes or Docker's accounting, wherever sizes appear.
const acct = document.getElementById('size-accounting');
acct.value = accounting();
acct.addEventListener('change', () => setAccounting(acct.value));
onAccountingChange(() => route());

const headEl = document.getElementById('head-position');
window.addEventListener('strata:head', (ev) => { headEl.textContent = `Log head: position ${int(ev.detail)}`; });
window.addEventListener('hashchange', route);
startTimebar(route);
route();
