/**
 * The window between the API's early key check and the command's own look-up (src/application/commands/append.ts,
 * priorEvents): a request checked while its key was unused, whose key another request then records, must be a
 * CONFLICT, not that other request's answer. CI caught it once over HTTP (five concurrent tagImage with one key on
 * PostgreSQL: two "won"); here the state of that window is set up directly, on every backend.
 */
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { tagImage } from '../../src/application/commands/tags';
import { requestOf } from '../../src/application/idempotency';
import { BASE1_LAYER, imageOf, seed } from './commands/seed';

describe.each(backendNames())('an idempotency key recorded after the early check, on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await seed(t.app, [imageOf('base:1', [BASE1_LAYER])]);
  });
  afterAll(async () => t.close());

  const tag = (tagName: string, key: string) => {
    const input = { image: 'base:1', tag: tagName, idempotencyKey: key };
    return tagImage(t.app, input, { actor: 'test', request: requestOf('tagImage', input) });
  };

  it('another request with the key is CONFLICT and appends nothing; the same request replays its first answer', async () => {
    const first = await tag('race:1', 'K');
    expect((await t.app.models.current()).resolve('race:1')?.imageId).toBe(first.image.imageId);
    const head = await t.app.store.head();
    // As the second request finds it once the guard has let it through: the key is recorded, for race:1.
    await expect(tag('race:2', 'K')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await t.app.store.head()).toBe(head);
    const model = await t.app.models.current();
    expect(model.resolve('race:2')).toBeNull();
    const retry = await tag('race:1', 'K');
    expect(retry.image.imageId).toBe(first.image.imageId);
    expect(await t.app.store.head()).toBe(head);
  });
});
