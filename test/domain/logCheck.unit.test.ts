/**
 * LogChecker (src/domain/logCheck.ts, docs/domain.md §7): a log is checked event
 * by event as a decider would have accepted it. One valid log using every event
 * type, then one edit at a time: each must be refused at that event, for the
 * stated rule (the reason is asserted, not only that there is one).
 */
import { CheckedEvent, LogChecker } from '../../src/domain/logCheck';
import { d, sha256Hex } from './domainTestKit';

type Data = Record<string, unknown>;
const cfgP = '{"p":1}';
const cfgC = '{"c":1}';
const P = `sha256:${sha256Hex(cfgP)}`;
const C = `sha256:${sha256Hex(cfgC)}`;
const [L1, L2, BLOB] = [d('l1'), d('l2'), d('blob')];
const layer = (diffId: string, extra: Data = {}): Data => ({
  diffId, entriesDigest: d(`entries-${diffId}`), digest: null, mediaType: null, compressedSize: null, size: 10, fileCount: 1, ...extra,
});
const image = (imageId: string, config: string, layers: string[], extra: Data = {}): Data => ({
  imageId, config, manifestDigest: null, created: null, architecture: 'amd64', os: 'linux', baseName: null, baseDigest: null,
  parentImageId: null, layers: layers.map((diffId) => ({ diffId })), history: [{ created_by: 'x' }], source: 'import', ...extra,
});
const fileChanged = (extra: Data = {}): Data => ({
  containerId: 'c1', change: 'ADDED', path: '/tmp/x', kind: 'FILE', size: 3, mode: 0o644, uid: 0, gid: 0, linkTarget: null,
  contentDigest: null, opaque: false, copiedUpBytes: 0, ...extra,
});

/** [stream, type, data] in an order a decider accepts; positions and versions are filled in. */
const STEPS = (): [string, string, Data][] => [
  [`layer:${L1}`, 'LayerCommitted', layer(L1)],
  [`layer:${L2}`, 'LayerCommitted', layer(L2, { digest: d('gz'), mediaType: 'application/x', compressedSize: 4 })],
  [`image:${P}`, 'ImageCommitted', image(P, cfgP, [L1])],
  [`image:${C}`, 'ImageCommitted', image(C, cfgC, [L1, L2], { parentImageId: P, manifestMediaType: 'application/vnd.oci.image.manifest.v1+json' })],
  [`image:${C}`, 'ManifestDigestAdded', { imageId: C, manifestDigest: d('m'), mediaType: null,
    layers: [{ diffId: L2, digest: d('gz'), mediaType: 'application/x', compressedSize: 4 }] }],
  [`image:${C}`, 'ImageTransferred', { imageId: C, direction: 'PUSH', location: 'localhost:5000/c', manifestDigest: d('m'),
    transferredBytes: 4, skippedBytes: 0, transferredBlobs: 1, skippedBlobs: 0 }],
  ['tag:app:1', 'TagMoved', { tag: 'app:1', from: null, to: P }],
  ['tag:app:1', 'TagMoved', { tag: 'app:1', from: P, to: C }],
  ['tag:app:1', 'TagRemoved', { tag: 'app:1', from: C }],
  ['container:c1', 'ContainerCreated', { containerId: 'c1', imageId: C, name: null }],
  ['container:c1', 'ContainerFileChanged', fileChanged()],
  ['container:c1', 'ContainerCommitted', { containerId: 'c1', imageId: P }],
  ['container:c1', 'ContainerRemoved', { containerId: 'c1' }],
  ['blobstore', 'BlobsCollected', { removed: [{ digest: BLOB, size: 5 }], bytes: 5, leftovers: 0 }],
  ['engine:e1', 'EngineEventObserved', { engineId: 'e1', timeNano: '1700000000000000000', type: 'image', action: 'pull', actorId: 'x', outcome: 'RECORDED' }],
  [`image:${P}`, 'ImageRemoved', { imageId: P }],
];
const logOf = (steps: [string, string, Data][]): CheckedEvent[] => {
  const versions = new Map<string, number>();
  return steps.map(([stream, type, data], i) => {
    const version = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, version);
    return { position: i + 1, stream, version, type, schemaVersion: 1, data };
  });
};
const reasons = (log: CheckedEvent[]) => {
  const checker = new LogChecker(sha256Hex);
  return log.map((e) => checker.check(e));
};
/** The first refusal of a log with one event edited. */
const refusal = (at: number, edit: (e: CheckedEvent) => CheckedEvent): string | null => {
  const log = logOf(STEPS());
  log[at] = edit(log[at] as CheckedEvent);
  return reasons(log).find((r) => r !== null) ?? null;
};
const withData = (extra: Data) => (e: CheckedEvent): CheckedEvent => ({ ...e, data: { ...(e.data as Data), ...extra } });
const IX = (type: string, nth = 0) => STEPS().map(([, t], i) => [t, i] as const).filter(([t]) => t === type)[nth]?.[1] as number;

