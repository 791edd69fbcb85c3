// Entry point: hash routing between the views, and the read-token field.
import { getToken, setToken, onTokenChange, gql } from './api.js';
import { h, mount } from './dom.js';
import { int } from './format.js';
import { errorBox } from './ui.js';
import * as images from './views/images.js';
import * as lineage from './views/lineage.js';
import * as image from './views/image.js';
import * as storage from './views/storage.js';
import * as events from './views/events.js';

const routes = [
  { re: /^#\/images\/?$/, view: images, nav: 'images', title: 'Images' },
  { re: /^#\/lineage\/?$/, view: lineage, nav: 'lineage', title: 'Lineage' },
  { re: /^#\/image\/(.+)$/, view: image, nav: 'images', title: 'Image' },
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
  for (const a of document.querySelectorAll('nav a')) {
    if (found && a.dataset.view === found.r.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    mount(main, h('h1', {}, 'Not found'), h('p', {}, 'No such view. ', h('a', { href: '#/images' }, 'Back to images')));
    return;
  }
  const params = found.m.slice(1).map((p) => decodeURIComponent(p));
  const query = new URLSearchParams(hash.split('?')[1] ?? '');
  document.title = `${found.r.title} · Strata`;
  mount(main);
  try {
    const c = await found.r.view.render(main, params, query, { isCurrent: () => id === renderId });
    if (id === renderId) cleanup = c; else if (typeof c === 'function') c();
  } catch (e) {
    if (id === renderId) mount(main, errorBox(e));
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
onTokenChange(() => { showTokenState(); route(); refreshHead(); });

async function refreshHead() {
  const el = document.getElementById('head-position');
  try {
    const d = await gql('query Head { head }');
    el.textContent = `Log head: position ${int(d.head)}`;
  } catch (e) {
    el.textContent = `Log head unavailable (${e.code})`;
  }
}

// The events view reports positions it sees live.
window.addEventListener('strata:head', (ev) => {
  document.getElementById('head-position').textContent = `Log head: position ${int(ev.detail)}`;
});
window.addEventListener('hashchange', route);
route();
refreshHead();
