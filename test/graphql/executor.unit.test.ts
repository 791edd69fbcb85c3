/**
 * The compiled executor (src/graphql/executor.ts) against graphql-js as the
 * oracle: the same data, and errors with the same message, path, locations,
 * extensions and original error, for every shape the contract relies on
 * (resolver errors of each kind, null propagation, scalar failures, variables,
 * fragments, directives, abstract types, introspection, mutations).
 */
import { buildSchema, GraphQLError, GraphQLScalarType, parse, getOperationAST, validate, type GraphQLSchema } from 'graphql';
import { createExecutor, type Execute } from '../../src/graphql/executor';
import { DomainError, notFound } from '../../src/domain/errors';
import { classifyError } from '../../src/graphql/errors';

const SDL = `
  scalar Bytes
  interface Node { id: ID! }
  type Item implements Node { id: ID! name: String! size: Bytes tags(first: Int = 2, prefix: String): [String!]! child: Item req: Item! }
  type Other implements Node { id: ID! label: String }
  input Filter { min: Int! names: [String!] }
  type Query {
    item(id: ID!): Item
    items(filter: Filter, first: Int): [Item!]
    strictItems: [Item!]!
    node(id: ID!): Node
    boom: String
    coded: String
    domain: String
    missing: String
    nonNullBoom: String!
    thrownString: String
    asyncValue(ms: Int!): Int
    badBytes: Bytes
    badInt: Int
    nested: Item
    leaves: [Leaf]
  }
  type Leaf { s: String i: Int f: Float b: Boolean id: ID }
  type Mutation { bump(by: Int!): Int! }
`;

function makeSchema(): { schema: GraphQLSchema; calls: string[] } {
  const calls: string[] = [];
  const schema = buildSchema(SDL);
  const bytes = schema.getType('Bytes') as GraphQLScalarType;
  bytes.serialize = (v) => {
    if (!Number.isSafeInteger(v)) throw new GraphQLError('Bytes value is not a safe integer');
    return v;
  };
  const item = (id: string, size: number | null = 10): Record<string, unknown> => ({ id, name: `n${id}`, size, kind: 'Item' });
  const q = schema.getQueryType()!.getFields();
  q.item!.resolve = (_r, { id }) => (id === 'none' ? null : item(id));
  q.items!.resolve = (_r, { filter, first }) => {
    const all = [item('1'), item('2', 2 ** 60), item('3'), { id: '4', name: null, size: 1 }];
    return all.filter((i) => !filter?.names || filter.names.includes(i.name)).slice(0, first ?? 10);
  };
  q.strictItems!.resolve = () => [item('1'), { id: '2', name: null }];
  q.node!.resolve = (_r, { id }) => (id.startsWith('o') ? { id, label: 'other', kind: 'Other' } : item(id));
  q.boom!.resolve = () => { calls.push('boom'); throw new Error('SQLITE_CORRUPT at /secret.db'); };
  q.coded!.resolve = () => { throw new GraphQLError('too big', { extensions: { code: 'QUERY_TOO_COMPLEX' } }); };
  q.domain!.resolve = () => { throw new DomainError('CONFLICT', 'tag moved', { tag: 'a' }); };
  q.missing!.resolve = async () => { throw notFound('No image x'); };
  q.nonNullBoom!.resolve = () => null;
  q.thrownString!.resolve = () => { throw 'plain string'; };
  q.asyncValue!.resolve = async (_r, { ms }) => { await new Promise((r) => setTimeout(r, ms)); return ms; };
  q.badBytes!.resolve = () => 2 ** 60;
  q.badInt!.resolve = () => 2 ** 40;
  q.nested!.resolve = () => ({ ...item('p'), child: item('c'), req: null });
  // Every built-in scalar given every kind of value: the compiled executor answers the ones
  // graphql-js returns unchanged without calling it (executor.ts returnedUnchanged), the rest through it.
  q.leaves!.resolve = () => LEAF_VALUES.map((v) => ({ s: v, i: v, f: v, b: v, id: v }));
  const it = (schema.getType('Item') as any).getFields();
  it.tags.resolve = (i: any, { first, prefix }: any) => Array.from({ length: first }, (_, k) => `${prefix ?? i.name}-${k}`);
  (schema.getType('Node') as any).resolveType = (o: any) => o.kind;
  let counter = 0;
  schema.getMutationType()!.getFields().bump!.resolve = (_r, { by }) => (calls.push('bump'), (counter += by));
  return { schema, calls };
}

const LEAF_VALUES: unknown[] = [
  'x', '', '7', '1.5', 'é\u0000', 0, -0, 7, -7, 1.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, NaN, Infinity, -Infinity,
  true, false, { valueOf: () => 3 }, { valueOf: () => 'v' }, new Date(0), [1], {}, null, undefined,
];

/** What a client and the server's error handling can observe of a result. */
function observable(r: { data?: unknown; errors?: readonly GraphQLError[] }) {
  return {
    data: r.data,
    errors: r.errors?.map((e) => ({
      message: e.message, path: e.path, locations: e.locations, extensions: e.extensions, json: e.toJSON(),
      isGraphQLError: e instanceof GraphQLError,
      original: e.originalError ? { ctor: e.originalError.constructor.name, message: e.originalError.message } : undefined,
      classified: classifyError(e),
    })),
  };
}