describe('LogChecker: a valid log', () => {
  test('every event of a log a decider would write is accepted', () => {
    expect(reasons(logOf(STEPS()))).toEqual(STEPS().map(() => null));
  });

  test('a refused event is not taken in: the same stream version can follow, corrected', () => {
    const log = logOf(STEPS());
    const checker = new LogChecker(sha256Hex);
    expect(checker.check({ ...(log[0] as CheckedEvent), schemaVersion: 2 })).toBe(`event 1 (LayerCommitted): schemaVersion must be 1`);
    expect(log.map((e) => checker.check(e))).toEqual(log.map(() => null));
  });
});

describe('LogChecker: every event', () => {
  test.each<[string, number, (e: CheckedEvent) => CheckedEvent, string]>([
    ['a stream that is not a string', 0, (e) => ({ ...e, stream: 7 as unknown as string }), 'stream and type must be strings'],
    ['a type that is not a string', 0, (e) => ({ ...e, type: 7 as unknown as string }), 'stream and type must be strings'],
    ['an unknown type', 0, (e) => ({ ...e, type: 'LayerDeleted' }), 'unknown event type'],
    ['a type inherited from Object.prototype', 0, (e) => ({ ...e, type: 'toString' }), 'unknown event type'],
    ['schema version 2', 0, (e) => ({ ...e, schemaVersion: 2 }), 'schemaVersion must be 1'],
    ['a first version of 2', 0, (e) => ({ ...e, version: 2 }), `version must be 1 in stream layer:${L1}`],
    ['a first version of 0', 0, (e) => ({ ...e, version: 0 }), `version must be 1 in stream layer:${L1}`],
    ['a repeated version', IX('TagMoved', 1), (e) => ({ ...e, version: 1 }), 'version must be 2 in stream tag:app:1'],
    ['a skipped version', IX('TagMoved', 1), (e) => ({ ...e, version: 3 }), 'version must be 2 in stream tag:app:1'],
    ['a version that is not an integer', IX('TagMoved', 1), (e) => ({ ...e, version: 1.5 }), 'version must be 2 in stream tag:app:1'],
    ['data that is an array', 0, (e) => ({ ...e, data: [] }), 'data must be an object'],
    ['data that is null', 0, (e) => ({ ...e, data: null }), 'data must be an object'],
  ])('%s is refused', (_what, at, edit, why) => {
    const e = logOf(STEPS())[at] as CheckedEvent;
    expect(refusal(at, edit)).toBe(`event ${at + 1} (${String(edit(e).type).slice(0, 40)}): ${why}`);
  });

  test('the reason names the event by position and type, the type cut at 40 characters', () => {
    expect(refusal(0, (e) => ({ ...e, type: 'X'.repeat(50) }))).toBe(`event 1 (${'X'.repeat(40)}): unknown event type`);
  });
});

