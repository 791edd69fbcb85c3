/** DriftIndex (docs/domain.md §4, base drift): the cases the generated fleets reach rarely, spelled out. */
import { BaseChainIndex } from '../../src/domain/baseChains';
import { DriftIndex } from '../../src/domain/drift';
import { chains, d } from './domainTestKit';

function setup() {
  const stacks = new BaseChainIndex();
  const drift = new DriftIndex(stacks);
  let position = 0;
  const at = (p: number) => `2026-01-01T00:00:${String(p).padStart(2, '0')}.000Z`;
  return {
    drift,
    add(imageId: string, letters: string[]) {
      position += 1;
      const img = { imageId, chainIds: chains(letters.map(d)), order: position };
      stacks.add(img);
      drift.addImage(img, position);
    },
    remove(imageId: string) {
      position += 1;
      stacks.remove(imageId);
      drift.removeImage(imageId, position);
    },
    move(tag: string, to: string | null) {
      position += 1;
      drift.moveTag(tag, { position, at: at(position), to });
      return position;
    },
  };
}

const brief = (xs: readonly { imageId: string; tag: string; builtOn: string; current: string; movesBehind: number; sincePosition: number }[]) =>
  xs.map((x) => `${x.imageId} on ${x.tag}: ${x.builtOn} -> ${x.current}, ${x.movesBehind} behind since ${x.sincePosition}`);

describe('DriftIndex', () => {
  it('reports an image built on an older target once the tag moves, not before, and not the targets themselves', () => {
    const s = setup();
    s.add('deb1', ['a']);
    s.add('app', ['a', 'x']);
    s.move('debian:12', 'deb1');
    expect(s.drift.list(null)).toEqual([]);
    s.add('deb2', ['b']);
    const moved = s.move('debian:12', 'deb2');
    expect(brief(s.drift.list(null))).toEqual([`app on debian:12: deb1 -> deb2, 1 behind since ${moved}`]);
    expect(s.drift.list('debian:12')[0]!.since).toBe(`2026-01-01T00:00:0${moved}.000Z`);
    expect(s.drift.ofImage('deb1')).toEqual([]);
  });

  it('holds through an unnamed base: a stack on the old target that no image or tag names', () => {
    const s = setup();
    s.add('deb1', ['a']);
    s.move('debian:12', 'deb1');
    s.add('svc1', ['a', 'runtime', 'svc1']); // [a, runtime] is shared but known as no image
    s.add('svc2', ['a', 'runtime', 'svc2']);
    s.add('deb2', ['a', 'patch']); // the new version shares the lower stack [a]
    s.move('debian:12', 'deb2');
    expect(brief(s.drift.list('debian:12')).sort()).toEqual([
      'svc1 on debian:12: deb1 -> deb2, 1 behind since 6', 'svc2 on debian:12: deb1 -> deb2, 1 behind since 6']);
  });

  it('picks the deepest old target, and among equal chains the one pointed to last; counts moves to images only', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v1b', ['a']); // same layers, another config
    s.add('v2', ['a', 'p']);
    s.add('v3', ['c']);
    s.add('app', ['a', 'p', 'x']);
    s.add('tool', ['a', 'y']);
    s.move('base', 'v1');
    const away1 = s.move('base', 'v1b');
    s.move('base', 'v2');
    const away2 = s.move('base', null);
    s.move('base', 'v3');
    expect(brief(s.drift.list('base'))).toEqual([
      `tool on base: v1b -> v3, 2 behind since ${away1 + 1}`,
      `app on base: v2 -> v3, 1 behind since ${away2}`,
    ]);
  });

  it('a rollback makes images on the old target current again; an untag reports nothing', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.add('app', ['a', 'x']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    expect(s.drift.list('base')).toHaveLength(1);
    s.move('base', 'v1');
    expect(s.drift.list('base')).toEqual([]);
    s.move('base', 'v2');
    expect(s.drift.list('base')[0]!.movesBehind).toBe(1);
    s.move('base', null);
    expect(s.drift.list('base')).toEqual([]);
  });

  it('an image committed later on an old target is behind at once; a removed one drops out; a removed old target still counts', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    s.remove('v1');
    s.add('late', ['a', 'late']);
    expect(brief(s.drift.ofImage('late'))).toEqual(['late on base: v1 -> v2, 1 behind since 4']);
    expect(s.drift.changedAt('base')).toBe(6);
    s.remove('late');
    expect(s.drift.list(null)).toEqual([]);
    expect(s.drift.changedAt('base')).toBe(7);
  });

  it('an image that also contains the current target is not behind', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['a', 'b']);
    s.add('app', ['a', 'b', 'x']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    expect(s.drift.list(null)).toEqual([]);
    expect(s.drift.knows('base')).toBe(true);
    expect(s.drift.knows('other')).toBe(false);
  });
});
