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
function world(n: number, opts: { reads?: boolean } = {}) {
  const model: Model = { position: 1, tags: new Map() };
  let images: Figures[] = Array.from({ length: n }, (_, i) => ({ imageId: `sha256:${i}"é`, size: 1000 + i, sharedSize: i }));
  let layers = Array.from({ length: 2 * n }, (_, i) => ({ key: `k${String(i).padStart(5, '0')}`, diffId: `d${i}\n`, size: i * 7, imageCount: i % 4 }));
  images.forEach((f, i) => model.tags.set(f.imageId, i % 3 ? [`r${i}:1`] : []));
  let made = 0;
  const slots = { images: {}, layers: {} };
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
    /** As the ledger does on a change: a new array, and a new object for the one row whose figures changed. */
    setImageCount(i: number, imageCount: number) {
      layers = layers.map((l, j) => (j === i ? { ...l, imageCount } : l));
      model.position++;
    },
    insertLayer(at: number) {
      layers = [...layers.slice(0, at), { key: `k${String(at - 1).padStart(5, '0')}-in`, diffId: 'in', size: 1, imageCount: 1 }, ...layers.slice(at)];
      model.position++;
    },
    rows: { images: () => images.map(imageRow), layers: () => layers.map(layerRow) },
    kept: {
      images: (): KeptList => ({ list: images, model, rows: { slot: slots.images, row: (f) => imageRow(f as Figures),
        // What Image's fields read: the tags array of the image (moveTag sets a new one).
        ...(opts.reads ? { reads: { fields: IMAGE_FIELDS, of: (f: unknown) => [model.tags.get((f as Figures).imageId)] } } : {}) } }),
      layers: (): KeptList => ({ list: layers, model, rows: { slot: slots.layers, row: (l) => layerRow(l as typeof layers[number]) } }),
    },
  };
  function imageRow(f: Figures) {
    made++;
    return { get image() { return { imageId: f.imageId }; }, get size() { return f.size; }, get sharedSize() { return f.sharedSize; },
      get uniqueSize() { return f.size - f.sharedSize; } };
  }
  function layerRow(l: typeof layers[number]) {
    made++;
    return { ...l };
  }
}

type World = ReturnType<typeof world>;
const IMAGE_FIELDS: ReadonlySet<string> = new Set(['ImageStorage.image', 'Image.imageId', 'Image.repoTags']);

function schemaFor(w: World, opts: { keep?: boolean; tagSuffix?: string; keySuffix?: string } = {}): GraphQLSchema {
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
  if (opts.keySuffix) set('LayerUsage', { key: (l) => l.key + opts.keySuffix });
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

  it('after a change, a row-only list makes only the rows it has not answered: new ones and the chunk of one whose figures changed', async () => {
    const w = world(3000);
    const schema = schemaFor(w);
    await answer(schema, ROW_ONLY);
    w.addImage();
    let before = w.made();
    let r = await answer(schema, ROW_ONLY);
    expect(r.body).toBe(r.expected);
    // graphql-js made all 3001 + 6001 rows; ours the new image and the new layer only.
    expect(w.made()).toBe(before + 9002 + 2);
    // A row's figures change (a new object with the same key): its text is made again, not the old one's answered.
    w.setImageCount(7, 42);
    before = w.made();
    r = await answer(schema, ROW_ONLY);
    expect(r.body).toBe(r.expected);
    expect(r.body).toContain('"key":"k00007","diffId":"d7\\n","size":49,"imageCount":42}');
    // Ours made the chunk holding it again (about 24 kB of text: a few hundred rows here), not the list.
    expect(w.made() - before - 9002).toBeGreaterThanOrEqual(1);
    expect(w.made() - before - 9002).toBeLessThanOrEqual(1024);
    // A row added in the middle breaks the chunk it falls in, not every chunk after it.
    w.insertLayer(2500);
    before = w.made();
    r = await answer(schema, ROW_ONLY);
    expect(r.body).toBe(r.expected);
    expect(r.body).toContain('{"key":"k02499-in","diffId":"in","size":1,"imageCount":1},{"key":"k02500"');
    expect(w.made() - before - 9003).toBeLessThanOrEqual(2 * 1024);
  });

  it('rows read through the model (repoTags) are made again after a change; another selection or schema gets its own row text', async () => {
    const w = world(200);
    const a = schemaFor(w);
    const b = schemaFor(w, { keySuffix: '-b' });
    await answer(a, WITH_TAGS);
    await answer(a, LAYERS);
    w.addImage();
    let before = w.made();
    const tags = await answer(a, WITH_TAGS);
    expect(tags.body).toBe(tags.expected);
    expect(w.made()).toBe(before + 2 * 201);
    // Schema b's key differs: none of a's row text is b's.
    before = w.made();
    const rb = await answer(b, LAYERS);
    expect(rb.body).toBe(rb.expected);
    expect(rb.body).toContain('-b"');
    expect(w.made()).toBe(before + 2 * 401);
    w.setImageCount(3, 9);
    // Another selection of the same fields in another order: its own text.
    for (const source of ['{ storage { layers { imageCount size key diffId } } }', LAYERS]) {
      const r = await answer(a, source);
      expect(r.body).toBe(r.expected);
    }
  });

  it('with RowReads, a row reading the model is made again only when what it reads is another object', async () => {
    const w = world(3000, { reads: true });
    const schema = schemaFor(w);
    await answer(schema, WITH_TAGS);
    w.moveTag(1000, 'moved:chunk');
    let before = w.made();
    let r = await answer(schema, WITH_TAGS);
    expect(r.body).toBe(r.expected);
    expect(r.body).toContain('"repoTags":["moved:chunk"]');
    // graphql-js made 3000; ours the chunk holding image 1000 (a few hundred rows).
    expect(w.made() - before - 3000).toBeGreaterThanOrEqual(1);
    expect(w.made() - before - 3000).toBeLessThanOrEqual(1024);
    before = w.made();
    w.addImage();
    r = await answer(schema, WITH_TAGS);
    expect(r.body).toBe(r.expected);
    expect(w.made() - before - 3001).toBeLessThanOrEqual(1024);
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
