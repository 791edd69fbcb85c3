/**
 * Backups and moves between backends (issue 10, item 6): `strata export-log`
 * from SQLite, `strata import-log` into a fresh SQLite database and (when
 * STRATA_TEST_PG_URL is set) a fresh PostgreSQL one: same head hash, verify
 * passes, same GraphQL answers. A tampered export is refused with a one-line
 * reason and nothing imported; a non-empty target is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { graphql } from 'graphql';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { readImages } from '../../src/importers';
import { openEventStore } from '../../src/eventStore';
import { archiveTar, buildImage, dockerLegacy } from '../helpers/archiveBuilder';
import { freshDb, pgAdminUrl, tempDir, testWithPostgres, type TestDb } from '../helpers/backends';
import { samples } from '../helpers/sampleImages';
import { strata } from './helpers';

jest.setTimeout(150_000);

const QUERIES = [
  '{ head images(first: 100) { totalCount edges { node { imageId manifestDigest repoTags size sharedSize created layers { index diffId chainId digest size } distribution { id versionId prettyName path } } } } }',
  '{ storage { by logicalSize physicalSize savedBytes savingsRatio imageCount } }',
  '{ events(first: 100) { totalCount edges { node { position stream version type data actor } } } }',
  '{ image(ref: "sample:latest") { files(path: "/", recursive: true, first: 1000) { edges { node { path kind size } } } } }',
  '{ image(ref: "os-a:1") { file(path: "/etc/os-release") { path size } } }',
];

/** Every query of QUERIES answered straight on a database. */
async function answers(db: string): Promise<unknown[]> {
  const app = await Strata.open(db);
  try {
    const schema = buildExecutableSchema(app.store);
    const out = [];
    for (const source of QUERIES) {
      const r = await graphql({ schema, source, contextValue: createContext(app, { actor: 'test', canWrite: false }) });
      if (r.errors) throw new Error(`${source}: ${JSON.stringify(r.errors)}`);
      out.push(r.data);
    }
    return out;
  } finally {
    await app.close();
  }
}

/** head, and rows of the content tables: what "nothing imported" means. */
async function contents(db: string): Promise<{ head: number; rows: number }> {
  const store = await openEventStore(db);
  try {
    let rows = 0;
    for (const t of ['events', 'layer_contents', 'kept_files', 'layer_kept_files', 'idempotency_keys']) {
      rows += Number((await store.sql.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]!.n);
    }
    return { head: await store.head(), rows };
  } finally {
    await store.close();
  }
}

let dir: string;
let src: string;
let exportFile: string;
let lines: string[];
let expected: unknown[];
let sourceVerify: { headPosition: number; headHash: string };

