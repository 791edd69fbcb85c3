/**
 * Several processes writing one SQLite file at once (issue 10): four
 * `strata import` processes of different archives and a `strata serve` taking
 * tagImage mutations and reads. Every writer waits for the lock instead of
 * failing; the log verifies with gap-free positions; every image is whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { dbState, exited, generateArchive, positions, servingUrl, spawnStrata, strata, type GeneratedArchive } from './helpers';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => { dir = tempDir('strata-conc-'); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('4 imports and a server writing one database file at once all succeed; the log is gap-free and verifies', async () => {
  const db = path.join(dir, 'shared.db');
  const base = await generateArchive(dir, 'base', 1, 5);
  expect((await strata(['import', base.file, '--db', db])).status).toBe(0);
  const archives: GeneratedArchive[] = [];
  // Big enough that the four overlap: each holds the write lock for a while.
  for (let i = 0; i < 4; i++) archives.push(await generateArchive(dir, `c${i}`, 3, 1500));

  const token = 'concurrency-token';
  const serve = spawnStrata(['serve', '--port', '0', '--db', db], { STRATA_WRITE_TOKEN: token });
  const url = await servingUrl(serve);
  const post = (body: unknown, auth = true) => fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() as { data?: any; errors?: any[] } }));

  // Is tagImage wired? (A colleague is wiring the mutations.) If not, the server only reads.
  const probe = await post({ query: 'mutation($i: String!) { tagImage(image: $i, tag: "probe:1") { imageId } }', variables: { i: base.imageId } });
  const wired = !probe.body.errors && !process.env.RELIABILITY_NO_MUTATIONS;
  let importsDone = false;
  const serverWrites: string[] = [];
  const serverErrors: unknown[] = [];
  let reads = 0;
  const serverLoad = (async () => {
    for (let n = 0; !importsDone; n++) {
      const r = wired
        ? await post({ query: 'mutation($i: String!, $t: String!) { tagImage(image: $i, tag: $t) { imageId } }', variables: { i: base.imageId, t: `srv:${n}` } })
        : await post({ query: '{ head images { totalCount } }' }, false);
      if (r.body.errors) serverErrors.push(r.body.errors);
      else if (wired) serverWrites.push(`srv:${n}`);
      else reads++;
      // Reads keep being answered while another process holds the write lock.
      const q = await post({ query: '{ head }' }, false);
      if (q.status === 200 && typeof q.body.data?.head === 'number') reads++;
    }
  })();
  const results = await Promise.all(archives.map((a) => strata(['import', a.file, '--db', db])));
  importsDone = true;
  await serverLoad;
  for (const r of results) expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(serverErrors).toEqual([]);
  expect(reads).toBeGreaterThan(0);
  if (wired) expect(serverWrites.length).toBeGreaterThan(0);
  serve.kill('SIGTERM');
  expect((await exited(serve)).code).toBe(0);

  const [state, verify] = await Promise.all([dbState(db), strata(['verify', '--db', db])]);
  expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
  const pos = positions(db);
  expect(pos).toEqual(Array.from({ length: pos.length }, (_, i) => i + 1));
  expect(state.head).toBe(pos.length);
  // Base import (3 events) + 4 imports of 3 layers (5 events each) + the server's tag moves.
  expect(state.head).toBe(3 + 4 * 5 + (probe.body.errors ? 0 : 1) + serverWrites.length);
  for (const a of archives) {
    expect(state.images).toContainEqual({ imageId: a.imageId, repoTags: [a.tag], layers: a.diffIds });
  }
  if (wired) {
    const baseTags = state.images.find((i) => i.imageId === base.imageId)!.repoTags;
    for (const t of serverWrites) expect(baseTags).toContain(t);
  }
  // eslint-disable-next-line no-console
  console.log(`concurrency: 4 imports + server (${wired ? `${serverWrites.length} tagImage mutations` : 'reads only'}, ${reads} reads), head ${state.head}`);
});
