/**
 * Real layers through the real schema, application and store on every backend:
 * contentBase64 becomes a gzip blob whose uncompressed bytes hash to the
 * DiffID; bad content appends nothing; a container's content survives gc
 * until it is committed; upgrade with changes writes a real layer too.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { BASE1_LAYER, imageOf, seed } from './commands/seed';
import { collectGarbage } from '../../src/application/blobs/gc';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const LAYER = 'layer { diffId digest mediaType size }';

describe.each(backendNames())('real layers on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await seed(t.app, [imageOf('base:1', [BASE1_LAYER])]);
  });
  afterAll(async () => t.close());

  const blob = async (digest: string) => t.app.blobs.readAll(digest);

  it('commit: the content becomes a gzip blob whose tar hashes to the DiffID; sizes derive from the bytes', async () => {
    const { commit } = await t.gql(`mutation($c: [FileChange!]!) { commit(input: { image: "base:1", tag: "rl:1", changes: $c }) {
      image { exportable } ${LAYER} } }`, { c: [{ change: 'ADDED', path: '/app/hello', kind: 'FILE', contentBase64: b64('hello world\n') }] });
    expect(commit.layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(commit.layer.size).toBe(12);
    const gz = await blob(commit.layer.digest);
    expect(sha(gz)).toBe(commit.layer.digest);
    const tar = gunzipSync(gz);
    expect(sha(tar)).toBe(commit.layer.diffId);
    expect(tar.includes(Buffer.from('hello world\n'))).toBe(true);
    // The seeded base has no blobs: the image cannot be handed back.
    expect(commit.image.exportable).toBe(false);
    const f = await t.gql('{ image(ref: "rl:1") { file(path: "/app/hello") { size contentDigest } } }');
    expect(f.image.file).toEqual({ size: 12, contentDigest: sha('hello world\n') });
  });

  it('bad content is BAD_USER_INPUT and appends nothing', async () => {
    const before = await t.app.store.head();
    const cases = [
      { change: 'ADDED', path: '/x', kind: 'FILE', contentBase64: 'abc' },
      { change: 'ADDED', path: '/x', kind: 'FILE', contentBase64: b64('four'), size: 5 },
      { change: 'ADDED', path: '/x', kind: 'FILE', contentBase64: b64('four'), contentDigest: sha('five') },
      { change: 'ADDED', path: '/x', kind: 'DIRECTORY', contentBase64: b64('dir') },
      { change: 'DELETED', path: '/app', contentBase64: b64('gone') },
    ];
    for (const c of cases) {
      const r = await t.gqlRaw('mutation($c: [FileChange!]!) { commit(input: { image: "base:1", changes: $c }) { image { imageId } } }', { c: [c] });
      expect(r.errors?.[0]?.code).toBe('BAD_USER_INPUT');
    }
    expect(await t.app.store.head()).toBe(before);
  });

  it('upgrade with changes writes a real layer on the tag', async () => {
    const { upgrade } = await t.gql(`mutation { upgrade(input: { tag: "rl:1", changes: [{ change: MODIFIED, path: "/app/hello", contentBase64: "${b64('v2\n')}" }] }) {
      image { layers { digest diffId } } } }`);
    const top = upgrade.image.layers.at(-1);
    expect(sha(gunzipSync(await blob(top.digest)))).toBe(top.diffId);
  });

  it('a live container keeps its content through gc; its commit is a real layer', async () => {
    const c = (await t.gql('mutation { createContainer(image: "base:1") { id } }')).createContainer.id;
    await t.gql(`mutation { changeFiles(container: "${c}", changes: [{ change: ADDED, path: "/app/c", kind: FILE, contentBase64: "${b64('ctr')}" }]) { id } }`);
    // No session is live now: only references protect blobs from gc.
    await collectGarbage(t.app);
    expect(await t.app.blobs.stat(sha('ctr'))).toBe(3);
    const { commitContainer } = await t.gql(`mutation { commitContainer(container: "${c}") { ${LAYER} } }`);
    expect(commitContainer.layer.digest).toMatch(/^sha256:/);
    expect(gunzipSync(await blob(commitContainer.layer.digest)).includes(Buffer.from('ctr'))).toBe(true);
  });
});
