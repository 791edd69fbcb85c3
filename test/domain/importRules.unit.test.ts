/**
 * The import decision's rules one by one (src/domain/image/import.ts,
 * docs/domain.md §6): what each event carries, tags normalized and moved once,
 * the same image twice, the refusal's text, event order by stream kind.
 */
import { DomainError } from '../../src/domain/errors';
import { decideImport, type ImportImage, type ImportLayer, type ImportState } from '../../src/domain/image/import';

const hex = (c: string) => c.repeat(64);
const layer = (c: string, size = 5): ImportLayer => ({
  diffId: `sha256:${hex(c)}`, digest: `sha256:${hex(c.toUpperCase() === c ? 'f' : 'e')}`, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  compressedSize: 3, size, fileCount: 2, entriesDigest: `sha256:${hex('d')}`,
});
const image = (c: string, layers: ImportLayer[], over: Partial<ImportImage> = {}): ImportImage => ({
  imageId: `sha256:${hex(c)}`, config: `{"c":"${c}"}`, manifestDigest: `sha256:${hex('9')}`, manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
  repoTags: [], created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', layers,
  history: [{ created: null, createdBy: 'ADD x', comment: null, emptyLayer: false, layerIndex: 0 }], baseName: 'base:1', baseDigest: `sha256:${hex('8')}`, ...over,
});
const empty: ImportState = { hasLayer: () => false, image: () => undefined, tagTarget: () => null };

describe('import: what the events carry', () => {
  test('LayerCommitted carries the verified layer; ImageCommitted the image as verified, source import, no parent', () => {
    const l = layer('1', 7);
    const img = image('a', [l]);
    const d = decideImport({ images: [img] }, empty);
    expect(d.events).toEqual([
      { type: 'LayerCommitted', data: { diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: 3, size: 7, fileCount: 2, entriesDigest: l.entriesDigest } },
      { type: 'ImageCommitted', data: {
        imageId: img.imageId, config: img.config, manifestDigest: img.manifestDigest, manifestMediaType: img.manifestMediaType, created: img.created,
        architecture: 'amd64', os: 'linux', layers: [{ diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: 3 }],
        history: img.history, baseName: 'base:1', baseDigest: img.baseDigest, source: 'import', parentImageId: null,
      } },
    ]);
    expect(d.images).toEqual([{ imageId: img.imageId, manifestDigest: img.manifestDigest, tags: [], layers: 1, newLayers: 1, size: 7, status: 'imported' }]);
  });

  test('a manifest media type not given is recorded as null, in ImageCommitted and ManifestDigestAdded alike', () => {
    const img = image('a', [layer('1')], { manifestMediaType: undefined });
    expect(decideImport({ images: [img] }, empty).events[1]).toMatchObject({ data: { manifestMediaType: null } });
    const known: ImportState = { ...empty, image: () => ({ live: true, manifestDigests: ['sha256:other'] }) };
    expect(decideImport({ images: [img] }, known).events.at(-1)).toEqual({ type: 'ManifestDigestAdded', data: {
      imageId: img.imageId, manifestDigest: img.manifestDigest, mediaType: null, layers: [{ diffId: layer('1').diffId, digest: layer('1').digest, mediaType: layer('1').mediaType, compressedSize: 3 }],
    } });
  });

  test('a known image without a manifest digest adds none', () => {
    const known: ImportState = { hasLayer: () => true, image: () => ({ live: true, manifestDigests: [] }), tagTarget: () => null };
    expect(decideImport({ images: [image('a', [layer('1')], { manifestDigest: null })] }, known)).toMatchObject({ events: [], images: [{ status: 'already present', newLayers: 0 }] });
  });
});

describe('import: tags', () => {
  test('tags are normalized and de-duplicated, extra tags included; the refusal names the tag', () => {
    const d = decideImport({ images: [image('a', [], { repoTags: ['app', 'docker.io/library/app:latest'] })], extraTags: ['x:1', 'app:latest'] }, empty);
    expect(d.images[0]!.tags).toEqual(['app:latest', 'x:1']);
    expect(d.events.filter((e) => e.type === 'TagMoved').map((e) => e.data)).toEqual([
      { tag: 'app:latest', from: null, to: `sha256:${hex('a')}` }, { tag: 'x:1', from: null, to: `sha256:${hex('a')}` },
    ]);
    try {
      decideImport({ images: [image('a', [], { repoTags: ['app:1'] }), image('b', [], { repoTags: ['docker.io/library/app:1'] })] }, empty);
      throw new Error('accepted');
    } catch (e) {
      expect([(e as DomainError).code, (e as Error).message]).toEqual(['BAD_USER_INPUT', 'the archive tags two different images as app:1']);
    }
  });

  test('the same image twice under one tag: committed once, the tag moved once; both outcomes say imported', () => {
    const img = image('a', [layer('1')], { repoTags: ['app:1'] });
    const d = decideImport({ images: [img, img] }, empty);
    expect(d.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted', 'TagMoved']);
    expect(d.images.map((i) => [i.status, i.newLayers])).toEqual([['imported', 1], ['imported', 0]]);
  });

  test('a tag already on the image moves nothing and leaves the status; a tag elsewhere moves from there', () => {
    const img = image('a', [layer('1')], { repoTags: ['app:1', 'app:2'] });
    const known: ImportState = { hasLayer: () => true, image: () => ({ live: true, manifestDigests: [img.manifestDigest!] }),
      tagTarget: (t) => (t === 'app:1' ? img.imageId : t === 'app:2' ? `sha256:${hex('b')}` : null) };
    const d = decideImport({ images: [img] }, known);
    expect(d.events).toEqual([{ type: 'TagMoved', data: { tag: 'app:2', from: `sha256:${hex('b')}`, to: img.imageId } }]);
    expect(d.images[0]!.status).toBe('retagged');
    // a new manifest stays "new manifest" when a tag also moves
    const nm = decideImport({ images: [{ ...img, manifestDigest: `sha256:${hex('7')}` }] }, known);
    expect(nm.images[0]!.status).toBe('new manifest');
  });
});

describe('import: event order', () => {
  test('layers, then images, then tags, whatever order the images bring them in; each stream\'s events together', () => {
    const a = image('a', [layer('1')], { repoTags: ['t:1'] });
    const b = image('b', [layer('2')], { repoTags: ['t:2'] });
    const transfer = (img: ImportImage) => ({ imageId: img.imageId, direction: 'PULL' as const, location: 'x', manifestDigest: 'm',
      transferredBytes: 0, skippedBytes: 0, transferredBlobs: 0, skippedBlobs: 0 });
    const d = decideImport({ images: [a, b], transfer }, empty);
    expect(d.events.map((e) => `${e.type} ${'imageId' in e.data ? e.data.imageId.slice(7, 8) : 'diffId' in e.data ? e.data.diffId.slice(7, 8) : (e.data as { tag: string }).tag}`))
      .toEqual(['LayerCommitted 1', 'LayerCommitted 2', 'ImageCommitted a', 'ImageTransferred a', 'ImageCommitted b', 'ImageTransferred b', 'TagMoved t:1', 'TagMoved t:2']);
    const none = decideImport({ images: [a], transfer: () => null }, empty);
    expect(none.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted', 'TagMoved']);
  });
});
