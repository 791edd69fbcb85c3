/**
 * Subscription.drift reports each move as it was right after it, even when
 * the reader is behind the log: two moves appended before the first message
 * is read give two sets of messages, the first naming the first move's
 * target (src/application/driftAtMove.ts folds up to the move then), on both
 * backends, through graphql's own subscribe.
 */
import { parse, subscribe } from 'graphql';
import { recordImport } from '../../src/application/importImages';
import { tagImage } from '../../src/application/commands/tags';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const D1 = fleetLayer('d-1', DEBIAN_12);
const deb1 = fleetImage('debian:12', [D1]);
const deb2 = fleetImage('debian:12-rc1', [fleetLayer('d-2', DEBIAN_12)]);
const deb3 = fleetImage('debian:12-rc2', [fleetLayer('d-3', DEBIAN_12)]);

describe.each(backendNames())('Subscription.drift when the reader is behind (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, [deb1, deb2, deb3]);
    await recordImport(t.app, [fleetImage('app:1', [D1, fleetLayer('app')])]);
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it('gives each move its own drift, not the drift now', async () => {
    const it = await subscribe({
      schema: buildExecutableSchema(t.app.store),
      document: parse('subscription { drift(tag: "debian:12") { movesBehind current { imageId } builtOn { imageId } image { imageId } } }'),
      contextValue: createContext(t.app, { actor: 'test', canWrite: false }),
    }) as AsyncIterableIterator<{ data?: any; errors?: unknown[] }>;
    try {
      await tagImage(t.app, { tag: 'debian:12', image: deb2.imageId }, { actor: 'test' });
      await tagImage(t.app, { tag: 'debian:12', image: deb3.imageId }, { actor: 'test' });
      const first = (await it.next()).value;
      const second = (await it.next()).value;
      expect([first.errors, second.errors]).toEqual([undefined, undefined]);
      expect(first.data.drift).toEqual({ movesBehind: 1, current: { imageId: deb2.imageId }, builtOn: { imageId: deb1.imageId },
        image: { imageId: expect.any(String) } });
      expect(second.data.drift).toMatchObject({ movesBehind: 2, current: { imageId: deb3.imageId }, builtOn: { imageId: deb1.imageId } });
    } finally {
      await it.return?.();
    }
  });
});
