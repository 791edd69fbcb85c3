/**
 * Issue 15 item 5: `import-log` is all or nothing. Events used to commit
 * before the projections were rebuilt, so a crafted log (rechained, so the
 * hash chain holds) with a TagMoved whose data is null committed its events
 * and then failed; serve, rebuild and a second import-log were all refused.
 * Now every event is checked through the domain (known type, valid data,
 * accepted in order, integral versions) and the projections are built in the
 * same transaction. An entry list never inflates past its declared size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import Database from 'better-sqlite3';
import { eventHash, GENESIS_HASH } from '../../src/eventStore/hashChain';
import { openTestApp } from '../helpers/app';
import { backendNames, freshDb, tempDir, type TestDb } from '../helpers/backends';
import { gqlHttp, startServerProcess } from '../helpers/serverProcess';
import { file, image, layer } from '../helpers/synthetic';
import { recordImport } from '../../src/application/importImages';
import { strata } from './helpers';

jest.setTimeout(240_000);

const TABLES = ['events', 'idempotency_keys', 'layer_contents', 'kept_files', 'layer_kept_files',
  'proj_images', 'proj_image_layers', 'proj_layers', 'proj_tags', 'proj_tag_moves', 'proj_containers'];

/** Rows in every table: 0 means nothing was imported. */
async function rowCount(db: TestDb): Promise<number> {
  let n = 0;
  if (db.name === 'sqlite') {
    const c = new Database(db.url, { readonly: true });
    try { for (const t of TABLES) n += Number((c.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n); } finally { c.close(); }
    return n;
  }
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try { for (const t of TABLES) n += Number((await c.query(`SELECT COUNT(*) AS n FROM ${t}`)).rows[0].n); } finally { await c.end(); }
  return n;
}

let dir: string;
let lines: string[];
let good: string;

/** The export with its events edited, then rechained (as an attacker with the file can) and the header fixed. */
function crafted(name: string, edit: (events: any[]) => void, editLines?: (ls: string[]) => void): string {
  const ls = [...lines];
  const idx = ls.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('{"kind":"event"')).map(([, i]) => i);
  const events = idx.map((i) => { const { kind: _k, ...e } = JSON.parse(ls[i]!); return e; });
  edit(events);
  let prev = GENESIS_HASH;
  const chained = events.map((e) => { e.prevHash = prev; e.hash = eventHash(prev, e); prev = e.hash; return JSON.stringify({ kind: 'event', ...e }); });
  // Events come before every other record: replace the event lines (more or fewer of them) in place.
  ls.splice(idx[0]!, idx.length, ...chained);
  const header = JSON.parse(ls[0]!);
  ls[0] = JSON.stringify({ ...header, head: events.length, headHash: prev });
  editLines?.(ls);
  const out = path.join(dir, `${name}.jsonl`);
  fs.writeFileSync(out, `${ls.join('\n')}\n`);
  return out;
}

const find = (events: any[], type: string, nth = 0) => events.filter((e) => e.type === type)[nth]!;