describe('LogChecker: each type\'s data and preconditions', () => {
  const fresh = () => STEPS();
  test.each<[string, string, number, Data, string]>([
    // LayerCommitted
    ['a layer diffId that is not a digest', 'LayerCommitted', 0, { diffId: 'sha256:xyz' }, 'data.diffId is missing or malformed'],
    ['a negative layer size', 'LayerCommitted', 0, { size: -1 }, 'data.size is missing or malformed'],
    ['a fractional compressed size', 'LayerCommitted', 1, { compressedSize: 1.5 }, 'data.compressedSize is missing or malformed'],
    ['a layer digest that is not a digest', 'LayerCommitted', 1, { digest: 'gz' }, 'data.digest is missing or malformed'],
    ['a missing fileCount', 'LayerCommitted', 0, { fileCount: undefined }, 'data.fileCount is missing or malformed'],
    // ImageCommitted
    ['an imageId that is not the config\'s sha256', 'ImageCommitted', 0, { config: '{"p":2}' }, 'imageId is not the sha256 of its config'],
    ['a layer used before its LayerCommitted', 'ImageCommitted', 0, { layers: [{ diffId: d('nope') }] }, `layer ${d('nope')} is used before its LayerCommitted`],
    ['a malformed layer', 'ImageCommitted', 0, { layers: [{ diffId: 'x' }] }, 'data.layers holds a malformed layer'],
    ['a layer that is not an object', 'ImageCommitted', 0, { layers: [L1] }, 'data.layers holds a malformed layer'],
    ['a history step that is not an object', 'ImageCommitted', 0, { history: ['RUN x'] }, 'data.history holds a malformed step'],
    ['a parent never committed', 'ImageCommitted', 1, { parentImageId: d('ghost') }, 'its parent image was never committed'],
    ['an unknown source', 'ImageCommitted', 0, { source: 'build' }, 'data.source is missing or malformed'],
    ['layers that are not a list', 'ImageCommitted', 0, { layers: {} }, 'data.layers is missing or malformed'],
    ['a manifest media type that is not a string', 'ImageCommitted', 1, { manifestMediaType: 5 }, 'data.manifestMediaType is malformed'],
    // ManifestDigestAdded
    ['a manifest layer blob with a bad digest', 'ManifestDigestAdded', 0, { layers: [{ diffId: L2, digest: 'gz', mediaType: null, compressedSize: null }] },
      'data.layers holds a malformed layer blob'],
    ['a manifest layer blob with a bad size', 'ManifestDigestAdded', 0, { layers: [{ diffId: L2, digest: null, mediaType: null, compressedSize: -4 }] },
      'data.layers holds a malformed layer blob'],
    ['a manifest layer blob with a bad media type', 'ManifestDigestAdded', 0, { layers: [{ diffId: L2, digest: null, mediaType: 4, compressedSize: null }] },
      'data.layers holds a malformed layer blob'],
    ['a manifest layer never committed', 'ManifestDigestAdded', 0, { layers: [{ diffId: d('nope'), digest: null, mediaType: null, compressedSize: null }] },
      `layer ${d('nope')} is used before its LayerCommitted`],
    ['manifest layers that are not a list', 'ManifestDigestAdded', 0, { layers: 'x' }, 'data.layers is malformed'],
    ['a manifest media type that is not a string', 'ManifestDigestAdded', 0, { mediaType: 1 }, 'data.mediaType is malformed'],
    // ImageTransferred
    ['an unknown direction', 'ImageTransferred', 0, { direction: 'SIDEWAYS' }, 'data.direction is missing or malformed'],
    // TagMoved / TagRemoved
    ['a tag moved from where it did not point', 'TagMoved', 1, { from: C }, 'data.from is not where the tag pointed'],
    ['a new tag moved from an image', 'TagMoved', 0, { from: P }, 'data.from is not where the tag pointed'],
    ['a tag moved to an image never committed', 'TagMoved', 0, { to: d('ghost') }, 'it points the tag at an image that was never committed'],
    ['a tag removed from where it did not point', 'TagRemoved', 0, { from: P }, 'data.from is not where the tag pointed'],
    ['a tag removal without from', 'TagRemoved', 0, { from: null }, 'data.from is missing or malformed'],
    // containers
    ['a container of an image never committed', 'ContainerCreated', 0, { imageId: d('ghost') }, 'the image is not live'],
    ['a relative path', 'ContainerFileChanged', 0, { path: 'tmp/x' }, 'data.path is missing or malformed'],
    ['an unknown kind', 'ContainerFileChanged', 0, { kind: 'PIPE' }, 'data.kind is missing or malformed'],
    ['an unknown change', 'ContainerFileChanged', 0, { change: 'RENAMED' }, 'data.change is missing or malformed'],
    ['an opaque flag that is not a boolean', 'ContainerFileChanged', 0, { opaque: 'no' }, 'data.opaque is missing or malformed'],
    ['a container committed to an image never committed', 'ContainerCommitted', 0, { imageId: d('ghost') }, 'the image was never committed'],
    // blobs, engine
    ['a collected blob without a digest', 'BlobsCollected', 0, { removed: [{ digest: 'x', size: 5 }] }, 'data.removed holds a malformed blob'],
    ['a collected blob with a negative size', 'BlobsCollected', 0, { removed: [{ digest: BLOB, size: -5 }] }, 'data.removed holds a malformed blob'],
    ['an engine time that is not digits', 'EngineEventObserved', 0, { timeNano: '17e17' }, 'data.timeNano is missing or malformed'],
    ['an engine time of 31 digits', 'EngineEventObserved', 0, { timeNano: '1'.repeat(31) }, 'data.timeNano is missing or malformed'],
  ])('%s is refused (%s)', (_what, type, nth, extra, why) => {
    const at = IX(type, nth);
    expect(fresh()[at]?.[1]).toBe(type);
    expect(refusal(at, withData(extra))).toBe(`event ${at + 1} (${type}): ${why}`);
  });

  test('optional fields may be absent (older logs): a manifest without mediaType and layers, an image without manifestMediaType', () => {
    const steps = STEPS();
    const md = steps[IX('ManifestDigestAdded')] as [string, string, Data];
    md[2] = { imageId: C, manifestDigest: d('m') };
    delete (steps[IX('ImageCommitted', 1)]?.[2] as Data).manifestMediaType;
    expect(reasons(logOf(steps)).every((r) => r === null)).toBe(true);
  });

  test('an engine time of 30 digits is accepted', () => {
    const steps = STEPS();
    (steps[IX('EngineEventObserved')]?.[2] as Data).timeNano = '1'.repeat(30);
    expect(reasons(logOf(steps)).every((r) => r === null)).toBe(true);
  });
});

