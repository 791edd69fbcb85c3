/**
 * DOCKER accounting on hand-made layers. The expected figures are Docker
 * Engine 20.10's answers for the same layers (docker history of images built
 * with these steps; test/docker/engineSizes.e2e.test.ts checks the engine
 * itself): e.g. `ln -s /data/keep/b` costs 12 bytes, three hard links to a
 * 25-byte file cost 25, `ln -s ../ünï/cödé` costs 15 (UTF-8 bytes).
 */
import { dockerEntrySize, dockerLayerSize, layerSizeOf, SIZE_ACCOUNTINGS, utf8Length } from '../../src/domain/sizeAccounting';
import { dockerRwSize } from '../../src/domain/container/dockerSize';
import { evolveContainer, foldContainer } from '../../src/domain/container/state';
import type { DomainEvent } from '../../src/domain/events';
import { dir, file, hardlink, opq, symlink, wh } from './entries';

describe('DOCKER layer size', () => {
  test('regular files and symlink target lengths; directories 0', () => {
    expect(dockerLayerSize([dir('/data'), file('/data/a', 6), file('/data/b', 6), symlink('/data/lnk', '/data/keep/b'), file('/data/big', 6)])).toBe(30);
  });
  test('a hard-linked inode counts once', () => {
    expect(dockerLayerSize([file('/data/h1', 25), hardlink('/data/h2', '/data/h1'), hardlink('/data/h3', '/data/h1'),
      symlink('/data/ünïcödé', '../ünï/cödé'), dir('/data/ünï'), file('/data/ünï/cödé', 2)])).toBe(42);
  });
  test('whiteouts and opaque markers count 0', () => {
    expect(dockerLayerSize([wh('/data/big'), wh('/bin/vi'), dir('/data/opq'), opq('/data/opq'), file('/data/opq/c', 4), symlink('/bin/vi', '/bin/busybox')])).toBe(16);
  });
  test('a later entry at the same path replaces the earlier one', () => {
    expect(dockerLayerSize([file('/a', 100), file('/a', 7)])).toBe(7);
    expect(dockerLayerSize([dir('/d'), file('/d/x', 50), file('/d', 3)])).toBe(3);
  });
  test('a hard link that names nothing in the layer counts 0, and its target surviving elsewhere keeps the inode', () => {
    expect(dockerLayerSize([hardlink('/x', '/nowhere')])).toBe(0);
    expect(dockerLayerSize([file('/a', 9), hardlink('/b', '/a'), file('/a', 1)])).toBe(10);
  });
  test('UTF-8 length of link targets', () => {
    expect(utf8Length('../ünï/cödé')).toBe(15);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('€')).toBe(3);
  });
});

describe('DOCKER RW layer size (docker ps -s SizeRw)', () => {
  const lower = new Map([['/data/keep/b', file('/data/keep/b', 6)], ['/data/h2', file('/data/h2', 25)]]);
  const lookup = (p: string) => lower.get(p) ?? null;
  const ev = (change: 'ADDED' | 'MODIFIED' | 'DELETED', e: ReturnType<typeof file>): DomainEvent => ({
    type: 'ContainerFileChanged',
    data: { containerId: 'c', change, path: e.path, kind: e.kind, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, linkTarget: e.linkTarget, contentDigest: e.contentDigest, opaque: false, copiedUpBytes: 0 },
  });
  test('written files, copied-up files, link targets and a link to an image file (copied up once): the engine said 47', () => {
    const s = [
      ev('ADDED', file('/data/new', 11)),
      ev('MODIFIED', file('/data/h2', 25, 'sha256:h', { mode: 0o600 })),
      ev('DELETED', file('/data/lnk', 0)),
      ev('ADDED', symlink('/data/sl', '/x/yz')),
      ev('ADDED', hardlink('/data/b2', '/data/keep/b')),
      ev('ADDED', dir('/data/dd')),
    ].reduce(evolveContainer, foldContainer([{ type: 'ContainerCreated', data: { containerId: 'c', imageId: 'sha256:i', name: null } }]));
    expect(dockerRwSize(s, lookup)).toBe(47);
  });
});

