/**
 * sha256 digests (src/domain/digest.ts; OCI image-spec descriptor.md#digests and
 * config.md#layer-chainid). Oracles: node:crypto recomputes every hash here,
 * never the code under test.
 */
import { createHash } from 'node:crypto';
import { chainIdsOf, EMPTY_LAYER_DIFF_ID, isDigest, parseDigest, shortId } from '../../src/domain/digest';
import { DomainError } from '../../src/domain/errors';

const hex = (input: string | Uint8Array) => createHash('sha256').update(input).digest('hex');
const HEX = hex('strata');
const refusal = (f: () => unknown): [string, string] => {
  try { f(); } catch (e) { return [(e as DomainError).code, (e as Error).message]; }
  throw new Error('accepted');
};

describe('digests (OCI: "sha256:" + 64 lowercase hex)', () => {
  test('isDigest: exactly the algorithm, a colon and 64 lowercase hex, nothing before or after', () => {
    expect(isDigest(`sha256:${HEX}`)).toBe(true);
    for (const bad of [HEX, `sha256:${HEX.slice(1)}`, `sha256:${HEX}0`, ` sha256:${HEX}`, `sha256:${HEX}\n`, `xsha256:${HEX}`,
      `sha256:${HEX.toUpperCase()}`, `sha512:${HEX}`, `sha256:${HEX.slice(1)}g`, '']) {
      expect([bad, isDigest(bad)]).toEqual([bad, false]);
    }
  });

  test('parseDigest gives the canonical form: prefix added to bare hex, case folded, spaces around dropped', () => {
    expect(parseDigest(`sha256:${HEX}`)).toBe(`sha256:${HEX}`);
    expect(parseDigest(HEX)).toBe(`sha256:${HEX}`);
    expect(parseDigest(`  SHA256:${HEX.toUpperCase()}\t`)).toBe(`sha256:${HEX}`);
    expect(parseDigest(HEX.toUpperCase())).toBe(`sha256:${HEX}`);
  });

  test('parseDigest refuses anything else with BAD_USER_INPUT naming the field and the value', () => {
    expect(refusal(() => parseDigest(HEX.slice(1)))).toEqual(['BAD_USER_INPUT', `digest "${HEX.slice(1)}" is not a sha256 digest (sha256:<64 hex>)`]);
    expect(refusal(() => parseDigest(`sha512:${HEX}`, '/f: contentDigest')))
      .toEqual(['BAD_USER_INPUT', `/f: contentDigest "sha512:${HEX}" is not a sha256 digest (sha256:<64 hex>)`]);
    for (const bad of [`${HEX}0`, `x${HEX}`, `sha256:${HEX}0`, `xsha256:${HEX}`, `sha256:${HEX.slice(1)}z`, `sha256:sha256:${HEX}`, '']) {
      expect(() => parseDigest(bad)).toThrow('is not a sha256 digest');
    }
  });

  test('the empty layer is the empty tar: 1024 zero bytes', () => {
    expect(EMPTY_LAYER_DIFF_ID).toBe(`sha256:${hex(new Uint8Array(1024))}`);
  });

  test('ChainIDs: the first is the DiffID, each next one sha256(previous ChainID + " " + DiffID)', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((s) => `sha256:${hex(s)}`) as [string, string, string];
    const ab = `sha256:${hex(`${a} ${b}`)}`;
    const abc = `sha256:${hex(`${ab} ${c}`)}`;
    expect(chainIdsOf([a, b, c], hex)).toEqual([a, ab, abc]);
    expect(chainIdsOf([a], hex)).toEqual([a]);
    expect(chainIdsOf([], hex)).toEqual([]);
    // the same DiffID twice still chains (a layer repeated in one image)
    expect(chainIdsOf([a, a], hex)).toEqual([a, `sha256:${hex(`${a} ${a}`)}`]);
  });

  test('shortId: the first 12 hex characters, a leading "sha256:" dropped (only a leading one)', () => {
    expect(shortId(`sha256:${HEX}`)).toBe(HEX.slice(0, 12));
    expect(shortId(HEX)).toBe(HEX.slice(0, 12));
    expect(shortId(`${HEX.slice(0, 4)}sha256:${HEX}`)).toBe(`${HEX.slice(0, 4)}sha256:${HEX.slice(0, 1)}`);
  });
});