describe('LogChecker: an event in the stream its data names', () => {
  test.each<[string, string]>([
    ['LayerCommitted', `layer:${L1}`], ['ImageCommitted', `image:${P}`], ['ManifestDigestAdded', `image:${C}`],
    ['ImageTransferred', `image:${C}`], ['ImageRemoved', `image:${P}`], ['TagMoved', 'tag:app:1'], ['TagRemoved', 'tag:app:1'],
    ['ContainerCreated', 'container:c1'], ['ContainerFileChanged', 'container:c1'], ['ContainerCommitted', 'container:c1'],
    ['ContainerRemoved', 'container:c1'], ['BlobsCollected', 'blobstore'], ['EngineEventObserved', 'engine:e1'],
  ])('%s belongs in %s', (type, stream) => {
    const at = IX(type);
    expect(refusal(at, (e) => ({ ...e, stream: 'elsewhere', version: 1 })))
      .toBe(`event ${at + 1} (${type}): it belongs in stream ${stream}, not elsewhere`);
  });
});

describe('LogChecker: what must be live', () => {
  /** The valid log, then more events (versions continue their streams). */
  const after = (...more: [string, string, Data][]) => reasons(logOf([...STEPS(), ...more])).slice(STEPS().length);
  test('a removed image cannot be removed again, gain a manifest, or get a container; it can still be a transfer\'s subject', () => {
    expect(after([`image:${P}`, 'ImageRemoved', { imageId: P }])).toEqual([`event 17 (ImageRemoved): the image is not live`]);
    expect(after([`image:${P}`, 'ManifestDigestAdded', { imageId: P, manifestDigest: d('m') }]))
      .toEqual([`event 17 (ManifestDigestAdded): the image is not live`]);
    expect(after(['container:c2', 'ContainerCreated', { containerId: 'c2', imageId: P, name: 'web' }]))
      .toEqual([`event 17 (ContainerCreated): the image is not live`]);
    expect(after([`image:${P}`, 'ImageTransferred', { imageId: P, direction: 'PULL', location: 'r/p', manifestDigest: d('m'),
      transferredBytes: 0, skippedBytes: 0, transferredBlobs: 0, skippedBlobs: 0 }])).toEqual([null]);
  });

  test('a tag can point at a removed image that was committed, not at one never committed', () => {
    expect(after(['tag:old', 'TagMoved', { tag: 'old', from: null, to: P }])).toEqual([null]);
  });

  test('an image never committed cannot be transferred or removed', () => {
    const ghost = d('ghost');
    expect(after([`image:${ghost}`, 'ImageTransferred', { imageId: ghost, direction: 'PULL', location: 'r/g', manifestDigest: d('m'),
      transferredBytes: 0, skippedBytes: 0, transferredBlobs: 0, skippedBlobs: 0 }])).toEqual([`event 17 (ImageTransferred): the image was never committed`]);
    expect(after([`image:${ghost}`, 'ImageRemoved', { imageId: ghost }])).toEqual([`event 17 (ImageRemoved): the image is not live`]);
  });

  test('a container exists once; a removed container cannot change, commit or be removed again', () => {
    expect(after(['container:c1', 'ContainerCreated', { containerId: 'c1', imageId: C, name: null }]))
      .toEqual([`event 17 (ContainerCreated): the container already exists`]);
    expect(after(['container:c1', 'ContainerFileChanged', fileChanged()])).toEqual([`event 17 (ContainerFileChanged): the container is not live`]);
    expect(after(['container:c1', 'ContainerCommitted', { containerId: 'c1', imageId: C }]))
      .toEqual([`event 17 (ContainerCommitted): the container is not live`]);
    expect(after(['container:c1', 'ContainerRemoved', { containerId: 'c1' }])).toEqual([`event 17 (ContainerRemoved): the container is not live`]);
    expect(after(['container:c9', 'ContainerFileChanged', fileChanged({ containerId: 'c9' })]))
      .toEqual([`event 17 (ContainerFileChanged): the container is not live`]);
  });

  test('a tag removed is gone: it moves again only from null', () => {
    expect(after(['tag:app:1', 'TagMoved', { tag: 'app:1', from: C, to: C }])).toEqual([`event 17 (TagMoved): data.from is not where the tag pointed`]);
    expect(after(['tag:app:1', 'TagMoved', { tag: 'app:1', from: null, to: C }])).toEqual([null]);
  });
});

