// Size accounting, chosen in the header and kept in localStorage: CONTENT
// (bytes of regular-file content, dive's figures) or DOCKER (what Docker
// Engine reports on overlay2: symlink targets counted, hard links once).
const KEY = 'strata.accounting';
const listeners = new Set();

export function accounting() {
  try { return localStorage.getItem(KEY) === 'DOCKER' ? 'DOCKER' : 'CONTENT'; } catch { return 'CONTENT'; }
}

export function setAccounting(value) {
  try { localStorage.setItem(KEY, value === 'DOCKER' ? 'DOCKER' : 'CONTENT'); } catch { /* storage disabled */ }
  listeners.forEach((fn) => fn(accounting()));
}

export const onAccountingChange = (fn) => listeners.add(fn);

/** Words for the figures' captions. */
export const accountingName = (a = accounting()) => (a === 'DOCKER' ? "Docker's accounting" : 'content bytes');
