/**
 * Issue 14 item 5: every compressed figure belongs to one named manifest.
 * The same image (same config, same DiffIDs) is imported as a docker-archive
 * (uncompressed layer tars, no manifest digest), as a gzip OCI layout and as an
 * uncompressed OCI layout, in several orders, on every backend. The oracle is
 * each manifest's own bytes: config.size + the layers' sizes as it lists them.
 */
import { Readable } from 'node:stream';
import { recordImport } from '../../src/application/importImages';
import { readImages } from '../../src/importers';
import { LogChecker, type CheckedEvent } from '../../src/domain/logCheck';
import { sha256Hex } from '../../src/support/sha256';
import { openTestApp } from '../helpers/app';
import { backendNames } from '../helpers/backends';
import { archiveTar, buildImage, dockerLegacy, ociLayout, type BuiltImage, type LayerSpec } from '../helpers/archiveBuilder';

const layerSpecs: LayerSpec[] = [
  { entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=alpine\n' },
    { name: 'bin/busybox', content: 'b'.repeat(40_000), mode: 0o755 }] },
  { entries: [{ name: 'app/', type: 'directory' }, { name: 'app/data.txt', content: 'hello '.repeat(5_000) }] },
];

interface Variant { name: string; built: BuiltImage; archive: Buffer }

async function variants(): Promise<Record<'docker' | 'ociGzip' | 'ociPlain', Variant>> {
  const plain = await buildImage({ layers: layerSpecs.map((l) => ({ ...l, compression: 'none' as const })) });
  const gz = await buildImage({ layers: layerSpecs.map((l) => ({ ...l, compression: 'gzip' as const })) });
  expect(gz.configDigest).toBe(plain.configDigest); // one image, several packagings
  expect(gz.manifestDigest).not.toBe(plain.manifestDigest);
  return {
    docker: { name: 'docker-archive', built: plain, archive: await archiveTar(dockerLegacy([{ image: plain, repoTags: ['app:1'] }])) },
    ociGzip: { name: 'gzip OCI', built: gz, archive: await archiveTar(ociLayout([gz])) },
    ociPlain: { name: 'uncompressed OCI', built: plain, archive: await archiveTar(ociLayout([plain])) },
  };
}

/** What the manifest's own bytes say: its media type and config + layer blob sizes. */
function oracle(b: BuiltImage): { digest: string; mediaType: string; compressedSize: number; layersSize: number } {
  const m = JSON.parse(b.manifest.toString('utf8'));
  const layersSize = (m.layers as { size: number }[]).reduce((s, l) => s + l.size, 0);
  return { digest: b.manifestDigest, mediaType: m.mediaType, compressedSize: m.config.size + layersSize, layersSize };
}

const QUERY = `query($id: String!) { image(ref: $id) { imageId manifestDigest manifestDigests compressedSize
  manifests { digest mediaType compressedSize } } }`;

describe.each(backendNames())('Image.manifests on %s', (backend) => {
  const orders: ('docker' | 'ociGzip' | 'ociPlain')[][] = [
    ['docker', 'ociGzip'], ['ociGzip', 'docker'], ['docker', 'ociGzip', 'ociPlain'], ['ociPlain', 'docker', 'ociGzip'],
  ];
  test.each(orders.map((o) => [o.join(' then '), o] as const))('%s', async (_label, order) => {
    const v = await variants();
    const t = await openTestApp(backend);
    try {
      for (const k of order) await recordImport(t.app, await readImages(Readable.from([v[k].archive])));
      const { image } = await t.gql(QUERY, { id: v.docker.built.configDigest });
      const named = order.filter((k) => k !== 'docker').map((k) => oracle(v[k].built));
      expect(image.manifestDigests).toEqual(named.map((n) => n.digest));
      expect(image.manifests).toEqual(named.map(({ digest, mediaType, compressedSize }) => ({ digest, mediaType, compressedSize })));
      // The image's own compressed figure is that of the manifest shown next to it.
      const shown = named.find((n) => n.digest === image.manifestDigest)!;
      expect(image.compressedSize).toBe(shown.layersSize);
      // gzip really is smaller than the tars: a packaging-mixed figure would show here.
      if (image.manifestDigest === v.ociGzip.built.manifestDigest) {
        expect(image.compressedSize).toBeLessThan(oracle(v.ociPlain.built).layersSize);
      }
    } finally { await t.close(); }
  });

  test('an import log written before manifests carried blobs still folds (ManifestDigestAdded with digest only)', async () => {
    const v = await variants();
    const t = await openTestApp(backend);
    try {
      await recordImport(t.app, await readImages(Readable.from([v.docker.archive])));
      const head = (await t.gql('{ head }')).head as number;
      await t.app.store.append([{ stream: `image:${v.docker.built.configDigest}`, expectedVersion: 1,
        events: [{ type: 'ManifestDigestAdded', data: { imageId: v.docker.built.configDigest, manifestDigest: v.ociGzip.built.manifestDigest } }] }],
      { actor: 'old-strata' } as never);
      expect((await t.gql('{ head }')).head).toBe(head + 1);
      const { image } = await t.gql(QUERY, { id: v.docker.built.configDigest });
      expect(image.manifests).toEqual([{ digest: v.ociGzip.built.manifestDigest, mediaType: null, compressedSize: null }]);
      expect(image.compressedSize).toBeNull(); // unknown for that manifest, rather than another packaging's figure
    } finally { await t.close(); }
  });
});

describe('the import-log checker', () => {
  /** Checks a whole log; the first refusal or null. */
  const refusal = (events: readonly CheckedEvent[]): string | null => {
    const c = new LogChecker(sha256Hex);
    for (const e of events) { const why = c.check(e); if (why) return why; }
    return null;
  };

  test('accepts ManifestDigestAdded with and without the manifest\'s blobs, refuses malformed blobs', async () => {
    const v = await variants();
    const t = await openTestApp('sqlite');
    try {
      for (const k of ['docker', 'ociGzip'] as const) await recordImport(t.app, await readImages(Readable.from([v[k].archive])));
      const log: CheckedEvent[] = (await t.app.store.readRange(1)).map((e) => ({ position: e.position, stream: e.stream,
        version: e.version, type: e.type, schemaVersion: e.schemaVersion, data: JSON.parse(JSON.stringify(e.data)) }));
      const added = log.findIndex((e) => e.type === 'ManifestDigestAdded');
      expect((log[added]!.data as any).layers).toHaveLength(2);
      expect(refusal(log)).toBeNull();
      const withData = (data: Record<string, unknown>) => log.map((e, i) => (i === added ? { ...e, data } : e));
      const { imageId, manifestDigest } = log[added]!.data as any;
      expect(refusal(withData({ imageId, manifestDigest }))).toBeNull(); // written before the fields existed
      expect(refusal(withData({ imageId, manifestDigest, mediaType: 7, layers: [] }))).toMatch(/data\.mediaType is malformed/);
      expect(refusal(withData({ imageId, manifestDigest, layers: [{ diffId: 'x' }] }))).toMatch(/malformed layer blob/);
    } finally { await t.close(); }
  });
});