describe('LogChecker: every field of every type (issue 25, second pass)', () => {
  /** Fields later versions added: an older log may lack them (logCheck.ts `optional`). */
  const OPTIONAL: Record<string, string[]> = { ImageCommitted: ['manifestMediaType'], ManifestDigestAdded: ['mediaType', 'layers'] };
  /** [type, nth, field] for every field of every event data in the valid log. */
  const FIELDS = STEPS().flatMap(([, type, data], i) => {
    const nth = STEPS().slice(0, i).filter(([, t]) => t === type).length;
    return Object.keys(data).map((field) => [type, nth, field] as [string, number, string]);
  });

  test('the valid log names every field of every type once or more', () => {
    expect(new Set(FIELDS.map(([t]) => t)).size).toBe(13);
    expect(FIELDS.length).toBeGreaterThan(70);
  });

  test.each(FIELDS.filter(([type, , f]) => !(OPTIONAL[type] ?? []).includes(f)))('%s #%i without data.%s is refused for that field', (type, nth, field) => {
    const at = IX(type, nth);
    const drop = (e: CheckedEvent): CheckedEvent => {
      const data = { ...(e.data as Data) };
      delete data[field];
      return { ...e, data };
    };
    expect(refusal(at, drop)).toBe(`event ${at + 1} (${type}): data.${field} is missing or malformed`);
  });

  test.each(FIELDS)('%s #%i with an object as data.%s is refused for that field', (type, nth, field) => {
    const at = IX(type, nth);
    const why = (OPTIONAL[type] ?? []).includes(field) ? 'is malformed' : 'is missing or malformed';
    expect(refusal(at, withData({ [field]: { x: 1 } }))).toBe(`event ${at + 1} (${type}): data.${field} ${why}`);
  });

  /** The valid log with one event's data changed: the reasons of all its events. */
  const accepted = (type: string, extra: Data, nth = 0) => {
    const steps = STEPS();
    const step = steps[IX(type, nth)] as [string, string, Data];
    step[2] = { ...step[2], ...extra };
    return reasons(logOf(steps)).filter((r) => r !== null);
  };

  test.each<[string, Data]>([
    ['ImageCommitted', { source: 'commit' }], ['ImageCommitted', { source: 'upgrade' }], ['ImageCommitted', { source: 'import' }],
    ['ImageTransferred', { direction: 'PULL' }], ['ImageTransferred', { direction: 'PUSH' }],
    ['ContainerFileChanged', { change: 'ADDED' }], ['ContainerFileChanged', { change: 'MODIFIED' }], ['ContainerFileChanged', { change: 'DELETED' }],
    ...['FILE', 'DIRECTORY', 'SYMLINK', 'HARDLINK', 'WHITEOUT', 'OPAQUE_WHITEOUT', 'OTHER'].map((kind): [string, Data] => ['ContainerFileChanged', { kind }]),
    ['ContainerFileChanged', { opaque: true }], ['ContainerFileChanged', { opaque: false }],
    ['ContainerFileChanged', { path: '/' }],
    // each nullable field with a value, and each count at zero
    ['ImageCommitted', { manifestDigest: d('m'), created: '2024-01-01T00:00:00Z', architecture: null, os: null, baseName: 'debian:12', baseDigest: d('b') }],
    ['ImageCommitted', { layers: [], history: [] }],
    ['ContainerFileChanged', { mode: null, uid: null, gid: null, linkTarget: '/etc/x', contentDigest: d('c'), size: 0 }],
    ['ContainerCreated', { name: 'web' }],
    ['LayerCommitted', { size: 0, fileCount: 0 }],
    ['ManifestDigestAdded', { layers: [{ diffId: L1, digest: null, mediaType: null, compressedSize: null }], mediaType: 'application/vnd.oci.image.manifest.v1+json' }],
    ['ManifestDigestAdded', { layers: [{ diffId: L2, digest: d('gz'), mediaType: 'application/x', compressedSize: 0 }] }],
    ['BlobsCollected', { removed: [], bytes: 0, leftovers: 3 }],
    ['BlobsCollected', { removed: [{ digest: BLOB, size: 0 }] }],
    ['EngineEventObserved', { timeNano: '0' }],
  ])('%s with %j is accepted', (type, extra) => {
    expect(accepted(type, extra)).toEqual([]);
  });

  test.each<[string, string, Data, string]>([
    ['a path that is not a string', 'ContainerFileChanged', { path: 5 }, 'data.path is missing or malformed'],
    ['an empty path', 'ContainerFileChanged', { path: '' }, 'data.path is missing or malformed'],
    ['a lowercase change', 'ContainerFileChanged', { change: 'added' }, 'data.change is missing or malformed'],
    ['a lowercase direction', 'ImageTransferred', { direction: 'pull' }, 'data.direction is missing or malformed'],
    ['an opaque flag of 1', 'ContainerFileChanged', { opaque: 1 }, 'data.opaque is missing or malformed'],
    ['a fractional mode', 'ContainerFileChanged', { mode: 0.5 }, 'data.mode is missing or malformed'],
    ['a size beyond 2^53', 'LayerCommitted', { size: 2 ** 53 }, 'data.size is missing or malformed'],
    ['an engine time with a letter after the digits', 'EngineEventObserved', { timeNano: '17x' }, 'data.timeNano is missing or malformed'],
    ['an engine time with a letter before the digits', 'EngineEventObserved', { timeNano: 'x17' }, 'data.timeNano is missing or malformed'],
    ['an empty engine time', 'EngineEventObserved', { timeNano: '' }, 'data.timeNano is missing or malformed'],
    ['an engine time that is a number', 'EngineEventObserved', { timeNano: 17 }, 'data.timeNano is missing or malformed'],
    ['a layer that is null', 'ImageCommitted', { layers: [null] }, 'data.layers holds a malformed layer'],
    ['a layer that is a list', 'ImageCommitted', { layers: [[L1]] }, 'data.layers holds a malformed layer'],
    ['a history step that is null', 'ImageCommitted', { history: [null] }, 'data.history holds a malformed step'],
    ['a history step that is a list', 'ImageCommitted', { history: [['RUN x']] }, 'data.history holds a malformed step'],
    ['a manifest layer blob that is null', 'ManifestDigestAdded', { layers: [null] }, 'data.layers holds a malformed layer blob'],
    ['a manifest layer blob that is a list', 'ManifestDigestAdded', { layers: [[L2]] }, 'data.layers holds a malformed layer blob'],
    ['a manifest layer blob with a bad diffId', 'ManifestDigestAdded', { layers: [{ diffId: 'l2', digest: null, mediaType: null, compressedSize: null }] },
      'data.layers holds a malformed layer blob'],
    ['a manifest layer blob with a fractional size', 'ManifestDigestAdded', { layers: [{ diffId: L2, digest: null, mediaType: null, compressedSize: 0.5 }] },
      'data.layers holds a malformed layer blob'],
    ['the second manifest layer blob malformed', 'ManifestDigestAdded', { layers: [{ diffId: L2, digest: null, mediaType: null, compressedSize: null }, { diffId: 'x' }] },
      'data.layers holds a malformed layer blob'],
    ['a collected blob that is null', 'BlobsCollected', { removed: [null] }, 'data.removed holds a malformed blob'],
    ['a collected blob that is a list', 'BlobsCollected', { removed: [[BLOB, 5]] }, 'data.removed holds a malformed blob'],
    ['a collected blob of a fractional size', 'BlobsCollected', { removed: [{ digest: BLOB, size: 0.5 }] }, 'data.removed holds a malformed blob'],
    ['the second layer never committed', 'ImageCommitted', { layers: [{ diffId: L1 }, { diffId: d('nope') }] }, `layer ${d('nope')} is used before its LayerCommitted`],
  ])('%s is refused (%s)', (_what, type, extra, why) => {
    const at = IX(type);
    expect(refusal(at, withData(extra))).toBe(`event ${at + 1} (${type}): ${why}`);
  });

  test('a manifest digest is added to a live image only; an image ID that is not a digest is refused first', () => {
    const at = IX('ManifestDigestAdded');
    expect(refusal(at, withData({ imageId: 'C' }))).toBe(`event ${at + 1} (ManifestDigestAdded): data.imageId is missing or malformed`);
    expect(refusal(at, withData({ manifestDigest: 'm' }))).toBe(`event ${at + 1} (ManifestDigestAdded): data.manifestDigest is missing or malformed`);
  });
});

