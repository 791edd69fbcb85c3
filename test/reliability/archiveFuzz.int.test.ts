/**
 * Hostile archives (issue 10). A seeded fuzz over real archives (dive's
 * fixtures and built ones): bit flips, truncation, swapped and duplicated tar
 * entries, garbage appended. Each case is refused with one clean one-line
 * DomainError, or imported exactly (the original image IDs and DiffIDs); none
 * hangs (per-case timeout) or crashes, and a refusal leaves a real store's head
 * unchanged. Then targeted attacks the importer tests (test/importers/) do not
 * already cover: traversal forms, symlink and hard-link escapes, long-name,
 * PAX and global-PAX bombs, gzip/zstd decompression bombs against the byte cap
 * (also through the CLI's --max-bytes), 2,000-deep directories, 100,000 tiny
 * files imported whole and a 1,000,000-entry layer stopped by --max-entries.
 *
 * RELIABILITY_SEED picks other mutations (the seed is printed).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { readImages, type ImportedImage, type ImportOptions } from '../../src/importers';
import { recordImport } from '../../src/application/importImages';
import { DomainError } from '../../src/domain/errors';
import {
  archiveTar, buildImage, dockerLegacy, gzip, indexJson, ociLayout, sha256, zstd, type TarEntrySpec,
} from '../helpers/archiveBuilder';
import { openTestApp, type TestApp } from '../helpers/app';
import { tempDir } from '../helpers/backends';
import { dive, DIVE_DIR, haveDiveFixtures } from '../helpers/fixtures';
import { skipBanner } from '../helpers/skip';
import { BIN, ENV, rng } from './helpers';
import { END_OF_ARCHIVE, digestOf, padded, rawEntry, splitTar, tinyFilesLayer, ustarHeader } from './tarCraft';

const SEED = Number(process.env.RELIABILITY_SEED ?? 20240610);
/** A case that reads a few kilobytes: 20 s without an answer means it hangs. */
const CASE_TIMEOUT_MS = 20_000;
/**
 * The two cases that stream ~50 MB and ~0.5 GB of tar: their time is work, not a hang, and on a loaded 2-core CI
 * machine it passed 20 s (100,000 files, load 13). Speed is the bench's to measure; here a deadline only turns a
 * hang into a failure with a message before Jest's own timeout.
 */
const BIG_CASE_TIMEOUT_MS = 100_000;

jest.setTimeout(120_000);

type Outcome = { ok: true; images: ImportedImage[] } | { ok: false; error: unknown };

