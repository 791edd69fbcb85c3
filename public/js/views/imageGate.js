// Gate verdicts: Image.check against rules in .dive-ci form (docs/ci.md): dive's
// three rules with dive's defaults, and Strata's own, off unless given. The
// rules are kept in localStorage so every image is judged by the same gate.
import { gql } from '../api.js';
import { h, mount } from '../dom.js';
import { int } from '../format.js';
import { errorBox, loading, section, table } from '../ui.js';
import { asOf } from '../time.js';

const KEY = 'strata.checkRules';
const CHECK = `query Check($ref: String!, $asOf: Int, $rules: CheckRules!) {
  image(ref: $ref, asOf: $asOf) { check(rules: $rules) { pass judged results { rule status actual limit message paths } } }
}`;

/** [name, label, kind, dive default]; kinds: ratio, bytes, int, list, bool. */
const RULES = [
  ['lowestEfficiency', 'Lowest efficiency (0–1)', 'ratio', '0.9'],
  ['highestWastedBytes', 'Highest wasted bytes (e.g. 20MB)', 'bytes', ''],
  ['highestUserWastedPercent', 'Highest user wasted (ratio 0–1)', 'ratio', '0.1'],
  ['maxLayers', 'Max layers', 'int', ''],
  ['maxGrowthOverParentBytes', 'Max growth over parent (e.g. 50MiB)', 'bytes', ''],
  ['allowedBases', 'Allowed bases (comma-separated)', 'list', ''],
  ['forbiddenPaths', 'Forbidden paths (globs, comma-separated)', 'list', ''],
  ['minWastedBytes', 'Ratio rules pass under (bytes wasted)', 'bytes', ''],
  ['aboveBase', 'Judge only the layers above the base', 'bool', ''],
];

/** dive's byte forms: SI units are powers of 1000, IEC (KiB, MiB…) of 1024 (docs/ci.md). */
export function parseBytes(text) {
  const m = /^([\d.,]+)\s*([kmgtpe]?)(i?)b?$/i.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a byte count (e.g. 20MB, 50MiB, 1000)`);
  const n = Number(m[1].replace(/,/g, ''));
  const power = 'kmgtpe'.indexOf(m[2].toLowerCase()) + 1;
  return Math.round(n * (m[3] ? 1024 : 1000) ** power);
}

const saved = () => { try { return JSON.parse(localStorage.getItem(KEY) ?? 'null'); } catch { return null; } };

function rulesFrom(values) {
  const rules = {};
  for (const [name, label, kind] of RULES) {
    const v = values[name];
    if (kind === 'bool') { if (v) rules[name] = true; continue; }
    if (v === undefined || String(v).trim() === '') continue;
    if (kind === 'ratio') {
      const n = Number(v);
      if (!(n >= 0 && n <= 1)) throw new Error(`${label}: a ratio from 0 to 1, got "${v}"`);
      rules[name] = n;
    } else if (kind === 'int') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${label}: a whole number, got "${v}"`);
      rules[name] = n;
    } else if (kind === 'bytes') rules[name] = parseBytes(String(v));
    else rules[name] = String(v).split(',').map((x) => x.trim()).filter(Boolean);
  }
  return rules;
}

export function gateSection(img) {
  const values = saved() ?? Object.fromEntries(RULES.map(([n, , , d]) => [n, d]));
  const inputs = new Map();
  const fields = RULES.map(([name, label, kind]) => {
    const id = `rule-${name}`;
    const input = kind === 'bool'
      ? h('input', { type: 'checkbox', id, name, checked: !!values[name] })
      : h('input', { type: 'text', id, name, value: values[name] ?? '', spellcheck: 'false', placeholder: 'off' });
    inputs.set(name, input);
    return kind === 'bool'
      ? h('label', { class: 'check', for: id }, input, ` ${label}`)
      : h('div', { class: 'field' }, h('label', { for: id }, label), input);
  });
  const out = h('div', { id: 'gate-result', 'aria-live': 'polite' });
  const run = async () => {
    const now = Object.fromEntries([...inputs].map(([n, i]) => [n, i.type === 'checkbox' ? i.checked : i.value]));
    let rules;
    try { rules = rulesFrom(now); } catch (e) { mount(out, errorBox({ message: e.message, code: 'BAD_USER_INPUT' }, 'Rules not valid')); return; }
    try { localStorage.setItem(KEY, JSON.stringify(now)); } catch { /* storage disabled */ }
    mount(out, loading('Judging…'));
    try {
      const c = (await gql(CHECK, { ref: img.imageId, asOf: asOf(), rules })).image.check;
      const failed = c.results.filter((r) => r.status === 'FAIL').length;
      mount(out,
        h('p', { id: 'gate-verdict', class: `verdict ${c.pass ? 'pass' : 'fail'}`, 'data-pass': String(c.pass) },
          c.pass ? '✔ Gate passes' : `✖ Gate fails: ${int(failed)} rule${failed === 1 ? '' : 's'} broken`, h('span', { class: 'muted' }, ` · ${c.judged}`)),
        h('div', { class: 'table-wrap' }, table([
          { label: 'Rule', cell: (r) => h('code', {}, r.rule) },
          { label: 'Verdict', cell: (r) => h('span', { class: `status-${r.status.toLowerCase()}` }, r.status) },
          { label: 'Found', class: 'num', cell: (r) => r.actual ?? '—' },
          { label: 'Limit', class: 'num', cell: (r) => r.limit ?? '—' },
          { label: 'Why', cell: (r) => [r.message, r.paths?.length ? h('div', { class: 'muted small' }, r.paths.slice(0, 20).join(', ')) : null] },
        ], c.results, { caption: 'Gate verdicts, one per rule', rowAttrs: (r) => ({ 'data-rule': r.rule, 'data-status': r.status }) })));
    } catch (e) {
      mount(out, errorBox(e, 'Could not judge the image'));
    }
  };
  const form = h('form', { id: 'gate-form', onsubmit: (ev) => { ev.preventDefault(); run(); } },
    h('div', { class: 'rules' }, fields),
    h('button', { type: 'submit' }, 'Judge'),
    ' ', h('button', { type: 'button', class: 'secondary', onclick: () => {
      for (const [name, , kind, d] of RULES) { const i = inputs.get(name); if (kind === 'bool') i.checked = false; else i.value = d; }
      run();
    } }, "dive's defaults"));
  void run();
  return section('Gate verdicts (Image.check)',
    h('p', { class: 'muted' }, 'The rules of a .dive-ci file (dive\'s three with dive\'s defaults, and Strata\'s own, off when empty); see docs/ci.md.'),
    form, out);
}
