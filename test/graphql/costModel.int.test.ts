/**
 * The cost model's length of `Image.children` (src/graphql/costs.ts) is the
 * model's widest lineage family, and it is asked of the model only when a
 * request selects that field: the count may take a lineage rebuild, which
 * every other request (each commit among them) must not pay for.
 */
import { recordImport } from '../../src/application/importImages';
import { costModelFor } from '../../src/graphql/costs';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { file, image, layer } from '../helpers/synthetic';

describe.each(backendNames())('cost model: Image.children on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => { t = await openTestApp(backend); });
  afterAll(async () => t.close());

  it('is the widest family, read from the model only when asked', async () => {
    const base = layer([file('/base/f', 1)]);
    const children = [1, 2, 3].map((k) => image([base, layer([file(`/app${k}/f`, k)])], [`app${k}:1`]));
    const other = image([layer([file('/other/f', 9)]), layer([file('/other/g', 9)])], ['other:1']);
    await recordImport(t.app, [image([base], ['base:1']), ...children, other]);
    const model = await t.app.models.current();
    const asked = jest.spyOn(model, 'maxChildren');
    const costs = await costModelFor(t.app);
    expect(costs.listSize('Query', 'tags')).toBe(5);
    expect(costs.listSize('Image', 'descendants')).toBe(5);
    expect(asked).not.toHaveBeenCalled();
    expect(costs.listSize('Image', 'children')).toBe(3);
    expect(asked).toHaveBeenCalledTimes(1);
    asked.mockRestore();
  });
});
