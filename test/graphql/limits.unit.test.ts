import { buildSchema, getOperationAST, parse } from 'graphql';
import { loadSchemaSDL } from '../../src/graphql/schemaLoader';
import { checkOperation, checkVariables, DEFAULT_LIMITS, type Limits } from '../../src/graphql/limits';

const schema = buildSchema(loadSchemaSDL());
const check = (query: string, variables?: Record<string, unknown>, limits: Partial<Limits> = {}) => {
  const doc = parse(query);
  return checkOperation(schema, doc, getOperationAST(doc)!, variables, { ...DEFAULT_LIMITS, ...limits });
};
/** The cost the check computed, found by bisecting maxCost (the function only says yes or no). */
const costOf = (query: string, variables?: Record<string, unknown>) => {
  let lo = 0;
  let hi = 10_000_000;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (check(query, variables, { maxCost: mid })) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

test('scalars cost 1; connections multiply by first, edges are not multiplied again', () => {
  expect(costOf('{ head }')).toBe(1);
  // images(1) + totalCount(1) + edges(1 + first × (node(1) + id(1)))
  expect(costOf('{ images(first: 10) { totalCount edges { node { id } } } }')).toBe(1 + 1 + (1 + 10 * 2));
  expect(costOf('{ images(first: 10) { pageInfo { hasNextPage } } }')).toBe(1 + (1 + 1));
});

test('first from a variable, a variable default, or the schema default', () => {
  const q = 'query($n: Int) { images(first: $n) { edges { node { id } } } }';
  expect(costOf(q, { n: 4 })).toBe(1 + 1 + 4 * 2);
  expect(costOf('query($n: Int = 2) { images(first: $n) { edges { node { id } } } }')).toBe(1 + 1 + 2 * 2);
  expect(costOf(q)).toBe(1 + 1 + 50 * 2); // images(first: Int = 50)
});

test('lists without first use the default list size', () => {
  expect(costOf('{ image(ref: "x") { layers { diffId } } }')).toBe(1 + (1 + DEFAULT_LIMITS.defaultListSize * 1));
});

test('introspection is counted but not multiplied', () => {
  expect(check('{ __schema { types { fields { name type { name ofType { name } } } } } }')).toBeNull();
});

test('aliases count once per use, fragments included', () => {
  const q = 'query { image(ref: "x") { ...F ...F } } fragment F on Image { a: id b: id }';
  expect(check(q, undefined, { maxAliases: 3 })?.extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect(check(q, undefined, { maxAliases: 4 })).toBeNull();
});

test('mutations are checked too', () => {
  expect(check('mutation { a: untag(tag: "x") b: untag(tag: "y") }', undefined, { maxAliases: 1 })?.extensions.code).toBe('QUERY_TOO_COMPLEX');
});

test('checkVariables bounds values and nesting', () => {
  expect(checkVariables({ a: [1, 2, { b: 'c' }] })).toBeNull();
  expect(checkVariables({ a: Array(300_000).fill(0) })?.extensions.code).toBe('BAD_USER_INPUT');
  expect(checkVariables(JSON.parse('{"a":' + '['.repeat(40) + ']'.repeat(40) + '}'))?.extensions.code).toBe('BAD_USER_INPUT');
  expect(checkVariables(undefined)).toBeNull();
});