/** readImages with a deadline: a hang is a failure, not a stuck suite. */
async function attempt(source: Buffer | Readable | string, options?: ImportOptions, deadlineMs = CASE_TIMEOUT_MS): Promise<Outcome> {
  const src = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`hung for ${deadlineMs} ms`)), deadlineMs); });
  try {
    return await Promise.race([
      readImages(src, options).then((images) => ({ ok: true as const, images }), (error: unknown) => ({ ok: false as const, error })),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A refusal must be a DomainError with a short one-line message and no stack or internals. */
function expectCleanRefusal(o: Outcome, re?: RegExp): string {
  if (o.ok) throw new Error(`expected a refusal${re ? ` matching ${re}` : ''}, got ${o.images.length} image(s)`);
  const e = o.error as DomainError;
  if (!(e instanceof DomainError)) throw new Error(`not a DomainError: ${String((e as Error)?.stack ?? e)}`);
  expect(e.code).toBe('INVALID_ARCHIVE');
  expect(e.message).not.toMatch(/[\r\n]/);
  expect(e.message).not.toMatch(/\bat \S+\.(ts|js):\d+/);
  expect(e.message.length).toBeLessThan(2100);
  if (re) expect(e.message).toMatch(re);
  return e.message;
}

const layersOf = (images: readonly ImportedImage[]) =>
  new Map(images.map((i) => [i.imageId, i.layers.map((l) => l.diffId)]));

let t: TestApp;
let tmp: string;
beforeAll(async () => {
  t = await openTestApp('sqlite');
  tmp = tempDir('strata-fuzz-');
});
afterAll(async () => {
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Records a successful read into the real store; a refusal must leave its head
 * where it was before the archive was read (`before`).
 */
async function recordOrUnchanged(o: Outcome, expected: Map<string, string[]>, before: number): Promise<'imported' | 'refused'> {
  if (!o.ok) {
    expect(await t.app.store.head()).toBe(before);
    return 'refused';
  }
  const got = layersOf(o.images);
  for (const [id, diffIds] of got) expect({ id, diffIds }).toEqual({ id, diffIds: expected.get(id) });
  try {
    await recordImport(t.app, o.images);
  } catch (e) {
    // e.g. two images claiming one tag after a flipped manifest.json byte: refused whole.
    expect(e).toBeInstanceOf(DomainError);
    expect(await t.app.store.head()).toBe(before);
    return 'refused';
  }
  const model = await t.app.models.current();
  for (const [id, diffIds] of got) {
    expect(model.images.get(id)?.layers.map((l: { diffId: string }) => l.diffId)).toEqual(diffIds);
  }
  return 'imported';
}

async function builtCorpus(): Promise<Array<[string, Buffer]>> {
  const shared = { entries: [{ name: 'etc/', type: 'directory' as const }, { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19\n' }], compression: 'gzip' as const };
  const a = await buildImage({ layers: [shared, { entries: [{ name: 'app/', type: 'directory' }, { name: 'app/run', content: '#!/bin/sh\necho a\n', mode: 0o755 }], compression: 'zstd' }] });
  const b = await buildImage({ layers: [shared, { entries: [{ name: 'srv/data.bin', content: Buffer.alloc(3000, 7) }, { name: 'srv/link', type: 'symlink', linkname: '/srv/data.bin' }] }] });
  return [
    ['built OCI tar (gzip+zstd, 2 images sharing a layer)', await archiveTar(ociLayout([a, b]))],
    ['built legacy docker save (symlinked shared layer, tags)', await archiveTar(dockerLegacy([{ image: a, repoTags: ['a:1'] }, { image: b, repoTags: ['b:1', 'b:latest'] }]))],
  ];
}

const DIVE = ['test-docker-image.tar', 'test-kaniko-image.tar', 'test-oci-gzip-image.tar', 'test-oci-zstd-image.tar', 'test-oci-uncompressed-image.tar', 'test-oci-estargz-image.tar'];

if (!haveDiveFixtures) skipBanner("the dive archives of the fuzz corpus", `not at ${DIVE_DIR} (a clone without ../shared); fuzzing the built archives only`);

describe(`seeded fuzz of real archives (seed ${SEED})`, () => {
  test('every mutation is refused cleanly or imported exactly; refusals append nothing', async () => {
    const random = rng(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const corpus: Array<[string, Buffer]> = [
      ...(haveDiveFixtures ? DIVE.map((f): [string, Buffer] => [`dive ${f}`, fs.readFileSync(dive(f))]) : []),
      ...(await builtCorpus()),
    ];
    const tally = new Map<string, { refused: number; imported: number }>();
    const reasons = new Set<string>();
    let cases = 0;
    for (const [name, original] of corpus) {
      const base = await attempt(original);
      if (!base.ok) throw new Error(`${name} does not import unmodified: ${String(base.error)}`);
      const expected = layersOf(base.images);
      const mutants: Array<[string, Buffer]> = [];
      for (let i = 0; i < 5; i++) {
        const m = Buffer.from(original);
        const flips = 1 + int(3);
        for (let f = 0; f < flips; f++) { const at = int(m.length); m[at]! ^= 1 << int(8); }
        mutants.push([`bit flip x${flips}`, m]);
      }
      for (let i = 0; i < 3; i++) mutants.push(['truncation', original.subarray(0, int(original.length))]);
      const junk = Buffer.alloc(1 + int(4096));
      for (let i = 0; i < junk.length; i++) junk[i] = int(256);
      mutants.push(['random garbage appended', Buffer.concat([original, junk])]);
      mutants.push(['a tar entry appended after the end blocks', Buffer.concat([original, rawEntry({ name: 'manifest.json' }, Buffer.from('[]')), END_OF_ARCHIVE])]);
      const { entries, rest } = splitTar(original);
      for (let i = 0; i < 2; i++) {
        const e = [...entries];
        const x = int(e.length);
        const y = int(e.length);
        [e[x], e[y]] = [e[y]!, e[x]!];
        mutants.push(['two tar entries swapped', Buffer.concat([...e, rest])]);
      }
      for (let i = 0; i < 2; i++) {
        const e = [...entries];
        e.splice(int(e.length + 1), 0, e[int(e.length)]!);
        mutants.push(['a tar entry duplicated', Buffer.concat([...e, rest])]);
      }
      for (const [kind, bytes] of mutants) {
        cases++;
        const before = await t.app.store.head();
        const o = await attempt(bytes);
        if (!o.ok) reasons.add(expectCleanRefusal(o).replace(/sha256:[0-9a-f]+|\d+/g, '#').slice(0, 90));
        const r = await recordOrUnchanged(o, expected, before);
        const row = tally.get(kind) ?? { refused: 0, imported: 0 };
        row[r]++;
        tally.set(kind, row);
      }
    }
    // eslint-disable-next-line no-console
    console.log(`fuzz seed ${SEED}: ${cases} cases over ${corpus.length} archives\n${[...tally].map(([k, v]) => `  ${k}: ${v.refused} refused, ${v.imported} imported exactly`).join('\n')}\n  distinct reasons: ${reasons.size}`);
    expect(cases).toBe(corpus.length * 14);
    // The mutations bite: most are refused, and swaps/appends after the end are harmless.
    expect([...tally.values()].reduce((n, v) => n + v.refused, 0)).toBeGreaterThan(cases / 3);
  });
});

/** An OCI layout tar of one image whose single uncompressed layer is `layer`. */
async function oneLayerOci(entries: TarEntrySpec[], tag = 'x:1'): Promise<Buffer> {
  const img = await buildImage({ layers: [{ entries }] });
  return archiveTar(dockerLegacy([{ image: img, repoTags: [tag] }]));
}

/** An OCI layout whose layer blob is given raw (any bytes), with a declared DiffID. */
async function ociWithBlob(blob: Buffer | { size: number; digest: string; chunks: () => Iterable<Buffer> }, mediaType: string, diffId: string): Promise<Readable> {
  const size = Buffer.isBuffer(blob) ? blob.length : blob.size;
  const digest = Buffer.isBuffer(blob) ? sha256(blob) : blob.digest;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'x' }] }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType, digest, size }],
  }));
  const index = indexJson([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'io.containerd.image.name': 'bomb:1', 'org.opencontainers.image.ref.name': '1' } }]);
  const hex = (d: string) => d.slice(7);
  const head = Buffer.concat([
    rawEntry({ name: 'oci-layout' }, Buffer.from('{"imageLayoutVersion":"1.0.0"}')),
    rawEntry({ name: 'index.json' }, index),
    rawEntry({ name: 'blobs/', type: '5' }), rawEntry({ name: 'blobs/sha256/', type: '5' }),
    rawEntry({ name: `blobs/sha256/${hex(sha256(manifest))}` }, manifest),
    rawEntry({ name: `blobs/sha256/${hex(sha256(config))}` }, config),
    ustarHeader({ name: `blobs/sha256/${hex(digest)}`, size }),
  ]);
  const tail = Buffer.concat([Buffer.alloc(padded(size) - size), END_OF_ARCHIVE]);
  return Readable.from((function* () {
    yield head;
    if (Buffer.isBuffer(blob)) yield blob; else yield* blob.chunks();
    yield tail;
  })());
}

