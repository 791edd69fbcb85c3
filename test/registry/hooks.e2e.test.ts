/**
 * Following a registry (issue 18): Distribution's notifications reach
 * `strata serve` at POST /hooks/registry (the registry's endpoint config
 * sends the Bearer token); a push pulls the image and moves its tag, a
 * delete untags, retries are idempotent by event id, layer events are
 * ignored; a wrong token is 401 and a malformed envelope 400, with nothing
 * appended.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { freePort, skopeo, startRegistry, type TestRegistry } from '../helpers/registry';
import { buildImage, indexJson, manifestDescriptor, ociLayout, writeDir, type BuiltImage } from '../helpers/archiveBuilder';
import { gqlHttp, startServerProcess, type ServerProcess } from '../helpers/serverProcess';

const TOKEN = 'hook-secret-123';

describeWithPeers(['registry', 'skopeo'])('POST /hooks/registry: Distribution notifications followed by strata serve', () => {
  let dir: string;
  let reg: TestRegistry;
  let srv: ServerProcess;
  let H: string;
  let hookUrl: string;
  let v1: BuiltImage;
  let v2: BuiltImage;

  const push = (img: BuiltImage, dest: string) => {
    const layout = path.join(dir, `layout-${Math.random().toString(36).slice(2)}`);
    writeDir(layout, ociLayout([img], indexJson([manifestDescriptor(img, { annotations: { 'org.opencontainers.image.ref.name': 't' } })])));
    skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'tester:s3cret', `oci:${layout}:t`, `docker://${H}/${dest}`]);
  };
  const q = async (doc: string) => {
    const r = await gqlHttp(srv.url, doc);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const until = async (what: string, doc: string, ok: (d: any) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const d = await q(doc);
      if (ok(d)) return d;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}; server log: ${srv.stdout().split('\n').filter((l) => l.includes('registry')).join('\n').slice(-3000)}`);
  };
  const post = (body: unknown, token: string | null = TOKEN) => fetch(hookUrl, {
    method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

  beforeAll(async () => {
    dir = tempDir('strata-hooks-');
    const port = await freePort();
    H = `127.0.0.1:${port}`;
    const authFile = path.join(dir, 'auth.json');
    fs.writeFileSync(authFile, JSON.stringify({ auths: { [H]: { auth: Buffer.from('tester:s3cret').toString('base64') } } }));
    srv = await startServerProcess(path.join(dir, 'data', 'strata.db'), {
      STRATA_HOOK_TOKEN: TOKEN, STRATA_HOOK_REGISTRY: H, STRATA_INSECURE_REGISTRIES: H, REGISTRY_AUTH_FILE: authFile, LOG_LEVEL: 'info',
    }, { captureStdout: true });
    hookUrl = srv.url.replace(/\/graphql$/, '/hooks/registry');
    reg = await startRegistry(path.join(dir, 'registry'), { port, htpasswd: { user: 'tester', pass: 's3cret' },
      notify: { url: hookUrl, token: TOKEN } });
    v1 = await buildImage({ layers: [{ entries: [{ name: 'v', content: 'one' }], compression: 'gzip' }] });
    v2 = await buildImage({ layers: [{ entries: [{ name: 'v', content: 'two' }], compression: 'gzip' }] });
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    await srv?.stop();
  });

  it('a push pulls the image and moves its tag; a second push moves it again; a delete untags', async () => {
    push(v1, 'app:1');
    const first = await until('app:1 pulled', `{ image(ref: "${H}/app:1") { imageId transfers { direction location actor } } }`,
      (d) => d.image !== null);
    expect(first.image).toEqual({ imageId: v1.configDigest, transfers: [{ direction: 'PULL', location: `docker://${H}/app@${v1.manifestDigest}`,
      actor: 'hook:registry' }] });
    push(v2, 'app:1');
    const moved = await until('app:1 moved', `{ tag(name: "${H}/app:1") { image { imageId } history { from { imageId } to { imageId } } } }`,
      (d) => d.tag?.image?.imageId === v2.configDigest);
    expect(moved.tag.history).toEqual([{ from: null, to: { imageId: v1.configDigest } },
      { from: { imageId: v1.configDigest }, to: { imageId: v2.configDigest } }]);
    skopeo(['delete', '--tls-verify=false', '--creds', 'tester:s3cret', `docker://${H}/app:1`]);
    await until('app:1 untagged', `{ tag(name: "${H}/app:1") { image { imageId } } }`, (d) => d.tag.image === null);
  }, 180_000);

  it('a retried event (same id) changes nothing; layer events are ignored', async () => {
    push(v1, 'again:1');
    await until('again:1 pulled', `{ image(ref: "${H}/again:1") { imageId } }`, (d) => d.image !== null);
    const event = { id: 'evt-fixed-1', action: 'push',
      target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: 'again', tag: '1', digest: v1.manifestDigest } };
    expect((await post({ events: [event] })).status).toBe(200);
    await gqlHttp(srv.url, `mutation { untag(tag: "${H}/again:1") }`);
    const head = (await q('{ head }')).head;
    const retry = await post({ events: [event] });
    expect(retry.status).toBe(200);
    expect((await q('{ head }')).head).toBe(head);
    expect((await q(`{ tag(name: "${H}/again:1") { image { imageId } } }`)).tag.image).toBeNull();
    const layer = await post({ events: [{ id: 'evt-layer', action: 'push',
      target: { mediaType: 'application/octet-stream', repository: 'again', digest: v1.layers[0]!.digest } }] });
    expect(await layer.json() as unknown).toEqual({ pulled: 0, untagged: 0, ignored: 1 });
    expect((await q('{ head }')).head).toBe(head);
  }, 120_000);

  it('a wrong token is 401 and a malformed envelope 400, one line each, nothing appended', async () => {
    const head = (await q('{ head }')).head;
    const wrong = await post({ events: [] }, 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/^[^\n]*hook token[^\n]*$/);
    const none = await post({ events: [] }, null);
    expect(none.status).toBe(401);
    const notJson = await post('{"events": [');
    expect(notJson.status).toBe(400);
    const bad = await post({ events: [{ action: 'push' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^event 0 of the envelope needs a string id/);
    expect((await post({ hello: 1 })).status).toBe(400);
    expect((await q('{ head }')).head).toBe(head);
  });
});
