/**
 * Kept list text (src/graphql/leafLists.ts, `KeptList`): a list's text is
 * answered again, without making a row, only while its array, its selection
 * and its schema are the same and — when a field reads more than the row's own
 * figures — the model is at the same position. Every answer here is held
 * against graphql-js's execution of the same document on the same data at
 * that moment, byte for byte; rows made are counted to show when the text was
 * kept.
 */
import { buildSchema, execute, parse, getOperationAST, isObjectType, type GraphQLSchema } from 'graphql';
import { createExecutor } from '../../src/graphql/executor';
import { leafList, type KeptList } from '../../src/graphql/leafLists';
import { bodyBytes, stringifyResult } from '../../src/graphql/responseBody';
import { Bytes } from '../../src/graphql/resolvers/scalars';

const SDL = `
scalar Bytes
type Query { storage: StorageReport }
type StorageReport { images: [ImageStorage!]! layers: [LayerUsage!]! }
type ImageStorage { image: Image! size: Bytes! sharedSize: Bytes! uniqueSize: Bytes! }
type Image { imageId: String! repoTags: [String!]! }
type LayerUsage { key: String! diffId: String! size: Bytes! imageCount: Int! }
`;

interface Figures { imageId: string; size: number; sharedSize: number }
interface Model { position: number; tags: Map<string, string[]> }

/** A ledger-like source: kept arrays of figures (a new array on a change) and a model whose tags move with its position. */
function world(n: number) {
  const model: Model = { position: 1, tags: new Map() };
  let images: Figures[] = Array.from({ length: n }, (_, i) => ({ imageId: `sha256:${i}"é`, size: 1000 + i, sharedSize: i }));
  let layers = Array.from({ length: 2 * n }, (_, i) => ({ key: `k${String(i).padStart(5, '0')}`, diffId: `d${i}\n`, size: i * 7, imageCount: i % 4 }));
  images.forEach((f, i) => model.tags.set(f.imageId, i % 3 ? [`r${i}:1`] : []));
  let made = 0;
  return {
    model,
    made: () => made,
    moveTag(i: number, tag: string) {
      model.tags.set(images[i]!.imageId, [tag]);
      model.position++;
    },
    addImage() {
      images = [...images, { imageId: `sha256:new${images.length}`, size: 5, sharedSize: 0 }];
      layers = [...layers, { key: 'z-new', diffId: 'dz', size: 5, imageCount: 1 }];
      model.position++;
    },
    rows: {
      images: () => images.map((f) => {
        made++;
        return { get image() { return { imageId: f.imageId }; }, get size() { return f.size; }, get sharedSize() { return f.sharedSize; },
          get uniqueSize() { return f.size - f.sharedSize; } };
      }),
      layers: () => layers.map((l) => {
        made++;
        return { ...l };
      }),
    },
    kept: { images: (): KeptList => ({ list: images, model }), layers: (): KeptList => ({ list: layers, model }) },
  };
}

type World = ReturnType<typeof world>;

function schemaFor(w: World, opts: { keep?: boolean; tagSuffix?: string } = {}): GraphQLSchema {
  const schema = buildSchema(SDL);
  (schema.getType('Bytes') as any).serialize = Bytes.serialize;
  const set = (type: string, fields: Record<string, (...a: any[]) => unknown>) => {
    const t = schema.getType(type);
    if (!isObjectType(t)) throw new Error(type);
    for (const [k, f] of Object.entries(fields)) t.getFields()[k]!.resolve = f;
  };
  const keep = opts.keep ?? true;
  set('Query', { storage: () => ({}) });
  set('StorageReport', {
    images: (_r, _a, ctx, info) => leafList(w.rows.images, ctx, info, keep ? w.kept.images() : undefined),
    layers: (_r, _a, ctx, info) => leafList(w.rows.layers, ctx, info, keep ? w.kept.layers() : undefined),
  });
  set('Image', {
    imageId: (o) => o.imageId,
    repoTags: (o) => (w.model.tags.get(o.imageId) ?? []).map((t) => t + (opts.tagSuffix ?? '')),
  });
  return schema;
}

/** Our body (compiled executor, text lists, responseBody) and graphql-js's, for one document on the data as it is now. */
async function answer(schema: GraphQLSchema, source: string) {
  const document = parse(source);
  const run = runs.get(schema) ?? createExecutor(schema, { engine: 'jit', leafLists: true });
  runs.set(schema, run);
  const ours = await run({ document, source, operation: getOperationAST(document)!, operationName: null, variables: {}, contextValue: {} });
  const js = await execute({ schema, document, contextValue: {} });
  expect(js.errors).toBeUndefined();
  return { body: bodyBytes(stringifyResult(ours)).toString('utf8'), expected: `${JSON.stringify(js)}\n` };
}
const runs = new Map<GraphQLSchema, ReturnType<typeof createExecutor>>();