beforeAll(async () => {
  dir = tempDir('strata-atomic-');
  // A source log with every kind of event, made through the API.
  const t = await openTestApp('sqlite');
  try {
    await recordImport(t.app, [image([layer([file('/etc/a', 10)]), layer([file('/b', 20)])], ['base:1'])], { actor: 'test' });
    await recordImport(t.app, [image([layer([file('/c', 3)])], ['other:1'], 'o')], { actor: 'test' });
    await t.gql('mutation { tagImage(image: "base:1", tag: "base:latest", idempotencyKey: "k1") { repoTags } }');
    const c = (await t.gql('mutation { createContainer(image: "base:1", name: "web") { id } }')).createContainer.id;
    await t.gql(`mutation { writeFile(container: "${c}", change: { change: ADDED, path: "/app/x", kind: FILE, size: 5 }) { id } }`);
    await t.gql(`mutation { commitContainer(container: "${c}", tag: "app:1") { image { imageId } } }`);
    await t.gql(`mutation { removeContainer(container: "${c}") { id } }`);
    await t.gql('mutation { untag(tag: "base:latest") }');
    await t.gql('mutation { removeImage(ref: "other:1") { freedBytes } }');
    good = path.join(dir, 'good.jsonl');
    const x = await strata(['export-log', '--db', t.db.url, '--out', good]);
    expect(x.stderr).toBe('');
  } finally {
    await t.close();
  }
  lines = fs.readFileSync(good, 'utf8').trimEnd().split('\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(backendNames())('import-log into %s is all or nothing', (backend) => {
  let db: TestDb;
  beforeEach(async () => { db = await freshDb(backend); });
  afterEach(async () => { await db.drop(); });

  it('refuses a crafted TagMoved with data null whole; the database then serves, rebuilds and takes another import', async () => {
    const bad = crafted('tagnull', (evs) => { find(evs, 'TagMoved', 1).data = null; });
    const r = await strata(['import-log', bad, '--db', db.url]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^strata: bad user input: line \d+: event \d+ \(TagMoved\): data must be an object\n$/);
    expect(await rowCount(db)).toBe(0);
    const rebuild = await strata(['rebuild', '--db', db.url]);
    expect({ status: rebuild.status, stderr: rebuild.stderr }).toEqual({ status: 0, stderr: '' });
    const server = await startServerProcess(db.url);
    try {
      expect((await gqlHttp(server.url, '{ head }')).data).toEqual({ head: 0 });
    } finally {
      await server.stop();
    }
    const ok = await strata(['import-log', good, '--db', db.url]);
    expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
    const v = await strata(['verify', '--db', db.url]);
    expect({ status: v.status, stderr: v.stderr }).toEqual({ status: 0, stderr: '' });
  });

  const attacks: [string, (evs: any[]) => void, RegExp][] = [
    ['an unknown event type', (evs) => { find(evs, 'TagMoved').type = 'TagStolen'; }, /unknown event type/],
    ['a version that is not an integer', (evs) => { find(evs, 'TagMoved').version = 1.5; }, /version must be 1/],
    ['a skipped stream version', (evs) => { find(evs, 'ContainerFileChanged').version = 3; }, /version must be 2/],
    ['a tag moved from where it did not point', (evs) => { find(evs, 'TagMoved', 1).data.from = `sha256:${'e'.repeat(64)}`; }, /data.from is not where the tag pointed/],
    ['a tag moved to an image never committed', (evs) => { find(evs, 'TagMoved').data.to = `sha256:${'f'.repeat(64)}`; }, /never committed/],
    ['an image removed twice', (evs) => { const e = find(evs, 'ImageRemoved'); evs.push({ ...e, position: evs.length + 1, version: e.version + 1 }); }, /the image is not live/],
    ['a lone surrogate in an actor (issue 15 item 1)', (evs) => { find(evs, 'TagMoved').metadata.actor = 'cli:\ud800'; }, /metadata\.actor is not valid Unicode/],
    ['a NUL in a tag name (issue 15 item 1)', (evs) => { find(evs, 'TagMoved').data.tag = 'a\u0000:1'; }, /data\.tag holds a NUL character/],
    ['an event in the wrong stream', (evs) => { Object.assign(find(evs, 'ContainerRemoved'), { stream: 'container:nobody', version: 1 }); }, /belongs in stream/],
  ];

  test.each(attacks)('refuses %s, importing nothing', async (name, edit, reason) => {
    const r = await strata(['import-log', crafted(name.replace(/\W+/g, '-'), edit), '--db', db.url]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(reason);
    expect(await rowCount(db)).toBe(0);
  });

  it('inflates an entry list no further than it declares (a gzip bomb under a real layer)', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    for (const legacy of [false, true]) {
      const out = crafted(`bomb-${legacy}`, () => undefined, (ls) => {
        const i = ls.findIndex((l) => l.startsWith('{"kind":"layerContent"'));
        const rec = JSON.parse(ls[i]!);
        if (legacy) delete rec.textBytes;
        ls[i] = JSON.stringify({ ...rec, body: bomb.toString('base64') });
      });
      expect(fs.statSync(out).size).toBeLessThan(1024 * 1024);
      const r = await strata(['import-log', out, '--db', db.url]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/inflates past its declared \d+ bytes\n$/);
      expect(await rowCount(db)).toBe(0);
    }
  });
});
