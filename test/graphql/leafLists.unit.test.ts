/**
 * Lists answered as JSON text (src/graphql/leafLists.ts): the HTTP body the
 * server writes (executor with leafLists + responseBody's serializer) is
 * byte for byte `JSON.stringify` of plain graphql-js's execution of the same
 * document on the same data, for selections the text path answers (aliases,
 * __typename, inline and named fragments, merged fields, any field order,
 * nulls, strings needing escapes, multi-byte and lone surrogates) and for
 * those it hands back to graphql-jit (directives, arguments, unlisted
 * fields); and values it cannot answer (a null in a non-null place, a
 * throwing resolver, a promise, a scalar that refuses its value) are handed
 * back and answered, errors included, as the executor answered them before.
 */
import { buildSchema, execute, parse, getOperationAST, isObjectType, type GraphQLSchema } from 'graphql';
import { createExecutor } from '../../src/graphql/executor';
import { leafList, type KeptObjects } from '../../src/graphql/leafLists';
import { bodyBytes, JsonListText, stringifyResult } from '../../src/graphql/responseBody';
import { Bytes } from '../../src/graphql/resolvers/scalars';

const SDL = `
scalar Bytes
enum SizeAccounting { CONTENT DOCKER }
type Query { storage(kind: String): StorageReport images: ImageConnection! }
type ImageConnection { totalCount: Int! edges: [ImageEdge!]! }
type ImageEdge { cursor: String! node: Image! }
type ImageLayer { index: Int! diffId: String! digest: String }
type StorageReport { count: Int! images: [ImageStorage!]! layers: [LayerUsage!]! reclaimableLayers: [LayerUsage]! }
type ImageStorage { image: Image! size: Bytes! sharedSize: Bytes! uniqueSize: Bytes! }
type Image { id: ID! imageId: String! repoTags: [String!]! created: String architecture: String os: String manifestDigest: String
  layers: [ImageLayer!]! size(accounting: SizeAccounting = CONTENT): Bytes! }
type LayerUsage { key: String! diffId: String! size: Bytes! imageCount: Int! layer: Layer }
type Layer { diffId: String! }
`;

/** A small deterministic generator (no Math.random: a failure must replay). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = ['a', 'Z', '0', ':', '/', '"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '€', '😀', '\ud800', '\udfff', '\u2028', '</'];

interface Data { images: any[]; layers: any[]; reclaimable: any[]; edges: any[] }

function dataOf(seed: number, n: number, fault?: string): Data {
  const r = rng(seed);
  const text = (len: number) => Array.from({ length: len }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join('');
  const images = Array.from({ length: n }, (_, i) => {
    const rec = { imageId: `sha256:${i}${text(8)}`, tags: Array.from({ length: Math.floor(r() * 3) }, () => text(6)),
      created: r() < 0.3 ? null : text(5), architecture: r() < 0.5 ? 'amd64' : undefined, os: text(3),
      layers: Array.from({ length: Math.floor(r() * 4) }, (_, index) => ({ index, diffId: text(7), digest: r() < 0.3 ? null : text(4) })),
      size: Math.floor(r() * 2 ** 40) };
    if (fault === 'nulllayer' && i === n - 3) (rec.layers as unknown[]).push(null);
    const size = Math.floor(r() * 2 ** 40);
    const shared = Math.floor(r() * size);
    // Rows expose their figures through getters, as the report's rows do.
    return {
      get image() { return { rec }; },
      get size() { return fault === 'bytes' && i === n - 2 ? 2 ** 60 : size; },
      get sharedSize() { return shared; },
      get uniqueSize() { return size - shared; },
    };
  });
  const layer = (i: number) => ({ key: `sha256:k${i}${text(4)}`, diffId: text(10), size: Math.floor(r() * 2 ** 50),
    imageCount: fault === 'int' && i === 3 ? 2 ** 31 : Math.floor(r() * 100), layer: r() < 0.5 ? { diffId: text(3) } : null });
  const layers = Array.from({ length: n * 2 }, (_, i) => layer(i));
  const reclaimable = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : layer(i)));
  // A page's edges as the connection's: the cursor a getter, the node the image object.
  const edges = images.map((row, i) => ({ get cursor() { return `c${i}`; }, node: row.image }));
  return { images, layers, reclaimable, edges };
}

/**
 * The edges' nodes kept as text per image record (src/graphql/leafLists.ts KeptObjects): the data here never
 * changes, so the record is all a node reads; an answer from kept text must be the same bytes.
 */