const WITH_TAGS = '{ storage { images { image { imageId repoTags } size sharedSize uniqueSize } } }';
const LAYERS = '{ storage { layers { key diffId size imageCount } } }';
const ROW_ONLY = '{ storage { images { size uniqueSize __typename } layers { key diffId size imageCount } } }';

describe('kept list text', () => {
  it('is answered again while nothing changed: no row is made, the bytes are graphql-js\'s', async () => {
    const w = world(3000);
    const schema = schemaFor(w);
    const first = await answer(schema, WITH_TAGS);
    expect(first.body).toBe(first.expected);
    const made = w.made();
    // Ours and graphql-js made 3000 rows each.
    expect(made).toBe(2 * 3000);
    // The same selection in another document (parsed again, other spacing) is the same text.
    for (const source of [WITH_TAGS, WITH_TAGS.replace(/ /g, '  ')]) {
      const again = await answer(schema, source);
      expect(again.body).toBe(again.expected);
    }
    // graphql-js's runs made rows; ours did not (each graphql-js run makes 3000).
    expect(w.made()).toBe(made + 2 * 3000);
  });

  it('a field reading the model (repoTags) is made again after the position moves; row-only fields are kept across it', async () => {
    const w = world(500);
    const schema = schemaFor(w);
    await answer(schema, WITH_TAGS);
    await answer(schema, LAYERS);
    w.moveTag(4, 'moved:here');
    let before = w.made();
    const layers = await answer(schema, LAYERS);
    expect(layers.body).toBe(layers.expected);
    // Only graphql-js made rows (1000 layers).
    expect(w.made()).toBe(before + 1000);
    before = w.made();
    const tags = await answer(schema, WITH_TAGS);
    expect(tags.body).toBe(tags.expected);
    expect(tags.body).toContain('moved:here');
    // Ours made the 500 image rows again, graphql-js made its own 500.
    expect(w.made()).toBe(before + 2 * 500);
    // The images list with its own figures only: kept across a move too.
    await answer(schema, ROW_ONLY);
    w.moveTag(5, 'moved:again');
    before = w.made();
    const rowOnly = await answer(schema, ROW_ONLY);
    expect(rowOnly.body).toBe(rowOnly.expected);
    expect(w.made()).toBe(before + 1500);
  });

  it('a new list array (the ledger changed) is answered from its rows', async () => {
    const w = world(200);
    const schema = schemaFor(w);
    await answer(schema, ROW_ONLY);
    w.addImage();
    const after = await answer(schema, ROW_ONLY);
    expect(after.body).toBe(after.expected);
    expect(after.body).toContain('z-new');
  });

  it('selections that differ only in a response key, in field order or in __typename get their own text', async () => {
    const w = world(100);
    const schema = schemaFor(w);
    const sources = [
      '{ storage { layers { key size } } }',
      '{ storage { layers { a: key size } } }',
      '{ storage { layers { size key } } }',
      '{ storage { layers { key: __typename size } } }',
      '{ storage { layers { key size __typename } } }',
      '{ storage { layers { key: diffId size } } }',
    ];
    // Twice round, each selection after another: a list keeps one selection's text, which none of the others may get.
    for (let round = 0; round < 2; round++) {
      for (const source of sources) {
        const r = await answer(schema, source);
        expect(r.body).toBe(r.expected);
      }
    }
  });

  it('another schema over the same list and model does not get this schema\'s text', async () => {
    const w = world(100);
    const a = schemaFor(w);
    const b = schemaFor(w, { tagSuffix: '-b' });
    const ra = await answer(a, WITH_TAGS);
    const rb = await answer(b, WITH_TAGS);
    expect(ra.body).toBe(ra.expected);
    expect(rb.body).toBe(rb.expected);
    expect(rb.body).not.toBe(ra.body);
  });

  it('without a KeptList the rows are made for every answer', async () => {
    const w = world(100);
    const schema = schemaFor(w, { keep: false });
    await answer(schema, ROW_ONLY);
    const before = w.made();
    const r = await answer(schema, ROW_ONLY);
    expect(r.body).toBe(r.expected);
    expect(w.made()).toBe(before + 2 * 300);
  });
});