describe('size accounting edges (issue 25, second pass)', () => {
  test('utf8Length agrees with Node\'s UTF-8 encoder at every length boundary and on lone surrogates', () => {
    const samples = ['', 'a', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff', '\ud7ff', '\ue000', '\u{10000}', '\u{10ffff}',
      '\ud800', '\udbff', '\udc00', '\udfff', 'x\ud800', '\ud800x', '\ud800\ud800', '\udc00\ud800', '\ud83d\ude00\ud83d', 'a€😀ü',
      '\u0800\udc00', '\ud7ff\udfff', '\ue000\udc00', 'ü\udc00'];
    for (const s of samples) expect([s, utf8Length(s)]).toEqual([s, Buffer.byteLength(s, 'utf8')]);
  });

  test('dockerEntrySize: a file its bytes, a symlink its target\'s UTF-8 length (0 without one), anything else 0', () => {
    expect(dockerEntrySize({ kind: 'FILE', size: 7, linkTarget: null })).toBe(7);
    expect(dockerEntrySize({ kind: 'SYMLINK', size: 99, linkTarget: 'ü/x' })).toBe(4);
    expect(dockerEntrySize({ kind: 'SYMLINK', size: 99, linkTarget: null })).toBe(0);
    for (const kind of ['DIRECTORY', 'HARDLINK', 'WHITEOUT', 'OPAQUE_WHITEOUT', 'OTHER'] as const) {
      expect([kind, dockerEntrySize({ kind, size: 99, linkTarget: '/t' })]).toEqual([kind, 0]);
    }
  });

  test('a non-directory over a directory removes what was below it, and only that ("/ab" is not below "/a")', () => {
    expect(dockerLayerSize([dir('/a'), file('/ab', 5), file('/a/x', 2), dir('/a/y'), file('/a/y/z', 3), file('/a', 1)])).toBe(6);
    expect(dockerLayerSize([dir('/a'), file('/a/x', 2), dir('/a')])).toBe(2); // a directory over a directory keeps its contents
    expect(dockerLayerSize([dir('/'), file('/a', 5), dir('/d'), file('/d/e', 4), file('/', 3)])).toBe(3);
    // An opaque marker is an attribute of the directory: the directory is still one when a file replaces it.
    expect(dockerLayerSize([dir('/d'), opq('/d'), file('/d/x', 4), file('/d', 1)])).toBe(1);
  });

  test('a hard link to a hard link shares the first file\'s inode; one without a target counts 0', () => {
    expect(dockerLayerSize([file('/a', 9), hardlink('/b', '/a'), hardlink('/c', '/b')])).toBe(9);
    expect(dockerLayerSize([file('/a', 9), { ...hardlink('/b', '/a'), linkTarget: null }])).toBe(9);
  });

  test('layerSizeOf: CONTENT is the recorded size (the entries are not read); DOCKER walks the entries', () => {
    const entries = () => { throw new Error('entries read'); };
    expect(layerSizeOf('CONTENT', 123, entries)).toBe(123);
    expect(layerSizeOf('DOCKER', 123, () => [file('/a', 4), symlink('/l', 'abc')])).toBe(7);
    expect(SIZE_ACCOUNTINGS).toEqual(['CONTENT', 'DOCKER']);
  });
});

describe('DOCKER layer size: a directory the layer only implies (issue 25, third pass)', () => {
  // Docker's UnpackLayer creates a missing parent directory, and removes an existing path with
  // everything below it unless both it and the entry are directories. Each expected figure is
  // Docker Engine's answer for the same tar, built with GNU tar (`--no-recursion`, so no entry
  // names the parent directory) and measured by `docker import` then
  // `docker image inspect -f '{{.Size}}'`.
  test('a non-directory replacing a directory that no entry named, only implied as a parent, removes what was below it', () => {
    expect(dockerLayerSize([file('/d/x', 4), file('/d', 1)])).toBe(1); // the engine: 1
    // The engine: 5, the link's 2 target bytes ("/t") and z's 3.
    expect(dockerLayerSize([file('/d/e/x', 4), file('/d/y', 2), symlink('/d', '/t'), file('/z', 3)])).toBe(5);
    expect(dockerLayerSize([file('/d/e/x', 4), file('/d/e', 1), file('/d/f', 2)])).toBe(3); // the engine: 3 (only d/e's subtree goes)
  });

  test('a directory over an implied directory keeps what is below it', () => {
    expect(dockerLayerSize([file('/d/x', 4), dir('/d'), file('/d/y', 2)])).toBe(6); // the engine: 6
  });

  test('an opaque marker after the directory\'s own files removes none of them (it is an attribute of the directory)', () => {
    // Archive order d/, d/-x, d/.wh..wh..opq ("-" sorts before "."): the engine: 4.
    expect(dockerLayerSize([dir('/d'), file('/d/-x', 4), opq('/d')])).toBe(4);
  });
});
