/**
 * Bad input is refused with INVALID_ARCHIVE and a one-line reason, never a
 * partial result (docs/domain.md §6, Verification; contract cli.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readImages, type ImportOptions } from '../../src/importers';
import { DomainError } from '../../src/domain/errors';
import {
  addBlob, archiveTar, blobName, buildImage, buildLayer, dockerLegacy, gzip, hexOf, indexJson, ociLayout, sha256, tarBytes, writeDir, zstd,
  type FileMap, type LayerSpec, type TarEntrySpec,
} from '../helpers/archiveBuilder';
import { ustarHeader } from '../reliability/tarCraft';

const layer: LayerSpec = { entries: [{ name: 'a/', type: 'directory' }, { name: 'a/b.txt', content: 'bbbb' }, { name: 'c.txt', content: 'cc' }] };

async function invalid(source: Buffer | string, re: RegExp, options?: ImportOptions): Promise<string> {
  const src = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  const result = await readImages(src, options).then(
    (images) => ({ ok: true as const, images }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (result.ok) throw new Error(`expected a failure matching ${re}, got ${result.images.length} image(s)`);
  const e = result.error as DomainError;
  expect(e).toBeInstanceOf(DomainError);
  expect({ code: e.code, message: e.message }).toEqual({ code: 'INVALID_ARCHIVE', message: expect.stringMatching(re) });
  expect(e.message).not.toMatch(/[\r\n]/);
  return e.message;
}

/** An OCI layout whose manifest is rewritten by `edit` (index.json follows). */
async function ociWith(edit: (m: any, files: FileMap) => void, spec: { layers?: LayerSpec[] } = {}): Promise<FileMap> {
  const img = await buildImage({ layers: spec.layers ?? [layer] });
  const files = ociLayout([img]);
  files.delete(blobName(img.manifestDigest));
  const m = JSON.parse(img.manifest.toString());
  edit(m, files);
  const d = addBlob(files, Buffer.from(JSON.stringify(m)));
  files.set('index.json', indexJson([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...d }]));
  files.delete('oci-layout');
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  return files;
}

/** An image whose one layer is built from raw tar entries. */
const withEntries = async (entries: TarEntrySpec[]): Promise<Buffer> => archiveTar(ociLayout([await buildImage({ layers: [{ entries }] })]));

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'strata-bad-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('blob verification', () => {
  it('layer size differs from its descriptor', async () => {
    await invalid(await archiveTar(await ociWith((m) => { m.layers[0].size += 1; })), /layer 1\/1: size \d+ does not match the descriptor size \d+/);
  });

  it('layer digest differs from its descriptor (same size, other bytes)', async () => {
    const files = await ociWith(() => undefined);
    const img = await buildImage({ layers: [layer] });
    const good = img.layers[0]!.blob;
    for (const at of [1024, 0]) { // file data of a/b.txt, or a header (then the scan fails too)
      const copy = Buffer.from(good);
      copy[at] = (copy[at] ?? 0) ^ 1;
      files.set(blobName(img.layers[0]!.digest), copy);
      const re = new RegExp(`digest ${sha256(copy)} does not match the descriptor digest ${img.layers[0]!.digest}`);
      await invalid(await archiveTar(files), re);
      const dir = join(tmp, `tamper-${at}`);
      writeDir(dir, files);
      await invalid(dir, re);
    }
  });

  it('config digest differs from its descriptor', async () => {
    await invalid(await archiveTar(await ociWith((m) => { m.config.digest = `sha256:${'0'.repeat(64)}`; })), /config: "blobs\/sha256\/0{64}" is missing from the archive/);
    const files = await ociWith(() => undefined);
    const img = await buildImage({ layers: [layer] });
    const cfg = Buffer.from(img.config.toString().replace('"amd64"', '"AMD64"'));
    files.set(blobName(img.configDigest), cfg);
    await invalid(await archiveTar(files), new RegExp(`config: digest ${sha256(cfg)} does not match the descriptor digest ${img.configDigest}`));
  });

  it('docker-archive config whose name is not its digest (image ID)', async () => {
    const img = await buildImage({ layers: [layer] });
    const files = dockerLegacy([{ image: img, repoTags: ['x:1'] }]);
    const other = `${'e'.repeat(64)}.json`;
    files.set(other, img.config);
    files.delete(`${hexOf(img.configDigest)}.json`);
    files.set('manifest.json', Buffer.from(JSON.stringify([{ ...JSON.parse(files.get('manifest.json')!.toString())[0], Config: other }])));
    await invalid(await archiveTar(files), new RegExp(`its digest ${img.configDigest} does not match the name sha256:e{64}`));
  });

  it('manifest blob digest differs from the index descriptor', async () => {
    const img = await buildImage({ layers: [layer] });
    const files = ociLayout([img]);
    const tampered = Buffer.from(img.manifest.toString().replace('"schemaVersion": 2', '"schemaVersion":  2'));
    files.set(blobName(img.manifestDigest), tampered.subarray(0, img.manifest.length));
    await invalid(await archiveTar(files), /manifest sha256:[0-9a-f]{64}: digest sha256:[0-9a-f]{64} does not match the descriptor digest/);
  });

  it('missing layer blob', async () => {
    const img = await buildImage({ layers: [layer] });
    const files = ociLayout([img]);
    files.delete(blobName(img.layers[0]!.digest));
    await invalid(await archiveTar(files), /layer 1\/1: "blobs\/sha256\/[0-9a-f]{64}" is missing from the archive/);
  });

  it('a reason stays on one line even when an archive path holds a line break', async () => {
    const files: FileMap = new Map([['manifest.json', Buffer.from(JSON.stringify([{ Config: 'x\ny.json', RepoTags: [], Layers: [] }]))]]);
    await invalid(await archiveTar(files), /"x y\.json" is missing from the archive/);
  });

  it('missing legacy layer.tar and dangling symlink', async () => {
    const img = await buildImage({ layers: [layer, layer] });
    const files = dockerLegacy([{ image: img, repoTags: [] }]);
    const first = [...files.keys()].find((k) => k.endsWith('/layer.tar'))!;
    files.delete(first);
    await invalid(await archiveTar(files), /layer 1\/2: ".*\/layer.tar" is missing from the archive/);
  });
});

