/**
 * Pull and push against the real thing (issue 18): Debian's Distribution
 * (`docker-registry serve`, htpasswd auth) and skopeo as the independent
 * client — skopeo pushes what Strata pulls and inspects what Strata pushes,
 * and the digests must agree. Strata runs as users run it (bin/strata.js,
 * `strata serve`).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { startRegistry, skopeo, type TestRegistry } from '../helpers/registry';
import { buildImage, indexJson, manifestDescriptor, ociLayout, writeDir, type BuiltImage, sha256 } from '../helpers/archiveBuilder';
import { gqlHttp, startServerProcess } from '../helpers/serverProcess';
import { parseExposition, valueOf } from '../ops/exposition';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const strata = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
const ok = (args: string[], env: Record<string, string> = {}) => {
  const r = strata(args, env);
  if (r.status !== 0) throw new Error(`strata ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
/** For the fake registry served by this process: spawnSync would block it from answering. */
const strataAsync = (args: string[]) => new Promise<{ status: number | null; stderr: string }>((resolve) => {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d; });
  child.on('close', (status) => resolve({ status, stderr }));
});
const REF = 'org.opencontainers.image.ref.name';
const AUTH = ['--creds', 'tester:s3cret', '--tls-verify=false'];
const SK_AUTH = ['--dest-tls-verify=false', '--dest-creds', 'tester:s3cret'];
const SRC_AUTH = ['--src-tls-verify=false', '--src-creds', 'tester:s3cret'];

/** skopeo pushes a built image to the registry (its own client, not Strata's). */
function skopeoPush(dir: string, img: BuiltImage | BuiltImage[], dest: string, all = false): void {
  const imgs = Array.isArray(img) ? img : [img];
  const layout = path.join(dir, `layout-${Math.random().toString(36).slice(2)}`);
  const index = all
    ? (() => {
      const files = ociLayout(imgs);
      const inner = indexJson(imgs.map((i) => manifestDescriptor(i)));
      files.set(`blobs/sha256/${sha256(inner).slice(7)}`, inner);
      files.set('index.json', indexJson([{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256(inner), size: inner.length,
        annotations: { [REF]: 't' } }]));
      return files;
    })()
    : ociLayout(imgs, indexJson([manifestDescriptor(imgs[0]!, { annotations: { [REF]: 't' } })]));
  writeDir(layout, index);
  skopeo(['copy', ...(all ? ['--all'] : []), ...SK_AUTH, `oci:${layout}:t`, dest]);
}

