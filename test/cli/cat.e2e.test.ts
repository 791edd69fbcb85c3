/**
 * File contents (issue 23): `strata cat` as a user runs it (bin/strata.js) and
 * MergedFile.content, on images imported through the CLI with their blobs kept.
 * The expected bytes are the ones the test wrote into the layer tars.
 *   layer 0 (gzip): /etc/os-release, /data/big (300 KiB), /etc/base-link (hard link to os-release)
 *   layer 1 (zstd): /etc/os-release overwritten, /bin/tool, /bin/tool-link (hard link, same layer),
 * (A hard link onto a lower layer is refused at import, so links resolve within their layer.)
 * app:2 = [layer 0, layer 1]; app:1 = [layer 0] (tagged first, so --as-of can see it before app:2 exists).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { graphql } from 'graphql';
import { archiveTar, buildImage, docker25 } from '../helpers/archiveBuilder';
import { backendNames, freshDb, tempDir, type TestDb } from '../helpers/backends';
import { Strata } from '../../src/application/strata';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [BIN, ...args],
  { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, maxBuffer: 1 << 26 });

const BIG = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
const OLD_RELEASE = 'ID=debian\nVERSION_ID=12\n';
const NEW_RELEASE = 'ID=debian\nVERSION_ID=13\n';
const TOOL = '#!/bin/sh\necho tool\n';

async function archives(dir: string): Promise<{ v1: string; v2: string }> {
  const l0 = { compression: 'gzip' as const, entries: [
    { name: 'etc/', type: 'directory' as const }, { name: 'etc/os-release', content: OLD_RELEASE },
    { name: 'data/', type: 'directory' as const }, { name: 'data/big', content: BIG },
    { name: 'etc/base-link', type: 'link' as const, linkname: 'etc/os-release' },
  ] };
  const l1 = { compression: 'zstd' as const, entries: [
    { name: 'etc/os-release', content: NEW_RELEASE },
    { name: 'bin/', type: 'directory' as const }, { name: 'bin/tool', content: TOOL, mode: 0o755 },
    { name: 'bin/tool-link', type: 'link' as const, linkname: 'bin/tool' }
  ] };
  const v1 = path.join(dir, 'v1.tar');
  const v2 = path.join(dir, 'v2.tar');
  fs.writeFileSync(v1, await archiveTar(docker25(await buildImage({ layers: [l0] }), { name: 'app', tag: '1' })));
  fs.writeFileSync(v2, await archiveTar(docker25(await buildImage({ layers: [l0, l1] }), { name: 'app', tag: '2' })));
  return { v1, v2 };
}

describe.each(backendNames())('file contents from the blob store (%s)', (backend) => {
  let dir: string;
  let db: TestDb;
  let blobs: string;
  let bare: TestDb;
  let headAfterV1 = '';
  beforeAll(async () => {
    dir = tempDir();
    blobs = path.join(dir, 'blobs');
    db = await freshDb(backend);
    bare = await freshDb(backend);
    const { v1, v2 } = await archives(dir);
    for (const a of [v1, v2]) {
      const r = run(['import', a, '--db', db.url, '--blobs', blobs]);
      expect(r.stderr.toString()).toBe('');
      expect(r.status).toBe(0);
      const m = run(['import', a, '--db', bare.url, '--blobs', path.join(dir, 'bare-blobs')], { STRATA_KEEP_BLOBS: '0' });
      expect(m.status).toBe(0);
      if (a === v1) headAfterV1 = String(JSON.parse(run(['query', '{ head }', '--db', db.url]).stdout.toString()).data.head);
    }
  }, 120_000);
  afterAll(async () => { await db.drop(); await bare.drop(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('strata cat prints the top layer\'s copy, big files whole, and follows hard links', () => {
    const cat = (p: string, ...more: string[]) => run(['cat', 'app:2', p, '--db', db.url, '--blobs', blobs, ...more]);
    const rel = cat('/etc/os-release');
    expect(rel.status).toBe(0);
    expect(rel.stdout.toString()).toBe(NEW_RELEASE);
    expect(Buffer.compare(cat('/data/big').stdout, BIG)).toBe(0);
    expect(cat('/bin/tool-link').stdout.toString()).toBe(TOOL);
    // The base layer's link names the base layer's copy, which the top layer has since replaced.
    expect(cat('/etc/base-link').stdout.toString()).toBe(OLD_RELEASE);
  });

  it('strata cat --as-of reads the image as the log knew it; bad input is one line with an exit code', () => {
    const at1 = run(['cat', 'app:1', '/etc/os-release', '--db', db.url, '--blobs', blobs, '--as-of', headAfterV1]);
    expect(at1.stdout.toString()).toBe(OLD_RELEASE);
    const early = run(['cat', 'app:2', '/etc/os-release', '--db', db.url, '--blobs', blobs, '--as-of', headAfterV1]);
    expect(early.status).not.toBe(0);
    expect(early.stderr.toString()).toMatch(/no image "app:2" at position \d+/);
    const missing = run(['cat', 'app:2', '/nope', '--db', db.url, '--blobs', blobs]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr.toString().trim().split('\n')).toHaveLength(1);
    const dirCat = run(['cat', 'app:2', '/etc', '--db', db.url, '--blobs', blobs]);
    expect(dirCat.status).not.toBe(0);
    expect(dirCat.stderr.toString()).toMatch(/not a regular file/);
    expect(dirCat.stderr.toString()).not.toMatch(/\n\s+at /);
  });

  it('refuses, with a code, an image imported without its blobs', async () => {
    const r = run(['cat', 'app:2', '/etc/os-release', '--db', bare.url, '--blobs', path.join(dir, 'bare-blobs')]);
    expect(r.status).not.toBe(0);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(/not available.*STRATA_KEEP_BLOBS=0/);
    const app = await Strata.open(bare.url, { blobs: path.join(dir, 'bare-blobs') });
    try {
      const res = await graphql({ schema: buildExecutableSchema(app.store), contextValue: createContext(app, { actor: 't', canWrite: false }),
        source: '{ image(ref: "app:2") { file(path: "/etc/os-release") { path content { base64 } } } }' });
      expect(res.data).toEqual({ image: { file: { path: '/etc/os-release', content: null } } });
      expect((res.errors?.[0]?.originalError as any)?.code).toBe('NOT_FOUND');
    } finally { await app.close(); }
  });

  it('MergedFile.content pages with offset and length, and files() reaches content too', async () => {
    const app = await Strata.open(db.url, { blobs });
    const asOf1 = Number(headAfterV1);
    const q = async (source: string, variableValues?: Record<string, unknown>) => graphql({ schema: buildExecutableSchema(app.store),
      contextValue: createContext(app, { actor: 't', canWrite: false }), source, variableValues });
    try {
      const r = await q(`query($o: Bytes, $l: Bytes) { image(ref: "app:2") { file(path: "/data/big") {
        content(offset: $o, length: $l) { base64 size truncated } } } }`, { o: 100_000, l: 5000 });
      expect(r.errors).toBeUndefined();
      const c = (r.data as any).image.file.content;
      expect(Buffer.from(c.base64, 'base64')).toEqual(BIG.subarray(100_000, 105_000));
      expect([c.size, c.truncated]).toEqual([BIG.length, true]);
      const tail = await q('{ image(ref: "app:2") { file(path: "/data/big") { content(offset: 307000, length: 100000) { base64 truncated } } } }');
      const t = (tail.data as any).image.file.content;
      expect(Buffer.from(t.base64, 'base64')).toEqual(BIG.subarray(307000));
      expect(t.truncated).toBe(false);
      const asOf = await q(`{ image(ref: "app:1", asOf: ${asOf1}) { files(path: "/etc") { edges { node { path content { base64 } } } } } }`);
      const nodes = (asOf.data as any).image.files.edges.map((e: any) => [e.node.path, Buffer.from(e.node.content.base64, 'base64').toString()]);
      expect(nodes).toEqual([['/etc/base-link', OLD_RELEASE], ['/etc/os-release', OLD_RELEASE]]);
      const bad = await q('{ image(ref: "app:2") { file(path: "/data/big") { content(offset: -1) { size } } } }');
      expect(bad.errors?.[0]?.message).toMatch(/Bytes|offset/);
    } finally { await app.close(); }
  });
});