describe('export-log / import-log', () => {
  beforeAll(async () => {
    dir = tempDir('strata-logx-');
    src = path.join(dir, 'source.db');
    const app = await Strata.open(src);
    await recordImport(app, await readImages((await samples()).dockerArchive), { actor: 'cli:alice' });
    await recordImport(app, await readImages((await samples()).ociGzipArchive), { extraTags: ['app:1'], idempotencyKey: 'import-app-1' });
    // Two images with their own os-release (kept files) to carry over.
    const osA = await buildImage({ layers: [{ entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19\nPRETTY_NAME="Alpine"\n' }] }] });
    const osB = await buildImage({ layers: [{ entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID=12\nPRETTY_NAME="Debian"\n' }] }] });
    const osTar = path.join(dir, 'os.tar');
    fs.writeFileSync(osTar, await archiveTar(dockerLegacy([{ image: osA, repoTags: ['os-a:1'] }, { image: osB, repoTags: ['os-b:1'] }])));
    await recordImport(app, await readImages(osTar));
    await app.close();
    expected = await answers(src);
    exportFile = path.join(dir, 'log.jsonl');
    const [exp, v] = await Promise.all([strata(['export-log', '--db', src, '--out', exportFile]), strata(['verify', '--json', '--db', src])]);
    expect({ status: exp.status, stderr: exp.stderr }).toEqual({ status: 0, stderr: '' });
    sourceVerify = JSON.parse(v.stdout).chain;
    lines = fs.readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('{"kind":"keptFile"'))).toHaveLength(2);
    expect((expected[0] as any).images.edges.map((e: any) => e.node.distribution?.id ?? null).sort()).toEqual(['alpine', 'debian', null, null]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const targets: Array<[string, () => Promise<TestDb>]> = [
    ['SQLite', async () => freshDb('sqlite')],
    ...(pgAdminUrl() ? [['PostgreSQL', async () => freshDb('postgres')] as [string, () => Promise<TestDb>]] : []),
  ];

  test.each(targets)('SQLite -> %s: same head hash, verify passes, same GraphQL answers', async (_name, make) => {
    const target = await make();
    try {
      const imp = await strata(['import-log', exportFile, '--db', target.url]);
      expect({ status: imp.status, stderr: imp.stderr }).toEqual({ status: 0, stderr: '' });
      expect(imp.stdout).toBe(`imported ${sourceVerify.headPosition} events; head ${sourceVerify.headPosition} ${sourceVerify.headHash}\n`);
      const v = await strata(['verify', '--db', target.url, '--expect-head', `${sourceVerify.headPosition}:${sourceVerify.headHash}`]);
      expect({ status: v.status, stderr: v.stderr }).toEqual({ status: 0, stderr: '' });
      expect(await answers(target.url)).toEqual(expected);
      // A second import into the now non-empty database is refused and changes nothing.
      const before = await contents(target.url);
      const again = await strata(['import-log', exportFile, '--db', target.url]);
      expect(again.status).toBe(1);
      expect(again.stderr).toBe('strata: conflict: import-log needs an empty database (its log already has events)\n');
      expect(await contents(target.url)).toEqual(before);
    } finally {
      await target.drop();
    }
  });

  /** The export with one edit; the edit returns the new lines. */
  const tampered = (edit: (ls: string[]) => string[]) => edit([...lines]).join('\n') + '\n';
  const lineOf = (prefix: string, nth = 0) => lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith(prefix))[nth]![1];
  const json = (i: number) => JSON.parse(lines[i]!);

  const attacks: Array<[string, () => string, RegExp]> = [
    ['an edited event (size changed)', () => tampered((ls) => { const i = lineOf('{"kind":"event"', 4); ls[i] = ls[i]!.replace(/"size":(\d+)/, (_m, n) => `"size":${Number(n) + 1}`); return ls; }),
      /^strata: bad user input: line 6: the chain breaks at position 5: the stored hash does not match the event's content \(the row was edited\)\n$/],
    ['a deleted event line', () => tampered((ls) => { ls.splice(lineOf('{"kind":"event"', 6), 1); return ls; }),
      /^strata: bad user input: line 8: the chain breaks at position 7: expected position 7, found 8 \(a row was deleted or reordered\)\n$/],
    ['the newest events dropped with their layers\' contents (header kept)', () => tampered((ls) => {
      const dropped = ls.filter((l) => /^\{"kind":"event","position":(2[0-9])\b/.test(l)).map((l) => JSON.parse(l));
      const gone = new Set(dropped.filter((e) => e.type === 'LayerCommitted').map((e) => e.data.diffId));
      expect(gone.size).toBe(2);
      return ls.filter((l) => !/^\{"kind":"event","position":(2[0-9])\b/.test(l) && !gone.has(JSON.parse(l).diffId));
    }),
      /^strata: bad user input: the export is incomplete: its header says head \d+ \S+, the events end at 19 \S+\n$/],
    ['a layer entry list swapped with another layer\'s (each self-consistent)', () => tampered((ls) => {
      const a = lineOf('{"kind":"layerContent"', 0); const b = lineOf('{"kind":"layerContent"', 1);
      const ja = json(a); const jb = json(b);
      ls[a] = JSON.stringify({ ...jb, diffId: ja.diffId }); ls[b] = JSON.stringify({ ...ja, diffId: jb.diffId });
      return ls;
    }), /^strata: bad user input: line \d+: entry list of sha256:[0-9a-f]{64} is not the one its LayerCommitted event names\n$/],
    ['an entry list body altered', () => tampered((ls) => { const i = lineOf('{"kind":"layerContent"', 2); const j = json(i); const other = json(lineOf('{"kind":"layerContent"', 3)); ls[i] = JSON.stringify({ ...j, body: other.body }); return ls; }),
      /^strata: bad user input: line \d+: entry list of sha256:[0-9a-f]{64} does not match its digest\n$/],
    ['a kept os-release relinked to another layer\'s', () => tampered((ls) => {
      const a = lineOf('{"kind":"layerKeptFile"', 0); const b = lineOf('{"kind":"layerKeptFile"', 1);
      ls[a] = JSON.stringify({ ...json(a), digest: json(b).digest });
      return ls;
    }), /^strata: bad user input: line \d+: kept file \/etc\/os-release of sha256:[0-9a-f]{64} is not the file that layer's entry list holds there\n$/],
    ['an idempotency key pointed at other events', () => tampered((ls) => {
      const i = lineOf('{"kind":"idempotencyKey"'); const k = json(i);
      ls[i] = JSON.stringify({ ...k, first: 1, last: 3 });
      return ls;
    }), /^strata: bad user input: line \d+: idempotency key "import-app-1" does not match the events that carry it\n$/],
    ['a line that is not JSON', () => tampered((ls) => { ls[3] = ls[3]!.slice(0, 40); return ls; }), /^strata: bad user input: line 4: not JSON\n$/],
  ];

  test.each(attacks)('a tampered export is refused with one line and nothing imported: %s', async (_name, make, reason) => {
    const file = path.join(dir, `t-${Math.random().toString(36).slice(2)}.jsonl`);
    fs.writeFileSync(file, make());
    const target = await freshDb('sqlite');
    try {
      const r = await strata(['import-log', file, '--db', target.url]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(reason);
      expect(await contents(target.url)).toEqual({ head: 0, rows: 0 });
    } finally {
      await target.drop();
    }
  });

  test('verify catches a kept os-release relinked in the database itself (not covered by the chain)', async () => {
    const db = path.join(dir, 'relinked.db');
    fs.copyFileSync(src, db);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as typeof import('better-sqlite3');
    const raw = new Database(db);
    const links = raw.prepare('SELECT diff_id, path, digest FROM layer_kept_files ORDER BY diff_id').all() as Array<{ diff_id: string; digest: string }>;
    expect(links).toHaveLength(2);
    raw.prepare('UPDATE layer_kept_files SET digest = ? WHERE diff_id = ?').run(links[1]!.digest, links[0]!.diff_id);
    const position = (raw.prepare("SELECT position FROM events WHERE type = 'LayerCommitted' AND json_extract(data, '$.diffId') = ?").get(links[0]!.diff_id) as { position: number }).position;
    raw.close();
    // The forgery shows: both images now claim the same distribution.
    const ids = ((await answers(db))[0] as any).images.edges.map((e: any) => e.node.distribution?.id).filter(Boolean);
    expect(new Set(ids).size).toBe(1);
    const v = await strata(['verify', '--db', db]);
    expect(v.status).toBe(1);
    expect(v.stderr).toBe(`strata: verify failed at position ${position}: the kept file /etc/os-release is not the one the layer's entry list holds\n`);
  });

  testWithPostgres()('a tampered export into PostgreSQL rolls back whole', async () => {
    const file = path.join(dir, 'pg-tampered.jsonl');
    fs.writeFileSync(file, attacks[0]![1]());
    const target = await freshDb('postgres');
    try {
      const r = await strata(['import-log', file, '--db', target.url]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(attacks[0]![2]);
      expect(await contents(target.url)).toEqual({ head: 0, rows: 0 });
    } finally {
      await target.drop();
    }
  });
});