describe('LogChecker: long streams are cut to 120 characters in the reason', () => {
  const long = `tag:${'t'.repeat(150)}`;
  test('a version out of order', () => {
    const checker = new LogChecker(sha256Hex);
    expect(checker.check({ position: 1, stream: long, version: 2, type: 'TagRemoved', schemaVersion: 1, data: {} }))
      .toBe(`event 1 (TagRemoved): version must be 1 in stream ${long.slice(0, 120)}`);
  });

  test('an event in a stream its data does not name: both streams cut', () => {
    const log = logOf(STEPS());
    const at = IX('TagMoved');
    const tag = 'x'.repeat(150);
    log[at] = { ...(log[at] as CheckedEvent), stream: long, data: { tag, from: null, to: P } };
    const why = reasons(log).find((r) => r !== null);
    expect(why).toBe(`event ${at + 1} (TagMoved): it belongs in stream ${`tag:${tag}`.slice(0, 120)}, not ${long.slice(0, 120)}`);
    expect(`tag:${tag}`.slice(0, 120)).toHaveLength(120);
  });
});

describe('LogChecker: only refusals become reasons', () => {
  test('a failure of the checker itself (here its hash function) is thrown, not reported as the event\'s fault', () => {
    const checker = new LogChecker(() => { throw new Error('hash function failed'); });
    const log = logOf(STEPS());
    expect(checker.check(log[0] as CheckedEvent)).toBeNull();
    expect(() => checker.check(log[IX('ImageCommitted')] as CheckedEvent)).toThrow('hash function failed');
  });
});
