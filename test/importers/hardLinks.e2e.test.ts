/**
 * Issue 15 item 10: a layer's hard links are imported only when Docker can
 * extract them. Docker Engine is the oracle: each archive is given to
 * `docker load` and to Strata's importer, and both must accept or refuse it.
 * One deliberate difference: a link to a path the same layer whites out is
 * loaded by Docker 20.10 on overlay2 (the link then shares the whiteout's
 * device node, so it is a whiteout too); Strata refuses it (docs/domain.md §2.6).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readImages } from '../../src/importers';
import { archiveTar, buildImage, dockerLegacy, type TarEntrySpec } from '../helpers/archiveBuilder';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';

jest.setTimeout(180_000);

const CASES: [string, TarEntrySpec[][]][] = [
  ['to an earlier file of the same layer', [[{ name: 'f', content: 'x' }, { name: 'h', type: 'link', linkname: 'f' }]]],
  ['to an earlier link', [[{ name: 'f', content: 'x' }, { name: 'h', type: 'link', linkname: 'f' }, { name: 'h2', type: 'link', linkname: 'h' }]]],
  ['to a symlink', [[{ name: 's', type: 'symlink', linkname: 'nowhere' }, { name: 'h', type: 'link', linkname: 's' }]]],
  ['to a file of a lower layer', [[{ name: 'f', content: 'x' }], [{ name: 'h', type: 'link', linkname: 'f' }]]],
  ['to itself', [[{ name: 'h', type: 'link', linkname: 'h' }]]],
  ['in a cycle', [[{ name: 'a', type: 'link', linkname: 'b' }, { name: 'b', type: 'link', linkname: 'a' }]]],
  ['to a later entry', [[{ name: 'h', type: 'link', linkname: 'f' }, { name: 'f', content: 'x' }]]],
  ['to a directory', [[{ name: 'd/', type: 'directory' }, { name: 'h', type: 'link', linkname: 'd' }]]],
  ['to nothing', [[{ name: 'h', type: 'link', linkname: 'nope' }]]],
  ['to a whiteout marker name', [[{ name: '.wh.f', content: '' }, { name: 'h', type: 'link', linkname: '.wh.f' }]]],
];
const WHITEOUT: TarEntrySpec[][] = [[{ name: 'f', content: 'x' }], [{ name: '.wh.f', content: '' }, { name: 'h', type: 'link', linkname: 'f' }]];

let dir: string;

async function archive(name: string, layers: TarEntrySpec[][], repo: string): Promise<string> {
  const img = await buildImage({ layers: layers.map((entries) => ({ entries })) });
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.tar`);
  fs.writeFileSync(file, await archiveTar(dockerLegacy([{ image: img, repoTags: [`${repo}:1`] }])));
  return file;
}

async function strataVerdict(file: string): Promise<string> {
  try { await readImages(file); return 'accepted'; } catch (e) { return `refused: ${(e as Error).message}`; }
}

function dockerAccepts(file: string, repo: string): boolean {
  const r = spawnSync('docker', ['load', '-i', file], { encoding: 'utf8' });
  spawnSync('docker', ['rmi', '-f', `${repo}:1`]);
  return r.status === 0;
}

beforeAll(() => { dir = tempDir('strata-hardlinks-'); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeWithPeers(['docker'])('hard links in a layer, as docker load takes them', () => {
  test.each(CASES.map(([n, l], i) => [n, l, i] as const))('a link %s', async (name, layers, i) => {
    const repo = `strata-hardlog-hl-${process.pid}-${i}`;
    const file = await archive(name, layers as TarEntrySpec[][], repo);
    const docker = dockerAccepts(file, repo);
    const strata = await strataVerdict(file);
    expect({ name, strata: strata === 'accepted' }).toEqual({ name, strata: docker });
    if (!docker) expect(strata).toMatch(/hard link .* Docker cannot extract it/);
  });
});

test('a link to a path the same layer whites out is refused (Docker loads it as a second whiteout)', async () => {
  const file = await archive('whiteout', WHITEOUT, 'strata-hardlog-hl-wh');
  expect(await strataVerdict(file)).toMatch(/points at \/f, a whiteout/);
});
