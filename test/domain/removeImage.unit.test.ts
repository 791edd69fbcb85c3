import { DomainError } from '../../src/domain/errors';
import { evolveImage, initialImageState } from '../../src/domain/image/state';
import { planRemoval, RemoveImage, RemovePorts } from '../../src/domain/image/remove';
import { StorageLedger } from '../../src/domain/storageLedger';
import { chains, d } from './domainTestKit';
import { meta, PARENT_ID, parentState } from './imageFixtures';

/** Ledger by DiffID: the parent [x 30, y 5] and another image [x 30]: removing the parent frees y. */
const [X, Y] = [d('x'), d('y')] as [string, string];
/** Built per call (not when the file loads): a broken ledger fails tests, not the file. */
const ledgerOf = (): StorageLedger => {
  const ledger = new StorageLedger('DIFF_ID');
  ledger.addImage({ imageId: PARENT_ID, layers: [X, Y].map((diffId, i) => ({ diffId, chainId: chains([X, Y])[i] as string, size: diffId === X ? 30 : 5 })) });
  ledger.addImage({ imageId: 'other', layers: [{ diffId: X, chainId: X, size: 30 }] });
  return ledger;
};

const cmd = (data: Partial<RemoveImage['data']> = {}, p: Partial<RemovePorts> = {}): RemoveImage => ({
  type: 'RemoveImage', data: { imageId: PARENT_ID, ...data }, metadata: meta,
  ports: { containersUsing: [], tagsPointing: [], impact: ledgerOf().removalImpact(PARENT_ID), ...p },
});
const code = (c: RemoveImage, state = parentState()) => { try { planRemoval(c, state); } catch (e) { return (e as DomainError).code; } return 'none'; };

describe('removeImage (given a live image, when removed, then ImageRemoved)', () => {
  test('tags pointing at it are removed with it; freed layers come from the ledger', () => {
    const out = planRemoval(cmd({ expectedVersion: 1 }, { tagsPointing: ['b:1', 'a:1'] }), parentState());
    expect(out.events).toEqual([
      { type: 'TagRemoved', data: { tag: 'a:1', from: PARENT_ID } },
      { type: 'TagRemoved', data: { tag: 'b:1', from: PARENT_ID } },
      { type: 'ImageRemoved', data: { imageId: PARENT_ID } },
    ]);
    expect(out.freedLayers.map((l) => [l.diffId, l.size])).toEqual([[Y, 5]]);
    expect(out.freedBytes).toBe(5);
    const after = out.events.slice(2).reduce(evolveImage, parentState());
    expect(after).toMatchObject({ status: 'removed', version: 2 });
  });
  test('a container uses it → CONFLICT, unless forced', () => {
    expect(code(cmd({}, { containersUsing: ['c1'] }))).toBe('CONFLICT');
    expect(planRemoval(cmd({ force: true }, { containersUsing: ['c1'] }), parentState()).events.map((e) => e.type)).toEqual(['ImageRemoved']);
  });
  test('missing, other or removed image → NOT_FOUND; stale version → CONFLICT', () => {
    expect(code(cmd(), initialImageState())).toBe('NOT_FOUND');
    expect(code(cmd({ imageId: 'sha256:nope' }))).toBe('NOT_FOUND');
    expect(code(cmd(), evolveImage(parentState(), { type: 'ImageRemoved', data: { imageId: PARENT_ID } }))).toBe('NOT_FOUND');
    expect(code(cmd({ expectedVersion: 0 }))).toBe('CONFLICT');
  });
});

describe('removeImage: each refusal names the image and the rule', () => {
  const refusal = (c: RemoveImage, state = parentState()): [string, string, unknown] => {
    try { planRemoval(c, state); } catch (e) { const x = e as DomainError; return [x.code, x.message, x.details]; }
    throw new Error('accepted');
  };
  test('missing image → NOT_FOUND with the ID', () => {
    expect(refusal(cmd({ imageId: 'sha256:nope' }))).toEqual(['NOT_FOUND', 'image sha256:nope does not exist', { imageId: 'sha256:nope' }]);
  });
  test('stale version → CONFLICT with both versions; null skips the check; the current version passes', () => {
    expect(refusal(cmd({ expectedVersion: 3 }))).toEqual(['CONFLICT', `image ${PARENT_ID} is at version 1, not 3`, { imageId: PARENT_ID, expectedVersion: 3, actualVersion: 1 }]);
    expect(planRemoval(cmd({ expectedVersion: null }), parentState()).events.map((e) => e.type)).toEqual(['ImageRemoved']);
  });
  test('in use → CONFLICT naming every container; force: false is no force', () => {
    expect(refusal(cmd({ force: false }, { containersUsing: ['c1', 'c2'] })))
      .toEqual(['CONFLICT', `image ${PARENT_ID} is being used by container c1, c2 (force to remove anyway)`, { imageId: PARENT_ID, containers: ['c1', 'c2'] }]);
  });
  test('no impact known → nothing freed', () => {
    expect(planRemoval(cmd({}, { impact: null }), parentState())).toEqual({ events: [{ type: 'ImageRemoved', data: { imageId: PARENT_ID } }], freedLayers: [], freedBytes: 0 });
  });
});