const DOCS: [string, string, Record<string, unknown>?][] = [
  ['fields and arguments', '{ item(id: "7") { id name size tags tagsTwo: tags(first: 3, prefix: "x") } }'],
  ['null object', '{ item(id: "none") { id } }'],
  ['variables and input objects', 'query Q($f: Filter, $n: Int) { items(filter: $f, first: $n) { id name } }',
    { f: { min: 1, names: ['n1', 'n3'] }, n: 5 }],
  ['bad variable type', 'query Q($f: Filter) { items(filter: $f) { id } }', { f: { min: 'x' } }],
  ['missing required variable', 'query Q($id: ID!) { item(id: $id) { id } }', {}],
  ['non-null item in a nullable list nulls the list', '{ items { id name } }'],
  ['non-null list propagates to data', '{ strictItems { id name } }'],
  ['non-null object field propagates to its parent', '{ nested { id child { id } req { id } } }'],
  ['root non-null null', '{ nonNullBoom }'],
  ['internal error', '{ boom item(id: "1") { id } }'],
  ['coded GraphQLError', '{ coded }'],
  ['domain error with details', '{ domain }'],
  ['async domain error', '{ missing }'],
  ['thrown string', '{ thrownString }'],
  ['scalar serialize throws', '{ badBytes }'],
  ['built-in scalar cannot represent', '{ badInt }'],
  ['scalar failure inside a list', '{ items { id size } }'],
  ['built-in scalars given every kind of value', '{ leaves { s i f b id } }'],
  ['fragments, inline fragments, abstract types, __typename',
    'query { a: node(id: "1") { __typename id ...F } b: node(id: "o2") { __typename ... on Other { label } } } fragment F on Item { name }'],
  ['skip and include', 'query Q($s: Boolean!) { item(id: "1") { id name @skip(if: $s) size @include(if: $s) } }', { s: true }],
  ['async resolvers', '{ a: asyncValue(ms: 5) b: asyncValue(ms: 1) }'],
  ['several errors', '{ boom coded domain item(id: "2") { id } }'],
  ['named operation among several', 'query A { boom } query B { item(id: "3") { id } }'],
  ['introspection', '{ __schema { queryType { name } } __type(name: "Item") { fields { name } } }'],
  ['introspection through a fragment', 'query { ...Q } fragment Q on Query { __type(name: "Node") { kind possibleTypes { name } } }'],
];

describe('the compiled executor answers as graphql-js does', () => {
  let jit: Execute;
  let js: Execute;
  let schema: GraphQLSchema;
  beforeEach(() => {
    schema = makeSchema().schema;
    jit = createExecutor(schema, { engine: 'jit' });
    js = createExecutor(makeSchema().schema, { engine: 'graphql-js' });
  });

  // Every row gets three elements: a two-element row would make Jest pass `done` as the third argument.
  it.each(DOCS.map(([n, s, v]) => [n, s, v ?? {}] as const))('%s', async (_name, source, variables) => {
    const document = parse(source);
    expect(validate(schema, document)).toEqual([]);
    const operationName = source.includes('query B') ? 'B' : null;
    const operation = getOperationAST(document, operationName)!;
    const req = { document, source, operation, operationName, variables, contextValue: {} };
    const [a, b] = [await jit(req), await js(req)];
    expect(observable(a)).toEqual(observable(b));
    // Twice: the second run comes from the compiled cache.
    expect(observable(await jit(req))).toEqual(observable(b));
  });

  it('answers an unknown operation name with graphql-js\'s error', async () => {
    const source = 'query A { boom }';
    const document = parse(source);
    const req = { document, source, operation: undefined, operationName: 'B', contextValue: {} };
    const r = await jit(req);
    expect(r.data).toBeUndefined();
    expect(r.errors?.map((e) => e.message)).toEqual(['Unknown operation named "B".']);
    expect(observable(r)).toEqual(observable(await js(req)));
  });

  it('keeps graphql-js for mutations (serial execution, same answer)', async () => {
    const { schema: s, calls } = makeSchema();
    const run = createExecutor(s, { engine: 'jit' });
    const source = 'mutation { a: bump(by: 2) b: bump(by: 3) }';
    const document = parse(source);
    const r = await run({ document, source, operation: getOperationAST(document)!, operationName: null, contextValue: {} });
    expect(r).toEqual({ data: { a: 2, b: 5 } });
    expect(calls).toEqual(['bump', 'bump']);
  });

  it('compiles a document once and keeps at most cacheSize of them', async () => {
    const { schema: s } = makeSchema();
    const spy = jest.fn();
    const run = createExecutor(s, { engine: 'jit', cacheSize: 2, onCompile: spy });
    const go = (source: string) => {
      const document = parse(source);
      return run({ document, source, operation: getOperationAST(document)!, operationName: null, contextValue: {} });
    };
    await go('{ item(id: "1") { id } }');
    await go('{ item(id: "1") { id } }');
    expect(spy).toHaveBeenCalledTimes(1);
    await go('{ item(id: "2") { id } }');
    await go('{ item(id: "1") { id } }'); // a hit: now the most recent
    await go('{ item(id: "3") { id } }'); // evicts id "2"
    expect(spy).toHaveBeenCalledTimes(3);
    await go('{ item(id: "1") { id } }');
    expect(spy).toHaveBeenCalledTimes(3);
    await go('{ item(id: "2") { id } }');
    expect(spy).toHaveBeenCalledTimes(4);
  });
});
