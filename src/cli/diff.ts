/**
 * `strata diff A B`: the file-level difference between two images' merged
 * views (as container-diff's file analyzer shows it): what B added, modified
 * and deleted relative to A, with sizes; `--markdown` for a pull request
 * (diffMarkdown.ts). Exit 0; 2 when an image is unknown.
 */
import { Strata } from '../application/strata';
import { diffMergedViews, type ImageDiffEntry } from '../domain/imageDiff';
import type { MergedEntry } from '../domain/layerEntry';
import { groupedBytes } from '../domain/ci/byteSize';
import { ExitError } from './output';
import { layerDiffData, renderMarkdownDiff, type LayerDiffData } from './diffMarkdown';

export interface DiffCliOptions { db?: string; json?: boolean; markdown?: boolean }

const fileOf = (e: MergedEntry) => ({ kind: e.kind, size: e.size, contentDigest: e.contentDigest ?? null, layerIndex: e.layerIndex });

function table(title: string, header: string[], body: string[][]): string[] {
  if (body.length === 0) return [`${title}: none`, ''];
  const rows = [header, ...body];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [`${title}:`, ...rows.map(line), ''];
}

export async function diffCommand(a: string, b: string, opts: DiffCliOptions): Promise<void> {
  if (opts.json && opts.markdown) throw new ExitError('--json and --markdown are two output formats: choose one', 2);
  const app = await Strata.open(opts.db);
  let changes: ImageDiffEntry[];
  let layers: LayerDiffData | null = null;
  try {
    const model = await app.models.current();
    const from = model.resolve(a);
    const to = model.resolve(b);
    if (!from) throw new ExitError(`no image "${a}" in the ledger`, 2);
    if (!to) throw new ExitError(`no image "${b}" in the ledger`, 2);
    const [va, vb] = await Promise.all([app.views.view(from.layers), app.views.view(to.layers)]);
    changes = diffMergedViews(va, vb);
    if (opts.markdown) layers = await layerDiffData(app, a, b);
  } finally {
    await app.close();
  }
  if (layers) {
    process.stdout.write(renderMarkdownDiff(a, b, layers, changes));
    return;
  }
  const added = changes.filter((c) => c.change === 'ADDED');
  const modified = changes.filter((c) => c.change === 'MODIFIED');
  const deleted = changes.filter((c) => c.change === 'DELETED');
  const sum = (list: ImageDiffEntry[], pick: (c: ImageDiffEntry) => number) => list.reduce((s, c) => s + pick(c), 0);
  const totals = {
    added: { count: added.length, bytes: sum(added, (c) => c.after!.size) },
    modified: {
      count: modified.length, bytesBefore: sum(modified, (c) => c.before!.size), bytesAfter: sum(modified, (c) => c.after!.size),
    },
    deleted: { count: deleted.length, bytes: sum(deleted, (c) => c.before!.size) },
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({
      from: a, to: b,
      added: added.map((c) => ({ path: c.path, ...fileOf(c.after!) })),
      modified: modified.map((c) => ({
        path: c.path, before: fileOf(c.before!), after: fileOf(c.after!), sizeDelta: c.after!.size - c.before!.size,
      })),
      deleted: deleted.map((c) => ({ path: c.path, ...fileOf(c.before!) })),
      totals,
    }, null, 2)}\n`);
    return;
  }
  const kind = (e: MergedEntry) => e.kind.toLowerCase().replace('_', ' ');
  const delta = (n: number) => (n > 0 ? `+${groupedBytes(n)}` : n < 0 ? `-${groupedBytes(-n)}` : '0');
  const out = [
    `Diff from ${a} to ${b}`,
    '',
    ...table(`Added (${added.length}, ${groupedBytes(totals.added.bytes)} bytes)`,
      ['PATH', 'KIND', 'SIZE'], [...added.map((c) => [c.path, kind(c.after!), groupedBytes(c.after!.size)])]),
    ...table(`Modified (${modified.length}, ${delta(totals.modified.bytesAfter - totals.modified.bytesBefore)} bytes)`,
      ['PATH', 'KIND', 'SIZE BEFORE', 'SIZE AFTER', 'DELTA'], [...modified.map((c) => [
        c.path, kind(c.after!), groupedBytes(c.before!.size), groupedBytes(c.after!.size), delta(c.after!.size - c.before!.size)])]),
    ...table(`Deleted (${deleted.length}, ${groupedBytes(totals.deleted.bytes)} bytes)`,
      ['PATH', 'KIND', 'SIZE'], [...deleted.map((c) => [c.path, kind(c.before!), groupedBytes(c.before!.size)])]),
  ];
  process.stdout.write(`${out.join('\n').trimEnd()}\n`);
}
