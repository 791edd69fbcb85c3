/**
 * Issue 15 item 10: file names that are not valid UTF-8 are kept distinct at
 * import. They used to be decoded with replacement, so `caf\xe9` and
 * `caf\xe8` both became `caf\uFFFD` and one replaced the other. Now each
 * invalid byte reads as U+FFFD plus its hex digits, a real U+FFFD as two
 * (src/domain/fileName.ts, docs/domain.md §2.1), and encodeFileName gives
 * the original bytes back. The archives are written by GNU tar from real
 * files with those byte names, in its gnu (long names as ././@LongLink)
 * and pax (long names as PAX path records) formats.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeFileName, encodeFileName } from '../../src/domain/fileName';
import { readImages } from '../../src/importers';
import { recordImport } from '../../src/application/importImages';
import { openTestApp } from '../helpers/app';
import { archiveTar, buildImage, dockerLegacy } from '../helpers/archiveBuilder';
import { backendNames, tempDir } from '../helpers/backends';

jest.setTimeout(120_000);

const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const LONG = 'd'.repeat(120);
const NAMES: Buffer[] = [
  b('caf', [0xe9]), b('caf', [0xe8]), b('caf\u00e9'), b('x\uFFFD'), b('x', [0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd]), b('over', [0xc0, 0xaf]),
  b(LONG, [0xff]), b(LONG, [0xfe]),
];
const EXPECTED = ['/caf\uFFFDE9', '/caf\uFFFDE8', '/caf\u00e9', '/x\uFFFD\uFFFD', '/x\uFFFD\uFFFD\uFFFD\uFFFD', '/over\uFFFDC0\uFFFDAF',
  `/${LONG}\uFFFDFF`, `/${LONG}\uFFFDFE`];

let dir: string;
beforeAll(() => {
  dir = tempDir('strata-names-');
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  NAMES.forEach((n, i) => fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/`), n]), `file ${i}`));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function imageWith(format: 'gnu' | 'pax'): Promise<string> {
  const rawTar = execFileSync('tar', [`--format=${format}`, '--sort=name', '--owner=0', '--group=0', '-cf', '-', '-C', path.join(dir, 'root'), '.']);
  const img = await buildImage({ layers: [{ entries: [], rawTar }] });
  const file = path.join(dir, `${format}.tar`);
  fs.writeFileSync(file, await archiveTar(dockerLegacy([{ image: img, repoTags: [`names-${format}:1`] }])));
  return file;
}

describe('file names that are not UTF-8', () => {
  test('the mapping is one to one and gives the bytes back', () => {
    const decoded = NAMES.map(decodeFileName);
    expect(new Set(decoded).size).toBe(NAMES.length);
    for (const n of NAMES) expect(Buffer.from(encodeFileName(decodeFileName(n))).equals(n)).toBe(true);
    expect(decodeFileName(b('plain/ascii-ünïcode'))).toBe('plain/ascii-ünïcode');
    expect(decodeFileName(b('nul', [0]))).toBe('nul\uFFFD00');
  });

  test.each(['gnu', 'pax'] as const)('GNU tar %s format: every name imported distinct', async (format) => {
    const [img] = await readImages(await imageWith(format));
    const files = img!.layers[0]!.entries.filter((e) => e.kind === 'FILE').map((e) => e.path).sort();
    expect(files).toEqual([...EXPECTED].sort());
  });

  test.each(backendNames())('recorded and listed through the API on %s', async (backend) => {
    const t = await openTestApp(backend);
    try {
      await recordImport(t.app, await readImages(await imageWith('pax')), { actor: 'test' });
      const r = await t.gql('{ image(ref: "names-pax:1") { files(path: "/", first: 100) { edges { node { path kind } } } } }');
      const paths = r.image.files.edges.map((e: any) => e.node.path).filter((p: string) => p !== '/');
      expect(paths.sort()).toEqual([...EXPECTED].sort());
    } finally {
      await t.close();
    }
  });
});
