/**
 * Subscription.drift end to end (issue 23): a real `strata serve`, graphql-ws
 * clients, and tag moves appended by another process (this test's own Strata,
 * recording imports as a registry or engine watch would): one message per
 * image behind on the moved tag, with the target it is built on, the current
 * one, moves behind and since; a tag filter sees only its tag.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { tagImage } from '../../src/application/commands/tags';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { gqlHttp, startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { DEBIAN_12, ALPINE_319, ALPINE_320, fleetImage, fleetLayer } from '../application/fleetImages';

jest.setTimeout(120_000);

const WHO = { actor: 'drift-test' };

const D1 = fleetLayer('deb-1', DEBIAN_12);
const D2 = fleetLayer('deb-2', DEBIAN_12);
const D3 = fleetLayer('deb-3', DEBIAN_12);
const deb1 = fleetImage('debian:12', [D1]);
const deb2 = fleetImage('debian:12-rc', [D2]);
const deb3 = fleetImage('debian:12', [D3]);
const alp1 = fleetImage('alpine:3', [fleetLayer('alp-1', ALPINE_319)]);
const alp2 = fleetImage('alpine:3', [fleetLayer('alp-2', ALPINE_320)]);

const DOC = `subscription Drift($tag: String) { drift(tag: $tag) {
  tag movesBehind since image { repoTags } builtOn { imageId } current { imageId } } }`;

interface Msg { tag: string; movesBehind: number; since: string; image: { repoTags: string[] }; builtOn: { imageId: string };
  current: { imageId: string } }

function listen(client: Client, tag: string | null): { got: Msg[]; errors: unknown[]; stop: () => void } {
  const got: Msg[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe({ query: DOC, variables: { tag } }, {
    next: (r) => { if (r.errors) errors.push(r.errors); else got.push((r.data as any).drift); },
    error: (e) => void errors.push(e),
    complete: () => undefined,
  });
  return { got, errors, stop };
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(backendNames())('Subscription.drift over graphql-ws (%s)', (backend) => {
  let db: TestDb;
  let s: ServerProcess;
  let app: Strata;
  beforeAll(async () => {
    db = await freshDb(backend);
    app = await Strata.open(db.url);
    await recordImport(app, [deb1, deb2, alp1]);
    await recordImport(app, [fleetImage('app:1', [D1, fleetLayer('app')]), fleetImage('svc:1', [D1, fleetLayer('runtime'), fleetLayer('svc')]),
      fleetImage('tool:1', [alp1.layers[0]!, fleetLayer('tool')])]);
    s = await startServerProcess(db.url);
  });
  afterAll(async () => { await s?.stop(); await app?.close(); await db?.drop(); });

  it('sends one message per image behind on the moved tag, to every subscriber and only for its tag', async () => {
    const client = createClient({ url: s.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const debian = listen(client, 'docker.io/library/debian:12');
    const all = listen(client, null);
    const alpine = listen(client, 'alpine:3');
    try {
      // Until both debian subscriptions are live: move debian:12 to the release candidate and back (the way back reports nothing).
      while (debian.got.length === 0 || all.got.length === 0) {
        await tagImage(app, { tag: 'debian:12', image: deb2.imageId }, WHO);
        await until(() => (debian.got.length > 0 && all.got.length > 0) || debian.errors.length > 0, 'a first drift message', 2_000)
          .catch(() => undefined);
        expect(debian.errors).toEqual([]);
        await tagImage(app, { tag: 'debian:12', image: deb1.imageId }, WHO);
      }
      // Warm-up messages name the release candidate as current; from here on only the moves below count.
      const real = (l: { got: Msg[] }) => l.got.filter((m) => m.current.imageId !== deb2.imageId);
      expect(alpine.got).toEqual([]);

      await recordImport(app, [deb3]); // debian:12 moves to D3, as an import or a watch records it
      await recordImport(app, [alp2]); // then alpine:3 moves: the unfiltered subscriber sees it after debian's
      await until(() => real(all).length >= 3, 'three drift messages');
      const history = (await gqlHttp(s.url, '{ tag(name: "debian:12") { history { at to { imageId } } } }')).data!.tag.history;
      const expectDebian = (m: Msg) => {
        expect(m).toMatchObject({ tag: 'debian:12', movesBehind: 1, builtOn: { imageId: deb1.imageId }, current: { imageId: deb3.imageId } });
        expect(m.since).toBe(history.at(-1).at);
      };
      expect(real(all).map((m) => m.image.repoTags[0])).toEqual(['app:1', 'svc:1', 'tool:1']);
      real(all).slice(0, 2).forEach(expectDebian);
      expect(real(all)[2]).toMatchObject({ tag: 'alpine:3', movesBehind: 1, builtOn: { imageId: alp1.imageId }, current: { imageId: alp2.imageId } });
      await until(() => alpine.got.length === 1, 'the alpine message');
      await until(() => real(debian).length >= 2, 'the debian messages');
      expect(real(debian).map((m) => m.image.repoTags[0])).toEqual(['app:1', 'svc:1']);
      real(debian).forEach(expectDebian);
      expect(debian.got.every((m) => m.tag === 'debian:12')).toBe(true);
      expect(alpine.got[0]!.image.repoTags).toEqual(['tool:1']);
      expect([debian.errors, all.errors, alpine.errors]).toEqual([[], [], []]);
    } finally {
      debian.stop();
      all.stop();
      alpine.stop();
      await client.dispose();
    }
  });

  it('refuses a malformed tag with BAD_USER_INPUT', async () => {
    const client = createClient({ url: s.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const bad = listen(client, 'Not A Tag');
    try {
      await until(() => bad.errors.length > 0, 'the error');
      expect((bad.errors[0] as any)[0].extensions.code).toBe('BAD_USER_INPUT');
    } finally {
      bad.stop();
      await client.dispose();
    }
  });
});