const KEPT_NODES: KeptObjects = {
  type: 'Image',
  reads: {
    fields: new Set(['Image.id', 'Image.imageId', 'Image.repoTags', 'Image.created', 'Image.architecture', 'Image.os',
      'Image.layers', 'Image.size', 'ImageLayer.index', 'ImageLayer.diffId', 'ImageLayer.digest']),
    of: (node) => [(node as { rec: object }).rec],
  },
};

function schemaFor(data: Data, fault?: string, keptNodes = false): GraphQLSchema {
  const schema = buildSchema(SDL);
  const bytes = schema.getType('Bytes') as any;
  bytes.serialize = Bytes.serialize;
  const set = (type: string, fields: Record<string, (...a: any[]) => unknown>) => {
    const t = schema.getType(type);
    if (!isObjectType(t)) throw new Error(type);
    for (const [k, f] of Object.entries(fields)) t.getFields()[k]!.resolve = f;
  };
  set('Query', { storage: () => ({ count: data.images.length }), images: () => ({ totalCount: data.edges.length, edges: data.edges }) });
  set('ImageConnection', { edges: (c, _a, ctx, info) => leafList(c.edges, ctx, info, undefined, keptNodes ? KEPT_NODES : undefined) });
  set('StorageReport', {
    images: (_r, _a, ctx, info) => leafList(data.images, ctx, info),
    layers: (_r, _a, ctx, info) => leafList(data.layers, ctx, info),
    reclaimableLayers: (_r, _a, ctx, info) => leafList(data.reclaimable, ctx, info),
  });
  set('Image', {
    id: (o) => `id:${o.rec.imageId}`,
    imageId: (o) => o.rec.imageId,
    repoTags: (o) => (fault === 'nulltag' && o.rec.tags.length ? [...o.rec.tags, null] : o.rec.tags),
    created: (o) => o.rec.created,
    architecture: (o) => o.rec.architecture,
    os: (o) => {
      if (fault === 'throw' && o.rec.imageId.startsWith('sha256:5')) throw new Error(`no os for ${o.rec.imageId}`);
      if (fault === 'promise') return Promise.resolve(o.rec.os);
      return o.rec.os;
    },
    manifestDigest: () => 'sha256:m',
    layers: (o) => o.rec.layers,
    // The text path passes the field's defaults as graphql-js does: any other arguments would answer differently.
    size: (o, args) => {
      if (fault === 'sizepromise' && o.rec.imageId.startsWith('sha256:7')) return Promise.resolve(o.rec.size);
      return args.accounting === 'CONTENT' && Object.keys(args).length === 1 ? o.rec.size : -1;
    },
  });
  return schema;
}

const IMG = 'image { imageId repoTags } size sharedSize uniqueSize';
const LAYER = 'key diffId size imageCount';

/** Documents the text path answers. */
const ANSWERED = [
  `{ storage { count images { ${IMG} } layers { ${LAYER} } } }`,
  `{ storage { images { uniqueSize size image { repoTags imageId } sharedSize } } }`,
  `{ s: storage { n: count all: images { a: size b: size img: image { t: __typename id imageId } __typename } } }`,
  `{ storage { images { __typename image { __typename } } layers { __typename } } }`,
  `{ storage { images { image { created architecture os } } reclaimableLayers { ${LAYER} __typename } } }`,
  `{ storage { images { ...Row image { imageId } } } } fragment Row on ImageStorage { size image { repoTags } ... on ImageStorage { uniqueSize } }`,
  `{ storage { images { size ...Row ...Row image { ...Img } } } } fragment Row on ImageStorage { sharedSize size } fragment Img on Image { id os }`,
  `{ storage { images { image { imageId } image { repoTags } size image { imageId os } } } }`,
  `query Q { storage { layers { ... { key } diffId key imageCount } } }`,
  `{ a: storage { layers { key } } b: storage { layers { diffId } images { size } } }`,
  `{ images { totalCount edges { node { imageId repoTags created size layers { index } } } } }`,
  `{ images { edges { c: cursor n: node { __typename s: size ...L layers { __typename index digest } layers { diffId } } } } }
   fragment L on Image { layers { index } id }`,
  `{ images { edges { ... on ImageEdge { node { layers { i: index ... { d: digest } } } } cursor } } }`,
];

