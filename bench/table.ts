/**
 * Result rows and their rendering. Every figure comes with a peer or floor
 * measured in the same run; `ratio` = value / peer (so for times lower is
 * better, for rates higher is better; `better` says which).
 */
export interface Row {
  bench: string;
  metric: string;
  value: number | null;
  unit: string;
  peer?: string;
  peerValue?: number | null;
  ratio?: number | null;
  better?: 'lower' | 'higher';
  /** e.g. "<= 1.5x"; met says whether the ratio meets it. */
  target?: string;
  met?: boolean | null;
  note?: string;
}

/** A row comparing value to a peer; target as a maximum (lower) or minimum (higher) ratio. */
export function compare(
  r: Omit<Row, 'ratio' | 'met'>, bound?: number,
): Row {
  const ratio = r.value != null && r.peerValue ? r.value / r.peerValue : null;
  let met: boolean | null | undefined;
  let target = r.target;
  if (bound !== undefined) {
    met = ratio == null ? null : r.better === 'higher' ? ratio >= bound : ratio <= bound;
    target ??= `${r.better === 'higher' ? '>=' : '<='} ${bound}x`;
  }
  return { ...r, ratio, met, target };
}

const fmt = (v: number | null | undefined): string => {
  if (v == null || Number.isNaN(v)) return '-';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
};

function cells(r: Row): string[] {
  return [
    r.bench, r.metric, `${fmt(r.value)} ${r.unit}`, r.peer ? `${r.peer}: ${fmt(r.peerValue)} ${r.unit}` : '',
    r.ratio != null ? `${fmt(r.ratio)}x` : '', r.target ?? '', r.met == null ? '' : r.met ? 'yes' : 'NO', r.note ?? '',
  ];
}

const HEAD = ['bench', 'metric', 'value', 'peer / floor', 'ratio', 'target', 'met', 'note'];

export function renderText(rows: readonly Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const w = HEAD.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  return all.map((c, j) => c.map((x, i) => x.padEnd(w[i]!)).join('  ').trimEnd() + (j === 0 ? `\n${w.map((n) => '-'.repeat(n)).join('  ')}` : '')).join('\n');
}

export function renderMarkdown(rows: readonly Row[]): string {
  const line = (c: string[]) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(HEAD), line(HEAD.map(() => '---')), ...rows.map((r) => line(cells(r)))].join('\n');
}
