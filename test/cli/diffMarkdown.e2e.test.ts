/**
 * `strata diff A B --markdown` as a user runs it (bin/strata.js) on built
 * images (real layer tars, imported with `strata import`), on both backends:
 *   app:1 = [base, app (main.js 100 B, config.json 7 B), cache (1,000 B)]
 *   app:2 = [base, app rebuilt (same files, other timestamps: another DiffID),
 *            patch (main.js 150 B, config.json whited out, new.txt 20 B)]
 * Expected figures by hand: app:2 size 8 + 107 + 170 = 285; efficiency
 * (docs/domain.md §5) keys os-release 8, main.js 100+150, config.json 7+0
 * (a whiteout of a file weighs 0), new.txt 20: score 128/285 = 44.91 %,
 * wasted 257, user wasted 257/(107+170) = 92.78 %. markdown-it (CommonMark
 * with GFM tables) is the oracle that it renders as the tables meant.
 */
import { spawnSync } from 'node:child_process';
import MarkdownIt from 'markdown-it';
import fs from 'node:fs';
import path from 'node:path';
import { archiveTar, buildImage, docker25, type LayerSpec } from '../helpers/archiveBuilder';
import { backendNames, freshDb, tempDir, type TestDb } from '../helpers/backends';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });

const base: LayerSpec = { entries: [{ name: 'etc/' }, { name: 'etc/os-release', content: 'ID=test\n' }] };
const appFiles = (pax?: Record<string, string>): LayerSpec => ({ entries: [
  { name: 'app/', pax }, { name: 'app/main.js', content: 'a'.repeat(100), pax }, { name: 'app/config.json', content: '{"x":1}', pax }] });
const cache: LayerSpec = { entries: [{ name: 'tmp/' }, { name: 'tmp/cache', content: 'c'.repeat(1000) }] };
const patch: LayerSpec = { entries: [
  { name: 'app/' }, { name: 'app/main.js', content: 'b'.repeat(150) }, { name: 'app/.wh.config.json', content: '' },
  { name: 'app/new.txt', content: 'n'.repeat(20) }] };

const EXPECTED = `### \`app:1\` → \`app:2\`

| | \`app:1\` | \`app:2\` | change |
|---|---:|---:|---:|
| Size | 1,115 B (1.1 kB) | 285 B | −830 B |
| Layers | 3 | 3 | 0 |
| Efficiency | 100.00 % | 44.91 % | −55.09 pt |
| Wasted bytes | 0 B | 257 B | +257 B |
| User wasted | 0.00 % | 92.78 % | +92.78 pt |

#### Layers

| layer | step | status | changed paths | size before | size after | size change |
|---|---|---|---:|---:|---:|---:|
| 0 → 0 | ADD rootfs.tar / | SAME | 0 | 8 B | 8 B | 0 B |
| 1 → 1 | COPY app/ /app/ | CHANGED | 0 | 107 B | 107 B | 0 B |
| – → 2 | COPY patch/ /app/ \\| true | ADDED | 4 | – | 170 B | +170 B |
| 2 → – | RUN build --cache \\*.o | REMOVED | 2 | 1,000 B | – | −1,000 B |

#### Files: 1 added, 1 changed, 3 removed

| change | path | size before | size after | size change |
|---|---|---:|---:|---:|
| removed | \`/app/config.json\` | 7 B | – | −7 B |
| changed | \`/app/main.js\` | 100 B | 150 B | +50 B |
| added | \`/app/new.txt\` | – | 20 B | +20 B |
| removed | \`/tmp\` | 0 B | – | 0 B |
| removed | \`/tmp/cache\` | 1,000 B | – | −1,000 B |
`;

describe.each(backendNames())('strata diff --markdown (%s)', (backend) => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await freshDb(backend);
    dir = tempDir();
    const created = '2024-01-01T00:00:00Z';
    const v1 = await buildImage({ layers: [base, appFiles(), cache], history: [
      { created_by: 'ADD rootfs.tar /', created }, { created_by: 'COPY app/ /app/', created }, { created_by: 'RUN build --cache *.o', created }] });
    const v2 = await buildImage({ layers: [base, appFiles({ mtime: '1700000000' }), patch], history: [
      { created_by: 'ADD rootfs.tar /', created }, { created_by: 'COPY app/ /app/', created }, { created_by: 'COPY patch/ /app/ | true', created }] });
    expect(v2.layers[1]!.diffId).not.toBe(v1.layers[1]!.diffId); // a rebuild: same files, other bytes
    for (const [img, tag] of [[v1, '1'], [v2, '2']] as const) {
      const file = path.join(dir, `app-${tag}.tar`);
      fs.writeFileSync(file, await archiveTar(docker25(img, { name: 'app', tag })));
      const r = run(['import', file, '--db', db.url]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  }, 120_000);
  afterAll(async () => { await db.drop(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('prints the pull-request table: sizes and efficiency before/after, size change per matched layer, files', () => {
    const r = run(['diff', 'app:1', 'app:2', '--db', db.url, '--markdown']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(EXPECTED);
  });

  it('renders, by a Markdown parser, as three tables whose cells hold the texts meant (escaped pipes and asterisks included)', () => {
    const tokens = new MarkdownIt().parse(EXPECTED, {});
    const tables: string[][][] = [];
    let row: string[] | null = null;
    for (const t of tokens) {
      if (t.type === 'table_open') tables.push([]);
      else if (t.type === 'tr_open') row = [];
      else if (t.type === 'tr_close') { tables.at(-1)!.push(row!); row = null; }
      else if (t.type === 'inline' && row) row.push(t.children!.map((c) => c.content).join(''));
    }
    expect(tables.map((t) => [t.length, new Set(t.map((r) => r.length)).size])).toEqual([[6, 1], [5, 1], [6, 1]]);
    expect(tables[1]!.map((r) => r[1])).toEqual(['step', 'ADD rootfs.tar /', 'COPY app/ /app/', 'COPY patch/ /app/ | true', 'RUN build --cache *.o']);
    expect(tables[2]!.slice(1).map((r) => r[1])).toEqual(['/app/config.json', '/app/main.js', '/app/new.txt', '/tmp', '/tmp/cache']);
  });

  it('refuses --json with --markdown, and an unknown image, in one line with exit 2', () => {
    const both = run(['diff', 'app:1', 'app:2', '--db', db.url, '--markdown', '--json']);
    expect([both.status, both.stdout, both.stderr]).toEqual([2, '', 'strata: --json and --markdown are two output formats: choose one\n']);
    const unknown = run(['diff', 'app:1', 'app:9', '--db', db.url, '--markdown']);
    expect([unknown.status, unknown.stdout, unknown.stderr]).toEqual([2, '', 'strata: no image "app:9" in the ledger\n']);
  });
});