/** Documents it hands back to graphql-jit (still byte-identical). */
const HANDED_BACK = [
  `{ storage { images { size @include(if: true) image { imageId } } } }`,
  `query($no: Boolean!) { storage { layers { key diffId @skip(if: $no) } } }`,
  `{ storage { layers { key layer { diffId } } } }`,
  `{ storage { images { image { manifestDigest } } } }`,
  `{ storage { images { ... on ImageStorage @include(if: true) { size } } } }`,
  `{ images { edges { node { size(accounting: CONTENT) } } } }`,
  `{ images { edges { node { layers { index } manifestDigest } } } }`,
];

async function bothWays(schema: GraphQLSchema, source: string, variables: Record<string, unknown> = {}) {
  const document = parse(source);
  const operation = getOperationAST(document)!;
  const run = createExecutor(schema, { engine: 'jit', leafLists: true });
  const ours = await run({ document, source, operation, operationName: null, variables, contextValue: {} });
  const js = await execute({ schema, document, variableValues: variables, contextValue: {} });
  return { ours, js, body: bodyBytes(stringifyResult(ours)).toString('utf8') };
}

/** Every JsonListText in a result (the lists the text path answered). */
function texts(v: unknown, out: JsonListText[] = []): JsonListText[] {
  if (v instanceof JsonListText) out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => texts(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => texts(x, out));
  return out;
}

