/**
 * Issue 15 item 10 (domain): tag names have Docker's limits, with Docker
 * Engine as the oracle (`docker tag` accepts or refuses each name): a tag of
 * at most 128 characters, a normalized name of at most 255, no bare 64-hex
 * name and no "sha256" repository — so `tag(name:)` and `image(ref:)` can no
 * longer read one string two ways.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { normalizeTag } from '../../src/domain/reference';
import { openTestApp } from '../helpers/app';
import { archiveTar, buildImage, dockerLegacy } from '../helpers/archiveBuilder';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { recordImport } from '../../src/application/importImages';
import { file, image, layer } from '../helpers/synthetic';

jest.setTimeout(120_000);

const HEX = 'b'.repeat(64);
const NAMES: string[] = [
  `x:${'a'.repeat(128)}`, `x:${'a'.repeat(129)}`,
  'a'.repeat(255 - 'docker.io/library/'.length), 'a'.repeat(256 - 'docker.io/library/'.length),
  `example.com/${'a'.repeat(255 - 'example.com/'.length)}:v1`, `example.com/${'a'.repeat(256 - 'example.com/'.length)}:v1`,
  HEX, `${HEX}:v1`, `sha256:${HEX}`, 'sha256:v1', 'library/sha256:v1', 'docker.io/library/sha256', 'sha256x:v1',
  'x:.bad', 'x:_ok', 'UPPER:v1',
];

const strataAccepts = (name: string) => { try { normalizeTag(name); return true; } catch { return false; } };

describeWithPeers(['docker'])('tag names as Docker Engine takes them', () => {
  const repo = `strata-hardlog-ref-${process.pid}`;
  beforeAll(async () => {
    const dir = tempDir();
    const img = await buildImage({ layers: [{ entries: [{ name: 'f', content: 'ref limits' }] }] });
    const tar = path.join(dir, 'i.tar');
    fs.writeFileSync(tar, await archiveTar(dockerLegacy([{ image: img, repoTags: [`${repo}:1`] }])));
    expect(spawnSync('docker', ['load', '-i', tar], { encoding: 'utf8' }).status).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => { spawnSync('docker', ['rmi', '-f', `${repo}:1`]); });

  it.each(NAMES.map((n) => [n.length > 60 ? `${n.slice(0, 30)}…(${n.length})` : n, n]))('%s', (_label, name) => {
    const r = spawnSync('docker', ['tag', `${repo}:1`, name], { encoding: 'utf8' });
    const docker = r.status === 0;
    if (docker) spawnSync('docker', ['rmi', name]);
    expect({ name, strata: strataAccepts(name) }).toEqual({ name, strata: docker });
  });
});

describe('tag(name:) and image(ref:) agree', () => {
  it('refuses the names they would read two ways, over the API', async () => {
    const t = await openTestApp('sqlite');
    try {
      await recordImport(t.app, [image([layer([file('/a', 1)])], ['base:1'])], { actor: 'test' });
      for (const name of [HEX, `sha256:${HEX}`, 'sha256:v1', `x:${'a'.repeat(129)}`]) {
        const r = await t.gqlRaw('mutation($t: String!) { tagImage(image: "base:1", tag: $t) { repoTags } }', { t: name });
        expect([name.slice(0, 20), r.errors?.[0]?.code]).toEqual([name.slice(0, 20), 'BAD_USER_INPUT']);
      }
    } finally {
      await t.close();
    }
  });
});
