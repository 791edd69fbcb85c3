/**
 * StorageReport.imagesPage / layersPage / reclaimableLayersPage
 * (schema/storage-pages.graphql): walking the pages gives exactly the report's
 * full lists, in their order, under both sharing rules and accountings and at
 * a past position; cursors of another list are refused; and the cost check
 * prices a page by `first`, so a fleet too large for the full lists still gets
 * its report a page at a time.
 */
import { buildSchema, getOperationAST, parse } from 'graphql';
import { recordImport } from '../../src/application/importImages';
import { removeImage } from '../../src/application/commands/removeImage';
import { checkOperation, DEFAULT_LIMITS, type CostModel } from '../../src/graphql/limits';
import { loadSchemaSDL } from '../../src/graphql/schemaLoader';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const D = fleetLayer('pages-debian', DEBIAN_12);
const R = fleetLayer('pages-runtime');
const imgs = Array.from({ length: 9 }, (_, i) => fleetImage(`p${i}:1`, i % 3 === 0 ? [fleetLayer(`p${i}-alone`)]
  : [D, ...(i % 2 ? [R] : []), fleetLayer(`p${i}-own`)]));

const IMAGE = '{ image { imageId } size sharedSize uniqueSize }';
const LAYER = '{ key diffId size imageCount layer { diffId } }';

async function walk(t: TestApp, args: string, field: string, node: string, first: number): Promise<{ nodes: unknown[]; totals: number[] }> {
  const nodes: unknown[] = [];
  const totals: number[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const d: any = await t.gql(`query($after: String) { storage${args} { ${field}(first: ${first}, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node ${node} } } } }`, { after });
    const conn = d.storage[field];
    totals.push(conn.totalCount);
    expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
    nodes.push(...conn.edges.map((e: any) => e.node));
    if (!conn.pageInfo.hasNextPage) return { nodes, totals };
    after = conn.pageInfo.endCursor;
  }
  throw new Error('pages never ended');
}

describe.each(backendNames())('storage report pages (%s)', (backend) => {
  let t: TestApp;
  let beforeRemoval: number;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, imgs);
    beforeRemoval = await t.app.store.head();
    // Two removals leave reclaimable layers.
    await removeImage(t.app, { ref: 'p3:1', force: true }, { actor: 'test' });
    await removeImage(t.app, { ref: 'p4:1', force: true }, { actor: 'test' });
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it.each([
    ['(by: CHAIN_ID)', 2], ['(by: DIFF_ID, accounting: DOCKER)', 3], ['(by: CHAIN_ID, asOf: AS_OF)', 4],
  ])('walking the pages of storage%s gives the full lists (pages of %d)', async (rawArgs, first) => {
    const args = rawArgs.replace('AS_OF', String(beforeRemoval));
    const full = (await t.gql(`{ storage${args} { images ${IMAGE} layers ${LAYER} reclaimableLayers ${LAYER} } }`)).storage;
    expect(full.images.length).toBeGreaterThan(first);
    for (const [field, list, node] of [['imagesPage', 'images', IMAGE], ['layersPage', 'layers', LAYER],
      ['reclaimableLayersPage', 'reclaimableLayers', LAYER]] as const) {
      const { nodes, totals } = await walk(t, args, field, node, first);
      expect(nodes).toEqual(full[list]);
      expect(new Set(totals)).toEqual(new Set([full[list].length]));
    }
    if (!rawArgs.includes('asOf')) expect(full.reclaimableLayers.length).toBeGreaterThan(0);
  });

  it('defaults to pages of 100 and refuses first over 1000, a negative first and a cursor of another list', async () => {
    const d = (await t.gql('{ storage { imagesPage { edges { node { size } } pageInfo { hasNextPage } } } }')).storage.imagesPage;
    expect(d.edges).toHaveLength(imgs.length - 2);
    expect(d.pageInfo.hasNextPage).toBe(false);
    const over = await t.gqlRaw('{ storage { layersPage(first: 1001) { totalCount } } }');
    expect(over.errors?.[0]).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('first is capped at 1000') });
    const neg = await t.gqlRaw('{ storage { layersPage(first: -1) { totalCount } } }');
    expect(neg.errors?.[0]?.code).toBe('BAD_USER_INPUT');
    const cursor = (await t.gql('{ storage { imagesPage(first: 1) { pageInfo { endCursor } } } }')).storage.imagesPage.pageInfo.endCursor;
    const wrong = await t.gqlRaw('query($c: String) { storage { layersPage(after: $c) { totalCount } } }', { c: cursor });
    expect(wrong.errors?.[0]).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('is not a cursor of this list') });
  });
});

test('the cost check refuses the full lists of a 100,000-image fleet and allows their pages', () => {
  const schema = buildSchema(loadSchemaSDL());
  const fleet: CostModel = {
    listSize: (type, field) => (type === 'StorageReport' ? ({ images: 100_000, layers: 120_000, reclaimableLayers: 120_000 } as Record<string, number>)[field] : undefined),
    work: () => 0,
  };
  const check = (q: string) => { const doc = parse(q); return checkOperation(schema, doc, getOperationAST(doc)!, {}, DEFAULT_LIMITS, fleet); };
  expect(check(`{ storage { savedBytes images ${IMAGE} } }`)?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  expect(check(`{ storage { savedBytes layers ${LAYER} } }`)?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  expect(check(`{ storage { savedBytes imagesPage(first: 1000) { totalCount pageInfo { endCursor } edges { cursor node ${IMAGE} } }
    layersPage(first: 1000) { edges { node ${LAYER} } } reclaimableLayersPage(first: 1000) { edges { node ${LAYER} } } } }`)).toBeNull();
});