describe('lists answered as JSON text', () => {
  // 3 rows, then enough for many batches (a batch is ~32 kB of text).
  describe.each([[1, 3, false], [2, 40, false], [3, 2500, false], [1, 3, true], [2, 40, true], [3, 2500, true]])(
    'seed %d, %d images, nodes kept as text: %s', (seed, n, keptNodes) => {
    const data = dataOf(seed, n);
    const schema = schemaFor(data, undefined, keptNodes);

    it.each(ANSWERED)('answers %s as text, the bytes graphql-js gives (twice: the second from kept nodes)', async (source) => {
      for (let i = 0; i < 2; i++) {
        const { ours, js, body } = await bothWays(schema, source);
        expect(js.errors).toBeUndefined();
        expect(body).toBe(`${JSON.stringify(js)}\n`);
        expect(texts(ours.data).length).toBeGreaterThan(0);
      }
    });

    it.each(HANDED_BACK)('hands %s back to graphql-jit, the same bytes', async (source) => {
      const { ours, js, body } = await bothWays(schema, source, { no: true });
      expect(js.errors).toBeUndefined();
      expect(body).toBe(`${JSON.stringify(js)}\n`);
      expect(texts(ours.data)).toEqual([]);
    });
  });

  it('hands a "__proto__" alias back to graphql-jit (an object would take it as its prototype): as the executor answered before', async () => {
    const schema = schemaFor(dataOf(8, 50));
    const source = '{ storage { images { __proto__: size image { imageId } } } }';
    const document = parse(source);
    const req = { document, source, operation: getOperationAST(document)!, operationName: null, variables: {}, contextValue: {} };
    const ours = await createExecutor(schema, { engine: 'jit', leafLists: true })(req);
    const before = await createExecutor(schema, { engine: 'jit' })({ ...req, contextValue: {} });
    expect(texts(ours.data)).toEqual([]);
    expect(bodyBytes(stringifyResult(ours)).toString('utf8')).toBe(bodyBytes(stringifyResult(before)).toString('utf8'));
  });

  it('answers a list as text only where the server serializes it (no leafLists option: plain lists)', async () => {
    const schema = schemaFor(dataOf(4, 10));
    const source = ANSWERED[0]!;
    const document = parse(source);
    const r = await createExecutor(schema, { engine: 'jit' })({ document, source, operation: getOperationAST(document)!,
      operationName: null, variables: {}, contextValue: {} });
    expect(texts(r.data)).toEqual([]);
    expect(JSON.stringify(r)).toBe(JSON.stringify(await execute({ schema, document, contextValue: {} })));
  });

  it('a text list given to another serializer is the list itself (toJSON)', async () => {
    const schema = schemaFor(dataOf(5, 300));
    const { ours, js } = await bothWays(schema, ANSWERED[0]!);
    expect(texts(ours.data).length).toBe(2);
    expect(JSON.stringify(ours)).toBe(JSON.stringify(js));
  });

  it.each([
    ['bytes', `{ storage { images { size image { imageId } } } }`, false],
    ['int', `{ storage { layers { key imageCount } } }`, false],
    ['nulltag', `{ storage { images { image { repoTags } } } }`, false],
    ['throw', `{ storage { count images { size image { os } } } }`, false],
    ['promise', `{ storage { images { image { os imageId } } } }`, false],
    ['nulllayer', `{ images { edges { node { imageId layers { index } } } } }`, false],
    ['sizepromise', `{ images { edges { node { imageId size layers { index } } } } }`, false],
    ['nulllayer', `{ images { edges { node { imageId layers { index } } } } }`, true],
    ['sizepromise', `{ images { edges { node { imageId size layers { index } } } } }`, true],
    ['nulltag', `{ images { edges { cursor node { repoTags } } } }`, true],
    ['throw', `{ images { edges { node { os } } } }`, true],
  ])('a value the text path cannot answer (%s) gets the data and errors it got before (executor without text lists; nodes kept: %s)',
    async (fault, source, keptNodes) => {
    const data = dataOf(6, 60, fault);
    const schema = schemaFor(data, fault, keptNodes);
    const { ours, js, body } = await bothWays(schema, source);
    const document = parse(source);
    const before = await createExecutor(schema, { engine: 'jit' })({ document, source, operation: getOperationAST(document)!,
      operationName: null, variables: {}, contextValue: {} });
    const shape = (r: { data?: unknown; errors?: readonly any[] }) => ({ data: r.data ?? null,
      errors: r.errors?.map((e) => ({ message: e.message, path: e.path, locations: e.locations, original: e.originalError?.message })) });
    expect(JSON.stringify(shape(ours))).toBe(JSON.stringify(shape(before)));
    expect(texts(ours.data)).toEqual([]);
    // graphql-js agrees on the data and on the first error (graphql-jit reports every null of a list, graphql-js the first).
    expect(JSON.stringify(ours.data ?? null)).toBe(JSON.stringify(js.data ?? null));
    expect(ours.errors?.[0]?.message).toBe(js.errors?.[0]?.message);
    // A promise is answered (by graphql-jit, which awaits it); the others are errors.
    if (fault !== 'promise' && fault !== 'sizepromise') expect(ours.errors!.length).toBeGreaterThan(0);
    expect(body).toBe(bodyBytes(stringifyResult(before)).toString('utf8'));
  });

  it('a context shared by two executions at once answers both correctly (the second without text)', async () => {
    const schema = schemaFor(dataOf(7, 500));
    const source = ANSWERED[0]!;
    const document = parse(source);
    const run = createExecutor(schema, { engine: 'jit', leafLists: true });
    const ctx = {};
    const req = { document, source, operation: getOperationAST(document)!, operationName: null, variables: {}, contextValue: ctx };
    const [a, b] = await Promise.all([run(req), run(req)]);
    const js = `${JSON.stringify(await execute({ schema, document, contextValue: {} }))}\n`;
    expect(bodyBytes(stringifyResult(a)).toString('utf8')).toBe(js);
    expect(bodyBytes(stringifyResult(b)).toString('utf8')).toBe(js);
  });
});
