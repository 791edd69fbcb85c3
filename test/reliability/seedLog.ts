/**
 * Seeds a database for the hardening suites: two images (app:a, app:b) and a
 * tag that flips between them `tagMoves` times, appended in large batches so a
 * 60k-event log takes seconds, not minutes.
 */
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { normalizeTag } from '../../src/domain/reference';
import { streams } from '../../src/domain/events';
import { dir, file, image, layer } from '../helpers/synthetic';

export interface Seeded { imageA: string; imageB: string; flipTag: string; head: number }

/** Appends `moves` TagMoved events flipping flip:latest between two images (batches of 2,000). */
export async function appendFlips(app: Strata, imageA: string, imageB: string, moves: number): Promise<void> {
  const flipTag = normalizeTag('flip:latest');
  let from = (await app.models.current()).tag(flipTag)?.imageId ?? null;
  for (let done = 0; done < moves;) {
    const n = Math.min(2000, moves - done);
    const events = [];
    for (let i = 0; i < n; i++) {
      const to = from === imageA ? imageB : imageA;
      events.push({ type: 'TagMoved', data: { tag: flipTag, from, to } });
      from = to;
    }
    await app.append([{ stream: streams.tag(flipTag), expectedVersion: 'any', events }], { actor: 'seed' });
    done += n;
  }
}

export async function seedLog(db: string, tagMoves = 0): Promise<Seeded> {
  const app = await Strata.open(db);
  try {
    const base = layer([dir('/etc'), file('/etc/base', 10)]);
    const a = image([base, layer([file('/a', 1)])], ['app:a'], 'a');
    const b = image([base, layer([file('/b', 2)])], ['app:b'], 'b');
    await recordImport(app, [a, b], { actor: 'seed' });
    const flipTag = normalizeTag('flip:latest');
    await appendFlips(app, a.imageId, b.imageId, tagMoves);
    return { imageA: a.imageId, imageB: b.imageId, flipTag, head: await app.store.head() };
  } finally {
    await app.close();
  }
}
