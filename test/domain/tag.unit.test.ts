import { DomainError } from '../../src/domain/errors';
import type { DomainEvent } from '../../src/domain/events';
import { groupByStream, streamOf } from '../../src/domain/eventStream';
import { initialImageState } from '../../src/domain/image/state';
import { decideTag, TagCommand } from '../../src/domain/tag/decide';
import { foldTag, initialTagState } from '../../src/domain/tag/state';
import { meta, PARENT_ID, parentState } from './imageFixtures';

const moved = (from: string | null, to: string): DomainEvent => ({ type: 'TagMoved', data: { tag: 'app:1', from, to } });
const tagImage = (imageId: string, expectedVersion?: number): TagCommand => ({ type: 'TagImage', data: { tag: 'docker.io/library/app:1', imageId, expectedVersion }, metadata: meta });
const untag = (expectedVersion?: number): TagCommand => ({ type: 'Untag', data: { tag: 'app:1', expectedVersion }, metadata: meta });
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as DomainError).code; } return 'none'; };

describe('tag decisions (given events, when command, then events)', () => {
  test('given no tag, when tagImage, then TagMoved from null (familiar name)', () => {
    expect(decideTag(tagImage(PARENT_ID, 0), { tag: initialTagState(), image: parentState() })).toEqual([moved(null, PARENT_ID)]);
  });
  test('given the tag on another image, when tagImage, then TagMoved from it', () => {
    const tag = foldTag([moved(null, 'sha256:old')]);
    expect(tag).toEqual({ tag: 'app:1', imageId: 'sha256:old', version: 1 });
    expect(decideTag(tagImage(PARENT_ID, 1), { tag, image: parentState() })).toEqual([moved('sha256:old', PARENT_ID)]);
  });
  test('given the tag already there, when tagImage, then nothing', () => {
    expect(decideTag(tagImage(PARENT_ID), { tag: foldTag([moved(null, PARENT_ID)]), image: parentState() })).toEqual([]);
  });
  test('when tagImage of a missing or removed image, then NOT_FOUND', () => {
    expect(code(() => decideTag(tagImage(PARENT_ID), { tag: initialTagState(), image: initialImageState() }))).toBe('NOT_FOUND');
    expect(code(() => decideTag(tagImage(PARENT_ID), { tag: initialTagState(), image: { ...parentState(), status: 'removed' } }))).toBe('NOT_FOUND');
    expect(code(() => decideTag(tagImage('sha256:other'), { tag: initialTagState(), image: parentState() }))).toBe('NOT_FOUND');
  });
  test('when the expected version is stale, then CONFLICT', () => {
    expect(code(() => decideTag(tagImage(PARENT_ID, 0), { tag: foldTag([moved(null, 'x')]), image: parentState() }))).toBe('CONFLICT');
    expect(code(() => decideTag(untag(3), { tag: foldTag([moved(null, 'x')]) }))).toBe('CONFLICT');
  });
  test('given a tag, when untag, then TagRemoved; version counts every event', () => {
    const tag = foldTag([moved(null, 'x')]);
    const events = decideTag(untag(1), { tag });
    expect(events).toEqual([{ type: 'TagRemoved', data: { tag: 'app:1', from: 'x' } }]);
    expect(foldTag([moved(null, 'x'), ...events])).toEqual({ tag: 'app:1', imageId: null, version: 2 });
  });
  test('when untag of a missing or already removed tag, then NOT_FOUND', () => {
    expect(code(() => decideTag(untag(), { tag: initialTagState() }))).toBe('NOT_FOUND');
    expect(code(() => decideTag(untag(), { tag: foldTag([moved(null, 'x'), { type: 'TagRemoved', data: { tag: 'app:1', from: 'x' } }]) }))).toBe('NOT_FOUND');
  });
});