describe('targeted hostile archives', () => {
  test.each([
    ['/../etc/passwd'], ['./../etc/passwd'], ['a/./../../etc/passwd'], ['a//..//..//x'],
  ])('traversal %s is refused as not local', async (name) => {
    const o = await attempt(await oneLayerOci([{ name: 'a/', type: 'directory' }, { name, content: 'root::0:0' }]));
    expectCleanRefusal(o, /not local/);
  });

  test('absolute and doubled-slash names stay under the root (no escape is possible: nothing is extracted)', async () => {
    const o = await attempt(await oneLayerOci([{ name: '/etc/', type: 'directory' }, { name: '//etc//passwd', content: 'x' }, { name: '/./etc/./group', content: 'y' }]));
    if (!o.ok) throw o.error;
    expect(o.images[0]!.layers[0]!.entries.map((e) => e.path)).toEqual(['/etc', '/etc/passwd', '/etc/group']);
  });

  test('hard links escaping through ../ or an absolute ../ are refused; a symlink escape is recorded as written and never followed', async () => {
    for (const target of ['/../etc/shadow', 'a/../../etc/shadow']) {
      expectCleanRefusal(await attempt(await oneLayerOci([{ name: 'x', type: 'link', linkname: target }])), /hard link target .* is not local/);
    }
    const o = await attempt(await oneLayerOci([
      { name: 'evil', type: 'symlink', linkname: '../../../../etc' },
      { name: 'evil/passwd', content: 'owned' },
      { name: 'abs', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'hl', type: 'link', linkname: 'evil/passwd' },
    ], 'sym:1'));
    if (!o.ok) throw o.error;
    const entries = o.images[0]!.layers[0]!.entries;
    expect(entries.map((e) => [e.path, e.kind, e.linkTarget])).toEqual([
      ['/evil', 'SYMLINK', '../../../../etc'], ['/evil/passwd', 'FILE', null], ['/abs', 'SYMLINK', '/etc/shadow'], ['/hl', 'HARDLINK', '/evil/passwd'],
    ]);
    await recordImport(t.app, o.images);
    // The merged view never resolves a link: /etc/passwd does not exist, the file stays
    // at /evil/passwd (its parent /evil reads as a directory, since a child follows the symlink).
    const r = await t.gql('{ image(ref: "sym:1") { etc: file(path: "/etc/passwd") { path } p: file(path: "/evil/passwd") { path kind size } evil: file(path: "/evil") { kind } } }');
    expect(r.image).toEqual({ etc: null, p: { path: '/evil/passwd', kind: 'FILE', size: 5 }, evil: { kind: 'DIRECTORY' } });
  });

  test('long-name, PAX and global-PAX headers claiming gigabytes are refused from the header alone, in a layer and in the archive', async () => {
    for (const type of ['L', 'x', 'g']) {
      const bomb = Buffer.concat([ustarHeader({ name: '././@LongLink', type, size: 8 * 1024 ** 3 }), Buffer.alloc(512, 0x61)]);
      expectCleanRefusal(await attempt(bomb), /PAX\/long-name header of 8589934592 bytes exceeds/);
      const layerTar = Buffer.concat([bomb, END_OF_ARCHIVE]);
      expectCleanRefusal(await attempt(await ociWithBlob(layerTar, 'application/vnd.oci.image.layer.v1.tar', sha256(layerTar))), /PAX\/long-name header of 8589934592 bytes exceeds/);
    }
  });

  test('a PAX size record claiming petabytes, and 50,000 small PAX records under the cap, neither hang', async () => {
    const lie = Buffer.from('30 size=999999999999999999999\n');
    const huge = Buffer.concat([rawEntry({ name: 'PaxHeader', type: 'x' }, lie), rawEntry({ name: 'f' }, Buffer.from('x')), END_OF_ARCHIVE]);
    expectCleanRefusal(await attempt(await ociWithBlob(huge, 'application/vnd.oci.image.layer.v1.tar', sha256(huge))));
    const paxRecord = (kv: string) => { const rec = ` ${kv}\n`; let len = rec.length + 1; while (String(len).length + rec.length !== len) len++; return `${len}${rec}`; };
    const many = Buffer.from(Array.from({ length: 50_000 }, (_, i) => paxRecord(`comment.${i}=v`)).join(''));
    expect(many.length).toBeLessThan(1024 * 1024);
    const tarMany = Buffer.concat([rawEntry({ name: 'PaxHeader', type: 'x' }, many), rawEntry({ name: 'f' }, Buffer.from('x')), END_OF_ARCHIVE]);
    const o = await attempt(await ociWithBlob(tarMany, 'application/vnd.oci.image.layer.v1.tar', sha256(tarMany)));
    if (!o.ok) expectCleanRefusal(o);
    else expect(o.images[0]!.layers[0]!.entries.map((e) => e.path)).toEqual(['/f']);
  });

  test('decompression bombs (1 GiB of zeros as 16 gzip members, 256 MiB as zstd) stop at the byte cap, here and through the CLI', async () => {
    const member = gzip(Buffer.alloc(64 * 1024 ** 2));
    const gz = Buffer.concat(Array.from({ length: 16 }, () => member));
    expect(gz.length).toBeLessThan(2 * 1024 ** 2);
    const fakeDiff = `sha256:${'0'.repeat(64)}`;
    const cap = { maxTotalBytes: 32 * 1024 ** 2 };
    expectCleanRefusal(await attempt(await ociWithBlob(gz, 'application/vnd.oci.image.layer.v1.tar+gzip', fakeDiff), cap), /exceeds the limit of 33554432 uncompressed bytes/);
    const zs = zstd(Buffer.alloc(256 * 1024 ** 2));
    expectCleanRefusal(await attempt(await ociWithBlob(zs, 'application/vnd.oci.image.layer.v1.tar+zstd', fakeDiff), cap), /exceeds the limit of 33554432 uncompressed bytes/);
    // The same gzip bomb through `strata import --max-bytes`: one line, exit 1, nothing written.
    const file = path.join(tmp, 'bomb.tar');
    const chunks: Buffer[] = [];
    for await (const c of await ociWithBlob(gz, 'application/vnd.oci.image.layer.v1.tar+gzip', fakeDiff)) chunks.push(c as Buffer);
    fs.writeFileSync(file, Buffer.concat(chunks));
    const db = path.join(tmp, 'bomb.db');
    const r = spawnSync(process.execPath, [BIN, 'import', file, '--db', db, '--max-bytes', String(16 * 1024 ** 2)], { encoding: 'utf8', env: ENV });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^strata: invalid archive: .*exceeds the limit of 16777216 uncompressed bytes\n$/);
    expect(fs.existsSync(db)).toBe(false); // refused before the database was even opened
  });

  test('directories 2,000 deep import, and the deepest file is found through the merged view', async () => {
    const entries: TarEntrySpec[] = [];
    let p = '';
    for (let i = 0; i < 2000; i++) { p += 'd/'; entries.push({ name: p, type: 'directory' }); }
    entries.push({ name: `${p}bottom.txt`, content: 'deep' });
    const o = await attempt(await oneLayerOci(entries, 'deep:1'));
    if (!o.ok) throw o.error;
    expect(o.images[0]!.layers[0]!.entries).toHaveLength(2001);
    await recordImport(t.app, o.images);
    const deepest = `/${p}bottom.txt`;
    const r = await t.gql('query($p: String!) { image(ref: "deep:1") { file(path: $p) { path size } } }', { p: deepest });
    expect(r.image.file).toEqual({ path: deepest, size: 4 });
  });

  test('100,000 tiny files import whole into the store', async () => {
    const count = 100_000;
    const layer = Buffer.concat([...tinyFilesLayer(count)]);
    const o = await attempt(await ociWithBlob(layer, 'application/vnd.oci.image.layer.v1.tar', sha256(layer)), undefined, BIG_CASE_TIMEOUT_MS);
    if (!o.ok) throw o.error;
    const l = o.images[0]!.layers[0]!;
    expect(l.fileCount).toBe(count + count / 1000);
    const before = await t.app.store.head();
    await recordImport(t.app, o.images);
    expect(await t.app.store.head()).toBe(before + 3); // LayerCommitted, ImageCommitted, TagMoved
    const r = await t.gql('{ image(ref: "bomb:1") { layers { diffId } file(path: "/d99/f99999") { path kind } } }');
    expect(r.image).toEqual({ layers: [{ diffId: l.diffId }], file: { path: '/d99/f99999', kind: 'FILE' } });
  }, 180_000);

  test('a layer of 1,000,000 empty files (~0.5 GB of tar, streamed) is stopped by --max-entries', async () => {
    const count = 1_000_000;
    const size = (count + count / 1000) * 512 + 1024;
    const o = await attempt(await ociWithBlob({ size, digest: `sha256:${'1'.repeat(64)}`, chunks: () => tinyFilesLayer(count) }, 'application/vnd.oci.image.layer.v1.tar', `sha256:${'2'.repeat(64)}`), { maxEntries: 200_000 }, BIG_CASE_TIMEOUT_MS);
    expectCleanRefusal(o, /exceeds the limit of 200000 tar entries/);
    expect(digestOf(tinyFilesLayer(10)).size).toBe(11 * 512 + 1024);
  }, 180_000);
});
