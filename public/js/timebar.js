// The header's time-travel controls: a position slider, a position field and a
// date picker (mapped to a position by Query.positionAt), and "Now". The head
// follows the log live (events subscription); while at "now", a view drawn at
// an older head offers Refresh rather than redrawing under the reader.
import { gql, subscribe } from './api.js';
import { date, int } from './format.js';
import { atOf, travelTo } from './time.js';

const $ = (id) => document.getElementById(id);
const slider = $('time-slider');
const field = $('time-position');
const picker = $('time-date');
const state = $('time-state');
const refresh = $('time-refresh');

let head = null;
let drawnAt = null; // the head when the current view was drawn at "now"
let stop = null;
let describing = 0;
let picking = 0; // the newest date-picker choice; older answers are dropped

/** datetime-local shows UTC here (labelled so): "2026-11-30T12:34:56". */
const toPicker = (iso) => (iso ? iso.slice(0, 19) : '');

async function describe(at) {
  const id = ++describing;
  if (at === null) {
    state.textContent = head === null ? 'Now' : `Now: live head, position ${int(head)}`;
    return;
  }
  state.textContent = `As of position ${int(at)}${head !== null ? ` of ${int(head)}` : ''}`;
  if (at === 0) { picker.value = ''; state.textContent += ' (before the first event)'; return; }
  try {
    const e = (await gql('query TimeEvent($p: Int!) { event(position: $p) { type stream recordedAt actor } }', { p: at })).event;
    if (id !== describing || !e) return;
    picker.value = toPicker(e.recordedAt);
    state.textContent = `As of position ${int(at)} of ${int(head ?? at)} · ${date(e.recordedAt)} · ${e.type} ${e.stream}`;
  } catch { /* the view shows the error; the position stays as given */ }
}

function sync() {
  const at = atOf();
  document.body.classList.toggle('travelling', at !== null);
  const shown = at ?? head ?? 0;
  slider.max = String(Math.max(head ?? 0, at ?? 0));
  slider.value = String(shown);
  field.max = slider.max;
  field.value = String(shown);
  if (at === null) picker.value = '';
  refresh.hidden = true;
  describe(at);
}

function onHead(position) {
  if (head !== null && position <= head) return;
  head = position;
  window.dispatchEvent(new CustomEvent('strata:head', { detail: head }));
  const at = atOf();
  slider.max = String(Math.max(head, at ?? 0));
  field.max = slider.max;
  if (at === null) {
    slider.value = String(head);
    field.value = String(head);
    state.textContent = `Now: live head, position ${int(head)}`;
    // A view that follows the log itself (events, a tag's timeline) marks <main data-live>: no Refresh there.
    refresh.hidden = drawnAt === null || head <= drawnAt || document.getElementById('main').dataset.live === 'true';
    if (!refresh.hidden) refresh.textContent = `Refresh (${int(head - drawnAt)} new event${head - drawnAt === 1 ? '' : 's'})`;
  }
}

/** Called by the router after each view is drawn: "now" means this head. */
export function viewDrawn() { drawnAt = atOf() === null ? head : null; refresh.hidden = true; }

export async function startTimebar(rerender) {
  slider.addEventListener('input', () => { field.value = slider.value; });
  slider.addEventListener('change', () => travelTo(Number(slider.value)));
  field.addEventListener('change', () => {
    const n = Math.trunc(Number(field.value));
    if (Number.isFinite(n) && n >= 0) travelTo(Math.min(n, head ?? n));
  });
  picker.addEventListener('change', async () => {
    if (!picker.value) return;
    // Only the newest choice travels, and only if the reader has not moved meanwhile (Now, a link, the slider):
    // an answer that arrives late must not pull the views back to a date the reader already left.
    const id = ++picking;
    const from = location.hash;
    const stillWanted = () => id === picking && location.hash === from;
    try {
      const d = await gql('query PositionAt($t: DateTime!) { positionAt(at: $t) }', { t: `${picker.value}Z` });
      if (stillWanted()) travelTo(d.positionAt);
    } catch (e) { if (stillWanted()) state.textContent = `Cannot map that date to a position (${e.code})`; }
  });
  $('time-now').addEventListener('click', () => travelTo(null));
  $('timebar').addEventListener('submit', (ev) => ev.preventDefault());
  refresh.addEventListener('click', () => rerender());
  window.addEventListener('hashchange', sync);
  await restart();
}

/** (Re)reads the head and follows it live (again after the read token changes). */
export async function restart() {
  stop?.();
  try { head = (await gql('query Head { head }')).head; } catch (e) { head = null; sync(); state.textContent = `Log head unavailable (${e.code})`; return; }
  sync();
  if (head !== null) window.dispatchEvent(new CustomEvent('strata:head', { detail: head }));
  // Resume after the head just read: an event appended between that read and the subscription's start (or while a
  // dropped socket reconnects) is replayed, never missed. The subscription re-sends these variables on reconnect.
  const resume = { after: head ?? 0 };
  stop = subscribe('subscription Head($after: Int) { events(afterPosition: $after) { position } }', resume, {
    onNext: (d) => { resume.after = Math.max(resume.after, d.events.position); onHead(d.events.position); },
  });
}