describe('image consistency', () => {
  it('len(layers) != len(rootfs.diff_ids)', async () => {
    const img = await buildImage({ layers: [layer], diffIds: [sha256('a'), sha256('b')] });
    await invalid(await archiveTar(ociLayout([img])), /lists 1 layers but the config has 2 diff_ids/);
  });

  it('a DiffID differs from the config diff_id', async () => {
    const img = await buildImage({ layers: [layer], diffIds: [sha256('other')] });
    await invalid(await archiveTar(dockerLegacy([{ image: img, repoTags: [] }])), new RegExp(`DiffID ${img.layers[0]!.diffId} does not match the config diff_id ${sha256('other')}`));
  });

  it('more non-empty history entries than layers', async () => {
    const img = await buildImage({ layers: [layer], history: [{ created_by: 'a' }, { created_by: 'b', empty_layer: true }, { created_by: 'c' }] });
    await invalid(await archiveTar(ociLayout([img])), /history has 2 non-empty entries but the image has only 1 layers/);
  });
});

describe('archive structure', () => {
  it('a plain root filesystem tar is not an image', async () => {
    await invalid(await tarBytes([{ name: 'etc/', type: 'directory' }, { name: 'etc/hostname', content: 'x\n' }]),
      /^invalid archive: not an image archive: no manifest\.json or index\.json \(this looks like a root filesystem tar\)$/);
  });

  it('an empty tar and empty input', async () => {
    await invalid(await tarBytes([]), /the tar is empty/);
    await invalid(Buffer.alloc(0), /the tar is empty/);
  });

  it('junk that is not a tar', async () => {
    await invalid(Buffer.from('this is not a tar archive at all, just some text '.repeat(30)), /cannot read the archive as a tar/);
  });

  it('a truncated archive', async () => {
    const t = await archiveTar(ociLayout([await buildImage({ layers: [layer] })]));
    await invalid(t.subarray(0, Math.floor(t.length / 2) + 100), /cannot read the archive as a tar: .*(truncated|Unexpected end)/);
  });

  it('a truncated gzip-compressed archive', async () => {
    const t = gzip(await archiveTar(ociLayout([await buildImage({ layers: [layer] })])));
    await invalid(t.subarray(0, t.length - 20), /cannot read the archive as a tar: .*(unexpected end|truncated)/i);
  });

  it('a directory without index.json or manifest.json, and a path that does not exist', async () => {
    const dir = join(tmp, 'empty');
    writeDir(dir, new Map([['README', Buffer.from('hi')]]));
    await invalid(dir, /not an image archive: no manifest\.json or index\.json in directory/);
    await expect(readImages(join(tmp, 'nope.tar'))).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/no such file/) });
  });
});