/** sha256 of the manifest bytes skopeo fetches for `ref` (the digest the tag names). */
function inspectDigest(ref: string): string {
  const r = spawnSync('skopeo', ['--insecure-policy', 'inspect', '--raw', '--tls-verify=false', '--creds', 'tester:s3cret', ref]);
  if (r.status !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr}`);
  return sha256(r.stdout);
}

function query(db: string, doc: string): any {
  return JSON.parse(ok(['query', doc, '--db', db])).data;
}

const head = (db: string): number => query(db, '{ head }').head as number;

const big = (seed: string, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + seed.length) % 26))).join(''));

describeWithPeers(['registry', 'skopeo'])('pull and push over the OCI Distribution API (Distribution + skopeo)', () => {
  let dir: string;
  let reg: TestRegistry;
  let v1: BuiltImage;
  let v2: BuiltImage;
  let arm: BuiltImage;
  let H: string;
  const base = { entries: [{ name: 'etc/os-release', content: 'ID=strata-test\n' }, { name: 'bin/tool', content: big('base', 200_000) }],
    compression: 'gzip' as const };

  beforeAll(async () => {
    dir = tempDir('strata-registry-');
    reg = await startRegistry(path.join(dir, 'registry'), { htpasswd: { user: 'tester', pass: 's3cret' } });
    H = reg.host;
    v1 = await buildImage({ layers: [base, { entries: [{ name: 'app/v', content: big('one', 50_000) }], compression: 'gzip' }] });
    v2 = await buildImage({ layers: [base, { entries: [{ name: 'app/v', content: big('two!', 60_000) }], compression: 'gzip' }] });
    arm = await buildImage({ layers: [{ entries: [{ name: 'arm/x', content: 'arm' }], compression: 'gzip' }], architecture: 'arm64' });
    skopeoPush(dir, v1, `docker://${H}/app:1`);
    skopeoPush(dir, v2, `docker://${H}/app:2`);
    skopeoPush(dir, [v1, arm], `docker://${H}/multi:1`, true);
  }, 120_000);

  afterAll(async () => { await reg?.stop(); });

  it('pulls a tag: the manifest digest is the one skopeo sees, only missing blobs move, the pull is recorded', () => {
    const db = path.join(dir, 'pull', 'strata.db');
    const out = ok(['import', `docker://${H}/app:1`, '--db', db, ...AUTH]);
    const digest = inspectDigest(`docker://${H}/app:1`);
    expect(digest).toBe(v1.manifestDigest);
    const layerBytes = v1.layers.reduce((n, l) => n + l.blob.length, 0);
    expect(out).toContain(`fetched 4 blobs (${v1.manifest.length + v1.config.length + layerBytes} bytes), reused 0 blobs`);
    const img = query(db, `{ image(ref: "${H}/app:1") { imageId manifestDigest exportable
      transfers { direction location manifestDigest transferredBytes skippedBytes actor } } }`).image;
    expect(img.imageId).toBe(v1.configDigest);
    expect(img.manifestDigest).toBe(v1.manifestDigest);
    expect(img.exportable).toBe(true);
    expect(img.transfers).toEqual([{ direction: 'PULL', location: `docker://${H}/app:1`, manifestDigest: v1.manifestDigest,
      transferredBytes: v1.manifest.length + v1.config.length + layerBytes, skippedBytes: 0, actor: expect.stringMatching(/^cli:/) }]);

    // The second version moves only its new layer (plus its manifest and config).
    const out2 = ok(['import', `docker://${H}/app:2`, '--db', db, ...AUTH]);
    const fresh = v2.layers[1]!.blob.length + v2.manifest.length + v2.config.length;
    expect(out2).toContain(`fetched 3 blobs (${fresh} bytes), reused 1 blobs (${v2.layers[0]!.blob.length} bytes)`);

    // Pulling again brings nothing new: nothing is appended.
    const before = head(db);
    ok(['import', `docker://${H}/app:2`, '--db', db, ...AUTH]);
    expect(head(db)).toBe(before);
  });

  it('pulls by digest, every tag (--all-tags), and one platform of a manifest list (--platform)', () => {
    const db = path.join(dir, 'pull2', 'strata.db');
    ok(['import', `docker://${H}/app@${v2.manifestDigest}`, '--db', db, ...AUTH]);
    expect(query(db, `{ image(ref: "${v2.configDigest}") { manifestDigest repoTags } }`).image)
      .toEqual({ manifestDigest: v2.manifestDigest, repoTags: [] });
    ok(['import', `docker://${H}/app`, '--all-tags', '--db', db, ...AUTH]);
    expect(query(db, `{ a: image(ref: "${H}/app:1") { imageId } b: image(ref: "${H}/app:2") { imageId } }`))
      .toEqual({ a: { imageId: v1.configDigest }, b: { imageId: v2.configDigest } });
    ok(['import', `docker://${H}/multi:1`, '--platform', 'linux/arm64', '--db', db, ...AUTH]);
    const m = query(db, `{ image(ref: "${H}/multi:1") { imageId transfers { manifestDigest } } }`).image;
    expect(m.imageId).toBe(arm.configDigest);
    // The transfer names what the tag names: the index.
    expect(m.transfers[0].manifestDigest).toBe(inspectDigest(`docker://${H}/multi:1`));
  });

  it('pushes: same manifest digest as skopeo inspects, a second version uploads only its new blobs, mounts from a repository it knows', () => {
    // Images imported from OCI layouts: the log knows no repository holding their blobs, so nothing can be mounted.
    const db = path.join(dir, 'push', 'strata.db');
    for (const [img, tag] of [[v1, 'local/app:1'], [v2, 'local/app:2']] as const) {
      const layout = path.join(dir, `push-${tag.replace(/\W/g, '-')}`);
      writeDir(layout, ociLayout([img]));
      ok(['import', layout, '--tag', tag, '--db', db]);
    }
    const out1 = ok(['export', 'local/app:1', `docker://${H}/copy:1`, '--db', db, ...AUTH]);
    expect(out1).toContain(`manifest ${v1.manifestDigest}`);
    expect(out1).toContain('uploaded 3 blobs');
    expect(inspectDigest(`docker://${H}/copy:1`)).toBe(v1.manifestDigest);
    // copy already has the base layer: only v2's config and new layer are uploaded.
    const r2 = JSON.parse(ok(['export', 'local/app:2', `docker://${H}/copy:2`, '--db', db, '--json', ...AUTH]));
    expect(r2).toMatchObject({ manifestDigest: v2.manifestDigest, uploadedBlobs: 2,
      uploadedBytes: v2.config.length + v2.layers[1]!.blob.length, skippedBlobs: 1, skippedBytes: v2.layers[0]!.blob.length });
    expect(inspectDigest(`docker://${H}/copy:2`)).toBe(v2.manifestDigest);
    // Pushing it again uploads nothing and keeps the digest.
    expect(JSON.parse(ok(['export', 'local/app:2', `docker://${H}/copy:2`, '--db', db, '--json', ...AUTH])))
      .toMatchObject({ manifestDigest: v2.manifestDigest, uploadedBlobs: 0, skippedBlobs: 3 });
    // Pulled from app: pushing to a new repository mounts every blob from app, uploads none.
    const pulled = path.join(dir, 'push-pulled', 'strata.db');
    ok(['import', `docker://${H}/app:2`, '--db', pulled, ...AUTH]);
    const r3 = JSON.parse(ok(['export', `${H}/app:2`, `docker://${H}/mounted:2`, '--db', pulled, '--json', ...AUTH]));
    expect(r3).toMatchObject({ manifestDigest: v2.manifestDigest, uploadedBlobs: 0, mountedBlobs: 3, skippedBlobs: 3 });
    // skopeo copies it out whole: the registry really holds every blob.
    skopeo(['copy', ...SRC_AUTH, `docker://${H}/mounted:2`, `oci:${path.join(dir, 'out-mounted')}:x`]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'out-mounted', 'index.json'), 'utf8')).manifests[0].digest).toBe(v2.manifestDigest);
    const transfers = query(pulled, `{ image(ref: "${H}/app:2") { transfers { direction location } } }`).image.transfers;
    expect(transfers).toEqual([{ direction: 'PULL', location: `docker://${H}/app:2` }, { direction: 'PUSH', location: `docker://${H}/mounted:2` }]);
  });

  it('uploads in chunks (PATCH) when a blob is larger than the chunk size; skopeo reads it back whole', () => {
    const db = path.join(dir, 'chunk', 'strata.db');
    ok(['import', `docker://${H}/app:1`, '--db', db, ...AUTH]);
    ok(['export', `${H}/app:1`, `docker://${H}/chunked:1`, '--db', db, ...AUTH], { STRATA_REGISTRY_CHUNK_BYTES: '4096' });
    const out = path.join(dir, 'out-chunked');
    skopeo(['copy', ...SRC_AUTH, `docker://${H}/chunked:1`, `oci:${out}:x`]);
    for (const l of v1.layers) expect(fs.readFileSync(path.join(out, 'blobs', 'sha256', l.digest.slice(7)))).toEqual(l.blob);
    expect(inspectDigest(`docker://${H}/chunked:1`)).toBe(v1.manifestDigest);
  });

  it('pullImage and pushImage over the API of `strata serve` (credentials from $REGISTRY_AUTH_FILE)', async () => {
    const authFile = path.join(dir, 'auth.json');
    fs.writeFileSync(authFile, JSON.stringify({ auths: { [H]: { auth: Buffer.from('tester:s3cret').toString('base64') } } }));
    const db = path.join(dir, 'api', 'strata.db');
    const srv = await startServerProcess(db, { REGISTRY_AUTH_FILE: authFile, STRATA_INSECURE_REGISTRIES: H });
    try {
      const pull = await gqlHttp(srv.url, `mutation($s: String!) { pullImage(source: $s) { images { imageId manifestDigest }
        fetchedBlobs fetchedBytes reusedBlobs reusedBytes event { type } } }`, { s: `docker://${H}/app:2` });
      expect(pull.errors).toBeUndefined();
      expect(pull.data.pullImage).toMatchObject({ images: [{ imageId: v2.configDigest, manifestDigest: v2.manifestDigest }],
        fetchedBlobs: 4, reusedBlobs: 0, event: { type: 'ImageTransferred' } });
      const push = await gqlHttp(srv.url, `mutation($i: String!, $d: String!) { pushImage(image: $i, destination: $d) {
        manifestDigest uploadedBlobs uploadedBytes skippedBlobs event { type } } }`, { i: `${H}/app:2`, d: `docker://${H}/api:2` });
      expect(push.errors).toBeUndefined();
      expect(push.data.pushImage.manifestDigest).toBe(v2.manifestDigest);
      expect(inspectDigest(`docker://${H}/api:2`)).toBe(v2.manifestDigest);
      const local = await gqlHttp(srv.url, `mutation($i: String!, $d: String!) { pushImage(image: $i, destination: $d) {
        manifestDigest uploadedBlobs uploadedBytes event { type } } }`, { i: `${H}/app:2`, d: `oci:${path.join(dir, 'api-oci')}:v2` });
      expect(local.data.pushImage).toMatchObject({ manifestDigest: v2.manifestDigest, uploadedBlobs: 3, event: { type: 'ImageTransferred' } });
      expect(local.data.pushImage.uploadedBytes).toBeGreaterThan(0);
      // /metrics counts what the answers said was moved (issue 24).
      const metrics = parseExposition(await (await fetch(new URL('/metrics', srv.url))).text());
      expect(valueOf(metrics, 'strata_transfer_bytes_total', { direction: 'pull' })).toBe(pull.data.pullImage.fetchedBytes);
      expect(valueOf(metrics, 'strata_transfer_bytes_total', { direction: 'push' })).toBe(push.data.pushImage.uploadedBytes
        + local.data.pushImage.uploadedBytes);
      expect(valueOf(metrics, 'strata_transfer_duration_seconds_count', { direction: 'push' })).toBe(2);
    } finally {
      await srv.stop();
    }
  });

  describe('bad input: one line, nothing appended', () => {
    let db: string;
    let fake: http.Server;
    let fakeHost: string;
    beforeAll(async () => {
      db = path.join(dir, 'bad', 'strata.db');
      ok(['import', `docker://${H}/app:1`, '--db', db, ...AUTH]);
      // A registry that lies in ways Distribution never would: a Link that loops, a schema 1 manifest.
      fake = http.createServer((req, res) => {
        if (req.url?.startsWith('/v2/loop/tags/list')) {
          res.writeHead(200, { 'content-type': 'application/json', link: '</v2/loop/tags/list?last=a&n=1>; rel="next"' });
          res.end(JSON.stringify({ name: 'loop', tags: ['a'] }));
          return;
        }
        if (req.url === '/v2/old/manifests/1') {
          res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' });
          res.end(JSON.stringify({ schemaVersion: 1, name: 'old', tag: '1', fsLayers: [] }));
          return;
        }
        res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' });
        res.end('{}');
      });
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
      fakeHost = `127.0.0.1:${(fake.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((r) => fake.close(() => r())));

    const refused = async (args: string[], pattern: RegExp, env: Record<string, string> = {}) => {
      const before = head(db);
      const r = Object.keys(env).length ? strata([...args, '--db', db], env) : await strataAsync([...args, '--db', db]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/^strata: [^\n]+\n$/);
      expect(r.stderr).toMatch(pattern);
      expect(head(db)).toBe(before);
    };

    it('unreachable registry', () => refused(['import', 'docker://127.0.0.1:1/app:1', '--tls-verify=false'], /cannot reach registry 127\.0\.0\.1:1/));
    it('401 says to give --creds or --authfile', () =>
      refused(['import', `docker://${H}/app:2`, '--tls-verify=false'], /unauthenticated: .*give --creds USER:PASS or --authfile FILE/));
    it('wrong credentials too', () =>
      refused(['import', `docker://${H}/app:2`, '--tls-verify=false', '--creds', 'tester:wrong'], /credentials given were refused/));
    it('unknown tag is NOT_FOUND', () => refused(['import', `docker://${H}/app:nope`, ...AUTH], /^strata: not found: .*app:nope/));
    it('a manifest over the size cap', () =>
      refused(['import', `docker://${H}/app:2`, ...AUTH], /larger than the 100-byte limit/, { STRATA_REGISTRY_MAX_MANIFEST_BYTES: '100' }));
    it('a Link header that loops', () => refused(['import', `docker://${fakeHost}/loop`, '--all-tags', '--tls-verify=false'], /Link header .* loops/));
    it('a schema 1 manifest is refused by name', () => refused(['import', `docker://${fakeHost}/old:1`, '--tls-verify=false'], /schema 1/));
    it('a registry serving bytes that do not match their digest', async () => {
      const lie = await buildImage({ layers: [{ entries: [{ name: 'lie', content: big('lie', 30_000) }], compression: 'gzip' }] });
      skopeoPush(dir, lie, `docker://${H}/lie:1`);
      const data = path.join(reg.storage, 'docker/registry/v2/blobs/sha256', lie.layers[0]!.digest.slice(7, 9), lie.layers[0]!.digest.slice(7), 'data');
      const bytes = fs.readFileSync(data);
      bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
      fs.writeFileSync(data, bytes);
      await refused(['import', `docker://${H}/lie:1`, ...AUTH], new RegExp(`served blob ${lie.layers[0]!.digest} with bytes that hash to sha256:`));
    });
  });
});
