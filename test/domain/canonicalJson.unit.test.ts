/**
 * Canonical JSON (src/domain/canonicalJson.ts, docs/domain.md §1, §7): one text per
 * value whatever order its keys came in, so a hash over it is reproducible.
 */
import { canonicalJson } from '../../src/domain/canonicalJson';

describe('canonical JSON', () => {
  test('object keys sorted by code unit, at every depth; no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,2]},"b":1}');
    // code-unit order, not locale order: "B" (0x42) < "a" (0x61) < "é" (0xE9); "10" < "9"
    expect(canonicalJson({ a: 1, é: 2, B: 3, 9: 4, 10: 5 })).toBe('{"10":5,"9":4,"B":3,"a":1,"é":2}');
  });

  test('the same members in another order give the same text; JSON.parse reads it back', () => {
    const one = { type: 'TagMoved', data: { to: 'sha256:1', from: null, tag: 'app:1' }, n: [3, 1, 2] };
    const two = { n: [3, 1, 2], data: { tag: 'app:1', from: null, to: 'sha256:1' }, type: 'TagMoved' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(JSON.parse(canonicalJson(one))).toEqual(one);
  });

  test('arrays keep their order (order is data)', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([{ b: 1, a: 2 }, []])).toBe('[{"a":2,"b":1},[]]');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  test('undefined members are dropped (as JSON.stringify does); undefined alone and in arrays is null', () => {
    expect(canonicalJson({ a: undefined, b: null, c: 1 })).toBe('{"b":null,"c":1}');
    expect(canonicalJson({ a: undefined })).toBe('{}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  test('scalars as JSON writes them: strings escaped, keys escaped, numbers, booleans, null', () => {
    expect(canonicalJson('a"b\n')).toBe('"a\\"b\\n"');
    expect(canonicalJson({ 'k"\n': true })).toBe('{"k\\"\\n":true}');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(-1.5e-7)).toBe('-1.5e-7');
  });

  test.each([NaN, Infinity, -Infinity])('a non-finite number (%p) is refused, at any depth: it has no JSON form', (n) => {
    const rule = 'canonical JSON has no form for a non-finite number';
    expect(() => canonicalJson(n)).toThrow(new TypeError(rule));
    expect(() => canonicalJson({ a: [1, { b: n }] })).toThrow(rule);
  });
});