describe('JSON documents', () => {
  it('manifest.json that does not parse', async () => {
    const files: FileMap = new Map([['manifest.json', Buffer.from('[{"Config": ')]]);
    await invalid(await archiveTar(files), /manifest\.json is not valid JSON/);
  });

  it('index.json that is not JSON at all', async () => {
    const files = ociLayout([await buildImage({ layers: [layer] })]);
    files.set('index.json', Buffer.from('hello'));
    await invalid(await archiveTar(files), /index\.json .*is not valid JSON/);
  });

  it('a config that does not parse (digest correct)', async () => {
    const files = await ociWith((m, f) => {
      const bad = Buffer.from('{"rootfs": ');
      const d = addBlob(f, bad);
      m.config.digest = d.digest;
      m.config.size = d.size;
    });
    await invalid(await archiveTar(files), /config is not valid JSON/);
  });

  it('JSON documents over 20 MiB, in a tar and in a directory', async () => {
    const files = await ociWith((m, f) => {
      const big = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [] }, pad: 'x'.repeat(21 * 1024 * 1024) }));
      const d = addBlob(f, big);
      m.config.digest = d.digest;
      m.config.size = d.size;
    });
    await invalid(await archiveTar(files), /config is larger than the 20971520-byte limit for JSON documents/);
    const dir = join(tmp, 'bigjson');
    writeDir(dir, files);
    await invalid(dir, /config is larger than the 20971520-byte limit for JSON documents/);
  });
});