describe('tag optimistic concurrency (docs/domain.md §7)', () => {
  test('expectedVersion null skips the check, for tagImage and untag alike', () => {
    const tag = foldTag([moved(null, 'sha256:old'), moved('sha256:old', 'sha256:older')]);
    const tagNull: TagCommand = { type: 'TagImage', data: { tag: 'app:1', imageId: PARENT_ID, expectedVersion: null }, metadata: meta };
    const untagNull: TagCommand = { type: 'Untag', data: { tag: 'app:1', expectedVersion: null }, metadata: meta };
    expect(decideTag(tagNull, { tag, image: parentState() })).toEqual([moved('sha256:older', PARENT_ID)]);
    expect(decideTag(untagNull, { tag })).toEqual([{ type: 'TagRemoved', data: { tag: 'app:1', from: 'sha256:older' } }]);
  });
  test('a stale expectedVersion names the tag, both versions, in message and details', () => {
    const tag = foldTag([moved(null, 'x')]);
    try {
      decideTag(tagImage(PARENT_ID, 0), { tag, image: parentState() });
      throw new Error('accepted');
    } catch (e) {
      const err = e as DomainError;
      expect([err.code, err.message, err.details]).toEqual(['CONFLICT', 'tag app:1 is at version 1, not 0', { tag: 'app:1', expectedVersion: 0, actualVersion: 1 }]);
    }
  });
  test('the matching version is accepted, 0 included for a tag never written', () => {
    expect(decideTag(tagImage(PARENT_ID, 0), { tag: initialTagState(), image: parentState() })).toEqual([moved(null, PARENT_ID)]);
    expect(decideTag(untag(1), { tag: foldTag([moved(null, 'x')]) })).toEqual([{ type: 'TagRemoved', data: { tag: 'app:1', from: 'x' } }]);
  });
});

describe('event streams (docs/domain.md §7)', () => {
  test('each event goes to its stream; groups keep order', () => {
    const events: DomainEvent[] = [
      { type: 'ImageRemoved', data: { imageId: 'sha256:i' } },
      moved(null, 'sha256:i'),
      { type: 'ContainerRemoved', data: { containerId: 'c1' } },
      { type: 'ImageCommitted', data: { imageId: 'sha256:i' } as never },
    ];
    expect(events.map(streamOf)).toEqual(['image:sha256:i', 'tag:app:1', 'container:c1', 'image:sha256:i']);
    expect(groupByStream(events).map((g) => [g.stream, g.events.length])).toEqual([['image:sha256:i', 2], ['tag:app:1', 1], ['container:c1', 1]]);
  });
});

describe('tag refusals name the rule (message and details), not only the code', () => {
  const refusal = (f: () => unknown) => {
    try { f(); } catch (e) { const err = e as DomainError; return [err.code, err.message, err.details]; }
    return 'accepted';
  };
  test('tagging an image that is missing, removed or another one: NOT_FOUND naming the image asked for', () => {
    const why = ['NOT_FOUND', `image ${PARENT_ID} does not exist`, { imageId: PARENT_ID }];
    expect(refusal(() => decideTag(tagImage(PARENT_ID), { tag: initialTagState() }))).toEqual(why);
    expect(refusal(() => decideTag(tagImage(PARENT_ID), { tag: initialTagState(), image: { ...parentState(), status: 'removed' } }))).toEqual(why);
    expect(refusal(() => decideTag(tagImage('sha256:other'), { tag: initialTagState(), image: parentState() })))
      .toEqual(['NOT_FOUND', 'image sha256:other does not exist', { imageId: 'sha256:other' }]);
  });
  test('untagging a tag that points nowhere: NOT_FOUND naming the normalized tag', () => {
    const untagLong: TagCommand = { type: 'Untag', data: { tag: 'docker.io/library/app:1' }, metadata: meta };
    expect(refusal(() => decideTag(untagLong, { tag: initialTagState() }))).toEqual(['NOT_FOUND', 'tag app:1 does not exist', { tag: 'app:1' }]);
  });
  test('the version is checked before the image: a stale version on a missing image is a CONFLICT', () => {
    expect(refusal(() => decideTag(tagImage(PARENT_ID, 5), { tag: initialTagState() })))
      .toEqual(['CONFLICT', 'tag app:1 is at version 0, not 5', { tag: 'app:1', expectedVersion: 5, actualVersion: 0 }]);
  });
  test('an invalid tag name is refused before anything else', () => {
    const bad: TagCommand = { type: 'TagImage', data: { tag: 'UPPER:1', imageId: PARENT_ID, expectedVersion: 9 }, metadata: meta };
    expect((refusal(() => decideTag(bad, { tag: initialTagState(), image: parentState() })) as unknown[])[0]).toBe('BAD_USER_INPUT');
  });
});

describe('tag state', () => {
  test('moves point the tag, a removal points it nowhere, any other event only counts a version', () => {
    const s = foldTag([moved(null, 'sha256:a'), { type: 'ImageRemoved', data: { imageId: 'sha256:a' } }]);
    expect(s).toEqual({ tag: 'app:1', imageId: 'sha256:a', version: 2 });
    expect(foldTag([])).toEqual({ tag: null, imageId: null, version: 0 });
    expect(foldTag([{ type: 'TagRemoved', data: { tag: 'app:1', from: 'x' } }])).toEqual({ tag: 'app:1', imageId: null, version: 1 });
  });
});
