/**
 * `strata diff A B --markdown`: the difference between two images as GitHub
 * Flavored Markdown, ready to post on a pull request (issue 23): a summary
 * (size, layers, efficiency before and after), the size delta per layer as
 * the layer-matched diff pairs them (Query.layerDiff: by DiffID, then by
 * content; order not assumed), and the files added, changed and removed in
 * the merged view. Data is read through the GraphQL schema the server answers
 * with, so the figures equal the API's.
 */
import { graphql } from 'graphql';
import type { Strata } from '../application/strata';
import { DomainError, type ErrorCode } from '../domain/errors';
import { shortId } from '../domain/digest';
import type { ImageDiffEntry } from '../domain/imageDiff';
import { groupedBytes, humanBytes } from '../domain/ci/byteSize';
import { buildExecutableSchema } from '../graphql/buildSchema';
import { createContext } from '../graphql/resolvers/context';
import { cliActor } from './output';

/** Rows of the file table past this are summarized in one line (a PR comment holds at most 65,536 characters). */
export const MAX_FILE_ROWS = 100;

const QUERY = `query PR($a: String!, $b: String!) { layerDiff(from: $a, to: $b) {
  sizeDelta
  from { ...side } to { ...side }
  layers { status changedPaths sizeDelta from { index diffId size createdBy } to { index diffId size createdBy } } } }
  fragment side on Image { imageId size layers { index } efficiency { score wastedBytes userWastedPercent } }`;

interface Efficiency { score: number; wastedBytes: number; userWastedPercent: number | null }
interface Side { imageId: string; size: number; layers: unknown[]; efficiency: Efficiency }
interface LayerRef { index: number; diffId: string; size: number; createdBy: string | null }
interface Match { status: string; changedPaths: number; sizeDelta: number; from: LayerRef | null; to: LayerRef | null }
export interface LayerDiffData { sizeDelta: number; from: Side; to: Side; layers: Match[] }

export async function layerDiffData(app: Strata, a: string, b: string): Promise<LayerDiffData> {
  const r = await graphql({ schema: buildExecutableSchema(app.store), source: QUERY, variableValues: { a, b },
    contextValue: createContext(app, { actor: cliActor(), canWrite: false }) });
  if (r.errors?.length) {
    const e = r.errors[0]!;
    throw new DomainError((e.extensions?.code as ErrorCode | undefined) ?? 'INTERNAL_SERVER_ERROR', e.message);
  }
  return (r.data as { layerDiff: LayerDiffData }).layerDiff;
}

/** Text safe inside a table cell: no line breaks, Markdown's active characters escaped. */
export const cell = (s: string): string => s.replace(/\s+/g, ' ').trim().replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`);

/** A code span that survives any path (a backtick inside gets a longer fence), pipes escaped for the table. */
const code = (s: string): string => {
  const fence = s.includes('`') ? '`` ' : '`';
  return `${fence}${s.replace(/\|/g, '\\|')}${fence.split('').reverse().join('')}`;
};

const signed = (n: number, unit = ''): string =>
  (n > 0 ? `+${groupedBytes(n)}${unit}` : n < 0 ? `−${groupedBytes(-n)}${unit}` : `0${unit}`);
const bytes = (n: number): string => `${groupedBytes(n)} B`;
/** Exact bytes, and the human form when it says something shorter. */
const sized = (n: number): string => (n >= 1000 ? `${bytes(n)} (${humanBytes(n)})` : bytes(n));
const percent = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(2)} %`);
const points = (a: number | null, b: number | null): string => {
  if (a === null || b === null) return '–';
  const d = Math.round((b - a) * 10000) / 100;
  return d > 0 ? `+${d.toFixed(2)} pt` : d < 0 ? `−${(-d).toFixed(2)} pt` : '0.00 pt';
};

function layerLabel(m: Match): string {
  const l = m.to ?? m.from!;
  const step = l.createdBy ? cell(l.createdBy.length > 80 ? `${l.createdBy.slice(0, 79)}…` : l.createdBy) : '';
  return step || code(shortId(l.diffId));
}

const changeWord: Record<ImageDiffEntry['change'], string> = { ADDED: 'added', MODIFIED: 'changed', DELETED: 'removed' };

export function renderMarkdownDiff(a: string, b: string, data: LayerDiffData, files: readonly ImageDiffEntry[]): string {
  const { from, to } = data;
  const counts = { ADDED: 0, MODIFIED: 0, DELETED: 0 };
  for (const f of files) counts[f.change] += 1;
  const out = [
    `### ${code(a)} → ${code(b)}`,
    '',
    `| | ${code(a)} | ${code(b)} | change |`,
    '|---|---:|---:|---:|',
    `| Size | ${sized(from.size)} | ${sized(to.size)} | `
      + `${signed(data.sizeDelta, ' B')} |`,
    `| Layers | ${from.layers.length} | ${to.layers.length} | ${signed(to.layers.length - from.layers.length)} |`,
    `| Efficiency | ${percent(from.efficiency.score)} | ${percent(to.efficiency.score)} | `
      + `${points(from.efficiency.score, to.efficiency.score)} |`,
    `| Wasted bytes | ${bytes(from.efficiency.wastedBytes)} | ${bytes(to.efficiency.wastedBytes)} | `
      + `${signed(to.efficiency.wastedBytes - from.efficiency.wastedBytes, ' B')} |`,
    `| User wasted | ${percent(from.efficiency.userWastedPercent)} | ${percent(to.efficiency.userWastedPercent)} | `
      + `${points(from.efficiency.userWastedPercent, to.efficiency.userWastedPercent)} |`,
    '',
    '#### Layers',
    '',
    '| layer | step | status | changed paths | size before | size after | size change |',
    '|---|---|---|---:|---:|---:|---:|',
    ...data.layers.map((m) => `| ${m.from ? m.from.index : '–'} → ${m.to ? m.to.index : '–'} | ${layerLabel(m)} | ${m.status} | `
      + `${m.changedPaths} | ${m.from ? bytes(m.from.size) : '–'} | ${m.to ? bytes(m.to.size) : '–'} | ${signed(m.sizeDelta, ' B')} |`),
    '',
    `#### Files: ${counts.ADDED} added, ${counts.MODIFIED} changed, ${counts.DELETED} removed`,
    '',
  ];
  if (files.length === 0) {
    out.push('No file differs.');
  } else {
    out.push('| change | path | size before | size after | size change |', '|---|---|---:|---:|---:|');
    for (const f of files.slice(0, MAX_FILE_ROWS)) {
      const before = f.before?.size ?? 0;
      const after = f.after?.size ?? 0;
      out.push(`| ${changeWord[f.change]} | ${code(f.path)} | ${f.before ? bytes(before) : '–'} | ${f.after ? bytes(after) : '–'} | `
        + `${signed(after - before, ' B')} |`);
    }
    if (files.length > MAX_FILE_ROWS) out.push('', `… and ${files.length - MAX_FILE_ROWS} more (\`strata diff --json\` lists them all).`);
  }
  return `${out.join('\n')}\n`;
}