describe('tar headers and layer entries', () => {
  it('PAX header over 1 MiB', async () => {
    await invalid(await withEntries([{ name: 'f', content: 'x', pax: { comment: 'y'.repeat(1024 * 1024 + 10) } }]), /PAX\/long-name header of \d+ bytes exceeds the 1048576-byte limit/);
  });

  it.each([
    ['../etc/passwd', /not local/],
    ['a/../../x', /not local/],
    ['.wh.', /invalid whiteout name/],
    ['a/.wh..', /invalid whiteout name/],
    ['a/.wh...', /invalid whiteout name/],
  ])('rejects the layer entry name %s', async (name, re) => {
    await invalid(await withEntries([{ name: 'a/', type: 'directory' }, { name, content: '' }]), re);
  });

  it('rejects hard links whose target escapes', async () => {
    await invalid(await withEntries([{ name: 'x', type: 'link', linkname: '../../etc/shadow' }]), /hard link target .* is not local/);
  });

  it('a link, device or FIFO header declaring data: Docker would read none, so the two trees could differ', async () => {
    // Go's archive/tar reads the block after `a` as the next header ("hidden"); a reader honouring the size would skip
    // "hidden" whole and go on at "c": one file in Docker's tree, missing from Strata's.
    const hidden = Buffer.concat([ustarHeader({ name: 'hidden', size: 6 }), Buffer.from('secret'), Buffer.alloc(506)]);
    const tail = Buffer.concat([ustarHeader({ name: 'c', size: 1 }), Buffer.from('x'), Buffer.alloc(511), Buffer.alloc(1024)]);
    const cases: [string, string, RegExp][] = [
      ['2', 'c', /layer 1\/1: .*a symbolic link entry declares 1024 bytes of data/],
      ['1', 'c', /layer 1\/1: .*a hard link entry declares 1024 bytes of data/],
      ['6', '', /layer 1\/1: .*a FIFO entry declares 1024 bytes of data/],
    ];
    for (const [type, linkname, re] of cases) {
      const rawTar = Buffer.concat([ustarHeader({ name: 'a', type, size: 1024, linkname }), hidden, tail]);
      await invalid(await archiveTar(ociLayout([await buildImage({ layers: [{ entries: [], rawTar }] })])), re);
    }
    // The same layer with the size Docker reads (none) imports, "hidden" included.
    const rawTar = Buffer.concat([ustarHeader({ name: 'a', type: '2', size: 0, linkname: 'c' }), hidden, tail]);
    const [img] = await readImages(Readable.from([await archiveTar(ociLayout([await buildImage({ layers: [{ entries: [], rawTar }] })]))]));
    expect(img!.layers[0]!.entries.map((e) => e.path)).toEqual(['/a', '/hidden', '/c']);
  });

  it('sparse files: Docker extracts them under another name and size than the header says; refused', async () => {
    // GNU tar --sparse --format=pax writes the file under "GNUSparseFile.N/name" with its real name in a PAX record;
    // Go's archive/tar (Docker) extracts it as "name" ("etc/passwd" here), Strata would have seen another path.
    const pax = { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'etc/passwd', 'GNU.sparse.realsize': '9' };
    const paxSparse: LayerSpec = { entries: [{ name: 'GNUSparseFile.0/passwd', content: '1\n0\n9\nroot:x:0', pax }] };
    await invalid(await archiveTar(ociLayout([await buildImage({ layers: [paxSparse] })])), /layer 1\/1: .*sparse file/);
    const oldGnu = Buffer.concat([ustarHeader({ name: 'holes', type: 'S', size: 0 }), Buffer.alloc(1024)]);
    await invalid(await archiveTar(ociLayout([await buildImage({ layers: [{ entries: [], rawTar: oldGnu }] })])), /layer 1\/1: .*sparse file/);
    // Other PAX records still import (a PAX path, as tar writes for long names).
    const [img] = await readImages(Readable.from([await archiveTar(ociLayout([await buildImage({ layers: [
      { entries: [{ name: 'x', content: 'ok', pax: { path: 'etc/passwd', 'SCHILY.xattr.user.k': 'v' } }] }] })]))]));
    expect(img!.layers[0]!.entries.map((e) => e.path)).toEqual(['/etc/passwd']);
  });

  it('a global PAX header that sets path, size or an owner: Docker applies none of it, other readers would; refused', async () => {
    const paxRecord = (k: string, v: string): string => {
      const body = ` ${k}=${v}\n`;
      let n = body.length + 1;
      while (String(n).length + body.length !== n) n = String(n).length + body.length;
      return `${n}${body}`;
    };
    const globalPax = (records: string): Buffer => {
      const data = Buffer.from(records);
      return Buffer.concat([ustarHeader({ name: 'pax_global_header', type: 'g', size: data.length }), data, Buffer.alloc(512 - data.length)]);
    };
    const file = Buffer.concat([ustarHeader({ name: 'f', size: 2 }), Buffer.from('ok'), Buffer.alloc(510), Buffer.alloc(1024)]);
    for (const key of ['path', 'uid', 'size']) {
      const rawTar = Buffer.concat([globalPax(paxRecord(key, key === 'path' ? 'etc/passwd' : '2')), file]);
      await invalid(await archiveTar(ociLayout([await buildImage({ layers: [{ entries: [], rawTar }] })])),
        new RegExp(`layer 1/1: .*a global PAX header sets "${key}"`));
    }
    // git archive's global header (a comment) imports; a local PAX uid sets the owner Docker extracts with.
    const rawTar = Buffer.concat([globalPax(paxRecord('comment', 'f00d')), file]);
    const [img] = await readImages(Readable.from([await archiveTar(ociLayout([await buildImage({ layers: [
      { entries: [], rawTar }, { entries: [{ name: 'owned', content: 'ok', pax: { uid: '4321', gid: '8765' } }] }] })]))]));
    expect(img!.layers.map((l) => l.entries.map((e) => [e.path, e.uid, e.gid]))).toEqual([[['/f', 0, 0]], [['/owned', 4321, 8765]]]);
  });

  it('a layer blob that is not a tar', async () => {
    const junk = Buffer.alloc(1024, 0x41);
    await invalid(await archiveTar(ociLayout([await buildImage({ layers: [{ entries: [], rawTar: junk }] })])), /layer 1\/1: .*invalid tar header/i);
  });

  it('a layer tar cut inside an entry (descriptor matching the cut blob)', async () => {
    const full = (await buildLayer(layer)).tar;
    await invalid(await archiveTar(ociLayout([await buildImage({ layers: [{ entries: [], rawTar: full.subarray(0, 1100) }] })])), /layer 1\/1: .*truncated tar/);
  });

  it('truncated gzip and zstd layers', async () => {
    const t = (await buildLayer({ entries: [{ name: 'big', content: 'q'.repeat(100000) + Math.random() }] })).tar;
    for (const blob of [gzip(t), zstd(t)]) {
      const cut = blob.subarray(0, blob.length - 8);
      const files = await ociWith((m, f) => {
        const d = addBlob(f, cut);
        m.layers[0] = { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...d };
      });
      await invalid(await archiveTar(files), /layer 1\/1: .*(unexpected end|zstd|truncated)/i);
    }
  });
});

describe('caps', () => {
  it('total uncompressed bytes', async () => {
    const t = await archiveTar(ociLayout([await buildImage({ layers: [layer] })]));
    await invalid(t, /archive exceeds the limit of 1000 uncompressed bytes/, { maxTotalBytes: 1000 });
    await expect(readImages(Readable.from([t]), { maxTotalBytes: 1_000_000 })).resolves.toHaveLength(1);
  });

  it('entry count', async () => {
    const t = await archiveTar(ociLayout([await buildImage({ layers: [layer] })]));
    await invalid(t, /archive exceeds the limit of 5 tar entries/, { maxEntries: 5 });
    await expect(readImages(Readable.from([t]), { maxEntries: 100 })).resolves.toHaveLength(1);
  });
});
