/**
 * Streams (docs/domain.md §7): one per image (`image:<imageId>`), tag
 * (`tag:<name:tag>`), layer (`layer:<diffId>`), container (`container:<id>`),
 * Docker Engine (`engine:<Engine ID>`), and the blob store's housekeeping.
 * Also the domain's error codes (src/domain/errors.ts, docs/cli.md) and the
 * files whose bytes are kept (src/domain/keptFiles.ts, os-release(5)).
 */
import { badInput, conflict, DomainError, invalidArchive, isDomainError, notFound } from '../../src/domain/errors';
import { DomainEvent, EVENT_SCHEMA_VERSION, streams } from '../../src/domain/events';
import { groupByStream, streamOf } from '../../src/domain/eventStream';
import { KEPT_PATHS, OS_RELEASE_PATHS } from '../../src/domain/keptFiles';

const I = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const L = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';

describe('event streams', () => {
  test('stream names as docs/domain.md §7 writes them', () => {
    expect([streams.image(I), streams.tag('app:1'), streams.layer(L), streams.container('c1'), streams.engine('E1'), streams.blobStore()])
      .toEqual([`image:${I}`, 'tag:app:1', `layer:${L}`, 'container:c1', 'engine:E1', 'blobstore']);
    expect(EVENT_SCHEMA_VERSION).toBe(1);
  });

  test('every event type goes to the stream of the thing it is about', () => {
    const cases: [DomainEvent, string][] = [
      [{ type: 'LayerCommitted', data: { diffId: L } as never }, `layer:${L}`],
      [{ type: 'ImageCommitted', data: { imageId: I } as never }, `image:${I}`],
      [{ type: 'ManifestDigestAdded', data: { imageId: I, manifestDigest: L } }, `image:${I}`],
      [{ type: 'ImageRemoved', data: { imageId: I } }, `image:${I}`],
      [{ type: 'ImageTransferred', data: { imageId: I } as never }, `image:${I}`],
      [{ type: 'TagMoved', data: { tag: 'app:1', from: null, to: I } }, 'tag:app:1'],
      [{ type: 'TagRemoved', data: { tag: 'app:2', from: I } }, 'tag:app:2'],
      [{ type: 'ContainerCreated', data: { containerId: 'c1', imageId: I, name: null } }, 'container:c1'],
      [{ type: 'ContainerFileChanged', data: { containerId: 'c2' } as never }, 'container:c2'],
      [{ type: 'ContainerCommitted', data: { containerId: 'c3', imageId: I } }, 'container:c3'],
      [{ type: 'ContainerRemoved', data: { containerId: 'c4' } }, 'container:c4'],
      [{ type: 'BlobsCollected', data: { removed: [], bytes: 0, leftovers: 0 } }, 'blobstore'],
      [{ type: 'EngineEventObserved', data: { engineId: 'E1' } as never }, 'engine:E1'],
    ];
    expect(cases.map(([e]) => streamOf(e))).toEqual(cases.map(([, s]) => s));
  });

  test('groupByStream: one group per stream, in order of first appearance, events in their order within it', () => {
    const a: DomainEvent = { type: 'TagMoved', data: { tag: 'app:1', from: null, to: I } };
    const b: DomainEvent = { type: 'ImageRemoved', data: { imageId: I } };
    const c: DomainEvent = { type: 'TagMoved', data: { tag: 'app:1', from: I, to: L } };
    const d: DomainEvent = { type: 'TagRemoved', data: { tag: 'app:1', from: L } };
    expect(groupByStream([a, b, c, d])).toEqual([
      { stream: 'tag:app:1', events: [a, c, d] },
      { stream: `image:${I}`, events: [b] },
    ]);
    expect(groupByStream([])).toEqual([]);
  });
});

describe('domain errors carry the contract codes', () => {
  test('each factory gives its code, the message and the details', () => {
    const made = [badInput('b', { k: 1 }), notFound('n'), conflict('c', { v: 2 }), invalidArchive('i', { at: 'x' })];
    expect(made.map((e) => [e.code, e.message, e.details, e.name, e instanceof Error]))
      .toEqual([
        ['BAD_USER_INPUT', 'b', { k: 1 }, 'DomainError', true],
        ['NOT_FOUND', 'n', undefined, 'DomainError', true],
        ['CONFLICT', 'c', { v: 2 }, 'DomainError', true],
        ['INVALID_ARCHIVE', 'i', { at: 'x' }, 'DomainError', true],
      ]);
  });

  test('isDomainError: only a DomainError, not an Error or an object that merely has a code', () => {
    expect(isDomainError(new DomainError('TAMPERED', 'x'))).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'NOT_FOUND', message: 'x' })).toBe(false);
    expect(isDomainError(null)).toBe(false);
  });
});

describe('kept files', () => {
  test('the os-release files, in the order os-release(5) reads them (/etc first), and no other path', () => {
    expect(OS_RELEASE_PATHS).toEqual(['/etc/os-release', '/usr/lib/os-release']);
    expect([...KEPT_PATHS].sort()).toEqual(['/etc/os-release', '/usr/lib/os-release']);
    expect(KEPT_PATHS.has('/etc/passwd')).toBe(false);
  });
});
