import { DomainError } from '../../src/domain/errors';
import { groupByStream } from '../../src/domain/eventStream';
import { decideImport, type ImportImage, type ImportLayer, type ImportState } from '../../src/domain/image/import';

const layer = (n: number): ImportLayer => ({
  diffId: `sha256:${String(n).padStart(64, '0')}`, digest: null, mediaType: null, compressedSize: null, size: n * 10, fileCount: n,
  entriesDigest: `sha256:${String(n).padStart(64, 'e')}`,
});
const image = (id: string, layers: ImportLayer[], repoTags: string[] = [], manifestDigest: string | null = null): ImportImage => ({
  imageId: `sha256:${id.padStart(64, '0')}`, config: '{}', manifestDigest, repoTags, created: null, architecture: null, os: null,
  layers, history: [], baseName: null, baseDigest: null,
});
const empty: ImportState = { hasLayer: () => false, image: () => undefined, tagTarget: () => null };
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as DomainError).code; } return 'none'; };

describe('import decisions (given the ledger, when images are imported, then events)', () => {
  test('given an empty ledger: each new layer once, then each image, then its tags, streams in that order', () => {
    const shared = layer(1);
    const d = decideImport({ images: [image('a', [shared, layer(2)], ['app:1']), image('b', [shared, layer(3)], ['app:2'])] }, empty);
    expect(d.events.map((e) => e.type)).toEqual(['LayerCommitted', 'LayerCommitted', 'LayerCommitted',
      'ImageCommitted', 'ImageCommitted', 'TagMoved', 'TagMoved']);
    expect(d.newLayers.map((l) => l.diffId)).toEqual([layer(1), layer(2), layer(3)].map((l) => l.diffId));
    expect(d.images.map((i) => [i.status, i.newLayers, i.size, i.tags])).toEqual([
      ['imported', 2, 30, ['app:1']], ['imported', 1, 40, ['app:2']]]);
    expect(groupByStream(d.events)).toHaveLength(7);
  });

  test('given everything recorded: nothing; a new manifest, a retag, a removed image are decided as such', () => {
    const img = image('a', [layer(1)], ['app:1'], 'sha256:m1');
    const known: ImportState = {
      hasLayer: () => true, image: () => ({ live: true, manifestDigests: ['sha256:m1'] }), tagTarget: () => img.imageId,
    };
    expect(decideImport({ images: [img] }, known)).toMatchObject({ events: [], newLayers: [], images: [{ status: 'already present' }] });
    const other = decideImport({ images: [{ ...img, manifestDigest: 'sha256:m2' }] }, known);
    expect(other.events).toEqual([{ type: 'ManifestDigestAdded', data: expect.objectContaining({ manifestDigest: 'sha256:m2' }) }]);
    expect(other.images[0]!.status).toBe('new manifest');
    const retag = decideImport({ images: [img], extraTags: ['app:2'] }, known);
    // app:2 points at the image already (tagTarget), so only a tag that points elsewhere moves.
    const elsewhere = decideImport({ images: [img], extraTags: ['app:2'] },
      { ...known, tagTarget: (t) => (t === 'app:2' ? 'sha256:old' : img.imageId) });
    expect(elsewhere.events).toEqual([{ type: 'TagMoved', data: { tag: 'app:2', from: 'sha256:old', to: img.imageId } }]);
    expect(elsewhere.images[0]!.status).toBe('retagged');
    expect(retag.events).toEqual([]);
    expect(retag.images[0]!.status).toBe('already present');
    const removed = decideImport({ images: [img] }, { ...known, image: () => ({ live: false, manifestDigests: ['sha256:m1'] }) });
    expect(removed.events.map((e) => e.type)).toEqual(['ImageCommitted']);
  });

  test('two images of one import under one tag: BAD_USER_INPUT', () => {
    expect(code(() => decideImport({ images: [image('a', [layer(1)], ['app:1']), image('b', [layer(2)], ['app:1'])] }, empty)))
      .toBe('BAD_USER_INPUT');
  });

  test('a transfer is recorded on the image stream with the status it was decided on', () => {
    const seen: string[] = [];
    const d = decideImport({ images: [image('a', [layer(1)])], transfer: (img, status) => {
      seen.push(status);
      return { imageId: img.imageId, direction: 'PULL', location: 'docker://r/app:1', manifestDigest: 'sha256:m',
        transferredBytes: 1, skippedBytes: 0, transferredBlobs: 1, skippedBlobs: 0 };
    } }, empty);
    expect(seen).toEqual(['imported']);
    expect(d.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted', 'ImageTransferred']);
  });
});
